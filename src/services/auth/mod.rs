//! Globus Auth.

mod generated {
    #![allow(missing_docs, clippy::all, unused_imports, dead_code)]
    include!(concat!(env!("CARGO_MANIFEST_DIR"), "/generated/auth.rs"));
}

pub mod operations {
    //! Metadata of every Auth operation (from the spec).
    #[allow(unused_imports)]
    use super::types;
    include!(concat!(env!("OUT_DIR"), "/auth_operations.rs"));
}

pub use generated::{Client, builder, types};

crate::transport::service_client!(Client, "auth", operations::OPERATIONS, None);

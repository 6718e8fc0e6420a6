//! Globus Transfer: collections and endpoints, file operations, transfer and delete tasks,
//! access rules, roles, bookmarks, the endpoint manager and tunnels.

mod generated {
    #![allow(missing_docs, clippy::all, unused_imports, dead_code)]
    include!(concat!(env!("CARGO_MANIFEST_DIR"), "/generated/transfer.rs"));
}

pub mod operations {
    //! Metadata of every Transfer operation (from the spec).
    #[allow(unused_imports)]
    use super::types;
    include!(concat!(env!("OUT_DIR"), "/transfer_operations.rs"));
}

pub use generated::{Client, builder, types};

crate::transport::service_client!(Client, "transfer", operations::OPERATIONS, None);

//! The services: one module each, declared once in its own `mod.rs` with
//! `crate::transport::service!`, and listed here with its cargo feature.
//!
//! Adding a service is four steps (see `specs/README.md`): its spec, its cargo feature, its
//! module with the declaration, and its line below. The test `services_are_declared` checks
//! that every spec has its line and feature, and the reverse.

macro_rules! registry {
    ($( $(#[$attr:meta])* $module:ident: $feature:literal ),* $(,)?) => {
        $(
            $(#[$attr])*
            #[cfg(feature = $feature)]
            pub mod $module;
        )*

        /// The services of this crate, for the tests and the application layer.
        #[doc(hidden)]
        pub mod registry {
            /// Every service this build has (its feature is on), in declaration order.
            #[allow(clippy::vec_init_then_push)]
            pub fn enabled() -> Vec<&'static crate::transport::ServiceInfo> {
                #[allow(unused_mut)]
                let mut services = Vec::new();
                $(
                    #[cfg(feature = $feature)]
                    services.push(&super::$module::SERVICE);
                )*
                services
            }

            /// Every declared service, (name, cargo feature), whatever the features.
            pub const DECLARED: &[(&str, &str)] = &[$((stringify!($module), $feature)),*];
        }
    };
}

registry! {
    auth: "auth",
    transfer: "transfer",
    groups: "groups",
    timers: "timers",
    search: "search",
    flows: "flows",
    compute: "compute",
    gcs: "gcs",
    /// A Search-shaped service from `specs/testing/search_shapes.yaml`: proves paging whose
    /// cursor and page size travel in the JSON body, with a result ceiling.
    #[doc(hidden)]
    search_shapes: "testing",
}

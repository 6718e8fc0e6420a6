//! Globus Groups: the generated client for every Groups operation (your groups, a group's
//! document, policies and membership fields, batch membership actions, identity preferences,
//! subscriptions).
//!
//! ```no_run
//! use globus_sdk::authorizers::AccessTokenAuthorizer;
//!
//! # async fn demo() -> Result<(), globus_sdk::Error> {
//! let groups = globus_sdk::groups::Client::with_authorizer(AccessTokenAuthorizer::new("TOKEN"))?;
//! for group in groups.get_my_groups().statuses("active").send().await?.iter() {
//!     println!("{} {}", group.id, group.name);
//! }
//! # Ok(()) }
//! ```

crate::transport::service! {
    name: "groups",
    feature: "groups",
    resource_server: Some(scopes::RESOURCE_SERVER),
    base_url: Environment,
    default_scopes: || vec![scopes::view_my_groups_and_memberships()],
    hooks: crate::transport::Hooks { retry_veto: None, error_format: None },
}

pub mod scopes;

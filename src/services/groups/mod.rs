//! Globus Groups: the generated client for every Groups operation (your groups, a group's
//! document, policies and membership fields, batch membership actions, identity preferences,
//! subscriptions), the documents it sends ([`BatchMembershipActions`], [`GroupPolicies`]),
//! the words Groups uses as lenient enums ([`GroupRole`], [`GroupVisibility`],
//! [`MembershipStatus`]...), and [`GroupsManager`], the common actions as one call each.
//!
//! ```no_run
//! use globus_sdk::authorizers::AccessTokenAuthorizer;
//!
//! # async fn demo() -> Result<(), globus_sdk::Error> {
//! let groups = globus_sdk::groups::Client::with_authorizer(AccessTokenAuthorizer::new("TOKEN"))?;
//! for group in groups.get_my_groups().statuses("active").send().await?.iter() {
//!     println!("{} {}", group.id, group.name);
//! }
//!
//! // The manager: one call per common action, as the Python SDK's GroupsManager.
//! let manager = globus_sdk::groups::GroupsManager::new(groups);
//! let added = manager.add_member("GROUP-ID", "IDENTITY-ID").role(globus_sdk::groups::GroupRole::Manager).await?;
//! assert!(added.is_complete(), "{:?}", added.failures().collect::<Vec<_>>());
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

mod documents;
mod manager;
mod results;
mod values;

pub use documents::{BatchAction, BatchMembershipActions, GroupPolicies, MembershipAction};
pub use manager::{CreateGroup, GroupsManager, MemberWithRole};
pub use results::MembershipFailure;
pub use values::{GroupMemberVisibility, GroupRole, GroupVisibility, MembershipStatus, SignupField};

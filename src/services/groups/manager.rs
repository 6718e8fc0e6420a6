//! [`GroupsManager`]: the common group and membership actions as one call each (Python's
//! `GroupsManager`), over the generated client.

use std::future::IntoFuture;

use futures::future::BoxFuture;

use super::documents::{BatchMembershipActions, GroupPolicies};
use super::values::GroupRole;
use super::{Client, types};
use crate::error::Error;

/// The common group and membership actions as one call each, sending the documents the
/// Python SDK's `GroupsManager` sends. [`Self::client`] reaches every other operation.
///
/// ```no_run
/// use globus_sdk::authorizers::AccessTokenAuthorizer;
/// use globus_sdk::groups::{GroupRole, GroupsManager};
///
/// # async fn demo() -> Result<(), globus_sdk::Error> {
/// let client = globus_sdk::groups::Client::with_authorizer(AccessTokenAuthorizer::new("TOKEN"))?;
/// let groups = GroupsManager::new(client);
/// let group = groups.create_group("Lab", "Our lab's members").await?;
/// let added = groups.add_member(&group.id, "IDENTITY-ID").role(GroupRole::Manager).await?;
/// for failure in added.failures() {
///     eprintln!("{} {}: {} ({})", failure.action, failure.identity_id, failure.detail, failure.code);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct GroupsManager {
    client: Client,
}

impl GroupsManager {
    /// A manager over `client`.
    pub fn new(client: Client) -> Self {
        GroupsManager { client }
    }

    /// The client, for the other operations.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Create a group named `name` with `description`; you become its admin. A subgroup:
    /// `.parent_id(..)` (you must be an admin of the parent).
    ///
    /// ```no_run
    /// # async fn demo(groups: globus_sdk::groups::GroupsManager) -> Result<(), globus_sdk::Error> {
    /// let parent = groups.create_group("Lab", "Everyone").await?;
    /// let child = groups.create_group("Lab staff", "Staff only").parent_id(&parent.id).await?;
    /// # Ok(()) }
    /// ```
    pub fn create_group(&self, name: impl Into<String>, description: impl Into<String>) -> CreateGroup<'_> {
        CreateGroup { client: &self.client, name: name.into(), description: description.into(), parent_id: None }
    }

    /// Set a group's policies (as an admin). A timeout left unset is sent as `null`, as the
    /// Python SDK's manager does.
    ///
    /// ```no_run
    /// # async fn demo(groups: globus_sdk::groups::GroupsManager) -> Result<(), globus_sdk::Error> {
    /// use globus_sdk::groups::{GroupMemberVisibility, GroupPolicies, GroupVisibility, SignupField};
    /// let policies = GroupPolicies::new(
    ///     false, GroupVisibility::Private, GroupMemberVisibility::Managers, true, [SignupField::Institution],
    /// );
    /// let set = groups.set_group_policies("GROUP-ID", &policies).await?;
    /// # Ok(()) }
    /// ```
    pub async fn set_group_policies(
        &self,
        group_id: &str,
        policies: &GroupPolicies,
    ) -> Result<types::GroupPolicies, Error> {
        let mut body = policies.clone();
        if !body.has_timeout() {
            body = body.authentication_assurance_timeout(None);
        }
        Ok(self.client.set_group_policies().group_id(group_id).body(body).send().await?.into_inner())
    }

    /// Send a batch of membership actions.
    pub async fn batch(
        &self,
        group_id: &str,
        actions: &BatchMembershipActions,
    ) -> Result<types::BatchMembershipResult, Error> {
        Ok(self.client.batch_membership_action().group_id(group_id).body(actions.clone()).send().await?.into_inner())
    }

    /// Accept an invitation for `identity_id` (yours).
    pub async fn accept_invite(&self, group_id: &str, identity_id: &str) -> Result<types::BatchMembershipResult, Error> {
        self.batch(group_id, BatchMembershipActions::new().accept_invites([identity_id])).await
    }

    /// Add `identity_id` to the group, as a member unless `.role(..)` says otherwise (as a
    /// manager or admin).
    pub fn add_member(&self, group_id: impl Into<String>, identity_id: impl Into<String>) -> MemberWithRole<'_> {
        MemberWithRole::new(self, Kind::Add, group_id.into(), identity_id.into())
    }

    /// Approve `identity_id`'s request to join (as a manager or admin).
    pub async fn approve_pending(
        &self,
        group_id: &str,
        identity_id: &str,
    ) -> Result<types::BatchMembershipResult, Error> {
        self.batch(group_id, BatchMembershipActions::new().approve_pending([identity_id])).await
    }

    /// Give member `identity_id` the role `role` (as an admin).
    pub async fn change_role(
        &self,
        group_id: &str,
        identity_id: &str,
        role: impl Into<GroupRole>,
    ) -> Result<types::BatchMembershipResult, Error> {
        self.batch(group_id, BatchMembershipActions::new().change_roles(role, [identity_id])).await
    }

    /// Decline an invitation for `identity_id` (yours).
    pub async fn decline_invite(
        &self,
        group_id: &str,
        identity_id: &str,
    ) -> Result<types::BatchMembershipResult, Error> {
        self.batch(group_id, BatchMembershipActions::new().decline_invites([identity_id])).await
    }

    /// Invite `identity_id`, as a member unless `.role(..)` says otherwise (as a manager or
    /// admin).
    ///
    /// ```no_run
    /// # async fn demo(groups: globus_sdk::groups::GroupsManager) -> Result<(), globus_sdk::Error> {
    /// use globus_sdk::groups::GroupRole;
    /// groups.invite_member("GROUP-ID", "IDENTITY-ID").role(GroupRole::Admin).await?;
    /// # Ok(()) }
    /// ```
    pub fn invite_member(&self, group_id: impl Into<String>, identity_id: impl Into<String>) -> MemberWithRole<'_> {
        MemberWithRole::new(self, Kind::Invite, group_id.into(), identity_id.into())
    }

    /// Join the group with `identity_id` (yours), when its policies let anyone join.
    pub async fn join(&self, group_id: &str, identity_id: &str) -> Result<types::BatchMembershipResult, Error> {
        self.batch(group_id, BatchMembershipActions::new().join([identity_id])).await
    }

    /// Leave the group with `identity_id` (yours).
    pub async fn leave(&self, group_id: &str, identity_id: &str) -> Result<types::BatchMembershipResult, Error> {
        self.batch(group_id, BatchMembershipActions::new().leave([identity_id])).await
    }

    /// Reject `identity_id`'s request to join (as a manager or admin).
    pub async fn reject_join_request(
        &self,
        group_id: &str,
        identity_id: &str,
    ) -> Result<types::BatchMembershipResult, Error> {
        self.batch(group_id, BatchMembershipActions::new().reject_join_requests([identity_id])).await
    }

    /// Remove member `identity_id` (as a manager or admin).
    pub async fn remove_member(&self, group_id: &str, identity_id: &str) -> Result<types::BatchMembershipResult, Error> {
        self.batch(group_id, BatchMembershipActions::new().remove_members([identity_id])).await
    }

    /// Ask to join the group with `identity_id` (yours).
    pub async fn request_join(&self, group_id: &str, identity_id: &str) -> Result<types::BatchMembershipResult, Error> {
        self.batch(group_id, BatchMembershipActions::new().request_join([identity_id])).await
    }
}

/// A group to create ([`GroupsManager::create_group`]); await it to send.
#[must_use = "nothing is sent until it is awaited"]
pub struct CreateGroup<'a> {
    client: &'a Client,
    name: String,
    description: String,
    parent_id: Option<String>,
}

impl CreateGroup<'_> {
    /// Make it a subgroup of `parent_id`.
    pub fn parent_id(mut self, parent_id: impl Into<String>) -> Self {
        self.parent_id = Some(parent_id.into());
        self
    }
}

impl<'a> IntoFuture for CreateGroup<'a> {
    type Output = Result<types::Group, Error>;
    type IntoFuture = BoxFuture<'a, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let body = types::GroupCreate {
                name: self.name,
                description: Some(self.description),
                parent_id: self.parent_id,
            };
            Ok(self.client.create_group().body(body).send().await?.into_inner())
        })
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Add,
    Invite,
}

/// An identity to add or invite with a role ([`GroupsManager::add_member`],
/// [`GroupsManager::invite_member`]); await it to send.
#[must_use = "nothing is sent until it is awaited"]
pub struct MemberWithRole<'a> {
    manager: &'a GroupsManager,
    kind: Kind,
    group_id: String,
    identity_id: String,
    role: GroupRole,
}

impl<'a> MemberWithRole<'a> {
    fn new(manager: &'a GroupsManager, kind: Kind, group_id: String, identity_id: String) -> Self {
        MemberWithRole { manager, kind, group_id, identity_id, role: GroupRole::Member }
    }

    /// The role (default [`GroupRole::Member`]).
    pub fn role(mut self, role: impl Into<GroupRole>) -> Self {
        self.role = role.into();
        self
    }
}

impl<'a> IntoFuture for MemberWithRole<'a> {
    type Output = Result<types::BatchMembershipResult, Error>;
    type IntoFuture = BoxFuture<'a, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let mut actions = BatchMembershipActions::new();
            match self.kind {
                Kind::Add => actions.add_members([self.identity_id], self.role),
                Kind::Invite => actions.invite_members([self.identity_id], self.role),
            };
            self.manager.batch(&self.group_id, &actions).await
        })
    }
}

//! The documents sent to Groups: a batch of membership actions, and a group's policies.
//! Both are what the generated operations take as their body
//! ([`Client::batch_membership_action`](super::Client::batch_membership_action),
//! [`Client::set_group_policies`](super::Client::set_group_policies)), and serialize to
//! exactly the JSON the Python SDK's `BatchMembershipActions` and `GroupPolicies` build.

use serde::{Deserialize, Serialize};

use super::values::{GroupMemberVisibility, GroupRole, GroupVisibility, SignupField};

/// One identity an action applies to, with the role for the actions that take one, and the
/// optional fields Groups' API describes (for [`BatchMembershipActions::push`]).
///
/// ```
/// use globus_sdk::groups::{BatchAction, BatchMembershipActions, GroupRole, MembershipAction};
/// let mut actions = BatchMembershipActions::new();
/// actions
///     .push(BatchAction::Invite, MembershipAction::new("ID-1").role(GroupRole::Manager).invite_email_address("a@example.org"))
///     .push(BatchAction::Remove, MembershipAction::new("ID-2").status_reason("moved on"));
/// assert_eq!(
///     serde_json::to_value(&actions).unwrap(),
///     serde_json::json!({
///         "invite": [{"identity_id": "ID-1", "role": "manager", "invite_email_address": "a@example.org"}],
///         "remove": [{"identity_id": "ID-2", "status_reason": "moved on"}],
///     })
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MembershipAction {
    /// The identity.
    pub identity_id: String,
    /// The role (`add`, `invite`, `change_role`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<GroupRole>,
    /// Why the membership's status changes, recorded on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<String>,
    /// Where to send an invitation (`invite`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite_email_address: Option<String>,
}

impl MembershipAction {
    /// An action for `identity_id`.
    pub fn new(identity_id: impl Into<String>) -> Self {
        MembershipAction { identity_id: identity_id.into(), role: None, status_reason: None, invite_email_address: None }
    }

    /// The role (for `add`, `invite`, `change_role`).
    pub fn role(mut self, role: impl Into<GroupRole>) -> Self {
        self.role = Some(role.into());
        self
    }

    /// Why the membership's status changes.
    pub fn status_reason(mut self, reason: impl Into<String>) -> Self {
        self.status_reason = Some(reason.into());
        self
    }

    /// Send the invitation to this address (for `invite`).
    pub fn invite_email_address(mut self, address: impl Into<String>) -> Self {
        self.invite_email_address = Some(address.into());
        self
    }
}

/// The actions of a batch, by the API's names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BatchAction {
    /// `accept`: accept an invitation.
    Accept,
    /// `add`: add as an active member.
    Add,
    /// `approve`: approve a request to join.
    Approve,
    /// `change_role`: change a member's role.
    ChangeRole,
    /// `decline`: decline an invitation.
    Decline,
    /// `invite`: invite.
    Invite,
    /// `join`: join directly.
    Join,
    /// `leave`: leave.
    Leave,
    /// `reject`: reject a request to join.
    Reject,
    /// `remove`: remove a member or an invitation.
    Remove,
    /// `request_join`: ask to join.
    RequestJoin,
}

impl BatchAction {
    /// The action as the API names it.
    pub fn as_str(self) -> &'static str {
        match self {
            BatchAction::Accept => "accept",
            BatchAction::Add => "add",
            BatchAction::Approve => "approve",
            BatchAction::ChangeRole => "change_role",
            BatchAction::Decline => "decline",
            BatchAction::Invite => "invite",
            BatchAction::Join => "join",
            BatchAction::Leave => "leave",
            BatchAction::Reject => "reject",
            BatchAction::Remove => "remove",
            BatchAction::RequestJoin => "request_join",
        }
    }
}

/// A batch of actions on a group's memberships, sent with
/// [`Client::batch_membership_action`](super::Client::batch_membership_action) (Python's
/// `BatchMembershipActions`). Each method adds identities to one action, and may be called
/// again to add more; only the actions used are sent.
///
/// Groups applies every action it can and reports the others, by action and identity, in
/// the answer's `errors` ([`types::BatchMembershipResult::failures`](super::types::BatchMembershipResult::failures)).
/// An identity may appear in one action only: Groups refuses the whole batch otherwise.
///
/// ```
/// use globus_sdk::groups::{BatchMembershipActions, GroupRole};
/// let mut actions = BatchMembershipActions::new();
/// actions
///     .add_members(["ID-1", "ID-2"], GroupRole::Member)
///     .invite_members(["ID-3"], GroupRole::Manager)
///     .remove_members(["ID-4"]);
/// assert_eq!(
///     serde_json::to_value(&actions).unwrap(),
///     serde_json::json!({
///         "add": [{"identity_id": "ID-1", "role": "member"}, {"identity_id": "ID-2", "role": "member"}],
///         "invite": [{"identity_id": "ID-3", "role": "manager"}],
///         "remove": [{"identity_id": "ID-4"}],
///     })
/// );
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[must_use]
pub struct BatchMembershipActions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    accept: Option<Vec<MembershipAction>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    add: Option<Vec<MembershipAction>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    approve: Option<Vec<MembershipAction>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    change_role: Option<Vec<MembershipAction>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    decline: Option<Vec<MembershipAction>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    invite: Option<Vec<MembershipAction>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    join: Option<Vec<MembershipAction>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    leave: Option<Vec<MembershipAction>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reject: Option<Vec<MembershipAction>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    remove: Option<Vec<MembershipAction>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    request_join: Option<Vec<MembershipAction>>,
}

/// Add `ids` (each with `role`) to the action list `list`, made if absent (as Python's
/// `setdefault(...).extend(...)`: an empty list of ids still sends the action).
fn push<I, S>(list: &mut Option<Vec<MembershipAction>>, ids: I, role: Option<&GroupRole>)
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let list = list.get_or_insert_with(Vec::new);
    list.extend(ids.into_iter().map(|id| MembershipAction {
        role: role.cloned(),
        ..MembershipAction::new(id.as_ref())
    }));
}

impl BatchMembershipActions {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Accept the invitations of these identities (they must be yours: in the identity set
    /// of the token's user).
    pub fn accept_invites<I: IntoIterator<Item = S>, S: AsRef<str>>(&mut self, identity_ids: I) -> &mut Self {
        push(&mut self.accept, identity_ids, None);
        self
    }

    /// Add these identities as active members with `role` (as a manager or admin; only an
    /// admin may add managers and admins).
    pub fn add_members<I: IntoIterator<Item = S>, S: AsRef<str>>(
        &mut self,
        identity_ids: I,
        role: impl Into<GroupRole>,
    ) -> &mut Self {
        push(&mut self.add, identity_ids, Some(&role.into()));
        self
    }

    /// Approve these identities' requests to join (as a manager or admin).
    pub fn approve_pending<I: IntoIterator<Item = S>, S: AsRef<str>>(&mut self, identity_ids: I) -> &mut Self {
        push(&mut self.approve, identity_ids, None);
        self
    }

    /// Give these active members `role` (as an admin). The role comes first, as in Python's
    /// `change_roles(role, identity_ids)`.
    pub fn change_roles<I: IntoIterator<Item = S>, S: AsRef<str>>(
        &mut self,
        role: impl Into<GroupRole>,
        identity_ids: I,
    ) -> &mut Self {
        push(&mut self.change_role, identity_ids, Some(&role.into()));
        self
    }

    /// Decline the invitations of these identities (yours).
    pub fn decline_invites<I: IntoIterator<Item = S>, S: AsRef<str>>(&mut self, identity_ids: I) -> &mut Self {
        push(&mut self.decline, identity_ids, None);
        self
    }

    /// Invite these identities with `role` (as a manager or admin).
    pub fn invite_members<I: IntoIterator<Item = S>, S: AsRef<str>>(
        &mut self,
        identity_ids: I,
        role: impl Into<GroupRole>,
    ) -> &mut Self {
        push(&mut self.invite, identity_ids, Some(&role.into()));
        self
    }

    /// Join the group with these identities (yours), when its policies let anyone join.
    pub fn join<I: IntoIterator<Item = S>, S: AsRef<str>>(&mut self, identity_ids: I) -> &mut Self {
        push(&mut self.join, identity_ids, None);
        self
    }

    /// Leave the group with these identities (yours, active members; not the last admin).
    pub fn leave<I: IntoIterator<Item = S>, S: AsRef<str>>(&mut self, identity_ids: I) -> &mut Self {
        push(&mut self.leave, identity_ids, None);
        self
    }

    /// Reject these identities' requests to join (as a manager or admin).
    pub fn reject_join_requests<I: IntoIterator<Item = S>, S: AsRef<str>>(&mut self, identity_ids: I) -> &mut Self {
        push(&mut self.reject, identity_ids, None);
        self
    }

    /// Remove these members or invitations (as a manager or admin; not yourself).
    pub fn remove_members<I: IntoIterator<Item = S>, S: AsRef<str>>(&mut self, identity_ids: I) -> &mut Self {
        push(&mut self.remove, identity_ids, None);
        self
    }

    /// Ask to join the group with these identities (yours), when its policies take
    /// requests; a manager or admin then approves or rejects them.
    pub fn request_join<I: IntoIterator<Item = S>, S: AsRef<str>>(&mut self, identity_ids: I) -> &mut Self {
        push(&mut self.request_join, identity_ids, None);
        self
    }

    /// Add one entry, with the optional fields [`MembershipAction`] carries, to `action`.
    pub fn push(&mut self, action: BatchAction, entry: MembershipAction) -> &mut Self {
        let list = match action {
            BatchAction::Accept => &mut self.accept,
            BatchAction::Add => &mut self.add,
            BatchAction::Approve => &mut self.approve,
            BatchAction::ChangeRole => &mut self.change_role,
            BatchAction::Decline => &mut self.decline,
            BatchAction::Invite => &mut self.invite,
            BatchAction::Join => &mut self.join,
            BatchAction::Leave => &mut self.leave,
            BatchAction::Reject => &mut self.reject,
            BatchAction::Remove => &mut self.remove,
            BatchAction::RequestJoin => &mut self.request_join,
        };
        list.get_or_insert_with(Vec::new).push(entry);
        self
    }

    /// Whether no action was added.
    pub fn is_empty(&self) -> bool {
        self.actions().next().is_none()
    }

    /// The actions added, by the API's name (`add`, `request_join`...), in the API's order.
    pub fn actions(&self) -> impl Iterator<Item = (&'static str, &[MembershipAction])> {
        [
            ("accept", &self.accept),
            ("add", &self.add),
            ("approve", &self.approve),
            ("change_role", &self.change_role),
            ("decline", &self.decline),
            ("invite", &self.invite),
            ("join", &self.join),
            ("leave", &self.leave),
            ("reject", &self.reject),
            ("remove", &self.remove),
            ("request_join", &self.request_join),
        ]
        .into_iter()
        .filter_map(|(name, list)| list.as_deref().map(|l| (name, l)))
    }
}

/// A group's policies, sent with [`Client::set_group_policies`](super::Client::set_group_policies)
/// (Python's `GroupPolicies`): every policy but the high-assurance timeout is required, as
/// Groups replaces them all.
///
/// ```
/// use globus_sdk::groups::{GroupMemberVisibility, GroupPolicies, GroupVisibility, SignupField};
/// let policies = GroupPolicies::new(
///     false,
///     GroupVisibility::Authenticated,
///     GroupMemberVisibility::Managers,
///     true,
///     [SignupField::Institution, SignupField::Department],
/// )
/// .authentication_assurance_timeout(Some(3600));
/// assert_eq!(
///     serde_json::to_value(&policies).unwrap(),
///     serde_json::json!({
///         "is_high_assurance": false,
///         "group_visibility": "authenticated",
///         "group_members_visibility": "managers",
///         "join_requests": true,
///         "signup_fields": ["institution", "department"],
///         "authentication_assurance_timeout": 3600,
///     })
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[must_use]
pub struct GroupPolicies {
    is_high_assurance: bool,
    group_visibility: GroupVisibility,
    group_members_visibility: GroupMemberVisibility,
    join_requests: bool,
    signup_fields: Vec<SignupField>,
    /// Unset: not sent; `Some(None)`: sent as `null` (the service's default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    authentication_assurance_timeout: Option<Option<i64>>,
}

impl GroupPolicies {
    /// The policies to set: whether the group is high assurance, who sees it, who sees its
    /// members, whether identities may ask to join, and the fields asked of them.
    pub fn new<I, F>(
        is_high_assurance: bool,
        group_visibility: impl Into<GroupVisibility>,
        group_members_visibility: impl Into<GroupMemberVisibility>,
        join_requests: bool,
        signup_fields: I,
    ) -> Self
    where
        I: IntoIterator<Item = F>,
        F: Into<SignupField>,
    {
        GroupPolicies {
            is_high_assurance,
            group_visibility: group_visibility.into(),
            group_members_visibility: group_members_visibility.into(),
            join_requests,
            signup_fields: signup_fields.into_iter().map(Into::into).collect(),
            authentication_assurance_timeout: None,
        }
    }

    /// How long, in seconds, an authentication counts as recent in a high-assurance group;
    /// `None` sends `null` (Groups' default, 28800 s). Left unset, the field is not sent.
    pub fn authentication_assurance_timeout(mut self, seconds: Option<i64>) -> Self {
        self.authentication_assurance_timeout = Some(seconds);
        self
    }

    /// Change whether the group is high assurance.
    pub fn with_high_assurance(mut self, yes: bool) -> Self {
        self.is_high_assurance = yes;
        self
    }

    /// Change who may see the group.
    pub fn with_group_visibility(mut self, visibility: impl Into<GroupVisibility>) -> Self {
        self.group_visibility = visibility.into();
        self
    }

    /// Change who may see the group's members.
    pub fn with_group_members_visibility(mut self, visibility: impl Into<GroupMemberVisibility>) -> Self {
        self.group_members_visibility = visibility.into();
        self
    }

    /// Change whether identities may ask to join.
    pub fn with_join_requests(mut self, yes: bool) -> Self {
        self.join_requests = yes;
        self
    }

    /// Change the fields asked of an identity joining.
    pub fn with_signup_fields<I, F>(mut self, fields: I) -> Self
    where
        I: IntoIterator<Item = F>,
        F: Into<SignupField>,
    {
        self.signup_fields = fields.into_iter().map(Into::into).collect();
        self
    }

    /// Whether the timeout was set (to a value or to `null`).
    pub(crate) fn has_timeout(&self) -> bool {
        self.authentication_assurance_timeout.is_some()
    }

    /// Whether the group is high assurance.
    pub fn is_high_assurance(&self) -> bool {
        self.is_high_assurance
    }

    /// Who may see the group.
    pub fn group_visibility(&self) -> &GroupVisibility {
        &self.group_visibility
    }

    /// Who may see the group's members.
    pub fn group_members_visibility(&self) -> &GroupMemberVisibility {
        &self.group_members_visibility
    }

    /// Whether identities may ask to join.
    pub fn join_requests(&self) -> bool {
        self.join_requests
    }

    /// The fields asked of an identity joining.
    pub fn signup_fields(&self) -> &[SignupField] {
        &self.signup_fields
    }
}

/// The policies a group has now, to change some and send them back: what Groups left out
/// takes its default for a new group (not high assurance, private, members seen by managers,
/// no requests to join, no sign-up fields); the timeout is sent only if Groups gave one.
///
/// ```
/// use globus_sdk::groups::{GroupPolicies, GroupVisibility, types};
/// let current: types::GroupPolicies = serde_json::from_value(serde_json::json!({
///     "is_high_assurance": false, "group_visibility": "private", "group_members_visibility": "members",
///     "join_requests": false, "signup_fields": ["zip"], "authentication_assurance_timeout": 28800
/// })).unwrap();
/// let opened = GroupPolicies::from(&current).with_group_visibility(GroupVisibility::Authenticated).with_join_requests(true);
/// let sent = serde_json::to_value(&opened).unwrap();
/// assert_eq!(sent["group_visibility"], "authenticated");
/// assert_eq!(sent["signup_fields"], serde_json::json!(["zip"]));
/// assert_eq!(sent["authentication_assurance_timeout"], 28800);
/// ```
impl From<&super::types::GroupPolicies> for GroupPolicies {
    fn from(p: &super::types::GroupPolicies) -> Self {
        GroupPolicies {
            is_high_assurance: p.is_high_assurance.unwrap_or(false),
            group_visibility: p.group_visibility.as_deref().unwrap_or("private").into(),
            group_members_visibility: p.group_members_visibility.as_deref().unwrap_or("managers").into(),
            join_requests: p.join_requests.unwrap_or(false),
            signup_fields: p.signup_fields.iter().map(|f| SignupField::from(f.as_str())).collect(),
            authentication_assurance_timeout: p.authentication_assurance_timeout.map(Some),
        }
    }
}

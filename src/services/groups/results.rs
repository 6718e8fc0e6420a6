//! What a batch of membership actions did: the memberships each action left, and the
//! failures, by action and identity.

use super::types;

/// One action of a batch that failed: the action (`add`, `approve`...), and Groups' error for
/// the identity.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MembershipFailure<'a> {
    /// The action, as the API names it (`accept`, `add`, `approve`, `change_role`, `decline`,
    /// `invite`, `join`, `leave`, `reject`, `remove`, `request_join`, or one this SDK does
    /// not know).
    pub action: &'a str,
    /// The identity the action was for (empty if Groups did not say).
    pub identity_id: &'a str,
    /// Groups' code (`MEMBERSHIP_NOT_FOUND`...; empty if Groups did not say).
    pub code: &'a str,
    /// Why, for people (empty if Groups did not say).
    pub detail: &'a str,
}

impl types::BatchMembershipResult {
    /// Every action that failed, by action then in Groups' order, with the identity and why
    /// (an `errors` entry this SDK cannot read is skipped, never a decoding error).
    ///
    /// ```
    /// use globus_sdk::groups::types::BatchMembershipResult;
    /// let result: BatchMembershipResult = serde_json::from_value(serde_json::json!({
    ///     "add": [],
    ///     "errors": {"add": [{"identity_id": "ID-1", "code": "ACTIVE_MEMBERSHIP_EXISTS", "detail": "already a member"}]}
    /// })).unwrap();
    /// let failed: Vec<_> = result.failures().collect();
    /// assert_eq!(failed[0].action, "add");
    /// assert_eq!(failed[0].identity_id, "ID-1");
    /// assert_eq!(failed[0].code, "ACTIVE_MEMBERSHIP_EXISTS");
    /// ```
    pub fn failures(&self) -> impl Iterator<Item = MembershipFailure<'_>> {
        let known = self.errors.as_ref().map(|e| {
            [
                ("accept", &e.accept),
                ("add", &e.add),
                ("approve", &e.approve),
                ("change_role", &e.change_role),
                ("decline", &e.decline),
                ("invite", &e.invite),
                ("join", &e.join),
                ("leave", &e.leave),
                ("reject", &e.reject),
                ("remove", &e.remove),
                ("request_join", &e.request_join),
            ]
        });
        let known = known.into_iter().flatten().flat_map(|(action, list)| {
            list.iter().flatten().map(move |e| MembershipFailure {
                action,
                identity_id: e.identity_id.as_deref().unwrap_or_default(),
                code: e.code.as_deref().unwrap_or_default(),
                detail: e.detail.as_deref().unwrap_or_default(),
            })
        });
        // Actions added to the API after this SDK: read the same shape from `extra`.
        let unknown = self.errors.as_ref().into_iter().flat_map(|e| e.extra.iter()).flat_map(|(action, list)| {
            list.as_array().into_iter().flatten().filter_map(move |e| {
                let text = |k: &str| e.get(k).and_then(|v| v.as_str()).unwrap_or_default();
                e.is_object().then(|| MembershipFailure {
                    action: action.as_str(),
                    identity_id: text("identity_id"),
                    code: text("code"),
                    detail: text("detail"),
                })
            })
        });
        known.chain(unknown)
    }

    /// Whether every action succeeded.
    pub fn is_complete(&self) -> bool {
        self.failures().next().is_none()
    }

    /// The memberships `action` (`add`, `request_join`...) left, as they now are: empty when
    /// the action was not asked for, failed for every identity, or Groups answered `null`.
    ///
    /// ```
    /// use globus_sdk::groups::{GroupRole, types::BatchMembershipResult};
    /// let result: BatchMembershipResult = serde_json::from_value(serde_json::json!({
    ///     "add": [{"identity_id": "ID-1", "role": "manager", "status": "active"}], "invite": null
    /// })).unwrap();
    /// assert_eq!(result.memberships("add")[0].role(), Some(GroupRole::Manager));
    /// assert!(result.memberships("invite").is_empty());
    /// ```
    pub fn memberships(&self, action: &str) -> &[types::Membership] {
        let list = match action {
            "accept" => &self.accept,
            "add" => &self.add,
            "approve" => &self.approve,
            "change_role" => &self.change_role,
            "decline" => &self.decline,
            "invite" => &self.invite,
            "join" => &self.join,
            "leave" => &self.leave,
            "reject" => &self.reject,
            "remove" => &self.remove,
            "request_join" => &self.request_join,
            _ => &None,
        };
        list.as_deref().unwrap_or_default()
    }
}

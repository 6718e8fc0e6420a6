//! The local Groups' state: groups with their policies and memberships, and each identity's
//! preferences; who may see and do what; and the documents Groups answers with.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

/// The most groups the local Groups holds (a create beyond is refused).
pub(crate) const MAX_GROUPS: usize = 10_000;
/// The most memberships one group holds, every status counted.
pub(crate) const MAX_MEMBERSHIPS: usize = 10_000;
/// The default high-assurance timeout, as Groups documents it (8 hours).
pub(crate) const DEFAULT_TIMEOUT: i64 = 28_800;

pub(crate) const ROLES: &[&str] = &["member", "manager", "admin"];
pub(crate) const STATUSES: &[&str] = &["active", "invited", "pending", "rejected", "removed", "left", "declined"];
pub(crate) const VISIBILITIES: &[&str] = &["authenticated", "private"];
pub(crate) const MEMBER_VISIBILITIES: &[&str] = &["members", "managers"];
pub(crate) const SIGNUP_FIELDS: &[&str] = &[
    "institution",
    "current_project_name",
    "address",
    "city",
    "state",
    "country",
    "address1",
    "address2",
    "zip",
    "phone",
    "department",
    "field_of_science",
];
/// The membership fields an identity may set (the sign-up fields and its names).
pub(crate) const MEMBERSHIP_FIELDS: &[&str] = &[
    "first_name",
    "last_name",
    "organization",
    "institution",
    "current_project_name",
    "address",
    "city",
    "state",
    "country",
    "address1",
    "address2",
    "zip",
    "phone",
    "department",
    "field_of_science",
];

/// A group's policies.
#[derive(Clone, Debug)]
pub(crate) struct Policies {
    pub is_high_assurance: bool,
    pub authentication_assurance_timeout: i64,
    pub group_visibility: String,
    pub group_members_visibility: String,
    pub join_requests: bool,
    pub signup_fields: Vec<String>,
}

impl Default for Policies {
    /// Groups' defaults for a new group: visible to its members only, members seen by
    /// managers and admins only, no requests to join.
    fn default() -> Self {
        Policies {
            is_high_assurance: false,
            authentication_assurance_timeout: DEFAULT_TIMEOUT,
            group_visibility: "private".into(),
            group_members_visibility: "managers".into(),
            join_requests: false,
            signup_fields: Vec::new(),
        }
    }
}

impl Policies {
    pub fn to_json(&self) -> Value {
        json!({
            "is_high_assurance": self.is_high_assurance,
            "authentication_assurance_timeout": self.authentication_assurance_timeout,
            "group_visibility": self.group_visibility,
            "group_members_visibility": self.group_members_visibility,
            "join_requests": self.join_requests,
            "signup_fields": self.signup_fields,
        })
    }
}

/// One identity's membership in a group (one per identity: its status changes).
#[derive(Clone, Debug)]
pub(crate) struct Member {
    pub identity_id: String,
    pub username: String,
    pub role: String,
    pub status: String,
    pub status_reason: Option<String>,
    pub invite_email_address: Option<String>,
    pub updated: String,
    pub invite_time: Option<String>,
    pub membership_fields: Map<String, Value>,
}

impl Member {
    pub fn is_active(&self) -> bool {
        self.status == "active"
    }

    /// An active manager or admin.
    pub fn manages(&self) -> bool {
        self.is_active() && (self.role == "manager" || self.role == "admin")
    }

    /// An active admin.
    pub fn administers(&self) -> bool {
        self.is_active() && self.role == "admin"
    }

    pub fn to_json(&self, group_id: &str) -> Value {
        json!({
            "group_id": group_id,
            "identity_id": self.identity_id,
            "username": self.username,
            "role": self.role,
            "status": self.status,
            "status_reason": self.status_reason,
            "invite_email_address": self.invite_email_address,
            "updated": self.updated,
            "invite_time": self.invite_time,
            "membership_fields": self.membership_fields,
        })
    }
}

/// A group.
#[derive(Clone, Debug)]
pub(crate) struct Group {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub terms_and_conditions: Option<String>,
    pub parent_id: Option<String>,
    pub policies: Policies,
    pub members: Vec<Member>,
    pub subscription_id: Option<String>,
    pub subscription_admin_verified_id: Option<String>,
}

impl Group {
    pub fn new(name: String, description: Option<String>, parent_id: Option<String>) -> Group {
        Group {
            id: uuid::Uuid::new_v4().to_string(),
            name,
            description,
            terms_and_conditions: None,
            parent_id,
            policies: Policies::default(),
            members: Vec::new(),
            subscription_id: None,
            subscription_admin_verified_id: None,
        }
    }

    /// The membership of `identity_id`, any status.
    pub fn member(&self, identity_id: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.identity_id == identity_id)
    }

    pub fn member_mut(&mut self, identity_id: &str) -> Option<&mut Member> {
        self.members.iter_mut().find(|m| m.identity_id == identity_id)
    }

    /// Whether `identity_id` may see the group: anyone signed in when it is `authenticated`,
    /// else only its active, invited and pending members.
    pub fn visible_to(&self, identity_id: &str) -> bool {
        self.policies.group_visibility == "authenticated"
            || self.member(identity_id).is_some_and(|m| matches!(m.status.as_str(), "active" | "invited" | "pending"))
    }

    /// Whether `identity_id` may see the group's members: active members, and with the
    /// `managers` policy only managers and admins.
    pub fn members_visible_to(&self, identity_id: &str) -> bool {
        match self.member(identity_id) {
            Some(m) if self.policies.group_members_visibility == "managers" => m.manages(),
            Some(m) => m.is_active(),
            None => false,
        }
    }

    pub fn manages(&self, identity_id: &str) -> bool {
        self.member(identity_id).is_some_and(Member::manages)
    }

    pub fn administers(&self, identity_id: &str) -> bool {
        self.member(identity_id).is_some_and(Member::administers)
    }

    /// The number of active admins.
    pub fn admins(&self) -> usize {
        self.members.iter().filter(|m| m.administers()).count()
    }

    /// Set (or make) `identity_id`'s membership.
    pub fn set_member(&mut self, identity_id: &str, username: &str, role: &str, status: &str) {
        let now = now();
        if !self.members.iter().any(|m| m.identity_id == identity_id) {
            self.members.push(Member {
                identity_id: identity_id.to_string(),
                username: username.to_string(),
                role: role.to_string(),
                status: status.to_string(),
                status_reason: None,
                invite_email_address: None,
                updated: now.clone(),
                invite_time: None,
                membership_fields: Map::new(),
            });
        }
        if let Some(m) = self.member_mut(identity_id) {
            m.role = role.to_string();
            m.status = status.to_string();
            m.updated = now.clone();
            if status == "invited" {
                m.invite_time = Some(now);
            }
        }
    }

    /// The group document `viewer` sees: the group's fields, its policies and the viewer's
    /// memberships always (as Groups' registered answers show them), the rest as `include`
    /// asks.
    pub fn to_json(&self, viewer: &str, include: &Include, store: &Store) -> Value {
        let mut doc = json!({
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "terms_and_conditions": self.terms_and_conditions,
            "parent_id": self.parent_id,
            "group_type": "regular",
            "enforce_session": self.policies.is_high_assurance,
            "session_limit": self.policies.authentication_assurance_timeout,
            "session_timeouts": {},
            "policies": self.policies.to_json(),
            "subscription_id": self.subscription_id,
            "subscription_info": self.subscription_id.as_ref().map(|_| subscription_info(self, true)),
            "subscription_admin_verified_id": self.subscription_admin_verified_id,
        });
        let mine: Vec<Value> = self
            .members
            .iter()
            .filter(|m| m.identity_id == viewer && include.statuses.contains(&m.status))
            .map(|m| m.to_json(&self.id))
            .collect();
        doc["my_memberships"] = Value::Array(mine);
        if include.memberships && self.members_visible_to(viewer) {
            doc["memberships"] = self.members.iter().map(|m| m.to_json(&self.id)).collect();
        }
        if include.allowed_actions {
            doc["allowed_actions"] = self.allowed_actions(viewer);
        }
        if include.child_ids {
            doc["child_ids"] = store.groups.iter().filter(|g| g.parent_id.as_deref() == Some(&self.id)).map(|g| g.id.clone()).collect();
        }
        doc
    }

    /// Which of the viewer's identities may take each action.
    fn allowed_actions(&self, viewer: &str) -> Value {
        let me = self.member(viewer);
        let status = me.map(|m| m.status.as_str());
        let yes = |ok: bool| if ok { json!([viewer]) } else { json!([]) };
        let manages = me.is_some_and(Member::manages);
        let last_admin = me.is_some_and(Member::administers) && self.admins() <= 1;
        let may_join = self.policies.join_requests && status != Some("active") && status != Some("left");
        json!({
            "add": yes(manages),
            "change_role": yes(me.is_some_and(Member::administers)),
            "invite": yes(manages),
            "remove": yes(manages),
            "join": yes(may_join && !self.policies.is_high_assurance),
            "request_join": yes(may_join && status != Some("pending")),
            "approve": yes(manages),
            "reject": yes(manages),
            "accept": yes(status == Some("invited")),
            "leave": yes(status == Some("active") && !last_admin),
            "decline": yes(status == Some("invited")),
        })
    }
}

/// What a group's subscription is, as the local Groups describes it (`full`: with its
/// name, as `get_group` shows it; else restricted, as `get_group_by_subscription_id`).
pub(crate) fn subscription_info(group: &Group, full: bool) -> Value {
    let mut info = json!({"is_high_assurance": group.policies.is_high_assurance, "is_baa": false, "connectors": {}});
    if full {
        info["name"] = json!(group.name);
        info["subscriber_name"] = json!(group.name);
    }
    info
}

/// What a group document includes beside its fields.
#[derive(Debug)]
pub(crate) struct Include {
    pub memberships: bool,
    pub allowed_actions: bool,
    pub child_ids: bool,
    /// The statuses of the viewer's memberships shown in `my_memberships`.
    pub statuses: Vec<String>,
}

impl Default for Include {
    fn default() -> Self {
        Include { memberships: false, allowed_actions: false, child_ids: false, statuses: all_statuses() }
    }
}

pub(crate) fn all_statuses() -> Vec<String> {
    STATUSES.iter().map(|s| s.to_string()).collect()
}

/// The groups and the identities' preferences.
#[derive(Default)]
pub(crate) struct Store {
    pub groups: Vec<Group>,
    /// `allow_add` by identity (absent: true).
    pub allow_add: HashMap<String, bool>,
}

impl Store {
    pub fn group(&self, id: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.id == id)
    }

    pub fn group_mut(&mut self, id: &str) -> Option<&mut Group> {
        self.groups.iter_mut().find(|g| g.id == id)
    }

    /// Whether others may add `identity_id` to groups.
    pub fn allows_add(&self, identity_id: &str) -> bool {
        self.allow_add.get(identity_id).copied().unwrap_or(true)
    }

    /// The ids of the groups `identity_id` is an active member of.
    pub fn active_groups(&self, identity_id: &str) -> Vec<String> {
        self.groups
            .iter()
            .filter(|g| g.member(identity_id).is_some_and(Member::is_active))
            .map(|g| g.id.clone())
            .collect()
    }
}

/// A time as Groups writes it.
pub(crate) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, false)
}

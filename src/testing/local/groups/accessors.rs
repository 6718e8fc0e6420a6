//! What a `LocalGlobus` offers about Groups: its URL and port, seeding groups and
//! memberships without a token, a group's subscription, and the groups of an identity.

use super::Groups;
use super::store::{Group, MAX_GROUPS, ROLES, STATUSES};
use crate::testing::local::core::lock;
use crate::testing::local::plugin::Service as _;
use crate::testing::local::{LocalGlobus, LocalGlobusBuilder};

impl LocalGlobusBuilder {
    /// Listen for Groups on this port of 127.0.0.1 (default 0: an ephemeral port).
    pub fn groups_port(self, port: u16) -> Self {
        self.port(Groups::NAME, port)
    }
}

impl LocalGlobus {
    /// The base URL of Groups, `http://127.0.0.1:<port>` (the API is under `/v2/`).
    pub fn groups_url(&self) -> String {
        self.url_of(Groups::NAME)
    }

    /// Make a group named `name` whose only member is `admin` (an identity id or username of
    /// the local Auth), an active admin, with Groups' default policies (private, members
    /// seen by managers, no requests to join); its id. As `create_group` by that user, without
    /// a token.
    ///
    /// ```
    /// use globus_sdk::testing::LocalGlobus;
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let local = LocalGlobus::builder().user("alice@example.org", "Alice").start().await.unwrap();
    /// let lab = local.seed_group("Lab", "testuser@example.org").unwrap();
    /// local.set_group_membership(&lab, "alice@example.org", "member", "active").unwrap();
    /// let alice = local.identities().into_iter().find(|i| i.username == "alice@example.org").unwrap();
    /// assert_eq!(local.groups_of(&alice.id), [lab]);
    /// # });
    /// ```
    pub fn seed_group(&self, name: &str, admin: &str) -> Result<String, crate::Error> {
        let groups = self.groups_service()?;
        let admin = self.core.identity(admin).ok_or_else(|| unknown(admin))?;
        if name.trim().is_empty() {
            return Err(crate::Error::invalid_request("a group needs a name"));
        }
        let mut store = lock(&groups.store);
        if store.groups.len() >= MAX_GROUPS {
            return Err(crate::Error::invalid_request(format!("the local Groups holds at most {MAX_GROUPS} groups")));
        }
        let mut group = Group::new(name.to_string(), None, None);
        group.set_member(&admin.id, &admin.username, "admin", "active");
        let id = group.id.clone();
        store.groups.push(group);
        Ok(id)
    }

    /// Give `identity` (an id or username of the local Auth) a membership in group
    /// `group_id`: `role` is `member`, `manager` or `admin`; `status` is `active`,
    /// `invited`, `pending`, `rejected`, `removed`, `left` or `declined`. Without a token
    /// or a permission check: for a test's starting state.
    pub fn set_group_membership(&self, group_id: &str, identity: &str, role: &str, status: &str) -> Result<(), crate::Error> {
        let groups = self.groups_service()?;
        let who = self.core.identity(identity).ok_or_else(|| unknown(identity))?;
        if !ROLES.contains(&role) {
            return Err(crate::Error::invalid_request(format!("role {role:?}: one of {}", ROLES.join(", "))));
        }
        if !STATUSES.contains(&status) {
            return Err(crate::Error::invalid_request(format!("status {status:?}: one of {}", STATUSES.join(", "))));
        }
        let mut store = lock(&groups.store);
        let group = store.group_mut(group_id).ok_or_else(|| no_group(group_id))?;
        group.set_member(&who.id, &who.username, role, status);
        Ok(())
    }

    /// Make group `group_id` the one providing subscription `subscription_id` (None: no
    /// subscription): what `get_group_by_subscription_id` finds, and whose admins may verify
    /// other groups for it (`set_subscription_admin_verified`).
    pub fn set_group_subscription(&self, group_id: &str, subscription_id: Option<&str>) -> Result<(), crate::Error> {
        let groups = self.groups_service()?;
        let subscription = match subscription_id {
            Some(s) => Some(
                uuid::Uuid::parse_str(s)
                    .map_err(|_| crate::Error::invalid_request(format!("subscription id {s:?} is not a UUID")))?
                    .hyphenated()
                    .to_string(),
            ),
            None => None,
        };
        let mut store = lock(&groups.store);
        let group = store.group_mut(group_id).ok_or_else(|| no_group(group_id))?;
        group.subscription_id = subscription;
        Ok(())
    }

    /// The ids of the groups `identity` (an id or username) is an active member of (invited,
    /// pending and former members are not): what other services check group principals
    /// (`urn:globus:groups:id:<id>`) against.
    pub fn groups_of(&self, identity: &str) -> Vec<String> {
        let id = self.core.identity(identity).map_or_else(|| identity.to_string(), |i| i.id);
        self.core.groups_of(&id)
    }

    fn groups_service(&self) -> Result<&Groups, crate::Error> {
        self.service::<Groups>().ok_or_else(|| crate::Error::invalid_request("the local Groups is not running"))
    }
}

fn unknown(identity: &str) -> crate::Error {
    crate::Error::invalid_request(format!(
        "no identity {identity:?} is known to the local Auth (add users with LocalGlobusBuilder::user)"
    ))
}

fn no_group(id: &str) -> crate::Error {
    crate::Error::invalid_request(format!("the local Groups has no group {id:?}"))
}

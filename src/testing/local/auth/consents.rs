//! Consents: what a user approved for a client, one consent per scope, dependent scopes as
//! children (`dependency_path` from the root consent down), served as Globus serves them
//! (`GET /v2/api/identities/{identity_id}/consents`).

use std::collections::HashMap;
use std::time::SystemTime;

use serde_json::{Value, json};

use super::tokens::ScopeNode;

/// One consent.
#[derive(Clone, Debug)]
pub(crate) struct ConsentRecord {
    pub id: i64,
    /// The client the consent is granted to: the client that logged in for a root consent,
    /// the resource server of the parent scope for a dependent one (it acts for the user).
    pub client: String,
    pub scope_id: String,
    pub scope_name: String,
    pub identity_id: String,
    /// Consent ids from the root down to this one.
    pub dependency_path: Vec<i64>,
    pub allows_refresh: bool,
    pub created: SystemTime,
    pub updated: SystemTime,
    pub last_used: SystemTime,
}

impl ConsentRecord {
    /// The consent as the consents API shows it.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "client": self.client,
            "scope": self.scope_id,
            "scope_name": self.scope_name,
            "effective_identity": self.identity_id,
            "dependency_path": self.dependency_path,
            "status": "approved",
            "allows_refresh": self.allows_refresh,
            "auto_approved": false,
            // A consent without children can be revoked alone; a parent takes its children.
            "atomically_revocable": self.dependency_path.len() > 1,
            "created": iso(self.created),
            "updated": iso(self.updated),
            "last_used": iso(self.last_used),
        })
    }

    fn root(&self) -> i64 {
        self.dependency_path.first().copied().unwrap_or(self.id)
    }
}

/// A time as Globus writes it: `2024-03-18T17:32:51.496893+00:00`.
fn iso(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t).format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string()
}

/// Every consent given so far.
#[derive(Default)]
pub(crate) struct ConsentStore {
    next_id: i64,
    consents: Vec<ConsentRecord>,
    /// The id of each scope (Globus gives scopes UUIDs).
    scope_ids: HashMap<String, String>,
    /// The client of each resource server (a resource server is a client of Auth).
    resource_server_clients: HashMap<String, String>,
}

impl ConsentStore {
    /// Record `identity_id`'s approval of `tree` for `client`: a consent per scope, its
    /// dependent scopes below it. A scope already consented to at the same place is
    /// updated, not repeated.
    pub fn record(&mut self, client: &str, identity_id: &str, tree: &[ScopeNode], allows_refresh: bool) {
        let now = SystemTime::now();
        for node in tree {
            self.record_node(client, identity_id, node, &[], allows_refresh, now);
        }
    }

    fn record_node(
        &mut self,
        client: &str,
        identity_id: &str,
        node: &ScopeNode,
        parent_path: &[i64],
        allows_refresh: bool,
        now: SystemTime,
    ) {
        let existing = self.consents.iter_mut().find(|c| {
            c.client == client
                && c.identity_id == identity_id
                && c.scope_name == node.scope
                && c.dependency_path.split_last().is_some_and(|(_, above)| above == parent_path)
        });
        let path = match existing {
            Some(c) => {
                c.updated = now;
                c.allows_refresh |= allows_refresh;
                c.dependency_path.clone()
            }
            None => {
                self.next_id += 1;
                let id = self.next_id;
                let mut path = parent_path.to_vec();
                path.push(id);
                let scope_id = self.scope_id(&node.scope);
                self.consents.push(ConsentRecord {
                    id,
                    client: client.to_string(),
                    scope_id,
                    scope_name: node.scope.clone(),
                    identity_id: identity_id.to_string(),
                    dependency_path: path.clone(),
                    allows_refresh,
                    created: now,
                    updated: now,
                    last_used: now,
                });
                path
            }
        };
        if node.dependents.is_empty() {
            return;
        }
        let acting = self.resource_server_client(&node.resource_server);
        for dependent in &node.dependents {
            self.record_node(&acting, identity_id, dependent, &path, allows_refresh, now);
        }
    }

    fn scope_id(&mut self, scope: &str) -> String {
        self.scope_ids.entry(scope.to_string()).or_insert_with(|| uuid::Uuid::new_v4().to_string()).clone()
    }

    fn resource_server_client(&mut self, resource_server: &str) -> String {
        self.resource_server_clients
            .entry(resource_server.to_string())
            .or_insert_with(|| uuid::Uuid::new_v4().to_string())
            .clone()
    }

    /// `identity_id`'s consents, in the order given: all of them, or (`rooted_at`) the
    /// trees whose root consent is that client's.
    pub fn list(&self, identity_id: &str, rooted_at: Option<&str>) -> Vec<ConsentRecord> {
        let roots: Vec<i64> = self
            .consents
            .iter()
            .filter(|c| c.identity_id == identity_id && c.dependency_path.len() == 1)
            .filter(|c| rooted_at.is_none_or(|client| c.client == client))
            .map(|c| c.id)
            .collect();
        self.consents.iter().filter(|c| c.identity_id == identity_id && roots.contains(&c.root())).cloned().collect()
    }

    /// Whether `identity_id` consents to `client` using `scope` (at any depth).
    pub fn allows(&self, client: &str, identity_id: &str, scope: &str) -> bool {
        self.consents.iter().any(|c| c.client == client && c.identity_id == identity_id && c.scope_name == scope)
    }

    /// Note that tokens were issued under `client`'s consents to `scopes`.
    pub fn touch(&mut self, client: &str, identity_id: &str, scopes: &[String]) {
        let now = SystemTime::now();
        for c in self.consents.iter_mut() {
            if c.client == client && c.identity_id == identity_id && scopes.contains(&c.scope_name) {
                c.last_used = now;
            }
        }
    }

    /// Withdraw a consent and the consents below it; false when there is none with this id.
    pub fn revoke(&mut self, id: i64) -> bool {
        let before = self.consents.len();
        self.consents.retain(|c| !c.dependency_path.contains(&id));
        self.consents.len() != before
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::local::auth::tokens::parse_scope_tree;

    const TRANSFER: &str = "urn:globus:auth:scope:transfer.api.globus.org:all";
    const DATA: &str = "https://auth.globus.org/scopes/abc/data_access";

    fn known(scope: &str) -> Option<String> {
        match scope {
            "openid" => Some("auth.globus.org".into()),
            TRANSFER => Some("transfer.api.globus.org".into()),
            DATA => Some("abc".into()),
            _ => None,
        }
    }

    #[test]
    fn consents_form_trees_and_are_not_repeated() {
        let mut store = ConsentStore::default();
        let tree = parse_scope_tree(&format!("openid {TRANSFER}[*{DATA}]"), &known).unwrap();
        store.record("app", "user", &tree, true);
        store.record("app", "user", &tree, false);
        let all = store.list("user", None);
        assert_eq!(all.len(), 3, "{all:?}");
        let transfer = all.iter().find(|c| c.scope_name == TRANSFER).unwrap();
        let data = all.iter().find(|c| c.scope_name == DATA).unwrap();
        assert_eq!(data.dependency_path, [transfer.id, data.id]);
        assert_ne!(data.client, "app", "the dependent consent is Transfer's");
        assert!(store.allows(&data.client, "user", DATA) && store.allows("app", "user", TRANSFER));
        assert!(store.list("user", Some("other")).is_empty());
        assert_eq!(store.list("user", Some("app")).len(), 3);
        let json = data.to_json();
        assert_eq!(json["status"], "approved");
        assert!(json["created"].as_str().unwrap().ends_with("+00:00"));

        assert!(store.revoke(transfer.id));
        assert_eq!(store.list("user", None).len(), 1, "the dependent consent went with its parent");
        assert!(!store.revoke(transfer.id));
    }
}

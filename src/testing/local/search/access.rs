//! Who calls, and what they may do: the bearer token's identity and Search scopes, the
//! principals it stands for (`visible_to`), and its roles on an index.
//!
//! Queries (search, scroll, subjects, entries) need no token: without one the caller sees
//! what is `public`. With a token, its identity sees also what is visible to
//! `all_authenticated_users`, to `urn:globus:auth:identity:<its id>` and to
//! `urn:globus:groups:id:<id>` of each group it is an active member of (from the local
//! Groups, through the core). Roles are given to the same identity and group principals.

use std::sync::Arc;

use crate::testing::local::core::{Caller, Core, Refusal};
use crate::testing::local::http::{Reply, Request};

use super::errors;

/// Search's resource server.
pub(crate) const SEARCH_RS: &str = "search.api.globus.org";
/// The scope of every Search operation.
pub(crate) const SCOPE_ALL: &str = "urn:globus:auth:scope:search.api.globus.org:all";
/// The scope of queries.
pub(crate) const SCOPE_SEARCH: &str = "urn:globus:auth:scope:search.api.globus.org:search";
/// The scope of writes (ingest, deletions, tasks).
pub(crate) const SCOPE_INGEST: &str = "urn:globus:auth:scope:search.api.globus.org:ingest";
/// Search's scope for Globus Connect Server.
pub(crate) const SCOPE_GCS: &str = "urn:globus:auth:scope:search.api.globus.org:globus_connect_server";

/// What an operation needs of the token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Need {
    /// Queries: no token, or one with `all` or `search`.
    Query,
    /// Reading index descriptions and listing one's indexes: `all` or `search`.
    Read,
    /// Writes and tasks: `all` or `ingest`.
    Write,
    /// Managing indexes and roles: `all`.
    Manage,
}

/// A role on an index, strongest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum RoleName {
    Owner,
    Admin,
    Writer,
}

impl RoleName {
    pub fn parse(s: &str) -> Option<RoleName> {
        match s {
            "owner" => Some(RoleName::Owner),
            "admin" => Some(RoleName::Admin),
            "writer" => Some(RoleName::Writer),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RoleName::Owner => "owner",
            RoleName::Admin => "admin",
            RoleName::Writer => "writer",
        }
    }
}

/// The caller of a request, as `admit` found it.
pub(crate) struct Access {
    core: Arc<Core>,
    /// The token's identity, if a token was sent.
    who: Option<Caller>,
    /// Which of `all`, `search`, `ingest` the token carries.
    all: bool,
    search: bool,
    ingest: bool,
}

impl Access {
    /// Check the request's token, if any: a token that is not active is a 401, one for
    /// another service (or without a Search scope) a 403.
    pub fn admit(core: &Arc<Core>, req: &Request) -> Result<Access, Refusal> {
        let mut access = Access { core: core.clone(), who: None, all: false, search: false, ingest: false };
        if req.header("authorization").is_none() {
            return Ok(access);
        }
        let mut refusal = None;
        for (scope, flag) in [(SCOPE_ALL, 0), (SCOPE_SEARCH, 1), (SCOPE_INGEST, 2)] {
            match core.authorize(req, SEARCH_RS, scope) {
                Ok(caller) => {
                    access.who = Some(caller);
                    match flag {
                        0 => access.all = true,
                        1 => access.search = true,
                        _ => access.ingest = true,
                    }
                }
                Err(r) if r.status == 401 => return Err(r),
                Err(r) => refusal = Some(r),
            }
        }
        match (access.who.is_some(), refusal) {
            (false, Some(mut r)) => {
                r.message = format!(
                    "{} (any of {SCOPE_ALL}, {SCOPE_SEARCH} or {SCOPE_INGEST})",
                    r.message.split(" with the scope").next().unwrap_or(&r.message)
                );
                Err(r)
            }
            _ => Ok(access),
        }
    }

    /// Check the token for an operation that needs `need`.
    pub fn need(&self, need: Need, req: &Request) -> Result<(), Reply> {
        let ok = match need {
            Need::Query => self.who.is_none() || self.all || self.search,
            Need::Read => self.who.is_some() && (self.all || self.search),
            Need::Write => self.who.is_some() && (self.all || self.ingest),
            Need::Manage => self.who.is_some() && self.all,
        };
        if ok {
            return Ok(());
        }
        if self.who.is_none() {
            return Err(errors::for_status(401, "This operation needs a Globus Auth token for Search", req));
        }
        let scopes = match need {
            Need::Query | Need::Read => format!("{SCOPE_ALL} or {SCOPE_SEARCH}"),
            Need::Write => format!("{SCOPE_ALL} or {SCOPE_INGEST}"),
            Need::Manage => SCOPE_ALL.to_string(),
        };
        Err(errors::for_status(403, &format!("This operation needs a token with the scope {scopes}"), req))
    }

    /// The identity, when a token was sent.
    pub fn identity(&self) -> Option<&Caller> {
        self.who.as_ref()
    }

    /// The principals the caller stands for: `public`, and with a token
    /// `all_authenticated_users`, its identity URN and its groups' URNs.
    pub fn principals(&self) -> Vec<String> {
        let mut out = vec!["public".to_string()];
        if let Some(who) = &self.who {
            out.push("all_authenticated_users".into());
            out.push(format!("urn:globus:auth:identity:{}", who.identity_id));
            out.extend(self.core.groups_of(&who.identity_id).into_iter().map(|g| format!("urn:globus:groups:id:{g}")));
        }
        out
    }
}

/// Whether a principal URN is one Search takes in `visible_to` (`public`,
/// `all_authenticated_users`, an identity or a group URN with a UUID).
pub(crate) fn valid_visible_to(p: &str) -> bool {
    p == "public" || p == "all_authenticated_users" || principal_type(p).is_some()
}

/// `identity` or `group` for a principal URN with a UUID.
pub(crate) fn principal_type(p: &str) -> Option<&'static str> {
    let uuid_ok = |s: &str| uuid::Uuid::parse_str(s).is_ok();
    if let Some(id) = p.strip_prefix("urn:globus:auth:identity:") {
        return uuid_ok(id).then_some("identity");
    }
    if let Some(id) = p.strip_prefix("urn:globus:groups:id:") {
        return uuid_ok(id).then_some("group");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::local::auth::{AccountSettings, Accounts};
    use crate::testing::local::urls::ServiceUrls;

    #[test]
    fn a_callers_principals_include_its_groups() {
        let core = Arc::new(Core::new(Accounts::new(AccountSettings::default()), ServiceUrls::default(), false));
        let caller = |who: Option<&str>| Access {
            core: core.clone(),
            who: who.map(|id| Caller { identity_id: id.to_string(), username: String::new() }),
            all: true,
            search: false,
            ingest: false,
        };
        assert_eq!(caller(None).principals(), ["public"]);
        assert_eq!(caller(Some("u1")).principals(), ["public", "all_authenticated_users", "urn:globus:auth:identity:u1"]);
        core.set_group_directory(Box::new(|id: &str| if id == "u1" { vec!["g1".to_string()] } else { Vec::new() }));
        let p = caller(Some("u1")).principals();
        assert!(p.contains(&"urn:globus:groups:id:g1".to_string()), "{p:?}");
        let group = "urn:globus:groups:id:g1".to_string();
        assert!(!caller(Some("u2")).principals().contains(&group));
        assert!(!caller(None).principals().contains(&group));
    }

    #[test]
    fn principals_and_visibility() {
        let id = "46bd0f56-e24f-11e5-a510-131bef46955c";
        assert_eq!(principal_type(&format!("urn:globus:auth:identity:{id}")), Some("identity"));
        assert_eq!(principal_type(&format!("urn:globus:groups:id:{id}")), Some("group"));
        assert_eq!(principal_type("urn:globus:auth:identity:not-a-uuid"), None);
        assert!(valid_visible_to("public") && valid_visible_to("all_authenticated_users"));
        assert!(!valid_visible_to("everyone"));
        assert_eq!(RoleName::parse("admin").map(RoleName::as_str), Some("admin"));
        assert!(RoleName::Owner < RoleName::Writer, "strongest first");
    }
}

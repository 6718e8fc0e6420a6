//! Globus Groups v2: groups with members, roles and policies, kept in memory; identities
//! from the local Auth's accounts.
//!
//! What Groups' API documentation says, enforced: a private group is seen only by its
//! active, invited and pending members (to anyone else it does not exist: 404), an
//! `authenticated` group by anyone signed in; memberships are seen by active members, or
//! with the `managers` policy by managers and admins only; managers and admins add, invite,
//! approve, reject and remove, admins alone change roles, policies and the group itself, add
//! managers and admins, and delete it; nobody removes their own membership, and the last
//! admin can neither leave nor be removed nor demoted. A batch naming an identity twice is
//! refused whole (400); a batch action the caller may not take at all is refused whole
//! (403); an action that fails for one identity is reported in `errors`, the others done.
//!
//! Where the v2 API shows no policy for it, the local Groups lets an identity `join`
//! directly a group that takes join requests (`join_requests: true`) and is not high
//! assurance; `request_join` needs `join_requests: true` too.
//!
//! The local Groups publishes, through the core, the groups each identity is an active
//! member of (the local Search's `visible_to`, ACL principals `urn:globus:groups:id:<id>`).

mod accessors;
mod batch;
mod errors;
mod handlers;
mod store;

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use super::core::{Caller, Core, lock};
use super::http::{Reply, Request};
use super::plugin::{Handler, Service};
use super::settings::Settings;
use crate::transport::OperationMeta;
use store::Store;

/// Groups' resource server.
const GROUPS_RS: &str = "groups.api.globus.org";
/// Full use of Groups: every operation.
const SCOPE_ALL: &str = "urn:globus:auth:scope:groups.api.globus.org:all";
/// Reading your groups and memberships: the operations that only read.
const SCOPE_VIEW: &str = "urn:globus:auth:scope:groups.api.globus.org:view_my_groups_and_memberships";

/// The local Groups.
pub(crate) struct Groups {
    core: Arc<Core>,
    /// Shared with the group directory published to the core.
    store: Arc<Mutex<Store>>,
}

impl Service for Groups {
    const NAME: &'static str = "groups";
    const TITLE: &'static str = "Groups";
    const OPERATIONS: &'static [OperationMeta] = crate::groups::operations::OPERATIONS;
    const HANDLERS: &'static [(&'static str, Handler<Self>)] = &[
        ("get_my_groups", handlers::my_groups),
        ("create_group", handlers::create),
        ("get_group", handlers::get),
        ("update_group", handlers::update),
        ("delete_group", handlers::delete),
        ("batch_membership_action", batch::batch),
        ("get_group_policies", handlers::get_policies),
        ("set_group_policies", handlers::set_policies),
        ("get_membership_fields", handlers::get_fields),
        ("set_membership_fields", handlers::set_fields),
        ("set_subscription_admin_verified", handlers::set_subscription_admin_verified),
        ("get_identity_preferences", handlers::get_preferences),
        ("set_identity_preferences", handlers::set_preferences),
        ("get_group_by_subscription_id", handlers::by_subscription),
    ];

    /// Every call needs an active token for Groups: with its `all` scope, or for what only
    /// reads (GET), `view_my_groups_and_memberships`.
    type Caller = Caller;

    fn start(core: &Arc<Core>, _settings: &mut Settings) -> std::io::Result<Self> {
        let store = Arc::new(Mutex::new(Store::default()));
        let directory = store.clone();
        core.set_group_directory(Box::new(move |identity| lock(&directory).active_groups(identity)));
        Ok(Groups { core: core.clone(), store })
    }

    /// As Groups documents it: no or a malformed `Authorization` header is a 401
    /// `AUTHENTICATION_ERROR`; a token that is unknown, expired, revoked or for another service
    /// a 401 `INVALID_TOKEN`; a Groups token without the scope the operation needs a 403
    /// (with the scopes it has).
    fn admit(&self, req: &Request) -> Result<Caller, Reply> {
        let header = req.header("authorization").unwrap_or_default();
        let bearer = header.get(..7).is_some_and(|p| p.eq_ignore_ascii_case("bearer ")) && header.len() > 7;
        if !bearer {
            return Err(errors::error(
                401,
                "AUTHENTICATION_ERROR",
                "The Authorization header is missing or malformed: send `Authorization: Bearer <access token>`",
                req,
            ));
        }
        let refusal = match self.core.authorize(req, GROUPS_RS, SCOPE_ALL) {
            Ok(caller) => return Ok(caller),
            Err(refusal) => refusal,
        };
        let invalid = |detail: &str| errors::error(401, "INVALID_TOKEN", detail, req);
        let record = match self.core.accounts().access_token(Some(header)) {
            Ok(record) if refusal.status != 401 => record,
            _ => return Err(invalid(&format!("{}: get a new token (refresh or log in again)", refusal.message))),
        };
        if record.resource_server != GROUPS_RS {
            return Err(invalid(&format!("The token is for {}, not for Groups ({GROUPS_RS})", record.resource_server)));
        }
        if req.method == http::Method::GET && record.has_scope(SCOPE_VIEW) {
            return self.core.authorize(req, GROUPS_RS, SCOPE_VIEW).map_err(|r| Self::error(r.status, &r.message, req));
        }
        let needed = if req.method == http::Method::GET { format!("{SCOPE_ALL} or {SCOPE_VIEW}") } else { SCOPE_ALL.into() };
        let body = json!({
            "code": "FORBIDDEN",
            "detail": format!("The token's scopes do not allow this: it needs {needed}"),
            "provided_scopes": record.scope_string().split_whitespace().collect::<Vec<_>>(),
            "request_id": req.request_id,
        });
        Err(Reply::json(403, &body))
    }

    fn error(status: u16, message: &str, req: &Request) -> Reply {
        errors::for_status(status, message, req)
    }

    fn scopes(&self) -> Vec<(String, String)> {
        vec![(SCOPE_ALL.to_string(), GROUPS_RS.to_string()), (SCOPE_VIEW.to_string(), GROUPS_RS.to_string())]
    }
}

/// The request's JSON body, or FastAPI's 422.
fn body(req: &Request) -> Result<Value, Reply> {
    if req.body.is_empty() {
        return Err(errors::invalid(&[json!("body")], "Field required", req));
    }
    serde_json::from_slice(&req.body).map_err(|e| errors::invalid(&[json!("body")], format!("JSON decode error: {e}"), req))
}

/// A UUID as FastAPI checks one (any case, hyphens optional), in its canonical form; or
/// the 422 naming `loc`.
fn uuid_at(value: &str, loc: &[Value], req: &Request) -> Result<String, Reply> {
    uuid::Uuid::parse_str(value.trim())
        .map(|u| u.hyphenated().to_string())
        .map_err(|_| errors::invalid(loc, format!("Input should be a valid UUID, not {:?}", truncate(value)), req))
}

/// A path parameter that must be a UUID.
fn path_uuid(call: &super::plugin::Call<'_, Caller>, name: &str) -> Result<String, Reply> {
    let raw = call.param(name)?;
    uuid_at(raw, &[json!("path"), json!(name)], call.req)
}

/// At most 64 characters of what a client sent, for messages.
fn truncate(s: &str) -> String {
    if s.chars().count() <= 64 { s.to_string() } else { format!("{}...", s.chars().take(64).collect::<String>()) }
}

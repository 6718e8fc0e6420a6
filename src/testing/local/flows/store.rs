//! The records of the local Flows (flows and runs) and the documents it answers with, in the
//! shapes of the Python SDK's registered responses.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

use crate::Secret;

/// How many log entries a run keeps (the oldest are dropped past it).
pub(super) const MAX_LOG_ENTRIES: usize = 10_000;
/// The largest `details` a log entry keeps whole (about, in bytes of JSON); larger ones are
/// replaced by a note of their size.
const MAX_LOG_DETAILS: usize = 16 * 1024;

/// The identity URN of an identity id.
pub(super) fn urn(identity_id: &str) -> String {
    format!("urn:globus:auth:identity:{identity_id}")
}

/// Times as Flows writes them: `2023-04-11T20:00:06.524930+00:00`.
pub(super) fn show_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, false)
}

/// A flow's own scope (its resource server is the flow's id).
pub(super) fn flow_scope(flow_id: &str) -> String {
    crate::scopes::flows::specific_flow(flow_id).to_string()
}

/// Who the caller is, for role checks: identity URN and group URNs.
pub(super) struct Principals {
    pub identity_id: String,
    pub urns: Vec<String>,
}

impl Principals {
    /// Whether one of `list` names the caller (`public` and `all_authenticated_users` name
    /// everyone with a token).
    pub fn in_list(&self, list: &[String]) -> bool {
        list.iter().any(|p| p == "public" || p == "all_authenticated_users" || self.urns.contains(p))
    }
}

/// A flow.
#[derive(Clone, Debug)]
pub(super) struct FlowRecord {
    pub id: String,
    pub owner: String,
    pub title: String,
    pub subtitle: String,
    pub description: String,
    pub keywords: Vec<String>,
    pub definition: Value,
    pub input_schema: Value,
    pub flow_viewers: Vec<String>,
    pub flow_starters: Vec<String>,
    pub flow_administrators: Vec<String>,
    pub run_managers: Vec<String>,
    pub run_monitors: Vec<String>,
    pub subscription_id: Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Creation order (listing ties).
    pub seq: u64,
}

impl FlowRecord {
    /// The caller's roles on the flow, strongest first.
    pub fn roles(&self, who: &Principals) -> Vec<&'static str> {
        let mut roles = Vec::new();
        if self.owner == urn(&who.identity_id) {
            roles.push("flow_owner");
        }
        if who.in_list(&self.flow_administrators) {
            roles.push("flow_administrator");
        }
        if who.in_list(&self.flow_starters) {
            roles.push("flow_starter");
        }
        if who.in_list(&self.flow_viewers) {
            roles.push("flow_viewer");
        }
        if who.in_list(&self.run_managers) {
            roles.push("run_manager");
        }
        if who.in_list(&self.run_monitors) {
            roles.push("run_monitor");
        }
        roles
    }

    /// Whether the caller may start runs.
    pub fn may_start(&self, who: &Principals) -> bool {
        self.roles(who).iter().any(|r| matches!(*r, "flow_owner" | "flow_administrator" | "flow_starter"))
    }

    /// Whether the caller may change or delete the flow.
    pub fn may_administer(&self, who: &Principals) -> bool {
        self.roles(who).iter().any(|r| matches!(*r, "flow_owner" | "flow_administrator"))
    }

    /// The flow document.
    pub fn doc(&self, who: &Principals, flows_url: &str) -> Value {
        let roles = self.roles(who);
        json!({
            "id": self.id,
            "title": self.title,
            "subtitle": self.subtitle,
            "description": self.description,
            "keywords": self.keywords,
            "definition": self.definition,
            "input_schema": self.input_schema,
            "globus_auth_scope": flow_scope(&self.id),
            "globus_auth_scopes_by_RunAs": [],
            "globus_auth_username": format!("{}@clients.auth.globus.org", self.id),
            "principal_urn": urn(&self.id),
            "flow_owner": self.owner,
            "flow_viewers": self.flow_viewers,
            "flow_starters": self.flow_starters,
            "flow_administrators": self.flow_administrators,
            "run_managers": self.run_managers,
            "run_monitors": self.run_monitors,
            "user_role": roles.first(),
            "user_roles": roles,
            "created_at": show_time(self.created_at),
            "updated_at": show_time(self.updated_at),
            "created_by": self.owner,
            "flow_url": format!("{flows_url}/flows/{}", self.id),
            "action_url": format!("{flows_url}/flows/{}", self.id),
            "synchronous": false,
            "log_supported": true,
            "types": ["Action"],
            "api_version": "1.0",
            "subscription_id": self.subscription_id,
            "authentication_policy_id": null,
            "is_high_assurance": false,
        })
    }
}

/// A run's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Status {
    Active,
    Inactive,
    Succeeded,
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "ACTIVE",
            Status::Inactive => "INACTIVE",
            Status::Succeeded => "SUCCEEDED",
            Status::Failed => "FAILED",
        }
    }

    pub fn is_finished(self) -> bool {
        matches!(self, Status::Succeeded | Status::Failed)
    }
}

/// What an active run waits for before its next step.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Waiting {
    /// Nothing: the engine runs its current state next.
    Ready,
    /// A Wait state: until then.
    Until(DateTime<Utc>),
    /// A Transfer task started by an action: poll it (the action's id, its start time and
    /// when to give up).
    Task { task_id: String, action_id: String, started: DateTime<Utc>, poll_at: DateTime<Utc>, deadline: DateTime<Utc> },
}

/// The dependent grants a run acts with (refresh tokens for Transfer and Search, issued to
/// the local Flows for the run's user; never shown).
#[derive(Clone, Default)]
pub(super) struct Grants {
    pub transfer: Option<Secret>,
    pub search: Option<Secret>,
}

impl std::fmt::Debug for Grants {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Grants(..)")
    }
}

/// A run.
#[derive(Clone, Debug)]
pub(super) struct RunRecord {
    pub id: String,
    pub flow_id: String,
    pub flow_title: String,
    pub flow_last_updated: DateTime<Utc>,
    /// The flow's run managers and monitors when the run started.
    pub flow_run_managers: Vec<String>,
    pub flow_run_monitors: Vec<String>,
    pub owner: String,
    pub label: String,
    pub tags: Vec<String>,
    pub run_managers: Vec<String>,
    pub run_monitors: Vec<String>,
    pub definition: Value,
    pub input_schema: Value,
    pub input: Value,
    /// The run's state document (the input, then what states wrote).
    pub state: Value,
    pub status: Status,
    /// The state that runs next (None once finished).
    pub current: Option<String>,
    pub waiting: Waiting,
    /// How many states ran (bounded: a flow that loops forever fails).
    pub steps: u32,
    pub start_time: DateTime<Utc>,
    pub completion_time: Option<DateTime<Utc>>,
    pub details: Value,
    pub logs: Vec<Value>,
    pub grants: Grants,
    pub released: bool,
    pub seq: u64,
    /// Changed by cancel and resume: a step taken before is not applied.
    pub generation: u64,
}

impl RunRecord {
    /// The caller's roles on the run.
    pub fn roles(&self, who: &Principals) -> Vec<&'static str> {
        let mut roles = Vec::new();
        if self.owner == urn(&who.identity_id) {
            roles.push("run_owner");
        }
        if who.in_list(&self.run_managers) {
            roles.push("run_manager");
        }
        if who.in_list(&self.run_monitors) {
            roles.push("run_monitor");
        }
        if who.in_list(&self.flow_run_managers) {
            roles.push("flow_run_manager");
        }
        if who.in_list(&self.flow_run_monitors) {
            roles.push("flow_run_monitor");
        }
        roles
    }

    /// Whether the caller may cancel, update, resume or release the run.
    pub fn may_manage(&self, who: &Principals) -> bool {
        self.roles(who).iter().any(|r| matches!(*r, "run_owner" | "run_manager" | "flow_run_manager"))
    }

    /// Add a log entry.
    pub fn log(&mut self, code: &str, description: String, details: Value) {
        let size = super::paths::size(&details);
        let details = if size > MAX_LOG_DETAILS {
            json!({"truncated": true, "about_bytes": size, "state_name": details.get("state_name")})
        } else {
            details
        };
        self.logs.push(json!({
            "time": show_time(Utc::now()),
            "code": code,
            "description": description,
            "details": details,
        }));
        if self.logs.len() > MAX_LOG_ENTRIES {
            let excess = self.logs.len() - MAX_LOG_ENTRIES;
            self.logs.drain(..excess);
        }
    }

    /// The run document.
    pub fn doc(&self, who: &Principals) -> Value {
        let roles = self.roles(who);
        let mut doc = json!({
            "run_id": self.id,
            "action_id": self.id,
            "flow_id": self.flow_id,
            "flow_title": self.flow_title,
            "flow_last_updated": show_time(self.flow_last_updated),
            "status": self.status.as_str(),
            "display_status": self.status.as_str(),
            "label": self.label,
            "tags": self.tags,
            "start_time": show_time(self.start_time),
            "completion_time": self.completion_time.map(show_time),
            "details": self.details,
            "run_owner": self.owner,
            "created_by": self.owner,
            "run_managers": self.run_managers,
            "run_monitors": self.run_monitors,
            "manage_by": self.run_managers,
            "monitor_by": self.run_monitors,
            "user_role": roles.first(),
            "user_roles": roles,
        });
        if let Some(map) = doc.as_object_mut()
            && self.completion_time.is_none()
        {
            map.remove("completion_time");
        }
        doc
    }
}

/// A list of principal URNs from a request field (absent: empty); an error names the field.
pub(super) fn principals(body: &Map<String, Value>, field: &str) -> Result<Option<Vec<String>>, String> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(list)) => {
            if list.len() > super::MAX_PRINCIPALS {
                return Err(format!("{field} may hold at most {} principals", super::MAX_PRINCIPALS));
            }
            list.iter()
                .map(|v| match v.as_str() {
                    Some(s) if valid_principal(s) => Ok(s.to_string()),
                    _ => Err(format!(
                        "{field}: {v} is not a principal URN (urn:globus:auth:identity:<id>, urn:globus:groups:id:<id>, \
                         public, all_authenticated_users)"
                    )),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some)
        }
        Some(_) => Err(format!("{field} must be a list of principal URNs")),
    }
}

fn valid_principal(s: &str) -> bool {
    s == "public"
        || s == "all_authenticated_users"
        || ["urn:globus:auth:identity:", "urn:globus:groups:id:"]
            .iter()
            .any(|p| s.strip_prefix(p).is_some_and(|id| uuid::Uuid::parse_str(id).is_ok()))
}

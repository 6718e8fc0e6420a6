//! Tasks: the records the workers update, their documents, and the task endpoints
//! (`task_list`, `get_task`, `update_task`, `cancel_task`, `task_event_list`,
//! `task_successful_transfers`, `task_skipped_errors`).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::errors::{self, bad_request};
use super::{Transfer, build, document, glob, int_param, parse_time, task_time};
use crate::testing::local::core::{Caller, lock};
use crate::testing::local::http::{Reply, Request};
use crate::testing::local::plugin::{Call, Handled};
use crate::transfer::types;

/// The fields of a task document Transfer always sends (null when unset).
const TASK_FIELDS: &[&str] = &[
    "bytes_checksummed",
    "bytes_transferred",
    "canceled_by_admin",
    "canceled_by_admin_message",
    "command",
    "completion_time",
    "deadline",
    "delete_destination_extra",
    "destination_endpoint",
    "destination_endpoint_display_name",
    "destination_endpoint_id",
    "directories",
    "effective_bytes_per_second",
    "encrypt_data",
    "fail_on_quota_errors",
    "fatal_error",
    "faults",
    "files",
    "files_skipped",
    "files_transferred",
    "filter_rules",
    "history_deleted",
    "is_ok",
    "is_paused",
    "label",
    "nice_status",
    "nice_status_details",
    "nice_status_expires_in",
    "nice_status_short_description",
    "owner_id",
    "preserve_timestamp",
    "recursive_symlinks",
    "request_time",
    "skip_source_errors",
    "source_endpoint",
    "source_endpoint_display_name",
    "source_endpoint_id",
    "status",
    "subtasks_canceled",
    "subtasks_expired",
    "subtasks_failed",
    "subtasks_pending",
    "subtasks_retrying",
    "subtasks_skipped_errors",
    "subtasks_succeeded",
    "subtasks_total",
    "symlinks",
    "sync_level",
    "task_id",
    "type",
    "username",
    "verify_checksum",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Transfer,
    Delete,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Transfer => "TRANSFER",
            Kind::Delete => "DELETE",
        }
    }
}

/// A filter rule of a recursive transfer.
#[derive(Clone, Debug)]
pub(super) struct Rule {
    pub include: bool,
    /// `file`, `dir`, or both when None.
    pub kind: Option<&'static str>,
    pub name: String,
}

/// What a task was asked to do, beside its items.
#[derive(Clone, Debug, Default)]
pub(super) struct Options {
    pub sync_level: Option<i64>,
    pub verify_checksum: bool,
    pub preserve_timestamp: bool,
    pub encrypt_data: bool,
    pub skip_source_errors: bool,
    pub fail_on_quota_errors: bool,
    pub delete_destination_extra: bool,
    pub recursive_symlinks: String,
    pub filter_rules: Vec<Rule>,
}

/// The live counters of a task.
#[derive(Clone, Debug, Default)]
pub(super) struct Counters {
    pub files: i64,
    pub directories: i64,
    pub symlinks: i64,
    pub files_skipped: i64,
    pub files_transferred: i64,
    pub subtasks_total: i64,
    pub subtasks_pending: i64,
    pub subtasks_retrying: i64,
    pub subtasks_succeeded: i64,
    pub subtasks_expired: i64,
    pub subtasks_canceled: i64,
    pub subtasks_failed: i64,
    pub subtasks_skipped_errors: i64,
    pub bytes_transferred: i64,
    pub bytes_checksummed: i64,
    pub faults: i64,
}

/// One task, as the workers update it.
#[derive(Debug)]
pub(super) struct TaskRecord {
    pub id: String,
    /// Order of submission (ties of `request_time`).
    pub seq: u64,
    pub kind: Kind,
    pub owner_id: String,
    pub owner_username: String,
    pub submission_id: String,
    pub label: Option<String>,
    pub status: &'static str,
    pub nice_status: Option<&'static str>,
    pub fatal_error: Option<(String, String)>,
    pub request_time: DateTime<Utc>,
    pub completion_time: Option<DateTime<Utc>>,
    pub deadline: Option<DateTime<Utc>>,
    pub source: (String, String),
    pub destination: Option<(String, String)>,
    pub options: Options,
    pub counters: Counters,
    pub events: Vec<types::Event>,
    pub successful: Vec<types::SuccessfulTransfer>,
    pub skipped: Vec<types::SkippedError>,
    pub cancel: Arc<AtomicBool>,
    /// Canceled by an administrator of its `SOURCE`, `DESTINATION` or `BOTH` collections,
    /// with their message.
    pub canceled_by_admin: Option<(&'static str, String)>,
    /// Paused by id by an administrator or activity manager, with their message.
    pub admin_paused: Option<String>,
    /// Waiting now for a pause (a rule or a pause by id) to be lifted.
    pub paused: bool,
}

impl TaskRecord {
    pub fn is_active(&self) -> bool {
        self.status == "ACTIVE"
    }

    /// Record an event.
    pub fn event(&mut self, code: &str, is_error: bool, description: &str, details: impl Into<String>) {
        self.events.push(types::Event {
            code: code.into(),
            data_type: Some("event".into()),
            description: Some(description.into()),
            details: Some(details.into()),
            is_error: Some(is_error),
            time: task_time(Utc::now()),
            extra: Default::default(),
        });
    }

    /// End the task: SUCCEEDED, or FAILED with a fatal error; the pending subtasks become
    /// `expired`, `canceled` or `failed` as the error says.
    pub fn finish(&mut self, fatal: Option<(&str, String)>) {
        if !self.is_active() {
            return;
        }
        let pending = std::mem::take(&mut self.counters.subtasks_pending);
        match fatal {
            None => {
                self.status = "SUCCEEDED";
                let details = json!({"files_succeeded": self.counters.files_transferred}).to_string();
                self.event("SUCCEEDED", false, "succeeded", details);
            }
            Some((code, description)) => {
                match code {
                    "EXPIRED" => self.counters.subtasks_expired += pending,
                    "CANCELED" => self.counters.subtasks_canceled += pending,
                    _ => self.counters.subtasks_failed += pending,
                }
                self.status = "FAILED";
                self.event(code, code != "CANCELED", &code.to_lowercase().replace('_', " "), description.clone());
                self.fatal_error = Some((code.to_string(), description));
            }
        }
        self.nice_status = None;
        self.paused = false;
        self.completion_time = Some(Utc::now());
    }
}

/// Every task, in submission order, and the submission ids already used.
#[derive(Default)]
pub(crate) struct TaskStore {
    tasks: Vec<TaskRecord>,
    by_submission: HashMap<(String, String), String>,
    next_seq: u64,
}

impl TaskStore {
    /// Every task, in submission order.
    pub(super) fn all(&self) -> &[TaskRecord] {
        &self.tasks
    }

    pub(super) fn get(&self, id: &str) -> Option<&TaskRecord> {
        self.tasks.iter().find(|t| t.id == id)
    }

    pub(super) fn get_mut(&mut self, id: &str) -> Option<&mut TaskRecord> {
        self.tasks.iter_mut().find(|t| t.id == id)
    }

    /// The task an owner already submitted with this submission id.
    pub(super) fn by_submission(&self, owner: &str, submission_id: &str) -> Option<&TaskRecord> {
        let id = self.by_submission.get(&(owner.to_string(), submission_id.to_string()))?;
        self.get(id)
    }

    pub(super) fn insert(&mut self, mut task: TaskRecord) {
        task.seq = self.next_seq;
        self.next_seq += 1;
        self.by_submission.insert((task.owner_id.clone(), task.submission_id.clone()), task.id.clone());
        self.tasks.push(task);
    }

    /// The collections `owner`'s tasks use (only the running ones with `active_only`).
    pub(crate) fn collections_used_by(&self, owner: &str, active_only: bool) -> HashSet<String> {
        self.tasks
            .iter()
            .filter(|t| t.owner_id == owner && (!active_only || t.is_active()))
            .flat_map(|t| std::iter::once(t.source.0.clone()).chain(t.destination.as_ref().map(|d| d.0.clone())))
            .collect()
    }
}

/// The task document.
pub(super) fn task_doc(t: &TaskRecord, req: &Request) -> Result<Value, Reply> {
    let c = &t.counters;
    let o = &t.options;
    let transfer = t.kind == Kind::Transfer;
    let elapsed = (t.completion_time.unwrap_or_else(Utc::now) - t.request_time).num_milliseconds().max(1);
    let rules: Vec<types::TaskFilterRule> = o
        .filter_rules
        .iter()
        .map(|r| types::TaskFilterRule {
            data_type: Some("filter_rule".into()),
            method: Some(if r.include { "include" } else { "exclude" }.into()),
            name: Some(r.name.clone()),
            type_: r.kind.map(str::to_string),
            extra: Default::default(),
        })
        .collect();
    let b = types::Task::builder()
        .data_type("task".to_string())
        .task_id(t.id.clone())
        .type_(t.kind.name().to_string())
        .status(t.status.to_string())
        .label(t.label.clone())
        .nice_status(t.nice_status.map(str::to_string))
        .nice_status_short_description(t.nice_status.map(str::to_string))
        .is_ok(t.is_active().then_some(c.faults == 0))
        .is_paused(t.paused)
        .canceled_by_admin(t.canceled_by_admin.as_ref().map(|(side, _)| side.to_string()))
        .canceled_by_admin_message(t.canceled_by_admin.as_ref().map(|(_, message)| message.clone()))
        .fatal_error(t.fatal_error.as_ref().map(|(code, description)| types::TaskFatalError {
            code: Some(code.clone()),
            description: Some(description.clone()),
            extra: Default::default(),
        }))
        .owner_id(t.owner_id.clone())
        .owner_string(t.owner_username.clone())
        .username(t.owner_username.clone())
        .request_time(task_time(t.request_time))
        .completion_time(t.completion_time.map(task_time))
        .deadline(t.deadline.map(task_time))
        .command("API 0.10".to_string())
        .history_deleted(false)
        .source_endpoint_id(t.source.0.clone())
        .source_endpoint_display_name(t.source.1.clone())
        .destination_endpoint_id(t.destination.as_ref().map(|d| d.0.clone()))
        .destination_endpoint_display_name(t.destination.as_ref().map(|d| d.1.clone()))
        .sync_level(o.sync_level)
        .verify_checksum(transfer.then_some(o.verify_checksum))
        .encrypt_data(transfer.then_some(o.encrypt_data))
        .preserve_timestamp(transfer.then_some(o.preserve_timestamp))
        .delete_destination_extra(transfer.then_some(o.delete_destination_extra))
        .skip_source_errors(transfer.then_some(o.skip_source_errors))
        .fail_on_quota_errors(transfer.then_some(o.fail_on_quota_errors))
        .recursive_symlinks(transfer.then(|| o.recursive_symlinks.clone()))
        .filter_rules((!rules.is_empty()).then_some(rules))
        .faults(c.faults)
        .files(c.files)
        .directories(c.directories)
        .symlinks(c.symlinks)
        .files_skipped(c.files_skipped)
        .files_transferred(c.files_transferred)
        .subtasks_total(c.subtasks_total)
        .subtasks_pending(c.subtasks_pending)
        .subtasks_retrying(c.subtasks_retrying)
        .subtasks_succeeded(c.subtasks_succeeded)
        .subtasks_expired(c.subtasks_expired)
        .subtasks_canceled(c.subtasks_canceled)
        .subtasks_failed(c.subtasks_failed)
        .subtasks_skipped_errors(c.subtasks_skipped_errors)
        .bytes_transferred(c.bytes_transferred)
        .bytes_checksummed(c.bytes_checksummed)
        .effective_bytes_per_second(c.bytes_transferred.saturating_mul(1000) / elapsed);
    let task: types::Task = build(b, req)?;
    Ok(document(&task, TASK_FIELDS))
}

/// Whose view of a task a call takes: its owner's (`/task/...`), or that of the
/// administrators and activity managers or monitors of a collection it uses
/// (`/endpoint_manager/task/...`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum View {
    Owner,
    Manager,
}

/// The roles that see a task of another user on their collection; those that may cancel it.
pub(super) const SEE_ROLES: &[&str] = &["administrator", "activity_manager", "activity_monitor"];
pub(super) const CANCEL_ROLES: &[&str] = &["administrator", "activity_manager"];

/// Which of the task's collections `identity` holds one of `roles` on: `SOURCE`,
/// `DESTINATION`, `BOTH`, or None.
pub(super) fn managed_side(t: &Transfer, task: &TaskRecord, identity: &str, roles: &[&str]) -> Option<&'static str> {
    let collections = lock(&t.collections).clone();
    let holds = |id: &str| {
        collections.iter().find(|c| c.id == id).is_some_and(|c| super::roles::holds(t, c, identity, roles))
    };
    let source = holds(&task.source.0);
    let destination = task.destination.as_ref().is_some_and(|d| holds(&d.0));
    match (source, destination) {
        (true, true) => Some("BOTH"),
        (true, false) => Some("SOURCE"),
        (false, true) => Some("DESTINATION"),
        (false, false) => None,
    }
}

/// The task as `view` sees it, or Transfer's 404 (a task the caller may not see is not there).
fn visible<'a>(
    t: &Transfer,
    store: &'a TaskStore,
    caller: &Caller,
    id: &str,
    view: View,
    req: &Request,
) -> Result<&'a TaskRecord, Reply> {
    store
        .get(id)
        .filter(|task| match view {
            View::Owner => task.owner_id == caller.identity_id,
            View::Manager => managed_side(t, task, &caller.identity_id, SEE_ROLES).is_some(),
        })
        .ok_or_else(|| errors::error(404, "ClientError.NotFound", format!("No task found with id '{id}'"), req))
}

pub(super) fn get(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    get_as(t, call, View::Owner)
}

/// Why the task is paused: it never is (the local Globus has no pause rules), so the
/// document lists no rule and no message; the owner gets `pause_info_limited`, a manager
/// `pause_info`.
pub(super) fn pause_info(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    pause_info_as(t, call, View::Owner)
}

pub(super) fn pause_info_as(t: &Transfer, call: &Call<'_, Caller>, view: View) -> Handled {
    let req = call.req;
    let id = call.param("task_id")?;
    let store = lock(&t.tasks);
    let task = visible(t, &store, &call.caller, id, view, req)?;
    let full = view == View::Manager;
    let rules = super::pauses::task_rules(t, task, full);
    // A pause by id is the administrators' message about the source (both ends are theirs
    // or one is; the local Globus does not tell them apart).
    Ok(Reply::ok(&json!({
        "DATA_TYPE": if full { "pause_info" } else { "pause_info_limited" },
        "pause_rules": rules,
        "source_pause_message": task.admin_paused,
        "destination_pause_message": null,
        "source_pause_message_share": null,
        "destination_pause_message_share": null,
    })))
}

pub(super) fn get_as(t: &Transfer, call: &Call<'_, Caller>, view: View) -> Handled {
    let req = call.req;
    let id = call.param("task_id")?;
    let store = lock(&t.tasks);
    Ok(Reply::ok(&task_doc(visible(t, &store, &call.caller, id, view, req)?, req)?))
}


pub(super) fn cancel(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    let req = call.req;
    let id = call.param("task_id")?;
    let mut store = lock(&t.tasks);
    visible(t, &store, &call.caller, id, View::Owner, req)?;
    let Some(task) = store.get_mut(id) else {
        return Err(errors::error(404, "ClientError.NotFound", format!("No task found with id '{id}'"), req));
    };
    if !task.is_active() {
        return Ok(errors::result("result", "TaskComplete", "The task completed before the cancel request was processed", req));
    }
    task.cancel.store(true, std::sync::atomic::Ordering::SeqCst);
    task.finish(Some(("CANCELED", "The task was canceled by its owner".into())));
    Ok(errors::result("result", "Canceled", "The task has been cancelled successfully.", req))
}

pub(super) fn update(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    let req = call.req;
    let id = call.param("task_id")?;
    let doc: types::TaskUpdate = req.json().map_err(|e| bad_request(e, req))?;
    let deadline = match doc.deadline.as_deref() {
        Some(d) => Some(parse_time(d).ok_or_else(|| bad_request(format!("Invalid deadline {d:?}"), req))?),
        None => None,
    };
    let mut store = lock(&t.tasks);
    visible(t, &store, &call.caller, id, View::Owner, req)?;
    let Some(task) = store.get_mut(id) else {
        return Err(errors::error(404, "ClientError.NotFound", format!("No task found with id '{id}'"), req));
    };
    if !task.is_active() {
        return Err(errors::error(409, "ClientError.Conflict", "The task is complete and cannot be updated", req));
    }
    if let Some(label) = doc.label {
        task.label = Some(label);
    }
    if deadline.is_some() {
        task.deadline = deadline;
    }
    Ok(errors::result("result", "Updated", "Task updated successfully", req))
}

/// A time range; either end may be open.
type Range = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

enum TaskFilter {
    Types(Vec<String>),
    Statuses(Vec<String>),
    Ids(Vec<String>),
    Labels(Vec<String>),
    LabelGlob(String),
    RequestTime(Range),
    CompletionTime(Range),
}

fn parse_task_filter(filter: &str) -> Result<Vec<TaskFilter>, String> {
    let mut out = Vec::new();
    for clause in filter.split('/').filter(|c| !c.trim().is_empty()) {
        let (field, value) = clause.split_once(':').ok_or_else(|| format!("Invalid filter clause {clause:?}"))?;
        let list = || value.split(',').map(|v| v.trim().to_string()).filter(|v| !v.is_empty()).collect::<Vec<_>>();
        let range = || -> Result<Range, String> {
            let (lo, hi) = value.split_once(',').unwrap_or((value, ""));
            let bound = |b: &str| -> Result<Option<DateTime<Utc>>, String> {
                if b.trim().is_empty() {
                    Ok(None)
                } else {
                    parse_time(b).map(Some).ok_or_else(|| format!("Invalid time {b:?} in filter {field}"))
                }
            };
            Ok((bound(lo)?, bound(hi)?))
        };
        out.push(match field.trim() {
            "type" => TaskFilter::Types(list().into_iter().map(|v| v.to_ascii_uppercase()).collect()),
            "status" => TaskFilter::Statuses(list().into_iter().map(|v| v.to_ascii_uppercase()).collect()),
            "task_id" => TaskFilter::Ids(list()),
            "label" => match value.strip_prefix('~') {
                Some(p) => TaskFilter::LabelGlob(p.to_string()),
                None => TaskFilter::Labels(list()),
            },
            "request_time" => TaskFilter::RequestTime(range()?),
            "completion_time" => TaskFilter::CompletionTime(range()?),
            other => return Err(format!("Unsupported filter field {other:?}")),
        });
    }
    Ok(out)
}

fn in_range(t: Option<DateTime<Utc>>, (lo, hi): &Range) -> bool {
    t.is_some_and(|t| lo.is_none_or(|lo| t >= lo) && hi.is_none_or(|hi| t <= hi))
}

fn task_matches(t: &TaskRecord, filters: &[TaskFilter]) -> bool {
    filters.iter().all(|f| match f {
        TaskFilter::Types(v) => v.iter().any(|x| x == t.kind.name()),
        TaskFilter::Statuses(v) => v.iter().any(|x| x == t.status),
        TaskFilter::Ids(v) => v.contains(&t.id),
        TaskFilter::Labels(v) => t.label.as_ref().is_some_and(|l| v.contains(l)),
        TaskFilter::LabelGlob(p) => t.label.as_ref().is_some_and(|l| glob::matches(p, l)),
        TaskFilter::RequestTime(r) => in_range(Some(t.request_time), r),
        TaskFilter::CompletionTime(r) => in_range(t.completion_time, r),
    })
}

fn task_order(a: &TaskRecord, b: &TaskRecord, keys: &[(String, bool)]) -> std::cmp::Ordering {
    for (field, desc) in keys {
        let o = match field.as_str() {
            "request_time" => a.request_time.cmp(&b.request_time).then(a.seq.cmp(&b.seq)),
            "completion_time" => a.completion_time.cmp(&b.completion_time).then(a.seq.cmp(&b.seq)),
            "label" => a.label.cmp(&b.label),
            "status" => a.status.cmp(b.status),
            "type" => a.kind.name().cmp(b.kind.name()),
            _ => a.id.cmp(&b.id),
        };
        let o = if *desc { o.reverse() } else { o };
        if o.is_ne() {
            return o;
        }
    }
    a.seq.cmp(&b.seq).reverse()
}

pub(super) fn list(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    let (req, caller) = (call.req, &call.caller);
    let limit = int_param(req, "limit", 10, 1, 1000)?;
    let offset = int_param(req, "offset", 0, 0, i64::MAX)?;
    let filters = parse_task_filter(req.query("filter").unwrap_or_default()).map_err(|e| bad_request(e, req))?;
    let mut keys = Vec::new();
    for part in req.query("orderby").unwrap_or("request_time DESC").split(',').map(str::trim).filter(|p| !p.is_empty())
    {
        let mut words = part.split_whitespace();
        let field = words.next().unwrap_or_default().to_string();
        let desc = match words.next().map(str::to_ascii_uppercase).as_deref() {
            None | Some("ASC") => false,
            Some("DESC") => true,
            Some(other) => return Err(bad_request(format!("Invalid sort direction {other:?}"), req)),
        };
        if !["request_time", "completion_time", "label", "status", "type", "task_id"].contains(&field.as_str()) {
            return Err(bad_request(format!("Unsupported orderby field {field:?}"), req));
        }
        keys.push((field, desc));
    }
    let store = lock(&t.tasks);
    let mut found: Vec<&TaskRecord> =
        store.tasks.iter().filter(|t| t.owner_id == caller.identity_id && task_matches(t, &filters)).collect();
    found.sort_by(|a, b| task_order(a, b, &keys));
    let total = found.len() as i64;
    let mut data = Vec::new();
    for t in found.iter().skip(offset as usize).take(limit as usize) {
        data.push(task_doc(t, req)?);
    }
    let page = types::TaskList {
        data: Vec::new(),
        data_type: Some("task_list".into()),
        has_next_page: None,
        last_key: None,
        length: Some(data.len() as i64),
        limit: Some(limit),
        offset: Some(offset),
        total: Some(total),
        extra: Default::default(),
    };
    let mut body = document(&page, &[]);
    body["DATA"] = Value::Array(data);
    Ok(Reply::ok(&body))
}

pub(super) fn events(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    events_as(t, call, View::Owner)
}

/// A task's events: the owner filters with `filter=is_error:1`, a manager with
/// `filter_is_error=1`.
pub(super) fn events_as(t: &Transfer, call: &Call<'_, Caller>, view: View) -> Handled {
    let req = call.req;
    let id = call.param("task_id")?;
    let limit = int_param(req, "limit", 10, 1, 1000)?;
    let offset = int_param(req, "offset", 0, 0, i64::MAX)?;
    let is_error = match (view, req.query("filter").map(str::trim), req.query("filter_is_error").map(str::trim)) {
        (View::Owner, None | Some(""), _) | (View::Manager, _, None | Some("")) => None,
        (View::Owner, Some("is_error:1"), _) | (View::Manager, _, Some("1")) => Some(true),
        (View::Owner, Some("is_error:0"), _) | (View::Manager, _, Some("0")) => Some(false),
        (View::Owner, Some(other), _) => {
            return Err(bad_request(format!("Unsupported filter {other:?}; use is_error:1 or is_error:0"), req));
        }
        (View::Manager, _, Some(other)) => {
            return Err(bad_request(format!("Invalid filter_is_error {other:?}; use 1 or 0"), req));
        }
    };
    let store = lock(&t.tasks);
    let task = visible(t, &store, &call.caller, id, view, req)?;
    let matching: Vec<&types::Event> =
        task.events.iter().rev().filter(|e| is_error.is_none_or(|want| e.is_error == Some(want))).collect();
    let data: Vec<types::Event> =
        matching.iter().skip(offset as usize).take(limit as usize).map(|e| (*e).clone()).collect();
    Ok(Reply::ok(&types::EventList {
        length: Some(data.len() as i64),
        data,
        data_type: Some("event_list".into()),
        limit: Some(limit),
        offset: Some(offset),
        total: Some(matching.len() as i64),
        extra: Default::default(),
    }))
}

/// A marker page: `marker` is the offset (an integer, as Transfer sends it), `next_marker`
/// is null on the last page.
fn marker_page(req: &Request, len: usize, page_size: usize) -> Result<(usize, usize, Value), Reply> {
    let start = match req.query("marker").map(str::trim) {
        None | Some("") => 0,
        Some(m) => m.parse::<usize>().map_err(|_| bad_request(format!("Invalid marker {m:?}"), req))?,
    };
    let end = start.saturating_add(page_size).min(len);
    let next = if end < len { json!(end) } else { Value::Null };
    Ok((start.min(len), end, next))
}

pub(super) fn successful_transfers(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    successful_transfers_as(t, call, View::Owner)
}

pub(super) fn successful_transfers_as(t: &Transfer, call: &Call<'_, Caller>, view: View) -> Handled {
    marker_list(
        t,
        call,
        view,
        |t| &t.successful,
        |data, marker| types::SuccessfulTransferList {
            data,
            data_type: Some("successful_transfers".into()),
            marker: Some(marker),
            next_marker: None,
            extra: Default::default(),
        },
    )
}

pub(super) fn skipped_errors(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    skipped_errors_as(t, call, View::Owner)
}

pub(super) fn skipped_errors_as(t: &Transfer, call: &Call<'_, Caller>, view: View) -> Handled {
    marker_list(
        t,
        call,
        view,
        |t| &t.skipped,
        |data, marker| types::SkippedErrorList {
            data,
            data_type: Some("skipped_errors".into()),
            marker: Some(marker),
            next_marker: None,
            extra: Default::default(),
        },
    )
}

/// One marker page of a task's list; `next_marker` is written as Transfer sends it (a
/// number, or null on the last page).
fn marker_list<T: Clone, L: serde::Serialize>(
    t: &Transfer,
    call: &Call<'_, Caller>,
    view: View,
    items: impl Fn(&TaskRecord) -> &Vec<T>,
    page: impl Fn(Vec<T>, Value) -> L,
) -> Handled {
    let req = call.req;
    let id = call.param("task_id")?;
    let store = lock(&t.tasks);
    let task = visible(t, &store, &call.caller, id, view, req)?;
    let list = items(task);
    let (start, end, next) = marker_page(req, list.len(), t.marker_page_size)?;
    let slice = list.get(start..end).unwrap_or_default();
    let mut body = document(&page(slice.to_vec(), json!(start)), &[]);
    body["next_marker"] = next;
    Ok(Reply::ok(&body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_filters_parse() {
        let f = parse_task_filter("type:TRANSFER,delete/status:ACTIVE/request_time:2020-01-01,").unwrap();
        assert_eq!(f.len(), 3);
        assert!(matches!(&f[0], TaskFilter::Types(v) if v == &["TRANSFER", "DELETE"]));
        assert!(parse_task_filter("owner:me").is_err());
        assert!(parse_task_filter("request_time:yesterday,").is_err());
    }
}

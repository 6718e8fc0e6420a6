//! Task submission: `submit_transfer` and `submit_delete` check the document, answer
//! `Duplicate` for a submission id already used, record the task and start its worker.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use chrono::Utc;

use super::checksum::Algorithm;
use super::errors::{self, bad_request, permission_denied};
use super::paths::Resolved;
use super::tasks::{Counters, Kind, Options, Rule, TaskRecord};
use super::{LocalCollection, Transfer, acls, collection, parse_time, resolve, worker, writable};
use crate::testing::local::core::{Caller, lock};
use crate::testing::local::http::{Reply, Request};
use crate::testing::local::plugin::{Call, Handled};
use crate::transfer::types;

/// One item of a transfer, resolved.
pub(super) struct TransferItem {
    pub src: Resolved,
    pub dst: Resolved,
    /// The paths as the user wrote them (reported back in successful transfers).
    pub src_path: String,
    pub dst_path: String,
    pub recursive: bool,
    pub external_checksum: Option<String>,
    pub algorithm: Algorithm,
}

/// What a worker runs.
pub(super) enum Job {
    Transfer {
        task_id: String,
        cancel: Arc<AtomicBool>,
        source: Box<LocalCollection>,
        destination: Box<LocalCollection>,
        items: Vec<TransferItem>,
        options: Options,
    },
    Delete {
        task_id: String,
        cancel: Arc<AtomicBool>,
        collection: LocalCollection,
        items: Vec<(Resolved, String)>,
        recursive: bool,
        ignore_missing: bool,
        interpret_globs: bool,
    },
}

/// How long a task may run when its document sets no deadline, as Globus: a day.
const DEFAULT_DEADLINE: chrono::TimeDelta = chrono::TimeDelta::hours(24);

/// A submission's answer: `202 Accepted` for a new task, `200` for a repeated submission
/// id (`Duplicate`). `resource` is the path as requested (`/v0.10/transfer`) and the task
/// link's `href` is the task's path under the same version (`/v0.10/task/<id>?format=json`),
/// as in the Python SDK's registered responses.
fn submission_result(
    task_id: &str,
    submission_id: &str,
    data_type: &str,
    code: &str,
    message: &str,
    req: &Request,
) -> Reply {
    let status = if code == "Accepted" { 202 } else { 200 };
    Reply::json(status, &types::SubmissionResult {
        code: Some(code.into()),
        data_type: Some(data_type.into()),
        message: Some(message.into()),
        request_id: Some(req.request_id.clone()),
        resource: Some(errors::resource(&req.path)),
        submission_id: submission_id.into(),
        task_id: task_id.into(),
        task_link: Some(types::TaskLink {
            data_type: Some("link".into()),
            href: Some(format!("{}/task/{task_id}?format=json", errors::version_prefix(&req.path))),
            rel: Some("related".into()),
            resource: Some("task".into()),
            title: Some("related task".into()),
            extra: Default::default(),
        }),
        extra: Default::default(),
    })
}

fn duplicate(t: &Transfer, caller: &Caller, submission_id: &str, data_type: &str, req: &Request) -> Option<Reply> {
    let store = lock(&t.tasks);
    let task = store.by_submission(&caller.identity_id, submission_id)?;
    let message = format!("A task with submission id '{submission_id}' was already submitted");
    Some(submission_result(&task.id, submission_id, data_type, "Duplicate", &message, req))
}

/// The task's deadline: the document's, or a day after the request.
fn deadline(d: Option<&str>, requested: chrono::DateTime<Utc>, req: &Request) -> Result<chrono::DateTime<Utc>, Reply> {
    match d.map(str::trim).filter(|d| !d.is_empty()) {
        None => Ok(requested + DEFAULT_DEADLINE),
        Some(d) => parse_time(d).ok_or_else(|| bad_request(format!("Invalid deadline {d:?}: use ISO 8601"), req)),
    }
}

fn new_record(kind: Kind, caller: &Caller, submission_id: &str, label: Option<String>) -> TaskRecord {
    TaskRecord {
        id: uuid::Uuid::new_v4().to_string(),
        seq: 0,
        kind,
        owner_id: caller.identity_id.clone(),
        owner_username: caller.username.clone(),
        submission_id: submission_id.to_string(),
        label,
        status: "ACTIVE",
        nice_status: Some("Queued"),
        fatal_error: None,
        request_time: Utc::now(),
        completion_time: None,
        deadline: None,
        source: (String::new(), String::new()),
        destination: None,
        options: Options::default(),
        counters: Counters::default(),
        events: Vec::new(),
        successful: Vec::new(),
        skipped: Vec::new(),
        cancel: Arc::new(AtomicBool::new(false)),
        canceled_by_admin: None,
        admin_paused: None,
        paused: false,
    }
}

/// Record the task (unless a concurrent request used its submission id first) and start
/// its worker.
fn start(t: &Transfer, record: TaskRecord, job: Job, data_type: &str, message: &str, req: &Request) -> Handled {
    let (task_id, submission_id) = (record.id.clone(), record.submission_id.clone());
    {
        let mut store = lock(&t.tasks);
        if let Some(first) = store.by_submission(&record.owner_id, &record.submission_id) {
            let message = format!("A task with submission id '{submission_id}' was already submitted");
            return Ok(submission_result(&first.id, &submission_id, data_type, "Duplicate", &message, req));
        }
        store.insert(record);
    }
    worker::spawn(t, job).map_err(|e| {
        if let Some(task) = lock(&t.tasks).get_mut(&task_id) {
            task.finish(Some(("ENDPOINT_ERROR", format!("the local Globus could not start the task: {e}"))));
        }
        errors::error(503, "ServiceUnavailable", format!("cannot start the task: {e}"), req)
    })?;
    Ok(submission_result(&task_id, &submission_id, data_type, "Accepted", message, req))
}

/// A new submission id.
pub(super) fn submission_id(_t: &Transfer, _call: &Call<'_, Caller>) -> Handled {
    Ok(Reply::ok(&types::SubmissionId {
        data_type: Some("submission_id".into()),
        value: uuid::Uuid::new_v4().to_string(),
        extra: Default::default(),
    }))
}

pub(super) fn submit_transfer(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    let (req, caller) = (call.req, &call.caller);
    let doc: types::TransferDocument = req.json().map_err(|e| bad_request(e, req))?;
    if let Some(dup) = duplicate(t, caller, &doc.submission_id, "transfer_result", req) {
        return Ok(dup);
    }
    if doc.data_type != "transfer" {
        return Err(bad_request(format!("Invalid DATA_TYPE {:?} for /transfer; use transfer", doc.data_type), req));
    }
    if doc.submission_id.trim().is_empty() {
        return Err(bad_request("submission_id is required: get one from /submission_id", req));
    }
    if doc.data.is_empty() {
        let msg = "A transfer requires at least one item";
        return Err(errors::error(400, "ClientError.BadRequest.NoTransferItems", msg, req));
    }
    let source = collection(t, &doc.source_endpoint, req)?.clone();
    let destination = writable(t, &doc.destination_endpoint, req)?.clone();
    if let Some(level) = doc.sync_level
        && !(0..=3).contains(&level)
    {
        return Err(bad_request(
            format!("Invalid sync_level {level}: use 0 (exists), 1 (size), 2 (mtime) or 3 (checksum)"),
            req,
        ));
    }
    let recursive_symlinks = doc.recursive_symlinks.clone().unwrap_or_else(|| "ignore".into());
    if !["ignore", "keep", "copy"].contains(&recursive_symlinks.as_str()) {
        return Err(bad_request(
            format!("Invalid recursive_symlinks {recursive_symlinks:?}: use ignore, keep or copy"),
            req,
        ));
    }
    let mut items = Vec::new();
    for item in &doc.data {
        if item.data_type != "transfer_item" {
            let msg = format!(
                "Unsupported item DATA_TYPE {:?}: the local Globus transfers transfer_item only",
                item.data_type
            );
            return Err(bad_request(msg, req));
        }
        let algorithm = match item.checksum_algorithm.as_deref() {
            None | Some("") => Algorithm::Md5,
            Some(name) => Algorithm::parse(name).ok_or_else(|| {
                bad_request(format!("Unsupported checksum_algorithm {name:?}: use MD5, SHA1, SHA256 or SHA512"), req)
            })?,
        };
        let (src, dst) = (resolve(&item.source_path, req)?, resolve(&item.destination_path, req)?);
        acls::check(t, &source, caller, &src, &item.source_path, false, req)?;
        acls::check(t, &destination, caller, &dst, &item.destination_path, true, req)?;
        if source.id == destination.id && src.overlaps(&dst) {
            let msg = format!("{} and {} overlap on the same collection", item.source_path, item.destination_path);
            return Err(bad_request(msg, req));
        }
        items.push(TransferItem {
            src,
            dst,
            src_path: item.source_path.clone(),
            dst_path: item.destination_path.clone(),
            recursive: item.recursive.unwrap_or(false),
            external_checksum: item.external_checksum.clone().filter(|c| !c.is_empty()).map(|c| c.to_ascii_lowercase()),
            algorithm,
        });
    }
    // On a guest collection, a task of someone other than its owner works inside the
    // directory of the rule that allows it, links met on the way included.
    let source = {
        let mut srcs: Vec<&mut Resolved> = items.iter_mut().map(|i| &mut i.src).collect();
        acls::task_view(t, &source, caller, &mut srcs, false, req)?
    };
    let destination = {
        let mut dsts: Vec<&mut Resolved> = items.iter_mut().map(|i| &mut i.dst).collect();
        acls::task_view(t, &destination, caller, &mut dsts, true, req)?
    };
    let options = Options {
        sync_level: doc.sync_level,
        verify_checksum: doc.verify_checksum.unwrap_or(false),
        preserve_timestamp: doc.preserve_timestamp.unwrap_or(false),
        encrypt_data: doc.encrypt_data.unwrap_or(false),
        skip_source_errors: doc.skip_source_errors.unwrap_or(false),
        fail_on_quota_errors: doc.fail_on_quota_errors.unwrap_or(false),
        delete_destination_extra: doc.delete_destination_extra.unwrap_or(false),
        recursive_symlinks,
        filter_rules: doc
            .filter_rules
            .iter()
            .map(|r| Rule {
                include: r.method == types::FilterRuleMethod::Include,
                kind: r.type_.map(|t| match t {
                    types::FilterRuleType::File => "file",
                    types::FilterRuleType::Dir => "dir",
                }),
                name: r.name.clone(),
            })
            .collect(),
    };
    let mut record = new_record(Kind::Transfer, caller, &doc.submission_id, doc.label.clone());
    record.deadline = Some(deadline(doc.deadline.as_deref(), record.request_time, req)?);
    record.source = (source.id.clone(), source.name.clone());
    record.destination = Some((destination.id.clone(), destination.name.clone()));
    record.options = options.clone();
    let job = Job::Transfer {
        task_id: record.id.clone(),
        cancel: record.cancel.clone(),
        source: Box::new(source),
        destination: Box::new(destination),
        items,
        options,
    };
    let message = "The transfer has been accepted and a task has been created and queued for execution";
    start(t, record, job, "transfer_result", message, req)
}

pub(super) fn submit_delete(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    let (req, caller) = (call.req, &call.caller);
    let doc: types::DeleteDocument = req.json().map_err(|e| bad_request(e, req))?;
    if let Some(dup) = duplicate(t, caller, &doc.submission_id, "delete_result", req) {
        return Ok(dup);
    }
    if doc.data_type != "delete" {
        return Err(bad_request(format!("Invalid DATA_TYPE {:?} for /delete; use delete", doc.data_type), req));
    }
    if doc.submission_id.trim().is_empty() {
        return Err(bad_request("submission_id is required: get one from /submission_id", req));
    }
    if doc.data.is_empty() {
        return Err(errors::error(
            400,
            "ClientError.BadRequest.NoDeleteItems",
            "A delete requires at least one item",
            req,
        ));
    }
    let target = writable(t, &doc.endpoint, req)?.clone();
    let mut items = Vec::new();
    for item in &doc.data {
        if item.data_type != "delete_item" {
            return Err(bad_request(format!("Invalid item DATA_TYPE {:?}: use delete_item", item.data_type), req));
        }
        let r = resolve(&item.path, req)?;
        acls::check(t, &target, caller, &r, &item.path, true, req)?;
        if r.is_root() {
            return Err(permission_denied("Denied by endpoint: the collection root cannot be deleted", req));
        }
        items.push((r, item.path.clone()));
    }
    let target = {
        let mut paths: Vec<&mut Resolved> = items.iter_mut().map(|(r, _)| r).collect();
        acls::task_view(t, &target, caller, &mut paths, true, req)?
    };
    let mut record = new_record(Kind::Delete, caller, &doc.submission_id, doc.label.clone());
    record.deadline = Some(deadline(doc.deadline.as_deref(), record.request_time, req)?);
    record.source = (target.id.clone(), target.name.clone());
    let job = Job::Delete {
        task_id: record.id.clone(),
        cancel: record.cancel.clone(),
        collection: target,
        items,
        recursive: doc.recursive.unwrap_or(false),
        ignore_missing: doc.ignore_missing.unwrap_or(false),
        interpret_globs: doc.interpret_globs.unwrap_or(false),
    };
    let message = "The delete has been accepted and a task has been created and queued for execution";
    start(t, record, job, "delete_result", message, req)
}

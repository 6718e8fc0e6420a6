//! Transfer over loopback HTTP: the requests the server receives, safe submission, waiting,
//! progress, retries, and every paginated operation walked over several pages.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::*;
use futures::{StreamExt, TryStreamExt};
use globus_sdk::authorizers::AccessTokenAuthorizer;
use globus_sdk::testing::{RecordedRequest, Reply, ScriptedServer};
use globus_sdk::transfer::{DeleteData, FilterRule, SyncLevel, TaskWait, TransferData, types};
use globus_sdk::transport::RetryPolicy;
use serde_json::{Value, json};

const EP: &str = "aa752cea-8222-5bc8-acd9-555b090c0ccb";

fn transfer(s: &ScriptedServer, retry: RetryPolicy) -> globus_sdk::transfer::Client {
    globus_sdk::transfer::Client::builder()
        .base_url(s.url())
        .authorizer(AccessTokenAuthorizer::new("transfer-token"))
        .retry_policy(retry)
        .timeout(Some(Duration::from_secs(10)))
        .build()
        .unwrap()
}

fn task(id: &str, status: &str, bytes: i64) -> Value {
    json!({"DATA_TYPE": "task", "task_id": id, "type": "TRANSFER", "status": status, "bytes_transferred": bytes,
           "files": 4, "files_transferred": bytes / 10, "subtasks_total": 4, "subtasks_succeeded": bytes / 10,
           "faults": 0, "nice_status": if status == "ACTIVE" { json!("OK") } else { Value::Null },
           "label": null, "some_future_field": {"x": 1}})
}

fn ok_result(code: &str) -> Reply {
    Reply::json(
        200,
        json!({"DATA_TYPE": "result", "code": code, "message": "done", "request_id": "r", "resource": "/x"}),
    )
}

#[tokio::test]
async fn file_operations_send_what_transfer_expects() {
    let s = server().await;
    let tc = transfer(&s, RetryPolicy::none());
    let base = format!("/v0.10/operation/endpoint/{EP}");

    s.once(
        "GET",
        &format!("{base}/ls"),
        Reply::json(200, json!({"DATA_TYPE": "file_list", "path": "/~/", "endpoint": EP, "DATA": [
            {"DATA_TYPE": "file", "name": "a.txt", "type": "file", "size": 12, "permissions": "0644",
             "last_modified": "2024-01-01 00:00:00+00:00", "link_target": null, "user": "u", "group": "g"},
            {"DATA_TYPE": "file", "name": "link", "type": "symlink", "size": 4, "link_target": "/~/a.txt", "new_kind": true}
        ]})),
    );
    let listing = tc
        .operation_ls()
        .endpoint_id(EP)
        .path("/~/")
        .show_hidden(0)
        .limit(10)
        .offset(5)
        .orderby("name ASC")
        .filter("name:~*.txt")
        .local_user("alice")
        .send()
        .await
        .unwrap();
    assert_eq!(listing.data.len(), 2);
    assert_eq!(listing.data[0].size, Some(12));
    assert_eq!(listing.data[1].type_, "symlink", "a kind the SDK does not know is kept as a string");
    assert_eq!(listing.data[1].link_target.as_deref(), Some("/~/a.txt"));
    assert_eq!(listing.data[1].extra["new_kind"], true, "unknown fields are kept");
    let q: HashMap<_, _> = s.requests()[0].query.iter().cloned().collect();
    for (k, v) in [
        ("path", "/~/"),
        ("show_hidden", "0"),
        ("limit", "10"),
        ("offset", "5"),
        ("orderby", "name ASC"),
        ("filter", "name:~*.txt"),
        ("local_user", "alice"),
    ] {
        assert_eq!(q.get(k).map(String::as_str), Some(v), "{k}");
    }
    assert_eq!(s.requests()[0].header("authorization"), Some("Bearer transfer-token"));

    s.once("POST", &format!("{base}/mkdir"), ok_result("DirectoryCreated"));
    let body = types::MkdirDocument::builder().path("/~/new dir/");
    tc.operation_mkdir().endpoint_id(EP).body(body).send().await.unwrap();
    assert_eq!(s.requests()[1].json(), json!({"DATA_TYPE": "mkdir", "path": "/~/new dir/"}));

    s.once("POST", &format!("{base}/rename"), ok_result("FileRenamed"));
    let body = types::RenameDocument::builder().old_path("/~/a").new_path("/~/b");
    tc.operation_rename().endpoint_id(EP).body(body).send().await.unwrap();
    assert_eq!(s.requests()[2].json(), json!({"DATA_TYPE": "rename", "old_path": "/~/a", "new_path": "/~/b"}));

    s.once(
        "GET",
        &format!("{base}/stat"),
        Reply::json(200, json!({"DATA_TYPE": "file", "name": "b", "type": "dir", "size": 4096})),
    );
    let stat = tc.operation_stat().endpoint_id(EP).path("/~/b").send().await.unwrap();
    assert_eq!(stat.type_, "dir");
    assert_eq!(s.requests()[3].query_param("path"), Some("/~/b"));
}

#[tokio::test]
async fn endpoint_search_and_management_requests() {
    let s = server().await;
    let tc = transfer(&s, RetryPolicy::none());
    s.once("GET", "/v0.10/endpoint_search", Reply::json(200, json!({"DATA_TYPE": "endpoint_list", "DATA": [{"DATA_TYPE": "endpoint", "id": EP, "display_name": "x", "entity_type": "GCSv5_mapped_collection"}], "has_next_page": false, "offset": 0, "limit": 100})));
    let found = tc
        .endpoint_search()
        .filter_fulltext("tutorial")
        .filter_scope("my-endpoints")
        .filter_owner_id("owner-1")
        .filter_host_endpoint("host-1")
        .filter_non_functional(1)
        .filter_entity_type("GCSv5_mapped_collection")
        .limit(100)
        .send()
        .await
        .unwrap();
    assert_eq!(found.data[0].id, EP);
    let q: HashMap<_, _> = s.requests()[0].query.iter().cloned().collect();
    assert_eq!(q["filter_fulltext"], "tutorial");
    assert_eq!(q["filter_scope"], "my-endpoints");
    assert_eq!(q["filter_owner_id"], "owner-1");
    assert_eq!(q["filter_host_endpoint"], "host-1");
    assert_eq!(q["filter_non_functional"], "1");
    assert_eq!(q["filter_entity_type"], "GCSv5_mapped_collection");

    s.once("POST", &format!("/v0.10/endpoint/{EP}/access"), Reply::json(201, json!({"DATA_TYPE": "access_create_result", "code": "Created", "access_id": 123, "message": "ok", "request_id": "r", "resource": "/x"})));
    let rule = types::AccessRuleCreate::builder()
        .principal_type("identity")
        .principal("id-1")
        .path("/shared/")
        .permissions("rw");
    let created = tc.add_endpoint_acl_rule().endpoint_id(EP).body(rule).send().await.unwrap();
    assert_eq!(created.access_id, json!(123));
    assert_eq!(
        s.requests()[1].json(),
        json!({"DATA_TYPE": "access", "principal_type": "identity", "principal": "id-1", "path": "/shared/", "permissions": "rw"})
    );

    s.once("PUT", "/v0.10/task/t-1", ok_result("Updated"));
    tc.update_task()
        .task_id("t-1")
        .body(types::TaskUpdate::builder().label("new label".to_string()))
        .send()
        .await
        .unwrap();
    assert_eq!(s.requests()[2].json(), json!({"DATA_TYPE": "task", "label": "new label"}));

    s.once("POST", "/v0.10/task/t-1/cancel", ok_result("Canceled"));
    let r = tc.cancel_task().task_id("t-1").send().await.unwrap();
    assert_eq!(r.code, "Canceled");

    s.once(
        "POST",
        "/v0.10/endpoint_manager/admin_cancel",
        Reply::json(202, json!({"DATA_TYPE": "admin_cancel", "id": 7, "done": false, "task_id_list": ["t-1"]})),
    );
    let body = types::AdminCancelRequest::builder().message("maintenance").task_id_list(vec!["t-1".to_string()]);
    tc.endpoint_manager_cancel_tasks().body(body).send().await.unwrap();
    assert_eq!(s.requests()[4].json(), json!({"message": "maintenance", "task_id_list": ["t-1"]}));
}

#[test]
fn documents_send_only_what_is_set() {
    let minimal = TransferData::new("src", "dst").add_item("/a", "/b", false).to_document("sub-1").unwrap();
    assert_eq!(
        serde_json::to_value(&minimal).unwrap(),
        json!({"DATA_TYPE": "transfer", "submission_id": "sub-1", "source_endpoint": "src", "destination_endpoint": "dst",
               "DATA": [{"DATA_TYPE": "transfer_item", "source_path": "/a", "destination_path": "/b"}]})
    );
    let deadline = chrono::DateTime::parse_from_rfc3339("2030-01-02T03:04:05Z").unwrap().to_utc();
    let mut full = TransferData::new("src", "dst")
        .submission_id("mine")
        .label("L")
        .sync_level(SyncLevel::Mtime)
        .verify_checksum(true)
        .preserve_timestamp(true)
        .encrypt_data(true)
        .deadline(deadline)
        .skip_source_errors(true)
        .fail_on_quota_errors(true)
        .delete_destination_extra(true)
        .notify_on_succeeded(false)
        .notify_on_failed(false)
        .notify_on_inactive(false)
        .source_local_user("s")
        .destination_local_user("d");
    full.exclude("*.tmp")
        .add_filter_rule(FilterRule { include: true, name: "keep".into(), directories: Some(true) })
        .add_item("/dir/", "/dir/", true)
        .add_item_with_checksum("/f", "/f", "abc123", "MD5");
    let v = serde_json::to_value(full.to_document("ignored").unwrap()).unwrap();
    assert_eq!(v["submission_id"], "mine");
    assert_eq!(v["sync_level"], 2);
    assert_eq!(v["deadline"], "2030-01-02T03:04:05Z");
    for k in [
        "verify_checksum",
        "preserve_timestamp",
        "encrypt_data",
        "skip_source_errors",
        "fail_on_quota_errors",
        "delete_destination_extra",
    ] {
        assert_eq!(v[k], true, "{k}");
    }
    for k in ["notify_on_succeeded", "notify_on_failed", "notify_on_inactive"] {
        assert_eq!(v[k], false, "{k}");
    }
    assert_eq!((v["source_local_user"].as_str(), v["destination_local_user"].as_str()), (Some("s"), Some("d")));
    assert_eq!(
        v["filter_rules"],
        json!([{"DATA_TYPE": "filter_rule", "method": "exclude", "name": "*.tmp"},
               {"DATA_TYPE": "filter_rule", "method": "include", "name": "keep", "type": "dir"}])
    );
    assert_eq!(v["DATA"][0]["recursive"], true);
    assert_eq!(v["DATA"][1]["external_checksum"], "abc123");
    assert_eq!(v["DATA"][1]["checksum_algorithm"], "MD5");
    assert!(TransferData::new("a", "b").to_document("x").is_err(), "no items");

    let mut del = DeleteData::new("ep").recursive(true).ignore_missing(true).interpret_globs(true).label("D");
    del.add_item("/x/*.log");
    assert_eq!(
        serde_json::to_value(del.to_document("sub-2").unwrap()).unwrap(),
        json!({"DATA_TYPE": "delete", "submission_id": "sub-2", "endpoint": "ep", "recursive": true, "ignore_missing": true,
               "interpret_globs": true, "label": "D", "DATA": [{"DATA_TYPE": "delete_item", "path": "/x/*.log"}]})
    );
}

/// A Transfer that creates a task per new submission id and answers a repeated one with the
/// first task, as Globus does. `lose_first` processes the first POST but loses its answer.
fn submission_server(s: &ScriptedServer, path: &'static str, lose_first: Reply) -> Arc<Mutex<HashMap<String, String>>> {
    s.once("GET", "/v0.10/submission_id", Reply::json(200, json!({"DATA_TYPE": "submission_id", "value": "sub-42"})));
    let tasks: Arc<Mutex<HashMap<String, String>>> = Arc::default();
    let seen = tasks.clone();
    let first = Mutex::new(Some(lose_first));
    s.always("POST", path, move |r: &RecordedRequest| {
        let sub = r.json()["submission_id"].as_str().unwrap_or_default().to_string();
        let mut tasks = seen.lock().unwrap();
        let n = tasks.len();
        let (task_id, code) = match tasks.get(&sub) {
            Some(t) => (t.clone(), "Duplicate"),
            None => {
                let t = format!("task-{n}");
                tasks.insert(sub.clone(), t.clone());
                (t, "Accepted")
            }
        };
        if let Some(lost) = first.lock().unwrap().take() {
            return lost;
        }
        Reply::json(202, json!({"DATA_TYPE": format!("{}_result", &path[7..]), "code": code, "task_id": task_id, "submission_id": sub,
                                "message": "ok", "request_id": "r", "resource": path}))
    });
    tasks
}

#[tokio::test]
async fn a_lost_submission_response_does_not_create_a_second_task() {
    for lost in [Reply::json(503, json!({"code": "ServiceUnavailable"})), Reply::drop_connection()] {
        let s = server().await;
        let tasks = submission_server(&s, "/v0.10/transfer", lost);
        let (policy, events) = fast_retries(3);
        let tc = transfer(&s, policy);
        let result = tc.submit_transfer(TransferData::new("a", "b").add_item("/x", "/y", false)).await.unwrap();
        assert_eq!(result.task_id, "task-0");
        assert_eq!(result.code.as_deref(), Some("Duplicate"), "the resend found the first task");
        assert_eq!(tasks.lock().unwrap().len(), 1, "one task");
        let posts = s.requests_to("POST", "/v0.10/transfer");
        assert_eq!(posts.len(), 2);
        assert_eq!(posts[0].json()["submission_id"], "sub-42");
        assert_eq!(posts[1].json()["submission_id"], "sub-42");
        assert_eq!(events.lock().unwrap().len(), 1);
    }
}

#[tokio::test]
async fn delete_submissions_are_safe_too() {
    let s = server().await;
    let tasks = submission_server(&s, "/v0.10/delete", Reply::drop_connection());
    let (policy, _) = fast_retries(3);
    let tc = transfer(&s, policy);
    let result = tc.submit_delete(DeleteData::new("ep").add_item("/old")).await.unwrap();
    assert_eq!((result.task_id.as_str(), tasks.lock().unwrap().len()), ("task-0", 1));
    // A submission id given by the caller is used as is, without asking for one.
    let s = server().await;
    submission_server(&s, "/v0.10/delete", Reply::json(202, json!({})));
    let tc = transfer(&s, RetryPolicy::none());
    let _ = tc.submit_delete(DeleteData::new("ep").submission_id("own").add_item("/old")).await;
    assert!(s.requests_to("GET", "/v0.10/submission_id").is_empty());
    assert_eq!(s.requests_to("POST", "/v0.10/delete")[0].json()["submission_id"], "own");
}

#[tokio::test]
async fn endpoint_errors_are_not_retried() {
    let s = server().await;
    s.always("GET", "/v0.10/task/t-1", |_| {
        Reply::json(502, json!({"code": "ExternalError.DirListingFailed.Connection", "message": "endpoint down", "request_id": "e1"}))
    });
    let (policy, _) = fast_retries(3);
    let tc = transfer(&s, policy);
    let e = tc.get_task().task_id("t-1").send().await.unwrap_err();
    assert_eq!(e.code(), Some("ExternalError.DirListingFailed.Connection"));
    assert_eq!(s.requests().len(), 1);
    // One answer: not retried by the transport, and not retryable by the caller either.
    assert!(!e.is_retryable(), "{e}");
    assert!(!e.to_string().contains("try again later"), "{e}");
    assert!(e.to_string().contains("will not help"), "{e}");

    let s = server().await;
    s.once("GET", "/v0.10/task/t-1", Reply::json(502, json!({"code": "EndpointError", "message": "x"})));
    let tc = transfer(&s, fast_retries(3).0);
    assert!(tc.get_task().task_id("t-1").send().await.is_err());
    assert_eq!(s.requests().len(), 1);

    // Other codes on the same status are retried.
    let s = server().await;
    s.once("GET", "/v0.10/task/t-1", Reply::json(502, json!({"code": "ServiceUnavailable"})));
    s.once("GET", "/v0.10/task/t-1", Reply::json(200, task("t-1", "SUCCEEDED", 40)));
    let tc = transfer(&s, fast_retries(3).0);
    tc.get_task().task_id("t-1").send().await.unwrap();
    assert_eq!(s.requests().len(), 2);
}

#[tokio::test]
async fn consent_required_lists_the_scopes() {
    let s = server().await;
    let scope = "urn:globus:auth:scope:transfer.api.globus.org:all[*https://auth.globus.org/scopes/c1/data_access]";
    s.once(
        "GET",
        &format!("/v0.10/operation/endpoint/{EP}/ls"),
        Reply::json(403, json!({"code": "ConsentRequired", "message": "Missing required data_access consent", "request_id": "r", "required_scopes": [scope], "resource": "/ls"})),
    );
    let tc = transfer(&s, RetryPolicy::none());
    let e = tc.operation_ls().endpoint_id(EP).send().await.unwrap_err();
    assert_eq!(e.code(), Some("ConsentRequired"));
    assert_eq!(e.authorization_requirements().unwrap().parameters.required_scopes, [scope]);
    assert_eq!(scope, globus_sdk::transfer::scopes::all_with_data_access(&["c1"]).to_string());
}

fn scripted_task(s: &ScriptedServer, statuses: &'static [(&'static str, i64)]) {
    let n = Mutex::new(0usize);
    s.always("GET", "/v0.10/task/t-9", move |_| {
        let mut n = n.lock().unwrap();
        let (status, bytes) = statuses[(*n).min(statuses.len() - 1)];
        *n += 1;
        Reply::json(200, task("t-9", status, bytes))
    });
}

#[tokio::test]
async fn task_wait_polls_until_done() {
    let s = server().await;
    scripted_task(&s, &[("ACTIVE", 10), ("ACTIVE", 20), ("SUCCEEDED", 40)]);
    let tc = transfer(&s, RetryPolicy::none());
    let t = tc.task_wait("t-9").timeout(Duration::from_secs(10)).poll_interval(Duration::from_millis(5)).await.unwrap();
    assert_eq!(t.status, "SUCCEEDED");
    assert!(t.is_finished() && t.is_succeeded() && !t.is_active());
    assert_eq!(s.requests().len(), 3);
    assert_eq!(t.extra["some_future_field"], json!({"x": 1}));
}

#[tokio::test]
async fn task_wait_gives_up_after_the_timeout() {
    let s = server().await;
    scripted_task(&s, &[("ACTIVE", 10)]);
    let tc = transfer(&s, RetryPolicy::none());
    let t =
        tc.task_wait("t-9").timeout(Duration::from_millis(60)).poll_interval(Duration::from_millis(10)).await.unwrap();
    assert_eq!(t.status, "ACTIVE");
    assert!(t.is_active() && !t.is_finished());
    assert!(s.requests().len() >= 2);
}

#[tokio::test]
async fn task_wait_with_the_longest_durations_does_not_overflow() {
    let s = server().await;
    scripted_task(&s, &[("ACTIVE", 10), ("ACTIVE", 20), ("FAILED", 20)]);
    let tc = transfer(&s, RetryPolicy::none());
    let t = tc.task_wait("t-9").timeout(Duration::MAX).poll_interval(Duration::from_millis(5)).await.unwrap();
    assert!(t.is_failed() && t.is_finished());
    assert_eq!(s.requests().len(), 3);
    // A task that is over at the first poll never sleeps, however long the interval.
    let t = tc.task_wait("t-9").timeout(Duration::MAX).poll_interval(Duration::MAX).await.unwrap();
    assert!(t.is_failed());
}

#[tokio::test]
async fn task_wait_defaults_and_an_inactive_task() {
    assert_eq!(
        (TaskWait::DEFAULT_TIMEOUT, TaskWait::DEFAULT_POLL_INTERVAL),
        (Duration::from_secs(10), Duration::from_secs(1))
    );
    let s = server().await;
    scripted_task(&s, &[("INACTIVE", 10)]);
    let tc = transfer(&s, RetryPolicy::none());
    let wait = tc.task_wait(String::from("t-9"));
    assert!(format!("{wait:?}").contains("timeout: 10s"), "{wait:?}");
    // An inactive task needs attention: the wait ends at once, and the task is not finished.
    let t = wait.await.unwrap();
    assert!(t.is_inactive() && !t.is_active() && !t.is_finished());
    assert_eq!(s.requests().len(), 1);
}

#[tokio::test]
async fn task_progress_streams_snapshots() {
    let s = server().await;
    scripted_task(&s, &[("ACTIVE", 10), ("ACTIVE", 20), ("ACTIVE", 30), ("SUCCEEDED", 40), ("SUCCEEDED", 40)]);
    let tc = transfer(&s, RetryPolicy::none());
    let snapshots: Vec<types::Task> =
        tc.task_progress(String::from("t-9"), Duration::from_millis(5)).try_collect().await.unwrap();
    let bytes: Vec<i64> = snapshots.iter().map(|t| t.bytes_transferred.unwrap()).collect();
    assert_eq!(bytes, [10, 20, 30, 40]);
    assert_eq!(snapshots.last().unwrap().status, "SUCCEEDED");
    assert_eq!(snapshots[1].subtasks_succeeded, Some(2));
    assert_eq!(s.requests().len(), 4, "no poll after the task finished");
}

// ---- every paginated operation, over several pages ----

const N: usize = 23;

fn offset_page(r: &RecordedRequest, make: fn(usize) -> Value, extra: fn(usize, usize) -> Value) -> Reply {
    let offset: usize = r.query_param("offset").map_or(0, |o| o.parse().unwrap());
    let limit: usize = r.query_param("limit").map_or(10, |l| l.parse().unwrap());
    let data: Vec<Value> = (offset..(offset + limit).min(N)).map(make).collect();
    let mut doc = json!({"DATA": data, "offset": offset, "limit": limit});
    for (k, v) in extra(offset, limit).as_object().unwrap() {
        doc[k] = v.clone();
    }
    Reply::json(200, doc)
}

fn marker_page(r: &RecordedRequest, make: fn(usize) -> Value) -> Reply {
    // Markers come back as numbers; the last page has a null marker.
    let from: usize = r.query_param("marker").map_or(0, |m| m.parse().unwrap());
    let data: Vec<Value> = (from..(from + 10).min(N)).map(make).collect();
    let next = if from + 10 < N { json!(from + 10) } else { Value::Null };
    Reply::json(200, json!({"DATA_TYPE": "successful_transfers", "DATA": data, "marker": from, "next_marker": next}))
}

fn tsk(i: usize) -> Value {
    task(&format!("t{i}"), "SUCCEEDED", 0)
}

fn event(i: usize) -> Value {
    json!({"DATA_TYPE": "event", "code": "STARTED", "description": format!("e{i}"), "details": "", "is_error": false, "time": "2024-01-01 00:00:00+00:00"})
}

fn endpoint(i: usize) -> Value {
    json!({"DATA_TYPE": "endpoint", "id": format!("ep{i}"), "display_name": format!("ep {i}")})
}

fn success(i: usize) -> Value {
    json!({"DATA_TYPE": "successful_transfer", "source_path": format!("/s/{i}"), "destination_path": format!("/d/{i}")})
}

fn skipped(i: usize) -> Value {
    json!({"DATA_TYPE": "skipped_error", "source_path": format!("/s/{i}"), "error_code": "PERMISSION_DENIED"})
}

async fn count<P: globus_sdk::paging::Page>(p: globus_sdk::paging::Paginator<P>) -> usize {
    p.items().try_collect::<Vec<_>>().await.unwrap().len()
}

#[tokio::test]
async fn every_paginated_operation_walks_all_pages() {
    let s = server().await;
    let tc = transfer(&s, RetryPolicy::none());
    s.always("GET", "/v0.10/task_list", |r| offset_page(r, tsk, |_, _| json!({"total": N, "DATA_TYPE": "task_list"})));
    s.always("GET", "/v0.10/task/t1/event_list", |r| offset_page(r, event, |_, _| json!({"total": N})));
    s.always("GET", "/v0.10/endpoint_manager/task/t1/event_list", |r| {
        offset_page(r, event, |_, _| json!({"total": N}))
    });
    s.always("GET", "/v0.10/endpoint_search", |r| offset_page(r, endpoint, |o, l| json!({"has_next_page": o + l < N})));
    s.always("GET", "/v0.10/task/t1/successful_transfers", |r| marker_page(r, success));
    s.always("GET", "/v0.10/task/t1/skipped_errors", |r| marker_page(r, skipped));
    s.always("GET", "/v0.10/endpoint_manager/task/t1/successful_transfers", |r| marker_page(r, success));
    s.always("GET", "/v0.10/endpoint_manager/task/t1/skipped_errors", |r| marker_page(r, skipped));
    s.always("GET", "/v0.10/endpoint_manager/task_list", |r| {
        let from: usize = r.query_param("last_key").map_or(0, |k| k.trim_start_matches("key-").parse().unwrap());
        let data: Vec<Value> = (from..(from + 10).min(N)).map(tsk).collect();
        Reply::json(
            200,
            json!({"DATA": data, "has_next_page": from + 10 < N, "last_key": format!("key-{}", from + 10)}),
        )
    });
    s.always("GET", &format!("/v0.10/endpoint/{EP}/shared_endpoint_list"), |r| {
        let from: usize = r.query_param("next_token").map_or(0, |k| k.parse().unwrap());
        let data: Vec<Value> = (from..(from + 10).min(N)).map(endpoint).collect();
        let next = if from + 10 < N { json!((from + 10).to_string()) } else { Value::Null };
        Reply::json(200, json!({"shared_endpoints": data, "next_token": next}))
    });
    let base = s.url();
    for path in ["/v2/tunnels", "/v2/tunnels/tun-1/events", "/v2/stream_access_points", "/v2/bookmarks"] {
        let base = base.clone();
        s.always("GET", path, move |r| {
            let page: usize = r.query_param("page_marker").map_or(0, |p| p.parse().unwrap());
            // Tunnel events have integer ids; the other resources have string ids.
            let data: Vec<Value> = (page * 10..(page * 10 + 10).min(N))
                .map(|i| {
                    let id = if path.ends_with("/events") { json!(i) } else { json!(format!("id-{i}")) };
                    json!({"type": "Thing", "id": id, "attributes": {}})
                })
                .collect();
            let next =
                if page * 10 + 10 < N { json!(format!("{base}{path}?page_marker={}", page + 1)) } else { Value::Null };
            Reply::json(200, json!({"data": data, "links": {"next": next}, "meta": {"request_id": "r"}}))
        });
    }

    assert_eq!(count(tc.task_list().filter("type:TRANSFER").limit(10).into_stream()).await, N);
    assert_eq!(count(tc.task_event_list().task_id("t1").limit(10).into_stream()).await, N);
    assert_eq!(count(tc.endpoint_manager_task_event_list().task_id("t1").limit(10).into_stream()).await, N);
    assert_eq!(count(tc.endpoint_search().filter_fulltext("x").limit(10).into_stream()).await, N);
    assert_eq!(count(tc.task_successful_transfers().task_id("t1").into_stream()).await, N);
    assert_eq!(count(tc.task_skipped_errors().task_id("t1").into_stream()).await, N);
    assert_eq!(count(tc.endpoint_manager_task_successful_transfers().task_id("t1").into_stream()).await, N);
    assert_eq!(count(tc.endpoint_manager_task_skipped_errors().task_id("t1").into_stream()).await, N);
    assert_eq!(count(tc.endpoint_manager_task_list().filter_status("SUCCEEDED").limit(10).into_stream()).await, N);
    assert_eq!(count(tc.get_shared_endpoint_list().endpoint_id(EP).max_results(10).into_stream()).await, N);
    assert_eq!(count(tc.list_tunnels().into_stream()).await, N);
    assert_eq!(count(tc.get_tunnel_events().tunnel_id("tun-1").into_stream()).await, N);
    assert_eq!(count(tc.list_stream_access_points().into_stream()).await, N);
    assert_eq!(count(tc.list_bookmarks().into_stream()).await, N);

    let pages_per_op = |path: &str| s.requests().iter().filter(|r| r.path == path).count();
    for path in [
        "/v0.10/task_list",
        "/v0.10/endpoint_search",
        "/v0.10/task/t1/successful_transfers",
        "/v0.10/endpoint_manager/task_list",
        "/v2/tunnels",
    ] {
        assert_eq!(pages_per_op(path), 3, "{path}: three pages");
    }
    let all = s.requests();
    let tl: Vec<&RecordedRequest> = all.iter().filter(|r| r.path == "/v0.10/task_list").collect();
    assert_eq!(tl[2].query_param("offset"), Some("20"));
    assert_eq!(tl[2].query_param("filter"), Some("type:TRANSFER"));
    let markers: Vec<Option<String>> = s
        .requests()
        .iter()
        .filter(|r| r.path == "/v0.10/task/t1/successful_transfers")
        .map(|r| r.query_param("marker").map(String::from))
        .collect();
    assert_eq!(markers, [None, Some("10".into()), Some("20".into())]);
}

#[tokio::test]
async fn a_link_to_another_host_is_refused() {
    let s = server().await;
    s.once("GET", "/v2/tunnels", Reply::json(200, json!({"data": [{"type": "Tunnel", "id": "1", "attributes": {}}], "links": {"next": "http://127.0.0.2:1/v2/tunnels?page_marker=1"}})));
    let tc = transfer(&s, RetryPolicy::none());
    let results: Vec<_> = tc.list_tunnels().into_stream().items().collect().await;
    assert_eq!(results.len(), 2);
    let e = results[1].as_ref().unwrap_err();
    assert!(e.to_string().contains("credentials only to the service's own host"), "{e}");
}

#[tokio::test]
async fn resubmitting_the_same_data_after_every_answer_was_lost_reuses_its_submission_id() {
    // The README's pattern: the call fails (every answer lost, no retries left), the caller
    // calls again with the same data. Transfer must see the same submission id both times.
    for (path, transfer_data) in [("/v0.10/transfer", true), ("/v0.10/delete", false)] {
        let s = server().await;
        let tasks = submission_server(&s, path, Reply::drop_connection());
        let tc = transfer(&s, RetryPolicy::none());
        let result = if transfer_data {
            let mut data = TransferData::new("a", "b");
            data.add_item("/x", "/y", false);
            assert!(tc.submit_transfer(&data).await.is_err(), "the first answer is lost");
            assert_eq!(data.get_submission_id(), Some("sub-42"), "the fetched id is kept in the data");
            tc.submit_transfer(&data).await.unwrap()
        } else {
            let mut data = DeleteData::new("ep");
            data.add_item("/old");
            assert!(tc.submit_delete(&data).await.is_err(), "the first answer is lost");
            let again = data.clone();
            tc.submit_delete(&again).await.unwrap()
        };
        assert_eq!(result.code.as_deref(), Some("Duplicate"), "{path}: the resend found the first task");
        assert_eq!(tasks.lock().unwrap().len(), 1, "{path}: one task");
        assert_eq!(s.requests_to("GET", "/v0.10/submission_id").len(), 1, "{path}: one id fetched");
    }
}

/// A generated type with an `extra` map: unknown fields kept, serde's errors for missing,
/// duplicate and mistyped fields, any input (bytes, reader, escaped keys).
#[test]
fn generated_types_decode_like_serde_says() {
    let doc = json!({"DATA_TYPE": "task", "task_id": "t-1", "type": "TRANSFER", "status": "ACTIVE",
                     "files": 3, "label": null, "brand_new": {"nested": [1, 2]}, "extra": "a field named extra"});
    let task: types::Task = serde_json::from_value(doc.clone()).unwrap();
    assert_eq!((task.task_id.as_str(), task.files, task.label.as_deref()), ("t-1", Some(3), None));
    assert_eq!(task.data_type.as_deref(), Some("task"));
    assert_eq!(task.extra.len(), 2, "{:?}", task.extra);
    assert_eq!(task.extra["brand_new"], json!({"nested": [1, 2]}));
    assert_eq!(task.extra["extra"], json!("a field named extra"));
    // Serializing and decoding again gives the same value; so do bytes, a reader (keys never
    // borrowed) and keys written with escapes.
    assert_eq!(serde_json::from_value::<types::Task>(serde_json::to_value(&task).unwrap()).unwrap(), task);
    let bytes = serde_json::to_vec(&doc).unwrap();
    assert_eq!(serde_json::from_slice::<types::Task>(&bytes).unwrap(), task);
    assert_eq!(serde_json::from_reader::<_, types::Task>(&bytes[..]).unwrap(), task);
    let escaped = String::from_utf8(bytes).unwrap().replace("\"task_id\"", "\"task\\u005fid\"");
    assert_eq!(serde_json::from_str::<types::Task>(&escaped).unwrap(), task);

    let error = |doc: Value| serde_json::from_value::<types::Task>(doc).unwrap_err().to_string();
    assert_eq!(error(json!({"type": "TRANSFER", "status": "ACTIVE"})), "missing field `task_id`");
    assert!(
        error(json!({"task_id": "t", "type": "T", "status": "S", "files": "three"}))
            .contains("invalid type: string \"three\", expected i64")
    );
    assert_eq!(error(json!([1, 2])), "invalid type: sequence, expected struct Task");
    let duplicate = r#"{"task_id": "t", "type": "T", "status": "S", "status": "again"}"#;
    assert!(
        serde_json::from_str::<types::Task>(duplicate).unwrap_err().to_string().starts_with("duplicate field `status`")
    );
    // A page: its entries decode the same way; the error points at the end of the entry.
    let page = r#"{"DATA": [{"task_id": "a", "type": "T", "status": "S"}, {"type": "T", "status": "S"}]}"#;
    let e = serde_json::from_str::<types::TaskList>(page).unwrap_err();
    assert_eq!((e.to_string().starts_with("missing field `task_id`"), e.line(), e.column()), (true, 1, 84));
}

//! Compute over loopback HTTP: the requests the service receives, serialized code, arguments
//! and results carried byte for byte, the AMQP credentials kept secret, and waiting for a batch
//! of tasks with one batch-status request per poll.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::*;
use globus_sdk::authorizers::AccessTokenAuthorizer;
use globus_sdk::compute::Client;
use globus_sdk::testing::{RecordedRequest, Reply, ScriptedServer};
use globus_sdk::transport::RetryPolicy;
use serde_json::{Value, json};

const EP: &str = "5e3a7f2e-0000-4000-8000-000000000002";
const FN: &str = "2b8cb6c4-0000-4000-8000-000000000001";

/// A serialized payload as the Globus Compute SDK makes them: header lines, then data that is
/// JSON-hostile (quotes, backslashes, newlines, non-ASCII).
const SERIALIZED: &str = "410\n10\n04\n:gASVQAAAAAAAAACM\"quoted\" \\back\\slash é ✓\n";

fn compute(s: &ScriptedServer) -> Client {
    Client::builder()
        .base_url(s.url())
        .authorizer(AccessTokenAuthorizer::new("COMPUTE-TOKEN"))
        .retry_policy(RetryPolicy::none())
        .timeout(Some(Duration::from_secs(10)))
        .build()
        .unwrap()
}

#[tokio::test]
async fn endpoints_functions_and_versions() {
    let s = server().await;
    let cc = compute(&s);

    s.once("GET", "/v2/version", Reply::json(200, json!("1.23.0")));
    s.once("GET", "/v2/version", Reply::json(200, json!({"api": "1.23.0", "min_sdk_version": "1.0.0a6"})));
    assert_eq!(cc.v2_get_version().send().await.unwrap().0, json!("1.23.0"));
    let all = cc.v2_get_version().service("all").send().await.unwrap();
    assert_eq!(all.0["api"], "1.23.0");
    assert_eq!(s.requests()[0].query_param("service"), None);
    assert_eq!(s.requests()[1].query_param("service"), Some("all"));
    assert_eq!(s.requests()[0].header("authorization"), Some("Bearer COMPUTE-TOKEN"));

    s.once(
        "GET",
        "/v2/endpoints",
        Reply::json(200, json!([{"uuid": EP, "name": "ep", "display_name": "Ep", "owner": "o", "new": 1}])),
    );
    let list = cc.v2_get_endpoints().role("any").send().await.unwrap();
    assert_eq!(list[0].uuid, EP);
    assert_eq!(s.requests()[2].query_param("role"), Some("any"));

    s.once(
        "GET",
        &format!("/v2/endpoints/{EP}"),
        Reply::json(200, json!({"uuid": EP, "name": "ep", "multi_user": false, "user_config_template": {"a": 1}, "endpoint_config": "engine: x"})),
    );
    let ep = cc.v2_get_endpoint().endpoint_id(EP).send().await.unwrap();
    assert_eq!(ep.user_config_template, Some(json!({"a": 1})), "a template the service sends as an object is kept");

    s.once(
        "GET",
        &format!("/v2/endpoints/{EP}/status"),
        Reply::json(200, json!({"status": "online", "details": {"total_workers": 1}})),
    );
    assert_eq!(cc.v2_get_endpoint_status().endpoint_id(EP).send().await.unwrap().status.as_deref(), Some("online"));

    // v2 answers the lock's expiry as an ISO string, v3 as a UNIX time: both decode.
    s.once(
        "POST",
        &format!("/v2/endpoints/{EP}/lock"),
        Reply::json(200, json!({"endpoint_id": EP, "lock_expiration_timestamp": "2021-07-01T00:00:00"})),
    );
    s.once(
        "POST",
        &format!("/v3/endpoints/{EP}/lock"),
        Reply::json(200, json!({"endpoint_id": EP, "lock_expiration_timestamp": 1625097600.5})),
    );
    cc.v2_lock_endpoint().endpoint_id(EP).send().await.unwrap();
    let lock = cc.v3_lock_endpoint().endpoint_id(EP).send().await.unwrap();
    assert_eq!(lock.lock_expiration_timestamp, Some(json!(1625097600.5)));

    s.once(
        "GET",
        &format!("/v3/endpoints/{EP}/allowed_functions"),
        Reply::json(200, json!({"endpoint_id": EP, "restricted": true, "functions": [FN]})),
    );
    let allowed = cc.v3_get_endpoint_allowlist().endpoint_id(EP).send().await.unwrap().into_inner();
    assert_eq!((allowed.restricted, allowed.functions), (Some(true), Some(vec![FN.to_string()])));

    s.once("DELETE", &format!("/v2/endpoints/{EP}"), Reply::json(200, json!({"result": 302})));
    s.once("DELETE", &format!("/v3/endpoints/{EP}"), Reply::json(200, json!({})));
    assert_eq!(cc.v2_delete_endpoint().endpoint_id(EP).send().await.unwrap().result, Some(json!(302)));
    cc.v3_delete_endpoint().endpoint_id(EP).send().await.unwrap();

    // Function code is sent and received exactly as serialized.
    s.once("POST", "/v3/functions", Reply::json(200, json!({"function_uuid": FN})));
    let registered = cc
        .v3_register_function()
        .body_map(|b| {
            b.function_name("howdy")
                .function_code(SERIALIZED)
                .meta(serde_json::Map::from_iter([("python_version".to_string(), json!("3.12.6"))]))
        })
        .send()
        .await
        .unwrap();
    assert_eq!(registered.function_uuid.as_deref(), Some(FN));
    let sent = s.requests().last().unwrap().json();
    assert_eq!(
        sent,
        json!({"function_name": "howdy", "function_code": SERIALIZED, "meta": {"python_version": "3.12.6"}})
    );

    s.once("POST", "/v2/functions", Reply::json(200, json!({"function_uuid": FN})));
    cc.v2_register_function()
        .body_map(|b| b.function_name("f").function_code(SERIALIZED).public(true))
        .send()
        .await
        .unwrap();
    assert_eq!(s.requests().last().unwrap().json()["function_code"], SERIALIZED);

    s.once(
        "GET",
        &format!("/v2/functions/{FN}"),
        Reply::json(200, json!({"function_uuid": FN, "function_code": SERIALIZED, "metadata": {}})),
    );
    assert_eq!(cc.v2_get_function().function_id(FN).send().await.unwrap().function_code.as_deref(), Some(SERIALIZED));
    s.once("DELETE", &format!("/v2/functions/{FN}"), Reply::json(200, json!({"result": 302})));
    cc.v2_delete_function().function_id(FN).send().await.unwrap();
}

#[tokio::test]
async fn submissions_tasks_and_results_are_carried_as_they_are() {
    let s = server().await;
    let cc = compute(&s);

    s.once(
        "POST",
        &format!("/v3/endpoints/{EP}/submit"),
        Reply::json(
            200,
            json!({"request_id": "r", "task_group_id": "g", "endpoint_id": EP, "tasks": {FN: ["t1", "t2"]}}),
        ),
    );
    let submitted = cc
        .v3_submit()
        .endpoint_id(EP)
        .body_map(|b| {
            b.tasks(HashMap::from([(FN.to_string(), vec![SERIALIZED.to_string(), "second".to_string()])]))
                .create_queue(false)
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(submitted.tasks.unwrap()[FN], ["t1", "t2"]);
    let sent = s.requests()[0].json();
    assert_eq!(sent, json!({"tasks": {FN: [SERIALIZED, "second"]}, "create_queue": false}));

    s.once(
        "POST",
        "/v2/submit",
        Reply::json(
            200,
            json!({"response": "success", "task_group_id": "g", "results": [
            {"http_status_code": 200, "reason": null, "status": "success", "task_uuid": "t1"}, "an error string"]}),
        ),
    );
    let v2 = cc
        .v2_submit()
        .body_map(|b| b.tasks(vec![vec![FN.to_string(), EP.to_string(), SERIALIZED.to_string()]]))
        .send()
        .await
        .unwrap()
        .into_inner();
    let results = v2.results.unwrap();
    assert_eq!(results[0].0["task_uuid"], "t1");
    assert_eq!(results[1].0, json!("an error string"));
    assert_eq!(s.requests()[1].json(), json!({"tasks": [[FN, EP, SERIALIZED]]}));

    s.once(
        "GET",
        "/v2/tasks/t1",
        Reply::json(200, json!({"task_id": "t1", "status": "success", "result": SERIALIZED, "completion_t": "1677183605.212898", "details": {"os": "Linux"}})),
    );
    let task = cc.v2_get_task().task_id("t1").send().await.unwrap();
    assert_eq!(task.result.as_deref(), Some(SERIALIZED), "the serialized result is returned byte for byte");
    assert!(task.is_finished() && task.is_success());

    s.once(
        "GET",
        "/v2/taskgroup/g",
        Reply::json(200, json!({"taskgroup_id": "g", "tasks": [{"id": "t1", "created_at": "x"}]})),
    );
    assert_eq!(
        cc.v2_get_task_group().task_group_id("g").send().await.unwrap().into_inner().tasks.unwrap()[0].id.as_deref(),
        Some("t1")
    );
}

/// A batch-status handler: each task ends at the poll given in `ends` (0 = the first poll),
/// failing when its name starts with `bad`; the requests are counted by the server.
fn batch_status(ends: &'static [(&'static str, usize)]) -> impl Fn(&RecordedRequest) -> Reply + Send + Sync {
    let polls = Arc::new(Mutex::new(0usize));
    move |r: &RecordedRequest| {
        let mut n = polls.lock().unwrap();
        let poll = *n;
        *n += 1;
        let asked: Vec<String> = serde_json::from_value(r.json()["task_ids"].clone()).unwrap();
        let mut results = serde_json::Map::new();
        for id in asked {
            let Some((_, end)) = ends.iter().find(|(t, _)| *t == id) else { continue };
            let task = if poll >= *end {
                if id.starts_with("bad") {
                    json!({"task_id": id, "status": "failed", "exception": "Traceback...", "completion_t": 1.5})
                } else {
                    json!({"task_id": id, "status": "success", "result": format!("{SERIALIZED}{id}"), "completion_t": "2.5"})
                }
            } else {
                json!({"task_id": id, "status": if poll == 0 { "waiting-for-ep" } else { "running" }, "pending": true})
            };
            results.insert(id, task);
        }
        Reply::json(200, json!({"response": "batch", "results": results}))
    }
}

#[tokio::test]
async fn waiting_for_a_batch_polls_once_per_round_for_the_unfinished_tasks() {
    let s = server().await;
    let cc = compute(&s);
    s.always("POST", "/v2/batch_status", batch_status(&[("t1", 0), ("t2", 1), ("bad3", 2), ("t4", 2)]));
    let batch = cc
        .wait_for_tasks(["t1", "t2", "bad3", "t4", "t2"])
        .poll_interval(Duration::from_millis(5))
        .timeout(Duration::from_secs(10))
        .await
        .unwrap();
    assert!(batch.is_complete());
    assert!(batch.pending().is_empty());
    assert_eq!(batch.tasks.len(), 4);
    assert_eq!(batch.get("t4").unwrap().result.as_deref(), Some(&*format!("{SERIALIZED}t4")));
    assert!(batch.get("bad3").unwrap().is_failed());

    let polls = s.requests_to("POST", "/v2/batch_status");
    assert_eq!(polls.len(), 3, "one request per poll, not one per task");
    assert_eq!(s.requests().len(), 3, "and nothing else");
    let asked: Vec<Value> = polls.iter().map(|r| r.json()["task_ids"].clone()).collect();
    assert_eq!(asked[0], json!(["t1", "t2", "bad3", "t4"]), "each task once, in order");
    assert_eq!(asked[1], json!(["t2", "bad3", "t4"]), "finished tasks are not asked for again");
    assert_eq!(asked[2], json!(["bad3", "t4"]));
    for r in &polls {
        assert_eq!(r.header("authorization"), Some("Bearer COMPUTE-TOKEN"));
    }
}

#[tokio::test]
async fn a_batch_wait_stops_at_its_timeout_with_the_pending_tasks() {
    let s = server().await;
    let cc = compute(&s);
    // "never" ends at poll 10_000; "quick" at the first; "ghost" is never reported at all.
    s.always("POST", "/v2/batch_status", batch_status(&[("quick", 0), ("never", 10_000)]));
    let started = std::time::Instant::now();
    let batch = cc
        .wait_for_tasks(vec!["quick".to_string(), "never".to_string(), "ghost".to_string()])
        .poll_interval(Duration::from_millis(20))
        .timeout(Duration::from_millis(150))
        .await
        .unwrap();
    let waited = started.elapsed();
    assert!(!batch.is_complete());
    assert_eq!(batch.pending(), ["never", "ghost"]);
    assert!(batch.get("quick").unwrap().is_success());
    assert_eq!(batch.get("never").unwrap().status.as_deref(), Some("running"));
    assert!(batch.get("ghost").is_none());
    assert!(waited >= Duration::from_millis(150) && waited < Duration::from_secs(5), "waited {waited:?}");
    let polls = s.requests_to("POST", "/v2/batch_status").len();
    assert!((3..=12).contains(&polls), "about timeout / interval polls, not a busy loop: {polls}");
}

#[tokio::test]
async fn an_empty_batch_sends_nothing_and_errors_end_the_wait() {
    let s = server().await;
    let cc = compute(&s);
    let batch = cc.wait_for_tasks(Vec::<String>::new()).await.unwrap();
    assert!(batch.is_complete() && batch.tasks.is_empty());
    assert!(s.requests().is_empty());

    s.always("POST", "/v2/batch_status", |_| Reply::json(403, json!({"code": "FORBIDDEN", "message": "not yours"})));
    let e = cc.wait_for_tasks(["t1"]).poll_interval(Duration::from_millis(1)).await.unwrap_err();
    assert_eq!((e.http_status(), e.code()), (Some(403), Some("FORBIDDEN")));
    assert_eq!(s.requests().len(), 1);
}

#[test]
fn amqp_credentials_stay_out_of_debug_and_logs() {
    run_alone("compute::amqp_credentials_stay_out_of_debug_and_logs_alone");
}

#[test]
#[ignore = "runs in its own process, started by amqp_credentials_stay_out_of_debug_and_logs"]
fn amqp_credentials_stay_out_of_debug_and_logs_alone() {
    assert_alone("compute::amqp_credentials_stay_out_of_debug_and_logs_alone");
    let logs = TraceLogs::capture();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let debug = rt.block_on(async {
        let s = server().await;
        let cc = compute(&s);
        let queue = json!({"connection_url": "amqps://user:AMQP-LEAK-CHECK@mq.example.org", "exchange": "x", "queue": "q",
                           "queue_publish_kwargs": {}, "extra_secret": "AMQP-LEAK-CHECK"});
        s.always("GET", "/v2/get_amqp_result_connection_url", |_| {
            Reply::json(200, json!({"connection_url": "amqps://user:AMQP-LEAK-CHECK@amqp.example.org", "queue_prefix": "p"}))
        });
        s.always("POST", "/v3/endpoints", move |_| {
            Reply::json(200, json!({"endpoint_id": EP, "task_queue_info": queue, "result_queue_info": queue}))
        });
        let url = cc.v2_get_result_amqp_url().send().await.unwrap().into_inner();
        assert!(url.connection_url.as_ref().unwrap().expose().contains("AMQP-LEAK-CHECK"), "readable on purpose");
        let registered = cc.v3_register_endpoint().body_map(|b| b.endpoint_name("ep")).send().await.unwrap().into_inner();
        assert_eq!(registered.endpoint_id.as_deref(), Some(EP));
        format!("{url:?} {registered:?}")
    });
    let logs = logs.text();
    assert!(logs.contains("globus_request"), "requests were traced: {logs}");
    assert!(!logs.contains("AMQP-LEAK-CHECK"), "AMQP credentials in logs: {logs}");
    assert!(!debug.contains("AMQP-LEAK-CHECK"), "AMQP credentials in Debug output: {debug}");
}

//! The local Globus's Flows, through the SDK's Flows client and SpecificFlowClient over HTTP:
//! a flow that lists a collection and transfers what it found really runs (the files arrive,
//! the logs tell each state), Choice and Fail, cancel, an INACTIVE run resumed, definitions
//! refused as Flows refuses them, hostile input, the engine stopping with the server, tokens
//! found by resource server through an app's token storage, and the Python SDK's FlowsClient
//! and SpecificFlowClient driving it through `LocalGlobus::env_vars` alone.

use std::path::Path;
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use globus_sdk::authorizers::AccessTokenAuthorizer;
use globus_sdk::flows::{self, SpecificFlowClient, check_definition};
use globus_sdk::testing::LocalGlobus;
use globus_sdk::transport::RetryPolicy;
use serde_json::{Map, Value, json};

const USER: &str = "testuser@example.org";
const OTHER: &str = "other@example.org";

fn other_id(local: &LocalGlobus) -> String {
    local.identities().into_iter().find(|i| i.username == OTHER).unwrap().id
}
/// How long a test waits for a run (each state takes milliseconds).
const PATIENCE: Duration = Duration::from_secs(60);

fn object(v: Value) -> Map<String, Value> {
    v.as_object().cloned().expect("an object")
}

struct Env {
    local: LocalGlobus,
    flows: flows::Client,
    flows_token: String,
    src: String,
    dst: String,
}

async fn env() -> Env {
    let local = LocalGlobus::builder().user(OTHER, "Other User").start().await.unwrap();
    let src = local.collection("source").unwrap().id().to_string();
    let dst = local.collection("destination").unwrap().id().to_string();
    let tokens =
        local.issue_tokens(local.native_client().id(), USER, &flows::scopes::all().to_string(), false).unwrap();
    let by_rs = tokens.by_resource_server();
    // Real Auth names Flows' resource server `flows.globus.org`: so does the local one.
    let flows_token = by_rs["flows.globus.org"].access_token.expose().to_string();
    let flows = flows_client(&local, &flows_token);
    Env { local, flows, flows_token, src, dst }
}

fn flows_client(local: &LocalGlobus, token: &str) -> flows::Client {
    flows::Client::builder()
        .config(local.config())
        .authorizer(AccessTokenAuthorizer::new(token.to_string()))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

fn write(root: &Path, rel: &str, content: &[u8]) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, content).unwrap();
}

/// The flow of the tests: list a directory, transfer it if it holds anything, end with the
/// task's outcome (or fail when the directory is empty).
fn ls_then_transfer() -> Value {
    json!({
        "Comment": "List, then copy what was found",
        "StartAt": "List",
        "States": {
            "List": {
                "Type": "Action",
                "ActionUrl": "https://actions.globus.org/transfer/ls",
                "Parameters": {"endpoint_id.$": "$.source", "path.$": "$.path"},
                "ResultPath": "$.listing",
                "Next": "AnythingThere"
            },
            "AnythingThere": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.listing.details.DATA[0].name", "IsPresent": true, "Next": "Copy"}],
                "Default": "NothingToCopy"
            },
            "Copy": {
                "Type": "Action",
                "ActionUrl": "https://actions.globus.org/transfer/transfer",
                "Parameters": {
                    "source_endpoint_id.$": "$.source",
                    "destination_endpoint_id.$": "$.destination",
                    "label": "copied by a flow",
                    "transfer_items": [{
                        "source_path.$": "$.listing.details.absolute_path",
                        "destination_path.$": "$.destination_path",
                        "recursive": true
                    }]
                },
                "ResultPath": "$.copied",
                "Next": "Outcome"
            },
            "Outcome": {
                "Type": "Pass",
                "Parameters": {"task_id.$": "$.copied.details.task_id", "status.$": "$.copied.details.status"},
                "ResultPath": "$.outcome",
                "End": true
            },
            "NothingToCopy": {"Type": "Fail", "Error": "NothingToCopy", "Cause": "the directory is empty"}
        }
    })
}

impl Env {
    async fn create(&self, title: &str, definition: Value) -> String {
        let created = self
            .flows
            .create_flow()
            .body_map(|b| b.title(title).definition(object(definition)).input_schema(Map::new()))
            .send()
            .await
            .unwrap();
        created.id.clone()
    }

    /// A client for the flow, with a token for the flow's own scope (whose resource server
    /// is the flow's id).
    fn specific(&self, flow_id: &str) -> SpecificFlowClient {
        let scope = flows::scopes::specific_flow(flow_id).to_string();
        let tokens = self.local.issue_tokens(self.local.native_client().id(), USER, &scope, false).unwrap();
        let token = tokens.by_resource_server()[flow_id].access_token.expose().to_string();
        SpecificFlowClient::from_flows_client(&self.flows, flow_id, AccessTokenAuthorizer::new(token))
    }

    async fn wait_for(&self, run_id: &str, what: &str, done: impl Fn(&str) -> bool) -> flows::types::Run {
        let until = Instant::now() + PATIENCE;
        loop {
            let run = self.flows.get_run().run_id(run_id).send().await.unwrap();
            if done(&run.status) {
                return run.into_inner();
            }
            assert!(Instant::now() < until, "{what}: the run is still {} ({:?})", run.status, run.details);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn log_codes(&self, run_id: &str) -> Vec<String> {
        let entries: Vec<_> =
            self.flows.get_run_logs().run_id(run_id).limit(3).into_stream().items().try_collect().await.unwrap();
        entries.iter().map(|e| e.code.clone().unwrap_or_default()).collect()
    }

    fn copy_input(&self, path: &str, destination_path: &str) -> Map<String, Value> {
        object(json!({"source": self.src, "destination": self.dst, "path": path, "destination_path": destination_path}))
    }
}

fn finished(s: &str) -> bool {
    s == "SUCCEEDED" || s == "FAILED"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flow_lists_a_collection_and_transfers_what_it_found() {
    let e = env().await;
    let src_root = e.local.collection("source").unwrap().root().to_path_buf();
    let dst_root = e.local.collection("destination").unwrap().root().to_path_buf();
    write(&src_root, "data/a.txt", b"alpha\n");
    write(&src_root, "data/sub/b.txt", b"beta\n");
    let flow_id = e.create("copy what is there", ls_then_transfer()).await;
    let flow = e.flows.get_flow().flow_id(&flow_id).send().await.unwrap();
    assert_eq!(flow.globus_auth_scope.as_deref(), Some(flows::scopes::specific_flow(&flow_id).to_string().as_str()));
    assert_eq!(flow.user_role.as_deref(), Some("flow_owner"));

    let specific = e.specific(&flow_id);
    let started = specific
        .run_flow(e.copy_input("/data/", "/copied/"))
        .body_map(|b| b.label("nightly copy".to_string()).tags(vec!["nightly".to_string()]))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status, "ACTIVE");
    assert_eq!(started.flow_id, flow_id);
    let run = e.wait_for(&started.run_id, "the copy", finished).await;
    assert_eq!(run.status, "SUCCEEDED", "{:?}", run.details);
    assert_eq!(run.label.as_deref(), Some("nightly copy"));
    let output = &run.details.as_ref().unwrap()["output"];
    assert_eq!(output["outcome"]["status"], "SUCCEEDED", "{output}");
    let names: Vec<&str> =
        output["listing"]["details"]["DATA"].as_array().unwrap().iter().map(|d| d["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&"a.txt") && names.contains(&"sub"), "{names:?}");
    assert_eq!(std::fs::read(dst_root.join("copied/a.txt")).unwrap(), b"alpha\n");
    assert_eq!(std::fs::read(dst_root.join("copied/sub/b.txt")).unwrap(), b"beta\n");

    // The task is the user's, on the local Transfer: the flow acted as the run's user.
    let task_id = output["outcome"]["task_id"].as_str().unwrap();
    assert!(e.local.requests().iter().any(|r| r.service == "transfer" && r.path == format!("/v0.10/task/{task_id}")));

    // The logs tell each state, a page of three at a time.
    assert_eq!(
        e.log_codes(&run.run_id).await,
        [
            "FlowStarted",
            "ActionStarted",
            "ActionCompleted",
            "ChoiceStarted",
            "ChoiceCompleted",
            "ActionStarted",
            "ActionCompleted",
            "PassStarted",
            "PassCompleted",
            "FlowSucceeded"
        ]
    );
    let newest = e.flows.get_run_logs().run_id(&run.run_id).reverse_order(true).limit(1).send().await.unwrap();
    assert_eq!(newest.entries[0].code.as_deref(), Some("FlowSucceeded"));
    assert_eq!(newest.has_next_page, Some(true));

    // The run is listed, with its definition.
    let listed = e.flows.list_runs().filter_status("SUCCEEDED").filter_flow_id(&flow_id).send().await.unwrap();
    assert_eq!(listed.runs.iter().map(|r| r.run_id.as_str()).collect::<Vec<_>>(), [run.run_id.as_str()]);
    let none = e.flows.list_runs().filter_status("FAILED").send().await.unwrap();
    assert!(none.runs.is_empty());
    let definition = e.flows.get_run_definition().run_id(&run.run_id).send().await.unwrap();
    assert_eq!(Value::Object(definition.definition.clone().unwrap()), ls_then_transfer());

    // An empty directory takes the Choice's default: the Fail state.
    std::fs::create_dir_all(src_root.join("empty")).unwrap();
    let empty = specific.run_flow(e.copy_input("/empty/", "/nothing/")).send().await.unwrap();
    let empty = e.wait_for(&empty.run_id, "the empty copy", finished).await;
    assert_eq!(empty.status, "FAILED");
    assert_eq!(empty.details.as_ref().unwrap()["error"]["Error"], "NothingToCopy");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_and_ingest_actions_act_on_the_local_services() {
    let e = env().await;
    let src_root = e.local.collection("source").unwrap().root().to_path_buf();
    write(&src_root, "old/z.txt", b"stale\n");
    let search_scope = "urn:globus:auth:scope:search.api.globus.org:all";
    let tokens = e.local.issue_tokens(e.local.native_client().id(), USER, search_scope, false).unwrap();
    let search = globus_sdk::search::Client::builder()
        .config(e.local.config())
        .authorizer(AccessTokenAuthorizer::new(
            tokens.by_resource_server()["search.api.globus.org"].access_token.clone(),
        ))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let index = search
        .create_index()
        .body(
            serde_json::from_value::<globus_sdk::search::types::IndexCreate>(
                json!({"display_name": "deletions", "description": "d"}),
            )
            .unwrap(),
        )
        .send()
        .await
        .unwrap()
        .id
        .clone();
    let definition = json!({"StartAt": "Delete", "States": {
    "Delete": {
        "Type": "Action",
        "ActionUrl": "https://actions.globus.org/transfer/delete",
        "Parameters": {"endpoint_id.$": "$.source", "items.$": "$.paths"},
        "ResultPath": "$.deleted",
        "Next": "Record"
    },
    "Record": {
        "Type": "Action",
        "ActionUrl": "https://actions.globus.org/search/ingest",
        "Parameters": {
            "search_index.$": "$.index",
            "subject.$": "$.paths[0]",
            "visible_to": ["public"],
            "content": {"deleted": true, "task_id.$": "$.deleted.details.task_id"}
        },
        "ResultPath": "$.recorded",
        "End": true
    }}});
    let flow_id = e.create("delete and record", definition).await;
    let input = object(json!({"source": e.src, "paths": ["/old/z.txt"], "index": index}));
    let run = e.specific(&flow_id).run_flow(input).send().await.unwrap();
    let run = e.wait_for(&run.run_id, "delete and record", finished).await;
    assert_eq!(run.status, "SUCCEEDED", "{:?}", run.details);
    assert!(!src_root.join("old/z.txt").exists(), "the delete task ran");
    let output = &run.details.as_ref().unwrap()["output"];
    assert_eq!(output["deleted"]["details"]["status"], "SUCCEEDED");
    let task_id = output["deleted"]["details"]["task_id"].clone();
    // Search's ingest task runs after the action answered: wait for the entry.
    let until = Instant::now() + PATIENCE;
    loop {
        match search.get_subject().index_id(&index).subject("/old/z.txt").send().await {
            Ok(subject) => {
                assert_eq!(subject.entries[0].content["deleted"], true);
                assert_eq!(subject.entries[0].content["task_id"], task_id);
                break;
            }
            Err(err) => assert!(Instant::now() < until && err.http_status() == Some(404), "{err}"),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn choice_wait_expression_and_fail_states() {
    let e = env().await;
    let definition = json!({
        "StartAt": "Prepare",
        "States": {
            "Prepare": {"Type": "ExpressionEval", "Parameters": {"n.$": "$.n", "who.$": "$.names[1]"}, "ResultPath": "$.prepared", "Next": "Pause"},
            "Pause": {"Type": "Wait", "SecondsPath": "$.pause", "Next": "Decide"},
            "Decide": {
                "Type": "Choice",
                "Choices": [
                    {"And": [
                        {"Variable": "$.prepared.n", "NumericGreaterThanEquals": 10},
                        {"Not": {"Variable": "$.prepared.who", "StringEquals": "mallory"}}
                    ], "Next": "Big"},
                    {"Variable": "$.prepared.who", "StringMatches": "mal*", "Next": "Refused"}
                ],
                "Default": "Small"
            },
            "Big": {"Type": "Pass", "Result": {"verdict": "big"}, "ResultPath": "$.verdict", "Next": "Done"},
            "Done": {"Type": "Succeed"},
            "Small": {"Type": "Fail", "Error": "TooSmall", "Cause": "n is below ten"},
            "Refused": {"Type": "Fail", "Error": "Refused", "Cause": "no mallory"}
        }
    });
    let flow_id = e.create("decide", definition).await;
    let specific = e.specific(&flow_id);
    let start = |n: i64, who: &str| object(json!({"n": n, "names": ["x", who], "pause": 0.2}));

    let big = specific.run_flow(start(12, "alice")).send().await.unwrap();
    let small = specific.run_flow(start(3, "alice")).send().await.unwrap();
    let refused = specific.run_flow(start(30, "mallory")).send().await.unwrap();

    let big = e.wait_for(&big.run_id, "big", finished).await;
    assert_eq!(big.status, "SUCCEEDED", "{:?}", big.details);
    assert_eq!(big.details.as_ref().unwrap()["output"]["verdict"], json!({"verdict": "big"}));
    assert!(big.completion_time.is_some());

    let small = e.wait_for(&small.run_id, "small", finished).await;
    assert_eq!(small.status, "FAILED");
    let details = small.details.as_ref().unwrap();
    assert_eq!(details["code"], "FlowFailed");
    assert_eq!(details["error"], json!({"Error": "TooSmall", "Cause": "n is below ten"}));
    assert_eq!(
        e.log_codes(&small.run_id).await,
        [
            "FlowStarted",
            "ExpressionEvalStarted",
            "ExpressionEvalCompleted",
            "WaitStarted",
            "WaitCompleted",
            "ChoiceStarted",
            "ChoiceCompleted",
            "FlowFailed"
        ]
    );
    let logs = e.flows.get_run_logs().run_id(&small.run_id).limit(100).send().await.unwrap();
    let failed = logs.entries.last().unwrap();
    assert_eq!(failed.details.as_ref().unwrap()["error"], "TooSmall");

    let refused = e.wait_for(&refused.run_id, "refused", finished).await;
    assert_eq!(refused.details.as_ref().unwrap()["error"]["Error"], "Refused");

    // A finished run can be released: it is gone after.
    e.flows.delete_run().run_id(&small.run_id).send().await.unwrap();
    let gone = e.flows.get_run().run_id(&small.run_id).send().await.unwrap_err();
    assert_eq!(gone.http_status(), Some(404));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_run_is_cancelled_and_only_then_released() {
    let e = env().await;
    let definition = json!({"StartAt": "Sleep", "States": {
        "Sleep": {"Type": "Wait", "Seconds": 3600, "Next": "Done"},
        "Done": {"Type": "Succeed"}}});
    let flow_id = e.create("sleepy", definition).await;
    let run = e.specific(&flow_id).run_flow(Map::new()).send().await.unwrap();
    let until = Instant::now() + PATIENCE;
    while !e.log_codes(&run.run_id).await.contains(&"WaitStarted".to_string()) {
        assert!(Instant::now() < until, "the wait never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Releasing an active run is a conflict.
    let refused = e.flows.delete_run().run_id(&run.run_id).send().await.unwrap_err();
    assert_eq!(refused.http_status(), Some(409));
    assert_eq!(refused.code(), Some("STATE_CONFLICT"));

    let cancelled = e.flows.cancel_run().run_id(&run.run_id).send().await.unwrap();
    assert_eq!(cancelled.status, "FAILED");
    assert_eq!(cancelled.details.as_ref().unwrap()["code"], "FlowCanceled");
    // Canceling twice is harmless.
    let again = e.flows.cancel_run().run_id(&run.run_id).send().await.unwrap();
    assert_eq!(again.status, "FAILED");
    let codes = e.log_codes(&run.run_id).await;
    assert_eq!(codes, ["FlowStarted", "WaitStarted", "FlowCanceled"]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        e.flows.get_run().run_id(&run.run_id).send().await.unwrap().status,
        "FAILED",
        "the engine left it alone"
    );
    e.flows.delete_run().run_id(&run.run_id).send().await.unwrap();
    assert!(e.flows.list_runs().send().await.unwrap().runs.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_a_run_cancels_the_transfer_task_it_waits_for() {
    let e = env().await;
    let src_root = e.local.collection("source").unwrap().root().to_path_buf();
    write(&src_root, "big/blob.bin", &vec![7u8; 256 * 1024]);
    // A kilobyte a second: the copy would take minutes.
    e.local.set_throttle(Some(1024));
    let flow_id = e.create("slow copy", ls_then_transfer()).await;
    let run = e.specific(&flow_id).run_flow(e.copy_input("/big/", "/slow/")).send().await.unwrap();
    let until = Instant::now() + PATIENCE;
    while !e.local.requests().iter().any(|r| r.method == "POST" && r.path == "/v0.10/transfer" && r.status == Some(202))
    {
        assert!(Instant::now() < until, "the transfer was never submitted: {:?}", e.local.requests());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let cancelled = e.flows.cancel_run().run_id(&run.run_id).send().await.unwrap();
    assert_eq!(cancelled.status, "FAILED");
    let tokens = e
        .local
        .issue_tokens(e.local.native_client().id(), USER, "urn:globus:auth:scope:transfer.api.globus.org:all", false)
        .unwrap();
    let transfer = globus_sdk::transfer::Client::builder()
        .config(e.local.config())
        .authorizer(AccessTokenAuthorizer::new(
            tokens.by_resource_server()["transfer.api.globus.org"].access_token.clone(),
        ))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let tasks = transfer.task_list().send().await.unwrap();
    let task_id = tasks.data[0].task_id.clone();
    loop {
        let task = transfer.get_task().task_id(&task_id).send().await.unwrap();
        if task.status != "ACTIVE" {
            assert_eq!(task.status, "FAILED", "a cancelled task");
            break;
        }
        assert!(Instant::now() < until, "the task was not cancelled");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        e.local.requests().iter().any(|r| r.path == format!("/v0.10/task/{task_id}/cancel") && r.status == Some(200))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_whose_credentials_are_refused_is_inactive_until_resumed() {
    let e = env().await;
    let src_root = e.local.collection("source").unwrap().root().to_path_buf();
    let dst_root = e.local.collection("destination").unwrap().root().to_path_buf();
    write(&src_root, "in/c.txt", b"gamma\n");
    let flow_id = e.create("copy", ls_then_transfer()).await;
    let specific = e.specific(&flow_id);
    // Transfer refuses the run's token for the submission once (as when a consent is missing).
    e.local.faults().fail_next("POST", "/v0.10/transfer", 1, 403, None);
    let run = specific.run_flow(e.copy_input("/in/", "/out/")).send().await.unwrap();
    let inactive = e.wait_for(&run.run_id, "the refusal", |s| s != "ACTIVE").await;
    assert_eq!(inactive.status, "INACTIVE", "{:?}", inactive.details);
    let details = inactive.details.as_ref().unwrap();
    assert!(details["description"].as_str().unwrap().contains("transfer.api.globus.org:all"), "{details:?}");
    assert!(!dst_root.join("out/c.txt").exists());

    // Resuming needs the flow's own token; the Flows token is refused.
    let wrong = e.flows.resume_run().run_id(&run.run_id).send().await.unwrap_err();
    assert_eq!(wrong.http_status(), Some(403));
    let resumed = specific.resume_run(&run.run_id).send().await.unwrap();
    assert_eq!(resumed.status, "ACTIVE");
    let done = e.wait_for(&run.run_id, "the resumed copy", finished).await;
    assert_eq!(done.status, "SUCCEEDED", "{:?}", done.details);
    assert_eq!(std::fs::read(dst_root.join("out/c.txt")).unwrap(), b"gamma\n");
    let codes = e.log_codes(&run.run_id).await;
    let inactive_at = codes.iter().position(|c| c == "FlowInactive").unwrap();
    assert_eq!(codes[inactive_at + 1], "FlowResumed", "{codes:?}");
    assert_eq!(codes.last().unwrap(), "FlowSucceeded");
    // Resuming a finished run is a conflict.
    assert_eq!(specific.resume_run(&run.run_id).send().await.unwrap_err().http_status(), Some(409));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn definitions_flows_would_reject_are_refused_here_and_by_the_sdk() {
    let e = env().await;
    let bad = [
        (json!({"StartAt": "Nowhere", "States": {"A": {"Type": "Pass", "End": true}}}), vec!["definition", "StartAt"]),
        (
            json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Missing"}, "B": {"Type": "Succeed"}}}),
            vec!["definition", "States", "A", "Next"],
        ),
        (
            json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}}}),
            vec!["definition", "States"],
        ),
        (
            json!({"StartAt": "A", "States": {"A": {"Type": "Action", "ActionUrl": "https://actions.globus.org/transfer/ls"}}}),
            vec!["definition", "States", "A"],
        ),
    ];
    for (definition, loc) in bad {
        let local = check_definition(&definition).unwrap_err();
        assert_eq!(local.0[0].loc, loc, "{definition}");
        for validate in [true, false] {
            let err = if validate {
                e.flows.validate_flow().body_map(|b| b.definition(object(definition.clone()))).send().await.unwrap_err()
            } else {
                e.flows
                    .create_flow()
                    .body_map(|b| b.title("bad").definition(object(definition.clone())).input_schema(Map::new()))
                    .send()
                    .await
                    .unwrap_err()
            };
            assert_eq!(err.http_status(), Some(422), "{definition}");
            assert_eq!(err.code(), Some("UNPROCESSABLE_ENTITY"));
            let body = err.json().unwrap().clone();
            assert_eq!(body["error"]["detail"][0]["loc"], json!(loc), "{body}");
            let messages: Vec<&str> = local.0.iter().map(|p| p.msg.as_str()).collect();
            assert_eq!(err.message(), Some(messages.join("; ").as_str()));
        }
    }
    // An action provider the local Flows does not know is refused too.
    let unknown = json!({"StartAt": "A", "States": {"A": {"Type": "Action", "ActionUrl": "https://example.org/act", "End": true}}});
    assert!(check_definition(&unknown).is_ok(), "structurally fine");
    let err = e.flows.validate_flow().body_map(|b| b.definition(object(unknown))).send().await.unwrap_err();
    assert_eq!(err.http_status(), Some(422));
    // A good one lists the scopes it needs.
    let ok = e.flows.validate_flow().body_map(|b| b.definition(object(ls_then_transfer()))).send().await.unwrap();
    assert_eq!(ok.scopes.as_ref().unwrap()["User"], ["urn:globus:auth:scope:transfer.api.globus.org:all".to_string()]);
    assert!(e.flows.list_flows().send().await.unwrap().flows.is_empty(), "nothing was created");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flows_are_listed_filtered_updated_and_deleted() {
    let e = env().await;
    let simple = json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}});
    let mut ids = Vec::new();
    for title in ["alpha", "beta", "gamma", "delta", "epsilon"] {
        ids.push(e.create(title, simple.clone()).await);
    }
    let titles: Vec<String> = e
        .flows
        .list_flows()
        .orderby("title ASC")
        .per_page(2)
        .into_stream()
        .items()
        .map_ok(|f| f.title.unwrap_or_default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(titles, ["alpha", "beta", "delta", "epsilon", "gamma"]);
    let found = e.flows.list_flows().filter_fulltext("PSIL").send().await.unwrap();
    assert_eq!(found.flows.len(), 1);
    let owned = e.flows.list_flows().filter_roles("flow_owner").per_page(50).send().await.unwrap();
    assert_eq!(owned.flows.len(), 5);
    assert_eq!(e.flows.list_flows().filter_roles("flow_viewer").send().await.unwrap().flows.len(), 0);

    let updated = e
        .flows
        .update_flow()
        .flow_id(&ids[0])
        .body_map(|b| b.title(Some("ALPHA".to_string())).keywords(vec!["k".into()]))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.title.as_deref(), Some("ALPHA"));
    assert_eq!(updated.keywords, Some(vec!["k".to_string()]));

    // Another user sees none of them, and cannot change or run them.
    let tokens =
        e.local.issue_tokens(e.local.native_client().id(), OTHER, &flows::scopes::all().to_string(), false).unwrap();
    let theirs = flows_client(&e.local, tokens.by_resource_server()["flows.globus.org"].access_token.expose());
    assert!(theirs.list_flows().send().await.unwrap().flows.is_empty());
    assert_eq!(theirs.get_flow().flow_id(&ids[0]).send().await.unwrap_err().http_status(), Some(404));
    assert_eq!(
        theirs
            .update_flow()
            .flow_id(&ids[0])
            .body_map(|b| b.title(Some("mine".to_string())))
            .send()
            .await
            .unwrap_err()
            .http_status(),
        Some(404)
    );
    // Shared with them as a starter, they see it and may run it, but not change it.
    e.flows
        .update_flow()
        .flow_id(&ids[0])
        .body_map(|b| b.flow_starters(Some(vec![format!("urn:globus:auth:identity:{}", other_id(&e.local))])))
        .send()
        .await
        .unwrap();
    let shared = theirs.get_flow().flow_id(&ids[0]).send().await.unwrap();
    assert_eq!(shared.user_role.as_deref(), Some("flow_starter"));
    let denied = theirs.delete_flow().flow_id(&ids[0]).send().await.unwrap_err();
    assert_eq!(denied.http_status(), Some(403));

    let deleted = e.flows.delete_flow().flow_id(&ids[1]).send().await.unwrap();
    assert!(deleted.deleted_at.is_some());
    assert_eq!(e.flows.get_flow().flow_id(&ids[1]).send().await.unwrap_err().http_status(), Some(404));
    // Registered APIs and web inputs are not emulated.
    assert!(e.flows.list_registered_apis().send().await.unwrap().registered_apis.is_empty());
    assert_eq!(e.flows.get_web_input().web_input_id("w").send().await.unwrap_err().http_status(), Some(404));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_input_gets_flows_errors_and_endless_flows_are_stopped() {
    let e = env().await;
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let base = e.local.flows_url();
    let bearer = format!("Bearer {}", e.flows_token);
    let post = |path: &str, body: &'static str| {
        http.post(format!("{base}{path}"))
            .header("authorization", &bearer)
            .header("content-type", "application/json")
            .body(body)
    };
    for (resp, status) in [
        (post("/flows", "{not json").send().await.unwrap(), 400),
        (post("/flows", "[1, 2]").send().await.unwrap(), 422),
        (post("/flows", r#"{"title": "t", "definition": {"StartAt": 5}}"#).send().await.unwrap(), 422),
        (post("/flows/validate", r#"{"definition": {"StartAt": "A", "States": []}}"#).send().await.unwrap(), 422),
        (http.get(format!("{base}/flows?per_page=100000")).header("authorization", &bearer).send().await.unwrap(), 422),
        (http.get(format!("{base}/flows?marker=%00%01")).header("authorization", &bearer).send().await.unwrap(), 400),
        (
            http.get(format!("{base}/runs?orderby=evil%20DESC")).header("authorization", &bearer).send().await.unwrap(),
            422,
        ),
        (
            http.get(format!("{base}/runs?filter_start_time=yesterday"))
                .header("authorization", &bearer)
                .send()
                .await
                .unwrap(),
            422,
        ),
        (http.get(format!("{base}/flows")).send().await.unwrap(), 401),
        (http.get(format!("{base}/runs/nope")).header("authorization", &bearer).send().await.unwrap(), 404),
    ] {
        let got = resp.status().as_u16();
        let body: Value = resp.json().await.unwrap();
        assert_eq!(got, status, "{body}");
        assert!(body["error"]["code"].is_string() && body["debug_id"].is_string(), "Flows' error shape: {body}");
        assert!(!body.to_string().contains(&e.flows_token), "no token in errors");
    }

    // A Flows token does not start runs: the flow's own scope does.
    let looping = json!({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Next": "B"},
        "B": {"Type": "Pass", "Next": "A"},
        "Never": {"Type": "Succeed"}}});
    let flow_id = e.create("loops", looping).await;
    let refused = e.flows.run_flow().flow_id(&flow_id).body_map(|b| b.body(Map::new())).send().await.unwrap_err();
    assert_eq!(refused.http_status(), Some(403));

    // A flow that loops forever is stopped by the engine's bound.
    let specific = e.specific(&flow_id);
    let run = specific.run_flow(Map::new()).send().await.unwrap();
    let run = e.wait_for(&run.run_id, "the loop", finished).await;
    assert_eq!(run.status, "FAILED");
    assert_eq!(run.details.as_ref().unwrap()["error"]["Error"], "States.Runtime");

    // Paths outside the subset, missing values and unbounded waits fail the run clearly.
    for (state, why) in [
        (json!({"Type": "Pass", "Parameters": {"x.$": "$..deep"}, "End": true}), "does not start"),
        (json!({"Type": "Pass", "Parameters": {"x.$": "$.missing"}, "End": true}), "$.missing"),
        (json!({"Type": "Wait", "Seconds": 1e12, "End": true}), "waits at most"),
        (json!({"Type": "Choice", "Choices": [{"Variable": "$.x", "Frob": 1, "Next": "A"}]}), "not supported"),
        // A state that doubles itself at every turn is stopped by the state's size bound.
        (json!({"Type": "Pass", "Parameters": {"a.$": "$", "b.$": "$"}, "Next": "A"}), "bytes"),
    ] {
        let definition = json!({"StartAt": "A", "States": {"A": state, "Z": {"Type": "Succeed"}}});
        let flow_id = e.create("hostile", definition).await;
        let run = e.specific(&flow_id).run_flow(object(json!({"x": 1}))).send().await.unwrap();
        let run = e.wait_for(&run.run_id, why, finished).await;
        assert_eq!(run.status, "FAILED", "{why}");
        let cause = run.details.as_ref().unwrap()["error"]["Cause"].as_str().unwrap().to_string();
        assert!(cause.contains(why) || why == "does not start" && cause.contains("$..deep"), "{cause}");
    }

    // Input that does not match the flow's input schema is refused before the run starts.
    let schema = object(
        json!({"type": "object", "required": ["n"], "properties": {"n": {"type": "integer"}}, "additionalProperties": false}),
    );
    let strict = e
        .flows
        .create_flow()
        .body_map(|b| {
            b.title("strict")
                .definition(object(json!({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}})))
                .input_schema(schema)
        })
        .send()
        .await
        .unwrap();
    let strict = e.specific(&strict.id);
    for input in [json!({}), json!({"n": "one"}), json!({"n": 1, "extra": true})] {
        let err = strict.run_flow(object(input.clone())).send().await.unwrap_err();
        assert_eq!(err.http_status(), Some(400), "{input}");
    }
    strict.validate_run(object(json!({"n": 1}))).send().await.unwrap();
    // Nothing answered 500.
    assert!(e.local.requests().iter().all(|r| r.status.is_none_or(|s| s < 500)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_local_globus_mid_run_returns_promptly() {
    let e = env().await;
    write(e.local.collection("source").unwrap().root(), "d/x.txt", b"x");
    // The listing hangs in Transfer for half a minute.
    e.local.faults().delay_next("GET", "/v0.10/operation/", 1, Duration::from_secs(30));
    let flow_id = e.create("hang", ls_then_transfer()).await;
    let specific = e.specific(&flow_id);
    specific.run_flow(e.copy_input("/d/", "/e/")).send().await.unwrap();
    let until = Instant::now() + PATIENCE;
    while !e.local.requests().iter().any(|r| r.path.starts_with("/v0.10/operation/")) {
        assert!(Instant::now() < until, "the action never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let Env { local, flows, .. } = e;
    drop((flows, specific));
    let started = Instant::now();
    tokio::task::spawn_blocking(move || drop(local)).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(10), "dropping took {:?}", started.elapsed());
}

/// An app's token storage finds each token by the resource server real Auth names:
/// `flows.globus.org` for Flows, the flow's id for the flow's own scope.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_stores_flows_tokens_by_resource_server() {
    use globus_sdk::app::{AppConfig, ClientApp, GlobusApp};
    use globus_sdk::token_storage::{MemoryTokenStorage, TokenStorage};

    let local = LocalGlobus::start().await.unwrap();
    let client = local.confidential_client();
    let store = std::sync::Arc::new(MemoryTokenStorage::new());
    let app = ClientApp::new(
        "flows-test",
        client.id(),
        client.secret().unwrap().expose(),
        AppConfig::new().sdk_config(local.config()).token_storage(store.clone()),
    )
    .unwrap();
    let flows = app.client::<flows::Client>().unwrap();
    let definition =
        object(json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": {"ok": true}, "End": true}}}));
    let created = flows
        .create_flow()
        .body_map(|b| b.title("app flow").definition(definition).input_schema(Map::new()))
        .send()
        .await
        .unwrap();
    let specific = SpecificFlowClient::from_app(&app, &created.id).unwrap();
    let run = specific.run_flow(Map::new()).send().await.unwrap();
    let stored = store.get_all("DEFAULT").unwrap();
    assert!(stored.contains_key("flows.globus.org"), "{:?}", stored.keys().collect::<Vec<_>>());
    assert!(stored.contains_key(created.id.as_str()), "{:?}", stored.keys().collect::<Vec<_>>());
    assert_eq!(stored[created.id.as_str()].scope, flows::scopes::specific_flow(&created.id).to_string());
    let until = Instant::now() + PATIENCE;
    loop {
        let now = flows.get_run().run_id(&run.run_id).send().await.unwrap();
        if now.status == "SUCCEEDED" {
            assert_eq!(now.details.as_ref().unwrap()["output"], json!({"ok": true}));
            break;
        }
        assert!(Instant::now() < until && now.status == "ACTIVE", "{now:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The Python SDK's FlowsClient and SpecificFlowClient (3.62 and the newest) against the
/// local Globus, configured by `LocalGlobus::env_vars` alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_python_sdk_runs_a_flow() {
    for python in crate::local_python::pythons() {
        let local = LocalGlobus::start().await.unwrap();
        let source = local.collection("source").unwrap().root().to_path_buf();
        let destination = local.collection("destination").unwrap().root().to_path_buf();
        write(&source, "flowdata/one.txt", b"one from a Python flow\n");
        write(&source, "flowdata/two.txt", b"two\n");
        let summary = crate::local_python::run_script(&python, "python_local_flows.py", &local).await;
        assert_eq!(summary["status"], "SUCCEEDED", "{summary}");
        assert_eq!(summary["task_status"], "SUCCEEDED", "{summary}");
        assert_eq!(summary["first_log"], "FlowStarted", "{summary}");
        assert_eq!(summary["last_log"], "FlowSucceeded", "{summary}");
        assert_eq!(std::fs::read(destination.join("from-python/one.txt")).unwrap(), b"one from a Python flow\n");
        assert_eq!(std::fs::read(destination.join("from-python/two.txt")).unwrap(), b"two\n");
        assert!(local.requests().iter().any(|r| r.service == "flows" && r.path.ends_with("/run")));
    }
}

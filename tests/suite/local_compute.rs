//! The local Globus's Compute, through the SDK's Compute client over HTTP: tokens named for
//! `funcx_service` (found by resource server in an app's token storage), endpoints and their
//! allowed functions, functions, submissions through v2 and v3 (accepted, never run: tasks
//! stay `waiting-for-ep`), batches and task groups, locks, other users, hostile input.

use std::collections::HashMap;
use std::time::Duration;

use globus_sdk::authorizers::AccessTokenAuthorizer;
use globus_sdk::compute::{self, Client};
use globus_sdk::testing::LocalGlobus;
use globus_sdk::transport::RetryPolicy;
use serde_json::{Value, json};

const USER: &str = "testuser@example.org";
const OTHER: &str = "other@example.org";
/// Serialized the way the Globus Compute SDK does, and JSON-hostile: kept exactly as sent.
const SERIALIZED: &str = "410\n10\n04\n:gASVQAAAAAAAAACM\"quoted\" \\back\\slash é ✓\n";

fn token_for(local: &LocalGlobus, user: &str) -> String {
    let tokens =
        local.issue_tokens(local.native_client().id(), user, &compute::scopes::all().to_string(), false).unwrap();
    // Real Auth names Compute's resource server `funcx_service`: so does the local one.
    tokens.by_resource_server()[compute::scopes::RESOURCE_SERVER].access_token.expose().to_string()
}

fn client(local: &LocalGlobus, token: &str) -> Client {
    Client::builder()
        .config(local.config())
        .authorizer(AccessTokenAuthorizer::new(token.to_string()))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

async fn register_function(cc: &Client, name: &str) -> String {
    cc.v3_register_function()
        .body_map(|b| b.function_name(name).function_code(SERIALIZED))
        .send()
        .await
        .unwrap()
        .function_uuid
        .clone()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endpoints_functions_and_tasks_that_wait_for_their_endpoint() {
    let local = LocalGlobus::builder().user(OTHER, "Other User").start().await.unwrap();
    let cc = client(&local, &token_for(&local, USER));
    assert_eq!(cc.v2_get_version().send().await.unwrap().0, json!("1.23.0"));
    assert_eq!(cc.v2_get_version().service("all").send().await.unwrap().0["api"], "1.23.0");

    let allowed = register_function(&cc, "allowed").await;
    let other = register_function(&cc, "other").await;
    let f = cc.v2_get_function().function_id(&allowed).send().await.unwrap();
    assert_eq!(f.function_code.as_deref(), Some(SERIALIZED), "code is kept exactly as sent");
    assert_eq!(f.function_name.as_deref(), Some("allowed"));

    let registered = cc
        .v3_register_endpoint()
        .body_map(|b| {
            b.endpoint_name("my-ep")
                .display_name(Some("My Endpoint".to_string()))
                .allowed_functions(Some(vec![allowed.clone()]))
        })
        .send()
        .await
        .unwrap();
    let ep = registered.endpoint_id.clone().unwrap();
    assert!(registered.task_queue_info.as_ref().unwrap().connection_url.is_some());
    let got = cc.v2_get_endpoint().endpoint_id(&ep).send().await.unwrap();
    assert_eq!((got.name.as_deref(), got.display_name.as_deref()), (Some("my-ep"), Some("My Endpoint")));
    let listed = cc.v2_get_endpoints().send().await.unwrap();
    assert_eq!(listed.iter().map(|e| e.uuid.as_str()).collect::<Vec<_>>(), [ep.as_str()]);
    assert_eq!(cc.v2_get_endpoint_status().endpoint_id(&ep).send().await.unwrap().status.as_deref(), Some("offline"));
    let allowlist = cc.v3_get_endpoint_allowlist().endpoint_id(&ep).send().await.unwrap().into_inner();
    assert_eq!((allowlist.restricted, allowlist.functions), (Some(true), Some(vec![allowed.clone()])));

    // v3: all tasks or none; a function the endpoint does not allow is refused.
    let submitted = cc
        .v3_submit()
        .endpoint_id(&ep)
        .body_map(|b| b.tasks(HashMap::from([(allowed.clone(), vec![SERIALIZED.to_string(), "second".to_string()])])))
        .send()
        .await
        .unwrap()
        .into_inner();
    let v3_tasks = submitted.tasks.unwrap()[&allowed].clone();
    assert_eq!(v3_tasks.len(), 2);
    let group = submitted.task_group_id.unwrap();
    let refused = cc
        .v3_submit()
        .endpoint_id(&ep)
        .body_map(|b| b.tasks(HashMap::from([(other.clone(), vec!["x".to_string()])])))
        .send()
        .await
        .unwrap_err();
    assert_eq!(refused.http_status(), Some(403));

    // v2: one result per task, in order.
    let v2 = cc
        .v2_submit()
        .body_map(|b| {
            b.tasks(vec![
                vec![allowed.clone(), ep.clone(), SERIALIZED.to_string()],
                vec![other.clone(), ep.clone(), SERIALIZED.to_string()],
                vec![allowed.clone(), uuid::Uuid::new_v4().to_string(), SERIALIZED.to_string()],
            ])
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    let results = v2.results.unwrap();
    assert_eq!(results[0]["status"], "success");
    assert_eq!((results[1]["status"].clone(), results[1]["http_status_code"].clone()), (json!("failed"), json!(403)));
    assert_eq!(results[2]["http_status_code"], 404);
    let v2_task = results[0]["task_uuid"].as_str().unwrap().to_string();

    // Tasks never run: they wait for their endpoint.
    let task = cc.v2_get_task().task_id(&v2_task).send().await.unwrap();
    assert_eq!(task.status.as_deref(), Some("waiting-for-ep"));
    let batch = cc
        .wait_for_tasks(v3_tasks.iter().chain([&v2_task]).cloned())
        .timeout(Duration::from_millis(300))
        .poll_interval(Duration::from_millis(100))
        .await
        .unwrap();
    assert!(!batch.is_complete());
    assert_eq!(batch.pending().len(), 3);
    let tg = cc.v2_get_task_group().task_group_id(&group).send().await.unwrap().into_inner();
    assert_eq!(tg.tasks.unwrap().len(), 2);

    // A locked endpoint refuses registrations.
    cc.v3_lock_endpoint().endpoint_id(&ep).send().await.unwrap();
    let locked =
        cc.v3_update_endpoint().endpoint_id(&ep).body_map(|b| b.endpoint_name("again")).send().await.unwrap_err();
    assert_eq!(locked.http_status(), Some(423));

    // Another user sees none of it.
    let theirs = client(&local, &token_for(&local, OTHER));
    assert_eq!(theirs.v2_get_endpoint().endpoint_id(&ep).send().await.unwrap_err().http_status(), Some(404));
    assert_eq!(theirs.v2_get_function().function_id(&allowed).send().await.unwrap_err().http_status(), Some(404));
    assert_eq!(theirs.v2_get_task().task_id(&v2_task).send().await.unwrap_err().http_status(), Some(404));
    assert!(theirs.v2_get_endpoints().send().await.unwrap().is_empty());

    cc.v2_delete_function().function_id(&other).send().await.unwrap();
    assert_eq!(cc.v2_get_function().function_id(&other).send().await.unwrap_err().http_status(), Some(404));
    cc.v3_delete_endpoint().endpoint_id(&ep).send().await.unwrap();
    assert_eq!(cc.v2_get_endpoint().endpoint_id(&ep).send().await.unwrap_err().http_status(), Some(404));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_input_gets_errors_not_guesses() {
    let local = LocalGlobus::start().await.unwrap();
    let token = token_for(&local, USER);
    let base = local.compute_url();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let bearer = format!("Bearer {token}");
    let many: Vec<Value> = (0..1001).map(|_| json!(["a", "b", "c"])).collect();
    let many = json!({"tasks": many}).to_string();
    for (method, path, body, status) in [
        ("POST", "/v3/functions", "{not json".to_string(), 400),
        ("POST", "/v3/functions", r#"{"function_name": "x"}"#.to_string(), 400),
        ("POST", "/v3/endpoints", "[]".to_string(), 400),
        ("GET", "/v2/endpoints/not-a-uuid", String::new(), 400),
        ("GET", "/v2/endpoints?role=admin", String::new(), 400),
        ("POST", "/v2/submit", many, 413),
        ("POST", "/v2/batch_status", r#"{"task_ids": [1]}"#.to_string(), 400),
    ] {
        let req = http.request(method.parse().unwrap(), format!("{base}{path}")).header("authorization", &bearer);
        let req = if body.is_empty() { req } else { req.header("content-type", "application/json").body(body) };
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status().as_u16(), status, "{method} {path}");
        let doc: Value = resp.json().await.unwrap();
        assert!(doc["code"].is_string() && doc["message"].is_string(), "{doc}");
        assert!(!doc.to_string().contains(&token));
    }
    // A token for another service is refused.
    let flows = local
        .issue_tokens(
            local.native_client().id(),
            USER,
            "https://auth.globus.org/scopes/eec9b274-0c81-4334-bdc2-54e90e689b9a/all",
            false,
        )
        .unwrap();
    let wrong = client(&local, flows.by_resource_server()["flows.globus.org"].access_token.expose());
    assert_eq!(wrong.v2_get_endpoints().send().await.unwrap_err().http_status(), Some(403));
    assert!(local.requests().iter().all(|r| r.status.is_none_or(|s| s < 500)));
}

/// An app finds its Compute token under `funcx_service`, as with real Auth.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_stores_the_compute_token_under_funcx_service() {
    use globus_sdk::app::{AppConfig, ClientApp, GlobusApp};
    use globus_sdk::token_storage::{MemoryTokenStorage, TokenStorage};

    let local = LocalGlobus::start().await.unwrap();
    let c = local.confidential_client();
    let store = std::sync::Arc::new(MemoryTokenStorage::new());
    let app = ClientApp::new(
        "compute-test",
        c.id(),
        c.secret().unwrap().expose(),
        AppConfig::new().sdk_config(local.config()).token_storage(store.clone()),
    )
    .unwrap();
    let cc = app.client::<Client>().unwrap();
    assert!(cc.v2_get_endpoints().send().await.unwrap().is_empty());
    let stored = store.get_all("DEFAULT").unwrap();
    assert_eq!(stored["funcx_service"].scope, compute::scopes::all().to_string());
}

//! Flows over loopback HTTP: the requests the service receives (paths, query, bodies), the
//! flow's own token for starting, validating and resuming runs, lenient documents, Flows'
//! error format, and the listings streamed by `marker`.

use std::collections::HashMap;
use std::time::Duration;

use crate::common::*;
use futures::TryStreamExt;
use globus_sdk::authorizers::AccessTokenAuthorizer;
use globus_sdk::flows::{Client, SpecificFlowClient};
use globus_sdk::testing::{Reply, ScriptedServer};
use globus_sdk::transport::RetryPolicy;
use serde_json::{Map, Value, json};

const FLOW: &str = "24bc4997-b483-4c25-a19c-64b0afc00743";
const RUN: &str = "36ad9f9a-ad29-488f-beb4-c22ab729643a";

fn flows(s: &ScriptedServer) -> Client {
    Client::builder()
        .base_url(s.url())
        .authorizer(AccessTokenAuthorizer::new("FLOWS-TOKEN"))
        .retry_policy(RetryPolicy::none())
        .timeout(Some(Duration::from_secs(10)))
        .build()
        .unwrap()
}

fn object(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

fn flow_doc(id: &str) -> Value {
    json!({"id": id, "title": "Multi Step Transfer", "subtitle": "", "description": null,
           "definition": {"StartAt": "a", "States": {"a": {"Type": "Pass", "End": true}}},
           "input_schema": {"type": "object"}, "flow_owner": "urn:globus:auth:identity:o",
           "globus_auth_scope": format!("https://auth.globus.org/scopes/{id}/flow_user"),
           "user_role": "flow_owner", "keywords": ["k"], "created_at": "2024-01-01T00:00:00+00:00",
           "brand_new_field": {"kept": true}})
}

fn run_doc(status: &str) -> Value {
    json!({"run_id": RUN, "action_id": RUN, "flow_id": FLOW, "status": status, "display_status": status,
           "label": null, "tags": ["t"], "details": {"code": "FlowStarting"}, "run_owner": "urn:globus:auth:identity:o",
           "start_time": "2024-01-01T00:00:00+00:00", "completion_time": null, "user_role": "run_owner",
           "unknown_extra": [1, 2]})
}

fn query(s: &ScriptedServer, i: usize) -> HashMap<String, String> {
    s.requests()[i].query.iter().cloned().collect()
}

#[tokio::test]
async fn flow_operations_send_what_flows_expects() {
    let s = server().await;
    let fc = flows(&s);

    // create_flow: the service answers 201 (the Python SDK's test data 200): both decode.
    s.once("POST", "/flows", Reply::json(201, flow_doc(FLOW)));
    let definition = object(json!({"StartAt": "a", "States": {"a": {"Type": "Pass", "End": true}}}));
    let created = fc
        .create_flow()
        .body_map(|b| {
            b.title("my flow")
                .definition(definition.clone())
                .input_schema(object(json!({"type": "object"})))
                .flow_starters(vec!["all_authenticated_users".to_string()])
                .keywords(vec!["a".to_string(), "b".to_string()])
        })
        .send()
        .await
        .unwrap();
    assert_eq!(created.id, FLOW);
    assert_eq!(created.extra["brand_new_field"], json!({"kept": true}), "unknown fields are kept");
    let r = &s.requests()[0];
    assert_eq!(r.header("authorization"), Some("Bearer FLOWS-TOKEN"));
    assert_eq!(
        r.json(),
        json!({"title": "my flow", "definition": definition, "input_schema": {"type": "object"},
               "flow_starters": ["all_authenticated_users"], "keywords": ["a", "b"]}),
        "exactly the fields set: no nulls for the others"
    );
    s.once("POST", "/flows", Reply::json(200, flow_doc(FLOW)));
    let created = fc
        .create_flow()
        .body_map(|b| b.title("t").definition(definition.clone()).input_schema(Map::new()))
        .send()
        .await
        .unwrap();
    assert_eq!(created.title.as_deref(), Some("Multi Step Transfer"));

    s.once("GET", &format!("/flows/{FLOW}"), Reply::json(200, flow_doc(FLOW)));
    let flow = fc.get_flow().flow_id(FLOW).send().await.unwrap();
    assert_eq!(flow.definition.as_ref().unwrap()["StartAt"], "a");
    assert_eq!(flow.description, None);

    s.once("PUT", &format!("/flows/{FLOW}"), Reply::json(200, flow_doc(FLOW)));
    fc.update_flow()
        .flow_id(FLOW)
        .body_map(|b| {
            b.keywords(vec!["new".to_string()])
                .subscription_id("DEFAULT".to_string())
                .flow_viewers(Vec::<String>::new())
        })
        .send()
        .await
        .unwrap();
    assert_eq!(
        s.requests().last().unwrap().json(),
        json!({"keywords": ["new"], "subscription_id": "DEFAULT", "flow_viewers": []}),
        "an empty list is sent (it removes every viewer)"
    );

    let mut deleted = flow_doc(FLOW);
    deleted["DELETED"] = json!(true);
    s.once("DELETE", &format!("/flows/{FLOW}"), Reply::json(200, deleted));
    let gone = fc.delete_flow().flow_id(FLOW).send().await.unwrap();
    assert_eq!(gone.extra["DELETED"], true);

    s.once(
        "POST",
        "/flows/validate",
        Reply::json(200, json!({"scopes": {"User": ["urn:globus:auth:scope:transfer.api.globus.org:all"]}})),
    );
    let checked = fc.validate_flow().body_map(|b| b.definition(definition.clone())).send().await.unwrap();
    assert_eq!(checked.scopes.as_ref().unwrap()["User"], vec!["urn:globus:auth:scope:transfer.api.globus.org:all"]);
    assert_eq!(s.requests().last().unwrap().json(), json!({"definition": definition}));

    s.once(
        "GET",
        "/flows",
        Reply::json(200, json!({"flows": [flow_doc(FLOW)], "limit": 20, "marker": null, "has_next_page": false})),
    );
    let listing = fc
        .list_flows()
        .filter_roles("flow_owner,flow_viewer")
        .filter_fulltext("frobulate")
        .orderby("title ASC,updated_at DESC")
        .per_page(5)
        .send()
        .await
        .unwrap();
    assert_eq!(listing.flows.len(), 1);
    let q = query(&s, s.requests().len() - 1);
    assert_eq!(q["filter_roles"], "flow_owner,flow_viewer");
    assert_eq!(q["filter_fulltext"], "frobulate");
    assert_eq!(q["orderby"], "title ASC,updated_at DESC");
    assert_eq!(q["per_page"], "5");
    assert!(!q.contains_key("marker"));
}

#[tokio::test]
async fn run_operations_send_what_flows_expects() {
    let s = server().await;
    let fc = flows(&s);

    s.once("GET", "/runs", Reply::json(200, json!({"runs": [run_doc("ACTIVE")], "has_next_page": false, "limit": 20})));
    let runs = fc
        .list_runs()
        .filter_flow_id(format!("{FLOW},f2"))
        .filter_roles("run_owner")
        .filter_status("ACTIVE,INACTIVE")
        .orderby("start_time DESC")
        .send()
        .await
        .unwrap();
    assert_eq!(runs.runs[0].status, "ACTIVE");
    let q = query(&s, 0);
    assert_eq!(q["filter_flow_id"], format!("{FLOW},f2"));
    assert_eq!(q["filter_roles"], "run_owner");
    assert_eq!(q["filter_status"], "ACTIVE,INACTIVE");
    assert_eq!(q["orderby"], "start_time DESC");

    // A status the SDK does not know, a missing label, unknown fields: all accepted.
    let mut odd = run_doc("ON_HOLD_FOR_REVIEW");
    odd.as_object_mut().unwrap().remove("label");
    odd["flow_description"] = json!({"id": FLOW, "title": "t"});
    s.once("GET", &format!("/runs/{RUN}"), Reply::json(200, odd));
    let run = fc.get_run().run_id(RUN).include_flow_description(true).send().await.unwrap();
    assert_eq!(run.status, "ON_HOLD_FOR_REVIEW");
    assert_eq!(run.run_status(), globus_sdk::flows::RunStatus::Other("ON_HOLD_FOR_REVIEW".to_string()));
    assert!(!run.is_finished());
    assert_eq!(run.label, None);
    assert_eq!(run.extra["unknown_extra"], json!([1, 2]));
    assert_eq!(run.flow_description.as_ref().unwrap()["title"], "t");
    assert_eq!(query(&s, 1)["include_flow_description"], "true");

    s.once("PUT", &format!("/runs/{RUN}"), Reply::json(200, run_doc("ACTIVE")));
    fc.update_run()
        .run_id(RUN)
        .body_map(|b| b.label("new label".to_string()).tags(vec!["x".to_string()]))
        .send()
        .await
        .unwrap();
    assert_eq!(s.requests()[2].json(), json!({"label": "new label", "tags": ["x"]}));
    // An empty list is sent: it clears the run's tags (absent would leave them).
    s.once("PUT", &format!("/runs/{RUN}"), Reply::json(200, run_doc("ACTIVE")));
    fc.update_run().run_id(RUN).body_map(|b| b.tags(Vec::<String>::new())).send().await.unwrap();
    assert_eq!(s.requests().last().unwrap().json(), json!({"tags": []}));

    s.once("POST", &format!("/runs/{RUN}/cancel"), Reply::json(202, run_doc("FAILED")));
    assert_eq!(fc.cancel_run().run_id(RUN).send().await.unwrap().status, "FAILED");
    s.once("POST", &format!("/runs/{RUN}/release"), Reply::json(200, run_doc("SUCCEEDED")));
    assert_eq!(fc.delete_run().run_id(RUN).send().await.unwrap().status, "SUCCEEDED");
    for i in [4, 5] {
        assert!(s.requests()[i].body.is_empty(), "cancel and release send no body");
    }

    s.once(
        "GET",
        &format!("/runs/{RUN}/definition"),
        Reply::json(200, json!({"flow_id": FLOW, "definition": {"StartAt": "x"}, "input_schema": {}})),
    );
    let def = fc.get_run_definition().run_id(RUN).send().await.unwrap();
    assert_eq!(def.definition.as_ref().unwrap()["StartAt"], "x");

    s.once(
        "GET",
        &format!("/runs/{RUN}/log"),
        Reply::json(200, json!({"entries": [{"code": "FlowStarted", "time": "t", "details": {"input": {}}}], "limit": 5, "has_next_page": false})),
    );
    let logs = fc.get_run_logs().run_id(RUN).limit(5).reverse_order(true).send().await.unwrap();
    assert_eq!(logs.entries[0].code.as_deref(), Some("FlowStarted"));
    let q = query(&s, 7);
    assert_eq!((q["limit"].as_str(), q["reverse_order"].as_str()), ("5", "true"));
}

#[tokio::test]
async fn registered_apis_and_web_inputs() {
    let s = server().await;
    let fc = flows(&s);
    let api = json!({"id": "9dc8", "name": "n", "description": null, "status": "SOMETHING_NEW",
                     "target": {"type": "openapi", "destination": {"method": "get", "url": "https://x"}},
                     "roles": {"owners": []}, "subscription_id": null, "edited_timestamp": null});
    s.once("GET", "/registered_apis/9dc8", Reply::json(200, api));
    let got = fc.get_registered_api().registered_api_id("9dc8").send().await.unwrap();
    assert_eq!(got.status.as_deref(), Some("SOMETHING_NEW"));
    assert_eq!(got.target.as_ref().unwrap()["destination"]["url"], "https://x");

    s.once(
        "GET",
        "/registered_apis",
        Reply::json(200, json!({"registered_apis": [{"id": "a"}], "has_next_page": false, "marker": null, "limit": 1})),
    );
    fc.list_registered_apis().filter_roles("owner,viewer").orderby("name ASC").send().await.unwrap();
    let q = query(&s, 1);
    assert_eq!((q["filter_roles"].as_str(), q["orderby"].as_str()), ("owner,viewer", "name ASC"));

    s.once("GET", "/web_inputs", Reply::json(200, json!({"web_input_summaries": [], "marker": null})));
    fc.list_web_inputs().filter_states("open,closed").filter_run_ids(RUN).send().await.unwrap();
    let q = query(&s, 2);
    assert_eq!((q["filter_states"].as_str(), q["filter_run_ids"].as_str()), ("open,closed", RUN));

    let wi = json!({"id": "w1", "status": "open", "input_type": "selection", "closed_timestamp": null,
                    "options": [{"option_id": "o1", "label": "Approve", "description": "yes"}],
                    "context": {"presentation_style": "table", "title": "t", "rows": [{"field": "f", "value": "v"}]},
                    "flow": {"id": FLOW, "title": "x"}, "run": {"id": RUN, "label": null}});
    s.once("GET", "/web_inputs/w1", Reply::json(200, wi));
    let got = fc.get_web_input().web_input_id("w1").send().await.unwrap();
    assert_eq!(got.options.as_ref().unwrap()[0].option_id.as_deref(), Some("o1"));
    assert_eq!(got.run.as_ref().unwrap().label, None);

    s.once("POST", "/web_inputs/w1/respond", Reply::json(200, json!({"status": "ok"})));
    let answered = fc
        .respond_to_web_input()
        .web_input_id("w1")
        .body_map(|b| b.response(globus_sdk::flows::types::WebInputResponseValue::builder().value(json!("o1"))))
        .send()
        .await
        .unwrap();
    assert_eq!(answered.status.as_deref(), Some("ok"));
    assert_eq!(s.requests()[4].json(), json!({"response": {"value": "o1"}}));
}

#[tokio::test]
async fn the_specific_flow_client_uses_the_flows_own_token() {
    let s = server().await;
    let fc = flows(&s);
    let flow = SpecificFlowClient::from_flows_client(&fc, FLOW, AccessTokenAuthorizer::new("FLOW-OWN-TOKEN"));
    assert_eq!(flow.scope(), globus_sdk::scopes::flows::specific_flow(FLOW));
    assert_eq!(flow.client().base_url(), fc.base_url());

    s.once("POST", &format!("/flows/{FLOW}/run"), Reply::json(201, run_doc("ACTIVE")));
    let input = object(json!({"source": {"id": "c1", "path": "/~/a"}, "n": 3}));
    let run = flow
        .run_flow(input.clone())
        .body_map(|b| {
            b.label("nightly".to_string())
                .tags(vec!["a".to_string()])
                .run_managers(vec!["urn:globus:groups:id:g".to_string()])
        })
        .send()
        .await
        .unwrap();
    assert_eq!(run.run_id, RUN);
    let r = &s.requests()[0];
    assert_eq!(r.header("authorization"), Some("Bearer FLOW-OWN-TOKEN"), "the flow's token, not the Flows token");
    assert_eq!(
        r.json(),
        json!({"body": input, "label": "nightly", "tags": ["a"], "run_managers": ["urn:globus:groups:id:g"]})
    );

    s.once(
        "POST",
        &format!("/flows/{FLOW}/validate_run"),
        Reply::json(200, json!({"message": "validation successful"})),
    );
    let ok = flow.validate_run(input.clone()).send().await.unwrap();
    assert_eq!(ok.message.as_deref(), Some("validation successful"));
    assert_eq!(s.requests()[1].json(), json!({"body": input}));
    assert_eq!(s.requests()[1].header("authorization"), Some("Bearer FLOW-OWN-TOKEN"));

    s.once("POST", &format!("/runs/{RUN}/resume"), Reply::json(200, run_doc("ACTIVE")));
    flow.resume_run(RUN).send().await.unwrap();
    assert_eq!(s.requests()[2].header("authorization"), Some("Bearer FLOW-OWN-TOKEN"));

    // The Flows client it was made from keeps its own credentials.
    s.once("GET", &format!("/runs/{RUN}"), Reply::json(200, run_doc("ACTIVE")));
    fc.get_run().run_id(RUN).send().await.unwrap();
    assert_eq!(s.requests()[3].header("authorization"), Some("Bearer FLOWS-TOKEN"));

    // Built from a client of its own.
    let own =
        Client::builder().base_url(s.url()).authorizer(AccessTokenAuthorizer::new("OTHER-FLOW-TOKEN")).build().unwrap();
    let other = SpecificFlowClient::from_client("f-2", own);
    s.once("POST", "/flows/f-2/run", Reply::json(200, run_doc("ACTIVE")));
    other.run_flow(Map::new()).send().await.unwrap();
    assert_eq!(s.requests()[4].header("authorization"), Some("Bearer OTHER-FLOW-TOKEN"));
    assert_eq!(s.requests()[4].json(), json!({"body": {}}));
    assert!(!format!("{other:?} {flow:?}").contains("TOKEN"), "tokens stay out of Debug");
}

#[tokio::test]
async fn starting_a_run_is_not_resent_but_cancelling_is() {
    let s = server().await;
    let (retry, _events) = fast_retries(2);
    let fc = Client::builder().base_url(s.url()).retry_policy(retry).build().unwrap();
    let flow = SpecificFlowClient::from_flows_client(&fc, FLOW, AccessTokenAuthorizer::new("T"));
    s.always("POST", &format!("/flows/{FLOW}/run"), |_| {
        Reply::json(502, json!({"error": {"code": "UPSTREAM", "detail": "x"}}))
    });
    let e = flow.run_flow(Map::new()).send().await.unwrap_err();
    assert_eq!(e.http_status(), Some(502));
    assert_eq!(s.requests_to("POST", &format!("/flows/{FLOW}/run")).len(), 1, "a lost run start is never sent twice");

    s.once("POST", &format!("/runs/{RUN}/cancel"), Reply::json(502, json!({})));
    s.once("POST", &format!("/runs/{RUN}/cancel"), Reply::json(202, run_doc("FAILED")));
    fc.cancel_run().run_id(RUN).send().await.unwrap();
    assert_eq!(s.requests_to("POST", &format!("/runs/{RUN}/cancel")).len(), 2);
}

#[tokio::test]
async fn flows_errors_keep_their_code_message_and_requirements() {
    let s = server().await;
    let fc = flows(&s);
    let flow = SpecificFlowClient::from_flows_client(&fc, FLOW, AccessTokenAuthorizer::new("T"));
    s.once(
        "POST",
        &format!("/flows/{FLOW}/run"),
        Reply::json(403, json!({"error": {"code": "MISSING_SCOPE", "detail": "This action requires the following scope: frobulate[demuddle]"}})),
    );
    let e = flow.run_flow(Map::new()).send().await.unwrap_err();
    assert_eq!((e.http_status(), e.code()), (Some(403), Some("MISSING_SCOPE")));
    assert!(e.message().unwrap().contains("frobulate[demuddle]"));

    s.once(
        "POST",
        "/flows/validate",
        Reply::json(422, json!({"debug_id": "d", "error": {"code": "UNPROCESSABLE_ENTITY", "detail": [
            {"loc": ["definition", "States"], "msg": "A state of type 'Action' must be terminal", "type": "value_error"},
            {"loc": ["definition"], "msg": "second problem", "type": "value_error"}]}})),
    );
    let e = fc.validate_flow().body_map(|b| b.definition(Map::new())).send().await.unwrap_err();
    assert_eq!(e.code(), Some("UNPROCESSABLE_ENTITY"));
    assert_eq!(e.message(), Some("A state of type 'Action' must be terminal; second problem"));

    s.once(
        "GET",
        "/web_inputs/w1",
        Reply::json(403, json!({"authorization_parameters": {"session_message": "policy", "session_required_policies": ["p1"]},
                               "code": "AuthenticationPolicyRequired",
                               "error": {"code": "AUTHENTICATION_POLICY_REQUIRED", "detail": "None of the identities"}})),
    );
    let e = fc.get_web_input().web_input_id("w1").send().await.unwrap_err();
    let requirements = e.authorization_requirements().expect("the 403 carries authorization requirements");
    assert_eq!(requirements.parameters.session_required_policies, vec!["p1".to_string()]);
}

#[tokio::test]
async fn listings_stream_by_marker() {
    let s = server().await;
    let fc = flows(&s);
    s.always("GET", "/runs", |r| {
        let page = match r.query_param("marker") {
            None => json!({"runs": [run_doc("ACTIVE")], "marker": "m1", "has_next_page": true}),
            Some("m1") => {
                json!({"runs": [run_doc("SUCCEEDED"), run_doc("FAILED")], "marker": null, "has_next_page": false})
            }
            Some(other) => panic!("unexpected marker {other}"),
        };
        Reply::json(200, page)
    });
    let runs: Vec<_> = fc.list_runs().filter_flow_id(FLOW).into_stream().items().try_collect().await.unwrap();
    assert_eq!(runs.iter().map(|r| r.status.as_str()).collect::<Vec<_>>(), ["ACTIVE", "SUCCEEDED", "FAILED"]);
    let asked = s.requests_to("GET", "/runs");
    assert_eq!(asked.len(), 2);
    assert_eq!(asked[1].query_param("marker"), Some("m1"));

    // Web inputs end on a null marker (no has_next_page).
    s.always("GET", "/web_inputs", |r| {
        let item = |id: &str| json!({"id": id, "status": "open", "closed_timestamp": null});
        Reply::json(
            200,
            match r.query_param("marker") {
                None => json!({"web_input_summaries": [item("a"), item("b")], "marker": "next"}),
                _ => json!({"web_input_summaries": [item("c")], "marker": null}),
            },
        )
    });
    let ids: Vec<String> = fc.list_web_inputs().into_stream().items().map_ok(|w| w.id).try_collect().await.unwrap();
    assert_eq!(ids, ["a", "b", "c"]);
}

#[tokio::test]
async fn a_specific_flow_client_from_an_app_asks_for_the_flows_scope_and_uses_its_tokens() {
    use globus_sdk::app::{AppConfig, ClientApp, GlobusApp};
    use globus_sdk::token_storage::{MemoryTokenStorage, TokenStorage, TokenStorageData};

    let s = server().await;
    let store = std::sync::Arc::new(MemoryTokenStorage::new());
    let flow_scope = globus_sdk::scopes::flows::specific_flow(FLOW).to_string();
    let later = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64 + 3600;
    store
        .store(
            "DEFAULT",
            &[
                TokenStorageData::new("auth.globus.org", "openid", "STORED-AUTH-TOKEN", later),
                TokenStorageData::new(FLOW, flow_scope.clone(), "STORED-FLOW-TOKEN", later),
                TokenStorageData::new(
                    "flows.globus.org",
                    globus_sdk::scopes::flows::all().to_string(),
                    "STORED-FLOWS-TOKEN",
                    later,
                ),
            ],
        )
        .unwrap();
    // Both services on the loopback server: nothing reaches the internet, even by mistake.
    let sdk = globus_sdk::Config::new()
        .with_service_url("flows", &s.url())
        .unwrap()
        .with_service_url("auth", &s.url())
        .unwrap();
    let app =
        ClientApp::new("pipeline", "client-id", "client-secret", AppConfig::new().sdk_config(sdk).token_storage(store))
            .unwrap();
    let flow = SpecificFlowClient::from_app(&app, FLOW).unwrap();
    let fc = app.client::<Client>().unwrap();
    let wanted = app.scope_requirements();
    assert!(!app.login_required().unwrap(), "the stored tokens meet the requirements");
    assert_eq!(
        wanted[FLOW].iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        [flow_scope],
        "the flow's scope, under the flow"
    );

    s.once("POST", &format!("/flows/{FLOW}/run"), Reply::json(201, run_doc("ACTIVE")));
    s.once("GET", &format!("/runs/{RUN}"), Reply::json(200, run_doc("ACTIVE")));
    flow.run_flow(Map::new()).send().await.unwrap();
    fc.get_run().run_id(RUN).send().await.unwrap();
    let sent: Vec<_> = s.requests().iter().map(|r| r.header("authorization").unwrap_or("").to_string()).collect();
    assert_eq!(sent, ["Bearer STORED-FLOW-TOKEN", "Bearer STORED-FLOWS-TOKEN"]);

    flow.add_app_transfer_data_access_scope(&app, &["c1"]);
    assert!(app.scope_requirements()[FLOW].iter().any(|s| s.to_string().contains("c1/data_access")));
}

//! The GCS conventions through the whole pipeline, on a GCS-shaped test spec
//! (`specs/testing/gcs_shapes.yaml`): envelopes unpacked, versioned documents filled by the
//! builders, a manager URL per client, per-endpoint and per-collection scopes, GCS errors.

use crate::common::*;
use globus_sdk::ErrorKind;
use globus_sdk::gcs_shapes::{Client, types};
use globus_sdk::testing::Reply;
use globus_sdk::transport::RetryPolicy;
use serde_json::json;

fn envelope(data: serde_json::Value) -> serde_json::Value {
    json!({"DATA_TYPE": "result#1.0.0", "code": "success", "detail": "success", "http_response_code": 200, "data": data})
}

fn collection(id: &str) -> serde_json::Value {
    json!({"DATA_TYPE": "collection#1.10.0", "id": id, "display_name": "Happy Fun Collection", "collection_type": "mapped", "public": true, "future_field": 1})
}

fn client(s: &globus_sdk::testing::ScriptedServer) -> Client {
    Client::builder().base_url(s.url()).retry_policy(RetryPolicy::none()).build().unwrap()
}

#[test]
fn a_client_needs_its_endpoint_url() {
    let e = Client::builder().build().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(e.to_string().contains("base_url"), "{e}");
}

#[tokio::test]
async fn a_single_object_is_unpacked_and_the_envelope_kept() {
    let s = server().await;
    s.once("GET", "/api/collections/c1", Reply::json(200, envelope(json!([collection("c1")]))));
    let got = client(&s).get_collection().collection_id("c1").send().await.unwrap();
    assert_eq!(got.id, "c1", "the object, through Deref");
    assert_eq!(got.display_name.as_deref(), Some("Happy Fun Collection"));
    assert_eq!(got.extra["future_field"], 1, "unknown fields are kept");
    assert_eq!(got.envelope().code.as_deref(), Some("success"));
    assert_eq!(got.envelope().http_response_code, Some(200));
    assert!(got.envelope().data.is_empty(), "the object was moved out of the envelope");
    assert_eq!(got.status(), 200);
    let owned: types::Collection = got.into_inner();
    assert_eq!(owned.id, "c1");
}

#[tokio::test]
async fn an_envelope_without_exactly_one_object_is_a_decode_error() {
    let s = server().await;
    s.once("GET", "/api/collections/c1", Reply::json(200, envelope(json!([]))));
    s.once("GET", "/api/collections/c1", Reply::json(200, envelope(json!([collection("a"), collection("b")]))));
    for count in [0, 2] {
        let e = client(&s).get_collection().collection_id("c1").send().await.unwrap_err();
        assert_eq!((e.kind(), e.http_status()), (ErrorKind::Decode, Some(200)));
        assert!(e.to_string().contains(&format!("with {count} objects in `data`")), "{e}");
        assert_eq!(e.service(), Some("gcs_shapes"));
        assert_eq!(e.json().unwrap()["data"].as_array().unwrap().len(), count, "the envelope is kept");
    }
}

#[tokio::test]
async fn the_builder_fills_the_document_version() {
    let s = server().await;
    s.once("POST", "/api/collections", Reply::json(200, envelope(json!([collection("new")]))));
    let created = client(&s)
        .create_collection()
        .body_map(|b| b.display_name("Mine".to_string()).collection_type("mapped".to_string()))
        .send()
        .await
        .unwrap();
    assert_eq!(created.id, "new");
    let sent = s.requests()[0].json();
    assert_eq!(sent["DATA_TYPE"], "collection#1.10.0");
    assert_eq!(sent["display_name"], "Mine");
    // An update sends only what was set, with the version.
    s.once("PATCH", "/api/collections/new", Reply::json(200, envelope(json!([collection("new")]))));
    client(&s).update_collection().collection_id("new").body_map(|b| b.public(false)).send().await.unwrap();
    let sent = s.requests()[1].json();
    assert_eq!(sent, json!({"DATA_TYPE": "collection#1.10.0", "public": false}));
}

#[tokio::test]
async fn gcs_errors_keep_their_code_and_message() {
    let s = server().await;
    s.once(
        "GET",
        "/api/collections",
        Reply::json(
            403,
            json!({"code": "permission_denied", "http_response_code": 403, "DATA_TYPE": "result#1.0.0", "detail": null, "message": "Could not list collections. Insufficient permissions", "data": [], "has_next_page": false, "marker": ""}),
        ),
    );
    let e = client(&s).get_collection_list().send().await.unwrap_err();
    assert_eq!((e.http_status(), e.code()), (Some(403), Some("permission_denied")));
    assert_eq!(e.message(), Some("Could not list collections. Insufficient permissions"));
    s.once(
        "GET",
        "/api/collections/c9",
        Reply::json(
            401,
            json!({"code": "AuthenticationTimeout", "DATA_TYPE": "result#1.0.0", "detail": {"DATA_TYPE": "authentication_timeout#1.1.0", "require_high_assurance": true}, "data": []}),
        ),
    );
    let e = client(&s).get_collection().collection_id("c9").send().await.unwrap_err();
    assert_eq!(e.code(), Some("AuthenticationTimeout"));
    assert!(e.message().unwrap().contains("authentication_timeout#1.1.0"), "{e}");
}

#[test]
fn per_endpoint_and_per_collection_scopes() {
    use globus_sdk::scopes::gcs;
    assert_eq!(gcs::endpoint("ep-1").manage_collections().to_string(), "urn:globus:auth:scope:ep-1:manage_collections");
    assert_eq!(gcs::collection("c-1").data_access().to_string(), "https://auth.globus.org/scopes/c-1/data_access");
    assert_eq!(gcs::collection("c-1").resource_server(), "c-1");
}

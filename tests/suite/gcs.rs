//! The GCS client on loopback: envelopes unpacked (the envelope kept), versioned documents filled
//! by the builders, a manager URL per client, the endpoint's client id read without
//! credentials, per-endpoint and per-collection scopes, GCS errors, listings streamed, secrets
//! kept out of `Debug`.

use crate::common::*;
use futures::TryStreamExt;
use globus_sdk::ErrorKind;
use globus_sdk::authorizers::AccessTokenAuthorizer;
use globus_sdk::gcs::{
    Client, Connector, GuestCollectionDocument, MappedCollectionDocument, RoleDocument, StorageGatewayDocument,
    StoragePolicies, UserCredentialDocument, types,
};
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
    Client::builder()
        .base_url(s.url())
        .authorizer(AccessTokenAuthorizer::new("TOKEN"))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

#[test]
fn a_client_needs_its_endpoint_url() {
    let e = Client::builder().build().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(e.to_string().contains("base_url"), "{e}");
    let c = Client::for_endpoint("https://abc.xyz.data.globus.org/api/", AccessTokenAuthorizer::new("T")).unwrap();
    assert_eq!(c.base_url(), "https://abc.xyz.data.globus.org");
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
    assert_eq!(s.requests()[0].header("authorization"), Some("Bearer TOKEN"));
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
        assert_eq!(e.service(), Some("gcs"));
        let kept = e.json().unwrap();
        assert_eq!(kept["code"], "success", "the envelope is kept");
        assert_eq!(kept["data"].as_array().map_or(0, Vec::len), count);
    }
}

#[tokio::test]
async fn the_documents_fill_their_version_and_send_only_what_was_set() {
    let s = server().await;
    s.once("POST", "/api/collections", Reply::json(200, envelope(json!([collection("new")]))));
    let created = client(&s)
        .create_collection()
        .body(MappedCollectionDocument::new().storage_gateway_id("sg-1").collection_base_path("/").display_name("Mine"))
        .send()
        .await
        .unwrap();
    assert_eq!(created.id, "new");
    assert_eq!(
        s.requests()[0].json(),
        json!({"DATA_TYPE": "collection#1.0.0", "collection_type": "mapped", "storage_gateway_id": "sg-1", "collection_base_path": "/", "display_name": "Mine"})
    );
    // A later field needs a later version; an empty list clears.
    s.once("PATCH", "/api/collections/new", Reply::json(200, envelope(json!([collection("new")]))));
    let update = MappedCollectionDocument::new().delete_protected(false).sharing_users_deny(Vec::<String>::new());
    client(&s).update_collection().collection_id("new").body(update).send().await.unwrap();
    assert_eq!(
        s.requests()[1].json(),
        json!({"DATA_TYPE": "collection#1.8.0", "collection_type": "mapped", "delete_protected": false, "sharing_users_deny": []})
    );
    // `body_map` on the generated builder fills the base version.
    s.once("PATCH", "/api/collections/new", Reply::json(200, envelope(json!([collection("new")]))));
    client(&s).update_collection().collection_id("new").body_map(|b| b.public(false)).send().await.unwrap();
    assert_eq!(s.requests()[2].json(), json!({"DATA_TYPE": "collection#1.0.0", "public": false}));
    // A guest collection.
    s.once("POST", "/api/collections", Reply::json(200, envelope(json!([collection("guest")]))));
    let guest =
        GuestCollectionDocument::new().mapped_collection_id("new").user_credential_id("uc").collection_base_path("/s");
    client(&s).create_collection().body(guest).send().await.unwrap();
    assert_eq!(s.requests()[3].json()["collection_type"], "guest");
    assert_eq!(s.requests()[3].json()["mapped_collection_id"], "new");
}

#[tokio::test]
async fn storage_gateways_roles_and_credentials_round_trip() {
    let s = server().await;
    let gateway = json!({"DATA_TYPE": "storage_gateway#1.0.0", "id": "sg-1", "connector_id": Connector::POSIX.id,
        "policies": {"DATA_TYPE": "posix_storage_policies#1.0.0", "groups_allow": ["g"]}});
    s.once("POST", "/api/storage_gateways", Reply::json(200, envelope(json!([gateway]))));
    let doc = StorageGatewayDocument::new()
        .display_name("home")
        .connector_id(Connector::POSIX.id)
        .root("/")
        .require_mfa(true)
        .policies(StoragePolicies::posix().groups_allow(["g"]).groups_deny(Vec::<String>::new()));
    let sg = client(&s).create_storage_gateway().body(doc).send().await.unwrap();
    assert_eq!(Connector::lookup(sg.connector_id.as_deref().unwrap()), Some(Connector::POSIX));
    assert_eq!(sg.policies.as_ref().unwrap().extra["groups_allow"], json!(["g"]));
    assert_eq!(
        s.requests()[0].json(),
        json!({"DATA_TYPE": "storage_gateway#1.1.0", "display_name": "home", "connector_id": Connector::POSIX.id, "root": "/", "require_mfa": true,
               "policies": {"DATA_TYPE": "posix_storage_policies#1.0.0", "groups_allow": ["g"], "groups_deny": []}})
    );

    s.once("POST", "/api/roles", Reply::json(200, envelope(json!([{"DATA_TYPE": "role#1.0.0", "id": "r-1", "role": "administrator", "principal": "urn:globus:auth:identity:u", "collection": null}]))));
    let role = client(&s)
        .create_role()
        .body(RoleDocument::new("urn:globus:auth:identity:u", "administrator"))
        .send()
        .await
        .unwrap();
    assert_eq!((role.id.as_str(), role.collection.as_deref()), ("r-1", None));
    assert_eq!(
        s.requests()[1].json(),
        json!({"DATA_TYPE": "role#1.0.0", "principal": "urn:globus:auth:identity:u", "role": "administrator"})
    );

    let credential = json!({"DATA_TYPE": "user_credential#1.0.0", "id": "uc-1", "invalid": false,
        "policies": {"DATA_TYPE": "s3_user_credential_policies#1.0.0", "s3_key_id": "AKID", "s3_secret_key": "VERY-SECRET"}});
    s.once("POST", "/api/user_credentials", Reply::json(200, envelope(json!([credential]))));
    let doc = UserCredentialDocument::new().storage_gateway_id("sg-1").policies(
        json!({"DATA_TYPE": "s3_user_credential_policies#1.0.0", "s3_key_id": "AKID", "s3_secret_key": "VERY-SECRET"}),
    );
    assert!(!format!("{doc:?}").contains("VERY-SECRET"));
    let uc = client(&s).create_user_credential().body(doc).send().await.unwrap();
    assert_eq!(uc.policies.as_ref().unwrap().s3_secret_key.as_ref().unwrap().expose(), "VERY-SECRET");
    assert!(!format!("{uc:?}").contains("VERY-SECRET"), "secrets stay out of Debug");
    assert_eq!(s.requests()[2].json()["policies"]["s3_secret_key"], "VERY-SECRET", "and are sent whole");

    s.once("DELETE", "/api/storage_gateways/sg-1", Reply::json(200, envelope(json!([{}]))));
    let deleted = client(&s).delete_storage_gateway().storage_gateway_id("sg-1").send().await.unwrap();
    assert_eq!(deleted.code.as_deref(), Some("success"));
}

#[tokio::test]
async fn update_endpoint_answers_the_envelope_with_or_without_the_endpoint() {
    let s = server().await;
    s.once(
        "PATCH",
        "/api/endpoint",
        Reply::json(200, json!({"DATA_TYPE": "result#1.0.0", "code": "success", "data": []})),
    );
    let r = client(&s)
        .update_endpoint()
        .body(globus_sdk::gcs::EndpointDocument::new().display_name("x").subscription_id(None))
        .send()
        .await
        .unwrap();
    assert!(r.data.is_empty());
    assert_eq!(
        s.requests()[0].json(),
        json!({"DATA_TYPE": "endpoint#1.0.0", "display_name": "x", "subscription_id": null})
    );
    s.once(
        "PATCH",
        "/api/endpoint",
        Reply::json(200, envelope(json!([{"DATA_TYPE": "endpoint#1.2.0", "id": "ep", "display_name": "x"}]))),
    );
    let r = client(&s).update_endpoint().include("endpoint").body_map(|b| b.public(true)).send().await.unwrap();
    assert_eq!(r.data[0].id.as_deref(), Some("ep"));
    assert_eq!(s.requests()[1].query_param("include"), Some("endpoint"));
}

#[tokio::test]
async fn the_endpoint_client_id_is_read_without_credentials_once() {
    let s = server().await;
    s.once(
        "GET",
        "/api/info",
        Reply::json(
            200,
            json!({"DATA_TYPE": "result#1.1.0", "code": "success", "data": [
            {"DATA_TYPE": "connector#1.1.0", "id": Connector::S3.id, "display_name": "S3"},
            {"DATA_TYPE": "info#1.0.0", "client_id": "client-9", "endpoint_id": "ep-9", "api_version": "1.29.0"}]}),
        ),
    );
    let c = client(&s);
    assert_eq!(c.endpoint_client_id().await.unwrap(), "client-9");
    assert_eq!(c.endpoint_client_id().await.unwrap(), "client-9", "kept");
    assert_eq!(s.requests_to("GET", "/api/info").len(), 1);
    assert_eq!(s.requests()[0].header("authorization"), None, "info is called without credentials");
    let scopes: Vec<String> = c.default_scope_requirements().await.unwrap().iter().map(ToString::to_string).collect();
    assert_eq!(scopes, ["urn:globus:auth:scope:client-9:manage_collections"]);

    // The typed call sends the client's credentials, and answers the connectors too.
    s.once("GET", "/api/info", Reply::json(200, json!({"DATA_TYPE": "result#1.1.0", "data": [{"DATA_TYPE": "info#1.0.0", "client_id": "c"}, {"DATA_TYPE": "connector#1.1.0", "id": "x", "display_name": "New"}]})));
    let info = c.get_gcs_info().send().await.unwrap();
    assert_eq!(info.connectors().map(|c| c.display_name.clone().unwrap()).collect::<Vec<_>>(), ["New"]);
    assert_eq!(Connector::lookup("x"), None, "an unknown connector is not an error");
}

#[tokio::test]
async fn info_without_a_client_id_is_an_error() {
    let s = server().await;
    s.once(
        "GET",
        "/api/info",
        Reply::json(200, json!({"DATA_TYPE": "result#1.1.0", "data": [{"DATA_TYPE": "connector#1.1.0"}]})),
    );
    let e = client(&s).endpoint_client_id().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert!(e.to_string().contains("client_id"), "{e}");
}

#[tokio::test]
async fn an_older_manager_without_a_client_id_gives_its_endpoint_id() {
    let s = server().await;
    s.once(
        "GET",
        "/api/info",
        Reply::json(200, json!({"data": [{"DATA_TYPE": "info#1.0.0", "endpoint_id": "ep-old"}]})),
    );
    assert_eq!(client(&s).endpoint_client_id().await.unwrap(), "ep-old");
}

#[tokio::test]
async fn listings_stream_over_markers() {
    let s = server().await;
    s.always("GET", "/api/roles", |r| {
        let body = match r.query_param("marker") {
            None => json!({"DATA_TYPE": "result#1.0.0", "data": [{"id": "r1", "role": "owner"}], "has_next_page": true, "marker": "m1"}),
            Some("m1") => json!({"DATA_TYPE": "result#1.0.0", "data": [{"id": "r2", "role": "administrator", "new": 1}], "has_next_page": false, "marker": null}),
            Some(_) => json!({"code": "bad_marker"}),
        };
        Reply::json(200, body)
    });
    let roles: Vec<String> = client(&s)
        .get_role_list()
        .collection_id("c-1")
        .page_size(1)
        .into_stream()
        .items()
        .map_ok(|r| r.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(roles, ["r1", "r2"]);
    let reqs = s.requests();
    assert_eq!((reqs[1].query_param("marker"), reqs[1].query_param("collection_id")), (Some("m1"), Some("c-1")));
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

/// An app's GCS client: the endpoint's client id read without credentials, its
/// `manage_collections` scope added to the app's requirements under that resource server.
#[tokio::test]
async fn an_app_client_asks_for_the_endpoint_scope() {
    use globus_sdk::app::{AppConfig, GlobusApp, UserApp};
    use globus_sdk::testing::LocalGlobus;
    let local = LocalGlobus::start().await.unwrap();
    let s = server().await;
    s.once(
        "GET",
        "/api/info",
        Reply::json(
            200,
            json!({"DATA_TYPE": "result#1.1.0", "data": [{"DATA_TYPE": "info#1.0.0", "client_id": "app-ep-client"}]}),
        ),
    );
    let config = AppConfig::new().sdk_config(local.config()).token_storage_memory();
    let app = UserApp::with_config("GCS App", local.native_client().id(), config).unwrap();
    let gcs = Client::from_app(&app, &format!("{}/api/", s.url())).await.unwrap();
    assert_eq!(gcs.base_url(), s.url().trim_end_matches('/'));
    let wanted: Vec<String> = app.scope_requirements()["app-ep-client"].iter().map(ToString::to_string).collect();
    assert_eq!(wanted, ["urn:globus:auth:scope:app-ep-client:manage_collections"]);
    assert_eq!(s.requests()[0].header("authorization"), None);
    assert!(app.login_required().unwrap());
}

#[tokio::test]
async fn owners_subscriptions_and_batch_deletes_send_their_document_types() {
    let s = server().await;
    let ok = || Reply::json(200, json!({"DATA_TYPE": "result#1.0.0", "code": "success", "data": []}));
    s.once("PUT", "/api/collections/c-1/owner", ok());
    s.once("PUT", "/api/endpoint/owner", ok());
    s.once("PUT", "/api/endpoint/subscription_id", ok());
    s.once("POST", "/api/collections/batch_delete", ok());
    let c = client(&s);
    c.set_collection_owner().collection_id("c-1").body_map(|b| b.identity_id("u-2")).send().await.unwrap();
    c.set_endpoint_owner().body_map(|b| b.identity_id("u-3")).send().await.unwrap();
    c.set_endpoint_subscription_id().body_map(|b| b.subscription_id(None::<String>)).send().await.unwrap();
    let r =
        c.batch_delete_collections().body(globus_sdk::gcs::batch_delete_document(["g-1", "g-2"])).send().await.unwrap();
    assert_eq!(r.code.as_deref(), Some("success"));
    let sent: Vec<serde_json::Value> = s.requests().iter().map(|r| r.json()).collect();
    assert_eq!(sent[0], json!({"DATA_TYPE": "collection_owner#1.0.0", "identity_id": "u-2"}));
    assert_eq!(sent[1], json!({"DATA_TYPE": "endpoint_owner#1.0.0", "identity_id": "u-3"}));
    assert_eq!(sent[2], json!({"DATA_TYPE": "endpoint_subscription#1.0.0", "subscription_id": null}));
    assert_eq!(sent[3], json!({"DATA_TYPE": "batch#1.0.0", "ids": ["g-1", "g-2"]}));
}

#[tokio::test]
async fn an_envelope_without_data_is_empty_or_a_decode_error() {
    let s = server().await;
    s.once(
        "DELETE",
        "/api/user_credentials/uc-1",
        Reply::json(
            200,
            json!({"DATA_TYPE": "result#1.0.0", "code": "success", "http_response_code": 200, "detail": null}),
        ),
    );
    let r = client(&s).delete_user_credential().user_credential_id("uc-1").send().await.unwrap();
    assert!(r.data.is_empty());
    s.once("GET", "/api/roles/r-1", Reply::json(200, json!({"DATA_TYPE": "result#1.0.0", "code": "success"})));
    let e = client(&s).get_role().role_id("r-1").send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert!(e.to_string().contains("with 0 objects in `data`"), "{e}");
}

#[tokio::test]
async fn sharing_policies_and_collection_checks_are_listings() {
    let s = server().await;
    s.once(
        "GET",
        "/api/sharing_policies",
        Reply::json(200, json!({"DATA_TYPE": "result#1.0.0", "data": [{"DATA_TYPE": "sharing_policy#1.0.0", "id": "sp-1", "collection_id": "c-1", "sharing_restrict_paths": {"DATA_TYPE": "path_restrictions#1.0.0", "read": ["/"]}}], "has_next_page": false})),
    );
    let policies: Vec<_> =
        client(&s).get_sharing_policy_list().collection_id("c-1").into_stream().items().try_collect().await.unwrap();
    assert_eq!(policies[0].sharing_restrict_paths.as_ref().unwrap()["read"], json!(["/"]));
    assert_eq!(s.requests()[0].query_param("collection_id"), Some("c-1"));
    // `/api/collections/check` is its own operation, not the collection `check`.
    s.once(
        "GET",
        "/api/collections/check",
        Reply::json(200, json!({"data": [{"DATA_TYPE": "check_result#1.0.0", "id": "c-1", "message": "ok", "error": null}], "has_next_page": false})),
    );
    let checks: Vec<_> = client(&s).check_collections().into_stream().items().try_collect().await.unwrap();
    assert_eq!((checks[0].id.as_deref(), checks[0].error.is_none()), (Some("c-1"), true));
}

#[tokio::test]
async fn lan_secrets_are_created_kept_secret_and_deleted() {
    let s = server().await;
    let secret = json!({"DATA_TYPE": "lan_secret#1.0.0", "id": "ls-1", "secret": "LAN-SECRET-VALUE", "tunnel_id": "t-1",
        "stream_access_point_id": "sap-1", "expires": 1_900_000_000.0, "username": "alice"});
    s.once("POST", "/api/lan_secrets", Reply::json(200, envelope(json!([secret]))));
    let body: types::LanSecretCreate =
        serde_json::from_value(json!({"stream_access_point_id": "sap-1", "tunnel_id": "t-1", "expires_in_mins": 30}))
            .unwrap();
    let got = client(&s).create_lan_secret().body(body).send().await.unwrap();
    assert_eq!(got.id.as_deref(), Some("ls-1"));
    assert_eq!(got.secret.as_ref().unwrap().expose(), "LAN-SECRET-VALUE");
    assert!(!format!("{got:?}").contains("LAN-SECRET-VALUE"), "the secret stays out of Debug");
    assert_eq!(
        s.requests()[0].json(),
        json!({"DATA_TYPE": "lan_secret_create#1.0.0", "stream_access_point_id": "sap-1", "tunnel_id": "t-1", "expires_in_mins": 30})
    );

    s.once("DELETE", "/api/lan_secrets/ls-1", Reply::json(200, envelope(json!([]))));
    let deleted = client(&s).delete_lan_secret().lan_secret_id("ls-1").send().await.unwrap();
    assert_eq!(deleted.code.as_deref(), Some("success"));
}

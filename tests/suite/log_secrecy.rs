//! No token appears in logs (even at TRACE) or in `Debug` output.
//!
//! In its own process: tracing caches per-callsite interest process-wide, so a thread-local
//! subscriber only sees every event when no other test runs beside it.
use std::sync::{Arc, Mutex};

use crate::common::*;
use globus_sdk::transport::RetryPolicy;

#[test]
fn no_token_in_debug_or_logs() {
    run_alone("log_secrecy::no_token_in_debug_or_logs_alone");
}

#[test]
#[ignore = "runs in its own process, started by no_token_in_debug_or_logs"]
fn no_token_in_debug_or_logs_alone() {
    assert_alone("log_secrecy::no_token_in_debug_or_logs_alone");
    let logs = TraceLogs::capture();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let debug = rt.block_on(async {
        let s = server().await;
        s.always("POST", TOKEN, |_| token_reply("AT-LEAK-CHECK", Some("RT-LEAK-CHECK"), 3600));
        let accepted = Arc::new(Mutex::new("AT-LEAK-CHECK".to_string()));
        identities_for(&s, accepted);
        let app = app(&s);
        let tokens = app.client_credentials_tokens(&[globus_sdk::auth::scopes::view_identities()]).await.unwrap();
        let authorizer = app.refresh_token_authorizer(expired("OLD-AT-LEAK", "RT-LEAK-CHECK")).unwrap();
        let auth = auth_client(&s, authorizer, RetryPolicy::none());
        let found = auth.get_identities().ids("id-1").send().await.unwrap();
        format!("{tokens:?} {:?} {auth:?} {found:?} {:?}", tokens.by_resource_server(), auth.authorizer())
    });
    let logs = logs.text();
    assert!(logs.contains("globus_request"), "requests were traced: {logs}");
    for secret in ["AT-LEAK-CHECK", "RT-LEAK-CHECK", "OLD-AT-LEAK", "csecret"] {
        assert!(!logs.contains(secret), "{secret} in logs");
        assert!(!debug.contains(secret), "{secret} in Debug output: {debug}");
    }
}

#[test]
fn raw_requests_and_logged_bodies_hide_secrets() {
    run_alone("log_secrecy::raw_requests_and_logged_bodies_hide_secrets_alone");
}

#[test]
#[ignore = "runs in its own process, started by raw_requests_and_logged_bodies_hide_secrets"]
fn raw_requests_and_logged_bodies_hide_secrets_alone() {
    assert_alone("log_secrecy::raw_requests_and_logged_bodies_hide_secrets_alone");
    use globus_sdk::testing::Reply;
    use serde_json::json;

    let logs = TraceLogs::capture();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let s = server().await;
        s.fallback(|_| token_reply("AT-RAW-LEAK", Some("RT-RAW-LEAK"), 3600));
        let auth = auth_client(&s, globus_sdk::authorizers::NullAuthorizer, RetryPolicy::none());
        // A raw request to the token endpoint is as secret as the typed `oauth2_token`: neither
        // body is logged (also through a path spelled differently).
        for path in [TOKEN, "/v2/oauth2/token/", "//v2/oauth2/%74oken"] {
            let form = [("grant_type", "refresh_token"), ("refresh_token", "RT-SENT-LEAK"), ("note", "RAW-TOKEN-BODY")];
            let answer = auth.raw_post(path).form(&form).send().await.unwrap();
            assert!(answer.text().contains("AT-RAW-LEAK"), "the caller still reads the answer");
        }
        // Other bodies are logged with each secret field redacted, JSON and form alike.
        s.always("POST", "/v2/custom", |_| {
            Reply::json(
                200,
                json!({"access_token": "AT-JSON-LEAK", "nested": [{"token": "TOKEN-SPEC-LEAK"}], "shown": "VISIBLE-ANSWER"}),
            )
        });
        auth.raw_post("/v2/custom")
            .json(&json!({"refresh_token": "RT-JSON-LEAK", "client": {"client_secret": "CS-JSON-LEAK"}, "shown": "VISIBLE-REQUEST"}))
            .send()
            .await
            .unwrap();
        auth.raw_post("/v2/custom")
            .form(&[("code", "CODE-FORM-LEAK"), ("code_verifier", "PKCE-FORM-LEAK"), ("password", "PW-FORM-LEAK"), ("shown", "VISIBLE-FORM")])
            .send()
            .await
            .unwrap();
        // An error answer keeps its Globus code in the log, and hides its secrets.
        s.once("POST", "/v2/custom", Reply::json(400, json!({"code": "VISIBLE-ERROR-CODE", "id_token": "ID-ERR-LEAK"})));
        auth.raw_post("/v2/custom").send().await.unwrap_err();
    });
    let logs = logs.text();
    for shown in ["VISIBLE-ANSWER", "VISIBLE-REQUEST", "VISIBLE-FORM", "VISIBLE-ERROR-CODE", "[redacted]"] {
        assert!(logs.contains(shown), "{shown} was logged: {logs}");
    }
    assert!(!logs.contains("RAW-TOKEN-BODY"), "the token endpoint's bodies are not logged: {logs}");
    for secret in [
        "AT-RAW-LEAK",
        "RT-RAW-LEAK",
        "RT-SENT-LEAK",
        "AT-JSON-LEAK",
        "TOKEN-SPEC-LEAK",
        "RT-JSON-LEAK",
        "CS-JSON-LEAK",
        "CODE-FORM-LEAK",
        "PKCE-FORM-LEAK",
        "PW-FORM-LEAK",
        "ID-ERR-LEAK",
    ] {
        assert!(!logs.contains(secret), "{secret} in logs: {logs}");
    }
}

#[test]
fn debug_of_token_responses_hides_unknown_fields() {
    use globus_sdk::auth::TokenResponse;
    use globus_sdk::auth::types::{OAuthTokenGrantResponse, OAuthTokenResponse};
    let doc = serde_json::json!({
        "access_token": "AT-DEBUG-LEAK", "refresh_token": "RT-DEBUG-LEAK", "id_token": "ID-DEBUG-LEAK",
        "expires_in": 3600, "resource_server": "auth.globus.org", "scope": "openid", "token_type": "Bearer",
        "future_token": "FUTURE-DEBUG-LEAK", "device": {"secret": "NESTED-DEBUG-LEAK"},
        "other_tokens": [{"access_token": "AT2-DEBUG-LEAK", "resource_server": "transfer.api.globus.org",
                          "scope": "s", "expires_in": 10, "extra_secret": "OTHER-DEBUG-LEAK"}]
    });
    let raw: OAuthTokenResponse = serde_json::from_value(doc.clone()).unwrap();
    let tokens = TokenResponse::new(raw.clone());
    let grant: OAuthTokenGrantResponse = serde_json::from_value(doc).unwrap();
    let builder = globus_sdk::auth::types::builder::OAuthTokenResponse::from(raw.clone());
    let shown = format!("{tokens:?} {raw:?} {grant:?} {builder:?} {:?}", tokens.by_resource_server());
    for secret in [
        "AT-DEBUG-LEAK",
        "RT-DEBUG-LEAK",
        "ID-DEBUG-LEAK",
        "FUTURE-DEBUG-LEAK",
        "NESTED-DEBUG-LEAK",
        "AT2-DEBUG-LEAK",
        "OTHER-DEBUG-LEAK",
    ] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    // The unknown fields are named, and the known ones that are not secret are shown.
    assert!(shown.contains("future_token") && shown.contains("auth.globus.org"), "{shown}");
}

#[test]
fn gcs_secrets_stay_out_of_logs() {
    run_alone("log_secrecy::gcs_secrets_stay_out_of_logs_alone");
}

/// GCS: storage gateway policies' secrets and user credentials' keys, sent and answered, are
/// never logged; the rest of a storage gateway's body is, at TRACE.
#[test]
#[ignore = "runs in its own process, started by gcs_secrets_stay_out_of_logs"]
fn gcs_secrets_stay_out_of_logs_alone() {
    assert_alone("log_secrecy::gcs_secrets_stay_out_of_logs_alone");
    use globus_sdk::gcs::{Client, StorageGatewayDocument, StoragePolicies, UserCredentialDocument};
    use globus_sdk::testing::Reply;
    use serde_json::json;

    let logs = TraceLogs::capture();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let s = server().await;
        let gcs = Client::builder()
            .base_url(s.url())
            .authorizer(globus_sdk::authorizers::NullAuthorizer)
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap();
        let envelope = |doc: serde_json::Value| json!({"DATA_TYPE": "result#1.0.0", "code": "success", "data": [doc]});
        s.once(
            "POST",
            "/api/storage_gateways",
            Reply::json(200, envelope(json!({"id": "sg", "display_name": "VISIBLE-GATEWAY", "policies": {"secret": "SG-ANSWER-LEAK", "boxAppSettings": {"clientSecret": "BOX-ANSWER-LEAK"}}}))),
        );
        let policies = StoragePolicies::google_drive().client_id("VISIBLE-CLIENT").secret("SG-SENT-LEAK");
        gcs.create_storage_gateway()
            .body(StorageGatewayDocument::new().display_name("VISIBLE-SENT").policies(policies))
            .send()
            .await
            .unwrap();
        s.once(
            "POST",
            "/api/user_credentials",
            Reply::json(200, envelope(json!({"id": "uc", "policies": {"s3_key_id": "K", "s3_secret_key": "UC-ANSWER-LEAK"}}))),
        );
        let doc = UserCredentialDocument::new().policies(json!({"s3_key_id": "K", "s3_secret_key": "UC-SENT-LEAK"}));
        gcs.create_user_credential().body(doc).send().await.unwrap();
        s.once(
            "GET",
            "/api/user_credentials",
            Reply::json(200, json!({"data": [{"id": "uc", "policies": {"s3_secret_key": "UC-LIST-LEAK"}}], "has_next_page": false})),
        );
        gcs.get_user_credential_list().send().await.unwrap();
    });
    let logs = logs.text();
    for shown in ["VISIBLE-GATEWAY", "VISIBLE-SENT", "VISIBLE-CLIENT", "[redacted]"] {
        assert!(logs.contains(shown), "{shown} was logged: {logs}");
    }
    for secret in
        ["SG-ANSWER-LEAK", "BOX-ANSWER-LEAK", "SG-SENT-LEAK", "UC-ANSWER-LEAK", "UC-SENT-LEAK", "UC-LIST-LEAK"]
    {
        assert!(!logs.contains(secret), "{secret} in logs: {logs}");
    }
}

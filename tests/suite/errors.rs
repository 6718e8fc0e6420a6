//! Bad answers over real HTTP: every one is a clear error that keeps status, request id and body.

use std::time::Duration;

use crate::common::*;
use globus_sdk::authorizers::NullAuthorizer;
use globus_sdk::testing::Reply;
use globus_sdk::transport::RetryPolicy;
use globus_sdk::{Error, ErrorKind};
use serde_json::json;

const IDS: &str = "/v2/api/identities";

async fn get_identities_error(reply: Reply) -> Error {
    let s = server().await;
    s.once("GET", IDS, reply);
    let auth = auth_client(&s, NullAuthorizer, RetryPolicy::none());
    let result = auth.get_identities().usernames("a@b.org").send().await;
    result.expect_err("the answer is an error")
}

#[tokio::test]
async fn html_error_page() {
    let html = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    let e = get_identities_error(Reply::bytes(502, "text/html", html).header("X-Request-Id", "lb-77")).await;
    assert_eq!(e.kind(), ErrorKind::Api);
    assert_eq!(e.http_status(), Some(502));
    assert_eq!(e.raw_text(), Some(html));
    assert_eq!(e.request_id(), Some("lb-77"));
    assert_eq!(e.headers().unwrap()["content-type"], "text/html");
    assert_eq!(e.service(), Some("auth"));
    let shown = e.to_string();
    assert!(shown.contains("502 Bad Gateway") && shown.contains("text/html") && shown.contains("lb-77"), "{shown}");
}

#[tokio::test]
async fn empty_error_body() {
    let e = get_identities_error(Reply::empty(500)).await;
    assert_eq!(e.kind(), ErrorKind::Api);
    assert_eq!(e.http_status(), Some(500));
    assert_eq!(e.raw_body(), Some(&b""[..]));
    assert!(e.to_string().contains("empty body"), "{e}");
}

#[tokio::test]
async fn truncated_json_error_body() {
    let e = get_identities_error(Reply::bytes(400, "application/json", r#"{"code": "BadRequest", "mess"#)).await;
    assert_eq!(e.kind(), ErrorKind::Api);
    assert_eq!(e.http_status(), Some(400));
    assert_eq!(e.raw_text(), Some(r#"{"code": "BadRequest", "mess"#));
    assert_eq!(e.code(), None);
}

#[tokio::test]
async fn html_where_json_was_expected() {
    let e =
        get_identities_error(Reply::bytes(200, "text/html", "<html>maintenance</html>").header("x-request-id", "r1"))
            .await;
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert_eq!(e.http_status(), Some(200));
    assert_eq!(e.raw_text(), Some("<html>maintenance</html>"));
    assert_eq!(e.request_id(), Some("r1"));
    assert!(e.to_string().contains("not valid JSON"), "{e}");
}

#[tokio::test]
async fn empty_success_body() {
    let e = get_identities_error(Reply::empty(200)).await;
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert_eq!(e.http_status(), Some(200));
    assert!(e.to_string().contains("empty body"), "{e}");
}

#[tokio::test]
async fn truncated_success_json() {
    let e = get_identities_error(Reply::bytes(200, "application/json", r#"{"identities": [{"id": "x""#)).await;
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert_eq!(e.http_status(), Some(200));
    assert_eq!(e.raw_text(), Some(r#"{"identities": [{"id": "x""#));
}

#[tokio::test]
async fn json_of_the_wrong_shape() {
    let e = get_identities_error(
        Reply::json(200, json!({"identities": "not a list"}))
            .header("x-request-id", "shape-1")
            .header("x-extra", "kept"),
    )
    .await;
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert_eq!(e.raw_text(), Some(r#"{"identities":"not a list"}"#));
    // A valid JSON body of the wrong shape keeps what any other error keeps.
    assert_eq!(e.http_status(), Some(200));
    assert_eq!(e.request_id(), Some("shape-1"));
    assert_eq!(e.service(), Some("auth"));
    assert_eq!(e.headers().unwrap()["x-extra"], "kept");
    assert_eq!(e.retries(), Some(0));
    let shown = e.to_string();
    assert!(shown.contains("does not match") && shown.contains("200 OK") && shown.contains("shape-1"), "{shown}");
    // serde's account of what did not match is the error's source.
    let source = std::error::Error::source(&e).expect("the decode error").to_string();
    assert!(source.contains("invalid type") && shown.contains(&source), "{source}");
}

#[tokio::test]
async fn a_wrong_shape_from_a_token_endpoint_keeps_its_status_but_not_its_values() {
    let s = server().await;
    let secret = "AgSECRETrefreshTOKENshape";
    // `other_tokens` must be a list: serde's own message would quote the refused string.
    s.once(
        "POST",
        "/v2/oauth2/token",
        Reply::json(
            200,
            json!({"access_token": "AT", "resource_server": "auth.globus.org", "scope": "openid",
                   "expires_in": 1, "other_tokens": secret}),
        )
        .header("x-request-id", "tok-shape"),
    );
    let app = globus_sdk::auth::ConfidentialAppClient::from_client(
        auth_client(&s, NullAuthorizer, RetryPolicy::none()),
        "cid",
    );
    let e = app.client_credentials_tokens(&[globus_sdk::auth::scopes::openid()]).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert_eq!((e.http_status(), e.request_id(), e.service()), (Some(200), Some("tok-shape"), Some("auth")));
    assert!(e.raw_text().unwrap().contains(secret), "the caller can still read the body");
    let source = std::error::Error::source(&e).unwrap().to_string();
    assert!(!format!("{e} {e:?} {source}").contains(secret), "{e}");
    assert!(source.contains("details hidden"), "{source}");
}

#[tokio::test]
async fn connection_dropped_mid_body() {
    let body = serde_json::to_vec(&identities(&[("a", "a@b.org")])).unwrap();
    let e = get_identities_error(
        Reply::bytes(200, "application/json", body.clone()).header("x-request-id", "r2").truncated(10),
    )
    .await;
    assert_eq!(e.kind(), ErrorKind::Transport);
    assert_eq!(e.http_status(), Some(200));
    assert_eq!(e.raw_body(), Some(&body[..10]), "the bytes that arrived are kept");
    assert_eq!(e.request_id(), Some("r2"));
    assert!(e.is_retryable());
    assert!(e.to_string().contains("connection broke"), "{e}");
}

#[tokio::test]
async fn connection_dropped_before_answering() {
    let e = get_identities_error(Reply::drop_connection()).await;
    assert_eq!(e.kind(), ErrorKind::Transport);
    assert_eq!(e.http_status(), None);
    assert!(e.is_retryable());
}

#[tokio::test]
async fn timeout() {
    let s = server().await;
    s.once("GET", IDS, Reply::json(200, json!({"identities": []})).delayed(Duration::from_secs(3)));
    let auth = globus_sdk::auth::Client::builder()
        .base_url(s.url())
        .retry_policy(RetryPolicy::none())
        .timeout(Some(Duration::from_millis(200)))
        .build()
        .unwrap();
    let e = auth.get_identities().ids("x").send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert!(e.to_string().contains("timed out"), "{e}");
}

#[tokio::test]
async fn globus_error_formats_over_http() {
    let transfer = get_identities_error(Reply::json(
        404,
        json!({"code": "ClientError.NotFound", "message": "not here", "request_id": "abc", "resource": "/x"}),
    ))
    .await;
    assert_eq!(
        (transfer.code(), transfer.message(), transfer.request_id()),
        (Some("ClientError.NotFound"), Some("not here"), Some("abc"))
    );

    let auth = get_identities_error(Reply::json(
        400,
        json!({"errors": [{"code": "UNKNOWN_ID", "detail": "unknown", "id": "e-1", "status": "400", "title": "Bad"}], "error": "invalid_request", "error_description": "Invalid"}),
    ))
    .await;
    assert_eq!(auth.code(), Some("invalid_request"));
    assert_eq!(auth.errors()[0].code.as_deref(), Some("UNKNOWN_ID"));

    let jsonapi = get_identities_error(Reply::json(
        422,
        json!({"errors": [{"status": "422", "code": "INVALID", "title": "Invalid", "detail": "bad field", "id": "j1"}]}),
    ))
    .await;
    assert_eq!((jsonapi.code(), jsonapi.message()), (Some("INVALID"), Some("bad field")));
    assert_eq!(jsonapi.errors()[0].id.as_deref(), Some("j1"));
}

#[tokio::test]
async fn consent_required_exposes_requirements() {
    let e = get_identities_error(Reply::json(
        403,
        json!({"code": "ConsentRequired", "message": "Missing required data_access consent", "request_id": "r",
               "required_scopes": ["urn:globus:auth:scope:transfer.api.globus.org:all[*https://auth.globus.org/scopes/c/data_access]"]}),
    ))
    .await;
    let gare = e.authorization_requirements().expect("a GARE");
    assert_eq!(gare.code, "ConsentRequired");
    assert_eq!(gare.parameters.required_scopes.len(), 1);
    let params = globus_sdk::auth::AuthorizeParams::from_requirements(&gare.parameters);
    assert!(params.session_required_identities.is_empty());
}

#[tokio::test]
async fn token_endpoint_bodies_never_shown() {
    let s = server().await;
    let secret = "AgSECRETrefreshTOKENvalue";
    s.once(
        "POST",
        "/v2/oauth2/token",
        Reply::bytes(200, "application/json", format!(r#"{{"access_token": "{secret}", "resource_ser"#)),
    );
    let app = globus_sdk::auth::ConfidentialAppClient::from_client(
        auth_client(&s, NullAuthorizer, RetryPolicy::none()),
        "cid",
    );
    let e = app.client_credentials_tokens(&[globus_sdk::auth::scopes::openid()]).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert!(e.raw_text().unwrap().contains(secret), "the caller can still read the body");
    assert!(!format!("{e} {e:?}").contains(secret));
}

/// What a program that uses `?` into `Box<dyn Error>` prints for a 404.
async fn boxed_404(s: &globus_sdk::testing::ScriptedServer) -> Result<(), Box<dyn std::error::Error>> {
    let transfer =
        globus_sdk::transfer::Client::builder().base_url(s.url()).retry_policy(RetryPolicy::none()).build()?;
    transfer.get_task().task_id("t-404").send().await?;
    Ok(())
}

#[tokio::test]
async fn a_404_through_box_dyn_error_prints_the_globus_code_and_message() {
    let s = server().await;
    s.once(
        "GET",
        "/v0.10/task/t-404",
        Reply::json(
            404,
            json!({"code": "ClientError.NotFound", "message": "Task t-404 not found", "request_id": "r404"}),
        ),
    );
    let shown = boxed_404(&s).await.unwrap_err().to_string();
    assert!(shown.contains("ClientError.NotFound") && shown.contains("Task t-404 not found"), "{shown}");
    assert!(shown.contains("404") && shown.contains("r404"), "{shown}");
    assert!(!shown.contains("Unexpected Response"), "{shown}");
}

#[tokio::test]
async fn the_questions_people_ask() {
    let s = server().await;
    s.once("GET", "/v2/api/identities", Reply::json(404, json!({"code": "NOT_FOUND", "message": "gone"})));
    let e = get_identities_error_on(&s).await;
    assert!(e.is_not_found() && !e.is_consent_required() && !e.is_login_required());
    s.once(
        "GET",
        "/v2/api/identities",
        Reply::json(403, json!({"code": "ConsentRequired", "message": "Missing required data_access consent", "required_scopes": ["s1"]})),
    );
    let e = get_identities_error_on(&s).await;
    assert!(e.is_consent_required() && !e.is_not_found());
    assert_eq!(e.authorization_requirements().unwrap().parameters.required_scopes, ["s1"]);
    s.once("GET", "/v2/api/identities", Reply::json(401, json!({"code": "UNAUTHORIZED", "message": "bad token"})));
    assert!(get_identities_error_on(&s).await.is_login_required());
}

async fn get_identities_error_on(s: &globus_sdk::testing::ScriptedServer) -> Error {
    auth_client(s, NullAuthorizer, RetryPolicy::none()).get_identities().ids("x").send().await.unwrap_err()
}

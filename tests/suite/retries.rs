//! The retry policy, one behaviour per test, against a loopback server.

use std::time::Duration;

use crate::common::*;
use globus_sdk::ErrorKind;
use globus_sdk::authorizers::{AccessTokenAuthorizer, NullAuthorizer};
use globus_sdk::testing::Reply;
use globus_sdk::transport::{RetryPolicy, RetryReason};
use serde_json::json;

const IDS: &str = "/v2/api/identities";
const ID: &str = "46bd0f56-e24f-11e5-a510-131bef46955c";

fn ok_identities() -> Reply {
    Reply::json(200, identities(&[(ID, "globus@globus.org")]))
}

async fn retried_then_ok(status: u16) {
    let s = server().await;
    s.once("GET", IDS, Reply::json(status, json!({"code": "Busy", "message": "try later"})));
    s.once("GET", IDS, ok_identities());
    let (policy, events) = fast_retries(5);
    let auth = auth_client(&s, NullAuthorizer, policy);
    let found = auth.get_identities().ids(ID).send().await.expect("retried to success");
    assert_eq!(found.identities[0].id, ID);
    assert_eq!(s.requests_to("GET", IDS).len(), 2, "one retry for {status}");
    let events = events.lock().unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].reason, RetryReason::Status(status));
    assert_eq!(events[0].operation_id, "get_identities");
}

#[tokio::test]
async fn retries_429() {
    retried_then_ok(429).await;
}

#[tokio::test]
async fn retries_500() {
    retried_then_ok(500).await;
}

#[tokio::test]
async fn retries_502() {
    retried_then_ok(502).await;
}

#[tokio::test]
async fn retries_503() {
    retried_then_ok(503).await;
}

#[tokio::test]
async fn retries_504() {
    retried_then_ok(504).await;
}

#[tokio::test]
async fn does_not_retry_client_errors() {
    let s = server().await;
    s.always("GET", IDS, |_| Reply::json(400, json!({"code": "BadRequest"})));
    let (policy, events) = fast_retries(5);
    let auth = auth_client(&s, NullAuthorizer, policy);
    let err = auth.get_identities().ids(ID).send().await.unwrap_err();
    assert_eq!(err.http_status(), Some(400));
    assert_eq!(s.requests().len(), 1);
    assert!(events.lock().unwrap().is_empty());
}

#[tokio::test]
async fn honours_retry_after_seconds() {
    let s = server().await;
    s.once("GET", IDS, Reply::json(429, json!({})).header("Retry-After", "1"));
    s.once("GET", IDS, ok_identities());
    let (policy, events) = fast_retries(5);
    let policy = policy.max_delay(Duration::from_secs(5));
    let auth = auth_client(&s, NullAuthorizer, policy);
    auth.get_identities().ids(ID).send().await.unwrap();
    let events = events.lock().unwrap();
    assert_eq!(events[0].retry_after, Some(Duration::from_secs(1)));
    assert_eq!(events[0].delay, Duration::from_secs(1), "waits what the service asked");
}

#[tokio::test]
async fn honours_retry_after_http_date() {
    let s = server().await;
    let when = httpdate_in(Duration::from_secs(2));
    s.once("GET", IDS, Reply::json(503, json!({})).header("Retry-After", &when));
    s.once("GET", IDS, ok_identities());
    let (policy, events) = fast_retries(5);
    let policy = policy.max_delay(Duration::from_secs(5));
    let auth = auth_client(&s, NullAuthorizer, policy);
    auth.get_identities().ids(ID).send().await.unwrap();
    let events = events.lock().unwrap();
    let asked = events[0].retry_after.expect("the date was read");
    assert!(asked > Duration::ZERO && asked <= Duration::from_secs(3), "{asked:?}");
    assert_eq!(events[0].delay, asked);
}

fn httpdate_in(d: Duration) -> String {
    // Round up to the next whole second so that the date is in the future.
    let now = std::time::SystemTime::now();
    let secs = now.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() + d.as_secs() + 1;
    let t = std::time::UNIX_EPOCH + Duration::from_secs(secs);
    format_http_date(t)
}

fn format_http_date(t: std::time::SystemTime) -> String {
    let dt: chrono::DateTime<chrono::Utc> = t.into();
    dt.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

#[tokio::test]
async fn caps_the_delay() {
    let s = server().await;
    s.once("GET", IDS, Reply::json(429, json!({})).header("Retry-After", "3600"));
    s.once("GET", IDS, ok_identities());
    let (policy, events) = fast_retries(5);
    let auth = auth_client(&s, NullAuthorizer, policy.max_delay(Duration::from_millis(30)));
    auth.get_identities().ids(ID).send().await.unwrap();
    let events = events.lock().unwrap();
    assert_eq!(events[0].retry_after, Some(Duration::from_secs(3600)));
    assert_eq!(events[0].delay, Duration::from_millis(30));
}

#[tokio::test]
async fn stops_at_the_retry_limit() {
    let s = server().await;
    s.always("GET", IDS, |_| Reply::json(503, json!({"code": "Unavailable", "request_id": "r-503"})));
    let (policy, events) = fast_retries(3);
    let auth = auth_client(&s, NullAuthorizer, policy);
    let err = auth.get_identities().ids(ID).send().await.unwrap_err();
    assert_eq!(s.requests().len(), 4, "the first attempt and three retries");
    assert_eq!(events.lock().unwrap().len(), 3);
    assert_eq!(err.http_status(), Some(503));
    assert_eq!(err.retries(), Some(3));
    assert_eq!(err.request_id(), Some("r-503"));
    assert!(err.is_retryable());
}

#[tokio::test]
async fn zero_retries_disables_them() {
    let s = server().await;
    s.always("GET", IDS, |_| Reply::json(503, json!({})));
    let auth = auth_client(&s, NullAuthorizer, RetryPolicy::none());
    let err = auth.get_identities().ids(ID).send().await.unwrap_err();
    assert_eq!(err.http_status(), Some(503));
    assert_eq!(s.requests().len(), 1);
}

#[tokio::test]
async fn retries_a_dropped_connection() {
    let s = server().await;
    s.once("GET", IDS, Reply::drop_connection());
    s.once("GET", IDS, ok_identities());
    let (policy, events) = fast_retries(5);
    let auth = auth_client(&s, NullAuthorizer, policy);
    auth.get_identities().ids(ID).send().await.expect("the retry succeeds");
    assert_eq!(s.requests().len(), 2);
    assert!(matches!(events.lock().unwrap()[0].reason, RetryReason::Connection(_)));
}

#[tokio::test]
async fn retries_a_refused_connection_even_for_post() {
    // Bind and close a port so that nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let (policy, events) = fast_retries(2);
    let auth = globus_sdk::auth::Client::builder()
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry_policy(policy)
        .build()
        .unwrap();
    let err = auth.raw_post("/v2/api/projects").json(&json!({"project": {}})).send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport);
    assert_eq!(events.lock().unwrap().len(), 2, "a refused connection never reached the server");
    assert!(err.to_string().contains("could not connect"), "{err}");
}

#[tokio::test]
async fn post_is_not_retried_on_500() {
    let s = server().await;
    s.once("POST", "/v2/api/projects", Reply::json(500, json!({"code": "Oops"})));
    s.once("POST", "/v2/api/projects", Reply::json(200, json!({"project": {"id": "p1"}})));
    let (policy, events) = fast_retries(5);
    let auth = auth_client(&s, NullAuthorizer, policy);
    let body = globus_sdk::auth::types::CreateProjectRequest::builder().project(
        globus_sdk::auth::types::ProjectCreate::builder()
            .display_name("p")
            .contact_email("a@b.org")
            .admin_ids(vec!["x".to_string()]),
    );
    let err = auth.create_project().body(body).send().await.unwrap_err();
    assert_eq!(err.http_status(), Some(500));
    assert_eq!(s.requests().len(), 1, "the project may have been created: never resent");
    assert!(events.lock().unwrap().is_empty());
}

#[tokio::test]
async fn post_is_retried_on_503_and_429() {
    for status in [503, 429] {
        let s = server().await;
        s.once("POST", "/v2/api/projects", Reply::json(status, json!({})));
        s.once("POST", "/v2/api/projects", Reply::json(200, json!({"project": {"id": "p1"}})));
        let (policy, _) = fast_retries(5);
        let auth = auth_client(&s, NullAuthorizer, policy);
        auth.raw_post("/v2/api/projects").json(&json!({"project": {"display_name": "p"}})).send().await.unwrap();
        assert_eq!(s.requests().len(), 2, "{status} means the server did not process it");
    }
}

#[tokio::test]
async fn post_marked_retry_safe_is_retried_on_500() {
    let s = server().await;
    s.once("POST", "/v2/oauth2/token/introspect", Reply::json(500, json!({})));
    s.once("POST", "/v2/oauth2/token/introspect", Reply::json(200, json!({"active": false})));
    let (policy, _) = fast_retries(5);
    let auth = auth_client(&s, NullAuthorizer, policy);
    let body = globus_sdk::auth::types::OAuthTokenIntrospectRequest::builder().token(globus_sdk::Secret::from("t"));
    let r = auth.oauth2_token_introspect().body(body).send().await.unwrap();
    assert!(!r.active);
    assert_eq!(s.requests().len(), 2);
}

#[tokio::test]
async fn sends_the_sdk_headers() {
    let s = server().await;
    s.once("GET", IDS, ok_identities());
    let auth = globus_sdk::auth::Client::builder()
        .base_url(s.url())
        .authorizer(AccessTokenAuthorizer::new("tok-1"))
        .app_name("my-app")
        .build()
        .unwrap();
    auth.get_identities().ids(ID).send().await.unwrap();
    let req = &s.requests()[0];
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(req.header("user-agent"), Some(format!("globus-sdk-rust/{version}/my-app").as_str()));
    assert_eq!(req.header("x-globus-client-info"), Some(format!("product=rust-sdk,version={version}").as_str()));
    assert_eq!(req.header("authorization"), Some("Bearer tok-1"));
    assert_eq!(req.header("api-version"), None);
    assert_eq!(req.query_param("ids"), Some(ID));
}

#[tokio::test]
async fn raw_requests_share_auth_retries_and_errors() {
    let s = server().await;
    for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
        s.once(method, "/v2/api/unlisted", Reply::json(503, json!({})));
        s.once(method, "/v2/api/unlisted", Reply::json(200, json!({"method": method})));
    }
    s.once(
        "DELETE",
        "/v2/api/unlisted",
        Reply::json(409, json!({"code": "Conflict", "message": "busy", "request_id": "raw-1"})),
    );
    let (policy, events) = fast_retries(2);
    let auth = auth_client(&s, AccessTokenAuthorizer::new("raw-token"), policy);
    let body = json!({"k": "v"});
    let responses = [
        auth.raw_get("/v2/api/unlisted").query("a", 1).send().await.unwrap(),
        auth.raw_post("/v2/api/unlisted").json(&body).send().await.unwrap(),
        auth.raw_put("v2/api/unlisted").json(&body).send().await.unwrap(),
        auth.raw_patch("/v2/api/unlisted").form(&[("f", "1")]).send().await.unwrap(),
        auth.raw_delete("/v2/api/unlisted").send().await.unwrap(),
    ];
    for (r, method) in responses.iter().zip(["GET", "POST", "PUT", "PATCH", "DELETE"]) {
        assert_eq!(r.status(), 200);
        assert_eq!(r.json::<serde_json::Value>().unwrap()["method"], method);
    }
    assert_eq!(events.lock().unwrap().len(), 5, "each 503 was retried");
    let reqs = s.requests();
    assert!(reqs.iter().all(|r| r.header("authorization") == Some("Bearer raw-token")));
    assert_eq!(reqs[0].query_param("a"), Some("1"));
    assert_eq!(reqs[2].json(), body);
    assert_eq!(reqs[2].header("content-type"), Some("application/json"));
    assert_eq!(reqs[6].form_field("f").as_deref(), Some("1"));
    let e = auth.raw_delete("/v2/api/unlisted").send().await.unwrap_err();
    assert_eq!((e.http_status(), e.code(), e.request_id()), (Some(409), Some("Conflict"), Some("raw-1")));
    assert!(e.raw_text().unwrap().contains("busy"));
}

// ---- shared fate: a retry budget across calls, a deadline per call ----

#[tokio::test]
async fn during_an_outage_the_retries_of_all_callers_share_one_budget() {
    let s = server().await;
    s.always("GET", IDS, |_| Reply::json(503, json!({"code": "Unavailable"})));
    // Budget 50: ten retries in all (5 each), however many callers and retries each may make.
    let policy = RetryPolicy::default()
        .max_retries(5)
        .initial_delay(Duration::from_millis(1))
        .max_delay(Duration::from_millis(2))
        .retry_budget(50);
    let auth = auth_client(&s, NullAuthorizer, policy.clone());
    let calls = (0..50).map(|_| {
        let auth = auth.clone();
        async move { auth.get_identities().ids(ID).send().await }
    });
    let results = futures::future::join_all(calls).await;
    assert!(results.iter().all(Result::is_err));
    let attempts = s.requests_to("GET", IDS).len();
    assert_eq!(attempts, 50 + 10, "fifty first attempts and the ten retries the budget allows, not 300");
    assert_eq!(policy.retry_budget_left(), 0, "clones of a policy share its budget");
    // Successes give back to the budget, and retries resume.
    s.once("GET", IDS, ok_identities());
    auth.get_identities().ids(ID).send().await.unwrap();
    assert_eq!(policy.retry_budget_left(), 1);
}

#[tokio::test]
async fn a_call_stops_retrying_at_its_deadline() {
    let s = server().await;
    s.always("GET", IDS, |_| Reply::json(503, json!({"code": "Unavailable"})));
    let policy = RetryPolicy::default()
        .max_retries(50)
        .initial_delay(Duration::from_millis(100))
        .max_delay(Duration::from_millis(100))
        .deadline(Duration::from_millis(350));
    let auth = auth_client(&s, NullAuthorizer, policy);
    let e = auth.get_identities().ids(ID).send().await.unwrap_err();
    assert_eq!(e.http_status(), Some(503));
    let attempts = s.requests_to("GET", IDS).len();
    // Waits of 50..150 ms: at most six fit in 350 ms; never the fifty allowed.
    assert!((2..=7).contains(&attempts), "{attempts} attempts");
}

#[tokio::test]
async fn any_delay_setting_is_a_delay_never_a_panic() {
    let policy = RetryPolicy::default().initial_delay(Duration::MAX).max_delay(Duration::MAX).max_retries(u32::MAX);
    for retry in [1, 2, 40, u32::MAX] {
        let _ = policy.delay(retry, None);
        let _ = policy.delay(retry, Some(Duration::MAX));
    }
    // A timeout too long to reach (set in code) is fine too.
    let s = server().await;
    s.once("GET", IDS, ok_identities());
    let auth = globus_sdk::auth::Client::builder()
        .base_url(s.url())
        .timeout(Some(Duration::MAX))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    auth.get_identities().ids(ID).send().await.unwrap();
}

//! Renewing authorizers over real HTTP: expiry, 401 renewal, shared renewal, rotation, secrecy.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::common::*;
use globus_sdk::ErrorKind;
use globus_sdk::authorizers::{Authorizer, TokenData};
use globus_sdk::testing::Reply;
use globus_sdk::transport::RetryPolicy;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundred_concurrent_calls_share_one_refresh() {
    let s = server().await;
    let accepted = Arc::new(Mutex::new("fresh-1".to_string()));
    identities_for(&s, accepted);
    let grants = Arc::new(AtomicUsize::new(0));
    let g = grants.clone();
    s.always("POST", TOKEN, move |_| {
        g.fetch_add(1, Ordering::SeqCst);
        token_reply("fresh-1", None, 3600)
    });
    let authorizer = app(&s).refresh_token_authorizer(expired("stale", "rt-1")).unwrap();
    let auth = Arc::new(auth_client(&s, authorizer, RetryPolicy::none()));
    let calls = (0..100).map(|_| {
        let auth = auth.clone();
        tokio::spawn(async move { auth.get_identities().ids("id-1").send().await.map(|r| r.into_inner()) })
    });
    for result in futures::future::join_all(calls).await {
        assert_eq!(result.unwrap().expect("every call succeeds").identities[0].id, "id-1");
    }
    assert_eq!(grants.load(Ordering::SeqCst), 1, "exactly one token request");
    assert_eq!(s.requests_to("GET", IDS).len(), 100, "no call needed a second attempt");
    let grant = &s.requests_to("POST", TOKEN)[0];
    assert_eq!(grant.form_field("grant_type").as_deref(), Some("refresh_token"));
    assert_eq!(grant.form_field("refresh_token").as_deref(), Some("rt-1"));
    assert!(grant.header("authorization").unwrap().starts_with("Basic "));
}

#[tokio::test]
async fn renews_sixty_seconds_before_expiry() {
    let s = server().await;
    s.always("POST", TOKEN, |_| token_reply("renewed", Some("rt-2"), 3600));
    let now = chrono::Utc::now().timestamp();
    for (expires_in, renews) in [(50, true), (120, false)] {
        let mut tokens = expired("stored", "rt-1");
        tokens.expires_at = Some(now + expires_in);
        let authorizer = app(&s).refresh_token_authorizer(tokens).unwrap();
        let h = authorizer.authorization_header().await.unwrap().unwrap();
        let expected = if renews { "Bearer renewed" } else { "Bearer stored" };
        assert_eq!(h.to_str().unwrap(), expected, "a token {expires_in} s from expiry");
    }
    assert_eq!(s.requests_to("POST", TOKEN).len(), 1);
}

#[tokio::test]
async fn the_margin_never_exceeds_half_a_tokens_lifetime() {
    // Tokens that live 50 s are inside the 60 s margin from the start: renewing at every use
    // would make every call a grant. They are used for half their life instead.
    let s = server().await;
    let n = Arc::new(AtomicUsize::new(0));
    let counter = n.clone();
    s.always("POST", TOKEN, move |_| {
        let i = counter.fetch_add(1, Ordering::SeqCst) + 1;
        token_reply(&format!("short-{i}"), None, 50)
    });
    let authorizer = app(&s).client_credentials_authorizer(&[globus_sdk::auth::scopes::view_identities()]);
    for _ in 1..=3 {
        let h = authorizer.authorization_header().await.unwrap().unwrap();
        assert_eq!(h.to_str().unwrap(), "Bearer short-1");
    }
    assert_eq!(n.load(Ordering::SeqCst), 1);
    let grant = &s.requests_to("POST", TOKEN)[0];
    assert_eq!(grant.form_field("grant_type").as_deref(), Some("client_credentials"));
    assert_eq!(grant.form_field("scope").as_deref(), Some("urn:globus:auth:scope:auth.globus.org:view_identities"));
}

#[tokio::test]
async fn keeps_a_token_that_is_not_near_expiry() {
    let s = server().await;
    s.once("POST", TOKEN, token_reply("long", None, 3600));
    let authorizer = app(&s).client_credentials_authorizer(&[globus_sdk::auth::scopes::view_identities()]);
    for _ in 0..3 {
        authorizer.authorization_header().await.unwrap();
    }
    assert_eq!(s.requests_to("POST", TOKEN).len(), 1);
}

#[tokio::test]
async fn on_refresh_receives_the_new_tokens() {
    let s = server().await;
    s.once("POST", TOKEN, token_reply("new-at", Some("new-rt"), 3600));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let authorizer = app(&s)
        .refresh_token_authorizer(expired("old-at", "old-rt"))
        .unwrap()
        .on_refresh(move |t: &TokenData| sink.lock().unwrap().push(t.clone()));
    authorizer.authorization_header().await.unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].access_token.expose(), "new-at");
    assert_eq!(seen[0].refresh_token.as_ref().unwrap().expose(), "new-rt");
    assert!(seen[0].expires_at.unwrap() > chrono::Utc::now().timestamp() + 3500);
}

#[tokio::test]
async fn refresh_without_a_new_refresh_token_keeps_the_old_one() {
    let s = server().await;
    s.once("POST", TOKEN, token_reply("at-2", None, 10));
    s.once("POST", TOKEN, token_reply("at-3", Some("rt-rotated"), 10));
    s.once("POST", TOKEN, token_reply("at-4", None, 10));
    let authorizer = app(&s).refresh_token_authorizer(expired("at-1", "rt-original")).unwrap();
    authorizer.authorization_header().await.unwrap();
    authorizer.renew().await.unwrap();
    authorizer.renew().await.unwrap();
    let sent: Vec<String> =
        s.requests_to("POST", TOKEN).iter().map(|r| r.form_field("refresh_token").unwrap()).collect();
    assert_eq!(sent, ["rt-original", "rt-original", "rt-rotated"]);
    let kept = authorizer.tokens().await.unwrap();
    assert_eq!(kept.refresh_token.unwrap().expose(), "rt-rotated");
}

#[tokio::test]
async fn a_401_renews_once_and_resends_once() {
    let s = server().await;
    let accepted = Arc::new(Mutex::new("renewed".to_string()));
    identities_for(&s, accepted);
    s.once("POST", TOKEN, token_reply("renewed", None, 3600));
    let mut valid = expired("revoked-but-not-expired", "rt");
    valid.expires_at = Some(chrono::Utc::now().timestamp() + 3600);
    let authorizer = app(&s).refresh_token_authorizer(valid).unwrap();
    let auth = auth_client(&s, authorizer, RetryPolicy::none());
    auth.get_identities().ids("id-1").send().await.expect("renewed after the 401");
    let sent: Vec<_> =
        s.requests_to("GET", IDS).iter().map(|r| r.header("authorization").unwrap().to_string()).collect();
    assert_eq!(sent, ["Bearer revoked-but-not-expired", "Bearer renewed"]);
    assert_eq!(s.requests_to("POST", TOKEN).len(), 1);
}

#[tokio::test]
async fn a_second_401_is_returned_not_looped() {
    let s = server().await;
    identities_for(&s, Arc::new(Mutex::new("nothing-is-accepted".into())));
    s.always("POST", TOKEN, |_| token_reply("still-bad", None, 3600));
    let mut valid = expired("bad", "rt");
    valid.expires_at = Some(chrono::Utc::now().timestamp() + 3600);
    let authorizer = app(&s).refresh_token_authorizer(valid).unwrap();
    let auth = auth_client(&s, authorizer, RetryPolicy::none());
    let e = auth.get_identities().ids("id-1").send().await.unwrap_err();
    assert_eq!(e.http_status(), Some(401));
    assert_eq!(e.code(), Some("invalid_token"));
    assert_eq!(s.requests_to("GET", IDS).len(), 2);
    assert_eq!(s.requests_to("POST", TOKEN).len(), 1);
    assert!(e.to_string().contains("log in again"), "{e}");
}

#[tokio::test]
async fn a_failed_renewal_is_a_clear_authorization_error() {
    let s = server().await;
    s.once(
        "POST",
        TOKEN,
        Reply::json(400, json!({"error": "invalid_grant", "error_description": "refresh token revoked"})),
    );
    let authorizer = app(&s).refresh_token_authorizer(expired("at-secret-1", "rt-secret-1")).unwrap();
    let auth = auth_client(&s, authorizer, RetryPolicy::none());
    let e = auth.get_identities().ids("id-1").send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Authorization);
    // Auth's own answer, not text: a program can tell "log in again" from an outage.
    assert_eq!((e.http_status(), e.code(), e.service()), (Some(400), Some("invalid_grant"), Some("auth")));
    assert!(e.is_login_required() && !e.is_retryable());
    let shown = format!("{e} {e:?}");
    assert!(shown.contains("invalid_grant") && shown.contains("refresh token revoked"), "{shown}");
    assert!(!shown.contains("rt-secret-1") && !shown.contains("at-secret-1"));
    assert!(s.requests_to("GET", IDS).is_empty(), "nothing is sent without credentials");
}

#[tokio::test]
async fn native_apps_send_their_client_id_in_the_form() {
    let s = server().await;
    s.once("POST", TOKEN, token_reply("n-at", None, 3600));
    let native = globus_sdk::auth::NativeAppClient::from_client(
        auth_client(&s, globus_sdk::authorizers::NullAuthorizer, RetryPolicy::none()),
        "native-id",
    );
    let authorizer = native.refresh_token_authorizer(expired("x", "native-rt")).unwrap();
    authorizer.authorization_header().await.unwrap();
    let grant = &s.requests_to("POST", TOKEN)[0];
    assert_eq!(grant.form_field("client_id").as_deref(), Some("native-id"));
    assert_eq!(grant.header("authorization"), None);
}

#[tokio::test]
async fn a_renewal_failure_during_a_transfer_call_is_auths_error_with_its_request_id() {
    let s = server().await;
    s.once(
        "POST",
        TOKEN,
        Reply::json(400, json!({"error": "invalid_grant", "error_description": "expired"}))
            .header("x-request-id", "auth-rid-7"),
    );
    let authorizer = app(&s).refresh_token_authorizer(expired("at-1", "rt-1")).unwrap();
    let transfer = globus_sdk::transfer::Client::builder()
        .base_url(s.url())
        .authorizer(authorizer)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let e = transfer.get_task().task_id("t1").send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Authorization);
    assert_eq!((e.http_status(), e.code(), e.request_id()), (Some(400), Some("invalid_grant"), Some("auth-rid-7")));
    assert_eq!(e.service(), Some("auth"), "the error is Auth's, not Transfer's");
    assert!(e.is_login_required());
    assert!(e.to_string().contains("log in again"), "{e}");
    assert!(s.requests_to("GET", "/v0.10/task/t1").is_empty());
}

#[tokio::test]
async fn an_auth_outage_during_renewal_is_retryable_not_a_dead_login() {
    let s = server().await;
    s.once("POST", TOKEN, Reply::json(503, json!({"error": "unavailable"})));
    let authorizer = app(&s).refresh_token_authorizer(expired("at-1", "rt-1")).unwrap();
    let auth = auth_client(&s, authorizer, RetryPolicy::none());
    let e = auth.get_identities().ids("id-1").send().await.unwrap_err();
    assert_eq!((e.kind(), e.http_status()), (ErrorKind::Authorization, Some(503)));
    assert!(e.is_retryable() && !e.is_login_required(), "{e}");
}

#[tokio::test]
async fn callers_waiting_on_a_failing_renewal_share_its_failure() {
    let s = server().await;
    s.always("POST", TOKEN, |_| Reply::json(400, json!({"error": "invalid_grant"})));
    let authorizer = Arc::new(app(&s).refresh_token_authorizer(expired("at-1", "rt-1")).unwrap());
    let calls = (0..50).map(|_| {
        let a = authorizer.clone();
        async move { a.authorization_header().await }
    });
    let results = futures::future::join_all(calls).await;
    assert!(results.iter().all(|r| r.as_ref().is_err_and(|e| e.code() == Some("invalid_grant"))));
    assert_eq!(s.requests_to("POST", TOKEN).len(), 1, "one grant for fifty waiting callers, not fifty");
}

#[tokio::test]
async fn zero_negative_or_tiny_lifetimes_do_not_make_every_call_a_grant() {
    for expires_in in [0, -100, 1, 30] {
        let s = server().await;
        s.always("POST", TOKEN, move |_| token_reply("at-new", Some("rt-new"), expires_in));
        let authorizer = app(&s).refresh_token_authorizer(expired("at-1", "rt-1")).unwrap();
        for _ in 0..20 {
            authorizer.authorization_header().await.unwrap();
        }
        assert_eq!(s.requests_to("POST", TOKEN).len(), 1, "expires_in {expires_in}: one grant for twenty calls");
    }
}

#[tokio::test]
async fn huge_lifetimes_and_leeways_never_overflow() {
    let s = server().await;
    s.always("POST", TOKEN, |_| token_reply("at-new", Some("rt-new"), i64::MAX));
    let authorizer = app(&s)
        .refresh_token_authorizer(expired("at-1", "rt-1"))
        .unwrap()
        .renew_before_expiry(std::time::Duration::MAX);
    for _ in 0..3 {
        authorizer.authorization_header().await.unwrap();
    }
    let tokens = authorizer.tokens().await.unwrap();
    assert_eq!(tokens.expires_at, Some(i64::MAX), "saturated, not wrapped");
    assert_eq!(s.requests_to("POST", TOKEN).len(), 1);
    assert!(tokens.expires_within(std::time::Duration::MAX), "a leeway of forever covers any expiry");
    assert!(!tokens.expires_within(std::time::Duration::from_secs(3600)));
}

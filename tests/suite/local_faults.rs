//! Fault injection on the local Globus, and how the SDK's transport copes: failed answers
//! with Retry-After, dropped connections, slow answers, lost answers to processed
//! submissions (no second task), expired tokens.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use globus_sdk::ErrorKind;
use globus_sdk::auth::ConfidentialAppClient;
use globus_sdk::authorizers::{AccessTokenAuthorizer, Authorizer, BasicAuthorizer};
use globus_sdk::scopes::Scope;
use globus_sdk::testing::{LocalGlobus, LostResponse};
use globus_sdk::transfer::types;
use globus_sdk::transport::{RetryEvent, RetryPolicy, RetryReason};

const TRANSFER: &str = "urn:globus:auth:scope:transfer.api.globus.org:all";

/// A retry policy with tiny delays that records every retry.
fn recorded() -> (RetryPolicy, Arc<Mutex<Vec<RetryEvent>>>) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let policy = RetryPolicy::default()
        .max_retries(5)
        .initial_delay(Duration::from_millis(2))
        .max_delay(Duration::from_millis(20))
        .on_retry(move |e| sink.lock().unwrap().push(e.clone()));
    (policy, events)
}

fn user_token(local: &LocalGlobus) -> AccessTokenAuthorizer {
    let tokens = local.issue_tokens(local.native_client().id(), "testuser@example.org", TRANSFER, false).unwrap();
    AccessTokenAuthorizer::new(tokens.raw().access_token.clone())
}

fn transfer(
    local: &LocalGlobus,
    authorizer: impl Authorizer + 'static,
    policy: RetryPolicy,
) -> globus_sdk::transfer::Client {
    globus_sdk::transfer::Client::builder()
        .config(local.config())
        .authorizer(authorizer)
        .retry_policy(policy)
        .timeout(Some(Duration::from_secs(10)))
        .build()
        .unwrap()
}

fn faults_of(local: &LocalGlobus, path: &str) -> Vec<(Option<u16>, Option<String>)> {
    local.requests().into_iter().filter(|r| r.path == path).map(|r| (r.status, r.fault)).collect()
}

async fn one_file_transfer(
    local: &LocalGlobus,
    client: &globus_sdk::transfer::Client,
) -> types::builder::TransferDocument {
    std::fs::write(local.collection("source").unwrap().root().join("f.txt"), "payload").unwrap();
    let submission_id = client.get_submission_id().send().await.unwrap().into_inner().value;
    let item: types::TransferItem =
        types::TransferItem::builder().source_path("/~/f.txt").destination_path("/~/f.txt").try_into().unwrap();
    types::TransferDocument::builder()
        .submission_id(submission_id)
        .source_endpoint(local.collection("source").unwrap().id())
        .destination_endpoint(local.collection("destination").unwrap().id())
        .data(vec![item])
}

#[tokio::test]
async fn failures_with_retry_after_are_retried() {
    let local = LocalGlobus::start().await.unwrap();
    let (policy, events) = recorded();
    let client = transfer(&local, user_token(&local), policy);
    local.faults().fail_next("GET", "/v0.10/task_list", 2, 503, Some(Duration::from_secs(1)));
    assert_eq!(local.faults().pending(), 2);
    client.task_list().send().await.unwrap();
    assert_eq!(local.faults().pending(), 0);
    let events = events.lock().unwrap().clone();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].reason, RetryReason::Status(503));
    assert_eq!(events[0].retry_after, Some(Duration::from_secs(1)), "Retry-After was sent");
    let seen = faults_of(&local, "/v0.10/task_list");
    assert_eq!(seen, [(Some(503), Some("fail".into())), (Some(503), Some("fail".into())), (Some(200), None)]);
}

#[tokio::test]
async fn a_failed_post_is_not_processed_nor_retried() {
    let local = LocalGlobus::start().await.unwrap();
    let (policy, events) = recorded();
    let client = transfer(&local, user_token(&local), policy);
    let source = local.collection("source").unwrap();
    local.faults().fail_next("POST", "/v0.10/operation/", 1, 500, None);
    let e = client
        .operation_mkdir()
        .endpoint_id(source.id())
        .body(types::MkdirDocument::builder().path("/~/d"))
        .send()
        .await
        .unwrap_err();
    assert_eq!((e.http_status(), e.code()), (Some(500), Some("InternalError")));
    assert!(events.lock().unwrap().is_empty(), "a POST that is not retry-safe is not resent after a 500");
    assert!(!source.root().join("d").exists(), "the failed request was not processed");
}

#[tokio::test]
async fn dropped_connections_are_retried() {
    let local = LocalGlobus::start().await.unwrap();
    let (policy, events) = recorded();
    let client = transfer(&local, user_token(&local), policy);
    local.faults().drop_next("*", "/v0.10/submission_id", 1);
    client.get_submission_id().send().await.unwrap();
    assert!(matches!(events.lock().unwrap()[0].reason, RetryReason::Connection(_)));
    assert_eq!(faults_of(&local, "/v0.10/submission_id"), [(None, Some("drop".into())), (Some(200), None)]);

    // Without retries the caller sees the broken connection.
    local.faults().drop_next("GET", "/v0.10/submission_id", 1);
    let once = transfer(&local, user_token(&local), RetryPolicy::none());
    let e = once.get_submission_id().send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport);
}

#[tokio::test]
async fn slow_answers() {
    let local = LocalGlobus::start().await.unwrap();
    let client = transfer(&local, user_token(&local), RetryPolicy::none());
    local.faults().delay_next("GET", "/v0.10/task_list", 1, Duration::from_millis(300));
    let started = Instant::now();
    client.task_list().send().await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(faults_of(&local, "/v0.10/task_list"), [(Some(200), Some("delay".into()))]);

    // Slower than the client's timeout: a timeout, then a retry that is answered at once.
    let impatient = globus_sdk::transfer::Client::builder()
        .config(local.config())
        .authorizer(user_token(&local))
        .retry_policy(RetryPolicy::none())
        .timeout(Some(Duration::from_millis(100)))
        .build()
        .unwrap();
    local.faults().delay_next("GET", "/v0.10/task_list", 1, Duration::from_millis(500));
    let e = impatient.task_list().send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    impatient.task_list().send().await.unwrap();
}

/// The answer to a processed submission is lost; the SDK resends the same document and
/// gets the first task back (`Duplicate`): one task, not two.
async fn lost_submission_creates_one_task(lost: LostResponse, fault: &str) {
    let local = LocalGlobus::start().await.unwrap();
    let (policy, events) = recorded();
    let client = transfer(&local, user_token(&local), policy);
    let doc = one_file_transfer(&local, &client).await;
    local.faults().lose_response_next("POST", "/v0.10/transfer", 1, lost);
    let result = client.submit_transfer_document().body(doc).send().await.unwrap().into_inner();
    assert_eq!(result.code.as_deref(), Some("Duplicate"), "the retry found the task the first request made");
    assert_eq!(events.lock().unwrap().len(), 1);
    let tasks = client.task_list().send().await.unwrap().into_inner();
    assert_eq!(tasks.total, Some(1));
    assert_eq!(tasks.data[0].task_id, result.task_id);
    let status = match lost {
        LostResponse::Status(s) => Some(s),
        LostResponse::Drop => None,
    };
    assert_eq!(faults_of(&local, "/v0.10/transfer"), [(status, Some(fault.to_string())), (Some(200), None)]);
}

#[tokio::test]
async fn a_lost_503_after_processing_does_not_create_a_second_task() {
    lost_submission_creates_one_task(LostResponse::Status(503), "lose_response_status").await;
}

#[tokio::test]
async fn a_dropped_connection_after_processing_does_not_create_a_second_task() {
    lost_submission_creates_one_task(LostResponse::Drop, "lose_response_drop").await;
}

#[tokio::test]
async fn a_lost_answer_to_an_unsafe_post_is_not_resent() {
    let local = LocalGlobus::start().await.unwrap();
    let (policy, events) = recorded();
    let client = transfer(&local, user_token(&local), policy);
    let source = local.collection("source").unwrap();
    local.faults().lose_response_next("POST", "/v0.10/operation/", 1, LostResponse::Drop);
    let e = client
        .operation_mkdir()
        .endpoint_id(source.id())
        .body(types::MkdirDocument::builder().path("/~/made"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport);
    assert!(events.lock().unwrap().is_empty());
    assert!(source.root().join("made").is_dir(), "the server did process it");
}

#[tokio::test]
async fn expired_tokens_are_renewed_by_renewing_authorizers() {
    let local = LocalGlobus::start().await.unwrap();
    let c = local.confidential_client();
    let auth = globus_sdk::auth::Client::builder()
        .config(local.config())
        .authorizer(BasicAuthorizer::new(c.id(), c.secret().unwrap().clone()))
        .build()
        .unwrap();
    let app = ConfidentialAppClient::from_client(auth, c.id());
    let client = transfer(&local, app.client_credentials_authorizer(&[Scope::new(TRANSFER)]), RetryPolicy::none());
    client.task_list().send().await.unwrap();
    local.expire_all_tokens();
    client.task_list().send().await.unwrap();
    assert_eq!(
        faults_of(&local, "/v0.10/task_list").iter().map(|f| f.0).collect::<Vec<_>>(),
        [Some(200), Some(401), Some(200)]
    );
    assert_eq!(local.requests().iter().filter(|r| r.path == "/v2/oauth2/token").count(), 2, "one renewal");

    // Auth's token endpoint throttled once: 429 is safe to resend, even for a grant.
    local.faults().fail_next("POST", "/v2/oauth2/token", 1, 429, None);
    let (policy, events) = recorded();
    let auth = globus_sdk::auth::Client::builder()
        .config(local.config())
        .authorizer(BasicAuthorizer::new(c.id(), c.secret().unwrap().clone()))
        .retry_policy(policy)
        .build()
        .unwrap();
    ConfidentialAppClient::from_client(auth, c.id()).client_credentials_tokens(&[Scope::new(TRANSFER)]).await.unwrap();
    assert_eq!(events.lock().unwrap()[0].reason, RetryReason::Status(429));
    local.faults().fail_next("GET", "/nothing", 3, 500, None);
    local.faults().clear();
    assert_eq!(local.faults().pending(), 0);
}

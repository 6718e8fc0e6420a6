//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use globus_sdk::authorizers::Authorizer;
use globus_sdk::testing::ScriptedServer;
use globus_sdk::transport::{RetryEvent, RetryPolicy};

/// A retry policy with tiny delays that records every retry event.
pub fn fast_retries(max: u32) -> (RetryPolicy, Arc<Mutex<Vec<RetryEvent>>>) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let policy = RetryPolicy::default()
        .max_retries(max)
        .initial_delay(Duration::from_millis(2))
        .max_delay(Duration::from_millis(20))
        .on_retry(move |e| sink.lock().unwrap().push(e.clone()));
    (policy, events)
}

pub async fn server() -> ScriptedServer {
    ScriptedServer::start().await.expect("bind 127.0.0.1")
}

/// An Auth client pointed at the scripted server.
pub fn auth_client(
    server: &ScriptedServer,
    authorizer: impl Authorizer + 'static,
    retry: RetryPolicy,
) -> globus_sdk::auth::Client {
    globus_sdk::auth::Client::builder()
        .base_url(server.url())
        .authorizer(authorizer)
        .retry_policy(retry)
        .timeout(Some(Duration::from_secs(10)))
        .build()
        .expect("client builds")
}

pub fn identity(id: &str, username: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id, "username": username, "name": null, "email": null, "organization": null,
        "identity_provider": "927d7238-f917-4eb2-9ace-c523fa9ba34e", "status": "used"
    })
}

pub fn identities(list: &[(&str, &str)]) -> serde_json::Value {
    serde_json::json!({"identities": list.iter().map(|(i, u)| identity(i, u)).collect::<Vec<_>>()})
}

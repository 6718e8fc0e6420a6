//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use globus_sdk::Secret;
use globus_sdk::auth::ConfidentialAppClient;
use globus_sdk::authorizers::{Authorizer, TokenData};
use globus_sdk::testing::{RecordedRequest, Reply, ScriptedServer};
use globus_sdk::transport::{RetryEvent, RetryPolicy};
use serde_json::json;

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

// ---- Auth token endpoint and a token-checking identities endpoint ----

pub const TOKEN: &str = "/v2/oauth2/token";
pub const IDS: &str = "/v2/api/identities";

pub fn token_reply(access: &str, refresh: Option<&str>, expires_in: i64) -> Reply {
    Reply::json(
        200,
        json!({"access_token": access, "refresh_token": refresh, "expires_in": expires_in, "token_type": "Bearer",
               "resource_server": "auth.globus.org", "scope": "urn:globus:auth:scope:auth.globus.org:view_identities",
               "other_tokens": []}),
    )
}

/// Identities answer 200 only to `Bearer <accepted>`, else 401.
pub fn identities_for(s: &ScriptedServer, accepted: Arc<Mutex<String>>) {
    s.always("GET", IDS, move |r: &RecordedRequest| {
        let want = format!("Bearer {}", accepted.lock().unwrap());
        if r.header("authorization") == Some(want.as_str()) {
            Reply::json(200, identities(&[("id-1", "a@b.org")]))
        } else {
            Reply::json(401, json!({"errors": [{"code": "UNAUTHORIZED", "status": "401"}], "error": "invalid_token"}))
        }
    });
}

pub fn app(s: &ScriptedServer) -> ConfidentialAppClient {
    let login = globus_sdk::auth::Client::builder()
        .base_url(s.url())
        .authorizer(globus_sdk::authorizers::BasicAuthorizer::new("cid", "csecret"))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    ConfidentialAppClient::from_client(login, "cid")
}

pub fn expired(access: &str, refresh: &str) -> TokenData {
    TokenData {
        access_token: Secret::from(access),
        refresh_token: Some(Secret::from(refresh)),
        expires_at: Some(chrono::Utc::now().timestamp() - 10),
        scope: "urn:globus:auth:scope:auth.globus.org:view_identities".into(),
        resource_server: "auth.globus.org".into(),
    }
}

/// Set in the child process `run_alone` starts.
const ALONE: &str = "GLOBUS_SDK_TEST_ALONE";

/// Run the `#[ignore]`d test `path` (`module::name`) in a child process of this test binary
/// where it is the only test: for tests that change process-wide state (the environment, the
/// tracing dispatcher) while the other tests of this binary run on other threads.
pub fn run_alone(path: &str) {
    let out = std::process::Command::new(std::env::current_exe().expect("the test binary"))
        .args(["--exact", path, "--ignored", "--test-threads=1", "--nocapture"])
        .env(ALONE, path)
        .output()
        .expect("start the test binary");
    let shown = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{path} failed in its own process:\n{shown}");
    assert!(shown.contains("1 passed"), "{path} did not run:\n{shown}");
}

/// Whether this process is the child `run_alone` started for `path` (the test refuses to run
/// beside others otherwise).
pub fn assert_alone(path: &str) {
    assert_eq!(
        std::env::var(ALONE).as_deref(),
        Ok(path),
        "{path} changes process-wide state: it runs through run_alone, in its own process"
    );
}

/// Every event logged, at TRACE and above, while it lives (for the tests that run alone: the
/// tracing dispatcher is process-wide).
pub struct TraceLogs {
    buffer: Arc<Mutex<Vec<u8>>>,
    _guard: tracing::subscriber::DefaultGuard,
}

impl TraceLogs {
    /// Start capturing on this thread.
    pub fn capture() -> Self {
        #[derive(Clone, Default)]
        struct Buffer(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Buffer {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Buffer {
            type Writer = Buffer;
            fn make_writer(&'a self) -> Buffer {
                self.clone()
            }
        }
        let buffer = Buffer::default();
        let subscriber =
            tracing_subscriber::fmt().with_max_level(tracing::Level::TRACE).with_writer(buffer.clone()).finish();
        TraceLogs { buffer: buffer.0, _guard: tracing::subscriber::set_default(subscriber) }
    }

    /// What was logged so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.buffer.lock().unwrap()).into_owned()
    }
}

/// Set the field at a dotted path (`links.next`) of a JSON document, making the objects on the way.
pub fn set_dotted(doc: &mut serde_json::Value, dotted: &str, value: serde_json::Value) {
    let mut at = doc;
    let mut parts = dotted.split('.').peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            at[part] = value;
            return;
        }
        if !at[part].is_object() {
            at[part] = json!({});
        }
        at = &mut at[part];
    }
}

/// A Transfer client of the local Globus with a token of `user` (Transfer's `all` scope), no
/// retries.
#[cfg(feature = "testing")]
pub fn local_transfer_client(local: &globus_sdk::testing::LocalGlobus, user: &str) -> globus_sdk::transfer::Client {
    const TRANSFER_ALL: &str = "urn:globus:auth:scope:transfer.api.globus.org:all";
    let tokens = local.issue_tokens(local.native_client().id(), user, TRANSFER_ALL, false).unwrap();
    globus_sdk::transfer::Client::builder()
        .config(local.config())
        .authorizer(globus_sdk::authorizers::AccessTokenAuthorizer::new(tokens.raw().access_token.clone()))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

//! SDK clients share one HTTP client and its connection pool by default; each keeps its own
//! settings (timeout, user agent, credentials), and a user's own HTTP client still wins.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use globus_sdk::ErrorKind;
use globus_sdk::authorizers::AccessTokenAuthorizer;
use globus_sdk::transport::RetryPolicy;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const TASK: &str = r#"{"DATA_TYPE": "task", "task_id": "t-1", "type": "TRANSFER", "status": "SUCCEEDED"}"#;

/// A keep-alive HTTP/1.1 server on loopback that counts its connections and records each
/// request head. `/v0.10/task/slow` answers after 2 s.
struct CountingServer {
    url: String,
    connections: Arc<Mutex<usize>>,
    heads: Arc<Mutex<Vec<String>>>,
}

async fn counting_server() -> CountingServer {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let connections = Arc::new(Mutex::new(0));
    let heads = Arc::new(Mutex::new(Vec::new()));
    let (c, h) = (connections.clone(), heads.clone());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            *c.lock().unwrap() += 1;
            let h = h.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    // GET requests only: a head ends the request.
                    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                        match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                        continue;
                    };
                    let head = String::from_utf8_lossy(&buf[..end]).to_string();
                    buf.drain(..end + 4);
                    if head.starts_with("GET /v0.10/task/slow ") {
                        tokio::time::sleep(Duration::from_secs(2)).await;
                    }
                    h.lock().unwrap().push(head);
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{TASK}",
                        TASK.len()
                    );
                    if socket.write_all(answer.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    CountingServer { url, connections, heads }
}

fn transfer(url: &str, token: &str) -> globus_sdk::transport::ClientBuilder<globus_sdk::transfer::Client> {
    globus_sdk::transfer::Client::builder()
        .base_url(url)
        .authorizer(AccessTokenAuthorizer::new(token))
        .retry_policy(RetryPolicy::none())
}

#[tokio::test]
async fn clients_share_one_connection_and_keep_their_own_settings() {
    let server = counting_server().await;
    let a = transfer(&server.url, "token-a").app_name("app-a").build().unwrap();
    let b = transfer(&server.url, "token-b").app_name("app-b").build().unwrap();
    for _ in 0..3 {
        a.get_task().task_id("t-1").send().await.unwrap();
        b.get_task().task_id("t-1").send().await.unwrap();
    }
    assert_eq!(*server.connections.lock().unwrap(), 1, "two SDK clients, one pooled connection");
    let heads = server.heads.lock().unwrap().clone();
    assert_eq!(heads.len(), 6);
    for (i, head) in heads.iter().enumerate() {
        let head = head.to_ascii_lowercase();
        let (token, app) = if i % 2 == 0 { ("token-a", "app-a") } else { ("token-b", "app-b") };
        assert!(head.contains(&format!("authorization: bearer {token}")), "{head}");
        assert!(
            head.contains(&format!("user-agent: globus-sdk-rust/{}/{app}", globus_sdk::transport::VERSION)),
            "{head}"
        );
    }
}

#[tokio::test]
async fn each_client_keeps_its_own_timeout() {
    let server = counting_server().await;
    let quick = transfer(&server.url, "t").timeout(Some(Duration::from_millis(200))).build().unwrap();
    let patient = transfer(&server.url, "t").timeout(Some(Duration::from_secs(20))).build().unwrap();
    let e = quick.get_task().task_id("slow").send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    let task = patient.get_task().task_id("slow").send().await.unwrap();
    assert_eq!(task.task_id, "t-1");
}

#[tokio::test]
async fn a_users_http_client_wins() {
    let server = counting_server().await;
    // The user's client has its own pool (so its own connection) and its own timeout: the
    // config's is not applied over it.
    let own = reqwest::Client::builder().timeout(Duration::from_millis(200)).build().unwrap();
    let mine = transfer(&server.url, "t").http_client(own).timeout(Some(Duration::from_secs(20))).build().unwrap();
    let shared = transfer(&server.url, "t").build().unwrap();
    mine.get_task().task_id("t-1").send().await.unwrap();
    shared.get_task().task_id("t-1").send().await.unwrap();
    assert_eq!(*server.connections.lock().unwrap(), 2);
    let e = mine.get_task().task_id("slow").send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
}

/// A pooled connection belongs to the runtime that opened it: a client on another runtime
/// (here while the first one sits idle) opens its own instead of waiting on it.
#[test]
fn clients_on_different_runtimes_do_not_share_connections() {
    let server_rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let server = server_rt.block_on(counting_server());
    let first = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let second = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let a = transfer(&server.url, "t").timeout(Some(Duration::from_secs(10))).build().unwrap();
    let b = transfer(&server.url, "t").timeout(Some(Duration::from_secs(10))).build().unwrap();
    first.block_on(a.get_task().task_id("t-1").send()).unwrap();
    // `first` is idle now: its connection would never answer on `second`.
    second.block_on(b.get_task().task_id("t-1").send()).unwrap();
    second.block_on(a.get_task().task_id("t-1").send()).unwrap();
    first.block_on(b.get_task().task_id("t-1").send()).unwrap();
    assert_eq!(*server.connections.lock().unwrap(), 2, "a connection for each runtime");
}

/// The same for clients whose TLS checking is changed (their own CA bundle): they too send
/// through a client per runtime, not through one pool for every runtime.
#[test]
fn clients_with_a_ca_bundle_on_different_runtimes_do_not_share_connections() {
    use globus_sdk::config::{Config, TlsVerification};
    let server_rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let server = server_rt.block_on(counting_server());
    let local = server_rt.block_on(globus_sdk::testing::LocalGlobus::start()).unwrap();
    let ca = local.gcs_ca_file().expect("the local GCS makes a CA");
    let config = Config::new().tls_verification(TlsVerification::CaBundle(ca));
    let first = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let second = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let build =
        || transfer(&server.url, "t").config(config.clone()).timeout(Some(Duration::from_secs(10))).build().unwrap();
    let (a, b) = (build(), build());
    first.block_on(a.get_task().task_id("t-1").send()).unwrap();
    // `first` is idle now: its connection would never answer on `second`.
    second.block_on(a.get_task().task_id("t-1").send()).unwrap();
    second.block_on(b.get_task().task_id("t-1").send()).unwrap();
    first.block_on(b.get_task().task_id("t-1").send()).unwrap();
    assert_eq!(*server.connections.lock().unwrap(), 2, "a connection for each runtime");
}

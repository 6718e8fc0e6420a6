//! Body size limits: a success body over the client's limit is an error that keeps the status,
//! headers and request id (announced by Content-Length or streamed without end), and an error
//! body is kept only up to a bound.

use std::time::Duration;

use crate::common::*;
use globus_sdk::ErrorKind;
use globus_sdk::authorizers::NullAuthorizer;
use globus_sdk::testing::Reply;
use globus_sdk::transport::{DEFAULT_MAX_BODY_SIZE, ERROR_BODY_LIMIT, RetryPolicy, Service};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const IDS: &str = "/v2/api/identities";

fn limited(url: &str, max: Option<u64>) -> globus_sdk::auth::Client {
    let mut b = globus_sdk::auth::Client::builder()
        .base_url(url)
        .retry_policy(RetryPolicy::none())
        .timeout(Some(Duration::from_secs(20)));
    if let Some(max) = max {
        b = b.max_body_size(max);
    }
    b.build().unwrap()
}

/// A loopback server for one connection: reads the request head, writes `head`, then calls
/// `body` with the socket. Bounded: it stops when the client hangs up.
async fn one_answer<F, Fut>(head: &'static str, body: F) -> String
where
    F: FnOnce(tokio::net::TcpStream) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
            match socket.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
        if socket.write_all(head.as_bytes()).await.is_ok() {
            body(socket).await;
        }
    });
    url
}

#[test]
fn the_default_limit_is_256_mib() {
    assert_eq!(DEFAULT_MAX_BODY_SIZE, 256 * 1024 * 1024);
    let auth = limited("http://127.0.0.1:9", None);
    assert_eq!(auth.parts().2.max_body_size(), DEFAULT_MAX_BODY_SIZE);
    assert_eq!(limited("http://127.0.0.1:9", Some(10)).parts().2.max_body_size(), 10);
}

#[tokio::test]
async fn an_announced_body_over_the_limit_is_an_error_that_keeps_status_and_request_id() {
    let s = server().await;
    let big = format!(r#"{{"identities": [], "pad": "{}"}}"#, "x".repeat(100_000));
    s.once("GET", IDS, Reply::bytes(200, "application/json", big).header("x-request-id", "big-1"));
    let e = limited(&s.url(), Some(64 * 1024)).get_identities().ids("x").send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TooLarge, "{e}");
    assert_eq!(e.http_status(), Some(200));
    assert_eq!(e.request_id(), Some("big-1"));
    assert_eq!(e.service(), Some("auth"));
    assert_eq!(e.headers().unwrap()["content-type"], "application/json");
    assert!(!e.is_retryable());
    let shown = e.to_string();
    assert!(shown.contains("65536") && shown.contains("max_body_size") && shown.contains("big-1"), "{shown}");
}

#[tokio::test]
async fn a_2_gib_announcement_is_refused_at_once_with_the_default_limit() {
    // The server announces 2 GiB and sends a few bytes: the client must not wait for (or
    // reserve) the rest.
    let url = one_answer(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-request-id: huge-1\r\ncontent-length: 2147483648\r\n\r\n",
        |mut socket| async move {
            let _ = socket.write_all(br#"{"identities": ["#).await;
            // Hold the connection open: the old client waited here for the rest of the 2 GiB.
            let mut buf = [0u8; 16];
            let _ = tokio::time::timeout(Duration::from_secs(30), socket.read(&mut buf)).await;
        },
    )
    .await;
    let started = std::time::Instant::now();
    let e = limited(&url, None).get_identities().ids("x").send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TooLarge, "{e}");
    assert_eq!((e.http_status(), e.request_id()), (Some(200), Some("huge-1")));
    assert!(e.to_string().contains("2147483648"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(15), "refused without waiting for the body");
}

#[tokio::test]
async fn an_endless_chunked_body_stops_at_the_limit() {
    let url = one_answer(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-request-id: endless-1\r\ntransfer-encoding: chunked\r\n\r\n",
        |mut socket| async move {
            let chunk = format!("4000\r\n{}\r\n", " ".repeat(0x4000));
            // At most 1 GiB; the client hangs up long before.
            for _ in 0..65_536 {
                if socket.write_all(chunk.as_bytes()).await.is_err() {
                    return;
                }
            }
        },
    )
    .await;
    let auth = limited(&url, Some(1024 * 1024));
    let e = auth.get_identities().ids("x").send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TooLarge, "{e}");
    assert_eq!((e.http_status(), e.request_id(), e.service()), (Some(200), Some("endless-1"), Some("auth")));
    assert!(e.to_string().contains("1048576"), "{e}");
}

#[tokio::test]
async fn raw_requests_have_the_same_limit() {
    let s = server().await;
    s.once("GET", "/v2/custom", Reply::bytes(200, "text/plain", vec![b'a'; 5000]).header("x-request-id", "raw-big"));
    let auth = limited(&s.url(), Some(4096));
    let e = auth.raw_get("/v2/custom").send().await.unwrap_err();
    assert_eq!((e.kind(), e.http_status(), e.request_id()), (ErrorKind::TooLarge, Some(200), Some("raw-big")));
    s.once("GET", "/v2/custom", Reply::bytes(200, "text/plain", vec![b'a'; 4096]));
    assert_eq!(auth.raw_get("/v2/custom").send().await.unwrap().bytes().len(), 4096, "the limit itself is allowed");
}

#[tokio::test]
async fn an_error_body_is_kept_up_to_a_bound() {
    let s = server().await;
    let page = format!("<html>{}</html>", "e".repeat(3 * 1024 * 1024));
    s.once("GET", IDS, Reply::bytes(500, "text/html", page.clone()).header("x-request-id", "err-big"));
    let auth = auth_client(&s, NullAuthorizer, RetryPolicy::none());
    let e = auth.get_identities().ids("x").send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Api);
    assert_eq!((e.http_status(), e.request_id()), (Some(500), Some("err-big")));
    assert!(e.is_body_truncated());
    assert_eq!(e.raw_body().unwrap(), &page.as_bytes()[..ERROR_BODY_LIMIT as usize], "the beginning is kept");
    let shown = e.to_string();
    assert!(shown.contains(&format!("{ERROR_BODY_LIMIT} of {} bytes kept", page.len())), "{shown}");
    assert!(format!("{e:?}").contains("body_truncated"));

    // A small error body is whole, and says nothing of cuts.
    s.once("GET", IDS, Reply::bytes(404, "text/plain", "gone"));
    let e = auth.get_identities().ids("x").send().await.unwrap_err();
    assert!(!e.is_body_truncated() && !e.to_string().contains("cut"), "{e}");
    assert_eq!(e.raw_body(), Some(&b"gone"[..]));

    // A client with a smaller limit keeps at most that much of an error body.
    s.once("GET", IDS, Reply::bytes(400, "text/plain", vec![b'z'; 10_000]));
    let e = limited(&s.url(), Some(1000)).get_identities().ids("x").send().await.unwrap_err();
    assert_eq!((e.kind(), e.raw_body().map(<[u8]>::len)), (ErrorKind::Api, Some(1000)));
}

#[tokio::test]
async fn retried_error_answers_with_big_bodies_still_retry() {
    let s = server().await;
    s.once("GET", IDS, Reply::bytes(503, "text/html", vec![b'b'; 2 * 1024 * 1024]));
    s.once("GET", IDS, Reply::json(200, identities(&[("id-1", "a@b.org")])));
    let (policy, events) = fast_retries(2);
    let auth = auth_client(&s, NullAuthorizer, policy);
    let found = auth.get_identities().ids("id-1").send().await.unwrap();
    assert_eq!(found.identities.len(), 1);
    assert_eq!(events.lock().unwrap().len(), 1);
}

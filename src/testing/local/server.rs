//! The HTTP side: accept loops, request parsing, replies, injected faults, the request log.

use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use http_body_util::Full;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::faults::{FaultAction, LostResponse};
use super::{Shared, errors};
use crate::testing::loopback::{Incoming, dropped};

/// The largest request body accepted (transfer documents with many items stay far below).
const MAX_BODY: usize = 16 * 1024 * 1024;

/// One request the local Globus received.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoggedRequest {
    /// `auth` or `transfer`.
    pub service: &'static str,
    /// The HTTP method.
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The status answered; None when the connection was dropped.
    pub status: Option<u16>,
    /// The injected fault that applied, if any (`fail`, `drop`, `delay`,
    /// `lose_response_status`, `lose_response_drop`).
    pub fault: Option<String>,
}

/// Which Globus service a listener speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Service {
    Auth,
    Transfer,
}

impl Service {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Service::Auth => "auth",
            Service::Transfer => "transfer",
        }
    }
}

/// A request, read whole.
pub(crate) struct Request {
    pub method: Method,
    /// The path without the query, repeated and trailing slashes removed (`/` stays).
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// Sent back in error bodies and results, and in `X-Request-Id`.
    pub request_id: String,
}

impl Request {
    /// The first value of query parameter `name`.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The path's segments (`/v0.10/task/X` gives `["v0.10", "task", "X"]`).
    pub fn segments(&self) -> Vec<&str> {
        self.path.split('/').filter(|s| !s.is_empty()).collect()
    }

    /// The body as JSON of type `T`, or why not.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, String> {
        if self.body.is_empty() {
            return Err("the request has no body; a JSON document is required".into());
        }
        serde_json::from_slice(&self.body).map_err(|e| format!("the request body is not a valid document: {e}"))
    }

    /// The body as form fields of type `T`, or why not.
    pub fn form<T: DeserializeOwned>(&self) -> Result<T, String> {
        serde_urlencoded::from_bytes(&self.body).map_err(|e| format!("the form body is not valid: {e}"))
    }
}

/// An answer.
pub(crate) struct Reply {
    pub status: StatusCode,
    /// Kept small (a list, not a map): replies travel as the error side of `Result`s.
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub body: Bytes,
}

impl Reply {
    /// A JSON answer.
    pub fn json(status: u16, value: &impl Serialize) -> Reply {
        match serde_json::to_vec(value) {
            Ok(body) => Reply::bytes(status, "application/json", body),
            Err(e) => Reply::bytes(
                500,
                "application/json",
                serde_json::json!({"code": "InternalError", "message": format!("cannot serialize the answer: {e}")})
                    .to_string(),
            ),
        }
    }

    /// A 200 JSON answer.
    pub fn ok(value: &impl Serialize) -> Reply {
        Reply::json(200, value)
    }

    /// An answer with any content type.
    pub fn bytes(status: u16, content_type: &str, body: impl Into<Bytes>) -> Reply {
        let mut headers = Vec::new();
        if let Ok(v) = HeaderValue::from_str(content_type) {
            headers.push((http::header::CONTENT_TYPE, v));
        }
        Reply {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            headers,
            body: body.into(),
        }
    }

    /// A `302 Found` to `location`.
    pub fn redirect(location: &str) -> Reply {
        Reply::bytes(302, "text/plain; charset=utf-8", format!("Redirecting to {location}\n"))
            .header("location", location)
    }

    /// Add a header (an invalid one is left out).
    pub fn header(mut self, name: &str, value: &str) -> Reply {
        if let (Ok(n), Ok(v)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value)) {
            self.headers.retain(|(k, _)| *k != n);
            self.headers.push((n, v));
        }
        self
    }
}

/// Collapse repeated slashes and drop a trailing one.
fn normalize_path(path: &str) -> String {
    let joined = path.split('/').filter(|s| !s.is_empty()).collect::<Vec<_>>().join("/");
    format!("/{joined}")
}

/// A short random request id, like Transfer's.
pub(crate) fn request_id() -> String {
    use rand::Rng as _;
    rand::rng().sample_iter(rand::distr::Alphanumeric).take(9).map(char::from).collect()
}

/// Serve `service` on `listener` until shutdown.
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    service: Service,
    shared: Arc<Shared>,
    shutdown: tokio::sync::watch::Receiver<bool>,
) {
    crate::testing::loopback::serve(listener, shutdown, move |req| handle(shared.clone(), service, req)).await
}

type Body = Full<Bytes>;

async fn handle(
    shared: Arc<Shared>,
    service: Service,
    req: hyper::Request<hyper::body::Incoming>,
) -> Result<hyper::Response<Body>, std::io::Error> {
    let incoming = Incoming::read(req, MAX_BODY).await;
    let body_ok = incoming.body.is_some();
    let request = Request {
        method: incoming.method,
        path: normalize_path(&incoming.path),
        query: incoming.query,
        headers: incoming.headers,
        body: incoming.body.unwrap_or_default(),
        request_id: request_id(),
    };
    let fault = shared.faults.take(request.method.as_str(), &request.path);
    let fault_name = fault.as_ref().map(|f| f.name().to_string());
    let log = |status: Option<u16>| {
        shared.log(LoggedRequest {
            service: service.name(),
            method: request.method.to_string(),
            path: request.path.clone(),
            status,
            fault: fault_name.clone(),
        })
    };
    if let Some(FaultAction::Delay(d)) = &fault {
        tokio::time::sleep(*d).await;
    }
    let reply = match &fault {
        Some(FaultAction::Drop) => {
            log(None);
            return Err(dropped(DROPPED));
        }
        Some(FaultAction::Fail { status, retry_after }) => {
            let reply = errors::injected(service, *status, &request);
            match retry_after {
                Some(d) => reply.header("retry-after", &d.as_secs_f64().ceil().to_string()),
                None => reply,
            }
        }
        _ if !body_ok => match service {
            Service::Transfer => errors::transfer(
                413,
                "ClientError.RequestTooLarge",
                "the request body is too large or broken",
                &request,
            ),
            Service::Auth => errors::auth(
                413,
                "invalid_request",
                "REQUEST_TOO_LARGE",
                "the request body is too large or broken",
                &request,
            ),
        },
        _ => {
            let reply = match service {
                Service::Auth => super::auth::route(&shared, &request),
                Service::Transfer => super::transfer::route(&shared, &request),
            };
            match &fault {
                Some(FaultAction::Lose(LostResponse::Drop)) => {
                    log(None);
                    return Err(dropped(DROPPED));
                }
                Some(FaultAction::Lose(LostResponse::Status(s))) => errors::injected(service, *s, &request),
                _ => reply,
            }
        }
    };
    log(Some(reply.status.as_u16()));
    let mut response = hyper::Response::new(Full::new(reply.body));
    *response.status_mut() = reply.status;
    response.headers_mut().extend(reply.headers);
    if let Ok(v) = HeaderValue::from_str(&request.request_id) {
        response.headers_mut().insert("x-request-id", v);
    }
    Ok(response)
}

const DROPPED: &str = "connection dropped by an injected fault";

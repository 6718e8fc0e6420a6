//! The HTTP side, the same for every service: one accept loop per listener, injected
//! faults, the request log, and a guard that turns a handler's panic into a 500.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use bytes::Bytes;
use http::HeaderValue;
use http_body_util::Full;

use super::core::Core;
use super::faults::{FaultAction, LostResponse};
use super::http::{Reply, Request};
use super::log::LoggedRequest;
use super::plugin::Mounted;
use crate::testing::loopback::{Incoming, dropped};

/// The largest request body accepted (transfer documents with many items stay far below).
const MAX_BODY: usize = 16 * 1024 * 1024;

const DROPPED: &str = "connection dropped by an injected fault";

/// Serve `service` on `listener` until shutdown, with TLS when `tls` is given.
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    service: Arc<dyn Mounted>,
    core: Arc<Core>,
    shutdown: tokio::sync::watch::Receiver<bool>,
) {
    crate::testing::loopback::serve_with(listener, tls, shutdown, move |req| handle(core.clone(), service.clone(), req))
        .await
}

async fn handle(
    core: Arc<Core>,
    service: Arc<dyn Mounted>,
    req: hyper::Request<hyper::body::Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, std::io::Error> {
    let incoming = Incoming::read(req, MAX_BODY).await;
    let body_ok = incoming.body.is_some();
    let request = Request::new(incoming);
    let fault = core.faults().take(request.method.as_str(), &request.path);
    let log = |status: Option<u16>| {
        core.log().push(LoggedRequest {
            service: service.name(),
            method: request.method.to_string(),
            path: request.path.clone(),
            status,
            fault: fault.as_ref().map(|f| f.name().to_string()),
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
            let reply = injected(&*service, *status, &request);
            match retry_after {
                Some(d) => reply.header("retry-after", &d.as_secs_f64().ceil().to_string()),
                None => reply,
            }
        }
        _ if !body_ok => service.error(413, "the request body is too large or broken", &request),
        _ => {
            let reply = respond(&*service, &request);
            match &fault {
                Some(FaultAction::Lose(LostResponse::Drop)) => {
                    log(None);
                    return Err(dropped(DROPPED));
                }
                Some(FaultAction::Lose(LostResponse::Status(s))) => injected(&*service, *s, &request),
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

/// The service's answer; a handler that panics (a bug) answers a 500 rather than dropping
/// the connection (locks recover from the poisoning, see `core::lock`).
fn respond(service: &dyn Mounted, request: &Request) -> Reply {
    catch_unwind(AssertUnwindSafe(|| service.respond(request))).unwrap_or_else(|_| {
        service.error(500, "the local Globus failed on this request (its handler panicked)", request)
    })
}

/// The answer to a request an injected fault makes fail, in the service's own error shape.
fn injected(service: &dyn Mounted, status: u16, request: &Request) -> Reply {
    service.error(status, &format!("fault injected by the local Globus (HTTP {status})"), request)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A service whose handler has a bug.
    struct Buggy;

    impl Mounted for Buggy {
        fn name(&self) -> &'static str {
            "buggy"
        }

        fn respond(&self, _: &Request) -> Reply {
            panic!("a bug in a handler")
        }

        fn error(&self, status: u16, message: &str, req: &Request) -> Reply {
            super::super::errors::globus(status, message, req)
        }

        fn env_vars(&self) -> Vec<(String, String)> {
            Vec::new()
        }

        fn scopes(&self) -> Vec<(String, String)> {
            Vec::new()
        }

        fn stop(&self) {}

        fn as_any(&self) -> &dyn std::any::Any {
            self
        }
    }

    #[test]
    fn a_panicking_handler_answers_a_500() {
        let request = Request {
            method: http::Method::GET,
            path: "/x".into(),
            query: Vec::new(),
            headers: http::HeaderMap::new(),
            body: Bytes::new(),
            request_id: "r1".into(),
        };
        let reply = respond(&Buggy, &request);
        assert_eq!(reply.status, 500);
        let body: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
        assert_eq!(body["code"], "InternalServerError");
        assert_eq!(body["request_id"], "r1");
    }
}

//! The attempt loop: send, read the whole body (up to the client's limit), decide whether to
//! renew or retry.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::AUTHORIZATION;
use reqwest::ResponseBuilderExt as _;
use tracing::Instrument as _;

use super::ClientState;
use super::OperationMeta;
use super::builder;
use super::redact::{Side, loggable};
use super::retry::{RetryEvent, RetryReason, parse_retry_after, status_is_retryable};
use crate::error::{BodyCut, BufferedBody, RerouteCause, Rerouted, ResponseFacts};

/// How much of a body is logged at TRACE.
const TRACE_BODY_LIMIT: usize = 2048;

/// What the attempt loop needs to know of the request it sends.
#[derive(Clone, Copy, Debug)]
pub(super) struct Operation {
    /// The operationId (`raw` for raw requests), as logged.
    pub id: &'static str,
    /// May it be resent after a 500/502/504 or a lost response? None: by its method.
    pub retry_safe: Option<bool>,
    /// Its bodies carry secrets: never logged.
    pub sensitive: bool,
}

impl Operation {
    /// A spec operation (`meta`: its row in the operation table).
    pub fn typed(id: &'static str, meta: Option<&'static OperationMeta>) -> Self {
        Operation { id, retry_safe: meta.map(|m| m.retry_safe), sensitive: meta.is_some_and(|m| m.sensitive_body) }
    }
}

pub(super) async fn execute(
    state: &ClientState,
    http: &reqwest::Client,
    request: reqwest::Request,
    operation: Operation,
) -> reqwest::Result<reqwest::Response> {
    let span = tracing::debug_span!(
        "globus_request",
        service = state.service(),
        operation = operation.id,
        method = %request.method(),
        url = %loggable_url(request.url()),
        status = tracing::field::Empty,
        attempt = tracing::field::Empty,
        request_id = tracing::field::Empty,
        duration_ms = tracing::field::Empty,
    );
    // A client on the shared HTTP clients sends through the one of the runtime it runs on.
    let shared = state.shared_http().and_then(builder::shared_http_for_current_runtime);
    let http = shared.as_ref().unwrap_or(http);
    attempts(state, http, request, operation).instrument(span).await
}

async fn attempts(
    state: &ClientState,
    http: &reqwest::Client,
    mut request: reqwest::Request,
    operation: Operation,
) -> reqwest::Result<reqwest::Response> {
    let operation_id = operation.id;
    // The HTTP client is shared between clients: the client's timeout goes on the request
    // (a timeout the request already has wins). Every attempt is a clone, and keeps it.
    if request.timeout().is_none()
        && let Some(t) = state.timeout()
    {
        *request.timeout_mut() = Some(t);
    }
    let idempotent_method = matches!(request.method().as_str(), "GET" | "HEAD" | "PUT" | "DELETE" | "OPTIONS");
    let retry_safe = operation.retry_safe.unwrap_or(idempotent_method);
    let sensitive = operation.sensitive;
    let secret_fields = state.info().secret_fields;
    let limits = Limits::new(state.max_body_size());
    let policy = state.retry_policy();
    let span = tracing::Span::current();
    let started = Instant::now();
    let mut retries = 0u32;
    let mut last_retry_after_timeout = false;
    let mut renewed = false;
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        span.record("attempt", attempt);
        // A streaming body cannot be sent twice: such a request gets a single attempt.
        let Some(this_attempt) = request.try_clone() else {
            return http.execute(request).await;
        };
        let sent_auth = this_attempt.headers().get(AUTHORIZATION).cloned();
        if !sensitive
            && tracing::enabled!(tracing::Level::TRACE)
            && let Some(body) = this_attempt.body().and_then(|b| b.as_bytes())
        {
            let ct = content_type(this_attempt.headers());
            tracing::trace!(body = %loggable(body, ct, secret_fields, Side::Request, TRACE_BODY_LIMIT), "request body");
        }
        let outcome = match http.execute(this_attempt).await {
            Ok(response) => read_whole(response, limits).await,
            Err(e) => Err((None, e)),
        };
        match outcome {
            Err((broken, e)) => {
                // A refused connection never reached the server: safe to resend anything.
                let delay = policy.delay(retries + 1, None);
                let may_retry = retries < policy.get_max_retries()
                    && (e.is_connect() || retry_safe)
                    && policy.may_retry(started, delay, true);
                if !may_retry {
                    tracing::debug!(error = %e, retries, "request failed");
                    let facts = ResponseFacts::new(state, sensitive, retries, false);
                    return match broken {
                        // The status and headers arrived: keep them, and the bytes that came.
                        Some((head, partial)) => {
                            Ok(rebuild(head, partial, facts, Some(RerouteCause::Broken(e.to_string()))))
                        }
                        None => Err(e),
                    };
                }
                retries += 1;
                last_retry_after_timeout = true;
                let reason = RetryReason::Connection(e.to_string());
                wait(state, policy, operation_id, retries, reason, None, delay).await;
            }
            Ok((head, body, overflow)) => {
                let status = head.status;
                span.record("status", status.as_u16());
                if let Some(id) = header_request_id(&head.headers) {
                    span.record("request_id", id);
                }
                if status == http::StatusCode::UNAUTHORIZED && !renewed {
                    renewed = true;
                    if state.authorizer().on_unauthorized(sent_auth.as_ref()).await {
                        tracing::debug!("401: credentials renewed, sending once more");
                        reapply_auth(state, &mut request).await;
                        continue;
                    }
                }
                let vetoed = state.info().hooks.retry_veto.is_some_and(|veto| veto(status.as_u16(), &body));
                let retry_after = parse_retry_after(&head.headers);
                let delay = policy.delay(retries + 1, retry_after);
                if retries < policy.get_max_retries()
                    && status_is_retryable(status, retry_safe)
                    && !vetoed
                    && policy.may_retry(started, delay, false)
                {
                    retries += 1;
                    last_retry_after_timeout = false;
                    wait(
                        state,
                        policy,
                        operation_id,
                        retries,
                        RetryReason::Status(status.as_u16()),
                        retry_after,
                        delay,
                    )
                    .await;
                    reapply_auth(state, &mut request).await;
                    continue;
                }
                span.record("duration_ms", started.elapsed().as_millis() as u64);
                if !sensitive && tracing::enabled!(tracing::Level::TRACE) {
                    let side = if status.is_success() { Side::Success } else { Side::ErrorAnswer };
                    let ct = content_type(&head.headers);
                    tracing::trace!(body = %loggable(&body, ct, secret_fields, side, TRACE_BODY_LIMIT), "response body");
                }
                tracing::debug!(status = status.as_u16(), retries, "request finished");
                if status.is_success() {
                    policy.succeeded(retries, last_retry_after_timeout);
                }
                let facts = ResponseFacts::new(state, sensitive, retries, vetoed);
                let mut response = match overflow {
                    Overflow::None => rebuild(head, body, facts, None),
                    Overflow::TooLarge { declared } => {
                        tracing::debug!(limit = limits.success, ?declared, "the body is over the limit: not read");
                        let why = RerouteCause::TooLarge { limit: limits.success, declared };
                        rebuild(head, body, facts, Some(why))
                    }
                    Overflow::Cut { .. } => rebuild(head, body, facts, None),
                };
                if let Overflow::Cut { declared } = overflow {
                    response.extensions_mut().insert(BodyCut { declared });
                }
                return Ok(response);
            }
        }
    }
}

async fn wait(
    state: &ClientState,
    policy: &super::RetryPolicy,
    operation_id: &'static str,
    retry: u32,
    reason: RetryReason,
    retry_after: Option<Duration>,
    delay: Duration,
) {
    tracing::debug!(retry, ?reason, delay_ms = delay.as_millis() as u64, service = state.service(), "retrying");
    policy.notify(&RetryEvent { operation_id, retry, reason, retry_after, delay });
    tokio::time::sleep(delay).await;
}

async fn reapply_auth(state: &ClientState, request: &mut reqwest::Request) {
    match state.authorizer().authorization_header().await {
        Ok(Some(h)) => {
            request.headers_mut().insert(AUTHORIZATION, h);
        }
        Ok(None) => {
            request.headers_mut().remove(AUTHORIZATION);
        }
        Err(e) => tracing::warn!(error = %e, "could not get credentials for a retry; resending the previous ones"),
    }
}

/// The parts of a response the transport keeps: everything but the body.
struct Head {
    status: http::StatusCode,
    version: http::Version,
    headers: http::HeaderMap,
    url: url::Url,
}

type Broken = (Option<(Head, Bytes)>, reqwest::Error);

/// How much of a body is read.
#[derive(Clone, Copy, Debug)]
struct Limits {
    /// A success body: past it, the answer is an error.
    success: u64,
    /// An error body: past it, the rest is dropped.
    error: u64,
}

impl Limits {
    fn new(max_body_size: u64) -> Self {
        Limits { success: max_body_size, error: max_body_size.min(super::ERROR_BODY_LIMIT) }
    }
}

/// What did not fit.
#[derive(Clone, Copy, Debug)]
enum Overflow {
    None,
    /// A success body over the limit: not read (`declared`: its Content-Length).
    TooLarge {
        declared: Option<u64>,
    },
    /// An error body over its limit: the beginning is kept, the rest dropped.
    Cut {
        declared: Option<u64>,
    },
}

/// Read the whole body, up to the limits. When the connection breaks mid-body, the error
/// comes with the status, headers and the bytes that did arrive.
async fn read_whole(mut response: reqwest::Response, limits: Limits) -> Result<(Head, Bytes, Overflow), Broken> {
    let head = Head {
        status: response.status(),
        version: response.version(),
        headers: std::mem::take(response.headers_mut()),
        url: response.url().clone(),
    };
    let success = head.status.is_success();
    let limit = if success { limits.success } else { limits.error };
    let declared = response.content_length();
    if success && declared.is_some_and(|n| n > limit) {
        // Dropping the response closes the connection without reading the body.
        return Ok((head, Bytes::new(), Overflow::TooLarge { declared }));
    }
    let expected = declared.unwrap_or(0).min(limit);
    let mut body = bytes::BytesMut::with_capacity(usize::try_from(expected).unwrap_or(0));
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) if body.is_empty() && chunk.len() as u64 == expected && declared == Some(expected) => {
                // The common case: the whole body in one chunk, no copy.
                return Ok((head, chunk, Overflow::None));
            }
            Ok(Some(chunk)) => {
                let room = usize::try_from(limit).unwrap_or(usize::MAX).saturating_sub(body.len());
                if chunk.len() > room {
                    if success {
                        return Ok((head, Bytes::new(), Overflow::TooLarge { declared }));
                    }
                    body.extend_from_slice(&chunk[..room]);
                    return Ok((head, body.freeze(), Overflow::Cut { declared }));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok((head, body.freeze(), Overflow::None)),
            Err(e) => return Err((Some((head, body.freeze())), e)),
        }
    }
}

fn content_type(headers: &http::HeaderMap) -> Option<&str> {
    headers.get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok())
}

/// A response around the buffered body, carrying what the error conversion needs.
///
/// A response whose body is broken (the connection failed mid-body) or, for a success, over
/// the limit, is routed to the error path (`rerouted`): its status is replaced (progenitor
/// would drop it with the body) and the error conversion restores it from the marker. A
/// success body is decoded once, by [`super::typed_response`], which keeps the response when
/// the body does not decode.
fn rebuild(head: Head, body: Bytes, facts: ResponseFacts, rerouted: Option<RerouteCause>) -> reqwest::Response {
    let mut status = head.status;
    let mut undecodable = None;
    if let Some(why) = rerouted {
        undecodable = Some(Rerouted { status, why });
        status = http::StatusCode::BAD_GATEWAY;
    }
    let mut builder = http::Response::builder().status(status).version(head.version).url(head.url);
    if let Some(headers) = builder.headers_mut() {
        *headers = head.headers;
    }
    if let Some(ext) = builder.extensions_mut() {
        ext.insert(BufferedBody(body.clone()));
        ext.insert(facts);
        if let Some(u) = undecodable {
            ext.insert(u);
        }
    }
    let response = builder.body(body).expect("status, version and headers come from a valid response");
    reqwest::Response::from(response)
}

fn header_request_id(headers: &http::HeaderMap) -> Option<&str> {
    headers.get("x-request-id").and_then(|v| v.to_str().ok())
}

/// The URL as logged: no userinfo.
fn loggable_url(url: &url::Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.to_string()
}

//! The one error type of the SDK.
//!
//! Every call returns this [`Error`]: the generated `send()` of every operation, the paging
//! streams, the raw requests and the hand-written helpers. An error keeps everything the service sent: the HTTP status, the
//! headers, the raw body bytes (JSON or not), and what could be read from it: the Globus
//! error `code`, `message`, `request_id`, the sub-errors, and the authorization requirements
//! (GARE) when more consent or a new login is needed.
//!
//! ```no_run
//! # async fn demo(auth: &globus_sdk::auth::Client) -> Result<(), globus_sdk::Error> {
//! match auth.get_identities().usernames("someone@example.org").send().await {
//!     Ok(found) => println!("{} identities", found.identities.len()),
//!     Err(e) if e.is_not_found() => println!("no such identity"),
//!     Err(e) => {
//!         // Display: "Globus auth: the service answered 403 Forbidden [FORBIDDEN]: ... (request id ...)"
//!         eprintln!("{e}");
//!         eprintln!("status {:?}, code {:?}, request id {:?}", e.http_status(), e.code(), e.request_id());
//!         if let Some(gare) = e.authorization_requirements() {
//!             eprintln!("log in again with scopes {:?}", gare.parameters.required_scopes);
//!         }
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! Secrets never appear in `Debug` or `Display`: bodies are summarised by their length and
//! media type only, and token endpoints' bodies are never shown.

use std::fmt;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use serde_json::Value;

use crate::gare::AuthorizationRequirements;

/// What kind of failure an [`Error`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The service answered with an error status (4xx, 5xx).
    Api,
    /// The service answered with a success status but the body could not be read as the
    /// operation's response (not JSON, truncated, or a shape the spec does not describe).
    Decode,
    /// The request never got a complete answer: connection refused or reset, TLS, ...
    Transport,
    /// The request timed out.
    Timeout,
    /// The request could not be built (a required parameter is missing, a value is invalid).
    InvalidRequest,
    /// No valid credentials could be obtained (a token grant failed, a token expired and
    /// cannot be renewed).
    Authorization,
    /// The configuration (environment variables, URLs, settings) is invalid.
    Config,
    /// A token or id_token could not be validated.
    Token,
    /// The service answered with a success status and a body larger than the client's limit
    /// ([`ClientBuilder::max_body_size`](crate::ClientBuilder::max_body_size)); the body was
    /// not read. The status and headers are kept.
    TooLarge,
}

/// One entry of a Globus error body's `errors` list (Auth and JSON:API styles).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ErrorDetail {
    /// Machine-readable code.
    pub code: Option<String>,
    /// Human-readable text (`detail`, `message` or `description`).
    pub message: Option<String>,
    /// JSON:API `title`.
    pub title: Option<String>,
    /// The status the sub-error carries (a string in JSON:API).
    pub status: Option<String>,
    /// The sub-error's id.
    pub id: Option<String>,
    /// The whole entry as sent.
    pub raw: Value,
}

/// The SDK's error: see the [module documentation](self).
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    /// What happened, in words (the service's message comes from `body`).
    summary: String,
    service: Option<&'static str>,
    status: Option<StatusCode>,
    headers: Option<HeaderMap>,
    raw_body: Option<Bytes>,
    body: Option<ParsedBody>,
    /// The body may hold secrets: never shown, even in part.
    sensitive: bool,
    /// How many retries the transport made before giving up.
    retries: Option<u32>,
    /// The error body was longer than the SDK keeps: `raw_body` holds its beginning only.
    body_cut: Option<BodyCut>,
    /// For a failed credential renewal: the kind of the error Auth's call ended with.
    renewal_of: Option<ErrorKind>,
    /// The service said sending again will not help (Transfer's `EndpointError`...).
    retry_vetoed: bool,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

#[derive(Clone, Default)]
struct ParsedBody {
    code: Option<String>,
    message: Option<String>,
    request_id: Option<String>,
    errors: Vec<ErrorDetail>,
    gares: Vec<AuthorizationRequirements>,
    json: Option<Value>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, summary: impl Into<String>) -> Self {
        Error {
            inner: Box::new(Inner {
                kind,
                summary: summary.into(),
                service: None,
                status: None,
                headers: None,
                raw_body: None,
                body: None,
                sensitive: false,
                retries: None,
                body_cut: None,
                renewal_of: None,
                retry_vetoed: false,
                source: None,
            }),
        }
    }

    pub(crate) fn config(summary: impl Into<String>) -> Self {
        Self::new(ErrorKind::Config, summary)
    }

    pub(crate) fn invalid_request(summary: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidRequest, summary)
    }

    pub(crate) fn authorization(summary: impl Into<String>) -> Self {
        Self::new(ErrorKind::Authorization, summary)
    }

    #[cfg(feature = "auth")]
    pub(crate) fn token(summary: impl Into<String>) -> Self {
        Self::new(ErrorKind::Token, summary)
    }

    pub(crate) fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.inner.source = Some(Box::new(source));
        self
    }

    pub(crate) fn with_service(mut self, service: &'static str) -> Self {
        self.inner.service = Some(service);
        self
    }

    /// Name the service, unless the error already names one (a failed token renewal stays
    /// Auth's error when it surfaces from a Transfer call).
    pub(crate) fn or_service(mut self, service: &'static str) -> Self {
        self.inner.service.get_or_insert(service);
        self
    }

    /// Mark an error from getting credentials (a failed token renewal): the kind becomes
    /// [`ErrorKind::Authorization`]; the status, code, request id and body of Auth's answer stay.
    pub(crate) fn into_renewal_failure(mut self) -> Self {
        if self.inner.kind != ErrorKind::Authorization {
            self.inner.renewal_of = Some(self.inner.kind);
            self.inner.summary = format!("could not renew the credentials: {}", self.inner.summary);
            self.inner.kind = ErrorKind::Authorization;
        }
        self
    }

    pub(crate) fn with_summary(mut self, summary: impl Into<String>) -> Self {
        self.inner.summary = summary.into();
        self
    }

    /// The same error for another caller (a renewal's failure, shared by the callers that
    /// waited for it); the source is kept as its text.
    pub(crate) fn duplicate(&self) -> Error {
        #[derive(Debug)]
        struct Text(String);
        impl fmt::Display for Text {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl std::error::Error for Text {}
        let i = &self.inner;
        Error {
            inner: Box::new(Inner {
                kind: i.kind,
                summary: i.summary.clone(),
                service: i.service,
                status: i.status,
                headers: i.headers.clone(),
                raw_body: i.raw_body.clone(),
                body: i.body.clone(),
                sensitive: i.sensitive,
                retries: i.retries,
                renewal_of: i.renewal_of,
                retry_vetoed: i.retry_vetoed,
                body_cut: i.body_cut,
                source: i
                    .source
                    .as_ref()
                    .map(|s| Box::new(Text(s.to_string())) as Box<dyn std::error::Error + Send + Sync>),
            }),
        }
    }

    /// Wrap the error in a response, to carry it through progenitor's hooks unchanged.
    pub(crate) fn into_carrier(self) -> reqwest::Response {
        let mut response = http::Response::new(bytes::Bytes::new());
        response.extensions_mut().insert(Carried(std::sync::Arc::new(std::sync::Mutex::new(Some(self)))));
        reqwest::Response::from(response)
    }

    pub(crate) fn transport(source: reqwest::Error) -> Self {
        let kind = if source.is_timeout() { ErrorKind::Timeout } else { ErrorKind::Transport };
        let summary = if source.is_timeout() {
            "the request timed out".to_string()
        } else if source.is_connect() {
            "could not connect to the service".to_string()
        } else if source.is_body() || source.is_decode() {
            "the connection broke while the response was being read".to_string()
        } else {
            "the request failed before a complete response arrived".to_string()
        };
        let status = source.status();
        let mut e = Self::new(kind, summary).with_source(source);
        e.inner.status = status;
        e
    }

    /// An error built from a complete HTTP response (status, headers, body bytes).
    ///
    /// `kind` is [`ErrorKind::Api`] for error statuses and [`ErrorKind::Decode`] for
    /// success statuses whose body could not be read.
    pub(crate) fn from_response(
        kind: ErrorKind,
        status: StatusCode,
        headers: HeaderMap,
        body: Bytes,
        sensitive: bool,
    ) -> Self {
        let parsed = parse_body(&body, &headers);
        let summary = match kind {
            ErrorKind::Decode => describe_undecodable(status, &headers, &body),
            _ => format!("the service answered {}", status_text(status)),
        };
        let mut e = Self::new(kind, summary);
        e.inner.status = Some(status);
        e.inner.headers = Some(headers);
        e.inner.raw_body = Some(body);
        e.inner.body = Some(parsed);
        e.inner.sensitive = sensitive;
        e
    }

    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The short name of the service that answered (`"auth"`, `"transfer"`...), when known.
    pub fn service(&self) -> Option<&'static str> {
        self.inner.service
    }

    /// The HTTP status of the response, when there was one.
    pub fn http_status(&self) -> Option<u16> {
        self.inner.status.map(|s| s.as_u16())
    }

    /// The response headers, when there was a response.
    pub fn headers(&self) -> Option<&HeaderMap> {
        self.inner.headers.as_ref()
    }

    /// The Globus error code (`ClientError.NotFound`, `invalid_grant`, `ConsentRequired`...).
    ///
    /// Taken from `code`, else Auth's `error`, else the first sub-error's code.
    pub fn code(&self) -> Option<&str> {
        let b = self.inner.body.as_ref()?;
        b.code.as_deref().or_else(|| b.errors.iter().find_map(|e| e.code.as_deref()))
    }

    /// The service's human-readable message.
    pub fn message(&self) -> Option<&str> {
        let b = self.inner.body.as_ref()?;
        b.message.as_deref().or_else(|| b.errors.iter().find_map(|e| e.message.as_deref().or(e.title.as_deref())))
    }

    /// The request id the service assigned (from the body's `request_id`, else the
    /// `X-Request-Id` header), to quote when asking Globus support.
    pub fn request_id(&self) -> Option<&str> {
        let from_body = self.inner.body.as_ref().and_then(|b| b.request_id.as_deref());
        from_body.or_else(|| {
            let h = self.inner.headers.as_ref()?;
            ["x-request-id", "request-id", "x-amzn-requestid"]
                .iter()
                .find_map(|name| h.get(*name).and_then(|v| v.to_str().ok()))
        })
    }

    /// The sub-errors of the body's `errors` list (empty when there is none).
    pub fn errors(&self) -> &[ErrorDetail] {
        self.inner.body.as_ref().map(|b| b.errors.as_slice()).unwrap_or_default()
    }

    /// The response body exactly as received (JSON, HTML, empty or truncated).
    ///
    /// An error body is kept up to [`ERROR_BODY_LIMIT`](crate::transport::ERROR_BODY_LIMIT)
    /// bytes: a longer one holds its beginning only ([`Self::is_body_truncated`]).
    pub fn raw_body(&self) -> Option<&[u8]> {
        self.inner.raw_body.as_deref()
    }

    /// Whether the service's error body was longer than the SDK keeps, so that
    /// [`Self::raw_body`] holds only its beginning (the rest was never read).
    pub fn is_body_truncated(&self) -> bool {
        self.inner.body_cut.is_some()
    }

    /// The response body as text, when it is valid UTF-8.
    pub fn raw_text(&self) -> Option<&str> {
        self.raw_body().and_then(|b| std::str::from_utf8(b).ok())
    }

    /// The response body as JSON, when it is JSON.
    pub fn json(&self) -> Option<&Value> {
        self.inner.body.as_ref()?.json.as_ref()
    }

    /// How many times the transport retried before returning this error (when it made the request).
    pub fn retries(&self) -> Option<u32> {
        self.inner.retries
    }

    /// The first authorization requirement (GARE) the body holds, if any.
    pub fn authorization_requirements(&self) -> Option<&AuthorizationRequirements> {
        self.all_authorization_requirements().first()
    }

    /// Every authorization requirement the body holds.
    pub fn all_authorization_requirements(&self) -> &[AuthorizationRequirements] {
        self.inner.body.as_ref().map(|b| b.gares.as_slice()).unwrap_or_default()
    }

    /// Whether the service answered 404: nothing at that id or path.
    pub fn is_not_found(&self) -> bool {
        self.inner.kind == ErrorKind::Api && self.http_status() == Some(404)
    }

    /// Whether the user must consent to more scopes (a `ConsentRequired` error, or any
    /// authorization requirement naming required scopes): log in again with
    /// [`Self::authorization_requirements`].
    pub fn is_consent_required(&self) -> bool {
        let code = self.code().unwrap_or_default();
        code.eq_ignore_ascii_case("ConsentRequired")
            || code.eq_ignore_ascii_case("consent_required")
            || code.eq_ignore_ascii_case("dependent_consent_required")
            || self.all_authorization_requirements().iter().any(|g| !g.parameters.required_scopes.is_empty())
    }

    /// Whether the credentials are dead and only a new login helps: Auth refused a refresh
    /// token or grant (`invalid_grant`, also when it surfaces from a renewal during another
    /// service's call), or a service answered 401 even after renewal.
    pub fn is_login_required(&self) -> bool {
        let api = self.inner.renewal_of.unwrap_or(self.inner.kind) == ErrorKind::Api;
        self.code() == Some("invalid_grant") || (api && self.http_status() == Some(401))
    }

    /// Whether sending the same request again later may succeed: timeouts, connection
    /// failures, 429, 500, 502, 503, 504 (also when Auth answered so to a token renewal);
    /// not when the service says the fault is elsewhere (Transfer's `EndpointError` and
    /// `ExternalError`: the endpoint or a third party failed), which the transport does not
    /// retry either.
    pub fn is_retryable(&self) -> bool {
        if self.inner.retry_vetoed {
            return false;
        }
        match self.inner.renewal_of.unwrap_or(self.inner.kind) {
            ErrorKind::Transport | ErrorKind::Timeout => true,
            ErrorKind::Api => self.inner.status.is_some_and(|s| crate::transport::is_retryable_status(s.as_u16())),
            _ => false,
        }
    }

    fn hint(&self) -> Option<&'static str> {
        if !self.all_authorization_requirements().is_empty() {
            return Some(
                "more authorization is needed: start a new login with the parameters from Error::authorization_requirements()",
            );
        }
        if self.inner.retry_vetoed {
            return Some(
                "the endpoint or a third party failed, not the service: sending again will not help until it is fixed (Error::is_retryable() is false)",
            );
        }
        if self.inner.renewal_of.is_some() {
            return Some(if self.is_login_required() {
                "Auth refused the refresh token or client credentials: log in again (Error::is_login_required() is true)"
            } else if self.is_retryable() {
                "Auth could not be reached or is failing: try again later (Error::is_retryable() is true)"
            } else {
                "check the app's client id, secret and scopes"
            });
        }
        match (self.inner.kind, self.http_status()) {
            (ErrorKind::Api, Some(401)) => {
                Some("the token is missing, expired or revoked: log in again or use a renewing authorizer")
            }
            (ErrorKind::Api, Some(403)) => Some("the identity lacks permission, or the token lacks a needed scope"),
            (ErrorKind::Api, Some(404)) => Some("check the id or path: nothing was found there"),
            (ErrorKind::Api, Some(409)) => Some("the request conflicts with the current state of the resource"),
            (ErrorKind::Api, Some(s)) if crate::transport::is_retryable_status(s) => {
                Some("the service is busy or failing: try again later (Error::is_retryable() is true)")
            }
            (ErrorKind::TooLarge, _) => {
                Some("if answers this large are expected, raise the limit with ClientBuilder::max_body_size")
            }
            (ErrorKind::Decode, _) => Some(
                "the service sent something this SDK cannot read for this operation: the raw body is kept in Error::raw_body(); if it is valid, the spec may be out of date (please report it)",
            ),
            (ErrorKind::Transport, _) => Some("check the network and the service URL; the request may be retried"),
            (ErrorKind::Timeout, _) => {
                Some("raise the timeout (GLOBUS_SDK_HTTP_TIMEOUT or Config::timeout) or retry later")
            }
            (ErrorKind::Config, _) => Some("fix the setting named above"),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(service) = self.inner.service {
            write!(f, "Globus {service}: ")?;
        }
        f.write_str(&self.inner.summary)?;
        if let Some(code) = self.code() {
            write!(f, " [{code}]")?;
        }
        if let Some(message) =
            self.message().filter(|_| !(self.inner.sensitive && self.inner.kind == ErrorKind::Decode))
        {
            write!(f, ": {message}")?;
        } else if self.inner.kind == ErrorKind::Api
            && let Some(body) = &self.inner.raw_body
        {
            write!(f, " ({})", describe_body(self.inner.headers.as_ref(), body))?;
        }
        if let Some(cut) = &self.inner.body_cut {
            let kept = self.inner.raw_body.as_ref().map_or(0, |b| b.len());
            match cut.declared {
                Some(total) => write!(f, " (the body was cut: {kept} of {total} bytes kept)")?,
                None => write!(f, " (the body was cut: its first {kept} bytes kept)")?,
            }
        }
        if let Some(id) = self.request_id() {
            write!(f, " (request id {id})")?;
        }
        if let Some(retries) = self.inner.retries.filter(|r| *r > 0) {
            write!(f, " after {retries} retries")?;
        }
        if let Some(source) = &self.inner.source {
            write!(f, ": {source}")?;
        }
        if let Some(hint) = self.hint() {
            write!(f, ". {hint}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    // Never print the body or headers: they may carry tokens.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.inner.kind).field("summary", &self.inner.summary);
        if let Some(s) = self.inner.service {
            d.field("service", &s);
        }
        if let Some(s) = self.inner.status {
            d.field("status", &s.as_u16());
        }
        if let Some(c) = self.code() {
            d.field("code", &c);
        }
        if let Some(m) = self.message().filter(|_| !self.inner.sensitive) {
            d.field("message", &m);
        }
        if let Some(r) = self.request_id() {
            d.field("request_id", &r);
        }
        if let Some(b) = &self.inner.raw_body {
            d.field("body_len", &b.len());
        }
        if self.inner.body_cut.is_some() {
            d.field("body_truncated", &true);
        }
        if let Some(s) = &self.inner.source {
            d.field("source", &s.to_string());
        }
        d.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner.source.as_deref().map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// Marks a response that the transport routed to the error path, replacing its status (which
/// progenitor would drop with the body) by 502: its body is broken (the connection failed
/// mid-body) or, for a success, over the size limit. Holds the original status so the
/// conversion restores it.
#[derive(Clone, Debug)]
pub(crate) struct Rerouted {
    pub status: StatusCode,
    pub why: RerouteCause,
}

/// Why a response was rerouted.
#[derive(Clone, Debug)]
pub(crate) enum RerouteCause {
    /// What broke the connection.
    Broken(String),
    /// A success body over the limit (`declared`: its Content-Length, when sent).
    TooLarge { limit: u64, declared: Option<u64> },
}

/// Marks an error body longer than the transport keeps (`declared`: its Content-Length).
#[derive(Clone, Copy, Debug)]
pub(crate) struct BodyCut {
    pub declared: Option<u64>,
}

/// Marks a success whose body did not decode as the operation's type (set by
/// [`crate::transport::typed_response`]).
#[derive(Clone, Debug)]
pub(crate) struct DecodeFailure(pub std::sync::Arc<serde_json::Error>);

/// The whole body of a response, kept by the transport so errors can show it.
#[derive(Clone, Debug)]
pub(crate) struct BufferedBody(pub Bytes);

/// Facts the transport attaches to every response it returns.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ResponseFacts {
    pub service: &'static str,
    pub sensitive: bool,
    pub retries: u32,
    pub error_format: Option<crate::transport::ErrorFormat>,
    /// The service's retry veto refused to resend it (Transfer's `EndpointError`...).
    pub retry_vetoed: bool,
}

impl ResponseFacts {
    pub(crate) fn new(
        state: &crate::transport::ClientState,
        sensitive: bool,
        retries: u32,
        retry_vetoed: bool,
    ) -> Self {
        ResponseFacts {
            service: state.service(),
            sensitive,
            retries,
            error_format: state.info().hooks.error_format,
            retry_vetoed,
        }
    }
}

/// An [`Error`] carried through progenitor inside a response (see [`Error::into_carrier`]).
#[derive(Clone)]
struct Carried(std::sync::Arc<std::sync::Mutex<Option<Error>>>);

impl<E: fmt::Debug> From<progenitor_client::Error<E>> for Error {
    fn from(e: progenitor_client::Error<E>) -> Self {
        use progenitor_client::Error as P;
        match e {
            P::InvalidRequest(msg) => Error::invalid_request(format!("the request is invalid: {msg}")),
            P::CommunicationError(e) | P::InvalidUpgrade(e) => Error::transport(e),
            P::ResponseBodyError(e) => Error::transport(e),
            P::ErrorResponse(rv) => {
                let status = rv.status();
                let headers = rv.headers().clone();
                Error::from_response(ErrorKind::Api, status, headers, Bytes::new(), false)
            }
            P::InvalidResponsePayload(body, source) => {
                let mut e = Error::new(ErrorKind::Decode, "the response body does not match the operation's schema");
                e.inner.body = Some(parse_body(&body, &HeaderMap::new()));
                e.inner.raw_body = Some(body);
                // The body of an operation we cannot name may hold tokens: never show it.
                e.inner.sensitive = true;
                e.with_source(hidden_detail(&source))
            }
            P::UnexpectedResponse(response) => from_unexpected(response),
            P::Custom(msg) => Error::authorization(msg),
        }
    }
}

fn from_unexpected(response: reqwest::Response) -> Error {
    let ext = response.extensions();
    if let Some(carried) = ext.get::<Carried>().and_then(|c| c.0.lock().ok()?.take()) {
        return carried;
    }
    let facts = ext.get::<ResponseFacts>().copied();
    let body = ext.get::<BufferedBody>().map(|b| b.0.clone()).unwrap_or_default();
    let marker = ext.get::<Rerouted>();
    let decode_failure = ext.get::<DecodeFailure>().cloned();
    let (kind, status) = match marker {
        Some(Rerouted { why: RerouteCause::Broken(_), status }) => (ErrorKind::Transport, *status),
        Some(Rerouted { why: RerouteCause::TooLarge { .. }, status }) => (ErrorKind::TooLarge, *status),
        None if response.status().is_success() => (ErrorKind::Decode, response.status()),
        None => (ErrorKind::Api, response.status()),
    };
    let sensitive = facts.is_some_and(|f| f.sensitive);
    let mut e = Error::from_response(kind, status, response.headers().clone(), body, sensitive);
    if let Some(format) = facts.and_then(|f| f.error_format)
        && let Some(parsed) = e.inner.body.as_mut()
        && let Some(json) = &parsed.json
    {
        let (code, message) = format(json);
        parsed.code = code.or(parsed.code.take());
        parsed.message = message.or(parsed.message.take());
    }
    match marker.map(|m| &m.why) {
        Some(RerouteCause::Broken(cause)) => {
            e.inner.summary = format!(
                "the connection broke while the response ({}) was being read, after {} bytes ({cause})",
                status_text(status),
                e.inner.raw_body.as_ref().map_or(0, |b| b.len())
            );
        }
        Some(RerouteCause::TooLarge { limit, declared }) => {
            let size = match declared {
                Some(n) => format!("a body of {n} bytes"),
                None => "a body".to_string(),
            };
            e.inner.summary = format!(
                "the service answered {} with {size}, over the client's limit of {limit} bytes (the body was not read)",
                status_text(status)
            );
            e.inner.raw_body = None;
        }
        None => {}
    }
    if let Some(DecodeFailure(source)) = decode_failure {
        e = if sensitive { e.with_source(hidden_detail(&source)) } else { e.with_source(source) };
    } else if kind == ErrorKind::Decode && response.status().is_success() && marker.is_none() {
        e.inner.summary =
            format!("the service answered {} where the spec expects another success status", status_text(status));
    }
    e.inner.body_cut = ext.get::<BodyCut>().copied();
    if let Some(f) = facts {
        e.inner.service = Some(f.service);
        e.inner.retries = Some(f.retries);
        e.inner.retry_vetoed = f.retry_vetoed;
    }
    e
}

/// A decode error of a body that may hold secrets: serde's message can quote the value it
/// refused, so only the kind of failure and its position are kept.
#[derive(Debug)]
struct HiddenDetail(String);

impl fmt::Display for HiddenDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for HiddenDetail {}

fn hidden_detail(e: &serde_json::Error) -> HiddenDetail {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Io => "an I/O error",
        Category::Syntax => "invalid JSON",
        Category::Data => "a value of the wrong type or shape",
        Category::Eof => "the body ends early",
    };
    let at = if e.line() > 0 { format!(" at line {} column {}", e.line(), e.column()) } else { String::new() };
    HiddenDetail(format!("{what}{at} (details hidden: the body may hold secrets)"))
}

fn status_text(status: StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    }
}

fn content_type(headers: &HeaderMap) -> Option<&str> {
    headers.get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok())
}

fn describe_body(headers: Option<&HeaderMap>, body: &[u8]) -> String {
    let ct = headers.and_then(content_type).unwrap_or("no content type");
    if body.is_empty() { format!("empty body, {ct}") } else { format!("{} byte body, {ct}", body.len()) }
}

fn describe_undecodable(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> String {
    let what = if body.is_empty() {
        "an empty body".to_string()
    } else if serde_json::from_slice::<serde::de::IgnoredAny>(body).is_err() {
        let ct = content_type(headers).unwrap_or("no content type");
        format!("a body that is not valid JSON ({} bytes, {ct}; truncated or not JSON)", body.len())
    } else {
        format!("a JSON body that does not match the operation's schema ({} bytes)", body.len())
    };
    format!("the service answered {} with {what}", status_text(status))
}

/// Read the Globus error formats: Transfer (`code`, `message`, `request_id`, `resource`),
/// Auth (`errors[]`, `error`, `error_description`), JSON:API (`errors[]` with `status`,
/// `code`, `title`, `detail`, `id`), GCS (`code`, `detail`), and GARE in any of them.
fn parse_body(body: &[u8], _headers: &HeaderMap) -> ParsedBody {
    let Ok(json) = serde_json::from_slice::<Value>(body) else {
        return ParsedBody::default();
    };
    let text = |v: &Value, keys: &[&str]| -> Option<String> {
        keys.iter().find_map(|k| match v.get(*k) {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        })
    };
    let errors: Vec<ErrorDetail> = json
        .get("errors")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|e| ErrorDetail {
                    code: text(e, &["code", "error"]),
                    message: text(e, &["detail", "message", "description", "error_description"]),
                    title: text(e, &["title"]),
                    status: text(e, &["status"]),
                    id: text(e, &["id"]),
                    raw: e.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    // Flows and Timers nest a single error under `error` as an object.
    let nested = json.get("error").filter(|e| e.is_object());
    let code = text(&json, &["code", "error"]).or_else(|| nested.and_then(|n| text(n, &["code"])));
    let message = text(&json, &["message", "error_description", "detail", "description"])
        .or_else(|| nested.and_then(|n| text(n, &["detail", "message", "description"])))
        .or_else(|| validation_detail(&json));
    ParsedBody {
        code,
        message,
        request_id: text(&json, &["request_id", "requestId"]),
        errors,
        gares: AuthorizationRequirements::from_error_body(&json),
        json: Some(json),
    }
}

/// FastAPI's validation errors (Groups, Timers answer 422 with them):
/// `{"detail": [{"loc": ["body", "add", 0, "identity_id"], "msg": "..."}]}`, read as
/// `body.add.0.identity_id: ...` (each error, `; `-separated).
fn validation_detail(json: &Value) -> Option<String> {
    let list = json.get("detail")?.as_array()?;
    let parts: Vec<String> = list
        .iter()
        .filter_map(|e| {
            let msg = e.get("msg")?.as_str()?;
            let loc: Vec<String> = e
                .get("loc")
                .and_then(Value::as_array)
                .map(|l| l.iter().map(|p| p.as_str().map_or_else(|| p.to_string(), str::to_string)).collect())
                .unwrap_or_default();
            Some(if loc.is_empty() { msg.to_string() } else { format!("{}: {msg}", loc.join(".")) })
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fastapi_validation_errors_say_where() {
        let e = api(
            422,
            r#"{"detail": [{"loc": ["body", "add", 0, "identity_id"], "msg": "Input should be a valid UUID", "type": "uuid_parsing"}, {"loc": [], "msg": "second"}]}"#,
        );
        assert_eq!(e.message(), Some("body.add.0.identity_id: Input should be a valid UUID; second"));
        assert_eq!(api(422, r#"{"detail": []}"#).message(), None);
        assert_eq!(api(422, r#"{"detail": [5, {"loc": "x"}]}"#).message(), None);
    }

    fn api(status: u16, body: &str) -> Error {
        Error::from_response(
            ErrorKind::Api,
            StatusCode::from_u16(status).unwrap(),
            HeaderMap::new(),
            Bytes::copy_from_slice(body.as_bytes()),
            false,
        )
    }

    #[test]
    fn transfer_style() {
        let e = api(
            404,
            r#"{"code": "ClientError.NotFound", "message": "Task 1 not found", "request_id": "abc123", "resource": "/task/1"}"#,
        );
        assert_eq!(e.kind(), ErrorKind::Api);
        assert_eq!(e.http_status(), Some(404));
        assert_eq!(e.code(), Some("ClientError.NotFound"));
        assert_eq!(e.message(), Some("Task 1 not found"));
        assert_eq!(e.request_id(), Some("abc123"));
        assert_eq!(e.json().unwrap()["resource"], "/task/1");
        let shown = e.to_string();
        assert!(
            shown.contains("404 Not Found") && shown.contains("ClientError.NotFound") && shown.contains("abc123"),
            "{shown}"
        );
        assert!(!e.is_retryable());
    }

    #[test]
    fn auth_style() {
        let e = api(
            400,
            r#"{"errors": [{"code": "INVALID_PARAMETERS", "detail": "bad ids", "id": "e1", "title": "Bad", "status": "400"}], "error": "invalid_request", "error_description": "Invalid request"}"#,
        );
        assert_eq!(e.code(), Some("invalid_request"));
        assert_eq!(e.message(), Some("Invalid request"));
        assert_eq!(e.errors().len(), 1);
        assert_eq!(e.errors()[0].code.as_deref(), Some("INVALID_PARAMETERS"));
        assert_eq!(e.errors()[0].message.as_deref(), Some("bad ids"));
        assert_eq!(e.errors()[0].id.as_deref(), Some("e1"));
        let grant = api(400, r#"{"error": "invalid_grant"}"#);
        assert_eq!(grant.code(), Some("invalid_grant"));
    }

    #[test]
    fn jsonapi_style() {
        let e = api(
            409,
            r#"{"errors": [{"status": "409", "code": "CONFLICT", "title": "Conflict", "detail": "already exists", "id": "x1"}]}"#,
        );
        assert_eq!(e.code(), Some("CONFLICT"));
        assert_eq!(e.message(), Some("already exists"));
        assert_eq!(e.errors()[0].status.as_deref(), Some("409"));
        assert_eq!(e.errors()[0].title.as_deref(), Some("Conflict"));
    }

    #[test]
    fn non_json_bodies_keep_status_headers_and_bytes() {
        for body in ["<html><body>502 Bad Gateway</body></html>", "", r#"{"code": "Trunc"#] {
            let mut headers = HeaderMap::new();
            headers.insert("x-request-id", "rid-9".parse().unwrap());
            headers.insert("content-type", "text/html".parse().unwrap());
            let e = Error::from_response(
                ErrorKind::Api,
                StatusCode::BAD_GATEWAY,
                headers,
                Bytes::copy_from_slice(body.as_bytes()),
                false,
            );
            assert_eq!(e.http_status(), Some(502));
            assert_eq!(e.raw_body(), Some(body.as_bytes()));
            assert_eq!(e.request_id(), Some("rid-9"));
            assert_eq!(e.code(), None);
            assert!(e.is_retryable());
            assert!(e.to_string().contains("502 Bad Gateway"), "{e}");
        }
    }

    #[test]
    fn gare_is_exposed() {
        let e = api(
            403,
            &json!({"code": "ConsentRequired", "message": "Missing required data_access consent", "request_id": "r", "required_scopes": ["s"]}).to_string(),
        );
        assert_eq!(e.authorization_requirements().unwrap().parameters.required_scopes, ["s"]);
        assert!(e.to_string().contains("authorization_requirements"));
    }

    mod properties {
        //! The error-body parser on random bodies: it never panics, and what it reads is
        //! consistent with the body. Failing cases go to `src/error.proptest-regressions`
        //! (committed), which proptest replays first on every run.

        use super::*;
        use proptest::prelude::*;
        use proptest::test_runner::FileFailurePersistence;

        const KEYS: &[&str] = &[
            "code",
            "error",
            "message",
            "error_description",
            "detail",
            "description",
            "title",
            "status",
            "id",
            "request_id",
            "requestId",
            "errors",
            "authorization_parameters",
            "required_scopes",
            "required_scope",
            "unapproved_scopes",
        ];

        fn json_value() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::from),
                any::<i64>().prop_map(Value::from),
                any::<u64>().prop_map(Value::from),
                prop::num::f64::NORMAL.prop_map(Value::from),
                prop_oneof![Just(String::new()), Just("ConsentRequired".to_string()), any::<String>()]
                    .prop_map(Value::from),
            ];
            leaf.prop_recursive(5, 96, 8, |inner| {
                let key = prop_oneof![3 => prop::sample::select(KEYS).prop_map(str::to_string), 1 => any::<String>()];
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                    prop::collection::vec((key, inner), 0..8).prop_map(|kv| Value::Object(kv.into_iter().collect())),
                ]
            })
        }

        fn body() -> impl Strategy<Value = Vec<u8>> {
            prop_oneof![
                3 => json_value().prop_map(|v| serde_json::to_vec(&v).unwrap()),
                // Cut JSON, as a dropped connection leaves it.
                1 => (json_value(), any::<prop::sample::Index>()).prop_map(|(v, at)| {
                    let mut b = serde_json::to_vec(&v).unwrap();
                    b.truncate(at.index(b.len() + 1));
                    b
                }),
                1 => prop::collection::vec(any::<u8>(), 0..64),
                1 => ".{0,64}".prop_map(String::into_bytes),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig {
                cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(512),
                failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
                ..ProptestConfig::default()
            })]

            #[test]
            fn error_bodies_never_panic(
                body in body(),
                status in 100u16..600,
                kind in prop::sample::select(vec![ErrorKind::Api, ErrorKind::Decode]),
                sensitive in any::<bool>(),
                request_id in prop::option::of("[ -~]{0,20}"),
                content_type in prop::option::of(prop::sample::select(vec!["application/json", "text/html", "x/\u{7f}"])),
            ) {
                let status = StatusCode::from_u16(status).unwrap();
                let mut headers = HeaderMap::new();
                if let Some(id) = &request_id {
                    headers.insert("x-request-id", id.parse().unwrap());
                }
                if let Some(ct) = content_type.and_then(|c| c.parse().ok()) {
                    headers.insert("content-type", ct);
                }
                let e = Error::from_response(kind, status, headers, Bytes::from(body.clone()), sensitive);
                let shown = format!("{e} {e:?}");
                prop_assert_eq!(e.http_status(), Some(status.as_u16()));
                prop_assert_eq!(e.raw_body(), Some(body.as_slice()));
                let json = serde_json::from_slice::<Value>(&body).ok();
                prop_assert_eq!(e.json(), json.as_ref());
                if json.is_none() {
                    prop_assert!(e.code().is_none() && e.message().is_none() && e.errors().is_empty());
                    prop_assert_eq!(e.request_id(), request_id.as_deref());
                }
                // A body-level request id wins over the header; either way one is shown.
                if let Some(id) = e.request_id() {
                    prop_assert!(shown.contains(id));
                }
                if let Some(list) = json.as_ref().and_then(|j| j.get("errors")).and_then(Value::as_array) {
                    prop_assert_eq!(e.errors().len(), list.len());
                }
                let gares = e.all_authorization_requirements();
                let expected = json.as_ref().map(AuthorizationRequirements::from_error_body).unwrap_or_default();
                prop_assert_eq!(gares, expected.as_slice());
                let _ = (e.is_consent_required(), e.is_login_required(), e.is_retryable(), e.is_not_found());
            }
        }
    }

    #[test]
    fn debug_never_shows_the_body() {
        let e = Error::from_response(
            ErrorKind::Decode,
            StatusCode::OK,
            HeaderMap::new(),
            Bytes::from_static(br#"{"access_token": "SECRET-TOKEN-VALUE""#),
            true,
        );
        assert!(!format!("{e:?}").contains("SECRET"));
        assert!(!e.to_string().contains("SECRET"));
        assert_eq!(e.kind(), ErrorKind::Decode);
        assert_eq!(e.http_status(), Some(200));
        assert!(e.to_string().contains("not valid JSON"), "{e}");
    }
}

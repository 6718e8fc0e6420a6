//! Requests to paths the specs do not describe, with the same credentials, retries and errors.

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::exec::Operation;
use super::{ClientState, OperationMeta, Service};
use crate::error::{Error, ErrorKind};

enum Body {
    None,
    Json(Vec<u8>),
    Form(String),
}

/// A request built by a client's `raw_get`/`raw_post`/`raw_put`/`raw_patch`/`raw_delete`.
///
/// ```no_run
/// # async fn demo(auth: globus_sdk::auth::Client) -> Result<(), globus_sdk::Error> {
/// let response = auth.raw_get("/v2/api/identities").query("usernames", "someone@example.org").send().await?;
/// let doc: serde_json::Value = response.json()?;
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is sent"]
pub struct RawRequest<'c> {
    base_url: &'c str,
    http: &'c reqwest::Client,
    state: &'c ClientState,
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    body: Result<Body, Error>,
}

impl<'c> RawRequest<'c> {
    /// A request to `path`: relative to the client's base URL, or a full URL on the same
    /// origin (such as a JSON:API `links.next`).
    pub fn new<S: Service>(client: &'c S, method: Method, path: &str) -> Self {
        let (base_url, http, state) = client.parts();
        RawRequest {
            base_url,
            http,
            state,
            method,
            path: path.to_string(),
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: Ok(Body::None),
        }
    }

    /// Add a query parameter.
    pub fn query(mut self, name: impl Into<String>, value: impl ToString) -> Self {
        self.query.push((name.into(), value.to_string()));
        self
    }

    /// Add a header.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// Send `body` as JSON.
    pub fn json(mut self, body: &impl Serialize) -> Self {
        self.body = serde_json::to_vec(body)
            .map(Body::Json)
            .map_err(|e| Error::invalid_request(format!("the JSON body cannot be serialized: {e}")));
        self
    }

    /// Send `body` as `application/x-www-form-urlencoded`.
    pub fn form(mut self, body: &impl Serialize) -> Self {
        self.body = serde_urlencoded::to_string(body)
            .map(Body::Form)
            .map_err(|e| Error::invalid_request(format!("the form body cannot be encoded: {e}")));
        self
    }

    /// Send it. A success status gives the response; any other is an [`Error`] holding the
    /// status, headers and body.
    pub async fn send(self) -> Result<RawResponse, Error> {
        let url = if self.path.starts_with("http://") || self.path.starts_with("https://") {
            // A full URL (a JSON:API `links.next`): only on the service's own origin, since
            // the request carries its credentials.
            let target = url::Url::parse(&self.path)
                .map_err(|e| Error::invalid_request(format!("{:?} is not a URL: {e}", self.path)))?;
            let base = url::Url::parse(self.base_url)
                .map_err(|e| Error::invalid_request(format!("the base URL is not a URL: {e}")))?;
            if target.origin() != base.origin() {
                return Err(Error::invalid_request(format!(
                    "{} is not on {}: the SDK sends credentials only to the service's own host",
                    self.path, self.base_url
                )));
            }
            self.path.clone()
        } else {
            format!("{}/{}", self.base_url.trim_end_matches('/'), self.path.trim_start_matches('/'))
        };
        let mut builder = self.http.request(self.method, url).headers(self.headers);
        if !self.query.is_empty() {
            builder = builder.query(&self.query);
        }
        builder = match self.body? {
            Body::None => builder,
            Body::Json(b) => builder.header(http::header::CONTENT_TYPE, "application/json").body(b),
            Body::Form(f) => builder.header(http::header::CONTENT_TYPE, "application/x-www-form-urlencoded").body(f),
        };
        let mut request =
            builder.build().map_err(|e| Error::invalid_request(format!("the request is invalid: {e}")))?;
        self.state.prepare(&mut request).await?;
        // A raw request to a spec operation's method and path is as secret as the typed call.
        let sensitive =
            matching_operations(self.state.info().operations, request.method(), request.url(), self.base_url)
                .any(|op| op.sensitive_body);
        let operation = Operation { id: "raw", retry_safe: None, sensitive };
        let response = super::exec::execute(self.state, self.http, request, operation)
            .await
            .map_err(|e| Error::transport(e).with_service(self.state.service()))?;
        if !response.status().is_success() {
            return Err(progenitor_client::Error::<()>::UnexpectedResponse(response).into());
        }
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.extensions().get::<crate::error::BufferedBody>().map(|b| b.0.clone()).unwrap_or_default();
        Ok(RawResponse { status, headers, body, service: self.state.service() })
    }
}

/// The operations whose method and path template match a request: its path as sent, and
/// relative to the base URL's path. Segments are compared percent-decoded and without regard
/// to case or empty segments (`//`, a trailing `/`), as a lenient server may route them.
fn matching_operations<'a>(
    operations: &'a [OperationMeta],
    method: &'a Method,
    url: &url::Url,
    base_url: &str,
) -> impl Iterator<Item = &'a OperationMeta> {
    let path = segments(url.path());
    let base = url::Url::parse(base_url).map(|b| segments(b.path())).unwrap_or_default();
    let relative = path.strip_prefix(base.as_slice()).filter(|_| !base.is_empty()).map(<[String]>::to_vec);
    operations.iter().filter(move |op| {
        let template = segments(op.path);
        let fits = |path: &[String]| {
            path.len() == template.len()
                && template.iter().zip(path).all(|(t, p)| (t.starts_with('{') && t.ends_with('}')) || t == p)
        };
        op.method.eq_ignore_ascii_case(method.as_str()) && (fits(&path) || relative.as_deref().is_some_and(fits))
    })
}

/// A path's non-empty segments, percent-decoded and lower case.
fn segments(path: &str) -> Vec<String> {
    path.split('/').filter(|s| !s.is_empty()).map(|s| percent_decoded(s).to_lowercase()).collect()
}

fn percent_decoded(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A successful response to a raw request.
#[derive(Clone, Debug)]
pub struct RawResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    service: &'static str,
}

impl RawResponse {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status.as_u16()
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body bytes.
    pub fn bytes(&self) -> &Bytes {
        &self.body
    }

    /// The body as text (lossy for invalid UTF-8).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON of type `T`; a body that is not keeps its status and bytes in the error.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        super::decode_json(&self.body).map_err(|e| {
            Error::from_response(ErrorKind::Decode, self.status, self.headers.clone(), self.body.clone(), false)
                .with_service(self.service)
                .with_source(e)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPS: &[OperationMeta] =
        &[meta("token", "POST", "/v2/oauth2/token", true), meta("client", "GET", "/v2/api/clients/{client_id}", false)];

    const fn meta(id: &'static str, method: &'static str, path: &'static str, sensitive: bool) -> OperationMeta {
        OperationMeta {
            id,
            method,
            path,
            retry_safe: false,
            sensitive_body: sensitive,
            json_response: true,
            paging: None,
            envelope: None,
        }
    }

    fn found(method: Method, url: &str, base: &str) -> Vec<&'static str> {
        matching_operations(OPS, &method, &url::Url::parse(url).unwrap(), base).map(|o| o.id).collect()
    }

    #[test]
    fn raw_paths_match_the_operation_table() {
        let base = "https://auth.globus.org";
        for url in [
            "https://auth.globus.org/v2/oauth2/token",
            "https://auth.globus.org/v2/oauth2/token/",
            "https://auth.globus.org//v2//oauth2/token",
            "https://auth.globus.org/v2/OAuth2/%74oken",
            "https://auth.globus.org/v2/oauth2/token?x=1",
        ] {
            assert_eq!(found(Method::POST, url, base), ["token"], "{url}");
        }
        assert!(found(Method::GET, "https://auth.globus.org/v2/oauth2/token", base).is_empty());
        assert!(found(Method::POST, "https://auth.globus.org/v2/oauth2/token/x", base).is_empty());
        assert_eq!(found(Method::GET, "https://auth.globus.org/v2/api/clients/abc", base), ["client"]);
        // Behind a base URL with a path.
        assert_eq!(
            found(Method::POST, "http://127.0.0.1:9/auth/v2/oauth2/token", "http://127.0.0.1:9/auth/"),
            ["token"]
        );
    }
}

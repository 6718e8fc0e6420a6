//! What handlers see of HTTP: a request read whole, and the reply they build.

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::testing::loopback::Incoming;

/// A request, read whole.
pub(crate) struct Request {
    pub method: Method,
    /// The path as sent (still percent-encoded), without the query, with repeated and
    /// trailing slashes removed (`/` stays).
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// Sent back in error bodies and results, and in `X-Request-Id`.
    pub request_id: String,
}

impl Request {
    /// The request `incoming` carried (an unreadable body is empty: the server answers 413
    /// before any handler sees it).
    pub fn new(incoming: Incoming) -> Request {
        Request {
            method: incoming.method,
            path: normalize_path(&incoming.path),
            query: incoming.query,
            headers: incoming.headers,
            body: incoming.body.unwrap_or_default(),
            request_id: request_id(),
        }
    }

    /// The first value of query parameter `name`.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Every value of query parameter `name`, in order (a list is sent as repeated
    /// parameters).
    #[allow(dead_code, reason = "Transfer's ls filters: unused when Auth is the only service compiled")]
    pub fn queries<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.query.iter().filter(move |(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as JSON of type `T`, or why not.
    #[allow(dead_code, reason = "Auth takes forms only: unused when Auth is the only service compiled")]
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
fn request_id() -> String {
    use rand::Rng as _;
    rand::rng().sample_iter(rand::distr::Alphanumeric).take(9).map(char::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normalized() {
        assert_eq!(normalize_path(""), "/");
        assert_eq!(normalize_path("//v0.10//task_list/"), "/v0.10/task_list");
        assert_eq!(normalize_path("/a%2Fb/"), "/a%2Fb", "encoded slashes are not separators");
    }
}

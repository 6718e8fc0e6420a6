//! A scripted HTTP server on 127.0.0.1: answers each request from a script and records it.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt as _;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use http_body_util::{BodyExt, Full, StreamBody, combinators::BoxBody};
use hyper::body::Frame;
use serde_json::Value;

use super::loopback::{self, Incoming};

/// A request the server received.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// HTTP method.
    pub method: String,
    /// Path, without the query.
    pub path: String,
    /// Query parameters, in order.
    pub query: Vec<(String, String)>,
    /// Headers.
    pub headers: HeaderMap,
    /// Body bytes.
    pub body: Bytes,
}

impl RecordedRequest {
    /// The first value of query parameter `name`.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as JSON (Null when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// The body as form fields.
    pub fn form(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(&self.body).into_owned().collect()
    }

    /// The first value of form field `name`.
    pub fn form_field(&self, name: &str) -> Option<String> {
        self.form().into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }
}

#[derive(Clone, Debug)]
enum Action {
    Respond,
    /// Close the connection without answering.
    Drop,
    /// Send the headers and part of the body, then close the connection.
    Truncate(usize),
}

/// What the server answers.
#[derive(Clone, Debug)]
pub struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    delay: Option<Duration>,
    action: Action,
}

impl Reply {
    /// A JSON answer.
    pub fn json(status: u16, body: Value) -> Self {
        Reply::bytes(status, "application/json", serde_json::to_vec(&body).expect("JSON values serialize"))
    }

    /// An answer with any content type and body.
    pub fn bytes(status: u16, content_type: &str, body: impl Into<Bytes>) -> Self {
        let mut headers = HeaderMap::new();
        if let Ok(v) = HeaderValue::from_str(content_type) {
            headers.insert(http::header::CONTENT_TYPE, v);
        }
        Reply {
            status: StatusCode::from_u16(status).expect("a valid HTTP status"),
            headers,
            body: body.into(),
            delay: None,
            action: Action::Respond,
        }
    }

    /// An answer with no body.
    pub fn empty(status: u16) -> Self {
        Reply::bytes(status, "application/json", Bytes::new())
    }

    /// Close the connection without answering (the client sees a dropped connection).
    pub fn drop_connection() -> Self {
        Reply { action: Action::Drop, ..Reply::empty(500) }
    }

    /// Send this answer's headers and only `n` bytes of its body, then close the connection.
    pub fn truncated(mut self, n: usize) -> Self {
        self.action = Action::Truncate(n);
        self
    }

    /// Add a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        if let (Ok(n), Ok(v)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value)) {
            self.headers.insert(n, v);
        }
        self
    }

    /// Wait this long before answering.
    pub fn delayed(mut self, d: Duration) -> Self {
        self.delay = Some(d);
        self
    }
}

type Handler = Arc<dyn Fn(&RecordedRequest) -> Reply + Send + Sync>;

#[derive(Default)]
struct Script {
    once: HashMap<(String, String), VecDeque<Reply>>,
    always: HashMap<(String, String), Handler>,
    fallback: Option<Handler>,
    requests: Vec<RecordedRequest>,
}

/// An HTTP server on 127.0.0.1 (ephemeral port) that answers from a script and records
/// every request. It stops when dropped.
///
/// For each request it uses, in order: the next one-shot reply queued for its method and
/// path ([`ScriptedServer::once`]), else the handler for them ([`ScriptedServer::always`]),
/// else the [`ScriptedServer::fallback`] handler, else a Globus-style 404.
pub struct ScriptedServer {
    addr: SocketAddr,
    script: Arc<Mutex<Script>>,
    shutdown: tokio::sync::watch::Sender<bool>,
}

impl ScriptedServer {
    /// Start serving (needs a Tokio runtime).
    pub async fn start() -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let script = Arc::new(Mutex::new(Script::default()));
        let (shutdown, stop) = tokio::sync::watch::channel(false);
        let shared = script.clone();
        tokio::spawn(loopback::serve(listener, stop, move |req| handle(shared.clone(), req)));
        Ok(ScriptedServer { addr, script, shutdown })
    }

    /// The base URL, `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Answer the next `method` request to `path` with `reply` (queued after earlier ones).
    pub fn once(&self, method: &str, path: &str, reply: Reply) -> &Self {
        let mut s = self.script.lock().expect("script lock");
        s.once.entry((method.to_uppercase(), path.to_string())).or_default().push_back(reply);
        self
    }

    /// Answer every `method` request to `path` (once the one-shot replies are used) with
    /// what `handler` returns.
    pub fn always(
        &self,
        method: &str,
        path: &str,
        handler: impl Fn(&RecordedRequest) -> Reply + Send + Sync + 'static,
    ) -> &Self {
        let mut s = self.script.lock().expect("script lock");
        s.always.insert((method.to_uppercase(), path.to_string()), Arc::new(handler));
        self
    }

    /// Answer every request that no one-shot reply or handler matches (any method, any
    /// path) with what `handler` returns, instead of a 404.
    pub fn fallback(&self, handler: impl Fn(&RecordedRequest) -> Reply + Send + Sync + 'static) -> &Self {
        self.script.lock().expect("script lock").fallback = Some(Arc::new(handler));
        self
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.script.lock().expect("script lock").requests.clone()
    }

    /// The requests received for `method` and `path`.
    pub fn requests_to(&self, method: &str, path: &str) -> Vec<RecordedRequest> {
        self.requests().into_iter().filter(|r| r.method.eq_ignore_ascii_case(method) && r.path == path).collect()
    }
}

impl Drop for ScriptedServer {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

type ResponseBody = BoxBody<Bytes, std::io::Error>;

async fn handle(
    script: Arc<Mutex<Script>>,
    req: hyper::Request<hyper::body::Incoming>,
) -> Result<hyper::Response<ResponseBody>, std::io::Error> {
    let incoming = Incoming::read(req, usize::MAX).await;
    let recorded = RecordedRequest {
        method: incoming.method.to_string(),
        path: incoming.path,
        query: incoming.query,
        headers: incoming.headers,
        body: incoming.body.unwrap_or_default(),
    };
    let reply = {
        let mut s = script.lock().expect("script lock");
        s.requests.push(recorded.clone());
        let key = (recorded.method.clone(), recorded.path.clone());
        match s.once.get_mut(&key).and_then(VecDeque::pop_front) {
            Some(r) => r,
            None => match s.always.get(&key).cloned() {
                Some(h) => {
                    drop(s);
                    h(&recorded)
                }
                None if s.fallback.is_some() => {
                    let h = s.fallback.clone().expect("checked");
                    drop(s);
                    h(&recorded)
                }
                None => Reply::json(
                    404,
                    serde_json::json!({
                        "code": "ClientError.NotFound",
                        "message": format!("no scripted reply for {} {}", recorded.method, recorded.path),
                        "request_id": "scripted-404",
                    }),
                ),
            },
        }
    };
    if let Some(d) = reply.delay {
        tokio::time::sleep(d).await;
    }
    match reply.action {
        Action::Drop => Err(loopback::dropped("scripted drop")),
        Action::Respond => {
            let mut resp = hyper::Response::new(Full::new(reply.body).map_err(|e: Infallible| match e {}).boxed());
            *resp.status_mut() = reply.status;
            *resp.headers_mut() = reply.headers;
            Ok(resp)
        }
        Action::Truncate(n) => {
            let total = reply.body.len();
            let head = reply.body.slice(..n.min(total));
            // Let the headers and the first bytes go out before the connection breaks.
            let frames = futures::stream::iter([Some(head), None]).then(|frame| async move {
                match frame {
                    Some(data) => Ok(Frame::data(data)),
                    None => {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        Err(std::io::Error::new(std::io::ErrorKind::ConnectionAborted, "scripted truncation"))
                    }
                }
            });
            let mut resp = hyper::Response::new(BodyExt::boxed(StreamBody::new(frames)));
            *resp.status_mut() = reply.status;
            *resp.headers_mut() = reply.headers;
            resp.headers_mut().insert(http::header::CONTENT_LENGTH, HeaderValue::from(total));
            Ok(resp)
        }
    }
}

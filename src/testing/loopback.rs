//! What both test servers share: the accept loop on 127.0.0.1 with graceful shutdown, and
//! reading a request whole.

use std::future::Future;

use bytes::Bytes;
use http::{HeaderMap, Method};
use http_body_util::{BodyExt, Limited};
use hyper_util::rt::TokioIo;

/// A request read whole: method, path, query, headers and body.
#[derive(Clone, Debug)]
pub(crate) struct Incoming {
    pub method: Method,
    /// The path without the query, as sent.
    pub path: String,
    /// Query parameters, in order.
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    /// The body, or None when it was larger than the limit or broken.
    pub body: Option<Bytes>,
}

impl Incoming {
    /// Read `req` whole, its body up to `limit` bytes.
    pub async fn read(req: hyper::Request<hyper::body::Incoming>, limit: usize) -> Incoming {
        let (parts, body) = req.into_parts();
        let body = Limited::new(body, limit).collect().await.map(|b| b.to_bytes()).ok();
        Incoming {
            method: parts.method,
            path: parts.uri.path().to_string(),
            query: parts
                .uri
                .query()
                .map(|q| url::form_urlencoded::parse(q.as_bytes()).into_owned().collect())
                .unwrap_or_default(),
            headers: parts.headers,
            body,
        }
    }
}

/// Serve every connection `listener` accepts with `handle` until `shutdown` changes; then
/// stop accepting and let open connections finish their current request. An `Err` from
/// `handle` makes hyper close the connection without answering (a dropped connection).
pub(crate) async fn serve<F, Fut, B>(
    listener: tokio::net::TcpListener,
    shutdown: tokio::sync::watch::Receiver<bool>,
    handle: F,
) where
    F: Fn(hyper::Request<hyper::body::Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<hyper::Response<B>, std::io::Error>> + Send + 'static,
    B: hyper::body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    serve_with(listener, None, shutdown, handle).await
}

/// How long a client has to finish its TLS handshake before the connection is closed.
const HANDSHAKE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// [`serve`], with TLS when `tls` is given: each connection's handshake runs in its own
/// task (a failed, garbled or stalled one closes that connection only, after at most
/// [`HANDSHAKE_TIMEOUT`]), then HTTP/1.1 inside.
pub(crate) async fn serve_with<F, Fut, B>(
    listener: tokio::net::TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
    handle: F,
) where
    F: Fn(hyper::Request<hyper::body::Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<hyper::Response<B>, std::io::Error>> + Send + 'static,
    B: hyper::body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of file descriptors or similar: let it pass rather than spin.
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    continue;
                };
                let handle = handle.clone();
                let mut stop = shutdown.clone();
                let tls = tls.clone();
                tokio::spawn(async move {
                    match tls {
                        None => connection(stream, handle, stop).await,
                        Some(acceptor) => {
                            let handshake = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream));
                            tokio::select! {
                                done = handshake => {
                                    if let Ok(Ok(stream)) = done {
                                        connection(stream, handle, stop).await;
                                    }
                                }
                                _ = stop.changed() => {}
                            }
                        }
                    }
                });
            }
        }
    }
}

/// Serve one connection until it closes, or gracefully once `stop` changes.
async fn connection<S, F, Fut, B>(stream: S, handle: F, mut stop: tokio::sync::watch::Receiver<bool>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    F: Fn(hyper::Request<hyper::body::Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<hyper::Response<B>, std::io::Error>> + Send + 'static,
    B: hyper::body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let service = hyper::service::service_fn(&handle);
    let conn = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = stop.changed() => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

/// The error that makes hyper drop a connection without answering.
pub(crate) fn dropped(why: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::ConnectionReset, why.to_string())
}

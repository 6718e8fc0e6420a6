//! What every service of the local Globus does the same way, routed by its operation table:
//! 404 for an unknown path, 405 for a known path with another method, 501 for an operation
//! of the spec it does not implement, path parameters percent-decoded once, hostile
//! requests answered (never a dropped connection), and the URL map everything derives from.

use std::time::Duration;

use globus_sdk::authorizers::AccessTokenAuthorizer;
use globus_sdk::testing::LocalGlobus;
use globus_sdk::transfer::types;
use globus_sdk::transport::RetryPolicy;
use serde_json::Value;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const TRANSFER: &str = "urn:globus:auth:scope:transfer.api.globus.org:all";

/// An answer read off the wire.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Value,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The error code in the service's shape: Transfer's `code`, Auth's `errors[0].code`,
    /// Timers' `error.code`.
    fn code(&self) -> &str {
        self.body["errors"][0]["code"]
            .as_str()
            .or(self.body["code"].as_str())
            .or(self.body["error"]["code"].as_str())
            .unwrap_or_default()
    }

    fn message(&self) -> &str {
        self.body["errors"][0]["detail"]
            .as_str()
            .or(self.body["message"].as_str())
            .or(self.body["error"]["detail"].as_str())
            .or(self.body["detail"].as_str())
            .unwrap_or_default()
    }
}

/// Send `method raw_path` exactly as written (no URL normalization on the way), read the
/// whole answer (plain HTTP only: [`send_to`] reaches the HTTPS listeners too).
async fn send(base: &str, method: &str, raw_path: &str, token: Option<&str>) -> Answer {
    assert!(base.starts_with("http://"), "{base}: use send_to");
    send_raw(None, base, method, raw_path, token).await
}

/// [`send`] to any of `local`'s services, over TLS trusting the local CA for an `https://` one
/// (GCS).
async fn send_to(local: &LocalGlobus, base: &str, method: &str, raw_path: &str, token: Option<&str>) -> Answer {
    let ca = if base.starts_with("https://") { local.gcs_ca_file() } else { None };
    send_raw(ca.as_deref(), base, method, raw_path, token).await
}

/// A TLS client trusting only the CA in `ca`.
fn tls_connector(ca: &std::path::Path) -> tokio_rustls::TlsConnector {
    use tokio_rustls::rustls;
    let pem = std::fs::read(ca).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls::pki_types::pem::PemObject::pem_slice_iter(&pem) {
        roots.add(cert.unwrap()).unwrap();
    }
    let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    tokio_rustls::TlsConnector::from(std::sync::Arc::new(config))
}

async fn send_raw(
    ca: Option<&std::path::Path>,
    base: &str,
    method: &str,
    raw_path: &str,
    token: Option<&str>,
) -> Answer {
    let addr = base.trim_start_matches("http://").trim_start_matches("https://").trim_end_matches('/');
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut stream: Box<dyn Stream> = match ca {
        None => Box::new(tcp),
        Some(ca) => {
            let name = rustls_name(addr);
            Box::new(tls_connector(ca).connect(name, tcp).await.unwrap())
        }
    };
    let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    let request = format!("{method} {raw_path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    // A TLS peer may close without close_notify after the answer: keep what was read.
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut raw)).await.unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or_else(|| panic!("no answer to {method} {raw_path}"));
    let mut lines = head.lines();
    let status = lines.next().unwrap().split_whitespace().nth(1).unwrap().parse().unwrap();
    let headers =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).collect();
    Answer { status, headers, body: serde_json::from_str(body).unwrap_or(Value::String(body.to_string())) }
}

trait Stream: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send> Stream for T {}

/// The server name of `127.0.0.1:<port>`.
fn rustls_name(addr: &str) -> tokio_rustls::rustls::pki_types::ServerName<'static> {
    let host = addr.rsplit_once(':').map_or(addr, |(h, _)| h);
    tokio_rustls::rustls::pki_types::ServerName::try_from(host.to_string()).unwrap()
}

fn transfer_token(local: &LocalGlobus) -> String {
    let tokens = local.issue_tokens(local.native_client().id(), "testuser@example.org", TRANSFER, false).unwrap();
    tokens.raw().access_token.expose().to_string()
}

#[tokio::test]
async fn every_service_answers_an_unknown_path_with_its_404() {
    let local = LocalGlobus::start().await.unwrap();
    let services = local.service_urls();
    assert_eq!(services.iter().map(|(n, _)| *n).collect::<Vec<_>>(), LocalGlobus::service_names());
    for expected in ["auth", "transfer", "timers", "search", "groups"] {
        assert!(services.iter().any(|(n, _)| *n == expected), "{expected} is served: {services:?}");
    }
    for (name, url) in &services {
        let a = send_to(&local, url, "GET", "/no/such/path", None).await;
        assert_eq!(a.status, 404, "{name}: {a:?}");
        assert_eq!(a.header("content-type"), Some("application/json"), "{name}");
        assert!(a.message().contains("/no/such/path"), "{name}: {a:?}");
    }
    // Each in its own shape.
    let auth = send(&local.auth_url(), "GET", "/no/such/path", None).await;
    assert_eq!((auth.body["error"].as_str(), auth.code()), (Some("not_found"), "NOT_FOUND"));
    assert_eq!(auth.body["errors"][0]["status"], "404");
    let transfer = send(&local.transfer_url(), "GET", "/v0.10/no_such_thing", None).await;
    assert_eq!(transfer.code(), "ClientError.NotFound");
    assert_eq!(transfer.body["resource"], "/v0.10/no_such_thing", "the path as requested, as Transfer");
    assert!(transfer.body["request_id"].is_string());
    let timers = send(&local.timers_url(), "GET", "/v2/no_such_thing", None).await;
    assert_eq!((timers.code(), timers.body["error"]["status"].as_u64()), ("NOT_FOUND", Some(404)));
    let search = send(&local.search_url(), "GET", "/v1/no_such_thing", None).await;
    assert_eq!((search.code(), search.body["@datatype"].as_str()), ("NotFound.Generic", Some("GError")));
    assert_eq!(search.body["status"], 404);
    let groups = send(&local.groups_url(), "GET", "/v2/no_such_thing", None).await;
    assert_eq!(groups.code(), "NOT_FOUND");
    assert!(groups.body["detail"].as_str().is_some_and(|d| d.contains("/v2/no_such_thing")), "Groups' shape");

    // The SDK reads them as the errors they are.
    let client = globus_sdk::transfer::Client::builder()
        .config(local.config())
        .authorizer(AccessTokenAuthorizer::new(transfer_token(&local)))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let e = client.raw_get("/v0.10/nothing/here").send().await.unwrap_err();
    assert_eq!((e.http_status(), e.code()), (Some(404), Some("ClientError.NotFound")));
}

#[tokio::test]
async fn a_known_path_with_another_method_is_a_405_listing_the_allowed_ones() {
    let local = LocalGlobus::start().await.unwrap();
    let auth = send(&local.auth_url(), "DELETE", "/v2/oauth2/token", None).await;
    assert_eq!((auth.status, auth.code()), (405, "METHOD_NOT_ALLOWED"));
    assert_eq!(auth.header("allow"), Some("POST"));
    // userinfo is served by GET (the spec) and POST (an extra route).
    let userinfo = send(&local.auth_url(), "PUT", "/v2/oauth2/userinfo", None).await;
    assert_eq!((userinfo.status, userinfo.header("allow")), (405, Some("GET, POST")));

    let transfer = send(&local.transfer_url(), "DELETE", "/v0.10/task_list", None).await;
    assert_eq!((transfer.status, transfer.code()), (405, "ClientError.MethodNotAllowed"));
    assert_eq!(transfer.header("allow"), Some("GET"));
    let task = send(&local.transfer_url(), "DELETE", "/v0.10/task/some-task", None).await;
    assert_eq!((task.status, task.header("allow")), (405, Some("GET, PUT")));
    assert!(task.message().contains("DELETE is not allowed on /v0.10/task/some-task"), "{task:?}");
    // Methods are case-sensitive.
    let lower = send(&local.transfer_url(), "get", "/v0.10/task_list", None).await;
    assert_eq!(lower.status, 405);
}

#[tokio::test]
async fn an_operation_the_local_globus_does_not_implement_is_a_501() {
    let local = LocalGlobus::start().await.unwrap();
    let token = transfer_token(&local);
    let servers = send(&local.transfer_url(), "GET", "/v0.10/endpoint/abc/server_list", Some(&token)).await;
    assert_eq!((servers.status, servers.code()), (501, "NotImplemented"));
    assert_eq!(servers.message(), "endpoint_server_list is not implemented by the local Globus Transfer");
    // Even without a token: what is not there is not there for anyone.
    let anonymous = send(&local.transfer_url(), "DELETE", "/v2/tunnels/def", None).await;
    assert_eq!((anonymous.status, anonymous.code()), (501, "NotImplemented"));
    assert!(anonymous.message().starts_with("delete_tunnel "), "{anonymous:?}");

    let clients = send(&local.auth_url(), "GET", "/v2/api/clients", None).await;
    assert_eq!((clients.status, clients.code()), (501, "NOT_IMPLEMENTED"));
    assert_eq!(clients.message(), "get_clients is not implemented by the local Globus Auth");

    // Through the SDK's generated client: a plain error, not retried.
    let client = globus_sdk::transfer::Client::builder()
        .config(local.config())
        .authorizer(AccessTokenAuthorizer::new(token))
        .build()
        .unwrap();
    let e = client.endpoint_server_list().endpoint_id("abc").send().await.unwrap_err();
    assert_eq!((e.http_status(), e.code()), (Some(501), Some("NotImplemented")));
    let tries = local.requests().iter().filter(|r| r.path == "/v0.10/endpoint/abc/server_list").count();
    assert_eq!(tries, 2, "the raw request, then the SDK's single one");
}

#[tokio::test]
async fn path_parameters_are_percent_decoded_once() {
    let local = LocalGlobus::start().await.unwrap();
    let token = transfer_token(&local);
    let client = globus_sdk::transfer::Client::builder()
        .config(local.config())
        .authorizer(AccessTokenAuthorizer::new(token.clone()))
        .build()
        .unwrap();
    let (src, dst) = (local.collection("source").unwrap(), local.collection("destination").unwrap());
    std::fs::write(src.root().join("f.txt"), "x").unwrap();
    let submission_id = client.get_submission_id().send().await.unwrap().into_inner().value;
    let item: types::TransferItem =
        types::TransferItem::builder().source_path("/~/f.txt").destination_path("/~/f.txt").try_into().unwrap();
    let doc = types::TransferDocument::builder()
        .submission_id(submission_id)
        .source_endpoint(src.id())
        .destination_endpoint(dst.id())
        .data(vec![item]);
    let task_id = client.submit_transfer_document().body(doc).send().await.unwrap().into_inner().task_id;

    // Every character percent-encoded: the same task.
    let encoded: String = task_id.bytes().map(|b| format!("%{b:02X}")).collect();
    let found = send(&local.transfer_url(), "GET", &format!("/v0.10/task/{encoded}"), Some(&token)).await;
    assert_eq!(found.status, 200, "{found:?}");
    assert_eq!(found.body["task_id"], task_id.as_str());
    let cancel = send(&local.transfer_url(), "POST", &format!("/v0.10/task/{encoded}/cancel"), Some(&token)).await;
    assert_eq!(cancel.status, 200, "{cancel:?}");

    // An encoded slash stays in its parameter: not the cancel route, a task id with a slash.
    let slash = send(&local.transfer_url(), "GET", &format!("/v0.10/task/{task_id}%2Fcancel"), Some(&token)).await;
    assert_eq!(slash.status, 404);
    assert_eq!(slash.message(), format!("No task found with id '{task_id}/cancel'"));
    // Decoded once only: %252F is the three characters %2F.
    let twice = send(&local.transfer_url(), "GET", "/v0.10/endpoint/abc%252Fdef", Some(&token)).await;
    assert_eq!((twice.status, twice.code()), (404, "EndpointNotFound"));
    assert_eq!(twice.message(), "No such endpoint with id 'abc%2Fdef'");
    // Dots are an id like any other: nothing is escaped.
    let dots = send(&local.transfer_url(), "GET", "/v0.10/operation/endpoint/%2E%2E/ls", Some(&token)).await;
    assert_eq!((dots.status, dots.code()), (404, "EndpointNotFound"));
    assert_eq!(dots.message(), "No such endpoint with id '..'");

    // Not UTF-8, or a control character, once decoded: a 400 on every service.
    for (name, url) in local.service_urls() {
        for bad in ["/v0.10/task/%FF%FE", "/v0.10/task/a%00b", "/v2/api/identities/x%0D%0A"] {
            let a = send_to(&local, &url, "GET", bad, Some(&token)).await;
            assert_eq!(a.status, 400, "{name} {bad}: {a:?}");
        }
    }
}

#[tokio::test]
async fn hostile_requests_are_answered_and_the_server_keeps_serving() {
    let local = LocalGlobus::start().await.unwrap();
    let token = transfer_token(&local);
    let long = format!("/v0.10/task/{}", "a".repeat(20_000));
    let cases: Vec<(&str, String)> = vec![
        ("GET", long),
        ("GET", "/v0.10/task/%".into()),
        ("GET", "/v0.10/task/%%%%".into()),
        ("GET", "/v0.10/endpoint/%C0%AF".into()),
        ("GET", "/..%2F..%2Fetc%2Fpasswd".into()),
        ("GET", "/v0.10/operation/endpoint/x/ls?path=%00".into()),
        ("GET", "/v0.10/task_list?limit=99999999999999999999&offset=-1".into()),
        ("GET", "/v0.10/task_list?filter=request_time:9999-99-99,".into()),
        ("BREW", "/v0.10/task_list".into()),
        ("POST", "/v0.10/transfer".into()),
        ("PUT", "/v0.10/task/x".into()),
        ("GET", "/v2/api/identities?ids=%FF".into()),
        ("POST", "/v2/oauth2/token".into()),
        ("GET", "/v2/oauth2/authorize?client_id=%FF&redirect_uri=javascript:alert(1)&scope=openid".into()),
        ("GET", "/jwk.json/../../etc/passwd".into()),
    ];
    for (name, url) in local.service_urls() {
        for (method, path) in &cases {
            let a = send_to(&local, &url, method, path, Some(&token)).await;
            assert!((200..600).contains(&a.status), "{name} {method} {path}: {a:?}");
            assert!(a.status != 500, "{name} {method} {path}: {a:?}");
        }
    }
    // Still serving, and every request was logged with its answer.
    let ok = send(&local.transfer_url(), "GET", "/v0.10/task_list", Some(&token)).await;
    assert_eq!(ok.status, 200);
    assert!(local.requests().iter().all(|r| r.status.is_some()));
}

#[tokio::test]
async fn the_service_urls_are_one_map() {
    let local = LocalGlobus::start().await.unwrap();
    let urls = local.service_urls();
    assert_eq!(urls.iter().map(|(n, _)| *n).collect::<Vec<_>>(), LocalGlobus::service_names());
    let env = local.env_vars();
    let config = local.config();
    for (name, url) in &urls {
        assert_eq!(local.service_url(name).as_deref(), Some(url.as_str()));
        let var = format!("GLOBUS_SDK_SERVICE_URL_{}", name.to_ascii_uppercase());
        assert!(env.contains(&(var, format!("{url}/"))), "{name} in {env:?}");
        assert_eq!(config.service_url(name).unwrap().as_str(), format!("{url}/"));
    }
    assert_eq!(local.service_url("auth"), Some(local.auth_url()));
    assert_eq!(local.service_url("transfer"), Some(local.transfer_url()));
    assert_eq!(local.service_url("nothing"), None);

    let e = LocalGlobus::builder().port("nothing", 1).start().await.unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
    assert!(e.to_string().contains("\"nothing\""), "{e}");
}

//! Login flows: how a user's browser gets to Globus Auth and the code gets back.
//!
//! - [`CommandLineLoginFlow`]: prints the authorize URL and reads the code the user pastes
//!   (from standard input, or any reader).
//! - [`LocalServerLoginFlow`]: listens on 127.0.0.1, opens the browser, and receives the code
//!   on the redirect; refuses where no browser can reach it (an SSH session without a display,
//!   a text-only browser).
//! - Your own: implement [`LoginFlowManager`].

use std::fmt;
use std::io::{BufRead, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::auth::{AuthorizeParams, LoginFlow, TokenResponse};
use crate::error::Error;

/// One login to run: makes the [`LoginFlow`] for a redirect URI, with the app's scopes, PKCE
/// (native apps), refresh-token choice and named grant already set.
pub struct LoginStart<'a> {
    pub(crate) make: &'a (dyn Fn(Option<String>) -> Result<LoginFlow, Error> + Send + Sync),
    pub(crate) params: AuthorizeParams,
}

impl fmt::Debug for LoginStart<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginStart").field("params", &self.params).finish_non_exhaustive()
    }
}

impl LoginStart<'_> {
    /// The flow, redirecting to `redirect_uri`; None: the config's
    /// [`login_redirect_uri`](super::AppConfig::login_redirect_uri), else (native apps) Auth's
    /// page that shows the code. A confidential app without either is an error.
    pub fn flow(&self, redirect_uri: Option<String>) -> Result<LoginFlow, Error> {
        (self.make)(redirect_uri)
    }

    /// The session parameters and prompt of this login.
    pub fn params(&self) -> &AuthorizeParams {
        &self.params
    }
}

/// Runs a login: sends the user to the authorize URL and exchanges the code that comes back.
pub trait LoginFlowManager: Send + Sync + fmt::Debug {
    /// Run one login.
    fn run<'a>(&'a self, login: LoginStart<'a>) -> BoxFuture<'a, Result<TokenResponse, Error>>;
}

type Input = Arc<Mutex<Box<dyn BufRead + Send>>>;
type Output = Arc<Mutex<Box<dyn Write + Send>>>;

/// Prints the authorize URL and reads the authorization code from a reader (standard input by
/// default). The end of the input before a code is an error, never a wait.
///
/// ```
/// use globus_sdk::app::CommandLineLoginFlow;
/// // Fed from memory, writing the prompt to a buffer (as in tests).
/// let flow = CommandLineLoginFlow::with_io(std::io::Cursor::new(b"THE-CODE\n".to_vec()), Vec::new());
/// ```
#[derive(Clone)]
pub struct CommandLineLoginFlow {
    input: Input,
    output: Output,
}

impl fmt::Debug for CommandLineLoginFlow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CommandLineLoginFlow").finish_non_exhaustive()
    }
}

impl Default for CommandLineLoginFlow {
    fn default() -> Self {
        Self::new()
    }
}

impl CommandLineLoginFlow {
    /// Read from standard input, print to standard output.
    pub fn new() -> Self {
        Self::with_io(std::io::BufReader::new(std::io::stdin()), std::io::stdout())
    }

    /// Read the code from `input` and print the URL and prompt to `output`.
    pub fn with_io(input: impl BufRead + Send + 'static, output: impl Write + Send + 'static) -> Self {
        CommandLineLoginFlow {
            input: Arc::new(Mutex::new(Box::new(input))),
            output: Arc::new(Mutex::new(Box::new(output))),
        }
    }
}

fn lock<T: ?Sized>(m: &Mutex<Box<T>>) -> std::sync::MutexGuard<'_, Box<T>> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl LoginFlowManager for CommandLineLoginFlow {
    fn run<'a>(&'a self, login: LoginStart<'a>) -> BoxFuture<'a, Result<TokenResponse, Error>> {
        let (input, output) = (self.input.clone(), self.output.clone());
        Box::pin(async move {
            let flow = login.flow(None)?;
            let url = flow.authorize_url(login.params());
            let read = tokio::task::spawn_blocking(move || -> std::io::Result<Option<String>> {
                {
                    let mut out = lock(&output);
                    let prompt = "Please authenticate with Globus here:";
                    let rule = "-".repeat(prompt.len());
                    write!(out, "{prompt}\n{rule}\n{url}\n{rule}\n\nEnter the resulting Authorization Code here: ")?;
                    out.flush()?;
                }
                let mut line = String::new();
                loop {
                    line.clear();
                    if lock(&input).read_line(&mut line)? == 0 {
                        return Ok(None);
                    }
                    if !line.trim().is_empty() {
                        return Ok(Some(line.trim().to_string()));
                    }
                }
            });
            let code = read
                .await
                .map_err(|e| Error::invalid_request(format!("the login prompt failed: {e}")))?
                .map_err(|e| Error::invalid_request(format!("the authorization code could not be read: {e}")))?
                .ok_or_else(|| {
                    Error::invalid_request(
                        "the input ended before an authorization code was entered: run the program where it can read \
                         the code (a terminal), or use the local-server login flow",
                    )
                })?;
            flow.exchange_code(&code).await
        })
    }
}

/// Opens the authorize URL for the user.
pub type BrowserOpener = Arc<dyn Fn(&str) -> std::io::Result<()> + Send + Sync>;

/// Receives the code on a loopback redirect (`http://127.0.0.1:<port>/`): opens the browser at
/// the authorize URL, answers the redirect with a small page, and gives up after a timeout
/// (default: five minutes).
///
/// Where no browser on this machine can reach the listener, [`run`](LoginFlowManager::run)
/// refuses at once with an error that names the command-line flow: an SSH session without a
/// display (`SSH_CLIENT` or `SSH_TTY` set, no `DISPLAY` or `WAYLAND_DISPLAY`), or a text-only
/// browser in `BROWSER` (lynx, w3m, links, elinks, www-browser).
#[derive(Clone)]
pub struct LocalServerLoginFlow {
    port: u16,
    timeout: Duration,
    opener: Option<BrowserOpener>,
    check_environment: bool,
}

impl fmt::Debug for LocalServerLoginFlow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalServerLoginFlow")
            .field("port", &self.port)
            .field("timeout", &self.timeout)
            .field("custom_opener", &self.opener.is_some())
            .finish()
    }
}

impl Default for LocalServerLoginFlow {
    fn default() -> Self {
        Self::new()
    }
}

const TEXT_BROWSERS: &[&str] = &["lynx", "w3m", "links", "elinks", "www-browser", "browsh"];

/// Why a local-server login cannot work here, given the environment variables (`var`).
pub(crate) fn refusal(var: impl Fn(&str) -> Option<String>) -> Option<String> {
    let set = |name: &str| var(name).is_some_and(|v| !v.is_empty());
    if (set("SSH_CLIENT") || set("SSH_TTY")) && !set("DISPLAY") && !set("WAYLAND_DISPLAY") {
        return Some(
            "this is an SSH session without a display: a browser here cannot be opened, and one elsewhere \
             cannot reach 127.0.0.1 here; use the command-line login flow (CommandLineLoginFlow)"
                .into(),
        );
    }
    if let Some(browser) = var("BROWSER") {
        let first = browser.split(':').next().unwrap_or("").split_whitespace().next().unwrap_or("");
        let name = std::path::Path::new(first).file_name().and_then(|n| n.to_str()).unwrap_or("");
        if TEXT_BROWSERS.contains(&name) {
            return Some(format!(
                "the browser ({name}) is text-only and cannot complete a Globus login; use the command-line \
                 login flow (CommandLineLoginFlow), or set BROWSER to a graphical browser"
            ));
        }
    }
    None
}

impl LocalServerLoginFlow {
    /// A free port, five minutes, the system's browser.
    pub fn new() -> Self {
        LocalServerLoginFlow { port: 0, timeout: Duration::from_secs(300), opener: None, check_environment: true }
    }

    /// Listen on this port (0: any free one).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Give up when no redirect arrives within `timeout`.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Open the authorize URL with this instead of the system's browser (which also skips the
    /// checks for SSH sessions and text-only browsers): e.g. to print it, or, in tests, to
    /// play the browser.
    pub fn browser(mut self, opener: impl Fn(&str) -> std::io::Result<()> + Send + Sync + 'static) -> Self {
        self.opener = Some(Arc::new(opener));
        self.check_environment = false;
        self
    }

    fn open(&self, url: &str) -> Result<(), Error> {
        let opened = match &self.opener {
            Some(open) => open(url),
            None => open_system_browser(url),
        };
        opened.map_err(|e| {
            Error::invalid_request(format!(
                "the browser could not be opened ({e}); use the command-line login flow (CommandLineLoginFlow)"
            ))
        })
    }
}

fn open_system_browser(url: &str) -> std::io::Result<()> {
    use std::process::{Command, Stdio};
    let mut command = if cfg!(target_os = "macos") {
        Command::new("open")
    } else if cfg!(windows) {
        let mut c = Command::new("rundll32");
        c.arg("url.dll,FileProtocolHandler");
        c
    } else if let Some(browser) = std::env::var("BROWSER").ok().filter(|b| !b.trim().is_empty()) {
        // The first entry of the list; `%s` stands for the URL, as in Python's webbrowser.
        let entry = browser.split(':').next().unwrap_or_default().to_string();
        let mut words = entry.split_whitespace();
        let mut c = Command::new(words.next().unwrap_or("xdg-open"));
        let args: Vec<&str> = words.collect();
        if entry.contains("%s") {
            c.args(args.iter().map(|a| a.replace("%s", url)));
            return c.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).spawn().map(drop);
        }
        c.args(args);
        c
    } else {
        Command::new("xdg-open")
    };
    command.arg(url).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).spawn().map(drop)
}

impl LoginFlowManager for LocalServerLoginFlow {
    fn run<'a>(&'a self, login: LoginStart<'a>) -> BoxFuture<'a, Result<TokenResponse, Error>> {
        Box::pin(async move {
            if self.check_environment
                && let Some(why) = refusal(|name| std::env::var(name).ok())
            {
                return Err(Error::invalid_request(why));
            }
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", self.port)).await.map_err(|e| {
                Error::invalid_request(format!(
                    "no loopback listener on 127.0.0.1:{} ({e}); use another port or the command-line login flow",
                    self.port
                ))
            })?;
            let port = listener.local_addr().map_err(|e| Error::invalid_request(e.to_string()))?.port();
            let state = uuid::Uuid::new_v4().to_string();
            let flow = login.flow(Some(format!("http://127.0.0.1:{port}/")))?.state(state.clone());
            self.open(&flow.authorize_url(login.params()))?;
            let code = tokio::time::timeout(self.timeout, receive_code(&listener, &state)).await.map_err(|_| {
                Error::invalid_request(format!(
                    "no login came back within {} s; run it again, or use the command-line login flow",
                    self.timeout.as_secs()
                ))
            })??;
            flow.exchange_code(&code).await
        })
    }
}

const PAGE_OK: &str = "<!doctype html><html><head><title>Globus login</title></head><body>\
<h1>Login successful</h1><p>You may close this page and return to the application.</p></body></html>";

/// Serve the loopback listener until a redirect brings a code or an error. Connections are
/// served side by side, so an idle one (a browser's speculative preconnect) holds up nothing.
async fn receive_code(listener: &tokio::net::TcpListener, state: &str) -> Result<String, Error> {
    use futures::StreamExt as _;
    let mut connections = futures::stream::FuturesUnordered::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => connections.push(serve(stream, state)),
                // Out of file descriptors and the like: wait a little rather than spin.
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            },
            Some(outcome) = connections.next(), if !connections.is_empty() => match outcome {
                Some(Ok(code)) => return Ok(code),
                Some(Err(why)) => return Err(Error::authorization(why)),
                None => {}
            },
        }
    }
}

/// Answer one connection: the outcome of the login when it carries the redirect, None for
/// anything else (a favicon, an idle or broken connection).
async fn serve(mut stream: tokio::net::TcpStream, state: &str) -> Option<Result<String, String>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 2048];
    let read_head = async {
        while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 16 * 1024 {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(30), read_head).await.ok()?;
    let head = String::from_utf8_lossy(&buf);
    let target = head.lines().next().and_then(|l| l.split_whitespace().nth(1)).unwrap_or("");
    let query: Vec<(String, String)> = url::Url::parse(&format!("http://127.0.0.1{target}"))
        .map(|u| if u.path() == "/" { u.query_pairs().into_owned().collect() } else { Vec::new() })
        .unwrap_or_default();
    let get = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let outcome = match (get("code"), get("error")) {
        (Some(_), _) if get("state").as_deref() != Some(state) => {
            Some(Err("the login's state does not match: this redirect is not from the login started here".to_string()))
        }
        (Some(code), _) => Some(Ok(code)),
        (None, Some(error)) => Some(Err(format!(
            "Globus Auth refused the login: {error}{}",
            get("error_description").map(|d| format!(": {d}")).unwrap_or_default()
        ))),
        (None, None) => None,
    };
    let (status, page) = match &outcome {
        Some(Ok(_)) => ("200 OK", PAGE_OK.to_string()),
        Some(Err(why)) => (
            "400 Bad Request",
            format!(
                "<!doctype html><html><head><title>Globus login</title></head><body><h1>Login failed</h1><p>{}</p></body></html>",
                html_escape(why)
            ),
        ),
        None => ("404 Not Found", "<!doctype html><html><body>Not found</body></html>".to_string()),
    };
    let reply = format!(
        "HTTP/1.1 {status}\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{page}",
        page.len()
    );
    let _ = stream.write_all(reply.as_bytes()).await;
    let _ = stream.shutdown().await;
    outcome
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The named-grant prefill of native apps, as Python's: `"<app name> on <host name>"` (a
/// macOS `.local` suffix dropped), or the app name alone when the host has no name.
pub(crate) fn grant_name(app_name: &str) -> String {
    let from_command = || {
        std::process::Command::new("hostname")
            .stderr(std::process::Stdio::null())
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
    };
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .filter(|h| !h.trim().is_empty())
        .or_else(from_command)
        .map(|h| h.trim().to_string())
        .unwrap_or_default();
    match host.strip_suffix(".local").unwrap_or(&host) {
        "" => app_name.to_string(),
        host => format!("{app_name} on {host}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_where_no_browser_can_reach_the_listener() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
        };
        let e = refusal(env(&[("SSH_CLIENT", "10.0.0.1 5000 22")])).unwrap();
        assert!(e.contains("SSH") && e.contains("CommandLineLoginFlow"), "{e}");
        assert!(refusal(env(&[("SSH_TTY", "/dev/pts/1")])).is_some());
        assert!(refusal(env(&[("SSH_TTY", "/dev/pts/1"), ("DISPLAY", ":0")])).is_none());
        let e = refusal(env(&[("BROWSER", "/usr/bin/w3m")])).unwrap();
        assert!(refusal(env(&[("BROWSER", "lynx -accept_all_cookies %s:firefox")])).is_some());
        assert!(e.contains("text-only") && e.contains("CommandLineLoginFlow"), "{e}");
        assert!(refusal(env(&[("BROWSER", "firefox")])).is_none());
        assert!(refusal(env(&[])).is_none());
    }

    #[test]
    fn grant_name_names_the_host() {
        let name = grant_name("My App");
        assert!(name.starts_with("My App on ") && name.len() > "My App on ".len());
    }
}

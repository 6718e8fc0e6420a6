//! The local Globus: Auth and Transfer served on 127.0.0.1, backed by local directories
//! (see [`LocalGlobus`]).

mod accounts;
mod auth;
mod builder;
mod errors;
mod faults;
mod glob;
mod keys;
mod server;
mod tokens;
mod transfer;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use accounts::{Approval, LocalClient, LocalIdentity};
pub use builder::LocalGlobusBuilder;
pub use faults::{Faults, LostResponse};
pub use server::LoggedRequest;

use crate::auth::TokenResponse;
use tokens::TokenStore;

/// The most requests [`LocalGlobus::requests`] remembers (the oldest are forgotten).
const LOG_LIMIT: usize = 10_000;

/// A collection of the local Transfer, backed by a local directory.
#[derive(Clone, Debug)]
pub struct LocalCollection {
    id: String,
    name: String,
    root: PathBuf,
    read_only: bool,
}

impl LocalCollection {
    /// The collection id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The display name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The directory that is the collection's root (`/` and `/~/` in Globus paths).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether writes (mkdir, rename, transfers to it, deletes) are refused.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }
}

/// The state both listeners and the task workers share.
pub(crate) struct Shared {
    pub(crate) auth_url: String,
    pub(crate) token_lifetime: Duration,
    pub(crate) rotate_refresh_tokens: bool,
    pub(crate) marker_page_size: usize,
    pub(crate) identity_provider_id: String,
    pub(crate) identities: Mutex<Vec<LocalIdentity>>,
    pub(crate) clients: Vec<LocalClient>,
    pub(crate) tokens: Mutex<TokenStore>,
    pub(crate) key: keys::SigningKey,
    pub(crate) collections: Vec<LocalCollection>,
    pub(crate) tasks: Mutex<transfer::TaskStore>,
    pub(crate) workers: Mutex<Vec<std::thread::JoinHandle<()>>>,
    pub(crate) faults: Faults,
    log: Mutex<Vec<LoggedRequest>>,
    print_requests: bool,
    /// Set when the server is dropped: workers stop at once.
    pub(crate) stopping: AtomicBool,
    /// Bytes per second for task data; 0 for no limit.
    pub(crate) throttle: AtomicU64,
}

/// Lock a mutex, recovering the data if a holder panicked.
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    fn log(&self, entry: LoggedRequest) {
        if self.print_requests {
            let status = entry.status.map_or("dropped".to_string(), |s| s.to_string());
            let fault = entry.fault.as_deref().map(|f| format!(" (fault: {f})")).unwrap_or_default();
            eprintln!("{:<8} {:<6} {} -> {status}{fault}", entry.service, entry.method, entry.path);
        }
        let mut log = lock(&self.log);
        if log.len() >= LOG_LIMIT {
            log.remove(0);
        }
        log.push(entry);
    }

    /// The default user.
    pub(crate) fn default_user(&self) -> LocalIdentity {
        lock(&self.identities)[0].clone()
    }

    /// An identity by id or username (case-insensitive).
    pub(crate) fn find_identity(&self, id_or_username: &str) -> Option<LocalIdentity> {
        lock(&self.identities)
            .iter()
            .find(|i| i.id == id_or_username || i.username.eq_ignore_ascii_case(id_or_username))
            .cloned()
    }

    pub(crate) fn client(&self, id: &str) -> Option<&LocalClient> {
        self.clients.iter().find(|c| c.id == id)
    }
}

/// The local Globus: Auth and Transfer on 127.0.0.1, for tests and for any Globus client.
///
/// Two HTTP listeners on ephemeral ports of 127.0.0.1 (or given ones), one speaking the
/// Globus Auth API and one the Transfer API (v0.10). Auth issues opaque tokens that expire,
/// carry scopes and a resource server, to preloaded clients ([`Self::confidential_client`],
/// [`Self::native_client`]) and users ([`Self::user`]); id_tokens are RS256-signed with a key
/// generated at start. Transfer serves collections backed by local directories, and its
/// tasks really copy and delete files in the background. [`Self::faults`] makes requests
/// fail, hang, drop, or lose their answer after being processed.
///
/// It stops when dropped: the listeners close, running tasks stop, and the temporary
/// collections are removed.
///
/// Served, with the shapes and errors Globus uses:
/// - Auth: `GET /.well-known/openid-configuration`, `GET /jwk.json`, `GET /v2/oauth2/authorize`
///   (approves at once and redirects with a code), `GET /v2/web/auth-code`,
///   `POST /v2/oauth2/token` (client credentials, authorization code with PKCE S256, refresh
///   token, dependent token), `POST /v2/oauth2/token/revoke`, `POST /v2/oauth2/token/introspect`,
///   `GET /v2/oauth2/userinfo`, `GET /v2/api/identities`.
/// - Transfer: `endpoint_search`, `get_endpoint`, `operation_ls`, `operation_mkdir`,
///   `operation_rename`, `operation_stat`, `get_submission_id`, `submit_transfer_document`,
///   `submit_delete_document`, `task_list`, `get_task`, `update_task`, `cancel_task`,
///   `task_event_list`, `task_successful_transfers`, `task_skipped_errors`.
///
/// ```
/// use globus_sdk::auth::ConfidentialAppClient;
/// use globus_sdk::scopes::Scope;
/// use globus_sdk::testing::LocalGlobus;
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let local = LocalGlobus::start().await.unwrap();
/// std::fs::write(local.collection("source").unwrap().root().join("hello.txt"), "hello").unwrap();
///
/// // The preloaded confidential client gets a Transfer token...
/// let client = local.confidential_client();
/// let secret = client.secret().unwrap().clone();
/// let app = ConfidentialAppClient::with_config(client.id(), secret, local.config()).unwrap();
/// let scope = Scope::new("urn:globus:auth:scope:transfer.api.globus.org:all");
/// let authorizer = app.client_credentials_authorizer(&[scope]);
/// let transfer =
///     globus_sdk::transfer::Client::builder().config(local.config()).authorizer(authorizer).build().unwrap();
///
/// // ...and lists the collection's directory.
/// let source = local.collection("source").unwrap().id().to_string();
/// let listing = transfer.operation_ls().endpoint_id(&source).path("/~/").send().await.unwrap();
/// assert_eq!(listing.data[0].name, "hello.txt");
/// # });
/// ```
pub struct LocalGlobus {
    shared: Arc<Shared>,
    shutdown: tokio::sync::watch::Sender<bool>,
    auth_addr: SocketAddr,
    transfer_addr: SocketAddr,
    temp_root: Option<PathBuf>,
}

impl std::fmt::Debug for LocalGlobus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalGlobus")
            .field("auth_url", &self.auth_url())
            .field("transfer_url", &self.transfer_url())
            .field("collections", &self.shared.collections)
            .finish()
    }
}

impl LocalGlobus {
    /// Start with the defaults: ephemeral ports, two temporary collections `source` and
    /// `destination`, tokens valid 48 hours.
    pub async fn start() -> std::io::Result<LocalGlobus> {
        Self::builder().start().await
    }

    /// Configure before starting.
    pub fn builder() -> LocalGlobusBuilder {
        LocalGlobusBuilder::new()
    }

    /// The base URL of Auth, `http://127.0.0.1:<port>`.
    pub fn auth_url(&self) -> String {
        format!("http://{}", self.auth_addr)
    }

    /// The base URL of Transfer, `http://127.0.0.1:<port>` (the API is under `/v0.10/`).
    pub fn transfer_url(&self) -> String {
        format!("http://{}", self.transfer_addr)
    }

    /// A configuration whose Auth and Transfer URLs point here (other settings from the
    /// environment), for any client builder or app client.
    pub fn config(&self) -> crate::Config {
        crate::Config::new()
            .with_service_url("auth", &self.auth_url())
            .and_then(|c| c.with_service_url("transfer", &self.transfer_url()))
            .expect("loopback URLs are valid")
    }

    /// The preloaded confidential client (id and secret).
    pub fn confidential_client(&self) -> &LocalClient {
        &self.shared.clients[0]
    }

    /// The preloaded native client (no secret: logs in with PKCE).
    pub fn native_client(&self) -> &LocalClient {
        &self.shared.clients[1]
    }

    /// The default user, who logs in unless an approval names another.
    pub fn user(&self) -> LocalIdentity {
        self.shared.default_user()
    }

    /// Every identity: users, then the clients' own identities.
    pub fn identities(&self) -> Vec<LocalIdentity> {
        lock(&self.shared.identities).clone()
    }

    /// The collections, in the order they were configured.
    pub fn collections(&self) -> &[LocalCollection] {
        &self.shared.collections
    }

    /// A collection by name.
    pub fn collection(&self, name: &str) -> Option<&LocalCollection> {
        self.shared.collections.iter().find(|c| c.name == name)
    }

    /// Approve a login without a browser: returns the authorization code the redirect would
    /// carry, to exchange at the token endpoint (e.g. with `LoginFlow::exchange_code`).
    pub fn approve(&self, approval: &Approval) -> Result<String, crate::Error> {
        auth::approve(&self.shared, approval).map_err(|(_, detail)| crate::Error::invalid_request(detail))
    }

    /// Approve the login an authorize URL asks for (as made by `LoginFlow::authorize_url`)
    /// and return the code. `session_required_identities` picks the user when it names one.
    pub fn approve_url(&self, authorize_url: &str) -> Result<String, crate::Error> {
        let url = url::Url::parse(authorize_url)
            .map_err(|e| crate::Error::invalid_request(format!("not an authorize URL: {e}")))?;
        let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let approval = auth::approval_from_query(&self.shared, &query)
            .map_err(|(_, detail)| crate::Error::invalid_request(detail))?;
        self.approve(&approval)
    }

    /// Issue tokens directly, as a grant would: for `client_id` acting for `identity` (an id
    /// or username), for `scopes` (space-separated).
    pub fn issue_tokens(
        &self,
        client_id: &str,
        identity: &str,
        scopes: &str,
        refresh_tokens: bool,
    ) -> Result<TokenResponse, crate::Error> {
        let raw = auth::issue_direct(&self.shared, client_id, identity, scopes, refresh_tokens)
            .map_err(|(_, detail)| crate::Error::invalid_request(detail))?;
        Ok(TokenResponse::new(raw))
    }

    /// Make one access or refresh token expire now; false when the server never issued it.
    pub fn expire_token(&self, token: &str) -> bool {
        lock(&self.shared.tokens).expire(token)
    }

    /// Make every access token expire now (refresh tokens keep working).
    pub fn expire_all_tokens(&self) {
        lock(&self.shared.tokens).expire_all();
    }

    /// The fault rules (see [`Faults`]).
    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// Every request received so far (the latest 10 000).
    pub fn requests(&self) -> Vec<LoggedRequest> {
        lock(&self.shared.log).clone()
    }

    /// Forget the requests received so far.
    pub fn clear_requests(&self) {
        lock(&self.shared.log).clear();
    }

    /// Copy task data at most this many bytes per second (None: no limit); applies to
    /// running tasks at once.
    pub fn set_throttle(&self, bytes_per_second: Option<u64>) {
        self.shared.throttle.store(bytes_per_second.unwrap_or(0), Ordering::Relaxed);
    }

    /// The environment variables that point a Globus client here: the service URLs
    /// (`GLOBUS_SDK_SERVICE_URL_AUTH`, `GLOBUS_SDK_SERVICE_URL_TRANSFER`, with a trailing
    /// slash), the clients (`GLOBUS_LOCAL_CLIENT_ID`, `GLOBUS_LOCAL_CLIENT_SECRET`,
    /// `GLOBUS_LOCAL_NATIVE_CLIENT_ID`), the default user (`GLOBUS_LOCAL_USER_ID`,
    /// `GLOBUS_LOCAL_USERNAME`) and each collection (`GLOBUS_LOCAL_COLLECTION_<NAME>`, the
    /// name upper-cased with other characters than letters and digits as `_`).
    pub fn env_vars(&self) -> Vec<(String, String)> {
        let conf = self.confidential_client();
        let user = self.user();
        let mut vars = vec![
            ("GLOBUS_SDK_SERVICE_URL_AUTH".to_string(), format!("{}/", self.auth_url())),
            ("GLOBUS_SDK_SERVICE_URL_TRANSFER".to_string(), format!("{}/", self.transfer_url())),
            ("GLOBUS_LOCAL_CLIENT_ID".to_string(), conf.id.clone()),
            (
                "GLOBUS_LOCAL_CLIENT_SECRET".to_string(),
                conf.secret.as_ref().map(|s| s.expose().to_string()).unwrap_or_default(),
            ),
            ("GLOBUS_LOCAL_NATIVE_CLIENT_ID".to_string(), self.native_client().id.clone()),
            ("GLOBUS_LOCAL_USER_ID".to_string(), user.id.clone()),
            ("GLOBUS_LOCAL_USERNAME".to_string(), user.username.clone()),
        ];
        for c in self.collections() {
            let name = builder::sanitize(&c.name).replace('-', "_").to_ascii_uppercase();
            vars.push((format!("GLOBUS_LOCAL_COLLECTION_{name}"), c.id.clone()));
        }
        vars
    }

    /// [`Self::env_vars`] as shell `export` lines.
    pub fn env_exports(&self) -> String {
        self.env_vars().iter().map(|(k, v)| format!("export {k}={}\n", shell_quote(v))).collect()
    }
}

/// Quote a value for a POSIX shell when it needs it.
fn shell_quote(v: &str) -> String {
    if !v.is_empty() && v.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:@%+=,".contains(c)) {
        v.to_string()
    } else {
        format!("'{}'", v.replace('\'', r"'\''"))
    }
}

impl Drop for LocalGlobus {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        let _ = self.shutdown.send(true);
        let workers = std::mem::take(&mut *lock(&self.shared.workers));
        for w in workers {
            let _ = w.join();
        }
        if let Some(root) = &self.temp_root {
            let _ = std::fs::remove_dir_all(root);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_can_be_shared_between_threads() {
        fn shareable<T: Send + Sync>() {}
        shareable::<LocalGlobus>();
        shareable::<Faults>();
    }

    #[test]
    fn shell_quoting() {
        assert_eq!(shell_quote("http://127.0.0.1:80/"), "http://127.0.0.1:80/");
        assert_eq!(shell_quote("a b'c"), r"'a b'\''c'");
        assert_eq!(shell_quote(""), "''");
    }
}

//! Configuring and starting a [`LocalGlobus`].

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::server::{self, Service};
use super::tokens::{self, TokenStore};
use super::{Faults, LocalClient, LocalCollection, LocalGlobus, LocalIdentity, Shared, keys, transfer};
use crate::Secret;

struct CollectionSpec {
    name: String,
    dir: Option<PathBuf>,
    read_only: bool,
}

/// Configures a [`LocalGlobus`] (from [`LocalGlobus::builder`]).
///
/// ```
/// use std::time::Duration;
/// use globus_sdk::testing::LocalGlobus;
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let data = std::env::temp_dir();
/// let local = LocalGlobus::builder()
///     .collection("data", &data)
///     .temp_collection("scratch")
///     .token_lifetime(Duration::from_secs(60))
///     .rotate_refresh_tokens(true)
///     .start()
///     .await
///     .unwrap();
/// assert_eq!(local.collections().len(), 2);
/// # });
/// ```
pub struct LocalGlobusBuilder {
    auth_port: u16,
    transfer_port: u16,
    collections: Vec<CollectionSpec>,
    token_lifetime: Duration,
    rotate_refresh_tokens: bool,
    users: Vec<(String, String)>,
    confidential_client: Option<(String, Secret)>,
    native_client: Option<String>,
    throttle: u64,
    marker_page_size: usize,
    print_requests: bool,
}

impl LocalGlobusBuilder {
    pub(super) fn new() -> Self {
        LocalGlobusBuilder {
            auth_port: 0,
            transfer_port: 0,
            collections: Vec::new(),
            token_lifetime: Duration::from_secs(172_800),
            rotate_refresh_tokens: false,
            users: Vec::new(),
            confidential_client: None,
            native_client: None,
            throttle: 0,
            marker_page_size: 1000,
            print_requests: false,
        }
    }

    /// Listen for Auth on this port of 127.0.0.1 (default 0: an ephemeral port).
    pub fn auth_port(mut self, port: u16) -> Self {
        self.auth_port = port;
        self
    }

    /// Listen for Transfer on this port of 127.0.0.1 (default 0: an ephemeral port).
    pub fn transfer_port(mut self, port: u16) -> Self {
        self.transfer_port = port;
        self
    }

    /// A collection named `name` backed by the existing directory `dir` (kept on drop).
    pub fn collection(mut self, name: impl Into<String>, dir: impl AsRef<Path>) -> Self {
        self.collections.push(CollectionSpec {
            name: name.into(),
            dir: Some(dir.as_ref().to_path_buf()),
            read_only: false,
        });
        self
    }

    /// Like [`Self::collection`], but every write to it is refused with `EndpointPermissionDenied`.
    pub fn read_only_collection(mut self, name: impl Into<String>, dir: impl AsRef<Path>) -> Self {
        self.collections.push(CollectionSpec {
            name: name.into(),
            dir: Some(dir.as_ref().to_path_buf()),
            read_only: true,
        });
        self
    }

    /// A collection backed by a new empty temporary directory, removed on drop.
    ///
    /// Without any collection, the server has two temporary ones, `source` and `destination`.
    pub fn temp_collection(mut self, name: impl Into<String>) -> Self {
        self.collections.push(CollectionSpec { name: name.into(), dir: None, read_only: false });
        self
    }

    /// Lifetime of access tokens (default 48 hours, as Globus).
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = lifetime;
        self
    }

    /// Issue a new refresh token on every refresh and revoke the old one (default: keep it).
    pub fn rotate_refresh_tokens(mut self, yes: bool) -> Self {
        self.rotate_refresh_tokens = yes;
        self
    }

    /// Another user who can log in (beside the default `testuser@example.org`).
    pub fn user(mut self, username: impl Into<String>, display_name: impl Into<String>) -> Self {
        self.users.push((username.into(), display_name.into()));
        self
    }

    /// Use this id and secret for the preloaded confidential client (default: random).
    pub fn confidential_client(mut self, id: impl Into<String>, secret: impl Into<Secret>) -> Self {
        self.confidential_client = Some((id.into(), secret.into()));
        self
    }

    /// Use this id for the preloaded native client (default: random).
    pub fn native_client(mut self, id: impl Into<String>) -> Self {
        self.native_client = Some(id.into());
        self
    }

    /// Copy task data at most this many bytes per second (default: as fast as the disk goes).
    pub fn throttle(mut self, bytes_per_second: u64) -> Self {
        self.throttle = bytes_per_second;
        self
    }

    /// Page size of `task_successful_transfers` and `task_skipped_errors` (default 1000).
    pub fn marker_page_size(mut self, n: usize) -> Self {
        self.marker_page_size = n.max(1);
        self
    }

    /// Print one line per request on stderr (for the `globus-local` binary).
    pub fn print_requests(mut self, yes: bool) -> Self {
        self.print_requests = yes;
        self
    }

    /// Bind the listeners, create the temporary collections, generate the signing key and
    /// start serving (needs a Tokio runtime).
    pub async fn start(mut self) -> std::io::Result<LocalGlobus> {
        let auth_listener = tokio::net::TcpListener::bind(("127.0.0.1", self.auth_port)).await?;
        let transfer_listener = tokio::net::TcpListener::bind(("127.0.0.1", self.transfer_port)).await?;
        let auth_addr = auth_listener.local_addr()?;
        let transfer_addr = transfer_listener.local_addr()?;
        if self.collections.is_empty() {
            self = self.temp_collection("source").temp_collection("destination");
        }
        let mut temp_root = None;
        let mut collections = Vec::new();
        for spec in &self.collections {
            if collections.iter().any(|c: &LocalCollection| c.name == spec.name) {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("two collections are named {:?}", spec.name),
                ));
            }
            let dir = match &spec.dir {
                Some(dir) => dir.clone(),
                None => {
                    let root = temp_root.get_or_insert_with(|| {
                        std::env::temp_dir().join(format!("globus-local-{}", uuid::Uuid::new_v4()))
                    });
                    let dir = root.join(format!("{}-{}", collections.len(), sanitize(&spec.name)));
                    std::fs::create_dir_all(&dir)?;
                    dir
                }
            };
            let root = std::fs::canonicalize(&dir).map_err(|e| {
                std::io::Error::new(e.kind(), format!("collection {:?}: cannot use {}: {e}", spec.name, dir.display()))
            })?;
            if !root.is_dir() {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("collection {:?}: {} is not a directory", spec.name, root.display()),
                ));
            }
            collections.push(LocalCollection {
                id: uuid::Uuid::new_v4().to_string(),
                name: spec.name.clone(),
                root,
                read_only: spec.read_only,
            });
        }
        let (conf_id, conf_secret) = self
            .confidential_client
            .take()
            .unwrap_or_else(|| (uuid::Uuid::new_v4().to_string(), Secret::new(tokens::random_string(44))));
        let native_id = self.native_client.take().unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let clients = vec![
            LocalClient { id: conf_id, secret: Some(conf_secret), name: "Local Globus confidential client".into() },
            LocalClient { id: native_id, secret: None, name: "Local Globus native client".into() },
        ];
        let mut identities = vec![user_identity("testuser@example.org", "Test User")];
        for (username, name) in &self.users {
            identities.push(user_identity(username, name));
        }
        for c in &clients {
            identities.push(LocalIdentity {
                id: c.id.clone(),
                username: format!("{}@clients.auth.globus.org", c.id),
                name: Some(c.name.clone()),
                email: None,
                organization: None,
            });
        }
        let shared = Arc::new(Shared {
            auth_url: format!("http://{auth_addr}"),
            token_lifetime: self.token_lifetime,
            rotate_refresh_tokens: self.rotate_refresh_tokens,
            marker_page_size: self.marker_page_size,
            identity_provider_id: uuid::Uuid::new_v4().to_string(),
            identities: Mutex::new(identities),
            clients,
            tokens: Mutex::new(TokenStore::default()),
            key: keys::SigningKey::generate()?,
            collections,
            tasks: Mutex::new(transfer::TaskStore::default()),
            workers: Mutex::new(Vec::new()),
            faults: Faults::default(),
            log: Mutex::new(Vec::new()),
            print_requests: self.print_requests,
            stopping: AtomicBool::new(false),
            throttle: AtomicU64::new(self.throttle),
        });
        let (shutdown, rx) = tokio::sync::watch::channel(false);
        tokio::spawn(server::serve(auth_listener, Service::Auth, shared.clone(), rx.clone()));
        tokio::spawn(server::serve(transfer_listener, Service::Transfer, shared.clone(), rx));
        Ok(LocalGlobus { shared, shutdown, auth_addr, transfer_addr, temp_root })
    }
}

fn user_identity(username: &str, name: &str) -> LocalIdentity {
    LocalIdentity {
        id: uuid::Uuid::new_v4().to_string(),
        username: username.to_string(),
        name: Some(name.to_string()),
        email: Some(username.to_string()),
        organization: Some("Local Globus".into()),
    }
}

/// Letters, digits, `-` and `_` only (for directory and variable names).
pub(super) fn sanitize(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
}

//! Configuring and starting a [`LocalGlobus`]. The options common to every service are
//! here; each service module adds its own builder methods (Auth's users and token lifetime,
//! Transfer's collections...).

use std::sync::Arc;

use super::core::Core;
use super::settings::Settings;
use super::tls::LocalTls;
use super::urls::ServiceUrls;

/// The services that serve HTTPS (the others plain HTTP): GCS, whose clients (the Python
/// SDK's `GCSClient`) build `https://<address>/api/` from an endpoint's bare address.
const HTTPS_SERVICES: &[&str] = &["gcs"];
use super::{LocalGlobus, PLUGINS, auth};

/// Configures a [`LocalGlobus`] (from [`LocalGlobus::builder`]).
///
/// ```
/// use std::time::Duration;
/// use globus_sdk::testing::LocalGlobus;
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let local = LocalGlobus::builder()
///     .port("auth", 0)
///     .user("alice@example.org", "Alice")
///     .token_lifetime(Duration::from_secs(60))
///     .rotate_refresh_tokens(true)
///     .start()
///     .await
///     .unwrap();
/// assert!(local.identities().iter().any(|i| i.username == "alice@example.org"));
/// # });
/// ```
pub struct LocalGlobusBuilder {
    ports: Vec<(String, u16)>,
    print_requests: bool,
    settings: Settings,
}

impl LocalGlobusBuilder {
    pub(super) fn new() -> Self {
        LocalGlobusBuilder { ports: Vec::new(), print_requests: false, settings: Settings::default() }
    }

    /// Listen for `service` (`"auth"`, `"transfer"`..., see [`LocalGlobus::service_names`])
    /// on this port of 127.0.0.1 (default 0: an ephemeral port). Starting fails for a name
    /// that is not an emulated service.
    pub fn port(mut self, service: impl Into<String>, port: u16) -> Self {
        let service = service.into();
        self.ports.retain(|(s, _)| *s != service);
        self.ports.push((service, port));
        self
    }

    /// Print one line per request on stderr (for the `globus-local` binary).
    pub fn print_requests(mut self, yes: bool) -> Self {
        self.print_requests = yes;
        self
    }

    /// Change the settings of type `T` (for the builder methods of the service modules).
    pub(super) fn configure<T: Default + Send + 'static>(mut self, change: impl FnOnce(&mut T)) -> Self {
        self.settings.update(change);
        self
    }

    /// Bind the listeners and start every service: Auth's accounts first (the core every
    /// service checks tokens with), then each registered service (needs a Tokio runtime).
    pub async fn start(mut self) -> std::io::Result<LocalGlobus> {
        let invalid = |message: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, message);
        for plugin in PLUGINS {
            plugin.check().map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        }
        if let Some((unknown, _)) = self.ports.iter().find(|(s, _)| !PLUGINS.iter().any(|p| p.name == s)) {
            let known: Vec<&str> = PLUGINS.iter().map(|p| p.name).collect();
            return Err(invalid(format!("no emulated service is named {unknown:?} (there are {})", known.join(", "))));
        }
        let mut listeners = Vec::new();
        for plugin in PLUGINS {
            let port = self.ports.iter().find(|(s, _)| s == plugin.name).map_or(0, |(_, p)| *p);
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
            listeners.push((plugin, listener.local_addr()?, listener));
        }
        let mut urls = ServiceUrls::new(listeners.iter().map(|(p, addr, _)| (p.name, *addr)).collect());
        let https: Vec<&'static str> =
            listeners.iter().map(|(p, _, _)| p.name).filter(|n| HTTPS_SERVICES.contains(n)).collect();
        let tls = if https.is_empty() { None } else { Some(LocalTls::new()?) };
        if let Some(tls) = &tls {
            urls = urls.with_https(https, tls.ca_file().to_path_buf());
        }
        let accounts = auth::Accounts::new(self.settings.take());
        let core = Arc::new(Core::new(accounts, urls, self.print_requests));
        let mut started = Vec::new();
        for (plugin, _, _) in &listeners {
            match plugin.start(&core, &mut self.settings) {
                Ok(service) => started.push(service),
                Err(e) => {
                    core.stop();
                    started.iter().for_each(|s| s.stop());
                    return Err(e);
                }
            }
        }
        for service in &started {
            core.accounts().register_scopes(service.scopes());
        }
        let (shutdown, rx) = tokio::sync::watch::channel(false);
        for ((plugin, _, listener), service) in listeners.into_iter().zip(&started) {
            let acceptor = tls.as_ref().filter(|_| HTTPS_SERVICES.contains(&plugin.name)).map(LocalTls::acceptor);
            tokio::spawn(super::server::serve(listener, acceptor, service.clone(), core.clone(), rx.clone()));
        }
        Ok(LocalGlobus { core, services: started, shutdown, tls })
    }
}

//! The one map of service URLs: each emulated service's name and the address it listens on.
//! `LocalGlobus::config`, the exported `GLOBUS_SDK_SERVICE_URL_<NAME>` variables and the
//! accessors (`auth_url`, `service_url`...) all derive from it.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Service name -> listener address, in the order the services are registered, and which
/// of them serve HTTPS with a certificate signed by the CA in `ca_file`.
#[derive(Clone, Debug, Default)]
pub(crate) struct ServiceUrls {
    entries: Vec<(&'static str, SocketAddr)>,
    https: Vec<&'static str>,
    ca_file: Option<PathBuf>,
}

impl ServiceUrls {
    /// The map of these listeners, all plain HTTP.
    pub fn new(entries: Vec<(&'static str, SocketAddr)>) -> ServiceUrls {
        ServiceUrls { entries, https: Vec::new(), ca_file: None }
    }

    /// These services serve HTTPS, their certificates signed by the CA in `ca_file`.
    pub fn with_https(mut self, services: Vec<&'static str>, ca_file: PathBuf) -> ServiceUrls {
        self.https = services;
        self.ca_file = Some(ca_file);
        self
    }

    fn base(&self, name: &str, addr: &SocketAddr) -> String {
        let scheme = if self.https.contains(&name) { "https" } else { "http" };
        format!("{scheme}://{addr}")
    }

    /// The base URL of `service` (`http://127.0.0.1:<port>`, or `https://` for a TLS
    /// listener; no trailing slash).
    pub fn url(&self, service: &str) -> Option<String> {
        self.entries.iter().find(|(name, _)| *name == service).map(|(name, addr)| self.base(name, addr))
    }

    /// Every service and its base URL.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, String)> + '_ {
        self.entries.iter().map(|(name, addr)| (*name, self.base(name, addr)))
    }

    /// A configuration pointing every emulated service here and trusting the local CA
    /// (other settings from the environment).
    pub fn config(&self) -> Result<crate::Config, crate::Error> {
        let config =
            self.iter().try_fold(crate::Config::new(), |config, (name, url)| config.with_service_url(name, &url))?;
        Ok(match &self.ca_file {
            Some(ca) => config.tls_verification(crate::config::TlsVerification::CaBundle(ca.clone())),
            None => config,
        })
    }

    /// `GLOBUS_SDK_SERVICE_URL_<NAME>` for each service, with a trailing slash; with HTTPS
    /// listeners, the CA file as `GLOBUS_SDK_VERIFY_SSL` (this SDK and the Python SDK) and
    /// `REQUESTS_CA_BUNDLE` (Python's requests).
    pub fn env_vars(&self) -> Vec<(String, String)> {
        let mut vars: Vec<(String, String)> = self
            .iter()
            .map(|(name, url)| (format!("GLOBUS_SDK_SERVICE_URL_{}", name.to_ascii_uppercase()), format!("{url}/")))
            .collect();
        if let Some(ca) = &self.ca_file {
            let ca = ca.display().to_string();
            vars.push((crate::config::VERIFY_SSL_VAR.to_string(), ca.clone()));
            vars.push(("REQUESTS_CA_BUNDLE".to_string(), ca));
        }
        vars
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_derives_from_the_map() {
        let urls = ServiceUrls::new(vec![
            ("auth", "127.0.0.1:1000".parse().unwrap()),
            ("groups", "127.0.0.1:2000".parse().unwrap()),
        ]);
        assert_eq!(urls.url("groups").as_deref(), Some("http://127.0.0.1:2000"));
        assert_eq!(urls.url("search"), None);
        assert_eq!(
            urls.env_vars(),
            [
                ("GLOBUS_SDK_SERVICE_URL_AUTH".to_string(), "http://127.0.0.1:1000/".to_string()),
                ("GLOBUS_SDK_SERVICE_URL_GROUPS".to_string(), "http://127.0.0.1:2000/".to_string()),
            ]
        );
        let config = urls.config().unwrap();
        assert_eq!(config.service_url("groups").unwrap().as_str(), "http://127.0.0.1:2000/");

        let urls = urls.with_https(vec!["groups"], PathBuf::from("/tmp/ca.pem"));
        assert_eq!(urls.url("groups").as_deref(), Some("https://127.0.0.1:2000"));
        assert_eq!(urls.url("auth").as_deref(), Some("http://127.0.0.1:1000"));
        let vars = urls.env_vars();
        assert!(vars.contains(&("GLOBUS_SDK_SERVICE_URL_GROUPS".to_string(), "https://127.0.0.1:2000/".to_string())));
        assert!(vars.contains(&("REQUESTS_CA_BUNDLE".to_string(), "/tmp/ca.pem".to_string())));
        assert!(vars.contains(&("GLOBUS_SDK_VERIFY_SSL".to_string(), "/tmp/ca.pem".to_string())));
        let config = urls.config().unwrap();
        assert_eq!(config.service_url("groups").unwrap().as_str(), "https://127.0.0.1:2000/");
    }
}

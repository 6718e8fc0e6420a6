//! The one map of service URLs: each emulated service's name and the address it listens on.
//! `LocalGlobus::config`, the exported `GLOBUS_SDK_SERVICE_URL_<NAME>` variables and the
//! accessors (`auth_url`, `service_url`...) all derive from it.

use std::net::SocketAddr;

/// Service name -> listener address, in the order the services are registered.
#[derive(Clone, Debug, Default)]
pub(crate) struct ServiceUrls {
    entries: Vec<(&'static str, SocketAddr)>,
}

impl ServiceUrls {
    /// The map of these listeners.
    pub fn new(entries: Vec<(&'static str, SocketAddr)>) -> ServiceUrls {
        ServiceUrls { entries }
    }

    /// The base URL of `service` (`http://127.0.0.1:<port>`, no trailing slash).
    pub fn url(&self, service: &str) -> Option<String> {
        self.entries.iter().find(|(name, _)| *name == service).map(|(_, addr)| format!("http://{addr}"))
    }

    /// Every service and its base URL.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, String)> + '_ {
        self.entries.iter().map(|(name, addr)| (*name, format!("http://{addr}")))
    }

    /// A configuration pointing every emulated service here (other settings from the
    /// environment).
    pub fn config(&self) -> Result<crate::Config, crate::Error> {
        self.iter().try_fold(crate::Config::new(), |config, (name, url)| config.with_service_url(name, &url))
    }

    /// `GLOBUS_SDK_SERVICE_URL_<NAME>` for each service, with a trailing slash.
    pub fn env_vars(&self) -> Vec<(String, String)> {
        self.iter()
            .map(|(name, url)| (format!("GLOBUS_SDK_SERVICE_URL_{}", name.to_ascii_uppercase()), format!("{url}/")))
            .collect()
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
    }
}

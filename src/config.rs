//! Environments, service base URLs, and the settings every client shares.
//!
//! The environment variables behave as in the Python SDK:
//!
//! | variable | meaning |
//! |---|---|
//! | `GLOBUS_SDK_ENVIRONMENT` | `production` (default), `preview`, `sandbox`, `integration`, `test`, `staging` |
//! | `GLOBUS_SDK_SERVICE_URL_<SERVICE>` | base URL of one service (`..._AUTH`, `..._TRANSFER`, ...), wins over the environment |
//! | `GLOBUS_SDK_HTTP_TIMEOUT` | request timeout in seconds (default 60); `-1` means no timeout |
//! | `GLOBUS_SDK_VERIFY_SSL` | `true`/`false` (and `1`/`0`, `yes`/`no`, `on`/`off`), or a CA bundle file |
//!
//! Settings given in code ([`Config`] setters, [`crate::ClientBuilder`]) win over the environment.
//!
//! ```
//! use globus_sdk::config::{Config, Environment};
//! let config = Config::new().environment(Environment::Sandbox);
//! assert_eq!(
//!     config.service_url("transfer").unwrap().as_str(),
//!     "https://transfer.api.sandbox.globuscs.info/"
//! );
//! ```

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use crate::error::Error;

/// Name of the variable selecting the Globus environment.
pub const ENVIRONMENT_VAR: &str = "GLOBUS_SDK_ENVIRONMENT";
/// Name of the variable setting the HTTP timeout in seconds (`-1` for none).
pub const HTTP_TIMEOUT_VAR: &str = "GLOBUS_SDK_HTTP_TIMEOUT";
/// Name of the variable controlling TLS verification.
pub const VERIFY_SSL_VAR: &str = "GLOBUS_SDK_VERIFY_SSL";
/// Prefix of the per-service base URL variables (`GLOBUS_SDK_SERVICE_URL_TRANSFER`, ...).
pub const SERVICE_URL_VAR_PREFIX: &str = "GLOBUS_SDK_SERVICE_URL_";

/// The default HTTP timeout, as in the Python SDK.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// A Globus deployment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Environment {
    /// The real Globus (`globus.org`).
    #[default]
    Production,
    /// The preview deployment (`preview.globus.org`).
    Preview,
    /// `sandbox.globuscs.info`.
    Sandbox,
    /// `integration.globuscs.info`.
    Integration,
    /// `test.globuscs.info`.
    Test,
    /// `staging.globuscs.info`.
    Staging,
}

impl Environment {
    /// Every environment, in a stable order.
    pub const ALL: [Environment; 6] = [
        Environment::Production,
        Environment::Preview,
        Environment::Sandbox,
        Environment::Integration,
        Environment::Test,
        Environment::Staging,
    ];

    /// The name used in `GLOBUS_SDK_ENVIRONMENT`.
    pub fn name(self) -> &'static str {
        match self {
            Environment::Production => "production",
            Environment::Preview => "preview",
            Environment::Sandbox => "sandbox",
            Environment::Integration => "integration",
            Environment::Test => "test",
            Environment::Staging => "staging",
        }
    }

    fn domain(self) -> &'static str {
        match self {
            Environment::Production => "globus.org",
            Environment::Preview => "preview.globus.org",
            Environment::Sandbox => "sandbox.globuscs.info",
            Environment::Integration => "integration.globuscs.info",
            Environment::Test => "test.globuscs.info",
            Environment::Staging => "staging.globuscs.info",
        }
    }

    /// The base URL of `service` in this environment (ignoring environment variables).
    ///
    /// `service` is the short name used by the Python SDK: `auth`, `transfer`, `groups`,
    /// `search`, `flows`, `timer`, `compute`, `app`, ...
    pub fn service_url(self, service: &str) -> String {
        let automate = ["actions", "flows", "timer", "timers"];
        let service = if service == "timers" { "timer" } else { service };
        match (self, service) {
            (Environment::Production, s) if automate.contains(&s) => format!("https://{s}.automate.globus.org/"),
            (env, s) if automate.contains(&s) => format!("https://{}.{s}.automate.globus.org/", env.name()),
            (env, "auth" | "app") => format!("https://{service}.{}/", env.domain()),
            (env, s) => format!("https://{s}.api.{}/", env.domain()),
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Environment {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Environment::ALL.into_iter().find(|e| e.name().eq_ignore_ascii_case(s.trim())).ok_or_else(|| {
            Error::config(format!(
                "unknown Globus environment {s:?}; use one of production, preview, sandbox, integration, test, staging"
            ))
        })
    }
}

/// How TLS certificates are checked.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum TlsVerification {
    /// Check against the platform's trust store (the default).
    #[default]
    Enabled,
    /// Do not check certificates at all (only for test deployments).
    Disabled,
    /// Check against the CA certificates in this PEM file.
    CaBundle(PathBuf),
}

/// Settings shared by the clients: environment, URLs, timeout, TLS, retries, app name.
///
/// `Config::new()` starts from the defaults; [`Config::from_env`] reads the `GLOBUS_SDK_*`
/// variables. A value set in code always wins over the environment.
#[derive(Clone, Debug, Default)]
pub struct Config {
    environment: Option<Environment>,
    service_urls: Vec<(String, url::Url)>,
    timeout: Option<Option<Duration>>,
    tls: Option<TlsVerification>,
    pub(crate) retry: crate::transport::RetryPolicy,
    app_name: Option<String>,
}

impl Config {
    /// Defaults, with environment variables consulted when the client is built.
    pub fn new() -> Self {
        Self::default()
    }

    /// Read every `GLOBUS_SDK_*` variable now; an invalid value is an error that names it.
    pub fn from_env() -> Result<Self, Error> {
        let c = Self::new();
        c.resolved_environment()?;
        c.resolved_timeout()?;
        c.resolved_tls()?;
        Ok(c)
    }

    /// Use this Globus environment (wins over `GLOBUS_SDK_ENVIRONMENT`).
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = Some(environment);
        self
    }

    /// Use this base URL for one service (wins over `GLOBUS_SDK_SERVICE_URL_<SERVICE>`).
    pub fn service_url(&self, service: &str) -> Result<url::Url, Error> {
        if let Some((_, url)) = self.service_urls.iter().find(|(s, _)| s.eq_ignore_ascii_case(service)) {
            return Ok(url.clone());
        }
        let var = format!("{SERVICE_URL_VAR_PREFIX}{}", service.to_ascii_uppercase());
        if let Some(value) = non_empty_var(&var) {
            return parse_base_url(&value).map_err(|e| Error::config(format!("{var}={value:?} is not a URL: {e}")));
        }
        let url = self.resolved_environment()?.service_url(service);
        parse_base_url(&url).map_err(|e| Error::config(format!("bad built-in URL {url}: {e}")))
    }

    /// Set the base URL of one service (`"auth"`, `"transfer"`, ...).
    pub fn with_service_url(mut self, service: &str, url: &str) -> Result<Self, Error> {
        let parsed = parse_base_url(url).map_err(|e| Error::config(format!("{url:?} is not a URL: {e}")))?;
        self.service_urls.retain(|(s, _)| !s.eq_ignore_ascii_case(service));
        self.service_urls.push((service.to_ascii_lowercase(), parsed));
        Ok(self)
    }

    /// Request timeout; `None` for no timeout (wins over `GLOBUS_SDK_HTTP_TIMEOUT`).
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// TLS certificate checking (wins over `GLOBUS_SDK_VERIFY_SSL`).
    pub fn tls_verification(mut self, tls: TlsVerification) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Retry policy for every request.
    pub fn retry_policy(mut self, retry: crate::transport::RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The application name appended to the `User-Agent` header.
    pub fn app_name(mut self, name: impl Into<String>) -> Self {
        self.app_name = Some(name.into());
        self
    }

    /// The environment in effect: set in code, else `GLOBUS_SDK_ENVIRONMENT`, else production.
    pub fn resolved_environment(&self) -> Result<Environment, Error> {
        match (self.environment, non_empty_var(ENVIRONMENT_VAR)) {
            (Some(e), _) => Ok(e),
            (None, Some(v)) => v.parse().map_err(|_| {
                Error::config(format!(
                    "{ENVIRONMENT_VAR}={v:?} is not a Globus environment; use production, preview, sandbox, integration, test or staging"
                ))
            }),
            (None, None) => Ok(Environment::Production),
        }
    }

    /// The timeout in effect: set in code, else `GLOBUS_SDK_HTTP_TIMEOUT` (`-1`: none; a value
    /// too large for a `Duration` also means none), else 60 s.
    pub fn resolved_timeout(&self) -> Result<Option<Duration>, Error> {
        if let Some(t) = self.timeout {
            return Ok(t);
        }
        let Some(v) = non_empty_var(HTTP_TIMEOUT_VAR) else {
            return Ok(Some(DEFAULT_TIMEOUT));
        };
        let seconds: f64 = v
            .trim()
            .parse()
            .map_err(|_| Error::config(format!("{HTTP_TIMEOUT_VAR}={v:?} is not a number of seconds (-1 for none)")))?;
        if seconds == -1.0 {
            Ok(None)
        } else if seconds.is_finite() && seconds >= 0.0 {
            // Longer than a Duration can hold (1e20): no timeout, never a panic.
            Ok(Duration::try_from_secs_f64(seconds).ok())
        } else {
            Err(Error::config(format!("{HTTP_TIMEOUT_VAR}={v:?} must be a positive number of seconds or -1")))
        }
    }

    /// TLS checking in effect: set in code, else `GLOBUS_SDK_VERIFY_SSL`, else enabled.
    pub fn resolved_tls(&self) -> Result<TlsVerification, Error> {
        if let Some(t) = &self.tls {
            return Ok(t.clone());
        }
        let Some(v) = non_empty_var(VERIFY_SSL_VAR) else {
            return Ok(TlsVerification::Enabled);
        };
        match v.to_ascii_lowercase().as_str() {
            "y" | "yes" | "t" | "true" | "on" | "1" => Ok(TlsVerification::Enabled),
            "n" | "no" | "f" | "false" | "off" | "0" => Ok(TlsVerification::Disabled),
            _ if std::path::Path::new(&v).is_file() => Ok(TlsVerification::CaBundle(PathBuf::from(v))),
            _ => Err(Error::config(format!(
                "{VERIFY_SSL_VAR}={v:?} must be true/false or the path of a CA bundle file that exists"
            ))),
        }
    }

    /// The retry policy in effect.
    pub fn resolved_retry_policy(&self) -> &crate::transport::RetryPolicy {
        &self.retry
    }

    /// The application name, if one was set.
    pub fn resolved_app_name(&self) -> Option<&str> {
        self.app_name.as_deref()
    }
}

fn non_empty_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Parse a base URL and make sure it ends with `/` so that joining keeps its path.
fn parse_base_url(s: &str) -> Result<url::Url, url::ParseError> {
    let mut url = url::Url::parse(s.trim())?;
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_urls_match_the_python_sdk() {
        let p = Environment::Production;
        assert_eq!(p.service_url("auth"), "https://auth.globus.org/");
        assert_eq!(p.service_url("transfer"), "https://transfer.api.globus.org/");
        assert_eq!(p.service_url("groups"), "https://groups.api.globus.org/");
        assert_eq!(p.service_url("search"), "https://search.api.globus.org/");
        assert_eq!(p.service_url("flows"), "https://flows.automate.globus.org/");
        assert_eq!(p.service_url("timer"), "https://timer.automate.globus.org/");
        assert_eq!(p.service_url("timers"), "https://timer.automate.globus.org/");
        assert_eq!(p.service_url("compute"), "https://compute.api.globus.org/");
    }

    #[test]
    fn other_environments() {
        assert_eq!(Environment::Preview.service_url("auth"), "https://auth.preview.globus.org/");
        assert_eq!(Environment::Preview.service_url("transfer"), "https://transfer.api.preview.globus.org/");
        assert_eq!(Environment::Sandbox.service_url("flows"), "https://sandbox.flows.automate.globus.org/");
        assert_eq!(Environment::Staging.service_url("auth"), "https://auth.staging.globuscs.info/");
        assert_eq!(Environment::Test.service_url("groups"), "https://groups.api.test.globuscs.info/");
        assert_eq!(Environment::Integration.service_url("search"), "https://search.api.integration.globuscs.info/");
        for e in Environment::ALL {
            assert_eq!(e.name().parse::<Environment>().unwrap(), e);
        }
        assert!("prod".parse::<Environment>().is_err());
    }

    #[test]
    fn explicit_settings_win() {
        let c = Config::new()
            .environment(Environment::Sandbox)
            .with_service_url("transfer", "http://127.0.0.1:9/x")
            .unwrap()
            .timeout(None)
            .tls_verification(TlsVerification::Disabled);
        assert_eq!(c.service_url("TRANSFER").unwrap().as_str(), "http://127.0.0.1:9/x/");
        assert_eq!(c.service_url("auth").unwrap().as_str(), "https://auth.sandbox.globuscs.info/");
        assert_eq!(c.resolved_timeout().unwrap(), None);
        assert_eq!(c.resolved_tls().unwrap(), TlsVerification::Disabled);
    }
}

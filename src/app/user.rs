//! [`UserApp`]: an app a user logs in to.

use std::sync::Arc;

use super::config::AppConfig;
use super::core::{Core, Grant};
use crate::Secret;
use crate::auth::{ConfidentialAppClient, NativeAppClient};
use crate::error::Error;

/// An app that acts for a user who logs in: a native client (PKCE, no secret) or a
/// confidential one (with its secret).
///
/// Cloning is cheap: clones share the requirements, the store and the authorizers.
///
/// ```no_run
/// use globus_sdk::app::{GlobusApp, UserApp};
///
/// # async fn demo() -> Result<(), globus_sdk::Error> {
/// let app = UserApp::new("My App", "NATIVE-CLIENT-ID")?;
/// let transfer = app.client::<globus_sdk::transfer::Client>()?;
/// app.login().await?; // asks only when the stored tokens do not satisfy the app
/// let tasks = transfer.task_list().limit(10).send().await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct UserApp {
    pub(crate) core: Arc<Core>,
}

impl UserApp {
    /// A native app with the default config.
    pub fn new(app_name: &str, client_id: &str) -> Result<Self, Error> {
        Self::with_config(app_name, client_id, AppConfig::new())
    }

    /// A native app with `config`.
    pub fn with_config(app_name: &str, client_id: &str, config: AppConfig) -> Result<Self, Error> {
        let client = NativeAppClient::with_config(client_id, config.sdk.clone())?;
        Ok(UserApp { core: Arc::new(Core::new(app_name, Grant::Native(client), config)?) })
    }

    /// A confidential app (with its secret) that users log in to.
    pub fn confidential(
        app_name: &str,
        client_id: &str,
        client_secret: impl Into<Secret>,
        config: AppConfig,
    ) -> Result<Self, Error> {
        let client = ConfidentialAppClient::with_config(client_id, client_secret, config.sdk.clone())?;
        Ok(UserApp { core: Arc::new(Core::new(app_name, Grant::ConfidentialUser(client), config)?) })
    }
}

//! [`ClientApp`]: an app that acts as itself (client credentials).

use std::sync::Arc;

use super::config::AppConfig;
use super::core::{Core, Grant};
use crate::Secret;
use crate::auth::ConfidentialAppClient;
use crate::error::Error;

/// An app that acts as itself, with its client id and secret (the client-credentials grant):
/// services, pipelines, automation. No user logs in; `login()` gets the app's tokens.
///
/// ```no_run
/// use globus_sdk::app::{AppConfig, ClientApp, GlobusApp};
///
/// # async fn demo() -> Result<(), globus_sdk::Error> {
/// let app = ClientApp::new("nightly sync", "CLIENT-ID", "CLIENT-SECRET", AppConfig::new().token_storage_memory())?;
/// let transfer = app.client::<globus_sdk::transfer::Client>()?;
/// let tasks = transfer.task_list().limit(10).send().await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct ClientApp {
    pub(crate) core: Arc<Core>,
}

impl ClientApp {
    /// A client app with `config` (its login flow is not used).
    pub fn new(
        app_name: &str,
        client_id: &str,
        client_secret: impl Into<Secret>,
        config: AppConfig,
    ) -> Result<Self, Error> {
        let client = ConfidentialAppClient::with_config(client_id, client_secret, config.sdk.clone())?;
        Ok(ClientApp { core: Arc::new(Core::new(app_name, Grant::ClientCredentials(client), config)?) })
    }
}

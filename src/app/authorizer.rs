//! [`AppAuthorizer`]: the authorizer an app gives its clients, one per resource server.

use std::fmt;
use std::sync::Arc;

use futures::future::BoxFuture;
use http::HeaderValue;

use super::core::Core;
use crate::authorizers::Authorizer;
use crate::error::Error;

/// Authorizes requests to one resource server with the app's tokens.
///
/// It is made from the stored tokens at its first use (after a login when they do not satisfy
/// the app and the config says to log in), renews them with the refresh token (user apps that
/// asked for refresh tokens) or the client-credentials grant (client apps), and stores every
/// renewal. After a new login it switches to the new tokens.
#[derive(Clone)]
pub struct AppAuthorizer {
    core: Arc<Core>,
    resource_server: String,
}

impl AppAuthorizer {
    pub(crate) fn new(core: Arc<Core>, resource_server: &str) -> Self {
        AppAuthorizer { core, resource_server: resource_server.to_string() }
    }

    /// The resource server whose tokens it sends.
    pub fn resource_server(&self) -> &str {
        &self.resource_server
    }
}

impl fmt::Debug for AppAuthorizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppAuthorizer")
            .field("app", &self.core.app_name)
            .field("resource_server", &self.resource_server)
            .finish()
    }
}

impl Authorizer for AppAuthorizer {
    fn authorization_header(&self) -> BoxFuture<'_, Result<Option<HeaderValue>, Error>> {
        Box::pin(async move {
            let current = self.core.current_authorizer(&self.resource_server).await?;
            current.authorization_header().await
        })
    }

    fn on_unauthorized<'a>(&'a self, rejected: Option<&'a HeaderValue>) -> BoxFuture<'a, bool> {
        Box::pin(async move {
            match self.core.cached_authorizer(&self.resource_server) {
                Some(current) => current.on_unauthorized(rejected).await,
                None => false,
            }
        })
    }
}

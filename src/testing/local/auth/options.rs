//! The builder's Auth options: port, users, clients, token lifetime, rotation, the approval
//! page.

use std::time::Duration;

use super::{AccountSettings, Auth, AuthSettings};
use crate::Secret;
use crate::testing::local::LocalGlobusBuilder;
use crate::testing::local::plugin::Service as _;

impl LocalGlobusBuilder {
    /// Listen for Auth on this port of 127.0.0.1 (default 0: an ephemeral port).
    pub fn auth_port(self, port: u16) -> Self {
        self.port(Auth::NAME, port)
    }

    /// Lifetime of access tokens (default 48 hours, as Globus).
    pub fn token_lifetime(self, lifetime: Duration) -> Self {
        self.configure(|s: &mut AuthSettings| s.token_lifetime = lifetime)
    }

    /// Issue a new refresh token on every refresh grant and revoke the one presented, as
    /// Globus does for clients with rotation on (default: true); a rotated-out refresh token
    /// is then `invalid_grant`. False keeps the presented refresh token, and returns it.
    pub fn rotate_refresh_tokens(self, yes: bool) -> Self {
        self.configure(|s: &mut AuthSettings| s.rotate_refresh_tokens = yes)
    }

    /// Show an approval page at `GET /v2/oauth2/authorize` (true), or approve at once and
    /// redirect with the code (false, the default, as before: tests that GET the authorize
    /// URL and read the code from the `Location` keep working).
    ///
    /// The page (HTML, no JavaScript) names the client, the user and the scopes, and holds
    /// one form, posted to `/v2/oauth2/authorize` as `application/x-www-form-urlencoded`:
    /// - `request`: the value of the hidden input `<input name="request">`;
    /// - `decision`: `approve` or `deny` (the two submit buttons, `id="approve"` and
    ///   `id="deny"`).
    ///
    /// The answer is a `303 See Other` to the redirect URI with `code` and `state`
    /// (`approve`) or `error=access_denied` and `state` (`deny`). A request is answered once,
    /// within ten minutes. [`LocalGlobus::approve`](crate::testing::LocalGlobus::approve) and
    /// [`LocalGlobus::approve_url`](crate::testing::LocalGlobus::approve_url) approve
    /// without the page either way.
    pub fn approval_page(self, yes: bool) -> Self {
        self.configure(|s: &mut AuthSettings| s.approval_page = yes)
    }

    /// Another user who can log in (beside the default `testuser@example.org`).
    pub fn user(self, username: impl Into<String>, display_name: impl Into<String>) -> Self {
        let user = (username.into(), display_name.into());
        self.configure(|s: &mut AccountSettings| s.users.push(user))
    }

    /// Use this id and secret for the preloaded confidential client (default: random).
    pub fn confidential_client(self, id: impl Into<String>, secret: impl Into<Secret>) -> Self {
        let client = (id.into(), secret.into());
        self.configure(|s: &mut AccountSettings| s.confidential_client = Some(client))
    }

    /// Register a redirect URI for the preloaded confidential client (repeatable; default
    /// none). The authorize page sends a confidential client's code only to a registered
    /// URI (same scheme, host, port and path); anything else is an error page. Native
    /// clients need none: they may use any loopback URI.
    pub fn confidential_redirect_uri(self, uri: impl Into<String>) -> Self {
        let uri = uri.into();
        self.configure(|s: &mut AccountSettings| s.confidential_redirect_uris.push(uri))
    }

    /// Use this id for the preloaded native client (default: random).
    pub fn native_client(self, id: impl Into<String>) -> Self {
        let id = id.into();
        self.configure(|s: &mut AccountSettings| s.native_client = Some(id))
    }
}

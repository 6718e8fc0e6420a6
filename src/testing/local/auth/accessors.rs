//! What a `LocalGlobus` offers about Auth: its URL, clients and users, approvals without a
//! browser, consents, tokens issued or expired at will.

use super::{Approval, Auth, LocalClient, LocalIdentity, grants, login};
use crate::auth::TokenResponse;
use crate::testing::local::LocalGlobus;
use crate::testing::local::plugin::Service as _;

impl LocalGlobus {
    /// The base URL of Auth, `http://127.0.0.1:<port>`.
    pub fn auth_url(&self) -> String {
        self.url_of(Auth::NAME)
    }

    /// The preloaded confidential client (id and secret).
    pub fn confidential_client(&self) -> &LocalClient {
        self.core.accounts().confidential_client()
    }

    /// The preloaded native client (no secret: logs in with PKCE).
    pub fn native_client(&self) -> &LocalClient {
        self.core.accounts().native_client()
    }

    /// The default user, who logs in unless an approval names another.
    pub fn user(&self) -> LocalIdentity {
        self.core.default_user()
    }

    /// Every identity: users, then the clients' own identities.
    pub fn identities(&self) -> Vec<LocalIdentity> {
        self.core.accounts().identities()
    }

    /// Approve a login without a browser (with or without
    /// [`LocalGlobusBuilder::approval_page`](crate::testing::LocalGlobusBuilder::approval_page)):
    /// records the user's consents, as the approval page's `approve` does, and returns the
    /// authorization code the redirect would carry, to exchange at the token endpoint (e.g.
    /// with `LoginFlow::exchange_code`).
    pub fn approve(&self, approval: &Approval) -> Result<String, crate::Error> {
        login::approve(self.core.accounts(), approval).map_err(|(_, detail)| crate::Error::invalid_request(detail))
    }

    /// Approve the login an authorize URL asks for (as made by `LoginFlow::authorize_url`)
    /// and return the code. `session_required_identities` picks the user when it names one.
    pub fn approve_url(&self, authorize_url: &str) -> Result<String, crate::Error> {
        let url = url::Url::parse(authorize_url)
            .map_err(|e| crate::Error::invalid_request(format!("not an authorize URL: {e}")))?;
        let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let approval = login::approval_from_query(self.core.accounts(), &query)
            .map_err(|(_, detail)| crate::Error::invalid_request(detail))?;
        self.approve(&approval)
    }

    /// Issue tokens directly, as a login would: for `client_id` acting for `identity` (an id
    /// or username), for `scopes` (space-separated), recording the user's consents (unless
    /// `identity` is the client itself).
    pub fn issue_tokens(
        &self,
        client_id: &str,
        identity: &str,
        scopes: &str,
        refresh_tokens: bool,
    ) -> Result<TokenResponse, crate::Error> {
        let auth = self.service::<Auth>().ok_or_else(|| crate::Error::invalid_request("Auth is not running"))?;
        let raw = grants::issue_direct(auth, client_id, identity, scopes, refresh_tokens)
            .map_err(|(_, detail)| crate::Error::invalid_request(detail))?;
        Ok(TokenResponse::new(raw))
    }

    /// The consents `identity` (an id or username) gave, as `get_consents` with `all=true`
    /// lists them (empty for an unknown identity).
    pub fn consents(&self, identity: &str) -> Vec<crate::auth::types::Consent> {
        let accounts = self.core.accounts();
        let Some(identity) = accounts.find_identity(identity) else { return Vec::new() };
        let list = accounts.consents().list(&identity.id, None);
        list.iter().filter_map(|c| serde_json::from_value(c.to_json()).ok()).collect()
    }

    /// Withdraw a consent (by its `id`) and the consents below it, as a user does on Globus's
    /// consents page; false when there is none. Refresh grants then give only the scopes
    /// still consented to (none left: `invalid_grant`), and a code not yet exchanged gives
    /// none of the withdrawn ones; access tokens already issued work until they expire.
    pub fn revoke_consent(&self, id: i64) -> bool {
        self.core.accounts().consents().revoke(id)
    }

    /// Make one access or refresh token expire now; false when the server never issued it.
    pub fn expire_token(&self, token: &str) -> bool {
        self.core.accounts().tokens().expire(token)
    }

    /// Make every access token expire now (refresh tokens keep working).
    pub fn expire_all_tokens(&self) {
        self.core.accounts().tokens().expire_all();
    }
}

//! Token responses: the tokens of one grant, by resource server and by scope.

use std::collections::BTreeMap;

use super::types;
use crate::Secret;
use crate::authorizers::TokenData;
use crate::error::Error;

/// The answer of a token grant (authorization code, refresh, client credentials).
///
/// Globus returns one token per resource server: the first at the top level, the others in
/// `other_tokens`. [`TokenResponse::by_resource_server`] gives them all alike, with
/// `expires_at` computed from `expires_in` when the response arrived.
///
/// ```
/// use globus_sdk::auth::{TokenResponse, types::OAuthTokenResponse};
/// let raw: OAuthTokenResponse = serde_json::from_value(serde_json::json!({
///     "access_token": "A", "expires_in": 3600, "resource_server": "auth.globus.org",
///     "scope": "openid profile", "token_type": "Bearer",
///     "other_tokens": [{"access_token": "T", "expires_in": 3600, "resource_server": "transfer.api.globus.org",
///                       "scope": "urn:globus:auth:scope:transfer.api.globus.org:all", "refresh_token": "R"}]
/// })).unwrap();
/// let tokens = TokenResponse::new(raw);
/// let transfer = &tokens.by_resource_server()["transfer.api.globus.org"];
/// assert_eq!(transfer.refresh_token.as_ref().unwrap().expose(), "R");
/// assert!(tokens.by_scopes("openid").unwrap().resource_server == "auth.globus.org");
/// ```
#[derive(Clone, Debug)]
pub struct TokenResponse {
    raw: types::OAuthTokenResponse,
    received_at: i64,
}

impl TokenResponse {
    /// Wrap a token response received now.
    pub fn new(raw: types::OAuthTokenResponse) -> Self {
        TokenResponse { raw, received_at: chrono::Utc::now().timestamp() }
    }

    /// The response as received.
    pub fn raw(&self) -> &types::OAuthTokenResponse {
        &self.raw
    }

    /// When the response arrived (seconds since the Unix epoch).
    pub fn received_at(&self) -> i64 {
        self.received_at
    }

    /// The OpenID Connect id_token, when `openid` was requested.
    pub fn id_token(&self) -> Option<&Secret> {
        self.raw.id_token.as_ref()
    }

    /// The `state` echoed by Auth, if any.
    pub fn state(&self) -> Option<&str> {
        self.raw.state.as_deref()
    }

    /// Every token, keyed by resource server.
    pub fn by_resource_server(&self) -> BTreeMap<String, TokenData> {
        let mut out = BTreeMap::new();
        let top = TokenData {
            access_token: self.raw.access_token.clone(),
            refresh_token: self.raw.refresh_token.clone(),
            expires_at: self.raw.expires_in.map(|s| self.received_at.saturating_add(s)),
            scope: self.raw.scope.clone(),
            resource_server: self.raw.resource_server.clone(),
        };
        out.insert(top.resource_server.clone(), top);
        for t in &self.raw.other_tokens {
            out.insert(t.resource_server.clone(), token_data(t, self.received_at));
        }
        out
    }

    /// The token for one resource server.
    pub fn for_resource_server(&self, resource_server: &str) -> Option<TokenData> {
        self.by_resource_server().remove(resource_server)
    }

    /// The token that carries every scope in `scopes` (space-separated).
    ///
    /// An error when the scopes are spread over several tokens or carried by none.
    pub fn by_scopes(&self, scopes: &str) -> Result<TokenData, Error> {
        let wanted: Vec<&str> = scopes.split_whitespace().collect();
        let tokens = self.by_resource_server();
        let carrying: Vec<&TokenData> = tokens
            .values()
            .filter(|t| {
                let have: Vec<&str> = t.scope.split_whitespace().collect();
                wanted.iter().all(|w| have.contains(w))
            })
            .collect();
        match carrying.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(Error::invalid_request(format!(
                "no single token carries all of the scopes {scopes:?}; the tokens are for {:?}",
                tokens.keys().collect::<Vec<_>>()
            ))),
            _ => Err(Error::invalid_request(format!("several tokens carry the scopes {scopes:?}"))),
        }
    }
}

pub(crate) fn token_data(t: &types::OAuthToken, received_at: i64) -> TokenData {
    TokenData {
        access_token: t.access_token.clone(),
        refresh_token: t.refresh_token.clone(),
        // Saturating: a service may send any `expires_in`, up to i64::MAX.
        expires_at: t.expires_in.map(|s| received_at.saturating_add(s)),
        scope: t.scope.clone(),
        resource_server: t.resource_server.clone(),
    }
}

/// Turn the answer of the token endpoint into a [`TokenResponse`] (any grant but the
/// dependent token grant).
pub(crate) fn single(response: types::OAuthTokenGrantResponse) -> Result<TokenResponse, Error> {
    match response {
        types::OAuthTokenGrantResponse::TokenResponse(r) => Ok(TokenResponse::new(r)),
        types::OAuthTokenGrantResponse::DependentTokenResponse(_) => Err(Error::invalid_request(
            "Globus Auth answered with a list of dependent tokens where one token response was expected",
        )),
    }
}

/// Turn the answer of the dependent token grant into tokens by resource server.
pub(crate) fn dependent(response: types::OAuthTokenGrantResponse) -> BTreeMap<String, TokenData> {
    let now = chrono::Utc::now().timestamp();
    match response {
        types::OAuthTokenGrantResponse::DependentTokenResponse(list) => {
            list.0.iter().map(|t| (t.resource_server.clone(), token_data(t, now))).collect()
        }
        types::OAuthTokenGrantResponse::TokenResponse(r) => TokenResponse::new(r).by_resource_server(),
    }
}

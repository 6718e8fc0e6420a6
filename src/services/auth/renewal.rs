//! Token sources for the renewing authorizers: refresh tokens and client credentials.

use futures::future::BoxFuture;

use super::Client;
use super::login::refresh;
use crate::Secret;
use crate::authorizers::{RenewingAuthorizer, TokenData, TokenSource};
use crate::error::Error;
use crate::scopes::Scope;

/// Renews with the refresh-token grant. A response without a new refresh token keeps the
/// old one; a rotated refresh token replaces it.
#[derive(Debug)]
pub struct RefreshTokenSource {
    client: Client,
    client_id: Option<String>,
    refresh_token: Secret,
    resource_server: String,
}

/// An authorizer renewed with a refresh token (made by
/// [`super::NativeAppClient::refresh_token_authorizer`] or
/// [`super::ConfidentialAppClient::refresh_token_authorizer`]).
pub type RefreshTokenAuthorizer = RenewingAuthorizer<RefreshTokenSource>;

impl TokenSource for RefreshTokenSource {
    fn fetch<'a>(&'a self, previous: Option<&'a TokenData>) -> BoxFuture<'a, Result<TokenData, Error>> {
        Box::pin(async move {
            let refresh_token = previous.and_then(|p| p.refresh_token.as_ref()).unwrap_or(&self.refresh_token);
            let response = refresh(&self.client, refresh_token, self.client_id.as_deref()).await?;
            let mut data = response.for_resource_server(&self.resource_server).ok_or_else(|| {
                Error::authorization(format!(
                    "the refresh-token grant returned no token for {}; log in again",
                    self.resource_server
                ))
            })?;
            if data.refresh_token.is_none() {
                data.refresh_token = Some(refresh_token.clone());
            }
            Ok(data)
        })
    }
}

pub(crate) fn refresh_token_authorizer(
    client: Client,
    client_id: Option<String>,
    tokens: TokenData,
) -> Result<RefreshTokenAuthorizer, Error> {
    let refresh_token = tokens.refresh_token.clone().ok_or_else(|| {
        Error::invalid_request(format!(
            "the tokens for {} carry no refresh token: log in with refresh tokens requested",
            tokens.resource_server
        ))
    })?;
    let source =
        RefreshTokenSource { client, client_id, refresh_token, resource_server: tokens.resource_server.clone() };
    Ok(RenewingAuthorizer::with_tokens(source, tokens))
}

/// Renews with the client-credentials grant for a fixed set of scopes.
#[derive(Debug)]
pub struct ClientCredentialsSource {
    client: Client,
    scopes: Vec<Scope>,
}

/// An authorizer for a confidential app acting as itself (made by
/// [`super::ConfidentialAppClient::client_credentials_authorizer`]).
pub type ClientCredentialsAuthorizer = RenewingAuthorizer<ClientCredentialsSource>;

impl TokenSource for ClientCredentialsSource {
    fn fetch<'a>(&'a self, _previous: Option<&'a TokenData>) -> BoxFuture<'a, Result<TokenData, Error>> {
        Box::pin(async move {
            let body = super::types::OAuthTokenRequest::builder()
                .grant_type("client_credentials")
                .scope(Scope::join(&self.scopes));
            let response = super::tokens::single(self.client.oauth2_token().body(body).send().await?.into_inner())?;
            let mut tokens = response.by_resource_server();
            if tokens.len() == 1 {
                return Ok(tokens.pop_first().expect("one token").1);
            }
            Err(Error::invalid_request(format!(
                "the scopes {:?} are for {} resource servers ({:?}); a client-credentials authorizer needs scopes of one",
                Scope::join(&self.scopes),
                tokens.len(),
                tokens.keys().collect::<Vec<_>>()
            )))
        })
    }
}

pub(crate) fn client_credentials_authorizer(client: Client, scopes: &[Scope]) -> ClientCredentialsAuthorizer {
    RenewingAuthorizer::new(ClientCredentialsSource { client, scopes: scopes.to_vec() })
}

//! OAuth2 login: native apps (PKCE) and confidential apps (client secret).

use std::collections::BTreeMap;

use base64::Engine as _;
use sha2::Digest as _;

use super::tokens::{self, TokenResponse};
use super::{Client, types};
use crate::Secret;
use crate::authorizers::{BasicAuthorizer, NullAuthorizer, TokenData};
use crate::config::Config;
use crate::error::Error;
use crate::gare::AuthorizationParameters;
use crate::scopes::Scope;

/// Extra parameters for the authorize URL: session requirements and prompt.
///
/// Build them by hand, or from the authorization requirements of an error
/// ([`AuthorizeParams::from_requirements`]) to satisfy a GARE.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AuthorizeParams {
    /// Identities (ids or usernames) the user must log in with.
    pub session_required_identities: Vec<String>,
    /// Domains the user must log in from.
    pub session_required_single_domain: Vec<String>,
    /// Authentication policies to satisfy.
    pub session_required_policies: Vec<String>,
    /// Require multi-factor authentication.
    pub session_required_mfa: Option<bool>,
    /// A message for the login page.
    pub session_message: Option<String>,
    /// Force a fresh login (`prompt=login`).
    pub prompt_login: bool,
    /// Any other query parameters.
    pub extra: BTreeMap<String, String>,
}

impl AuthorizeParams {
    /// The parameters a GARE asks for.
    pub fn from_requirements(p: &AuthorizationParameters) -> Self {
        AuthorizeParams {
            session_required_identities: p.session_required_identities.clone(),
            session_required_single_domain: p.session_required_single_domain.clone(),
            session_required_policies: p.session_required_policies.clone(),
            session_required_mfa: p.session_required_mfa,
            session_message: p.session_message.clone(),
            prompt_login: p.prompt.as_deref() == Some("login"),
            extra: BTreeMap::new(),
        }
    }

    fn append(&self, q: &mut url::form_urlencoded::Serializer<'_, url::UrlQuery<'_>>) {
        let mut list = |name: &str, v: &[String]| {
            if !v.is_empty() {
                q.append_pair(name, &v.join(","));
            }
        };
        list("session_required_identities", &self.session_required_identities);
        list("session_required_single_domain", &self.session_required_single_domain);
        list("session_required_policies", &self.session_required_policies);
        if let Some(mfa) = self.session_required_mfa {
            // Spelled as the Python SDK sends it.
            q.append_pair("session_required_mfa", if mfa { "True" } else { "False" });
        }
        if let Some(m) = &self.session_message {
            q.append_pair("session_message", m);
        }
        if self.prompt_login {
            q.append_pair("prompt", "login");
        }
        for (k, v) in &self.extra {
            q.append_pair(k, v);
        }
    }
}

/// A PKCE verifier and its S256 challenge (RFC 7636).
#[derive(Clone, Debug)]
pub struct Pkce {
    verifier: Secret,
    challenge: String,
}

impl Pkce {
    /// A fresh random verifier: 32 random bytes, base64url without padding (43 characters).
    pub fn generate() -> Self {
        let bytes: [u8; 32] = rand::random();
        let verifier = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        Self::from_verifier(&verifier).expect("a generated verifier is valid")
    }

    /// Use a given verifier (43 to 128 characters of `[A-Za-z0-9-._~]`).
    pub fn from_verifier(verifier: &str) -> Result<Self, Error> {
        if !(43..=128).contains(&verifier.len()) {
            return Err(Error::invalid_request(format!(
                "a PKCE verifier must be 43 to 128 characters long, not {}",
                verifier.len()
            )));
        }
        if !verifier.chars().all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c)) {
            return Err(Error::invalid_request("a PKCE verifier may hold only letters, digits and -._~"));
        }
        let digest = sha2::Sha256::digest(verifier.as_bytes());
        let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest);
        Ok(Pkce { verifier: Secret::new(verifier), challenge })
    }

    /// The verifier (sent with the code exchange).
    pub fn verifier(&self) -> &Secret {
        &self.verifier
    }

    /// The S256 challenge (sent in the authorize URL).
    pub fn challenge(&self) -> &str {
        &self.challenge
    }
}

/// One authorization-code login in progress: build the URL, then exchange the code.
///
/// Made by [`NativeAppClient::start_flow`] (with PKCE) or [`ConfidentialAppClient::start_flow`].
#[derive(Clone, Debug)]
pub struct LoginFlow {
    client: Client,
    client_id: String,
    scopes: String,
    redirect_uri: String,
    state: String,
    refresh_tokens: bool,
    prefill_named_grant: Option<String>,
    pkce: Option<Pkce>,
}

impl LoginFlow {
    fn new(client: &Client, client_id: &str, scopes: &[Scope], redirect_uri: String, pkce: Option<Pkce>) -> Self {
        LoginFlow {
            client: client.clone(),
            client_id: client_id.to_string(),
            scopes: Scope::join(scopes),
            redirect_uri,
            state: "_default".into(),
            refresh_tokens: false,
            prefill_named_grant: None,
            pkce,
        }
    }

    /// Where Auth sends the user back (default for native apps: Auth's page that shows the code).
    pub fn redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.redirect_uri = uri.into();
        self
    }

    /// The `state` value passed through the login (default `_default`).
    pub fn state(mut self, state: impl Into<String>) -> Self {
        self.state = state.into();
        self
    }

    /// Ask for refresh tokens (`access_type=offline`).
    pub fn refresh_tokens(mut self, yes: bool) -> Self {
        self.refresh_tokens = yes;
        self
    }

    /// Prefill the name of the grant on the consent page.
    pub fn prefill_named_grant(mut self, name: impl Into<String>) -> Self {
        self.prefill_named_grant = Some(name.into());
        self
    }

    /// Use this PKCE verifier instead of a random one (native apps).
    pub fn pkce(mut self, pkce: Pkce) -> Self {
        self.pkce = Some(pkce);
        self
    }

    /// The PKCE pair, for native-app flows.
    pub fn pkce_pair(&self) -> Option<&Pkce> {
        self.pkce.as_ref()
    }

    /// The URL to send the user to.
    pub fn authorize_url(&self, params: &AuthorizeParams) -> String {
        let mut url = url::Url::parse(&format!("{}/v2/oauth2/authorize", self.client.base_url()))
            .expect("the Auth base URL was validated when the client was built");
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("client_id", &self.client_id);
            q.append_pair("redirect_uri", &self.redirect_uri);
            q.append_pair("scope", &self.scopes);
            q.append_pair("state", &self.state);
            q.append_pair("response_type", "code");
            if let Some(p) = &self.pkce {
                q.append_pair("code_challenge", p.challenge());
                q.append_pair("code_challenge_method", "S256");
            }
            q.append_pair("access_type", if self.refresh_tokens { "offline" } else { "online" });
            if let Some(name) = &self.prefill_named_grant {
                q.append_pair("prefill_named_grant", name);
            }
            params.append(&mut q);
        }
        url.into()
    }

    /// Exchange the code the user brought back for tokens.
    pub async fn exchange_code(&self, code: &str) -> Result<TokenResponse, Error> {
        let body = types::OAuthTokenRequest::builder()
            .grant_type("authorization_code")
            .code(Secret::new(code.trim()))
            .redirect_uri(self.redirect_uri.clone())
            .code_verifier(self.pkce.as_ref().map(|p| p.verifier.clone()))
            .client_id(self.pkce.as_ref().map(|_| self.client_id.clone()));
        let response = self.client.oauth2_token().body(body).send().await?;
        tokens::single(response.into_inner())
    }
}

/// A native application (no secret): logs users in with PKCE.
///
/// ```
/// use globus_sdk::auth::{AuthorizeParams, NativeAppClient};
/// use globus_sdk::auth::scopes as auth;
/// let app = NativeAppClient::new("4d3cb0b0-0000-4000-8000-000000000001").unwrap();
/// let flow = app.start_flow(&[auth::openid(), auth::profile()]).refresh_tokens(true);
/// let url = flow.authorize_url(&AuthorizeParams::default());
/// assert!(url.starts_with("https://auth.globus.org/v2/oauth2/authorize?client_id="));
/// assert!(url.contains("code_challenge_method=S256") && url.contains("access_type=offline"));
/// ```
#[derive(Clone, Debug)]
pub struct NativeAppClient {
    client: Client,
    client_id: String,
}

impl NativeAppClient {
    /// A native app with `client_id`, using the configuration from the environment.
    pub fn new(client_id: impl Into<String>) -> Result<Self, Error> {
        Self::with_config(client_id, Config::new())
    }

    /// A native app with explicit settings.
    pub fn with_config(client_id: impl Into<String>, config: Config) -> Result<Self, Error> {
        let client = Client::builder().config(config).authorizer(NullAuthorizer).build()?;
        Ok(NativeAppClient { client, client_id: client_id.into() })
    }

    /// A native app on an existing (unauthenticated) Auth client.
    pub fn from_client(client: Client, client_id: impl Into<String>) -> Self {
        NativeAppClient { client, client_id: client_id.into() }
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The Auth client underneath.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Start a login for `scopes`, with PKCE and Auth's code-display page as redirect.
    pub fn start_flow(&self, scopes: &[Scope]) -> LoginFlow {
        let redirect_uri = format!("{}/v2/web/auth-code", self.client.base_url());
        LoginFlow::new(&self.client, &self.client_id, scopes, redirect_uri, Some(Pkce::generate()))
    }

    /// New tokens from a refresh token.
    pub async fn refresh_token(&self, refresh_token: &Secret) -> Result<TokenResponse, Error> {
        refresh(&self.client, refresh_token, Some(&self.client_id)).await
    }

    /// Revoke an access or refresh token.
    pub async fn revoke_token(&self, token: &Secret) -> Result<(), Error> {
        revoke(&self.client, token, Some(&self.client_id)).await
    }

    /// An authorizer that renews its token with `tokens.refresh_token`.
    pub fn refresh_token_authorizer(&self, tokens: TokenData) -> Result<super::RefreshTokenAuthorizer, Error> {
        super::renewal::refresh_token_authorizer(self.client.clone(), Some(self.client_id.clone()), tokens)
    }
}

/// A confidential application: has a client secret; runs the authorization code grant for
/// web apps, client credentials for itself, dependent tokens and introspection for services.
#[derive(Clone, Debug)]
pub struct ConfidentialAppClient {
    client: Client,
    client_id: String,
}

impl ConfidentialAppClient {
    /// A confidential app, using the configuration from the environment.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<Secret>) -> Result<Self, Error> {
        Self::with_config(client_id, client_secret, Config::new())
    }

    /// A confidential app with explicit settings.
    pub fn with_config(
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
        config: Config,
    ) -> Result<Self, Error> {
        let client_id = client_id.into();
        let client = Client::builder()
            .config(config)
            .authorizer(BasicAuthorizer::new(client_id.clone(), client_secret))
            .build()?;
        Ok(ConfidentialAppClient { client, client_id })
    }

    /// A confidential app on an existing Auth client that sends the app's Basic credentials.
    pub fn from_client(client: Client, client_id: impl Into<String>) -> Self {
        ConfidentialAppClient { client, client_id: client_id.into() }
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The Auth client underneath (authenticated as the app).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Start a web login for `scopes` that returns to `redirect_uri`.
    pub fn start_flow(&self, redirect_uri: impl Into<String>, scopes: &[Scope]) -> LoginFlow {
        LoginFlow::new(&self.client, &self.client_id, scopes, redirect_uri.into(), None)
    }

    /// Tokens for the app itself (client credentials grant).
    pub async fn client_credentials_tokens(&self, scopes: &[Scope]) -> Result<TokenResponse, Error> {
        let body = types::OAuthTokenRequest::builder().grant_type("client_credentials").scope(Scope::join(scopes));
        tokens::single(self.client.oauth2_token().body(body).send().await?.into_inner())
    }

    /// Tokens for other services, acting for the user who sent `token` (dependent token
    /// grant). `offline` also asks for refresh tokens.
    pub async fn dependent_tokens(
        &self,
        token: &Secret,
        scopes: Option<&[Scope]>,
        offline: bool,
    ) -> Result<BTreeMap<String, TokenData>, Error> {
        let body = types::OAuthTokenRequest::builder()
            .grant_type("urn:globus:auth:grant_type:dependent_token")
            .token(token.clone())
            .scope(scopes.map(Scope::join))
            .access_type(offline.then(|| "offline".to_string()));
        Ok(tokens::dependent(self.client.oauth2_token().body(body).send().await?.into_inner()))
    }

    /// What Auth knows of a token (RFC 7662). `include` asks for more, e.g. `identity_set`.
    pub async fn token_introspect(
        &self,
        token: &Secret,
        include: Option<&str>,
    ) -> Result<types::OAuthTokenIntrospectResponse, Error> {
        let mut req = types::OAuthTokenIntrospectRequest::builder().token(token.clone());
        if let Some(include) = include {
            req = req.include(include.to_string());
        }
        Ok(self.client.oauth2_token_introspect().body(req).send().await?.into_inner())
    }

    /// New tokens from a refresh token.
    pub async fn refresh_token(&self, refresh_token: &Secret) -> Result<TokenResponse, Error> {
        refresh(&self.client, refresh_token, None).await
    }

    /// Revoke an access or refresh token.
    pub async fn revoke_token(&self, token: &Secret) -> Result<(), Error> {
        revoke(&self.client, token, None).await
    }

    /// An authorizer that gets tokens for `scopes` with the client credentials grant and
    /// renews them before they expire. The scopes must be for one resource server.
    pub fn client_credentials_authorizer(&self, scopes: &[Scope]) -> super::ClientCredentialsAuthorizer {
        super::renewal::client_credentials_authorizer(self.client.clone(), scopes)
    }

    /// An authorizer that renews its token with `tokens.refresh_token`.
    pub fn refresh_token_authorizer(&self, tokens: TokenData) -> Result<super::RefreshTokenAuthorizer, Error> {
        super::renewal::refresh_token_authorizer(self.client.clone(), None, tokens)
    }
}

pub(crate) async fn refresh(
    client: &Client,
    refresh_token: &Secret,
    client_id: Option<&str>,
) -> Result<TokenResponse, Error> {
    let body = types::OAuthTokenRequest::builder()
        .grant_type("refresh_token")
        .refresh_token(refresh_token.clone())
        .client_id(client_id.map(str::to_string));
    tokens::single(client.oauth2_token().body(body).send().await?.into_inner())
}

async fn revoke(client: &Client, token: &Secret, client_id: Option<&str>) -> Result<(), Error> {
    let mut body = types::OAuthRevokeTokenRequest::builder().token(token.clone());
    if let Some(id) = client_id {
        body = body.client_id(id.to_string());
    }
    client.oauth2_revoke_token().body(body).send().await?;
    Ok(())
}

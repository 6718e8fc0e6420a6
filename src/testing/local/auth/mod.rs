//! Globus Auth: OpenID discovery and keys, the authorize page (approving at once, or an
//! approval page), consents, the token endpoint (client credentials, authorization code with
//! PKCE, refresh with rotation, dependent tokens), revocation, introspection, userinfo and
//! identities.
//!
//! Its accounts (identities, clients, tokens: `accounts`) are the root of the core, which
//! lends them to the other services; its own state is the signing key and token settings.

mod accessors;
mod accounts;
mod api;
mod consents;
mod errors;
mod grants;
mod keys;
mod login;
mod options;
mod tokens;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Map, json};

use super::core::Core;
use super::http::{Reply, Request};
use super::plugin::{Call, Handled, Handler, Service};
use super::routes::Route;
use super::settings::Settings;
use crate::auth::types;
use crate::transport::OperationMeta;

pub(crate) use accounts::{AccountSettings, Accounts};
pub(crate) use tokens::TokenKind;
pub use accounts::{Approval, LocalClient, LocalIdentity};

/// An OAuth2 error and its description (for the non-HTTP entry points).
pub(crate) type Refusal = (&'static str, String);

const VIEW_IDENTITY_SET: &str = "urn:globus:auth:scope:auth.globus.org:view_identity_set";
const VIEW_CONSENTS: &str = "urn:globus:auth:scope:auth.globus.org:view_consents";
const IDP_NAME: &str = "Local Globus";

/// Auth's settings beside its accounts.
struct AuthSettings {
    token_lifetime: Duration,
    rotate_refresh_tokens: bool,
    approval_page: bool,
}

impl Default for AuthSettings {
    fn default() -> Self {
        AuthSettings { token_lifetime: Duration::from_secs(172_800), rotate_refresh_tokens: true, approval_page: false }
    }
}

/// The local Auth.
pub(crate) struct Auth {
    core: Arc<Core>,
    /// Its own base URL: the issuer of its tokens.
    url: String,
    key: keys::SigningKey,
    token_lifetime: Duration,
    rotate_refresh_tokens: bool,
    /// Show the approval page (true) or approve at once.
    approval_page: bool,
    /// The approval pages waiting for an answer.
    pending: Mutex<login::PendingLogins>,
}

impl Service for Auth {
    const NAME: &'static str = "auth";
    const TITLE: &'static str = "Auth";
    const OPERATIONS: &'static [OperationMeta] = crate::auth::operations::OPERATIONS;
    /// The browser pages, and userinfo by POST (as OpenID Connect allows), are not in the spec.
    const EXTRA_ROUTES: &'static [Route] = &[
        Route::extra("authorize_page", "GET", "/v2/oauth2/authorize"),
        Route::extra("authorize_decision", "POST", "/v2/oauth2/authorize"),
        Route::extra("auth_code_page", "GET", "/v2/web/auth-code"),
        Route::extra("oauth2_userinfo_post", "POST", "/v2/oauth2/userinfo"),
    ];
    const HANDLERS: &'static [(&'static str, Handler<Self>)] = &[
        ("get_openid_configuration", openid_configuration),
        ("get_jwk", jwk),
        ("authorize_page", login::authorize),
        ("authorize_decision", login::decide),
        ("auth_code_page", login::auth_code_page),
        ("oauth2_token", grants::token),
        ("oauth2_revoke_token", api::revoke),
        ("oauth2_token_introspect", api::introspect),
        ("oauth2_userinfo", api::userinfo),
        ("oauth2_userinfo_post", api::userinfo),
        ("get_identities", api::identities),
        ("get_consents", api::consents),
    ];

    /// Each endpoint authenticates its own way (client credentials, a bearer token, none).
    type Caller = ();

    fn start(core: &Arc<Core>, settings: &mut Settings) -> std::io::Result<Self> {
        let settings: AuthSettings = settings.take();
        let url = core.urls().url(Self::NAME).ok_or_else(|| std::io::Error::other("Auth has no listener"))?;
        Ok(Auth {
            core: core.clone(),
            url,
            key: keys::SigningKey::generate()?,
            token_lifetime: settings.token_lifetime,
            rotate_refresh_tokens: settings.rotate_refresh_tokens,
            approval_page: settings.approval_page,
            pending: Mutex::new(login::PendingLogins::default()),
        })
    }

    fn admit(&self, _req: &Request) -> Result<(), Reply> {
        Ok(())
    }

    fn error(status: u16, message: &str, req: &Request) -> Reply {
        errors::for_status(status, message, req)
    }

    /// OpenID Connect's `openid`, `profile`, `email`, and Auth's own scopes.
    fn scopes(&self) -> Vec<(String, String)> {
        use crate::auth::scopes as s;
        [
            s::openid(),
            s::profile(),
            s::email(),
            s::view_identities(),
            s::view_identity_set(),
            s::view_authentications(),
            s::manage_projects(),
            s::view_clients(),
            s::view_clients_and_scopes(),
            s::view_consents(),
        ]
        .into_iter()
        .map(|scope| (scope.to_string(), tokens::AUTH_RS.to_string()))
        .collect()
    }

    fn env_vars(&self) -> Vec<(String, String)> {
        let accounts = self.accounts();
        let conf = accounts.confidential_client();
        let user = accounts.default_user();
        vec![
            ("GLOBUS_LOCAL_CLIENT_ID".to_string(), conf.id.clone()),
            (
                "GLOBUS_LOCAL_CLIENT_SECRET".to_string(),
                conf.secret.as_ref().map(|s| s.expose().to_string()).unwrap_or_default(),
            ),
            ("GLOBUS_LOCAL_NATIVE_CLIENT_ID".to_string(), accounts.native_client().id.clone()),
            ("GLOBUS_LOCAL_USER_ID".to_string(), user.id),
            ("GLOBUS_LOCAL_USERNAME".to_string(), user.username),
        ]
    }
}

impl Auth {
    fn accounts(&self) -> &Accounts {
        self.core.accounts()
    }
}

fn jwk(auth: &Auth, _call: &Call<'_>) -> Handled {
    Ok(Reply::ok(&types::JsonWebKeySet { keys: vec![auth.key.jwk()], extra: Map::new() }))
}

fn openid_configuration(auth: &Auth, _call: &Call<'_>) -> Handled {
    let base = &auth.url;
    let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let mut extra = Map::new();
    extra.insert("introspection_endpoint".into(), format!("{base}/v2/oauth2/token/introspect").into());
    extra.insert("grant_types_supported".into(), json!(["authorization_code", "client_credentials", "refresh_token"]));
    extra.insert("code_challenge_methods_supported".into(), json!(["S256"]));
    let config = types::OpenIdConfiguration {
        authorization_endpoint: Some(format!("{base}/v2/oauth2/authorize")),
        claims_supported: strings(&[
            "sub",
            "iss",
            "aud",
            "exp",
            "iat",
            "nonce",
            "preferred_username",
            "name",
            "email",
            "organization",
            "identity_provider",
            "identity_provider_display_name",
            "identity_set",
            "last_authentication",
        ]),
        id_token_signing_alg_values_supported: strings(&["RS256"]),
        issuer: base.clone(),
        jwks_uri: format!("{base}/jwk.json"),
        response_types_supported: strings(&["code"]),
        revocation_endpoint: Some(format!("{base}/v2/oauth2/token/revoke")),
        scopes_supported: strings(&["openid", "profile", "email"]),
        subject_types_supported: strings(&["public"]),
        token_endpoint: Some(format!("{base}/v2/oauth2/token")),
        token_endpoint_auth_methods_supported: strings(&["client_secret_basic"]),
        userinfo_endpoint: Some(format!("{base}/v2/oauth2/userinfo")),
        extra,
    };
    Ok(Reply::ok(&config))
}

// ------------------------------------------------------------------ client authentication

/// The client calling: HTTP Basic credentials, or a native app's `client_id` form field.
fn authenticate_client<'a>(
    auth: &'a Auth,
    req: &Request,
    form_client_id: Option<&str>,
) -> Result<&'a LocalClient, Reply> {
    let invalid = |detail: &str| errors::error(401, "invalid_client", "INVALID_CLIENT", detail, req);
    let accounts = auth.accounts();
    if let Some(h) = req.header("authorization") {
        let Some(encoded) = h.strip_prefix("Basic ").or_else(|| h.strip_prefix("basic ")) else {
            return Err(invalid("the token endpoints take HTTP Basic client credentials"));
        };
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| invalid("malformed Basic credentials"))?;
        let (id, secret) = decoded.split_once(':').ok_or_else(|| invalid("malformed Basic credentials"))?;
        let id = percent_decode(id);
        let secret = percent_decode(secret);
        return match accounts.client(&id) {
            Some(c) if c.secret.as_ref().is_some_and(|s| s.expose() == secret) => Ok(c),
            _ => Err(invalid("invalid client credentials")),
        };
    }
    match form_client_id.and_then(|id| accounts.client(id)) {
        Some(c) if !c.is_confidential() => Ok(c),
        Some(_) => Err(invalid("this client has a secret: authenticate with HTTP Basic")),
        None if form_client_id.is_some() => Err(invalid("unknown client_id")),
        None => Err(invalid("no client authentication: send HTTP Basic credentials or client_id")),
    }
}

/// Basic credentials are form-urlencoded before base64 (RFC 6749 2.3.1).
fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| s.to_string())
}

fn invalid_grant(detail: impl Into<String>, req: &Request) -> Reply {
    errors::error(400, "invalid_grant", "INVALID_GRANT", detail, req)
}

fn invalid_request(detail: impl Into<String>, req: &Request) -> Reply {
    errors::error(400, "invalid_request", "INVALID_REQUEST", detail, req)
}

// ------------------------------------------------------------------ bearer-token APIs

fn unauthorized(detail: &str, req: &Request) -> Reply {
    errors::error(401, "invalid_token", "UNAUTHORIZED", detail, req).header("www-authenticate", "Bearer")
}

fn set_member(auth: &Auth, identity: &LocalIdentity) -> types::IdentitySetMember {
    types::IdentitySetMember {
        email: identity.email.clone(),
        identity_provider: Some(auth.accounts().identity_provider_id().to_string()),
        identity_provider_display_name: Some(IDP_NAME.into()),
        last_authentication: None,
        name: identity.name.clone(),
        organization: identity.organization.clone(),
        sub: Some(identity.id.clone()),
        username: Some(identity.username.clone()),
        extra: Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_form_decoded() {
        assert_eq!(percent_decode("a%2Bb+c"), "a+b c");
    }
}

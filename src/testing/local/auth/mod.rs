//! Globus Auth: OpenID discovery and keys, the authorize page (approving at once), the token
//! endpoint (client credentials, authorization code with PKCE, refresh, dependent tokens),
//! revocation, introspection, userinfo and identities.

mod api;
mod grants;
mod login;

use base64::Engine as _;
use serde_json::{Map, json};

use super::server::{Reply, Request};
use super::tokens::{TokenKind, TokenRecord};
use super::{LocalClient, LocalIdentity, Shared, errors, lock};
use crate::auth::types;

pub(crate) use grants::issue_direct;
pub(crate) use login::{approval_from_query, approve};

pub(super) type Handled = Result<Reply, Reply>;

/// An OAuth2 error and its description (for the non-HTTP entry points).
pub(crate) type Refusal = (&'static str, String);

pub(super) const VIEW_IDENTITY_SET: &str = "urn:globus:auth:scope:auth.globus.org:view_identity_set";
pub(super) const IDP_NAME: &str = "Local Globus";

pub(crate) fn route(shared: &Shared, req: &Request) -> Reply {
    let result = match (req.method.as_str(), req.path.as_str()) {
        ("GET", "/.well-known/openid-configuration") => Ok(Reply::ok(&openid_configuration(shared))),
        ("GET", "/jwk.json") => {
            Ok(Reply::ok(&types::JsonWebKeySet { keys: vec![shared.key.jwk()], extra: Map::new() }))
        }
        ("GET", "/v2/oauth2/authorize") => login::authorize(shared, req),
        ("GET", "/v2/web/auth-code") => Ok(login::auth_code_page(req)),
        ("POST", "/v2/oauth2/token") => grants::token(shared, req),
        ("POST", "/v2/oauth2/token/revoke") => api::revoke(shared, req),
        ("POST", "/v2/oauth2/token/introspect") => api::introspect(shared, req),
        ("GET" | "POST", "/v2/oauth2/userinfo") => api::userinfo(shared, req),
        ("GET", "/v2/api/identities") => api::identities(shared, req),
        (
            _,
            "/.well-known/openid-configuration"
            | "/jwk.json"
            | "/v2/oauth2/authorize"
            | "/v2/web/auth-code"
            | "/v2/oauth2/token"
            | "/v2/oauth2/token/revoke"
            | "/v2/oauth2/token/introspect"
            | "/v2/oauth2/userinfo"
            | "/v2/api/identities",
        ) => Err(errors::auth(
            405,
            "invalid_request",
            "METHOD_NOT_ALLOWED",
            format!("{} is not allowed on {}", req.method, req.path),
            req,
        )),
        _ => Err(errors::auth(
            404,
            "not_found",
            "NOT_FOUND",
            format!("the local Globus Auth does not serve {}", req.path),
            req,
        )),
    };
    result.unwrap_or_else(|e| e)
}

fn openid_configuration(shared: &Shared) -> types::OpenIdConfiguration {
    let base = &shared.auth_url;
    let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let mut extra = Map::new();
    extra.insert("introspection_endpoint".into(), format!("{base}/v2/oauth2/token/introspect").into());
    extra.insert("grant_types_supported".into(), json!(["authorization_code", "client_credentials", "refresh_token"]));
    extra.insert("code_challenge_methods_supported".into(), json!(["S256"]));
    types::OpenIdConfiguration {
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
    }
}

// ------------------------------------------------------------------ client authentication

/// The client calling: HTTP Basic credentials, or a native app's `client_id` form field.
pub(super) fn authenticate_client<'a>(
    shared: &'a Shared,
    req: &Request,
    form_client_id: Option<&str>,
) -> Result<&'a LocalClient, Reply> {
    let invalid = |detail: &str| errors::auth(401, "invalid_client", "INVALID_CLIENT", detail, req);
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
        return match shared.client(&id) {
            Some(c) if c.secret.as_ref().is_some_and(|s| s.expose() == secret) => Ok(c),
            _ => Err(invalid("invalid client credentials")),
        };
    }
    match form_client_id.and_then(|id| shared.client(id)) {
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

pub(super) fn invalid_grant(detail: impl Into<String>, req: &Request) -> Reply {
    errors::auth(400, "invalid_grant", "INVALID_GRANT", detail, req)
}

// ------------------------------------------------------------------ bearer-token APIs

/// The active access token of the request's `Authorization: Bearer` header, or a 401.
pub(crate) fn bearer_token(shared: &Shared, req: &Request) -> Result<TokenRecord, &'static str> {
    let header = req.header("authorization").ok_or("no Authorization header was sent")?;
    let token = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .ok_or("the Authorization header is not a Bearer token")?
        .trim();
    match lock(&shared.tokens).get(token) {
        Some(r) if r.kind == TokenKind::Access && r.is_active() => Ok(r.clone()),
        Some(r) if r.kind == TokenKind::Access => Err("the token is not active (expired or revoked)"),
        _ => Err("the token is not valid"),
    }
}

pub(super) fn unauthorized(detail: &str, req: &Request) -> Reply {
    errors::auth(401, "invalid_token", "UNAUTHORIZED", detail, req).header("www-authenticate", "Bearer")
}

pub(super) fn set_member(shared: &Shared, identity: &LocalIdentity) -> types::IdentitySetMember {
    types::IdentitySetMember {
        email: identity.email.clone(),
        identity_provider: Some(shared.identity_provider_id.clone()),
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

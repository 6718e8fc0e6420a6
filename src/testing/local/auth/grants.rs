//! The token endpoint's grants and the token responses, id_tokens included.

use std::time::SystemTime;

use base64::Engine as _;
use serde_json::{Map, Value};
use sha2::Digest as _;

use super::tokens::{AUTH_RS, Issued, RequestedScope, TokenKind, roots, unix};
use super::{
    Auth, IDP_NAME, LocalIdentity, Refusal, VIEW_IDENTITY_SET, authenticate_client, errors, invalid_grant,
    invalid_request, set_member,
};
use crate::Secret;
use crate::auth::types;
use crate::testing::local::http::{Reply, Request};
use crate::testing::local::plugin::{Call, Handled};

pub(super) fn token(auth: &Auth, call: &Call<'_>) -> Handled {
    let req = call.req;
    let form: types::OAuthTokenRequest = req.form().map_err(|e| invalid_request(e, req))?;
    let client = authenticate_client(auth, req, form.client_id.as_deref())?;
    let accounts = auth.accounts();
    let lifetime = auth.token_lifetime;
    match form.grant_type.as_str() {
        "client_credentials" => {
            if !client.is_confidential() {
                return Err(errors::error(
                    401,
                    "unauthorized_client",
                    "UNAUTHORIZED_CLIENT",
                    "native apps cannot use client credentials",
                    req,
                ));
            }
            let scopes = requested_scopes(auth, form.scope.as_deref(), req)?;
            let identity =
                accounts.find_identity(&client.id).ok_or_else(|| invalid_grant("the client has no identity", req))?;
            let issued = accounts.tokens().issue(&client.id, &client.id, &scopes, false, lifetime);
            let response =
                token_response(auth, &client.id, &identity, issued, None, None).map_err(|e| server_error(e, req))?;
            Ok(Reply::ok(&response_json(&response)))
        }
        "authorization_code" => {
            let code = form.code.as_ref().map(Secret::expose).filter(|c| !c.is_empty());
            let code = code.ok_or_else(|| invalid_request("code is required", req))?;
            let record = accounts
                .tokens()
                .redeem_code(code)
                .ok_or_else(|| invalid_grant("the authorization code is invalid, expired or already used", req))?;
            if record.client_id != client.id {
                return Err(invalid_grant("the authorization code was issued to another client", req));
            }
            if form.redirect_uri.as_deref() != Some(record.redirect_uri.as_str()) {
                return Err(invalid_grant("redirect_uri does not match the authorization request", req));
            }
            if let Some(challenge) = &record.code_challenge {
                let verifier = form.code_verifier.as_ref().map(Secret::expose).unwrap_or_default();
                if verifier.is_empty() || pkce_s256(verifier) != *challenge {
                    return Err(invalid_grant("the PKCE code_verifier does not match the code_challenge", req));
                }
            }
            let identity = accounts
                .find_identity(&record.identity_id)
                .ok_or_else(|| invalid_grant("the user of this code is gone", req))?;
            let scopes = consented(auth, &client.id, &identity.id, record.scopes.clone());
            if scopes.is_empty() {
                return Err(invalid_grant("the user's consent to these scopes was withdrawn", req));
            }
            let mut store = accounts.tokens();
            let issued = store.issue(&client.id, &identity.id, &scopes, record.refresh, lifetime);
            store.mark_consented(&issued);
            drop(store);
            let response = token_response(auth, &client.id, &identity, issued, record.state, record.nonce)
                .map_err(|e| server_error(e, req))?;
            Ok(Reply::ok(&response_json(&response)))
        }
        "refresh_token" => {
            let presented = form.refresh_token.as_ref().map(Secret::expose).unwrap_or_default();
            let record = accounts
                .tokens()
                .get(presented)
                .filter(|r| r.kind == TokenKind::Refresh && r.is_active() && r.client_id == client.id)
                .cloned()
                .ok_or_else(|| {
                    invalid_grant("the refresh token is invalid, revoked, rotated out or not this client's", req)
                })?;
            // A login's refresh token gives what the user still consents to.
            let scopes = if record.consented {
                let wanted = record
                    .scopes
                    .iter()
                    .map(|s| RequestedScope { scope: s.clone(), resource_server: record.resource_server.clone() })
                    .collect();
                consented(auth, &client.id, &record.identity_id, wanted).into_iter().map(|s| s.scope).collect()
            } else {
                record.scopes.clone()
            };
            if scopes.is_empty() {
                return Err(invalid_grant("the user's consent to the scopes of this refresh token was withdrawn", req));
            }
            let rotate = auth.rotate_refresh_tokens;
            let mut store = accounts.tokens();
            // Checked again under the lock: two refreshes with one token, only one rotates it.
            if !store.get(presented).is_some_and(|r| r.is_active()) {
                return Err(invalid_grant("the refresh token is invalid, revoked, rotated out or not this client's", req));
            }
            let mut issued =
                store.issue_one(&client.id, &record.identity_id, &record.resource_server, scopes, rotate, lifetime);
            store.set_family(&issued, &record.family, record.consented);
            if rotate {
                store.revoke_one(presented);
            } else {
                issued.refresh_token = Some(presented.to_string());
            }
            drop(store);
            let identity = accounts
                .find_identity(&record.identity_id)
                .ok_or_else(|| invalid_grant("the user of this token is gone", req))?;
            let response = token_response(auth, &client.id, &identity, vec![issued], None, None)
                .map_err(|e| server_error(e, req))?;
            Ok(Reply::ok(&response_json(&response)))
        }
        "urn:globus:auth:grant_type:dependent_token" => {
            if !client.is_confidential() {
                return Err(errors::error(
                    401,
                    "unauthorized_client",
                    "UNAUTHORIZED_CLIENT",
                    "native apps cannot get dependent tokens",
                    req,
                ));
            }
            let presented = form.token.as_ref().map(Secret::expose).unwrap_or_default();
            let record = accounts
                .tokens()
                .get(presented)
                .filter(|r| r.kind == TokenKind::Access && r.is_active())
                .cloned()
                .ok_or_else(|| invalid_grant("the token is invalid or expired", req))?;
            let scopes = requested_scopes(auth, form.scope.as_deref(), req)?;
            let offline = form.access_type.as_deref() == Some("offline");
            let issued = accounts.tokens().issue(&client.id, &record.identity_id, &scopes, offline, lifetime);
            let list: Vec<Value> = issued.iter().map(|i| other_token_json(&oauth_token(i, None))).collect();
            Ok(Reply::ok(&list))
        }
        other => Err(errors::error(
            400,
            "unsupported_grant_type",
            "UNSUPPORTED_GRANT_TYPE",
            format!("grant_type {other:?} is not supported"),
            req,
        )),
    }
}

/// The scopes a grant asks for: each must be a scope of an emulated service (Auth's
/// `invalid_scope`, 400, otherwise).
fn requested_scopes(auth: &Auth, scope: Option<&str>, req: &Request) -> Result<Vec<RequestedScope>, Reply> {
    let scope = scope.unwrap_or_default();
    let scopes = auth
        .accounts()
        .requested_scopes(scope)
        .map_err(|e| errors::error(400, "invalid_scope", "INVALID_SCOPE", e, req))?;
    if scopes.is_empty() {
        return Err(errors::error(400, "invalid_scope", "INVALID_SCOPE", "no scope requested", req));
    }
    Ok(scopes)
}

/// The scopes of `wanted` that `identity_id` consents to `client_id` using (and note their
/// use).
fn consented(auth: &Auth, client_id: &str, identity_id: &str, wanted: Vec<RequestedScope>) -> Vec<RequestedScope> {
    let mut consents = auth.accounts().consents();
    let kept: Vec<RequestedScope> =
        wanted.into_iter().filter(|s| consents.allows(client_id, identity_id, &s.scope)).collect();
    consents.touch(client_id, identity_id, &kept.iter().map(|s| s.scope.clone()).collect::<Vec<_>>());
    kept
}

fn server_error(detail: String, req: &Request) -> Reply {
    errors::error(500, "server_error", "INTERNAL_ERROR", detail, req)
}

/// PKCE S256: base64url(SHA-256(verifier)), unpadded.
fn pkce_s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()))
}

fn oauth_token(i: &Issued, state: Option<String>) -> types::OAuthToken {
    types::OAuthToken {
        access_token: Secret::new(&i.access_token),
        expires_in: Some(i.expires_in),
        refresh_token: i.refresh_token.as_ref().map(Secret::new),
        resource_server: i.resource_server.clone(),
        scope: i.scope.clone(),
        state,
        token_type: Some("Bearer".into()),
        extra: Map::new(),
    }
}

/// The token response: the first token at the top level (Auth's when there is one), the
/// others in `other_tokens`, and an id_token when `openid` was granted.
fn token_response(
    auth: &Auth,
    client_id: &str,
    identity: &LocalIdentity,
    issued: Vec<Issued>,
    state: Option<String>,
    nonce: Option<String>,
) -> Result<types::OAuthTokenResponse, String> {
    let mut it = issued.into_iter();
    let top = it.next().ok_or("no token issued")?;
    let auth_scopes: Vec<String> =
        if top.resource_server == AUTH_RS { top.scope.split(' ').map(str::to_string).collect() } else { Vec::new() };
    let id_token = if auth_scopes.iter().any(|s| s == "openid") {
        Some(Secret::new(id_token(auth, client_id, identity, &auth_scopes, nonce)?))
    } else {
        None
    };
    Ok(types::OAuthTokenResponse {
        access_token: Secret::new(&top.access_token),
        expires_in: Some(top.expires_in),
        id_token,
        other_tokens: it.map(|i| oauth_token(&i, state.clone())).collect(),
        refresh_token: top.refresh_token.as_ref().map(Secret::new),
        resource_server: top.resource_server.clone(),
        scope: top.scope.clone(),
        state,
        token_type: Some("Bearer".into()),
        extra: Map::new(),
    })
}

/// The response as Globus sends it: `other_tokens` always present, `refresh_token` null when
/// there is none.
fn response_json(r: &types::OAuthTokenResponse) -> Value {
    let mut v = serde_json::to_value(r).unwrap_or(Value::Null);
    if let Some(obj) = v.as_object_mut() {
        obj.entry("refresh_token").or_insert(Value::Null);
        obj.insert("other_tokens".into(), Value::Array(r.other_tokens.iter().map(other_token_json).collect()));
    }
    v
}

fn other_token_json(t: &types::OAuthToken) -> Value {
    let mut v = serde_json::to_value(t).unwrap_or(Value::Null);
    if let Some(obj) = v.as_object_mut() {
        obj.entry("refresh_token").or_insert(Value::Null);
    }
    v
}

fn identity_claims(auth: &Auth, identity: &LocalIdentity, claims: &mut Map<String, Value>, profile: bool, email: bool) {
    if profile {
        claims.insert("preferred_username".into(), identity.username.clone().into());
        claims.insert("name".into(), identity.name.clone().into());
        claims.insert("organization".into(), identity.organization.clone().into());
        claims.insert("identity_provider".into(), auth.accounts().identity_provider_id().into());
        claims.insert("identity_provider_display_name".into(), IDP_NAME.into());
    }
    if email {
        claims.insert("email".into(), identity.email.clone().into());
    }
}

fn id_token(
    auth: &Auth,
    client_id: &str,
    identity: &LocalIdentity,
    scopes: &[String],
    nonce: Option<String>,
) -> Result<String, String> {
    let now = unix(SystemTime::now());
    let mut claims = Map::new();
    claims.insert("iss".into(), auth.url.clone().into());
    claims.insert("sub".into(), identity.id.clone().into());
    claims.insert("aud".into(), client_id.into());
    claims.insert("iat".into(), now.into());
    let lifetime = i64::try_from(auth.token_lifetime.as_secs()).unwrap_or(i64::MAX);
    claims.insert("exp".into(), now.saturating_add(lifetime).into());
    claims.insert("last_authentication".into(), now.into());
    let has = |s: &str| scopes.iter().any(|x| x == s);
    identity_claims(auth, identity, &mut claims, has("profile"), has("email"));
    if has(VIEW_IDENTITY_SET) {
        claims
            .insert("identity_set".into(), serde_json::to_value(vec![set_member(auth, identity)]).unwrap_or_default());
    }
    if let Some(n) = nonce {
        claims.insert("nonce".into(), n.into());
    }
    auth.key.sign(&claims)
}

/// Tokens issued without a grant request (for `LocalGlobus::issue_tokens`).
pub(super) fn issue_direct(
    auth: &Auth,
    client_id: &str,
    identity: &str,
    scopes: &str,
    refresh: bool,
) -> Result<types::OAuthTokenResponse, Refusal> {
    let accounts = auth.accounts();
    let client = accounts.client(client_id).ok_or(("invalid_client", format!("unknown client {client_id:?}")))?;
    let identity =
        accounts.find_identity(identity).ok_or(("access_denied", format!("unknown identity {identity:?}")))?;
    let tree = accounts.requested_scope_tree(scopes).map_err(|e| ("invalid_scope", e))?;
    if tree.is_empty() {
        return Err(("invalid_scope", "no scope requested".into()));
    }
    // A user's tokens come with the user's consents, as after a login.
    let for_user = identity.id != client.id;
    if for_user {
        accounts.consents().record(&client.id, &identity.id, &tree, refresh);
    }
    let mut store = accounts.tokens();
    let issued = store.issue(&client.id, &identity.id, &roots(&tree), refresh, auth.token_lifetime);
    if for_user {
        store.mark_consented(&issued);
    }
    drop(store);
    token_response(auth, &client.id, &identity, issued, None, None).map_err(|e| ("server_error", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_matches_rfc_7636() {
        assert_eq!(
            pkce_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}

//! Revocation, introspection, userinfo and identities.

use std::collections::HashSet;

use serde_json::{Map, json};

use super::{Handled, IDP_NAME, VIEW_IDENTITY_SET, authenticate_client, bearer_token, set_member, unauthorized};
use crate::auth::types;
use crate::testing::local::server::{Reply, Request};
use crate::testing::local::tokens::{AUTH_RS, TokenRecord, unix};
use crate::testing::local::{LocalIdentity, Shared, errors, lock};

pub(super) fn revoke(shared: &Shared, req: &Request) -> Handled {
    let form: types::OAuthRevokeTokenRequest =
        req.form().map_err(|e| errors::auth(400, "invalid_request", "INVALID_REQUEST", e, req))?;
    let client = authenticate_client(shared, req, form.client_id.as_deref())?;
    let mut store = lock(&shared.tokens);
    // RFC 7009: an unknown token, or another client's, is not an error.
    if store.get(form.token.expose()).is_some_and(|r| r.client_id == client.id) {
        store.revoke(form.token.expose());
    }
    Ok(Reply::ok(&types::OAuthRevokeTokenResponse { active: Some(false), extra: Map::new() }))
}

pub(super) fn introspect(shared: &Shared, req: &Request) -> Handled {
    let form: types::OAuthTokenIntrospectRequest =
        req.form().map_err(|e| errors::auth(400, "invalid_request", "INVALID_REQUEST", e, req))?;
    let client = authenticate_client(shared, req, None)?;
    if !client.is_confidential() {
        return Err(errors::auth(
            401,
            "invalid_client",
            "INVALID_CLIENT",
            "introspection needs client credentials",
            req,
        ));
    }
    let record = lock(&shared.tokens).get(form.token.expose()).cloned().filter(TokenRecord::is_active);
    let identity = record.as_ref().and_then(|r| shared.find_identity(&r.identity_id));
    let (Some(record), Some(identity)) = (record, identity) else {
        return Ok(Reply::ok(&json!({"active": false})));
    };
    let include: HashSet<&str> = form.include.as_deref().unwrap_or_default().split(',').map(str::trim).collect();
    let issued = unix(record.issued_at);
    let response = types::OAuthTokenIntrospectResponse {
        active: true,
        aud: vec![record.resource_server.clone(), record.client_id.clone()],
        client_id: Some(record.client_id.clone()),
        email: identity.email.clone(),
        exp: record.expires_at.map(unix),
        iat: Some(issued),
        identity_set: if include.contains("identity_set") { vec![identity.id.clone()] } else { Vec::new() },
        identity_set_detail: if include.contains("identity_set_detail") {
            vec![set_member(shared, &identity)]
        } else {
            Vec::new()
        },
        iss: Some(shared.auth_url.clone()),
        name: identity.name.clone(),
        nbf: Some(issued),
        policy_evaluations: Map::new(),
        scope: Some(record.scope_string()),
        session_info: include.contains("session_info").then(|| types::SessionInfo {
            session_id: Some(uuid::Uuid::new_v4().to_string()),
            authentications: Default::default(),
            extra: Map::new(),
        }),
        sub: Some(identity.id.clone()),
        token_type: Some("Bearer".into()),
        username: Some(identity.username.clone()),
        extra: Map::new(),
    };
    Ok(Reply::ok(&response))
}

pub(super) fn userinfo(shared: &Shared, req: &Request) -> Handled {
    let record = bearer_token(shared, req).map_err(|d| unauthorized(d, req))?;
    if record.resource_server != AUTH_RS || !record.has_scope("openid") {
        return Err(errors::auth(
            403,
            "insufficient_scope",
            "FORBIDDEN",
            "userinfo needs a token with the openid scope",
            req,
        ));
    }
    let identity = shared
        .find_identity(&record.identity_id)
        .ok_or_else(|| unauthorized("the identity of this token is gone", req))?;
    let profile = record.has_scope("profile");
    let email = record.has_scope("email");
    let info = types::UserInfo {
        email: if email { identity.email.clone() } else { None },
        identity_provider: profile.then(|| shared.identity_provider_id.clone()),
        identity_provider_display_name: profile.then(|| IDP_NAME.to_string()),
        identity_set: if record.has_scope(VIEW_IDENTITY_SET) {
            vec![set_member(shared, &identity)]
        } else {
            Vec::new()
        },
        last_authentication: profile.then(|| unix(record.issued_at)),
        name: if profile { identity.name.clone() } else { None },
        organization: if profile { identity.organization.clone() } else { None },
        preferred_username: profile.then(|| identity.username.clone()),
        sub: identity.id.clone(),
        extra: Map::new(),
    };
    Ok(Reply::ok(&info))
}

pub(super) fn identities(shared: &Shared, req: &Request) -> Handled {
    // Clients look identities up with their credentials; users with an Auth token.
    if req.header("authorization").is_some_and(|h| h.to_ascii_lowercase().starts_with("basic ")) {
        authenticate_client(shared, req, None)?;
    } else {
        let record = bearer_token(shared, req).map_err(|d| unauthorized(d, req))?;
        if record.resource_server != AUTH_RS {
            return Err(errors::auth(403, "insufficient_scope", "FORBIDDEN", "this token is not for Globus Auth", req));
        }
    }
    let list = |name: &str| -> Vec<String> {
        req.query(name)
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    };
    let (ids, usernames) = (list("ids"), list("usernames"));
    if !ids.is_empty() && !usernames.is_empty() {
        return Err(errors::auth(
            400,
            "invalid_request",
            "INVALID_PARAMETERS",
            "ids and usernames are mutually exclusive",
            req,
        ));
    }
    let provision = matches!(req.query("provision"), Some("true" | "True" | "1"));
    let mut found = Vec::new();
    for id in &ids {
        if let Some(i) = lock(&shared.identities).iter().find(|i| &i.id == id) {
            found.push(identity_doc(shared, i, "used"));
        }
    }
    for username in &usernames {
        let known = shared.find_identity(username);
        match known {
            Some(i) => found.push(identity_doc(shared, &i, "used")),
            None if provision => {
                let i = LocalIdentity {
                    id: uuid::Uuid::new_v4().to_string(),
                    username: username.to_ascii_lowercase(),
                    name: None,
                    email: None,
                    organization: None,
                };
                lock(&shared.identities).push(i.clone());
                found.push(identity_doc(shared, &i, "unused"));
            }
            None => {}
        }
    }
    let included =
        req.query("include").is_some_and(|v| v.split(',').any(|x| x.trim() == "identity_provider")).then(|| {
            types::IdentitiesIncluded {
                identity_providers: vec![types::IdentityProvider {
                    alternative_names: Vec::new(),
                    domains: vec!["example.org".into(), "clients.auth.globus.org".into()],
                    id: shared.identity_provider_id.clone(),
                    name: Some(IDP_NAME.into()),
                    short_name: Some("localglobus".into()),
                    extra: Map::new(),
                }],
                extra: Map::new(),
            }
        });
    Ok(Reply::ok(&types::GetIdentitiesResponse { identities: found, included, extra: Map::new() }))
}

fn identity_doc(shared: &Shared, i: &LocalIdentity, status: &str) -> types::Identity {
    types::Identity {
        email: i.email.clone(),
        id: i.id.clone(),
        identity_provider: Some(shared.identity_provider_id.clone()),
        identity_type: Some("login".into()),
        name: i.name.clone(),
        organization: i.organization.clone(),
        status: Some(status.into()),
        username: Some(i.username.clone()),
        extra: Map::new(),
    }
}

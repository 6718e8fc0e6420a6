//! Revocation, introspection, userinfo, identities and consents.

use std::collections::HashSet;

use serde_json::{Map, json};

use super::tokens::{AUTH_RS, TokenRecord, unix};
use super::{
    Auth, IDP_NAME, LocalIdentity, VIEW_CONSENTS, VIEW_IDENTITY_SET, authenticate_client, errors, invalid_request, set_member,
    unauthorized,
};
use crate::auth::types;
use crate::testing::local::http::Reply;
use crate::testing::local::plugin::{Call, Handled};

pub(super) fn revoke(auth: &Auth, call: &Call<'_>) -> Handled {
    let req = call.req;
    let form: types::OAuthRevokeTokenRequest = req.form().map_err(|e| invalid_request(e, req))?;
    let client = authenticate_client(auth, req, form.client_id.as_deref())?;
    let mut store = auth.accounts().tokens();
    // RFC 7009: an unknown token, or another client's, is not an error.
    if store.get(form.token.expose()).is_some_and(|r| r.client_id == client.id) {
        store.revoke(form.token.expose());
    }
    Ok(Reply::ok(&types::OAuthRevokeTokenResponse { active: Some(false), extra: Map::new() }))
}

pub(super) fn introspect(auth: &Auth, call: &Call<'_>) -> Handled {
    let req = call.req;
    let accounts = auth.accounts();
    let form: types::OAuthTokenIntrospectRequest = req.form().map_err(|e| invalid_request(e, req))?;
    let client = authenticate_client(auth, req, None)?;
    if !client.is_confidential() {
        return Err(errors::error(
            401,
            "invalid_client",
            "INVALID_CLIENT",
            "introspection needs client credentials",
            req,
        ));
    }
    let record = accounts.tokens().get(form.token.expose()).cloned().filter(TokenRecord::is_active);
    let identity = record.as_ref().and_then(|r| accounts.find_identity(&r.identity_id));
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
            vec![set_member(auth, &identity)]
        } else {
            Vec::new()
        },
        iss: Some(auth.url.clone()),
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

pub(super) fn userinfo(auth: &Auth, call: &Call<'_>) -> Handled {
    let req = call.req;
    let accounts = auth.accounts();
    let record = accounts.access_token(req.header("authorization")).map_err(|d| unauthorized(d, req))?;
    if record.resource_server != AUTH_RS || !record.has_scope("openid") {
        return Err(errors::error(
            403,
            "insufficient_scope",
            "FORBIDDEN",
            "userinfo needs a token with the openid scope",
            req,
        ));
    }
    let identity = accounts
        .find_identity(&record.identity_id)
        .ok_or_else(|| unauthorized("the identity of this token is gone", req))?;
    let profile = record.has_scope("profile");
    let email = record.has_scope("email");
    let info = types::UserInfo {
        email: if email { identity.email.clone() } else { None },
        identity_provider: profile.then(|| accounts.identity_provider_id().to_string()),
        identity_provider_display_name: profile.then(|| IDP_NAME.to_string()),
        identity_set: if record.has_scope(VIEW_IDENTITY_SET) { vec![set_member(auth, &identity)] } else { Vec::new() },
        last_authentication: profile.then(|| unix(record.issued_at)),
        name: if profile { identity.name.clone() } else { None },
        organization: if profile { identity.organization.clone() } else { None },
        preferred_username: profile.then(|| identity.username.clone()),
        sub: identity.id.clone(),
        extra: Map::new(),
    };
    Ok(Reply::ok(&info))
}

pub(super) fn identities(auth: &Auth, call: &Call<'_>) -> Handled {
    let req = call.req;
    let accounts = auth.accounts();
    // Clients look identities up with their credentials; users with an Auth token.
    if req.header("authorization").is_some_and(|h| h.to_ascii_lowercase().starts_with("basic ")) {
        authenticate_client(auth, req, None)?;
    } else {
        let record = accounts.access_token(req.header("authorization")).map_err(|d| unauthorized(d, req))?;
        if record.resource_server != AUTH_RS {
            return Err(errors::error(
                403,
                "insufficient_scope",
                "FORBIDDEN",
                "this token is not for Globus Auth",
                req,
            ));
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
        return Err(errors::error(
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
        if let Some(i) = accounts.identity_by_id(id) {
            found.push(identity_doc(auth, &i, "used"));
        }
    }
    for username in &usernames {
        match accounts.find_identity(username) {
            Some(i) => found.push(identity_doc(auth, &i, "used")),
            None if provision => {
                let (i, made) = accounts.provision(username);
                found.push(identity_doc(auth, &i, if made { "unused" } else { "used" }));
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
                    id: accounts.identity_provider_id().to_string(),
                    name: Some(IDP_NAME.into()),
                    short_name: Some("localglobus".into()),
                    extra: Map::new(),
                }],
                extra: Map::new(),
            }
        });
    Ok(Reply::ok(&types::GetIdentitiesResponse { identities: found, included, extra: Map::new() }))
}

fn identity_doc(auth: &Auth, i: &LocalIdentity, status: &str) -> types::Identity {
    types::Identity {
        email: i.email.clone(),
        id: i.id.clone(),
        identity_provider: Some(auth.accounts().identity_provider_id().to_string()),
        identity_type: Some("login".into()),
        name: i.name.clone(),
        organization: i.organization.clone(),
        status: Some(status.into()),
        username: Some(i.username.clone()),
        extra: Map::new(),
    }
}

/// `get_consents`: the consents of `identity_id` rooted at the calling client, or with
/// `all=true` every one of them (the caller's token needs `view_consents`). The caller is a
/// user's Auth token (for that user's own consents) or a client's credentials (HTTP Basic:
/// the consents users gave that client).
pub(super) fn consents(auth: &Auth, call: &Call<'_>) -> Handled {
    let req = call.req;
    let accounts = auth.accounts();
    let identity_id = call.param("identity_id")?;
    let all = match req.query("all") {
        None | Some("false" | "False" | "0" | "") => false,
        Some("true" | "True" | "1") => true,
        Some(other) => {
            return Err(errors::error(
                400,
                "invalid_request",
                "INVALID_PARAMETERS",
                format!("all={other:?}: use true or false"),
                req,
            ));
        }
    };
    let forbidden = |detail: &str| errors::error(403, "access_denied", "FORBIDDEN", detail, req);
    let (client_id, may_see_all) =
        if req.header("authorization").is_some_and(|h| h.to_ascii_lowercase().starts_with("basic ")) {
            (authenticate_client(auth, req, None)?.id.clone(), false)
        } else {
            let record = accounts.access_token(req.header("authorization")).map_err(|d| unauthorized(d, req))?;
            if record.resource_server != AUTH_RS {
                return Err(forbidden("this token is not for Globus Auth"));
            }
            if record.identity_id != identity_id {
                return Err(forbidden("a user's token lists that user's consents only"));
            }
            (record.client_id.clone(), record.has_scope(VIEW_CONSENTS))
        };
    if all && !may_see_all {
        return Err(forbidden(&format!("all=true needs a user's token with the scope {VIEW_CONSENTS}")));
    }
    let list = accounts.consents().list(identity_id, if all { None } else { Some(&client_id) });
    let consents: Vec<serde_json::Value> = list.iter().map(|c| c.to_json()).collect();
    Ok(Reply::ok(&json!({ "consents": consents })))
}

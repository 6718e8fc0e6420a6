//! The authorize page and approvals: a login approved at once, without a browser.

use std::time::SystemTime;

use super::tokens::CodeRecord;
use super::{Accounts, Approval, Auth, Refusal};
use crate::testing::local::http::Reply;
use crate::testing::local::plugin::{Call, Handled};

/// The approval an authorize request's query asks for.
pub(super) fn approval_from_query(accounts: &Accounts, query: &[(String, String)]) -> Result<Approval, Refusal> {
    let get = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let required =
        |name: &str| get(name).filter(|v| !v.is_empty()).ok_or(("invalid_request", format!("{name} is required")));
    if let Some(rt) = get("response_type")
        && rt != "code"
    {
        return Err(("unsupported_response_type", format!("response_type {rt:?} is not supported; use code")));
    }
    let mut approval = Approval::new(required("client_id")?, required("scope")?, required("redirect_uri")?);
    approval.code_challenge = get("code_challenge");
    approval.code_challenge_method = get("code_challenge_method");
    approval.refresh_tokens = get("access_type").as_deref() == Some("offline");
    approval.state = get("state");
    approval.nonce = get("nonce");
    if let Some(wanted) = get("session_required_identities").filter(|v| !v.is_empty()) {
        let found = wanted.split(',').map(str::trim).find_map(|w| accounts.find_identity(w));
        match found {
            Some(identity) => approval.identity = Some(identity.id),
            None => {
                return Err((
                    "access_denied",
                    format!("none of the session_required_identities {wanted:?} is a user of the local Globus"),
                ));
            }
        }
    }
    Ok(approval)
}

/// Record the user's consent and return the authorization code.
pub(super) fn approve(accounts: &Accounts, approval: &Approval) -> Result<String, Refusal> {
    let client = accounts
        .client(&approval.client_id)
        .ok_or(("invalid_client", format!("unknown client {:?}", approval.client_id)))?;
    let scopes = accounts.requested_scopes(&approval.scopes).map_err(|e| ("invalid_scope", e))?;
    if scopes.is_empty() {
        return Err(("invalid_scope", "no scope requested".into()));
    }
    let identity = match &approval.identity {
        Some(who) => accounts.find_identity(who).ok_or(("access_denied", format!("unknown user {who:?}")))?,
        None => accounts.default_user(),
    };
    if !client.may_redirect_to(&approval.redirect_uri) {
        return Err(("invalid_request", unregistered(&approval.redirect_uri, &client.id)));
    }
    match (&approval.code_challenge, approval.code_challenge_method.as_deref()) {
        (Some(c), None | Some("S256")) => {
            if !(43..=128).contains(&c.len()) {
                return Err(("invalid_request", "code_challenge must be 43 to 128 characters long".into()));
            }
        }
        (Some(_), Some(m)) => {
            return Err(("invalid_request", format!("code_challenge_method {m:?} is not supported; use S256")));
        }
        (None, _) if !client.is_confidential() => {
            return Err(("invalid_request", "native apps must send a PKCE code_challenge (S256)".into()));
        }
        (None, _) => {}
    }
    let record = CodeRecord {
        client_id: client.id.clone(),
        identity_id: identity.id,
        scopes,
        redirect_uri: approval.redirect_uri.clone(),
        code_challenge: approval.code_challenge.clone(),
        refresh: approval.refresh_tokens,
        state: approval.state.clone(),
        nonce: approval.nonce.clone(),
        expires_at: SystemTime::now(),
    };
    Ok(accounts.tokens().add_code(record))
}

/// Why a redirect URI is refused.
fn unregistered(uri: &str, client_id: &str) -> String {
    format!(
        "redirect_uri {uri:?} is not registered for client {client_id} (native clients may use loopback URIs, \
         confidential clients the URIs registered with the builder)"
    )
}

/// The authorize page: the default user (or the one `session_required_identities` names)
/// approves at once, and the browser goes back to `redirect_uri` with the code, or with
/// the error. Nothing is sent to a redirect URI before the client is known and the URI is
/// one it may use: otherwise the answer is an error page (HTML, 400), never a redirect.
pub(super) fn authorize(auth: &Auth, call: &Call<'_>) -> Handled {
    let req = call.req;
    let accounts = auth.accounts();
    let given = |name: &str| req.query(name).filter(|v| !v.is_empty());
    let client_id = given("client_id").ok_or_else(|| error_page("client_id is required"))?;
    let client = accounts.client(client_id).ok_or_else(|| error_page(&format!("unknown client_id {client_id:?}")))?;
    let redirect_uri = given("redirect_uri").ok_or_else(|| error_page("redirect_uri is required"))?;
    if !client.may_redirect_to(redirect_uri) {
        return Err(error_page(&unregistered(redirect_uri, client_id)));
    }
    let mut target = url::Url::parse(redirect_uri).map_err(|e| error_page(&format!("redirect_uri: {e}")))?;
    match approval_from_query(accounts, &req.query).and_then(|approval| approve(accounts, &approval)) {
        Ok(code) => {
            target.query_pairs_mut().append_pair("code", &code);
        }
        Err((error, detail)) => {
            target.query_pairs_mut().append_pair("error", error).append_pair("error_description", &detail);
        }
    }
    if let Some(state) = req.query("state") {
        target.query_pairs_mut().append_pair("state", state);
    }
    Ok(Reply::redirect(target.as_str()))
}

/// `text` with HTML's special characters escaped.
fn html_escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '&' => "&amp;".to_string(),
            '"' => "&quot;".to_string(),
            c => c.to_string(),
        })
        .collect()
}

/// The authorize page's error page, for a request that cannot be redirected.
fn error_page(detail: &str) -> Reply {
    let html = format!(
        "<!doctype html><html><head><title>Authorization error</title></head><body>\
         <h1>Authorization error</h1><p id=\"error\">{}</p></body></html>\n",
        html_escape(detail)
    );
    Reply::bytes(400, "text/html; charset=utf-8", html)
}

/// Auth's page for native apps that shows the code to copy.
pub(super) fn auth_code_page(_auth: &Auth, call: &Call<'_>) -> Handled {
    let escaped = html_escape(call.req.query("code").unwrap_or_default());
    let html = format!(
        "<!doctype html><html><head><title>Native App Authorization Code</title></head><body>\
         <h1>Native App Authorization Code</h1><p>Copy this code back into your application:</p>\
         <pre id=\"code\">{escaped}</pre></body></html>\n"
    );
    Ok(Reply::bytes(200, "text/html; charset=utf-8", html))
}

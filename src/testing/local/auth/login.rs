//! The authorize page and approvals: a login approved at once, or on an approval page a
//! plain HTTP client can answer (a form, no JavaScript); each approval records consents.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use super::tokens::{CodeRecord, ScopeNode, later, random_string, roots};
use super::{Accounts, Approval, Auth, LocalIdentity, Refusal};
use crate::testing::local::core::lock;
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

/// An approval checked: the client may log in with it, for this user and these scopes.
pub(super) struct Checked {
    client_id: String,
    client_name: String,
    identity: LocalIdentity,
    tree: Vec<ScopeNode>,
}

/// Check an approval without giving it: the client, the scopes, the user, the redirect
/// URI and PKCE.
pub(super) fn check(accounts: &Accounts, approval: &Approval) -> Result<Checked, Refusal> {
    let client = accounts
        .client(&approval.client_id)
        .ok_or(("invalid_client", format!("unknown client {:?}", approval.client_id)))?;
    let tree = accounts.requested_scope_tree(&approval.scopes).map_err(|e| ("invalid_scope", e))?;
    if tree.is_empty() {
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
    Ok(Checked { client_id: client.id.clone(), client_name: client.name.clone(), identity, tree })
}

/// Give the user's consent: record a consent per scope (dependent scopes below their
/// parent) and return the authorization code.
pub(super) fn approve(accounts: &Accounts, approval: &Approval) -> Result<String, Refusal> {
    let checked = check(accounts, approval)?;
    accounts.consents().record(&checked.client_id, &checked.identity.id, &checked.tree, approval.refresh_tokens);
    let record = CodeRecord {
        client_id: checked.client_id,
        identity_id: checked.identity.id,
        scopes: roots(&checked.tree),
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

/// The authorize page. Nothing is sent to a redirect URI before the client is known and the
/// URI is one it may use: otherwise the answer is an error page (HTML, 400), never a
/// redirect. Then, approving at once (the default), the default user (or the one
/// `session_required_identities` names) approves and the browser goes back to
/// `redirect_uri` with the code, or with the error; with the approval page
/// ([`LocalGlobusBuilder::approval_page`](crate::testing::LocalGlobusBuilder::approval_page)),
/// a request that would be approved shows the page, whose form [`decide`] answers.
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
    let target = url::Url::parse(redirect_uri).map_err(|e| error_page(&format!("redirect_uri: {e}")))?;
    let approval = approval_from_query(accounts, &req.query);
    let outcome = if auth.approval_page {
        match approval.and_then(|a| check(accounts, &a).map(|checked| (a, checked))) {
            Ok((approval, checked)) => {
                let id = lock(&auth.pending).remember(approval);
                return Ok(approval_page(&id, &checked));
            }
            Err(refusal) => Err(refusal),
        }
    } else {
        approval.and_then(|a| approve(accounts, &a))
    };
    Ok(Reply::redirect(&back_to(target, outcome, req.query("state"))))
}

/// The redirect URI with the code, or the error, and the state.
fn back_to(mut target: url::Url, outcome: Result<String, Refusal>, state: Option<&str>) -> String {
    match outcome {
        Ok(code) => {
            target.query_pairs_mut().append_pair("code", &code);
        }
        Err((error, detail)) => {
            target.query_pairs_mut().append_pair("error", error).append_pair("error_description", &detail);
        }
    }
    if let Some(state) = state {
        target.query_pairs_mut().append_pair("state", state);
    }
    target.into()
}

/// How long the approval page's form can be answered.
const PENDING_LIFETIME: Duration = Duration::from_secs(600);
/// How many approval pages may wait for an answer (the oldest is forgotten beyond).
const MAX_PENDING: usize = 1000;

/// The logins the approval page shows, waiting for the user's answer, by request id.
#[derive(Default)]
pub(super) struct PendingLogins {
    waiting: HashMap<String, (Approval, SystemTime)>,
}

impl PendingLogins {
    /// Keep `approval` until it is answered; returns its request id.
    fn remember(&mut self, approval: Approval) -> String {
        let now = SystemTime::now();
        self.waiting.retain(|_, (_, expires)| *expires > now);
        while self.waiting.len() >= MAX_PENDING {
            let oldest = self.waiting.iter().min_by_key(|(_, (_, expires))| *expires).map(|(id, _)| id.clone());
            match oldest {
                Some(id) => self.waiting.remove(&id),
                None => break,
            };
        }
        let id = random_string(32);
        self.waiting.insert(id.clone(), (approval, later(now, PENDING_LIFETIME)));
        id
    }

    /// Take the login `id` out (it is answered once); None when unknown, answered or expired.
    fn take(&mut self, id: &str) -> Option<Approval> {
        self.waiting.remove(id).filter(|(_, expires)| *expires > SystemTime::now()).map(|(a, _)| a)
    }
}

/// The approval page: the client, the user and the scopes (dependent scopes nested), and a
/// form posted back to `/v2/oauth2/authorize` with `request` (hidden) and `decision`
/// (`approve` or `deny`, one button each).
fn approval_page(request_id: &str, checked: &Checked) -> Reply {
    let identity = &checked.identity;
    let who = match &identity.name {
        Some(name) => format!("{} ({})", html_escape(name), html_escape(&identity.username)),
        None => html_escape(&identity.username),
    };
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Allow {client}?</title></head><body>\n\
         <h1>Allow <span id=\"client\">{client}</span> to use your Globus account?</h1>\n\
         <p>Client id: <code id=\"client-id\">{client_id}</code></p>\n\
         <p>Logged in as <span id=\"identity\">{who}</span>, identity <code id=\"identity-id\">{identity_id}</code>.</p>\n\
         <p>It asks for these scopes (dependent scopes below the scope that uses them):</p>\n\
         {scopes}\
         <form method=\"post\" action=\"/v2/oauth2/authorize\">\n\
         <input type=\"hidden\" name=\"request\" value=\"{request}\">\n\
         <button type=\"submit\" name=\"decision\" value=\"approve\" id=\"approve\">Allow</button>\n\
         <button type=\"submit\" name=\"decision\" value=\"deny\" id=\"deny\">Deny</button>\n\
         </form></body></html>\n",
        client = html_escape(&checked.client_name),
        client_id = html_escape(&checked.client_id),
        identity_id = html_escape(&identity.id),
        scopes = scope_list(&checked.tree, "scopes"),
        request = html_escape(request_id),
    );
    Reply::bytes(200, "text/html; charset=utf-8", html)
        .header("cache-control", "no-store")
        .header("x-frame-options", "DENY")
        .header("content-security-policy", "default-src 'none'; frame-ancestors 'none'")
}

/// The scopes as nested lists.
fn scope_list(tree: &[ScopeNode], id: &str) -> String {
    let id = if id.is_empty() { String::new() } else { format!(" id=\"{id}\"") };
    let items: String = tree
        .iter()
        .map(|n| {
            let below = if n.dependents.is_empty() { String::new() } else { scope_list(&n.dependents, "") };
            format!("<li><code class=\"scope\">{}</code>{below}</li>\n", html_escape(&n.scope))
        })
        .collect();
    format!("<ul{id}>\n{items}</ul>\n")
}

/// The approval page's form answered: `request` (the page's hidden field) and `decision`
/// (`approve`: the code goes to the redirect URI; `deny`: `error=access_denied`), with
/// `303 See Other` to the redirect URI and the login's `state`. An unknown, expired or
/// already answered request, or another decision, is an error page (400).
pub(super) fn decide(auth: &Auth, call: &Call<'_>) -> Handled {
    let req = call.req;
    let form: Vec<(String, String)> =
        serde_urlencoded::from_bytes(&req.body).map_err(|e| error_page(&format!("the form is not valid: {e}")))?;
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let decision = match field("decision") {
        Some(d @ ("approve" | "deny")) => d,
        Some(other) => return Err(error_page(&format!("decision {other:?}: use approve or deny"))),
        None => return Err(error_page("decision is required (approve or deny)")),
    };
    let id = field("request").ok_or_else(|| error_page("request is required"))?;
    let approval = lock(&auth.pending).take(id).ok_or_else(|| {
        error_page("this authorization request is unknown, expired or already answered: start the login again")
    })?;
    let target = url::Url::parse(&approval.redirect_uri).map_err(|e| error_page(&format!("redirect_uri: {e}")))?;
    let outcome = match decision {
        "approve" => approve(auth.accounts(), &approval),
        _ => Err(("access_denied", "the user denied the authorization request".to_string())),
    };
    let mut reply = Reply::redirect(&back_to(target, outcome, approval.state.as_deref()));
    reply.status = http::StatusCode::SEE_OTHER;
    Ok(reply)
}

/// `text` with HTML's special characters escaped.
fn html_escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '&' => "&amp;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&#39;".to_string(),
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

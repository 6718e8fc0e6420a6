//! Tokens and authorization codes: opaque random strings that carry scopes, a resource
//! server, an identity and an expiry.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use rand::Rng as _;

/// Auth's own resource server.
pub(crate) const AUTH_RS: &str = "auth.globus.org";
/// How long an authorization code can be exchanged.
const CODE_LIFETIME: Duration = Duration::from_secs(600);

/// One requested scope (without its dependent scopes) and the resource server it is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RequestedScope {
    pub scope: String,
    pub resource_server: String,
}

/// One scope of a scope string with its dependent scopes (the brackets), as a user consents
/// to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ScopeNode {
    pub scope: String,
    pub resource_server: String,
    pub dependents: Vec<ScopeNode>,
}

/// How deep dependent scopes may nest (deeper is refused: no request recurses without bound).
const MAX_SCOPE_DEPTH: usize = 8;

/// Parse a space-separated scope string (`openid profile urn:...:all[*https://...]`) into
/// trees. Every scope, dependent scopes in brackets included (`*` marks an optional one),
/// must be one `known` names (it gives each known scope's resource server). A scope named
/// twice at the same level is one node, its dependents merged.
pub(crate) fn parse_scope_tree(s: &str, known: &dyn Fn(&str) -> Option<String>) -> Result<Vec<ScopeNode>, String> {
    parse_level(s, known, 0)
}

fn parse_level(s: &str, known: &dyn Fn(&str) -> Option<String>, depth: usize) -> Result<Vec<ScopeNode>, String> {
    if depth > MAX_SCOPE_DEPTH && !s.trim().is_empty() {
        return Err(format!("dependent scopes nest deeper than {MAX_SCOPE_DEPTH} levels"));
    }
    let mut out: Vec<ScopeNode> = Vec::new();
    for part in split_scopes(s)? {
        let (base, dependents) = match part.split_once('[') {
            Some((base, rest)) => (base, rest.strip_suffix(']').ok_or_else(|| format!("malformed scope {part:?}"))?),
            None => (part.as_str(), ""),
        };
        let base = base.trim_start_matches('*').to_string();
        let resource_server = known(&base).ok_or_else(|| format!("unknown scope {base:?}"))?;
        let dependents = parse_level(dependents, known, depth + 1)?;
        match out.iter_mut().find(|n| n.scope == base) {
            Some(node) => merge(&mut node.dependents, dependents),
            None => out.push(ScopeNode { scope: base, resource_server, dependents }),
        }
    }
    Ok(out)
}

/// Add `more` to `nodes`, merging nodes of the same scope.
fn merge(nodes: &mut Vec<ScopeNode>, more: Vec<ScopeNode>) {
    for m in more {
        match nodes.iter_mut().find(|n| n.scope == m.scope) {
            Some(node) => merge(&mut node.dependents, m.dependents),
            None => nodes.push(m),
        }
    }
}

/// The scopes of a tree without their dependents, as the token response lists them.
pub(crate) fn roots(tree: &[ScopeNode]) -> Vec<RequestedScope> {
    tree.iter().map(|n| RequestedScope { scope: n.scope.clone(), resource_server: n.resource_server.clone() }).collect()
}

/// Parse a space-separated scope string (see [`parse_scope_tree`]); dependent scopes are
/// checked, then dropped, as the token response does.
pub(crate) fn parse_scopes(s: &str, known: &dyn Fn(&str) -> Option<String>) -> Result<Vec<RequestedScope>, String> {
    parse_scope_tree(s, known).map(|tree| roots(&tree))
}

/// The scopes of a scope string, split at the spaces outside brackets.
fn split_scopes(s: &str) -> Result<Vec<String>, String> {
    let mut depth = 0usize;
    let mut current = String::new();
    let mut parts = Vec::new();
    for c in s.chars() {
        match c {
            '[' => {
                depth += 1;
                current.push(c);
            }
            ']' => {
                if depth == 0 {
                    return Err(format!("unbalanced ']' in the scope string {s:?}"));
                }
                depth -= 1;
                current.push(c);
            }
            c if c.is_whitespace() && depth == 0 => {
                if !current.is_empty() {
                    parts.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if depth != 0 {
        return Err(format!("unbalanced '[' in the scope string {s:?}"));
    }
    if !current.is_empty() {
        parts.push(current);
    }
    Ok(parts)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenKind {
    Access,
    Refresh,
}

/// What the server knows of a token.
#[derive(Clone, Debug)]
pub(crate) struct TokenRecord {
    pub kind: TokenKind,
    pub client_id: String,
    pub identity_id: String,
    pub resource_server: String,
    pub scopes: Vec<String>,
    pub issued_at: SystemTime,
    /// None for refresh tokens (they do not expire).
    pub expires_at: Option<SystemTime>,
    pub revoked: bool,
    /// The tokens of one grant for one resource server (an access token, its refresh token,
    /// and what refreshing it issued) share a family: revoking the refresh token revokes it.
    pub family: String,
    /// Issued under a user's consents (a login): refreshing gives only the scopes still
    /// consented to.
    pub consented: bool,
}

impl TokenRecord {
    pub fn is_active(&self) -> bool {
        !self.revoked && self.expires_at.is_none_or(|t| t > SystemTime::now())
    }

    pub fn scope_string(&self) -> String {
        self.scopes.join(" ")
    }

    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

/// A token issued for one resource server.
pub(crate) struct Issued {
    pub resource_server: String,
    pub scope: String,
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub expires_in: i64,
}

/// A code waiting to be exchanged.
#[derive(Clone, Debug)]
pub(crate) struct CodeRecord {
    pub client_id: String,
    pub identity_id: String,
    pub scopes: Vec<RequestedScope>,
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
    pub refresh: bool,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub expires_at: SystemTime,
}

/// Every token and code the server issued.
#[derive(Default)]
pub(crate) struct TokenStore {
    tokens: HashMap<String, TokenRecord>,
    codes: HashMap<String, CodeRecord>,
}

/// A random opaque string of `len` letters and digits.
pub(crate) fn random_string(len: usize) -> String {
    rand::rng().sample_iter(rand::distr::Alphanumeric).take(len).map(char::from).collect()
}

/// `lifetime` after `t`, or as late as the clock goes.
pub(crate) fn later(t: SystemTime, lifetime: Duration) -> SystemTime {
    t.checked_add(lifetime).unwrap_or_else(|| far_future(t))
}

/// The latest time `SystemTime` holds from `t` on (lifetimes saturate there).
fn far_future(t: SystemTime) -> SystemTime {
    let mut step = Duration::from_secs(u64::MAX / 2);
    let mut t = t;
    while !step.is_zero() {
        if let Some(next) = t.checked_add(step) {
            t = next;
        }
        step /= 2;
    }
    t
}

/// Seconds since the Unix epoch.
pub(crate) fn unix(t: SystemTime) -> i64 {
    t.duration_since(SystemTime::UNIX_EPOCH).map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX)).unwrap_or(0)
}

/// A second ago.
fn past() -> SystemTime {
    SystemTime::now().checked_sub(Duration::from_secs(1)).unwrap_or(SystemTime::UNIX_EPOCH)
}

impl TokenStore {
    /// Issue one token per resource server of `scopes` (Auth's first), with refresh tokens
    /// when `refresh` is set.
    pub fn issue(
        &mut self,
        client_id: &str,
        identity_id: &str,
        scopes: &[RequestedScope],
        refresh: bool,
        lifetime: Duration,
    ) -> Vec<Issued> {
        let mut servers: Vec<&str> = Vec::new();
        for s in scopes {
            if !servers.contains(&s.resource_server.as_str()) {
                servers.push(&s.resource_server);
            }
        }
        servers.sort_by_key(|rs| *rs != AUTH_RS);
        servers
            .into_iter()
            .map(|rs| {
                let scopes: Vec<String> =
                    scopes.iter().filter(|s| s.resource_server == rs).map(|s| s.scope.clone()).collect();
                self.issue_one(client_id, identity_id, rs, scopes, refresh, lifetime)
            })
            .collect()
    }

    /// Issue an access token (and a refresh token if asked) for one resource server.
    pub fn issue_one(
        &mut self,
        client_id: &str,
        identity_id: &str,
        resource_server: &str,
        scopes: Vec<String>,
        refresh: bool,
        lifetime: Duration,
    ) -> Issued {
        let now = SystemTime::now();
        let record = TokenRecord {
            kind: TokenKind::Access,
            client_id: client_id.to_string(),
            identity_id: identity_id.to_string(),
            resource_server: resource_server.to_string(),
            scopes,
            issued_at: now,
            expires_at: Some(later(now, lifetime)),
            revoked: false,
            family: random_string(24),
            consented: false,
        };
        let access_token = random_string(48);
        let refresh_token = refresh.then(|| {
            let token = random_string(64);
            let r = TokenRecord { kind: TokenKind::Refresh, expires_at: None, ..record.clone() };
            self.tokens.insert(token.clone(), r);
            token
        });
        let issued = Issued {
            resource_server: resource_server.to_string(),
            scope: record.scope_string(),
            access_token: access_token.clone(),
            refresh_token,
            expires_in: lifetime.as_secs_f64().ceil() as i64,
        };
        self.tokens.insert(access_token, record);
        issued
    }

    /// What the server knows of `token`, active or not.
    pub fn get(&self, token: &str) -> Option<&TokenRecord> {
        self.tokens.get(token)
    }

    /// Make a token expire now; false when it is unknown.
    pub fn expire(&mut self, token: &str) -> bool {
        match self.tokens.get_mut(token) {
            Some(r) => {
                r.expires_at = Some(past());
                true
            }
            None => false,
        }
    }

    /// Make every access token expire now (refresh tokens stay valid).
    pub fn expire_all(&mut self) {
        let past = past();
        for r in self.tokens.values_mut().filter(|r| r.kind == TokenKind::Access) {
            r.expires_at = Some(past);
        }
    }

    /// Revoke a token: it stops working. A refresh token takes its family along: the access
    /// tokens issued with it and from it (RFC 7009 2.1), and the refresh tokens it was
    /// rotated from or into. A token already revoked (a rotated-out refresh token among
    /// them) changes nothing.
    pub fn revoke(&mut self, token: &str) {
        let Some(r) = self.tokens.get_mut(token) else { return };
        if r.revoked {
            return;
        }
        r.revoked = true;
        if r.kind == TokenKind::Refresh {
            let family = r.family.clone();
            for other in self.tokens.values_mut().filter(|o| o.family == family) {
                other.revoked = true;
            }
        }
    }

    /// Revoke this token alone (a refresh token rotated out).
    pub fn revoke_one(&mut self, token: &str) {
        if let Some(r) = self.tokens.get_mut(token) {
            r.revoked = true;
        }
    }

    /// Put the tokens of `issued` in `family`, issued under consents or not.
    pub fn set_family(&mut self, issued: &Issued, family: &str, consented: bool) {
        for t in std::iter::once(&issued.access_token).chain(issued.refresh_token.as_ref()) {
            if let Some(r) = self.tokens.get_mut(t) {
                r.family = family.to_string();
                r.consented = consented;
            }
        }
    }

    /// Mark the tokens of `issued` as issued under the user's consents (each resource
    /// server's tokens stay a family of their own).
    pub fn mark_consented(&mut self, issued: &[Issued]) {
        for i in issued {
            for t in std::iter::once(&i.access_token).chain(i.refresh_token.as_ref()) {
                if let Some(r) = self.tokens.get_mut(t) {
                    r.consented = true;
                }
            }
        }
    }

    /// Store a code; returns it.
    pub fn add_code(&mut self, mut record: CodeRecord) -> String {
        record.expires_at = later(SystemTime::now(), CODE_LIFETIME);
        let code = random_string(32);
        self.codes.insert(code.clone(), record);
        code
    }

    /// Take a code out (it can be used once); None when unknown, used or expired.
    pub fn redeem_code(&mut self, code: &str) -> Option<CodeRecord> {
        self.codes.remove(code).filter(|c| c.expires_at > SystemTime::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRANSFER_RS: &str = "transfer.api.globus.org";
    const TRANSFER_SCOPE: &str = "urn:globus:auth:scope:transfer.api.globus.org:all";
    const COLLECTION_SCOPE: &str = "https://auth.globus.org/scopes/abc/data_access";

    /// Auth's OpenID scopes, Transfer's and one collection's.
    fn known(scope: &str) -> Option<String> {
        match scope {
            "openid" | "profile" | "email" => Some(AUTH_RS.into()),
            TRANSFER_SCOPE => Some(TRANSFER_RS.into()),
            COLLECTION_SCOPE => Some("abc".into()),
            _ => None,
        }
    }

    #[test]
    fn lifetimes_saturate() {
        let now = SystemTime::now();
        assert!(later(now, Duration::MAX) > later(now, Duration::from_secs(3_000_000_000)));
        assert_eq!(later(now, Duration::from_secs(5)), now + Duration::from_secs(5));
        let mut store = TokenStore::default();
        let scopes = parse_scopes(TRANSFER_SCOPE, &known).unwrap();
        let issued = store.issue("c", "i", &scopes, false, Duration::MAX);
        assert!(store.get(&issued[0].access_token).unwrap().is_active());
        assert_eq!(issued[0].expires_in, i64::MAX);
    }

    #[test]
    fn scopes_parse_into_resource_servers() {
        let s = parse_scopes(
            "openid  profile \
             urn:globus:auth:scope:transfer.api.globus.org:all[*https://auth.globus.org/scopes/abc/data_access] \
             https://auth.globus.org/scopes/abc/data_access openid",
            &known,
        )
        .unwrap();
        let got: Vec<(&str, &str)> = s.iter().map(|r| (r.scope.as_str(), r.resource_server.as_str())).collect();
        assert_eq!(
            got,
            [
                ("openid", AUTH_RS),
                ("profile", AUTH_RS),
                (TRANSFER_SCOPE, TRANSFER_RS),
                ("https://auth.globus.org/scopes/abc/data_access", "abc"),
            ]
        );
        for refused in [
            "nonsense",
            "urn:globus:auth:scope:x:all[",
            "urn:globus:auth:scope:nothing.example.org:all",
            "https://auth.globus.org/scopes/not-a-collection/data_access",
            "urn:globus:auth:scope:transfer.api.globus.org:all[*https://auth.globus.org/scopes/other/data_access]",
            "urn:globus:auth:scope:transfer.api.globus.org:all[openid unknown]",
        ] {
            assert!(parse_scopes(refused, &known).is_err(), "{refused}");
        }
        let with_dependents = format!("{TRANSFER_SCOPE}[*{COLLECTION_SCOPE} openid] *profile");
        let got: Vec<String> = parse_scopes(&with_dependents, &known).unwrap().into_iter().map(|r| r.scope).collect();
        assert_eq!(got, [TRANSFER_SCOPE, "profile"]);
    }

    #[test]
    fn scope_trees_merge_and_nest_only_so_deep() {
        let tree = parse_scope_tree(&format!("{TRANSFER_SCOPE}[openid] {TRANSFER_SCOPE}[*{COLLECTION_SCOPE}]"), &known)
            .unwrap();
        assert_eq!(tree.len(), 1);
        let dependents: Vec<&str> = tree[0].dependents.iter().map(|n| n.scope.as_str()).collect();
        assert_eq!(dependents, ["openid", COLLECTION_SCOPE]);
        let nested = |depth: usize| format!("{}openid{}", format!("{TRANSFER_SCOPE}[").repeat(depth), "]".repeat(depth));
        assert!(parse_scope_tree(&nested(MAX_SCOPE_DEPTH), &known).is_ok());
        let e = parse_scope_tree(&nested(MAX_SCOPE_DEPTH + 1), &known).unwrap_err();
        assert!(e.contains("nest deeper"), "{e}");
        assert!(parse_scope_tree(&nested(100_000), &known).is_err(), "no stack overflow");
    }

    #[test]
    fn revoking_a_refresh_token_revokes_its_family() {
        let mut store = TokenStore::default();
        let scopes = parse_scopes(TRANSFER_SCOPE, &known).unwrap();
        let first = store.issue("c", "i", &scopes, true, Duration::from_secs(60)).remove(0);
        let refresh = first.refresh_token.clone().unwrap();
        let family = store.get(&refresh).unwrap().family.clone();
        let renewed = store.issue_one("c", "i", TRANSFER_RS, vec![TRANSFER_SCOPE.into()], true, Duration::from_secs(60));
        store.set_family(&renewed, &family, true);
        store.revoke_one(&refresh);
        assert!(store.get(&first.access_token).unwrap().is_active(), "rotation revokes the old refresh token alone");
        store.revoke(&refresh);
        assert!(store.get(&renewed.access_token).unwrap().is_active(), "revoking a rotated-out token does nothing");
        let other = store.issue("c", "i", &scopes, true, Duration::from_secs(60)).remove(0);
        store.revoke(renewed.refresh_token.as_ref().unwrap());
        for t in [&first.access_token, &renewed.access_token] {
            assert!(!store.get(t).unwrap().is_active());
        }
        assert!(store.get(&other.access_token).unwrap().is_active());
        store.revoke(&other.access_token);
        assert!(store.get(other.refresh_token.as_ref().unwrap()).unwrap().is_active(), "an access token goes alone");
    }

    #[test]
    fn tokens_expire_and_auth_comes_first() {
        let mut store = TokenStore::default();
        let scopes = parse_scopes(&format!("{TRANSFER_SCOPE} openid"), &known).unwrap();
        let issued = store.issue("c", "i", &scopes, true, Duration::from_secs(60));
        assert_eq!(issued[0].resource_server, AUTH_RS);
        assert_eq!(issued[1].resource_server, TRANSFER_RS);
        let t = &issued[1].access_token;
        assert!(store.get(t).unwrap().is_active());
        assert!(store.expire(t));
        assert!(!store.get(t).unwrap().is_active());
        let r = issued[1].refresh_token.as_ref().unwrap();
        store.expire_all();
        assert!(store.get(r).unwrap().is_active(), "refresh tokens do not expire");
    }
}

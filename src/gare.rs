//! Globus Auth Requirements Errors (GARE): what a user must do (consent to scopes, log in
//! with a given identity or policy, use MFA...) before a request can succeed.
//!
//! Services send them in several shapes; [`AuthorizationRequirements::from_error_body`] reads
//! all of them and gives one normalised value:
//! - the GARE format: `{"code": ..., "authorization_parameters": {...}}`, also inside `errors[]`;
//! - Transfer's legacy `{"code": "ConsentRequired", "required_scopes": [...]}`;
//! - action providers' legacy `{"code": "ConsentRequired", "required_scope": "..."}`;
//! - Auth's legacy `{"error": "dependent_consent_required", "errors": [{"unapproved_scopes": [...]}]}`;
//! - legacy authorization parameters whose policy and domain lists are comma-separated strings.
//!
//! ```
//! use globus_sdk::gare::AuthorizationRequirements;
//! let body = serde_json::json!({"code": "ConsentRequired", "required_scopes": ["urn:globus:auth:scope:transfer.api.globus.org:all"]});
//! let gare = AuthorizationRequirements::from_error_body(&body).remove(0);
//! assert_eq!(gare.code, "ConsentRequired");
//! assert_eq!(gare.parameters.required_scopes, ["urn:globus:auth:scope:transfer.api.globus.org:all"]);
//! ```

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One requirement: a code and the parameters to use for the next login.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuthorizationRequirements {
    /// `ConsentRequired`, `AuthorizationRequired`, or another code the service chose.
    pub code: String,
    /// The parameters to pass to the next authorization (login) flow.
    pub parameters: AuthorizationParameters,
}

/// Parameters for the next login, normalised (lists are lists, not comma-separated strings).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AuthorizationParameters {
    /// A message to show the user on the login page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_message: Option<String>,
    /// Identities (ids or usernames) the user must log in with.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub session_required_identities: Vec<String>,
    /// Authentication policies that must be satisfied.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub session_required_policies: Vec<String>,
    /// Domains the user must log in from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub session_required_single_domain: Vec<String>,
    /// Whether multi-factor authentication is required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_required_mfa: Option<bool>,
    /// Scopes the user must consent to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub required_scopes: Vec<String>,
    /// `login` to force a fresh login.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    /// Parameters this SDK does not know yet.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

const KNOWN_PARAMS: &[&str] = &[
    "session_message",
    "session_required_identities",
    "session_required_policies",
    "session_required_single_domain",
    "session_required_mfa",
    "required_scopes",
    "prompt",
];

impl AuthorizationRequirements {
    /// Every requirement found in an error body: the root document first, then each
    /// member of `errors[]`, each distinct requirement once. Empty when the body holds none.
    ///
    /// Linear in the size of the body: a requirement is compared only with the earlier ones
    /// of the same hash (not with every earlier one).
    pub fn from_error_body(body: &Value) -> Vec<AuthorizationRequirements> {
        let mut found = Vec::new();
        // Hash of a requirement -> indices in `found` with that hash.
        let mut seen: HashMap<u64, Vec<usize>> = HashMap::new();
        let errors = body.get("errors").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        for doc in std::iter::once(body).chain(errors) {
            let Some(r) = Self::from_document(doc) else { continue };
            let same_hash = seen.entry(r.hash_key()).or_default();
            if !same_hash.iter().any(|&i| found[i] == r) {
                same_hash.push(found.len());
                found.push(r);
            }
        }
        found
    }

    /// A hash consistent with `==`: equal requirements hash alike (object keys are hashed in
    /// sorted order, whatever order the map keeps them in).
    fn hash_key(&self) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.code.hash(&mut h);
        let p = &self.parameters;
        (&p.session_message, &p.session_required_identities, &p.session_required_policies).hash(&mut h);
        (&p.session_required_single_domain, p.session_required_mfa, &p.required_scopes, &p.prompt).hash(&mut h);
        hash_map(&p.extra, &mut h);
        h.finish()
    }

    /// Read one document in any of the known shapes.
    pub fn from_document(doc: &Value) -> Option<AuthorizationRequirements> {
        let obj = doc.as_object()?;
        let code = obj.get("code").and_then(Value::as_str);
        // GARE, and legacy authorization parameters (comma-separated lists allowed).
        if let Some(params) = obj.get("authorization_parameters").and_then(Value::as_object) {
            return Some(AuthorizationRequirements {
                code: code.unwrap_or("AuthorizationRequired").to_string(),
                parameters: AuthorizationParameters::from_map(params),
            });
        }
        // Transfer's legacy ConsentRequired.
        if code == Some("ConsentRequired") {
            if let Some(scopes) = obj.get("required_scopes").and_then(Value::as_array) {
                let scopes: Vec<String> = scopes.iter().filter_map(|s| s.as_str().map(str::to_string)).collect();
                return Some(Self::consent(scopes));
            }
            if let Some(scope) = obj.get("required_scope").and_then(Value::as_str) {
                return Some(Self::consent(vec![scope.to_string()]));
            }
        }
        // Auth's legacy dependent_consent_required.
        if obj.get("error").and_then(Value::as_str) == Some("dependent_consent_required") {
            let scopes = obj
                .get("errors")
                .and_then(Value::as_array)
                .and_then(|e| e.first())
                .and_then(|e| e.get("unapproved_scopes"))
                .and_then(Value::as_array)
                .map(|s| s.iter().filter_map(|s| s.as_str().map(str::to_string)).collect())
                .unwrap_or_default();
            return Some(Self::consent(scopes));
        }
        None
    }

    fn consent(required_scopes: Vec<String>) -> AuthorizationRequirements {
        AuthorizationRequirements {
            code: "ConsentRequired".into(),
            parameters: AuthorizationParameters { required_scopes, ..Default::default() },
        }
    }
}

fn hash_map(map: &Map<String, Value>, h: &mut impl Hasher) {
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort();
    keys.len().hash(h);
    for k in keys {
        k.hash(h);
        hash_value(&map[k], h);
    }
}

fn hash_value(v: &Value, h: &mut impl Hasher) {
    match v {
        Value::Null => 0u8.hash(h),
        Value::Bool(b) => (1u8, b).hash(h),
        // Equal numbers print alike (serde_json compares them by their stored form).
        Value::Number(n) => (2u8, n.to_string()).hash(h),
        Value::String(s) => (3u8, s).hash(h),
        Value::Array(items) => {
            (4u8, items.len()).hash(h);
            items.iter().for_each(|i| hash_value(i, h));
        }
        Value::Object(map) => {
            5u8.hash(h);
            hash_map(map, h);
        }
    }
}

impl AuthorizationParameters {
    fn from_map(map: &Map<String, Value>) -> AuthorizationParameters {
        let list = |key: &str| -> Vec<String> {
            match map.get(key) {
                Some(Value::Array(items)) => items.iter().filter_map(|s| s.as_str().map(str::to_string)).collect(),
                Some(Value::String(s)) => {
                    s.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
                }
                _ => Vec::new(),
            }
        };
        let extra = map
            .iter()
            .filter(|(k, _)| !KNOWN_PARAMS.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        AuthorizationParameters {
            session_message: map.get("session_message").and_then(Value::as_str).map(str::to_string),
            session_required_identities: list("session_required_identities"),
            session_required_policies: list("session_required_policies"),
            session_required_single_domain: list("session_required_single_domain"),
            session_required_mfa: map.get("session_required_mfa").and_then(Value::as_bool),
            required_scopes: list("required_scopes"),
            prompt: map.get("prompt").and_then(Value::as_str).map(str::to_string),
            extra,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn native_gare_with_every_parameter() {
        let body = json!({
            "code": "AuthorizationRequired",
            "authorization_parameters": {
                "session_message": "log in with your campus",
                "session_required_identities": ["a@x.org"],
                "session_required_policies": ["p1", "p2"],
                "session_required_single_domain": ["x.org"],
                "session_required_mfa": true,
                "required_scopes": ["s1"],
                "prompt": "login",
                "future_field": 7
            }
        });
        let g = AuthorizationRequirements::from_error_body(&body);
        assert_eq!(g.len(), 1);
        let p = &g[0].parameters;
        assert_eq!(g[0].code, "AuthorizationRequired");
        assert_eq!(p.session_message.as_deref(), Some("log in with your campus"));
        assert_eq!(p.session_required_identities, ["a@x.org"]);
        assert_eq!(p.session_required_policies, ["p1", "p2"]);
        assert_eq!(p.session_required_single_domain, ["x.org"]);
        assert_eq!(p.session_required_mfa, Some(true));
        assert_eq!(p.required_scopes, ["s1"]);
        assert_eq!(p.prompt.as_deref(), Some("login"));
        assert_eq!(p.extra["future_field"], 7);
    }

    #[test]
    fn legacy_shapes() {
        let transfer = json!({"code": "ConsentRequired", "message": "m", "required_scopes": ["a", "b"]});
        assert_eq!(AuthorizationRequirements::from_error_body(&transfer)[0].parameters.required_scopes, ["a", "b"]);
        let ap = json!({"code": "ConsentRequired", "required_scope": "c"});
        assert_eq!(AuthorizationRequirements::from_error_body(&ap)[0].parameters.required_scopes, ["c"]);
        let auth = json!({"error": "dependent_consent_required", "errors": [{"unapproved_scopes": ["d"]}]});
        let g = AuthorizationRequirements::from_error_body(&auth);
        assert_eq!(g[0].code, "ConsentRequired");
        assert_eq!(g[0].parameters.required_scopes, ["d"]);
        // Flows/Timers: parameters at the top level without a code, comma-separated lists.
        let flows = json!({"authorization_parameters": {"session_required_policies": "p1,p2", "session_required_single_domain": "x.org"}});
        let g = AuthorizationRequirements::from_error_body(&flows);
        assert_eq!(g[0].code, "AuthorizationRequired");
        assert_eq!(g[0].parameters.session_required_policies, ["p1", "p2"]);
        assert_eq!(g[0].parameters.session_required_single_domain, ["x.org"]);
        // Inside errors[].
        let nested = json!({"errors": [{"code": "X"}, {"code": "ConsentRequired", "authorization_parameters": {"required_scopes": ["e"]}}]});
        let g = AuthorizationRequirements::from_error_body(&nested);
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].parameters.required_scopes, ["e"]);
        // Not a GARE.
        assert!(AuthorizationRequirements::from_error_body(&json!({"code": "NotFound"})).is_empty());
        assert!(AuthorizationRequirements::from_error_body(&json!("text")).is_empty());
    }

    fn entry(i: usize) -> Value {
        json!({"code": "ConsentRequired", "authorization_parameters": {
            "required_scopes": [format!("scope-{i}")], "session_message": "m", "x": {"b": 1, "a": [i]}}})
    }

    #[test]
    fn many_requirements_once_each_in_order() {
        // 32,000 distinct requirements, each sent twice: the old pairwise check made this
        // quadratic (tens of seconds); `benches/gare.rs` measures it.
        let n = 32_000;
        let errors: Vec<Value> = (0..n).chain(0..n).map(entry).collect();
        let body = json!({"code": "ConsentRequired", "required_scopes": ["scope-0"], "errors": errors});
        let found = AuthorizationRequirements::from_error_body(&body);
        assert_eq!(found.len(), n + 1, "the root (legacy shape) and each distinct entry once");
        assert_eq!(found[0].parameters.extra.len(), 0);
        for (i, r) in found[1..].iter().enumerate() {
            assert_eq!(r.parameters.required_scopes, [format!("scope-{i}")]);
        }
    }

    #[test]
    fn equal_requirements_are_one_whatever_their_key_order() {
        let a: Value = serde_json::from_str(
            r#"{"authorization_parameters": {"required_scopes": ["s"], "x": {"p": 1, "q": [1, 2.5]}, "y": null}}"#,
        )
        .unwrap();
        let b: Value = serde_json::from_str(
            r#"{"authorization_parameters": {"y": null, "x": {"q": [1, 2.5], "p": 1}, "required_scopes": ["s"]}}"#,
        )
        .unwrap();
        let found = AuthorizationRequirements::from_error_body(&json!({"errors": [a, b]}));
        assert_eq!(found.len(), 1);
    }
}

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
    /// member of `errors[]`. Empty when the body holds none.
    pub fn from_error_body(body: &Value) -> Vec<AuthorizationRequirements> {
        let mut found = Vec::new();
        if let Some(r) = Self::from_document(body) {
            found.push(r);
        }
        if let Some(errors) = body.get("errors").and_then(Value::as_array) {
            for e in errors {
                if let Some(r) = Self::from_document(e)
                    && !found.contains(&r)
                {
                    found.push(r);
                }
            }
        }
        found
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
}

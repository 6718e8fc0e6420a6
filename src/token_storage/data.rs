//! [`TokenStorageData`]: one stored token, and its JSON form (the Python SDK's `token_data`).

use std::fmt;

use serde_json::{Map, Value};

use crate::Secret;
use crate::authorizers::TokenData;

/// The tokens for one resource server, as a token store keeps them.
///
/// The fields are those of the Python SDK's `TokenStorageData`, with the same names in the
/// stored JSON (`resource_server`, `identity_id`, `scope`, `access_token`, `refresh_token`,
/// `expires_at_seconds`, `token_type`); fields a store holds beyond these are kept in
/// [`extra`](Self::extra) and written back.
///
/// `Debug` shows everything but the tokens.
///
/// ```
/// use globus_sdk::token_storage::TokenStorageData;
/// let mut data = TokenStorageData::new("transfer.api.globus.org", "urn:globus:auth:scope:transfer.api.globus.org:all", "AT", 1_900_000_000);
/// data.refresh_token = Some("RT".into());
/// assert!(!format!("{data:?}").contains("AT"));
/// assert!(!data.is_expired());
/// ```
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct TokenStorageData {
    /// The resource server the tokens are for (`transfer.api.globus.org`...).
    pub resource_server: String,
    /// The primary identity of the user who logged in (the `sub` of the login's id_token),
    /// when known.
    pub identity_id: Option<String>,
    /// The scopes the access token carries (space-separated).
    pub scope: String,
    /// The bearer token sent to the service.
    pub access_token: Secret,
    /// The refresh token, when refresh tokens were requested.
    pub refresh_token: Option<Secret>,
    /// When the access token expires (seconds since the Unix epoch).
    pub expires_at_seconds: i64,
    /// The token type (`Bearer`), when known.
    pub token_type: Option<String>,
    /// Fields of the stored record this SDK does not know, kept as they were.
    pub extra: Map<String, Value>,
}

/// The fields of the stored JSON record, in the order the Python SDK writes them.
const FIELDS: [&str; 7] =
    ["resource_server", "identity_id", "scope", "access_token", "refresh_token", "expires_at_seconds", "token_type"];

impl TokenStorageData {
    /// Tokens for `resource_server` without a refresh token, identity or token type.
    pub fn new(
        resource_server: impl Into<String>,
        scope: impl Into<String>,
        access_token: impl Into<Secret>,
        expires_at_seconds: i64,
    ) -> Self {
        TokenStorageData {
            resource_server: resource_server.into(),
            identity_id: None,
            scope: scope.into(),
            access_token: access_token.into(),
            refresh_token: None,
            expires_at_seconds,
            token_type: None,
            extra: Map::new(),
        }
    }

    /// The record for tokens an authorizer holds (a login, or a renewal passed to
    /// [`RenewingAuthorizer::on_refresh`](crate::authorizers::RenewingAuthorizer::on_refresh)),
    /// for the user `identity_id`.
    ///
    /// The token type is `Bearer` (the only type Globus Auth issues). A token whose expiry is
    /// unknown is recorded as expiring now: a renewing authorizer renews it on first use
    /// rather than sending a token nobody can vouch for.
    pub fn from_token_data(tokens: &TokenData, identity_id: Option<String>) -> Self {
        TokenStorageData {
            resource_server: tokens.resource_server.clone(),
            identity_id,
            scope: tokens.scope.clone(),
            access_token: tokens.access_token.clone(),
            refresh_token: tokens.refresh_token.clone(),
            expires_at_seconds: tokens.expires_at.unwrap_or_else(now),
            token_type: Some("Bearer".to_string()),
            extra: Map::new(),
        }
    }

    /// The tokens as an authorizer takes them
    /// ([`RenewingAuthorizer::with_tokens`](crate::authorizers::RenewingAuthorizer::with_tokens)).
    pub fn to_token_data(&self) -> TokenData {
        TokenData {
            access_token: self.access_token.clone(),
            refresh_token: self.refresh_token.clone(),
            expires_at: Some(self.expires_at_seconds),
            scope: self.scope.clone(),
            resource_server: self.resource_server.clone(),
        }
    }

    /// Whether the access token has expired.
    pub fn is_expired(&self) -> bool {
        self.expires_at_seconds <= now()
    }

    /// The record as stored: the Python SDK's `token_data` (absent optional fields are left
    /// out, as Python leaves them out), then the extra fields.
    pub fn to_json(&self) -> Map<String, Value> {
        let mut out = Map::new();
        let mut put = |k: &str, v: Option<Value>| {
            if let Some(v) = v {
                out.insert(k.to_string(), v);
            }
        };
        put("resource_server", Some(self.resource_server.clone().into()));
        put("identity_id", self.identity_id.clone().map(Value::from));
        put("scope", Some(self.scope.clone().into()));
        put("access_token", Some(self.access_token.expose().into()));
        put("refresh_token", self.refresh_token.as_ref().map(|t| t.expose().into()));
        put("expires_at_seconds", Some(self.expires_at_seconds.into()));
        put("token_type", self.token_type.clone().map(Value::from));
        for (k, v) in &self.extra {
            if !FIELDS.contains(&k.as_str()) {
                out.insert(k.clone(), v.clone());
            }
        }
        out
    }

    /// Read a stored record. The error names the field that is missing or of the wrong type
    /// (never a value: values may be tokens).
    pub fn from_json(value: &Value) -> Result<Self, String> {
        let Value::Object(map) = value else {
            return Err("the record is not a JSON object".to_string());
        };
        let string = |k: &str| match map.get(k) {
            Some(Value::String(s)) => Ok(s.clone()),
            _ => Err(format!("`{k}` is missing or not a string")),
        };
        let optional = |k: &str| match map.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(format!("`{k}` is not a string")),
        };
        let resource_server = string("resource_server")?;
        let identity_id = optional("identity_id")?;
        let scope = string("scope")?;
        let access_token = Secret::new(string("access_token")?);
        let refresh_token = optional("refresh_token")?.map(Secret::new);
        let expires_at_seconds = match map.get("expires_at_seconds") {
            Some(Value::Number(n)) => n.as_i64().ok_or("`expires_at_seconds` is not an integer of 64 bits")?,
            _ => return Err("`expires_at_seconds` is missing or not an integer".to_string()),
        };
        Ok(TokenStorageData {
            resource_server,
            identity_id,
            scope,
            access_token,
            refresh_token,
            expires_at_seconds,
            token_type: optional("token_type")?,
            extra: map
                .iter()
                .filter(|(k, _)| !FIELDS.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        })
    }
}

#[cfg(feature = "auth")]
impl TokenStorageData {
    /// One record per resource server of a token grant's answer, for the user
    /// `identity_id` (the `sub` of the response's id_token, decoded with
    /// [`IdTokenDecoder`](crate::auth::IdTokenDecoder); None when `openid` was not requested).
    ///
    /// Each token keeps the `token_type` Auth sent (`Bearer` when it sent none).
    ///
    /// ```
    /// use globus_sdk::auth::{TokenResponse, types::OAuthTokenResponse};
    /// use globus_sdk::token_storage::TokenStorageData;
    /// let raw: OAuthTokenResponse = serde_json::from_value(serde_json::json!({
    ///     "access_token": "A", "expires_in": 3600, "resource_server": "auth.globus.org",
    ///     "scope": "openid", "token_type": "Bearer", "other_tokens": []
    /// })).unwrap();
    /// let records = TokenStorageData::from_token_response(&TokenResponse::new(raw), Some("ID".into()));
    /// assert_eq!(records[0].identity_id.as_deref(), Some("ID"));
    /// ```
    pub fn from_token_response(response: &crate::auth::TokenResponse, identity_id: Option<String>) -> Vec<Self> {
        let raw = response.raw();
        let token_types: std::collections::BTreeMap<&str, Option<&String>> =
            std::iter::once((raw.resource_server.as_str(), raw.token_type.as_ref()))
                .chain(raw.other_tokens.iter().map(|t| (t.resource_server.as_str(), t.token_type.as_ref())))
                .collect();
        response
            .by_resource_server()
            .values()
            .map(|tokens| {
                let mut record = Self::from_token_data(tokens, identity_id.clone());
                if let Some(Some(token_type)) = token_types.get(tokens.resource_server.as_str()) {
                    record.token_type = Some((*token_type).clone());
                }
                record
            })
            .collect()
    }
}

impl fmt::Debug for TokenStorageData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenStorageData")
            .field("resource_server", &self.resource_server)
            .field("identity_id", &self.identity_id)
            .field("scope", &self.scope)
            .field("expires_at_seconds", &self.expires_at_seconds)
            .field("token_type", &self.token_type)
            .field("access_token", &"[redacted]")
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "[redacted]"))
            .field("extra", &self.extra.keys().collect::<Vec<_>>())
            .finish()
    }
}

pub(crate) fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_round_trip_keeps_extra_and_omits_absent_fields() {
        let stored = json!({
            "resource_server": "rs", "scope": "s", "access_token": "AT", "expires_at_seconds": 10,
            "refresh_token": null, "future_field": [1, 2]
        });
        let data = TokenStorageData::from_json(&stored).unwrap();
        assert_eq!(data.refresh_token, None);
        assert_eq!(data.identity_id, None);
        let back = Value::Object(data.to_json());
        assert_eq!(
            back,
            json!({"resource_server": "rs", "scope": "s", "access_token": "AT", "expires_at_seconds": 10, "future_field": [1, 2]})
        );
    }

    #[test]
    fn bad_records_name_the_field_never_the_value() {
        for (record, field) in [
            (json!({"scope": "s", "access_token": "AT", "expires_at_seconds": 1}), "resource_server"),
            (
                json!({"resource_server": "r", "scope": "s", "access_token": "AT", "expires_at_seconds": "AT"}),
                "expires_at_seconds",
            ),
            (
                json!({"resource_server": "r", "scope": "s", "access_token": "AT", "expires_at_seconds": 1.5}),
                "expires_at_seconds",
            ),
            (
                json!({"resource_server": "r", "scope": "s", "access_token": "AT", "expires_at_seconds": true}),
                "expires_at_seconds",
            ),
            (
                json!({"resource_server": "r", "scope": "s", "access_token": "AT", "expires_at_seconds": 1, "refresh_token": 7}),
                "refresh_token",
            ),
            (json!({"resource_server": "r", "scope": "s", "access_token": 5, "expires_at_seconds": 1}), "access_token"),
        ] {
            let e = TokenStorageData::from_json(&record).unwrap_err();
            assert!(e.contains(field), "{e}");
            assert!(!e.contains("AT"), "{e}");
        }
        assert!(TokenStorageData::from_json(&json!(["AT"])).unwrap_err().contains("object"));
    }

    #[test]
    fn conversions_with_authorizer_tokens() {
        let tokens = TokenData {
            access_token: "AT".into(),
            refresh_token: Some("RT".into()),
            expires_at: None,
            scope: "s".into(),
            resource_server: "rs".into(),
        };
        let record = TokenStorageData::from_token_data(&tokens, Some("id".into()));
        assert!(record.is_expired());
        assert_eq!(record.token_type.as_deref(), Some("Bearer"));
        let back = record.to_token_data();
        assert_eq!(back.refresh_token.unwrap().expose(), "RT");
        assert_eq!(back.expires_at, Some(record.expires_at_seconds));
        let debug = format!("{record:?}");
        assert!(!debug.contains("AT") && !debug.contains("RT"), "{debug}");
    }
}

//! OpenID Connect id_token validation: RS256 signature against Auth's JWKs, audience,
//! issuer, expiry with a leeway.

use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};

use super::{Client, types};
use crate::Secret;
use crate::error::Error;

/// Validates id_tokens for one client.
///
/// It fetches Auth's OpenID configuration and JWKs on first use (or takes them from you)
/// and keeps them.
///
/// ```no_run
/// # async fn demo(auth: globus_sdk::auth::Client, tokens: globus_sdk::auth::TokenResponse) -> Result<(), globus_sdk::Error> {
/// use globus_sdk::auth::IdTokenDecoder;
/// let decoder = IdTokenDecoder::new(auth, "my-client-id");
/// let claims = decoder.decode(tokens.id_token().unwrap()).await?;
/// println!("logged in as {}", claims["preferred_username"]);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct IdTokenDecoder {
    client: Client,
    audience: String,
    leeway: Duration,
    keys: tokio::sync::OnceCell<(types::OpenIdConfiguration, types::JsonWebKeySet)>,
}

impl IdTokenDecoder {
    /// A decoder for tokens issued to `client_id` (the expected audience). The leeway for
    /// clock differences is 300 s, as in the Python SDK.
    pub fn new(client: Client, client_id: impl Into<String>) -> Self {
        IdTokenDecoder {
            client,
            audience: client_id.into(),
            leeway: Duration::from_secs(300),
            keys: tokio::sync::OnceCell::new(),
        }
    }

    /// Allow this much clock difference when checking `exp`, `nbf` and `iat`.
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// Use this OpenID configuration and key set instead of fetching them.
    pub fn with_keys(self, config: types::OpenIdConfiguration, keys: types::JsonWebKeySet) -> Self {
        let _ = self.keys.set((config, keys));
        self
    }

    async fn keys(&self) -> Result<&(types::OpenIdConfiguration, types::JsonWebKeySet), Error> {
        self.keys
            .get_or_try_init(|| async {
                let config = self.client.get_openid_configuration().send().await?.into_inner();
                let keys = self.client.get_jwk().send().await?.into_inner();
                Ok::<_, Error>((config, keys))
            })
            .await
    }

    /// Check the token's signature, audience, issuer and times, and return its claims.
    pub async fn decode(&self, id_token: &Secret) -> Result<Map<String, Value>, Error> {
        let (config, jwks) = self.keys().await?;
        let header = jsonwebtoken::decode_header(id_token.expose())
            .map_err(|e| Error::token(format!("the id_token is not a JWT: {e}")))?;
        if header.alg != Algorithm::RS256 {
            return Err(Error::token(format!("the id_token is signed with {:?}; only RS256 is accepted", header.alg)));
        }
        let supported = &config.id_token_signing_alg_values_supported;
        if !supported.is_empty() && !supported.iter().any(|a| a == "RS256") {
            return Err(Error::token("Globus Auth's configuration does not list RS256 for id_tokens"));
        }
        let key = jwks
            .keys
            .iter()
            .filter(|k| k.kty == "RSA")
            .find(|k| header.kid.is_none() || k.kid.is_none() || k.kid == header.kid)
            .ok_or_else(|| Error::token("no RSA key in Globus Auth's key set matches the id_token"))?;
        let (Some(n), Some(e)) = (&key.n, &key.e) else {
            return Err(Error::token("the RSA key in Globus Auth's key set has no modulus or exponent"));
        };
        let decoding_key = DecodingKey::from_rsa_components(n, e)
            .map_err(|err| Error::token(format!("Globus Auth's RSA key is invalid: {err}")))?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_audience(&[&self.audience]);
        validation.set_issuer(&[&config.issuer]);
        validation.leeway = self.leeway.as_secs();
        validation.set_required_spec_claims(&["exp", "aud", "iss"]);
        let data = jsonwebtoken::decode::<Map<String, Value>>(id_token.expose(), &decoding_key, &validation)
            .map_err(|err| Error::token(format!("the id_token did not validate: {err}")))?;
        Ok(data.claims)
    }
}

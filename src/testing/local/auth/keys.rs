//! The RSA key Auth signs id_tokens with (RS256), generated at start, and its JWK.

use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::KeyPair as _;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};

use crate::auth::types;

/// A fresh RSA key pair and its key id.
pub(crate) struct SigningKey {
    key: KeyPair,
    kid: String,
}

impl SigningKey {
    /// A new 2048-bit key.
    pub fn generate() -> std::io::Result<Self> {
        let key = KeyPair::generate(KeySize::Rsa2048)
            .map_err(|_| std::io::Error::other("cannot generate the RSA key for id_tokens"))?;
        Ok(SigningKey { key, kid: uuid::Uuid::new_v4().to_string() })
    }

    /// The public key as a JWK.
    pub fn jwk(&self) -> types::JsonWebKey {
        let public = self.key.public_key();
        types::JsonWebKey {
            alg: Some("RS256".into()),
            e: Some(URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero())),
            kid: Some(self.kid.clone()),
            kty: "RSA".into(),
            n: Some(URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero())),
            use_: Some("sig".into()),
            extra: Default::default(),
        }
    }

    /// Sign `claims` as a compact JWS (RS256).
    pub fn sign(&self, claims: &Map<String, Value>) -> Result<String, String> {
        let header = json!({"alg": "RS256", "typ": "JWT", "kid": self.kid});
        let encode = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
        let signing_input = format!("{}.{}", encode(&header), encode(&Value::Object(claims.clone())));
        let mut signature = vec![0u8; self.key.public_modulus_len()];
        let rng = aws_lc_rs::rand::SystemRandom::new();
        self.key
            .sign(&aws_lc_rs::signature::RSA_PKCS1_SHA256, &rng, signing_input.as_bytes(), &mut signature)
            .map_err(|_| "signing the id_token failed".to_string())?;
        Ok(format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_tokens_verify_with_the_published_key() {
        let key = SigningKey::generate().unwrap();
        let jwk = key.jwk();
        let mut claims = Map::new();
        claims.insert("sub".into(), "me".into());
        claims.insert("aud".into(), "client".into());
        claims.insert("exp".into(), (chrono::Utc::now().timestamp() + 60).into());
        let jwt = key.sign(&claims).unwrap();
        let decoding =
            jsonwebtoken::DecodingKey::from_rsa_components(jwk.n.as_deref().unwrap(), jwk.e.as_deref().unwrap())
                .unwrap();
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
        validation.set_audience(&["client"]);
        let data = jsonwebtoken::decode::<Map<String, Value>>(&jwt, &decoding, &validation).unwrap();
        assert_eq!(data.claims["sub"], "me");
        assert_eq!(jsonwebtoken::decode_header(&jwt).unwrap().kid, jwk.kid);
    }
}

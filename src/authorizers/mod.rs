//! Authorizers put credentials on requests.
//!
//! | authorizer | header | renews |
//! |---|---|---|
//! | [`NullAuthorizer`] | none | no |
//! | [`BasicAuthorizer`] | `Basic base64(client_id:secret)` | no |
//! | [`AccessTokenAuthorizer`] | `Bearer <token>` | no |
//! | [`RenewingAuthorizer`] ([`crate::auth::RefreshTokenAuthorizer`], [`crate::auth::ClientCredentialsAuthorizer`]) | `Bearer <token>` | 60 s before expiry and after a 401 |
//!
//! Header values are marked sensitive, and no authorizer shows a token in `Debug`.
//!
//! ```
//! use globus_sdk::authorizers::{AccessTokenAuthorizer, Authorizer};
//! let a = AccessTokenAuthorizer::new("my-token");
//! assert!(!format!("{a:?}").contains("my-token"));
//! ```

mod renewing;

use std::fmt;

use crate::Secret;
use base64::Engine as _;
use futures::future::BoxFuture;
use http::HeaderValue;

use crate::error::Error;

pub use renewing::{OnRefresh, RenewingAuthorizer, TokenData, TokenSource};

/// Something that can authorize requests to a Globus service.
pub trait Authorizer: Send + Sync + fmt::Debug {
    /// The `Authorization` header for the next request (None: send none).
    ///
    /// A renewing authorizer fetches a new token here when its token is missing or about
    /// to expire; failure to get one is an [`crate::ErrorKind::Authorization`] error.
    fn authorization_header(&self) -> BoxFuture<'_, Result<Option<HeaderValue>, Error>>;

    /// The service answered 401 to a request sent with `rejected`. Return true when new
    /// credentials are ready and the request should be sent once more.
    fn on_unauthorized<'a>(&'a self, rejected: Option<&'a HeaderValue>) -> BoxFuture<'a, bool> {
        let _ = rejected;
        Box::pin(async { false })
    }
}

/// Sends no credentials.
#[derive(Clone, Copy, Debug, Default)]
pub struct NullAuthorizer;

impl Authorizer for NullAuthorizer {
    fn authorization_header(&self) -> BoxFuture<'_, Result<Option<HeaderValue>, Error>> {
        Box::pin(async { Ok(None) })
    }
}

/// HTTP Basic credentials: a confidential client's id and secret.
pub struct BasicAuthorizer {
    client_id: String,
    header: Option<HeaderValue>,
}

impl BasicAuthorizer {
    /// Credentials for `client_id` with `client_secret`.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<Secret>) -> Self {
        let client_id = client_id.into();
        let secret: Secret = client_secret.into();
        let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{client_id}:{}", secret.expose()));
        BasicAuthorizer { client_id, header: sensitive_header(&format!("Basic {encoded}")) }
    }

    /// The client id (not secret).
    pub fn client_id(&self) -> &str {
        &self.client_id
    }
}

impl fmt::Debug for BasicAuthorizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BasicAuthorizer")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .finish()
    }
}

impl Authorizer for BasicAuthorizer {
    fn authorization_header(&self) -> BoxFuture<'_, Result<Option<HeaderValue>, Error>> {
        let header = usable(&self.header, "client id or secret");
        Box::pin(async move { header.map(Some) })
    }
}

/// A fixed bearer token. It is not renewed: once it expires, calls fail with 401.
pub struct AccessTokenAuthorizer {
    header: Option<HeaderValue>,
}

impl AccessTokenAuthorizer {
    /// Authorize with `access_token`.
    pub fn new(access_token: impl Into<Secret>) -> Self {
        let token: Secret = access_token.into();
        AccessTokenAuthorizer { header: bearer(&token) }
    }
}

impl fmt::Debug for AccessTokenAuthorizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessTokenAuthorizer").field("access_token", &"[redacted]").finish()
    }
}

impl Authorizer for AccessTokenAuthorizer {
    fn authorization_header(&self) -> BoxFuture<'_, Result<Option<HeaderValue>, Error>> {
        let header = usable(&self.header, "access token");
        Box::pin(async move { header.map(Some) })
    }
}

fn usable(header: &Option<HeaderValue>, what: &str) -> Result<HeaderValue, Error> {
    header.clone().ok_or_else(|| {
        Error::authorization(format!(
            "the {what} contains characters that cannot be sent in an HTTP header; check that it was copied whole"
        ))
    })
}

impl<A: Authorizer + ?Sized> Authorizer for std::sync::Arc<A> {
    fn authorization_header(&self) -> BoxFuture<'_, Result<Option<HeaderValue>, Error>> {
        (**self).authorization_header()
    }
    fn on_unauthorized<'a>(&'a self, rejected: Option<&'a HeaderValue>) -> BoxFuture<'a, bool> {
        (**self).on_unauthorized(rejected)
    }
}

pub(crate) fn bearer(token: &Secret) -> Option<HeaderValue> {
    sensitive_header(&format!("Bearer {}", token.expose()))
}

/// A header value marked sensitive (kept out of HTTP/2 tables and `Debug`); None when the
/// value has characters a header cannot carry.
fn sensitive_header(value: &str) -> Option<HeaderValue> {
    let mut v = HeaderValue::from_str(value).ok()?;
    v.set_sensitive(true);
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn headers_and_redaction() {
        let b = BasicAuthorizer::new("cid", "s3cret".to_string());
        let h = b.authorization_header().await.unwrap().unwrap();
        assert_eq!(h.to_str().unwrap(), "Basic Y2lkOnMzY3JldA==");
        assert!(h.is_sensitive());
        assert!(!format!("{b:?}").contains("s3cret"));
        let a = AccessTokenAuthorizer::new("tok-abc".to_string());
        let h = a.authorization_header().await.unwrap().unwrap();
        assert_eq!(h.to_str().unwrap(), "Bearer tok-abc");
        assert!(h.is_sensitive());
        assert!(!format!("{a:?} {h:?}").contains("tok-abc"));
        assert!(NullAuthorizer.authorization_header().await.unwrap().is_none());
        assert!(!a.on_unauthorized(Some(&h)).await);
        let bad = AccessTokenAuthorizer::new("line\nbreak".to_string());
        let e = bad.authorization_header().await.unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Authorization);
        assert!(!e.to_string().contains("line"));
    }
}

//! Authorizers whose token is renewed: before it expires, and after a 401.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::Secret;
use futures::future::BoxFuture;
use http::HeaderValue;

use super::{Authorizer, bearer, usable};
use crate::error::Error;

/// The tokens for one resource server, as kept by a renewing authorizer.
///
/// `Debug` shows the scope, resource server and expiry, never the tokens.
#[derive(Clone)]
pub struct TokenData {
    /// The bearer token sent to the service.
    pub access_token: Secret,
    /// The refresh token, for the refresh-token grant (None for client credentials).
    pub refresh_token: Option<Secret>,
    /// When the access token expires (seconds since the Unix epoch), if known.
    pub expires_at: Option<i64>,
    /// The scopes the token carries (space-separated).
    pub scope: String,
    /// The resource server the token is for (`transfer.api.globus.org`...).
    pub resource_server: String,
}

impl fmt::Debug for TokenData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenData")
            .field("resource_server", &self.resource_server)
            .field("scope", &self.scope)
            .field("expires_at", &self.expires_at)
            .field("access_token", &"[redacted]")
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

impl TokenData {
    /// Whether the token is expired, or will be within `leeway` (any `leeway` and any
    /// `expires_at`: never an overflow).
    pub fn expires_within(&self, leeway: Duration) -> bool {
        match self.expires_at {
            Some(at) => at.saturating_sub(seconds(leeway)) <= chrono::Utc::now().timestamp(),
            None => false,
        }
    }
}

fn seconds(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

/// A token just obtained is used at least this long, whatever its `expires_in` says (a zero,
/// negative or tiny lifetime must not make every call a grant).
const MIN_USE: Duration = Duration::from_secs(5);

/// How long a renewal's failure answers the callers that were waiting for it.
const FAILURE_SHARED_FOR: Duration = Duration::from_secs(1);

/// Where a renewing authorizer gets new tokens (a grant against Globus Auth).
pub trait TokenSource: Send + Sync + fmt::Debug {
    /// Get fresh tokens. `previous` is the data being replaced, if any (a refresh-token
    /// source reads its refresh token from it).
    fn fetch<'a>(&'a self, previous: Option<&'a TokenData>) -> BoxFuture<'a, Result<TokenData, Error>>;
}

/// Called with the new tokens after every renewal (to store them).
pub type OnRefresh = Arc<dyn Fn(&TokenData) + Send + Sync>;

struct Current {
    data: TokenData,
    header: HeaderValue,
    /// When this authorizer obtained it (None: given at construction, e.g. from storage).
    obtained: Option<(Instant, i64)>,
}

impl Current {
    /// Whether the token can be sent as it is: not within `leeway` of its expiry, where the
    /// leeway is at most half the token's lifetime, and a token just obtained is used for at
    /// least [`MIN_USE`].
    fn is_fresh(&self, leeway: Duration) -> bool {
        let Some(expires_at) = self.data.expires_at else { return true };
        match self.obtained {
            None => !self.data.expires_within(leeway),
            Some((instant, obtained_at)) => {
                if instant.elapsed() < MIN_USE {
                    return true;
                }
                let lifetime = expires_at.saturating_sub(obtained_at).max(0);
                let leeway = seconds(leeway).min(lifetime / 2);
                expires_at.saturating_sub(leeway) > chrono::Utc::now().timestamp()
            }
        }
    }
}

/// What the mutex guards: the current token, and the last renewal's failure.
struct Slot {
    current: Option<Current>,
    failed: Option<(Instant, Error)>,
}

/// An authorizer that renews its token from a [`TokenSource`]: when it has none, 60 s
/// before it expires, and once after a 401. Concurrent requests share one renewal.
pub struct RenewingAuthorizer<S> {
    source: S,
    current: tokio::sync::Mutex<Slot>,
    on_refresh: Option<OnRefresh>,
    leeway: Duration,
}

impl<S: TokenSource> RenewingAuthorizer<S> {
    /// An authorizer that fetches its first token on first use.
    pub fn new(source: S) -> Self {
        RenewingAuthorizer {
            source,
            current: tokio::sync::Mutex::new(Slot { current: None, failed: None }),
            on_refresh: None,
            leeway: Duration::from_secs(60),
        }
    }

    /// Start from tokens obtained earlier (e.g. loaded from storage).
    pub fn with_tokens(source: S, tokens: TokenData) -> Self {
        let this = Self::new(source);
        let header = bearer(&tokens.access_token);
        if let Some(header) = header {
            this.current.try_lock().expect("a new mutex is free").current =
                Some(Current { data: tokens, header, obtained: None });
        }
        this
    }

    /// Call `f` with the new tokens after every renewal.
    pub fn on_refresh(mut self, f: impl Fn(&TokenData) + Send + Sync + 'static) -> Self {
        self.on_refresh = Some(Arc::new(f));
        self
    }

    /// Renew this long before expiry (default 60 s).
    pub fn renew_before_expiry(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// The current tokens, if any.
    pub async fn tokens(&self) -> Option<TokenData> {
        self.current.lock().await.current.as_ref().map(|c| c.data.clone())
    }

    /// Renew now, whatever the expiry.
    pub async fn renew(&self) -> Result<TokenData, Error> {
        let mut guard = self.current.lock().await;
        self.renew_locked(&mut guard).await
    }

    async fn renew_locked(&self, slot: &mut Slot) -> Result<TokenData, Error> {
        let fetched = self.source.fetch(slot.current.as_ref().map(|c| &c.data)).await;
        let data = match fetched {
            Ok(data) => data,
            Err(e) => {
                slot.failed = Some((Instant::now(), e.duplicate()));
                return Err(e);
            }
        };
        let header = usable(&bearer(&data.access_token), "access token from the token grant")?;
        tracing::debug!(resource_server = %data.resource_server, expires_at = ?data.expires_at, "renewed access token");
        if let Some(cb) = &self.on_refresh {
            cb(&data);
        }
        let obtained = Some((Instant::now(), chrono::Utc::now().timestamp()));
        slot.current = Some(Current { data: data.clone(), header, obtained });
        slot.failed = None;
        Ok(data)
    }
}

impl<S> fmt::Debug for RenewingAuthorizer<S>
where
    S: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RenewingAuthorizer").field("source", &self.source).field("leeway", &self.leeway).finish()
    }
}

impl<S: TokenSource> Authorizer for RenewingAuthorizer<S> {
    fn authorization_header(&self) -> BoxFuture<'_, Result<Option<HeaderValue>, Error>> {
        Box::pin(async move {
            let waiting_since = Instant::now();
            let mut guard = self.current.lock().await;
            let fresh = guard.current.as_ref().is_some_and(|c| c.is_fresh(self.leeway));
            if !fresh {
                // A renewal failed while this caller waited for the lock (or just before):
                // share its failure instead of asking Auth again, one caller after another.
                if let Some((at, e)) = &guard.failed
                    && (*at >= waiting_since || at.elapsed() < FAILURE_SHARED_FOR)
                {
                    return Err(e.duplicate());
                }
                self.renew_locked(&mut guard).await?;
            }
            Ok(guard.current.as_ref().map(|c| c.header.clone()))
        })
    }

    fn on_unauthorized<'a>(&'a self, rejected: Option<&'a HeaderValue>) -> BoxFuture<'a, bool> {
        Box::pin(async move {
            let mut guard = self.current.lock().await;
            // Another request already renewed the token this one was sent with.
            if let (Some(current), Some(rejected)) = (guard.current.as_ref(), rejected)
                && current.header != rejected
            {
                return true;
            }
            match self.renew_locked(&mut guard).await {
                Ok(_) => true,
                Err(e) => {
                    tracing::warn!(error = %e, "could not renew the access token after a 401");
                    false
                }
            }
        })
    }
}

//! When and how long to wait before sending a request again.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, StatusCode};

/// Statuses that may succeed when sent again: 429, 500, 502, 503, 504.
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504)
}

/// Statuses that say the server did not process the request (safe to resend any request).
pub(crate) fn is_unprocessed_status(status: u16) -> bool {
    matches!(status, 429 | 503)
}

/// Why the transport is sending a request again.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryReason {
    /// The service answered with this retryable status.
    Status(u16),
    /// The connection failed (refused, reset, broken mid-response, timed out).
    Connection(String),
}

/// What the transport tells a [`RetryPolicy::on_retry`] observer before it waits.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RetryEvent {
    /// The operation being retried (the spec's operationId, or `raw` for raw requests).
    pub operation_id: &'static str,
    /// Which retry this is (1 for the first).
    pub retry: u32,
    /// Why.
    pub reason: RetryReason,
    /// How long the service asked to wait (`Retry-After`), if it did.
    pub retry_after: Option<Duration>,
    /// How long the transport will wait (after the cap).
    pub delay: Duration,
}

type Observer = Arc<dyn Fn(&RetryEvent) + Send + Sync>;

/// How failed requests are retried: 429, 500, 502, 503, 504 and connection failures, with
/// exponential backoff and jitter, capped, honouring `Retry-After`.
///
/// Requests that are not safe to repeat (POST, PATCH) are resent only when the service cannot
/// have processed them (the connection was refused, or the answer was 429 or 503), unless the
/// operation is marked safe in the spec (`x-globus-retry-safe`).
///
/// ```
/// use std::time::Duration;
/// use globus_sdk::transport::RetryPolicy;
/// let policy = RetryPolicy::default().max_retries(3).max_delay(Duration::from_secs(5));
/// assert_eq!(policy.get_max_retries(), 3);
/// let none = RetryPolicy::none();
/// assert_eq!(none.get_max_retries(), 0);
/// ```
#[derive(Clone)]
pub struct RetryPolicy {
    max_retries: u32,
    initial_delay: Duration,
    max_delay: Duration,
    observer: Option<Observer>,
}

impl Default for RetryPolicy {
    /// Five retries, first delay about 0.5 s (jittered between 0.25 and 0.75 s), doubling,
    /// capped at 10 s: the Python SDK's defaults.
    fn default() -> Self {
        RetryPolicy {
            max_retries: 5,
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(10),
            observer: None,
        }
    }
}

impl fmt::Debug for RetryPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryPolicy")
            .field("max_retries", &self.max_retries)
            .field("initial_delay", &self.initial_delay)
            .field("max_delay", &self.max_delay)
            .field("observer", &self.observer.is_some())
            .finish()
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        Self::default().max_retries(0)
    }

    /// How many times a request may be resent (0 disables retries).
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// The centre of the first backoff delay; each retry doubles it, with ±50 % jitter.
    pub fn initial_delay(mut self, d: Duration) -> Self {
        self.initial_delay = d;
        self
    }

    /// The longest wait between two attempts, whatever the backoff or `Retry-After` says.
    pub fn max_delay(mut self, d: Duration) -> Self {
        self.max_delay = d;
        self
    }

    /// Call `f` before every retry (for logging or metrics).
    pub fn on_retry(mut self, f: impl Fn(&RetryEvent) + Send + Sync + 'static) -> Self {
        self.observer = Some(Arc::new(f));
        self
    }

    /// The maximum number of retries.
    pub fn get_max_retries(&self) -> u32 {
        self.max_retries
    }

    /// The delay before retry number `retry` (1-based): `Retry-After` when given, else
    /// exponential backoff with jitter; never more than the cap.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let wanted = retry_after.unwrap_or_else(|| {
            let jitter: f64 = 0.5 + rand::random::<f64>();
            let exp = 2f64.powi(retry.saturating_sub(1).min(30) as i32);
            Duration::from_secs_f64((self.initial_delay.as_secs_f64() * jitter * exp).min(self.max_delay.as_secs_f64()))
        });
        wanted.min(self.max_delay)
    }

    pub(crate) fn notify(&self, event: &RetryEvent) {
        if let Some(observer) = &self.observer {
            observer(event);
        }
    }
}

/// Read `Retry-After`: delay-seconds or an HTTP date.
pub fn parse_retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(http::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(std::time::SystemTime::now()).unwrap_or(Duration::ZERO))
}

/// The decision for one response.
pub(crate) fn status_is_retryable(status: StatusCode, retry_safe: bool) -> bool {
    let s = status.as_u16();
    is_unprocessed_status(s) || (retry_safe && is_retryable_status(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy::default().initial_delay(Duration::from_millis(100)).max_delay(Duration::from_millis(700));
        for _ in 0..50 {
            let d1 = p.delay(1, None);
            assert!(d1 >= Duration::from_millis(50) && d1 <= Duration::from_millis(150), "{d1:?}");
            let d3 = p.delay(3, None);
            assert!(d3 >= Duration::from_millis(200) && d3 <= Duration::from_millis(600), "{d3:?}");
            assert!(p.delay(10, None) <= Duration::from_millis(700));
        }
        assert_eq!(p.delay(1, Some(Duration::from_secs(3600))), Duration::from_millis(700));
        assert_eq!(p.delay(1, Some(Duration::from_millis(20))), Duration::from_millis(20));
    }

    #[test]
    fn retry_after_forms() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", "7".parse().unwrap());
        assert_eq!(parse_retry_after(&h), Some(Duration::from_secs(7)));
        let later = std::time::SystemTime::now() + Duration::from_secs(120);
        h.insert("retry-after", httpdate::fmt_http_date(later).parse().unwrap());
        let d = parse_retry_after(&h).unwrap();
        assert!(d > Duration::from_secs(110) && d <= Duration::from_secs(120), "{d:?}");
        h.insert("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap());
        assert_eq!(parse_retry_after(&h), Some(Duration::ZERO));
        h.insert("retry-after", "soon".parse().unwrap());
        assert_eq!(parse_retry_after(&h), None);
    }

    #[test]
    fn which_statuses() {
        for s in [429, 503] {
            assert!(status_is_retryable(StatusCode::from_u16(s).unwrap(), false));
        }
        for s in [500, 502, 504] {
            assert!(!status_is_retryable(StatusCode::from_u16(s).unwrap(), false));
            assert!(status_is_retryable(StatusCode::from_u16(s).unwrap(), true));
        }
        for s in [400, 401, 403, 404, 409] {
            assert!(!status_is_retryable(StatusCode::from_u16(s).unwrap(), true));
        }
    }
}

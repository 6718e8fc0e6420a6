//! When and how long to wait before sending a request again.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

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

/// What a retry costs from the shared budget, and what a success gives back (the AWS SDKs'
/// standard retry quota: 500, 5 a retry, 10 after a timeout or a broken connection, 1 back
/// for a first-attempt success, the retry's cost back for a success after a retry).
const DEFAULT_BUDGET: u32 = 500;
const RETRY_COST: u32 = 5;
const TIMEOUT_COST: u32 = 10;
const SUCCESS_REFUND: u32 = 1;

/// A budget of retries shared by every request of the clients that share a policy: during an
/// outage the retries stop once it is spent (each call then fails at its first error), and
/// successes refill it.
struct RetryBudget {
    capacity: u32,
    available: AtomicU32,
}

impl RetryBudget {
    fn new(capacity: u32) -> Self {
        RetryBudget { capacity, available: AtomicU32::new(capacity) }
    }

    fn try_spend(&self, cost: u32) -> bool {
        self.available.fetch_update(Ordering::AcqRel, Ordering::Acquire, |a| a.checked_sub(cost)).is_ok()
    }

    fn refund(&self, amount: u32) {
        let _ = self
            .available
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |a| Some(a.saturating_add(amount).min(self.capacity)));
    }
}

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
///
/// Clones of a policy (every client built from one [`Config`](crate::Config)) share a retry
/// budget ([`RetryPolicy::retry_budget`]), so an outage does not multiply the load by the
/// number of retries; [`RetryPolicy::deadline`] bounds the time one call spends retrying.
#[derive(Clone)]
pub struct RetryPolicy {
    max_retries: u32,
    initial_delay: Duration,
    max_delay: Duration,
    deadline: Option<Duration>,
    budget: Arc<RetryBudget>,
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
            deadline: None,
            budget: Arc::new(RetryBudget::new(DEFAULT_BUDGET)),
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
            .field("deadline", &self.deadline)
            .field("retry_budget", &self.budget.available.load(Ordering::Relaxed))
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

    /// The retry budget shared by the clients of this policy and its clones (default 500; a
    /// retry costs 5, or 10 after a timeout or a broken connection; each success gives some
    /// back). When it is spent, requests are not retried until successes refill it.
    pub fn retry_budget(mut self, capacity: u32) -> Self {
        self.budget = Arc::new(RetryBudget::new(capacity));
        self
    }

    /// The longest one call may take, retries included: no retry starts whose wait would
    /// end past it (default: none; each attempt still has the HTTP timeout).
    pub fn deadline(mut self, d: Duration) -> Self {
        self.deadline = Some(d);
        self
    }

    /// The retry budget left.
    pub fn retry_budget_left(&self) -> u32 {
        self.budget.available.load(Ordering::Acquire)
    }

    /// Whether a retry that waits `delay` may start, for a call that started at `started`;
    /// takes the retry's cost from the budget when it may.
    pub(crate) fn may_retry(&self, started: Instant, delay: Duration, after_timeout: bool) -> bool {
        if self.deadline.is_some_and(|d| started.elapsed().saturating_add(delay) > d) {
            return false;
        }
        self.budget.try_spend(if after_timeout { TIMEOUT_COST } else { RETRY_COST })
    }

    /// A call succeeded after `retries` retries: give back to the budget.
    pub(crate) fn succeeded(&self, retries: u32, last_retry_after_timeout: bool) {
        let refund = match (retries, last_retry_after_timeout) {
            (0, _) => SUCCESS_REFUND,
            (_, true) => TIMEOUT_COST,
            _ => RETRY_COST,
        };
        self.budget.refund(refund);
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
            // Any setting (Duration::MAX included) gives a delay, never a panic.
            Duration::try_from_secs_f64(self.initial_delay.as_secs_f64() * jitter * exp).unwrap_or(self.max_delay)
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

//! Fault injection: make the next matching requests fail, hang, lose their connection, or
//! be processed and then lose their answer.

use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the client sees when a request was processed but its answer is lost
/// ([`Faults::lose_response_next`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LostResponse {
    /// The server processed the request, then answered with this status (e.g. 503) and a
    /// Globus-style error body instead of the real answer.
    Status(u16),
    /// The server processed the request, then closed the connection without answering.
    Drop,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum FaultAction {
    /// Answer with this status without processing the request.
    Fail { status: u16, retry_after: Option<Duration> },
    /// Close the connection without processing or answering.
    Drop,
    /// Wait, then process and answer normally.
    Delay(Duration),
    /// Process, then lose the answer.
    Lose(LostResponse),
}

impl FaultAction {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            FaultAction::Fail { .. } => "fail",
            FaultAction::Drop => "drop",
            FaultAction::Delay(_) => "delay",
            FaultAction::Lose(LostResponse::Status(_)) => "lose_response_status",
            FaultAction::Lose(LostResponse::Drop) => "lose_response_drop",
        }
    }
}

#[derive(Debug)]
struct Rule {
    method: Option<String>,
    path_prefix: String,
    remaining: u32,
    action: FaultAction,
}

/// The fault rules of a [`LocalGlobus`](crate::testing::LocalGlobus), from
/// [`LocalGlobus::faults`](crate::testing::LocalGlobus::faults).
///
/// Each rule applies to the next `n` requests whose method matches (`"*"` or `""` for any)
/// and whose path (without the query, e.g. `/v0.10/transfer`, `/v2/oauth2/token`) starts
/// with `path_prefix`, on either service. Rules are tried in the order they were added; the
/// first one that still has requests left applies.
///
/// ```
/// use std::time::Duration;
/// use globus_sdk::testing::{LocalGlobus, LostResponse};
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let local = LocalGlobus::start().await.unwrap();
/// // The next two task lookups get a 503 asking to wait one second.
/// local.faults().fail_next("GET", "/v0.10/task/", 2, 503, Some(Duration::from_secs(1)));
/// // The next submission is processed, but its answer is lost: the connection closes.
/// local.faults().lose_response_next("POST", "/v0.10/transfer", 1, LostResponse::Drop);
/// assert_eq!(local.faults().pending(), 3);
/// # });
/// ```
#[derive(Clone, Debug, Default)]
pub struct Faults {
    rules: Arc<Mutex<Vec<Rule>>>,
}

impl Faults {
    fn add(&self, method: &str, path_prefix: &str, n: u32, action: FaultAction) -> &Self {
        let method = match method.trim() {
            "" | "*" => None,
            m => Some(m.to_ascii_uppercase()),
        };
        let rule = Rule { method, path_prefix: path_prefix.to_string(), remaining: n, action };
        self.rules.lock().unwrap_or_else(|e| e.into_inner()).push(rule);
        self
    }

    /// Answer the next `n` matching requests with `status` and a Globus-style error body,
    /// without processing them; with `retry_after`, also send `Retry-After` (whole seconds,
    /// rounded up).
    pub fn fail_next(
        &self,
        method: &str,
        path_prefix: &str,
        n: u32,
        status: u16,
        retry_after: Option<Duration>,
    ) -> &Self {
        self.add(method, path_prefix, n, FaultAction::Fail { status, retry_after })
    }

    /// Close the connection of the next `n` matching requests without processing or
    /// answering them.
    pub fn drop_next(&self, method: &str, path_prefix: &str, n: u32) -> &Self {
        self.add(method, path_prefix, n, FaultAction::Drop)
    }

    /// Wait `delay` before processing and answering the next `n` matching requests.
    pub fn delay_next(&self, method: &str, path_prefix: &str, n: u32, delay: Duration) -> &Self {
        self.add(method, path_prefix, n, FaultAction::Delay(delay))
    }

    /// Process the next `n` matching requests, then lose their answers as `lost` says: the
    /// client cannot tell whether the request took effect (a submission created its task).
    pub fn lose_response_next(&self, method: &str, path_prefix: &str, n: u32, lost: LostResponse) -> &Self {
        self.add(method, path_prefix, n, FaultAction::Lose(lost))
    }

    /// Remove every rule.
    pub fn clear(&self) {
        self.rules.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// How many requests the rules will still affect.
    pub fn pending(&self) -> u32 {
        self.rules.lock().unwrap_or_else(|e| e.into_inner()).iter().map(|r| r.remaining).sum()
    }

    /// The fault for this request, if a rule applies (and count it).
    pub(crate) fn take(&self, method: &str, path: &str) -> Option<FaultAction> {
        let mut rules = self.rules.lock().unwrap_or_else(|e| e.into_inner());
        let rule = rules.iter_mut().find(|r| {
            r.remaining > 0
                && r.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(method))
                && path.starts_with(&r.path_prefix)
        })?;
        rule.remaining -= 1;
        let action = rule.action.clone();
        rules.retain(|r| r.remaining > 0);
        Some(action)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_match_in_order_and_run_out() {
        let f = Faults::default();
        f.fail_next("post", "/v0.10/transfer", 1, 503, None).drop_next("*", "/v0.10/", 1);
        assert_eq!(f.take("GET", "/v2/api/identities"), None);
        assert_eq!(f.take("POST", "/v0.10/transfer"), Some(FaultAction::Fail { status: 503, retry_after: None }));
        assert_eq!(f.take("POST", "/v0.10/transfer"), Some(FaultAction::Drop));
        assert_eq!(f.take("POST", "/v0.10/transfer"), None);
        assert_eq!(f.pending(), 0);
    }
}

//! The request log: every request any service received, the latest ones kept.

use std::collections::VecDeque;
use std::sync::Mutex;

use super::core::lock;

/// The most requests the log remembers (the oldest are forgotten).
const LOG_LIMIT: usize = 10_000;

/// One request the local Globus received.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoggedRequest {
    /// The service that received it: `auth`, `transfer`...
    pub service: &'static str,
    /// The HTTP method.
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The status answered; None when the connection was dropped.
    pub status: Option<u16>,
    /// The injected fault that applied, if any (`fail`, `drop`, `delay`,
    /// `lose_response_status`, `lose_response_drop`).
    pub fault: Option<String>,
}

/// The latest requests, optionally echoed on stderr as they come.
pub(crate) struct RequestLog {
    entries: Mutex<VecDeque<LoggedRequest>>,
    print: bool,
}

impl RequestLog {
    /// An empty log; with `print`, one line per request on stderr.
    pub fn new(print: bool) -> RequestLog {
        RequestLog { entries: Mutex::new(VecDeque::new()), print }
    }

    /// Record a request.
    pub fn push(&self, entry: LoggedRequest) {
        if self.print {
            let status = entry.status.map_or("dropped".to_string(), |s| s.to_string());
            let fault = entry.fault.as_deref().map(|f| format!(" (fault: {f})")).unwrap_or_default();
            eprintln!("{:<8} {:<6} {} -> {status}{fault}", entry.service, entry.method, entry.path);
        }
        let mut entries = lock(&self.entries);
        if entries.len() >= LOG_LIMIT {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    /// The requests logged so far, oldest first.
    pub fn entries(&self) -> Vec<LoggedRequest> {
        lock(&self.entries).iter().cloned().collect()
    }

    /// Forget every request.
    pub fn clear(&self) {
        lock(&self.entries).clear();
    }
}

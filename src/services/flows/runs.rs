//! A run's status as a lenient enum: the states Flows documents, and any other kept as sent.

use std::fmt;

use super::types;

/// The state of a run (`status`): `ACTIVE`, `INACTIVE`, `SUCCEEDED`, `FAILED`, `ENDED`, or a
/// state this SDK does not know yet, kept as the service sent it (a new state never breaks
/// decoding).
///
/// ```
/// use globus_sdk::flows::RunStatus;
/// assert_eq!(RunStatus::from("SUCCEEDED"), RunStatus::Succeeded);
/// assert_eq!(RunStatus::from("PAUSED_BY_ADMIN"), RunStatus::Other("PAUSED_BY_ADMIN".into()));
/// assert!(RunStatus::Failed.is_finished() && !RunStatus::Inactive.is_finished());
/// assert_eq!(RunStatus::Ended.to_string(), "ENDED");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RunStatus {
    /// Running.
    Active,
    /// Stopped until something is done (a consent granted, a web input answered...), then resumed.
    Inactive,
    /// Completed successfully.
    Succeeded,
    /// Completed with a failure (or cancelled).
    Failed,
    /// Ended without success or failure.
    Ended,
    /// A state this SDK does not know, as the service sent it.
    Other(String),
}

impl RunStatus {
    /// Whether the run is over (`SUCCEEDED`, `FAILED` or `ENDED`): it will not change again.
    pub fn is_finished(&self) -> bool {
        matches!(self, RunStatus::Succeeded | RunStatus::Failed | RunStatus::Ended)
    }

    /// The status as Flows spells it.
    pub fn as_str(&self) -> &str {
        match self {
            RunStatus::Active => "ACTIVE",
            RunStatus::Inactive => "INACTIVE",
            RunStatus::Succeeded => "SUCCEEDED",
            RunStatus::Failed => "FAILED",
            RunStatus::Ended => "ENDED",
            RunStatus::Other(other) => other,
        }
    }
}

impl From<&str> for RunStatus {
    fn from(status: &str) -> Self {
        match status.to_ascii_uppercase().as_str() {
            "ACTIVE" => RunStatus::Active,
            "INACTIVE" => RunStatus::Inactive,
            "SUCCEEDED" => RunStatus::Succeeded,
            "FAILED" => RunStatus::Failed,
            "ENDED" => RunStatus::Ended,
            _ => RunStatus::Other(status.to_string()),
        }
    }
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl types::Run {
    /// The run's state as a [`RunStatus`] (unknown states are kept as `Other`).
    ///
    /// ```
    /// use globus_sdk::flows::{RunStatus, types::Run};
    /// let run: Run = serde_json::from_value(serde_json::json!({"run_id": "r", "flow_id": "f", "status": "INACTIVE"})).unwrap();
    /// assert_eq!(run.run_status(), RunStatus::Inactive);
    /// assert!(!run.is_finished());
    /// ```
    pub fn run_status(&self) -> RunStatus {
        RunStatus::from(self.status.as_str())
    }

    /// Whether the run is over (`SUCCEEDED`, `FAILED` or `ENDED`).
    ///
    /// ```
    /// use globus_sdk::flows::types::Run;
    /// let run: Run = serde_json::from_value(serde_json::json!({"run_id": "r", "flow_id": "f", "status": "SUCCEEDED"})).unwrap();
    /// assert!(run.is_finished());
    /// ```
    pub fn is_finished(&self) -> bool {
        self.run_status().is_finished()
    }
}

//! [`Secret`]: a string that never shows itself.

use std::fmt;

/// A token, client secret or other credential.
///
/// `Debug` prints `[redacted]`, there is no `Display`, and the value is read only through
/// [`Secret::expose`]. It serializes as the plain string (it has to be sent). Spec fields with
/// `format: password` are generated as `Secret`.
///
/// ```
/// use globus_sdk::Secret;
/// let s = Secret::from("hunter2");
/// assert_eq!(format!("{s:?}"), "Secret([redacted])");
/// assert_eq!(s.expose(), "hunter2");
/// assert_eq!(serde_json::to_string(&s).unwrap(), "\"hunter2\"");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wrap a value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value itself. Keep it out of logs.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Take the value out.
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret(s)
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret(s.to_string())
    }
}

impl From<&String> for Secret {
    fn from(s: &String) -> Self {
        Secret(s.clone())
    }
}

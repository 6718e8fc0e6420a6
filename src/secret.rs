//! [`Secret`]: a string that never shows itself, and is wiped from memory when dropped.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

/// A token, client secret or other credential.
///
/// `Debug` prints `[redacted]`, there is no `Display`, and the value is read only through
/// [`Secret::expose`]. It serializes as the plain string (it has to be sent). Spec fields with
/// `format: password` are generated as `Secret`.
///
/// When a `Secret` is dropped its bytes are overwritten with zeros before the memory is freed
/// (the `zeroize` crate), so a token does not linger in freed heap memory. Copies made with
/// [`Secret::expose`] or [`Secret::into_inner`] are ordinary strings and are not wiped.
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

    /// Take the value out (the returned `String` is not wiped when dropped).
    pub fn into_inner(mut self) -> String {
        std::mem::take(&mut self.0)
    }
}

impl Zeroize for Secret {
    fn zeroize(&mut self) {
        self.0.zeroize();
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl ZeroizeOnDrop for Secret {}

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

#[allow(unused_imports)] // used by generated code, when an enabled service's spec has such types
pub(crate) use redacted::RedactedValues;

#[allow(dead_code)]
mod redacted {
    use std::fmt;

    /// Shows a map's keys with every value redacted: the `Debug` of the generated types that
    /// hold tokens prints their `extra` map (fields the spec does not name) through it.
    pub(crate) struct RedactedValues<'a, T>(pub &'a T);

    struct Hidden;

    impl fmt::Debug for Hidden {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("[redacted]")
        }
    }

    type Extra = serde_json::Map<String, serde_json::Value>;

    impl fmt::Debug for RedactedValues<'_, Extra> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_map().entries(self.0.keys().map(|k| (k, Hidden))).finish()
        }
    }

    impl fmt::Debug for RedactedValues<'_, Result<Extra, String>> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self.0 {
                Ok(map) => f.debug_tuple("Ok").field(&RedactedValues(map)).finish(),
                Err(e) => f.debug_tuple("Err").field(e).finish(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wiped_on_drop() {
        fn zeroized_on_drop<T: ZeroizeOnDrop>() {}
        zeroized_on_drop::<Secret>();
        let mut s = Secret::from("AT-to-wipe");
        s.zeroize();
        assert_eq!(s.expose(), "", "zeroize empties the value (and overwrote its bytes)");
        assert_eq!(Secret::from("kept").into_inner(), "kept");
    }
}

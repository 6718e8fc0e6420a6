//! Bodies as the transport logs them at TRACE: secrets replaced field by field.
//!
//! Operations whose spec says `x-globus-sensitive-body` (and raw requests to their method and
//! path) are never logged at all. Every other body is logged with the value of each secret
//! field replaced by `"[redacted]"`, at any depth: JSON objects and form fields alike. The
//! secret fields are [`ALWAYS_SECRET`] and the properties a service's spec marks
//! `format: password`. A body that claims to be JSON but does not parse cannot be told apart
//! field by field, so only its length is logged.

use std::borrow::Cow;

use serde_json::Value;

/// Field names whose values are credentials in any Globus body.
pub const ALWAYS_SECRET: &[&str] =
    &["access_token", "refresh_token", "id_token", "client_secret", "code", "code_verifier", "password"];

/// What a redacted value is logged as.
const REDACTED: &str = "[redacted]";

/// Which body is logged: an error answer keeps its `code` (the Globus error code, which the
/// log is for); an authorization code is only ever sent, in a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Side {
    Request,
    Success,
    ErrorAnswer,
}

struct Secrets<'a> {
    service: &'a [&'a str],
    side: Side,
}

impl Secrets<'_> {
    fn hides(&self, name: &str) -> bool {
        if self.side == Side::ErrorAnswer && name.eq_ignore_ascii_case("code") {
            return false;
        }
        ALWAYS_SECRET.iter().chain(self.service).any(|s| s.eq_ignore_ascii_case(name))
    }
}

/// The body as logged: secrets redacted, at most `limit` bytes shown.
pub(super) fn loggable(
    body: &[u8],
    content_type: Option<&str>,
    service_secrets: &[&str],
    side: Side,
    limit: usize,
) -> String {
    let secrets = Secrets { service: service_secrets, side };
    let ct = content_type.unwrap_or_default().to_ascii_lowercase();
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    let shown: Cow<'_, [u8]> = if ct.contains("json") || matches!(first, Some(b'{' | b'[')) {
        match serde_json::from_slice::<Value>(body) {
            Ok(mut json) => {
                redact_json(&mut json, &secrets);
                Cow::Owned(json.to_string().into_bytes())
            }
            Err(_) if body.is_empty() => Cow::Borrowed(body),
            Err(_) => return format!("({} bytes that do not parse as JSON: not shown)", body.len()),
        }
    } else if ct.contains("x-www-form-urlencoded") {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in url::form_urlencoded::parse(body) {
            let v = if secrets.hides(&k) { Cow::Borrowed(REDACTED) } else { v };
            out.append_pair(&k, &v);
        }
        Cow::Owned(out.finish().into_bytes())
    } else {
        Cow::Borrowed(body)
    };
    truncated(&shown, limit)
}

fn redact_json(value: &mut Value, secrets: &Secrets<'_>) {
    // An explicit stack: a body nested deeper than the call stack allows is still redacted.
    let mut todo = vec![value];
    while let Some(v) = todo.pop() {
        match v {
            Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    if secrets.hides(k) {
                        *v = Value::String(REDACTED.into());
                    } else {
                        todo.push(v);
                    }
                }
            }
            Value::Array(items) => todo.extend(items.iter_mut()),
            _ => {}
        }
    }
}

fn truncated(body: &[u8], limit: usize) -> String {
    let shown = &body[..body.len().min(limit)];
    let text = String::from_utf8_lossy(shown);
    if body.len() > limit { format!("{text}... ({} bytes)", body.len()) } else { text.into_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(body: &str, ct: Option<&str>, side: Side) -> String {
        loggable(body.as_bytes(), ct, &["token", "secret"], side, 4096)
    }

    #[test]
    fn json_fields_at_any_depth() {
        let body = r#"{"access_token": "AT1", "other_tokens": [{"refresh_token": "RT1", "scope": "s"}],
                       "nested": {"secret": {"x": 1}, "Password": "pw"}, "token": 7, "code": "c1"}"#;
        let shown = log(body, Some("application/json"), Side::Success);
        for s in ["AT1", "RT1", "pw", "\"x\"", "c1", "7"] {
            assert!(!shown.contains(s), "{s} in {shown}");
        }
        assert!(shown.contains(r#""scope":"s""#), "{shown}");
        // An error answer keeps its Globus error code.
        let shown = log(r#"{"code": "ConsentRequired", "access_token": "AT2"}"#, None, Side::ErrorAnswer);
        assert!(shown.contains("ConsentRequired") && !shown.contains("AT2"), "{shown}");
    }

    #[test]
    fn form_fields() {
        let body = "grant_type=authorization_code&code=C0DE&code_verifier=V3R&client_secret=S3C&redirect_uri=x";
        let shown = log(body, Some("application/x-www-form-urlencoded"), Side::Request);
        for s in ["C0DE", "V3R", "S3C"] {
            assert!(!shown.contains(s), "{s} in {shown}");
        }
        assert!(shown.contains("grant_type=authorization_code") && shown.contains("redirect_uri=x"), "{shown}");
    }

    #[test]
    fn broken_json_is_not_shown() {
        let shown = log(r#"{"access_token": "AT3", "x"#, Some("application/json"), Side::Success);
        assert!(!shown.contains("AT3") && shown.contains("not shown"), "{shown}");
        assert_eq!(log("<html>down</html>", Some("text/html"), Side::ErrorAnswer), "<html>down</html>");
        assert_eq!(log("", Some("application/json"), Side::Success), "");
        let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
        assert!(log(&deep, None, Side::Success).contains("not shown"));
    }
}

//! Validation on read and on store: each failure is its own kind with its next step; renewed
//! tokens are written back under the stored identity; no token shows in errors, `Debug` or
//! logs.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use globus_sdk::scopes::Scope;
use globus_sdk::token_storage::*;

use super::token;
use crate::common::*;

fn memory() -> Arc<dyn TokenStorage> {
    Arc::new(MemoryTokenStorage::new())
}

fn invalid(e: StorageError) -> ValidationError {
    match e {
        StorageError::Invalid(v) => v,
        other => panic!("not a validation error: {other}"),
    }
}

fn expired(resource_server: &str, refresh: bool) -> TokenStorageData {
    let mut t = token(resource_server, "EXPIRED-AT", Some("u1"));
    t.expires_at_seconds = chrono::Utc::now().timestamp() - 60;
    if !refresh {
        t.refresh_token = None;
    }
    t
}

#[test]
fn each_failure_is_its_own_kind_with_its_next_step() {
    let storage = ValidatingTokenStorage::new(memory()).validator(NotExpired).validator(UnchangingIdentity);

    // Nothing stored: log in.
    let e = invalid(storage.get("transfer.api.globus.org").unwrap_err());
    assert_eq!(e, ValidationError::NotFound { resource_server: "transfer.api.globus.org".into() });
    assert_eq!(e.next_step(), NextStep::Login);

    // Expired without a refresh token: log in again. With one: fine (the authorizer renews).
    storage.store(&[expired("a", false), expired("b", true)]).unwrap();
    let e = invalid(storage.get("a").unwrap_err());
    assert!(matches!(&e, ValidationError::Expired { resource_server, .. } if resource_server == "a"), "{e}");
    assert_eq!(e.next_step(), NextStep::Login);
    assert_eq!(e.resource_server(), Some("a"));
    assert!(storage.get("b").is_ok());
    assert!(matches!(invalid(storage.get_all().unwrap_err()), ValidationError::Expired { .. }));

    // Another identity than the stored one: log out first; logging in again does not help.
    let e = invalid(storage.store(&[token("c", "C", Some("u2"))]).unwrap_err());
    assert_eq!(e, ValidationError::IdentityChanged { stored: "u1".into(), new: "u2".into() });
    assert_eq!(e.next_step(), NextStep::Logout);
    assert!(storage.storage().get(DEFAULT_NAMESPACE, "c").unwrap().is_none(), "nothing was stored");

    // No identity at all: the program must request openid.
    let e = invalid(storage.store(&[token("c", "C", None)]).unwrap_err());
    assert_eq!(e, ValidationError::MissingIdentity);
    assert_eq!(e.next_step(), NextStep::FixProgram);
    assert!(e.to_string().contains("openid"), "{e}");

    // Tokens of two identities at once.
    let e = invalid(storage.store(&[token("c", "C", Some("u1")), token("d", "D", Some("u3"))]).unwrap_err());
    assert_eq!(e, ValidationError::MixedIdentities { identities: vec!["u1".into(), "u3".into()] });
    assert_eq!(e.next_step(), NextStep::Logout);

    // After logging out (removing every token), another user may log in.
    for rs in ["a", "b"] {
        assert!(storage.remove(rs).unwrap());
    }
    storage.store(&[token("c", "C", Some("u2"))]).unwrap();
    assert_eq!(storage.stored_identity().unwrap().as_deref(), Some("u2"));

    // Refresh tokens required, and missing.
    let strict = ValidatingTokenStorage::new(memory()).validator(HasRefreshTokens);
    let mut no_refresh = token("e", "E", Some("u1"));
    no_refresh.refresh_token = None;
    strict.store(&[no_refresh]).unwrap();
    let e = invalid(strict.get("e").unwrap_err());
    assert_eq!(e, ValidationError::MissingRefreshToken { resource_server: "e".into() });
    assert_eq!(e.next_step(), NextStep::Login);
    assert!(e.to_string().contains("requesting refresh tokens"), "{e}");
}

#[test]
fn scope_requirements_hook_and_namespaces() {
    let store = memory();
    let required = ScopeRequirements::new([(
        "transfer.api.globus.org",
        vec![Scope::new("urn:globus:auth:scope:transfer.api.globus.org:all")],
    )]);
    let storage = ValidatingTokenStorage::new(store.clone()).namespace("mine").validator(required);
    assert_eq!(storage.namespace_name(), "mine");
    let mut t = token("transfer.api.globus.org", "T", None);
    t.scope = "openid".into();
    let e = invalid(storage.store(std::slice::from_ref(&t)).unwrap_err());
    assert_eq!(
        e,
        ValidationError::UnmetScopes {
            resource_server: "transfer.api.globus.org".into(),
            missing: vec!["urn:globus:auth:scope:transfer.api.globus.org:all".into()],
        }
    );
    assert_eq!(e.next_step(), NextStep::Login);
    t.scope = "urn:globus:auth:scope:transfer.api.globus.org:all openid".into();
    storage.store(&[t]).unwrap();
    assert!(store.get("mine", "transfer.api.globus.org").unwrap().is_some());
    assert!(store.get(DEFAULT_NAMESPACE, "transfer.api.globus.org").unwrap().is_none());

    // A validator of one's own, on both hooks.
    #[derive(Debug)]
    struct NoToken(&'static str);
    impl TokenValidator for NoToken {
        fn before_store(
            &self,
            t: &BTreeMap<String, TokenStorageData>,
            _: &ValidationContext,
        ) -> Result<(), ValidationError> {
            match t.contains_key(self.0) {
                true => Err(ValidationError::NotFound { resource_server: self.0.into() }),
                false => Ok(()),
            }
        }
    }
    let custom = ValidatingTokenStorage::new(store).validator(NoToken("banned"));
    assert!(custom.store(&[token("banned", "X", None)]).is_err());
    custom.store(&[token("fine", "X", None)]).unwrap();
}

#[test]
fn errors_convert_to_the_sdk_error() {
    let e: globus_sdk::Error = StorageError::from(ValidationError::MissingIdentity).into();
    assert_eq!(e.kind(), globus_sdk::ErrorKind::Authorization);
    assert!(e.to_string().contains("openid"), "{e}");
    let io = StorageError::Location { reason: "no home".into() };
    let e: globus_sdk::Error = io.into();
    assert_eq!(e.kind(), globus_sdk::ErrorKind::Config);
    assert!(e.to_string().contains("no home"), "{e}");
}

/// The authorizer renews an expired token; `on_refresh` writes the new tokens back under the
/// stored identity, in the JSON file, where the next run finds them.
#[tokio::test]
async fn renewed_tokens_are_written_back() {
    use globus_sdk::authorizers::Authorizer;
    let dir = tempfile::tempdir().unwrap();
    let file = Arc::new(JsonTokenStorage::new(dir.path().join("tokens.json")));
    let storage = Arc::new(ValidatingTokenStorage::new(file.clone()).validator(UnchangingIdentity));
    let mut stored = expired("auth.globus.org", true);
    stored.scope = "urn:globus:auth:scope:auth.globus.org:view_identities".into();
    storage.store(&[stored.clone()]).unwrap();

    let s = server().await;
    s.once("POST", TOKEN, token_reply("NEW-ACCESS", Some("NEW-REFRESH"), 3600));
    let failures = Arc::new(Mutex::new(Vec::new()));
    let (sink, writer) = (failures.clone(), storage.clone());
    let authorizer = app(&s)
        .refresh_token_authorizer(storage.get("auth.globus.org").unwrap().to_token_data())
        .unwrap()
        .on_refresh(move |tokens| {
            if let Err(e) = writer.store_renewed(tokens) {
                sink.lock().unwrap().push(e.to_string());
            }
        });
    authorizer.authorization_header().await.unwrap();
    assert!(failures.lock().unwrap().is_empty(), "{failures:?}");

    let reread = JsonTokenStorage::new(file.path()).get(DEFAULT_NAMESPACE, "auth.globus.org").unwrap().unwrap();
    assert_eq!(reread.access_token.expose(), "NEW-ACCESS");
    assert_eq!(reread.refresh_token.as_ref().unwrap().expose(), "NEW-REFRESH");
    assert_eq!(reread.identity_id.as_deref(), Some("u1"), "the stored identity is kept");
    assert!(!reread.is_expired());
}

#[test]
fn no_token_in_debug_or_logs() {
    run_alone("token_storage::validation::no_token_in_debug_or_logs_alone");
}

#[test]
#[ignore = "runs in its own process, started by no_token_in_debug_or_logs"]
fn no_token_in_debug_or_logs_alone() {
    assert_alone("token_storage::validation::no_token_in_debug_or_logs_alone");
    let logs = crate::common::TraceLogs::capture();
    let mut shown = String::new();
    {
        let dir = tempfile::tempdir().unwrap();
        let mut stores: Vec<Arc<dyn TokenStorage>> =
            vec![Arc::new(MemoryTokenStorage::new()), Arc::new(JsonTokenStorage::new(dir.path().join("t.json")))];
        #[cfg(feature = "sqlite")]
        stores.push(Arc::new(SqliteTokenStorage::open(dir.path().join("t.db")).unwrap()));
        for store in stores {
            let mut t = token("rs", "SECRET-ACCESS", Some("u1"));
            t.refresh_token = Some("SECRET-REFRESH".into());
            store.store("DEFAULT", std::slice::from_ref(&t)).unwrap();
            let validating =
                ValidatingTokenStorage::new(store.clone()).validator(UnchangingIdentity).validator(NotExpired);
            let mut other = t.clone();
            other.identity_id = Some("u2".into());
            let e = validating.store(&[other]).unwrap_err();
            let read = validating.get("rs").unwrap();
            shown += &format!("{store:?} {t:?} {read:?} {e} {e:?} {validating:?} {:?}", store.get_all("DEFAULT"));
            let sdk: globus_sdk::Error = e.into();
            shown += &format!("{sdk} {sdk:?}");
        }
        // A damaged file: the error names the field, not the value.
        let path = dir.path().join("bad.json");
        std::fs::write(
            &path,
            r#"{"data": {"DEFAULT": {"rs": {"resource_server": "rs", "scope": "s", "access_token": "SECRET-ACCESS", "expires_at_seconds": "SECRET-REFRESH"}}}, "format_version": "2.0"}"#,
        )
        .unwrap();
        let e = JsonTokenStorage::new(&path).get_all("DEFAULT").unwrap_err();
        shown += &format!("{e} {e:?}");
    }
    let logged = logs.text();
    assert!(logged.contains("wrote the token file"), "the stores log at DEBUG: {logged}");
    for text in [&shown, &logged] {
        assert!(!text.contains("SECRET"), "a token was shown: {text}");
    }
    assert!(shown.contains("[redacted]"));
}

//! No token appears in logs (even at TRACE) or in `Debug` output.
//!
//! In its own process: tracing caches per-callsite interest process-wide, so a thread-local
//! subscriber only sees every event when no other test runs beside it.
use std::sync::{Arc, Mutex};

use crate::common::*;
use globus_sdk::transport::RetryPolicy;

#[test]
fn no_token_in_debug_or_logs() {
    run_alone("log_secrecy::no_token_in_debug_or_logs_alone");
}

#[test]
#[ignore = "runs in its own process, started by no_token_in_debug_or_logs"]
fn no_token_in_debug_or_logs_alone() {
    assert_alone("log_secrecy::no_token_in_debug_or_logs_alone");
    use tracing_subscriber::fmt::MakeWriter;

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Buffer {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    impl<'a> MakeWriter<'a> for Buffer {
        type Writer = Buffer;
        fn make_writer(&'a self) -> Buffer {
            self.clone()
        }
    }

    let logs = Buffer::default();
    let subscriber = tracing_subscriber::fmt().with_max_level(tracing::Level::TRACE).with_writer(logs.clone()).finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let debug = rt.block_on(async {
        let s = server().await;
        s.always("POST", TOKEN, |_| token_reply("AT-LEAK-CHECK", Some("RT-LEAK-CHECK"), 3600));
        let accepted = Arc::new(Mutex::new("AT-LEAK-CHECK".to_string()));
        identities_for(&s, accepted);
        let app = app(&s);
        let tokens = app.client_credentials_tokens(&[globus_sdk::auth::scopes::view_identities()]).await.unwrap();
        let authorizer = app.refresh_token_authorizer(expired("OLD-AT-LEAK", "RT-LEAK-CHECK")).unwrap();
        let auth = auth_client(&s, authorizer, RetryPolicy::none());
        let found = auth.get_identities().ids("id-1").send().await.unwrap();
        format!("{tokens:?} {:?} {auth:?} {found:?} {:?}", tokens.by_resource_server(), auth.authorizer())
    });
    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("globus_request"), "requests were traced: {logs}");
    for secret in ["AT-LEAK-CHECK", "RT-LEAK-CHECK", "OLD-AT-LEAK", "csecret"] {
        assert!(!logs.contains(secret), "{secret} in logs");
        assert!(!debug.contains(secret), "{secret} in Debug output: {debug}");
    }
}

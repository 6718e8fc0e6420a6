//! No token of an app's login, renewal or logout appears in logs (even at TRACE) or in
//! `Debug` output. In its own process, as `log_secrecy` (tracing's interest cache).

use globus_sdk::app::{GlobusApp, UserApp};
use globus_sdk::testing::LocalGlobus;
use globus_sdk::token_storage::{JsonTokenStorage, TokenStorage};

use super::{Browser, config};

#[test]
fn no_app_token_in_logs_or_debug() {
    crate::common::run_alone("app::secrecy::no_app_token_in_logs_or_debug_alone");
}

#[test]
#[ignore = "runs in its own process, started by no_app_token_in_logs_or_debug"]
fn no_app_token_in_logs_or_debug_alone() {
    crate::common::assert_alone("app::secrecy::no_app_token_in_logs_or_debug_alone");
    let logs = crate::common::TraceLogs::capture();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (secrets, debug) = rt.block_on(async {
        let local = LocalGlobus::start().await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("tokens.json");
        let browser = Browser::default();
        let app =
            UserApp::with_config("Quiet App", local.native_client().id(), config(&local, &file, &browser)).unwrap();
        let transfer = app.client::<globus_sdk::transfer::Client>().unwrap();
        transfer.task_list().send().await.unwrap();
        let mut secrets = Vec::new();
        let mut collect = || {
            for t in JsonTokenStorage::new(&file).get_all("DEFAULT").unwrap().values() {
                secrets.push(t.access_token.expose().to_string());
                secrets.extend(t.refresh_token.as_ref().map(|r| r.expose().to_string()));
            }
        };
        collect();
        local.expire_all_tokens();
        transfer.task_list().send().await.unwrap();
        collect();
        let debug = format!("{app:?} {transfer:?} {:?} {:?}", app.authorizer("transfer.api.globus.org"), app.config());
        app.logout().await.unwrap();
        (secrets, debug)
    });
    let logs = logs.text();
    assert!(logs.contains("globus_request"), "requests were traced");
    assert!(secrets.len() >= 5, "tokens of the login and of the renewal: {}", secrets.len());
    for secret in &secrets {
        assert!(!logs.contains(secret.as_str()), "a token in the logs");
        assert!(!debug.contains(secret.as_str()), "a token in Debug output");
    }
}

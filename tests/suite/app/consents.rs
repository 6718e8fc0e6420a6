//! Dependent scopes checked against the user's consents (a consent forest from Auth's
//! `get_consents`, asked with the app's Auth token), and the cache of those consents.
//!
//! Tests calling `login_required()` are multi-threaded: it is not async and waits for the
//! consents on a thread of its own, while the local Globus serves them from the test's runtime.
//! `login_required_async()` needs no such care.

use globus_sdk::app::{GlobusApp, LoginOptions, OnInvalidTokens, UserApp};
use globus_sdk::scopes::Scope;
use globus_sdk::testing::LocalGlobus;

use super::{Browser, config};

const TRANSFER_RS: &str = "transfer.api.globus.org";
const TRANSFER_ALL: &str = "urn:globus:auth:scope:transfer.api.globus.org:all";

fn data_access(local: &LocalGlobus) -> String {
    format!("https://auth.globus.org/scopes/{}/data_access", local.collection("source").unwrap().id())
}

/// How many times the consents were asked for so far.
fn consent_requests(local: &LocalGlobus) -> usize {
    local.requests().iter().filter(|r| r.service == "auth" && r.path.ends_with("/consents")).count()
}

/// `transfer:all[*<collection>/data_access]`.
fn with_data_access(local: &LocalGlobus) -> Vec<Scope> {
    vec![Scope::new(TRANSFER_ALL).with_dependency(Scope::new(data_access(local)).optional())]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dependency_not_consented_to_needs_a_login_and_a_revoked_one_is_noticed_afresh() {
    let local = LocalGlobus::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tokens.json");
    let browser = Browser::default();
    let app = UserApp::with_config("Consent App", local.native_client().id(), config(&local, &file, &browser)).unwrap();
    app.add_scope_requirements([(TRANSFER_RS, vec![Scope::new(TRANSFER_ALL)])]);
    app.login().await.unwrap();
    assert_eq!(browser.logins(), 1);
    assert!(!app.login_required().unwrap());
    assert_eq!(consent_requests(&local), 0, "no dependent scope, no consents asked for");

    // The stored Transfer token carries transfer:all; only the consents show that the user
    // never let Transfer use the collection.
    let data = data_access(&local);
    app.add_scope_requirements([(TRANSFER_RS, with_data_access(&local))]);
    assert!(app.login_required().unwrap());
    assert_eq!(consent_requests(&local), 1);
    assert!(app.login_required().unwrap(), "asked again, the answer stands");
    assert_eq!(consent_requests(&local), 2, "consents that fall short are asked for afresh");

    // A login approving the dependency meets it.
    app.login().await.unwrap();
    assert_eq!(browser.logins(), 2);
    assert!(browser.last_query("scope").unwrap().contains(&format!("{TRANSFER_ALL}[*{data}]")));
    assert!(!app.login_required().unwrap());
    assert!(!app.login_required().unwrap());
    // One for the login (not forced: it logs in only when needed), one after it, none since.
    assert_eq!(consent_requests(&local), 4, "consents that meet the requirements are kept");

    // The user withdraws the dependent consent on Globus's pages.
    let user = local.user().id.clone();
    let dependent = local.consents(&user).into_iter().find(|c| c.scope_name.as_deref() == Some(&data)).unwrap();
    assert!(local.revoke_consent(dependent.id));
    // As Python's validator: consents fetched once and found to meet the requirements are
    // trusted until the requirements change or a login or logout happens.
    assert!(!app.login_required().unwrap(), "the cached consents still meet the requirements");
    // Another run of the app (same token file) asks Auth afresh.
    let second_browser = Browser::default();
    let second =
        UserApp::with_config("Consent App", local.native_client().id(), config(&local, &file, &second_browser))
            .unwrap();
    second.add_scope_requirements([(TRANSFER_RS, with_data_access(&local))]);
    assert!(second.login_required().unwrap());
    // So does the first once its requirements change (here: one more dependency, consented
    // to by nobody either).
    let other = Scope::new("https://auth.globus.org/scopes/00000000-0000-0000-0000-000000000001/data_access");
    app.add_scope_requirements([(TRANSFER_RS, vec![Scope::new(TRANSFER_ALL).with_dependency(other.optional())])]);
    assert!(app.login_required().unwrap());

    // The read path checks the same way: the second app's first Transfer call logs in again.
    let transfer = second.client::<globus_sdk::transfer::Client>().unwrap();
    transfer.task_list().send().await.unwrap();
    assert_eq!(second_browser.logins(), 1);
    assert!(!second.login_required().unwrap());
    assert!(local.consents(&user).iter().any(|c| c.scope_name.as_deref() == Some(&data)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unmet_dependencies_are_an_error_when_the_app_does_not_log_in_by_itself() {
    let local = LocalGlobus::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tokens.json");
    let browser = Browser::default();
    let config = config(&local, &file, &browser).on_invalid_tokens(OnInvalidTokens::Error);
    let app = UserApp::with_config("Strict App", local.native_client().id(), config).unwrap();
    let transfer = app.client::<globus_sdk::transfer::Client>().unwrap();
    app.login().await.unwrap();
    transfer.task_list().send().await.unwrap();

    app.add_scope_requirements([(TRANSFER_RS, with_data_access(&local))]);
    let e = transfer.task_list().send().await.unwrap_err();
    assert!(e.to_string().contains("do not satisfy its scope requirements"), "{e}");
    assert_eq!(browser.logins(), 1);

    // A forced login approves the dependency; the calls work again.
    app.login_with(LoginOptions::forced()).await.unwrap();
    transfer.task_list().send().await.unwrap();
    assert!(!app.login_required().unwrap());
    // Logging out forgets the tokens and the consents.
    app.logout().await.unwrap();
    assert!(app.login_required().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_consents_are_asked_for_with_a_renewed_auth_token() {
    let local = LocalGlobus::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tokens.json");
    let browser = Browser::default();
    let app =
        UserApp::with_config("Renewing App", local.native_client().id(), config(&local, &file, &browser)).unwrap();
    app.add_scope_requirements([(TRANSFER_RS, with_data_access(&local))]);
    app.login().await.unwrap();
    let stored = globus_sdk::token_storage::JsonTokenStorage::new(&file);
    let auth_token = |s: &globus_sdk::token_storage::JsonTokenStorage| {
        let t = globus_sdk::token_storage::TokenStorage::get(s, "DEFAULT", "auth.globus.org").unwrap().unwrap();
        t.access_token.expose().to_string()
    };
    let before = auth_token(&stored);
    local.expire_all_tokens();
    // A run that starts with expired tokens (refresh tokens kept) and no consents cached.
    let again =
        UserApp::with_config("Renewing App", local.native_client().id(), config(&local, &file, &browser)).unwrap();
    again.add_scope_requirements([(TRANSFER_RS, with_data_access(&local))]);
    let needed = again.login_required().unwrap();
    assert!(!needed, "{:?}", local.requests().iter().rev().take(4).collect::<Vec<_>>());
    let asked: Vec<_> = local.requests().into_iter().filter(|r| r.path.ends_with("/consents")).collect();
    assert_eq!(asked.last().unwrap().status, Some(200), "{asked:?}");
    assert_eq!(browser.logins(), 1);
    // Auth refused the stored token (as it is, then through the app's renewing authorizer,
    // which renews on that answer); the renewed one got the consents, and it was stored.
    assert_eq!(asked.iter().map(|r| r.status).collect::<Vec<_>>(), [Some(401), Some(401), Some(200)]);
    assert_ne!(auth_token(&stored), before);
}

#[tokio::test]
async fn async_code_awaits_the_consents() {
    let local = LocalGlobus::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let browser = Browser::default();
    let config = config(&local, &dir.path().join("tokens.json"), &browser);
    let app = UserApp::with_config("Async App", local.native_client().id(), config).unwrap();
    app.add_scope_requirements([(TRANSFER_RS, vec![Scope::new(TRANSFER_ALL)])]);
    assert!(app.login_required_async().await.unwrap());
    app.login().await.unwrap();
    assert!(!app.login_required_async().await.unwrap());
    app.add_scope_requirements([(TRANSFER_RS, with_data_access(&local))]);
    assert!(app.login_required_async().await.unwrap());
    assert_eq!(consent_requests(&local), 1);
    app.login().await.unwrap();
    assert!(!app.login_required_async().await.unwrap());
    assert_eq!(browser.logins(), 2);
}

#[tokio::test]
async fn changed_requirements_forget_the_cached_consents() {
    let local = LocalGlobus::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let browser = Browser::default();
    let config = config(&local, &dir.path().join("tokens.json"), &browser);
    let app = UserApp::with_config("Cache App", local.native_client().id(), config).unwrap();
    let source = Scope::new(data_access(&local)).optional();
    let destination =
        format!("https://auth.globus.org/scopes/{}/data_access", local.collection("destination").unwrap().id());
    let destination = Scope::new(destination).optional();
    let both = Scope::new(TRANSFER_ALL).with_dependency(source.clone()).with_dependency(destination.clone());
    app.add_scope_requirements([(TRANSFER_RS, vec![Scope::new(TRANSFER_ALL).with_dependency(source.clone())])]);
    app.login_with(LoginOptions::forced()).await.unwrap();

    // Another program of the same user and client consents to both collections.
    let other_scopes = [Scope::new("openid"), both];
    let flow = globus_sdk::auth::NativeAppClient::with_config(local.native_client().id(), local.config())
        .unwrap()
        .start_flow(&other_scopes)
        .redirect_uri("http://localhost:7/cb");
    let code = local.approve_url(&flow.authorize_url(&Default::default())).unwrap();
    flow.exchange_code(&code).await.unwrap();
    // The app's check caches consents to both.
    assert!(!app.login_required_async().await.unwrap());
    // The source consent is withdrawn: the cached consents still meet `transfer:all[*source]`.
    let user = local.user().id.clone();
    let source_consent =
        local.consents(&user).into_iter().find(|c| c.scope_name.as_deref() == Some(&source.scope_string)).unwrap();
    assert!(local.revoke_consent(source_consent.id));
    assert!(!app.login_required_async().await.unwrap(), "cached");
    // Adding the destination (consented to, in the cached consents too) changes the
    // requirements: the consents are asked for afresh, and the source is missing.
    app.add_scope_requirements([(TRANSFER_RS, vec![Scope::new(TRANSFER_ALL).with_dependency(destination)])]);
    assert!(app.login_required_async().await.unwrap());
}

/// The blocking `login_required()` called from a current-thread runtime (the flavour
/// recommended for sequential work), with the app's Auth token expired: the consents are asked
/// for on a thread of its own, and the renewal must not wait on connections that belong to the
/// blocked runtime (the app's clients pooled them during the login). The local Globus runs on a
/// runtime of its own, as a real Globus would be elsewhere.
#[test]
fn the_blocking_check_renews_and_answers_from_a_current_thread_runtime() {
    let server = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let local = server.block_on(LocalGlobus::start()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tokens.json");
    let browser = Browser::default();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let config =
            config(&local, &file, &browser).sdk_config(local.config().timeout(Some(std::time::Duration::from_secs(8))));
        let app = UserApp::with_config("Blocking App", local.native_client().id(), config).unwrap();
        app.add_scope_requirements([(TRANSFER_RS, with_data_access(&local))]);
        // The login's token exchange leaves connections in the pool, their tasks on this runtime.
        app.login().await.unwrap();
        local.expire_all_tokens();
        let started = std::time::Instant::now();
        let needed = app.login_required().unwrap();
        assert!(!needed, "{:?}", local.requests().iter().rev().take(4).collect::<Vec<_>>());
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "{:?}", started.elapsed());
    });
}

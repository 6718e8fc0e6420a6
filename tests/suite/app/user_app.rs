use std::sync::Arc;

use globus_sdk::app::{AppConfig, ClientApp, GlobusApp, LoginOptions, OnInvalidTokens, UserApp};
use globus_sdk::authorizers::AccessTokenAuthorizer;
use globus_sdk::testing::{LocalGlobus, Reply, ScriptedServer};
use globus_sdk::token_storage::{JsonTokenStorage, MemoryTokenStorage, TokenStorage};
use serde_json::json;

use super::{Browser, config};

const TRANSFER_RS: &str = "transfer.api.globus.org";
const TRANSFER_ALL: &str = "urn:globus:auth:scope:transfer.api.globus.org:all";

#[tokio::test]
async fn a_user_logs_in_once_and_a_second_app_uses_the_stored_tokens() {
    let local = LocalGlobus::builder().rotate_refresh_tokens(true).start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tokens.json");
    let browser = Browser::default();
    let app = UserApp::with_config("Test App", local.native_client().id(), config(&local, &file, &browser)).unwrap();
    assert!(app.login_required().unwrap(), "nothing is stored yet");

    // The client adds Transfer's scopes; its first call logs in through the browser.
    let transfer = app.client::<globus_sdk::transfer::Client>().unwrap();
    assert_eq!(app.scope_requirements()[TRANSFER_RS][0].to_string(), TRANSFER_ALL);
    transfer.task_list().send().await.unwrap();
    assert_eq!(browser.logins(), 1);
    let scope = browser.last_query("scope").unwrap();
    assert!(scope.split(' ').any(|s| s == "openid") && scope.contains(TRANSFER_ALL), "{scope}");
    assert_eq!(browser.last_query("access_type").as_deref(), Some("offline"));
    assert_eq!(browser.last_query("code_challenge_method").as_deref(), Some("S256"));
    assert!(browser.last_query("redirect_uri").unwrap().starts_with("http://127.0.0.1:"));
    let grant = browser.last_query("prefill_named_grant").unwrap();
    assert!(grant.starts_with("Test App on ") && grant.len() > "Test App on ".len(), "{grant}");
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let pages = browser.pages.lock().unwrap().clone();
    assert_eq!(pages.len(), 1);
    assert_eq!(pages[0].0, 200);
    assert!(pages[0].1.contains("Login successful"));
    assert!(!app.login_required().unwrap());

    // What was stored names the user and has refresh tokens.
    let stored = JsonTokenStorage::new(&file).get_all("DEFAULT").unwrap();
    assert!(stored.contains_key("auth.globus.org") && stored.contains_key(TRANSFER_RS));
    assert!(stored.values().all(|t| t.refresh_token.is_some()));
    assert_eq!(stored[TRANSFER_RS].identity_id.as_deref(), Some(local.user().id.as_str()));
    // Secrets stay out of Debug.
    let debug = format!("{app:?} {transfer:?}");
    assert!(!debug.contains(stored[TRANSFER_RS].access_token.expose()));

    // A second app (another run) with the same file: no login.
    let second_browser = Browser::default();
    let second =
        UserApp::with_config("Test App", local.native_client().id(), config(&local, &file, &second_browser)).unwrap();
    let transfer2 = second.client::<globus_sdk::transfer::Client>().unwrap();
    assert!(!second.login_required().unwrap());
    second.login().await.unwrap();
    transfer2.task_list().send().await.unwrap();
    assert_eq!(second_browser.logins(), 0, "the stored tokens were used");

    // A renewal is stored: the access token expires, the refresh token (rotated) renews it.
    local.expire_all_tokens();
    transfer2.task_list().send().await.unwrap();
    let renewed = JsonTokenStorage::new(&file).get("DEFAULT", TRANSFER_RS).unwrap().unwrap();
    assert_ne!(renewed.access_token, stored[TRANSFER_RS].access_token);
    assert_ne!(renewed.refresh_token, stored[TRANSFER_RS].refresh_token);
    assert_eq!(renewed.identity_id, stored[TRANSFER_RS].identity_id);
    assert_eq!(second_browser.logins(), 0);

    // Logout revokes with Auth and forgets.
    second.logout().await.unwrap();
    assert!(JsonTokenStorage::new(&file).get_all("DEFAULT").unwrap().is_empty());
    let revoked: Vec<_> = local.requests().into_iter().filter(|r| r.path == "/v2/oauth2/token/revoke").collect();
    assert_eq!(revoked.len(), 4, "access and refresh tokens of Auth and Transfer");
    let old = globus_sdk::transfer::Client::builder()
        .config(local.config())
        .authorizer(AccessTokenAuthorizer::new(renewed.access_token.clone()))
        .build()
        .unwrap();
    let e = old.task_list().send().await.unwrap_err();
    assert_eq!(e.http_status(), Some(401), "a revoked token is refused");
    assert!(second.login_required().unwrap());
}

#[tokio::test]
async fn forced_logins_carry_session_parameters_and_keep_one_identity() {
    let local = LocalGlobus::builder().user("alice@example.org", "Alice").start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tokens.json");
    let browser = Browser::default();
    let app = UserApp::with_config("Test App", local.native_client().id(), config(&local, &file, &browser)).unwrap();
    app.login().await.unwrap();
    assert_eq!(browser.logins(), 1);
    app.login().await.unwrap();
    assert_eq!(browser.logins(), 1, "not forced, nothing changed: no login");
    app.login_with(LoginOptions::forced()).await.unwrap();
    assert_eq!(browser.logins(), 2);

    let options = LoginOptions::new()
        .required_identities([local.user().username.as_str()])
        .single_domain(["example.org"])
        .policies(["p-1"])
        .mfa(true)
        .message("once more")
        .prompt_login();
    app.login_with(options).await.unwrap();
    assert_eq!(browser.logins(), 3);
    assert_eq!(browser.last_query("session_required_identities"), Some(local.user().username));
    assert_eq!(browser.last_query("session_required_single_domain").as_deref(), Some("example.org"));
    assert_eq!(browser.last_query("session_required_policies").as_deref(), Some("p-1"));
    assert_eq!(browser.last_query("session_required_mfa").as_deref(), Some("True"));
    assert_eq!(browser.last_query("session_message").as_deref(), Some("once more"));
    assert_eq!(browser.last_query("prompt").as_deref(), Some("login"));

    // Another identity cannot replace the stored one: log out first.
    let e = app.login_with(LoginOptions::new().required_identities(["alice@example.org"])).await.unwrap_err();
    assert!(e.to_string().contains("log out") || e.to_string().contains("logout"), "{e}");
    app.logout().await.unwrap();
    app.login_with(LoginOptions::new().required_identities(["alice@example.org"])).await.unwrap();
    let alice = local.identities().into_iter().find(|i| i.username == "alice@example.org").unwrap();
    assert_eq!(app.token_storage().stored_identity().unwrap(), Some(alice.id));
}

#[tokio::test]
async fn new_scope_requirements_and_invalid_tokens() {
    let local = LocalGlobus::start().await.unwrap();
    let browser = Browser::default();
    let store: Arc<dyn TokenStorage> = Arc::new(MemoryTokenStorage::new());
    let config = AppConfig::new()
        .sdk_config(local.config())
        .token_storage(store.clone())
        .login_flow(browser.flow())
        .on_invalid_tokens(OnInvalidTokens::Error);
    let app = UserApp::with_config("Strict App", local.native_client().id(), config).unwrap();
    let auth = app.client::<globus_sdk::auth::Client>().unwrap();
    // Configured not to log in by itself: the call says to log in.
    let e = auth.oauth2_userinfo().send().await.unwrap_err();
    assert!(e.to_string().contains("log in"), "{e}");
    assert_eq!(browser.logins(), 0);
    app.login().await.unwrap();
    let info = auth.oauth2_userinfo().send().await.unwrap();
    assert_eq!(info.sub, local.user().id);
    let scope = browser.last_query("scope").unwrap();
    assert!(["openid", "profile", "email"].iter().all(|s| scope.split(' ').any(|x| x == *s)), "{scope}");

    // A new requirement makes the stored tokens insufficient.
    app.add_scope_requirements([("transfer.api.globus.org", vec![globus_sdk::transfer::scopes::all()])]);
    assert!(app.login_required().unwrap());
    app.login().await.unwrap();
    assert!(!app.login_required().unwrap());
    assert_eq!(browser.logins(), 2);
    assert!(store.get("DEFAULT", TRANSFER_RS).unwrap().is_some());
}

/// Transfer answers the first listing with a consent-required error; the app logs in with
/// the required scope and sends the call again.
#[tokio::test]
async fn a_consent_required_error_leads_to_a_new_login_when_configured() {
    let local = LocalGlobus::start().await.unwrap();
    let transfer_server = ScriptedServer::start().await.unwrap();
    let consent = json!({
        "code": "ConsentRequired", "message": "Missing required data_access consent",
        "request_id": "r-1", "required_scopes": [TRANSFER_ALL],
        "authorization_parameters": {"session_message": "consent needed", "required_scopes": [TRANSFER_ALL]}
    });
    let listing = json!({"DATA_TYPE": "task_list", "DATA": [], "length": 0, "limit": 10, "offset": 0, "total": 0});
    for _ in 0..2 {
        transfer_server.once("GET", "/v0.10/task_list", Reply::json(403, consent.clone()));
        transfer_server.once("GET", "/v0.10/task_list", Reply::json(200, listing.clone()));
    }
    let sdk = local.config().with_service_url("transfer", &transfer_server.url()).unwrap();
    for handle in [true, false] {
        let browser = Browser::default();
        let config = AppConfig::new()
            .sdk_config(sdk.clone())
            .token_storage_memory()
            .login_flow(browser.flow())
            .login_on_requirements(handle);
        let app = UserApp::with_config("Consenting App", local.native_client().id(), config).unwrap();
        let transfer = app.client::<globus_sdk::transfer::Client>().unwrap();
        let result = app.with_requirements(|| transfer.task_list().limit(10).send()).await;
        if handle {
            result.unwrap();
            assert_eq!(browser.logins(), 2, "the first login, then the one the error asked for");
            assert_eq!(browser.last_query("session_message").as_deref(), Some("consent needed"));
        } else {
            let e = result.unwrap_err();
            assert!(e.is_consent_required());
            assert_eq!(browser.logins(), 1);
            // The scripted server still holds the 200 meant for the resend.
            transfer.task_list().limit(10).send().await.unwrap();
        }
    }
    let sent: Vec<_> =
        transfer_server.requests().into_iter().map(|r| r.header("authorization").map(str::to_string)).collect();
    assert_ne!(sent[0], sent[1], "the resend carried the token of the new login");
}

#[tokio::test]
async fn a_client_app_acts_as_itself() {
    let local = LocalGlobus::start().await.unwrap();
    let client = local.confidential_client();
    let store = Arc::new(MemoryTokenStorage::new());
    let config = AppConfig::new().sdk_config(local.config()).token_storage(store.clone());
    let app = ClientApp::new("pipeline", client.id(), client.secret().unwrap().clone(), config).unwrap();
    let transfer = app.client::<globus_sdk::transfer::Client>().unwrap();
    assert!(app.login_required().unwrap());
    transfer.task_list().send().await.unwrap();
    assert!(!app.login_required().unwrap());
    let stored = store.get("DEFAULT", TRANSFER_RS).unwrap().unwrap();
    assert!(stored.scope.contains(TRANSFER_ALL));
    assert_eq!(stored.identity_id, None);

    // Another instance over the same store uses the stored token: no grant.
    let grants = |local: &LocalGlobus| local.requests().iter().filter(|r| r.path == "/v2/oauth2/token").count();
    let before = grants(&local);
    let config = AppConfig::new().sdk_config(local.config()).token_storage(store.clone());
    let second = ClientApp::new("pipeline", client.id(), client.secret().unwrap().clone(), config).unwrap();
    let transfer2 = second.client::<globus_sdk::transfer::Client>().unwrap();
    transfer2.task_list().send().await.unwrap();
    assert_eq!(grants(&local), before);
    // Expired: a new grant, stored.
    local.expire_all_tokens();
    transfer2.task_list().send().await.unwrap();
    assert_eq!(grants(&local), before + 1);
    assert_ne!(store.get("DEFAULT", TRANSFER_RS).unwrap().unwrap().access_token, stored.access_token);
    app.logout().await.unwrap();
    assert!(store.get_all("DEFAULT").unwrap().is_empty());
    assert!(app.login_required().unwrap());
}

/// The default store is the file a Python GlobusApp uses; SQLite sits beside it.
#[tokio::test]
async fn the_default_store_is_the_python_apps_file() {
    let local = LocalGlobus::start().await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let client = local.confidential_client();
    let client_id = client.id().to_string();
    let app_dir = home.path().join(".globus/app").join(&client_id).join("pipeline");
    let config =
        AppConfig::new().sdk_config(local.config()).environment(globus_sdk::Environment::Production).home(home.path());
    let app = ClientApp::new("pipeline", &client_id, client.secret().unwrap().clone(), config.clone()).unwrap();
    app.client::<globus_sdk::transfer::Client>().unwrap().task_list().send().await.unwrap();
    let stored = JsonTokenStorage::new(app_dir.join("tokens.json")).get("DEFAULT", TRANSFER_RS).unwrap();
    assert!(stored.is_some(), "tokens.json in {}", app_dir.display());

    #[cfg(feature = "sqlite")]
    {
        let config = config.storage(globus_sdk::app::StorageChoice::Sqlite);
        let app = ClientApp::new("pipeline", &client_id, client.secret().unwrap().clone(), config).unwrap();
        app.login().await.unwrap();
        let db = globus_sdk::token_storage::SqliteTokenStorage::open(app_dir.join("tokens.db")).unwrap();
        assert!(db.get("DEFAULT", "auth.globus.org").unwrap().is_some());
    }
}

/// A confidential app that users log in to: no PKCE; the code comes back to the local-server
/// flow on the port registered for the client.
#[tokio::test]
async fn a_confidential_user_app() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let local =
        LocalGlobus::builder().confidential_redirect_uri(format!("http://127.0.0.1:{port}/")).start().await.unwrap();
    let client = local.confidential_client();
    let dir = tempfile::tempdir().unwrap();
    let browser = Browser::default();
    let config = config(&local, &dir.path().join("tokens.json"), &browser).login_flow(browser.flow().port(port));
    let app = UserApp::confidential("Web App", client.id(), client.secret().unwrap().clone(), config).unwrap();
    app.login().await.unwrap();
    assert!(!app.login_required().unwrap());
    assert_eq!(browser.last_query("code_challenge"), None, "no PKCE with a secret");
    assert_eq!(browser.last_query("prefill_named_grant"), None, "named grants are for native apps");
    let transfer = app.client::<globus_sdk::transfer::Client>().unwrap();
    transfer.task_list().send().await.unwrap();
    assert_eq!(browser.logins(), 2, "Transfer's scope was added: a second login");
    app.logout().await.unwrap();
}

/// A refresh token Auth refuses (revoked elsewhere) is a dead login: `with_requirements`
/// logs in again when configured to.
#[tokio::test]
async fn a_dead_refresh_token_leads_to_a_new_login_when_configured() {
    let local = LocalGlobus::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tokens.json");
    let browser = Browser::default();
    let app = UserApp::with_config(
        "Test App",
        local.native_client().id(),
        config(&local, &file, &browser).login_on_requirements(true),
    )
    .unwrap();
    let transfer = app.client::<globus_sdk::transfer::Client>().unwrap();
    app.with_requirements(|| transfer.task_list().send()).await.unwrap();
    assert_eq!(browser.logins(), 1);
    let stored = JsonTokenStorage::new(&file).get("DEFAULT", TRANSFER_RS).unwrap().unwrap();
    assert!(local.expire_token(stored.refresh_token.as_ref().unwrap().expose()));
    local.expire_all_tokens();
    let e = transfer.task_list().send().await.unwrap_err();
    assert!(e.is_login_required(), "{e}");
    app.with_requirements(|| transfer.task_list().send()).await.unwrap();
    assert_eq!(browser.logins(), 2);
}

/// Services whose clients each have their own resource server (GCS endpoints) build with
/// `client_for`; `client` says so.
#[tokio::test]
async fn per_endpoint_clients_build_with_client_for() {
    use globus_sdk::scopes::gcs;
    let local = LocalGlobus::start().await.unwrap();
    let config = AppConfig::new().sdk_config(local.config()).token_storage_memory();
    let app = UserApp::with_config("GCS App", local.native_client().id(), config).unwrap();
    let e = app.client::<globus_sdk::gcs::Client>().unwrap_err();
    assert!(e.to_string().contains("client_for"), "{e}");
    let endpoint = gcs::endpoint("ep-1");
    let client: globus_sdk::gcs::Client = app
        .client_for(endpoint.resource_server(), "https://gcs.example.org/api", vec![endpoint.manage_collections()])
        .unwrap();
    assert_eq!(client.base_url(), "https://gcs.example.org/api");
    assert_eq!(app.scope_requirements()["ep-1"], vec![endpoint.manage_collections()]);
    assert!(app.login_required().unwrap());
}

/// A confidential app's command-line login needs a registered redirect URI.
#[tokio::test]
async fn a_confidential_command_line_login_needs_a_redirect_uri() {
    let local = LocalGlobus::start().await.unwrap();
    let client = local.confidential_client();
    let flow =
        globus_sdk::app::CommandLineLoginFlow::with_io(std::io::Cursor::new(b"code\n".to_vec()), std::io::sink());
    let config = AppConfig::new().sdk_config(local.config()).token_storage_memory().login_flow(flow);
    let app = UserApp::confidential("Web App", client.id(), client.secret().unwrap().clone(), config).unwrap();
    let e = app.login().await.unwrap_err();
    assert!(e.to_string().contains("login_redirect_uri"), "{e}");
}

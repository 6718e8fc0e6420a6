//! The local Globus's Auth, through the SDK's clients over HTTP: client credentials, PKCE
//! logins, id_tokens, refresh (with rotation), revocation, introspection, userinfo,
//! identities, and the token checks of Transfer.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use globus_sdk::auth::scopes as auth_scopes;
use globus_sdk::auth::{AuthorizeParams, ConfidentialAppClient, IdTokenDecoder, NativeAppClient, Pkce};
use globus_sdk::authorizers::{AccessTokenAuthorizer, Authorizer, BasicAuthorizer, NullAuthorizer};
use globus_sdk::scopes::Scope;
use globus_sdk::testing::{Approval, LocalGlobus};
use globus_sdk::transport::RetryPolicy;

const TRANSFER: &str = "urn:globus:auth:scope:transfer.api.globus.org:all";
const TRANSFER_RS: &str = "transfer.api.globus.org";

fn fast() -> RetryPolicy {
    RetryPolicy::default().max_retries(3).initial_delay(Duration::from_millis(2)).max_delay(Duration::from_millis(20))
}

fn auth_client(local: &LocalGlobus, authorizer: impl Authorizer + 'static) -> globus_sdk::auth::Client {
    globus_sdk::auth::Client::builder()
        .config(local.config())
        .authorizer(authorizer)
        .retry_policy(fast())
        .build()
        .unwrap()
}

fn transfer_client(local: &LocalGlobus, authorizer: impl Authorizer + 'static) -> globus_sdk::transfer::Client {
    globus_sdk::transfer::Client::builder()
        .config(local.config())
        .authorizer(authorizer)
        .retry_policy(fast())
        .build()
        .unwrap()
}

fn confidential(local: &LocalGlobus) -> ConfidentialAppClient {
    let c = local.confidential_client();
    ConfidentialAppClient::from_client(
        auth_client(local, BasicAuthorizer::new(c.id(), c.secret().unwrap().clone())),
        c.id(),
    )
}

fn native(local: &LocalGlobus) -> NativeAppClient {
    NativeAppClient::from_client(auth_client(local, NullAuthorizer), local.native_client().id())
}

fn err<T: std::fmt::Debug, E: std::fmt::Debug>(r: Result<T, E>) -> globus_sdk::Error
where
    globus_sdk::Error: From<E>,
{
    globus_sdk::Error::from(r.expect_err("an error was expected"))
}

#[tokio::test]
async fn client_credentials_then_an_authorized_transfer_call() {
    let local = LocalGlobus::start().await.unwrap();
    let app = confidential(&local);

    let tokens = app.client_credentials_tokens(&[Scope::new(TRANSFER)]).await.unwrap();
    let raw = tokens.raw();
    assert_eq!(raw.resource_server, TRANSFER_RS);
    assert_eq!(raw.scope, TRANSFER);
    assert_eq!(raw.expires_in, Some(172_800));
    assert!(raw.other_tokens.is_empty() && raw.refresh_token.is_none() && raw.id_token.is_none());

    let transfer = transfer_client(&local, app.client_credentials_authorizer(&[Scope::new(TRANSFER)]));
    let found = transfer.endpoint_search().filter_fulltext("source").send().await.unwrap().into_inner();
    assert_eq!(found.data.len(), 1);
    assert_eq!(found.data[0].id, local.collection("source").unwrap().id());
    assert_eq!(found.data[0].display_name.as_deref(), Some("source"));

    // Several resource servers: one token each, Auth's at the top level.
    let both = app.client_credentials_tokens(&[auth_scopes::openid(), Scope::new(TRANSFER)]).await.unwrap();
    assert_eq!(both.raw().resource_server, "auth.globus.org");
    assert_eq!(both.raw().other_tokens.len(), 1);
    assert_eq!(both.raw().other_tokens[0].resource_server, TRANSFER_RS);
    assert!(both.id_token().is_some(), "openid was granted");
}

#[tokio::test]
async fn wrong_secret_and_bad_grants() {
    let local = LocalGlobus::start().await.unwrap();
    let id = local.confidential_client().id().to_string();
    let wrong =
        ConfidentialAppClient::from_client(auth_client(&local, BasicAuthorizer::new(&id, "not-the-secret")), &id);
    let e = err(wrong.client_credentials_tokens(&[Scope::new(TRANSFER)]).await);
    assert_eq!(e.http_status(), Some(401));
    assert_eq!(e.code(), Some("invalid_client"));
    assert_eq!(e.errors()[0].code.as_deref(), Some("INVALID_CLIENT"));
    assert_eq!(e.errors()[0].status.as_deref(), Some("401"));

    let app = confidential(&local);
    let e = err(app.start_flow("http://localhost/cb", &[auth_scopes::openid()]).exchange_code("no-such-code").await);
    assert_eq!((e.http_status(), e.code()), (Some(400), Some("invalid_grant")));

    let e = err(app.refresh_token(&globus_sdk::Secret::new("not-a-refresh-token")).await);
    assert_eq!((e.http_status(), e.code()), (Some(400), Some("invalid_grant")));

    let e = err(app.client_credentials_tokens(&[Scope::new("not-a-scope")]).await);
    assert_eq!((e.http_status(), e.code()), (Some(400), Some("invalid_scope")));

    // Native apps have no secret: no client credentials for them.
    let native_app =
        ConfidentialAppClient::from_client(auth_client(&local, NullAuthorizer), local.native_client().id());
    let e = err(native_app.client_credentials_tokens(&[Scope::new(TRANSFER)]).await);
    assert_eq!(e.http_status(), Some(401));
}

#[tokio::test]
async fn pkce_login_and_a_validated_id_token() {
    let local = LocalGlobus::start().await.unwrap();
    let app = native(&local);
    let flow = app
        .start_flow(&[auth_scopes::openid(), auth_scopes::profile(), auth_scopes::email(), Scope::new(TRANSFER)])
        .refresh_tokens(true);
    let code = local.approve_url(&flow.authorize_url(&AuthorizeParams::default())).unwrap();
    let tokens = flow.exchange_code(&code).await.unwrap();
    assert_eq!(tokens.state(), Some("_default"));
    let by_rs = tokens.by_resource_server();
    assert_eq!(by_rs.len(), 2);
    assert!(by_rs.values().all(|t| t.refresh_token.is_some()), "offline access was asked for");
    assert_eq!(tokens.by_scopes("openid profile email").unwrap().resource_server, "auth.globus.org");

    // The id_token is signed with the key Auth publishes, for this client, by this issuer.
    let decoder = IdTokenDecoder::new(auth_client(&local, NullAuthorizer), local.native_client().id());
    let claims = decoder.decode(tokens.id_token().unwrap()).await.unwrap();
    let user = local.user();
    assert_eq!(claims["sub"], user.id.as_str());
    assert_eq!(claims["aud"], local.native_client().id());
    assert_eq!(claims["iss"], local.auth_url().as_str());
    assert_eq!(claims["preferred_username"], "testuser@example.org");
    assert_eq!(claims["email"], "testuser@example.org");
    // Another client's decoder refuses it.
    let other = IdTokenDecoder::new(auth_client(&local, NullAuthorizer), "someone-else");
    assert!(other.decode(tokens.id_token().unwrap()).await.is_err());

    // The Auth token reads userinfo; the Transfer token works on Transfer.
    let auth_token = by_rs["auth.globus.org"].access_token.clone();
    let info = auth_client(&local, AccessTokenAuthorizer::new(auth_token)).oauth2_userinfo().send().await.unwrap();
    assert_eq!(info.sub, user.id);
    assert_eq!(info.email.as_deref(), Some("testuser@example.org"));
    assert_eq!(info.preferred_username.as_deref(), Some("testuser@example.org"));
    let transfer = transfer_client(&local, AccessTokenAuthorizer::new(by_rs[TRANSFER_RS].access_token.clone()));
    transfer.task_list().send().await.unwrap();

    // A code works once.
    let e = err(flow.exchange_code(&code).await);
    assert_eq!(e.code(), Some("invalid_grant"));

    // The verifier must answer the challenge.
    let flow = app.start_flow(&[auth_scopes::openid()]);
    let code = local.approve_url(&flow.authorize_url(&AuthorizeParams::default())).unwrap();
    let e = err(flow.clone().pkce(Pkce::generate()).exchange_code(&code).await);
    assert_eq!((e.http_status(), e.code()), (Some(400), Some("invalid_grant")));

    // Native apps must use PKCE.
    let e = local.approve(&Approval::new(local.native_client().id(), "openid", "http://localhost/cb")).unwrap_err();
    assert!(e.to_string().contains("PKCE"), "{e}");
}

#[tokio::test]
async fn the_authorize_page_redirects_with_a_code() {
    let local = LocalGlobus::builder()
        .user("alice@example.org", "Alice")
        .confidential_redirect_uri("http://127.0.0.1:9/callback")
        .start()
        .await
        .unwrap();
    let app = confidential(&local);
    let flow =
        app.start_flow("http://127.0.0.1:9/callback?x=1", &[auth_scopes::openid(), Scope::new(TRANSFER)]).state("s-1");
    let params =
        AuthorizeParams { session_required_identities: vec!["alice@example.org".into()], ..Default::default() };
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let answer = http.get(flow.authorize_url(&params)).send().await.unwrap();
    assert_eq!(answer.status(), 302);
    let location = url::Url::parse(answer.headers()["location"].to_str().unwrap()).unwrap();
    assert_eq!(location.path(), "/callback");
    let q: std::collections::HashMap<_, _> = location.query_pairs().into_owned().collect();
    assert_eq!(q["x"], "1");
    assert_eq!(q["state"], "s-1");
    let tokens = flow.exchange_code(&q["code"]).await.unwrap();
    assert_eq!(tokens.state(), Some("s-1"));

    // The code was Alice's.
    let t = tokens.for_resource_server(TRANSFER_RS).unwrap();
    let info = app.token_introspect(&t.access_token, Some("identity_set")).await.unwrap();
    let alice = local.identities().into_iter().find(|i| i.username == "alice@example.org").unwrap();
    assert_eq!(info.sub.as_deref(), Some(alice.id.as_str()));
    assert_eq!(info.username.as_deref(), Some("alice@example.org"));

    // An unknown client gets an error page, not a redirect.
    let bad = format!(
        "{}/v2/oauth2/authorize?client_id=nobody&scope=openid&redirect_uri=http://x/&response_type=code",
        local.auth_url()
    );
    let answer = http.get(bad).send().await.unwrap();
    assert_eq!(answer.status(), 400);

    // Native apps' default redirect shows the code.
    let native_flow = native(&local).start_flow(&[auth_scopes::openid()]);
    let answer = http.get(native_flow.authorize_url(&AuthorizeParams::default())).send().await.unwrap();
    let page = http.get(answer.headers()["location"].to_str().unwrap()).send().await.unwrap();
    assert!(page.text().await.unwrap().contains("Native App Authorization Code"));
}

#[tokio::test]
async fn refresh_tokens_rotate_and_renew_after_expiry() {
    let local = LocalGlobus::builder().rotate_refresh_tokens(true).start().await.unwrap();
    let app = native(&local);
    let flow = app.start_flow(&[Scope::new(TRANSFER)]).refresh_tokens(true);
    let code = local.approve_url(&flow.authorize_url(&AuthorizeParams::default())).unwrap();
    let tokens = flow.exchange_code(&code).await.unwrap();
    let first = tokens.for_resource_server(TRANSFER_RS).unwrap();
    let first_refresh = first.refresh_token.clone().unwrap();

    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let authorizer = app
        .refresh_token_authorizer(first.clone())
        .unwrap()
        .on_refresh(move |t| sink.lock().unwrap().push(t.refresh_token.clone()));
    let transfer = transfer_client(&local, authorizer);
    transfer.task_list().send().await.unwrap();
    assert!(seen.lock().unwrap().is_empty(), "the first token was still good");

    // Every access token expires: the next call gets a 401, renews, and succeeds.
    local.expire_all_tokens();
    transfer.task_list().send().await.unwrap();
    let renewed = seen.lock().unwrap().clone();
    assert_eq!(renewed.len(), 1);
    let rotated = renewed[0].clone().unwrap();
    assert_ne!(rotated, first_refresh, "rotation issued a new refresh token");
    let statuses: Vec<Option<u16>> =
        local.requests().iter().filter(|r| r.path == "/v0.10/task_list").map(|r| r.status).collect();
    assert_eq!(statuses, [Some(200), Some(401), Some(200)]);

    // The old refresh token was revoked by the rotation.
    let e = err(app.refresh_token(&first_refresh).await);
    assert_eq!(e.code(), Some("invalid_grant"));
    app.refresh_token(&rotated).await.unwrap();
}

#[tokio::test]
async fn revocation_and_introspection() {
    let local = LocalGlobus::start().await.unwrap();
    let app = confidential(&local);
    let tokens = app.client_credentials_tokens(&[Scope::new(TRANSFER)]).await.unwrap();
    let token = tokens.for_resource_server(TRANSFER_RS).unwrap().access_token;

    let info = app.token_introspect(&token, Some("identity_set")).await.unwrap();
    let client_id = local.confidential_client().id();
    assert!(info.active);
    assert_eq!(info.client_id.as_deref(), Some(client_id));
    assert_eq!(info.sub.as_deref(), Some(client_id));
    assert_eq!(info.scope.as_deref(), Some(TRANSFER));
    assert_eq!(info.identity_set, vec![client_id.to_string()]);
    assert!(info.aud.contains(&TRANSFER_RS.to_string()));
    assert!(info.exp.unwrap() > chrono::Utc::now().timestamp());

    let transfer = transfer_client(&local, AccessTokenAuthorizer::new(token.clone()));
    transfer.task_list().send().await.unwrap();
    app.revoke_token(&token).await.unwrap();
    assert!(!app.token_introspect(&token, None).await.unwrap().active);
    let e = err(transfer.task_list().send().await);
    assert_eq!((e.http_status(), e.code()), (Some(401), Some("AuthenticationFailed")));

    // Introspection needs the client's credentials.
    let anonymous = ConfidentialAppClient::from_client(auth_client(&local, NullAuthorizer), client_id);
    assert_eq!(err(anonymous.token_introspect(&token, None).await).http_status(), Some(401));
}

#[tokio::test]
async fn dependent_tokens_act_for_the_same_user() {
    let local = LocalGlobus::start().await.unwrap();
    let user_tokens =
        local.issue_tokens(local.native_client().id(), "testuser@example.org", "openid profile", false).unwrap();
    let app = confidential(&local);
    let dependent =
        app.dependent_tokens(&user_tokens.raw().access_token, Some(&[Scope::new(TRANSFER)]), true).await.unwrap();
    let t = &dependent[TRANSFER_RS];
    assert!(t.refresh_token.is_some(), "offline was asked for");
    let info = app.token_introspect(&t.access_token, None).await.unwrap();
    assert_eq!(info.sub.as_deref(), Some(local.user().id.as_str()));
    assert_eq!(info.client_id.as_deref(), Some(local.confidential_client().id()));
    let e = err(app.dependent_tokens(&globus_sdk::Secret::new("bogus"), Some(&[Scope::new(TRANSFER)]), false).await);
    assert_eq!(e.code(), Some("invalid_grant"));
}

#[tokio::test]
async fn identities_by_ids_and_usernames() {
    let local = LocalGlobus::builder().user("bob@example.org", "Bob").start().await.unwrap();
    let c = local.confidential_client();
    let auth = auth_client(&local, BasicAuthorizer::new(c.id(), c.secret().unwrap().clone()));
    let found = auth
        .get_identities()
        .usernames("testuser@example.org,nobody@example.org,BOB@example.org")
        .send()
        .await
        .unwrap();
    let names: Vec<_> = found.identities.iter().map(|i| i.username.clone().unwrap()).collect();
    assert_eq!(names, ["testuser@example.org", "bob@example.org"]);
    assert_eq!(found.identities[0].status.as_deref(), Some("used"));

    let by_id = auth.get_identities().ids(format!("{},{}", local.user().id, c.id())).send().await.unwrap();
    assert_eq!(by_id.identities.len(), 2);
    assert_eq!(by_id.identities[1].username.as_deref(), Some(format!("{}@clients.auth.globus.org", c.id()).as_str()));

    let e = err(auth.get_identities().ids("x").usernames("y").send().await);
    assert_eq!(e.http_status(), Some(400));
    assert_eq!(e.errors()[0].code.as_deref(), Some("INVALID_PARAMETERS"));

    let provisioned = auth
        .get_identities()
        .usernames("new@example.org")
        .provision(true)
        .include("identity_provider")
        .send()
        .await
        .unwrap();
    assert_eq!(provisioned.identities[0].status.as_deref(), Some("unused"));
    let idp = &provisioned.included.as_ref().unwrap().identity_providers[0];
    assert_eq!(provisioned.identities[0].identity_provider.as_deref(), Some(idp.id.as_str()));

    // A user's Auth token works too; no credentials do not.
    let tokens = local
        .issue_tokens(
            local.native_client().id(),
            "testuser@example.org",
            "urn:globus:auth:scope:auth.globus.org:view_identities",
            false,
        )
        .unwrap();
    let user_auth = auth_client(&local, AccessTokenAuthorizer::new(tokens.raw().access_token.clone()));
    assert_eq!(user_auth.get_identities().usernames("bob@example.org").send().await.unwrap().identities.len(), 1);
    let e = err(auth_client(&local, NullAuthorizer).get_identities().usernames("bob@example.org").send().await);
    assert_eq!(e.http_status(), Some(401));
}

#[tokio::test]
async fn transfer_checks_tokens_like_globus() {
    let local = LocalGlobus::start().await.unwrap();
    let native_id = local.native_client().id().to_string();

    let e = err(transfer_client(&local, NullAuthorizer).task_list().send().await);
    assert_eq!((e.http_status(), e.code()), (Some(401), Some("AuthenticationFailed")));

    let auth_only = local.issue_tokens(&native_id, "testuser@example.org", "openid profile", false).unwrap();
    let e = err(transfer_client(&local, AccessTokenAuthorizer::new(auth_only.raw().access_token.clone()))
        .task_list()
        .send()
        .await);
    assert_eq!(e.http_status(), Some(403), "a token without the Transfer scope");

    let tokens = local.issue_tokens(&native_id, "testuser@example.org", TRANSFER, false).unwrap();
    let token = tokens.raw().access_token.clone();
    let transfer = transfer_client(&local, AccessTokenAuthorizer::new(token.clone()));
    transfer.task_list().send().await.unwrap();
    assert!(local.expire_token(token.expose()));
    let e = err(transfer.task_list().send().await);
    assert_eq!((e.http_status(), e.code()), (Some(401), Some("AuthenticationFailed")));
    assert!(!local.expire_token("never-issued"));
}

#[tokio::test]
async fn tokens_expire_with_their_lifetime() {
    let local = LocalGlobus::builder().token_lifetime(Duration::from_secs(1)).start().await.unwrap();
    let tokens = local.issue_tokens(local.native_client().id(), "testuser@example.org", TRANSFER, false).unwrap();
    assert_eq!(tokens.raw().expires_in, Some(1));
    let transfer = transfer_client(&local, AccessTokenAuthorizer::new(tokens.raw().access_token.clone()));
    transfer.task_list().send().await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(err(transfer.task_list().send().await).http_status(), Some(401));
}

#[tokio::test]
async fn discovery_documents() {
    let local = LocalGlobus::start().await.unwrap();
    let auth = auth_client(&local, NullAuthorizer);
    let config = auth.get_openid_configuration().send().await.unwrap();
    assert_eq!(config.issuer, local.auth_url());
    assert_eq!(config.jwks_uri, format!("{}/jwk.json", local.auth_url()));
    assert_eq!(config.id_token_signing_alg_values_supported, ["RS256"]);
    let keys = auth.get_jwk().send().await.unwrap();
    assert_eq!(keys.keys.len(), 1);
    assert_eq!(keys.keys[0].kty, "RSA");
    assert_eq!(keys.keys[0].alg.as_deref(), Some("RS256"));
    assert!(keys.keys[0].n.as_ref().unwrap().len() > 300, "a 2048-bit modulus");
    let e = err(auth.raw_get("/v2/api/nothing-here").send().await);
    assert_eq!(e.http_status(), Some(404));
}

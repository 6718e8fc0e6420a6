//! The local Globus's full authorization-code login over HTTP: the approval page answered by
//! a plain HTTP client (approve, deny), the consents it records (listed with the SDK's
//! `get_consents`), grants that honour them, refresh tokens that rotate, and revocation
//! through the SDK's `oauth2_revoke_token`.

use std::collections::HashMap;
use std::time::Duration;

use globus_sdk::auth::scopes as auth_scopes;
use globus_sdk::auth::{AuthorizeParams, NativeAppClient, TokenResponse, types};
use globus_sdk::authorizers::{AccessTokenAuthorizer, Authorizer, NullAuthorizer};
use globus_sdk::scopes::Scope;
use globus_sdk::testing::LocalGlobus;
use globus_sdk::transport::RetryPolicy;
use globus_sdk::{Error, Secret};

const TRANSFER: &str = "urn:globus:auth:scope:transfer.api.globus.org:all";
const TRANSFER_RS: &str = "transfer.api.globus.org";
const AUTH_RS: &str = "auth.globus.org";

fn fast() -> RetryPolicy {
    RetryPolicy::default().max_retries(2).initial_delay(Duration::from_millis(2)).max_delay(Duration::from_millis(20))
}

fn auth_client(local: &LocalGlobus, authorizer: impl Authorizer + 'static) -> globus_sdk::auth::Client {
    globus_sdk::auth::Client::builder()
        .config(local.config())
        .authorizer(authorizer)
        .retry_policy(fast())
        .build()
        .unwrap()
}

fn transfer_with(local: &LocalGlobus, token: &Secret) -> globus_sdk::transfer::Client {
    globus_sdk::transfer::Client::builder()
        .config(local.config())
        .authorizer(AccessTokenAuthorizer::new(token.clone()))
        .retry_policy(fast())
        .build()
        .unwrap()
}

fn native(local: &LocalGlobus) -> NativeAppClient {
    NativeAppClient::from_client(auth_client(local, NullAuthorizer), local.native_client().id())
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

fn data_access(local: &LocalGlobus) -> String {
    format!("https://auth.globus.org/scopes/{}/data_access", local.collection("source").unwrap().id())
}

fn err<T: std::fmt::Debug>(r: Result<T, Error>) -> Error {
    r.expect_err("an error was expected")
}

/// The query of a redirect's `Location`.
fn location_query(answer: &reqwest::Response) -> (url::Url, HashMap<String, String>) {
    let location = url::Url::parse(answer.headers()["location"].to_str().unwrap()).unwrap();
    let q = location.query_pairs().into_owned().collect();
    (location, q)
}

/// The value of the approval page's hidden `request` input.
fn request_field(page: &str) -> String {
    let marker = "name=\"request\" value=\"";
    let start = page.find(marker).expect("the page has the request field") + marker.len();
    page[start..].split('"').next().unwrap().to_string()
}

/// A user's login with the native client, through `approve_url` (no page).
async fn login(local: &LocalGlobus, scopes: &[Scope]) -> TokenResponse {
    let flow = native(local).start_flow(scopes).refresh_tokens(true);
    let code = local.approve_url(&flow.authorize_url(&AuthorizeParams::default())).unwrap();
    flow.exchange_code(&code).await.unwrap()
}

#[tokio::test]
async fn the_approval_page_is_answered_by_a_plain_http_client() {
    let local = LocalGlobus::builder()
        .approval_page(true)
        .user("eve@example.org", "Eve <script>alert('x')</script> & co")
        .start()
        .await
        .unwrap();
    let app = native(&local);
    let scopes = [auth_scopes::openid(), Scope::new(format!("{TRANSFER}[*{}]", data_access(&local)))];
    let flow = app.start_flow(&scopes).refresh_tokens(true).state("st<1>");
    let params = AuthorizeParams { session_required_identities: vec!["eve@example.org".into()], ..Default::default() };
    let http = no_redirects();

    // GET the authorize URL: a page, not a redirect.
    let answer = http.get(flow.authorize_url(&params)).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    assert!(answer.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert_eq!(answer.headers()["cache-control"], "no-store");
    let page = answer.text().await.unwrap();
    assert!(!page.contains("<script"), "{page}");
    assert!(page.contains("Eve &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co (eve@example.org)"), "{page}");
    assert!(page.contains(local.native_client().name()) && page.contains(local.native_client().id()));
    assert!(page.contains(&format!("<code class=\"scope\">{TRANSFER}</code>")), "{page}");
    assert!(page.contains(&data_access(&local)) && page.contains("<code class=\"scope\">openid</code>"));
    assert!(page.contains("name=\"decision\" value=\"approve\"") && page.contains("name=\"decision\" value=\"deny\""));
    assert!(page.contains("<form method=\"post\" action=\"/v2/oauth2/authorize\">"));
    let request = request_field(&page);

    // Answering with anything but approve or deny, or with an unknown request, is an error
    // page that leaves the login waiting.
    let form_url = format!("{}/v2/oauth2/authorize", local.auth_url());
    for form in [vec![("request", request.as_str()), ("decision", "maybe")], vec![("decision", "approve")]] {
        let answer = http.post(&form_url).form(&form).send().await.unwrap();
        assert_eq!(answer.status(), 400, "{form:?}");
        assert!(answer.text().await.unwrap().contains("Authorization error"));
    }
    let answer = http.post(&form_url).form(&[("request", "nonsense"), ("decision", "approve")]).send().await.unwrap();
    assert_eq!(answer.status(), 400);

    // Approve: a 303 to the redirect URI (Auth's code page by default) with code and state.
    let answer = http.post(&form_url).form(&[("request", &request), ("decision", &"approve".into())]).send().await;
    let answer = answer.unwrap();
    assert_eq!(answer.status(), 303);
    let (location, q) = location_query(&answer);
    assert_eq!(location.path(), "/v2/web/auth-code");
    assert_eq!(q["state"], "st<1>");
    // Following the redirect shows the code.
    let shown = http.get(location.as_str()).send().await.unwrap().text().await.unwrap();
    assert!(shown.contains(&format!("<pre id=\"code\">{}</pre>", q["code"])), "{shown}");
    let tokens = flow.exchange_code(&q["code"]).await.unwrap();
    let t = tokens.for_resource_server(TRANSFER_RS).unwrap();
    assert!(t.refresh_token.is_some());
    transfer_with(&local, &t.access_token).task_list().send().await.unwrap();
    let eve = local.identities().into_iter().find(|i| i.username == "eve@example.org").unwrap();
    assert!(tokens.id_token().is_some(), "openid was approved");
    assert_eq!(local.consents("eve@example.org").len(), 3);
    assert_eq!(local.consents(&eve.id).len(), 3);

    // A page is answered once.
    let again = http.post(&form_url).form(&[("request", &request), ("decision", &"approve".into())]).send().await;
    assert_eq!(again.unwrap().status(), 400);

    // Deny: error=access_denied with the state, no code, no consent.
    let flow = app.start_flow(&[auth_scopes::email()]).redirect_uri("http://127.0.0.1:9/callback").state("s2");
    let page = http.get(flow.authorize_url(&AuthorizeParams::default())).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Test User (testuser@example.org)"), "the default user: {page}");
    let answer =
        http.post(&form_url).form(&[("request", request_field(&page)), ("decision", "deny".into())]).send().await;
    let answer = answer.unwrap();
    assert_eq!(answer.status(), 303);
    let (location, q) = location_query(&answer);
    assert_eq!((location.host_str(), location.port(), location.path()), (Some("127.0.0.1"), Some(9), "/callback"));
    assert_eq!(q["error"], "access_denied");
    assert_eq!(q["state"], "s2");
    assert!(!q.contains_key("code"));
    assert!(local.consents("testuser@example.org").is_empty());

    // A request that cannot be approved is redirected with its error, without a page.
    let bad = format!(
        "{}/v2/oauth2/authorize?client_id={}&redirect_uri=http://localhost:1/cb&scope=not-a-scope&state=z",
        local.auth_url(),
        local.native_client().id()
    );
    let answer = http.get(bad).send().await.unwrap();
    assert_eq!(answer.status(), 302);
    assert_eq!(location_query(&answer).1["error"], "invalid_scope");

    // approve_url skips the page, as before.
    let flow = app.start_flow(&[auth_scopes::openid()]);
    let code = local.approve_url(&flow.authorize_url(&AuthorizeParams::default())).unwrap();
    flow.exchange_code(&code).await.unwrap();
}

#[tokio::test]
async fn by_default_the_authorize_url_approves_at_once() {
    let local = LocalGlobus::start().await.unwrap();
    let flow = native(&local).start_flow(&[auth_scopes::openid()]).redirect_uri("http://localhost:7/cb");
    let answer = no_redirects().get(flow.authorize_url(&AuthorizeParams::default())).send().await.unwrap();
    assert_eq!(answer.status(), 302);
    let code = location_query(&answer).1["code"].clone();
    flow.exchange_code(&code).await.unwrap();
    assert_eq!(local.consents("testuser@example.org").len(), 1, "approving records the consent");
}

#[tokio::test]
async fn consents_are_listed_as_globus_lists_them() {
    let local = LocalGlobus::start().await.unwrap();
    let user = local.user();
    let data = data_access(&local);
    let tokens = login(&local, &[auth_scopes::openid(), Scope::new(format!("{TRANSFER}[*{data}]"))]).await;
    let auth_token = tokens.for_resource_server(AUTH_RS).unwrap().access_token;
    let auth = auth_client(&local, AccessTokenAuthorizer::new(auth_token));

    let listed = auth.get_consents().identity_id(&user.id).send().await.unwrap().into_inner().consents;
    assert_eq!(listed.len(), 3, "{listed:?}");
    let by_scope = |s: &str| listed.iter().find(|c| c.scope_name.as_deref() == Some(s)).unwrap();
    let (openid, transfer, dependent) = (by_scope("openid"), by_scope(TRANSFER), by_scope(&data));
    let native_id = local.native_client().id();
    for root in [openid, transfer] {
        assert_eq!(root.dependency_path, [root.id]);
        assert_eq!(root.client.as_deref(), Some(native_id));
    }
    assert_eq!(dependent.dependency_path, [transfer.id, dependent.id]);
    assert!(dependent.client.as_deref().is_some_and(|c| c != native_id), "Transfer acts for the user");
    for c in &listed {
        assert_eq!(c.effective_identity.as_deref(), Some(user.id.as_str()));
        assert_eq!(c.status.as_deref(), Some("approved"));
        assert_eq!(c.allows_refresh, Some(true));
        assert!(uuid::Uuid::parse_str(c.scope.as_deref().unwrap()).is_ok());
        for t in [&c.created, &c.updated, &c.last_used] {
            chrono::DateTime::parse_from_rfc3339(t.as_deref().unwrap()).unwrap();
        }
    }
    assert_ne!(openid.scope, transfer.scope);

    // A second login for the same scopes updates the consents, it does not repeat them.
    login(&local, &[Scope::new(TRANSFER)]).await;
    assert_eq!(auth.get_consents().identity_id(&user.id).send().await.unwrap().consents.len(), 3);

    // Another client's consents show with all=true only, which needs view_consents.
    let conf = local.confidential_client().id().to_string();
    local.issue_tokens(&conf, &user.id, "email", false).unwrap();
    assert_eq!(auth.get_consents().identity_id(&user.id).send().await.unwrap().consents.len(), 3);
    let e = err(auth.get_consents().identity_id(&user.id).all(true).send().await);
    assert_eq!((e.http_status(), e.code()), (Some(403), Some("access_denied")));
    let viewer = local.issue_tokens(native_id, &user.id, &auth_scopes::view_consents().to_string(), false).unwrap();
    let viewer = auth_client(&local, AccessTokenAuthorizer::new(viewer.raw().access_token.clone()));
    let all = viewer.get_consents().identity_id(&user.id).all(true).send().await.unwrap().into_inner().consents;
    assert_eq!(all.len(), 5, "{all:?}");
    assert!(all.iter().any(|c| c.client.as_deref() == Some(conf.as_str()) && c.scope_name.as_deref() == Some("email")));
    assert_eq!(local.consents(&user.id), all);

    // A user's token lists that user's consents only; no token, nothing.
    let e = err(auth.get_consents().identity_id(uuid::Uuid::new_v4().to_string()).send().await);
    assert_eq!(e.http_status(), Some(403));
    let e = err(auth_client(&local, NullAuthorizer).get_consents().identity_id(&user.id).send().await);
    assert_eq!(e.http_status(), Some(401));
    let e = err(auth.raw_get(&format!("/v2/api/identities/{}/consents?all=perhaps", user.id)).send().await);
    assert_eq!(e.http_status(), Some(400));
}

#[tokio::test]
async fn grants_give_only_consented_scopes() {
    let local = LocalGlobus::start().await.unwrap();
    let app = native(&local);
    let tokens = login(&local, &[auth_scopes::openid(), Scope::new(TRANSFER)]).await;
    let transfer_refresh = tokens.for_resource_server(TRANSFER_RS).unwrap().refresh_token.unwrap();
    let auth_refresh = tokens.for_resource_server(AUTH_RS).unwrap().refresh_token.unwrap();

    // The user withdraws the Transfer consent: its refresh token gives nothing more.
    let consents = local.consents("testuser@example.org");
    let transfer = consents.iter().find(|c| c.scope_name.as_deref() == Some(TRANSFER)).unwrap();
    assert!(local.revoke_consent(transfer.id));
    assert!(!local.revoke_consent(transfer.id));
    let e = err(app.refresh_token(&transfer_refresh).await);
    assert_eq!((e.http_status(), e.code()), (Some(400), Some("invalid_grant")));
    let renewed = app.refresh_token(&auth_refresh).await.unwrap();
    assert_eq!(renewed.raw().scope, "openid");

    // A code approved before the consent is withdrawn gives only what is still consented.
    let flow = app.start_flow(&[auth_scopes::openid(), Scope::new(TRANSFER)]);
    let code = local.approve_url(&flow.authorize_url(&AuthorizeParams::default())).unwrap();
    let consents = local.consents("testuser@example.org");
    let transfer = consents.iter().find(|c| c.scope_name.as_deref() == Some(TRANSFER)).unwrap();
    assert!(local.revoke_consent(transfer.id));
    let tokens = flow.exchange_code(&code).await.unwrap();
    assert_eq!(tokens.by_resource_server().keys().collect::<Vec<_>>(), [AUTH_RS]);

    let flow = app.start_flow(&[Scope::new(TRANSFER)]);
    let code = local.approve_url(&flow.authorize_url(&AuthorizeParams::default())).unwrap();
    for c in local.consents("testuser@example.org") {
        local.revoke_consent(c.id);
    }
    let e = err(flow.exchange_code(&code).await);
    assert_eq!((e.http_status(), e.code()), (Some(400), Some("invalid_grant")));
}

#[tokio::test]
async fn refresh_tokens_rotate_by_default() {
    let local = LocalGlobus::start().await.unwrap();
    let app = native(&local);
    let tokens = login(&local, &[Scope::new(TRANSFER)]).await;
    let first = tokens.for_resource_server(TRANSFER_RS).unwrap().refresh_token.unwrap();

    let second = app.refresh_token(&first).await.unwrap();
    let second_refresh = second.raw().refresh_token.clone().expect("a new refresh token");
    assert_ne!(second_refresh.expose(), first.expose());
    assert_eq!(second.raw().scope, TRANSFER);
    transfer_with(&local, &second.raw().access_token).task_list().send().await.unwrap();

    // The rotated-out token is invalid_grant, in Auth's error shape.
    let e = err(app.refresh_token(&first).await);
    assert_eq!((e.http_status(), e.code()), (Some(400), Some("invalid_grant")));
    assert_eq!(e.errors()[0].code.as_deref(), Some("INVALID_GRANT"));
    assert_eq!(e.errors()[0].status.as_deref(), Some("400"));
    let third = app.refresh_token(&second_refresh).await.unwrap();
    assert_ne!(third.raw().refresh_token.as_ref().unwrap().expose(), second_refresh.expose());
    assert_eq!(err(app.refresh_token(&second_refresh).await).code(), Some("invalid_grant"));

    // The SDK's refresh-token authorizer renews with the rotated token each time.
    let tokens = login(&local, &[Scope::new(TRANSFER)]).await;
    let authorizer = app.refresh_token_authorizer(tokens.for_resource_server(TRANSFER_RS).unwrap()).unwrap();
    let transfer = globus_sdk::transfer::Client::builder()
        .config(local.config())
        .authorizer(authorizer)
        .retry_policy(fast())
        .build()
        .unwrap();
    for _ in 0..3 {
        local.expire_all_tokens();
        transfer.task_list().send().await.unwrap();
    }
    let refreshes = local.requests().iter().filter(|r| r.path == "/v2/oauth2/token" && r.status == Some(200)).count();
    assert!(refreshes >= 3, "{refreshes}");

    // Without rotation the refresh token stays, and is returned.
    let local = LocalGlobus::builder().rotate_refresh_tokens(false).start().await.unwrap();
    let app = native(&local);
    let tokens = login(&local, &[Scope::new(TRANSFER)]).await;
    let kept = tokens.for_resource_server(TRANSFER_RS).unwrap().refresh_token.unwrap();
    for _ in 0..2 {
        let renewed = app.refresh_token(&kept).await.unwrap();
        assert_eq!(renewed.raw().refresh_token.as_ref().unwrap().expose(), kept.expose());
    }
}

fn revoke_body(local: &LocalGlobus, token: &Secret) -> types::OAuthRevokeTokenRequest {
    types::OAuthRevokeTokenRequest {
        client_id: Some(local.native_client().id().to_string()),
        token: token.clone(),
        token_type_hint: None,
        extra: Default::default(),
    }
}

#[tokio::test]
async fn revoked_tokens_stop_working_everywhere() {
    let local = LocalGlobus::start().await.unwrap();
    let app = native(&local);
    let auth = auth_client(&local, NullAuthorizer);

    // An access token: Transfer answers 401 at once; its refresh token still works.
    let tokens = login(&local, &[auth_scopes::openid(), Scope::new(TRANSFER)]).await;
    let t = tokens.for_resource_server(TRANSFER_RS).unwrap();
    let transfer = transfer_with(&local, &t.access_token);
    transfer.task_list().send().await.unwrap();
    let answer = auth.oauth2_revoke_token().body(revoke_body(&local, &t.access_token)).send().await.unwrap();
    assert_eq!(answer.active, Some(false));
    let e = err(transfer.task_list().send().await);
    assert_eq!((e.http_status(), e.code()), (Some(401), Some("AuthenticationFailed")));
    let a = tokens.for_resource_server(AUTH_RS).unwrap();
    let userinfo = auth_client(&local, AccessTokenAuthorizer::new(a.access_token.clone()));
    userinfo.oauth2_userinfo().send().await.unwrap();
    auth.oauth2_revoke_token().body(revoke_body(&local, &a.access_token)).send().await.unwrap();
    assert_eq!(err(userinfo.oauth2_userinfo().send().await).http_status(), Some(401));
    let renewed = app.refresh_token(t.refresh_token.as_ref().unwrap()).await.unwrap();

    // A refresh token: later refreshes are invalid_grant, and the access tokens issued with
    // it and from it are revoked too.
    let refresh = renewed.raw().refresh_token.clone().unwrap();
    let from_refresh = transfer_with(&local, &renewed.raw().access_token);
    let next = app.refresh_token(&refresh).await.unwrap();
    let latest = transfer_with(&local, &next.raw().access_token);
    latest.task_list().send().await.unwrap();
    let other = login(&local, &[Scope::new(TRANSFER)]).await;
    let other = transfer_with(&local, &other.for_resource_server(TRANSFER_RS).unwrap().access_token);
    let current = next.raw().refresh_token.clone().unwrap();
    auth.oauth2_revoke_token().body(revoke_body(&local, &current)).send().await.unwrap();
    let e = err(app.refresh_token(&current).await);
    assert_eq!((e.http_status(), e.code()), (Some(400), Some("invalid_grant")));
    for client in [&from_refresh, &latest] {
        assert_eq!(err(client.task_list().send().await).http_status(), Some(401));
    }
    other.task_list().send().await.expect("another login's tokens are untouched");

    // Another client cannot revoke the user's tokens; an unknown token is no error.
    let mine = login(&local, &[Scope::new(TRANSFER)]).await.for_resource_server(TRANSFER_RS).unwrap();
    let c = local.confidential_client();
    let basic = globus_sdk::authorizers::BasicAuthorizer::new(c.id(), c.secret().unwrap().clone());
    let confidential = globus_sdk::auth::ConfidentialAppClient::from_client(auth_client(&local, basic), c.id());
    confidential.revoke_token(&mine.access_token).await.unwrap();
    confidential.revoke_token(mine.refresh_token.as_ref().unwrap()).await.unwrap();
    transfer_with(&local, &mine.access_token).task_list().send().await.unwrap();
    app.refresh_token(mine.refresh_token.as_ref().unwrap()).await.unwrap();
    auth.oauth2_revoke_token().body(revoke_body(&local, &Secret::new("never-issued"))).send().await.unwrap();
}

#[tokio::test]
async fn the_approval_form_refuses_hostile_answers() {
    let local = LocalGlobus::builder().approval_page(true).start().await.unwrap();
    let http = no_redirects();
    let form_url = format!("{}/v2/oauth2/authorize", local.auth_url());
    for body in [
        b"\xff\xfe=\xff&decision=approve".to_vec(),
        b"request=&decision=".to_vec(),
        b"%%%%=%%&&&".to_vec(),
        b"request[]=1&decision[]=approve".to_vec(),
        format!("request={}&decision=approve", "a".repeat(100_000)).into_bytes(),
        Vec::new(),
    ] {
        let answer = http
            .post(&form_url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        assert!(matches!(answer.status().as_u16(), 400 | 413), "{}", answer.status());
        assert!(answer.headers().get("location").is_none());
    }

    // Many pages left unanswered: the oldest are forgotten, the latest still work.
    let flow = native(&local).start_flow(&[auth_scopes::openid()]).state("<&>");
    let url = flow.authorize_url(&AuthorizeParams::default());
    let mut first = None;
    let mut last = String::new();
    for _ in 0..1005 {
        let page = http.get(&url).send().await.unwrap().text().await.unwrap();
        last = request_field(&page);
        first.get_or_insert_with(|| last.clone());
    }
    let answer = http.post(&form_url).form(&[("request", first.unwrap()), ("decision", "approve".into())]).send();
    assert_eq!(answer.await.unwrap().status(), 400, "forgotten");
    let answer = http.post(&form_url).form(&[("request", last), ("decision", "approve".into())]).send().await.unwrap();
    assert_eq!(answer.status(), 303);
    let (_, q) = location_query(&answer);
    assert_eq!(q["state"], "<&>");
    flow.exchange_code(&q["code"]).await.unwrap();
}

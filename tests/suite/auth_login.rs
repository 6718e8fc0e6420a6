//! Auth's hand-written layer over real HTTP: login flows, grants, id_tokens, identity map,
//! and representative typed operations.

use crate::common::*;
use base64::Engine as _;
use globus_sdk::Secret;
use globus_sdk::auth::scopes as auth_scopes;
use globus_sdk::auth::{AuthorizeParams, ConfidentialAppClient, IdTokenDecoder, IdentityMap, NativeAppClient, Pkce};
use globus_sdk::authorizers::{AccessTokenAuthorizer, BasicAuthorizer, NullAuthorizer};
use globus_sdk::scopes::Scope;
use globus_sdk::testing::{Reply, ScriptedServer};
use globus_sdk::transport::RetryPolicy;
use serde_json::{Value, json};
use sha2::Digest as _;

const TOKEN: &str = "/v2/oauth2/token";

fn query(url: &str) -> std::collections::HashMap<String, String> {
    url::Url::parse(url).unwrap().query_pairs().into_owned().collect()
}

fn token_response() -> Value {
    json!({
        "access_token": "auth-at", "expires_in": 172800, "resource_server": "auth.globus.org",
        "scope": "openid profile email", "token_type": "Bearer", "state": "_default",
        "refresh_token": "auth-rt", "id_token": "x.y.z",
        "other_tokens": [{"access_token": "transfer-at", "expires_in": 172800, "refresh_token": "transfer-rt",
                          "resource_server": "transfer.api.globus.org", "scope": "urn:globus:auth:scope:transfer.api.globus.org:all",
                          "token_type": "Bearer", "state": "_default"}]
    })
}

fn native(s: &ScriptedServer) -> NativeAppClient {
    NativeAppClient::from_client(auth_client(s, NullAuthorizer, RetryPolicy::none()), "native-client-id")
}

fn confidential(s: &ScriptedServer) -> ConfidentialAppClient {
    ConfidentialAppClient::from_client(
        auth_client(s, BasicAuthorizer::new("conf-id", "conf-secret"), RetryPolicy::none()),
        "conf-id",
    )
}

#[tokio::test]
async fn native_app_flow() {
    let s = server().await;
    s.once("POST", TOKEN, Reply::json(200, token_response()));
    let app = native(&s);
    let transfer_all = Scope::new("urn:globus:auth:scope:transfer.api.globus.org:all");
    let flow = app
        .start_flow(&[auth_scopes::openid(), auth_scopes::profile(), transfer_all])
        .refresh_tokens(true)
        .prefill_named_grant("my laptop");
    let params = AuthorizeParams {
        session_required_identities: vec!["a@x.org".into(), "b@y.org".into()],
        session_required_single_domain: vec!["x.org".into()],
        session_required_policies: vec!["p1".into()],
        session_required_mfa: Some(true),
        session_message: Some("please log in".into()),
        prompt_login: true,
        ..Default::default()
    };
    let url = flow.authorize_url(&params);
    assert!(url.starts_with(&format!("{}/v2/oauth2/authorize?", s.url())), "{url}");
    let q = query(&url);
    let verifier = flow.pkce_pair().unwrap().verifier().expose().to_string();
    assert_eq!(verifier.len(), 43);
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
    let expect = [
        ("client_id", "native-client-id".to_string()),
        ("redirect_uri", format!("{}/v2/web/auth-code", s.url())),
        ("scope", "openid profile urn:globus:auth:scope:transfer.api.globus.org:all".into()),
        ("state", "_default".into()),
        ("response_type", "code".into()),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256".into()),
        ("access_type", "offline".into()),
        ("prefill_named_grant", "my laptop".into()),
        ("session_required_identities", "a@x.org,b@y.org".into()),
        ("session_required_single_domain", "x.org".into()),
        ("session_required_policies", "p1".into()),
        ("session_required_mfa", "True".into()),
        ("session_message", "please log in".into()),
        ("prompt", "login".into()),
    ];
    for (k, v) in &expect {
        assert_eq!(q.get(*k), Some(v), "{k}");
    }
    assert_eq!(q.len(), expect.len());

    let tokens = flow.exchange_code(" the-code \n").await.unwrap();
    let req = &s.requests_to("POST", TOKEN)[0];
    assert_eq!(req.header("authorization"), None, "native apps have no secret");
    let form: std::collections::HashMap<_, _> = req.form().into_iter().collect();
    assert_eq!(form["grant_type"], "authorization_code");
    assert_eq!(form["code"], "the-code");
    assert_eq!(form["code_verifier"], verifier);
    assert_eq!(form["client_id"], "native-client-id");
    assert_eq!(form["redirect_uri"], format!("{}/v2/web/auth-code", s.url()));

    let by_rs = tokens.by_resource_server();
    assert_eq!(by_rs.len(), 2);
    let t = &by_rs["transfer.api.globus.org"];
    assert_eq!(t.access_token.expose(), "transfer-at");
    assert_eq!(t.refresh_token.as_ref().unwrap().expose(), "transfer-rt");
    assert_eq!(t.expires_at, Some(tokens.received_at() + 172800));
    assert_eq!(
        tokens.by_scopes("urn:globus:auth:scope:transfer.api.globus.org:all").unwrap().resource_server,
        "transfer.api.globus.org"
    );
    assert_eq!(tokens.by_scopes("openid email").unwrap().resource_server, "auth.globus.org");
    assert!(
        tokens.by_scopes("openid urn:globus:auth:scope:transfer.api.globus.org:all").is_err(),
        "spread over two tokens"
    );
    assert_eq!(tokens.id_token().unwrap().expose(), "x.y.z");
}

#[test]
fn pkce_verifiers() {
    assert!(Pkce::from_verifier("short").is_err());
    assert!(Pkce::from_verifier(&"a".repeat(129)).is_err());
    assert!(Pkce::from_verifier(&format!("{}!", "a".repeat(43))).is_err());
    // RFC 7636 appendix B.
    let p = Pkce::from_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").unwrap();
    assert_eq!(p.challenge(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    assert_ne!(Pkce::generate().verifier(), Pkce::generate().verifier());
}

#[tokio::test]
async fn confidential_app_flow_and_grants() {
    let s = server().await;
    s.once("POST", TOKEN, Reply::json(200, token_response()));
    let app = confidential(&s);
    let flow = app.start_flow("https://example.org/callback", &[auth_scopes::openid()]).state("xyz");
    let q = query(&flow.authorize_url(&AuthorizeParams::default()));
    assert_eq!(q["redirect_uri"], "https://example.org/callback");
    assert_eq!(q["access_type"], "online");
    assert_eq!(q["state"], "xyz");
    assert!(!q.contains_key("code_challenge"));
    flow.exchange_code("abc").await.unwrap();
    let req = &s.requests_to("POST", TOKEN)[0];
    let basic = base64::engine::general_purpose::STANDARD.encode("conf-id:conf-secret");
    assert_eq!(req.header("authorization"), Some(format!("Basic {basic}").as_str()));
    let form: std::collections::HashMap<_, _> = req.form().into_iter().collect();
    assert_eq!(form.get("client_id"), None);
    assert_eq!(form.get("code_verifier"), None);
    assert_eq!(form["code"], "abc");

    // Client credentials.
    s.once("POST", TOKEN, Reply::json(200, token_response()));
    app.client_credentials_tokens(&[auth_scopes::view_identities(), auth_scopes::openid()]).await.unwrap();
    let form = s.requests_to("POST", TOKEN)[1].form();
    assert_eq!(
        form,
        [
            ("grant_type".to_string(), "client_credentials".to_string()),
            ("scope".to_string(), "urn:globus:auth:scope:auth.globus.org:view_identities openid".to_string())
        ]
    );

    // Dependent tokens, offline: Auth answers with a list.
    s.once(
        "POST",
        TOKEN,
        Reply::json(
            200,
            json!([{"access_token": "dep-at", "refresh_token": "dep-rt", "expires_in": 100,
                                  "resource_server": "transfer.api.globus.org", "scope": "s", "token_type": "Bearer"}]),
        ),
    );
    let deps = app.dependent_tokens(&Secret::from("user-token"), None, true).await.unwrap();
    assert_eq!(deps["transfer.api.globus.org"].refresh_token.as_ref().unwrap().expose(), "dep-rt");
    let form: std::collections::HashMap<_, _> = s.requests_to("POST", TOKEN)[2].form().into_iter().collect();
    assert_eq!(form["grant_type"], "urn:globus:auth:grant_type:dependent_token");
    assert_eq!(form["token"], "user-token");
    assert_eq!(form["access_type"], "offline");
    assert!(!form.contains_key("scope"));

    // Introspection with include.
    s.once(
        "POST",
        "/v2/oauth2/token/introspect",
        Reply::json(200, json!({"active": true, "scope": "s", "sub": "id-1", "username": "a@b.org", "identity_set": ["id-1", "id-2"],
                                "client_id": "c", "exp": 1, "iat": 0, "nbf": 0, "aud": ["c"], "iss": "https://auth.globus.org", "token_type": "Bearer"})),
    );
    let info = app.token_introspect(&Secret::from("t-1"), Some("identity_set")).await.unwrap();
    assert!(info.active);
    assert_eq!(info.identity_set, ["id-1", "id-2"]);
    let form: std::collections::HashMap<_, _> =
        s.requests_to("POST", "/v2/oauth2/token/introspect")[0].form().into_iter().collect();
    assert_eq!((form["token"].as_str(), form["include"].as_str()), ("t-1", "identity_set"));

    // Revocation.
    s.once("POST", "/v2/oauth2/token/revoke", Reply::json(200, json!({"active": false})));
    app.revoke_token(&Secret::from("t-2")).await.unwrap();
    assert_eq!(s.requests_to("POST", "/v2/oauth2/token/revoke")[0].form_field("token").as_deref(), Some("t-2"));
}

#[tokio::test]
async fn native_revoke_sends_the_client_id() {
    let s = server().await;
    s.once("POST", "/v2/oauth2/token/revoke", Reply::json(200, json!({"active": false})));
    native(&s).revoke_token(&Secret::from("t")).await.unwrap();
    assert_eq!(s.requests()[0].form_field("client_id").as_deref(), Some("native-client-id"));
}

fn sign(claims: Value) -> Secret {
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(include_bytes!("fixtures/test_rsa_key.pem")).unwrap();
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some("test-key-1".into());
    Secret::new(jsonwebtoken::encode(&header, &claims, &key).unwrap())
}

#[tokio::test]
async fn id_tokens_are_verified() {
    let s = server().await;
    let issuer = "https://auth.globus.org";
    s.always("GET", "/.well-known/openid-configuration", move |_| {
        Reply::json(
            200,
            json!({"issuer": issuer, "jwks_uri": "https://auth.globus.org/jwk.json",
                                "id_token_signing_alg_values_supported": ["RS256"], "authorization_endpoint": "x"}),
        )
    });
    let jwks: Value = serde_json::from_str(include_str!("fixtures/test_rsa_jwks.json")).unwrap();
    s.always("GET", "/jwk.json", move |_| Reply::json(200, jwks.clone()));
    let now = chrono::Utc::now().timestamp();
    let claims = |aud: &str, iss: &str, exp: i64| json!({"sub": "id-1", "aud": aud, "iss": iss, "exp": exp, "iat": now, "preferred_username": "a@b.org"});
    let decoder = IdTokenDecoder::new(auth_client(&s, NullAuthorizer, RetryPolicy::none()), "my-client");

    let ok = decoder.decode(&sign(claims("my-client", issuer, now + 600))).await.unwrap();
    assert_eq!(ok["preferred_username"], "a@b.org");
    // Within the 300 s leeway.
    decoder.decode(&sign(claims("my-client", issuer, now - 100))).await.unwrap();
    assert_eq!(s.requests().len(), 2, "configuration and keys are fetched once");

    for (bad, why) in [
        (sign(claims("other-client", issuer, now + 600)), "audience"),
        (sign(claims("my-client", "https://evil.example", now + 600)), "issuer"),
        (sign(claims("my-client", issuer, now - 1000)), "expiry"),
    ] {
        let e = decoder.decode(&bad).await.expect_err(why);
        assert_eq!(e.kind(), globus_sdk::ErrorKind::Token, "{why}");
    }
    let good = sign(claims("my-client", issuer, now + 600));
    let mut parts: Vec<String> = good.expose().split('.').map(String::from).collect();
    parts[1] =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims("my-client", issuer, now + 9999).to_string());
    assert!(decoder.decode(&Secret::new(parts.join("."))).await.is_err(), "a changed payload breaks the signature");
    assert!(decoder.decode(&Secret::from("not-a-jwt")).await.is_err());
}

#[tokio::test]
async fn identity_map_batches_and_caches() {
    let s = server().await;
    s.always("GET", "/v2/api/identities", |r| {
        let mut found = Vec::new();
        if let Some(ids) = r.query_param("ids") {
            for id in ids.split(',').filter(|i| !i.starts_with("unknown")) {
                found.push(identity(id, &format!("{id}@example.org")));
            }
        }
        if let Some(names) = r.query_param("usernames") {
            for name in names.split(',') {
                found.push(identity(&format!("id-of-{}", name.to_lowercase()), &name.to_lowercase()));
            }
        }
        Reply::json(200, json!({ "identities": found }))
    });
    let auth = auth_client(&s, AccessTokenAuthorizer::new("t"), RetryPolicy::none());
    let mut map = IdentityMap::new(&auth);
    let ids: Vec<String> = (0..150).map(|i| format!("id{i:03}")).collect();
    for id in &ids {
        assert!(map.add(id));
    }
    map.add("Someone@Example.org");
    map.add("unknown-1");

    assert_eq!(map.get("id000").await.unwrap().unwrap().username.as_deref(), Some("id000@example.org"));
    let first = s.requests()[0].query_param("ids").unwrap().split(',').count();
    assert_eq!(first, 100, "a full batch of 100");
    map.get("id001").await.unwrap().unwrap();
    assert_eq!(s.requests().len(), 1, "cached");
    // The other 51 pending ids (50 + unknown-1) in the second batch.
    assert!(map.get("id149").await.unwrap().is_some());
    assert_eq!(s.requests()[1].query_param("ids").unwrap().split(',').count(), 51);
    assert!(map.get("unknown-1").await.unwrap().is_none());
    assert_eq!(s.requests().len(), 2, "unknown keys are cached as unknown");
    let someone = map.get("Someone@Example.org").await.unwrap().unwrap();
    assert_eq!(someone.id, "id-of-someone@example.org");
    assert_eq!(s.requests()[2].query_param("usernames"), Some("Someone@Example.org"));
    assert!(map.get(&someone.id).await.unwrap().is_some());
    assert_eq!(s.requests().len(), 3, "found by id too, without a request");
}

#[tokio::test]
async fn typed_operations_send_what_auth_expects() {
    let s = server().await;
    let auth = auth_client(&s, AccessTokenAuthorizer::new("t"), RetryPolicy::none());

    s.once("GET", "/v2/api/identities/id-1/consents", Reply::json(200, json!({"consents": []})));
    auth.get_consents().identity_id("id-1").all(true).send().await.unwrap();
    assert_eq!(s.requests()[0].query_param("all"), Some("true"));

    s.once("POST", "/v2/api/clients", Reply::json(200, json!({"client": {"id": "c1", "name": "n"}})));
    let body = globus_sdk::auth::types::CreateClientRequest::builder().client(
        globus_sdk::auth::types::ClientCreate::builder()
            .name("n")
            .public_client(true)
            .visibility(globus_sdk::auth::types::ClientVisibility::Public),
    );
    let created = auth.create_client().body(body).send().await.unwrap();
    assert_eq!(created.client.id.as_deref(), Some("c1"));
    assert_eq!(s.requests()[1].json(), json!({"client": {"name": "n", "public_client": true, "visibility": "public"}}));

    s.once("DELETE", "/v2/api/projects/p-9", Reply::json(200, json!({"project": {"id": "p-9"}})));
    auth.delete_project().project_id("p-9").send().await.unwrap();
    assert_eq!(s.requests()[2].method, "DELETE");

    s.once("GET", "/v2/api/scopes", Reply::json(200, json!({"scopes": []})));
    auth.get_scopes().scope_strings("a,b").send().await.unwrap();
    assert_eq!(s.requests()[3].query_param("scope_strings"), Some("a,b"));

    // A required parameter left out is an error before anything is sent.
    let e = auth.get_project().send().await.unwrap_err();
    assert_eq!(e.kind(), globus_sdk::ErrorKind::InvalidRequest);
    assert_eq!(s.requests().len(), 4);
}

//! The local GCS behind the local Transfer, through the SDK's GCS (HTTPS, trusting the local
//! CA from `LocalGlobus::config`) and Transfer (HTTP) clients: a guest collection made through GCS, shared through a Transfer access rule, and
//! removed; roles and user credentials; paths that try to leave a root; hostile input.

use std::path::Path;
use std::time::{Duration, Instant};

use globus_sdk::authorizers::{AccessTokenAuthorizer, NullAuthorizer};
use globus_sdk::gcs::{GuestCollectionDocument, MappedCollectionDocument, RoleDocument, UserCredentialDocument};
use globus_sdk::testing::LocalGlobus;
use globus_sdk::transfer::types;
use globus_sdk::transport::RetryPolicy;
use serde_json::json;

const TRANSFER: &str = "urn:globus:auth:scope:transfer.api.globus.org:all";
const OWNER: &str = "testuser@example.org";
const ALICE: &str = "alice@example.org";
const BOB: &str = "bob@example.org";

fn token(local: &LocalGlobus, user: &str, scope: &str) -> String {
    local.issue_tokens(local.native_client().id(), user, scope, false).unwrap().raw().access_token.expose().to_string()
}

fn gcs_for(local: &LocalGlobus, user: &str) -> globus_sdk::gcs::Client {
    let scope = local.gcs_manage_collections_scope().unwrap();
    globus_sdk::gcs::Client::builder()
        .config(local.config())
        .base_url(local.gcs_url())
        .authorizer(AccessTokenAuthorizer::new(token(local, user, &scope)))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

fn transfer_for(local: &LocalGlobus, user: &str) -> globus_sdk::transfer::Client {
    globus_sdk::transfer::Client::builder()
        .config(local.config())
        .authorizer(AccessTokenAuthorizer::new(token(local, user, TRANSFER)))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

fn write(root: &Path, rel: &str, content: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, content).unwrap();
}

fn id_of(local: &LocalGlobus, user: &str) -> String {
    local.identities().into_iter().find(|i| i.username == user).unwrap().id
}

/// Transfer `src` on `from` to `dst` on `to`; the task's final status.
async fn transfer(
    tc: &globus_sdk::transfer::Client,
    (from, src): (&str, &str),
    (to, dst): (&str, &str),
) -> Result<String, globus_sdk::Error> {
    let submission_id = tc.get_submission_id().send().await?.into_inner().value;
    let item = types::TransferItem::builder().source_path(src).destination_path(dst).try_into().unwrap();
    let doc = types::TransferDocument::builder()
        .submission_id(submission_id)
        .source_endpoint(from)
        .destination_endpoint(to)
        .data(vec![item]);
    let task_id = tc.submit_transfer_document().body(doc).send().await?.into_inner().task_id;
    let start = Instant::now();
    loop {
        let task = tc.get_task().task_id(&task_id).send().await?.into_inner();
        if task.status != "ACTIVE" {
            return Ok(task.status);
        }
        assert!(start.elapsed() < Duration::from_secs(30), "the task is still active");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The issue's case: a guest collection made through GCS, a second identity granted read
/// access through a Transfer access rule lists and transfers from it while a third is
/// refused; deleting the collection removes it from Transfer.
#[tokio::test]
async fn a_guest_collection_made_through_gcs_is_shared_through_transfer() {
    let storage = tempfile::tempdir().unwrap();
    write(storage.path(), "project/shared/a.txt", "shared a");
    write(storage.path(), "project/notes.txt", "notes");
    write(storage.path(), "private/secret.txt", "secret");
    let local =
        LocalGlobus::builder().user(ALICE, "Alice").user(BOB, "Bob").gcs_root(storage.path()).start().await.unwrap();
    let (gcs, tc) = (gcs_for(&local, OWNER), transfer_for(&local, OWNER));
    let (alice, bob) = (transfer_for(&local, ALICE), transfer_for(&local, BOB));
    let destination = local.collection("destination").unwrap();

    // The info is open, and names the endpoint's client id.
    let open = globus_sdk::gcs::Client::builder()
        .config(local.config())
        .base_url(local.gcs_url())
        .authorizer(NullAuthorizer)
        .build()
        .unwrap();
    let info = open.get_gcs_info().send().await.unwrap().into_inner();
    assert_eq!(info.info().unwrap().client_id.as_deref(), local.gcs_endpoint_id());
    assert_eq!(open.endpoint_client_id().await.unwrap(), local.gcs_endpoint_id().unwrap());
    let scope = globus_sdk::scopes::gcs::endpoint(local.gcs_endpoint_id().unwrap()).manage_collections();
    assert_eq!(Some(scope.to_string()), local.gcs_manage_collections_scope(), "the scope the SDK asks for");
    // Everything else needs the endpoint's manage_collections scope.
    let refused = open.get_collection_list().send().await.unwrap_err();
    assert_eq!(refused.http_status(), Some(401));
    let wrong = globus_sdk::gcs::Client::builder()
        .config(local.config())
        .base_url(local.gcs_url())
        .authorizer(AccessTokenAuthorizer::new(token(&local, OWNER, TRANSFER)))
        .build()
        .unwrap();
    assert_eq!(wrong.get_collection_list().send().await.unwrap_err().http_status(), Some(403));

    let gateway = gcs.get_storage_gateway_list().send().await.unwrap().into_inner().data[0].id.clone();
    let mapped = gcs
        .create_collection()
        .body(
            MappedCollectionDocument::new()
                .storage_gateway_id(gateway.clone())
                .collection_base_path("/project")
                .display_name("Project"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(mapped.status(), 201);
    let mapped_id = mapped.id.clone();
    let seen = tc.get_endpoint().endpoint_id(&mapped_id).send().await.unwrap().into_inner();
    assert_eq!(seen.entity_type.as_deref(), Some("GCSv5_mapped_collection"));
    assert_eq!(seen.display_name.as_deref(), Some("Project"));

    let credential = gcs
        .create_user_credential()
        .body(UserCredentialDocument::new().storage_gateway_id(gateway.clone()).username("testuser"))
        .send()
        .await
        .unwrap();
    let guest = gcs
        .create_collection()
        .body(
            GuestCollectionDocument::new()
                .mapped_collection_id(mapped_id.clone())
                .user_credential_id(credential.id.clone())
                .collection_base_path("/shared")
                .display_name("Shared project"),
        )
        .send()
        .await
        .unwrap();
    let guest_id = guest.id.clone();
    let listed = gcs.get_collection_list().send().await.unwrap().into_inner();
    assert_eq!(listed.data.len(), 2);
    let seen = tc.get_endpoint().endpoint_id(&guest_id).send().await.unwrap().into_inner();
    assert_eq!(seen.entity_type.as_deref(), Some("GCSv5_guest_collection"));
    assert_eq!(seen.host_endpoint_id.as_deref(), Some(mapped_id.as_str()));
    let found = tc.endpoint_search().filter_fulltext("Shared project").send().await.unwrap().into_inner();
    assert_eq!(found.data.len(), 1);

    // Alice is granted read access through Transfer; Bob is not.
    assert_eq!(alice.operation_ls().endpoint_id(&guest_id).send().await.unwrap_err().http_status(), Some(403));
    let rule = types::AccessRuleCreate::builder()
        .principal_type("identity")
        .principal(id_of(&local, ALICE))
        .path("/")
        .permissions("r");
    tc.add_endpoint_acl_rule().endpoint_id(&guest_id).body(rule).send().await.unwrap();
    let ls = alice.operation_ls().endpoint_id(&guest_id).path("/").send().await.unwrap().into_inner();
    assert_eq!(ls.data.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(), ["a.txt"]);
    let status = transfer(&alice, (&guest_id, "/a.txt"), (destination.id(), "/from-guest.txt")).await.unwrap();
    assert_eq!(status, "SUCCEEDED");
    assert_eq!(std::fs::read_to_string(destination.root().join("from-guest.txt")).unwrap(), "shared a");
    let denied = bob.operation_ls().endpoint_id(&guest_id).send().await.unwrap_err();
    assert_eq!((denied.http_status(), denied.code()), (Some(403), Some("PermissionDenied")));
    let denied = transfer(&bob, (&guest_id, "/a.txt"), (destination.id(), "/bob.txt")).await.unwrap_err();
    assert_eq!((denied.http_status(), denied.code()), (Some(403), Some("PermissionDenied")));
    // Alice cannot reach the rest of the mapped collection through the guest root.
    for path in ["/../", "/../notes.txt", "/~/../../private/"] {
        assert_eq!(
            alice.operation_ls().endpoint_id(&guest_id).path(path).send().await.unwrap_err().http_status(),
            Some(403)
        );
    }

    // Only the owner (or an administrator) deletes it; then it is gone from Transfer.
    let bob_gcs = gcs_for(&local, BOB);
    assert_eq!(bob_gcs.delete_collection().collection_id(&guest_id).send().await.unwrap_err().http_status(), Some(403));
    let in_use = gcs.delete_collection().collection_id(&mapped_id).send().await.unwrap_err();
    assert_eq!(in_use.http_status(), Some(409), "a guest collection lies in it");
    gcs.delete_collection().collection_id(&guest_id).send().await.unwrap();
    let gone = tc.get_endpoint().endpoint_id(&guest_id).send().await.unwrap_err();
    assert_eq!((gone.http_status(), gone.code()), (Some(404), Some("EndpointNotFound")));
    assert_eq!(alice.operation_ls().endpoint_id(&guest_id).send().await.unwrap_err().http_status(), Some(404));
    assert!(tc.endpoint_search().filter_fulltext("Shared project").send().await.unwrap().into_inner().data.is_empty());
    assert_eq!(gcs.get_collection().collection_id(&guest_id).send().await.unwrap_err().http_status(), Some(404));
    gcs.delete_collection().collection_id(&mapped_id).send().await.unwrap();
    assert_eq!(tc.get_endpoint().endpoint_id(&mapped_id).send().await.unwrap_err().http_status(), Some(404));
    assert!(storage.path().join("project/shared/a.txt").exists(), "deleting a collection keeps its files");
}

/// Neither a mapped collection's base path nor a guest's leaves its root, by `..` or by a
/// symbolic link; hostile documents are refused without a host path in the answer.
#[tokio::test]
async fn collection_roots_stay_inside_and_hostile_documents_are_refused() {
    let storage = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    write(storage.path(), "project/shared/a.txt", "a");
    write(storage.path(), "project/file.txt", "f");
    write(storage.path(), "private/secret.txt", "secret");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(outside.path(), storage.path().join("out")).unwrap();
        std::os::unix::fs::symlink("../private", storage.path().join("project/to-private")).unwrap();
    }
    let local = LocalGlobus::builder().user(ALICE, "Alice").gcs_root(storage.path()).start().await.unwrap();
    let gcs = gcs_for(&local, OWNER);
    let host = [storage.path().to_string_lossy().into_owned(), outside.path().to_string_lossy().into_owned()];
    let no_host = |e: &globus_sdk::Error| {
        let text = format!("{e} {:?}", e.json());
        assert!(host.iter().all(|h| !text.contains(h.as_str())), "{text}");
    };
    let mapped = |path: &str| {
        gcs.create_collection()
            .body(
                MappedCollectionDocument::new()
                    .collection_base_path(path.to_string())
                    .display_name(format!("m {path}")),
            )
            .send()
    };
    for path in ["/../", "/project/../../", "/out", "/out/", "/missing", "/project/file.txt", "relative"] {
        #[cfg(not(unix))]
        if path.starts_with("/out") {
            continue;
        }
        let e = mapped(path).await.unwrap_err();
        assert!(matches!(e.http_status(), Some(400 | 403 | 404)), "{path}: {e}");
        no_host(&e);
    }
    let project = mapped("/project").await.unwrap().id.clone();
    let guest = |path: &str| {
        gcs.create_collection()
            .body(
                GuestCollectionDocument::new()
                    .mapped_collection_id(project.clone())
                    .collection_base_path(path.to_string())
                    .display_name(format!("g {path}")),
            )
            .send()
    };
    for path in ["/../", "/shared/../../private", "/to-private", "/file.txt", "/nope"] {
        #[cfg(not(unix))]
        if path == "/to-private" {
            continue;
        }
        let e = guest(path).await.unwrap_err();
        assert!(matches!(e.http_status(), Some(400 | 403 | 404)), "{path}: {e}");
        no_host(&e);
    }
    assert_eq!(local.collections().len(), 3, "only the mapped collection was added");

    // Hostile documents.
    for body in [
        json!([]),
        json!("collection"),
        json!({"collection_type": "mapped"}),
        json!({"collection_type": "evil", "display_name": "x"}),
        json!({"collection_type": "mapped", "display_name": 5}),
        json!({"collection_type": "mapped", "display_name": "x".repeat(5000)}),
        json!({"collection_type": "mapped", "display_name": "x", "collection_base_path": "/a\u{0}b"}),
        json!({"collection_type": "guest", "display_name": "x"}),
        json!({"collection_type": "guest", "display_name": "x", "mapped_collection_id": "../../etc"}),
        json!({"collection_type": "mapped", "display_name": "x", "storage_gateway_id": "nope"}),
    ] {
        let e = gcs.raw_post("/api/collections").json(&body).send().await.unwrap_err();
        assert!(matches!(e.http_status(), Some(400 | 404)), "{body}: {e}");
        no_host(&e);
    }
    let e = gcs.get_collection().collection_id("../../etc/passwd").send().await.unwrap_err();
    assert_eq!(e.http_status(), Some(404));
    // Only an administrator makes mapped collections; a guest of another's mapped collection
    // is the caller's own.
    let alice = gcs_for(&local, ALICE);
    let e = alice
        .create_collection()
        .body(MappedCollectionDocument::new().collection_base_path("/private").display_name("Private"))
        .send()
        .await
        .unwrap_err();
    assert_eq!((e.http_status(), e.code()), (Some(403), Some("permission_denied")));
}

#[tokio::test]
async fn roles_and_user_credentials() {
    let storage = tempfile::tempdir().unwrap();
    std::fs::create_dir(storage.path().join("data")).unwrap();
    let local = LocalGlobus::builder().user(ALICE, "Alice").user(BOB, "Bob").start().await.unwrap();
    assert!(local.gcs_root().unwrap().is_dir(), "a temporary storage root by default");
    let (gcs, alice) = (gcs_for(&local, OWNER), gcs_for(&local, ALICE));
    let roles = gcs.get_role_list().send().await.unwrap().into_inner();
    assert_eq!(roles.data.len(), 1);
    assert_eq!(roles.data[0].role.as_deref(), Some("administrator"));
    assert_eq!(
        roles.data[0].principal.as_deref(),
        Some(format!("urn:globus:auth:identity:{}", id_of(&local, OWNER)).as_str())
    );

    // Alice is not an administrator until given the role.
    let e = alice
        .create_role()
        .body(RoleDocument::new(format!("urn:globus:auth:identity:{}", id_of(&local, BOB)), "administrator"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.http_status(), Some(403));
    let alice_urn = format!("urn:globus:auth:identity:{}", id_of(&local, ALICE));
    let role = gcs.create_role().body(RoleDocument::new(alice_urn.clone(), "administrator")).send().await.unwrap();
    assert_eq!(role.status(), 201);
    let made = alice
        .create_collection()
        .body(MappedCollectionDocument::new().collection_base_path("/").display_name("Alice's"))
        .send()
        .await
        .unwrap();
    assert_eq!(made.identity_id.as_deref(), Some(id_of(&local, ALICE).as_str()));
    assert!(local.collection("Alice's").is_some());
    // Removed from Transfer another way, it leaves GCS too.
    local.remove_collection(&made.id).unwrap();
    assert_eq!(alice.get_collection().collection_id(&made.id).send().await.unwrap_err().http_status(), Some(404));
    assert!(alice.get_collection_list().send().await.unwrap().into_inner().data.is_empty());
    assert_eq!(gcs.get_role().role_id(&role.id).send().await.unwrap().role.as_deref(), Some("administrator"));
    for bad in [
        json!({"principal": alice_urn, "role": "emperor"}),
        json!({"principal": "alice", "role": "administrator"}),
        json!({}),
    ] {
        assert_eq!(gcs.raw_post("/api/roles").json(&bad).send().await.unwrap_err().http_status(), Some(400), "{bad}");
    }
    gcs.delete_role().role_id(&role.id).send().await.unwrap();
    let e = alice
        .create_collection()
        .body(MappedCollectionDocument::new().collection_base_path("/").display_name("Again"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.http_status(), Some(403));
    let last = gcs.get_role_list().send().await.unwrap().into_inner().data[0].id.clone();
    assert_eq!(gcs.delete_role().role_id(&last).send().await.unwrap_err().http_status(), Some(409));

    // User credentials are each caller's own.
    let uc =
        alice.create_user_credential().body(UserCredentialDocument::new().display_name("mine")).send().await.unwrap();
    assert_eq!(uc.status(), 201);
    assert_eq!(uc.username.as_deref(), Some("alice"));
    let uc_id = uc.id.clone();
    assert_eq!(alice.get_user_credential_list().send().await.unwrap().into_inner().data.len(), 1);
    assert!(gcs.get_user_credential_list().send().await.unwrap().into_inner().data.is_empty());
    assert_eq!(gcs.get_user_credential().user_credential_id(&uc_id).send().await.unwrap_err().http_status(), Some(404));
    assert_eq!(
        gcs.delete_user_credential().user_credential_id(&uc_id).send().await.unwrap_err().http_status(),
        Some(404)
    );
    let other = json!({"identity_id": id_of(&local, BOB)});
    assert_eq!(alice.raw_post("/api/user_credentials").json(&other).send().await.unwrap_err().http_status(), Some(403));
    alice.delete_user_credential().user_credential_id(&uc_id).send().await.unwrap();
    assert!(alice.get_user_credential_list().send().await.unwrap().into_inner().data.is_empty());
}

/// The Python SDK's GCSClient and TransferClient against the local GCS and Transfer, with only
/// `LocalGlobus::env_vars` (`scripts/python_local_gcs.py`), for each interpreter of
/// `GLOBUS_SDK_PYTHON`. GCSClient is built from the manager's bare address and builds
/// `https://127.0.0.1:<port>/api/` itself, trusting the local CA through `REQUESTS_CA_BUNDLE`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_python_sdk_makes_a_guest_collection_on_the_local_gcs() {
    for python in crate::local_python::pythons() {
        let storage = tempfile::tempdir().unwrap();
        write(storage.path(), "project/shared/a.txt", "a");
        let local = LocalGlobus::builder().gcs_root(storage.path()).start().await.unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/python_local_gcs.py");
        let run = tokio::process::Command::new(&python)
            .arg(&script)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", std::env::temp_dir())
            .envs(local.env_vars())
            .kill_on_drop(true)
            .output();
        let output = tokio::time::timeout(Duration::from_secs(120), run)
            .await
            .expect("the Python run finished within 120 s")
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{}: the Python run failed:\n{stdout}\n{stderr}", python.display());
        let summary: serde_json::Value =
            serde_json::from_str(stdout.lines().last().unwrap_or_default()).unwrap_or_else(|e| panic!("{e}: {stdout}"));
        eprintln!("python_local_gcs: globus-sdk {} ok", summary["sdk_version"]);
        assert_eq!(summary["ls"], json!(["a.txt"]));
        assert_eq!(summary["rule_code"], "Created");
        assert_eq!(summary["mapped_delete_status"], 409);
        assert_eq!(summary["gone_code"], "EndpointNotFound");
        assert_eq!(summary["gcs_base_url"], format!("{}/api/", local.gcs_url()));
        let guest = summary["guest_id"].as_str().unwrap();
        assert!(local.collections().iter().all(|c| c.id() != guest), "the guest collection is gone");
        let requests = local.requests();
        assert!(requests.iter().any(|r| r.service == "gcs" && r.path == "/api/collections" && r.status == Some(201)));
    }
}

/// The local GCS serves HTTPS with a certificate for 127.0.0.1 signed by the local CA: the
/// configuration trusts the CA (and `env_vars` exports it); a client that does not is
/// refused with a TLS error.
#[tokio::test]
async fn gcs_serves_https_that_only_the_local_ca_makes_trusted() {
    let local = LocalGlobus::start().await.unwrap();
    let url = local.gcs_url();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    assert!(local.auth_url().starts_with("http://127.0.0.1:"), "other services stay plain HTTP");
    let ca = local.gcs_ca_file().unwrap();
    let pem = std::fs::read_to_string(&ca).unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----") && !pem.contains("PRIVATE KEY"));
    let vars = local.env_vars();
    let ca_var = ca.display().to_string();
    assert!(vars.contains(&("REQUESTS_CA_BUNDLE".to_string(), ca_var.clone())));
    assert!(vars.contains(&("GLOBUS_SDK_VERIFY_SSL".to_string(), ca_var)));
    assert!(vars.contains(&("GLOBUS_SDK_SERVICE_URL_GCS".to_string(), format!("{url}/"))));
    assert!(!format!("{local:?}").contains("PRIVATE"));

    let trusted = globus_sdk::gcs::Client::builder()
        .config(local.config())
        .base_url(&url)
        .authorizer(NullAuthorizer)
        .build()
        .unwrap();
    let info = trusted.get_gcs_info().send().await.unwrap().into_inner();
    assert_eq!(info.info().unwrap().client_id.as_deref(), local.gcs_endpoint_id());
    // `localhost` is on the certificate too.
    let port = url.rsplit(':').next().unwrap();
    let by_name = globus_sdk::gcs::Client::builder()
        .config(local.config())
        .base_url(format!("https://localhost:{port}"))
        .authorizer(NullAuthorizer)
        .build()
        .unwrap();
    by_name.get_gcs_info().send().await.unwrap();

    let untrusting = globus_sdk::gcs::Client::builder()
        .config(globus_sdk::Config::new().tls_verification(globus_sdk::config::TlsVerification::Enabled))
        .base_url(&url)
        .authorizer(NullAuthorizer)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let refused = untrusting.get_gcs_info().send().await.unwrap_err();
    assert_eq!(refused.kind(), globus_sdk::ErrorKind::Transport, "{refused:?}");
    assert_eq!(refused.http_status(), None);
    let chain = error_chain(&refused);
    assert!(chain.to_lowercase().contains("certificate"), "not a TLS error: {chain}");
    // The refused handshake did not stop the server.
    trusted.get_gcs_info().send().await.unwrap();
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// Hostile input to the TLS port: garbage bytes, a plain HTTP request, a handshake cut off
/// and a client that never speaks close their connection only; the server keeps serving.
#[tokio::test]
async fn the_tls_port_survives_garbage_and_plain_http() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let local = LocalGlobus::start().await.unwrap();
    let url = local.gcs_url();
    let addr = url.trim_start_matches("https://").to_string();
    let trusted = globus_sdk::gcs::Client::builder()
        .config(local.config())
        .base_url(&url)
        .authorizer(NullAuthorizer)
        .build()
        .unwrap();

    // A client that connects and never speaks does not hold up the others.
    let _silent = tokio::net::TcpStream::connect(&addr).await.unwrap();

    let garbage: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let plain = format!("GET /api/info HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").into_bytes();
    // A TLS record header that announces a ClientHello, then stops halfway.
    let cut = vec![0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03];
    for input in [garbage, plain, cut, vec![0u8; 70_000]] {
        let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let _ = stream.write_all(&input).await;
        let _ = stream.shutdown().await;
        let mut answer = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(15), stream.read_to_end(&mut answer)).await;
        assert!(read.is_ok(), "the connection was closed");
        assert!(!String::from_utf8_lossy(&answer).contains("HTTP/1.1"), "no plain HTTP answer on the TLS port");
        let info = trusted.get_gcs_info().send().await.unwrap().into_inner();
        assert_eq!(info.info().unwrap().client_id.as_deref(), local.gcs_endpoint_id());
    }
    assert!(local.requests().iter().all(|r| r.service != "gcs" || r.status == Some(200)));
}

fn assert_refused(e: &globus_sdk::Error, status: u16, field: &str) {
    assert_eq!(e.http_status(), Some(status), "{e}");
    assert!(e.message().is_some_and(|m| m.contains(field)), "the message names {field}: {e}");
}

/// The endpoint document is state: what `update_endpoint` and `replace_endpoint` set is what
/// `get_endpoint` answers; owners, the owner string and the subscription are set by an
/// administrator only; hostile documents are refused.
#[tokio::test]
async fn the_endpoint_document_is_updated_replaced_and_given_away() {
    use globus_sdk::gcs::EndpointDocument;
    let local = LocalGlobus::builder().user(ALICE, "Alice").user(BOB, "Bob").start().await.unwrap();
    let (gcs, alice, bob) = (gcs_for(&local, OWNER), gcs_for(&local, ALICE), gcs_for(&local, BOB));
    let before = gcs.get_endpoint().send().await.unwrap();
    assert_eq!(before.display_name.as_deref(), Some("Local Globus Connect Server"));
    assert_eq!(before.data_type.as_deref(), Some("endpoint#1.2.0"));

    let doc = EndpointDocument::new().display_name("Lab DTN").keywords(["lab", "dtn"]).public(false).max_concurrency(8);
    let updated = gcs.update_endpoint().body(doc).send().await.unwrap();
    assert!(updated.data.is_empty(), "no document without include=endpoint");
    let shown = gcs
        .update_endpoint()
        .include("endpoint")
        .body_map(|b| b.description(Some("the lab's".to_string())))
        .send()
        .await
        .unwrap();
    assert_eq!(shown.data[0].description.as_deref(), Some("the lab's"));
    let got = gcs.get_endpoint().send().await.unwrap();
    assert_eq!(got.display_name.as_deref(), Some("Lab DTN"));
    assert_eq!(got.keywords.as_deref(), Some(&["lab".to_string(), "dtn".to_string()][..]));
    assert_eq!((got.public, got.max_concurrency), (Some(false), Some(8)));
    assert_eq!(got.organization.as_deref(), Some("Local Globus"), "a PATCH keeps the other fields");
    assert_eq!(got.id.as_deref(), local.gcs_endpoint_id());

    // A PUT replaces: what it leaves out goes back to its value at start.
    gcs.replace_endpoint()
        .body(EndpointDocument::new().display_name("Replaced").organization("Org"))
        .send()
        .await
        .unwrap();
    let got = gcs.get_endpoint().send().await.unwrap();
    assert_eq!((got.display_name.as_deref(), got.organization.as_deref()), (Some("Replaced"), Some("Org")));
    assert_eq!((got.keywords.as_ref(), got.description.as_ref(), got.public), (None, None, Some(true)));
    let e = gcs.replace_endpoint().body(EndpointDocument::new().organization("No name")).send().await.unwrap_err();
    assert_refused(&e, 400, "display_name");

    // Only an administrator changes it.
    let e = alice.update_endpoint().body(EndpointDocument::new().display_name("Mine")).send().await.unwrap_err();
    assert_eq!((e.http_status(), e.code()), (Some(403), Some("permission_denied")));
    assert_eq!(
        alice
            .replace_endpoint()
            .body(EndpointDocument::new().display_name("Mine"))
            .send()
            .await
            .unwrap_err()
            .http_status(),
        Some(403)
    );
    assert_eq!(gcs.get_endpoint().send().await.unwrap().display_name.as_deref(), Some("Replaced"));

    // Hostile documents: each refused with the field named, nothing changed.
    for (body, field) in [
        (json!({"display_name": 5}), "display_name"),
        (json!({"display_name": "x".repeat(5000)}), "display_name"),
        (json!({"display_name": ""}), "display_name"),
        (json!({"network_use": "warp"}), "network_use"),
        (json!({"keywords": vec!["k"; 101]}), "keywords"),
        (json!({"keywords": "one"}), "keywords"),
        (json!({"max_concurrency": -1}), "max_concurrency"),
        (json!({"public": "yes"}), "public"),
        (json!({"subscription_id": "../../etc"}), "subscription_id"),
        (json!([]), "JSON object"),
    ] {
        let e = gcs.raw_patch("/api/endpoint").json(&body).send().await.unwrap_err();
        assert_refused(&e, 400, field);
    }
    // Fields the endpoint fixes (its id, its manager's URL) and unknown ones are ignored.
    gcs.raw_patch("/api/endpoint")
        .json(&json!({"id": "other", "gcs_manager_url": "https://evil.example", "surprise": 1}))
        .send()
        .await
        .unwrap();
    let got = gcs.get_endpoint().send().await.unwrap();
    assert_eq!(got.id.as_deref(), local.gcs_endpoint_id());
    assert_eq!(got.gcs_manager_url.as_deref(), Some(local.gcs_url().as_str()));
    assert!(!got.extra.contains_key("surprise"));
    assert_eq!(got.display_name.as_deref(), Some("Replaced"));

    // The subscription.
    let sub = "5e3d4a8c-6a3b-4f6a-9d0e-0123456789ab";
    gcs.set_endpoint_subscription_id().body_map(|b| b.subscription_id(Some(sub.to_string()))).send().await.unwrap();
    assert_eq!(gcs.get_endpoint().send().await.unwrap().subscription_id.as_deref(), Some(sub));
    for bad in ["DEFAULT", "not-a-subscription"] {
        let e = gcs
            .set_endpoint_subscription_id()
            .body_map(|b| b.subscription_id(Some(bad.to_string())))
            .send()
            .await
            .unwrap_err();
        assert_refused(&e, 400, "subscription");
    }
    let e =
        alice.set_endpoint_subscription_id().body_map(|b| b.subscription_id(None::<String>)).send().await.unwrap_err();
    assert_eq!(e.http_status(), Some(403));
    assert_eq!(gcs.get_endpoint().send().await.unwrap().subscription_id.as_deref(), Some(sub));
    gcs.set_endpoint_subscription_id().body_map(|b| b.subscription_id(None::<String>)).send().await.unwrap();
    assert_eq!(gcs.get_endpoint().send().await.unwrap().subscription_id, None);

    // The owner string, then the owner: Alice becomes the owner and may change the endpoint.
    let alice_id = id_of(&local, ALICE);
    assert_eq!(
        bob.set_endpoint_owner_string()
            .body_map(|b| b.identity_id(alice_id.clone()))
            .send()
            .await
            .unwrap_err()
            .http_status(),
        Some(403)
    );
    assert_eq!(bob.delete_endpoint_owner_string().send().await.unwrap_err().http_status(), Some(403));
    gcs.set_endpoint_owner_string().body_map(|b| b.identity_id(alice_id.clone())).send().await.unwrap();
    gcs.delete_endpoint_owner_string().send().await.unwrap();
    let e = gcs.set_endpoint_owner_string().body_map(|b| b.identity_id("no-such-identity")).send().await.unwrap_err();
    assert_refused(&e, 400, "identity_id");
    let e = gcs.raw_put("/api/endpoint/owner").json(&json!({"identity_id": ["x"]})).send().await.unwrap_err();
    assert_refused(&e, 400, "identity_id");
    let e = bob.set_endpoint_owner().body_map(|b| b.identity_id(id_of(&local, BOB))).send().await.unwrap_err();
    assert_eq!(e.http_status(), Some(403));
    gcs.set_endpoint_owner().body_map(|b| b.identity_id(alice_id.clone())).send().await.unwrap();
    let roles = gcs.get_role_list().send().await.unwrap().into_inner().data;
    let owners: Vec<_> = roles.iter().filter(|r| r.role.as_deref() == Some("owner")).collect();
    assert_eq!(owners.len(), 1);
    assert_eq!(owners[0].principal.as_deref(), Some(format!("urn:globus:auth:identity:{alice_id}").as_str()));
    alice.update_endpoint().body(EndpointDocument::new().display_name("Alice's")).send().await.unwrap();
    assert_eq!(gcs.get_endpoint().send().await.unwrap().display_name.as_deref(), Some("Alice's"));
    // A new owner replaces the previous one.
    alice.set_endpoint_owner().body_map(|b| b.identity_id(id_of(&local, BOB))).send().await.unwrap();
    assert_eq!(
        alice.update_endpoint().body(EndpointDocument::new().display_name("x")).send().await.unwrap_err().http_status(),
        Some(403)
    );
    bob.update_endpoint().body(EndpointDocument::new().display_name("Bob's")).send().await.unwrap();
}

/// A collection's name and descriptive fields change through GCS, and its name in the local
/// Transfer with it; its root never moves; its owner is given away; guest collections are
/// deleted in a batch; checks; refusals (403, 404, hostile documents).
#[tokio::test]
async fn collections_are_updated_replaced_given_away_and_batch_deleted() {
    let storage = tempfile::tempdir().unwrap();
    write(storage.path(), "project/shared/a.txt", "a");
    write(storage.path(), "project/other/b.txt", "b");
    write(storage.path(), "private/secret.txt", "secret");
    let local =
        LocalGlobus::builder().user(ALICE, "Alice").user(BOB, "Bob").gcs_root(storage.path()).start().await.unwrap();
    let (gcs, alice, bob) = (gcs_for(&local, OWNER), gcs_for(&local, ALICE), gcs_for(&local, BOB));
    let tc = transfer_for(&local, OWNER);
    let mapped = gcs
        .create_collection()
        .body(MappedCollectionDocument::new().collection_base_path("/project").display_name("Project"))
        .send()
        .await
        .unwrap()
        .id
        .clone();
    let guest = |name: &str, path: &str| {
        gcs.create_collection()
            .body(
                GuestCollectionDocument::new()
                    .mapped_collection_id(mapped.clone())
                    .collection_base_path(path.to_string())
                    .display_name(name.to_string()),
            )
            .send()
    };
    let shared = guest("Shared", "/shared").await.unwrap().id.clone();

    // PATCH: the name (also in Transfer) and the given fields; the others are kept.
    let updated = gcs
        .update_collection()
        .collection_id(&mapped)
        .body(
            MappedCollectionDocument::new()
                .display_name("Project renamed")
                .description("d")
                .keywords(["k"])
                .enable_https(true),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(updated.display_name.as_deref(), Some("Project renamed"));
    assert_eq!((updated.description.as_deref(), updated.enable_https), (Some("d"), Some(true)));
    assert_eq!(updated.data_type.as_deref(), Some("collection#1.1.0"));
    assert_eq!(updated.collection_base_path.as_deref(), Some("/project"));
    let seen = tc.get_endpoint().endpoint_id(&mapped).send().await.unwrap().into_inner();
    assert_eq!(seen.display_name.as_deref(), Some("Project renamed"));
    assert!(tc.endpoint_search().filter_fulltext("renamed").send().await.unwrap().into_inner().data.len() == 1);
    assert!(local.collection("Project").is_none() && local.collection("Project renamed").is_some());
    let patched = gcs
        .update_collection()
        .collection_id(&mapped)
        .body(MappedCollectionDocument::new().public(false))
        .send()
        .await
        .unwrap();
    assert_eq!((patched.description.as_deref(), patched.public), (Some("d"), Some(false)));
    let got = gcs.get_collection().collection_id(&mapped).send().await.unwrap();
    assert_eq!(
        (got.display_name.as_deref(), got.public, got.keywords.as_deref()),
        (Some("Project renamed"), Some(false), Some(&["k".to_string()][..]))
    );

    // The root never moves: another base path is refused; the same one (spelled otherwise) is not.
    let e = gcs
        .update_collection()
        .collection_id(&mapped)
        .body(MappedCollectionDocument::new().collection_base_path("/private"))
        .send()
        .await
        .unwrap_err();
    assert_refused(&e, 400, "collection_base_path");
    gcs.update_collection()
        .collection_id(&mapped)
        .body(MappedCollectionDocument::new().collection_base_path("/project/"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        local.collection("Project renamed").unwrap().root(),
        std::fs::canonicalize(storage.path().join("project")).unwrap()
    );
    let ls = tc.operation_ls().endpoint_id(&mapped).path("/").send().await.unwrap().into_inner();
    assert!(ls.data.iter().any(|f| f.name == "shared"));
    // Another collection's name is taken.
    let e = gcs
        .update_collection()
        .collection_id(&mapped)
        .body(MappedCollectionDocument::new().display_name("Shared"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.http_status(), Some(409));
    // Hostile documents: refused with the field named, nothing changed.
    for (body, field) in [
        (json!({"display_name": 5}), "display_name"),
        (json!({"display_name": "x".repeat(5000)}), "display_name"),
        (json!({"display_name": "  "}), "display_name"),
        (json!({"public": "yes"}), "public"),
        (json!({"keywords": [1, 2]}), "keywords"),
        (json!({"collection_base_path": "/project/../private"}), "collection_base_path"),
        (json!({"collection_base_path": "/a\u{0}b"}), "collection_base_path"),
        (json!({"storage_gateway_id": "other"}), "storage_gateway_id"),
        (json!({"collection_type": "guest"}), "collection_type"),
        (json!({"identity_id": id_of(&local, BOB)}), "identity_id"),
        (json!("rename"), "JSON object"),
    ] {
        let e = gcs.raw_patch(&format!("/api/collections/{mapped}")).json(&body).send().await.unwrap_err();
        assert!(matches!(e.http_status(), Some(400 | 403)), "{body}: {e}");
        assert!(e.message().is_some_and(|m| m.contains(field)), "{body}: {e}");
    }
    assert_eq!(
        gcs.get_collection().collection_id(&mapped).send().await.unwrap().display_name.as_deref(),
        Some("Project renamed")
    );

    // PUT replaces the fields: what it leaves out is gone; a name is required.
    let replaced = gcs
        .replace_collection()
        .collection_id(&mapped)
        .body(MappedCollectionDocument::new().display_name("Project"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (replaced.description.as_ref(), replaced.public, replaced.data_type.as_deref()),
        (None, Some(true), Some("collection#1.0.0"))
    );
    assert!(local.collection("Project").is_some());
    let e = gcs
        .replace_collection()
        .collection_id(&mapped)
        .body(MappedCollectionDocument::new().description("nameless"))
        .send()
        .await
        .unwrap_err();
    assert_refused(&e, 400, "display_name");

    // Only the owner or an administrator; unknown ids are 404.
    let e = bob
        .update_collection()
        .collection_id(&shared)
        .body(GuestCollectionDocument::new().display_name("Bob's"))
        .send()
        .await
        .unwrap_err();
    assert_eq!((e.http_status(), e.code()), (Some(403), Some("permission_denied")));
    assert_eq!(
        bob.replace_collection()
            .collection_id(&shared)
            .body(GuestCollectionDocument::new().display_name("Bob's"))
            .send()
            .await
            .unwrap_err()
            .http_status(),
        Some(403)
    );
    assert_eq!(
        bob.set_collection_owner()
            .collection_id(&shared)
            .body_map(|b| b.identity_id(id_of(&local, BOB)))
            .send()
            .await
            .unwrap_err()
            .http_status(),
        Some(403)
    );
    assert_eq!(
        bob.set_collection_owner_string()
            .collection_id(&shared)
            .body_map(|b| b.identity_id(id_of(&local, BOB)))
            .send()
            .await
            .unwrap_err()
            .http_status(),
        Some(403)
    );
    assert_eq!(
        bob.delete_collection_owner_string().collection_id(&shared).send().await.unwrap_err().http_status(),
        Some(403)
    );
    assert_eq!(bob.check_collection().collection_id(&shared).send().await.unwrap_err().http_status(), Some(403));
    let missing = "../../etc/passwd";
    for e in [
        gcs.update_collection()
            .collection_id(missing)
            .body(MappedCollectionDocument::new().display_name("x"))
            .send()
            .await
            .unwrap_err(),
        gcs.replace_collection()
            .collection_id(missing)
            .body(MappedCollectionDocument::new().display_name("x"))
            .send()
            .await
            .unwrap_err(),
        gcs.set_collection_owner()
            .collection_id(missing)
            .body_map(|b| b.identity_id(id_of(&local, BOB)))
            .send()
            .await
            .unwrap_err(),
        gcs.set_collection_owner_string()
            .collection_id(missing)
            .body_map(|b| b.identity_id(id_of(&local, BOB)))
            .send()
            .await
            .unwrap_err(),
        gcs.delete_collection_owner_string().collection_id(missing).send().await.unwrap_err(),
        gcs.check_collection().collection_id(missing).send().await.unwrap_err(),
    ] {
        assert_eq!((e.http_status(), e.code()), (Some(404), Some("not_found")), "{e}");
    }

    // The owner string, then the owner: Alice then manages the guest collection (in GCS and
    // its Transfer access rules), Bob still not.
    gcs.set_collection_owner_string()
        .collection_id(&shared)
        .body_map(|b| b.identity_id(id_of(&local, ALICE)))
        .send()
        .await
        .unwrap();
    let owner_string =
        || async { tc.get_endpoint().endpoint_id(&shared).send().await.unwrap().into_inner().owner_string };
    assert_eq!(owner_string().await.as_deref(), Some(ALICE), "Transfer advertises it");
    let e = gcs
        .set_collection_owner_string()
        .collection_id(&shared)
        .body_map(|b| b.identity_id("nobody"))
        .send()
        .await
        .unwrap_err();
    assert_refused(&e, 400, "identity_id");
    gcs.delete_collection_owner_string().collection_id(&shared).send().await.unwrap();
    assert_eq!(owner_string().await.as_deref(), Some(OWNER));
    let e = gcs
        .set_collection_owner()
        .collection_id(&shared)
        .body_map(|b| b.identity_id("nobody"))
        .send()
        .await
        .unwrap_err();
    assert_refused(&e, 400, "identity_id");
    gcs.set_collection_owner()
        .collection_id(&shared)
        .body_map(|b| b.identity_id(id_of(&local, ALICE)))
        .send()
        .await
        .unwrap();
    let got = gcs.get_collection().collection_id(&shared).send().await.unwrap();
    assert_eq!(got.identity_id.as_deref(), Some(id_of(&local, ALICE).as_str()));
    assert_eq!(local.collection("Shared").unwrap().owner_id(), id_of(&local, ALICE));
    let renamed = alice
        .update_collection()
        .collection_id(&shared)
        .body(GuestCollectionDocument::new().display_name("Alice's share"))
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.identity_id.as_deref(), Some(id_of(&local, ALICE).as_str()));
    let rule = types::AccessRuleCreate::builder()
        .principal_type("identity")
        .principal(id_of(&local, BOB))
        .path("/")
        .permissions("r");
    transfer_for(&local, ALICE).add_endpoint_acl_rule().endpoint_id(&shared).body(rule).send().await.unwrap();

    // Checks: the caller's own collections (an administrator: all).
    let check = gcs.check_collection().collection_id(&mapped).send().await.unwrap();
    assert_eq!(check.data[0].extra["id"], json!(mapped));
    assert_eq!(check.data[0].extra["error"], json!(null));
    let checks: Vec<_> = gcs.check_collections().send().await.unwrap().into_inner().data;
    assert_eq!(checks.len(), 2);
    let alices: Vec<_> = alice.check_collections().send().await.unwrap().into_inner().data;
    assert_eq!(alices.iter().map(|c| c.id.as_deref().unwrap()).collect::<Vec<_>>(), [shared.as_str()]);
    assert!(bob.check_collections().send().await.unwrap().into_inner().data.is_empty());

    // A delete-protected collection stays.
    gcs.update_collection()
        .collection_id(&shared)
        .body(GuestCollectionDocument::new().extra("delete_protected", true))
        .send()
        .await
        .unwrap();
    assert_eq!(alice.delete_collection().collection_id(&shared).send().await.unwrap_err().http_status(), Some(409));
    let protected = globus_sdk::gcs::batch_delete_document([shared.clone()]);
    assert_eq!(gcs.batch_delete_collections().body(protected).send().await.unwrap_err().http_status(), Some(409));
    gcs.update_collection()
        .collection_id(&shared)
        .body(GuestCollectionDocument::new().extra("delete_protected", false))
        .send()
        .await
        .unwrap();

    // Batch deletes: guest collections only, all or none.
    let second = guest("Second", "/other").await.unwrap().id.clone();
    let batch = |ids: Vec<String>| globus_sdk::gcs::batch_delete_document(ids);
    let e = bob.batch_delete_collections().body(batch(vec![second.clone()])).send().await.unwrap_err();
    assert_eq!(e.http_status(), Some(403));
    let e = gcs.batch_delete_collections().body(batch(vec![second.clone(), mapped.clone()])).send().await.unwrap_err();
    assert_refused(&e, 400, "guest");
    let e = gcs.batch_delete_collections().body(batch(vec![second.clone(), "nope".into()])).send().await.unwrap_err();
    assert_eq!(e.http_status(), Some(404));
    for body in [json!({"ids": "x"}), json!({"ids": [1]}), json!({}), json!({"ids": vec!["x"; 1001]})] {
        let e = gcs.raw_post("/api/collections/batch_delete").json(&body).send().await.unwrap_err();
        assert_refused(&e, 400, "ids");
    }
    assert_eq!(
        local.collections().iter().filter(|c| c.id() == second || c.id() == shared).count(),
        2,
        "nothing deleted"
    );
    let done = gcs.batch_delete_collections().body(batch(vec![second.clone(), shared.clone()])).send().await.unwrap();
    assert_eq!(done.code.as_deref(), Some("success"));
    assert!(local.collections().iter().all(|c| c.id() != second && c.id() != shared));
    assert_eq!(tc.get_endpoint().endpoint_id(&shared).send().await.unwrap_err().http_status(), Some(404));
    assert_eq!(gcs.get_collection_list().send().await.unwrap().into_inner().data.len(), 1);
    gcs.delete_collection().collection_id(&mapped).send().await.unwrap();
}

/// Storage gateways are made, changed and deleted by an administrator, each rooted beneath
/// the local GCS root (never outside it: no `..`, no symbolic link out); a mapped collection
/// is made beneath its gateway's root; a gateway with collections is not deleted, nor its
/// root moved.
#[tokio::test]
async fn storage_gateways_are_made_beneath_the_local_root_and_deleted_when_empty() {
    use globus_sdk::gcs::{Connector, StorageGatewayDocument, StoragePolicies};
    let storage = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    write(storage.path(), "data/a.txt", "a");
    write(storage.path(), "other/b.txt", "b");
    write(storage.path(), "file.txt", "f");
    write(outside.path(), "secret.txt", "secret");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(outside.path(), storage.path().join("out")).unwrap();
        std::os::unix::fs::symlink("../other", storage.path().join("data/to-other")).unwrap();
    }
    let local = LocalGlobus::builder().user(ALICE, "Alice").gcs_root(storage.path()).start().await.unwrap();
    let (gcs, alice, tc) = (gcs_for(&local, OWNER), gcs_for(&local, ALICE), transfer_for(&local, OWNER));
    let host = [storage.path().to_string_lossy().into_owned(), outside.path().to_string_lossy().into_owned()];
    let no_host = |e: &globus_sdk::Error| {
        let text = format!("{e} {:?}", e.json());
        assert!(host.iter().all(|h| !text.contains(h.as_str())), "{text}");
    };
    let initial = gcs.get_storage_gateway_list().send().await.unwrap().into_inner().data;
    assert_eq!(initial.len(), 1);
    assert_eq!(initial[0].root.as_deref(), Some("/"));

    let made = gcs
        .create_storage_gateway()
        .body(
            StorageGatewayDocument::new()
                .display_name("Data")
                .connector_id(Connector::POSIX.id)
                .root("/data/")
                .allowed_domains(["example.org"])
                .restrict_paths(json!({"DATA_TYPE": "path_restrictions#1.0.0", "read": ["/"], "read_write": ["/rw"]}))
                .policies(StoragePolicies::posix().groups_allow(["staff"])),
        )
        .send()
        .await
        .unwrap();
    let sg = made.id.clone();
    assert_eq!((made.root.as_deref(), made.display_name.as_deref()), (Some("/data"), Some("Data")));
    assert_eq!(made.allowed_domains.as_deref(), Some(&["example.org".to_string()][..]));
    assert_eq!(made.extra["restrict_paths"]["read_write"], json!(["/rw"]));
    assert_eq!(made.policies.as_ref().unwrap().extra["groups_allow"], json!(["staff"]));
    assert_eq!(gcs.get_storage_gateway().storage_gateway_id(&sg).send().await.unwrap().root.as_deref(), Some("/data"));
    assert_eq!(gcs.get_storage_gateway_list().send().await.unwrap().into_inner().data.len(), 2);

    // A mapped collection on it is rooted beneath its root.
    let on_data = gcs
        .create_collection()
        .body(
            MappedCollectionDocument::new()
                .storage_gateway_id(sg.clone())
                .collection_base_path("/")
                .display_name("On data"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(on_data.storage_gateway_id.as_deref(), Some(sg.as_str()));
    let ls = tc.operation_ls().endpoint_id(&on_data.id).path("/").send().await.unwrap().into_inner();
    assert!(ls.data.iter().any(|f| f.name == "a.txt"), "the gateway's root is /data");
    let listed = gcs.get_collection_list().storage_gateway_id(&sg).send().await.unwrap().into_inner().data;
    assert_eq!(listed.len(), 1);
    for path in ["/../other", "/to-other", "/../../"] {
        #[cfg(not(unix))]
        if path == "/to-other" {
            continue;
        }
        let e = gcs
            .create_collection()
            .body(
                MappedCollectionDocument::new()
                    .storage_gateway_id(sg.clone())
                    .collection_base_path(path)
                    .display_name(format!("x {path}")),
            )
            .send()
            .await
            .unwrap_err();
        assert!(matches!(e.http_status(), Some(400 | 403 | 404)), "{path}: {e}");
        no_host(&e);
    }

    // Roots and paths that leave the local root, wrong types, other connectors: refused.
    for (body, field) in [
        (json!({"display_name": "x", "root": "/../"}), "root"),
        (json!({"display_name": "x", "root": "/data/../../"}), "root"),
        (json!({"display_name": "x", "root": "/out"}), "root"),
        (json!({"display_name": "x", "root": "/data/to-other/../.."}), "root"),
        (json!({"display_name": "x", "root": "/missing"}), "root"),
        (json!({"display_name": "x", "root": "/file.txt"}), "root"),
        (json!({"display_name": "x", "root": "relative"}), "root"),
        (json!({"display_name": "x", "root": 5}), "root"),
        (json!({"display_name": "x", "restrict_paths": {"read": ["/../etc"]}}), "restrict_paths"),
        (json!({"display_name": "x", "restrict_paths": {"read": "/"}}), "restrict_paths"),
        (json!({"display_name": "x", "restrict_paths": ["/"]}), "restrict_paths"),
        (json!({"display_name": "x", "connector_id": Connector::S3.id}), "connector_id"),
        (json!({"display_name": "x", "policies": {"DATA_TYPE": "s3_storage_policies#1.0.0"}}), "policies"),
        (json!({"display_name": "x", "policies": {"groups_allow": "staff"}}), "groups_allow"),
        (json!({"display_name": "x", "identity_mappings": [{"x": "y".repeat(20_000)}]}), "identity_mappings"),
        (json!({"display_name": "x".repeat(5000)}), "display_name"),
        (json!({"display_name": 7}), "display_name"),
        (json!({"root": "/data"}), "display_name"),
        (json!({"display_name": "x", "users_allow": [1]}), "users_allow"),
        (json!({"display_name": "x", "authentication_timeout_mins": "long"}), "authentication_timeout_mins"),
    ] {
        #[cfg(not(unix))]
        if body["root"] == "/out" {
            continue;
        }
        let e = gcs.raw_post("/api/storage_gateways").json(&body).send().await.unwrap_err();
        assert!(matches!(e.http_status(), Some(400 | 403 | 404)), "{body}: {e}");
        if e.http_status() == Some(400) {
            assert!(e.message().is_some_and(|m| m.contains(field)), "{body}: {e}");
        }
        no_host(&e);
    }
    assert_eq!(gcs.get_storage_gateway_list().send().await.unwrap().into_inner().data.len(), 2, "none was made");

    // PATCH keeps what it does not name; the root does not move under a collection.
    let patched = gcs
        .update_storage_gateway()
        .storage_gateway_id(&sg)
        .body(StorageGatewayDocument::new().display_name("Data 2").users_allow(["alice"]))
        .send()
        .await
        .unwrap();
    assert_eq!((patched.display_name.as_deref(), patched.root.as_deref()), (Some("Data 2"), Some("/data")));
    assert_eq!(patched.allowed_domains.as_deref(), Some(&["example.org".to_string()][..]));
    let e = gcs
        .update_storage_gateway()
        .storage_gateway_id(&sg)
        .body(StorageGatewayDocument::new().root("/other"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.http_status(), Some(409));
    let e = gcs
        .update_storage_gateway()
        .storage_gateway_id(&sg)
        .body(StorageGatewayDocument::new().root("/../"))
        .send()
        .await
        .unwrap_err();
    assert_refused(&e, 403, "root");
    // PUT replaces: what it leaves out is gone (the same root is kept).
    let replaced = gcs
        .replace_storage_gateway()
        .storage_gateway_id(&sg)
        .body(StorageGatewayDocument::new().display_name("Data 3").root("/data"))
        .send()
        .await
        .unwrap();
    assert_eq!((replaced.display_name.as_deref(), replaced.users_allow.as_deref()), (Some("Data 3"), Some(&[][..])));
    assert_eq!(replaced.extra.get("restrict_paths"), Some(&json!(null)));

    // Administrators only; unknown ids are 404.
    for e in [
        alice.create_storage_gateway().body(StorageGatewayDocument::new().display_name("A")).send().await.unwrap_err(),
        alice
            .update_storage_gateway()
            .storage_gateway_id(&sg)
            .body(StorageGatewayDocument::new().display_name("A"))
            .send()
            .await
            .unwrap_err(),
        alice
            .replace_storage_gateway()
            .storage_gateway_id(&sg)
            .body(StorageGatewayDocument::new().display_name("A"))
            .send()
            .await
            .unwrap_err(),
        alice.delete_storage_gateway().storage_gateway_id(&sg).send().await.unwrap_err(),
    ] {
        assert_eq!((e.http_status(), e.code()), (Some(403), Some("permission_denied")));
    }
    for e in [
        gcs.get_storage_gateway().storage_gateway_id("nope").send().await.unwrap_err(),
        gcs.update_storage_gateway()
            .storage_gateway_id("nope")
            .body(StorageGatewayDocument::new().display_name("A"))
            .send()
            .await
            .unwrap_err(),
        gcs.replace_storage_gateway()
            .storage_gateway_id("nope")
            .body(StorageGatewayDocument::new().display_name("A"))
            .send()
            .await
            .unwrap_err(),
        gcs.delete_storage_gateway().storage_gateway_id("../nope").send().await.unwrap_err(),
    ] {
        assert_eq!((e.http_status(), e.code()), (Some(404), Some("not_found")));
    }

    // A gateway with collections stays; emptied, its root may move, and it is deleted.
    let e = gcs.delete_storage_gateway().storage_gateway_id(&sg).send().await.unwrap_err();
    assert_eq!(e.http_status(), Some(409));
    gcs.delete_collection().collection_id(&on_data.id).send().await.unwrap();
    let moved = gcs
        .update_storage_gateway()
        .storage_gateway_id(&sg)
        .body(StorageGatewayDocument::new().root("/other"))
        .send()
        .await
        .unwrap();
    assert_eq!(moved.root.as_deref(), Some("/other"));
    let on_other = gcs
        .create_collection()
        .body(MappedCollectionDocument::new().storage_gateway_id(sg.clone()).display_name("On other"))
        .send()
        .await
        .unwrap();
    let ls = tc.operation_ls().endpoint_id(&on_other.id).path("/").send().await.unwrap().into_inner();
    assert_eq!(ls.data.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(), ["b.txt"]);
    gcs.delete_collection().collection_id(&on_other.id).send().await.unwrap();
    let deleted = gcs.delete_storage_gateway().storage_gateway_id(&sg).send().await.unwrap();
    assert_eq!(deleted.code.as_deref(), Some("success"));
    assert_eq!(gcs.get_storage_gateway().storage_gateway_id(&sg).send().await.unwrap_err().http_status(), Some(404));
    let e = gcs
        .create_collection()
        .body(MappedCollectionDocument::new().storage_gateway_id(sg.clone()).display_name("Gone"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.http_status(), Some(404));
}

fn doc<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> T {
    serde_json::from_value(value).unwrap()
}

/// Nodes, sharing policies and stream gateways are documents kept in memory: read by any
/// caller, written by administrators, checked field by field.
#[tokio::test]
async fn nodes_sharing_policies_and_stream_gateways_are_kept() {
    use globus_sdk::gcs::types::{NodeDocument, SharingPolicyDocument, StreamGatewayDocument};
    let local = LocalGlobus::builder().user(ALICE, "Alice").start().await.unwrap();
    let (gcs, alice) = (gcs_for(&local, OWNER), gcs_for(&local, ALICE));

    // Nodes.
    let node = gcs
        .create_node()
        .body(doc::<NodeDocument>(json!({"DATA_TYPE": "node#1.1.0", "ip_addresses": ["192.0.2.1", "2001:db8::1"], "data_interface": "192.0.2.1", "incoming_port_range": [50000, 50100]})))
        .send()
        .await
        .unwrap();
    assert_eq!(node.status(), 201);
    let node_id = node.id.clone().unwrap();
    assert_eq!((node.data_type.as_deref(), node.status.as_deref()), (Some("node#1.1.0"), Some("active")));
    assert_eq!(node.incoming_port_range.as_deref(), Some(&[50000, 50100][..]));
    let patched = gcs
        .update_node()
        .node_id(&node_id)
        .body(doc::<NodeDocument>(json!({"DATA_TYPE": "node#1.1.0", "status": "inactive"})))
        .send()
        .await
        .unwrap();
    assert_eq!((patched.status.as_deref(), patched.data_interface.as_deref()), (Some("inactive"), Some("192.0.2.1")));
    let replaced = gcs
        .replace_node()
        .node_id(&node_id)
        .body(doc::<NodeDocument>(json!({"ip_addresses": ["192.0.2.9"]})))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (replaced.data_interface.as_deref(), replaced.status.as_deref(), replaced.data_type.as_deref()),
        (None, Some("active"), Some("node#1.0.0"))
    );
    assert_eq!(
        alice.get_node().node_id(&node_id).send().await.unwrap().ip_addresses.as_deref(),
        Some(&["192.0.2.9".to_string()][..])
    );
    assert_eq!(alice.get_node_list().send().await.unwrap().into_inner().data.len(), 1);
    for body in [
        json!({"status": "on fire"}),
        json!({"ip_addresses": ["not an address"]}),
        json!({"ip_addresses": "192.0.2.1"}),
        json!({"data_interface": "2001:db8::1"}),
        json!({"incoming_port_range": [2, 1]}),
        json!({"outgoing_port_range": [0, 70000]}),
        json!({"incoming_port_range": ["a", "b"]}),
        json!({"status": "x".repeat(5000)}),
    ] {
        let e = gcs.raw_post("/api/nodes").json(&body).send().await.unwrap_err();
        let field = body.as_object().unwrap().keys().next().unwrap().clone();
        assert_refused(&e, 400, &field);
    }
    let e = alice.create_node().body(doc::<NodeDocument>(json!({}))).send().await.unwrap_err();
    assert_eq!((e.http_status(), e.code()), (Some(403), Some("permission_denied")));
    assert_eq!(
        alice
            .update_node()
            .node_id(&node_id)
            .body(doc::<NodeDocument>(json!({})))
            .send()
            .await
            .unwrap_err()
            .http_status(),
        Some(403)
    );
    assert_eq!(
        alice
            .replace_node()
            .node_id(&node_id)
            .body(doc::<NodeDocument>(json!({})))
            .send()
            .await
            .unwrap_err()
            .http_status(),
        Some(403)
    );
    assert_eq!(alice.delete_node().node_id(&node_id).send().await.unwrap_err().http_status(), Some(403));
    gcs.delete_node().node_id(&node_id).send().await.unwrap();
    for e in [
        gcs.get_node().node_id(&node_id).send().await.unwrap_err(),
        gcs.update_node().node_id(&node_id).body(doc::<NodeDocument>(json!({}))).send().await.unwrap_err(),
        gcs.replace_node().node_id(&node_id).body(doc::<NodeDocument>(json!({}))).send().await.unwrap_err(),
        gcs.delete_node().node_id(&node_id).send().await.unwrap_err(),
    ] {
        assert_eq!((e.http_status(), e.code()), (Some(404), Some("not_found")));
    }
    assert!(gcs.get_node_list().send().await.unwrap().into_inner().data.is_empty());

    // Sharing policies, on a collection made through GCS.
    let collection = gcs
        .create_collection()
        .body(MappedCollectionDocument::new().collection_base_path("/").display_name("Root"))
        .send()
        .await
        .unwrap()
        .id
        .clone();
    let policy = gcs
        .create_sharing_policy()
        .body(doc::<SharingPolicyDocument>(
            json!({"collection_id": collection, "users": ["alice"], "sharing_restrict_paths": {"read": ["/pub/"]}}),
        ))
        .send()
        .await
        .unwrap();
    let policy_id = policy.id.clone().unwrap();
    assert_eq!(policy.sharing_restrict_paths.as_ref().unwrap()["read"], json!(["/pub"]));
    assert_eq!(
        alice.get_sharing_policy().sharing_policy_id(&policy_id).send().await.unwrap().users.as_deref(),
        Some(&["alice".to_string()][..])
    );
    let listed = alice.get_sharing_policy_list().collection_id(&collection).send().await.unwrap().into_inner().data;
    assert_eq!(listed.len(), 1);
    assert!(alice.get_sharing_policy_list().collection_id("other").send().await.unwrap().into_inner().data.is_empty());
    assert!(
        alice
            .get_sharing_policy_list()
            .collection_id(&collection)
            .username("bob")
            .send()
            .await
            .unwrap()
            .into_inner()
            .data
            .is_empty()
    );
    for (body, status, field) in [
        (json!({"collection_id": "nope"}), 404, "nope"),
        (json!({}), 400, "collection_id"),
        (
            json!({"collection_id": collection, "sharing_restrict_paths": {"read": ["/../etc"]}}),
            403,
            "sharing_restrict_paths",
        ),
        (
            json!({"collection_id": collection, "sharing_restrict_paths": {"read": ["relative"]}}),
            400,
            "sharing_restrict_paths",
        ),
        (json!({"collection_id": collection, "users": "alice"}), 400, "users"),
    ] {
        let e = gcs.raw_post("/api/sharing_policies").json(&body).send().await.unwrap_err();
        assert_refused(&e, status, field);
    }
    let e = alice
        .create_sharing_policy()
        .body(doc::<SharingPolicyDocument>(json!({"collection_id": collection})))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.http_status(), Some(403));
    assert_eq!(
        alice.delete_sharing_policy().sharing_policy_id(&policy_id).send().await.unwrap_err().http_status(),
        Some(403)
    );
    gcs.delete_sharing_policy().sharing_policy_id(&policy_id).send().await.unwrap();
    assert_eq!(
        gcs.get_sharing_policy().sharing_policy_id(&policy_id).send().await.unwrap_err().http_status(),
        Some(404)
    );
    // A collection's policies go with it.
    let body = json!({"collection_id": collection});
    let second =
        gcs.create_sharing_policy().body(doc::<SharingPolicyDocument>(body)).send().await.unwrap().id.clone().unwrap();
    gcs.delete_collection().collection_id(&collection).send().await.unwrap();
    assert_eq!(gcs.get_sharing_policy().sharing_policy_id(&second).send().await.unwrap_err().http_status(), Some(404));
    assert_eq!(
        gcs.delete_sharing_policy().sharing_policy_id(&policy_id).send().await.unwrap_err().http_status(),
        Some(404)
    );

    // Stream gateways.
    let sg = gcs
        .create_stream_gateway()
        .body(doc::<StreamGatewayDocument>(
            json!({"display_name": "Stream", "lan_secret_required": true, "users_allow": ["alice"]}),
        ))
        .send()
        .await
        .unwrap();
    let sg_id = sg.id.clone().unwrap();
    assert_eq!((sg.display_name.as_deref(), sg.lan_secret_required), (Some("Stream"), Some(true)));
    let patched = gcs
        .update_stream_gateway()
        .stream_gateway_id(&sg_id)
        .body(doc::<StreamGatewayDocument>(json!({"description": "d"})))
        .send()
        .await
        .unwrap();
    assert_eq!((patched.display_name.as_deref(), patched.description.as_deref()), (Some("Stream"), Some("d")));
    assert_eq!(alice.get_stream_gateway_list().send().await.unwrap().into_inner().data.len(), 1);
    assert_eq!(
        alice.get_stream_gateway().stream_gateway_id(&sg_id).send().await.unwrap().description.as_deref(),
        Some("d")
    );
    for (body, field) in [
        (json!({}), "display_name"),
        (json!({"display_name": 1}), "display_name"),
        (json!({"display_name": "s", "lan_secret_required": "yes"}), "lan_secret_required"),
        (json!({"display_name": "s", "authentication_timeout_mins": -5}), "authentication_timeout_mins"),
        (json!({"display_name": "s", "keywords": vec!["k"; 101]}), "keywords"),
    ] {
        let e = gcs.raw_post("/api/stream_gateways").json(&body).send().await.unwrap_err();
        assert_refused(&e, 400, field);
    }
    let e = alice
        .update_stream_gateway()
        .stream_gateway_id(&sg_id)
        .body(doc::<StreamGatewayDocument>(json!({"display_name": "A"})))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.http_status(), Some(403));
    assert_eq!(
        alice.delete_stream_gateway().stream_gateway_id(&sg_id).send().await.unwrap_err().http_status(),
        Some(403)
    );
    assert_eq!(
        alice
            .create_stream_gateway()
            .body(doc::<StreamGatewayDocument>(json!({"display_name": "A"})))
            .send()
            .await
            .unwrap_err()
            .http_status(),
        Some(403)
    );
    gcs.delete_stream_gateway().stream_gateway_id(&sg_id).send().await.unwrap();
    assert_eq!(gcs.get_stream_gateway().stream_gateway_id(&sg_id).send().await.unwrap_err().http_status(), Some(404));
    let e = gcs
        .update_stream_gateway()
        .stream_gateway_id(&sg_id)
        .body(doc::<StreamGatewayDocument>(json!({"display_name": "A"})))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.http_status(), Some(404));
}

/// A user credential is updated and replaced by its own identity only; a collection is marked
/// verified by an administrator.
#[tokio::test]
async fn user_credentials_are_updated_and_collections_verified() {
    let local = LocalGlobus::builder().user(ALICE, "Alice").user(BOB, "Bob").start().await.unwrap();
    let (gcs, alice, bob) = (gcs_for(&local, OWNER), gcs_for(&local, ALICE), gcs_for(&local, BOB));
    let uc =
        alice.create_user_credential().body(UserCredentialDocument::new().display_name("mine")).send().await.unwrap();
    let uc_id = uc.id.clone();
    let updated = alice
        .update_user_credential()
        .user_credential_id(&uc_id)
        .body(UserCredentialDocument::new().username("alice2"))
        .send()
        .await
        .unwrap();
    assert_eq!((updated.username.as_deref(), updated.display_name.as_deref()), (Some("alice2"), Some("mine")));
    assert_eq!(updated.envelope().message.as_deref(), Some(format!("Updated User Credential {uc_id}").as_str()));
    let replaced = alice
        .replace_user_credential()
        .user_credential_id(&uc_id)
        .body(UserCredentialDocument::new().display_name("again"))
        .send()
        .await
        .unwrap();
    assert_eq!((replaced.username.as_deref(), replaced.display_name.as_deref()), (Some("alice"), Some("again")));
    assert_eq!(
        alice.get_user_credential().user_credential_id(&uc_id).send().await.unwrap().display_name.as_deref(),
        Some("again")
    );
    // Another identity's credential is not there for it.
    let e = bob
        .update_user_credential()
        .user_credential_id(&uc_id)
        .body(UserCredentialDocument::new().username("x"))
        .send()
        .await
        .unwrap_err();
    assert_eq!((e.http_status(), e.code()), (Some(404), Some("not_found")));
    let e = bob
        .replace_user_credential()
        .user_credential_id(&uc_id)
        .body(UserCredentialDocument::new().username("x"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.http_status(), Some(404));
    for (body, field) in [
        (json!({"username": 5}), "username"),
        (json!({"display_name": "x".repeat(5000)}), "display_name"),
        (json!({"identity_id": id_of(&local, BOB)}), "identity_id"),
        (json!({"storage_gateway_id": "other"}), "storage_gateway_id"),
        (json!(["username"]), "JSON object"),
    ] {
        let e = alice.raw_patch(&format!("/api/user_credentials/{uc_id}")).json(&body).send().await.unwrap_err();
        assert_refused(&e, 400, field);
    }
    assert_eq!(
        alice.get_user_credential().user_credential_id(&uc_id).send().await.unwrap().username.as_deref(),
        Some("alice")
    );

    // Verification by a subscription administrator (locally: an endpoint administrator).
    let c = gcs
        .create_collection()
        .body(MappedCollectionDocument::new().collection_base_path("/").display_name("Root"))
        .send()
        .await
        .unwrap()
        .id
        .clone();
    gcs.set_subscription_admin_verified()
        .collection_id(&c)
        .body_map(|b| b.subscription_admin_verified(true))
        .send()
        .await
        .unwrap();
    assert_eq!(gcs.get_collection().collection_id(&c).send().await.unwrap().subscription_admin_verified, Some(true));
    gcs.replace_collection()
        .collection_id(&c)
        .body(MappedCollectionDocument::new().display_name("Root"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        gcs.get_collection().collection_id(&c).send().await.unwrap().subscription_admin_verified,
        Some(true),
        "kept by a PUT"
    );
    let e = alice
        .set_subscription_admin_verified()
        .collection_id(&c)
        .body_map(|b| b.subscription_admin_verified(false))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.http_status(), Some(403));
    let e = gcs
        .set_subscription_admin_verified()
        .collection_id("nope")
        .body_map(|b| b.subscription_admin_verified(false))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.http_status(), Some(404));
    let e = gcs
        .raw_put(&format!("/api/collections/{c}/subscription_admin_verified"))
        .json(&json!({"subscription_admin_verified": "yes"}))
        .send()
        .await
        .unwrap_err();
    assert_refused(&e, 400, "subscription_admin_verified");
    assert_eq!(gcs.get_collection().collection_id(&c).send().await.unwrap().subscription_admin_verified, Some(true));
}

/// Custom domains of the endpoint and of a collection are kept, never their private key.
#[tokio::test]
async fn custom_domains_are_kept_without_their_private_key() {
    use globus_sdk::gcs::types::DomainDocument;
    let local = LocalGlobus::builder().user(ALICE, "Alice").start().await.unwrap();
    let (gcs, alice) = (gcs_for(&local, OWNER), gcs_for(&local, ALICE));
    let key = "-----BEGIN PRIVATE KEY-----\nSECRET-KEY-MATERIAL\n-----END PRIVATE KEY-----";
    let body = || {
        doc::<DomainDocument>(
            json!({"domain_name": "Data.Example.org", "certificate": "-----BEGIN CERTIFICATE-----\nC\n-----END CERTIFICATE-----", "private_key": key, "wildcard": false}),
        )
    };
    assert_eq!(gcs.get_endpoint_domain().send().await.unwrap_err().http_status(), Some(404));
    assert_eq!(alice.set_endpoint_domain().body(body()).send().await.unwrap_err().http_status(), Some(403));
    gcs.set_endpoint_domain().body(body()).send().await.unwrap();
    let d = gcs.get_endpoint_domain().send().await.unwrap();
    assert_eq!((d.domain_name.as_deref(), d.wildcard), (Some("data.example.org"), Some(false)));
    assert!(d.certificate.as_deref().is_some_and(|c| c.contains("BEGIN CERTIFICATE")));
    let raw = gcs.raw_get("/api/endpoint/domain").send().await.unwrap();
    assert!(
        !format!("{:?}", raw.json::<serde_json::Value>().unwrap()).contains("SECRET-KEY-MATERIAL"),
        "the key is never answered"
    );
    for (body, field) in [
        (json!({"domain_name": "../../etc"}), "domain_name"),
        (json!({"domain_name": "x".repeat(300) + ".org"}), "domain_name"),
        (json!({}), "domain_name"),
        (json!({"domain_name": "a.org", "private_key": 5}), "private_key"),
        (json!({"domain_name": "a.org", "wildcard": "yes"}), "wildcard"),
        (json!({"domain_name": "a.org", "certificate": "x".repeat(70_000)}), "certificate"),
    ] {
        let e = gcs.raw_put("/api/endpoint/domain").json(&body).send().await.unwrap_err();
        assert_refused(&e, 400, field);
    }
    assert_eq!(alice.delete_endpoint_domain().send().await.unwrap_err().http_status(), Some(403));
    gcs.delete_endpoint_domain().send().await.unwrap();
    assert_eq!(gcs.get_endpoint_domain().send().await.unwrap_err().http_status(), Some(404));
    assert_eq!(gcs.delete_endpoint_domain().send().await.unwrap_err().http_status(), Some(404));

    let c = gcs
        .create_collection()
        .body(MappedCollectionDocument::new().collection_base_path("/").display_name("Root"))
        .send()
        .await
        .unwrap()
        .id
        .clone();
    assert_eq!(gcs.get_collection_domain().collection_id(&c).send().await.unwrap_err().http_status(), Some(404));
    assert_eq!(
        alice.set_collection_domain().collection_id(&c).body(body()).send().await.unwrap_err().http_status(),
        Some(403)
    );
    assert_eq!(
        gcs.set_collection_domain().collection_id("nope").body(body()).send().await.unwrap_err().http_status(),
        Some(404)
    );
    gcs.set_collection_domain().collection_id(&c).body(body()).send().await.unwrap();
    assert_eq!(
        gcs.get_collection_domain().collection_id(&c).send().await.unwrap().domain_name.as_deref(),
        Some("data.example.org")
    );
    assert_eq!(alice.get_collection_domain().collection_id(&c).send().await.unwrap_err().http_status(), Some(403));
    assert_eq!(alice.delete_collection_domain().collection_id(&c).send().await.unwrap_err().http_status(), Some(403));
    gcs.delete_collection_domain().collection_id(&c).send().await.unwrap();
    assert_eq!(gcs.get_collection_domain().collection_id(&c).send().await.unwrap_err().http_status(), Some(404));
    assert!(local.requests().iter().all(|r| !format!("{r:?}").contains("SECRET-KEY-MATERIAL")), "nor logged");

    // LAN secrets (for tunnels, which the local Globus does not run) are not emulated.
    let e = gcs.delete_lan_secret().lan_secret_id("ls-1").send().await.unwrap_err();
    assert_eq!((e.http_status(), e.code()), (Some(501), Some("not_implemented")));
}

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

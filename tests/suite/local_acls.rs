//! Access rules (ACLs) of the local Transfer's guest collections, through the SDK's Transfer
//! client over HTTP: who may manage them, and how they decide ls, mkdir and transfers.

use std::path::Path;
use std::time::{Duration, Instant};

use globus_sdk::testing::LocalGlobus;
use globus_sdk::transfer::{Client, types};

const OWNER: &str = "testuser@example.org";
const ALICE: &str = "alice@example.org";
const BOB: &str = "bob@example.org";

use crate::common::local_transfer_client as client_for;

fn write(root: &Path, rel: &str, content: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, content).unwrap();
}

fn err<T: std::fmt::Debug, E: std::fmt::Debug>(r: Result<T, E>) -> globus_sdk::Error
where
    globus_sdk::Error: From<E>,
{
    globus_sdk::Error::from(r.expect_err("an error was expected"))
}

fn status(e: &globus_sdk::Error) -> (Option<u16>, Option<&str>) {
    (e.http_status(), e.code())
}

struct Env {
    local: LocalGlobus,
    owner: Client,
    alice: Client,
    bob: Client,
    alice_id: String,
    guest: String,
    data: String,
    dest: String,
    _dir: tempfile::TempDir,
}

/// A mapped collection `data` (a directory holding `shared/` and `private/`), a guest
/// collection `shared` on `/shared/` owned by the default user, and a scratch collection.
async fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "shared/a.txt", "shared a");
    write(dir.path(), "shared/sub/b.txt", "shared b");
    write(dir.path(), "private/secret.txt", "secret");
    let local = LocalGlobus::builder()
        .user(ALICE, "Alice")
        .user(BOB, "Bob")
        .collection("data", dir.path())
        .temp_collection("dest")
        .guest_collection("shared", "data", "/shared/")
        .start()
        .await
        .unwrap();
    let id = |name: &str| local.collection(name).unwrap().id().to_string();
    let alice_id = local.identities().into_iter().find(|i| i.username == ALICE).unwrap().id;
    Env {
        owner: client_for(&local, OWNER),
        alice: client_for(&local, ALICE),
        bob: client_for(&local, BOB),
        alice_id,
        guest: id("shared"),
        data: id("data"),
        dest: id("dest"),
        local,
        _dir: dir,
    }
}

impl Env {
    async fn grant(&self, principal_type: &str, principal: &str, path: &str, permissions: &str) -> String {
        let rule = types::AccessRuleCreate::builder()
            .principal_type(principal_type)
            .principal(principal)
            .path(path)
            .permissions(permissions);
        let created = self.owner.add_endpoint_acl_rule().endpoint_id(&self.guest).body(rule).send().await.unwrap();
        assert_eq!(created.code.as_deref(), Some("Created"));
        assert_eq!(created.data_type.as_deref(), Some("access_create_result"));
        created.access_id.as_str().unwrap().to_string()
    }

    async fn ls(&self, client: &Client, path: &str) -> Result<Vec<String>, globus_sdk::Error> {
        let list = client.operation_ls().endpoint_id(&self.guest).path(path).send().await?;
        Ok(list.into_inner().data.into_iter().map(|f| f.name).collect())
    }

    async fn mkdir(&self, client: &Client, path: &str) -> Result<(), globus_sdk::Error> {
        let doc = types::MkdirDocument::builder().path(path);
        client.operation_mkdir().endpoint_id(&self.guest).body(doc).send().await.map(|_| ())
    }

    /// Submit a transfer of `src` on `from` to `dst` on `to` as `client`, and wait for it.
    async fn transfer(
        &self,
        client: &Client,
        (from, src): (&str, &str),
        (to, dst): (&str, &str),
    ) -> Result<String, globus_sdk::Error> {
        let submission_id = client.get_submission_id().send().await?.into_inner().value;
        let item = types::TransferItem::builder().source_path(src).destination_path(dst).try_into().unwrap();
        let doc = types::TransferDocument::builder()
            .submission_id(submission_id)
            .source_endpoint(from)
            .destination_endpoint(to)
            .data(vec![item]);
        let task_id = client.submit_transfer_document().body(doc).send().await?.into_inner().task_id;
        let start = Instant::now();
        loop {
            let task = client.get_task().task_id(&task_id).send().await?.into_inner();
            if task.status != "ACTIVE" {
                return Ok(task.status);
            }
            assert!(start.elapsed() < Duration::from_secs(30), "the task is still active");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

#[tokio::test]
async fn a_rule_grants_read_then_write_and_its_removal_takes_it_back() {
    let e = env().await;
    let guest = e.local.collection("shared").unwrap();
    assert!(guest.uses_acls() && guest.host_collection_id() == Some(e.data.as_str()));

    // The owner sees the guest collection's root (the mapped collection's /shared/).
    assert_eq!(e.ls(&e.owner, "/").await.unwrap(), ["a.txt", "sub"]);
    let doc = e.owner.get_endpoint().endpoint_id(&e.guest).send().await.unwrap().into_inner();
    assert_eq!(doc.entity_type.as_deref(), Some("GCSv5_guest_collection"));
    assert_eq!(doc.host_endpoint_id.as_deref(), Some(e.data.as_str()));
    assert_eq!((doc.acl_available, doc.acl_editable), (Some(true), Some(true)));

    // Without a rule, Alice is refused everything, reads included.
    assert_eq!(status(&e.ls(&e.alice, "/").await.unwrap_err()), (Some(403), Some("PermissionDenied")));
    let refused = e.transfer(&e.alice, (&e.guest, "/a.txt"), (&e.dest, "/a.txt")).await.unwrap_err();
    assert_eq!(status(&refused), (Some(403), Some("PermissionDenied")));

    let rule = e.grant("identity", &e.alice_id, "/", "r").await;
    assert_eq!(e.ls(&e.alice, "/sub/").await.unwrap(), ["b.txt"]);
    let dest_root = e.local.collection("dest").unwrap().root().to_path_buf();
    assert_eq!(e.transfer(&e.alice, (&e.guest, "/a.txt"), (&e.dest, "/a.txt")).await.unwrap(), "SUCCEEDED");
    assert_eq!(std::fs::read_to_string(dest_root.join("a.txt")).unwrap(), "shared a");
    // Read only: no mkdir, no transfer into it.
    assert_eq!(status(&e.mkdir(&e.alice, "/new").await.unwrap_err()), (Some(403), Some("PermissionDenied")));
    let into = e.transfer(&e.alice, (&e.dest, "/a.txt"), (&e.guest, "/copy.txt")).await.unwrap_err();
    assert_eq!(status(&into), (Some(403), Some("PermissionDenied")));
    // Bob has no rule.
    assert_eq!(status(&e.ls(&e.bob, "/").await.unwrap_err()), (Some(403), Some("PermissionDenied")));
    let bob = e.transfer(&e.bob, (&e.guest, "/a.txt"), (&e.dest, "/b.txt")).await.unwrap_err();
    assert_eq!(status(&bob), (Some(403), Some("PermissionDenied")));

    // rw: mkdir and transfers in.
    let update = types::AccessRuleUpdate::builder().permissions("rw".to_string());
    let updated =
        e.owner.update_endpoint_acl_rule().endpoint_id(&e.guest).rule_id(&rule).body(update).send().await.unwrap();
    assert_eq!(updated.code, "Updated");
    e.mkdir(&e.alice, "/new").await.unwrap();
    assert_eq!(e.transfer(&e.alice, (&e.dest, "/a.txt"), (&e.guest, "/new/copy.txt")).await.unwrap(), "SUCCEEDED");
    assert_eq!(std::fs::read_to_string(e._dir.path().join("shared/new/copy.txt")).unwrap(), "shared a");

    // The rule as Transfer shows it.
    let got = e.owner.get_endpoint_acl_rule().endpoint_id(&e.guest).rule_id(&rule).send().await.unwrap().into_inner();
    assert_eq!(got.data_type.as_deref(), Some("access"));
    assert_eq!(
        (got.principal_type.as_deref(), got.principal.as_deref()),
        (Some("identity"), Some(e.alice_id.as_str()))
    );
    assert_eq!((got.path.as_deref(), got.permissions.as_deref()), (Some("/"), Some("rw")));
    let list = e.owner.endpoint_acl_list().endpoint_id(&e.guest).send().await.unwrap().into_inner();
    assert_eq!(
        (list.data_type.as_deref(), list.endpoint.as_deref(), list.length),
        (Some("access_list"), Some(e.guest.as_str()), Some(1))
    );
    assert_eq!(list.data[0].id.as_deref(), Some(rule.as_str()));

    // Only the owner manages the rules.
    let listed = err(e.alice.endpoint_acl_list().endpoint_id(&e.guest).send().await);
    assert_eq!(status(&listed), (Some(403), Some("PermissionDenied")));
    let deleted = err(e.alice.delete_endpoint_acl_rule().endpoint_id(&e.guest).rule_id(&rule).send().await);
    assert_eq!(status(&deleted), (Some(403), Some("PermissionDenied")));

    let gone = e.owner.delete_endpoint_acl_rule().endpoint_id(&e.guest).rule_id(&rule).send().await.unwrap();
    assert_eq!(gone.code, "Deleted");
    assert_eq!(status(&e.ls(&e.alice, "/").await.unwrap_err()), (Some(403), Some("PermissionDenied")));
    let again = err(e.owner.get_endpoint_acl_rule().endpoint_id(&e.guest).rule_id(&rule).send().await);
    assert_eq!(again.http_status(), Some(404));
}

#[tokio::test]
async fn rules_by_group_and_for_everyone() {
    let e = env().await;
    let group = e.local.seed_group("readers", OWNER).unwrap();
    e.grant("group", &group, "/sub/", "r").await;
    assert_eq!(status(&e.ls(&e.bob, "/sub/").await.unwrap_err()), (Some(403), Some("PermissionDenied")));
    e.local.set_group_membership(&group, BOB, "member", "active").unwrap();
    assert_eq!(e.ls(&e.bob, "/sub/").await.unwrap(), ["b.txt"]);
    // The rule is for /sub/ only.
    assert_eq!(status(&e.ls(&e.bob, "/").await.unwrap_err()), (Some(403), Some("PermissionDenied")));
    assert_eq!(e.ls(&e.alice, "/sub/").await.unwrap_err().http_status(), Some(403));

    e.grant("all_authenticated_users", "", "/", "r").await;
    assert_eq!(e.ls(&e.alice, "/").await.unwrap(), ["a.txt", "sub"]);
    assert_eq!(e.mkdir(&e.alice, "/x").await.unwrap_err().http_status(), Some(403));
}

/// Neither `..` nor a link leads a rule's holder beyond the rule's directory, or anyone
/// beyond the guest collection's root; the default collections keep their behaviour.
#[tokio::test]
async fn paths_stay_inside_the_rule_and_the_guest_root() {
    let e = env().await;
    let shared = e._dir.path().join("shared");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("../private", shared.join("to-private")).unwrap();
        std::os::unix::fs::symlink("..", shared.join("sub/up")).unwrap();
    }
    e.grant("identity", &e.alice_id, "/sub/", "rw").await;
    for path in ["/sub/../", "/../private/", "/sub/../../private/", "/~/../"] {
        let refused = e.ls(&e.alice, path).await.unwrap_err();
        assert_eq!(refused.http_status(), Some(403), "{path}");
    }
    for path in ["/../private/", "/~/../private/secret.txt"] {
        assert_eq!(e.ls(&e.owner, path).await.unwrap_err().http_status(), Some(403), "{path}");
    }
    #[cfg(unix)]
    {
        // A link out of the guest root is refused to the owner too.
        let out = e.ls(&e.owner, "/to-private/").await.unwrap_err();
        assert_eq!(status(&out), (Some(403), Some("EndpointPermissionDenied")));
        // A link inside the root but outside the rule's directory is judged where it leads.
        assert_eq!(status(&e.ls(&e.alice, "/sub/up/").await.unwrap_err()), (Some(403), Some("PermissionDenied")));
        let out = e.transfer(&e.alice, (&e.guest, "/sub/up/a.txt"), (&e.dest, "/a.txt")).await.unwrap_err();
        assert_eq!(out.http_status(), Some(403));
        let into = e.mkdir(&e.alice, "/sub/up/made").await.unwrap_err();
        assert_eq!(into.http_status(), Some(403));
        assert!(!shared.join("made").exists());
    }
    let out = e.transfer(&e.owner, (&e.guest, "/../private/secret.txt"), (&e.dest, "/s.txt")).await.unwrap_err();
    assert_eq!(out.http_status(), Some(403));

    // The mapped collection and the scratch one are open to every user, as before.
    let ls = e.bob.operation_ls().endpoint_id(&e.data).path("/private/").send().await.unwrap();
    assert_eq!(ls.data.len(), 1);
    let not_guest = err(e.owner.endpoint_acl_list().endpoint_id(&e.data).send().await);
    assert_eq!(not_guest.http_status(), Some(409));
}

#[tokio::test]
async fn hostile_rules_are_refused() {
    let e = env().await;
    let id = e.alice_id.clone();
    let cases: Vec<(&str, &str, &str, &str, &str)> = vec![
        ("identity", &id, "/", "x", "InvalidPermissions"),
        ("identity", &id, "/", "rwx", "InvalidPermissions"),
        ("evil", &id, "/", "r", "InvalidPrincipal"),
        ("identity", "alice@example.org", "/", "r", "InvalidPrincipal"),
        ("group", "", "/", "r", "InvalidPrincipal"),
        ("anonymous", &id, "/", "r", "InvalidPrincipal"),
        ("identity", &id, "/sub", "r", "InvalidPath"),
        ("identity", &id, "sub/", "r", "InvalidPath"),
        ("identity", &id, "/../", "r", "EndpointPermissionDenied"),
        ("identity", &id, "/a\0b/", "r", "ClientError.BadRequest"),
    ];
    for (principal_type, principal, path, permissions, code) in cases {
        let rule = types::AccessRuleCreate::builder()
            .principal_type(principal_type)
            .principal(principal)
            .path(path)
            .permissions(permissions);
        let refused = err(e.owner.add_endpoint_acl_rule().endpoint_id(&e.guest).body(rule).send().await);
        assert_eq!(refused.code(), Some(code), "{principal_type} {principal} {path:?} {permissions}");
        assert!(matches!(refused.http_status(), Some(400 | 403)), "{refused}");
    }
    let past = types::AccessRuleCreate::builder()
        .principal_type("identity")
        .principal(id.clone())
        .path("/")
        .permissions("r")
        .expiration_date(Some("2001-01-01T00:00:00Z".to_string()));
    assert_eq!(
        err(e.owner.add_endpoint_acl_rule().endpoint_id(&e.guest).body(past).send().await).http_status(),
        Some(400)
    );
    for body in [serde_json::json!({"principal_type": 5}), serde_json::json!("access"), serde_json::json!([])] {
        let raw = e.owner.raw_post(&format!("/v0.10/endpoint/{}/access", e.guest)).json(&body).send().await;
        assert_eq!(err(raw).http_status(), Some(400), "{body}");
    }
    assert_eq!(e.owner.endpoint_acl_list().endpoint_id(&e.guest).send().await.unwrap().data.len(), 0);

    e.grant("identity", &id, "/", "r").await;
    let twice =
        types::AccessRuleCreate::builder().principal_type("identity").principal(id.clone()).path("/").permissions("rw");
    let dup = err(e.owner.add_endpoint_acl_rule().endpoint_id(&e.guest).body(twice).send().await);
    assert_eq!(status(&dup), (Some(409), Some("Exists")));
    let unknown = err(e.owner.get_endpoint_acl_rule().endpoint_id(&e.guest).rule_id("../../etc").send().await);
    assert_eq!(unknown.http_status(), Some(404));
    let missing = err(e.owner.endpoint_acl_list().endpoint_id("no-such-collection").send().await);
    assert_eq!(missing.http_status(), Some(404));
    // No host path in any answer.
    let host = e._dir.path().to_string_lossy().into_owned();
    assert!(!format!("{dup} {unknown} {missing}").contains(&host));
}

#[tokio::test]
async fn a_guest_root_cannot_leave_its_mapped_collection() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    write(dir.path(), "inside/f.txt", "f");
    #[cfg(unix)]
    std::os::unix::fs::symlink(outside.path(), dir.path().join("link-out")).unwrap();
    let start =
        |path: &str| LocalGlobus::builder().collection("data", dir.path()).guest_collection("g", "data", path).start();
    for path in ["/../", "/inside/../../", "/link-out/", "/missing/", "/inside/f.txt"] {
        #[cfg(not(unix))]
        if path == "/link-out/" {
            continue;
        }
        assert!(start(path).await.is_err(), "{path}");
    }
    assert!(
        LocalGlobus::builder().collection("data", dir.path()).guest_collection("g", "nope", "/").start().await.is_err()
    );
    let local = start("/inside/").await.unwrap();
    assert_eq!(local.collection("g").unwrap().root(), std::fs::canonicalize(dir.path().join("inside")).unwrap());
}

/// Collections added while the server runs appear in endpoint search, get_endpoint, ls and
/// transfers at once; removed, they disappear from all of them, their rules with them.
#[tokio::test]
async fn collections_come_and_go_at_run_time() {
    let e = env().await;
    let more = tempfile::tempdir().unwrap();
    write(more.path(), "lab/notes.txt", "notes");
    write(more.path(), "outside.txt", "outside");
    let search = |client: &Client, q: &str| {
        let q = q.to_string();
        let client = client.clone();
        async move {
            let found = client.endpoint_search().filter_fulltext(q).send().await.unwrap().into_inner();
            found.data.into_iter().map(|c| c.display_name.unwrap_or_default()).collect::<Vec<_>>()
        }
    };
    assert!(search(&e.owner, "labdata").await.is_empty());

    let mapped = e.local.add_collection("labdata", more.path()).unwrap();
    let guest = e.local.add_guest_collection("labshare", "labdata", "/lab/").unwrap();
    assert_eq!(guest.host_collection_id(), Some(mapped.id()));
    assert_eq!(search(&e.owner, "labdata").await, ["labdata"]);
    assert_eq!(search(&e.owner, "labshare").await, ["labshare"]);
    let doc = e.owner.get_endpoint().endpoint_id(guest.id()).send().await.unwrap().into_inner();
    assert_eq!(doc.entity_type.as_deref(), Some("GCSv5_guest_collection"));
    let ls = e.owner.operation_ls().endpoint_id(guest.id()).path("/").send().await.unwrap().into_inner();
    assert_eq!(ls.data.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(), ["notes.txt"]);
    // Its data_access scope is known to the local Auth.
    let scope = format!("https://auth.globus.org/scopes/{}/data_access", guest.id());
    e.local.issue_tokens(e.local.native_client().id(), OWNER, &scope, false).unwrap();

    // Alice reads it through a rule, and transfers from it.
    let rule = types::AccessRuleCreate::builder()
        .principal_type("identity")
        .principal(e.alice_id.clone())
        .path("/")
        .permissions("r");
    e.owner.add_endpoint_acl_rule().endpoint_id(guest.id()).body(rule).send().await.unwrap();
    let got = e.transfer(&e.alice, (guest.id(), "/notes.txt"), (&e.dest, "/notes.txt")).await.unwrap();
    assert_eq!(got, "SUCCEEDED");
    let escape = e.alice.operation_ls().endpoint_id(guest.id()).path("/../").send().await.unwrap_err();
    assert_eq!(escape.http_status(), Some(403));

    // Names are unique; a guest root stays inside its mapped collection.
    assert!(e.local.add_collection("labshare", more.path()).is_err());
    for path in ["/../", "/lab/../../", "/outside.txt", "/missing/"] {
        assert!(e.local.add_guest_collection("g2", mapped.id(), path).is_err(), "{path}");
    }
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(e._dir.path(), more.path().join("lab/out")).unwrap();
        assert!(e.local.add_guest_collection("g2", mapped.id(), "/lab/out/").is_err());
    }
    assert!(e.local.add_guest_collection("g2", "no-such", "/").is_err());
    assert!(e.local.add_guest_collection("g2", &e.guest, "/").is_err(), "a guest is not a mapped collection");

    // The mapped collection stays while a guest lies in it.
    assert!(e.local.remove_collection(mapped.id()).is_err());
    e.local.remove_collection(guest.id()).unwrap();
    assert!(search(&e.owner, "labshare").await.is_empty());
    for refused in [
        err(e.owner.get_endpoint().endpoint_id(guest.id()).send().await),
        err(e.owner.operation_ls().endpoint_id(guest.id()).send().await),
        err(e.owner.endpoint_acl_list().endpoint_id(guest.id()).send().await),
        e.transfer(&e.alice, (guest.id(), "/notes.txt"), (&e.dest, "/n2.txt")).await.unwrap_err(),
    ] {
        assert_eq!(status(&refused), (Some(404), Some("EndpointNotFound")));
    }
    e.local.remove_collection(mapped.id()).unwrap();
    assert!(search(&e.owner, "labdata").await.is_empty());
    assert!(e.local.remove_collection(mapped.id()).is_err());
    assert!(more.path().join("lab/notes.txt").exists(), "the directory is kept");
    assert_eq!(e.local.collections().len(), 3);
}

/// A task walks directories in the background: it stays inside the directory of the rule
/// that allowed it, whatever links it meets (`recursive_symlinks` `copy` on the source, a
/// link to `..` on the destination).
#[cfg(unix)]
#[tokio::test]
async fn tasks_stay_inside_the_rule_directory() {
    let e = env().await;
    let shared = e._dir.path().join("shared");
    std::os::unix::fs::symlink("..", shared.join("sub/up")).unwrap();
    e.grant("identity", &e.alice_id, "/sub/", "rw").await;
    let dest_root = e.local.collection("dest").unwrap().root().to_path_buf();

    // Out of the guest collection, recursively, following links: only /sub/ arrives.
    let submission_id = e.alice.get_submission_id().send().await.unwrap().into_inner().value;
    let item = types::TransferItem::builder().source_path("/sub/").destination_path("/copy/").recursive(true);
    let doc = types::TransferDocument::builder()
        .submission_id(submission_id)
        .source_endpoint(e.guest.clone())
        .destination_endpoint(e.dest.clone())
        .recursive_symlinks(Some("copy".to_string()))
        .data(vec![item.try_into().unwrap()]);
    let task = e.alice.submit_transfer_document().body(doc).send().await.unwrap().into_inner().task_id;
    let start = Instant::now();
    while e.alice.get_task().task_id(&task).send().await.unwrap().into_inner().status == "ACTIVE" {
        assert!(start.elapsed() < Duration::from_secs(30));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(std::fs::read_to_string(dest_root.join("copy/b.txt")).unwrap(), "shared b");
    assert!(!dest_root.join("copy/up").exists(), "the link to .. led outside the rule's directory");

    // Into it, through the link to ..: nothing is written above /sub/.
    write(&dest_root, "tree/up/evil.txt", "evil");
    write(&dest_root, "tree/fine.txt", "fine");
    let submission_id = e.alice.get_submission_id().send().await.unwrap().into_inner().value;
    let item = types::TransferItem::builder().source_path("/tree/").destination_path("/sub/").recursive(true);
    let deadline = (chrono::Utc::now() + chrono::TimeDelta::seconds(2)).to_rfc3339();
    let doc = types::TransferDocument::builder()
        .submission_id(submission_id)
        .source_endpoint(e.dest.clone())
        .destination_endpoint(e.guest.clone())
        .deadline(Some(deadline))
        .data(vec![item.try_into().unwrap()]);
    let task = e.alice.submit_transfer_document().body(doc).send().await.unwrap().into_inner().task_id;
    let start = Instant::now();
    while e.alice.get_task().task_id(&task).send().await.unwrap().into_inner().status == "ACTIVE" {
        assert!(start.elapsed() < Duration::from_secs(30));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!shared.join("evil.txt").exists(), "nothing was written above the rule's directory");
    assert!(!e._dir.path().join("evil.txt").exists());
}

/// A rule deleted while a task it allowed is running takes the access back from the next file
/// on: the task meets `PERMISSION_DENIED` faults and writes nothing more, and goes on once a
/// rule grants the access again (as Globus retries a fault until the deadline).
#[tokio::test]
async fn a_rule_deleted_mid_task_stops_its_writes_until_access_is_granted_again() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("shared")).unwrap();
    let local = LocalGlobus::builder()
        .user(ALICE, "Alice")
        .collection("data", dir.path())
        .temp_collection("dest")
        .guest_collection("shared", "data", "/shared/")
        .throttle(400_000)
        .retry_interval(Duration::from_millis(50))
        .start()
        .await
        .unwrap();
    let (owner, alice) = (client_for(&local, OWNER), client_for(&local, ALICE));
    let alice_id = local.identities().into_iter().find(|i| i.username == ALICE).unwrap().id;
    let guest = local.collection("shared").unwrap().id().to_string();
    let dest = local.collection("dest").unwrap();
    for i in 0..12 {
        std::fs::write(dest.root().join(format!("f{i:02}.bin")), vec![i as u8; 100_000]).unwrap();
    }
    let rule = || {
        types::AccessRuleCreate::builder()
            .principal_type("identity")
            .principal(alice_id.clone())
            .path("/")
            .permissions("rw")
    };
    let created = owner.add_endpoint_acl_rule().endpoint_id(&guest).body(rule()).send().await.unwrap();
    let rule_id = created.into_inner().access_id.as_str().unwrap().to_string();

    let submission_id = alice.get_submission_id().send().await.unwrap().into_inner().value;
    let items: Vec<types::TransferItem> = (0..12)
        .map(|i| {
            let path = format!("/f{i:02}.bin");
            types::TransferItem::builder().source_path(path.clone()).destination_path(path).try_into().unwrap()
        })
        .collect();
    let doc = types::TransferDocument::builder()
        .submission_id(submission_id)
        .source_endpoint(dest.id().to_string())
        .destination_endpoint(guest.clone())
        .data(items);
    let task_id = alice.submit_transfer_document().body(doc).send().await.unwrap().into_inner().task_id;
    let shared = dir.path().join("shared");
    let arrived = || std::fs::read_dir(&shared).unwrap().count();
    let start = Instant::now();
    while arrived() < 2 {
        assert!(start.elapsed() < Duration::from_secs(20), "no file arrived");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    owner.delete_endpoint_acl_rule().endpoint_id(guest.clone()).rule_id(rule_id).send().await.unwrap();

    // The access is gone: a fault, and nothing more written (a file begun may finish).
    let start = Instant::now();
    loop {
        let task = alice.get_task().task_id(&task_id).send().await.unwrap().into_inner();
        if task.nice_status.as_deref() == Some("PERMISSION_DENIED") {
            assert_eq!(task.status, "ACTIVE");
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "no fault: {task:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let frozen = arrived();
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(arrived(), frozen, "files kept arriving without a rule");
    assert!(frozen < 12, "the task had finished before the rule was deleted");
    let events = alice.task_event_list().task_id(&task_id).send().await.unwrap().into_inner().data;
    let denied = events.iter().find(|e| e.code == "PERMISSION_DENIED").expect("a fault event");
    let said = denied.details.clone().unwrap_or_default();
    assert!(!said.contains(dir.path().to_str().unwrap()), "a host path leaked: {said}");

    // Granted again, the task goes on and finishes every file.
    owner.add_endpoint_acl_rule().endpoint_id(&guest).body(rule()).send().await.unwrap();
    let start = Instant::now();
    let task = loop {
        let task = alice.get_task().task_id(&task_id).send().await.unwrap().into_inner();
        if task.status != "ACTIVE" {
            break task;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "still active: {task:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(task.status, "SUCCEEDED", "{task:?}");
    assert!(task.faults.unwrap_or(0) >= 1);
    assert_eq!(arrived(), 12);
}

/// Roles on a guest collection: its owner assigns them; an access manager manages the access
/// rules (and sees the roles) without gaining any access to the data; an administrator also
/// assigns roles; an assignment taken back takes the power back.
#[tokio::test]
async fn an_access_manager_manages_the_rules_and_only_an_administrator_assigns_roles() {
    let e = env().await;
    let bob_id = e.local.identities().into_iter().find(|i| i.username == BOB).unwrap().id;
    let role = |principal: &str, role: &str| {
        types::RoleCreate::builder().principal_type("identity").principal(principal.to_string()).role(role)
    };

    // Without a role, Alice manages nothing.
    let refused = err(e.alice.endpoint_acl_list().endpoint_id(&e.guest).send().await);
    assert_eq!(status(&refused), (Some(403), Some("PermissionDenied")));
    let refused =
        err(e.alice.add_endpoint_role().endpoint_id(&e.guest).body(role(&e.alice_id, "administrator")).send().await);
    assert_eq!(status(&refused), (Some(403), Some("PermissionDenied")));

    let made = e
        .owner
        .add_endpoint_role()
        .endpoint_id(&e.guest)
        .body(role(&e.alice_id, "access_manager"))
        .send()
        .await
        .unwrap();
    assert_eq!(made.status().as_u16(), 201);
    let made = made.into_inner();
    assert_eq!((made.data_type.as_deref(), made.role.as_deref()), (Some("role"), Some("access_manager")));
    let again =
        err(e.owner.add_endpoint_role().endpoint_id(&e.guest).body(role(&e.alice_id, "access_manager")).send().await);
    assert_eq!(status(&again), (Some(409), Some("Exists")));

    // Alice the access manager: her roles show, she sees the roles, and manages the rules.
    let doc = e.alice.get_endpoint().endpoint_id(&e.guest).send().await.unwrap().into_inner();
    assert_eq!(doc.my_effective_roles, Some(vec!["access_manager".to_string()]));
    assert_eq!(doc.acl_editable, Some(true));
    let roles = e.alice.endpoint_role_list().endpoint_id(&e.guest).send().await.unwrap().into_inner();
    assert_eq!((roles.data_type.as_deref(), roles.data.len()), (Some("role_list"), 1));
    let got = e.alice.get_endpoint_role().endpoint_id(&e.guest).role_id(&made.id).send().await.unwrap().into_inner();
    assert_eq!(got.principal.as_deref(), Some(e.alice_id.as_str()));
    // Managing rules is not reading the data: she still needs a rule for that.
    assert_eq!(status(&e.ls(&e.alice, "/").await.unwrap_err()), (Some(403), Some("PermissionDenied")));
    let rule = types::AccessRuleCreate::builder()
        .principal_type("identity")
        .principal(bob_id.clone())
        .path("/sub/")
        .permissions("r");
    e.alice.add_endpoint_acl_rule().endpoint_id(&e.guest).body(rule).send().await.unwrap();
    assert_eq!(e.ls(&e.bob, "/sub/").await.unwrap(), ["b.txt"]);
    // But she assigns no role.
    let refused =
        err(e.alice.add_endpoint_role().endpoint_id(&e.guest).body(role(&bob_id, "access_manager")).send().await);
    assert_eq!(status(&refused), (Some(403), Some("PermissionDenied")));
    let refused = err(e.alice.delete_endpoint_role().endpoint_id(&e.guest).role_id(&made.id).send().await);
    assert_eq!(status(&refused), (Some(403), Some("PermissionDenied")));

    // An administrator (Bob, now) sees and assigns roles.
    let admin =
        e.owner.add_endpoint_role().endpoint_id(&e.guest).body(role(&bob_id, "administrator")).send().await.unwrap();
    let bob_roles = e.bob.endpoint_role_list().endpoint_id(&e.guest).send().await.unwrap().into_inner();
    assert_eq!(bob_roles.data.len(), 2);
    e.bob.add_endpoint_role().endpoint_id(&e.guest).body(role(&bob_id, "activity_monitor")).send().await.unwrap();

    // The access manager's role taken back: no more rule management.
    let gone = e.bob.delete_endpoint_role().endpoint_id(&e.guest).role_id(&made.id).send().await.unwrap().into_inner();
    assert_eq!(gone.code, "Deleted");
    let refused = err(e.alice.endpoint_acl_list().endpoint_id(&e.guest).send().await);
    assert_eq!(status(&refused), (Some(403), Some("PermissionDenied")));
    let missing = err(e.owner.get_endpoint_role().endpoint_id(&e.guest).role_id(&made.id).send().await);
    assert_eq!(missing.http_status(), Some(404));
    e.owner.delete_endpoint_role().endpoint_id(&e.guest).role_id(&admin.into_inner().id).send().await.unwrap();
    let refused = err(e.bob.endpoint_role_list().endpoint_id(&e.guest).send().await);
    assert_eq!(status(&refused), (Some(403), Some("PermissionDenied")));

    // Bad assignments.
    for (principal_type, principal, name) in [
        ("identity", e.alice_id.as_str(), "owner"),
        ("identity", "not-a-uuid", "access_manager"),
        ("all_authenticated_users", "", "access_manager"),
    ] {
        let body =
            types::RoleCreate::builder().principal_type(principal_type).principal(principal.to_string()).role(name);
        let e = err(e.owner.add_endpoint_role().endpoint_id(&e.guest).body(body).send().await);
        assert_eq!(e.http_status(), Some(400), "{principal_type} {principal} {name}: {e}");
    }
}

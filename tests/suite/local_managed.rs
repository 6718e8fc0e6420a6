//! The local Transfer's endpoint manager views, through the SDK's Transfer client over HTTP:
//! administrators and activity monitors see other users' tasks on their collections (listed with
//! filters and `last_key` pages, read with their events and transfers); administrators and
//! activity managers cancel them; anyone else finds nothing.

use std::time::{Duration, Instant};

use futures::TryStreamExt as _;
use globus_sdk::testing::LocalGlobus;
use globus_sdk::transfer::{Client, types};

const OWNER: &str = "testuser@example.org";
const ALICE: &str = "alice@example.org";
const BOB: &str = "bob@example.org";

use crate::common::local_transfer_client as client_for;

fn id_of(local: &LocalGlobus, username: &str) -> String {
    local.identities().into_iter().find(|i| i.username == username).unwrap().id
}

/// Submit a transfer of `name` from the guest collection to `dest` as `client`.
async fn submit(client: &Client, guest: &str, dest: &str, name: &str) -> String {
    let submission_id = client.get_submission_id().send().await.unwrap().into_inner().value;
    let item = types::TransferItem::builder().source_path(format!("/{name}")).destination_path(format!("/{name}"));
    let doc = types::TransferDocument::builder()
        .submission_id(submission_id)
        .source_endpoint(guest.to_string())
        .destination_endpoint(dest.to_string())
        .data(vec![item.try_into().unwrap()]);
    client.submit_transfer_document().body(doc).send().await.unwrap().into_inner().task_id
}

async fn wait_done(client: &Client, task_id: &str) -> types::Task {
    let start = Instant::now();
    loop {
        let task = client.get_task().task_id(task_id).send().await.unwrap().into_inner();
        if task.status != "ACTIVE" {
            return task;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "still active: {task:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn managers_see_list_and_cancel_other_users_tasks_on_their_collections_and_no_one_else_does() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("shared")).unwrap();
    for i in 0..3 {
        std::fs::write(dir.path().join(format!("shared/f{i}.txt")), format!("file {i}")).unwrap();
    }
    std::fs::write(dir.path().join("shared/big.bin"), vec![1u8; 3_000_000]).unwrap();
    let local = LocalGlobus::builder()
        .user(ALICE, "Alice")
        .user(BOB, "Bob")
        .collection("data", dir.path())
        .temp_collection("dest")
        .guest_collection("shared", "data", "/shared/")
        .throttle(1_000_000)
        .start()
        .await
        .unwrap();
    let (owner, alice, bob) = (client_for(&local, OWNER), client_for(&local, ALICE), client_for(&local, BOB));
    let (alice_id, bob_id) = (id_of(&local, ALICE), id_of(&local, BOB));
    let guest = local.collection("shared").unwrap().id().to_string();
    let dest = local.collection("dest").unwrap().id().to_string();
    let rule = types::AccessRuleCreate::builder()
        .principal_type("identity")
        .principal(alice_id.clone())
        .path("/")
        .permissions("r");
    owner.add_endpoint_acl_rule().endpoint_id(&guest).body(rule).send().await.unwrap();

    let mut done = Vec::new();
    for i in 0..3 {
        let id = submit(&alice, &guest, &dest, &format!("f{i}.txt")).await;
        assert_eq!(wait_done(&alice, &id).await.status, "SUCCEEDED");
        done.push(id);
    }

    // The owner (an administrator of both collections) lists them, newest first, in pages.
    let listed: Vec<String> = owner
        .endpoint_manager_task_list()
        .filter_endpoint(&guest)
        .limit(2)
        .into_stream()
        .items()
        .map_ok(|t| t.task_id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listed, done.iter().rev().cloned().collect::<Vec<_>>());
    let pages = local.requests().into_iter().filter(|r| r.path == "/v0.10/endpoint_manager/task_list").count();
    assert_eq!(pages, 2);
    let first = owner.endpoint_manager_task_list().filter_endpoint(&guest).limit(2).send().await.unwrap().into_inner();
    assert_eq!((first.has_next_page, first.last_key.is_some()), (Some(true), true));
    // Filters: by task id, by owner, by use of the endpoint, by status.
    let by_id = owner.endpoint_manager_task_list().filter_task_id(done[1].clone()).send().await.unwrap().into_inner();
    assert_eq!(by_id.data.iter().map(|t| t.task_id.as_str()).collect::<Vec<_>>(), [done[1].as_str()]);
    let as_dest = owner
        .endpoint_manager_task_list()
        .filter_endpoint(&guest)
        .filter_endpoint_use("destination")
        .send()
        .await
        .unwrap();
    assert!(as_dest.into_inner().data.is_empty(), "the guest collection was only a source");
    let bobs =
        owner.endpoint_manager_task_list().filter_endpoint(&guest).filter_owner_id(&bob_id).send().await.unwrap();
    assert!(bobs.into_inner().data.is_empty());
    let active = owner.endpoint_manager_task_list().filter_status("ACTIVE").send().await.unwrap().into_inner();
    assert!(active.data.is_empty());

    // The task, its events and its transfers, as the owner sees them.
    let task = owner.endpoint_manager_get_task().task_id(&done[0]).send().await.unwrap().into_inner();
    assert_eq!((task.owner_id.as_deref(), task.status.as_str()), (Some(alice_id.as_str()), "SUCCEEDED"));
    let events = owner.endpoint_manager_task_event_list().task_id(&done[0]).send().await.unwrap().into_inner();
    assert!(events.data.iter().any(|e| e.code == "SUCCEEDED"));
    let moved = owner.endpoint_manager_task_successful_transfers().task_id(&done[0]).send().await.unwrap().into_inner();
    assert_eq!(moved.data[0].source_path.as_deref(), Some("/f0.txt"));

    // Bob has no role: the tasks are not there for him.
    let e = bob.endpoint_manager_get_task().task_id(&done[0]).send().await.unwrap_err();
    assert_eq!((e.http_status(), e.code()), (Some(404), Some("ClientError.NotFound")));
    let e = bob.endpoint_manager_task_list().filter_endpoint(&guest).send().await.unwrap_err();
    assert_eq!(e.http_status(), Some(403));
    let e = bob.endpoint_manager_task_successful_transfers().task_id(&done[0]).send().await.unwrap_err();
    assert_eq!(e.http_status(), Some(404));

    // An activity monitor sees them, and cancels nothing.
    let monitor =
        types::RoleCreate::builder().principal_type("identity").principal(bob_id.clone()).role("activity_monitor");
    owner.add_endpoint_role().endpoint_id(&guest).body(monitor).send().await.unwrap();
    let seen = bob.endpoint_manager_task_list().filter_endpoint(&guest).send().await.unwrap().into_inner();
    assert_eq!(seen.data.len(), 3);
    let slow = submit(&alice, &guest, &dest, "big.bin").await;
    let cancel =
        |ids: Vec<String>| types::AdminCancelRequest { message: "maintenance tonight".into(), task_id_list: ids };
    let e = bob.endpoint_manager_cancel_tasks().body(cancel(vec![slow.clone()])).send().await.unwrap_err();
    assert_eq!(e.http_status(), Some(404));
    assert_eq!(alice.get_task().task_id(&slow).send().await.unwrap().into_inner().status, "ACTIVE");

    // The owner cancels it; Alice sees who did and why.
    let job = owner.endpoint_manager_cancel_tasks().body(cancel(vec![slow.clone()])).send().await.unwrap().into_inner();
    assert_eq!((job.data_type.as_deref(), job.done), (Some("admin_cancel"), Some(true)));
    let job_id = job.id.unwrap().to_string();
    let status = owner.endpoint_manager_cancel_status().admin_cancel_id(&job_id).send().await.unwrap().into_inner();
    assert_eq!(status.task_id_list, Some(vec![slow.clone()]));
    let e = bob.endpoint_manager_cancel_status().admin_cancel_id(&job_id).send().await.unwrap_err();
    assert_eq!(e.http_status(), Some(404));
    let canceled = wait_done(&alice, &slow).await;
    assert_eq!(canceled.status, "FAILED");
    assert_eq!(canceled.canceled_by_admin.as_deref(), Some("BOTH"));
    assert_eq!(canceled.canceled_by_admin_message.as_deref(), Some("maintenance tonight"));
    assert_eq!(canceled.fatal_error.and_then(|f| f.code).as_deref(), Some("CANCELED"));

    // Requests the service refuses.
    let e = owner.endpoint_manager_task_list().send().await.unwrap_err();
    assert_eq!(e.http_status(), Some(400), "no filter that bounds the listing");
    let many = (0..51).map(|i| format!("t{i}")).collect::<Vec<_>>().join(",");
    assert_eq!(
        owner.endpoint_manager_task_list().filter_task_id(many).send().await.unwrap_err().http_status(),
        Some(400)
    );
    let e =
        owner.endpoint_manager_task_list().filter_endpoint(&guest).filter_local_user("alice").send().await.unwrap_err();
    assert_eq!(e.http_status(), Some(400));
    let e = owner.endpoint_manager_cancel_tasks().body(cancel(Vec::new())).send().await.unwrap_err();
    assert_eq!(e.http_status(), Some(400));
}

/// A mapped collection's guest collections (the caller's own, or all of them for its
/// administrators, in `next_token` pages), pause information and pause rules (none: the local
/// Globus pauses nothing).
#[tokio::test]
async fn guest_collections_of_a_mapped_one_and_pause_information() {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["shared", "other"] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
    }
    std::fs::write(dir.path().join("shared/a.txt"), "a").unwrap();
    let local = LocalGlobus::builder()
        .user(ALICE, "Alice")
        .collection("data", dir.path())
        .temp_collection("dest")
        .guest_collection("shared", "data", "/shared/")
        .guest_collection("other", "data", "/other/")
        .start()
        .await
        .unwrap();
    let (owner, alice) = (client_for(&local, OWNER), client_for(&local, ALICE));
    let data = local.collection("data").unwrap().id().to_string();
    let guest = local.collection("shared").unwrap().id().to_string();
    let dest = local.collection("dest").unwrap().id().to_string();

    let mine = owner.my_shared_endpoint_list().endpoint_id(&data).send().await.unwrap().into_inner();
    let mut names: Vec<String> = mine.data.iter().filter_map(|e| e.display_name.clone()).collect();
    names.sort();
    assert_eq!(names, ["other", "shared"]);
    assert!(alice.my_shared_endpoint_list().endpoint_id(&data).send().await.unwrap().into_inner().data.is_empty());

    let all: Vec<String> = owner
        .get_shared_endpoint_list()
        .endpoint_id(&data)
        .max_results(1)
        .into_stream()
        .items()
        .map_ok(|e| e.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    let pages = local.requests().into_iter().filter(|r| r.path.ends_with("/shared_endpoint_list")).count();
    assert_eq!(pages, 2);
    let e = alice.get_shared_endpoint_list().endpoint_id(&data).send().await.unwrap_err();
    assert_eq!(e.http_status(), Some(403));

    // The endpoint manager's view of them: monitored, hosted, each collection, its rules.
    let monitored = owner.endpoint_manager_monitored_endpoints().send().await.unwrap().into_inner();
    assert_eq!(monitored.data.len(), 4, "the owner administers data, dest, shared and other");
    assert!(alice.endpoint_manager_monitored_endpoints().send().await.unwrap().into_inner().data.is_empty());
    let hosted = owner.endpoint_manager_hosted_endpoint_list().endpoint_id(&data).send().await.unwrap().into_inner();
    assert_eq!(hosted.data.len(), 2);
    let e = alice.endpoint_manager_hosted_endpoint_list().endpoint_id(&data).send().await.unwrap_err();
    assert_eq!(e.http_status(), Some(403));
    let doc = owner.endpoint_manager_get_endpoint().endpoint_id(&guest).send().await.unwrap().into_inner();
    assert_eq!(doc.display_name.as_deref(), Some("shared"));
    assert_eq!(
        alice.endpoint_manager_get_endpoint().endpoint_id(&guest).send().await.unwrap_err().http_status(),
        Some(403)
    );
    let e = owner.endpoint_manager_acl_list().endpoint_id(&data).send().await.unwrap_err();
    assert_eq!(e.http_status(), Some(409), "a mapped collection has no access rules");

    let rules = alice.my_effective_pause_rule_list().endpoint_id(&guest).send().await.unwrap().into_inner();
    assert_eq!((rules.data_type.as_deref(), rules.data.len()), (Some("pause_rule_list"), 0));

    let rule = types::AccessRuleCreate::builder()
        .principal_type("identity")
        .principal(id_of(&local, ALICE))
        .path("/")
        .permissions("r");
    owner.add_endpoint_acl_rule().endpoint_id(&guest).body(rule).send().await.unwrap();
    let listed = owner.endpoint_manager_acl_list().endpoint_id(&guest).send().await.unwrap().into_inner();
    assert_eq!((listed.data_type.as_deref(), listed.length), (Some("access_list"), Some(1)));
    assert_eq!(
        alice.endpoint_manager_acl_list().endpoint_id(&guest).send().await.unwrap_err().http_status(),
        Some(403)
    );
    let task = submit(&alice, &guest, &dest, "a.txt").await;
    let info = alice.task_pause_info().task_id(&task).send().await.unwrap().into_inner();
    assert_eq!(info.data_type.as_deref(), Some("pause_info_limited"));
    assert_eq!(info.pause_rules.map(|r| r.len()), Some(0));
    let info = owner.endpoint_manager_task_pause_info().task_id(&task).send().await.unwrap().into_inner();
    assert_eq!(info.data_type.as_deref(), Some("pause_info"));
    let e = owner.task_pause_info().task_id(&task).send().await.unwrap_err();
    assert_eq!(e.http_status(), Some(404), "the owner's call is for one's own tasks");
}

/// Pause rules hold tasks and refuse operations on a collection until they are changed or
/// deleted; tasks paused by id wait until resumed; only a collection's administrators and
/// activity managers manage either.
#[tokio::test]
async fn pause_rules_and_paused_tasks_hold_the_work_until_lifted() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("shared")).unwrap();
    std::fs::write(dir.path().join("shared/a.txt"), "a").unwrap();
    std::fs::write(dir.path().join("shared/big.bin"), vec![2u8; 400_000]).unwrap();
    let local = LocalGlobus::builder()
        .user(ALICE, "Alice")
        .user(BOB, "Bob")
        .collection("data", dir.path())
        .temp_collection("dest")
        .guest_collection("shared", "data", "/shared/")
        .throttle(400_000)
        .start()
        .await
        .unwrap();
    let (owner, alice, bob) = (client_for(&local, OWNER), client_for(&local, ALICE), client_for(&local, BOB));
    let guest = local.collection("shared").unwrap().id().to_string();
    let dest = local.collection("dest").unwrap();
    let rule = types::AccessRuleCreate::builder()
        .principal_type("identity")
        .principal(id_of(&local, ALICE))
        .path("/")
        .permissions("r");
    owner.add_endpoint_acl_rule().endpoint_id(&guest).body(rule).send().await.unwrap();

    // A rule pausing everything on the destination but what it names.
    let create = types::PauseRuleCreate::builder()
        .endpoint_id(dest.id().to_string())
        .message("disk maintenance")
        .pause_rename(Some(false));
    let e = bob.endpoint_manager_create_pause_rule().body(create.clone()).send().await.unwrap_err();
    assert_eq!(e.http_status(), Some(403));
    let made = owner.endpoint_manager_create_pause_rule().body(create).send().await.unwrap().into_inner();
    assert_eq!(
        (made.data_type.as_deref(), made.pause_ls, made.pause_rename),
        (Some("pause_rule"), Some(true), Some(false))
    );
    assert_eq!(
        bob.endpoint_manager_get_pause_rule().pause_rule_id(&made.id).send().await.unwrap_err().http_status(),
        Some(404)
    );
    let listed = owner.endpoint_manager_pause_rule_list().filter_endpoint(dest.id()).send().await.unwrap().into_inner();
    assert_eq!(listed.data.len(), 1);

    // Alice sees it, is refused ls, and her task waits, paused.
    let mine = alice.my_effective_pause_rule_list().endpoint_id(dest.id()).send().await.unwrap().into_inner();
    assert_eq!(mine.data.len(), 1);
    assert_eq!(mine.data[0].data_type.as_deref(), Some("pause_rule_limited"));
    assert!(mine.data[0].modified_by.is_none(), "the limited document does not say who made it");
    let e = alice.operation_ls().endpoint_id(dest.id()).send().await.unwrap_err();
    assert_eq!((e.http_status(), e.code()), (Some(409), Some("EndpointPaused")));
    assert!(e.to_string().contains("disk maintenance"), "{e}");
    let task = submit(&alice, &guest, dest.id(), "a.txt").await;
    let start = Instant::now();
    loop {
        let t = alice.get_task().task_id(&task).send().await.unwrap().into_inner();
        if t.is_paused == Some(true) {
            assert_eq!((t.status.as_str(), t.nice_status.as_deref()), ("ACTIVE", Some("PAUSED")));
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "never paused: {t:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let info = alice.task_pause_info().task_id(&task).send().await.unwrap().into_inner();
    assert_eq!(info.pause_rules.as_ref().map(Vec::len), Some(1));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!dest.root().join("a.txt").exists(), "nothing is written while paused");

    // The rule no longer pauses writes or ls: the task goes on.
    let update = types::PauseRuleUpdate::builder().pause_task_transfer_write(Some(false)).pause_ls(Some(false));
    owner.endpoint_manager_update_pause_rule().pause_rule_id(&made.id).body(update).send().await.unwrap();
    assert_eq!(wait_done(&alice, &task).await.status, "SUCCEEDED");
    assert_eq!(std::fs::read_to_string(dest.root().join("a.txt")).unwrap(), "a");
    alice.operation_ls().endpoint_id(dest.id()).send().await.unwrap();
    owner.endpoint_manager_delete_pause_rule().pause_rule_id(&made.id).send().await.unwrap();
    assert_eq!(
        owner.endpoint_manager_get_pause_rule().pause_rule_id(&made.id).send().await.unwrap_err().http_status(),
        Some(404)
    );

    // Paused by id, then resumed.
    let slow = submit(&alice, &guest, dest.id(), "big.bin").await;
    let pause = types::AdminPauseRequest { message: "hold on".into(), task_id_list: vec![slow.clone()] };
    let e = bob.endpoint_manager_pause_tasks().body(pause.clone()).send().await.unwrap_err();
    assert_eq!(e.http_status(), Some(404));
    owner.endpoint_manager_pause_tasks().body(pause).send().await.unwrap();
    let start = Instant::now();
    while alice.get_task().task_id(&slow).send().await.unwrap().into_inner().is_paused != Some(true) {
        assert!(start.elapsed() < Duration::from_secs(20), "never paused");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let info = owner.endpoint_manager_task_pause_info().task_id(&slow).send().await.unwrap().into_inner();
    assert_eq!(info.source_pause_message.as_deref(), Some("hold on"));
    let resume = types::AdminResumeRequest { task_id_list: vec![slow.clone()] };
    owner.endpoint_manager_resume_tasks().body(resume).send().await.unwrap();
    let done = wait_done(&alice, &slow).await;
    assert_eq!((done.status.as_str(), done.is_paused), ("SUCCEEDED", Some(false)));
}

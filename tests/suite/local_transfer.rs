//! The local Globus's Transfer, through the SDK's Transfer client over HTTP: collections,
//! file operations, and tasks that really copy and delete files.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use globus_sdk::testing::{LocalGlobus, LocalGlobusBuilder};
use globus_sdk::transfer::types;
use sha2::Digest as _;

struct Env {
    local: LocalGlobus,
    client: globus_sdk::transfer::Client,
    src: String,
    dst: String,
    src_root: PathBuf,
    dst_root: PathBuf,
}

async fn env() -> Env {
    env_with(LocalGlobus::builder()).await
}

async fn env_with(builder: LocalGlobusBuilder) -> Env {
    let local = builder.start().await.unwrap();
    let client = client_for(&local, "testuser@example.org");
    let (s, d) = (local.collection("source").unwrap(), local.collection("destination").unwrap());
    Env {
        client,
        src: s.id().to_string(),
        dst: d.id().to_string(),
        src_root: s.root().to_path_buf(),
        dst_root: d.root().to_path_buf(),
        local,
    }
}

use crate::common::local_transfer_client as client_for;

fn write(root: &Path, rel: &str, content: impl AsRef<[u8]>) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, content).unwrap();
}

fn read(root: &Path, rel: &str) -> Vec<u8> {
    std::fs::read(root.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn err<T: std::fmt::Debug, E: std::fmt::Debug>(r: Result<T, E>) -> globus_sdk::Error
where
    globus_sdk::Error: From<E>,
{
    globus_sdk::Error::from(r.expect_err("an error was expected"))
}

fn item(src: &str, dst: &str, recursive: bool) -> types::TransferItem {
    types::TransferItem::builder().source_path(src).destination_path(dst).recursive(recursive).try_into().unwrap()
}

impl Env {
    async fn submission_id(&self) -> String {
        self.client.get_submission_id().send().await.unwrap().into_inner().value
    }

    /// A transfer document from source to destination, to complete and submit.
    async fn transfer_doc(&self, items: Vec<types::TransferItem>) -> types::builder::TransferDocument {
        types::TransferDocument::builder()
            .submission_id(self.submission_id().await)
            .source_endpoint(self.src.clone())
            .destination_endpoint(self.dst.clone())
            .data(items)
    }

    async fn submit(&self, doc: types::builder::TransferDocument) -> String {
        let result = self.client.submit_transfer_document().body(doc).send().await.unwrap().into_inner();
        assert_eq!(result.code.as_deref(), Some("Accepted"));
        result.task_id
    }

    async fn delete(
        &self,
        collection: &str,
        paths: &[&str],
        f: impl FnOnce(types::builder::DeleteDocument) -> types::builder::DeleteDocument,
    ) -> String {
        let items: Vec<types::DeleteItem> =
            paths.iter().map(|p| types::DeleteItem::builder().path(*p).try_into().unwrap()).collect();
        let doc =
            types::DeleteDocument::builder().submission_id(self.submission_id().await).endpoint(collection).data(items);
        let result = self.client.submit_delete_document().body(f(doc)).send().await.unwrap().into_inner();
        assert_eq!(result.data_type.as_deref(), Some("delete_result"));
        result.task_id
    }

    async fn task(&self, id: &str) -> types::Task {
        self.client.get_task().task_id(id).send().await.unwrap().into_inner()
    }

    /// Poll until the task is no longer ACTIVE.
    async fn wait(&self, id: &str) -> types::Task {
        let start = Instant::now();
        loop {
            let t = self.task(id).await;
            if t.status != "ACTIVE" {
                return t;
            }
            assert!(start.elapsed() < Duration::from_secs(30), "task {id} still active: {t:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn events(&self, id: &str) -> Vec<String> {
        let list = self.client.task_event_list().task_id(id).limit(100).send().await.unwrap().into_inner();
        list.data.into_iter().map(|e| e.code).collect()
    }
}

#[tokio::test]
async fn endpoint_search_and_get_endpoint() {
    let e = env().await;
    let found = e.client.endpoint_search().filter_fulltext("dest").send().await.unwrap().into_inner();
    assert_eq!(found.data.len(), 1);
    assert_eq!(found.data[0].id, e.dst);
    assert_eq!(found.has_next_page, Some(false));

    let mine = e.client.endpoint_search().filter_scope("my-endpoints").limit(1).send().await.unwrap().into_inner();
    assert_eq!((mine.data.len(), mine.has_next_page, mine.offset), (1, Some(true), Some(0)));
    assert_eq!(mine.data[0].id, e.src);
    let next =
        e.client.endpoint_search().filter_scope("my-endpoints").limit(1).offset(1).send().await.unwrap().into_inner();
    assert_eq!((next.data[0].id.as_str(), next.has_next_page), (e.dst.as_str(), Some(false)));
    assert!(e.client.endpoint_search().filter_fulltext("nothing-like-this").send().await.unwrap().data.is_empty());

    let err1 = err(e.client.endpoint_search().send().await);
    assert_eq!((err1.http_status(), err1.code()), (Some(400), Some("ClientError.BadRequest")));
    let err2 = err(e.client.endpoint_search().filter_scope("sideways").send().await);
    assert_eq!(err2.http_status(), Some(400));

    let ep = e.client.get_endpoint().endpoint_id(&e.src).send().await.unwrap().into_inner();
    assert_eq!(ep.display_name.as_deref(), Some("source"));
    assert_eq!(ep.entity_type.as_deref(), Some("GCSv5_mapped_collection"));
    assert_eq!(ep.default_directory.as_deref(), Some("/~/"));
    assert_eq!(ep.owner_id.as_deref(), Some(e.local.user().id.as_str()));
    let missing = err(e.client.get_endpoint().endpoint_id("no-such-endpoint").send().await);
    assert_eq!((missing.http_status(), missing.code()), (Some(404), Some("EndpointNotFound")));
    assert!(missing.request_id().is_some());
}

#[tokio::test]
async fn ls_mkdir_rename_stat() {
    let e = env().await;
    let mkdir = |path: &str| {
        let doc = types::MkdirDocument::builder().path(path);
        e.client.operation_mkdir().endpoint_id(&e.src).body(doc).send()
    };
    let made = mkdir("/~/docs").await.unwrap().into_inner();
    assert_eq!((made.code.as_str(), made.data_type.as_deref()), ("DirectoryCreated", Some("mkdir_result")));
    assert!(e.src_root.join("docs").is_dir());
    assert_eq!(err(mkdir("/~/docs").await).http_status(), Some(409));
    assert_eq!(err(mkdir("/~/no/parent").await).http_status(), Some(404));

    write(&e.src_root, "docs/b.txt", "bbbb");
    write(&e.src_root, "docs/a.txt", "a");
    write(&e.src_root, "docs/c.csv", "ccc");
    write(&e.src_root, "docs/.hidden", "h");
    std::fs::create_dir(e.src_root.join("docs/sub")).unwrap();

    let ls = |path: &str| e.client.operation_ls().endpoint_id(&e.src).path(path);
    let all = ls("/~/docs").send().await.unwrap().into_inner();
    let names: Vec<&str> = all.data.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, [".hidden", "a.txt", "b.txt", "c.csv", "sub"]);
    assert_eq!(all.path.as_deref(), Some("/~/docs/"));
    assert_eq!(all.total, Some(5));
    let b = &all.data[2];
    assert_eq!((b.type_.as_str(), b.size), ("file", Some(4)));
    assert!(b.last_modified.as_deref().unwrap().ends_with("+00:00"));
    assert_eq!(all.data[4].type_, "dir");

    let txt = ls("/~/docs/").filter("name:~*.txt/type:file").orderby("name DESC").send().await.unwrap().into_inner();
    assert_eq!(txt.data.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(), ["b.txt", "a.txt"]);
    let dirs = ls("/~/docs/").filter("type:dir").send().await.unwrap().into_inner();
    assert_eq!(dirs.data.len(), 1);
    let page = ls("/~/docs/").show_hidden(0).limit(2).offset(1).send().await.unwrap().into_inner();
    assert_eq!(page.data.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(), ["b.txt", "c.csv"]);
    assert_eq!((page.total, page.length), (Some(4), Some(2)));
    let big = ls("/~/docs/").filter("size:>=3/type:file").orderby("size DESC,name").send().await.unwrap().into_inner();
    assert_eq!(big.data.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(), ["b.txt", "c.csv"]);
    assert_eq!(err(ls("/~/docs/").filter("colour:red").send().await).http_status(), Some(400));

    let rename = |old: &str, new: &str| {
        let doc = types::RenameDocument::builder().old_path(old).new_path(new);
        e.client.operation_rename().endpoint_id(&e.src).body(doc).send()
    };
    assert_eq!(rename("/~/docs/a.txt", "/~/docs/sub/z.txt").await.unwrap().code, "FileRenamed");
    assert_eq!(read(&e.src_root, "docs/sub/z.txt"), b"a");
    let missing = err(rename("/~/docs/a.txt", "/~/docs/y.txt").await);
    assert_eq!((missing.http_status(), missing.code()), (Some(404), Some("ClientError.NotFound")));
    assert_eq!(err(rename("/~/docs/b.txt", "/~/docs/c.csv").await).http_status(), Some(409));

    let stat =
        e.client.operation_stat().endpoint_id(&e.src).path("/~/docs/sub/z.txt").send().await.unwrap().into_inner();
    assert_eq!((stat.name.as_str(), stat.type_.as_str(), stat.size), ("z.txt", "file", Some(1)));
    let gone = err(e.client.operation_stat().endpoint_id(&e.src).path("/~/nope").send().await);
    assert_eq!((gone.http_status(), gone.code()), (Some(404), Some("NotFound")));
    let not_dir = err(ls("/~/docs/b.txt").send().await);
    assert_eq!(not_dir.http_status(), Some(400));

    // Nothing leads outside the collection.
    for escape in ["/~/../", "/../../etc", "docs/../../x"] {
        let denied = err(ls(escape).send().await);
        assert_eq!((denied.http_status(), denied.code()), (Some(403), Some("EndpointPermissionDenied")), "{escape}");
    }
    assert_eq!(err(rename("/~/docs/b.txt", "/~/../b.txt").await).http_status(), Some(403));
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("/", e.src_root.join("root-link")).unwrap();
        assert_eq!(err(ls("/~/root-link/etc").send().await).http_status(), Some(403));
    }
}

#[tokio::test]
async fn read_only_collections_refuse_writes() {
    let dir = std::env::temp_dir().join(format!("local-ro-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    write(&dir, "f.txt", "x");
    let local =
        LocalGlobus::builder().read_only_collection("archive", &dir).temp_collection("scratch").start().await.unwrap();
    let client = client_for(&local, "testuser@example.org");
    let archive = local.collection("archive").unwrap().id().to_string();
    let denied = err(client
        .operation_mkdir()
        .endpoint_id(&archive)
        .body(types::MkdirDocument::builder().path("/d"))
        .send()
        .await);
    assert_eq!((denied.http_status(), denied.code()), (Some(403), Some("EndpointPermissionDenied")));
    assert_eq!(client.operation_ls().endpoint_id(&archive).send().await.unwrap().data.len(), 1);
    drop(local);
    assert!(dir.join("f.txt").exists(), "a caller's directory is kept");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn recursive_transfer_with_checksums_arrives_byte_identical() {
    let e = env_with(LocalGlobus::builder().marker_page_size(2)).await;
    let big: Vec<u8> = (0..700_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    write(&e.src_root, "tree/big.bin", &big);
    write(&e.src_root, "tree/a.txt", "alpha");
    write(&e.src_root, "tree/sub/b.txt", "beta");
    write(&e.src_root, "tree/sub/deeper/c.txt", "gamma");
    std::fs::create_dir_all(e.src_root.join("tree/empty")).unwrap();

    let mut it = item("/~/tree/", "/~/copy/", true);
    it.checksum_algorithm = Some("SHA256".into());
    let doc = e.transfer_doc(vec![it]).await.verify_checksum(true).label("recursive".to_string());
    let id = e.submit(doc).await;
    let task = e.wait(&id).await;
    assert_eq!(task.status, "SUCCEEDED", "{task:?}");
    for rel in ["big.bin", "a.txt", "sub/b.txt", "sub/deeper/c.txt"] {
        assert_eq!(read(&e.dst_root, &format!("copy/{rel}")), read(&e.src_root, &format!("tree/{rel}")), "{rel}");
    }
    assert!(e.dst_root.join("copy/empty").is_dir());
    assert_eq!((task.files, task.directories), (Some(4), Some(4)), "tree, sub, deeper, empty");
    assert_eq!((task.files_transferred, task.files_skipped), (Some(4), Some(0)));
    assert_eq!((task.subtasks_total, task.subtasks_succeeded, task.subtasks_pending), (Some(8), Some(8), Some(0)));
    assert_eq!(task.bytes_transferred, Some(big.len() as i64 + 5 + 4 + 5));
    assert_eq!(task.bytes_checksummed, task.bytes_transferred);
    assert_eq!((task.verify_checksum, task.label.as_deref()), (Some(true), Some("recursive")));
    assert!(task.completion_time.is_some() && task.nice_status.is_none() && task.fatal_error.is_none());
    assert_eq!(e.events(&id).await, ["SUCCEEDED", "STARTED"]);

    // Successful transfers, two per page, with the checksums of the sources.
    let mut seen = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let mut req = e.client.task_successful_transfers().task_id(&id);
        if let Some(m) = &marker {
            req = req.marker(m.clone());
        }
        let page = req.send().await.unwrap().into_inner();
        assert!(page.data.len() <= 2);
        seen.extend(page.data);
        match page.next_marker {
            Some(m) => marker = Some(m.to_string()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 4);
    let big_entry = seen.iter().find(|s| s.source_path.as_deref() == Some("/~/tree/big.bin")).unwrap();
    assert_eq!(big_entry.destination_path.as_deref(), Some("/~/copy/big.bin"));
    assert_eq!(big_entry.checksum_algorithm.as_deref(), Some("SHA256"));
    let want: String = sha2::Sha256::digest(&big).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(big_entry.checksum.as_deref(), Some(want.as_str()));
    assert_eq!((big_entry.size, big_entry.dynamic), (Some(big.len() as i64), Some(true)));
    // The last page says so with a null next_marker.
    let last = e.client.raw_get(&format!("/v0.10/task/{id}/successful_transfers?marker=2")).send().await.unwrap();
    let body: serde_json::Value = serde_json::from_slice(last.bytes()).unwrap();
    assert!(body["next_marker"].is_null() && body.as_object().unwrap().contains_key("next_marker"));
}

#[tokio::test]
async fn sync_levels_skip_what_is_up_to_date() {
    let e = env().await;
    let old = std::time::SystemTime::now() - Duration::from_secs(3600);
    let set_mtime = |root: &Path, rel: &str, t: std::time::SystemTime| {
        std::fs::File::options().write(true).open(root.join(rel)).unwrap().set_modified(t).unwrap();
    };
    // Source files, and a destination that differs from them in chosen ways.
    write(&e.src_root, "s/missing.txt", "new");
    write(&e.src_root, "s/same.txt", "same");
    write(&e.src_root, "s/size.txt", "longer content");
    write(&e.src_root, "s/content.txt", "AAAA");
    write(&e.src_root, "s/newer.txt", "source is newer");
    let reset = |e: &Env| {
        let _ = std::fs::remove_dir_all(e.dst_root.join("d"));
        write(&e.dst_root, "d/same.txt", "same");
        write(&e.dst_root, "d/size.txt", "short");
        write(&e.dst_root, "d/content.txt", "BBBB");
        write(&e.dst_root, "d/newer.txt", "dest is older");
        set_mtime(&e.dst_root, "d/newer.txt", old);
        // The destination copies of same/size/content are newer than their sources.
        for rel in ["s/same.txt", "s/size.txt", "s/content.txt"] {
            set_mtime(&e.src_root, rel, old);
        }
    };
    let expect = [
        // level: files transferred (others skipped)
        (0, vec!["missing.txt"]),
        (1, vec!["missing.txt", "newer.txt", "size.txt"]),
        (2, vec!["missing.txt", "newer.txt"]),
        (3, vec!["content.txt", "missing.txt", "newer.txt", "size.txt"]),
    ];
    for (level, transferred) in expect {
        reset(&e);
        let doc = e.transfer_doc(vec![item("/~/s", "/~/d", true)]).await.sync_level(level as i64);
        let id = e.submit(doc).await;
        let task = e.wait(&id).await;
        assert_eq!(task.status, "SUCCEEDED");
        assert_eq!(task.sync_level, Some(level as i64));
        let mut got: Vec<String> = {
            let page = e.client.task_successful_transfers().task_id(&id).send().await.unwrap().into_inner();
            page.data
                .iter()
                .map(|s| s.destination_path.clone().unwrap().trim_start_matches("/~/d/").to_string())
                .collect()
        };
        got.sort();
        assert_eq!(got, transferred, "sync level {level}");
        assert_eq!(task.files_transferred, Some(transferred.len() as i64));
        assert_eq!(task.files_skipped, Some(5 - transferred.len() as i64));
        for name in &transferred {
            assert_eq!(read(&e.dst_root, &format!("d/{name}")), read(&e.src_root, &format!("s/{name}")));
        }
    }
    assert_eq!(read(&e.dst_root, "d/same.txt"), b"same");
}

#[tokio::test]
async fn deadlines_expire_tasks() {
    let e = env_with(LocalGlobus::builder().throttle(100_000)).await;
    write(&e.src_root, "slow.bin", vec![7u8; 2_000_000]);
    let deadline = (chrono::Utc::now() + chrono::Duration::milliseconds(700)).to_rfc3339();
    let doc = e.transfer_doc(vec![item("/~/slow.bin", "/~/slow.bin", false)]).await.deadline(deadline);
    let started = Instant::now();
    let id = e.submit(doc).await;
    let task = e.wait(&id).await;
    assert!(started.elapsed() < Duration::from_secs(5), "expired at the deadline, not at the end");
    assert_eq!(task.status, "FAILED");
    assert_eq!(task.fatal_error.as_ref().unwrap().code.as_deref(), Some("EXPIRED"));
    assert_eq!((task.subtasks_expired, task.subtasks_pending), (Some(1), Some(0)));
    assert!(task.deadline.is_some());
    assert!(e.events(&id).await.contains(&"EXPIRED".to_string()));

    // A deadline already past fails the task at once.
    let doc = e
        .transfer_doc(vec![item("/~/slow.bin", "/~/again.bin", false)])
        .await
        .deadline("2001-01-01T00:00:00Z".to_string());
    let task = e.wait(&e.submit(doc).await).await;
    assert_eq!(task.fatal_error.unwrap().code.as_deref(), Some("EXPIRED"));
    let bad = err(e
        .client
        .submit_transfer_document()
        .body(e.transfer_doc(vec![item("/~/slow.bin", "/~/x", false)]).await.deadline("soon".to_string()))
        .send()
        .await);
    assert_eq!(bad.http_status(), Some(400));
}

#[tokio::test]
async fn cancel_stops_a_running_task_with_live_counters() {
    let e = env_with(LocalGlobus::builder().throttle(200_000)).await;
    write(&e.src_root, "big.bin", vec![1u8; 4_000_000]);
    let id = e.submit(e.transfer_doc(vec![item("/~/big.bin", "/~/big.bin", false)]).await).await;
    // The counters move while the task runs.
    let start = Instant::now();
    let running = loop {
        let t = e.task(&id).await;
        if t.bytes_transferred.unwrap_or(0) > 0 {
            break t;
        }
        assert!(start.elapsed() < Duration::from_secs(10));
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(
        (running.status.as_str(), running.nice_status.as_deref(), running.is_ok),
        ("ACTIVE", Some("OK"), Some(true))
    );
    assert_eq!((running.subtasks_total, running.subtasks_pending), (Some(1), Some(1)));
    let start = Instant::now();
    while e.task(&id).await.bytes_transferred <= running.bytes_transferred {
        assert!(start.elapsed() < Duration::from_secs(10), "the byte count moves");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let canceled = e.client.cancel_task().task_id(&id).send().await.unwrap().into_inner();
    assert_eq!(canceled.code, "Canceled");
    let task = e.task(&id).await;
    assert_eq!(task.status, "FAILED");
    assert_eq!(task.fatal_error.unwrap().code.as_deref(), Some("CANCELED"));
    assert_eq!(task.subtasks_canceled, Some(1));
    let after = task.bytes_transferred;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(e.task(&id).await.bytes_transferred, after, "the copy stopped");
    assert_eq!(e.client.cancel_task().task_id(&id).send().await.unwrap().code, "TaskComplete");
    assert!(e.events(&id).await.contains(&"CANCELED".to_string()));
}

#[tokio::test]
async fn delete_tasks() {
    let e = env().await;
    write(&e.dst_root, "old/a.txt", "a");
    write(&e.dst_root, "old/sub/b.txt", "b");
    write(&e.dst_root, "logs/1.log", "1");
    write(&e.dst_root, "logs/2.log", "2");
    write(&e.dst_root, "logs/keep.txt", "k");

    let id = e.delete(&e.dst, &["/~/old"], |d| d.recursive(true).label("cleanup".to_string())).await;
    let task = e.wait(&id).await;
    assert_eq!(task.status, "SUCCEEDED", "{task:?}");
    assert_eq!(task.type_, "DELETE");
    assert!(!e.dst_root.join("old").exists());
    assert_eq!((task.files, task.directories), (Some(2), Some(2)));
    assert_eq!(task.subtasks_succeeded, Some(4));
    assert_eq!(task.source_endpoint_id.as_deref(), Some(e.dst.as_str()));
    assert_eq!(task.destination_endpoint_id, None);

    let id =
        e.delete(&e.dst, &["/~/logs/*.log", "/~/not-there"], |d| d.interpret_globs(true).ignore_missing(true)).await;
    assert_eq!(e.wait(&id).await.status, "SUCCEEDED");
    assert!(!e.dst_root.join("logs/1.log").exists() && !e.dst_root.join("logs/2.log").exists());
    assert!(e.dst_root.join("logs/keep.txt").exists());

    let id = e.delete(&e.dst, &["/~/logs"], |d| d).await;
    let task = e.wait(&id).await;
    assert_eq!(task.status, "FAILED", "a directory needs recursive");
    assert!(e.dst_root.join("logs/keep.txt").exists());

    let id = e.delete(&e.dst, &["/~/not-there"], |d| d).await;
    assert_eq!(e.wait(&id).await.fatal_error.unwrap().code.as_deref(), Some("FILE_NOT_FOUND"));
    let escape = err(e
        .client
        .submit_delete_document()
        .body(
            types::DeleteDocument::builder()
                .submission_id(e.submission_id().await)
                .endpoint(&e.dst)
                .data(vec![types::DeleteItem::builder().path("/~/../x").try_into().unwrap()]),
        )
        .send()
        .await);
    assert_eq!(escape.http_status(), Some(403));
}

#[tokio::test]
async fn task_list_pages_and_filters() {
    let e = env_with(LocalGlobus::builder()).await;
    write(&e.src_root, "f.txt", "f");
    let mut ids = Vec::new();
    for i in 0..3 {
        let id = e
            .submit(e.transfer_doc(vec![item("/~/f.txt", &format!("/~/f{i}.txt"), false)]).await.label(format!("t{i}")))
            .await;
        e.wait(&id).await;
        ids.push(id);
    }
    let id = e.delete(&e.dst, &["/~/f0.txt"], |d| d).await;
    e.wait(&id).await;
    ids.push(id);
    // One that keeps running.
    e.local.set_throttle(Some(1_000));
    write(&e.src_root, "slow.bin", vec![0u8; 100_000]);
    let active = e.submit(e.transfer_doc(vec![item("/~/slow.bin", "/~/slow.bin", false)]).await).await;
    ids.push(active.clone());

    let page = e.client.task_list().limit(2).send().await.unwrap().into_inner();
    assert_eq!((page.total, page.length, page.limit, page.offset), (Some(5), Some(2), Some(2), Some(0)));
    assert_eq!(
        page.data.iter().map(|t| t.task_id.as_str()).collect::<Vec<_>>(),
        [ids[4].as_str(), ids[3].as_str()],
        "most recent first"
    );
    let last = e.client.task_list().limit(2).offset(4).send().await.unwrap().into_inner();
    assert_eq!(last.data.len(), 1);
    assert_eq!(last.data[0].task_id, ids[0]);

    let deletes = e.client.task_list().filter("type:DELETE").send().await.unwrap().into_inner();
    assert_eq!((deletes.total, deletes.data[0].task_id.as_str()), (Some(1), ids[3].as_str()));
    let running = e.client.task_list().filter("type:TRANSFER,DELETE/status:ACTIVE").send().await.unwrap().into_inner();
    assert_eq!(running.data.iter().map(|t| t.task_id.as_str()).collect::<Vec<_>>(), [active.as_str()]);
    let done =
        e.client.task_list().filter("status:SUCCEEDED").orderby("request_time ASC").send().await.unwrap().into_inner();
    assert_eq!(
        done.data.iter().map(|t| t.task_id.as_str()).collect::<Vec<_>>(),
        &ids.iter().map(String::as_str).collect::<Vec<_>>()[..4]
    );
    let labeled = e.client.task_list().filter("label:t1").send().await.unwrap().into_inner();
    assert_eq!(labeled.total, Some(1));
    assert_eq!(err(e.client.task_list().filter("owner:me").send().await).http_status(), Some(400));

    // Events page too.
    let events = e.client.task_event_list().task_id(&ids[0]).limit(1).send().await.unwrap().into_inner();
    assert_eq!((events.total, events.data.len(), events.data[0].code.as_str()), (Some(2), 1, "SUCCEEDED"));
    let older = e.client.task_event_list().task_id(&ids[0]).limit(1).offset(1).send().await.unwrap().into_inner();
    assert_eq!(older.data[0].code, "STARTED");
    let errors = e.client.task_event_list().task_id(&ids[0]).filter("is_error:1").send().await.unwrap().into_inner();
    assert_eq!(errors.total, Some(0));

    // Another user sees none of these.
    let stranger = client_for(&e.local, e.local.confidential_client().id());
    assert_eq!(stranger.task_list().send().await.unwrap().total, Some(0));
    let hidden = err(stranger.get_task().task_id(&ids[0]).send().await);
    assert_eq!((hidden.http_status(), hidden.code()), (Some(404), Some("ClientError.NotFound")));

    // Update a running task; a finished one cannot change.
    let update = types::TaskUpdate::builder().label("renamed".to_string());
    assert_eq!(e.client.update_task().task_id(&active).body(update).send().await.unwrap().code, "Updated");
    assert_eq!(e.task(&active).await.label.as_deref(), Some("renamed"));
    let update = types::TaskUpdate::builder().label("late".to_string());
    assert_eq!(err(e.client.update_task().task_id(&ids[0]).body(update).send().await).http_status(), Some(409));
    e.client.cancel_task().task_id(&active).send().await.unwrap();
}

#[tokio::test]
async fn a_repeated_submission_id_returns_the_first_task() {
    let e = env().await;
    write(&e.src_root, "f.txt", "once");
    let doc = e.transfer_doc(vec![item("/~/f.txt", "/~/f.txt", false)]).await;
    let first = e.client.submit_transfer_document().body(doc.clone()).send().await.unwrap().into_inner();
    let again = e.client.submit_transfer_document().body(doc).send().await.unwrap().into_inner();
    assert_eq!(first.code.as_deref(), Some("Accepted"));
    assert_eq!(again.code.as_deref(), Some("Duplicate"));
    assert_eq!(again.task_id, first.task_id);
    assert_eq!(again.submission_id, first.submission_id);
    assert_eq!(e.client.task_list().send().await.unwrap().total, Some(1));
    assert_eq!(first.task_link.unwrap().href, Some(format!("/v0.10/task/{}?format=json", first.task_id)));

    let empty = err(e.client.submit_transfer_document().body(e.transfer_doc(vec![]).await).send().await);
    assert_eq!((empty.http_status(), empty.code()), (Some(400), Some("ClientError.BadRequest.NoTransferItems")));
    let nowhere = types::TransferDocument::builder()
        .submission_id(e.submission_id().await)
        .source_endpoint("no-such-collection")
        .destination_endpoint(e.dst.clone())
        .data(vec![item("/a", "/b", false)]);
    assert_eq!(err(e.client.submit_transfer_document().body(nowhere).send().await).code(), Some("EndpointNotFound"));
}

#[tokio::test]
async fn filter_rules_source_errors_and_extra_destination_files() {
    let e = env_with(LocalGlobus::builder().retry_interval(Duration::from_millis(20))).await;
    write(&e.src_root, "p/keep.txt", "k");
    write(&e.src_root, "p/skip.tmp", "t");
    write(&e.src_root, "p/cache/x.txt", "x");
    write(&e.src_root, "p/sub/y.txt", "y");
    write(&e.dst_root, "q/extra.txt", "delete me");
    write(&e.dst_root, "q/sub/extra2.txt", "delete me too");
    write(&e.dst_root, "q/local.tmp", "excluded names are left alone");

    let rules = vec![
        types::FilterRule::builder()
            .method(types::FilterRuleMethod::Exclude)
            .name("*.tmp")
            .type_(types::FilterRuleType::File)
            .try_into()
            .unwrap(),
        types::FilterRule::builder()
            .method(types::FilterRuleMethod::Exclude)
            .name("cache")
            .type_(types::FilterRuleType::Dir)
            .try_into()
            .unwrap(),
    ];
    let doc = e.transfer_doc(vec![item("/~/p", "/~/q", true)]).await.filter_rules(rules).delete_destination_extra(true);
    let task = e.wait(&e.submit(doc).await).await;
    assert_eq!(task.status, "SUCCEEDED", "{task:?}");
    assert_eq!(read(&e.dst_root, "q/keep.txt"), b"k");
    assert_eq!(read(&e.dst_root, "q/sub/y.txt"), b"y");
    assert!(!e.dst_root.join("q/skip.tmp").exists() && !e.dst_root.join("q/cache").exists());
    assert!(!e.dst_root.join("q/extra.txt").exists() && !e.dst_root.join("q/sub/extra2.txt").exists());
    assert!(e.dst_root.join("q/local.tmp").exists());
    assert_eq!(task.filter_rules.as_ref().map(Vec::len), Some(2));

    // A missing source is a fault retried until the deadline (see local_hostile for the
    // details), unless source errors are skipped.
    let items = vec![item("/~/missing.txt", "/~/m.txt", false), item("/~/p/keep.txt", "/~/k.txt", false)];
    let soon = (chrono::Utc::now() + chrono::Duration::milliseconds(400)).to_rfc3339();
    let task = e.wait(&e.submit(e.transfer_doc(items.clone()).await.deadline(soon)).await).await;
    assert_eq!((task.status.as_str(), task.fatal_error.unwrap().code.as_deref()), ("FAILED", Some("EXPIRED")));
    assert!(task.faults.unwrap() >= 2, "{:?}", task.faults);
    let id = e.submit(e.transfer_doc(items).await.skip_source_errors(true)).await;
    let task = e.wait(&id).await;
    assert_eq!(task.status, "SUCCEEDED");
    assert_eq!((task.subtasks_skipped_errors, task.files_transferred), (Some(1), Some(1)));
    let skipped = e.client.task_skipped_errors().task_id(&id).send().await.unwrap().into_inner();
    assert_eq!(skipped.data.len(), 1);
    assert_eq!(skipped.data[0].source_path.as_deref(), Some("/~/missing.txt"));
    assert_eq!(skipped.data[0].error_code.as_deref(), Some("FILE_NOT_FOUND"));

    // A directory without `recursive` fails.
    let task = e.wait(&e.submit(e.transfer_doc(vec![item("/~/p", "/~/r", false)]).await).await).await;
    assert_eq!(task.status, "FAILED");
}

#[tokio::test]
async fn transfers_within_one_collection() {
    let e = env().await;
    write(&e.src_root, "dir/a.txt", "a");
    let doc = |items| {
        let e = &e;
        async move {
            types::TransferDocument::builder()
                .submission_id(e.submission_id().await)
                .source_endpoint(e.src.clone())
                .destination_endpoint(e.src.clone())
                .data(items)
        }
    };
    let task = e.wait(&e.submit(doc(vec![item("/~/dir/a.txt", "/~/b.txt", false)]).await).await).await;
    assert_eq!(task.status, "SUCCEEDED");
    assert_eq!(read(&e.src_root, "b.txt"), b"a");
    for (src, dst) in [("/~/dir/a.txt", "/dir/a.txt"), ("/~/dir", "/~/dir/inside"), ("/~/dir/", "/~/")] {
        let overlap = err(e.client.submit_transfer_document().body(doc(vec![item(src, dst, true)]).await).send().await);
        assert_eq!(overlap.http_status(), Some(400), "{src} -> {dst}");
    }
    assert_eq!(read(&e.src_root, "dir/a.txt"), b"a", "never truncated");
}

#[tokio::test]
async fn the_sdks_task_helpers_and_paging_streams() {
    use futures::TryStreamExt as _;
    use globus_sdk::transfer::{DeleteData, SyncLevel, TransferData};

    let e = env_with(LocalGlobus::builder().marker_page_size(2)).await;
    for i in 0..5 {
        write(&e.src_root, &format!("set/f{i}.dat"), format!("file {i}"));
    }
    write(&e.src_root, "set/scratch.tmp", "not copied");
    let mut data = TransferData::new(&e.src, &e.dst)
        .label("helpers")
        .sync_level(SyncLevel::Checksum)
        .verify_checksum(true)
        .deadline(chrono::Utc::now() + chrono::Duration::hours(1));
    data.exclude("*.tmp").add_item("/~/set/", "/~/set/", true);
    let submitted = e.client.submit_transfer(&data).await.unwrap();
    let wait =
        |id: &str| e.client.task_wait(id).timeout(Duration::from_secs(20)).poll_interval(Duration::from_millis(20));
    let task = wait(&submitted.task_id).await.unwrap();
    assert!(task.is_finished());
    assert_eq!((task.status.as_str(), task.files_transferred), ("SUCCEEDED", Some(5)));
    assert!(!e.dst_root.join("set/scratch.tmp").exists());

    // Marker paging, two per page, through the SDK's stream.
    let copied: Vec<types::SuccessfulTransfer> = e
        .client
        .task_successful_transfers()
        .task_id(&submitted.task_id)
        .into_stream()
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(copied.len(), 5);

    // Submitting the same data again finds the same task (its submission id is kept)...
    let resent = e.client.submit_transfer(&data).await.unwrap();
    assert_eq!((resent.task_id.as_str(), resent.code.as_deref()), (submitted.task_id.as_str(), Some("Duplicate")));
    // ...and a new submission of the same document is a new task: everything is in sync.
    let again = e.client.submit_transfer(&data.to_new_submission()).await.unwrap();
    let task = wait(&again.task_id).await.unwrap();
    assert_eq!((task.files_transferred, task.files_skipped), (Some(0), Some(5)));

    let deleted = e.client.submit_delete(DeleteData::new(&e.dst).add_item("/~/set/f0.dat")).await.unwrap();
    assert_eq!(wait(&deleted.task_id).await.unwrap().status, "SUCCEEDED");
    assert!(!e.dst_root.join("set/f0.dat").exists());

    // Offset paging with a total, and has_next_page paging.
    let tasks: Vec<types::Task> = e.client.task_list().limit(1).into_stream().items().try_collect().await.unwrap();
    assert_eq!(tasks.len(), 3);
    assert_eq!(tasks[0].type_, "DELETE", "most recent first");
    let collections: Vec<types::Endpoint> = e
        .client
        .endpoint_search()
        .filter_scope("my-endpoints")
        .limit(1)
        .into_stream()
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(collections.len(), 2);
}

#[tokio::test]
async fn dropping_the_server_removes_temporary_collections() {
    let e = env().await;
    let roots = (e.src_root.clone(), e.dst_root.clone());
    assert!(roots.0.is_dir() && roots.1.is_dir());
    let url = e.local.transfer_url();
    drop(e);
    assert!(!roots.0.exists() && !roots.1.exists());
    let refused = reqwest::get(format!("{url}/v0.10/task_list")).await;
    assert!(refused.is_err(), "the listener is closed");
}

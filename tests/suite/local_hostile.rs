//! The local Globus as a server facing hostile input (issue 8, "Nothing lost, nothing
//! leaked, nothing escapes"): no path escapes a collection's root at any depth, no response
//! carries a host path, no file's metadata breaks a handler, special files never block a
//! task nor the shutdown, Auth sends codes only to registered redirect URIs and grants only
//! known scopes; and the shapes the Python SDK's registered responses show.
#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use globus_sdk::testing::{LocalGlobus, LocalGlobusBuilder};
use serde_json::{Value, json};

const TRANSFER: &str = "urn:globus:auth:scope:transfer.api.globus.org:all";

/// A Transfer session over plain HTTP, every response body kept (to look for leaks).
struct Session {
    local: LocalGlobus,
    http: reqwest::Client,
    token: String,
    src: String,
    dst: String,
    src_root: PathBuf,
    dst_root: PathBuf,
    bodies: std::sync::Mutex<Vec<String>>,
}

async fn session(builder: LocalGlobusBuilder) -> Session {
    let local = builder.start().await.unwrap();
    let token = local.issue_tokens(local.native_client().id(), "testuser@example.org", TRANSFER, false).unwrap();
    let (s, d) = (local.collection("source").unwrap(), local.collection("destination").unwrap());
    Session {
        http: reqwest::Client::new(),
        token: token.raw().access_token.expose().to_string(),
        src: s.id().to_string(),
        dst: d.id().to_string(),
        src_root: s.root().to_path_buf(),
        dst_root: d.root().to_path_buf(),
        local,
        bodies: std::sync::Mutex::new(Vec::new()),
    }
}

impl Session {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let url = format!("{}/v0.10/{}", self.local.transfer_url(), path.trim_start_matches('/'));
        let mut request = self.http.request(method, url).bearer_auth(&self.token);
        if let Some(b) = body {
            request = request.json(&b);
        }
        let answer = request.send().await.expect("the server answers");
        let status = answer.status().as_u16();
        let text = answer.text().await.unwrap();
        self.bodies.lock().unwrap().push(text.clone());
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        self.call(reqwest::Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    async fn ls(&self, collection: &str, query: &str) -> (u16, Value) {
        self.get(&format!("operation/endpoint/{collection}/ls?{query}")).await
    }

    async fn submission_id(&self) -> String {
        self.get("submission_id").await.1["value"].as_str().unwrap().to_string()
    }

    /// Submit a transfer from source to destination; returns the task id.
    async fn transfer(&self, items: &[(&str, &str, bool)], extra: Value) -> String {
        let mut doc = json!({
            "DATA_TYPE": "transfer",
            "submission_id": self.submission_id().await,
            "source_endpoint": self.src,
            "destination_endpoint": self.dst,
            "DATA": items.iter().map(|(s, d, r)| json!({
                "DATA_TYPE": "transfer_item", "source_path": s, "destination_path": d, "recursive": r,
            })).collect::<Vec<_>>(),
        });
        if let (Some(doc), Some(extra)) = (doc.as_object_mut(), extra.as_object()) {
            doc.extend(extra.clone());
        }
        let (status, result) = self.post("transfer", doc).await;
        assert_eq!(status, 202, "{result}");
        result["task_id"].as_str().unwrap().to_string()
    }

    async fn delete(&self, collection: &str, path: &str, recursive: bool) -> String {
        let doc = json!({
            "DATA_TYPE": "delete", "submission_id": self.submission_id().await, "endpoint": collection,
            "recursive": recursive, "DATA": [{"DATA_TYPE": "delete_item", "path": path}],
        });
        let (status, result) = self.post("delete", doc).await;
        assert_eq!(status, 202, "{result}");
        result["task_id"].as_str().unwrap().to_string()
    }

    async fn task(&self, id: &str) -> Value {
        self.get(&format!("task/{id}")).await.1
    }

    /// Poll until the task is no longer ACTIVE (at most `limit`).
    async fn wait(&self, id: &str, limit: Duration) -> Value {
        let start = Instant::now();
        loop {
            let t = self.task(id).await;
            if t["status"] != "ACTIVE" {
                return t;
            }
            assert!(start.elapsed() < limit, "task {id} still active after {limit:?}: {t}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn events(&self, id: &str) -> Vec<Value> {
        self.get(&format!("task/{id}/event_list?limit=1000")).await.1["DATA"].as_array().unwrap().clone()
    }

    /// Every response body so far.
    fn bodies(&self) -> Vec<String> {
        self.bodies.lock().unwrap().clone()
    }
}

fn write(root: &Path, rel: &str, content: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, content).unwrap();
}

/// A directory outside every collection, removed on drop.
struct Outside(PathBuf);

impl Outside {
    fn new() -> Outside {
        let dir = std::env::temp_dir().join(format!("outside-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("victim"), "precious").unwrap();
        Outside(std::fs::canonicalize(dir).unwrap())
    }

    /// What the directory holds, sorted.
    fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

impl Drop for Outside {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo {}", path.display());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transfer_never_writes_through_a_link_below_the_top_level() {
    let s = session(LocalGlobus::builder()).await;
    let outside = Outside::new();
    write(&s.src_root, "tree/top.txt", "top");
    write(&s.src_root, "tree/nest/sub/deep.txt", "deep");
    write(&s.src_root, "tree/nest/sub/victim", "overwritten");
    // The destination tree already holds a link, two levels down, to a directory outside.
    std::fs::create_dir_all(s.dst_root.join("dst/nest")).unwrap();
    std::os::unix::fs::symlink(&outside.0, s.dst_root.join("dst/nest/sub")).unwrap();

    let id = s.transfer(&[("/~/tree", "/~/dst", true)], json!({})).await;
    let task = s.wait(&id, Duration::from_secs(20)).await;
    assert_eq!(outside.names(), ["victim"], "nothing was written outside the collection");
    assert_eq!(std::fs::read_to_string(outside.0.join("victim")).unwrap(), "precious");
    assert_eq!(task["status"], "FAILED", "{task}");
    assert_eq!(task["fatal_error"]["code"], "PERMISSION_DENIED", "{task}");

    // The same link, reached by every other operation, at depth.
    let (status, body) = s.ls(&s.dst, "path=/~/dst/nest/sub/").await;
    assert_eq!((status, body["code"].as_str()), (403, Some("EndpointPermissionDenied")), "{body}");
    assert_eq!(s.get(&format!("operation/endpoint/{}/stat?path=/~/dst/nest/sub/victim", s.dst)).await.0, 403);
    let (status, _) =
        s.post(&format!("operation/endpoint/{}/mkdir", s.dst), json!({"path": "/~/dst/nest/sub/new"})).await;
    assert_eq!(status, 403);
    write(&s.dst_root, "movable", "m");
    let rename = json!({"old_path": "/~/movable", "new_path": "/~/dst/nest/sub/moved"});
    assert_eq!(s.post(&format!("operation/endpoint/{}/rename", s.dst), rename).await.0, 403);
    let rename = json!({"old_path": "/~/dst/nest/sub/victim", "new_path": "/~/stolen"});
    assert_eq!(s.post(&format!("operation/endpoint/{}/rename", s.dst), rename).await.0, 403);
    let id = s.delete(&s.dst, "/~/dst/nest/sub/victim", false).await;
    assert_eq!(s.wait(&id, Duration::from_secs(10)).await["status"], "FAILED");
    // Deleting the tree removes the link, not what it points to.
    let id = s.delete(&s.dst, "/~/dst", true).await;
    assert_eq!(s.wait(&id, Duration::from_secs(10)).await["status"], "SUCCEEDED");
    assert!(!s.dst_root.join("dst").exists());
    assert_eq!(outside.names(), ["victim"]);
    assert_eq!(std::fs::read_to_string(outside.0.join("victim")).unwrap(), "precious");

    // A link out of the source is not followed either, whatever `recursive_symlinks` says.
    std::os::unix::fs::symlink(&outside.0, s.src_root.join("tree/nest/out")).unwrap();
    let id = s.transfer(&[("/~/tree", "/~/copy", true)], json!({"recursive_symlinks": "copy"})).await;
    assert_eq!(s.wait(&id, Duration::from_secs(20)).await["status"], "SUCCEEDED");
    assert_eq!(std::fs::read_to_string(s.dst_root.join("copy/nest/sub/deep.txt")).unwrap(), "deep");
    assert!(!s.dst_root.join("copy/nest/out").exists());
    let id = s.transfer(&[("/~/tree/nest/out/victim", "/~/stolen", false)], json!({})).await;
    assert_eq!(s.wait(&id, Duration::from_secs(10)).await["fatal_error"]["code"], "PERMISSION_DENIED");
    assert!(!s.dst_root.join("stolen").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_out_are_listed_as_links_and_no_response_carries_a_host_path() {
    let s = session(LocalGlobus::builder()).await;
    let outside = Outside::new();
    std::fs::create_dir_all(s.src_root.join("sub")).unwrap();
    std::os::unix::fs::symlink(&outside.0, s.src_root.join("out")).unwrap();
    std::os::unix::fs::symlink(outside.0.join("victim"), s.src_root.join("sub/out-file")).unwrap();
    std::os::unix::fs::symlink("../../../etc", s.src_root.join("sub/climb")).unwrap();
    std::os::unix::fs::symlink("sub", s.src_root.join("in")).unwrap();
    std::os::unix::fs::symlink("sub/missing", s.src_root.join("broken")).unwrap();

    let (status, listing) = s.ls(&s.src, "path=/~/").await;
    assert_eq!(status, 200, "{listing}");
    let entry = |name: &str| listing["DATA"].as_array().unwrap().iter().find(|e| e["name"] == name).unwrap().clone();
    let out = entry("out");
    assert_eq!(out["type"], "link", "{out}");
    assert!(out["link_target"].is_null(), "{out}");
    assert!(out["link_size"].is_i64() && out["link_last_modified"].is_string(), "the link's own facts: {out}");
    let inner = entry("in");
    assert_eq!((inner["type"].as_str(), inner["link_target"].as_str()), (Some("dir"), Some("/sub")), "{inner}");
    assert_eq!(entry("broken")["type"], "invalid_symlink");
    let (_, sub) = s.ls(&s.src, "path=/~/sub/").await;
    assert!(sub["DATA"].as_array().unwrap().iter().all(|e| e["type"] == "link" && e["link_target"].is_null()), "{sub}");
    let (status, stat) = s.get(&format!("operation/endpoint/{}/stat?path=/~/out", s.src)).await;
    assert_eq!((status, stat["type"].as_str()), (200, Some("link")), "{stat}");

    // Everything else that could hold a path: collections, searches, tasks, their events
    // and errors, file-operation errors.
    s.get(&format!("endpoint/{}", s.src)).await;
    let root_name = s.src_root.parent().unwrap().file_name().unwrap().to_string_lossy().into_owned();
    let (_, found) = s.get(&format!("endpoint_search?filter_fulltext={root_name}")).await;
    assert_eq!(found["DATA"].as_array().map(Vec::len), Some(0), "the directory is not searchable: {found}");
    s.get("endpoint_search?filter_scope=my-endpoints").await;
    s.ls(&s.src, "path=/~/out/").await;
    s.ls(&s.src, "path=/~/missing/").await;
    s.get(&format!("operation/endpoint/{}/stat?path=/~/sub/climb/passwd", s.src)).await;
    s.post(&format!("operation/endpoint/{}/mkdir", s.src), json!({"path": "/~/out/x"})).await;
    let failing = s.transfer(&[("/~/out/victim", "/~/v", false)], json!({})).await;
    s.wait(&failing, Duration::from_secs(10)).await;
    s.events(&failing).await;
    s.get("task_list").await;

    let hosts = [s.src_root.display().to_string(), s.dst_root.display().to_string(), outside.0.display().to_string()];
    let tmp = std::env::temp_dir().display().to_string();
    for body in s.bodies() {
        for host in hosts.iter().chain([&tmp]) {
            assert!(!body.contains(host.as_str()), "a response carries the host path {host}: {body}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_file_metadata_breaks_a_listing() {
    // tmpfs keeps any 64-bit time; ext4 would clamp it.
    let shm = Path::new("/dev/shm");
    let base = if shm.is_dir() { shm.to_path_buf() } else { std::env::temp_dir() };
    let dir = base.join(format!("local-metadata-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let epoch = std::time::SystemTime::UNIX_EPOCH;
    let times = [
        ("far-future", epoch + Duration::from_secs(1_000_000_000_000_000)),
        ("far-past", epoch - Duration::from_secs(1_000_000_000_000_000)),
        ("ancient", epoch - Duration::from_secs(1 << 63)),
        ("subsecond-past", epoch - Duration::from_millis(1500)),
    ];
    let mut beyond = Vec::new();
    for (name, t) in times {
        let f = std::fs::File::create(dir.join(name)).unwrap();
        // A file system may refuse or clamp a time: only the times it kept are checked.
        if f.set_modified(t).is_ok() && std::fs::metadata(dir.join(name)).unwrap().modified().unwrap() == t {
            beyond.push(name);
        }
    }
    assert!(beyond.contains(&"subsecond-past"), "{beyond:?}");
    use std::os::unix::ffi::OsStrExt as _;
    std::fs::write(dir.join(std::ffi::OsStr::from_bytes(b"caf\xe9-latin1")), "x").unwrap();
    let locked = dir.join("locked");
    std::fs::write(&locked, "x").unwrap();
    std::fs::set_permissions(&locked, std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();
    mkfifo(&dir.join("fifo"));

    let s = session(
        LocalGlobus::builder().collection("odd", &dir).temp_collection("source").temp_collection("destination"),
    )
    .await;
    let odd = s.local.collection("odd").unwrap().id().to_string();
    let (status, listing) = s.ls(&odd, "path=/~/").await;
    assert_eq!(status, 200, "{listing}");
    let data = listing["DATA"].as_array().unwrap();
    assert_eq!(data.len(), 7, "{listing}");
    let entry = |name: &str| data.iter().find(|e| e["name"] == name).unwrap_or_else(|| panic!("{name}: {listing}"));
    for name in beyond.iter().filter(|n| **n != "subsecond-past") {
        assert!(entry(name)["last_modified"].is_null(), "{name} is beyond the calendar: no time rather than a crash");
    }
    assert!(shm.is_dir() == beyond.contains(&"far-future"), "tmpfs keeps any time: {beyond:?}");
    assert_eq!(entry("subsecond-past")["last_modified"], "1969-12-31 23:59:58+00:00");
    assert_eq!(entry("fifo")["type"], "pipe");
    assert_eq!(entry("locked")["permissions"], "0000");
    assert!(data.iter().any(|e| e["name"].as_str().unwrap().starts_with("caf")), "{listing}");
    for name in ["far-future", "ancient", "fifo"] {
        let (status, stat) = s.get(&format!("operation/endpoint/{odd}/stat?path=/~/{name}")).await;
        assert_eq!(status, 200, "{name}: {stat}");
    }
    let (status, _) = s.ls(&odd, "path=/~/&orderby=last_modified DESC&filter=last_modified:2000-01-01,").await;
    assert_eq!(status, 200);
    drop(s);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn special_files_are_skipped_or_fault_and_never_block() {
    let s = session(LocalGlobus::builder().retry_interval(Duration::from_millis(20))).await;
    write(&s.src_root, "d/a.txt", "a");
    mkfifo(&s.src_root.join("d/pipe"));
    // In a recursive transfer, special files are skipped (as Globus does).
    let id = s.transfer(&[("/~/d", "/~/d", true)], json!({})).await;
    let task = s.wait(&id, Duration::from_secs(10)).await;
    assert_eq!((task["status"].as_str(), task["files"].as_i64()), (Some("SUCCEEDED"), Some(1)), "{task}");
    assert_eq!(std::fs::read_to_string(s.dst_root.join("d/a.txt")).unwrap(), "a");
    assert!(!s.dst_root.join("d/pipe").exists());

    // A special file named as an item, or standing where a file is to be written, is a
    // fault that retrying cannot mend: the task fails at once, without opening it.
    let id = s.transfer(&[("/~/d/pipe", "/~/p", false)], json!({})).await;
    let task = s.wait(&id, Duration::from_secs(10)).await;
    assert_eq!(
        (task["status"].as_str(), task["fatal_error"]["code"].as_str()),
        (Some("FAILED"), Some("ENDPOINT_ERROR"))
    );
    assert!(task["fatal_error"]["description"].as_str().unwrap().contains("FIFO"), "{task}");
    std::fs::create_dir_all(s.dst_root.join("e")).unwrap();
    mkfifo(&s.dst_root.join("e/a.txt"));
    let id = s.transfer(&[("/~/d", "/~/e", true)], json!({})).await;
    let task = s.wait(&id, Duration::from_secs(10)).await;
    assert_eq!(task["status"], "FAILED", "{task}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_server_while_tasks_run_returns_promptly() {
    let s = session(LocalGlobus::builder().throttle(10_000).retry_interval(Duration::from_millis(50))).await;
    write(&s.src_root, "slow.bin", &"x".repeat(1_000_000));
    mkfifo(&s.src_root.join("pipe"));
    let slow = s.transfer(&[("/~/slow.bin", "/~/slow.bin", false)], json!({})).await;
    let retrying = s.transfer(&[("/~/not-yet.txt", "/~/n.txt", false)], json!({})).await;
    let pipe = s.transfer(&[("/~/pipe", "/~/pipe", false)], json!({})).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(s.task(&slow).await["status"], "ACTIVE", "copying");
    // The other two have faulted (retrying, failed), or block in the FIFO's open() without
    // the fix: whichever, dropping must not wait for them.
    let _ = (retrying, pipe);

    let (done, finished) = std::sync::mpsc::channel();
    let started = Instant::now();
    std::thread::spawn(move || {
        drop(s);
        let _ = done.send(());
    });
    let dropped = finished.recv_timeout(Duration::from_secs(10));
    assert!(dropped.is_ok(), "dropping the server did not return within 10 s");
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_source_is_a_fault_retried_until_it_appears_or_the_deadline() {
    let s = session(LocalGlobus::builder().retry_interval(Duration::from_millis(30))).await;
    let id = s.transfer(&[("/~/late.txt", "/~/late.txt", false)], json!({})).await;
    let start = Instant::now();
    let task = loop {
        let t = s.task(&id).await;
        if t["faults"].as_i64().unwrap_or(0) >= 2 || t["status"] != "ACTIVE" {
            break t;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "{t}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(task["status"], "ACTIVE", "still trying: {task}");
    assert_eq!((task["nice_status"].as_str(), task["is_ok"].as_bool()), (Some("FILE_NOT_FOUND"), Some(false)));
    let deadline = chrono::DateTime::parse_from_rfc3339(task["deadline"].as_str().unwrap()).unwrap();
    let requested = chrono::DateTime::parse_from_rfc3339(task["request_time"].as_str().unwrap()).unwrap();
    assert_eq!(deadline - requested, chrono::Duration::hours(24), "the default deadline: {task}");
    let faults: Vec<Value> = s.events(&id).await.into_iter().filter(|e| e["is_error"] == true).collect();
    assert!(faults.len() >= 2, "{faults:?}");
    assert_eq!(faults[0]["code"], "FILE_NOT_FOUND");
    assert!(faults[0]["details"].as_str().unwrap().starts_with("/~/late.txt: "), "{faults:?}");

    // The file appears: the next try copies it.
    write(&s.src_root, "late.txt", "at last");
    let task = s.wait(&id, Duration::from_secs(10)).await;
    assert_eq!(task["status"], "SUCCEEDED", "{task}");
    assert!(task["faults"].as_i64().unwrap() >= 2);
    assert_eq!(std::fs::read_to_string(s.dst_root.join("late.txt")).unwrap(), "at last");

    // A deadline that passes fails the task, with Transfer's shape.
    let soon = (chrono::Utc::now() + chrono::Duration::milliseconds(300)).to_rfc3339();
    let id = s.transfer(&[("/~/never.txt", "/~/never.txt", false)], json!({"deadline": soon})).await;
    let task = s.wait(&id, Duration::from_secs(10)).await;
    assert_eq!((task["status"].as_str(), task["fatal_error"]["code"].as_str()), (Some("FAILED"), Some("EXPIRED")));
    assert!(task["nice_status"].is_null() && task["completion_time"].is_string(), "{task}");
    assert_eq!((task["subtasks_expired"].as_i64(), task["subtasks_pending"].as_i64()), (Some(0), Some(0)));
    assert!(task["faults"].as_i64().unwrap() >= 2, "{task}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submissions_answer_as_the_registered_responses() {
    let s = session(LocalGlobus::builder()).await;
    write(&s.src_root, "f.txt", "f");
    let submission_id = s.submission_id().await;
    let doc = json!({
        "DATA_TYPE": "transfer", "submission_id": submission_id, "source_endpoint": s.src,
        "destination_endpoint": s.dst,
        "DATA": [{"DATA_TYPE": "transfer_item", "source_path": "/~/f.txt", "destination_path": "/~/f.txt"}],
    });
    let (status, result) = s.post("transfer", doc.clone()).await;
    assert_eq!(status, 202, "a new task: {result}");
    let task_id = result["task_id"].as_str().unwrap();
    assert_eq!((result["code"].as_str(), result["resource"].as_str()), (Some("Accepted"), Some("/v0.10/transfer")));
    assert_eq!(
        result["task_link"],
        json!({"DATA_TYPE": "link", "href": format!("/v0.10/task/{task_id}?format=json"), "rel": "related",
               "resource": "task", "title": "related task"})
    );
    let (status, again) = s.post("transfer", doc).await;
    assert_eq!((status, again["code"].as_str()), (200, Some("Duplicate")), "{again}");
    let (status, failure) = s
        .post(
            "transfer",
            json!({"DATA_TYPE": "transfer", "submission_id": s.submission_id().await,
        "source_endpoint": s.src, "destination_endpoint": s.dst, "DATA": []}),
        )
        .await;
    assert_eq!((status, failure["resource"].as_str()), (400, Some("/v0.10/transfer")));

    let delete = json!({"DATA_TYPE": "delete", "submission_id": s.submission_id().await, "endpoint": s.dst,
        "DATA": [{"DATA_TYPE": "delete_item", "path": "/~/f.txt"}]});
    let (status, result) = s.post("delete", delete).await;
    assert_eq!((status, result["resource"].as_str()), (202, Some("/v0.10/delete")), "{result}");
    let href = result["task_link"]["href"].as_str().unwrap();
    assert_eq!(href, format!("/v0.10/task/{}?format=json", result["task_id"].as_str().unwrap()));
    let (status, mkdir) = s.post(&format!("operation/endpoint/{}/mkdir", s.dst), json!({"path": "/~/m"})).await;
    assert_eq!(
        (status, mkdir["resource"].as_str()),
        (200, Some(format!("/v0.10/operation/endpoint/{}/mkdir", s.dst).as_str()))
    );

    // The SDK's safe submissions take the 202.
    let client = globus_sdk::transfer::Client::builder()
        .config(s.local.config())
        .authorizer(globus_sdk::authorizers::AccessTokenAuthorizer::new(s.token.clone()))
        .build()
        .unwrap();
    let mut data = globus_sdk::transfer::TransferData::new(&s.src, &s.dst);
    data.add_item("/~/f.txt", "/~/g.txt", false);
    assert_eq!(client.submit_transfer(&data).await.unwrap().code.as_deref(), Some("Accepted"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ls_takes_every_filter_and_search_finds_exact_names() {
    let s = session(
        LocalGlobus::builder().temp_collection("source").temp_collection("destination").temp_collection("pvl-odd.name"),
    )
    .await;
    write(&s.src_root, "a.txt", "a");
    write(&s.src_root, "b.csv", "b");
    std::fs::create_dir_all(s.src_root.join("dir")).unwrap();
    let (status, listing) = s.ls(&s.src, "path=/~/&filter=name:~*.txt&filter=type:dir").await;
    assert_eq!(status, 200, "{listing}");
    let names: Vec<&str> = listing["DATA"].as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["a.txt", "dir"], "entries matching any of the filters");
    let (_, one) = s.ls(&s.src, "path=/~/&filter=name:~*.txt/type:dir").await;
    assert_eq!(one["DATA"].as_array().unwrap().len(), 0, "clauses of one filter all apply");
    assert_eq!(s.ls(&s.src, "path=/~/&filter=type:file&filter=colour:red").await.0, 400);

    let odd = s.local.collection("pvl-odd.name").unwrap().id().to_string();
    for query in ["pvl-odd.name", "pvl odd", "PVL-Odd", "odd.na", &odd] {
        let (_, found) = s.get(&format!("endpoint_search?filter_fulltext={query}")).await;
        let ids: Vec<&str> = found["DATA"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap()).collect();
        assert_eq!(ids, [odd.as_str()], "{query}: {found}");
    }
    let (_, none) = s.get("endpoint_search?filter_fulltext=pvl-even.name").await;
    assert_eq!(none["DATA"].as_array().unwrap().len(), 0);
}

// ------------------------------------------------------------------ Auth

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

fn authorize_url(local: &LocalGlobus, client_id: &str, redirect_uri: &str) -> String {
    let mut url = url::Url::parse(&format!("{}/v2/oauth2/authorize", local.auth_url())).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("scope", "openid")
        .append_pair("response_type", "code")
        .append_pair("code_challenge", &"c".repeat(43))
        .append_pair("code_challenge_method", "S256")
        .append_pair("state", "st");
    url.to_string()
}

#[tokio::test]
async fn codes_go_only_to_registered_redirect_uris() {
    let local =
        LocalGlobus::builder().confidential_redirect_uri("https://app.example.org/callback").start().await.unwrap();
    let http = no_redirects();
    let native = local.native_client().id().to_string();
    let confidential = local.confidential_client().id().to_string();
    assert_eq!(local.confidential_client().redirect_uris(), ["https://app.example.org/callback"]);

    for (client, uri) in [
        (&native, "https://attacker.example.org/steal"),
        (&native, "http://attacker.example.org:8080/"),
        (&native, "https://127.0.0.1/cb"),
        (&native, "http://user@localhost:1/cb"),
        (&confidential, "https://attacker.example.org/steal"),
        (&confidential, "https://app.example.org/other"),
        (&confidential, "http://app.example.org/callback"),
        (&confidential, "http://127.0.0.1:8000/callback"),
        (&"unknown-client".to_string(), "http://127.0.0.1:8000/callback"),
    ] {
        let answer = http.get(authorize_url(&local, client, uri)).send().await.unwrap();
        assert_eq!(answer.status(), 400, "{client} -> {uri}");
        assert!(answer.headers().get("location").is_none(), "{client} -> {uri}");
        assert!(answer.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
        let page = answer.text().await.unwrap();
        assert!(page.contains("Authorization error") && !page.contains("code="), "{page}");
    }
    for (client, uri) in [
        (&native, "http://127.0.0.1:53682/callback"),
        (&native, "http://localhost:8000/"),
        (&native, "http://[::1]:9/cb"),
        (&native, format!("{}/v2/web/auth-code", local.auth_url()).as_str()),
        (&confidential, "https://app.example.org/callback?from=test"),
    ] {
        let answer = http.get(authorize_url(&local, client, uri)).send().await.unwrap();
        assert_eq!(answer.status(), 302, "{client} -> {uri}");
        let location = url::Url::parse(answer.headers()["location"].to_str().unwrap()).unwrap();
        assert!(location.query_pairs().any(|(k, _)| k == "code"), "{location}");
    }
    // Approvals without a browser follow the same rule.
    let e =
        local.approve(&globus_sdk::testing::Approval::new(&confidential, "openid", "https://elsewhere.example.org/"));
    assert!(e.unwrap_err().to_string().contains("not registered"));
}

#[tokio::test]
async fn only_known_scopes_are_granted() {
    let local = LocalGlobus::start().await.unwrap();
    let http = reqwest::Client::new();
    let c = local.confidential_client();
    let grant = |scope: String| {
        http.post(format!("{}/v2/oauth2/token", local.auth_url()))
            .basic_auth(c.id(), Some(c.secret().unwrap().expose()))
            .form(&[("grant_type", "client_credentials"), ("scope", scope.as_str())])
            .send()
    };
    let source_id = local.collection("source").unwrap().id().to_string();
    let source = source_id.as_str();
    let data_access = |id: &str| format!("https://auth.globus.org/scopes/{id}/data_access");
    let stranger = uuid::Uuid::new_v4().to_string();
    for scope in [
        "urn:globus:auth:scope:nothing.example.org:all".to_string(),
        "urn:globus:auth:scope:transfer.api.globus.org:everything".to_string(),
        data_access(&stranger),
        format!("{TRANSFER}[*{}]", data_access(&stranger)),
        format!("openid {TRANSFER}[{} openid] email", data_access(&stranger)),
    ] {
        let answer = grant(scope.clone()).await.unwrap();
        assert_eq!(answer.status(), 400, "{scope}");
        let body: Value = answer.json().await.unwrap();
        assert_eq!(body["error"], "invalid_scope", "{scope}: {body}");
        assert_eq!(
            (body["errors"][0]["code"].as_str(), body["errors"][0]["status"].as_str()),
            (Some("INVALID_SCOPE"), Some("400"))
        );
    }
    for scope in [
        TRANSFER.to_string(),
        data_access(source),
        format!("{TRANSFER}[*{}]", data_access(source)),
        format!(
            "openid profile email urn:globus:auth:scope:auth.globus.org:view_identities {TRANSFER}[{} *{}]",
            data_access(source),
            data_access(local.collection("destination").unwrap().id())
        ),
    ] {
        let answer = grant(scope.clone()).await.unwrap();
        assert_eq!(answer.status(), 200, "{scope}: {}", answer.text().await.unwrap());
    }
    let body: Value = grant(data_access(source)).await.unwrap().json().await.unwrap();
    assert_eq!(body["resource_server"], source, "a collection's scope is for the collection");
    assert!(local.issue_tokens(c.id(), c.id(), "urn:globus:auth:scope:nothing.example.org:all", false).is_err());
}

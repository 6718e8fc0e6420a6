//! The stores' files: private modes, atomic writes that a killed writer cannot tear, and
//! concurrent writers (threads with their own handles, and processes) that lose nothing.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use globus_sdk::Environment;
use globus_sdk::token_storage::*;

use super::{child, is_child, token, tree};

/// The stores under test, opened on `path` (the SQLite one when the feature is on).
fn open(kind: &str, path: &Path) -> Arc<dyn TokenStorage> {
    match kind {
        "json" => Arc::new(JsonTokenStorage::new(path)),
        #[cfg(feature = "sqlite")]
        "sqlite" => Arc::new(SqliteTokenStorage::open(path).unwrap()),
        other => panic!("no store {other}"),
    }
}

fn kinds() -> Vec<&'static str> {
    if cfg!(feature = "sqlite") { vec!["json", "sqlite"] } else { vec!["json"] }
}

fn file_for(kind: &str, location: &AppLocation) -> PathBuf {
    if kind == "json" { location.json_file().unwrap() } else { location.sqlite_file().unwrap() }
}

#[cfg(unix)]
#[test]
fn files_are_0600_and_new_directories_0700() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    for kind in kinds() {
        let home = tempfile::tempdir().unwrap();
        std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let location = AppLocation::new("cid", "Modes").environment(Environment::Production).home(home.path());
        let path = file_for(kind, &location);
        let store = open(kind, &path);
        store.store(DEFAULT_NAMESPACE, &[token("rs", "A", None)]).unwrap();
        assert_eq!(mode(home.path()), 0o755, "an existing directory is left alone");
        for dir in [".globus", ".globus/app", ".globus/app/cid", ".globus/app/cid/modes"] {
            assert_eq!(mode(&home.path().join(dir)), 0o700, "{kind}: {dir}");
        }
        assert_eq!(mode(&path), 0o600, "{kind}");
        for entry in tree(home.path()) {
            let p = home.path().join(&entry);
            let expected = if p.is_dir() { 0o700 } else { 0o600 };
            assert_eq!(mode(&p), expected, "{kind}: {}", entry.display());
        }
    }
    // A token file someone left readable is replaced by a private one on the next write.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.json");
    std::fs::write(&path, r#"{"data": {}, "format_version": "2.0", "globus-sdk.version": "3.62.0"}"#).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    JsonTokenStorage::new(&path).store("DEFAULT", &[token("rs", "A", None)]).unwrap();
    assert_eq!(mode(&path), 0o600);
}

/// Records of one generation: `count` resource servers whose tokens all name `generation`,
/// with a long scope so that each write takes a while.
fn generation(generation: u64, count: usize) -> Vec<TokenStorageData> {
    let long_scope = "urn:globus:auth:scope:example.org:all ".repeat(100);
    (0..count)
        .map(|i| {
            let mut t = token(&format!("rs-{i}"), &format!("g{generation}-{i}"), Some("id"));
            t.scope = long_scope.clone();
            t
        })
        .collect()
}

/// The generation every record of the store names (panics when they differ: a torn write).
fn generation_of(store: &dyn TokenStorage, count: usize) -> Option<u64> {
    let records = store.get_all(DEFAULT_NAMESPACE).unwrap();
    if records.is_empty() {
        return None;
    }
    assert_eq!(records.len(), count, "every record of a write is there");
    let generations: std::collections::BTreeSet<u64> = records
        .values()
        .map(|t| t.access_token.expose().trim_start_matches('g').split('-').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(generations.len(), 1, "one write's records, not a mix: {generations:?}");
    generations.into_iter().next()
}

const RECORDS: usize = 300;

#[test]
#[ignore = "a child process of a_killed_writer_leaves_the_previous_file_whole"]
fn endless_writer() {
    if !is_child("token_storage::files::endless_writer") {
        return;
    }
    let kind = std::env::var("STORE_KIND").unwrap();
    let store = open(&kind, Path::new(&std::env::var("STORE_PATH").unwrap()));
    // Generations go on from the file's, so that they only grow from writer to writer.
    let first = generation_of(&*store, RECORDS).unwrap_or(0) + 1;
    for g in first.. {
        store.store(DEFAULT_NAMESPACE, &generation(g, RECORDS)).unwrap();
    }
}

/// Whether a write is under way in `dir`: our temporary file, or SQLite's journal, is there.
fn writing(dir: &Path) -> bool {
    tree(dir).iter().any(|p| {
        let name = p.display().to_string();
        name.ends_with(".tmp") || name.ends_with("-journal")
    })
}

/// A writer killed (SIGKILL) inside its writes leaves the file of its last complete write:
/// every record from one generation, never a mix, never a parse error. Half the kills land
/// the moment a write's temporary file (JSON) or journal (SQLite) appears, the others after a
/// delay that varies. The next write succeeds and removes what the killed writers left.
#[test]
fn a_killed_writer_leaves_the_previous_file_whole() {
    for kind in kinds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(if kind == "json" { "tokens.json" } else { "tokens.db" });
        open(kind, &path).store(DEFAULT_NAMESPACE, &generation(0, RECORDS)).unwrap();
        let mut last = 0;
        let mut mid_write = 0;
        let rounds = 12u64;
        for round in 0..rounds {
            let mut writer = child("token_storage::files::endless_writer")
                .env("STORE_KIND", kind)
                .env("STORE_PATH", &path)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            let started = Instant::now();
            let waited = |what: &str| {
                assert!(started.elapsed() < Duration::from_secs(60), "{kind}: {what} within 60 s");
            };
            if round % 2 == 0 {
                // Kill it the moment a write is under way.
                while !writing(dir.path()) {
                    waited("a write started");
                }
            } else {
                // Let it complete a write, then kill it after a delay that varies by round.
                while generation_of(&*open(kind, &path), RECORDS).unwrap() <= last {
                    waited("a write completed");
                    std::thread::sleep(Duration::from_millis(2));
                }
                std::thread::sleep(Duration::from_micros(1_000 + round * 1_700));
            }
            writer.kill().unwrap();
            writer.wait().unwrap();
            if writing(dir.path()) {
                mid_write += 1;
            }
            let now = generation_of(&*open(kind, &path), RECORDS).unwrap();
            assert!(now >= last, "{kind}: generation {now} after {last}");
            last = now;
        }
        assert!(last > 0, "{kind}: the writers completed writes");
        assert!(mid_write > 0, "{kind}: no kill landed inside a write; the test proves nothing");
        let store = open(kind, &path);
        store.store(DEFAULT_NAMESPACE, &generation(last + 1, RECORDS)).unwrap();
        assert_eq!(generation_of(&*store, RECORDS), Some(last + 1));
        let names: Vec<_> = tree(dir.path()).into_iter().map(|p| p.display().to_string()).collect();
        let expected: &[&str] = if kind == "json" { &["tokens.json", "tokens.json.lock"] } else { &["tokens.db"] };
        assert_eq!(names, expected, "{kind}: what killed writers left is gone");
        eprintln!("{kind}: {rounds} writers killed, {mid_write} inside a write, last generation {last}");
    }
}

const PER_WRITER: usize = 40;

#[test]
#[ignore = "a child process of concurrent_writers_lose_nothing"]
fn counting_writer() {
    if !is_child("token_storage::files::counting_writer") {
        return;
    }
    let kind = std::env::var("STORE_KIND").unwrap();
    let name = std::env::var("WRITER_NAME").unwrap();
    let store = open(&kind, Path::new(&std::env::var("STORE_PATH").unwrap()));
    write_one_by_one(&*store, &name);
}

fn write_one_by_one(store: &dyn TokenStorage, name: &str) {
    for i in 0..PER_WRITER {
        store.store(DEFAULT_NAMESPACE, &[token(&format!("{name}-{i}"), &format!("{name}-{i}"), None)]).unwrap();
    }
}

/// Writers that each add their own resource servers, one store call at a time, to the same
/// file: from two processes, and from four threads with a handle each. A read-modify-write
/// without the lock would lose records (two writers read the same file, the later rename
/// wins); every record must be there.
#[test]
fn concurrent_writers_lose_nothing() {
    for kind in kinds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(if kind == "json" { "tokens.json" } else { "tokens.db" });
        open(kind, &path); // the SQLite database exists before the writers start

        let processes: Vec<_> = ["p0", "p1"]
            .iter()
            .map(|name| {
                child("token_storage::files::counting_writer")
                    .env("STORE_KIND", kind)
                    .env("STORE_PATH", &path)
                    .env("WRITER_NAME", name)
                    .output_async()
            })
            .collect();
        let threads: Vec<_> = ["t0", "t1", "t2", "t3"]
            .iter()
            .map(|name| {
                let path = path.clone();
                std::thread::spawn(move || write_one_by_one(&*open(kind, &path), name))
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        for p in processes {
            let out = p.wait_with_output().unwrap();
            assert!(out.status.success(), "{kind}: {}", String::from_utf8_lossy(&out.stderr));
        }
        let records = open(kind, &path).get_all(DEFAULT_NAMESPACE).unwrap();
        assert_eq!(records.len(), 6 * PER_WRITER, "{kind}: every writer's records are there");
        for (rs, t) in &records {
            assert_eq!(t.access_token.expose(), rs);
        }
    }
}

/// `Command::spawn` with captured output, as a handle to wait on.
trait OutputAsync {
    fn output_async(&mut self) -> std::process::Child;
}

impl OutputAsync for std::process::Command {
    fn output_async(&mut self) -> std::process::Child {
        self.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap()
    }
}

/// A writer that holds the lock too long makes the others give up with `Locked`, whose
/// message says what to do; the file is untouched.
#[test]
fn a_lock_held_too_long_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.json");
    let store = JsonTokenStorage::new(&path);
    store.store(DEFAULT_NAMESPACE, &[token("rs", "A", None)]).unwrap();
    let lock = std::fs::File::options().write(true).open(dir.path().join("tokens.json.lock")).unwrap();
    fs4::FileExt::lock(&lock).unwrap();
    let impatient = store.clone().lock_wait(Duration::from_millis(50));
    let e = impatient.store(DEFAULT_NAMESPACE, &[token("rs", "B", None)]).unwrap_err();
    assert!(matches!(e, StorageError::Locked { .. }), "{e}");
    assert!(e.to_string().contains("try again"), "{e}");
    drop(lock);
    assert_eq!(store.get(DEFAULT_NAMESPACE, "rs").unwrap().unwrap().access_token.expose(), "A");
    impatient.store(DEFAULT_NAMESPACE, &[token("rs", "B", None)]).unwrap();
}

/// Every store keeps namespaces apart, replaces by resource server, removes, lists.
#[test]
fn stores_behave_alike() {
    let dir = tempfile::tempdir().unwrap();
    let mut stores: Vec<Arc<dyn TokenStorage>> = vec![Arc::new(MemoryTokenStorage::new())];
    for kind in kinds() {
        stores.push(open(kind, &dir.path().join(format!("tokens.{kind}"))));
    }
    for store in stores {
        assert!(store.namespaces().unwrap().is_empty());
        store.store("DEFAULT", &[token("a", "A1", Some("u")), token("b", "B1", Some("u"))]).unwrap();
        store.store("other", &[token("a", "A2", None)]).unwrap();
        store.store("DEFAULT", &[token("a", "A3", Some("u"))]).unwrap();
        let all = store.get_all("DEFAULT").unwrap();
        assert_eq!(all.keys().collect::<Vec<_>>(), ["a", "b"], "{store:?}");
        assert_eq!(all["a"].access_token.expose(), "A3");
        assert_eq!(all["a"], token("a", "A3", Some("u")), "{store:?}: the record comes back as stored");
        assert_eq!(store.get("other", "a").unwrap().unwrap().access_token.expose(), "A2");
        assert_eq!(store.get("other", "b").unwrap(), None);
        assert_eq!(store.namespaces().unwrap(), ["DEFAULT", "other"]);
        assert!(store.remove("other", "a").unwrap());
        assert!(!store.remove("other", "a").unwrap());
        assert_eq!(store.namespaces().unwrap(), ["DEFAULT"], "{store:?}");
        assert!(store.get_all("nothing").unwrap().is_empty());
        store.store("DEFAULT", &[]).unwrap();
        assert_eq!(store.get_all("DEFAULT").unwrap().len(), 2);
    }
}

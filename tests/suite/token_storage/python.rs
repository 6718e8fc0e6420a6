//! The Python SDK's own stores and ours share files: a token file a Python `UserApp` writes
//! (JSON or SQLite, in its default location) is read by ours, and Python reads what ours
//! writes, with 3.62 and the newest 4.x. The Python side is `scripts/python_token_storage.py`
//! (a JSON request on stdin, a JSON answer on stdout).
//!
//! The interpreters come from `GLOBUS_SDK_PYTHON` (comma-separated; `scripts/test.sh` gives
//! 3.62 and the newest). Without it the tests say so and pass, unless
//! `GLOBUS_SDK_REQUIRE_FIXTURES=1`: then they use the virtualenvs `scripts/fixtures.sh` makes
//! and fail if there are none, and check that both a 3.x and a 4.x ran.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use globus_sdk::Environment;
use globus_sdk::token_storage::*;
use serde_json::{Value, json};

use super::token;

fn require_fixtures() -> bool {
    std::env::var("GLOBUS_SDK_REQUIRE_FIXTURES").is_ok_and(|v| v == "1")
}

fn pythons() -> Vec<PathBuf> {
    if let Some(list) = std::env::var("GLOBUS_SDK_PYTHON").ok().filter(|p| !p.is_empty()) {
        return list.split(',').filter(|p| !p.is_empty()).map(PathBuf::from).collect();
    }
    if require_fixtures() {
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
        return ["3.62.0", "latest"]
            .iter()
            .map(|v| {
                let python = target.join(format!("fixtures/venv-{v}/bin/python"));
                assert!(python.exists(), "{} does not exist: run scripts/fixtures.sh", python.display());
                python
            })
            .collect();
    }
    eprintln!(
        "token_storage::python: GLOBUS_SDK_PYTHON is not set; nothing checked (set it to pythons with globus-sdk, \
         e.g. the virtualenvs scripts/fixtures.sh makes)"
    );
    Vec::new()
}

/// Run the script with `request`, with `home` as HOME and nothing else from the environment.
fn python(interpreter: &Path, home: &Path, request: Value) -> Value {
    use std::io::Write;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/python_token_storage.py");
    let mut child = std::process::Command::new(interpreter)
        .arg(&script)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("PYTHONIOENCODING", "utf-8")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", interpreter.display()));
    child.stdin.take().unwrap().write_all(request.to_string().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{} failed on {request}:\n{stdout}\n{stderr}", interpreter.display());
    serde_json::from_str(stdout.lines().last().unwrap_or_default()).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// Run `check` with every interpreter and its globus-sdk version; with the fixtures required,
/// both major versions must have run.
fn with_each_python(mut check: impl FnMut(&Path, &str)) {
    let mut majors = BTreeSet::new();
    for interpreter in pythons() {
        let home = tempfile::tempdir().unwrap();
        let answer = python(&interpreter, home.path(), json!({"op": "paths", "cases": []}));
        let version = answer["version"].as_str().unwrap_or_else(|| panic!("{answer}")).to_string();
        majors.insert(version.split('.').next().unwrap().to_string());
        eprintln!("token_storage::python: globus-sdk {version} ({})", interpreter.display());
        check(&interpreter, &version);
    }
    if require_fixtures() {
        assert!(majors.contains("3") && majors.contains("4"), "globus-sdk 3.x and 4.x must both run: {majors:?}");
    }
}

fn kinds() -> Vec<&'static str> {
    if cfg!(feature = "sqlite") { vec!["json", "sqlite"] } else { vec!["json"] }
}

const CLIENT_ID: &str = "5e4f5a7b-1c2d-4e3f-8a9b-0c1d2e3f4a5b";
const APP_NAME: &str = "Interop Test. v1";

fn location(home: &Path, environment: Environment) -> AppLocation {
    AppLocation::new(CLIENT_ID, APP_NAME).environment(environment).home(home)
}

fn open(kind: &str, location: &AppLocation) -> Arc<dyn TokenStorage> {
    match kind {
        "json" => Arc::new(JsonTokenStorage::for_app(location).unwrap()),
        #[cfg(feature = "sqlite")]
        "sqlite" => Arc::new(SqliteTokenStorage::for_app(location).unwrap()),
        other => panic!("no store {other}"),
    }
}

fn file(kind: &str, location: &AppLocation) -> PathBuf {
    if kind == "json" { location.json_file().unwrap() } else { location.sqlite_file().unwrap() }
}

/// What a user's login leaves: Auth (with `openid`, which a UserApp requires) and Transfer,
/// both with refresh tokens, for one identity.
fn login(identity: &str) -> Vec<TokenStorageData> {
    let mut auth = token("auth.globus.org", "AUTH-ACCESS", Some(identity));
    auth.scope = "openid profile email".into();
    let mut transfer = token("transfer.api.globus.org", "TRANSFER-ACCESS", Some(identity));
    transfer.scope = "urn:globus:auth:scope:transfer.api.globus.org:all".into();
    transfer.expires_at_seconds = 1_700_000_000;
    vec![auth, transfer]
}

/// A record with every optional field absent.
fn bare() -> TokenStorageData {
    TokenStorageData::new(
        "search.api.globus.org",
        "urn:globus:auth:scope:search.api.globus.org:search",
        "SEARCH-ACCESS",
        42,
    )
}

fn request(op: &str, kind: &str, environment: Environment) -> Value {
    json!({"op": op, "kind": kind, "client_id": CLIENT_ID, "app_name": APP_NAME, "environment": environment.name()})
}

fn records(tokens: &[TokenStorageData]) -> Value {
    Value::Array(tokens.iter().map(|t| Value::Object(t.to_json())).collect())
}

/// Python's answer for one namespace, as our records (Python's `extra` as ours).
fn from_python(answer: &Value, namespace: &str) -> Vec<TokenStorageData> {
    let found = answer["namespaces"][namespace].as_object().unwrap_or_else(|| panic!("{answer}"));
    found
        .iter()
        .map(|(rs, record)| {
            let mut record = record.clone();
            let extra = record.as_object_mut().unwrap().remove("_extra").unwrap();
            let mut data = TokenStorageData::from_json(&record).unwrap();
            data.extra = extra.as_object().unwrap().clone();
            assert_eq!(&data.resource_server, rs);
            data
        })
        .collect()
}

fn sorted(mut tokens: Vec<TokenStorageData>) -> Vec<TokenStorageData> {
    tokens.sort_by(|a, b| a.resource_server.cmp(&b.resource_server));
    tokens
}

fn ours(store: &dyn TokenStorage, namespace: &str) -> Vec<TokenStorageData> {
    store.get_all(namespace).unwrap().into_values().collect()
}

/// Python writes first (a UserApp's storage, in its default place), we read, change and add;
/// Python reads our changes and what we left alone.
#[test]
fn python_writes_rust_reads_and_back() {
    with_each_python(|interpreter, version| {
        for kind in kinds() {
            for environment in [Environment::Production, Environment::Sandbox] {
                let home = tempfile::tempdir().unwrap();
                let at = location(home.path(), environment);
                let mut wrote = request("write", kind, environment);
                wrote["namespaces"] = json!({"DEFAULT": records(&login("user-1")), "other": records(&[bare()])});
                let answer = python(interpreter, home.path(), wrote);
                assert_eq!(
                    Path::new(answer["path"].as_str().unwrap()),
                    file(kind, &at),
                    "{version} {kind}: same place"
                );

                #[cfg(feature = "sqlite")]
                if kind == "sqlite" {
                    same_schema(&file(kind, &at), version);
                }
                let store = open(kind, &at);
                assert_eq!(sorted(ours(&*store, DEFAULT_NAMESPACE)), login("user-1"), "{version} {kind}");
                assert_eq!(ours(&*store, "other"), [bare()], "{version} {kind}");
                assert_eq!(store.namespaces().unwrap(), ["DEFAULT", "other"]);

                // Our changes: a renewed Transfer token, a token removed, a namespace added.
                let mut renewed = login("user-1").remove(1);
                renewed.access_token = "RENEWED-ACCESS".into();
                renewed.expires_at_seconds = 1_999_999_999;
                renewed.extra.insert("x-written-by".into(), json!("rust"));
                store.store(DEFAULT_NAMESPACE, std::slice::from_ref(&renewed)).unwrap();
                assert!(store.remove("other", "search.api.globus.org").unwrap());
                store.store("third", &[bare()]).unwrap();
                drop(store);

                let mut read = request("read", kind, environment);
                read["namespaces"] = json!(["DEFAULT", "other", "third"]);
                let answer = python(interpreter, home.path(), read);
                let expected = vec![login("user-1").remove(0), renewed.clone()];
                assert_eq!(sorted(from_python(&answer, "DEFAULT")), expected, "{version} {kind}: {answer}");
                assert_eq!(from_python(&answer, "other"), [], "{version} {kind}");
                assert_eq!(from_python(&answer, "third"), [bare()], "{version} {kind}");
            }
        }
    });
}

/// The database Python created has the tables (as SQL) and internal attributes of one we
/// create; only the writer's version differs.
#[cfg(feature = "sqlite")]
fn same_schema(python_db: &Path, version: &str) {
    fn schema(path: &Path) -> (Vec<String>, Vec<(String, String)>) {
        let c = rusqlite::Connection::open(path).unwrap();
        let mut tables = c.prepare("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name").unwrap();
        let tables = tables.query_map([], |r| r.get::<_, String>(0)).unwrap();
        let tables = tables.map(|sql| sql.unwrap().split_whitespace().collect::<Vec<_>>().join(" ")).collect();
        let mut internal =
            c.prepare("SELECT attribute, value FROM sdk_storage_adapter_internal ORDER BY attribute").unwrap();
        let internal = internal.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect();
        (tables, internal)
    }
    let dir = tempfile::tempdir().unwrap();
    let ours = dir.path().join("ours.db");
    SqliteTokenStorage::open(&ours).unwrap();
    let (python_tables, python_internal) = schema(python_db);
    let (our_tables, our_internal) = schema(&ours);
    assert_eq!(python_tables, our_tables, "{version}");
    assert_eq!(python_tables.len(), 2, "{python_tables:?}");
    assert_eq!(python_internal[0], ("globus-sdk.database_schema_version".into(), "2".into()), "{version}");
    assert_eq!(python_internal[0], our_internal[0]);
    assert_eq!(python_internal[1], ("globus-sdk.version".into(), version.into()));
    assert_eq!(our_internal[1].0, "globus-sdk.version");
}

/// We write first, into a new file (and, for SQLite, a new database: Python finds our
/// schema); Python reads it through a UserApp, then stores a login of its own that we read.
#[test]
fn rust_writes_python_reads_and_back() {
    with_each_python(|interpreter, version| {
        for kind in kinds() {
            let environment = Environment::Preview;
            let home = tempfile::tempdir().unwrap();
            let at = location(home.path(), environment);
            let store = open(kind, &at);
            let mut odd = bare();
            odd.extra.insert("x-future-field".into(), json!({"kept": [1, 2]}));
            store.store(DEFAULT_NAMESPACE, &login("user-2")).unwrap();
            store.store("other", std::slice::from_ref(&odd)).unwrap();

            let mut read = request("read", kind, environment);
            read["namespaces"] = json!(["DEFAULT", "other"]);
            let answer = python(interpreter, home.path(), read);
            assert_eq!(Path::new(answer["path"].as_str().unwrap()), file(kind, &at), "{version} {kind}");
            assert_eq!(sorted(from_python(&answer, "DEFAULT")), login("user-2"), "{version} {kind}: {answer}");
            assert_eq!(from_python(&answer, "other"), [odd.clone()], "{version} {kind}: extra fields reach Python");

            let mut python_login = login("user-2");
            python_login[0].access_token = "PYTHON-ACCESS".into();
            let mut wrote = request("write", kind, environment);
            wrote["namespaces"] = json!({"DEFAULT": records(&python_login[..1])});
            python(interpreter, home.path(), wrote);
            let expected = vec![python_login[0].clone(), login("user-2").remove(1)];
            assert_eq!(sorted(ours(&*store, DEFAULT_NAMESPACE)), expected, "{version} {kind}");
            assert_eq!(ours(&*store, "other"), [odd], "{version} {kind}");
        }
    });
}

/// Files of the Python SDK's older adapters: a JSON file in format 1.0 (tokens under `by_rs`)
/// and a SQLite database of schema 1. We read them as the namespace DEFAULT, write to them,
/// and a Python UserApp reads the result (the JSON file now in format 2.0).
#[test]
fn legacy_files_are_read_and_upgraded() {
    with_each_python(|interpreter, version| {
        for kind in kinds() {
            let environment = Environment::Production;
            let home = tempfile::tempdir().unwrap();
            let at = location(home.path(), environment);
            let path = file(kind, &at);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            // What OAuthTokenResponse.by_resource_server holds: no identity_id.
            let mut by_rs = serde_json::Map::new();
            for mut t in login("unused") {
                t.identity_id = None;
                by_rs.insert(t.resource_server.clone(), Value::Object(t.to_json()));
            }
            let op = if kind == "json" { "write_v1" } else { "write_sqlite_v1" };
            python(
                interpreter,
                home.path(),
                json!({"op": op, "path": path, "by_rs": by_rs, "namespace": DEFAULT_NAMESPACE}),
            );
            if kind == "json" {
                let raw: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
                assert_eq!(raw["format_version"], "1.0", "{version}: {raw}");
            }

            let store = open(kind, &at);
            let expected: Vec<_> = login("unused")
                .into_iter()
                .map(|mut t| {
                    t.identity_id = None;
                    t
                })
                .collect();
            assert_eq!(sorted(ours(&*store, DEFAULT_NAMESPACE)), expected, "{version} {kind}");
            let added = token("search.api.globus.org", "SEARCH-ACCESS", None);
            store.store(DEFAULT_NAMESPACE, std::slice::from_ref(&added)).unwrap();
            if kind == "json" {
                let raw: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
                assert_eq!(raw["format_version"], "2.0", "{raw}");
            }

            let mut read = request("read", kind, environment);
            read["namespaces"] = json!(["DEFAULT"]);
            let answer = python(interpreter, home.path(), read);
            let mut all = expected.clone();
            all.push(added);
            assert_eq!(sorted(from_python(&answer, "DEFAULT")), sorted(all), "{version} {kind}: {answer}");
        }
    });
}

/// The default file for many app names and every environment is the one Python's
/// `for_globus_app` picks, and the names Python refuses are refused here too.
#[test]
fn default_locations_match_python() {
    let names = [
        "My App",
        "a. b",
        "x<>:\"/\\|?*y",
        "ÀB ĲC Ωmega",
        "tab\there\u{7f}",
        "zero\u{200b}width\u{a0}space",
        "private\u{e000}use",
        "con1",
        "COM",
        "CON",
        "lpt7",
        "",
        "...",
    ];
    with_each_python(|interpreter, version| {
        let home = tempfile::tempdir().unwrap();
        let mut cases = Vec::new();
        for (i, name) in names.iter().enumerate() {
            let environment = Environment::ALL[i % Environment::ALL.len()];
            cases.push((format!("client-{i}"), name.to_string(), environment));
        }
        let request = json!({"op": "paths", "cases": cases.iter().map(|(c, n, e)| json!({
            "client_id": c, "app_name": n, "environment": e.name()})).collect::<Vec<_>>()});
        let answer = python(interpreter, home.path(), request);
        for ((client, name, environment), paths) in cases.iter().zip(answer["paths"].as_array().unwrap()) {
            let at = AppLocation::new(client, name.as_str()).environment(*environment).home(home.path());
            match (paths["json"].as_str(), at.json_file()) {
                (Some(python), Ok(ours)) => {
                    assert_eq!(Path::new(python), ours, "{version}: {name:?} in {environment}");
                    let db = Path::new(paths["sqlite"].as_str().unwrap());
                    assert_eq!(db, at.sqlite_file().unwrap(), "{version}: {name:?}");
                }
                (None, Err(e)) => assert!(matches!(e, StorageError::Location { .. }), "{e}"),
                (python, ours) => panic!("{version}: {name:?}: Python {python:?} ({paths}), ours {ours:?}"),
            }
        }
    });
}

//! [`JsonTokenStorage`]: the Python SDK's `JSONTokenStorage` file format.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Map, Value};

use super::file;
use super::{AppLocation, StorageError, TokenStorage, TokenStorageData};

/// The format version written.
pub(crate) const FORMAT_VERSION: &str = "2.0";

/// What this SDK writes as `globus-sdk.version` (the Python SDK writes its own version; no
/// reader interprets it).
pub(crate) const WRITER_VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "+rust");

const SUPPORTED: &str = "1.0 and 2.0";

/// Token data in a JSON file, in the Python SDK's format: the Python SDK (3.x and 4.x) reads
/// what this store writes, and this store reads what Python writes.
///
/// ```json
/// {"data": {"DEFAULT": {"transfer.api.globus.org": {"resource_server": "transfer.api.globus.org",
///   "identity_id": "…", "scope": "…", "access_token": "…", "refresh_token": "…",
///   "expires_at_seconds": 1900000000, "token_type": "Bearer"}}},
///  "format_version": "2.0", "globus-sdk.version": "…"}
/// ```
///
/// Files in format `1.0` (the Python SDK's older `SimpleJSONFileAdapter`: tokens under
/// `by_rs`, no namespaces) are read as the namespace `DEFAULT` and rewritten as `2.0` on the
/// next write, as Python does. Keys this SDK does not know are kept.
///
/// Every write takes an advisory lock (`<file>.lock` beside it, so concurrent writers of this
/// SDK never lose each other's updates), reads the file, and replaces it atomically: a
/// temporary file in the same directory, flushed, renamed over the old one. The file is
/// created 0600 and missing directories 0700. Reads take no lock: they see a whole file,
/// the old one or the new one. (The Python SDK takes no lock and rewrites the file in place;
/// a read that finds it half-written tries again a few times before reporting it.)
///
/// ```no_run
/// use globus_sdk::token_storage::{AppLocation, JsonTokenStorage, TokenStorage, DEFAULT_NAMESPACE};
/// # fn demo() -> Result<(), globus_sdk::token_storage::StorageError> {
/// // The file a Python `UserApp("My App", client_id=...)` uses.
/// let storage = JsonTokenStorage::for_app(&AppLocation::new("CLIENT_ID", "My App"))?;
/// if let Some(tokens) = storage.get(DEFAULT_NAMESPACE, "transfer.api.globus.org")? {
///     println!("expires at {}", tokens.expires_at_seconds);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct JsonTokenStorage {
    path: PathBuf,
    lock_wait: Duration,
}

impl JsonTokenStorage {
    /// A store in the file `path` (created on the first write).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        JsonTokenStorage { path: path.into(), lock_wait: Duration::from_secs(10) }
    }

    /// The store in an app's default location ([`AppLocation::json_file`]).
    pub fn for_app(location: &AppLocation) -> Result<Self, StorageError> {
        Ok(Self::new(location.json_file()?))
    }

    /// How long a write waits for another writer's lock (default 10 s).
    pub fn lock_wait(mut self, wait: Duration) -> Self {
        self.lock_wait = wait;
        self
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's content in format 2.0 (None: there is no file).
    fn load(&self, path: &Path) -> Result<Option<Map<String, Value>>, StorageError> {
        // A file the Python SDK is rewriting in place may be caught empty or half-written.
        let mut attempt = 0;
        loop {
            let bytes = match std::fs::read(path) {
                Ok(bytes) => bytes,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(StorageError::io("read", path)(e)),
            };
            match serde_json::from_slice::<Value>(&bytes) {
                Ok(value) => return upgrade(path, value).map(Some),
                Err(_) if attempt < 3 => {
                    attempt += 1;
                    std::thread::sleep(Duration::from_millis(20 * attempt));
                }
                // serde_json's syntax errors give a position, never the content.
                Err(e) => return Err(StorageError::malformed(path, format!("it is not JSON ({e})"))),
            }
        }
    }

    /// Lock, read, change with `change`, and replace the file (when `change` says so).
    fn update<R>(
        &self,
        change: impl FnOnce(&mut Map<String, Value>) -> Result<(R, bool), StorageError>,
    ) -> Result<R, StorageError> {
        let target = file::write_target(&self.path);
        if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty() && !d.is_dir()) {
            file::create_private_dir_all(dir)?;
        }
        let _lock = file::lock(&target, self.lock_wait)?;
        file::remove_stale_temporaries(&target);
        let mut root = self.load(&target)?.unwrap_or_else(empty);
        let (result, write) = change(&mut root)?;
        if write {
            root.insert("format_version".into(), FORMAT_VERSION.into());
            root.insert("globus-sdk.version".into(), WRITER_VERSION.into());
            let bytes = serde_json::to_vec(&root).expect("a JSON map serializes");
            file::write_atomically(&target, &bytes)?;
            tracing::debug!(path = %target.display(), "wrote the token file");
        }
        Ok(result)
    }
}

fn empty() -> Map<String, Value> {
    let mut root = Map::new();
    root.insert("data".into(), Value::Object(Map::new()));
    root.insert("format_version".into(), FORMAT_VERSION.into());
    root.insert("globus-sdk.version".into(), WRITER_VERSION.into());
    root
}

/// Check the document and bring a 1.0 document to 2.0.
fn upgrade(path: &Path, value: Value) -> Result<Map<String, Value>, StorageError> {
    let Value::Object(mut root) = value else {
        return Err(StorageError::malformed(path, "its root is not a JSON object"));
    };
    let version = match root.get("format_version") {
        Some(Value::String(v)) => v.clone(),
        Some(_) => return Err(StorageError::malformed(path, "`format_version` is not a string")),
        None => return Err(StorageError::malformed(path, "it has no `format_version`")),
    };
    match version.as_str() {
        "2.0" => {}
        "1.0" => {
            let by_rs =
                root.remove("by_rs").ok_or_else(|| StorageError::malformed(path, "a 1.0 file without `by_rs`"))?;
            let mut data = Map::new();
            data.insert(super::DEFAULT_NAMESPACE.into(), by_rs);
            root = empty();
            root.insert("data".into(), Value::Object(data));
        }
        other => {
            let version: String = other.chars().take(40).collect();
            return Err(StorageError::UnsupportedFormat { path: path.into(), version, supported: SUPPORTED });
        }
    }
    let Some(Value::Object(data)) = root.get("data") else {
        return Err(StorageError::malformed(path, "`data` is missing or not an object"));
    };
    if let Some((namespace, _)) = data.iter().find(|(_, v)| !v.is_object()) {
        return Err(StorageError::malformed(path, format!("the namespace {namespace:?} is not an object")));
    }
    Ok(root)
}

fn data(root: &mut Map<String, Value>) -> &mut Map<String, Value> {
    match root.get_mut("data") {
        Some(Value::Object(data)) => data,
        _ => unreachable!("upgrade() checked `data`"),
    }
}

fn namespace_of<'a>(root: &'a Map<String, Value>, namespace: &str) -> Option<&'a Map<String, Value>> {
    root.get("data").and_then(|d| d.get(namespace)).and_then(Value::as_object)
}

impl TokenStorage for JsonTokenStorage {
    fn store(&self, namespace: &str, tokens: &[TokenStorageData]) -> Result<(), StorageError> {
        self.update(|root| {
            let entry = data(root).entry(namespace).or_insert_with(|| Value::Object(Map::new()));
            let records = entry.as_object_mut().expect("upgrade() checked every namespace");
            for token in tokens {
                records.insert(token.resource_server.clone(), Value::Object(token.to_json()));
            }
            Ok(((), true))
        })
    }

    fn get_all(&self, namespace: &str) -> Result<BTreeMap<String, TokenStorageData>, StorageError> {
        let Some(root) = self.load(&self.path)? else { return Ok(BTreeMap::new()) };
        let Some(records) = namespace_of(&root, namespace) else { return Ok(BTreeMap::new()) };
        records
            .iter()
            .map(|(resource_server, record)| {
                let data = TokenStorageData::from_json(record).map_err(|reason| {
                    StorageError::malformed(
                        &self.path,
                        format!("the record for {resource_server:?} in the namespace {namespace:?}: {reason}"),
                    )
                })?;
                Ok((resource_server.clone(), data))
            })
            .collect()
    }

    fn remove(&self, namespace: &str, resource_server: &str) -> Result<bool, StorageError> {
        if !self.path.exists() {
            return Ok(false);
        }
        self.update(|root| {
            let removed = data(root)
                .get_mut(namespace)
                .and_then(Value::as_object_mut)
                .is_some_and(|records| records.remove(resource_server).is_some());
            Ok((removed, removed))
        })
    }

    fn namespaces(&self) -> Result<Vec<String>, StorageError> {
        let Some(root) = self.load(&self.path)? else { return Ok(Vec::new()) };
        let data = root.get("data").and_then(Value::as_object);
        Ok(data
            .map(|d| {
                d.iter().filter(|(_, r)| r.as_object().is_some_and(|r| !r.is_empty())).map(|(n, _)| n.clone()).collect()
            })
            .unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(rs: &str, access: &str) -> TokenStorageData {
        TokenStorageData::new(rs, "scope", access, 1_900_000_000)
    }

    #[test]
    fn namespaces_and_removal() {
        let dir = tempfile::tempdir().unwrap();
        let store = JsonTokenStorage::new(dir.path().join("sub/dir/tokens.json"));
        assert!(store.get_all("DEFAULT").unwrap().is_empty());
        assert!(!store.remove("DEFAULT", "x").unwrap());
        assert!(!store.path().exists(), "removing nothing creates no file");
        store.store("DEFAULT", &[record("a", "A1"), record("b", "B1")]).unwrap();
        store.store("other", &[record("a", "A2")]).unwrap();
        assert_eq!(store.get("DEFAULT", "a").unwrap().unwrap().access_token.expose(), "A1");
        assert_eq!(store.get("other", "a").unwrap().unwrap().access_token.expose(), "A2");
        assert_eq!(store.namespaces().unwrap(), ["DEFAULT", "other"]);
        assert!(store.remove("DEFAULT", "a").unwrap());
        assert!(!store.remove("DEFAULT", "a").unwrap());
        assert_eq!(store.get_all("DEFAULT").unwrap().keys().collect::<Vec<_>>(), ["b"]);
        let raw: Value = serde_json::from_slice(&std::fs::read(store.path()).unwrap()).unwrap();
        assert_eq!(raw["format_version"], "2.0");
        assert_eq!(raw["globus-sdk.version"], WRITER_VERSION);
    }

    #[test]
    fn reads_format_1_and_rewrites_it_as_2_keeping_unknown_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.json");
        let v1 = json!({"by_rs": {"auth.globus.org": {"resource_server": "auth.globus.org", "scope": "openid",
            "access_token": "A", "refresh_token": null, "token_type": "Bearer", "expires_at_seconds": 5}},
            "format_version": "1.0", "globus-sdk.version": "3.10.0"});
        std::fs::write(&path, v1.to_string()).unwrap();
        let store = JsonTokenStorage::new(&path);
        assert_eq!(store.namespaces().unwrap(), ["DEFAULT"]);
        assert_eq!(store.get("DEFAULT", "auth.globus.org").unwrap().unwrap().access_token.expose(), "A");
        store.store("DEFAULT", &[record("b", "B")]).unwrap();
        let raw: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(raw["format_version"], "2.0");
        assert!(raw.get("by_rs").is_none());
        assert_eq!(raw["data"]["DEFAULT"]["auth.globus.org"]["access_token"], "A");

        let v2 = json!({"data": {}, "format_version": "2.0", "globus-sdk.version": "4.0.0", "note": [1]});
        std::fs::write(&path, v2.to_string()).unwrap();
        store.store("DEFAULT", &[record("b", "B")]).unwrap();
        let raw: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(raw["note"], json!([1]));
    }

    #[test]
    fn bad_files_are_reported_and_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.json");
        let store = JsonTokenStorage::new(&path);
        for (content, expect) in [
            ("{\"access_token\": \"SECRET\"", "not JSON"),
            ("[\"SECRET\"]", "root"),
            ("{\"data\": {}}", "format_version"),
            ("{\"data\": [\"SECRET\"], \"format_version\": \"2.0\"}", "`data`"),
            ("{\"data\": {\"DEFAULT\": [\"SECRET\"]}, \"format_version\": \"2.0\"}", "namespace"),
            ("{\"format_version\": \"1.0\"}", "by_rs"),
            ("{\"data\": {}, \"format_version\": \"3.0\"}", "3.0"),
        ] {
            std::fs::write(&path, content).unwrap();
            let read = store.get_all("DEFAULT").unwrap_err().to_string();
            let write = store.store("DEFAULT", &[record("a", "A")]).unwrap_err().to_string();
            for e in [&read, &write] {
                assert!(e.contains(expect), "{content}: {e}");
                assert!(!e.contains("SECRET"), "{e}");
            }
            assert_eq!(std::fs::read_to_string(&path).unwrap(), content);
        }
        std::fs::write(&path, r#"{"data": {"DEFAULT": {"rs": {"access_token": "SECRET"}}}, "format_version": "2.0"}"#)
            .unwrap();
        let e = store.get_all("DEFAULT").unwrap_err().to_string();
        assert!(e.contains("\"rs\"") && e.contains("resource_server") && !e.contains("SECRET"), "{e}");
    }
}

//! [`SqliteTokenStorage`]: the Python SDK's `SQLiteTokenStorage` database (feature `sqlite`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior, params};
use serde_json::Value;

use super::file;
use super::json::WRITER_VERSION;
use super::{AppLocation, StorageError, TokenStorage, TokenStorageData};

/// The tables, as the Python SDK creates them.
const SCHEMA: &str = "
CREATE TABLE token_storage (
    namespace VARCHAR NOT NULL,
    resource_server VARCHAR NOT NULL,
    token_data_json VARCHAR NOT NULL,
    PRIMARY KEY (namespace, resource_server)
);
CREATE TABLE sdk_storage_adapter_internal (
    attribute VARCHAR NOT NULL,
    value VARCHAR NOT NULL,
    PRIMARY KEY (attribute)
);
";

/// The schema version the Python SDK's `SQLiteTokenStorage` records (`1` is the older
/// `SQLiteAdapter`'s, whose `token_storage` table is the same and is read alike).
const SCHEMA_VERSION: &str = "2";

/// Token data in a SQLite database, in the Python SDK's schema: the Python SDK (3.x and 4.x)
/// reads what this store writes, and this store reads what Python writes.
///
/// | table | columns |
/// |---|---|
/// | `token_storage` | `namespace`, `resource_server`, `token_data_json` (the record as JSON, as in [`JsonTokenStorage`](super::JsonTokenStorage)); key `(namespace, resource_server)` |
/// | `sdk_storage_adapter_internal` | `attribute`, `value`: `globus-sdk.version`, `globus-sdk.database_schema_version` = `2` |
///
/// SQLite is compiled in (no library is needed on the machine). A new database is built in a
/// temporary file (0600, in a directory created 0700) and moved into place only when whole;
/// SQLite's journal keeps every later write atomic, and its locks (waited for up to 5 s, as
/// Python waits) keep concurrent writers, in this SDK or in Python, from corrupting it.
///
/// ```no_run
/// use globus_sdk::token_storage::{AppLocation, SqliteTokenStorage, TokenStorage};
/// # fn demo() -> Result<(), globus_sdk::token_storage::StorageError> {
/// let storage = SqliteTokenStorage::for_app(&AppLocation::new("CLIENT_ID", "My App"))?;
/// for namespace in storage.namespaces()? {
///     println!("{namespace}: {:?}", storage.get_all(&namespace)?.keys());
/// }
/// # Ok(()) }
/// ```
pub struct SqliteTokenStorage {
    path: PathBuf,
    connection: Mutex<Connection>,
}

impl std::fmt::Debug for SqliteTokenStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteTokenStorage").field("path", &self.path).finish()
    }
}

impl SqliteTokenStorage {
    /// Open the database `path`, creating it (and its directory) when missing.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self, StorageError> {
        let path = path.into();
        if !path.exists() {
            create(&path)?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let connection = Connection::open_with_flags(&path, flags).map_err(sqlite(&path))?;
        connection.busy_timeout(Duration::from_secs(5)).map_err(sqlite(&path))?;
        let tables: i64 = connection
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'token_storage'",
                [],
                |row| row.get(0),
            )
            .map_err(sqlite(&path))?;
        if tables == 0 {
            return Err(StorageError::malformed(&path, "it is a SQLite database without the `token_storage` table"));
        }
        Ok(SqliteTokenStorage { path, connection: Mutex::new(connection) })
    }

    /// The store in an app's default location ([`AppLocation::sqlite_file`]).
    pub fn for_app(location: &AppLocation) -> Result<Self, StorageError> {
        Self::open(location.sqlite_file()?)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn with<R>(&self, f: impl FnOnce(&mut Connection) -> rusqlite::Result<R>) -> Result<R, StorageError> {
        // A panic inside leaves an open transaction at worst, which rusqlite rolls back on drop.
        let mut connection = self.connection.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut connection).map_err(sqlite(&self.path))
    }
}

/// Build the database in a temporary file beside `path` and move it into place, unless
/// another process created `path` meanwhile (then that one is used).
fn create(path: &Path) -> Result<(), StorageError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    file::create_private_dir_all(dir)?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temporary = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".new")
        .tempfile_in(dir)
        .map_err(StorageError::io("create a temporary file in", dir))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let private = std::fs::Permissions::from_mode(0o600);
        temporary.as_file().set_permissions(private).map_err(StorageError::io("restrict", temporary.path()))?;
    }
    {
        let mut connection = Connection::open(temporary.path()).map_err(sqlite(temporary.path()))?;
        let tx = connection.transaction().map_err(sqlite(temporary.path()))?;
        tx.execute_batch(SCHEMA).map_err(sqlite(temporary.path()))?;
        for (attribute, value) in
            [("globus-sdk.version", WRITER_VERSION), ("globus-sdk.database_schema_version", SCHEMA_VERSION)]
        {
            tx.execute(
                "INSERT INTO sdk_storage_adapter_internal(attribute, value) VALUES (?1, ?2)",
                params![attribute, value],
            )
            .map_err(sqlite(temporary.path()))?;
        }
        tx.commit().map_err(sqlite(temporary.path()))?;
        connection.close().map_err(|(_, e)| sqlite(temporary.path())(e))?;
    }
    temporary.as_file().sync_all().map_err(StorageError::io("flush", temporary.path()))?;
    match temporary.persist_noclobber(path) {
        Ok(_) => file::sync_directory(dir),
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StorageError::io("create", path)(e.error)),
    }
}

fn sqlite(path: &Path) -> impl FnOnce(rusqlite::Error) -> StorageError {
    let path = path.to_path_buf();
    move |e| {
        if e.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) {
            StorageError::malformed(path, "it is not a SQLite database")
        } else {
            StorageError::Sqlite { path, source: Box::new(e) }
        }
    }
}

fn parse(path: &Path, namespace: &str, resource_server: &str, json: &str) -> Result<TokenStorageData, StorageError> {
    let value: Value = serde_json::from_str(json).map_err(|e| {
        StorageError::malformed(path, format!("the record for {resource_server:?} in {namespace:?} is not JSON ({e})"))
    })?;
    TokenStorageData::from_json(&value).map_err(|reason| {
        StorageError::malformed(
            path,
            format!("the record for {resource_server:?} in the namespace {namespace:?}: {reason}"),
        )
    })
}

impl TokenStorage for SqliteTokenStorage {
    fn store(&self, namespace: &str, tokens: &[TokenStorageData]) -> Result<(), StorageError> {
        self.with(|connection| {
            let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
            for token in tokens {
                let json = Value::Object(token.to_json()).to_string();
                tx.execute(
                    "REPLACE INTO token_storage(namespace, resource_server, token_data_json) VALUES (?1, ?2, ?3)",
                    params![namespace, token.resource_server, json],
                )?;
            }
            tx.commit()
        })
    }

    fn get_all(&self, namespace: &str) -> Result<BTreeMap<String, TokenStorageData>, StorageError> {
        let rows: Vec<(String, String)> = self.with(|connection| {
            let mut statement = connection
                .prepare("SELECT resource_server, token_data_json FROM token_storage WHERE namespace = ?1")?;
            let rows = statement.query_map([namespace], |row| Ok((row.get(0)?, row.get(1)?)))?;
            rows.collect()
        })?;
        rows.into_iter()
            .map(|(resource_server, json)| {
                let data = parse(&self.path, namespace, &resource_server, &json)?;
                Ok((resource_server, data))
            })
            .collect()
    }

    fn get(&self, namespace: &str, resource_server: &str) -> Result<Option<TokenStorageData>, StorageError> {
        let json: Option<String> = self.with(|connection| {
            let mut statement = connection
                .prepare("SELECT token_data_json FROM token_storage WHERE namespace = ?1 AND resource_server = ?2")?;
            let mut rows = statement.query_map([namespace, resource_server], |row| row.get(0))?;
            rows.next().transpose()
        })?;
        json.map(|json| parse(&self.path, namespace, resource_server, &json)).transpose()
    }

    fn remove(&self, namespace: &str, resource_server: &str) -> Result<bool, StorageError> {
        let removed = self.with(|connection| {
            connection.execute(
                "DELETE FROM token_storage WHERE namespace = ?1 AND resource_server = ?2",
                [namespace, resource_server],
            )
        })?;
        Ok(removed != 0)
    }

    fn namespaces(&self) -> Result<Vec<String>, StorageError> {
        self.with(|connection| {
            let mut statement =
                connection.prepare("SELECT DISTINCT namespace FROM token_storage ORDER BY namespace")?;
            let rows = statement.query_map([], |row| row.get(0))?;
            rows.collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_records_and_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new/tokens.db");
        let store = SqliteTokenStorage::open(&path).unwrap();
        store.store("DEFAULT", &[TokenStorageData::new("a", "s", "A", 1)]).unwrap();
        store.store("x", &[TokenStorageData::new("a", "s", "B", 2)]).unwrap();
        assert_eq!(store.namespaces().unwrap(), ["DEFAULT", "x"]);
        assert_eq!(store.get("x", "a").unwrap().unwrap().access_token.expose(), "B");
        assert!(store.remove("x", "a").unwrap());
        assert!(!store.remove("x", "a").unwrap());
        assert_eq!(store.namespaces().unwrap(), ["DEFAULT"]);
        let leftovers: Vec<_> =
            std::fs::read_dir(path.parent().unwrap()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(leftovers, ["tokens.db"]);

        let internal: Vec<(String, String)> = store
            .with(|c| {
                let mut s =
                    c.prepare("SELECT attribute, value FROM sdk_storage_adapter_internal ORDER BY attribute")?;
                s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect()
            })
            .unwrap();
        assert_eq!(internal[0], ("globus-sdk.database_schema_version".into(), "2".into()));

        let not_a_db = dir.path().join("plain.db");
        std::fs::write(&not_a_db, "SECRET is not a database, it is much longer than a header would be..............")
            .unwrap();
        let e = SqliteTokenStorage::open(&not_a_db).unwrap_err();
        assert!(matches!(e, StorageError::Malformed { .. }), "{e}");

        let other = dir.path().join("other.db");
        Connection::open(&other).unwrap().execute_batch("CREATE TABLE t (x)").unwrap();
        let e = SqliteTokenStorage::open(&other).unwrap_err().to_string();
        assert!(e.contains("token_storage"), "{e}");

        store
            .with(|c| {
                c.execute("REPLACE INTO token_storage VALUES ('DEFAULT', 'bad', '{\"access_token\": \"SECRET\"}')", [])
            })
            .unwrap();
        let e = store.get_all("DEFAULT").unwrap_err().to_string();
        assert!(e.contains("\"bad\"") && !e.contains("SECRET"), "{e}");
    }
}

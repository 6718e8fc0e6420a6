//! Globus Transfer v0.10: collections backed by local directories, file operations, and
//! tasks that really copy and delete files in the background.
//!
//! Its state: the collections, the tasks and their worker threads, the throttle.

mod accessors;
mod acls;
mod bookmarks;
mod checksum;
mod collections;
mod copy;
mod delete;
mod endpoints;
mod errors;
mod files;
mod glob;
mod managed;
mod options;
mod paths;
mod pauses;
mod roles;
mod submit;
mod tasks;
mod worker;

use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;

use super::core::{Caller, CollectionRegistry, Core, lock};
use super::http::{Reply, Request};
use super::plugin::{Handler, Service};
use super::settings::Settings;
use crate::transport::OperationMeta;

pub use collections::LocalCollection;
use errors::{bad_request, permission_denied};
use tasks::TaskStore;

/// Transfer's resource server.
const TRANSFER_RS: &str = "transfer.api.globus.org";
/// The scope every Transfer call needs.
const TRANSFER_SCOPE: &str = "urn:globus:auth:scope:transfer.api.globus.org:all";

/// How long a fault waits before its step is tried again, unless the builder says.
const DEFAULT_RETRY_INTERVAL: Duration = Duration::from_secs(30);
/// How long stopping waits for the task workers; one still blocked in the file system then
/// (a hung mount) is left to finish on its own.
const STOP_GRACE: Duration = Duration::from_secs(2);

/// What the builder says of Transfer.
struct TransferSettings {
    collections: Vec<collections::CollectionSpec>,
    guests: Vec<collections::GuestSpec>,
    throttle: u64,
    marker_page_size: usize,
    retry_interval: Duration,
}

impl Default for TransferSettings {
    fn default() -> Self {
        TransferSettings {
            collections: Vec::new(),
            guests: Vec::new(),
            throttle: 0,
            marker_page_size: 1000,
            retry_interval: DEFAULT_RETRY_INTERVAL,
        }
    }
}

/// The local Transfer.
pub(crate) struct Transfer {
    core: Arc<Core>,
    /// The collections: those of the builder, then those added at run time
    /// (`LocalGlobus::add_collection`, `add_guest_collection`), less those removed.
    collections: Arc<Mutex<Vec<LocalCollection>>>,
    /// The access rules of the guest collections.
    acls: Arc<Mutex<acls::AclStore>>,
    /// Every user's bookmarks.
    bookmarks: Mutex<bookmarks::BookmarkStore>,
    /// The role assignments on the collections.
    roles: Mutex<roles::RoleStore>,
    /// The endpoint managers' cancel jobs.
    admin_cancels: Mutex<Vec<managed::AdminCancel>>,
    /// The pause rules (shared with the workers, whose tasks wait while one holds).
    pauses: pauses::PauseStore,
    /// The directory of the temporary collections, removed on stop.
    temp_root: Option<PathBuf>,
    /// Shared with the workers, which update their tasks.
    tasks: Arc<Mutex<TaskStore>>,
    workers: Mutex<Vec<JoinHandle<()>>>,
    /// Bytes per second for task data; 0 for no limit (read by the workers).
    throttle: Arc<AtomicU64>,
    marker_page_size: usize,
    /// How long a task's fault waits before it is retried.
    retry_interval: Duration,
}

impl Service for Transfer {
    const NAME: &'static str = "transfer";
    const TITLE: &'static str = "Transfer";
    const OPERATIONS: &'static [OperationMeta] = crate::transfer::operations::OPERATIONS;
    const HANDLERS: &'static [(&'static str, Handler<Self>)] = &[
        ("endpoint_search", endpoints::search),
        ("get_endpoint", endpoints::get),
        ("operation_ls", files::ls),
        ("operation_mkdir", files::mkdir),
        ("operation_rename", files::rename),
        ("operation_stat", files::stat),
        ("get_submission_id", submit::submission_id),
        ("submit_transfer_document", submit::submit_transfer),
        ("submit_delete_document", submit::submit_delete),
        ("task_list", tasks::list),
        ("get_task", tasks::get),
        ("update_task", tasks::update),
        ("cancel_task", tasks::cancel),
        ("task_event_list", tasks::events),
        ("task_successful_transfers", tasks::successful_transfers),
        ("task_skipped_errors", tasks::skipped_errors),
        ("endpoint_acl_list", acls::list),
        ("add_endpoint_acl_rule", acls::add),
        ("get_endpoint_acl_rule", acls::get),
        ("update_endpoint_acl_rule", acls::update),
        ("delete_endpoint_acl_rule", acls::delete),
        ("endpoint_role_list", roles::list),
        ("add_endpoint_role", roles::add),
        ("get_endpoint_role", roles::get),
        ("delete_endpoint_role", roles::delete),
        ("my_shared_endpoint_list", endpoints::my_shared),
        ("get_shared_endpoint_list", endpoints::all_shared),
        ("my_effective_pause_rule_list", pauses::my_effective),
        ("endpoint_manager_pause_rule_list", pauses::list),
        ("endpoint_manager_create_pause_rule", pauses::create),
        ("endpoint_manager_get_pause_rule", pauses::get),
        ("endpoint_manager_update_pause_rule", pauses::update),
        ("endpoint_manager_delete_pause_rule", pauses::delete),
        ("endpoint_manager_pause_tasks", pauses::pause_tasks),
        ("endpoint_manager_resume_tasks", pauses::resume_tasks),
        ("task_pause_info", tasks::pause_info),
        ("endpoint_manager_task_pause_info", managed::pause_info),
        ("endpoint_manager_monitored_endpoints", endpoints::monitored),
        ("endpoint_manager_get_endpoint", endpoints::manager_get),
        ("endpoint_manager_hosted_endpoint_list", endpoints::hosted),
        ("endpoint_manager_acl_list", acls::manager_list),
        ("endpoint_manager_task_list", managed::task_list),
        ("endpoint_manager_get_task", managed::get_task),
        ("endpoint_manager_task_event_list", managed::events),
        ("endpoint_manager_task_successful_transfers", managed::successful_transfers),
        ("endpoint_manager_task_skipped_errors", managed::skipped_errors),
        ("endpoint_manager_cancel_tasks", managed::cancel_tasks),
        ("endpoint_manager_cancel_status", managed::cancel_status),
        ("bookmark_list", bookmarks::list),
        ("create_bookmark", bookmarks::create),
        ("get_bookmark", bookmarks::get),
        ("update_bookmark", bookmarks::update),
        ("delete_bookmark", bookmarks::delete),
        ("list_bookmarks", bookmarks::list_v2),
        ("create_bookmark_v2", bookmarks::create_v2),
        ("get_bookmark_v2", bookmarks::get_v2),
        ("update_bookmark_v2", bookmarks::update_v2),
        ("delete_bookmark_v2", bookmarks::delete_v2),
    ];

    /// Every call needs an active token for Transfer with its scope.
    type Caller = Caller;

    fn start(core: &Arc<Core>, settings: &mut Settings) -> std::io::Result<Self> {
        let settings: TransferSettings = settings.take();
        let owner = core.default_user().id;
        let (mut collections, temp_root) = collections::make(&settings.collections, &std::env::temp_dir(), &owner)?;
        if let Err(e) = add_guests(&mut collections, &settings.guests, &owner) {
            if let Some(root) = &temp_root {
                let _ = std::fs::remove_dir_all(root);
            }
            return Err(e);
        }
        let transfer = Transfer {
            core: core.clone(),
            collections: Arc::new(Mutex::new(collections)),
            acls: Arc::new(Mutex::new(acls::AclStore::default())),
            bookmarks: Mutex::new(bookmarks::BookmarkStore::default()),
            roles: Mutex::new(roles::RoleStore::default()),
            admin_cancels: Mutex::new(Vec::new()),
            pauses: pauses::PauseStore::default(),
            temp_root,
            tasks: Arc::new(Mutex::new(TaskStore::default())),
            workers: Mutex::new(Vec::new()),
            throttle: Arc::new(AtomicU64::new(settings.throttle)),
            marker_page_size: settings.marker_page_size.max(1),
            retry_interval: settings.retry_interval,
        };
        core.set_collection_registry(Arc::new(transfer.registry()));
        Ok(transfer)
    }

    fn admit(&self, req: &Request) -> Result<Caller, Reply> {
        self.core.authorize(req, TRANSFER_RS, TRANSFER_SCOPE).map_err(|r| Self::error(r.status, &r.message, req))
    }

    fn error(status: u16, message: &str, req: &Request) -> Reply {
        errors::for_status(status, message, req)
    }

    /// Transfer's `all`, and each collection's `data_access` scope (its resource server is
    /// the collection).
    fn scopes(&self) -> Vec<(String, String)> {
        let mut scopes = vec![(TRANSFER_SCOPE.to_string(), TRANSFER_RS.to_string())];
        scopes.extend(lock(&self.collections).iter().map(data_access_scope));
        scopes
    }

    fn env_vars(&self) -> Vec<(String, String)> {
        lock(&self.collections)
            .iter()
            .map(|c| {
                let name = collections::sanitize(&c.name).replace('-', "_").to_ascii_uppercase();
                (format!("GLOBUS_LOCAL_COLLECTION_{name}"), c.id.clone())
            })
            .collect()
    }

    /// Wait for the workers (they stop at their next step: the core is stopping) at most
    /// [`STOP_GRACE`], then remove the temporary collections. A worker blocked in the file
    /// system longer (special files are never opened, but a mount can hang) is not waited
    /// for: stopping is bounded.
    fn stop(&self) {
        let workers = std::mem::take(&mut *lock(&self.workers));
        let until = Instant::now() + STOP_GRACE;
        while workers.iter().any(|w| !w.is_finished()) && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(5));
        }
        for w in workers.into_iter().filter(JoinHandle::is_finished) {
            let _ = w.join();
        }
        if let Some(root) = &self.temp_root {
            let _ = std::fs::remove_dir_all(root);
        }
    }
}

/// The guest collections the builder asked for, each on a collection made before it.
fn add_guests(
    collections: &mut Vec<LocalCollection>,
    guests: &[collections::GuestSpec],
    owner: &str,
) -> std::io::Result<()> {
    for g in guests {
        let invalid = |m: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, m);
        if collections.iter().any(|c| c.name == g.name) {
            return Err(invalid(format!("two collections are named {:?}", g.name)));
        }
        let mapped = collections
            .iter()
            .find(|c| c.name == g.mapped && !c.uses_acls())
            .ok_or_else(|| invalid(format!("guest collection {:?}: no mapped collection {:?}", g.name, g.mapped)))?;
        let guest = collections::guest(mapped, &g.name, &g.path, owner)
            .map_err(|e| std::io::Error::new(e.kind(), format!("guest collection {:?}: {e}", g.name)))?;
        collections.push(guest);
    }
    Ok(())
}

impl Transfer {
    /// The collections as other services change them (through the core).
    fn registry(&self) -> Registry {
        Registry { core: self.core.clone(), collections: self.collections.clone(), acls: self.acls.clone() }
    }
}

/// The changeable part of the local Transfer: its collections and their access rules. The
/// local GCS reaches it through the core ([`CollectionRegistry`]), never Transfer's state.
#[derive(Clone)]
struct Registry {
    core: Arc<Core>,
    collections: Arc<Mutex<Vec<LocalCollection>>>,
    acls: Arc<Mutex<acls::AclStore>>,
}

impl Registry {
    /// Add a collection made at run time: it appears in endpoint search, get_endpoint, ls and
    /// transfers at once, and its `data_access` scope is known to the local Auth.
    fn add(&self, c: LocalCollection) -> Result<LocalCollection, String> {
        let mut collections = lock(&self.collections);
        if collections.iter().any(|x| x.name == c.name) {
            return Err(format!("a collection is already named {:?}", c.name));
        }
        self.core.accounts().register_scopes([data_access_scope(&c)]);
        collections.push(c.clone());
        Ok(c)
    }

    /// Remove a collection and its access rules: new requests naming it are answered
    /// `EndpointNotFound` (a task already running finishes). A mapped collection that guest
    /// collections lie in is kept (as GCS refuses to delete it): remove them first.
    fn remove(&self, id: &str) -> Result<LocalCollection, String> {
        let mut collections = lock(&self.collections);
        if let Some(guest) = collections.iter().find(|c| c.host.as_deref() == Some(id)) {
            return Err(format!("the guest collection {:?} lies in the collection {id}: remove it first", guest.name));
        }
        let at = collections.iter().position(|c| c.id == id).ok_or_else(|| format!("no collection {id:?}"))?;
        let removed = collections.remove(at);
        drop(collections);
        lock(&self.acls).remove(id);
        Ok(removed)
    }

    /// A guest collection on the mapped collection `mapped` (id or name).
    fn add_guest(&self, name: &str, mapped: &str, path: &str, owner_id: &str) -> Result<LocalCollection, String> {
        let host = lock(&self.collections)
            .iter()
            .find(|c| !c.uses_acls() && (c.id == mapped || c.name == mapped))
            .cloned()
            .ok_or_else(|| format!("no mapped collection {mapped:?}"))?;
        let c = collections::guest(&host, name, path, owner_id).map_err(|e| e.to_string())?;
        self.add(c)
    }
}

impl CollectionRegistry for Registry {
    fn add_mapped(&self, name: &str, dir: cap_std::fs::Dir, root: PathBuf, owner_id: &str) -> Result<String, String> {
        let c = LocalCollection {
            id: uuid::Uuid::new_v4().to_string(),
            name: name.to_string(),
            root,
            read_only: false,
            owner_id: owner_id.to_string(),
            owner_string_id: None,
            host: None,
            dir: Arc::new(dir),
            grant: None,
        };
        self.add(c).map(|c| c.id)
    }

    fn add_guest(&self, name: &str, mapped_id: &str, path: &str, owner_id: &str) -> Result<String, String> {
        Registry::add_guest(self, name, mapped_id, path, owner_id).map(|c| c.id)
    }

    fn remove(&self, id: &str) -> Result<(), String> {
        Registry::remove(self, id).map(|_| ())
    }

    fn contains(&self, id: &str) -> bool {
        lock(&self.collections).iter().any(|c| c.id == id)
    }

    fn rename(&self, id: &str, name: &str) -> Result<(), String> {
        let mut collections = lock(&self.collections);
        if collections.iter().any(|c| c.name == name && c.id != id) {
            return Err(format!("a collection is already named {name:?}"));
        }
        let c = collections.iter_mut().find(|c| c.id == id).ok_or_else(|| format!("no collection {id:?}"))?;
        c.name = name.to_string();
        Ok(())
    }

    fn set_owner(&self, id: &str, owner_id: &str) -> Result<(), String> {
        let mut collections = lock(&self.collections);
        let c = collections.iter_mut().find(|c| c.id == id).ok_or_else(|| format!("no collection {id:?}"))?;
        c.owner_id = owner_id.to_string();
        Ok(())
    }

    fn set_owner_string(&self, id: &str, identity_id: Option<&str>) -> Result<(), String> {
        let mut collections = lock(&self.collections);
        let c = collections.iter_mut().find(|c| c.id == id).ok_or_else(|| format!("no collection {id:?}"))?;
        c.owner_string_id = identity_id.map(str::to_string);
        Ok(())
    }
}

/// A collection's `data_access` scope, and its resource server (the collection).
fn data_access_scope(c: &LocalCollection) -> (String, String) {
    (format!("https://auth.globus.org/scopes/{}/data_access", c.id), c.id.clone())
}

/// The collection with this id (a copy: the registry may change while it is used), or
/// `EndpointNotFound`.
fn collection(t: &Transfer, id: &str, req: &Request) -> Result<LocalCollection, Reply> {
    lock(&t.collections)
        .iter()
        .find(|c| c.id == id)
        .cloned()
        .ok_or_else(|| errors::error(404, "EndpointNotFound", format!("No such endpoint with id '{id}'"), req))
}

/// A collection that may be written to.
fn writable(t: &Transfer, id: &str, req: &Request) -> Result<LocalCollection, Reply> {
    let c = collection(t, id, req)?;
    if c.read_only {
        return Err(permission_denied(format!("Denied by endpoint: collection {} ({id}) is read-only", c.name), req));
    }
    Ok(c)
}

/// Resolve a path as text, answering errors as Transfer does (links are judged when the
/// path is used).
fn resolve(path: &str, req: &Request) -> Result<paths::Resolved, Reply> {
    paths::resolve(path).map_err(|e| match e {
        paths::PathError::Escape(m) => permission_denied(format!("Denied by endpoint: Path not allowed. {m}"), req),
        paths::PathError::Invalid(m) => bad_request(m, req),
    })
}

/// An integer query parameter within `min..=max`, or `default` when absent.
fn int_param(req: &Request, name: &str, default: i64, min: i64, max: i64) -> Result<i64, Reply> {
    match req.query(name) {
        None | Some("") => Ok(default),
        Some(v) => match v.trim().parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(bad_request(format!("Invalid {name} value {v:?}: expected an integer from {min} to {max}"), req)),
        },
    }
}

/// A document as Globus sends it: the fields it always has are `null` when unset.
fn document(value: &impl Serialize, always: &[&str]) -> Value {
    let mut v = serde_json::to_value(value).unwrap_or(Value::Null);
    if let Some(obj) = v.as_object_mut() {
        for key in always {
            obj.entry(key.to_string()).or_insert(Value::Null);
        }
    }
    v
}

/// Build a generated type from its builder (a missing required field is a server bug,
/// answered with a 500).
fn build<T, B>(builder: B, req: &Request) -> Result<T, Reply>
where
    T: TryFrom<B>,
    T::Error: std::fmt::Display,
{
    T::try_from(builder).map_err(|e| {
        errors::error(500, "InternalError", format!("the local Globus built an invalid document: {e}"), req)
    })
}

/// Task times as Transfer writes them: `2021-09-02T18:04:47+00:00`.
fn task_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S+00:00").to_string()
}

/// A time as Transfer accepts it: RFC 3339, or `YYYY-MM-DD[( |T)HH:MM[:SS[.f]]][Z|±HH:MM]`
/// (UTC when no zone is given).
fn parse_time(s: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
    let s = s.trim();
    let s = match s.strip_suffix(['Z', 'z']) {
        Some(stripped) => format!("{stripped}+00:00"),
        None => s.to_string(),
    };
    let zoned = ["%Y-%m-%dT%H:%M:%S%.f%:z", "%Y-%m-%d %H:%M:%S%.f%:z", "%Y-%m-%dT%H:%M%:z", "%Y-%m-%d %H:%M%:z"];
    for fmt in zoned.iter().chain(["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z"].iter()) {
        if let Ok(t) = DateTime::parse_from_str(&s, fmt) {
            return Some(t.with_timezone(&Utc));
        }
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(&s, fmt) {
            return Some(t.and_utc());
        }
    }
    NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_in_every_form_transfer_takes() {
        let want = chrono::DateTime::parse_from_rfc3339("2024-05-06T07:08:00Z").unwrap();
        for s in [
            "2024-05-06T07:08:00Z",
            "2024-05-06T07:08:00+00:00",
            "2024-05-06 07:08:00+00:00",
            "2024-05-06 07:08Z",
            "2024-05-06T09:08:00+02:00",
            "2024-05-06 07:08:00",
            "2024-05-06 07:08:00.000+0000",
        ] {
            assert_eq!(parse_time(s), Some(want.with_timezone(&chrono::Utc)), "{s}");
        }
        assert!(parse_time("2024-05-06").is_some());
        assert!(parse_time("tomorrow").is_none());
    }
}

//! The core every emulated service shares: Auth's accounts (to check bearer tokens and find
//! identities), the service URLs, the fault rules, the request log and the shutdown flag.
//!
//! Services do not reach into each other: what one needs of another goes through here.
//! Auth owns the accounts (identities, clients, tokens); the core only lends them out.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use super::Faults;
use super::auth::{Accounts, LocalIdentity, TokenKind};
use super::http::Request;
use super::log::RequestLog;
use super::urls::ServiceUrls;

/// How long an access token of a dependent grant lives (it is used at once).
const DEPENDENT_TOKEN_LIFETIME: std::time::Duration = std::time::Duration::from_secs(600);

/// Lock a mutex, recovering the data if a holder panicked.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The identity a request's bearer token acts for.
#[allow(dead_code, reason = "for the services beside Auth: unused when Auth is the only one compiled")]
#[derive(Clone, Debug)]
pub(crate) struct Caller {
    pub identity_id: String,
    pub username: String,
}

/// Why a bearer token is refused: 401 (none, unknown, inactive) or 403 (not for this
/// service), and the message.
#[allow(dead_code, reason = "for the services beside Auth: unused when Auth is the only one compiled")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub status: u16,
    pub message: String,
}

/// What the services share (see the module docs).
pub(crate) struct Core {
    accounts: Accounts,
    urls: ServiceUrls,
    faults: Faults,
    log: RequestLog,
    stopping: AtomicBool,
    groups: OnceLock<GroupDirectory>,
    collections: OnceLock<Arc<dyn CollectionRegistry>>,
}

/// The local Transfer's collections, as another service (the local GCS) changes them: it
/// publishes this at its start. Errors are messages for the caller.
#[allow(dead_code, reason = "used by the local GCS only")]
pub(crate) trait CollectionRegistry: Send + Sync {
    /// Add a mapped collection named `name` on `dir` (opened by the caller, beneath its
    /// storage root; `root` is its host path, never shown in answers), owned by `owner_id`;
    /// its id.
    fn add_mapped(
        &self,
        name: &str,
        dir: cap_std::fs::Dir,
        root: std::path::PathBuf,
        owner_id: &str,
    ) -> Result<String, String>;
    /// Add a guest collection on the mapped collection `mapped_id` rooted at `path` (a Globus
    /// path beneath its root); its id.
    fn add_guest(&self, name: &str, mapped_id: &str, path: &str, owner_id: &str) -> Result<String, String>;
    /// Remove a collection (refused for a mapped collection a guest lies in).
    fn remove(&self, id: &str) -> Result<(), String>;
    /// Change a collection's display name (refused when another collection has it). Only
    /// the name changes: a collection's root is fixed when it is made.
    fn rename(&self, id: &str, name: &str) -> Result<(), String>;
    /// Make `owner_id` a collection's owner (who manages its access rules).
    fn set_owner(&self, id: &str, owner_id: &str) -> Result<(), String>;
    /// Advertise `identity_id`'s username as a collection's owner (`None`: the owner's own).
    fn set_owner_string(&self, id: &str, identity_id: Option<&str>) -> Result<(), String>;
    /// Whether the collection `id` is still there (it may have been removed another way).
    fn contains(&self, id: &str) -> bool;
}

/// The groups an identity is an active member of, as the local Groups publishes them.
pub(crate) type GroupDirectory = Box<dyn Fn(&str) -> Vec<String> + Send + Sync>;

impl Core {
    /// A core over Auth's accounts, with the services' URLs.
    pub fn new(accounts: Accounts, urls: ServiceUrls, print_requests: bool) -> Core {
        Core {
            accounts,
            urls,
            faults: Faults::default(),
            log: RequestLog::new(print_requests),
            stopping: AtomicBool::new(false),
            groups: OnceLock::new(),
            collections: OnceLock::new(),
        }
    }

    /// Auth's identities, clients and tokens.
    pub fn accounts(&self) -> &Accounts {
        &self.accounts
    }

    /// Where each service listens.
    pub fn urls(&self) -> &ServiceUrls {
        &self.urls
    }

    /// The fault rules.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// The request log.
    pub fn log(&self) -> &RequestLog {
        &self.log
    }

    /// Tell background work (task workers) to stop at once.
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
    }

    /// The default user.
    pub fn default_user(&self) -> LocalIdentity {
        self.accounts.default_user()
    }
}

#[allow(dead_code, reason = "for the services beside Auth: unused when Auth is the only one compiled")]
impl Core {
    /// Whether the server is stopping (background work ends at once).
    pub fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::Relaxed)
    }

    /// An identity by id or username (case-insensitive).
    pub fn identity(&self, id_or_username: &str) -> Option<LocalIdentity> {
        self.accounts.find_identity(id_or_username)
    }

    /// The caller of a service that takes Auth's bearer tokens: the request must carry an
    /// active access token for `resource_server` with `scope`.
    pub fn authorize(&self, req: &Request, resource_server: &str, scope: &str) -> Result<Caller, Refusal> {
        let record = self
            .accounts
            .access_token(req.header("authorization"))
            .map_err(|message| Refusal { status: 401, message: message.to_string() })?;
        if record.resource_server != resource_server || !record.has_scope(scope) {
            let message = format!(
                "the token is for {} with scopes {:?}; this service needs a token for {resource_server} with the \
                 scope {scope}",
                record.resource_server,
                record.scope_string()
            );
            return Err(Refusal { status: 403, message });
        }
        let username = self.identity(&record.identity_id).map(|i| i.username).unwrap_or_default();
        Ok(Caller { identity_id: record.identity_id, username })
    }

    /// A dependent grant, as a resource server makes one to act for its caller later: a
    /// refresh token for `resource_server` with `scope`, for the identity of the active access
    /// token in `authorization` (the caller of the service making the grant), issued to
    /// `client_id` (that service's client). The service keeps it, and gets an access token
    /// from it with [`Self::dependent_access_token`] each time it acts.
    pub fn dependent_grant(
        &self,
        authorization: Option<&str>,
        client_id: &str,
        resource_server: &str,
        scope: &str,
    ) -> Result<crate::Secret, Refusal> {
        let record = self
            .accounts
            .access_token(authorization)
            .map_err(|message| Refusal { status: 401, message: message.to_string() })?;
        let issued = self.accounts.tokens().issue_one(
            client_id,
            &record.identity_id,
            resource_server,
            vec![scope.to_string()],
            true,
            DEPENDENT_TOKEN_LIFETIME,
        );
        // The access token of the grant is not used: each action gets a fresh one.
        self.accounts.tokens().revoke_one(&issued.access_token);
        issued.refresh_token.map(|t| crate::Secret::new(&t)).ok_or_else(|| Refusal {
            status: 500,
            message: "the local Auth issued no refresh token for a dependent grant".into(),
        })
    }

    /// A fresh access token from a refresh token of [`Self::dependent_grant`] (same identity,
    /// resource server and scopes), or why not (revoked: 401).
    pub fn dependent_access_token(&self, refresh_token: &crate::Secret) -> Result<crate::Secret, Refusal> {
        let mut store = self.accounts.tokens();
        let record = store
            .get(refresh_token.expose())
            .filter(|r| r.kind == TokenKind::Refresh && r.is_active())
            .cloned()
            .ok_or_else(|| Refusal { status: 401, message: "the dependent grant was revoked".into() })?;
        let issued = store.issue_one(
            &record.client_id,
            &record.identity_id,
            &record.resource_server,
            record.scopes.clone(),
            false,
            DEPENDENT_TOKEN_LIFETIME,
        );
        store.set_family(&issued, &record.family, record.consented);
        Ok(crate::Secret::new(&issued.access_token))
    }

    /// Publish the collection registry (the local Transfer does, at its start; once).
    pub fn set_collection_registry(&self, registry: Arc<dyn CollectionRegistry>) {
        let _ = self.collections.set(registry);
    }

    /// The local Transfer's collections, if it runs.
    pub fn collection_registry(&self) -> Option<&Arc<dyn CollectionRegistry>> {
        self.collections.get()
    }

    /// Publish the group directory (the local Groups does, at its start; once).
    pub fn set_group_directory(&self, directory: GroupDirectory) {
        let _ = self.groups.set(directory);
    }

    /// The ids of the groups `identity_id` is an active member of (none without the local
    /// Groups): what `urn:globus:groups:id:<id>` principals (Search's `visible_to`, ACLs)
    /// are checked against.
    pub fn groups_of(&self, identity_id: &str) -> Vec<String> {
        self.groups.get().map(|directory| directory(identity_id)).unwrap_or_default()
    }
}

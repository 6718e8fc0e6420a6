//! The local Globus: Globus services emulated on 127.0.0.1 (see [`LocalGlobus`]).
//!
//! # Layout
//!
//! Every emulated service is one module behind one trait, [`plugin::Service`]: its name,
//! its state, its handlers by operation id. What the services share is small:
//!
//! - `plugin`: the trait, and the dispatch every service gets: the request is matched
//!   against the service's generated operation table (`routes`), unknown paths answer 404,
//!   known paths with another method 405, operations without a handler 501, all in the
//!   service's error shape;
//! - `core`: Auth's accounts (bearer-token checks, identities), the service URLs (`urls`),
//!   the fault rules (`faults`), the request log (`log`), the shutdown flag;
//! - `server`: the HTTP loop (faults, log, a guard against a panicking handler), `http`
//!   (request and reply), `errors` (the default error shape), `settings` (per-service
//!   builder settings), `builder`.
//!
//! Auth (`auth/`) is always there: every service checks its tokens. Each other service is
//! compiled with its cargo feature (`transfer/` with `transfer`, `search/` with `search`).
//!
//! # Facing hostile input
//!
//! The local Globus serves users' real directories to any client, so it treats every
//! request as hostile:
//!
//! - **Nothing escapes a collection.** A Globus path is resolved as text (`..` may not
//!   climb above the root), then every access (ls, stat, mkdir, rename, delete, both ends
//!   of a transfer, at every depth) goes through the collection's directory handle
//!   (`cap-std`; `openat2(RESOLVE_BENEATH)` on Linux): a symbolic link is followed only
//!   while it stays inside the collection, and a link swapped in after a check cannot lead
//!   out either (`transfer/paths.rs`). An absolute link counts as leading out.
//! - **Nothing leaks.** No response holds a host path: a link leading out of the collection
//!   is listed as type `link`, described by itself alone, with no `link_target`; a link
//!   inside shows its target as a Globus path; endpoint documents and the full-text index
//!   do not hold the directory; errors and task events name Globus paths only.
//! - **Nothing panics a handler.** File metadata is read from handles; a modification
//!   time the calendar cannot show is `null`, names that are not UTF-8 are listed lossily.
//! - **Nothing blocks.** Special files (FIFOs, sockets, devices) are never opened: a
//!   recursive transfer skips them, as Globus does (they hold no data to copy), and a
//!   transfer naming one, or writing where one stands, fails at once. Stopping (drop,
//!   `globus-local`'s Ctrl-C) waits for task workers at most two seconds.
//! - **Groups checks every request against its model**: ids are UUIDs, names, texts and
//!   batches are bounded, a value outside the API's enums is a 422 (FastAPI's validation
//!   document), a private group is invisible to outsiders, an action never done for someone
//!   who may not do it.
//! - **Auth hands codes to registered redirect URIs only**: native clients any `http`
//!   loopback URI (`127.0.0.1`, `localhost`, `[::1]`, any port, the local
//!   `/v2/web/auth-code` page among them), the confidential client the URIs given to
//!   [`LocalGlobusBuilder::confidential_redirect_uri`]; anything else is an HTML error page
//!   (400), never a redirect.
//! - **Auth grants known scopes only**: those the services declare
//!   ([`plugin::Service::scopes`]: Auth's, Transfer's `all`, each local collection's
//!   `data_access`, Search's `all`, `search`, `ingest`, Groups' `all` and
//!   `view_my_groups_and_memberships`, Timers' `timer`, Flows' scopes, each flow's own scope
//!   from the flow's creation on, Compute's `all`), dependent scopes in brackets included (at
//!   most eight levels deep); any other is `invalid_scope`. Each token names the resource
//!   server real Auth does (`transfer.api.globus.org`, `flows.globus.org`, `funcx_service`,
//!   a flow's or collection's id), so programs find their tokens by resource server.
//! - **Flows runs are bounded**: a run takes at most a thousand states (a flow that loops
//!   forever fails), waits at most a day, JSONPath and Choice rules nest at most 64 and 32
//!   deep, definitions hold at most a thousand states; anything the engine does not support
//!   (other JSONPath forms, `.=` expressions, unknown comparisons or action providers) fails
//!   the run or refuses the definition with a message in Flows' error shape, never a guess.
//! - **Compute runs no code**: functions and arguments are opaque strings, never decoded.
//! - **The approval page shows nothing unescaped**: the client's name, the user's names and
//!   the scopes are HTML-escaped, the page has no JavaScript and may not be framed; its form
//!   carries only an opaque request id (the login's parameters stay on the server), each
//!   answered once, within ten minutes, at most a thousand waiting (the oldest forgotten).
//! - **Search's documents and queries are bounded**: Globus Search's limits (a 500-byte
//!   subject, 100 `visible_to` principals, content nested 20 levels, 32 KB text values, ten
//!   entries per subject, a thousand fields and 100 MB of content per index, a 256-character
//!   query string, `offset + limit` within 10 000), and the local engine's own (filters
//!   nested ten deep and a thousand per query, fifty facets, a thousand tasks waiting per
//!   index); anything past them, and any query construct the engine does not answer exactly
//!   (regular expressions, fuzzy terms, geographic filters), is a 400 in Search's GError
//!   shape, never a guess.
//!
//! Like Globus, a transfer whose source is missing or unreadable stays `ACTIVE`: each try
//! is a fault (an error event, the `faults` count, the code in `nice_status`), retried
//! every [`LocalGlobusBuilder::retry_interval`] until the file appears or the deadline
//! (by default a day after the request) passes and the task fails (`EXPIRED`).
//!
//! # Adding a service
//!
//! Say Groups, behind the `groups` feature (the one that compiles its client):
//!
//! 1. Write its module, `groups/`, with a type implementing [`plugin::Service`]:
//!    - `NAME = "groups"` (the SDK's service name) and `TITLE = "Groups"`;
//!    - `OPERATIONS = crate::groups::operations::OPERATIONS`, the generated table;
//!    - `HANDLERS`, the operations it implements by operation id, each a
//!      `fn(&Groups, &Call<'_, Caller>) -> Handled` that reads its path parameters with
//!      `call.param("group_id")?` (decoded) and its caller as `call.caller`;
//!    - `EXTRA_ROUTES`, only for what its spec lacks (a page, a discovery document);
//!    - `start` (its state is its own fields, its settings a type of its module taken from
//!      [`settings::Settings`]), `admit` (usually
//!      `self.core.authorize(req, "groups.api.globus.org", scope)`), and `error` when its
//!      error documents are not the default `{"code", "message", "request_id", "status"}`;
//!    - `stop` and `env_vars` if it has background work or variables to export;
//!    - its builder options (`impl LocalGlobusBuilder`) and accessors (`impl LocalGlobus`)
//!      in the module too; `groups_url()` is optional beside `service_url("groups")`.
//! 2. Register it in this file, one line in `plugins!`: `groups::Groups if "groups",` (the
//!    module, its plug-in type, its feature). A public type of its own (like Transfer's
//!    `LocalCollection`) is also re-exported here and in `src/testing/mod.rs`.
//!
//! Nothing else changes: the listener and its port flag (`globus-local --groups-port`), the
//! URL map and what derives from it ([`LocalGlobus::config`], `GLOBUS_SDK_SERVICE_URL_GROUPS`,
//! [`LocalGlobus::service_url`]), the 404/405/501 answers, faults and the request log follow
//! from the registration. A handler naming an operation id the spec does not have fails the
//! unit test of `plugin` (and the start of every `LocalGlobus`).

mod builder;
mod core;
mod errors;
mod faults;
mod http;
mod log;
mod plugin;
mod routes;
mod server;
mod settings;
mod tls;
mod urls;

use std::sync::Arc;

pub use auth::{Approval, LocalClient, LocalIdentity};
pub use builder::LocalGlobusBuilder;
pub use faults::{Faults, LostResponse};
pub use log::LoggedRequest;
#[cfg(feature = "transfer")]
pub use transfer::LocalCollection;

use self::core::Core;
use plugin::{Mounted, Plugin, Running, Service};

/// Declares each emulated service's module (behind its feature) and lists it in [`PLUGINS`].
macro_rules! plugins {
    ($($module:ident :: $service:ident $(if $feature:literal)?),* $(,)?) => {
        $(
            $(#[cfg(feature = $feature)])?
            mod $module;
        )*

        /// The emulated services, in the order they start.
        const PLUGINS: &[Plugin] = &[$(
            $(#[cfg(feature = $feature)])?
            Plugin::of::<$module::$service>(),
        )*];
    };
}

// The one registration line of each emulated service.
plugins! {
    auth::Auth,
    transfer::Transfer if "transfer",
    timers::Timers if "timers",
    search::Search if "search",
    groups::Groups if "groups",
    flows::Flows if "flows",
    compute::Compute if "compute",
    gcs::Gcs if "gcs",
}

/// The local Globus: Globus services on 127.0.0.1, for tests and for any Globus client.
///
/// One HTTP listener per service on an ephemeral port of 127.0.0.1 (or a given one; GCS's
/// serves HTTPS with a certificate from a CA made at start, which [`Self::config`] trusts), each
/// speaking that service's API with the shapes and errors Globus uses. Auth (always there)
/// issues opaque tokens that expire, carry scopes and a resource server, to preloaded
/// clients ([`Self::confidential_client`], [`Self::native_client`]) and users
/// ([`Self::user`]); id_tokens are RS256-signed with a key generated at start. Transfer
/// (feature `transfer`) serves collections backed by local directories, and its tasks
/// really copy and delete files in the background. Search (feature `search`) keeps indexes
/// in memory, runs ingest and deletions as tasks, and answers queries (simple and advanced
/// query strings, filters, facets, sort, paging, scroll) showing each caller only the
/// entries its `visible_to` allows. Groups (feature `groups`) keeps groups,
/// their memberships, roles and policies in memory, with Groups' visibility and permission
/// rules; [`Self::seed_group`] and [`Self::set_group_membership`] set a starting state,
/// [`Self::groups_of`] reads who belongs where. [`Self::faults`] makes requests fail,
/// hang, drop, or lose their answer after being processed.
///
/// It stops when dropped: the listeners close, running tasks stop, and the temporary
/// collections are removed.
///
/// Every service answers the same way to what it does not serve: an unknown path is a 404,
/// a known path with another method a 405 (with `Allow`), an operation of the service's
/// spec that the local Globus does not implement a 501, each in the service's error shape.
/// Served:
/// - Auth: `get_openid_configuration`, `get_jwk`, the authorize page
///   `GET /v2/oauth2/authorize` (approves at once and redirects with a code, or with
///   [`LocalGlobusBuilder::approval_page`] shows an approval page whose form is posted back
///   to `POST /v2/oauth2/authorize`) and `GET /v2/web/auth-code`, `oauth2_token` (client
///   credentials, authorization code with PKCE S256, refresh token, rotated by default,
///   dependent token), `oauth2_revoke_token`, `oauth2_token_introspect`, `oauth2_userinfo`
///   (GET and POST), `get_identities`, `get_consents`.
///
/// # Logins
///
/// The whole authorization-code login runs over HTTP, with no browser:
///
/// 1. the client sends the user to the authorize URL (e.g. `LoginFlow::authorize_url`); a
///    test GETs it with any HTTP client;
/// 2. by default the user approves at once: the answer is a `302` to the redirect URI with
///    `code` and `state`. With [`LocalGlobusBuilder::approval_page`] the answer is a page
///    (HTML, no JavaScript) naming the client, the user and the scopes, with one form to post
///    back to `/v2/oauth2/authorize` (`application/x-www-form-urlencoded`): `request`, the
///    value of the hidden input, and `decision`, `approve` or `deny`. Its answer is a `303`
///    to the redirect URI with `code` and `state`, or `error=access_denied` and `state`;
///    [`Self::approve`] and [`Self::approve_url`] approve without the page either way;
/// 3. the client exchanges the code at the token endpoint.
///
/// The user is the default one ([`Self::user`]) unless the authorize URL's
/// `session_required_identities` (or [`Approval::identity`]) names another.
///
/// Each approval records the user's consents as Globus does: one per scope granted to the
/// client, the dependent scopes (`scope[dependent]`) below their scope, granted to the
/// resource server that uses them (`dependency_path` from the root down).
/// `GET /v2/api/identities/{identity_id}/consents` lists them for a user's Auth token (that
/// user's consents rooted at the token's client; `all=true`, with `view_consents`, every
/// one) or a client's credentials; [`Self::consents`] and [`Self::revoke_consent`] read and
/// withdraw them. Token grants honour them: a code gives, and a login's refresh token
/// renews, only the scopes still consented to (none left: `invalid_grant`).
///
/// Refresh tokens rotate by default ([`LocalGlobusBuilder::rotate_refresh_tokens`]): each
/// refresh grant returns a new refresh token and invalidates the one presented, which is then
/// `invalid_grant` (400, Auth's error document). Revoking a token
/// (`POST /v2/oauth2/token/revoke`, by the client it was issued to) makes every service
/// answer 401 for it; revoking a refresh token also revokes the access tokens issued with it
/// and from it, and the refresh tokens it was rotated from or into (RFC 7009, 2.1); revoking
/// an access token leaves its refresh token working.
/// - Transfer: `endpoint_search`, `get_endpoint`, `operation_ls`, `operation_mkdir`,
///   `operation_rename`, `operation_stat`, `get_submission_id`, `submit_transfer_document`,
///   `submit_delete_document`, `task_list`, `get_task`, `update_task`, `cancel_task`,
///   `task_event_list`, `task_successful_transfers`, `task_skipped_errors`,
///   `task_pause_info`; access rules (`endpoint_acl_list`, `add_endpoint_acl_rule`,
///   `get_endpoint_acl_rule`, `update_endpoint_acl_rule`, `delete_endpoint_acl_rule`) and
///   roles (`endpoint_role_list`, `add_endpoint_role`, `get_endpoint_role`,
///   `delete_endpoint_role`) of collections; `my_shared_endpoint_list`,
///   `get_shared_endpoint_list`, `my_effective_pause_rule_list`; bookmarks, v0.10
///   and v2 (`bookmark_list`, `create_bookmark`, `get_bookmark`, `update_bookmark`,
///   `delete_bookmark`, `list_bookmarks`, `create_bookmark_v2`, `get_bookmark_v2`,
///   `update_bookmark_v2`, `delete_bookmark_v2`); the endpoint manager's calls for
///   administrators and activity roles (`endpoint_manager_monitored_endpoints`,
///   `endpoint_manager_get_endpoint`, `endpoint_manager_hosted_endpoint_list`,
///   `endpoint_manager_acl_list`, `endpoint_manager_task_list`,
///   `endpoint_manager_get_task`, `endpoint_manager_task_event_list`,
///   `endpoint_manager_task_pause_info`, `endpoint_manager_task_successful_transfers`,
///   `endpoint_manager_task_skipped_errors`, `endpoint_manager_cancel_tasks`,
///   `endpoint_manager_cancel_status`); pause rules (`endpoint_manager_pause_rule_list`,
///   `endpoint_manager_create_pause_rule`, `endpoint_manager_get_pause_rule`,
///   `endpoint_manager_update_pause_rule`, `endpoint_manager_delete_pause_rule`), which refuse
///   `ls`, `mkdir` and `rename` and hold tasks while they apply, and tasks paused and resumed
///   by id (`endpoint_manager_pause_tasks`, `endpoint_manager_resume_tasks`).
/// - Timers (feature `timers`): `create_timer` (transfer timers), `create_job` (jobs calling
///   the Transfer action provider), `list_jobs`, `get_job`, `update_job`, `delete_job`,
///   `pause_job`, `resume_job`. Its scheduler really runs: at each due time it submits the
///   timer's transfer to the local Transfer over HTTP, as the timer's owner (through a
///   dependent grant Timers made at creation), and records the run with its task id.
///   Pausing stops the runs; resuming runs a missed run once at once, then follows the
///   schedule; a timer whose end is reached (its count of runs, its end time, a once-timer's
///   run) is `ended` and never runs again; deleting stops it. The scheduler stops with the
///   server.
/// - Search: every operation of its spec: `create_index`, `get_index`, `index_list`,
///   `update_index`, `delete_index`, `reopen_index`, `search`, `post_search`, `scroll`,
///   `ingest`, `create_entry`, `update_entry`, `get_subject`, `get_entry`, `delete_by_query`,
///   `batch_delete_by_subject`, `delete_subject`, `delete_entry`, `get_task`,
///   `get_task_list`, `create_role`, `get_role_list`, `delete_role` (what the engine
///   answers, and how: [`Self::search_url`]).
/// - Groups: all fourteen operations of its spec: `get_my_groups` (a top-level array, the
///   `statuses` filter), `create_group`, `get_group` (with `include`: `memberships`,
///   `my_memberships`, `policies`, `allowed_actions`, `child_ids`), `update_group`,
///   `delete_group`, `batch_membership_action` (every action, with its effect, or an error for
///   that identity in `errors`), `get_group_policies`, `set_group_policies`,
///   `get_membership_fields`, `set_membership_fields`, `get_identity_preferences`,
///   `set_identity_preferences`, `set_subscription_admin_verified`,
///   `get_group_by_subscription_id`. A private group does not exist for a non-member (404);
///   tokens need Groups' `all` scope, or `view_my_groups_and_memberships` to read.
/// - Flows (feature `flows`): every operation of its spec; runs really run in the background,
///   calling the local Transfer and Search as action providers as the run's user (what the
///   engine runs, and how: [`Self::flows_url`]).
/// - Compute (feature `compute`): every operation of its spec; tasks are accepted and wait
///   for their endpoint, never run ([`Self::compute_url`]).
///
/// Every path stays beneath its collection's root, no response carries a host path, the
/// authorize page redirects only to registered URIs and Auth grants only the services'
/// scopes (see the module documentation, "Facing hostile input").
///
/// ```
/// use globus_sdk::auth::ConfidentialAppClient;
/// use globus_sdk::scopes::Scope;
/// use globus_sdk::testing::LocalGlobus;
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let local = LocalGlobus::start().await.unwrap();
///
/// // The preloaded confidential client gets tokens...
/// let client = local.confidential_client();
/// let secret = client.secret().unwrap().clone();
/// let app = ConfidentialAppClient::with_config(client.id(), secret, local.config()).unwrap();
/// # #[cfg(feature = "transfer")] {
/// std::fs::write(local.collection("source").unwrap().root().join("hello.txt"), "hello").unwrap();
/// let scope = Scope::new("urn:globus:auth:scope:transfer.api.globus.org:all");
/// let authorizer = app.client_credentials_authorizer(&[scope]);
/// let transfer =
///     globus_sdk::transfer::Client::builder().config(local.config()).authorizer(authorizer).build().unwrap();
///
/// // ...and lists a collection's directory on Transfer.
/// let source = local.collection("source").unwrap().id().to_string();
/// let listing = transfer.operation_ls().endpoint_id(&source).path("/~/").send().await.unwrap();
/// assert_eq!(listing.data[0].name, "hello.txt");
/// # }
/// # });
/// ```
pub struct LocalGlobus {
    core: Arc<Core>,
    services: Vec<Arc<dyn Mounted>>,
    shutdown: tokio::sync::watch::Sender<bool>,
    /// The HTTPS listeners' CA (its file removed when dropped), if any serves HTTPS.
    #[cfg_attr(not(feature = "gcs"), allow(dead_code))]
    tls: Option<tls::LocalTls>,
}

impl std::fmt::Debug for LocalGlobus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalGlobus").field("services", &self.service_urls()).finish_non_exhaustive()
    }
}

impl LocalGlobus {
    /// Start with the defaults: ephemeral ports, tokens valid 48 hours, and with Transfer
    /// two temporary collections `source` and `destination`.
    pub async fn start() -> std::io::Result<LocalGlobus> {
        Self::builder().start().await
    }

    /// Configure before starting.
    pub fn builder() -> LocalGlobusBuilder {
        LocalGlobusBuilder::new()
    }

    /// The names of the emulated services (`auth`, `transfer`...), in the order they start.
    pub fn service_names() -> Vec<&'static str> {
        PLUGINS.iter().map(|p| p.name).collect()
    }

    /// The base URL (`http://127.0.0.1:<port>`, `https://` for GCS) of an emulated service,
    /// by its name.
    pub fn service_url(&self, service: &str) -> Option<String> {
        self.core.urls().url(service)
    }

    /// Every emulated service's name and base URL.
    pub fn service_urls(&self) -> Vec<(&'static str, String)> {
        self.core.urls().iter().collect()
    }

    /// A configuration whose service URLs point here, one per emulated service, trusting the
    /// local CA of the HTTPS listeners (GCS, `gcs_ca_file`) as a CA bundle (other
    /// settings from the environment), for any client builder or app client.
    pub fn config(&self) -> crate::Config {
        // Falling back to the defaults would point clients at the real Globus: never.
        self.core.urls().config().expect("http://127.0.0.1:<port> URLs are valid")
    }

    /// The fault rules (see [`Faults`]).
    pub fn faults(&self) -> &Faults {
        self.core.faults()
    }

    /// Every request received so far (the latest 10 000).
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.core.log().entries()
    }

    /// Forget the requests received so far.
    pub fn clear_requests(&self) {
        self.core.log().clear();
    }

    /// The environment variables that point a Globus client here: the service URLs
    /// (`GLOBUS_SDK_SERVICE_URL_<NAME>`, e.g. `GLOBUS_SDK_SERVICE_URL_AUTH`, with a trailing
    /// slash), the clients (`GLOBUS_LOCAL_CLIENT_ID`, `GLOBUS_LOCAL_CLIENT_SECRET`,
    /// `GLOBUS_LOCAL_NATIVE_CLIENT_ID`), the default user (`GLOBUS_LOCAL_USER_ID`,
    /// `GLOBUS_LOCAL_USERNAME`), with Transfer each collection
    /// (`GLOBUS_LOCAL_COLLECTION_<NAME>`, the name upper-cased with other characters than
    /// letters and digits as `_`), and with GCS (served over HTTPS) its CA file as
    /// `GLOBUS_SDK_VERIFY_SSL` (this SDK and the Python SDK) and `REQUESTS_CA_BUNDLE`
    /// (Python's requests).
    pub fn env_vars(&self) -> Vec<(String, String)> {
        let mut vars = self.core.urls().env_vars();
        for s in &self.services {
            vars.extend(s.env_vars());
        }
        vars
    }

    /// [`Self::env_vars`] as shell `export` lines.
    pub fn env_exports(&self) -> String {
        self.env_vars().iter().map(|(k, v)| format!("export {k}={}\n", shell_quote(v))).collect()
    }

    /// The running service `S`, to reach its own state.
    fn service<S: Service>(&self) -> Option<&S> {
        self.services.iter().find_map(|s| s.as_any().downcast_ref::<Running<S>>()).map(|r| &r.service)
    }

    /// The base URL of a registered service (empty if it were not registered).
    fn url_of(&self, service: &str) -> String {
        self.service_url(service).unwrap_or_default()
    }
}

/// Quote a value for a POSIX shell when it needs it.
fn shell_quote(v: &str) -> String {
    if !v.is_empty() && v.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:@%+=,".contains(c)) {
        v.to_string()
    } else {
        format!("'{}'", v.replace('\'', r"'\''"))
    }
}

impl Drop for LocalGlobus {
    fn drop(&mut self) {
        self.core.stop();
        let _ = self.shutdown.send(true);
        for s in &self.services {
            s.stop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_can_be_shared_between_threads() {
        fn shareable<T: Send + Sync>() {}
        shareable::<LocalGlobus>();
        shareable::<Faults>();
    }

    #[test]
    fn shell_quoting() {
        assert_eq!(shell_quote("http://127.0.0.1:80/"), "http://127.0.0.1:80/");
        assert_eq!(shell_quote("a b'c"), r"'a b'\''c'");
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn services_have_distinct_names() {
        let names = LocalGlobus::service_names();
        assert_eq!(names[0], "auth", "Auth starts first");
        for (i, n) in names.iter().enumerate() {
            assert!(!names[..i].contains(n), "{n} is registered twice");
            assert!(n.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()), "{n}");
        }
    }
}

//! Transfer and delete task documents: every option, only the ones set are sent.

use std::sync::OnceLock;

use super::types;
use crate::error::Error;

/// How Transfer decides that a file already at the destination need not be copied again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncLevel {
    /// Copy only files that do not exist at the destination (0).
    Exists,
    /// ... or whose size differs (1).
    Size,
    /// ... or whose modification time is older at the destination (2).
    Mtime,
    /// ... or whose checksum differs (3).
    Checksum,
}

impl SyncLevel {
    /// The number the API uses.
    pub fn as_api(self) -> i64 {
        match self {
            SyncLevel::Exists => 0,
            SyncLevel::Size => 1,
            SyncLevel::Mtime => 2,
            SyncLevel::Checksum => 3,
        }
    }
}

/// A filter rule of a recursive transfer: include or exclude names matching a glob.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilterRule {
    /// Include (true) or exclude (false) what matches.
    pub include: bool,
    /// The glob (`*.tmp`, `.git`...).
    pub name: String,
    /// Only files (`Some(false)`), only directories (`Some(true)`), or both (`None`).
    pub directories: Option<bool>,
}

/// A transfer task to submit with [`Client::submit_transfer`](super::Client::submit_transfer).
///
/// Options are builder setters: they take the value and give it back, so a document reads as
/// one expression. What a task holds several of (items, filter rules) is added through
/// `&mut self`, so a loop can add them without rebinding; those methods give back `&mut Self`
/// to chain.
///
/// ```
/// use globus_sdk::transfer::{SyncLevel, TransferData};
/// let mut data = TransferData::new("SRC-COLLECTION-ID", "DST-COLLECTION-ID")
///     .label("nightly results")
///     .sync_level(SyncLevel::Checksum)
///     .verify_checksum(true);
/// data.exclude("*.tmp").add_item("/results/run-1/", "/backup/run-1/", true);
/// for name in ["summary.csv", "notes.txt"] {
///     data.add_item(format!("/results/{name}"), format!("/backup/{name}"), false);
/// }
/// let doc = data.to_document("SUBMISSION-ID").unwrap();
/// let json = serde_json::to_value(&doc).unwrap();
/// assert_eq!(json["sync_level"], 3);
/// assert_eq!(json["DATA"][0]["recursive"], true);
/// assert_eq!(json["DATA"][2]["source_path"], "/results/notes.txt");
/// assert!(json.get("deadline").is_none(), "options left unset are not sent");
/// ```
#[derive(Clone, Debug, PartialEq)]
#[must_use]
pub struct TransferData {
    source: String,
    destination: String,
    submission_id: SubmissionId,
    items: Vec<types::TransferItem>,
    filter_rules: Vec<FilterRule>,
    label: Option<String>,
    sync_level: Option<SyncLevel>,
    verify_checksum: Option<bool>,
    preserve_timestamp: Option<bool>,
    encrypt_data: Option<bool>,
    deadline: Option<String>,
    skip_source_errors: Option<bool>,
    fail_on_quota_errors: Option<bool>,
    delete_destination_extra: Option<bool>,
    notify_on_succeeded: Option<bool>,
    notify_on_failed: Option<bool>,
    notify_on_inactive: Option<bool>,
    source_local_user: Option<String>,
    destination_local_user: Option<String>,
    extra: serde_json::Map<String, serde_json::Value>,
}

/// A document's submission id: the one the caller set, else the one fetched at its first
/// submission, kept so that every resubmission of the document (or of a clone) reuses it.
#[derive(Clone, Debug, Default, PartialEq)]
struct SubmissionId {
    given: Option<String>,
    fetched: OnceLock<String>,
}

impl SubmissionId {
    fn given(id: String) -> Self {
        SubmissionId { given: Some(id), fetched: OnceLock::new() }
    }

    fn get(&self) -> Option<&str> {
        self.given.as_deref().or_else(|| self.fetched.get().map(String::as_str))
    }

    /// Keep `id`, fetched for the first submission; a concurrent submission may have kept one
    /// first, and that one is returned.
    fn remember(&self, id: String) -> &str {
        self.get().unwrap_or_else(|| self.fetched.get_or_init(|| id))
    }
}

macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident: $ty:ty),* $(,)?) => {
        $(
            $(#[$doc])*
            pub fn $name(mut self, value: impl Into<$ty>) -> Self {
                self.$name = Some(value.into());
                self
            }
        )*
    };
}

impl TransferData {
    /// A transfer from collection `source` to collection `destination`.
    pub fn new(source: impl Into<String>, destination: impl Into<String>) -> Self {
        TransferData {
            source: source.into(),
            destination: destination.into(),
            submission_id: SubmissionId::default(),
            items: Vec::new(),
            filter_rules: Vec::new(),
            label: None,
            sync_level: None,
            verify_checksum: None,
            preserve_timestamp: None,
            encrypt_data: None,
            deadline: None,
            skip_source_errors: None,
            fail_on_quota_errors: None,
            delete_destination_extra: None,
            notify_on_succeeded: None,
            notify_on_failed: None,
            notify_on_inactive: None,
            source_local_user: None,
            destination_local_user: None,
            extra: Default::default(),
        }
    }

    /// The source collection's id.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The destination collection's id.
    pub fn destination(&self) -> &str {
        &self.destination
    }

    /// Copy `source_path` to `destination_path`; `recursive` for a directory.
    ///
    /// ```
    /// # let files = ["a.dat", "b.dat"];
    /// let mut data = globus_sdk::transfer::TransferData::new("SRC-ID", "DST-ID");
    /// for f in files {
    ///     data.add_item(format!("/in/{f}"), format!("/out/{f}"), false);
    /// }
    /// ```
    pub fn add_item(
        &mut self,
        source_path: impl Into<String>,
        destination_path: impl Into<String>,
        recursive: bool,
    ) -> &mut Self {
        let mut item = item(source_path.into(), destination_path.into());
        item.recursive = recursive.then_some(true);
        self.items.push(item);
        self
    }

    /// Copy a file and have Transfer check it against a checksum you computed.
    ///
    /// ```
    /// let mut data = globus_sdk::transfer::TransferData::new("SRC-ID", "DST-ID");
    /// data.add_item_with_checksum("/in/a.dat", "/out/a.dat", "9e107d9d372bb6826bd81d3542a419d6", "MD5");
    /// ```
    pub fn add_item_with_checksum(
        &mut self,
        source_path: impl Into<String>,
        destination_path: impl Into<String>,
        checksum: impl Into<String>,
        algorithm: impl Into<String>,
    ) -> &mut Self {
        let mut item = item(source_path.into(), destination_path.into());
        item.external_checksum = Some(checksum.into());
        item.checksum_algorithm = Some(algorithm.into());
        self.items.push(item);
        self
    }

    /// Add a filter rule (it applies to recursive items only); [`Self::exclude`] and
    /// [`Self::include`] are the common cases.
    ///
    /// ```
    /// use globus_sdk::transfer::{FilterRule, TransferData};
    /// let mut data = TransferData::new("SRC-ID", "DST-ID");
    /// data.add_filter_rule(FilterRule { include: false, name: ".git".into(), directories: Some(true) })
    ///     .add_item("/repo/", "/backup/repo/", true);
    /// ```
    pub fn add_filter_rule(&mut self, rule: FilterRule) -> &mut Self {
        self.filter_rules.push(rule);
        self
    }

    /// Exclude files and directories whose name matches `glob` (a filter rule).
    pub fn exclude(&mut self, glob: impl Into<String>) -> &mut Self {
        self.add_filter_rule(FilterRule { include: false, name: glob.into(), directories: None })
    }

    /// Include files and directories whose name matches `glob` (a filter rule, applied after
    /// exclusions).
    pub fn include(&mut self, glob: impl Into<String>) -> &mut Self {
        self.add_filter_rule(FilterRule { include: true, name: glob.into(), directories: None })
    }

    /// Finish the task by this time (RFC 3339), or fail.
    pub fn deadline(mut self, deadline: chrono::DateTime<chrono::Utc>) -> Self {
        self.deadline = Some(rfc3339(deadline));
        self
    }

    /// When a file needs no copying.
    pub fn sync_level(mut self, level: SyncLevel) -> Self {
        self.sync_level = Some(level);
        self
    }

    /// A field this SDK does not know yet, sent as given.
    pub fn extra_field(mut self, name: impl Into<String>, value: serde_json::Value) -> Self {
        self.extra.insert(name.into(), value);
        self
    }

    setters! {
        /// A label for the task.
        label: String,
        /// Verify each file's checksum after copying.
        verify_checksum: bool,
        /// Keep modification times.
        preserve_timestamp: bool,
        /// Encrypt data in transit.
        encrypt_data: bool,
        /// Go on when a source file cannot be read.
        skip_source_errors: bool,
        /// Fail at once when the destination is over quota.
        fail_on_quota_errors: bool,
        /// Delete destination files not present at the source (recursive items).
        delete_destination_extra: bool,
        /// Email when the task succeeds.
        notify_on_succeeded: bool,
        /// Email when the task fails.
        notify_on_failed: bool,
        /// Email when the task needs attention.
        notify_on_inactive: bool,
        /// The local account to read the source as.
        source_local_user: String,
        /// The local account to write the destination as.
        destination_local_user: String,
    }

    /// Use this submission id (else one is fetched when submitting).
    pub fn submission_id(mut self, id: impl Into<String>) -> Self {
        self.submission_id = SubmissionId::given(id.into());
        self
    }

    /// The submission id: the one set, else the one fetched when it was first submitted
    /// (every later submission of this data, or of a clone, reuses it, so Transfer
    /// recognises a resend and creates no second task).
    pub fn get_submission_id(&self) -> Option<&str> {
        self.submission_id.get()
    }

    /// A copy for a new task: the same document without its submission id, so submitting it
    /// creates a task even after this data was submitted (submitting this data again resends
    /// to the task it created).
    pub fn to_new_submission(&self) -> Self {
        Self { submission_id: SubmissionId::default(), ..self.clone() }
    }

    pub(crate) fn remember_submission_id(&self, id: String) -> &str {
        self.submission_id.remember(id)
    }

    /// The document sent to Transfer, with `submission_id` unless one is set already.
    pub fn to_document(&self, submission_id: &str) -> Result<types::TransferDocument, Error> {
        if self.items.is_empty() {
            return Err(Error::invalid_request("a transfer needs at least one item (TransferData::add_item)"));
        }
        let filter_rules = self
            .filter_rules
            .iter()
            .map(|r| types::FilterRule {
                data_type: "filter_rule".into(),
                method: if r.include { types::FilterRuleMethod::Include } else { types::FilterRuleMethod::Exclude },
                name: r.name.clone(),
                type_: r.directories.map(|d| if d { types::FilterRuleType::Dir } else { types::FilterRuleType::File }),
            })
            .collect();
        Ok(types::TransferDocument {
            data: self.items.clone(),
            data_type: "transfer".into(),
            deadline: self.deadline.clone(),
            delete_destination_extra: self.delete_destination_extra,
            destination_endpoint: self.destination.clone(),
            destination_local_user: self.destination_local_user.clone(),
            encrypt_data: self.encrypt_data,
            fail_on_quota_errors: self.fail_on_quota_errors,
            filter_rules,
            label: self.label.clone(),
            notify_on_failed: self.notify_on_failed,
            notify_on_inactive: self.notify_on_inactive,
            notify_on_succeeded: self.notify_on_succeeded,
            preserve_timestamp: self.preserve_timestamp,
            recursive_symlinks: None,
            skip_source_errors: self.skip_source_errors,
            source_endpoint: self.source.clone(),
            source_local_user: self.source_local_user.clone(),
            store_base_path_info: None,
            submission_id: self.submission_id.get().unwrap_or(submission_id).to_string(),
            sync_level: self.sync_level.map(SyncLevel::as_api),
            verify_checksum: self.verify_checksum,
            extra: self.extra.clone(),
        })
    }
}

/// A deadline as Transfer reads it (RFC 3339, UTC, whole seconds).
fn rfc3339(deadline: chrono::DateTime<chrono::Utc>) -> String {
    deadline.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn item(source_path: String, destination_path: String) -> types::TransferItem {
    types::TransferItem {
        checksum_algorithm: None,
        data_type: "transfer_item".into(),
        destination_path,
        external_checksum: None,
        recursive: None,
        source_path,
        extra: Default::default(),
    }
}

/// A delete task to submit with [`Client::submit_delete`](super::Client::submit_delete).
///
/// As with [`TransferData`], options are builder setters by value and paths are added through
/// `&mut self`.
///
/// ```
/// use globus_sdk::transfer::DeleteData;
/// let mut data = DeleteData::new("COLLECTION-ID").recursive(true).ignore_missing(true);
/// data.add_item("/scratch/old/");
/// let json = serde_json::to_value(data.to_document("SUB-ID").unwrap()).unwrap();
/// assert_eq!(json["DATA"][0], serde_json::json!({"DATA_TYPE": "delete_item", "path": "/scratch/old/"}));
/// assert_eq!(json["recursive"], true);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[must_use]
pub struct DeleteData {
    endpoint: String,
    submission_id: SubmissionId,
    items: Vec<String>,
    label: Option<String>,
    deadline: Option<String>,
    recursive: Option<bool>,
    ignore_missing: Option<bool>,
    interpret_globs: Option<bool>,
    local_user: Option<String>,
    notify_on_succeeded: Option<bool>,
    notify_on_failed: Option<bool>,
    notify_on_inactive: Option<bool>,
    extra: serde_json::Map<String, serde_json::Value>,
}

impl DeleteData {
    /// A delete on collection `endpoint`.
    pub fn new(endpoint: impl Into<String>) -> Self {
        DeleteData {
            endpoint: endpoint.into(),
            submission_id: SubmissionId::default(),
            items: Vec::new(),
            label: None,
            deadline: None,
            recursive: None,
            ignore_missing: None,
            interpret_globs: None,
            local_user: None,
            notify_on_succeeded: None,
            notify_on_failed: None,
            notify_on_inactive: None,
            extra: Default::default(),
        }
    }

    /// Delete `path`.
    ///
    /// ```
    /// let mut data = globus_sdk::transfer::DeleteData::new("COLLECTION-ID");
    /// for run in 1..=3 {
    ///     data.add_item(format!("/scratch/run-{run}.log"));
    /// }
    /// ```
    pub fn add_item(&mut self, path: impl Into<String>) -> &mut Self {
        self.items.push(path.into());
        self
    }

    /// Finish the task by this time, or fail.
    pub fn deadline(mut self, deadline: chrono::DateTime<chrono::Utc>) -> Self {
        self.deadline = Some(rfc3339(deadline));
        self
    }

    /// A field this SDK does not know yet, sent as given.
    pub fn extra_field(mut self, name: impl Into<String>, value: serde_json::Value) -> Self {
        self.extra.insert(name.into(), value);
        self
    }

    setters! {
        /// A label for the task.
        label: String,
        /// Delete directories and what they hold.
        recursive: bool,
        /// Do not fail on paths that do not exist.
        ignore_missing: bool,
        /// Treat `*`, `?` and `[...]` in paths as globs.
        interpret_globs: bool,
        /// The local account to delete as.
        local_user: String,
        /// Email when the task succeeds.
        notify_on_succeeded: bool,
        /// Email when the task fails.
        notify_on_failed: bool,
        /// Email when the task needs attention.
        notify_on_inactive: bool,
    }

    /// Use this submission id (else one is fetched when submitting).
    pub fn submission_id(mut self, id: impl Into<String>) -> Self {
        self.submission_id = SubmissionId::given(id.into());
        self
    }

    /// The submission id: the one set, else the one fetched when it was first submitted
    /// (every later submission of this data, or of a clone, reuses it, so Transfer
    /// recognises a resend and creates no second task).
    pub fn get_submission_id(&self) -> Option<&str> {
        self.submission_id.get()
    }

    /// A copy for a new task: the same document without its submission id, so submitting it
    /// creates a task even after this data was submitted (submitting this data again resends
    /// to the task it created).
    pub fn to_new_submission(&self) -> Self {
        Self { submission_id: SubmissionId::default(), ..self.clone() }
    }

    pub(crate) fn remember_submission_id(&self, id: String) -> &str {
        self.submission_id.remember(id)
    }

    /// The document sent to Transfer, with `submission_id` unless one is set already.
    pub fn to_document(&self, submission_id: &str) -> Result<types::DeleteDocument, Error> {
        if self.items.is_empty() {
            return Err(Error::invalid_request("a delete needs at least one item (DeleteData::add_item)"));
        }
        Ok(types::DeleteDocument {
            data: self
                .items
                .iter()
                .map(|p| types::DeleteItem {
                    data_type: "delete_item".into(),
                    path: p.clone(),
                    extra: Default::default(),
                })
                .collect(),
            data_type: "delete".into(),
            deadline: self.deadline.clone(),
            endpoint: self.endpoint.clone(),
            ignore_missing: self.ignore_missing,
            interpret_globs: self.interpret_globs,
            label: self.label.clone(),
            local_user: self.local_user.clone(),
            notify_on_failed: self.notify_on_failed,
            notify_on_inactive: self.notify_on_inactive,
            notify_on_succeeded: self.notify_on_succeeded,
            recursive: self.recursive,
            store_base_path_info: None,
            submission_id: self.submission_id.get().unwrap_or(submission_id).to_string(),
            extra: self.extra.clone(),
        })
    }
}

//! Typed GCS documents to send: collections (mapped, guest), storage gateways and the policies of
//! each connector, the endpoint, roles and user credentials.
//!
//! Each holds the JSON document itself, written by typed setters (a field set twice keeps its
//! last value; an empty list set on purpose is sent as `[]`, which clears a list in an update),
//! and converts into the operation's generated body through serde, whose `extra` map keeps
//! every field the spec does not name. `DATA_TYPE` is the lowest version that has every field
//! set, as the Python SDK deduces it (`collection#1.0.0` grows to `collection#1.15.0` with
//! `associated_flow_policy`), unless set explicitly with `data_type`. `Debug` redacts secrets
//! (every field the GCS spec marks as a password, at any depth).

use super::types;
use serde_json::{Map, Value};

/// Generate the document type, its setters, `Debug` and conversion.
macro_rules! document {
    (
        $(#[$meta:meta])*
        $name:ident => $target:ty, $what:literal, base: $base:literal,
        versions: [$($vfield:literal => $version:literal),* $(,)?],
        $(str: [$($sfield:ident),* $(,)?],)?
        $(bool: [$($bfield:ident),* $(,)?],)?
        $(int: [$($ifield:ident),* $(,)?],)?
        $(strs: [$($lfield:ident),* $(,)?],)?
        $(json: [$($jfield:ident),* $(,)?],)?
        $(secret: [$($xfield:ident),* $(,)?],)?
    ) => {
        $(#[$meta])*
        #[derive(Clone, Default, PartialEq)]
        pub struct $name(Map<String, Value>);

        impl $name {
            $($(
                #[doc = concat!("Set `", stringify!($sfield), "`.")]
                pub fn $sfield(mut self, value: impl Into<String>) -> Self {
                    self.0.insert(field_name(stringify!($sfield)), Value::String(value.into()));
                    self
                }
            )*)?
            $($(
                #[doc = concat!("Set `", stringify!($bfield), "`.")]
                pub fn $bfield(mut self, value: bool) -> Self {
                    self.0.insert(field_name(stringify!($bfield)), Value::Bool(value));
                    self
                }
            )*)?
            $($(
                #[doc = concat!("Set `", stringify!($ifield), "`.")]
                pub fn $ifield(mut self, value: i64) -> Self {
                    self.0.insert(field_name(stringify!($ifield)), Value::from(value));
                    self
                }
            )*)?
            $($(
                #[doc = concat!("Set the list `", stringify!($lfield), "` (an empty list is sent as `[]`).")]
                pub fn $lfield<S: Into<String>>(mut self, values: impl IntoIterator<Item = S>) -> Self {
                    let values = values.into_iter().map(|v| Value::String(v.into())).collect();
                    self.0.insert(field_name(stringify!($lfield)), Value::Array(values));
                    self
                }
            )*)?
            $($(
                #[doc = concat!("Set the document `", stringify!($jfield), "` (any JSON).")]
                pub fn $jfield(mut self, value: impl Into<Value>) -> Self {
                    self.0.insert(field_name(stringify!($jfield)), value.into());
                    self
                }
            )*)?
            $($(
                #[doc = concat!("Set the secret `", stringify!($xfield), "` (redacted in `Debug` and logs).")]
                pub fn $xfield(mut self, value: impl Into<String>) -> Self {
                    self.0.insert(field_name(stringify!($xfield)), Value::String(value.into()));
                    self
                }
            )*)?

            /// Set `DATA_TYPE` explicitly (otherwise the version the fields need).
            pub fn data_type(mut self, value: impl Into<String>) -> Self {
                self.0.insert("DATA_TYPE".into(), Value::String(value.into()));
                self
            }

            /// Set any other field (the last value set wins, as in a Python dict).
            pub fn extra(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
                self.0.insert(name.into(), value.into());
                self
            }

            /// The document as it will be sent, with its `DATA_TYPE`.
            pub fn to_value(&self) -> Value {
                let mut map = self.0.clone();
                if !map.contains_key("DATA_TYPE") && !$base.is_empty() {
                    let version = deduce_version(&map, &[$(($vfield, $version)),*]);
                    map.insert("DATA_TYPE".into(), Value::String(format!("{}#{}", $base, version)));
                }
                order_data_type(map)
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let mut value = self.to_value();
                redact(&mut value);
                f.debug_tuple(stringify!($name)).field(&value).finish()
            }
        }

        impl TryFrom<&$name> for $target {
            type Error = String;
            fn try_from(doc: &$name) -> Result<Self, String> {
                serde_json::from_value(doc.to_value()).map_err(|e| {
                    format!(concat!("the ", $what, " does not fit the operation's body ({}): a required field is missing, or a value given to `extra` has the wrong type"), e)
                })
            }
        }

        impl TryFrom<$name> for $target {
            type Error = String;
            fn try_from(doc: $name) -> Result<Self, String> {
                (&doc).try_into()
            }
        }
    };
}

/// Rust names for fields whose JSON name is not snake case or is a keyword.
fn field_name(rust: &str) -> String {
    match rust {
        "enterprise_id" => "enterpriseID".into(),
        "box_app_settings" => "boxAppSettings".into(),
        other => other.trim_start_matches("r#").to_string(),
    }
}

/// `DATA_TYPE` first, as GCS documents show it.
fn order_data_type(mut map: Map<String, Value>) -> Value {
    let mut out = Map::new();
    if let Some(v) = map.remove("DATA_TYPE") {
        out.insert("DATA_TYPE".into(), v);
    }
    out.extend(map);
    Value::Object(out)
}

/// The lowest version having every field set (base `1.0.0`).
fn deduce_version(map: &Map<String, Value>, table: &[(&str, &str)]) -> String {
    let parse = |v: &str| -> (u32, u32, u32) {
        let mut it = v.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
        (it.next().unwrap_or(0), it.next().unwrap_or(0), it.next().unwrap_or(0))
    };
    let mut best = (1, 0, 0);
    for (field, version) in table {
        if map.contains_key(*field) {
            best = best.max(parse(version));
        }
    }
    // A `user_message` over 64 characters needs `collection#1.7.0`.
    if map.get("user_message").and_then(Value::as_str).is_some_and(|m| m.chars().count() > 64) {
        best = best.max((1, 7, 0));
    }
    format!("{}.{}.{}", best.0, best.1, best.2)
}

/// Replace every secret field (the GCS spec's passwords, at any depth) with a marker.
fn redact(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if super::SERVICE.secret_fields.contains(&key.as_str()) && !v.is_null() {
                    *v = Value::String("[redacted]".into());
                } else {
                    redact(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

/// The collection fields whose presence needs a later `collection#` version (Python's table).
macro_rules! collection_document {
    ($(#[$meta:meta])* $name:ident, $kind:literal, str: [$($s:ident),*], bool: [$($b:ident),*], int: [$($i:ident),*], strs: [$($l:ident),*], json: [$($j:ident),*]) => {
        document! {
            $(#[$meta])*
            $name => types::CollectionDocument, "collection document", base: "collection",
            versions: [
                "associated_flow_policy" => "1.15.0", "activity_notification_policy" => "1.14.0",
                "auto_delete_timeout" => "1.13.0", "skip_auto_delete" => "1.13.0",
                "restrict_transfers_to_high_assurance" => "1.12.0", "acl_expiration_mins" => "1.10.0",
                "delete_protected" => "1.8.0", "guest_auth_policy_id" => "1.6.0",
                "disable_anonymous_writes" => "1.5.0", "force_verify" => "1.4.0",
                "sharing_users_allow" => "1.2.0", "sharing_users_deny" => "1.2.0",
                "enable_https" => "1.1.0", "user_message" => "1.1.0", "user_message_link" => "1.1.0",
            ],
            str: [collection_base_path, contact_email, contact_info, default_directory, department, description,
                  display_name, identity_id, info_link, organization, restrict_transfers_to_high_assurance,
                  user_message, user_message_link $(, $s)*],
            bool: [disable_verify, enable_https, force_encryption, force_verify, public, skip_auto_delete $(, $b)*],
            int: [acl_expiration_mins $(, $i)*],
            strs: [keywords $(, $l)*],
            json: [associated_flow_policy, activity_notification_policy $(, $j)*],
        }

        impl $name {
            /// A new document (`collection_type` set).
            pub fn new() -> Self {
                let mut map = Map::new();
                map.insert("collection_type".into(), Value::String($kind.into()));
                Self(map)
            }
        }
    };
}

collection_document! {
    /// A mapped collection to create or update (Python: `MappedCollectionDocument`): the
    /// `collection_type` is `mapped`, `DATA_TYPE` the version its fields need.
    ///
    /// ```
    /// use globus_sdk::gcs::MappedCollectionDocument;
    /// let doc = MappedCollectionDocument::new()
    ///     .storage_gateway_id("sg-1")
    ///     .collection_base_path("/data")
    ///     .display_name("Data")
    ///     .sharing_users_allow(["alice"]);
    /// let json = doc.to_value();
    /// assert_eq!(json["DATA_TYPE"], "collection#1.2.0");
    /// assert_eq!(json["collection_type"], "mapped");
    /// let body: globus_sdk::gcs::types::CollectionDocument = doc.try_into().unwrap();
    /// ```
    MappedCollectionDocument, "mapped",
    str: [domain_name, guest_auth_policy_id, storage_gateway_id],
    bool: [delete_protected, allow_guest_collections, disable_anonymous_writes],
    int: [auto_delete_timeout],
    strs: [sharing_users_allow, sharing_users_deny],
    json: [sharing_restrict_paths, policies]
}

collection_document! {
    /// A guest collection to create or update (Python: `GuestCollectionDocument`): a share of a
    /// path of a mapped collection, using one of your user credentials.
    ///
    /// ```
    /// use globus_sdk::gcs::GuestCollectionDocument;
    /// let doc = GuestCollectionDocument::new()
    ///     .mapped_collection_id("mc-1")
    ///     .user_credential_id("uc-1")
    ///     .collection_base_path("/shared")
    ///     .display_name("Shared");
    /// assert_eq!(doc.to_value()["DATA_TYPE"], "collection#1.0.0");
    /// assert_eq!(doc.to_value()["collection_type"], "guest");
    /// ```
    GuestCollectionDocument, "guest",
    str: [mapped_collection_id, user_credential_id],
    bool: [],
    int: [],
    strs: [],
    json: []
}

document! {
    /// A storage gateway to create or update (Python: `StorageGatewayDocument`), with the
    /// policies of its connector ([`StoragePolicies`]).
    ///
    /// ```
    /// use globus_sdk::gcs::{Connector, StorageGatewayDocument, StoragePolicies};
    /// let doc = StorageGatewayDocument::new()
    ///     .display_name("Home")
    ///     .connector_id(Connector::POSIX.id)
    ///     .root("/")
    ///     .allowed_domains(["example.edu"])
    ///     .policies(StoragePolicies::posix().groups_allow(["staff"]));
    /// let json = doc.to_value();
    /// assert_eq!(json["DATA_TYPE"], "storage_gateway#1.0.0");
    /// assert_eq!(json["policies"]["DATA_TYPE"], "posix_storage_policies#1.0.0");
    /// ```
    StorageGatewayDocument => types::StorageGatewayDocument, "storage gateway document", base: "storage_gateway",
    versions: ["require_mfa" => "1.1.0"],
    str: [display_name, connector_id, root, process_user, load_dsi_module, network_use],
    bool: [high_assurance, require_high_assurance, require_mfa, admin_managed_credentials],
    int: [authentication_timeout_mins, max_concurrency, max_parallelism, preferred_concurrency, preferred_parallelism],
    strs: [allowed_domains, users_allow, users_deny],
    json: [identity_mappings, restrict_paths],
}

impl StorageGatewayDocument {
    /// An empty document.
    pub fn new() -> Self {
        Self::default()
    }

    /// Set the connector's policies.
    pub fn policies(mut self, policies: StoragePolicies) -> Self {
        self.0.insert("policies".into(), policies.to_value());
        self
    }
}

document! {
    /// A storage gateway's connector-specific policies. Start from the connector's constructor
    /// ([`posix`](Self::posix), [`s3`](Self::s3), [`google_drive`](Self::google_drive)...), which
    /// sets its `DATA_TYPE`, then set the fields that connector reads (the Python SDK's
    /// `POSIXStoragePolicies`, `S3StoragePolicies`...). Secrets (`secret`,
    /// `ceph_admin_secret_key`, and the private key and secrets inside `box_app_settings` and
    /// `service_account_key`) are redacted in `Debug` and in logs.
    ///
    /// ```
    /// use globus_sdk::gcs::StoragePolicies;
    /// let p = StoragePolicies::google_drive().client_id("cid").secret("hunter2").user_api_rate_quota(100);
    /// assert_eq!(p.to_value()["DATA_TYPE"], "google_drive_storage_policies#1.0.0");
    /// assert!(!format!("{p:?}").contains("hunter2"));
    /// ```
    StoragePolicies => types::StorageGatewayPolicies, "storage policies document", base: "",
    versions: [],
    str: [client_id, tenant, account, auth_type, s3_endpoint, ceph_admin_key_id, bp_access_id_file, enterprise_id,
          stage_app, authentication_mech, authenticator, login_name, irods_environment_file, irods_authentication_file],
    bool: [s3_user_credential_required, s3_requester_pays, adls, allow_any_account, uda_checksum],
    int: [user_api_rate_quota, user_api_rate_limit],
    strs: [groups_allow, groups_deny, s3_buckets, buckets, projects],
    json: [box_app_settings, service_account_key, environment],
    secret: [secret, ceph_admin_secret_key],
}

impl StoragePolicies {
    /// Policies of the connector whose document type is `data_type` (for a connector without a
    /// constructor here, or a later version). Policies built with `default()` have no
    /// `DATA_TYPE` until one is set (as Python's dict policies).
    pub fn new(data_type: impl Into<String>) -> Self {
        Self::default().data_type(data_type)
    }
    /// POSIX (`posix_storage_policies#1.0.0`): `groups_allow`, `groups_deny`.
    pub fn posix() -> Self {
        Self::new("posix_storage_policies#1.0.0")
    }
    /// POSIX staging (`posix_staging_storage_policies#1.0.0`): groups, `stage_app`, `environment`.
    pub fn posix_staging() -> Self {
        Self::new("posix_staging_storage_policies#1.0.0")
    }
    /// S3 (`s3_storage_policies#1.0.0`): `s3_endpoint`, `s3_buckets`, `s3_user_credential_required`.
    pub fn s3() -> Self {
        Self::new("s3_storage_policies#1.0.0")
    }
    /// ActiveScale (`activescale_storage_policies#1.0.0`): the S3 fields.
    pub fn activescale() -> Self {
        Self::new("activescale_storage_policies#1.0.0")
    }
    /// Ceph (`ceph_storage_policies#1.0.0`): `s3_endpoint`, `s3_buckets`, the admin key.
    pub fn ceph() -> Self {
        Self::new("ceph_storage_policies#1.0.0")
    }
    /// BlackPearl (`blackpearl_storage_policies#1.0.0`): `s3_endpoint`, `bp_access_id_file`.
    pub fn blackpearl() -> Self {
        Self::new("blackpearl_storage_policies#1.0.0")
    }
    /// Box (`box_storage_policies#1.0.0`): `enterpriseID`, `boxAppSettings`.
    pub fn box_storage() -> Self {
        Self::new("box_storage_policies#1.0.0")
    }
    /// Google Drive (`google_drive_storage_policies#1.0.0`): `client_id`, `secret`, `user_api_rate_quota`.
    pub fn google_drive() -> Self {
        Self::new("google_drive_storage_policies#1.0.0")
    }
    /// Google Cloud Storage (`google_cloud_storage_policies#1.0.0`): `client_id`, `secret`,
    /// `service_account_key`, `buckets`, `projects`.
    pub fn google_cloud_storage() -> Self {
        Self::new("google_cloud_storage_policies#1.0.0")
    }
    /// OneDrive (`onedrive_storage_policies#1.0.0`): `client_id`, `secret`, `tenant`, `user_api_rate_limit`.
    pub fn onedrive() -> Self {
        Self::new("onedrive_storage_policies#1.0.0")
    }
    /// Azure Blob (`azure_blob_storage_policies#1.0.0`): `client_id`, `secret`, `tenant`,
    /// `account`, `auth_type`, `adls`.
    pub fn azure_blob() -> Self {
        Self::new("azure_blob_storage_policies#1.0.0")
    }
    /// iRODS (`irods_storage_policies#1.0.0`): the environment and authentication files.
    pub fn irods() -> Self {
        Self::new("irods_storage_policies#1.0.0")
    }
    /// HPSS (`hpss_storage_policies#1.0.0`): `authentication_mech`, `authenticator`, `uda_checksum`
    /// (GCS's own name for it; the Python SDK sends `uda_checksum_support`, which `extra` can
    /// set); `login_name` needs `hpss_storage_policies#1.1.0` (set it with `data_type`).
    pub fn hpss() -> Self {
        Self::new("hpss_storage_policies#1.0.0")
    }
}

document! {
    /// The endpoint's fields to update or replace (Python: `EndpointDocument`).
    ///
    /// ```
    /// let doc = globus_sdk::gcs::EndpointDocument::new().display_name("Lab DTN").gridftp_control_channel_port(443);
    /// assert_eq!(doc.to_value()["DATA_TYPE"], "endpoint#1.1.0");
    /// ```
    EndpointDocument => types::EndpointDocument, "endpoint document", base: "endpoint",
    versions: ["gridftp_control_channel_port" => "1.1.0"],
    str: [contact_email, contact_info, department, description, display_name, info_link, network_use, organization],
    bool: [allow_udt, public],
    int: [max_concurrency, max_parallelism, preferred_concurrency, preferred_parallelism, gridftp_control_channel_port],
    strs: [keywords],
}

impl EndpointDocument {
    /// An empty document.
    pub fn new() -> Self {
        Self::default()
    }

    /// Set the subscription, or `None` to send `null` (leave the subscription).
    pub fn subscription_id(mut self, value: Option<&str>) -> Self {
        self.0.insert("subscription_id".into(), value.map_or(Value::Null, |v| Value::String(v.into())));
        self
    }
}

document! {
    /// A role to grant (Python: `GCSRoleDocument`): `principal` is
    /// `urn:globus:auth:identity:<id>` or `urn:globus:groups:id:<id>`; without `collection`, an
    /// endpoint role.
    ///
    /// ```
    /// let doc = globus_sdk::gcs::RoleDocument::new("urn:globus:auth:identity:u-1", "administrator").collection("c-1");
    /// assert_eq!(doc.to_value()["DATA_TYPE"], "role#1.0.0");
    /// ```
    RoleDocument => types::RoleDocument, "role document", base: "role",
    versions: [],
    str: [collection, principal, role],
}

impl RoleDocument {
    /// A role for `principal`.
    pub fn new(principal: impl Into<String>, role: impl Into<String>) -> Self {
        Self::default().principal(principal).role(role)
    }
}

document! {
    /// A user credential to create or update (Python: `UserCredentialDocument`). Its policies
    /// hold keys (`s3_key_id`, `s3_secret_key`...): the secrets are redacted in `Debug`, and the
    /// operations that send them are never logged.
    ///
    /// ```
    /// use globus_sdk::gcs::UserCredentialDocument;
    /// let doc = UserCredentialDocument::new()
    ///     .storage_gateway_id("sg-1")
    ///     .identity_id("u-1")
    ///     .policies(serde_json::json!({"DATA_TYPE": "s3_user_credential_policies#1.0.0", "s3_key_id": "AK", "s3_secret_key": "SK"}));
    /// assert!(!format!("{doc:?}").contains("SK\""));
    /// assert_eq!(doc.to_value()["DATA_TYPE"], "user_credential#1.0.0");
    /// ```
    UserCredentialDocument => types::UserCredentialDocument, "user credential document", base: "user_credential",
    versions: [],
    str: [identity_id, connector_id, storage_gateway_id, username, display_name],
    json: [policies],
}

impl UserCredentialDocument {
    /// An empty document.
    pub fn new() -> Self {
        Self::default()
    }
}

/// The body of `batch_delete_collections`: the guest collections to delete.
///
/// ```
/// let body = globus_sdk::gcs::batch_delete_document(["c-1", "c-2"]);
/// assert_eq!(body.extra["ids"], serde_json::json!(["c-1", "c-2"]));
/// ```
pub fn batch_delete_document<S: Into<String>>(ids: impl IntoIterator<Item = S>) -> types::BatchDocument {
    let ids: Vec<Value> = ids.into_iter().map(|i| Value::String(i.into())).collect();
    let mut extra = Map::new();
    extra.insert("ids".into(), Value::Array(ids));
    types::BatchDocument { data_type: "batch#1.0.0".into(), extra }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn versions_follow_the_fields_as_in_python() {
        let v = |d: MappedCollectionDocument| d.to_value()["DATA_TYPE"].as_str().unwrap().to_string();
        assert_eq!(v(MappedCollectionDocument::new()), "collection#1.0.0");
        assert_eq!(v(MappedCollectionDocument::new().enable_https(true)), "collection#1.1.0");
        assert_eq!(v(MappedCollectionDocument::new().user_message("x".repeat(65))), "collection#1.7.0");
        assert_eq!(v(MappedCollectionDocument::new().user_message("x".repeat(64))), "collection#1.1.0");
        assert_eq!(v(MappedCollectionDocument::new().delete_protected(true).force_verify(true)), "collection#1.8.0");
        assert_eq!(v(MappedCollectionDocument::new().associated_flow_policy(json!({}))), "collection#1.15.0");
        assert_eq!(v(MappedCollectionDocument::new().public(true).data_type("collection#1.3.0")), "collection#1.3.0");
        assert_eq!(StorageGatewayDocument::new().require_mfa(true).to_value()["DATA_TYPE"], "storage_gateway#1.1.0");
    }

    #[test]
    fn lists_set_empty_are_sent_and_last_values_win() {
        let d = MappedCollectionDocument::new().sharing_users_allow(Vec::<String>::new()).display_name("a").extra("display_name", "b");
        let body: types::CollectionDocument = d.try_into().unwrap();
        let sent = serde_json::to_value(&body).unwrap();
        assert_eq!(sent["sharing_users_allow"], json!([]));
        assert_eq!(sent["display_name"], "b");
        assert_eq!(sent["DATA_TYPE"], "collection#1.2.0");
        let wrong = MappedCollectionDocument::new().extra("public", "yes");
        assert!(types::CollectionDocument::try_from(wrong).unwrap_err().contains("wrong type"));
        let missing = types::RoleDocument::try_from(RoleDocument::default().role("owner")).unwrap_err();
        assert!(missing.contains("principal"), "{missing}");
        assert_eq!(StoragePolicies::default().groups_allow(["g"]).to_value(), json!({"groups_allow": ["g"]}));
    }

    #[test]
    fn secrets_are_redacted_in_debug_and_sent_whole() {
        let policies = StoragePolicies::box_storage().enterprise_id("e").box_app_settings(
            json!({"clientID": "id", "clientSecret": "CS", "appAuth": {"publicKeyID": "k", "privateKey": "PK", "passphrase": "PP"}}),
        );
        let sg = StorageGatewayDocument::new().policies(policies).policies(StoragePolicies::ceph().ceph_admin_secret_key("CK"));
        let shown = format!("{sg:?}");
        for secret in ["\"CS\"", "\"PK\"", "\"PP\"", "\"CK\""] {
            assert!(!shown.contains(secret), "{shown}");
        }
        let body: types::StorageGatewayDocument = sg.try_into().unwrap();
        assert!(!format!("{body:?}").contains("\"CK\""));
        assert_eq!(serde_json::to_value(&body).unwrap()["policies"]["ceph_admin_secret_key"], "CK");
        let p = StoragePolicies::box_storage().box_app_settings(json!({"clientSecret": "CS2"}));
        assert_eq!(p.to_value()["boxAppSettings"]["clientSecret"], "CS2");
        assert!(!format!("{p:?}").contains("CS2"));
        let uc = UserCredentialDocument::new().policies(json!({"s3_secret_key": "S3K", "access_token": "AT"}));
        assert!(!format!("{uc:?}").contains("S3K") && !format!("{uc:?}").contains("AT\""));
    }
}

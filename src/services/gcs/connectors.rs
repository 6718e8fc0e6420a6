//! The table of known GCS connectors: ids and names both ways.

/// A Globus Connect Server connector (the storage system a gateway speaks to): its name and id.
///
/// Lookups are lenient: names ignore case, and spaces, dashes and underscores are all alike
/// (`Google Drive`, `google-drive`, `GOOGLE_DRIVE`); ids ignore case and surrounding space. A
/// connector not in the table is `None`: a storage gateway's `connector_id` stays a plain
/// string, so a new connector never breaks a response.
///
/// ```
/// use globus_sdk::gcs::Connector;
/// assert_eq!(Connector::lookup("google-drive"), Some(Connector::GOOGLE_DRIVE));
/// assert_eq!(Connector::lookup("145812C8-DECC-41F1-83CF-BB2A85A2A70B").unwrap().name, "POSIX");
/// assert_eq!(Connector::S3.id, "7643e831-5f6c-4b47-a07f-8ee90f401d23");
/// assert_eq!(Connector::lookup("Star Trek Transporter"), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Connector {
    /// Its name (`POSIX`, `Google Drive`...).
    pub name: &'static str,
    /// Its id.
    pub id: &'static str,
}

impl Connector {
    /// ActiveScale.
    pub const ACTIVESCALE: Connector = Connector { name: "ActiveScale", id: "7251f6c8-93c9-11eb-95ba-12704e0d6a4d" };
    /// Azure Blob.
    pub const AZURE_BLOB: Connector = Connector { name: "Azure Blob", id: "9436da0c-a444-11eb-af93-12704e0d6a4d" };
    /// BlackPearl.
    pub const BLACKPEARL: Connector = Connector { name: "BlackPearl", id: "7e3f3f5e-350c-4717-891a-2f451c24b0d4" };
    /// Box.
    pub const BOX: Connector = Connector { name: "Box", id: "7c100eae-40fe-11e9-95a3-9cb6d0d9fd63" };
    /// Ceph.
    pub const CEPH: Connector = Connector { name: "Ceph", id: "1b6374b0-f6a4-4cf7-a26f-f262d9c6ca72" };
    /// Dropbox.
    pub const DROPBOX: Connector = Connector { name: "Dropbox", id: "49b00fd6-63f1-48ae-b27f-d8af4589f876" };
    /// Google Cloud Storage.
    pub const GOOGLE_CLOUD_STORAGE: Connector =
        Connector { name: "Google Cloud Storage", id: "56366b96-ac98-11e9-abac-9cb6d0d9fd63" };
    /// Google Drive.
    pub const GOOGLE_DRIVE: Connector = Connector { name: "Google Drive", id: "976cf0cf-78c3-4aab-82d2-7c16adbcc281" };
    /// HPSS.
    pub const HPSS: Connector = Connector { name: "HPSS", id: "fb656a17-0f69-4e59-95ff-d0a62ca7bdf5" };
    /// iRODS.
    pub const IRODS: Connector = Connector { name: "iRODS", id: "e47b6920-ff57-11ea-8aaa-000c297ab3c2" };
    /// OneDrive.
    pub const ONEDRIVE: Connector = Connector { name: "OneDrive", id: "28ef55da-1f97-11eb-bdfd-12704e0d6a4d" };
    /// POSIX.
    pub const POSIX: Connector = Connector { name: "POSIX", id: "145812c8-decc-41f1-83cf-bb2a85a2a70b" };
    /// POSIX Staging.
    pub const POSIX_STAGING: Connector = Connector { name: "POSIX Staging", id: "052be037-7dda-4d20-b163-3077314dc3e6" };
    /// S3.
    pub const S3: Connector = Connector { name: "S3", id: "7643e831-5f6c-4b47-a07f-8ee90f401d23" };

    /// Every known connector.
    pub const ALL: &'static [Connector] = &[
        Self::ACTIVESCALE,
        Self::AZURE_BLOB,
        Self::BLACKPEARL,
        Self::BOX,
        Self::CEPH,
        Self::DROPBOX,
        Self::GOOGLE_CLOUD_STORAGE,
        Self::GOOGLE_DRIVE,
        Self::HPSS,
        Self::IRODS,
        Self::ONEDRIVE,
        Self::POSIX,
        Self::POSIX_STAGING,
        Self::S3,
    ];

    /// The connector with this name or id (see the type's lenient rules), if known.
    pub fn lookup(name_or_id: &str) -> Option<Connector> {
        let wanted = normalize(name_or_id);
        Self::ALL.iter().copied().find(|c| c.id == wanted || normalize(c.name) == wanted)
    }

    /// The name of the connector with this id, if known (Python: `connector_id_to_name`).
    ///
    /// ```
    /// assert_eq!(globus_sdk::gcs::Connector::id_to_name("7c100eae-40fe-11e9-95a3-9cb6d0d9fd63"), Some("Box"));
    /// ```
    pub fn id_to_name(connector_id: &str) -> Option<&'static str> {
        let id = connector_id.trim().to_ascii_lowercase();
        Self::ALL.iter().find(|c| c.id == id).map(|c| c.name)
    }
}

/// Lower case, runs of spaces, dashes and underscores as one dash, outer space trimmed.
fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_separator = false;
    for c in name.trim().chars() {
        if matches!(c, ' ' | '-' | '_') {
            if !in_separator {
                out.push('-');
            }
            in_separator = true;
        } else {
            out.extend(c.to_lowercase());
            in_separator = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_ids_both_ways() {
        for c in Connector::ALL {
            assert_eq!(Connector::lookup(c.name), Some(*c));
            assert_eq!(Connector::lookup(c.id), Some(*c));
            assert_eq!(Connector::lookup(&c.name.to_uppercase().replace(' ', "__")), Some(*c));
            assert_eq!(Connector::id_to_name(&c.id.to_uppercase()), Some(c.name));
        }
        assert_eq!(Connector::lookup(" Google _- Cloud Storage "), Some(Connector::GOOGLE_CLOUD_STORAGE));
        assert_eq!(Connector::lookup(""), None);
        assert_eq!(Connector::lookup("posix staging x"), None);
        assert_eq!(Connector::id_to_name("0b19772d-729a-4c8f-93e1-59d5778cecf3"), None);
    }
}

//! The collections of the local Transfer: local directories, given or temporary.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A collection of the local Transfer, backed by a local directory.
#[derive(Clone, Debug)]
pub struct LocalCollection {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) root: PathBuf,
    pub(crate) read_only: bool,
    /// The identity that owns the collection (manages its access rules).
    pub(crate) owner_id: String,
    /// The identity whose username is advertised as its owner, when not the owner's
    /// (GCS's `set_collection_owner_string`).
    pub(crate) owner_string_id: Option<String>,
    /// For a guest collection, the id of the mapped collection it lies in; its access is
    /// then decided by its access rules (ACLs).
    pub(crate) host: Option<String>,
    /// The root, opened at start: every access of the local Transfer goes through it and
    /// stays beneath it (see `paths`).
    pub(crate) dir: Arc<cap_std::fs::Dir>,
    /// In a task of someone other than a guest collection's owner: the access rule's grant
    /// that let the task in, checked again before each of its steps.
    pub(crate) grant: Option<super::acls::Grant>,
}

impl LocalCollection {
    /// Whether a task may still use this collection: always, unless the task got in through
    /// an access rule that no longer grants it (see [`super::acls::Grant`]).
    pub(crate) fn still_granted(&self) -> std::io::Result<()> {
        self.grant.as_ref().map_or(Ok(()), super::acls::Grant::check)
    }

    /// The collection id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The display name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The directory that is the collection's root (`/` and `/~/` in Globus paths).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether writes (mkdir, rename, transfers to it, deletes) are refused.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// For a guest collection, the id of the mapped collection its root lies in.
    pub fn host_collection_id(&self) -> Option<&str> {
        self.host.as_deref()
    }

    /// The id of the identity that owns the collection and manages its access rules.
    pub fn owner_id(&self) -> &str {
        &self.owner_id
    }

    /// Whether access is decided by access rules (a guest collection): anyone but the
    /// owner needs a rule for the path.
    pub fn uses_acls(&self) -> bool {
        self.host.is_some()
    }
}

/// A guest collection the builder was asked for: `path` on the collection named `mapped`.
pub(crate) struct GuestSpec {
    pub name: String,
    pub mapped: String,
    pub path: String,
}

/// A guest collection named `name` whose root is `path` beneath the root of `mapped`,
/// owned by `owner_id`. The root is opened through the mapped collection's handle, so
/// neither `..` nor a symbolic link can place it outside (refused with `PermissionDenied`).
pub(crate) fn guest(mapped: &LocalCollection, name: &str, path: &str, owner_id: &str) -> std::io::Result<LocalCollection> {
    let refused = |m: String| std::io::Error::new(std::io::ErrorKind::PermissionDenied, m);
    let r = super::paths::resolve(path).map_err(|e| match e {
        super::paths::PathError::Escape(m) | super::paths::PathError::Invalid(m) => refused(m),
    })?;
    if !super::paths::stat(&mapped.dir, &r.rel).is_ok_and(|m| m.kind == super::paths::Kind::Dir) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("the path {:?} is not a directory of the collection {:?}", r.path, mapped.name),
        ));
    }
    let dir = if r.is_root() { mapped.dir.try_clone()? } else { mapped.dir.open_dir(&r.rel)? };
    let root = std::fs::canonicalize(mapped.root.join(&r.rel)).unwrap_or_else(|_| mapped.root.join(&r.rel));
    Ok(LocalCollection {
        id: uuid::Uuid::new_v4().to_string(),
        name: name.to_string(),
        root,
        read_only: mapped.read_only,
        owner_id: owner_id.to_string(),
        owner_string_id: None,
        host: Some(mapped.id.clone()),
        dir: Arc::new(dir),
        grant: None,
    })
}

/// A collection the builder was asked for.
pub(crate) struct CollectionSpec {
    pub name: String,
    /// None: a new temporary directory.
    pub dir: Option<PathBuf>,
    pub read_only: bool,
}

/// The collections made from `specs` (without any, two temporary ones, `source` and
/// `destination`), and the directory holding the temporary ones (made in `temp_base`), if
/// any. On an error, what was made is removed.
pub(crate) fn make(
    specs: &[CollectionSpec],
    temp_base: &Path,
    owner_id: &str,
) -> std::io::Result<(Vec<LocalCollection>, Option<PathBuf>)> {
    let defaults;
    let specs = if specs.is_empty() {
        let temp = |name: &str| CollectionSpec { name: name.into(), dir: None, read_only: false };
        defaults = [temp("source"), temp("destination")];
        &defaults[..]
    } else {
        specs
    };
    let mut temp_root = None;
    let made = make_each(specs, temp_base, owner_id, &mut temp_root);
    match made {
        Ok(collections) => Ok((collections, temp_root)),
        Err(e) => {
            if let Some(root) = temp_root {
                let _ = std::fs::remove_dir_all(root);
            }
            Err(e)
        }
    }
}

fn make_each(
    specs: &[CollectionSpec],
    temp_base: &Path,
    owner_id: &str,
    temp_root: &mut Option<PathBuf>,
) -> std::io::Result<Vec<LocalCollection>> {
    let mut collections: Vec<LocalCollection> = Vec::new();
    for spec in specs {
        if collections.iter().any(|c| c.name == spec.name) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("two collections are named {:?}", spec.name),
            ));
        }
        let dir = match &spec.dir {
            Some(dir) => dir.clone(),
            None => {
                let root =
                    temp_root.get_or_insert_with(|| temp_base.join(format!("globus-local-{}", uuid::Uuid::new_v4())));
                let dir = root.join(format!("{}-{}", collections.len(), sanitize(&spec.name)));
                std::fs::create_dir_all(&dir)?;
                dir
            }
        };
        collections.push(mapped(&spec.name, &dir, spec.read_only, owner_id)?);
    }
    Ok(collections)
}

/// A mapped collection named `name` on the existing directory `dir`, owned by `owner_id`.
pub(crate) fn mapped(name: &str, dir: &Path, read_only: bool, owner_id: &str) -> std::io::Result<LocalCollection> {
    let root = std::fs::canonicalize(dir).map_err(|e| {
        std::io::Error::new(e.kind(), format!("collection {name:?}: cannot use {}: {e}", dir.display()))
    })?;
    if !root.is_dir() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("collection {name:?}: {} is not a directory", root.display()),
        ));
    }
    let handle = super::paths::open_root(&root).map_err(|e| {
        std::io::Error::new(e.kind(), format!("collection {name:?}: cannot open {}: {e}", root.display()))
    })?;
    Ok(LocalCollection {
        id: uuid::Uuid::new_v4().to_string(),
        name: name.to_string(),
        root,
        read_only,
        owner_id: owner_id.to_string(),
        owner_string_id: None,
        host: None,
        dir: Arc::new(handle),
        grant: None,
    })
}

/// Letters, digits, `-` and `_` only (for directory and variable names).
pub(crate) fn sanitize(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_start_removes_the_temporary_collections() {
        let base = std::env::temp_dir().join(format!("collections-test-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir(&base).unwrap();
        let specs = [
            CollectionSpec { name: "scratch".into(), dir: None, read_only: false },
            CollectionSpec { name: "missing".into(), dir: Some(base.join("no-such-directory")), read_only: false },
        ];
        assert!(make(&specs, &base, "owner").is_err());
        assert_eq!(std::fs::read_dir(&base).unwrap().count(), 0, "the temporary directory was removed");

        let (made, temp) = make(&[], &base, "owner").unwrap();
        let names: Vec<&str> = made.iter().map(|c| c.name()).collect();
        assert_eq!(names, ["source", "destination"]);
        let temp = std::fs::canonicalize(temp.unwrap()).unwrap();
        assert!(made.iter().all(|c| c.root().starts_with(&temp) && c.root().is_dir()));
        std::fs::remove_dir_all(&base).unwrap();
    }
}

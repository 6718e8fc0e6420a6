//! Globus paths on a collection: `/~/a/b`, `/a/b` and `a/b` all name `<root>/a/b`; nothing
//! may lead outside the root, neither `..` nor a symbolic link.

use std::path::{Path, PathBuf};

use super::LocalCollection;

/// A Globus path resolved on a collection.
#[derive(Clone, Debug)]
pub(crate) struct Resolved {
    /// The file on disk.
    pub real: PathBuf,
    /// The normalised Globus path: `/` for the root, `/a/b` otherwise.
    pub path: String,
}

/// Why a path cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PathError {
    /// The path leads outside the collection's root.
    Escape(String),
    /// The path is not usable (empty component with a NUL...).
    Invalid(String),
}

/// Resolve `path` (empty: the default directory, the root) on collection `c`.
pub(crate) fn resolve(c: &LocalCollection, path: &str) -> Result<Resolved, PathError> {
    if path.contains('\0') {
        return Err(PathError::Invalid(format!("the path {path:?} holds a NUL character")));
    }
    let trimmed = path.trim();
    let rest = trimmed
        .strip_prefix("/~")
        .filter(|r| r.is_empty() || r.starts_with('/'))
        .or_else(|| trimmed.strip_prefix('~').filter(|r| r.is_empty() || r.starts_with('/')))
        .unwrap_or(trimmed);
    let mut parts: Vec<&str> = Vec::new();
    for part in rest.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(PathError::Escape(format!("the path {path:?} leads outside the collection")));
                }
            }
            p => parts.push(p),
        }
    }
    let mut real = c.root().to_path_buf();
    for p in &parts {
        real.push(p);
    }
    if !inside(c.root(), &real) {
        return Err(PathError::Escape(format!("the path {path:?} leads outside the collection through a link")));
    }
    Ok(Resolved { real, path: format!("/{}", parts.join("/")) })
}

/// Whether `real` stays under `root` once symbolic links are followed: the deepest part of
/// it that exists must resolve inside the root.
pub(crate) fn inside(root: &Path, real: &Path) -> bool {
    let mut probe = real.to_path_buf();
    loop {
        match std::fs::canonicalize(&probe) {
            Ok(canonical) => return canonical.starts_with(root),
            Err(_) => {
                // A dangling link resolves nowhere: judge it by its target's text.
                if let Ok(target) = std::fs::read_link(&probe) {
                    let parent = probe.parent().unwrap_or(root).to_path_buf();
                    let joined = if target.is_absolute() { target } else { parent.join(target) };
                    return lexically_inside(root, &joined);
                }
                if !probe.pop() {
                    return false;
                }
            }
        }
    }
}

fn lexically_inside(root: &Path, p: &Path) -> bool {
    let mut out = PathBuf::new();
    for comp in p.components() {
        match comp {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            c => out.push(c),
        }
    }
    out.starts_with(root)
}

/// `base` (a Globus path as the user wrote it) joined with `name`.
pub(crate) fn join(base: &str, name: &str) -> String {
    format!("{}/{name}", base.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collection(root: &Path) -> LocalCollection {
        LocalCollection { id: "c".into(), name: "c".into(), root: root.to_path_buf(), read_only: false }
    }

    #[test]
    fn paths_resolve_inside_the_root() {
        let dir = std::env::temp_dir().join(format!("paths-test-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(dir.join("a")).unwrap();
        let root = std::fs::canonicalize(&dir).unwrap();
        let c = collection(&root);
        for (given, want) in
            [("/~/", "/"), ("", "/"), ("/~/a/", "/a"), ("a/./b/../c", "/a/c"), ("~", "/"), ("/~x", "/~x")]
        {
            let r = resolve(&c, given).unwrap();
            assert_eq!(r.path, want, "{given}");
            assert!(r.real.starts_with(&root));
        }
        assert!(matches!(resolve(&c, "/~/../etc"), Err(PathError::Escape(_))));
        assert!(matches!(resolve(&c, "/a/../../x"), Err(PathError::Escape(_))));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("/", root.join("out")).unwrap();
            assert!(matches!(resolve(&c, "/out/etc"), Err(PathError::Escape(_))));
            std::os::unix::fs::symlink("../../nowhere", root.join("dangling")).unwrap();
            assert!(matches!(resolve(&c, "/dangling"), Err(PathError::Escape(_))));
            std::os::unix::fs::symlink("a", root.join("inner")).unwrap();
            assert!(resolve(&c, "/inner/new").is_ok());
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn join_keeps_the_users_form() {
        assert_eq!(join("/~/dir/", "f"), "/~/dir/f");
        assert_eq!(join("/", "f"), "/f");
    }
}

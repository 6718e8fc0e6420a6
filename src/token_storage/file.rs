//! Files for tokens: private directories and files, writes that a crash cannot tear, and an
//! advisory lock between writers.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::StorageError;

/// Create `dir` and its missing parents, readable by this user only (0700 on unix; existing
/// directories are left as they are).
pub(crate) fn create_private_dir_all(dir: &Path) -> Result<(), StorageError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(StorageError::io("create the directory", dir))
}

/// The file a write replaces: `path` itself, or the file it links to (a rename would replace
/// the link with a file).
pub(crate) fn write_target(path: &Path) -> PathBuf {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()),
        _ => path.to_path_buf(),
    }
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// The prefix and suffix of the temporary files beside `path`.
fn temporary_affixes(path: &Path) -> (String, &'static str) {
    (format!(".{}.", file_name(path)), ".tmp")
}

/// An exclusive advisory lock, held until dropped (closing the file releases it).
#[derive(Debug)]
pub(crate) struct FileLock {
    _file: File,
}

/// Lock `<path>.lock`, waiting at most `wait` for another holder to let go.
pub(crate) fn lock(path: &Path, wait: Duration) -> Result<FileLock, StorageError> {
    let lock_path = parent(path).join(format!("{}.lock", file_name(path)));
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(&lock_path).map_err(StorageError::io("open the lock file", &lock_path))?;
    let started = Instant::now();
    let mut pause = Duration::from_millis(1);
    loop {
        match fs4::FileExt::try_lock(&file) {
            Ok(()) => return Ok(FileLock { _file: file }),
            Err(fs4::TryLockError::WouldBlock) => {
                if started.elapsed() >= wait {
                    return Err(StorageError::Locked { path: lock_path, waited: started.elapsed() });
                }
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(50));
            }
            Err(fs4::TryLockError::Error(e)) => return Err(StorageError::io("lock", lock_path)(e)),
        }
    }
}

/// Remove the temporary files that writers killed mid-write left beside `path`. Only call it
/// with the lock held: then no live writer has a temporary file there.
pub(crate) fn remove_stale_temporaries(path: &Path) {
    let (prefix, suffix) = temporary_affixes(path);
    let Ok(entries) = std::fs::read_dir(parent(path)) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(&prefix) && name.ends_with(suffix) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Replace `path` with `bytes`: written to a temporary file (0600) in the same directory,
/// flushed to disk, then renamed over `path`, and the directory flushed. Readers see the old
/// file or the new one, never a part; a crash at any point leaves the old file whole.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), StorageError> {
    write_atomically_with(path, bytes, |_| Ok(()))
}

/// [`write_atomically`], calling `before_rename` with the temporary file once it is written
/// (tests fail there, as a crash would).
pub(crate) fn write_atomically_with(
    path: &Path,
    bytes: &[u8],
    before_rename: impl FnOnce(&Path) -> std::io::Result<()>,
) -> Result<(), StorageError> {
    let dir = parent(path);
    let (prefix, suffix) = temporary_affixes(path);
    let mut temporary = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(suffix)
        .tempfile_in(dir)
        .map_err(StorageError::io("create a temporary file in", dir))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let private = std::fs::Permissions::from_mode(0o600);
        temporary.as_file().set_permissions(private).map_err(StorageError::io("restrict", temporary.path()))?;
    }
    temporary.write_all(bytes).map_err(StorageError::io("write", temporary.path()))?;
    temporary.as_file().sync_all().map_err(StorageError::io("flush", temporary.path()))?;
    before_rename(temporary.path()).map_err(StorageError::io("write", temporary.path()))?;
    temporary.persist(path).map_err(|e| StorageError::io("replace", path)(e.error))?;
    sync_directory(dir)
}

/// Flush a directory's entries (the rename) to disk; nothing to do on Windows.
pub(crate) fn sync_directory(dir: &Path) -> Result<(), StorageError> {
    #[cfg(unix)]
    File::open(dir).and_then(|d| d.sync_all()).map_err(StorageError::io("flush the directory", dir))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }

    #[test]
    fn a_failure_between_write_and_rename_leaves_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.json");
        write_atomically(&path, b"old").unwrap();
        let mut seen = None;
        let e = write_atomically_with(&path, b"new and longer", |tmp| {
            seen = Some(std::fs::read(tmp).unwrap());
            Err(std::io::Error::other("simulated crash"))
        })
        .unwrap_err();
        assert!(e.to_string().contains("simulated crash"), "{e}");
        assert_eq!(seen.unwrap(), b"new and longer", "the new content was written in full before the failure");
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(entries(dir.path()), ["tokens.json"], "the temporary file is removed");
    }

    #[test]
    fn stale_temporaries_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.json");
        std::fs::write(dir.path().join(".tokens.json.abc123.tmp"), "torn").unwrap();
        std::fs::write(dir.path().join("other.tmp"), "not ours").unwrap();
        remove_stale_temporaries(&path);
        assert_eq!(entries(dir.path()), ["other.tmp"]);
    }

    #[cfg(unix)]
    #[test]
    fn private_modes_and_links() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("a/b");
        create_private_dir_all(&nested).unwrap();
        for d in [dir.path().join("a"), nested.clone()] {
            assert_eq!(std::fs::metadata(&d).unwrap().permissions().mode() & 0o777, 0o700);
        }
        let real = nested.join("real.json");
        write_atomically(&real, b"1").unwrap();
        assert_eq!(std::fs::metadata(&real).unwrap().permissions().mode() & 0o777, 0o600);
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_atomically(&write_target(&link), b"2").unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read(&real).unwrap(), b"2");
    }

    #[test]
    fn a_held_lock_makes_others_wait_then_give_up() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.json");
        let held = lock(&path, Duration::from_secs(1)).unwrap();
        let e = lock(&path, Duration::from_millis(30)).unwrap_err();
        assert!(matches!(e, StorageError::Locked { .. }), "{e}");
        drop(held);
        lock(&path, Duration::from_millis(30)).unwrap();
    }
}

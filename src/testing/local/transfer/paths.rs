//! Globus paths on a collection, and every file-system access the local Transfer makes.
//!
//! `/~/a/b`, `/a/b` and `a/b` all name `a/b` under the collection's root. A path is first
//! resolved as text (`..` may not climb above the root); then every access goes through the
//! collection's directory handle ([`cap_std::fs::Dir`], opened once at start), which
//! resolves each component beneath the root: a symbolic link is followed only while it stays
//! inside (an absolute link, or one that climbs out, is refused with [`ESCAPE`]). On Linux
//! this is `openat2(RESOLVE_BENEATH)`, so a link swapped in after a check cannot lead out
//! either: there is no check-then-use.
//!
//! Metadata is read from a handle (`O_PATH`, never following the last link unless asked),
//! so a FIFO or a device is described without being opened; files are opened for data
//! only when they are regular files, and without blocking (`O_NONBLOCK`), so a special file
//! swapped in at the last moment is refused rather than waited on.

use std::ffi::{OsStr, OsString};
use std::io;
use std::path::{Component, Path, PathBuf};
use std::time::SystemTime;

use cap_std::fs::{Dir, OpenOptions};

/// What cap-std says when a path, through `..` or a symbolic link, would leave the root
/// (pinned by a unit test: [`is_escape`] recognises it).
const ESCAPE: &str = "a path led outside of the filesystem";

/// A Globus path resolved on a collection.
#[derive(Clone, Debug)]
pub(crate) struct Resolved {
    /// The path below the root, without `.` or `..` (`.` for the root itself).
    pub rel: PathBuf,
    /// The normalised Globus path: `/` for the root, `/a/b` otherwise.
    pub path: String,
}

impl Resolved {
    /// The collection's root.
    pub fn root() -> Resolved {
        Resolved { rel: PathBuf::from("."), path: "/".into() }
    }

    /// Whether this is the collection's root.
    pub fn is_root(&self) -> bool {
        self.path == "/"
    }

    /// The entry `name` of this directory.
    pub fn child(&self, name: &OsStr) -> Resolved {
        let rel = if self.is_root() { PathBuf::from(name) } else { self.rel.join(name) };
        Resolved { rel, path: join(&self.path, &name.to_string_lossy()) }
    }

    /// The directory holding this path (the root for the root).
    pub fn parent(&self) -> Resolved {
        match self.rel.parent().filter(|p| !p.as_os_str().is_empty()) {
            Some(parent) if !self.is_root() => Resolved {
                rel: parent.to_path_buf(),
                path: self.path.rsplit_once('/').map_or("/", |(p, _)| p).to_string(),
            },
            _ => Resolved::root(),
        }
    }

    /// Whether one path holds the other (or they are the same).
    pub fn overlaps(&self, other: &Resolved) -> bool {
        self.is_root() || other.is_root() || self.rel.starts_with(&other.rel) || other.rel.starts_with(&self.rel)
    }

    /// The last component (None for the root).
    pub fn name(&self) -> Option<&OsStr> {
        if self.is_root() { None } else { self.rel.file_name() }
    }
}

/// Why a path cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PathError {
    /// The path leads outside the collection's root.
    Escape(String),
    /// The path is not usable (it holds a NUL character...).
    Invalid(String),
}

/// Resolve `path` (empty: the default directory, the root) on a collection, as text: no
/// file is looked at (links are judged when the path is used).
pub(crate) fn resolve(path: &str) -> Result<Resolved, PathError> {
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
    if parts.is_empty() {
        return Ok(Resolved::root());
    }
    Ok(Resolved { rel: parts.iter().collect(), path: format!("/{}", parts.join("/")) })
}

/// `base` (a Globus path as the user wrote it) joined with `name`.
pub(crate) fn join(base: &str, name: &str) -> String {
    format!("{}/{name}", base.trim_end_matches('/'))
}

/// The Globus path a symbolic link at `link` points to, when its text stays inside the
/// collection (None for an absolute target or one that climbs out: never a host path).
pub(crate) fn link_target(dir: &Dir, link: &Resolved) -> Option<String> {
    let target = dir.read_link_contents(&link.rel).ok()?;
    if target.is_absolute() {
        return None;
    }
    let mut parts: Vec<OsString> =
        link.parent().rel.components().filter(|c| *c != Component::CurDir).map(|c| c.as_os_str().into()).collect();
    for c in target.components() {
        match c {
            Component::Normal(p) => parts.push(p.into()),
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::CurDir => {}
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    let shown: Vec<String> = parts.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    Some(format!("/{}", shown.join("/")))
}

// ------------------------------------------------------------------ errors

/// A refusal of the local Globus itself (not an error of the operating system).
#[derive(Debug)]
struct Refused(String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

/// Whether `e` says a path would have left the collection's root.
pub(crate) fn is_escape(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::PermissionDenied && e.get_ref().is_some_and(|inner| inner.to_string() == ESCAPE)
}

/// The error for a special file (FIFO, socket, device), which the local Globus neither
/// reads nor writes.
pub(crate) fn special_file(kind: Kind) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        Refused(format!("{} is not a regular file: the local Globus does not transfer special files", kind.describe())),
    )
}

/// Whether `e` is [`special_file`]'s.
pub(crate) fn is_special(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::InvalidInput && e.get_ref().is_some_and(|inner| inner.is::<Refused>())
}

// ------------------------------------------------------------------ metadata

/// What a directory entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    File,
    Dir,
    Symlink,
    Fifo,
    Socket,
    CharDevice,
    BlockDevice,
    Other,
}

impl Kind {
    /// Transfer's `type` of a file document (a symbolic link is described by its target).
    pub fn name(self) -> &'static str {
        match self {
            Kind::File => "file",
            Kind::Dir => "dir",
            Kind::Symlink => "link",
            Kind::Fifo => "pipe",
            Kind::Socket => "other",
            Kind::CharDevice => "chr",
            Kind::BlockDevice => "blk",
            Kind::Other => "other",
        }
    }

    /// The kind in words, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Kind::File => "a regular file",
            Kind::Dir => "a directory",
            Kind::Symlink => "a symbolic link",
            Kind::Fifo => "a FIFO",
            Kind::Socket => "a socket",
            Kind::CharDevice => "a character device",
            Kind::BlockDevice => "a block device",
            Kind::Other => "a special file",
        }
    }

    fn of(ft: std::fs::FileType) -> Kind {
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt as _;
            if ft.is_fifo() {
                return Kind::Fifo;
            }
            if ft.is_socket() {
                return Kind::Socket;
            }
            if ft.is_char_device() {
                return Kind::CharDevice;
            }
            if ft.is_block_device() {
                return Kind::BlockDevice;
            }
        }
        if ft.is_symlink() {
            Kind::Symlink
        } else if ft.is_dir() {
            Kind::Dir
        } else if ft.is_file() {
            Kind::File
        } else {
            Kind::Other
        }
    }
}

/// The facts of one file, read from a handle (never from a path the host resolves).
#[derive(Clone, Debug)]
pub(crate) struct Meta {
    pub kind: Kind,
    pub len: u64,
    pub modified: Option<SystemTime>,
    /// Permission bits, owner and group (None where the platform has none).
    pub mode: Option<u32>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    /// Device and inode: the same file seen twice (loops, a source that is its destination).
    pub identity: Option<(u64, u64)>,
}

impl Meta {
    /// The facts of an opened file.
    pub fn of(m: &std::fs::Metadata) -> Meta {
        #[cfg(unix)]
        let (mode, uid, gid, identity) = {
            use std::os::unix::fs::MetadataExt as _;
            (Some(m.mode() & 0o7777), Some(m.uid()), Some(m.gid()), Some((m.dev(), m.ino())))
        };
        #[cfg(not(unix))]
        let (mode, uid, gid, identity) = (None, None, None, None);
        Meta { kind: Kind::of(m.file_type()), len: m.len(), modified: m.modified().ok(), mode, uid, gid, identity }
    }

    /// Whether both describe the same file.
    pub fn same_file(&self, other: &Meta) -> bool {
        self.identity.is_some() && self.identity == other.identity
    }
}

/// Open `rel` for its metadata only: `O_PATH` (no data access, so a FIFO or a device is
/// not opened for reading and nothing blocks), without following a last link unless
/// `follow`.
#[cfg(target_os = "linux")]
fn handle(dir: &Dir, rel: &Path, follow: bool) -> io::Result<std::fs::File> {
    use cap_std::fs::OpenOptionsExt as _;
    let mut flags = libc::O_PATH | libc::O_CLOEXEC;
    if !follow {
        flags |= libc::O_NOFOLLOW;
    }
    dir.open_with(rel, OpenOptions::new().read(true).custom_flags(flags)).map(|f| f.into_std())
}

/// The Globus path `rel` really names: its links (which stay inside the collection)
/// followed, read back from the open handle (`/proc/self/fd`), so an access rule is judged
/// on where a path leads, not on how it was written. The host path never leaves this function.
#[cfg(target_os = "linux")]
pub(crate) fn real_path(dir: &Dir, rel: &Path) -> io::Result<String> {
    use std::os::fd::AsRawFd as _;
    let where_is = |f: &std::fs::File| std::fs::read_link(format!("/proc/self/fd/{}", f.as_raw_fd()));
    let root = where_is(&handle(dir, Path::new("."), true)?)?;
    let target = where_is(&handle(dir, rel, true)?)?;
    let below = target.strip_prefix(&root).map_err(|_| io::Error::other(ESCAPE))?;
    let parts: Vec<String> = below.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    Ok(format!("/{}", parts.join("/")))
}

/// The Globus path `rel` names (links are not followed on this system: the path as written).
#[cfg(not(target_os = "linux"))]
pub(crate) fn real_path(dir: &Dir, rel: &Path) -> io::Result<String> {
    dir.symlink_metadata(rel)?;
    let parts: Vec<String> = rel
        .components()
        .filter(|c| *c != Component::CurDir)
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    Ok(format!("/{}", parts.join("/")))
}

/// The facts of `rel` itself (a link is described as a link).
#[cfg(target_os = "linux")]
pub(crate) fn lstat(dir: &Dir, rel: &Path) -> io::Result<Meta> {
    handle(dir, rel, false)?.metadata().map(|m| Meta::of(&m))
}

/// The facts of what `rel` names, following links that stay inside the collection.
#[cfg(target_os = "linux")]
pub(crate) fn stat(dir: &Dir, rel: &Path) -> io::Result<Meta> {
    handle(dir, rel, true)?.metadata().map(|m| Meta::of(&m))
}

/// The facts of `rel` itself (a link is described as a link).
#[cfg(not(target_os = "linux"))]
pub(crate) fn lstat(dir: &Dir, rel: &Path) -> io::Result<Meta> {
    dir.symlink_metadata(rel).map(|m| Meta::of_cap(&m))
}

/// The facts of what `rel` names, following links that stay inside the collection.
#[cfg(not(target_os = "linux"))]
pub(crate) fn stat(dir: &Dir, rel: &Path) -> io::Result<Meta> {
    dir.metadata(rel).map(|m| Meta::of_cap(&m))
}

#[cfg(not(target_os = "linux"))]
impl Meta {
    fn of_cap(m: &cap_std::fs::Metadata) -> Meta {
        let ft = m.file_type();
        #[cfg(unix)]
        let (kind, mode, uid, gid, identity) = {
            use cap_std::fs::{FileTypeExt as _, MetadataExt as _};
            let kind = if ft.is_fifo() {
                Kind::Fifo
            } else if ft.is_socket() {
                Kind::Socket
            } else if ft.is_char_device() {
                Kind::CharDevice
            } else if ft.is_block_device() {
                Kind::BlockDevice
            } else {
                Kind::Other
            };
            (kind, Some(m.mode() & 0o7777), Some(m.uid()), Some(m.gid()), Some((m.dev(), m.ino())))
        };
        #[cfg(not(unix))]
        let (kind, mode, uid, gid, identity) = (Kind::Other, None, None, None, None);
        let kind = if ft.is_symlink() {
            Kind::Symlink
        } else if ft.is_dir() {
            Kind::Dir
        } else if ft.is_file() {
            Kind::File
        } else {
            kind
        };
        Meta { kind, len: m.len(), modified: m.modified().ok().map(|t| t.into_std()), mode, uid, gid, identity }
    }
}

/// The names in directory `rel` (following links inside the collection), sorted.
pub(crate) fn list(dir: &Dir, rel: &Path) -> io::Result<Vec<OsString>> {
    let mut names = Vec::new();
    for entry in dir.read_dir(rel)? {
        names.push(entry?.file_name());
    }
    names.sort();
    Ok(names)
}

/// Create directory `rel` and its missing parents, each beneath the root: a link on the way
/// is followed only while it stays inside (one leading out is [`is_escape`]'s error), and
/// something else than a directory on the way is an error.
pub(crate) fn create_dirs(dir: &Dir, rel: &Path) -> io::Result<()> {
    let mut prefix = PathBuf::new();
    for component in rel.components().filter(|c| *c != Component::CurDir) {
        prefix.push(component);
        let kind = match lstat(dir, &prefix) {
            Ok(m) if m.kind == Kind::Symlink => stat(dir, &prefix)?.kind,
            Ok(m) => m.kind,
            Err(e) if e.kind() == io::ErrorKind::NotFound => match dir.create_dir(&prefix) {
                Err(e) if e.kind() != io::ErrorKind::AlreadyExists => return Err(e),
                _ => stat(dir, &prefix)?.kind,
            },
            Err(e) => return Err(e),
        };
        if kind != Kind::Dir {
            return Err(io::Error::new(io::ErrorKind::NotADirectory, format!("not a directory ({})", kind.describe())));
        }
    }
    Ok(())
}

// ------------------------------------------------------------------ data

/// Flags that keep an open from blocking (a FIFO without a writer, a terminal).
fn nonblocking(options: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(unix)]
    {
        use cap_std::fs::OpenOptionsExt as _;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_CLOEXEC);
    }
    options
}

/// A regular file opened for reading (following links inside the collection); anything
/// else is refused without being opened for data.
pub(crate) fn open_read(dir: &Dir, rel: &Path) -> io::Result<std::fs::File> {
    let before = stat(dir, rel)?;
    if before.kind != Kind::File {
        return Err(not_a_file(before.kind));
    }
    let file = dir.open_with(rel, nonblocking(OpenOptions::new().read(true)))?.into_std();
    checked(file)
}

/// `rel` created or truncated for writing (following links inside the collection); an
/// existing file that is not a regular file is refused without being opened.
pub(crate) fn create(dir: &Dir, rel: &Path) -> io::Result<std::fs::File> {
    match stat(dir, rel) {
        Ok(m) if m.kind != Kind::File => return Err(not_a_file(m.kind)),
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let file =
        dir.open_with(rel, nonblocking(OpenOptions::new().write(true).create(true).truncate(true)))?.into_std();
    checked(file)
}

fn not_a_file(kind: Kind) -> io::Error {
    match kind {
        Kind::Dir => io::Error::new(io::ErrorKind::IsADirectory, "is a directory"),
        other => special_file(other),
    }
}

/// The file opened, if it is (still) a regular file; blocking again for its data.
fn checked(file: std::fs::File) -> io::Result<std::fs::File> {
    let kind = Meta::of(&file.metadata()?).kind;
    if kind != Kind::File {
        return Err(not_a_file(kind));
    }
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd as _;
        let fd = file.as_raw_fd();
        // SAFETY: `fd` is a descriptor `file` owns for the duration of both calls; F_GETFL
        // and F_SETFL only read and change its status flags.
        let cleared = unsafe {
            let flags = libc::fcntl(fd, libc::F_GETFL);
            flags >= 0 && libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) >= 0
        };
        if !cleared {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(file)
}

/// Open a collection's root directory.
pub(crate) fn open_root(root: &Path) -> io::Result<Dir> {
    Dir::open_ambient_dir(root, cap_std::ambient_authority())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_as_text_inside_the_root() {
        for (given, want, rel) in [
            ("/~/", "/", "."),
            ("", "/", "."),
            ("/~/a/", "/a", "a"),
            ("a/./b/../c", "/a/c", "a/c"),
            ("~", "/", "."),
            ("/~x", "/~x", "~x"),
        ] {
            let r = resolve(given).unwrap();
            assert_eq!((r.path.as_str(), r.rel.to_str().unwrap()), (want, rel), "{given}");
        }
        assert!(matches!(resolve("/~/../etc"), Err(PathError::Escape(_))));
        assert!(matches!(resolve("/a/../../x"), Err(PathError::Escape(_))));
        assert!(matches!(resolve("/a\0b"), Err(PathError::Invalid(_))));
        let r = resolve("/a/b").unwrap();
        assert_eq!((r.parent().path.as_str(), r.parent().parent().path.as_str()), ("/a", "/"));
        assert_eq!(r.parent().child(OsStr::new("c")).rel, Path::new("a/c"));
        assert_eq!(Resolved::root().child(OsStr::new("x")).path, "/x");
        assert!(r.overlaps(&Resolved::root()) && r.overlaps(&r.parent()) && !r.overlaps(&resolve("/a/bc").unwrap()));
    }

    #[cfg(unix)]
    #[test]
    fn links_are_followed_only_inside_the_root() {
        let dir = std::env::temp_dir().join(format!("paths-test-{}", uuid::Uuid::new_v4()));
        let outside = dir.join("outside");
        let root = dir.join("root");
        std::fs::create_dir_all(root.join("a")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(outside.join("secret"), "s").unwrap();
        std::fs::write(root.join("a/f"), "f").unwrap();
        let d = open_root(&root).unwrap();
        let link = |target: &Path, name: &str| std::os::unix::fs::symlink(target, root.join(name)).unwrap();
        link(Path::new("/"), "abs");
        link(&outside, "abs-out");
        link(Path::new("../outside"), "rel-out");
        link(Path::new("a"), "inner");
        link(Path::new("../../nowhere"), "dangling-out");
        link(Path::new("missing"), "dangling-in");

        for escape in ["abs/etc", "abs-out/secret", "rel-out/secret", "rel-out"] {
            let e = stat(&d, Path::new(escape)).unwrap_err();
            assert!(is_escape(&e), "{escape}: {e}");
            assert!(open_read(&d, Path::new(escape)).is_err_and(|e| is_escape(&e)), "{escape}");
        }
        assert!(create(&d, Path::new("rel-out/new")).is_err_and(|e| is_escape(&e)));
        assert!(!outside.join("new").exists());
        assert!(is_escape(&create_dirs(&d, Path::new("rel-out/x/y")).unwrap_err()));
        assert!(is_escape(&create_dirs(&d, Path::new("rel-out")).unwrap_err()));
        create_dirs(&d, Path::new("inner/new/deeper")).unwrap();
        assert!(root.join("a/new/deeper").is_dir());
        assert_eq!(create_dirs(&d, Path::new("a/f/x")).unwrap_err().kind(), io::ErrorKind::NotADirectory);
        assert_eq!(lstat(&d, Path::new("rel-out")).unwrap().kind, Kind::Symlink);
        assert_eq!(stat(&d, Path::new("inner/f")).unwrap().kind, Kind::File);
        assert_eq!(link_target(&d, &resolve("inner").unwrap()).as_deref(), Some("/a"));
        assert_eq!(link_target(&d, &resolve("rel-out").unwrap()), None);
        assert_eq!(link_target(&d, &resolve("abs-out").unwrap()), None);
        assert!(stat(&d, Path::new("dangling-out")).is_err_and(|e| is_escape(&e)));
        assert_eq!(stat(&d, Path::new("dangling-in")).unwrap_err().kind(), io::ErrorKind::NotFound);
        assert_eq!(list(&d, Path::new(".")).unwrap().len(), 7);
        assert!(outside.read_dir().unwrap().count() == 1, "nothing was made outside");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn special_files_are_not_opened() {
        let root = std::env::temp_dir().join(format!("paths-fifo-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&root).unwrap();
        let fifo = std::ffi::CString::new(root.join("fifo").into_os_string().into_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
        let d = open_root(&root).unwrap();
        assert_eq!(lstat(&d, Path::new("fifo")).unwrap().kind, Kind::Fifo);
        let e = open_read(&d, Path::new("fifo")).unwrap_err();
        assert!(is_special(&e) && e.to_string().contains("FIFO"), "{e}");
        assert!(create(&d, Path::new("fifo")).is_err_and(|e| is_special(&e)));
        std::fs::remove_dir_all(&root).unwrap();
    }
}

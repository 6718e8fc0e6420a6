//! [`AppLocation`]: where an app's tokens live by default, the same file the Python SDK's
//! `GlobusApp` uses.

use std::path::PathBuf;

use super::StorageError;
use crate::config::{Config, Environment};

/// The default place of an app's token file, shared with the Python SDK: a Python
/// `UserApp`/`ClientApp` with the same client id, app name and environment uses the same file.
///
/// | platform | path |
/// |---|---|
/// | Linux, macOS | `~/.globus/app/<client id>/<app name>/tokens.json` |
/// | Windows | `%LOCALAPPDATA%\globus\app\<client id>\<app name>\tokens.json` (else `%APPDATA%`, else `~\AppData\Local`) |
///
/// Outside production the file name starts with the environment: `sandbox-tokens.json`. The
/// SQLite store uses `tokens.db`. The app name is made safe for a file name as Python does:
/// `<>:"/\|?*` become `+`, dots and spaces `-`, unprintable characters are dropped, the rest
/// is lowercased; names Windows reserves (`con`, `nul`, `com1`...) and names left empty are
/// refused.
///
/// The home directory is injectable ([`AppLocation::home`]), for tests and for programs that
/// keep their state elsewhere.
///
/// ```
/// use globus_sdk::Environment;
/// use globus_sdk::token_storage::AppLocation;
/// let location = AppLocation::new("a5a3b7c2-0000-4000-8000-000000000000", "My App v2")
///     .environment(Environment::Sandbox)
///     .home("/home/someone");
/// # #[cfg(unix)]
/// assert_eq!(
///     location.json_file().unwrap(),
///     std::path::Path::new("/home/someone/.globus/app/a5a3b7c2-0000-4000-8000-000000000000/my-app-v2/sandbox-tokens.json")
/// );
/// ```
#[derive(Clone, Debug)]
pub struct AppLocation {
    client_id: String,
    app_name: String,
    environment: Option<Environment>,
    home: Option<PathBuf>,
}

impl AppLocation {
    /// The location for the app `app_name` registered as `client_id`.
    pub fn new(client_id: impl ToString, app_name: impl Into<String>) -> Self {
        AppLocation { client_id: client_id.to_string(), app_name: app_name.into(), environment: None, home: None }
    }

    /// The Globus environment (default: `GLOBUS_SDK_ENVIRONMENT`, else production).
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = Some(environment);
        self
    }

    /// Use `home` as the home directory (on Windows: as the user profile, whose
    /// `AppData\Local` holds the tokens; `LOCALAPPDATA` and `APPDATA` are then not read).
    pub fn home(mut self, home: impl Into<PathBuf>) -> Self {
        self.home = Some(home.into());
        self
    }

    /// The JSON store's file (`tokens.json`).
    pub fn json_file(&self) -> Result<PathBuf, StorageError> {
        self.file("json")
    }

    /// The SQLite store's file (`tokens.db`).
    pub fn sqlite_file(&self) -> Result<PathBuf, StorageError> {
        self.file("db")
    }

    /// The app's directory (`~/.globus/app/<client id>/<app name>`).
    pub fn directory(&self) -> Result<PathBuf, StorageError> {
        let app = slugify_app_name(&self.app_name)?;
        Ok(self.base()?.join("app").join(&self.client_id).join(app))
    }

    fn file(&self, extension: &str) -> Result<PathBuf, StorageError> {
        let environment = match self.environment {
            Some(e) => e,
            None => {
                Config::new().resolved_environment().map_err(|e| StorageError::Location { reason: e.to_string() })?
            }
        };
        let prefix = match environment {
            Environment::Production => String::new(),
            other => format!("{}-", other.name()),
        };
        Ok(self.directory()?.join(format!("{prefix}tokens.{extension}")))
    }

    /// `~/.globus` (unix) or `<data dir>\globus` (Windows).
    fn base(&self) -> Result<PathBuf, StorageError> {
        if cfg!(windows) {
            let data = match (&self.home, windows_data_dir()) {
                (Some(home), _) => home.join("AppData").join("Local"),
                (None, Some(dir)) => dir,
                (None, None) => home_dir()?.join("AppData").join("Local"),
            };
            Ok(data.join("globus"))
        } else {
            let home = match &self.home {
                Some(home) => home.clone(),
                None => home_dir()?,
            };
            Ok(home.join(".globus"))
        }
    }
}

fn windows_data_dir() -> Option<PathBuf> {
    ["LOCALAPPDATA", "APPDATA"].iter().find_map(|v| std::env::var_os(v).filter(|s| !s.is_empty()).map(PathBuf::from))
}

fn home_dir() -> Result<PathBuf, StorageError> {
    #[allow(deprecated)] // deprecated before Rust 1.86 for Windows quirks since fixed; our MSRV is newer
    std::env::home_dir().filter(|p| !p.as_os_str().is_empty()).ok_or_else(|| StorageError::Location {
        reason: "no home directory is known (HOME is not set); give one with AppLocation::home, or give \
                 the store a path of its own"
            .to_string(),
    })
}

/// The app name as a directory name, as the Python SDK makes it.
pub(crate) fn slugify_app_name(app_name: &str) -> Result<String, StorageError> {
    let replaced: String = app_name
        .chars()
        .map(|c| match c {
            '<' | '>' | ':' | '"' | '/' | '\\' | '|' | '?' | '*' => '+',
            '.' | ' ' => '-',
            c => c,
        })
        .filter(|c| is_printable(*c))
        .collect();
    let slug = replaced.to_lowercase();
    if slug.is_empty() {
        return Err(StorageError::Location {
            reason: format!("the app name {app_name:?} leaves nothing for a directory name; choose another name"),
        });
    }
    if is_reserved(&slug) {
        return Err(StorageError::Location {
            reason: format!("the app name {app_name:?} gives {slug:?}, a name Windows reserves; choose another name"),
        });
    }
    Ok(slug)
}

/// `con`, `prn`, `aux`, `nul`, `com<digit>`, `lpt<digit>` (the whole name).
fn is_reserved(slug: &str) -> bool {
    if ["con", "prn", "aux", "nul"].contains(&slug) {
        return true;
    }
    ["com", "lpt"].iter().any(|p| {
        slug.strip_prefix(p).is_some_and(|rest| {
            let mut chars = rest.chars();
            matches!((chars.next(), chars.next()), (Some(d), None) if d.is_numeric())
        })
    })
}

/// Python's `str.isprintable`: false for control, format, surrogate, private-use and
/// separator characters other than the ASCII space (unassigned code points are not known
/// here and count as printable).
fn is_printable(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    let u = c as u32;
    let separator = matches!(u, 0xA0 | 0x1680 | 0x2000..=0x200A | 0x2028 | 0x2029 | 0x202F | 0x205F | 0x3000);
    let format = matches!(
        u,
        0xAD | 0x600..=0x605
            | 0x61C
            | 0x6DD
            | 0x70F
            | 0x890..=0x891
            | 0x8E2
            | 0x180E
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x2064
            | 0x2066..=0x206F
            | 0xFEFF
            | 0xFFF9..=0xFFFB
            | 0x110BD
            | 0x110CD
            | 0x13430..=0x1343F
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0001
            | 0xE0020..=0xE007F
    );
    let private = matches!(u, 0xE000..=0xF8FF | 0xF0000..=0xFFFFD | 0x100000..=0x10FFFD);
    !(c.is_control() || separator || format || private)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn slugs_as_python_makes_them() {
        for (name, slug) in [
            ("My App", "my-app"),
            ("a. b", "a--b"),
            ("a?", "a+"),
            ("x<>:\"/\\|?*y", "x+++++++++y"),
            ("a\u{0}b\u{7f}c\u{200b}d\u{a0}e", "abcde"),
            ("ÀB", "àb"),
            ("con1", "con1"),
            ("COM", "com"),
        ] {
            assert_eq!(slugify_app_name(name).unwrap(), slug, "{name:?}");
        }
        for name in ["", "\u{1}", "CON", "nul", "Com1", "lpt9", "aux"] {
            assert!(matches!(slugify_app_name(name), Err(StorageError::Location { .. })), "{name:?}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn paths_by_environment() {
        let at = |e| AppLocation::new("cid", "App").environment(e).home("/h");
        assert_eq!(at(Environment::Production).json_file().unwrap(), Path::new("/h/.globus/app/cid/app/tokens.json"));
        assert_eq!(
            at(Environment::Preview).sqlite_file().unwrap(),
            Path::new("/h/.globus/app/cid/app/preview-tokens.db")
        );
        assert_eq!(at(Environment::Test).directory().unwrap(), Path::new("/h/.globus/app/cid/app"));
    }
}

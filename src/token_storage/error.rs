//! [`StorageError`] (a store could not do its job) and [`ValidationError`] (the stored tokens
//! cannot be used as they are), each kind saying what to do next.

use std::path::PathBuf;
use std::time::Duration;

/// A token store could not read or write its tokens, or the tokens failed validation.
///
/// No message shows a token: only paths, namespaces, resource servers, field names and
/// identity ids.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// The file system refused an operation (permissions, disk full, a missing directory).
    #[error("cannot {operation} {path}: {source}; check that the path exists and that this user may use it")]
    Io {
        /// What was being done (`read`, `write`, `lock`, ...).
        operation: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a token store this SDK can read (not JSON, a damaged record, a SQLite
    /// database without the token table).
    #[error(
        "{path} is not a token store this SDK can read: {reason}; move it aside (the tokens in it \
         are lost) and log in again"
    )]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong (names fields, never values).
        reason: String,
    },
    /// The file was written in a format version this SDK does not read (a newer SDK wrote it).
    #[error(
        "{path} holds token data in format version {version:?}, which this SDK does not read (it reads \
         {supported}); upgrade the SDK, or give this program a file of its own"
    )]
    UnsupportedFormat {
        /// The file.
        path: PathBuf,
        /// The version found.
        version: String,
        /// The versions this SDK reads.
        supported: &'static str,
    },
    /// Another process held the store's lock for longer than the wait allowed.
    #[error(
        "another process held the lock on {path} for more than {waited:?}; try again, or stop the \
         process that hangs while holding it"
    )]
    Locked {
        /// The lock file.
        path: PathBuf,
        /// How long this process waited.
        waited: Duration,
    },
    /// The store's default location could not be worked out (no home directory, an app name
    /// that cannot be a directory name).
    #[error("cannot place the token store: {reason}")]
    Location {
        /// What is wrong and what to do.
        reason: String,
    },
    /// The SQLite library reported an error.
    #[cfg(feature = "sqlite")]
    #[error("SQLite cannot use {path}: {source}; if another program holds it for long, try again")]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// SQLite's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The tokens failed validation ([`ValidatingTokenStorage`](super::ValidatingTokenStorage)).
    #[error(transparent)]
    Invalid(#[from] ValidationError),
}

impl StorageError {
    /// The validation failure, when that is what this is.
    pub fn validation(&self) -> Option<&ValidationError> {
        match self {
            StorageError::Invalid(v) => Some(v),
            _ => None,
        }
    }

    pub(crate) fn io(operation: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| StorageError::Io { operation, path, source }
    }

    pub(crate) fn malformed(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        StorageError::Malformed { path: path.into(), reason: reason.into() }
    }
}

/// What a program does about a [`ValidationError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NextStep {
    /// Run a login flow, store its tokens, and try again.
    Login,
    /// Logging in again does not help: the new tokens belong to another user than the stored
    /// ones. Remove the stored tokens first (log out) to switch users, or keep each user's
    /// tokens in a namespace of their own.
    Logout,
    /// The program asked for the wrong thing (e.g. a login without the `openid` scope, so no
    /// identity is known); change the program.
    FixProgram,
}

/// Stored tokens (or tokens about to be stored) that cannot be used as they are.
///
/// [`ValidationError::next_step`] says what to do; the messages say it too.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    /// No tokens are stored for the resource server.
    #[error("no tokens are stored for {resource_server}; log in")]
    NotFound {
        /// The resource server.
        resource_server: String,
    },
    /// The access token has expired and there is no refresh token to renew it.
    #[error(
        "the access token for {resource_server} expired at {expired_at} (seconds since the epoch) and \
         there is no refresh token to renew it; log in again"
    )]
    Expired {
        /// The resource server.
        resource_server: String,
        /// When it expired (seconds since the Unix epoch).
        expired_at: i64,
    },
    /// Refresh tokens were asked for, and the stored tokens have none.
    #[error(
        "refresh tokens are required and the tokens for {resource_server} have none; log in again, \
         requesting refresh tokens"
    )]
    MissingRefreshToken {
        /// The resource server.
        resource_server: String,
    },
    /// The tokens belong to another identity than the tokens already stored.
    #[error(
        "the new tokens are for identity {new}, the stored ones for {stored}; log out first (remove \
         the stored tokens) to switch users, or store each user's tokens in their own namespace"
    )]
    IdentityChanged {
        /// The identity of the stored tokens.
        stored: String,
        /// The identity of the new tokens.
        new: String,
    },
    /// The tokens name no identity, so it cannot be checked that they belong to the same user
    /// as the stored ones.
    #[error(
        "the tokens name no identity (the login did not request the `openid` scope, so there was no \
         id_token); request `openid` when logging in"
    )]
    MissingIdentity,
    /// Tokens given or stored together name different identities.
    #[error(
        "tokens stored together name different identities ({}); log out (remove the stored tokens) and \
         log in again", .identities.join(", ")
    )]
    MixedIdentities {
        /// The identities found.
        identities: Vec<String>,
    },
    /// The tokens lack scopes the program requires.
    #[error("the tokens for {resource_server} lack the scopes {}; log in again to consent to them", .missing.join(" "))]
    UnmetScopes {
        /// The resource server.
        resource_server: String,
        /// The required scopes the tokens do not carry.
        missing: Vec<String>,
    },
}

impl ValidationError {
    /// What to do about it.
    pub fn next_step(&self) -> NextStep {
        match self {
            ValidationError::NotFound { .. }
            | ValidationError::Expired { .. }
            | ValidationError::MissingRefreshToken { .. }
            | ValidationError::UnmetScopes { .. } => NextStep::Login,
            ValidationError::IdentityChanged { .. } | ValidationError::MixedIdentities { .. } => NextStep::Logout,
            ValidationError::MissingIdentity => NextStep::FixProgram,
        }
    }

    /// The resource server concerned, when there is one.
    pub fn resource_server(&self) -> Option<&str> {
        match self {
            ValidationError::NotFound { resource_server }
            | ValidationError::Expired { resource_server, .. }
            | ValidationError::MissingRefreshToken { resource_server }
            | ValidationError::UnmetScopes { resource_server, .. } => Some(resource_server),
            _ => None,
        }
    }
}

/// A storage error as the SDK's [`Error`](crate::Error): a validation failure is
/// [`ErrorKind::Authorization`](crate::ErrorKind::Authorization) (new credentials are needed),
/// anything else [`ErrorKind::Config`](crate::ErrorKind::Config) (the store's file or
/// location needs attention). The [`StorageError`] is the source.
impl From<StorageError> for crate::Error {
    fn from(e: StorageError) -> Self {
        let base = match &e {
            StorageError::Invalid(_) => crate::Error::authorization("the stored tokens cannot be used"),
            _ => crate::Error::config("token storage"),
        };
        base.with_source(e)
    }
}

impl From<ValidationError> for crate::Error {
    fn from(e: ValidationError) -> Self {
        StorageError::Invalid(e).into()
    }
}

//! The clients and users of the local Auth, and a user's approval of a login.

use crate::Secret;

/// A client registered with the local Auth.
#[derive(Clone, Debug)]
pub struct LocalClient {
    pub(crate) id: String,
    pub(crate) secret: Option<Secret>,
    pub(crate) name: String,
}

impl LocalClient {
    /// The client id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The client secret (confidential clients only).
    pub fn secret(&self) -> Option<&Secret> {
        self.secret.as_ref()
    }

    /// The client's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the client has a secret.
    pub fn is_confidential(&self) -> bool {
        self.secret.is_some()
    }
}

/// An identity known to the local Auth: a user, or a client acting as itself.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LocalIdentity {
    /// The identity id (for a client: the client id).
    pub id: String,
    /// The username (for a client: `<client id>@clients.auth.globus.org`).
    pub username: String,
    /// The display name.
    pub name: Option<String>,
    /// The email address.
    pub email: Option<String>,
    /// The organization.
    pub organization: Option<String>,
}

/// A user's consent given without a browser: what the authorize page would approve.
///
/// ```
/// use globus_sdk::testing::Approval;
/// let approval = Approval::new("client-id", "openid profile", "http://localhost:8000/callback")
///     .code_challenge("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
///     .refresh_tokens(true);
/// # let _ = approval;
/// ```
#[derive(Clone, Debug, Default)]
pub struct Approval {
    pub(crate) client_id: String,
    pub(crate) scopes: String,
    pub(crate) redirect_uri: String,
    pub(crate) identity: Option<String>,
    pub(crate) code_challenge: Option<String>,
    pub(crate) code_challenge_method: Option<String>,
    pub(crate) refresh_tokens: bool,
    pub(crate) state: Option<String>,
    pub(crate) nonce: Option<String>,
}

impl Approval {
    /// `client_id` asks for `scopes` (space-separated) and will exchange the code with
    /// `redirect_uri`.
    pub fn new(client_id: impl Into<String>, scopes: impl Into<String>, redirect_uri: impl Into<String>) -> Self {
        Approval {
            client_id: client_id.into(),
            scopes: scopes.into(),
            redirect_uri: redirect_uri.into(),
            ..Default::default()
        }
    }

    /// The user who logs in, by id or username (default:
    /// [`LocalGlobus::user`](crate::testing::LocalGlobus::user)).
    pub fn identity(mut self, id_or_username: impl Into<String>) -> Self {
        self.identity = Some(id_or_username.into());
        self
    }

    /// The PKCE S256 challenge the code exchange must answer.
    pub fn code_challenge(mut self, challenge: impl Into<String>) -> Self {
        self.code_challenge = Some(challenge.into());
        self.code_challenge_method = Some("S256".into());
        self
    }

    /// Also issue refresh tokens (`access_type=offline`).
    pub fn refresh_tokens(mut self, yes: bool) -> Self {
        self.refresh_tokens = yes;
        self
    }

    /// The `state` echoed in the token response.
    pub fn state(mut self, state: impl Into<String>) -> Self {
        self.state = Some(state.into());
        self
    }

    /// The OpenID Connect `nonce` put in the id_token.
    pub fn nonce(mut self, nonce: impl Into<String>) -> Self {
        self.nonce = Some(nonce.into());
        self
    }
}

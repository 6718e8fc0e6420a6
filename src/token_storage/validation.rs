//! Validation of tokens when they are read and before they are stored:
//! [`ValidatingTokenStorage`] and the [`TokenValidator`]s.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

use super::{DEFAULT_NAMESPACE, StorageError, TokenStorage, TokenStorageData, ValidationError};
use crate::authorizers::TokenData;
use crate::scopes::Scope;

/// What a validator knows besides the tokens it checks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ValidationContext {
    /// The identity of the tokens stored in the namespace before this operation, if any.
    pub prior_identity_id: Option<String>,
    /// The identity named by the tokens being checked, if any.
    pub token_data_identity_id: Option<String>,
}

/// A check run on tokens before they are stored and after they are read.
///
/// Both hooks pass by default; a validator implements those it needs. Scope requirements,
/// consent checks and other rules of an application plug in here.
///
/// ```
/// use std::collections::BTreeMap;
/// use globus_sdk::token_storage::{TokenStorageData, TokenValidator, ValidationContext, ValidationError};
///
/// /// Refuse tokens that expire within the hour.
/// #[derive(Debug)]
/// struct AnHourLeft;
/// impl TokenValidator for AnHourLeft {
///     fn after_retrieve(&self, tokens: &BTreeMap<String, TokenStorageData>, _: &ValidationContext) -> Result<(), ValidationError> {
///         let soon = chrono::Utc::now().timestamp() + 3600;
///         match tokens.values().find(|t| t.expires_at_seconds < soon && t.refresh_token.is_none()) {
///             Some(t) => Err(ValidationError::Expired { resource_server: t.resource_server.clone(), expired_at: t.expires_at_seconds }),
///             None => Ok(()),
///         }
///     }
/// }
/// ```
pub trait TokenValidator: Send + Sync + fmt::Debug {
    /// Check `tokens` (by resource server) before they are stored.
    fn before_store(
        &self,
        tokens: &BTreeMap<String, TokenStorageData>,
        context: &ValidationContext,
    ) -> Result<(), ValidationError> {
        let _ = (tokens, context);
        Ok(())
    }

    /// Check `tokens` (by resource server) after they are read.
    fn after_retrieve(
        &self,
        tokens: &BTreeMap<String, TokenStorageData>,
        context: &ValidationContext,
    ) -> Result<(), ValidationError> {
        let _ = (tokens, context);
        Ok(())
    }
}

/// On read: an expired access token without a refresh token to renew it is
/// [`ValidationError::Expired`]. (An expired token with a refresh token passes: the
/// authorizer renews it.)
#[derive(Clone, Copy, Debug, Default)]
pub struct NotExpired;

impl TokenValidator for NotExpired {
    fn after_retrieve(
        &self,
        tokens: &BTreeMap<String, TokenStorageData>,
        _: &ValidationContext,
    ) -> Result<(), ValidationError> {
        match tokens.values().find(|t| t.is_expired() && t.refresh_token.is_none()) {
            Some(t) => Err(ValidationError::Expired {
                resource_server: t.resource_server.clone(),
                expired_at: t.expires_at_seconds,
            }),
            None => Ok(()),
        }
    }
}

/// On read, for apps that ask for refresh tokens: tokens without one are
/// [`ValidationError::MissingRefreshToken`].
#[derive(Clone, Copy, Debug, Default)]
pub struct HasRefreshTokens;

impl TokenValidator for HasRefreshTokens {
    fn after_retrieve(
        &self,
        tokens: &BTreeMap<String, TokenStorageData>,
        _: &ValidationContext,
    ) -> Result<(), ValidationError> {
        match tokens.values().find(|t| t.refresh_token.is_none()) {
            Some(t) => Err(ValidationError::MissingRefreshToken { resource_server: t.resource_server.clone() }),
            None => Ok(()),
        }
    }
}

/// Before storing, for apps a user logs in to: tokens must name their identity
/// ([`ValidationError::MissingIdentity`]), and it must be the identity of the tokens already
/// stored ([`ValidationError::IdentityChanged`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct UnchangingIdentity;

impl TokenValidator for UnchangingIdentity {
    fn before_store(
        &self,
        _: &BTreeMap<String, TokenStorageData>,
        context: &ValidationContext,
    ) -> Result<(), ValidationError> {
        let Some(new) = &context.token_data_identity_id else { return Err(ValidationError::MissingIdentity) };
        match &context.prior_identity_id {
            Some(stored) if stored != new => {
                Err(ValidationError::IdentityChanged { stored: stored.clone(), new: new.clone() })
            }
            _ => Ok(()),
        }
    }
}

/// Both before storing and after reading: the token of each resource server named in the
/// requirements carries the required scopes ([`ValidationError::UnmetScopes`]).
///
/// Only the scopes themselves are compared with the token's `scope`; whether the user
/// consented to a scope's dependencies (`transfer:all[collection:data_access]`) is known only
/// to Globus Auth's consents API, which the application layer asks.
///
/// ```
/// use globus_sdk::scopes::Scope;
/// use globus_sdk::token_storage::{ScopeRequirements, TokenStorageData, TokenValidator, ValidationContext};
/// let required = ScopeRequirements::new([("auth.globus.org", vec![Scope::new("openid"), Scope::new("email")])]);
/// let token = TokenStorageData::new("auth.globus.org", "openid profile", "AT", 1_900_000_000);
/// let tokens = [(token.resource_server.clone(), token)].into_iter().collect();
/// let e = required.after_retrieve(&tokens, &ValidationContext::default()).unwrap_err();
/// assert!(e.to_string().contains("email"));
/// ```
#[derive(Clone, Debug, Default)]
pub struct ScopeRequirements {
    requirements: BTreeMap<String, Vec<Scope>>,
}

impl ScopeRequirements {
    /// Require, for each resource server, its scopes.
    pub fn new<R: Into<String>>(requirements: impl IntoIterator<Item = (R, Vec<Scope>)>) -> Self {
        ScopeRequirements { requirements: requirements.into_iter().map(|(rs, s)| (rs.into(), s)).collect() }
    }

    fn check(&self, tokens: &BTreeMap<String, TokenStorageData>) -> Result<(), ValidationError> {
        for token in tokens.values() {
            let Some(required) = self.requirements.get(&token.resource_server) else { continue };
            let carried: BTreeSet<&str> = token.scope.split_whitespace().collect();
            let missing: Vec<String> = required
                .iter()
                .filter(|s| !carried.contains(s.scope_string.as_str()))
                .map(|s| s.scope_string.clone())
                .collect();
            if !missing.is_empty() {
                return Err(ValidationError::UnmetScopes { resource_server: token.resource_server.clone(), missing });
            }
        }
        Ok(())
    }
}

impl TokenValidator for ScopeRequirements {
    fn before_store(
        &self,
        tokens: &BTreeMap<String, TokenStorageData>,
        _: &ValidationContext,
    ) -> Result<(), ValidationError> {
        self.check(tokens)
    }

    fn after_retrieve(
        &self,
        tokens: &BTreeMap<String, TokenStorageData>,
        _: &ValidationContext,
    ) -> Result<(), ValidationError> {
        self.check(tokens)
    }
}

/// A token store seen through validators, in one namespace: what an application reads its
/// tokens from and stores new ones into.
///
/// [`get`](Self::get) fails with [`ValidationError::NotFound`] when nothing is stored, and
/// every read or store runs the validators; a failure is [`StorageError::Invalid`], whose
/// [`ValidationError::next_step`] says whether to log in again.
///
/// ```
/// use std::sync::Arc;
/// use globus_sdk::token_storage::*;
///
/// let storage = ValidatingTokenStorage::new(Arc::new(MemoryTokenStorage::new()))
///     .validator(HasRefreshTokens)
///     .validator(UnchangingIdentity);
/// let mut token = TokenStorageData::new("auth.globus.org", "openid", "AT", 1_900_000_000);
/// token.identity_id = Some("ID-1".into());
/// token.refresh_token = Some("RT".into());
/// storage.store(&[token.clone()]).unwrap();
///
/// token.identity_id = Some("ID-2".into());
/// let e = storage.store(&[token]).unwrap_err();
/// assert_eq!(e.validation().unwrap().next_step(), NextStep::Logout);
///
/// let e = storage.get("transfer.api.globus.org").unwrap_err();
/// assert_eq!(e.validation().unwrap().next_step(), NextStep::Login);
/// ```
#[derive(Clone, Debug)]
pub struct ValidatingTokenStorage {
    storage: Arc<dyn TokenStorage>,
    namespace: String,
    validators: Vec<Arc<dyn TokenValidator>>,
}

impl ValidatingTokenStorage {
    /// `storage`'s namespace `DEFAULT`, without validators.
    pub fn new(storage: Arc<dyn TokenStorage>) -> Self {
        ValidatingTokenStorage { storage, namespace: DEFAULT_NAMESPACE.to_string(), validators: Vec::new() }
    }

    /// Use the namespace `namespace` instead.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = namespace.into();
        self
    }

    /// Add a validator (they run in the order added).
    pub fn validator(mut self, validator: impl TokenValidator + 'static) -> Self {
        self.validators.push(Arc::new(validator));
        self
    }

    /// The store underneath.
    pub fn storage(&self) -> &Arc<dyn TokenStorage> {
        &self.storage
    }

    /// The namespace.
    pub fn namespace_name(&self) -> &str {
        &self.namespace
    }

    /// The identity of the stored tokens, if they name one.
    pub fn stored_identity(&self) -> Result<Option<String>, StorageError> {
        Ok(identity_of(&self.storage.get_all(&self.namespace)?)?)
    }

    /// Validate `tokens` ([`TokenValidator::before_store`]) and store them.
    pub fn store(&self, tokens: &[TokenStorageData]) -> Result<(), StorageError> {
        let by_resource_server: BTreeMap<String, TokenStorageData> =
            tokens.iter().map(|t| (t.resource_server.clone(), t.clone())).collect();
        let context = ValidationContext {
            prior_identity_id: self.stored_identity()?,
            token_data_identity_id: identity_of(&by_resource_server)?,
        };
        for validator in &self.validators {
            validator.before_store(&by_resource_server, &context)?;
        }
        self.storage.store(&self.namespace, tokens)
    }

    /// Store tokens a renewal produced (a refresh grant's answer names no identity): they are
    /// recorded under the identity of the tokens already stored.
    ///
    /// ```no_run
    /// # use std::sync::Arc;
    /// # use globus_sdk::token_storage::*;
    /// # fn demo(authorizer: globus_sdk::auth::RefreshTokenAuthorizer, storage: Arc<ValidatingTokenStorage>) {
    /// // Keep the store current: every renewal is written back.
    /// let authorizer = authorizer.on_refresh(move |tokens| {
    ///     if let Err(e) = storage.store_renewed(tokens) {
    ///         eprintln!("the renewed tokens were not stored: {e}");
    ///     }
    /// });
    /// # }
    /// ```
    pub fn store_renewed(&self, tokens: &TokenData) -> Result<(), StorageError> {
        let identity = self.stored_identity()?;
        self.store(&[TokenStorageData::from_token_data(tokens, identity)])
    }

    /// The validated tokens for `resource_server` ([`ValidationError::NotFound`] when none
    /// are stored).
    pub fn get(&self, resource_server: &str) -> Result<TokenStorageData, StorageError> {
        let token = self
            .storage
            .get(&self.namespace, resource_server)?
            .ok_or_else(|| ValidationError::NotFound { resource_server: resource_server.to_string() })?;
        let tokens = BTreeMap::from([(token.resource_server.clone(), token)]);
        self.validate_read(&tokens)?;
        Ok(tokens.into_values().next().expect("one token"))
    }

    /// Every token of the namespace, validated.
    pub fn get_all(&self) -> Result<BTreeMap<String, TokenStorageData>, StorageError> {
        let tokens = self.storage.get_all(&self.namespace)?;
        self.validate_read(&tokens)?;
        Ok(tokens)
    }

    /// Remove the tokens for `resource_server` (true when there were some).
    pub fn remove(&self, resource_server: &str) -> Result<bool, StorageError> {
        self.storage.remove(&self.namespace, resource_server)
    }

    fn validate_read(&self, tokens: &BTreeMap<String, TokenStorageData>) -> Result<(), StorageError> {
        let identity = identity_of(tokens)?;
        let context = ValidationContext { prior_identity_id: identity.clone(), token_data_identity_id: identity };
        for validator in &self.validators {
            validator.after_retrieve(tokens, &context)?;
        }
        Ok(())
    }
}

/// The one identity the tokens name (None when none names one).
fn identity_of(tokens: &BTreeMap<String, TokenStorageData>) -> Result<Option<String>, ValidationError> {
    let identities: BTreeSet<&String> = tokens.values().filter_map(|t| t.identity_id.as_ref()).collect();
    match identities.len() {
        0 => Ok(None),
        1 => Ok(identities.into_iter().next().cloned()),
        _ => Err(ValidationError::MixedIdentities { identities: identities.into_iter().cloned().collect() }),
    }
}

//! Batched, cached identity lookups by id or username.

use std::collections::{BTreeSet, HashMap};

use super::{Client, types};
use crate::error::Error;

/// Resolves many identity ids and usernames with few requests.
///
/// Add the keys you will need, then [`get`](IdentityMap::get) them: each lookup that misses
/// the cache fetches a batch of up to 100 pending keys of the same kind (ids or usernames) in
/// one `get_identities` call. A key Auth does not know resolves to `None` (and is cached too).
///
/// ```no_run
/// # async fn demo(auth: &globus_sdk::auth::Client) -> Result<(), globus_sdk::Error> {
/// use globus_sdk::auth::IdentityMap;
/// let mut map = IdentityMap::new(auth);
/// map.add("46bd0f56-e24f-11e5-a510-131bef46955c");
/// map.add("someone@globusid.org");
/// if let Some(identity) = map.get("someone@globusid.org").await? {
///     println!("{}", identity.id);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct IdentityMap<'c> {
    client: &'c Client,
    batch_size: usize,
    provision: bool,
    pending_ids: BTreeSet<String>,
    pending_usernames: BTreeSet<String>,
    cache: HashMap<String, Option<types::Identity>>,
}

/// Usernames contain `@`; ids are UUIDs.
fn is_username(key: &str) -> bool {
    key.contains('@')
}

impl<'c> IdentityMap<'c> {
    /// An empty map using `client` (whose token needs `view_identities` or openid).
    pub fn new(client: &'c Client) -> Self {
        IdentityMap {
            client,
            batch_size: 100,
            provision: false,
            pending_ids: BTreeSet::new(),
            pending_usernames: BTreeSet::new(),
            cache: HashMap::new(),
        }
    }

    /// Look up at most `n` keys per request (default 100, Auth's limit).
    pub fn batch_size(mut self, n: usize) -> Self {
        self.batch_size = n.clamp(1, 100);
        self
    }

    /// Ask Auth to create identities for unknown usernames of known providers.
    pub fn provision(mut self, yes: bool) -> Self {
        self.provision = yes;
        self
    }

    /// Queue a key for the next batch. Returns false when it is already known or queued.
    pub fn add(&mut self, key: &str) -> bool {
        if self.cache.contains_key(key) {
            return false;
        }
        if is_username(key) {
            self.pending_usernames.insert(key.to_string())
        } else {
            self.pending_ids.insert(key.to_string())
        }
    }

    /// The identity for an id or username, fetching a batch when it is not cached yet.
    pub async fn get(&mut self, key: &str) -> Result<Option<types::Identity>, Error> {
        if let Some(hit) = self.cache.get(key) {
            return Ok(hit.clone());
        }
        let username = is_username(key);
        let pending = if username { &mut self.pending_usernames } else { &mut self.pending_ids };
        pending.remove(key);
        let mut batch = vec![key.to_string()];
        while batch.len() < self.batch_size {
            let Some(next) = pending.pop_first() else { break };
            batch.push(next);
        }
        let joined = batch.join(",");
        let request = self.client.get_identities().provision(self.provision);
        let request = if username { request.usernames(joined) } else { request.ids(joined) };
        let found = request.send().await?.into_inner();
        for key in &batch {
            self.cache.insert(key.clone(), None);
        }
        for identity in found.identities {
            if let Some(u) = &identity.username {
                self.cache.insert(u.clone(), Some(identity.clone()));
                // Auth lowercases usernames; remember the spelling that was asked for too.
                if let Some(asked) = batch.iter().find(|b| b.eq_ignore_ascii_case(u)) {
                    self.cache.insert(asked.clone(), Some(identity.clone()));
                }
            }
            self.cache.insert(identity.id.clone(), Some(identity));
        }
        Ok(self.cache.get(key).cloned().flatten())
    }

    /// How many keys are cached (including keys Auth did not know).
    pub fn cached(&self) -> usize {
        self.cache.len()
    }
}

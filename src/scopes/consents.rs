//! A user's consents as a forest ([`ConsentForest`]): whether they meet scope requirements,
//! dependent scopes included.
//!
//! Globus Auth's `get_consents` lists a user's consents flat; each names, in
//! `dependency_path`, the consents from its root down to itself. A consent whose path has one
//! element is a root (the user let the client use the scope); the others hang below the
//! consent named next to last in their path (the user let the service use a dependent scope
//! when the client calls it).
//!
//! ```
//! use globus_sdk::auth::types::Consent;
//! use globus_sdk::scopes::{ConsentForest, Scope};
//!
//! let consent = |id: i64, path: Vec<i64>, name: &str| -> Consent {
//!     serde_json::from_value(serde_json::json!({"id": id, "dependency_path": path, "scope_name": name})).unwrap()
//! };
//! let forest = ConsentForest::new(vec![
//!     consent(1, vec![1], "transfer:all"),
//!     consent(2, vec![1, 2], "collection:data_access"),
//! ])
//! .unwrap();
//! assert!(forest.meets_scope_requirements(&["transfer:all[collection:data_access]".parse::<Scope>().unwrap()]));
//! assert!(!forest.meets_scope_requirements(&["transfer:all[other:data_access]".parse::<Scope>().unwrap()]));
//! ```

use std::collections::BTreeMap;
use std::fmt;

use super::Scope;
use crate::auth::types::Consent;
use crate::error::{Error, ErrorKind};

/// A user's consents, arranged in trees by their `dependency_path` (Python's
/// `ConsentForest`).
#[derive(Clone, PartialEq)]
pub struct ConsentForest {
    nodes: BTreeMap<i64, Consent>,
    children: BTreeMap<i64, Vec<i64>>,
    roots: Vec<i64>,
}

impl ConsentForest {
    /// Arrange `consents` (as `get_consents` lists them) in trees.
    ///
    /// A consent whose `dependency_path` does not end with its own id, or whose parent (the
    /// next-to-last id of its path) is not among the consents, is an error: the list is not
    /// a forest.
    pub fn new(consents: impl IntoIterator<Item = Consent>) -> Result<Self, Error> {
        let nodes: BTreeMap<i64, Consent> = consents.into_iter().map(|c| (c.id, c)).collect();
        let mut children: BTreeMap<i64, Vec<i64>> = nodes.keys().map(|id| (*id, Vec::new())).collect();
        let mut roots = Vec::new();
        for consent in nodes.values() {
            match consent.dependency_path.as_slice() {
                [only] if *only == consent.id => roots.push(consent.id),
                [.., parent, last] if *last == consent.id => match children.get_mut(parent) {
                    Some(siblings) => siblings.push(consent.id),
                    None => {
                        return Err(Error::new(
                            ErrorKind::Decode,
                            format!(
                                "consent {} depends on consent {parent}, which is not among the consents listed",
                                consent.id
                            ),
                        ));
                    }
                },
                path => {
                    return Err(Error::new(
                        ErrorKind::Decode,
                        format!(
                            "consent {} has the dependency path {path:?}, which does not end with its id",
                            consent.id
                        ),
                    ));
                }
            }
        }
        Ok(ConsentForest { nodes, children, roots })
    }

    /// The consents, by id.
    pub fn consents(&self) -> impl Iterator<Item = &Consent> {
        self.nodes.values()
    }

    /// The root consents (those the user gave the client itself).
    pub fn roots(&self) -> impl Iterator<Item = &Consent> {
        self.roots.iter().filter_map(|id| self.nodes.get(id))
    }

    /// The consents directly below consent `id`.
    pub fn children(&self, id: i64) -> impl Iterator<Item = &Consent> {
        self.children.get(&id).into_iter().flatten().filter_map(|id| self.nodes.get(id))
    }

    /// Whether every scope of `scopes` is met by one tree: its root consent is for the scope,
    /// and each of the scope's dependencies is met, the same way, by a child of that consent.
    ///
    /// As Python's `ConsentForest.meets_scope_requirements`: scopes are compared by their
    /// scope string (`scope_name`); a dependency marked optional (`*`) is required all the
    /// same, since only a consent shows the user gave it; a consent's `status` is not looked
    /// at (a withdrawn consent is no longer listed).
    pub fn meets_scope_requirements(&self, scopes: &[Scope]) -> bool {
        scopes.iter().all(|scope| self.roots.iter().any(|root| self.meets(*root, scope)))
    }

    fn meets(&self, id: i64, scope: &Scope) -> bool {
        let Some(consent) = self.nodes.get(&id) else { return false };
        consent.scope_name.as_deref() == Some(scope.scope_string.as_str())
            && scope.dependencies.iter().all(|dependency| {
                self.children.get(&id).into_iter().flatten().any(|child| self.meets(*child, dependency))
            })
    }
}

impl fmt::Debug for ConsentForest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn tree(forest: &ConsentForest, id: i64, depth: usize, list: &mut Vec<String>) {
            if let Some(c) = forest.nodes.get(&id) {
                list.push(format!("{}{} {}", "  ".repeat(depth), c.id, c.scope_name.as_deref().unwrap_or("?")));
            }
            for child in forest.children.get(&id).into_iter().flatten() {
                tree(forest, *child, depth + 1, list);
            }
        }
        let mut list = Vec::new();
        for root in &self.roots {
            tree(self, *root, 0, &mut list);
        }
        f.debug_struct("ConsentForest").field("trees", &list).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DATA_ACCESS: &str = "https://auth.globus.org/scopes/542a86fc-1766-450d-841f-065488a2ec01/data_access";
    const TRANSFER_ALL: &str = "urn:globus:auth:scope:transfer.api.globus.org:all";

    /// Python's registered `get_consents` response (`globus_sdk.testing`, auth, `get_consents`).
    fn python_registered() -> Vec<Consent> {
        let body = serde_json::json!({"consents": [
            {
                "created": "2022-09-21T17:10:14.270581+00:00", "id": 142632, "status": "approved",
                "updated": "2022-09-21T17:10:14.270581+00:00", "allows_refresh": true,
                "dependency_path": [142632], "scope_name": TRANSFER_ALL, "atomically_revocable": false,
                "effective_identity": "8ca28797-3541-4a5d-a264-05b00f91e608", "auto_approved": false,
                "last_used": "2024-03-18T17:34:04.719126+00:00", "scope": "89ecabba-4acf-4e2e-a98d-ce592ccc2818",
                "client": "065db752-2f43-4fe1-a633-2ee68c9da889"
            },
            {
                "created": "2024-03-18T17:32:51.496893+00:00", "id": 433892, "status": "approved",
                "updated": "2024-03-18T17:32:51.496893+00:00", "allows_refresh": true,
                "dependency_path": [142632, 433892], "scope_name": DATA_ACCESS, "atomically_revocable": true,
                "effective_identity": "8ca28797-3541-4a5d-a264-05b00f91e608", "auto_approved": false,
                "last_used": "2024-03-18T17:33:05.178254+00:00", "scope": "fe334c19-4fe6-4d03-ac73-8992beb231b6",
                "client": "2fbdda78-a599-4cb5-ac3d-1fbcfbc6a754"
            }
        ]});
        serde_json::from_value::<crate::auth::types::GetConsentsResponse>(body).unwrap().consents
    }

    fn scope(s: &str) -> Scope {
        s.parse().unwrap()
    }

    fn consent(id: i64, path: &[i64], name: &str) -> Consent {
        serde_json::from_value(serde_json::json!({"id": id, "dependency_path": path, "scope_name": name})).unwrap()
    }

    #[test]
    fn the_python_registered_response_is_one_tree_of_two() {
        let forest = ConsentForest::new(python_registered()).unwrap();
        assert_eq!(forest.roots().map(|c| c.id).collect::<Vec<_>>(), [142632]);
        assert_eq!(forest.children(142632).map(|c| c.id).collect::<Vec<_>>(), [433892]);
        assert_eq!(forest.consents().count(), 2);
        assert!(forest.meets_scope_requirements(&[scope(TRANSFER_ALL)]));
        assert!(forest.meets_scope_requirements(&[scope(&format!("{TRANSFER_ALL}[{DATA_ACCESS}]"))]));
        // An optional dependency is required all the same (Python's semantics).
        assert!(forest.meets_scope_requirements(&[scope(&format!("{TRANSFER_ALL}[*{DATA_ACCESS}]"))]));
        assert!(!forest.meets_scope_requirements(&[scope(&format!("{TRANSFER_ALL}[*{DATA_ACCESS}x]"))]));
        // The dependency alone is no root consent.
        assert!(!forest.meets_scope_requirements(&[scope(DATA_ACCESS)]));
        // One unmet scope of several: unmet.
        assert!(!forest.meets_scope_requirements(&[scope(TRANSFER_ALL), scope("openid")]));
        assert!(forest.meets_scope_requirements(&[]));
        let debug = format!("{forest:?}");
        assert!(debug.contains("142632") && debug.contains("  433892"), "{debug}");
    }

    #[test]
    fn dependencies_are_met_in_one_tree_recursively() {
        // a[b[c]] consented twice: once as a[b] with c under another root, once whole.
        let forest = ConsentForest::new([
            consent(1, &[1], "a"),
            consent(2, &[1, 2], "b"),
            consent(3, &[3], "x"),
            consent(4, &[3, 4], "c"),
            consent(5, &[1, 5], "d"),
        ])
        .unwrap();
        assert!(forest.meets_scope_requirements(&[scope("a[b d]")]));
        assert!(!forest.meets_scope_requirements(&[scope("a[b[c]]")]), "c is under another root");
        assert!(!forest.meets_scope_requirements(&[scope("a[c]")]));
        let forest = ConsentForest::new([
            consent(1, &[1], "a"),
            consent(2, &[1, 2], "b"),
            consent(6, &[6], "a"),
            consent(7, &[6, 7], "b"),
            consent(8, &[6, 7, 8], "c"),
        ])
        .unwrap();
        assert!(forest.meets_scope_requirements(&[scope("a[b[c]]")]), "the second tree meets it");
        assert!(forest.meets_scope_requirements(&[scope("a[b[*c]]"), scope("a")]));
    }

    #[test]
    fn a_list_that_is_no_forest_is_an_error() {
        let e = ConsentForest::new([consent(2, &[1, 2], "b")]).unwrap_err();
        assert!(e.to_string().contains("consent 1"), "{e}");
        let e = ConsentForest::new([consent(2, &[2, 3], "b")]).unwrap_err();
        assert!(e.to_string().contains("does not end with its id"), "{e}");
        assert!(ConsentForest::new([consent(2, &[], "b")]).is_err());
        assert!(ConsentForest::new([]).unwrap().roots().next().is_none());
    }
}

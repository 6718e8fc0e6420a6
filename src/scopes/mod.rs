//! Scopes: parse, build and print Globus scope strings, with dependent scopes.
//!
//! A scope string is a scope name followed, in brackets, by the scopes it depends on;
//! a `*` marks an optional dependency:
//! `urn:globus:auth:scope:transfer.api.globus.org:all[*https://auth.globus.org/scopes/<id>/data_access]`.
//!
//! ```
//! use globus_sdk::scopes::Scope;
//! let scope: Scope = "a[b *c[d]]".parse().unwrap();
//! assert_eq!(scope.dependencies.len(), 2);
//! assert!(scope.dependencies[1].optional);
//! assert_eq!(scope.to_string(), "a[b *c[d]]");
//! ```
//!
//! Printing is stable: dependencies are merged ([`Scope::merge`]: the same scope twice is one,
//! with the dependencies of both; required wins over optional) and sorted, so two equal
//! requirements print the same string whatever the order they were built in.
//!
//! ```
//! use globus_sdk::scopes::Scope;
//! let a: Scope = "t[*c2 c1]".parse().unwrap();
//! let b: Scope = "t[c1[x] c2]".parse().unwrap();
//! assert_eq!(a.to_string(), "t[c1 *c2]");
//! assert_eq!(Scope::join(&Scope::merge([a, b])), "t[c1[x] c2]");
//! ```

mod builders;
#[cfg(feature = "auth")]
mod consents;

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

pub use builders::{OwnedScopeBuilder, ScopeBuilder, flows, gcs, timers};
#[cfg(feature = "auth")]
pub use consents::ConsentForest;

/// One scope and the scopes it depends on.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Scope {
    /// The scope string (`openid`, `urn:globus:auth:scope:...`, `https://auth.globus.org/scopes/...`).
    pub scope_string: String,
    /// Whether this is an optional dependency (`*` prefix).
    pub optional: bool,
    /// Dependent scopes.
    pub dependencies: Vec<Scope>,
}

impl Scope {
    /// A scope without dependencies.
    pub fn new(scope_string: impl Into<String>) -> Self {
        Scope { scope_string: scope_string.into(), optional: false, dependencies: Vec::new() }
    }

    /// This scope, made optional (as a dependency).
    pub fn optional(mut self) -> Self {
        self.optional = true;
        self
    }

    /// This scope with one more dependency.
    pub fn with_dependency(mut self, dependency: Scope) -> Self {
        self.dependencies.push(dependency);
        self
    }

    /// Merge requirements: scopes with the same scope string become one, whose
    /// dependencies are those of all of them (merged the same way) and which is optional only
    /// when all of them are. The result is sorted by scope string.
    pub fn merge(scopes: impl IntoIterator<Item = Scope>) -> Vec<Scope> {
        let mut merged: std::collections::BTreeMap<String, Scope> = std::collections::BTreeMap::new();
        for scope in scopes {
            match merged.get_mut(&scope.scope_string) {
                Some(existing) => {
                    existing.optional &= scope.optional;
                    let deps = std::mem::take(&mut existing.dependencies);
                    existing.dependencies = Scope::merge(deps.into_iter().chain(scope.dependencies));
                }
                None => {
                    let mut scope = scope;
                    scope.dependencies = Scope::merge(std::mem::take(&mut scope.dependencies));
                    merged.insert(scope.scope_string.clone(), scope);
                }
            }
        }
        merged.into_values().collect()
    }

    /// Parse a space-separated list of scopes (the form sent to Globus Auth).
    pub fn parse_list(s: &str) -> Result<Vec<Scope>, Error> {
        let mut p = Parser { chars: s.chars().collect(), pos: 0 };
        let scopes = p.list(0)?;
        if p.pos < p.chars.len() {
            return Err(p.error("unexpected `]`"));
        }
        Ok(scopes)
    }

    /// Join scopes with spaces, the form sent to Globus Auth.
    pub fn join(scopes: &[Scope]) -> String {
        scopes.iter().map(Scope::to_string).collect::<Vec<_>>().join(" ")
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.optional {
            f.write_str("*")?;
        }
        f.write_str(&self.scope_string)?;
        if !self.dependencies.is_empty() {
            f.write_str("[")?;
            for (i, d) in Scope::merge(self.dependencies.iter().cloned()).iter().enumerate() {
                if i > 0 {
                    f.write_str(" ")?;
                }
                write!(f, "{d}")?;
            }
            f.write_str("]")?;
        }
        Ok(())
    }
}

impl FromStr for Scope {
    type Err = Error;
    /// Parse exactly one scope (with its dependencies).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut scopes = Scope::parse_list(s)?;
        match scopes.len() {
            1 => Ok(scopes.remove(0)),
            0 => Err(Error::invalid_request("the scope string is empty")),
            n => Err(Error::invalid_request(format!(
                "{s:?} holds {n} scopes; use Scope::parse_list for a space-separated list"
            ))),
        }
    }
}

impl From<&str> for Scope {
    /// A scope without dependencies, taken as written (use `parse` to read brackets).
    fn from(s: &str) -> Self {
        Scope::new(s)
    }
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

impl Parser {
    fn error(&self, what: &str) -> Error {
        let text: String = self.chars.iter().collect();
        Error::invalid_request(format!("invalid scope string {text:?} at character {}: {what}", self.pos))
    }

    fn list(&mut self, depth: usize) -> Result<Vec<Scope>, Error> {
        if depth > 64 {
            return Err(self.error("dependencies nested too deeply"));
        }
        let mut out = Vec::new();
        loop {
            while self.pos < self.chars.len() && self.chars[self.pos].is_whitespace() {
                self.pos += 1;
            }
            if self.pos >= self.chars.len() || self.chars[self.pos] == ']' {
                return Ok(out);
            }
            let optional = self.chars[self.pos] == '*';
            if optional {
                self.pos += 1;
            }
            let start = self.pos;
            while self.pos < self.chars.len()
                && !matches!(self.chars[self.pos], '[' | ']' | '*')
                && !self.chars[self.pos].is_whitespace()
            {
                self.pos += 1;
            }
            if start == self.pos {
                return Err(self.error("expected a scope name"));
            }
            let mut scope = Scope::new(self.chars[start..self.pos].iter().collect::<String>());
            scope.optional = optional;
            if self.pos < self.chars.len() && self.chars[self.pos] == '[' {
                self.pos += 1;
                scope.dependencies = self.list(depth + 1)?;
                if self.pos >= self.chars.len() {
                    return Err(self.error("missing `]`"));
                }
                if scope.dependencies.is_empty() {
                    return Err(self.error("empty `[]`"));
                }
                self.pos += 1;
            }
            out.push(scope);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for s in [
            "openid",
            "a[b]",
            "a[b c]",
            "a[*b[c d] e]",
            "urn:globus:auth:scope:transfer.api.globus.org:all[*https://auth.globus.org/scopes/x/data_access]",
        ] {
            assert_eq!(s.parse::<Scope>().unwrap().to_string(), s);
        }
        let list = Scope::parse_list("  openid   email a[ b ]  ").unwrap();
        assert_eq!(Scope::join(&list), "openid email a[b]");
    }

    #[test]
    fn errors() {
        for bad in ["a[b", "a]", "a[]", "*", "a[*]", "", "a b"] {
            assert!(bad.parse::<Scope>().is_err(), "{bad}");
        }
        let deep = format!("{}x{}", "a[".repeat(100), "]".repeat(100));
        assert!(deep.parse::<Scope>().is_err());
    }
}

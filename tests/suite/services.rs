//! One declaration per service: every spec has its declaration and cargo feature, every
//! declaration its spec, and what the crate reports of each service agrees with them.

use crate::pipeline;

use std::collections::BTreeSet;

use globus_sdk::transport::BaseUrl;

fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `[features]` of Cargo.toml.
fn cargo_features() -> BTreeSet<String> {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let mut in_features = false;
    let mut out = BTreeSet::new();
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_features = line == "[features]";
            continue;
        }
        if in_features && let Some((name, _)) = line.split_once('=') {
            let name = name.trim();
            if !name.is_empty() && !name.starts_with('#') && !name.starts_with('"') {
                out.insert(name.to_string());
            }
        }
    }
    out
}

#[test]
fn services_are_declared() {
    let specs: BTreeSet<(String, String)> =
        pipeline::discover(&root().join("specs")).into_iter().map(|s| (s.name, s.feature)).collect();
    let declared: BTreeSet<(String, String)> =
        globus_sdk::registry::DECLARED.iter().map(|(n, f)| (n.to_string(), f.to_string())).collect();
    if let Some(missing) = specs.difference(&declared).next() {
        panic!(
            "specs has {0:?} (feature {1:?}) but src/services/mod.rs does not declare it: add `{0}: \"{1}\",` \
             there and its module (specs/README.md, \"Adding a service\")",
            missing.0, missing.1
        );
    }
    if let Some(orphan) = declared.difference(&specs).next() {
        panic!("src/services/mod.rs declares {:?} but there is no specs/{0}.yaml", orphan.0);
    }
    let features = cargo_features();
    for (name, feature) in &specs {
        assert!(features.contains(feature), "Cargo.toml has no feature {feature:?} for the service {name:?}");
    }
    // The features that are not services: the default set, the local Globus, the SQLite store.
    for feature in &features {
        if !["default", "testing", "sqlite"].contains(&feature.as_str()) {
            assert!(
                specs.iter().any(|(_, f)| f == feature),
                "Cargo.toml's feature {feature:?} builds no spec (specs/{feature}.yaml is missing)"
            );
        }
    }
}

#[test]
fn what_the_crate_reports_agrees_with_the_declarations() {
    let enabled = globus_sdk::registry::enabled();
    let names: Vec<&str> = enabled.iter().map(|s| s.name).collect();
    // With every feature on (as the test suite runs), every declared service is there.
    if cfg!(all(feature = "auth", feature = "transfer", feature = "testing")) {
        let declared: Vec<&str> = globus_sdk::registry::DECLARED.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, declared);
    }
    for service in enabled {
        assert!(!service.operations.is_empty(), "{}: no operations", service.name);
        let (_, feature) = globus_sdk::registry::DECLARED.iter().find(|(n, _)| *n == service.name).unwrap();
        assert_eq!(service.feature, *feature, "{}", service.name);
        match service.base_url {
            BaseUrl::Environment => {
                assert!(
                    service.resource_server.is_some(),
                    "{}: a fixed URL means a fixed resource server",
                    service.name
                )
            }
            _ => assert!(service.resource_server.is_none(), "{}: each client has its own", service.name),
        }
        let mut ids = BTreeSet::new();
        for op in service.operations {
            assert!(ids.insert(op.id), "{}: {} twice", service.name, op.id);
        }
    }
}

#[test]
fn the_service_trait_exposes_resource_servers_and_scopes() {
    use globus_sdk::transport::Service;
    assert_eq!(globus_sdk::auth::Client::resource_server(), Some("auth.globus.org"));
    assert_eq!(globus_sdk::transfer::Client::resource_server(), Some("transfer.api.globus.org"));
    assert_eq!(globus_sdk::gcs::Client::resource_server(), None);
    let scopes: Vec<String> =
        (globus_sdk::transfer::Client::info().default_scopes)().iter().map(ToString::to_string).collect();
    assert_eq!(scopes, ["urn:globus:auth:scope:transfer.api.globus.org:all"]);
    let auth: Vec<String> =
        (globus_sdk::auth::Client::info().default_scopes)().iter().map(ToString::to_string).collect();
    assert_eq!(auth, ["openid", "profile", "email"]);
}

#[test]
fn the_readme_lists_every_service() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    for (name, feature) in globus_sdk::registry::DECLARED {
        if *feature != "testing" {
            assert!(readme.contains(&format!("`{feature}`")), "README.md's service table lacks {name} (`{feature}`)");
        }
    }
}

#[test]
fn the_readme_says_which_services_the_local_globus_emulates() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let emulated = globus_sdk::testing::LocalGlobus::service_names();
    for (name, feature) in globus_sdk::registry::DECLARED {
        if *feature == "testing" {
            continue;
        }
        let cell = format!("| `{feature}` |");
        let row = readme.lines().find(|l| l.contains(&cell)).unwrap_or_else(|| panic!("no README row for {name}"));
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let local = cells.get(4).unwrap_or_else(|| panic!("{name}'s README row has no local-Globus column: {row}"));
        assert_eq!(
            local.starts_with("yes"),
            emulated.contains(feature),
            "README.md says {name} is {local:?} in the local Globus; it serves {emulated:?}"
        );
    }
}

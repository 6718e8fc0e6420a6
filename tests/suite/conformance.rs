//! Every response registered in the Python SDK's test data decodes with our specs' types,
//! and every request body those cases pin decodes with the operation's body type.
//!
//! The registered responses are exported from the `globus-sdk` package on PyPI by
//! `scripts/fixtures.sh` (run by `.ci/run`), which sets `GLOBUS_SDK_FIXTURES` to the exported
//! files. Without them this test says so and passes, unless `GLOBUS_SDK_REQUIRE_FIXTURES=1`.

use globus_sdk::transport::{OperationMeta, ServiceInfo};
use serde_json::Value;

/// Python methods deliberately not in a spec, with the reason (by service).
const EXCLUDED: &[(&str, &str, &str)] = &[
    ("auth", "oauth2_validate_token", "deprecated in 3.62 and removed from Auth's API reference"),
    ("transfer", "create_endpoint", "GCSv4 endpoint creation is retired"),
    ("transfer", "endpoint_autoactivate", "GCSv4 activation is retired"),
    ("transfer", "endpoint_activate", "GCSv4 activation is retired"),
    ("transfer", "endpoint_deactivate", "GCSv4 activation is retired"),
    ("transfer", "endpoint_get_activation_requirements", "GCSv4 activation is retired"),
    ("transfer", "add_endpoint_server", "GCSv4 endpoint servers are retired"),
    ("transfer", "update_endpoint_server", "GCSv4 endpoint servers are retired"),
    ("transfer", "delete_endpoint_server", "GCSv4 endpoint servers are retired"),
    ("transfer", "operation_symlink", "GCSv4 symlinks are retired"),
];

/// Every service this build has, from the crate's registry (the Python fixtures name them
/// as the Python SDK does: `auth`, `transfer`, `groups`...).
fn services() -> Vec<&'static ServiceInfo> {
    globus_sdk::registry::enabled()
}

/// This crate's name for a service the Python SDK names otherwise (its `service_name`).
fn our_name(python_name: &str) -> &str {
    match python_name {
        "timer" => "timers",
        other => other,
    }
}

fn excluded(service: &str, module: &str) -> bool {
    EXCLUDED.iter().any(|(s, m, _)| *s == service && module.ends_with(m))
}

fn path_matches(template: &str, path: &str) -> bool {
    let t: Vec<&str> = template.trim_end_matches('/').split('/').collect();
    let p: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    t.len() == p.len() && t.iter().zip(&p).all(|(a, b)| (a.starts_with('{') && !b.is_empty()) || a == b)
}

fn find<'a>(ops: &'a [OperationMeta], method: &str, path: &str) -> Option<&'a OperationMeta> {
    // Prefer an exact literal match over a template match (`/endpoint_search` vs `/endpoint/{id}`).
    let candidates: Vec<&OperationMeta> =
        ops.iter().filter(|o| o.method.eq_ignore_ascii_case(method) && path_matches(o.path, path)).collect();
    candidates.iter().find(|o| !o.path.contains('{')).copied().or(candidates.first().copied())
}

fn strip_host(path: &str) -> String {
    let path = path.split('?').next().unwrap_or(path);
    match path.find("://") {
        Some(i) => path[i + 3..].find('/').map(|j| path[i + 3 + j..].to_string()).unwrap_or_default(),
        None => path.to_string(),
    }
}

#[test]
fn python_sdk_registered_responses_decode() {
    let Ok(files) = std::env::var("GLOBUS_SDK_FIXTURES") else {
        if std::env::var("GLOBUS_SDK_REQUIRE_FIXTURES").is_ok_and(|v| v == "1") {
            panic!("GLOBUS_SDK_FIXTURES is not set: run scripts/fixtures.sh first");
        }
        eprintln!("conformance: GLOBUS_SDK_FIXTURES not set; nothing checked (scripts/fixtures.sh exports them)");
        return;
    };
    let services = services();
    let mut failures = Vec::new();
    let mut counts = std::collections::BTreeMap::<String, (usize, usize, usize)>::new();
    for file in files.split(',').filter(|f| !f.is_empty()) {
        let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("cannot read {file}: {e}"));
        let doc: Value = serde_json::from_str(&text).expect("the export is JSON");
        let version = doc["globus_sdk_version"].as_str().unwrap_or("?").to_string();
        for r in doc["responses"].as_array().expect("responses[]") {
            let service_name = our_name(r["service"].as_str().unwrap_or(""));
            let Some(service) = services.iter().find(|s| s.name == service_name) else { continue };
            let module = r["module"].as_str().unwrap_or("?");
            let case = r["case"].as_str().unwrap_or("?");
            let method = r["method"].as_str().unwrap_or("GET");
            // The full URL carries the version prefix that 3.x clients kept in their base URL.
            let path = strip_host(r["full_url"].as_str().or(r["path"].as_str()).unwrap_or(""));
            let here = format!("{version} {service_name}.{module}[{case}] {method} {path}");
            let entry = counts.entry(format!("{version} {service_name}")).or_default();
            let Some(op) = find(service.operations, method, &path) else {
                if excluded(service_name, module) {
                    continue;
                }
                failures.push(format!("{here}: no operation in specs/{service_name}.yaml matches"));
                continue;
            };
            let status = r["status"].as_u64().unwrap_or(200);
            if (200..300).contains(&status) && !r["json"].is_null() {
                let bytes = serde_json::to_vec(&r["json"]).unwrap();
                match (service.decode_response)(op.id, &bytes) {
                    Some(Ok(())) => entry.0 += 1,
                    Some(Err(e)) => {
                        failures.push(format!("{here}: response does not decode as `{}`'s type: {e}", op.id))
                    }
                    None if op.json_response => failures.push(format!("{here}: `{}` has no typed response", op.id)),
                    None => entry.0 += 1,
                }
            } else {
                entry.2 += 1;
            }
            for m in r["match"].as_array().into_iter().flatten() {
                let value = &m["value"];
                if !value.is_object() {
                    continue;
                }
                let bytes = serde_json::to_vec(value).unwrap();
                match (service.decode_request_body)(op.id, &bytes) {
                    Some(Ok(())) => entry.1 += 1,
                    Some(Err(e)) => {
                        failures.push(format!("{here}: pinned request body does not decode as `{}`'s body: {e}", op.id))
                    }
                    // Query-parameter matchers pin dicts too; they are not bodies.
                    None => {}
                }
            }
        }
    }
    for (k, (responses, bodies, skipped)) in &counts {
        eprintln!(
            "conformance {k}: {responses} responses and {bodies} request bodies decode; {skipped} error cases skipped"
        );
    }
    assert!(!counts.is_empty(), "the fixture files held no case for the compiled services");
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn path_matching() {
    assert!(path_matches("/v0.10/task/{task_id}", "/v0.10/task/abc"));
    assert!(!path_matches("/v0.10/task/{task_id}", "/v0.10/task/abc/event_list"));
    assert_eq!(strip_host("https://transfer.api.globus.org/v0.10/task/1?x=1"), "/v0.10/task/1");
    assert_eq!(our_name("timer"), "timers");
    assert_eq!(our_name("transfer"), "transfer");
}

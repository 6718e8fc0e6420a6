//! Turns each `specs/<service>.yaml` whose cargo feature is on into a typed client with
//! progenitor, plus the SDK's layer the spec's extensions ask for (see `specs/README.md`).
//!
//! For every enabled spec:
//! 1. read it and check the shapes progenitor cannot handle (or handles silently wrong), and
//!    the `x-globus-*` extensions, failing with a message that names the file and operation;
//! 2. run progenitor (builder interface, merged tags, the SDK's client state as inner type,
//!    hooks expected); a panic or error inside progenitor is narrowed to the operation that
//!    causes it;
//! 3. add the SDK's layer (`build/codegen.rs`): `send()` returning `globus_sdk::Error`,
//!    `into_stream()` for paginated operations, envelopes unpacked, the `operations` table;
//! 4. format with prettyplease and write `$OUT_DIR/<service>.rs`, which the crate compiles.
//!    In a development checkout (a `.git` beside `Cargo.toml`) the same text is also written
//!    to `generated/<service>.rs`, the reviewed copy CI checks is current; a packaged,
//!    vendored or read-only copy of the crate is never written to.
//!
//! Specs are found, not listed: `specs/<name>.yaml` is built with the cargo feature `<name>`,
//! `specs/testing/<name>.yaml` with the feature `testing` (specs that exercise the pipeline).
//!
//! The functions are `pub` so that `tools/spec-check` and `tests/` (which include this file)
//! can check a spec in a second, without building the crate.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

#[path = "build/codegen.rs"]
mod codegen;
#[path = "build/paging.rs"]
pub mod paging;

/// One spec file and the cargo feature that builds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpecFile {
    /// The service's name: the file stem, the module and the output file's name.
    pub name: String,
    /// The cargo feature that builds it.
    pub feature: String,
    /// Where the spec is.
    pub path: PathBuf,
}

/// The specs in `dir`: `<name>.yaml` (feature `<name>`) and `testing/<name>.yaml` (feature `testing`).
pub fn discover(dir: &Path) -> Vec<SpecFile> {
    let mut out = Vec::new();
    for (sub, feature) in [(dir.to_path_buf(), None), (dir.join("testing"), Some("testing"))] {
        let Ok(entries) = std::fs::read_dir(&sub) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "yaml")
                && let Some(name) = path.file_stem().and_then(|s| s.to_str())
            {
                let feature = feature.unwrap_or(name).to_string();
                out.push(SpecFile { name: name.to_string(), feature, path });
            }
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

#[allow(dead_code)]
fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=build");
    // For spec development: generate from another directory of specs.
    println!("cargo:rerun-if-env-changed=GLOBUS_SDK_SPEC_DIR");
    let spec_dir = std::env::var_os("GLOBUS_SDK_SPEC_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("specs"));
    println!("cargo:rerun-if-changed={}", spec_dir.display());
    // Only a development checkout keeps the reviewed copy in generated/ up to date.
    let development = root.join(".git").exists();
    let mut failures = Vec::new();
    for spec in discover(&spec_dir) {
        let feature = format!("CARGO_FEATURE_{}", spec.feature.to_uppercase().replace('-', "_"));
        if std::env::var_os(&feature).is_none() {
            continue;
        }
        println!("cargo:rerun-if-changed={}", spec.path.display());
        match generate_service(&spec.path) {
            Ok(generated) => {
                let target = out_dir.join(format!("{}.rs", spec.name));
                if let Err(e) = write_if_changed(&target, &generated.code) {
                    failures.push(format!("{}: cannot write: {e}", target.display()));
                }
                if development {
                    let reviewed = root.join("generated").join(format!("{}.rs", spec.name));
                    if let Err(e) = write_if_changed(&reviewed, &generated.code) {
                        println!("cargo:warning=cannot update the reviewed copy {}: {e}", reviewed.display());
                    }
                }
            }
            Err(errors) => failures.extend(errors),
        }
    }
    if !failures.is_empty() {
        for f in &failures {
            println!("cargo:warning={f}");
        }
        eprintln!("\nglobus-sdk: the OpenAPI specs could not be turned into code:\n");
        for f in &failures {
            eprintln!("  - {f}");
        }
        eprintln!("\nFix the spec (see specs/README.md, \"Conventions\") and build again.");
        std::process::exit(1);
    }
}

/// The output of generation for one service.
#[derive(Debug)]
pub struct Generated {
    /// The formatted Rust client with its `operations` table (`$OUT_DIR/<service>.rs`).
    pub code: String,
}

/// Check and generate one spec; every error names the file, and the operation when known.
pub fn generate_service(spec_path: &Path) -> Result<Generated, Vec<String>> {
    let file = spec_path.display().to_string();
    let text = std::fs::read_to_string(spec_path).map_err(|e| vec![format!("{file}: cannot read: {e}")])?;
    let raw: serde_json::Value =
        serde_norway::from_str(&text).map_err(|e| vec![format!("{file}: not valid YAML: {e}")])?;
    let problems = check_conventions(&raw);
    if !problems.is_empty() {
        return Err(problems.into_iter().map(|p| format!("{file}: {p}")).collect());
    }
    let mut raw = raw;
    mark_secrets(&mut raw);
    let spec: openapiv3::OpenAPI =
        serde_json::from_value(raw.clone()).map_err(|e| vec![format!("{file}: not an OpenAPI 3.0 document: {e}")])?;

    let tokens = match run_progenitor(&spec) {
        Ok(tokens) => tokens,
        Err(whole) => {
            // Narrow the failure down to the operations that cause it.
            let mut errors = Vec::new();
            for (op_id, single) in single_operation_specs(&raw) {
                if let Err(e) = run_progenitor(&single) {
                    errors.push(format!("{file}: operation `{op_id}`: progenitor cannot generate it: {e}"));
                }
            }
            if errors.is_empty() {
                errors.push(format!("{file}: progenitor cannot generate the client: {whole}"));
            }
            return Err(errors);
        }
    };
    let mut syntax: syn::File =
        syn::parse2(tokens).map_err(|e| vec![format!("{file}: progenitor produced code that does not parse: {e}")])?;
    let operations = codegen::postprocess(&raw, &mut syntax)
        .map_err(|errors| errors.into_iter().map(|e| format!("{file}: {e}")).collect::<Vec<_>>())?;
    let operations: syn::File = syn::parse_str(&operations)
        .map_err(|e| vec![format!("{file}: build.rs made an operations table that does not parse: {e}")])?;
    syntax.items.extend(operations.items);
    // Builders start a flattened `extra` map (from `additionalProperties: {}`) empty instead of
    // "missing", so `body_map(|b| b.field(..))` works without an `.extra(..)` call.
    let body = prettyplease::unparse(&syntax)
        .replace(r#"extra: Err("no value supplied for extra".to_string())"#, "extra: Ok(Default::default())");
    let name = spec_path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let code = format!(
        "// @generated by build.rs from specs/{name} with progenitor 0.15.1. Do not edit:\n\
         // change the spec and rebuild. Reviewed through tests/generated_code.rs snapshots.\n\n{body}"
    );
    Ok(Generated { code })
}

fn run_progenitor(spec: &openapiv3::OpenAPI) -> Result<proc_macro2::TokenStream, String> {
    let mut settings = progenitor::GenerationSettings::new();
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_tag(progenitor::TagStyle::Merged)
        .with_inner_type("crate::transport::ClientState".parse().expect("a valid Rust path"))
        .with_hooks(progenitor::HooksMode::Expected)
        .with_crate("globus-sdk", progenitor::CrateVers::Any, None)
        .with_derive("PartialEq");
    let spec = spec.clone();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(move || {
        let mut generator = progenitor::Generator::new(&settings);
        generator.generate_tokens(&spec).map_err(|e| e.to_string())
    });
    std::panic::set_hook(previous);
    match result {
        Ok(r) => r,
        Err(panic) => {
            let msg = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".into());
            Err(format!("progenitor panicked: {msg}"))
        }
    }
}

/// `format: password` strings become `globus_sdk::Secret` (redacted `Debug`).
fn mark_secrets(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            if map.get("type").and_then(|t| t.as_str()) == Some("string")
                && map.get("format").and_then(|f| f.as_str()) == Some("password")
            {
                map.insert(
                    "x-rust-type".into(),
                    serde_json::json!({"crate": "globus-sdk", "version": "*", "path": "globus_sdk::Secret"}),
                );
            }
            map.values_mut().for_each(mark_secrets);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(mark_secrets),
        _ => {}
    }
}

/// Property names that always hold credentials: they must be `format: password`.
const SECRET_NAMES: &[&str] =
    &["access_token", "refresh_token", "id_token", "client_secret", "secret", "code_verifier", "password"];

fn check_secret_properties(value: &serde_json::Value, here: &str, problems: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(props) = map.get("properties").and_then(|p| p.as_object()) {
                for (name, prop) in props {
                    let is_string = prop.get("type").and_then(|t| t.as_str()) == Some("string");
                    let marked = prop.get("format").and_then(|f| f.as_str()) == Some("password");
                    if is_string && SECRET_NAMES.contains(&name.as_str()) && !marked {
                        problems.push(format!(
                            "{here}: property `{name}` holds a credential: give it `format: password` so it is never printed"
                        ));
                    }
                }
            }
            for (k, v) in map {
                check_secret_properties(v, &format!("{here}/{k}"), problems);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| check_secret_properties(v, here, problems)),
        _ => {}
    }
}

/// One spec per operation, with the full components, for narrowing failures.
fn single_operation_specs(raw: &serde_json::Value) -> Vec<(String, openapiv3::OpenAPI)> {
    let mut out = Vec::new();
    for (path, method, op) in operations(raw) {
        let mut single = raw.clone();
        let mut item = serde_json::Map::new();
        item.insert(method.to_string(), op.clone());
        if let Some(params) = raw["paths"][path].get("parameters") {
            item.insert("parameters".into(), params.clone());
        }
        let mut paths = serde_json::Map::new();
        paths.insert(path.to_string(), serde_json::Value::Object(item));
        single["paths"] = serde_json::Value::Object(paths);
        if let Ok(spec) = serde_json::from_value(single) {
            out.push((op_id(op).to_string(), spec));
        }
    }
    out
}

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

pub(crate) fn operations(raw: &serde_json::Value) -> Vec<(&str, &str, &serde_json::Value)> {
    let mut out = Vec::new();
    if let Some(paths) = raw["paths"].as_object() {
        for (path, item) in paths {
            for method in METHODS {
                if let Some(op) = item.get(*method) {
                    out.push((path.as_str(), *method, op));
                }
            }
        }
    }
    out
}

pub(crate) fn op_id(op: &serde_json::Value) -> &str {
    op["operationId"].as_str().unwrap_or("<no operationId>")
}

/// The spec conventions of DESIGN.md that progenitor does not check itself.
pub fn check_conventions(raw: &serde_json::Value) -> Vec<String> {
    let mut problems = Vec::new();
    match raw["openapi"].as_str() {
        Some(v) if v.starts_with("3.0.") => {}
        other => problems.push(format!("`openapi` must be 3.0.x, found {other:?}")),
    }
    let mut seen = BTreeSet::new();
    let mut response_refs = BTreeSet::new();
    for (path, method, op) in operations(raw) {
        let id = op_id(op);
        let here = format!("operation `{id}` ({} {path})", method.to_uppercase());
        let Some(id) = op["operationId"].as_str() else {
            problems.push(format!("{here}: has no operationId"));
            continue;
        };
        if !is_snake_case(id) {
            problems.push(format!("{here}: operationId must be snake_case (it becomes the method name)"));
        }
        if !seen.insert(id.to_string()) {
            problems.push(format!("{here}: duplicate operationId"));
        }
        if op.get("description").and_then(|d| d.as_str()).is_none_or(|d| d.trim().is_empty()) {
            problems.push(format!("{here}: needs a description (it becomes the rustdoc users read)"));
        }
        // Path parameters must match the template.
        let template: BTreeSet<String> =
            path.split('{').skip(1).filter_map(|s| s.split('}').next()).map(str::to_string).collect();
        let mut declared = BTreeSet::new();
        let params = raw["paths"][path]["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(op["parameters"].as_array().into_iter().flatten());
        for p in params {
            let p = resolve(raw, p);
            let name = p["name"].as_str().unwrap_or("?");
            let location = p["in"].as_str().unwrap_or("?");
            match location {
                "path" => {
                    declared.insert(name.to_string());
                }
                "query" | "header" => {}
                other => {
                    problems.push(format!("{here}: parameter `{name}` is in `{other}` (only path, query, header)"))
                }
            }
            if let Some(style) = p["style"].as_str()
                && style != "form"
                && style != "simple"
            {
                problems.push(format!("{here}: parameter `{name}` uses style `{style}` (only form/simple)"));
            }
            let schema = resolve(raw, &p["schema"]);
            if location == "query" && (schema["type"] == "object" || schema.get("properties").is_some()) {
                problems.push(format!("{here}: query parameter `{name}` is an object (use strings)"));
            }
            if p["description"].as_str().is_none_or(|d| d.trim().is_empty()) {
                problems.push(format!("{here}: parameter `{name}` needs a description"));
            }
        }
        if template != declared {
            problems.push(format!("{here}: path parameters {template:?} do not match the declared ones {declared:?}"));
        }
        // Request body: one media type we can send.
        if let Some(body) = op.get("requestBody") {
            let body = resolve(raw, body);
            let types: Vec<&String> = body["content"].as_object().map(|c| c.keys().collect()).unwrap_or_default();
            if types.len() != 1 {
                problems.push(format!("{here}: request body must have exactly one media type, has {types:?}"));
            } else if !["application/json", "application/x-www-form-urlencoded", "text/plain"]
                .contains(&types[0].as_str())
            {
                problems.push(format!("{here}: request body media type `{}` is not supported", types[0]));
            }
        }
        paging::check(raw, &raw["paths"][path], op, &here, &mut problems);
        // Responses: exactly one success status, no typed errors (the SDK layer reads error bodies).
        let responses = op["responses"].as_object().cloned().unwrap_or_default();
        let success: Vec<&String> = responses.keys().filter(|k| k.starts_with('2')).collect();
        if success.len() != 1 {
            problems.push(format!("{here}: needs exactly one 2xx response, has {success:?}"));
        }
        for (status, response) in &responses {
            if !status.starts_with('2') {
                problems.push(format!(
                    "{here}: response `{status}` is declared; error responses are read by the SDK's error layer, \
                     declare only the success response"
                ));
                continue;
            }
            let response = resolve(raw, response);
            if let Some(content) = response["content"].as_object() {
                if content.len() > 1 {
                    problems.push(format!("{here}: response `{status}` has more than one media type"));
                }
                for media in content.values() {
                    collect_refs(&media["schema"], &mut response_refs);
                    check_response_schema(&media["schema"], &format!("{here}: response schema"), &mut problems);
                }
            }
        }
    }
    check_secret_properties(&raw["components"], "components", &mut problems);
    check_secret_properties(&raw["paths"], "paths", &mut problems);
    // Schemas reachable from responses must accept what the service may add later.
    let mut reachable = BTreeSet::new();
    let mut todo: Vec<String> = response_refs.into_iter().collect();
    while let Some(name) = todo.pop() {
        if !reachable.insert(name.clone()) {
            continue;
        }
        let mut refs = BTreeSet::new();
        collect_refs(&raw["components"]["schemas"][&name], &mut refs);
        todo.extend(refs);
    }
    for name in &reachable {
        let schema = &raw["components"]["schemas"][name];
        if schema.is_null() {
            problems.push(format!("schema `{name}` is referenced but not defined"));
            continue;
        }
        check_response_schema(schema, &format!("schema `{name}` (used in responses)"), &mut problems);
    }
    problems
}

/// Response schemas: no open enums as closed Rust enums, no strict formats.
fn check_response_schema(schema: &serde_json::Value, here: &str, problems: &mut Vec<String>) {
    match schema {
        serde_json::Value::Object(map) => {
            if map.contains_key("$ref") {
                return;
            }
            if let Some(values) = map.get("enum").and_then(|e| e.as_array())
                && values.len() > 1
                && map.get("x-globus-closed-enum") != Some(&serde_json::Value::Bool(true))
            {
                problems.push(format!(
                    "{here}: has a multi-value enum {values:?}; a server-controlled value must be a string \
                     (list the known values in the description) so a new value does not break responses"
                ));
            }
            if let Some(format) = map.get("format").and_then(|f| f.as_str())
                && ["uuid", "date-time", "date", "uri"].contains(&format)
            {
                problems.push(format!(
                    "{here}: uses `format: {format}`; responses keep such values as strings (Globus is not \
                     always strict about them)"
                ));
            }
            for (key, value) in map {
                if key == "enum" || key == "example" || key == "default" || key == "x-globus-closed-enum" {
                    continue;
                }
                if key == "properties"
                    && let Some(props) = value.as_object()
                {
                    for (prop, sub) in props {
                        check_response_schema(sub, &format!("{here}, property `{prop}`"), problems);
                    }
                    continue;
                }
                check_response_schema(value, here, problems);
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                check_response_schema(item, here, problems);
            }
        }
        _ => {}
    }
}

fn collect_refs(value: &serde_json::Value, out: &mut BTreeSet<String>) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(r) = map.get("$ref").and_then(|r| r.as_str())
                && let Some(name) = r.strip_prefix("#/components/schemas/")
            {
                out.insert(name.to_string());
            }
            map.values().for_each(|v| collect_refs(v, out));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

pub(crate) fn resolve<'a>(raw: &'a serde_json::Value, value: &'a serde_json::Value) -> &'a serde_json::Value {
    match value.get("$ref").and_then(|r| r.as_str()) {
        Some(r) => {
            let pointer = r.trim_start_matches('#');
            raw.pointer(pointer).unwrap_or(&serde_json::Value::Null)
        }
        None => value,
    }
}

fn is_snake_case(s: &str) -> bool {
    !s.is_empty()
        && s.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

pub(crate) fn pascal_case(snake: &str) -> String {
    snake
        .split('_')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect()
}

/// Write `content` to `path` unless it already holds exactly that (keeps mtimes and diffs quiet).
pub fn write_if_changed(path: &Path, content: &str) -> std::io::Result<()> {
    if std::fs::read_to_string(path).ok().as_deref() == Some(content) {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, content)
}

//! Review of the generated code: a digest of each generated client's public surface
//! (operations, their parameters and response types; types and their fields) is kept as an
//! insta snapshot. A spec change that changes what users call fails here until the new
//! digest is reviewed (`cargo insta review`, or `INSTA_UPDATE=always` then `git diff`).
//!
//! CI also fails when `generated/` is not what the specs produce (`git diff --exit-code`).

use quote::ToTokens;

fn tidy(tokens: impl ToTokens) -> String {
    tokens
        .to_token_stream()
        .to_string()
        .replace(' ', "")
        .replace("::std::option::", "")
        .replace("::std::string::", "")
        .replace("::std::vec::", "")
        .replace("::serde_json::", "")
        .replace("::globus_sdk::", "")
        .replace("super::", "")
        .replace("::std::", "")
}

fn digest(source: &str) -> String {
    let file: syn::File = syn::parse_str(source).expect("generated code parses");
    let mut ops = Vec::new();
    let mut types = Vec::new();
    for item in &file.items {
        let syn::Item::Mod(m) = item else { continue };
        let Some((_, items)) = &m.content else { continue };
        match m.ident.to_string().as_str() {
            "builder" => {
                // One line per operation: its request builder's setters, what `send` returns,
                // and whether it streams (`into_stream`), across the builder's impl blocks.
                let mut builders: std::collections::BTreeMap<String, (Vec<String>, String, bool)> = Default::default();
                for item in items {
                    let syn::Item::Impl(imp) = item else { continue };
                    let name = tidy(&imp.self_ty).replace("<'a>", "");
                    let (setters, ret, streams) = builders.entry(name).or_default();
                    for it in &imp.items {
                        let syn::ImplItem::Fn(f) = it else { continue };
                        let fname = f.sig.ident.to_string();
                        match fname.as_str() {
                            "new" | "send_generated" => {}
                            "into_stream" => *streams = true,
                            "send" => *ret = tidy(&f.sig.output).trim_start_matches("->").to_string(),
                            _ => {
                                let bound = f
                                    .sig
                                    .generics
                                    .where_clause
                                    .as_ref()
                                    .and_then(|w| w.predicates.first())
                                    .map(tidy)
                                    .unwrap_or_default();
                                let bound =
                                    bound.split("TryInto<").nth(1).map(|b| b.trim_end_matches('>')).unwrap_or("");
                                setters.push(if bound.is_empty() { fname } else { format!("{fname}: {bound}") });
                            }
                        }
                    }
                }
                for (name, (setters, ret, streams)) in builders {
                    let stream = if streams { " [into_stream]" } else { "" };
                    ops.push(format!("{name}({}) -> {ret}{stream}", setters.join(", ")));
                }
            }
            "types" => {
                for item in items {
                    match item {
                        syn::Item::Struct(s) => {
                            let fields: Vec<String> = s
                                .fields
                                .iter()
                                .map(|f| match &f.ident {
                                    Some(i) => format!("{i}: {}", tidy(&f.ty)),
                                    None => tidy(&f.ty),
                                })
                                .collect();
                            types.push(format!("struct {} {{ {} }}", s.ident, fields.join(", ")));
                        }
                        syn::Item::Enum(e) => {
                            let variants: Vec<String> = e.variants.iter().map(tidy).collect();
                            types.push(format!("enum {} {{ {} }}", e.ident, variants.join(", ")));
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    ops.sort();
    types.sort();
    format!("# operations ({})\n{}\n\n# types ({})\n{}\n", ops.len(), ops.join("\n"), types.len(), types.join("\n"))
}

/// Every service this build has, from the crate's registry: a new service is reviewed here
/// without a line added.
#[test]
fn every_service_api_is_reviewed() {
    let services = globus_sdk::registry::enabled();
    assert!(!services.is_empty());
    for service in services {
        let name = service.name;
        let path = format!("{}/generated/{name}.rs", env!("CARGO_MANIFEST_DIR"));
        let source = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert!(source.starts_with("// @generated by build.rs"), "{path} must be build.rs output");
        insta::assert_snapshot!(format!("{name}_api"), digest(&source));
    }
}

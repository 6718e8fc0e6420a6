//! What build.rs adds to progenitor's output, from the spec's extensions:
//! - every `send()` returns `globus_sdk::Error` (an enveloped operation returns its one object);
//! - `into_stream()` on the request builder of every paginated operation;
//! - `Page` for the response types that hold pages or envelopes;
//! - the `operations` module: the operation table the transport and the tests read.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

use super::paging::{self, Paging};

/// One field of a generated struct: its JSON name, Rust name and type.
struct Field {
    json: String,
    ident: String,
    ty: String,
}

fn tokens(t: &impl quote::ToTokens) -> String {
    t.to_token_stream().to_string()
}

/// The first type argument of `Outer<T, ...>` (`Result<T, String>`, `ResponseValue<T>`).
fn first_arg(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Path(p) = ty else { return None };
    let syn::PathArguments::AngleBracketed(args) = &p.path.segments.last()?.arguments else { return None };
    args.args.iter().find_map(|a| match a {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    })
}

fn last_ident(ty: &syn::Type) -> Option<String> {
    let syn::Type::Path(p) = ty else { return None };
    p.path.segments.last().map(|s| s.ident.to_string())
}

fn serde_rename(attrs: &[syn::Attribute]) -> Option<String> {
    attrs.iter().filter(|a| a.path().is_ident("serde")).find_map(|a| {
        let text = tokens(a);
        let start = text.find("rename = \"")? + "rename = \"".len();
        let end = text[start..].find('"')?;
        Some(text[start..start + end].to_string())
    })
}

fn struct_fields(items: &[syn::Item]) -> BTreeMap<String, Vec<Field>> {
    let mut out = BTreeMap::new();
    for item in items {
        let syn::Item::Struct(s) = item else { continue };
        let fields = s
            .fields
            .iter()
            .filter_map(|f| {
                let ident = f.ident.as_ref()?.to_string();
                let json = serde_rename(&f.attrs).unwrap_or_else(|| ident.trim_end_matches('_').to_string());
                Some(Field { json, ident, ty: tokens(&f.ty) })
            })
            .collect();
        out.insert(s.ident.to_string(), fields);
    }
    out
}

fn module<'a>(file: &'a mut syn::File, name: &str) -> Option<&'a mut Vec<syn::Item>> {
    file.items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == name => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    })
}

fn module_ref<'a>(file: &'a syn::File, name: &str) -> Option<&'a Vec<syn::Item>> {
    file.items.iter().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == name => m.content.as_ref().map(|(_, items)| items),
        _ => None,
    })
}

fn parse_items(code: &str) -> Result<Vec<syn::Item>, String> {
    syn::parse_str::<syn::File>(code)
        .map(|f| f.items)
        .map_err(|e| format!("build.rs made code that does not parse ({e}):\n{code}"))
}

/// A request builder: its fields (name, type inside `Result<_, String>`) and its response.
struct Builder {
    fields: Vec<(String, String)>,
    /// `types::X` of `send()`'s `ResponseValue<...>`, spaces removed.
    response: Option<String>,
}

fn builders(items: &[syn::Item]) -> BTreeMap<String, Builder> {
    let mut out: BTreeMap<String, Builder> = BTreeMap::new();
    for item in items {
        match item {
            syn::Item::Struct(s) => {
                let fields = s
                    .fields
                    .iter()
                    .filter_map(|f| {
                        let ident = f.ident.as_ref()?.to_string();
                        (ident != "client").then(|| (ident, first_arg(&f.ty).map(tokens).unwrap_or_default()))
                    })
                    .collect();
                out.entry(s.ident.to_string()).or_insert(Builder { fields: Vec::new(), response: None }).fields =
                    fields;
            }
            syn::Item::Impl(imp) => {
                let Some(name) = last_ident(&imp.self_ty) else { continue };
                for it in &imp.items {
                    let syn::ImplItem::Fn(f) = it else { continue };
                    if f.sig.ident != "send" {
                        continue;
                    }
                    let syn::ReturnType::Type(_, ret) = &f.sig.output else { continue };
                    let response = first_arg(ret).and_then(first_arg).map(|t| tokens(t).replace(' ', ""));
                    out.entry(name.clone()).or_insert(Builder { fields: Vec::new(), response: None }).response =
                        response;
                }
            }
            _ => {}
        }
    }
    out
}

/// The Rust name progenitor gives a parameter.
fn param_ident(name: &str) -> String {
    let snake: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect();
    if ["type", "ref", "match", "self", "move", "fn", "in", "use", "where"].contains(&snake.as_str()) {
        format!("{snake}_")
    } else {
        snake
    }
}

/// What a response type needs for `Page`: the items field and the fields the styles read.
struct PageImpl {
    items_ident: String,
    items_ty: String,
    items_json: String,
    fields: BTreeMap<String, String>,
    has_extra: bool,
}

/// One operation, with what the generated code needs of it.
struct Op<'a> {
    id: &'a str,
    method: &'a str,
    path: &'a str,
    raw: &'a Value,
    path_item: &'a Value,
    builder: String,
    paging: Option<Paging>,
    envelope: Option<String>,
}

/// Add the SDK's layer to progenitor's output; returns the `operations` module's source.
pub fn postprocess(raw: &Value, file: &mut syn::File) -> Result<String, Vec<String>> {
    let mut problems = Vec::new();
    let mut ops: Vec<Op> = Vec::new();
    for (path, method, op) in super::operations(raw) {
        let here = format!("operation `{}`", super::op_id(op));
        let paging = paging::read(op).unwrap_or_else(|e| {
            problems.extend(e.into_iter().map(|e| format!("{here}: {e}")));
            None
        });
        let envelope = paging::envelope(op).unwrap_or_else(|e| {
            problems.push(format!("{here}: {e}"));
            None
        });
        ops.push(Op {
            id: super::op_id(op),
            method,
            path,
            raw: op,
            path_item: &raw["paths"][path],
            builder: super::pascal_case(super::op_id(op)),
            paging,
            envelope,
        });
    }
    ops.sort_by(|a, b| a.id.cmp(b.id));
    let types = module_ref(file, "types").map(|items| struct_fields(items)).unwrap_or_default();
    let builders = module_ref(file, "builder").map(|items| builders(items)).unwrap_or_default();

    // `Page` for every response type that pages or wraps one object.
    let mut pages: BTreeMap<String, PageImpl> = BTreeMap::new();
    for op in &ops {
        let Some(items_json) = op.paging.as_ref().map(|p| p.items.clone()).or(op.envelope.clone()) else { continue };
        let here = format!("operation `{}`", op.id);
        let Some(response) = builders.get(&op.builder).and_then(|b| b.response.clone()) else {
            problems.push(format!("{here}: progenitor made no typed response for it"));
            continue;
        };
        let Some(name) = response.strip_prefix("types::").filter(|n| !n.contains("::") && !n.contains('<')) else {
            problems.push(format!("{here}: its response `{response}` is not an object schema; paging needs one"));
            continue;
        };
        let Some(fields) = types.get(name) else {
            problems.push(format!("{here}: its response type `{name}` is not a struct"));
            continue;
        };
        let Some(items) = fields.iter().find(|f| f.json == items_json) else {
            problems.push(format!("{here}: the response type `{name}` has no field for `{items_json}`"));
            continue;
        };
        let entry = pages.entry(name.to_string()).or_insert_with(|| PageImpl {
            items_ident: items.ident.clone(),
            items_ty: items.ty.clone(),
            items_json: items_json.clone(),
            fields: BTreeMap::new(),
            has_extra: fields.iter().any(|f| f.ident == "extra"),
        });
        if entry.items_json != items_json {
            problems.push(format!(
                "{here}: the response type `{name}` holds its items in `{}` for another operation, `{items_json}` here",
                entry.items_json
            ));
        }
        for wanted in op.paging.iter().flat_map(Paging::page_fields) {
            if let Some(f) = fields.iter().find(|f| f.json == wanted) {
                entry.fields.insert(wanted, f.ident.clone());
            }
        }
    }

    let mut builder_code = String::new();
    let mut probe_arms = String::new();
    for op in &ops {
        let Some(paging) = &op.paging else { continue };
        let Some(b) = builders.get(&op.builder) else { continue };
        let Some(response) = b.response.as_deref().and_then(|r| r.strip_prefix("types::")) else { continue };
        match stream_code(op, paging, b, response, &types) {
            Ok(code) => builder_code.push_str(&code),
            Err(e) => problems.push(format!("operation `{}`: {e}", op.id)),
        }
        match probe_arm(raw, op, b) {
            Ok(arm) => probe_arms.push_str(&arm),
            Err(e) => problems.push(format!("operation `{}`: {e}", op.id)),
        }
    }
    let _ = write!(
        builder_code,
        "#[doc(hidden)]\n\
         /// The paging test's entry: the named operation's stream, with sample required parameters.\n\
         pub fn __paging_probe(client: &super::Client, operation_id: &str) \
         -> ::std::option::Option<::std::result::Result<crate::paging::Probe, crate::Error>> {{\n\
         let _ = client;\n\
         match operation_id {{\n{probe_arms}_ => None,\n}}\n}}\n"
    );
    if !problems.is_empty() {
        return Err(problems);
    }

    let mut page_code = String::new();
    for (name, page) in &pages {
        let mut arms = String::new();
        for (json, ident) in &page.fields {
            let _ = writeln!(arms, "{json:?} => ::serde_json::to_value(&self.{ident}).ok(),");
        }
        let fallback = if page.has_extra { "self.extra.get(name).cloned()" } else { "::std::option::Option::None" };
        let _ = write!(
            page_code,
            "impl crate::paging::Page for {name} {{\n\
             type Item = <{ty} as crate::paging::ItemsField>::Item;\n\
             const ITEMS_FIELD: &'static str = {json:?};\n\
             fn item_count(&self) -> usize {{ crate::paging::ItemsField::count(&self.{ident}) }}\n\
             fn take_items(&mut self) -> ::std::vec::Vec<Self::Item> {{ crate::paging::ItemsField::take(&mut self.{ident}) }}\n\
             fn field(&self, name: &str) -> ::std::option::Option<::serde_json::Value> {{\n\
             match name {{\n{arms}_ => {fallback},\n}}\n}}\n}}\n",
            ty = page.items_ty,
            json = page.items_json,
            ident = page.items_ident,
        );
    }

    // Every `send()` returns `globus_sdk::Error`; enveloped operations return their object.
    let envelopes: BTreeMap<String, String> = ops
        .iter()
        .filter(|op| op.envelope.is_some())
        .filter_map(|op| Some((op.builder.clone(), builders.get(&op.builder)?.response.clone()?)))
        .collect();
    if let Some(items) = module(file, "builder") {
        for item in items.iter_mut() {
            let syn::Item::Impl(imp) = item else { continue };
            let Some(name) = last_ident(&imp.self_ty) else { continue };
            let mut added = Vec::new();
            for it in imp.items.iter_mut() {
                let syn::ImplItem::Fn(f) = it else { continue };
                if f.sig.ident != "send" {
                    continue;
                }
                let syn::ReturnType::Type(_, ret) = &f.sig.output else { continue };
                let Some(value) = first_arg(ret).map(tokens) else { continue };
                let docs: String =
                    f.attrs.iter().filter(|a| a.path().is_ident("doc")).map(|a| tokens(a) + "\n").collect();
                f.attrs.retain(|a| !a.path().is_ident("doc"));
                f.sig.ident = syn::Ident::new("send_generated", f.sig.ident.span());
                f.vis = syn::Visibility::Inherited;
                // Decode from the body the transport buffered; a failure keeps the response.
                let body = tokens(&f.block).replace(
                    "ResponseValue :: from_response (response) . await",
                    "crate :: transport :: typed_response (response) . await",
                );
                match syn::parse_str::<syn::Block>(&body) {
                    Ok(block) => f.block = block,
                    Err(e) => problems.push(format!("build.rs made a `send_generated` that does not parse ({e})")),
                }
                let code = match envelopes.get(&name) {
                    Some(envelope) => format!(
                        "{docs}///\n/// The service wraps the object in an envelope: it is unpacked here, and the rest of the\n\
                         /// envelope stays reachable through [`crate::envelope::Single::envelope`].\n\
                         pub async fn send(self) -> ::std::result::Result<crate::envelope::Single<{envelope}>, crate::Error> {{\n\
                         let service = self.client.inner.service();\n\
                         crate::envelope::Single::from_response(self.send_generated().await?, service)\n}}"
                    ),
                    None => format!(
                        "{docs}pub async fn send(self) -> ::std::result::Result<{value}, crate::Error> {{\n\
                         self.send_generated().await.map_err(crate::Error::from)\n}}"
                    ),
                };
                match syn::parse_str::<syn::ImplItemFn>(&code) {
                    Ok(new) => added.push(syn::ImplItem::Fn(new)),
                    Err(e) => problems.push(format!("build.rs made a `send` that does not parse ({e}): {code}")),
                }
            }
            imp.items.extend(added);
        }
        match parse_items(&builder_code) {
            Ok(new) => items.extend(new),
            Err(e) => problems.push(e),
        }
    }
    if let Some(items) = module(file, "types") {
        match parse_items(&page_code) {
            Ok(new) => items.extend(new),
            Err(e) => problems.push(e),
        }
        redact_extra_in_debug(items, &mut problems);
        for item in items.iter_mut() {
            if let syn::Item::Mod(m) = item
                && m.ident == "builder"
                && let Some((_, inner)) = m.content.as_mut()
            {
                redact_extra_in_debug(inner, &mut problems);
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(operations_module(raw, &ops, &builders))
}

/// Types holding a `Secret` (token responses, credential requests) print their `extra` map
/// (fields the spec does not name, which may hold more tokens) with the values redacted: their
/// derived `Debug` is replaced by one that shows those fields' names only.
fn redact_extra_in_debug(items: &mut Vec<syn::Item>, problems: &mut Vec<String>) {
    let mut impls = String::new();
    for item in items.iter_mut() {
        let syn::Item::Struct(s) = item else { continue };
        let syn::Fields::Named(fields) = &s.fields else { continue };
        let names: Vec<String> = fields.named.iter().filter_map(|f| f.ident.as_ref().map(|i| i.to_string())).collect();
        let holds_secret = fields.named.iter().any(|f| tokens(&f.ty).contains("Secret"));
        if !holds_secret || !names.iter().any(|n| n == "extra") {
            continue;
        }
        let mut derived_debug = false;
        for attr in s.attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
            let text = tokens(attr);
            let kept: Vec<&str> = text
                .trim_start_matches("# [derive (")
                .trim_end_matches(")]")
                .split(',')
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .filter(|d| {
                    let debug = *d == "Debug" || d.ends_with(":: Debug");
                    derived_debug |= debug;
                    !debug
                })
                .collect();
            match syn::parse_str::<syn::DeriveInput>(&format!("#[derive({})] struct X;", kept.join(", "))) {
                Ok(parsed) => *attr = parsed.attrs[0].clone(),
                Err(e) => problems.push(format!("build.rs cannot rewrite the derives of `{}` ({e})", s.ident)),
            }
        }
        if !derived_debug {
            continue;
        }
        let shown: String = names
            .iter()
            .map(|n| match n.as_str() {
                "extra" => ".field(\"extra\", &crate::secret::RedactedValues(&self.extra))".to_string(),
                n => format!(".field({:?}, &self.{n})", n.trim_start_matches("r#")),
            })
            .collect();
        let _ = write!(
            impls,
            "impl ::std::fmt::Debug for {name} {{\n\
             fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {{\n\
             f.debug_struct({name:?}){shown}.finish()\n}}\n}}\n",
            name = s.ident.to_string(),
        );
    }
    match parse_items(&impls) {
        Ok(new) => items.extend(new),
        Err(e) => problems.push(e),
    }
}

/// The names of the properties the spec marks `format: password`, sorted.
fn secret_fields(raw: &Value) -> Vec<String> {
    let mut found = std::collections::BTreeSet::new();
    let mut todo = vec![raw];
    while let Some(v) = todo.pop() {
        match v {
            Value::Object(map) => {
                if let Some(props) = map.get("properties").and_then(Value::as_object) {
                    for (name, prop) in props {
                        if super::resolve(raw, prop)["format"] == "password" {
                            found.insert(name.clone());
                        }
                    }
                }
                todo.extend(map.values());
            }
            Value::Array(items) => todo.extend(items),
            _ => {}
        }
    }
    found.into_iter().collect()
}

/// `into_stream()` for one paginated operation's request builder.
fn stream_code(
    op: &Op,
    paging: &Paging,
    b: &Builder,
    response: &str,
    types: &BTreeMap<String, Vec<Field>>,
) -> Result<String, String> {
    let names: Vec<&str> = b.fields.iter().map(|(f, _)| f.as_str()).collect();
    let list = names.join(", ");
    let clones: String = names.iter().map(|f| format!("{f}.clone(), ")).collect();
    let tuple: String = names.iter().map(|f| format!("{f}, ")).collect();
    let konst = format!("super::operations::PAGING_{}", op.id.to_uppercase());
    let find_param = |name: &str| -> Result<String, String> {
        let ident = param_ident(name);
        if names.contains(&ident.as_str()) {
            Ok(ident)
        } else {
            Err(format!("the request builder has no field `{ident}` for the parameter `{name}`"))
        }
    };
    let (user_size, set_size, set_cursor);
    let link_arm = "Some(crate::paging::Cursor::Link(url)) => return crate::paging::follow_link(&client, &url).await,";
    if paging.location == "query" {
        let size = paging.size.as_deref().map(find_param).transpose()?;
        let cursor = paging.cursor.as_deref().map(find_param).transpose()?;
        user_size = match &size {
            Some(s) => format!("crate::paging::query_size(&{s})"),
            None => "None".into(),
        };
        set_size = match &size {
            Some(s) => format!(
                "if let Some(n) = page.size {{ request.{s} = Ok(Some(crate::paging::CursorValue::from_u64(n))); }}"
            ),
            None => String::new(),
        };
        set_cursor = match &cursor {
            Some(c) => format!(
                "match page.cursor {{\n\
                 Some(crate::paging::Cursor::Offset(n)) => request.{c} = Ok(Some(crate::paging::CursorValue::from_u64(n))),\n\
                 Some(crate::paging::Cursor::Token(t)) => request.{c} = Ok(Some(crate::paging::CursorValue::from_token(t))),\n\
                 {link_arm}\nNone => {{}}\n}}"
            ),
            None => format!("match page.cursor {{\n{link_arm}\n_ => {{}}\n}}"),
        };
    } else {
        let body_ty = b
            .fields
            .iter()
            .find(|(f, _)| f == "body")
            .map(|(_, t)| t.replace(' ', ""))
            .ok_or("paging `in: body` needs a JSON request body")?;
        let body_name = body_ty.rsplit("::").next().unwrap_or(&body_ty).to_string();
        let fields = types.get(&body_name).ok_or(format!("the request body type `{body_name}` is not a struct"))?;
        let field = |name: &str| -> Result<String, String> {
            fields
                .iter()
                .find(|f| f.json == name)
                .map(|f| f.ident.clone())
                .ok_or(format!("the request body type `{body_name}` has no field `{name}`"))
        };
        let size = paging.size.as_deref().map(field).transpose()?;
        let cursor = paging.cursor.as_deref().map(field).transpose()?;
        user_size = match &size {
            Some(s) => format!(
                "crate::paging::body_size::<types::{body_name}, _>(&body, |b| crate::paging::CursorValue::to_u64(&b.{s}))"
            ),
            None => "None".into(),
        };
        let size_line = match &size {
            Some(s) => format!("if let Some(n) = page.size {{ typed.{s} = crate::paging::CursorValue::from_u64(n); }}"),
            None => String::new(),
        };
        let cursor_lines = match &cursor {
            Some(c) => format!(
                "match page.cursor {{\n\
                 Some(crate::paging::Cursor::Offset(n)) => typed.{c} = crate::paging::CursorValue::from_u64(n),\n\
                 Some(crate::paging::Cursor::Token(t)) => typed.{c} = crate::paging::CursorValue::from_token(t),\n\
                 {link_arm}\nNone => {{}}\n}}"
            ),
            None => format!("match page.cursor {{\n{link_arm}\n_ => {{}}\n}}"),
        };
        set_size = String::new();
        set_cursor = format!(
            "let mut typed = crate::paging::typed_body::<types::{body_name}, _>(request.body)?;\n\
             {size_line}\n{cursor_lines}\nrequest.body = Ok(typed.into());"
        );
    }
    let style = &paging.style;
    Ok(format!(
        "impl<'a> {builder}<'a> {{\n\
         /// Every page of this listing, as a [`Paginator`](crate::paging::Paginator) (`{style}` paging):\n\
         /// `.items()` streams the items, `.pages()` the pages. The parameters set on this request\n\
         /// apply to every page; the stream sets the paging ones. It owns what it needs, so it can\n\
         /// be spawned onto another task.\n\
         pub fn into_stream(self) -> crate::paging::Paginator<types::{response}> {{\n\
         let Self {{ client, {list} }} = self;\n\
         let client = client.clone();\n\
         let user_size = {user_size};\n\
         crate::paging::Paginator::new(&{konst}, user_size, move |page: crate::paging::PageRequest| {{\n\
         let client = client.clone();\n\
         let ({tuple}) = ({clones});\n\
         async move {{\n\
         #[allow(unused_mut)]\n\
         let mut request = {builder} {{ client: &client, {list} }};\n\
         {set_size}\n{set_cursor}\n\
         Ok(request.send().await?.into_inner())\n\
         }}\n}})\n}}\n}}\n",
        builder = op.builder,
    ))
}

/// One arm of `__paging_probe`: the operation's stream with sample required parameters.
fn probe_arm(raw: &Value, op: &Op, b: &Builder) -> Result<String, String> {
    let mut setters = String::new();
    let params = op.path_item["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(op.raw["parameters"].as_array().into_iter().flatten())
        .map(|p| super::resolve(raw, p));
    for p in params {
        let required = p["in"] == "path" || p["required"] == true;
        if !required {
            continue;
        }
        let name = p["name"].as_str().unwrap_or_default();
        let ident = param_ident(name);
        let Some((_, ty)) = b.fields.iter().find(|(f, _)| *f == ident) else {
            return Err(format!("the request builder has no field `{ident}` for the parameter `{name}`"));
        };
        let sample = paging::sample(raw, &p["schema"], 0).to_string();
        let _ = write!(setters, ".{ident}(crate::paging::sample::<{ty}>({sample:?})?)");
    }
    if let Some(body) = paging::body_schema(raw, op.raw)
        && let Some((_, ty)) = b.fields.iter().find(|(f, _)| f == "body")
    {
        let ty = ty.replace("builder :: ", "");
        let sample = paging::sample(raw, body, 0).to_string();
        let _ = write!(setters, ".body(crate::paging::sample::<{ty}>({sample:?})?)");
    }
    Ok(format!(
        "{id:?} => Some((|| -> ::std::result::Result<crate::paging::Probe, crate::Error> {{\n\
         Ok(crate::paging::probe(client.{id}(){setters}.into_stream()))\n}})()),\n",
        id = op.id
    ))
}

fn style_variant(style: &str) -> &'static str {
    match style {
        "limit_offset" => "LimitOffset",
        "has_next_offset" => "HasNextOffset",
        "marker_has_next" => "MarkerHasNext",
        "nullable_marker" => "NullableMarker",
        "next_token" => "NextToken",
        "last_key" => "LastKey",
        _ => "JsonApiLinks",
    }
}

fn opt_str(v: &Option<String>) -> String {
    v.as_ref().map_or("None".into(), |s| format!("Some({s:?})"))
}

fn opt_num(v: Option<u64>) -> String {
    v.map_or("None".into(), |n| format!("Some({n})"))
}

/// The `operations` module: the operation table, paging metadata, decoders for the tests.
fn operations_module(raw: &Value, ops: &[Op], builders: &BTreeMap<String, Builder>) -> String {
    let mut consts = String::new();
    let mut rows = String::new();
    let mut checks = String::new();
    let mut body_checks = String::new();
    for op in ops {
        let id = op.id;
        let retry_safe =
            op.raw["x-globus-retry-safe"].as_bool().unwrap_or(matches!(op.method, "get" | "put" | "delete" | "head"));
        let sensitive = op.raw["x-globus-sensitive-body"].as_bool().unwrap_or(false);
        let json_response = op.raw["responses"]
            .as_object()
            .into_iter()
            .flat_map(|r| r.iter())
            .filter(|(status, _)| status.starts_with('2'))
            .any(|(_, r)| super::resolve(raw, r)["content"].get("application/json").is_some());
        let paging_ref = match &op.paging {
            Some(p) => {
                let konst = format!("PAGING_{}", id.to_uppercase());
                let response = paging::response_schema(raw, op.raw).cloned().unwrap_or(Value::Null);
                let mut sample_page = paging::sample(raw, &response, 0);
                if let Value::Object(m) = &mut sample_page {
                    m.insert(p.items.clone(), Value::Array(Vec::new()));
                }
                let sample_item = paging::sample_item(raw, &response, &p.items);
                let _ = writeln!(
                    consts,
                    "/// Paging of `{id}`.\npub const {konst}: crate::paging::PagingMeta = crate::paging::PagingMeta {{ \
                     operation: {id:?}, style: crate::paging::PagingStyle::{style}, items: {items:?}, size: {size}, \
                     cursor: {cursor}, in_body: {in_body}, next: {next}, total: {total}, has_next: {has_next}, \
                     count: {count}, default_size: {default_size}, max_size: {max_size}, max_total: {max_total}, \
                     sample_page: {page:?}, sample_item: {item:?} }};",
                    style = style_variant(&p.style),
                    items = p.items,
                    size = opt_str(&p.size),
                    cursor = opt_str(&p.cursor),
                    in_body = p.location == "body",
                    next = opt_str(&p.next),
                    total = opt_str(&p.total),
                    has_next = opt_str(&p.has_next),
                    count = opt_str(&p.count),
                    default_size = opt_num(p.default_size),
                    max_size = opt_num(p.max_size),
                    max_total = opt_num(p.max_total),
                    page = sample_page.to_string(),
                    item = sample_item.to_string(),
                );
                format!("Some(&{konst})")
            }
            None => "None".into(),
        };
        let _ = writeln!(
            rows,
            "crate::transport::OperationMeta {{ id: {id:?}, method: {:?}, path: {:?}, retry_safe: {retry_safe}, \
             sensitive_body: {sensitive}, json_response: {json_response}, paging: {paging_ref}, envelope: {} }},",
            op.method.to_uppercase(),
            op.path,
            opt_str(&op.envelope),
        );
        let Some(b) = builders.get(&op.builder) else { continue };
        if let Some(response) = b.response.as_deref().filter(|r| r.starts_with("types::")) {
            let _ = writeln!(checks, "{id:?} => Some(decode::<{response}>(bytes)),");
        }
        if let Some((_, body)) = b.fields.iter().find(|(f, _)| f == "body") {
            let body = body.replace(' ', "").replace("builder::", "");
            if body.starts_with("types::") {
                let _ = writeln!(body_checks, "{id:?} => Some(decode::<{body}>(bytes)),");
            }
        }
    }
    let secrets: String = secret_fields(raw).iter().map(|n| format!("{n:?}, ")).collect();
    format!(
        "/// Metadata of every operation of this service, from its spec: read by the transport\n\
         /// (retry safety, secrecy), the paging streams and the tests.\n\
         #[doc(hidden)]\n\
         pub mod operations {{\n\
         #[allow(unused_imports)]\nuse super::types;\n\
         {consts}\n\
         /// The properties the spec marks `format: password`: redacted wherever a body is logged.\n\
         pub const SECRET_FIELDS: &[&str] = &[{secrets}];\n\n\
         /// Every operation of this service's spec.\n\
         pub const OPERATIONS: &[crate::transport::OperationMeta] = &[\n{rows}];\n\n\
         /// Decode a success body as the operation's typed response (None: no typed response).\n\
         pub fn decode_response(operation_id: &str, bytes: &[u8]) -> Option<Result<(), serde_json::Error>> {{\n\
         fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<(), serde_json::Error> {{\n\
         serde_json::from_slice::<T>(bytes).map(|_| ())\n}}\n\
         let _ = bytes;\n\
         match operation_id {{\n{checks}_ => None,\n}}\n}}\n\n\
         /// Decode a request body as the operation's typed body (None: no typed body).\n\
         pub fn decode_request_body(operation_id: &str, bytes: &[u8]) -> Option<Result<(), serde_json::Error>> {{\n\
         fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<(), serde_json::Error> {{\n\
         serde_json::from_slice::<T>(bytes).map(|_| ())\n}}\n\
         let _ = bytes;\n\
         match operation_id {{\n{body_checks}_ => None,\n}}\n}}\n\n\
         /// The stream of a paginated operation, with sample required parameters (for the paging test).\n\
         pub fn paging_probe(client: &super::Client, operation_id: &str) \
         -> ::std::option::Option<::std::result::Result<crate::paging::Probe, crate::Error>> {{\n\
         super::builder::__paging_probe(client, operation_id)\n}}\n\
         }}\n"
    )
}

//! Property tests of the parsers that read what a service (or a user) sends: scope strings,
//! authorization requirements, paging cursors and pages, token responses. (The error-body
//! parser, `Error::from_response`, is crate-private: its property test is in `src/error.rs`.)
//!
//! Each runs a bounded number of random cases in the normal test suite and must never panic.
//! A failing case is written to `tests/suite/fuzz.proptest-regressions`, which is committed:
//! proptest replays every case in it first, on every run. `PROPTEST_CASES=N` runs more.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use futures::StreamExt;
use globus_sdk::gare::AuthorizationRequirements;
use globus_sdk::paging::{Page, PageRequest, Paginator, PagingMeta};
use globus_sdk::scopes::Scope;
use globus_sdk::testing::Reply;
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestRunner};
use serde_json::{Map, Value, json};

/// proptest's settings here: `cases` random cases (or `PROPTEST_CASES`), failures kept beside
/// this file.
fn config(cases: u32) -> Config {
    Config {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(cases),
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        source_file: Some(file!()),
        ..Config::default()
    }
}

// ---- Strategies ----

/// Field names the parsers look for, and some they do not.
const KEYS: &[&str] = &[
    "code",
    "message",
    "error",
    "errors",
    "error_description",
    "detail",
    "request_id",
    "authorization_parameters",
    "required_scopes",
    "required_scope",
    "unapproved_scopes",
    "session_message",
    "session_required_identities",
    "session_required_policies",
    "session_required_single_domain",
    "session_required_mfa",
    "prompt",
    "access_token",
    "refresh_token",
    "id_token",
    "expires_in",
    "resource_server",
    "scope",
    "other_tokens",
    "token_type",
    "state",
    "has_next_page",
    "marker",
    "next_token",
    "last_key",
    "total",
    "offset",
    "links",
    "next",
];

fn key() -> impl Strategy<Value = String> {
    prop_oneof![4 => prop::sample::select(KEYS).prop_map(str::to_string), 1 => "[a-z_]{1,8}", 1 => any::<String>()]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("ConsentRequired".to_string()),
        Just("dependent_consent_required".to_string()),
        Just("AuthorizationRequired".to_string()),
        Just("a,b, ,c".to_string()),
        "[a-z0-9:/.*\\[\\] ,]{0,24}",
        any::<String>(),
    ]
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (0u64..10).prop_map(Value::from),
        prop::num::f64::NORMAL.prop_map(Value::from),
        // The edges, where arithmetic overflows.
        prop::sample::select(vec![json!(u64::MAX), json!(i64::MAX), json!(i64::MIN), json!(-1), json!(0)]),
    ]
}

/// Any JSON document, biased towards the names and values the parsers read.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf =
        prop_oneof![Just(Value::Null), any::<bool>().prop_map(Value::from), number(), text().prop_map(Value::from)];
    leaf.prop_recursive(5, 96, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..8).prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

// ---- Scopes ----

/// A scope tree whose names are valid (no brackets, `*` or whitespace).
fn scope_tree() -> impl Strategy<Value = Scope> {
    let leaf = ("[a-z0-9:/._-]{1,12}", any::<bool>()).prop_map(|(name, optional)| Scope {
        scope_string: name,
        optional,
        dependencies: Vec::new(),
    });
    leaf.prop_recursive(4, 32, 4, |inner| {
        ("[a-z0-9:/._-]{1,12}", any::<bool>(), prop::collection::vec(inner, 0..4))
            .prop_map(|(name, optional, dependencies)| Scope { scope_string: name, optional, dependencies })
    })
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn scope_strings_parse_or_fail_cleanly(s in prop_oneof!["[ab*\\[\\] ]{0,40}", any::<String>()]) {
        if let Ok(scopes) = Scope::parse_list(&s) {
            // What parses prints back (dependencies merged and sorted) to a string that parses
            // and prints the same: printing is stable.
            let printed = Scope::join(&scopes);
            let again = Scope::parse_list(&printed).unwrap();
            prop_assert_eq!(Scope::join(&again), printed);
            prop_assert_eq!(again.len(), scopes.len());
        }
        let _ = s.parse::<Scope>();
    }

    #[test]
    fn scope_trees_round_trip(scopes in prop::collection::vec(scope_tree(), 1..4)) {
        // Printing merges and sorts dependencies; what it prints parses back to scopes that
        // print the same, with the same top-level scopes.
        let printed = Scope::join(&scopes);
        let parsed = Scope::parse_list(&printed).unwrap();
        prop_assert_eq!(Scope::join(&parsed), printed.clone());
        let names = |list: &[Scope]| list.iter().map(|s| (s.scope_string.clone(), s.optional)).collect::<Vec<_>>();
        prop_assert_eq!(names(&parsed), names(&scopes));
        prop_assert_eq!(printed.parse::<Scope>().is_ok(), scopes.len() == 1);
    }

    #[test]
    fn deep_or_broken_nesting_is_an_error(depth in 0usize..400, tail in "[\\[\\]* a]{0,8}") {
        let s = format!("{}x{}{tail}", "a[".repeat(depth), "]".repeat(depth));
        let _ = Scope::parse_list(&s);
        if depth > 64 {
            prop_assert!(Scope::parse_list(&s).is_err());
        }
    }
}

// ---- Authorization requirements ----

/// The requirements as the parser read them before it was made linear: each one compared with
/// every earlier one.
fn requirements_pairwise(body: &Value) -> Vec<AuthorizationRequirements> {
    let mut found: Vec<AuthorizationRequirements> = Vec::new();
    let errors = body.get("errors").and_then(Value::as_array).cloned().unwrap_or_default();
    for doc in std::iter::once(body).chain(&errors) {
        if let Some(r) = AuthorizationRequirements::from_document(doc)
            && !found.contains(&r)
        {
            found.push(r);
        }
    }
    found
}

/// A document in one of the requirement shapes, with random values.
fn gare_document() -> impl Strategy<Value = Value> {
    let params =
        prop::collection::vec((key(), json_value()), 0..6).prop_map(|kv| Value::Object(kv.into_iter().collect()));
    prop_oneof![
        (prop::option::of(text()), params).prop_map(|(code, p)| json!({"code": code, "authorization_parameters": p})),
        json_value().prop_map(|s| json!({"code": "ConsentRequired", "required_scopes": s})),
        json_value().prop_map(|s| json!({"code": "ConsentRequired", "required_scope": s})),
        json_value().prop_map(|e| json!({"error": "dependent_consent_required", "errors": e})),
        json_value(),
    ]
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn authorization_requirements_never_panic_and_keep_each_one_once(
        root in gare_document(),
        errors in prop::collection::vec(gare_document(), 0..12),
        repeat in prop::collection::vec(any::<prop::sample::Index>(), 0..6),
    ) {
        let mut errors = errors;
        // Send some entries twice.
        if !errors.is_empty() {
            for i in &repeat {
                let again = errors[i.index(errors.len())].clone();
                errors.push(again);
            }
        }
        let mut body = root;
        if let Value::Object(map) = &mut body {
            map.insert("errors".into(), Value::Array(errors));
        }
        let found = AuthorizationRequirements::from_error_body(&body);
        prop_assert_eq!(&found, &requirements_pairwise(&body));
        for r in &found {
            // A requirement serializes and reads back as itself.
            let back: AuthorizationRequirements = serde_json::from_value(serde_json::to_value(r).unwrap()).unwrap();
            prop_assert_eq!(&back, r);
        }
    }
}

// ---- Paging cursors ----

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn cursor_values_hold_what_they_are_given(n in any::<u64>(), token in any::<String>()) {
        use globus_sdk::paging::CursorValue;
        prop_assert_eq!(String::from_u64(n).to_u64(), Some(n));
        prop_assert_eq!(Value::from_u64(n).to_u64(), Some(n));
        prop_assert_eq!(<Option<String>>::from_u64(n).to_u64(), Some(n));
        prop_assert_eq!(u64::from_u64(n).to_u64(), Some(n));
        // Narrower integers saturate rather than wrap.
        prop_assert_eq!(i64::from_u64(n).to_u64(), Some(n.min(i64::MAX as u64)));
        prop_assert_eq!(u32::from_u64(n).to_u64(), Some(n.min(u32::MAX as u64)));
        prop_assert_eq!(i32::from_u64(n).to_u64(), Some(n.min(i32::MAX as u64)));
        prop_assert_eq!(i64::from_token(n.min(i64::MAX as u64).to_string()).to_u64(), Some(n.min(i64::MAX as u64)));
        prop_assert_eq!(String::from_token(token.clone()), token.clone());
        prop_assert_eq!(Value::from_token(token.clone()), Value::String(token.clone()));
        prop_assert_eq!(String::from_token(token.clone()).to_u64(), token.parse::<u64>().ok());
    }
}

/// Every paginated operation's paging, from every enabled spec.
fn paging_metas() -> Vec<(&'static str, &'static str, &'static PagingMeta)> {
    globus_sdk::registry::enabled()
        .into_iter()
        .flat_map(|s| s.operations.iter().filter_map(move |op| Some((s.name, op.id, op.paging?))))
        .collect()
}

/// A value for a paging field (cursor, flag, total, count): right, wrong and hostile.
fn paging_value(base: &'static str) -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        Just(json!("")),
        // A small pool, so cursors repeat.
        prop::sample::select(vec!["c1", "c2", "c3"]).prop_map(Value::from),
        (0u64..4).prop_map(move |i| json!(format!("{base}/next?page={i}"))),
        Just(json!("https://elsewhere.example.org/steal?page=1")),
        number(),
        text().prop_map(Value::from),
        json_value(),
    ]
}

/// One page: `items` items and random values for every field the style reads.
fn random_page(meta: &'static PagingMeta, base: &'static str) -> impl Strategy<Value = (usize, Map<String, Value>)> {
    let names: Vec<&'static str> =
        [meta.next, meta.total, meta.has_next, meta.count].into_iter().flatten().collect::<Vec<_>>();
    let values = prop::collection::vec(prop::option::of(paging_value(base)), names.len());
    (0usize..4, values).prop_map(move |(items, values)| {
        let mut doc = Value::Object(Map::new());
        for (name, value) in names.iter().zip(values) {
            if let Some(v) = value {
                crate::common::set_dotted(&mut doc, name, v);
            }
        }
        match doc {
            Value::Object(map) => (items, map),
            _ => unreachable!("an object"),
        }
    })
}

/// A page held in memory: its items and its other fields.
struct FakePage {
    items: Vec<Value>,
    fields: Map<String, Value>,
}

impl Page for FakePage {
    type Item = Value;
    const ITEMS_FIELD: &'static str = "items";
    fn item_count(&self) -> usize {
        self.items.len()
    }
    fn take_items(&mut self) -> Vec<Value> {
        std::mem::take(&mut self.items)
    }
    fn field(&self, name: &str) -> Option<Value> {
        self.fields.get(name).cloned()
    }
}

/// What ends a script: the fetch fails (any `globus_sdk::Error` does).
fn script_ended() -> globus_sdk::Error {
    "]".parse::<Scope>().unwrap_err()
}

#[test]
fn paginators_end_and_never_ask_twice_whatever_the_pages() {
    let mut runner = TestRunner::new(config(128));
    for (service, op, meta) in paging_metas() {
        let pages = prop::collection::vec(random_page(meta, "http://127.0.0.1:9"), 0..8);
        let sizes = prop::option::of(prop_oneof![Just(0u64), 1u64..5, Just(u64::MAX)]);
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let outcome = runner.run(&(pages, sizes), |(pages, size)| {
            let script = pages.len();
            let queue = Arc::new(Mutex::new(VecDeque::from(pages)));
            let asked = Arc::new(Mutex::new(Vec::<PageRequest>::new()));
            let (q, a) = (queue.clone(), asked.clone());
            let paginator = Paginator::<FakePage>::new(meta, size, move |request: PageRequest| {
                a.lock().unwrap().push(request);
                let next = q.lock().unwrap().pop_front();
                async move {
                    match next {
                        Some((n, fields)) => Ok(FakePage { items: vec![json!({"i": 1}); n], fields }),
                        None => Err(script_ended()),
                    }
                }
            });
            let results: Vec<bool> = rt.block_on(paginator.pages().map(|p| p.is_ok()).collect());
            let asked = asked.lock().unwrap();
            prop_assert!(results.len() <= script + 1, "{} results from {script} pages", results.len());
            prop_assert!(asked.len() <= script + 1);
            // A page is never asked for twice: that is how a loop would start.
            let cursors: Vec<_> = asked.iter().map(|r| r.cursor.clone()).collect();
            let distinct: HashSet<_> = cursors.iter().collect();
            prop_assert_eq!(distinct.len(), cursors.len(), "{:?}", cursors);
            for r in asked.iter() {
                if let (Some(s), Some(max)) = (r.size, meta.max_size) {
                    prop_assert!(s <= max);
                }
                if let (Some(globus_sdk::paging::Cursor::Offset(o)), Some(s), Some(ceiling)) =
                    (&r.cursor, r.size, meta.max_total)
                {
                    prop_assert!(o.saturating_add(s) <= ceiling, "offset {o} + size {s} past {ceiling}");
                }
            }
            Ok(())
        });
        if let Err(e) = outcome {
            panic!("{service}.{op} ({:?}): {e}", meta.style);
        }
    }
}

#[test]
fn generated_streams_end_whatever_the_server_sends() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let mut runner = TestRunner::new(config(24));
    for service in globus_sdk::registry::enabled() {
        for op in service.operations.iter() {
            let Some(meta) = op.paging else { continue };
            let server = rt.block_on(crate::common::server());
            let base: &'static str = Box::leak(server.url().into_boxed_str());
            let queue: Arc<Mutex<VecDeque<Value>>> = Arc::default();
            let q = queue.clone();
            server.fallback(move |_| match q.lock().unwrap().pop_front() {
                Some(page) => Reply::json(200, page),
                None => Reply::json(404, json!({"code": "ClientError.NotFound", "message": "the script ended"})),
            });
            let sample: Value = serde_json::from_str(meta.sample_page).unwrap();
            let item: Value = serde_json::from_str(meta.sample_item).unwrap();
            let pages = prop::collection::vec(random_page(meta, base), 0..6);
            let outcome = runner.run(&pages, |pages| {
                let script = pages.len();
                let docs = pages.into_iter().map(|(n, fields)| {
                    let mut doc = sample.clone();
                    doc[meta.items] = Value::Array(vec![item.clone(); n]);
                    for (k, v) in fields {
                        doc[k.as_str()] = v;
                    }
                    doc
                });
                *queue.lock().unwrap() = docs.collect();
                let before = server.requests().len();
                let probe = (service.paging_probe)(base, op.id).expect("a stream").expect("a client");
                let results: Vec<bool> = rt.block_on(probe.map(|p| p.is_ok()).collect());
                let sent = server.requests().len() - before;
                prop_assert!(results.len() <= script + 1, "{} results from {script} pages", results.len());
                prop_assert!(sent <= script + 1, "{sent} requests for {script} pages");
                Ok(())
            });
            if let Err(e) = outcome {
                panic!("{}.{} ({:?}): {e}", service.name, op.id, meta.style);
            }
        }
    }
}

// ---- Token responses ----

/// A token document: the known fields mostly of the right type (sometimes wrong or missing),
/// secrets planted in the token fields and in unknown fields.
fn token_document(depth: u32) -> BoxedStrategy<Value> {
    fn field(right: BoxedStrategy<Value>) -> BoxedStrategy<Option<Value>> {
        prop_oneof![8 => right.prop_map(Some), 1 => json_value().prop_map(Some), 1 => Just(None)].boxed()
    }
    let secret = || "[A-Za-z0-9]{4,12}".prop_map(|s| Value::String(format!("PLANTED-SECRET-{s}"))).boxed();
    let others = if depth == 0 {
        Just(Vec::new()).boxed()
    } else {
        prop::collection::vec(token_document(depth - 1), 0..3).boxed()
    };
    (
        field(secret()),
        prop_oneof![Just(None), secret().prop_map(Some)],
        prop_oneof![Just(None), secret().prop_map(Some)],
        field(number().boxed()),
        field("[a-z.]{0,20}".prop_map(Value::from).boxed()),
        field("[a-z:. ]{0,30}".prop_map(Value::from).boxed()),
        others,
        prop::collection::vec(("x_[a-z]{1,6}", secret()), 0..3),
    )
        .prop_map(|(access, refresh, id, expires_in, resource_server, scope, others, unknown)| {
            let mut doc = Map::new();
            let mut put = |k: &str, v: Option<Value>| {
                if let Some(v) = v {
                    doc.insert(k.to_string(), v);
                }
            };
            put("access_token", access);
            put("refresh_token", refresh);
            put("id_token", id);
            put("expires_in", expires_in);
            put("resource_server", resource_server);
            put("scope", scope);
            put("other_tokens", Some(Value::Array(others)));
            for (k, v) in unknown {
                doc.insert(k, v);
            }
            Value::Object(doc)
        })
        .boxed()
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn token_responses_parse_or_fail_cleanly_and_never_show_a_token(
        doc in prop_oneof![4 => token_document(2), 1 => json_value(), 1 => prop::collection::vec(token_document(0), 0..3).prop_map(Value::Array)],
        wanted in "[a-z:. ]{0,20}",
    ) {
        use globus_sdk::auth::TokenResponse;
        use globus_sdk::auth::types::OAuthTokenGrantResponse;
        let Ok(grant) = serde_json::from_value::<OAuthTokenGrantResponse>(doc) else { return Ok(()) };
        let mut shown = format!("{grant:?}");
        match grant {
            OAuthTokenGrantResponse::TokenResponse(raw) => {
                let tokens = TokenResponse::new(raw);
                let by_rs = tokens.by_resource_server();
                let _ = tokens.by_scopes(&wanted);
                shown += &format!("{tokens:?} {by_rs:?}");
            }
            OAuthTokenGrantResponse::DependentTokenResponse(list) => shown += &format!("{list:?}"),
        }
        prop_assert!(!shown.contains("PLANTED-SECRET"), "a token in Debug output: {}", shown);
    }
}

/// Cases the property tests found, kept as plain tests too.
#[test]
fn found_cases() {
    use globus_sdk::auth::TokenResponse;
    use globus_sdk::auth::types::OAuthTokenResponse;
    // `expires_in` near i64::MAX overflowed when added to the time of arrival.
    let raw: OAuthTokenResponse = serde_json::from_value(json!({
        "access_token": "a", "resource_server": "rs", "scope": "s", "expires_in": i64::MAX,
        "other_tokens": [{"access_token": "b", "resource_server": "rs2", "scope": "s2", "expires_in": i64::MAX}]}))
    .unwrap();
    let tokens = TokenResponse::new(raw).by_resource_server();
    assert_eq!(tokens["rs"].expires_at, Some(i64::MAX));
    assert_eq!(tokens["rs2"].expires_at, Some(i64::MAX));
}

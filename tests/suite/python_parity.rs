//! TransferData and DeleteData build the documents the Python SDK builds for the same options.
//!
//! `scripts/test.sh` runs `scripts/python_documents.py` with globus-sdk 3.62 and the newest
//! release and sets `GLOBUS_SDK_PYTHON_DOCUMENTS` to the outputs. Against the newest release
//! (which sends only what was set) the documents must be equal; against 3.62 (which also sends
//! the service defaults) every field we send must be sent alike.

use globus_sdk::transfer::{DeleteData, FilterRule, SyncLevel, TransferData};
use serde_json::Value;

const SRC: &str = "00000000-0000-0000-0000-000000000001";
const DST: &str = "00000000-0000-0000-0000-000000000002";

fn deadline() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339("2030-01-02T03:04:05Z").unwrap().to_utc()
}

fn ours() -> Vec<(&'static str, Value)> {
    let mut minimal = TransferData::new(SRC, DST).submission_id("sub-1");
    minimal.add_item("/a", "/b", false);
    let mut full = TransferData::new(SRC, DST)
        .submission_id("sub-1")
        .label("nightly")
        .sync_level(SyncLevel::Checksum)
        .verify_checksum(true)
        .preserve_timestamp(true)
        .encrypt_data(true)
        .deadline(deadline())
        .skip_source_errors(true)
        .fail_on_quota_errors(true)
        .delete_destination_extra(true)
        .notify_on_succeeded(false)
        .notify_on_failed(false)
        .notify_on_inactive(false)
        .source_local_user("su")
        .destination_local_user("du");
    full.add_item("/dir/", "/dir/", true)
        .add_item_with_checksum("/f", "/g", "abc123", "MD5")
        .exclude("*.tmp")
        .add_filter_rule(FilterRule { include: true, name: "keep".into(), directories: Some(true) });
    let mut out = vec![
        ("transfer_minimal", serde_json::to_value(minimal.to_document("unused").unwrap()).unwrap()),
        ("transfer_full", serde_json::to_value(full.to_document("unused").unwrap()).unwrap()),
    ];
    for (name, level) in [
        ("exists", SyncLevel::Exists),
        ("size", SyncLevel::Size),
        ("mtime", SyncLevel::Mtime),
        ("checksum", SyncLevel::Checksum),
    ] {
        let mut doc = TransferData::new(SRC, DST).submission_id("sub-1").sync_level(level);
        doc.add_item("/a", "/b", false);
        out.push((
            match name {
                "exists" => "transfer_sync_exists",
                "size" => "transfer_sync_size",
                "mtime" => "transfer_sync_mtime",
                _ => "transfer_sync_checksum",
            },
            serde_json::to_value(doc.to_document("unused").unwrap()).unwrap(),
        ));
    }
    let mut minimal = DeleteData::new(SRC).submission_id("sub-2");
    minimal.add_item("/old");
    let mut full = DeleteData::new(SRC)
        .submission_id("sub-2")
        .label("cleanup")
        .recursive(true)
        .ignore_missing(true)
        .interpret_globs(true)
        .deadline(deadline())
        .notify_on_succeeded(false)
        .notify_on_failed(true)
        .notify_on_inactive(false)
        .local_user("lu");
    full.add_item("/x/*.log").add_item("/y");
    out.push(("delete_minimal", serde_json::to_value(minimal.to_document("unused").unwrap()).unwrap()));
    out.push(("delete_full", serde_json::to_value(full.to_document("unused").unwrap()).unwrap()));
    out
}

/// Deadlines are compared as instants (Python writes `2030-01-02 03:04:05+00:00`).
fn normalise(mut v: Value) -> Value {
    if let Some(d) = v.get("deadline").and_then(Value::as_str) {
        let parsed = chrono::DateTime::parse_from_rfc3339(&d.replace(' ', "T")).expect("a deadline").timestamp();
        v["deadline"] = Value::from(parsed);
    }
    v
}

#[test]
fn documents_match_the_python_sdk() {
    let Ok(files) = std::env::var("GLOBUS_SDK_PYTHON_DOCUMENTS") else {
        if std::env::var("GLOBUS_SDK_REQUIRE_FIXTURES").is_ok_and(|v| v == "1") {
            panic!("GLOBUS_SDK_PYTHON_DOCUMENTS is not set: run scripts/test.sh");
        }
        eprintln!("python parity: GLOBUS_SDK_PYTHON_DOCUMENTS not set; nothing compared");
        return;
    };
    let mut compared = 0;
    for file in files.split(',').filter(|f| !f.is_empty()) {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let version = doc["globus_sdk_version"].as_str().unwrap().to_string();
        let sends_defaults = version.starts_with("3.");
        for (name, mine) in ours() {
            let mine = normalise(mine);
            let theirs = normalise(doc["documents"][name].clone());
            assert!(theirs.is_object(), "{version}: no document {name}");
            if sends_defaults {
                for (k, v) in mine.as_object().unwrap() {
                    assert_eq!(Some(v), theirs.get(k), "{version} {name}: field {k}");
                }
            } else {
                assert_eq!(mine, theirs, "{version} {name}");
            }
            compared += 1;
        }
    }
    assert!(compared > 0);
    eprintln!("python parity: {compared} documents equal");
}

/// The Search query documents of `scripts/python_documents.py` (names `search_*`), built with
/// SearchQuery and SearchScrollQuery; the `search_legacy_*` ones exist only in 3.x.
fn our_search_documents() -> Vec<(&'static str, Value)> {
    use globus_sdk::search::{Boost, Facet, Filter, Range, SearchQuery, SearchScrollQuery, Sort, SortOrder};
    let filters = || {
        vec![
            Filter::match_any("project", ["argo", "saildrone"]),
            Filter::match_all("tags", [Value::from("ocean"), Value::from(7), Value::from(true)]),
            Filter::range(
                "date",
                [Range::between("2020-01-01", "2021-01-01"), Range::at_least("2024-01-01"), Range::at_most(3)],
            ),
            Filter::range("depth", [Range::new().gt(0).lte(5.5)]),
            Filter::exists("doi"),
            Filter::like("title", "sea*"),
            Filter::not(Filter::exists("retracted")),
            Filter::or([Filter::match_any("a", ["x"]), Filter::and([Filter::exists("b"), Filter::exists("c")])]),
        ]
    };
    let mut full = SearchQuery::new().q("ocean").limit(25).offset(50).advanced(true);
    for f in filters() {
        full = full.filter(f);
    }
    let full = full
        .facet(Facet::terms("instrument").name("Instruments").size(5))
        .facet(Facet::date_histogram("published", "year").histogram_range("2000-01-01", "2030-01-01"))
        .facet(Facet::numeric_histogram("size_mb", 10, 0, 1000))
        .facet(Facet::sum("size_mb").missing(0))
        .facet(Facet::avg("size_mb").name("Mean size"))
        .facet(Facet::distinct_count("author").additional_filter(Filter::match_any("project", ["argo"])))
        .post_facet_filter(Filter::match_any("license", ["cc-by"]))
        .boost(Boost::new("title", 2.5))
        .boost(Boost::new("abstract", 3))
        .sort(Sort::desc("date"))
        .sort(Sort::new("title").order(SortOrder::Asc))
        .sort(Sort::new("size"))
        .bypass_visible_to(true)
        .filter_principal_sets(["admins"])
        .result_format_version("2017-09-01")
        .fields(["content", "visible_to"]);
    let legacy = SearchQuery::legacy()
        .q("ocean")
        .limit(10)
        .offset(0)
        .advanced(false)
        .filter(Filter::match_any("project", ["argo"]))
        .filter(Filter::range("year", [Range::at_least(2020)]).post_filter(false))
        .filter(Filter::match_all("tags", ["a", "b"]))
        .facet(Facet::terms("instrument").name("Instruments").size(5))
        .facet(Facet::date_histogram("published", "year").name("By year").histogram_range("2000-01-01", "2030-01-01"))
        .facet(Facet::numeric_histogram("size_mb", 10, 0, 1000).name("Sizes"))
        .facet(Facet::sum("size_mb").name("Total").missing(0))
        .boost(Boost::new("title", 2.5))
        .sort(Sort::asc("date"))
        .sort(Sort::new("name"))
        .q("ocean floor")
        .limit(20)
        .offset(40)
        .advanced(true);
    vec![
        ("search_v1_minimal", SearchQuery::new().q("ocean").to_value()),
        ("search_v1_full", full.to_value()),
        ("search_v1_filters_only", SearchQuery::new().filter(Filter::exists("doi")).limit(0).to_value()),
        ("search_scroll_minimal", SearchScrollQuery::new().q("*").to_value()),
        (
            "search_scroll_full",
            SearchScrollQuery::new()
                .q("*")
                .limit(100)
                .advanced(true)
                .marker("m-1")
                .bypass_visible_to(true)
                .filter(Filter::match_any("project", ["argo", "saildrone"]))
                .to_value(),
        ),
        ("search_legacy_full", legacy.to_value()),
        (
            "search_legacy_scroll",
            SearchScrollQuery::new()
                .q("*")
                .limit(50)
                .filter(Filter::match_any("doi", ["10.1/x"]))
                .marker("m-2")
                .to_value(),
        ),
    ]
}

#[test]
fn search_documents_match_the_python_sdk() {
    let Ok(files) = std::env::var("GLOBUS_SDK_PYTHON_DOCUMENTS") else {
        if std::env::var("GLOBUS_SDK_REQUIRE_FIXTURES").is_ok_and(|v| v == "1") {
            panic!("GLOBUS_SDK_PYTHON_DOCUMENTS is not set: run scripts/test.sh");
        }
        eprintln!("python parity: GLOBUS_SDK_PYTHON_DOCUMENTS not set; no Search document compared");
        return;
    };
    let mut compared = 0;
    for file in files.split(',').filter(|f| !f.is_empty()) {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let version = doc["globus_sdk_version"].as_str().unwrap().to_string();
        for (name, mine) in our_search_documents() {
            let theirs = &doc["documents"][name];
            if name.starts_with("search_legacy_") && !version.starts_with("3.") {
                assert!(theirs.is_null(), "{version}: {name} is a 3.x document");
                continue;
            }
            assert!(theirs.is_object(), "{version}: no document {name} (regenerate with scripts/python_documents.py)");
            assert_eq!(&mine, theirs, "{version} {name}");
            compared += 1;
        }
    }
    assert!(compared >= 12, "compared {compared} Search documents");
    eprintln!("python parity: {compared} Search documents equal");
}

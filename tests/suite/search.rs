//! Search over loopback HTTP: the requests the document builders send, paging of `search` and
//! `post_search` up to the 10,000-result ceiling, scrolling by marker, and waiting for tasks.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::common::*;
use futures::TryStreamExt;
use globus_sdk::authorizers::AccessTokenAuthorizer;
use globus_sdk::search::{
    Boost, Facet, Filter, GIngest, GMetaEntry, GMetaList, Range, SearchQuery, SearchScrollQuery, Sort, TaskWaitError,
};
use globus_sdk::testing::{Reply, ScriptedServer};
use globus_sdk::transport::RetryPolicy;
use serde_json::{Value, json};

const INDEX: &str = "60d1160b-f016-40b0-8545-99619865873d";

fn search(s: &ScriptedServer) -> globus_sdk::search::Client {
    globus_sdk::search::Client::builder()
        .base_url(s.url())
        .authorizer(AccessTokenAuthorizer::new("search-token"))
        .retry_policy(RetryPolicy::none())
        .timeout(Some(Duration::from_secs(10)))
        .build()
        .unwrap()
}

fn path(tail: &str) -> String {
    format!("/v1/index/{INDEX}/{tail}")
}

/// A page of `n` results from `offset`, as Search answers (`GSearchResult`).
fn results(offset: u64, n: u64, total: u64, has_next: bool) -> Value {
    let gmeta: Vec<Value> = (offset..offset + n)
        .map(|i| {
            json!({"@datatype": "GMetaResult", "@version": "2019-08-27", "subject": format!("s{i}"),
                   "entries": [{"content": {"n": i}, "entry_id": null, "matched_principal_sets": []}]})
        })
        .collect();
    json!({"@datatype": "GSearchResult", "@version": "2017-09-01", "count": n, "offset": offset, "total": total,
           "has_next_page": has_next, "gmeta": gmeta})
}

fn gerror(status: u16, code: &str, message: &str, request_id: &str) -> Reply {
    Reply::json(
        status,
        json!({"@datatype": "GError", "@version": "2017-09-01", "code": code, "message": message,
               "request_id": request_id, "status": status}),
    )
}

fn task(id: &str, state: &str, message: &str) -> Value {
    json!({"task_id": id, "state": state, "state_description": format!("{state} (described)"), "task_type": "INGEST",
           "index_id": INDEX, "creation_date": "2026-01-01 00:00:00", "completion_date": null,
           "message": message, "additional_details": null, "a_future_field": 1})
}

#[tokio::test]
async fn query_documents_are_sent_as_built() {
    let s = server().await;
    let sc = search(&s);
    s.always("POST", &path("search"), |_| {
        let mut page = results(0, 1, 1, false);
        page["facet_results"] = json!([
            {"@datatype": "GFacetResult", "@version": "2017-09-01", "name": "instrument",
             "buckets": [{"@datatype": "GBucket", "@version": "2017-09-01", "value": "ctd", "count": 4},
                         {"value": {"from": 0, "to": 10}, "count": 1}]},
            {"name": "Total", "value": 12.5},
            {"name": "Authors", "approximate_value": 3}
        ]);
        Reply::json(200, page)
    });
    let query = SearchQuery::new()
        .q("ocean")
        .limit(5)
        .filter(Filter::match_any("project", ["argo"]))
        .filter(Filter::range("date", [Range::at_most("2014-11-07")]))
        .facet(Facet::terms("instrument"))
        .facet(Facet::sum("size").name("Total"))
        .boost(Boost::new("title", 2))
        .sort(Sort::asc("date"));
    let page = sc.post_search().index_id(INDEX).body(&query).send().await.unwrap();
    assert_eq!(page.gmeta[0].subject, "s0");
    assert_eq!(page.gmeta[0].entries[0].content["n"], 0);
    assert_eq!(page.facet_results.len(), 3);
    assert_eq!(page.facet_results[0].buckets[0].count, Some(4));
    assert_eq!(page.facet_results[0].buckets[1].value, Some(json!({"from": 0, "to": 10})));
    assert_eq!(page.facet_results[1].value, Some(12.5));
    assert_eq!(page.facet_results[2].approximate_value, Some(3.0));
    let sent = s.requests_to("POST", &path("search"));
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].json(), query.to_value(), "the body is the document, nothing added or lost");
    assert_eq!(sent[0].header("authorization"), Some("Bearer search-token"));
    assert_eq!(sent[0].header("content-type"), Some("application/json"));

    s.once(
        "POST",
        &path("scroll"),
        Reply::json(200, json!({"gmeta": [], "count": 0, "total": 0, "has_next_page": false, "marker": null})),
    );
    let scroll = SearchScrollQuery::new().q("*").limit(100).filter(Filter::exists("doi"));
    let page = sc.scroll().index_id(INDEX).body(scroll.clone()).send().await.unwrap();
    assert_eq!(page.marker, None);
    assert_eq!(
        s.requests_to("POST", &path("scroll"))[0].json(),
        json!({"q": "*", "limit": 100, "filters": [{"type": "exists", "field_name": "doi"}]})
    );

    // The simple GET search: the query string and paging in the URL.
    s.once("GET", &path("search"), Reply::json(200, results(20, 2, 22, false)));
    let page = sc
        .search()
        .index_id(INDEX)
        .q("author: \"Ada Lovelace\"")
        .advanced(true)
        .offset(20u64)
        .limit(2u64)
        .send()
        .await
        .unwrap();
    assert_eq!(page.gmeta.len(), 2);
    let get = &s.requests_to("GET", &path("search"))[0];
    assert_eq!(get.query_param("q"), Some("author: \"Ada Lovelace\""));
    assert_eq!(get.query_param("advanced"), Some("true"));
    assert_eq!((get.query_param("offset"), get.query_param("limit")), (Some("20"), Some("2")));
}

#[tokio::test]
async fn ingest_entries_and_roles_send_what_search_expects() {
    let s = server().await;
    let sc = search(&s);
    s.always("POST", &path("ingest"), |_| {
        Reply::json(200, json!({"acknowledged": true, "task_id": "t-ingest", "num_documents_ingested": 2}))
    });
    let list: GMetaList = [
        GMetaEntry::new("https://example.org/a", ["public"], json!({"title": "A"})),
        GMetaEntry::new("https://example.org/b", ["urn:globus:groups:id:g1"], json!({"title": "B"}))
            .id("meta")
            .principal_set("admins", ["urn:globus:auth:identity:u1"]),
    ]
    .into_iter()
    .collect();
    let submitted = sc.ingest().index_id(INDEX).body(GIngest::list(list)).send().await.unwrap();
    assert_eq!(submitted.task_id, "t-ingest");
    assert_eq!(
        s.requests_to("POST", &path("ingest"))[0].json(),
        json!({"ingest_type": "GMetaList", "ingest_data": {"gmeta": [
            {"subject": "https://example.org/a", "visible_to": ["public"], "content": {"title": "A"}},
            {"subject": "https://example.org/b", "visible_to": ["urn:globus:groups:id:g1"], "content": {"title": "B"},
             "id": "meta", "principal_sets": {"admins": ["urn:globus:auth:identity:u1"]}}
        ]}})
    );
    let one = GMetaEntry::new("s1", ["public"], json!({"k": 1}));
    sc.ingest().index_id(INDEX).body(GIngest::from(one.clone())).send().await.unwrap();
    assert_eq!(
        s.requests_to("POST", &path("ingest"))[1].json(),
        json!({"ingest_type": "GMetaEntry", "ingest_data": {"subject": "s1", "visible_to": ["public"], "content": {"k": 1}}})
    );

    // A document Search would refuse is refused before any request, saying what is wrong.
    let before = s.requests().len();
    let err = sc
        .ingest()
        .index_id(INDEX)
        .body(GIngest::entry(GMetaEntry::new("s2", ["public"], "not an object")))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), globus_sdk::ErrorKind::InvalidRequest);
    assert!(err.to_string().contains("`content` must be a JSON object"), "{err}");
    assert_eq!(s.requests().len(), before, "nothing was sent");

    // The deprecated entry API takes the same entry.
    s.once("PUT", &path("entry"), Reply::json(200, json!({"acknowledged": true, "task_id": "t-put"})));
    sc.update_entry().index_id(INDEX).body(&one).send().await.unwrap();
    assert_eq!(s.requests_to("PUT", &path("entry"))[0].json(), one.to_value());

    s.once(
        "GET",
        &path("entry"),
        Reply::json(
            200,
            json!({"@datatype": "GMetaResult", "subject": "s1",
        "entries": [{"content": {"k": 1}, "entry_id": "meta", "matched_principal_sets": ["public"]}]}),
        ),
    );
    let entry = sc.get_entry().index_id(INDEX).subject("s1").entry_id("meta").send().await.unwrap();
    assert_eq!(entry.entries[0].entry_id.as_deref(), Some("meta"));
    let get = &s.requests_to("GET", &path("entry"))[0];
    assert_eq!((get.query_param("subject"), get.query_param("entry_id")), (Some("s1"), Some("meta")));

    s.once("POST", &path("batch_delete_by_subject"), Reply::json(200, json!({"task_id": "t-del"})));
    sc.batch_delete_by_subject()
        .index_id(INDEX)
        .body_map(|b| b.subjects(vec!["a".to_string(), "b".to_string()]))
        .send()
        .await
        .unwrap();
    assert_eq!(s.requests_to("POST", &path("batch_delete_by_subject"))[0].json(), json!({"subjects": ["a", "b"]}));

    s.once("DELETE", &path("subject"), Reply::json(200, json!({"acknowledged": true, "task_id": "t-sub"})));
    sc.delete_subject().index_id(INDEX).subject("https://example.org/a?x=1&y").send().await.unwrap();
    assert_eq!(
        s.requests_to("DELETE", &path("subject"))[0].query_param("subject"),
        Some("https://example.org/a?x=1&y")
    );

    s.once("POST", &path("role"), Reply::json(200, json!({"id": "MDQ1", "role_name": "writer", "index_id": INDEX,
        "principal": "urn:globus:auth:identity:u1", "principal_type": "identity", "creation_date": "2022-01-26 21:53:06"})));
    let role = sc
        .create_role()
        .index_id(INDEX)
        .body_map(|b| b.role_name("writer".to_string()).principal("urn:globus:auth:identity:u1".to_string()))
        .send()
        .await
        .unwrap();
    assert_eq!(role.id, "MDQ1");
    assert_eq!(
        s.requests_to("POST", &path("role"))[0].json(),
        json!({"role_name": "writer", "principal": "urn:globus:auth:identity:u1"})
    );
    s.once(
        "DELETE",
        &path("role/MDQ1"),
        Reply::json(200, json!({"deleted": {"id": "MDQ1", "role_name": "writer", "principal": "p"}, "success": true})),
    );
    let deleted = sc.delete_role().index_id(INDEX).role_id("MDQ1").send().await.unwrap();
    assert_eq!(deleted.deleted.as_ref().map(|r| r.id.as_str()), Some("MDQ1"));

    s.once(
        "PATCH",
        &format!("/v1/index/{INDEX}"),
        Reply::json(200, json!({"id": INDEX, "display_name": "New", "status": "open"})),
    );
    let index = sc.update_index().index_id(INDEX).body_map(|b| b.display_name("New".to_string())).send().await.unwrap();
    assert_eq!(index.display_name, "New");
    assert_eq!(s.requests_to("PATCH", &format!("/v1/index/{INDEX}"))[0].json(), json!({"display_name": "New"}));
}

#[tokio::test]
async fn post_search_pages_stop_at_the_ceiling_with_the_page_size_kept() {
    let s = server().await;
    s.always("POST", &path("search"), |r| {
        let body = r.json();
        let (offset, limit) = (body["offset"].as_u64().unwrap_or(0), body["limit"].as_u64().unwrap());
        // A service with 50,000 matches that always claims a next page.
        Reply::json(200, results(offset, limit, 50_000, true))
    });
    let sc = search(&s);
    let query = SearchQuery::new().q("ocean").limit(2500).filter(Filter::exists("doi")).facet(Facet::terms("kind"));
    let subjects: Vec<String> = sc
        .post_search()
        .index_id(INDEX)
        .body(&query)
        .into_stream()
        .items()
        .map_ok(|r| r.subject)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(subjects.len(), 10_000, "the ceiling ends the walk, without an error");
    assert_eq!(subjects.first().map(String::as_str), Some("s0"));
    assert_eq!(subjects.last().map(String::as_str), Some("s9999"));
    let sent: Vec<Value> = s.requests_to("POST", &path("search")).iter().map(|r| r.json()).collect();
    let pages: Vec<(u64, u64)> =
        sent.iter().map(|b| (b["offset"].as_u64().unwrap_or(0), b["limit"].as_u64().unwrap())).collect();
    assert_eq!(
        pages,
        [(0, 2500), (2500, 2500), (5000, 2500), (7500, 2500)],
        "every page asks for the query's page size"
    );
    for body in &sent {
        let mut rest = body.clone();
        rest.as_object_mut().unwrap().remove("offset");
        assert_eq!(rest, query.to_value(), "every page keeps the whole query");
    }

    // A page size that does not divide 10,000: the last page is cut to the ceiling.
    let s = server().await;
    s.always("POST", &path("search"), |r| {
        let body = r.json();
        let (offset, limit) = (body["offset"].as_u64().unwrap_or(0), body["limit"].as_u64().unwrap());
        Reply::json(200, results(offset, limit, 50_000, true))
    });
    let sc = search(&s);
    let n = sc
        .post_search()
        .index_id(INDEX)
        .body(SearchQuery::new().q("x").limit(3000))
        .into_stream()
        .items()
        .try_fold(0usize, |n, _| async move { Ok(n + 1) })
        .await
        .unwrap();
    assert_eq!(n, 10_000);
    let pages: Vec<(u64, u64)> = s
        .requests()
        .iter()
        .map(|r| (r.json()["offset"].as_u64().unwrap_or(0), r.json()["limit"].as_u64().unwrap()))
        .collect();
    assert_eq!(pages, [(0, 3000), (3000, 3000), (6000, 3000), (9000, 1000)]);
}

#[tokio::test]
async fn paging_ends_when_search_says_so_and_the_default_page_is_100() {
    let s = server().await;
    s.always("POST", &path("search"), |r| {
        let body = r.json();
        let (offset, limit) = (body["offset"].as_u64().unwrap_or(0), body["limit"].as_u64().unwrap());
        let n = limit.min(250u64.saturating_sub(offset));
        Reply::json(200, results(offset, n, 250, offset + n < 250))
    });
    let sc = search(&s);
    let all: Vec<_> = sc
        .post_search()
        .index_id(INDEX)
        .body(SearchQuery::new().q("x"))
        .into_stream()
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 250);
    let limits: Vec<u64> = s.requests().iter().map(|r| r.json()["limit"].as_u64().unwrap()).collect();
    assert_eq!(limits, [100, 100, 100], "the Python SDK's page size when the query sets none");

    // The GET search pages through the query string, with the same ceiling.
    let s = server().await;
    s.always("GET", &path("search"), |r| {
        let offset: u64 = r.query_param("offset").unwrap_or("0").parse().unwrap();
        let limit: u64 = r.query_param("limit").unwrap().parse().unwrap();
        assert_eq!(r.query_param("q"), Some("deep sea"));
        Reply::json(200, results(offset, limit, 1_000_000, true))
    });
    let sc = search(&s);
    let n = sc
        .search()
        .index_id(INDEX)
        .q("deep sea")
        .limit(4000u64)
        .into_stream()
        .items()
        .try_fold(0usize, |n, _| async move { Ok(n + 1) })
        .await
        .unwrap();
    assert_eq!(n, 10_000);
    let pages: Vec<(String, String)> = s
        .requests()
        .iter()
        .map(|r| (r.query_param("offset").unwrap_or("0").to_string(), r.query_param("limit").unwrap().to_string()))
        .collect();
    assert_eq!(pages, [("0".into(), "4000".into()), ("4000".into(), "4000".into()), ("8000".into(), "2000".into())]);
}

#[tokio::test]
async fn scroll_follows_the_markers() {
    let s = server().await;
    s.always("POST", &path("scroll"), |r| {
        let body = r.json();
        let (marker, next, first) = match body["marker"].as_str() {
            None => (None, Some("m-1"), 0),
            Some("m-1") => (Some("m-1"), Some("m-2"), 2),
            Some("m-2") => (Some("m-2"), None, 4),
            Some(other) => panic!("unexpected marker {other}"),
        };
        let _ = marker;
        let mut page = results(first, 2, 5, next.is_some());
        page.as_object_mut().unwrap().remove("offset");
        page["marker"] = next.map_or(Value::Null, Value::from);
        if next.is_none() {
            page["gmeta"] = json!([{"subject": "s4", "entries": []}]);
            page["count"] = json!(1);
        }
        Reply::json(200, page)
    });
    let sc = search(&s);
    let query = SearchScrollQuery::new().q("*").limit(2).filter(Filter::match_any("kind", ["dataset"]));
    let subjects: Vec<String> = sc
        .scroll()
        .index_id(INDEX)
        .body(query.clone())
        .into_stream()
        .items()
        .map_ok(|r| r.subject)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(subjects, ["s0", "s1", "s2", "s3", "s4"]);
    let sent: Vec<Value> = s.requests().iter().map(|r| r.json()).collect();
    let markers: Vec<Value> = sent.iter().map(|b| b.get("marker").cloned().unwrap_or(Value::Null)).collect();
    assert_eq!(markers, [Value::Null, json!("m-1"), json!("m-2")]);
    for body in &sent {
        let mut rest = body.clone();
        rest.as_object_mut().unwrap().remove("marker");
        assert_eq!(rest, query.to_value(), "every page keeps the query");
    }

    // Resuming from a marker starts there.
    let resumed: Vec<_> =
        sc.scroll().index_id(INDEX).body(query.marker("m-2")).into_stream().items().try_collect().await.unwrap();
    assert_eq!(resumed.len(), 1);
}

#[tokio::test]
async fn wait_for_task_polls_until_success() {
    let s = server().await;
    let polls = Arc::new(AtomicUsize::new(0));
    let seen = polls.clone();
    s.always("GET", "/v1/task/t1", move |_| {
        let state = match seen.fetch_add(1, Ordering::SeqCst) {
            0 => "PENDING",
            1 => "PROGRESS",
            2 => "A_NEW_STATE",
            _ => "SUCCESS",
        };
        Reply::json(200, task("t1", state, ""))
    });
    let sc = search(&s);
    let done =
        sc.wait_for_task("t1").poll_interval(Duration::from_millis(10)).timeout(Duration::from_secs(10)).await.unwrap();
    assert!(done.is_success() && done.is_finished());
    assert_eq!(done.task_id, "t1");
    assert_eq!(done.extra["a_future_field"], 1);
    assert_eq!(polls.load(Ordering::SeqCst), 4, "polled through PENDING, PROGRESS and an unknown state");
    assert!(s.requests().iter().all(|r| r.method == "GET" && r.path == "/v1/task/t1"));
}

#[tokio::test]
async fn wait_for_task_reports_a_failed_task() {
    let s = server().await;
    s.once("GET", "/v1/task/t2", Reply::json(200, task("t2", "PROGRESS", "")));
    s.always("GET", "/v1/task/t2", |_| {
        let mut t = task("t2", "FAILED", "3 documents were rejected");
        t["additional_details"] = json!({"failed_subjects": ["a", "b", "c"]});
        Reply::json(200, t)
    });
    let sc = search(&s);
    let err = sc.wait_for_task("t2").poll_interval(Duration::from_millis(5)).await.unwrap_err();
    let TaskWaitError::Failed(failed) = &err else { panic!("expected Failed, got {err:?}") };
    assert_eq!(failed.state, "FAILED");
    assert_eq!(failed.additional_details, Some(json!({"failed_subjects": ["a", "b", "c"]})));
    let text = err.to_string();
    assert!(text.contains("t2") && text.contains("FAILED") && text.contains("3 documents were rejected"), "{text}");
    assert_eq!(err.task().map(|t| t.task_id.as_str()), Some("t2"));
    assert_eq!(s.requests().len(), 2);

    s.always("GET", "/v1/task/t3", |_| Reply::json(200, task("t3", "CANCELLED", "index deleted")));
    let err = sc.wait_for_task("t3").await.unwrap_err();
    assert!(matches!(err, TaskWaitError::Failed(ref t) if t.state == "CANCELLED"), "{err:?}");
}

#[tokio::test]
async fn wait_for_task_times_out_with_the_last_state() {
    let s = server().await;
    s.always("GET", "/v1/task/t4", |_| Reply::json(200, task("t4", "PENDING", "")));
    let sc = search(&s);
    let started = std::time::Instant::now();
    let err = sc
        .wait_for_task("t4")
        .poll_interval(Duration::from_millis(20))
        .timeout(Duration::from_millis(150))
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    let TaskWaitError::TimedOut(last) = &err else { panic!("expected TimedOut, got {err:?}") };
    assert_eq!(last.state, "PENDING");
    assert!(err.to_string().contains("still PENDING"), "{err}");
    assert!(elapsed >= Duration::from_millis(150) && elapsed < Duration::from_secs(5), "{elapsed:?}");
    let polls = s.requests().len();
    assert!((3..=12).contains(&polls), "polled every 20 ms for 150 ms: {polls}");
}

#[tokio::test]
async fn wait_for_task_passes_the_services_error_through() {
    let s = server().await;
    s.always("GET", "/v1/task/nope", |_| gerror(404, "NotFound.Generic", "Task nope not found", "req-404"));
    let sc = search(&s);
    let err = sc.wait_for_task("nope").poll_interval(Duration::from_millis(5)).await.unwrap_err();
    let TaskWaitError::Request(inner) = &err else { panic!("expected Request, got {err:?}") };
    assert_eq!(inner.http_status(), Some(404));
    assert_eq!(inner.code(), Some("NotFound.Generic"));
    assert_eq!(inner.request_id(), Some("req-404"));
    assert!(inner.raw_text().unwrap().contains("Task nope not found"));
    assert!(std::error::Error::source(&err).is_some());
    assert!(!format!("{err:?} {err}").contains("search-token"), "no token in the error");

    // An empty task id is refused before any request.
    let before = s.requests().len();
    let err = sc.wait_for_task("").await.unwrap_err();
    assert_eq!(err.request_error().map(|e| e.kind()), Some(globus_sdk::ErrorKind::InvalidRequest));
    assert_eq!(s.requests().len(), before);
}

#[tokio::test]
async fn search_errors_keep_status_code_and_request_id() {
    let s = server().await;
    s.once("POST", &path("search"), gerror(400, "BadRequest.InvalidQuery", "bad query string", "req-400"));
    let sc = search(&s);
    let err =
        sc.post_search().index_id(INDEX).body(SearchQuery::new().q("((").advanced(true)).send().await.unwrap_err();
    assert_eq!(err.http_status(), Some(400));
    assert_eq!(err.code(), Some("BadRequest.InvalidQuery"));
    assert_eq!(err.request_id(), Some("req-400"));
    assert_eq!(err.service(), Some("search"));

    // An error in the middle of a walk comes after the pages fetched before it.
    let s = server().await;
    s.once("POST", &path("search"), Reply::json(200, results(0, 10, 100, true)));
    s.once("POST", &path("search"), gerror(503, "ServiceUnavailable", "try later", "req-503"));
    let sc = search(&s);
    let mut items = sc.post_search().index_id(INDEX).body(SearchQuery::new().q("x").limit(10)).into_stream().items();
    let mut got = 0;
    let err = loop {
        match items.try_next().await {
            Ok(Some(_)) => got += 1,
            Ok(None) => panic!("the walk ended without the error"),
            Err(e) => break e,
        }
    };
    assert_eq!(got, 10);
    assert_eq!((err.http_status(), err.request_id()), (Some(503), Some("req-503")));
}

/// The Python SDK's registered Search error responses (409 conflicts, 403) reach the caller
/// with their status, Globus code, message and request id.
#[tokio::test]
async fn python_registered_search_errors_keep_their_code() {
    let Ok(files) = std::env::var("GLOBUS_SDK_FIXTURES") else {
        if std::env::var("GLOBUS_SDK_REQUIRE_FIXTURES").is_ok_and(|v| v == "1") {
            panic!("GLOBUS_SDK_FIXTURES is not set: run scripts/fixtures.sh first");
        }
        eprintln!("search errors: GLOBUS_SDK_FIXTURES not set; nothing checked");
        return;
    };
    let mut checked = 0;
    for file in files.split(',').filter(|f| !f.is_empty()) {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        for r in doc["responses"].as_array().unwrap() {
            let status = r["status"].as_u64().unwrap() as u16;
            if r["service"] != "search" || status < 400 {
                continue;
            }
            let (module, method, path, body) =
                (r["module"].as_str().unwrap(), r["method"].as_str().unwrap(), r["path"].as_str().unwrap(), &r["json"]);
            let s = server().await;
            s.once(method, path, Reply::json(status, body.clone()));
            let sc = search(&s);
            let id = path.split('/').nth(3).unwrap_or_default().to_string();
            let result = match module.rsplit('.').next().unwrap() {
                "create_index" => sc
                    .create_index()
                    .body_map(|b| b.display_name("n".to_string()).description("d".to_string()))
                    .send()
                    .await
                    .map(drop),
                "delete_index" => sc.delete_index().index_id(&id).send().await.map(drop),
                "reopen_index" => sc.reopen_index().index_id(&id).send().await.map(drop),
                "update_index" => {
                    sc.update_index().index_id(&id).body_map(|b| b.description("d".to_string())).send().await.map(drop)
                }
                other => panic!("a registered Search error for {other}: add its call here"),
            };
            let err = result.expect_err(module);
            let here = format!("{module} {}", r["case"]);
            assert_eq!(err.http_status(), Some(status), "{here}");
            assert_eq!(err.code(), body["code"].as_str(), "{here}");
            assert_eq!(err.message(), body["message"].as_str(), "{here}");
            assert_eq!(err.request_id(), body["request_id"].as_str(), "{here}");
            assert_eq!(s.requests_to(method, path).len(), 1, "{here}: the request went to the registered path");
            checked += 1;
        }
    }
    assert!(checked >= 3, "checked {checked} registered Search errors");
    eprintln!("search errors: {checked} registered error responses keep their code");
}

/// Every method of the Python SDK's SearchClient (3.62 and the newest), run against a loopback
/// server: each request it sends is the spec operation named as the method, with the method's
/// HTTP method and path. Together the versions call every operation of `specs/search.yaml`.
const PYTHON_SEARCH_CALLS: &str = r#"
import json, os, warnings
import globus_sdk
warnings.simplefilter("ignore")
sc = globus_sdk.SearchClient(base_url=os.environ["SEARCH_URL"], authorizer=globus_sdk.AccessTokenAuthorizer("tok"))
IDX = "60d1160b-f016-40b0-8545-99619865873d"
ENTRY = {"subject": "s", "visible_to": ["public"], "content": {"k": 1}}
calls = [
    ("create_index", lambda: sc.create_index("name", "description")),
    ("update_index", lambda: sc.update_index(IDX, display_name="name")),
    ("get_index", lambda: sc.get_index(IDX)),
    ("index_list", lambda: sc.index_list()),
    ("delete_index", lambda: sc.delete_index(IDX)),
    ("reopen_index", lambda: sc.reopen_index(IDX)),
    ("search", lambda: sc.search(IDX, "ocean")),
    ("post_search", lambda: sc.post_search(IDX, {"q": "ocean"}, limit=5)),
    ("scroll", lambda: sc.scroll(IDX, {"q": "*"}, marker="m")),
    ("ingest", lambda: sc.ingest(IDX, {"ingest_type": "GMetaEntry", "ingest_data": ENTRY})),
    ("delete_by_query", lambda: sc.delete_by_query(IDX, {"q": "old"})),
    ("batch_delete_by_subject", lambda: sc.batch_delete_by_subject(IDX, ["a", "b"])),
    ("get_subject", lambda: sc.get_subject(IDX, "s")),
    ("delete_subject", lambda: sc.delete_subject(IDX, "s")),
    ("get_entry", lambda: sc.get_entry(IDX, "s", entry_id="e")),
    ("create_entry", lambda: sc.create_entry(IDX, ENTRY)),
    ("update_entry", lambda: sc.update_entry(IDX, ENTRY)),
    ("delete_entry", lambda: sc.delete_entry(IDX, "s", entry_id="e")),
    ("get_task", lambda: sc.get_task("t1")),
    ("get_task_list", lambda: sc.get_task_list(IDX)),
    ("create_role", lambda: sc.create_role(IDX, {"role_name": "writer", "principal": "urn:globus:auth:identity:u"})),
    ("get_role_list", lambda: sc.get_role_list(IDX)),
    ("delete_role", lambda: sc.delete_role(IDX, "r1")),
]
done = []
for name, call in calls:
    if hasattr(sc, name):
        call()
        done.append(name)
print(json.dumps({"version": globus_sdk.__version__, "calls": done}))
"#;

fn template_matches(template: &str, path: &str) -> bool {
    let t: Vec<&str> = template.trim_matches('/').split('/').collect();
    let p: Vec<&str> = path.trim_matches('/').split('/').collect();
    t.len() == p.len() && t.iter().zip(&p).all(|(a, b)| (a.starts_with('{') && !b.is_empty()) || a == b)
}

#[tokio::test]
async fn the_python_search_client_calls_the_spec_operations() {
    let service = globus_sdk::registry::enabled().into_iter().find(|s| s.name == "search").expect("search is enabled");
    let mut called = std::collections::BTreeSet::new();
    let mut versions = Vec::new();
    for python in crate::local_python::pythons() {
        let s = server().await;
        s.fallback(|_| Reply::json(200, json!({"task_id": "t1", "gmeta": [], "has_next_page": false})));
        let run = tokio::process::Command::new(&python)
            .arg("-c")
            .arg(PYTHON_SEARCH_CALLS)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", std::env::temp_dir())
            .env("SEARCH_URL", s.url())
            .kill_on_drop(true)
            .output();
        let output = tokio::time::timeout(Duration::from_secs(120), run).await.expect("python finished").unwrap();
        let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        assert!(output.status.success(), "{}: {stdout}\n{stderr}", python.display());
        let summary: Value = serde_json::from_str(stdout.lines().last().unwrap_or_default()).unwrap();
        let version = summary["version"].as_str().unwrap().to_string();
        let calls: Vec<String> = serde_json::from_value(summary["calls"].clone()).unwrap();
        let requests = s.requests();
        assert_eq!(requests.len(), calls.len(), "{version}: one request per method");
        for (name, request) in calls.iter().zip(&requests) {
            let matching: Vec<&str> = service
                .operations
                .iter()
                .filter(|o| o.method.eq_ignore_ascii_case(&request.method) && template_matches(o.path, &request.path))
                .map(|o| o.id)
                .collect();
            assert_eq!(matching, [name.as_str()], "{version} {name}: {} {}", request.method, request.path);
            called.insert(name.clone());
        }
        eprintln!("python search calls: globus-sdk {version}: {} methods, each its spec operation", calls.len());
        versions.push(version);
    }
    if versions.iter().any(|v| v.starts_with("3.")) && versions.iter().any(|v| !v.starts_with("3.")) {
        let all: std::collections::BTreeSet<String> = service.operations.iter().map(|o| o.id.to_string()).collect();
        assert_eq!(called, all, "the Python versions together call every spec operation, and only those");
    }
}

//! Paging: every paginated operation of every spec walked over three pages on a loopback
//! server (driven from the spec's `x-globus-paging`, so a new service is covered without a
//! line here), and the stream's rules (page sizes, ceilings, loops, errors) on real operations.

use crate::common::*;
use futures::{StreamExt, TryStreamExt};
use globus_sdk::authorizers::NullAuthorizer;
use globus_sdk::paging::{PagingMeta, PagingStyle};
use globus_sdk::testing::{RecordedRequest, Reply, ScriptedServer};
use globus_sdk::transport::RetryPolicy;
use serde_json::{Value, json};

const PER_PAGE: usize = 2;
const PAGES: usize = 3;

/// The value of the paging parameter `name` in the request (query or JSON body).
fn param(r: &RecordedRequest, meta: &PagingMeta, name: Option<&str>) -> Option<String> {
    let name = name?;
    if meta.in_body {
        match &r.json()[name] {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        }
    } else {
        r.query_param(name).map(str::to_string)
    }
}

/// Which page (0, 1, 2) the request asks for.
fn page_index(r: &RecordedRequest, meta: &PagingMeta) -> usize {
    match meta.style {
        PagingStyle::LimitOffset | PagingStyle::HasNextOffset => {
            param(r, meta, meta.cursor).map_or(0, |o| o.parse::<usize>().unwrap() / PER_PAGE)
        }
        PagingStyle::JsonApiLinks => r.query_param("page").map_or(0, |p| p.parse().unwrap()),
        _ => param(r, meta, meta.cursor).map_or(0, |c| c.trim_start_matches('c').parse().unwrap()),
    }
}

/// Page `index` of the operation, in its style, built from the spec's sample documents.
fn page(meta: &PagingMeta, index: usize, base: &str, path: &str) -> Value {
    let mut doc: Value = serde_json::from_str(meta.sample_page).unwrap();
    let item: Value = serde_json::from_str(meta.sample_item).unwrap();
    doc[meta.items] = Value::Array(vec![item; PER_PAGE]);
    let last = index + 1 == PAGES;
    if let Some(count) = meta.count {
        doc[count] = json!(PER_PAGE);
    }
    if let Some(has_next) = meta.has_next {
        doc[has_next] = json!(!last);
    }
    match meta.style {
        PagingStyle::LimitOffset => doc[meta.total.unwrap()] = json!(PER_PAGE * PAGES),
        PagingStyle::HasNextOffset => {}
        PagingStyle::JsonApiLinks => {
            let next = if last { Value::Null } else { json!(format!("{base}{path}?page={}", index + 1)) };
            set_dotted(&mut doc, meta.next.unwrap(), next);
        }
        _ => {
            let next = if last { Value::Null } else { json!(format!("c{}", index + 1)) };
            set_dotted(&mut doc, meta.next.unwrap(), next);
        }
    }
    doc
}

#[tokio::test]
async fn every_paginated_operation_of_every_spec_walks_three_pages() {
    let mut walked = Vec::new();
    for service in globus_sdk::registry::enabled() {
        for op in service.operations.iter() {
            let Some(meta) = op.paging else { continue };
            let server = server().await;
            let base = server.url();
            server.fallback(move |r| {
                let index = page_index(r, meta);
                Reply::json(200, page(meta, index, &base, &r.path))
            });
            let probe = (service.paging_probe)(&server.url(), op.id)
                .unwrap_or_else(|| panic!("{}.{}: no stream", service.name, op.id))
                .unwrap_or_else(|e| panic!("{}.{}: {e}", service.name, op.id));
            let counts: Vec<usize> = probe
                .try_collect()
                .await
                .unwrap_or_else(|e| panic!("{}.{} ({:?}): {e}", service.name, op.id, meta.style));
            let here = format!("{}.{} ({:?})", service.name, op.id, meta.style);
            assert_eq!(counts, vec![PER_PAGE; PAGES], "{here}: three pages of two");
            let requests = server.requests();
            assert_eq!(requests.len(), PAGES, "{here}: one request a page");
            for (i, r) in requests.iter().enumerate() {
                assert_eq!(r.method, op.method, "{here}");
                assert_eq!(page_index(r, meta), i, "{here}: request {i} asks for page {i}");
                if let (Some(size), Some(default)) = (meta.size, meta.default_size) {
                    let sent = param(r, meta, Some(size)).unwrap_or_else(|| panic!("{here}: no {size}"));
                    let room = meta.max_total.map_or(u64::MAX, |c| c - (i * PER_PAGE) as u64);
                    assert_eq!(sent, default.min(room).to_string(), "{here}: the page size, within the ceiling");
                }
            }
            walked.push(format!("{}.{}", service.name, op.id));
        }
    }
    // Transfer has 14 paginated operations, the GCS-shaped test service 1 (query marker with
    // has_next_page), the Search-shaped one 2 (offset and marker in the JSON body).
    assert!(walked.len() >= 17, "{walked:?}");
}

#[test]
fn every_paginated_operation_has_its_paging_facts() {
    for service in globus_sdk::registry::enabled() {
        for op in service.operations {
            if let Some(meta) = op.paging {
                assert_eq!(meta.operation, op.id);
                assert!(!meta.items.is_empty());
                match meta.style {
                    PagingStyle::JsonApiLinks => assert!(meta.cursor.is_none() && meta.next.is_some(), "{}", op.id),
                    PagingStyle::LimitOffset => assert!(meta.cursor.is_some() && meta.total.is_some(), "{}", op.id),
                    PagingStyle::HasNextOffset => {
                        assert!(meta.cursor.is_some() && meta.has_next.is_some(), "{}", op.id)
                    }
                    _ => assert!(meta.cursor.is_some() && meta.next.is_some(), "{}", op.id),
                }
            }
        }
    }
}

fn transfer(s: &ScriptedServer) -> globus_sdk::transfer::Client {
    globus_sdk::transfer::Client::builder()
        .base_url(s.url())
        .authorizer(NullAuthorizer)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

fn tasks(from: usize, n: usize) -> Vec<Value> {
    (from..from + n).map(|i| json!({"task_id": format!("t{i}"), "status": "SUCCEEDED", "type": "TRANSFER"})).collect()
}

fn offset_of(r: &RecordedRequest) -> usize {
    r.query_param("offset").map_or(0, |o| o.parse().unwrap())
}

#[tokio::test]
async fn the_page_size_set_on_the_request_is_kept() {
    let s = server().await;
    s.always("GET", "/v0.10/task_list", |r| {
        let o = offset_of(r);
        Reply::json(200, json!({"DATA": tasks(o, 7.min(20 - o)), "total": 20}))
    });
    let all: Vec<_> = transfer(&s).task_list().limit(7).into_stream().items().try_collect().await.unwrap();
    assert_eq!(all.len(), 20);
    let sizes: Vec<_> = s.requests().iter().map(|r| r.query_param("limit").unwrap().to_string()).collect();
    assert_eq!(sizes, ["7", "7", "7"]);
}

#[tokio::test]
async fn a_page_size_above_the_maximum_is_an_error_not_a_silent_change() {
    let s = server().await;
    let results: Vec<_> = transfer(&s).task_list().limit(5000).into_stream().items().collect().await;
    assert_eq!(results.len(), 1);
    let e = results[0].as_ref().unwrap_err();
    assert_eq!(e.kind(), globus_sdk::ErrorKind::InvalidRequest);
    assert!(e.to_string().contains("5000") && e.to_string().contains("1000"), "{e}");
    assert!(s.requests().is_empty(), "nothing sent");
}

#[tokio::test]
async fn the_service_ceiling_shrinks_the_last_page_and_ends_the_stream() {
    // Transfer's task_list serves the first 1000 tasks: offset + limit never passes it.
    let s = server().await;
    s.always("GET", "/v0.10/task_list", |r| {
        let (o, l): (usize, usize) = (offset_of(r), r.query_param("limit").unwrap().parse().unwrap());
        Reply::json(200, json!({"DATA": tasks(o, l), "total": 5000}))
    });
    let all: Vec<_> = transfer(&s).task_list().limit(300).into_stream().items().try_collect().await.unwrap();
    assert_eq!(all.len(), 1000);
    let asked: Vec<(usize, String)> =
        s.requests().iter().map(|r| (offset_of(r), r.query_param("limit").unwrap().to_string())).collect();
    assert_eq!(
        asked,
        [(0, "300".into()), (300, "300".into()), (600, "300".into()), (900, "100".into())],
        "the last page is shrunk to end at the ceiling, without an error"
    );
}

#[tokio::test]
async fn a_repeated_cursor_ends_the_stream_with_an_error() {
    let s = server().await;
    s.always("GET", "/v0.10/task/t1/successful_transfers", |_| {
        // A buggy service that always hands out the same marker.
        Reply::json(200, json!({"DATA": [{"source_path": "/a"}], "next_marker": "same"}))
    });
    let results: Vec<_> = transfer(&s).task_successful_transfers().task_id("t1").into_stream().items().collect().await;
    assert_eq!(s.requests().len(), 2, "the first page, then the page of the marker; the repeat ends it");
    assert_eq!(results.len(), 3, "two items, then the error");
    let e = results[2].as_ref().unwrap_err();
    assert!(e.to_string().contains("sent before"), "{e}");
}

#[tokio::test]
async fn an_empty_page_with_a_marker_is_followed() {
    let s = server().await;
    s.always("GET", "/v0.10/task/t1/successful_transfers", |r| {
        let body = match r.query_param("marker") {
            None => json!({"DATA": [{"source_path": "/a"}], "next_marker": "m1"}),
            Some("m1") => json!({"DATA": [], "next_marker": "m2"}),
            _ => json!({"DATA": [{"source_path": "/b"}], "next_marker": null}),
        };
        Reply::json(200, body)
    });
    let all: Vec<_> =
        transfer(&s).task_successful_transfers().task_id("t1").into_stream().items().try_collect().await.unwrap();
    assert_eq!(all.len(), 2, "nothing lost after the empty page");
    assert_eq!(s.requests().len(), 3);
}

#[tokio::test]
async fn an_empty_offset_page_that_claims_more_is_an_error() {
    let s = server().await;
    s.always("GET", "/v0.10/task_list", |r| {
        let o = offset_of(r);
        let data = if o == 0 { tasks(0, 2) } else { Vec::new() };
        Reply::json(200, json!({"DATA": data, "total": 10}))
    });
    let results: Vec<_> = transfer(&s).task_list().limit(2).into_stream().items().collect().await;
    assert_eq!(results.len(), 3);
    assert!(results[2].as_ref().unwrap_err().to_string().contains("empty page"), "{:?}", results[2]);
}

#[tokio::test]
async fn a_next_page_without_its_marker_is_an_error() {
    let s = server().await;
    s.always("GET", "/v0.10/endpoint_manager/task_list", |_| {
        Reply::json(200, json!({"DATA": tasks(0, 1), "has_next_page": true}))
    });
    let results: Vec<_> = transfer(&s).endpoint_manager_task_list().into_stream().items().collect().await;
    assert_eq!(results.len(), 2);
    assert!(results[1].as_ref().unwrap_err().to_string().contains("last_key"), "{:?}", results[1]);
}

#[tokio::test]
async fn max_items_stops_early() {
    let s = server().await;
    s.always("GET", "/v0.10/task_list", |r| {
        let o = offset_of(r);
        Reply::json(200, json!({"DATA": tasks(o, 10), "total": 100}))
    });
    let some: Vec<_> =
        transfer(&s).task_list().limit(10).into_stream().max_items(12).items().try_collect().await.unwrap();
    assert_eq!(some.len(), 12);
    assert_eq!(s.requests().len(), 2, "no page past the one that reaches the limit");
}

#[tokio::test]
async fn max_items_of_zero_yields_nothing_and_sends_nothing() {
    let s = server().await;
    s.always("GET", "/v0.10/task_list", |r| Reply::json(200, json!({"DATA": tasks(offset_of(r), 10), "total": 100})));
    let none: Vec<_> =
        transfer(&s).task_list().limit(10).into_stream().max_items(0).items().try_collect().await.unwrap();
    assert!(none.is_empty());
    assert!(s.requests().is_empty(), "{:?}", s.requests());
}

#[tokio::test]
async fn an_error_comes_after_what_was_fetched() {
    let s = server().await;
    s.always("GET", "/v0.10/task_list", |r| {
        let o = offset_of(r);
        if o >= 20 {
            Reply::json(500, json!({"code": "Broken", "request_id": "p-1"}))
        } else {
            Reply::json(200, json!({"DATA": tasks(o, 10), "total": 25}))
        }
    });
    let results: Vec<_> = transfer(&s).task_list().limit(10).into_stream().items().collect().await;
    assert_eq!(results.len(), 21, "twenty items, then the error, then the end");
    assert!(results[..20].iter().all(Result::is_ok));
    let e = results[20].as_ref().unwrap_err();
    assert_eq!((e.http_status(), e.request_id(), e.code()), (Some(500), Some("p-1"), Some("Broken")));
}

#[tokio::test]
async fn a_stream_owns_what_it_needs_and_can_be_spawned() {
    let s = server().await;
    s.always("GET", "/v0.10/task_list", |r| {
        let o = offset_of(r);
        Reply::json(200, json!({"DATA": tasks(o, 5), "total": 15}))
    });
    let stream = {
        let client = transfer(&s);
        client.task_list().filter("type:TRANSFER").limit(5).into_stream().items()
        // The client and the request builder are dropped here.
    };
    let handle = tokio::spawn(async move { stream.try_collect::<Vec<_>>().await });
    let all = handle.await.unwrap().unwrap();
    assert_eq!(all.len(), 15);
    assert!(s.requests().iter().all(|r| r.query_param("filter") == Some("type:TRANSFER")));
}

#[tokio::test]
async fn gcs_marker_paging_ends_on_has_next_page() {
    let s = server().await;
    s.always("GET", "/api/collections", |r| {
        let body = match r.query_param("marker") {
            None => json!({"DATA_TYPE": "result#1.0.0", "data": [{"id": "c1"}], "has_next_page": true, "marker": "m1"}),
            _ => json!({"DATA_TYPE": "result#1.0.0", "data": [{"id": "c2"}], "has_next_page": false, "marker": "ignored"}),
        };
        Reply::json(200, body)
    });
    let gcs = globus_sdk::gcs::Client::builder().base_url(s.url()).build().unwrap();
    let ids: Vec<String> =
        gcs.get_collection_list().page_size(1).into_stream().items().map_ok(|c| c.id).try_collect().await.unwrap();
    assert_eq!(ids, ["c1", "c2"], "has_next_page false ends it, whatever the marker");
    assert_eq!(s.requests()[1].query_param("page_size"), Some("1"));
}

#[tokio::test]
async fn body_paging_keeps_the_query_and_stops_at_the_ceiling() {
    // Search pages in the JSON body; the service serves at most 10,000 results.
    let s = server().await;
    s.always("POST", "/v1/index/i1/search", |r| {
        let body = r.json();
        let (offset, limit) = (body["offset"].as_u64().unwrap_or(0), body["limit"].as_u64().unwrap());
        let gmeta: Vec<Value> = (offset..offset + limit).map(|i| json!({"subject": format!("s{i}")})).collect();
        Reply::json(
            200,
            json!({"gmeta": gmeta, "count": limit, "offset": offset, "total": 50_000, "has_next_page": true}),
        )
    });
    let search = globus_sdk::search_shapes::Client::builder().base_url(s.url()).build().unwrap();
    let all: Vec<_> = search
        .post_search()
        .index_id("i1")
        .body_map(|b| b.q("ocean".to_string()).limit(3000))
        .into_stream()
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 10_000, "the ceiling ends the walk without an error");
    let sent: Vec<(u64, u64, String)> = s
        .requests()
        .iter()
        .map(|r| {
            let b = r.json();
            (b["offset"].as_u64().unwrap_or(0), b["limit"].as_u64().unwrap(), b["q"].as_str().unwrap().to_string())
        })
        .collect();
    assert_eq!(
        sent,
        [
            (0, 3000, "ocean".into()),
            (3000, 3000, "ocean".into()),
            (6000, 3000, "ocean".into()),
            (9000, 1000, "ocean".into())
        ]
    );
}

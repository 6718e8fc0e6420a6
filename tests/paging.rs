//! Every Globus paging style, walked over a loopback server with raw requests.

mod common;

use common::*;
use futures::{StreamExt, TryStreamExt};
use globus_sdk::authorizers::NullAuthorizer;
use globus_sdk::paging::{Cursor, JsonPage, Paginator, Style};
use globus_sdk::testing::{RecordedRequest, Reply, ScriptedServer};
use globus_sdk::transport::RetryPolicy;
use serde_json::{Value, json};

const TOTAL: u64 = 25;

fn items(from: u64, to: u64) -> Vec<Value> {
    (from..to.min(TOTAL)).map(|i| json!({"n": i})).collect()
}

fn offset_of(r: &RecordedRequest) -> u64 {
    r.query_param("offset").map_or(0, |o| o.parse().unwrap())
}

/// A paginator over `/list` where `fetch` adds the cursor to the request.
fn walk<'a>(auth: &'a globus_sdk::auth::Client, style: Style<JsonPage>) -> Paginator<'a, JsonPage> {
    Paginator::new(
        move |cursor: Option<Cursor>| async move {
            let mut req = auth.raw_get("/list").query("limit", 10);
            match cursor {
                Some(Cursor::Offset(o)) => req = req.query("offset", o),
                Some(Cursor::Marker(m)) => req = req.query("marker", m),
                Some(Cursor::NextToken(t)) => req = req.query("next_token", t),
                Some(Cursor::LastKey(k)) => req = req.query("last_key", k),
                Some(Cursor::Link(l)) => {
                    let path = l.split_once("/list").map(|(_, rest)| format!("/list{rest}")).unwrap();
                    let (p, q) = path.split_once('?').unwrap();
                    req = auth.raw_get(p);
                    for (k, v) in url::form_urlencoded::parse(q.as_bytes()) {
                        req = req.query(k.to_string(), v);
                    }
                }
                Some(other) => panic!("unexpected cursor {other:?}"),
                None => {}
            }
            let doc: Value = req.send().await?.json()?;
            Ok(JsonPage::new(doc, "DATA"))
        },
        style,
    )
}

async fn setup(
    handler: impl Fn(&RecordedRequest) -> Reply + Send + Sync + 'static,
) -> (ScriptedServer, globus_sdk::auth::Client) {
    let s = server().await;
    s.always("GET", "/list", handler);
    let auth = auth_client(&s, NullAuthorizer, RetryPolicy::none());
    (s, auth)
}

fn numbers(values: &[Value]) -> Vec<u64> {
    values.iter().map(|v| v["n"].as_u64().unwrap()).collect()
}

#[tokio::test]
async fn limit_offset_with_total() {
    let (s, auth) = setup(|r| {
        let o = offset_of(r);
        Reply::json(200, json!({"DATA": items(o, o + 10), "offset": o, "limit": 10, "total": TOTAL}))
    })
    .await;
    let all: Vec<Value> = walk(&auth, Style::limit_offset(|p: &JsonPage| p.value()["total"].as_u64()))
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(numbers(&all), (0..TOTAL).collect::<Vec<_>>());
    let offsets: Vec<u64> = s.requests().iter().map(offset_of).collect();
    assert_eq!(offsets, [0, 10, 20]);
}

#[tokio::test]
async fn has_next_page() {
    let (s, auth) = setup(|r| {
        let o = offset_of(r);
        Reply::json(200, json!({"DATA": items(o, o + 10), "has_next_page": o + 10 < TOTAL}))
    })
    .await;
    let pages: Vec<JsonPage> =
        walk(&auth, Style::has_next_page(|p: &JsonPage| p.value()["has_next_page"].as_bool().unwrap_or(false)))
            .pages()
            .try_collect()
            .await
            .unwrap();
    assert_eq!(pages.len(), 3);
    assert_eq!(s.requests().len(), 3);
}

#[tokio::test]
async fn nullable_marker() {
    let (s, auth) = setup(|r| {
        let from: u64 = r.query_param("marker").map_or(0, |m| m.trim_start_matches('m').parse().unwrap());
        let next = if from + 10 < TOTAL { json!(format!("m{}", from + 10)) } else { Value::Null };
        Reply::json(200, json!({"DATA": items(from, from + 10), "next_marker": next}))
    })
    .await;
    let all: Vec<Value> =
        walk(&auth, Style::marker(|p: &JsonPage| p.value()["next_marker"].as_str().map(String::from)))
            .items()
            .try_collect()
            .await
            .unwrap();
    assert_eq!(all.len(), TOTAL as usize);
    let markers: Vec<Option<String>> = s.requests().iter().map(|r| r.query_param("marker").map(String::from)).collect();
    assert_eq!(markers, [None, Some("m10".into()), Some("m20".into())]);
}

#[tokio::test]
async fn next_token() {
    let (_s, auth) = setup(|r| {
        let from: u64 = r.query_param("next_token").map_or(0, |m| m.parse().unwrap());
        let mut doc = json!({"DATA": items(from, from + 10)});
        if from + 10 < TOTAL {
            doc["next_token"] = json!((from + 10).to_string());
        }
        Reply::json(200, doc)
    })
    .await;
    let all: Vec<Value> =
        walk(&auth, Style::next_token(|p: &JsonPage| p.value()["next_token"].as_str().map(String::from)))
            .items()
            .try_collect()
            .await
            .unwrap();
    assert_eq!(numbers(&all), (0..TOTAL).collect::<Vec<_>>());
}

#[tokio::test]
async fn last_key() {
    let (_s, auth) = setup(|r| {
        let from: u64 = r.query_param("last_key").map_or(0, |m| m.trim_start_matches("k").parse().unwrap());
        Reply::json(200, json!({"DATA": items(from, from + 10), "has_next_page": from + 10 < TOTAL, "last_key": format!("k{}", from + 10)}))
    })
    .await;
    let style = Style::last_key(
        |p: &JsonPage| p.value()["has_next_page"].as_bool().unwrap_or(false),
        |p: &JsonPage| p.value()["last_key"].as_str().map(String::from),
    );
    let all: Vec<Value> = walk(&auth, style).items().try_collect().await.unwrap();
    assert_eq!(all.len(), TOTAL as usize);
}

#[tokio::test]
async fn jsonapi_links_next() {
    let s = server().await;
    let base = s.url();
    s.always("GET", "/list", move |r| {
        let page: u64 = r.query_param("page").map_or(0, |p| p.parse().unwrap());
        let next = if (page + 1) * 10 < TOTAL { json!(format!("{base}/list?page={}", page + 1)) } else { Value::Null };
        Reply::json(200, json!({"DATA": items(page * 10, page * 10 + 10), "links": {"next": next}}))
    });
    let auth = auth_client(&s, NullAuthorizer, RetryPolicy::none());
    let all: Vec<Value> =
        walk(&auth, Style::links_next(|p: &JsonPage| p.value()["links"]["next"].as_str().map(String::from)))
            .items()
            .try_collect()
            .await
            .unwrap();
    assert_eq!(numbers(&all), (0..TOTAL).collect::<Vec<_>>());
}

#[tokio::test]
async fn max_total_stops_early() {
    let (s, auth) = setup(|r| {
        let o = offset_of(r);
        Reply::json(200, json!({"DATA": items(o, o + 10), "total": TOTAL}))
    })
    .await;
    let some: Vec<Value> = walk(&auth, Style::limit_offset(|p: &JsonPage| p.value()["total"].as_u64()))
        .max_total(12)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(numbers(&some), (0..12).collect::<Vec<_>>());
    assert_eq!(s.requests().len(), 2, "no page past the one that reaches the limit");
}

#[tokio::test]
async fn stops_on_a_repeated_cursor() {
    let (s, auth) = setup(|r| {
        let marker = r.query_param("marker");
        // A buggy service that always hands out the same marker.
        Reply::json(200, json!({"DATA": items(0, 3), "next_marker": "same", "seen": marker}))
    })
    .await;
    let all: Vec<Value> =
        walk(&auth, Style::marker(|p: &JsonPage| p.value()["next_marker"].as_str().map(String::from)))
            .items()
            .try_collect()
            .await
            .unwrap();
    assert_eq!(s.requests().len(), 2, "the first page, then the page of the marker; the repeat ends it");
    assert_eq!(all.len(), 6);
}

#[tokio::test]
async fn stops_on_a_missing_cursor() {
    let (s, auth) = setup(|_| Reply::json(200, json!({"DATA": items(0, 10)}))).await;
    let all: Vec<Value> =
        walk(&auth, Style::marker(|p: &JsonPage| p.value()["next_marker"].as_str().map(String::from)))
            .items()
            .try_collect()
            .await
            .unwrap();
    assert_eq!(all.len(), 10);
    assert_eq!(s.requests().len(), 1);
}

#[tokio::test]
async fn an_error_comes_after_what_was_fetched() {
    let (_s, auth) = setup(|r| {
        let o = offset_of(r);
        if o >= 20 {
            Reply::json(500, json!({"code": "Broken", "request_id": "p-1"}))
        } else {
            Reply::json(200, json!({"DATA": items(o, o + 10), "total": TOTAL}))
        }
    })
    .await;
    let results: Vec<Result<Value, globus_sdk::Error>> =
        walk(&auth, Style::limit_offset(|p: &JsonPage| p.value()["total"].as_u64())).items().collect().await;
    assert_eq!(results.len(), 21, "twenty items, then the error, then the end");
    assert!(results[..20].iter().all(Result::is_ok));
    let e = results[20].as_ref().unwrap_err();
    assert_eq!((e.http_status(), e.request_id()), (Some(500), Some("p-1")));
}

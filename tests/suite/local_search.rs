//! The local Globus's Search, through the SDK's Search client over HTTP (and raw HTTP for
//! what a well-behaved client never sends): indexes, ingest tasks, queries with
//! `visible_to`, filters, facets, sort, paging and scroll, deletions, roles, errors in
//! Search's GError shape, hostile input; and the Python SDK's SearchClient with only the
//! environment `LocalGlobus::env_vars` gives.

use std::time::{Duration, Instant};

use futures::TryStreamExt as _;
use globus_sdk::authorizers::AccessTokenAuthorizer;
use globus_sdk::search::types;
use globus_sdk::testing::{LocalGlobus, LocalGlobusBuilder};
use globus_sdk::transport::RetryPolicy;
use serde_json::{Value, json};

const ALL: &str = "urn:globus:auth:scope:search.api.globus.org:all";
const ALICE: &str = "alice@example.org";
const BOB: &str = "bob@example.org";

struct Env {
    local: LocalGlobus,
    alice: globus_sdk::search::Client,
    bob: globus_sdk::search::Client,
    alice_id: String,
    bob_id: String,
}

async fn env() -> Env {
    env_with(LocalGlobus::builder()).await
}

async fn env_with(builder: LocalGlobusBuilder) -> Env {
    let local = builder.user(ALICE, "Alice").user(BOB, "Bob").start().await.unwrap();
    let id_of = |u: &str| local.identities().into_iter().find(|i| i.username == u).unwrap().id;
    Env {
        alice: client(&local, Some(&token(&local, ALICE, ALL))),
        bob: client(&local, Some(&token(&local, BOB, ALL))),
        alice_id: id_of(ALICE),
        bob_id: id_of(BOB),
        local,
    }
}

fn token(local: &LocalGlobus, user: &str, scopes: &str) -> String {
    let tokens = local.issue_tokens(local.native_client().id(), user, scopes, false).unwrap();
    tokens.raw().access_token.expose().to_string()
}

/// A Search client with this token (None: anonymous).
fn client(local: &LocalGlobus, token: Option<&str>) -> globus_sdk::search::Client {
    let builder = globus_sdk::search::Client::builder().config(local.config()).retry_policy(RetryPolicy::none());
    match token {
        Some(t) => builder.authorizer(AccessTokenAuthorizer::new(t)).build().unwrap(),
        None => builder.build().unwrap(),
    }
}

fn body<T: serde::de::DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).unwrap()
}

async fn create_index(c: &globus_sdk::search::Client, name: &str) -> String {
    let doc = c
        .create_index()
        .body(body::<types::IndexCreate>(json!({"display_name": name, "description": "a test index"})))
        .send()
        .await
        .unwrap();
    doc.id.clone()
}

fn entry(subject: &str, content: Value, visible_to: &[&str]) -> Value {
    json!({"subject": subject, "visible_to": visible_to, "content": content})
}

/// Ingest a GMetaList; the task id.
async fn ingest(c: &globus_sdk::search::Client, index: &str, gmeta: Vec<Value>) -> String {
    let doc = json!({"ingest_type": "GMetaList", "ingest_data": {"gmeta": gmeta}});
    let answer = c.ingest().index_id(index).body(body::<types::IngestDocument>(doc)).send().await.unwrap();
    answer.task_id.clone()
}

/// Poll a task until it ends; its document.
async fn wait(c: &globus_sdk::search::Client, task_id: &str) -> types::Task {
    let until = Instant::now() + Duration::from_secs(20);
    loop {
        let task = c.get_task().task_id(task_id).send().await.unwrap().into_inner();
        if !["PENDING", "PROGRESS"].contains(&task.state.as_str()) {
            return task;
        }
        assert!(Instant::now() < until, "task {task_id} still {}", task.state);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn ingest_and_wait(c: &globus_sdk::search::Client, index: &str, gmeta: Vec<Value>) {
    let task = ingest(c, index, gmeta).await;
    assert_eq!(wait(c, &task).await.state, "SUCCESS");
}

async fn post_search(c: &globus_sdk::search::Client, index: &str, doc: Value) -> Value {
    let r = c.post_search().index_id(index).body(body::<types::GSearchRequest>(doc)).send().await.unwrap();
    serde_json::to_value(r.into_inner()).unwrap()
}

fn subjects(result: &Value) -> Vec<String> {
    result["gmeta"].as_array().unwrap().iter().map(|g| g["subject"].as_str().unwrap().to_string()).collect()
}

/// The GError of a failed call: status, code.
fn gerror(e: &globus_sdk::Error) -> (u16, String) {
    let doc = e.json().unwrap_or_else(|| panic!("no JSON error body: {e}"));
    assert_eq!(doc["@datatype"], "GError", "{doc}");
    assert_eq!(doc["status"].as_u64(), e.http_status().map(u64::from), "{doc}");
    assert!(doc["request_id"].is_string() && doc["message"].is_string(), "{doc}");
    (e.http_status().unwrap(), e.code().unwrap_or_default().to_string())
}

fn books() -> Vec<Value> {
    vec![
        entry(
            "book-1",
            json!({"title": "The Quick Brown Fox", "year": 2014, "genre": "fable", "pages": 120}),
            &["public"],
        ),
        entry("book-2", json!({"title": "A Lazy Dog", "year": 2020, "genre": "fable", "pages": 80}), &["public"]),
        entry(
            "book-3",
            json!({"title": "Brown Bears of Alaska", "year": 2018, "genre": "nature", "pages": 300}),
            &["public"],
        ),
        entry(
            "book-4",
            json!({"title": "Foxes and Hounds", "year": 2001, "genre": "nature", "pages": 210}),
            &["public"],
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_runs_as_a_task_then_search_finds_it() {
    let e = env().await;
    let index = create_index(&e.alice, "books").await;
    let shown = e.alice.get_index().index_id(&index).send().await.unwrap().into_inner();
    assert_eq!((shown.status.as_deref(), shown.num_entries), (Some("open"), Some(0)));
    assert_eq!(shown.permissions, ["owner"]);

    let mut gmeta = books();
    gmeta.push(json!({"subject": "book-1", "id": "review", "visible_to": ["public"], "content": {"stars": 5}}));
    let task_id = ingest(&e.alice, &index, gmeta).await;
    let task = wait(&e.alice, &task_id).await;
    assert_eq!((task.state.as_str(), task.task_type.as_deref()), ("SUCCESS", Some("ingest")));
    assert_eq!(task.index_id.as_deref(), Some(index.as_str()));
    assert!(task.completion_date.is_some());

    let found = e.alice.search().index_id(&index).q("brown").send().await.unwrap().into_inner();
    let found = serde_json::to_value(found).unwrap();
    assert_eq!(found["@datatype"], "GSearchResult");
    assert_eq!(subjects(&found).len(), 2);
    assert!(subjects(&found).contains(&"book-1".to_string()) && subjects(&found).contains(&"book-3".to_string()));
    assert_eq!(
        (found["total"].as_u64(), found["count"].as_u64(), found["offset"].as_u64()),
        (Some(2), Some(2), Some(0))
    );
    assert_eq!(found["has_next_page"], false);
    // The exact shape, as the Python SDK's registered responses show it.
    let t = token(&e.local, ALICE, ALL);
    let (status, raw_doc) =
        raw(&e.local, &t, reqwest::Method::GET, &format!("/v1/index/{index}/search?q=quick%20fox"), None).await;
    assert_eq!(status, 200);
    assert_eq!(
        raw_doc,
        json!({
            "@datatype": "GSearchResult", "@version": "2017-09-01", "count": 1, "has_next_page": false, "offset": 0,
            "total": 1,
            "gmeta": [{"@datatype": "GMetaResult", "@version": "2019-08-27", "subject": "book-1", "entries": [{
                "content": {"title": "The Quick Brown Fox", "year": 2014, "genre": "fable", "pages": 120},
                "entry_id": null, "matched_principal_sets": [],
            }]}],
        })
    );

    // Advanced syntax, and the subject and entry lookups.
    let adv = e.alice.search().index_id(&index).q("title:brown AND year:>2015").advanced(true).send().await.unwrap();
    assert_eq!(adv.gmeta.iter().map(|g| g.subject.as_str()).collect::<Vec<_>>(), ["book-3"]);
    let subject = e.alice.get_subject().index_id(&index).subject("book-1").send().await.unwrap();
    assert_eq!(subject.entries.len(), 2);
    let review = e.alice.get_entry().index_id(&index).subject("book-1").entry_id("review").send().await.unwrap();
    assert_eq!(review.entries[0].content["stars"], 5);
    let default = e.alice.get_entry().index_id(&index).subject("book-1").send().await.unwrap();
    assert_eq!(default.entries[0].entry_id, None);
    let counted = e.alice.get_index().index_id(&index).send().await.unwrap();
    assert_eq!((counted.num_subjects, counted.num_entries), (Some(4), Some(5)));

    // Re-ingesting an entry replaces it.
    ingest_and_wait(&e.alice, &index, vec![entry("book-2", json!({"title": "A Busy Dog"}), &["public"])]).await;
    let dog = e.alice.get_entry().index_id(&index).subject("book-2").send().await.unwrap();
    assert_eq!(dog.entries[0].content["title"], "A Busy Dog");
    assert!(e.alice.search().index_id(&index).q("lazy").send().await.unwrap().gmeta.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_move_from_pending_to_their_end_observably() {
    let e = env_with(LocalGlobus::builder().search_task_delay(Duration::from_secs(1))).await;
    let index = create_index(&e.alice, "slow").await;
    let task_id = ingest(&e.alice, &index, books()).await;
    let first = e.alice.get_task().task_id(&task_id).send().await.unwrap();
    assert_eq!(first.state, "PENDING");
    assert_eq!(first.completion_date, None);
    assert!(e.alice.search().index_id(&index).q("*").send().await.unwrap().gmeta.is_empty(), "not written yet");
    let mut states = vec![first.state.clone()];
    let until = Instant::now() + Duration::from_secs(20);
    while !["SUCCESS", "FAILED"].contains(&states.last().unwrap().as_str()) {
        assert!(Instant::now() < until);
        tokio::time::sleep(Duration::from_millis(20)).await;
        let state = e.alice.get_task().task_id(&task_id).send().await.unwrap().into_inner().state;
        if states.last() != Some(&state) {
            states.push(state);
        }
    }
    assert_eq!(states, ["PENDING", "PROGRESS", "SUCCESS"]);
    assert_eq!(e.alice.search().index_id(&index).q("*").send().await.unwrap().gmeta.len(), 4);

    // A batch that breaks a limit fails whole, with the reason.
    let many: Vec<Value> = (0..11)
        .map(|i| json!({"subject": "crowded", "id": format!("e{i}"), "visible_to": ["public"], "content": {"i": i}}))
        .collect();
    let failed = wait(&e.alice, &ingest(&e.alice, &index, many).await).await;
    assert_eq!(failed.state, "FAILED");
    assert!(failed.message.as_deref().unwrap().contains("more than 10 entries"), "{:?}", failed.message);
    let list = e.alice.get_task_list().index_id(&index).send().await.unwrap().into_inner();
    let listed: Vec<(&str, &str)> = list.tasks.iter().map(|t| (t.task_id.as_str(), t.state.as_str())).collect();
    assert_eq!(listed, [(failed.task_id.as_str(), "FAILED"), (task_id.as_str(), "SUCCESS")], "newest first");
    assert_eq!(list.index_id.as_deref(), Some(index.as_str()));

    // Deleting the index cancels what is still pending.
    let pending = ingest(&e.alice, &index, books()).await;
    e.alice.delete_index().index_id(&index).send().await.unwrap();
    let task = e.alice.get_task().task_id(&pending).send().await.unwrap();
    assert_eq!(task.state, "CANCELLED");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visible_to_hides_private_entries_from_others() {
    let e = env().await;
    let index = create_index(&e.alice, "private").await;
    let alice_urn = format!("urn:globus:auth:identity:{}", e.alice_id);
    ingest_and_wait(
        &e.alice,
        &index,
        vec![
            entry("diary", json!({"text": "secret plans"}), &[alice_urn.as_str()]),
            entry("notice", json!({"text": "public plans"}), &["public"]),
            entry("memo", json!({"text": "member plans"}), &["all_authenticated_users"]),
        ],
    )
    .await;
    let seen = |c: globus_sdk::search::Client| {
        let index = index.clone();
        async move {
            let r = c.search().index_id(&index).q("plans").send().await.unwrap();
            let mut s: Vec<String> = r.gmeta.iter().map(|g| g.subject.clone()).collect();
            s.sort();
            s
        }
    };
    assert_eq!(seen(e.alice.clone()).await, ["diary", "memo", "notice"]);
    assert_eq!(seen(e.bob.clone()).await, ["memo", "notice"]);
    assert_eq!(seen(client(&e.local, None)).await, ["notice"], "no token: public only");

    // The private subject does not exist for others.
    let hidden = e.bob.get_subject().index_id(&index).subject("diary").send().await.unwrap_err();
    assert_eq!(gerror(&hidden), (404, "NotFound.Generic".to_string()));
    assert!(e.alice.get_subject().index_id(&index).subject("diary").send().await.is_ok());

    // Only admins and owners may look past visible_to.
    let doc = json!({"q": "plans", "bypass_visible_to": true});
    let refused = e.bob.post_search().index_id(&index).body(body::<types::GSearchRequest>(doc.clone())).send().await;
    assert_eq!(gerror(&refused.unwrap_err()), (403, "Forbidden.Generic".to_string()));
    let all = post_search(&e.alice, &index, doc).await;
    assert_eq!(all["total"], 3);
    // Once Bob is an admin, he may.
    let bob_urn = format!("urn:globus:auth:identity:{}", e.bob_id);
    let role = body::<types::RoleCreate>(json!({"role_name": "admin", "principal": bob_urn}));
    e.alice.create_role().index_id(&index).body(role).send().await.unwrap();
    let doc = json!({"q": "plans", "bypass_visible_to": true});
    assert_eq!(post_search(&e.bob, &index, doc).await["total"], 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_facets_and_sort() {
    let e = env().await;
    let index = create_index(&e.alice, "books").await;
    ingest_and_wait(&e.alice, &index, books()).await;

    let r = post_search(
        &e.alice,
        &index,
        json!({
            "q": "*",
            "filters": [{"type": "range", "field_name": "year", "values": [{"from": 2010, "to": "*"}]}],
            "facets": [
                {"name": "genres", "field_name": "genre", "type": "terms"},
                {"name": "pages", "field_name": "pages", "type": "sum"},
            ],
            "sort": [{"field_name": "year", "order": "asc"}],
        }),
    )
    .await;
    assert_eq!(subjects(&r), ["book-1", "book-3", "book-2"]);
    let facets = r["facet_results"].as_array().unwrap();
    let genres = facets.iter().find(|f| f["name"] == "genres").unwrap();
    // A range filter is applied after the facets (its post_filter default in this format).
    let buckets: Vec<(String, u64)> = genres["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["value"].as_str().unwrap().to_string(), b["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(buckets, [("fable".to_string(), 2), ("nature".to_string(), 2)]);
    assert_eq!(facets.iter().find(|f| f["name"] == "pages").unwrap()["value"], 710.0);

    // In the query#1.0.0 format filters apply before the facets.
    let r = post_search(
        &e.alice,
        &index,
        json!({
            "@version": "query#1.0.0",
            "q": "*",
            "filters": [
                {"type": "match_any", "field_name": "genre", "values": ["nature"]},
                {"type": "not", "filter": {"type": "range", "field_name": "pages", "values": [{"gt": 250}]}},
            ],
            "facets": [{"name": "genres", "field_name": "genre"}],
            "sort": [{"field_name": "pages", "order": "desc"}],
        }),
    )
    .await;
    assert_eq!(subjects(&r), ["book-4"]);
    assert_eq!(r["facet_results"][0]["buckets"].as_array().unwrap().len(), 1);
    assert_eq!(r["facet_results"][0]["buckets"][0]["value"], "nature");

    // match_all, exists, like, and sort by text descending.
    let r = post_search(
        &e.alice,
        &index,
        json!({"q": "*", "filters": [
            {"type": "match_all", "field_name": "genre", "values": ["fable"]},
            {"type": "like", "field_name": "title", "value": "*dog*"},
        ]}),
    )
    .await;
    assert_eq!(subjects(&r), ["book-2"]);
    let r = post_search(&e.alice, &index, json!({"q": "*", "sort": [{"field_name": "title", "order": "desc"}]})).await;
    assert_eq!(subjects(&r), ["book-1", "book-4", "book-3", "book-2"]);
    // A date histogram over years.
    let r = post_search(
        &e.alice,
        &index,
        json!({"q": "fox*", "facets": [{"name": "n", "field_name": "pages", "type": "numeric_histogram", "size": 2,
            "histogram_range": {"low": 0, "high": 400}}]}),
    )
    .await;
    let counts: Vec<u64> =
        r["facet_results"][0]["buckets"].as_array().unwrap().iter().map(|b| b["count"].as_u64().unwrap()).collect();
    assert_eq!(counts, [1, 1], "fox and foxes (a prefix): 120 and 210 pages");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offset_paging_reaches_the_end_and_stops_at_the_ceiling() {
    let e = env().await;
    let index = create_index(&e.alice, "many").await;
    let docs: Vec<Value> = (0..25).map(|i| entry(&format!("doc-{i:02}"), json!({"n": i}), &["public"])).collect();
    ingest_and_wait(&e.alice, &index, docs).await;

    let page = e.alice.search().index_id(&index).q("*").limit(10).offset(20).send().await.unwrap();
    assert_eq!((page.count, page.has_next_page), (Some(5), Some(false)));
    let page = e.alice.search().index_id(&index).q("*").limit(10).offset(10).send().await.unwrap();
    assert_eq!((page.count, page.has_next_page, page.total), (Some(10), Some(true), Some(25)));

    // The paginator walks every page, GET and POST alike.
    let all: Vec<_> =
        e.alice.search().index_id(&index).q("*").limit(7).into_stream().items().try_collect().await.unwrap();
    let mut names: Vec<String> = all.iter().map(|g| g.subject.clone()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 25);
    let sorted =
        body::<types::GSearchRequest>(json!({"q": "*", "limit": 6, "sort": [{"field_name": "n", "order": "asc"}]}));
    let all: Vec<_> =
        e.alice.post_search().index_id(&index).body(sorted).into_stream().items().try_collect().await.unwrap();
    let order: Vec<String> = all.iter().map(|g| g.subject.clone()).collect();
    assert_eq!(order, (0..25).map(|i| format!("doc-{i:02}")).collect::<Vec<_>>());

    // The ceiling: offset + limit within 10,000, limit at most 10,000.
    for (offset, limit) in [(9_995, 10), (0, 10_001), (10_001, 0)] {
        let err = e.alice.search().index_id(&index).q("*").offset(offset).limit(limit).send().await.unwrap_err();
        let (status, code) = gerror(&err);
        assert_eq!((status, code.as_str()), (400, "BadRequest.Generic"), "{offset} + {limit}");
        assert!(err.message().unwrap().contains("10000"), "{:?}", err.message());
    }
    let edge = e.alice.search().index_id(&index).q("*").offset(9_990).limit(10).send().await.unwrap();
    assert_eq!((edge.count, edge.has_next_page), (Some(0), Some(false)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scroll_walks_every_result_by_marker() {
    let e = env().await;
    let index = create_index(&e.alice, "scroll").await;
    let docs: Vec<Value> =
        (0..23).map(|i| entry(&format!("s{i:02}"), json!({"n": i, "even": i % 2 == 0}), &["public"])).collect();
    ingest_and_wait(&e.alice, &index, docs).await;
    let doc = body::<types::GScrollRequest>(json!({"q": "*", "limit": 5}));
    let first = e.alice.scroll().index_id(&index).body(doc.clone()).send().await.unwrap().into_inner();
    assert_eq!((first.count, first.total, first.has_next_page), (Some(5), Some(23), Some(true)));
    let marker = first.marker.clone().unwrap();
    let next = body::<types::GScrollRequest>(json!({"q": "*", "limit": 5, "marker": marker}));
    let second = e.alice.scroll().index_id(&index).body(next).send().await.unwrap();
    assert_eq!(second.gmeta[0].subject, "s05");

    let all: Vec<_> = e.alice.scroll().index_id(&index).body(doc).into_stream().items().try_collect().await.unwrap();
    let names: Vec<String> = all.iter().map(|g| g.subject.clone()).collect();
    assert_eq!(names, (0..23).map(|i| format!("s{i:02}")).collect::<Vec<_>>());
    let evens = body::<types::GScrollRequest>(json!({"q": "*", "limit": 4,
        "filters": [{"type": "match_any", "field_name": "even", "values": [true]}]}));
    let all: Vec<_> = e.alice.scroll().index_id(&index).body(evens).into_stream().items().try_collect().await.unwrap();
    assert_eq!(all.len(), 12);

    let bad = body::<types::GScrollRequest>(json!({"q": "*", "marker": "not-a-marker"}));
    let err = e.alice.scroll().index_id(&index).body(bad).send().await.unwrap_err();
    assert_eq!(gerror(&err).0, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deletions_by_subject_entry_and_query() {
    let e = env().await;
    let index = create_index(&e.alice, "deletions").await;
    let mut docs = books();
    docs.push(json!({"subject": "book-1", "id": "review", "visible_to": ["public"], "content": {"stars": 4}}));
    ingest_and_wait(&e.alice, &index, docs).await;
    let count = |c: globus_sdk::search::Client| {
        let index = index.clone();
        async move { c.search().index_id(&index).q("*").send().await.unwrap().total.unwrap() }
    };

    let by_subjects = body::<types::BatchDeleteBySubject>(json!({"subjects": ["book-2", "nope"]}));
    let t = e.alice.batch_delete_by_subject().index_id(&index).body(by_subjects).send().await.unwrap();
    let task = wait(&e.alice, &t.task_id).await;
    assert_eq!((task.state.as_str(), task.task_type.as_deref()), ("SUCCESS", Some("delete-by-subject")));
    assert_eq!(count(e.alice.clone()).await, 3);

    let t = e.alice.delete_entry().index_id(&index).subject("book-1").entry_id("review").send().await.unwrap();
    assert_eq!(wait(&e.alice, &t.task_id).await.state, "SUCCESS");
    assert_eq!(e.alice.get_subject().index_id(&index).subject("book-1").send().await.unwrap().entries.len(), 1);

    let t = e.alice.delete_subject().index_id(&index).subject("book-1").send().await.unwrap();
    assert_eq!(wait(&e.alice, &t.task_id).await.state, "SUCCESS");
    assert_eq!(count(e.alice.clone()).await, 2);

    let query = body::<types::DeleteByQuery>(json!({"q": "*",
        "filters": [{"type": "match_any", "field_name": "genre", "values": ["nature"]}]}));
    let t = e.alice.delete_by_query().index_id(&index).body(query).send().await.unwrap();
    let task = wait(&e.alice, &t.task_id).await;
    assert_eq!((task.state.as_str(), task.task_type.as_deref()), ("SUCCESS", Some("delete-by-query")));
    assert_eq!(count(e.alice.clone()).await, 0);
    let gone = e.alice.get_entry().index_id(&index).subject("book-3").send().await.unwrap_err();
    assert_eq!(gerror(&gone).0, 404);

    // A writer deletes by query only what it may see; looking past visible_to is for admins.
    let alice_urn = format!("urn:globus:auth:identity:{}", e.alice_id);
    let bob_urn = format!("urn:globus:auth:identity:{}", e.bob_id);
    let role = body::<types::RoleCreate>(json!({"role_name": "writer", "principal": bob_urn}));
    e.alice.create_role().index_id(&index).body(role).send().await.unwrap();
    ingest_and_wait(
        &e.alice,
        &index,
        vec![
            entry("mine", json!({"kind": "note"}), &[alice_urn.as_str()]),
            entry("ours", json!({"kind": "note"}), &["public"]),
        ],
    )
    .await;
    let everything = || body::<types::DeleteByQuery>(json!({"q": "note"}));
    let t = e.bob.delete_by_query().index_id(&index).body(everything()).send().await.unwrap();
    assert_eq!(wait(&e.bob, &t.task_id).await.state, "SUCCESS");
    let left = post_search(&e.alice, &index, json!({"q": "note", "fields": ["content", "visible_to"]})).await;
    assert_eq!(subjects(&left), ["mine"], "Bob could not see Alice's note, so did not delete it");
    assert_eq!(left["gmeta"][0]["entries"][0]["visible_to"], json!([alice_urn]));
    let bypass = body::<types::DeleteByQuery>(json!({"q": "note", "bypass_visible_to": true}));
    let err = e.bob.delete_by_query().index_id(&index).body(bypass).send().await.unwrap_err();
    assert_eq!(gerror(&err), (403, "Forbidden.Generic".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_decide_who_writes_reads_tasks_and_manages() {
    let e = env().await;
    let index = create_index(&e.alice, "roles").await;
    let doc = || {
        body::<types::IngestDocument>(json!({"ingest_type": "GMetaEntry",
        "ingest_data": entry("x", json!({"v": 1}), &["public"])}))
    };

    // Bob has no role: no ingest, no tasks, no roles.
    let err = e.bob.ingest().index_id(&index).body(doc()).send().await.unwrap_err();
    assert_eq!(gerror(&err), (403, "Forbidden.Generic".to_string()));
    assert_eq!(err.json().unwrap()["message"], "ingest request denied by service");
    assert!(err.json().unwrap()["error_data"]["cause"].is_string());
    let err = e.bob.get_role_list().index_id(&index).send().await.unwrap_err();
    assert_eq!(gerror(&err).0, 403);

    // A writer may ingest and read tasks, not manage roles.
    let bob_urn = format!("urn:globus:auth:identity:{}", e.bob_id);
    let role = body::<types::RoleCreate>(json!({"role_name": "writer", "principal": bob_urn}));
    let writer = e.alice.create_role().index_id(&index).body(role).send().await.unwrap().into_inner();
    assert_eq!((writer.role_name.as_str(), writer.principal_type.as_deref()), ("writer", Some("identity")));
    let t = e.bob.ingest().index_id(&index).body(doc()).send().await.unwrap();
    assert_eq!(wait(&e.bob, &t.task_id).await.state, "SUCCESS");
    assert_eq!(gerror(&e.bob.get_role_list().index_id(&index).send().await.unwrap_err()).0, 403);
    let listed = e.bob.index_list().send().await.unwrap().into_inner();
    let mine: Vec<_> = listed.index_list.iter().map(|i| (i.id.as_str(), i.permissions.clone())).collect();
    assert_eq!(mine, [(index.as_str(), vec!["writer".to_string()])]);

    // Alice lists, removes Bob's role; he is refused again.
    let roles = e.alice.get_role_list().index_id(&index).send().await.unwrap().into_inner().role_list;
    assert_eq!(roles.iter().map(|r| r.role_name.as_str()).collect::<Vec<_>>(), ["owner", "writer"]);
    let deleted = e.alice.delete_role().index_id(&index).role_id(&writer.id).send().await.unwrap();
    assert_eq!(deleted.success, Some(true));
    assert_eq!(gerror(&e.bob.ingest().index_id(&index).body(doc()).send().await.unwrap_err()).0, 403);

    // The last owner stays; a missing role is a 404.
    let owner = roles.iter().find(|r| r.role_name == "owner").unwrap();
    let err = e.alice.delete_role().index_id(&index).role_id(&owner.id).send().await.unwrap_err();
    assert_eq!(gerror(&err).0, 409);
    let err = e.alice.delete_role().index_id(&index).role_id("nope").send().await.unwrap_err();
    assert_eq!(gerror(&err), (404, "NotFound.Generic".to_string()));

    // An ingest-only token writes but does not manage; a search-only token reads only.
    let ingest_only =
        client(&e.local, Some(&token(&e.local, ALICE, "urn:globus:auth:scope:search.api.globus.org:ingest")));
    assert!(ingest_only.ingest().index_id(&index).body(doc()).send().await.is_ok());
    let err = ingest_only
        .create_index()
        .body(body::<types::IndexCreate>(json!({"display_name": "n", "description": "d"})))
        .send()
        .await;
    assert_eq!(gerror(&err.unwrap_err()), (403, "Forbidden.Generic".to_string()));
    let search_only =
        client(&e.local, Some(&token(&e.local, ALICE, "urn:globus:auth:scope:search.api.globus.org:search")));
    assert!(search_only.search().index_id(&index).q("*").send().await.is_ok());
    assert_eq!(gerror(&search_only.ingest().index_id(&index).body(doc()).send().await.unwrap_err()).0, 403);
    // Anonymous callers query, never write.
    let anonymous = client(&e.local, None);
    assert_eq!(gerror(&anonymous.ingest().index_id(&index).body(doc()).send().await.unwrap_err()).0, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn index_lifecycle_and_limits() {
    let e = env_with(LocalGlobus::builder().search_index_limit(2)).await;
    let first = create_index(&e.alice, "one").await;
    create_index(&e.alice, "two").await;
    let err = e
        .alice
        .create_index()
        .body(body::<types::IndexCreate>(json!({"display_name": "three", "description": "d"})))
        .send()
        .await
        .unwrap_err();
    assert_eq!(gerror(&err), (409, "Conflict.LimitExceeded".to_string()));
    assert!(err.json().unwrap()["error_data"]["constraint"].is_string());

    let update = body::<types::IndexUpdate>(json!({"display_name": "renamed"}));
    let updated = e.alice.update_index().index_id(&first).body(update).send().await.unwrap();
    assert_eq!((updated.display_name.as_str(), updated.description.as_deref()), ("renamed", Some("a test index")));

    let deleted = e.alice.delete_index().index_id(&first).send().await.unwrap();
    assert_eq!((deleted.index_id.as_deref(), deleted.acknowledged), (Some(first.as_str()), Some(true)));
    let shown = e.alice.get_index().index_id(&first).send().await.unwrap();
    assert_eq!(shown.status.as_deref(), Some("delete-pending"));
    let err = e.alice.search().index_id(&first).q("*").send().await.unwrap_err();
    assert_eq!(gerror(&err), (409, "Conflict.IncompatibleIndexStatus".to_string()));
    let err = e.alice.delete_index().index_id(&first).send().await.unwrap_err();
    assert_eq!(
        err.message(),
        Some("Index status (delete_pending) did not match required status for this operation: open")
    );
    e.alice.reopen_index().index_id(&first).send().await.unwrap();
    let err = e.alice.reopen_index().index_id(&first).send().await.unwrap_err();
    assert_eq!(
        err.message(),
        Some("Index status (open) did not match required status for this operation: delete_pending")
    );
    assert!(e.alice.search().index_id(&first).q("*").send().await.is_ok());
    // Only owners delete.
    assert_eq!(gerror(&e.bob.delete_index().index_id(&first).send().await.unwrap_err()).0, 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_come_in_search_gerror_shape() {
    let e = env().await;
    let index = create_index(&e.alice, "errors").await;
    let missing = "00000000-0000-0000-0000-000000000000";
    let err = e.alice.search().index_id(missing).q("*").send().await.unwrap_err();
    assert_eq!(gerror(&err), (404, "NotFound.Generic".to_string()));
    let err = e.alice.get_task().task_id(missing).send().await.unwrap_err();
    assert_eq!(gerror(&err), (404, "NotFound.Generic".to_string()));
    let err = e.alice.search().index_id(&index).q("title:(fox").advanced(true).send().await.unwrap_err();
    assert_eq!(gerror(&err), (400, "BadRequest.Generic".to_string()));
    assert!(err.message().unwrap().contains("not closed"), "{:?}", err.message());
    let err = e.alice.search().index_id(&index).q("fox~2").advanced(true).send().await.unwrap_err();
    assert!(err.message().unwrap().contains("not supported"), "{:?}", err.message());
    // Simple mode never fails on syntax.
    assert!(e.alice.search().index_id(&index).q("title:(fox").send().await.is_ok());

    let bad_token = client(&e.local, Some("not-a-token"));
    assert_eq!(gerror(&bad_token.search().index_id(&index).q("*").send().await.unwrap_err()).0, 401);
    let transfer = token(&e.local, ALICE, "urn:globus:auth:scope:transfer.api.globus.org:all");
    let err = client(&e.local, Some(&transfer)).search().index_id(&index).q("*").send().await.unwrap_err();
    assert_eq!(gerror(&err), (403, "Forbidden.Generic".to_string()));
    assert!(!err.to_string().contains(&transfer) && !format!("{err:?}").contains(&transfer), "tokens stay out");
}

/// Raw HTTP to the local Search: (status, body as JSON).
async fn raw(
    local: &LocalGlobus,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Vec<u8>>,
) -> (u16, Value) {
    let mut request =
        reqwest::Client::new().request(method, format!("{}{path}", local.search_url())).bearer_auth(token);
    if let Some(b) = body {
        request = request.header("content-type", "application/json").body(b);
    }
    let answer = request.send().await.expect("the server answers");
    let status = answer.status().as_u16();
    let text = answer.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_input_is_refused_in_shape_and_never_panics() {
    let e = env().await;
    let index = create_index(&e.alice, "hostile").await;
    ingest_and_wait(&e.alice, &index, books()).await;
    let t = token(&e.local, ALICE, ALL);
    let post = reqwest::Method::POST;
    let search = format!("/v1/index/{index}/search");
    let ingest = format!("/v1/index/{index}/ingest");

    let mut deep_filter = json!({"type": "exists", "field_name": "a"});
    for _ in 0..200 {
        deep_filter = json!({"type": "not", "filter": deep_filter});
    }
    let mut deep_content = json!(1);
    for _ in 0..60 {
        deep_content = json!({"d": deep_content});
    }
    let many_filters: Vec<Value> = (0..2000).map(|_| json!({"type": "exists", "field_name": "a"})).collect();
    let cases: Vec<(&str, String, Vec<u8>, u16)> = vec![
        ("malformed JSON", search.clone(), b"{\"q\": ".to_vec(), 400),
        ("not an object", search.clone(), b"[1, 2, 3]".to_vec(), 400),
        ("empty body", search.clone(), Vec::new(), 400),
        ("huge limit", search.clone(), json!({"q": "*", "limit": 1u64 << 62}).to_string().into_bytes(), 400),
        ("negative offset", search.clone(), json!({"q": "*", "offset": -5}).to_string().into_bytes(), 400),
        ("float limit", search.clone(), json!({"q": "*", "limit": 1.5}).to_string().into_bytes(), 400),
        ("deep filters", search.clone(), json!({"q": "*", "filters": [deep_filter]}).to_string().into_bytes(), 400),
        ("many filters", search.clone(), json!({"q": "*", "filters": many_filters}).to_string().into_bytes(), 400),
        (
            "deep parentheses",
            search.clone(),
            json!({"q": "(".repeat(200), "advanced": true}).to_string().into_bytes(),
            400,
        ),
        ("long query", search.clone(), json!({"q": "fox ".repeat(1000)}).to_string().into_bytes(), 400),
        (
            "huge facet",
            search.clone(),
            json!({"q": "*", "facets": [{"field_name": "a", "size": 1u64 << 40}]}).to_string().into_bytes(),
            400,
        ),
        (
            "geo filter",
            search.clone(),
            json!({"q": "*", "filters": [{"type": "geo_shape", "field_name": "a"}]}).to_string().into_bytes(),
            400,
        ),
        (
            "deep content",
            ingest.clone(),
            json!({"ingest_type": "GMetaEntry", "ingest_data": entry("d", deep_content, &["public"])})
                .to_string()
                .into_bytes(),
            400,
        ),
        (
            "JSON nested past the parser",
            ingest.clone(),
            format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes(),
            400,
        ),
        ("huge body", ingest.clone(), vec![b' '; 17 * 1024 * 1024], 413),
    ];
    for (name, path, bytes, want) in cases {
        let (status, doc) = raw(&e.local, &t, post.clone(), &path, Some(bytes)).await;
        assert_eq!(status, want, "{name}: {doc}");
        assert_eq!(doc["@datatype"], "GError", "{name}: {doc}");
        assert_eq!(doc["status"], want, "{name}");
    }
    // Odd GET parameters and paths.
    for path in [
        format!("/v1/index/{index}/search?q=%FF%FE&limit=abc"),
        format!("/v1/index/{index}/search?limit=5"),
        format!("/v1/index/{index}/subject"),
        format!("/v1/index/{index}/entry?subject=&entry_id=x"),
        "/v1/index/%00/search?q=x".to_string(),
        "/v1/task_list/nope".to_string(),
    ] {
        let (status, doc) = raw(&e.local, &t, reqwest::Method::GET, &path, None).await;
        assert!((400..500).contains(&status), "{path}: {status} {doc}");
        assert_eq!(doc["@datatype"], "GError", "{path}: {doc}");
    }
    let (status, _) =
        raw(&e.local, &t, reqwest::Method::GET, &format!("/v1/index/{index}/search?q=%C3%A9t%C3%A9+%E2%9C%93"), None)
            .await;
    assert_eq!(status, 200, "Unicode queries are fine");
    // The server still answers, and no request reached a panic guard.
    assert_eq!(e.alice.search().index_id(&index).q("fox").send().await.unwrap().gmeta.len(), 1, "fox, not foxes");
    assert!(e.local.requests().iter().all(|r| r.status != Some(500)), "no handler failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_sdk_searches_the_local_search() {
    for python in crate::local_python::pythons() {
        let local = LocalGlobus::start().await.unwrap();
        let summary = crate::local_python::run_script(&python, "python_local_search.py", &local).await;
        assert_eq!(summary["task_state"], "SUCCESS", "{summary}");
        assert_eq!(summary["simple"], json!(["py-1", "py-3"]), "{summary}");
        assert_eq!(summary["filtered"], json!(["py-1", "py-3"]), "deepest first; py-4 is private: {summary}");
        assert_eq!(summary["facet"], json!([["ocean", 1], ["river", 1]]), "{summary}");
        assert_eq!(summary["paged"], 3, "{summary}");
        assert_eq!(summary["scrolled"], 3, "{summary}");
        assert_eq!(summary["missing_code"], "NotFound.Generic", "{summary}");
        assert_eq!(summary["remaining"], json!(["py-1"]), "py-4 is private, py-2 and py-3 deleted: {summary}");
        assert_eq!(summary["tasks"], json!(["delete-by-query", "delete-by-subject", "ingest"]), "{summary}");
        assert_eq!(summary["roles"], json!(["owner"]), "{summary}");
        assert_eq!(
            (summary["listed"].as_bool(), summary["status_after_delete"].as_str()),
            (Some(true), Some("delete-pending"))
        );
        // The Python SDK found Search from GLOBUS_SDK_SERVICE_URL_SEARCH alone.
        let requests = local.requests();
        assert!(requests.iter().any(|r| r.service == "search" && r.path.ends_with("/ingest") && r.status == Some(200)));
        assert!(requests.iter().any(|r| r.service == "search" && r.method == "POST" && r.path.ends_with("/search")));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_tasks_are_bounded_per_index() {
    let e = env_with(LocalGlobus::builder().search_task_delay(Duration::from_secs(30))).await;
    let index = create_index(&e.alice, "flood").await;
    let t = token(&e.local, ALICE, ALL);
    let path = format!("/v1/index/{index}/ingest");
    let doc = json!({"ingest_type": "GMetaEntry", "ingest_data": entry("s", json!({"v": 1}), &["public"])});
    let bytes = doc.to_string().into_bytes();
    let http = reqwest::Client::new();
    let url = format!("{}{path}", e.local.search_url());
    for i in 0..1000 {
        let answer = http.post(&url).bearer_auth(&t).header("content-type", "application/json").body(bytes.clone());
        let status = answer.send().await.unwrap().status().as_u16();
        assert_eq!(status, 200, "task {i}");
    }
    let (status, answer) = raw(&e.local, &t, reqwest::Method::POST, &path, Some(bytes)).await;
    assert_eq!((status, answer["code"].as_str()), (429, Some("TooManyRequests.Generic")), "{answer}");
    // Other indexes are not held up.
    let other = create_index(&e.alice, "calm").await;
    assert!(!ingest(&e.alice, &other, books()).await.is_empty());
    // Stopping does not wait for the thousand tasks (nor for the worker's delay).
    let started = Instant::now();
    drop(e);
    assert!(started.elapsed() < Duration::from_secs(5), "stopped in {:?}", started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_and_writes_run_side_by_side() {
    let e = env().await;
    let index = create_index(&e.alice, "busy").await;
    ingest_and_wait(&e.alice, &index, books()).await;
    let mut jobs = Vec::new();
    for i in 0..8 {
        let (c, index) = (e.alice.clone(), index.clone());
        jobs.push(tokio::spawn(async move {
            let docs: Vec<Value> =
                (0..20).map(|j| entry(&format!("w{i}-{j}"), json!({"batch": i, "n": j}), &["public"])).collect();
            ingest_and_wait(&c, &index, docs).await;
            for _ in 0..10 {
                let r = c.search().index_id(&index).q("fox").send().await.unwrap();
                assert_eq!(r.gmeta.len(), 1);
            }
        }));
    }
    for j in jobs {
        j.await.unwrap();
    }
    let total = e.alice.search().index_id(&index).q("*").limit(0).send().await.unwrap().total;
    assert_eq!(total, Some(4 + 8 * 20));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sdks_query_and_ingest_builders_against_the_local_search() {
    use globus_sdk::search::{
        Facet, Filter, GIngest, GMetaEntry, GMetaList, Range, SearchQuery, SearchScrollQuery, Sort, TaskWaitError,
    };
    let e = env_with(LocalGlobus::builder().search_task_delay(Duration::from_millis(30))).await;
    let index = create_index(&e.alice, "builders").await;
    let list: GMetaList = [
        ("obs-1", json!({"site": "argo", "temp": 11.5, "date": "2020-02-01"})),
        ("obs-2", json!({"site": "argo", "temp": 14.0, "date": "2021-06-15"})),
        ("obs-3", json!({"site": "saildrone", "temp": 9.0, "date": "2021-08-30"})),
        ("obs-4", json!({"site": "buoy", "temp": 20.0, "date": "2019-12-31"})),
    ]
    .into_iter()
    .map(|(s, c)| GMetaEntry::new(s, ["public"], c))
    .collect();
    let submitted = e.alice.ingest().index_id(&index).body(GIngest::list(list)).send().await.unwrap();
    let task = e.alice.wait_for_task(submitted.task_id.clone()).poll_interval(Duration::from_millis(10)).await.unwrap();
    assert_eq!(task.state, "SUCCESS");

    let query = SearchQuery::new()
        .q("*")
        .filter(Filter::match_any("site", ["argo", "saildrone"]))
        .filter(Filter::range("date", [Range::at_least("2021-01-01")]))
        .facet(Facet::terms("site").name("sites"))
        .facet(Facet::avg("temp").name("mean"))
        .facet(Facet::date_histogram("date", "year").name("years"))
        .sort(Sort::desc("temp"));
    let page = e.alice.post_search().index_id(&index).body(&query).send().await.unwrap().into_inner();
    assert_eq!(page.gmeta.iter().map(|g| g.subject.as_str()).collect::<Vec<_>>(), ["obs-2", "obs-3"]);
    let facets = serde_json::to_value(&page.facet_results).unwrap();
    let by_name = |n: &str| facets.as_array().unwrap().iter().find(|f| f["name"] == n).unwrap().clone();
    assert_eq!(by_name("sites")["buckets"][0]["value"], "argo");
    assert_eq!(by_name("sites")["buckets"][0]["count"], 1);
    assert_eq!(by_name("mean")["value"], 11.5);
    let years: Vec<(String, u64)> = by_name("years")["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["value"].as_str().unwrap().to_string(), b["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(years, [("2021-01-01T00:00:00.000Z".to_string(), 2)]);

    // The legacy format: a match_any filter leaves the facets whole unless post_filter is off.
    let legacy = SearchQuery::legacy().q("*").filter(Filter::match_any("site", ["buoy"])).facet(Facet::terms("site"));
    let page = e.alice.post_search().index_id(&index).body(&legacy).send().await.unwrap();
    assert_eq!(page.gmeta.len(), 1);
    assert_eq!(serde_json::to_value(&page.facet_results).unwrap()[0]["buckets"].as_array().unwrap().len(), 3);
    let legacy = SearchQuery::legacy()
        .q("*")
        .filter(Filter::match_any("site", ["buoy"]).post_filter(false))
        .facet(Facet::terms("site"));
    let page = e.alice.post_search().index_id(&index).body(&legacy).send().await.unwrap();
    assert_eq!(serde_json::to_value(&page.facet_results).unwrap()[0]["buckets"].as_array().unwrap().len(), 1);

    let scroll = SearchScrollQuery::new().q("*").limit(3).filter(!Filter::match_any("site", ["buoy"]));
    let all: Vec<_> = e.alice.scroll().index_id(&index).body(scroll).into_stream().items().try_collect().await.unwrap();
    assert_eq!(all.iter().map(|g| g.subject.as_str()).collect::<Vec<_>>(), ["obs-1", "obs-2", "obs-3"]);

    // Role-based filtering: principal_sets on the entries, filter_principal_sets in the query.
    let alice_urn = format!("urn:globus:auth:identity:{}", e.alice_id);
    let curated: GMetaList = [
        GMetaEntry::new("ds-1", ["public"], json!({"kind": "dataset"})).principal_set("curator", [alice_urn.as_str()]),
        GMetaEntry::new("ds-2", ["public"], json!({"kind": "dataset"}))
            .principal_set("curator", ["urn:globus:groups:id:00000000-0000-0000-0000-000000000001"]),
    ]
    .into_iter()
    .collect();
    let submitted = e.alice.ingest().index_id(&index).body(GIngest::list(curated)).send().await.unwrap();
    e.alice.wait_for_task(submitted.task_id.clone()).poll_interval(Duration::from_millis(10)).await.unwrap();
    let mine = SearchQuery::new().q("dataset").filter_principal_sets(["curator"]);
    let page = e.alice.post_search().index_id(&index).body(&mine).send().await.unwrap();
    assert_eq!(page.gmeta.iter().map(|g| g.subject.as_str()).collect::<Vec<_>>(), ["ds-1"]);
    assert_eq!(page.gmeta[0].entries[0].matched_principal_sets, ["curator"]);
    let page = e.bob.post_search().index_id(&index).body(&mine).send().await.unwrap();
    assert!(page.gmeta.is_empty(), "Bob curates nothing");

    // A failing task is a TaskWaitError::Failed with the service's reason.
    let crowded: GMetaList =
        (0..11).map(|i| GMetaEntry::new("crowded", ["public"], json!({"i": i})).id(format!("e{i}"))).collect();
    let submitted = e.alice.ingest().index_id(&index).body(GIngest::list(crowded)).send().await.unwrap();
    match e.alice.wait_for_task(submitted.task_id.clone()).poll_interval(Duration::from_millis(10)).await {
        Err(TaskWaitError::Failed(task)) => assert!(task.message.unwrap().contains("more than 10 entries")),
        other => panic!("{other:?}"),
    }
}

/// Whether `mine` has every field of `registered`, with a value of the same JSON type (a
/// registered `null` takes anything); lists compare their first members. The differences.
fn shape_differences(registered: &Value, mine: &Value, at: &str, out: &mut Vec<String>) {
    match (registered, mine) {
        (Value::Null, _) => {}
        (Value::Object(r), Value::Object(m)) => {
            for (k, v) in r {
                match m.get(k) {
                    Some(mv) => shape_differences(v, mv, &format!("{at}.{k}"), out),
                    None => out.push(format!("{at}.{k} is missing")),
                }
            }
        }
        (Value::Array(r), Value::Array(m)) => {
            if let (Some(r0), Some(m0)) = (r.first(), m.first()) {
                shape_differences(r0, m0, &format!("{at}[0]"), out);
            } else if !r.is_empty() {
                out.push(format!("{at} is empty here"));
            }
        }
        (Value::Number(_), Value::Number(_))
        | (Value::String(_), Value::String(_))
        | (Value::Bool(_), Value::Bool(_)) => {}
        (r, m) => out.push(format!("{at}: registered {r}, here {m}")),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_have_the_shapes_of_the_python_sdks_registered_responses() {
    let Ok(files) = std::env::var("GLOBUS_SDK_FIXTURES") else {
        assert!(
            !std::env::var("GLOBUS_SDK_REQUIRE_FIXTURES").is_ok_and(|v| v == "1"),
            "GLOBUS_SDK_FIXTURES is not set: run scripts/fixtures.sh first"
        );
        eprintln!("local_search shapes: GLOBUS_SDK_FIXTURES not set; nothing checked");
        return;
    };
    for file in files.split(',').filter(|f| !f.is_empty()) {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let registered: Vec<Value> =
            doc["responses"].as_array().unwrap().iter().filter(|r| r["service"] == "search").cloned().collect();
        assert!(registered.len() >= 10, "{file} holds Search's registered responses");
        produce_the_registered_responses(&registered).await;
    }
}

/// Produce each registered response of Search with the local Search (a fresh one), and
/// compare status, code and shape.
async fn produce_the_registered_responses(registered: &[Value]) {
    let e = env().await;
    let (alice, bob) = (token(&e.local, ALICE, ALL), token(&e.local, BOB, ALL));
    let index = create_index(&e.alice, "shapes").await;
    ingest_and_wait(&e.alice, &index, vec![entry("foo-bar", json!({"foo": "bar"}), &["public"])]).await;
    let other = create_index(&e.alice, "to delete").await;
    let (get, post, patch, delete) =
        (reqwest::Method::GET, reqwest::Method::POST, reqwest::Method::PATCH, reqwest::Method::DELETE);
    let json_bytes = |v: Value| Some(v.to_string().into_bytes());
    let principal = "urn:globus:auth:identity:46bd0f56-e24f-11e5-a510-131bef46955c";
    let role_body = json_bytes(json!({"role_name": "writer", "principal": principal}));
    let (_, role) = raw(&e.local, &alice, post.clone(), &format!("/v1/index/{index}/role"), role_body.clone()).await;
    let role_id = role["id"].as_str().unwrap().to_string();

    // Each registered case, produced here: (module, case) -> (status, body).
    let mut checked = 0;
    for order in ["default", "error"] {
        for r in registered {
            let (module, case) = (r["module"].as_str().unwrap(), r["case"].as_str().unwrap());
            if (case == "default") != (order == "default") {
                continue;
            }
            let l = &e.local;
            let (status, mine) = match (module, case) {
                ("batch_delete_by_subject", "default") => {
                    let body = json_bytes(json!({"subjects": ["nothing"]}));
                    raw(l, &alice, post.clone(), &format!("/v1/index/{index}/batch_delete_by_subject"), body).await
                }
                ("create_index", "default") => {
                    let body = json_bytes(json!({"display_name": "n", "description": "d"}));
                    raw(l, &alice, post.clone(), "/v1/index", body).await
                }
                ("create_index", "trial_limit") => {
                    // Alice owns three by now; a fourth is over the trial limit.
                    let body = json_bytes(json!({"display_name": "n", "description": "d"}));
                    raw(l, &alice, post.clone(), "/v1/index", body).await
                }
                ("create_role", "default") => {
                    let body = json_bytes(json!({"role_name": "admin", "principal": principal}));
                    raw(l, &alice, post.clone(), &format!("/v1/index/{index}/role"), body).await
                }
                ("delete_role", "default") => {
                    raw(l, &alice, delete.clone(), &format!("/v1/index/{index}/role/{role_id}"), None).await
                }
                ("get_role_list", "default") => {
                    raw(l, &alice, get.clone(), &format!("/v1/index/{index}/role_list"), None).await
                }
                ("index_list", "default") => raw(l, &alice, get.clone(), "/v1/index_list", None).await,
                ("search", "default") => {
                    raw(l, &alice, get.clone(), &format!("/v1/index/{index}/search?q=bar"), None).await
                }
                ("post_search", "default") => {
                    raw(l, &alice, post.clone(), &format!("/v1/index/{index}/search"), json_bytes(json!({"q": "bar"})))
                        .await
                }
                ("update_index", "default") => {
                    let body = json_bytes(json!({"display_name": "renamed"}));
                    raw(l, &alice, patch.clone(), &format!("/v1/index/{index}"), body).await
                }
                ("update_index", "forbidden") => {
                    let body = json_bytes(json!({"display_name": "renamed"}));
                    raw(l, &bob, patch.clone(), &format!("/v1/index/{index}"), body).await
                }
                ("delete_index", "default") => {
                    raw(l, &alice, delete.clone(), &format!("/v1/index/{other}"), None).await
                }
                ("delete_index", "delete_pending") => {
                    // Reopened by now: delete it, then once more.
                    raw(l, &alice, delete.clone(), &format!("/v1/index/{other}"), None).await;
                    raw(l, &alice, delete.clone(), &format!("/v1/index/{other}"), None).await
                }
                ("reopen_index", "default") => {
                    raw(l, &alice, post.clone(), &format!("/v1/index/{other}/reopen"), None).await
                }
                ("reopen_index", "already_open") => {
                    raw(l, &alice, post.clone(), &format!("/v1/index/{index}/reopen"), None).await
                }
                other => panic!("a registered Search response this test does not produce: {other:?}"),
            };
            let want = r["status"].as_u64().unwrap() as u16;
            assert_eq!(status, want, "{module}[{case}]: {mine}");
            if want >= 400 {
                assert_eq!(mine["code"], r["json"]["code"], "{module}[{case}]: {mine}");
            }
            let mut differences = Vec::new();
            shape_differences(&r["json"], &mine, module, &mut differences);
            assert!(
                differences.is_empty(),
                "{module}[{case}]: {differences:?}\nregistered: {}\nhere: {mine}",
                r["json"]
            );
            checked += 1;
        }
    }
    assert_eq!(checked, registered.len());
}

/// `visible_to` with a group URN follows the local Groups: an active member sees the entry,
/// an invited one or an outsider does not, and a member who leaves stops seeing it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_visibility_follows_the_local_groups() {
    let e = env().await;
    let group = e.local.seed_group("readers", ALICE).unwrap();
    e.local.set_group_membership(&group, BOB, "member", "invited").unwrap();
    let index = create_index(&e.alice, "by group").await;
    let group_urn = format!("urn:globus:groups:id:{group}");
    ingest_and_wait(&e.alice, &index, vec![entry("minutes", json!({"text": "group minutes"}), &[group_urn.as_str()])])
        .await;
    let seen = |c: &globus_sdk::search::Client| {
        let (c, index) = (c.clone(), index.clone());
        async move {
            let r = c.search().index_id(&index).q("minutes").send().await.unwrap();
            r.gmeta.iter().map(|g| g.subject.clone()).collect::<Vec<_>>()
        }
    };
    assert_eq!(seen(&e.alice).await, ["minutes"], "the group's admin is an active member");
    assert!(seen(&e.bob).await.is_empty(), "an invitation is not a membership");
    e.local.set_group_membership(&group, BOB, "member", "active").unwrap();
    assert_eq!(seen(&e.bob).await, ["minutes"]);
    let got = e.bob.get_subject().index_id(&index).subject("minutes").send().await;
    assert!(got.is_ok(), "{got:?}");
    e.local.set_group_membership(&group, BOB, "member", "left").unwrap();
    assert!(seen(&e.bob).await.is_empty(), "a member who left sees no more");
    assert!(seen(&client(&e.local, None)).await.is_empty(), "anonymous: public only");
}

//! The local Transfer's bookmarks, through the SDK's Transfer client over HTTP: the v0.10
//! documents and v2's JSON:API ones over one store, each user's own, paged, bounded.

use futures::TryStreamExt as _;
use globus_sdk::testing::LocalGlobus;
use globus_sdk::transfer::types;

const OWNER: &str = "testuser@example.org";
const ALICE: &str = "alice@example.org";

use crate::common::local_transfer_client as client_for;

async fn local() -> LocalGlobus {
    LocalGlobus::builder().user(ALICE, "Alice").temp_collection("data").start().await.unwrap()
}

fn create_doc(collection: &str, name: &str, path: &str) -> types::BookmarkCreate {
    types::BookmarkCreate {
        data_type: "bookmark".into(),
        endpoint_id: collection.into(),
        name: name.into(),
        path: path.into(),
        pinned: None,
    }
}

fn create_v2(collection: &str, name: &str, path: &str) -> types::BookmarkV2Create {
    types::BookmarkV2Create {
        data: types::BookmarkV2CreateResource {
            attributes: types::BookmarkV2WriteAttributes { name: name.into(), path: path.into() },
            relationships: types::BookmarkV2CreateRelationships {
                collection: types::CollectionRef {
                    data: types::CollectionIdentifier { id: collection.into(), type_: "Collection".into() },
                },
            },
            type_: "Bookmark".into(),
        },
    }
}

#[tokio::test]
async fn v0_bookmarks_are_made_renamed_pinned_and_deleted_by_their_owner_only() {
    let local = local().await;
    let (owner, alice) = (client_for(&local, OWNER), client_for(&local, ALICE));
    let data = local.collection("data").unwrap().id().to_string();

    let made =
        owner.create_bookmark().body(create_doc(&data, "results", "/~/runs/")).send().await.unwrap().into_inner();
    assert_eq!(made.data_type.as_deref(), Some("bookmark"));
    assert_eq!((made.name.as_deref(), made.path.as_deref()), (Some("results"), Some("/~/runs/")));
    assert_eq!((made.endpoint_id.as_deref(), made.pinned), (Some(data.as_str()), Some(false)));

    // Names are unique per user, not across users.
    let e = owner.create_bookmark().body(create_doc(&data, "results", "/~/other/")).send().await.unwrap_err();
    assert_eq!((e.http_status(), e.code()), (Some(409), Some("Exists")));
    alice.create_bookmark().body(create_doc(&data, "results", "/~/")).send().await.unwrap();

    let update =
        types::BookmarkUpdate { data_type: "bookmark".into(), name: Some("final results".into()), pinned: Some(true) };
    let renamed = owner.update_bookmark().bookmark_id(&made.id).body(update).send().await.unwrap().into_inner();
    assert_eq!((renamed.name.as_deref(), renamed.pinned), (Some("final results"), Some(true)));
    let got = owner.get_bookmark().bookmark_id(&made.id).send().await.unwrap().into_inner();
    assert_eq!((got.name.as_deref(), got.path.as_deref()), (Some("final results"), Some("/~/runs/")));
    let listed = owner.bookmark_list().send().await.unwrap().into_inner();
    assert_eq!(listed.data_type.as_deref(), Some("bookmark_list"));
    assert_eq!(listed.data.iter().map(|b| b.id.as_str()).collect::<Vec<_>>(), [made.id.as_str()]);

    // Another user's bookmark is not found, for reading as for deleting.
    let e = alice.get_bookmark().bookmark_id(&made.id).send().await.unwrap_err();
    assert_eq!((e.http_status(), e.code()), (Some(404), Some("BookmarkNotFound")));
    let e = alice.delete_bookmark().bookmark_id(&made.id).send().await.unwrap_err();
    assert_eq!(e.http_status(), Some(404));

    let deleted = owner.delete_bookmark().bookmark_id(&made.id).send().await.unwrap().into_inner();
    assert_eq!(deleted.code, "Deleted");
    assert_eq!(owner.get_bookmark().bookmark_id(&made.id).send().await.unwrap_err().http_status(), Some(404));
    assert!(owner.bookmark_list().send().await.unwrap().into_inner().data.is_empty());
    assert_eq!(alice.bookmark_list().send().await.unwrap().into_inner().data.len(), 1);
}

#[tokio::test]
async fn v2_bookmarks_share_the_store_page_by_links_and_include_their_collection() {
    let local = local().await;
    let owner = client_for(&local, OWNER);
    let data = local.collection("data").unwrap();
    for i in 0..5 {
        let made =
            owner.create_bookmark_v2().body(create_v2(data.id(), &format!("b{i}"), &format!("/~/d{i}/"))).send().await;
        assert_eq!(made.as_ref().map(|r| r.status().as_u16()).ok(), Some(201), "{made:?}");
    }
    // The v0.10 list sees them too.
    assert_eq!(owner.bookmark_list().send().await.unwrap().into_inner().data.len(), 5);

    // Pages of 2 through links.next: every bookmark once, in order.
    let names: Vec<String> = owner
        .list_bookmarks()
        .page_limit(2)
        .include("collection")
        .into_stream()
        .items()
        .map_ok(|b| b.attributes.and_then(|a| a.name).unwrap_or_default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(names, ["b0", "b1", "b2", "b3", "b4"]);
    let pages = local.requests().into_iter().filter(|r| r.path == "/v2/bookmarks" && r.method == "GET").count();
    assert_eq!(pages, 3);

    let first = owner.list_bookmarks().page_limit(2).include("collection").send().await.unwrap().into_inner();
    assert!(first.links.and_then(|l| l.next).is_some_and(|n| n.contains("page%5Bmarker%5D=2")));
    let included = first.included.unwrap();
    assert_eq!(included.len(), 1, "one collection, included once");
    assert_eq!(included[0].attributes.as_ref().and_then(|a| a.display_name.as_deref()), Some("data"));

    // Update both attributes, read it back, delete it.
    let id = first.data[0].id.clone();
    let update = types::BookmarkV2Update {
        data: types::BookmarkV2UpdateResource {
            attributes: types::BookmarkV2WriteAttributes { name: "renamed".into(), path: "/~/elsewhere/".into() },
            type_: "Bookmark".into(),
        },
    };
    owner.update_bookmark_v2().bookmark_id(&id).body(update).send().await.unwrap();
    let got = owner.get_bookmark_v2().bookmark_id(&id).send().await.unwrap().into_inner();
    let attributes = got.data.attributes.unwrap();
    assert_eq!((attributes.name.as_deref(), attributes.path.as_deref()), (Some("renamed"), Some("/~/elsewhere/")));
    let collection = got.data.relationships.and_then(|r| r.collection).and_then(|c| c.data).map(|d| d.id);
    assert_eq!(collection.as_deref(), Some(data.id()));
    owner.delete_bookmark_v2().bookmark_id(&id).send().await.unwrap();
    let e = owner.get_bookmark_v2().bookmark_id(&id).send().await.unwrap_err();
    assert_eq!(e.http_status(), Some(404));
}

#[tokio::test]
async fn hostile_bookmarks_are_refused_without_leaking_the_host() {
    let local = local().await;
    let owner = client_for(&local, OWNER);
    let data = local.collection("data").unwrap();
    let root = data.root().to_string_lossy().into_owned();
    for (name, path) in [
        ("escape", "/~/../../etc/"),
        ("not a directory", "/~/file.txt"),
        ("relative", "runs/"),
        ("nul", "/~/a\0b/"),
        ("", "/~/"),
        ("   ", "/~/"),
        (&"n".repeat(129), "/~/"),
        ("long path", &format!("/{}/", "p".repeat(3000))),
    ] {
        let e = owner.create_bookmark().body(create_doc(data.id(), name, path)).send().await.unwrap_err();
        assert_eq!(e.http_status(), Some(400), "{name:?} {path:?}: {e}");
        assert!(!e.to_string().contains(&root), "{e}");
    }
    let e = owner.create_bookmark().body(create_doc("no-such-collection", "x", "/~/")).send().await.unwrap_err();
    assert_eq!((e.http_status(), e.code()), (Some(404), Some("EndpointNotFound")));

    // Wrong JSON types and shapes, sent raw.
    let raw = |path: &'static str, body: serde_json::Value| {
        globus_sdk::transport::RawRequest::new(&owner, reqwest::Method::POST, path).json(&body).send()
    };
    for body in [
        serde_json::json!({"name": 1, "endpoint_id": data.id(), "path": "/~/"}),
        serde_json::json!([]),
        serde_json::json!("text"),
        serde_json::json!({"name": "a", "endpoint_id": data.id(), "path": "/~/", "pinned": "yes"}),
        serde_json::json!({"DATA_TYPE": "access", "name": "a", "endpoint_id": data.id(), "path": "/~/"}),
    ] {
        let e = raw("/v0.10/bookmark", body.clone()).await.unwrap_err();
        assert_eq!(e.http_status(), Some(400), "{body}: {e}");
    }
    for body in [
        serde_json::json!({"data": []}),
        serde_json::json!({"data": {"type": "Collection", "attributes": {}}}),
        serde_json::json!({"data": {"attributes": {"name": "a", "path": "/~/"}, "relationships": {"collection": {"data": {"id": 7}}}}}),
        serde_json::json!({"data": {"attributes": {"name": "a", "path": "/~/"}}}),
    ] {
        let e = raw("/v2/bookmarks", body.clone()).await.unwrap_err();
        assert_eq!(e.http_status(), Some(400), "{body}: {e}");
    }
    let e = owner.list_bookmarks().page_limit(0).send().await.unwrap_err();
    assert_eq!(e.http_status(), Some(400));
    assert!(owner.bookmark_list().send().await.unwrap().into_inner().data.is_empty(), "nothing was stored");
}

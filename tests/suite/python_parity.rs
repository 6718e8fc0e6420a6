//! TransferData, DeleteData, TransferTimer (with OnceSchedule and RecurringSchedule),
//! TimerJob, the Search query documents and Groups' BatchMembershipActions and GroupPolicies
//! build the documents the Python SDK builds for the same options, and GroupsManager sends the
//! requests (method, path, body) Python's GroupsManager sends.
//!
//! `scripts/test.sh` runs `scripts/python_documents.py` with globus-sdk 3.62 and the newest
//! release and sets `GLOBUS_SDK_PYTHON_DOCUMENTS` to the outputs. Against the newest release
//! (which sends only what was set) the documents must be equal; against 3.62 (which also sends
//! the service defaults) every field we send must be sent alike, at every depth (a timer's
//! transfer body). A document one version does not build (`TimerJob.from_transfer_data`, gone
//! in globus-sdk 4; `FlowTimer`, new in 4) is compared with the versions that do.

use globus_sdk::timers::{FlowTimer, OnceSchedule, RecurringSchedule, TimerJob, TimerSchedule, TransferTimer};
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
    out.extend(timer_documents());
    out
}

fn later() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339("2030-02-03T04:05:06.25Z").unwrap().to_utc()
}

fn timer_documents() -> Vec<(&'static str, Value)> {
    let mut t = TransferData::new(SRC, DST).submission_id("sub-1");
    t.add_item("/a", "/b", false);
    let timer = |schedule: TimerSchedule, name: Option<&str>, data: &TransferData| {
        let timer = TransferTimer::new(schedule, data);
        let timer = match name {
            Some(n) => timer.name(n),
            None => timer,
        };
        serde_json::to_value(timer.to_document().unwrap()).unwrap()
    };
    let mut full = TransferData::new(SRC, DST)
        .submission_id("sub-1")
        .label("nightly")
        .sync_level(SyncLevel::Checksum)
        .verify_checksum(true)
        .deadline(deadline())
        .source_local_user("su");
    full.add_item("/dir/", "/dir/", true).exclude("*.tmp");
    let body = |v: Value| v.as_object().unwrap().clone();
    let job_full = TimerJob::new(
        "https://actions.example.org/run",
        body(serde_json::json!({"body": {"x": 1}})),
        deadline(),
        Some(std::time::Duration::from_secs(3600)),
    )
    .name("hourly")
    .stop_after(later())
    .stop_after_n(5)
    .scope("https://auth.globus.org/scopes/actions.globus.org/transfer/transfer");
    let job_once =
        TimerJob::new("https://actions.example.org/run", body(serde_json::json!({"body": {}})), deadline(), None);
    let mut plain = TransferData::new(SRC, DST);
    plain.add_item("/a", "/b", false);
    let from_data = TimerJob::from_transfer_data(&plain, deadline(), Some(std::time::Duration::from_secs(86400)))
        .unwrap()
        .name("daily");
    let flow = FlowTimer::new(
        RecurringSchedule::new(3600).end_after_runs(24),
        "00000000-0000-0000-0000-0000000000f1",
        body(serde_json::json!({"body": {"input_key": "input_value"}, "run_managers": ["urn:globus:auth:identity:x"]})),
    )
    .name("hourly flow");
    vec![
        ("flow_timer", serde_json::to_value(flow.to_document().unwrap()).unwrap()),
        ("timer_once_now", timer(OnceSchedule::new().into(), None, &t)),
        ("timer_once_at", timer(OnceSchedule::new().at(deadline()).into(), Some("once"), &t)),
        (
            "timer_recurring_count",
            timer(
                RecurringSchedule::new(600).start(deadline()).end_after_runs(3).into(),
                Some("every ten minutes"),
                &t,
            ),
        ),
        ("timer_recurring_until", timer(RecurringSchedule::new(3600).end_at(later()).into(), Some("hourly"), &t)),
        ("timer_full_transfer", timer(RecurringSchedule::new(86400).into(), Some("full"), &full)),
        ("job_full", serde_json::to_value(job_full.to_document().unwrap()).unwrap()),
        ("job_once", serde_json::to_value(job_once.to_document().unwrap()).unwrap()),
        ("job_from_transfer_data", serde_json::to_value(from_data.to_document().unwrap()).unwrap()),
    ]
}

/// Every field of `mine` is in `theirs` with the same value, at every depth of objects.
fn sent_alike(mine: &Value, theirs: &Value, at: &str) {
    match (mine, theirs) {
        (Value::Object(m), Value::Object(t)) => {
            for (k, v) in m {
                let theirs = t.get(k).unwrap_or_else(|| panic!("{at}.{k}: not sent by the Python SDK"));
                sent_alike(v, theirs, &format!("{at}.{k}"));
            }
        }
        _ => assert_eq!(mine, theirs, "{at}"),
    }
}

/// Deadlines are compared as instants (Python writes `2030-01-02 03:04:05+00:00`), at any
/// depth (a timer's transfer).
fn normalise(mut v: Value) -> Value {
    if let Some(d) = v.get("deadline").and_then(Value::as_str) {
        let parsed = chrono::DateTime::parse_from_rfc3339(&d.replace(' ', "T")).expect("a deadline").timestamp();
        v["deadline"] = Value::from(parsed);
    }
    if let Some(obj) = v.as_object_mut() {
        for (_, child) in obj.iter_mut() {
            if child.is_object() {
                *child = normalise(child.take());
            }
        }
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
            if name == "job_from_transfer_data" && theirs.is_null() && !sends_defaults {
                // globus-sdk 4 has no TimerJob.from_transfer_data.
                continue;
            }
            if name == "flow_timer" && theirs.is_null() && sends_defaults {
                // globus-sdk 3 has no FlowTimer.
                continue;
            }
            assert!(theirs.is_object(), "{version}: no document {name}");
            if sends_defaults {
                sent_alike(&mine, &theirs, &format!("{version} {name}"));
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

// ---- Groups: BatchMembershipActions, GroupPolicies and GroupsManager ----

const GROUP: &str = "00000000-0000-0000-0000-0000000000a1";
const PARENT: &str = "00000000-0000-0000-0000-0000000000a2";
const IDS: [&str; 3] = [
    "00000000-0000-0000-0000-0000000000b1",
    "00000000-0000-0000-0000-0000000000b2",
    "00000000-0000-0000-0000-0000000000b3",
];

/// The Groups documents, as `scripts/python_documents.py` builds them in Python.
fn groups_documents() -> Vec<(&'static str, Value)> {
    use globus_sdk::groups::{
        BatchMembershipActions, GroupMemberVisibility, GroupPolicies, GroupRole, GroupVisibility, SignupField,
    };
    let mut every = BatchMembershipActions::new();
    every
        .accept_invites([IDS[0]])
        .add_members(&IDS[1..], GroupRole::Manager)
        .approve_pending([IDS[0], IDS[1]])
        .decline_invites([IDS[2]])
        .invite_members([IDS[0]], "admin")
        .join([IDS[1]])
        .leave([IDS[2]])
        .reject_join_requests([IDS[0]])
        .remove_members([IDS[1]])
        .request_join([IDS[2]])
        .add_members([IDS[0]], GroupRole::Member)
        .invite_members(Vec::<String>::new(), GroupRole::Member);
    let mut roles = BatchMembershipActions::new();
    roles.change_roles(GroupRole::Manager, &IDS[..2]);
    let minimal = GroupPolicies::new(
        false,
        GroupVisibility::Private,
        GroupMemberVisibility::Managers,
        false,
        [SignupField::Zip; 0],
    );
    let full = GroupPolicies::new(
        true,
        "authenticated",
        "members",
        true,
        [SignupField::Institution, SignupField::FieldOfScience, SignupField::Zip],
    )
    .authentication_assurance_timeout(Some(3600));
    let null_timeout = GroupPolicies::new(
        false,
        GroupVisibility::Private,
        GroupMemberVisibility::Members,
        false,
        [SignupField::Phone],
    )
    .authentication_assurance_timeout(None);
    let json = |v: &dyn erased::Json| v.json();
    vec![
        ("groups_batch_every_action", json(&every)),
        ("groups_batch_change_roles", json(&roles)),
        ("groups_policies_minimal", json(&minimal)),
        ("groups_policies_full", json(&full)),
        ("groups_policies_null_timeout", json(&null_timeout)),
    ]
}

mod erased {
    pub trait Json {
        fn json(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap()
        }
    }
}

/// What `GroupsManager` sends for each call of `scripts/python_documents.py`, as
/// `{"method", "path", "body"}`, read from a loopback server.
async fn groups_manager_requests() -> Vec<(&'static str, Value)> {
    use globus_sdk::authorizers::AccessTokenAuthorizer;
    use globus_sdk::groups::{GroupMemberVisibility, GroupPolicies, GroupRole, GroupVisibility, GroupsManager};
    use globus_sdk::testing::{Reply, ScriptedServer};

    let server = ScriptedServer::start().await.unwrap();
    server.fallback(|r| {
        if r.path == "/v2/groups" {
            Reply::json(200, serde_json::json!({"id": "NEW", "name": "Lab"}))
        } else {
            Reply::json(200, serde_json::json!({}))
        }
    });
    let client = globus_sdk::groups::Client::builder()
        .base_url(server.url())
        .authorizer(AccessTokenAuthorizer::new("groups-token"))
        .build()
        .unwrap();
    let m = GroupsManager::new(client);
    let mut names = Vec::new();
    m.create_group("Lab", "Our lab").await.unwrap();
    names.push("create_group");
    m.create_group("Staff", "Lab staff").parent_id(PARENT).await.unwrap();
    names.push("create_subgroup");
    let policies = GroupPolicies::new(
        false,
        GroupVisibility::Authenticated,
        GroupMemberVisibility::Managers,
        true,
        ["department"],
    );
    m.set_group_policies(GROUP, &policies).await.unwrap();
    names.push("set_group_policies");
    let policies = GroupPolicies::new(true, "private", "members", false, Vec::<&str>::new())
        .authentication_assurance_timeout(Some(1800));
    m.set_group_policies(GROUP, &policies).await.unwrap();
    names.push("set_group_policies_timeout");
    m.accept_invite(GROUP, IDS[0]).await.unwrap();
    names.push("accept_invite");
    m.add_member(GROUP, IDS[0]).await.unwrap();
    names.push("add_member");
    m.add_member(GROUP, IDS[1]).role(GroupRole::Admin).await.unwrap();
    names.push("add_member_admin");
    m.approve_pending(GROUP, IDS[0]).await.unwrap();
    names.push("approve_pending");
    m.decline_invite(GROUP, IDS[0]).await.unwrap();
    names.push("decline_invite");
    m.invite_member(GROUP, IDS[0]).await.unwrap();
    names.push("invite_member");
    m.invite_member(GROUP, IDS[2]).role("manager").await.unwrap();
    names.push("invite_member_manager");
    m.join(GROUP, IDS[0]).await.unwrap();
    names.push("join");
    m.leave(GROUP, IDS[0]).await.unwrap();
    names.push("leave");
    m.reject_join_request(GROUP, IDS[0]).await.unwrap();
    names.push("reject_join_request");
    m.remove_member(GROUP, IDS[0]).await.unwrap();
    names.push("remove_member");
    m.request_join(GROUP, IDS[0]).await.unwrap();
    names.push("request_join");
    m.change_role(GROUP, IDS[0], GroupRole::Admin).await.unwrap();
    names.push("change_role");

    let requests = server.requests();
    assert_eq!(requests.len(), names.len());
    names
        .into_iter()
        .zip(requests)
        .map(|(name, r)| {
            let body = if r.body.is_empty() { Value::Null } else { serde_json::from_slice(&r.body).unwrap() };
            let name: &'static str = Box::leak(format!("groups_manager_{name}").into_boxed_str());
            (name, serde_json::json!({"method": r.method, "path": r.path, "body": body}))
        })
        .collect()
}

#[tokio::test]
async fn groups_documents_and_manager_requests_match_the_python_sdk() {
    let Ok(files) = std::env::var("GLOBUS_SDK_PYTHON_DOCUMENTS") else {
        if std::env::var("GLOBUS_SDK_REQUIRE_FIXTURES").is_ok_and(|v| v == "1") {
            panic!("GLOBUS_SDK_PYTHON_DOCUMENTS is not set: run scripts/test.sh");
        }
        eprintln!("python parity: GLOBUS_SDK_PYTHON_DOCUMENTS not set; nothing compared");
        return;
    };
    let mut ours = groups_documents();
    ours.extend(groups_manager_requests().await);
    let mut compared = 0;
    for file in files.split(',').filter(|f| !f.is_empty()) {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let version = doc["globus_sdk_version"].as_str().unwrap().to_string();
        for (name, mine) in &ours {
            let theirs = &doc["documents"][name];
            // change_roles / change_role came with globus-sdk 4: 3.62 has no such document.
            if theirs.is_null() && version.starts_with("3.") && name.contains("change_role") {
                continue;
            }
            assert!(theirs.is_object(), "{version}: no document {name} (regenerate with scripts/python_documents.py)");
            assert_eq!(mine, theirs, "{version} {name}");
            compared += 1;
        }
    }
    assert!(compared >= 2 * 20, "{compared}");
    eprintln!("python parity: {compared} Groups documents and requests equal");
}

/// The GCS documents of `scripts/python_documents.py` (names `gcs_*`), built with the typed
/// documents and converted into the bodies that are sent.
fn our_gcs_documents() -> Vec<(&'static str, Value)> {
    use globus_sdk::gcs::{
        Connector, EndpointDocument, GuestCollectionDocument, MappedCollectionDocument, RoleDocument,
        StorageGatewayDocument, StoragePolicies, UserCredentialDocument, types,
    };
    use serde_json::json;
    fn sent<T: serde::Serialize>(body: T) -> Value {
        serde_json::to_value(body).unwrap()
    }
    let collection = |d: MappedCollectionDocument| sent(types::CollectionDocument::try_from(d).unwrap());
    vec![
        ("gcs_mapped_minimal", collection(MappedCollectionDocument::new().storage_gateway_id("sg-1").collection_base_path("/"))),
        (
            "gcs_mapped_full",
            collection(
                MappedCollectionDocument::new()
                    .storage_gateway_id("sg-1")
                    .collection_base_path("/data")
                    .display_name("Data")
                    .public(true)
                    .enable_https(true)
                    .sharing_users_allow(["alice"])
                    .sharing_users_deny(Vec::<String>::new())
                    .delete_protected(true)
                    .allow_guest_collections(true)
                    .keywords(["a", "b"])
                    .user_message("x".repeat(70))
                    .disable_anonymous_writes(false)
                    .force_verify(true)
                    .domain_name("data.example.org")
                    .policies(json!({"DATA_TYPE": "posix_collection_policies#1.0.0"})),
            ),
        ),
        ("gcs_mapped_acl_expiration", collection(MappedCollectionDocument::new().acl_expiration_mins(60))),
        (
            "gcs_guest",
            sent(
                types::CollectionDocument::try_from(
                    GuestCollectionDocument::new()
                        .mapped_collection_id("mc-1")
                        .user_credential_id("uc-1")
                        .collection_base_path("/shared")
                        .display_name("Shared"),
                )
                .unwrap(),
            ),
        ),
        (
            "gcs_storage_gateway",
            sent(
                types::StorageGatewayDocument::try_from(
                    StorageGatewayDocument::new()
                        .display_name("home")
                        .connector_id(Connector::POSIX.id)
                        .root("/")
                        .allowed_domains(["example.edu"])
                        .require_mfa(true)
                        .users_allow(["u1"])
                        .policies(StoragePolicies::posix().groups_allow(["staff"]).groups_deny(Vec::<String>::new())),
                )
                .unwrap(),
            ),
        ),
        (
            "gcs_storage_gateway_s3",
            sent(
                types::StorageGatewayDocument::try_from(StorageGatewayDocument::new().display_name("s3").policies(
                    StoragePolicies::s3()
                        .s3_endpoint("https://s3.example.org")
                        .s3_buckets(["b"])
                        .s3_user_credential_required(true),
                ))
                .unwrap(),
            ),
        ),
        (
            "gcs_endpoint",
            sent(
                types::EndpointDocument::try_from(
                    EndpointDocument::new()
                        .display_name("DTN")
                        .public(true)
                        .max_concurrency(4)
                        .gridftp_control_channel_port(443),
                )
                .unwrap(),
            ),
        ),
        (
            "gcs_role",
            sent(
                types::RoleDocument::try_from(
                    RoleDocument::new("urn:globus:auth:identity:u-1", "administrator").collection("c-1"),
                )
                .unwrap(),
            ),
        ),
        (
            "gcs_user_credential",
            sent(
                types::UserCredentialDocument::try_from(
                    UserCredentialDocument::new().storage_gateway_id("sg-1").identity_id("u-1").username("alice").policies(
                        json!({"DATA_TYPE": "s3_user_credential_policies#1.0.0", "s3_key_id": "K", "s3_secret_key": "S"}),
                    ),
                )
                .unwrap(),
            ),
        ),
    ]
}

#[test]
fn gcs_documents_match_the_python_sdk() {
    let Ok(files) = std::env::var("GLOBUS_SDK_PYTHON_DOCUMENTS") else {
        if std::env::var("GLOBUS_SDK_REQUIRE_FIXTURES").is_ok_and(|v| v == "1") {
            panic!("GLOBUS_SDK_PYTHON_DOCUMENTS is not set: run scripts/test.sh");
        }
        eprintln!("python parity: GLOBUS_SDK_PYTHON_DOCUMENTS not set; no GCS document compared");
        return;
    };
    let mut compared = 0;
    for file in files.split(',').filter(|f| !f.is_empty()) {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let version = doc["globus_sdk_version"].as_str().unwrap().to_string();
        for (name, mine) in our_gcs_documents() {
            let theirs = &doc["documents"][name];
            assert!(theirs.is_object(), "{version}: no document {name} (regenerate with scripts/python_documents.py)");
            assert_eq!(&mine, theirs, "{version} {name}");
            compared += 1;
        }
    }
    assert!(compared >= 9, "compared {compared} GCS documents");
    eprintln!("python parity: {compared} GCS documents equal");
}

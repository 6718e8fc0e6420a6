//! Groups over loopback HTTP: the documents and `GroupsManager` send exactly what Groups
//! expects, and answers with values this SDK does not know (roles, statuses, visibilities,
//! actions), nulls and unknown fields still decode.

use std::time::Duration;

use crate::common::*;
use globus_sdk::authorizers::AccessTokenAuthorizer;
use globus_sdk::groups::{
    BatchMembershipActions, GroupMemberVisibility, GroupPolicies, GroupRole, GroupVisibility, GroupsManager,
    MembershipStatus, SignupField, types,
};
use globus_sdk::testing::{Reply, ScriptedServer};
use globus_sdk::transport::RetryPolicy;
use serde_json::{Value, json};

const G: &str = "d3974728-6458-11e4-b72d-123139141556";
const ID1: &str = "ae332d86-d274-11e5-b885-b31714a110e9";
const ID2: &str = "ae341a98-d274-11e5-b888-dbae3a8ba545";

fn groups(s: &ScriptedServer) -> globus_sdk::groups::Client {
    globus_sdk::groups::Client::builder()
        .base_url(s.url())
        .authorizer(AccessTokenAuthorizer::new("groups-token"))
        .retry_policy(RetryPolicy::none())
        .timeout(Some(Duration::from_secs(10)))
        .build()
        .unwrap()
}

fn membership(role: &str, status: &str) -> Value {
    json!({"group_id": G, "identity_id": ID1, "username": "u@example.org", "role": role, "status": status})
}

/// The one request the server received, as (method, path, JSON body).
fn last(s: &ScriptedServer) -> (String, String, Value) {
    let r = s.requests().pop().expect("a request");
    let body = if r.body.is_empty() { Value::Null } else { r.json() };
    (r.method, r.path, body)
}

#[tokio::test]
async fn documents_are_sent_as_built() {
    let s = server().await;
    s.fallback(|_| Reply::json(200, json!({})));
    let client = groups(&s);

    let mut actions = BatchMembershipActions::new();
    actions
        .add_members([ID1], GroupRole::Admin)
        .change_roles("manager", [ID2])
        .request_join(Vec::<String>::new())
        .invite_members([ID2.to_string()], GroupRole::Other("auditor".into()));
    assert!(!actions.is_empty());
    assert_eq!(
        actions.actions().map(|(a, l)| (a, l.len())).collect::<Vec<_>>(),
        [("add", 1), ("change_role", 1), ("invite", 1), ("request_join", 0)]
    );
    client.batch_membership_action().group_id(G).body(actions).send().await.unwrap();
    let (method, path, body) = last(&s);
    assert_eq!((method.as_str(), path.as_str()), ("POST", &*format!("/v2/groups/{G}")));
    assert_eq!(
        body,
        json!({
            "add": [{"identity_id": ID1, "role": "admin"}],
            "change_role": [{"identity_id": ID2, "role": "manager"}],
            "invite": [{"identity_id": ID2, "role": "auditor"}],
            "request_join": [],
        }),
        "a role this SDK does not know is sent as given"
    );

    // The policies: the timeout is sent only when set (null when set to None).
    let policies = GroupPolicies::new(
        true,
        GroupVisibility::Private,
        GroupMemberVisibility::Members,
        false,
        [SignupField::Zip, SignupField::from("favourite_colour")],
    );
    client.set_group_policies().group_id(G).body(policies.clone()).send().await.unwrap();
    let (method, path, body) = last(&s);
    assert_eq!((method.as_str(), path.as_str()), ("PUT", &*format!("/v2/groups/{G}/policies")));
    assert_eq!(
        body,
        json!({"is_high_assurance": true, "group_visibility": "private", "group_members_visibility": "members",
               "join_requests": false, "signup_fields": ["zip", "favourite_colour"]})
    );
    let null = policies.clone().authentication_assurance_timeout(None);
    client.set_group_policies().group_id(G).body(null).send().await.unwrap();
    assert_eq!(last(&s).2["authentication_assurance_timeout"], Value::Null);
    assert!(last(&s).2.as_object().unwrap().contains_key("authentication_assurance_timeout"));
    assert_eq!(policies.signup_fields()[1], SignupField::Other("favourite_colour".into()));
    assert!(policies.is_high_assurance() && !policies.join_requests());
}

#[tokio::test]
async fn the_manager_sends_one_action_per_call() {
    let s = server().await;
    s.fallback(|r| {
        if r.path == "/v2/groups" {
            Reply::json(200, json!({"id": G, "name": "Lab", "description": "d", "parent_id": null}))
        } else {
            Reply::json(200, json!({}))
        }
    });
    let m = GroupsManager::new(groups(&s));
    assert!(!format!("{m:?}").contains("groups-token"), "no token in Debug");
    let batch = format!("/v2/groups/{G}");

    let created = m.create_group("Lab", "d").await.unwrap();
    assert_eq!(created.id, G);
    assert_eq!(
        last(&s),
        ("POST".into(), "/v2/groups".into(), json!({"name": "Lab", "description": "d", "parent_id": null}))
    );
    m.create_group("Sub", "").parent_id(G).await.unwrap();
    assert_eq!(last(&s).2["parent_id"], G);

    let cases: Vec<(Value, Value)> = vec![
        (
            json!(m.add_member(G, ID1).await.unwrap().is_complete()),
            json!({"add": [{"identity_id": ID1, "role": "member"}]}),
        ),
        (
            json!(m.add_member(G, ID1).role(GroupRole::Admin).await.unwrap().is_complete()),
            json!({"add": [{"identity_id": ID1, "role": "admin"}]}),
        ),
        (
            json!(m.invite_member(G, ID2).role("manager").await.unwrap().is_complete()),
            json!({"invite": [{"identity_id": ID2, "role": "manager"}]}),
        ),
        (
            json!(m.invite_member(G, ID2).await.unwrap().is_complete()),
            json!({"invite": [{"identity_id": ID2, "role": "member"}]}),
        ),
        (json!(m.accept_invite(G, ID1).await.unwrap().is_complete()), json!({"accept": [{"identity_id": ID1}]})),
        (json!(m.decline_invite(G, ID1).await.unwrap().is_complete()), json!({"decline": [{"identity_id": ID1}]})),
        (json!(m.approve_pending(G, ID1).await.unwrap().is_complete()), json!({"approve": [{"identity_id": ID1}]})),
        (json!(m.reject_join_request(G, ID1).await.unwrap().is_complete()), json!({"reject": [{"identity_id": ID1}]})),
        (json!(m.join(G, ID1).await.unwrap().is_complete()), json!({"join": [{"identity_id": ID1}]})),
        (json!(m.leave(G, ID1).await.unwrap().is_complete()), json!({"leave": [{"identity_id": ID1}]})),
        (json!(m.remove_member(G, ID1).await.unwrap().is_complete()), json!({"remove": [{"identity_id": ID1}]})),
        (json!(m.request_join(G, ID1).await.unwrap().is_complete()), json!({"request_join": [{"identity_id": ID1}]})),
        (
            json!(m.change_role(G, ID1, GroupRole::Manager).await.unwrap().is_complete()),
            json!({"change_role": [{"identity_id": ID1, "role": "manager"}]}),
        ),
    ];
    let requests = s.requests();
    let sent = &requests[requests.len() - cases.len()..];
    for ((complete, want), r) in cases.iter().zip(sent) {
        assert_eq!(complete, &json!(true));
        assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", batch.as_str()));
        assert_eq!(&r.json(), want);
        assert_eq!(r.header("authorization"), Some("Bearer groups-token"));
    }

    // The manager sends a policies timeout left unset as null, as Python's manager does.
    let policies = GroupPolicies::new(false, "authenticated", "managers", true, ["department"]);
    m.set_group_policies(G, &policies).await.unwrap();
    assert_eq!(
        last(&s).2,
        json!({"is_high_assurance": false, "group_visibility": "authenticated", "group_members_visibility": "managers",
               "join_requests": true, "signup_fields": ["department"], "authentication_assurance_timeout": null})
    );
    m.set_group_policies(G, &policies.authentication_assurance_timeout(Some(60))).await.unwrap();
    assert_eq!(last(&s).2["authentication_assurance_timeout"], 60);
}

#[tokio::test]
async fn answers_with_new_values_nulls_and_unknown_fields_decode() {
    let s = server().await;
    let client = groups(&s);
    s.once(
        "GET",
        &format!("/v2/groups/{G}"),
        Reply::json(
            200,
            json!({
                "id": G, "name": "Lab", "description": null, "parent_id": null, "group_type": "federated",
                "enforce_session": false, "session_limit": null, "session_timeouts": {},
                "my_memberships": [membership("owner", "suspended")],
                "memberships": [membership("admin", "active"), membership("member", "pending")],
                "policies": {"group_visibility": "federation", "group_members_visibility": "nobody",
                             "signup_fields": ["zip", "shoe_size"], "authentication_assurance_timeout": null,
                             "brand_new_policy": true},
                "subscription_id": null, "subscription_info": null, "terms_and_conditions": "be nice",
                "a_field_from_the_future": {"x": [1, 2]}
            }),
        ),
    );
    let g = client.get_group().group_id(G).include("memberships,policies").send().await.unwrap().into_inner();
    let r = s.requests().pop().unwrap();
    assert_eq!(r.query_param("include"), Some("memberships,policies"));
    assert_eq!(g.my_memberships()[0].role(), Some(GroupRole::Other("owner".into())));
    assert_eq!(g.my_memberships()[0].status(), Some(MembershipStatus::Other("suspended".into())));
    assert!(g.my_memberships()[0].role().unwrap().is_other());
    assert_eq!(g.memberships()[1].status(), Some(MembershipStatus::Pending));
    let p = g.policies.as_ref().unwrap();
    assert_eq!(p.group_visibility(), Some(GroupVisibility::Other("federation".into())));
    assert_eq!(p.group_members_visibility().unwrap().as_str(), "nobody");
    assert_eq!(p.signup_fields(), [SignupField::Zip, SignupField::Other("shoe_size".into())]);
    assert_eq!(p.extra["brand_new_policy"], true);
    assert_eq!(g.extra["a_field_from_the_future"]["x"][1], 2);
    assert_eq!(g.description, None);

    // my_groups: a top-level array, with the statuses asked for.
    s.once(
        "GET",
        "/v2/groups/my_groups",
        Reply::json(200, json!([{"id": G, "name": "Lab", "my_memberships": [membership("member", "invited")]}])),
    );
    let mine = client.get_my_groups().statuses("invited,pending").send().await.unwrap();
    assert_eq!(s.requests().pop().unwrap().query_param("statuses"), Some("invited,pending"));
    assert_eq!(mine[0].my_memberships()[0].status(), Some(MembershipStatus::Invited));

    // A batch's result: which identity failed, why, for known and new actions alike.
    s.once(
        "POST",
        &format!("/v2/groups/{G}"),
        Reply::json(
            200,
            json!({
                "add": [membership("member", "active")], "invite": null, "approve": [],
                "errors": {
                    "add": [{"identity_id": ID2, "code": "ACTIVE_MEMBERSHIP_EXISTS", "detail": "already active"}],
                    "remove": [{"identity_id": ID1, "code": "LAST_ADMIN"}],
                    "transfer_ownership": [{"identity_id": ID1, "code": "NOPE", "detail": "new action"}, "junk"],
                    "join": null
                }
            }),
        ),
    );
    let mut actions = BatchMembershipActions::new();
    actions.add_members([ID1, ID2], GroupRole::Member);
    let result = client.batch_membership_action().group_id(G).body(actions).send().await.unwrap().into_inner();
    assert_eq!(result.memberships("add")[0].role(), Some(GroupRole::Member));
    assert!(!result.is_complete());
    let failures: Vec<_> = result.failures().map(|f| (f.action, f.identity_id, f.code, f.detail)).collect();
    assert_eq!(
        failures,
        [
            ("add", ID2, "ACTIVE_MEMBERSHIP_EXISTS", "already active"),
            ("remove", ID1, "LAST_ADMIN", ""),
            ("transfer_ownership", ID1, "NOPE", "new action"),
        ]
    );
    let clean: types::BatchMembershipResult = serde_json::from_value(json!({"add": [], "errors": null})).unwrap();
    assert!(clean.is_complete());
}

#[tokio::test]
async fn groups_errors_keep_their_code_and_detail() {
    let s = server().await;
    let client = groups(&s);
    s.once(
        "POST",
        &format!("/v2/groups/{G}"),
        Reply::json(403, json!({"code": "FORBIDDEN", "detail": "Only managers and admins may add members"})),
    );
    let m = GroupsManager::new(client);
    let e = m.add_member(G, ID1).await.unwrap_err();
    assert_eq!(e.http_status(), Some(403));
    assert_eq!(e.code(), Some("FORBIDDEN"));
    assert_eq!(e.message(), Some("Only managers and admins may add members"));
    assert!(e.to_string().contains("Only managers and admins"), "{e}");
    assert!(!format!("{e:?}").contains("groups-token"), "no token in errors");
}

#[test]
fn lenient_values_round_trip() {
    for (text, role) in [("member", GroupRole::Member), ("manager", GroupRole::Manager), ("admin", GroupRole::Admin)] {
        assert_eq!(GroupRole::from(text), role);
        assert_eq!(role.to_string(), text);
        assert_eq!(serde_json::from_value::<GroupRole>(json!(text)).unwrap(), role);
    }
    assert_eq!(GroupRole::KNOWN.len(), 3);
    assert_eq!(MembershipStatus::KNOWN.len(), 7);
    assert_eq!(SignupField::KNOWN.len(), 12);
    for f in SignupField::KNOWN {
        assert!(!f.is_other());
        assert_eq!(SignupField::from(f.as_str()), *f);
    }
    let new: GroupVisibility = serde_json::from_value(json!("federation")).unwrap();
    assert_eq!(serde_json::to_value(&new).unwrap(), "federation");
    assert!(serde_json::from_value::<GroupRole>(json!(5)).is_err(), "a role is a string");
}

//! The local Globus's Groups, through the SDK's Groups client and `GroupsManager` over HTTP:
//! groups and their memberships with real effects (seen in `get_group` and `my_groups`),
//! visibility, permissions, batch errors by identity, policies, fields, preferences,
//! subscriptions, the group directory, and hostile input.

use globus_sdk::authorizers::AccessTokenAuthorizer;
use globus_sdk::groups::{
    BatchMembershipActions, GroupMemberVisibility, GroupPolicies, GroupRole, GroupVisibility, GroupsManager,
    MembershipStatus, SignupField, types,
};
use globus_sdk::testing::LocalGlobus;
use globus_sdk::transport::RetryPolicy;
use serde_json::{Value, json};

const ALL: &str = "urn:globus:auth:scope:groups.api.globus.org:all";
const VIEW: &str = "urn:globus:auth:scope:groups.api.globus.org:view_my_groups_and_memberships";
const ADMIN: &str = "testuser@example.org";
const ALICE: &str = "alice@example.org";
const BOB: &str = "bob@example.org";

async fn local() -> LocalGlobus {
    LocalGlobus::builder().user(ALICE, "Alice").user(BOB, "Bob").start().await.unwrap()
}

fn token(local: &LocalGlobus, user: &str, scope: &str) -> String {
    let tokens = local.issue_tokens(local.native_client().id(), user, scope, false).unwrap();
    tokens.raw().access_token.expose().to_string()
}

fn client_with(local: &LocalGlobus, user: &str, scope: &str) -> globus_sdk::groups::Client {
    globus_sdk::groups::Client::builder()
        .config(local.config())
        .authorizer(AccessTokenAuthorizer::new(token(local, user, scope)))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

fn manager(local: &LocalGlobus, user: &str) -> GroupsManager {
    GroupsManager::new(client_with(local, user, ALL))
}

fn id(local: &LocalGlobus, username: &str) -> String {
    local.identities().into_iter().find(|i| i.username == username).unwrap().id
}

fn err<T: std::fmt::Debug>(r: Result<T, globus_sdk::Error>) -> globus_sdk::Error {
    r.expect_err("an error was expected")
}

async fn group(client: &globus_sdk::groups::Client, group_id: &str, include: &str) -> types::Group {
    client.get_group().group_id(group_id).include(include).send().await.unwrap().into_inner()
}

fn member<'a>(group: &'a types::Group, identity: &str) -> Option<&'a types::Membership> {
    group.memberships().iter().find(|m| m.identity_id.as_deref() == Some(identity))
}

/// The one failure of a batch, as (action, identity, code).
fn only_failure(result: &types::BatchMembershipResult) -> (String, String, String) {
    let failures: Vec<_> = result.failures().collect();
    assert_eq!(failures.len(), 1, "{failures:?}");
    let f = failures[0];
    assert!(!f.detail.is_empty());
    (f.action.to_string(), f.identity_id.to_string(), f.code.to_string())
}

fn open_policies() -> GroupPolicies {
    GroupPolicies::new(
        false,
        GroupVisibility::Authenticated,
        GroupMemberVisibility::Members,
        true,
        [SignupField::Institution],
    )
}

#[tokio::test]
async fn a_group_and_its_memberships_through_the_manager() {
    let local = local().await;
    let (admin, alice, bob) = (id(&local, ADMIN), id(&local, ALICE), id(&local, BOB));
    let m = manager(&local, ADMIN);

    let created = m.create_group("Lab", "Our lab").await.unwrap();
    assert_eq!(created.name, "Lab");
    assert_eq!(created.description.as_deref(), Some("Our lab"));
    assert_eq!(created.parent_id, None);
    assert_eq!(created.my_memberships().len(), 1);
    assert_eq!(created.my_memberships()[0].role(), Some(GroupRole::Admin));
    assert_eq!(created.my_memberships()[0].status(), Some(MembershipStatus::Active));
    assert_eq!(created.my_memberships()[0].username.as_deref(), Some(ADMIN));
    let policies = created.policies.as_ref().unwrap();
    assert_eq!(policies.group_visibility(), Some(GroupVisibility::Private), "Groups' default");
    assert_eq!(policies.group_members_visibility(), Some(GroupMemberVisibility::Managers));
    assert_eq!(policies.join_requests, Some(false));
    let gid = created.id.clone();
    assert_eq!(local.groups_of(&admin), std::slice::from_ref(&gid));

    // Add Alice as a manager: active at once, seen in the group and in her groups.
    let added = m.add_member(&gid, &alice).role(GroupRole::Manager).await.unwrap();
    assert!(added.is_complete());
    assert_eq!(added.memberships("add").len(), 1);
    assert_eq!(added.memberships("add")[0].role(), Some(GroupRole::Manager));
    assert_eq!(added.memberships("add")[0].status(), Some(MembershipStatus::Active));
    assert_eq!(added.memberships("add")[0].username.as_deref(), Some(ALICE));
    let alice_client = client_with(&local, ALICE, ALL);
    let mine = alice_client.get_my_groups().send().await.unwrap().into_inner();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].id, gid);
    assert_eq!(mine[0].my_memberships()[0].role(), Some(GroupRole::Manager));

    // Invite Bob (by Alice, a manager): invited, not yet a member.
    let invited = manager(&local, ALICE).invite_member(&gid, &bob).await.unwrap();
    assert_eq!(invited.memberships("invite")[0].status(), Some(MembershipStatus::Invited));
    assert_eq!(invited.memberships("invite")[0].role(), Some(GroupRole::Member));
    let bob_m = manager(&local, BOB);
    assert!(bob_m.client().get_my_groups().send().await.unwrap().is_empty(), "active only by default");
    let invited_to = bob_m.client().get_my_groups().statuses("invited").send().await.unwrap().into_inner();
    assert_eq!(invited_to.len(), 1);
    assert_eq!(invited_to[0].my_memberships()[0].status(), Some(MembershipStatus::Invited));
    assert!(local.groups_of(&bob).is_empty(), "an invitation is not a membership");
    // An invited identity sees the private group.
    assert_eq!(group(bob_m.client(), &gid, "my_memberships").await.name, "Lab");

    // Bob accepts.
    let accepted = bob_m.accept_invite(&gid, &bob).await.unwrap();
    assert_eq!(accepted.memberships("accept")[0].status(), Some(MembershipStatus::Active));
    assert_eq!(local.groups_of(BOB), std::slice::from_ref(&gid));

    // The admin sees all three memberships.
    let seen = group(m.client(), &gid, "memberships").await;
    assert_eq!(seen.memberships().len(), 3);
    assert_eq!(member(&seen, &alice).unwrap().role(), Some(GroupRole::Manager));
    assert_eq!(member(&seen, &bob).unwrap().status(), Some(MembershipStatus::Active));

    // Roles change (admin only), Alice leaves, Bob is removed.
    let changed = m.change_role(&gid, &bob, GroupRole::Admin).await.unwrap();
    assert_eq!(changed.memberships("change_role")[0].role(), Some(GroupRole::Admin));
    let left = manager(&local, ALICE).leave(&gid, &alice).await.unwrap();
    assert_eq!(left.memberships("leave")[0].status(), Some(MembershipStatus::Left));
    assert!(local.groups_of(&alice).is_empty());
    let removed = m.remove_member(&gid, &bob).await.unwrap();
    assert_eq!(removed.memberships("remove")[0].status(), Some(MembershipStatus::Removed));
    let seen = group(m.client(), &gid, "memberships").await;
    assert_eq!(member(&seen, &alice).unwrap().status(), Some(MembershipStatus::Left));
    assert_eq!(member(&seen, &bob).unwrap().status(), Some(MembershipStatus::Removed));
    assert_eq!(local.groups_of(&admin), std::slice::from_ref(&gid));
    let left_ones = alice_client.get_my_groups().statuses("left,removed").send().await.unwrap().into_inner();
    assert_eq!(left_ones.len(), 1);

    // The group is updated and deleted by its admin.
    let updated = m
        .client()
        .update_group()
        .group_id(&gid)
        .body_map(|b| b.name(Some("Lab (2025)".to_string())).description(Some("renamed".to_string())))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.name, "Lab (2025)");
    let deleted = m.client().delete_group().group_id(&gid).send().await.unwrap();
    assert_eq!(deleted.id, gid);
    assert!(err(m.client().get_group().group_id(&gid).send().await).is_not_found());
    assert!(local.groups_of(&admin).is_empty());
}

#[tokio::test]
async fn joining_requests_approvals_and_the_errors_of_each_action() {
    let local = local().await;
    let (alice, bob) = (id(&local, ALICE), id(&local, BOB));
    let m = manager(&local, ADMIN);
    let gid = m.create_group("Open lab", "").await.unwrap().id;

    // Without join requests, neither join nor request_join works.
    let (alice_m, bob_m) = (manager(&local, ALICE), manager(&local, BOB));
    // (a private group: Alice cannot even see it)
    assert!(err(alice_m.request_join(&gid, &alice).await).is_not_found());
    m.set_group_policies(&gid, &GroupPolicies::new(false, "authenticated", "members", false, [SignupField::Zip; 0]))
        .await
        .unwrap();
    let refused = alice_m.request_join(&gid, &alice).await.unwrap();
    assert_eq!(only_failure(&refused), ("request_join".into(), alice.clone(), "JOIN_NOT_ALLOWED".into()));
    assert!(refused.memberships("request_join").is_empty());

    let set = m.set_group_policies(&gid, &open_policies()).await.unwrap();
    assert_eq!(set.join_requests, Some(true));
    assert_eq!(set.signup_fields(), [SignupField::Institution]);
    assert_eq!(set.authentication_assurance_timeout, Some(28800), "null: the default");

    // What an outsider may do, as allowed_actions says.
    let actions = group(alice_m.client(), &gid, "allowed_actions").await.allowed_actions.unwrap();
    assert_eq!(actions["request_join"], json!([alice]));
    assert_eq!(actions["join"], json!([alice]));
    assert_eq!(actions["add"], json!([]));
    assert_eq!(actions["accept"], json!([]));

    // Alice asks, the admin approves; Bob asks, the admin rejects.
    let asked = alice_m.request_join(&gid, &alice).await.unwrap();
    assert_eq!(asked.memberships("request_join")[0].status(), Some(MembershipStatus::Pending));
    assert!(local.groups_of(&alice).is_empty(), "pending is not active");
    let again = alice_m.request_join(&gid, &alice).await.unwrap();
    assert_eq!(only_failure(&again).2, "PENDING_REQUEST_EXISTS");
    let approved = m.approve_pending(&gid, &alice).await.unwrap();
    assert_eq!(approved.memberships("approve")[0].status(), Some(MembershipStatus::Active));
    assert_eq!(local.groups_of(&alice), std::slice::from_ref(&gid));
    bob_m.request_join(&gid, &bob).await.unwrap();
    let rejected = m.reject_join_request(&gid, &bob).await.unwrap();
    assert_eq!(rejected.memberships("reject")[0].status(), Some(MembershipStatus::Rejected));
    assert!(local.groups_of(&bob).is_empty());

    // Approving or rejecting without a request, accepting or declining without an invitation.
    assert_eq!(only_failure(&m.approve_pending(&gid, &bob).await.unwrap()).2, "MEMBERSHIP_NOT_PENDING");
    assert_eq!(only_failure(&m.reject_join_request(&gid, &alice).await.unwrap()).2, "MEMBERSHIP_NOT_PENDING");
    assert_eq!(only_failure(&bob_m.accept_invite(&gid, &bob).await.unwrap()).2, "MEMBERSHIP_NOT_INVITED");
    assert_eq!(only_failure(&bob_m.decline_invite(&gid, &bob).await.unwrap()).2, "MEMBERSHIP_NOT_INVITED");
    // Joining directly (the group takes join requests), and an identity not yours.
    let joined = bob_m.join(&gid, &bob).await.unwrap();
    assert_eq!(joined.memberships("join")[0].status(), Some(MembershipStatus::Active));
    assert_eq!(only_failure(&bob_m.leave(&gid, &alice).await.unwrap()).2, "IDENTITY_NOT_IN_SET");
    // Adding an active member is an error for information; the others in the batch are done.
    let mut batch = BatchMembershipActions::new();
    batch.add_members([&alice], GroupRole::Member).remove_members([&bob]);
    let mixed = m.batch(&gid, &batch).await.unwrap();
    assert_eq!(only_failure(&mixed), ("add".into(), alice.clone(), "ACTIVE_MEMBERSHIP_EXISTS".into()));
    assert_eq!(mixed.memberships("remove")[0].status(), Some(MembershipStatus::Removed));
    // An invitation declined.
    m.invite_member(&gid, &bob).await.unwrap();
    let declined = bob_m.decline_invite(&gid, &bob).await.unwrap();
    assert_eq!(declined.memberships("decline")[0].status(), Some(MembershipStatus::Declined));
    // An unknown identity cannot be added.
    let ghost = "6f1c1c3e-0000-4000-8000-000000000000";
    assert_eq!(only_failure(&m.add_member(&gid, ghost).await.unwrap()).2, "IDENTITY_NOT_FOUND");
}

#[tokio::test]
async fn a_private_group_is_invisible_to_outsiders() {
    let local = local().await;
    let alice = id(&local, ALICE);
    let m = manager(&local, ADMIN);
    let gid = m.create_group("Secret", "hush").await.unwrap().id;
    let outsider = manager(&local, ALICE);

    // Private: no trace of it for Alice, whatever she asks.
    for e in [
        err(outsider.client().get_group().group_id(&gid).send().await),
        err(outsider.client().get_group_policies().group_id(&gid).send().await),
        err(outsider.client().get_membership_fields().group_id(&gid).send().await),
    ] {
        assert_eq!(e.http_status(), Some(404), "{e}");
        assert_eq!(e.code(), Some("NOT_FOUND"));
    }
    assert!(err(outsider.join(&gid, &alice).await).is_not_found());
    assert!(outsider.client().get_my_groups().statuses("active,invited,pending").send().await.unwrap().is_empty());
    // The same 404 as for a group that does not exist.
    let nowhere = err(outsider.client().get_group().group_id("6f1c1c3e-0000-4000-8000-000000000001").send().await);
    assert_eq!(nowhere.http_status(), Some(404));

    // Visible to anyone signed in: the group, but not its members.
    m.set_group_policies(&gid, &GroupPolicies::new(false, "authenticated", "managers", false, [SignupField::Zip; 0]))
        .await
        .unwrap();
    let seen = group(outsider.client(), &gid, "memberships,policies").await;
    assert_eq!(seen.name, "Secret");
    assert!(seen.memberships().is_empty(), "an outsider sees no memberships");
    assert!(seen.my_memberships().is_empty());

    // A member sees the members only when the policy says members may.
    m.add_member(&gid, &alice).await.unwrap();
    assert!(group(outsider.client(), &gid, "memberships").await.memberships().is_empty(), "managers only");
    m.set_group_policies(&gid, &GroupPolicies::new(false, "private", "members", false, [SignupField::Zip; 0]))
        .await
        .unwrap();
    assert_eq!(group(outsider.client(), &gid, "memberships").await.memberships().len(), 2);
    // Bob, an outsider, loses sight of it again.
    assert!(err(manager(&local, BOB).client().get_group().group_id(&gid).send().await).is_not_found());
}

#[tokio::test]
async fn only_managers_and_admins_manage() {
    let local = local().await;
    let (admin, alice, bob) = (id(&local, ADMIN), id(&local, ALICE), id(&local, BOB));
    let m = manager(&local, ADMIN);
    let gid = m.create_group("Team", "").await.unwrap().id;
    m.add_member(&gid, &alice).await.unwrap();
    let member_m = manager(&local, ALICE);

    // A plain member may not add, invite, approve, remove, change roles: the whole batch is refused.
    for e in [
        err(member_m.add_member(&gid, &bob).await),
        err(member_m.invite_member(&gid, &bob).await),
        err(member_m.approve_pending(&gid, &bob).await),
        err(member_m.remove_member(&gid, &admin).await),
        err(member_m.change_role(&gid, &alice, GroupRole::Admin).await),
    ] {
        assert_eq!(e.http_status(), Some(403), "{e}");
        assert_eq!(e.code(), Some("FORBIDDEN"));
        assert!(e.message().is_some_and(|m| m.contains("managers") || m.contains("admins")), "{e}");
    }
    let seen = group(m.client(), &gid, "memberships").await;
    assert!(member(&seen, &bob).is_none(), "nothing was done");
    // ...nor change the group or its policies.
    assert_eq!(err(member_m.set_group_policies(&gid, &open_policies()).await).http_status(), Some(403));
    let rename =
        member_m.client().update_group().group_id(&gid).body_map(|b| b.name(Some("Mine".to_string()))).send().await;
    assert_eq!(err(rename).http_status(), Some(403));
    assert_eq!(err(member_m.client().delete_group().group_id(&gid).send().await).http_status(), Some(403));
    // ...nor make a subgroup of it.
    assert_eq!(err(member_m.create_group("Sub", "").parent_id(&gid).await).http_status(), Some(403));

    // A manager manages members, but not admins.
    m.change_role(&gid, &alice, GroupRole::Manager).await.unwrap();
    let as_admin = member_m.add_member(&gid, &bob).role(GroupRole::Admin).await.unwrap();
    assert_eq!(only_failure(&as_admin), ("add".into(), bob.clone(), "ROLE_NOT_PERMITTED".into()));
    assert_eq!(only_failure(&member_m.remove_member(&gid, &admin).await.unwrap()).2, "ROLE_NOT_PERMITTED");
    assert!(member_m.add_member(&gid, &bob).await.unwrap().is_complete());
    assert!(member_m.remove_member(&gid, &bob).await.unwrap().is_complete());

    // The last admin can neither leave, nor be demoted, nor remove themselves.
    assert_eq!(only_failure(&m.leave(&gid, &admin).await.unwrap()).2, "LAST_ADMIN");
    assert_eq!(only_failure(&m.change_role(&gid, &admin, GroupRole::Member).await.unwrap()).2, "LAST_ADMIN");
    assert_eq!(only_failure(&m.remove_member(&gid, &admin).await.unwrap()).2, "CANNOT_REMOVE_SELF");
    // With a second admin, the first may leave.
    m.change_role(&gid, &alice, GroupRole::Admin).await.unwrap();
    assert!(m.leave(&gid, &admin).await.unwrap().is_complete());
    assert!(local.groups_of(&admin).is_empty());

    // One identity twice in a batch: the whole batch is refused, naming it.
    let mut twice = BatchMembershipActions::new();
    twice.add_members([&bob], GroupRole::Member).invite_members([&bob], GroupRole::Member);
    let e = err(member_m.batch(&gid, &twice).await);
    assert_eq!(e.http_status(), Some(400));
    assert_eq!(e.json().unwrap()["ambiguous_identities"], json!([bob]));
}

#[tokio::test]
async fn tokens_and_scopes() {
    let local = local().await;
    let m = manager(&local, ADMIN);
    let gid = m.create_group("Scoped", "").await.unwrap().id;
    // The read-only scope reads, and writes nothing.
    let viewer = client_with(&local, ADMIN, VIEW);
    assert_eq!(viewer.get_my_groups().send().await.unwrap().len(), 1);
    assert_eq!(group(&viewer, &gid, "").await.id, gid);
    let write = viewer.delete_group().group_id(&gid).send().await;
    assert_eq!(err(write).http_status(), Some(403));
    // A token for another service, none, or a revoked one.
    let e = err(viewer.delete_group().group_id(&gid).send().await);
    assert_eq!(e.code(), Some("FORBIDDEN"));
    assert_eq!(e.json().unwrap()["provided_scopes"], json!([VIEW]));
    let transfer = client_with(&local, ADMIN, "urn:globus:auth:scope:transfer.api.globus.org:all");
    let e = err(transfer.get_my_groups().send().await);
    assert_eq!((e.http_status(), e.code()), (Some(401), Some("INVALID_TOKEN")), "a token for another service");
    let http = reqwest::Client::new();
    let my_groups = format!("{}/v2/groups/my_groups", local.groups_url());
    for header in [None, Some("Basic abc"), Some("Bearer"), Some("Beärer x"), Some("")] {
        let mut request = http.get(&my_groups);
        if let Some(h) = header {
            request = request.header("authorization", h);
        }
        let answer = request.send().await.unwrap();
        assert_eq!(answer.status(), 401, "{header:?}");
        let body: Value = answer.json().await.unwrap();
        assert_eq!(body["code"], "AUTHENTICATION_ERROR", "{header:?}");
        assert!(body["detail"].is_string());
    }
    let answer = http.get(&my_groups).bearer_auth("not-a-token").send().await.unwrap();
    assert_eq!(answer.status(), 401);
    assert_eq!(answer.json::<Value>().await.unwrap()["code"], "INVALID_TOKEN");
    let expired = token(&local, ADMIN, ALL);
    assert!(local.expire_token(&expired));
    let answer = http.get(&my_groups).bearer_auth(&expired).send().await.unwrap();
    assert_eq!(
        (answer.status().as_u16(), answer.json::<Value>().await.unwrap()["code"].clone()),
        (401, json!("INVALID_TOKEN"))
    );
    // No token text in any answer.
    let t = token(&local, ADMIN, ALL);
    let answer = http.get(format!("{}/v2/groups/nope", local.groups_url())).bearer_auth(&t).send().await.unwrap();
    assert!(!answer.text().await.unwrap().contains(&t));
}

#[tokio::test]
async fn subgroups_policies_fields_preferences_and_subscriptions() {
    let local = local().await;
    let (admin, alice) = (id(&local, ADMIN), id(&local, ALICE));
    let m = manager(&local, ADMIN);
    let parent = m.create_group("Parent", "").await.unwrap().id;
    let child = m.create_group("Child", "sub").parent_id(&parent).await.unwrap();
    assert_eq!(child.parent_id.as_deref(), Some(parent.as_str()));
    assert_eq!(group(m.client(), &parent, "child_ids").await.child_ids(), std::slice::from_ref(&child.id));
    let busy = err(m.client().delete_group().group_id(&parent).send().await);
    assert_eq!(busy.http_status(), Some(409), "{busy}");
    m.client().delete_group().group_id(&child.id).send().await.unwrap();
    assert!(group(m.client(), &parent, "child_ids").await.child_ids().is_empty());

    // allowed_actions says what the caller may do.
    let actions = group(m.client(), &parent, "allowed_actions").await.allowed_actions.unwrap();
    assert_eq!(actions["add"], json!([admin]));
    assert_eq!(actions["leave"], json!([]), "the last admin");

    // Policies round trip, with the high-assurance timeout.
    let ha = GroupPolicies::new(
        true,
        GroupVisibility::Private,
        GroupMemberVisibility::Members,
        false,
        [SignupField::Department, SignupField::FieldOfScience],
    )
    .authentication_assurance_timeout(Some(3600));
    m.set_group_policies(&parent, &ha).await.unwrap();
    let got = m.client().get_group_policies().group_id(&parent).send().await.unwrap();
    assert_eq!(got.is_high_assurance, Some(true));
    assert_eq!(got.authentication_assurance_timeout, Some(3600));
    assert_eq!(got.signup_fields(), [SignupField::Department, SignupField::FieldOfScience]);
    assert_eq!(group(m.client(), &parent, "").await.session_limit, Some(3600));
    // Read, change one policy, send back: the others stay.
    let changed = GroupPolicies::from(&*got).with_join_requests(true);
    let after = m.set_group_policies(&parent, &changed).await.unwrap();
    assert_eq!((after.join_requests, after.authentication_assurance_timeout), (Some(true), Some(3600)));
    assert_eq!(after.group_members_visibility(), Some(GroupMemberVisibility::Members));

    // Membership fields: yours, by identity.
    let set = m
        .client()
        .set_membership_fields()
        .group_id(&parent)
        .body_map(|b| b.department(Some("Physics".to_string())).institution(Some("Uni".to_string())))
        .send()
        .await
        .unwrap();
    assert_eq!(set[&admin]["department"], "Physics");
    let got = m.client().get_membership_fields().group_id(&parent).send().await.unwrap();
    assert_eq!(got[&admin]["institution"], "Uni");

    // Preferences: Alice refuses being added; she can still be invited.
    let alice_m = manager(&local, ALICE);
    let prefs = alice_m.client().set_identity_preferences().body_map(|b| b.allow_add(false)).send().await.unwrap();
    assert_eq!(prefs[&alice].allow_add, Some(false));
    assert_eq!(alice_m.client().get_identity_preferences().send().await.unwrap()[&alice].allow_add, Some(false));
    assert_eq!(only_failure(&m.add_member(&parent, &alice).await.unwrap()).2, "ADD_NOT_ALLOWED");
    assert!(m.invite_member(&parent, &alice).await.unwrap().is_complete());

    // Subscriptions: the group providing one, and verifying another group for it.
    let sub = "5c9d2b4e-1111-4222-8333-444455556666";
    let provider = local.seed_group("Subscribers", ADMIN).unwrap();
    local.set_group_subscription(&provider, Some(sub)).unwrap();
    let found = m.client().get_group_by_subscription_id().subscription_id(sub).send().await.unwrap();
    assert_eq!(found.group_id.as_deref(), Some(provider.as_str()));
    assert!(found.subscription_info.as_ref().unwrap().name.is_none(), "restricted: no name");
    let verified = m
        .client()
        .set_subscription_admin_verified()
        .group_id(&parent)
        .body(types::SubscriptionAdminVerifiedUpdate { subscription_admin_verified_id: Some(sub.into()) })
        .send()
        .await
        .unwrap();
    assert_eq!(verified.subscription_admin_verified_id.as_deref(), Some(sub));
    // Alice administers no subscription group.
    let own = alice_m.create_group("Alice's", "").await.unwrap().id;
    let refused = alice_m
        .client()
        .set_subscription_admin_verified()
        .group_id(&own)
        .body(types::SubscriptionAdminVerifiedUpdate { subscription_admin_verified_id: Some(sub.into()) })
        .send()
        .await;
    assert_eq!(err(refused).http_status(), Some(403));
    let unknown = m.client().get_group_by_subscription_id().subscription_id("5c9d2b4e-0000-4000-8000-000000000000");
    assert!(err(unknown.send().await).is_not_found());
}

#[tokio::test]
async fn groups_of_reflects_active_memberships_only() {
    let local = local().await;
    let (alice, bob) = (id(&local, ALICE), id(&local, BOB));
    let a = local.seed_group("A", ADMIN).unwrap();
    let b = local.seed_group("B", ADMIN).unwrap();
    let c = local.seed_group("C", ALICE).unwrap();
    local.set_group_membership(&a, ALICE, "member", "active").unwrap();
    local.set_group_membership(&b, &alice, "manager", "invited").unwrap();
    for (status, group) in [("pending", &a), ("left", &b), ("removed", &c)] {
        local.set_group_membership(group, BOB, "member", status).unwrap();
    }
    let mut alices = local.groups_of(ALICE);
    alices.sort();
    let mut want = vec![a.clone(), c.clone()];
    want.sort();
    assert_eq!(alices, want, "active in A, admin of C, only invited to B");
    assert!(local.groups_of(&bob).is_empty(), "pending, left and removed are not memberships");
    local.set_group_membership(&b, BOB, "member", "active").unwrap();
    assert_eq!(local.groups_of(&bob), std::slice::from_ref(&b));
    // Seeding refuses what it does not know, saying what to do.
    assert!(local.seed_group("X", "nobody@example.org").unwrap_err().to_string().contains("LocalGlobusBuilder::user"));
    assert!(local.set_group_membership(&a, ALICE, "owner", "active").is_err());
    assert!(local.set_group_membership(&a, ALICE, "member", "gone").is_err());
    assert!(local.set_group_membership("no-such-group", ALICE, "member", "active").is_err());
    assert!(local.groups_of("nobody@example.org").is_empty());
}

/// Requests no client would send: each answered in Groups' error shape (a 4xx with
/// `detail`), none panics the server, and the server still works after them.
#[tokio::test]
async fn hostile_input_never_panics() {
    let local = local().await;
    let m = manager(&local, ADMIN);
    let gid = m.create_group("Target", "").await.unwrap().id;
    let t = token(&local, ADMIN, ALL);
    let http = reqwest::Client::new();
    let base = local.groups_url();
    let deep = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
    let huge = "x".repeat(2_000_000);
    let many: Vec<Value> =
        (0..1_001).map(|i| json!({"identity_id": format!("00000000-0000-4000-8000-{i:012}")})).collect();
    let g = format!("/v2/groups/{gid}");
    let cases: Vec<(&str, String, Option<String>, u16)> = vec![
        ("POST", "/v2/groups".into(), Some("not json".into()), 422),
        ("POST", "/v2/groups".into(), Some("[]".into()), 422),
        ("POST", "/v2/groups".into(), Some("{}".into()), 422),
        ("POST", "/v2/groups".into(), Some(json!({"name": ""}).to_string()), 422),
        ("POST", "/v2/groups".into(), Some(json!({"name": 5}).to_string()), 422),
        ("POST", "/v2/groups".into(), Some(json!({"name": huge.clone()}).to_string()), 422),
        ("POST", "/v2/groups".into(), Some(json!({"name": "x", "parent_id": "../../etc"}).to_string()), 422),
        (
            "POST",
            "/v2/groups".into(),
            Some(json!({"name": "x", "policies": {"group_visibility": "public"}}).to_string()),
            422,
        ),
        ("POST", "/v2/groups".into(), Some(deep.clone()), 422),
        ("POST", "/v2/groups".into(), None, 422),
        ("GET", "/v2/groups/not-a-uuid".into(), None, 422),
        ("GET", format!("{g}?include=everything"), None, 422),
        ("GET", "/v2/groups/my_groups?statuses=active,bogus".into(), None, 422),
        ("GET", "/v2/groups/%00%ff".into(), None, 400),
        ("POST", g.clone(), Some(json!({"add": "everyone"}).to_string()), 422),
        ("POST", g.clone(), Some(json!({"add": [5]}).to_string()), 422),
        ("POST", g.clone(), Some(json!({"add": [{"role": "admin"}]}).to_string()), 422),
        ("POST", g.clone(), Some(json!({"add": [{"identity_id": "x"}]}).to_string()), 422),
        ("POST", g.clone(), Some(json!({"invite": [{"identity_id": gid, "role": "emperor"}]}).to_string()), 422),
        ("POST", g.clone(), Some(json!({"change_role": [{"identity_id": gid, "role": 7}]}).to_string()), 422),
        ("POST", g.clone(), Some(json!({"remove": many}).to_string()), 400),
        ("POST", g.clone(), Some(deep.clone()), 422),
        ("PUT", format!("{g}/policies"), Some(json!({"is_high_assurance": "yes"}).to_string()), 422),
        ("PUT", format!("{g}/policies"), Some(json!({"signup_fields": ["shoe_size"]}).to_string()), 422),
        ("PUT", format!("{g}/policies"), Some(json!({"authentication_assurance_timeout": -1}).to_string()), 422),
        ("PUT", format!("{g}/policies"), Some(json!({"authentication_assurance_timeout": 1e300}).to_string()), 422),
        ("PUT", format!("{g}/membership_fields"), Some(json!({"password": "x"}).to_string()), 422),
        ("PUT", format!("{g}/membership_fields"), Some(json!({"department": ["a"]}).to_string()), 422),
        ("PUT", format!("{g}/membership_fields"), Some(json!({gid.clone(): {"department": "x"}}).to_string()), 403),
        ("PUT", "/v2/preferences".into(), Some(json!({"allow_add": "no"}).to_string()), 422),
        ("PUT", format!("{g}/subscription_admin_verified"), Some("{}".into()), 422),
        (
            "PUT",
            format!("{g}/subscription_admin_verified"),
            Some(json!({"subscription_admin_verified_id": 1}).to_string()),
            422,
        ),
        ("GET", "/v2/subscription_info/not%20a%20uuid".into(), None, 422),
        ("PATCH", g.clone(), Some("{}".into()), 405),
        ("GET", "/v2/groups/a/b/c/d".into(), None, 404),
    ];
    for (method, path, body, want) in cases {
        let mut request = http.request(method.parse().unwrap(), format!("{base}{path}")).bearer_auth(&t);
        if let Some(b) = body {
            request = request.header("content-type", "application/json").body(b);
        }
        let answer = request.send().await.unwrap_or_else(|e| panic!("{method} {path}: no answer: {e}"));
        let status = answer.status().as_u16();
        let text = answer.text().await.unwrap();
        let shown = &path[..path.len().min(80)];
        assert_eq!(status, want, "{method} {shown}: {}", &text[..text.len().min(300)]);
        let doc: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{method} {shown}: not JSON ({e})"));
        assert!(doc.get("detail").is_some(), "{method} {shown}: {doc}");
        assert!(text.len() < 10_000, "{method} {shown}: the answer does not echo what it was sent");
    }
    // Still serving, the group unchanged.
    let seen = group(m.client(), &gid, "memberships").await;
    assert_eq!(seen.name, "Target");
    assert_eq!(seen.memberships().len(), 1);
}

/// The Python SDK's GroupsClient and GroupsManager against the local Groups, with only
/// `LocalGlobus::env_vars` (`scripts/python_local_groups.py`), for each interpreter of
/// `GLOBUS_SDK_PYTHON` (globus-sdk 3.62 and the newest).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_python_sdk_manages_groups_on_the_local_globus() {
    for python in crate::local_python::pythons() {
        let local = LocalGlobus::start().await.unwrap();
        let summary = crate::local_python::run_script(&python, "python_local_groups.py", &local).await;
        eprintln!("python_local_groups: globus-sdk {} ok", summary["sdk_version"]);
        let user = local.user().id;
        let client = local.confidential_client().id().to_string();
        let gid = summary["group_id"].as_str().unwrap().to_string();
        assert_eq!(summary["creator_roles"], json!(["admin"]));
        assert_eq!(summary["members"][&user], json!(["manager", "active"]));
        assert_eq!(summary["members"][&client], json!(["admin", "active"]));
        assert_eq!(summary["invite_error_codes"], json!(["IDENTITY_NOT_FOUND"]));
        assert_eq!(summary["user_roles"], json!(["manager"]));
        assert_eq!(summary["user_delete_status"], 403);
        assert_eq!(summary["renamed"], "python-local-groups (renamed)");
        // The effects are the local Globus's own state.
        assert_eq!(local.groups_of(&user), std::slice::from_ref(&gid));
        assert_eq!(local.groups_of(&client), std::slice::from_ref(&gid));
        let requests = local.requests();
        assert!(requests.iter().any(|r| r.service == "groups" && r.path == "/v2/groups" && r.status == Some(200)));
        assert!(requests.iter().any(|r| r.path == "/v2/groups/my_groups" && r.status == Some(200)));
        assert!(requests.iter().any(|r| r.path == format!("/v2/groups/{gid}/policies") && r.status == Some(200)));
    }
}

#[tokio::test]
async fn status_reasons_and_invitation_addresses_are_kept() {
    use globus_sdk::groups::{BatchAction, MembershipAction};
    let local = local().await;
    let (alice, bob) = (id(&local, ALICE), id(&local, BOB));
    let m = manager(&local, ADMIN);
    let gid = m.create_group("Reasons", "").await.unwrap().id;
    let mut actions = BatchMembershipActions::new();
    actions
        .push(
            BatchAction::Invite,
            MembershipAction::new(&alice).role("manager").invite_email_address("alice@example.org"),
        )
        .push(BatchAction::Add, MembershipAction::new(&bob).role(GroupRole::Member).status_reason("joined the lab"));
    let result = m.batch(&gid, &actions).await.unwrap();
    assert!(result.is_complete(), "{:?}", result.failures().collect::<Vec<_>>());
    let invited = &result.memberships("invite")[0];
    assert_eq!(invited.role(), Some(GroupRole::Manager));
    assert_eq!(invited.extra["invite_email_address"], "alice@example.org");
    assert_eq!(result.memberships("add")[0].extra["status_reason"], "joined the lab");
    let seen = group(m.client(), &gid, "memberships").await;
    assert_eq!(member(&seen, &bob).unwrap().extra["status_reason"], "joined the lab");
    // Not an address: the whole batch is refused, nothing done.
    let mut bad = BatchMembershipActions::new();
    bad.push(BatchAction::Invite, MembershipAction::new(&bob).invite_email_address("nobody"));
    let e = err(m.batch(&gid, &bad).await);
    assert_eq!(e.http_status(), Some(422));
    assert_eq!(e.message(), Some("body.invite.0.invite_email_address: Input should be an email address"));
}

/// Random JSON documents (a fixed seed: the same cases every run) to every operation that
/// takes a body, and random query values: never a 5xx, always Groups' error shape or a
/// success, and the server keeps serving.
#[tokio::test]
async fn random_documents_never_break_the_local_groups() {
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }
    const WORDS: &[&str] = &[
        "add",
        "invite",
        "remove",
        "identity_id",
        "role",
        "admin",
        "name",
        "group_visibility",
        "signup_fields",
        "authentication_assurance_timeout",
        "allow_add",
        "institution",
        "status_reason",
        "",
        "\u{0}",
        "ü🙂",
    ];
    fn value(rng: &mut Rng, depth: u32, ids: &[String]) -> Value {
        match rng.below(if depth > 3 { 6 } else { 9 }) {
            0 => Value::Null,
            1 => json!(rng.below(2) == 0),
            2 => json!(rng.next() as i64),
            3 => json!((rng.next() as f64) / 3.0),
            4 => json!(WORDS[rng.below(WORDS.len() as u64) as usize]),
            5 => json!(ids[rng.below(ids.len() as u64) as usize]),
            6 | 7 => {
                let n = rng.below(5);
                let mut map = serde_json::Map::new();
                for _ in 0..n {
                    let key = WORDS[rng.below(WORDS.len() as u64) as usize].to_string();
                    map.insert(key, value(rng, depth + 1, ids));
                }
                Value::Object(map)
            }
            _ => Value::Array((0..rng.below(4)).map(|_| value(rng, depth + 1, ids)).collect()),
        }
    }

    let local = local().await;
    let m = manager(&local, ADMIN);
    let gid = m.create_group("Fuzzed", "").await.unwrap().id;
    let ids = vec![id(&local, ADMIN), id(&local, ALICE), gid.clone(), "not-a-uuid".to_string()];
    let t = token(&local, ADMIN, ALL);
    let http = reqwest::Client::new();
    let base = local.groups_url();
    let targets = [
        ("POST", format!("/v2/groups/{gid}")),
        ("PUT", format!("/v2/groups/{gid}/policies")),
        ("PUT", format!("/v2/groups/{gid}/membership_fields")),
        ("PUT", format!("/v2/groups/{gid}/subscription_admin_verified")),
        ("PUT", "/v2/preferences".to_string()),
        ("POST", "/v2/groups".to_string()),
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..60 {
        for (method, path) in &targets {
            let mut doc = value(&mut rng, 0, &ids);
            // Half the time, a document of the right outline with random values.
            if round % 2 == 0 {
                let mut map = serde_json::Map::new();
                for _ in 0..3 {
                    let key = WORDS[rng.below(8) as usize].to_string();
                    map.insert(key, value(&mut rng, 1, &ids));
                }
                doc = Value::Object(map);
            }
            let answer = http
                .request(method.parse().unwrap(), format!("{base}{path}"))
                .bearer_auth(&t)
                .json(&doc)
                .send()
                .await
                .unwrap();
            let status = answer.status().as_u16();
            let text = answer.text().await.unwrap();
            assert!(status < 500, "{method} {path} {doc}: {status} {text}");
            let body: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{method} {path} {doc}: {e}"));
            if status >= 400 {
                assert!(body.get("detail").is_some(), "{method} {path} {doc}: {body}");
            }
        }
        let include = WORDS[rng.below(WORDS.len() as u64) as usize];
        let answer = http
            .get(format!("{base}/v2/groups/{gid}"))
            .query(&[("include", include)])
            .bearer_auth(&t)
            .send()
            .await
            .unwrap();
        assert!(answer.status().as_u16() < 500);
    }
    // Still serving.
    assert!(m.client().get_my_groups().send().await.is_ok());
}

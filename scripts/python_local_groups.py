#!/usr/bin/env python3
"""Drive the local Globus's Groups (globus-local, or LocalGlobus in a Rust test) with the
Python SDK's GroupsClient and GroupsManager.

The environment comes from the server's export lines only: GLOBUS_SDK_SERVICE_URL_AUTH and
GLOBUS_SDK_SERVICE_URL_GROUPS point the SDK at it, GLOBUS_LOCAL_CLIENT_ID and
GLOBUS_LOCAL_CLIENT_SECRET are its confidential client, GLOBUS_LOCAL_NATIVE_CLIENT_ID its
native client, GLOBUS_LOCAL_USER_ID and GLOBUS_LOCAL_USERNAME its default user.

The steps: client-credential tokens for Groups (the client acts as itself), create a group,
set its policies, add the default user as a manager, invite an unknown identity (an error
for that identity only), list the client's groups, read the group's memberships; then the
user logs in (native app, the authorize page answered with urllib), lists their groups and
finds the membership, and is refused deleting the group (a manager, not an admin); the group
is renamed, its policies read, the user's membership fields and preferences set and read.

Prints one JSON summary on its last line and exits 0 on success, 1 otherwise.
Works with globus-sdk 3.x and 4.x.
"""

import json
import os
import sys
import urllib.parse
import urllib.request

import globus_sdk

GROUPS_SCOPE = "urn:globus:auth:scope:groups.api.globus.org:all"
UNKNOWN_IDENTITY = "6f1c1c3e-0000-4000-8000-00000000beef"


def fail(message):
    print(f"python_local_groups: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


def user_groups_client():
    """The default user's Groups client, from a native-app login (the local Auth approves
    at once and redirects to its code page, whose URL carries the code)."""
    client = globus_sdk.NativeAppAuthClient(os.environ["GLOBUS_LOCAL_NATIVE_CLIENT_ID"])
    client.oauth2_start_flow(requested_scopes=GROUPS_SCOPE)
    landed = urllib.request.urlopen(client.oauth2_get_authorize_url())
    code = urllib.parse.parse_qs(urllib.parse.urlparse(landed.geturl()).query)["code"][0]
    tokens = client.oauth2_exchange_code_for_tokens(code).by_resource_server
    token = tokens["groups.api.globus.org"]["access_token"]
    return globus_sdk.GroupsClient(authorizer=globus_sdk.AccessTokenAuthorizer(token))


def main():
    for var in (
        "GLOBUS_SDK_SERVICE_URL_AUTH",
        "GLOBUS_SDK_SERVICE_URL_GROUPS",
        "GLOBUS_LOCAL_CLIENT_ID",
        "GLOBUS_LOCAL_CLIENT_SECRET",
        "GLOBUS_LOCAL_NATIVE_CLIENT_ID",
        "GLOBUS_LOCAL_USER_ID",
    ):
        if not os.environ.get(var):
            fail(f"{var} is not set: export the lines globus-local prints")
    client_id = os.environ["GLOBUS_LOCAL_CLIENT_ID"]
    user_id = os.environ["GLOBUS_LOCAL_USER_ID"]

    # 1. Client-credential tokens for Groups: the client is the caller.
    auth = globus_sdk.ConfidentialAppAuthClient(client_id, os.environ["GLOBUS_LOCAL_CLIENT_SECRET"])
    tokens = auth.oauth2_client_credentials_tokens(requested_scopes=GROUPS_SCOPE)
    token = tokens.by_resource_server["groups.api.globus.org"]["access_token"]
    gc = globus_sdk.GroupsClient(authorizer=globus_sdk.AccessTokenAuthorizer(token))
    gm = globus_sdk.GroupsManager(gc)

    # 2. A group, and its policies.
    group = gm.create_group("python-local-groups", "made by the Python SDK")
    group_id = group["id"]
    roles = [m["role"] for m in group["my_memberships"]]
    check(roles == ["admin"], f"the creator's memberships are {roles}")
    policies = gm.set_group_policies(
        group_id,
        is_high_assurance=False,
        group_visibility="authenticated",
        group_members_visibility="members",
        join_requests=False,
        signup_fields=["institution"],
    )
    check(policies["group_visibility"] == "authenticated", f"policies: {policies.data}")

    # 3. The user added as a manager; an unknown identity invited (its own error only).
    added = gm.add_member(group_id, user_id, role="manager")
    check(added["add"][0]["role"] == "manager", f"add: {added.data}")
    check(added["add"][0]["status"] == "active", f"add: {added.data}")
    invited = gm.invite_member(group_id, UNKNOWN_IDENTITY)
    errors = invited["errors"]["invite"]
    check([e["identity_id"] for e in errors] == [UNKNOWN_IDENTITY], f"invite: {invited.data}")

    # 4. The client's groups, and the group's memberships.
    mine = [g for g in gc.get_my_groups() if g["id"] == group_id]
    check(len(mine) == 1, "get_my_groups does not list the new group")
    full = gc.get_group(group_id, include=["memberships"])
    members = {m["identity_id"]: (m["role"], m["status"]) for m in full["memberships"]}
    check(members.get(user_id) == ("manager", "active"), f"memberships: {members}")

    # 5. The user's view: their groups, and what a manager may not do.
    uc = user_groups_client()
    theirs = [g for g in uc.get_my_groups() if g["id"] == group_id]
    check(len(theirs) == 1, "the user's get_my_groups does not list the group")
    their_roles = [m["role"] for m in theirs[0]["my_memberships"]]
    try:
        uc.delete_group(group_id)
        refused = None
    except globus_sdk.GroupsAPIError as e:
        refused = e.http_status

    # 6. The other operations: update, policies, membership fields, preferences.
    renamed = gc.update_group(group_id, {"name": "python-local-groups (renamed)", "description": "renamed"})
    check(renamed["name"] == "python-local-groups (renamed)", f"update_group: {renamed.data}")
    check(gc.get_group_policies(group_id)["signup_fields"] == ["institution"], "get_group_policies")
    fields = uc.set_membership_fields(group_id, {"institution": "University of Chicago"})
    check(fields[user_id]["institution"] == "University of Chicago", f"set_membership_fields: {fields.data}")
    check(uc.get_membership_fields(group_id)[user_id] == {"institution": "University of Chicago"}, "get_membership_fields")
    prefs = uc.set_identity_preferences({"allow_add": False})
    check(prefs[user_id] == {"allow_add": False}, f"set_identity_preferences: {prefs.data}")
    check(uc.get_identity_preferences()[user_id]["allow_add"] is False, "get_identity_preferences")

    print(
        json.dumps(
            {
                "sdk_version": globus_sdk.__version__,
                "group_id": group_id,
                "creator_roles": roles,
                "members": {k: list(v) for k, v in members.items()},
                "invite_error_codes": [e["code"] for e in errors],
                "user_roles": their_roles,
                "user_delete_status": refused,
                "renamed": renamed["name"],
            }
        )
    )


if __name__ == "__main__":
    main()

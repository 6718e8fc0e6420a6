#!/usr/bin/env python3
"""Print, as JSON, the transfer and delete documents the Python `globus-sdk` builds for a
fixed set of options, and the Groups documents (BatchMembershipActions, GroupPolicies) and
the requests GroupsManager sends (captured with `responses`, never sent).
tests/python_parity.rs builds the same with the Rust SDK and compares.
Usage: python python_documents.py OUT.json (with globus-sdk and responses installed)."""
import datetime
import json
import sys

import globus_sdk
from globus_sdk import DeleteData, TransferData

V3 = globus_sdk.__version__.startswith("3.")
SRC, DST = "00000000-0000-0000-0000-000000000001", "00000000-0000-0000-0000-000000000002"
DEADLINE = datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)


def transfer(**kw):
    return TransferData(None, SRC, DST, **kw) if V3 else TransferData(SRC, DST, **kw)


def delete(**kw):
    return DeleteData(None, SRC, **kw) if V3 else DeleteData(SRC, **kw)


def plain(doc):
    """The document as sent: globus-sdk 4 leaves unset fields as MISSING and drops them."""
    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if v is not getattr(globus_sdk, "MISSING", object())}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value
    return json.loads(json.dumps(strip(dict(doc)), default=str))


docs = {}

t = transfer(submission_id="sub-1")
t.add_item("/a", "/b")
docs["transfer_minimal"] = plain(t)

t = transfer(
    submission_id="sub-1", label="nightly", sync_level="checksum", verify_checksum=True,
    preserve_timestamp=True, encrypt_data=True, deadline=DEADLINE, skip_source_errors=True,
    fail_on_quota_errors=True, delete_destination_extra=True, notify_on_succeeded=False,
    notify_on_failed=False, notify_on_inactive=False, source_local_user="su", destination_local_user="du",
)
t.add_item("/dir/", "/dir/", recursive=True)
t.add_item("/f", "/g", external_checksum="abc123", checksum_algorithm="MD5")
t.add_filter_rule("*.tmp")
t.add_filter_rule("keep", method="include", type="dir")
docs["transfer_full"] = plain(t)

for level, name in [(0, "exists"), (1, "size"), (2, "mtime"), (3, "checksum")]:
    t = transfer(submission_id="sub-1", sync_level=name)
    t.add_item("/a", "/b")
    docs[f"transfer_sync_{name}"] = plain(t)

d = delete(submission_id="sub-2")
d.add_item("/old")
docs["delete_minimal"] = plain(d)

d = delete(
    submission_id="sub-2", label="cleanup", recursive=True, ignore_missing=True, interpret_globs=True,
    deadline=DEADLINE, notify_on_succeeded=False, notify_on_failed=True, notify_on_inactive=False, local_user="lu",
)
d.add_item("/x/*.log")
d.add_item("/y")
docs["delete_full"] = plain(d)

# ---- Groups ----
GROUP = "00000000-0000-0000-0000-0000000000a1"
PARENT = "00000000-0000-0000-0000-0000000000a2"
IDS = ["00000000-0000-0000-0000-0000000000b%d" % i for i in range(1, 4)]


def groups_docs():
    import re

    import responses
    from globus_sdk import BatchMembershipActions, GroupPolicies, GroupsClient, GroupsManager

    out = {}
    b = BatchMembershipActions()
    b.accept_invites([IDS[0]])
    b.add_members(IDS[1:], role="manager")
    b.approve_pending([IDS[0], IDS[1]])
    b.decline_invites([IDS[2]])
    b.invite_members([IDS[0]], role="admin")
    b.join([IDS[1]])
    b.leave([IDS[2]])
    b.reject_join_requests([IDS[0]])
    b.remove_members([IDS[1]])
    b.request_join([IDS[2]])
    b.add_members([IDS[0]])
    b.invite_members([])
    out["groups_batch_every_action"] = plain(b)
    if hasattr(BatchMembershipActions, "change_roles"):
        out["groups_batch_change_roles"] = plain(BatchMembershipActions().change_roles("manager", IDS[:2]))
    out["groups_policies_minimal"] = plain(GroupPolicies(
        is_high_assurance=False, group_visibility="private", group_members_visibility="managers",
        join_requests=False, signup_fields=[],
    ))
    out["groups_policies_full"] = plain(GroupPolicies(
        is_high_assurance=True, group_visibility="authenticated", group_members_visibility="members",
        join_requests=True, signup_fields=["institution", "field_of_science", "zip"],
        authentication_assurance_timeout=3600,
    ))
    out["groups_policies_null_timeout"] = plain(GroupPolicies(
        is_high_assurance=False, group_visibility="private", group_members_visibility="members",
        join_requests=False, signup_fields=["phone"], authentication_assurance_timeout=None,
    ))

    manager = GroupsManager(GroupsClient())
    calls = {
        "create_group": lambda: manager.create_group("Lab", "Our lab"),
        "create_subgroup": lambda: manager.create_group("Staff", "Lab staff", parent_id=PARENT),
        "set_group_policies": lambda: manager.set_group_policies(
            GROUP, is_high_assurance=False, group_visibility="authenticated", group_members_visibility="managers",
            join_requests=True, signup_fields=["department"],
        ),
        "set_group_policies_timeout": lambda: manager.set_group_policies(
            GROUP, is_high_assurance=True, group_visibility="private", group_members_visibility="members",
            join_requests=False, signup_fields=[], authentication_assurance_timeout=1800,
        ),
        "accept_invite": lambda: manager.accept_invite(GROUP, IDS[0]),
        "add_member": lambda: manager.add_member(GROUP, IDS[0]),
        "add_member_admin": lambda: manager.add_member(GROUP, IDS[1], role="admin"),
        "approve_pending": lambda: manager.approve_pending(GROUP, IDS[0]),
        "decline_invite": lambda: manager.decline_invite(GROUP, IDS[0]),
        "invite_member": lambda: manager.invite_member(GROUP, IDS[0]),
        "invite_member_manager": lambda: manager.invite_member(GROUP, IDS[2], role="manager"),
        "join": lambda: manager.join(GROUP, IDS[0]),
        "leave": lambda: manager.leave(GROUP, IDS[0]),
        "reject_join_request": lambda: manager.reject_join_request(GROUP, IDS[0]),
        "remove_member": lambda: manager.remove_member(GROUP, IDS[0]),
        "request_join": lambda: manager.request_join(GROUP, IDS[0]),
    }
    if hasattr(GroupsManager, "change_role"):
        calls["change_role"] = lambda: manager.change_role(GROUP, IDS[0], "admin")
    for name, call in calls.items():
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            for method in ("GET", "POST", "PUT", "DELETE"):
                mock.add(method, re.compile(r"https?://.*"), json={}, status=200)
            call()
            request = mock.calls[0].request
            out["groups_manager_" + name] = {
                "method": request.method,
                "path": request.path_url,
                "body": json.loads(request.body) if request.body else None,
            }
    return out


docs.update(groups_docs())

with open(sys.argv[1], "w") as f:
    json.dump({"globus_sdk_version": globus_sdk.__version__, "documents": docs}, f, indent=1, sort_keys=True)
print(f"wrote {len(docs)} documents from globus-sdk {globus_sdk.__version__}")

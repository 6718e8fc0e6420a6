#!/usr/bin/env python3
"""Print, as JSON, the documents the Python `globus-sdk` builds for a fixed set of options:
transfer and delete documents, Search query documents, timer documents, the Groups documents
(BatchMembershipActions, GroupPolicies) and the requests GroupsManager sends (captured with
`responses`, never sent). tests/python_parity.rs builds the same with the Rust SDK and compares.
Usage: python python_documents.py OUT.json (with globus-sdk and responses installed)."""
import collections.abc

import datetime
import json
import sys

import globus_sdk
from globus_sdk import DeleteData, OnceTimerSchedule, RecurringTimerSchedule, TimerJob, TransferData, TransferTimer

V3 = globus_sdk.__version__.startswith("3.")
SRC, DST = "00000000-0000-0000-0000-000000000001", "00000000-0000-0000-0000-000000000002"
DEADLINE = datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
LATER = datetime.datetime(2030, 2, 3, 4, 5, 6, 250000, tzinfo=datetime.timezone.utc)


def transfer(**kw):
    return TransferData(None, SRC, DST, **kw) if V3 else TransferData(SRC, DST, **kw)


def delete(**kw):
    return DeleteData(None, SRC, **kw) if V3 else DeleteData(SRC, **kw)


def plain(doc):
    """The document as sent: globus-sdk 4 leaves unset fields as MISSING and drops them."""
    def strip(value):
        # Nested payloads (a timer's schedule) are mappings but not dicts in globus-sdk 3.
        if isinstance(value, collections.abc.Mapping):
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

# Search query documents (names start with `search_`; `search_legacy_` ones only in 3.x, whose
# deprecated SearchQuery and SearchScrollQuery have the add_*/set_* helpers).
FILTERS = [
    {"type": "match_any", "field_name": "project", "values": ["argo", "saildrone"]},
    {"type": "match_all", "field_name": "tags", "values": ["ocean", 7, True]},
    {"type": "range", "field_name": "date", "values": [
        {"from": "2020-01-01", "to": "2021-01-01"}, {"from": "2024-01-01", "to": "*"}, {"from": "*", "to": 3}]},
    {"type": "range", "field_name": "depth", "values": [{"gt": 0, "lte": 5.5}]},
    {"type": "exists", "field_name": "doi"},
    {"type": "like", "field_name": "title", "value": "sea*"},
    {"type": "not", "filter": {"type": "exists", "field_name": "retracted"}},
    {"type": "or", "filters": [
        {"type": "match_any", "field_name": "a", "values": ["x"]},
        {"type": "and", "filters": [{"type": "exists", "field_name": "b"}, {"type": "exists", "field_name": "c"}]}]},
]
FACETS = [
    {"type": "terms", "field_name": "instrument", "name": "Instruments", "size": 5},
    {"type": "date_histogram", "field_name": "published", "date_interval": "year",
     "histogram_range": {"low": "2000-01-01", "high": "2030-01-01"}},
    {"type": "numeric_histogram", "field_name": "size_mb", "size": 10, "histogram_range": {"low": 0, "high": 1000}},
    {"type": "sum", "field_name": "size_mb", "missing": 0},
    {"type": "avg", "field_name": "size_mb", "name": "Mean size"},
    {"type": "distinct_count", "field_name": "author",
     "additional_filters": [{"type": "match_any", "field_name": "project", "values": ["argo"]}]},
]
docs["search_v1_minimal"] = plain(globus_sdk.SearchQueryV1(q="ocean"))
docs["search_v1_full"] = plain(globus_sdk.SearchQueryV1(
    q="ocean", limit=25, offset=50, advanced=True, filters=FILTERS, facets=FACETS,
    post_facet_filters=[{"type": "match_any", "field_name": "license", "values": ["cc-by"]}],
    boosts=[{"field_name": "title", "factor": 2.5}, {"field_name": "abstract", "factor": 3}],
    sort=[{"field_name": "date", "order": "desc"}, {"field_name": "title", "order": "asc"}, {"field_name": "size"}],
    additional_fields={"bypass_visible_to": True, "filter_principal_sets": ["admins"],
                       "result_format_version": "2017-09-01", "fields": ["content", "visible_to"]},
))
docs["search_v1_filters_only"] = plain(globus_sdk.SearchQueryV1(filters=[FILTERS[4]], limit=0))
docs["search_scroll_minimal"] = plain(globus_sdk.SearchScrollQuery("*"))
docs["search_scroll_full"] = plain(globus_sdk.SearchScrollQuery(
    "*", limit=100, advanced=True, marker="m-1",
    additional_fields={"bypass_visible_to": True, "filters": [FILTERS[0]]},
))
if V3:
    q = globus_sdk.SearchQuery(q="ocean", limit=10, offset=0, advanced=False)
    q.add_filter("project", ["argo"], type="match_any")
    q.add_filter("year", [{"from": 2020, "to": "*"}], type="range", additional_fields={"post_filter": False})
    q.add_filter("tags", ["a", "b"])
    q.add_facet("Instruments", "instrument", size=5)
    q.add_facet("By year", "published", type="date_histogram", date_interval="year",
                histogram_range=("2000-01-01", "2030-01-01"))
    q.add_facet("Sizes", "size_mb", type="numeric_histogram", size=10, histogram_range=(0, 1000))
    q.add_facet("Total", "size_mb", type="sum", additional_fields={"missing": 0})
    q.add_boost("title", 2.5)
    q.add_sort("date", order="asc")
    q.add_sort("name")
    q.set_query("ocean floor").set_limit(20).set_offset(40).set_advanced(True)
    docs["search_legacy_full"] = plain(q)
    s = globus_sdk.SearchScrollQuery("*", limit=50)
    s.add_filter("doi", ["10.1/x"], type="match_any")
    s.set_marker("m-2")
    docs["search_legacy_scroll"] = plain(s)
# Timers: a transfer timer drops the submission id; schedules as OnceTimerSchedule and
# RecurringTimerSchedule write them; TimerJob (and, in globus-sdk 3, from_transfer_data).
t = transfer(submission_id="sub-1")
t.add_item("/a", "/b")
docs["timer_once_now"] = plain(TransferTimer(schedule=OnceTimerSchedule(), body=t))
docs["timer_once_at"] = plain(TransferTimer(name="once", schedule=OnceTimerSchedule(datetime=DEADLINE), body=t))
docs["timer_recurring_count"] = plain(TransferTimer(
    name="every ten minutes",
    schedule=RecurringTimerSchedule(600, start=DEADLINE, end={"condition": "iterations", "count": 3}),
    body=t,
))
docs["timer_recurring_until"] = plain(TransferTimer(
    name="hourly", schedule=RecurringTimerSchedule(3600, end={"condition": "time", "datetime": LATER}), body=t
))
full = transfer(
    submission_id="sub-1", label="nightly", sync_level="checksum", verify_checksum=True, deadline=DEADLINE,
    source_local_user="su",
)
full.add_item("/dir/", "/dir/", recursive=True)
full.add_filter_rule("*.tmp")
docs["timer_full_transfer"] = plain(TransferTimer(name="full", schedule=RecurringTimerSchedule(86400), body=full))
docs["job_full"] = plain(TimerJob(
    "https://actions.example.org/run", {"body": {"x": 1}}, DEADLINE, 3600, name="hourly", stop_after=LATER,
    stop_after_n=5, scope="https://auth.globus.org/scopes/actions.globus.org/transfer/transfer",
))
docs["job_once"] = plain(TimerJob("https://actions.example.org/run", {"body": {}}, DEADLINE, None))
if hasattr(globus_sdk, "FlowTimer"):
    docs["flow_timer"] = plain(globus_sdk.FlowTimer(
        name="hourly flow", flow_id="00000000-0000-0000-0000-0000000000f1",
        schedule=RecurringTimerSchedule(3600, end={"condition": "iterations", "count": 24}),
        body={"body": {"input_key": "input_value"}, "run_managers": ["urn:globus:auth:identity:x"]},
    ))
if hasattr(TimerJob, "from_transfer_data"):
    import warnings

    warnings.simplefilter("ignore")
    t = transfer()
    t.add_item("/a", "/b")
    docs["job_from_transfer_data"] = plain(TimerJob.from_transfer_data(t, DEADLINE, 86400, name="daily"))
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

# GCS documents (names start with `gcs_`): the DATA_TYPE version deduced from the fields set.
from globus_sdk import (
    EndpointDocument, GCSRoleDocument, GuestCollectionDocument, MappedCollectionDocument, POSIXStoragePolicies,
    S3StoragePolicies, StorageGatewayDocument, UserCredentialDocument,
)

docs["gcs_mapped_minimal"] = plain(MappedCollectionDocument(storage_gateway_id="sg-1", collection_base_path="/"))
docs["gcs_mapped_full"] = plain(MappedCollectionDocument(
    storage_gateway_id="sg-1", collection_base_path="/data", display_name="Data", public=True, enable_https=True,
    sharing_users_allow=["alice"], sharing_users_deny=[], delete_protected=True, allow_guest_collections=True,
    keywords=["a", "b"], user_message="x" * 70, disable_anonymous_writes=False, force_verify=True,
    domain_name="data.example.org", policies={"DATA_TYPE": "posix_collection_policies#1.0.0"},
))
docs["gcs_mapped_acl_expiration"] = plain(MappedCollectionDocument(acl_expiration_mins=60))
docs["gcs_guest"] = plain(GuestCollectionDocument(
    mapped_collection_id="mc-1", user_credential_id="uc-1", collection_base_path="/shared", display_name="Shared",
))
docs["gcs_storage_gateway"] = plain(StorageGatewayDocument(
    display_name="home", connector_id="145812c8-decc-41f1-83cf-bb2a85a2a70b", root="/", allowed_domains=["example.edu"],
    require_mfa=True, users_allow=["u1"], policies=POSIXStoragePolicies(groups_allow=["staff"], groups_deny=[]),
))
docs["gcs_storage_gateway_s3"] = plain(StorageGatewayDocument(
    display_name="s3", policies=S3StoragePolicies(s3_endpoint="https://s3.example.org", s3_buckets=["b"], s3_user_credential_required=True),
))
docs["gcs_endpoint"] = plain(EndpointDocument(display_name="DTN", public=True, max_concurrency=4, gridftp_control_channel_port=443))
docs["gcs_role"] = plain(GCSRoleDocument(collection="c-1", principal="urn:globus:auth:identity:u-1", role="administrator"))
docs["gcs_user_credential"] = plain(UserCredentialDocument(
    storage_gateway_id="sg-1", identity_id="u-1", username="alice", policies={"DATA_TYPE": "s3_user_credential_policies#1.0.0", "s3_key_id": "K", "s3_secret_key": "S"},
))

with open(sys.argv[1], "w") as f:
    json.dump({"globus_sdk_version": globus_sdk.__version__, "documents": docs}, f, indent=1, sort_keys=True)
print(f"wrote {len(docs)} documents from globus-sdk {globus_sdk.__version__}")

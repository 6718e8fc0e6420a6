#!/usr/bin/env python3
"""Print, as JSON, the transfer and delete documents and the Search query documents the
Python `globus-sdk` builds for a fixed set of options. tests/python_parity.rs builds the same
with TransferData/DeleteData and SearchQuery/SearchScrollQuery and compares. Usage: python python_documents.py OUT.json (with globus-sdk installed)."""
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

with open(sys.argv[1], "w") as f:
    json.dump({"globus_sdk_version": globus_sdk.__version__, "documents": docs}, f, indent=1, sort_keys=True)
print(f"wrote {len(docs)} documents from globus-sdk {globus_sdk.__version__}")

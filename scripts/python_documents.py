#!/usr/bin/env python3
"""Print, as JSON, the transfer and delete documents the Python `globus-sdk` builds for a
fixed set of options. tests/python_parity.rs builds the same with TransferData/DeleteData and
compares. Usage: python python_documents.py OUT.json (with globus-sdk installed)."""
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

with open(sys.argv[1], "w") as f:
    json.dump({"globus_sdk_version": globus_sdk.__version__, "documents": docs}, f, indent=1, sort_keys=True)
print(f"wrote {len(docs)} documents from globus-sdk {globus_sdk.__version__}")

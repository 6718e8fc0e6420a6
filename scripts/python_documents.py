#!/usr/bin/env python3
"""Print, as JSON, the transfer, delete and timer documents the Python `globus-sdk` builds
for a fixed set of options. tests/python_parity.rs builds the same with TransferData,
DeleteData, TransferTimer (with OnceSchedule/RecurringSchedule) and TimerJob, and compares. Usage: python python_documents.py OUT.json (with globus-sdk installed)."""
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

with open(sys.argv[1], "w") as f:
    json.dump({"globus_sdk_version": globus_sdk.__version__, "documents": docs}, f, indent=1, sort_keys=True)
print(f"wrote {len(docs)} documents from globus-sdk {globus_sdk.__version__}")

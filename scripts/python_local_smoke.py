#!/usr/bin/env python3
"""Drive the local Globus (globus-local, or LocalGlobus in a Rust test) with the Python SDK.

The environment comes from the server's export lines: GLOBUS_SDK_SERVICE_URL_AUTH and
GLOBUS_SDK_SERVICE_URL_TRANSFER point the SDK at it, GLOBUS_LOCAL_CLIENT_ID and
GLOBUS_LOCAL_CLIENT_SECRET are its confidential client. The steps: client-credential tokens,
endpoint search for the source and destination collections (by display name, default
`source` and `destination`), ls of the source, a recursive transfer of it into a new
directory of the destination, task_wait, the task's events, and an ls of the copy.

Prints one JSON summary on its last line and exits 0 on success, 1 otherwise.
Works with globus-sdk 3.x and 4.x.
"""

import argparse
import json
import os
import sys

import globus_sdk

TRANSFER_SCOPE = "urn:globus:auth:scope:transfer.api.globus.org:all"


def fail(message):
    print(f"python_local_smoke: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def find_collection(tc, name):
    hits = [ep for ep in tc.endpoint_search(filter_fulltext=name) if ep["display_name"] == name]
    if len(hits) != 1:
        fail(f"endpoint_search({name!r}) found {len(hits)} collections named {name!r}")
    return hits[0]["id"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default="source", help="display name of the source collection")
    parser.add_argument("--destination", default="destination", help="display name of the destination")
    parser.add_argument("--target-dir", default="python-smoke", help="directory created on the destination")
    args = parser.parse_args()

    for var in ("GLOBUS_SDK_SERVICE_URL_AUTH", "GLOBUS_SDK_SERVICE_URL_TRANSFER", "GLOBUS_LOCAL_CLIENT_ID", "GLOBUS_LOCAL_CLIENT_SECRET"):
        if not os.environ.get(var):
            fail(f"{var} is not set: export the lines globus-local prints")

    # 1. Client-credential tokens for Transfer.
    auth = globus_sdk.ConfidentialAppAuthClient(
        os.environ["GLOBUS_LOCAL_CLIENT_ID"], os.environ["GLOBUS_LOCAL_CLIENT_SECRET"]
    )
    tokens = auth.oauth2_client_credentials_tokens(requested_scopes=TRANSFER_SCOPE)
    transfer_token = tokens.by_resource_server["transfer.api.globus.org"]["access_token"]
    tc = globus_sdk.TransferClient(authorizer=globus_sdk.AccessTokenAuthorizer(transfer_token))

    # 2. Endpoint search.
    source = find_collection(tc, args.source)
    destination = find_collection(tc, args.destination)
    if tc.get_endpoint(source)["display_name"] != args.source:
        fail("get_endpoint disagrees with endpoint_search")

    # 3. ls of the source.
    listing = tc.operation_ls(source, path="/~/")
    names = sorted(entry["name"] for entry in listing)
    if not names:
        fail("the source collection is empty: nothing to transfer")

    # 4. A recursive transfer of the whole source into a new directory of the destination.
    submission_id = tc.get_submission_id()["value"]
    tdata = globus_sdk.TransferData(
        source_endpoint=source,
        destination_endpoint=destination,
        label="python smoke test",
        submission_id=submission_id,
        sync_level="checksum",
        verify_checksum=True,
    )
    tdata.add_item("/~/", f"/~/{args.target_dir}/", recursive=True)
    task_id = tc.submit_transfer(tdata)["task_id"]

    # 5. Wait for it.
    if not tc.task_wait(task_id, timeout=60, polling_interval=1):
        fail(f"task {task_id} did not finish in 60 s")
    task = tc.get_task(task_id)
    if task["status"] != "SUCCEEDED":
        fail(f"task {task_id} ended {task['status']}: {task['fatal_error']}")

    # 6. Its events.
    events = [event["code"] for event in tc.task_event_list(task_id)]
    if "SUCCEEDED" not in events:
        fail(f"no SUCCEEDED event in {events}")

    # 7. The copy is there.
    copied = sorted(entry["name"] for entry in tc.operation_ls(destination, path=f"/~/{args.target_dir}/"))
    if copied != names:
        fail(f"the destination holds {copied}, the source {names}")

    # 8. A bookmark on the copy: made, renamed, listed, deleted.
    mark = tc.create_bookmark(
        {"endpoint_id": destination, "path": f"/~/{args.target_dir}/", "name": "smoke copy"}
    )
    tc.update_bookmark(mark["id"], {"name": "smoke copy, checked"})
    marks = [(b["name"], b["path"]) for b in tc.bookmark_list()]
    if marks != [("smoke copy, checked", f"/~/{args.target_dir}/")]:
        fail(f"the bookmarks are {marks}")
    tc.delete_bookmark(mark["id"])
    if list(tc.bookmark_list()):
        fail("the bookmark is still listed after its deletion")

    summary = {
        "sdk_version": globus_sdk.__version__,
        "source": source,
        "destination": destination,
        "listed": names,
        "task_id": task_id,
        "status": task["status"],
        "files_transferred": task["files_transferred"],
        "bytes_transferred": task["bytes_transferred"],
        "events": events,
        "bookmarks": marks,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()

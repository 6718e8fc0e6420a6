#!/usr/bin/env python3
"""Run a transfer timer on the local Globus with the Python SDK's TimersClient.

The environment comes from the server's export lines (LocalGlobus::env_vars, globus-local):
GLOBUS_SDK_SERVICE_URL_AUTH, GLOBUS_SDK_SERVICE_URL_TIMER (the Python SDK's name for Timers)
and GLOBUS_SDK_SERVICE_URL_TRANSFER point the SDK at it; GLOBUS_LOCAL_CLIENT_ID and
GLOBUS_LOCAL_CLIENT_SECRET are its confidential client; GLOBUS_LOCAL_COLLECTION_SOURCE and
GLOBUS_LOCAL_COLLECTION_DESTINATION its collections. The steps: client-credential tokens for
the timer scope (with Transfer and the collections' data_access as dependencies), a
TransferTimer (TransferData + RecurringTimerSchedule, every second, two runs) created with
create_timer, get_job until the timer has ended, the two runs' tasks waited for on Transfer,
and list_jobs.

Prints one JSON summary on its last line and exits 0 on success, 1 otherwise.
Works with globus-sdk 3.x and 4.x.
"""

import json
import os
import sys
import time

import globus_sdk
from globus_sdk import RecurringTimerSchedule, TransferData, TransferTimer

TRANSFER_SCOPE = "urn:globus:auth:scope:transfer.api.globus.org:all"
TIMERS_RESOURCE_SERVER = "524230d7-ea86-4a52-8312-86065a9e0417"


def fail(message):
    print(f"python_local_timers: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def main():
    needed = (
        "GLOBUS_SDK_SERVICE_URL_AUTH",
        "GLOBUS_SDK_SERVICE_URL_TIMER",
        "GLOBUS_SDK_SERVICE_URL_TRANSFER",
        "GLOBUS_LOCAL_CLIENT_ID",
        "GLOBUS_LOCAL_CLIENT_SECRET",
        "GLOBUS_LOCAL_COLLECTION_SOURCE",
        "GLOBUS_LOCAL_COLLECTION_DESTINATION",
    )
    for var in needed:
        if not os.environ.get(var):
            fail(f"{var} is not set: export the lines globus-local prints")
    source = os.environ["GLOBUS_LOCAL_COLLECTION_SOURCE"]
    destination = os.environ["GLOBUS_LOCAL_COLLECTION_DESTINATION"]

    # 1. Tokens: the timer scope with Transfer (and its data_access) as a dependency.
    data_access = " ".join(f"*https://auth.globus.org/scopes/{c}/data_access" for c in (source, destination))
    timer_scope = f"{globus_sdk.scopes.TimersScopes.timer}[{TRANSFER_SCOPE}[{data_access}]]"
    auth = globus_sdk.ConfidentialAppAuthClient(
        os.environ["GLOBUS_LOCAL_CLIENT_ID"], os.environ["GLOBUS_LOCAL_CLIENT_SECRET"]
    )
    tokens = auth.oauth2_client_credentials_tokens(requested_scopes=[timer_scope, TRANSFER_SCOPE])
    timers_token = tokens.by_resource_server[TIMERS_RESOURCE_SERVER]["access_token"]
    transfer_token = tokens.by_resource_server["transfer.api.globus.org"]["access_token"]
    timers = globus_sdk.TimersClient(authorizer=globus_sdk.AccessTokenAuthorizer(timers_token))
    transfer = globus_sdk.TransferClient(authorizer=globus_sdk.AccessTokenAuthorizer(transfer_token))

    # 2. A transfer timer: every second, ended after two runs.
    tdata = TransferData(source_endpoint=source, destination_endpoint=destination, label="python timer")
    tdata.add_item("/~/timed/", "/~/timed-copy/", recursive=True)
    schedule = RecurringTimerSchedule(interval_seconds=1, end={"condition": "iterations", "count": 2})
    created = timers.create_timer(TransferTimer(name="python timer", schedule=schedule, body=tdata))
    timer = created["timer"]
    job_id = timer["job_id"]
    if timer["timer_type"] != "transfer" or timer["name"] != "python timer":
        fail(f"create_timer answered {timer}")
    if "submission_id" in timer["body"]:
        fail("the timer's transfer kept a submission id")

    # 3. Wait for it to end.
    deadline = time.monotonic() + 60
    while True:
        job = timers.get_job(job_id)
        if job["status"] == "ended":
            break
        if time.monotonic() > deadline:
            fail(f"the timer did not end within 60 s: {job.data}")
        time.sleep(0.1)

    # 4. Its runs, and their tasks on Transfer.
    runs = job["results"]["data"]
    task_ids = [run["data"]["details"]["task_id"] for run in runs if run.get("data")]
    statuses = []
    for task_id in task_ids:
        if not transfer.task_wait(task_id, timeout=60, polling_interval=1):
            fail(f"task {task_id} did not finish")
        statuses.append(transfer.get_task(task_id)["status"])
    listed = [j["job_id"] for j in timers.list_jobs()["jobs"]]
    if job_id not in listed:
        fail(f"list_jobs does not list {job_id}: {listed}")

    print(
        json.dumps(
            {
                "globus_sdk_version": globus_sdk.__version__,
                "status": job["status"],
                "runs": job["n_runs"],
                "next_run": job["next_run"],
                "task_ids": task_ids,
                "task_statuses": statuses,
            }
        )
    )


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Run a flow on the local Globus with the Python SDK's FlowsClient and SpecificFlowClient.

The environment comes from the server's export lines (LocalGlobus::env_vars, globus-local):
GLOBUS_SDK_SERVICE_URL_AUTH, GLOBUS_SDK_SERVICE_URL_FLOWS and GLOBUS_SDK_SERVICE_URL_TRANSFER
point the SDK at it; GLOBUS_LOCAL_CLIENT_ID and GLOBUS_LOCAL_CLIENT_SECRET are its
confidential client; GLOBUS_LOCAL_COLLECTION_SOURCE and GLOBUS_LOCAL_COLLECTION_DESTINATION
its collections. The steps: client-credential tokens for Flows (found under the resource
server flows.globus.org), create_flow with a flow that lists /flowdata/ on the source (the
Transfer ls action), then transfers the listed directory (the Transfer transfer action, its
paths taken from the listing by JSONPath), and ends with the task's status; tokens for the
flow's own scope (found under the flow's id); run_flow with SpecificFlowClient; get_run until
SUCCEEDED; get_run_logs; list_runs; the task looked up on Transfer.

Prints one JSON summary on its last line and exits 0 on success, 1 otherwise.
Works with globus-sdk 3.x and 4.x.
"""

import json
import os
import sys
import time

import globus_sdk

FLOWS_RESOURCE_SERVER = "flows.globus.org"
TRANSFER_SCOPE = "urn:globus:auth:scope:transfer.api.globus.org:all"


def fail(message):
    print(f"python_local_flows: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


DEFINITION = {
    "Comment": "List a directory, then copy it",
    "StartAt": "List",
    "States": {
        "List": {
            "Type": "Action",
            "ActionUrl": "https://actions.globus.org/transfer/ls",
            "Parameters": {"endpoint_id.$": "$.source", "path.$": "$.path"},
            "ResultPath": "$.listing",
            "Next": "Copy",
        },
        "Copy": {
            "Type": "Action",
            "ActionUrl": "https://actions.globus.org/transfer/transfer",
            "Parameters": {
                "source_endpoint_id.$": "$.source",
                "destination_endpoint_id.$": "$.destination",
                "transfer_items": [
                    {
                        "source_path.$": "$.listing.details.absolute_path",
                        "destination_path.$": "$.destination_path",
                        "recursive": True,
                    }
                ],
            },
            "ResultPath": "$.copied",
            "Next": "Outcome",
        },
        "Outcome": {
            "Type": "Pass",
            "Parameters": {"task_id.$": "$.copied.details.task_id", "status.$": "$.copied.details.status"},
            "ResultPath": "$.outcome",
            "End": True,
        },
    },
}

INPUT_SCHEMA = {
    "type": "object",
    "required": ["source", "destination", "path", "destination_path"],
    "properties": {
        "source": {"type": "string"},
        "destination": {"type": "string"},
        "path": {"type": "string"},
        "destination_path": {"type": "string"},
    },
}


def main():
    needed = (
        "GLOBUS_SDK_SERVICE_URL_AUTH",
        "GLOBUS_SDK_SERVICE_URL_FLOWS",
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
    auth = globus_sdk.ConfidentialAppAuthClient(
        os.environ["GLOBUS_LOCAL_CLIENT_ID"], os.environ["GLOBUS_LOCAL_CLIENT_SECRET"]
    )

    # 1. A Flows token, under the resource server real Auth uses.
    tokens = auth.oauth2_client_credentials_tokens(
        requested_scopes=[globus_sdk.scopes.FlowsScopes.all, TRANSFER_SCOPE]
    )
    if FLOWS_RESOURCE_SERVER not in tokens.by_resource_server:
        fail(f"no token for {FLOWS_RESOURCE_SERVER}: {sorted(tokens.by_resource_server)}")
    flows_token = tokens.by_resource_server[FLOWS_RESOURCE_SERVER]["access_token"]
    transfer_token = tokens.by_resource_server["transfer.api.globus.org"]["access_token"]
    flows = globus_sdk.FlowsClient(authorizer=globus_sdk.AccessTokenAuthorizer(flows_token))

    # 2. The flow; a definition the service rejects is refused first.
    try:
        flows.validate_flow({"StartAt": "Missing", "States": {"A": {"Type": "Pass", "End": True}}})
        fail("a definition with an unknown StartAt was accepted")
    except globus_sdk.FlowsAPIError as e:
        if e.http_status != 422:
            fail(f"validate_flow answered {e.http_status}, not 422")
    flow = flows.create_flow("copy what is listed", DEFINITION, INPUT_SCHEMA)
    flow_id = flow["id"]
    flow_scope = flow["globus_auth_scope"]

    # 3. A token for the flow's own scope, under the flow's id; the run.
    flow_tokens = auth.oauth2_client_credentials_tokens(requested_scopes=[flow_scope])
    if flow_id not in flow_tokens.by_resource_server:
        fail(f"no token for the flow {flow_id}: {sorted(flow_tokens.by_resource_server)}")
    flow_token = flow_tokens.by_resource_server[flow_id]["access_token"]
    specific = globus_sdk.SpecificFlowClient(flow_id, authorizer=globus_sdk.AccessTokenAuthorizer(flow_token))
    run = specific.run_flow(
        {"source": source, "destination": destination, "path": "/flowdata/", "destination_path": "/from-python/"},
        label="python run",
        tags=["python"],
    )
    run_id = run["run_id"]

    # 4. Wait for it.
    deadline = time.monotonic() + 60
    while True:
        doc = flows.get_run(run_id)
        if doc["status"] in ("SUCCEEDED", "FAILED"):
            break
        if time.monotonic() > deadline:
            fail(f"the run is still {doc['status']}")
        time.sleep(0.1)
    if doc["status"] != "SUCCEEDED":
        fail(f"the run ended {doc['status']}: {json.dumps(doc['details'])}")
    outcome = doc["details"]["output"]["outcome"]

    # 5. Its logs, its listing, its task on Transfer.
    logs = flows.get_run_logs(run_id, limit=100)
    codes = [e["code"] for e in logs["entries"]]
    runs = flows.list_runs(filter_flow_id=flow_id)
    if [r["run_id"] for r in runs["runs"]] != [run_id]:
        fail(f"list_runs: {runs.data}")
    transfer = globus_sdk.TransferClient(authorizer=globus_sdk.AccessTokenAuthorizer(transfer_token))
    task = transfer.get_task(outcome["task_id"])

    print(
        json.dumps(
            {
                "flow_id": flow_id,
                "run_id": run_id,
                "status": doc["status"],
                "task_status": task["status"],
                "outcome": outcome,
                "first_log": codes[0],
                "last_log": codes[-1],
                "codes": codes,
            }
        )
    )


if __name__ == "__main__":
    main()

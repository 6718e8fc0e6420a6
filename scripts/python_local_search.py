#!/usr/bin/env python3
"""Drive the local Globus's Search with the Python SDK's SearchClient.

The environment comes from the server's export lines: GLOBUS_SDK_SERVICE_URL_AUTH and
GLOBUS_SDK_SERVICE_URL_SEARCH point the SDK at it, GLOBUS_LOCAL_CLIENT_ID and
GLOBUS_LOCAL_CLIENT_SECRET are its confidential client. The steps: client-credential tokens
for Search, create an index, ingest a GMetaList, wait for the task, a simple search, a
post_search built with the SDK's query helper (SearchQuery in 3.x, SearchQueryV1 in 4.x)
with a filter, a terms facet and a sort, the paginated search, a scroll, and a 404.

Prints one JSON summary on its last line and exits 0 on success, 1 otherwise.
Works with globus-sdk 3.x and 4.x.
"""

import json
import os
import sys
import time
import warnings

import globus_sdk

SEARCH_SCOPE = "urn:globus:auth:scope:search.api.globus.org:all"


def fail(message):
    print(f"python_local_search: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def query_document():
    """A query with a filter, a facet and a sort, built by the SDK's own helper."""
    if hasattr(globus_sdk, "SearchQuery"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SearchQuery is deprecated in late 3.x
            query = globus_sdk.SearchQuery("water")
        query.add_filter("region", ["ocean", "river"], type="match_any")
        query.add_facet("kinds", "region")
        query.add_sort("depth", order="desc")
        return query
    return globus_sdk.SearchQueryV1(
        q="water",
        filters=[{"type": "match_any", "field_name": "region", "values": ["ocean", "river"]}],
        facets=[{"name": "kinds", "field_name": "region", "type": "terms"}],
        sort=[{"field_name": "depth", "order": "desc"}],
    )


def wait(sc, task_id):
    """Poll a task until it ends; its last document."""
    deadline = time.time() + 30
    while True:
        task = sc.get_task(task_id)
        if task["state"] not in ("PENDING", "PROGRESS"):
            return task
        if time.time() > deadline:
            fail(f"task {task_id} still {task['state']}")
        time.sleep(0.05)


def main():
    for var in ("GLOBUS_SDK_SERVICE_URL_AUTH", "GLOBUS_SDK_SERVICE_URL_SEARCH", "GLOBUS_LOCAL_CLIENT_ID",
                "GLOBUS_LOCAL_CLIENT_SECRET"):
        if not os.environ.get(var):
            fail(f"{var} is not set: export the lines globus-local prints")

    # 1. Client-credential tokens for Search.
    auth = globus_sdk.ConfidentialAppAuthClient(
        os.environ["GLOBUS_LOCAL_CLIENT_ID"], os.environ["GLOBUS_LOCAL_CLIENT_SECRET"]
    )
    tokens = auth.oauth2_client_credentials_tokens(requested_scopes=SEARCH_SCOPE)
    search_token = tokens.by_resource_server["search.api.globus.org"]["access_token"]
    sc = globus_sdk.SearchClient(authorizer=globus_sdk.AccessTokenAuthorizer(search_token))

    # 2. An index, and three documents.
    index_id = sc.create_index("python", "made by python_local_search.py")["id"]
    docs = [
        ("py-1", {"title": "Deep water of the ocean", "region": "ocean", "depth": 4000}),
        ("py-2", {"title": "Dry land", "region": "desert", "depth": 0}),
        ("py-3", {"title": "Fresh water of the river", "region": "river", "depth": 12}),
        ("py-4", {"title": "Shallow water of the ocean", "region": "ocean", "depth": 20}),
    ]
    gmeta = [{"subject": s, "visible_to": ["public"], "content": c} for s, c in docs]
    # py-4 is private to an identity that is not the caller.
    gmeta[3]["visible_to"] = ["urn:globus:auth:identity:46bd0f56-e24f-11e5-a510-131bef46955c"]
    task_id = sc.ingest(index_id, {"ingest_type": "GMetaList", "ingest_data": {"gmeta": gmeta}})["task_id"]

    # 3. Wait for the task.
    task = wait(sc, task_id)
    if task["index_id"] != index_id:
        fail("the task names another index")

    # 4. A simple search.
    simple = sorted(g["subject"] for g in sc.search(index_id, "water")["gmeta"])

    # 5. post_search with a filter, a facet and a sort.
    result = sc.post_search(index_id, query_document())
    filtered = [g["subject"] for g in result["gmeta"]]
    kinds = [f for f in result["facet_results"] if f["name"] == "kinds"][0]
    facet = [[b["value"], b["count"]] for b in kinds["buckets"]]

    # 6. The paginated search and a scroll.
    paged = sum(len(page["gmeta"]) for page in sc.paginated.search(index_id, "*", limit=1))
    scrolled = sum(len(page["gmeta"]) for page in sc.paginated.scroll(index_id, {"q": "*", "limit": 2}))

    # 7. A subject that does not exist.
    try:
        sc.get_subject(index_id, "nothing-here")
        fail("get_subject of a missing subject succeeded")
    except globus_sdk.SearchAPIError as e:
        if e.http_status != 404:
            fail(f"get_subject of a missing subject: {e.http_status}")
        missing_code = e.code

    # 8. Deletions, tasks, roles, and the index's own lifecycle.
    wait(sc, sc.batch_delete_by_subject(index_id, ["py-2"])["task_id"])
    wait(sc, sc.delete_by_query(index_id, {"q": "river"})["task_id"])
    remaining = sorted(g["subject"] for g in sc.post_search(index_id, {"q": "*"})["gmeta"])
    tasks = [t["task_type"] for t in sc.get_task_list(index_id)["tasks"]]
    roles = [r["role_name"] for r in sc.get_role_list(index_id)["role_list"]]
    listed = [i["id"] for i in sc.index_list()]
    sc.delete_index(index_id)
    status_after_delete = sc.get_index(index_id)["status"]
    sc.reopen_index(index_id)

    print(json.dumps({
        "remaining": remaining,
        "tasks": tasks,
        "roles": roles,
        "listed": index_id in listed,
        "status_after_delete": status_after_delete,
        "index_id": index_id,
        "task_state": task["state"],
        "simple": simple,
        "filtered": filtered,
        "facet": facet,
        "paged": paged,
        "scrolled": scrolled,
        "missing_code": missing_code,
    }))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The Python SDK's side of `cargo bench --bench compare`: the same scenarios, against the
same loopback server, printed as one JSON object (seconds; peak resident memory in KiB).

Usage: python bench_python.py BASE_URL (with globus-sdk installed; the compare bench runs it
when GLOBUS_BENCH_PYTHON names the interpreter). The server answers /v0.10/task/t-1 with a
53-field task, /v0.10/endpoint_manager/task_list with 100 pages of 1,000 tasks (last_key),
and /v0.10/operation/endpoint/ep/ls with 100,000 entries.
"""
import concurrent.futures
import json
import resource
import sys
import time

import globus_sdk

URL = sys.argv[1]
CALLS = 2000
CONCURRENT_CALLS, WORKERS = 1000, 32


def client():
    return globus_sdk.TransferClient(
        base_url=URL, authorizer=globus_sdk.AccessTokenAuthorizer("bench-token")
    )


def best_of(n, f):
    return min(timed(f) for _ in range(n))


def timed(f):
    started = time.perf_counter()
    f()
    return time.perf_counter() - started


def sequential():
    tc = client()
    for _ in range(CALLS):
        assert tc.get_task("t-1")["status"] == "SUCCEEDED"


def fan_out():
    # A client each, as a program with one client per worker does.
    def work(n):
        tc = client()
        for _ in range(n):
            tc.get_task("t-1")

    per = [CONCURRENT_CALLS // WORKERS + (i < CONCURRENT_CALLS % WORKERS) for i in range(WORKERS)]
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(work, per))


def walk():
    tc = client()
    n = 0
    for page in tc.paginated.endpoint_manager_task_list(query_params={"limit": 1000}):
        n += len(page["DATA"])
    assert n == 100_000, n


def ls():
    tc = client()
    assert len(tc.operation_ls("ep")["DATA"]) == 100_000


client().get_task("t-1")  # warm up: imports, first connection
out = {"globus_sdk_version": globus_sdk.__version__}
out["sequential_get_task_2000_s"] = best_of(3, sequential)
out["concurrent_32x_1000_s"] = best_of(3, fan_out)
out["walk_100k_s"] = best_of(3, walk)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
out["ls_100k_s"] = best_of(3, ls)
out["ls_100k_peak_rss_growth_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
json.dump(out, sys.stdout)
print()

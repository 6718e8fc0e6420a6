#!/usr/bin/env python3
"""The Python SDK's side of `cargo bench --bench compare`: the same scenarios, against the
same loopback server, printed as one JSON object (seconds; peak resident memory in KiB).

Usage: python bench_python.py BASE_URL [ls|stream] (with globus-sdk installed; the compare bench runs it
when GLOBUS_BENCH_PYTHON names the interpreter). The server answers /v0.10/task/t-1 with a
53-field task, /v0.10/endpoint_manager/task_list with 100 pages of 1,000 tasks (last_key),
/v0.10/operation/endpoint/ep/ls with 100,000 entries, and /v0.10/task/t-1/successful_transfers
with 1,000 pages of 1,000 entries (marker). With a scenario named, it prints only that
scenario's peak resident memory growth (KiB), measured in this fresh interpreter.
"""
import concurrent.futures
import json
import subprocess
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


def status_kib(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def peak_rss_growth_kib(f):
    """Run f once: the growth of peak resident memory over the resident memory before it
    (KiB), the peak reset first through /proc/self/clear_refs (0 where it cannot be reset)."""
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
    except OSError:
        return 0
    before = status_kib("VmRSS")
    f()
    return status_kib("VmHWM") - before


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


def stream():
    tc = client()
    n = 0
    for _ in tc.paginated.task_successful_transfers("t-1").items():
        n += 1
    assert n == 1_000_000, n


def ls():
    tc = client()
    assert len(tc.operation_ls("ep")["DATA"]) == 100_000


client().get_task("t-1")  # warm up: imports, first connection
if len(sys.argv) > 2:  # one scenario's memory, in this fresh interpreter
    print(peak_rss_growth_kib({"ls": ls, "stream": stream}[sys.argv[2]]))
    sys.exit(0)
out = {"globus_sdk_version": globus_sdk.__version__}
out["sequential_get_task_2000_s"] = best_of(3, sequential)
out["concurrent_32x_1000_s"] = best_of(3, fan_out)
out["walk_100k_s"] = best_of(3, walk)
out["ls_100k_s"] = best_of(3, ls)
out["stream_1m_s"] = best_of(3, stream)
# Memory, each scenario in a fresh interpreter: memory freed by an earlier scenario stays
# resident and would hide a later one's growth.
for key, name in [("ls_100k_peak_rss_growth_kib", "ls"), ("stream_1m_peak_rss_growth_kib", "stream")]:
    run = subprocess.run(
        [sys.executable, __file__, URL, name], check=True, capture_output=True, text=True
    )
    out[key] = int(run.stdout)
json.dump(out, sys.stdout)
print()

#!/usr/bin/env python3
"""Export the registered test responses shipped inside the Python `globus-sdk`
package (its `_testing/data` tree) as one JSON document.

The Rust conformance tests read that document to check that every response the
Python SDK's own tests rely on is accepted by our specs, and that every request
body those cases pin is accepted by the matching request schema.

Usage: python dump_python_fixtures.py OUT.json
(run it with the interpreter of a virtualenv where `globus-sdk` is installed)
"""
import importlib
import json
import pkgutil
import sys
from collections.abc import Mapping

import globus_sdk

try:  # globus-sdk 4.x
    from globus_sdk.testing import data as data_pkg
    from globus_sdk.testing.models import RegisteredResponse, ResponseList
except ImportError:  # globus-sdk 3.x
    from globus_sdk._testing import data as data_pkg
    from globus_sdk._testing.models import RegisteredResponse, ResponseList


def pinned_bodies(match):
    """Find JSON documents pinned by `responses` matchers (closure cells)."""
    found = []
    for matcher in match or ():
        for cell in getattr(matcher, "__closure__", None) or ():
            try:
                value = cell.cell_contents
            except ValueError:
                continue
            if isinstance(value, (Mapping, list)):
                found.append({"matcher": getattr(matcher, "__name__", "?"), "value": plain(value)})
    return found


def plain(value):
    """JSON-ready copies of the mapping and sequence types the fixtures use (UserDict...)."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def export(resp, service_dir, module, case):
    body = resp.json
    if body is None and resp.body is not None:
        try:
            body = json.loads(resp.body)
        except (TypeError, ValueError):
            body = None
    return {
        "service": resp.service or service_dir,
        "module": module,
        "case": case,
        "method": resp.method,
        "path": resp.path,
        "full_url": resp.full_url,
        "status": resp.status,
        "json": plain(body),
        "raw_body": resp.body if resp.json is None else None,
        "content_type": resp.content_type,
        "headers": resp.headers,
        "match": pinned_bodies(resp.match),
    }


def main(out_path):
    records = []
    for service in pkgutil.iter_modules(data_pkg.__path__):
        if not service.ispkg:
            continue
        spkg = importlib.import_module(f"{data_pkg.__name__}.{service.name}")
        for mod in pkgutil.walk_packages(spkg.__path__, prefix=spkg.__name__ + "."):
            if mod.ispkg:
                continue
            m = importlib.import_module(mod.name)
            rset = getattr(m, "RESPONSES", None)
            if rset is None:
                continue
            rel = mod.name[len(spkg.__name__) + 1 :]
            for case in rset.cases():
                item = rset.lookup(case)
                items = item.responses if isinstance(item, ResponseList) else [item]
                for r in items:
                    if isinstance(r, RegisteredResponse):
                        records.append(export(r, service.name, rel, case))
    doc = {"globus_sdk_version": globus_sdk.__version__, "responses": records}
    with open(out_path, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True, default=str)
    print(f"wrote {len(records)} registered responses from globus-sdk {globus_sdk.__version__} to {out_path}")


if __name__ == "__main__":
    main(sys.argv[1])

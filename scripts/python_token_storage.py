"""The Python globus-sdk's token stores, driven by tests/suite/token_storage/python.rs.

Reads one JSON request on stdin and prints one JSON answer (with the globus-sdk ``version``)
as its last line of stdout.
Works with globus-sdk 3.62 (``globus_sdk.tokenstorage``) and 4.x (``globus_sdk.token_storage``).
HOME decides where a UserApp keeps its tokens: the caller points it at a temporary directory.

Requests (``op``):
  write     store tokens as a UserApp does (namespace DEFAULT through the app's validating
            storage, other namespaces through the same file's storage); answers the path
  read      read them back the same way; answers the records, with their ``extra`` fields
  paths     the JSON and SQLite files for_globus_app picks for client ids, names, environments
  write_v1  a format 1.0 JSON file, by the legacy SimpleJSONFileAdapter
  write_sqlite_v1  a schema 1 SQLite database, by the legacy SQLiteAdapter
"""

import json
import sys

import globus_sdk
from globus_sdk import GlobusAppConfig, UserApp

try:  # 4.x
    from globus_sdk import token_storage as storage
    from globus_sdk.token_storage import legacy
except ImportError:  # 3.x
    from globus_sdk import tokenstorage as storage

    legacy = storage


class ByResourceServer:
    """What the legacy adapters read from a token response."""

    def __init__(self, by_rs):
        self.by_resource_server = by_rs


def user_app(request):
    config = GlobusAppConfig(
        token_storage=request["kind"],
        environment=request["environment"],
        request_refresh_tokens=request.get("refresh_tokens", True),
    )
    return UserApp(request["app_name"], client_id=request["client_id"], config=config)


def close(thing):
    if hasattr(thing, "close"):
        thing.close()


def raw_storage(app, namespace):
    inner = app._token_storage
    return type(inner)(inner.filepath, namespace=namespace)


def record(token_data):
    out = token_data.to_dict()
    out["_extra"] = token_data.extra
    return out


def write(request):
    app = user_app(request)
    for namespace, tokens in request["namespaces"].items():
        data = {t["resource_server"]: storage.TokenStorageData.from_dict(t) for t in tokens}
        if namespace == "DEFAULT":
            app.token_storage.store_token_data_by_resource_server(data)
        else:
            other = raw_storage(app, namespace)
            other.store_token_data_by_resource_server(data)
            close(other)
    path = app._token_storage.filepath
    close(app._token_storage)
    return {"path": path}


def read(request):
    app = user_app(request)
    out = {}
    for namespace in request["namespaces"]:
        if namespace == "DEFAULT":
            found = app.token_storage.get_token_data_by_resource_server()
        else:
            other = raw_storage(app, namespace)
            found = other.get_token_data_by_resource_server()
            close(other)
        out[namespace] = {rs: record(td) for rs, td in found.items()}
    path = app._token_storage.filepath
    close(app._token_storage)
    return {"path": path, "namespaces": out}


def paths(request):
    answers = []
    for case in request["cases"]:
        config = GlobusAppConfig(environment=case["environment"])
        answer = {}
        for kind, cls in (("json", storage.JSONTokenStorage), ("sqlite", storage.SQLiteTokenStorage)):
            try:
                store = cls.for_globus_app(case["client_id"], case["app_name"], config, "DEFAULT")
                answer[kind] = store.filepath
                close(store)
            except Exception as e:  # the app name is refused
                answer[kind] = None
                answer["error"] = type(e).__name__
        answers.append(answer)
    return {"paths": answers}


def write_v1(request):
    adapter = legacy.SimpleJSONFileAdapter(request["path"])
    adapter.store(ByResourceServer(request["by_rs"]))
    return {"path": request["path"]}


def write_sqlite_v1(request):
    adapter = legacy.SQLiteAdapter(request["path"], namespace=request["namespace"])
    adapter.store(ByResourceServer(request["by_rs"]))
    close(adapter)
    return {"path": request["path"]}


def main():
    request = json.load(sys.stdin)
    operations = {
        "write": write,
        "read": read,
        "paths": paths,
        "write_v1": write_v1,
        "write_sqlite_v1": write_sqlite_v1,
    }
    answer = operations[request["op"]](request)
    answer["version"] = globus_sdk.__version__
    print(json.dumps(answer))


if __name__ == "__main__":
    main()

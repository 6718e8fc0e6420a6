#!/usr/bin/env python3
"""Drive the local Globus's GCS and Transfer (LocalGlobus in a Rust test) with the Python
SDK's GCSClient and TransferClient: a guest collection made through GCS, shared through a
Transfer access rule, and deleted.

The environment comes from LocalGlobus::env_vars only: GLOBUS_SDK_SERVICE_URL_AUTH,
GLOBUS_SDK_SERVICE_URL_TRANSFER and GLOBUS_SDK_SERVICE_URL_GCS (the manager,
https://127.0.0.1:<port>/), GLOBUS_LOCAL_GCS_ENDPOINT_ID (the endpoint's client id),
GLOBUS_LOCAL_NATIVE_CLIENT_ID, and the local CA that signed the manager's certificate as
GLOBUS_SDK_VERIFY_SSL and REQUESTS_CA_BUNDLE. GCSClient is built from the manager's bare
address, 127.0.0.1:<port>, and builds https://127.0.0.1:<port>/api/ itself. Nothing here
passes a CA: the Python SDK trusts the local CA through GLOBUS_SDK_VERIFY_SSL (its transport
calls requests' Session.send with verify= set from that variable, so requests'
REQUESTS_CA_BUNDLE does not reach it), and plain requests calls trust it through
REQUESTS_CA_BUNDLE (checked with one requests.get of the manager's /api/info).

The steps: the default user logs in (native app) for the endpoint's manage_collections scope and
Transfer; reads the info (the endpoint's client id), the storage gateways; makes a mapped
collection on /project, a user credential and a guest collection on /shared of it; Transfer
shows the guest collection; a rule grants read access to an identity; the rule is listed; the
guest collection, then the mapped one, are deleted and Transfer no longer has them.

Prints one JSON summary on its last line and exits 0 on success, 1 otherwise.
Works with globus-sdk 3.x and 4.x.
"""

import json
import os
import sys
import urllib.parse
import urllib.request

import globus_sdk
import requests

TRANSFER_SCOPE = "urn:globus:auth:scope:transfer.api.globus.org:all"
READER = "6f1c1c3e-0000-4000-8000-00000000beef"


def fail(message):
    print(f"python_local_gcs: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


def login(scopes):
    """The default user's tokens by resource server, from a native-app login (the local Auth
    approves at once and redirects to its code page, whose URL carries the code)."""
    client = globus_sdk.NativeAppAuthClient(os.environ["GLOBUS_LOCAL_NATIVE_CLIENT_ID"])
    client.oauth2_start_flow(requested_scopes=scopes)
    landed = urllib.request.urlopen(client.oauth2_get_authorize_url())
    code = urllib.parse.parse_qs(urllib.parse.urlparse(landed.geturl()).query)["code"][0]
    return client.oauth2_exchange_code_for_tokens(code).by_resource_server


def main():
    for var in (
        "GLOBUS_SDK_SERVICE_URL_AUTH",
        "GLOBUS_SDK_SERVICE_URL_TRANSFER",
        "GLOBUS_SDK_SERVICE_URL_GCS",
        "GLOBUS_LOCAL_GCS_ENDPOINT_ID",
        "GLOBUS_LOCAL_NATIVE_CLIENT_ID",
        "REQUESTS_CA_BUNDLE",
        "GLOBUS_SDK_VERIFY_SSL",
    ):
        if not os.environ.get(var):
            fail(f"{var} is not set: export the lines the local Globus gives")
    endpoint_id = os.environ["GLOBUS_LOCAL_GCS_ENDPOINT_ID"]
    manage = f"urn:globus:auth:scope:{endpoint_id}:manage_collections"
    tokens = login([manage, TRANSFER_SCOPE])
    manager = urllib.parse.urlparse(os.environ["GLOBUS_SDK_SERVICE_URL_GCS"])
    check(manager.scheme == "https", f"the manager is not served over HTTPS: {manager.geturl()}")
    address = manager.netloc
    gcs = globus_sdk.GCSClient(address, authorizer=globus_sdk.AccessTokenAuthorizer(tokens[endpoint_id]["access_token"]))
    check(gcs.base_url == f"https://{address}/api/", f"GCSClient's base_url {gcs.base_url}")
    # requests alone trusts the local CA through REQUESTS_CA_BUNDLE.
    plain_info = requests.get(f"https://{address}/api/info", timeout=30).json()
    check(plain_info["data"][0]["client_id"] == endpoint_id, f"requests: {plain_info}")
    tc = globus_sdk.TransferClient(
        authorizer=globus_sdk.AccessTokenAuthorizer(tokens["transfer.api.globus.org"]["access_token"])
    )

    info = gcs.get_gcs_info()
    check(info["client_id"] == endpoint_id, f"info: {info.full_data}")
    check(gcs.endpoint_client_id == endpoint_id, f"endpoint_client_id {gcs.endpoint_client_id}")
    gateways = list(gcs.get_storage_gateway_list())
    check(len(gateways) == 1, f"gateways: {gateways}")
    gateway_id = gateways[0]["id"]

    mapped = gcs.create_collection(
        globus_sdk.MappedCollectionDocument(
            storage_gateway_id=gateway_id, collection_base_path="/project", display_name="Python project"
        )
    )
    mapped_id = mapped["id"]
    credential = gcs.create_user_credential(
        globus_sdk.UserCredentialDocument(storage_gateway_id=gateway_id, username="testuser")
    )
    guest = gcs.create_collection(
        globus_sdk.GuestCollectionDocument(
            mapped_collection_id=mapped_id,
            user_credential_id=credential["id"],
            collection_base_path="/shared",
            display_name="Python shared",
        )
    )
    guest_id = guest["id"]
    check(guest["collection_type"] == "guest", f"guest: {guest.data}")
    listed = [c["id"] for c in gcs.get_collection_list()]
    check(sorted(listed) == sorted([mapped_id, guest_id]), f"collections: {listed}")

    endpoint = tc.get_endpoint(guest_id)
    check(endpoint["entity_type"] == "GCSv5_guest_collection", f"endpoint: {endpoint.data}")
    check(endpoint["host_endpoint_id"] == mapped_id, f"host: {endpoint['host_endpoint_id']}")
    names = [f["name"] for f in tc.operation_ls(guest_id, path="/")]
    rule = tc.add_endpoint_acl_rule(
        guest_id,
        {"DATA_TYPE": "access", "principal_type": "identity", "principal": READER, "path": "/", "permissions": "r"},
    )
    rules = [r["principal"] for r in tc.endpoint_acl_list(guest_id)]
    check(rules == [READER], f"rules: {rules}")

    try:
        gcs.delete_collection(mapped_id)
        fail("a mapped collection with a guest collection was deleted")
    except globus_sdk.GCSAPIError as e:
        mapped_delete_status = e.http_status
    gcs.delete_collection(guest_id)
    try:
        tc.get_endpoint(guest_id)
        fail("the deleted guest collection is still in Transfer")
    except globus_sdk.TransferAPIError as e:
        gone_code = e.code
    gcs.delete_collection(mapped_id)

    print(
        json.dumps(
            {
                "sdk_version": globus_sdk.__version__,
                "gcs_base_url": gcs.base_url,
                "mapped_id": mapped_id,
                "guest_id": guest_id,
                "ls": names,
                "rule_code": rule["code"],
                "mapped_delete_status": mapped_delete_status,
                "gone_code": gone_code,
            }
        )
    )


if __name__ == "__main__":
    main()

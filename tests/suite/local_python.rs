//! The Python `globus-sdk` against the local Globus: `scripts/python_local_smoke.py` gets
//! client-credential tokens, searches endpoints, lists, submits a transfer, waits for it and
//! reads its events, with only the environment variables `LocalGlobus::env_vars` gives; and
//! a native-app login (`NativeAppAuthClient`) answers the approval page with urllib, then
//! reads its consents as a `ConsentForest`, refreshes (rotated) and revokes.
//!
//! The interpreters (with `globus-sdk` installed) come from `GLOBUS_SDK_PYTHON`, a
//! comma-separated list (`scripts/test.sh` gives globus-sdk 3.62 and the newest). Without
//! it the test says so and passes, unless `GLOBUS_SDK_REQUIRE_FIXTURES=1`: then it uses the
//! virtualenv `scripts/fixtures.sh` makes (`target/fixtures/venv-3.62.0`), and fails if
//! there is none.

use std::path::{Path, PathBuf};
use std::time::Duration;

use globus_sdk::testing::LocalGlobus;

pub(crate) fn pythons() -> Vec<PathBuf> {
    if let Some(list) = std::env::var("GLOBUS_SDK_PYTHON").ok().filter(|p| !p.is_empty()) {
        return list.split(',').filter(|p| !p.is_empty()).map(PathBuf::from).collect();
    }
    if std::env::var("GLOBUS_SDK_REQUIRE_FIXTURES").is_ok_and(|v| v == "1") {
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
        let venv = target.join("fixtures/venv-3.62.0/bin/python");
        assert!(
            venv.exists(),
            "GLOBUS_SDK_PYTHON is not set and {} does not exist: run scripts/fixtures.sh, or set \
             GLOBUS_SDK_PYTHON to a python with globus-sdk installed",
            venv.display()
        );
        return vec![venv];
    }
    eprintln!(
        "local_python: GLOBUS_SDK_PYTHON is not set; nothing checked (set it to a python with globus-sdk, \
         e.g. target/fixtures/venv-3.62.0/bin/python made by scripts/fixtures.sh)"
    );
    Vec::new()
}

fn write(root: &Path, rel: &str, content: &[u8]) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, content).unwrap();
}

/// Run a Python program (`args`, e.g. a script path or `-c CODE`) with `python`, given only
/// `PATH`, `HOME` and what `local.env_vars()` gives; its summary: the JSON object on the last
/// line of its output. Fails the test (with both outputs) if it fails or takes over `limit`.
pub(crate) async fn run_python(
    python: &Path,
    args: &[&std::ffi::OsStr],
    local: &LocalGlobus,
    what: &str,
    limit: Duration,
) -> serde_json::Value {
    let run = tokio::process::Command::new(python)
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", std::env::temp_dir())
        .envs(local.env_vars())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(limit, run)
        .await
        .unwrap_or_else(|_| panic!("{what} did not finish within {limit:?}"))
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{}: {what} failed ({}):\n{stdout}\n{stderr}", python.display(), output.status);
    serde_json::from_str(stdout.lines().last().unwrap_or_default()).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// Run `scripts/<name>` as [`run_python`] does, with a 120 s limit.
pub(crate) async fn run_script(python: &Path, name: &str, local: &LocalGlobus) -> serde_json::Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts").join(name);
    run_python(python, &[script.as_os_str()], local, &format!("the Python run of {name}"), Duration::from_secs(120))
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_python_sdk_works_against_the_local_globus() {
    for python in pythons() {
        smoke(&python).await;
    }
}

async fn smoke(python: &Path) {
    let local = LocalGlobus::start().await.unwrap();
    let source = local.collection("source").unwrap().root().to_path_buf();
    let destination = local.collection("destination").unwrap().root().to_path_buf();
    let binary: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let files: [(&str, &[u8]); 3] =
        [("README.txt", b"hello from Rust\n"), ("data/values.bin", &binary), ("data/nested/deep.txt", b"deep\n")];
    for (rel, content) in files {
        write(&source, rel, content);
    }

    let summary = run_script(python, "python_local_smoke.py", &local).await;
    assert_eq!(summary["status"], "SUCCEEDED");
    assert_eq!(summary["files_transferred"], 3);
    assert_eq!(summary["listed"], serde_json::json!(["README.txt", "data"]));
    assert_eq!(summary["source"], local.collection("source").unwrap().id());
    assert!(summary["events"].as_array().unwrap().contains(&"SUCCEEDED".into()));
    assert_eq!(summary["bookmarks"], serde_json::json!([["smoke copy, checked", "/~/python-smoke/"]]));
    for (rel, content) in files {
        assert_eq!(std::fs::read(destination.join("python-smoke").join(rel)).unwrap(), content, "{rel}");
    }

    // The Python SDK spoke to both services, under Transfer's /v0.10/ prefix.
    let requests = local.requests();
    assert!(requests.iter().any(|r| r.service == "auth" && r.path == "/v2/oauth2/token" && r.status == Some(200)));
    for (path, status) in [("/v0.10/endpoint_search", 200), ("/v0.10/transfer", 202), ("/v0.10/submission_id", 200)] {
        assert!(requests.iter().any(|r| r.path == path && r.status == Some(status)), "{path}");
    }
    assert!(requests.iter().all(|r| r.status.is_some_and(|s| s < 400)), "{requests:?}");
}

/// The Python SDK's native-app login against the approval page: the authorize URL read with
/// urllib, the form posted, the code read from Auth's code page, then the code exchange, the
/// consents as a `ConsentForest`, a rotated refresh, and a revocation Transfer honours.
const PYTHON_LOGIN: &str = r#"
import json, os, re, sys, urllib.error, urllib.parse, urllib.request
import globus_sdk

TRANSFER = "urn:globus:auth:scope:transfer.api.globus.org:all"
data_access = "https://auth.globus.org/scopes/%s/data_access" % os.environ["GLOBUS_LOCAL_COLLECTION_SOURCE"]
auth_url = os.environ["GLOBUS_SDK_SERVICE_URL_AUTH"]

client = globus_sdk.NativeAppAuthClient(os.environ["GLOBUS_LOCAL_NATIVE_CLIENT_ID"])
client.oauth2_start_flow(requested_scopes="openid %s[%s]" % (TRANSFER, data_access), refresh_tokens=True)
page = urllib.request.urlopen(client.oauth2_get_authorize_url()).read().decode()
request = re.search(r'name="request" value="([^"]+)"', page).group(1)
form = urllib.parse.urlencode({"request": request, "decision": "approve"}).encode()
shown = urllib.request.urlopen(urllib.request.Request(auth_url + "v2/oauth2/authorize", data=form))
code = urllib.parse.parse_qs(urllib.parse.urlparse(shown.geturl()).query)["code"][0]
tokens = client.oauth2_exchange_code_for_tokens(code).by_resource_server

auth_token = tokens["auth.globus.org"]["access_token"]
ac = globus_sdk.AuthClient(authorizer=globus_sdk.AccessTokenAuthorizer(auth_token))
# 4.x names it `userinfo`; 3.x `oauth2_userinfo`.
sub = (getattr(ac, "userinfo", None) or ac.oauth2_userinfo)()["sub"]
forest = ac.get_consents(sub).to_forest()

transfer = tokens["transfer.api.globus.org"]
renewed = client.oauth2_refresh_token(transfer["refresh_token"]).by_resource_server["transfer.api.globus.org"]
try:
    client.oauth2_refresh_token(transfer["refresh_token"])
    old_refresh = None
except globus_sdk.AuthAPIError as e:
    old_refresh = e.http_status

tc = globus_sdk.TransferClient(authorizer=globus_sdk.AccessTokenAuthorizer(renewed["access_token"]))
tc.task_list()
client.oauth2_revoke_token(renewed["access_token"])
try:
    tc.task_list()
    after_revoke = None
except globus_sdk.TransferAPIError as e:
    after_revoke = e.http_status

print(json.dumps({
    "sub": sub,
    "consents": len(forest.nodes),
    "meets": forest.meets_scope_requirements("%s[%s]" % (TRANSFER, data_access)),
    "meets_other": forest.meets_scope_requirements("%s[openid]" % TRANSFER),
    "rotated": renewed["refresh_token"] != transfer["refresh_token"],
    "old_refresh": old_refresh,
    "after_revoke": after_revoke,
}))
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_python_sdk_logs_in_through_the_approval_page() {
    for python in pythons() {
        let local = LocalGlobus::builder().approval_page(true).start().await.unwrap();
        let summary = run_python(
            &python,
            &["-c".as_ref(), PYTHON_LOGIN.as_ref()],
            &local,
            "the Python login",
            Duration::from_secs(60),
        )
        .await;
        assert_eq!(summary["sub"], local.user().id.as_str());
        assert_eq!(summary["consents"], 3, "openid, Transfer and its data_access: {summary}");
        assert_eq!(summary["meets"], true, "{summary}");
        assert_eq!(summary["meets_other"], false, "{summary}");
        assert_eq!(summary["rotated"], true, "{summary}");
        assert_eq!(summary["old_refresh"], 400, "{summary}");
        assert_eq!(summary["after_revoke"], 401, "{summary}");
    }
}

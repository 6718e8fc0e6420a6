//! The `globus-local` binary: it serves on the ports it is given, prints the URLs and the
//! export lines, and stops cleanly on Ctrl-C (SIGINT), removing its temporary collections.
#![cfg(unix)]

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

#[tokio::test]
async fn serves_until_interrupted() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_globus-local"))
        .args(["--quiet", "--client-id", "bin-client", "--client-secret", "bin-secret", "--token-lifetime", "60"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().unwrap();
    let lines = tokio::task::spawn_blocking(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            let done = line.starts_with("export GLOBUS_LOCAL_COLLECTION_DESTINATION=");
            lines.push(line);
            if done {
                break;
            }
        }
        lines
    });
    let lines = tokio::time::timeout(Duration::from_secs(30), lines).await.expect("the exports are printed").unwrap();
    let var = |name: &str| {
        lines
            .iter()
            .find_map(|l| l.strip_prefix(&format!("export {name}=")))
            .unwrap_or_else(|| panic!("{name} in {lines:?}"))
            .to_string()
    };
    assert_eq!(var("GLOBUS_LOCAL_CLIENT_ID"), "bin-client");
    assert_eq!(var("GLOBUS_LOCAL_CLIENT_SECRET"), "bin-secret");
    let auth = var("GLOBUS_SDK_SERVICE_URL_AUTH");
    assert!(auth.starts_with("http://127.0.0.1:") && auth.ends_with('/'));
    let source_dir = lines
        .iter()
        .find_map(|l| l.strip_prefix("#   source").map(|rest| rest.split_whitespace().nth(1).unwrap().to_string()))
        .expect("the source collection's directory is printed");
    assert!(std::path::Path::new(&source_dir).join("README.txt").exists(), "sample files were written");

    let http = reqwest::Client::new();
    let token = http
        .post(format!("{auth}v2/oauth2/token"))
        .basic_auth("bin-client", Some("bin-secret"))
        .form(&[("grant_type", "client_credentials"), ("scope", "urn:globus:auth:scope:transfer.api.globus.org:all")])
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(token["expires_in"], 60);
    let listing = http
        .get(format!(
            "{}v0.10/operation/endpoint/{}/ls",
            var("GLOBUS_SDK_SERVICE_URL_TRANSFER"),
            var("GLOBUS_LOCAL_COLLECTION_SOURCE")
        ))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(listing.status(), 200);

    let interrupted = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(interrupted.success());
    let status = tokio::task::spawn_blocking(move || child.wait()).await.unwrap().unwrap();
    assert!(status.success(), "{status}");
    assert!(!std::path::Path::new(&source_dir).exists(), "the temporary collections are removed");
}

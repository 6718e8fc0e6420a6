//! Token storage: the stores, their files, their validation, and the Python SDK reading what
//! we write and the reverse.

mod files;
mod python;
mod validation;

use std::path::PathBuf;
use std::process::Command;

use globus_sdk::token_storage::TokenStorageData;

/// Tokens for `resource_server` (valid for a long time, with a refresh token) of `identity`.
pub fn token(resource_server: &str, access: &str, identity: Option<&str>) -> TokenStorageData {
    let mut t = TokenStorageData::new(resource_server, format!("scope:{resource_server}"), access, 1_900_000_000);
    t.refresh_token = Some(format!("refresh-{access}").into());
    t.identity_id = identity.map(str::to_string);
    t.token_type = Some("Bearer".into());
    t
}

/// Set in the child processes of this module's tests.
pub const CHILD: &str = "GLOBUS_SDK_TEST_STORAGE_CHILD";

/// The `#[ignore]`d test `path` of this binary as a child process (it acts only when `CHILD`
/// names it).
pub fn child(path: &str) -> Command {
    let mut command = Command::new(std::env::current_exe().expect("the test binary"));
    command.args(["--exact", path, "--ignored", "--test-threads=1", "--nocapture"]).env(CHILD, path);
    command
}

/// Whether this process is the child started for `path`.
pub fn is_child(path: &str) -> bool {
    std::env::var(CHILD).as_deref() == Ok(path)
}

/// Every file and directory under `root`, relative, sorted.
pub fn tree(root: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path.clone());
            }
            out.push(path.strip_prefix(root).unwrap().to_path_buf());
        }
    }
    out.sort();
    out
}

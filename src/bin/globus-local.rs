//! `globus-local`: the local Globus (Auth and Transfer on 127.0.0.1, collections backed by
//! local directories) as a standalone server, for any Globus client.
//!
//! ```text
//! cargo run --features testing --bin globus-local -- --collection data=/srv/data --collection scratch=/tmp/scratch
//! ```
//!
//! It prints the base URLs and the `export` lines that point a Globus client here (the
//! Python SDK included), then serves until Ctrl-C.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use globus_sdk::testing::LocalGlobus;

const USAGE: &str = "\
globus-local: a local Globus (Auth and Transfer) on 127.0.0.1 for testing Globus clients

USAGE:
    globus-local [OPTIONS]

OPTIONS:
    --auth-port PORT          port for Auth (default: an ephemeral port)
    --transfer-port PORT      port for Transfer (default: an ephemeral port)
    --collection NAME=DIR     serve DIR as a collection named NAME (repeatable); without any,
                              two temporary collections `source` (with sample files) and
                              `destination` are made and removed on exit
    --client-id ID            id of the preloaded confidential client (default: random)
    --client-secret SECRET    its secret (default: random)
    --token-lifetime SECONDS  lifetime of access tokens (default: 172800)
    --throttle BYTES          copy task data at most BYTES per second
    --quiet                   do not log requests on stderr
    -h, --help                print this help

Paste the printed `export` lines into the shell that runs a Globus client (the Python SDK
reads GLOBUS_SDK_SERVICE_URL_AUTH and GLOBUS_SDK_SERVICE_URL_TRANSFER).";

#[derive(Debug, Default)]
struct Args {
    auth_port: u16,
    transfer_port: u16,
    collections: Vec<(String, PathBuf)>,
    client_id: Option<String>,
    client_secret: Option<String>,
    token_lifetime: Option<u64>,
    throttle: Option<u64>,
    quiet: bool,
    help: bool,
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Args, lexopt::Error> {
    use lexopt::prelude::*;
    let mut out = Args::default();
    let mut parser = lexopt::Parser::from_iter(std::iter::once("globus-local".to_string()).chain(args));
    while let Some(arg) = parser.next()? {
        match arg {
            Long("auth-port") => out.auth_port = parser.value()?.parse()?,
            Long("transfer-port") => out.transfer_port = parser.value()?.parse()?,
            Long("collection") => {
                let v: String = parser.value()?.parse()?;
                match v.split_once('=') {
                    Some((name, dir)) if !name.is_empty() && !dir.is_empty() => {
                        out.collections.push((name.to_string(), PathBuf::from(dir)))
                    }
                    _ => return Err(format!("--collection {v:?}: use NAME=DIR").into()),
                }
            }
            Long("client-id") => out.client_id = Some(parser.value()?.parse()?),
            Long("client-secret") => out.client_secret = Some(parser.value()?.parse()?),
            Long("token-lifetime") => out.token_lifetime = Some(parser.value()?.parse()?),
            Long("throttle") => out.throttle = Some(parser.value()?.parse()?),
            Long("quiet") => out.quiet = true,
            Short('h') | Long("help") => out.help = true,
            _ => return Err(arg.unexpected()),
        }
    }
    if out.client_secret.is_some() && out.client_id.is_none() {
        return Err("--client-secret needs --client-id".into());
    }
    Ok(out)
}

/// A few files to transfer in the temporary `source` collection.
fn seed(root: &std::path::Path) -> std::io::Result<()> {
    std::fs::write(root.join("README.txt"), "Sample files served by globus-local.\n")?;
    std::fs::create_dir_all(root.join("data/notes"))?;
    let numbers: String = (1..=1000).map(|i| format!("{i},{}\n", i * i)).collect();
    std::fs::write(root.join("data/numbers.csv"), format!("n,square\n{numbers}"))?;
    std::fs::write(root.join("data/notes/hello.txt"), "hello from the local Globus\n")
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("globus-local: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if args.help {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let mut builder =
        LocalGlobus::builder().auth_port(args.auth_port).transfer_port(args.transfer_port).print_requests(!args.quiet);
    for (name, dir) in &args.collections {
        builder = builder.collection(name, dir);
    }
    if let Some(id) = &args.client_id {
        let secret = args.client_secret.clone().unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
        builder = builder.confidential_client(id, secret);
    }
    if let Some(secs) = args.token_lifetime {
        builder = builder.token_lifetime(Duration::from_secs(secs));
    }
    if let Some(rate) = args.throttle {
        builder = builder.throttle(rate);
    }
    let local = match builder.start().await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("globus-local: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    if args.collections.is_empty()
        && let Some(source) = local.collection("source")
        && let Err(e) = seed(source.root())
    {
        eprintln!("globus-local: cannot write the sample files: {e}");
    }
    println!("# Local Globus on 127.0.0.1 (Ctrl-C to stop)");
    println!("# Auth:     {}/", local.auth_url());
    println!("# Transfer: {}/v0.10/", local.transfer_url());
    println!("# User:     {} ({})", local.user().username, local.user().id);
    println!("# Collections:");
    for c in local.collections() {
        let ro = if c.is_read_only() { " (read-only)" } else { "" };
        println!("#   {:<16} {}  {}{ro}", c.name(), c.id(), c.root().display());
    }
    println!("# Point a Globus client here (Python: TransferClient adds /v0.10/ itself):");
    print!("{}", local.env_exports());
    if tokio::signal::ctrl_c().await.is_err() {
        eprintln!("globus-local: cannot wait for Ctrl-C; stopping");
    }
    drop(local);
    eprintln!("globus-local: stopped");
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Result<Args, String> {
        parse_args(v.iter().map(|s| s.to_string())).map_err(|e| e.to_string())
    }

    #[test]
    fn arguments() {
        let a = args(&["--auth-port", "8001", "--transfer-port=8002", "--collection", "a=/tmp/a", "--collection=b=/x"])
            .unwrap();
        assert_eq!((a.auth_port, a.transfer_port), (8001, 8002));
        assert_eq!(a.collections, vec![("a".into(), PathBuf::from("/tmp/a")), ("b".into(), PathBuf::from("/x"))]);
        assert!(args(&["--collection", "nodir"]).is_err());
        assert!(args(&["--auth-port", "99999"]).is_err());
        assert!(args(&["--auth-port"]).is_err());
        assert!(args(&["--client-secret", "s"]).is_err());
        assert!(args(&["--what"]).is_err());
        assert!(args(&["-h"]).unwrap().help);
    }
}

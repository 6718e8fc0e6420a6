//! `globus-local`: the local Globus (every emulated service on 127.0.0.1: Auth, Transfer
//! with collections backed by local directories, Timers whose scheduler runs transfers on it,
//! Search, and Groups) as a standalone server, for any Globus client.
//!
//! ```text
//! cargo run --features testing --bin globus-local -- --collection data=/srv/data --collection scratch=/tmp/scratch
//! ```
//!
//! It prints the base URLs and the `export` lines that point a Globus client here (the
//! Python SDK included), then serves until Ctrl-C. Each service's port is a
//! `--<service>-port` flag (`--auth-port`, `--transfer-port`...), one per emulated service.

#[cfg(feature = "transfer")]
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use globus_sdk::testing::LocalGlobus;

/// The help text: one `--<service>-port` flag per emulated service.
fn usage() -> String {
    let ports: String = LocalGlobus::service_names()
        .iter()
        .map(|name| format!("    {:<26}port for {name} (default: an ephemeral port)\n", format!("--{name}-port PORT")))
        .collect();
    let collections = if cfg!(feature = "transfer") {
        "    --collection NAME=DIR     serve DIR as a collection named NAME (repeatable); without any,
                              two temporary collections `source` (with sample files) and
                              `destination` are made and removed on exit
"
    } else {
        ""
    };
    let throttle = if cfg!(feature = "transfer") {
        "    --throttle BYTES          copy task data at most BYTES per second\n"
    } else {
        ""
    };
    format!(
        "\
globus-local: a local Globus ({services}) on 127.0.0.1 for testing Globus clients

USAGE:
    globus-local [OPTIONS]

OPTIONS:
{ports}{collections}    --client-id ID            id of the preloaded confidential client (default: random)
    --client-secret SECRET    its secret (default: random)
    --redirect-uri URI        register URI for that client's logins (repeatable; native
                              clients may use any loopback URI)
    --token-lifetime SECONDS  lifetime of access tokens (default: 172800)
    --approval-page           show an approval page at the authorize URL (allow or deny;
                              default: approve at once as the default user)
    --no-rotation             keep refresh tokens on refresh (default: rotate them: each
                              refresh returns a new one and invalidates the old)
{throttle}    --quiet                   do not log requests on stderr
    -h, --help                print this help

Paste the printed `export` lines into the shell that runs a Globus client (the Python SDK
reads the GLOBUS_SDK_SERVICE_URL_<SERVICE> variables).",
        services = LocalGlobus::service_names().join(", "),
    )
}

#[derive(Debug, Default)]
struct Args {
    /// `--<service>-port`, by service name.
    ports: Vec<(&'static str, u16)>,
    #[cfg(feature = "transfer")]
    collections: Vec<(String, PathBuf)>,
    client_id: Option<String>,
    client_secret: Option<String>,
    redirect_uris: Vec<String>,
    token_lifetime: Option<u64>,
    approval_page: bool,
    no_rotation: bool,
    #[cfg(feature = "transfer")]
    throttle: Option<u64>,
    quiet: bool,
    help: bool,
}

/// The service a `--<service>-port` flag names.
fn port_flag(flag: &str) -> Option<&'static str> {
    let service = flag.strip_suffix("-port")?;
    LocalGlobus::service_names().into_iter().find(|name| *name == service)
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Args, lexopt::Error> {
    use lexopt::prelude::*;
    let mut out = Args::default();
    let mut parser = lexopt::Parser::from_iter(std::iter::once("globus-local".to_string()).chain(args));
    while let Some(arg) = parser.next()? {
        match arg {
            #[cfg(feature = "transfer")]
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
            Long("redirect-uri") => out.redirect_uris.push(parser.value()?.parse()?),
            Long("token-lifetime") => out.token_lifetime = Some(parser.value()?.parse()?),
            #[cfg(feature = "transfer")]
            Long("throttle") => out.throttle = Some(parser.value()?.parse()?),
            Long("approval-page") => out.approval_page = true,
            Long("no-rotation") => out.no_rotation = true,
            Long("quiet") => out.quiet = true,
            Short('h') | Long("help") => out.help = true,
            Long(flag) => match port_flag(flag) {
                Some(service) => {
                    let port = parser.value()?.parse()?;
                    out.ports.retain(|(s, _)| *s != service);
                    out.ports.push((service, port));
                }
                None => return Err(arg.unexpected()),
            },
            _ => return Err(arg.unexpected()),
        }
    }
    if out.client_secret.is_some() && out.client_id.is_none() {
        return Err("--client-secret needs --client-id".into());
    }
    Ok(out)
}

/// A few files to transfer in the temporary `source` collection.
#[cfg(feature = "transfer")]
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
            eprintln!("globus-local: {e}\n\n{}", usage());
            return ExitCode::from(2);
        }
    };
    if args.help {
        println!("{}", usage());
        return ExitCode::SUCCESS;
    }
    let mut builder = LocalGlobus::builder()
        .print_requests(!args.quiet)
        .approval_page(args.approval_page)
        .rotate_refresh_tokens(!args.no_rotation);
    for (service, port) in &args.ports {
        builder = builder.port(*service, *port);
    }
    #[cfg(feature = "transfer")]
    for (name, dir) in &args.collections {
        builder = builder.collection(name, dir);
    }
    if let Some(id) = &args.client_id {
        let secret = args.client_secret.clone().unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
        builder = builder.confidential_client(id, secret);
    }
    for uri in &args.redirect_uris {
        builder = builder.confidential_redirect_uri(uri);
    }
    if let Some(secs) = args.token_lifetime {
        builder = builder.token_lifetime(Duration::from_secs(secs));
    }
    #[cfg(feature = "transfer")]
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
    #[cfg(feature = "transfer")]
    if args.collections.is_empty()
        && let Some(source) = local.collection("source")
        && let Err(e) = seed(source.root())
    {
        eprintln!("globus-local: cannot write the sample files: {e}");
    }
    println!("# Local Globus on 127.0.0.1 (Ctrl-C to stop)");
    for (service, url) in local.service_urls() {
        println!("# {:<10}{url}/", format!("{service}:"));
    }
    println!("# {:<10}{} ({})", "user:", local.user().username, local.user().id);
    #[cfg(feature = "transfer")]
    {
        println!("# Collections:");
        for c in local.collections() {
            let ro = if c.is_read_only() { " (read-only)" } else { "" };
            println!("#   {:<16} {}  {}{ro}", c.name(), c.id(), c.root().display());
        }
    }
    println!("# Point a Globus client here:");
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
        let a =
            args(&["--auth-port", "8001", "--auth-port=8003", "--quiet", "--redirect-uri", "https://a/cb"]).unwrap();
        assert!(!a.approval_page && !a.no_rotation);
        let b = args(&["--approval-page", "--no-rotation"]).unwrap();
        assert!(b.approval_page && b.no_rotation);
        assert!(args(&["--approval-page=yes"]).is_err());
        assert_eq!(a.ports, [("auth", 8003)]);
        assert_eq!(a.redirect_uris, ["https://a/cb"]);
        assert!(a.quiet);
        assert!(args(&["--auth-port", "99999"]).is_err());
        assert!(args(&["--auth-port"]).is_err());
        assert!(args(&["--client-secret", "s"]).is_err());
        assert!(args(&["--what"]).is_err());
        assert!(args(&["--nothing-port", "1"]).is_err());
        assert!(args(&["--port", "1"]).is_err());
        assert!(args(&["-h"]).unwrap().help);
    }

    #[test]
    fn one_port_flag_per_service() {
        for name in LocalGlobus::service_names() {
            let a = args(&[&format!("--{name}-port"), "8001"]).unwrap();
            assert_eq!(a.ports, [(name, 8001)]);
            assert!(usage().contains(&format!("--{name}-port PORT")), "{name}");
        }
    }

    #[cfg(feature = "transfer")]
    #[test]
    fn transfer_arguments() {
        let a = args(&["--transfer-port=8002", "--collection", "a=/tmp/a", "--collection=b=/x", "--throttle", "10"])
            .unwrap();
        assert_eq!(a.ports, [("transfer", 8002)]);
        assert_eq!(a.collections, vec![("a".into(), PathBuf::from("/tmp/a")), ("b".into(), PathBuf::from("/x"))]);
        assert_eq!(a.throttle, Some(10));
        assert!(args(&["--collection", "nodir"]).is_err());
    }
}

use std::io::Write;
use std::time::Duration;

use globus_sdk::app::{AppConfig, CommandLineLoginFlow, GlobusApp, LocalServerLoginFlow, UserApp};
use globus_sdk::testing::LocalGlobus;

/// Writes what the flow prints into a buffer, and hands over each authorize URL it prints.
struct Terminal {
    printed: Vec<u8>,
    urls: tokio::sync::mpsc::UnboundedSender<String>,
}

impl Write for Terminal {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.printed.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        let text = String::from_utf8_lossy(&self.printed).to_string();
        if text.contains("Enter the resulting Authorization Code here: ") {
            let url = text.lines().find(|l| l.starts_with("http")).expect("the URL is printed").to_string();
            let _ = self.urls.send(url);
            self.printed.clear();
        }
        Ok(())
    }
}

#[tokio::test]
async fn the_command_line_flow_reads_the_code_from_a_reader() {
    let local = LocalGlobus::start().await.unwrap();
    let (reader, mut code_writer) = std::io::pipe().unwrap();
    let (urls, mut printed) = tokio::sync::mpsc::unbounded_channel();
    let flow = CommandLineLoginFlow::with_io(std::io::BufReader::new(reader), Terminal { printed: Vec::new(), urls });
    let config = AppConfig::new().sdk_config(local.config()).token_storage_memory().login_flow(flow);
    let app = UserApp::with_config("CLI App", local.native_client().id(), config).unwrap();
    let user = async {
        let url = printed.recv().await.unwrap();
        // Auth's own code page is the redirect of the command-line flow.
        assert!(url.contains("redirect_uri=") && url.contains("auth-code"), "{url}");
        let code = local.approve_url(&url).unwrap();
        // A blank line first: the prompt waits for the code.
        writeln!(code_writer, "\n  {code}  ").unwrap();
    };
    let (login, ()) = tokio::join!(app.login(), user);
    login.unwrap();
    assert!(!app.login_required().unwrap());
}

#[tokio::test]
async fn the_end_of_the_input_is_an_error_not_a_hang() {
    let local = LocalGlobus::start().await.unwrap();
    let flow = CommandLineLoginFlow::with_io(std::io::Cursor::new(Vec::new()), std::io::sink());
    let config = AppConfig::new().sdk_config(local.config()).token_storage_memory().login_flow(flow);
    let app = UserApp::with_config("CLI App", local.native_client().id(), config).unwrap();
    let e = tokio::time::timeout(Duration::from_secs(10), app.login()).await.expect("no hang").unwrap_err();
    let text = e.to_string();
    assert!(text.contains("input ended") && text.contains("local-server"), "{text}");
}

#[tokio::test]
async fn the_local_server_flow_times_out_and_reports_refusals() {
    let local = LocalGlobus::start().await.unwrap();
    // A browser that never comes back.
    let silent = LocalServerLoginFlow::new().timeout(Duration::from_millis(300)).browser(|_| Ok(()));
    let config = AppConfig::new().sdk_config(local.config()).token_storage_memory().login_flow(silent);
    let app = UserApp::with_config("Slow App", local.native_client().id(), config).unwrap();
    let e = app.login().await.unwrap_err();
    assert!(e.to_string().contains("no login came back"), "{e}");

    // Auth sends the user back with an error: the page says so, and so does login().
    let refused = LocalServerLoginFlow::new().timeout(Duration::from_secs(10)).browser(|url| {
        let url = url::Url::parse(url).unwrap();
        let back = url.query_pairs().find(|(k, _)| k == "redirect_uri").unwrap().1.into_owned();
        tokio::spawn(async move {
            let page =
                reqwest::get(format!("{back}?error=access_denied&error_description=the+user+said+no")).await.unwrap();
            assert_eq!(page.status(), 400);
            assert!(page.text().await.unwrap().contains("access_denied"));
        });
        Ok(())
    });
    let config = AppConfig::new().sdk_config(local.config()).token_storage_memory().login_flow(refused);
    let app = UserApp::with_config("Refused App", local.native_client().id(), config).unwrap();
    let e = app.login().await.unwrap_err();
    assert!(e.to_string().contains("the user said no"), "{e}");

    // A browser that cannot start: the error names the command-line flow.
    let broken =
        LocalServerLoginFlow::new().browser(|_| Err(std::io::Error::new(std::io::ErrorKind::NotFound, "no browser")));
    let config = AppConfig::new().sdk_config(local.config()).token_storage_memory().login_flow(broken);
    let app = UserApp::with_config("Headless App", local.native_client().id(), config).unwrap();
    let e = app.login().await.unwrap_err();
    assert!(e.to_string().contains("CommandLineLoginFlow"), "{e}");
}

/// A redirect whose `state` is not the login's is refused (another page's redirect).
#[tokio::test]
async fn the_local_server_flow_checks_the_state() {
    let local = LocalGlobus::start().await.unwrap();
    let forged = LocalServerLoginFlow::new().timeout(Duration::from_secs(10)).browser(|url| {
        let url = url::Url::parse(url).unwrap();
        let back = url.query_pairs().find(|(k, _)| k == "redirect_uri").unwrap().1.into_owned();
        tokio::spawn(async move {
            // A stray request first (a favicon): ignored.
            assert_eq!(reqwest::get(format!("{back}favicon.ico")).await.unwrap().status(), 404);
            reqwest::get(format!("{back}?code=c&state=not-this-login")).await.unwrap();
        });
        Ok(())
    });
    let config = AppConfig::new().sdk_config(local.config()).token_storage_memory().login_flow(forged);
    let app = UserApp::with_config("Careful App", local.native_client().id(), config).unwrap();
    let e = app.login().await.unwrap_err();
    assert!(e.to_string().contains("state"), "{e}");
}

#[test]
fn the_local_server_flow_refuses_in_an_ssh_session() {
    crate::common::run_alone("app::flows::refusals_in_a_child_process");
}

#[test]
#[ignore = "runs in its own process, started by the_local_server_flow_refuses_in_an_ssh_session"]
fn refusals_in_a_child_process() {
    crate::common::assert_alone("app::flows::refusals_in_a_child_process");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let local = LocalGlobus::start().await.unwrap();
        let login = |name: &'static str| {
            let config = AppConfig::new()
                .sdk_config(local.config())
                .token_storage_memory()
                .login_flow(LocalServerLoginFlow::new().timeout(Duration::from_millis(200)));
            let app = UserApp::with_config(name, local.native_client().id(), config).unwrap();
            async move { app.login().await.unwrap_err().to_string() }
        };
        // SAFETY (edition 2024): this process runs this test alone, on this thread.
        unsafe {
            std::env::remove_var("DISPLAY");
            std::env::remove_var("WAYLAND_DISPLAY");
            std::env::remove_var("BROWSER");
            std::env::set_var("SSH_TTY", "/dev/pts/7");
        }
        let e = login("SSH App").await;
        assert!(e.contains("SSH session") && e.contains("CommandLineLoginFlow"), "{e}");
        unsafe {
            std::env::remove_var("SSH_TTY");
            std::env::remove_var("SSH_CLIENT");
            std::env::set_var("BROWSER", "lynx");
        }
        let e = login("Lynx App").await;
        assert!(e.contains("text-only") && e.contains("CommandLineLoginFlow"), "{e}");
    });
}

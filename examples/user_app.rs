//! A user app: log a user in, list their recent transfer tasks, and on the next run use the
//! stored tokens without asking.
//!
//! ```sh
//! cargo run --example user_app
//! ```
//! With no settings it starts the local Globus (Auth and Transfer emulated on 127.0.0.1) and
//! plays the user's browser itself: the local-server login flow opens the authorize URL, the
//! local Globus approves at once and redirects to the app's loopback listener. The tokens go
//! to a file in a temporary directory, and a second app over the same file (the "next run")
//! uses them without a login.
//!
//! Against real Globus, with a native app registered at app.globus.org/settings/developers:
//!
//! ```sh
//! export GLOBUS_CLIENT_ID=...            # a native app ("thick client")
//! export GLOBUS_SDK_ENVIRONMENT=production
//! cargo run --example user_app           # opens your browser; the tokens go to ~/.globus/app/...
//! cargo run --example user_app           # the second run asks nothing
//! ```

use globus_sdk::app::{AppConfig, GlobusApp, LocalServerLoginFlow, StorageChoice, UserApp};
use globus_sdk::testing::LocalGlobus;
use globus_sdk::transfer::TransferData;

const APP_NAME: &str = "user_app example";

/// List the user's five most recent transfer tasks.
async fn list_tasks(app: &UserApp) -> Result<(), globus_sdk::Error> {
    // The client adds Transfer's scopes to the app's requirements; its first call logs the
    // user in when the stored tokens do not satisfy them.
    let transfer = app.client::<globus_sdk::transfer::Client>()?;
    let tasks = transfer.task_list().limit(5).orderby("request_time DESC").send().await?;
    if tasks.data.is_empty() {
        println!("  no transfer tasks yet");
    }
    for task in &tasks.data {
        println!("  {} {:<9} {}", task.task_id, task.status, task.label.as_deref().unwrap_or("(no label)"));
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    if let Ok(client_id) = std::env::var("GLOBUS_CLIENT_ID") {
        // Real Globus: the system browser, the Python GlobusApp's token file.
        let config = AppConfig::new().login_flow(LocalServerLoginFlow::new()).request_refresh_tokens(true);
        let app = UserApp::with_config(APP_NAME, &client_id, config)?;
        if app.login_required()? {
            println!("Logging you in (your browser opens)...");
        } else {
            println!("Using the stored tokens.");
        }
        println!("Your recent transfer tasks:");
        list_tasks(&app).await?;
        return Ok(());
    }

    let local = LocalGlobus::builder().temp_collection("laptop").temp_collection("cluster").start().await?;
    println!("Started the local Globus: Auth at {}, Transfer at {}", local.auth_url(), local.transfer_url());
    let dir = tempfile::tempdir()?;
    let token_file = dir.path().join("tokens.json");
    // The browser, played by this program: a GET on the authorize URL follows the local
    // Globus's redirect to the app's loopback listener.
    let flow = LocalServerLoginFlow::new().browser(|url| {
        println!("  (browser) opening {}...", &url[..url.len().min(72)]);
        let url = url.to_string();
        tokio::spawn(async move {
            if let Err(e) = reqwest::get(&url).await {
                eprintln!("  (browser) {e}");
            }
        });
        Ok(())
    });
    let config = |flow: LocalServerLoginFlow| {
        AppConfig::new()
            .sdk_config(local.config())
            .login_flow(flow)
            .request_refresh_tokens(true)
            .storage(StorageChoice::JsonFile(token_file.clone()))
    };

    println!("\nFirst run:");
    let app = UserApp::with_config(APP_NAME, local.native_client().id(), config(flow))?;
    println!("  login required: {}", app.login_required()?);
    // Something to list: a small transfer between the two collections.
    let laptop = local.collection("laptop").expect("made above");
    std::fs::write(laptop.root().join("notes.txt"), "results of run 1\n")?;
    let transfer = app.client::<globus_sdk::transfer::Client>()?;
    let mut data = TransferData::new(laptop.id(), local.collection("cluster").expect("made above").id())
        .label("notes to the cluster");
    data.add_item("/notes.txt", "/notes.txt", false);
    let task = transfer.submit_transfer(&data).await?;
    transfer.task_wait(&task.task_id).await?;
    println!("  logged in as {}; recent transfer tasks:", local.user().username);
    list_tasks(&app).await?;

    println!("\nSecond run (a new app over the same token file):");
    let refuse = LocalServerLoginFlow::new().browser(|_| panic!("the second run must not ask the user to log in"));
    let again = UserApp::with_config(APP_NAME, local.native_client().id(), config(refuse))?;
    again.client::<globus_sdk::transfer::Client>()?;
    println!("  login required: {}", again.login_required()?);
    list_tasks(&again).await?;

    again.logout().await?;
    println!("\nLogged out: the tokens are revoked and {} is empty.", token_file.display());
    Ok(())
}

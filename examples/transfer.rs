//! Search collections, list a directory, submit a transfer, wait for it, and show its events.
//!
//! Runs against any Globus: the real one (a confidential app's credentials and two collection
//! ids) or the local one (`cargo run --features testing --bin globus-local` prints the
//! variables to export).
//!
//! ```sh
//! export GLOBUS_CLIENT_ID=... GLOBUS_CLIENT_SECRET=...
//! export SOURCE_COLLECTION=... DESTINATION_COLLECTION=... SOURCE_PATH=/~/ DESTINATION_PATH=/~/copy/
//! cargo run --example transfer -- "search words"
//! ```

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use globus_sdk::auth::ConfidentialAppClient;
use globus_sdk::transfer::scopes as transfer_scopes;
use globus_sdk::transfer::{SyncLevel, TransferData};

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        eprintln!("set {name} (see the comment at the top of examples/transfer.rs)");
        std::process::exit(2);
    })
}

#[tokio::main(flavor = "current_thread")] // sequential calls: see BENCHMARKS.md
async fn main() -> Result<(), globus_sdk::Error> {
    let app = ConfidentialAppClient::new(var("GLOBUS_CLIENT_ID"), var("GLOBUS_CLIENT_SECRET"))?;
    let (source, destination) = (var("SOURCE_COLLECTION"), var("DESTINATION_COLLECTION"));
    let source_path = std::env::var("SOURCE_PATH").unwrap_or_else(|_| "/~/".into());
    let destination_path = std::env::var("DESTINATION_PATH").unwrap_or_else(|_| "/~/globus-sdk-example/".into());
    let authorizer =
        app.client_credentials_authorizer(&[transfer_scopes::all_with_data_access(&[&source, &destination])]);
    let transfer = globus_sdk::transfer::Client::with_authorizer(authorizer)?;

    // Search: the first 20 collections matching the words on the command line.
    let words = std::env::args().nth(1).unwrap_or_else(|| "Globus Tutorial".into());
    let found: Vec<_> =
        transfer.endpoint_search().filter_fulltext(&words).into_stream().max_items(20).items().try_collect().await?;
    println!("{} collections match {words:?}", found.len());
    for ep in &found {
        println!("  {}  {}", ep.id, ep.display_name.as_deref().unwrap_or("(no name)"));
    }

    // List the source directory.
    let listing = transfer.operation_ls().endpoint_id(&source).path(&source_path).send().await?;
    println!("\n{source_path}:");
    for entry in &listing.data {
        println!("  {:<8} {:>12}  {}", entry.type_, entry.size.unwrap_or(0), entry.name);
    }

    // Submit a recursive transfer with checksums, and watch it.
    let mut data = TransferData::new(&source, &destination)
        .label("globus-sdk-rust example")
        .sync_level(SyncLevel::Checksum)
        .verify_checksum(true);
    data.add_item(&source_path, &destination_path, true);
    let submitted = transfer.submit_transfer(&data).await?;
    println!("\nsubmitted task {}", submitted.task_id);
    // Snapshots every 2 s; the stream ends with the first one that is no longer ACTIVE.
    let mut progress = transfer.task_progress(&submitted.task_id, Duration::from_secs(2));
    while let Some(task) = progress.next().await {
        let task = task?;
        println!(
            "  {:<9} {:>12} bytes  {}/{} files  {} faults",
            task.status,
            task.bytes_transferred.unwrap_or(0),
            task.files_transferred.unwrap_or(0),
            task.files.unwrap_or(0),
            task.faults.unwrap_or(0)
        );
    }
    // The task is no longer ACTIVE, so the wait answers at once (it would poll up to 10 s
    // otherwise; `.timeout(..)` and `.poll_interval(..)` change that).
    let task = transfer.task_wait(&submitted.task_id).await?;
    if task.is_inactive() {
        println!("the task needs attention: {}", task.nice_status.as_deref().unwrap_or("(no detail)"));
    }

    // Its events.
    let events: Vec<_> = transfer.task_event_list().task_id(&task.task_id).into_stream().items().try_collect().await?;
    println!("\n{} events:", events.len());
    for e in events.iter().rev() {
        println!("  {}  {}  {}", e.time, e.code, e.description.as_deref().unwrap_or(""));
    }
    Ok(())
}

//! The quickstart: log in, list a collection, move a directory tree with checksums, watch it,
//! check it, and read the task's events.
//!
//! ```sh
//! cargo run --example quickstart
//! ```
//! With no settings it starts the local Globus (an emulator of Auth and Transfer on
//! 127.0.0.1, collections on temporary directories): no account, no network. The same program
//! runs against real Globus when these are set:
//!
//! ```sh
//! export GLOBUS_SDK_ENVIRONMENT=production          # or preview, sandbox...
//! export GLOBUS_CLIENT_ID=... GLOBUS_CLIENT_SECRET=...   # a confidential app (app.globus.org/settings/developers)
//! export SOURCE_COLLECTION=... DESTINATION_COLLECTION=...  # collections the app may use
//! export SOURCE_PATH=/share/godata/ DESTINATION_PATH=/~/quickstart/   # optional
//! cargo run --example quickstart
//! ```

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use globus_sdk::auth::ConfidentialAppClient;
use globus_sdk::testing::LocalGlobus;
use globus_sdk::transfer::scopes as transfer_scopes;
use globus_sdk::transfer::{SyncLevel, TransferData};
use globus_sdk::{Config, Secret};
use indicatif::{ProgressBar, ProgressStyle};

/// Where the program runs: the local Globus (kept alive here) or a real one.
struct Target {
    config: Config,
    client_id: String,
    client_secret: Secret,
    source: String,
    destination: String,
    source_path: String,
    destination_path: String,
    /// The local directories behind the collections, to check the copy byte by byte.
    local_dirs: Option<(PathBuf, PathBuf)>,
    _local: Option<LocalGlobus>,
}

async fn target() -> Result<Target, Box<dyn std::error::Error>> {
    if let (Ok(id), Ok(secret), Ok(src), Ok(dst)) = (
        std::env::var("GLOBUS_CLIENT_ID"),
        std::env::var("GLOBUS_CLIENT_SECRET"),
        std::env::var("SOURCE_COLLECTION"),
        std::env::var("DESTINATION_COLLECTION"),
    ) {
        let config = Config::from_env()?;
        println!("Using Globus ({}) with client {id}", config.resolved_environment()?);
        return Ok(Target {
            config,
            client_id: id,
            client_secret: Secret::new(secret),
            source: src,
            destination: dst,
            source_path: std::env::var("SOURCE_PATH").unwrap_or_else(|_| "/share/godata/".into()),
            destination_path: std::env::var("DESTINATION_PATH").unwrap_or_else(|_| "/~/globus-sdk-quickstart/".into()),
            local_dirs: None,
            _local: None,
        });
    }
    // Slow the copy down a little so that the progress bar has something to show.
    let local = LocalGlobus::builder()
        .temp_collection("source")
        .temp_collection("destination")
        .throttle(12 * 1024 * 1024)
        .start()
        .await?;
    let (src, dst) =
        (local.collection("source").expect("made above"), local.collection("destination").expect("made above"));
    let made = write_sample_data(&src.root().join("experiment"))?;
    println!("Started the local Globus: Auth at {}, Transfer at {}", local.auth_url(), local.transfer_url());
    println!("Wrote {} files ({}) of sample data to the source collection", made.0, human(made.1));
    let app = local.confidential_client();
    Ok(Target {
        config: local.config(),
        client_id: app.id().to_string(),
        client_secret: app.secret().expect("a confidential client has a secret").clone(),
        source: src.id().to_string(),
        destination: dst.id().to_string(),
        source_path: "/experiment/".into(),
        destination_path: "/copy-of-experiment/".into(),
        local_dirs: Some((src.root().join("experiment"), dst.root().join("copy-of-experiment"))),
        _local: Some(local),
    })
}

#[tokio::main(flavor = "current_thread")] // sequential calls: see BENCHMARKS.md
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let t = target().await?;

    // 1. Log in as the application (client credentials), with a renewing authorizer.
    let app = ConfidentialAppClient::with_config(&t.client_id, t.client_secret.clone(), t.config.clone())?;
    let scope = transfer_scopes::all_with_data_access(&[&t.source, &t.destination]);
    let authorizer = app.client_credentials_authorizer(&[scope]);
    let transfer = globus_sdk::transfer::Client::builder()
        .config(t.config.clone())
        .authorizer(authorizer)
        .app_name("quickstart")
        .build()?;
    let collection = transfer.get_endpoint().endpoint_id(&t.source).send().await?;
    println!("\nLogged in; the source collection is {:?}", collection.display_name.as_deref().unwrap_or(&t.source));

    // 2. List the source.
    println!("\n$ ls {}", t.source_path);
    let listing = transfer.operation_ls().endpoint_id(&t.source).path(&t.source_path).send().await?;
    for entry in &listing.data {
        println!("  {:<5} {:>10}  {}", entry.type_, human(entry.size.unwrap_or(0) as u64), entry.name);
    }

    // 3. Submit a recursive transfer that verifies checksums.
    let mut data = TransferData::new(&t.source, &t.destination)
        .label("globus-sdk-rust quickstart")
        .sync_level(SyncLevel::Checksum)
        .verify_checksum(true);
    data.add_item(&t.source_path, &t.destination_path, true);
    let started = Instant::now();
    // A submission id is fetched first: a submission whose answer is lost is resent safely.
    let submitted = transfer.submit_transfer(&data).await?;
    println!("\nSubmitted transfer task {}", submitted.task_id);

    // 4. Show live progress: a snapshot every 200 ms, until the task is no longer ACTIVE.
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("  [{bar:40.cyan/blue}] {bytes}/{total_bytes} {msg}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    let mut progress = transfer.task_progress(&submitted.task_id, Duration::from_millis(200));
    while let Some(task) = progress.next().await {
        let task = task?;
        let total = listing_total(&t, &task);
        bar.set_length(total.max(task.bytes_transferred.unwrap_or(0) as u64));
        bar.set_position(task.bytes_transferred.unwrap_or(0) as u64);
        bar.set_message(format!(
            "{}/{} files, {} faults",
            task.files_transferred.unwrap_or(0),
            task.files.unwrap_or(0),
            task.faults.unwrap_or(0)
        ));
    }
    bar.finish();
    // The task is over (or needs attention): the wait answers at once with its final state.
    let task = transfer.task_wait(&submitted.task_id).await?;
    println!("  task {} after {:.1} s", task.status, started.elapsed().as_secs_f64());

    // 5. Check that every file arrived byte for byte (when the collections are local).
    if let Some((src, dst)) = &t.local_dirs {
        let (files, bytes) = compare_trees(src, dst)?;
        println!("\nVerified {files} files ({}) byte-identical at the destination", human(bytes));
    }

    // 6. The task's events, oldest first.
    let events: Vec<_> = transfer.task_event_list().task_id(&task.task_id).into_stream().items().try_collect().await?;
    println!("\nEvents:");
    for e in events.iter().rev() {
        println!("  {}  {:<20} {}", e.time, e.code, e.description.as_deref().unwrap_or(""));
    }

    // 7. Summary.
    println!(
        "\nSummary: {} — {} files, {} transferred, {} subtasks succeeded, {} faults",
        task.status,
        task.files_transferred.unwrap_or(0),
        human(task.bytes_transferred.unwrap_or(0) as u64),
        task.subtasks_succeeded.unwrap_or(0),
        task.faults.unwrap_or(0)
    );
    if !task.is_succeeded() {
        return Err(format!("the transfer ended {}", task.status).into());
    }
    Ok(())
}

/// The size of the data, for the progress bar: known locally, estimated from the task elsewhere.
fn listing_total(t: &Target, task: &globus_sdk::transfer::types::Task) -> u64 {
    match &t.local_dirs {
        Some((src, _)) => tree_size(src),
        None => task.bytes_transferred.unwrap_or(0) as u64,
    }
}

fn tree_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => tree_size(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

/// Sample data: a small tree of files of varied sizes, filled from a fixed pseudo-random sequence.
fn write_sample_data(root: &Path) -> std::io::Result<(usize, u64)> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut count = 0;
    let mut total = 0;
    for (dir, files) in [("raw", 12), ("raw/run-2", 8), ("analysis", 6), ("figures", 4)] {
        let d = root.join(dir);
        std::fs::create_dir_all(&d)?;
        for i in 0..files {
            let size = 64 * 1024 + (next() % (2 * 1024 * 1024)) as usize;
            let bytes: Vec<u8> = (0..size).map(|_| next() as u8).collect();
            std::fs::write(d.join(format!("sample-{i:02}.dat")), &bytes)?;
            count += 1;
            total += size as u64;
        }
    }
    std::fs::write(root.join("README.txt"), b"Sample data written by the globus-sdk quickstart.\n")?;
    Ok((count + 1, total + 51))
}

/// Every file under `src` exists under `dst` with the same bytes.
fn compare_trees(src: &Path, dst: &Path) -> Result<(usize, u64), Box<dyn std::error::Error>> {
    let mut files = 0;
    let mut bytes = 0;
    for entry in std::fs::read_dir(src)? {
        let entry = entry?;
        let (s, d) = (entry.path(), dst.join(entry.file_name()));
        if entry.metadata()?.is_dir() {
            let (f, b) = compare_trees(&s, &d)?;
            files += f;
            bytes += b;
        } else {
            let (a, b) =
                (std::fs::read(&s)?, std::fs::read(&d).map_err(|e| format!("{} is missing: {e}", d.display()))?);
            if a != b {
                return Err(format!("{} differs from {}", d.display(), s.display()).into());
            }
            files += 1;
            bytes += a.len() as u64;
        }
    }
    Ok((files, bytes))
}

fn human(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / (1 << 20) as f64),
        b if b >= 1 << 10 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{b} B"),
    }
}

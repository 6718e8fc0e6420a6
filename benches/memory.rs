//! Peak memory while streaming 1,000,000 items (run on demand: `cargo bench --bench memory`).
//!
//! A loopback server makes 1,000 pages of 1,000 small items on the fly; the SDK walks them as a
//! stream of items. Prints the process's peak resident memory (VmHWM) before and after, and
//! what holding every item at once would take, to show the stream keeps memory flat.

use std::time::Instant;

use futures::TryStreamExt;
use globus_sdk::authorizers::AccessTokenAuthorizer;
use globus_sdk::testing::{Reply, ScriptedServer};
use globus_sdk::transport::RetryPolicy;

const PAGES: usize = 1000;
const PER_PAGE: usize = 1000;

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.split_whitespace().nth(1).unwrap_or("0").parse().unwrap_or(0))
        })
        .unwrap_or(0)
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let server = ScriptedServer::start().await.unwrap();
        server.always("GET", "/v0.10/task/t1/successful_transfers", |r| {
            let page: usize = r.query_param("marker").and_then(|m| m.parse().ok()).unwrap_or(0);
            let data: Vec<_> = (0..PER_PAGE)
                .map(|i| serde_json::json!({"DATA_TYPE": "successful_transfer", "source_path": format!("/src/{page}/{i}.dat"), "destination_path": format!("/dst/{page}/{i}.dat")}))
                .collect();
            let next = if page + 1 < PAGES { serde_json::json!(page + 1) } else { serde_json::Value::Null };
            Reply::json(200, serde_json::json!({"DATA": data, "next_marker": next}))
        });
        let sdk = globus_sdk::transfer::Client::builder()
            .base_url(server.url())
            .authorizer(AccessTokenAuthorizer::new("t"))
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap();
        let before = peak_rss_kib();
        let started = Instant::now();
        let (count, bytes) = sdk
            .task_successful_transfers()
            .task_id("t1")
            .into_stream()
            .items()
            .try_fold((0usize, 0usize), |(n, b), item| async move {
                Ok((n + 1, b + item.source_path.as_deref().map_or(0, str::len) + item.destination_path.as_deref().map_or(0, str::len)))
            })
            .await
            .unwrap();
        let elapsed = started.elapsed();
        let after = peak_rss_kib();
        assert_eq!(count, PAGES * PER_PAGE);
        println!("streamed {count} items in {:.2} s ({:.0} items/s)", elapsed.as_secs_f64(), count as f64 / elapsed.as_secs_f64());
        println!("peak RSS before: {before} KiB, after: {after} KiB, growth: {} KiB", after.saturating_sub(before));
        println!("the items' paths alone are {} KiB; holding every decoded item would need far more", bytes / 1024);
        println!("(the server records every request; its 1,000 small recorded requests are included)");
    });
}

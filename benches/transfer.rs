//! Performance of the SDK over loopback HTTP (run on demand: `cargo bench --bench transfer`).
//!
//! (a) per-request overhead of `get_task` against the same request sent with bare reqwest;
//! (b) walking `endpoint_manager_task_list` over 100,000 tasks (`task_list` stops at the
//! service's ceiling of 1000); (c) decoding a 100,000-entry `ls` response,
//! over HTTP and in memory; (d) 1,000 concurrent `get_task` calls.
//! The server is the SDK's scripted loopback server answering prebuilt, real-sized bodies
//! (`common/docs.rs`: the 53-field task, 13-field `ls` entries), and for (a) also the local
//! Globus (a real task, token checks). `benches/compare.rs` runs the same scenarios as plain
//! timings, with the Python SDK against the same server.

#![recursion_limit = "256"] // the 53-field task document in one `json!`

#[path = "common/docs.rs"]
mod docs;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use futures::TryStreamExt;
use globus_sdk::auth::ConfidentialAppClient;
use globus_sdk::authorizers::AccessTokenAuthorizer;
use globus_sdk::testing::{LocalGlobus, Reply, ScriptedServer};
use globus_sdk::transfer::TransferData;
use globus_sdk::transfer::types;
use globus_sdk::transport::RetryPolicy;

struct Setup {
    rt: tokio::runtime::Runtime,
    server: ScriptedServer,
    sdk: globus_sdk::transfer::Client,
}

fn setup() -> Setup {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let server = rt.block_on(ScriptedServer::start()).unwrap();
    let one_task = Bytes::from(serde_json::to_vec(&docs::task(1)).unwrap());
    server.always("GET", "/v0.10/task/t-1", move |_| Reply::bytes(200, "application/json", one_task.clone()));
    // 100 pages of 1000 tasks, prebuilt.
    let pages: Arc<Vec<Bytes>> = Arc::new((0..100).map(|p| docs::task_page(p, 1000, 100)).collect());
    server.always("GET", "/v0.10/endpoint_manager/task_list", move |r| {
        let page: usize = r.query_param("last_key").and_then(|k| k.trim_start_matches('k').parse().ok()).unwrap_or(0);
        Reply::bytes(200, "application/json", pages[page].clone())
    });
    let ls = docs::ls_body(100_000);
    server.always("GET", "/v0.10/operation/endpoint/ep/ls", move |_| Reply::bytes(200, "application/json", ls.clone()));
    let sdk = globus_sdk::transfer::Client::builder()
        .base_url(server.url())
        .authorizer(AccessTokenAuthorizer::new("bench-token"))
        .retry_policy(RetryPolicy::none())
        .timeout(Some(Duration::from_secs(60)))
        .build()
        .unwrap();
    Setup { rt, server, sdk }
}

/// The local Globus with one finished transfer task, and a client logged in to it.
async fn local_globus_task() -> (LocalGlobus, globus_sdk::transfer::Client, String) {
    let local = LocalGlobus::start().await.unwrap();
    let src = local.collection("source").unwrap();
    std::fs::write(src.root().join("f.dat"), vec![7u8; 4096]).unwrap();
    let app = local.confidential_client();
    let login = ConfidentialAppClient::with_config(app.id(), app.secret().unwrap().clone(), local.config()).unwrap();
    let authorizer = login.client_credentials_authorizer(&[globus_sdk::transfer::scopes::all()]);
    let sdk = globus_sdk::transfer::Client::builder()
        .config(local.config())
        .authorizer(authorizer)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let dst = local.collection("destination").unwrap().id().to_string();
    let task = sdk
        .submit_transfer(TransferData::new(src.id(), dst).add_item("/f.dat", "/f.dat", false))
        .await
        .unwrap()
        .task_id;
    sdk.task_wait(&task).timeout(Duration::from_secs(30)).poll_interval(Duration::from_millis(50)).await.unwrap();
    (local, sdk, task)
}

async fn local_token(local: &LocalGlobus) -> String {
    let app = local.confidential_client();
    let login = ConfidentialAppClient::with_config(app.id(), app.secret().unwrap().clone(), local.config()).unwrap();
    let tokens = login.client_credentials_tokens(&[globus_sdk::transfer::scopes::all()]).await.unwrap();
    tokens.for_resource_server("transfer.api.globus.org").unwrap().access_token.expose().to_string()
}

fn benches(c: &mut Criterion) {
    let s = setup();
    let bare = reqwest::Client::new();
    let task_url = format!("{}/v0.10/task/t-1", s.server.url());

    let mut g = c.benchmark_group("a_get_task");
    g.bench_function("sdk", |b| {
        b.to_async(&s.rt).iter(|| async { s.sdk.get_task().task_id("t-1").send().await.unwrap() })
    });
    let (local, local_sdk, local_task) = s.rt.block_on(local_globus_task());
    let local_url = format!("{}/v0.10/task/{local_task}", local.transfer_url());
    g.bench_function("sdk_local_globus", |b| {
        b.to_async(&s.rt).iter(|| async { local_sdk.get_task().task_id(&local_task).send().await.unwrap() })
    });
    let token = s.rt.block_on(local_token(&local));
    g.bench_function("bare_reqwest_local_globus", |b| {
        b.to_async(&s.rt).iter(|| async {
            let r = bare.get(&local_url).bearer_auth(&token).send().await.unwrap();
            serde_json::from_slice::<types::Task>(&r.bytes().await.unwrap()).unwrap()
        })
    });
    // The SDK's HTTP client has a request timeout (60 s by default); so does this one.
    let bare_with_timeout = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().unwrap();
    g.bench_function("bare_reqwest_with_timeout", |b| {
        b.to_async(&s.rt).iter(|| async {
            let r = bare_with_timeout.get(&task_url).bearer_auth("bench-token").send().await.unwrap();
            serde_json::from_slice::<types::Task>(&r.bytes().await.unwrap()).unwrap()
        })
    });
    g.bench_function("bare_reqwest", |b| {
        b.to_async(&s.rt).iter(|| async {
            let r = bare.get(&task_url).bearer_auth("bench-token").send().await.unwrap();
            serde_json::from_slice::<types::Task>(&r.bytes().await.unwrap()).unwrap()
        })
    });
    g.finish();

    let mut g = c.benchmark_group("b_task_list_100k");
    g.sample_size(10).throughput(Throughput::Elements(100_000));
    g.bench_function("walk_items", |b| {
        b.to_async(&s.rt).iter(|| async {
            let n = s
                .sdk
                .endpoint_manager_task_list()
                .limit(1000)
                .into_stream()
                .items()
                .try_fold(0usize, |n, _| async move { Ok(n + 1) })
                .await
                .unwrap();
            assert_eq!(n, 100_000);
        })
    });
    g.finish();

    let mut g = c.benchmark_group("c_ls_100k");
    g.sample_size(10).throughput(Throughput::Elements(100_000));
    g.bench_function("over_http", |b| {
        b.to_async(&s.rt).iter(|| async {
            let r = s.sdk.operation_ls().endpoint_id("ep").send().await.unwrap();
            assert_eq!(r.data.len(), 100_000);
        })
    });
    let body = docs::ls_body(100_000);
    g.bench_function("decode_only", |b| b.iter(|| serde_json::from_slice::<types::FileList>(&body).unwrap()));
    g.finish();

    let mut g = c.benchmark_group("d_concurrent_get_task");
    g.sample_size(10).throughput(Throughput::Elements(1000));
    g.bench_with_input(BenchmarkId::from_parameter(1000), &1000usize, |b, &n| {
        b.to_async(&s.rt).iter(|| async {
            let calls = (0..n).map(|_| s.sdk.get_task().task_id("t-1").send());
            for r in futures::future::join_all(calls).await {
                r.unwrap();
            }
        })
    });
    // 32 workers, a client built in each (what a program with a client per task pays).
    let url = s.server.url();
    g.bench_function("32_tasks_a_client_each", |b| {
        b.to_async(&s.rt).iter(|| async {
            let workers = (0..32usize).map(|i| {
                let url = url.clone();
                async move {
                    let sdk = globus_sdk::transfer::Client::builder()
                        .base_url(url)
                        .authorizer(AccessTokenAuthorizer::new("bench-token"))
                        .retry_policy(RetryPolicy::none())
                        .build()
                        .unwrap();
                    for _ in 0..(1000 / 32 + usize::from(i < 1000 % 32)) {
                        sdk.get_task().task_id("t-1").send().await.unwrap();
                    }
                }
            });
            futures::future::join_all(workers).await;
        })
    });
    g.finish();

    let mut g = c.benchmark_group("e_build_client");
    g.bench_function("transfer_client", |b| {
        b.iter(|| {
            globus_sdk::transfer::Client::builder()
                .base_url(&url)
                .authorizer(AccessTokenAuthorizer::new("bench-token"))
                .build()
                .unwrap()
        })
    });
    g.finish();
}

criterion_group!(transfer, benches);
criterion_main!(transfer);

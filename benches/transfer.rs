//! Performance of the SDK over loopback HTTP (run on demand: `cargo bench --bench transfer`).
//!
//! (a) per-request overhead of `get_task` against the same request sent with bare reqwest;
//! (b) walking `endpoint_manager_task_list` over 100,000 tasks (`task_list` stops at the
//! service's ceiling of 1000); (c) decoding a 100,000-entry `ls` response,
//! over HTTP and in memory; (d) 1,000 concurrent `get_task` calls.
//! The server is the SDK's scripted loopback server answering prebuilt bodies (the minimal
//! raw loopback server), and for (a) also the local Globus (a real task, token checks).

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
use serde_json::json;

fn task(i: usize) -> serde_json::Value {
    json!({"DATA_TYPE": "task", "task_id": format!("00000000-0000-0000-0000-{i:012}"), "type": "TRANSFER",
           "status": "SUCCEEDED", "label": format!("task {i}"), "bytes_transferred": i * 1000, "files": 10,
           "files_transferred": 10, "subtasks_total": 10, "subtasks_succeeded": 10, "faults": 0,
           "request_time": "2024-01-01T00:00:00+00:00", "completion_time": "2024-01-01T00:10:00+00:00",
           "source_endpoint_id": "aa752cea-8222-5bc8-acd9-555b090c0ccb", "destination_endpoint_id": "aa752cea-8222-5bc8-acd9-555b090c0ccc",
           "owner_id": "46bd0f56-e24f-11e5-a510-131bef46955c", "nice_status": null, "deadline": "2024-01-02T00:00:00+00:00"})
}

fn ls_body(n: usize) -> Bytes {
    let entries: Vec<_> = (0..n)
        .map(|i| {
            json!({"DATA_TYPE": "file", "name": format!("file-{i:06}.dat"), "type": "file", "size": i * 17,
                         "permissions": "0644", "last_modified": "2024-01-01 00:00:00+00:00", "user": "alice",
                         "group": "lab", "link_target": null})
        })
        .collect();
    Bytes::from(serde_json::to_vec(&json!({"DATA_TYPE": "file_list", "path": "/data/", "DATA": entries})).unwrap())
}

struct Setup {
    rt: tokio::runtime::Runtime,
    server: ScriptedServer,
    sdk: globus_sdk::transfer::Client,
}

fn setup() -> Setup {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let server = rt.block_on(ScriptedServer::start()).unwrap();
    let one_task = Bytes::from(serde_json::to_vec(&task(1)).unwrap());
    server.always("GET", "/v0.10/task/t-1", move |_| Reply::bytes(200, "application/json", one_task.clone()));
    // 100 pages of 1000 tasks, prebuilt.
    let pages: Arc<Vec<Bytes>> = Arc::new(
        (0..100)
            .map(|p| {
                let data: Vec<_> = (p * 1000..(p + 1) * 1000).map(task).collect();
                let more = p < 99;
                let key = more.then(|| format!("k{}", p + 1));
                Bytes::from(
                    serde_json::to_vec(
                        &json!({"DATA_TYPE": "task_list", "DATA": data, "has_next_page": more, "last_key": key}),
                    )
                    .unwrap(),
                )
            })
            .collect(),
    );
    server.always("GET", "/v0.10/endpoint_manager/task_list", move |r| {
        let page: usize = r.query_param("last_key").and_then(|k| k.trim_start_matches('k').parse().ok()).unwrap_or(0);
        Reply::bytes(200, "application/json", pages[page].clone())
    });
    let ls = ls_body(100_000);
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
    let body = ls_body(100_000);
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
    g.finish();
}

criterion_group!(transfer, benches);
criterion_main!(transfer);

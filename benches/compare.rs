//! The SDK against bare reqwest and against the Python SDK, scenario by scenario, in one run
//! over one loopback server (run on demand: `cargo bench --bench compare`; with
//! `GLOBUS_BENCH_PYTHON=/path/to/python` it also runs `scripts/bench_python.py` against the
//! same server, so the ratios come from one run).
//!
//! Real-sized documents (`common/docs.rs`): a 53-field task (~1.5 KB), pages of 1,000 tasks,
//! 13-field `ls` entries. Each time is the best of a few runs. The server runs on a runtime of
//! its own (one thread); the client's runtime is named in each line.

#![recursion_limit = "256"] // the 53-field task document in one `json!`

#[path = "common/docs.rs"]
mod docs;

use std::alloc::{GlobalAlloc, Layout, System};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::TryStreamExt;
use globus_sdk::authorizers::AccessTokenAuthorizer;
use globus_sdk::testing::{Reply, ScriptedServer};
use globus_sdk::transfer::types;
use globus_sdk::transport::RetryPolicy;

/// Counts the bytes allocated now and at the peak, to measure one listing's memory.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        unsafe { System.dealloc(p, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, layout, new_size) };
        if !q.is_null() {
            if new_size > layout.size() {
                let now = LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size - layout.size();
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        q
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const CALLS: usize = 2000;
const PAGES: usize = 100;
const PER_PAGE: usize = 1000;
const LS: usize = 100_000;
const RUNS: usize = 5;

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

fn multi_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

/// The best of `RUNS` runs of `f` on `rt`.
fn best<F, Fut>(rt: &tokio::runtime::Runtime, f: F) -> Duration
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()>,
{
    rt.block_on(f()); // warm up (connections, caches)
    (0..RUNS)
        .map(|_| {
            let started = Instant::now();
            rt.block_on(f());
            started.elapsed()
        })
        .min()
        .unwrap()
}

fn best_sync(f: impl Fn()) -> Duration {
    f();
    (0..RUNS)
        .map(|_| {
            let started = Instant::now();
            f();
            started.elapsed()
        })
        .min()
        .unwrap()
}

fn sdk(url: &str) -> globus_sdk::transfer::Client {
    globus_sdk::transfer::Client::builder()
        .base_url(url)
        .authorizer(AccessTokenAuthorizer::new("bench-token"))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

struct Report(Vec<(String, f64)>);

impl Report {
    fn add(&mut self, name: &str, d: Duration) -> f64 {
        let s = d.as_secs_f64();
        println!("{name:<72} {s:>9.4} s");
        self.0.push((name.to_string(), s));
        s
    }
}

fn main() {
    // The server: one thread of its own, prebuilt bodies.
    let server_rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let server = server_rt.block_on(ScriptedServer::start()).unwrap();
    let one_task = Bytes::from(serde_json::to_vec(&docs::task(1)).unwrap());
    println!("task document: {} bytes; ", one_task.len());
    let task_body = one_task.clone();
    server.always("GET", "/v0.10/task/t-1", move |_| Reply::bytes(200, "application/json", task_body.clone()));
    let pages: Arc<Vec<Bytes>> = Arc::new((0..PAGES).map(|p| docs::task_page(p, PER_PAGE, PAGES)).collect());
    println!("task page: {} bytes; ", pages[0].len());
    let served = pages.clone();
    server.always("GET", "/v0.10/endpoint_manager/task_list", move |r| {
        let page: usize = r.query_param("last_key").and_then(|k| k.trim_start_matches('k').parse().ok()).unwrap_or(0);
        Reply::bytes(200, "application/json", served[page].clone())
    });
    let ls = docs::ls_body(LS);
    println!("ls body: {} bytes", ls.len());
    let ls_served = ls.clone();
    server.always("GET", "/v0.10/operation/endpoint/ep/ls", move |_| {
        Reply::bytes(200, "application/json", ls_served.clone())
    });
    let url = server.url();
    let task_url = format!("{url}/v0.10/task/t-1");
    let list_url = format!("{url}/v0.10/endpoint_manager/task_list");
    let ct = current_thread();
    let mt = multi_thread();
    let mut report = Report(Vec::new());

    // 1. Sequential calls.
    let client = sdk(&url);
    let seq = |rt: &tokio::runtime::Runtime| {
        best(rt, || async {
            for _ in 0..CALLS {
                client.get_task().task_id("t-1").send().await.unwrap();
            }
        })
    };
    let sdk_ct = report.add("sequential: 2,000 get_task, SDK, current_thread runtime", seq(&ct));
    let sdk_mt = report.add("sequential: 2,000 get_task, SDK, multi_thread runtime (2 workers)", seq(&mt));
    // A bare client for each runtime: a pooled connection belongs to the runtime that opened it.
    let bare = reqwest::Client::new();
    let bare_mt = reqwest::Client::new();
    let bare_seq = |rt: &tokio::runtime::Runtime, decode: bool| {
        let bare = if std::ptr::eq(rt, &mt) { &bare_mt } else { &bare };
        let task_url = &task_url;
        best(rt, move || async move {
            for _ in 0..CALLS {
                let r = bare.get(task_url.as_str()).bearer_auth("bench-token").send().await.unwrap();
                let body = r.bytes().await.unwrap();
                if decode {
                    serde_json::from_slice::<types::Task>(&body).unwrap();
                }
            }
        })
    };
    let bare_decode_ct =
        report.add("sequential: bare reqwest + the same typed decode, current_thread", bare_seq(&ct, true));
    let bare_ct =
        report.add("sequential: bare reqwest keep-alive round trip, no decode, current_thread", bare_seq(&ct, false));
    report.add("sequential: bare reqwest keep-alive round trip, no decode, multi_thread", bare_seq(&mt, false));
    let decode_task = best_sync(|| {
        for _ in 0..CALLS {
            serde_json::from_slice::<types::Task>(&one_task).unwrap();
        }
    });
    report.add("sequential: decoding the 2,000 task documents alone", decode_task);
    println!(
        "  per call: SDK {:.1} µs (current_thread), {:.1} µs (multi_thread); bare round trip {:.1} µs, with decode {:.1} µs; SDK / bare round trip = {:.2}",
        sdk_ct * 1e6 / CALLS as f64,
        sdk_mt * 1e6 / CALLS as f64,
        bare_ct * 1e6 / CALLS as f64,
        bare_decode_ct * 1e6 / CALLS as f64,
        sdk_ct / bare_ct
    );

    // 2. 32 tasks, a client each, 1,000 calls in all.
    let fan_out = |build_each: bool| {
        let url = url.clone();
        let shared = sdk(&url);
        best(&mt, move || {
            let url = url.clone();
            let shared = shared.clone();
            async move {
                let tasks: Vec<_> = (0..32)
                    .map(|i| {
                        let n = 1000 / 32 + usize::from(i < 1000 % 32);
                        let url = url.clone();
                        let shared = shared.clone();
                        tokio::spawn(async move {
                            let c = if build_each { sdk(&url) } else { shared };
                            for _ in 0..n {
                                c.get_task().task_id("t-1").send().await.unwrap();
                            }
                        })
                    })
                    .collect();
                for t in tasks {
                    t.await.unwrap();
                }
            }
        })
    };
    report.add("concurrent: 1,000 get_task from 32 tasks, a client built in each", fan_out(true));
    report.add("concurrent: the same, one client shared by the 32 tasks", fan_out(false));
    let build = best_sync(|| {
        for _ in 0..1000 {
            drop(sdk(&url));
        }
    });
    println!("  building a client: {:.1} µs", build.as_secs_f64() * 1e6 / 1000.0);

    // 3. Walking 100,000 tasks in pages of 1,000.
    let walk = |rt: &tokio::runtime::Runtime| {
        best(rt, || async {
            let n = client
                .endpoint_manager_task_list()
                .limit(1000)
                .into_stream()
                .items()
                .try_fold(0usize, |n, _| async move { Ok(n + 1) })
                .await
                .unwrap();
            assert_eq!(n, PAGES * PER_PAGE);
        })
    };
    let walk_ct = report.add("walk 100,000 tasks (100 pages of 1,000), SDK, current_thread", walk(&ct));
    report.add("walk 100,000 tasks, SDK, multi_thread", walk(&mt));
    let bare_walk = report.add(
        "walk 100,000 tasks, bare reqwest + the same typed decode, current_thread",
        best(&ct, || async {
            let mut key: Option<String> = None;
            let mut n = 0;
            loop {
                let mut req = bare.get(&list_url).query(&[("limit", "1000")]);
                if let Some(k) = &key {
                    req = req.query(&[("last_key", k)]);
                }
                let body = req.bearer_auth("bench-token").send().await.unwrap().bytes().await.unwrap();
                let page: types::TaskList = serde_json::from_slice(&body).unwrap();
                n += page.data.len();
                match page.last_key {
                    Some(k) if page.has_next_page == Some(true) => key = Some(k),
                    _ => break,
                }
            }
            assert_eq!(n, PAGES * PER_PAGE);
        }),
    );
    let decode_pages = report.add(
        "walk: decoding the 100 pages alone (in memory)",
        best_sync(|| {
            for p in pages.iter() {
                serde_json::from_slice::<types::TaskList>(p).unwrap();
            }
        }),
    );
    println!(
        "  SDK / bare reqwest + decode = {:.2}; SDK / decode alone = {:.2}; per page: SDK {:.2} ms, decode {:.2} ms",
        walk_ct / bare_walk,
        walk_ct / decode_pages,
        walk_ct * 1e3 / PAGES as f64,
        decode_pages * 1e3 / PAGES as f64
    );

    // 4. One 100,000-entry listing.
    let ls_sdk = report.add(
        "ls 100,000 entries, SDK, current_thread",
        best(&ct, || async {
            let r = client.operation_ls().endpoint_id("ep").send().await.unwrap();
            assert_eq!(r.data.len(), LS);
        }),
    );
    let ls_decode = report.add(
        "ls: decoding the same body alone",
        best_sync(|| drop(serde_json::from_slice::<types::FileList>(&ls).unwrap())),
    );
    let live = LIVE.load(Ordering::Relaxed);
    PEAK.store(live, Ordering::Relaxed);
    ct.block_on(async {
        let r = client.operation_ls().endpoint_id("ep").send().await.unwrap();
        assert_eq!(r.data.len(), LS);
    });
    let ls_peak = PEAK.load(Ordering::Relaxed) - live;
    println!(
        "  SDK / decode alone = {:.2}; peak heap during one ls, above what was live before: {:.1} MiB (the body is {:.1} MiB)",
        ls_sdk / ls_decode,
        ls_peak as f64 / (1024.0 * 1024.0),
        ls.len() as f64 / (1024.0 * 1024.0)
    );

    // 5. The Python SDK, against the same server.
    let Ok(python) = std::env::var("GLOBUS_BENCH_PYTHON") else {
        println!("(set GLOBUS_BENCH_PYTHON to a Python with globus-sdk to compare)");
        return;
    };
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/bench_python.py");
    let out = std::process::Command::new(python).arg(script).arg(&url).output().expect("run the Python bench");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let py: serde_json::Value = serde_json::from_slice(&out.stdout).expect("the Python bench prints JSON");
    println!("Python globus-sdk {}:", py["globus_sdk_version"]);
    let find = |name: &str| report.0.iter().find(|(n, _)| n.starts_with(name)).map(|(_, s)| *s).unwrap();
    for (label, key, rust) in [
        (
            "2,000 sequential get_task",
            "sequential_get_task_2000_s",
            find("sequential: 2,000 get_task, SDK, current_thread"),
        ),
        (
            "1,000 get_task, 32 workers, a client each",
            "concurrent_32x_1000_s",
            find("concurrent: 1,000 get_task from 32 tasks, a client"),
        ),
        ("walk 100,000 tasks", "walk_100k_s", find("walk 100,000 tasks (100 pages")),
        ("ls 100,000 entries", "ls_100k_s", find("ls 100,000 entries, SDK")),
    ] {
        let p = py[key].as_f64().unwrap();
        println!("  {label:<48} Python {p:>8.4} s   Rust {rust:>8.4} s   Python / Rust = {:.1}", p / rust);
    }
    println!("  ls 100,000 entries: Python peak RSS growth {} KiB", py["ls_100k_peak_rss_growth_kib"]);
    drop(server);
}

//! The SDK against bare reqwest and against the Python SDK, scenario by scenario, in one run
//! over one loopback server (run on demand: `cargo bench --bench compare`; with
//! `GLOBUS_BENCH_PYTHON=/path/to/python` it also runs `scripts/bench_python.py` against the
//! same server, so the ratios come from one run).
//!
//! Real-sized documents (`common/docs.rs`): a 53-field task (~1.5 KB), pages of 1,000 tasks,
//! 13-field `ls` entries, 3-field `successful_transfers` entries for the million-item stream.
//! The bare baselines decode with the SDK's decoder (`decode` below: the body checked as UTF-8
//! once, then `serde_json::from_str`); the walk and the listing also show plain
//! `serde_json::from_slice`. Each time is the best of a few runs. The server runs on a runtime of
//! its own (one thread); the client's runtime is named in each line.

#![recursion_limit = "256"] // the 53-field task document in one `json!`

#[path = "common/docs.rs"]
mod docs;

use std::alloc::{GlobalAlloc, Layout, System};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::TryStreamExt;
use globus_sdk::authorizers::AccessTokenAuthorizer;
use globus_sdk::testing::{Reply, ScriptedServer};
use globus_sdk::transfer::types;
use globus_sdk::transport::RetryPolicy;

/// Counts heap bytes while `COUNTING` is on (`peak_heap_of`): the growth since counting began
/// and its peak. Off, it costs one relaxed load per call, so the timed runs pay nothing for it.
struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static GROWTH: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

fn count(delta: isize) {
    if COUNTING.load(Ordering::Relaxed) {
        let now = GROWTH.fetch_add(delta, Ordering::Relaxed) + delta;
        PEAK.fetch_max(now, Ordering::Relaxed);
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            count(layout.size() as isize);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        unsafe { System.dealloc(p, layout) };
        count(-(layout.size() as isize));
    }
    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, layout, new_size) };
        if !q.is_null() {
            count(new_size as isize - layout.size() as isize);
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
const STREAM_PAGES: usize = 1000;

/// The bare baselines' decoder: the SDK's own method (the body checked as UTF-8 once, then
/// decoded as a `str`), so SDK against bare measures the SDK's overhead, not the decoder.
fn decode<T: serde::de::DeserializeOwned>(body: &[u8]) -> T {
    serde_json::from_str(std::str::from_utf8(body).unwrap()).unwrap()
}

/// One page of `successful_transfers` (the Python SDK's registered shape), `PER_PAGE` entries,
/// `next_marker` naming the next page until the last.
fn successful_page(page: usize) -> Bytes {
    let mut out = String::with_capacity(PER_PAGE * 120);
    out.push_str("{\"DATA_TYPE\": \"successful_transfers\", \"marker\": ");
    out.push_str(&page.to_string());
    out.push_str(", \"next_marker\": ");
    out.push_str(&if page + 1 < STREAM_PAGES { (page + 1).to_string() } else { "null".to_string() });
    out.push_str(", \"DATA\": [");
    for i in 0..PER_PAGE {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&format!(
            "{{\"DATA_TYPE\": \"successful_transfer\", \"source_path\": \"/data/run{page}/file{i}.dat\", \"destination_path\": \"/archive/run{page}/file{i}.dat\"}}"
        ));
    }
    out.push_str("]}");
    Bytes::from(out)
}

/// Runs `f` once and gives the peak heap it reached above what was live before it. (Not the
/// resident memory: memory the earlier scenarios freed stays resident in this process and would
/// hide the growth; the Python side measures each scenario in a fresh interpreter instead.)
fn peak_heap_of(f: impl FnOnce()) -> usize {
    GROWTH.store(0, Ordering::Relaxed);
    PEAK.store(0, Ordering::Relaxed);
    COUNTING.store(true, Ordering::Relaxed);
    f();
    COUNTING.store(false, Ordering::Relaxed);
    PEAK.load(Ordering::Relaxed).max(0) as usize
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

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
    let stream_pages: Arc<Vec<Bytes>> = Arc::new((0..STREAM_PAGES).map(successful_page).collect());
    println!("successful_transfers page: {} bytes", stream_pages[0].len());
    let served = stream_pages.clone();
    server.always("GET", "/v0.10/task/t-1/successful_transfers", move |r| {
        let page: usize = r.query_param("marker").and_then(|m| m.parse().ok()).unwrap_or(0);
        match served.get(page) {
            Some(body) => Reply::bytes(200, "application/json", body.clone()),
            None => Reply::json(404, serde_json::json!({"code": "NotFound"})),
        }
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
    let bare_seq = |rt: &tokio::runtime::Runtime, decoding: bool| {
        let bare = if std::ptr::eq(rt, &mt) { &bare_mt } else { &bare };
        let task_url = &task_url;
        best(rt, move || async move {
            for _ in 0..CALLS {
                let r = bare.get(task_url.as_str()).bearer_auth("bench-token").send().await.unwrap();
                let body = r.bytes().await.unwrap();
                if decoding {
                    drop(decode::<types::Task>(&body));
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
            drop(decode::<types::Task>(&one_task));
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
    let bare_url = task_url.clone();
    report.add(
        "concurrent: the same, bare reqwest (one client) + the same typed decode",
        best(&mt, move || {
            let bare = bare_mt.clone();
            let task_url = bare_url.clone();
            async move {
                let tasks: Vec<_> = (0..32)
                    .map(|i| {
                        let n = 1000 / 32 + usize::from(i < 1000 % 32);
                        let (bare, task_url) = (bare.clone(), task_url.clone());
                        tokio::spawn(async move {
                            for _ in 0..n {
                                let r = bare.get(task_url.as_str()).bearer_auth("bench-token").send().await.unwrap();
                                drop(decode::<types::Task>(&r.bytes().await.unwrap()));
                            }
                        })
                    })
                    .collect();
                for t in tasks {
                    t.await.unwrap();
                }
            }
        }),
    );
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
    report.add(
        "walk 100,000 tasks, SDK pages() with a loop over each page's items, current_thread",
        best(&ct, || async {
            let mut pages = client.endpoint_manager_task_list().limit(1000).into_stream().pages();
            let mut n = 0;
            while let Some(page) = pages.try_next().await.unwrap() {
                for task in page.data {
                    n += usize::from(!task.status.is_empty());
                }
            }
            assert_eq!(n, PAGES * PER_PAGE);
        }),
    );
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
                let page: types::TaskList = decode(&body);
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
                drop(decode::<types::TaskList>(p));
            }
        }),
    );
    report.add(
        "walk: decoding the 100 pages alone with serde_json::from_slice",
        best_sync(|| {
            for p in pages.iter() {
                drop(serde_json::from_slice::<types::TaskList>(p).unwrap());
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
    let ls_decode = report.add("ls: decoding the same body alone", best_sync(|| drop(decode::<types::FileList>(&ls))));
    report.add(
        "ls: decoding it alone with serde_json::from_slice",
        best_sync(|| drop(serde_json::from_slice::<types::FileList>(&ls).unwrap())),
    );
    let ls_peak = peak_heap_of(|| {
        ct.block_on(async {
            let r = client.operation_ls().endpoint_id("ep").send().await.unwrap();
            assert_eq!(r.data.len(), LS);
        })
    });
    println!(
        "  SDK / decode alone = {:.2}; peak heap during one ls, above what was live before: {:.1} MiB (the body is {:.1} MiB)",
        ls_sdk / ls_decode,
        mib(ls_peak),
        mib(ls.len())
    );

    // 5. A million items as one stream (1,000 marker pages of 1,000), memory kept flat.
    let stream_sdk = || async {
        let (n, bytes) = client
            .task_successful_transfers()
            .task_id("t-1")
            .into_stream()
            .items()
            .try_fold((0usize, 0usize), |(n, b), item| async move {
                Ok((n + 1, b + item.source_path.map_or(0, |p| p.len())))
            })
            .await
            .unwrap();
        assert_eq!(n, STREAM_PAGES * PER_PAGE);
        bytes
    };
    let stream_bare = || async {
        let (mut n, mut bytes, mut marker) = (0usize, 0usize, None::<serde_json::Value>);
        loop {
            let mut req = bare.get(format!("{url}/v0.10/task/t-1/successful_transfers"));
            if let Some(m) = &marker {
                req = req.query(&[("marker", m.to_string())]);
            }
            let body = req.bearer_auth("bench-token").send().await.unwrap().bytes().await.unwrap();
            let page: types::SuccessfulTransferList = decode(&body);
            for item in page.data {
                n += 1;
                bytes += item.source_path.map_or(0, |p| p.len());
            }
            match page.next_marker {
                Some(m) if !m.is_null() => marker = Some(m),
                _ => break,
            }
        }
        assert_eq!(n, STREAM_PAGES * PER_PAGE);
        bytes
    };
    let stream_time = report.add(
        "stream 1,000,000 items (1,000 pages of 1,000), SDK, current_thread",
        best(&ct, || async {
            stream_sdk().await;
        }),
    );
    let bare_stream = report.add(
        "stream 1,000,000 items, bare reqwest + the same typed decode",
        best(&ct, || async {
            stream_bare().await;
        }),
    );
    report.add(
        "stream: the same, SDK pages() with a loop over each page's items",
        best(&ct, || async {
            let mut pages = client.task_successful_transfers().task_id("t-1").into_stream().pages();
            let mut n = 0;
            while let Some(page) = pages.try_next().await.unwrap() {
                for item in page.data {
                    n += usize::from(item.source_path.is_some());
                }
            }
            assert_eq!(n, STREAM_PAGES * PER_PAGE);
        }),
    );
    let stream_decode = report.add(
        "stream: decoding the 1,000 pages alone (in memory)",
        best_sync(|| {
            for p in stream_pages.iter() {
                drop(decode::<types::SuccessfulTransferList>(p));
            }
        }),
    );
    let mut paths = 0;
    let sdk_peak = peak_heap_of(|| paths = ct.block_on(stream_sdk()));
    let bare_peak = peak_heap_of(|| {
        ct.block_on(stream_bare());
    });
    println!(
        "  SDK / bare = {:.2}; SDK / decode alone = {:.2}; peak heap above what was live: SDK {:.1} MiB, bare {:.1} MiB (one page is {:.2} MiB; the items' source paths alone are {:.1} MiB)",
        stream_time / bare_stream,
        stream_time / stream_decode,
        mib(sdk_peak),
        mib(bare_peak),
        mib(stream_pages[0].len()),
        mib(paths)
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
        ("stream 1,000,000 items", "stream_1m_s", find("stream 1,000,000 items (1,000 pages")),
    ] {
        let p = py[key].as_f64().unwrap();
        println!("  {label:<48} Python {p:>8.4} s   Rust {rust:>8.4} s   Python / Rust = {:.1}", p / rust);
    }
    println!("  ls 100,000 entries: Python peak RSS growth {} KiB", py["ls_100k_peak_rss_growth_kib"]);
    println!("  stream 1,000,000 items: Python peak RSS growth {} KiB", py["stream_1m_peak_rss_growth_kib"]);
    drop(server);
}

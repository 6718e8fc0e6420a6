//! Where decode time goes, without HTTP (run on demand: `cargo bench --bench decode`): a
//! real-sized task (53 fields, ~1.5 KB), a page of 1,000 of them and a 100,000-entry `ls`,
//! decoded into the SDK's generated types, into `serde_json::Value`, and only checked
//! (`IgnoredAny`: the JSON parse without building anything). `typed` decodes as the SDK does
//! (the body checked as UTF-8 once, then `serde_json::from_str`); `typed_from_slice` decodes
//! the bytes directly, which checks each string on its own.

#![recursion_limit = "256"] // the 53-field task document in one `json!`

#[path = "common/docs.rs"]
mod docs;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use globus_sdk::transfer::types;
use serde::de::{DeserializeOwned, IgnoredAny};

/// The SDK's decoder (`transport::decode_json`): UTF-8 checked once, then decoded as a `str`.
fn sdk_decode<T: DeserializeOwned>(body: &[u8]) -> T {
    serde_json::from_str(std::str::from_utf8(body).unwrap()).unwrap()
}

fn benches(c: &mut Criterion) {
    let one = serde_json::to_vec(&docs::task(7)).unwrap();
    let mut g = c.benchmark_group("decode_task");
    g.throughput(Throughput::Bytes(one.len() as u64));
    g.bench_function("typed", |b| b.iter(|| sdk_decode::<types::Task>(&one)));
    g.bench_function("typed_from_slice", |b| b.iter(|| serde_json::from_slice::<types::Task>(&one).unwrap()));
    g.bench_function("value", |b| b.iter(|| serde_json::from_slice::<serde_json::Value>(&one).unwrap()));
    g.bench_function("ignored", |b| b.iter(|| serde_json::from_slice::<IgnoredAny>(&one).unwrap()));
    g.finish();

    let page = docs::task_page(0, 1000, 2);
    let mut g = c.benchmark_group("decode_task_page_1000");
    g.throughput(Throughput::Elements(1000));
    g.bench_function("typed", |b| b.iter(|| sdk_decode::<types::TaskList>(&page)));
    g.bench_function("typed_from_slice", |b| b.iter(|| serde_json::from_slice::<types::TaskList>(&page).unwrap()));
    g.bench_function("value", |b| b.iter(|| serde_json::from_slice::<serde_json::Value>(&page).unwrap()));
    g.bench_function("ignored", |b| b.iter(|| serde_json::from_slice::<IgnoredAny>(&page).unwrap()));
    g.finish();

    let ls = docs::ls_body(100_000);
    let mut g = c.benchmark_group("decode_ls_100k");
    g.sample_size(10).throughput(Throughput::Elements(100_000));
    g.bench_function("typed", |b| b.iter(|| sdk_decode::<types::FileList>(&ls)));
    g.bench_function("typed_from_slice", |b| b.iter(|| serde_json::from_slice::<types::FileList>(&ls).unwrap()));
    g.bench_function("value", |b| b.iter(|| serde_json::from_slice::<serde_json::Value>(&ls).unwrap()));
    g.bench_function("ignored", |b| b.iter(|| serde_json::from_slice::<IgnoredAny>(&ls).unwrap()));
    g.finish();
}

criterion_group!(decode, benches);
criterion_main!(decode);

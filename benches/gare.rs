//! Reading the authorization requirements (GARE) of an error body with many entries in
//! `errors[]` (run on demand: `cargo bench --bench gare`).
//!
//! Each distinct requirement is kept once; the check used to compare every entry with every
//! earlier one (32,000 entries: 33 s). It is linear now: the time per entry stays flat from
//! 1,000 to 32,000 entries.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use globus_sdk::gare::AuthorizationRequirements;
use serde_json::{Value, json};

/// An error body with `n` distinct requirements (the worst case for the duplicate check).
fn body(n: usize) -> Vec<u8> {
    let errors: Vec<Value> = (0..n)
        .map(|i| {
            json!({"code": "ConsentRequired", "message": "Missing required data_access consent",
                   "authorization_parameters": {"session_message": "consent needed",
                       "required_scopes": [format!("urn:globus:auth:scope:transfer.api.globus.org:all[*https://auth.globus.org/scopes/{i:08}/data_access]")],
                       "session_required_policies": "p1,p2"}})
        })
        .collect();
    serde_json::to_vec(&json!({"code": "ConsentRequired", "request_id": "r", "errors": errors})).unwrap()
}

fn gare(c: &mut Criterion) {
    let mut group = c.benchmark_group("gare");
    group.sample_size(10);
    for n in [1_000, 8_000, 32_000] {
        let bytes = body(n);
        let parsed: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(AuthorizationRequirements::from_error_body(&parsed).len(), n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("from_error_body", n), &parsed, |b, parsed| {
            b.iter(|| AuthorizationRequirements::from_error_body(parsed).len())
        });
        group.bench_with_input(BenchmarkId::new("parse_and_read", n), &bytes, |b, bytes| {
            b.iter(|| {
                let v: Value = serde_json::from_slice(bytes).unwrap();
                AuthorizationRequirements::from_error_body(&v).len()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, gare);
criterion_main!(benches);

//! Decode + top on the generated large inputs and the largest fixture.
//! Inputs come from `leakscope-gen` (run by `make bench`); missing inputs
//! are generated smaller here so `cargo bench` works on its own.

use criterion::{criterion_group, criterion_main, Criterion};
use leakscope_core::report::{top, View};
use std::time::Duration;

fn input(name: &str, make: impl FnOnce() -> Vec<u8>) -> Vec<u8> {
    let dir = std::env::var("LEAKSCOPE_BENCH_DATA").unwrap_or_else(|_| "../bench-data".into());
    std::fs::read(std::path::Path::new(&dir).join(name)).unwrap_or_else(|_| make())
}

fn decode_top(bytes: &[u8]) -> i64 {
    let p = leakscope_core::decode(bytes).unwrap();
    let v = View::new(&p, p.default_sample_index());
    top::top(&v, &Default::default()).total
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("decode+top");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(20))
        .warm_up_time(Duration::from_secs(2));
    let cpu = input("cpu-200k.pb.gz", || {
        leakscope_bench::gzip(&leakscope_core::decode::proto::encode_proto(
            &leakscope_bench::cpu_profile(20_000, 15_000, 7),
        ))
    });
    g.bench_function("cpu-200k.pb.gz", |b| b.iter(|| decode_top(&cpu)));
    let heap = input("heap-300k.pb.gz", || {
        leakscope_bench::gzip(&leakscope_core::decode::proto::encode_proto(
            &leakscope_bench::heap_profile(30_000, 15_000, 9),
        ))
    });
    g.bench_function("heap-300k.pb.gz", |b| b.iter(|| decode_top(&heap)));
    let d1 = input("goroutines-100k.debug1.txt", || {
        leakscope_bench::goroutine_debug1(10_000, 13).into_bytes()
    });
    g.bench_function("goroutines-100k.debug1.txt", |b| b.iter(|| decode_top(&d1)));
    let d2 = input("goroutines-100k.debug2.txt", || {
        leakscope_bench::goroutine_dump(10_000, 11).into_bytes()
    });
    g.bench_function("goroutines-100k.debug2.txt", |b| b.iter(|| decode_top(&d2)));
    let fixture = std::fs::read("../core/tests/fixtures/go/j-cpu-profile/cpu.pb.gz").unwrap();
    g.bench_function("fixture j-cpu-profile/cpu.pb.gz", |b| {
        b.iter(|| decode_top(&fixture))
    });
    // The largest fixture leakscope reads (a 1 MB heap debug=1 text).
    let largest =
        std::fs::read("../core/tests/fixtures/go/h1-substring-retention/heap-3.debug1.txt")
            .unwrap();
    g.bench_function("fixture h1 heap-3.debug1.txt", |b| {
        b.iter(|| decode_top(&largest))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

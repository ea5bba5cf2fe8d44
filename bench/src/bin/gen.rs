//! `leakscope-gen DIR`: writes the benchmark inputs into DIR.
use leakscope_bench::*;

fn main() {
    let dir = std::path::PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "bench-data".into()),
    );
    std::fs::create_dir_all(&dir).unwrap();
    let cpu = cpu_profile(200_000, 150_000, 7);
    let gz = gzip(&leakscope_core::decode::proto::encode_proto(&cpu));
    std::fs::write(dir.join("cpu-200k.pb.gz"), &gz).unwrap();
    eprintln!("cpu-200k.pb.gz: {:.1} MB", gz.len() as f64 / 1e6);
    let heap = heap_profile(300_000, 150_000, 9);
    let gz = gzip(&leakscope_core::decode::proto::encode_proto(&heap));
    std::fs::write(dir.join("heap-300k.pb.gz"), &gz).unwrap();
    eprintln!("heap-300k.pb.gz: {:.1} MB", gz.len() as f64 / 1e6);
    let d2 = goroutine_dump(100_000, 11);
    std::fs::write(dir.join("goroutines-100k.debug2.txt"), &d2).unwrap();
    eprintln!(
        "goroutines-100k.debug2.txt: {:.1} MB",
        d2.len() as f64 / 1e6
    );
    let p = leakscope_core::decode(d2.as_bytes()).unwrap();
    // debug=1 with labels: the same sites, grouped by (stack, labels).
    let d1 = goroutine_debug1(100_000, 13);
    std::fs::write(dir.join("goroutines-100k.debug1.txt"), &d1).unwrap();
    let pb = gzip(&leakscope_core::decode::proto::encode_proto(&p));
    std::fs::write(dir.join("goroutines-100k.pb.gz"), &pb).unwrap();
    eprintln!(
        "goroutines-100k.debug1.txt: {:.1} MB, .pb.gz {:.1} MB",
        d1.len() as f64 / 1e6,
        pb.len() as f64 / 1e6
    );
}

//! Writes a CPU profile of about 400 MB decompressed (2.75M stacks), for
//! checking that the page survives it (`make bench` opens it in Chromium).
fn main() {
    let out = std::env::args().nth(1).expect("usage: huge OUT.pb.gz");
    let p = leakscope_bench::cpu_profile(2_750_000, 400_000, 17);
    let raw = leakscope_core::decode::proto::encode_proto(&p);
    drop(p);
    eprintln!("{out}: {:.0} MB decompressed", raw.len() as f64 / 1e6);
    std::fs::write(&out, leakscope_bench::gzip(&raw)).unwrap();
}

use leakscope_core::report::{top, View};
use std::time::Instant;
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let t = Instant::now();
    let raw = leakscope_core::decode::gzip::gunzip(&bytes, 1 << 32, &mut |_| {}).unwrap();
    eprintln!("gunzip {:?}", t.elapsed());
    let t = Instant::now();
    let mut p = leakscope_core::decode::decode_raw(&raw, Default::default(), &mut |_| {}).unwrap();
    eprintln!("decode_raw {:?}", t.elapsed());
    let t = Instant::now();
    p.merge_duplicates();
    eprintln!("merge {:?}", t.elapsed());
    let v = View::new(&p, p.default_sample_index());
    let t = Instant::now();
    let idx = leakscope_core::graph::NodeIndex::new(&p, Default::default(), false, false);
    eprintln!("nodeindex {:?}", t.elapsed());
    let t = Instant::now();
    let _g = leakscope_core::graph::Graph::build(&p, &idx, v.sample_index, None);
    eprintln!("graph {:?}", t.elapsed());
    let t = Instant::now();
    let tp = top::top(&v, &Default::default());
    eprintln!("top {:?} rows {}", t.elapsed(), tp.rows.len());
}

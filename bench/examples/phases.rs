//! Where opening a profile spends its time and memory, phase by phase:
//! each line gives the phase's time, the live heap bytes after it and
//! their peak during it (the file's bytes included).
use leakscope_bench::heap::{self, report};
use leakscope_core::report::{top, View};
use std::time::Instant;

#[global_allocator]
static A: heap::Counting = heap::Counting;

fn main() {
    let path = std::env::args().nth(1).expect("usage: phases PROFILE");
    let bytes = std::fs::read(&path).unwrap();
    let phase =
        |name: &str, t: Instant| eprintln!("{name:<22} {:>10.1?}  {}", t.elapsed(), report());
    heap::step();
    let t = Instant::now();
    let mut p =
        leakscope_core::decode::decode_raw(&bytes, Default::default(), &mut |_| {}).unwrap();
    phase("decode (stream)", t);
    heap::step();
    let t = Instant::now();
    leakscope_core::symbolize::demangle(&mut p);
    phase("names (symbolizer)", t);
    heap::step();
    let t = Instant::now();
    p.remove_uninteresting().unwrap();
    phase("drop_frames", t);
    let v = View::new(&p, p.default_sample_index());
    heap::step();
    let t = Instant::now();
    let idx = leakscope_core::graph::NodeIndex::new(&p, Default::default(), false, false);
    phase("node index", t);
    heap::step();
    let t = Instant::now();
    let g = leakscope_core::graph::Graph::build(&p, &idx, v.sample_index, None);
    phase("graph", t);
    drop(g);
    heap::step();
    let t = Instant::now();
    let tp = top::top_indexed(&v, &Default::default(), &idx);
    phase(&format!("top ({} rows)", tp.rows.len()), t);
}

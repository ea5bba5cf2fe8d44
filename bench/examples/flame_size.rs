//! Flame timings on one file: the flame stacks (per-location frames and
//! names), a tree pruned for a 1000-px canvas, and the whole tree (what
//! the page once built).
use leakscope_core::report::{flame, View};
use std::time::Instant;
fn main() {
    let path = std::env::args().nth(1).expect("usage: flame_size PROFILE");
    let p = leakscope_core::decode(&std::fs::read(&path).unwrap()).unwrap();
    let v = View::new(&p, p.default_sample_index());
    let t = Instant::now();
    let s = flame::FlameStacks::new(&v, false);
    eprintln!("flame stacks in {:?}", t.elapsed());
    let t = Instant::now();
    let f = s.tree(&[], 0.4 / 1000.0);
    eprintln!("pruned tree: {} nodes in {:?}", f.nodes.len(), t.elapsed());
    let t = Instant::now();
    let f = s.tree(&[], 0.0);
    eprintln!("whole tree: {} nodes in {:?}", f.nodes.len(), t.elapsed());
}

use leakscope_core::report::{flame, View};
use std::time::Instant;
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let p = leakscope_core::decode(&std::fs::read(&path).unwrap()).unwrap();
    let v = View::new(&p, p.default_sample_index());
    let t = Instant::now();
    let f = flame::flame(&v, false);
    eprintln!("flame nodes {} names {} in {:?}", f.nodes.len(), f.names.len(), t.elapsed());
}

//! The page's worker, natively: open a file, answer Top, build the flame
//! stacks between requests, answer Flame; prints each step's time. Run
//! under `/usr/bin/time -v` to see the peak memory the worker needs.
use leakscope_core::session::{Ask, Request, Response, Session};
use std::time::Instant;

/// Peak resident memory so far (Linux), to see which step sets it.
fn peak() -> String {
    std::fs::read_to_string("/proc/self/status").ok().and_then(|s| s.lines().find(|l| l.starts_with("VmHWM")).map(|l| l.split_whitespace().nth(1).unwrap_or("").to_string() + " kB peak")).unwrap_or_default()
}

fn main() {
    let path = std::env::args().nth(1).expect("usage: session PROFILE");
    let bytes = std::fs::read(&path).unwrap();
    let mut s = Session::new();
    let t = Instant::now();
    let Response::Opened { id, .. } = s.open(&path, bytes, &mut |_, _| {}) else { panic!("not opened") };
    eprintln!("open {:?} {}", t.elapsed(), peak());
    let t = Instant::now();
    let ask = Ask { current: id, ..Default::default() };
    s.handle(Request::Top { seq: 1, ask: ask.clone() });
    eprintln!("top {:?} {}", t.elapsed(), peak());
    let t = Instant::now();
    s.idle();
    eprintln!("flame stacks (idle) {:?} {}", t.elapsed(), peak());
    let t = Instant::now();
    let r = s.handle(Request::Flame { seq: 2, ask, bottom_up: false, focus: vec![], min_fraction: 0.4 / 1200.0, search: String::new() });
    let Some(Response::Flame { tree: Some(tree), .. }) = r else { panic!("no flame") };
    eprintln!("flame {} frames {:?}", tree.nodes.len(), t.elapsed());
}

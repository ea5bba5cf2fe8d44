//! The page's worker, natively: open a file, answer Top, lay out the flame
//! graph between requests, answer Flame and Traces; prints each step's time
//! and the live and peak heap bytes (the file's bytes included, as in the
//! worker).
use leakscope_core::session::{Ask, Request, Response, Session};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Instant;

/// Counts live heap bytes: their peak is what the worker's wasm memory
/// (which never shrinks) must hold at least.
struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let n = LIVE.fetch_add(l.size(), Relaxed) + l.size();
        PEAK.fetch_max(n, Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Relaxed);
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        // Old and new blocks may both be live while the bytes move.
        let n = LIVE.fetch_add(new, Relaxed) + new;
        PEAK.fetch_max(n, Relaxed);
        LIVE.fetch_sub(l.size(), Relaxed);
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static A: Counting = Counting;

/// Live heap bytes now and at their peak so far, in MB.
fn peak() -> String {
    format!("live {:.0} MB, peak {:.0} MB", LIVE.load(Relaxed) as f64 / 1e6, PEAK.load(Relaxed) as f64 / 1e6)
}

fn main() {
    let path = std::env::args().nth(1).expect("usage: session PROFILE");
    let bytes = std::fs::read(&path).unwrap();
    let mut s = Session::new();
    let t = Instant::now();
    let Response::Opened { id, .. } = s.open(&path, &bytes, &mut |_, _| {}) else { panic!("not opened") };
    eprintln!("open {:?} {}", t.elapsed(), peak());
    let t = Instant::now();
    let ask = Ask { current: id, ..Default::default() };
    s.handle(Request::Top { seq: 1, ask: ask.clone() });
    eprintln!("top {:?} {}", t.elapsed(), peak());
    let t = Instant::now();
    s.idle();
    eprintln!("idle (flame stacks, tree at the finest cut) {:?} {}", t.elapsed(), peak());
    let t = Instant::now();
    let r = s.handle(Request::Flame { seq: 2, ask: ask.clone(), bottom_up: false, focus: vec![], min_fraction: 0.4 / 1200.0, search: String::new() });
    let Some(Response::Flame { tree: Some(tree), .. }) = r else { panic!("no flame") };
    eprintln!("flame {} frames {:?}", tree.nodes.len(), t.elapsed());
    let t = Instant::now();
    let r = s.handle(Request::Traces { seq: 3, ask: Ask { current: id, ..Default::default() }, filter: String::new(), limit: 200 });
    let Some(Response::Traces { traces, matching, .. }) = r else { panic!("no traces") };
    eprintln!("traces: the largest {} of {matching} matching {:?} {}", traces.len(), t.elapsed(), peak());
}

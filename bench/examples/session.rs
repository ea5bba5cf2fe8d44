//! The page's worker, natively: open a file, answer Top, lay out the flame
//! graph between requests, answer Flame and Traces; prints each step's time
//! and the live heap bytes after it and their peak during it (the file's
//! bytes included: the worker holds them outside its wasm memory).
use leakscope_bench::heap::{self, report as peak};
use leakscope_core::session::{Ask, Request, Response, Session};
use std::time::Instant;

#[global_allocator]
static A: heap::Counting = heap::Counting;

fn main() {
    let path = std::env::args().nth(1).expect("usage: session PROFILE");
    let bytes = std::fs::read(&path).unwrap();
    let mut s = Session::new();
    let t = Instant::now();
    heap::step();
    let Response::Opened { id, .. } = s.open(&path, &bytes, &mut |_, _| {}) else {
        panic!("not opened")
    };
    eprintln!("open {:?} {}", t.elapsed(), peak());
    let t = Instant::now();
    heap::step();
    let ask = Ask {
        current: id,
        ..Default::default()
    };
    // Serialized as the worker does before posting.
    let _ = s
        .handle(Request::Top {
            seq: 1,
            ask: ask.clone(),
        })
        .map(|r| r.to_bytes());
    eprintln!("top {:?} {}", t.elapsed(), peak());
    let t = Instant::now();
    heap::step();
    s.idle();
    eprintln!(
        "idle (flame stacks, tree at the finest cut) {:?} {}",
        t.elapsed(),
        peak()
    );
    let t = Instant::now();
    heap::step();
    let r = s.handle(Request::Flame {
        seq: 2,
        ask: ask.clone(),
        bottom_up: false,
        focus: vec![],
        min_fraction: 0.4 / 1200.0,
        search: String::new(),
    });
    let Some(Response::Flame {
        tree: Some(tree), ..
    }) = r
    else {
        panic!("no flame")
    };
    eprintln!("flame {} frames {:?}", tree.nodes.len(), t.elapsed());
    let t = Instant::now();
    heap::step();
    let r = s.handle(Request::Traces {
        seq: 3,
        ask: Ask {
            current: id,
            ..Default::default()
        },
        filter: String::new(),
        limit: 200,
    });
    let Some(Response::Traces {
        traces, matching, ..
    }) = r
    else {
        panic!("no traces")
    };
    eprintln!(
        "traces: the largest {} of {matching} matching {:?} {}",
        traces.len(),
        t.elapsed(),
        peak()
    );
}

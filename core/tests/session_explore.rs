//! The worker's Goroutines and Memory requests: across the postcard wire,
//! the answers equal what the explorer and the triage compute directly.

use leakscope_core::goroutines::{explore, Similarity, Sort};
use leakscope_core::memory::triage;
use leakscope_core::session::{Queue, Request, Response, Session};
use leakscope_core::Profile;
use std::path::Path;

fn bytes(rel: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/go")
            .join(rel),
    )
    .unwrap()
}

fn ask(s: &mut Session, req: Request) -> Response {
    let wire = postcard::to_allocvec(&req).unwrap();
    let back = s.handle(postcard::from_bytes(&wire).unwrap()).unwrap();
    let wire = postcard::to_allocvec(&back).unwrap();
    postcard::from_bytes(&wire).unwrap()
}

fn open(s: &mut Session, rel: &str) -> u32 {
    match s.open(rel, &bytes(rel), &mut |_, _| {}) {
        Response::Opened { id, .. } => id,
        r => panic!("{rel}: {r:?}"),
    }
}

fn load(rel: &str) -> Profile {
    leakscope_core::decode(&bytes(rel)).unwrap()
}

#[test]
fn goroutines_equal_the_explorer_and_follow_sort_and_search() {
    let rels: Vec<String> = (0..4)
        .map(|k| format!("a2-chanrecv-leak-n500/goroutine-{k}.debug2.txt"))
        .collect();
    let mut s = Session::new();
    let ids: Vec<u32> = rels.iter().map(|r| open(&mut s, r)).collect();
    let profiles: Vec<Profile> = rels.iter().map(|r| load(r)).collect();
    let series: Vec<(&str, &Profile)> = rels.iter().map(String::as_str).zip(&profiles).collect();
    for sim in [Similarity::Exact, Similarity::AnyLine] {
        let want = explore(&series, sim).unwrap();
        for (sort, search, current) in [
            (Sort::Count, "", 3),
            (Sort::Growth, "", 3),
            (Sort::Wait, "searchHandler", 2),
            (Sort::State, "IO WAIT", 0),
        ] {
            let r = ask(
                &mut s,
                Request::Goroutines {
                    seq: 7,
                    series: ids.clone(),
                    current: ids[current],
                    similarity: sim,
                    sort,
                    search: search.into(),
                    limit: 5,
                },
            );
            let Response::Goroutines { seq, view, error } = r else {
                panic!("{r:?}")
            };
            assert_eq!((seq, error), (7, None));
            assert_eq!(view, want.view(current, sort, search, 5));
            assert_eq!(view.current, current);
        }
    }
    // The leak grows: first by growth, 500 of them at the end, each
    // snapshot keeping every id of the one before.
    let Response::Goroutines { view, .. } = ask(
        &mut s,
        Request::Goroutines {
            seq: 8,
            series: ids.clone(),
            current: ids[3],
            similarity: Similarity::Exact,
            sort: Sort::Growth,
            search: String::new(),
            limit: 1,
        },
    ) else {
        panic!()
    };
    let top = &view.rows[0];
    assert_eq!(top.group.blocking.function, "main.searchHandler.func1");
    assert_eq!(*top.counts.last().unwrap(), 500);
    for k in 1..4 {
        assert_eq!(
            top.survived[k],
            Some(top.counts[k - 1]),
            "{:?}",
            top.survived
        );
    }
    // Forgetting a snapshot of the series drops the cached grouping.
    s.handle(Request::Forget { id: ids[0] });
    let Response::Goroutines { view, error, .. } = ask(
        &mut s,
        Request::Goroutines {
            seq: 9,
            series: ids[1..].to_vec(),
            current: ids[3],
            similarity: Similarity::Exact,
            sort: Sort::Count,
            search: String::new(),
            limit: 100,
        },
    ) else {
        panic!()
    };
    assert_eq!(error, None);
    assert_eq!(view.files.len(), 3);
}

#[test]
fn goroutines_refuse_other_kinds() {
    let mut s = Session::new();
    let heap = open(&mut s, "h1-substring-retention/heap-0.pb.gz");
    let r = ask(
        &mut s,
        Request::Goroutines {
            seq: 1,
            series: vec![heap],
            current: heap,
            similarity: Similarity::Exact,
            sort: Sort::Count,
            search: String::new(),
            limit: 10,
        },
    );
    let Response::Goroutines { view, error, .. } = r else {
        panic!()
    };
    assert!(error.unwrap().contains("heap-0.pb.gz"));
    assert!(view.rows.is_empty());
}

#[test]
fn memory_equals_the_triage() {
    let mut rels = Vec::new();
    for k in 0..4 {
        rels.push(format!("m-memory-triage/stacks/run1/heap-{k}.debug1.txt"));
        rels.push(format!("m-memory-triage/stacks/run1/heap-{k}.pb.gz"));
        rels.push(format!(
            "m-memory-triage/stacks/run1/goroutine-{k}.debug1.txt"
        ));
    }
    let mut s = Session::new();
    let ids: Vec<u32> = rels.iter().map(|r| open(&mut s, r)).collect();
    let profiles: Vec<Profile> = rels.iter().map(|r| load(r)).collect();
    let series: Vec<(&str, &Profile)> = rels.iter().map(String::as_str).zip(&profiles).collect();
    let Response::Memory { seq, report } = ask(
        &mut s,
        Request::Memory {
            seq: 3,
            series: ids,
        },
    ) else {
        panic!()
    };
    assert_eq!(seq, 3);
    assert_eq!(report, triage(&series));
    assert_eq!(report.moments.len(), 4);
    assert!(report.checks[1].applies);
}

#[test]
fn the_queue_ranks_the_new_views_with_the_flame_graph() {
    let mut q: Queue = Queue::default();
    q.push(Request::Leaks {
        seq: 1,
        series: vec![],
    });
    q.push(Request::Memory {
        seq: 2,
        series: vec![],
    });
    q.push(Request::Memory {
        seq: 3,
        series: vec![],
    });
    let first = match q.pop().unwrap() {
        leakscope_core::session::Job::Request(r) => r,
        _ => panic!(),
    };
    // Memory before Leaks, and only the latest Memory.
    assert_eq!(
        first,
        Request::Memory {
            seq: 3,
            series: vec![]
        }
    );
}

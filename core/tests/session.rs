//! The worker's session: what the page gets back for each request equals
//! what the reports compute directly, across the postcard wire format.

use leakscope_core::report::{flame, top, traces, View};
use leakscope_core::session::{Ask, Request, Response, Session};
use std::path::Path;

fn bytes(rel: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/go")
            .join(rel),
    )
    .unwrap()
}

/// Every request and answer goes through postcard, as on the page.
fn ask(s: &mut Session, req: Request) -> Option<Response> {
    let wire = postcard::to_allocvec(&req).unwrap();
    let back = s.handle(postcard::from_bytes(&wire).unwrap())?;
    let wire = postcard::to_allocvec(&back).unwrap();
    Some(postcard::from_bytes(&wire).unwrap())
}

fn open(s: &mut Session, rel: &str) -> u32 {
    let mut steps = Vec::new();
    match s.open(rel, &bytes(rel), &mut |f, what| {
        steps.push((f, what.to_string()))
    }) {
        Response::Opened { id, name, meta } => {
            assert_eq!(name, rel);
            assert!(!meta.sample_types.is_empty());
            assert!(
                steps.windows(2).all(|w| w[0].0 <= w[1].0),
                "progress never goes back: {steps:?}"
            );
            assert_eq!(steps.last().unwrap().0, 1.0);
            id
        }
        r => panic!("{rel}: {r:?}"),
    }
}

#[test]
fn top_traces_flame_and_list_equal_the_reports() {
    let rel = "j-cpu-profile/cpu.pb.gz";
    let mut s = Session::new();
    let id = open(&mut s, rel);
    let p = leakscope_core::decode(&bytes(rel)).unwrap();
    let view = View::new(&p, p.default_sample_index());
    let want = top::top(
        &view,
        &top::TopOptions {
            node_fraction: 0.0,
            ..Default::default()
        },
    );
    let a = Ask {
        current: id,
        ..Default::default()
    };
    let Some(Response::Top {
        seq: 7,
        top: Some(t),
        base: None,
        error: None,
    }) = ask(
        &mut s,
        Request::Top {
            seq: 7,
            ask: a.clone(),
        },
    )
    else {
        panic!()
    };
    assert_eq!(t.rows, want.rows);
    assert_eq!(t.total, want.total);
    // The worker prepares the flame stacks between requests: same answers.
    s.idle();

    let mut all = traces::traces(&view);
    leakscope_core::order::sort_by_key(&mut all, |t| std::cmp::Reverse(t.value.abs()));
    let Some(Response::Traces {
        traces: got,
        matching,
        error: None,
        ..
    }) = ask(
        &mut s,
        Request::Traces {
            seq: 1,
            ask: a.clone(),
            filter: String::new(),
            limit: 3,
        },
    )
    else {
        panic!()
    };
    assert_eq!(matching as usize, all.len());
    assert_eq!(got, all[..3].to_vec());
    let Some(Response::Traces { matching: fib, .. }) = ask(
        &mut s,
        Request::Traces {
            seq: 1,
            ask: a.clone(),
            filter: "^main\\.fib$".into(),
            limit: 0,
        },
    ) else {
        panic!()
    };
    assert_eq!(
        fib as usize,
        all.iter()
            .filter(|t| t.frames.iter().any(|f| f.name == "main.fib"))
            .count()
    );

    let whole = flame::flame(&view, false);
    let Some(Response::Flame {
        tree: Some(tree),
        hits,
        covered,
        error: None,
        ..
    }) = ask(
        &mut s,
        Request::Flame {
            seq: 2,
            ask: a.clone(),
            bottom_up: false,
            focus: vec![],
            min_fraction: 0.0,
            search: "^main\\.fib$".into(),
        },
    )
    else {
        panic!()
    };
    assert_eq!(tree, whole);
    assert!(
        hits.iter()
            .all(|&h| tree.names[tree.nodes[h as usize].name as usize] == "main.fib")
            && hits.len() > 5
    );
    assert_eq!(
        covered,
        want.rows.iter().find(|r| r.name == "main.fib").unwrap().cum
    );
    // Pruned: fewer nodes, same root.
    let Some(Response::Flame {
        tree: Some(small), ..
    }) = ask(
        &mut s,
        Request::Flame {
            seq: 3,
            ask: a.clone(),
            bottom_up: false,
            focus: vec![],
            min_fraction: 0.05,
            search: String::new(),
        },
    )
    else {
        panic!()
    };
    assert!(small.nodes.len() < whole.nodes.len());
    // Served from the tree laid out between requests: the same tree.
    assert_eq!(small, flame::FlameStacks::new(&view, false).tree(&[], 0.05));

    // Source dropped to the worker is found by the listing.
    let src = String::from_utf8(bytes("j-cpu-profile/main.go")).unwrap();
    assert!(ask(
        &mut s,
        Request::Source {
            name: "j-cpu-profile/main.go".into(),
            text: src
        }
    )
    .is_none());
    let Some(Response::List { listings, .. }) = ask(
        &mut s,
        Request::List {
            seq: 4,
            ask: a.clone(),
            function: "main.fib".into(),
        },
    ) else {
        panic!()
    };
    assert!(listings.iter().any(|l| l.source.is_ok()), "{listings:?}");
}

#[test]
fn a_refused_query_keeps_the_last_good_report_and_says_why() {
    let rel = "j-cpu-profile/cpu.pb.gz";
    let mut s = Session::new();
    let id = open(&mut s, rel);
    let good = Ask {
        current: id,
        ..Default::default()
    };
    let Some(Response::Top { top: Some(t0), .. }) = ask(
        &mut s,
        Request::Top {
            seq: 1,
            ask: good.clone(),
        },
    ) else {
        panic!()
    };
    let mut bad = good.clone();
    bad.filters.focus = "(".into();
    let Some(Response::Top {
        top: Some(t1),
        error: Some(e),
        ..
    }) = ask(&mut s, Request::Top { seq: 2, ask: bad })
    else {
        panic!()
    };
    assert_eq!(t0, t1);
    assert!(e.contains('('), "{e}");
    let mut narrowed = good.clone();
    narrowed.filters.focus = "main\\.fib".into();
    let Some(Response::Top {
        top: Some(t2),
        error: None,
        ..
    }) = ask(
        &mut s,
        Request::Top {
            seq: 3,
            ask: narrowed,
        },
    )
    else {
        panic!()
    };
    assert!(t2.rows.len() < t0.rows.len());
}

#[test]
fn leaks_base_and_forget_work_over_a_series() {
    let mut s = Session::new();
    let ids: Vec<u32> = (1..=3)
        .map(|i| {
            open(
                &mut s,
                &format!("a2-chanrecv-leak-n500/goroutine-{i}.pb.gz"),
            )
        })
        .collect();
    let Some(Response::Leaks { report, .. }) = ask(
        &mut s,
        Request::Leaks {
            seq: 1,
            series: ids.clone(),
        },
    ) else {
        panic!()
    };
    let profiles: Vec<_> = (1..=3)
        .map(|i| {
            leakscope_core::decode(&bytes(&format!(
                "a2-chanrecv-leak-n500/goroutine-{i}.pb.gz"
            )))
            .unwrap()
        })
        .collect();
    let names: Vec<String> = (1..=3)
        .map(|i| format!("a2-chanrecv-leak-n500/goroutine-{i}.pb.gz"))
        .collect();
    let series: Vec<_> = names
        .iter()
        .map(|n| n.as_str())
        .zip(profiles.iter())
        .collect();
    assert_eq!(report, leakscope_core::leak::analyze(&series));
    assert!(!report.findings.is_empty());
    // The base's Top rides along with the current one.
    let a = Ask {
        current: ids[2],
        base: Some(ids[0]),
        ..Default::default()
    };
    let Some(Response::Top {
        top: Some(cur),
        base: Some(base),
        ..
    }) = ask(
        &mut s,
        Request::Top {
            seq: 2,
            ask: a.clone(),
        },
    )
    else {
        panic!()
    };
    assert!(cur.total > base.total, "the leak grows");
    let Some(Response::Summary {
        link: Some((url, _)),
        ..
    }) = ask(
        &mut s,
        Request::Summary {
            seq: 3,
            series: ids.clone(),
            base_url: "https://x.test/".into(),
        },
    )
    else {
        panic!()
    };
    let sum =
        leakscope_core::permalink::decode(url.strip_prefix("https://x.test/").unwrap()).unwrap();
    assert_eq!(sum.total, cur.total);
    assert!(!sum.findings.is_empty());
    // A forgotten snapshot answers with an error, not a panic.
    assert!(ask(&mut s, Request::Forget { id: ids[2] }).is_none());
    let Some(Response::Top {
        top: None,
        error: Some(e),
        ..
    }) = ask(&mut s, Request::Top { seq: 4, ask: a })
    else {
        panic!()
    };
    assert!(e.contains("not open"), "{e}");
}

#[test]
fn bad_files_fail_with_the_reason_and_same_names_replace() {
    let mut s = Session::new();
    match s.open(
        "junk.pb.gz",
        &b"\x1f\x8b\x08\x00garbage".to_vec(),
        &mut |_, _| {},
    ) {
        Response::Failed { name, error } => {
            assert_eq!(name, "junk.pb.gz");
            assert!(!error.is_empty());
        }
        r => panic!("{r:?}"),
    }
    let rel = "j-cpu-profile/cpu.pb.gz";
    let a = open(&mut s, rel);
    let b = open(&mut s, rel);
    assert_ne!(a, b);
    let Some(Response::Top { top: None, .. }) = ask(
        &mut s,
        Request::Top {
            seq: 1,
            ask: Ask {
                current: a,
                ..Default::default()
            },
        },
    ) else {
        panic!("the first is replaced")
    };
}

#[test]
fn progress_advances_through_a_large_text_dump() {
    let one = |id: usize| {
        format!("goroutine {id} [chan receive, 5 minutes]:\nmain.worker(0x1)\n\tapp/worker.go:42 +0x1d\ncreated by main.pool in goroutine 1\n\tapp/pool.go:15 +0x6b\n\n")
    };
    let text: String = (2..60_000).map(one).collect();
    let mut s = Session::new();
    let mut seen = Vec::new();
    let r = s.open("big.txt", &text.into_bytes(), &mut |f, _| seen.push(f));
    assert!(matches!(r, Response::Opened { .. }), "{r:?}");
    let parsing: Vec<f32> = seen
        .iter()
        .copied()
        .filter(|&f| f > 0.0 && f < 0.8)
        .collect();
    assert!(
        parsing.len() >= 5,
        "the bar moves while the text is parsed: {seen:?}"
    );
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
}

#[test]
fn the_queue_opens_files_first_then_what_is_looked_at_and_keeps_only_the_latest_of_a_kind() {
    use leakscope_core::session::{Job, Queue};
    let a = Ask::default();
    let mut q = Queue::default();
    q.push(Request::Leaks {
        seq: 1,
        series: vec![1],
    });
    q.push(Request::Top {
        seq: 2,
        ask: a.clone(),
    });
    q.push(Request::Flame {
        seq: 3,
        ask: a.clone(),
        bottom_up: false,
        focus: vec![],
        min_fraction: 0.0,
        search: "a".into(),
    });
    q.push(Request::Flame {
        seq: 4,
        ask: a.clone(),
        bottom_up: false,
        focus: vec![],
        min_fraction: 0.0,
        search: "ab".into(),
    });
    q.open("x.pb.gz".into(), vec![1]);
    q.push(Request::Source {
        name: "m.go".into(),
        text: String::new(),
    });
    let mut order = Vec::new();
    while let Some(j) = q.pop() {
        order.push(match j {
            Job::Open { name, .. } => name,
            Job::Request(Request::Top { seq, .. })
            | Job::Request(Request::Flame { seq, .. })
            | Job::Request(Request::Leaks { seq, .. }) => format!("#{seq}"),
            Job::Request(Request::Source { name, .. }) => name,
            Job::Request(r) => format!("{r:?}"),
        });
    }
    assert_eq!(order, ["m.go", "x.pb.gz", "#2", "#4", "#1"]);
    assert!(q.is_empty());
}

#[test]
fn replies_encode_in_chunks_to_exactly_their_size() {
    let mut s = Session::new();
    let id = open(&mut s, "j-cpu-profile/cpu.pb.gz");
    // Top, a reply of several chunks, and a small one.
    let ask = Ask {
        current: id,
        ..Default::default()
    };
    let mut replies = vec![s.handle(Request::Top { seq: 1, ask }).unwrap()];
    replies.push(Response::Failed {
        name: "x".repeat(100_000),
        error: "y".repeat(150_001),
    });
    replies.push(Response::Failed {
        name: "x".into(),
        error: "y".into(),
    });
    for (i, r) in replies.into_iter().enumerate() {
        let mut chunks = Vec::new();
        r.write_chunks(&mut |c| chunks.push(c.to_vec()));
        let whole: Vec<u8> = chunks.concat();
        assert_eq!(whole.len(), r.encoded_len());
        assert_eq!(whole, r.to_bytes());
        assert!(chunks.iter().all(|c| !c.is_empty() && c.len() <= 64 * 1024));
        if i == 1 {
            assert_eq!(chunks.len(), 4);
        }
        assert_eq!(postcard::from_bytes::<Response>(&whole).unwrap(), r);
    }
}

/// The export streamed in pieces, joined.
fn export(s: &mut Session, ask: Ask, filter: &str) -> (Vec<Vec<u8>>, Response) {
    let mut pieces = Vec::new();
    let req = Request::ExportTraces {
        seq: 9,
        ask,
        filter: filter.into(),
    };
    let wire = postcard::to_allocvec(&req).unwrap();
    let r = s
        .handle_with(postcard::from_bytes(&wire).unwrap(), &mut |p| {
            pieces.push(p.to_vec())
        })
        .unwrap();
    (pieces, r)
}

#[test]
fn the_traces_export_streams_every_matching_stack_in_pieces() {
    use leakscope_core::export::traces_csv;
    use leakscope_core::session::EXPORT_PIECE;
    // 380 KB of CSV: more than one piece.
    let rel = "h1-substring-retention/heap-3.pb.gz";
    let mut s = Session::new();
    let id = open(&mut s, rel);
    let p = leakscope_core::decode(&bytes(rel)).unwrap();
    let view = View::new(&p, p.default_sample_index());
    let a = Ask {
        current: id,
        ..Default::default()
    };
    // What the page would get asking Traces for everything, as one CSV.
    let Some(Response::Traces {
        traces: all,
        matching,
        unit,
        ..
    }) = ask(
        &mut s,
        Request::Traces {
            seq: 1,
            ask: a.clone(),
            filter: String::new(),
            limit: u32::MAX,
        },
    )
    else {
        panic!()
    };
    assert_eq!(all.len(), traces::traces(&view).len());
    let want = traces_csv(&all, &unit);

    let (pieces, r) = export(&mut s, a.clone(), "");
    assert_eq!(
        r,
        Response::Exported {
            seq: 9,
            rows: matching,
            error: None
        }
    );
    assert!(pieces.len() >= 2, "{} pieces", pieces.len());
    let longest_row = want.lines().map(|l| l.len() + 1).max().unwrap();
    for piece in &pieces {
        assert!(!piece.is_empty() && piece.len() < EXPORT_PIECE + longest_row);
    }
    assert_eq!(String::from_utf8(pieces.concat()).unwrap(), want);

    // A filter keeps the stacks with a matching frame, in the same order.
    let (pieces, r) = export(&mut s, a.clone(), "strings\\.");
    let Response::Exported {
        rows, error: None, ..
    } = r
    else {
        panic!("{r:?}")
    };
    let kept: Vec<_> = all
        .iter()
        .filter(|t| t.frames.iter().any(|f| f.name.contains("strings.")))
        .cloned()
        .collect();
    assert!(!kept.is_empty() && kept.len() < all.len());
    assert_eq!(rows as usize, kept.len());
    assert_eq!(
        String::from_utf8(pieces.concat()).unwrap(),
        traces_csv(&kept, &unit)
    );

    // A refused filter exports nothing and says why.
    let (pieces, r) = export(&mut s, a, "(");
    assert!(pieces.is_empty());
    assert!(
        matches!(&r, Response::Exported { rows: 0, error: Some(e), .. } if !e.is_empty()),
        "{r:?}"
    );
}

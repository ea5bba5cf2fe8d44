//! Hand-built series for each false alarm issue 16 names, and for what a
//! finding may and may not claim. Dumps are written in Go 1.21+'s debug=2
//! format (`created by F in goroutine N`); counts-only profiles carry the
//! runtime frames a `.pb.gz` has; heap profiles are sampled the way Go's
//! runtime samples them (one allocation per 512 KiB on average).

use leakscope_core::leak::{
    analyze, analyze_with, format_explain, format_text, headline, Basis, Kind, LeakReport, Options,
    Rule, Severity, Trend, Verdict,
};
use leakscope_core::profile::*;
use leakscope_core::report::list::DroppedSources;
use leakscope_core::{decode, Profile};

/// One goroutine of a debug=2 dump.
#[derive(Clone)]
struct G {
    id: u64,
    state: String,
    minutes: Option<u64>,
    /// Leaf first: (function, file, line).
    frames: Vec<(String, String, i64)>,
    /// (function, file, line, creator goroutine).
    creator: Option<(String, String, i64, Option<u64>)>,
}

fn g(id: u64, state: &str, minutes: Option<u64>, frames: &[(&str, &str, i64)]) -> G {
    G {
        id,
        state: state.into(),
        minutes,
        frames: frames
            .iter()
            .map(|(f, p, l)| (f.to_string(), p.to_string(), *l))
            .collect(),
        creator: None,
    }
}

impl G {
    fn by(mut self, func: &str, file: &str, line: i64, gid: Option<u64>) -> G {
        self.creator = Some((func.into(), file.into(), line, gid));
        self
    }
}

fn dump(gs: &[G]) -> Profile {
    let mut t = String::new();
    for x in gs {
        let mins = x
            .minutes
            .map(|m| format!(", {m} minutes"))
            .unwrap_or_default();
        t.push_str(&format!("goroutine {} [{}{mins}]:\n", x.id, x.state));
        for (f, file, line) in &x.frames {
            t.push_str(&format!("{f}(...)\n\t{file}:{line} +0x1\n"));
        }
        if let Some((f, file, line, gid)) = &x.creator {
            let in_g = gid
                .map(|n| format!(" in goroutine {n}"))
                .unwrap_or_default();
            t.push_str(&format!("created by {f}{in_g}\n\t{file}:{line} +0x2\n"));
        }
        t.push('\n');
    }
    decode(t.as_bytes()).unwrap()
}

/// The goroutines every HTTP service has: main in the accept loop, the
/// profile writer serving this very request.
fn base(writer_id: u64) -> Vec<G> {
    vec![
        g(
            1,
            "IO wait",
            None,
            &[
                ("internal/poll.runtime_pollWait", "runtime/netpoll.go", 351),
                ("net.(*netFD).accept", "net/fd_unix.go", 172),
                ("net/http.(*Server).Serve", "net/http/server.go", 3463),
                ("main.main", "svc/main.go", 80),
            ],
        ),
        g(
            writer_id,
            "running",
            None,
            &[
                (
                    "runtime/pprof.writeGoroutineStacks",
                    "runtime/pprof/pprof.go",
                    761,
                ),
                ("net/http.HandlerFunc.ServeHTTP", "net/http/server.go", 2294),
                (
                    "net/http.serverHandler.ServeHTTP",
                    "net/http/server.go",
                    3301,
                ),
                ("net/http.(*conn).serve", "net/http/server.go", 2102),
            ],
        )
        .by(
            "net/http.(*Server).Serve",
            "net/http/server.go",
            3454,
            Some(1),
        ),
    ]
}

/// A goroutine profile as `/debug/pprof/goroutine` writes it: counts per
/// stack, runtime frames included, no ids.
fn counts(stacks: &[(&[&str], i64)]) -> Profile {
    let vt = |t: &str, u: &str| ValueType {
        r#type: t.into(),
        unit: u.into(),
    };
    let mut p = Profile {
        sample_types: vec![vt("goroutine", "count")],
        default_sample_type: "goroutine".into(),
        period_type: Some(vt("goroutine", "count")),
        period: 1,
        ..Default::default()
    };
    for (frames, n) in stacks {
        let locs = frames
            .iter()
            .map(|f| location(&mut p, f, "svc/x.go", 10))
            .collect();
        p.samples.push_sample(Sample {
            locations: locs,
            values: vec![*n],
            ..Default::default()
        });
    }
    p
}

fn location(p: &mut Profile, func: &str, file: &str, line: i64) -> u32 {
    let fi = p
        .functions
        .iter()
        .position(|x| *x.name == *func)
        .unwrap_or_else(|| {
            p.functions.push(Function {
                id: p.functions.len() as u64 + 1,
                name: func.into(),
                filename: file.into(),
                ..Default::default()
            });
            p.functions.len() - 1
        });
    p.locations.push(Location {
        id: p.locations.len() as u64 + 1,
        lines: Box::new([Line {
            function: fi as u32,
            line,
            column: 0,
        }]),
        ..Default::default()
    });
    p.locations.len() as u32 - 1
}

fn series(snaps: &[Profile]) -> LeakReport {
    analyze(&snaps.iter().map(|p| ("s", p)).collect::<Vec<_>>())
}

fn worst(r: &LeakReport) -> Severity {
    r.max_severity().unwrap_or(Severity::Info)
}

fn assert_quiet(r: &LeakReport, what: &str) {
    assert!(worst(r) <= Severity::Low, "{what}: {}", format_text(r));
}

const POOL: (&str, &str, i64) = ("main.worker", "svc/pool.go", 18);

fn pool(first_id: u64, n: u64, minutes: Option<u64>) -> Vec<G> {
    (0..n)
        .map(|i| {
            g(first_id + i, "chan receive", minutes, &[POOL]).by(
                "main.startPool",
                "svc/pool.go",
                30,
                Some(1),
            )
        })
        .collect()
}

#[test]
fn a_pool_of_workers_is_not_a_leak_in_one_snapshot_or_a_series() {
    // 300 idle workers, waiting longer than anything else in the dump.
    let mut one = base(400);
    one.extend(pool(20, 300, Some(12)));
    let r = series(&[dump(&one)]);
    assert_eq!(r.verdict, Verdict::Clean, "{}", format_text(&r));
    let h = r
        .healthy
        .iter()
        .find(|h| h.function == "main.worker")
        .unwrap();
    assert!(
        h.why.contains("pool") && h.why.contains("created once"),
        "{}",
        h.why
    );
    assert_eq!(h.count, 300);
    // The same from a .pb.gz: one snapshot without ids is at most a low
    // suspicion, and it says what to capture to tell.
    let pb = counts(&[(
        &[
            "runtime.gopark",
            "runtime.chanrecv",
            "runtime.chanrecv2",
            "main.worker",
            "runtime.goexit",
        ],
        300,
    )]);
    let r = series(std::slice::from_ref(&pb));
    assert_quiet(&r, "pool, one .pb.gz");
    assert!(r.findings.iter().all(|f| !f.next_step.is_empty()));
    // Four snapshots: the same 300 ids, unchanged.
    let snaps: Vec<Profile> = (0..4)
        .map(|k| {
            let mut v = base(400 + k);
            v.extend(pool(20, 300, Some(12 + 5 * k)));
            dump(&v)
        })
        .collect();
    let r = series(&snaps);
    assert_eq!(r.verdict, Verdict::Clean, "{}", format_text(&r));
    let h = r
        .healthy
        .iter()
        .find(|h| h.function == "main.worker")
        .unwrap();
    assert!(
        h.why.contains("same ids in all 4 snapshots") && h.why.contains("unchanged"),
        "{}",
        h.why
    );
    let r = series(&[pb.clone(), pb.clone(), pb.clone(), pb]);
    assert_eq!(r.verdict, Verdict::Clean, "{}", format_text(&r));
}

/// A request goroutine of the gateway, parked in the handler's select.
fn in_flight(id: u64) -> G {
    g(
        id,
        "select",
        None,
        &[
            ("main.(*gateway).proxy", "svc/gateway.go", 55),
            ("net/http.HandlerFunc.ServeHTTP", "net/http/server.go", 2294),
            (
                "net/http.serverHandler.ServeHTTP",
                "net/http/server.go",
                3301,
            ),
            ("net/http.(*conn).serve", "net/http/server.go", 2102),
        ],
    )
    .by(
        "net/http.(*Server).Serve",
        "net/http/server.go",
        3454,
        Some(1),
    )
}

#[test]
fn a_gateway_with_requests_in_flight_is_not_a_leak() {
    // 0 → 1 → 1 → 3 requests parked in select (the high false
    // alarm); each snapshot's requests are new ones.
    let shape = [0u64, 1, 1, 3];
    let mut next = 100;
    let snaps: Vec<Profile> = shape
        .iter()
        .map(|&n| {
            let mut v = base(99);
            for _ in 0..n {
                v.push(in_flight(next));
                next += 7;
            }
            dump(&v)
        })
        .collect();
    let r = series(&snaps);
    assert_eq!(r.verdict, Verdict::Clean, "{}", format_text(&r));
    // Counts only: the same shape is within in-flight noise.
    let pbs: Vec<Profile> = shape
        .iter()
        .map(|&n| {
            counts(&[
                (
                    &[
                        "runtime.gopark",
                        "runtime.selectgo",
                        "main.(*gateway).proxy",
                        "net/http.(*conn).serve",
                    ],
                    n as i64,
                ),
                (
                    &[
                        "runtime.gopark",
                        "internal/poll.runtime_pollWait",
                        "main.main",
                    ],
                    1,
                ),
            ])
        })
        .collect();
    let r = series(&pbs);
    assert_eq!(r.verdict, Verdict::Clean, "{}", format_text(&r));
    // And every single snapshot.
    for s in snaps.iter().chain(pbs.iter()) {
        assert_quiet(&series(std::slice::from_ref(s)), "gateway snapshot");
    }
}

#[test]
fn loops_that_wait_long_by_design_are_not_select_forever() {
    // A scheduler's ticker loops (created once at start, long waits) and
    // one writer per streaming connection, each next to its connection's
    // reader in IO wait for as long.
    let mut v = base(900);
    for i in 0..6 {
        v.push(
            g(
                30 + i,
                "select",
                Some(45),
                &[("main.(*scheduler).loop", "svc/sched.go", 40)],
            )
            .by("main.(*scheduler).start", "svc/sched.go", 25, Some(1)),
        );
    }
    for c in 0..40u64 {
        let conn = 100 + c * 9;
        v.push(
            g(
                conn,
                "IO wait",
                Some(20 + c % 7),
                &[
                    ("internal/poll.runtime_pollWait", "runtime/netpoll.go", 351),
                    ("main.(*stream).readLoop", "svc/stream.go", 70),
                    ("main.(*server).handle", "svc/stream.go", 50),
                ],
            )
            .by("main.(*server).acceptLoop", "svc/stream.go", 33, Some(12)),
        );
        v.push(
            g(
                conn + 1,
                "select",
                Some(18 + c % 5),
                &[("main.(*stream).writeLoop", "svc/stream.go", 90)],
            )
            .by("main.(*server).handle", "svc/stream.go", 52, Some(conn)),
        );
    }
    let r = series(&[dump(&v)]);
    assert_quiet(&r, "scheduler and streams");
    assert!(r
        .findings
        .iter()
        .all(|f| f.rule != Rule::SelectForever || f.severity <= Severity::Low));
}

#[test]
fn a_batch_caught_mid_batch_is_not_a_leak() {
    // 1000 goroutines per batch send results to their collector, which is
    // alive and receiving; batches drain between snapshots.
    let batch = |first: u64, n: u64| -> Profile {
        let mut v = base(5);
        v.push(
            g(
                7,
                "chan receive",
                None,
                &[
                    ("main.(*runner).collect", "svc/batch.go", 60),
                    ("main.(*runner).run", "svc/batch.go", 44),
                ],
            )
            .by("main.main", "svc/main.go", 70, Some(1)),
        );
        for i in 0..n {
            v.push(
                g(
                    first + i,
                    "chan send",
                    None,
                    &[("main.(*runner).process.func1", "svc/batch.go", 52)],
                )
                .by("main.(*runner).process", "svc/batch.go", 50, Some(7)),
            );
        }
        dump(&v)
    };
    let snaps = [
        batch(100, 0),
        batch(2000, 1000),
        batch(4000, 350),
        batch(6000, 800),
    ];
    let r = series(&snaps);
    assert_eq!(r.verdict, Verdict::Clean, "{}", format_text(&r));
    for s in &snaps {
        assert_quiet(&series(std::slice::from_ref(s)), "mid-batch snapshot");
    }
    let pbs: Vec<Profile> = [0, 1000, 350, 800]
        .iter()
        .map(|&n| {
            counts(&[(
                &[
                    "runtime.gopark",
                    "runtime.chansend1",
                    "main.(*runner).process.func1",
                ],
                n,
            )])
        })
        .collect();
    assert_eq!(series(&pbs).verdict, Verdict::Clean);
    // The batch's buffers rise and fall with it: not heap growth.
    let mb = 1 << 20;
    let mut h = SimHeap::new(512 * 1024, 5);
    let site = h.site(&["main.(*runner).process.func1"], 64 * 1024);
    let heaps: Vec<Profile> = [mb, 40 * mb, 12 * mb, 33 * mb]
        .iter()
        .map(|&b| {
            h.churn(site, 20 * mb, 20 * mb);
            h.set(site, b);
            h.profile()
        })
        .collect();
    assert_quiet(&series(&heaps), "batch heap");
}

#[test]
fn keep_alive_client_connections_are_infrastructure() {
    let conns = |first: u64, n: u64| -> Vec<G> {
        let mut v = base(3);
        for i in 0..n {
            v.push(
                g(
                    first + 2 * i,
                    "IO wait",
                    Some(3),
                    &[
                        ("internal/poll.runtime_pollWait", "runtime/netpoll.go", 351),
                        (
                            "net/http.(*persistConn).Read",
                            "net/http/transport.go",
                            2125,
                        ),
                        (
                            "net/http.(*persistConn).readLoop",
                            "net/http/transport.go",
                            2279,
                        ),
                    ],
                )
                .by(
                    "net/http.(*Transport).dialConn",
                    "net/http/transport.go",
                    1944,
                    Some(40),
                ),
            );
            v.push(
                g(
                    first + 2 * i + 1,
                    "select",
                    Some(3),
                    &[(
                        "net/http.(*persistConn).writeLoop",
                        "net/http/transport.go",
                        2598,
                    )],
                )
                .by(
                    "net/http.(*Transport).dialConn",
                    "net/http/transport.go",
                    1945,
                    Some(40),
                ),
            );
        }
        v
    };
    // Every single snapshot of a healthy client, and the series: healthy.
    let snaps: Vec<Profile> = (0..4).map(|_| dump(&conns(50, 8))).collect();
    for s in &snaps {
        let r = series(std::slice::from_ref(s));
        assert!(r.findings.is_empty(), "{}", format_text(&r));
    }
    assert_eq!(series(&snaps).verdict, Verdict::Clean);
    // Unclosed bodies: the connections pile up and stay.
    let growing: Vec<Profile> = (0..4).map(|k| dump(&conns(50, 8 + 20 * k))).collect();
    let r = series(&growing);
    let f = &r.findings[0];
    assert_eq!(
        (f.rule, f.function.as_str()),
        (
            Rule::UnclosedResponseBody,
            "net/http.(*persistConn).writeLoop"
        )
    );
    assert!(f.severity >= Severity::Medium, "{}", format_text(&r));
}

#[test]
fn goroutineleak_profiles_prove_only_what_they_mark() {
    // A goroutineleak profile that marks nothing proves nothing either way.
    let vt = |t: &str| ValueType {
        r#type: t.into(),
        unit: "count".into(),
    };
    let empty = Profile {
        sample_types: vec![vt("goroutineleak")],
        default_sample_type: "goroutineleak".into(),
        period_type: Some(vt("goroutineleak")),
        period: 1,
        ..Default::default()
    };
    let bytes = leakscope_core::decode::proto::encode_proto(&empty);
    let back = decode(&bytes).unwrap();
    assert_eq!(back.kind(), "goroutineleak");
    let r = series(&[back]);
    assert_eq!(r.verdict, Verdict::NotChecked, "{}", format_text(&r));
    assert!(
        r.checked.iter().any(|c| c.contains("proves nothing")),
        "{:?}",
        r.checked
    );
    assert!(r.next_step.contains("debug=2"), "{}", r.next_step);
    // A goroutineleak debug=2 dump marks goroutines one by one: the rest
    // of it is an ordinary snapshot (here a healthy pool).
    let mut v = base(400);
    v.extend(pool(20, 300, Some(12)));
    v.push(
        g(
            700,
            "chan receive (leaked)",
            None,
            &[("main.lookup.func1", "svc/x.go", 12)],
        )
        .by("main.lookup", "svc/x.go", 10, Some(500)),
    );
    let r = series(&[dump(&v)]);
    assert_eq!(r.findings.len(), 1, "{}", format_text(&r));
    let f = &r.findings[0];
    assert_eq!(
        (f.function.as_str(), f.severity, f.basis),
        ("main.lookup.func1", Severity::High, Basis::LeakProfile)
    );
}

#[test]
fn orphans_of_finished_requests_and_long_waits_in_one_snapshot() {
    // 30 goroutines a handler started, parked in chan send, while the
    // connection goroutine that ran the handler is back to reading.
    let mut v = base(900);
    v.push(
        g(
            40,
            "IO wait",
            None,
            &[
                ("internal/poll.runtime_pollWait", "runtime/netpoll.go", 351),
                ("net/http.(*connReader).Read", "net/http/server.go", 798),
                ("net/http.(*conn).serve", "net/http/server.go", 2102),
            ],
        )
        .by(
            "net/http.(*Server).Serve",
            "net/http/server.go",
            3454,
            Some(1),
        ),
    );
    for i in 0..30 {
        v.push(
            g(
                100 + 3 * i,
                "chan send",
                None,
                &[("main.search.func1", "svc/search.go", 28)],
            )
            .by("main.search", "svc/search.go", 26, Some(40)),
        );
    }
    let r = series(&[dump(&v)]);
    let f = &r.findings[0];
    assert_eq!(
        (f.function.as_str(), f.line, f.severity),
        ("main.search.func1", 28, Severity::Medium),
        "{}",
        format_text(&r)
    );
    assert!(
        f.evidence.contains("30 of them outlived the request"),
        "{}",
        f.evidence
    );
    assert_eq!(f.created_by.as_deref(), Some("main.search"));
    assert_eq!(f.created_at.as_deref(), Some("svc/search.go:26"));
    assert!(!f.next_step.is_empty());
    assert_eq!(f.basis, Basis::OneSnapshot);
    // Waits far beyond the rest of the service's (Go 1.19: no creator
    // goroutine recorded, ids spread over the process's life).
    let mut v = base(900);
    for i in 0..15u64 {
        let mut x = g(
            50 + 11 * i,
            "chan receive",
            Some(1 + i * 3),
            &[("main.fetch.func2", "svc/fetch.go", 71)],
        );
        x.creator = Some(("main.fetch".into(), "svc/fetch.go".into(), 69, None));
        v.push(x);
    }
    let r = series(&[dump(&v)]);
    let f = &r.findings[0];
    assert_eq!(
        (f.function.as_str(), f.severity),
        ("main.fetch.func2", Severity::High),
        "{}",
        format_text(&r)
    );
    assert!(
        f.evidence.contains("far beyond the rest of the service"),
        "{}",
        f.evidence
    );
}

#[test]
fn what_a_finding_may_claim() {
    // .pb.gz and debug=1 do not record a goroutine's creator: the entry
    // function is named as such.
    let pbs: Vec<Profile> = [0, 200, 400, 600]
        .iter()
        .map(|&n| {
            counts(&[(
                &[
                    "runtime.gopark",
                    "runtime.chanrecv1",
                    "main.search.func1",
                    "runtime.goexit",
                ],
                n,
            )])
        })
        .collect();
    let r = series(&pbs);
    let f = &r.findings[0];
    assert_eq!(f.created_by, None);
    assert_eq!(f.entry_function.as_deref(), Some("main.search.func1"));
    let text = format_text(&r);
    assert!(
        text.contains("entry:      main.search.func1 (the goroutine's entry function"),
        "{text}"
    );
    assert!(!text.contains("created by"), "{text}");
    // Healthy notes carry no fix, and the headline counts real findings only.
    let mut v = base(400);
    v.extend(pool(20, 300, Some(12)));
    let r = series(&[dump(&v)]);
    assert_eq!(headline(&r), "No leak found in 1 snapshot.");
    let r = series(&pbs);
    assert_eq!(headline(&r), "Leak found in 4 snapshots: 1 high.");
    assert!(r
        .findings
        .iter()
        .all(|f| f.severity > Severity::Info && !f.fix.is_empty()));
}

#[test]
fn inputs_leak_checks_cannot_use_get_a_neutral_answer() {
    let vt = |t: &str, u: &str| ValueType {
        r#type: t.into(),
        unit: u.into(),
    };
    let mut cpu = counts(&[(&["main.spin"], 10)]);
    cpu.sample_types = vec![vt("samples", "count"), vt("cpu", "nanoseconds")];
    cpu.period_type = Some(vt("cpu", "nanoseconds"));
    cpu.samples = Default::default();
    let r = series(&[cpu]);
    assert_eq!(r.verdict, Verdict::NotChecked);
    assert_eq!(
        headline(&r),
        "Leak checks did not run: they need goroutine or in-use heap snapshots."
    );
    assert!(
        r.next_step.contains("capture them like this"),
        "{}",
        r.next_step
    );
    assert!(
        r.checked.iter().any(|c| c.contains("a cpu profile")),
        "{:?}",
        r.checked
    );
    // A heap profile with allocation counts only.
    let mut allocs = heap_profile(
        &[(&["main.parse"], 128, 1 << 20, 1 << 24)],
        512 * 1024,
        &mut Rng(3),
    );
    allocs.sample_types.truncate(2);
    for i in 0..allocs.samples.len() {
        let v = allocs.samples.values_mut(i);
        v[2] = 0;
        v[3] = 0;
    }
    let r = series(&[allocs]);
    assert_eq!(r.verdict, Verdict::NotChecked, "{}", format_text(&r));
    assert!(
        r.checked
            .iter()
            .any(|c| c.contains("allocation counts only")),
        "{:?}",
        r.checked
    );
}

#[test]
fn fixes_follow_the_blocking_line() {
    let src = "package main\n\nfunc (s *session) watchQuota(ctx context.Context) {\n\t<-ctx.Done()\n}\n\nfunc (s *subscriber) run() {\n\tfor m := range s.inbox {\n\t\t_ = m\n\t}\n}\n\nfunc (b *batch) await() {\n\tb.cond.Wait()\n}\n\nfunc (l *ledger) transfer() {\n\tl.mu.Lock()\n}\n\nfunc (s *scheduler) retryLater() {\n\tselect {\n\tcase <-s.wake:\n\tcase <-s.quit:\n\t}\n}\n";
    let sites = [
        ("main.(*session).watchQuota", 4, "never cancelled"),
        ("main.(*subscriber).run", 8, "`s.inbox` is closed"),
        ("main.(*batch).await", 14, "Nobody signals this sync.Cond"),
        ("main.(*ledger).transfer", 18, "never unlocks"),
        ("main.(*scheduler).retryLater", 22, "`<-s.wake`, `<-s.quit`"),
    ];
    let snaps: Vec<Profile> = (0..4u64)
        .map(|k| {
            let mut v = base(5000 + k);
            for (si, (func, line, _)) in sites.iter().enumerate() {
                for i in 0..(20 * k) {
                    let id = 10 + 1000 * si as u64 + i;
                    v.push(
                        g(id, "chan receive", None, &[(func, "svc/main.go", *line)]).by(
                            "main.serve",
                            "svc/main.go",
                            99,
                            Some(2),
                        ),
                    );
                }
            }
            dump(&v)
        })
        .collect();
    let list: Vec<(&str, &Profile)> = snaps.iter().map(|p| ("s", p)).collect();
    let mut dropped = DroppedSources {
        files: vec![("svc/main.go".into(), src.into())],
    };
    let r = analyze_with(
        &list,
        Options {
            sources: Some(&mut dropped),
            explain: true,
        },
    );
    for (func, line, want) in sites {
        let f = r
            .findings
            .iter()
            .find(|f| f.function == func)
            .unwrap_or_else(|| panic!("{func}: {}", format_text(&r)));
        assert_eq!(f.line, line);
        assert!(f.fix.contains(want), "{func}: {}", f.fix);
        assert!(f.blocking_line.is_some());
    }
    // --explain: every site, flagged or not, with its reason.
    let e = format_explain(&r);
    assert!(
        e.contains("[high] goroutine main.(*session).watchQuota"),
        "{e}"
    );
    assert!(e.contains("[ok] goroutine main.main"), "{e}");
}

/// xorshift.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// How many of `n` trials with probability `p` succeed.
    fn binomial(&mut self, n: i64, p: f64) -> i64 {
        (0..n.max(0)).filter(|_| self.unit() < p).count() as i64
    }
}

/// One allocation site of a simulated Go heap, sampled as the runtime
/// samples: each allocated object with probability `1 - exp(-size/rate)`;
/// a sampled object stays in the profile until it is freed.
struct SimSite {
    frames: Vec<&'static str>,
    size: i64,
    live: i64,
    live_sampled: i64,
    alloc_sampled: i64,
}

struct SimHeap {
    rate: i64,
    rng: Rng,
    sites: Vec<SimSite>,
}

impl SimHeap {
    fn new(rate: i64, seed: u64) -> SimHeap {
        SimHeap {
            rate,
            rng: Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1),
            sites: Vec::new(),
        }
    }
    fn site(&mut self, frames: &[&'static str], size: i64) -> usize {
        self.sites.push(SimSite {
            frames: frames.to_vec(),
            size,
            live: 0,
            live_sampled: 0,
            alloc_sampled: 0,
        });
        self.sites.len() - 1
    }
    fn p(&self, size: i64) -> f64 {
        1.0 - (-(size as f64) / self.rate as f64).exp()
    }
    /// Allocates `bytes` at a site, then frees `freed` bytes of what lives
    /// there (any object alike).
    fn churn(&mut self, site: usize, bytes: i64, freed: i64) {
        let p = self.p(self.sites[site].size);
        let s = &mut self.sites[site];
        let new = bytes / s.size;
        let sampled = self.rng.binomial(new, p);
        s.live += new;
        s.live_sampled += sampled;
        s.alloc_sampled += sampled;
        let gone = (freed / s.size).min(s.live);
        if gone > 0 {
            let share = gone as f64 / s.live as f64;
            let lost = self.rng.binomial(s.live_sampled, share);
            s.live -= gone;
            s.live_sampled -= lost;
        }
    }
    /// Grows or shrinks a site to `bytes` in use.
    fn set(&mut self, site: usize, bytes: i64) {
        let now = self.sites[site].live * self.sites[site].size;
        if bytes > now {
            self.churn(site, bytes - now, 0);
        } else {
            self.churn(site, 0, now - bytes);
        }
    }
    fn profile(&self) -> Profile {
        let vt = |t: &str, u: &str| ValueType {
            r#type: t.into(),
            unit: u.into(),
        };
        let mut p = Profile {
            sample_types: vec![
                vt("alloc_objects", "count"),
                vt("alloc_space", "bytes"),
                vt("inuse_objects", "count"),
                vt("inuse_space", "bytes"),
            ],
            default_sample_type: "inuse_space".into(),
            period_type: Some(vt("space", "bytes")),
            period: self.rate,
            ..Default::default()
        };
        for s in &self.sites {
            if s.alloc_sampled == 0 {
                continue;
            }
            let up = |k: i64| (k as f64 / self.p(s.size)) as i64;
            let locs = s
                .frames
                .iter()
                .map(|f| location(&mut p, f, "svc/x.go", 10))
                .collect();
            p.samples.push_sample(Sample {
                locations: locs,
                values: vec![
                    up(s.alloc_sampled),
                    up(s.alloc_sampled) * s.size,
                    up(s.live_sampled),
                    up(s.live_sampled) * s.size,
                ],
                ..Default::default()
            });
        }
        p
    }
}

/// One heap snapshot of a process that allocated, per path (frames,
/// object size, in-use bytes, allocated bytes so far).
fn heap_profile(paths: &[(&[&'static str], i64, i64, i64)], rate: i64, rng: &mut Rng) -> Profile {
    let mut h = SimHeap::new(rate, rng.next());
    for (frames, size, inuse, alloc) in paths {
        let s = h.site(frames, *size);
        h.churn(s, *alloc, alloc - inuse);
    }
    h.profile()
}

#[test]
fn a_sampled_warm_cache_is_a_plateau_and_a_sampled_leak_is_growth() {
    let mib = 1 << 20;
    let rate = 512 * 1024;
    // Caches of 4 KiB and of 96 KiB entries that warm up to their cap and
    // stay there, evicting as they go; request buffers churn beside them
    // and a table built at start never changes.
    let shapes: [[f64; 4]; 4] = [
        [0.4, 0.9, 1.0, 1.0],
        [0.7, 1.0, 1.0, 1.0],
        [1.0, 1.0, 1.0, 1.0],
        [0.2, 0.6, 1.0, 1.0],
    ];
    let mut lows = 0;
    let mut runs = 0;
    for (size, cap) in [(4096, 64 * mib), (96 * 1024, 20 * mib)] {
        for (si, shape) in shapes.iter().enumerate() {
            for seed in 1..=6u64 {
                let mut h = SimHeap::new(rate, seed * 7919 + si as u64 + size as u64);
                let cache = h.site(&["main.(*cache).put", "main.render"], size);
                let bufs = h.site(&["main.handle"], 32 * 1024);
                let table = h.site(&["main.loadTable", "main.main"], 1024);
                h.churn(table, 6 * mib, 0);
                let mut snaps = Vec::new();
                for f in shape {
                    let target = (f * cap as f64) as i64;
                    h.set(cache, target);
                    // Misses after the cap evict as many entries as they add.
                    if *f >= 1.0 {
                        h.churn(cache, cap / 2, cap / 2);
                    }
                    h.churn(bufs, 900 * mib, 900 * mib - 2 * mib);
                    snaps.push(h.profile());
                }
                let r = series(&snaps);
                runs += 1;
                assert_quiet(&r, &format!("warm cache {size} {shape:?} seed {seed}"));
                lows += (worst(&r) == Severity::Low) as usize;
                if worst(&r) == Severity::Info && shape[0] < 0.5 {
                    let h = r
                        .healthy
                        .iter()
                        .find(|h| h.function == "main.(*cache).put")
                        .unwrap();
                    assert!(
                        h.why.contains("warm-up") || h.why.contains("noise"),
                        "{}",
                        h.why
                    );
                }
            }
        }
    }
    assert!(
        lows * 4 <= runs,
        "{lows} low of {runs}: the plateau reads as rising too often"
    );
    // Maps that only grow: 4 KiB entries, 16 MiB per interval, and 64 KiB
    // pages, 7 MiB per interval: found, with their noise.
    for (size, step) in [(4096, 16 * mib), (64 * 1024, 7 * mib)] {
        for seed in 1..=6u64 {
            let mut h = SimHeap::new(rate, seed * 104_729 + size as u64);
            let cache = h.site(&["main.(*cache).put", "main.render"], size);
            let bufs = h.site(&["main.handle"], 32 * 1024);
            let snaps: Vec<Profile> = (0..4)
                .map(|_| {
                    h.churn(cache, step, 0);
                    h.churn(bufs, 900 * mib, 900 * mib - 2 * mib);
                    h.profile()
                })
                .collect();
            let r = series(&snaps);
            let f = r
                .findings
                .iter()
                .find(|f| f.function == "main.(*cache).put")
                .unwrap_or_else(|| panic!("{size} seed {seed}: {}", format_text(&r)));
            assert!(
                f.severity >= Severity::Medium,
                "seed {seed}: {}",
                format_text(&r)
            );
            assert_eq!(
                (f.kind, f.basis, f.trend),
                (Kind::Heap, Basis::HeapTrend, Trend::Growing)
            );
            let n = f.noise.as_ref().unwrap();
            assert_eq!((n.sample_rate, n.assumed), (rate, false));
            assert_eq!((n.sigma.len(), n.step_sigma.len()), (4, 3));
            assert!(
                n.sigma.iter().all(|s| *s > 0) && n.samples[3] > n.samples[0],
                "{n:?}"
            );
            assert!(
                f.evidence.contains("beyond its sampling noise"),
                "{}",
                f.evidence
            );
        }
    }
}

#[test]
fn one_heap_snapshot_is_judged_on_what_it_keeps() {
    let mib = 1 << 20;
    // A process that allocated 3 GiB and still holds all 60 MiB it ever
    // allocated at one request path: medium, with what to capture next.
    let r = series(&[heap_profile(
        &[
            (
                &["main.(*index).add", "main.ingest"],
                2048,
                60 * mib,
                60 * mib,
            ),
            (&["main.handle"], 32 * 1024, 4 * mib, 3000 * mib),
        ],
        512 * 1024,
        &mut Rng(11),
    )]);
    let f = &r.findings[0];
    assert_eq!(
        (f.function.as_str(), f.severity, f.basis, f.trend),
        (
            "main.(*index).add",
            Severity::Medium,
            Basis::HeapSnapshot,
            Trend::Single
        ),
        "{}",
        format_text(&r)
    );
    assert!(
        f.next_step.contains("two more heap profiles"),
        "{}",
        f.next_step
    );
    // Half the heap and fresh (little else allocated): low.
    let r = series(&[heap_profile(
        &[
            (
                &["main.(*index).add", "main.ingest"],
                2048,
                20 * mib,
                20 * mib,
            ),
            (&["main.handle"], 32 * 1024, 20 * mib, 60 * mib),
        ],
        512 * 1024,
        &mut Rng(12),
    )]);
    assert_eq!(worst(&r), Severity::Low, "{}", format_text(&r));
    // Tables built at start are not leaks.
    let r = series(&[heap_profile(
        &[
            (&["main.main"], 2048, 60 * mib, 60 * mib),
            (&["main.handle"], 32 * 1024, 4 * mib, 3000 * mib),
        ],
        512 * 1024,
        &mut Rng(13),
    )]);
    assert!(worst(&r) <= Severity::Low, "{}", format_text(&r));
}

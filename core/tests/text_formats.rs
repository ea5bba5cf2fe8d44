//! The goroutine text dumps and legacy text profiles must agree with the
//! protobuf profile taken at the same moment.

use leakscope_core::report::{top, View};
use leakscope_core::{decode, Profile, SourceFormat};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn fx(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

fn load(rel: &str) -> Profile {
    decode(&std::fs::read(fx(rel)).unwrap()).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// cum per `main.` function: the user's own frames, which every form shows.
fn main_cums(p: &Profile) -> BTreeMap<String, i64> {
    let view = View::new(p, p.default_sample_index());
    let t = top::top(
        &view,
        &top::TopOptions {
            node_fraction: 0.0,
            ..Default::default()
        },
    );
    t.rows
        .into_iter()
        .filter(|r| r.name.starts_with("main."))
        .map(|r| (r.name, r.cum))
        .collect()
}

const LEAK_SCENARIOS: [&str; 5] = [
    "a1-chanrecv-leak-n3",
    "a2-chanrecv-leak-n500",
    "b-chansend-unbuffered",
    "c-nilchan-recv",
    "d-select-forever",
];

#[test]
fn goroutine_forms_agree() {
    let mut checked = 0;
    for sc in LEAK_SCENARIOS {
        for k in 0..4 {
            let pb = load(&format!("go/{sc}/goroutine-{k}.pb.gz"));
            let d1 = load(&format!("go/{sc}/goroutine-{k}.debug1.txt"));
            let d2 = load(&format!("go/{sc}/goroutine-{k}.debug2.txt"));
            assert_eq!(d1.format, Some(SourceFormat::GoroutineDebug1));
            assert_eq!(d2.format, Some(SourceFormat::GoroutineDebug2));
            assert_eq!(d1.total(0), pb.total(0), "{sc}/{k}: debug=1 total");
            assert_eq!(
                d2.goroutines.len() as i64,
                d2.total(0),
                "{sc}/{k}: one goroutine per unit"
            );
            // The leaking site's count must be the same in all three forms.
            let (a, b, c) = (main_cums(&pb), main_cums(&d1), main_cums(&d2));
            for (name, cum) in &a {
                if *cum >= 3 {
                    assert_eq!(b.get(name), Some(cum), "{sc}/{k} debug=1 {name}");
                    assert_eq!(c.get(name), Some(cum), "{sc}/{k} debug=2 {name}");
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 10, "checked {checked}");
}

#[test]
fn debug1_keeps_labels_and_inlined_frames() {
    let p = load("go/j-cpu-profile/goroutine-0.debug1.txt");
    let phases: Vec<_> = p
        .samples
        .iter()
        .flat_map(|s| s.labels.strs.iter())
        .filter(|(k, _)| k == "phase")
        .map(|(_, v)| v.clone())
        .collect();
    assert!(
        phases.contains(&"fib".to_string()) && phases.contains(&"json".to_string()),
        "{phases:?}"
    );
}

#[test]
fn debug2_details() {
    let p = load("go/a3-chanrecv-leak-longwait/goroutine-3.debug2.txt");
    let waits: Vec<_> = p.goroutines.iter().filter_map(|g| g.wait_minutes).collect();
    assert!(!waits.is_empty());
    let g = p
        .goroutines
        .iter()
        .find(|g| g.state == "chan receive" && g.wait_minutes.is_some())
        .unwrap();
    assert_eq!(
        g.created_by.as_ref().unwrap().function,
        "main.searchHandler"
    );
    let leak = load("go/l-goroutineleak-profile/goroutineleak.debug2.txt");
    assert_eq!(leak.goroutines.iter().filter(|g| g.leaked).count(), 500);
    assert_eq!(leak.kind(), "goroutineleak");
    let nil = load("go/c-nilchan-recv/goroutine-3.debug2.txt");
    assert!(nil
        .goroutines
        .iter()
        .any(|g| g.state == "chan receive (nil chan)"));
    // An older Go's dump (no ? marks, absolute paths) from panicparse.
    let old = load("external/maruel-panicparse/static_panicweb.debug2.txt");
    assert_eq!(old.goroutines.len(), 71);
}

#[test]
fn legacy_text_agrees_with_proto() {
    for sc in [
        "h1-substring-retention",
        "a3-chanrecv-leak-longwait",
        "i1-healthy-service",
    ] {
        for k in 0..4 {
            let text = load(&format!("go/{sc}/heap-{k}.debug1.txt"));
            let pb = load(&format!("go/{sc}/heap-{k}.pb.gz"));
            assert_eq!(text.format, Some(SourceFormat::LegacyHeap));
            assert_eq!(text.sample_types, pb.sample_types, "{sc}/{k}");
            for i in 0..4 {
                // The two were written moments apart; the runtime's own
                // profile allocations may differ a little.
                let (a, b) = (text.total(i) as f64, pb.total(i) as f64);
                assert!(
                    (a - b).abs() <= 0.02 * b.max(1.0) + 65536.0,
                    "{sc}/{k} type {i}: text {a} vs proto {b}"
                );
            }
        }
    }
    for kind in ["block", "mutex"] {
        let text = load(&format!("go/k-block-mutex-contention/{kind}-1.debug1.txt"));
        let pb = load(&format!("go/k-block-mutex-contention/{kind}-1.pb.gz"));
        assert_eq!(text.kind(), kind);
        // Written moments apart from a busy program: close, not equal.
        for i in 0..2 {
            let (a, b) = (text.total(i) as f64, pb.total(i) as f64);
            assert!((a - b).abs() / b < 0.02, "{kind} type {i}: {a} vs {b}");
        }
    }
}

#[test]
fn threadcreate_text() {
    let p = decode(b"threadcreate profile: total 2\n1 @ 0x10 0x20\n#\t0xf\truntime.newm+0x1\truntime/proc.go:1\n\n1 @ 0x30\n#\t0x2f\truntime.main+0x1\truntime/proc.go:2\n").unwrap();
    assert_eq!(p.format, Some(SourceFormat::LegacyThreadcreate));
    assert_eq!((p.kind().as_str(), p.total(0)), ("threadcreate", 2));
}

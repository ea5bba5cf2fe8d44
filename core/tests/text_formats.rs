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

/// Go's `expand`: tabs to spaces up to the next multiple of 8, as an
/// editor or a chat window turns them.
fn expand(text: &str) -> String {
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        let mut col = 0;
        for c in line.chars() {
            if c == '\t' {
                let n = 8 - col % 8;
                out.extend(std::iter::repeat_n(' ', n));
                col += n;
            } else {
                out.push(c);
                col += 1;
            }
        }
    }
    out
}

/// Every sample as (values, frame names leaf first): what two readings of
/// the same records must share.
fn stacks(p: &Profile) -> Vec<(Vec<i64>, Vec<String>)> {
    p.samples
        .iter()
        .map(|s| {
            let names = s
                .locations
                .iter()
                .flat_map(|l| p.locations[l as usize].lines.iter())
                .map(|ln| p.functions[ln.function as usize].name.to_string())
                .collect();
            (s.values.to_vec(), names)
        })
        .collect()
}

/// A text profile whose tabs became spaces is read whole, with the same
/// names, never partly in silence (a heap profile once read 1 record of
/// 12 and exited 0: its `#   0x...` frame lines ended the records).
#[test]
fn tabs_turned_to_spaces_read_the_same() {
    let mut checked = 0;
    for rel in [
        "go/a3-chanrecv-leak-longwait/heap-1.debug1.txt",
        "go/h1-substring-retention/heap-3.debug1.txt",
        "go/i1-healthy-service/heap-2.debug1.txt",
        "go/k-block-mutex-contention/block-1.debug1.txt",
        "go/k-block-mutex-contention/mutex-1.debug1.txt",
        "go/a2-chanrecv-leak-n500/goroutine-3.debug1.txt",
        "go/a2-chanrecv-leak-n500/goroutine-3.debug2.txt",
        "go/j-cpu-profile/goroutine-0.debug2.txt",
        "go/m-threadcreate/threadcreate-go127.debug1.txt",
    ] {
        let text = std::fs::read_to_string(fx(rel)).unwrap();
        let want = load(rel);
        assert!(!want.samples.is_empty());
        for edited in [expand(&text), text.replace('\t', " ")] {
            assert_ne!(edited, text);
            let got = decode(edited.as_bytes()).unwrap_or_else(|e| panic!("{rel}: {e}"));
            assert_eq!(stacks(&got), stacks(&want), "{rel}");
            assert_eq!(got.goroutines.len(), want.goroutines.len(), "{rel}");
        }
        checked += 1;
    }
    assert_eq!(checked, 9);
}

/// Stack lines whose goroutine header is damaged are an error naming the
/// line, not dropped.
#[test]
fn a_damaged_goroutine_header_is_an_error() {
    let rel = "go/a3-chanrecv-leak-longwait/goroutine-1.debug2.txt";
    let text = std::fs::read_to_string(fx(rel)).unwrap();
    let damaged = text.replacen("goroutine 1 [IO wait]:", "goroutine 1 IO wait", 1);
    assert_ne!(damaged, text);
    let e = decode(damaged.as_bytes()).unwrap_err().to_string();
    assert!(
        e.starts_with("goroutine dump, line 25: stack line outside any goroutine"),
        "{e}"
    );
    // A heap record cut in its values is an error too.
    let heap = std::fs::read_to_string(fx("go/a3-chanrecv-leak-longwait/heap-1.debug1.txt"))
        .unwrap()
        .replacen("1: 416 [1: 416] @", "1: 416 [1: @", 1);
    let e = decode(heap.as_bytes()).unwrap_err().to_string();
    assert!(e.starts_with("legacy profile text, line 12:"), "{e}");
}

/// threadcreate in both of the runtime's forms (m-threadcreate/README.md):
/// Go 1.19's `4 @` records have no PCs (go tool pprof 1.27 refuses the
/// file as malformed), Go 1.27's have zero PCs. Both are a threadcreate
/// profile with every thread counted, never "a goroutine dump".
#[test]
fn threadcreate_with_empty_stacks() {
    for (rel, total, known) in [
        ("go/m-threadcreate/threadcreate-go119.debug1.txt", 5, 1),
        ("go/m-threadcreate/threadcreate-go127.debug1.txt", 4, 1),
    ] {
        let p = load(rel);
        assert_eq!(p.format, Some(SourceFormat::LegacyThreadcreate), "{rel}");
        assert_eq!(p.kind(), "threadcreate");
        assert_eq!(p.total(0), total, "{rel}");
        let in_main = main_cums(&p);
        assert_eq!(in_main.get("main.main.func1"), Some(&known), "{rel}");
    }
    let e = decode(b"threadcreate profile: total 6\n5 @\n#\t0x0\n\n1 @ 0xzz\n")
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "threadcreate profile (debug=1 text), line 5: bad PC \"0xzz\""
    );
    let e = decode(b"threadcreate profile: total 6\n5 @\n#\t0x0\n")
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("threadcreate profile (debug=1 text), line 1: header says total 6 but the records add up to 5"),
        "{e}"
    );
}

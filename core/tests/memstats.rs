//! The `# runtime.MemStats` trailer and the memory triage, on real heap
//! `?debug=1` files: every field is compared with the file's own line,
//! read here by plain string splitting, and every scenario run must give
//! the one verdict it was built for.

use leakscope_core::decode::memstats::Value;
use leakscope_core::memory::{triage, CheckKind, MemoryReport};
use leakscope_core::Profile;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn load(path: &Path) -> Profile {
    leakscope_core::decode(&std::fs::read(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    leakscope_core::order::sort_by(&mut out, |a, b| a.cmp(b));
    out
}

/// Every heap profile in text form that ends with the trailer.
fn trailer_files() -> Vec<PathBuf> {
    let files: Vec<PathBuf> = walk(&fixtures())
        .into_iter()
        .filter(|p| {
            std::fs::read_to_string(p)
                .map(|t| t.starts_with("heap profile:") && t.contains("\n# runtime.MemStats\n"))
                .unwrap_or(false)
        })
        .collect();
    assert!(files.len() >= 60, "{}", files.len());
    files
}

/// The trailer as the file writes it: (name, value text), in order.
fn lines_of(text: &str) -> Vec<(String, String)> {
    let start = text.find("\n# runtime.MemStats\n").unwrap() + "\n# runtime.MemStats\n".len();
    text[start..]
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (k, v) = l.strip_prefix("# ").unwrap().split_once(" = ").unwrap();
            (k.to_string(), v.to_string())
        })
        .collect()
}

fn as_text(v: &Value) -> String {
    match v {
        Value::Int(n) => n.to_string(),
        Value::Float(f) => format!("{f}"),
        Value::Bool(b) => b.to_string(),
        Value::List(l) => format!(
            "[{}]",
            l.iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(" ")
        ),
        Value::Text(t) => t.clone(),
    }
}

#[test]
fn every_field_equals_the_files_line() {
    let mut fields = 0;
    for path in trailer_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        let want = lines_of(&text);
        let p = load(&path);
        let ms = match &p.memstats {
            Some(Ok(m)) => m,
            other => panic!("{}: {other:?}", path.display()),
        };
        let mut expected: Vec<(String, String)> = Vec::new();
        for (k, v) in &want {
            match v.split_once(" / ") {
                Some((a, b)) => {
                    expected.push((format!("{k}Inuse"), a.to_string()));
                    expected.push((format!("{k}Sys"), b.to_string()));
                }
                None => expected.push((k.clone(), v.clone())),
            }
        }
        let got: Vec<(String, String)> = ms
            .fields
            .iter()
            .map(|(k, v)| (k.clone(), as_text(v)))
            .collect();
        assert_eq!(got.len(), expected.len(), "{}", path.display());
        for ((gk, gv), (wk, wv)) in got.iter().zip(&expected) {
            assert_eq!(gk, wk, "{}", path.display());
            if wk == "GCCPUFraction" {
                // Go's %v and Rust's {} may spell one float two ways.
                let (a, b): (f64, f64) = (gv.parse().unwrap(), wv.parse().unwrap());
                assert_eq!(a, b, "{}: {wk}", path.display());
            } else {
                assert_eq!(gv, wv, "{}: {wk}", path.display());
            }
            fields += 1;
        }
        // Go prints 256 pauses; the parser keeps them all.
        if let Some(Value::List(l)) = ms.get("PauseNs") {
            assert_eq!(l.len(), 256, "{}", path.display());
        }
        // Sys is the sum of the parts Go adds it up from.
        let g = |n: &str| ms.int(n).unwrap();
        assert_eq!(
            g("Sys"),
            g("HeapSys")
                + g("StackSys")
                + g("MSpanSys")
                + g("MCacheSys")
                + g("BuckHashSys")
                + g("GCSys")
                + g("OtherSys"),
            "{}",
            path.display()
        );
    }
    assert!(fields > 1500, "{fields}");
}

#[test]
fn the_triage_parts_add_up_to_sys() {
    for path in trailer_files() {
        let p = load(&path);
        let name = path.display().to_string();
        let r = triage(&[(&name, &p)]);
        let c = r.moments[0].components.unwrap();
        let sum: u64 = c.parts().iter().map(|(_, v)| v).sum();
        assert_eq!(sum, c.sys, "{name}");
        assert_eq!(r.checks.len(), 4, "{name}");
        let order: Vec<CheckKind> = r.checks.iter().map(|c| c.kind).collect();
        assert_eq!(
            order,
            [
                CheckKind::Heap,
                CheckKind::GoroutineStacks,
                CheckKind::RuntimeRetained,
                CheckKind::OutsideRuntime
            ]
        );
    }
}

fn scenario(dir: &Path, with_goroutines: bool) -> (Vec<String>, Vec<Profile>) {
    let mut names = Vec::new();
    for k in 0..4 {
        for f in ["heap-{k}.debug1.txt", "heap-{k}.pb.gz"] {
            names.push(dir.join(f.replace("{k}", &k.to_string())));
        }
        if with_goroutines {
            let d1 = dir.join(format!("goroutine-{k}.debug1.txt"));
            let d2 = dir.join(format!("goroutine-{k}.debug2.txt"));
            names.push(if d2.exists() { d2 } else { d1 });
        }
    }
    let profiles = names.iter().map(|n| load(n)).collect();
    (
        names.iter().map(|n| n.display().to_string()).collect(),
        profiles,
    )
}

fn run(dir: &Path, with_goroutines: bool) -> MemoryReport {
    let (names, profiles) = scenario(dir, with_goroutines);
    let series: Vec<(&str, &Profile)> = names
        .iter()
        .map(String::as_str)
        .zip(profiles.iter())
        .collect();
    triage(&series)
}

fn applying(r: &MemoryReport) -> Vec<CheckKind> {
    r.checks
        .iter()
        .filter(|c| c.applies)
        .map(|c| c.kind)
        .collect()
}

/// Each mode of the memtriage program, three runs each (go1.27.3): only
/// the check it was built for applies.
#[test]
fn each_scenario_gets_its_verdict_in_every_run() {
    let base = fixtures().join("go/m-memory-triage");
    for (mode, want) in [
        ("heap", CheckKind::Heap),
        ("stacks", CheckKind::GoroutineStacks),
        ("retained", CheckKind::RuntimeRetained),
        ("outside", CheckKind::OutsideRuntime),
    ] {
        for r in 1..=3 {
            let dir = base.join(format!("{mode}/run{r}"));
            let report = run(&dir, true);
            assert_eq!(applying(&report), [want], "{mode} run{r}");
            // Stacks grow with the goroutine count only where it grows.
            let stacks = &report.checks[1];
            assert_eq!(
                stacks.title.contains("goroutine count"),
                mode == "stacks",
                "{mode} run{r}: {}",
                stacks.title
            );
        }
    }
}

/// The go1.19.8 scenarios: the heap leak is the heap; the healthy service
/// and the goroutine leak of 16 goroutines point nowhere (16 goroutines
/// are no memory problem), and say so.
#[test]
fn older_scenarios() {
    let go = fixtures().join("go");
    let h1 = run(&go.join("h1-substring-retention"), true);
    assert_eq!(applying(&h1), [CheckKind::Heap]);
    assert!(h1.checks[0].title.contains("grows"));
    for s in ["i1-healthy-service", "a3-chanrecv-leak-longwait"] {
        let r = run(&go.join(s), true);
        assert!(applying(&r).is_empty(), "{s}: {:?}", r.checks);
        assert!(r.notes[0].starts_with("No check points anywhere"), "{s}");
    }
    let a3 = run(&go.join("a3-chanrecv-leak-longwait"), true);
    assert!(
        a3.checks[1].title.contains("goroutine count grows"),
        "{}",
        a3.checks[1].title
    );
}

/// The heap .pb.gz, its debug=1 text and the goroutine dump of a moment
/// are one moment: the time comes from the .pb.gz, the goroutine count
/// from the dump's header.
#[test]
fn moments_pair_files_of_the_same_snapshot() {
    let dir = fixtures().join("go/h1-substring-retention");
    let r = run(&dir, true);
    assert_eq!(r.moments.len(), 4);
    for (k, m) in r.moments.iter().enumerate() {
        assert_eq!(m.files.len(), 2, "{:?}", m.files);
        assert!(m.files[0].ends_with(&format!("heap-{k}.debug1.txt")));
        assert!(m.files[1].ends_with(&format!("heap-{k}.pb.gz")));
        let pb = load(&dir.join(format!("heap-{k}.pb.gz")));
        assert_eq!(m.time_nanos, pb.time_nanos);
        let dump = std::fs::read_to_string(dir.join(format!("goroutine-{k}.debug2.txt"))).unwrap();
        let headers = dump
            .lines()
            .filter(|l| l.starts_with("goroutine ") && l.ends_with(':'))
            .count();
        assert_eq!(m.goroutines, Some(headers as u64));
        assert!(m
            .goroutine_file
            .as_ref()
            .unwrap()
            .ends_with(&format!("goroutine-{k}.debug2.txt")));
        if k > 0 {
            // TotalAlloc's growth over the time between the profiles.
            let prev = &r.moments[k - 1];
            let ta = |m: &leakscope_core::memory::Moment| {
                m.memstats.as_ref().unwrap().int("TotalAlloc").unwrap()
            };
            let want = (ta(m) - ta(prev)) as f64 / ((m.time_nanos - prev.time_nanos) as f64 / 1e9);
            assert!((m.alloc_rate.unwrap() - want).abs() < 1e-6 * want.max(1.0));
        }
    }
}

/// Only .pb.gz heap profiles: what they tell, and how to get the trailer.
#[test]
fn profiles_without_the_trailer() {
    let dir = fixtures().join("go/h1-substring-retention");
    let names: Vec<String> = (0..4)
        .map(|k| dir.join(format!("heap-{k}.pb.gz")).display().to_string())
        .collect();
    let profiles: Vec<Profile> = names.iter().map(|n| load(Path::new(n))).collect();
    let series: Vec<(&str, &Profile)> = names.iter().map(String::as_str).zip(&profiles).collect();
    let r = triage(&series);
    assert!(r.checks.is_empty());
    assert!(r
        .capture_hint
        .as_ref()
        .unwrap()
        .contains("/debug/pprof/heap?debug=1"));
    let last = r.moments.last().unwrap();
    assert!(last.memstats.is_none() && last.components.is_none());
    let p = &profiles[3];
    let idx = |t: &str| p.sample_types.iter().position(|s| s.r#type == t).unwrap();
    assert_eq!(last.heap.inuse_space, Some(p.total(idx("inuse_space"))));
    assert_eq!(last.heap.alloc_space, Some(p.total(idx("alloc_space"))));
    let secs = (p.time_nanos - profiles[2].time_nanos) as f64 / 1e9;
    let want = (p.total(idx("alloc_space")) - profiles[2].total(idx("alloc_space"))) as f64 / secs;
    assert!((last.alloc_rate.unwrap() - want).abs() < 1.0);
    assert!(r.notes[0].contains("carries no runtime.MemStats"));
}

/// A trailer cut short or edited: the records still read (as pprof reads
/// them), the trailer's problem is kept with its line.
#[test]
fn broken_trailers_name_the_line() {
    let path = fixtures().join("go/h1-substring-retention/heap-3.debug1.txt");
    let text = std::fs::read_to_string(&path).unwrap();
    let whole = load(&path);
    let cut = text.find("# NumGC = ").unwrap();
    for (what, broken, want) in [
        ("cut", text[..cut].to_string(), "NumGC, DebugGC"),
        (
            "edited",
            text.replace("# Stack = 327680 / 327680", "# Stack = 327680"),
            "Stack",
        ),
        (
            "garbage",
            text.replace("# HeapIdle = ", "HeapIdle "),
            "expected `# Name = value`",
        ),
    ] {
        let p = leakscope_core::decode(broken.as_bytes()).unwrap();
        assert_eq!(p.samples.len(), whole.samples.len(), "{what}");
        let e = match &p.memstats {
            Some(Err(e)) => e.clone(),
            other => panic!("{what}: {other:?}"),
        };
        assert!(e.contains(want) && e.contains("line "), "{what}: {e}");
        let r = triage(&[("x", &p)]);
        assert!(
            r.checks.is_empty() && r.notes.iter().any(|n| n.contains(&e)),
            "{what}"
        );
    }
}

/// The services corpus (18 realistic services, healthy and leaking, every
/// run): a healthy service never gets a check that applies; the heap leak
/// gets the heap check in every run; a goroutine leak gets the stacks
/// check or nothing, never the heap, the runtime or the outside.
#[test]
fn services_corpus() {
    let base = fixtures().join("services");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(base.join("manifest.json")).unwrap())
            .unwrap();
    let mut runs = 0;
    for s in manifest["scenarios"].as_array().unwrap() {
        let name = s["name"].as_str().unwrap();
        let healthy = s["healthy"].as_bool().unwrap();
        let heap_leak = s["leaks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["kind"] == "heap");
        for r in s["runs"].as_array().unwrap() {
            let dir = base.join(r["dir"].as_str().unwrap());
            let files = &r["files"];
            let mut names = Vec::new();
            for kind in ["heap.debug1", "heap.pb.gz", "goroutine.debug1"] {
                for f in files[kind].as_array().unwrap() {
                    names.push(dir.join(f.as_str().unwrap()).display().to_string());
                }
            }
            let profiles: Vec<Profile> = names.iter().map(|n| load(Path::new(n))).collect();
            let series: Vec<(&str, &Profile)> =
                names.iter().map(String::as_str).zip(&profiles).collect();
            let report = triage(&series);
            assert_eq!(report.moments.len(), 4, "{}", dir.display());
            assert!(
                report
                    .moments
                    .iter()
                    .all(|m| m.goroutines.is_some() && m.time_nanos != 0),
                "{}: every moment paired with its dump and timed",
                dir.display()
            );
            let got = applying(&report);
            let ctx = format!("{name} {}: {:?}", r["dir"], report.checks);
            if healthy {
                assert!(got.is_empty(), "{ctx}");
            } else if heap_leak {
                assert_eq!(got, [CheckKind::Heap], "{ctx}");
            } else {
                assert!(
                    got.iter().all(|k| *k == CheckKind::GoroutineStacks),
                    "{ctx}"
                );
            }
            runs += 1;
        }
    }
    assert!(runs >= 60, "{runs}");
}

/// The chart the page draws: each bar's parts stacked without a gap up to
/// Sys, MaxRSS and the goroutine count on their axes, times as labels.
#[test]
fn the_chart_stacks_the_parts_to_sys() {
    let dir = fixtures().join("go/m-memory-triage/stacks/run2");
    let r = run(&dir, true);
    let c = r.chart.as_ref().unwrap();
    assert_eq!(c.bars.len(), 4);
    assert!(c.timed);
    assert_eq!(c.bars[0].label, "+0 s");
    assert_eq!(c.goroutine_top, Some(3003));
    assert!(c.ticks.windows(2).all(|w| w[1] - w[0] == c.ticks[1]));
    assert_eq!(*c.ticks.last().unwrap(), c.top);
    for b in &c.bars {
        let m = &r.moments[b.moment];
        let comp = m.components.unwrap();
        assert!(comp.sys <= c.top && comp.max_rss.unwrap() <= c.top);
        assert_eq!(b.parts[0].0, 0.0);
        assert!(b.parts.windows(2).all(|w| w[0].1 == w[1].0));
        let sys = b.parts.last().unwrap().1 * c.top as f64;
        assert!((sys - comp.sys as f64).abs() < 1.0, "{sys} {}", comp.sys);
        let g = b.goroutines.unwrap() * 3003.0;
        assert!((g - m.goroutines.unwrap() as f64).abs() < 1e-6);
    }
}

/// Files named as `curl -o heap-$(date +%s).txt` names them: the Unix
/// time in the name pairs a heap text with the dump taken a second or two
/// apart, and times the chart.
#[test]
fn unix_times_in_names_pair_and_time_the_moments() {
    let dir = fixtures().join("go/m-memory-triage/stacks/run1");
    let t0 = 1_764_670_000i64;
    let mut names = Vec::new();
    let mut profiles = Vec::new();
    for k in 0..4i64 {
        names.push(format!("heap-{}.txt", t0 + 60 * k + 2));
        profiles.push(load(&dir.join(format!("heap-{k}.debug1.txt"))));
        names.push(format!("goroutine-{}.txt", t0 + 60 * k));
        profiles.push(load(&dir.join(format!("goroutine-{k}.debug1.txt"))));
    }
    let series: Vec<(&str, &Profile)> = names.iter().map(String::as_str).zip(&profiles).collect();
    let r = triage(&series);
    assert_eq!(r.moments.len(), 4);
    for (k, m) in r.moments.iter().enumerate() {
        assert_eq!(m.files, [format!("heap-{}.txt", t0 + 60 * k as i64 + 2)]);
        assert_eq!(
            m.goroutine_file,
            Some(format!("goroutine-{}.txt", t0 + 60 * k as i64))
        );
        assert_eq!(m.time_nanos, (t0 + 60 * k as i64 + 2) * 1_000_000_000);
    }
    let labels: Vec<&str> = r
        .chart
        .as_ref()
        .unwrap()
        .bars
        .iter()
        .map(|b| b.label.as_str())
        .collect();
    assert_eq!(labels, ["+0 s", "+60 s", "+2.0 min", "+3.0 min"]);
    assert_eq!(applying(&r), [CheckKind::GoroutineStacks]);
}

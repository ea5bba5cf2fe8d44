//! Leak verdicts over the whole corpus: the scenario fixtures
//! (`tests/fixtures/go`, expectations below) and the services corpus
//! (`tests/fixtures/services`, expectations in its `manifest.json`).
//!
//! - Every leak is found at its line (function, and file:line for the
//!   program's own code) with at least its floor (medium) over its series,
//!   in every form that can show it.
//! - No healthy capture gets a medium or high finding: not a series, not
//!   a prefix of one, not a single snapshot, in any form.
//! - In leaking runs, other sites stay at most low, except the secondary
//!   sites the manifest names (what the leak pins).
//!
//! The test also writes the hit / miss / false-alarm table of
//! `docs/leak-verdicts.md` and fails when the committed table differs
//! (`LEAKSCOPE_BLESS=1` rewrites it).

use leakscope_core::leak::{analyze, order_series, Finding, LeakReport, Severity};
use leakscope_core::{decode, Profile};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

struct Leak {
    class: String,
    function: String,
    alt: Vec<String>,
    file: String,
    line: i64,
    heap: bool,
    /// Per form key, the floor when it is not medium (and why).
    floor: HashMap<String, Severity>,
}

struct Scenario {
    name: String,
    /// Healthy scenarios: their class is their name.
    healthy: bool,
    leaks: Vec<Leak>,
    /// (function, heap) of sites the leak pins: any severity.
    secondary: Vec<(String, bool)>,
    runs: Vec<(PathBuf, BTreeMap<String, Vec<String>>)>,
}

fn manifest_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn services() -> Vec<Scenario> {
    let root = manifest_dir().join("tests/fixtures/services");
    let m: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("manifest.json")).unwrap())
            .unwrap();
    m["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| Scenario {
            name: s["name"].as_str().unwrap().into(),
            healthy: s["healthy"] == true,
            leaks: s["leaks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| Leak {
                    class: l["rule"].as_str().unwrap().into(),
                    function: l["function"].as_str().unwrap().into(),
                    alt: l["alt_functions"]
                        .as_array()
                        .map(|a| a.iter().map(|x| x.as_str().unwrap().into()).collect())
                        .unwrap_or_default(),
                    file: l["file"].as_str().unwrap().into(),
                    line: l["line"].as_i64().unwrap(),
                    heap: l["kind"] == "heap",
                    floor: HashMap::new(),
                })
                .collect(),
            secondary: s["secondary"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|x| (x["function"].as_str().unwrap().into(), x["kind"] == "heap"))
                        .collect()
                })
                .unwrap_or_default(),
            runs: s["runs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    let files = r["files"]
                        .as_object()
                        .unwrap()
                        .iter()
                        .map(|(k, v)| {
                            let list = v
                                .as_array()
                                .unwrap()
                                .iter()
                                .map(|f| f.as_str().unwrap().to_string())
                                .collect();
                            (k.clone(), list)
                        })
                        .collect();
                    (root.join(r["dir"].as_str().unwrap()), files)
                })
                .collect(),
        })
        .collect()
}

/// The scenario fixtures, as their READMEs state the verdicts.
fn fixtures() -> Vec<Scenario> {
    let root = manifest_dir().join("tests/fixtures/go");
    let four = |prefix: &str, ext: &str| -> Vec<String> {
        (0..4).map(|k| format!("{prefix}-{k}.{ext}")).collect()
    };
    let goroutine_forms = || -> BTreeMap<String, Vec<String>> {
        [
            ("goroutine.pb.gz", four("goroutine", "pb.gz")),
            ("goroutine.debug1", four("goroutine", "debug1.txt")),
            ("goroutine.debug2", four("goroutine", "debug2.txt")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    };
    let heap_forms = || -> BTreeMap<String, Vec<String>> {
        [
            ("heap.pb.gz", four("heap", "pb.gz")),
            ("heap.debug1", four("heap", "debug1.txt")),
            ("allocs.pb.gz", four("allocs", "pb.gz")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    };
    let leak = |class: &str, function: &str, file: &str, line: i64, heap: bool| Leak {
        class: class.into(),
        function: function.into(),
        alt: vec![],
        file: file.into(),
        line,
        heap,
        floor: HashMap::new(),
    };
    let chanrecv = "leakdemo/chanrecv/main.go";
    let sc = |name: &str, leaks: Vec<Leak>, forms: BTreeMap<String, Vec<String>>| Scenario {
        name: name.into(),
        healthy: leaks.is_empty(),
        leaks,
        secondary: vec![],
        runs: vec![(root.join(name), forms)],
    };
    let mut both = goroutine_forms();
    both.extend(heap_forms());
    // a1 leaks 0 → 1 → 2 → 3 goroutines: by counts alone (.pb.gz, debug=1)
    // that is what a gateway's in-flight requests look like, so there it is
    // a low suspicion; its debug=2 ids show the same goroutines staying.
    let mut a1 = leak(
        "chan-recv-no-sender",
        "main.searchHandler.func1",
        chanrecv,
        28,
        false,
    );
    a1.floor.insert("goroutine.pb.gz".into(), Severity::Low);
    a1.floor.insert("goroutine.debug1".into(), Severity::Low);
    let healthy_heap = |name: &str, leaks: Vec<Leak>| {
        // a3's heap and h1's goroutines: the other half of the scenario.
        let mut s = sc(name, leaks, both.clone());
        s.healthy = false;
        s
    };
    let mut l = sc(
        "l-goroutineleak-profile",
        vec![leak(
            "chan-recv-no-sender",
            "main.searchHandler.func1",
            chanrecv,
            28,
            false,
        )],
        BTreeMap::new(),
    );
    l.runs[0].1 = [
        ("goroutineleak.pb.gz", "goroutineleak.pb.gz"),
        ("goroutineleak.debug1", "goroutineleak.debug1.txt"),
        ("goroutineleak.debug2", "goroutineleak.debug2.txt"),
    ]
    .into_iter()
    .map(|(k, f)| (k.to_string(), vec![f.to_string()]))
    .collect();
    let mut k = sc("k-block-mutex-contention", vec![], BTreeMap::new());
    k.runs[0].1 = [
        (
            "goroutine.pb.gz",
            vec!["goroutine-0.pb.gz", "goroutine-1.pb.gz"],
        ),
        (
            "goroutine.debug1",
            vec!["goroutine-0.debug1.txt", "goroutine-1.debug1.txt"],
        ),
        (
            "goroutine.debug2",
            vec!["goroutine-0.debug2.txt", "goroutine-1.debug2.txt"],
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.into_iter().map(String::from).collect()))
    .collect();
    let mut j = sc("j-cpu-profile", vec![], BTreeMap::new());
    j.runs[0].1 = [
        ("cpu", vec!["cpu.pb.gz"]),
        ("goroutine.pb.gz", vec!["goroutine-0.pb.gz"]),
        ("goroutine.debug2", vec!["goroutine-0.debug2.txt"]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.into_iter().map(String::from).collect()))
    .collect();
    vec![
        sc("a1-chanrecv-leak-n3", vec![a1], goroutine_forms()),
        sc(
            "a2-chanrecv-leak-n500",
            vec![leak(
                "chan-recv-no-sender",
                "main.searchHandler.func1",
                chanrecv,
                28,
                false,
            )],
            goroutine_forms(),
        ),
        healthy_heap(
            "a3-chanrecv-leak-longwait",
            vec![leak(
                "chan-recv-no-sender",
                "main.searchHandler.func1",
                chanrecv,
                28,
                false,
            )],
        ),
        sc(
            "b-chansend-unbuffered",
            vec![leak(
                "chan-send-no-receiver",
                "main.audit",
                "leakdemo/chansend/main.go",
                30,
                false,
            )],
            goroutine_forms(),
        ),
        sc(
            "c-nilchan-recv",
            vec![
                leak(
                    "nil-chan",
                    "main.awaitReply",
                    "leakdemo/nilchan/main.go",
                    25,
                    false,
                ),
                leak(
                    "nil-chan",
                    "main.nilHandler.func1",
                    "leakdemo/nilchan/main.go",
                    38,
                    false,
                ),
            ],
            goroutine_forms(),
        ),
        sc(
            "d-select-forever",
            vec![
                leak(
                    "select-forever",
                    "main.watch",
                    "leakdemo/selectforever/main.go",
                    18,
                    false,
                ),
                leak(
                    "select-forever",
                    "main.parkHandler.func1",
                    "leakdemo/selectforever/main.go",
                    38,
                    false,
                ),
            ],
            goroutine_forms(),
        ),
        healthy_heap(
            "h1-substring-retention",
            vec![leak(
                "substring-retention",
                "main.fetchDocument",
                "leakdemo/substring/main.go",
                49,
                true,
            )],
        ),
        sc("i1-healthy-service", vec![], both.clone()),
        j,
        k,
        l,
    ]
}

/// Whether a goroutineleak profile (or a debug=2 dump's `(leaked)` marks)
/// names the leak's function.
fn marks(p: &Profile, l: &Leak) -> bool {
    let names = |si: usize| -> bool {
        p.samples.get(si).locations.iter().any(|loc| {
            p.locations[loc as usize].lines.iter().any(|ln| {
                let f = &*p.functions[ln.function as usize].name;
                f == l.function || l.alt.iter().any(|a| a == f)
            })
        })
    };
    if p.goroutines.is_empty() {
        p.kind() == "goroutineleak" && (0..p.samples.len()).any(names)
    } else {
        p.goroutines
            .iter()
            .any(|g| g.leaked && names(g.sample as usize))
    }
}

/// Whether a profile has the leak's function with a non-zero value (in-use
/// bytes for heap profiles).
fn holds(p: &Profile, l: &Leak) -> bool {
    let col = if l.heap {
        p.sample_types
            .iter()
            .position(|t| t.r#type == "inuse_space")
    } else {
        Some(0)
    };
    let Some(col) = col else { return false };
    p.samples.iter().any(|s| {
        s.values[col] > 0
            && s.locations.iter().any(|loc| {
                p.locations[loc as usize].lines.iter().any(|ln| {
                    let f = &*p.functions[ln.function as usize].name;
                    f == l.function || l.alt.iter().any(|a| a == f)
                })
            })
    })
}

fn is_heap_form(key: &str) -> bool {
    key.starts_with("heap") || key.starts_with("allocs")
}

struct Cache(HashMap<PathBuf, Profile>);

impl Cache {
    fn report(&mut self, dir: &Path, files: &[String]) -> LeakReport {
        for f in files {
            let p = dir.join(f);
            self.0.entry(p).or_insert_with_key(|p| {
                let data = std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                decode(&data).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
            });
        }
        let profiles: Vec<&Profile> = files.iter().map(|f| &self.0[&dir.join(f)]).collect();
        let mut series: Vec<(&str, &Profile)> =
            files.iter().map(String::as_str).zip(profiles).collect();
        order_series(&mut series);
        analyze(&series)
    }
}

fn matches(l: &Leak, f: &Finding) -> bool {
    let own = l.function.starts_with("main.");
    (f.kind == leakscope_core::leak::Kind::Heap) == l.heap
        && (f.function == l.function || l.alt.contains(&f.function))
        && (!own || (f.file == l.file && f.line == l.line))
}

/// Per class: series (hit, weak, miss), singles (hit, weak, miss), medium+
/// elsewhere; healthy: checks, medium+, low.
#[derive(Default)]
struct Row {
    scenarios: std::collections::BTreeSet<String>,
    series: [usize; 3],
    singles: [usize; 3],
    elsewhere: usize,
    checks: usize,
    alarms: usize,
    lows: usize,
}

#[test]
fn every_leak_found_at_its_line_and_no_healthy_capture_accused() {
    let mut cache = Cache(HashMap::new());
    let mut failures: Vec<String> = Vec::new();
    let mut leak_rows: BTreeMap<String, Row> = BTreeMap::new();
    let mut healthy_rows: BTreeMap<String, Row> = BTreeMap::new();
    let all: Vec<(bool, Scenario)> = fixtures()
        .into_iter()
        .map(|s| (true, s))
        .chain(services().into_iter().map(|s| (false, s)))
        .collect();
    for (_, s) in &all {
        for (dir, forms) in &s.runs {
            let run = dir
                .strip_prefix(manifest_dir().join("tests/fixtures"))
                .unwrap()
                .display()
                .to_string();
            for (key, files) in forms {
                // Which leaks this form can show.
                let leaks: Vec<&Leak> = s
                    .leaks
                    .iter()
                    .filter(|l| l.heap == is_heap_form(key))
                    .collect();
                let healthy_form = leaks.is_empty();
                // The checks: the series, its prefixes (healthy), each file.
                let mut checks: Vec<(&str, Vec<String>)> = Vec::new();
                if files.len() >= 2 {
                    checks.push(("series", files.clone()));
                    if healthy_form {
                        for n in 2..files.len() {
                            checks.push(("prefix", files[..n].to_vec()));
                        }
                    }
                }
                for f in files {
                    checks.push(("single", vec![f.clone()]));
                }
                for (what, list) in checks {
                    let r = cache.report(dir, &list);
                    if key == "cpu" {
                        assert_eq!(r.verdict, leakscope_core::leak::Verdict::NotChecked);
                    }
                    let label = format!("{run} {key} {what} {}", list.join(","));
                    // What the scenario's leak pins (its secondary sites)
                    // may be flagged in any form.
                    let pinned = |f: &Finding| {
                        s.secondary.iter().any(|(func, heap)| {
                            *func == f.function
                                && *heap == (f.kind == leakscope_core::leak::Kind::Heap)
                        })
                    };
                    let serious: Vec<&Finding> = r
                        .findings
                        .iter()
                        .filter(|f| f.severity >= Severity::Medium && !pinned(f))
                        .collect();
                    if healthy_form {
                        let class = if s.healthy {
                            s.name.clone()
                        } else {
                            format!(
                                "{} ({} forms)",
                                s.name,
                                if is_heap_form(key) {
                                    "heap"
                                } else {
                                    "goroutine"
                                }
                            )
                        };
                        let row = healthy_rows.entry(class).or_default();
                        row.scenarios.insert(s.name.clone());
                        row.checks += 1;
                        if !serious.is_empty() {
                            row.alarms += 1;
                            failures.push(format!(
                                "healthy {label}: {}",
                                serious
                                    .iter()
                                    .map(|f| format!(
                                        "{} {} {}:{}",
                                        f.severity.as_str(),
                                        f.rule.as_str(),
                                        f.function,
                                        f.line
                                    ))
                                    .collect::<Vec<_>>()
                                    .join("; ")
                            ));
                        } else if r.max_severity() == Some(Severity::Low) {
                            row.lows += 1;
                        }
                        continue;
                    }
                    // A goroutineleak form shows a leak only where the
                    // runtime marked it.
                    let leakform = key.starts_with("goroutineleak");
                    for l in &leaks {
                        let marked = leakform && marks(&cache.0[&dir.join(&list[0])], l);
                        if leakform && !marked {
                            continue;
                        }
                        // A snapshot taken before the leak began shows none.
                        if what == "single"
                            && files.len() > 1
                            && !holds(&cache.0[&dir.join(&list[0])], l)
                        {
                            continue;
                        }
                        let floor = l.floor.get(key).copied().unwrap_or(Severity::Medium);
                        let best = r
                            .findings
                            .iter()
                            .filter(|f| matches(l, f))
                            .map(|f| f.severity)
                            .max();
                        let row = leak_rows.entry(l.class.clone()).or_default();
                        row.scenarios.insert(s.name.clone());
                        let slot = match best {
                            Some(b) if b >= Severity::Medium => 0,
                            Some(_) => 1,
                            None => 2,
                        };
                        if what == "series" || list.len() == 1 && files.len() == 1 {
                            row.series[slot] += 1;
                            if best.is_none_or(|b| b < floor) {
                                failures.push(format!(
                                    "leak {label}: {} {}:{} found at {:?}, floor {}",
                                    l.function,
                                    l.file,
                                    l.line,
                                    best,
                                    floor.as_str()
                                ));
                            }
                        } else {
                            row.singles[slot] += 1;
                        }
                    }
                    // Other sites: at most low, except what the leak pins.
                    let elsewhere: Vec<&&Finding> = serious
                        .iter()
                        .filter(|f| !leaks.iter().any(|l| matches(l, f)))
                        .collect();
                    if !elsewhere.is_empty() {
                        for l in &leaks {
                            leak_rows.entry(l.class.clone()).or_default().elsewhere += 1;
                        }
                        failures.push(format!(
                            "elsewhere {label}: {}",
                            elsewhere
                                .iter()
                                .map(|f| format!(
                                    "{} {} {}:{}",
                                    f.severity.as_str(),
                                    f.rule.as_str(),
                                    f.function,
                                    f.line
                                ))
                                .collect::<Vec<_>>()
                                .join("; ")
                        ));
                    }
                }
            }
        }
    }
    let table = render(&leak_rows, &healthy_rows);
    let doc_path = manifest_dir().join("../docs/leak-verdicts.md");
    let doc = std::fs::read_to_string(&doc_path).unwrap_or_default();
    let (begin, end) = ("<!-- corpus-table:begin -->\n", "<!-- corpus-table:end -->");
    let (Some(a), Some(b)) = (doc.find(begin), doc.find(end)) else {
        panic!("docs/leak-verdicts.md has no corpus table markers");
    };
    let current = &doc[a + begin.len()..b];
    if current != table {
        if std::env::var_os("LEAKSCOPE_BLESS").is_some() {
            let new = format!("{}{begin}{table}{}", &doc[..a], &doc[b..]);
            std::fs::write(&doc_path, new).unwrap();
        } else {
            failures.push(format!(
                "docs/leak-verdicts.md: the corpus table is out of date (LEAKSCOPE_BLESS=1 rewrites it):\n{table}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn render(leaks: &BTreeMap<String, Row>, healthy: &BTreeMap<String, Row>) -> String {
    let mut t = String::from(
        "Leaking: a **series** is one run's snapshots in one form (`.pb.gz`, debug=1, debug=2 for goroutine leaks; heap `.pb.gz`, heap debug=1, allocs for heap leaks; a goroutineleak profile only where the runtime marked the leak); **hit** = found at its line at medium or high, **weak** = found only at low, **miss** = not found. Single snapshots are each file of a series alone that holds the leak's site (one snapshot may honestly stay low, and it says what to capture next). **Elsewhere** = checks with a medium or high finding at another site, other than the sites the leak pins.\n\n| leak class | scenarios | series: hit / weak / miss | single snapshots: hit / weak / miss | elsewhere |\n| --- | --- | --- | --- | --- |\n",
    );
    for (class, r) in leaks {
        t.push_str(&format!(
            "| {class} | {} | {} / {} / {} | {} / {} / {} | {} |\n",
            r.scenarios.iter().cloned().collect::<Vec<_>>().join(", "),
            r.series[0],
            r.series[1],
            r.series[2],
            r.singles[0],
            r.singles[1],
            r.singles[2],
            r.elsewhere
        ));
    }
    t.push_str("\nHealthy: every run's series in every form, every prefix of it, and every snapshot alone. A **false alarm** is a medium or high finding; **low** counts the checks whose worst finding is a low suspicion.\n\n| healthy class | checks | false alarms | low |\n| --- | --- | --- | --- |\n");
    for (class, r) in healthy {
        t.push_str(&format!(
            "| {class} | {} | {} | {} |\n",
            r.checks, r.alarms, r.lows
        ));
    }
    t
}

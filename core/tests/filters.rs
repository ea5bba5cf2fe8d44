//! Diff, filters and granularity against `go tool pprof` output (Go
//! 1.27.3; `scripts/oracles.sh` wrote core/tests/fixtures/oracles).

use leakscope_core::filter::Filters;
use leakscope_core::graph::Granularity;
use leakscope_core::report::{top, traces, Prepared, Query};
use leakscope_core::{decode, Profile};
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn load(path: &str) -> Profile {
    decode(&std::fs::read(root().join("..").join(path)).unwrap())
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Splits a shell-ish argument list as written in manifest.tsv.
fn args(line: &str) -> Vec<String> {
    line.split(' ')
        .map(|a| {
            let a = a.replace("='", "=");
            a.strip_suffix('\'').map(str::to_string).unwrap_or(a)
        })
        .collect()
}

#[test]
fn oracles_match_pprof() {
    let dir = root().join("tests/fixtures/oracles");
    let manifest = std::fs::read_to_string(dir.join("manifest.tsv")).unwrap();
    let mut failures = Vec::new();
    let mut checked = 0;
    for line in manifest.lines() {
        let (name, rest) = line.split_once('\t').unwrap();
        let a = args(rest);
        let file = a.last().unwrap().clone();
        let (mut q, mut cum, mut traces_mode) = (Query::default(), false, false);
        let mut fractions = top::TopOptions::default();
        let (mut list_re, mut source_path) = (None::<String>, None::<String>);
        let mut base: Option<(String, bool)> = None;
        for arg in &a[..a.len() - 1] {
            let (k, v) = arg.split_once('=').unwrap_or((arg.as_str(), ""));
            let v = v.to_string();
            match k {
                "-top" | "-nodecount" => {}
                "-traces" => traces_mode = true,
                "-list" => list_re = Some(v),
                "-source_path" => source_path = Some(v),
                "-cum" => cum = true,
                "-nodefraction" => fractions.node_fraction = v.parse().unwrap(),
                "-edgefraction" => fractions.edge_fraction = v.parse().unwrap(),
                "-focus" => q.filters.focus = v,
                "-ignore" => q.filters.ignore = v,
                "-hide" => q.filters.hide = v,
                "-show" => q.filters.show = v,
                "-show_from" => q.filters.show_from = v,
                "-tagfocus" => q.filters.tagfocus = v,
                "-tagignore" => q.filters.tagignore = v,
                "-sample_index" => q.sample_index = Some(v),
                "-diff_base" => base = Some((v, true)),
                "-base" => base = Some((v, false)),
                "-lines" => q.granularity = Granularity::Lines,
                "-files" => q.granularity = Granularity::Files,
                "-addresses" => q.granularity = Granularity::Addresses,
                "-noinlines" => q.noinlines = true,
                other => panic!("{name}: unhandled flag {other}"),
            }
        }
        let cur = load(&file);
        let b = base.as_ref().map(|(f, d)| (load(f), *d));
        let prep = Prepared::new(&cur, b.as_ref().map(|(p, d)| (p, *d)), &q)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let view = prep.view();
        let got = if let Some(re) = &list_re {
            let mut src = leakscope_core::report::list::DirSources {
                source_path: source_path.clone().unwrap(),
                trim_path: String::new(),
                root: Some(root().join("..")),
            };
            let l = leakscope_core::report::list::list(&view, re, &mut src).unwrap();
            leakscope_core::report::list::format_list(&view, re, &l)
        } else if traces_mode {
            traces::format_traces(&view, &traces::traces(&view))
        } else {
            let t = top::top(
                &view,
                &top::TopOptions {
                    cum_sort: cum,
                    node_count: Some(1_000_000),
                    ..fractions
                },
            );
            top::format_top(&view, &t)
        };
        // pprof writes bytes (a filter cut inside a character stays cut):
        // compare with what the CLI writes.
        let want = std::fs::read(dir.join(format!("{name}.txt"))).unwrap();
        let want = leakscope_core::text::from_bytes(&want).into_owned();
        checked += 1;
        if leakscope_core::text::to_bytes(&got) != leakscope_core::text::to_bytes(&want) {
            let at = got.lines().zip(want.lines()).position(|(g, w)| g != w);
            failures.push(format!(
                "{name}: line {at:?}\n  got:  {:?}\n  want: {:?}",
                at.and_then(|i| got.lines().nth(i)).or(got.lines().last()),
                at.and_then(|i| want.lines().nth(i)).or(want.lines().last())
            ));
        }
    }
    assert!(checked >= 20);
    assert!(
        failures.is_empty(),
        "{} of {checked} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn bad_queries_are_clear_errors() {
    let cur = load("core/tests/fixtures/go/j-cpu-profile/cpu.pb.gz");
    let q = Query {
        filters: Filters {
            focus: "(".into(),
            ..Default::default()
        },
        ..Default::default()
    };
    let e = Prepared::new(&cur, None, &q).unwrap_err().to_string();
    assert!(
        e.starts_with("focus: invalid regular expression \"(\""),
        "{e}"
    );
    let q = Query {
        filters: Filters {
            tagfocus: "phase=(".into(),
            ..Default::default()
        },
        ..Default::default()
    };
    assert!(Prepared::new(&cur, None, &q)
        .unwrap_err()
        .to_string()
        .starts_with("tagfocus: parsing regexp"));
    let heap = load("core/tests/fixtures/go/h1-substring-retention/heap-0.pb.gz");
    let q = Query {
        filters: Filters {
            tagfocus: "bytes=1zb:".into(),
            ..Default::default()
        },
        ..Default::default()
    };
    let e = Prepared::new(&heap, None, &q).unwrap_err().to_string();
    assert!(e.starts_with("tagfocus: unknown unit \"zb\""), "{e}");
    let q = Query {
        filters: Filters {
            tagfocus: "bytes=2mb:".into(),
            ..Default::default()
        },
        ..Default::default()
    };
    let p = Prepared::new(&heap, None, &q).unwrap();
    assert!(p.profile.samples.iter().all(|s| s
        .labels
        .nums
        .iter()
        .any(|n| n.key == "bytes" && n.value >= 2 << 20)));
    let e = Prepared::new(&cur, Some((&heap, true)), &Query::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("different kind of profile"), "{e}");
}

/// pprof's patterns are Go RE2: `\w` is ASCII there, so `main\.\w+$` must not
/// reach past an ASCII name, and a class the engine lacks is refused by name.
#[test]
fn regex_semantics_follow_go() {
    let cur = load("core/tests/fixtures/go/j-cpu-profile/cpu.pb.gz");
    let focus = |pat: &str| {
        Prepared::new(
            &cur,
            None,
            &Query {
                filters: Filters {
                    focus: pat.into(),
                    ..Default::default()
                },
                ..Default::default()
            },
        )
    };
    let all = focus("").unwrap().profile.samples.len();
    let ascii = focus(r"^main\.\w+$").unwrap().profile.samples.len();
    assert!(ascii > 0 && ascii <= all);
    // Go's \w does not match 'é'; neither may ours.
    assert!(!regex_lite::Regex::new(r"^\w$").unwrap().is_match("é"));
    assert!(regex_lite::Regex::new(r"(?i)^MAIN\.")
        .unwrap()
        .is_match("main.fib"));
    let e = focus(r"\p{Greek}").unwrap_err().to_string();
    assert!(
        e.starts_with("focus: invalid regular expression") && e.contains("Unicode"),
        "{e}"
    );
}

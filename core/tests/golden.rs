//! Golden tests: every `go tool pprof` (go1.19.8) oracle file in the
//! fixtures must be reproduced byte for byte.

use leakscope_core::report::{list, top, traces, View};
use leakscope_core::{decode, Profile};
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/go")
}

fn load(path: &Path) -> Profile {
    decode(&std::fs::read(path).unwrap()).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every `P.pb.gz` under the scenario folders, with its folder.
fn profiles() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in std::fs::read_dir(fixtures()).unwrap() {
        let dir = dir.unwrap().path();
        for f in std::fs::read_dir(&dir).unwrap() {
            let f = f.unwrap().path();
            if f.to_string_lossy().ends_with(".pb.gz") {
                out.push(f);
            }
        }
    }
    out.sort();
    assert!(out.len() >= 60, "expected the fixture profiles, found {}", out.len());
    out
}

fn oracle(pb: &Path, suffix: &str) -> PathBuf {
    let s = pb.to_string_lossy();
    PathBuf::from(format!("{}.{suffix}", s.strip_suffix(".pb.gz").unwrap()))
}

fn first_diff(got: &str, want: &str) -> String {
    for (i, (g, w)) in got.lines().zip(want.lines()).enumerate() {
        if g != w {
            return format!("line {}:\n  got:  {g:?}\n  want: {w:?}", i + 1);
        }
    }
    format!("line counts differ: got {}, want {}", got.lines().count(), want.lines().count())
}

fn check(failures: &mut Vec<String>, file: &Path, got: &str) {
    let want = std::fs::read_to_string(file).unwrap();
    if got != want {
        failures.push(format!("{}: {}", file.display(), first_diff(got, &want)));
    }
}

fn finish(failures: Vec<String>, checked: usize) {
    assert!(checked > 0, "no oracle checked");
    assert!(failures.is_empty(), "{} of {checked} oracles differ:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn top_matches_pprof() {
    let (mut failures, mut checked) = (Vec::new(), 0);
    for pb in profiles() {
        let p = load(&pb);
        for (suffix, cum) in [("top.txt", false), ("topcum.txt", true)] {
            let view = View::new(&p, p.default_sample_index());
            let t = top::top(&view, &top::TopOptions { cum_sort: cum, node_count: Some(1_000_000), ..Default::default() });
            check(&mut failures, &oracle(&pb, suffix), &top::format_top(&view, &t));
            checked += 1;
        }
        for st in &p.sample_types {
            let f = oracle(&pb, &format!("top.{}.txt", st.r#type));
            if f.exists() {
                let view = View::new(&p, p.sample_index(Some(&st.r#type)).unwrap());
                let t = top::top(&view, &top::TopOptions { node_count: Some(1_000_000), ..Default::default() });
                check(&mut failures, &f, &top::format_top(&view, &t));
                checked += 1;
            }
        }
    }
    finish(failures, checked);
}

#[test]
fn traces_match_pprof() {
    let (mut failures, mut checked) = (Vec::new(), 0);
    for pb in profiles() {
        let p = load(&pb);
        let view = View::new(&p, p.default_sample_index());
        check(&mut failures, &oracle(&pb, "traces.txt"), &traces::format_traces(&view, &traces::traces(&view)));
        checked += 1;
    }
    finish(failures, checked);
}

/// Lays out `SRC/leakdemo/<pkg>/main.go` as the oracles were made.
fn source_dir(scenario: &Path, pkg: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("src-{}", scenario.file_name().unwrap().to_string_lossy()));
    let dst = root.join("leakdemo").join(pkg);
    std::fs::create_dir_all(&dst).unwrap();
    std::fs::copy(scenario.join("main.go"), dst.join("main.go")).unwrap();
    root
}

#[test]
fn list_matches_pprof() {
    let (mut failures, mut checked) = (Vec::new(), 0);
    for pb in profiles() {
        let f = oracle(&pb, "list.txt");
        if !f.exists() {
            continue;
        }
        let want = std::fs::read_to_string(&f).unwrap();
        let pkg = want
            .lines()
            .find_map(|l| l.split(" in leakdemo/").nth(1))
            .map(|r| r.trim_end_matches("/main.go").to_string())
            .unwrap_or_else(|| "none".into());
        let p = load(&pb);
        let view = View::new(&p, p.default_sample_index());
        let mut src = list::DirSources { search_path: vec![source_dir(pb.parent().unwrap(), &pkg)] };
        let l = list::list(&view, r"main\.", &mut src).unwrap();
        check(&mut failures, &f, &list::format_list(&view, r"main\.", &l));
        checked += 1;
    }
    finish(failures, checked);
}

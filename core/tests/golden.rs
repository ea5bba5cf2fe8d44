//! Golden tests: every `go tool pprof` (Go 1.27.3) oracle file in the
//! fixtures (`P.go127.*.txt`) must be reproduced byte for byte.

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
    leakscope_core::order::sort_by(&mut out, |a, b| a.cmp(b));
    assert!(
        out.len() >= 60,
        "expected the fixture profiles, found {}",
        out.len()
    );
    out
}

fn oracle(pb: &Path, suffix: &str) -> PathBuf {
    let s = pb.to_string_lossy();
    PathBuf::from(format!(
        "{}.go127.{suffix}",
        s.strip_suffix(".pb.gz").unwrap()
    ))
}

fn first_diff(got: &str, want: &str) -> String {
    for (i, (g, w)) in got.lines().zip(want.lines()).enumerate() {
        if g != w {
            return format!("line {}:\n  got:  {g:?}\n  want: {w:?}", i + 1);
        }
    }
    format!(
        "line counts differ: got {}, want {}",
        got.lines().count(),
        want.lines().count()
    )
}

fn check(failures: &mut Vec<String>, file: &Path, got: &str) {
    let want = std::fs::read_to_string(file).unwrap();
    if got != want {
        failures.push(format!("{}: {}", file.display(), first_diff(got, &want)));
    }
}

fn finish(failures: Vec<String>, checked: usize) {
    assert!(checked > 0, "no oracle checked");
    assert!(
        failures.is_empty(),
        "{} of {checked} oracles differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn top_matches_pprof() {
    let (mut failures, mut checked) = (Vec::new(), 0);
    for pb in profiles() {
        let p = load(&pb);
        for (suffix, cum) in [("top.txt", false), ("topcum.txt", true)] {
            let view = View::new(&p, p.default_sample_index());
            let t = top::top(
                &view,
                &top::TopOptions {
                    cum_sort: cum,
                    node_count: Some(1_000_000),
                    ..Default::default()
                },
            );
            check(
                &mut failures,
                &oracle(&pb, suffix),
                &top::format_top(&view, &t),
            );
            checked += 1;
        }
        for st in &p.sample_types {
            let f = oracle(&pb, &format!("top.{}.txt", st.r#type));
            if f.exists() {
                let view = View::new(&p, p.sample_index(Some(&st.r#type)).unwrap());
                let t = top::top(
                    &view,
                    &top::TopOptions {
                        node_count: Some(1_000_000),
                        ..Default::default()
                    },
                );
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
        check(
            &mut failures,
            &oracle(&pb, "traces.txt"),
            &traces::format_traces(&view, &traces::traces(&view)),
        );
        checked += 1;
    }
    finish(failures, checked);
}

/// Lays out `SRC/leakdemo/<pkg>/main.go` as the oracles were made.
fn source_dir(scenario: &Path, pkg: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "src-{}",
        scenario.file_name().unwrap().to_string_lossy()
    ));
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
        let mut src = list::DirSources {
            source_path: source_dir(pb.parent().unwrap(), &pkg).display().to_string(),
            ..Default::default()
        };
        let l = list::list(&view, r"main\.", &mut src).unwrap();
        check(&mut failures, &f, &list::format_list(&view, r"main\.", &l));
        checked += 1;
    }
    finish(failures, checked);
}

#[test]
fn flame_tree_agrees_with_top() {
    use leakscope_core::report::flame;
    for pb in profiles() {
        let p = load(&pb);
        let view = View::new(&p, p.default_sample_index());
        let t = top::top(
            &view,
            &top::TopOptions {
                node_fraction: 0.0,
                ..Default::default()
            },
        );
        for bottom_up in [false, true] {
            let f = flame::flame(&view, bottom_up);
            let sum: i64 = p.samples.iter().map(|s| s.values[view.sample_index]).sum();
            assert_eq!(f.nodes[0].total, sum, "{}", pb.display());
            // Children never overflow their parent and are laid out left to right.
            for n in &f.nodes {
                let kids: i64 = n.children.iter().map(|&c| f.nodes[c as usize].total).sum();
                assert!(kids.abs() <= n.total.abs(), "{}", pb.display());
                let mut x = n.x;
                for &c in &n.children {
                    assert_eq!(f.nodes[c as usize].x, x);
                    x += f.nodes[c as usize].total.abs();
                }
            }
            if !bottom_up {
                // Self values per function equal pprof's flat.
                let mut flat = std::collections::HashMap::<&str, i64>::new();
                for n in &f.nodes[1..] {
                    *flat.entry(&f.names[n.name as usize]).or_default() += n.self_value;
                }
                for r in &t.rows {
                    assert_eq!(
                        flat.get(r.name.as_str()).copied().unwrap_or(0),
                        r.flat,
                        "{} {}",
                        pb.display(),
                        r.name
                    );
                }
            } else {
                // Bottom-up: the root's children are the leaves, sized by flat.
                for &c in &f.nodes[0].children {
                    let name = &f.names[f.nodes[c as usize].name as usize];
                    let row = t.rows.iter().find(|r| &r.name == name).unwrap();
                    assert_eq!(f.nodes[c as usize].total, row.flat, "{name}");
                }
            }
        }
    }
}

#[test]
fn flame_keeps_inlined_frames_and_searches() {
    use leakscope_core::report::flame;
    let p = load(&fixtures().join("j-cpu-profile/cpu.pb.gz"));
    let view = View::new(&p, p.default_sample_index());
    let f = flame::flame(&view, false);
    assert!(
        f.nodes
            .iter()
            .any(|n| n.inline && f.names[n.name as usize] == "main.score"),
        "inlined main.score is a frame"
    );
    let re = regex_lite::Regex::new("^main\\.fib$").unwrap();
    let (hits, covered) = f.search(&|n| re.is_match(n));
    assert!(hits.len() > 5, "recursive fib appears at many depths");
    // Stepping through the hits goes left to right, then top down, and
    // visits each once.
    let mut mask = vec![false; f.nodes.len()];
    for &h in &hits {
        mask[h as usize] = true;
    }
    let order = f.in_reading_order(&mask);
    assert_eq!(order.len(), hits.len());
    let key = |n: &u32| (f.nodes[*n as usize].x, f.nodes[*n as usize].depth);
    assert!(
        order.windows(2).all(|w| key(&w[0]) < key(&w[1])),
        "reading order"
    );
    let mut sorted = hits.clone();
    leakscope_core::order::sort_by_key(&mut sorted, |&n| n);
    let mut seen = order.clone();
    leakscope_core::order::sort_by_key(&mut seen, |&n| n);
    assert_eq!(seen, sorted);
    let t = top::top(
        &view,
        &top::TopOptions {
            node_fraction: 0.0,
            ..Default::default()
        },
    );
    let fib = t.rows.iter().find(|r| r.name == "main.fib").unwrap();
    assert_eq!(
        covered, fib.cum,
        "search share counts recursion once, like cum"
    );
    let stacks = flame::FlameStacks::new(&view, false);
    assert_eq!(
        stacks.covered(&regex_lite::Regex::new("^main\\.fib$").unwrap()),
        fib.cum,
        "the pruned page's share is exact too"
    );
}

/// Every node's width equals the value of the samples whose stack starts
/// with its path (computed naively here), and a pruned tree is the full
/// tree cut at the width asked, with the same layout.
#[test]
fn flame_paths_match_samples_and_pruning_keeps_layout() {
    use leakscope_core::report::flame::{self, FlameStacks, FlameTree};
    use std::collections::HashMap;
    fn paths(f: &FlameTree) -> HashMap<Vec<(String, bool)>, (i64, i64, i64)> {
        let mut out = HashMap::new();
        for (i, n) in f.nodes.iter().enumerate() {
            let path: Vec<(String, bool)> = f.path(i as u32)[1..]
                .iter()
                .map(|&k| {
                    (
                        f.names[f.nodes[k as usize].name as usize].clone(),
                        f.nodes[k as usize].inline,
                    )
                })
                .collect();
            assert!(
                out.insert(path, (n.x, n.total, n.self_value)).is_none(),
                "one node per path"
            );
        }
        out
    }
    let mut checked = 0;
    for pb in profiles() {
        let p = load(&pb);
        let view = View::new(&p, p.default_sample_index());
        let full = flame::flame(&view, false);
        let got = paths(&full);
        // Naive: every prefix of every stack, frames as (name, inline).
        let idx = leakscope_core::graph::NodeIndex::new(&p, view.granularity, false, false);
        let mut want: HashMap<Vec<(String, bool)>, i64> = HashMap::new();
        for s in &p.samples {
            let v = s.values[view.sample_index];
            if v == 0 {
                continue;
            }
            let mut path = Vec::new();
            for loc in s.locations.iter().rev() {
                let ns = idx.location_nodes(loc as usize);
                for i in (0..ns.len()).rev() {
                    path.push((
                        idx.infos[ns[i] as usize].printable_name(),
                        i != ns.len() - 1,
                    ));
                    *want.entry(path.clone()).or_default() += v;
                }
            }
        }
        assert_eq!(want.len() + 1, got.len(), "{}", pb.display());
        for (path, v) in &want {
            assert_eq!(got[path].1, *v, "{} {:?}", pb.display(), path);
        }
        // Pruned at 1%, and focused on the widest child of the root.
        let stacks = FlameStacks::new(&view, false);
        let cut = full.nodes[0].total.abs() as f64 * 0.01;
        let pruned = stacks.tree(&[], 0.01);
        let pp = paths(&pruned);
        for (path, v) in &got {
            let kept = pp.get(path);
            if let Some(k) = kept {
                assert_eq!(k, v, "{} {:?}", pb.display(), path);
            }
            // Everything at least as wide as the cut is there (its ancestors are wider still).
            if (v.1.abs() as f64) >= cut && v.1 != 0 {
                assert!(kept.is_some(), "{} lost {:?}", pb.display(), path);
            }
        }
        // A finer cut pruned again is the coarser cut, node for node.
        for (fine, coarse) in [(0.0, 0.01), (0.001, 0.01), (0.0001, 0.05)] {
            assert_eq!(
                stacks.tree(&[], fine).pruned(coarse),
                stacks.tree(&[], coarse),
                "{}",
                pb.display()
            );
        }
        if let Some(&c) = full.nodes[0].children.first() {
            let key = full.nodes[c as usize].key;
            let focused = stacks.tree(&[key], 0.01);
            let fp = paths(&focused);
            let fname = (
                full.names[full.nodes[c as usize].name as usize].clone(),
                full.nodes[c as usize].inline,
            );
            let fcut = full.nodes[c as usize].total.abs() as f64 * 0.01;
            for (path, v) in &got {
                if path.first() == Some(&fname) && (v.1.abs() as f64) >= fcut && v.1 != 0 {
                    assert_eq!(
                        fp.get(path),
                        Some(v),
                        "{} focus lost {:?}",
                        pb.display(),
                        path
                    );
                }
            }
        }
        checked += 1;
    }
    assert!(checked > 50);
}

/// The flame tree walks samples itself; a tree built naively from the
/// `traces` report (every sample's frames, independently expanded) must
/// have the same frames with the same widths and self values, both ways.
#[test]
fn flame_tree_equals_a_trie_of_the_traces() {
    use leakscope_core::report::{flame, traces};
    use std::collections::BTreeMap;
    type Paths = BTreeMap<Vec<(String, bool)>, (i64, i64)>;
    for pb in profiles() {
        let p = load(&pb);
        let view = View::new(&p, p.default_sample_index());
        let tr = traces::traces(&view);
        for bottom_up in [false, true] {
            let mut want: Paths = BTreeMap::new();
            for t in &tr {
                let mut frames: Vec<(String, bool)> = t
                    .frames
                    .iter()
                    .map(|f| (f.name.clone(), f.inline))
                    .collect();
                if !bottom_up {
                    frames.reverse();
                }
                for d in 1..=frames.len() {
                    let e = want.entry(frames[..d].to_vec()).or_default();
                    e.0 += t.value;
                    if d == frames.len() {
                        e.1 += t.value;
                    }
                }
            }
            let f = flame::flame(&view, bottom_up);
            let mut got: Paths = BTreeMap::new();
            for (i, n) in f.nodes.iter().enumerate().skip(1) {
                let mut path = Vec::new();
                let mut j = i;
                while j != 0 {
                    let m = &f.nodes[j];
                    path.push((f.names[m.name as usize].clone(), m.inline));
                    j = m.parent as usize;
                }
                path.reverse();
                let e = got.entry(path).or_default();
                e.0 += n.total;
                e.1 += n.self_value;
            }
            want.retain(|_, v| *v != (0, 0));
            got.retain(|_, v| *v != (0, 0));
            assert_eq!(got, want, "{} bottom_up={bottom_up}", pb.display());
        }
    }
}

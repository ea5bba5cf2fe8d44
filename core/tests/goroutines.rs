//! The goroutine explorer against real dumps: every group is checked
//! against the file, read here by a separate, plain parser of the text
//! (`goroutine N [state]:` headers, frame pairs, `created by` lines, the
//! `N @ pcs` records of debug=1), never through the explorer's code.

use leakscope_core::goroutines::{explore, Explorer, Similarity, Sort};
use leakscope_core::Profile;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn load(path: &Path) -> Profile {
    leakscope_core::decode(&std::fs::read(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every debug=2 dump in the fixtures: our scenarios and the real ones
/// from other projects.
fn debug2_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in ["go", "external", "services"] {
        for entry in walk(&fixtures().join(dir)) {
            let name = entry.file_name().unwrap().to_string_lossy().to_string();
            let text = std::fs::read(&entry).unwrap_or_default();
            let text = String::from_utf8_lossy(&text);
            let is_dump = name.ends_with(".txt")
                && text.lines().any(|l| header(l).is_some())
                && !text.contains("WARNING: DATA RACE");
            if is_dump {
                out.push(entry);
            }
        }
    }
    leakscope_core::order::sort_by(&mut out, |a, b| a.cmp(b));
    assert!(out.len() >= 40, "found only {} dumps", out.len());
    out
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
    out
}

/// One goroutine as the text shows it.
#[derive(Debug, Clone)]
struct G {
    id: u64,
    state: String,
    minutes: Option<u64>,
    locked: bool,
    frames: Vec<(String, String, i64)>,
    created: Option<(String, String, i64)>,
    elided: bool,
    /// Marked `(leaked)` by the runtime's leak detector (Go 1.26+).
    leaked: bool,
}

/// `goroutine 7 [chan receive, 3 minutes, locked to thread]:` -> (id, bracket).
fn header(l: &str) -> Option<(u64, &str)> {
    let rest = l.strip_prefix("goroutine ")?;
    let (id, rest) = rest.split_once(' ')?;
    let id = id.parse().ok()?;
    let open = rest.find('[')?;
    let close = rest.rfind(']')?;
    rest[close..]
        .contains(':')
        .then_some((id, &rest[open + 1..close]))
}

fn file_line(l: &str) -> (String, i64) {
    let t = l.trim();
    let t = t.split(" +0x").next().unwrap();
    let (f, n) = t.rsplit_once(':').unwrap();
    (f.to_string(), n.parse().unwrap())
}

fn parse_dump(text: &str) -> Vec<G> {
    let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some((id, bracket)) = header(lines[i]) else {
            i += 1;
            continue;
        };
        i += 1;
        let mut g = G {
            id,
            state: String::new(),
            minutes: None,
            locked: false,
            frames: vec![],
            created: None,
            elided: false,
            leaked: false,
        };
        let mut state = Vec::new();
        for part in bracket.split(", ") {
            if part == "locked to thread" {
                g.locked = true;
            } else if let Some(m) = part.strip_suffix(" minutes") {
                g.minutes = Some(m.parse().unwrap());
            } else {
                state.push(part);
            }
        }
        // `(leaked)` and `(durable)` are marks beside the wait reason.
        let joined = state.join(", ");
        g.leaked = joined.contains(" (leaked)");
        g.state = joined.replace(" (leaked)", "").replace(" (durable)", "");
        let mut ancestor = false;
        while i < lines.len() && !lines[i].is_empty() {
            let l = lines[i];
            if l.starts_with("[originating from goroutine") {
                ancestor = true;
                i += 1;
            } else if l.contains("frames elided") {
                g.elided = true;
                i += 1;
            } else if let Some(f) = l.strip_prefix("created by ") {
                let f = f.split(" in goroutine ").next().unwrap();
                let (file, line) = file_line(lines[i + 1]);
                g.created = Some((f.to_string(), file, line));
                i += 2;
            } else {
                let f = &l[..l.rfind('(').unwrap()];
                let (file, line) = file_line(lines[i + 1]);
                if !ancestor {
                    g.frames.push((f.to_string(), file, line));
                }
                i += 2;
            }
        }
        out.push(g);
    }
    out
}

/// A group's key with lines left out: (function, file) frames, state,
/// creating function, elided.
type LooseKey = (Vec<(String, String)>, String, Option<String>, bool);

/// A frame as the text prints it: function, file, line.
type TextFrame = (String, String, i64);

type Key = (
    Vec<(String, String, i64)>,
    String,
    Option<(String, String, i64)>,
    bool,
    bool,
);

/// The text's goroutines grouped by stack, state, creator and locked.
fn expected_groups(gs: &[G]) -> BTreeMap<Key, Vec<&G>> {
    let mut m: BTreeMap<Key, Vec<&G>> = BTreeMap::new();
    for g in gs {
        m.entry((
            g.frames.clone(),
            g.state.clone(),
            g.created.clone(),
            g.locked,
            g.elided,
        ))
        .or_default()
        .push(g);
    }
    m
}

fn key_of(g: &leakscope_core::goroutines::Group) -> Key {
    (
        g.stack
            .iter()
            .map(|f| (f.function.clone(), f.file.clone(), f.line))
            .collect(),
        g.state.clone(),
        g.created_by
            .as_ref()
            .map(|c| (c.function.clone(), c.file.clone(), c.line)),
        g.locked > 0,
        g.elided,
    )
}

fn one(name: &str, p: &Profile, sim: Similarity) -> Explorer {
    explore(&[(name, p)], sim).unwrap()
}

#[test]
fn every_debug2_group_matches_the_text() {
    let mut groups_checked = 0;
    for path in debug2_files() {
        let text = String::from_utf8(std::fs::read(&path).unwrap()).unwrap();
        let parsed = parse_dump(&text);
        let want = expected_groups(&parsed);
        let p = load(&path);
        let ex = one("f", &p, Similarity::Exact);
        let s = &ex.snapshots[0];
        let ctx = path.display();
        assert!(s.detailed, "{ctx}");
        assert_eq!(
            s.total,
            text.lines().filter(|l| header(l).is_some()).count() as u64,
            "{ctx}: goroutine count"
        );
        assert_eq!(s.groups.len(), want.len(), "{ctx}: number of groups");
        for g in &s.groups {
            let k = key_of(g);
            let gs = want
                .get(&k)
                .unwrap_or_else(|| panic!("{ctx}: group not in the text: {:?}", k));
            assert_eq!(g.count, gs.len() as u64, "{ctx}: count of {:?}", g.blocking);
            let ids: BTreeSet<u64> = gs.iter().map(|x| x.id).collect();
            assert_eq!(
                g.id_list().collect::<BTreeSet<u64>>(),
                ids,
                "{ctx}: ids of {:?}",
                g.blocking
            );
            // Go prints minutes from one up: none printed is under a minute.
            let any = gs.iter().any(|x| x.minutes.is_some());
            let mins: Vec<u64> = gs.iter().map(|x| x.minutes.unwrap_or(0)).collect();
            let want_mins = any.then(|| (*mins.iter().min().unwrap(), *mins.iter().max().unwrap()));
            assert_eq!(
                g.wait_minutes, want_mins,
                "{ctx}: minutes of {:?}",
                g.blocking
            );
            assert_eq!(
                g.locked,
                gs.iter().filter(|x| x.locked).count() as u64,
                "{ctx}"
            );
            assert_eq!(
                g.leaked,
                gs.iter().filter(|x| x.leaked).count() as u64,
                "{ctx}"
            );
            // The blocking frame is the first own frame of the stack.
            if let Some(own) = g.stack.iter().find(|f| f.own) {
                assert_eq!(
                    (own.function.as_str(), own.line),
                    (g.blocking.function.as_str(), g.blocking.line),
                    "{ctx}"
                );
                assert!(!own.function.starts_with("runtime."), "{ctx}");
            }
            groups_checked += 1;
        }
    }
    assert!(groups_checked > 200, "{groups_checked}");
}

#[test]
fn merging_lines_merges_only_stacks_that_differ_in_lines() {
    for path in debug2_files() {
        let text = String::from_utf8(std::fs::read(&path).unwrap()).unwrap();
        let gs = parse_dump(&text);
        // The text's groups with lines (and the creator's file and line)
        // left out, and the locked flag ignored.
        let mut want: BTreeMap<LooseKey, u64> = BTreeMap::new();
        for g in &gs {
            *want
                .entry((
                    g.frames
                        .iter()
                        .map(|f| (f.0.clone(), f.1.clone()))
                        .collect(),
                    g.state.clone(),
                    g.created.as_ref().map(|c| c.0.clone()),
                    g.elided,
                ))
                .or_default() += 1;
        }
        let p = load(&path);
        let ex = one("f", &p, Similarity::AnyLine);
        let got: BTreeMap<_, u64> = ex.snapshots[0]
            .groups
            .iter()
            .map(|g| {
                (
                    (
                        g.stack
                            .iter()
                            .map(|f| (f.function.clone(), f.file.clone()))
                            .collect::<Vec<_>>(),
                        g.state.clone(),
                        g.created_by.as_ref().map(|c| c.function.clone()),
                        g.elided,
                    ),
                    g.count,
                )
            })
            .collect();
        assert_eq!(got, want, "{}", path.display());
        // Lines a merged frame was also seen at are reported.
        for g in &ex.snapshots[0].groups {
            for (i, f) in g.stack.iter().enumerate() {
                let seen: BTreeSet<i64> = gs
                    .iter()
                    .filter(|x| {
                        x.state == g.state
                            && x.frames.len() == g.stack.len()
                            && x.frames
                                .iter()
                                .zip(&g.stack)
                                .all(|(a, b)| a.0 == b.function && a.1 == b.file)
                            && x.created.as_ref().map(|c| &c.0)
                                == g.created_by.as_ref().map(|c| &c.function)
                            && x.elided == g.elided
                    })
                    .map(|x| x.frames[i].2)
                    .collect();
                let mut got: BTreeSet<i64> = f.other_lines.iter().copied().collect();
                got.insert(f.line);
                assert_eq!(got, seen, "{}: frame {}", path.display(), f.function);
            }
        }
    }
}

/// The panicweb dump's handlers at lines 43 and 54 of one file stay apart
/// exactly and stay apart merged (different functions), while its
/// readLoop/writeLoop goroutines created at transport.go:1647/1648 keep
/// their own groups: a real case where line merging must not over-merge.
#[test]
fn panicweb_buckets() {
    let p = load(&fixtures().join("external/maruel-panicparse/static_panicweb.debug2.txt"));
    let exact = one("panicweb", &p, Similarity::Exact);
    let merged = one("panicweb", &p, Similarity::AnyLine);
    assert!(merged.snapshots[0].groups.len() <= exact.snapshots[0].groups.len());
    let count = |ex: &Explorer, f: &str| -> u64 {
        ex.snapshots[0]
            .groups
            .iter()
            .filter(|g| g.blocking.function.ends_with(f))
            .map(|g| g.count)
            .sum()
    };
    for f in [
        "URL1Handler",
        "URL2Handler",
        "(*persistConn).readLoop",
        "(*persistConn).writeLoop",
    ] {
        assert_eq!(count(&exact, f), count(&merged, f), "{f}");
        let text = std::fs::read_to_string(
            fixtures().join("external/maruel-panicparse/static_panicweb.debug2.txt"),
        )
        .unwrap();
        let in_text = parse_dump(&text)
            .iter()
            .filter(|g| g.frames.iter().any(|x| x.0.ends_with(f)))
            .filter(|g| {
                g.frames
                    .iter()
                    .find(|x| !x.0.starts_with("internal/") && !x.0.starts_with("runtime."))
                    .is_some()
            })
            .count() as u64;
        assert!(count(&exact, f) <= in_text && count(&exact, f) > 0, "{f}");
    }
}

/// Series of debug=2 dumps: per group, its count per snapshot, and how
/// many of its ids were in it one snapshot before, from the text.
#[test]
fn series_counts_and_survivors_match_the_text() {
    let mut checked = 0;
    // Our scenarios and every run of the services corpus.
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures().join("go"))
        .unwrap()
        .map(|d| d.unwrap().path())
        .collect();
    for sc in std::fs::read_dir(fixtures().join("services")).unwrap() {
        let sc = sc.unwrap().path();
        if sc.is_dir() {
            dirs.extend(std::fs::read_dir(sc).unwrap().map(|d| d.unwrap().path()));
        }
    }
    for dir in dirs {
        let mut files: Vec<PathBuf> = (0..10)
            .map(|k| dir.join(format!("goroutine-{k}.debug2.txt")))
            .filter(|p| p.exists())
            .collect();
        if files.len() < 2 {
            continue;
        }
        leakscope_core::order::sort_by(&mut files, |a, b| a.cmp(b));
        let texts: Vec<String> = files
            .iter()
            .map(|f| std::fs::read_to_string(f).unwrap())
            .collect();
        let parsed: Vec<Vec<G>> = texts.iter().map(|t| parse_dump(t)).collect();
        let want: Vec<BTreeMap<Key, Vec<&G>>> = parsed.iter().map(|g| expected_groups(g)).collect();
        let profiles: Vec<Profile> = files.iter().map(|f| load(f)).collect();
        let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
        let series: Vec<(&str, &Profile)> = names
            .iter()
            .map(String::as_str)
            .zip(profiles.iter())
            .collect();
        let ex = explore(&series, Similarity::Exact).unwrap();
        for t in &ex.tracks {
            let g = ex
                .snapshots
                .iter()
                .find_map(|s| s.groups.iter().find(|g| g.key == t.key))
                .unwrap();
            let k = key_of(g);
            for (i, w) in want.iter().enumerate() {
                let n = w.get(&k).map(|v| v.len()).unwrap_or(0) as u64;
                assert_eq!(t.counts[i], n, "{}: {:?}", names[i], g.blocking);
                if i == 0 {
                    assert_eq!(t.survived[0], None);
                    continue;
                }
                let ids = |w: &BTreeMap<Key, Vec<&G>>| -> BTreeSet<u64> {
                    w.get(&k)
                        .map(|v| v.iter().map(|x| x.id).collect())
                        .unwrap_or_default()
                };
                let kept = ids(&want[i - 1]).intersection(&ids(w)).count() as u64;
                if n > 0 {
                    assert_eq!(t.survived[i], Some(kept), "{}: {:?}", names[i], g.blocking);
                } else {
                    assert_eq!(t.survived[i], None);
                }
                checked += 1;
            }
        }
        // Sorted by growth, the leak (if any) is first and grew.
        let v = ex.view(files.len() - 1, Sort::Growth, "", 1000);
        let growths: Vec<i64> = v
            .rows
            .iter()
            .map(|r| *r.counts.last().unwrap() as i64 - r.counts[0] as i64)
            .collect();
        assert!(growths.windows(2).all(|w| w[0] >= w[1]), "{growths:?}");
    }
    assert!(checked > 2000, "{checked}");
}

/// A debug=1 record: its count, frames and labels.
fn parse_debug1(text: &str) -> (u64, Vec<(u64, Vec<TextFrame>, String)>) {
    let mut lines = text.lines().peekable();
    let total: u64 = lines
        .next()
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let mut recs = Vec::new();
    while let Some(l) = lines.next() {
        let Some((n, _)) = l.split_once(" @ ") else {
            continue;
        };
        let mut frames = Vec::new();
        let mut labels = String::new();
        while let Some(next) = lines.peek() {
            if let Some(lab) = next.strip_prefix("# labels: ") {
                labels = lab.to_string();
            } else if let Some(f) = next.strip_prefix("#\t") {
                let parts: Vec<&str> = f.split('\t').filter(|s| !s.is_empty()).collect();
                let func = parts[1].rsplit_once("+0x").map(|x| x.0).unwrap_or(parts[1]);
                let (file, line) = parts[2].trim().rsplit_once(':').unwrap();
                frames.push((func.to_string(), file.to_string(), line.parse().unwrap()));
            } else {
                break;
            }
            lines.next();
        }
        recs.push((n.parse().unwrap(), frames, labels));
    }
    (total, recs)
}

#[test]
fn every_debug1_group_matches_the_text() {
    let mut files: Vec<PathBuf> = walk(&fixtures())
        .into_iter()
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.ends_with(".txt")
                && std::fs::read_to_string(p)
                    .map(|t| t.starts_with("goroutine profile: total "))
                    .unwrap_or(false)
        })
        .collect();
    leakscope_core::order::sort_by(&mut files, |a, b| a.cmp(b));
    assert!(files.len() >= 30, "{}", files.len());
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let (total, recs) = parse_debug1(&text);
        // Records with the same frames are one group (labels apart).
        let mut want: BTreeMap<Vec<(String, String, i64)>, u64> = BTreeMap::new();
        for (n, frames, _) in &recs {
            *want.entry(frames.clone()).or_default() += n;
        }
        let p = load(&path);
        let ex = one("f", &p, Similarity::Exact);
        let s = &ex.snapshots[0];
        assert_eq!(s.total, total, "{}", path.display());
        assert!(!s.detailed);
        // Groups split only by the state read from the stack, which is
        // one per stack: so stacks and groups pair one to one.
        let got: BTreeMap<Vec<(String, String, i64)>, u64> = s
            .groups
            .iter()
            .map(|g| {
                (
                    g.stack
                        .iter()
                        .map(|f| (f.function.clone(), f.file.clone(), f.line))
                        .collect(),
                    g.count,
                )
            })
            .collect();
        assert_eq!(got, want, "{}", path.display());
        for g in &s.groups {
            assert!(g.state_from_stack && g.ids.is_empty() && g.created_by.is_none());
        }
    }
}

/// The same goroutines written three ways at one moment (go-profiler-notes):
/// the .pb.gz and debug=1 forms give the debug=2 dump's counts per
/// blocking function, and the .pb.gz's stack-read state agrees with the
/// runtime's wherever the stack shows one.
#[test]
fn one_moment_in_three_formats() {
    let dir = fixtures().join("external/datadog-go-profiler-notes");
    for k in ["1", "2"] {
        let by_fn = |f: &str, p: &Profile| -> BTreeMap<String, u64> {
            let ex = one(f, p, Similarity::Exact);
            let mut m = BTreeMap::new();
            for g in &ex.snapshots[0].groups {
                *m.entry(g.blocking.function.clone()).or_default() += g.count;
            }
            m
        };
        let d2 = load(&dir.join(format!("{k}.net.http.pprof.goroutine.debug2.txt")));
        let d1 = load(&dir.join(format!("{k}.net.http.pprof.goroutine.debug1.txt")));
        let pb = load(&dir.join(format!("{k}.net.http.pprof.goroutine.debug0.pb.gz")));
        let (m2, m1, m0) = (by_fn("2", &d2), by_fn("1", &d1), by_fn("0", &pb));
        // The goroutine serving each request differs (it writes the
        // dump): compare the program's own goroutines.
        let own = |m: &BTreeMap<String, u64>| -> BTreeMap<String, u64> {
            m.iter()
                .filter(|(f, _)| f.starts_with("main."))
                .map(|(f, n)| (f.clone(), *n))
                .collect()
        };
        assert_eq!(own(&m1), own(&m2), "{k}: debug=1 vs debug=2");
        assert_eq!(own(&m0), own(&m2), "{k}: .pb.gz vs debug=2");
        let states = |p: &Profile| -> BTreeMap<String, String> {
            one("x", p, Similarity::Exact).snapshots[0]
                .groups
                .iter()
                .filter(|g| g.blocking.function.starts_with("main.") && !g.state.is_empty())
                .map(|g| (g.blocking.function.clone(), g.state.clone()))
                .collect()
        };
        let (s2, s0) = (states(&d2), states(&pb));
        assert!(!s0.is_empty());
        for (f, st) in &s0 {
            assert_eq!(s2.get(f), Some(st), "{k}: state of {f}");
        }
    }
}

/// A real service's debug=1 dump with 20,161 goroutines (erigon).
#[test]
fn erigon_twenty_thousand_goroutines() {
    let path = fixtures().join("external/erigon-ledgerwatch/goroutine.debug1.txt");
    let p = load(&path);
    let ex = one("erigon", &p, Similarity::Exact);
    let s = &ex.snapshots[0];
    assert_eq!(s.total, 20161);
    let top = &s.groups[0];
    assert_eq!(top.count, 12096);
    assert_eq!(
        top.blocking.function,
        "github.com/anacrolix/torrent.(*webseedPeer).requester"
    );
    assert_eq!(top.blocking.line, 123);
    assert_eq!(top.state, "sync.Cond.Wait");
    // Sorted by count, largest first.
    assert!(s.groups.windows(2).all(|w| w[0].count >= w[1].count));
    let v = ex.view(0, Sort::Count, "trackerscraper", 10);
    assert!(v.rows.iter().all(|r| r
        .group
        .stack
        .iter()
        .any(|f| f.function.to_lowercase().contains("trackerscraper"))));
    assert_eq!(v.rows[0].counts, vec![2280]);
}

#[test]
fn view_search_sort_and_limit() {
    let p = load(&fixtures().join("external/maruel-panicparse/static_panicweb.debug2.txt"));
    let ex = one("panicweb", &p, Similarity::Exact);
    let all = ex.view(0, Sort::Count, "", 1000);
    assert_eq!(all.matching, ex.snapshots[0].groups.len());
    // Search: a state, a file, a function, case-insensitively.
    for needle in ["CHAN RECEIVE", "transport.go", "URL2Handler"] {
        let v = ex.view(0, Sort::Count, needle, 1000);
        assert!(v.matching > 0 && v.matching < all.matching, "{needle}");
        let n = needle.to_lowercase();
        for r in &v.rows {
            let g = &r.group;
            assert!(
                g.state.to_lowercase().contains(&n)
                    || g.stack
                        .iter()
                        .any(|f| f.function.to_lowercase().contains(&n)
                            || f.file.to_lowercase().contains(&n))
                    || g.created_by
                        .as_ref()
                        .is_some_and(|c| c.file.to_lowercase().contains(&n)
                            || c.function.to_lowercase().contains(&n)),
                "{needle}"
            );
        }
    }
    let by_wait = ex.view(0, Sort::Wait, "", 1000);
    let w: Vec<i64> = by_wait
        .rows
        .iter()
        .map(|r| r.group.wait_minutes.map(|m| m.1 as i64).unwrap_or(-1))
        .collect();
    assert!(w.windows(2).all(|x| x[0] >= x[1]), "{w:?}");
    let by_state = ex.view(0, Sort::State, "", 1000);
    let s: Vec<&str> = by_state
        .rows
        .iter()
        .map(|r| r.group.state.as_str())
        .collect();
    assert!(s.windows(2).all(|x| x[0] <= x[1]), "{s:?}");
    let cut = ex.view(0, Sort::Count, "", 3);
    assert_eq!((cut.rows.len(), cut.matching), (3, all.matching));
}

#[test]
fn other_kinds_are_refused_by_name() {
    let p = load(&fixtures().join("go/h1-substring-retention/heap-0.pb.gz"));
    let e = explore(&[("heap-0.pb.gz", &p)], Similarity::Exact).unwrap_err();
    assert!(e.contains("heap-0.pb.gz") && e.contains("heap"), "{e}");
}

//! The real-world corpus (core/tests/fixtures/real, provenance in
//! SOURCES.md) and the profiles among the third-party test data under
//! core/tests/fixtures/external: every report Go 1.27.3's `go tool pprof`
//! printed for them (`scripts/oracles.sh`: `P.go127.top.txt`,
//! `.topcum.txt`, `.top.<index>.txt`, `.traces.txt`, and `list` per
//! real/list.tsv) must be reproduced byte for byte.
//!
//! Deliberate differences, checked as such:
//! - text formats pprof reads as bare addresses (goroutine `debug=1`
//!   dumps, legacy heap text): pprof prints every frame as `<unknown>`;
//!   leakscope keeps the names and labels the text carries. pprof's numbers
//!   must still be ours: the total, every trace's value in order.
//! - files pprof cannot read at all (`P.go127.error.txt`): goroutine
//!   `debug=2` dumps and `runtime.Stack` output, which leakscope reads
//!   (the goroutines it finds must be every `goroutine N [` header), and
//!   older runtimes' threadcreate profiles whose records have no PCs
//!   (`4 @`), which leakscope reads with every thread counted.

use leakscope_core::profile::SourceFormat;
use leakscope_core::report::{list, top, traces, View};
use leakscope_core::{decode, DecodeError, Profile};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn fixtures() -> PathBuf {
    root().join("core/tests/fixtures")
}

/// Every `X.go127.<kind>.txt` under `dir`, as (X, kind).
fn oracles(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n != "list") {
                oracles(&p, out);
            }
            continue;
        }
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if let Some((data, rest)) = name.split_once(".go127.") {
            let rest = rest.strip_suffix(".gz").unwrap_or(rest);
            let kind = rest.strip_suffix(".txt").unwrap().to_string();
            out.push((p.with_file_name(data), kind));
        }
    }
}

fn all_oracles() -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    oracles(&fixtures().join("real"), &mut out);
    oracles(&fixtures().join("external"), &mut out);
    oracles(&fixtures().join("go/m-threadcreate"), &mut out);
    leakscope_core::order::sort_by(&mut out, |a, b| a.cmp(b));
    out
}

/// An oracle, `.txt` or (big ones) `.txt.gz`.
fn read_oracle(data: &Path, kind: &str) -> Vec<u8> {
    let name = format!(
        "{}.go127.{kind}.txt",
        data.file_name().unwrap().to_string_lossy()
    );
    match std::fs::read(data.with_file_name(&name)) {
        Ok(b) => b,
        Err(_) => {
            let gz = std::fs::read(data.with_file_name(format!("{name}.gz"))).unwrap();
            leakscope_core::decode::gzip::gunzip(&gz, 1 << 30, &mut |_| {}).unwrap()
        }
    }
}

fn first_diff(got: &[u8], want: &[u8]) -> String {
    let (g, w) = (String::from_utf8_lossy(got), String::from_utf8_lossy(want));
    for (i, (a, b)) in g.lines().zip(w.lines()).enumerate() {
        if a != b {
            return format!("line {}:\n  got:  {a:?}\n  want: {b:?}", i + 1);
        }
    }
    format!(
        "line counts differ: got {}, want {}",
        g.lines().count(),
        w.lines().count()
    )
}

/// A report as the CLI writes it: invalid UTF-8 bytes back as bytes.
fn bytes(s: &str) -> Vec<u8> {
    leakscope_core::text::to_bytes(s).into_owned()
}

fn report(p: &Profile, kind: &str) -> String {
    if kind == "traces" {
        let view = View::new(p, p.default_sample_index());
        return traces::format_traces(&view, &traces::traces(&view));
    }
    let (index, cum) = match kind {
        "top" => (p.default_sample_index(), false),
        "topcum" => (p.default_sample_index(), true),
        k => (
            p.sample_index(Some(k.strip_prefix("top.").unwrap()))
                .unwrap(),
            false,
        ),
    };
    let view = View::new(p, index);
    let t = top::top(
        &view,
        &top::TopOptions {
            cum_sort: cum,
            node_count: Some(1_000_000),
            ..Default::default()
        },
    );
    top::format_top(&view, &t)
}

/// The text formats pprof reads without names (only addresses).
fn read_as_addresses(p: &Profile) -> bool {
    matches!(
        p.format,
        Some(
            SourceFormat::GoroutineDebug1
                | SourceFormat::LegacyThreadcreate
                | SourceFormat::LegacyHeap
                | SourceFormat::LegacyContention
        )
    )
}

/// google/pprof's test data in the formats of other runtimes, which pprof
/// reads and leakscope, a Go tool, does not (or reads without the memory
/// map that follows the records, so without pprof's `File:` header and
/// `[binary]` frame names). Go wrote the legacy binary CPU format before
/// Go 1.9.
const OTHER_RUNTIMES: &[(&str, &str)] = &[
    ("cppbench.cpu", "legacy binary CPU profile (gperftools)"),
    ("go.crc32.cpu", "legacy binary CPU profile (Go before 1.9)"),
    ("gobench.cpu", "legacy binary CPU profile (Go before 1.9)"),
    ("java.cpu", "Java legacy binary CPU profile"),
    ("java.heap", "Java `--- heapz 1 ---` text"),
    ("java.contention", "Java contention text (`format = java`)"),
    ("cppbench.thread", "gperftools `--- threadz 1 ---` text"),
    ("cppbench.thread.all", "gperftools `--- threadz 1 ---` text"),
    (
        "cppbench.thread.none",
        "gperftools `--- threadz 1 ---` text",
    ),
    ("cppbench.heap", "gperftools heap text: memory map not read"),
    (
        "cppbench.growth",
        "gperftools heap text: memory map not read",
    ),
    (
        "cppbench.contention",
        "gperftools contention text: memory map not read",
    ),
    (
        "cppbench.small.contention",
        "gperftools contention text: memory map not read",
    ),
];

fn other_runtime(data: &Path) -> Option<&'static str> {
    let name = data.file_name()?.to_string_lossy();
    data.to_string_lossy()
        .contains("/google-pprof/")
        .then_some(())?;
    OTHER_RUNTIMES
        .iter()
        .find(|(f, _)| name == *f)
        .map(|(_, why)| *why)
}

/// The function names in a pprof report: Top's last column, or every
/// frame line of `-traces`.
fn names(report: &str, kind: &str) -> Vec<String> {
    let col = if kind == "traces" { 13 } else { 44 };
    let mut rows = false;
    report
        .lines()
        .filter(|l| {
            let keep = rows;
            rows |= l.trim_start().starts_with("flat  flat%") || l.starts_with("-----------+");
            keep && !l.starts_with("-----------+") && !l.contains(":  ") && l.len() > col
        })
        .map(|l| l[col..].trim_end_matches(" (inline)").to_string())
        .collect()
}

/// pprof's numbers in a report of one of those: the `Showing nodes ...
/// of TOTAL total` line's total, or every trace's value in order.
fn numbers(report: &str, kind: &str) -> Vec<String> {
    if kind == "traces" {
        let mut out = Vec::new();
        let mut first = false;
        for l in report.lines() {
            if l.starts_with("-----------+") {
                first = true;
            } else if first && !l.contains(":  ") {
                out.push(l[..10].trim().to_string());
                first = false;
            }
        }
        return out;
    }
    report
        .lines()
        .filter_map(|l| l.strip_prefix("Showing nodes accounting for "))
        .map(|l| l.rsplit(" of ").next().unwrap().to_string())
        .chain(
            report
                .lines()
                .filter(|l| l.starts_with("Type: "))
                .map(str::to_string),
        )
        .collect()
}

#[test]
fn corpus_matches_pprof() {
    let (mut failures, mut checked, mut files) = (Vec::new(), 0, std::collections::BTreeSet::new());
    let (mut exact, mut by_numbers, mut refused) = (0, 0, 0);
    let mut others = std::collections::BTreeSet::new();
    for (data, kind) in all_oracles() {
        let want = read_oracle(&data, &kind);
        files.insert(data.clone());
        let decoded = decode(&std::fs::read(&data).unwrap());
        if kind == "error" {
            // pprof refused the file: a goroutine dump with stacks, which
            // leakscope reads (one goroutine per header), or something
            // neither reads.
            let text = String::from_utf8_lossy(&std::fs::read(&data).unwrap()).to_string();
            let headers = text
                .lines()
                .filter(|l| {
                    l.strip_prefix("goroutine ")
                        .and_then(|r| r.split_once(" ["))
                        .is_some_and(|(id, _)| id.parse::<u64>().is_ok())
                })
                .count();
            match decoded {
                Ok(p) if headers > 0 => {
                    assert_eq!(p.goroutines.len(), headers, "{}", data.display());
                }
                // A count profile with a record without PCs (`4 @`, as Go
                // before 1.2x wrote threadcreate): pprof calls it
                // malformed; leakscope counts every record.
                Ok(p)
                    if p.format == Some(SourceFormat::LegacyThreadcreate)
                        && text.lines().any(|l| l.trim_end().ends_with(" @")) =>
                {
                    let header: i64 = text
                        .lines()
                        .next()
                        .and_then(|l| l.rsplit(' ').next())
                        .and_then(|n| n.parse().ok())
                        .unwrap();
                    assert_eq!(p.total(0), header, "{}", data.display());
                    assert!(String::from_utf8_lossy(&want).contains("malformed profile format"));
                }
                Ok(_) => failures.push(format!(
                    "{}: pprof refuses it ({}), leakscope reads it",
                    data.display(),
                    String::from_utf8_lossy(&want).trim()
                )),
                Err(_) => {}
            }
            refused += 1;
            continue;
        }
        let why = other_runtime(&data);
        let p = match decoded {
            Ok(p) => p,
            Err(e) if why.is_some() => {
                // Refused with a reason, never read partly.
                assert!(
                    matches!(
                        e,
                        DecodeError::Unrecognized(_) | DecodeError::LegacyText { .. }
                    ),
                    "{}: {e}",
                    data.display()
                );
                others.insert(data.clone());
                continue;
            }
            Err(e) => {
                failures.push(format!("{}: {e}", data.display()));
                continue;
            }
        };
        let got = report(&p, &kind);
        checked += 1;
        if bytes(&got) == want {
            exact += 1;
            continue;
        }
        let want_s = String::from_utf8_lossy(&want);
        if read_as_addresses(&p) && numbers(&got, &kind) == numbers(&want_s, &kind) {
            // pprof had addresses only (and, with a memory map, binaries).
            let named: Vec<String> = names(&want_s, &kind)
                .into_iter()
                .filter(|n| n != "<unknown>" && !(n.starts_with('[') && n.ends_with(']')))
                .collect();
            assert!(
                named.is_empty(),
                "{}: pprof named frames here: {named:?}",
                data.display()
            );
            if why.is_some() {
                others.insert(data.clone());
            } else {
                by_numbers += 1;
            }
            continue;
        }
        failures.push(format!(
            "{} ({kind}): {}",
            data.display(),
            first_diff(&bytes(&got), &want)
        ));
    }
    eprintln!(
        "{} files: {exact} reports byte-identical, {by_numbers} equal in numbers (named where pprof prints <unknown>), {refused} files pprof refuses, {} files of other runtimes' formats",
        files.len(),
        others.len()
    );
    // Every file listed is still one (some names lie in two folders).
    let other_names: std::collections::BTreeSet<_> = others
        .iter()
        .map(|f| f.file_name().unwrap().to_owned())
        .collect();
    assert_eq!(
        other_names.len(),
        OTHER_RUNTIMES.len(),
        "{others:?}: a format listed as another runtime's now reads as pprof's?"
    );
    let real = files
        .iter()
        .filter(|f| f.starts_with(fixtures().join("real")))
        .count();
    assert!(real >= 50, "the real-world corpus shrank: {real} files");
    assert!(checked > 300, "{checked} reports checked");
    assert!(
        failures.is_empty(),
        "{} of {checked} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// `go tool pprof -list` on corpus profiles whose sources are in the
/// corpus (real/list.tsv): pprof's search of `-source_path` (trailing
/// parts of absolute paths, `-trim_path`, parent directories) and its
/// error texts.
#[test]
fn corpus_lists_match_pprof() {
    let tsv = std::fs::read_to_string(fixtures().join("real/list.tsv")).unwrap();
    let mut checked = 0;
    for line in tsv.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        let f: Vec<&str> = line.split('\t').collect();
        let (name, profile, re, source_path, trim_path) = (f[0], f[1], f[2], f[3], f[4]);
        let p = decode(&std::fs::read(root().join(profile)).unwrap()).unwrap();
        let view = View::new(&p, p.default_sample_index());
        let mut src = list::DirSources {
            source_path: source_path.into(),
            trim_path: trim_path.into(),
            root: Some(root()),
        };
        let l = list::list(&view, re, &mut src).unwrap();
        let dir = fixtures().join("real/list");
        let got = if l.is_empty() {
            // What pprof says (on stderr, exiting 2): the CLI says the same.
            format!("no matches found for regexp: {re}\n")
        } else {
            list::format_list(&view, re, &l)
        };
        let want = std::fs::read_to_string(dir.join(format!("{name}.go127.list.txt")))
            .or_else(|_| std::fs::read_to_string(dir.join(format!("{name}.go127.error.txt"))))
            .unwrap();
        assert_eq!(
            got,
            want,
            "{name}: {}",
            first_diff(got.as_bytes(), want.as_bytes())
        );
        checked += 1;
    }
    assert!(checked >= 8);
}

/// pprof reads a node's `(inline)` mark from the in-edges left after it
/// drops those lighter than `-edgefraction` (0.001 of the total): in the
/// badger profiles `sync.(*Mutex).Lock` is reached inlined almost always
/// and outright by a sliver (pprof: `(inline)`), and `runtime.unlock`'s
/// inline edge, once nodes are trimmed, runs through a dropped node and
/// is a sliver (pprof: no mark; with `-nodefraction=0` it is `(inline)`:
/// `fixtures/oracles/marks-*`). Without edge trimming both would read
/// `(partial-inline)`; the oracles hold pprof's.
#[test]
fn inline_marks_follow_edge_trimming() {
    for (file, index, name, trimmed, untrimmed) in [
        (
            "darshand15-badger/7716969/block.prof",
            "delay",
            "sync.(*Mutex).Lock",
            "(inline)",
            "(inline)",
        ),
        (
            "darshand15-badger/7716969/mutex.prof",
            "contentions",
            "runtime.unlock",
            "",
            "(inline)",
        ),
    ] {
        let p = decode(&std::fs::read(fixtures().join("real").join(file)).unwrap()).unwrap();
        let view = View::new(&p, p.sample_index(Some(index)).unwrap());
        // Node trimming on (the graph is rebuilt from kept nodes) and off
        // (the untrimmed graph settles its marks).
        for (node_fraction, want) in [(top::PPROF_NODE_FRACTION, trimmed), (0.0, untrimmed)] {
            let mark = |edge_fraction| {
                let t = top::top(
                    &view,
                    &top::TopOptions {
                        edge_fraction,
                        node_fraction,
                        ..Default::default()
                    },
                );
                t.rows
                    .iter()
                    .find(|r| r.name == name)
                    .unwrap()
                    .inline
                    .clone()
            };
            assert_eq!(mark(0.001), want, "{file} {name} {node_fraction}");
            assert_eq!(
                mark(0.0),
                "(partial-inline)",
                "{file} {name} {node_fraction}"
            );
        }
        let oracle = read_oracle(&fixtures().join("real").join(file), &format!("top.{index}"));
        let line = format!(
            "{name}{}{trimmed}\n",
            if trimmed.is_empty() { "" } else { " " }
        );
        assert!(
            String::from_utf8_lossy(&oracle).contains(&format!("  {line}")),
            "{file}: pprof's own mark"
        );
    }
}

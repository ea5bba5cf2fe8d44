//! google/pprof's own legacy-parser fixtures (profile/testdata): the
//! samples we decode must equal the `Samples:` section of pprof's
//! `Profile.String()` output (`*.string`), values, location order and
//! labels included.

use leakscope_core::decode::decode_raw;
use leakscope_core::Profile;
use std::path::Path;

fn dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/external/google-pprof/profile/testdata")
}

/// pprof's `Profile.String()` sample lines.
fn samples_section(p: &Profile) -> String {
    let mut out = String::from("Samples:\n");
    out.push_str(
        &p.sample_types
            .iter()
            .map(|t| format!("{}/{}", t.r#type, t.unit))
            .collect::<Vec<_>>()
            .join(" "),
    );
    out.push('\n');
    for s in &p.samples {
        for v in s.values {
            out.push_str(&format!(" {v:>10}"));
        }
        out.push_str(": ");
        for l in s.locations {
            out.push_str(&format!("{} ", p.locations[l as usize].id));
        }
        out.push('\n');
        if !s.labels.nums.is_empty() {
            let mut keys: Vec<&str> = s.labels.nums.iter().map(|n| n.key.as_str()).collect();
            keys.dedup();
            let parts: Vec<String> = keys
                .iter()
                .map(|k| {
                    let vals: Vec<String> = s
                        .labels
                        .nums
                        .iter()
                        .filter(|n| n.key == *k)
                        .map(|n| n.value.to_string())
                        .collect();
                    format!("{k}:[{}]", vals.join(" "))
                })
                .collect();
            out.push_str(&format!("                {}\n", parts.join(" ")));
        }
    }
    out
}

fn expected(name: &str) -> String {
    let s = std::fs::read_to_string(dir().join(format!("{name}.string"))).unwrap();
    let start = s.find("Samples:\n").unwrap();
    let end = s[start..]
        .find("Locations")
        .map(|e| start + e)
        .unwrap_or(s.len());
    s[start..end].trim_end_matches('\n').to_string() + "\n"
}

#[test]
fn legacy_parsers_match_pprof() {
    for name in [
        "gobench.heap",
        "cppbench.heap",
        "cppbench.growth",
        "go.godoc.thread",
        "cppbench.contention",
    ] {
        let data = std::fs::read(dir().join(name)).unwrap();
        let p = decode_raw(&data, Default::default(), &mut |_| {})
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let got = samples_section(&p);
        let want = expected(name);
        if got != want {
            let line = got.lines().zip(want.lines()).position(|(a, b)| a != b);
            panic!(
                "{name}: first difference at line {line:?}\n got: {:?}\nwant: {:?}",
                line.and_then(|l| got.lines().nth(l)),
                line.and_then(|l| want.lines().nth(l))
            );
        }
    }
}

/// speedscope's own import test of a Go CPU profile: its per-frame self
/// and total weights must be our flat and cum.
#[test]
fn speedscope_snapshot_weights() {
    use leakscope_core::report::{top, View};
    let base =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/external/jlfwong-speedscope");
    let p = leakscope_core::decode(
        &std::fs::read(base.join("sample/profiles/pprof/simple.prof")).unwrap(),
    )
    .unwrap();
    let view = View::new(&p, p.default_sample_index());
    let t = top::top(
        &view,
        &top::TopOptions {
            node_fraction: 0.0,
            ..Default::default()
        },
    );
    let snap =
        std::fs::read_to_string(base.join("src/import/__snapshots__/pprof.test.ts.snap")).unwrap();
    let re = regex_lite::Regex::new(
        r#""name": "([^"]+)",\s*"selfWeight": (\d+),\s*"totalWeight": (\d+)"#,
    )
    .unwrap();
    let mut n = 0;
    for c in re.captures_iter(&snap) {
        let row = t
            .rows
            .iter()
            .find(|r| r.name == c[1])
            .unwrap_or_else(|| panic!("{} missing", &c[1]));
        assert_eq!(
            (row.flat, row.cum),
            (c[2].parse().unwrap(), c[3].parse().unwrap()),
            "{}",
            &c[1]
        );
        n += 1;
    }
    assert!(n >= 6, "{n} frames checked");
}

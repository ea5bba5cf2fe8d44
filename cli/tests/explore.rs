//! `leakscope goroutines` and `leakscope memstats`: the documented JSON
//! shapes, held against the files themselves, and their errors.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fx(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../core/tests/fixtures/go")
        .join(rel)
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_leakscope"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    leakscope_core::order::sort_by(&mut k, |a, b| a.cmp(b));
    k
}

#[test]
fn goroutines_json_is_the_documented_shape() {
    let files: Vec<PathBuf> = (0..4)
        .map(|k| fx(&format!("a2-chanrecv-leak-n500/goroutine-{k}.debug2.txt")))
        .collect();
    let mut args = vec!["goroutines", "--format", "json"];
    args.extend(files.iter().map(|f| f.to_str().unwrap()));
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(keys(&v), ["snapshots"]);
    let snaps = v["snapshots"].as_array().unwrap();
    assert_eq!(snaps.len(), 4);
    let mut leak_counts = Vec::new();
    for (s, f) in snaps.iter().zip(&files) {
        assert_eq!(keys(s), ["file", "groups"]);
        assert_eq!(s["file"], f.display().to_string());
        let text = std::fs::read_to_string(f).unwrap();
        let headers: Vec<u64> = text
            .lines()
            .filter(|l| l.starts_with("goroutine ") && l.ends_with("]:"))
            .map(|l| l.split(' ').nth(1).unwrap().parse().unwrap())
            .collect();
        let mut ids = Vec::new();
        let mut total = 0;
        for g in s["groups"].as_array().unwrap() {
            assert_eq!(
                keys(g),
                [
                    "count",
                    "created_by",
                    "file",
                    "function",
                    "ids",
                    "line",
                    "stack",
                    "state",
                    "wait_minutes"
                ]
            );
            let count = g["count"].as_u64().unwrap();
            total += count;
            let gids: Vec<u64> = g["ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_u64().unwrap())
                .collect();
            assert_eq!(gids.len() as u64, count);
            assert!(gids.windows(2).all(|w| w[0] < w[1]));
            ids.extend(gids);
            match &g["wait_minutes"] {
                Value::Null => {}
                Value::Array(a) => assert!(a.len() == 2 && a[0].as_u64() <= a[1].as_u64()),
                other => panic!("{other}"),
            }
            for f in g["stack"].as_array().unwrap() {
                assert_eq!(keys(f), ["file", "function", "line"]);
            }
            if !g["created_by"].is_null() {
                assert_eq!(keys(&g["created_by"]), ["file", "function", "line"]);
            }
            if g["function"] == "main.searchHandler.func1" {
                assert_eq!(g["state"], "chan receive");
                assert_eq!(g["line"], 28);
                leak_counts.push(count);
            }
        }
        // Every goroutine of the dump is in exactly one group.
        leakscope_core::order::sort_by(&mut ids, |a, b| a.cmp(b));
        let mut want = headers.clone();
        leakscope_core::order::sort_by(&mut want, |a, b| a.cmp(b));
        assert_eq!(ids, want, "{}", f.display());
        assert_eq!(total, headers.len() as u64);
    }
    // The leak's goroutines per snapshot, as the dumps' own lines count them.
    let want: Vec<u64> = files
        .iter()
        .map(|f| {
            std::fs::read_to_string(f)
                .unwrap()
                .matches("main.searchHandler.func1(")
                .count() as u64
        })
        .filter(|n| *n > 0)
        .collect();
    assert_eq!(leak_counts, want);
}

#[test]
fn goroutines_text_shows_groups_and_the_series() {
    let files: Vec<String> = (0..4)
        .map(|k| {
            fx(&format!("a1-chanrecv-leak-n3/goroutine-{k}.debug2.txt"))
                .display()
                .to_string()
        })
        .collect();
    let mut args = vec!["goroutines"];
    args.extend(files.iter().map(String::as_str));
    let (code, out, _) = run(&args);
    assert_eq!(code, 0);
    assert!(
        out.contains(
            "3 goroutines [chan receive]: main.searchHandler.func1 leakdemo/chanrecv/main.go:28"
        ),
        "{out}"
    );
    assert!(
        out.contains("  > main.searchHandler.func1 leakdemo/chanrecv/main.go:28"),
        "{out}"
    );
    assert!(out.contains("Across 4 snapshots"), "{out}");
    assert!(
        out.contains("+3 [chan receive] main.searchHandler.func1 leakdemo/chanrecv/main.go:28: 0 -> 1 -> 2 -> 3 (kept -, 1, 2)")
            || out.contains("+3 [chan receive] main.searchHandler.func1 leakdemo/chanrecv/main.go:28: 0 -> 1 -> 2 -> 3 (kept 0, 1, 2)"),
        "{out}"
    );
    // Merging lines: every handler goroutine is still one group.
    let (code, merged, _) = run(&["goroutines", "--similarity", "lines", &files[3]]);
    assert_eq!(code, 0);
    assert!(merged.contains("3 goroutines [chan receive]: main.searchHandler.func1"));
}

#[test]
fn memstats_json_is_every_line_of_the_trailer() {
    let dir = "m-memory-triage/outside/run1";
    let d1 = fx(&format!("{dir}/heap-3.debug1.txt"));
    let pb = fx(&format!("{dir}/heap-3.pb.gz"));
    let (code, out, err) = run(&[
        "memstats",
        "--format",
        "json",
        d1.to_str().unwrap(),
        pb.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(keys(&v), ["snapshots"]);
    let snaps = v["snapshots"].as_array().unwrap();
    assert_eq!(snaps.len(), 2);
    for s in snaps {
        assert_eq!(keys(s), ["file", "memstats"]);
    }
    assert!(snaps[1]["memstats"].is_null(), "a .pb.gz has no trailer");
    let m = snaps[0]["memstats"].as_object().unwrap();
    let text = std::fs::read_to_string(&d1).unwrap();
    let trailer = &text[text.find("# runtime.MemStats\n").unwrap()..];
    let mut n = 0;
    for line in trailer.lines().skip(1) {
        let (k, val) = line.strip_prefix("# ").unwrap().split_once(" = ").unwrap();
        let check = |name: &str, want: &str| {
            let got = &m[name];
            let ok = match got {
                Value::Number(x) if x.is_u64() => want == x.to_string(),
                // serde_json reads floats to within an ulp (no
                // float_roundtrip feature): close enough for the test.
                Value::Number(x) => {
                    let (a, b) = (want.parse::<f64>().unwrap(), x.as_f64().unwrap());
                    (a - b).abs() <= a.abs() * 1e-15
                }
                Value::Bool(b) => want == b.to_string(),
                Value::Array(a) => {
                    let nums: Vec<String> = a.iter().map(|x| x.to_string()).collect();
                    want == format!("[{}]", nums.join(" "))
                }
                _ => false,
            };
            assert!(ok, "{name}: {got} vs {want}");
        };
        match val.split_once(" / ") {
            Some((a, b)) => {
                check(&format!("{k}Inuse"), a);
                check(&format!("{k}Sys"), b);
                n += 2;
            }
            None => {
                check(k, val);
                n += 1;
            }
        }
    }
    assert_eq!(m.len(), n, "no field more than the file's");
    assert!(
        m.contains_key("MaxRSS") && m.contains_key("StackInuse") && m.contains_key("MCacheSys")
    );
}

#[test]
fn memstats_text_says_what_it_means() {
    let dir = fx("m-memory-triage/stacks/run2");
    let mut files = Vec::new();
    for k in 0..4 {
        files.push(
            dir.join(format!("heap-{k}.debug1.txt"))
                .display()
                .to_string(),
        );
        files.push(
            dir.join(format!("goroutine-{k}.debug1.txt"))
                .display()
                .to_string(),
        );
    }
    let mut args = vec!["memstats"];
    args.extend(files.iter().map(String::as_str));
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("2. [yes] Stacks grow with the goroutine count: a goroutine leak"),
        "{out}"
    );
    assert!(
        out.contains("Goroutines in the dumps of the same moments: 3 → 1003 → 2003 → 3003"),
        "{out}"
    );
    assert!(out.contains("1. [no]") && out.contains("3. [no]") && out.contains("4. [no]"));
    // Only .pb.gz: what it tells and how to capture the trailer.
    let pb = dir.join("heap-3.pb.gz");
    let (code, out, _) = run(&["memstats", pb.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(
        out.contains("no runtime.MemStats trailer") && out.contains("heap?debug=1"),
        "{out}"
    );
}

#[test]
fn explorer_errors_name_the_file() {
    let cpu = fx("j-cpu-profile/cpu.pb.gz");
    let (code, _, err) = run(&["memstats", cpu.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("cpu.pb.gz") && err.contains("heap"), "{err}");
    let heap = fx("h1-substring-retention/heap-0.pb.gz");
    let (code, _, err) = run(&["goroutines", heap.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("heap-0.pb.gz") && err.contains("not a goroutine"),
        "{err}"
    );
    // A trailer cut short: the file and the line.
    let text = std::fs::read_to_string(fx("h1-substring-retention/heap-1.debug1.txt")).unwrap();
    let cut = &text[..text.find("# DebugGC").unwrap()];
    let tmp = std::env::temp_dir().join(format!("leakscope-cut-{}.txt", std::process::id()));
    std::fs::write(&tmp, cut).unwrap();
    let (code, _, err) = run(&["memstats", tmp.to_str().unwrap()]);
    std::fs::remove_file(&tmp).ok();
    assert_eq!(code, 2);
    assert!(
        err.contains("leakscope-cut-") && err.contains("line ") && err.contains("DebugGC"),
        "{err}"
    );
}

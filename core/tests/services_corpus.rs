//! The healthy-services corpus (`tests/fixtures/services`, issue 16) is
//! whole and readable: every file its manifest lists exists and decodes as
//! the profile it claims to be, the goroutine totals match the dumps' own
//! headers, and each leaking run holds its leak's frame at the recorded line.
//! The verdicts themselves are the leak rules' tests; this keeps the evidence
//! they rely on honest.

use leakscope_core::{decode, Profile};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/services")
}

fn manifest() -> Value {
    let text = std::fs::read_to_string(root().join("manifest.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn load(dir: &str, file: &str) -> Profile {
    let path = root().join(dir).join(file);
    let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    decode(&data).unwrap_or_else(|e| panic!("{dir}/{file}: {e}"))
}

fn files<'a>(run: &'a Value, key: &str) -> Vec<&'a str> {
    run["files"][key]
        .as_array()
        .map(|a| a.iter().map(|f| f.as_str().unwrap()).collect())
        .unwrap_or_default()
}

/// Whether some location has a frame of `function` at `file:line`.
fn has_frame(p: &Profile, function: &str, file: &str, line: i64) -> bool {
    p.locations.iter().any(|loc| {
        loc.lines.iter().any(|l| {
            let f = &p.functions[l.function as usize];
            &*f.name == function && &*f.filename == file && l.line == line
        })
    })
}

#[test]
fn manifest_covers_the_corpus() {
    let m = manifest();
    let scenarios = m["scenarios"].as_array().unwrap();
    let healthy = scenarios.iter().filter(|s| s["healthy"] == true).count();
    let leaking = scenarios.len() - healthy;
    assert!(healthy >= 8, "{healthy} healthy scenarios");
    assert!(leaking >= 6, "{leaking} leaking scenarios");
    for s in scenarios {
        let name = s["name"].as_str().unwrap();
        let runs = s["runs"].as_array().unwrap();
        let go127 = runs
            .iter()
            .filter(|r| r["go_version"].as_str().unwrap().starts_with("go1.27"))
            .count();
        assert!(go127 >= 3, "{name}: {go127} Go 1.27 runs");
        if s["healthy"] == true {
            assert_eq!(s["expect"]["max_severity"], "low", "{name}");
            assert!(s["leaks"].as_array().unwrap().is_empty(), "{name}");
        } else {
            assert!(!s["leaks"].as_array().unwrap().is_empty(), "{name}");
        }
        // The recorded line is the program's marked line.
        let src = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join(s["source"].as_str().unwrap()),
        )
        .unwrap();
        for leak in s["leaks"].as_array().unwrap() {
            let line = leak["line"].as_u64().unwrap() as usize;
            assert!(
                src.lines().nth(line - 1).unwrap().contains("LEAK("),
                "{name}: line {line} is not the marked line"
            );
        }
        for run in runs {
            for key in [
                "goroutine.pb.gz",
                "goroutine.debug1",
                "goroutine.debug2",
                "heap.pb.gz",
                "heap.debug1",
                "allocs.pb.gz",
            ] {
                assert_eq!(files(run, key).len(), 4, "{name} {key}: 4 snapshots");
            }
        }
    }
    let go119 = scenarios
        .iter()
        .filter(|s| {
            s["runs"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["go_version"].as_str().unwrap().starts_with("go1.19"))
        })
        .count();
    assert!(go119 >= 6, "{go119} scenarios with Go 1.19 runs");
}

#[test]
fn every_file_decodes_as_what_it_claims() {
    let m = manifest();
    for s in m["scenarios"].as_array().unwrap() {
        for run in s["runs"].as_array().unwrap() {
            let dir = run["dir"].as_str().unwrap();
            let totals = run["goroutines"].as_array().unwrap();
            for (key, kind) in [
                ("goroutine.pb.gz", "goroutine"),
                ("goroutine.debug1", "goroutine"),
                ("goroutine.debug2", "goroutine"),
                ("goroutineleak.pb.gz", "goroutineleak"),
                ("goroutineleak.debug1", "goroutineleak"),
                ("goroutineleak.debug2", ""),
                ("heap.pb.gz", "heap"),
                ("heap.debug1", "heap"),
                ("allocs.pb.gz", "heap"),
            ] {
                for (k, f) in files(run, key).iter().enumerate() {
                    let p = load(dir, f);
                    // Goroutines that a goroutineleak request proved leaked stay
                    // marked `(leaked)` in the process's later debug=2 dumps
                    // (run-2 fetches it at every snapshot); the decoder then
                    // names the dump goroutineleak.
                    let marked = p.goroutines.iter().any(|g| g.leaked);
                    let either = kind.is_empty() || (marked && kind == "goroutine");
                    if !either {
                        assert_eq!(p.kind(), kind, "{dir}/{f}");
                    }
                    if key == "goroutine.debug1" {
                        let total = p.total(p.default_sample_index());
                        assert_eq!(Some(total), totals[k].as_i64(), "{dir}/{f}: total");
                    }
                    if key.ends_with("debug2") {
                        assert!(!p.goroutines.is_empty(), "{dir}/{f}: no goroutines");
                        assert!(p.goroutines.iter().all(|g| g.id > 0), "{dir}/{f}: ids");
                    }
                }
            }
        }
    }
}

#[test]
fn each_leaking_run_holds_its_leak_at_the_recorded_line() {
    let m = manifest();
    for s in m["scenarios"].as_array().unwrap() {
        for leak in s["leaks"].as_array().unwrap() {
            let function = leak["function"].as_str().unwrap();
            if !function.starts_with("main.") {
                continue; // a standard-library site: its line depends on the Go version
            }
            let file = leak["file"].as_str().unwrap();
            let line = leak["line"].as_i64().unwrap();
            let key = if leak["kind"] == "heap" {
                "heap.pb.gz"
            } else {
                "goroutine.pb.gz"
            };
            for run in s["runs"].as_array().unwrap() {
                let dir = run["dir"].as_str().unwrap();
                let last = *files(run, key).last().unwrap();
                assert!(
                    has_frame(&load(dir, last), function, file, line),
                    "{dir}/{last}: no {function} at {file}:{line}"
                );
            }
        }
    }
}

//! The binary prints what the core computes, and fails cleanly.

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

#[test]
fn top_and_traces_match_oracles() {
    let pb = fx("h1-substring-retention/heap-3.pb.gz");
    let (code, out, _) = run(&[
        "top",
        "--nodecount",
        "1000000",
        "--sample-index",
        "alloc_space",
        pb.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        std::fs::read_to_string(fx("h1-substring-retention/heap-3.top.alloc_space.txt")).unwrap()
    );
    let (code, out, _) = run(&[
        "traces",
        fx("a1-chanrecv-leak-n3/goroutine-2.pb.gz")
            .to_str()
            .unwrap(),
    ]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        std::fs::read_to_string(fx("a1-chanrecv-leak-n3/goroutine-2.traces.txt")).unwrap()
    );
}

#[test]
fn top_on_a_debug2_dump() {
    let (code, out, _) = run(&[
        "top",
        fx("a2-chanrecv-leak-n500/goroutine-3.debug2.txt")
            .to_str()
            .unwrap(),
    ]);
    assert_eq!(code, 0);
    assert!(out.contains("Type: goroutine"), "{out}");
    assert!(
        out.lines()
            .any(|l| l.trim_start().starts_with("500 99.40%")
                && l.ends_with("main.searchHandler.func1")),
        "{out}"
    );
}

#[test]
fn bad_file_names_file_and_problem() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let bad = dir.join("half.pb.gz");
    let data = std::fs::read(fx("a1-chanrecv-leak-n3/goroutine-3.pb.gz")).unwrap();
    std::fs::write(&bad, &data[..data.len() / 3]).unwrap();
    let (code, _, err) = run(&["top", bad.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("half.pb.gz") && err.contains("truncated"),
        "{err}"
    );
    let (code, _, err) = run(&[
        "top",
        "--sample-index",
        "nope",
        fx("a1-chanrecv-leak-n3/goroutine-3.pb.gz")
            .to_str()
            .unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown sample type \"nope\""), "{err}");
}

#[test]
fn leaks_json_and_fail_on() {
    let files: Vec<String> = (0..4)
        .map(|k| {
            fx(&format!("b-chansend-unbuffered/goroutine-{k}.debug2.txt"))
                .display()
                .to_string()
        })
        .collect();
    let mut args = vec!["leaks", "--format", "json", "--fail-on", "high"];
    args.extend(files.iter().map(String::as_str));
    let (code, out, _) = run(&args);
    assert_eq!(code, 1, "a high finding trips --fail-on high");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["snapshots"], 4);
    let f = &v["findings"][0];
    for key in [
        "rule",
        "severity",
        "function",
        "file",
        "line",
        "created_by",
        "wait",
        "counts",
        "evidence",
        "fix",
    ] {
        assert!(!f[key].is_null(), "missing {key}: {f}");
    }
    assert_eq!(f["function"], "main.audit");
    assert_eq!(f["counts"], serde_json::json!([10, 20, 30, 40]));

    let healthy: Vec<String> = (0..4)
        .map(|k| {
            fx(&format!("i1-healthy-service/goroutine-{k}.pb.gz"))
                .display()
                .to_string()
        })
        .collect();
    let mut args = vec!["leaks", "--fail-on", "low"];
    args.extend(healthy.iter().map(String::as_str));
    let (code, out, _) = run(&args);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("No leak found in 4 snapshots."), "{out}");
}

#[test]
fn link_prints_a_permalink_that_decodes() {
    let files: Vec<String> = (0..4)
        .map(|k| {
            fx(&format!("a2-chanrecv-leak-n500/goroutine-{k}.pb.gz"))
                .display()
                .to_string()
        })
        .collect();
    let mut args = vec!["link", "--base-url", "https://example.test/ls/"];
    args.extend(files.iter().map(String::as_str));
    let (code, out, _) = run(&args);
    assert_eq!(code, 0);
    let url = out.trim();
    assert!(url.starts_with("https://example.test/ls/#s=2."), "{url}");
    assert!(url.len() <= 2000, "{}", url.len());
    let s = leakscope_core::permalink::decode(url).unwrap();
    assert_eq!(
        s.files,
        vec![
            "goroutine-0.pb.gz",
            "goroutine-1.pb.gz",
            "goroutine-2.pb.gz",
            "goroutine-3.pb.gz"
        ]
    );
    assert_eq!(s.findings[0].counts, vec![0, 167, 334, 500]);
    let (_, default, _) = run(&["link", files[3].as_str()]);
    assert!(
        default.starts_with("https://leakscope.github.io/#s=2."),
        "{default}"
    );
}

#[test]
fn diff_filters_and_granularity_flags() {
    let oracle = |n: &str| {
        std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../core/tests/fixtures/oracles")
                .join(format!("{n}.txt")),
        )
        .unwrap()
    };
    let a = |k: u32| {
        fx(&format!("a2-chanrecv-leak-n500/goroutine-{k}.pb.gz"))
            .display()
            .to_string()
    };
    let (code, out, _) = run(&["top", "--nodecount", "1000000", "--diff-base", &a(1), &a(3)]);
    assert_eq!((code, out), (0, oracle("diff-base")));
    let j = fx("j-cpu-profile/cpu.pb.gz").display().to_string();
    let (code, out, _) = run(&[
        "top",
        "--nodecount",
        "1000000",
        "--tagfocus",
        "phase=fib",
        &j,
    ]);
    assert_eq!((code, out), (0, oracle("tagfocus-phase")));
    let (code, out, _) = run(&["traces", "--focus", "main\\.fib", "--hide", "runtime", &j]);
    assert_eq!((code, out), (0, oracle("traces-focus")));
    let (code, out, _) = run(&[
        "top",
        "--nodecount",
        "1000000",
        "--granularity",
        "files",
        &j,
    ]);
    assert_eq!((code, out), (0, oracle("gran-files")));
    let (code, _, err) = run(&["top", "--ignore", "(", &j]);
    assert_eq!(code, 2);
    assert!(err.contains("ignore: invalid regular expression"), "{err}");
    let heap = fx("h1-substring-retention/heap-0.pb.gz")
        .display()
        .to_string();
    let (code, _, err) = run(&["top", "--base", &heap, &j]);
    assert_eq!(code, 2);
    assert!(err.contains("different kind of profile"), "{err}");
}

#[test]
fn a_closed_pipe_ends_quietly() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let cpu = fx("j-cpu-profile/cpu.pb.gz");
    // The CSV (380 KB, more than a pipe holds) is written while it is made.
    let heap = fx("h1-substring-retention/heap-3.pb.gz");
    for args in [
        vec!["traces", cpu.to_str().unwrap()],
        vec!["traces", "--format", "csv", heap.to_str().unwrap()],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_leakscope"))
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Read a little, then close the pipe, as `| head` does.
        let mut first = [0u8; 16];
        child
            .stdout
            .as_mut()
            .unwrap()
            .read_exact(&mut first)
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?} {err}");
        assert!(
            out.status.code().is_some_and(|c| c == 0),
            "{args:?} {:?} {err}",
            out.status
        );
    }
}

#[test]
fn traces_as_csv_and_filtered() {
    let pb = fx("a1-chanrecv-leak-n3/goroutine-2.pb.gz");
    let pb = pb.to_str().unwrap();
    let sep = "-----------+-------------------------------------------------------\n";
    let (_, text, _) = run(&["traces", pb]);
    // pprof ends the list with a separator too.
    let blocks: Vec<&str> = text.split(sep).skip(1).filter(|b| !b.is_empty()).collect();
    let (code, csv, _) = run(&["traces", "--format", "csv", pb]);
    assert_eq!(code, 0);
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows[0], "value_count,labels,stack");
    assert_eq!(rows.len() - 1, blocks.len());
    // Largest first; each row is a block of the text, frames joined.
    let values: Vec<i64> = rows[1..]
        .iter()
        .map(|r| r.split(',').next().unwrap().parse().unwrap())
        .collect();
    assert!(values.windows(2).all(|w| w[0] >= w[1]), "{values:?}");
    assert!(rows.contains(
        &"2,,runtime.gopark <- runtime.chanrecv <- runtime.chanrecv1 <- main.searchHandler.func1"
    ));

    // --match keeps the stacks with a matching frame, in either format.
    let (code, only, _) = run(&["traces", "--match", "^main\\.", pb]);
    assert_eq!(code, 0);
    let kept: Vec<&str> = only.split(sep).skip(1).filter(|b| !b.is_empty()).collect();
    assert!(!kept.is_empty() && kept.len() < blocks.len());
    assert!(kept
        .iter()
        .all(|b| blocks.contains(b) && b.contains(" main.")));
    let (_, only_csv, _) = run(&["traces", "--format", "csv", "--match", "^main\\.", pb]);
    assert_eq!(only_csv.lines().count() - 1, kept.len());
    assert!(only_csv.lines().skip(1).all(|r| rows.contains(&r)));

    let (code, _, err) = run(&["traces", "--match", "(", pb]);
    assert_eq!(code, 2);
    assert!(err.contains("--match"), "{err}");
}

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
        std::fs::read_to_string(fx(
            "h1-substring-retention/heap-3.go127.top.alloc_space.txt"
        ))
        .unwrap()
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
        std::fs::read_to_string(fx("a1-chanrecv-leak-n3/goroutine-2.go127.traces.txt")).unwrap()
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

/// The field names of the README's documented `leaks` JSON schema.
fn documented_fields() -> std::collections::BTreeSet<String> {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
            .unwrap();
    let section = &readme[readme.find("### `leakscope leaks`").unwrap()..];
    let block = &section[section.find("```json").unwrap() + 7..];
    let block = &block[..block.find("```").unwrap()];
    let mut keys = std::collections::BTreeSet::new();
    for line in block.lines() {
        let code = line.split(" //").next().unwrap();
        let mut rest = code;
        while let Some(i) = rest.find('"') {
            let after = &rest[i + 1..];
            let Some(j) = after.find('"') else { break };
            let word = &after[..j];
            let tail = after[j + 1..].trim_start();
            if tail.starts_with(':') && word.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                keys.insert(word.to_string());
            }
            rest = &after[j + 1..];
        }
    }
    keys
}

fn keys_of(v: &serde_json::Value, out: &mut std::collections::BTreeSet<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                out.insert(k.clone());
                keys_of(x, out);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| keys_of(x, out)),
        _ => {}
    }
}

#[test]
fn leaks_json_has_every_documented_field_and_fail_on() {
    let series = |sc: &str, prefix: &str, ext: &str| -> Vec<String> {
        (0..4)
            .map(|k| {
                fx(&format!("{sc}/{prefix}-{k}.{ext}"))
                    .display()
                    .to_string()
            })
            .collect()
    };
    // Sources where the dumps say they are, for the blocking line.
    let src = std::env::temp_dir().join(format!("leakscope-cli-src-{}", std::process::id()));
    std::fs::create_dir_all(src.join("leakdemo/chanrecv")).unwrap();
    std::fs::copy(
        fx("a3-chanrecv-leak-longwait/main.go"),
        src.join("leakdemo/chanrecv/main.go"),
    )
    .unwrap();
    let sp = src.display().to_string();
    let mut args = vec![
        "leaks",
        "--format",
        "json",
        "--explain",
        "--source-path",
        &sp,
        "--fail-on",
        "high",
    ];
    let files = series("a3-chanrecv-leak-longwait", "goroutine", "debug2.txt");
    args.extend(files.iter().map(String::as_str));
    let (code, out, err) = run(&args);
    assert_eq!(code, 1, "a high finding trips --fail-on high: {err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (v["snapshots"].as_i64(), v["verdict"].as_str()),
        (Some(4), Some("leak"))
    );
    let f = &v["findings"][0];
    assert_eq!(f["function"], "main.searchHandler.func1");
    assert_eq!(f["basis"], "goroutine-ids");
    assert_eq!(f["counts"], serde_json::json!([4, 8, 12, 16]));
    assert_eq!(
        f["survival"]["still_here"],
        serde_json::json!([4, 8, 12, 16])
    );
    assert_eq!(f["survival"]["left"], serde_json::json!([0, 0, 0]));
    assert_eq!(
        f["wait_growth"]["minutes"],
        serde_json::json!([null, null, null, 1])
    );
    assert!(f["wait_growth"]["grew"].as_u64().unwrap() > 0, "{f}");
    assert_eq!(f["created_by"], "main.searchHandler");
    assert!(
        f["blocking_line"].as_str().unwrap().contains("<-results"),
        "{f}"
    );
    assert!(f["fix"].as_str().unwrap().contains("`results`"), "{f}");
    assert!(!v["explain"].as_array().unwrap().is_empty());
    let mut seen = std::collections::BTreeSet::new();
    keys_of(&v, &mut seen);
    // A heap series: the noise estimate.
    let mut args = vec!["leaks", "--format", "json"];
    let files = series("h1-substring-retention", "heap", "pb.gz");
    args.extend(files.iter().map(String::as_str));
    let (_, out, _) = run(&args);
    let h: serde_json::Value = serde_json::from_str(&out).unwrap();
    let n = &h["findings"][0]["noise"];
    assert_eq!(
        n["sample_rate"], 1,
        "h1 was captured with MemProfileRate = 1: {n}"
    );
    assert_eq!(n["sigma"].as_array().unwrap().len(), 4);
    assert_eq!(n["step_sigma"].as_array().unwrap().len(), 3);
    keys_of(&h, &mut seen);
    // Every documented field is in the output, and nothing undocumented.
    let documented = documented_fields();
    assert!(documented.len() > 30, "{documented:?}");
    assert_eq!(seen, documented, "output fields vs README's schema");
    // A finding's fields are always present, null or not.
    for key in [
        "created_at",
        "blocking_line",
        "survival",
        "wait_growth",
        "noise",
        "entry_function",
    ] {
        assert!(
            h["findings"][0].get(key).is_some(),
            "{key} missing from heap finding"
        );
    }
    std::fs::remove_dir_all(&src).ok();

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
    // --explain says why each site was not flagged.
    let mut args = vec!["leaks", "--explain"];
    args.extend(healthy.iter().map(String::as_str));
    let (_, out, _) = run(&args);
    assert!(
        out.contains("Why each site was or was not flagged"),
        "{out}"
    );
    assert!(
        out.contains("[ok] goroutine main.worker leakdemo/healthy/main.go:95 (8 goroutines)"),
        "{out}"
    );
    // Nothing leak checks can use: neutral, never "No leak found".
    let cpu = fx("j-cpu-profile/cpu.pb.gz").display().to_string();
    let (code, out, _) = run(&["leaks", "--fail-on", "low", &cpu]);
    assert_eq!(code, 0);
    assert!(out.starts_with("Leak checks did not run"), "{out}");
    assert!(!out.contains("No leak found"), "{out}");
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

fn real(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../core/tests/fixtures/real")
        .join(rel)
}

/// Names keep their bytes that are not UTF-8 on the way out, as pprof
/// writes them (pyroscope's profile names a function by every byte).
#[test]
fn invalid_utf8_names_are_written_through() {
    let pb = real("grafana-pyroscope/pkg/og/convert/pprof/testdata/invalid_utf8.pb.gz");
    let out = Command::new(env!("CARGO_BIN_EXE_leakscope"))
        .args(["top", "--nodecount", "1000000", pb.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let want = std::fs::read(real(
        "grafana-pyroscope/pkg/og/convert/pprof/testdata/invalid_utf8.pb.gz.go127.top.txt",
    ))
    .unwrap();
    assert!(want.windows(3).any(|w| w == [0x80, 0x81, 0x82]));
    assert_eq!(out.stdout, want);
}

/// `list` finds sources as pprof does (-source_path, -trim_path) and
/// fails as it does.
#[test]
fn list_searches_like_pprof() {
    let notes = "core/tests/fixtures/real/DataDog-go-profiler-notes";
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let cli = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_leakscope"))
            .current_dir(&root)
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let want =
        |name: &str| std::fs::read_to_string(real(&format!("list/{name}.go127.list.txt"))).unwrap();
    let block = format!("{notes}/examples/block-bias/block.pb.gz");
    // The recorded path is /Users/.../examples/block-bias/main.go: the
    // source directory's own name is found in it.
    let (code, out, _) = cli(&[
        "list",
        r"main\.",
        "--source-path",
        &format!("{notes}/examples/block-bias"),
        &block,
    ]);
    assert_eq!((code, out), (0, want("block-bias")));
    let (code, out, _) = cli(&[
        "list",
        "slowEvent",
        "--source-path",
        notes,
        "--trim-path",
        "/Users/felix.geisendoerfer/go/src/github.com/felixge/go-profiler-notes",
        &block,
    ]);
    assert_eq!((code, out), (0, want("block-bias-trim")));
    // Not found: pprof's words, Go's error text (no "(os error 2)").
    let (code, out, _) = cli(&[
        "list",
        "slowEvent",
        "--source-path",
        &format!("{notes}/examples/block-net"),
        &block,
    ]);
    assert_eq!((code, out.clone()), (0, want("block-bias-absent")));
    assert!(out.contains(": no such file or directory\n"), "{out}");
    let (code, _, err) = cli(&["list", "^nothing$", &block]);
    assert_eq!(code, 2);
    assert!(
        err.ends_with("no matches found for regexp: ^nothing$\n"),
        "{err}"
    );
}

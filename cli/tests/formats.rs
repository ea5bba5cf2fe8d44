//! Machine-readable output and shell integration: top and traces as JSON
//! (the schema the README documents), the leak report as the page's
//! Markdown, completions and man pages from the flag definitions, and the
//! exit statuses --help promises.

mod common;
use common::{fx, run};
use serde_json::Value;

#[test]
fn top_json_has_the_texts_numbers() {
    let heap = fx("h1-substring-retention/heap-3.pb.gz")
        .display()
        .to_string();
    let (code, out, err) = run(&[
        "top",
        "--format",
        "json",
        "--sample-index",
        "alloc_space",
        "--nodecount",
        "1000000",
        &heap,
    ]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    for (k, want) in [
        ("schema", Value::from(1)),
        ("report", "top".into()),
        ("kind", "heap".into()),
        ("sample_type", "alloc_space".into()),
        ("unit", "bytes".into()),
        ("granularity", "functions".into()),
    ] {
        assert_eq!(v[k], want, "{k}");
    }
    assert!(v["total"].as_i64().unwrap() > 0 && v["time_nanos"].as_i64().unwrap() > 0);
    // Same rows, same order, as pprof's text (whose values are rounded).
    let (_, text, _) = run(&[
        "top",
        "--sample-index",
        "alloc_space",
        "--nodecount",
        "1000000",
        &heap,
    ]);
    let names: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("flat  flat%"))
        .skip(1)
        .map(|l| l.split("  ").last().unwrap().trim())
        .collect();
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), names.len());
    let total = v["total"].as_f64().unwrap();
    let mut sum = 0.0;
    for (r, name) in rows.iter().zip(&names) {
        let shown = match r["inline"].as_str().unwrap() {
            "" => r["name"].as_str().unwrap().to_string(),
            i => format!("{} {i}", r["name"].as_str().unwrap()),
        };
        assert_eq!(&shown, name);
        let flat = r["flat"].as_f64().unwrap();
        sum += flat;
        assert!((r["flat_percent"].as_f64().unwrap() - flat * 100.0 / total).abs() < 1e-9);
        assert!((r["sum_percent"].as_f64().unwrap() - sum * 100.0 / total).abs() < 1e-9);
        assert!(
            (r["cum_percent"].as_f64().unwrap() - r["cum"].as_f64().unwrap() * 100.0 / total).abs()
                < 1e-9
        );
    }
    // The first row's flat, in bytes, is what the text shows rounded (80MB).
    assert_eq!(rows[0]["name"], "main.fetchDocument");
    assert_eq!(rows[0]["flat"].as_i64().unwrap() >> 20, 80);
    // Filters appear as pprof's Active filters; dropped nodes are counted.
    let (_, out, _) = run(&[
        "top",
        "--format=json",
        "--focus",
        "main",
        "--nodecount",
        "2",
        &heap,
    ]);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["filters"], serde_json::json!(["focus=main"]));
    assert_eq!(v["rows"].as_array().unwrap().len(), 2);
    assert!(v["dropped_nodes"].as_u64().unwrap() > 0);
}

#[test]
fn traces_json_is_the_csv_with_structure() {
    let cpu = fx("j-cpu-profile/cpu.pb.gz").display().to_string();
    let (code, out, err) = run(&["traces", "--format", "json", &cpu]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["report"], "traces");
    assert_eq!(v["unit"], "nanoseconds");
    let traces = v["traces"].as_array().unwrap();
    let (_, csv, _) = run(&["traces", "--format", "csv", &cpu]);
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(traces.len(), rows.len());
    // Row for row: value, labels, frames leaf first.
    for (t, row) in traces.iter().zip(&rows) {
        let frames: Vec<String> = t["frames"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let n = f["name"].as_str().unwrap();
                if f["inline"].as_bool().unwrap() {
                    format!("{n} (inline)")
                } else {
                    n.to_string()
                }
            })
            .collect();
        let labels: Vec<String> = t["labels"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap()))
            .collect();
        let want = format!(
            "{},{},{}",
            t["value"],
            labels.join(" "),
            frames.join(" <- ")
        );
        assert_eq!(&want.replace('"', ""), &row.replace('"', ""));
    }
    assert!(
        traces.iter().any(|t| t["labels"]["phase"] == "fib"),
        "labels by key"
    );
    // --match narrows it; an empty match is a valid empty list.
    let (_, some, _) = run(&[
        "traces",
        "--format",
        "json",
        "--match",
        "^main\\.fib$",
        &cpu,
    ]);
    let n = serde_json::from_str::<Value>(&some).unwrap()["traces"]
        .as_array()
        .unwrap()
        .len();
    assert!(n > 0 && n < traces.len());
    let (_, none, _) = run(&[
        "traces",
        "--format",
        "json",
        "--match",
        "no_such_frame",
        &cpu,
    ]);
    assert_eq!(
        serde_json::from_str::<Value>(&none).unwrap()["traces"],
        serde_json::json!([])
    );
}

#[test]
fn leaks_markdown_is_the_pages_report() {
    let files: Vec<String> = (0..4)
        .map(|k| {
            fx(&format!("b-chansend-unbuffered/goroutine-{k}.debug2.txt"))
                .display()
                .to_string()
        })
        .collect();
    let mut args = vec!["leaks", "--format", "markdown", "--fail-on", "medium"];
    args.extend(files.iter().map(String::as_str));
    let (code, out, _) = run(&args);
    assert_eq!(code, 1, "the finding still trips --fail-on");
    // The same writer the page's "Download Markdown" uses, on the same series.
    let profiles: Vec<_> = files
        .iter()
        .map(|f| leakscope_core::decode(&std::fs::read(f).unwrap()).unwrap())
        .collect();
    let names: Vec<String> = (0..4)
        .map(|k| format!("goroutine-{k}.debug2.txt"))
        .collect();
    let series: Vec<(&str, &leakscope_core::Profile)> = names
        .iter()
        .map(String::as_str)
        .zip(profiles.iter())
        .collect();
    let report = leakscope_core::leak::analyze(&series);
    assert_eq!(out, leakscope_core::export::leaks_markdown(&report, &names));
    assert!(out.starts_with("## leakscope leak report\n"));
    assert!(
        out.contains("| high | chan-send-no-receiver | main.audit"),
        "{out}"
    );
}

#[test]
fn completions_and_man_pages_come_from_the_flags() {
    for (shell, marks) in [
        ("bash", &["_leakscope()", "complete -F _leakscope"][..]),
        ("zsh", &["#compdef leakscope", "_leakscope"][..]),
        ("fish", &["complete -c leakscope"][..]),
    ] {
        let (code, out, err) = run(&["completions", shell]);
        assert_eq!(code, 0, "{shell}: {err}");
        for m in marks {
            assert!(out.contains(m), "{shell}: {m}");
        }
        // Every command, a flag of each kind, and an enum's values.
        for w in [
            "top",
            "traces",
            "leaks",
            "capture",
            "web",
            "--sample-index",
            "--show-from",
            "--no-browser",
            "goroutine-debug2",
            "markdown",
        ] {
            // fish spells a long flag `-l name`.
            let w = match (shell, w.strip_prefix("--")) {
                ("fish", Some(long)) => format!("-l {long}"),
                _ => w.to_string(),
            };
            assert!(out.contains(&w), "{shell} completion lacks {w}");
        }
    }
    let (code, _, err) = run(&["completions", "tcsh"]);
    assert_eq!(code, 2);
    assert!(err.contains("possible values: bash"), "{err}");
    let (code, man, _) = run(&["man"]);
    assert_eq!(code, 0);
    assert!(man.contains(".TH leakscope 1") && man.contains("leakscope\\-capture(1)"));
    assert!(
        man.contains("Exit status: 0 success; 1 a \\-\\-fail\\-on threshold was met; 2 an error"),
        "exit statuses in the man page"
    );
    let (code, man, _) = run(&["man", "capture"]);
    assert_eq!(code, 0);
    assert!(man.contains(".TH leakscope-capture 1"), "{}", &man[..300]);
    assert!(man.contains("\\-\\-every") && man.contains("goroutine\\-debug2"));
    let (code, _, err) = run(&["man", "nope"]);
    assert_eq!((code, err.contains("no command \"nope\"")), (2, true));
}

#[test]
fn exit_statuses_are_told_and_kept() {
    for cmd in [
        &["--help"][..],
        &["top", "--help"],
        &["leaks", "--help"],
        &["capture", "--help"],
    ] {
        let (code, out, _) = run(cmd);
        assert_eq!(code, 0);
        assert!(
            out.contains("Exit status: 0 success; 1 a --fail-on threshold was met; 2 an error"),
            "{cmd:?}"
        );
    }
    // 2 for a usage error, with the valid values of an enum.
    let (code, _, err) = run(&["leaks", "--format", "yaml", "x"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("[possible values: text, json, markdown]"),
        "{err}"
    );
    let (code, _, err) = run(&["top", "--format", "xml", "x"]);
    assert_eq!(code, 2);
    assert!(err.contains("[possible values: text, json]"), "{err}");
}

#[test]
fn the_published_address_is_one_setting() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let site = std::fs::read_to_string(root.join("site-url")).unwrap();
    let site = site.trim();
    assert!(
        site.starts_with("https://") && site.ends_with('/'),
        "{site}"
    );
    let f = fx("a2-chanrecv-leak-n500/goroutine-3.pb.gz")
        .display()
        .to_string();
    let (code, out, _) = run(&["link", &f]);
    assert_eq!(code, 0);
    assert!(out.starts_with(&format!("{site}#s=")), "{out}");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(readme.contains(&format!("base URL is `{site}`")));
    // The Pages workflow sets it before building the site.
    let pages = std::fs::read_to_string(root.join(".github/workflows/pages.yml")).unwrap();
    assert!(pages.contains("> site-url") && pages.contains("make build"));
}

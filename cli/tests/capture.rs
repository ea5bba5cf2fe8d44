//! `leakscope capture` and URL sources, against a stub /debug/pprof/ that
//! serves real fixture bytes over HTTP on 127.0.0.1, and misbehaves:
//! refused connections, no answer, 404, an HTML page, a cut series.

mod common;
use common::{fx, run, tmpdir, Reply, Stub};
use std::path::PathBuf;

fn series(form: &str) -> Vec<PathBuf> {
    (0..4)
        .map(|k| fx(&format!("a2-chanrecv-leak-n500/goroutine-{k}.{form}")))
        .collect()
}

fn strs(v: &[PathBuf]) -> Vec<String> {
    v.iter().map(|p| p.display().to_string()).collect()
}

#[test]
fn a_series_is_captured_named_by_kind_and_time_and_handed_to_leaks() {
    let stub = Stub::start(vec![
        (
            "/debug/pprof/goroutine?debug=2",
            Reply::Series(series("debug2.txt")),
        ),
        ("/debug/pprof/goroutine", Reply::Series(series("pb.gz"))),
    ]);
    let dir = tmpdir("capture-series");
    let (code, out, err) = run(&[
        "capture",
        &stub.url(""),
        "--profiles",
        "goroutine-debug2,goroutine",
        "--every",
        "0s",
        "--count",
        "4",
        "-o",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    // Progress on stderr, one line per snapshot.
    for k in 1..=4 {
        assert!(err.contains(&format!("snapshot {k}/4 at ")), "{err}");
    }
    // The paths on stdout, in capture order, named kind-TIME.form.
    let paths: Vec<PathBuf> = out.lines().map(PathBuf::from).collect();
    assert_eq!(paths.len(), 8, "{out}");
    let re =
        regex_lite::Regex::new(r"^goroutine-\d{8}T\d{6}Z(-\d+)?\.(debug2\.txt|pb\.gz)$").unwrap();
    for p in &paths {
        let name = p.file_name().unwrap().to_str().unwrap();
        assert!(re.is_match(name), "{name}");
        assert!(p.starts_with(&dir));
    }
    // Each file is what the service sent, in order.
    let (text, pb) = (series("debug2.txt"), series("pb.gz"));
    for k in 0..4 {
        assert_eq!(
            std::fs::read(&paths[2 * k]).unwrap(),
            std::fs::read(&text[k]).unwrap()
        );
        assert_eq!(
            std::fs::read(&paths[2 * k + 1]).unwrap(),
            std::fs::read(&pb[k]).unwrap()
        );
    }
    assert_eq!(stub.hits("/debug/pprof/goroutine?debug=2"), 4);

    // --then leaks: the debug=2 series (one form per kind), with the
    // arguments after --, equal to `leakscope leaks` on the files.
    let stub = Stub::start(vec![
        (
            "/debug/pprof/goroutine?debug=2",
            Reply::Series(series("debug2.txt")),
        ),
        ("/debug/pprof/goroutine", Reply::Series(series("pb.gz"))),
    ]);
    let dir = tmpdir("capture-then");
    let (code, out, err) = run(&[
        "capture",
        &stub.url("/debug/pprof/"),
        "--profiles=goroutine-debug2,goroutine",
        "--every=0s",
        "--count=4",
        "-o",
        dir.to_str().unwrap(),
        "--then",
        "leaks",
        "--",
        "--format",
        "json",
        "--fail-on",
        "medium",
    ]);
    let mut args = vec!["leaks", "--format", "json", "--fail-on", "medium"];
    let files = strs(&text);
    args.extend(files.iter().map(String::as_str));
    let (want_code, want, _) = run(&args);
    assert_eq!((code, &out), (want_code, &want), "{err}");
    assert_eq!(code, 1, "the leak trips --fail-on medium");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["snapshots"], 4);
    assert_eq!(
        v["findings"][0]["counts"],
        serde_json::json!([0, 167, 334, 500])
    );
}

#[test]
fn every_command_reads_a_url_as_pprof_does() {
    let heap = fx("h1-substring-retention/heap-3.pb.gz");
    let cpu = fx("j-cpu-profile/cpu.pb.gz");
    let stub = Stub::start(vec![
        ("/debug/pprof/heap", Reply::Series(vec![heap.clone()])),
        (
            "/debug/pprof/profile?seconds=2",
            Reply::Series(vec![cpu.clone()]),
        ),
        ("/debug/pprof/goroutine", Reply::Series(series("pb.gz"))),
    ]);
    let (code, out, err) = run(&[
        "top",
        "-sample_index=alloc_space",
        &stub.url("/debug/pprof/heap"),
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        run(&[
            "top",
            "--sample-index",
            "alloc_space",
            heap.to_str().unwrap()
        ])
        .1
    );
    // pprof's host:port shorthand is the CPU profile; -seconds sets its length.
    let hostport = format!("127.0.0.1:{}", stub.port);
    let (code, out, err) = run(&["traces", "-seconds", "2", &hostport]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, run(&["traces", cpu.to_str().unwrap()]).1);
    // leaks and link take URLs too (a series from one endpoint).
    let g = stub.url("/debug/pprof/goroutine");
    let (code, out, err) = run(&["leaks", "--format", "json", &g, &g, &g, &g]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["findings"][0]["counts"],
        serde_json::json!([0, 167, 334, 500])
    );
}

#[test]
fn failures_are_named_and_a_partial_series_is_kept() {
    let html = tmpdir("capture-html").join("page.html");
    std::fs::write(
        &html,
        "<!DOCTYPE html><html><body>pprof index</body></html>",
    )
    .unwrap();
    let stub = Stub::start(vec![
        (
            "/debug/pprof/goroutine?debug=2",
            Reply::Series({
                let mut s = series("debug2.txt");
                s.truncate(2);
                s.push(html.clone());
                s
            }),
        ),
        (
            "/html/debug/pprof/heap",
            Reply::Fixed(
                200,
                "text/html; charset=utf-8",
                b"<html><body>login</body></html>".to_vec(),
            ),
        ),
        (
            "/text/debug/pprof/heap",
            Reply::Fixed(200, "text/plain", b"hello, world\n".to_vec()),
        ),
        (
            "/err/debug/pprof/heap",
            Reply::Fixed(500, "text/plain", b"could not enable profiling\n".to_vec()),
        ),
        ("/hang/debug/pprof/heap", Reply::Hang),
    ]);
    // The third snapshot is a web page: two are kept, the error says so.
    let dir = tmpdir("capture-partial");
    let (code, out, err) = run(&[
        "capture",
        &stub.url(""),
        "--profiles",
        "goroutine-debug2",
        "--every",
        "0s",
        "--count",
        "4",
        "-o",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("snapshot 3/4") && err.contains("web page"),
        "{err}"
    );
    assert!(err.contains("kept 2 file(s)"), "{err}");
    let kept: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(kept.len(), 2, "{kept:?}");
    assert!(kept
        .iter()
        .all(|p| p.to_str().unwrap().ends_with(".debug2.txt")));

    let fails = |url: String, extra: &[&str]| {
        let mut args = vec!["top", url.as_str()];
        args.extend_from_slice(extra);
        let (code, out, err) = run(&args);
        assert_eq!(code, 2, "{url}: {out}");
        assert!(err.contains(&url), "names the URL: {err}");
        err
    };
    let err = fails(stub.url("/html/debug/pprof/heap"), &[]);
    assert!(err.contains("web page (Content-Type text/html"), "{err}");
    let err = fails(stub.url("/text/debug/pprof/heap"), &[]);
    assert!(
        err.contains("not a profile") || err.contains("unrecognized"),
        "{err}"
    );
    let err = fails(stub.url("/nothing/debug/pprof/heap"), &[]);
    assert!(
        err.contains("HTTP 404") && err.contains("Unknown profile"),
        "{err}"
    );
    let err = fails(stub.url("/err/debug/pprof/heap"), &[]);
    assert!(
        err.contains("HTTP 500") && err.contains("could not enable profiling"),
        "{err}"
    );
    let t = std::time::Instant::now();
    let err = fails(stub.url("/hang/debug/pprof/heap"), &["-timeout=1"]);
    assert!(err.contains("no complete answer within 1s"), "{err}");
    assert!(t.elapsed().as_secs() < 10);
    // Nothing listens on a port just freed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = fails(format!("http://127.0.0.1:{port}/debug/pprof/heap"), &[]);
    assert!(
        err.contains("could not connect") && err.contains("refused"),
        "{err}"
    );
    let (code, _, err) = run(&[
        "capture",
        &format!("127.0.0.1:{port}"),
        "--count",
        "1",
        "-o",
        tmpdir("capture-refused").to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("could not connect") && err.contains("kept 0 file(s)"),
        "{err}"
    );
    let (code, _, err) = run(&["top", "https://example.invalid/debug/pprof/heap"]);
    assert_eq!(code, 2);
    assert!(err.contains("https is not supported"), "{err}");
    // A typo in an enum lists the valid values.
    let (code, _, err) = run(&["capture", &stub.url(""), "--profiles", "goroutines"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("possible values") && err.contains("goroutine-debug2"),
        "{err}"
    );
}

#[test]
fn then_web_serves_the_whole_series() {
    use std::io::{BufRead, BufReader, Read, Write};
    let stub = Stub::start(vec![
        ("/debug/pprof/goroutine", Reply::Series(series("pb.gz"))),
        (
            "/debug/pprof/heap",
            Reply::Series(vec![fx("h1-substring-retention/heap-3.pb.gz")]),
        ),
    ]);
    let site = tmpdir("capture-web-site");
    std::fs::write(site.join("index.html"), "<!DOCTYPE html>").unwrap();
    let dir = tmpdir("capture-web");
    let mut child = common::bin()
        .args([
            "capture",
            &stub.url(""),
            "--profiles",
            "goroutine,heap",
            "--every",
            "0s",
            "--count",
            "2",
            "-o",
            dir.to_str().unwrap(),
            "--then",
            "web",
            "--",
            "--no-browser",
            "--site",
            site.to_str().unwrap(),
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let (port, token) = line
        .trim()
        .strip_prefix("http://127.0.0.1:")
        .and_then(|r| r.split_once("/#files="))
        .unwrap_or_else(|| panic!("{line}"));
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port.parse::<u16>().unwrap())).unwrap();
    write!(
        s,
        "GET /files/{token}/index.json HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"
    )
    .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let body = resp.split("\r\n\r\n").nth(1).unwrap();
    let v: serde_json::Value = serde_json::from_str(body).unwrap();
    let names: Vec<&str> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 4, "{names:?}");
    assert_eq!(
        names
            .iter()
            .filter(|n| n.starts_with("goroutine-") && n.ends_with(".pb.gz"))
            .count(),
        2
    );
    assert_eq!(names.iter().filter(|n| n.starts_with("heap-")).count(), 2);
}

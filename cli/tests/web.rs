//! `leakscope web`: the page and the files on 127.0.0.1 only, the files
//! under a random token only, from memory. (The browser test in
//! e2e/tests/web.test.mjs drives the real page against it.)

mod common;
use common::{bin, fx, tmpdir, Reply, Stub};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};

/// A running `leakscope web`; stopped when dropped.
struct Web {
    child: Child,
    port: u16,
    token: String,
}

impl Drop for Web {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(args: &[&str]) -> Web {
    let mut child = bin()
        .arg("web")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim();
    let rest = url
        .strip_prefix("http://127.0.0.1:")
        .unwrap_or_else(|| panic!("{url}"));
    let (port, frag) = rest.split_once("/#files=").unwrap();
    Web {
        child,
        port: port.parse().unwrap(),
        token: frag.to_string(),
    }
}

/// Status, headers (lower-cased names) and body of a GET with this Host.
fn get(port: u16, path: &str, host: &str) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut all = Vec::new();
    s.read_to_end(&mut all).unwrap();
    let split = all.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&all[..split]).to_ascii_lowercase();
    let code = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (code, head, all[split + 4..].to_vec())
}

/// A stand-in page in its own folder (tests run in parallel).
fn site(name: &str) -> String {
    let d = tmpdir(&format!("web-site-{name}"));
    std::fs::write(
        d.join("index.html"),
        "<!DOCTYPE html><title>leakscope</title>",
    )
    .unwrap();
    std::fs::write(d.join("boot.js"), "import init from './leakscope-app.js';").unwrap();
    d.display().to_string()
}

#[test]
fn serves_the_page_and_the_files_on_loopback_under_the_token() {
    let a = fx("a2-chanrecv-leak-n500/goroutine-1.pb.gz");
    let b = fx("a2-chanrecv-leak-n500/goroutine-3.debug2.txt");
    let src = fx("a2-chanrecv-leak-n500/main.go");
    let site = site("s1");
    let w = start(&[
        "-no_browser",
        "--port",
        "0",
        "--site",
        &site,
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        src.to_str().unwrap(),
    ]);
    assert_eq!(w.token.len(), 32);
    let host = format!("127.0.0.1:{}", w.port);
    // The page.
    let (code, head, body) = get(w.port, "/", &host);
    assert_eq!(code, 200);
    assert!(head.contains("content-type: text/html"));
    assert_eq!(body, std::fs::read(format!("{site}/index.html")).unwrap());
    let (code, head, _) = get(w.port, "/boot.js", &format!("localhost:{}", w.port));
    assert_eq!(code, 200);
    assert!(head.contains("content-type: text/javascript"));
    // The files: their names, then their bytes, from memory.
    let (code, head, body) = get(w.port, &format!("/files/{}/index.json", w.token), &host);
    assert_eq!(code, 200);
    assert!(
        head.contains("cache-control: no-store")
            && head.contains("cross-origin-resource-policy: same-origin")
    );
    assert!(
        !head.contains("access-control-allow-origin"),
        "no CORS: other pages cannot read"
    );
    let index: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        index["files"],
        serde_json::json!(["goroutine-1.pb.gz", "goroutine-3.debug2.txt", "main.go"])
    );
    for (i, f) in [&a, &b, &src].iter().enumerate() {
        let (code, _, body) = get(w.port, &format!("/files/{}/{i}", w.token), &host);
        assert_eq!(code, 200);
        assert_eq!(body, std::fs::read(f).unwrap(), "{}", f.display());
    }
    // No token, a wrong one, a wrong index: nothing.
    let mut wrong = w.token.clone().into_bytes();
    wrong[0] = if wrong[0] == b'a' { b'b' } else { b'a' };
    let wrong = String::from_utf8(wrong).unwrap();
    for path in [
        "/files/0".to_string(),
        "/files//0".to_string(),
        format!("/files/{wrong}/0"),
        format!("/files/{wrong}/index.json"),
        format!("/files/{}/3", w.token),
        format!("/files/{}/../index.html", w.token),
        "/../../etc/passwd".to_string(),
    ] {
        let (code, _, body) = get(w.port, &path, &host);
        assert_eq!(code, 404, "{path}");
        assert!(!body.starts_with(b"\x1f\x8b"), "{path}");
    }
    // Another name for this address (DNS rebinding) is refused, token or not.
    let (code, _, _) = get(
        w.port,
        &format!("/files/{}/0", w.token),
        &format!("evil.example:{}", w.port),
    );
    assert_eq!(code, 403);
    let (code, _, _) = get(w.port, "/", "evil.example");
    assert_eq!(code, 403);
    // GET only.
    let mut s = TcpStream::connect(("127.0.0.1", w.port)).unwrap();
    write!(
        s,
        "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\n\r\n"
    )
    .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    assert!(resp.starts_with("HTTP/1.1 405"), "{resp}");
}

#[test]
fn listens_on_127_0_0_1_only() {
    let a = fx("a1-chanrecv-leak-n3/goroutine-3.pb.gz");
    let w = start(&["--no-browser", "--site", &site("s2"), a.to_str().unwrap()]);
    // Another loopback address reaches a socket bound to every interface
    // (0.0.0.0), not one bound to 127.0.0.1.
    assert!(TcpStream::connect(("127.0.0.2", w.port)).is_err());
    assert!(TcpStream::connect(("127.0.0.1", w.port)).is_ok());
    // The kernel's own table: the listening socket's address is 127.0.0.1.
    if let Ok(tcp) = std::fs::read_to_string("/proc/net/tcp") {
        let port = format!(":{:04X}", w.port);
        let listening: Vec<&str> = tcp
            .lines()
            .filter(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                f.len() > 3 && f[1].ends_with(&port) && f[3] == "0A"
            })
            .collect();
        assert_eq!(listening.len(), 1, "{listening:?}");
        assert!(
            listening[0]
                .split_whitespace()
                .nth(1)
                .unwrap()
                .starts_with("0100007F:"),
            "{}",
            listening[0]
        );
    }
    // Nor on IPv6.
    assert!(TcpStream::connect(("::1", w.port)).is_err());
}

#[test]
fn urls_are_fetched_first_and_a_site_is_needed() {
    let heap = fx("h1-substring-retention/heap-3.pb.gz");
    let stub = Stub::start(vec![(
        "/debug/pprof/heap",
        Reply::Series(vec![heap.clone()]),
    )]);
    let w = start(&[
        "--no-browser",
        "--site",
        &site("s3"),
        &stub.url("/debug/pprof/heap"),
    ]);
    let host = format!("127.0.0.1:{}", w.port);
    let (_, _, body) = get(w.port, &format!("/files/{}/index.json", w.token), &host);
    assert_eq!(String::from_utf8_lossy(&body), r#"{"files":["heap"]}"#);
    let (_, _, body) = get(w.port, &format!("/files/{}/0", w.token), &host);
    assert_eq!(body, std::fs::read(&heap).unwrap());
    assert_eq!(
        stub.hits("/debug/pprof/heap"),
        1,
        "fetched once, served from memory"
    );
    let (_, _, _) = get(w.port, &format!("/files/{}/0", w.token), &host);
    assert_eq!(stub.hits("/debug/pprof/heap"), 1);

    // A folder adds its Go sources, named below the folder.
    let w = start(&[
        "--no-browser",
        "--site",
        &site("s4"),
        fx("j-cpu-profile").to_str().unwrap(),
    ]);
    let (_, _, body) = get(
        w.port,
        &format!("/files/{}/index.json", w.token),
        &format!("127.0.0.1:{}", w.port),
    );
    assert_eq!(
        String::from_utf8_lossy(&body),
        r#"{"files":["j-cpu-profile/main.go"]}"#
    );

    // A failed fetch or a missing site: exit 2 with the reason.
    let out = bin()
        .args([
            "web",
            "--no-browser",
            "--site",
            &site("s5"),
            &stub.url("/debug/pprof/nope"),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("HTTP 404"));
    let out = bin()
        .args([
            "web",
            "--no-browser",
            "--site",
            "/nonexistent",
            heap.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no index.html"));
}

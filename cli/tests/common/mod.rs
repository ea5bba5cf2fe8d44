//! Helpers shared by the CLI's tests: running the binary, fixtures, and a
//! stub of a Go service's /debug/pprof/ that serves real fixture bytes
//! over HTTP on 127.0.0.1 (and misbehaves on request).
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

pub fn fx(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../core/tests/fixtures/go")
        .join(rel)
}

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_leakscope"))
}

/// Exit code, stdout, stderr.
pub fn run(args: &[&str]) -> (i32, String, String) {
    let out = bin().args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

/// A fresh empty directory under the target's temp dir.
pub fn tmpdir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// How the stub answers one path (with its query).
#[derive(Clone)]
pub enum Reply {
    /// These files in turn, one per request (the last one repeats), sent
    /// chunked as Go's net/http sends a profile.
    Series(Vec<PathBuf>),
    /// Fixed status, content type and body, with a Content-Length.
    Fixed(u16, &'static str, Vec<u8>),
    /// Reads the request and never answers.
    Hang,
}

/// A stub /debug/pprof/ on 127.0.0.1; `hits` counts requests per path.
pub struct Stub {
    pub port: u16,
    pub hits: Arc<Mutex<HashMap<String, usize>>>,
}

impl Stub {
    pub fn start(routes: Vec<(&str, Reply)>) -> Stub {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let routes: Arc<HashMap<String, Reply>> = Arc::new(
            routes
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        );
        let hits: Arc<Mutex<HashMap<String, usize>>> = Default::default();
        let h = hits.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let (routes, hits) = (routes.clone(), h.clone());
                std::thread::spawn(move || serve(conn, &routes, &hits));
            }
        });
        Stub { port, hits }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }
}

fn serve(
    mut conn: TcpStream,
    routes: &HashMap<String, Reply>,
    hits: &Mutex<HashMap<String, usize>>,
) {
    let mut r = BufReader::new(conn.try_clone().unwrap());
    let mut line = String::new();
    if r.read_line(&mut line).is_err() {
        return;
    }
    loop {
        let mut h = String::new();
        if r.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
            break;
        }
    }
    let target = line.split_whitespace().nth(1).unwrap_or("").to_string();
    let n = {
        let mut m = hits.lock().unwrap();
        let c = m.entry(target.clone()).or_default();
        *c += 1;
        *c - 1
    };
    match routes.get(&target) {
        Some(Reply::Series(files)) => {
            let body = std::fs::read(&files[n.min(files.len() - 1)]).unwrap();
            let _ = write!(
                conn,
                "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
            );
            for chunk in body.chunks(4000) {
                let _ = write!(conn, "{:x}\r\n", chunk.len());
                let _ = conn.write_all(chunk);
                let _ = conn.write_all(b"\r\n");
            }
            let _ = conn.write_all(b"0\r\n\r\n");
        }
        Some(Reply::Fixed(code, ctype, body)) => {
            let _ = write!(
                conn,
                "HTTP/1.1 {code} X\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n\r\n",
                body.len()
            );
            let _ = conn.write_all(body);
        }
        Some(Reply::Hang) => {
            std::thread::sleep(std::time::Duration::from_secs(30));
        }
        None => {
            let body = b"Unknown profile\n";
            let _ = write!(
                conn,
                "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\n\r\n",
                body.len()
            );
            let _ = conn.write_all(body);
        }
    }
}

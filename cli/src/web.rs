//! `leakscope web`: the page, served on 127.0.0.1 with the given files
//! already open, like `go tool pprof -http`. The page is the static site's
//! own build (built into the binary with the `embed-site` feature, or read
//! from `--site DIR`); it learns of the files from its URL's fragment
//! (`#files=TOKEN`, never sent in a request line or a Referer) and fetches
//! them from `files/TOKEN/...`, which this server answers from memory.
//!
//! Architecture invariant: the listener binds 127.0.0.1 and nothing else;
//! files are served only under the random token (128 bits from the OS),
//! only to requests whose Host is this loopback address (a DNS-rebound
//! name is refused), with `Cross-Origin-Resource-Policy: same-origin` and
//! no CORS header, so neither another local user nor another page can
//! read them. The server makes no request of its own.

use crate::fetch;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

mod site {
    include!(concat!(env!("OUT_DIR"), "/site.rs"));
}

/// `leakscope web`'s flags.
#[derive(clap::Args, Debug)]
pub struct WebArgs {
    /// Port on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Print the URL without opening a browser.
    #[arg(long = "no-browser")]
    pub no_browser: bool,
    /// Serve the page from DIR (a `trunk build` output) instead of the
    /// one built into this binary.
    #[arg(long, value_name = "DIR")]
    pub site: Option<PathBuf>,
    /// Profiles (files or /debug/pprof/ URLs), .go sources, or folders of
    /// sources (their .go files are sent for the Source view).
    #[arg(value_name = "FILE|URL")]
    pub files: Vec<PathBuf>,
}

/// Where the page's own files come from.
enum Site {
    Embedded,
    Dir(PathBuf),
}

impl Site {
    fn get(&self, path: &str) -> Option<std::borrow::Cow<'static, [u8]>> {
        match self {
            Site::Embedded => site::SITE
                .iter()
                .find(|(p, _)| *p == path)
                .map(|(_, b)| std::borrow::Cow::Borrowed(*b)),
            Site::Dir(d) => {
                if path
                    .split('/')
                    .any(|s| s == ".." || s.starts_with('.') && s.len() > 1)
                {
                    return None;
                }
                let f = d.join(path);
                f.is_file()
                    .then(|| std::fs::read(f).ok().map(std::borrow::Cow::Owned))
                    .flatten()
            }
        }
    }
}

/// What the server holds.
struct Served {
    token: String,
    /// (name the page shows, bytes).
    files: Vec<(String, Vec<u8>)>,
    site: Site,
    /// The Host values accepted: `127.0.0.1:PORT` and `localhost:PORT`.
    hosts: [String; 2],
}

/// The most source files a folder argument may contribute, and bytes.
const MAX_SOURCES: usize = 5000;
const MAX_SOURCE_BYTES: usize = 64 << 20;

/// Reads the files (fetching URLs), binds, prints the URL, opens the
/// browser and serves until the process is stopped (Ctrl-C).
pub fn run(a: WebArgs, max: usize) -> Result<(String, u8), String> {
    let site = match &a.site {
        Some(d) => {
            if !d.join("index.html").is_file() {
                return Err(format!("--site {}: no index.html there", d.display()));
            }
            Site::Dir(d.clone())
        }
        None if site::SITE.is_empty() => {
            return Err(
                "this leakscope was built without the page: build it with `make cli` \
                 (trunk build, then cargo build --features embed-site), or pass --site DIR \
                 with a `trunk build` output (dist/)"
                    .into(),
            )
        }
        None => Site::Embedded,
    };
    let mut files = Vec::new();
    for f in &a.files {
        if f.is_dir() {
            add_sources(f, &mut files)?;
            continue;
        }
        let bytes = fetch::read_source(f, max)?;
        files.push((display_name(f), bytes));
    }
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, a.port)))
        .map_err(|e| format!("127.0.0.1:{}: {e}", a.port))?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let served = Arc::new(Served {
        token: token()?,
        files,
        site,
        hosts: [format!("127.0.0.1:{port}"), format!("localhost:{port}")],
    });
    let url = format!("http://127.0.0.1:{port}/#files={}", served.token);
    // The URL alone on stdout, for scripts; the rest is for people.
    println!("{url}");
    let _ = std::io::stdout().flush();
    eprintln!(
        "leakscope: serving the page with {} file(s) on 127.0.0.1:{port} only (Ctrl-C to stop)",
        served.files.len()
    );
    if !a.no_browser {
        open_browser(&url);
    }
    for conn in listener.incoming() {
        let Ok(conn) = conn else { continue };
        let served = served.clone();
        std::thread::spawn(move || {
            let _ = handle(conn, &served);
        });
    }
    Ok((String::new(), 0))
}

/// The name the page shows for a FILE: a file's name, a URL's kind and
/// query (`heap`, `goroutine?debug=2`).
fn display_name(f: &Path) -> String {
    let s = f.to_string_lossy();
    if fetch::is_url(&s) {
        let rest = s.split_once("://").map(|x| x.1).unwrap_or(&s);
        let path = rest.find('/').map(|i| &rest[i..]).unwrap_or("/profile");
        let (p, q) = path.split_once('?').unwrap_or((path, ""));
        let name = p
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or("profile");
        return if q.is_empty() {
            name.to_string()
        } else {
            format!("{name}?{q}")
        };
    }
    f.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| s.into_owned())
}

/// The `.go` and `.s` files under a folder, named by their path below it
/// (the page matches a profile's file paths by their longest suffix).
fn add_sources(dir: &Path, files: &mut Vec<(String, Vec<u8>)>) -> Result<(), String> {
    // Named below the folder's own name: `proj/pkg/x.go`.
    let top = dir
        .canonicalize()
        .ok()
        .and_then(|c| c.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default();
    let mut todo = vec![dir.to_path_buf()];
    let (mut count, mut bytes) = (0usize, 0usize);
    while let Some(d) = todo.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| format!("{}: {e}", d.display()))?;
        for e in entries.flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if p.is_dir() {
                if !name.starts_with('.') && name != "node_modules" {
                    todo.push(p);
                }
                continue;
            }
            if !(name.ends_with(".go") || name.ends_with(".s")) {
                continue;
            }
            let data = std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))?;
            count += 1;
            bytes += data.len();
            if count > MAX_SOURCES || bytes > MAX_SOURCE_BYTES {
                return Err(format!(
                    "{}: more than {MAX_SOURCES} sources or {} MB: name a smaller folder",
                    dir.display(),
                    MAX_SOURCE_BYTES >> 20
                ));
            }
            let rel = p
                .strip_prefix(dir)
                .unwrap_or(&p)
                .to_string_lossy()
                .replace('\\', "/");
            files.push((format!("{top}/{rel}"), data));
        }
    }
    Ok(())
}

/// 128 random bits from the OS, as hex.
fn token() -> Result<String, String> {
    let mut b = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut b))
        .or_else(|_| {
            // Without /dev/urandom: std's hasher keys are seeded from the OS.
            use std::hash::{BuildHasher, Hasher};
            for chunk in b.chunks_mut(8) {
                let mut h = std::collections::hash_map::RandomState::new().build_hasher();
                h.write_u128(
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map(|d| d.as_nanos())
                        .unwrap_or(0),
                );
                chunk.copy_from_slice(&h.finish().to_le_bytes());
            }
            Ok::<(), std::io::Error>(())
        })
        .map_err(|e| format!("no randomness for the token: {e}"))?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// Opens the URL in the default browser. The URL (and its token) go
/// through a private file that redirects, as Jupyter does, so the token
/// is not in the browser's command line where other users could see it.
fn open_browser(url: &str) {
    let page = redirect_file(url);
    let target = page
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| url.to_string());
    let mut cmd = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        let mut c = std::process::Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    } else {
        std::process::Command::new("xdg-open")
    };
    let opened = cmd
        .arg(&target)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if opened.is_err() {
        eprintln!("leakscope: could not start a browser; open the URL above");
    }
    if let Some(p) = page {
        // The browser reads it at once; it must not outlive the server long.
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(30));
            let _ = std::fs::remove_file(&p);
            let _ = p.parent().map(std::fs::remove_dir);
        });
    }
}

/// A file readable by this user only, redirecting to `url`.
fn redirect_file(url: &str) -> Option<PathBuf> {
    let dir = std::env::temp_dir().join(format!("leakscope-web-{}", std::process::id()));
    let mut b = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(&dir).ok()?;
    let path = dir.join("open.html");
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let mut f = o.open(&path).ok()?;
    writeln!(
        f,
        "<!DOCTYPE html><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"0;url={url}\"><title>leakscope</title><a href=\"{url}\">Open leakscope</a>"
    )
    .ok()?;
    Some(path)
}

/// Constant-time comparison of the token.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "go" | "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// One response, then the connection closes.
fn respond(
    w: &mut TcpStream,
    head_only: bool,
    status: &str,
    ctype: &str,
    extra: &str,
    body: &[u8],
) -> std::io::Result<()> {
    write!(
        w,
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n\
         X-Content-Type-Options: nosniff\r\nReferrer-Policy: no-referrer\r\n\
         Cross-Origin-Resource-Policy: same-origin\r\n{extra}Connection: close\r\n\r\n",
        body.len()
    )?;
    if !head_only {
        w.write_all(body)?;
    }
    w.flush()
}

fn handle(mut conn: TcpStream, s: &Served) -> std::io::Result<()> {
    conn.set_read_timeout(Some(Duration::from_secs(10)))?;
    conn.set_write_timeout(Some(Duration::from_secs(60)))?;
    let mut r = BufReader::new(conn.try_clone()?).take(32 << 10);
    let mut line = String::new();
    r.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let mut host = String::new();
    loop {
        let mut h = String::new();
        if r.read_line(&mut h)? == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            if k.trim().eq_ignore_ascii_case("host") {
                host = v.trim().to_ascii_lowercase();
            }
        }
    }
    let text = "text/plain; charset=utf-8";
    let head = method == "HEAD";
    if method != "GET" && !head {
        return respond(
            &mut conn,
            false,
            "405 Method Not Allowed",
            text,
            "Allow: GET, HEAD\r\n",
            b"GET only\n",
        );
    }
    if !s.hosts.contains(&host) {
        return respond(
            &mut conn,
            head,
            "403 Forbidden",
            text,
            "",
            b"this server answers 127.0.0.1 and localhost only\n",
        );
    }
    let path = target.split(['?', '#']).next().unwrap_or("");
    let path = percent_decode(path);
    if let Some(rest) = path.strip_prefix("/files/") {
        let (tok, what) = rest.split_once('/').unwrap_or((rest, ""));
        if !same(tok, &s.token) {
            return respond(&mut conn, head, "404 Not Found", text, "", b"not found\n");
        }
        let private = "Cache-Control: no-store\r\n";
        if what == "index.json" {
            let names: Vec<&str> = s.files.iter().map(|f| f.0.as_str()).collect();
            let body = serde_json::json!({ "files": names }).to_string();
            return respond(
                &mut conn,
                head,
                "200 OK",
                "application/json",
                private,
                body.as_bytes(),
            );
        }
        return match what.parse::<usize>().ok().and_then(|i| s.files.get(i)) {
            Some((_, bytes)) => respond(
                &mut conn,
                head,
                "200 OK",
                "application/octet-stream",
                private,
                bytes,
            ),
            None => respond(&mut conn, head, "404 Not Found", text, "", b"not found\n"),
        };
    }
    let rel = path.trim_start_matches('/');
    let rel = if rel.is_empty() || rel.ends_with('/') {
        format!("{rel}index.html")
    } else {
        rel.to_string()
    };
    match s.site.get(&rel) {
        Some(body) => respond(
            &mut conn,
            head,
            "200 OK",
            content_type(&rel),
            "Cache-Control: no-cache\r\n",
            &body,
        ),
        None => respond(&mut conn, head, "404 Not Found", text, "", b"not found\n"),
    }
}

/// `%xx` escapes decoded (invalid ones kept as written).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let hex = |c: u8| (c as char).to_digit(16);
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_for_the_page() {
        assert_eq!(display_name(Path::new("/a/b/heap-1.pb.gz")), "heap-1.pb.gz");
        assert_eq!(
            display_name(Path::new("http://h:1/debug/pprof/goroutine?debug=2")),
            "goroutine?debug=2"
        );
        assert_eq!(display_name(Path::new("h:6060")), "profile");
    }

    #[test]
    fn tokens_are_random_hex() {
        let (a, b) = (token().unwrap(), token().unwrap());
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
        assert!(same(&a, &a.clone()) && !same(&a, &b) && !same(&a, ""));
    }

    #[test]
    fn percent_escapes() {
        assert_eq!(percent_decode("/a%20b/%2e%2e/x%"), "/a b/../x%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }
}

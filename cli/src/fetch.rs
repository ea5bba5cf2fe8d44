//! Profiles read from a running Go service's `/debug/pprof/` endpoints, as
//! `go tool pprof http://host:6060/debug/pprof/heap` does. A small HTTP/1.1
//! client over `std::net` for `http://` only: pprof endpoints listen on an
//! internal port in plain HTTP; behind TLS, reach them through
//! `kubectl port-forward` or `ssh -L` (see the README). No request goes
//! anywhere but the address given.
//!
//! Every failure names the URL and what went wrong: no connection, no
//! answer in time, an HTTP error status, an answer that is a web page
//! rather than a profile, an answer cut short.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// pprof's `-seconds` and `-timeout`, for every command that reads a URL.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct FetchArgs {
    /// For URL sources: the duration of time-based profiles (CPU, trace),
    /// added to the URL as `?seconds=N` as pprof's -seconds does.
    #[arg(long, global = true, value_name = "N")]
    pub seconds: Option<u64>,
    /// For URL sources: seconds to wait for an answer (default 60, or 1.5 x
    /// the profile's `seconds`, as pprof's -timeout).
    #[arg(long, global = true, value_name = "SECONDS")]
    pub timeout: Option<u64>,
}

/// The fetch options of this run, set once from the command line before
/// any source is read (every command reads its sources through
/// [`read_source`]).
static OPTIONS: std::sync::OnceLock<FetchArgs> = std::sync::OnceLock::new();

/// Sets this run's fetch options (the first call wins).
pub fn configure(opts: FetchArgs) {
    let _ = OPTIONS.set(opts);
}

/// The bytes of a FILE argument: a file's, or a URL's answer (at most
/// `max` bytes). Errors name the source.
pub fn read_source(source: &std::path::Path, max: usize) -> Result<Vec<u8>, String> {
    let s = source.to_string_lossy();
    if !is_url(&s) {
        return std::fs::read(source).map_err(|e| format!("{}: {e}", source.display()));
    }
    let url = parse(&s)?;
    let (url, timeout) = adjust(&url, OPTIONS.get().unwrap_or(&FetchArgs::default()));
    get(&url, timeout, max).map_err(|e| format!("{url}: {e}"))
}

/// An `http://` URL taken apart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpUrl {
    pub host: String,
    pub port: u16,
    /// Path and query, starting with `/`.
    pub target: String,
}

impl std::fmt::Display for HttpUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.port == 80 {
            write!(f, "http://{}{}", self.host, self.target)
        } else {
            write!(f, "http://{}:{}{}", self.host, self.port, self.target)
        }
    }
}

impl HttpUrl {
    /// The URL with a query parameter set (replacing one of that name).
    pub fn with_param(&self, key: &str, value: &str) -> HttpUrl {
        let (path, query) = self.target.split_once('?').unwrap_or((&self.target, ""));
        let mut pairs: Vec<String> = query
            .split('&')
            .filter(|p| !p.is_empty() && p.split('=').next() != Some(key))
            .map(str::to_string)
            .collect();
        pairs.push(format!("{key}={value}"));
        HttpUrl {
            target: format!("{path}?{}", pairs.join("&")),
            ..self.clone()
        }
    }

    /// A query parameter's value.
    pub fn param(&self, key: &str) -> Option<&str> {
        let (_, query) = self.target.split_once('?')?;
        query
            .split('&')
            .find_map(|p| p.strip_prefix(key)?.strip_prefix('='))
    }

    /// The path without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
}

/// Whether a FILE argument names a URL rather than a file: `http://` or
/// `https://`, or, when no such file exists, `host:port[/path]` (pprof's
/// shorthand).
pub fn is_url(source: &str) -> bool {
    if source.starts_with("http://") || source.starts_with("https://") {
        return true;
    }
    if std::path::Path::new(source).exists() {
        return false;
    }
    let hostport = source.split('/').next().unwrap_or("");
    matches!(hostport.rsplit_once(':'), Some((h, p)) if !h.is_empty() && !h.contains(['\\', ' ']) && p.parse::<u16>().is_ok())
}

/// Parses a source as pprof does: a missing scheme is `http://`, a missing
/// path is the CPU profile (`/debug/pprof/profile`).
pub fn parse(source: &str) -> Result<HttpUrl, String> {
    if source.starts_with("https://") {
        return Err(format!(
            "{source}: https is not supported: leakscope fetches profiles over plain HTTP only \
             (pprof endpoints usually listen on an internal port); reach it with \
             `kubectl port-forward` or `ssh -L`, or save the profile with curl and pass the file"
        ));
    }
    let rest = source.strip_prefix("http://").unwrap_or(source);
    let (authority, target) = match rest.find(['/', '?']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let (host, port) = if let Some(h) = authority.strip_prefix('[') {
        // [::1]:6060
        let (h, p) = h
            .split_once(']')
            .ok_or_else(|| format!("{source}: bad IPv6 address"))?;
        (h, p.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err(format!("{source}: no host in the URL"));
    }
    let port = match port {
        None | Some("") => 80,
        Some(p) => p.parse().map_err(|_| format!("{source}: bad port {p:?}"))?,
    };
    let target = if target.is_empty() || target == "/" {
        "/debug/pprof/profile".to_string()
    } else if target.starts_with('?') {
        format!("/debug/pprof/profile{target}")
    } else {
        target.to_string()
    };
    Ok(HttpUrl {
        host: host.to_string(),
        port,
        target,
    })
}

/// The URL to fetch and how long to wait for it, as pprof's `adjustURL`:
/// `--seconds` sets `?seconds=`, else the URL's own `seconds` sets the
/// duration; the wait is `--timeout`, else 1.5 x the duration, else 60 s.
pub fn adjust(url: &HttpUrl, opts: &FetchArgs) -> (HttpUrl, Duration) {
    let mut url = url.clone();
    let mut duration = None;
    if let Some(s) = opts.seconds.filter(|&s| s > 0) {
        url = url.with_param("seconds", &s.to_string());
        duration = Some(s);
    } else if let Some(s) = url.param("seconds").and_then(|s| s.parse::<u64>().ok()) {
        duration = Some(s);
    }
    let timeout = match (opts.timeout.filter(|&t| t > 0), duration) {
        (Some(t), _) => Duration::from_secs(t),
        (None, Some(d)) if d > 0 => Duration::from_millis(d * 1500),
        _ => Duration::from_secs(60),
    };
    (url, timeout)
}

/// What a fetch can fail with.
#[derive(Debug)]
pub enum FetchError {
    /// Nothing listens there, or the host is unknown or unreachable.
    Connect(String),
    /// No complete answer in time.
    Timeout(Duration),
    /// An HTTP status other than 200, with the start of its body.
    Status(u16, String, String),
    /// The answer is a web page, not a profile.
    Html(String),
    /// Anything else: a broken or oversized answer.
    Other(String),
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchError::Connect(e) => write!(f, "could not connect: {e} (is the service running, and is this its pprof port?)"),
            FetchError::Timeout(t) => write!(
                f,
                "no complete answer within {}s (a CPU profile takes its ?seconds= first; raise --timeout)",
                t.as_secs_f64()
            ),
            FetchError::Status(code, reason, body) => {
                write!(f, "HTTP {code} {reason}")?;
                if code == &404 {
                    write!(f, " (no such profile here: is net/http/pprof imported, and the path right?)")?;
                }
                if !body.is_empty() {
                    write!(f, ": {body}")?;
                }
                Ok(())
            }
            FetchError::Html(what) => write!(
                f,
                "the answer is a web page ({what}), not a profile: name a profile such as /debug/pprof/heap or /debug/pprof/goroutine?debug=2"
            ),
            FetchError::Other(e) => write!(f, "{e}"),
        }
    }
}

/// GETs a URL, following up to five redirects to the same scheme; the body
/// of a 200 answer, at most `max` bytes. The whole exchange, redirects
/// included, must finish within `timeout`.
pub fn get(url: &HttpUrl, timeout: Duration, max: usize) -> Result<Vec<u8>, FetchError> {
    let deadline = Instant::now() + timeout;
    let mut url = url.clone();
    for _ in 0..5 {
        match get_once(&url, deadline, timeout, max)? {
            Answer::Body(b) => return Ok(b),
            Answer::Redirect(loc) => {
                url = if loc.starts_with('/') {
                    HttpUrl { target: loc, ..url }
                } else if loc.starts_with("http://") {
                    parse(&loc).map_err(FetchError::Other)?
                } else {
                    return Err(FetchError::Other(format!(
                        "redirected to {loc}, which leakscope does not follow"
                    )));
                };
            }
        }
    }
    Err(FetchError::Other("too many redirects".into()))
}

enum Answer {
    Body(Vec<u8>),
    Redirect(String),
}

fn timed_out(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
    )
}

fn get_once(
    url: &HttpUrl,
    deadline: Instant,
    timeout: Duration,
    max: usize,
) -> Result<Answer, FetchError> {
    let left = || {
        deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .ok_or(FetchError::Timeout(timeout))
    };
    let addrs: Vec<_> = (url.host.as_str(), url.port)
        .to_socket_addrs()
        .map_err(|e| FetchError::Connect(format!("{}:{}: {e}", url.host, url.port)))?
        .collect();
    let mut last = None;
    let mut stream = None;
    for a in &addrs {
        match TcpStream::connect_timeout(a, left()?) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) if timed_out(&e) => return Err(FetchError::Timeout(timeout)),
            Err(e) => last = Some(e),
        }
    }
    let mut stream = stream.ok_or_else(|| {
        FetchError::Connect(match last {
            Some(e) => format!("{}:{}: {e}", url.host, url.port),
            None => format!("{}:{}: no address", url.host, url.port),
        })
    })?;
    let io = |e: std::io::Error| {
        if timed_out(&e) {
            FetchError::Timeout(timeout)
        } else {
            FetchError::Other(format!("reading the answer: {e}"))
        }
    };
    stream.set_write_timeout(Some(left()?)).map_err(io)?;
    let host = if url.host.contains(':') {
        format!("[{}]", url.host)
    } else {
        url.host.clone()
    };
    let host = if url.port == 80 {
        host
    } else {
        format!("{host}:{}", url.port)
    };
    write!(
        stream,
        "GET {} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: leakscope/{}\r\nAccept: */*\r\nAccept-Encoding: identity\r\nConnection: close\r\n\r\n",
        url.target,
        env!("CARGO_PKG_VERSION")
    )
    .map_err(io)?;
    let mut r = Deadlined {
        inner: BufReader::new(stream),
        deadline,
    };
    // Status line and headers.
    let mut line = String::new();
    let read_line = |r: &mut Deadlined, line: &mut String| -> Result<(), FetchError> {
        line.clear();
        let n = r.read_line_limited(line, 16 << 10).map_err(io)?;
        if n == 0 {
            return Err(FetchError::Other(
                "the connection closed before the answer's headers ended".into(),
            ));
        }
        Ok(())
    };
    read_line(&mut r, &mut line)?;
    let mut parts = line.trim_end().splitn(3, ' ');
    let (version, code, reason) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or("").to_string(),
    );
    if !version.starts_with("HTTP/1.") {
        return Err(FetchError::Other(format!(
            "not an HTTP answer (it starts {:?})",
            line.chars().take(40).collect::<String>()
        )));
    }
    let code: u16 = code
        .parse()
        .map_err(|_| FetchError::Other(format!("bad HTTP status line {:?}", line.trim_end())))?;
    let mut length = None;
    let mut chunked = false;
    let mut content_type = String::new();
    let mut location = None;
    for _ in 0..200 {
        read_line(&mut r, &mut line)?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        let Some((k, v)) = l.split_once(':') else {
            continue;
        };
        let v = v.trim();
        match k.trim().to_ascii_lowercase().as_str() {
            "content-length" => length = v.parse::<usize>().ok(),
            "transfer-encoding" => chunked = v.to_ascii_lowercase().contains("chunked"),
            "content-type" => content_type = v.to_ascii_lowercase(),
            "location" => location = Some(v.to_string()),
            _ => {}
        }
    }
    if (300..400).contains(&code) {
        if let Some(l) = location {
            return Ok(Answer::Redirect(l));
        }
    }
    // An error page needs only its start; a profile is read whole.
    let cap = if code == 200 { max } else { 4096 };
    let body = if chunked {
        read_chunked(&mut r, cap, code == 200).map_err(io)?
    } else if let Some(n) = length {
        if n > cap && code == 200 {
            return Err(FetchError::Other(format!(
                "the answer is {n} bytes, over the limit of {cap} (--max-decompressed-mib)"
            )));
        }
        let mut b = vec![0; n.min(cap)];
        r.read_exact(&mut b).map_err(|e| {
            if e.kind() == std::io::ErrorKind::UnexpectedEof {
                FetchError::Other(format!("the answer was cut short (expected {n} bytes)"))
            } else {
                io(e)
            }
        })?;
        b
    } else {
        let mut b = Vec::new();
        (&mut r)
            .take(cap as u64 + 1)
            .read_to_end(&mut b)
            .map_err(io)?;
        if b.len() > cap && code == 200 {
            return Err(FetchError::Other(format!(
                "the answer is over the limit of {cap} bytes (--max-decompressed-mib)"
            )));
        }
        b.truncate(cap);
        b
    };
    if code != 200 {
        let text = String::from_utf8_lossy(&body);
        let first = if looks_like_html(&content_type, &body) {
            String::new()
        } else {
            text.lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .unwrap_or("")
                .chars()
                .take(200)
                .collect()
        };
        return Err(FetchError::Status(code, reason.trim().to_string(), first));
    }
    if looks_like_html(&content_type, &body) {
        let what = if content_type.is_empty() {
            "HTML".to_string()
        } else {
            format!("Content-Type {content_type}")
        };
        return Err(FetchError::Html(what));
    }
    Ok(Answer::Body(body))
}

/// An HTML page: by its content type, or by how it starts.
fn looks_like_html(content_type: &str, body: &[u8]) -> bool {
    if content_type.starts_with("text/html") {
        return true;
    }
    let start: Vec<u8> = body
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take(14)
        .map(u8::to_ascii_lowercase)
        .collect();
    start.starts_with(b"<!doctype html") || start.starts_with(b"<html")
}

/// A chunked body (Go's net/http sends profiles this way), at most `cap`
/// bytes; past the cap an error when `strict`, else the bytes so far.
fn read_chunked(r: &mut Deadlined, cap: usize, strict: bool) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line_limited(&mut line, 1024)? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the answer was cut short (in a chunk header)",
            ));
        }
        let size = line.trim().split(';').next().unwrap_or("");
        let size = usize::from_str_radix(size, 16).map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("bad chunk size {:?}", line.trim()),
            )
        })?;
        if size == 0 {
            return Ok(out);
        }
        if out.len() + size > cap {
            if strict {
                return Err(std::io::Error::other(format!(
                    "the answer is over the limit of {cap} bytes (--max-decompressed-mib)"
                )));
            }
            return Ok(out);
        }
        let at = out.len();
        out.resize(at + size, 0);
        r.read_exact(&mut out[at..]).map_err(|e| {
            if e.kind() == std::io::ErrorKind::UnexpectedEof {
                std::io::Error::new(e.kind(), "the answer was cut short (in a chunk)")
            } else {
                e
            }
        })?;
        let mut crlf = [0u8; 2];
        r.read_exact(&mut crlf)?;
    }
}

/// A reader whose every read waits at most until the deadline.
struct Deadlined {
    inner: BufReader<TcpStream>,
    deadline: Instant,
}

impl Deadlined {
    fn arm(&mut self) -> std::io::Result<()> {
        let left = self
            .deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::TimedOut))?;
        self.inner.get_ref().set_read_timeout(Some(left))
    }

    /// A line of at most `max` bytes (a header longer than that is refused).
    fn read_line_limited(&mut self, line: &mut String, max: usize) -> std::io::Result<usize> {
        let mut buf = Vec::new();
        loop {
            self.arm()?;
            let avail = self.inner.fill_buf()?;
            if avail.is_empty() {
                break;
            }
            let (take, done) = match avail.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (avail.len(), false),
            };
            buf.extend_from_slice(&avail[..take]);
            self.inner.consume(take);
            if buf.len() > max {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "a header line is too long",
                ));
            }
            if done {
                break;
            }
        }
        line.push_str(&String::from_utf8_lossy(&buf));
        Ok(buf.len())
    }
}

impl Read for Deadlined {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.arm()?;
        self.inner.read(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse_as_pprof_reads_them() {
        let u = parse("http://localhost:6060/debug/pprof/heap").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("localhost", 6060));
        assert_eq!(u.target, "/debug/pprof/heap");
        assert_eq!(u.to_string(), "http://localhost:6060/debug/pprof/heap");
        // No scheme: http; no path: the CPU profile.
        let u = parse("127.0.0.1:6060").unwrap();
        assert_eq!(u.to_string(), "http://127.0.0.1:6060/debug/pprof/profile");
        let u = parse("http://[::1]:7/debug/pprof/goroutine?debug=2").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("::1", 7));
        assert_eq!(u.param("debug"), Some("2"));
        assert!(parse("https://x/debug/pprof/heap")
            .unwrap_err()
            .contains("https is not supported"));
        assert!(parse("http://:80/").is_err());
        assert!(parse("http://h:99999/").is_err());
    }

    #[test]
    fn seconds_and_timeouts_follow_pprof() {
        let u = parse("http://h:1/debug/pprof/profile?seconds=10").unwrap();
        let (v, t) = adjust(&u, &FetchArgs::default());
        assert_eq!(
            (v.target.as_str(), t),
            ("/debug/pprof/profile?seconds=10", Duration::from_secs(15))
        );
        let (v, t) = adjust(
            &u,
            &FetchArgs {
                seconds: Some(4),
                timeout: None,
            },
        );
        assert_eq!(
            (v.target.as_str(), t),
            ("/debug/pprof/profile?seconds=4", Duration::from_secs(6))
        );
        let h = parse("http://h:1/debug/pprof/heap").unwrap();
        assert_eq!(adjust(&h, &FetchArgs::default()).1, Duration::from_secs(60));
        let t = FetchArgs {
            seconds: None,
            timeout: Some(3),
        };
        assert_eq!(adjust(&h, &t).1, Duration::from_secs(3));
    }

    #[test]
    fn urls_are_told_from_files() {
        assert!(is_url("http://x/debug/pprof/heap"));
        assert!(is_url("localhost:6060/debug/pprof/heap"));
        assert!(is_url("localhost:6060"));
        assert!(!is_url("heap.pb.gz"));
        assert!(!is_url("C:\\profiles\\heap.pb.gz"));
        assert!(!is_url("a:b"));
    }

    #[test]
    fn html_is_recognized() {
        assert!(looks_like_html("text/html; charset=utf-8", b"x"));
        assert!(looks_like_html("", b"\n  <!DOCTYPE html><html>"));
        assert!(looks_like_html("", b"<html><body>"));
        assert!(!looks_like_html("application/octet-stream", b"\x1f\x8b"));
        assert!(!looks_like_html("text/plain", b"goroutine 1 [running]:"));
    }
}

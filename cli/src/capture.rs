//! `leakscope capture`: a series of snapshots from running services, named
//! by kind and time, handed to `leaks` or `web` when asked. Each answer is
//! decoded before it is kept (a web page or an error text is refused with
//! a message) and written whole (a temporary name, then renamed), so an
//! interrupted or failed capture leaves a usable partial series.

use crate::fetch::{self, FetchArgs, HttpUrl};
use clap::ValueEnum;
use leakscope_core::{decode_with, Limits};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// `leakscope capture`'s flags.
#[derive(clap::Args, Debug)]
pub struct CaptureArgs {
    /// Services to capture from. A base URL (`http://host:6060`, or one
    /// ending in `/debug/pprof/`) takes the --profiles set; a profile's URL
    /// (`.../debug/pprof/heap?debug=1`) takes that profile.
    #[arg(required = true, value_name = "URL")]
    pub urls: Vec<String>,
    /// Time between snapshots, in Go's duration syntax (30s, 1m30s, 500ms).
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub every: Duration,
    /// How many snapshots to take.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub count: u32,
    /// Directory to write to (created if missing) [default: leakscope-capture-TIME].
    #[arg(short = 'o', long = "out", value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Profiles to take from a base URL, comma separated.
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [Kind::GoroutineDebug2, Kind::Goroutine, Kind::Heap])]
    pub profiles: Vec<Kind>,
    /// When the series is complete: `leaks` reports on it (one form per kind:
    /// goroutine debug=2 over .pb.gz, heap .pb.gz over debug=1), `web` opens
    /// all of it in the page. Arguments after `--` go to that command.
    #[arg(long, value_enum)]
    pub then: Option<Then>,
    /// Arguments for the --then command (after `--`), e.g. `-- --fail-on medium`.
    #[arg(last = true, value_name = "ARGS")]
    pub then_args: Vec<String>,
}

/// A profile a base URL is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    /// /debug/pprof/goroutine (profile.proto)
    Goroutine,
    /// /debug/pprof/goroutine?debug=1 (stacks grouped, with labels)
    GoroutineDebug1,
    /// /debug/pprof/goroutine?debug=2 (every goroutine: wait state, minutes, creator)
    GoroutineDebug2,
    /// /debug/pprof/goroutineleak (Go 1.26+)
    Goroutineleak,
    /// /debug/pprof/heap (profile.proto)
    Heap,
    /// /debug/pprof/heap?debug=1 (text, with runtime.MemStats)
    HeapDebug1,
    /// /debug/pprof/allocs
    Allocs,
    /// /debug/pprof/block
    Block,
    /// /debug/pprof/mutex
    Mutex,
    /// /debug/pprof/threadcreate
    Threadcreate,
    /// /debug/pprof/profile (CPU, for --seconds; the service's default is 30 s)
    Cpu,
}

impl Kind {
    /// (endpoint, debug level).
    fn endpoint(self) -> (&'static str, Option<u8>) {
        match self {
            Kind::Goroutine => ("goroutine", None),
            Kind::GoroutineDebug1 => ("goroutine", Some(1)),
            Kind::GoroutineDebug2 => ("goroutine", Some(2)),
            Kind::Goroutineleak => ("goroutineleak", None),
            Kind::Heap => ("heap", None),
            Kind::HeapDebug1 => ("heap", Some(1)),
            Kind::Allocs => ("allocs", None),
            Kind::Block => ("block", None),
            Kind::Mutex => ("mutex", None),
            Kind::Threadcreate => ("threadcreate", None),
            Kind::Cpu => ("profile", None),
        }
    }
}

/// What to do with a complete series.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Then {
    Leaks,
    Web,
}

/// One profile to take at every snapshot.
#[derive(Clone, Debug)]
struct Target {
    url: HttpUrl,
    /// File name prefix naming the service, when there are several.
    service: String,
    /// The kind in the file name: goroutine, heap, cpu...
    stem: String,
    /// `.pb.gz`, `.debug1.txt`, `.debug2.txt`.
    ext: &'static str,
}

impl Target {
    /// How it is shown in progress lines: endpoint and debug level.
    fn label(&self) -> String {
        format!(
            "{}{}",
            self.url.path().rsplit('/').next().unwrap_or(""),
            self.url
                .param("debug")
                .map(|d| format!("?debug={d}"))
                .unwrap_or_default()
        )
    }
}

/// Go's `time.ParseDuration` for what a capture interval needs: a sequence
/// of decimal numbers with units h, m, s, ms (`1m30s`, `500ms`, `2.5s`); a
/// bare number is seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    if let Ok(secs) = s.parse::<f64>() {
        return duration_from_secs(secs, s);
    }
    if s.is_empty() {
        return Err("an empty duration: write e.g. 30s, 1m30s or 500ms".into());
    }
    let mut total = 0.0;
    let mut rest = s;
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| format!("{s:?}: missing unit (h, m, s or ms)"))?;
        let n: f64 = rest[..num_end]
            .parse()
            .map_err(|_| format!("{s:?}: expected a number such as 30s, 1m30s or 500ms"))?;
        rest = &rest[num_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_end] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 0.001,
            u => return Err(format!("{s:?}: unknown unit {u:?} (h, m, s or ms)")),
        };
        total += n * scale;
        rest = &rest[unit_end..];
    }
    duration_from_secs(total, s)
}

fn duration_from_secs(secs: f64, s: &str) -> Result<Duration, String> {
    if !(0.0..=86_400.0 * 7.0).contains(&secs) {
        return Err(format!("{s:?}: out of range (0 to a week)"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// `20261202T123000Z`: UTC, sortable, safe in file names.
pub fn stamp(t: SystemTime) -> String {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0) as i64;
    let (y, m, d) = leakscope_core::measurement::civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        sod / 3600,
        sod % 3600 / 60,
        sod % 60
    )
}

/// The profiles to take, from the URLs and the --profiles set.
fn targets(a: &CaptureArgs) -> Result<Vec<Target>, String> {
    let several = a.urls.len() > 1;
    let mut out = Vec::new();
    for source in &a.urls {
        let raw = source.strip_prefix("http://").unwrap_or(source);
        let path = raw.find('/').map(|i| &raw[i..]).unwrap_or("");
        let path_only = path.split('?').next().unwrap_or("");
        // parse() reads a bare host as the CPU profile, as pprof does; a
        // capture reads it as the service.
        let url = fetch::parse(source)?;
        let service = if several {
            format!("{}_{}-", url.host.replace([':', '[', ']'], "_"), url.port)
        } else {
            String::new()
        };
        let base = if path_only.is_empty() || path_only == "/" {
            Some("/debug/pprof/".to_string())
        } else if path_only.ends_with("/debug/pprof") || path_only.ends_with("/debug/pprof/") {
            Some(format!("{}/", path_only.trim_end_matches('/')))
        } else {
            None
        };
        match base {
            Some(base) => {
                for k in &a.profiles {
                    let (endpoint, debug) = k.endpoint();
                    let mut u = HttpUrl {
                        target: format!("{base}{endpoint}"),
                        ..url.clone()
                    };
                    if let Some(d) = debug {
                        u = u.with_param("debug", &d.to_string());
                    }
                    out.push(target(u, service.clone()));
                }
            }
            None => out.push(target(url, service)),
        }
    }
    Ok(out)
}

fn target(url: HttpUrl, service: String) -> Target {
    let endpoint = url.path().rsplit('/').next().unwrap_or("profile");
    let stem = match endpoint {
        "profile" | "" => "cpu".to_string(),
        e => e
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect(),
    };
    let ext = match url.param("debug") {
        Some("1") => ".debug1.txt",
        Some("2") => ".debug2.txt",
        Some(d) if d != "0" => ".txt",
        _ => ".pb.gz",
    };
    Target {
        url,
        service,
        stem,
        ext,
    }
}

/// A file of the series.
#[derive(Clone, Debug)]
struct Taken {
    path: PathBuf,
    service: String,
    stem: String,
    ext: &'static str,
}

/// Runs the capture. `follow` runs another leakscope command line (the
/// --then command) and returns its output and status.
pub fn run(
    a: CaptureArgs,
    limits: Limits,
    opts: &FetchArgs,
    follow: &mut dyn FnMut(Vec<String>) -> Result<(String, u8), String>,
) -> Result<(String, u8), String> {
    if !a.then_args.is_empty() && a.then.is_none() {
        return Err("arguments after `--` need --then leaks or --then web".into());
    }
    let targets = targets(&a)?;
    let dir = a.out.clone().unwrap_or_else(|| {
        PathBuf::from(format!("leakscope-capture-{}", stamp(SystemTime::now())))
    });
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    eprintln!(
        "leakscope: capturing {} snapshot(s) every {} of {} into {}",
        a.count,
        show_duration(a.every),
        targets
            .iter()
            .map(|t| format!("{}{}", t.service, t.label()))
            .collect::<Vec<_>>()
            .join(", "),
        dir.display()
    );
    let mut taken: Vec<Taken> = Vec::new();
    let start = Instant::now();
    for k in 0..a.count {
        if k > 0 {
            let due = start + a.every * k;
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        }
        let now = SystemTime::now();
        let mut done = Vec::new();
        for t in &targets {
            match take(t, &dir, now, limits, opts) {
                Ok((tk, size)) => {
                    done.push(format!("{} ({})", t.label(), show_size(size)));
                    taken.push(tk);
                }
                Err(e) => {
                    let kept = kept_lines(&taken);
                    eprintln!(
                        "leakscope: snapshot {}/{}: {}{}",
                        k + 1,
                        a.count,
                        t.url,
                        format_args!(": {e}")
                    );
                    return Err(format!(
                        "capture stopped at snapshot {}/{}; kept {} file(s) in {}{}",
                        k + 1,
                        a.count,
                        taken.len(),
                        dir.display(),
                        if kept.is_empty() {
                            String::new()
                        } else {
                            format!(":\n{kept}")
                        }
                    ));
                }
            }
        }
        eprintln!(
            "leakscope: snapshot {}/{} at {}: {}",
            k + 1,
            a.count,
            stamp(now),
            done.join(", ")
        );
    }
    match a.then {
        None => Ok((kept_lines(&taken), 0)),
        Some(Then::Web) => {
            let mut argv = vec!["web".to_string()];
            argv.extend(a.then_args.iter().cloned());
            argv.extend(taken.iter().map(|t| t.path.display().to_string()));
            follow(argv)
        }
        Some(Then::Leaks) => {
            let mut services: Vec<&str> = taken.iter().map(|t| t.service.as_str()).collect();
            services.dedup();
            let mut out = String::new();
            let mut code = 0;
            for s in &services {
                let mut argv = vec!["leaks".to_string()];
                argv.extend(a.then_args.iter().cloned());
                argv.extend(
                    for_leaks(taken.iter().filter(|t| t.service == *s))
                        .iter()
                        .map(|p| p.display().to_string()),
                );
                if services.len() > 1 {
                    out.push_str(&format!("== {}\n", s.trim_end_matches('-')));
                }
                let (o, c) = follow(argv)?;
                out.push_str(&o);
                code = code.max(c);
            }
            Ok((out, code))
        }
    }
}

/// The files of one service that make a leak series: per kind, the richest
/// form captured (goroutine debug=2, which has wait minutes and creators,
/// over .pb.gz over debug=1; heap .pb.gz over debug=1), in capture order.
/// Two forms of one moment would count as two snapshots.
fn for_leaks<'a>(taken: impl Iterator<Item = &'a Taken> + Clone) -> Vec<PathBuf> {
    let rank = |ext: &str| match ext {
        ".debug2.txt" => 0,
        ".pb.gz" => 1,
        ".debug1.txt" => 2,
        _ => 3,
    };
    taken
        .clone()
        .filter(|t| {
            let best = taken
                .clone()
                .filter(|u| u.stem == t.stem)
                .map(|u| rank(u.ext))
                .min();
            best == Some(rank(t.ext))
        })
        .map(|t| t.path.clone())
        .collect()
}

fn kept_lines(taken: &[Taken]) -> String {
    taken
        .iter()
        .map(|t| format!("{}\n", t.path.display()))
        .collect()
}

/// Fetches one profile, checks that it decodes, and writes it whole.
fn take(
    t: &Target,
    dir: &Path,
    now: SystemTime,
    limits: Limits,
    opts: &FetchArgs,
) -> Result<(Taken, usize), String> {
    let (url, timeout) = fetch::adjust(&t.url, opts);
    let bytes = fetch::get(&url, timeout, limits.max_decompressed).map_err(|e| e.to_string())?;
    decode_with(&bytes, limits, &mut |_| {})
        .map_err(|e| format!("the answer is not a profile leakscope reads: {e}"))?;
    let base = format!("{}{}-{}", t.service, t.stem, stamp(now));
    let mut path = dir.join(format!("{base}{}", t.ext));
    let mut n = 1;
    while path.exists() {
        n += 1;
        path = dir.join(format!("{base}-{n}{}", t.ext));
    }
    let part = path.with_extension("part");
    std::fs::write(&part, &bytes)
        .and_then(|_| std::fs::rename(&part, &path))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok((
        Taken {
            path,
            service: t.service.clone(),
            stem: t.stem.clone(),
            ext: t.ext,
        },
        bytes.len(),
    ))
}

fn show_size(n: usize) -> String {
    if n < 10 << 10 {
        format!("{n} B")
    } else if n < 10 << 20 {
        format!("{} KB", n >> 10)
    } else {
        format!("{} MB", n >> 20)
    }
}

fn show_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if !ms.is_multiple_of(1000) {
        format!("{ms}ms")
    } else {
        format!("{}s", ms / 1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_go_writes_them() {
        for (s, ms) in [
            ("30s", 30_000),
            ("1m30s", 90_000),
            ("500ms", 500),
            ("2.5s", 2_500),
            ("1h", 3_600_000),
            ("7", 7_000),
            ("0s", 0),
        ] {
            assert_eq!(parse_duration(s).unwrap(), Duration::from_millis(ms), "{s}");
        }
        for bad in ["", "s", "10x", "1.2.3s", "-1s", "9999h"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn stamps_sort_and_read_as_utc() {
        let t = UNIX_EPOCH + Duration::from_secs(1_764_678_600); // 2025-12-02 12:30:00 UTC
        assert_eq!(stamp(t), "20251202T123000Z");
    }

    fn args(urls: &[&str], profiles: &[Kind]) -> CaptureArgs {
        CaptureArgs {
            urls: urls.iter().map(|s| s.to_string()).collect(),
            every: Duration::from_secs(1),
            count: 1,
            out: None,
            profiles: profiles.to_vec(),
            then: None,
            then_args: vec![],
        }
    }

    #[test]
    fn base_urls_take_the_set_profile_urls_themselves() {
        let t = targets(&args(
            &["127.0.0.1:6060", "http://h:7/app/debug/pprof/heap?debug=1"],
            &[Kind::GoroutineDebug2, Kind::Heap, Kind::Cpu],
        ))
        .unwrap();
        let got: Vec<String> = t
            .iter()
            .map(|t| format!("{} {}{}{}", t.url, t.service, t.stem, t.ext))
            .collect();
        assert_eq!(
            got,
            [
                "http://127.0.0.1:6060/debug/pprof/goroutine?debug=2 127.0.0.1_6060-goroutine.debug2.txt",
                "http://127.0.0.1:6060/debug/pprof/heap 127.0.0.1_6060-heap.pb.gz",
                "http://127.0.0.1:6060/debug/pprof/profile 127.0.0.1_6060-cpu.pb.gz",
                "http://h:7/app/debug/pprof/heap?debug=1 h_7-heap.debug1.txt",
            ]
        );
        let t = targets(&args(&["http://h:7/x/debug/pprof/"], &[Kind::Mutex])).unwrap();
        assert_eq!(t[0].url.to_string(), "http://h:7/x/debug/pprof/mutex");
        assert_eq!(t[0].service, "");
    }

    #[test]
    fn leaks_get_one_form_per_kind() {
        let mk = |p: &str, stem: &str, ext: &'static str| Taken {
            path: p.into(),
            service: String::new(),
            stem: stem.into(),
            ext,
        };
        let all = [
            mk("g1.txt", "goroutine", ".debug2.txt"),
            mk("g1.pb.gz", "goroutine", ".pb.gz"),
            mk("h1.pb.gz", "heap", ".pb.gz"),
            mk("h1.txt", "heap", ".debug1.txt"),
            mk("g2.txt", "goroutine", ".debug2.txt"),
            mk("g2.pb.gz", "goroutine", ".pb.gz"),
        ];
        assert_eq!(
            for_leaks(all.iter()),
            ["g1.txt", "h1.pb.gz", "g2.txt"].map(PathBuf::from)
        );
    }
}

//! `leakscope`: the command line over leakscope-core. Glue only: parse
//! flags, read files, print what the core computes.

use clap::{Parser, Subcommand};
use leakscope_core::{leak, permalink};
use leakscope_core::report::{list, top, traces, View};
use leakscope_core::{decode_with, Limits, Profile};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "leakscope", version, about = "Read Go profiles like go tool pprof, and find goroutine and memory leaks")]
struct Cli {
    /// Largest decompressed size accepted, in MiB (guards against gzip bombs).
    #[arg(long, global = true, default_value_t = 1024)]
    max_decompressed_mib: usize,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Flat and cumulative values per function, like `go tool pprof -top`.
    Top {
        /// Sort by cumulative value.
        #[arg(long)]
        cum: bool,
        /// Sample type to report (e.g. inuse_space, alloc_objects, delay).
        #[arg(long = "sample-index")]
        sample_index: Option<String>,
        /// Show at most N nodes.
        #[arg(long)]
        nodecount: Option<usize>,
        /// Hide nodes below this fraction of the total.
        #[arg(long, default_value_t = 0.005)]
        nodefraction: f64,
        file: PathBuf,
    },
    /// Every sample's stack, like `go tool pprof -traces`.
    Traces {
        #[arg(long = "sample-index")]
        sample_index: Option<String>,
        file: PathBuf,
    },
    /// Find goroutine and memory leaks in one snapshot or a series of them.
    Leaks {
        /// text (for people) or json (stable, documented in the README).
        #[arg(long, default_value = "text", value_parser = ["text", "json"])]
        format: String,
        /// Exit with status 1 when a finding at or above this severity exists.
        #[arg(long = "fail-on", value_parser = ["high", "medium", "low"])]
        fail_on: Option<String>,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Print a permalink that carries a summary of the files (top rows,
    /// leak findings, a pruned flame graph) in its fragment: no upload.
    Link {
        /// Where the leakscope page is published.
        #[arg(long = "base-url", default_value = DEFAULT_BASE_URL)]
        base_url: String,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Annotated source of functions matching REGEX, like `go tool pprof -list`.
    List {
        regex: String,
        /// Directories to search for source files (colon separated).
        #[arg(long = "source-path")]
        source_path: Option<String>,
        #[arg(long = "sample-index")]
        sample_index: Option<String>,
        file: PathBuf,
    },
}

fn load(path: &Path, limits: Limits) -> Result<Profile, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    decode_with(&bytes, limits, &mut |_| {}).map_err(|e| format!("{}: {e}", path.display()))
}

/// The published page (README: "Permalinks").
const DEFAULT_BASE_URL: &str = "https://leakscope.github.io/";

/// Output and exit status (1 when `--fail-on` trips).
fn run(cli: Cli) -> Result<(String, u8), String> {
    let limits = Limits { max_decompressed: cli.max_decompressed_mib.saturating_mul(1 << 20) };
    match cli.cmd {
        Cmd::Top { cum, sample_index, nodecount, nodefraction, file } => {
            let p = load(&file, limits)?;
            let si = p.sample_index(sample_index.as_deref()).map_err(|e| e.to_string())?;
            let view = View::new(&p, si);
            let opts = top::TopOptions { cum_sort: cum, node_count: nodecount, node_fraction: nodefraction, ..Default::default() };
            let t = top::top(&view, &opts);
            Ok((top::format_top(&view, &t), 0))
        }
        Cmd::Traces { sample_index, file } => {
            let p = load(&file, limits)?;
            let si = p.sample_index(sample_index.as_deref()).map_err(|e| e.to_string())?;
            let view = View::new(&p, si);
            Ok((traces::format_traces(&view, &traces::traces(&view)), 0))
        }
        Cmd::List { regex, source_path, sample_index, file } => {
            let p = load(&file, limits)?;
            let si = p.sample_index(sample_index.as_deref()).map_err(|e| e.to_string())?;
            let view = View::new(&p, si);
            let dirs = match source_path {
                Some(sp) => sp.split(':').map(PathBuf::from).collect(),
                None => vec![std::env::current_dir().map_err(|e| e.to_string())?],
            };
            let mut src = list::DirSources { search_path: dirs };
            let l = list::list(&view, &regex, &mut src).map_err(|e| e.to_string())?;
            if l.is_empty() {
                return Err(format!("no matches found for regexp: {regex}"));
            }
            Ok((list::format_list(&view, &regex, &l), 0))
        }
        Cmd::Link { base_url, files } => {
            let profiles = files.iter().map(|f| load(f, limits)).collect::<Result<Vec<_>, _>>()?;
            let names: Vec<String> = files.iter().map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()).collect();
            let mut series: Vec<(&str, &Profile)> = names.iter().map(String::as_str).zip(profiles.iter()).collect();
            leak::order_series(&mut series);
            let report = leak::analyze(&series);
            let summary = permalink::summarize(&series, &report, 200, 0.01, 400).ok_or("no profile with sample types to summarize")?;
            let (url, kept) = permalink::link(&base_url, summary);
            for o in &kept.omitted {
                eprintln!("leakscope: left out of the link to fit: {o}");
            }
            Ok((url + "\n", 0))
        }
        Cmd::Leaks { format, fail_on, files } => {
            let profiles = files.iter().map(|f| load(f, limits)).collect::<Result<Vec<_>, _>>()?;
            let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
            let mut series: Vec<(&str, &Profile)> = names.iter().map(String::as_str).zip(profiles.iter()).collect();
            leak::order_series(&mut series);
            let report = leak::analyze(&series);
            let out = if format == "json" {
                serde_json::to_string_pretty(&report).map_err(|e| e.to_string())? + "\n"
            } else {
                leak::format_text(&report)
            };
            let fail = fail_on.and_then(|s| leak::Severity::parse(&s)).is_some_and(|min| report.max_severity().is_some_and(|m| m >= min));
            Ok((out, fail as u8))
        }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok((out, code)) => {
            print!("{out}");
            ExitCode::from(code)
        }
        Err(e) => {
            eprintln!("leakscope: {e}");
            ExitCode::from(2)
        }
    }
}

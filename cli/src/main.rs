//! `leakscope`: the command line over leakscope-core. Glue only: parse
//! flags, read files, print what the core computes.

mod capture;
mod fetch;
mod pprof_flags;
mod web;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use leakscope_core::graph::Granularity;
use leakscope_core::report::{self, list, top, traces};
use leakscope_core::{decode_with, Limits, Profile};
use leakscope_core::{goroutines, leak, memory, permalink};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "leakscope",
    version,
    about = "Read Go profiles like go tool pprof, and find goroutine and memory leaks",
    after_help = AFTER_HELP
)]
struct Cli {
    /// Largest decompressed size accepted, in MiB (guards against gzip bombs).
    #[arg(long, global = true, default_value_t = 1024)]
    max_decompressed_mib: usize,
    #[command(flatten)]
    fetch: fetch::FetchArgs,
    #[command(subcommand)]
    cmd: Cmd,
}

/// pprof's comparison, filter and granularity options.
#[derive(clap::Args, Default)]
struct QueryArgs {
    /// Sample type to report (e.g. inuse_space, alloc_objects, delay).
    #[arg(long = "sample-index")]
    sample_index: Option<String>,
    /// Subtract BASE, percentages of the base total (pprof -diff_base).
    #[arg(long = "diff-base", value_name = "BASE")]
    diff_base: Option<PathBuf>,
    /// Subtract BASE (pprof -base), for cumulative profiles.
    #[arg(long, value_name = "BASE", conflicts_with = "diff_base")]
    base: Option<PathBuf>,
    /// Keep samples with a frame matching REGEX.
    #[arg(long, default_value = "")]
    focus: String,
    /// Drop samples with a frame matching REGEX.
    #[arg(long, default_value = "")]
    ignore: String,
    /// Remove frames matching REGEX.
    #[arg(long, default_value = "")]
    hide: String,
    /// Keep only frames matching REGEX.
    #[arg(long, default_value = "")]
    show: String,
    /// Drop frames above the outermost frame matching REGEX.
    #[arg(long = "show-from", default_value = "")]
    show_from: String,
    /// Keep samples with labels matching (key=regex, or numeric ranges like bytes=1kb:).
    #[arg(long, default_value = "")]
    tagfocus: String,
    /// Drop samples with labels matching.
    #[arg(long, default_value = "")]
    tagignore: String,
    /// functions, files, lines or addresses.
    #[arg(long, value_enum, default_value_t = GranularityArg::Functions)]
    granularity: GranularityArg,
    /// Attribute inlined calls to the function they were inlined into.
    #[arg(long)]
    noinlines: bool,
}

impl QueryArgs {
    fn prepare(&self, file: &Path, limits: Limits) -> Result<report::Prepared, String> {
        let p = load(file, limits)?;
        let base = match (&self.diff_base, &self.base) {
            (Some(b), _) => Some((load(b, limits)?, true)),
            (_, Some(b)) => Some((load(b, limits)?, false)),
            _ => None,
        };
        let q = report::Query {
            sample_index: self.sample_index.clone(),
            filters: leakscope_core::filter::Filters {
                focus: self.focus.clone(),
                ignore: self.ignore.clone(),
                hide: self.hide.clone(),
                show: self.show.clone(),
                show_from: self.show_from.clone(),
                tagfocus: self.tagfocus.clone(),
                tagignore: self.tagignore.clone(),
            },
            granularity: self.granularity.into(),
            noinlines: self.noinlines,
        };
        report::Prepared::shared(
            std::sync::Arc::new(p),
            base.as_ref().map(|(b, d)| (b, *d)),
            &q,
        )
        .map_err(|e| e.to_string())
    }
}

/// `--granularity`: pprof's `-functions`, `-files`, `-lines`, `-addresses`.
#[derive(Clone, Copy, Default, ValueEnum)]
enum GranularityArg {
    #[default]
    Functions,
    #[value(alias = "filenames")]
    Files,
    Lines,
    Addresses,
}

impl From<GranularityArg> for Granularity {
    fn from(g: GranularityArg) -> Granularity {
        match g {
            GranularityArg::Functions => Granularity::Functions,
            GranularityArg::Files => Granularity::Files,
            GranularityArg::Lines => Granularity::Lines,
            GranularityArg::Addresses => Granularity::Addresses,
        }
    }
}

/// `traces --format`.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum TracesFormat {
    Text,
    Csv,
    Json,
}

/// `--format` of `leaks`, `goroutines` and `memstats`.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LeaksFormat {
    Text,
    Json,
    Markdown,
}

/// `goroutines --similarity`: how alike goroutines of one group are.
#[derive(Clone, Copy, Default, ValueEnum)]
enum SimilarityArg {
    /// Same frames and lines.
    #[default]
    Exact,
    /// Same frames; lines may differ.
    Lines,
}

impl From<SimilarityArg> for goroutines::Similarity {
    fn from(s: SimilarityArg) -> goroutines::Similarity {
        match s {
            SimilarityArg::Exact => goroutines::Similarity::Exact,
            SimilarityArg::Lines => goroutines::Similarity::AnyLine,
        }
    }
}

/// `leaks --fail-on`: the lowest severity that fails the run.
#[derive(Clone, Copy, ValueEnum)]
enum FailOn {
    High,
    Medium,
    Low,
}

impl From<FailOn> for leak::Severity {
    fn from(f: FailOn) -> leak::Severity {
        match f {
            FailOn::High => leak::Severity::High,
            FailOn::Medium => leak::Severity::Medium,
            FailOn::Low => leak::Severity::Low,
        }
    }
}

#[derive(Subcommand)]
enum Cmd {
    /// Flat and cumulative values per function, like `go tool pprof -top`.
    Top {
        /// Sort by cumulative value.
        #[arg(long)]
        cum: bool,
        #[command(flatten)]
        query: QueryArgs,
        /// Show at most N nodes.
        #[arg(long)]
        nodecount: Option<usize>,
        /// Hide nodes below this fraction of the total.
        #[arg(long, default_value_t = top::PPROF_NODE_FRACTION)]
        nodefraction: f64,
        /// Ignore edges below this fraction of the total when marking
        /// nodes `(inline)` (pprof's -edgefraction).
        #[arg(long, default_value_t = top::PPROF_EDGE_FRACTION)]
        edgefraction: f64,
        /// text (pprof's -top) or json (schema in the README).
        #[arg(long, value_enum, default_value_t = TopFormat::Text)]
        format: TopFormat,
        file: PathBuf,
    },
    /// Every sample's stack, like `go tool pprof -traces`.
    Traces {
        #[command(flatten)]
        query: QueryArgs,
        /// text (pprof's -traces, profile order), csv (the page's export)
        /// or json (schema in the README); csv and json: largest first.
        #[arg(long, value_enum, default_value_t = TracesFormat::Text)]
        format: TracesFormat,
        /// Only stacks with a frame whose name matches this regex.
        #[arg(long = "match")]
        matching: Option<String>,
        file: PathBuf,
    },
    /// Find goroutine and memory leaks in one snapshot or a series of them.
    Leaks {
        /// text (for people), json (stable, documented in the README) or
        /// markdown (the page's report, e.g. for a CI job summary).
        #[arg(long, value_enum, default_value_t = LeaksFormat::Text)]
        format: LeaksFormat,
        /// Exit with status 1 when a finding at or above this severity exists.
        #[arg(long = "fail-on", value_enum)]
        fail_on: Option<FailOn>,
        /// Say, for every site examined, why it was or was not flagged
        /// (text: a list after the report; json: the `explain` field).
        #[arg(long)]
        explain: bool,
        /// Directories to search for source files (colon separated): the
        /// fix is then read from the blocking line itself.
        #[arg(long = "source-path")]
        source_path: Option<String>,
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
    /// Goroutines grouped by stack and state (panicparse's buckets), per
    /// snapshot and, for a series, each group's count per snapshot.
    Goroutines {
        /// text (for people) or json (stable, documented in the README).
        #[arg(long, value_enum, default_value_t = LeaksFormat::Text)]
        format: LeaksFormat,
        /// exact, or lines: merge groups whose stacks differ only in line numbers.
        #[arg(long, value_enum, default_value_t = SimilarityArg::Exact)]
        similarity: SimilarityArg,
        /// Goroutine dumps (?debug=2, ?debug=1) or goroutine profiles (.pb.gz).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Where a Go process's memory is, from the runtime.MemStats trailer of
    /// heap profiles taken with ?debug=1, and what it means.
    Memstats {
        /// text (for people) or json (stable, documented in the README).
        #[arg(long, value_enum, default_value_t = LeaksFormat::Text)]
        format: LeaksFormat,
        /// Heap profiles; goroutine dumps of the same moments add their
        /// counts to the text report.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Serve the page on 127.0.0.1 with the files already open, like
    /// `go tool pprof -http`.
    Web(web::WebArgs),
    /// Take a series of snapshots from running services' /debug/pprof/.
    Capture(capture::CaptureArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print a man page (roff): leakscope(1), or leakscope-COMMAND(1)
    /// for a command, e.g. `leakscope man top > leakscope-top.1`.
    Man {
        /// The command whose page to print.
        command: Option<String>,
    },
    /// Annotated source of functions matching REGEX, like `go tool pprof -list`.
    List {
        regex: String,
        /// Directories to search for source files (colon separated; pprof's
        /// -source_path: the current directory when not given).
        #[arg(long = "source-path", default_value = "")]
        source_path: String,
        /// Path prefixes to cut from the profile's file names (colon
        /// separated; pprof's -trim_path).
        #[arg(long = "trim-path", default_value = "")]
        trim_path: String,
        #[command(flatten)]
        query: QueryArgs,
        file: PathBuf,
    },
}

/// Said under every --help (README: "Exit status", "pprof's spellings").
const AFTER_HELP: &str = "\
FILE may be a profile's URL, as go tool pprof takes it (http://host:6060/debug/pprof/heap,
host:6060/debug/pprof/profile?seconds=10); --seconds and --timeout apply to it.
pprof's flag spellings work too: -sample_index=alloc_space, -focus main, -lines, ...

Exit status: 0 success; 1 a --fail-on threshold was met; 2 an error (bad flag, unreadable
or invalid file, failed fetch).";

fn load(path: &Path, limits: Limits) -> Result<Profile, String> {
    let bytes = fetch::read_source(path, limits.max_decompressed)?;
    decode_with(&bytes, limits, &mut |_| {}).map_err(|e| format!("{}: {e}", path.display()))
}

/// Loads every file, named as given on the command line.
fn load_all(files: &[PathBuf], limits: Limits) -> Result<(Vec<String>, Vec<Profile>), String> {
    let profiles = files
        .iter()
        .map(|f| load(f, limits))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((
        files.iter().map(|f| f.display().to_string()).collect(),
        profiles,
    ))
}

/// The published page (the repository's `site-url`; README: "Permalinks").
const DEFAULT_BASE_URL: &str = leakscope_core::permalink::SITE_URL;

/// `top --format`.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum TopFormat {
    Text,
    Json,
}

/// Pretty JSON and a newline.
fn json(v: &impl serde::Serialize) -> Result<String, String> {
    Ok(serde_json::to_string_pretty(v).map_err(|e| e.to_string())? + "\n")
}

/// `traces --format json`, written a trace at a time (a big profile's
/// traces are hundreds of megabytes).
fn traces_json(
    view: &report::View,
    idx: &leakscope_core::graph::NodeIndex,
    keep: Option<&dyn Fn(&str) -> bool>,
) -> Result<(String, u8), String> {
    use leakscope_core::export::json as j;
    use std::io::Write;
    let head =
        serde_json::to_string_pretty(&j::Header::new(view, "traces")).map_err(|e| e.to_string())?;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let mut result = write!(
        out,
        "{},\n  \"traces\": [",
        head.trim_end_matches('}').trim_end()
    );
    let mut first = true;
    traces::each_largest(view, idx, keep, &mut |t| {
        if result.is_ok() {
            let sep = if first { "\n    " } else { ",\n    " };
            first = false;
            result = out.write_all(sep.as_bytes()).and_then(|_| {
                serde_json::to_writer(&mut out, &j::trace(view, &t)).map_err(std::io::Error::from)
            });
        }
    });
    result = result
        .and_then(|_| out.write_all(if first { b"]\n}\n" } else { b"\n  ]\n}\n" }))
        .and_then(|_| out.flush());
    match result {
        // A closed pipe ends the output quietly, as in `main`.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(format!("writing the output: {e}"))
        }
        _ => Ok((String::new(), 0)),
    }
}

/// File names as the page's report shows them (a file's name, a URL whole).
fn names_for_report(files: &[PathBuf]) -> Vec<String> {
    files
        .iter()
        .map(|f| {
            let s = f.to_string_lossy();
            if fetch::is_url(&s) {
                return s.into_owned();
            }
            f.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| s.into_owned())
        })
        .collect()
}

/// The command line's definition: the derive's, with the exit statuses
/// and pprof's spellings told under every subcommand's --help.
fn command() -> clap::Command {
    Cli::command().mut_subcommands(|c| c.after_help(AFTER_HELP))
}

/// Parses a command line: pprof's spellings first, then clap.
fn parse(args: impl IntoIterator<Item = std::ffi::OsString>) -> Result<Cli, clap::Error> {
    use clap::FromArgMatches;
    let mut cmd = command();
    let args = pprof_flags::normalize(args, &cmd);
    Cli::from_arg_matches(&cmd.try_get_matches_from_mut(args)?)
}

/// Output and exit status (1 when `--fail-on` trips).
fn run(cli: Cli) -> Result<(String, u8), String> {
    let limits = Limits {
        max_decompressed: cli.max_decompressed_mib.saturating_mul(1 << 20),
    };
    fetch::configure(cli.fetch.clone());
    match cli.cmd {
        Cmd::Web(a) => web::run(a, limits.max_decompressed),
        Cmd::Capture(a) => {
            let opts = cli.fetch.clone();
            let max = cli.max_decompressed_mib.to_string();
            capture::run(a, limits, &opts, &mut |argv| {
                // The follow-up command, with this run's global flags.
                let mut full = vec![
                    "leakscope".to_string(),
                    "--max-decompressed-mib".into(),
                    max.clone(),
                ];
                full.extend(argv);
                let cli = parse(full.into_iter().map(Into::into)).map_err(|e| e.to_string())?;
                run(cli)
            })
        }
        Cmd::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut command(), "leakscope", &mut out);
            Ok((String::from_utf8_lossy(&out).into_owned(), 0))
        }
        Cmd::Man { command: name } => {
            let root = command();
            let page = match &name {
                None => root,
                Some(n) => {
                    let sub = root
                        .find_subcommand(n)
                        .ok_or_else(|| format!("man: no command {n:?}"))?;
                    sub.clone().name(format!("leakscope-{n}"))
                }
            };
            let mut out = Vec::new();
            clap_mangen::Man::new(page)
                .render(&mut out)
                .map_err(|e| e.to_string())?;
            Ok((String::from_utf8_lossy(&out).into_owned(), 0))
        }
        Cmd::Top {
            cum,
            query,
            nodecount,
            nodefraction,
            edgefraction,
            format,
            file,
        } => {
            // Not freed: the process exits next, and freeing a big profile
            // piece by piece is a noticeable share of the run.
            let prep = std::mem::ManuallyDrop::new(query.prepare(&file, limits)?);
            let view = prep.view();
            let opts = top::TopOptions {
                cum_sort: cum,
                node_count: nodecount,
                node_fraction: nodefraction,
                edge_fraction: edgefraction,
            };
            let t = top::top(&view, &opts);
            if format == TopFormat::Json {
                let doc = leakscope_core::export::json::top(&view, &t);
                return Ok((json(&doc)?, 0));
            }
            Ok((top::format_top(&view, &t), 0))
        }
        Cmd::Traces {
            query,
            format,
            matching,
            file,
        } => {
            let prep = std::mem::ManuallyDrop::new(query.prepare(&file, limits)?);
            let view = prep.view();
            let re = matching
                .map(|m| regex_lite::Regex::new(&m).map_err(|e| format!("--match: {e}")))
                .transpose()?;
            if format == TracesFormat::Text {
                let mut all = traces::traces(&view);
                if let Some(re) = &re {
                    all.retain(|t| t.frames.iter().any(|f| re.is_match(&f.name)));
                }
                return Ok((traces::format_traces(&view, &all), 0));
            }
            let idx = leakscope_core::graph::NodeIndex::new(
                view.profile,
                view.granularity,
                false,
                view.noinlines,
            );
            let keep = re.as_ref().map(|re| move |name: &str| re.is_match(name));
            let keep = keep.as_ref().map(|k| k as &dyn Fn(&str) -> bool);
            if format == TracesFormat::Json {
                return traces_json(&view, &idx, keep);
            }
            // Written as it is made: the CSV of a big profile is hundreds
            // of megabytes, and held whole it tripled the process's memory.
            use std::io::Write;
            let mut stdout = std::io::stdout().lock();
            let mut failed = None;
            leakscope_core::export::traces_csv_pieces(&view, &idx, keep, 1 << 16, &mut |piece| {
                failed = stdout
                    .write_all(&leakscope_core::text::to_bytes_of(piece))
                    .err();
                failed.is_none()
            });
            match failed {
                // A closed pipe ends the output quietly, as in `main`.
                Some(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    Err(format!("writing the output: {e}"))
                }
                _ => Ok((String::new(), 0)),
            }
        }
        Cmd::List {
            regex,
            source_path,
            trim_path,
            query,
            file,
        } => {
            let prep = query.prepare(&file, limits)?;
            let view = prep.view();
            let mut src = list::DirSources {
                source_path,
                trim_path,
                root: None,
            };
            let l = list::list(&view, &regex, &mut src).map_err(|e| e.to_string())?;
            if l.is_empty() {
                return Err(format!("no matches found for regexp: {regex}"));
            }
            Ok((list::format_list(&view, &regex, &l), 0))
        }
        Cmd::Link { base_url, files } => {
            let profiles = files
                .iter()
                .map(|f| load(f, limits))
                .collect::<Result<Vec<_>, _>>()?;
            let names: Vec<String> = files
                .iter()
                .map(|f| {
                    f.file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default()
                })
                .collect();
            let mut series: Vec<(&str, &Profile)> = names
                .iter()
                .map(String::as_str)
                .zip(profiles.iter())
                .collect();
            leak::order_series(&mut series);
            let report = leak::analyze(&series);
            let summary = permalink::summarize(&series, &report, &permalink::LINK_SIZES)
                .ok_or("no profile with sample types to summarize")?;
            let (url, kept) = permalink::link(&base_url, summary);
            for o in &kept.omitted {
                eprintln!("leakscope: left out of the link to fit: {o}");
            }
            Ok((url + "\n", 0))
        }
        Cmd::Goroutines {
            format,
            similarity,
            files,
        } => {
            let (names, profiles) = load_all(&files, limits)?;
            let mut series: Vec<(&str, &Profile)> = names
                .iter()
                .map(String::as_str)
                .zip(profiles.iter())
                .collect();
            leak::order_series(&mut series);
            let ex = goroutines::explore(&series, similarity.into())?;
            let out = if format == LeaksFormat::Json {
                serde_json::to_string_pretty(&ex.json()).map_err(|e| e.to_string())? + "\n"
            } else {
                goroutines::format_text(&ex)
            };
            Ok((out, 0))
        }
        Cmd::Memstats { format, files } => {
            let (names, profiles) = load_all(&files, limits)?;
            let mut series: Vec<(&str, &Profile)> = names
                .iter()
                .map(String::as_str)
                .zip(profiles.iter())
                .collect();
            leak::order_series(&mut series);
            for (name, p) in &series {
                if p.kind() != "heap" && !goroutines::is_goroutine(p) {
                    return Err(format!(
                        "{name}: a {} profile; memstats reads heap profiles (and goroutine dumps of the same moments)",
                        p.kind()
                    ));
                }
                // The trailer is what was asked for: a broken one is an error here.
                if let Some(Err(e)) = &p.memstats {
                    return Err(format!("{name}: {e}"));
                }
            }
            if !series.iter().any(|(_, p)| p.kind() == "heap") {
                return Err("no heap profile among the files".into());
            }
            let out = if format == LeaksFormat::Json {
                let json = memory::Json {
                    snapshots: series
                        .iter()
                        .filter(|(_, p)| p.kind() == "heap")
                        .map(|(name, p)| memory::JsonSnapshot {
                            file: name,
                            memstats: match &p.memstats {
                                Some(Ok(m)) => Some(memory::JsonMemStats(m)),
                                _ => None,
                            },
                        })
                        .collect(),
                };
                serde_json::to_string_pretty(&json).map_err(|e| e.to_string())? + "\n"
            } else {
                memory::format_text(&memory::triage(&series))
            };
            Ok((out, 0))
        }
        Cmd::Leaks {
            format,
            fail_on,
            explain,
            source_path,
            files,
        } => {
            let profiles = files
                .iter()
                .map(|f| load(f, limits))
                .collect::<Result<Vec<_>, _>>()?;
            let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
            let mut series: Vec<(&str, &Profile)> = names
                .iter()
                .map(String::as_str)
                .zip(profiles.iter())
                .collect();
            leak::order_series(&mut series);
            let mut src = source_path.map(|sp| list::DirSources {
                source_path: sp,
                ..Default::default()
            });
            let report = leak::analyze_with(
                &series,
                leak::Options {
                    sources: src.as_mut().map(|s| s as &mut dyn list::SourceProvider),
                    explain,
                },
            );
            let out = if format == LeaksFormat::Json {
                serde_json::to_string_pretty(&report).map_err(|e| e.to_string())? + "\n"
            } else if format == LeaksFormat::Markdown {
                leakscope_core::export::leaks_markdown(&report, &names_for_report(&files))
            } else if explain {
                leak::format_text(&report) + &leak::format_explain(&report)
            } else {
                leak::format_text(&report)
            };
            let fail = fail_on.is_some_and(|min| {
                report
                    .max_severity()
                    .is_some_and(|m| m >= leak::Severity::from(min))
            });
            Ok((out, fail as u8))
        }
    }
}

// A profile's model is millions of small vectors and strings: mimalloc
// allocates them faster than glibc and reuses freed pages instead of
// faulting in fresh ones.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match parse(std::env::args_os()) {
        Ok(c) => c,
        // Usage errors exit 2, --help and --version 0 (clap's own codes).
        Err(e) => e.exit(),
    };
    match run(cli) {
        Ok((out, code)) => {
            use std::io::Write;
            // A closed pipe (`leakscope traces f | head`) is the reader's
            // choice, not an error: stop quietly, as Unix tools do.
            // Names keep their invalid UTF-8 bytes, as pprof writes them.
            match std::io::stdout()
                .lock()
                .write_all(&leakscope_core::text::to_bytes(&out))
            {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    eprintln!("leakscope: writing the output: {e}");
                    ExitCode::from(2)
                }
                _ => ExitCode::from(code),
            }
        }
        Err(e) => {
            eprintln!("leakscope: {e}");
            ExitCode::from(2)
        }
    }
}

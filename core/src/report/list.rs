//! `list REGEX`: per matching function, its source lines annotated with
//! flat and cum, as pprof prints them (5 lines of margin around samples).

use super::View;
use crate::error::ReportError;
use crate::graph::{Granularity, Graph, NodeIndex};
use crate::measurement;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SourceLine {
    pub lineno: i64,
    pub flat: i64,
    pub cum: i64,
    pub text: String,
}

/// One function in one file.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Listing {
    pub function: String,
    pub file: String,
    pub flat: i64,
    pub cum: i64,
    /// Lines that carry values: (line, flat, cum), ascending.
    pub sample_lines: Vec<(i64, i64, i64)>,
    /// The annotated window of source, when the file was found.
    pub source: Result<Vec<SourceLine>, String>,
}

/// Finds source text for a file name as recorded in the profile.
pub trait SourceProvider {
    /// The file's lines; `path` is the name as [`SourceProvider::display_path`]
    /// made it.
    fn lines(&mut self, path: &str) -> Result<Vec<String>, String>;

    /// The name pprof prints for a recorded file (its `trimPath`, which it
    /// applies to every file name before it builds the report): by
    /// default the `/proc/self/cwd/` prefixes of Bazel builds go.
    fn display_path(&self, path: &str) -> String {
        trim_path(path, "", "").to_string()
    }
}

/// pprof's `trimPath` (report/source.go): with no `trim_path`, a path
/// holding `/<base of a source_path directory>/` is cut after it (a
/// profile from `/home/ci/src/myproject/pkg/a.go` and `-source_path
/// ~/myproject` give `pkg/a.go`); then the first `trim_path` prefix, or
/// `/proc/self/cwd/`, that the path starts with goes. Both lists are
/// colon-separated.
pub fn trim_path<'a>(path: &'a str, trim_path: &str, source_path: &str) -> &'a str {
    if trim_path.is_empty() {
        for dir in split_list(source_path) {
            let want = format!("/{}/", go_base(dir));
            if let Some(found) = path.find(&want) {
                return &path[found + want.len()..];
            }
        }
    }
    for t in split_list(trim_path).chain(["/proc/self/cwd/./", "/proc/self/cwd/"]) {
        let t = if t.ends_with('/') {
            std::borrow::Cow::Borrowed(t)
        } else {
            std::borrow::Cow::Owned(format!("{t}/"))
        };
        if let Some(rest) = path.strip_prefix(&*t) {
            return rest;
        }
    }
    path
}

/// Go's `filepath.SplitList`: nothing for "", else the parts between colons.
fn split_list(list: &str) -> impl Iterator<Item = &str> {
    list.split(':').filter(move |_| !list.is_empty())
}

/// Go's `filepath.Base`.
fn go_base(p: &str) -> &str {
    if p.is_empty() {
        return ".";
    }
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return "/";
    }
    t.rsplit('/').next().unwrap_or(t)
}

/// Go's `filepath.Dir`.
fn go_dir(p: &str) -> String {
    let dir = match p.rfind('/') {
        Some(i) => &p[..=i],
        None => "",
    };
    let c = crate::graph::clean_path(dir);
    if c.is_empty() {
        ".".into()
    } else {
        c
    }
}

/// Splits text the way Go's bufio.ScanLines does (drops a trailing `\r`).
pub fn split_source(text: &str) -> Vec<String> {
    text.split_terminator('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l).to_string())
        .collect()
}

pub fn list(
    view: &View,
    pattern: &str,
    sources: &mut dyn SourceProvider,
) -> Result<Vec<Listing>, ReportError> {
    let re = regex_lite::Regex::new(pattern).map_err(|e| ReportError::Regex {
        pattern: pattern.into(),
        msg: e.to_string(),
    })?;
    let p = view.profile;
    let idx = NodeIndex::new(p, Granularity::Lines, true, view.noinlines);
    let g = Graph::build(p, &idx, view.sample_index, None);
    // function name -> file -> nodes
    let mut funcs: BTreeMap<String, BTreeMap<(String, i64), Vec<u32>>> = BTreeMap::new();
    for &n in &g.nodes {
        let info = &idx.infos[n as usize];
        if !re.is_match(&info.name) {
            continue;
        }
        let files = funcs.entry(info.name.to_string()).or_default();
        if info.file.is_empty() {
            continue;
        }
        // pprof trims every file name before it builds the report: files
        // equal after trimming are one.
        files
            .entry((sources.display_path(&info.file), info.start_line))
            .or_default()
            .push(n);
    }
    let mut out = Vec::new();
    for (name, files) in funcs {
        if files.is_empty() {
            out.push(Listing {
                function: name,
                file: String::new(),
                flat: 0,
                cum: 0,
                sample_lines: vec![],
                source: Err("No source information".into()),
            });
            continue;
        }
        // pprof's FileOrder sorts by file then start line; a file seen with
        // two start lines is still printed once, with all its nodes.
        let mut by_file: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        for ((file, _), nodes) in files {
            by_file.entry(file).or_default().extend(nodes);
        }
        for (file, nodes) in by_file {
            let flat: i64 = nodes.iter().map(|&n| g.flat[n as usize]).sum();
            let cum: i64 = nodes.iter().map(|&n| g.cum[n as usize]).sum();
            let mut per_line: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
            for &n in &nodes {
                let e = per_line.entry(idx.infos[n as usize].lineno).or_default();
                e.0 += g.flat[n as usize];
                e.1 += g.cum[n as usize];
            }
            let sample_lines = per_line.iter().map(|(&l, &(f, c))| (l, f, c)).collect();
            let source = window(&idx, &nodes, &per_line, sources.lines(&file));
            out.push(Listing {
                function: name.clone(),
                file,
                flat,
                cum,
                sample_lines,
                source,
            });
        }
    }
    Ok(out)
}

fn window(
    idx: &NodeIndex,
    nodes: &[u32],
    per_line: &BTreeMap<i64, (i64, i64)>,
    text: Result<Vec<String>, String>,
) -> Result<Vec<SourceLine>, String> {
    const MARGIN: i64 = 5;
    let text = text?;
    let first = &idx.infos[nodes[0] as usize];
    let mut start = if first.start_line != 0 {
        first.start_line
    } else {
        first.lineno - MARGIN
    };
    let mut end = first.lineno + MARGIN;
    for &n in nodes {
        let info = &idx.infos[n as usize];
        let node_start = if info.start_line != 0 {
            info.start_line
        } else {
            info.lineno - MARGIN
        };
        let node_end = info.lineno + MARGIN;
        // pprof widens with `if .. else if`: replicate, it decides the window.
        if node_start < start {
            start = node_start;
        } else if node_end > end {
            end = node_end;
        }
    }
    let start = start.max(1);
    let mut out = Vec::new();
    for lineno in start..=end {
        let Some(t) = text.get((lineno - 1) as usize) else {
            break;
        };
        let (flat, cum) = per_line.get(&lineno).copied().unwrap_or((0, 0));
        out.push(SourceLine {
            lineno,
            flat,
            cum,
            text: t.clone(),
        });
    }
    Ok(out)
}

/// `go tool pprof -list` text.
pub fn format_list(view: &View, pattern: &str, listings: &[Listing]) -> String {
    let fv = |v: i64| view.format_value(v, "minimum");
    let dot = |v: i64| if v == 0 { ".".to_string() } else { fv(v) };
    if listings.is_empty() {
        // pprof prints this (and exits non-zero) when no function matches.
        return format!("no matches found for regexp: {pattern}\n");
    }
    let mut out = format!("Total: {}\n", fv(view.total));
    for l in listings {
        if l.file.is_empty() {
            out.push_str(&format!("No source information for {}\n", l.function));
            continue;
        }
        out.push_str(&format!(
            "ROUTINE ======================== {} in {}\n",
            l.function, l.file
        ));
        out.push_str(&format!(
            "{:>10} {:>10} (flat, cum) {} of Total\n",
            fv(l.flat),
            fv(l.cum),
            measurement::percentage(l.cum, view.total)
        ));
        match &l.source {
            Ok(lines) => {
                for s in lines {
                    out.push_str(&format!(
                        "{:>10} {:>10} {:>6}:{}\n",
                        dot(s.flat),
                        dot(s.cum),
                        s.lineno,
                        s.text
                    ));
                }
            }
            Err(e) => out.push_str(&format!(" Error: {e}\n")),
        }
    }
    out
}

/// Reads sources from disk like pprof's `-source_path` and `-trim_path`
/// (its `openSourceFile`): the name is trimmed ([`trim_path`]); an
/// absolute one must exist as it is; a relative one is looked for in
/// each source directory and then in each of its parents.
#[derive(Debug, Clone, Default)]
pub struct DirSources {
    /// Directories, colon-separated; "" is the current directory.
    pub source_path: String,
    /// Prefixes to cut from recorded paths, colon-separated.
    pub trim_path: String,
    /// Where relative paths are opened from (the current directory when
    /// `None`); messages still name them as given, as pprof does.
    pub root: Option<std::path::PathBuf>,
}

impl DirSources {
    fn open(&self, path: &str) -> std::path::PathBuf {
        match &self.root {
            Some(r) if !path.starts_with('/') => r.join(path),
            _ => path.into(),
        }
    }

    /// The file's lines; a directory reads as empty, as it does in pprof
    /// (it opens, and its scanner's error is dropped).
    fn read(&self, path: &str) -> std::io::Result<Vec<String>> {
        let p = self.open(path);
        if p.is_dir() {
            return Ok(Vec::new());
        }
        std::fs::read(&p).map(|b| split_source(&crate::text::from_bytes(&b)))
    }
}

impl SourceProvider for DirSources {
    fn display_path(&self, path: &str) -> String {
        trim_path(path, &self.trim_path, &self.source_path).to_string()
    }

    fn lines(&mut self, path: &str) -> Result<Vec<String>, String> {
        let path = trim_path(path, &self.trim_path, &self.source_path);
        if path.starts_with('/') {
            return self
                .read(path)
                .map_err(|e| format!("open {path}: {}", go_errno(&e)));
        }
        let cwd;
        let source_path = if self.source_path.is_empty() {
            cwd = std::env::current_dir()
                .map(|d| d.display().to_string())
                .unwrap_or_else(|_| ".".into());
            &cwd
        } else {
            &self.source_path
        };
        for dir in split_list(source_path) {
            let mut dir = dir.to_string();
            loop {
                let candidate = crate::graph::clean_path(&format!("{dir}/{path}"));
                if let Ok(lines) = self.read(&candidate) {
                    return Ok(lines);
                }
                let parent = go_dir(&dir);
                if parent == dir {
                    break;
                }
                dir = parent;
            }
        }
        Err(format!("could not find file {path} on path {source_path}"))
    }
}

/// An I/O error as Go's `syscall.Errno` prints it ("no such file or
/// directory"), not Rust's ("No such file or directory (os error 2)").
fn go_errno(e: &std::io::Error) -> String {
    let s = e.to_string();
    let s = match s.rfind(" (os error ") {
        Some(i) => &s[..i],
        None => &s[..],
    };
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Sources the user dropped, matched to profile paths by the longest
/// common path suffix (the page has no file system to search).
pub struct DroppedSources {
    pub files: Vec<(String, String)>,
}

impl DroppedSources {
    /// Number of trailing path components `a` and `b` share.
    fn common_suffix(a: &str, b: &str) -> usize {
        a.rsplit('/')
            .zip(b.rsplit('/'))
            .take_while(|(x, y)| x == y)
            .count()
    }
}

impl SourceProvider for DroppedSources {
    fn lines(&mut self, path: &str) -> Result<Vec<String>, String> {
        self.files
            .iter()
            .map(|(name, text)| (Self::common_suffix(name, path), text))
            .filter(|(n, _)| *n > 0)
            .max_by_key(|(n, _)| *n)
            .map(|(_, t)| split_source(t))
            .ok_or_else(|| format!("no dropped source file matches {path}"))
    }
}

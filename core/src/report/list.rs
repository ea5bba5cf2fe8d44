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
    fn lines(&mut self, path: &str) -> Result<Vec<String>, String>;
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
        files
            .entry((info.file.to_string(), info.start_line))
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

/// Reads sources from disk like pprof's `-source_path`: each directory in
/// the list, then its parents, joined with the recorded path.
pub struct DirSources {
    pub search_path: Vec<std::path::PathBuf>,
}

impl SourceProvider for DirSources {
    fn lines(&mut self, path: &str) -> Result<Vec<String>, String> {
        let p = std::path::Path::new(path);
        if p.is_absolute() {
            return std::fs::read_to_string(p)
                .map(|t| split_source(&t))
                .map_err(|e| format!("open {path}: {e}"));
        }
        for dir in &self.search_path {
            let mut d = Some(dir.as_path());
            while let Some(cur) = d {
                if let Ok(t) = std::fs::read_to_string(cur.join(p)) {
                    return Ok(split_source(&t));
                }
                d = cur.parent().filter(|q| *q != cur);
            }
        }
        let sp: Vec<String> = self
            .search_path
            .iter()
            .map(|d| d.display().to_string())
            .collect();
        Err(format!(
            "Could not find file {path} on path {}",
            sp.join(":")
        ))
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

//! Permalinks: a compact summary of a profile or series carried in the URL
//! fragment (`#s=2.<data>`), which browsers never send to a server.
//!
//! Encoding: serde into postcard (compact binary), raw deflate, base64url
//! without padding, behind the version tag `2.`. Postcard is not
//! self-describing, so any change to what a summary carries bumps the
//! tag; links of older versions are read through their own types
//! (`v1`: findings before survival, wait growth and noise) and converted. Links are kept under
//! [`MAX_LINK`] characters: the flame tree is pruned first, then the top
//! rows, and `omitted` says what was left out. Decoding caps the inflated
//! size, so a crafted link cannot blow up memory.

use crate::leak::{Finding, LeakReport, SiteNote, Verdict};
use crate::report::flame::{FlameNode, FlameTree};
use crate::report::{top, View};
use crate::Profile;
use base64::Engine;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The longest link we produce (base URL included).
pub const MAX_LINK: usize = 8000;

/// Where the page is published: the base of the CLI's links and of links
/// made in a page served by `leakscope web`. One setting, the repository's
/// `site-url` file, read by the build and quoted by the README; the Pages
/// workflow writes its own address there before building.
pub const SITE_URL: &str = include_str!("../../site-url").trim_ascii();
/// The largest inflated summary we accept.
pub const MAX_INFLATED: usize = 1 << 20;
const VERSION: &str = "2";

/// How much of a series a summary holds before [`link`] prunes it to fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sizes {
    /// Top rows, in pprof's order.
    pub top_rows: usize,
    /// Flame frames narrower than this fraction of the root are left out.
    pub flame_fraction: f64,
    /// At most this many flame frames, callers before callees.
    pub flame_frames: usize,
}

/// What a link starts from: the page's Share button and `leakscope link`.
pub const LINK_SIZES: Sizes = Sizes {
    top_rows: 200,
    flame_fraction: 0.01,
    flame_frames: 400,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub name: u32,
    pub flat: i64,
    pub cum: i64,
    /// pprof's mark: "", "(inline)" or "(partial-inline)".
    pub inline: String,
}

/// A flame node: parent index (itself for the root), name index, total, self.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Frame {
    pub parent: u32,
    pub name: u32,
    pub total: i64,
    pub self_value: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub kind: String,
    pub sample_type: String,
    pub unit: String,
    pub total: i64,
    /// Unit pprof uses for the Top table.
    pub output_unit: String,
    pub time_nanos: i64,
    pub duration_nanos: i64,
    /// Snapshot file names, in series order; the last is the one summarized.
    pub files: Vec<String>,
    /// Function names shared by `rows` and `flame`.
    pub names: Vec<String>,
    pub rows: Vec<Row>,
    /// Pre-order: a parent comes before its children.
    pub flame: Vec<Frame>,
    pub findings: Vec<Finding>,
    pub snapshots: usize,
    pub checked: Vec<String>,
    pub verdict: Verdict,
    /// The largest sites judged healthy.
    pub healthy: Vec<SiteNote>,
    pub next_step: String,
    /// What was left out to fit the link.
    pub omitted: Vec<String>,
}

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum LinkError {
    #[error("the link has no summary (expected #s=2.…)")]
    Missing,
    #[error(
        "the link's summary version {0:?} is not one this page reads (it reads versions 1 and 2)"
    )]
    Version(String),
    #[error("the link is damaged: its data is not valid base64url")]
    Base64,
    #[error("the link is damaged or truncated: its data does not decompress")]
    Deflate,
    #[error("the link's summary decompresses to more than {MAX_INFLATED} bytes; refused")]
    TooLarge,
    #[error("the link is damaged: {0}")]
    Corrupt(String),
}

/// Builds the summary of a series: Top and Flame from the last snapshot,
/// findings from the whole series, as much as `sizes` says.
pub fn summarize(
    series: &[(&str, &Profile)],
    report: &LeakReport,
    sizes: &Sizes,
) -> Option<Summary> {
    let Sizes {
        top_rows,
        flame_fraction,
        flame_frames,
    } = *sizes;
    let (_, last) = series.last()?;
    if last.sample_types.is_empty() {
        return None;
    }
    let view = View::new(last, last.default_sample_index());
    let t = top::top(
        &view,
        &top::TopOptions {
            node_fraction: 0.0,
            ..Default::default()
        },
    );
    let output_unit = top::pprof_output_unit(&view, &t.rows, top::PPROF_NODE_FRACTION);
    // Only frames at least `min` wide can be kept: prune while laying out
    // (the whole tree of a big profile has millions of frames).
    let stacks = crate::report::flame::FlameStacks::new(&view, false);
    let min = ((stacks.total().abs() as f64) * flame_fraction) as i64;
    let tree = stacks.tree(
        &[],
        (min.max(1) as f64 - 0.5) / stacks.total().abs().max(1) as f64,
    );
    let mut names: Vec<String> = Vec::new();
    let mut index = std::collections::HashMap::new();
    let mut name = |n: &str| -> u32 {
        *index.entry(n.to_string()).or_insert_with(|| {
            names.push(n.to_string());
            names.len() as u32 - 1
        })
    };
    let rows: Vec<Row> = t
        .rows
        .iter()
        .take(top_rows)
        .map(|r| Row {
            name: name(&r.name),
            flat: r.flat,
            cum: r.cum,
            inline: r.inline.clone(),
        })
        .collect();
    let mut flame = Vec::new();
    let mut map = vec![u32::MAX; tree.nodes.len()];
    let mut todo = vec![0u32];
    while let Some(n) = todo.pop() {
        let node = &tree.nodes[n as usize];
        if flame.len() >= flame_frames {
            break;
        }
        let parent = if n == 0 { 0 } else { map[node.parent as usize] };
        map[n as usize] = flame.len() as u32;
        flame.push(Frame {
            parent,
            name: name(&tree.names[node.name as usize]),
            total: node.total,
            self_value: node.self_value,
        });
        for &c in node.children.iter().rev() {
            if tree.nodes[c as usize].total.abs() >= min.max(1) {
                todo.push(c);
            }
        }
    }
    let mut findings = report.findings.clone();
    for f in &mut findings {
        f.stack.truncate(3); // the blocking frame and two callers are enough to read
    }
    Some(Summary {
        kind: last.kind(),
        sample_type: view.sample_type.clone(),
        unit: view.sample_unit.clone(),
        total: view.total,
        output_unit,
        time_nanos: last.time_nanos,
        duration_nanos: last.duration_nanos,
        files: series.iter().map(|(n, _)| n.to_string()).collect(),
        names,
        rows,
        flame,
        findings,
        snapshots: report.snapshots,
        checked: report.checked.clone(),
        verdict: report.verdict,
        healthy: report.healthy.clone(),
        next_step: report.next_step.clone(),
        omitted: Vec::new(),
    })
}

/// The fragment payload `2.<data>` for a summary.
pub fn encode(s: &Summary) -> String {
    let bin = postcard::to_allocvec(s).expect("summaries always serialize");
    let z = miniz_oxide::deflate::compress_to_vec(&bin, 9);
    format!(
        "{VERSION}.{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(z)
    )
}

/// Reads `s=2.<data>` or an older `s=1.<data>` (or `#s=…`, or a whole URL).
pub fn decode(link: &str) -> Result<Summary, LinkError> {
    let frag = link.rsplit_once('#').map(|(_, f)| f).unwrap_or(link);
    let data = frag
        .split('&')
        .find_map(|kv| kv.strip_prefix("s="))
        .ok_or(LinkError::Missing)?;
    let (version, data) = data.split_once('.').ok_or(LinkError::Missing)?;
    if version != VERSION && version != "1" {
        return Err(LinkError::Version(version.chars().take(10).collect()));
    }
    let z = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(data.trim_end_matches('='))
        .map_err(|_| LinkError::Base64)?;
    let bin = miniz_oxide::inflate::decompress_to_vec_with_limit(&z, MAX_INFLATED).map_err(
        |e| match e.status {
            miniz_oxide::inflate::TINFLStatus::HasMoreOutput => LinkError::TooLarge,
            _ => LinkError::Deflate,
        },
    )?;
    let s: Summary = if version == "1" {
        postcard::from_bytes::<v1::Summary>(&bin)
            .map_err(|e| LinkError::Corrupt(e.to_string()))?
            .into()
    } else {
        postcard::from_bytes(&bin).map_err(|e| LinkError::Corrupt(e.to_string()))?
    };
    validate(&s)?;
    Ok(s)
}

fn validate(s: &Summary) -> Result<(), LinkError> {
    let n = s.names.len() as u32;
    if s.rows.iter().any(|r| r.name >= n) || s.flame.iter().any(|f| f.name >= n) {
        return Err(LinkError::Corrupt("a name index points nowhere".into()));
    }
    for (i, f) in s.flame.iter().enumerate() {
        if (i > 0 && f.parent as usize >= i) || (i == 0 && f.parent != 0) {
            return Err(LinkError::Corrupt("the flame tree is out of order".into()));
        }
    }
    Ok(())
}

/// Encodes, pruning until `base` + fragment fits in [`MAX_LINK`]: first the
/// flame tree (coarser, then smaller), then the top rows (down to 20),
/// then finding details. Returns the link and the summary it carries.
pub fn link(base: &str, mut s: Summary) -> (String, Summary) {
    let make = |s: &Summary| format!("{base}#s={}", encode(s));
    let mut url = make(&s);
    let full_flame = s.flame.len();
    let full_rows = s.rows.len();
    while url.len() > MAX_LINK {
        if s.flame.len() > 16 {
            // Keep the widest frames: the tree is pre-order, so a prefix of
            // the frames sorted by total keeps parents before children.
            let keep = s.flame.len() * 2 / 3;
            prune_flame(&mut s, keep);
        } else if s.rows.len() > 20 {
            let keep = (s.rows.len() * 2 / 3).max(20);
            s.rows.truncate(keep);
        } else if s.findings.iter().any(|f| !f.stack.is_empty()) {
            for f in &mut s.findings {
                f.stack.clear();
            }
        } else if !s.healthy.is_empty() {
            s.healthy.clear();
            s.omitted.push("the sites judged healthy".into());
        } else if s.flame.len() > 1 {
            prune_flame(&mut s, 1);
        } else if !s.findings.is_empty() {
            s.findings.pop();
            s.omitted.push("a finding".into());
        } else {
            break;
        }
        s.omitted
            .retain(|o| !o.starts_with("flame frames") && !o.starts_with("top rows"));
        if s.flame.len() < full_flame {
            s.omitted.push(format!(
                "flame frames: {} of {} kept",
                s.flame.len(),
                full_flame
            ));
        }
        if s.rows.len() < full_rows {
            s.omitted
                .push(format!("top rows: {} of {} kept", s.rows.len(), full_rows));
        }
        compact_names(&mut s);
        url = make(&s);
    }
    (url, s)
}

/// Drops names no row or frame refers to any more, renumbering the rest.
fn compact_names(s: &mut Summary) {
    let mut map = vec![u32::MAX; s.names.len()];
    let mut names = Vec::new();
    let mut remap = |i: &mut u32| {
        if map[*i as usize] == u32::MAX {
            map[*i as usize] = names.len() as u32;
            names.push(std::mem::take(&mut s.names[*i as usize]));
        }
        *i = map[*i as usize];
    };
    for r in &mut s.rows {
        remap(&mut r.name);
    }
    for f in &mut s.flame {
        remap(&mut f.name);
    }
    s.names = names;
}

fn prune_flame(s: &mut Summary, keep: usize) {
    let mut order: Vec<u32> = (0..s.flame.len() as u32).collect();
    crate::order::sort_ids_by(&mut order, |a, b| {
        s.flame[b as usize]
            .total
            .abs()
            .cmp(&s.flame[a as usize].total.abs())
    });
    let mut kept = vec![false; s.flame.len()];
    kept[0] = true;
    for &i in order.iter() {
        let i = i as usize;
        if kept.iter().filter(|k| **k).count() >= keep.max(1) {
            break;
        }
        if kept[s.flame[i].parent as usize] {
            kept[i] = true;
        }
    }
    let mut map = vec![0u32; s.flame.len()];
    let mut out = Vec::new();
    for (i, f) in s.flame.iter().enumerate() {
        if kept[i] && (i == 0 || kept[f.parent as usize]) {
            map[i] = out.len() as u32;
            out.push(Frame {
                parent: if i == 0 { 0 } else { map[f.parent as usize] },
                ..f.clone()
            });
        } else {
            kept[i] = false;
        }
    }
    s.flame = out;
}

impl Summary {
    /// The summary's flame frames laid out like [`crate::report::flame::flame`].
    pub fn flame_tree(&self) -> FlameTree {
        let mut nodes: Vec<FlameNode> = self
            .flame
            .iter()
            .map(|f| FlameNode {
                name: f.name + 1,
                key: f.name,
                parent: f.parent,
                depth: 0,
                x: 0,
                total: f.total,
                self_value: f.self_value,
                inline: false,
                children: vec![],
            })
            .collect();
        for i in 1..nodes.len() {
            let p = nodes[i].parent as usize;
            nodes[i].depth = nodes[p].depth + 1;
            nodes[p].children.push(i as u32);
        }
        let mut max_depth = 0;
        for i in 0..nodes.len() {
            max_depth = max_depth.max(nodes[i].depth);
            let mut x = nodes[i].x;
            for c in nodes[i].children.clone() {
                nodes[c as usize].x = x;
                x += nodes[c as usize].total.abs();
            }
        }
        if let Some(root) = nodes.first_mut() {
            root.name = 0;
        }
        let mut names = vec!["root".to_string()];
        names.extend(self.names.iter().cloned());
        let files = vec![String::new(); names.len()];
        FlameTree {
            names,
            files,
            nodes,
            bottom_up: false,
            max_depth,
        }
    }

    pub fn top_rows(&self) -> Vec<top::TopRow> {
        self.rows
            .iter()
            .map(|r| {
                let name = self.names[r.name as usize].clone();
                top::TopRow {
                    name,
                    function: None,
                    inline: r.inline.clone(),
                    flat: r.flat,
                    cum: r.cum,
                }
            })
            .collect()
    }

    pub fn leak_report(&self) -> LeakReport {
        LeakReport {
            verdict: self.verdict,
            findings: self.findings.clone(),
            snapshots: self.snapshots,
            checked: self.checked.clone(),
            healthy: self.healthy.clone(),
            next_step: self.next_step.clone(),
            explain: Vec::new(),
        }
    }
}

/// Version 1 summaries (leakscope before findings carried survival, wait
/// growth and noise), read and converted to the current [`Summary`].
mod v1 {
    use crate::leak::{Basis, Kind, Rule, Severity, SiteNote, Trend, Unit, Verdict};
    use serde::Deserialize;

    #[derive(Deserialize)]
    pub struct Finding {
        rule: String,
        severity: Severity,
        kind: String,
        function: String,
        file: String,
        line: i64,
        /// v1 named the entry function here for forms that do not record
        /// the creator: not carried over as `created_by`.
        #[allow(dead_code)]
        created_by: Option<String>,
        wait: String,
        wait_minutes: Option<u64>,
        counts: Vec<i64>,
        /// Implied by `kind`.
        #[allow(dead_code)]
        unit: String,
        evidence: String,
        fix: String,
        stack: Vec<String>,
    }

    #[derive(Deserialize)]
    pub struct Summary {
        kind: String,
        sample_type: String,
        unit: String,
        total: i64,
        output_unit: String,
        time_nanos: i64,
        duration_nanos: i64,
        files: Vec<String>,
        names: Vec<String>,
        rows: Vec<super::Row>,
        flame: Vec<super::Frame>,
        findings: Vec<Finding>,
        snapshots: usize,
        checked: Vec<String>,
        omitted: Vec<String>,
    }

    fn rule(s: &str, heap: bool) -> Rule {
        match s {
            "chan-recv-no-sender" => Rule::ChanRecvNoSender,
            "chan-send-no-receiver" => Rule::ChanSendNoReceiver,
            "nil-chan" => Rule::NilChan,
            "select-forever" => Rule::SelectForever,
            "waitgroup-or-lock" => Rule::WaitgroupOrLock,
            "unclosed-response-body" => Rule::UnclosedResponseBody,
            "ticker-not-stopped" => Rule::TickerNotStopped,
            "defer-in-loop" => Rule::DeferInLoop,
            "substring-retention" => Rule::SubstringRetention,
            "unbounded-cache" => Rule::UnboundedCache,
            _ if heap => Rule::HeapGrowth,
            _ => Rule::GoroutineGrowth,
        }
    }

    impl From<Summary> for super::Summary {
        fn from(s: Summary) -> Self {
            let mut findings = Vec::new();
            let mut healthy = Vec::new();
            for f in s.findings {
                let heap = f.kind == "heap";
                let (kind, unit) = if heap {
                    (Kind::Heap, Unit::Bytes)
                } else {
                    (Kind::Goroutine, Unit::Goroutines)
                };
                // v1 reported healthy pools and drained spikes as info
                // findings: they are healthy notes now.
                if f.severity == Severity::Info {
                    healthy.push(SiteNote {
                        kind,
                        function: f.function,
                        file: f.file,
                        line: f.line,
                        count: f.counts.last().copied().unwrap_or(0),
                        unit,
                        severity: None,
                        why: f.evidence,
                    });
                    continue;
                }
                let trend = match (f.counts.first(), f.counts.last()) {
                    _ if f.counts.len() < 2 => Trend::Single,
                    (Some(a), Some(b)) if b > a => Trend::Growing,
                    _ => Trend::Flat,
                };
                findings.push(crate::leak::Finding {
                    rule: rule(&f.rule, heap),
                    severity: f.severity,
                    kind,
                    function: f.function,
                    file: f.file,
                    line: f.line,
                    created_by: None,
                    created_at: None,
                    entry_function: None,
                    wait: f.wait,
                    wait_minutes: f.wait_minutes,
                    times: vec![0; f.counts.len()],
                    counts: f.counts,
                    unit,
                    basis: match (heap, trend) {
                        (true, Trend::Single) => Basis::HeapSnapshot,
                        (true, _) => Basis::HeapTrend,
                        (false, Trend::Single) => Basis::OneSnapshot,
                        (false, _) => Basis::Counts,
                    },
                    trend,
                    survival: None,
                    wait_growth: None,
                    noise: None,
                    evidence: f.evidence,
                    fix: f.fix,
                    next_step: String::new(),
                    blocking_line: None,
                    stack: f.stack,
                });
            }
            let verdict = match findings.iter().map(|f| f.severity).max() {
                Some(Severity::High | Severity::Medium) => Verdict::Leak,
                Some(Severity::Low) => Verdict::Suspect,
                _ if s.checked.iter().any(|c| c.contains("nothing to check")) => {
                    Verdict::NotChecked
                }
                _ => Verdict::Clean,
            };
            super::Summary {
                kind: s.kind,
                sample_type: s.sample_type,
                unit: s.unit,
                total: s.total,
                output_unit: s.output_unit,
                time_nanos: s.time_nanos,
                duration_nanos: s.duration_nanos,
                files: s.files,
                names: s.names,
                rows: s.rows,
                flame: s.flame,
                findings,
                snapshots: s.snapshots,
                checked: s.checked,
                verdict,
                healthy,
                next_step: String::new(),
                omitted: s.omitted,
            }
        }
    }
}

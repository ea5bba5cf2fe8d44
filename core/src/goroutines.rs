//! The goroutine explorer: "what are all these goroutines doing?"
//!
//! Goroutines that share a stack and a state are one group (panicparse's
//! buckets): their count, wait minutes (min to max), the `go` statement
//! that created them, their ids as ranges, labels, how many are locked to
//! their thread, and the stack with the program's own frames set apart.
//! Read from `debug=2` dumps (every goroutine with its state), `debug=1`
//! dumps and goroutine `.pb.gz` profiles (stacks with counts: the state is
//! what the stack shows, e.g. `runtime.chanrecv` is `chan receive`, and
//! ids, minutes and creators are not recorded).
//!
//! [`Similarity::AnyLine`] merges groups whose stacks differ only in line
//! numbers (the same functions called from other lines: panicparse's
//! looser levels; our decoders keep no argument values, so exact stacks are
//! panicparse's `AnyValue` already).
//!
//! Over a series of snapshots a group is followed by its key, so each has
//! a count per snapshot and, with ids, how many of its goroutines were
//! already in it at the previous snapshot (Go never reuses a goroutine id).

use crate::leak::frames::{frames, is_user_function, wait_from_stack};
use crate::profile::{Frame, Profile, SourceFormat};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// How alike two goroutines must be to share a group.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Similarity {
    /// Same frames (function, file, line), state, creator and
    /// locked-to-thread.
    #[default]
    Exact,
    /// Same functions and files in the same order and the same state and
    /// creating function; lines may differ (a loop's two calls, two builds).
    AnyLine,
}

impl Similarity {
    pub fn parse(s: &str) -> Option<Similarity> {
        match s {
            "exact" => Some(Similarity::Exact),
            "lines" | "any-line" => Some(Similarity::AnyLine),
            _ => None,
        }
    }
}

/// One frame of a group's stack.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StackFrame {
    pub function: String,
    pub file: String,
    pub line: i64,
    /// The program's own code (not runtime, standard library or golang.org/x).
    pub own: bool,
    /// Under [`Similarity::AnyLine`]: the other lines merged goroutines
    /// were at in this frame.
    pub other_lines: Vec<i64>,
}

/// Goroutines of one snapshot that share a stack and a state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Group {
    /// The group's key across the snapshots of one [`Explorer`].
    pub key: u32,
    pub count: u64,
    /// The runtime's wait reason (`chan receive`, `select`, `IO wait`...);
    /// for dumps that do not record it, what the stack shows (may be empty).
    pub state: String,
    /// True when `state` was read from the stack, not from the dump.
    pub state_from_stack: bool,
    /// The shortest and longest wait, in minutes: debug=2 prints minutes
    /// for waits of a minute or more, so a goroutine without them counts
    /// as 0 (under a minute). None when no goroutine of the group shows one.
    pub wait_minutes: Option<(u64, u64)>,
    /// The program's own frame where the goroutines are (the first frame
    /// below runtime and standard library ones).
    pub blocking: Frame,
    /// The `go` statement that started them (debug=2 only).
    pub created_by: Option<Frame>,
    /// Goroutine ids as inclusive ranges, ascending (debug=2 only).
    pub ids: Vec<(u64, u64)>,
    /// Distinct label sets and how many goroutines carry each.
    pub labels: Vec<(Vec<(String, String)>, u64)>,
    /// How many are locked to their OS thread (`runtime.LockOSThread`).
    pub locked: u64,
    /// How many the runtime's leak detector marked `(leaked)`.
    pub leaked: u64,
    /// The dump left frames out (`...N frames elided...`).
    pub elided: bool,
    /// Leaf first.
    pub stack: Vec<StackFrame>,
}

impl Group {
    /// Every id, ascending.
    pub fn id_list(&self) -> impl Iterator<Item = u64> + '_ {
        self.ids.iter().flat_map(|&(a, b)| a..=b)
    }

    /// `1-5, 8, 10-12`.
    pub fn id_ranges(&self) -> String {
        self.ids
            .iter()
            .map(|&(a, b)| {
                if a == b {
                    a.to_string()
                } else {
                    format!("{a}-{b}")
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Whether `needle` (lower case) is in a function name, a file, the
    /// state or the creator.
    pub fn matches(&self, needle: &str) -> bool {
        let has = |s: &str| s.to_lowercase().contains(needle);
        needle.is_empty()
            || has(&self.state)
            || self.stack.iter().any(|f| has(&f.function) || has(&f.file))
            || self
                .created_by
                .as_ref()
                .is_some_and(|c| has(&c.function) || has(&c.file))
    }
}

/// One snapshot's groups, largest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub file: String,
    /// How the dump was written (`goroutine dump (debug=2)`...).
    pub format: String,
    pub total: u64,
    /// The dump records states, minutes, creators and ids (debug=2).
    pub detailed: bool,
    pub groups: Vec<Group>,
}

/// A group followed across the series.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Track {
    pub key: u32,
    /// Goroutines in the group per snapshot.
    pub counts: Vec<u64>,
    /// Per snapshot, how many of its goroutines were in the group at the
    /// previous snapshot; None for the first snapshot and without ids.
    pub survived: Vec<Option<u64>>,
}

impl Track {
    /// Last count minus first.
    pub fn growth(&self) -> i64 {
        let first = self.counts.first().copied().unwrap_or(0) as i64;
        let last = self.counts.last().copied().unwrap_or(0) as i64;
        last - first
    }
}

/// Groups of every snapshot of a series, and each group's track.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Explorer {
    pub similarity: Similarity,
    pub snapshots: Vec<Snapshot>,
    /// By key.
    pub tracks: Vec<Track>,
}

/// Whether the explorer reads this profile (goroutine dumps and profiles).
pub fn is_goroutine(p: &Profile) -> bool {
    matches!(p.kind().as_str(), "goroutine" | "goroutineleak")
}

/// What makes two goroutines one group.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Key {
    stack: u32,
    state: String,
    creator: Option<(String, String, i64)>,
    locked: bool,
    elided: bool,
}

/// A group being filled.
#[derive(Default)]
struct Acc {
    group: Group,
    /// Longest wait shown; shortest, with none shown counting as 0.
    max_minutes: Option<u64>,
    min_minutes: u64,
    ids: Vec<u64>,
    labels: BTreeMap<Vec<(String, String)>, u64>,
    lines: Vec<BTreeSet<i64>>,
}

/// Stack keys shared across the series.
#[derive(Default)]
struct Stacks {
    ids: HashMap<Vec<(String, String, i64)>, u32>,
}

impl Stacks {
    fn key(&mut self, frames: &[Frame], sim: Similarity) -> u32 {
        let k: Vec<(String, String, i64)> = frames
            .iter()
            .map(|f| {
                let line = if sim == Similarity::Exact { f.line } else { 0 };
                (f.function.clone(), f.file.clone(), line)
            })
            .collect();
        let next = self.ids.len() as u32;
        *self.ids.entry(k).or_insert(next)
    }
}

/// Groups a series of goroutine profiles (in series order). Profiles of
/// other kinds are refused by name.
pub fn explore(series: &[(&str, &Profile)], sim: Similarity) -> Result<Explorer, String> {
    let mut stacks = Stacks::default();
    let mut keys: HashMap<Key, u32> = HashMap::new();
    let mut snapshots = Vec::with_capacity(series.len());
    for (name, p) in series {
        if !is_goroutine(p) {
            return Err(format!(
                "{name}: a {} profile, not a goroutine dump or goroutine profile",
                p.kind()
            ));
        }
        snapshots.push(group_one(name, p, sim, &mut stacks, &mut keys));
    }
    let n = snapshots.len();
    let mut tracks: Vec<Track> = (0..keys.len() as u32)
        .map(|key| Track {
            key,
            counts: vec![0; n],
            survived: vec![None; n],
        })
        .collect();
    for (k, s) in snapshots.iter().enumerate() {
        for g in &s.groups {
            tracks[g.key as usize].counts[k] = g.count;
        }
    }
    // Survival: ids of a group at k that it held at k - 1.
    for k in 1..n {
        if !(snapshots[k].detailed && snapshots[k - 1].detailed) {
            continue;
        }
        let before: HashMap<u32, &Group> =
            snapshots[k - 1].groups.iter().map(|g| (g.key, g)).collect();
        for g in &snapshots[k].groups {
            let kept = before
                .get(&g.key)
                .map(|b| common(&b.ids, &g.ids))
                .unwrap_or(0);
            tracks[g.key as usize].survived[k] = Some(kept);
        }
    }
    Ok(Explorer {
        similarity: sim,
        snapshots,
        tracks,
    })
}

/// The program's own code: not the runtime, the standard library or
/// golang.org/x, nor a builtin the traceback names without a package
/// (`panic`).
fn own_code(function: &str) -> bool {
    function.contains('.') && is_user_function(function)
}

/// The program's own frame nearest the leaf; for a stack of runtime and
/// library code only, its entry function (`net/http.(*conn).serve`), which
/// says more than the runtime frame it parks in.
fn blocking_frame(fr: &[Frame]) -> Frame {
    fr.iter()
        .find(|f| own_code(&f.function))
        .or_else(|| {
            fr.iter()
                .rev()
                .find(|f| !f.function.starts_with("runtime.") && !f.function.is_empty())
        })
        .or(fr.first())
        .cloned()
        .unwrap_or_default()
}

/// How many ids two ascending range lists share.
fn common(a: &[(u64, u64)], b: &[(u64, u64)]) -> u64 {
    let (mut i, mut j, mut n) = (0, 0, 0u64);
    while i < a.len() && j < b.len() {
        let lo = a[i].0.max(b[j].0);
        let hi = a[i].1.min(b[j].1);
        if lo <= hi {
            n += hi - lo + 1;
        }
        if a[i].1 < b[j].1 {
            i += 1;
        } else {
            j += 1;
        }
    }
    n
}

fn ranges(mut ids: Vec<u64>) -> Vec<(u64, u64)> {
    crate::order::sort_by(&mut ids, |a, b| a.cmp(b));
    ids.dedup();
    let mut out: Vec<(u64, u64)> = Vec::new();
    for id in ids {
        match out.last_mut() {
            Some((_, end)) if *end + 1 == id => *end = id,
            _ => out.push((id, id)),
        }
    }
    out
}

fn group_one(
    name: &str,
    p: &Profile,
    sim: Similarity,
    stacks: &mut Stacks,
    keys: &mut HashMap<Key, u32>,
) -> Snapshot {
    let detailed = p.format == Some(SourceFormat::GoroutineDebug2) || !p.goroutines.is_empty();
    // Frames and stack key per sample, built once.
    let mut per_sample: HashMap<u32, (Vec<Frame>, u32)> = HashMap::new();
    let mut sample = |si: u32, stacks: &mut Stacks| -> (Vec<Frame>, u32) {
        per_sample
            .entry(si)
            .or_insert_with(|| {
                let fr = if (si as usize) < p.samples.len() {
                    frames(p, &p.samples.get(si as usize))
                } else {
                    Vec::new()
                };
                let k = stacks.key(&fr, sim);
                (fr, k)
            })
            .clone()
    };
    let mut accs: Vec<Acc> = Vec::new();
    let mut index: HashMap<u32, usize> = HashMap::new();
    let mut total = 0u64;
    let mut add = |accs: &mut Vec<Acc>,
                   key: Key,
                   fr: &[Frame],
                   count: u64,
                   from_stack: bool,
                   keys: &mut HashMap<Key, u32>|
     -> usize {
        let next = keys.len() as u32;
        let gk = *keys.entry(key.clone()).or_insert(next);
        let i = *index.entry(gk).or_insert_with(|| {
            accs.push(Acc {
                group: Group {
                    key: gk,
                    state: key.state.clone(),
                    state_from_stack: from_stack,
                    blocking: blocking_frame(fr),
                    elided: key.elided,
                    stack: fr
                        .iter()
                        .map(|f| StackFrame {
                            function: f.function.clone(),
                            file: f.file.clone(),
                            line: f.line,
                            own: own_code(&f.function),
                            other_lines: Vec::new(),
                        })
                        .collect(),
                    ..Default::default()
                },
                lines: vec![BTreeSet::new(); fr.len()],
                min_minutes: u64::MAX,
                ..Default::default()
            });
            accs.len() - 1
        });
        let a = &mut accs[i];
        a.group.count += count;
        for (set, f) in a.lines.iter_mut().zip(fr) {
            set.insert(f.line);
        }
        i
    };
    if detailed {
        for g in &p.goroutines {
            let (fr, stack) = sample(g.sample, stacks);
            let creator = g.created_by.as_ref().map(|c| {
                let line = if sim == Similarity::Exact { c.line } else { 0 };
                let file = if sim == Similarity::Exact {
                    c.file.clone()
                } else {
                    String::new()
                };
                (c.function.clone(), file, line)
            });
            let key = Key {
                stack,
                state: g.state.clone(),
                creator,
                locked: sim == Similarity::Exact && g.locked_to_thread,
                elided: g.frames_elided > 0,
            };
            let i = add(&mut accs, key, &fr, 1, false, keys);
            let a = &mut accs[i];
            total += 1;
            a.ids.push(g.id);
            if let Some(m) = g.wait_minutes {
                a.max_minutes = Some(a.max_minutes.unwrap_or(0).max(m));
            }
            a.min_minutes = a.min_minutes.min(g.wait_minutes.unwrap_or(0));
            if a.group.created_by.is_none() {
                a.group.created_by = g.created_by.clone();
            }
            a.group.locked += g.locked_to_thread as u64;
            a.group.leaked += g.leaked as u64;
            let mut labels = g.labels.clone();
            crate::order::sort_by(&mut labels, |x, y| x.cmp(y));
            *a.labels.entry(labels).or_default() += 1;
        }
    } else {
        let strs: Vec<(u64, Vec<(String, String)>)> = p
            .samples
            .iter()
            .map(|s| {
                (
                    s.values.first().copied().unwrap_or(0).max(0) as u64,
                    s.labels.strs.clone(),
                )
            })
            .collect();
        for (si, (count, labels)) in strs.into_iter().enumerate() {
            if count == 0 {
                continue;
            }
            let (fr, stack) = sample(si as u32, stacks);
            let key = Key {
                stack,
                state: wait_from_stack(&fr).to_string(),
                creator: None,
                locked: false,
                elided: false,
            };
            let i = add(&mut accs, key, &fr, count, true, keys);
            total += count;
            *accs[i].labels.entry(labels).or_default() += count;
        }
    }
    let mut groups: Vec<Group> = accs
        .into_iter()
        .map(|a| {
            let mut g = a.group;
            g.wait_minutes = a.max_minutes.map(|hi| (a.min_minutes.min(hi), hi));
            g.ids = ranges(a.ids);
            let mut labels: Vec<(Vec<(String, String)>, u64)> = a
                .labels
                .into_iter()
                .filter(|(l, _)| !l.is_empty())
                .collect();
            crate::order::sort_by(&mut labels, |x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
            g.labels = labels;
            for (f, set) in g.stack.iter_mut().zip(a.lines) {
                f.other_lines = set.into_iter().filter(|&l| l != f.line).collect();
            }
            g
        })
        .collect();
    crate::order::sort_by(&mut groups, |a, b| {
        b.count
            .cmp(&a.count)
            .then(a.state.cmp(&b.state))
            .then(a.blocking.function.cmp(&b.blocking.function))
            .then(a.key.cmp(&b.key))
    });
    Snapshot {
        file: name.to_string(),
        format: p.format.map(|f| f.describe()).unwrap_or("").to_string(),
        total,
        detailed,
        groups,
    }
}

/// How the explorer's rows are ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Sort {
    /// Most goroutines first (in the snapshot shown).
    #[default]
    Count,
    /// Longest wait first.
    Wait,
    /// By state, then most goroutines.
    State,
    /// Most grown from the first snapshot to the last.
    Growth,
}

impl Sort {
    pub fn parse(s: &str) -> Option<Sort> {
        match s {
            "count" => Some(Sort::Count),
            "wait" => Some(Sort::Wait),
            "state" => Some(Sort::State),
            "growth" => Some(Sort::Growth),
            _ => None,
        }
    }
}

/// One row of the explorer: a group as seen in the snapshot shown (or, if
/// it has none there, where it was last seen) with its track.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub group: Group,
    /// Whether the group has goroutines in the snapshot shown.
    pub present: bool,
    pub counts: Vec<u64>,
    pub survived: Vec<Option<u64>>,
}

/// What the page shows: the rows matching a search, sorted, the first
/// `limit` of them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct View {
    /// File name per snapshot of the series.
    pub files: Vec<String>,
    /// Goroutines per snapshot.
    pub totals: Vec<u64>,
    /// Index of the snapshot shown.
    pub current: usize,
    pub format: String,
    pub detailed: bool,
    pub rows: Vec<Row>,
    /// Rows matching the search (before `limit`).
    pub matching: usize,
    /// Groups in the series.
    pub groups: usize,
}

impl Explorer {
    /// Rows for snapshot `current`: its groups, and with a series also the
    /// groups it lacks (count 0 there), filtered by `search` (a
    /// case-insensitive substring), sorted, cut to `limit`.
    pub fn view(&self, current: usize, sort: Sort, search: &str, limit: usize) -> View {
        let current = current.min(self.snapshots.len().saturating_sub(1));
        let Some(shown) = self.snapshots.get(current) else {
            return View::default();
        };
        let needle = search.trim().to_lowercase();
        // The latest appearance of every group, the shown snapshot first.
        let mut latest: HashMap<u32, (&Group, bool)> = HashMap::new();
        for g in &shown.groups {
            latest.insert(g.key, (g, true));
        }
        for s in self.snapshots.iter().rev() {
            for g in &s.groups {
                latest.entry(g.key).or_insert((g, false));
            }
        }
        let mut rows: Vec<Row> = latest
            .into_values()
            .filter(|(g, _)| g.matches(&needle))
            .map(|(g, present)| {
                let t = &self.tracks[g.key as usize];
                Row {
                    group: g.clone(),
                    present,
                    counts: t.counts.clone(),
                    survived: t.survived.clone(),
                }
            })
            .collect();
        let now = |r: &Row| r.counts.get(current).copied().unwrap_or(0);
        let growth = |r: &Row| {
            r.counts.last().copied().unwrap_or(0) as i64
                - r.counts.first().copied().unwrap_or(0) as i64
        };
        let wait = |r: &Row| r.group.wait_minutes.map(|w| w.1 as i64).unwrap_or(-1);
        crate::order::sort_by(&mut rows, |a, b| {
            let primary = match sort {
                Sort::Count => now(b).cmp(&now(a)),
                Sort::Wait => wait(b).cmp(&wait(a)).then(now(b).cmp(&now(a))),
                Sort::State => a.group.state.cmp(&b.group.state).then(now(b).cmp(&now(a))),
                Sort::Growth => growth(b).cmp(&growth(a)).then(now(b).cmp(&now(a))),
            };
            // Ties as in a snapshot's own order (by state, then function).
            primary
                .then(a.group.state.cmp(&b.group.state))
                .then(a.group.blocking.function.cmp(&b.group.blocking.function))
                .then(a.group.key.cmp(&b.group.key))
        });
        let matching = rows.len();
        rows.truncate(limit);
        View {
            files: self.snapshots.iter().map(|s| s.file.clone()).collect(),
            totals: self.snapshots.iter().map(|s| s.total).collect(),
            current,
            format: shown.format.clone(),
            detailed: shown.detailed,
            rows,
            matching,
            groups: self.tracks.len(),
        }
    }
}

/// `leakscope goroutines --format json`: the documented, stable shape.
#[derive(Serialize)]
pub struct Json<'a> {
    pub snapshots: Vec<JsonSnapshot<'a>>,
}

#[derive(Serialize)]
pub struct JsonSnapshot<'a> {
    pub file: &'a str,
    pub groups: Vec<JsonGroup<'a>>,
}

#[derive(Serialize)]
pub struct JsonGroup<'a> {
    pub count: u64,
    pub state: &'a str,
    pub wait_minutes: Option<[u64; 2]>,
    pub function: &'a str,
    pub file: &'a str,
    pub line: i64,
    pub created_by: Option<JsonFrame<'a>>,
    pub ids: Vec<u64>,
    pub stack: Vec<JsonFrame<'a>>,
}

#[derive(Serialize)]
pub struct JsonFrame<'a> {
    pub function: &'a str,
    pub file: &'a str,
    pub line: i64,
}

impl Explorer {
    pub fn json(&self) -> Json<'_> {
        Json {
            snapshots: self
                .snapshots
                .iter()
                .map(|s| JsonSnapshot {
                    file: &s.file,
                    groups: s
                        .groups
                        .iter()
                        .map(|g| JsonGroup {
                            count: g.count,
                            state: &g.state,
                            wait_minutes: g.wait_minutes.map(|(a, b)| [a, b]),
                            function: &g.blocking.function,
                            file: &g.blocking.file,
                            line: g.blocking.line,
                            created_by: g.created_by.as_ref().map(json_frame),
                            ids: g.id_list().collect(),
                            stack: g
                                .stack
                                .iter()
                                .map(|f| JsonFrame {
                                    function: &f.function,
                                    file: &f.file,
                                    line: f.line,
                                })
                                .collect(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

fn json_frame(f: &Frame) -> JsonFrame<'_> {
    JsonFrame {
        function: &f.function,
        file: &f.file,
        line: f.line,
    }
}

/// `leakscope goroutines` as text: each snapshot's groups, panicparse
/// style, then (for a series) every group's counts, largest growth first.
pub fn format_text(ex: &Explorer) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for (k, s) in ex.snapshots.iter().enumerate() {
        if k > 0 {
            out.push('\n');
        }
        let _ = writeln!(
            out,
            "{}: {} goroutine{} in {} group{} ({})",
            s.file,
            s.total,
            plural(s.total),
            s.groups.len(),
            plural(s.groups.len() as u64),
            s.format
        );
        if !s.detailed {
            out.push_str("  (states read from the stacks; ids, minutes and creators are only in ?debug=2 dumps)\n");
        }
        for g in &s.groups {
            out.push('\n');
            let mut bracket = vec![if g.state.is_empty() {
                "state not recorded".to_string()
            } else {
                g.state.clone()
            }];
            if let Some((lo, hi)) = g.wait_minutes {
                bracket.push(match (lo, hi) {
                    (0, _) => format!("<1-{hi} minutes"),
                    _ if lo == hi => format!("{lo} minutes"),
                    _ => format!("{lo}-{hi} minutes"),
                });
            }
            if g.locked > 0 {
                bracket.push(format!("{} locked to thread", g.locked));
            }
            if g.leaked > 0 {
                bracket.push(format!("{} leaked", g.leaked));
            }
            let _ = writeln!(
                out,
                "{} goroutine{} [{}]: {} {}:{}",
                g.count,
                plural(g.count),
                bracket.join(", "),
                g.blocking.function,
                g.blocking.file,
                g.blocking.line
            );
            if !g.ids.is_empty() {
                let _ = writeln!(out, "  ids: {}", g.id_ranges());
            }
            if let Some(c) = &g.created_by {
                let _ = writeln!(out, "  created by {} {}:{}", c.function, c.file, c.line);
            }
            for (labels, n) in &g.labels {
                let l: Vec<String> = labels.iter().map(|(k, v)| format!("{k}: {v}")).collect();
                let _ = writeln!(out, "  labels {{{}}} x{n}", l.join(", "));
            }
            for f in &g.stack {
                let other = if f.other_lines.is_empty() {
                    String::new()
                } else {
                    format!(
                        " (also {})",
                        f.other_lines
                            .iter()
                            .map(|l| l.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                let _ = writeln!(
                    out,
                    "  {} {} {}:{}{other}",
                    if f.own { '>' } else { ' ' },
                    f.function,
                    f.file,
                    f.line
                );
            }
            if g.elided {
                out.push_str("    ...frames elided...\n");
            }
        }
    }
    if ex.snapshots.len() >= 2 {
        let _ = writeln!(
            out,
            "\nAcross {} snapshots (goroutines per snapshot; kept: of those, already in the group one snapshot before):",
            ex.snapshots.len()
        );
        let mut tracks: Vec<&Track> = ex.tracks.iter().collect();
        crate::order::sort_by(&mut tracks, |a, b| {
            b.growth()
                .cmp(&a.growth())
                .then(b.counts.last().cmp(&a.counts.last()))
                .then(a.key.cmp(&b.key))
        });
        for t in tracks {
            let Some(g) = ex
                .snapshots
                .iter()
                .rev()
                .find_map(|s| s.groups.iter().find(|g| g.key == t.key))
            else {
                continue;
            };
            let counts: Vec<String> = t.counts.iter().map(|c| c.to_string()).collect();
            let kept: Vec<String> = t
                .survived
                .iter()
                .skip(1)
                .map(|s| s.map(|n| n.to_string()).unwrap_or_else(|| "-".into()))
                .collect();
            let _ = writeln!(
                out,
                "  {:+} [{}] {} {}:{}: {}{}",
                t.growth(),
                if g.state.is_empty() { "-" } else { &g.state },
                g.blocking.function,
                g.blocking.file,
                g.blocking.line,
                counts.join(" -> "),
                if t.survived.iter().any(|s| s.is_some()) {
                    format!(" (kept {})", kept.join(", "))
                } else {
                    String::new()
                }
            );
        }
    }
    out
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_ranges_and_overlap() {
        let r = ranges(vec![9, 1, 2, 3, 7, 8, 20, 2]);
        assert_eq!(r, [(1, 3), (7, 9), (20, 20)]);
        let g = Group {
            ids: r.clone(),
            ..Default::default()
        };
        assert_eq!(g.id_ranges(), "1-3, 7-9, 20");
        assert_eq!(g.id_list().count(), 7);
        assert_eq!(common(&r, &[(2, 8), (20, 25)]), 2 + 2 + 1);
        assert_eq!(common(&r, &[(4, 6)]), 0);
    }
}

//! The leak detective: goroutine and heap leak rules over one snapshot or
//! a series (see `docs/leak-verdicts.md` for the tests, and the leak
//! patterns they encode).
//!
//! Evidence, strongest first: the runtime's `(leaked)` marks; the same
//! goroutines (debug=2 ids) staying parked at a site while more arrive,
//! their waits growing; counts rising beyond what in-flight work shows;
//! heap in-use rising beyond its sampling noise into the last interval;
//! in one snapshot, orphans of finished requests and waits far longer than
//! the rest of the service's. Pools, infrastructure loops, turnover,
//! warm-ups and plateaus are judged healthy and said to be so.
//!
//! Architecture invariant: a finding says only what its input records.
//! `created_by` comes from debug=2 `created by` lines only; `.pb.gz` and
//! debug=1 input names the goroutine's entry function as such.

pub mod chart;
pub mod fix;
pub mod frames;
mod goroutines;
mod heap;
pub mod stats;
mod text;

use crate::profile::Profile;
use crate::report::list::SourceProvider;
use serde::{Deserialize, Serialize};

pub use text::{format_explain, format_text, headline};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
}

impl Severity {
    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "info" => Some(Severity::Info),
            "low" => Some(Severity::Low),
            "medium" => Some(Severity::Medium),
            "high" => Some(Severity::High),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

/// What a finding is about (JSON `kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Goroutine,
    Heap,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Goroutine => "goroutine",
            Kind::Heap => "heap",
        }
    }
}

/// What `counts` count (JSON `unit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    Goroutines,
    Bytes,
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Goroutines => "goroutines",
            Unit::Bytes => "bytes",
        }
    }
    /// A count in this unit for people: `120 goroutines`, `3.50MB`.
    pub fn label(self, v: i64) -> String {
        match self {
            Unit::Goroutines => format!("{v} goroutine{}", if v == 1 { "" } else { "s" }),
            Unit::Bytes => crate::measurement::label(v, "bytes"),
        }
    }
}

/// The leak pattern a finding matches (JSON `rule`; the strings are the
/// ids of the leak patterns and stable).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    ChanRecvNoSender,
    ChanSendNoReceiver,
    NilChan,
    SelectForever,
    WaitgroupOrLock,
    UnclosedResponseBody,
    GoroutineGrowth,
    TickerNotStopped,
    DeferInLoop,
    SubstringRetention,
    UnboundedCache,
    HeapGrowth,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::ChanRecvNoSender => "chan-recv-no-sender",
            Rule::ChanSendNoReceiver => "chan-send-no-receiver",
            Rule::NilChan => "nil-chan",
            Rule::SelectForever => "select-forever",
            Rule::WaitgroupOrLock => "waitgroup-or-lock",
            Rule::UnclosedResponseBody => "unclosed-response-body",
            Rule::GoroutineGrowth => "goroutine-growth",
            Rule::TickerNotStopped => "ticker-not-stopped",
            Rule::DeferInLoop => "defer-in-loop",
            Rule::SubstringRetention => "substring-retention",
            Rule::UnboundedCache => "unbounded-cache",
            Rule::HeapGrowth => "heap-growth",
        }
    }
}

/// What a verdict rests on, weakest to strongest within each kind
/// (JSON `basis`). README: "How far to trust a verdict".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Basis {
    /// One goroutine snapshot: waits, creators, concentration.
    OneSnapshot,
    /// Goroutine counts across snapshots (`.pb.gz`, debug=1: no ids).
    Counts,
    /// The same goroutine ids across debug=2 snapshots.
    GoroutineIds,
    /// The runtime's goroutine leak detector marked them `(leaked)`.
    LeakProfile,
    /// One heap snapshot: in-use versus allocated at a site.
    HeapSnapshot,
    /// In-use bytes across heap snapshots, against the sampling noise.
    HeapTrend,
}

/// The shape of a site's counts across the series (JSON `trend`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Trend {
    /// One snapshot: no trend.
    Single,
    /// Rising beyond the noise, into the last interval.
    Growing,
    /// No change beyond the noise.
    Flat,
    /// Rose, then held within the noise: a warm-up and a plateau.
    WarmUp,
    /// Rose and fell back, or fell.
    Drained,
    /// The goroutines parked here are replaced between snapshots.
    Turnover,
}

/// Goroutine identity across debug=2 snapshots (JSON `survival`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Survival {
    /// Per snapshot k: goroutines parked here in the last snapshot that
    /// were already parked here, same id, at snapshot k (the last entry is
    /// the last count).
    pub still_here: Vec<u64>,
    /// Per interval k→k+1: goroutines parked here at k that were no longer
    /// parked here at k+1.
    pub left: Vec<u64>,
    /// How many snapshots back the oldest survivors reach (0: none).
    pub snapshots_ago: usize,
    /// Lowest and highest id of those oldest survivors.
    pub first_id: Option<u64>,
    pub last_id: Option<u64>,
}

/// Wait minutes across debug=2 snapshots (JSON `wait_growth`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaitGrowth {
    /// Per snapshot: the longest wait at this site, in minutes (`null`
    /// where the snapshot records none: not debug=2, or under a minute).
    pub minutes: Vec<Option<u64>>,
    /// Goroutines still here whose wait minutes rose between their first
    /// and their last snapshot: parked all along.
    pub grew: u64,
}

/// The sampling noise of a heap site (JSON `noise`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Noise {
    /// Bytes per sample on average (the profile's period; Go's default is
    /// 524288). `assumed` says it was not recorded.
    pub sample_rate: i64,
    pub assumed: bool,
    /// Per snapshot: one standard deviation of the in-use bytes, from the
    /// number of sampled objects behind them (the band around the level).
    pub sigma: Vec<i64>,
    /// Per interval: one standard deviation of the change, from the
    /// sampled objects allocated or freed in it (what growth is tested
    /// against).
    pub step_sigma: Vec<i64>,
    /// Per snapshot: the estimated number of sampled objects.
    pub samples: Vec<u64>,
    /// The rise from the first to the last snapshot needed to call growth.
    pub threshold: i64,
}

/// One finding. Field names are the documented JSON schema of
/// `leakscope leaks --format json` (README: "JSON schema").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: Rule,
    pub severity: Severity,
    pub kind: Kind,
    /// The program's own frame where it blocks or allocates.
    pub function: String,
    pub file: String,
    pub line: i64,
    /// The function whose `go` statement started these goroutines, as a
    /// debug=2 `created by` line records it; `None` for other forms.
    pub created_by: Option<String>,
    /// `file:line` of that `go` statement (debug=2 only).
    pub created_at: Option<String>,
    /// The goroutine's entry function (its outermost frame), any form.
    pub entry_function: Option<String>,
    /// Wait state (`chan receive`, ...) for goroutines; empty for heap.
    pub wait: String,
    pub wait_minutes: Option<u64>,
    /// Goroutines, or in-use bytes, per snapshot (in series order).
    pub counts: Vec<i64>,
    /// Per snapshot: when it was taken (Unix nanoseconds; 0 when the file
    /// does not record it, as goroutine text dumps do not).
    pub times: Vec<i64>,
    pub unit: Unit,
    pub basis: Basis,
    pub trend: Trend,
    pub survival: Option<Survival>,
    pub wait_growth: Option<WaitGrowth>,
    pub noise: Option<Noise>,
    pub evidence: String,
    pub fix: String,
    /// What to capture next to confirm or clear it ("" when conclusive).
    pub next_step: String,
    /// The source text of the blocking or allocating line, when sources
    /// were given.
    pub blocking_line: Option<String>,
    /// The user frames of the stack, innermost first (`func file:line`).
    pub stack: Vec<String>,
}

/// A site that was examined, and why it was or was not flagged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteNote {
    pub kind: Kind,
    pub function: String,
    pub file: String,
    pub line: i64,
    /// Goroutines, or in-use bytes, in the last snapshot.
    pub count: i64,
    pub unit: Unit,
    /// The finding's severity, `None` when judged healthy.
    pub severity: Option<Severity>,
    pub why: String,
}

/// The overall verdict (JSON `verdict`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// A finding at medium or high.
    Leak,
    /// Only low findings: suspicions a series can confirm or clear.
    Suspect,
    /// Leak checks ran and found nothing above info.
    Clean,
    /// No input leak checks can run on.
    #[default]
    NotChecked,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Leak => "leak",
            Verdict::Suspect => "suspect",
            Verdict::Clean => "clean",
            Verdict::NotChecked => "not-checked",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LeakReport {
    pub verdict: Verdict,
    pub findings: Vec<Finding>,
    pub snapshots: usize,
    /// What was examined, for the "no leak found" statement.
    pub checked: Vec<String>,
    /// The largest sites judged healthy, and why.
    pub healthy: Vec<SiteNote>,
    /// What to capture next (a single snapshot, counts only, nothing
    /// checkable).
    pub next_step: String,
    /// Every examined site, flagged or not, with its reason: filled when
    /// asked for (`--explain`).
    pub explain: Vec<SiteNote>,
}

impl LeakReport {
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

/// How many healthy sites the report keeps.
pub const HEALTHY_SHOWN: usize = 8;
/// How many sites `explain` keeps (largest first).
pub const EXPLAIN_MAX: usize = 500;

/// What `analyze_with` may use besides the profiles.
#[derive(Default)]
pub struct Options<'a> {
    /// Sources for the blocking line's text (a tailored fix).
    pub sources: Option<&'a mut dyn SourceProvider>,
    /// Keep a note for every site (`LeakReport::explain`).
    pub explain: bool,
}

/// Orders snapshots by profile time when every one has it, else keeps
/// the given order.
pub fn order_series<'a>(profiles: &mut [(&'a str, &'a Profile)]) {
    if profiles.iter().all(|(_, p)| p.time_nanos != 0) {
        let mut v = profiles.to_vec();
        crate::order::sort_by_key(&mut v, |(_, p)| p.time_nanos);
        profiles.copy_from_slice(&v);
    }
}

/// Runs every rule over a series (already in order).
pub fn analyze(series: &[(&str, &Profile)]) -> LeakReport {
    analyze_with(series, Options::default())
}

/// A judged site: a finding or a healthy note, with its size for ordering.
pub(crate) struct Judged {
    pub finding: Option<Finding>,
    pub note: SiteNote,
}

pub(crate) const CAPTURE_HOWTO: &str = "capture them like this: `curl -o goroutine-1.txt 'http://HOST:PORT/debug/pprof/goroutine?debug=2'` and `curl -o heap-1.pb.gz http://HOST:PORT/debug/pprof/heap`, three times, 5–10 minutes apart, under steady load";

/// [`analyze`] with sources and explanations.
pub fn analyze_with(series: &[(&str, &Profile)], mut opts: Options) -> LeakReport {
    // A goroutineleak profile (protobuf, debug=1) lists only leaked
    // goroutines; a debug=2 dump with `(leaked)` marks is a full snapshot
    // that marks them one by one.
    let is_leak_only = |p: &Profile| p.kind() == "goroutineleak" && p.goroutines.is_empty();
    let profiles = || series.iter().map(|(_, p)| *p);
    let goroutine: Vec<&Profile> = profiles()
        .filter(|p| frames::is_goroutine_profile(p) && !is_leak_only(p))
        .collect();
    let leakprof: Vec<&Profile> = profiles().filter(|p| is_leak_only(p)).collect();
    let has_inuse = |p: &Profile| p.sample_types.iter().any(|s| s.r#type == "inuse_space");
    let heaps: Vec<&Profile> = profiles()
        .filter(|p| p.kind() == "heap" && has_inuse(p))
        .collect();
    // Go's heap and allocs profiles carry the same four values; a series
    // of both is judged on the larger group (the two kinds are taken at
    // different moments and would zigzag if mixed).
    let (heap_series, alloc_series): (Vec<&Profile>, Vec<&Profile>) = heaps
        .iter()
        .partition(|p| p.default_sample_type != "alloc_space");
    let heap_series = if heap_series.len() >= alloc_series.len() {
        heap_series
    } else {
        alloc_series
    };
    let checkable =
        |p: &Profile| frames::is_goroutine_profile(p) || p.kind() == "heap" && has_inuse(p);
    let unusable: Vec<String> = profiles()
        .filter(|p| !checkable(p))
        .map(|p| {
            if p.kind() == "heap" {
                "a heap profile with allocation counts only (no in-use values)".to_string()
            } else {
                format!("a {} profile", p.kind())
            }
        })
        .collect();
    let mut judged: Vec<Judged> = Vec::new();
    let mut checked = Vec::new();
    let mut next_step = String::new();
    let empty_leak_profiles = leakprof.iter().filter(|p| p.samples.is_empty()).count();
    if !goroutine.is_empty() || leakprof.len() > empty_leak_profiles {
        let ids = goroutine.iter().all(|p| !p.goroutines.is_empty());
        checked.push(format!(
            "{} goroutine snapshot{}{}: {}",
            goroutine.len(),
            if goroutine.len() == 1 { "" } else { "s" },
            if leakprof.is_empty() {
                String::new()
            } else {
                format!(" and {} goroutineleak profile(s)", leakprof.len())
            },
            match (goroutine.len(), ids) {
                (0, _) => "goroutines the runtime proved leaked".to_string(),
                (1, true) => "wait states and minutes, creators, pools, orphans of finished requests".to_string(),
                (1, false) => "what each site waits on and how many wait there (one snapshot without ids: the weakest evidence)".to_string(),
                (_, true) => "the same goroutine ids staying parked per site, wait growth, counts".to_string(),
                (_, false) => "counts per blocking site against in-flight noise (no goroutine ids in .pb.gz or debug=1)".to_string(),
            }
        ));
        judged.extend(goroutines::judge_all(&goroutine, &leakprof));
        if goroutine.len() == 1 {
            next_step = "One goroutine snapshot shows what is parked now, not what stays: take two more debug=2 dumps (`?debug=2`) 5–10 minutes apart under the same load. Goroutines still parked at a site with the same ids and longer waits are a leak; ids that changed or counts that fell are in-flight work.".into();
        } else if !ids && !goroutine.is_empty() {
            next_step = "Counts alone cannot tell goroutines that stay from goroutines that are replaced: take the series again as debug=2 dumps (`/debug/pprof/goroutine?debug=2`), whose goroutine ids and wait minutes show which goroutines stay.".into();
        }
    }
    if empty_leak_profiles > 0 {
        checked.push(format!(
            "{empty_leak_profiles} goroutineleak profile(s) marking no goroutine: that proves nothing either way, because the collector only proves waits on objects nothing can reach; a goroutine blocked on something still reachable (a semaphore owned by a live server, a global channel) is never marked"
        ));
    }
    if !heap_series.is_empty() {
        let n = heap_series.len();
        checked.push(format!(
            "{n} heap snapshot{}: {}",
            if n == 1 { "" } else { "s" },
            if n == 1 {
                "in-use versus allocated per allocation path (one snapshot cannot show growth)"
            } else {
                "in-use growth per allocation path against its sampling noise, warm-ups and plateaus"
            }
        ));
        judged.extend(heap::judge_all(&heap_series));
        if n == 1 && next_step.is_empty() {
            next_step = "One heap snapshot cannot show growth: take two more heap profiles (`/debug/pprof/heap`) 5–10 minutes apart under steady load. In-use memory that keeps rising beyond the sampling noise into the last interval is a leak; a rise that stops is a warm cache.".into();
        } else if n == 2 && next_step.is_empty() {
            next_step = "Two heap snapshots make a line, not a trend: take a third to see whether the rise continues or levels off.".into();
        }
    }
    if !unusable.is_empty() {
        let mut kinds = unusable.clone();
        kinds.dedup();
        checked.push(format!("not used for leak checks: {}", kinds.join(", ")));
    }
    let ran =
        !goroutine.is_empty() || leakprof.len() > empty_leak_profiles || !heap_series.is_empty();
    if !ran {
        next_step =
            format!("Leak checks need goroutine or in-use heap snapshots; {CAPTURE_HOWTO}.");
        if checked.is_empty() {
            checked.push("nothing leak checks can use: they need goroutine snapshots or heap profiles with in-use values".into());
        }
    }
    let mut findings: Vec<Finding> = Vec::new();
    let mut notes: Vec<SiteNote> = Vec::new();
    for j in judged {
        if let Some(f) = j.finding {
            findings.push(f);
        }
        notes.push(j.note);
    }
    if let Some(src) = opts.sources.as_deref_mut() {
        for f in &mut findings {
            fix::tailor(f, src);
        }
    }
    crate::order::sort_by(&mut findings, |a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.counts.last().cmp(&a.counts.last()))
            .then(a.function.cmp(&b.function))
            .then(a.line.cmp(&b.line))
    });
    // Goroutine sites first (their counts and bytes do not compare), each
    // kind largest first.
    crate::order::sort_by(&mut notes, |a, b| {
        (a.kind as u8)
            .cmp(&(b.kind as u8))
            .then(b.count.cmp(&a.count))
            .then(a.function.cmp(&b.function))
            .then(a.line.cmp(&b.line))
    });
    let mut healthy: Vec<SiteNote> = Vec::new();
    for kind in [Kind::Goroutine, Kind::Heap] {
        healthy.extend(
            notes
                .iter()
                .filter(|n| n.severity.is_none() && n.kind == kind && n.count > 0)
                .take(HEALTHY_SHOWN)
                .cloned(),
        );
    }
    let explain = if opts.explain {
        notes.into_iter().take(EXPLAIN_MAX).collect()
    } else {
        Vec::new()
    };
    let verdict = match findings.iter().map(|f| f.severity).max() {
        _ if !ran => Verdict::NotChecked,
        Some(s) if s >= Severity::Medium => Verdict::Leak,
        Some(Severity::Low) => Verdict::Suspect,
        _ => Verdict::Clean,
    };
    if verdict == Verdict::Leak
        && findings
            .iter()
            .all(|f| f.severity < Severity::Medium || f.next_step.is_empty())
    {
        next_step.clear();
    }
    LeakReport {
        verdict,
        findings,
        snapshots: series.len(),
        checked,
        healthy,
        next_step,
        explain,
    }
}

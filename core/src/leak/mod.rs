//! The leak detective: goroutine and heap leak rules over one snapshot or
//! a series (see docs: leak patterns). Rules follow the signals, strongest
//! first: growth across snapshots, a goroutineleak confirmation, wait
//! minutes, what the goroutine waits on, and concentration at one site.

pub mod frames;

use crate::profile::{Frame, Profile};
use frames::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

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

/// One finding. Field names are the documented JSON schema of
/// `leakscope leaks --format json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    /// `goroutine` or `heap`.
    pub kind: String,
    /// The program's own frame where it blocks or allocates.
    pub function: String,
    pub file: String,
    pub line: i64,
    pub created_by: Option<String>,
    /// Wait state (`chan receive`, ...) for goroutines; empty for heap.
    pub wait: String,
    pub wait_minutes: Option<u64>,
    /// Goroutines, or in-use bytes, per snapshot (in series order).
    pub counts: Vec<i64>,
    /// `goroutines` or `bytes`.
    pub unit: String,
    pub evidence: String,
    pub fix: String,
    /// The user frames of the stack, innermost first (`func file:line`).
    pub stack: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LeakReport {
    pub findings: Vec<Finding>,
    pub snapshots: usize,
    /// What was examined, for the "no leak found" statement.
    pub checked: Vec<String>,
}

impl LeakReport {
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
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
    // A goroutineleak profile lists only leaked goroutines; a debug=2 dump
    // with `(leaked)` marks is a full snapshot that marks them one by one.
    let is_leak_only = |p: &Profile| p.kind() == "goroutineleak" && p.goroutines.is_empty();
    let goroutine: Vec<&Profile> = series
        .iter()
        .map(|(_, p)| *p)
        .filter(|p| is_goroutine_profile(p) && !is_leak_only(p))
        .collect();
    let leakprof: Vec<&Profile> = series
        .iter()
        .map(|(_, p)| *p)
        .filter(|p| is_leak_only(p))
        .collect();
    let heap: Vec<&Profile> = series
        .iter()
        .map(|(_, p)| *p)
        .filter(|p| p.kind() == "heap" && p.default_sample_type != "alloc_space")
        .collect();
    let allocs: Vec<&Profile> = series
        .iter()
        .map(|(_, p)| *p)
        .filter(|p| p.kind() == "heap" && p.default_sample_type == "alloc_space")
        .collect();
    let mut findings = Vec::new();
    let mut checked = Vec::new();
    if !goroutine.is_empty() || !leakprof.is_empty() {
        checked.push(format!(
            "{} goroutine snapshot(s){}: growth per blocking site, wait state and minutes, concentration",
            goroutine.len(),
            if leakprof.is_empty() { String::new() } else { format!(" and {} goroutineleak profile(s)", leakprof.len()) }
        ));
        findings.extend(goroutine_rules(&goroutine, &leakprof));
    }
    let heap_series = if heap.len() >= allocs.len() {
        heap
    } else {
        allocs
    };
    if !heap_series.is_empty() {
        checked.push(format!("{} heap snapshot(s): in-use growth per allocation path, in-use vs allocated, bytes per object", heap_series.len()));
        findings.extend(heap_rules(&heap_series));
    }
    if checked.is_empty() {
        checked.push(
            "no goroutine or heap profile among the inputs: nothing to check for leaks".into(),
        );
    }
    crate::order::sort_by(&mut findings, |a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.counts.last().cmp(&a.counts.last()))
            .then(a.function.cmp(&b.function))
    });
    LeakReport {
        findings,
        snapshots: series.len(),
        checked,
    }
}

fn is_goroutine_profile(p: &Profile) -> bool {
    matches!(p.kind().as_str(), "goroutine" | "goroutineleak")
}

fn frame_str(f: &Frame) -> String {
    format!("{} {}:{}", f.function, f.file, f.line)
}

#[derive(Default)]
struct Group {
    site: Frame,
    counts: Vec<i64>,
    waits: BTreeMap<String, i64>,
    wait_minutes: Option<u64>,
    creators: BTreeMap<String, i64>,
    leaked: i64,
    stack: Vec<String>,
    infrastructure: bool,
}

fn goroutine_rules(series: &[&Profile], leakprof: &[&Profile]) -> Vec<Finding> {
    let n = series.len();
    let mut groups: HashMap<(String, String, i64), Group> = HashMap::new();
    let add =
        |groups: &mut HashMap<(String, String, i64), Group>, p: &Profile, snap: Option<usize>| {
            // debug=2 dumps carry per-goroutine state: index it by sample.
            let mut by_sample: HashMap<u32, Vec<&crate::Goroutine>> = HashMap::new();
            for g in &p.goroutines {
                by_sample.entry(g.sample).or_default().push(g);
            }
            for (si, s) in p.samples.iter().enumerate() {
                let count = s.values.first().copied().unwrap_or(0);
                if count <= 0 {
                    continue;
                }
                let fr = frames(p, &s);
                let Some(site) = first_user_frame(&fr).cloned() else {
                    continue;
                };
                let key = (site.function.clone(), site.file.clone(), site.line);
                let g = groups.entry(key).or_insert_with(|| Group {
                    site: site.clone(),
                    counts: vec![0; n],
                    ..Default::default()
                });
                if g.stack.is_empty() {
                    g.stack = fr
                        .iter()
                        .filter(|f| is_user_function(&f.function))
                        .take(6)
                        .map(frame_str)
                        .collect();
                }
                g.infrastructure |= is_infrastructure(&site, &fr);
                let stack_wait = wait_from_stack(&fr);
                match snap {
                    Some(k) => g.counts[k] += count,
                    None => g.leaked += count,
                }
                if let Some(gs) = by_sample.get(&(si as u32)) {
                    for gr in gs {
                        *g.waits.entry(gr.state.clone()).or_default() += 1;
                        g.wait_minutes = g.wait_minutes.max(gr.wait_minutes);
                        if gr.leaked && snap.is_some() {
                            g.leaked += 1;
                        }
                        let creator = gr
                            .created_by
                            .as_ref()
                            .map(|c| c.function.clone())
                            .or_else(|| creator_from_entry(&fr));
                        if let Some(c) = creator {
                            *g.creators.entry(c).or_default() += 1;
                        }
                    }
                } else {
                    if !stack_wait.is_empty() {
                        *g.waits.entry(stack_wait.to_string()).or_default() += count;
                    }
                    if let Some(c) = creator_from_entry(&fr) {
                        *g.creators.entry(c).or_default() += count;
                    }
                }
            }
        };
    for (k, p) in series.iter().enumerate() {
        add(&mut groups, p, Some(k));
    }
    for p in leakprof {
        add(&mut groups, p, None);
    }
    let mut out = Vec::new();
    for g in groups.into_values() {
        if let Some(f) = judge_goroutines(&g, n) {
            out.push(f);
        }
    }
    out
}

/// The most specific wait reason seen: a debug=2 state beats the stack's.
fn main_wait(g: &Group) -> String {
    let pick = |special: &str| g.waits.keys().find(|w| w.contains(special)).cloned();
    pick("nil chan")
        .or_else(|| pick("no cases"))
        .or_else(|| {
            g.waits
                .iter()
                .max_by_key(|(_, c)| **c)
                .map(|(w, _)| w.clone())
        })
        .unwrap_or_default()
}

fn growth_sentence(counts: &[i64]) -> String {
    let seq: Vec<String> = counts.iter().map(|c| c.to_string()).collect();
    format!("grew {} across {} snapshots", seq.join(" → "), counts.len())
}

struct Trend {
    growing: bool,
    monotonic: bool,
    drained: bool,
}

fn trend(c: &[i64], min_delta: i64) -> Trend {
    if c.len() < 2 {
        return Trend {
            growing: false,
            monotonic: false,
            drained: false,
        };
    }
    let (first, last) = (c[0], *c.last().unwrap());
    let max = *c.iter().max().unwrap();
    let monotonic = c.windows(2).all(|w| w[1] >= w[0]);
    // One jump between two snapshots in a longer series is not a trend
    // (heap in-use moves with GC timing): ask for two rising steps.
    let rising = c.windows(2).filter(|w| w[1] > w[0]).count();
    let growing = last - first >= min_delta
        && (last as f64) >= 0.9 * max as f64
        && rising >= 2.min(c.len() - 1);
    let drained = max - first >= min_delta && (last - first) * 4 <= max - first;
    Trend {
        growing,
        monotonic,
        drained,
    }
}

fn rule_for_wait(wait: &str, stack: &[String]) -> (&'static str, &'static str) {
    if stack.is_empty() && wait == "IO wait" {
        return ("unclosed-response-body", "Close every HTTP response body (`defer resp.Body.Close()`), even when you do not read it; each open body keeps a connection's readLoop and writeLoop goroutines alive.");
    }
    if wait.contains("nil chan") {
        return ("nil-chan", "The channel is nil: it was declared (`var ch chan T`) but never made. A nil channel blocks forever; initialise it with `make(chan T)` before use, or remove the operation.");
    }
    if wait.starts_with("select (no cases)") {
        return ("select-forever", "`select {}` never returns. Wait on something that ends instead: add a `case <-ctx.Done(): return` (or a done channel) so the goroutine can exit.");
    }
    if wait.starts_with("select") {
        return ("select-forever", "None of the select's cases ever fires. Add a `case <-ctx.Done(): return` or a timeout case, and make sure the channels it waits on are closed when their producer is done.");
    }
    if wait.starts_with("chan send") {
        return ("chan-send-no-receiver", "Nobody receives from this channel any more (the caller returned, e.g. after a timeout). Give the channel a buffer of 1 for a single result, or send inside a `select` with `case <-ctx.Done():`.");
    }
    if wait.starts_with("chan receive") {
        return ("chan-recv-no-sender", "Nothing will ever send on or close this channel. Have the producer close it when done (or send the result on every path), and let the receiver also select on `ctx.Done()`.");
    }
    if wait.starts_with("semacquire") || wait.starts_with("sync.") {
        return ("waitgroup-or-lock", "A WaitGroup.Done or Mutex.Unlock never comes. Pair every Add with `defer wg.Done()` and every Lock with `defer mu.Unlock()`, including on error paths.");
    }
    ("goroutine-growth", "Goroutines pile up at this line. Give the blocking call a way out: a `context.WithTimeout` and a `select` on `ctx.Done()`, or close the channel it waits on when the work is over.")
}

fn judge_goroutines(g: &Group, n: usize) -> Option<Finding> {
    let wait = main_wait(g);
    let last = g.counts.last().copied().unwrap_or(0);
    let peak = g.counts.iter().copied().max().unwrap_or(0).max(g.leaked);
    if peak == 0 {
        return None;
    }
    let http_conn = g.stack.is_empty() && g.site.function.starts_with("net/http.(*persistConn)");
    let benign = (is_benign_wait(&wait) || g.infrastructure) && !http_conn;
    let suspect = !benign && !wait.is_empty() || (wait.is_empty() && !g.infrastructure);
    let forever = wait.contains("nil chan") || wait.contains("no cases");
    let t = trend(
        &g.counts,
        3.max(g.counts.first().copied().unwrap_or(0) / 10),
    );
    let creator = g
        .creators
        .iter()
        .max_by_key(|(_, c)| **c)
        .map(|(c, _)| c.clone());
    let at = format!("{}:{}", g.site.file, g.site.line);
    let wait_txt = if wait.is_empty() {
        "blocked".to_string()
    } else {
        format!("parked in {wait}")
    };
    let mins = g
        .wait_minutes
        .map(|m| {
            format!(
                ", waiting up to {m} minute{}",
                if m == 1 { "" } else { "s" }
            )
        })
        .unwrap_or_default();
    let mut severity;
    let evidence;
    if g.leaked > 0 {
        severity = Severity::High;
        evidence = format!("{} goroutine{} confirmed leaked by the runtime's goroutine leak detector; {wait_txt} at {at}{mins}", g.leaked, if g.leaked == 1 { "" } else { "s" });
    } else if n >= 2 && t.growing && (suspect || http_conn) {
        // Two points make a line, not a trend: high needs three snapshots
        // rising, and a wait the stack or the dump names.
        severity = match (n >= 3 && t.monotonic, wait.is_empty()) {
            (true, _) => Severity::High,
            (false, false) => Severity::Medium,
            (false, true) => Severity::Low,
        };
        evidence = format!(
            "{}; {} {wait_txt} at {at}{mins}",
            growth_sentence(&g.counts),
            if last == peak { "all" } else { "most" }
        );
    } else if n >= 2 && t.drained {
        severity = Severity::Info;
        evidence = format!(
            "rose then drained ({}): a transient spike, not a leak",
            g.counts
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(" → ")
        );
    } else if n >= 2 && suspect {
        // Flat across the series: a fixed pool or a long-lived loop.
        severity = if forever && last >= 2 {
            Severity::Medium
        } else {
            Severity::Info
        };
        if !forever && last < 2 {
            return None;
        }
        evidence = format!(
            "{last} goroutine{} {wait_txt} at {at}, flat across {n} snapshots{mins}{}",
            if last == 1 { "" } else { "s" },
            if forever {
                " (this wait can never end)"
            } else {
                " (a fixed pool or a long-lived loop; fine unless it grows)"
            }
        );
    } else if suspect {
        // One snapshot: wait minutes, forever-waits and concentration.
        let m = g.wait_minutes.unwrap_or(0);
        severity = match () {
            _ if forever && last >= 2 => Severity::High,
            _ if m >= 10 && last >= 10 => Severity::High,
            _ if m >= 1 && last >= 2 => Severity::Medium,
            _ if last >= 10_000 => Severity::High,
            _ if last >= 100 => Severity::Medium,
            _ if forever => Severity::Low,
            _ if last >= 10 => Severity::Low,
            _ => return None,
        };
        evidence = format!(
            "{last} goroutine{} {wait_txt} at {at}{mins} in a single snapshot{}",
            if last == 1 { "" } else { "s" },
            if forever {
                "; this wait can never end"
            } else {
                ""
            }
        );
    } else {
        return None;
    }
    if benign && severity > Severity::Info && g.leaked == 0 && !http_conn {
        severity = Severity::Info;
    }
    let (rule, fix) = rule_for_wait(&wait, if http_conn { &[] } else { &g.stack });
    let cause = match &creator {
        Some(c) => format!(" Each one was started by {c}."),
        None => String::new(),
    };
    Some(Finding {
        rule: rule.into(),
        severity,
        kind: "goroutine".into(),
        function: g.site.function.clone(),
        file: g.site.file.clone(),
        line: g.site.line,
        created_by: creator,
        wait,
        wait_minutes: g.wait_minutes,
        counts: if g.counts.is_empty() {
            vec![g.leaked]
        } else {
            g.counts.clone()
        },
        unit: "goroutines".into(),
        evidence,
        fix: format!("{}{cause}", fix),
        stack: g.stack.clone(),
    })
}

#[derive(Default)]
struct HeapGroup {
    /// (interned function, line) of the allocation site and the user path:
    /// names are only looked up for the groups that become findings.
    site: (u32, i64),
    stack: Vec<(u32, i64)>,
    inuse_space: Vec<i64>,
    inuse_objects: Vec<i64>,
    alloc_space: Vec<i64>,
    alloc_objects: Vec<i64>,
    markers: Vec<&'static str>,
}

fn heap_rules(series: &[&Profile]) -> Vec<Finding> {
    let n = series.len();
    // Every heap rule is about growth: one snapshot cannot show any (and
    // grouping a 300k-sample profile costs a second in the page's worker).
    if n < 2 {
        return Vec::new();
    }
    // Groups are keyed by the user call path as (function, line) pairs with
    // functions interned by (name, file) across the series: no string is
    // built per frame (300k-sample heap profiles took seconds that way).
    let mut groups: HashMap<Vec<(u32, i64)>, HeapGroup> = HashMap::new();
    let mut interned: HashMap<(&str, &str), u32> = HashMap::new();
    for (k, p) in series.iter().enumerate() {
        let idx = |t: &str| p.sample_types.iter().position(|s| s.r#type == t);
        let (Some(is), Some(io)) = (idx("inuse_space"), idx("inuse_objects")) else {
            continue;
        };
        let (as_, ao) = (idx("alloc_space"), idx("alloc_objects"));
        let user: Vec<bool> = p
            .functions
            .iter()
            .map(|f| is_user_function(&f.name))
            .collect();
        let marker: Vec<Option<&'static str>> = p
            .functions
            .iter()
            .map(|f| match &*f.name {
                "time.NewTicker" | "time.Tick" | "time.NewTimer" | "time.After"
                | "time.newTimer" | "time.AfterFunc" => Some("timer"),
                "runtime.deferproc" | "runtime.newdefer" => Some("defer"),
                _ => None,
            })
            .collect();
        let gid: Vec<u32> = p
            .functions
            .iter()
            .map(|f| {
                let next = interned.len() as u32;
                *interned.entry((&*f.name, &*f.filename)).or_insert(next)
            })
            .collect();
        for s in &p.samples {
            // Leaf first, inlined frames included (as `frames::frames`).
            let lines = || {
                s.locations.iter().flat_map(|l| {
                    p.locations[l as usize]
                        .lines
                        .iter()
                        .map(|ln| (ln.function, ln.line))
                })
            };
            let site = lines().find(|&(f, _)| user[f as usize]).or_else(|| {
                lines().find(|&(f, _)| !p.functions[f as usize].name.starts_with("runtime."))
            });
            let Some(site) = site else { continue };
            // The user call path tells apart one allocation reached two ways.
            let mut key: Vec<(u32, i64)> = lines()
                .filter(|&(f, _)| user[f as usize])
                .take(4)
                .map(|(f, l)| (gid[f as usize], l))
                .collect();
            if key.is_empty() {
                key = vec![(gid[site.0 as usize], site.1)];
            }
            let g = groups.entry(key).or_insert_with_key(|key| HeapGroup {
                site: (gid[site.0 as usize], site.1),
                stack: key.clone(),
                inuse_space: vec![0; n],
                inuse_objects: vec![0; n],
                alloc_space: vec![0; n],
                alloc_objects: vec![0; n],
                markers: Vec::new(),
            });
            g.inuse_space[k] += s.values[is];
            g.inuse_objects[k] += s.values[io];
            if let Some(a) = as_ {
                g.alloc_space[k] += s.values[a];
            }
            if let Some(a) = ao {
                g.alloc_objects[k] += s.values[a];
            }
            for (f, _) in lines() {
                if let Some(m) = marker[f as usize] {
                    if !g.markers.contains(&m) {
                        g.markers.push(m);
                    }
                }
            }
        }
    }
    let mut names: Vec<(&str, &str)> = vec![("", ""); interned.len()];
    for (k, v) in &interned {
        names[*v as usize] = *k;
    }
    let total_last: i64 = groups
        .values()
        .map(|g| *g.inuse_space.last().unwrap_or(&0))
        .sum();
    let mut out = Vec::new();
    for g in groups.into_values() {
        if let Some(f) = judge_heap(&g, n, total_last, &names) {
            out.push(f);
        }
    }
    out
}

fn bytes(v: i64) -> String {
    crate::measurement::label(v, "bytes")
}

fn judge_heap(g: &HeapGroup, n: usize, total_last: i64, names: &[(&str, &str)]) -> Option<Finding> {
    let last = *g.inuse_space.last()?;
    let objs = *g.inuse_objects.last()?;
    let alloc = *g.alloc_space.last()?;
    // Growth must matter: at least 256 KiB and 5% of the last heap.
    let min_delta = (256 * 1024).max(total_last / 20);
    let t = trend(&g.inuse_space, min_delta);
    if n < 2 || !t.growing {
        return None;
    }
    let per_obj = if objs > 0 { last / objs } else { 0 };
    let retained = if alloc > 0 {
        last as f64 / alloc as f64
    } else {
        0.0
    };
    let (rule, fix) = if g.markers.contains(&"timer") {
        ("ticker-not-stopped", "Tickers and timers created here are never stopped. Call `defer t.Stop()`, and create one ticker outside the loop instead of one per iteration or request (`time.After` in a loop allocates a timer each time).")
    } else if g.markers.contains(&"defer") {
        ("defer-in-loop", "`defer` inside a long loop piles up deferred calls until the function returns. Move the loop body into its own function so each defer runs per iteration.")
    } else if per_obj >= 64 * 1024 {
        ("substring-retention", "Few, large objects stay in use: something small kept from each (a sub-string or sub-slice) pins the whole backing array. Copy what you keep (`strings.Clone`, `bytes.Clone`, `append([]T(nil), s[a:b]...)`) so the big buffer can be freed.")
    } else if retained >= 0.9 {
        ("unbounded-cache", "Almost nothing allocated here is ever freed: a map or slice that only grows. Bound it (an LRU or a TTL) or delete entries when they are done.")
    } else {
        ("heap-growth", "In-use memory allocated here keeps growing. Find what holds these objects (a global map, a slice, a goroutine that never ends) and release them when done.")
    };
    let severity = if t.monotonic && n >= 3 {
        Severity::High
    } else {
        Severity::Medium
    };
    let seq: Vec<String> = g.inuse_space.iter().map(|v| bytes(*v)).collect();
    let evidence = format!(
        "in-use memory grew {} across {n} snapshots ({} objects now, {} each; {:.0}% of what was allocated here is still in use)",
        seq.join(" → "),
        objs,
        bytes(per_obj),
        retained * 100.0
    );
    let frame = |&(f, line): &(u32, i64)| Frame {
        function: names[f as usize].0.to_string(),
        file: names[f as usize].1.to_string(),
        line,
    };
    let stack: Vec<String> = g.stack.iter().map(|x| frame_str(&frame(x))).collect();
    let site = frame(&g.site);
    Some(Finding {
        rule: rule.into(),
        severity,
        kind: "heap".into(),
        function: site.function,
        file: site.file,
        line: site.line,
        created_by: stack
            .get(1)
            .map(|s| s.split(' ').next().unwrap_or("").to_string()),
        wait: String::new(),
        wait_minutes: None,
        counts: g.inuse_space.clone(),
        unit: "bytes".into(),
        evidence,
        fix: fix.into(),
        stack,
    })
}

/// The short report `leakscope leaks` prints.
pub fn format_text(r: &LeakReport) -> String {
    let mut out = String::new();
    let shown: Vec<&Finding> = r
        .findings
        .iter()
        .filter(|f| f.severity > Severity::Info)
        .collect();
    if shown.is_empty() {
        out.push_str(&format!("No leak found in {} snapshot(s).\n", r.snapshots));
    } else {
        out.push_str(&format!(
            "{} possible leak(s) in {} snapshot(s):\n",
            shown.len(),
            r.snapshots
        ));
    }
    for f in &r.findings {
        out.push_str(&format!(
            "\n[{}] {} ({}) at {} {}:{}\n",
            f.severity.as_str().to_uppercase(),
            f.rule,
            f.kind,
            f.function,
            f.file,
            f.line
        ));
        if let Some(c) = &f.created_by {
            out.push_str(&format!("  created by: {c}\n"));
        }
        out.push_str(&format!("  evidence:   {}\n", f.evidence));
        out.push_str(&format!("  fix:        {}\n", f.fix));
    }
    out.push_str("\nChecked: ");
    out.push_str(&r.checked.join("; "));
    out.push('\n');
    out
}

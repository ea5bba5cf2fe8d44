//! Heap rules: allocation paths whose in-use memory rises beyond its
//! sampling noise into the last interval (a series), or keeps nearly all
//! it ever allocated for a large share of the heap (one snapshot).

use super::frames::is_user_function;
use super::stats::{heap_sample_noise, moves, DEFAULT_HEAP_RATE};
use super::*;
use crate::profile::{Frame, Profile};
use rustc_hash::FxHashMap as HashMap;

/// An allocation path; its numbers live in [`Cols`] (one allocation per
/// column for all paths: a 300k-sample profile has as many paths).
#[derive(Default)]
struct HeapGroup {
    /// (interned function, line) of the allocation site and the user path:
    /// names are only looked up for the groups that get judged in words.
    site: (u32, i64),
    stack: Vec<(u32, i64)>,
    markers: Vec<&'static str>,
    /// The path has a frame of the program's own code.
    user: bool,
    /// Allocated by the program's start: main.main or an init function.
    startup: bool,
}

/// Per path and snapshot (row `g * n + k`): in-use and allocated values,
/// the sampling variance of `inuse_space`, sampled in-use objects and
/// sampled allocations so far (from `alloc_objects`).
#[derive(Default)]
struct Cols {
    n: usize,
    inuse_space: Vec<i64>,
    inuse_objects: Vec<i64>,
    alloc_space: Vec<i64>,
    alloc_objects: Vec<i64>,
    variance: Vec<f64>,
    sampled: Vec<f64>,
    alloc_sampled: Vec<f64>,
}

impl Cols {
    fn push(&mut self) {
        let n = self.n;
        self.inuse_space.extend(std::iter::repeat_n(0, n));
        self.inuse_objects.extend(std::iter::repeat_n(0, n));
        self.alloc_space.extend(std::iter::repeat_n(0, n));
        self.alloc_objects.extend(std::iter::repeat_n(0, n));
        self.variance.extend(std::iter::repeat_n(0.0, n));
        self.sampled.extend(std::iter::repeat_n(0.0, n));
        self.alloc_sampled.extend(std::iter::repeat_n(0.0, n));
    }
    fn reserve(&mut self, groups: usize) {
        let more = groups * self.n;
        self.inuse_space.reserve(more);
        self.inuse_objects.reserve(more);
        self.alloc_space.reserve(more);
        self.alloc_objects.reserve(more);
        self.variance.reserve(more);
        self.sampled.reserve(more);
        self.alloc_sampled.reserve(more);
    }
    fn row(&self, g: usize) -> Row<'_> {
        let r = g * self.n..(g + 1) * self.n;
        Row {
            inuse_space: &self.inuse_space[r.clone()],
            inuse_objects: &self.inuse_objects[r.clone()],
            alloc_space: &self.alloc_space[r.clone()],
            alloc_objects: &self.alloc_objects[r.clone()],
            variance: &self.variance[r.clone()],
            sampled: &self.sampled[r.clone()],
            alloc_sampled: &self.alloc_sampled[r],
        }
    }
}

/// One path's numbers across the series.
struct Row<'a> {
    inuse_space: &'a [i64],
    inuse_objects: &'a [i64],
    alloc_space: &'a [i64],
    alloc_objects: &'a [i64],
    variance: &'a [f64],
    sampled: &'a [f64],
    alloc_sampled: &'a [f64],
}

fn rate_of(p: &Profile) -> (i64, bool) {
    let space = p
        .period_type
        .as_ref()
        .is_some_and(|t| t.r#type == "space" || t.unit == "bytes");
    if space && p.period > 0 {
        (p.period, false)
    } else {
        (DEFAULT_HEAP_RATE, true)
    }
}

pub(crate) fn judge_all(series: &[&Profile]) -> Vec<Judged> {
    let n = series.len();
    // Groups are keyed by the user call path as (function, line) pairs with
    // functions interned by (name, file) across the series: no string is
    // built per frame (300k-sample heap profiles took seconds that way).
    let mut index: HashMap<Vec<(u32, i64)>, usize> = HashMap::default();
    let mut groups: Vec<HeapGroup> = Vec::new();
    let mut cols = Cols {
        n,
        ..Default::default()
    };
    let mut interned: HashMap<(&str, &str), u32> = HashMap::default();
    // The path of the sample at hand, reused: only a new path is copied.
    let mut key: Vec<(u32, i64)> = Vec::with_capacity(4);
    let mut rates = Vec::with_capacity(n);
    for (k, p) in series.iter().enumerate() {
        let idx = |t: &str| p.sample_types.iter().position(|s| s.r#type == t);
        let (Some(is), Some(io)) = (idx("inuse_space"), idx("inuse_objects")) else {
            rates.push(rate_of(p));
            continue;
        };
        let (rate, assumed) = rate_of(p);
        rates.push((rate, assumed));
        let (as_, ao) = (idx("alloc_space"), idx("alloc_objects"));
        if k == 0 {
            groups.reserve(p.samples.len());
            index.reserve(p.samples.len());
            cols.reserve(p.samples.len());
        }
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
        let any_marker = marker.iter().any(Option::is_some);
        let gid: Vec<u32> = p
            .functions
            .iter()
            .map(|f| {
                let next = interned.len() as u32;
                *interned.entry((&*f.name, &*f.filename)).or_insert(next)
            })
            .collect();
        for s in p.samples.iter() {
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
            key.clear();
            key.extend(
                lines()
                    .filter(|&(f, _)| user[f as usize])
                    .take(4)
                    .map(|(f, l)| (gid[f as usize], l)),
            );
            let has_user = !key.is_empty();
            if key.is_empty() {
                key.push((gid[site.0 as usize], site.1));
            }
            let gi = match index.get(key.as_slice()) {
                Some(&gi) => gi,
                None => {
                    groups.push(HeapGroup {
                        site: (gid[site.0 as usize], site.1),
                        stack: Vec::new(),
                        markers: Vec::new(),
                        user: has_user,
                        startup: {
                            let name = &*p.functions[site.0 as usize].name;
                            name == "main.main"
                                || name.ends_with(".init")
                                || name.contains(".init.")
                        },
                    });
                    cols.push();
                    index.insert(key.clone(), groups.len() - 1);
                    groups.len() - 1
                }
            };
            let at = gi * n + k;
            let (b, o) = (s.values[is], s.values[io]);
            cols.inuse_space[at] += b;
            cols.inuse_objects[at] += o;
            let (var, sampled) = heap_sample_noise(o, b, rate);
            cols.variance[at] += var;
            cols.sampled[at] += sampled;
            if let Some(a) = as_ {
                cols.alloc_space[at] += s.values[a];
            }
            if let Some(a) = ao {
                cols.alloc_objects[at] += s.values[a];
                let bytes = as_.map(|x| s.values[x]).unwrap_or(0);
                cols.alloc_sampled[at] += heap_sample_noise(s.values[a], bytes, rate).1;
            }
            if any_marker {
                let g = &mut groups[gi];
                for (f, _) in lines() {
                    if let Some(m) = marker[f as usize] {
                        if !g.markers.contains(&m) {
                            g.markers.push(m);
                        }
                    }
                }
            }
        }
    }
    for (key, gi) in index {
        groups[gi].stack = key;
    }
    let mut names: Vec<(&str, &str)> = vec![("", ""); interned.len()];
    for (k, v) in &interned {
        names[*v as usize] = *k;
    }
    let total_inuse: Vec<i64> = (0..n)
        .map(|k| (0..groups.len()).map(|g| cols.inuse_space[g * n + k]).sum())
        .collect();
    let total_alloc: i64 = (0..groups.len())
        .map(|g| cols.alloc_space[g * n + n - 1])
        .sum();
    let env = Env {
        n,
        total_inuse: &total_inuse,
        total_alloc,
        rate: rates.last().copied().unwrap_or((DEFAULT_HEAP_RATE, true)),
        times: series.iter().map(|p| p.time_nanos).collect(),
        names: &names,
    };
    // A heap profile has thousands of paths: notes are written for the
    // largest and for findings only (words cost more than the numbers).
    if n == 0 {
        return Vec::new();
    }
    let last = |g: u32| cols.inuse_space[g as usize * n + n - 1];
    // Paths with nothing in use in any snapshot (most of a heap profile:
    // allocations since freed) have nothing to judge.
    let mut order: Vec<u32> = (0..groups.len() as u32)
        .filter(|&g| cols.row(g as usize).inuse_space.iter().any(|&v| v > 0))
        .collect();
    crate::order::sort_ids_by(&mut order, |a, b| {
        last(b)
            .cmp(&last(a))
            .then(groups[a as usize].stack.cmp(&groups[b as usize].stack))
    });
    order
        .iter()
        .enumerate()
        .filter_map(|(i, &g)| {
            judge(
                &groups[g as usize],
                &cols.row(g as usize),
                &env,
                i < EXPLAIN_MAX,
            )
        })
        .collect()
}

struct Env<'a> {
    n: usize,
    total_inuse: &'a [i64],
    total_alloc: i64,
    rate: (i64, bool),
    times: Vec<i64>,
    names: &'a [(&'a str, &'a str)],
}

fn bytes(v: i64) -> String {
    crate::measurement::label(v, "bytes")
}

fn judge(meta: &HeapGroup, g: &Row, env: &Env, want_note: bool) -> Option<Judged> {
    let n = env.n;
    let last = *g.inuse_space.last()?;
    let objs = *g.inuse_objects.last()?;
    let alloc = *g.alloc_space.last()?;
    let total_last = *env.total_inuse.last()?;
    if last <= 0 && g.inuse_space.iter().all(|&v| v <= 0) {
        return None;
    }
    let sigma: Vec<f64> = g.variance.iter().map(|v| v.sqrt()).collect();
    // Each step moves by the sampled objects allocated or freed in it (a
    // sampled object stays in the profile until freed); without allocation
    // counts, or when they fell (a restart), the two levels are compared as
    // independent samples.
    let step_sigma: Vec<f64> = (0..n.saturating_sub(1))
        .map(|k| {
            let a = g.alloc_sampled[k + 1] - g.alloc_sampled[k];
            let have_allocs = g.alloc_objects[k + 1] > 0 && a >= 0.0;
            if !have_allocs {
                return stats::diff_sigma(sigma[k], sigma[k + 1]);
            }
            let i = g.sampled[k + 1] - g.sampled[k];
            let (b, ns) = (
                (g.inuse_space[k] + g.inuse_space[k + 1]) as f64,
                g.sampled[k] + g.sampled[k + 1],
            );
            let w = if ns > 0.0 {
                b / ns
            } else {
                let (ab, an) = (g.alloc_space[k + 1] as f64, g.alloc_sampled[k + 1]);
                if an > 0.0 {
                    ab / an
                } else {
                    env.rate.0 as f64
                }
            };
            stats::heap_step_sigma(a, i, w)
        })
        .collect();
    // Growth must matter: at least 256 KiB and 5% of the last heap.
    let material = (256 * 1024).max(total_last / 20);
    let per_obj = if objs > 0 { last / objs } else { 0 };
    let retained = if alloc > 0 {
        last as f64 / alloc as f64
    } else {
        0.0
    };
    let share = if total_last > 0 {
        last as f64 / total_last as f64
    } else {
        0.0
    };
    let m = (n >= 2).then(|| moves(g.inuse_space, &step_sigma, material));
    // One snapshot: judged only on a site the sampler saw often enough
    // (ten samples: about ±30%), of the program's own code.
    let sampled_last = g.sampled.last().copied().unwrap_or(0.0);
    let retains = n == 1
        && meta.user
        && sampled_last >= 10.0
        && retained >= 0.9
        && share >= 0.2
        && last >= 1 << 20
        && g.alloc_objects.last().copied().unwrap_or(0) >= 2;
    let flagged = m.is_some_and(|m| m.rose && !m.fell && m.last_rising) || retains;
    if !flagged && !want_note {
        return None;
    }
    let frame = |&(f, line): &(u32, i64)| Frame {
        function: env.names[f as usize].0.to_string(),
        file: env.names[f as usize].1.to_string(),
        line,
    };
    let site = frame(&meta.site);
    let threshold = if n >= 2 {
        let total: f64 = step_sigma.iter().map(|x| x * x).sum::<f64>().sqrt();
        (3.0 * total).max(material as f64) as i64
    } else {
        0
    };
    let noise = Noise {
        sample_rate: env.rate.0,
        assumed: env.rate.1,
        sigma: sigma.iter().map(|s| s.round() as i64).collect(),
        step_sigma: step_sigma.iter().map(|s| s.round() as i64).collect(),
        samples: g.sampled.iter().map(|s| s.round() as u64).collect(),
        threshold,
    };
    let seq: String = g
        .inuse_space
        .iter()
        .map(|v| bytes(*v))
        .collect::<Vec<_>>()
        .join(" → ");
    // The noise quoted in words: two sigmas of the widest step.
    let widest = step_sigma.iter().copied().fold(0.0, f64::max);
    let pm = format!("±{} per step", bytes((2.0 * widest).round() as i64));
    let note = |severity: Option<Severity>, why: String| SiteNote {
        kind: Kind::Heap,
        function: site.function.clone(),
        file: site.file.clone(),
        line: site.line,
        count: last,
        unit: Unit::Bytes,
        severity,
        why,
    };
    let healthy = |why: &dyn Fn() -> String| {
        want_note.then(|| Judged {
            finding: None,
            note: note(None, why()),
        })
    };
    let (severity, basis, trend, evidence, next_step);
    if let Some(m) = m {
        if m.rose && !m.fell && m.last_rose {
            // Two points make a line, not a trend: a warm-up caught
            // half-way looks the same.
            severity = match n {
                2 => Severity::Low,
                _ if m.every_step => Severity::High,
                _ => Severity::Medium,
            };
            basis = Basis::HeapTrend;
            trend = Trend::Growing;
            evidence = format!(
                "in-use memory grew {seq} across {n} snapshots, beyond its sampling noise ({pm}) and still rising in the last interval ({} objects now, {} each; {:.0}% of what was allocated here is still in use)",
                objs,
                bytes(per_obj),
                retained * 100.0
            );
            next_step = if severity == Severity::High {
                String::new()
            } else {
                "Take another heap profile in 5–10 minutes: a rise that continues beyond the noise confirms it; one that stops is a warm-up.".into()
            };
        } else if m.rose && !m.fell {
            return healthy(&|| {
                format!(
                "{}: warm-up, then a plateau: rose {seq}, then held within the sampling noise ({pm}) for the last {}",
                bytes(last),
                if m.held == 1 { "interval".to_string() } else { format!("{} intervals", m.held) }
            )
            });
        } else if m.fell {
            return healthy(&|| {
                format!(
                    "{}: rose and fell ({seq}): freed again, not a leak",
                    bytes(last)
                )
            });
        } else {
            return healthy(&|| {
                if m.held == n - 1 {
                    format!(
                        "{}: flat, a plateau: no step beyond the sampling noise ({pm}) across {n} snapshots ({seq})",
                        bytes(last)
                    )
                } else {
                    format!(
                        "{}: no growth beyond the sampling noise ({pm}) across {n} snapshots ({seq})",
                        bytes(last)
                    )
                }
            });
        }
    } else {
        basis = Basis::HeapSnapshot;
        trend = Trend::Single;
        if retains {
            // Nearly everything ever allocated here is still held. A
            // process that has allocated many times its heap and kept this
            // site whole while freeing the rest is the stronger sign.
            let churned = env.total_alloc >= 10 * total_last.max(1);
            severity = if churned
                && share >= 0.5
                && retained >= 0.95
                && sampled_last >= 50.0
                && !meta.startup
            {
                Severity::Medium
            } else {
                Severity::Low
            };
            evidence = format!(
                "{} in use, {:.0}% of the heap, and {:.0}% of what was ever allocated here is still in use ({} objects, {} each){}: one snapshot cannot tell a full cache from a leak",
                bytes(last),
                share * 100.0,
                retained * 100.0,
                objs,
                bytes(per_obj),
                if churned { ", while the process freed most of everything else it allocated" } else { "" }
            );
            next_step = "Take two more heap profiles 5–10 minutes apart under steady load: in-use memory here that keeps rising beyond the sampling noise is a leak; if it holds, it is a warm cache.".into();
        } else {
            return healthy(&|| {
                format!(
                    "{}: {:.0}% of the heap; {:.0}% of what was allocated here is still in use",
                    bytes(last),
                    share * 100.0,
                    retained * 100.0
                )
            });
        }
    }
    let (rule, fix) = if meta.markers.contains(&"timer") {
        (Rule::TickerNotStopped, "Tickers and timers created here are never stopped. Call `defer t.Stop()`, and create one ticker outside the loop instead of one per iteration or request (`time.After` in a loop allocates a timer each time).")
    } else if meta.markers.contains(&"defer") {
        (Rule::DeferInLoop, "`defer` inside a long loop piles up deferred calls until the function returns. Move the loop body into its own function so each defer runs per iteration.")
    } else if per_obj >= 64 * 1024 {
        (Rule::SubstringRetention, "Few, large objects stay in use. Either something small kept from each (a sub-string or sub-slice) pins the whole backing array: copy what you keep (`strings.Clone`, `bytes.Clone`, `append([]T(nil), s[a:b]...)`) so the big buffer can be freed; or whole objects are kept in a map or slice that only grows: bound it (an LRU or a TTL). The profile shows where they were allocated, not what holds them.")
    } else if retained >= 0.9 {
        (Rule::UnboundedCache, "Almost nothing allocated here is ever freed: a map or slice that only grows. Bound it (an LRU or a TTL) or delete entries when they are done.")
    } else {
        (Rule::HeapGrowth, "In-use memory allocated here keeps growing. Find what holds these objects (a global map, a slice, a goroutine that never ends) and release them when done.")
    };
    let stack: Vec<String> = meta
        .stack
        .iter()
        .map(|x| {
            let f = frame(x);
            format!("{} {}:{}", f.function, f.file, f.line)
        })
        .collect();
    let finding = Finding {
        rule,
        severity,
        kind: Kind::Heap,
        function: site.function.clone(),
        file: site.file.clone(),
        line: site.line,
        created_by: None,
        created_at: None,
        entry_function: None,
        wait: String::new(),
        wait_minutes: None,
        counts: g.inuse_space.to_vec(),
        times: env.times.clone(),
        unit: Unit::Bytes,
        basis,
        trend,
        survival: None,
        wait_growth: None,
        noise: Some(noise),
        evidence: evidence.clone(),
        fix: fix.into(),
        next_step,
        blocking_line: None,
        stack,
    };
    Some(Judged {
        note: note(Some(severity), evidence),
        finding: Some(finding),
    })
}

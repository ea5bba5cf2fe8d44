//! The memory (OOM) triage: where a Go process's memory is, read from the
//! `# runtime.MemStats` trailer of heap `?debug=1` profiles
//! ([`crate::decode::memstats`]), and what the picture means, checked in
//! the order of the usual checklist (the program's code first, then the
//! runtime, then what is outside it):
//!
//! 1. the heap holds most of it: look at Top and Leaks (inuse_space);
//! 2. goroutine stacks grow with the goroutine count: a goroutine leak;
//! 3. `Sys` far above `HeapInuse` with little `HeapReleased`: memory the
//!    runtime freed and has not returned to the OS yet (GOGC, GOMEMLIMIT);
//! 4. `MaxRSS` far above `Sys`: memory outside the Go runtime (cgo, mmap,
//!    the environment).
//!
//! Profiles of the same moment (a heap `.pb.gz` and its `?debug=1` text, a
//! goroutine dump taken alongside) are matched by the snapshot number in
//! their names, or by their times, so a series shows stacks beside the
//! goroutine count and takes times from whichever file has one.

use crate::decode::memstats::MemStats;
use crate::profile::Profile;
use serde::{Deserialize, Serialize};

/// Where `Sys` (all memory the runtime obtained from the OS) is. The six
/// parts add up to `Sys`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Components {
    pub sys: u64,
    /// `HeapAlloc`: live objects and garbage not yet swept.
    pub live_heap: u64,
    /// `HeapInuse - HeapAlloc`: room in in-use spans that holds no object.
    pub fragmentation: u64,
    /// `HeapIdle - HeapReleased`: free heap the runtime keeps (resident).
    pub idle_unreleased: u64,
    /// `HeapReleased`: free heap returned to the OS (not resident).
    pub released: u64,
    /// `StackSys`: goroutine stacks (and OS thread stacks).
    pub stacks: u64,
    /// `MSpanSys + MCacheSys + BuckHashSys + GCSys + OtherSys`.
    pub metadata: u64,
    /// Peak resident set size since the process started, if printed.
    pub max_rss: Option<u64>,
}

impl Components {
    pub fn of(m: &MemStats) -> Option<Components> {
        let g = |n: &str| m.int(n);
        let heap_alloc = g("HeapAlloc")?;
        let heap_inuse = g("HeapInuse")?;
        let heap_idle = g("HeapIdle")?;
        let released = g("HeapReleased")?;
        let metadata = ["MSpanSys", "MCacheSys", "BuckHashSys", "GCSys", "OtherSys"]
            .iter()
            .map(|n| g(n).unwrap_or(0))
            .sum();
        Some(Components {
            sys: g("Sys")?,
            live_heap: heap_alloc,
            fragmentation: heap_inuse.saturating_sub(heap_alloc),
            idle_unreleased: heap_idle.saturating_sub(released),
            released,
            stacks: g("StackSys")?,
            metadata,
            max_rss: g("MaxRSS"),
        })
    }

    /// The parts in chart order, with names.
    pub fn parts(&self) -> [(&'static str, u64); 6] {
        [
            ("live heap", self.live_heap),
            ("fragmentation", self.fragmentation),
            ("idle, not returned", self.idle_unreleased),
            ("goroutine stacks", self.stacks),
            ("runtime metadata", self.metadata),
            ("returned to the OS", self.released),
        ]
    }
}

/// What a heap profile's records say (scaled as pprof reads them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeapTotals {
    pub inuse_space: Option<i64>,
    pub inuse_objects: Option<i64>,
    pub alloc_space: Option<i64>,
    pub alloc_objects: Option<i64>,
}

impl HeapTotals {
    pub fn of(p: &Profile) -> HeapTotals {
        let idx = |names: &[&str]| {
            names
                .iter()
                .find_map(|n| p.sample_types.iter().position(|t| t.r#type == *n))
        };
        let total = |i: Option<usize>| i.map(|i| p.total(i));
        HeapTotals {
            inuse_space: total(idx(&["inuse_space", "space"])),
            inuse_objects: total(idx(&["inuse_objects", "objects"])),
            alloc_space: total(idx(&["alloc_space"])),
            alloc_objects: total(idx(&["alloc_objects"])),
        }
    }
}

/// One moment of the series: the heap profiles (and goroutine dump) taken
/// at it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Moment {
    /// The heap profile(s) of this moment, the one with the trailer first.
    pub files: Vec<String>,
    /// When it was taken (from any file of the moment that records it), 0
    /// when none does.
    pub time_nanos: i64,
    pub memstats: Option<MemStats>,
    /// Why the trailer of this moment's `?debug=1` file could not be read.
    pub trailer_error: Option<String>,
    pub components: Option<Components>,
    pub heap: HeapTotals,
    /// Goroutines, from a goroutine profile of the same moment.
    pub goroutines: Option<u64>,
    pub goroutine_file: Option<String>,
    /// Bytes allocated per second since the previous moment (TotalAlloc
    /// from the trailers, else the profiles' alloc_space), when both
    /// moments have times.
    pub alloc_rate: Option<f64>,
}

/// One step of the checklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CheckKind {
    Heap,
    GoroutineStacks,
    RuntimeRetained,
    OutsideRuntime,
}

impl CheckKind {
    pub fn slug(self) -> &'static str {
        match self {
            CheckKind::Heap => "heap",
            CheckKind::GoroutineStacks => "goroutine-stacks",
            CheckKind::RuntimeRetained => "runtime-retained",
            CheckKind::OutsideRuntime => "outside-runtime",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    pub kind: CheckKind,
    /// Whether the numbers point here.
    pub applies: bool,
    /// The conclusion, one line.
    pub title: String,
    /// The numbers behind it.
    pub evidence: String,
    /// What to do or where to look next.
    pub advice: String,
}

/// The Memory view's chart, laid out as fractions of its axes: the page
/// maps them to pixels and draws.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Chart {
    /// The byte axis: its top and its ticks, round steps from 0.
    pub top: u64,
    pub ticks: Vec<u64>,
    /// Whether every bar has a time: labels are then times since the first.
    pub timed: bool,
    pub bars: Vec<Bar>,
    /// The goroutine axis's top, when dumps of the same moments are open.
    pub goroutine_top: Option<u64>,
}

/// One moment with a trailer in the chart.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Bar {
    /// Index into [`MemoryReport::moments`].
    pub moment: usize,
    /// `+12 s`, `+3.5 min`, or `#2` when the files record no time.
    pub label: String,
    /// Per part of [`Components::parts`]: its bottom and top as fractions
    /// of [`Chart::top`] (stacked in that order).
    pub parts: Vec<(f64, f64)>,
    /// MaxRSS as a fraction of [`Chart::top`].
    pub max_rss: Option<f64>,
    /// The goroutine count as a fraction of [`Chart::goroutine_top`].
    pub goroutines: Option<f64>,
}

/// The triage of a series of heap snapshots.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MemoryReport {
    pub moments: Vec<Moment>,
    /// The moments with a trailer, laid out (None without any).
    pub chart: Option<Chart>,
    /// The checklist on the last moment with a trailer (empty without one).
    pub checks: Vec<Check>,
    /// Other observations (fragmentation, GC CPU, what a .pb.gz tells).
    pub notes: Vec<String>,
    /// Set when no heap profile carries the trailer: how to capture one.
    pub capture_hint: Option<String>,
}

/// How to get the trailer from a running service.
pub const CAPTURE_HINT: &str = "Only the text form of the heap profile carries runtime.MemStats: capture it with `curl -o heap-1.txt 'http://HOST:PORT/debug/pprof/heap?debug=1'` (or `pprof.Lookup(\"heap\").WriteTo(w, 1)`), a few times a few minutes apart, together with `/debug/pprof/goroutine?debug=2` dumps of the same moments.";

fn is_heap(p: &Profile) -> bool {
    p.kind() == "heap"
}

/// The snapshot number a file name carries, without the profile kind:
/// `heap-2.debug1.txt` and `goroutine-2.pb.gz` are both `-2`. None when
/// the name has no digit left to tell moments apart.
pub fn moment_key(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let stem = base.split('.').next().unwrap_or(base).to_lowercase();
    let mut key = stem;
    for word in [
        "goroutines",
        "goroutine",
        "allocs",
        "heap",
        "memory",
        "mem",
        "debug1",
        "debug2",
    ] {
        key = key.replace(word, "");
    }
    (key.chars().any(|c| c.is_ascii_digit()) && name_time(name).is_none()).then_some(key)
}

/// A Unix time in seconds in a file name (`heap-1764670003.txt`, as
/// `curl -o heap-$(date +%s).txt` writes it), in nanoseconds.
pub fn name_time(name: &str) -> Option<i64> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    base.split(|c: char| !c.is_ascii_digit())
        .filter(|d| d.len() == 10)
        .filter_map(|d| d.parse::<i64>().ok())
        .find(|s| (1_000_000_000..10_000_000_000).contains(s))
        .map(|s| s * 1_000_000_000)
}

/// When a profile was taken: its own time, else one its name carries.
fn time_of(name: &str, p: &Profile) -> i64 {
    if p.time_nanos != 0 {
        p.time_nanos
    } else {
        name_time(name).unwrap_or(0)
    }
}

/// Two profiles taken at most this far apart, when their names say
/// nothing, are of one moment.
const SAME_MOMENT_NANOS: i64 = 5_000_000_000;

/// Groups `series` (heap and goroutine profiles, in series order) into
/// moments: same snapshot number in the name, or (for names without one)
/// times within 5 s. Returns the indexes of each moment's profiles.
fn moments_of(series: &[(&str, &Profile)]) -> Vec<Vec<usize>> {
    let keys: Vec<Option<String>> = series.iter().map(|(n, _)| moment_key(n)).collect();
    let mut of: Vec<usize> = (0..series.len()).collect();
    fn root(of: &mut [usize], mut i: usize) -> usize {
        while of[i] != i {
            of[i] = of[of[i]];
            i = of[i];
        }
        i
    }
    for i in 0..series.len() {
        for j in 0..i {
            let same = match (&keys[i], &keys[j]) {
                (Some(a), Some(b)) => a == b,
                _ => {
                    let ta = time_of(series[i].0, series[i].1);
                    let tb = time_of(series[j].0, series[j].1);
                    ta != 0 && tb != 0 && (ta - tb).abs() <= SAME_MOMENT_NANOS
                }
            };
            if same {
                let (a, b) = (root(&mut of, i), root(&mut of, j));
                of[a] = b;
            }
        }
    }
    let mut groups: Vec<(usize, Vec<usize>)> = Vec::new();
    for i in 0..series.len() {
        let r = root(&mut of, i);
        match groups.iter_mut().find(|(g, _)| *g == r) {
            Some((_, v)) => v.push(i),
            None => groups.push((r, vec![i])),
        }
    }
    groups.into_iter().map(|(_, v)| v).collect()
}

/// The triage of `series` (heap profiles, with goroutine profiles of the
/// same moments when there are; other kinds are ignored), in series order.
pub fn triage(series: &[(&str, &Profile)]) -> MemoryReport {
    let mut moments = Vec::new();
    for idx in moments_of(series) {
        let heaps: Vec<usize> = idx
            .iter()
            .copied()
            .filter(|&i| is_heap(series[i].1))
            .collect();
        if heaps.is_empty() {
            continue;
        }
        let mut m = Moment::default();
        // The file with the trailer first.
        let mut heaps = heaps;
        crate::order::sort_by_key(&mut heaps, |&i| series[i].1.memstats.is_none());
        for &i in &heaps {
            let (name, p) = series[i];
            m.files.push(name.to_string());
            match &p.memstats {
                Some(Ok(ms)) if m.memstats.is_none() => m.memstats = Some(ms.clone()),
                Some(Err(e)) if m.trailer_error.is_none() => m.trailer_error = Some(e.clone()),
                _ => {}
            }
        }
        // Totals from the first heap file with allocation columns (the
        // .pb.gz and the debug=1 text of one moment agree).
        let totals: Vec<HeapTotals> = heaps.iter().map(|&i| HeapTotals::of(series[i].1)).collect();
        m.heap = totals
            .iter()
            .copied()
            .find(|t| t.alloc_space.is_some())
            .unwrap_or(totals[0]);
        // A profile's own time before one read from a name.
        m.time_nanos = idx
            .iter()
            .map(|&i| series[i].1.time_nanos)
            .chain(idx.iter().map(|&i| time_of(series[i].0, series[i].1)))
            .find(|&t| t != 0)
            .unwrap_or(0);
        if let Some(&g) = idx
            .iter()
            .find(|&&i| crate::goroutines::is_goroutine(series[i].1))
        {
            let (name, p) = series[g];
            let n = if p.goroutines.is_empty() {
                p.total(0) as u64
            } else {
                p.goroutines.len() as u64
            };
            m.goroutines = Some(n);
            m.goroutine_file = Some(name.to_string());
        }
        m.components = m.memstats.as_ref().and_then(Components::of);
        moments.push(m);
    }
    for k in 1..moments.len() {
        let (a, b) = (&moments[k - 1], &moments[k]);
        if a.time_nanos == 0 || b.time_nanos <= a.time_nanos {
            continue;
        }
        let secs = (b.time_nanos - a.time_nanos) as f64 / 1e9;
        let total = |m: &Moment| m.memstats.as_ref().and_then(|s| s.int("TotalAlloc"));
        let bytes = match (total(a), total(b)) {
            (Some(x), Some(y)) if y >= x => Some((y - x) as f64),
            _ => match (a.heap.alloc_space, b.heap.alloc_space) {
                (Some(x), Some(y)) if y >= x => Some((y - x) as f64),
                _ => None,
            },
        };
        moments[k].alloc_rate = bytes.map(|b| b / secs);
    }
    let mut report = MemoryReport {
        moments,
        ..Default::default()
    };
    let with: Vec<usize> = (0..report.moments.len())
        .filter(|&k| report.moments[k].components.is_some())
        .collect();
    if with.is_empty() {
        report.capture_hint = Some(CAPTURE_HINT.to_string());
        if let Some(m) = report.moments.last() {
            report.notes.push(profile_note(m, report.moments.len()));
        }
        for m in &report.moments {
            if let Some(e) = &m.trailer_error {
                report.notes.push(format!("{}: {e}", m.files[0]));
            }
        }
        return report;
    }
    report.chart = Some(chart(&report.moments));
    report.checks = checks(&report.moments, &with);
    report.notes = notes(&report.moments, &with);
    if !report.checks.iter().any(|c| c.applies) {
        let c = report.moments[*with.last().unwrap()].components.unwrap();
        report.notes.insert(
            0,
            format!(
                "No check points anywhere: no part of the {} the runtime obtained stands out. If the process was killed for memory, compare its limit with Sys and MaxRSS, and take snapshots closer to the peak.",
                b(c.sys)
            ),
        );
    }
    report
}

/// A round step (1, 2 or 5 times a power of ten, of MiB) for about four
/// ticks up to `max` bytes.
fn tick_step(max: u64) -> u64 {
    let mib = 1u64 << 20;
    let raw = (max as f64 / mib as f64 / 4.0).max(1e-6);
    let mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    let nice = if norm <= 1.0 {
        1.0
    } else if norm <= 2.0 {
        2.0
    } else if norm <= 5.0 {
        5.0
    } else {
        10.0
    };
    ((nice * mag * mib as f64).round() as u64).max(1)
}

/// Seconds as `+12 s`, `+3.5 min`, `+2.0 h`.
fn elapsed(secs: f64) -> String {
    if secs < 120.0 {
        format!("+{secs:.0} s")
    } else if secs < 7200.0 {
        format!("+{:.1} min", secs / 60.0)
    } else {
        format!("+{:.1} h", secs / 3600.0)
    }
}

/// The chart of the moments that have a trailer.
fn chart(moments: &[Moment]) -> Chart {
    let with: Vec<usize> = (0..moments.len())
        .filter(|&k| moments[k].components.is_some())
        .collect();
    let max = with
        .iter()
        .map(|&k| {
            let c = moments[k].components.unwrap();
            c.sys.max(c.max_rss.unwrap_or(0))
        })
        .max()
        .unwrap_or(0)
        .max(1);
    let step = tick_step(max);
    let top = max.div_ceil(step) * step;
    let ticks = (0..=top / step).map(|k| k * step).collect();
    let timed = with.iter().all(|&k| moments[k].time_nanos != 0);
    let t0 = with.first().map(|&k| moments[k].time_nanos).unwrap_or(0);
    let goroutine_top = with.iter().filter_map(|&k| moments[k].goroutines).max();
    let frac = |v: u64| v as f64 / top as f64;
    let bars = with
        .iter()
        .enumerate()
        .map(|(i, &k)| {
            let m = &moments[k];
            let c = m.components.unwrap();
            let mut at = 0;
            let parts = c
                .parts()
                .iter()
                .map(|(_, v)| {
                    let lo = at;
                    at += v;
                    (frac(lo), frac(at))
                })
                .collect();
            Bar {
                moment: k,
                label: if timed {
                    elapsed((m.time_nanos - t0) as f64 / 1e9)
                } else {
                    format!("#{}", i + 1)
                },
                parts,
                max_rss: c.max_rss.map(frac),
                goroutines: match (m.goroutines, goroutine_top) {
                    (Some(g), Some(t)) if t > 0 => Some(g as f64 / t as f64),
                    _ => None,
                },
            }
        })
        .collect();
    Chart {
        top,
        ticks,
        timed,
        bars,
        goroutine_top,
    }
}

fn b(v: u64) -> String {
    crate::measurement::label(v.min(i64::MAX as u64) as i64, "bytes")
}

fn pct(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "0%".into();
    }
    format!("{:.0}%", part as f64 * 100.0 / whole as f64)
}

/// What a heap profile without the trailer tells.
fn profile_note(m: &Moment, n: usize) -> String {
    let mut s = format!(
        "{} carries no runtime.MemStats: it tells what the program's code holds, not where the rest of the process's memory is.",
        m.files.join(", ")
    );
    if let (Some(space), Some(objs)) = (m.heap.inuse_space, m.heap.inuse_objects) {
        s.push_str(&format!(
            " In use: {} in {} objects (sampled, scaled)",
            b(space.max(0) as u64),
            objs
        ));
        if let Some(a) = m.heap.alloc_space {
            s.push_str(&format!("; allocated since start: {}", b(a.max(0) as u64)));
        }
        s.push('.');
    }
    if let Some(r) = m.alloc_rate {
        s.push_str(&format!(
            " Allocation rate since the previous snapshot: {}/s.",
            b(r as u64)
        ));
    } else if n >= 2 {
        s.push_str(" The allocation rate needs snapshots that record their time (.pb.gz).");
    }
    s
}

/// Growing across the moments that have a value: a step counts when it
/// adds at least 5% (and at least `floor`); it takes two such steps (one
/// when there are only two points), the last step among them. A plateau
/// after a rise (a cache filling up, then full) is not growth.
fn rising(v: &[u64], floor: u64) -> bool {
    if v.len() < 2 {
        return false;
    }
    let up = |w: &[u64]| w[1] >= w[0].saturating_add((w[0] / 20).max(floor).max(1));
    let steps = v.windows(2).filter(|w| up(w)).count();
    steps >= 2.min(v.len() - 1) && up(&v[v.len() - 2..])
}

fn arrow(v: &[u64], f: impl Fn(u64) -> String) -> String {
    v.iter().map(|x| f(*x)).collect::<Vec<_>>().join(" → ")
}

fn checks(moments: &[Moment], with: &[usize]) -> Vec<Check> {
    let last = &moments[*with.last().unwrap()];
    let c = last.components.unwrap();
    let ms = last.memstats.as_ref().unwrap();
    let at = if moments.len() > 1 {
        format!(" at {}", last.files[0])
    } else {
        String::new()
    };
    let heap_inuse = c.live_heap + c.fragmentation;
    let series = |f: &dyn Fn(&Components) -> u64| -> Vec<u64> {
        with.iter()
            .map(|&k| f(moments[k].components.as_ref().unwrap()))
            .collect()
    };
    let mut out = Vec::new();

    // 1. The heap.
    let heap_share = heap_inuse as f64 / c.sys.max(1) as f64;
    let live = series(&|c| c.live_heap);
    let heap_grows = rising(&live, 256 << 10);
    let mut evidence = format!(
        "The heap's in-use spans hold {} of {} obtained from the OS ({}){at}: {} of live objects, {} of fragmentation.",
        b(heap_inuse),
        b(c.sys),
        pct(heap_inuse, c.sys),
        b(c.live_heap),
        b(c.fragmentation)
    );
    if live.len() >= 2 {
        evidence.push_str(&format!(
            " HeapAlloc across the snapshots: {}.",
            arrow(&live, b)
        ));
    }
    let applies = heap_share >= 0.5 || (heap_grows && heap_share >= 0.3);
    out.push(Check {
        kind: CheckKind::Heap,
        applies,
        title: if applies {
            if heap_grows {
                "The heap holds most of the memory, and it grows: suspect the program's own code".into()
            } else {
                "The heap holds most of the memory: suspect the program's own code".into()
            }
        } else {
            format!("The heap holds only {} of the memory", pct(heap_inuse, c.sys))
        },
        evidence,
        advice: "Look at Top with the inuse_space sample type for the code that holds it, and at Leaks for allocation paths that keep growing across snapshots.".into(),
    });

    // 2. Goroutine stacks.
    let stack_inuse: Vec<u64> = with
        .iter()
        .map(|&k| {
            moments[k]
                .memstats
                .as_ref()
                .and_then(|m| m.int("StackInuse"))
                .unwrap_or(0)
        })
        .collect();
    let counts: Vec<Option<u64>> = with.iter().map(|&k| moments[k].goroutines).collect();
    let known: Vec<u64> = counts.iter().flatten().copied().collect();
    let stacks_grow = rising(&stack_inuse, 64 << 10)
        && stack_inuse.last().unwrap_or(&0) >= &(stack_inuse[0].saturating_mul(3) / 2)
        && stack_inuse.last().unwrap_or(&0) - stack_inuse[0] >= 1 << 20;
    let goroutines_grow = known.len() >= 2 && rising(&known, 1);
    let stack_share = c.stacks as f64 / c.sys.max(1) as f64;
    let mut evidence = format!(
        "Goroutine stacks take {} of {} ({}){at}.",
        b(c.stacks),
        b(c.sys),
        pct(c.stacks, c.sys)
    );
    if stack_inuse.len() >= 2 {
        evidence.push_str(&format!(
            " StackInuse across the snapshots: {}.",
            arrow(&stack_inuse, b)
        ));
    }
    if !known.is_empty() {
        evidence.push_str(&format!(
            " Goroutines in the dumps of the same moments: {}",
            counts
                .iter()
                .map(|c| c.map(|n| n.to_string()).unwrap_or_else(|| "?".into()))
                .collect::<Vec<_>>()
                .join(" → ")
        ));
        if let (Some(n), Some(s)) = (last.goroutines, ms.int("StackInuse")) {
            // Per goroutine only where goroutines are most of the stacks.
            if n >= 100 {
                evidence.push_str(&format!(" ({} of stack each)", b(s / n)));
            }
        }
        evidence.push('.');
    }
    let applies = stack_share >= 0.25 || (stacks_grow && (known.len() < 2 || goroutines_grow));
    out.push(Check {
        kind: CheckKind::GoroutineStacks,
        applies,
        title: if applies {
            if goroutines_grow {
                "Stacks grow with the goroutine count: a goroutine leak".into()
            } else if stacks_grow {
                "Goroutine stacks grow: suspect a goroutine leak".into()
            } else {
                "Goroutine stacks take a large share: many goroutines, or deep recursion".into()
            }
        } else if goroutines_grow {
            "The goroutine count grows, but its stacks are a small part of the memory".into()
        } else {
            "Goroutine stacks are a small part of the memory".into()
        },
        evidence,
        advice: "Open the Goroutines view (sort by growth) and Leaks to find the group that piles up, and its creator; every goroutine keeps at least a 2 KB stack and what its frames reference on the heap.".into(),
    });

    // 3. Memory the runtime keeps.
    let idle = c.idle_unreleased;
    let applies = idle as f64 >= 0.25 * c.sys as f64 && c.sys as f64 >= 1.5 * heap_inuse as f64;
    let next_gc = ms.int("NextGC");
    let mut evidence = format!(
        "Sys is {} against {} of heap in use ({}x){at}; {} of free heap is still held by the runtime and {} was returned to the OS (HeapIdle {}, HeapReleased {}).",
        b(c.sys),
        b(heap_inuse),
        format_ratio(c.sys, heap_inuse),
        b(idle),
        b(c.released),
        b(idle + c.released),
        b(c.released)
    );
    if let Some(n) = next_gc {
        evidence.push_str(&format!(
            " The next GC starts when the heap reaches {} (NextGC).",
            b(n)
        ));
    }
    out.push(Check {
        kind: CheckKind::RuntimeRetained,
        applies,
        title: if applies {
            "Freed memory the runtime has not returned to the OS yet".into()
        } else {
            "The runtime holds little free memory beyond the heap".into()
        },
        evidence,
        advice: "The runtime keeps freed heap pages for reuse and returns them to the OS gradually. Set a soft limit with GOMEMLIMIT (the runtime then returns memory to stay under it), lower GOGC to collect before the heap doubles, or call debug.FreeOSMemory() after a burst. A peak in the past (a burst of allocations) explains it better than a leak.".into(),
    });

    // 4. Outside the runtime.
    let (applies, evidence) = match c.max_rss {
        Some(rss) => (
            rss as f64 >= 1.5 * c.sys as f64 && rss.saturating_sub(c.sys) >= 32 << 20,
            format!(
                "The peak resident size (MaxRSS) is {} against {} obtained by the Go runtime (Sys){at}.",
                b(rss),
                b(c.sys)
            ),
        ),
        None => (
            false,
            "The file has no MaxRSS line (an older Go, or a platform where Go does not print it): compare Sys with the resident size your system reports (ps, /proc/PID/status, the container's memory metrics).".into(),
        ),
    };
    out.push(Check {
        kind: CheckKind::OutsideRuntime,
        applies,
        title: if applies {
            "The process uses memory outside the Go runtime".into()
        } else {
            "No sign of memory outside the Go runtime".into()
        },
        evidence,
        advice: "Memory the Go runtime did not allocate: C code through cgo (malloc), mmap'd files or syscall.Mmap, plugins, or the environment. MaxRSS is the peak since start. Look at /proc/PID/smaps (or pmap -x) for the mappings that hold it, and at the container's accounting.".into(),
    });
    out
}

fn format_ratio(a: u64, b: u64) -> String {
    if b == 0 {
        return "∞".into();
    }
    format!("{:.1}", a as f64 / b as f64)
}

fn notes(moments: &[Moment], with: &[usize]) -> Vec<String> {
    let mut out = Vec::new();
    let last = &moments[*with.last().unwrap()];
    let c = last.components.unwrap();
    let ms = last.memstats.as_ref().unwrap();
    let inuse = c.live_heap + c.fragmentation;
    if c.fragmentation >= 16 << 20 && c.fragmentation * 4 >= inuse {
        out.push(format!(
            "{} of the heap's {} of in-use spans holds no object (fragmentation): spans of many size classes partly used. Fewer short-lived objects of many sizes, or pooling them, brings it down.",
            b(c.fragmentation),
            b(inuse)
        ));
    }
    if let Some(f) = ms.float("GCCPUFraction") {
        if f >= 0.05 {
            out.push(format!(
                "The garbage collector has used {:.1}% of the CPU time since the process started (GCCPUFraction): allocations are costly here.",
                f * 100.0
            ));
        }
    }
    if let Some(r) = last.alloc_rate {
        out.push(format!(
            "The program allocated {}/s between the last two snapshots.",
            b(r as u64)
        ));
    }
    for m in moments {
        if m.components.is_none() {
            if let Some(e) = &m.trailer_error {
                out.push(format!("{}: {e}", m.files[0]));
            } else {
                out.push(format!(
                    "{} has no runtime.MemStats trailer (a .pb.gz): only its in-use and allocated totals are shown.",
                    m.files.join(", ")
                ));
            }
        }
    }
    out
}

/// `leakscope memstats --format json`: the documented, stable shape.
/// Every field is printed under Go's name with its value (integers,
/// `GCCPUFraction` a number, `DebugGC` a bool, `PauseNs`/`PauseEnd`
/// arrays); `memstats` is null for a profile without the trailer.
#[derive(Serialize)]
pub struct Json<'a> {
    pub snapshots: Vec<JsonSnapshot<'a>>,
}

#[derive(Serialize)]
pub struct JsonSnapshot<'a> {
    pub file: &'a str,
    pub memstats: Option<JsonMemStats<'a>>,
}

/// A [`MemStats`] as a JSON object of Go's field names.
pub struct JsonMemStats<'a>(pub &'a MemStats);

impl Serialize for JsonMemStats<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use crate::decode::memstats::Value;
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.fields.len()))?;
        for (k, v) in &self.0.fields {
            match v {
                Value::Int(n) => m.serialize_entry(k, n)?,
                Value::Float(f) => m.serialize_entry(k, f)?,
                Value::Bool(b) => m.serialize_entry(k, b)?,
                Value::List(l) => m.serialize_entry(k, l)?,
                Value::Text(t) => m.serialize_entry(k, t)?,
            }
        }
        m.end()
    }
}

/// `leakscope memstats` as text.
pub fn format_text(r: &MemoryReport) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for m in &r.moments {
        let _ = write!(out, "{}", m.files.join(" + "));
        if m.time_nanos != 0 {
            let _ = write!(
                out,
                " ({})",
                crate::measurement::format_time_utc(m.time_nanos)
            );
        }
        out.push_str(":\n");
        match &m.components {
            Some(c) => {
                let _ = writeln!(out, "  Sys {:>12}", b(c.sys));
                for (name, v) in c.parts() {
                    let _ = writeln!(out, "    {:<20} {:>10} {:>4}", name, b(v), pct(v, c.sys));
                }
                if let Some(rss) = c.max_rss {
                    let _ = writeln!(out, "  MaxRSS {:>9}", b(rss));
                }
            }
            None => {
                if let Some(e) = &m.trailer_error {
                    let _ = writeln!(out, "  {e}");
                } else {
                    out.push_str("  no runtime.MemStats trailer\n");
                }
            }
        }
        if let (Some(s), Some(o)) = (m.heap.inuse_space, m.heap.inuse_objects) {
            let _ = writeln!(
                out,
                "  profile: in use {} in {o} objects{}",
                b(s.max(0) as u64),
                m.heap
                    .alloc_space
                    .map(|a| format!(", allocated {}", b(a.max(0) as u64)))
                    .unwrap_or_default()
            );
        }
        if let Some(n) = m.goroutines {
            let _ = writeln!(out, "  goroutines: {n}");
        }
    }
    if !r.checks.is_empty() {
        out.push_str("\nWhat it means:\n");
        for (i, c) in r.checks.iter().enumerate() {
            let _ = writeln!(
                out,
                "{}. [{}] {}\n   {}{}",
                i + 1,
                if c.applies { "yes" } else { "no" },
                c.title,
                c.evidence,
                if c.applies {
                    format!("\n   {}", c.advice)
                } else {
                    String::new()
                }
            );
        }
    }
    for n in &r.notes {
        let _ = writeln!(out, "\n{n}");
    }
    if let Some(h) = &r.capture_hint {
        let _ = writeln!(out, "\n{h}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moment_keys() {
        assert_eq!(moment_key("dir/heap-2.debug1.txt").as_deref(), Some("-2"));
        assert_eq!(moment_key("goroutine-2.pb.gz").as_deref(), Some("-2"));
        assert_eq!(moment_key("heap.pb.gz"), None);
        assert_ne!(moment_key("heap-12.txt"), moment_key("heap-1.txt"));
        // `$(date +%s)` in a name is a time, not a snapshot number.
        assert_eq!(moment_key("heap-1764670003.txt"), None);
        assert_eq!(
            name_time("x/goroutine-1764670001.txt"),
            Some(1_764_670_001_000_000_000)
        );
        assert_eq!(name_time("heap-3.txt"), None);
    }

    #[test]
    fn ticks_are_round() {
        let mib = 1 << 20;
        assert_eq!(tick_step(300 * mib), 100 * mib);
        assert_eq!(tick_step(30 * mib), 10 * mib);
        assert_eq!(tick_step(13 * mib), 5 * mib);
        assert_eq!(elapsed(1.2), "+1 s");
        assert_eq!(elapsed(300.0), "+5.0 min");
    }

    #[test]
    fn rising_needs_steps() {
        assert!(rising(&[10, 20, 30], 1));
        assert!(!rising(&[10, 50, 10], 1));
        assert!(rising(&[10, 20], 1));
        assert!(!rising(&[3], 1));
        // A cache filling up, then full: no growth.
        assert!(!rising(&[10_820, 19_960, 19_870, 19_890], 1));
        assert!(!rising(&[100, 200, 300], 1000));
    }
}

//! Goroutine rules: sites (the first frame of the program's own code where
//! goroutines park), judged over a series by identity (debug=2 ids) or by
//! counts, and in one snapshot by marks, waits, creators and pools.

use super::frames::*;
use super::stats::count_z;
use super::*;
use crate::profile::{Frame, Profile};
use std::collections::{BTreeMap, HashMap, HashSet};

/// One goroutine of a debug=2 snapshot, as a site keeps it.
#[derive(Clone, Copy)]
struct Member {
    id: u64,
    minutes: Option<u64>,
}

#[derive(Default)]
struct Site {
    frame: Frame,
    counts: Vec<i64>,
    /// Per snapshot: its goroutines, by id (debug=2 snapshots only).
    members: Vec<Vec<Member>>,
    waits: BTreeMap<String, i64>,
    creators: BTreeMap<String, i64>,
    created_at: BTreeMap<String, i64>,
    entries: BTreeMap<String, i64>,
    /// Per snapshot: goroutines marked `(leaked)`; and the most a
    /// goroutineleak profile listed.
    leaked: Vec<i64>,
    leak_profile: i64,
    stack: Vec<String>,
    infra: bool,
    /// Its own goroutines run under request-serving frames.
    in_request: bool,
    /// Last snapshot: goroutines whose request is over (see `orphans`).
    orphans: i64,
    /// Last snapshot: every goroutine has the same recorded creator
    /// goroutine (or none is recorded).
    one_creator_goroutine: bool,
}

impl Site {
    fn wait(&self) -> String {
        let pick = |special: &str| self.waits.keys().find(|w| w.contains(special)).cloned();
        pick("nil chan")
            .or_else(|| pick("no cases"))
            .or_else(|| {
                self.waits
                    .iter()
                    .max_by_key(|(_, c)| **c)
                    .map(|(w, _)| w.clone())
            })
            .unwrap_or_default()
    }
    fn top(m: &BTreeMap<String, i64>) -> Option<String> {
        m.iter().max_by_key(|(_, c)| **c).map(|(k, _)| k.clone())
    }
    fn max_minutes(&self, k: usize) -> Option<u64> {
        self.members
            .get(k)
            .and_then(|m| m.iter().filter_map(|g| g.minutes).max())
    }
}

type Key = (String, String, i64);

/// What the stacks of the whole series say about functions.
#[derive(Default)]
struct Context {
    /// Functions seen running above request-serving frames: handlers.
    handlers: HashSet<String>,
}

pub(crate) fn judge_all(series: &[&Profile], leakprof: &[&Profile]) -> Vec<Judged> {
    let n = series.len();
    let mut sites: Vec<Site> = Vec::new();
    let mut index: HashMap<Key, usize> = HashMap::new();
    let mut ctx = Context::default();
    // The last snapshot's goroutines by id, and each sample's frames, for
    // the creator lookups of one snapshot.
    let mut last_samples: Vec<Vec<Frame>> = Vec::new();
    let mut last_site_of: Vec<Option<usize>> = Vec::new();
    let all: Vec<(Option<usize>, &Profile)> = series
        .iter()
        .enumerate()
        .map(|(k, p)| (Some(k), *p))
        .chain(leakprof.iter().map(|p| (None, *p)))
        .collect();
    for &(snap, p) in &all {
        let mut site_of: Vec<Option<usize>> = Vec::with_capacity(p.samples.len());
        let keep_frames = snap.is_some() && snap == n.checked_sub(1);
        for (si, s) in p.samples.iter().enumerate() {
            let fr = frames(p, &s);
            let count = s.values.first().copied().unwrap_or(0);
            if let Some(h) = fr.iter().position(|f| is_handler_frame(&f.function)) {
                for f in &fr[..h] {
                    if is_user_function(&f.function) && !ctx.handlers.contains(&f.function) {
                        ctx.handlers.insert(f.function.clone());
                    }
                }
            }
            let site = first_user_frame(&fr).cloned();
            let idx = site.filter(|_| count > 0).map(|site| {
                let key = (site.function.clone(), site.file.clone(), site.line);
                let i = *index.entry(key).or_insert_with(|| {
                    sites.push(Site {
                        frame: site.clone(),
                        counts: vec![0; n],
                        members: vec![Vec::new(); n],
                        leaked: vec![0; n],
                        one_creator_goroutine: true,
                        ..Default::default()
                    });
                    sites.len() - 1
                });
                let g = &mut sites[i];
                if g.stack.is_empty() {
                    g.stack = fr
                        .iter()
                        .filter(|f| is_user_function(&f.function))
                        .take(6)
                        .map(frame_str)
                        .collect();
                }
                g.infra |= is_infrastructure(&site, &fr);
                g.in_request |= fr.iter().any(|f| is_handler_frame(&f.function));
                match snap {
                    Some(k) => g.counts[k] += count,
                    None => g.leak_profile = g.leak_profile.max(count),
                }
                if p.goroutines.is_empty() {
                    let w = wait_from_stack(&fr);
                    if !w.is_empty() {
                        *g.waits.entry(w.to_string()).or_default() += count;
                    }
                }
                if let Some(e) = entry_function(&fr) {
                    *g.entries.entry(e.to_string()).or_default() += count;
                }
                let _ = si;
                i
            });
            site_of.push(idx);
            if keep_frames {
                last_samples.push(fr);
            }
        }
        // debug=2: each goroutine's id, state, minutes and creator.
        let Some(k) = snap else {
            continue;
        };
        let mut leaked_here: HashMap<usize, i64> = HashMap::new();
        for gr in &p.goroutines {
            let Some(Some(i)) = site_of.get(gr.sample as usize).copied() else {
                continue;
            };
            let g = &mut sites[i];
            g.members[k].push(Member {
                id: gr.id,
                minutes: gr.wait_minutes,
            });
            *g.waits.entry(gr.state.clone()).or_default() += 1;
            if gr.leaked {
                *leaked_here.entry(i).or_default() += 1;
            }
            if let Some(c) = &gr.created_by {
                *g.creators.entry(c.function.clone()).or_default() += 1;
                if !c.file.is_empty() {
                    *g.created_at
                        .entry(format!("{}:{}", c.file, c.line))
                        .or_default() += 1;
                }
            }
        }
        for (i, c) in leaked_here {
            sites[i].leaked[k] = c;
        }
        if keep_frames {
            last_site_of = site_of;
        }
    }
    if let Some(last) = series.last() {
        mark_orphans(&mut sites, last, &last_samples, &last_site_of, &ctx);
    }
    for g in &mut sites {
        for m in &mut g.members {
            crate::order::sort_by_key(m, |x| x.id);
        }
    }
    // Per snapshot, the longest wait anywhere (two largest, to compare a
    // site with all the others).
    let longest: Vec<[u64; 2]> = (0..n)
        .map(|k| {
            let mut top = [0u64; 2];
            for g in &sites {
                let m = g.max_minutes(k).unwrap_or(0);
                if m > top[0] {
                    top = [m, top[0]];
                } else if m > top[1] {
                    top[1] = m;
                }
            }
            top
        })
        .collect();
    let times: Vec<i64> = series.iter().map(|p| p.time_nanos).collect();
    let ids = n > 0 && series.iter().all(|p| !p.goroutines.is_empty());
    let alive: Vec<HashSet<u64>> = series
        .iter()
        .map(|p| p.goroutines.iter().map(|g| g.id).collect())
        .collect();
    let env = Env {
        n,
        ids,
        alive: &alive,
        longest: &longest,
        times: &times,
        handlers: &ctx.handlers,
    };
    sites.iter().map(|g| judge(g, &env)).collect()
}

/// Marks, in the last snapshot, goroutines that outlived the request that
/// started them: their creator was serving a request (a connection's
/// goroutine, or a handler function) and is gone or no longer in the
/// function that ran `go`.
fn mark_orphans(
    sites: &mut [Site],
    p: &Profile,
    samples: &[Vec<Frame>],
    site_of: &[Option<usize>],
    ctx: &Context,
) {
    if p.goroutines.is_empty() {
        return;
    }
    let by_id: HashMap<u64, &crate::Goroutine> = p.goroutines.iter().map(|g| (g.id, g)).collect();
    let on_stack: HashSet<&str> = samples
        .iter()
        .flat_map(|fr| fr.iter().map(|f| f.function.as_str()))
        .collect();
    // Per site, the distinct creator goroutines: goroutines started one
    // per request or connection each have their own, a pool has one.
    let mut creators: Vec<HashSet<u64>> = vec![HashSet::new(); sites.len()];
    for gr in &p.goroutines {
        if let (Some(Some(i)), Some(c)) = (
            site_of.get(gr.sample as usize).copied(),
            gr.creator_goroutine,
        ) {
            creators[i].insert(c);
        }
    }
    for (i, c) in creators.iter().enumerate() {
        sites[i].one_creator_goroutine = c.len() <= 1;
    }
    for gr in &p.goroutines {
        let Some(Some(i)) = site_of.get(gr.sample as usize).copied() else {
            continue;
        };
        let Some(cb) = &gr.created_by else { continue };
        let f = cb.function.as_str();
        let count = sites[i].counts.last().copied().unwrap_or(0);
        let per_request = creators[i].len() >= 3 && creators[i].len() as i64 * 2 >= count;
        let orphan = match gr.creator_goroutine {
            Some(c) => match by_id.get(&c) {
                // The creator serves requests and has moved on from the
                // function that started this goroutine: its request is over.
                Some(creator) => {
                    let fr = samples.get(creator.sample as usize);
                    let serves =
                        fr.is_some_and(|fr| fr.iter().any(|x| is_handler_frame(&x.function)))
                            || creator.created_by.as_ref().is_some_and(|c| {
                                c.function.starts_with("net/http.(*Server).Serve")
                            });
                    serves && !fr.is_some_and(|fr| fr.iter().any(|x| x.function == f))
                }
                // The creator is gone: a handler's, or one of many
                // per-request or per-connection creators.
                None => ctx.handlers.contains(f) || per_request,
            },
            // Before Go 1.21 the creator's id is not recorded: a handler's
            // goroutines are orphans when no goroutine runs the handler.
            None => ctx.handlers.contains(f) && !on_stack.contains(f),
        };
        if orphan {
            sites[i].orphans += 1;
        }
    }
}

struct Env<'a> {
    n: usize,
    ids: bool,
    /// Per snapshot: every goroutine id in it (debug=2).
    alive: &'a [HashSet<u64>],
    longest: &'a [[u64; 2]],
    times: &'a [i64],
    handlers: &'a HashSet<String>,
}

fn frame_str(f: &Frame) -> String {
    format!("{} {}:{}", f.function, f.file, f.line)
}

fn plural(n: i64, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

fn seq(c: &[i64]) -> String {
    c.iter()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join(" → ")
}

/// Identity across debug=2 snapshots.
struct Identity {
    survival: Survival,
    /// Goroutines that arrived after the first snapshot and stayed to the
    /// last (seen in the second-to-last already).
    accumulated: i64,
    /// Share of goroutines still parked here a snapshot later.
    kept: f64,
    /// How many intervals added goroutines that stayed.
    increases: usize,
    wait: WaitGrowth,
}

fn identity(g: &Site, n: usize, alive: &[HashSet<u64>]) -> Identity {
    let last: HashSet<u64> = g.members[n - 1].iter().map(|m| m.id).collect();
    let sets: Vec<HashSet<u64>> = g
        .members
        .iter()
        .map(|m| m.iter().map(|x| x.id).collect())
        .collect();
    let still_here: Vec<u64> = sets
        .iter()
        .map(|s| s.intersection(&last).count() as u64)
        .collect();
    let left: Vec<u64> = (0..n - 1)
        .map(|k| sets[k].difference(&sets[k + 1]).count() as u64)
        .collect();
    let k0 = (0..n - 1).find(|&k| still_here[k] > 0);
    let (first_id, last_id) = match k0 {
        Some(k) => {
            let mut v: Vec<u64> = sets[k].intersection(&last).copied().collect();
            crate::order::sort_by_key(&mut v, |x| *x);
            (v.first().copied(), v.last().copied())
        }
        None => (None, None),
    };
    // Wait minutes of the goroutines still here: first appearance vs now.
    let now: HashMap<u64, u64> = g.members[n - 1]
        .iter()
        .map(|m| (m.id, m.minutes.unwrap_or(0)))
        .collect();
    let mut seen: HashSet<u64> = HashSet::new();
    let mut grew = 0;
    for m in g.members[..n - 1].iter().flatten() {
        if seen.insert(m.id) {
            if let Some(&w) = now.get(&m.id) {
                if w > m.minutes.unwrap_or(0) {
                    grew += 1;
                }
            }
        }
    }
    let seen_total: u64 = g.members[..n - 1].iter().map(|m| m.len() as u64).sum();
    let left_total: u64 = left.iter().sum();
    let kept = if seen_total == 0 {
        1.0
    } else {
        1.0 - left_total as f64 / seen_total as f64
    };
    // Arrivals that stay: goroutines that did not exist at the first
    // snapshot (anywhere in it), parked here since the second-to-last and
    // still here at the last. Ids are never reused, so a pool worker busy
    // elsewhere at one snapshot and back at the next is no arrival; a
    // leak's goroutines are new ids that do not leave.
    let mut increases = 0;
    for k in 1..n.saturating_sub(1) {
        let fresh = sets[k]
            .iter()
            .any(|id| !alive[k - 1].contains(id) && last.contains(id));
        increases += fresh as usize;
    }
    let accumulated = if n >= 3 {
        sets[n - 2]
            .iter()
            .filter(|id| last.contains(id) && !alive[0].contains(id))
            .count() as i64
    } else {
        0
    };
    Identity {
        survival: Survival {
            still_here,
            left,
            snapshots_ago: k0.map(|k| n - 1 - k).unwrap_or(0),
            first_id,
            last_id,
        },
        accumulated,
        kept,
        increases,
        wait: WaitGrowth {
            minutes: (0..n).map(|k| g.max_minutes(k)).collect(),
            grew,
        },
    }
}

/// "97 of the 120 goroutines parked here were already parked 3 snapshots
/// ago (ids 1042–1161)".
fn survival_sentence(s: &Survival, last: i64) -> String {
    let n = s.still_here.len();
    if s.snapshots_ago == 0 {
        return format!(
            "none of the {} parked here now was here a snapshot earlier",
            plural(last, "goroutine")
        );
    }
    let k = n - 1 - s.snapshots_ago;
    let ids = match (s.first_id, s.last_id) {
        (Some(a), Some(b)) if a == b => format!(" (id {a})"),
        (Some(a), Some(b)) => format!(" (ids {a}–{b})"),
        _ => String::new(),
    };
    format!(
        "{} of the {} parked here {} already parked {} ago{ids}",
        s.still_here[k],
        plural(last, "goroutine"),
        if s.still_here[k] == 1 { "was" } else { "were" },
        plural(s.snapshots_ago as i64, "snapshot")
    )
}

fn judge(g: &Site, env: &Env) -> Judged {
    let n = env.n;
    let wait = g.wait();
    let last = g.counts.last().copied().unwrap_or(0);
    let leaked = g
        .leaked
        .iter()
        .copied()
        .max()
        .unwrap_or(0)
        .max(g.leak_profile);
    let size = last.max(leaked);
    let at = format!("{}:{}", g.frame.file, g.frame.line);
    let wait_txt = match wait.as_str() {
        "" => "blocked".to_string(),
        "running" | "runnable" => wait.clone(),
        "syscall" => "in a system call".to_string(),
        _ => format!("parked in {wait}"),
    };
    let entry = Site::top(&g.entries);
    let http_conn = g.frame.function.starts_with("net/http.(*persistConn)");
    let benign = is_benign_wait(&wait) && !http_conn;
    let forever = (wait.contains("nil chan") || wait.contains("no cases"))
        && entry.as_deref() != Some("main.main");
    let counts_only = !env.ids;
    let note = |severity: Option<Severity>, why: String| SiteNote {
        kind: Kind::Goroutine,
        function: g.frame.function.clone(),
        file: g.frame.file.clone(),
        line: g.frame.line,
        count: size,
        unit: Unit::Goroutines,
        severity,
        why,
    };
    let healthy = |why: String| Judged {
        finding: None,
        note: note(None, why),
    };
    let mut id = if !counts_only && n >= 2 {
        Some(identity(g, n, env.alive))
    } else {
        None
    };
    let mins = g.members.iter().flatten().filter_map(|m| m.minutes).max();
    let mins_txt = mins
        .map(|m| format!(", waiting up to {}", plural(m as i64, "minute")))
        .unwrap_or_default();

    // The verdict: severity, basis, trend, evidence, next step.
    let (severity, basis, trend, evidence, next_step): (Severity, Basis, Trend, String, String);
    if leaked > 0 {
        severity = Severity::High;
        basis = Basis::LeakProfile;
        trend = match g.counts.as_slice() {
            [a, .., b] if b > a => Trend::Growing,
            [_, _, ..] => Trend::Flat,
            _ => Trend::Single,
        };
        evidence = format!(
            "{} confirmed leaked by the runtime's goroutine leak detector; {wait_txt} at {at}{mins_txt}",
            plural(leaked, "goroutine")
        );
        next_step = String::new();
    } else if benign {
        let what = match wait.as_str() {
            "IO wait" => "waiting for the network, as servers and clients do between requests",
            "sleep" => "sleeping, a wait that ends by itself",
            "syscall" => "a system call (signal handling and the like)",
            "running" | "runnable" => "running, not waiting",
            _ => "a runtime wait healthy programs sit in",
        };
        let why = format!("{} {wait_txt}: {what}", plural(last, "goroutine"));
        return healthy(why);
    } else if n >= 2 {
        let c = &g.counts;
        let (c0, cl) = (c[0], c[n - 1]);
        match id.as_ref() {
            Some(idt) => {
                let s = &idt.survival;
                let stays = survival_sentence(s, cl);
                let waits = if idt.wait.grew > 0 {
                    format!(
                        "; the waits of {} of them grew, to {}",
                        idt.wait.grew,
                        plural(mins.unwrap_or(0) as i64, "minute")
                    )
                } else {
                    String::new()
                };
                let grew = cl > c0;
                // Infrastructure (connection loops, transports) comes and
                // goes with load: it leaks only when it grows beyond that
                // noise and nothing of it ever closes.
                let infra_ok = !g.infra || (idt.kept >= 0.95 && count_z(c0, cl) >= 2.5);
                let leak_like = infra_ok
                    && idt.kept >= 0.8
                    && grew
                    && (idt.accumulated >= 2
                        || (n == 2 && s.left[0] == 0 && c0 >= 2 && count_z(c0, cl) > 2.5));
                let some_stay =
                    !g.infra && idt.accumulated >= 5 && idt.kept >= 0.3 && count_z(c0, cl) > 2.5;
                if leak_like || some_stay {
                    let strong = idt.accumulated >= 5
                        && (idt.increases >= 2 || idt.wait.grew > 0 || idt.accumulated >= 20);
                    severity = if leak_like && strong {
                        Severity::High
                    } else {
                        Severity::Medium
                    };
                    basis = Basis::GoroutineIds;
                    trend = Trend::Growing;
                    evidence = format!(
                        "grew {} across {n} snapshots and the goroutines stay: {stays}{}{waits}; {wait_txt} at {at}",
                        seq(c),
                        if leak_like && idt.kept >= 1.0 {
                            ", and none of those seen here left".to_string()
                        } else if leak_like {
                            format!(", and {:.0}% of those seen here were still here a snapshot later", idt.kept * 100.0)
                        } else {
                            format!("; only {:.0}% were still here a snapshot later (some finish, the rest stay)", idt.kept * 100.0)
                        }
                    );
                    next_step = if severity == Severity::High {
                        String::new()
                    } else {
                        "Take another debug=2 dump in 5–10 minutes: if the same ids are still parked here with longer waits, the leak is confirmed.".into()
                    };
                } else if forever && cl >= 2 && s.still_here[0] >= 2 {
                    severity = Severity::Medium;
                    basis = Basis::GoroutineIds;
                    trend = Trend::Flat;
                    evidence = format!(
                        "{} {wait_txt} at {at}, a wait that can never end; {stays}",
                        plural(cl, "goroutine")
                    );
                    next_step = String::new();
                } else if idt.kept < 0.5 {
                    let seen: u64 = c[..n - 1].iter().map(|x| *x as u64).sum();
                    let left: u64 = s.left.iter().sum();
                    return healthy(format!(
                        "{} now ({}): they turn over: {left} of the {seen} seen here were gone a snapshot later: in-flight work, not a leak",
                        plural(cl, "goroutine"),
                        seq(c)
                    ));
                } else if s.still_here[0] as i64 == cl && c.iter().all(|&x| x == cl) {
                    return healthy(format!(
                        "{} {wait_txt}: a pool or long-lived loop, the same ids in all {n} snapshots and unchanged{mins_txt}",
                        plural(cl, "goroutine")
                    ));
                } else {
                    return healthy(format!(
                        "{} {wait_txt} ({}): no goroutines piling up: {stays}",
                        plural(cl, "goroutine"),
                        seq(c)
                    ));
                }
            }
            None => {
                let rising_all = c.windows(2).all(|w| w[1] > w[0]);
                let z = count_z(c0, cl);
                let fell = c.windows(2).any(|w| count_z(w[0], w[1]) < -2.0);
                let peak = *c.iter().max().unwrap_or(&0);
                let counts_note = " (counts only: .pb.gz and debug=1 carry no goroutine ids)";
                let next = "Take the series as debug=2 dumps (`?debug=2`) a few minutes apart: the goroutine ids show whether the same goroutines stay (a leak) or are replaced (in-flight work).".to_string();
                if rising_all && n >= 4 && z >= 4.0 {
                    severity = if g.infra {
                        Severity::Medium
                    } else {
                        Severity::High
                    };
                    evidence = format!("grew {} across {n} snapshots, rising in every interval far beyond in-flight noise; {} {wait_txt} at {at}{counts_note}", seq(c), if cl == peak { "all" } else { "most" });
                } else if z >= 2.5 && !fell && cl > c[n - 2] {
                    // Two points make a line, not a trend: a batch caught
                    // mid-way looks the same.
                    severity = if n >= 3 {
                        Severity::Medium
                    } else {
                        Severity::Low
                    };
                    evidence = format!("grew {} across {n} snapshots, beyond in-flight noise and still rising in the last interval; {wait_txt} at {at}{counts_note}", seq(c));
                } else if forever && cl >= 2 {
                    severity = Severity::Medium;
                    evidence = format!("{} {wait_txt} at {at} across {n} snapshots ({}), a wait that can never end{counts_note}", plural(cl, "goroutine"), seq(c));
                } else if rising_all && cl > c0 {
                    severity = Severity::Low;
                    evidence = format!("grew {} across {n} snapshots, {wait_txt} at {at}: too few to tell from in-flight work by counts alone{counts_note}", seq(c));
                } else if count_z(c0, peak) >= 2.5 && count_z(peak, cl) <= -2.5 {
                    return healthy(format!(
                        "{} now: rose then drained ({}): a transient spike, not a leak",
                        plural(cl, "goroutine"),
                        seq(c)
                    ));
                } else if fell {
                    return healthy(format!(
                        "{} now ({}): fell in the series: goroutines here finish",
                        plural(cl, "goroutine"),
                        seq(c)
                    ));
                } else {
                    return healthy(format!("{} {wait_txt} ({}): no growth beyond in-flight noise across {n} snapshots: a pool, a long-lived loop or in-flight work", plural(cl, "goroutine"), seq(c)));
                }
                basis = Basis::Counts;
                trend = if forever && severity == Severity::Medium && !rising_all {
                    Trend::Flat
                } else {
                    Trend::Growing
                };
                next_step = next;
            }
        }
    } else {
        // One snapshot.
        basis = Basis::OneSnapshot;
        trend = Trend::Single;
        let members = g.members.first().map(Vec::as_slice).unwrap_or(&[]);
        let others = env
            .longest
            .first()
            .map(|t| {
                let mine = g.max_minutes(0).unwrap_or(0);
                if mine == t[0] {
                    t[1]
                } else {
                    t[0]
                }
            })
            .unwrap_or(0);
        let long_at = (2 * others + 1).max(1);
        let long = members
            .iter()
            .filter(|m| m.minutes.unwrap_or(0) >= long_at)
            .count() as i64;
        let ten = members
            .iter()
            .filter(|m| m.minutes.unwrap_or(0) >= 10)
            .count() as i64;
        let creator = Site::top(&g.creators);
        let one_creator = g.creators.len() <= 1 && (g.creators.len() == 1 || g.entries.len() <= 1);
        let span = match (members.first(), members.last()) {
            (Some(a), Some(b)) => b.id.saturating_sub(a.id) + 1,
            _ => 0,
        };
        let per_request = creator.as_ref().is_some_and(|c| env.handlers.contains(c));
        let pool_like = members.len() >= 2
            && one_creator
            && g.one_creator_goroutine
            && span <= 2 * members.len() as u64 + 16
            && !per_request
            && g.orphans == 0;
        let next = "Take another debug=2 dump (`?debug=2`) in 5–10 minutes under the same load: if these goroutines are still parked here with the same ids and longer waits, it is a leak; if the count fell or the ids changed, it was in-flight work: clear it.".to_string();
        if forever && last >= 2 {
            severity = Severity::High;
            evidence = format!(
                "{} {wait_txt} at {at}{mins_txt}: this wait can never end",
                plural(last, "goroutine")
            );
            next_step = String::new();
        } else if forever {
            severity = Severity::Low;
            evidence = format!("1 goroutine {wait_txt} at {at}{mins_txt}: this wait can never end");
            next_step = String::new();
        } else if g.infra && !http_conn {
            return healthy(format!("{} {wait_txt}: infrastructure every Go service runs (no frame of the program's own code)", plural(last, "goroutine")));
        } else if g.infra {
            return healthy(format!("{} {wait_txt}: HTTP client connections kept alive for reuse; a leak only if they grow across snapshots and stay", plural(last, "goroutine")));
        } else if members.is_empty() {
            // No ids, no waits: concentration alone.
            if last >= 100 {
                severity = Severity::Low;
                evidence = format!("{} {wait_txt} at {at} in a single snapshot: a pool or a leak; one snapshot without goroutine ids cannot tell", plural(last, "goroutine"));
                next_step = next;
            } else {
                return healthy(format!(
                    "{} {wait_txt}: too few to suspect from one snapshot without goroutine ids",
                    plural(last, "goroutine")
                ));
            }
        } else if pool_like {
            let (a, b) = (members[0].id, members[members.len() - 1].id);
            return healthy(format!(
                "{} {wait_txt}, started together by {} (ids {a}–{b}){mins_txt}: a pool or a long-lived group, created once",
                plural(last, "goroutine"),
                creator.or(entry.clone()).unwrap_or_else(|| "one function".into())
            ));
        } else {
            let orphans = g.orphans >= 10;
            let far = long >= 2;
            let orphan_txt = format!(
                "{} of them outlived the request that started them (their creator{} no longer in {})",
                g.orphans,
                if g.orphans == 1 { " is" } else { "s are" },
                creator.clone().unwrap_or_default()
            );
            let far_txt = format!(
                "{long} of them waited {} or more, far beyond the rest of the service (whose longest wait is {})",
                plural(long_at as i64, "minute"),
                plural(others as i64, "minute")
            );
            if orphans || far {
                severity = if far && (orphans || ten >= 10) {
                    Severity::High
                } else {
                    Severity::Medium
                };
                let mut why = Vec::new();
                if orphans {
                    why.push(orphan_txt);
                }
                if far {
                    why.push(far_txt);
                }
                evidence = format!(
                    "{} {wait_txt} at {at} in a single snapshot; {}",
                    plural(last, "goroutine"),
                    why.join("; ")
                );
                next_step = next;
            } else if g.orphans >= 2 || last >= 100 {
                severity = Severity::Low;
                evidence = format!(
                    "{} {wait_txt} at {at} in a single snapshot{}{}",
                    plural(last, "goroutine"),
                    mins_txt,
                    if g.orphans >= 2 {
                        format!("; {orphan_txt}")
                    } else {
                        ": many at one site, but one snapshot cannot tell a pool from a leak".into()
                    }
                );
                next_step = next;
            } else {
                return healthy(format!(
                    "{} {wait_txt}{mins_txt}: {}",
                    plural(last, "goroutine"),
                    if g.in_request {
                        "requests in flight"
                    } else {
                        "no sign of a leak in one snapshot (no long waits beyond the service's, no orphans of finished requests)"
                    }
                ));
            }
        }
    }
    let rule = rule_for(&wait, http_conn);
    let fix = if severity > Severity::Info {
        fix::for_wait(rule, &wait)
    } else {
        String::new()
    };
    let creator = Site::top(&g.creators);
    let survival = id.as_mut().map(|i| i.survival.clone());
    let wait_growth = id
        .map(|i| i.wait)
        .filter(|w| w.minutes.iter().any(Option::is_some));
    let finding = Finding {
        rule,
        severity,
        kind: Kind::Goroutine,
        function: g.frame.function.clone(),
        file: g.frame.file.clone(),
        line: g.frame.line,
        created_by: creator,
        created_at: Site::top(&g.created_at),
        entry_function: entry,
        wait: wait.clone(),
        wait_minutes: mins,
        counts: if n == 0 {
            vec![leaked]
        } else {
            g.counts.clone()
        },
        times: if n == 0 { vec![0] } else { env.times.to_vec() },
        unit: Unit::Goroutines,
        basis,
        trend,
        survival,
        wait_growth,
        noise: None,
        evidence: evidence.clone(),
        fix,
        next_step,
        blocking_line: None,
        stack: g.stack.clone(),
    };
    Judged {
        note: note(Some(severity), evidence),
        finding: Some(finding),
    }
}

fn rule_for(wait: &str, http_conn: bool) -> Rule {
    if http_conn {
        return Rule::UnclosedResponseBody;
    }
    if wait.contains("nil chan") {
        Rule::NilChan
    } else if wait.starts_with("select") {
        Rule::SelectForever
    } else if wait.starts_with("chan send") {
        Rule::ChanSendNoReceiver
    } else if wait.starts_with("chan receive") {
        Rule::ChanRecvNoSender
    } else if wait.starts_with("semacquire") || wait.starts_with("sync.") {
        Rule::WaitgroupOrLock
    } else {
        Rule::GoroutineGrowth
    }
}

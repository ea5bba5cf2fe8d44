//! `traces`: every sample's stack, in profile order, never merged.

use super::View;
use crate::graph::NodeIndex;
use crate::measurement;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TraceFrame {
    pub name: String,
    pub inline: bool,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Trace {
    /// `key:  v1 v2` lines, sorted, string labels then numeric ones.
    pub labels: Vec<(String, String)>,
    pub value: i64,
    /// Leaf first.
    pub frames: Vec<TraceFrame>,
}

pub fn traces(view: &View) -> Vec<Trace> {
    let p = view.profile;
    let idx = NodeIndex::untrimmed(p, view.granularity, view.noinlines);
    let num_units = num_label_units(p);
    p.samples
        .iter()
        .filter_map(|s| trace_of(view, &idx, &num_units, &s))
        .collect()
}

/// The `limit` largest traces (by |value|; profile order among equals) of
/// those with a frame whose name `keep`s, and how many there are: what the
/// page shows, without building every trace (a big profile's traces are
/// hundreds of megabytes as strings).
pub fn largest(
    view: &View,
    idx: &NodeIndex,
    keep: Option<&dyn Fn(&str) -> bool>,
    limit: usize,
) -> (Vec<Trace>, usize) {
    let mut picked = ranked(view, idx, keep);
    let matching = picked.len();
    picked.truncate(limit);
    let num_units = num_label_units(view.profile);
    let out = picked
        .iter()
        .filter_map(|&si| {
            trace_of(
                view,
                idx,
                &num_units,
                &view.profile.samples.get(si as usize),
            )
        })
        .collect();
    (out, matching)
}

/// Every trace `largest` would give, in its order, handed to `each` one
/// at a time (never all at once: the CSV export of a big profile streams
/// through here). Returns how many there were.
pub fn each_largest(
    view: &View,
    idx: &NodeIndex,
    keep: Option<&dyn Fn(&str) -> bool>,
    each: &mut dyn FnMut(Trace),
) -> usize {
    let picked = ranked(view, idx, keep);
    let num_units = num_label_units(view.profile);
    let mut n = 0;
    for &si in &picked {
        if let Some(t) = trace_of(
            view,
            idx,
            &num_units,
            &view.profile.samples.get(si as usize),
        ) {
            each(t);
            n += 1;
        }
    }
    n
}

/// The samples with frames, and with a frame `keep` accepts, largest
/// |value| first (profile order among equals). Sample indexes only (4
/// bytes each; a value beside each would triple it on 300k samples).
fn ranked(view: &View, idx: &NodeIndex, keep: Option<&dyn Fn(&str) -> bool>) -> Vec<u32> {
    let p = view.profile;
    // Each node's name is matched once.
    let mut hit: Vec<Option<bool>> = vec![None; idx.infos.len()];
    // Sized once: growing by doubling would briefly hold both copies.
    let mut picked: Vec<u32> = Vec::with_capacity(p.samples.len());
    for (si, s) in p.samples.iter().enumerate() {
        let mut frames = false;
        let mut matched = keep.is_none();
        for loc in s.locations {
            let nodes = idx.location_nodes(loc as usize);
            frames |= !nodes.is_empty();
            if let Some(keep) = keep {
                matched = matched
                    || nodes.iter().any(|&n| {
                        *hit[n as usize]
                            .get_or_insert_with(|| keep(&idx.infos[n as usize].printable_name()))
                    });
            }
        }
        if frames && matched {
            picked.push(si as u32);
        }
    }
    let weight = |si: u32| {
        p.samples
            .value(si as usize, view.sample_index)
            .unsigned_abs()
    };
    // Largest first; equal values keep the profile's order.
    crate::order::sort_ids_by(&mut picked, |a, b| weight(b).cmp(&weight(a)));
    picked
}

/// One sample as pprof's `-traces` prints it; `None` without frames.
fn trace_of(
    view: &View,
    idx: &NodeIndex,
    num_units: &std::collections::HashMap<String, String>,
    s: &crate::profile::SampleRef,
) -> Option<Trace> {
    let mut frames = Vec::new();
    for loc in s.locations {
        let nodes = idx.location_nodes(loc as usize);
        for (i, &n) in nodes.iter().enumerate() {
            frames.push(TraceFrame {
                name: idx.infos[n as usize].printable_name(),
                inline: i != nodes.len() - 1,
            });
        }
    }
    if frames.is_empty() {
        return None;
    }
    // pprof sorts the formatted `%10s:  %s` lines, padding included.
    let padded = |(k, v): &(String, String)| format!("{k:>10}:  {v}");
    let mut labels = group(s.labels.strs.iter().map(|(k, v)| (k.clone(), v.clone())));
    crate::order::sort_by_key(&mut labels, padded);
    let mut nums = group(s.labels.nums.iter().map(|n| {
        let unit = num_units
            .get(&n.key)
            .cloned()
            .unwrap_or_else(|| n.key.clone());
        (n.key.clone(), measurement::label(n.value, &unit))
    }));
    crate::order::sort_by_key(&mut nums, padded);
    labels.extend(nums);
    Some(Trace {
        labels,
        value: s.values.get(view.sample_index).copied().unwrap_or(0),
        frames,
    })
}

/// Joins the values of repeated keys with spaces, keeping first-seen order.
fn group(items: impl Iterator<Item = (String, String)>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (k, v) in items {
        match out.iter_mut().find(|(kk, _)| *kk == k) {
            Some((_, vv)) => {
                vv.push(' ');
                vv.push_str(&v);
            }
            None => out.push((k, v)),
        }
    }
    out
}

/// pprof's NumLabelUnits: the unit given in the profile, else a guess from
/// the key (`bytes`-like keys), else the key itself.
pub fn num_label_units(p: &crate::Profile) -> std::collections::HashMap<String, String> {
    let mut units = std::collections::HashMap::new();
    for s in &p.samples {
        for n in &s.labels.nums {
            if !n.unit.is_empty() {
                units.entry(n.key.clone()).or_insert_with(|| n.unit.clone());
            }
        }
    }
    for s in &p.samples {
        for n in &s.labels.nums {
            units
                .entry(n.key.clone())
                .or_insert_with(|| match n.key.as_str() {
                    "alignment" | "request" => "bytes".into(),
                    k => k.to_string(),
                });
        }
    }
    units
}

const SEPARATOR: &str = "-----------+-------------------------------------------------------";

/// `go tool pprof -traces` text.
pub fn format_traces(view: &View, traces: &[Trace]) -> String {
    let mut out = view.profile_labels("minimum").join("\n");
    out.push('\n');
    for t in traces {
        out.push_str(SEPARATOR);
        out.push('\n');
        for (k, v) in &t.labels {
            out.push_str(&format!("{k:>10}:  {v}\n"));
        }
        for (i, f) in t.frames.iter().enumerate() {
            let v = if i == 0 {
                view.format_value(t.value, "minimum")
            } else {
                String::new()
            };
            out.push_str(&format!(
                "{v:>10}   {}{}\n",
                f.name,
                if f.inline { " (inline)" } else { "" }
            ));
        }
    }
    out.push_str(SEPARATOR);
    out.push('\n');
    out
}

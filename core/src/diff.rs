//! Comparing two profiles the way pprof does: `-diff_base` subtracts the
//! base and labels its samples `pprof::base` so that percentages are of
//! the base total; `-base` subtracts it outright (for cumulative profiles
//! such as allocs, block and mutex, the difference is what happened in
//! between).

use crate::profile::*;
use std::collections::HashMap;
use thiserror::Error;

pub const BASE_LABEL: &str = "pprof::base";

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum DiffError {
    #[error("the base is a different kind of profile: it has sample types {base}, this one has {current}")]
    Incompatible { base: String, current: String },
}

fn types(p: &Profile) -> String {
    p.sample_types
        .iter()
        .map(|t| format!("{}/{}", t.r#type, t.unit))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `current - base`, merged as pprof merges (identical samples summed,
/// zero samples dropped). With `diff`, base samples carry `pprof::base`.
pub fn subtract(current: &Profile, base: &Profile, diff: bool) -> Result<Profile, DiffError> {
    if current.sample_types != base.sample_types || current.period_type != base.period_type {
        return Err(DiffError::Incompatible {
            base: types(base),
            current: types(current),
        });
    }
    let mut out = current.clone();
    out.goroutines.clear();
    if current.time_nanos == 0 || (base.time_nanos != 0 && base.time_nanos < current.time_nanos) {
        out.time_nanos = base.time_nanos;
    }
    out.duration_nanos = current.duration_nanos + base.duration_nanos;
    out.period = current.period.max(base.period);
    for c in &base.comments {
        if !out.comments.contains(c) {
            out.comments.push(c.clone());
        }
    }
    // Import the base's mappings, functions and locations by index.
    let mut mapping_ix: HashMap<(String, String, u64, u64, u64), u32> = out
        .mappings
        .iter()
        .enumerate()
        .map(|(i, m)| {
            (
                (
                    m.file.clone(),
                    m.build_id.clone(),
                    m.start,
                    m.limit,
                    m.offset,
                ),
                i as u32,
            )
        })
        .collect();
    let mmap: Vec<u32> = base
        .mappings
        .iter()
        .map(|m| {
            *mapping_ix
                .entry((
                    m.file.clone(),
                    m.build_id.clone(),
                    m.start,
                    m.limit,
                    m.offset,
                ))
                .or_insert_with(|| {
                    out.mappings.push(Mapping {
                        id: out.mappings.len() as u64 + 1,
                        ..m.clone()
                    });
                    out.mappings.len() as u32 - 1
                })
        })
        .collect();
    let foff = out.functions.len() as u32;
    out.functions.extend(base.functions.iter().cloned());
    let loff = out.locations.len() as u32;
    out.locations.extend(base.locations.iter().map(|l| {
        Location {
            mapping: l.mapping.map(|m| mmap[m as usize]),
            lines: l
                .lines
                .iter()
                .map(|ln| Line {
                    function: ln.function + foff,
                    ..*ln
                })
                .collect(),
            ..l.clone()
        }
    }));
    // Each base label set once with the base mark added.
    let mut sets = crate::profile::LabelSets::default();
    let mut marked: rustc_hash::FxHashMap<*const LabelSet, std::sync::Arc<LabelSet>> =
        Default::default();
    for s in &base.samples {
        let labels = if diff {
            marked
                .entry(std::sync::Arc::as_ptr(s.labels))
                .or_insert_with(|| {
                    let mut strs = s.labels.strs.clone();
                    strs.push((BASE_LABEL.into(), "true".into()));
                    sets.intern(LabelSet::new(strs, s.labels.nums.clone()))
                })
                .clone()
        } else {
            s.labels.clone()
        };
        let locations: Vec<u32> = s.locations.iter().map(|l| l + loff).collect();
        let values: Vec<i64> = s.values.iter().map(|v| -v).collect();
        out.samples.push(&locations, &values, labels);
    }
    out.merge_duplicates();
    Ok(out)
}

/// pprof's total: the sum of |value|, or of the base's samples only when
/// the profile holds `-diff_base` samples.
pub fn total(p: &Profile, index: usize) -> i64 {
    let is_base = |s: &SampleRef| {
        s.labels
            .strs
            .iter()
            .any(|(k, v)| k == BASE_LABEL && v == "true")
    };
    let base: i64 = p
        .samples
        .iter()
        .filter(|s| is_base(s))
        .map(|s| s.values.get(index).copied().unwrap_or(0).abs())
        .sum();
    if base > 0 {
        base
    } else {
        p.total(index)
    }
}

//! The profile model: one shape for every input format. Ids from the file
//! are replaced by dense indexes, validated once at decode time, so that
//! reports can index without checks and never see a dangling id.

use crate::chains::{first_equal, hash_of};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// A sample type or period type, e.g. `inuse_space/bytes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueType {
    pub r#type: String,
    pub unit: String,
}

/// Which input format a profile came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum SourceFormat {
    #[default]
    Proto,
    GoroutineDebug1,
    GoroutineDebug2,
    LegacyHeap,
    LegacyContention,
    LegacyThreadcreate,
}

impl SourceFormat {
    pub fn describe(self) -> &'static str {
        match self {
            SourceFormat::Proto => "profile.proto",
            SourceFormat::GoroutineDebug1 => "goroutine dump (debug=1)",
            SourceFormat::GoroutineDebug2 => "goroutine dump (debug=2)",
            SourceFormat::LegacyHeap => "heap profile text (debug=1)",
            SourceFormat::LegacyContention => "contention profile text (debug=1)",
            SourceFormat::LegacyThreadcreate => "threadcreate profile text (debug=1)",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Mapping {
    pub id: u64,
    pub start: u64,
    pub limit: u64,
    pub offset: u64,
    pub file: String,
    pub build_id: String,
    pub has_functions: bool,
    pub has_filenames: bool,
    pub has_line_numbers: bool,
    pub has_inline_frames: bool,
}

/// A function of the profile. Names are shared, not copied: Go writes a
/// function's system name equal to its name, many functions share a file,
/// and Top's nodes hold the same names again.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Function {
    pub id: u64,
    pub name: Arc<str>,
    pub system_name: Arc<str>,
    pub filename: Arc<str>,
    pub start_line: i64,
}

/// One frame of a location: `function` indexes [`Profile::functions`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Line {
    pub function: u32,
    pub line: i64,
    /// 32 bits (Go writes no columns; wider ones are clamped): 16 bytes
    /// a line rather than 24.
    pub column: i32,
}

/// `lines[0]` is the innermost inlined frame, the last one the physical caller.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Location {
    pub id: u64,
    pub mapping: Option<u32>,
    pub address: u64,
    pub lines: Box<[Line]>,
    pub is_folded: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NumLabel {
    pub key: String,
    pub value: i64,
    pub unit: String,
}

/// A sample's labels. Go keeps them in maps of key to values, so keys are
/// kept sorted (stably: a key's values stay in the file's order, which
/// pprof's sample identity keeps too) and a set has one spelling.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LabelSet {
    pub strs: Vec<(String, String)>,
    pub nums: Vec<NumLabel>,
}

impl LabelSet {
    pub fn new(mut strs: Vec<(String, String)>, mut nums: Vec<NumLabel>) -> LabelSet {
        crate::order::sort_by(&mut strs, |a, b| a.0.cmp(&b.0));
        crate::order::sort_by(&mut nums, |a, b| a.key.cmp(&b.key));
        LabelSet { strs, nums }
    }

    pub fn is_empty(&self) -> bool {
        self.strs.is_empty() && self.nums.is_empty()
    }
}

/// Hands out one shared [`LabelSet`] per distinct set: a server's profile
/// carries the same few sets on every sample, and a copy per sample would
/// repeat them all.
#[derive(Default)]
pub struct LabelSets {
    sets: rustc_hash::FxHashSet<Arc<LabelSet>>,
    empty: Arc<LabelSet>,
}

impl LabelSets {
    pub fn intern(&mut self, set: LabelSet) -> Arc<LabelSet> {
        if set.is_empty() {
            return self.empty.clone();
        }
        if let Some(a) = self.sets.get(&set) {
            return a.clone();
        }
        let a = Arc::new(set);
        self.sets.insert(a.clone());
        a
    }

    /// The shared empty set.
    pub fn none(&self) -> Arc<LabelSet> {
        self.empty.clone()
    }
}

pub use crate::samples::{Sample, SampleRef, Samples};

/// A frame as printed in a goroutine dump (`created by` lines).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Frame {
    pub function: String,
    pub file: String,
    pub line: i64,
}

/// One goroutine of a `debug=2` dump: what the leak rules need beyond the
/// aggregated stack.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Goroutine {
    pub id: u64,
    /// The bracket's first part: `chan receive`, `select (no cases)`, ...
    pub state: String,
    pub wait_minutes: Option<u64>,
    pub locked_to_thread: bool,
    pub leaked: bool,
    pub durable: bool,
    pub labels: Vec<(String, String)>,
    pub created_by: Option<Frame>,
    pub creator_goroutine: Option<u64>,
    pub originating_goroutine: Option<u64>,
    pub frames_elided: u64,
    /// Index of the aggregated sample that holds this goroutine's stack.
    pub sample: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub sample_types: Vec<ValueType>,
    pub default_sample_type: String,
    pub samples: Samples,
    pub locations: Vec<Location>,
    pub functions: Vec<Function>,
    pub mappings: Vec<Mapping>,
    pub drop_frames: String,
    pub keep_frames: String,
    pub time_nanos: i64,
    pub duration_nanos: i64,
    pub period_type: Option<ValueType>,
    pub period: i64,
    pub comments: Vec<String>,
    /// Per-goroutine details, only for `debug=2` dumps.
    pub goroutines: Vec<Goroutine>,
    pub format: Option<SourceFormat>,
    /// Set by text decoders that know the profile kind better than the
    /// sample types do (`mutex` vs `block`, `goroutineleak`).
    pub kind_hint: String,
    /// The `# runtime.MemStats` trailer of a heap profile written with
    /// `?debug=1`, or why it could not be read (the records still are, as
    /// `go tool pprof` reads them). `None`: the file has no trailer.
    pub memstats: Option<Result<crate::decode::memstats::MemStats, String>>,
}

impl Profile {
    /// The profile type as pprof would name it from its sample types:
    /// `goroutine`, `heap`, `cpu`, `block`, `mutex`, ...
    pub fn kind(&self) -> String {
        let has = |t: &str| self.sample_types.iter().any(|s| s.r#type == t);
        if !self.kind_hint.is_empty() {
            return self.kind_hint.clone();
        }
        if has("inuse_space") || has("alloc_space") || (has("space") && has("objects")) {
            return "heap".into();
        }
        if has("cpu") {
            return "cpu".into();
        }
        if let Some(pt) = &self.period_type {
            if pt.r#type == "contentions" || (has("contentions") && has("delay")) {
                // Go writes block and mutex profiles alike; only the text
                // form's `--- mutex:` header tells them apart.
                return if self.kind_hint.is_empty() {
                    "contention".into()
                } else {
                    self.kind_hint.clone()
                };
            }
            if !pt.r#type.is_empty() && pt.r#type != "space" {
                return pt.r#type.clone();
            }
        }
        self.sample_types
            .last()
            .map(|s| s.r#type.clone())
            .unwrap_or_default()
    }

    /// Index of the sample type pprof uses when none is asked for: the
    /// default_sample_type if set, else the last one.
    pub fn default_sample_index(&self) -> usize {
        if !self.default_sample_type.is_empty() {
            if let Some(i) = self
                .sample_types
                .iter()
                .position(|s| s.r#type == self.default_sample_type)
            {
                return i;
            }
        }
        self.sample_types.len().saturating_sub(1)
    }

    /// Resolves a sample type by name (pprof's `-sample_index` also takes a number).
    pub fn sample_index(&self, name: Option<&str>) -> Result<usize, crate::ReportError> {
        if self.sample_types.is_empty() {
            return Err(crate::ReportError::NoSampleTypes);
        }
        let Some(name) = name else {
            return Ok(self.default_sample_index());
        };
        if let Ok(i) = name.parse::<usize>() {
            if i < self.sample_types.len() {
                return Ok(i);
            }
        }
        // pprof also accepts "inuse" for "inuse_space" style prefixes.
        if let Some(i) = self.sample_types.iter().position(|s| s.r#type == name) {
            return Ok(i);
        }
        if let Some(i) = self.sample_types.iter().position(|s| {
            s.r#type
                .strip_prefix(name)
                .is_some_and(|r| r == "_space" || r == "s")
        }) {
            return Ok(i);
        }
        Err(crate::ReportError::UnknownSampleType {
            name: name.to_string(),
            available: self
                .sample_types
                .iter()
                .map(|s| s.r#type.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        })
    }

    /// Total of |value| over all samples for one sample type.
    pub fn total(&self, index: usize) -> i64 {
        self.samples
            .iter()
            .map(|s| s.values.get(index).copied().unwrap_or(0).abs())
            .sum()
    }

    /// The name a goroutine text dump gives to this profile's file, for
    /// the `File:` header line.
    pub fn main_binary(&self) -> Option<&str> {
        self.mappings
            .first()
            .map(|m| m.file.as_str())
            .filter(|f| !f.is_empty())
    }
}

impl Profile {
    /// pprof's RemoveUninteresting: applies the profile's own drop_frames /
    /// keep_frames regexes, which every pprof report honours.
    pub fn remove_uninteresting(&mut self) -> Result<(), crate::DecodeError> {
        if self.drop_frames.is_empty() {
            return Ok(());
        }
        let compile = |s: &str| {
            regex_lite::Regex::new(&format!("^({s})$")).map_err(|e| {
                crate::DecodeError::Invalid(format!("drop_frames/keep_frames regexp {s:?}: {e}"))
            })
        };
        let drop = compile(&self.drop_frames)?;
        let keep = if self.keep_frames.is_empty() {
            None
        } else {
            Some(compile(&self.keep_frames)?)
        };
        let matches = |name: &str| {
            let simple = simplify_func(name);
            drop.is_match(simple) && !keep.as_ref().is_some_and(|k| k.is_match(simple))
        };
        let n = self.locations.len();
        let (mut prune, mut beneath) = (vec![false; n], vec![false; n]);
        for (li, loc) in self.locations.iter_mut().enumerate() {
            let hit = (0..loc.lines.len()).rev().find(|&i| {
                let f = &self.functions[loc.lines[i].function as usize];
                !f.name.is_empty() && matches(&f.name)
            });
            if let Some(i) = hit {
                beneath[li] = true;
                if i == loc.lines.len() - 1 {
                    prune[li] = true;
                } else {
                    loc.lines = loc.lines[i + 1..].into();
                }
            }
        }
        self.samples.rebuild(|locations, _, _| {
            let mut found_user = false;
            for i in (0..locations.len()).rev() {
                let id = locations[i] as usize;
                if !prune[id] && !beneath[id] {
                    found_user = true;
                    continue;
                }
                if !found_user {
                    continue;
                }
                locations.drain(..if prune[id] { i + 1 } else { i });
                break;
            }
            true
        });
        Ok(())
    }
}

/// Keeps the first of each group of equal items (`canon[i]`: the index of
/// item i's first equal), in order; returns the kept items' new indexes by
/// old index.
fn keep_firsts<T>(items: &mut Vec<T>, canon: &[u32]) -> Vec<u32> {
    let mut renumbered = vec![u32::MAX; items.len()];
    let mut kept = Vec::new();
    for (i, x) in std::mem::take(items).into_iter().enumerate() {
        if canon[i] == i as u32 {
            renumbered[i] = kept.len() as u32;
            kept.push(x);
        }
    }
    *items = kept;
    renumbered
}

/// Drops a C++-style argument list from a symbol, as pprof does before
/// matching drop_frames.
fn simplify_func(f: &str) -> &str {
    let f = f.strip_prefix('.').unwrap_or(f);
    let mut from = 0;
    while let Some(i) = f[from..].find('(') {
        let at = from + i;
        let rest = &f[at..];
        if rest.starts_with("(anonymous namespace)") {
            from = at + "(anonymous namespace)".len();
        } else if at >= 8 && f[..at].ends_with("operator") && rest.starts_with("()") {
            from = at + 2;
        } else {
            return &f[..at];
        }
    }
    f
}

impl Profile {
    /// What pprof's `profile.Merge` does when it combines profiles (a
    /// source with its `-base`/`-diff_base`; Go 1.27's pprof leaves a lone
    /// profile unmerged): identical functions and locations become one,
    /// samples with the same stack and labels are summed, all-zero samples
    /// go.
    pub fn merge_duplicates(&mut self) {
        // Writers rarely repeat a function or a location: find the first
        // of each by hash chains over the items in place, and rebuild
        // (copy) only when some repeat. A map keyed by borrowed fields
        // would cost more than the locations themselves.
        let fcanon = first_equal(
            self.functions.len(),
            |i| {
                let f = &self.functions[i];
                hash_of(&(&f.name, &f.system_name, &f.filename, f.start_line))
            },
            |i, j| {
                let (a, b) = (&self.functions[i], &self.functions[j]);
                (&a.name, &a.system_name, &a.filename, a.start_line)
                    == (&b.name, &b.system_name, &b.filename, b.start_line)
            },
        );
        let functions_unique = fcanon.iter().enumerate().all(|(i, &c)| c == i as u32);
        // Locations compare by mapping, address relative to it, lines (with
        // functions as merged) and the folded bit.
        let rel = |l: &Location| {
            l.address.wrapping_sub(
                l.mapping
                    .map(|m| self.mappings[m as usize].start)
                    .unwrap_or(0),
            )
        };
        let line_key = |ln: &Line| (fcanon[ln.function as usize], ln.line, ln.column);
        let lcanon = first_equal(
            self.locations.len(),
            |i| {
                let l = &self.locations[i];
                let lines: u64 = l.lines.iter().fold(0, |h, ln| hash_of(&(h, line_key(ln))));
                hash_of(&(l.mapping, rel(l), lines, l.is_folded))
            },
            |i, j| {
                let (a, b) = (&self.locations[i], &self.locations[j]);
                a.mapping == b.mapping
                    && rel(a) == rel(b)
                    && a.is_folded == b.is_folded
                    && a.lines.len() == b.lines.len()
                    && a.lines
                        .iter()
                        .zip(&b.lines[..])
                        .all(|(x, y)| line_key(x) == line_key(y))
            },
        );
        let locations_unique = lcanon.iter().enumerate().all(|(i, &c)| c == i as u32);
        if !functions_unique {
            let fnew = keep_firsts(&mut self.functions, &fcanon);
            for l in &mut self.locations {
                for ln in &mut l.lines {
                    ln.function = fnew[fcanon[ln.function as usize] as usize];
                }
            }
        }
        // lcanon[i]: the dense index of location i's first equal.
        let lcanon: Vec<u32> = if locations_unique {
            lcanon
        } else {
            let lnew = keep_firsts(&mut self.locations, &lcanon);
            lcanon.iter().map(|&c| lnew[c as usize]).collect()
        };
        // Samples keyed by (locations, labels, numeric labels) without
        // copying the keys: a hash points at a chain of merged samples,
        // compared in place (a key copy per sample would double the memory
        // and time of this step). Label sets have one spelling
        // (`LabelSet::new`), and shared ones compare by pointer. Compacted
        // in place: a second set of samples, grown by doubling, would be
        // the peak of opening a big profile.
        let sample_canon = self.samples.merge_duplicates(
            (!locations_unique).then_some(&lcanon[..]),
            !self.goroutines.is_empty(),
        );
        self.goroutines.retain_mut(|g| {
            let c = sample_canon
                .get(g.sample as usize)
                .copied()
                .unwrap_or(u32::MAX);
            g.sample = c;
            c != u32::MAX
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn func(id: u64, name: &str) -> Function {
        Function {
            id,
            name: name.into(),
            system_name: name.into(),
            filename: "a.go".into(),
            start_line: 1,
        }
    }

    fn loc(id: u64, address: u64, function: u32, line: i64) -> Location {
        Location {
            id,
            mapping: None,
            address,
            lines: Box::new([Line {
                function,
                line,
                column: 0,
            }]),
            is_folded: false,
        }
    }

    fn sample(
        locations: &[u32],
        value: i64,
        labels: &[(&str, &str)],
        nums: &[(&str, i64)],
    ) -> Sample {
        Sample {
            locations: locations.into(),
            values: vec![value],
            labels: Arc::new(LabelSet::new(
                labels
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                nums.iter()
                    .map(|(k, v)| NumLabel {
                        key: k.to_string(),
                        value: *v,
                        unit: String::new(),
                    })
                    .collect(),
            )),
        }
    }

    #[test]
    fn merge_folds_repeated_functions_locations_and_samples() {
        let mut p = Profile {
            sample_types: vec![ValueType {
                r#type: "samples".into(),
                unit: "count".into(),
            }],
            // 0 and 2 are the same function written twice.
            functions: vec![func(1, "main.a"), func(2, "main.b"), func(3, "main.a")],
            // 0 and 2 are the same frame once functions are folded.
            locations: vec![loc(1, 0x10, 0, 5), loc(2, 0x20, 1, 7), loc(3, 0x10, 2, 5)],
            samples: Samples::from(vec![
                sample(
                    &[0, 1],
                    1,
                    &[("k", "v"), ("a", "b")],
                    &[("bytes", 8), ("n", 1)],
                ),
                sample(
                    &[2, 1],
                    2,
                    &[("a", "b"), ("k", "v")],
                    &[("n", 1), ("bytes", 8)],
                ),
                sample(&[0, 1], 4, &[("a", "b")], &[]),
                sample(&[1], 0, &[], &[]),
                sample(&[2, 1], 8, &[("a", "b")], &[]),
            ]),
            ..Default::default()
        };
        p.merge_duplicates();
        assert_eq!(
            p.functions.iter().map(|f| &*f.name).collect::<Vec<_>>(),
            ["main.a", "main.b"]
        );
        assert_eq!(p.locations.len(), 2);
        assert_eq!(
            p.locations[1].lines[0].function, 1,
            "lines renumbered to the kept functions"
        );
        let got: Vec<(Vec<u32>, i64, usize)> = p
            .samples
            .iter()
            .map(|s| (s.locations.to_vec(), s.values[0], s.labels.strs.len()))
            .collect();
        // Same stack and same label sets in another order: one sample; the
        // all-zero sample is gone.
        assert_eq!(got, [(vec![0, 1], 3, 2), (vec![0, 1], 12, 1)]);
    }

    #[test]
    fn merge_keeps_unique_tables_as_they_are() {
        let mut p = Profile {
            sample_types: vec![ValueType {
                r#type: "samples".into(),
                unit: "count".into(),
            }],
            functions: vec![func(1, "main.a"), func(2, "main.b")],
            locations: vec![loc(1, 0x10, 0, 5), loc(2, 0x20, 1, 7)],
            samples: Samples::from(vec![
                sample(&[0, 1], 1, &[], &[]),
                sample(&[1, 0], 2, &[], &[]),
                sample(&[0, 1], 3, &[], &[]),
            ]),
            ..Default::default()
        };
        let (functions, locations) = (p.functions.clone(), p.locations.clone());
        p.merge_duplicates();
        assert_eq!((p.functions, p.locations), (functions, locations));
        assert_eq!(
            p.samples.iter().map(|s| s.values[0]).collect::<Vec<_>>(),
            [4, 2]
        );
    }
}

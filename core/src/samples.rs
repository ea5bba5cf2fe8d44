//! A profile's samples, stored by column: every stack's frames in one
//! vector, every value in another, one label set handle per sample.
//!
//! Columns rather than two small allocations per sample (its frames and
//! its values): those cost a header and a fat pointer each, per sample.
//! Reading goes through [`SampleRef`] (`s.locations`, `s.values`,
//! `s.labels`). The frames are location indexes packed 3 bytes each
//! (`packed.rs`).

mod packed;

pub use packed::Frames;

use crate::chains::{hash_of, Chains};
use crate::profile::LabelSet;
use packed::Packed;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// One sample, owned: what decoders and tests build and push.
/// `locations[0]` is the leaf; indexes point into `Profile::locations`.
/// Build labels through [`crate::profile::LabelSets`] so equal sets are shared.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    pub locations: Vec<u32>,
    pub values: Vec<i64>,
    pub labels: Arc<LabelSet>,
}

/// A sample as stored, borrowed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SampleRef<'a> {
    /// Leaf first.
    pub locations: Frames<'a>,
    pub values: &'a [i64],
    pub labels: &'a Arc<LabelSet>,
}

impl SampleRef<'_> {
    pub fn to_owned(&self) -> Sample {
        Sample {
            locations: self.locations.to_vec(),
            values: self.values.to_vec(),
            labels: self.labels.clone(),
        }
    }
}

/// Every sample of a profile. Each has `stride` values (one per sample
/// type): fixed by the first sample pushed, or by [`Samples::with_capacity`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Samples {
    stride: usize,
    frames: Packed,
    /// Sample `i`'s frames are `frames[ends[i - 1]..ends[i]]` (from 0 for the first).
    ends: Vec<u32>,
    values: Vec<i64>,
    labels: Vec<Arc<LabelSet>>,
}

impl Samples {
    /// Room for `n` samples of `stride` values and `frames` frames in all,
    /// reserved exactly: grown by doubling, the frames would hold up to
    /// twice their size. Fails (rather than aborting) when that does not fit.
    pub fn with_capacity(
        stride: usize,
        n: usize,
        frames: usize,
    ) -> Result<Samples, std::collections::TryReserveError> {
        let mut s = Samples {
            stride,
            ..Default::default()
        };
        s.try_reserve(n, frames)?;
        Ok(s)
    }

    /// Sets the stride of a still empty set.
    pub fn set_stride(&mut self, stride: usize) {
        if self.is_empty() {
            self.stride = stride;
        }
    }

    /// Reserves room for `samples` more samples and `frames` more frames.
    pub fn try_reserve(
        &mut self,
        samples: usize,
        frames: usize,
    ) -> Result<(), std::collections::TryReserveError> {
        // The frames last: the largest block, likely at the top of the
        // heap, so the slack a guess leaves returns to it when trimmed.
        self.ends.try_reserve_exact(samples)?;
        self.values
            .try_reserve_exact(samples.saturating_mul(self.stride))?;
        self.labels.try_reserve_exact(samples)?;
        self.frames.try_reserve_exact(frames)
    }

    /// Whether one more sample of `frames` frames fits without growing.
    pub fn has_room(&self, frames: usize) -> bool {
        self.frames.len() + frames <= self.frames.capacity()
            && self.ends.len() < self.ends.capacity()
            && self.values.len() + self.stride <= self.values.capacity()
            && self.labels.len() < self.labels.capacity()
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Values per sample.
    pub fn stride(&self) -> usize {
        self.stride
    }

    /// Frames of every sample together.
    pub fn frame_count(&self) -> usize {
        self.frames.len()
    }

    #[inline(always)]
    fn start(&self, i: usize) -> usize {
        if i == 0 {
            0
        } else {
            self.ends[i - 1] as usize
        }
    }

    /// Sample `i` (panics past the end, like indexing).
    #[inline(always)]
    pub fn get(&self, i: usize) -> SampleRef<'_> {
        let (a, b) = (self.start(i), self.ends[i] as usize);
        SampleRef {
            locations: self.frames.slice(a, b),
            values: &self.values[i * self.stride..(i + 1) * self.stride],
            labels: &self.labels[i],
        }
    }

    /// Sample `i`'s frames, leaf first.
    #[inline(always)]
    pub fn locations(&self, i: usize) -> Frames<'_> {
        self.frames.slice(self.start(i), self.ends[i] as usize)
    }

    /// Sample `i`'s value of type `k` (0 past the stride).
    #[inline(always)]
    pub fn value(&self, i: usize, k: usize) -> i64 {
        if k < self.stride {
            self.values[i * self.stride + k]
        } else {
            0
        }
    }

    pub fn iter(
        &self,
    ) -> impl ExactSizeIterator<Item = SampleRef<'_>> + DoubleEndedIterator + Clone + '_ {
        (0..self.len()).map(move |i| self.get(i))
    }

    /// Adds a sample. Its values are cut or padded with zeros to the
    /// stride (decoders check the count before pushing).
    pub fn push(&mut self, locations: &[u32], values: &[i64], labels: Arc<LabelSet>) {
        if self.is_empty() && self.stride == 0 {
            self.stride = values.len();
        }
        self.frames.extend(locations);
        self.ends.push(self.frames.len() as u32);
        let n = values.len().min(self.stride);
        self.values.extend_from_slice(&values[..n]);
        if n < self.stride {
            self.values.resize(self.values.len() + self.stride - n, 0);
        }
        self.labels.push(labels);
    }

    pub fn push_sample(&mut self, s: Sample) {
        self.push(&s.locations, &s.values, s.labels);
    }

    /// Maps sample `i`'s frames through `f` (file ids to indexes).
    pub fn map_locations<E>(
        &mut self,
        i: usize,
        f: impl FnMut(usize, u32) -> Result<u32, E>,
    ) -> Result<(), E> {
        let (a, b) = (self.start(i), self.ends[i] as usize);
        self.frames.map(a, b, f)
    }

    /// Back to 3 bytes a frame when every index fits (after mapping).
    pub fn narrow(&mut self) {
        self.frames.narrow();
    }

    pub fn values_mut(&mut self, i: usize) -> &mut [i64] {
        &mut self.values[i * self.stride..(i + 1) * self.stride]
    }

    pub fn set_labels(&mut self, i: usize, labels: Arc<LabelSet>) {
        self.labels[i] = labels;
    }

    /// Keeps the samples `f` accepts, in order, compacted in place. `f`
    /// gets a sample's frames in a scratch vector it may shorten (drop
    /// frames from; it must not add any) and its values, which it may
    /// change.
    pub fn rebuild(
        &mut self,
        mut f: impl FnMut(&mut Vec<u32>, &mut [i64], &Arc<LabelSet>) -> bool,
    ) {
        let mut scratch = Vec::new();
        let (mut w_frames, mut kept) = (0usize, 0usize);
        let mut start = 0usize;
        for i in 0..self.len() {
            let end = self.ends[i] as usize;
            scratch.clear();
            scratch.extend(self.frames.slice(start, end));
            let old_len = end - start;
            start = end;
            let stride = self.stride;
            let keep = {
                let (vals, labels) = (
                    &mut self.values[i * stride..(i + 1) * stride],
                    &self.labels[i],
                );
                f(&mut scratch, vals, labels)
            };
            if !keep {
                continue;
            }
            // Never past what was read: a sample only loses frames.
            scratch.truncate(old_len);
            self.frames.write(w_frames, &scratch);
            w_frames += scratch.len();
            self.ends[kept] = w_frames as u32;
            self.values
                .copy_within(i * stride..(i + 1) * stride, kept * stride);
            self.labels.swap(kept, i);
            kept += 1;
        }
        self.frames.truncate(w_frames);
        self.ends.truncate(kept);
        self.values.truncate(kept * self.stride);
        self.labels.truncate(kept);
    }

    /// pprof's sample merge: samples with the same stack and labels are
    /// summed into the first, all-zero samples go, in place. `lcanon`
    /// first maps every frame (locations merged). With `track`, returns
    /// per sample the index of the sample it went into (`u32::MAX`:
    /// dropped); else an empty vector (it is only wanted for goroutines).
    pub fn merge_duplicates(&mut self, lcanon: Option<&[u32]>, track: bool) -> Vec<u32> {
        let n = self.len();
        let stride = self.stride;
        let mut chains = Chains::new(n);
        let mut canon = if track { vec![u32::MAX; n] } else { Vec::new() };
        // Kept samples move to the front as they are found (`kept` so far,
        // their frames up to `w`); `start` is where sample `i`'s were.
        let (mut w, mut kept, mut start) = (0usize, 0usize, 0usize);
        // By index: several columns are read and written at `i`.
        #[allow(clippy::needless_range_loop)]
        for i in 0..n {
            let (a, b) = (start, self.ends[i] as usize);
            start = b;
            if self.values[i * stride..(i + 1) * stride]
                .iter()
                .all(|&v| v == 0)
            {
                continue;
            }
            if let Some(lc) = lcanon {
                for k in a..b {
                    let l = self.frames.get(k);
                    self.frames.set(k, lc[l as usize]);
                }
            }
            // Equal frames are equal bytes (one width for all).
            let h = if self.labels[i].is_empty() {
                hash_of(self.frames.raw(a, b))
            } else {
                hash_of(&(self.frames.raw(a, b), &self.labels[i]))
            };
            let found = chains.find(h, |j| {
                let j = j as usize;
                let from = if j == 0 { 0 } else { self.ends[j - 1] as usize };
                self.frames.raw(from, self.ends[j] as usize) == self.frames.raw(a, b)
                    && self.labels[j] == self.labels[i]
            });
            match found {
                Some(j) => {
                    for k in 0..stride {
                        self.values[j as usize * stride + k] += self.values[i * stride + k];
                    }
                    if track {
                        canon[i] = j;
                    }
                }
                None => {
                    self.frames.copy_within(a, b, w);
                    w += b - a;
                    self.ends[kept] = w as u32;
                    self.values
                        .copy_within(i * stride..(i + 1) * stride, kept * stride);
                    self.labels.swap(kept, i);
                    chains.add(h, kept as u32);
                    if track {
                        canon[i] = kept as u32;
                    }
                    kept += 1;
                }
            }
        }
        self.frames.truncate(w);
        self.ends.truncate(kept);
        self.values.truncate(kept * stride);
        self.labels.truncate(kept);
        canon
    }

    /// Keeps the samples `f` accepts.
    pub fn retain(&mut self, mut f: impl FnMut(SampleRef) -> bool) {
        let keep: Vec<bool> = self.iter().map(&mut f).collect();
        let mut i = 0;
        self.rebuild(|_, _, _| {
            i += 1;
            keep[i - 1]
        });
    }

    /// Releases spare capacity (after filters dropped samples).
    pub fn shrink_to_fit(&mut self) {
        self.frames.shrink_to_fit();
        self.ends.shrink_to_fit();
        self.values.shrink_to_fit();
        self.labels.shrink_to_fit();
    }
}

impl<'a> IntoIterator for &'a Samples {
    type Item = SampleRef<'a>;
    type IntoIter = Box<dyn Iterator<Item = SampleRef<'a>> + 'a>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

impl FromIterator<Sample> for Samples {
    fn from_iter<I: IntoIterator<Item = Sample>>(it: I) -> Self {
        let mut out = Samples::default();
        for s in it {
            out.push_sample(s);
        }
        out
    }
}

impl From<Vec<Sample>> for Samples {
    fn from(v: Vec<Sample>) -> Self {
        v.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(k: &str) -> Arc<LabelSet> {
        Arc::new(LabelSet::new(vec![(k.into(), "v".into())], vec![]))
    }

    #[test]
    fn push_read_and_rebuild_in_place() {
        let mut s = Samples::default();
        s.push(&[1, 2, 3], &[10, 100], set("a"));
        s.push(&[4], &[20, 200], set("b"));
        s.push(&[5, 6], &[30, 300], set("c"));
        s.push(&[], &[40, 400], set("d"));
        assert_eq!(s.len(), 4);
        assert_eq!(s.stride(), 2);
        assert_eq!(s.get(2).locations.to_vec(), [5, 6]);
        assert_eq!(s.get(3).locations.to_vec(), [0u32; 0]);
        assert_eq!(s.iter().next_back().unwrap().values, [40, 400]);
        // Drop the second, cut the first's leaf, double the third's values.
        s.rebuild(|frames, values, labels| {
            if labels.strs[0].0 == "b" {
                return false;
            }
            if frames.first() == Some(&1) {
                frames.remove(0);
            }
            if labels.strs[0].0 == "c" {
                values.iter_mut().for_each(|v| *v *= 2);
            }
            true
        });
        let got: Vec<Sample> = s.iter().map(|r| r.to_owned()).collect();
        assert_eq!(
            got.iter().map(|g| g.locations.clone()).collect::<Vec<_>>(),
            [vec![2, 3], vec![5, 6], vec![]]
        );
        assert_eq!(
            got.iter().map(|g| g.values.clone()).collect::<Vec<_>>(),
            [vec![10, 100], vec![60, 600], vec![40, 400]]
        );
        assert_eq!(
            got.iter()
                .map(|g| g.labels.strs[0].0.clone())
                .collect::<Vec<_>>(),
            ["a", "c", "d"]
        );
        assert_eq!(s.frame_count(), 4);
        // Adding frames in a rebuild is refused (cut back), never corrupting.
        s.rebuild(|frames, _, _| {
            frames.extend([9, 9, 9]);
            true
        });
        assert_eq!(s.get(0).locations.to_vec(), [2, 3]);
        assert_eq!(s.get(1).locations.to_vec(), [5, 6]);
    }

    #[test]
    fn values_follow_the_stride() {
        let mut s = Samples::with_capacity(3, 2, 2).unwrap();
        s.push(&[1], &[1, 2, 3, 4], Arc::default());
        s.push(&[2], &[5], Arc::default());
        assert_eq!(s.get(0).values, [1, 2, 3]);
        assert_eq!(s.get(1).values, [5, 0, 0]);
    }
}

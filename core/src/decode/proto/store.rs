//! The pass that stores: top-level fields read into the model's shape,
//! samples through `merge_sample`, locations as they come, label lists
//! interned; ids are resolved afterwards by `convert`.

use super::convert::{convert, Strings};
use super::fields::Fields;
use super::messages::*;
use super::reader::payload;
use super::sample::merge_sample;
use super::sizing::{Guess, Sizing, REPORT_EVERY};
use crate::decode::input::Stream;
use crate::error::DecodeError;
use crate::profile::*;
use prost::encoding::WireType;

/// The pass that stores. `None`: a guessed size fell short, or a sample
/// came before the sample types; the caller counts and reads again.
pub(super) fn decode_pass<'a>(
    open: &mut dyn FnMut(bool) -> Result<Box<dyn Stream + 'a>, DecodeError>,
    limit: usize,
    progress: &mut dyn FnMut(usize),
    sizing: Sizing,
) -> Result<Option<Profile>, DecodeError> {
    let bad = |e: prost::DecodeError| DecodeError::Protobuf(e.to_string());
    let ctx = prost::encoding::DecodeContext::default;
    let (count, frames, guess) = match sizing {
        Sizing::Exact(count, frames) => (count, frames, None),
        Sizing::Guess(g) => ([0; 7], 0, Some(g)),
    };
    // While guessing: bytes of samples read, and whether they have ended.
    let (mut sample_bytes, mut samples_done) = (0usize, false);
    // A hostile file of empty messages asks for far more than it weighs:
    // an error then, not an aborted process.
    fn reserve<T>(v: &mut Vec<T>, n: usize, what: &str) -> Result<(), DecodeError> {
        v.try_reserve_exact(n)
            .map_err(|_| DecodeError::Invalid(format!("{n} {what} do not fit in memory")))
    }
    let nsamples = count[2];
    let mut pb = PbProfile::default();
    reserve(&mut pb.mapping, count[3], "mappings")?;
    reserve(&mut pb.function, count[5], "functions")?;
    let mut strings = Vec::new();
    reserve(&mut strings, count[6], "strings")?;
    let mut locs = RawLocations::default();
    reserve(&mut locs.locations, count[4], "locations")?;
    reserve(&mut locs.mapping_ids, count[4], "locations")?;
    let mut ntypes = count[1];
    let samples = Samples::with_capacity(ntypes, nsamples, frames).map_err(|_| {
        DecodeError::Invalid(format!(
            "{nsamples} samples of {frames} frames do not fit in memory"
        ))
    })?;
    let mut raw = RawSamples {
        samples,
        label_sets: Vec::new(),
        sets: Vec::new(),
        wide: Vec::new(),
        interned: LabelSets::default(),
    };
    reserve(&mut raw.label_sets, nsamples, "samples")?;
    let none = raw.interned.none();
    let mut set_ix: rustc_hash::FxHashMap<Vec<PbLabel>, u32> = Default::default();
    let mut scratch = PbSample::default();
    let mut loc = PbLocation::default();
    let mut f = Fields::new(open(true)?, limit);
    let mut reported = 0;
    while let Some((tag, wt, mut v)) = f.next()? {
        if let Some(g) = guess {
            if tag == 2 && samples_done {
                return Ok(None); // more samples after other fields: count
            }
            if tag != 2 && !raw.samples.is_empty() && !samples_done {
                samples_done = true;
                raw.samples.shrink_to_fit();
                raw.label_sets.shrink_to_fit();
            }
            if tag == 2 {
                if raw.samples.is_empty() {
                    if pb.sample_type.is_empty() {
                        return Ok(None);
                    }
                    ntypes = pb.sample_type.len();
                    raw.samples.set_stride(ntypes);
                }
                sample_bytes += v.len();
                let n = raw.samples.len();
                if n == Guess::AFTER {
                    let (samples, frames) = g.room(n, raw.samples.frame_count(), sample_bytes);
                    let _ = raw.label_sets.try_reserve_exact(samples.saturating_sub(n));
                    if raw
                        .samples
                        .try_reserve(
                            samples - n.min(samples),
                            frames - raw.samples.frame_count().min(frames),
                        )
                        .is_err()
                    {
                        return Ok(None);
                    }
                }
            }
        }
        match (tag, wt) {
            (2, WireType::LengthDelimited) => {
                scratch.value.clear();
                scratch.label.clear();
                merge_sample(&mut scratch, payload(v)?)?;
                let labels = if scratch.label.is_empty() {
                    u32::MAX
                } else if let Some(&i) = set_ix.get(&scratch.label[..]) {
                    i
                } else {
                    let i = raw.sets.len() as u32;
                    raw.sets.push(scratch.label.clone());
                    set_ix.insert(scratch.label.clone(), i);
                    i
                };
                raw.label_sets.push(labels);
                let si = raw.samples.len();
                if scratch.value.len() != ntypes {
                    return Err(DecodeError::Invalid(format!(
                        "sample #{si} has {} values but the profile has {ntypes} sample types",
                        scratch.value.len()
                    )));
                }
                let nframes = match &scratch.location_id {
                    LocationIds::Narrow(v) => v.len(),
                    LocationIds::Wide(w) => w.len(),
                };
                if guess.is_some() && si > Guess::AFTER && !raw.samples.has_room(nframes) {
                    // Guessed short: growing now would double the frames.
                    return Ok(None);
                }
                match &mut scratch.location_id {
                    LocationIds::Narrow(v) => {
                        raw.samples.push(v, &scratch.value, none.clone());
                        v.clear();
                    }
                    LocationIds::Wide(w) => {
                        // Placeholders, set once ids are mapped.
                        raw.samples
                            .push(&vec![0; w.len()], &scratch.value, none.clone());
                        raw.wide.push((si, std::mem::take(w)));
                        scratch.location_id = LocationIds::default();
                    }
                }
            }
            (4, WireType::LengthDelimited) => {
                loc.line.clear();
                loc.id = 0;
                loc.mapping_id = 0;
                loc.address = 0;
                loc.is_folded = false;
                prost::Message::merge(&mut loc, payload(v)?).map_err(bad)?;
                locs.push(&loc);
            }
            (6, WireType::LengthDelimited) => {
                let b = payload(v)?;
                // Invalid bytes kept, as pprof keeps them (`crate::text`).
                strings.push(crate::text::from_bytes(b).into_owned());
            }
            _ => prost::Message::merge_field(&mut pb, tag, wt, &mut v, ctx()).map_err(bad)?,
        }
        if f.position() - reported >= REPORT_EVERY {
            reported = f.position();
            progress(reported);
        }
    }
    progress(f.position());
    drop(f);
    if guess.is_some() {
        raw.samples.shrink_to_fit();
        raw.label_sets.shrink_to_fit();
        locs.locations.shrink_to_fit();
        locs.mapping_ids.shrink_to_fit();
        strings.shrink_to_fit();
        pb.function.shrink_to_fit();
        if pb.sample_type.len() != ntypes && !raw.samples.is_empty() {
            return Err(DecodeError::Invalid(format!(
                "samples have {ntypes} values but the profile has {} sample types",
                pb.sample_type.len()
            )));
        }
    }
    convert(pb, Strings(strings), locs, raw).map(Some)
}

/// Locations as read: each one's lines hold its functions' file ids while
/// they fit in u32 (those that do not are kept in `wide_functions`:
/// location, line, id), and `mapping_ids` their mappings' file ids; both
/// become indexes once the whole file is read.
#[derive(Default)]
pub(super) struct RawLocations {
    pub locations: Vec<Location>,
    pub mapping_ids: Vec<u64>,
    pub wide_functions: Vec<(u32, u32, u64)>,
}

impl RawLocations {
    fn push(&mut self, l: &PbLocation) {
        let li = self.locations.len() as u32;
        let mut lines = Vec::with_capacity(l.line.len());
        for (i, ln) in l.line.iter().enumerate() {
            let function = u32::try_from(ln.function_id).unwrap_or_else(|_| {
                self.wide_functions.push((li, i as u32, ln.function_id));
                0
            });
            lines.push(Line {
                function,
                line: ln.line,
                column: ln.column.clamp(i32::MIN.into(), i32::MAX.into()) as i32,
            });
        }
        self.locations.push(Location {
            id: l.id,
            mapping: None,
            address: l.address,
            lines: lines.into(),
            is_folded: l.is_folded,
        });
        self.mapping_ids.push(l.mapping_id);
    }
}

/// Samples as read, before ids are resolved (locations and strings come
/// later in the file): location ids as written (those of `wide` samples,
/// ids past u32, aside), and each sample's labels an index into `sets`,
/// the distinct label lists as written (`u32::MAX`: none).
pub(super) struct RawSamples {
    pub samples: Samples,
    pub label_sets: Vec<u32>,
    pub sets: Vec<Vec<PbLabel>>,
    pub wide: Vec<(usize, Vec<u64>)>,
    /// Hands out the resolved sets (and the empty one samples start with).
    pub interned: LabelSets,
}

//! How the storing pass sizes its big vectors (samples, frames, labels):
//! reserved from the density of the first samples times the inflated size
//! and trimmed when the samples end (one pass), or counted exactly by a
//! first pass when that guess falls short (two). Either way they are never
//! grown by doubling: a doubled vector holds up to twice its size, and
//! wasm memory keeps its peak.

use super::fields::Fields;
use super::reader::{payload, Reader};
use crate::decode::input::Stream;
use crate::error::DecodeError;
use prost::encoding::WireType;

/// How often (in bytes of the file) a pass reports progress.
pub(super) const REPORT_EVERY: usize = 64 * 1024;

/// How the storing pass sizes its vectors.
#[derive(Clone, Copy)]
pub(super) enum Sizing {
    /// Counted first: top-level fields by number, and frames.
    Exact([usize; 7], usize),
    Guess(Guess),
}

/// Sizes guessed from the first [`Guess::AFTER`] samples.
#[derive(Clone, Copy)]
pub(super) struct Guess {
    /// The size the stream will have (gzip's trailer, capped).
    pub inflated_size: usize,
}

impl Guess {
    /// Samples read before guessing (their vectors grow as usual).
    pub const AFTER: usize = 512;

    /// Room for all samples and frames, from what the first ones weigh:
    /// the whole file at their density, a little over (samples are most
    /// of a profile; the rest of it is slack, trimmed when they end).
    pub fn room(&self, samples: usize, frames: usize, bytes: usize) -> (usize, usize) {
        let scale = |n: usize| {
            ((n as f64 / bytes.max(1) as f64) * self.inflated_size as f64 * 1.02) as usize + 64
        };
        (scale(samples), scale(frames))
    }
}

/// The counting pass: top-level fields by number, and the frames of all
/// samples. `progress` gets the position in the file.
pub(super) fn count<'a>(
    open: &mut dyn FnMut(bool) -> Result<Box<dyn Stream + 'a>, DecodeError>,
    limit: usize,
    progress: &mut dyn FnMut(usize),
) -> Result<Sizing, DecodeError> {
    let mut count = [0usize; 7];
    let mut frames = 0usize;
    let mut f = Fields::new(open(false)?, limit);
    let mut reported = 0;
    while let Some((tag, wt, v)) = f.next()? {
        if let Some(c) = count.get_mut(tag as usize) {
            *c += 1;
        }
        if tag == 2 && wt == WireType::LengthDelimited {
            frames += count_location_ids(payload(v)?);
        }
        if f.position() - reported >= REPORT_EVERY {
            reported = f.position();
            progress(reported);
        }
    }
    progress(f.position());
    Ok(Sizing::Exact(count, frames))
}

/// How many location ids a sample message holds (packed or not); a
/// malformed sample counts what it can (the storing pass reports it).
fn count_location_ids(s: &[u8]) -> usize {
    let mut n = 0;
    let mut r = Reader::new(s);
    while !r.done() {
        let Ok((tag, wire)) = r.key() else { break };
        match (tag, wire) {
            (1, 2) => {
                let Some(run) = r.delimited() else { break };
                n += run.ends();
            }
            (1, 0) => {
                n += 1;
                if r.varint().is_none() {
                    break;
                }
            }
            _ => {
                if r.skip(wire).is_none() {
                    break;
                }
            }
        }
    }
    n
}

//! Bytes in, [`Profile`] out. The format is detected from the bytes, never
//! from the file name: gzip is unwrapped first, then profile.proto, the
//! goroutine dumps and the legacy text forms are told apart by content.

mod builder;
pub mod crc32;
pub mod goroutine;
pub mod gzip;
pub mod input;
pub mod legacy;
pub mod memstats;
pub mod proto;

use crate::error::DecodeError;
use crate::profile::Profile;
pub use input::{Input, Plain, Stream};

/// Limits that keep hostile input from eating memory.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest decompressed size accepted (default 1 GiB).
    pub max_decompressed: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_decompressed: 1 << 30,
        }
    }
}

/// Decodes any supported profile format.
pub fn decode(data: &[u8]) -> Result<Profile, DecodeError> {
    decode_with(data, Limits::default(), &mut |_| {})
}

/// Decodes with explicit limits and a progress callback that receives the
/// fraction of the work done (0 to 1, never going back). The result is normalized the way
/// `go tool pprof` normalizes every profile it loads (drop_frames applied),
/// so reports agree with it. A single profile is not merged: Go 1.27's
/// pprof keeps a lone source's samples as written (duplicates apart,
/// all-zero ones too: `-traces` lists them); only a merge with a base
/// (`diff::subtract`) sums equal samples and drops all-zero ones.
pub fn decode_with(
    data: &[u8],
    limits: Limits,
    progress: &mut dyn FnMut(f32),
) -> Result<Profile, DecodeError> {
    let mut p = decode_input(&data, limits, progress)?;
    normalize(&mut p)?;
    Ok(p)
}

/// What `go tool pprof` does to a profile after reading it, before any
/// report: its symbolizer's name cleanup ([`crate::symbolize::demangle`]),
/// then drop_frames/keep_frames.
pub fn normalize(p: &mut Profile) -> Result<(), DecodeError> {
    crate::symbolize::demangle(p);
    p.remove_uninteresting()
}

/// Decodes without pprof's normalization: the file's samples as written.
pub fn decode_raw(
    data: &[u8],
    limits: Limits,
    progress: &mut dyn FnMut(f32),
) -> Result<Profile, DecodeError> {
    decode_input(&data, limits, progress)
}

/// [`decode_raw`] reading the file through [`Input`], a chunk at a time.
/// A profile.proto is inflated and parsed as a stream, once when the sizes
/// guessed from its first samples hold, else twice (a first pass counts
/// what the second stores): neither the file nor its inflated bytes need
/// be in memory whole. Text formats are parsed from memory (in place when
/// `input` is a slice already; their parsers borrow names from the text).
pub fn decode_input(
    input: &dyn Input,
    limits: Limits,
    progress: &mut dyn FnMut(f32),
) -> Result<Profile, DecodeError> {
    if input.is_empty() {
        return Err(DecodeError::Empty);
    }
    let mut magic = [0u8; 2];
    input.read_at(0, &mut magic);
    let gz = gzip::is_gzip(&magic);
    if !gz && input.len() > limits.max_decompressed {
        return Err(DecodeError::TooLarge {
            limit: limits.max_decompressed,
        });
    }
    // `checked`: whether gzip's CRCs are verified (the counting pass of a
    // profile.proto skips them; the pass that stores checks).
    let open = |checked: bool| -> Box<dyn Stream + '_> {
        if gz {
            Box::new(gzip::GzReader::new(input, limits.max_decompressed).checked(checked))
        } else {
            Box::new(Plain::new(input))
        }
    };
    let mut s = open(true);
    let head = input::read_head(&mut *s, 4096)?;
    if head.is_empty() {
        return Err(DecodeError::Empty);
    }
    let printable = head
        .iter()
        .all(|&b| b >= 0x20 || b == b'\n' || b == b'\r' || b == b'\t');
    if !printable && proto::looks_like_proto(&head) {
        drop(s);
        let len = input.len().max(1) as f32;
        let mut done = 0f32;
        // The size the one-pass read sizes itself by: gzip's trailer, but
        // no more than 8 x the file (profiles compress 2 to 5 x): a lying
        // trailer must not reserve gigabytes; an honest bigger ratio only
        // means the guess falls short and the file is counted first.
        let inflated = if gz {
            gzip::size_hint(input).min(input.len().saturating_mul(8))
        } else {
            input.len()
        };
        return proto::decode_stream(
            &mut |checked| Ok(open(checked)),
            limits.max_decompressed,
            inflated.min(limits.max_decompressed),
            &mut |pass, passes, pos| {
                // Never back: a one-pass read that turns out to need
                // counting first starts over.
                done = done.max((pass as f32 + pos as f32 / len) / passes as f32);
                progress(done)
            },
        );
    }
    // Whole in memory: inflating is the first 40% of the bar, parsing the
    // rest. An uncompressed file already in memory is read where it is.
    let owned;
    let data: &[u8] = match input.as_slice() {
        Some(bytes) if !gz => bytes,
        _ => {
            let mut buf = Vec::new();
            let hint = if gz {
                gzip::size_hint(input)
            } else {
                input.len()
            };
            buf.try_reserve_exact(hint.min(limits.max_decompressed))
                .map_err(|_| DecodeError::TooLarge { limit: hint })?;
            buf.extend_from_slice(&head);
            input::read_to_end(&mut *s, &mut buf, limits.max_decompressed)?;
            owned = buf;
            &owned
        }
    };
    drop(s);
    let parse_from = if gz { 0.4 } else { 0.0 };
    progress(parse_from);
    let mut parsed = |f: f32| progress(parse_from + (1.0 - parse_from) * f);
    parsed(0.0);
    if let Some(text) = as_text(data) {
        let t = text.trim_start_matches('\u{feff}');
        if goroutine::is_debug1(t) {
            let mut p = goroutine::decode_debug1_with(t, &mut parsed)?;
            if t.starts_with("threadcreate") {
                p.format = Some(crate::SourceFormat::LegacyThreadcreate);
            }
            return Ok(p);
        }
        if legacy::is_heap(t) {
            return legacy::decode_heap(t.trim_start());
        }
        if legacy::is_contention(t) {
            return legacy::decode_contention(t.trim_start());
        }
        if goroutine::is_debug2(t) {
            return goroutine::decode_debug2_with(t, &mut parsed);
        }
        return Err(DecodeError::Unrecognized(describe_text(t)));
    }
    if proto::looks_like_proto(data) {
        return proto::decode_proto(data);
    }
    Err(DecodeError::Unrecognized(format!(
        "the first bytes ({}) are neither gzip, profile.proto nor text",
        data.iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(" ")
    )))
}

/// Text when the sample at the start has no control bytes. Bytes that are
/// not UTF-8 are kept as their stand-ins (`crate::text`): pprof reads text
/// profiles as bytes and prints names byte for byte.
fn as_text(data: &[u8]) -> Option<std::borrow::Cow<'_, str>> {
    let head = &data[..data.len().min(4096)];
    let printable = head
        .iter()
        .all(|&b| b >= 0x20 || b == b'\n' || b == b'\r' || b == b'\t');
    printable.then(|| crate::text::from_bytes(data))
}

fn describe_text(t: &str) -> String {
    let first = t
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    let first: String = first.chars().take(60).collect();
    if t.contains("WARNING: DATA RACE") {
        return "this is a race detector report, not a profile".into();
    }
    if first.to_ascii_lowercase().starts_with("<!doctype")
        || first.to_ascii_lowercase().starts_with("<html")
    {
        return "this is an HTML page (did the URL point at the pprof index instead of a profile?)"
            .into();
    }
    format!("text starting with {first:?} is not a Go profile or goroutine dump")
}

//! profile.proto (github.com/google/pprof/proto/profile.proto), decoded by
//! prost from hand-written message structs, then validated into the model.

use super::input::{Plain, Stream};
use crate::error::DecodeError;
use crate::profile::*;
use prost::encoding::WireType;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Clone, PartialEq, prost::Message)]
pub struct PbProfile {
    #[prost(message, repeated, tag = "1")]
    pub sample_type: Vec<PbValueType>,
    #[prost(message, repeated, tag = "2")]
    pub sample: Vec<PbSample>,
    #[prost(message, repeated, tag = "3")]
    pub mapping: Vec<PbMapping>,
    #[prost(message, repeated, tag = "4")]
    pub location: Vec<PbLocation>,
    #[prost(message, repeated, tag = "5")]
    pub function: Vec<PbFunction>,
    // bytes, not string: a profile with a stray invalid UTF-8 name should
    // still open (pprof's Go decoder does not check either).
    #[prost(bytes = "vec", repeated, tag = "6")]
    pub string_table: Vec<Vec<u8>>,
    #[prost(int64, tag = "7")]
    pub drop_frames: i64,
    #[prost(int64, tag = "8")]
    pub keep_frames: i64,
    #[prost(int64, tag = "9")]
    pub time_nanos: i64,
    #[prost(int64, tag = "10")]
    pub duration_nanos: i64,
    #[prost(message, optional, tag = "11")]
    pub period_type: Option<PbValueType>,
    #[prost(int64, tag = "12")]
    pub period: i64,
    #[prost(int64, repeated, tag = "13")]
    pub comment: Vec<i64>,
    #[prost(int64, tag = "14")]
    pub default_sample_type: i64,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PbValueType {
    #[prost(int64, tag = "1")]
    pub r#type: i64,
    #[prost(int64, tag = "2")]
    pub unit: i64,
}

/// A sample's location ids: 4 bytes each while every id fits in u32 (as
/// writers number them 1..n), else 8. Half the memory of the decoded
/// messages is these ids; the narrow vector then becomes the model's.
#[derive(Clone, PartialEq, Debug)]
pub enum LocationIds {
    Narrow(Vec<u32>),
    Wide(Vec<u64>),
}

impl Default for LocationIds {
    fn default() -> Self {
        LocationIds::Narrow(Vec::new())
    }
}

impl LocationIds {
    #[inline(always)]
    pub fn push(&mut self, id: u64) {
        match self {
            LocationIds::Narrow(v) => match u32::try_from(id) {
                Ok(n) => v.push(n),
                Err(_) => {
                    let mut w: Vec<u64> = v.iter().map(|&x| x as u64).collect();
                    w.push(id);
                    *self = LocationIds::Wide(w);
                }
            },
            LocationIds::Wide(w) => w.push(id),
        }
    }

    pub fn to_u64(&self) -> Vec<u64> {
        match self {
            LocationIds::Narrow(v) => v.iter().map(|&x| x as u64).collect(),
            LocationIds::Wide(w) => w.clone(),
        }
    }
}

impl FromIterator<u64> for LocationIds {
    fn from_iter<I: IntoIterator<Item = u64>>(it: I) -> Self {
        let mut out = LocationIds::default();
        for id in it {
            out.push(id);
        }
        out
    }
}

#[derive(Clone, PartialEq, Debug, Default)]
pub struct PbSample {
    /// Field 1, `repeated uint64 location_id`.
    pub location_id: LocationIds,
    /// Field 2.
    pub value: Vec<i64>,
    /// Field 3.
    pub label: Vec<PbLabel>,
}

// By hand rather than derived, for the narrow ids; the wire format is
// prost's own (it decodes and checks every field).
impl prost::Message for PbSample {
    fn encode_raw(&self, buf: &mut impl prost::bytes::BufMut) {
        prost::encoding::uint64::encode_packed(1, &self.location_id.to_u64(), buf);
        prost::encoding::int64::encode_packed(2, &self.value, buf);
        prost::encoding::message::encode_repeated(3, &self.label, buf);
    }

    // Decoding reads samples with `merge_sample`; this is prost's own
    // decoding, kept plain: it is what the tests hold that reader to.
    fn merge_field(
        &mut self,
        tag: u32,
        wire_type: prost::encoding::WireType,
        buf: &mut impl prost::bytes::Buf,
        ctx: prost::encoding::DecodeContext,
    ) -> Result<(), prost::DecodeError> {
        match tag {
            1 => {
                let mut ids = Vec::new();
                prost::encoding::uint64::merge_repeated(wire_type, &mut ids, buf, ctx)?;
                ids.into_iter().for_each(|id| self.location_id.push(id));
                Ok(())
            }
            2 => prost::encoding::int64::merge_repeated(wire_type, &mut self.value, buf, ctx),
            3 => prost::encoding::message::merge_repeated(wire_type, &mut self.label, buf, ctx),
            _ => prost::encoding::skip_field(wire_type, tag, buf, ctx),
        }
    }

    fn encoded_len(&self) -> usize {
        prost::encoding::uint64::encoded_len_packed(1, &self.location_id.to_u64())
            + prost::encoding::int64::encoded_len_packed(2, &self.value)
            + prost::encoding::message::encoded_len_repeated(3, &self.label)
    }

    fn clear(&mut self) {
        *self = PbSample::default();
    }
}

/// A `Sample` message read into `s` (its vectors appended to), by hand:
/// millions of them, and prost's generic path costs a call per field and
/// per byte advanced in the page's size-optimized build. Accepts what
/// prost accepts (packed or not; unknown fields skipped) except groups,
/// which profile.proto never has.
fn merge_sample(s: &mut PbSample, b: &[u8]) -> Result<(), DecodeError> {
    let bad = |what: &str| DecodeError::Protobuf(format!("Sample: {what}"));
    let cut = || bad("a field runs past the message");
    // A plain match: `ok_or_else` stays a call per id in the page's
    // size-optimized build.
    macro_rules! need {
        ($e:expr) => {
            match $e {
                Some(v) => v,
                None => return Err(cut()),
            }
        };
    }
    let mut r = Reader::new(b);
    while !r.done() {
        let key = need!(r.varint());
        let (tag, wire) = (key >> 3, key & 7);
        if tag == 0 || tag > u32::MAX as u64 {
            return Err(bad("invalid field number"));
        }
        match (tag, wire) {
            (1, 2) => {
                let mut run = need!(r.delimited());
                let mut wide = None;
                if let LocationIds::Narrow(v) = &mut s.location_id {
                    // Sized once, exactly (as many ids as bytes ending a
                    // varint), then filled in place: no push per id.
                    let at = v.len();
                    v.resize(at + run.ends(), 0);
                    let ids = &mut v[at..];
                    let mut k = 0;
                    while k < ids.len() {
                        let id = need!(run.varint());
                        if id > u32::MAX as u64 {
                            wide = Some(id);
                            break;
                        }
                        ids[k] = id as u32;
                        k += 1;
                    }
                    v.truncate(at + k);
                }
                // An id past 32 bits widens them all, then the rest go one
                // by one.
                if let Some(id) = wide {
                    s.location_id.push(id);
                }
                while !run.done() {
                    s.location_id.push(need!(run.varint()));
                }
            }
            (1, 0) => s.location_id.push(need!(r.varint())),
            (2, 2) => {
                let mut run = need!(r.delimited());
                let at = s.value.len();
                s.value.resize(at + run.ends(), 0);
                let values = &mut s.value[at..];
                let mut k = 0;
                while !run.done() {
                    let v = need!(run.varint()) as i64;
                    // Never past the end: each varint read is counted.
                    if k < values.len() {
                        values[k] = v;
                    }
                    k += 1;
                }
            }
            (2, 0) => s.value.push(need!(r.varint()) as i64),
            (3, 2) => {
                let mut m = need!(r.delimited());
                let mut l = PbLabel::default();
                while !m.done() {
                    let key = need!(m.varint());
                    let (tag, wire) = (key >> 3, key & 7);
                    if tag == 0 || tag > u32::MAX as u64 {
                        return Err(bad("invalid field number in a label"));
                    }
                    if wire == 0 {
                        let v = need!(m.varint()) as i64;
                        match tag {
                            1 => l.key = v,
                            2 => l.str = v,
                            3 => l.num = v,
                            4 => l.num_unit = v,
                            _ => {}
                        }
                    } else if (1..=4).contains(&tag) {
                        return Err(bad("a label field has the wrong wire type"));
                    } else if !matches!(wire, 1 | 2 | 5) {
                        return Err(bad("groups are not supported"));
                    } else {
                        need!(m.skip(wire));
                    }
                }
                s.label.push(l);
            }
            (1..=3, _) => return Err(bad("a field has the wrong wire type")),
            (_, 0 | 1 | 2 | 5) => need!(r.skip(wire)),
            _ => return Err(bad("groups are not supported")),
        }
    }
    Ok(())
}

/// Bytes `b[at..end]` read front to back by position. It indexes and never
/// reslices: a reslice is a call in the page's size-optimized build, and
/// these loops read millions of varints.
struct Reader<'a> {
    b: &'a [u8],
    at: usize,
    end: usize,
}

impl<'a> Reader<'a> {
    fn new(b: &'a [u8]) -> Reader<'a> {
        Reader {
            b,
            at: 0,
            end: b.len(),
        }
    }

    #[inline(always)]
    fn done(&self) -> bool {
        self.at >= self.end
    }

    /// A base-128 varint; `None` when the bytes end inside it or it runs
    /// past 10 bytes (the tenth may only carry the top bit, as in prost).
    #[inline(always)]
    fn varint(&mut self) -> Option<u64> {
        let mut x = 0u64;
        let mut i = self.at;
        let last = self.end.min(self.at + 10);
        while i < last {
            let byte = self.b[i];
            x |= ((byte & 0x7f) as u64) << (7 * (i - self.at));
            i += 1;
            if byte & 0x80 == 0 {
                if i - self.at == 10 && byte > 1 {
                    return None;
                }
                self.at = i;
                return Some(x);
            }
        }
        None
    }

    /// A length-delimited field's bytes, as a reader of their own.
    #[inline(always)]
    fn delimited(&mut self) -> Option<Reader<'a>> {
        let len = self.varint()?;
        if len > (self.end - self.at) as u64 {
            return None;
        }
        let start = self.at;
        self.at += len as usize;
        Some(Reader {
            b: self.b,
            at: start,
            end: self.at,
        })
    }

    /// How many varints end in what is left (bytes without the top bit).
    fn ends(&self) -> usize {
        let mut n = 0;
        let mut i = self.at;
        while i < self.end {
            n += (self.b[i] & 0x80 == 0) as usize;
            i += 1;
        }
        n
    }

    /// Skips an unknown field's value of wire type `wire` (not a group).
    fn skip(&mut self, wire: u64) -> Option<()> {
        let n = match wire {
            0 => return self.varint().map(|_| ()),
            1 => 8,
            2 => return self.delimited().map(|_| ()),
            5 => 4,
            _ => return None,
        };
        if n > self.end - self.at {
            return None;
        }
        self.at += n;
        Some(())
    }
}

/// A varint at the start of `s`, which moves past it (see
/// [`Reader::varint`]).
#[inline(always)]
fn varint(s: &mut &[u8]) -> Option<u64> {
    let mut r = Reader::new(s);
    let v = r.varint()?;
    *s = &s[r.at..];
    Some(v)
}

#[derive(Clone, PartialEq, Eq, Hash, prost::Message)]
pub struct PbLabel {
    #[prost(int64, tag = "1")]
    pub key: i64,
    #[prost(int64, tag = "2")]
    pub str: i64,
    #[prost(int64, tag = "3")]
    pub num: i64,
    #[prost(int64, tag = "4")]
    pub num_unit: i64,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PbMapping {
    #[prost(uint64, tag = "1")]
    pub id: u64,
    #[prost(uint64, tag = "2")]
    pub memory_start: u64,
    #[prost(uint64, tag = "3")]
    pub memory_limit: u64,
    #[prost(uint64, tag = "4")]
    pub file_offset: u64,
    #[prost(int64, tag = "5")]
    pub filename: i64,
    #[prost(int64, tag = "6")]
    pub build_id: i64,
    #[prost(bool, tag = "7")]
    pub has_functions: bool,
    #[prost(bool, tag = "8")]
    pub has_filenames: bool,
    #[prost(bool, tag = "9")]
    pub has_line_numbers: bool,
    #[prost(bool, tag = "10")]
    pub has_inline_frames: bool,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PbLocation {
    #[prost(uint64, tag = "1")]
    pub id: u64,
    #[prost(uint64, tag = "2")]
    pub mapping_id: u64,
    #[prost(uint64, tag = "3")]
    pub address: u64,
    #[prost(message, repeated, tag = "4")]
    pub line: Vec<PbLine>,
    #[prost(bool, tag = "5")]
    pub is_folded: bool,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PbLine {
    #[prost(uint64, tag = "1")]
    pub function_id: u64,
    #[prost(int64, tag = "2")]
    pub line: i64,
    #[prost(int64, tag = "3")]
    pub column: i64,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PbFunction {
    #[prost(uint64, tag = "1")]
    pub id: u64,
    #[prost(int64, tag = "2")]
    pub name: i64,
    #[prost(int64, tag = "3")]
    pub system_name: i64,
    #[prost(int64, tag = "4")]
    pub filename: i64,
    #[prost(int64, tag = "5")]
    pub start_line: i64,
}

/// Heuristic used by format detection: does this look like a protobuf
/// message whose first field is one profile.proto can start with?
pub fn looks_like_proto(data: &[u8]) -> bool {
    // Field numbers 1..14 with wire type 0 (varint) or 2 (length-delimited).
    matches!(data.first(), Some(&b) if {
        let field = b >> 3;
        let wt = b & 7;
        (1..=14).contains(&field) && (wt == 0 || wt == 2)
    })
}

/// Decodes raw (already decompressed) profile.proto bytes.
pub fn decode_proto(data: &[u8]) -> Result<Profile, DecodeError> {
    decode_stream(
        &mut |_| Ok(Box::new(Plain::new(&data))),
        usize::MAX,
        data.len(),
        &mut |_, _, _| {},
    )
}

/// A stream's top-level fields, one at a time, through a window that holds
/// the current field whole (fields are small: a sample, a location...).
struct Fields<'s> {
    stream: Box<dyn Stream + 's>,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    limit: usize,
    /// Fields read so far, for error messages.
    n: usize,
}

impl<'s> Fields<'s> {
    fn new(stream: Box<dyn Stream + 's>, limit: usize) -> Fields<'s> {
        Fields {
            stream,
            buf: vec![0; 256 * 1024],
            start: 0,
            end: 0,
            eof: false,
            limit,
            n: 0,
        }
    }

    /// Makes `n` bytes visible from `start`, unless the stream ends first.
    fn fill(&mut self, n: usize) -> Result<(), DecodeError> {
        while self.end - self.start < n && !self.eof {
            if self.end == self.buf.len() {
                if self.start > 0 {
                    self.buf.copy_within(self.start..self.end, 0);
                    self.end -= self.start;
                    self.start = 0;
                } else {
                    // Full of one field: grown as its bytes arrive, never
                    // to the size it announces (a few hostile bytes could
                    // announce a gigabyte).
                    let more = self.buf.len().max(1024);
                    self.buf
                        .try_reserve_exact(more)
                        .map_err(|_| DecodeError::TooLarge { limit: n })?;
                    self.buf.resize(self.buf.len() + more, 0);
                }
            }
            let k = self.stream.read(&mut self.buf[self.end..])?;
            if k == 0 {
                self.eof = true;
            }
            self.end += k;
        }
        Ok(())
    }

    /// The next field: its number, wire type and value as written (a
    /// length-delimited one with its length prefix, as prost reads it).
    fn next(&mut self) -> Result<Option<(u32, WireType, &[u8])>, DecodeError> {
        let bad = |e: prost::DecodeError| DecodeError::Protobuf(e.to_string());
        self.fill(20)?;
        if self.start == self.end {
            return Ok(None);
        }
        let mut s = &self.buf[self.start..self.end];
        let avail = s.len();
        let (tag, wt) = prost::encoding::decode_key(&mut s).map_err(bad)?;
        let key_len = avail - s.len();
        let value_len = match wt {
            WireType::Varint => s
                .iter()
                .position(|b| b & 0x80 == 0)
                .map(|i| i + 1)
                .ok_or_else(|| {
                    DecodeError::Protobuf(format!(
                        "field #{} (number {tag}) is cut short in a varint",
                        self.n
                    ))
                })?,
            WireType::SixtyFourBit => 8,
            WireType::ThirtyTwoBit => 4,
            WireType::LengthDelimited => {
                let before = s.len();
                let len = prost::encoding::decode_varint(&mut s).map_err(bad)?;
                let prefix = before - s.len();
                match usize::try_from(len).ok().filter(|&l| l <= self.limit) {
                    Some(l) => prefix + l,
                    None => {
                        return Err(DecodeError::Protobuf(format!(
                            "field #{} (number {tag}) announces {len} bytes, more than the limit",
                            self.n
                        )))
                    }
                }
            }
            WireType::StartGroup | WireType::EndGroup => {
                return Err(DecodeError::Protobuf(format!(
                    "field #{} (number {tag}) is a group, which profile.proto never uses",
                    self.n
                )));
            }
        };
        self.start += key_len;
        self.fill(value_len)?;
        if self.end - self.start < value_len {
            return Err(DecodeError::Protobuf(format!(
                "field #{} (number {tag}) is cut short: {value_len} bytes announced, {} left",
                self.n,
                self.end - self.start
            )));
        }
        let v = &self.buf[self.start..self.start + value_len];
        self.start += value_len;
        self.n += 1;
        Ok(Some((tag, wt, v)))
    }

    fn position(&self) -> usize {
        self.stream.position()
    }
}

/// How many location ids a sample message holds (packed or not), for the
/// first pass; a malformed sample counts what it can (the second pass
/// reports it).
fn count_location_ids(mut s: &[u8]) -> usize {
    let mut n = 0;
    while !s.is_empty() {
        let Ok((tag, wt)) = prost::encoding::decode_key(&mut s) else {
            break;
        };
        match (tag, wt) {
            (1, WireType::LengthDelimited) => {
                let Ok(len) = prost::encoding::decode_varint(&mut s) else {
                    break;
                };
                let Some(field) = s.get(..len as usize) else {
                    break;
                };
                n += field.iter().filter(|b| **b & 0x80 == 0).count();
                s = &s[len as usize..];
            }
            (1, WireType::Varint) => {
                n += 1;
                if prost::encoding::decode_varint(&mut s).is_err() {
                    break;
                }
            }
            _ => {
                if prost::encoding::skip_field(wt, tag, &mut s, Default::default()).is_err() {
                    break;
                }
            }
        }
    }
    n
}

/// A length-delimited value without its length prefix.
fn payload(mut v: &[u8]) -> Result<&[u8], DecodeError> {
    match varint(&mut v) {
        Some(_) => Ok(v),
        None => Err(DecodeError::Protobuf("invalid varint".into())),
    }
}

/// Decodes profile.proto from a stream that `open` starts anew: once when
/// the sizes guessed from the first samples hold, else twice, first to
/// count, then to store (`open(checked)`: a counting pass asks for no
/// integrity checks, e.g. gzip's CRCs; a pass that stores does).
///
/// Samples, most of a profile, are read field by field straight into the
/// model's shape (exact-size vectors, label sets interned as they come),
/// and locations become the model's as they are read: never a vector of
/// decoded messages beside the model. `inflated_size`: the size the
/// stream will have, for sizing (a guess: gzip's trailer). `progress`
/// gets the pass, how many passes there are, and the position in the file.
pub fn decode_stream<'a>(
    open: &mut dyn FnMut(bool) -> Result<Box<dyn Stream + 'a>, DecodeError>,
    limit: usize,
    inflated_size: usize,
    progress: &mut dyn FnMut(u32, u32, usize),
) -> Result<Profile, DecodeError> {
    // First one pass, its big vectors reserved from the density of the
    // first samples (frames and samples per byte, times the inflated size)
    // and trimmed once the samples end. Inflating twice was a fifth of
    // opening a big profile in the page.
    let guess = Guess { inflated_size };
    if let Some(p) = decode_pass(
        open,
        limit,
        &mut |pos| progress(0, 1, pos),
        Sizing::Guess(guess),
    )? {
        return Ok(p);
    }
    // The guess fell short (or samples came before their types): a first
    // walk counts, to size the big vectors exactly (grown by doubling,
    // they would hold up to twice their size, and wasm memory keeps its
    // peak), then the pass that stores.
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
            progress(0, 2, reported);
        }
    }
    progress(0, 2, f.position());
    drop(f);
    let p = decode_pass(
        open,
        limit,
        &mut |pos| progress(1, 2, pos),
        Sizing::Exact(count, frames),
    )?;
    p.ok_or_else(|| DecodeError::Invalid("the profile's samples do not fit in memory".into()))
}

const REPORT_EVERY: usize = 64 * 1024;

/// How the storing pass sizes its vectors.
#[derive(Clone, Copy)]
enum Sizing {
    /// Counted first: top-level fields by number, and frames.
    Exact([usize; 7], usize),
    Guess(Guess),
}

#[derive(Clone, Copy)]
struct Guess {
    inflated_size: usize,
}

impl Guess {
    /// Samples read before guessing (their vectors grow as usual).
    const AFTER: usize = 512;

    /// Room for all samples and frames, from what the first ones weigh:
    /// the whole file at their density, a little over (samples are most
    /// of a profile; the rest of it is slack, trimmed when they end).
    fn room(&self, samples: usize, frames: usize, bytes: usize) -> (usize, usize) {
        let scale = |n: usize| {
            ((n as f64 / bytes.max(1) as f64) * self.inflated_size as f64 * 1.02) as usize + 64
        };
        (scale(samples), scale(frames))
    }
}

/// The pass that stores. `None`: a guessed size fell short, or a sample
/// came before the sample types; the caller counts and reads again.
fn decode_pass<'a>(
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
                strings.push(
                    std::str::from_utf8(b)
                        .map(str::to_owned)
                        .unwrap_or_else(|_| String::from_utf8_lossy(b).into_owned()),
                );
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
struct RawLocations {
    locations: Vec<Location>,
    mapping_ids: Vec<u64>,
    wide_functions: Vec<(u32, u32, u64)>,
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
struct RawSamples {
    samples: Samples,
    label_sets: Vec<u32>,
    sets: Vec<Vec<PbLabel>>,
    wide: Vec<(usize, Vec<u64>)>,
    /// Hands out the resolved sets (and the empty one samples start with).
    interned: LabelSets,
}

struct Strings(Vec<String>);

impl Strings {
    /// A function's string, shared: the first use moves it out of the
    /// table, and a string that more fields use (a file name, a system
    /// name equal to the name) is kept once in `shared` and cloned from
    /// there.
    fn take_shared(
        &mut self,
        idx: i64,
        what: &str,
        uses: &[u32],
        shared: &mut HashMap<usize, Arc<str>>,
    ) -> Result<Arc<str>, DecodeError> {
        let empty = self.get_ref(idx, what)?.is_empty(); // checks idx
        let i = idx as usize;
        // Shared ones first: the table's entry is empty once moved out.
        if let Some(s) = shared.get(&i) {
            return Ok(s.clone());
        }
        if empty {
            return Ok(Arc::default()); // allocation-free
        }
        let s: Arc<str> = Arc::from(std::mem::take(&mut self.0[i]));
        if uses[i] > 1 {
            shared.insert(i, s.clone());
        }
        Ok(s)
    }

    fn get_ref(&self, idx: i64, what: &str) -> Result<&String, DecodeError> {
        usize::try_from(idx)
            .ok()
            .and_then(|i| self.0.get(i))
            .ok_or_else(|| {
                DecodeError::Invalid(format!(
                    "{what} refers to string index {idx}, but the string table has {} entries",
                    self.0.len()
                ))
            })
    }

    fn get(&self, idx: i64, what: &str) -> Result<String, DecodeError> {
        self.get_ref(idx, what).cloned()
    }
}

/// File ids to dense indexes. Writers almost always number 1..=n in order:
/// then the index is `id - 1` and no map is built (a map lookup per frame
/// costs hundreds of milliseconds on 200k-stack profiles).
enum Ids {
    Dense(usize),
    Map(HashMap<u64, u32>),
}

impl Ids {
    #[inline(always)]
    fn get(&self, id: u64) -> Option<u32> {
        match self {
            Ids::Dense(n) => {
                if id != 0 && id as usize <= *n {
                    Some((id - 1) as u32)
                } else {
                    None
                }
            }
            Ids::Map(m) => m.get(&id).copied(),
        }
    }
}

/// Maps file ids to dense indexes; rejects 0 and duplicates.
fn index_ids(ids: impl Iterator<Item = u64>, what: &str) -> Result<Ids, DecodeError> {
    let ids: Vec<u64> = ids.collect();
    if ids.iter().enumerate().all(|(i, &id)| id == i as u64 + 1) {
        return Ok(Ids::Dense(ids.len()));
    }
    let mut m = HashMap::new();
    for (i, id) in ids.into_iter().enumerate() {
        if id == 0 {
            return Err(DecodeError::Invalid(format!("{what} #{i} has id 0")));
        }
        if m.insert(id, i as u32).is_some() {
            return Err(DecodeError::Invalid(format!("duplicate {what} id {id}")));
        }
    }
    Ok(Ids::Map(m))
}

fn convert(
    pb: PbProfile,
    strings: Strings,
    locs: RawLocations,
    raw: RawSamples,
) -> Result<Profile, DecodeError> {
    if let Some(first) = strings.0.first() {
        if !first.is_empty() {
            return Err(DecodeError::Invalid(
                "string table must start with the empty string".into(),
            ));
        }
    } else if !(raw.samples.is_empty() && pb.sample_type.is_empty()) {
        return Err(DecodeError::Invalid("the string table is empty".into()));
    }
    let vt = |v: &PbValueType, what: &str| -> Result<ValueType, DecodeError> {
        Ok(ValueType {
            r#type: strings.get(v.r#type, what)?,
            unit: strings.get(v.unit, what)?,
        })
    };
    let sample_types = pb
        .sample_type
        .iter()
        .map(|v| vt(v, "a sample type"))
        .collect::<Result<Vec<_>, _>>()?;

    let mapping_ix = index_ids(pb.mapping.iter().map(|m| m.id), "mapping")?;
    let mappings = pb
        .mapping
        .iter()
        .map(|m| {
            Ok(Mapping {
                id: m.id,
                start: m.memory_start,
                limit: m.memory_limit,
                offset: m.file_offset,
                file: strings.get(m.filename, "a mapping's file name")?,
                build_id: strings.get(m.build_id, "a mapping's build id")?,
                has_functions: m.has_functions,
                has_filenames: m.has_filenames,
                has_line_numbers: m.has_line_numbers,
                has_inline_frames: m.has_inline_frames,
            })
        })
        .collect::<Result<Vec<_>, DecodeError>>()?;

    let function_ix = index_ids(pb.function.iter().map(|f| f.id), "function")?;

    let location_ix = index_ids(locs.locations.iter().map(|l| l.id), "location")?;
    // The locations become the model's in place: ids mapped to indexes.
    let mut locations = locs.locations;
    let mut wide = locs.wide_functions.into_iter().peekable();
    for (li, (l, &mapping_id)) in locations.iter_mut().zip(&locs.mapping_ids).enumerate() {
        l.mapping = match mapping_id {
            0 => None,
            id => Some(mapping_ix.get(id).ok_or_else(|| {
                DecodeError::Invalid(format!(
                    "location {} refers to mapping id {id}, which does not exist",
                    l.id
                ))
            })?),
        };
        for (i, ln) in l.lines.iter_mut().enumerate() {
            let id = match wide.peek() {
                Some(&(wl, wi, id)) if wl as usize == li && wi as usize == i => {
                    wide.next();
                    id
                }
                _ => ln.function as u64,
            };
            ln.function = function_ix.get(id).ok_or_else(|| {
                DecodeError::Invalid(format!(
                    "location {} refers to function id {id}, which does not exist",
                    l.id
                ))
            })?;
        }
    }
    drop(locs.mapping_ids);

    let mut interned = raw.interned;
    let mut sets = Vec::with_capacity(raw.sets.len());
    for set in &raw.sets {
        let mut labels = Vec::new();
        let mut num_labels = Vec::new();
        for l in set {
            let key = strings.get(l.key, "a label key")?;
            if l.str != 0 {
                labels.push((key, strings.get(l.str, "a label value")?));
            } else if l.num != 0 || l.num_unit != 0 {
                num_labels.push(NumLabel {
                    key,
                    value: l.num,
                    unit: strings.get(l.num_unit, "a label unit")?,
                });
            }
        }
        sets.push(interned.intern(LabelSet::new(labels, num_labels)));
    }
    // The samples become the model's in place: ids mapped to indexes.
    let mut samples = raw.samples;
    let mut wide = raw.wide.into_iter().peekable();
    for (si, &set) in raw.label_sets.iter().enumerate() {
        let missing = |id: u64| {
            DecodeError::Invalid(format!(
                "sample #{si} refers to location id {id}, which does not exist"
            ))
        };
        if wide.peek().is_some_and(|(i, _)| *i == si) {
            let (_, w) = wide.next().unwrap_or_default();
            samples.map_locations(si, |k, _| {
                let id = w[k];
                location_ix.get(id).ok_or_else(|| missing(id))
            })?;
        } else {
            samples.map_locations(si, |_, id| match location_ix.get(id as u64) {
                Some(ix) => Ok(ix),
                None => Err(missing(id as u64)),
            })?;
        }
        if let Some(l) = sets.get(set as usize) {
            samples.set_labels(si, l.clone());
        }
    }
    // File ids past 2^24 made every frame 4 bytes; indexes rarely need it.
    samples.narrow();

    let comments = pb
        .comment
        .iter()
        .map(|&c| strings.get(c, "a comment"))
        .collect::<Result<Vec<_>, _>>()?;
    let default_sample_type = strings.get(pb.default_sample_type, "the default sample type")?;
    let drop_frames = strings.get(pb.drop_frames, "drop_frames")?;
    let keep_frames = strings.get(pb.keep_frames, "keep_frames")?;
    let period_type = pb
        .period_type
        .as_ref()
        .map(|v| vt(v, "the period type"))
        .transpose()?;
    // Functions last, the table's last readers: a string is moved out
    // of the table into the first function that names it and shared by
    // the others (names were copied whole while the table still held them).
    let mut uses = vec![0u32; strings.0.len()];
    for f in &pb.function {
        for i in [f.name, f.system_name, f.filename] {
            if let Some(u) = usize::try_from(i).ok().and_then(|i| uses.get_mut(i)) {
                *u += 1;
            }
        }
    }
    let mut strings = strings;
    let mut shared = HashMap::default();
    let mut functions = Vec::with_capacity(pb.function.len());
    for f in &pb.function {
        let mut take = |i, what| strings.take_shared(i, what, &uses, &mut shared);
        functions.push(Function {
            id: f.id,
            name: take(f.name, "a function name")?,
            system_name: take(f.system_name, "a function's system name")?,
            filename: take(f.filename, "a function's file name")?,
            start_line: f.start_line,
        });
    }
    drop(strings);
    drop(shared);
    Ok(Profile {
        sample_types,
        default_sample_type,
        samples,
        locations,
        functions,
        mappings,
        drop_frames,
        keep_frames,
        time_nanos: pb.time_nanos,
        duration_nanos: pb.duration_nanos,
        period_type,
        period: pb.period,
        comments,
        goroutines: Vec::new(),
        format: Some(SourceFormat::Proto),
        kind_hint: String::new(),
    })
}

/// Encodes a model back into profile.proto bytes (used by tests and the
/// benchmark generator; ids are written as index + 1).
pub fn encode_proto(p: &Profile) -> Vec<u8> {
    let mut table: Vec<Vec<u8>> = vec![Vec::new()];
    let mut ix: HashMap<String, i64> = HashMap::new();
    ix.insert(String::new(), 0);
    let mut s = |v: &str| -> i64 {
        if let Some(&i) = ix.get(v) {
            return i;
        }
        let i = table.len() as i64;
        table.push(v.as_bytes().to_vec());
        ix.insert(v.to_string(), i);
        i
    };
    let mut pb = PbProfile {
        sample_type: p
            .sample_types
            .iter()
            .map(|v| PbValueType {
                r#type: s(&v.r#type),
                unit: s(&v.unit),
            })
            .collect(),
        ..Default::default()
    };
    for m in &p.mappings {
        pb.mapping.push(PbMapping {
            id: m.id,
            memory_start: m.start,
            memory_limit: m.limit,
            file_offset: m.offset,
            filename: s(&m.file),
            build_id: s(&m.build_id),
            has_functions: m.has_functions,
            has_filenames: m.has_filenames,
            has_line_numbers: m.has_line_numbers,
            has_inline_frames: m.has_inline_frames,
        });
    }
    for (i, f) in p.functions.iter().enumerate() {
        pb.function.push(PbFunction {
            id: i as u64 + 1,
            name: s(&f.name),
            system_name: s(&f.system_name),
            filename: s(&f.filename),
            start_line: f.start_line,
        });
    }
    for (i, l) in p.locations.iter().enumerate() {
        pb.location.push(PbLocation {
            id: i as u64 + 1,
            mapping_id: l.mapping.map(|m| p.mappings[m as usize].id).unwrap_or(0),
            address: l.address,
            line: l
                .lines
                .iter()
                .map(|ln| PbLine {
                    function_id: ln.function as u64 + 1,
                    line: ln.line,
                    column: ln.column.into(),
                })
                .collect(),
            is_folded: l.is_folded,
        });
    }
    for smp in &p.samples {
        let mut label: Vec<PbLabel> = smp
            .labels
            .strs
            .iter()
            .map(|(k, v)| PbLabel {
                key: s(k),
                str: s(v),
                num: 0,
                num_unit: 0,
            })
            .collect();
        label.extend(smp.labels.nums.iter().map(|n| PbLabel {
            key: s(&n.key),
            str: 0,
            num: n.value,
            num_unit: s(&n.unit),
        }));
        pb.sample.push(PbSample {
            location_id: smp.locations.iter().map(|l| l as u64 + 1).collect(),
            value: smp.values.to_vec(),
            label,
        });
    }
    pb.drop_frames = s(&p.drop_frames);
    pb.keep_frames = s(&p.keep_frames);
    pb.time_nanos = p.time_nanos;
    pb.duration_nanos = p.duration_nanos;
    pb.period_type = p.period_type.as_ref().map(|v| PbValueType {
        r#type: s(&v.r#type),
        unit: s(&v.unit),
    });
    pb.period = p.period;
    pb.comment = p.comments.iter().map(|c| s(c)).collect();
    pb.default_sample_type = s(&p.default_sample_type);
    pb.string_table = table;
    prost::Message::encode_to_vec(&pb)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prost_varint(mut s: &[u8]) -> Option<(u64, usize)> {
        let len = s.len();
        prost::encoding::decode_varint(&mut s)
            .ok()
            .map(|v| (v, len - s.len()))
    }

    fn ours(s: &[u8]) -> Option<(u64, usize)> {
        let mut rest = s;
        varint(&mut rest).map(|v| (v, s.len() - rest.len()))
    }

    #[test]
    fn varint_agrees_with_prost() {
        let mut cases: Vec<Vec<u8>> = Vec::new();
        for v in [
            0u64,
            1,
            127,
            128,
            300,
            16_383,
            16_384,
            u32::MAX as u64,
            1 << 56,
            u64::MAX,
        ] {
            let mut b = Vec::new();
            prost::encoding::encode_varint(v, &mut b);
            cases.push(b.clone());
            b.push(0x05); // bytes after it are left alone
            cases.push(b);
        }
        // Cut short, overlong, a tenth byte carrying more than the top bit.
        cases.push(vec![]);
        cases.push(vec![0x80]);
        cases.push(vec![0xff; 9]);
        cases.push([vec![0xff; 9], vec![0x01]].concat());
        cases.push([vec![0xff; 9], vec![0x02]].concat());
        cases.push(vec![0xff; 11]);
        cases.push([vec![0x80; 9], vec![0x00]].concat());
        for c in &cases {
            assert_eq!(ours(c), prost_varint(c), "{c:x?}");
        }
    }

    /// `merge_sample` against prost's own decoding of the same bytes.
    fn both(b: &[u8]) -> (Result<PbSample, ()>, Result<PbSample, ()>) {
        use prost::Message;
        let mut ours = PbSample::default();
        let ours = merge_sample(&mut ours, b).map(|_| ours).map_err(|_| ());
        (ours, PbSample::decode(b).map_err(|_| ()))
    }

    #[test]
    fn hand_parsed_samples_equal_prost() {
        use prost::encoding::{encode_key, encode_varint, WireType};
        let mut b = Vec::new();
        prost::encoding::uint64::encode_packed(1, &[7, 300, 1 << 33], &mut b);
        // Unpacked ids and values, split runs: all append.
        encode_key(1, WireType::Varint, &mut b);
        encode_varint(9, &mut b);
        prost::encoding::int64::encode_packed(2, &[-5, 6], &mut b);
        encode_key(2, WireType::Varint, &mut b);
        encode_varint(-1i64 as u64, &mut b);
        let label = PbLabel {
            key: 1,
            str: 2,
            num: -3,
            num_unit: 4,
        };
        prost::encoding::message::encode(3, &label, &mut b);
        // A label with an unknown field, and unknown fields of each kind.
        let mut l = Vec::new();
        encode_key(9, WireType::ThirtyTwoBit, &mut l);
        l.extend([1, 2, 3, 4]);
        encode_key(1, WireType::Varint, &mut l);
        encode_varint(5, &mut l);
        encode_key(3, WireType::LengthDelimited, &mut b);
        encode_varint(l.len() as u64, &mut b);
        b.extend(&l);
        encode_key(15, WireType::SixtyFourBit, &mut b);
        b.extend([0; 8]);
        encode_key(16, WireType::LengthDelimited, &mut b);
        b.extend([2, 0xff, 0xff]);
        encode_key(17, WireType::Varint, &mut b);
        encode_varint(u64::MAX, &mut b);
        let (ours, theirs) = both(&b);
        assert_eq!(ours, theirs);
        let s = ours.unwrap();
        assert_eq!(s.location_id.to_u64(), [7, 300, 1 << 33, 9]);
        assert_eq!(s.value, [-5, 6, -1]);
        assert_eq!(s.label.len(), 2);
        // Every cut of it fails where prost fails, and agrees where not.
        for n in 0..b.len() {
            let (ours, theirs) = both(&b[..n]);
            assert_eq!(ours.is_ok(), theirs.is_ok(), "cut at {n}");
            if let (Ok(a), Ok(t)) = (ours, theirs) {
                assert_eq!(a, t, "cut at {n}");
            }
        }
        // Wrong wire types for known fields, and field number 0.
        for bad in [
            vec![0x0d, 0, 0, 0, 0],
            vec![0x1d, 0, 0, 0, 0],
            vec![0x00, 1],
        ] {
            let (ours, theirs) = both(&bad);
            assert!(ours.is_err() && theirs.is_err(), "{bad:x?}");
        }
    }

    #[test]
    fn packed_runs_with_a_wide_id_and_cut_runs() {
        let read = |b: &[u8]| {
            let mut s = PbSample::default();
            merge_sample(&mut s, b).map(|_| s)
        };
        // An id past 32 bits inside a run widens the ones read before it.
        let ids: Vec<u64> = vec![1, 300, u32::MAX as u64 + 7, 5];
        let values: Vec<i64> = vec![-1, 0, i64::MAX, 42];
        let mut b = Vec::new();
        prost::encoding::uint64::encode_packed(1, &ids, &mut b);
        prost::encoding::int64::encode_packed(2, &values, &mut b);
        let s = read(&b).unwrap();
        assert_eq!(s.location_id.to_u64(), ids);
        assert_eq!(s.value, values);
        // The last varint of a run cut inside the run is an error.
        let mut cut = Vec::new();
        prost::encoding::encode_key(2, prost::encoding::WireType::LengthDelimited, &mut cut);
        cut.extend([2, 0x05, 0x80]);
        assert!(read(&cut).is_err());
        cut[1] = 3; // longer than what follows
        assert!(read(&cut).is_err());
    }

    #[test]
    fn function_strings_are_shared_not_copied() {
        let f = |name: &str, system_name: &str, filename: &str| Function {
            id: 0,
            name: name.into(),
            system_name: system_name.into(),
            filename: filename.into(),
            start_line: 0,
        };
        let mut p = Profile::default();
        p.functions = vec![
            f("main.a", "main.a", "x.go"),
            f("main.b", "", "x.go"),
            f("x.go", "main.c", "y.go"), // a file's name used as a name
            f("main.c", "main.c", "x.go"),
        ];
        // encode_proto writes each distinct string once, as Go does.
        let got = crate::decode::decode(&encode_proto(&p)).unwrap().functions;
        let text = |f: &Function| [&f.name, &f.system_name, &f.filename].map(|s| s.to_string());
        assert_eq!(
            got.iter().map(text).collect::<Vec<_>>(),
            p.functions.iter().map(text).collect::<Vec<_>>()
        );
        // One allocation per distinct string, whichever field reads it.
        assert!(Arc::ptr_eq(&got[0].name, &got[0].system_name));
        assert!(Arc::ptr_eq(&got[0].filename, &got[1].filename));
        assert!(Arc::ptr_eq(&got[0].filename, &got[2].name));
        assert!(Arc::ptr_eq(&got[0].filename, &got[3].filename));
        assert!(Arc::ptr_eq(&got[2].system_name, &got[3].name));
        assert!(Arc::ptr_eq(&got[3].name, &got[3].system_name));
    }

    #[test]
    fn a_real_profile_shares_each_function_name_with_its_system_name() {
        let bytes = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/go/h1-substring-retention/heap-3.pb.gz"
        ))
        .unwrap();
        let p = crate::decode::decode(&bytes).unwrap();
        assert!(p.functions.len() > 10);
        for f in &p.functions {
            assert_eq!(f.name, f.system_name);
            assert!(Arc::ptr_eq(&f.name, &f.system_name), "{}", f.name);
        }
    }
}

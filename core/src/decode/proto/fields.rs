//! The streaming field window: a stream's top-level fields, one at a time,
//! so neither the file nor its inflated bytes are ever whole in memory.

use super::reader::{BadKey, Reader};
use crate::decode::input::Stream;
use crate::error::DecodeError;
use prost::encoding::WireType;

/// A field as [`Fields::next`] hands it out: number, wire type, value.
pub(super) type Field<'a> = (u32, WireType, &'a [u8]);

/// A stream's top-level fields, one at a time, through a window that holds
/// the current field whole (fields are small: a sample, a location...).
pub(super) struct Fields<'s> {
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
    pub fn new(stream: Box<dyn Stream + 's>, limit: usize) -> Fields<'s> {
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
    pub fn next(&mut self) -> Result<Option<Field<'_>>, DecodeError> {
        // A key and a varint value take at most 20 bytes.
        self.fill(20)?;
        if self.start == self.end {
            return Ok(None);
        }
        let n = self.n;
        let bad = |what: String| DecodeError::Protobuf(format!("field #{n} {what}"));
        let mut r = Reader::new(&self.buf[self.start..self.end]);
        let (tag, wire) = match r.key() {
            Ok(k) => k,
            Err(BadKey::Cut) => {
                return Err(bad("has a key cut short or longer than 10 bytes".into()))
            }
            Err(BadKey::Number) => return Err(bad("has an invalid field number".into())),
        };
        let key_len = r.pos();
        let wt = match WireType::try_from(wire) {
            Ok(WireType::StartGroup | WireType::EndGroup) => {
                return Err(bad(format!(
                    "(number {tag}) is a group, which profile.proto never uses"
                )))
            }
            Ok(wt) => wt,
            Err(_) => return Err(bad(format!("(number {tag}) has invalid wire type {wire}"))),
        };
        let value_len = match wt {
            WireType::SixtyFourBit => 8,
            WireType::ThirtyTwoBit => 4,
            WireType::LengthDelimited => {
                let Some(len) = r.varint() else {
                    return Err(bad(format!(
                        "(number {tag}) has a length cut short or longer than 10 bytes"
                    )));
                };
                let prefix = r.pos() - key_len;
                match usize::try_from(len).ok().filter(|&l| l <= self.limit) {
                    Some(l) => prefix + l,
                    None => {
                        return Err(bad(format!(
                            "(number {tag}) announces {len} bytes, more than the limit"
                        )))
                    }
                }
            }
            _ => match r.varint() {
                Some(_) => r.pos() - key_len,
                None => return Err(bad(format!("(number {tag}) is cut short in a varint"))),
            },
        };
        self.start += key_len;
        self.fill(value_len)?;
        if self.end - self.start < value_len {
            return Err(bad(format!(
                "(number {tag}) is cut short: {value_len} bytes announced, {} left",
                self.end - self.start
            )));
        }
        let v = &self.buf[self.start..self.start + value_len];
        self.start += value_len;
        self.n += 1;
        Ok(Some((tag, wt, v)))
    }

    pub fn position(&self) -> usize {
        self.stream.position()
    }
}

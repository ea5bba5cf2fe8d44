//! The decoder's one varint reader: [`Reader`]. Every byte the decoder
//! reads by hand (field keys, lengths, sample values) goes through it;
//! what prost decodes (locations, functions, the profile's small fields)
//! goes through prost.

use crate::error::DecodeError;

/// Bytes `b[at..end]` read front to back by position. It indexes and never
/// reslices: a reslice is a call in the page's size-optimized build, and
/// these loops read millions of varints.
pub(super) struct Reader<'a> {
    b: &'a [u8],
    at: usize,
    end: usize,
}

/// Why a field key could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BadKey {
    /// The bytes end inside the key, or it runs past 10 bytes.
    Cut,
    /// Field number 0, or a key past 32 bits (prost's rule).
    Number,
}

impl<'a> Reader<'a> {
    #[inline(always)]
    pub fn new(b: &'a [u8]) -> Reader<'a> {
        Reader {
            b,
            at: 0,
            end: b.len(),
        }
    }

    #[inline(always)]
    pub fn done(&self) -> bool {
        self.at >= self.end
    }

    /// How many bytes have been read.
    #[inline(always)]
    pub fn pos(&self) -> usize {
        self.at
    }

    /// What is left to read.
    pub fn rest(&self) -> &'a [u8] {
        &self.b[self.at..self.end]
    }

    /// A base-128 varint; `None` when the bytes end inside it or it runs
    /// past 10 bytes (the tenth may only carry the top bit, as in prost).
    #[inline(always)]
    pub fn varint(&mut self) -> Option<u64> {
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

    /// A field's key: its number and wire type (0 to 7, unchecked), with
    /// the number checked as prost's `decode_key` checks it.
    #[inline(always)]
    pub fn key(&mut self) -> Result<(u32, u64), BadKey> {
        let key = match self.varint() {
            Some(k) => k,
            None => return Err(BadKey::Cut),
        };
        if key > u32::MAX as u64 || key >> 3 == 0 {
            return Err(BadKey::Number);
        }
        Ok(((key >> 3) as u32, key & 7))
    }

    /// A length-delimited field's bytes, as a reader of their own.
    #[inline(always)]
    pub fn delimited(&mut self) -> Option<Reader<'a>> {
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
    pub fn ends(&self) -> usize {
        let mut n = 0;
        let mut i = self.at;
        while i < self.end {
            n += (self.b[i] & 0x80 == 0) as usize;
            i += 1;
        }
        n
    }

    /// Skips an unknown field's value of wire type `wire` (not a group).
    pub fn skip(&mut self, wire: u64) -> Option<()> {
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

/// A length-delimited value without its length prefix (the window hands
/// out values as written, prefix included).
pub(super) fn payload(v: &[u8]) -> Result<&[u8], DecodeError> {
    let mut r = Reader::new(v);
    match r.varint() {
        Some(_) => Ok(r.rest()),
        None => Err(DecodeError::Protobuf("invalid varint".into())),
    }
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
        let mut r = Reader::new(s);
        r.varint().map(|v| (v, r.pos()))
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

    #[test]
    fn key_agrees_with_prost() {
        let mut cases: Vec<Vec<u8>> = Vec::new();
        for key in [
            0u64,
            1,
            7,
            8,
            10,
            0x12,
            15 << 3 | 5,
            u32::MAX as u64,
            1 << 32,
        ] {
            let mut b = Vec::new();
            prost::encoding::encode_varint(key, &mut b);
            cases.push(b);
        }
        cases.push(vec![0x80]);
        for c in &cases {
            let theirs = prost::encoding::decode_key(&mut &c[..]);
            let ours = Reader::new(c).key();
            // Wire types 6 and 7 are the caller's to refuse.
            let valid_wire = |w: u64| w <= 5;
            assert_eq!(
                ours.is_ok_and(|(_, w)| valid_wire(w)),
                theirs.is_ok(),
                "{c:x?}"
            );
            if let (Ok((t, w)), Ok((pt, pw))) = (ours, theirs) {
                assert_eq!((t, w), (pt, pw as u64), "{c:x?}");
            }
        }
    }
}

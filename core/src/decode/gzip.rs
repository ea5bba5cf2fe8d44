//! Gzip (RFC 1952) on top of miniz_oxide's raw inflate, with a hard cap on
//! the decompressed size so that a gzip bomb fails fast instead of eating
//! memory, and a progress callback for the page's progress bar.

use super::crc32::Crc32;
use super::input::{Input, Stream};
use crate::error::DecodeError;
use miniz_oxide::inflate::stream::{inflate, InflateState};
use miniz_oxide::{DataFormat, MZError, MZFlush, MZStatus};

/// True when the bytes start with the gzip magic number.
pub fn is_gzip(data: &[u8]) -> bool {
    data.len() >= 2 && data[0] == 0x1f && data[1] == 0x8b
}

/// Decompresses every member of a gzip file. `limit` caps the output size;
/// `progress` receives the number of input bytes consumed so far.
pub fn gunzip(
    data: &[u8],
    limit: usize,
    progress: &mut dyn FnMut(usize),
) -> Result<Vec<u8>, DecodeError> {
    let mut out: Vec<u8> = Vec::with_capacity(size_hint(&data).min(limit));
    let mut r = GzReader::new(&data, limit);
    let mut buf = vec![0u8; 256 * 1024];
    let mut last_report = 0;
    loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
        if r.position() - last_report >= 1 << 20 {
            last_report = r.position();
            progress(last_report);
        }
    }
    progress(data.len());
    Ok(out)
}

/// The output size to reserve. A single-member file's trailer states its
/// size (mod 2^32): reserved exactly, the buffer is never grown (growing
/// doubles, and the page's wasm memory keeps its peak). The trailer is
/// trusted only up to 64 × the input, beyond any real profile's ratio: a
/// bomb that lies gets 4 × and grows from there up to `limit`.
pub fn size_hint(data: &dyn Input) -> usize {
    let guess = data.len().saturating_mul(4);
    if data.len() < 18 {
        return guess;
    }
    let mut tail = [0u8; 4];
    data.read_at(data.len() - 4, &mut tail);
    let isize = u32::from_le_bytes(tail) as usize;
    if isize > 0 && isize <= data.len().saturating_mul(64) {
        isize
    } else {
        guess
    }
}

/// A gzip file inflated as it is read: every member in turn, each one's
/// CRC and length checked at its end, at most `limit` bytes out. The
/// compressed file is read a chunk at a time through [`Input`].
pub struct GzReader<'a> {
    input: &'a dyn Input,
    limit: usize,
    /// Compressed bytes `inbuf[at..filled]` start at file offset `base + at`.
    inbuf: Vec<u8>,
    base: usize,
    at: usize,
    filled: usize,
    state: Box<InflateState>,
    in_member: bool,
    members: usize,
    crc: Crc32,
    /// Whether members' CRCs are computed and checked.
    checked: bool,
    member_len: u64,
    total: usize,
    done: bool,
}

impl<'a> GzReader<'a> {
    pub fn new(input: &'a dyn Input, limit: usize) -> GzReader<'a> {
        GzReader {
            input,
            limit,
            inbuf: vec![0u8; 64 * 1024],
            base: 0,
            at: 0,
            filled: 0,
            state: InflateState::new_boxed(DataFormat::Raw),
            in_member: false,
            members: 0,
            crc: Crc32::new(),
            checked: true,
            member_len: 0,
            total: 0,
            done: false,
        }
    }

    /// With `false`, members' CRCs are neither computed nor checked (a
    /// pass that only counts, before one that checks: the CRC is a
    /// noticeable share of inflating in wasm). Lengths are still checked.
    pub fn checked(mut self, checked: bool) -> Self {
        self.checked = checked;
        self
    }

    fn pos(&self) -> usize {
        self.base + self.at
    }

    /// Drops what is buffered: reading resumes at file offset `pos`.
    fn seek(&mut self, pos: usize) {
        self.base = pos;
        self.at = 0;
        self.filled = 0;
    }

    /// At a member boundary: starts the next member, or ends the stream.
    fn start_member(&mut self) -> Result<bool, DecodeError> {
        let pos = self.pos();
        let len = self.input.len();
        if pos >= len && self.members > 0 {
            return Ok(false);
        }
        let mut hdr = vec![0u8; (len - pos.min(len)).min(64 * 1024)];
        self.input.read_at(pos, &mut hdr);
        if self.members > 0 && hdr.iter().all(|&b| b == 0) && self.all_zero_from(pos) {
            return Ok(false); // trailing zero padding is common and harmless
        }
        if !is_gzip(&hdr) {
            if self.members == 0 {
                return Err(DecodeError::Gzip("missing gzip magic number".into()));
            }
            return Err(DecodeError::Gzip(format!(
                "garbage after gzip member at byte {pos}"
            )));
        }
        let hlen = header_len(&hdr, len)?;
        self.seek(pos + hlen);
        self.state = InflateState::new_boxed(DataFormat::Raw);
        self.crc = Crc32::new();
        self.member_len = 0;
        self.in_member = true;
        Ok(true)
    }

    fn all_zero_from(&self, mut pos: usize) -> bool {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = self.input.read_at(pos, &mut buf);
            if n == 0 {
                return true;
            }
            if buf[..n].iter().any(|&b| b != 0) {
                return false;
            }
            pos += n;
        }
    }

    /// After a member's deflate data: checks its trailer.
    fn end_member(&mut self) -> Result<(), DecodeError> {
        let pos = self.pos();
        let mut trailer = [0u8; 8];
        if self.input.read_at(pos, &mut trailer) < 8 {
            return Err(DecodeError::GzipTruncated {
                offset: self.input.len(),
            });
        }
        let want_crc = u32::from_le_bytes(trailer[..4].try_into().unwrap_or_default());
        let want_len = u32::from_le_bytes(trailer[4..].try_into().unwrap_or_default());
        let crc = std::mem::take(&mut self.crc).finalize();
        if self.checked && crc != want_crc {
            return Err(DecodeError::GzipChecksum {
                found: crc,
                expected: want_crc,
            });
        }
        if self.member_len as u32 != want_len {
            return Err(DecodeError::Gzip(format!(
                "length mismatch: trailer says {want_len} bytes, got {}",
                self.member_len
            )));
        }
        self.seek(pos + 8);
        self.in_member = false;
        self.members += 1;
        Ok(())
    }
}

impl Stream for GzReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> Result<usize, DecodeError> {
        if out.is_empty() {
            return Ok(0);
        }
        loop {
            if self.done {
                return Ok(0);
            }
            if !self.in_member {
                if !self.start_member()? {
                    self.done = true;
                    return Ok(0);
                }
                continue;
            }
            if self.at == self.filled {
                self.base += self.filled;
                self.at = 0;
                self.filled = self.input.read_at(self.base, &mut self.inbuf);
            }
            let res = inflate(
                &mut self.state,
                &self.inbuf[self.at..self.filled],
                out,
                MZFlush::None,
            );
            self.at += res.bytes_consumed;
            let written = res.bytes_written;
            self.total += written;
            if self.total > self.limit {
                return Err(DecodeError::TooLarge { limit: self.limit });
            }
            if self.checked {
                self.crc.update(&out[..written]);
            }
            self.member_len += written as u64;
            let input_gone = self.at == self.filled && self.base + self.filled >= self.input.len();
            match res.status {
                Ok(MZStatus::StreamEnd) => self.end_member()?,
                Ok(_) | Err(MZError::Buf) => {
                    if written == 0
                        && res.bytes_consumed == 0
                        && (input_gone || self.at < self.filled)
                    {
                        // No input left, or inflate refused what there is.
                        return Err(DecodeError::GzipTruncated {
                            offset: self.input.len(),
                        });
                    }
                }
                Err(e) => {
                    return Err(DecodeError::Gzip(format!(
                        "invalid deflate data near byte {} ({e:?})",
                        self.pos()
                    )));
                }
            }
            if written > 0 {
                return Ok(written);
            }
        }
    }

    fn position(&self) -> usize {
        self.pos()
    }
}

/// The length of a member header at the start of `hdr` (up to 64 KiB of
/// the file from the member's start); `file_len` names where a cut file ends.
fn header_len(hdr: &[u8], file_len: usize) -> Result<usize, DecodeError> {
    let trunc = || DecodeError::GzipTruncated { offset: file_len };
    if hdr.len() < 10 {
        return Err(trunc());
    }
    if hdr[2] != 8 {
        return Err(DecodeError::Gzip(format!(
            "unsupported compression method {}",
            hdr[2]
        )));
    }
    let flags = hdr[3];
    if flags & 0xe0 != 0 {
        return Err(DecodeError::Gzip(format!(
            "reserved header flags set ({flags:#04x})"
        )));
    }
    let mut p = 10;
    if flags & 0x04 != 0 {
        // FEXTRA
        let xlen = hdr.get(p..p + 2).ok_or_else(trunc)?;
        p += 2 + u16::from_le_bytes([xlen[0], xlen[1]]) as usize;
    }
    for bit in [0x08u8, 0x10] {
        // FNAME, FCOMMENT: zero-terminated
        if flags & bit != 0 {
            let rest = hdr.get(p..).ok_or_else(trunc)?;
            let nul = rest.iter().position(|&b| b == 0).ok_or_else(trunc)?;
            p += nul + 1;
        }
    }
    if flags & 0x02 != 0 {
        p += 2; // FHCRC
    }
    if p > hdr.len() {
        return Err(trunc());
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gz(data: &[u8]) -> Vec<u8> {
        // A stored-block gzip built by hand keeps the test free of an encoder.
        let mut v = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
        v.extend(miniz_oxide::deflate::compress_to_vec(data, 6));
        v.extend(crate::decode::crc32::hash(data).to_le_bytes());
        v.extend((data.len() as u32).to_le_bytes());
        v
    }

    #[test]
    fn round_trip_and_multi_member() {
        let mut two = gz(b"hello ");
        two.extend(gz(b"world"));
        assert_eq!(gunzip(&two, 1 << 20, &mut |_| {}).unwrap(), b"hello world");
    }

    #[test]
    fn unchecked_reading_skips_only_the_crc() {
        let z = gz(b"some profile bytes");
        let mut bad = z.clone();
        let n = bad.len();
        bad[n - 6] ^= 0xff; // crc
        let read = |data: &[u8], checked: bool| {
            let mut r = GzReader::new(&data, 1 << 20).checked(checked);
            let mut out = Vec::new();
            crate::decode::input::read_to_end(&mut r, &mut out, 1 << 20).map(|_| out)
        };
        assert_eq!(read(&bad, false).unwrap(), b"some profile bytes");
        assert!(matches!(
            read(&bad, true),
            Err(DecodeError::GzipChecksum { .. })
        ));
        let mut short = z.clone();
        short[n - 2] ^= 0x01; // length
        assert!(matches!(read(&short, false), Err(DecodeError::Gzip(_))));
    }

    #[test]
    fn bomb_is_capped() {
        let big = vec![0u8; 10 << 20];
        let z = gz(&big);
        assert!(z.len() < 100_000);
        assert_eq!(
            gunzip(&z, 1 << 20, &mut |_| {}),
            Err(DecodeError::TooLarge { limit: 1 << 20 })
        );
    }

    #[test]
    fn truncated_and_corrupt() {
        let z = gz(b"some profile bytes, some profile bytes, some profile bytes");
        for cut in [3, 10, z.len() / 2, z.len() - 4] {
            let e = gunzip(&z[..cut], 1 << 20, &mut |_| {}).unwrap_err();
            assert!(
                matches!(e, DecodeError::GzipTruncated { .. } | DecodeError::Gzip(_)),
                "{cut}: {e}"
            );
        }
        let mut bad = z.clone();
        let n = bad.len();
        bad[n - 6] ^= 0xff; // crc
        assert!(matches!(
            gunzip(&bad, 1 << 20, &mut |_| {}),
            Err(DecodeError::GzipChecksum { .. })
        ));
    }
}

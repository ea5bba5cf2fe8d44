//! Gzip (RFC 1952) on top of miniz_oxide's raw inflate, with a hard cap on
//! the decompressed size so that a gzip bomb fails fast instead of eating
//! memory, and a progress callback for the page's progress bar.

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
    let mut out: Vec<u8> = Vec::with_capacity(size_hint(data).min(limit));
    let mut pos = 0;
    let mut member = 0;
    while pos < data.len() {
        if member > 0 && data[pos..].iter().all(|&b| b == 0) {
            break; // trailing zero padding is common and harmless
        }
        if !is_gzip(&data[pos..]) {
            if member == 0 {
                return Err(DecodeError::Gzip("missing gzip magic number".into()));
            }
            return Err(DecodeError::Gzip(format!("garbage after gzip member at byte {pos}")));
        }
        let start_len = out.len();
        pos = inflate_member(data, pos, limit, &mut out, progress)?;
        let crc = crc32fast::hash(&out[start_len..]);
        if data.len() < pos + 8 {
            return Err(DecodeError::GzipTruncated { offset: data.len() });
        }
        let want_crc = u32::from_le_bytes(data[pos..pos + 4].try_into().unwrap());
        let want_len = u32::from_le_bytes(data[pos + 4..pos + 8].try_into().unwrap());
        if crc != want_crc {
            return Err(DecodeError::GzipChecksum { found: crc, expected: want_crc });
        }
        if (out.len() - start_len) as u32 != want_len {
            return Err(DecodeError::Gzip(format!(
                "length mismatch: trailer says {want_len} bytes, got {}",
                out.len() - start_len
            )));
        }
        pos += 8;
        member += 1;
    }
    progress(data.len());
    Ok(out)
}

/// The output size to reserve. A single-member file's trailer states its
/// size (mod 2^32): reserved exactly, the buffer is never grown (growing
/// doubles, and the page's wasm memory keeps its peak). The trailer is
/// trusted only up to 64 × the input, beyond any real profile's ratio: a
/// bomb that lies gets 4 × and grows from there up to `limit`.
fn size_hint(data: &[u8]) -> usize {
    let guess = data.len().saturating_mul(4);
    if data.len() < 18 {
        return guess;
    }
    let isize = u32::from_le_bytes(data[data.len() - 4..].try_into().unwrap_or_default()) as usize;
    if isize > 0 && isize <= data.len().saturating_mul(64) { isize } else { guess }
}

/// Parses one member header and inflates its body; returns the offset of
/// the 8-byte trailer.
fn inflate_member(
    data: &[u8],
    start: usize,
    limit: usize,
    out: &mut Vec<u8>,
    progress: &mut dyn FnMut(usize),
) -> Result<usize, DecodeError> {
    let hdr = &data[start..];
    if hdr.len() < 10 {
        return Err(DecodeError::GzipTruncated { offset: data.len() });
    }
    if hdr[2] != 8 {
        return Err(DecodeError::Gzip(format!("unsupported compression method {}", hdr[2])));
    }
    let flags = hdr[3];
    if flags & 0xe0 != 0 {
        return Err(DecodeError::Gzip(format!("reserved header flags set ({flags:#04x})")));
    }
    let mut p = 10;
    let trunc = || DecodeError::GzipTruncated { offset: data.len() };
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
    let mut pos = start + p;
    let mut state = InflateState::new_boxed(DataFormat::Raw);
    let mut buf = vec![0u8; 256 * 1024];
    let mut last_report = pos;
    loop {
        let res = inflate(&mut state, &data[pos..], &mut buf, MZFlush::None);
        pos += res.bytes_consumed;
        if out.len() + res.bytes_written > limit {
            return Err(DecodeError::TooLarge { limit });
        }
        out.extend_from_slice(&buf[..res.bytes_written]);
        if pos - last_report >= 1 << 20 {
            last_report = pos;
            progress(pos);
        }
        match res.status {
            Ok(MZStatus::StreamEnd) => return Ok(pos),
            Ok(_) => {
                if res.bytes_consumed == 0 && res.bytes_written == 0 {
                    return Err(DecodeError::GzipTruncated { offset: data.len() });
                }
            }
            Err(MZError::Buf) => {
                if pos >= data.len() {
                    return Err(DecodeError::GzipTruncated { offset: data.len() });
                }
            }
            Err(e) => {
                return Err(DecodeError::Gzip(format!("invalid deflate data near byte {pos} ({e:?})")))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gz(data: &[u8]) -> Vec<u8> {
        // A stored-block gzip built by hand keeps the test free of an encoder.
        let mut v = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
        v.extend(miniz_oxide::deflate::compress_to_vec(data, 6));
        v.extend(crc32fast::hash(data).to_le_bytes());
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
    fn bomb_is_capped() {
        let big = vec![0u8; 10 << 20];
        let z = gz(&big);
        assert!(z.len() < 100_000);
        assert_eq!(gunzip(&z, 1 << 20, &mut |_| {}), Err(DecodeError::TooLarge { limit: 1 << 20 }));
    }

    #[test]
    fn truncated_and_corrupt() {
        let z = gz(b"some profile bytes, some profile bytes, some profile bytes");
        for cut in [3, 10, z.len() / 2, z.len() - 4] {
            let e = gunzip(&z[..cut], 1 << 20, &mut |_| {}).unwrap_err();
            assert!(matches!(e, DecodeError::GzipTruncated { .. } | DecodeError::Gzip(_)), "{cut}: {e}");
        }
        let mut bad = z.clone();
        let n = bad.len();
        bad[n - 6] ^= 0xff; // crc
        assert!(matches!(gunzip(&bad, 1 << 20, &mut |_| {}), Err(DecodeError::GzipChecksum { .. })));
    }
}

//! Where a file's bytes come from, and the byte streams read from it.
//!
//! Decoding reads a file through [`Input`] rather than a slice so that the
//! page's worker can leave a dropped file in its JavaScript `ArrayBuffer`
//! and copy it into wasm memory a chunk at a time: wasm memory never
//! shrinks, and the file, the inflated bytes and the model side by side
//! would set the worker's peak. A profile is inflated and parsed as a
//! [`Stream`], so its inflated bytes never exist whole either.

use crate::error::DecodeError;

/// A file that can be read at any offset.
pub trait Input {
    fn len(&self) -> usize;

    /// Copies bytes from `pos` into `buf` and returns how many: as many as
    /// fit, fewer only at the end of the file.
    fn read_at(&self, pos: usize, buf: &mut [u8]) -> usize;

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The whole file, when it is in memory already (text formats are
    /// then parsed where they are, not copied).
    fn as_slice(&self) -> Option<&[u8]> {
        None
    }
}

impl Input for &[u8] {
    fn len(&self) -> usize {
        <[u8]>::len(self)
    }

    fn as_slice(&self) -> Option<&[u8]> {
        Some(self)
    }

    fn read_at(&self, pos: usize, buf: &mut [u8]) -> usize {
        let src = self.get(pos..).unwrap_or_default();
        let n = src.len().min(buf.len());
        buf[..n].copy_from_slice(&src[..n]);
        n
    }
}

impl Input for Vec<u8> {
    fn len(&self) -> usize {
        <[u8]>::len(self)
    }

    fn read_at(&self, pos: usize, buf: &mut [u8]) -> usize {
        (&self[..]).read_at(pos, buf)
    }

    fn as_slice(&self) -> Option<&[u8]> {
        Some(self)
    }
}

/// Bytes read front to back (a file as is, or inflated).
pub trait Stream {
    /// Fills the start of `buf`; 0 means the end.
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, DecodeError>;

    /// How far into the file (its own bytes, compressed or not) reading is.
    fn position(&self) -> usize;
}

/// An uncompressed file as a stream.
pub struct Plain<'a> {
    input: &'a dyn Input,
    pos: usize,
}

impl<'a> Plain<'a> {
    pub fn new(input: &'a dyn Input) -> Plain<'a> {
        Plain { input, pos: 0 }
    }
}

impl Stream for Plain<'_> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, DecodeError> {
        let n = self.input.read_at(self.pos, buf);
        self.pos += n;
        Ok(n)
    }

    fn position(&self) -> usize {
        self.pos
    }
}

/// Reads up to `n` bytes from the start of a stream (fewer at its end).
pub fn read_head(s: &mut dyn Stream, n: usize) -> Result<Vec<u8>, DecodeError> {
    let mut head = vec![0u8; n];
    let mut got = 0;
    while got < n {
        let k = s.read(&mut head[got..])?;
        if k == 0 {
            break;
        }
        got += k;
    }
    head.truncate(got);
    Ok(head)
}

/// Appends the rest of a stream to `out`, refusing more than `limit` bytes in all.
pub fn read_to_end(s: &mut dyn Stream, out: &mut Vec<u8>, limit: usize) -> Result<(), DecodeError> {
    loop {
        if out.len() == out.capacity() {
            out.try_reserve(out.capacity().max(64 * 1024))
                .map_err(|_| DecodeError::TooLarge { limit: out.len() })?;
        }
        let len = out.len();
        let spare = out.capacity() - len;
        out.resize(len + spare, 0);
        let k = s.read(&mut out[len..])?;
        out.truncate(len + k);
        if k == 0 {
            return Ok(());
        }
        if out.len() > limit {
            return Err(DecodeError::TooLarge { limit });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_read_at_any_offset() {
        let data = b"0123456789".to_vec();
        let mut buf = [0u8; 4];
        assert_eq!(data.read_at(8, &mut buf), 2);
        assert_eq!(&buf[..2], b"89");
        assert_eq!(data.read_at(11, &mut buf), 0);
        let mut s = Plain::new(&data);
        assert_eq!(read_head(&mut s, 3).unwrap(), b"012");
        let mut rest = Vec::new();
        read_to_end(&mut s, &mut rest, 100).unwrap();
        assert_eq!(rest, b"3456789");
        assert_eq!(s.position(), 10);
        let mut s = Plain::new(&data);
        assert_eq!(
            read_to_end(&mut s, &mut Vec::new(), 5),
            Err(DecodeError::TooLarge { limit: 5 })
        );
    }
}

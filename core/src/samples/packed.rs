//! Location indexes packed 3 bytes each while every one is under 2^24
//! (a profile has far fewer locations than that), else 4: the frames are
//! most of a big profile's model, and a u32's top byte would be zero.

use serde::{Deserialize, Serialize};

const NARROW: usize = 3;
const WIDE: usize = 4;

/// Frame ids in one byte vector. Positions and lengths count frames.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Packed {
    width: usize,
    bytes: Vec<u8>,
}

impl Default for Packed {
    fn default() -> Self {
        Packed {
            width: NARROW,
            bytes: Vec::new(),
        }
    }
}

fn fits(id: u32) -> bool {
    id < 1 << 24
}

impl Packed {
    #[inline(always)]
    pub fn len(&self) -> usize {
        self.bytes.len() / self.width
    }

    pub fn capacity(&self) -> usize {
        self.bytes.capacity() / self.width
    }

    pub fn try_reserve_exact(
        &mut self,
        frames: usize,
    ) -> Result<(), std::collections::TryReserveError> {
        self.bytes
            .try_reserve_exact(frames.saturating_mul(self.width))
    }

    pub fn shrink_to_fit(&mut self) {
        self.bytes.shrink_to_fit();
    }

    pub fn truncate(&mut self, frames: usize) {
        self.bytes.truncate(frames * self.width);
    }

    pub fn get(&self, i: usize) -> u32 {
        read(&self.bytes, self.width, i)
    }

    /// Frames `a..b`.
    #[inline(always)]
    pub fn slice(&self, a: usize, b: usize) -> Frames<'_> {
        Frames {
            bytes: &self.bytes[a * self.width..b * self.width],
            width: self.width,
        }
    }

    /// Frames `a..b` as bytes: equal frames are equal bytes.
    pub fn raw(&self, a: usize, b: usize) -> &[u8] {
        &self.bytes[a * self.width..b * self.width]
    }

    pub fn extend(&mut self, ids: &[u32]) {
        // Plain loops and byte stores: this runs for every frame of every
        // sample, and the page's size-optimized build keeps iterator
        // adapters and `copy_from_slice` as calls.
        let mut any = 0;
        for &id in ids {
            any |= id;
        }
        if self.width == NARROW && !fits(any) {
            self.widen();
        }
        // Through a buffer on the stack, one copy per 64 frames.
        let w = self.width;
        self.bytes.reserve(ids.len() * w);
        let mut buf = [0u8; 64 * WIDE];
        for chunk in ids.chunks(64) {
            let mut k = 0;
            for &id in chunk {
                let b = id.to_le_bytes();
                buf[k] = b[0];
                buf[k + 1] = b[1];
                buf[k + 2] = b[2];
                buf[k + 3] = b[3];
                k += w;
            }
            self.bytes.extend_from_slice(&buf[..k]);
        }
    }

    /// Maps frames `a..b` through `f`, in place.
    pub fn map<E>(
        &mut self,
        a: usize,
        b: usize,
        mut f: impl FnMut(usize, u32) -> Result<u32, E>,
    ) -> Result<(), E> {
        let w = self.width;
        let mut wide_from = None;
        // Plain indexing (every frame of every sample goes through here
        // once; see `extend`).
        let bytes = &mut self.bytes[a * w..b * w];
        let mut k = 0;
        while k < b - a {
            let at = k * w;
            let old = if w == NARROW {
                u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], 0])
            } else {
                u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
            };
            let id = f(k, old)?;
            if w == NARROW && !fits(id) {
                wide_from = Some((k, id));
                break;
            }
            let new = id.to_le_bytes();
            bytes[at] = new[0];
            bytes[at + 1] = new[1];
            bytes[at + 2] = new[2];
            if w == WIDE {
                bytes[at + 3] = new[3];
            }
            k += 1;
        }
        // Rare (over 16M locations): every frame widens, the rest one by one.
        if let Some((k, id)) = wide_from {
            self.set(a + k, id);
            for j in k + 1..b - a {
                let id = f(j, self.get(a + j))?;
                self.set(a + j, id);
            }
        }
        Ok(())
    }

    /// Sets frame `i` (every frame is 4 bytes from then on if `id` needs it).
    pub fn set(&mut self, i: usize, id: u32) {
        if self.width == NARROW && !fits(id) {
            self.widen();
        }
        let w = self.width;
        self.bytes[i * w..(i + 1) * w].copy_from_slice(&id.to_le_bytes()[..w]);
    }

    /// Copies frames `a..b` to start at frame `to` (ranges may overlap).
    pub fn copy_within(&mut self, a: usize, b: usize, to: usize) {
        let w = self.width;
        self.bytes.copy_within(a * w..b * w, to * w);
    }

    /// Writes `ids` from frame `at` on, over what is there.
    pub fn write(&mut self, at: usize, ids: &[u32]) {
        for (k, &id) in ids.iter().enumerate() {
            self.set(at + k, id);
        }
    }

    fn widen(&mut self) {
        let mut wide = Vec::with_capacity(self.len() * WIDE);
        for i in 0..self.len() {
            wide.extend_from_slice(&self.get(i).to_le_bytes());
        }
        self.bytes = wide;
        self.width = WIDE;
    }

    /// Back to 3 bytes a frame, in place, when every id fits (after file
    /// ids became indexes).
    pub fn narrow(&mut self) {
        if self.width == NARROW || !(0..self.len()).all(|i| fits(self.get(i))) {
            return;
        }
        let n = self.len();
        for i in 0..n {
            let b = self.get(i).to_le_bytes();
            self.bytes[i * NARROW..(i + 1) * NARROW].copy_from_slice(&b[..NARROW]);
        }
        self.bytes.truncate(n * NARROW);
        self.width = NARROW;
    }
}

#[inline(always)]
fn read(bytes: &[u8], width: usize, i: usize) -> u32 {
    decode(&bytes[i * width..(i + 1) * width])
}

/// One frame's bytes (3 or 4) as its id.
#[inline(always)]
fn decode(b: &[u8]) -> u32 {
    match *b {
        [x, y, z] => u32::from_le_bytes([x, y, z, 0]),
        [x, y, z, w] => u32::from_le_bytes([x, y, z, w]),
        _ => 0,
    }
}

/// A sample's frames (leaf first), read as `u32` location indexes.
#[derive(Clone, Copy)]
pub struct Frames<'a> {
    bytes: &'a [u8],
    width: usize,
}

impl<'a> Frames<'a> {
    pub fn len(&self) -> usize {
        self.bytes.len() / self.width
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Frame `i` (panics past the end, like indexing).
    #[inline(always)]
    pub fn get(&self, i: usize) -> u32 {
        read(self.bytes, self.width, i)
    }

    #[inline(always)]
    pub fn iter(&self) -> FramesIter<'a> {
        FramesIter {
            chunks: self.bytes.chunks_exact(self.width),
        }
    }

    /// Calls `f` with each frame, root first. A plain loop rather than
    /// `iter().rev()`: in the page's size-optimized build the iterator
    /// adapters stay calls, and the reports' hot loops go through here.
    #[inline(always)]
    pub fn each_root_first(&self, mut f: impl FnMut(u32)) {
        let w = self.width;
        let mut end = self.bytes.len();
        while end >= w {
            end -= w;
            f(decode(&self.bytes[end..end + w]));
        }
    }

    pub fn to_vec(self) -> Vec<u32> {
        self.iter().collect()
    }
}

impl PartialEq for Frames<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl std::fmt::Debug for Frames<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a> IntoIterator for Frames<'a> {
    type Item = u32;
    type IntoIter = FramesIter<'a>;

    fn into_iter(self) -> FramesIter<'a> {
        self.iter()
    }
}

/// The frames one by one, walking the bytes a frame at a time (the
/// reports' hot loops read millions).
#[derive(Clone)]
pub struct FramesIter<'a> {
    chunks: std::slice::ChunksExact<'a, u8>,
}

impl Iterator for FramesIter<'_> {
    type Item = u32;

    #[inline(always)]
    fn next(&mut self) -> Option<u32> {
        // A match, not `Option::map`: the page's size-optimized build
        // would leave that generic helper a call in every hot loop.
        #[allow(clippy::manual_map)]
        match self.chunks.next() {
            Some(b) => Some(decode(b)),
            None => None,
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.chunks.size_hint()
    }
}

impl DoubleEndedIterator for FramesIter<'_> {
    #[inline(always)]
    fn next_back(&mut self) -> Option<u32> {
        #[allow(clippy::manual_map)]
        match self.chunks.next_back() {
            Some(b) => Some(decode(b)),
            None => None,
        }
    }
}

impl ExactSizeIterator for FramesIter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_bytes_until_an_id_needs_four_and_back() {
        let mut p = Packed::default();
        p.extend(&[1, 2, 0xff_ffff]);
        assert_eq!((p.width, p.len()), (3, 3));
        assert_eq!(p.slice(0, 3).to_vec(), [1, 2, 0xff_ffff]);
        p.extend(&[1 << 24]);
        assert_eq!((p.width, p.len()), (4, 4));
        assert_eq!(p.slice(0, 4).to_vec(), [1, 2, 0xff_ffff, 1 << 24]);
        assert_eq!(
            p.slice(1, 4).iter().rev().collect::<Vec<_>>(),
            [1 << 24, 0xff_ffff, 2]
        );
        p.set(3, 7);
        p.narrow();
        // Mapping past 2^24 widens mid-way; the rest is still mapped.
        let mut q = Packed::default();
        q.extend(&[1, 2, 3]);
        q.map(0, 3, |k, id| {
            Ok::<_, ()>(if k == 1 { 1 << 25 } else { id * 10 })
        })
        .unwrap();
        assert_eq!(
            (q.width, q.slice(0, 3).to_vec()),
            (4, vec![10, 1 << 25, 30])
        );
        assert_eq!(
            (p.width, p.slice(0, 4).to_vec()),
            (3, vec![1, 2, 0xff_ffff, 7])
        );
        p.set(0, u32::MAX);
        assert_eq!(p.slice(0, 4).to_vec(), [u32::MAX, 2, 0xff_ffff, 7]);
        p.copy_within(1, 4, 0);
        p.truncate(3);
        assert_eq!(p.slice(0, 3).to_vec(), [2, 0xff_ffff, 7]);
        assert!(p.slice(0, 0).is_empty());
        assert_eq!(p.slice(0, 3).len(), 3);
    }
}

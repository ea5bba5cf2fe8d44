//! CRC-32 (IEEE, as gzip uses it), slicing by 16 bytes.
//!
//! Why not crc32fast: its tables are constants that do not compress, so
//! the page would download them whole (bench/measured-once.md). The same
//! tables are computed here on first use (microseconds).

use std::sync::OnceLock;

const POLY: u32 = 0xedb8_8320;

type Tables = [[u32; 256]; 16];

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Box<Tables>> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut t = Box::new([[0u32; 256]; 16]);
        for i in 0..256u32 {
            let mut c = i;
            for _ in 0..8 {
                c = if c & 1 != 0 { POLY ^ (c >> 1) } else { c >> 1 };
            }
            t[0][i as usize] = c;
        }
        for i in 0..256 {
            for k in 1..16 {
                let prev = t[k - 1][i];
                t[k][i] = (prev >> 8) ^ t[0][(prev & 0xff) as usize];
            }
        }
        t
    })
}

/// A running CRC-32 over bytes given in any number of pieces.
#[derive(Clone)]
pub struct Crc32 {
    state: u32,
}

impl Default for Crc32 {
    fn default() -> Self {
        Self::new()
    }
}

impl Crc32 {
    pub fn new() -> Crc32 {
        Crc32 { state: !0 }
    }

    pub fn update(&mut self, bytes: &[u8]) {
        let t = tables();
        let mut c = self.state;
        let mut chunks = bytes.chunks_exact(16);
        for b in &mut chunks {
            let lo = c ^ u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            c = t[15][(lo & 0xff) as usize]
                ^ t[14][((lo >> 8) & 0xff) as usize]
                ^ t[13][((lo >> 16) & 0xff) as usize]
                ^ t[12][(lo >> 24) as usize]
                ^ t[11][b[4] as usize]
                ^ t[10][b[5] as usize]
                ^ t[9][b[6] as usize]
                ^ t[8][b[7] as usize]
                ^ t[7][b[8] as usize]
                ^ t[6][b[9] as usize]
                ^ t[5][b[10] as usize]
                ^ t[4][b[11] as usize]
                ^ t[3][b[12] as usize]
                ^ t[2][b[13] as usize]
                ^ t[1][b[14] as usize]
                ^ t[0][b[15] as usize];
        }
        for &b in chunks.remainder() {
            c = (c >> 8) ^ t[0][((c ^ b as u32) & 0xff) as usize];
        }
        self.state = c;
    }

    pub fn finalize(&self) -> u32 {
        !self.state
    }
}

/// The CRC-32 of `bytes` in one piece.
pub fn hash(bytes: &[u8]) -> u32 {
    let mut c = Crc32::new();
    c.update(bytes);
    c.finalize()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // The check value every CRC-32/ISO-HDLC implementation must give.
        assert_eq!(hash(b"123456789"), 0xcbf4_3926);
        assert_eq!(hash(b""), 0);
        assert_eq!(hash(b"a"), 0xe8b7_be43);
    }

    #[test]
    fn agrees_with_crc32fast_in_any_pieces() {
        // Pseudo-random bytes (xorshift) so every table lane is exercised.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let data: Vec<u8> = (0..10_007)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        for len in [0, 1, 15, 16, 17, 31, 32, 33, 1000, data.len()] {
            assert_eq!(
                hash(&data[..len]),
                crc32fast::hash(&data[..len]),
                "len {len}"
            );
        }
        for piece in [1, 3, 16, 17, 4096] {
            let mut c = Crc32::new();
            for p in data.chunks(piece) {
                c.update(p);
            }
            assert_eq!(c.finalize(), crc32fast::hash(&data), "pieces of {piece}");
        }
    }
}

//! Finding equal items without a map of keys: items are chained per hash
//! bucket and compared in place. A hash map keyed by the items' fields
//! (or by copies of them) costs several times more per item, and on big
//! profiles its peak would be the peak of opening a file or building Top.

pub fn hash_of<T: std::hash::Hash + ?Sized>(v: &T) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    v.hash(&mut h);
    h.finish()
}

/// Items chained per hash bucket: a power-of-two table of each bucket's
/// newest item and one link per item, 8 bytes an item.
pub struct Chains {
    heads: Vec<u32>,
    next: Vec<u32>,
    shift: u32,
}

impl Chains {
    /// For item ids below `n`.
    pub fn new(n: usize) -> Chains {
        // About one bucket for one to two items: chains stay short.
        let size = (n.next_power_of_two() / 2).max(2);
        Chains {
            heads: vec![u32::MAX; size],
            next: vec![u32::MAX; n],
            shift: 64 - size.trailing_zeros(),
        }
    }

    fn bucket(&self, h: u64) -> usize {
        // Spread over all 64 bits first: an Fx hash is only 32 bits wide
        // on wasm32 (its state is a usize), and the top bits would be 0.
        (h.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> self.shift) as usize
    }

    /// The first item in `h`'s bucket that `eq` accepts.
    pub fn find(&self, h: u64, mut eq: impl FnMut(u32) -> bool) -> Option<u32> {
        let mut j = self.heads[self.bucket(h)];
        while j != u32::MAX {
            if eq(j) {
                return Some(j);
            }
            j = self.next[j as usize];
        }
        None
    }

    pub fn add(&mut self, h: u64, id: u32) {
        let b = self.bucket(h);
        self.next[id as usize] = self.heads[b];
        self.heads[b] = id;
    }
}

/// For each of `n` items, the index of the first item equal to it,
/// compared in place, never copied into keys.
pub fn first_equal(
    n: usize,
    hash: impl Fn(usize) -> u64,
    eq: impl Fn(usize, usize) -> bool,
) -> Vec<u32> {
    let mut chains = Chains::new(n);
    let mut canon = Vec::with_capacity(n);
    for i in 0..n {
        let h = hash(i);
        match chains.find(h, |j| eq(i, j as usize)) {
            Some(j) => canon.push(j),
            None => {
                chains.add(h, i as u32);
                canon.push(i as u32);
            }
        }
    }
    canon
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chains_spread_hashes_only_32_bits_wide() {
        // On wasm32 an Fx hash has its top 32 bits zero: buckets must
        // still spread, or merging is quadratic (it hung the page once).
        let n = 4096;
        let mut chains = Chains::new(n);
        let mut used = std::collections::HashSet::new();
        for i in 0..n as u64 {
            let h = i.wrapping_mul(0x2545_f491) & 0xffff_ffff;
            used.insert(chains.bucket(h));
            chains.add(h, i as u32);
        }
        // Half as many buckets as items: most should be used.
        assert!(used.len() > n / 4, "{} buckets for {n} items", used.len());
        let h = 77u64.wrapping_mul(0x2545_f491) & 0xffff_ffff;
        assert_eq!(chains.find(h, |j| j == 77), Some(77));
        assert_eq!(chains.find(h, |_| false), None);
    }

    #[test]
    fn first_equal_points_at_the_first_of_each_kind() {
        let items = [3, 1, 3, 2, 1, 3];
        let canon = first_equal(
            items.len(),
            |i| items[i] as u64 & 1,
            |i, j| items[i] == items[j],
        );
        assert_eq!(canon, [0, 1, 0, 3, 1, 0]);
    }
}

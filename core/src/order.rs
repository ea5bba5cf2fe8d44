//! Stable sorts that all share one instance of the standard library's
//! stable sort.
//!
//! Why: each `sort_by` with its own closure or element type is a separate
//! copy of the standard library's sort in the wasm. These sort `u32`
//! indexes through a comparator behind a reference, so there is a single
//! copy (`clippy.toml` keeps std's sorts out of every other file). A
//! comparison costs one indirect call more, which is small next to
//! comparing names.

// The one place std's sort is called (clippy.toml disallows it elsewhere).
#![allow(clippy::disallowed_methods)]

use std::cmp::Ordering;

/// Sorts `ids` by `cmp`, stably (equal ids keep their order).
pub fn sort_ids_by(ids: &mut [u32], cmp: impl Fn(u32, u32) -> Ordering) {
    sort_ids_dyn(ids, &cmp);
}

#[inline(never)]
fn sort_ids_dyn(ids: &mut [u32], cmp: &dyn Fn(u32, u32) -> Ordering) {
    ids.sort_by(|&a, &b| cmp(a, b));
}

/// Sorts `v` by `cmp`, stably, like `v.sort_by(cmp)`.
pub fn sort_by<T>(v: &mut Vec<T>, cmp: impl Fn(&T, &T) -> Ordering) {
    if v.len() < 2 {
        return;
    }
    // u32 indexes: sorting more than 4G items is out of reach here anyway.
    let mut ids: Vec<u32> = (0..v.len() as u32).collect();
    sort_ids_dyn(&mut ids, &|a, b| cmp(&v[a as usize], &v[b as usize]));
    // Move each item to its place: the new k-th is the old ids[k]-th.
    let mut old: Vec<Option<T>> = std::mem::take(v).into_iter().map(Some).collect();
    v.extend(ids.iter().filter_map(|&i| old[i as usize].take()));
}

/// Sorts `v` by a key, stably, like `v.sort_by_key(key)`.
pub fn sort_by_key<T, K: Ord>(v: &mut Vec<T>, key: impl Fn(&T) -> K) {
    sort_by(v, |a, b| key(a).cmp(&key(b)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_and_equal_to_the_standard_sort() {
        // Pseudo-random keys with many repeats; the index tags each item.
        let mut x = 12345u32;
        let items: Vec<(u32, usize)> = (0..2000)
            .map(|i| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                ((x >> 16) % 37, i)
            })
            .collect();
        let mut want = items.clone();
        want.sort_by_key(|t| t.0);
        let mut got = items.clone();
        sort_by_key(&mut got, |t| t.0);
        assert_eq!(got, want);
        let mut got = items.clone();
        sort_by(&mut got, |a, b| b.0.cmp(&a.0));
        want.sort_by_key(|t| std::cmp::Reverse(t.0));
        assert_eq!(got, want);

        let mut ids: Vec<u32> = (0..items.len() as u32).collect();
        sort_ids_by(&mut ids, |a, b| {
            items[a as usize].0.cmp(&items[b as usize].0)
        });
        let by_ids: Vec<_> = ids.iter().map(|&i| items[i as usize]).collect();
        let mut want = items.clone();
        want.sort_by_key(|t| t.0);
        assert_eq!(by_ids, want);
    }

    #[test]
    fn short_and_owned_items() {
        let mut empty: Vec<String> = Vec::new();
        sort_by_key(&mut empty, |s| s.len());
        assert!(empty.is_empty());
        let mut v = vec!["b".to_string(), "a".into(), "c".into(), "a".into()];
        sort_by(&mut v, |a, b| a.cmp(b));
        assert_eq!(v, ["a", "a", "b", "c"]);
    }
}

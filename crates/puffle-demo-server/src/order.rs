//! Total orders over rows: radix sorts by key and by id, and id lookups by binary search.

use uuid::Uuid;

/// A total order over rows plus its inverse (`rank[row] = position`), used to resume after a
/// cursor in O(1).
pub(crate) struct Ordering {
    pub rows: Vec<u32>,
    pub rank: Vec<u32>,
}

impl Ordering {
    /// Orders `by_id` (rows already sorted by id ascending) by `key` descending. The radix sort
    /// is stable, so ties keep id order: the order is total and stable.
    pub(crate) fn by_key_desc(by_id: &[u32], key: impl Fn(usize) -> u64) -> Ordering {
        let keys: Vec<u64> = (0..by_id.len()).map(key).collect();
        let max = keys.iter().copied().max().unwrap_or(0);
        let inverted: Vec<u64> = keys.iter().map(|k| max - k).collect();
        let mut rows = by_id.to_vec();
        radix_sort(&mut rows, &inverted);
        Ordering::from_rows(rows)
    }

    fn from_rows(rows: Vec<u32>) -> Ordering {
        let mut rank = vec![0u32; rows.len()];
        for (pos, &row) in rows.iter().enumerate() {
            rank[row as usize] = pos as u32;
        }
        Ordering { rows, rank }
    }
}

/// Stable LSD radix sort (16-bit digits) of `rows` by `keys[row]` ascending.
///
/// Used instead of a comparison sort because the crate itself is built without optimisation in
/// debug builds, where sorting 350,000 signals with `sort_by` takes the better part of a second;
/// a handful of linear passes keeps startup with 100,000 leads fast.
fn radix_sort(rows: &mut Vec<u32>, keys: &[u64]) {
    const BITS: u32 = 16;
    const MASK: u64 = (1 << BITS) - 1;
    let max = keys.iter().copied().max().unwrap_or(0);
    let mut buf = vec![0u32; rows.len()];
    let mut counts = vec![0usize; (1 << BITS) + 1];
    let mut shift = 0;
    while shift < 64 && max >> shift != 0 {
        counts.iter_mut().for_each(|c| *c = 0);
        for &row in rows.iter() {
            counts[((keys[row as usize] >> shift) & MASK) as usize + 1] += 1;
        }
        for i in 1..counts.len() {
            counts[i] += counts[i - 1];
        }
        for &row in rows.iter() {
            let digit = ((keys[row as usize] >> shift) & MASK) as usize;
            buf[counts[digit]] = row;
            counts[digit] += 1;
        }
        std::mem::swap(rows, &mut buf);
        shift += BITS;
    }
}

/// Row indices sorted by id ascending (UUID byte order, which equals the order of the lowercase
/// hyphenated strings).
///
/// Radix-sorts on the top 32 bits only (two passes), then fixes up the rare runs of ids sharing
/// those bits (a handful among hundreds of thousands of random ids) with a comparison sort.
pub(crate) fn sort_by_id(n: usize, id_of: impl Fn(usize) -> Uuid) -> Vec<u32> {
    let mut rows: Vec<u32> = (0..n as u32).collect();
    let top: Vec<u64> = (0..n).map(|i| (id_of(i).as_u128() >> 96) as u64).collect();
    radix_sort(&mut rows, &top);
    let mut start = 0;
    while start < rows.len() {
        let head = top[rows[start] as usize];
        let mut end = start + 1;
        while end < rows.len() && top[rows[end] as usize] == head {
            end += 1;
        }
        if end - start > 1 {
            rows[start..end].sort_unstable_by_key(|&r| id_of(r as usize));
        }
        start = end;
    }
    rows
}

/// The ids of `by_id`'s rows, in its order: a lookup then searches one contiguous array
/// instead of touching a scattered record at every step (a PATCH of 200 items looks up 200).
pub(crate) fn sorted_ids(by_id: &[u32], id_of: impl Fn(u32) -> Uuid) -> Vec<Uuid> {
    by_id.iter().map(|&r| id_of(r)).collect()
}

/// Binary search in rows sorted by id (`sorted` from [`sorted_ids`]).
pub(crate) fn find_by_id(by_id: &[u32], sorted: &[Uuid], id: &Uuid) -> Option<u32> {
    sorted
        .binary_search(id)
        .ok()
        .and_then(|pos| by_id.get(pos).copied())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    #[test]
    fn radix_sort_is_stable_and_ascending() {
        let keys = [5u64, 1, 70_000, 5, 0, 1 << 40, 1];
        let mut rows: Vec<u32> = (0..keys.len() as u32).collect();
        radix_sort(&mut rows, &keys);
        assert_eq!(rows, [4, 1, 6, 0, 3, 2, 5]);
    }

    #[test]
    fn sort_by_id_matches_a_comparison_sort_even_with_shared_prefixes() {
        let mut rng = Rng::new(7);
        let mut ids: Vec<Uuid> = (0..2_000).map(|_| rng.uuid()).collect();
        // Force ids that share their top 32 bits, to exercise the fix-up pass.
        for i in 0..50 {
            let base = ids[i].as_u128() & !((1u128 << 96) - 1);
            ids[i + 100] = Uuid::from_u128(base | (rng.next_u64() as u128));
            ids[i + 200] = Uuid::from_u128(base | (rng.next_u64() as u128));
        }
        let rows = sort_by_id(ids.len(), |i| ids[i]);
        let mut expected: Vec<u32> = (0..ids.len() as u32).collect();
        expected.sort_by_key(|&r| ids[r as usize]);
        assert_eq!(rows, expected);
        let sorted = sorted_ids(&rows, |r| ids[r as usize]);
        for (pos, &row) in rows.iter().enumerate() {
            let found = find_by_id(&rows, &sorted, &ids[row as usize]);
            assert_eq!(found, Some(row), "lookup at {pos}");
        }
        assert_eq!(find_by_id(&rows, &sorted, &Uuid::nil()), None);
        // String order agrees with byte order.
        let strings: Vec<String> = rows.iter().map(|&r| ids[r as usize].to_string()).collect();
        assert!(strings.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn by_key_desc_breaks_ties_by_id() {
        let ids: Vec<Uuid> = [3u128, 1, 2, 4].into_iter().map(Uuid::from_u128).collect();
        let keys = [10u64, 10, 20, 0];
        let by_id = sort_by_id(ids.len(), |i| ids[i]);
        let order = Ordering::by_key_desc(&by_id, |i| keys[i]);
        assert_eq!(order.rows, [2, 1, 0, 3]);
        assert_eq!(order.rank, [2, 1, 0, 3]);
    }
}

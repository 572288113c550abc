//! Sorting with one compiled sort for the whole core: each `sort_by` / `sort_by_key` with its
//! own element type and closure is a copy of the standard library's stable sort in the wasm
//! (about 3 KB each, issue 12), so the core sorts positions once, through a comparator passed
//! as `&dyn Fn`, and moves the elements into that order. Stable, like `slice::sort_by`.
//! Layer: core (pure).

use std::cmp::Ordering;

/// Sorts `items` by `order`, keeping equal elements in the order they came.
pub fn sort_by<T>(items: &mut Vec<T>, order: impl Fn(&T, &T) -> Ordering) {
    // cannot panic: `sorted_positions` passes only positions below `items.len()`.
    let positions = sorted_positions(items.len(), &|a, b| order(&items[a], &items[b]));
    arrange(items, positions);
}

/// Sorts `items` by the key each one has, computed once per element.
pub fn sort_by_key<T, K: Ord>(items: &mut Vec<T>, key: impl Fn(&T) -> K) {
    let keys: Vec<K> = items.iter().map(key).collect();
    // cannot panic: `sorted_positions` passes only positions below `keys.len()`.
    let positions = sorted_positions(keys.len(), &|a, b| keys[a].cmp(&keys[b]));
    arrange(items, positions);
}

/// `0..n` in the order `order` gives: the only sort the core compiles.
#[inline(never)]
fn sorted_positions(n: usize, order: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut positions: Vec<usize> = (0..n).collect();
    positions.sort_by(|a, b| order(*a, *b));
    positions
}

/// Moves each element of `items` to where `positions` (a permutation of its indices) puts it.
fn arrange<T>(items: &mut Vec<T>, positions: Vec<usize>) {
    let mut slots: Vec<Option<T>> = items.drain(..).map(Some).collect();
    items.extend(positions.into_iter().filter_map(|i| slots.get_mut(i).and_then(Option::take)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_like_the_standard_library_and_keeps_equal_elements_in_order() {
        let words = ["pear", "fig", "apple", "kiwi", "date", "plum", "lime", "", "fig"];
        let mut ours: Vec<(usize, &str)> = words.iter().copied().enumerate().collect();
        let mut std_sorted = ours.clone();
        sort_by_key(&mut ours, |(_, w)| w.len());
        std_sorted.sort_by_key(|(_, w)| w.len());
        assert_eq!(ours, std_sorted, "stable: equal lengths keep their first order");
        let mut ours: Vec<&str> = words.to_vec();
        sort_by(&mut ours, |a, b| b.cmp(a));
        let mut std_sorted = words.to_vec();
        std_sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(ours, std_sorted);
        let mut empty: Vec<String> = Vec::new();
        sort_by(&mut empty, |a, b| a.cmp(b));
        assert!(empty.is_empty());
    }
}

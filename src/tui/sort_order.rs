//! The order of a table's view: best filter match first, then the sort column's key, then
//! row order. Two ways to compute the same order: by key (one row placed into a view by
//! binary search) and by rank (a whole view sorted on a keystroke).

/// How a cell sorts: numbers before text, text case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum SortKey {
    Num(u64),
    Text(String),
}

impl SortKey {
    pub fn text(s: &str) -> Self {
        SortKey::Text(s.to_lowercase())
    }
}

/// The order of `(row, match score)` by the rows' keys.
pub(super) fn view_order(
    keys: &[SortKey],
    desc: bool,
    a: (usize, u32),
    b: (usize, u32),
) -> std::cmp::Ordering {
    let o = keys
        .get(a.0)
        .cmp(&keys.get(b.0))
        .then_with(|| a.0.cmp(&b.0));
    b.1.cmp(&a.1).then(if desc { o.reverse() } else { o })
}

/// Each row's place when the rows are ordered by `keys`, ties by row index.
pub(super) fn ranks_of(keys: &[SortKey]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..keys.len() as u32).collect();
    order.sort_by(|&a, &b| keys[a as usize].cmp(&keys[b as usize]).then(a.cmp(&b)));
    let mut ranks = vec![0; keys.len()];
    for (place, row) in order.into_iter().enumerate() {
        ranks[row as usize] = place as u32;
    }
    ranks
}

/// The same order as [`view_order`], from [`ranks_of`] those keys: two numbers compared
/// instead of two texts. With no sort column (no ranks) rows keep their order.
pub(super) fn by_rank(
    ranks: &[u32],
    desc: bool,
    a: (usize, u32),
    b: (usize, u32),
) -> std::cmp::Ordering {
    let rank = |i: usize| ranks.get(i).copied().unwrap_or(i as u32);
    let o = rank(a.0).cmp(&rank(b.0));
    b.1.cmp(&a.1).then(if desc { o.reverse() } else { o })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_order_rows_as_their_keys_do() {
        let keys = vec![
            SortKey::text("web-02"),
            SortKey::Num(7),
            SortKey::text("api-01"),
            SortKey::text("web-02"),
            SortKey::text("Db"),
        ];
        let ranks = ranks_of(&keys);
        for desc in [false, true] {
            for a in 0..keys.len() {
                for b in 0..keys.len() {
                    for (sa, sb) in [(0, 0), (3, 1), (1, 3)] {
                        assert_eq!(
                            by_rank(&ranks, desc, (a, sa), (b, sb)),
                            view_order(&keys, desc, (a, sa), (b, sb)),
                            "rows {a} {b}, scores {sa} {sb}, desc {desc}"
                        );
                    }
                }
            }
        }
    }
}

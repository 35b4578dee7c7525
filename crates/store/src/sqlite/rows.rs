//! The writer's bulk statements: many rows in one `INSERT … VALUES (…), (…)` (SQLite opens
//! the table's and indexes' cursors once per statement, not once per row), and instants in
//! the columns' text form without a format string on the hot path.
//!
//! Not for: reads.

use rusqlite::{CachedStatement, Connection};

/// Rows per statement, largest first: `n` rows go in statements of these sizes (so a table
/// needs at most four cached statements).
const CHUNKS: [usize; 4] = [64, 16, 4, 1];

/// `(start, len)` of each statement's rows when `n` rows are written.
pub(crate) fn chunks(n: usize) -> Vec<(usize, usize)> {
    let mut out = vec![];
    let mut start = 0;
    for size in CHUNKS {
        while n - start >= size {
            out.push((start, size));
            start += size;
        }
    }
    out
}

/// The cached statement `{head} VALUES (?, …), … {tail}` for `rows` rows of `cols` values,
/// bound by position: row `r`'s value `c` is parameter `r * cols + c + 1`.
pub(crate) fn statement<'c>(
    conn: &'c Connection,
    head: &str,
    cols: usize,
    rows: usize,
    tail: &str,
) -> rusqlite::Result<CachedStatement<'c>> {
    let mut sql = String::with_capacity(head.len() + tail.len() + rows * (cols * 2 + 4) + 8);
    sql.push_str(head);
    sql.push_str(" VALUES ");
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for c in 0..cols {
            if c > 0 {
                sql.push(',');
            }
            sql.push('?');
        }
        sql.push(')');
    }
    sql.push(' ');
    sql.push_str(tail);
    conn.prepare_cached(&sql)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_every_row_once_largest_first() {
        for n in 0..300 {
            let c = chunks(n);
            let mut next = 0;
            for (start, len) in &c {
                assert_eq!(*start, next);
                next += len;
            }
            assert_eq!(next, n);
            assert!(c.windows(2).all(|w| w[0].1 >= w[1].1));
        }
        assert_eq!(chunks(85), vec![(0, 64), (64, 16), (80, 4), (84, 1)]);
    }
}

//! The writer's bulk statements: many rows in one `INSERT … VALUES (…), (…)` (SQLite opens
//! the table's and indexes' cursors once per statement, not once per row), and instants in
//! the columns' text form without a format string on the hot path.
//!
//! Not for: reads.

use crate::instant;
use jiff::Timestamp;
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

/// An instant as [`instant::to_sql`] writes it (`2019-12-02T04:00:00.000Z`), formatted by
/// hand: the writer formats about a dozen per command.
pub(crate) fn ts(t: Timestamp) -> String {
    // jiff truncates toward zero: before 1970 the fraction is negative; floor it instead.
    let (mut secs, mut nanos) = (t.as_second(), t.subsec_nanosecond());
    if nanos < 0 {
        secs -= 1;
        nanos += 1_000_000_000;
    }
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil(days);
    if !(0..=9999).contains(&y) {
        return instant::to_sql(t);
    }
    let ms = nanos / 1_000_000;
    let mut b = [0u8; 24];
    let mut put = |at: usize, v: i64, width: usize| {
        let mut v = v;
        for i in (0..width).rev() {
            b[at + i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, y, 4);
    put(5, m, 2);
    put(8, d, 2);
    put(11, sod / 3600, 2);
    put(14, sod / 60 % 60, 2);
    put(17, sod % 60, 2);
    put(20, i64::from(ms), 3);
    b[4] = b'-';
    b[7] = b'-';
    b[10] = b'T';
    b[13] = b':';
    b[16] = b':';
    b[19] = b'.';
    b[23] = b'Z';
    b.iter().map(|&c| c as char).collect()
}

/// Year, month, day of a day count since 1970-01-01 (the proleptic Gregorian calendar).
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
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

    #[test]
    fn ts_is_to_sql() {
        let mut cases: Vec<Timestamp> = vec![
            "1970-01-01T00:00:00Z".parse().unwrap(),
            "1969-12-31T23:59:59.999Z".parse().unwrap(),
            "1969-12-31T23:59:59.0005Z".parse().unwrap(),
            "0000-03-01T00:00:00Z".parse().unwrap(),
            "2000-02-29T12:34:56.789123Z".parse().unwrap(),
            "2019-12-13T04:00:00Z".parse().unwrap(),
            "9999-12-30T21:59:59.999999999Z".parse().unwrap(),
            "-000001-06-01T00:00:00Z".parse().unwrap(),
            Timestamp::MIN,
            Timestamp::MAX,
        ];
        // A walk over four centuries with odd steps (days, seconds, nanoseconds).
        let mut t: Timestamp = "1900-01-01T00:00:00Z".parse().unwrap();
        let step = jiff::SignedDuration::new(86_400 * 7 + 3_601, 123_456_789);
        while t < "2300-01-01T00:00:00Z".parse().unwrap() {
            cases.push(t);
            t = t.checked_add(step).unwrap();
        }
        for t in cases {
            assert_eq!(ts(t), instant::to_sql(t), "{t}");
        }
    }
}

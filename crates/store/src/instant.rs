//! How instants are written in SQL columns: fixed-width UTC text with milliseconds,
//! `2019-12-02T04:00:00.000Z`, so that text order is time order and SQLite's date functions
//! read it. Not for: event bodies, which keep serde's exact RFC 3339 form.

use jiff::Timestamp;

/// The reference form of [`to_sql`], by jiff's formatter (years outside 0..=9999 take it).
fn strftime(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Instants in SQL columns are truncated to the millisecond; event JSON keeps full precision.
/// Formatted by hand (the same text as [`strftime`]): the writers format about a dozen per
/// command.
pub(crate) fn to_sql(t: Timestamp) -> String {
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
        return strftime(t);
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

pub(crate) fn from_sql(s: &str) -> Result<Timestamp, rusqlite::Error> {
    s.parse::<Timestamp>().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_width_and_round_trips_to_the_millisecond() {
        let t: Timestamp = "2019-12-02T04:00:00Z".parse().unwrap();
        assert_eq!(to_sql(t), "2019-12-02T04:00:00.000Z");
        let u: Timestamp = "2019-12-02T04:00:00.5Z".parse().unwrap();
        assert_eq!(to_sql(u), "2019-12-02T04:00:00.500Z");
        assert!(to_sql(t) < to_sql(u), "text order is time order");
        assert_eq!(from_sql(&to_sql(u)).unwrap(), u);
    }

    #[test]
    fn by_hand_is_strftime() {
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
            assert_eq!(to_sql(t), strftime(t), "{t}");
        }
    }
}

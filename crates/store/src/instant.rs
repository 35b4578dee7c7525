//! How instants are written in SQL columns: fixed-width UTC text with milliseconds,
//! `2019-12-02T04:00:00.000Z`, so that text order is time order and SQLite's date functions
//! read it. Not for: event bodies, which keep serde's exact RFC 3339 form.

use jiff::Timestamp;

/// Instants in SQL columns are truncated to the millisecond; event JSON keeps full precision.
pub(crate) fn to_sql(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
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
}

//! Property tests of the calendar's invariants: adding working days is monotonic, never lands
//! on a day off, and composes (`add(add(d, n), m) == add(d, n + m)` for `n, m >= 1`); adding
//! working time composes and ends inside working time.
//!
//! Not for: hand-computed dates (src/tests.rs) or the comparison with PyPI `holidays`.

use calendar::jiff::civil::{Date, date};
use calendar::jiff::{SignedDuration, Timestamp};
use calendar::{Calendar, Schedule};
use proptest::prelude::*;

/// Any day from 2013 to 2080: the confirmed years, the years computed from the fixed rules,
/// and past the precomputed table (computed on the fly).
fn any_date() -> impl Strategy<Value = Date> {
    (0i32..(68 * 365)).prop_map(|off| {
        date(2013, 1, 1)
            .checked_add(calendar::jiff::Span::new().days(off))
            .unwrap()
    })
}

/// Days in the confirmed years, where decrees and Kurban Ait apply.
fn confirmed_date() -> impl Strategy<Value = Date> {
    (0i32..(13 * 365)).prop_map(|off| {
        date(2014, 1, 1)
            .checked_add(calendar::jiff::Span::new().days(off))
            .unwrap()
    })
}

fn kz() -> &'static Calendar {
    Calendar::kz()
}

proptest! {
    #[test]
    fn never_lands_on_a_day_off(d in any_date(), n in 0u32..80) {
        let r = kz().add_working_days(d, n).unwrap();
        prop_assert!(kz().is_working_day(r), "{d} + {n} = {r} ({})", kz().day_kind(r));
        if n >= 1 {
            prop_assert!(r > d);
        } else {
            prop_assert!(r >= d);
        }
    }

    #[test]
    fn monotonic_in_n_and_in_the_date(d in confirmed_date(), n in 0u32..60, k in 1u32..60, shift in 0i32..40) {
        let cal = kz();
        let (a, b) = (cal.add_working_days(d, n).unwrap(), cal.add_working_days(d, n + k).unwrap());
        // n = 0 on a day off already moves to the next working day, as n = 1 does (see
        // `zero_on_a_day_off_counts_as_one_step`): equal there, strictly later otherwise.
        if n == 0 && k == 1 && !cal.is_working_day(d) {
            prop_assert_eq!(a, b);
        } else {
            prop_assert!(a < b, "{d} + {n} = {a}, + {} = {b}", n + k);
        }
        let later = d.checked_add(calendar::jiff::Span::new().days(shift)).unwrap();
        prop_assert!(cal.add_working_days(d, n).unwrap() <= cal.add_working_days(later, n).unwrap());
    }

    #[test]
    fn composes_for_n_and_m_at_least_one(d in any_date(), n in 1u32..60, m in 1u32..60) {
        let cal = kz();
        let two_steps = cal.add_working_days(cal.add_working_days(d, n).unwrap(), m).unwrap();
        prop_assert_eq!(two_steps, cal.add_working_days(d, n + m).unwrap());
        // And counting the days back gives n.
        prop_assert_eq!(cal.count_working_days(d, cal.add_working_days(d, n).unwrap()).unwrap(), n);
    }

    /// n = 0 is "the day itself, or the next working day": on a day off it already moves one
    /// working day, so composing with it adds one.
    #[test]
    fn zero_on_a_day_off_counts_as_one_step(d in confirmed_date(), m in 1u32..30) {
        let cal = kz();
        let via_zero = cal.add_working_days(cal.add_working_days(d, 0).unwrap(), m).unwrap();
        let expected = if cal.is_working_day(d) { m } else { m + 1 };
        prop_assert_eq!(via_zero, cal.add_working_days(d, expected).unwrap());
    }

    #[test]
    fn working_time_composes_and_ends_in_working_time(
        d in confirmed_date(),
        minute_of_day in 0i64..1440,
        a in 1u64..3000,
        b in 0u64..3000,
    ) {
        let cal = kz();
        let s = Schedule::standard();
        let start: Timestamp = d
            .to_zoned_datetime(cal.time_zone().clone())
            .unwrap()
            .timestamp()
            .checked_add(SignedDuration::from_mins(minute_of_day))
            .unwrap();
        let one = cal.add_working_minutes(start, a, &s).unwrap();
        let two = cal.add_working_minutes(one, b, &s).unwrap();
        prop_assert_eq!(two, cal.add_working_minutes(start, a + b, &s).unwrap());
        // The last counted second lies in working time.
        let last = one.checked_sub(SignedDuration::from_secs(1)).unwrap();
        prop_assert!(cal.is_working_time(last, &s).unwrap());
        prop_assert!(one > start);
    }
}

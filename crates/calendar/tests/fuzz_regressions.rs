//! Inputs found by `cargo fuzz` (fuzz/fuzz_targets/calendar.rs, docs/fuzzing.md), kept as
//! tests so the fixes stay fixed.

use calendar::jiff::Timestamp;
use calendar::jiff::civil::date;
use calendar::{Calendar, CountingRules, Duration, Interval, Schedule, Term, TimeError, Unit};

/// fuzz/artifacts/calendar/crash-002e4199…: `add_calendar_days` with more days than jiff
/// can represent panicked inside `i32::days()` instead of answering "out of range".
#[test]
fn calendar_days_beyond_jiffs_range_are_out_of_range_not_a_panic() {
    let cal = Calendar::kz();
    let d = date(2025, 3, 7);
    for n in [i32::MAX, i32::MIN, 7_304_485, -7_304_485] {
        assert!(
            matches!(cal.add_calendar_days(d, n), Err(TimeError::OutOfRange(_))),
            "{n}"
        );
    }
    assert_eq!(cal.add_calendar_days(d, 1), Ok(date(2025, 3, 8)));
}

/// The same for months: `i32::months()` panics past ±239,976 months.
#[test]
fn months_beyond_jiffs_range_are_out_of_range_not_a_panic() {
    let cal = Calendar::kz();
    let d = date(2025, 1, 31);
    for n in [i32::MAX, i32::MIN, 239_977, -239_977] {
        assert!(
            matches!(cal.add_months(d, n), Err(TimeError::OutOfRange(_))),
            "{n}"
        );
    }
    assert_eq!(cal.add_months(d, 1), Ok(date(2025, 2, 28)));
}

/// A regulation's duration `value` is any u32: a term of ten million calendar days or of
/// a million months is refused as out of range by `Term::due`, not a crash of the engine.
#[test]
fn huge_terms_are_out_of_range_not_a_panic() {
    let cal = Calendar::kz();
    let at: Timestamp = "2025-03-07T05:00:00Z".parse().unwrap();
    for (value, unit) in [
        (10_000_000, Unit::CalendarDays),
        (u32::MAX, Unit::DaysUnspecified),
        (1_000_000, Unit::Months),
        (u32::MAX, Unit::Months),
    ] {
        for counted in [true, false] {
            let rules = CountingRules {
                acceptance_day_counted: counted,
                ..CountingRules::default()
            };
            let due =
                Term::new(Duration::new(value, unit), rules).due(at, cal, &Schedule::standard());
            assert!(
                matches!(due, Err(TimeError::OutOfRange(_))),
                "{value} {unit}: {due:?}"
            );
        }
    }
}

/// fuzz/artifacts/calendar/timeout-002e4199…: four billion working seconds under a schedule
/// of a few minutes a week end long after year 9999; counting walked there day by day
/// (seconds of CPU) before answering. Now refused at once.
#[test]
fn working_time_past_year_9999_is_refused_at_once() {
    let cal = Calendar::kz();
    let at: Timestamp = "2025-03-07T05:00:00Z".parse().unwrap();
    let minute = Interval::new((9, 0), (9, 1)).unwrap();
    let tiny = Schedule::new(
        [vec![minute], vec![], vec![], vec![], vec![], vec![], vec![]],
        vec![],
    )
    .unwrap();
    let started = std::time::Instant::now();
    for (seconds, schedule) in [
        (u64::from(u32::MAX), &tiny),
        (u64::MAX / 2, &Schedule::standard()),
    ] {
        assert!(
            matches!(
                cal.add_working_seconds(at, seconds, schedule),
                Err(TimeError::OutOfRange(_))
            ),
            "{seconds}"
        );
    }
    assert!(matches!(
        cal.add_working_hours(at, u64::from(u32::MAX), &Schedule::standard()),
        Err(TimeError::OutOfRange(_))
    ));
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
    // What fits is still counted: one working minute a week, 60 of them.
    let t = cal.add_working_seconds(at, 3600, &tiny).unwrap();
    assert!(t > at);
}

/// fuzz/artifacts/calendar/timeout-002e4199… (second run): counting working hours from 2140,
/// past the precomputed table, computed two years' holidays for every day looked at: a
/// century of working time took tens of seconds. The last such year is now kept.
#[test]
fn working_time_past_the_table_is_counted_quickly() {
    let cal = Calendar::kz();
    let at: Timestamp = "2140-05-12T05:00:00Z".parse().unwrap();
    let started = std::time::Instant::now();
    let t = cal
        .add_working_hours(at, 100_000, &Schedule::standard())
        .unwrap();
    assert!(t > at);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    // The same answer whichever year was asked before.
    let _ = cal.is_working_day(date(2300, 1, 1));
    assert_eq!(
        cal.add_working_hours(at, 100_000, &Schedule::standard()),
        Ok(t)
    );
}

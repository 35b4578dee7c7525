//! The counting rules of docs/legal-time.md, one test per rule, each across Independence Day
//! (16-17 December 2019), Nauryz 2019 (21-22 March, Saturday 23rd moved to Monday 25th) and
//! decree No. 820 (Friday 3 January 2020 off, Sunday 5 January worked; 1-2 January New Year,
//! 7 January Orthodox Christmas). Every expected instant is computed by hand; times are
//! Asia/Almaty (UTC+6), hours Mon-Fri 09:00-13:00, 14:30-18:30.

use calendar::{
    Calendar, ClockUnits, CountingRules, Duration, Intake, Schedule, Term, Unit, deliver_before,
};
use jiff::Timestamp;

fn at(s: &str) -> Timestamp {
    let dt: jiff::civil::DateTime = s.replace(' ', "T").parse().unwrap();
    dt.to_zoned_datetime(calendar::almaty())
        .unwrap()
        .timestamp()
}

fn due(from: &str, value: u32, unit: Unit, counted: bool) -> Timestamp {
    let rules = CountingRules {
        acceptance_day_counted: counted,
        ..CountingRules::default()
    };
    Term::new(Duration::new(value, unit), rules)
        .due(at(from), Calendar::kz(), &Schedule::standard())
        .unwrap()
        .at
}

/// R1. Working days, the acceptance day counted (office, portal, intermediary): day 1 is the
/// acceptance day; the term ends at the close of its last working day.
#[test]
fn r1_working_days_acceptance_day_counted() {
    let wd = Unit::WorkingDays;
    // 13 (1), 18, 19, 20, 23 (5).
    assert_eq!(due("2019-12-13 10:00", 5, wd, true), at("2019-12-23 18:30"));
    // 20 March (1), 26, 27, 28, 29 (5).
    assert_eq!(due("2019-03-20 10:00", 5, wd, true), at("2019-03-29 18:30"));
    // 31 December (1), Sunday 5 January (2), 6, 8, 9 (5).
    assert_eq!(due("2019-12-31 10:00", 5, wd, true), at("2020-01-09 18:30"));
}

/// R2. Working days, the acceptance day not counted (the State Corporation's sentence): day 1
/// is the next working day.
#[test]
fn r2_working_days_acceptance_day_not_counted() {
    let wd = Unit::WorkingDays;
    assert_eq!(
        due("2019-12-13 10:00", 5, wd, false),
        at("2019-12-24 18:30")
    );
    // 26, 27, 28, 29 March, 1 April.
    assert_eq!(
        due("2019-03-20 10:00", 5, wd, false),
        at("2019-04-01 18:30")
    );
    // 5, 6, 8, 9, 10 January.
    assert_eq!(
        due("2019-12-31 10:00", 5, wd, false),
        at("2020-01-10 18:30")
    );
    // Accepted on a Saturday at a centre: the next working day is day 1 all the same.
    assert_eq!(
        due("2019-12-14 10:00", 5, wd, false),
        at("2019-12-24 18:30")
    );
}

/// R3. Calendar days (and days with no qualifier): every day counts; a last day that is a day
/// off moves to the next working day.
#[test]
fn r3_calendar_days_last_day_off_moves_forward() {
    let cd = Unit::CalendarDays;
    // 12, 13, 14, 15, 16 December: the 16th is Independence Day, the 17th too: the 18th.
    assert_eq!(due("2019-12-12 10:00", 5, cd, true), at("2019-12-18 18:30"));
    // Not counted: 13..17: the 17th is a holiday: the 18th.
    assert_eq!(
        due("2019-12-12 10:00", 5, cd, false),
        at("2019-12-18 18:30")
    );
    // 20, 21, 22 March: the 22nd is Nauryz; 23-25 are off too: the 26th.
    assert_eq!(due("2019-03-20 10:00", 3, cd, true), at("2019-03-26 18:30"));
    // 31 December, 1, 2, 3 January: the 3rd is off by decree, the 4th a Saturday, the 5th a
    // decreed working Sunday.
    assert_eq!(due("2019-12-31 10:00", 4, cd, true), at("2020-01-05 18:30"));
    // Unqualified days are calendar days.
    assert_eq!(
        due("2019-12-31 10:00", 4, Unit::DaysUnspecified, true),
        at("2020-01-05 18:30")
    );
    // A last day that is a working day stays: 11, 12, 13.
    assert_eq!(due("2019-12-11 10:00", 3, cd, true), at("2019-12-13 18:30"));
}

/// R4. Months: to the same-numbered day of the month (the day before it when the acceptance
/// day counts), or the month's last day; a last day off moves forward.
#[test]
fn r4_months() {
    let m = Unit::Months;
    // Not counted: 16 November + 1 month = 16 December, a holiday: the 18th.
    assert_eq!(due("2019-11-16 10:00", 1, m, false), at("2019-12-18 18:30"));
    // Counted: 17 November .. 16 December: the 16th and 17th are off: the 18th.
    assert_eq!(due("2019-11-17 10:00", 1, m, true), at("2019-12-18 18:30"));
    // Not counted: 21 February + 1 month = 21 March, Nauryz: the 26th.
    assert_eq!(due("2019-02-21 10:00", 1, m, false), at("2019-03-26 18:30"));
    // Not counted: 3 December + 1 month = 3 January, off by decree: Sunday the 5th.
    assert_eq!(due("2019-12-03 10:00", 1, m, false), at("2020-01-05 18:30"));
    // 31 January + 1 month = 29 February 2020 (the month's last day), a Saturday: 2 March.
    assert_eq!(due("2020-01-31 10:00", 1, m, false), at("2020-03-02 18:30"));
}

/// R5. Minutes and hours: working time only, inside the hours of working days (lunch, nights,
/// days off skipped); ending exactly at the close of a period gives that close.
#[test]
fn r5_minutes_and_hours_count_working_time() {
    let (mi, h) = (Unit::Minutes, Unit::Hours);
    // 15 minutes on Friday 13th, then Wednesday 18th from 09:00.
    assert_eq!(
        due("2019-12-13 18:15", 30, mi, true),
        at("2019-12-18 09:15")
    );
    // One hour on 20 March, one on 26 March.
    assert_eq!(due("2019-03-20 17:30", 2, h, true), at("2019-03-26 10:00"));
    // Four hours on 31 December, four on the working Sunday 5 January.
    assert_eq!(due("2019-12-31 14:30", 8, h, true), at("2020-01-05 13:00"));
    // Lunch is not working time: 12:30 + 1 hour = 15:00.
    assert_eq!(due("2019-12-12 12:30", 1, h, true), at("2019-12-12 15:00"));
    // To the close exactly: 18:30, not the next morning.
    assert_eq!(
        due("2019-12-12 18:00", 30, mi, true),
        at("2019-12-12 18:30")
    );
}

/// R6. "Hours" meant around the clock (elapsed time), where a text says so.
#[test]
fn r6_elapsed_hours() {
    let rules = CountingRules {
        clock_units: ClockUnits::Elapsed,
        ..CountingRules::default()
    };
    let t = Term::new(Duration::new(24, Unit::Hours), rules);
    let d = |s: &str| {
        t.due(at(s), Calendar::kz(), &Schedule::standard())
            .unwrap()
            .at
    };
    assert_eq!(d("2019-12-15 10:00"), at("2019-12-16 10:00"));
    assert_eq!(d("2019-03-21 10:00"), at("2019-03-22 10:00"));
    assert_eq!(d("2020-01-02 10:00"), at("2020-01-03 10:00"));
}

/// R7. One тәулік before the term (the State Corporation's delivery): 24 hours back from the
/// term's end; when that falls outside working hours, the provider's last working moment
/// before it.
#[test]
fn r7_one_taulik_before_the_term() {
    let cal = Calendar::kz();
    let s = Schedule::standard();
    let deliver = |due: &str| {
        cal.latest_working_instant(deliver_before(at(due), 1).unwrap(), &s)
            .unwrap()
    };
    // Due Monday 23 December 18:30: Sunday 22nd 18:30: Friday 20th 18:30.
    assert_eq!(deliver("2019-12-23 18:30"), at("2019-12-20 18:30"));
    // Due Wednesday 18 December: Tuesday 17th is Independence Day: Friday 13th 18:30.
    assert_eq!(deliver("2019-12-18 18:30"), at("2019-12-13 18:30"));
    // Due Tuesday 26 March 2019: Monday 25th is off for Nauryz: Wednesday 20th 18:30.
    assert_eq!(deliver("2019-03-26 18:30"), at("2019-03-20 18:30"));
    // Due Monday 6 January 2020: Sunday 5th is worked by decree: 18:30 that Sunday.
    assert_eq!(deliver("2020-01-06 18:30"), at("2020-01-05 18:30"));
    // Due Thursday 19 December: Wednesday 18th 18:30, a working moment itself.
    assert_eq!(deliver("2019-12-19 18:30"), at("2019-12-18 18:30"));
}

/// R8. Acceptance at a counter: open from the start of a period up to (not including) its
/// close; outside, closed until the next opening.
#[test]
fn r8_counter_hours() {
    let cal = Calendar::kz();
    let s = Schedule::standard();
    let accept = |t: &str| cal.accept(Intake::Counter, &s, at(t)).unwrap();
    assert_eq!(
        accept("2019-12-13 09:00"),
        calendar::Acceptance::Now(at("2019-12-13 09:00"))
    );
    for (t, next) in [
        ("2019-12-13 08:59", "2019-12-13 09:00"),
        ("2019-12-13 13:30", "2019-12-13 14:30"),
        ("2019-12-13 18:30", "2019-12-18 09:00"),
        ("2019-03-20 18:31", "2019-03-26 09:00"),
        ("2020-01-03 10:00", "2020-01-05 09:00"),
    ] {
        assert_eq!(
            accept(t),
            calendar::Acceptance::Closed {
                next_opening: at(next)
            },
            "{t}"
        );
    }
}

/// R9. Acceptance around the clock (the portal): registered at the next working opening.
#[test]
fn r9_portal_registration() {
    let cal = Calendar::kz();
    let s = Schedule::standard();
    let reg = |t: &str| {
        cal.accept(Intake::AroundTheClock, &s, at(t))
            .unwrap()
            .instant()
    };
    assert_eq!(reg("2019-12-13 12:00"), at("2019-12-13 12:00"));
    assert_eq!(reg("2019-12-13 20:00"), at("2019-12-18 09:00"));
    assert_eq!(reg("2019-03-22 10:00"), at("2019-03-26 09:00"));
    assert_eq!(reg("2020-01-04 23:59"), at("2020-01-05 09:00"));
}

/// R10. A centre open on Saturdays: the weekday hours apply on an ordinary Saturday, never on
/// a holiday that falls on one (Nauryz, Saturday 23 March 2019).
#[test]
fn r10_saturday_hours() {
    let cal = Calendar::kz();
    let sc = Schedule::from_toml_str(
        r#"monday = ["09:00-20:00"]
        saturday = ["09:00-20:00"]"#,
    )
    .unwrap();
    assert!(cal.is_working_time(at("2019-12-14 19:59"), &sc).unwrap());
    assert!(!cal.is_working_time(at("2019-03-23 10:00"), &sc).unwrap());
    assert!(!cal.is_working_time(at("2019-12-15 10:00"), &sc).unwrap());
    // The term is not the centre's: Saturday is no working day of the calendar.
    assert!(!cal.is_working_day("2019-12-14".parse().unwrap()));
}

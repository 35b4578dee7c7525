//! Unit tests with hand-computed dates: holidays and the weekend rule, decreed transfers,
//! the Almaty time-zone change, working minutes, terms and `deliver_before`, and data errors.
//!
//! Not for: the comparison with PyPI `holidays` (tests/holidays_crosscheck.rs) or the
//! property tests (tests/properties.rs).

use jiff::Timestamp;
use jiff::civil::{Date, date};

use crate::*;

fn kz() -> &'static Calendar {
    Calendar::kz()
}

/// An instant given as Almaty wall-clock time.
fn almaty_at(y: i16, m: i8, d: i8, h: i8, min: i8) -> Timestamp {
    date(y, m, d)
        .at(h, min, 0, 0)
        .to_zoned_datetime(almaty())
        .unwrap()
        .timestamp()
}

fn kind(d: Date) -> String {
    kz().day_kind(d).to_string()
}

fn holiday_id(d: Date) -> Option<&'static str> {
    match kz().day_kind(d) {
        DayKind::Holiday(h) => Some(h.id.as_str()),
        DayKind::MovedHoliday { holiday, .. } => Some(holiday.id.as_str()),
        _ => None,
    }
}

// ------------------------------------------------------------------------------------------
// Days.
// ------------------------------------------------------------------------------------------

#[test]
fn embedded_calendar_loads() {
    let cal = kz();
    assert_eq!(cal.id(), "kz");
    assert_eq!(cal.confirmed_years(), 2014..=2026);
    assert!(cal.decrees().len() >= 13);
    assert_eq!(cal.default_schedule(), &Schedule::standard());
    assert_eq!(Schedule::default(), Schedule::standard());
}

#[test]
fn nauryz_2025_with_weekend_days_moved() {
    // 21 Fri, 22 Sat, 23 Sun: 22 -> Mon 24, 23 -> Tue 25.
    let cal = kz();
    assert!(matches!(cal.day_kind(date(2025, 3, 21)), DayKind::Holiday(h) if h.id == "nauryz"));
    assert!(matches!(
        cal.day_kind(date(2025, 3, 22)),
        DayKind::Holiday(_)
    ));
    assert!(matches!(
        cal.day_kind(date(2025, 3, 23)),
        DayKind::Holiday(_)
    ));
    assert_eq!(
        cal.day_kind(date(2025, 3, 24)),
        DayKind::MovedHoliday {
            holiday: holiday("nauryz"),
            of: date(2025, 3, 22)
        }
    );
    assert_eq!(
        cal.day_kind(date(2025, 3, 25)),
        DayKind::MovedHoliday {
            holiday: holiday("nauryz"),
            of: date(2025, 3, 23)
        }
    );
    assert!(cal.is_working_day(date(2025, 3, 20)));
    assert!(cal.is_working_day(date(2025, 3, 26)));
    assert_eq!(
        cal.add_working_days(date(2025, 3, 20), 1).unwrap(),
        date(2025, 3, 26)
    );
    assert!(
        kind(date(2025, 3, 24)).contains("Law No. 267 art. 5"),
        "{}",
        kind(date(2025, 3, 24))
    );
}

#[test]
fn nauryz_2026_pushes_past_its_own_third_day() {
    // 21 Sat, 22 Sun, 23 Mon (itself a holiday): 21 -> Tue 24, 22 -> Wed 25.
    let cal = kz();
    assert_eq!(holiday_id(date(2026, 3, 23)), Some("nauryz"));
    assert_eq!(
        cal.day_kind(date(2026, 3, 24)),
        DayKind::MovedHoliday {
            holiday: holiday("nauryz"),
            of: date(2026, 3, 21)
        }
    );
    assert_eq!(
        cal.day_kind(date(2026, 3, 25)),
        DayKind::MovedHoliday {
            holiday: holiday("nauryz"),
            of: date(2026, 3, 22)
        }
    );
    assert!(cal.is_working_day(date(2026, 3, 26)));
}

fn holiday(id: &str) -> &'static Holiday {
    kz().holidays().iter().find(|h| h.id == id).unwrap()
}

#[test]
fn independence_day_16_december() {
    let cal = kz();
    // 2025: Tuesday; 17 December is an ordinary working day since 2022.
    assert_eq!(holiday_id(date(2025, 12, 16)), Some("independence_day"));
    assert!(cal.is_working_day(date(2025, 12, 15)));
    assert!(cal.is_working_day(date(2025, 12, 17)));
    // 2023: Saturday -> Monday 18 off.
    assert_eq!(
        cal.day_kind(date(2023, 12, 18)),
        DayKind::MovedHoliday {
            holiday: holiday("independence_day"),
            of: date(2023, 12, 16)
        }
    );
    // 2021: both days, Thursday and Friday.
    assert!(!cal.is_working_day(date(2021, 12, 16)));
    assert_eq!(
        holiday_id(date(2021, 12, 17)),
        Some("independence_day_second")
    );
    // 2022: 17 December is a Saturday but no holiday: Monday 19 is worked.
    assert_eq!(cal.day_kind(date(2022, 12, 17)), DayKind::Weekend);
    assert!(cal.is_working_day(date(2022, 12, 19)));
    // 2017: 16-17 on Saturday-Sunday -> 18 and 19 off.
    assert!(!cal.is_working_day(date(2017, 12, 18)));
    assert!(!cal.is_working_day(date(2017, 12, 19)));
    assert!(cal.is_working_day(date(2017, 12, 20)));
    // First President Day (1 Dec) existed 2012-2021 only.
    assert!(!cal.is_working_day(date(2021, 12, 1)));
    assert!(cal.is_working_day(date(2022, 12, 1)));
}

#[test]
fn decreed_transfer_2024_may() {
    let cal = kz();
    // Order of 17 April 2024: Saturday 4 May worked, Wednesday 8 May off.
    let DayKind::TransferredDayOff { decree, transfer } = cal.day_kind(date(2024, 5, 8)) else {
        panic!("{}", kind(date(2024, 5, 8)));
    };
    assert_eq!(decree.id, "G24G0000109");
    assert_eq!(decree.date, Some(date(2024, 4, 17)));
    assert_eq!(transfer.working_day, date(2024, 5, 4));
    assert!(cal.is_working_day(date(2024, 5, 4)));
    assert!(matches!(
        cal.day_kind(date(2024, 5, 4)),
        DayKind::TransferredWorkingDay { .. }
    ));
    // 7, 8, 9 May off in a row; Friday 10 May is the next working day after Monday 6.
    assert_eq!(
        cal.add_working_days(date(2024, 5, 6), 1).unwrap(),
        date(2024, 5, 10)
    );
    assert_eq!(
        kind(date(2024, 5, 8)),
        "day off transferred from 2024-05-04 by order of the Minister of Labour No. 109 of 2024-04-17 (G24G0000109)"
    );
}

#[test]
fn decreed_transfer_2025_january_makes_a_sunday_working() {
    let cal = kz();
    assert!(!cal.is_working_day(date(2025, 1, 3)));
    assert!(cal.is_working_day(date(2025, 1, 5)));
    // Thursday 2 January (holiday) + 1 working day = Sunday 5 January.
    assert_eq!(
        cal.add_working_days(date(2025, 1, 2), 1).unwrap(),
        date(2025, 1, 5)
    );
    // Then Monday 6; 7 January (Orthodox Christmas) off; Wednesday 8.
    assert_eq!(
        cal.add_working_days(date(2025, 1, 2), 3).unwrap(),
        date(2025, 1, 8)
    );
}

#[test]
fn decree_2020_moves_an_art5_monday() {
    // 9 May 2020 Saturday -> Monday 11 May by art. 5, moved by decree No. 820 to Friday 8 May.
    let cal = kz();
    assert!(!cal.is_working_day(date(2020, 5, 8)));
    assert!(cal.is_working_day(date(2020, 5, 11)));
    assert!(
        matches!(cal.day_kind(date(2020, 5, 11)), DayKind::TransferredWorkingDay { decree, .. } if decree.number == "820")
    );
}

#[test]
fn religious_days_off_are_not_moved() {
    let cal = kz();
    // Kurban Ait on Sunday 16 June 2024: Monday 17 is worked.
    assert_eq!(holiday_id(date(2024, 6, 16)), Some("kurban_ait"));
    assert!(cal.is_working_day(date(2024, 6, 17)));
    // Orthodox Christmas on Saturday 7 January 2023: Monday 9 is worked.
    assert!(cal.is_working_day(date(2023, 1, 9)));
    // Kurban Ait on a weekday is a day off.
    assert!(!cal.is_working_day(date(2025, 6, 6)));
    assert!(!cal.is_working_day(date(2026, 5, 27)));
}

#[test]
fn constitution_day_moves_to_march_from_2027() {
    let cal = kz();
    // 30 Aug 2025 Saturday -> Monday 1 September off.
    assert!(!cal.is_working_day(date(2025, 9, 1)));
    // 30 Aug 2026 Sunday: no longer a holiday, Monday 31 August is worked.
    assert!(cal.is_working_day(date(2026, 8, 31)));
    // 15 March 2027 (Monday) is a holiday; 2026 has none.
    assert!(!cal.is_working_day(date(2027, 3, 15)));
    assert!(!cal.is_confirmed(date(2027, 3, 15)));
    assert!(cal.is_working_day(date(2026, 3, 16)));
}

#[test]
fn dates_far_away_use_the_fixed_rules() {
    let cal = kz();
    // 2100: beyond the precomputed table; 1 Jan 2100 is a Friday, 2 Jan a Saturday -> Monday 4.
    assert!(!cal.is_working_day(date(2100, 1, 1)));
    assert!(!cal.is_working_day(date(2100, 1, 4)));
    assert!(cal.is_working_day(date(2100, 1, 5)));
    // 2005: before the table; 8 March 2005 was a Tuesday.
    assert!(!cal.is_working_day(date(2005, 3, 8)));
}

#[test]
fn add_working_days_zero_and_calendar_arithmetic() {
    let cal = kz();
    // n = 0 on a working day: the day itself; on a day off: the next working day.
    assert_eq!(
        cal.add_working_days(date(2025, 3, 20), 0).unwrap(),
        date(2025, 3, 20)
    );
    assert_eq!(
        cal.add_working_days(date(2025, 3, 22), 0).unwrap(),
        date(2025, 3, 26)
    );
    assert_eq!(
        cal.add_calendar_days(date(2025, 3, 20), 5).unwrap(),
        date(2025, 3, 25)
    );
    assert_eq!(
        cal.add_calendar_days(date(2025, 3, 1), -1).unwrap(),
        date(2025, 2, 28)
    );
    assert_eq!(
        cal.add_months(date(2024, 1, 31), 1).unwrap(),
        date(2024, 2, 29)
    );
    assert_eq!(
        cal.add_months(date(2025, 1, 31), 1).unwrap(),
        date(2025, 2, 28)
    );
    assert_eq!(
        cal.add_months(date(2025, 3, 15), 12).unwrap(),
        date(2026, 3, 15)
    );
    assert_eq!(
        cal.count_working_days(date(2025, 3, 20), date(2025, 3, 27))
            .unwrap(),
        2
    );
}

// ------------------------------------------------------------------------------------------
// Time zone and working hours.
// ------------------------------------------------------------------------------------------

#[test]
fn almaty_moved_to_utc_plus_5_on_1_march_2024() {
    let tz = almaty();
    let before = date(2024, 2, 29)
        .at(12, 0, 0, 0)
        .to_zoned_datetime(tz.clone())
        .unwrap();
    let after = date(2024, 3, 2)
        .at(12, 0, 0, 0)
        .to_zoned_datetime(tz)
        .unwrap();
    assert_eq!(before.offset().seconds(), 6 * 3600);
    assert_eq!(after.offset().seconds(), 5 * 3600);
    assert_eq!(before.timestamp().to_string(), "2024-02-29T06:00:00Z");
    assert_eq!(after.timestamp().to_string(), "2024-03-02T07:00:00Z");
}

#[test]
fn working_minutes_skip_lunch_nights_and_days_off() {
    let cal = kz();
    let s = Schedule::standard();
    // 18:15 Thursday 20 March 2025 + 30 min: 15 min that day, then Nauryz and the weekend,
    // 15 min on Wednesday 26 March.
    let due = cal
        .add_working_minutes(almaty_at(2025, 3, 20, 18, 15), 30, &s)
        .unwrap();
    assert_eq!(due, almaty_at(2025, 3, 26, 9, 15));
    // Starting in the lunch break counts from 14:30.
    let due = cal
        .add_working_minutes(almaty_at(2025, 3, 20, 13, 10), 10, &s)
        .unwrap();
    assert_eq!(due, almaty_at(2025, 3, 20, 14, 40));
    // Ending exactly at the end of the day gives 18:30, not the next morning.
    let due = cal
        .add_working_hours(almaty_at(2025, 3, 20, 14, 30), 4, &s)
        .unwrap();
    assert_eq!(due, almaty_at(2025, 3, 20, 18, 30));
    // Zero is the start itself.
    let t = almaty_at(2025, 3, 22, 3, 0);
    assert_eq!(cal.add_working_seconds(t, 0, &s).unwrap(), t);
    // A full working day is 8 hours: Thursday 09:00 + 8 h = Thursday 18:30.
    let due = cal
        .add_working_hours(almaty_at(2025, 3, 20, 9, 0), 8, &s)
        .unwrap();
    assert_eq!(due, almaty_at(2025, 3, 20, 18, 30));
}

#[test]
fn a_decreed_working_saturday_has_working_hours() {
    let cal = kz();
    let s = Schedule::standard();
    // Friday 3 May 2024 18:00 + 1 h: 30 min on Friday, 30 min on Saturday 4 May (worked).
    let due = cal
        .add_working_hours(almaty_at(2024, 5, 3, 18, 0), 1, &s)
        .unwrap();
    assert_eq!(due, almaty_at(2024, 5, 4, 9, 30));
    assert!(
        cal.is_working_time(almaty_at(2024, 5, 4, 10, 0), &s)
            .unwrap()
    );
    assert!(
        !cal.is_working_time(almaty_at(2024, 5, 11, 10, 0), &s)
            .unwrap()
    );
}

#[test]
fn schedule_from_toml_and_its_errors() {
    let s = Schedule::from_toml_str(
        "monday = [\"08:00-12:00\"]\nfriday = [\"08:00-12:00\", \"13:00-24:00\"]\n",
    )
    .unwrap();
    assert_eq!(s.intervals(jiff::civil::Weekday::Monday).len(), 1);
    assert_eq!(s.intervals(jiff::civil::Weekday::Tuesday).len(), 0);
    assert_eq!(
        s.intervals(jiff::civil::Weekday::Friday)[1].to_string(),
        "13:00-24:00"
    );
    let e = Schedule::from_toml_str("monday = [\"09:00-13:00\", \"12:00-18:00\"]").unwrap_err();
    assert!(e.to_string().contains("monday[1]"), "{e}");
    let e = Schedule::from_toml_str("monday = [\"9-13\"]").unwrap_err();
    assert!(
        e.to_string().contains("monday[0]") && e.to_string().contains("HH:MM-HH:MM"),
        "{e}"
    );
    let e = Schedule::from_toml_str("mondy = []").unwrap_err();
    assert!(e.to_string().contains("mondy"), "{e}");
}

#[test]
fn no_working_time_is_an_error_not_a_hang() {
    let cal = kz();
    let none = Schedule::new(Default::default(), Vec::new()).unwrap();
    let e = cal
        .add_working_minutes(almaty_at(2025, 3, 20, 10, 0), 1, &none)
        .unwrap_err();
    assert_eq!(e, TimeError::NoWorkingTime);
}

// ------------------------------------------------------------------------------------------
// Terms.
// ------------------------------------------------------------------------------------------

fn not_counted() -> CountingRules {
    CountingRules {
        acceptance_day_counted: false,
        ..CountingRules::default()
    }
}

#[test]
fn ten_working_days_accepted_on_a_friday_before_a_holiday() {
    let cal = kz();
    let s = Schedule::standard();
    // Friday 7 March 2025, 10:00. Saturday 8 March is a holiday -> Monday 10 off; Nauryz
    // 21-25 March. Not counting the acceptance day: 11,12,13,14,17,18,19,20,26,27 March.
    let term = Term::new(Duration::new(10, Unit::WorkingDays), not_counted());
    let due = term.due(almaty_at(2025, 3, 7, 10, 0), cal, &s).unwrap();
    assert_eq!(due.first_day, Some(date(2025, 3, 11)));
    assert_eq!(due.last_day, Some(date(2025, 3, 27)));
    assert_eq!(due.at, almaty_at(2025, 3, 27, 18, 30));
    assert_eq!(due.at.to_string(), "2025-03-27T13:30:00Z");
    // Counting it, Friday 7 is day 1: 7,11,12,13,14,17,18,19,20,26.
    let term = Term::new(
        Duration::new(10, Unit::WorkingDays),
        CountingRules::default(),
    );
    let due = term.due(almaty_at(2025, 3, 7, 10, 0), cal, &s).unwrap();
    assert_eq!(due.first_day, Some(date(2025, 3, 7)));
    assert_eq!(due.last_day, Some(date(2025, 3, 26)));
}

#[test]
fn acceptance_day_not_counted() {
    let cal = kz();
    let s = Schedule::standard();
    // Monday 15 December 2025, 15:00; 16 December is Independence Day.
    let at = almaty_at(2025, 12, 15, 15, 0);
    let five = Duration::new(5, Unit::WorkingDays);
    let counted = Term::new(five, CountingRules::default())
        .due(at, cal, &s)
        .unwrap();
    let not = Term::new(five, not_counted()).due(at, cal, &s).unwrap();
    // Counted: 15, 17, 18, 19, 22. Not counted: 17, 18, 19, 22, 23.
    assert_eq!(counted.last_day, Some(date(2025, 12, 22)));
    assert_eq!(not.first_day, Some(date(2025, 12, 17)));
    assert_eq!(not.last_day, Some(date(2025, 12, 23)));
    assert_eq!(not.at, almaty_at(2025, 12, 23, 18, 30));
    // Accepted on a Saturday with the day counted: the first working day is day 1.
    let sat = almaty_at(2025, 12, 13, 11, 0);
    let d = Term::new(
        Duration::new(1, Unit::WorkingDays),
        CountingRules::default(),
    )
    .due(sat, cal, &s)
    .unwrap();
    assert_eq!(d.last_day, Some(date(2025, 12, 15)));
}

#[test]
fn calendar_day_and_month_terms_move_off_a_day_off() {
    let cal = kz();
    let s = Schedule::standard();
    // 10 calendar days from Friday 14 March 2025, not counted: 24 March (Nauryz, moved day
    // off) -> Wednesday 26 March.
    let t = Term::new(Duration::new(10, Unit::CalendarDays), not_counted());
    let d = t.due(almaty_at(2025, 3, 14, 12, 0), cal, &s).unwrap();
    assert_eq!(d.moved_from, Some(date(2025, 3, 24)));
    assert_eq!(d.last_day, Some(date(2025, 3, 26)));
    // Unspecified days count as calendar days.
    let u = Term::new(Duration::new(10, Unit::DaysUnspecified), not_counted());
    assert_eq!(u.due(almaty_at(2025, 3, 14, 12, 0), cal, &s).unwrap(), d);
    // Counted: the last day is 23 March (Sunday, Nauryz) -> 26 March too.
    let c = Term::new(
        Duration::new(10, Unit::CalendarDays),
        CountingRules::default(),
    );
    let dc = c.due(almaty_at(2025, 3, 14, 12, 0), cal, &s).unwrap();
    assert_eq!(
        (dc.moved_from, dc.last_day),
        (Some(date(2025, 3, 23)), Some(date(2025, 3, 26)))
    );
    // Without the move, the term ends on the day off itself, at midnight.
    let keep = CountingRules {
        last_day_off_moves_forward: false,
        ..not_counted()
    };
    let k = Term::new(Duration::new(10, Unit::CalendarDays), keep)
        .due(almaty_at(2025, 3, 14, 12, 0), cal, &s)
        .unwrap();
    assert_eq!(k.last_day, Some(date(2025, 3, 24)));
    assert_eq!(k.at, almaty_at(2025, 3, 25, 0, 0));
    // One month from 1 August 2025, not counted: 1 September (day off for Constitution Day)
    // -> Tuesday 2 September.
    let m = Term::new(Duration::new(1, Unit::Months), not_counted());
    let dm = m.due(almaty_at(2025, 8, 1, 10, 0), cal, &s).unwrap();
    assert_eq!(
        (dm.moved_from, dm.last_day),
        (Some(date(2025, 9, 1)), Some(date(2025, 9, 2)))
    );
    // One month from 31 January 2025: the last day of February.
    let dm = m.due(almaty_at(2025, 1, 31, 10, 0), cal, &s).unwrap();
    assert_eq!(dm.last_day, Some(date(2025, 2, 28)));
}

#[test]
fn clock_terms() {
    let cal = kz();
    let s = Schedule::standard();
    let at = almaty_at(2025, 3, 20, 18, 15);
    let working = Term::new(Duration::new(30, Unit::Minutes), CountingRules::default());
    assert_eq!(
        working.due(at, cal, &s).unwrap().at,
        almaty_at(2025, 3, 26, 9, 15)
    );
    let elapsed = CountingRules {
        clock_units: ClockUnits::Elapsed,
        ..CountingRules::default()
    };
    let day = Term::new(Duration::new(24, Unit::Hours), elapsed);
    assert_eq!(
        day.due(at, cal, &s).unwrap().at,
        almaty_at(2025, 3, 21, 18, 15)
    );
    let secs = Term::new(Duration::new(90, Unit::Seconds), CountingRules::default());
    assert_eq!(
        secs.due(almaty_at(2025, 3, 20, 10, 0), cal, &s)
            .unwrap()
            .at
            .to_string(),
        "2025-03-20T05:01:30Z"
    );
    // Zero: due at once.
    let zero = Term::new(
        Duration::new(0, Unit::WorkingDays),
        CountingRules::default(),
    );
    assert_eq!(zero.due(at, cal, &s).unwrap().at, at);
}

#[test]
fn after_hours_acceptance_moves_when_asked() {
    let cal = kz();
    let s = Schedule::standard();
    // Portal application at 21:00 on Thursday 20 March 2025, the eve of Nauryz.
    let rules = CountingRules {
        after_hours_acceptance_moves: true,
        ..not_counted()
    };
    let d = Term::new(Duration::new(1, Unit::WorkingDays), rules)
        .due(almaty_at(2025, 3, 20, 21, 0), cal, &s)
        .unwrap();
    assert_eq!(d.counted_from, almaty_at(2025, 3, 26, 9, 0));
    assert_eq!(d.last_day, Some(date(2025, 3, 27)));
}

#[test]
fn deliver_one_day_before_the_term() {
    let cal = kz();
    let s = Schedule::standard();
    let due = almaty_at(2025, 3, 27, 18, 30);
    assert_eq!(
        deliver_before(due, 1).unwrap(),
        almaty_at(2025, 3, 26, 18, 30)
    );
    // Due on Monday 31 March: the legal instant is Sunday 18:30; the last working moment
    // before it is Friday 28 March 18:30.
    let due = almaty_at(2025, 3, 31, 18, 30);
    let legal = deliver_before(due, 1).unwrap();
    assert_eq!(legal, almaty_at(2025, 3, 30, 18, 30));
    assert_eq!(
        cal.latest_working_instant(legal, &s).unwrap(),
        almaty_at(2025, 3, 28, 18, 30)
    );
    // Inside working hours it is kept as is.
    let t = almaty_at(2025, 3, 28, 11, 0);
    assert_eq!(cal.latest_working_instant(t, &s).unwrap(), t);
    // During lunch: 13:00.
    assert_eq!(
        cal.latest_working_instant(almaty_at(2025, 3, 28, 13, 45), &s)
            .unwrap(),
        almaty_at(2025, 3, 28, 13, 0)
    );
}

#[test]
fn units_parse_and_print() {
    for u in Unit::ALL {
        assert_eq!(u.as_str().parse::<Unit>().unwrap(), u);
    }
    assert!(
        "weeks"
            .parse::<Unit>()
            .unwrap_err()
            .contains("working_days")
    );
    let t: Term = toml::from_str(
        "duration = { value = 10, unit = \"working_days\" }\nrules = { acceptance_day_counted = false }\n",
    )
    .unwrap();
    assert_eq!(t.duration, Duration::new(10, Unit::WorkingDays));
    assert!(!t.rules.acceptance_day_counted && t.rules.last_day_off_moves_forward);
}

// ------------------------------------------------------------------------------------------
// Data errors.
// ------------------------------------------------------------------------------------------

const MINIMAL: &str = r#"
schema = 1
[calendar]
id = "t"
name = "test"
time_zone = "Asia/Almaty"
weekend = ["saturday", "sunday"]
confirmed_from = 2024
confirmed_until = 2025
source = "test"
[weekend_rule]
applies_to = ["state"]
since = 2002
source = "test"
[[holidays]]
id = "ny"
kind = "state"
name = { kk = "a", ru = "b", en = "New Year" }
dates = ["01-01"]
source = "test"
"#;

fn err(extra: &str) -> String {
    Calendar::from_toml_str(&format!("{MINIMAL}{extra}"))
        .unwrap_err()
        .to_string()
}

#[test]
fn minimal_file_loads_and_other_files_are_accepted() {
    let cal = Calendar::from_toml_str(MINIMAL).unwrap();
    assert!(!cal.is_working_day(date(2025, 1, 1)));
    assert!(cal.is_working_day(date(2025, 1, 2)));
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../calendars/kz.toml");
    assert_eq!(
        Calendar::from_path(&path).unwrap().decrees(),
        kz().decrees()
    );
    let e = Calendar::from_path("/nonexistent/kz.toml")
        .unwrap_err()
        .to_string();
    assert!(e.contains("/nonexistent/kz.toml"), "{e}");
}

#[test]
fn errors_name_the_field_and_the_rule() {
    // A decree giving a Saturday "off".
    let e = err(r#"
[[decrees]]
id = "X"
issuer = "government"
number = "1"
date = 2024-01-01
title = "t"
source = "s"
transfers = [ { working_day = 2024-05-05, day_off = 2024-05-04 } ]
"#);
    assert!(
        e.contains("decrees[0].transfers[0].day_off") && e.contains("must be a working day"),
        "{e}"
    );
    // A decree making a holiday a working day.
    let e = err(r#"
[[decrees]]
id = "X"
issuer = "government"
number = "1"
date = 2024-01-01
title = "t"
source = "s"
transfers = [ { working_day = 2025-01-01, day_off = 2025-01-03 } ]
"#);
    assert!(
        e.contains("decrees[0].transfers[0].working_day") && e.contains("not a holiday"),
        "{e}"
    );
    // A decree without a date and without saying why.
    let e = err(r#"
[[decrees]]
id = "X"
issuer = "government"
number = "1"
title = "t"
source = "s"
transfers = [ { working_day = 2024-05-04, day_off = 2024-05-08 } ]
"#);
    assert!(
        e.contains("decrees[0].date") && e.contains("unconfirmed"),
        "{e}"
    );
    // Both fixed and moveable dates.
    let e = err(r#"
[[holidays]]
id = "k"
kind = "religious"
name = { kk = "a", ru = "b", en = "c" }
dates = ["06-06"]
source = "s"
[[holidays.on]]
date = 2025-06-06
source = "s"
"#);
    assert!(
        e.contains("holidays[1].dates") && e.contains("not both"),
        "{e}"
    );
    // A bad month-day.
    let e = err(r#"
[[holidays]]
id = "leap"
kind = "state"
name = { kk = "a", ru = "b", en = "c" }
dates = ["02-29"]
source = "s"
"#);
    assert!(
        e.contains("holidays[1].dates[0]") && e.contains("MM-DD"),
        "{e}"
    );
    // A known difference that disagrees with the calendar.
    let e = err(r#"
[[known_differences]]
date = 2025-01-01
ours = "working"
reason = "r"
source = "s"
"#);
    assert!(
        e.contains("known_differences[0].ours") && e.contains("must agree"),
        "{e}"
    );
    // An unknown key: the TOML error names it.
    let e = err("\n[[holidays]]\nid = \"x\"\nkindd = \"state\"\n");
    assert!(e.contains("kindd"), "{e}");
    // A time zone the bundled database does not know.
    let e = Calendar::from_toml_str(&MINIMAL.replace("Asia/Almaty", "Asia/Nowhere"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("calendar.time_zone") && e.contains("Asia/Nowhere"),
        "{e}"
    );
    // Every day a weekend.
    let all = r#"weekend = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]"#;
    let e = Calendar::from_toml_str(&MINIMAL.replace(r#"weekend = ["saturday", "sunday"]"#, all))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("calendar.weekend") && e.contains("at least one working day"),
        "{e}"
    );
    // A wrong schema version.
    let e = Calendar::from_toml_str(&MINIMAL.replace("schema = 1", "schema = 2"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("schema") && e.contains("must be 1"), "{e}");
}

#[test]
fn every_decree_and_every_entry_has_its_source() {
    let cal = kz();
    for d in cal.decrees() {
        assert!(!d.source.is_empty());
        assert!(d.date.is_some() || d.unconfirmed.is_some(), "{}", d.id);
        for t in &d.transfers {
            assert!(!cal.is_working_day(t.day_off), "{} {}", d.id, t.day_off);
            assert!(
                cal.is_working_day(t.working_day),
                "{} {}",
                d.id,
                t.working_day
            );
        }
    }
    // One decree or order for each year with transfers 2014-2025 (2015 had none).
    let years: std::collections::BTreeSet<i16> = cal
        .decrees()
        .iter()
        .flat_map(|d| d.transfers.iter().map(|t| t.day_off.year()))
        .collect();
    let expected: std::collections::BTreeSet<i16> = [
        2014, 2016, 2017, 2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025,
    ]
    .into_iter()
    .collect();
    assert_eq!(years, expected);
    for h in cal.holidays() {
        if let HolidayDates::Moveable(list) = &h.dates {
            // Kurban Ait known for every confirmed year.
            for y in cal.confirmed_years() {
                assert!(list.iter().any(|m| m.date.year() == y), "{} {y}", h.id);
            }
        }
    }
}

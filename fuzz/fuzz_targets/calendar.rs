//! Calendar arithmetic (working days, working time, тәулік, months, terms) on arbitrary
//! instants, durations, counting rules and provider schedules: no panic, and the documented
//! properties (results are working days, later than the start, monotone in the amount).
#![no_main]

use arbitrary::Arbitrary;
use calendar::jiff::civil::{Date, Weekday};
use calendar::jiff::{SignedDuration, Timestamp};
use calendar::{
    Calendar, ClockUnits, CountingRules, Duration, Interval, Schedule, Term, Unit, deliver_before,
};
use libfuzzer_sys::fuzz_target;

/// An instant: mostly near the calendar's data (2014–2026), sometimes anywhere jiff allows.
#[derive(Debug, Arbitrary)]
enum Instant {
    /// Seconds after 2014-01-01T00:00Z.
    Near(u32),
    /// Any second (wrapped into jiff's range).
    Any(i64),
}

impl Instant {
    fn timestamp(&self) -> Timestamp {
        match *self {
            Instant::Near(s) => Timestamp::from_second(1_388_534_400 + i64::from(s)).unwrap(),
            Instant::Any(s) => {
                let (lo, hi) = (Timestamp::MIN.as_second(), Timestamp::MAX.as_second());
                Timestamp::from_second(lo + s.rem_euclid(hi - lo)).unwrap()
            }
        }
    }
}

#[derive(Debug, Arbitrary)]
enum Sched {
    Standard,
    /// Intervals (h, m, h, m) per weekday, Monday first, then the decreed working day's.
    Custom(Box<[Vec<(u8, u8, u8, u8)>; 8]>),
}

impl Sched {
    fn schedule(&self) -> Option<Schedule> {
        match self {
            Sched::Standard => Some(Schedule::standard()),
            Sched::Custom(days) => {
                let day = |list: &Vec<(u8, u8, u8, u8)>| -> Vec<Interval> {
                    list.iter()
                        .take(4)
                        .filter_map(|&(a, b, c, d)| Interval::new((a, b), (c, d)).ok())
                        .collect()
                };
                let week: [Vec<Interval>; 7] = std::array::from_fn(|i| day(&days[i]));
                Schedule::new(week, day(&days[7])).ok()
            }
        }
    }
}

#[derive(Debug, Arbitrary)]
struct Input {
    at: Instant,
    value: u32,
    unit: u8,
    acceptance_day_counted: bool,
    last_day_off_moves_forward: bool,
    elapsed: bool,
    after_hours_acceptance_moves: bool,
    schedule: Sched,
    months: i32,
    days: i32,
    seconds: u32,
    more_seconds: u16,
}

fuzz_target!(|input: Input| {
    let cal = Calendar::kz();
    let Some(schedule) = input.schedule.schedule() else {
        return;
    };
    let at = input.at.timestamp();
    let tz = cal.time_zone().clone();
    let date: Date = at.to_zoned_datetime(tz.clone()).date();

    // Days.
    if let Ok(next) = cal.next_working_day(date) {
        assert!(next > date && cal.is_working_day(next), "{date} -> {next}");
    }
    if let Ok(d0) = cal.add_working_days(date, 0) {
        assert_eq!(Ok(d0), cal.working_day_on_or_after(date));
        assert!(cal.is_working_day(d0) && d0 >= date);
    }
    let n = input.value % 1_000;
    if n >= 1
        && let Ok(d) = cal.add_working_days(date, n)
    {
        assert!(d > date && cal.is_working_day(d), "{date} + {n} wd = {d}");
        assert_eq!(
            cal.count_working_days(date, d),
            Ok(n),
            "{date} + {n} wd = {d}"
        );
        if let Ok(d1) = cal.add_working_days(date, n + 1) {
            assert!(d1 > d);
            assert_eq!(cal.add_working_days(d, 1), Ok(d1));
        }
    }
    let _ = cal.add_calendar_days(date, input.days);
    if let (Ok(a), Ok(b)) = (
        cal.add_months(date, input.months.min(input.months.saturating_add(1))),
        cal.add_months(date, input.months.saturating_add(1)),
    ) {
        assert!(a <= b, "{date}: months not monotone ({a} > {b})");
    }

    // Working time. Counting it walks day by day (each day's periods in Almaty time): keep to
    // amounts within ten years of working weeks (terms of a regulation are far shorter);
    // amounts past year 9999 are refused at once (the bound checked below).
    let week: u64 = [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
        Weekday::Saturday,
        Weekday::Sunday,
    ]
    .into_iter()
    .map(|d| {
        schedule
            .intervals(d)
            .iter()
            .chain(schedule.decreed_working_day())
            .map(|i| u64::from(i.end_seconds() - i.start_seconds()))
            .sum::<u64>()
    })
    .sum();
    let horizon = 520 * week + 1;
    let secs = u64::from(input.seconds) % horizon;
    if week > 0 {
        // Far more working time than the weeks left before year 9999 hold: refused at once.
        assert!(matches!(
            cal.add_working_seconds(at, 3_000_000 * week, &schedule),
            Err(calendar::TimeError::OutOfRange(_))
        ));
    }
    if let Ok(t) = cal.add_working_seconds(at, secs, &schedule) {
        assert!(t >= at, "{at} + {secs} working s = {t}");
        if let Ok(t2) = cal.add_working_seconds(at, secs + u64::from(input.more_seconds), &schedule)
        {
            assert!(
                t2 >= t,
                "not monotone: {at} + {secs} = {t}, more gives {t2}"
            );
        }
    }
    let _ = cal.add_working_minutes(at, u64::from(input.value) % (horizon / 60 + 1), &schedule);
    let _ = cal.add_working_hours(at, u64::from(input.value) % (horizon / 3600 + 1), &schedule);
    if let Ok(t) = cal.next_working_instant(at, &schedule) {
        assert!(t >= at);
        assert_eq!(cal.is_working_time(t, &schedule), Ok(true), "{at} -> {t}");
    }
    if let Ok(t) = cal.latest_working_instant(at, &schedule) {
        assert!(t <= at);
    }
    let _ = cal.end_of_working_day(date, &schedule);
    // "Not later than N тәулік before": exactly N × 24 h earlier.
    if let Ok(t) = deliver_before(at, input.value) {
        assert_eq!(
            at.duration_since(t),
            SignedDuration::from_hours(24 * i64::from(input.value))
        );
    }

    // Terms.
    let unit = Unit::ALL[usize::from(input.unit) % Unit::ALL.len()];
    let rules = CountingRules {
        acceptance_day_counted: input.acceptance_day_counted,
        last_day_off_moves_forward: input.last_day_off_moves_forward,
        clock_units: if input.elapsed {
            ClockUnits::Elapsed
        } else {
            ClockUnits::WorkingTime
        },
        after_hours_acceptance_moves: input.after_hours_acceptance_moves,
    };
    let due = |value: u32| Term::new(Duration::new(value, unit), rules).due(at, cal, &schedule);
    let value = match unit {
        // Counting working days walks day by day: keep to what a regulation may say.
        Unit::WorkingDays => input.value % 3_000,
        Unit::Seconds => input.value % u32::try_from(horizon).unwrap_or(u32::MAX),
        Unit::Minutes => input.value % u32::try_from(horizon / 60 + 1).unwrap_or(u32::MAX),
        Unit::Hours => input.value % u32::try_from(horizon / 3600 + 1).unwrap_or(u32::MAX),
        _ => input.value,
    };
    if let Ok(d) = due(value) {
        assert!(d.counted_from >= at);
        if let (Some(first), Some(last)) = (d.first_day, d.last_day) {
            assert!(first <= last, "{d:?}");
            assert!(first >= date, "{d:?}");
            if rules.last_day_off_moves_forward || unit == Unit::WorkingDays {
                assert!(cal.is_working_day(last), "{d:?}");
            }
        }
        if value >= 1
            && let Ok(d2) = due(value + 1)
        {
            assert!(
                d.at <= d2.at,
                "{value} {unit} not monotone: {d:?} then {d2:?}"
            );
        }
    }
});

//! Cross-check against the PyPI package `holidays` (vacanza): every day 2014-01-01..2025-12-31
//! must be working or not in both, or be listed in `[[known_differences]]` of calendars/kz.toml
//! with the source that proves us right. The weekend days `holidays` makes working days
//! (its record of decree transfers) must be the weekend days our decrees make working.
//!
//! The package is installed into a venv under the cargo target directory
//! (`<target>/py-holidays`) on first run (or, where python3 has no `venv` module, with
//! `pip install --target <target>/py-holidays-lib`). Without python3 or PyPI the test fails when the
//! environment variable `CI` is set, and otherwise prints why and passes.
//!
//! Not for: our own hand-computed dates (src/tests.rs) — `holidays` is an oracle, not the
//! source of truth.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use calendar::jiff::civil::{Date, Weekday, date};
use calendar::{Calendar, DayKind, DayStatus};

/// The version the data was checked against; bump deliberately and re-run.
const HOLIDAYS_VERSION: &str = "0.109";
const FIRST: Date = date(2014, 1, 1);
const LAST: Date = date(2025, 12, 31);

const SCRIPT: &str = r#"
import datetime as dt, sys
import holidays
first, last = dt.date.fromisoformat(sys.argv[1]), dt.date.fromisoformat(sys.argv[2])
h = holidays.country_holidays("KZ", years=range(first.year - 1, last.year + 2))
print("version", holidays.__version__)
d = first
while d <= last:
    name = (h.get(d) or "").replace("\n", " ")
    print("day", d.isoformat(), "W" if h.is_working_day(d) else "O", name)
    d += dt.timedelta(days=1)
for w in sorted(h.weekend_workdays):
    print("weekend_workday", w.isoformat())
"#;

/// A python that imports `holidays`: its executable and, for the fallback install, the
/// directory to put on `PYTHONPATH`.
struct Python {
    exe: PathBuf,
    path: Option<PathBuf>,
}

impl Python {
    fn command(&self) -> Command {
        let mut c = Command::new(&self.exe);
        if let Some(p) = &self.path {
            c.env("PYTHONPATH", p);
        }
        c
    }

    fn has_holidays(&self) -> bool {
        self.command()
            .args(["-c", "import holidays; print(holidays.__version__)"])
            .output()
            .map(|o| {
                o.status.success() && String::from_utf8_lossy(&o.stdout).trim() == HOLIDAYS_VERSION
            })
            .unwrap_or(false)
    }

    fn pip_install(&self, extra: &[&str]) -> Result<(), String> {
        let spec = format!("holidays=={HOLIDAYS_VERSION}");
        let out = Command::new(&self.exe)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .args(extra)
            .arg(&spec)
            .output()
            .map_err(|e| format!("pip not runnable: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "pip install {spec} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }
}

/// A python with `holidays` installed (a venv under the target directory; if `venv` is
/// missing, `pip install --target` beside it), or why there is none.
fn python_with_holidays() -> Result<Python, String> {
    let venv = target_dir().join("py-holidays");
    let in_venv = Python {
        exe: venv.join("bin").join("python"),
        path: None,
    };
    if in_venv.has_holidays() {
        return Ok(in_venv);
    }
    let lib = target_dir().join("py-holidays-lib");
    let system = Python {
        exe: PathBuf::from("python3"),
        path: Some(lib.clone()),
    };
    if system.has_holidays() {
        return Ok(system);
    }
    let venv_made = in_venv.exe.exists()
        || Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .output()
            .map_err(|e| format!("python3 not runnable: {e}"))?
            .status
            .success();
    let installed = if venv_made {
        in_venv.pip_install(&[]).map(|()| in_venv)
    } else {
        let target = lib.to_string_lossy().into_owned();
        system
            .pip_install(&["--upgrade", "--target", &target])
            .map(|()| system)
            .map_err(|e| format!("python3 -m venv failed, and then {e}"))
    }?;
    if installed.has_holidays() {
        Ok(installed)
    } else {
        Err(format!(
            "holidays=={HOLIDAYS_VERSION} installed but not importable by {}",
            installed.exe.display()
        ))
    }
}

/// `$CARGO_TARGET_DIR`, else the directory holding this test binary's `CACHEDIR.TAG`, else
/// `<workspace>/target`.
fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    if let Ok(exe) = std::env::current_exe()
        && let Some(dir) = exe.ancestors().find(|d| d.join("CACHEDIR.TAG").exists())
    {
        return dir.to_path_buf();
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target")
}

struct Oracle {
    version: String,
    days: BTreeMap<Date, (bool, String)>,
    weekend_workdays: BTreeSet<Date>,
}

fn ask(python: &Python) -> Oracle {
    let out = python
        .command()
        .args(["-c", SCRIPT, &FIRST.to_string(), &LAST.to_string()])
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8 from python");
    let mut oracle = Oracle {
        version: String::new(),
        days: BTreeMap::new(),
        weekend_workdays: BTreeSet::new(),
    };
    for line in text.lines() {
        let mut parts = line.splitn(4, ' ');
        match parts.next() {
            Some("version") => oracle.version = parts.next().unwrap_or_default().to_string(),
            Some("day") => {
                let d: Date = parts.next().unwrap().parse().unwrap();
                let working = parts.next() == Some("W");
                oracle
                    .days
                    .insert(d, (working, parts.next().unwrap_or_default().to_string()));
            }
            Some("weekend_workday") => {
                oracle
                    .weekend_workdays
                    .insert(parts.next().unwrap().parse().unwrap());
            }
            _ => panic!("unexpected line from python: {line:?}"),
        }
    }
    oracle
}

#[test]
fn every_day_2014_2025_agrees_with_pypi_holidays() {
    let python = match python_with_holidays() {
        Ok(p) => p,
        Err(why) => {
            return testkit::skip(format_args!("PyPI `holidays` for the cross-check: {why}"));
        }
    };
    let oracle = ask(&python);
    assert_eq!(oracle.version, HOLIDAYS_VERSION);
    let expected_days = usize::try_from(FIRST.until(LAST).unwrap().get_days() + 1).unwrap();
    assert_eq!(
        oracle.days.len(),
        expected_days,
        "python returned every day of the range"
    );

    let cal = Calendar::kz();
    let known: BTreeMap<Date, DayStatus> = cal
        .known_differences()
        .iter()
        .map(|k| (k.date, k.ours))
        .collect();
    let mut unlisted = Vec::new();
    let mut explained = BTreeSet::new();
    for (&d, (theirs, name)) in &oracle.days {
        let ours = cal.is_working_day(d);
        if ours == *theirs {
            continue;
        }
        if known.contains_key(&d) {
            explained.insert(d);
        } else {
            unlisted.push(format!(
                "{d} ({:?}): ours {} [{}], holidays {} [{name}]",
                d.weekday(),
                if ours { "working" } else { "day off" },
                cal.day_kind(d),
                if *theirs { "working" } else { "day off" },
            ));
        }
    }
    let stale: Vec<_> = known
        .keys()
        .filter(|d| (FIRST..=LAST).contains(*d) && !explained.contains(*d))
        .collect();

    // The weekend days made working by decree, in both.
    let ours_weekend_workdays: BTreeSet<Date> = FIRST
        .series(calendar::jiff::Span::new().days(1))
        .take_while(|d| *d <= LAST)
        .filter(|d| matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday))
        .filter(|d| matches!(cal.day_kind(*d), DayKind::TransferredWorkingDay { .. }))
        .collect();
    let theirs_weekend_workdays: BTreeSet<Date> = oracle
        .weekend_workdays
        .iter()
        .copied()
        .filter(|d| (FIRST..=LAST).contains(d))
        .collect();

    println!(
        "compared {} days with holidays {}: {} known differences, {} unlisted; weekend workdays: ours {}, theirs {}",
        oracle.days.len(),
        oracle.version,
        explained.len(),
        unlisted.len(),
        ours_weekend_workdays.len(),
        theirs_weekend_workdays.len()
    );
    assert!(
        unlisted.is_empty(),
        "differences with PyPI holidays not listed in [[known_differences]] of calendars/kz.toml:\n{}",
        unlisted.join("\n")
    );
    assert!(
        stale.is_empty(),
        "[[known_differences]] entries that no longer differ: {stale:?}"
    );
    assert_eq!(
        ours_weekend_workdays, theirs_weekend_workdays,
        "weekend days made working by decree differ (ours left, holidays right)"
    );
}

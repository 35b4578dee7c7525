//! The application commands of the CLI against a real store — a file, and a PostgreSQL
//! schema (`--database`): apply, act, show, deadlines, journal verify (also on a tampered
//! journal), unclaimed, demo.

use std::path::Path;
use std::process::Command;

use testkit::repo_root as root;

/// Where the commands keep the store.
enum Place {
    File(testkit::TempDir),
    Postgres(testkit::pg::Schema),
}

struct Cli {
    place: Place,
}

impl Cli {
    /// A store file in a fresh directory.
    fn new(tag: &str) -> Cli {
        Cli {
            place: Place::File(testkit::tempdir(&format!("cli-{tag}"))),
        }
    }

    /// A fresh PostgreSQL schema; None (said why) when PostgreSQL is not there.
    fn postgres() -> Option<Cli> {
        testkit::pg::available().then(|| Cli {
            place: Place::Postgres(testkit::pg::Schema::fresh()),
        })
    }

    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_qyzmet"));
        cmd.args(args);
        match &self.place {
            Place::File(dir) => cmd.arg("--db").arg(dir.path().join("q.db")),
            Place::Postgres(s) => cmd
                .args(["--database", &testkit::pg::uri()])
                .args(["--database-schema", s.name()]),
        };
        let out = cmd
            .arg("--dir")
            .arg(root().join("regulations"))
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args);
        assert_eq!(code, 0, "{args:?}\n{out}{err}");
        out
    }
}

#[test]
fn apply_act_show_deadlines_and_verify() {
    flow(Cli::new("flow"));
}

fn flow(cli: Cli) {
    let out = cli.ok(&[
        "apply",
        "--sample-data",
        "--regulation",
        "ekr-free-meals-tvet",
        "--channel",
        "state_corporation",
        "--iin",
        "100515500003",
        "--id",
        "a1",
        "--at",
        "2019-12-13T10:00",
    ]);
    assert!(out.contains("receipt No. "), "{out}");
    assert!(out.contains("service term due: 2019-12-31 18:30"), "{out}");
    assert!(
        out.contains("2019-12-30 18:30"),
        "delivery to the State Corporation a day before: {out}"
    );
    // A retry with the same key answers with the first result.
    let again = cli.ok(&[
        "apply",
        "--sample-data",
        "--regulation",
        "ekr-free-meals-tvet",
        "--channel",
        "state_corporation",
        "--iin",
        "100515500003",
        "--id",
        "a1",
        "--at",
        "2019-12-13T10:05",
    ]);
    assert!(again.starts_with("already submitted"), "{again}");
    // The wrong role is refused with the rule named.
    let (code, _, err) = cli.run(&["act", "a1", "--role", "head", "--at", "2019-12-13T10:01"]);
    assert_ne!(code, 0);
    assert!(err.contains("wrong_role"), "{err}");
    let out = cli.ok(&["act", "a1", "--at", "2019-12-13T10:10"]);
    assert!(out.contains("collection_sector"), "{out}");
    let show = cli.ok(&["show", "a1", "--at", "2019-12-13T11:00"]);
    assert!(show.contains("→  1."), "{show}");
    assert!(show.contains("Overdue"), "{show}");
    let dl = cli.ok(&["deadlines", "--at", "2019-12-20T10:00"]);
    assert!(
        dl.contains("Overdue") && dl.contains("a1") && dl.contains("1 application(s) listed"),
        "{dl}"
    );
    let v = cli.ok(&["journal", "verify"]);
    assert!(
        v.contains("every hash chain holds") && v.contains("2 entries"),
        "{v}"
    );
    // A repealed regulation takes no applications.
    let (code, _, err) = cli.run(&[
        "apply",
        "--sample-data",
        "--regulation",
        "ekr-free-meals-tvet",
        "--channel",
        "office",
        "--iin",
        "100515500003",
        "--id",
        "late",
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("regulation_repealed"), "{err}");
}

#[test]
fn demo_runs_an_application_end_to_end_and_unclaimed_results_go_back() {
    demo(Cli::new("demo"));
}

fn demo(cli: Cli) {
    let out = cli.ok(&[
        "demo",
        "ekr-free-meals-tvet",
        "--channel",
        "state_corporation",
        "--at",
        "2019-12-03T10:00",
    ]);
    assert!(out.contains("closed: Issued"), "{out}");
    // An application waiting at the State Corporation: not returnable before a month.
    cli.ok(&[
        "apply",
        "--sample-data",
        "--regulation",
        "ekr-free-meals-tvet",
        "--channel",
        "state_corporation",
        "--iin",
        "100515500003",
        "--id",
        "u1",
        "--at",
        "2019-12-03T10:00",
    ]);
    let mut at = String::from("2019-12-03T10:05");
    for _ in 0..10 {
        let show = cli.ok(&["show", "u1", "--json", "--at", &at]);
        if show.contains("\"awaiting_issue\"") {
            break;
        }
        cli.ok(&["act", "u1", "--at", &at]);
        at = "2019-12-05T10:00".into();
    }
    let (code, _, err) = cli.run(&["unclaimed", "u1", "--at", "2019-12-20T10:00"]);
    assert_ne!(code, 0);
    assert!(err.contains("storage_period_not_over"), "{err}");
    let out = cli.ok(&["unclaimed", "u1", "--at", "2020-01-10T10:00"]);
    assert!(out.contains("ReturnedToProvider"), "{out}");
    let out = cli.ok(&["unclaimed", "u1", "--rerequest", "--at", "2020-01-15T10:00"]);
    assert!(out.contains("AwaitingIssue"), "{out}");
}

#[test]
fn journal_verify_reports_a_tampered_entry() {
    tampered(Cli::new("tamper"));
}

fn tampered(cli: Cli) {
    cli.ok(&[
        "demo",
        "wkr-tvet-dormitory",
        "--channel",
        "office",
        "--at",
        "2015-03-19T10:00",
    ]);
    match &cli.place {
        Place::File(dir) => assert!(
            rusqlite_free_tamper(&dir.path().join("q.db")),
            "tampering needs python3"
        ),
        Place::Postgres(s) => pg_tamper(s.name()),
    }
    let (code, out, _) = cli.run(&["journal", "verify"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("journal BROKEN at journal entry #3"), "{out}");
}

/// Alter the third journal entry behind the store's back (dropping its append-only trigger),
/// with python3's sqlite3 module: the test needs no SQLite library of its own.
fn rusqlite_free_tamper(db: &Path) -> bool {
    let script = r#"
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
for (name,) in c.execute("SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name='journal'").fetchall():
    c.execute('DROP TRIGGER "%s"' % name)
c.execute("UPDATE journal SET event = replace(event, '2015-', '2016-') WHERE seq = 3")
c.commit()
"#;
    Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(db)
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// The same on PostgreSQL, as its superuser (who may switch the append-only trigger off).
fn pg_tamper(schema: &str) {
    let mut c = testkit::pg::client().unwrap();
    let changed = c
        .batch_execute(&format!(
            "SET search_path TO \"{schema}\";
             ALTER TABLE journal DISABLE TRIGGER journal_no_update;
             UPDATE journal SET event = replace(event, '2015-', '2016-')
              WHERE seq = (SELECT seq FROM journal ORDER BY seq OFFSET 2 LIMIT 1);
             ALTER TABLE journal ENABLE TRIGGER journal_no_update;"
        ))
        .map_err(|e| e.to_string());
    assert_eq!(changed, Ok(()));
}

// The same commands with `--database` on a fresh PostgreSQL schema.
mod on_postgres {
    use super::*;

    #[test]
    fn apply_act_show_deadlines_and_verify() {
        if let Some(cli) = Cli::postgres() {
            flow(cli);
        }
    }

    #[test]
    fn demo_runs_an_application_end_to_end_and_unclaimed_results_go_back() {
        if let Some(cli) = Cli::postgres() {
            demo(cli);
        }
    }

    #[test]
    fn journal_verify_reports_a_tampered_entry() {
        if let Some(cli) = Cli::postgres() {
            tampered(cli);
        }
    }
}

#!/usr/bin/env python3
"""Checks the SpiffWorkflow peer itself (no pytest: plain asserts).

    PY=$(bash bench/spiff/setup.sh | tail -n 1) && "$PY" bench/spiff/test_peer.py

Runs `peer.py --n 20` (every 10th refused) into a temporary SQLite file, then reads the
file back: 20 applications, 120 transitions, 2 refusals in the journal, every stored state a
completed SpiffWorkflow workflow.  Then the same on PostgreSQL (`--pg`, the database of
`QYZMET_TEST_PG_URI`, else postgres://postgres@127.0.0.1:5432/test) in a kept schema read back
the same way, plus the schema dropped without `--keep`, a weakened durability refused and a
foreign schema left alone.  PostgreSQL unreachable: those tests fail under CI=true, else they
are skipped with a line on stderr.  Ends with a 'N passed, N failed' line.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
from itertools import count
from pathlib import Path

HERE = Path(__file__).resolve().parent
PEER = HERE / "peer.py"
N = 20
PG_URL = os.environ.get("QYZMET_TEST_PG_URI") or "postgresql://postgres@127.0.0.1:5432/test"


def on_ci() -> bool:
    return os.environ.get("CI", "").strip() not in ("", "0", "false")


def peer(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(PEER), *args], capture_output=True, text=True, timeout=600)


def run_peer(*where: str) -> dict:
    proc = peer("--n", str(N), "--refuse-every", "10", *where)
    assert proc.returncode == 0, f"peer.py exited {proc.returncode}\n{proc.stderr}"
    lines = proc.stdout.splitlines()
    assert len(lines) == 1, f"stdout must be exactly one line, got {lines!r}"
    return json.loads(lines[0])


class Db:
    """The store a run wrote, read with `?` placeholders whichever it is."""

    def __init__(self, kind: str, con):
        self.kind, self.con = kind, con

    def rows(self, query: str, params: tuple = ()) -> list[tuple]:
        if self.kind == "postgres":
            query = query.replace("?", "%s")
        return [tuple(r) for r in self.con.execute(query, params).fetchall()]

    def one(self, query: str, params: tuple = ()):
        rows = self.rows(query, params)
        assert len(rows) == 1, (query, rows)
        return rows[0][0]


def test_report(report: dict, db: Db) -> None:
    for key in ("peer", "version", "applications", "transitions", "seconds", "applications_per_s",
                "transitions_per_s", "p50_ms", "p99_ms", "refusals", "python", "store", "store_version"):
        assert key in report, f"missing {key!r} in {report}"
    assert report["peer"] == "spiffworkflow"
    assert report["store"] == db.kind, report
    assert report["version"] not in ("", "unknown"), report["version"]
    assert report["store_version"] not in ("", "unknown"), report["store_version"]
    assert report["applications"] == N, report
    assert report["transitions"] == 6 * N == 120, report
    assert report["refusals"] == 2, report
    assert report["seconds"] > 0
    assert report["applications_per_s"] > 0 and report["transitions_per_s"] > 0
    assert 0 < report["p50_ms"] <= report["p99_ms"], report


def test_journal(report: dict, db: Db) -> None:
    if db.kind == "sqlite":
        assert db.one("PRAGMA journal_mode") == "wal"
    assert db.one("SELECT count(*) FROM application") == 20
    assert db.one("SELECT count(*) FROM journal") == 120
    # One journal row per transition: seq 0..5 for every application, no more, no fewer.
    per_app = db.rows("SELECT application_id, count(*), min(seq), max(seq) FROM journal "
                      "GROUP BY application_id ORDER BY application_id")
    assert per_app == [(app_id, 6, 0, 5) for app_id in range(1, N + 1)], per_app
    refused_ids = [r[0] for r in db.rows(
        "SELECT application_id FROM journal WHERE step = 'prepare_refusal' ORDER BY application_id")]
    assert refused_ids == [10, 20], refused_ids
    # Every application: submit + 5 user tasks, in model order, one path of the gateway; a
    # refused one is still signed and issued.
    for app_id in range(1, N + 1):
        steps = [r[0] for r in db.rows("SELECT step FROM journal WHERE application_id = ? ORDER BY seq", (app_id,))]
        middle = "prepare_refusal" if app_id % 10 == 0 else "prepare_result"
        assert steps == ["submit", "register", "assign", middle, "sign", "issue"], (app_id, steps)
    lanes = dict(db.rows("SELECT DISTINCT step, lane FROM journal WHERE step != 'submit'"))
    assert lanes == {"register": "Office clerk", "assign": "Head", "prepare_result": "Executor",
                     "prepare_refusal": "Executor", "sign": "Head", "issue": "Office clerk"}, lanes
    # The application row was last written by its last transition, in the same transaction.
    stale = db.rows("SELECT a.id FROM application a WHERE a.updated_ns != "
                    "(SELECT max(j.at_ns) FROM journal j WHERE j.application_id = a.id)")
    assert stale == [], stale


def test_stored_state(report: dict, db: Db) -> None:
    # The stored state is SpiffWorkflow's own serialization: it must restore to a completed
    # workflow carrying the application's data.
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer

    serializer = BpmnWorkflowSerializer()
    rows = db.rows("SELECT id, status, step, refuse, state FROM application ORDER BY id")
    assert len(rows) == N
    for app_id, status, step, refuse, state in rows:
        assert status == "completed" and step is None, (app_id, status, step)
        workflow = serializer.deserialize_json(state)
        assert workflow.is_completed(), app_id
        data = workflow.last_task.data
        assert data["application_id"] == app_id
        assert bool(data["refuse"]) == bool(refuse) == (app_id % 10 == 0)
        assert data["result"]["kind"] == ("refusal" if refuse else "result"), data["result"]
        assert data["issued"] is True


STORE_TESTS = (test_report, test_journal, test_stored_state)

# Named like testkit's schemas (qz_<unix secs>_<pid>_<n>), so its sweep drops what a killed
# run of this test left behind.
_schema_no = count()


def fresh_schema_name() -> str:
    return f"qz_{int(time.time())}_{os.getpid()}_{next(_schema_no)}"


def schema_exists(con, name: str) -> bool:
    return con.execute("SELECT count(*) FROM pg_namespace WHERE nspname = %s", (name,)).fetchone()[0] == 1


def test_pg_schema_kept(con, name: str) -> None:
    assert schema_exists(con, name), f"--keep dropped {name}"
    tables = {r[0] for r in con.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", (name,))}
    assert tables == {"application", "journal"}, tables


def test_pg_schema_dropped(con) -> None:
    name = fresh_schema_name()
    report = run_peer("--pg", PG_URL, "--pg-schema", name)
    assert report["store"] == "postgres" and report["transitions"] == 6 * N, report
    assert not schema_exists(con, name), f"schema {name} still there without --keep"


def test_pg_default_schema_dropped(con) -> None:
    before = {r[0] for r in con.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'spiff\\_%'")}
    proc = peer("--n", "2", "--pg", PG_URL)
    assert proc.returncode == 0, proc.stderr
    assert "schema spiff_" in proc.stderr, proc.stderr
    after = {r[0] for r in con.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'spiff\\_%'")}
    assert after <= before, f"left behind: {after - before}"


def test_pg_refuses_weak_durability(con) -> None:
    from psycopg.conninfo import make_conninfo

    name = fresh_schema_name()
    weak = make_conninfo(PG_URL, options="-c synchronous_commit=off")
    proc = peer("--n", "2", "--pg", weak, "--pg-schema", name, "--keep")
    assert proc.returncode != 0, proc.stdout
    assert "synchronous_commit=off" in proc.stderr, proc.stderr
    assert proc.stdout == "", proc.stdout
    assert not schema_exists(con, name)


def test_pg_foreign_schema_left_alone(con) -> None:
    name = fresh_schema_name()
    con.execute(f'CREATE SCHEMA "{name}"')
    try:
        con.execute(f'CREATE TABLE "{name}".application (x int)')
        con.execute(f'INSERT INTO "{name}".application VALUES (7)')
        proc = peer("--n", "2", "--pg", PG_URL, "--pg-schema", name)
        assert proc.returncode != 0, proc.stdout
        assert f"schema '{name}' exists" in proc.stderr, proc.stderr
        assert con.execute(f'SELECT x FROM "{name}".application').fetchall() == [(7,)]
    finally:
        con.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


PG_TESTS = (test_pg_schema_dropped, test_pg_default_schema_dropped, test_pg_refuses_weak_durability,
            test_pg_foreign_schema_left_alone)


class Tally:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, name: str, fn, *args) -> None:
        try:
            fn(*args)
        except Exception:
            self.failed += 1
            print(f"FAIL {name}", file=sys.stderr)
            traceback.print_exc()
        else:
            self.passed += 1
            print(f"ok   {name}", file=sys.stderr)

    def fail(self, name: str, why: str) -> None:
        self.failed += 1
        print(f"FAIL {name}: {why}", file=sys.stderr)


def sqlite_tests(tally: Tally) -> None:
    with tempfile.TemporaryDirectory(prefix="qyzmet-spiff-test-") as tmp:
        db = Path(tmp) / "peer.db"
        try:
            report = run_peer("--db", str(db))
        except Exception:
            traceback.print_exc()
            tally.fail("sqlite run", "peer.py --db failed")
            return
        con = sqlite3.connect(str(db))
        try:
            for test in STORE_TESTS:
                tally.check(test.__name__, test, report, Db("sqlite", con))
        finally:
            con.close()


def pg_connect():
    """A connection to the test database, or None (a failure under CI, else a skip)."""
    why = None
    try:
        import psycopg
    except ImportError as exc:
        why = f"psycopg is not installed ({exc})"
    else:
        try:
            return psycopg.connect(PG_URL, autocommit=True, connect_timeout=5)
        except psycopg.Error as exc:
            why = f"PostgreSQL at {PG_URL} is unreachable ({' '.join(str(exc).split())})"
    if on_ci():
        return why
    print(f"SKIPPED: {why}: the peer's --pg mode is not tested", file=sys.stderr)
    return None


def pg_tests(tally: Tally) -> None:
    con = pg_connect()
    if con is None:
        return
    if isinstance(con, str):
        tally.fail("postgres", f"{con} (required under CI; `bash scripts/setup.sh` starts it)")
        return
    with con:
        name = fresh_schema_name()
        try:
            try:
                report = run_peer("--pg", PG_URL, "--pg-schema", name, "--keep")
            except Exception:
                traceback.print_exc()
                tally.fail("postgres run", "peer.py --pg failed")
                return
            tally.check("test_pg_schema_kept", test_pg_schema_kept, con, name)
            con.execute(f'SET search_path TO "{name}"')
            for test in STORE_TESTS:
                tally.check(f"{test.__name__} (postgres)", test, report, Db("postgres", con))
            con.execute("RESET search_path")
        finally:
            con.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        for test in PG_TESTS:
            tally.check(test.__name__, test, con)


def main() -> int:
    tally = Tally()
    sqlite_tests(tally)
    pg_tests(tally)
    print(f"spiff-peer: {tally.passed} passed, {tally.failed} failed")
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Checks the SpiffWorkflow peer itself (no pytest: plain asserts).

    PY=$(bash bench/spiff/setup.sh | tail -n 1) && "$PY" bench/spiff/test_peer.py

Runs `peer.py --n 20` (every 10th refused) into a temporary SQLite file, then reads the
file back: 20 applications, 120 transitions, 2 refusals in the journal, every stored state a
completed SpiffWorkflow workflow.  Ends with a 'N passed, N failed' line.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
PEER = HERE / "peer.py"
N = 20


def run_peer(db: Path) -> tuple[dict, str]:
    proc = subprocess.run(
        [sys.executable, str(PEER), "--n", str(N), "--refuse-every", "10", "--db", str(db)],
        capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, f"peer.py exited {proc.returncode}\n{proc.stderr}"
    lines = proc.stdout.splitlines()
    assert len(lines) == 1, f"stdout must be exactly one line, got {lines!r}"
    return json.loads(lines[0]), proc.stderr


def test_report(report: dict, con: sqlite3.Connection) -> None:
    for key in ("peer", "version", "applications", "transitions", "seconds", "applications_per_s",
                "transitions_per_s", "p50_ms", "p99_ms"):
        assert key in report, f"missing {key!r} in {report}"
    assert report["peer"] == "spiffworkflow"
    assert report["version"] not in ("", "unknown"), report["version"]
    assert report["applications"] == N, report
    assert report["transitions"] == 6 * N == 120, report
    assert report["seconds"] > 0
    assert report["applications_per_s"] > 0 and report["transitions_per_s"] > 0
    assert 0 < report["p50_ms"] <= report["p99_ms"], report


def test_journal(report: dict, con: sqlite3.Connection) -> None:
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.execute("SELECT count(*) FROM application").fetchone()[0] == 20
    assert con.execute("SELECT count(*) FROM journal").fetchone()[0] == 120
    refusals = con.execute("SELECT count(*) FROM journal WHERE step = 'prepare_refusal'").fetchone()[0]
    assert refusals == 2, refusals
    refused_ids = [r[0] for r in con.execute(
        "SELECT application_id FROM journal WHERE step = 'prepare_refusal' ORDER BY application_id")]
    assert refused_ids == [10, 20], refused_ids
    # Every application: submit + 5 user tasks, in model order, one path of the gateway.
    for app_id in range(1, N + 1):
        steps = [r[0] for r in con.execute(
            "SELECT step FROM journal WHERE application_id = ? ORDER BY seq", (app_id,))]
        middle = "prepare_refusal" if app_id % 10 == 0 else "prepare_result"
        assert steps == ["submit", "register", "assign", middle, "sign", "issue"], (app_id, steps)
    lanes = dict(con.execute("SELECT DISTINCT step, lane FROM journal WHERE step != 'submit'").fetchall())
    assert lanes == {"register": "Office clerk", "assign": "Head", "prepare_result": "Executor",
                     "prepare_refusal": "Executor", "sign": "Head", "issue": "Office clerk"}, lanes


def test_stored_state(report: dict, con: sqlite3.Connection) -> None:
    # The stored state is SpiffWorkflow's own serialization: it must restore to a completed
    # workflow carrying the application's data.
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer

    serializer = BpmnWorkflowSerializer()
    rows = con.execute("SELECT id, status, step, refuse, state FROM application ORDER BY id").fetchall()
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


def main() -> int:
    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix="qyzmet-spiff-test-") as tmp:
        db = Path(tmp) / "peer.db"
        try:
            report, _ = run_peer(db)
        except Exception:
            traceback.print_exc()
            print("spiff-peer: 0 passed, 1 failed")
            return 1
        con = sqlite3.connect(str(db))
        try:
            for test in (test_report, test_journal, test_stored_state):
                try:
                    test(report, con)
                except Exception:
                    failed += 1
                    print(f"FAIL {test.__name__}", file=sys.stderr)
                    traceback.print_exc()
                else:
                    passed += 1
                    print(f"ok   {test.__name__}", file=sys.stderr)
        finally:
            con.close()
    print(f"spiff-peer: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

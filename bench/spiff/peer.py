#!/usr/bin/env python3
"""SpiffWorkflow reference peer of `qyzmet bench engine`.

Runs N office applications through bench/spiff/process.bpmn with SpiffWorkflow, durable per
step the way a naive BPM deployment is: at every transition (the submission, then each
completed user task) the whole workflow is serialized with SpiffWorkflow's own
BpmnWorkflowSerializer and written to the store, the application's row updated and one
journal row inserted, and the transaction committed before the next transition starts.  The
store is SQLite (WAL, synchronous=FULL) or, with --pg, PostgreSQL (psycopg 3, the server's
own durability: synchronous_commit on), in a fresh schema dropped at the end.

    python bench/spiff/peer.py --n 1000 --refuse-every 10 --db /tmp/spiff.db
    python bench/spiff/peer.py --n 1000 --pg postgresql://postgres@127.0.0.1:5432/test

stdout: one line of JSON with the figures; progress and information go to stderr.

Latency of a transition: from its start (finding the ready task, or creating the instance)
to the end of its COMMIT.  `seconds` is the wall time from the first transition's start to
the last commit, so parsing the BPMN and opening the database are not counted.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sqlite3
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

try:
    from SpiffWorkflow import TaskState
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.bpmn.parser import BpmnParser, BpmnValidator
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
except ImportError as exc:  # run with a python that is not the peer's venv
    sys.exit(f"spiff-peer: cannot import SpiffWorkflow ({exc}); run it with the python that "
             "`bash bench/spiff/setup.sh` prints on its last line")

HERE = Path(__file__).resolve().parent
BPMN_FILE = HERE / "process.bpmn"
PROCESS_ID = "office_application"
# One path through the model: submission + these five user tasks, one of the two executor
# tasks depending on `refuse`.
TRANSITIONS_PER_APPLICATION = 6

SQLITE_SCHEMA = """
CREATE TABLE application (
    id          INTEGER PRIMARY KEY,
    status      TEXT    NOT NULL,      -- 'in_progress' | 'completed'
    step        TEXT,                  -- the ready user task, NULL once completed
    lane        TEXT,                  -- the role that has to act on it
    refuse      INTEGER NOT NULL,
    state       TEXT    NOT NULL,      -- BpmnWorkflowSerializer.serialize_json(workflow)
    updated_ns  INTEGER NOT NULL
);
CREATE TABLE journal (
    id              INTEGER PRIMARY KEY,
    application_id  INTEGER NOT NULL REFERENCES application(id),
    seq             INTEGER NOT NULL,  -- 0 = submission, 1..5 = user tasks completed
    step            TEXT    NOT NULL,  -- 'submit' or the user task's id
    lane            TEXT,
    at_ns           INTEGER NOT NULL,
    UNIQUE (application_id, seq)
);
"""


def info(msg: str) -> None:
    print(f"spiff-peer: {msg}", file=sys.stderr, flush=True)


def spiff_version() -> str:
    for name in ("spiffworkflow", "SpiffWorkflow"):
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return "unknown"


def load_spec(path: Path):
    """Parses (and validates against the BPMN 2.0 schema) the model, once per run."""
    parser = BpmnParser(validator=BpmnValidator())
    parser.add_bpmn_file(str(path))
    return parser.get_spec(PROCESS_ID), parser.get_subprocess_specs(PROCESS_ID)


SQLITE_MAGIC = b"SQLite format 3\x00"


def fresh_db(path: Path) -> sqlite3.Connection:
    """Opens an empty database at `path`, removing an earlier run's file (and only that)."""
    if path.exists():
        with open(path, "rb") as f:
            head = f.read(len(SQLITE_MAGIC))
        if head and head != SQLITE_MAGIC:
            raise SystemExit(f"spiff-peer: {path} exists and is not an SQLite database; not overwriting it")
    for suffix in ("", "-wal", "-shm", "-journal"):
        p = Path(str(path) + suffix)
        if p.exists():
            p.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    # isolation_level=None: no implicit transactions, each transition is BEGIN ... COMMIT.
    con = sqlite3.connect(str(path), isolation_level=None)
    mode = con.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    if mode.lower() != "wal":
        raise SystemExit(f"spiff-peer: could not put {path} in WAL mode (got {mode})")
    con.execute("PRAGMA synchronous=FULL")
    con.executescript(SQLITE_SCHEMA)
    return con


class SqliteStore:
    """One transaction per transition: BEGIN, the application row, a journal row, COMMIT."""

    kind = "sqlite"

    def __init__(self, path: Path):
        self.con = fresh_db(path)
        self.version = sqlite3.sqlite_version
        self.where = str(path)

    def submit(self, app_id: int, step: str, lane: str | None, refuse: bool, state: str, now: int) -> None:
        con = self.con
        con.execute("BEGIN")
        con.execute(
            "INSERT INTO application (id, status, step, lane, refuse, state, updated_ns) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (app_id, "in_progress", step, lane, int(refuse), state, now),
        )
        con.execute(
            "INSERT INTO journal (application_id, seq, step, lane, at_ns) VALUES (?, 0, 'submit', NULL, ?)",
            (app_id, now),
        )
        con.execute("COMMIT")

    def advance(self, app_id: int, seq: int, step: str, lane: str | None, status: str,
                next_step: str | None, next_lane: str | None, state: str, now: int) -> None:
        con = self.con
        con.execute("BEGIN")
        con.execute(
            "UPDATE application SET status = ?, step = ?, lane = ?, state = ?, updated_ns = ? WHERE id = ?",
            (status, next_step, next_lane, state, now, app_id),
        )
        con.execute(
            "INSERT INTO journal (application_id, seq, step, lane, at_ns) VALUES (?, ?, ?, ?, ?)",
            (app_id, seq, step, lane, now),
        )
        con.execute("COMMIT")

    def close(self) -> None:
        self.con.close()


# The same tables and columns as SQLITE_SCHEMA, in PostgreSQL's types.  `state` stays TEXT
# (not jsonb): the same bytes are stored, and PostgreSQL compresses it out of line (TOAST) by
# default, which is part of what is measured.
PG_SCHEMA = """
CREATE TABLE application (
    id          BIGINT  PRIMARY KEY,
    status      TEXT    NOT NULL,
    step        TEXT,
    lane        TEXT,
    refuse      INTEGER NOT NULL,
    state       TEXT    NOT NULL,
    updated_ns  BIGINT  NOT NULL
);
CREATE TABLE journal (
    id              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id  BIGINT  NOT NULL REFERENCES application(id),
    seq             INTEGER NOT NULL,
    step            TEXT    NOT NULL,
    lane            TEXT,
    at_ns           BIGINT  NOT NULL,
    UNIQUE (application_id, seq)
);
"""
# Marks a schema as this peer's, so that a rerun with the same --pg-schema may replace it (as
# --db replaces an earlier run's file) while any other schema of that name is left alone.
PG_MARK = "qyzmet bench/spiff/peer.py"
PG_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def import_psycopg():
    try:
        import psycopg
    except ImportError as exc:
        raise SystemExit(f"spiff-peer: --pg needs psycopg 3 ({exc}); run `bash bench/spiff/setup.sh` "
                         "and the python it prints") from None
    return psycopg


def redact(url: str) -> str:
    """The connection string without its password, for messages."""
    from psycopg import conninfo

    try:
        parts = conninfo.conninfo_to_dict(url)
    except Exception:  # unparsable: say nothing of it but that
        return "(unparsable connection string)"
    if "password" in parts:
        parts["password"] = "***"
    return conninfo.make_conninfo(**parts)


class PgStore:
    """PostgreSQL in its own schema; one transaction per transition, as SqliteStore."""

    kind = "postgres"

    def __init__(self, url: str, schema: str, keep: bool):
        psycopg = import_psycopg()
        from psycopg import sql

        self.psycopg, self.url, self.schema, self.keep = psycopg, url, schema, keep
        self.ident = sql.Identifier(schema)
        try:
            # autocommit: no implicit transaction; each transition is BEGIN ... COMMIT below.
            self.con = psycopg.connect(url, autocommit=True, application_name="qyzmet-spiff-peer")
        except psycopg.Error as exc:
            raise SystemExit(f"spiff-peer: cannot connect to PostgreSQL at --pg {redact(url)!r}: {exc}") from None
        con = self.con
        try:
            # The peer measures commits that survive a crash: refuse a server or URL that
            # turned that off, rather than report figures of a weaker store.
            for setting, weak in (("synchronous_commit", "off"), ("fsync", "off")):
                value = con.execute(sql.SQL("SHOW {}").format(sql.Identifier(setting))).fetchone()[0]
                if value == weak:
                    raise SystemExit(f"spiff-peer: PostgreSQL has {setting}={value}; the peer measures "
                                     "durable commits, so it needs the default (on)")
            self.version = con.info.parameter_status("server_version") or "unknown"
            self.where = f"{con.info.host}:{con.info.port}/{con.info.dbname}, schema {schema}"
            self._fresh_schema()
        except BaseException:
            con.close()
            raise

    def _fresh_schema(self) -> None:
        from psycopg import sql

        con = self.con
        row = con.execute(
            "SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = %s",
            (self.schema,),
        ).fetchone()
        with con.transaction():
            if row is not None:
                if row[0] != PG_MARK:
                    raise SystemExit(f"spiff-peer: schema {self.schema!r} exists and is not an earlier "
                                     "run's of this peer; not dropping it (choose another --pg-schema)")
                con.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(self.ident))
            con.execute(sql.SQL("CREATE SCHEMA {}").format(self.ident))
            con.execute(sql.SQL("COMMENT ON SCHEMA {} IS {}").format(self.ident, sql.Literal(PG_MARK)))
            con.execute(sql.SQL("SET LOCAL search_path TO {}").format(self.ident))
            con.execute(PG_SCHEMA)
        con.execute(sql.SQL("SET search_path TO {}").format(self.ident))

    def submit(self, app_id: int, step: str, lane: str | None, refuse: bool, state: str, now: int) -> None:
        con = self.con
        with con.transaction():
            con.execute(
                "INSERT INTO application (id, status, step, lane, refuse, state, updated_ns) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (app_id, "in_progress", step, lane, int(refuse), state, now),
            )
            con.execute(
                "INSERT INTO journal (application_id, seq, step, lane, at_ns) VALUES (%s, 0, 'submit', NULL, %s)",
                (app_id, now),
            )

    def advance(self, app_id: int, seq: int, step: str, lane: str | None, status: str,
                next_step: str | None, next_lane: str | None, state: str, now: int) -> None:
        con = self.con
        with con.transaction():
            con.execute(
                "UPDATE application SET status = %s, step = %s, lane = %s, state = %s, updated_ns = %s WHERE id = %s",
                (status, next_step, next_lane, state, now, app_id),
            )
            con.execute(
                "INSERT INTO journal (application_id, seq, step, lane, at_ns) VALUES (%s, %s, %s, %s, %s)",
                (app_id, seq, step, lane, now),
            )

    def close(self) -> None:
        """Drops the schema (unless --keep), also after a failed run."""
        from psycopg import sql

        if self.keep:
            info(f"kept schema {self.schema}")
            self.con.close()
            return
        drop = sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(self.ident)
        try:
            if self.con.info.transaction_status != self.psycopg.pq.TransactionStatus.IDLE:
                self.con.rollback()
            self.con.execute(drop)
        except self.psycopg.Error:
            # The session broke mid-run: drop it from a new one.
            try:
                with self.psycopg.connect(self.url, autocommit=True) as con:
                    con.execute(drop)
            except self.psycopg.Error as exc:
                info(f"could not drop schema {self.schema}: {exc}")
        finally:
            self.con.close()


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(q / 100.0 * len(sorted_values)))
    return sorted_values[rank - 1]


def ready_user_task(workflow: BpmnWorkflow):
    return workflow.get_next_task(state=TaskState.READY, manual=True)


# What each role writes into the application's data when it completes its task: small, like
# the form a real clerk fills in, so that the state grows a little at every step.
def task_payload(step: str, app_id: int) -> dict:
    if step == "register":
        return {"registration_no": f"REG-{app_id:07d}", "registered_by": "clerk-1"}
    if step == "assign":
        return {"executor": f"executor-{app_id % 3 + 1}", "assigned_by": "head-1"}
    if step == "prepare_result":
        return {"result": {"kind": "result", "document_no": f"RES-{app_id:07d}"}}
    if step == "prepare_refusal":
        return {"result": {"kind": "refusal", "document_no": f"REF-{app_id:07d}",
                           "reason": "incomplete set of documents"}}
    if step == "sign":
        return {"signed_by": "head-1"}
    if step == "issue":
        return {"issued_by": "clerk-1", "issued": True}
    raise ValueError(f"unexpected user task {step!r}")


def run(n: int, refuse_every: int, open_store) -> dict:
    """`open_store()` gives a SqliteStore or PgStore; it is closed (a PostgreSQL schema
    dropped unless kept) whether the run succeeds or not."""
    spec, subprocess_specs = load_spec(BPMN_FILE)
    store = open_store()
    try:
        return run_on(n, refuse_every, spec, subprocess_specs, store)
    finally:
        store.close()


def run_on(n: int, refuse_every: int, spec, subprocess_specs, store) -> dict:
    serializer = BpmnWorkflowSerializer()
    info(f"SpiffWorkflow {spiff_version()}, {n} applications, {store.kind} {store.version} at {store.where}")

    latencies_ns: list[int] = []
    refusals = 0
    transitions = 0
    clock = time.perf_counter_ns
    started = clock()

    for app_id in range(1, n + 1):
        refuse = refuse_every > 0 and app_id % refuse_every == 0
        refusals += refuse

        # Transition 0: the submission creates the instance.
        t0 = clock()
        workflow = BpmnWorkflow(spec, subprocess_specs)
        start = workflow.get_next_task(state=TaskState.READY)
        start.data.update({"application_id": app_id, "applicant": f"IIN-{app_id:012d}", "refuse": refuse})
        workflow.do_engine_steps()
        nxt = ready_user_task(workflow)
        state = serializer.serialize_json(workflow)
        store.submit(app_id, nxt.task_spec.name, nxt.task_spec.lane, refuse, state, time.time_ns())
        latencies_ns.append(clock() - t0)
        transitions += 1

        # Transitions 1..5: each ready user task is completed by its role.
        seq = 0
        while True:
            t0 = clock()
            task = ready_user_task(workflow)
            if task is None:
                break
            seq += 1
            step, lane = task.task_spec.name, task.task_spec.lane
            task.data.update(task_payload(step, app_id))
            task.run()
            workflow.do_engine_steps()
            nxt = ready_user_task(workflow)
            done = workflow.is_completed()
            state = serializer.serialize_json(workflow)
            store.advance(app_id, seq, step, lane, "completed" if done else "in_progress",
                          None if nxt is None else nxt.task_spec.name,
                          None if nxt is None else nxt.task_spec.lane,
                          state, time.time_ns())
            latencies_ns.append(clock() - t0)
            transitions += 1

        if not workflow.is_completed() or seq != TRANSITIONS_PER_APPLICATION - 1:
            raise SystemExit(f"spiff-peer: application {app_id} stopped after {seq} user tasks, not completed")
        if app_id % 100 == 0 or app_id == n:
            info(f"{app_id}/{n} applications")

    seconds = (clock() - started) / 1e9

    lat_ms = sorted(ns / 1e6 for ns in latencies_ns)
    return {
        "peer": "spiffworkflow",
        "version": spiff_version(),
        "applications": n,
        "transitions": transitions,
        "seconds": round(seconds, 6),
        "applications_per_s": round(n / seconds, 3) if seconds > 0 else 0.0,
        "transitions_per_s": round(transitions / seconds, 3) if seconds > 0 else 0.0,
        "p50_ms": round(percentile(lat_ms, 50), 3),
        "p99_ms": round(percentile(lat_ms, 99), 3),
        "refusals": refusals,
        "python": ".".join(map(str, sys.version_info[:3])),
        "store": store.kind,
        "store_version": store.version,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000, help="applications to run (default 1000)")
    ap.add_argument("--refuse-every", type=int, default=10,
                    help="every K-th application is refused (default 10, i.e. 10%%; 0 = none)")
    where = ap.add_mutually_exclusive_group()
    where.add_argument("--db", type=Path, default=None,
                       help="SQLite file (recreated); default: a temporary file removed afterwards")
    where.add_argument("--pg", metavar="URL", default=None,
                       help="PostgreSQL instead of SQLite: a libpq URL or key=value string, "
                            "e.g. postgresql://postgres@127.0.0.1:5432/test")
    ap.add_argument("--pg-schema", metavar="NAME", default=None,
                    help="with --pg: the schema to create (default spiff_<pid>); an earlier run's "
                         "schema of that name is replaced, any other is refused")
    ap.add_argument("--keep", action="store_true",
                    help="with --pg: keep the schema afterwards (default: dropped)")
    args = ap.parse_args(argv)
    if args.n < 1:
        ap.error("--n must be at least 1")
    if args.refuse_every < 0:
        ap.error("--refuse-every must be 0 or more")
    if args.pg is None and (args.pg_schema is not None or args.keep):
        ap.error("--pg-schema and --keep apply to --pg only")
    schema = args.pg_schema if args.pg_schema is not None else f"spiff_{os.getpid()}"
    if not PG_SCHEMA_NAME.fullmatch(schema):
        ap.error(f"--pg-schema {schema!r}: must be 1 to 63 of a-z, 0-9 and _, not starting with a digit")

    if args.pg is not None:
        result = run(args.n, args.refuse_every, lambda: PgStore(args.pg, schema, args.keep))
    elif args.db is not None:
        result = run(args.n, args.refuse_every, lambda: SqliteStore(args.db))
    else:
        with tempfile.TemporaryDirectory(prefix="qyzmet-spiff-") as tmp:
            result = run(args.n, args.refuse_every, lambda: SqliteStore(Path(tmp) / "spiff.db"))
    info(f"{result['applications_per_s']} applications/s, {result['transitions_per_s']} transitions/s, "
         f"p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms")
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The store with a real SQLite file: durability under SIGKILL, two writers, undo, scheduler
switches, and databases it must refuse without touching."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from quizcards.core.day import DayRule
from quizcards.errors import StoreError
from quizcards.store.db import SCHEMA_VERSION, Answer, Store

RULE = DayRule(4, UTC)
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)

WRITER = textwrap.dedent("""
    import sys
    from datetime import UTC, datetime, timedelta
    from quizcards.core.day import DayRule
    from quizcards.store.db import Answer, Store
    path, tag, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    store = Store.open(__import__("pathlib").Path(path), "sm2", DayRule(4, UTC))
    t = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    for i in range(n):
        r = store.record(Answer("d", f"c{i % 7}", grade=(i % 6), answer=f"{tag}-{i}"),
                         t + timedelta(minutes=i))
        print(f"ack {r.review_id} {tag}-{i}", flush=True)
""")


def _integrity(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def test_sigkill_mid_stream_loses_no_acknowledged_answer(tmp_path: Path) -> None:
    db = tmp_path / "kill.sqlite3"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(db), "k", "100000"],
                            stdout=subprocess.PIPE, text=True)
    acked = []
    assert proc.stdout is not None
    for line in proc.stdout:
        acked.append(line.split()[2])
        if len(acked) == 150:
            os.kill(proc.pid, signal.SIGKILL)  # in the middle of the stream
            break
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert _integrity(db) == "ok"
    store = Store.open(db, "sm2", RULE)
    logged = {a for (a,) in store.conn.execute("SELECT answer FROM reviews")}
    assert set(acked) <= logged
    # the derived state agrees with the log (a rebuild changes nothing)
    before = store.summaries()
    store.rebuild()
    assert store.summaries() == before
    store.close()


def test_two_processes_answering_at_once_lose_nothing(tmp_path: Path) -> None:
    db = tmp_path / "two.sqlite3"
    Store.open(db, "sm2", RULE).close()
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(db), tag, "150"],
                              stdout=subprocess.PIPE, text=True) for tag in ("a", "b")]
    outs = [p.communicate(timeout=120)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert sum(len(o.splitlines()) for o in outs) == 300
    assert _integrity(db) == "ok"
    store = Store.open(db, "sm2", RULE)
    assert store.conn.execute("SELECT count(*) FROM reviews").fetchone()[0] == 300
    counts = dict(store.conn.execute(
        "SELECT card_id, count(*) FROM reviews GROUP BY card_id").fetchall())
    assert {k[1]: s.reviews for k, s in store.summaries().items()} == counts
    before = store.summaries()
    store.rebuild()
    assert store.summaries() == before
    store.close()


def test_undo_takes_back_the_last_answer(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "u.sqlite3", "sm2", RULE)
    store.record(Answer("d", "a", grade=5), T0)
    first = store.state(("d", "a"))
    store.record(Answer("d", "a", grade=1, answer="oops"), T0 + timedelta(days=1))
    store.record(Answer("d", "b", grade=4), T0 + timedelta(days=1))
    undone = store.undo_last()
    assert undone is not None and undone.key == ("d", "b")
    assert store.state(("d", "b")) is None  # b is new again
    undone = store.undo_last()
    assert undone is not None and undone.answer == "oops"
    assert store.state(("d", "a")) == first
    # the log keeps every row; the undone ones are marked
    history = store.history(("d", "a"))
    assert [h.undone for h in history] == [False, True]
    assert store.conn.execute("SELECT count(*) FROM reviews").fetchone()[0] == 3
    store.undo_last()
    assert store.undo_last() is None
    store.close()


def test_fsrs_switch_round_trip(tmp_path: Path) -> None:
    db = tmp_path / "f.sqlite3"
    store = Store.open(db, "sm2", RULE)
    t = T0
    for i in range(40):
        store.record(Answer("d", f"c{i % 5}", grade=[5, 3, 1, 4, 2][i % 5]), t)
        t += timedelta(hours=13)
    sm2_states = store.summaries()
    store.close()
    fsrs = Store.open(db, "fsrs", RULE)  # the config says fsrs now: the log is replayed
    fsrs_states = fsrs.summaries()
    assert fsrs_states.keys() == sm2_states.keys()
    assert fsrs_states != sm2_states
    state = fsrs.state(("d", "c0"))
    assert state is not None and state.card["stability"] > 0  # type: ignore[attr-defined]
    fsrs.close()
    back = Store.open(db, "sm2", RULE)
    assert back.summaries() == sm2_states
    back.close()


def test_corrupt_database_is_refused_and_untouched(tmp_path: Path) -> None:
    db = tmp_path / "bad.sqlite3"
    junk = b"this is not a database at all\n" * 100
    db.write_bytes(junk)
    with pytest.raises(StoreError, match="not a usable quizcards database"):
        Store.open(db)
    assert db.read_bytes() == junk


def test_newer_database_is_refused_and_untouched(tmp_path: Path) -> None:
    db = tmp_path / "new.sqlite3"
    Store.open(db).close()
    with sqlite3.connect(db) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    before = db.read_bytes()
    with pytest.raises(StoreError, match="newer quizcards"):
        Store.open(db)
    assert db.read_bytes() == before


def test_cli_reports_a_corrupt_database_without_a_traceback(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "data").mkdir(parents=True)
    (home / "data" / "quizcards.sqlite3").write_bytes(b"garbage" * 1000)
    proc = subprocess.run([sys.executable, "-m", "quizcards", "stats"], capture_output=True,
                          text=True, env={**os.environ, "QUIZCARDS_HOME": str(home)})
    assert proc.returncode == 1
    assert "not a usable quizcards database" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert (home / "data" / "quizcards.sqlite3").read_bytes() == b"garbage" * 1000


def test_every_answer_field_is_logged(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "l.sqlite3", "sm2", RULE)
    store.record(Answer("d", "a", grade=4, suggested_grade=5, answer="(3, 4)",
                        verdict={"correct": True, "status": "ok"}, duration_ms=2500), T0)
    row = store.conn.execute(
        "SELECT id, deck_id, card_id, time_ms, grade, suggested_grade, answer, verdict,"
        " duration_ms, scheduler, state_after FROM reviews").fetchone()
    assert row[1:3] == ("d", "a") and row[3] == int(T0.timestamp() * 1000)
    assert row[4:7] == (4, 5, "(3, 4)")
    assert json.loads(row[7])["correct"] is True
    assert row[8:10] == (2500, "sm2")
    assert json.loads(row[10])["interval"] == 1
    store.close()


def test_a_version_1_database_migrates_and_keeps_its_history(tmp_path: Path) -> None:
    from quizcards.store.db import MIGRATIONS

    db = tmp_path / "v1.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.executescript(MIGRATIONS[1])
        conn.execute("PRAGMA user_version = 1")
        conn.execute("INSERT INTO meta VALUES ('scheduler', 'sm2')")
        conn.execute("INSERT INTO reviews (deck_id, card_id, time_ms, day, grade, scheduler,"
                     " state_after) VALUES ('d', 'a', 0, 1, 5, 'sm2', '{}')")
    store = Store.open(db, "sm2", RULE)
    assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 4
    assert store.conn.execute("SELECT count(*) FROM reviews").fetchone()[0] == 1
    assert store.last_exam("{}") is None  # the exams table exists now
    store.close()

"""Sync through a folder (issue 15): two profiles on one machine answer offline, sync both
ways through one folder in any order and any number of times, and end with equal card
states and equal logs; half-written and foreign files, untrusted entries, a clock that runs
backwards, a folder never changed, and the migration from schema 3. Real SQLite files."""

from __future__ import annotations

import json
import sqlite3
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizcards.core.day import DayRule
from quizcards.store.db import MIGRATIONS, SCHEMA_VERSION, Answer, Store
from quizcards.sync import SyncReport, sync_folder

RULE = DayRule(4, UTC)
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


# -- helpers -------------------------------------------------------------------------------
def _open(path: Path, scheduler: str = "sm2") -> Store:
    return Store.open(path, scheduler, RULE)  # type: ignore[arg-type]


def _states(store: Store) -> list[tuple[Any, ...]]:
    return store.conn.execute(
        "SELECT deck_id, card_id, due_day, last_day, first_day, repeat_pending, lapses,"
        " reviews, state FROM card_state ORDER BY deck_id, card_id").fetchall()


def _flags(store: Store) -> list[tuple[Any, ...]]:
    return store.conn.execute(
        "SELECT deck_id, card_id, suspended, buried_day, leech FROM card_flags"
        " ORDER BY deck_id, card_id").fetchall()


def _log(store: Store) -> tuple[set[str], set[str], set[str]]:
    """Every review uid, every event uid, the live (counted) review uids."""
    reviews = {u for (u,) in store.conn.execute("SELECT uid FROM reviews")}
    events = {u for (u,) in store.conn.execute("SELECT uid FROM events")}
    live = {u for (u,) in store.conn.execute("SELECT uid FROM live_reviews")}
    return reviews, events, live


def _same(a: Store, b: Store) -> None:
    assert _log(a) == _log(b)
    assert _states(a) == _states(b)
    assert _flags(a) == _flags(b)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _sync(store: Store, folder: Path) -> SyncReport:
    """One sync, checking that nothing already in the folder was changed or deleted."""
    before = _snapshot(folder)
    report = sync_folder(store, folder)
    after = _snapshot(folder)
    for name, data in before.items():
        assert after.get(name) == data, f"{name} was changed or deleted"
    assert not [n for n in after if Path(n).name.startswith(".")], "a temporary file was left"
    return report


def _leech(store: Store, key: tuple[str, str], t: datetime) -> datetime:
    store.record(Answer(*key, grade=5), t)
    for i in range(8):
        t += timedelta(days=1, minutes=i)
        store.record(Answer(*key, grade=1), t)
    return t


def _offline(a: Store, b: Store) -> None:
    """Interleaved and overlapping answers, undo, suspend, unsuspend, bury and a leech."""
    t = T0
    for i in range(6):  # a: c0..c5, b: c3..c8 (c3-c5 answered on both)
        t += timedelta(minutes=7)
        a.record(Answer("d", f"c{i}", grade=(i + 3) % 6), t)
        t += timedelta(minutes=3)
        b.record(Answer("d", f"c{i + 3}", grade=(i + 4) % 6), t)
    t += timedelta(hours=1)
    a.record(Answer("d", "c4", grade=1), t)
    assert a.undo_last() is not None  # a takes back its second answer to c4
    b.record(Answer("d", "c4", grade=2), t + timedelta(minutes=1))
    b.set_suspended(("d", "c6"), True)
    a.bury(("d", "c2"), RULE.day_of(t))
    b.set_suspended(("d", "c7"), True)
    b.set_suspended(("d", "c7"), False)
    _leech(a, ("d", "leech"), t + timedelta(minutes=5))
    b.record(Answer("d", "leech", grade=4), t + timedelta(days=2, hours=3))  # offline, too


# -- the whole story -----------------------------------------------------------------------
def test_two_profiles_converge_and_keep_both_answers(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    a, b = _open(tmp_path / "a.sqlite3"), _open(tmp_path / "b.sqlite3")
    assert a.device != b.device
    _offline(a, b)
    a_log, b_log = _log(a), _log(b)
    first = _sync(a, folder)
    assert first.sent == len(a_log[0]) + len(a_log[1]) and first.received == 0
    second = _sync(b, folder)
    assert second.received == first.sent and second.devices == 1
    third = _sync(a, folder)
    assert third.received == second.sent
    _same(a, b)
    reviews, events, _ = _log(a)
    assert reviews == a_log[0] | b_log[0] and events == a_log[1] | b_log[1]
    # both answers to a card answered on both devices are kept, and count
    history = a.history(("d", "c4"))
    assert len([h for h in history if not h.undone]) == 3
    assert [h.undone for h in history].count(True) == 1
    # undo, suspend, bury and the leech travelled
    flags = {(d, c): (s, bd, lch) for d, c, s, bd, lch in _flags(b)}
    assert flags[("d", "c6")][0] == 1 and flags[("d", "c7")][0] == 0
    assert flags[("d", "c2")][1] is not None
    assert flags[("d", "leech")] == (1, None, 1) and b.leeches() == [("d", "leech")]
    # more syncs change nothing and send nothing
    for store in (a, b, a, b):
        again = _sync(store, folder)
        assert again.sent == 0 and again.received == 0
    _same(a, b)
    # a third device that never answered ends with the same states
    c = _open(tmp_path / "c.sqlite3")
    assert _sync(c, folder).devices == 2
    _same(a, c)


def test_the_states_after_a_sync_are_a_replay_of_the_merged_log(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    a, b = _open(tmp_path / "a.sqlite3"), _open(tmp_path / "b.sqlite3")
    _offline(a, b)
    _sync(a, folder), _sync(b, folder), _sync(a, folder)
    synced = _states(a)
    a.rebuild()
    assert _states(a) == synced


def test_undo_after_a_sync_takes_back_this_devices_answer(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    a, b = _open(tmp_path / "a.sqlite3"), _open(tmp_path / "b.sqlite3")
    a.record(Answer("d", "x", grade=4), T0)
    b.record(Answer("d", "y", grade=4), T0 + timedelta(minutes=1))
    _sync(b, folder), _sync(a, folder)
    undone = a.undo_last()  # b's answer came in later, but a's own is the one taken back
    assert undone is not None and undone.key == ("d", "x")
    _sync(a, folder), _sync(b, folder)
    _same(a, b)
    assert b.state(("d", "x")) is None and b.state(("d", "y")) is not None


ops = st.lists(st.sampled_from(["sync a", "sync b", "answer a", "answer b"]),
               min_size=1, max_size=8)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops, st.sampled_from(["sm2", "fsrs"]))
def test_any_order_and_number_of_syncs_converges(steps: list[str], scheduler: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = root / "shared"
        folder.mkdir()
        a, b = _open(root / "a.sqlite3", scheduler), _open(root / "b.sqlite3", scheduler)
        stores = {"a": a, "b": b}
        _offline(a, b)
        t = T0 + timedelta(days=20)
        for n, step in enumerate(steps):
            what, who = step.split()
            if what == "sync":
                _sync(stores[who], folder)
            else:  # answer more offline, on a card the other device may answer too
                t += timedelta(hours=5)
                stores[who].record(Answer("d", f"c{n % 5 + 2}", grade=n % 6), t)
        expected = _log(a)[0] | _log(b)[0], _log(a)[1] | _log(b)[1]
        for who in "abab":  # then each side syncs until both have everything
            _sync(stores[who], folder)
        _same(a, b)
        assert _log(a)[:2] == expected  # nothing lost, nothing made up
        a.close(), b.close()


def test_a_leech_that_only_the_merged_answers_make_is_flagged_once(tmp_path: Path) -> None:
    """Four lapses here, four there: neither device made a leech, the merged log does."""
    folder = tmp_path / "shared"
    folder.mkdir()
    a, b = _open(tmp_path / "a.sqlite3"), _open(tmp_path / "b.sqlite3")
    key = ("d", "x")
    a.record(Answer(*key, grade=5), T0)
    for i in range(4):
        a.record(Answer(*key, grade=1), T0 + timedelta(days=1 + i))
    for i in range(5):  # b's first answer is to a new card: no lapse on b alone
        b.record(Answer(*key, grade=1), T0 + timedelta(days=10 + i))
    assert a.leeches() == [] and b.leeches() == []
    _sync(a, folder), _sync(b, folder), _sync(a, folder)
    _same(a, b)
    assert a.leeches() == [key] and a.flags()[key].suspended
    assert a.conn.execute("SELECT count(*) FROM events WHERE kind = 'leech'").fetchone()[0] == 1


# -- the folder's contents -----------------------------------------------------------------
def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.jsonl"))


def test_the_file_format(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    a = _open(tmp_path / "a.sqlite3")
    a.record(Answer("d", "x", grade=4, suggested_grade=5, answer="(3, 4)",
                    verdict={"correct": True}, duration_ms=1200), T0)
    a.set_suspended(("d", "x"), True)
    report = _sync(a, folder)
    (path,) = _files(folder)
    assert path.parent.name == a.device and report.written == path
    lines = path.read_text("utf-8").splitlines()
    header = json.loads(lines[0])
    assert header["quizcards_sync"] == 1 and header["device"] == a.device
    assert header["entries"] == 2 == len(lines) - 1
    review, event = (json.loads(line) for line in lines[1:])
    assert review["type"] == "review" and review["grade"] == 4 and review["answer"] == "(3, 4)"
    assert review["deck_id"] == "d" and review["card_id"] == "x" and review["device"] == a.device
    assert review["time_ms"] == int(T0.timestamp() * 1000) and review["scheduler"] == "sm2"
    assert review["verdict"] == {"correct": True} and review["uid"]
    assert event["type"] == "event" and event["kind"] == "suspend" and event["uid"]
    # nothing new: no new file
    assert _sync(a, folder).written is None and len(_files(folder)) == 1
    a.record(Answer("d", "y", grade=3), T0 + timedelta(minutes=1))
    _sync(a, folder)
    assert len(_files(folder)) == 2  # a new file; the first one untouched


def test_a_truncated_file_is_skipped_then_picked_up_when_complete(tmp_path: Path) -> None:
    private, shared = tmp_path / "private", tmp_path / "shared"
    private.mkdir(), shared.mkdir()
    a, b = _open(tmp_path / "a.sqlite3"), _open(tmp_path / "b.sqlite3")
    for i in range(5):
        a.record(Answer("d", f"c{i}", grade=4), T0 + timedelta(minutes=i))
    _sync(a, private)
    (whole,) = _files(private)
    data = whole.read_bytes()
    half = shared / whole.relative_to(private)
    half.parent.mkdir()
    ends = [i for i, byte in enumerate(data) if byte == ord("\n")]
    cut = ends[-3] + 20  # the fourth entry cut short, the fifth not there yet
    half.write_bytes(data[:cut])
    report = _sync(b, shared)
    assert report.received == 3
    assert [name for name, _ in report.skipped_files] == [str(half)]
    assert "incomplete" in report.skipped_files[0][1]
    assert str(half) in report.summary()
    # the syncing tool finishes writing the file: the rest comes in, nothing twice
    half.write_bytes(data)
    report = _sync(b, shared)
    assert report.received == 2 and report.skipped_files == []
    assert _states(a) == _states(b)
    assert _sync(b, shared).received == 0  # done with it


def test_foreign_and_garbage_files_are_skipped_with_a_message(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    a, b = _open(tmp_path / "a.sqlite3"), _open(tmp_path / "b.sqlite3")
    a.record(Answer("d", "x", grade=4), T0)
    _sync(a, shared)
    (shared / "README.txt").write_text("this folder is synced by Syncthing\n")
    (shared / "junk").mkdir()
    (shared / "junk" / "noise.jsonl").write_bytes(bytes(range(256)) * 4)
    (shared / "junk" / "other.jsonl").write_text('{"not": "ours"}\n')
    (shared / "junk" / "big.jsonl").write_bytes(b"x" * (1 << 25))  # no newline: not read whole
    (shared / a.device / "notes.txt").write_text("hello\n")
    (shared / ".stfolder").mkdir()  # a sync tool's own: ignored silently
    (shared / ".git").mkdir()
    (shared / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    report = _sync(b, shared)
    assert report.received == 1
    skipped = {Path(name).name for name, _ in report.skipped_files}
    assert skipped == {"README.txt", "noise.jsonl", "other.jsonl", "notes.txt", "big.jsonl"}
    assert b.state(("d", "x")) is not None


def _entry_file(folder: Path, device: str, entries: list[dict[str, Any]]) -> Path:
    path = folder / device / "000001-test.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [{"quizcards_sync": 1, "device": device, "entries": len(entries)}, *entries]
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    return path


GOOD = {"type": "review", "uid": "u-good", "device": "dev1", "time_ms": 1772445600000,
        "day": 20514, "deck_id": "d", "card_id": "x", "grade": 4, "suggested_grade": None,
        "answer": None, "verdict": None, "duration_ms": 900, "scheduler": "sm2",
        "scheduler_version": "sm2 1", "mode": "review"}


@pytest.mark.parametrize("change", [
    {"grade": 6}, {"grade": -1}, {"grade": "4"}, {"grade": True}, {"grade": 4.0},
    {"scheduler": "sm3"}, {"time_ms": "yesterday"}, {"deck_id": 5}, {"card_id": ""},
    {"uid": None}, {"verdict": "[1, 2]"}, {"mode": "cram"}, {"suggested_grade": 9},
    {"duration_ms": -5}, {"day": None}, {"answer": ["a"]}, {"type": "telepathy"},
])
def test_an_untrusted_entry_is_validated_before_it_is_inserted(
        tmp_path: Path, change: dict[str, Any]) -> None:
    shared = tmp_path / "shared"
    b = _open(tmp_path / "b.sqlite3")
    bad = {**GOOD, "uid": "u-bad", "card_id": "y", **change}
    path = _entry_file(shared, "dev1", [GOOD, bad])
    report = _sync(b, shared)
    assert report.received == 1 and b.state(("d", "x")) is not None
    assert b.state(("d", "y")) is None
    assert len(report.skipped_entries) == 1 and str(path) in report.skipped_entries[0]
    assert "line 3" in report.skipped_entries[0]
    assert b.conn.execute("SELECT count(*) FROM reviews").fetchone()[0] == 1


@pytest.mark.parametrize("event", [
    {"kind": "explode"}, {"kind": "bury", "day": "today"}, {"kind": "undo", "target": 3},
    {"kind": "suspend", "deck_id": None}, {"kind": "set", "value": "all"},
])
def test_an_untrusted_event_is_validated_too(tmp_path: Path, event: dict[str, Any]) -> None:
    shared = tmp_path / "shared"
    b = _open(tmp_path / "b.sqlite3")
    base = {"type": "event", "uid": "e-bad", "device": "dev1", "time_ms": 1772445600000,
            "deck_id": "d", "card_id": "x", "target": None, "day": None, "value": None}
    _entry_file(shared, "dev1", [GOOD, {**base, **event}])
    report = _sync(b, shared)
    assert report.received == 1 and len(report.skipped_entries) == 1
    assert b.conn.execute("SELECT count(*) FROM events").fetchone()[0] == 0


def test_a_uid_already_present_is_skipped(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    b = _open(tmp_path / "b.sqlite3")
    _entry_file(shared, "dev1", [GOOD, {**GOOD, "grade": 0}])  # the same uid twice
    report = _sync(b, shared)
    assert report.received == 1 and report.duplicates == 1
    assert [h.grade for h in b.history(("d", "x"))] == [4]


def test_a_clock_that_runs_backwards_loses_nothing_and_converges(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    a, b = _open(tmp_path / "a.sqlite3"), _open(tmp_path / "b.sqlite3")
    # b's clock: forward, then set back by two days, then forward again
    b_times = [T0 + timedelta(days=2), T0 + timedelta(days=2, hours=1), T0,
               T0 + timedelta(minutes=30), T0 + timedelta(days=3)]
    for i, t in enumerate(b_times):
        b.record(Answer("d", f"c{i % 2}", grade=(4 if i % 3 else 1)), t)
    b.set_suspended(("d", "c1"), True)
    b.set_suspended(("d", "c1"), False)  # the clock behind: still the last word
    for i in range(4):
        a.record(Answer("d", f"c{i % 3}", grade=3 + i % 3), T0 + timedelta(days=1, hours=i))
    a.set_suspended(("d", "c2"), True)
    _sync(b, shared), _sync(a, shared), _sync(b, shared)
    _same(a, b)
    assert len(_log(a)[2]) == 9  # every answer counts, none lost
    assert b.flags()[("d", "c1")].suspended is False
    # b's answers to a card stay in the order they were given on b
    assert [h.grade for h in b.history(("d", "c0"))] == [3, 3, 1, 4, 4]
    b.rebuild()
    _same(a, b)


def test_an_answer_after_a_sync_comes_after_what_was_received(tmp_path: Path) -> None:
    """b's clock is an hour behind a's: b's answer, given after a's arrived, still counts as
    the later one (the card's history keeps the order in which b saw it)."""
    shared = tmp_path / "shared"
    shared.mkdir()
    a, b = _open(tmp_path / "a.sqlite3"), _open(tmp_path / "b.sqlite3")
    a.record(Answer("d", "x", grade=5), T0 + timedelta(hours=1))
    a.set_suspended(("d", "x"), True)
    _sync(a, shared), _sync(b, shared)
    b.set_suspended(("d", "x"), False)
    b.record(Answer("d", "x", grade=1), T0)  # b's clock says earlier
    _sync(b, shared), _sync(a, shared)
    _same(a, b)
    assert [h.grade for h in a.history(("d", "x"))] == [5, 1]
    assert a.flags()[("d", "x")].suspended is False


# -- the folder itself ---------------------------------------------------------------------
def test_an_unusable_folder_is_an_error(tmp_path: Path) -> None:
    from quizcards.errors import SyncError

    a = _open(tmp_path / "a.sqlite3")
    with pytest.raises(SyncError, match="no such folder"):
        sync_folder(a, tmp_path / "missing")
    (tmp_path / "file").write_text("x")
    with pytest.raises(SyncError, match="not a folder"):
        sync_folder(a, tmp_path / "file")


# -- migration -----------------------------------------------------------------------------
def _v3(path: Path) -> None:
    """A schema-3 database as the old code made it: answers, an undo, a suspension, a bury
    and a leech (with the flags saved before it)."""
    with sqlite3.connect(path) as conn:
        for version in (1, 2, 3):
            conn.executescript(MIGRATIONS[version])
        conn.execute("PRAGMA user_version = 3")
        conn.execute("INSERT INTO meta VALUES ('scheduler', 'sm2')")
        store = _open(path.with_name("scratch.sqlite3"))  # computes the states to log
        t = T0
        rows = [("d", "a", 4), ("d", "b", 3), ("d", "a", 5), ("d", "c", 1)]
        for deck, card, grade in rows:
            t += timedelta(days=1)
            store.record(Answer(deck, card, grade=grade), t)
        _leech(store, ("d", "l"), t + timedelta(hours=1))
        for r in store.conn.execute(
                "SELECT id, deck_id, card_id, time_ms, day, grade, scheduler, state_after,"
                " scheduler_version FROM reviews ORDER BY id"):
            conn.execute("INSERT INTO reviews (id, deck_id, card_id, time_ms, day, grade,"
                         " scheduler, state_after, scheduler_version)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", r)
        conn.execute("INSERT INTO undos VALUES (4, ?)", (int(t.timestamp() * 1000),))
        for key_row in store.conn.execute("SELECT * FROM card_state"):
            conn.execute("INSERT INTO card_state VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", key_row)
        conn.execute("DELETE FROM card_state WHERE card_id = 'c'")  # c's answer undone
        last = conn.execute("SELECT max(id) FROM reviews").fetchone()[0]
        conn.execute("INSERT INTO leech_flags_before VALUES (?, 0, 0, 0)", (last,))
        conn.executemany("INSERT INTO card_flags VALUES (?, ?, ?, ?, ?)", [
            ("d", "a", 1, None, 0), ("d", "b", 0, 20600, 0), ("d", "l", 1, None, 1)])
        store.close()


def test_a_version_3_database_migrates_to_uids_devices_and_events(tmp_path: Path) -> None:
    db = tmp_path / "v3.sqlite3"
    _v3(db)
    with sqlite3.connect(db) as conn:
        old_flags = conn.execute("SELECT * FROM card_flags ORDER BY card_id").fetchall()
        old_states = conn.execute("SELECT * FROM card_state ORDER BY card_id").fetchall()
        old_reviews = conn.execute("SELECT count(*) FROM reviews").fetchone()[0]
    store = _open(db)
    assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 4
    rows = store.conn.execute("SELECT uid, device FROM reviews").fetchall()
    assert len(rows) == old_reviews and len({u for u, _ in rows}) == old_reviews
    assert all(u and d == store.device for u, d in rows)
    assert _flags(store) == old_flags
    assert store.conn.execute("SELECT * FROM card_state ORDER BY card_id").fetchall() \
        == old_states
    kinds = [k for (k,) in store.conn.execute("SELECT kind FROM events ORDER BY id")]
    assert "undo" in kinds and "leech" in kinds
    # the device id is made once and kept
    device = store.device
    store.close()
    store = _open(db)
    assert store.device == device
    # the leech answer, still the last one, can be undone: its flags come back as before
    store.undo_last()
    assert store.flags()[("d", "l")].leech is False
    assert store.flags()[("d", "l")].suspended is False
    assert store.flags()[("d", "a")].suspended is True
    # and the whole migrated history travels
    shared = tmp_path / "shared"
    shared.mkdir()
    other = _open(tmp_path / "other.sqlite3")
    _sync(store, shared), _sync(other, shared)
    _same(store, other)
    store.close()


def test_a_new_database_has_a_device_and_uids(tmp_path: Path) -> None:
    store = _open(tmp_path / "new.sqlite3")
    assert len(store.device) >= 8
    store.record(Answer("d", "x", grade=4), T0)
    store.set_suspended(("d", "x"), True)
    (uid, device), = store.conn.execute("SELECT uid, device FROM reviews").fetchall()
    assert uid and device == store.device
    assert store.conn.execute("SELECT count(*) FROM events WHERE kind = 'suspend'"
                              " AND uid IS NOT NULL").fetchone()[0] == 1


# -- the command and the config ------------------------------------------------------------
def _home(tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch,
          config: str = "") -> Path:
    home = tmp_path / name
    (home / "config").mkdir(parents=True)
    (home / "config" / "config.toml").write_text(config)
    monkeypatch.setenv("QUIZCARDS_HOME", str(home))
    return home


def test_the_sync_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                          capsys: pytest.CaptureFixture[str]) -> None:
    from quizcards.cli import main

    shared = tmp_path / "shared"
    shared.mkdir()
    a_home = _home(tmp_path, "a", monkeypatch)
    a = _open(a_home / "data" / "quizcards.sqlite3")
    a.record(Answer("torch-dim", "max-dim1-shape", grade=4), T0)
    a.close()
    assert main(["sync", str(shared)]) == 0
    out = capsys.readouterr().out
    assert "sent 1, received 0" in out
    _home(tmp_path, "b", monkeypatch)
    assert main(["sync", str(shared), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["sent"] == 0 and data["received"] == 1 and data["devices"] == 1
    assert data["skipped_files"] == [] and data["folder"] == str(shared)
    (shared / "stray.txt").write_text("?")
    assert main(["sync", str(shared)]) == 0
    assert "skipped 1 file: " + str(shared / "stray.txt") in capsys.readouterr().out
    assert main(["sync", str(tmp_path / "nowhere")]) == 1
    assert "no such folder" in capsys.readouterr().err
    assert main(["sync"]) == 2  # no folder given and none in the config
    assert "sync_dir" in capsys.readouterr().err
    assert main(["sync", str(shared), "--frobnicate"]) == 2


def test_sync_dir_in_the_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from quizcards.config import load_config
    from quizcards.errors import ConfigError

    home = _home(tmp_path, "a", monkeypatch, 'sync_dir = "~/Sync/quizcards"\n')
    monkeypatch.setenv("HOME", str(tmp_path))
    assert load_config().sync_path == tmp_path / "Sync" / "quizcards"
    for bad in ("sync_dir = 5", 'sync_dir = ""', 'sync_dir = ["a"]'):
        (home / "config" / "config.toml").write_text(bad + "\n")
        with pytest.raises(ConfigError, match="sync_dir"):
            load_config()
    (home / "config" / "config.toml").write_text("")
    assert load_config().sync_path is None


def test_review_plain_syncs_at_start_and_at_quit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from quizcards.cli import main

    shared = tmp_path / "shared"
    shared.mkdir()
    other = _open(tmp_path / "other.sqlite3")
    other.record(Answer("d", "from-elsewhere", grade=4), T0)
    _sync(other, shared)
    _home(tmp_path, "a", monkeypatch, f'sync_dir = "{shared}"\n')
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO(""))
    assert main(["review", "--plain", "--deck", "torch-dim"]) == 0
    err = capsys.readouterr().err
    assert "received 1 from 1 device" in err
    a = _open(tmp_path / "a" / "data" / "quizcards.sqlite3")
    assert a.state(("d", "from-elsewhere")) is not None
    a.close()


def test_a_failing_sync_at_start_is_a_message_not_an_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from quizcards.cli import main

    _home(tmp_path, "a", monkeypatch, f'sync_dir = "{tmp_path / "missing"}"\n')
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO(""))
    assert main(["review", "--plain", "--deck", "torch-dim"]) == 0
    assert "not synced" in capsys.readouterr().err

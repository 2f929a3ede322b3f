"""Two quizcards on one profile: the second is told, may go read-only or take over, and no
answer is ever applied on top of a card state that changed since the card was shown."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from quizcards.errors import ReadOnlyProfile, StaleAnswer
from quizcards.store.db import Answer, Store

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
KEY = ("torch-dim", "max-dim1-shape")


def answer(grade: int = 5, version: str | None = None) -> Answer:
    return Answer(*KEY, grade, grade, "(3, 4)", shown_version=version)


def test_the_second_app_is_told_and_read_only_records_nothing(tmp_path: Path) -> None:
    first, second = Store.open(tmp_path / "db"), Store.open(tmp_path / "db")
    assert first.claim(when=NOW) is None
    other = second.claim(when=NOW)
    assert other is not None and other.pid == os.getpid() and "pid" in other.describe()
    second.read_only = True
    for write in (lambda: second.record(answer(), NOW), second.undo_last,
                  lambda: second.set_suspended(KEY, True), lambda: second.bury(KEY, 1)):
        with pytest.raises(ReadOnlyProfile, match="read-only"):
            write()
    assert second.conn.execute("SELECT count(*) FROM reviews").fetchone()[0] == 0
    first.record(answer(), NOW)  # the owner goes on as before
    assert first.conn.execute("SELECT count(*) FROM reviews").fetchone()[0] == 1


def test_taking_over_stops_the_first_app_recording(tmp_path: Path) -> None:
    first, second = Store.open(tmp_path / "db"), Store.open(tmp_path / "db")
    first.claim(when=NOW)
    assert second.claim(take_over=True, when=NOW) is None
    with pytest.raises(ReadOnlyProfile, match="took over"):
        first.record(answer(), NOW)
    assert first.read_only  # and stays so: it was told
    second.record(answer(), NOW)
    rows = second.conn.execute("SELECT count(*) FROM reviews").fetchone()[0]
    assert rows == 1
    first.close()  # closing does not remove the new owner's claim
    third = Store.open(tmp_path / "db")
    assert third.claim(when=NOW) is not None


def test_an_answer_to_a_card_that_changed_since_it_was_shown_is_refused(tmp_path: Path) -> None:
    here, elsewhere = Store.open(tmp_path / "db"), Store.open(tmp_path / "db")
    shown_here = here.card_version(KEY)
    shown_elsewhere = elsewhere.card_version(KEY)
    elsewhere.record(answer(5, shown_elsewhere), NOW)  # day one: 1 day
    state = elsewhere.state(KEY)
    with pytest.raises(StaleAnswer, match="answered in another quizcards"):
        here.record(answer(5, shown_here), NOW)  # would have made it 6 days
    assert here.conn.execute("SELECT count(*) FROM reviews").fetchone()[0] == 1
    assert here.state(KEY) == state
    # an undo changes the version too: an answer shown before it is refused
    before_undo = here.card_version(KEY)
    elsewhere.undo_last()
    with pytest.raises(StaleAnswer):
        here.record(answer(5, before_undo), NOW)
    here.record(answer(5, here.card_version(KEY)), NOW)  # shown afresh: fine


def test_a_claim_left_by_a_killed_app_is_taken_silently(tmp_path: Path) -> None:
    code = ("import sys, time\nfrom pathlib import Path\nfrom quizcards.store.db import Store\n"
            "s = Store.open(Path(sys.argv[1])); s.claim(); print('claimed', flush=True)\n"
            "time.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "db")],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "claimed"
        alive = Store.open(tmp_path / "db")
        other = alive.claim(when=NOW)
        assert other is not None and other.pid == proc.pid  # running: asked
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    after = Store.open(tmp_path / "db")
    assert after.claim(when=NOW) is None  # its pid is gone: no question
    after.record(answer(), NOW)


def test_closing_releases_the_profile(tmp_path: Path) -> None:
    first = Store.open(tmp_path / "db")
    first.claim(when=NOW)
    first.close()
    second = Store.open(tmp_path / "db")
    assert second.claim(when=NOW) is None


def test_a_claim_whose_pid_now_belongs_to_another_process_is_taken_silently(
        tmp_path: Path) -> None:
    """Round 3: a crashed app's pid reused by any process read as "already running". The
    row keeps the owner's start time, so a living stranger with that pid is not the owner."""
    from quizcards.store import lease

    stranger = subprocess.Popen(["sleep", "60"])
    try:
        store = Store.open(tmp_path / "db")
        with store.transaction():  # a row as a crashed app would leave it, its pid reused
            lease.write(store.conn, lease.Owner(stranger.pid, socket.gethostname(),
                                                "dead", 0, "another-boot:1"))
        if lease.process_start(stranger.pid) is None:
            pytest.skip("no /proc here: pid reuse cannot be told apart")
        assert store.claim(when=NOW) is None  # taken, no question
        store.record(answer(), NOW)
        # the same row naming the living stranger's real start time is still a running app
        with store.transaction():
            lease.write(store.conn, lease.Owner(stranger.pid, socket.gethostname(),
                                                "alive", 0, lease.process_start(stranger.pid)))
        other = Store.open(tmp_path / "db").claim(when=NOW)
        assert other is not None and other.token == "alive"
    finally:
        stranger.kill()
        stranger.wait()

"""Regression tests for the five scheduler bugs of issue 14 (and the two smaller fixes that came
with them): each test failed on the code before the fix."""

from __future__ import annotations

import csv
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from quizcards.core import fsrs_adapter, schedule, sm2
from quizcards.core.day import DayRule
from quizcards.core.queue import Queue
from quizcards.core.session import Session
from quizcards.store.db import MIGRATIONS, Answer, Store

from .conftest import SHARED

RULE = DayRule(4, UTC)
NY = ZoneInfo("America/New_York")
NY_RULE = DayRule(4, NY)
REAL_LOG = SHARED / "data" / "fsrs-review-log.csv"


# -- 1. undoing the answer that made a card a leech restores its flags ---------------------
def _make_leech(store: Store, key: tuple[str, str], t0: datetime) -> datetime:
    """One pass, then eight failures on eight days (eight lapses): returns the last time."""
    store.record(Answer(*key, grade=5), t0)
    t = t0
    for i in range(8):
        t = t0 + timedelta(days=1 + i)
        recorded = store.record(Answer(*key, grade=1), t)
        assert recorded.became_leech == (i == 7)
    return t


def test_undoing_the_answer_that_made_a_leech_clears_the_flags(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "leech.sqlite3", "sm2", RULE)
    key = ("d", "a")
    _make_leech(store, key, datetime(2026, 3, 2, 10, tzinfo=UTC))
    flags = store.flags()[key]
    assert flags.suspended and flags.leech and store.leeches() == [key]
    undone = store.undo_last()
    assert undone is not None and undone.key[1] == "a"
    state = store.state(key)
    assert state is not None and state.lapses == 7
    flags = store.flags().get(key)
    assert flags is None or (not flags.suspended and not flags.leech)
    assert store.leeches() == []
    store.close()


def test_undoing_a_leech_keeps_a_suspension_made_before_it(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "leech2.sqlite3", "sm2", RULE)
    key = ("d", "a")
    t0 = datetime(2026, 3, 2, 10, tzinfo=UTC)
    store.record(Answer(*key, grade=5), t0)
    for i in range(7):
        store.record(Answer(*key, grade=1), t0 + timedelta(days=1 + i))
    store.set_suspended(key, True)  # suspended by hand, then answered once more (browser)
    assert store.record(Answer(*key, grade=1), t0 + timedelta(days=9)).became_leech
    store.undo_last()
    flags = store.flags()[key]
    assert flags.suspended and not flags.leech
    store.close()


def test_undoing_a_later_answer_leaves_the_leech_flags(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "leech3.sqlite3", "sm2", RULE)
    key = ("d", "a")
    t = _make_leech(store, key, datetime(2026, 3, 2, 10, tzinfo=UTC))
    store.record(Answer("d", "b", grade=4), t + timedelta(minutes=1))
    store.undo_last()  # b's answer, not the one that made a a leech
    assert store.flags()[key].leech and store.flags()[key].suspended
    store.close()


# -- 2. FSRS: only failures of cards in the Review state are lapses -------------------------
def test_fsrs_learning_failures_are_not_lapses() -> None:
    state = fsrs_adapter.FSRSState()
    t = datetime(2026, 3, 2, 10, tzinfo=UTC)
    for _ in range(9):  # a new card failed nine times on its first day
        state = fsrs_adapter.review(state, 1, t, RULE)
        t += timedelta(minutes=2)
    assert state.lapses == 0 and not schedule.is_leech(state)


def test_fsrs_lapses_count_failures_of_review_cards_only() -> None:
    state = fsrs_adapter.FSRSState()
    t = datetime(2026, 3, 2, 10, tzinfo=UTC)
    state = fsrs_adapter.review(state, 5, t, RULE)  # Easy: straight to Review
    assert state.card is not None and state.card["state"] == 2
    t += timedelta(days=10)
    state = fsrs_adapter.review(state, 1, t, RULE)  # a failure in Review: a lapse
    assert state.lapses == 1 and state.card is not None and state.card["state"] == 3
    for _ in range(3):  # failing the relearning step again: not lapses
        t += timedelta(minutes=11)
        state = fsrs_adapter.review(state, 1, t, RULE)
    assert state.lapses == 1


def _real_log() -> list[schedule.LoggedAnswer]:
    def grade(rating: str) -> int:  # FSRS rating 1-4 -> grade (Again 1, Hard 3, Good 4, Easy 5)
        return 1 if rating == "1" else int(rating) + 1

    with REAL_LOG.open(newline="") as f:
        return [schedule.LoggedAnswer("log", row["card_id"],
                                      datetime.fromisoformat(row["review_time"]),
                                      grade(row["review_rating"]))
                for row in csv.DictReader(f)]


@pytest.mark.skipif(not REAL_LOG.exists(), reason="the shared review log is not here")
def test_fsrs_leeches_on_the_real_log() -> None:
    """12,580 reviews of 1,205 cards: 102 leeches when every failure of a seen card counted,
    3 when only failures of cards in the Review state count."""
    states = schedule.replay("fsrs", _real_log(), RULE)
    assert len(states) == 1205
    assert sum(schedule.is_leech(s) for s in states.values()) == 3


# -- 3. a session that crosses the rollover hour -------------------------------------------
def _interval_16_with_a_pending_repeat(store: Store, key: tuple[str, str]) -> datetime:
    """5, 5 (interval 6), then 3 at 03:50: interval 16 and a same-session repeat pending."""
    t = datetime(2026, 3, 2, 10, tzinfo=UTC)
    store.record(Answer(*key, grade=5), t)
    store.record(Answer(*key, grade=5), t + timedelta(days=1))
    at_0350 = datetime(2026, 3, 9, 3, 50, tzinfo=UTC)  # study day of 2026-03-08
    state = store.record(Answer(*key, grade=3), at_0350).state
    assert isinstance(state, sm2.SM2State)
    assert state.interval == 16 and state.repeat_pending
    assert state.last_day == RULE.day_of(at_0350)
    return at_0350


def test_a_repeat_answered_after_the_rollover_stays_a_repeat(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "roll.sqlite3", "sm2", RULE)
    key = ("d", "a")
    at_0350 = _interval_16_with_a_pending_repeat(store, key)
    session_day = RULE.day_of(at_0350)
    at_0402 = at_0350 + timedelta(minutes=12)
    assert RULE.day_of(at_0402) == session_day + 1  # the clock's study day rolled over
    state = store.record(Answer(*key, grade=5, day=session_day), at_0402).state
    assert isinstance(state, sm2.SM2State)
    assert (state.interval, state.repetitions, state.repeat_pending) == (16, 3, False)
    assert state.due_day == session_day + 16
    # a replay (undo of another card, scheduler switch) gives the same state: the log keeps
    # the study day the answer was given in
    logged = store.conn.execute("SELECT day FROM reviews ORDER BY id DESC LIMIT 1").fetchone()
    assert logged == (session_day,)
    before = store.summaries()
    store.rebuild()
    assert store.summaries() == before
    store.close()


def test_without_a_session_day_the_clock_decides(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "roll2.sqlite3", "sm2", RULE)
    key = ("d", "a")
    at_0350 = _interval_16_with_a_pending_repeat(store, key)
    state = store.record(Answer(*key, grade=5), at_0350 + timedelta(minutes=12)).state
    assert isinstance(state, sm2.SM2State) and state.interval == 41  # a new day's review


def test_new_cards_after_the_rollover_count_for_the_sessions_day(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "roll3.sqlite3", "sm2", RULE)
    started = datetime(2026, 3, 9, 3, 40, tzinfo=UTC)
    session_day = RULE.day_of(started)
    store.record(Answer("d", "n1", grade=4, day=session_day), started)
    store.record(Answer("d", "n2", grade=4, day=session_day), started + timedelta(minutes=30))
    done = store.done_today(session_day)
    assert done.new == {"d": 2}
    assert store.done_today(session_day + 1).new == {}
    store.undo_last()  # replaying n2 away keeps n1 on the session's day
    assert store.done_today(session_day).new == {"d": 1}
    store.close()


def test_a_session_knows_its_study_day_and_its_repeats() -> None:
    day = RULE.day_of(datetime(2026, 3, 9, 3, 50, tzinfo=UTC))
    session = Session.from_queue(Queue([("d", "a")], [], [], day=day))
    assert session.day == day
    pending = sm2.review(sm2.SM2State(), 3, day)
    assert session.wants_repeat(pending)
    assert not session.wants_repeat(sm2.review(sm2.SM2State(), 5, day))
    assert not session.wants_repeat(sm2.review(sm2.SM2State(), 3, day - 1))


def test_fsrs_learning_step_after_the_rollover_is_a_repeat_of_the_session() -> None:
    at_0355 = datetime(2026, 3, 9, 3, 55, tzinfo=UTC)
    day = RULE.day_of(at_0355)
    state = fsrs_adapter.review(fsrs_adapter.FSRSState(), 1, at_0355, RULE, day=day)
    assert state.due_day == day and state.repeat_pending  # a 1-minute learning step
    later = fsrs_adapter.review(state, 1, at_0355 + timedelta(minutes=10), RULE, day=day)
    assert later.last_day == day and later.due_day == day and later.repeat_pending


# -- 4. FSRS due days across daylight-saving changes ----------------------------------------
def _review_card(now: datetime) -> fsrs_adapter.FSRSState:
    """A card in the Review state with a small stability: Hard gives it a 1-day interval."""
    from fsrs import Card, State

    card = Card(card_id=0, state=State.Review, stability=0.5, difficulty=9.0, due=now,
                last_review=now - timedelta(days=1))
    return fsrs_adapter.FSRSState(card=card.to_dict(), reviews=4)


@pytest.mark.parametrize("local", [
    datetime(2026, 10, 31, 4, 30, tzinfo=NY),  # EDT; the clocks go back on 11-01 at 02:00
    datetime(2026, 11, 1, 3, 30, tzinfo=NY),   # EST, study day of 10-31
    datetime(2026, 3, 7, 3, 30, tzinfo=NY),    # EST, study day of 03-06; forward on 03-08
    datetime(2026, 3, 7, 4, 30, tzinfo=NY),
    datetime(2026, 3, 8, 3, 30, tzinfo=NY),    # EDT, study day of 03-07
])
def test_fsrs_whole_day_intervals_are_study_days_across_dst(local: datetime) -> None:
    now = local.astimezone(UTC)
    state = fsrs_adapter.review(_review_card(now), 3, now, NY_RULE)  # Hard
    assert state.card is not None
    days = round((datetime.fromisoformat(state.card["due"]) - now) / timedelta(days=1))
    assert days >= 1
    assert state.last_day == NY_RULE.day_of(now)
    assert state.due_day == state.last_day + days
    assert not state.repeat_pending


def test_one_day_at_0430_edt_on_2026_10_31_is_due_the_next_study_day() -> None:
    now = datetime(2026, 10, 31, 4, 30, tzinfo=NY).astimezone(UTC)
    state = fsrs_adapter.review(_review_card(now), 3, now, NY_RULE)
    assert state.card is not None
    assert datetime.fromisoformat(state.card["due"]) - now == timedelta(days=1)
    assert state.due_day == NY_RULE.day_of(now) + 1 and not state.repeat_pending


def test_one_day_in_spring_is_not_two_study_days() -> None:
    now = datetime(2026, 3, 7, 3, 30, tzinfo=NY).astimezone(UTC)  # study day of 03-06
    state = fsrs_adapter.review(_review_card(now), 3, now, NY_RULE)
    assert state.card is not None
    assert datetime.fromisoformat(state.card["due"]) - now == timedelta(days=1)
    assert state.due_day == NY_RULE.day_of(now) + 1


def test_study_day_arithmetic() -> None:
    fall = datetime(2026, 10, 31, 4, 30, tzinfo=NY).astimezone(UTC)
    assert NY_RULE.days_after(fall, timedelta(days=1)) == 1
    assert NY_RULE.days_after(fall, timedelta(days=30)) == 30
    spring = datetime(2026, 3, 7, 3, 30, tzinfo=NY).astimezone(UTC)
    assert NY_RULE.days_after(spring, timedelta(days=1)) == 1
    assert NY_RULE.days_after(spring, timedelta(minutes=10)) == 0
    assert NY_RULE.days_after(spring, timedelta(minutes=40)) == 1  # 04:10: the next day


# -- 5. SM-2 with EF in whole hundredths -----------------------------------------------------
def test_sm2_ef_is_exact() -> None:
    state, day = sm2.SM2State(), 100
    for q in (3, 3, 4, 3, 4, 3, 3):  # each answered on its due day
        state = sm2.review(state, q, day)
        assert state.due_day is not None
        day = state.due_day
    assert state.interval == 243  # 125 * 1.94 = 242.5, rounded half up
    assert state.ef_hundredths == 180 and isinstance(state.ef_hundredths, int)


def test_sm2_old_float_ef_reads_back() -> None:
    old = ('{"repetitions":6,"interval":125,"ef":1.9399999999999997,"due_day":500,'
           '"last_day":375,"lapses":0,"reviews":6,"repeat_pending":false}')
    state = sm2.SM2State.from_json(old)
    assert state.ef_hundredths == 194 and state.ef == 1.94
    assert sm2.review(state, 3, 500).interval == 243
    assert sm2.SM2State.from_json(state.to_json()) == state


def test_a_version_2_database_with_float_ef_migrates(tmp_path: Path) -> None:
    db = tmp_path / "v2.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.executescript(MIGRATIONS[1])
        conn.executescript(MIGRATIONS[2])
        conn.execute("PRAGMA user_version = 2")
        conn.execute("INSERT INTO meta VALUES ('scheduler', 'sm2')")
        old = ('{"repetitions":6,"interval":125,"ef":1.9399999999999997,"due_day":739700,'
               '"last_day":739575,"lapses":0,"reviews":6,"repeat_pending":false}')
        conn.execute("INSERT INTO reviews (deck_id, card_id, time_ms, day, grade, scheduler,"
                     " state_after) VALUES ('d', 'a', 0, 739575, 3, 'sm2', ?)", (old,))
        conn.execute("INSERT INTO card_state (deck_id, card_id, due_day, last_day, first_day,"
                     " reviews, state) VALUES ('d', 'a', 739700, 739575, 739500, 6, ?)", (old,))
    store = Store.open(db, "sm2", RULE)
    state = store.state(("d", "a"))
    assert isinstance(state, sm2.SM2State) and state.ef_hundredths == 194
    assert store.conn.execute("SELECT scheduler_version FROM reviews").fetchall() == [(None,)]
    store.close()


# -- also: times kept to the millisecond, the scheduler version in the log ------------------
def test_recorded_times_are_truncated_to_the_millisecond(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "ms.sqlite3", "fsrs", RULE)
    t = datetime(2026, 3, 2, 10, 0, 0, 123999, tzinfo=UTC)
    for i in range(4):
        store.record(Answer("d", "a", grade=[1, 4, 3, 4][i]), t + timedelta(minutes=i * 7))
    live = store.summaries()
    live_state = store.state(("d", "a"))
    assert live_state is not None
    assert json.loads(live_state.to_json())["card"]["last_review"].endswith(".123000+00:00")
    store.rebuild()
    assert store.summaries() == live and store.state(("d", "a")) == live_state
    (ms,) = store.conn.execute("SELECT time_ms FROM reviews LIMIT 1").fetchone()
    assert ms == 1772445600123
    store.close()


def test_each_new_review_row_records_the_scheduler_version(tmp_path: Path) -> None:
    from importlib.metadata import version

    db = tmp_path / "v.sqlite3"
    store = Store.open(db, "sm2", RULE)
    t = datetime(2026, 3, 2, 10, tzinfo=UTC)
    store.record(Answer("d", "a", grade=4), t)
    store.close()
    store = Store.open(db, "fsrs", RULE)
    store.record(Answer("d", "a", grade=4), t + timedelta(days=1))
    rows = store.conn.execute("SELECT scheduler, scheduler_version FROM reviews ORDER BY id")
    assert rows.fetchall() == [("sm2", "sm2 1"), ("fsrs", f"fsrs {version('fsrs')}")]
    store.close()


def test_undoing_a_leech_flagged_before_schema_3_clears_the_flags(tmp_path: Path) -> None:
    """A leech flagged by an older version saved no flags: undoing the answer that made it
    one clears the leech flag and its suspension."""
    store = Store.open(tmp_path / "old-leech.sqlite3", "sm2", RULE)
    key = ("d", "a")
    _make_leech(store, key, datetime(2026, 3, 2, 10, tzinfo=UTC))
    with store.transaction():  # as an older version logged it
        store.conn.execute("DELETE FROM leech_flags_before")
        store.conn.execute("UPDATE reviews SET scheduler_version = NULL")
    store.undo_last()
    assert store.leeches() == [] and not store.flags()[key].suspended
    store.close()

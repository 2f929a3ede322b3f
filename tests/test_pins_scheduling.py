"""Pins for the schedulers and the study day (core/sm2.py, day.py, schedule.py,
fsrs_adapter.py, session.py): values computed by hand from the formulas in their docstrings.

Each test here was seen to fail with a one-token change of the code it pins (issue 17)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from quizcards.core import fsrs_adapter, schedule
from quizcards.core.day import DayRule, day_to_iso
from quizcards.core.fsrs_adapter import FSRSSettings, FSRSState, rating_for
from quizcards.core.queue import Queue
from quizcards.core.session import REPEAT_GAP, Session
from quizcards.core.sm2 import SM2State, next_interval, review, update_ef

RULE = DayRule(4, UTC)
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # study day 2026-03-02


def _two_fives() -> SM2State:
    """Answered 5 on day 100 and 5 on day 101: repetitions 2, interval 6, EF 2.70."""
    s = review(review(SM2State(), 5, 100), 5, 101)
    assert (s.repetitions, s.interval, s.ef_hundredths, s.due_day) == (2, 6, 270, 107)
    return s


# -- SM-2: grade 4 and the same-session repeat ----------------------------------------------
def test_a_four_on_a_scheduled_review_does_not_bring_the_card_back_the_same_day() -> None:
    s = review(_two_fives(), 4, 107)
    assert not s.repeat_pending
    assert (s.repetitions, s.interval, s.ef_hundredths, s.due_day, s.last_day) == (
        3, 16, 270, 123, 107)  # 6 x 2.70 = 16.2 -> 16; EF unchanged by a 4
    assert not Session(day=107).wants_repeat(s)


def test_a_three_on_a_scheduled_review_brings_the_card_back_the_same_day() -> None:
    s = review(_two_fives(), 3, 107)
    assert s.repeat_pending
    assert (s.repetitions, s.interval, s.ef_hundredths, s.due_day) == (3, 16, 256, 123)
    assert Session(day=107).wants_repeat(s) and Session().wants_repeat(s)
    assert not Session(day=106).wants_repeat(s)  # pending for another study day


def test_a_new_card_graded_four_or_three() -> None:
    four, three = review(SM2State(), 4, 100), review(SM2State(), 3, 100)
    assert not four.repeat_pending and three.repeat_pending
    assert (four.interval, four.due_day, four.ef_hundredths) == (1, 101, 250)
    assert (three.interval, three.due_day, three.ef_hundredths) == (1, 101, 236)
    assert four.repetitions == three.repetitions == 1


def test_a_same_session_repeat_only_clears_or_keeps_the_flag() -> None:
    pending = review(_two_fives(), 3, 107)
    again = review(pending, 3, 107)
    cleared = review(pending, 4, 107)
    assert again.repeat_pending and not cleared.repeat_pending
    for s in (again, cleared):
        assert (s.repetitions, s.interval, s.ef_hundredths, s.due_day, s.last_day, s.lapses) == (
            3, 16, 256, 123, 107, 0)
        assert s.reviews == pending.reviews + 1
    failed_repeat = review(pending, 0, 107)  # a drill: even a 0 changes nothing else
    assert failed_repeat.repeat_pending and failed_repeat.interval == 16
    assert failed_repeat.lapses == 0


def test_a_repeat_left_pending_is_an_ordinary_review_on_another_day() -> None:
    pending = review(_two_fives(), 3, 107)
    s = review(pending, 5, 123)
    assert (s.repetitions, s.interval, s.ef_hundredths, s.due_day, s.repeat_pending) == (
        4, 41, 266, 164, False)  # 16 x 2.56 = 40.96 -> 41


def test_a_failure_restarts_keeps_ef_and_counts_a_lapse_only_for_a_seen_card() -> None:
    s = review(review(_two_fives(), 4, 107), 2, 123)
    assert (s.repetitions, s.interval, s.due_day, s.last_day, s.lapses, s.reviews) == (
        0, 1, 124, 123, 1, 4)
    assert s.ef_hundredths == 270 and s.repeat_pending
    new = review(SM2State(), 1, 100)
    assert new.lapses == 0 and new.reviews == 1 and new.repeat_pending
    assert (new.repetitions, new.interval, new.due_day, new.last_day) == (0, 1, 101, 100)
    assert review(new, 0, 101).lapses == 1  # seen once: now a lapse
    assert review(s, 5, 124).lapses == 1  # a pass keeps the count


def test_grades_outside_0_to_5_are_refused() -> None:
    for q in (-1, 6):
        with pytest.raises(ValueError, match=f"SM-2 grades are 0-5, got {q}"):
            review(SM2State(), q, 1)
    assert review(SM2State(), 0, 1).reviews == review(SM2State(), 5, 1).reviews == 1


@pytest.mark.parametrize("ef,q,after", [
    (250, 5, 260), (250, 4, 250), (250, 3, 236), (250, 2, 218), (250, 0, 170),
    (130, 3, 130), (144, 3, 130), (145, 3, 131), (130, 5, 140),
])
def test_the_ef_update_in_hundredths(ef: int, q: int, after: int) -> None:
    assert update_ef(ef, q) == after


@pytest.mark.parametrize("n,previous,ef,interval", [
    (1, 99, 300, 1), (2, 99, 300, 6), (3, 6, 250, 15), (3, 5, 250, 13), (3, 5, 249, 12),
    (4, 125, 194, 243), (3, 0, 250, 1), (3, 7, 207, 14),  # 14.49: down
])
def test_the_interval_rounds_half_up_and_is_at_least_a_day(n: int, previous: int, ef: int,
                                                           interval: int) -> None:
    assert next_interval(n, previous, ef) == interval


def test_the_state_reads_back_and_old_float_ef_is_rounded() -> None:
    s = review(_two_fives(), 3, 107)
    assert SM2State.from_json(s.to_json()) == s
    assert json.loads(s.to_json())["ef_hundredths"] == 256
    assert " " not in s.to_json()  # compact, as stored
    old = json.dumps({"repetitions": 3, "interval": 16, "ef": 1.94, "due_day": 5})
    assert SM2State.from_json(old).ef_hundredths == 194
    assert SM2State(ef_hundredths=236).ef == 2.36
    assert SM2State().is_new and not s.is_new


# -- the study day --------------------------------------------------------------------------
def test_the_default_rollover_hour_is_four() -> None:
    rule = DayRule(tz=UTC)
    assert rule.rollover_hour == 4
    day = date(2026, 3, 2).toordinal()
    assert rule.day_of(datetime(2026, 3, 3, 3, 59, tzinfo=UTC)) == day
    assert rule.day_of(datetime(2026, 3, 3, 4, 0, tzinfo=UTC)) == day + 1
    assert rule.day_of(datetime(2026, 3, 2, 4, 0, tzinfo=UTC)) == day


def test_the_day_is_that_of_the_rules_time_zone() -> None:
    east_coast = DayRule(4, timezone(timedelta(hours=-5)))
    at = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)  # 03:00 there: still 2026-03-02
    assert east_coast.day_of(at) == date(2026, 3, 2).toordinal()
    assert DayRule(4, UTC).day_of(at) == date(2026, 3, 3).toordinal()
    assert east_coast.days_after(at, timedelta(hours=1)) == 1  # 04:00 there
    assert DayRule(4, UTC).days_after(at, timedelta(hours=1)) == 0


def test_days_after_counts_rollovers_crossed() -> None:
    assert RULE.days_after(NOW, timedelta(hours=17)) == 0  # 03:00 next morning
    assert RULE.days_after(NOW, timedelta(hours=18)) == 1  # 04:00
    assert RULE.days_after(NOW, timedelta(days=2)) == 2
    assert DayRule(12, UTC).days_after(NOW, timedelta(hours=1)) == 0  # 10:00 -> 11:00
    assert DayRule(11, UTC).days_after(NOW, timedelta(hours=1)) == 1  # reaches 11:00


def test_day_to_iso() -> None:
    assert day_to_iso(date(2026, 3, 2).toordinal()) == "2026-03-02"
    assert day_to_iso(RULE.day_of(NOW)) == "2026-03-02"


# -- one interface over both schedulers -----------------------------------------------------
def test_initial_load_and_version() -> None:
    assert schedule.initial("sm2") == SM2State()
    assert schedule.initial("fsrs") == FSRSState()
    s = review(_two_fives(), 3, 107)
    assert schedule.load("sm2", s.to_json()) == s
    f = FSRSState(card=None, due_day=9, last_day=8, lapses=1, reviews=2, repeat_pending=True)
    assert schedule.load("fsrs", f.to_json()) == f
    assert schedule.version("sm2") == "sm2 1"
    assert schedule.version("fsrs") == f"fsrs {fsrs_adapter.package_version()}"
    assert fsrs_adapter.package_version()[0].isdigit()


def test_review_counts_for_the_day_given_else_the_day_of_the_answer() -> None:
    today = RULE.day_of(NOW)
    s = schedule.review("sm2", SM2State(), 5, NOW, RULE)
    assert s.last_day == today and s.due_day == today + 1
    s = schedule.review("sm2", SM2State(), 5, NOW, RULE, day=today - 1)
    assert s.last_day == today - 1
    f = schedule.review("fsrs", FSRSState(), 5, NOW, RULE)
    assert f.last_day == today
    f = schedule.review("fsrs", FSRSState(), 5, NOW, RULE, day=today - 1)
    assert f.last_day == today - 1


def test_replay_keeps_each_cards_own_history_in_order() -> None:
    answers = [schedule.LoggedAnswer("d", "a", NOW, 5),
               schedule.LoggedAnswer("d", "b", NOW, 1),
               schedule.LoggedAnswer("d", "a", NOW + timedelta(days=1), 5),
               schedule.LoggedAnswer("d", "a", NOW + timedelta(days=7), 3, day=999)]
    states = schedule.replay("sm2", answers, RULE)
    a, b = states[("d", "a")], states[("d", "b")]
    assert isinstance(a, SM2State) and isinstance(b, SM2State)
    assert (a.reviews, a.repetitions, a.interval, a.last_day, a.repeat_pending) == (
        3, 3, 16, 999, True)
    assert (b.reviews, b.repetitions) == (1, 0)


def test_eight_lapses_make_a_leech() -> None:
    assert not schedule.is_leech(SM2State(lapses=7))
    assert schedule.is_leech(SM2State(lapses=8)) and schedule.is_leech(SM2State(lapses=9))


# -- FSRS -----------------------------------------------------------------------------------
def test_grades_map_to_fsrs_ratings() -> None:
    assert [rating_for(g) for g in range(6)] == [1, 1, 1, 2, 3, 4]
    for g in (-1, 6):
        with pytest.raises(ValueError, match=f"grades are 0-5, got {g}"):
            rating_for(g)


def test_fsrs_settings_fingerprint() -> None:
    assert FSRSSettings().fingerprint() == "[0.9, null]"
    assert FSRSSettings(0.8, (1.0, 2.5)).fingerprint() == "[0.8, [1.0, 2.5]]"


def test_fsrs_state_reads_back() -> None:
    f = fsrs_adapter.review(FSRSState(), 4, NOW, RULE)
    assert FSRSState.from_json(f.to_json()) == f
    assert f.to_json() == json.dumps(json.loads(f.to_json()), separators=(",", ":"))  # compact
    assert f.card is not None and f.card["card_id"] == 0  # quizcards keys cards itself
    assert json.loads(f.to_json())["reviews"] == 1
    assert FSRSState().is_new and not f.is_new


def _fsrs_review_card() -> tuple[FSRSState, datetime]:
    """A card in FSRS's Review state, and when it is due."""
    f, now = FSRSState(), NOW
    for _ in range(6):
        f = fsrs_adapter.review(f, 5, now, RULE)
        assert f.card is not None
        if f.card["state"] == fsrs_adapter.REVIEW_STATE:
            return f, datetime.fromisoformat(f.card["due"])
        now = datetime.fromisoformat(f.card["due"])
    raise AssertionError("never reached the Review state")


def test_fsrs_lapses_are_failures_of_review_cards_only() -> None:
    new_failed = fsrs_adapter.review(FSRSState(), 2, NOW, RULE)
    assert new_failed.lapses == 0 and new_failed.repeat_pending  # a learning step today
    assert new_failed.due_day == new_failed.last_day == RULE.day_of(NOW)
    card, due_at = _fsrs_review_card()
    for grade, lapses in ((0, 1), (2, 1), (3, 0), (5, 0)):
        after = fsrs_adapter.review(card, grade, due_at, RULE)
        assert after.lapses == card.lapses + lapses, grade
        assert after.reviews == card.reviews + 1


def test_fsrs_due_day_is_the_answer_day_plus_study_days() -> None:
    f = fsrs_adapter.review(FSRSState(), 5, NOW, RULE, day=500)
    assert f.card is not None
    due = datetime.fromisoformat(f.card["due"])
    assert f.last_day == 500 and f.due_day == 500 + RULE.days_after(NOW, due - NOW)
    assert f.due_day > 500 and not f.repeat_pending


def test_fitted_parameters_change_the_schedule() -> None:
    from fsrs import Scheduler

    params = list(Scheduler().parameters)
    params[2] = params[2] * 4  # the initial stability after Good
    fitted = FSRSSettings(0.9, tuple(params))
    default = fsrs_adapter.review(FSRSState(), 4, NOW, RULE)
    changed = fsrs_adapter.review(FSRSState(), 4, NOW, RULE, settings=fitted)
    assert default.card is not None and changed.card is not None
    assert changed.card["stability"] == pytest.approx(params[2])
    assert default.card["stability"] != changed.card["stability"]
    easy = fsrs_adapter.review(FSRSState(), 5, NOW, RULE)  # Easy: straight to Review
    low = fsrs_adapter.review(FSRSState(), 5, NOW, RULE, settings=FSRSSettings(0.7))
    assert easy.due_day is not None and low.due_day is not None
    assert low.due_day > easy.due_day  # a lower retention asks for fewer reviews


# -- a session -------------------------------------------------------------------------------
def test_a_missed_card_comes_back_after_the_gap() -> None:
    new = [("d", f"n{i}") for i in range(8)]
    s = Session.from_queue(Queue([("d", "r")], [], new, day=7))
    assert s.day == 7 and len(s) == 9
    s.done(("d", "r"), repeat=True)
    assert s.ready_at[("d", "r")] == 1 + REPEAT_GAP
    shown = []
    while (key := s.peek()) != ("d", "r"):
        assert key is not None
        shown.append(key)
        s.done(key, repeat=False)
    assert len(shown) == REPEAT_GAP == 3


def test_skip_and_put_back() -> None:
    s = Session.from_queue(Queue([("d", "a")], [("d", "b")], [("d", "c")]))
    s.skip(("d", "b"))
    assert list(s.repeats) == [] and len(s) == 2
    s.done(("d", "a"), repeat=False)
    assert s.answered == 1 and s.last == ("d", "a")
    s.put_back(("d", "a"))
    assert list(s.reviews) == [("d", "a")] and s.answered == 0 and s.last is None
    assert s.peek() == ("d", "a")
    s.put_back(("d", "c"))  # nothing answered: the count stays at 0
    assert s.answered == 0 and list(s.reviews) == [("d", "c"), ("d", "a")]
    assert list(s.new) == []

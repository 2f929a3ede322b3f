"""SM-2 against sequences computed by hand (see the choices in core/sm2.py)."""

from __future__ import annotations

import pytest

from quizcards.core.sm2 import SM2State, review, update_ef


def run(grades: list[int], start_day: int = 100) -> list[SM2State]:
    """Answer each grade on the day the card is due (same day for same-session repeats)."""
    state, day, out = SM2State(), start_day, []
    for q in grades:
        if state.due_day is not None and not (state.repeat_pending and state.last_day == day):
            day = state.due_day
        state = review(state, q, day)
        out.append(state)
    return out


def test_all_fives() -> None:
    states = run([5, 5, 5, 5, 5])
    assert [s.interval for s in states] == [1, 6, 16, 45, 131]  # 6*2.7=16.2; 16*2.8=44.8
    assert [round(s.ef, 2) for s in states] == [2.6, 2.7, 2.8, 2.9, 3.0]
    assert [s.repetitions for s in states] == [1, 2, 3, 4, 5]
    assert states[-1].due_day == 100 + 1 + 6 + 16 + 45 + 131
    assert not any(s.repeat_pending for s in states)


def test_failure_after_three_passes_restarts_and_keeps_ef() -> None:
    states = run([5, 5, 5, 1, 4, 5, 5, 5])
    failed, repeat = states[3], states[4]
    assert (failed.repetitions, failed.interval, round(failed.ef, 2)) == (0, 1, 2.8)
    assert failed.lapses == 1 and failed.repeat_pending
    # the same-session repeat (graded 4) only clears the flag
    assert repeat.repeat_pending is False
    assert (repeat.repetitions, repeat.interval, round(repeat.ef, 2)) == (0, 1, 2.8)
    assert repeat.due_day == failed.due_day == failed.last_day + 1
    # then the repetitions start again: I(1)=1, I(2)=6, I(3)=round(6*3.0)=18
    assert [s.interval for s in states[5:]] == [1, 6, 18]
    assert [round(s.ef, 2) for s in states[5:]] == [2.9, 3.0, 3.1]


def test_ef_reaches_the_floor_with_threes() -> None:
    states = run([3, 4] * 10)  # each 3 forces a repeat; the 4 clears it
    passes = states[::2]
    assert [round(s.ef, 2) for s in passes] == [2.36, 2.22, 2.08, 1.94, 1.8, 1.66, 1.52, 1.38,
                                               1.3, 1.3]
    assert [s.interval for s in passes[:5]] == [1, 6, 13, 27, 52]  # 6*2.22; 13*2.08; 27*1.94
    assert all(s.ef >= 1.3 for s in states)


def test_a_three_forces_a_same_session_repeat_until_four() -> None:
    first = review(SM2State(), 3, 10)
    assert first.repeat_pending and first.interval == 1 and first.due_day == 11
    again = review(first, 3, 10)  # still < 4: stays pending, schedule untouched
    assert again.repeat_pending and (again.interval, again.ef, again.due_day) == (
        first.interval, first.ef, first.due_day)
    done = review(again, 5, 10)
    assert not done.repeat_pending and done.due_day == 11 and done.reviews == 3


def test_pending_repeat_is_dropped_when_the_day_rolls_over() -> None:
    failed = review(SM2State(), 2, 10)
    next_day = review(failed, 5, 11)  # a normal review, not a repeat
    assert next_day.repetitions == 1 and next_day.interval == 1 and not next_day.repeat_pending


def test_ef_formula() -> None:
    assert update_ef(2.5, 5) == pytest.approx(2.6)
    assert update_ef(2.5, 4) == pytest.approx(2.5)
    assert update_ef(2.5, 3) == pytest.approx(2.36)
    assert update_ef(1.3, 3) == 1.3


def test_first_failure_of_a_new_card_is_not_a_lapse() -> None:
    assert review(SM2State(), 0, 1).lapses == 0


def test_state_round_trips_through_json() -> None:
    s = run([5, 3])[-1]
    assert SM2State.from_json(s.to_json()) == s


def test_bad_grade() -> None:
    with pytest.raises(ValueError):
        review(SM2State(), 6, 1)

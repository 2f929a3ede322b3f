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


def test_ef_formula_in_hundredths() -> None:
    assert update_ef(250, 5) == 260
    assert update_ef(250, 4) == 250
    assert update_ef(250, 3) == 236
    assert update_ef(130, 3) == 130
    assert update_ef(140, 3) == 130  # 1.26 is floored at 1.30


def test_first_failure_of_a_new_card_is_not_a_lapse() -> None:
    assert review(SM2State(), 0, 1).lapses == 0


def test_state_round_trips_through_json() -> None:
    s = run([5, 3])[-1]
    assert SM2State.from_json(s.to_json()) == s


def test_bad_grade() -> None:
    with pytest.raises(ValueError):
        review(SM2State(), 6, 1)


def test_reference_by_hand() -> None:
    from fractions import Fraction

    from tests.sm2_reference import Item

    item, day, intervals = Item(), 100, []
    for _ in range(5):
        item.answer(5, day)
        intervals.append(item.interval)
        assert item.due is not None
        day = item.due
    assert intervals == [1, 6, 16, 45, 131] and item.ef == Fraction(3)


def test_differential_against_the_reference() -> None:
    """10,000 random grade sequences (same-session repeats, late answers and failures mixed
    in) give the same intervals, EF, repetition counts, due days and repeats as the exact
    reference written from Wozniak's text (tests/sm2_reference.py)."""
    import random
    from fractions import Fraction

    from tests.sm2_reference import Item

    rng = random.Random(14)
    compared = 0
    for _ in range(10_000):
        state, ref, day = SM2State(), Item(), 1000
        for _ in range(rng.randint(1, 25)):
            q = rng.choice((0, 1, 2, 3, 3, 3, 4, 4, 4, 5, 5))
            if state.due_day is not None and not (
                    state.repeat_pending and state.last_day == day and rng.random() < 0.6):
                day = state.due_day + (rng.randint(1, 5) if rng.random() < 0.15 else 0)
            state = review(state, q, day)
            ref.answer(q, day)
            got = (state.repetitions, state.interval, Fraction(state.ef_hundredths, 100),
                   state.due_day, state.last_day, state.repeat_pending)
            want = (ref.n, ref.interval, ref.ef, ref.due, ref.last, ref.again_today)
            assert got == want, (q, day, got, want)
            compared += 1
    assert compared > 100_000

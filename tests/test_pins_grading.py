"""Pins for the suggested grade (core/grading.py): the thresholds at their exact edges, the
quick time of every kind, near misses and the recall hint.

Each test here was seen to fail with a one-token change of the code it pins (issue 17)."""

from __future__ import annotations

import pytest

from quizcards.core.grading import GradeInput, suggest_grade

# the quick time of each kind, in seconds, as the grading policy states it
QUICK = {"shape": 12.0, "value": 20.0, "raises": 12.0, "choice": 12.0, "output": 30.0,
         "recall": 15.0, "code": 120.0}
SLOW = 2.5  # right but slower than quick x this: 3


def grade(kind: str, seconds: float | None) -> int:
    return suggest_grade(GradeInput(kind, correct=True, seconds=seconds))


@pytest.mark.parametrize("kind", sorted(QUICK))
def test_right_at_exactly_the_quick_time_is_a_five(kind: str) -> None:
    quick = QUICK[kind]
    assert grade(kind, quick) == 5
    assert grade(kind, quick - 0.5) == 5
    assert grade(kind, quick + 0.01) == 4


@pytest.mark.parametrize("kind", sorted(QUICK))
def test_right_at_exactly_the_slow_limit_is_a_four(kind: str) -> None:
    limit = QUICK[kind] * SLOW
    assert grade(kind, limit) == 4
    assert grade(kind, limit + 0.01) == 3
    assert grade(kind, limit * 10) == 3


def test_a_kind_outside_the_registry_has_no_quick_time() -> None:
    """Every kind's quick time is in core/kinds.py; there is no fallback to drift from it."""
    with pytest.raises(KeyError):
        grade("unknown", 15.0)


def test_with_no_time_known_a_right_answer_counts_as_quick() -> None:
    assert grade("code", None) == 5
    assert grade("shape", 0.0) == 5


def test_wrong_answers() -> None:
    assert suggest_grade(GradeInput("shape", correct=False)) == 1
    assert suggest_grade(GradeInput("shape", correct=False, near_miss=True)) == 2
    assert suggest_grade(GradeInput("value", correct=False, seconds=1.0)) == 1  # quick or not


def test_revealed_is_a_zero_whatever_else() -> None:
    assert suggest_grade(GradeInput("shape", correct=True, seconds=1.0, revealed=True)) == 0
    assert suggest_grade(GradeInput("recall", correct=False, revealed=True, coverage=1.0)) == 0


@pytest.mark.parametrize("coverage,hint", [
    (1.0, 4), (0.7, 4), (0.69, 3), (0.4, 3), (0.39, 2), (0.0, 2),
])
def test_the_recall_hint_by_coverage(coverage: float, hint: int) -> None:
    assert suggest_grade(GradeInput("recall", correct=False, coverage=coverage)) == hint


def test_a_recall_answer_word_for_word_is_graded_by_time() -> None:
    assert suggest_grade(GradeInput("recall", correct=True, coverage=1.0, seconds=15.0)) == 5
    assert suggest_grade(GradeInput("recall", correct=True, coverage=1.0, seconds=16.0)) == 4

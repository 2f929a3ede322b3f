"""The grading policy: from a checker verdict and the answer time to a suggested SM-2 grade.

All thresholds live here, but for each kind's quick time, which the kinds registry holds.
The learner confirms or overrides the suggestion with 0-5.
- revealed without an answer -> 0
- wrong -> 1, or 2 for a near miss (right dims in the wrong order, a value just outside
  tolerance, a base class of the exception raised)
- right but slow -> 3 (slower than SLOW_FACTOR x the kind's quick time) or 4
- right and quick -> 5
- a recall card typed in other words than the model answer: only a hint, from how much of
  the model answer the typed words cover (the learner grades; the UI preselects nothing)
A check that broke a limit in the learner's own code (code cards) counts as wrong.
"""

from __future__ import annotations

from dataclasses import dataclass

from quizcards.core.kinds import KINDS

SLOW_FACTOR = 2.5  # right but slower than quick x this -> 3 instead of 4


def reveals(kind: str, answer: str | None) -> bool:
    """An empty answer to a recall card reveals the model answer: the learner grades how
    well they knew it (0 suggested); it is not a wrong answer."""
    return kind == "recall" and not (answer or "").strip()


@dataclass(frozen=True)
class GradeInput:
    kind: str
    correct: bool
    near_miss: bool = False
    seconds: float | None = None
    revealed: bool = False
    coverage: float | None = None  # recall: share of the model answer's words typed


# a typed recall answer's hint: (coverage at least, grade), first match wins
RECALL_HINTS = ((0.7, 4), (0.4, 3), (0.0, 2))


def suggest_grade(g: GradeInput) -> int:
    """A grade 0-5 for SM-2. With no time known, a right answer counts as quick."""
    if g.revealed:
        return 0
    if not g.correct and g.coverage is not None:
        return next(grade for least, grade in RECALL_HINTS if g.coverage >= least)
    if not g.correct:
        return 2 if g.near_miss else 1
    quick = KINDS[g.kind].quick_seconds
    if g.seconds is None or g.seconds <= quick:
        return 5
    if g.seconds <= quick * SLOW_FACTOR:
        return 4
    return 3

"""How well a scheduler predicts recall on a history: the srs-benchmark method, in small.

- Every card's answers are replayed in time order; before each answer the model predicts the
  chance of recall, and the answer says whether it was recalled (any rating but Again).
- Only answers at least a day (24 h) after the card's previous answer are scored: same-day
  repeats are drills, not tests of memory (the FSRS optimizer's own rule).
- Scores: log loss (the mean of -log p of what happened) and RMSE over bins (predictions put
  in 20 equal bins of predicted recall; the root of the count-weighted mean squared gap
  between the bin's mean prediction and its observed pass rate).
- SM-2 is read as a forgetting curve: p = 0.9 ** (days elapsed / scheduled interval), an
  interval being where recall is expected to fall to 90% (srs-benchmark's reading).
- A time split keeps a fit from being scored on its own data: the first 80% of answers by
  time are for fitting, the last 20% are scored (each card's earlier answers still build its
  state before it is scored).

No torch here: FSRS runs with float parameters; fitting lives in `fit`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from quizcards.core import schedule, sm2
from quizcards.core.day import DayRule
from quizcards.scheduling.history import Review

BINS = 20
EPS = 1e-6  # predictions are clipped to [EPS, 1 - EPS] before the log
SM2_RETENTION_AT_INTERVAL = 0.9
TRAIN_FRACTION = 0.8


@dataclass(frozen=True)
class Score:
    log_loss: float
    rmse_bins: float
    n: int

    def to_json(self) -> dict[str, Any]:
        return {"log_loss": round(self.log_loss, 6), "rmse_bins": round(self.rmse_bins, 6),
                "n": self.n}


def log_loss(predictions: Sequence[float], outcomes: Sequence[bool]) -> float:
    total = 0.0
    for p, y in zip(predictions, outcomes, strict=True):
        p = min(max(p, EPS), 1 - EPS)
        total -= math.log(p if y else 1 - p)
    return total / len(predictions)


def rmse_bins(predictions: Sequence[float], outcomes: Sequence[bool], bins: int = BINS) -> float:
    sums: dict[int, list[float]] = {}  # bin -> [count, sum of p, sum of y]
    for p, y in zip(predictions, outcomes, strict=True):
        b = min(int(p * bins), bins - 1)
        acc = sums.setdefault(b, [0.0, 0.0, 0.0])
        acc[0] += 1
        acc[1] += p
        acc[2] += float(y)
    n = sum(acc[0] for acc in sums.values())
    sq = sum(acc[0] * (acc[1] / acc[0] - acc[2] / acc[0]) ** 2 for acc in sums.values())
    return math.sqrt(sq / n)


def score(predictions: Sequence[float], outcomes: Sequence[bool]) -> Score | None:
    if not predictions:
        return None
    return Score(log_loss(predictions, outcomes), rmse_bins(predictions, outcomes),
                 len(predictions))


# one prediction: (the answer's index in the history, p, recalled)
Predictions = list[tuple[int, float, bool]]


def _scored_steps(history: Sequence[Review]) -> Iterator[tuple[int, Review, datetime | None]]:
    """(index, answer, time of the card's previous answer) for every answer in time order."""
    last: dict[str, datetime] = {}
    for i, r in enumerate(history):
        yield i, r, last.get(r.card)
        last[r.card] = r.time


def _a_day_apart(previous: datetime | None, now: datetime) -> bool:
    return previous is not None and now - previous >= timedelta(days=1)


def predict_fsrs(history: Sequence[Review], parameters: Sequence[float] | None = None
                 ) -> Predictions:
    """FSRS's predicted recall before every scored answer (`history` in time order)."""
    from fsrs import Card, Rating, Scheduler

    scheduler = (Scheduler(enable_fuzzing=False) if parameters is None
                 else Scheduler(parameters=tuple(parameters), enable_fuzzing=False))
    cards: dict[str, Any] = {}
    out: Predictions = []
    for i, r, previous in _scored_steps(history):
        card = cards.get(r.card)
        if card is None:
            card = Card(card_id=0, due=r.time)
        elif _a_day_apart(previous, r.time):
            p = float(scheduler.get_card_retrievability(card, current_datetime=r.time))
            out.append((i, p, r.passed))
        cards[r.card], _ = scheduler.review_card(card, Rating(r.rating), r.time)
    return out


def predict_sm2(history: Sequence[Review], rule: DayRule) -> Predictions:
    """SM-2 (quizcards' own) read as a forgetting curve before every scored answer."""
    states: dict[str, sm2.SM2State] = {}
    out: Predictions = []
    for i, r, previous in _scored_steps(history):
        state = states.get(r.card) or sm2.SM2State()
        if _a_day_apart(previous, r.time) and state.last_day is not None:
            interval = max(1, int(state.interval))
            elapsed = max(0, rule.day_of(r.time) - state.last_day)
            out.append((i, SM2_RETENTION_AT_INTERVAL ** (elapsed / interval), r.passed))
        after = schedule.review("sm2", state, r.grade, r.time, rule)
        assert isinstance(after, sm2.SM2State)
        states[r.card] = after
    return out


def predict_constant(history: Sequence[Review], p: float) -> Predictions:
    """Always the same chance: the floor any model has to beat."""
    return [(i, p, r.passed) for i, r, previous in _scored_steps(history)
            if previous is not None and _a_day_apart(previous, r.time)]


def scored_from(predictions: Predictions, start: int) -> Score | None:
    kept = [(p, y) for i, p, y in predictions if i >= start]
    return score([p for p, _ in kept], [y for _, y in kept])


def split_index(n: int, train_fraction: float = TRAIN_FRACTION) -> int:
    """Answers [0, k) are for fitting, [k, n) are scored."""
    return int(n * train_fraction)


def count_scored(history: Sequence[Review]) -> int:
    """How many answers come at least a day after the card's previous one."""
    return sum(1 for _, r, previous in _scored_steps(history) if _a_day_apart(previous, r.time))


Fit = Callable[[Sequence[Review]], "list[float] | None"]


def evaluate(history: Sequence[Review], rule: DayRule, fit: Fit,
             saved: Sequence[float] | None = None,
             train_fraction: float = TRAIN_FRACTION) -> dict[str, Any]:
    """Every model scored on the last (1 - train_fraction) of `history` (time order); the fit
    sees only the first part. `fit` returns None when the first part is too short to fit.
    The result is what `quizcards evaluate --json` prints (docs/scheduling.md)."""
    k = split_index(len(history), train_fraction)
    train, test = history[:k], history[k:]
    passes = [r.passed for _, r, prev in _scored_steps(train) if _a_day_apart(prev, r.time)]
    pass_rate = sum(passes) / len(passes) if passes else None
    fitted = fit(train) if train else None
    models: dict[str, dict[str, Any] | None] = {}

    def put(name: str, predictions: Predictions, **extra: Any) -> None:
        s = scored_from(predictions, k)
        models[name] = None if s is None else {**s.to_json(), **extra}

    put("sm2", predict_sm2(history, rule))
    put("fsrs_default", predict_fsrs(history))
    if fitted is None:
        models["fsrs_fitted"] = None
    else:
        put("fsrs_fitted", predict_fsrs(history, fitted), parameters=list(fitted))
    if saved is not None:
        put("fsrs_saved", predict_fsrs(history, saved))
    if pass_rate is not None:
        put("pass_rate", predict_constant(history, pass_rate), p=round(pass_rate, 6))
    return {
        "reviews": len(history),
        "cards": len({r.card for r in history}),
        "train_reviews": len(train),
        "test_reviews": len(test),
        "train_fraction": train_fraction,
        "split_time": test[0].time.isoformat() if test else None,
        "scored": sum(1 for i, r, prev in _scored_steps(history)
                      if i >= k and _a_day_apart(prev, r.time)),
        "models": models,
    }

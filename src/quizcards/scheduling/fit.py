"""Fitting personal FSRS parameters with the `fsrs` package's optimizer (its optional extra,
which runs on torch: imported here only when a fit starts, never by the CLI's start-up).

The optimizer scores only answers at least a day after the card's previous one, among each
card's first 64 answers, and returns the default parameters when it has fewer than 512 of
them. `needed_reviews` counts them the same way, so the command can say how many more are
needed instead of pretending to have fitted.
"""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from quizcards.errors import OptimizerMissing, QuizcardsError
from quizcards.scheduling.history import Review

MIN_REVIEWS = 512  # fsrs.optimizer.mini_batch_size: fewer and it returns the defaults
MAX_SEQ = 64  # fsrs.optimizer.max_seq_len: only each card's first 64 answers are fitted on
RETENTION_MIN_LOGS = 512  # compute_optimal_retention refuses fewer


@dataclass(frozen=True)
class Usable:
    """How much of a history the optimizer can learn from."""

    reviews: int  # answers at least a day after the card's previous one (first 64 a card)

    @property
    def enough(self) -> bool:
        return self.reviews >= MIN_REVIEWS

    @property
    def missing(self) -> int:
        return max(0, MIN_REVIEWS - self.reviews)


def usable(history: Sequence[Review]) -> Usable:
    seen: dict[str, int] = {}
    last: dict[str, datetime] = {}
    n = 0
    for r in sorted(history, key=lambda r: r.time):
        count = seen.get(r.card, 0)
        if count < MAX_SEQ and r.card in last and r.time - last[r.card] >= timedelta(days=1):
            n += 1
        seen[r.card] = count + 1
        last[r.card] = r.time
    return Usable(n)


def default_parameters() -> list[float]:
    from fsrs.scheduler import DEFAULT_PARAMETERS

    return list(DEFAULT_PARAMETERS)


def _optimizer_class() -> Any:
    try:
        from fsrs.optimizer import Optimizer
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise OptimizerMissing(f"the FSRS optimizer cannot load ({exc})") from None
    return Optimizer


def _review_logs(history: Sequence[Review], fill_duration: int | None = None) -> list[Any]:
    from fsrs import Rating, ReviewLog

    ids: dict[str, int] = {}
    return [ReviewLog(card_id=ids.setdefault(r.card, len(ids) + 1), rating=Rating(r.rating),
                      review_datetime=r.time,
                      review_duration=r.duration_ms if r.duration_ms is not None
                      else fill_duration)
            for r in history]


def make_optimizer(history: Sequence[Review], fill_duration: int | None = None) -> Any:
    optimizer_class = _optimizer_class()
    try:
        return optimizer_class(_review_logs(history, fill_duration))
    except ImportError as exc:  # the stub the package defines without pandas/tqdm/torch
        raise OptimizerMissing(
            'the FSRS optimizer is not installed: pip install "quizcards[optimize]"'
            f" ({str(exc).splitlines()[0]})") from None


def fit_parameters(history: Sequence[Review], progress: bool = False) -> list[float] | None:
    """Fitted parameters, or None when the history is below the optimizer's minimum.
    `progress` shows the optimizer's own progress bar (one step per pass) on stderr."""
    if not usable(history).enough:
        return None
    optimizer = make_optimizer(history)
    if progress:
        return [float(x) for x in optimizer.compute_optimal_parameters(verbose=True)]
    with contextlib.redirect_stderr(io.StringIO()):
        return [float(x) for x in optimizer.compute_optimal_parameters(verbose=False)]


def optimal_retention(history: Sequence[Review], parameters: Sequence[float]) -> float:
    """The desired retention that minimises the time spent per card remembered, by the
    package's simulation (it tries 0.70 to 0.95 in steps of 0.05). Answers without a
    recorded duration count as the median of the others."""
    if len(history) < RETENTION_MIN_LOGS:
        raise QuizcardsError(
            f"the workload simulation needs {RETENTION_MIN_LOGS} answers; you have "
            f"{len(history)} ({RETENTION_MIN_LOGS - len(history)} more needed)")
    durations = sorted(r.duration_ms for r in history if r.duration_ms is not None)
    if not durations:
        raise QuizcardsError("the workload simulation needs answer durations; none are logged")
    optimizer = make_optimizer(history, fill_duration=durations[len(durations) // 2])
    return float(optimizer.compute_optimal_retention(list(parameters)))


def progress_stream() -> bool:
    return sys.stderr.isatty()

"""Fitting personal FSRS parameters: a penalised maximum likelihood fit (a posterior mode),
the way fsrs-rs (Anki's optimizer) fits them, on the package's own memory model.

Why not the `fsrs` package's optimizer: it minimises the log loss alone, for 5 passes of
mini-batches, starting from the defaults. On a history of a few thousand scored answers that
overfits: on shared/data/fsrs-review-log.csv, fitted on the first 80% by time, it lost to the
defaults on the last 20% (log loss 0.4550 against 0.4515) while it won clearly in sample.

What is done instead (docs/scheduling.md, "How the fit works"):
- the objective is the log loss of every scored answer plus GAMMA * sum(((w - default) /
  PARAMS_STDDEV) ** 2): a Gaussian prior centred on the defaults, each parameter's width its
  spread across users (fsrs-rs's PARAMS_STDDEV and gamma 1, not tuned here). With few answers
  the defaults dominate; with many the data do;
- answers are weighted by recency, 0.25 for the oldest to 1 for the newest (fsrs-rs's
  weights): a fit is used on the answers to come, and a learner's memory drifts;
- it is minimised to convergence on the whole history at once (full-batch Adam, a fixed
  PASSES, deterministic) instead of stopping after 5 noisy passes; the parameters are
  clipped to the package's bounds after every step.

As the package's optimizer did, it learns only from answers at least a day after the card's
previous one, among each card's first 64 answers, and needs 512 of them. `usable` counts
them the same way, so the command can say how many more are needed instead of
pretending to have fitted.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from quizcards.errors import OptimizerMissing, QuizcardsError
from quizcards.scheduling.history import Review

MIN_REVIEWS = 512  # as fsrs.optimizer (its mini_batch_size): fewer and there is no fit
MAX_SEQ = 64  # as fsrs.optimizer.max_seq_len: only each card's first 64 answers are fitted on
RETENTION_MIN_LOGS = 512  # compute_optimal_retention refuses fewer

# The prior: fsrs-rs's spread of each parameter across users (src/training.rs) and its weight.
PARAMS_STDDEV = (6.43, 9.66, 17.58, 27.85, 0.57, 0.28, 0.6, 0.12, 0.39, 0.18, 0.33, 0.3, 0.09,
                 0.16, 0.57, 0.25, 1.03, 0.31, 0.32, 0.14, 0.27)
GAMMA = 1.0
# Recency weights: the oldest scored answer counts RECENCY_FLOOR, the newest 1, along a cube.
RECENCY_FLOOR = 0.25
# Full-batch Adam with cosine-annealed steps: 150 passes at 0.05 reach the objective's minimum
# to about 1e-5 of it on the shared log (300 passes move it by less than 1e-4 in total).
PASSES = 150
LEARNING_RATE = 0.05


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
    """The package's optimizer, for its workload simulation (`optimal_retention`)."""
    optimizer_class = _optimizer_class()
    try:
        return optimizer_class(_review_logs(history, fill_duration))
    except ImportError as exc:  # the stub the package defines without pandas/tqdm/torch
        raise OptimizerMissing(
            'the FSRS optimizer is not installed: pip install "quizcards[optimize]"'
            f" ({str(exc).splitlines()[0]})") from None


def recency_weights(n: int) -> list[float]:
    """Weights of n scored answers in time order: RECENCY_FLOOR for the oldest, 1 for the
    newest, rising along a cube (fsrs-rs's recency weighting)."""
    span = max(n - 1, 1)
    return [RECENCY_FLOOR + (1 - RECENCY_FLOOR) * (k / span) ** 3 for k in range(n)]


def _progress_bar(progress: bool) -> Any:
    try:
        from tqdm import tqdm
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise OptimizerMissing(
            'the FSRS optimizer is not installed: pip install "quizcards[optimize]"'
            f" ({exc})") from None
    return tqdm(total=PASSES, desc="Optimizing", unit="pass", disable=not progress)


def fit_parameters(history: Sequence[Review], progress: bool = False,
                   gamma: float = GAMMA, recency: bool = True) -> list[float] | None:
    """Fitted parameters, or None when the history is below the minimum (`usable`).
    `history` is in time order. `progress` shows a progress bar (one step per pass) on
    stderr. `gamma` and `recency` are for the tests and docs/scheduling.md's comparisons."""
    if not usable(history).enough:
        return None
    import torch
    from fsrs.scheduler import LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS

    from quizcards.scheduling.fsrs_torch import retrievability, sequences

    bar = _progress_bar(progress)
    seqs = sequences(history, MAX_SEQ)
    order = torch.argsort(seqs.index)  # scored answers in time order
    weights = torch.empty(len(order), dtype=torch.float64)
    weights[order] = torch.tensor(recency_weights(len(order)) if recency
                                  else [1.0] * len(order), dtype=torch.float64)
    prior = torch.tensor(default_parameters(), dtype=torch.float64)
    spread = torch.tensor(PARAMS_STDDEV, dtype=torch.float64)
    low = torch.tensor(LOWER_BOUNDS_PARAMETERS, dtype=torch.float64)
    high = torch.tensor(UPPER_BOUNDS_PARAMETERS, dtype=torch.float64)

    w = prior.clone().requires_grad_()
    adam = torch.optim.Adam([w], lr=LEARNING_RATE)
    annealing = torch.optim.lr_scheduler.CosineAnnealingLR(adam, T_max=PASSES)
    with bar:
        for _ in range(PASSES):
            p = retrievability(w, seqs)
            # summed, not averaged: the prior weighs the same whatever the history's size,
            # so the data outweigh it as they grow (a posterior mode)
            loss = torch.nn.functional.binary_cross_entropy(p, seqs.recalled, weight=weights,
                                                            reduction="sum")
            loss = loss + gamma * (((w - prior) / spread) ** 2).sum()
            adam.zero_grad()
            loss.backward()
            adam.step()
            annealing.step()
            with torch.no_grad():
                w.clamp_(low, high)  # the package's scheduler refuses anything outside
            bar.update()
    fitted = [float(x) for x in w.detach()]
    if not all(math.isfinite(x) for x in fitted):  # pragma: no cover - a guard, not seen
        raise QuizcardsError("the FSRS fit did not converge (a parameter is not a number)")
    return fitted


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

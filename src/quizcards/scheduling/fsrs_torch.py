"""FSRS-6's memory model on torch tensors, every card of a history at once, for fitting.

It is the `fsrs` package's `Scheduler.review_card` (stability and difficulty) and
`get_card_retrievability`, written over a column per card so that one pass over a history is
one small tensor step per answer position (54 on the shared log) instead of a Python loop over
every answer (the package's own optimizer steps through its scheduler one answer at a time).
tests/test_fit_model.py checks that it predicts what the package's scheduler predicts, to
1e-12, for arbitrary parameters.

The package's state machine (learning, review, relearning) does not change the memory state:
whatever the state, the first answer sets the initial stability and difficulty, an answer less
than a day (24 h, whole days by `timedelta.days`) after the previous one uses the same-day
stability, and any other answer the long-term one; difficulty moves on every answer after
the first. That is what lets the whole history run as tensors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from quizcards.scheduling.history import Review

S_MIN = 0.001  # fsrs.scheduler.STABILITY_MIN
D_MIN, D_MAX = 1.0, 10.0  # fsrs.scheduler.MIN_DIFFICULTY, MAX_DIFFICULTY


@dataclass(frozen=True)
class Step:
    """One answer position (the t-th answer of a card) for the cards that have one. Cards are
    sorted longest first, so the cards still going at step t are a prefix of the columns."""

    cards: int  # how many cards have a t-th answer (the first `cards` columns)
    rating: torch.Tensor  # (cards,) rating - 1, to index per-rating values
    days: torch.Tensor  # (cards,) whole days since the card's previous answer (float64)
    same_day: torch.Tensor  # (cards,) bool: less than a day after the previous answer


@dataclass(frozen=True)
class Sequences:
    """A history as per-card sequences, with the answers a fit is scored on: those a day or
    more after the card's previous answer (never a card's first)."""

    steps: list[Step]
    scored_at: torch.Tensor  # positions of the scored answers in the concatenated steps 1..
    recalled: torch.Tensor  # (scored,) 1.0 recalled (any rating but Again), 0.0 forgotten
    index: torch.Tensor  # (scored,) each scored answer's index in the history (time order)


def sequences(history: Sequence[Review], max_len: int | None = None) -> Sequences:
    """`history` in time order; only each card's first `max_len` answers when given."""
    by_card: dict[str, list[tuple[int, Review]]] = {}
    for i, r in enumerate(history):
        by_card.setdefault(r.card, []).append((i, r))
    cards = sorted((answers[:max_len] for answers in by_card.values()), key=len, reverse=True)
    steps: list[Step] = []
    scored_at: list[int] = []
    recalled: list[float] = []
    index: list[int] = []
    position = 0  # of step t's first card in the concatenation of steps 1..t
    for t in range(len(cards[0]) if cards else 0):
        going = [answers for answers in cards if len(answers) > t]
        days = [float((a[t][1].time - a[t - 1][1].time).days) if t else 0.0 for a in going]
        day_tensor = torch.tensor(days, dtype=torch.float64)
        steps.append(Step(len(going), torch.tensor([a[t][1].rating - 1 for a in going]),
                          day_tensor, day_tensor < 1))
        if t == 0:
            continue
        for column, (answers, elapsed) in enumerate(zip(going, days, strict=True)):
            if elapsed >= 1:
                scored_at.append(position + column)
                recalled.append(float(answers[t][1].passed))
                index.append(answers[t][0])
        position += len(going)
    return Sequences(steps, torch.tensor(scored_at, dtype=torch.long),
                     torch.tensor(recalled, dtype=torch.float64),
                     torch.tensor(index, dtype=torch.long))


def retrievability(w: torch.Tensor, seqs: Sequences) -> torch.Tensor:
    """The predicted chance of recall before every scored answer, in `seqs.recalled`'s order,
    as a differentiable function of the 21 parameters `w` (float64)."""
    one = torch.ones((), dtype=torch.float64)
    ratings = torch.arange(1, 5, dtype=torch.float64)
    decay = -w[20]
    factor = 0.9 ** (1 / decay) - 1
    # per-rating values, looked up by each card's rating at every step
    initial_s = w[:4].clamp(min=S_MIN)
    initial_d = (w[4] - torch.exp(w[5] * (ratings - 1)) + 1).clamp(D_MIN, D_MAX)
    same_day_growth = torch.exp(w[17] * (ratings - 3 + w[18]))
    recall_bonus = torch.exp(w[8]) * torch.stack([one, w[15], one, w[16]])  # Hard, Easy
    # next difficulty = w7 * D0(Easy) + (1 - w7) * (D + (10 - D) * (-w6 (rating - 3)) / 9)
    d_target = w[7] * (w[4] - torch.exp(w[5] * 3) + 1)
    d_step = -(w[6] * (ratings - 3)) / 9 * (1 - w[7])
    forget_same_day = torch.exp(-w[17] * w[18])

    if not seqs.steps:
        return torch.zeros(0, dtype=torch.float64)
    first = seqs.steps[0]
    s, d = initial_s[first.rating], initial_d[first.rating]
    predicted = []
    for step in seqs.steps[1:]:
        s, d = s[:step.cards], d[:step.cards]  # cards that have ended drop off the end
        r = (1 + factor * step.days / s) ** decay
        predicted.append(r)
        again = step.rating == 0
        growth = same_day_growth[step.rating] * s ** -w[19]
        s_same_day = s * torch.where(again, growth, growth.clamp(min=1.0))
        s_forget = torch.minimum(
            w[11] * d ** -w[12] * ((s + 1) ** w[13] - 1) * torch.exp((1 - r) * w[14]),
            s * forget_same_day)
        s_recall = s * (1 + recall_bonus[step.rating] * (11 - d) * s ** -w[9]
                        * (torch.exp((1 - r) * w[10]) - 1))
        s = torch.where(step.same_day, s_same_day,
                        torch.where(again, s_forget, s_recall)).clamp(min=S_MIN)
        d = (d_target + (1 - w[7]) * d + (10 - d) * d_step[step.rating]).clamp(D_MIN, D_MAX)
    if not predicted:
        return torch.zeros(0, dtype=torch.float64)
    return torch.cat(predicted)[seqs.scored_at]

"""The fit's own pieces, without the shared log: the tensor FSRS model against the package's
scheduler."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from quizcards.scheduling import evaluate, fit
from quizcards.scheduling.history import Review, from_rating, in_time_order

torch = pytest.importorskip("torch")

START = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
# a learner who forgets faster than the defaults expect: lower initial stabilities, smaller
# gains after a success (w8), a steeper curve (w20)
TRUE = [0.1, 0.4, 0.8, 3.0, 6.4133, 0.8334, 3.0194, 0.001, 1.0, 0.1666, 0.796, 1.4835,
        0.0614, 0.2629, 1.6483, 0.6014, 1.8729, 0.5425, 0.0912, 0.0658, 0.5]


def simulate(parameters: list[float], cards: int, answers: int, seed: int) -> list[Review]:
    """Each card learnt in a session (an answer, then same-day repeats after an Again), then
    answered on days scattered around where FSRS would schedule it; recall drawn from the
    model's own retrievability, ratings of every kind."""
    from fsrs import Card, Rating, Scheduler

    rng = random.Random(seed)
    scheduler = Scheduler(parameters=tuple(parameters), enable_fuzzing=False)
    history = []
    for c in range(cards):
        card = Card(card_id=0, due=START)
        t = START + timedelta(days=rng.randrange(60), minutes=rng.randrange(600))
        rating = rng.choice([1, 1, 2, 3, 3, 3, 4])
        for _ in range(answers):
            history.append(from_rating(f"c{c}", t, rating, None))
            card, _ = scheduler.review_card(card, Rating(rating), t)
            if rating == 1 and rng.random() < 0.7:
                t += timedelta(minutes=rng.choice([1, 10, 30]))  # same day: short-term
            else:
                ahead = max(1.0, (card.due - t).total_seconds() / 86_400)
                t += timedelta(days=max(1, round(ahead * rng.uniform(0.5, 2.5))),
                               hours=rng.uniform(-3, 3))
            p = scheduler.get_card_retrievability(card, current_datetime=t)
            rating = 1 if rng.random() >= p else rng.choice([2, 3, 3, 3, 3, 4])
    return in_time_order(history)


def _random_parameters(rng: random.Random) -> list[float]:
    from fsrs.scheduler import LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS

    out = []
    for i, (low, high) in enumerate(zip(LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS,
                                        strict=True)):
        high = min(high, 20.0) if i < 4 else high  # stabilities: a useful range
        out.append(rng.uniform(low, high))
    return out


def test_the_tensor_model_predicts_what_the_package_scheduler_predicts() -> None:
    from quizcards.scheduling.fsrs_torch import retrievability, sequences

    history = simulate(fit.default_parameters(), cards=60, answers=9, seed=1)
    seqs = sequences(history)
    rng = random.Random(7)
    for parameters in [fit.default_parameters(), TRUE] + [_random_parameters(rng)
                                                          for _ in range(8)]:
        expected = {i: p for i, p, _ in evaluate.predict_fsrs(history, parameters)}
        got = retrievability(torch.tensor(parameters, dtype=torch.float64), seqs)
        assert sorted(int(i) for i in seqs.index) == sorted(expected)
        for i, p in zip(seqs.index.tolist(), got.tolist(), strict=True):
            assert p == pytest.approx(expected[i], abs=1e-12), (parameters, i)
    outcomes = {i: y for i, _, y in evaluate.predict_fsrs(history)}
    assert seqs.recalled.tolist() == [float(outcomes[i]) for i in seqs.index.tolist()]


def test_sequences_keep_only_each_cards_first_answers_when_asked() -> None:
    from quizcards.scheduling.fsrs_torch import sequences

    history = [from_rating("a", START + timedelta(days=k), 3, None) for k in range(6)]
    assert len(sequences(history).index) == 5  # every answer after the first is a day apart
    assert sequences(history, max_len=3).index.tolist() == [1, 2]
    assert fit.usable(history).reviews == 5

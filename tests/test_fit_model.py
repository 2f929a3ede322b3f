"""The fit's own pieces, without the shared log: the tensor FSRS model against the package's
scheduler, the recency weights, and what the prior toward the defaults does on histories
simulated from known parameters (a few seconds of CPU in all)."""

from __future__ import annotations

import random
import subprocess
import sys
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


def test_recency_weights_run_from_a_quarter_to_one_along_a_cube() -> None:
    weights = fit.recency_weights(5)
    assert weights[0] == 0.25 and weights[-1] == 1.0
    assert weights[2] == pytest.approx(0.25 + 0.75 * 0.5**3)
    assert weights == sorted(weights)
    assert fit.recency_weights(1) == [0.25]


def _distance(parameters: list[float]) -> float:
    """How far from the defaults, in units of the prior's spread."""
    return sum(((p - d) / s) ** 2 for p, d, s in zip(
        parameters, fit.default_parameters(), fit.PARAMS_STDDEV, strict=True)) ** 0.5


def _loss(history: list[Review], start: int, parameters: list[float] | None) -> float:
    scored = evaluate.scored_from(evaluate.predict_fsrs(history, parameters), start)
    assert scored is not None
    return scored.log_loss


@pytest.fixture(scope="module")
def simulated() -> list[Review]:
    return simulate(TRUE, cards=300, answers=7, seed=3)


@pytest.fixture(scope="module")
def fitted(simulated: list[Review]) -> list[float]:
    """Fitted on the first 80% of the simulated history by time (about 1,000 usable)."""
    parameters = fit.fit_parameters(simulated[:evaluate.split_index(len(simulated))])
    assert parameters is not None
    return parameters


def test_the_fit_learns_a_simulated_learner_and_predicts_their_later_answers(
        simulated: list[Review], fitted: list[float]) -> None:
    from fsrs.scheduler import LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS

    assert all(low <= p <= high for p, low, high in zip(
        fitted, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS, strict=True))
    assert fitted[2] < 1.0 < fit.default_parameters()[2]  # Good's initial stability: 0.8
    k = evaluate.split_index(len(simulated))
    # the defaults 0.456, the true parameters 0.417
    assert _loss(simulated, k, fitted) < _loss(simulated, k, None) - 0.03
    assert _loss(simulated, k, fitted) < _loss(simulated, k, TRUE) + 0.01


def test_the_fit_is_deterministic(simulated: list[Review], fitted: list[float]) -> None:
    assert fit.fit_parameters(simulated[:evaluate.split_index(len(simulated))]) == fitted


def test_the_prior_holds_the_fit_near_the_defaults(simulated: list[Review],
                                                   fitted: list[float]) -> None:
    """Without the prior the fit strays further from the defaults, and here (1,000 usable
    answers) it predicts the later answers worse (0.429 against 0.415); with a huge weight
    the fit stays at the defaults."""
    k = evaluate.split_index(len(simulated))
    plain = fit.fit_parameters(simulated[:k], gamma=0.0)
    pinned = fit.fit_parameters(simulated[:k], gamma=1e6)
    assert plain is not None and pinned is not None
    assert _distance(pinned) < 0.01
    assert _distance(fitted) < _distance(plain)
    assert _loss(simulated, k, fitted) < _loss(simulated, k, plain)


def test_recency_weighting_follows_a_learner_who_changes() -> None:
    """The forgetful learner of TRUE, then cards learnt later by one who remembers as
    the defaults expect: weighted toward recent answers, the fit predicts the last 20% (the
    later learner's) better than with every answer weighing the same."""
    early = simulate(TRUE, cards=200, answers=7, seed=3)
    late = simulate(fit.default_parameters(), cards=200, answers=7, seed=4)
    shift = max(r.time for r in early) - START
    history = in_time_order(early + [Review("late-" + r.card, r.time + shift, r.rating,
                                            r.grade, r.duration_ms) for r in late])
    k = evaluate.split_index(len(history))
    weighted = fit.fit_parameters(history[:k])
    flat = fit.fit_parameters(history[:k], recency=False)
    assert weighted is not None and flat is not None
    assert weighted[2] > flat[2]  # Good's initial stability, toward the later learner's
    assert _loss(history, k, weighted) < _loss(history, k, flat)


def test_importing_the_fit_does_not_import_torch() -> None:
    """torch loads when a fit starts, not when `optimize` or `evaluate` imports the fit."""
    code = ("import sys, quizcards.scheduling.fit, quizcards.scheduling.evaluate; "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_too_little_history_is_not_fitted() -> None:
    history = [from_rating(f"c{c}", START + timedelta(days=d), 3, None)
               for c in range(10) for d in range(3)]
    assert fit.fit_parameters(history) is None

"""The paths that make the app feel instant, pinned by behaviour (timings live in bench/):
a typed answer whose truth is known is judged on the spot, code still goes to the worker,
and quitting never waits for a check or for torch to load."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from quizcards.checker.client import Checker
from quizcards.core.models import Deck
from quizcards.library import Library
from quizcards.ui.app import create_app
from quizcards.ui.review import ReviewScreen

from .conftest import settle

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
DECK = """id: quick
title: Quick
setup: import torch
cards:
  - id: a-value
    kind: value
    prompt: "`torch.tensor([1, 2]).sum().item()`?"
    code: result = torch.tensor([1, 2]).sum().item()
  - id: b-code
    kind: code
    prompt: Write `double(x)` returning twice x.
    reference: |
      def double(x):
          return 2 * x
    tests: |
      assert double(3) == 6
"""


async def test_a_typed_answer_with_a_known_truth_is_judged_without_a_thread(
        tmp_path: Path, checker: Checker, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "quick.yaml").write_text(DECK)
    lib = Library.open([tmp_path / "quick.yaml"], db_path=tmp_path / "db.sqlite3")
    app = create_app(lib, checker, clock=lambda: NOW, start_review=True)
    threaded: list[str] = []
    real = ReviewScreen.run_check

    def spy(self: ReviewScreen, attempt):  # type: ignore[no-untyped-def]
        threaded.append(attempt.shown.key[1])
        return real(self, attempt)

    monkeypatch.setattr(ReviewScreen, "run_check", spy)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.shown is not None
        assert screen.shown.key[1] == "a-value"
        deck = lib.deck("quick")
        assert isinstance(deck, Deck)
        await settle(pilot)  # the truth is prefetched (a worker) while the card is read
        shown = screen.shown
        assert shown is not None and checker.check_now(deck, shown.card, "3",
                                                       seed=shown.seed) is not None
        await pilot.press("3")
        await pilot.press("enter")
        # judged inside the key's own handler: the feedback is there before any pause
        assert screen.phase == "feedback"
        assert screen.verdict is not None and screen.verdict.correct
        assert threaded == []
        await pilot.press("4")  # graded: on to the code card
        await settle(pilot)
        assert screen.shown is not None and screen.shown.key[1] == "b-code"
        await pilot.press(*"def double(x): return x + x")
        await pilot.press("ctrl+s")
        await settle(pilot)  # the code card's check (a worker)
        assert screen.phase == "feedback"
        assert threaded == ["b-code"]  # learner code always runs in the sandbox
        assert screen.verdict is not None and screen.verdict.correct


def test_check_now_declines_when_the_truth_is_unknown(tmp_path: Path) -> None:
    """Before the worker has computed the truth, nothing is judged on the UI thread."""
    (tmp_path / "quick.yaml").write_text(DECK)
    lib = Library.open([tmp_path / "quick.yaml"], db_path=tmp_path / "db.sqlite3")
    deck = lib.deck("quick")
    assert deck is not None
    fresh = Checker()  # never started: no truth can be known
    try:
        assert fresh.check_now(deck, deck.cards[0], "3") is None
        assert fresh.check_now(deck, deck.cards[1], "def double(x): ...") is None
    finally:
        fresh.close()
        lib.close()


def test_closing_while_a_check_runs_returns_at_once(tmp_path: Path) -> None:
    """Quitting mid-check (a card that loops, torch still loading) must not wait for it."""
    deck = Deck.model_validate({
        "id": "slow", "title": "Slow", "cards": [
            {"id": "sleeps", "kind": "value", "prompt": "?", "timeout": 20,
             "code": "import time\ntime.sleep(15)\nresult = 1"}]})
    checker = Checker()
    checker.start()
    outcome: list[object] = []

    def check() -> None:
        try:
            outcome.append(checker.check(deck, deck.cards[0], "1"))
        except Exception as exc:  # the worker went away under it: that is the point
            outcome.append(exc)

    thread = threading.Thread(target=check)
    thread.start()
    time.sleep(0.5)  # the check holds the worker (or waits for torch to load)
    started = time.monotonic()
    checker.close()
    closed_in = time.monotonic() - started
    thread.join(timeout=10)
    assert closed_in < 2.0, f"close waited {closed_in:.1f} s"
    assert not thread.is_alive()
    assert outcome  # the check ended (a crash verdict or an error), it did not hang


class _BrokenChecker(Checker):
    """A checker whose worker cannot start (torch missing, a broken install): no worker
    process, and every check and truth fails."""

    def start(self) -> None:
        pass

    def check(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        from quizcards.errors import CheckerError

        raise CheckerError("the checker worker did not start (is torch installed?)")

    truth = check  # type: ignore[assignment]


async def test_a_checker_that_cannot_work_is_a_message_not_a_crash(tmp_path: Path) -> None:
    """`@work` threads exit the app on an exception and the exam's grading thread died
    silently ("grading..." forever): a failing checker is now an error verdict that says so."""
    from quizcards.core.exam import Selection, select
    from quizcards.ui.exam import ExamPlan, ExamReportScreen

    (tmp_path / "quick.yaml").write_text(DECK)
    broken = _BrokenChecker()
    try:
        lib = Library.open([tmp_path / "quick.yaml"], db_path=tmp_path / "db.sqlite3")
        app = create_app(lib, broken, clock=lambda: NOW, start_review=True)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, ReviewScreen)
            await pilot.press("3", "enter")
            await settle(pilot)
            assert screen.phase == "feedback"
            assert screen.verdict is not None and screen.verdict.status == "error"
            assert "the checker failed" in screen.verdict.diagnosis
            assert app.is_running
        lib = Library.open([tmp_path / "quick.yaml"], db_path=tmp_path / "db2.sqlite3")
        cards = select(lib.exam_plan_cards(), Selection(count=2), seed=1)
        exam = create_app(lib, broken, clock=lambda: NOW, exam=ExamPlan(Selection(count=2),
                                                                       1, cards))
        async with exam.run_test(size=(80, 24)) as pilot:
            await pilot.press("ctrl+g")
            await settle(pilot, timeout=20)
            assert isinstance(exam.screen, ExamReportScreen)  # despite the checker
    finally:
        broken.close()

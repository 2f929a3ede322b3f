"""The house's conventions, pinned: a worker that fails is shown and the app stays up (in
the review and in the exam's grader), deck text never reads as markup in the picker, and
the review service alone decides what an answer does (the line review and the screen agree).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from quizcards.checker.client import Checker
from quizcards.core.exam import Selection
from quizcards.core.session import Session
from quizcards.library import Library
from quizcards.review_service import Attempt, ReviewService
from quizcards.ui.app import create_app
from quizcards.ui.review import Phase, ReviewScreen

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
SIZE = (80, 24)

CODE_DECK = """\
id: house
title: "Tensors [bold]& masks[/bold] [/] for [link=x]everyone[/link]"
tags: ["[red]marked[/red]"]
cards:
  - id: double
    kind: code
    prompt: Write `double(x)`.
    starter: |
      def double(x):
          ...
    tests: |
      assert double(2) == 4
    reference: |
      def double(x):
          return 2 * x
  - id: sum-value
    kind: value
    prompt: "`sum([1, 2])`?"
    code: result = sum([1, 2])
"""


def _lib(tmp_path: Path) -> Library:
    (tmp_path / "house.yaml").write_text(CODE_DECK)
    lib = Library.open([tmp_path / "house.yaml"], db_path=tmp_path / "db.sqlite3")
    assert not lib.decks.problems, lib.decks.problems
    return lib


async def test_a_check_that_raises_is_shown_and_the_review_goes_on(
        tmp_path: Path, checker: Checker, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker's exception used to end the app with a traceback (exit_on_error=True)."""

    def broken(self: ReviewService, attempt: Attempt) -> None:
        raise RuntimeError("the checker blew up")

    monkeypatch.setattr(ReviewService, "check", broken)
    app = create_app(_lib(tmp_path), checker, clock=lambda: NOW, start_review=True)
    notes: list[str] = []
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        real_notify = app.notify
        app.notify = lambda message, **kw: (notes.append(str(message)),  # type: ignore[method-assign]
                                            real_notify(message, **kw))[1]
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.shown is not None
        assert screen.shown.key[1] == "double"
        await pilot.press(*"return 2 * x", "ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.is_running and app.screen is screen
        assert screen.phase is Phase.QUESTION  # the answer can be submitted again
        assert screen.answer_widget is not None and not screen.answer_widget.disabled
        assert any("the checker blew up" in n for n in notes)


async def test_an_exam_whose_grader_fails_still_ends_with_a_report(
        tmp_path: Path, checker: Checker, monkeypatch: pytest.MonkeyPatch) -> None:
    from quizcards.ui import exam as exam_ui

    def broken(checker: Checker, attempt: Attempt) -> None:
        raise RuntimeError("grader down")

    monkeypatch.setattr(exam_ui, "check", broken)
    lib = _lib(tmp_path)
    cards = [c for c in lib.exam_plan_cards() if c.card_id == "sum-value"]
    plan = exam_ui.ExamPlan(Selection(count=1), 1, cards)
    app = create_app(lib, checker, clock=lambda: NOW, exam=plan)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press(*"3", "enter")  # the only question: the exam ends
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.is_running
        assert plan.report is not None
        assert plan.report.total == 1 and plan.report.score == 0
        assert isinstance(app.screen, exam_ui.ExamReportScreen)
        assert "not graded: the grader failed" in app.screen.markdown


async def test_the_picker_shows_deck_titles_and_tags_as_written(
        tmp_path: Path, checker: Checker) -> None:
    """A `[/]` in a title raised a MarkupError and ended the app; `[bold]` restyled it."""
    from textual.widgets import SelectionList

    from quizcards.ui.picker import Picker

    app = create_app(_lib(tmp_path), checker, clock=lambda: NOW)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, Picker)
        choices = app.screen.query_one(SelectionList)
        shown = [str(choices.get_option_at_index(i).prompt)
                 for i in range(choices.option_count)]
        assert shown[0].startswith("Tensors [bold]& masks[/bold] [/] for")
        assert shown[1].startswith("#[red]marked[/red]")


def test_the_line_review_and_the_service_agree_on_a_repeat(tmp_path: Path,
                                                           checker: Checker) -> None:
    """A wrong answer brings the card back in the session; a good one does not; both
    decided by the service for either front end."""
    lib = _lib(tmp_path)
    queue = lib.queue(NOW)
    reviews = ReviewService(lib, Session.from_queue(queue), lambda: checker,
                            clock=lambda: NOW)
    shown = reviews.next_card()
    assert shown is not None and shown.key[1] == "double"
    attempt = reviews.attempt(shown, "def double(x):\n    return x + x\n")
    verdict = reviews.check(attempt)
    assert verdict.correct
    graded = reviews.record(attempt, verdict, 1)
    assert graded.repeat and shown.key in reviews.session.repeats
    second = reviews.next_card()
    assert second is not None and second.key[1] == "sum-value"
    verdict = reviews.check(reviews.attempt(second, "3"))
    assert verdict.correct
    assert not reviews.record(reviews.attempt(second, "3"), verdict, 5).repeat
    undone = reviews.undo()
    assert undone is not None and undone.key == second.key
    assert reviews.next_card() is not None
    lib.close()


async def test_the_browser_history_of_an_imported_answer_has_no_suggested_none(
        tmp_path: Path, checker: Checker) -> None:
    from quizcards.store.db import Answer
    from quizcards.ui.browser import BrowserScreen

    lib = _lib(tmp_path)
    lib.store.record(Answer("house", "double", 4), NOW)  # as `import --log` records it
    app = create_app(lib, checker, clock=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("b")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, BrowserScreen)
        screen.show_detail(("house", "double"))
        detail = str(screen.query_one("#detail").render())
        assert "grade 4" in detail and "suggested" not in detail, detail

"""Recall cards are graded by the learner: a reveal preselects nothing, a typed answer is
shown beside the model answer (shared words highlighted), never marked wrong, and a bare
Enter records nothing until a grade is picked."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from quizcards.checker.client import Checker
from quizcards.checker.judge import judge_recall
from quizcards.core.models import RecallCard
from quizcards.core.session import Session
from quizcards.library import Library
from quizcards.line_review import run
from quizcards.ui.app import create_app
from quizcards.ui.cardtext import feedback_content
from quizcards.ui.review import ReviewScreen
from quizcards.ui.widgets import GradeBar

from .conftest import settle

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
DECK = """id: rc
title: Recall
cards:
  - id: leaf
    kind: recall
    prompt: What is a leaf tensor?
    answer: A tensor created by the user, not by an operation; its grad is kept.
"""
MODEL = "A tensor created by the user, not by an operation; its grad is kept."


@pytest.fixture
def library(tmp_path: Path) -> Iterator[Library]:
    path = tmp_path / "rc.yaml"
    path.write_text(DECK)
    lib = Library.open([path], db_path=tmp_path / "db.sqlite3")
    yield lib
    lib.close()


def rows(lib: Library) -> list[tuple[object, ...]]:
    return lib.store.conn.execute(
        "SELECT card_id, grade, suggested_grade, answer FROM reviews ORDER BY id").fetchall()


def test_a_paraphrase_is_measured_not_marked_wrong() -> None:
    card = RecallCard(id="c", kind="recall", prompt="?", answer=MODEL)
    v = judge_recall(card, "one the user created, not made by an operation, so grad is kept")
    assert v.self_graded and not v.correct and v.status == "ok"
    assert v.extra["coverage"] >= 0.7 and "operation" in v.extra["shared"]
    content = feedback_content(v)
    assert "wrong" not in content.plain and "$error" not in str(content.spans)
    highlighted = {content.plain[s.start:s.end] for s in content.spans
                   if "$success" in str(s.style)}
    assert "operation" in highlighted and "the" not in highlighted
    assert "yours" in content.plain and "model" in content.plain
    same = judge_recall(card, MODEL.upper())
    assert same.correct and "word for word" in feedback_content(same).plain


async def _wait(pilot, screen: ReviewScreen) -> None:  # type: ignore[no-untyped-def]
    await settle(pilot)  # judged on the spot or by the check's worker
    assert screen.phase == "feedback"


async def test_reveal_asks_for_a_grade_with_nothing_preselected(library: Library,
                                                                checker: Checker) -> None:
    app = create_app(library, checker, clock=lambda: NOW, start_review=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        await pilot.press("enter")  # nothing typed: reveal
        await _wait(pilot, screen)
        feedback = str(screen.query_one("#feedback").render())
        assert "the model answer" in feedback and "its grad is kept" in feedback
        assert "wrong" not in feedback
        bar = screen.query_one(GradeBar)
        assert bar.selected is None and bar.suggested is None
        await pilot.press("enter")  # a bare Enter records nothing
        await pilot.pause()
        assert rows(library) == [] and screen.phase == "feedback"
        await pilot.press("3")
        await pilot.pause()
        assert rows(library) == [("leaf", 3, 0, "")]


async def test_a_typed_answer_beside_the_model_answer(library: Library,
                                                      checker: Checker) -> None:
    app = create_app(library, checker, clock=lambda: NOW, start_review=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        await pilot.press(*"created by the user not by an operation", "enter")
        await _wait(pilot, screen)
        feedback = str(screen.query_one("#feedback").render())
        assert "compare" in feedback and "yours" in feedback and "wrong" not in feedback
        bar = screen.query_one(GradeBar)
        assert bar.selected is None and bar.suggested == 3  # a hint, underlined, not chosen
        await pilot.press("enter")
        await pilot.pause()
        assert rows(library) == []
        await pilot.press("right", "enter")  # the arrows start from the hint
        await pilot.pause()
        assert rows(library) == [("leaf", 3, 3, "created by the user not by an operation")]


def test_the_line_review_asks_without_a_default(library: Library, checker: Checker) -> None:
    session = Session.from_queue(library.queue(NOW))
    answers = iter(["", "", "2"])
    prompts: list[str] = []

    def ask(prompt: str) -> str:
        prompts.append(prompt)
        try:
            return next(answers)
        except StopIteration:
            raise EOFError from None  # the learner quits (the card would come back today)

    out: list[str] = []
    run(library, session, checker, ask=ask, out=out.append)
    assert "model answer:" in out and not any("wrong" in line for line in out)
    assert prompts[1:3] == ["grade yourself 0-5: ", "grade yourself 0-5: "]
    assert rows(library) == [("leaf", 2, 0, "")]

"""Exam mode end to end with Pilot: answers, timer expiry with unanswered cards, the report,
the comparison with the last exam, and the schedule left alone (unless --record)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from unittest.mock import patch

from quizcards.checker.client import Checker
from quizcards.core.exam import Selection, select
from quizcards.library import Library
from quizcards.ui.app import create_app
from quizcards.ui.exam import ExamPlan, ExamReportScreen, ExamScreen

from .conftest import UI_DECKS, settle

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


ANSWERS = {"shape": "(3, 4)", "value": "tensor([1, 0])", "raises": "IndexError",
           "output": "x", "code": "x = 1", "choice": "bc"}


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def plan_for(lib: Library, **kw) -> ExamPlan:  # type: ignore[no-untyped-def]
    selection = Selection(("torch-dim",), (), kw.pop("count", 4), kw.pop("minutes", 1.0))
    cards = select(lib.exam_plan_cards(), selection, seed=3)
    return ExamPlan(selection, 3, cards, **kw)


def schedule(lib: Library) -> tuple:  # type: ignore[type-arg]
    return (lib.store.conn.execute("SELECT count(*) FROM reviews").fetchone()[0],
            lib.store.summaries())


async def run_exam(lib: Library, checker: Checker, plan: ExamPlan, answers: int,
                   expire: bool) -> ExamPlan:
    ticked = asyncio.Event()
    real_tick = ExamScreen._tick

    def tick(self: ExamScreen) -> None:  # the exam's clock (a 0.5 s interval), signalled
        real_tick(self)
        ticked.set()

    with patch.object(ExamScreen, "_tick", tick):
        return await _run_exam(lib, checker, plan, answers, expire, ticked)


async def _run_exam(lib: Library, checker: Checker, plan: ExamPlan, answers: int,
                    expire: bool, ticked: asyncio.Event) -> ExamPlan:
    app = create_app(lib, checker, clock=lambda: NOW, exam=plan)
    clock = FakeClock()
    app.monotonic = clock
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExamScreen)
        for _ in range(answers):
            card = screen.question(screen.index).card
            await pilot.press(*ANSWERS[card.kind])  # type: ignore[attr-defined]
            await pilot.press("enter")
            await pilot.pause()
            if app.screen is screen:  # (after the last answer the report replaces it)
                # no feedback: nothing, or the grading notice after the last answer
                assert str(screen.query_one("#feedback").render()) in ("", "grading...")
        if expire:
            clock.t += plan.selection.minutes * 60 + 1  # time runs out
            ticked.clear()
            await asyncio.wait_for(ticked.wait(), 60)  # the exam's own tick sees it
        assert screen.finished
        await settle(pilot)
        assert isinstance(app.screen, ExamReportScreen)
        await pilot.press("q")
    return plan


async def test_exam_with_timer_expiry(tmp_path: Path, checker: Checker) -> None:
    lib = Library.open(UI_DECKS, db_path=tmp_path / "db.sqlite3")
    before = schedule(lib)
    md = tmp_path / "report.md"
    plan = await run_exam(lib, checker, plan_for(lib, markdown=md), answers=2, expire=True)
    report = plan.report
    assert report is not None and report.total == 4
    unanswered = [o for o in report.outcomes if o.answer is None]
    assert len(unanswered) == 2 and not any(o.correct for o in unanswered)
    assert all(o.expected for o in report.outcomes)  # the truth is computed for every question
    answered = [o for o in report.outcomes if o.answer is not None]
    assert len(answered) == 2
    for o in answered:  # right exactly where the typed answer is the truth
        assert o.correct == (" ".join(o.answer.split()) in {o.expected, "b c"} and (
            o.card_id != "which-dim-is-6" or o.answer == "b c"))
    text = md.read_text()
    assert f"Score: **{report.score}/4**" in text
    assert "| torch-dim |" in text and "Not answered (time ran out): 2" in text
    for o in report.outcomes:
        if not o.correct:
            assert f". torch-dim/{o.card_id}\n" in text  # "### 2. torch-dim/..."
    assert "**Explanation**" in text
    assert schedule(lib) == before  # the SM-2 schedule did not move
    assert lib.store.last_exam(plan.selection.key)["score"] == report.score
    lib.close()


async def test_second_exam_compares_with_the_first(tmp_path: Path, checker: Checker) -> None:
    lib = Library.open(UI_DECKS, db_path=tmp_path / "db.sqlite3")
    await run_exam(lib, checker, plan_for(lib, count=2), answers=2, expire=False)
    md = tmp_path / "second.md"
    await run_exam(lib, checker, plan_for(lib, count=2, markdown=md), answers=0, expire=True)
    assert "Last time on this selection:" in md.read_text()
    lib.close()


async def test_record_moves_the_schedule(tmp_path: Path, checker: Checker) -> None:
    lib = Library.open(UI_DECKS, db_path=tmp_path / "db.sqlite3")
    plan = await run_exam(lib, checker, plan_for(lib, count=2, record=True), answers=2,
                          expire=False)
    rows = lib.store.conn.execute("SELECT card_id, grade, suggested_grade FROM reviews").fetchall()
    assert {r[0] for r in rows} == {c.card_id for c in plan.cards}
    assert all(r[1] == r[2] for r in rows)
    lib.close()


def test_selection_is_seeded_mixed_and_excludes_recall(tmp_path: Path) -> None:
    lib = Library.open(UI_DECKS, db_path=tmp_path / "db.sqlite3")
    cards = lib.exam_plan_cards()
    a = select(cards, Selection((), ("autograd",), 10), seed=1)
    b = select(cards, Selection((), ("autograd",), 10), seed=1)
    c = select(cards, Selection((), ("autograd",), 10), seed=2)
    assert a == b and a != c and len(a) == 10
    assert all("autograd" in x.tags and x.kind != "recall" for x in a)
    assert len({x.deck_id for x in a}) == 2  # torch-graph and torch-zero-grad, mixed
    lib.close()


def test_exam_cli_rejects_unknown_filters(tmp_path: Path) -> None:
    """An unknown tag is a usage error that names it (and the closest known one) even where
    there is no terminal, as here: the selection is checked before the terminal is."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "QUIZCARDS_HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "quizcards", "exam", "--tags",
                           "autograd,autogard"], capture_output=True, text=True, env=env,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 2, proc.stderr
    assert "no tag 'autogard': did you mean 'autograd'? (tags: " in proc.stderr
    assert "terminal" not in proc.stderr


async def test_a_malformed_answer_is_refused_not_graded(tmp_path: Path, checker: Checker) -> None:
    lib = Library.open(UI_DECKS, db_path=tmp_path / "db.sqlite3")
    selection = Selection(("torch-dim",), (), 1, 5.0)
    shape_card = next(c for c in lib.exam_plan_cards() if c.card_id == "max-dim1-shape")
    plan = ExamPlan(selection, 1, [shape_card])
    app = create_app(lib, checker, clock=lambda: NOW, exam=plan)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press(*"three by four", "enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExamScreen) and not screen.answers
        assert "cannot read 'three by four' as a shape" in str(
            screen.query_one("#feedback").render())
    lib.close()


async def test_an_exam_answer_typed_and_submitted_at_once_is_kept(tmp_path: Path,
                                                                  checker: Checker) -> None:
    from textual import events

    lib = Library.open(UI_DECKS, db_path=tmp_path / "db.sqlite3")
    plan = plan_for(lib, count=1)
    app = create_app(lib, checker, clock=lambda: NOW, exam=plan)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExamScreen)
        card = screen.question(screen.index).card
        typed = ANSWERS[card.kind]  # type: ignore[attr-defined]
        for ch in typed:
            app.post_message(events.Key(ch, ch if len(ch) == 1 else None))
        app.post_message(events.Key("ctrl+s", None))
        await settle(pilot)
        assert screen.answers[0].text == typed

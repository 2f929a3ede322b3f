"""What a new user met in a week of reviews (issue 13), each driven as the user met it:
placeholders left unfilled, markup and Markdown eating card text, two apps on one profile,
exams that could not end early, plain mode printing raw Markdown, and the small things."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console
from textual.widget import Widget
from textual.widgets import DataTable

from quizcards.checker.client import Checker
from quizcards.core.exam import Selection, select
from quizcards.core.session import Session
from quizcards.library import Library
from quizcards.line_review import run
from quizcards.store.db import Answer, Store
from quizcards.ui.app import QuizcardsApp, create_app
from quizcards.ui.exam import ExamPlan, ExamReportScreen, ExamScreen, QuitExam
from quizcards.ui.review import ReviewScreen

from .conftest import settle

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
LONG_TITLE = ("Dims, reductions and the names Python gives them: a title far longer than "
              "forty-four characters")
LONG_ID = "a-card-id-that-is-quite-long-for-the-browser-to-show"

DECK = f"""id: daily
title: "{LONG_TITLE}"
setup: import torch
cards:
  - id: zeros-shape
    kind: shape
    prompt: "`x = torch.zeros({{n}}, 2)`. Shape of `x`? nn.Module.__call__ is not involved."
    params: {{n: [7]}}
    code: |
      result = torch.zeros({{n}}, 2)
    explain: "x has {{n}} rows; nn.Module.__call__ passes *args, **kwargs on."
    source: "notes on zeros({{n}})"
  - id: is-empty
    kind: value
    prompt: "Is `torch.zeros(0).numel() > 0`?"
    code: result = torch.zeros(0).numel() > 0
  - id: says
    kind: output
    prompt: |
      What does it print?

      ```python
      print('[b]x[/b]')
      ```
    code: print('[b]x[/b]')
  - id: {LONG_ID}
    kind: recall
    prompt: What does nn.Module.__call__ run?
    answer: forward
"""


def make(tmp_path: Path, checker: Checker, **kw) -> QuizcardsApp:  # type: ignore[no-untyped-def]
    deck = tmp_path / "daily.yaml"
    deck.write_text(DECK)
    lib = Library.open([deck], db_path=tmp_path / "db.sqlite3")
    app = create_app(lib, checker, clock=lambda: NOW, **kw)
    app.monotonic = lambda: 1000.0
    return app


def text_of(widget: Widget) -> str:
    """What a widget shows, as plain text (Markdown rendered, markup applied)."""
    renderable = getattr(widget, "content", None) or widget.render()
    if not hasattr(renderable, "__rich_console__"):
        return str(renderable)
    console = Console(width=widget.size.width or 80, file=io.StringIO(), record=True)
    console.print(renderable)
    return console.export_text()


async def answer(pilot, app: QuizcardsApp, text: str) -> ReviewScreen:  # type: ignore[no-untyped-def]
    screen = app.screen
    assert isinstance(screen, ReviewScreen)
    await pilot.press(*text, "enter") if text else await pilot.press("enter")
    await settle(pilot)  # the check's worker
    assert screen.phase == "feedback"
    return screen


def notes(app: QuizcardsApp) -> list[str]:
    return [n.message for n in app._notifications]


async def test_drawn_values_fill_the_prompt_explanation_source_and_browser(
        tmp_path: Path, checker: Checker) -> None:
    app = make(tmp_path, checker, start_review=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = await answer(pilot, app, "(7, 2)")
        prompt, explain = text_of(screen.query_one("#prompt")), text_of(
            screen.query_one("#explain"))
        assert "torch.zeros(7, 2)" in prompt and "{n}" not in prompt
        assert "x has 7 rows" in explain and "notes on zeros(7)" in explain
        assert "{n}" not in explain and "from notes" not in explain
        # names outside backticks as written, in the prompt and the explanation
        assert "nn.Module.__call__ is not involved" in prompt
        assert "nn.Module.__call__ passes *args, **kwargs on" in explain
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("b")
        await pilot.pause()
        table = app.screen.query_one("#cards", DataTable)
        table.move_cursor(row=0)
        await pilot.pause()
        detail = str(app.screen.query_one("#detail").render())
        assert "torch.zeros(7, 2)" in detail and "n=7" in detail and "{n}" not in detail
        assert "1 answer ·" in detail and "0 lapses" in detail


async def test_card_and_answer_text_never_reads_as_markup(tmp_path: Path,
                                                          checker: Checker) -> None:
    app = make(tmp_path, checker, start_review=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await answer(pilot, app, "(7, 2)")
        await pilot.press("enter")
        await pilot.pause()
        # a long list for a bool: the diagnosis quotes the answer, brackets and all
        screen = await answer(pilot, app, "[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]")
        feedback = text_of(screen.query_one("#feedback"))
        assert "✗ wrong" in feedback and "expected a bool" in feedback
        assert "[i]" not in feedback and "[/]" not in feedback
        assert "got       [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]" in feedback
        await pilot.press("enter")
        await pilot.pause()
        # the output card prints markup-looking text: shown as printed, right when typed
        screen.answer_widget.text = "[b]x[/b]"  # type: ignore[union-attr]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen.phase == "feedback"
        feedback = text_of(screen.query_one("#feedback"))
        assert "✓ right" in feedback and "[b]x[/b]" in feedback


async def test_long_titles_and_ids_use_the_width_and_buried_cards_say_so(
        tmp_path: Path, checker: Checker) -> None:
    app = make(tmp_path, checker)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        title = str(app.screen.query_one("#decks", DataTable).get_row_at(0)[0])
        assert len(title) > 60 and title.startswith(LONG_TITLE[:60])
        await pilot.resize_terminal(140, 30)
        await pilot.pause()
        assert str(app.screen.query_one("#decks", DataTable).get_row_at(0)[0]) == LONG_TITLE
        app.library.store.bury(("daily", "is-empty"), app.library.today(NOW))
        await pilot.press("b")
        await pilot.pause()
        table = app.screen.query_one("#cards", DataTable)
        rows = {str(table.get_row_at(i)[0]): table.get_row_at(i) for i in range(table.row_count)}
        assert rows["daily/is-empty"][4] == "buried"
        assert f"daily/{LONG_ID}" in rows
        assert table.columns["card"].width >= len(f"daily/{LONG_ID}")  # type: ignore[index]


async def test_an_exam_ends_early_with_one_key_or_the_palette(tmp_path: Path,
                                                              checker: Checker) -> None:
    for how in ("key", "palette"):
        (tmp_path / how).mkdir()
        app = make(tmp_path / how, checker)
        cards = select(app.library.exam_plan_cards(), Selection(count=3), seed=1)
        plan = ExamPlan(Selection(count=3), 1, cards)
        app.exam = plan
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            exam = app.screen
            assert isinstance(exam, ExamScreen)
            await pilot.press(*"(7", ",")  # mid-answer, the editor focused
            if how == "key":
                shown = [b.binding.description for b in app.active_bindings.values()
                         if b.binding.show]
                assert "End exam" in shown  # in the footer while the editor has focus
                await pilot.press("ctrl+g")
            else:
                await pilot.press("ctrl+p")
                await pilot.pause()
                await pilot.press(*"end exam")
                await settle(pilot)  # the palette's search is a worker
                await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, ExamReportScreen)
            assert plan.report is not None and plan.report.ended_early
            assert "Not answered (ended early): 3" in app.screen.markdown  # type: ignore[attr-defined]


async def test_quitting_mid_exam_asks_then_saves_the_partial_report(tmp_path: Path,
                                                                   checker: Checker) -> None:
    app = make(tmp_path, checker)
    cards = select(app.library.exam_plan_cards(), Selection(count=3), seed=1)
    markdown = tmp_path / "report.md"
    plan = ExamPlan(Selection(count=3), 1, cards, markdown=markdown)
    app.exam = plan
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExamScreen)
        first = screen.question(0).card
        await pilot.press(*{"shape": "(7, 2)", "value": "False", "output": "x"}.get(
            first.kind, "x"), "enter")  # type: ignore[attr-defined]
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, QuitExam)  # asked, not thrown away
        await pilot.press("escape")  # keep going
        await pilot.pause()
        assert app.screen is screen and not screen.finished
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("enter")  # save and quit
        await settle(pilot)
    assert plan.report is not None and plan.report.ended_early
    assert sum(o.answer is not None for o in plan.report.outcomes) == 1
    assert app.library.store.last_exam(Selection(count=3).key) is not None
    assert "Not answered (ended early): 2" in markdown.read_text()


def test_plain_mode_shows_card_markdown_as_plain_text(tmp_path: Path, checker: Checker) -> None:
    deck = tmp_path / "daily.yaml"
    deck.write_text(DECK)
    lib = Library.open([deck], db_path=tmp_path / "db.sqlite3")
    session = Session.from_queue(lib.queue())
    lines = iter(["(7, 2)", "", "False", "", "[b]x[/b]", "", "", ":q"])
    out: list[str] = []
    run(lib, session, checker, ask=lambda _: next(lines), out=out.append)
    text = "\n".join(out)
    assert "```" not in text and "`" not in text
    assert "    print('[b]x[/b]')" in text  # the code block, indented
    assert "x = torch.zeros(7, 2)" in text and "nn.Module.__call__" in text
    assert "why: x has 7 rows; nn.Module.__call__ passes *args, **kwargs on." in text
    assert "source: notes on zeros(7)" in text


async def test_a_second_app_on_the_profile_is_asked_and_read_only_records_nothing(
        tmp_path: Path, checker: Checker) -> None:
    running = Store.open(tmp_path / "db.sqlite3")
    assert running.claim(when=NOW) is None  # the first quizcards
    app = make(tmp_path, checker, start_review=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        from quizcards.ui.profile import ProfileInUse

        assert isinstance(app.screen, ProfileInUse)
        await pilot.press("r")
        await pilot.pause()
        await answer(pilot, app, "(7, 2)")
        await pilot.press("enter")
        await pilot.pause()
        assert any("read-only" in n for n in notes(app))
    assert running.conn.execute("SELECT count(*) FROM reviews").fetchone()[0] == 0


async def test_taking_over_and_a_card_answered_elsewhere_never_double_apply(
        tmp_path: Path, checker: Checker) -> None:
    running = Store.open(tmp_path / "db.sqlite3")
    running.claim(when=NOW)
    app = make(tmp_path, checker, start_review=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("t")  # take over
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.shown is not None
        key = screen.shown.key
        # the first app answers the card on screen here: it was taken over, so it may not
        with pytest.raises(Exception, match="took over"):
            running.record(Answer(*key, 5, 5, "(7, 2)"), NOW)
        # a one-shot writer (no claim) answers it meanwhile: this app must not build on it
        other = Store.open(tmp_path / "db.sqlite3")
        other.record(Answer(*key, 5, 5, "(7, 2)"), NOW)
        state = other.state(key)
        await answer(pilot, app, "(7, 2)")
        await pilot.press("enter")
        await pilot.pause()
        assert any("answered in another quizcards" in n for n in notes(app))
    assert other.conn.execute("SELECT count(*) FROM reviews").fetchone()[0] == 1
    assert other.state(key) == state  # 1 day, not 6


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "quizcards", *args], capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=120)


def test_unknown_deck_names_get_a_did_you_mean_before_anything_else() -> None:
    review = run_cli("review", "--deck", "torch-dims")
    assert review.returncode == 2 and "did you mean 'torch-dim'?" in review.stderr
    exam = run_cli("exam", "--deck", "torch-dimm")  # no terminal either: the name comes first
    assert exam.returncode == 2 and "did you mean 'torch-dim'?" in exam.stderr
    assert "terminal" not in exam.stderr


async def test_typing_into_a_starter_replaces_its_body(tmp_path: Path, checker: Checker) -> None:
    """Found in tmux: a code card's starter put the cursor before `def`, so the first line
    typed landed above the function and the answer did not parse. Typing now replaces `...`."""
    deck = tmp_path / "starter.yaml"
    deck.write_text("""id: starter
title: Starter
cards:
  - id: double
    kind: code
    prompt: Write `double(x)`.
    starter: |
      def double(x):
          ...
    reference: |
      def double(x):
          return 2 * x
    tests: |
      assert double(3) == 6
      assert double(-1) == -2
""")
    lib = Library.open([deck], db_path=tmp_path / "db.sqlite3")
    app = create_app(lib, checker, clock=lambda: NOW, start_review=True)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        await pilot.press(*"return x + x")
        await pilot.press("ctrl+s")
        await settle(pilot)  # the check of the code (a worker)
        assert screen.phase == "feedback"
        assert screen.attempt is not None
        assert screen.attempt.text == "def double(x):\n    return x + x\n"
        assert screen.verdict is not None and screen.verdict.correct

"""The TUI driven with Pilot: the whole review loop against frozen fixture decks
(tests/frozen_decks, copies of the first shipped decks, so card order and ids do not follow
content edits), each screen's keys, and snapshots at 80x24 (home, a question, a feedback
panel, stats)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from quizcards.checker.client import Checker
from quizcards.library import Library
from quizcards.store.db import Answer
from quizcards.ui.app import QuizcardsApp, create_app
from quizcards.ui.review import ReviewScreen
from quizcards.ui.widgets import GradeBar

from .conftest import FROZEN, UI_DECKS, settle

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
SIZE = (80, 24)


def make_app(tmp_path: Path, checker: Checker, all_decks: bool = False, **kw) -> QuizcardsApp:
    # the loop tests walk the torch-dim deck card by card; home can show every fixture deck
    lib = Library.open(UI_DECKS if all_decks else [FROZEN / "torch-dim.yaml"],
                       db_path=tmp_path / "db.sqlite3")
    app = create_app(lib, checker, clock=lambda: NOW, **kw)
    app.rng.seed(1)
    app.monotonic = lambda: 1000.0  # a frozen session timer (answers take 0 s: quick)
    return app


async def wait_for_feedback(pilot, app: QuizcardsApp) -> None:  # type: ignore[no-untyped-def]
    """The answer's check awaited (its worker, however long a loaded machine takes), then
    its verdict painted."""
    await settle(pilot)
    assert isinstance(app.screen, ReviewScreen) and app.screen.phase != "checking"


def rows(app: QuizcardsApp) -> list[tuple]:  # type: ignore[type-arg]
    return app.library.store.conn.execute(
        "SELECT r.card_id, r.grade, r.suggested_grade, r.answer, u.review_id IS NOT NULL"
        " FROM reviews r LEFT JOIN undos u ON u.review_id = r.id ORDER BY r.id").fetchall()


async def test_whole_review_loop(tmp_path: Path, checker: Checker) -> None:
    app = make_app(tmp_path, checker, decks=["torch-dim"], start_review=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert screen.shown is not None and screen.shown.key[1] == "max-dim1-shape"
        # a shape card, right: suggested 5, accepted with Enter
        await pilot.press(*"3x4", "enter")
        await wait_for_feedback(pilot, app)
        assert screen.phase == "feedback"
        assert "✓ right" in str(screen.query_one("#feedback").render())
        assert app.screen.query_one(GradeBar).selected == 5
        await pilot.press("enter")
        await pilot.pause()
        # the next card (parametrised shape): a malformed answer is asked again, not graded
        await pilot.press(*"three", "enter")
        await wait_for_feedback(pilot, app)
        assert screen.phase == "question"
        assert "Could not read that" in str(screen.query_one("#feedback").render())
        assert len(rows(app)) == 1
        screen.answer_widget.value = ""  # type: ignore[union-attr]
        await pilot.press(*"(9, 9)", "enter")  # wrong whatever dim was drawn
        await wait_for_feedback(pilot, app)
        assert "✗ wrong" in str(screen.query_one("#feedback").render())
        await pilot.press("4")  # override the suggested 1 with a 4 (no repeat today)
        await pilot.pause()
        # the keepdim card right, then undo it from its successor's question with Ctrl+Z
        assert screen.shown.key[1] == "keepdim-shape"
        await pilot.press(*"(3, 1, 4)", "enter")
        await wait_for_feedback(pilot, app)
        await pilot.press("enter")
        await pilot.pause()
        assert screen.shown.key[1] == "softmax-keeps-shape"
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert screen.shown.key[1] == "keepdim-shape"  # shown again
        await pilot.press(*"3x1x4", "enter")
        await wait_for_feedback(pilot, app)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press(*"3, 6, 4", "enter")
        await wait_for_feedback(pilot, app)
        await pilot.press("enter")
        await pilot.pause()
        # a value card, wrong, the suggestion overridden with 0
        assert screen.shown.key[1] == "softmax-sums-to-one"
        await pilot.press(*"tensor([0.5, 0.5])", "enter")
        await wait_for_feedback(pilot, app)
        feedback = str(screen.query_one("#feedback").render())
        assert "✗ wrong" in feedback and "values differ at [0]" in feedback
        await pilot.press("0")
        await pilot.pause()
        await pilot.press("ctrl+q")
    got = rows(app)
    assert [r[0] for r in got] == ["max-dim1-shape", "reduce-dim-shape", "keepdim-shape",
                                   "keepdim-shape", "softmax-keeps-shape",
                                   "softmax-sums-to-one"]
    assert got[0] == ("max-dim1-shape", 5, 5, "3x4", 0)
    assert got[1] == ("reduce-dim-shape", 4, 1, "(9, 9)", 0)
    assert got[2] == ("keepdim-shape", 5, 5, "(3, 1, 4)", 1)  # undone, kept in the log
    assert got[3] == ("keepdim-shape", 5, 5, "3x1x4", 0)
    assert got[4] == ("softmax-keeps-shape", 5, 5, "3, 6, 4", 0)
    assert got[5] == ("softmax-sums-to-one", 0, 1, "tensor([0.5, 0.5])", 0)


async def test_home_keys_and_command_palette(tmp_path: Path, checker: Checker) -> None:
    app = make_app(tmp_path, checker)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"
        await pilot.press("s")
        assert type(app.screen).__name__ == "StatsScreen"
        await pilot.press("escape")
        await pilot.press("b")
        assert type(app.screen).__name__ == "BrowserScreen"
        await pilot.press("escape")
        await pilot.press("ctrl+t")
        assert app.theme == "textual-light"
        await pilot.press("enter")  # review the highlighted deck
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"stats")
        await settle(pilot)  # the palette's search is a worker
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "StatsScreen"


async def test_pick_decks_and_tags_from_home(tmp_path: Path, checker: Checker) -> None:
    from quizcards.ui.picker import Picker

    app = make_app(tmp_path, checker, all_decks=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("p")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, Picker)
        choices = picker.query_one("#choices")
        choices.select("tag:autograd")  # the same as moving there and pressing space
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        keys = [*screen.session.reviews, *screen.session.new]
        assert keys and {k[0] for k in keys} <= {"torch-graph", "torch-zero-grad"}


async def test_code_cards_get_a_python_editor(tmp_path: Path, checker: Checker) -> None:
    from textual.widgets import TextArea

    lib = Library.open([FROZEN / "python-call.yaml"], db_path=tmp_path / "db.sqlite3")
    app = create_app(lib, checker, clock=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        queue = lib.queue(NOW)
        from quizcards.core.queue import Queue

        app.push_screen(ReviewScreen(Queue([], [], [("python-call", "write-multiplier")])))
        await pilot.pause()
        editor = app.screen.answer_widget
        assert isinstance(editor, TextArea) and editor.language == "python"
        assert "class Multiplier" in editor.text  # the starter code
        assert len(queue)


async def test_choice_cards_pick_options_with_letters(tmp_path: Path, checker: Checker) -> None:
    from quizcards.core.queue import Queue
    from quizcards.ui.widgets import ChoiceList

    lib = Library.open([FROZEN / "torch-dim.yaml"], db_path=tmp_path / "db.sqlite3")
    app = create_app(lib, checker, clock=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.push_screen(ReviewScreen(Queue([], [], [("torch-dim", "which-dim-is-6")])))
        await pilot.pause()
        screen = app.screen
        options = screen.answer_widget
        assert isinstance(options, ChoiceList) and options.option_count == 4
        await pilot.press("b", "c", "d", "d")  # d toggled on and off again
        assert options.text == "b c"
        await pilot.press("enter")
        await wait_for_feedback(pilot, app)
        assert "✓ right" in str(screen.query_one("#feedback").render())
        await pilot.press("enter")
        await pilot.pause()
    assert rows(app) == [("which-dim-is-6", 5, 5, "b c", 0)]


async def test_review_suspend_and_bury_keys(tmp_path: Path, checker: Checker) -> None:
    app = make_app(tmp_path, checker, start_review=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        await pilot.press("s")  # while typing, s is text, not suspend
        assert screen.answer_widget.value == "s"  # type: ignore[union-attr]
        screen.answer_widget.value = "3x4"  # type: ignore[union-attr]
        await pilot.press("enter")
        await wait_for_feedback(pilot, app)
        await pilot.press("s")
        await pilot.pause()
        first = ("torch-dim", "max-dim1-shape")
        assert app.library.store.flags()[first].suspended
        second = screen.shown.key
        await pilot.press(*"0", "enter")
        await wait_for_feedback(pilot, app)
        await pilot.press("b")
        await pilot.pause()
        assert app.library.store.flags()[second].buried_day == app.library.today(NOW)
        assert len(rows(app)) == 0  # neither was graded


async def test_edit_key_opens_the_editor_and_reloads_the_deck(
        tmp_path: Path, checker: Checker, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    deck = tmp_path / "torch-dim.yaml"
    deck.write_text((FROZEN / "torch-dim.yaml").read_text())
    script = tmp_path / "editor.py"
    script.write_text("import sys, pathlib\n"
                      "line, path = int(sys.argv[1][1:]), pathlib.Path(sys.argv[2])\n"
                      "text = path.read_text().replace('Shape of `x.max(dim=1).values`?',"
                      " 'EDITED: shape of `x.max(dim=1).values`?')\n"
                      "path.write_text(text)\n"
                      "open(path.with_suffix('.line'), 'w').write(str(line))\n")
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    lib = Library.open([deck], db_path=tmp_path / "db.sqlite3")
    app = create_app(lib, checker, clock=lambda: NOW, start_review=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press(*"3x4", "enter")
        await wait_for_feedback(pilot, app)
        await pilot.press("e")
        await pilot.pause()
        card = lib.lookup(("torch-dim", "max-dim1-shape"))[1]  # type: ignore[index]
        assert "EDITED: shape of" in card.prompt
        assert deck.with_suffix(".line").read_text() == str(
            lib.decks.decks[0].card_lines["max-dim1-shape"])


async def test_browser_search_detail_and_unsuspend(tmp_path: Path, checker: Checker) -> None:
    app = make_app(tmp_path, checker)
    app.library.store.record(Answer("torch-dim", "argmax-dim0", grade=2, answer="x",
                                    verdict={"correct": False}), NOW - timedelta(days=1))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        await pilot.press("slash", *"argmax-dim0")
        await pilot.pause()
        table = app.screen.query_one("#cards")
        assert table.row_count == 1
        await pilot.press("enter")  # back to the table
        await pilot.pause()
        detail = str(app.screen.query_one("#detail").render())
        assert "torch-dim/argmax-dim0" in detail and "grade 2" in detail
        await pilot.press("s")
        await pilot.pause()
        assert app.library.store.flags()[("torch-dim", "argmax-dim0")].suspended
        await pilot.press("s")
        await pilot.pause()
        assert not app.library.store.flags()[("torch-dim", "argmax-dim0")].suspended
        app.screen.query_one("#search").value = "tag:nonesuch"
        await pilot.pause()
        assert table.row_count == 0


async def test_broken_deck_is_listed_on_home(tmp_path: Path, checker: Checker) -> None:
    (tmp_path / "decks").mkdir()
    (tmp_path / "decks" / "ok.yaml").write_text((FROZEN / "torch-dim.yaml").read_text())
    (tmp_path / "decks" / "broken.yaml").write_text("id: b\ntitle: B\ncards:\n  - [oops\n")
    lib = Library.open([tmp_path / "decks"], db_path=tmp_path / "db.sqlite3")
    app = create_app(lib, checker, clock=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = str(app.screen.query_one("#problems").render())
        assert "Decks that failed to load" in text and "broken.yaml:5:1" in text
        assert app.screen.query_one("#decks").row_count == 1


async def test_resize_keeps_working(tmp_path: Path, checker: Checker) -> None:
    app = make_app(tmp_path, checker, start_review=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.resize_terminal(60, 16)
        await pilot.pause()
        await pilot.press(*"3x4", "enter")
        await wait_for_feedback(pilot, app)
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert len(rows(app)) == 1


# -- snapshots at 80x24 ---------------------------------------------------------------------

def _snap_app(tmp_path: Path, checker: Checker, **kw) -> QuizcardsApp:
    return make_app(tmp_path, checker, **kw)


async def steady_cursors(pilot) -> None:  # type: ignore[no-untyped-def]
    """Text cursors shown and no longer blinking: a snapshot taken in a blink's off half
    differed from the others (a loaded machine shifts when the picture is taken)."""
    for widget in pilot.app.screen.query("Input, TextArea"):
        widget.cursor_blink = False
    await pilot.pause()


def test_snapshot_home(tmp_path: Path, checker: Checker, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(_snap_app(tmp_path, checker, all_decks=True), terminal_size=SIZE)


def test_snapshot_question(tmp_path: Path, checker: Checker, snap_compare) -> None:  # type: ignore[no-untyped-def]
    app = _snap_app(tmp_path, checker, start_review=True)

    async def type_3(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.press("3")
        await steady_cursors(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=type_3)


def test_snapshot_feedback(tmp_path: Path, checker: Checker, snap_compare) -> None:  # type: ignore[no-untyped-def]
    app = _snap_app(tmp_path, checker, start_review=True)

    async def answer(pilot) -> None:  # type: ignore[no-untyped-def]
        # the truth of the shown card is computed first, so the answer is always judged the
        # same way (it is otherwise a race with the background prefetch, and a judge that
        # had to wait for the worker paints the answer field differently)
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.shown is not None
        loaded, card = app.library.lookup(screen.shown.key)  # type: ignore[misc]
        app.checker.truth(loaded.deck, card, seed=screen.shown.seed, values=screen.shown.values,
                          shipped=loaded.shipped)
        await pilot.press(*"(4, 3)", "enter")
        await wait_for_feedback(pilot, app)
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=answer)


def test_snapshot_stats(tmp_path: Path, checker: Checker, snap_compare) -> None:  # type: ignore[no-untyped-def]
    app = _snap_app(tmp_path, checker)
    store = app.library.store
    cards = [c.id for c in app.library.decks.decks[0].deck.cards]
    for days_ago in range(300, -1, -3):  # a year of mostly good reviews, oldest first
        for i, card in enumerate(cards[: 1 + days_ago % 5]):
            grade = [5, 4, 5, 3, 5, 1, 4][(days_ago + i) % 7]
            store.record(Answer("torch-dim", card, grade=grade),
                         NOW - timedelta(days=days_ago, minutes=i))

    async def open_stats(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.press("s")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=open_stats)


# the exam: a plan of four torch-dim questions drawn with a fixed seed; answers per kind
EXAM_ANSWERS = {"shape": "(3, 4)", "value": "tensor([1, 0])", "raises": "IndexError",
                "output": "x", "code": "x = 1", "choice": "bc"}


def _exam_app(tmp_path: Path, checker: Checker) -> QuizcardsApp:
    from quizcards.core.exam import Selection, select
    from quizcards.ui.exam import ExamPlan

    lib = Library.open(UI_DECKS, db_path=tmp_path / "db.sqlite3")
    selection = Selection(("torch-dim",), (), 4, 5.0)
    plan = ExamPlan(selection, 3, select(lib.exam_plan_cards(), selection, seed=3))
    app = create_app(lib, checker, clock=lambda: NOW, exam=plan)
    app.monotonic = lambda: 1000.0  # a frozen exam clock: "5:00 left" throughout
    return app


def test_snapshot_exam_question(tmp_path: Path, checker: Checker, snap_compare) -> None:  # type: ignore[no-untyped-def]
    """The exam's second question, the first answered: the counter, the time left, the
    prompt with its drawn values, an answer being typed and no feedback."""
    from quizcards.ui.exam import ExamScreen

    app = _exam_app(tmp_path, checker)

    async def second_question(pilot) -> None:  # type: ignore[no-untyped-def]
        screen = app.screen
        assert isinstance(screen, ExamScreen)
        card = screen.question(0).card
        await pilot.press(*EXAM_ANSWERS[card.kind], "enter")  # type: ignore[attr-defined]
        await pilot.pause()
        assert screen.index == 1 and 0 in screen.answers
        card = screen.question(1).card
        await pilot.press(*EXAM_ANSWERS[card.kind][:3])  # type: ignore[attr-defined]
        await steady_cursors(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=second_question)


def test_snapshot_exam_report(tmp_path: Path, checker: Checker, snap_compare) -> None:  # type: ignore[no-untyped-def]
    """The end report of an exam ended early after two answers: score, the comparison
    line, and the first questions with the answer given and the expected one."""
    from quizcards.ui.exam import ExamReportScreen, ExamScreen


    app = _exam_app(tmp_path, checker)

    async def report(pilot) -> None:  # type: ignore[no-untyped-def]
        screen = app.screen
        assert isinstance(screen, ExamScreen)
        for i in range(2):
            card = screen.question(i).card
            await pilot.press(*EXAM_ANSWERS[card.kind], "enter")  # type: ignore[attr-defined]
            await pilot.pause()
        await pilot.press("ctrl+g")  # end the exam early
        await settle(pilot)
        assert isinstance(app.screen, ExamReportScreen)

    assert snap_compare(app, terminal_size=SIZE, run_before=report)


def _browser_app(tmp_path: Path, checker: Checker) -> QuizcardsApp:
    """The frozen decks with a history: callable-instance answered four times (one lapse),
    two other cards once, one suspended (all in the first rows of the list)."""
    app = _snap_app(tmp_path, checker, all_decks=True)
    store = app.library.store
    for days_ago, grade, suggested, answer in ((20, 4, 5, "42"), (14, 5, 5, "42"),
                                               (5, 1, 1, "'42'"), (1, 3, 5, "42")):
        store.record(Answer("python-call", "callable-instance", grade, suggested, answer,
                            {"correct": suggested == 5}), NOW - timedelta(days=days_ago))
    store.record(Answer("python-call", "call-output", 5, 5, "hi", {"correct": True}),
                 NOW - timedelta(days=3))
    store.record(Answer("python-call", "classes-are-callable", 2, 1, "no",
                        {"correct": False}), NOW - timedelta(days=2))
    store.set_suspended(("python-call", "call-without-dunder"), True)
    return app


def test_snapshot_browser(tmp_path: Path, checker: Checker, snap_compare) -> None:  # type: ignore[no-untyped-def]
    """The browser's list: every card of the frozen decks with kind, due day, lapses and
    flags (answered cards have a due day, the suspended one says so)."""
    app = _browser_app(tmp_path, checker)

    async def open_browser(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.press("b")
        await pilot.pause()
        assert type(app.screen).__name__ == "BrowserScreen"

    assert snap_compare(app, terminal_size=SIZE, run_before=open_browser)


def test_snapshot_browser_detail(tmp_path: Path, checker: Checker, snap_compare) -> None:  # type: ignore[no-untyped-def]
    """A card's detail in the browser: found by a search, its schedule and its history
    (four answers, one of them a lapse)."""
    app = _browser_app(tmp_path, checker)

    async def detail(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.press("b")
        await pilot.pause()
        await pilot.press("slash", *"callable-instance", "enter")
        await pilot.pause()
        assert app.screen.query_one("#cards").row_count == 1  # type: ignore[attr-defined]
        assert "callable-instance" in str(app.screen.query_one("#detail").render())

    assert snap_compare(app, terminal_size=SIZE, run_before=detail)


def test_snapshot_picker(tmp_path: Path, checker: Checker, snap_compare) -> None:  # type: ignore[no-untyped-def]
    """The deck picker, open over home: the frozen decks and their tags with card counts,
    one deck and one tag picked."""
    from quizcards.ui.picker import Picker

    app = _snap_app(tmp_path, checker, all_decks=True)

    async def pick(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, Picker)
        await pilot.press("down", "space", "down", "down", "down", "down", "space")
        await pilot.pause()
        assert len(app.screen.query_one("#choices").selected) == 2  # type: ignore[attr-defined]

    assert snap_compare(app, terminal_size=SIZE, run_before=pick)


def test_long_diagnoses_are_cut_to_their_first_sentence() -> None:
    from quizcards.ui.cardtext import first_sentence as _first_sentence

    long = ("it raises RuntimeError: Trying to backward through the graph a second time. "
            "Saved intermediate values of the graph are freed when you call .backward().")
    assert _first_sentence(long) == ("it raises RuntimeError: Trying to backward through the "
                                     "graph a second time. ...")
    assert _first_sentence("dim 1 is 4, not 5") == "dim 1 is 4, not 5"
    assert len(_first_sentence("x" * 400)) == 150


async def test_the_truth_is_computed_while_the_card_is_read(tmp_path: Path) -> None:
    """Showing a card starts its truth in the background: the typed answer is then judged
    with no sandboxed run at all (the verdict's figures come from the cached truth)."""
    with Checker() as checker:
        checker._clients[0].wait_ready()
        runs: list[str] = []
        real = checker.run_request

        def counting(request):  # type: ignore[no-untyped-def]
            runs.append(request["job"]["mode"])
            return real(request)

        checker.run_request = counting  # type: ignore[method-assign]
        app = make_app(tmp_path, checker, decks=["torch-dim"], start_review=True)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)  # the prefetch (a worker) runs while nothing is typed
            assert runs == ["card"]
            await pilot.press(*"3x4", "enter")
            await wait_for_feedback(pilot, app)
            assert "✓ right" in str(app.screen.query_one("#feedback").render())
            assert runs == ["card"]  # judging needed no fork
            await pilot.press("ctrl+q")


async def test_the_hint_says_how_precise_a_number_must_be(tmp_path: Path) -> None:
    deck = tmp_path / "p.yaml"
    deck.write_text("id: p\ntitle: P\nsetup: import torch\ncards:\n"
                    "  - id: soft\n    kind: value\n    prompt: softmax of [1., 2.]?\n"
                    "    decimals: 3\n    code: result = torch.tensor([1., 2.]).softmax(0)\n"
                    "  - id: whole\n    kind: value\n    prompt: 2 + 2?\n    code: result = 4\n")
    lib = Library.open([deck], db_path=tmp_path / "db.sqlite3")
    with Checker() as checker:
        app = create_app(lib, checker, clock=lambda: NOW, start_review=True)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)  # the truth (a worker) tells the hint what the card holds
            hint = str(app.screen.query_one("#hint").render())
            assert hint.endswith("; numbers to 3 decimals")
            await pilot.press(*"[0.27, 0.73]", "enter")
            await wait_for_feedback(pilot, app)
            feedback = str(app.screen.query_one("#feedback").render())
            assert "right to 2 decimals, the card wants 3" in feedback
            await pilot.press("enter")
            await settle(pilot)
            assert "decimals" not in str(app.screen.query_one("#hint").render())  # 4: whole
            await pilot.press("ctrl+q")


OUTPUT_DECK = """id: o
title: O
cards:
  - id: out
    kind: output
    prompt: What does it print?
    code: print('Hello, Tim!')
"""


async def test_a_ctrl_s_right_after_typing_submits_what_was_typed(tmp_path: Path,
                                                                 checker: Checker) -> None:
    """Keys reach the app as a terminal delivers them: queued together, the Ctrl+S with
    them. The answer read must include every key before it (it once read an empty editor)."""
    from textual import events

    path = tmp_path / "o.yaml"
    path.write_text(OUTPUT_DECK)
    lib = Library.open([path], db_path=tmp_path / "db.sqlite3")
    app = create_app(lib, checker, clock=lambda: NOW, start_review=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        for ch in "Hello, Tim!":
            app.post_message(events.Key(ch, ch))
        app.post_message(events.Key("ctrl+s", None))
        await wait_for_feedback(pilot, app)
        assert screen.attempt is not None and screen.attempt.text == "Hello, Tim!"
        assert "✓ right" in str(screen.query_one("#feedback").render())

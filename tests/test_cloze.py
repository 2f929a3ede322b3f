"""Cloze cards: Anki's `{{c1::answer}}` and `{{c1::answer::hint}}` in prose and in code.

Parsing with positioned errors; one schedulable item (and one history) per deletion number;
prose judged as text, code judged by running the code with the learner's fill in the
sandbox (any fill giving what the original gives is right; hostile fills stay in the
sandbox and are wrong); lint by execution; an Anki round trip read back from the package.
"""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import pytest

from quizcards.checker.client import Checker
from quizcards.core import cloze
from quizcards.core.models import ClozeCard, ClozeItem, schema_json
from quizcards.decks.loader import LoadedDeck, load_file
from quizcards.library import Library
from quizcards.store.db import Answer

DECK = """\
id: cz
title: Cloze
setup: |
  import torch
cards:
  - id: prose
    kind: cloze
    text: "A reduction with `{{c1::keepdim}}=True` keeps the axis with size {{c2::one::a number}}."
    explain: keepdim keeps a size-1 axis.
  - id: maxdim
    kind: cloze
    prompt: Make `m` the max over the axis of size 6.
    code: |
      x = torch.randn(3, 6, 4)
      result = x.max(dim={{c1::1}}).values
  - id: twice
    kind: cloze
    code: |
      result = torch.zeros({{c1::2}}, {{c1::3}}).shape
  - id: product
    kind: cloze
    timeout: 1
    code: |
      result = {{c1::6}}
  - id: printed
    kind: cloze
    code: |
      print(sorted([3, 1, 2], reverse={{c1::True}}))
  - id: tested
    kind: cloze
    text: "`{{c2::sum}}` adds up"
    code: |
      def total(xs):
          return {{c1::sum(xs)}}
    tests: |
      assert total([1, 2, 3]) == 6
      assert total([]) == 0
"""


def write(tmp_path: Path, text: str = DECK, name: str = "cz.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def load(tmp_path: Path, text: str = DECK) -> LoadedDeck:
    loaded, problems = load_file(write(tmp_path, text))
    assert problems == [] and loaded is not None, problems
    return loaded


def item(loaded: LoadedDeck, item_id: str) -> ClozeItem:
    card = loaded.card(item_id)
    assert isinstance(card, ClozeItem), item_id
    return card


# -- parsing -----------------------------------------------------------------------------
def test_deletions_with_numbers_answers_and_hints() -> None:
    found, problems = cloze.parse("a {{c1::b}} c {{c2::d::a hint}} {{c1::e}}")
    assert problems == []
    assert [(d.number, d.answer, d.hint) for d in found] == [
        (1, "b", None), (2, "d", "a hint"), (1, "e", None)]


def test_code_inside_deletions_keeps_slices_braces_and_fstrings() -> None:
    found, problems = cloze.parse('y = {{c1::x[::2]}} + {{c2::{1, 2}}}; s = f"{{x}}"')
    assert problems == []
    assert [d.answer for d in found] == ["x[::2]", "{1, 2}"]
    assert [d.hint for d in found] == [None, None]


CASES = [
    ('text: "a {{c1::b c"', "unclosed", (7, 14)),
    ('text: "a {{c::b}} c"', "needs a number", (7, 14)),
    ('text: "a {{c1::}} c"', "empty", (7, 14)),
    ('text: "a {{c1::b {{c2::d}} e}}"', "nested", (7, 22)),
    ('text: "no blank here"', "no deletion", (7, 11)),
    ('text: "a {{c1:b}}"', "not a deletion", (7, 14)),
]


@pytest.mark.parametrize("field,message,where", CASES)
def test_parse_errors_are_deck_errors_with_positions(
    tmp_path: Path, field: str, message: str, where: tuple[int, int]
) -> None:
    text = f"""\
id: bad
title: Bad
cards:
  - id: c
    kind: cloze
    prompt: Fill it.
    {field}
  - id: fine
    kind: recall
    prompt: q
    answer: a
"""
    loaded, problems = load_file(write(tmp_path, text))
    assert loaded is not None and [c.id for c in loaded.deck.cards] == ["fine"]
    (problem,) = problems
    assert message in problem.message, problem
    assert (problem.line, problem.col) == where, problem
    assert str(problem).startswith(f"{tmp_path / 'cz.yaml'}:{where[0]}:{where[1]}: bad/c: ")


def test_errors_in_a_code_block_point_at_their_line(tmp_path: Path) -> None:
    text = """\
id: bad
title: Bad
cards:
  - id: c
    kind: cloze
    code: |
      x = 1
      y = {{c1::x +}}
      z = {{c2::2}
"""
    _, problems = load_file(write(tmp_path, text))
    messages = {(p.line, p.col): p.message for p in problems}
    assert any("unclosed" in m for (line, _), m in messages.items() if line == 9), messages
    _, problems = load_file(write(tmp_path, text.replace("{{c2::2}", "{{c2::2}}")))
    (problem,) = problems
    assert problem.line == 8 and "does not parse" in problem.message, problem


def test_params_and_prompt_deletions_are_refused(tmp_path: Path) -> None:
    text = """\
id: bad
title: Bad
cards:
  - id: c
    kind: cloze
    prompt: "What is {{c1::x}}?"
    text: "{{c1::y}} with {n}"
    params: {n: [1, 2]}
"""
    _, problems = load_file(write(tmp_path, text))
    assert any("params" in p.message for p in problems), problems
    assert any("prompt" in p.message and p.line == 6 for p in problems), problems


def test_schema_includes_the_kind() -> None:
    text = json.dumps(schema_json())
    assert '"cloze"' in text and "{{c1::answer}}" in text


# -- one item per deletion number -----------------------------------------------------------
def test_each_number_is_an_item_shown_with_its_own_blanks(tmp_path: Path) -> None:
    loaded = load(tmp_path)
    c1, c2 = item(loaded, "prose::c1"), item(loaded, "prose::c2")
    assert (c1.id, c1.number, c1.note) == ("prose::c1", 1, "prose")
    assert "`[...]=True`" in c1.prompt and "size one." in c1.prompt
    assert "`keepdim=True`" in c2.prompt and "size [a number]." in c2.prompt
    assert loaded.card("prose") is None and loaded.card("prose::c3") is None
    maxdim = item(loaded, "maxdim::c1")
    assert "x.max(dim=[...]).values" in maxdim.prompt and "```python" in maxdim.prompt
    assert maxdim.prompt.startswith("Make `m` the max")
    assert maxdim.executable and not c1.executable
    twice = item(loaded, "twice::c1")
    assert "torch.zeros([...], [...])" in twice.prompt and len(twice.blanks()) == 2


def test_one_history_per_deletion(tmp_path: Path) -> None:
    lib = Library.open([write(tmp_path)], db_path=tmp_path / "db.sqlite3")
    keys = [r.key for r in lib.refs()]
    assert ("cz", "prose::c1") in keys and ("cz", "prose::c2") in keys
    assert ("cz", "prose") not in keys
    assert ("cz", "tested::c1") in keys and ("cz", "tested::c2") in keys
    assert ("cz", "prose::c1") in lib.queue().new and ("cz", "prose::c2") in lib.queue().new
    lib.store.record(Answer("cz", "prose::c1", 5, 5, "keepdim", {}, 900))
    assert lib.card_detail(("cz", "prose::c1")).history
    assert not lib.card_detail(("cz", "prose::c2")).history
    assert ("cz", "prose::c1") not in lib.queue().new
    assert ("cz", "prose::c2") in lib.queue().new
    found = lib.lookup(("cz", "prose::c2"))
    assert found is not None and isinstance(found[1], ClozeItem)
    assert lib.stats().decks["cz"].cards == len(keys)
    assert {c.card_id for c in lib.exam_plan_cards()} >= {"prose::c1", "maxdim::c1"}
    lib.close()


# -- prose: judged as text, no code run ------------------------------------------------------
@pytest.mark.parametrize("answer,correct,near", [
    ("keepdim", True, False),
    ("  keepdim ", True, False),
    ("`keepdim`", True, False),
    ("KeepDim", False, True),  # inside a code span: case counts, one step away
    ("keep dim", False, True),
    ("squeeze", False, False),
])
def test_prose_blank_in_a_code_span(tmp_path: Path, answer: str, correct: bool,
                                    near: bool) -> None:
    loaded = load(tmp_path)
    with Checker() as unstarted:  # prose needs no worker: judged on the spot
        v = unstarted.check_now(loaded.deck, item(loaded, "prose::c1"), answer)
    assert v is not None and v.status == "ok"
    assert (v.correct, v.near_miss) == (correct, near), v
    assert v.expected == "keepdim"


@pytest.mark.parametrize("answer,correct", [("one", True), ("One", True),
                                            ("ONE ", True), ("two", False)])
def test_prose_blank_in_plain_words_ignores_case(tmp_path: Path, answer: str,
                                                 correct: bool) -> None:
    loaded = load(tmp_path)
    v = Checker().check(loaded.deck, item(loaded, "prose::c2"), answer)
    assert v.correct == correct and v.kind == "cloze"
    assert v.suggested_grade == (5 if correct else 1)


def test_empty_answer_is_asked_again(tmp_path: Path) -> None:
    loaded = load(tmp_path)
    v = Checker().check(loaded.deck, item(loaded, "prose::c2"), "  ")
    assert v.malformed and not v.correct


# -- code: judged by running the filled code in the sandbox --------------------------------
def check(checker: Checker, loaded: LoadedDeck, item_id: str, answer: str | None,
          **kw: Any):  # type: ignore[no-untyped-def]
    return checker.check(loaded.deck, item(loaded, item_id), answer, shipped=False, **kw)


@pytest.mark.parametrize("fill,correct", [("1", True), ("-2", True), (" -2 ", True),
                                          ("2", False), ("0", False)])
def test_equivalent_dims_are_right(tmp_path: Path, checker: Checker, fill: str,
                                   correct: bool) -> None:
    v = check(checker, load(tmp_path), "maxdim::c1", fill)
    assert v.status == "ok" and v.correct == correct, v
    assert v.expected == "1"
    if not correct:
        assert "result" in v.diagnosis


def test_a_2d_tensor_takes_dim_minus_one_for_one(tmp_path: Path, checker: Checker) -> None:
    text = DECK.replace("torch.randn(3, 6, 4)", "torch.randn(3, 6)")
    loaded = load(tmp_path, text)
    assert check(checker, loaded, "maxdim::c1", "-1").correct
    assert not check(checker, loaded, "maxdim::c1", "-2").correct


@pytest.mark.parametrize("fill,correct", [("6", True), ("2*3", True), ("6.0", False),
                                          ("7", False), ("int('6')", True)])
def test_expressions_giving_the_same_value(tmp_path: Path, checker: Checker, fill: str,
                                           correct: bool) -> None:
    v = check(checker, load(tmp_path), "product::c1", fill)
    assert v.status == "ok" and v.correct == correct, v


def test_output_is_compared_when_the_code_prints(tmp_path: Path, checker: Checker) -> None:
    loaded = load(tmp_path)
    assert check(checker, loaded, "printed::c1", "1").correct  # reverse=1 sorts the same
    v = check(checker, loaded, "printed::c1", "False")
    assert not v.correct and "prints" in v.diagnosis


def test_several_blanks_of_one_number(tmp_path: Path, checker: Checker) -> None:
    loaded = load(tmp_path)
    assert check(checker, loaded, "twice::c1", "2 || 3").correct
    assert check(checker, loaded, "twice::c1", "2\n1 + 2").correct  # one line each
    assert not check(checker, loaded, "twice::c1", "3 || 2").correct
    v = check(checker, loaded, "twice::c1", "2")
    assert v.malformed and "2 blanks" in v.diagnosis


def test_tests_judge_a_function_fill(tmp_path: Path, checker: Checker) -> None:
    loaded = load(tmp_path)
    assert check(checker, loaded, "tested::c1", "sum(xs)").correct
    assert check(checker, loaded, "tested::c1", "sum(x for x in xs)").correct
    v = check(checker, loaded, "tested::c1", "len(xs)")
    assert not v.correct and v.status == "ok"
    # the c2 blank sits in prose: judged as text, nothing runs
    assert check(checker, loaded, "tested::c2", "sum").correct


def test_one_number_in_prose_and_in_code(tmp_path: Path, checker: Checker) -> None:
    text = DECK + """\
  - id: mixed
    kind: cloze
    text: "`{{c1::max}}` returns values and indices"
    code: |
      result = torch.tensor([[1, 5], [7, 2]]).{{c1::max}}(dim=1).values
"""
    loaded = load(tmp_path, text)
    mixed = item(loaded, "mixed::c1")
    assert [where for where, _ in mixed.blanks()] == ["text", "code"]
    assert check(checker, loaded, "mixed::c1", "max || max").correct
    assert check(checker, loaded, "mixed::c1", "` max `\nmax").correct  # one per line
    v = check(checker, loaded, "mixed::c1", "min || max")
    assert not v.correct and "blank 1" in v.diagnosis
    v = check(checker, loaded, "mixed::c1", "max || min")
    assert not v.correct and "result" in v.diagnosis


@pytest.mark.parametrize("fill,words", [
    ("1/0", "ZeroDivisionError"),
    ("6 +", "syntax"),
    ("[", "syntax"),
])
def test_fills_that_raise_or_do_not_parse_are_wrong(tmp_path: Path, checker: Checker,
                                                    fill: str, words: str) -> None:
    v = check(checker, load(tmp_path), "product::c1", fill)
    assert v.status == "ok" and not v.correct and not v.malformed, v
    assert words in v.diagnosis, v.diagnosis


@pytest.mark.slow
def test_an_endless_fill_times_out_wrong(tmp_path: Path, checker: Checker) -> None:
    v = check(checker, load(tmp_path), "product::c1", "next(x for x in iter(int, 1) if x)")
    assert v.status == "timeout" and not v.correct
    assert check(checker, load(tmp_path), "product::c1", "6").correct  # the next is honest


def test_a_hostile_fill_stays_in_the_sandbox(tmp_path: Path, checker: Checker) -> None:
    target = tmp_path / "pwned"
    loaded = load(tmp_path)
    for fill in (f"__import__('os').system('touch {target}')",
                 f"__import__('pathlib').Path('{target}').write_text('x') and 6"):
        v = check(checker, loaded, "product::c1", fill)
        assert not v.correct, (fill, v)
    assert not target.exists()


def test_the_fill_never_runs_in_this_process(tmp_path: Path, checker: Checker,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import ast
    import builtins

    def refuse(*args: object, **kw: object) -> None:
        raise AssertionError("learner code ran in the judging process")

    real_compile = builtins.compile

    def parse_only(source: Any, filename: Any, mode: Any, flags: int = 0, *a: Any,
                   **kw: Any) -> Any:  # ast.parse reads code without running it: allowed
        if not flags & ast.PyCF_ONLY_AST:
            refuse()
        return real_compile(source, filename, mode, flags, *a, **kw)

    loaded = load(tmp_path)
    assert check(checker, loaded, "product::c1", "6").correct  # every module imported
    monkeypatch.setattr(builtins, "exec", refuse)
    monkeypatch.setattr(builtins, "eval", refuse)
    monkeypatch.setattr(builtins, "compile", parse_only)
    assert check(checker, loaded, "product::c1", "3 * 2").correct
    assert not check(checker, loaded, "product::c1", "exec('result = 6') or 6.5").correct


def test_the_truth_states_every_answer(tmp_path: Path, checker: Checker) -> None:
    loaded = load(tmp_path)
    v = check(checker, loaded, "twice::c1", None)
    assert v.status == "ok" and v.expected == "2 || 3"


# -- lint ------------------------------------------------------------------------------------
def test_lint_runs_every_deletion(tmp_path: Path) -> None:
    from quizcards.checker.trust import trust
    from quizcards.decks.lint import lint

    path = write(tmp_path)
    trust(path, path.read_bytes())
    report = lint([path], jobs=1)
    assert report.ok, [str(p) for p in report.problems]
    assert report.runs >= 5

    bad = DECK.replace("result = {{c1::6}}", "result = {{c1::6}} / 0").replace(
        "print(sorted([3, 1, 2], reverse={{c1::True}}))", "y = {{c1::True}}")
    path = write(tmp_path, bad, "bad.yaml")
    trust(path, path.read_bytes())
    report = lint([path], jobs=1)
    found = {(p.card, p.line): p.message for p in report.problems}
    assert any(card == "product" and "ZeroDivisionError" in m
               for (card, _), m in found.items()), found
    assert any(card == "printed" and "any fill" in m for (card, _), m in found.items()), found


# -- Anki -------------------------------------------------------------------------------------
def test_anki_round_trip_keeps_cloze_cards(tmp_path: Path) -> None:
    from quizcards.interop import export, importer

    loaded = load(tmp_path)
    out = tmp_path / "cz.apkg"
    cards = export.export_cards([loaded], lambda deck, card: None)
    export.write_apkg(cards, out)
    with zipfile.ZipFile(out) as z:
        z.extract("collection.anki2", tmp_path)
    conn = sqlite3.connect(tmp_path / "collection.anki2")
    models = json.loads(conn.execute("SELECT models FROM col").fetchone()[0])
    cloze_models = {int(mid) for mid, m in models.items() if m["type"] == 1}
    notes = conn.execute("SELECT mid, flds FROM notes").fetchall()
    cloze_notes = [flds for mid, flds in notes if mid in cloze_models]
    assert len(cloze_notes) == len(loaded.deck.cards)
    assert any("{{c1::keepdim}}" in f and "{{c2::one::a number}}" in f for f in cloze_notes)
    n_cards = conn.execute("SELECT count(*) FROM cards").fetchone()[0]
    assert n_cards == sum(len(c.items()) for c in loaded.deck.cards  # type: ignore[attr-defined]
                          if isinstance(c, ClozeCard))
    conn.close()

    notes_back = importer.read_apkg(out)
    again = tmp_path / "again.yaml"
    importer.write_deck(importer.to_deck(notes_back, "again", "Again", "apkg"), again,
                        force=False)
    back, problems = load_file(again)
    assert problems == [] and back is not None
    by_text = {(c.text or "") + (c.code or ""): c for c in back.deck.cards  # type: ignore[attr-defined]
               if isinstance(c, ClozeCard)}
    assert len(by_text) == len(loaded.deck.cards)
    for card in loaded.deck.cards:
        assert isinstance(card, ClozeCard)
        twin = by_text[(card.text or "") + (card.code or "")]
        assert twin.code == card.code and twin.text == card.text
        assert twin.tests == card.tests and twin.prompt == card.prompt
        assert [i.id.split("::")[1] for i in twin.items()] == [
            i.id.split("::")[1] for i in card.items()]
    assert next(c for c in back.deck.cards if c.explain).explain == "keepdim keeps a size-1 axis."


def test_anki_made_cloze_notes_import(tmp_path: Path) -> None:
    import genanki

    from quizcards.interop import importer

    deck = genanki.Deck(1, "mine")
    deck.add_note(genanki.Note(model=genanki.CLOZE_MODEL, fields=[
        "<b>softmax</b> over {{c1::dim}} sums to {{c2::1::a number}}<br>", "extra"]))
    deck.add_note(genanki.Note(model=genanki.BASIC_MODEL, fields=["front", "back"]))
    out = tmp_path / "mine.apkg"
    genanki.Package(deck).write_to_file(str(out))
    data = importer.to_deck(importer.read_apkg(out), "mine", "Mine", "apkg")
    kinds = sorted(c["kind"] for c in data["cards"])  # type: ignore[index,union-attr]
    assert kinds == ["cloze", "recall"]
    card = next(c for c in data["cards"] if c["kind"] == "cloze")  # type: ignore[index,union-attr]
    assert card["text"] == "softmax over {{c1::dim}} sums to {{c2::1::a number}}"
    assert card["explain"] == "extra"


# -- front ends ---------------------------------------------------------------------------------
def test_line_review_of_a_cloze_item(tmp_path: Path, checker: Checker) -> None:
    from quizcards.core.queue import Queue
    from quizcards.core.session import Session
    from quizcards.line_review import run

    lib = Library.open([write(tmp_path)], db_path=tmp_path / "db.sqlite3")
    session = Session.from_queue(Queue([], [], [("cz", "maxdim::c1"), ("cz", "prose::c2")]))
    answers = iter(["-2", "", "One", "", ":q"])

    def ask(prompt: str) -> str:
        try:
            return next(answers)
        except StopIteration:
            raise EOFError from None

    out: list[str] = []
    run(lib, session, checker, ask=ask, out=out.append)
    text = "\n".join(out)
    assert "x.max(dim=[...]).values" in text and "size [a number]." in text
    rows = lib.store.conn.execute("SELECT card_id, grade, answer FROM reviews").fetchall()
    assert rows == [("maxdim::c1", 5, "-2"), ("prose::c2", 5, "One")]
    lib.close()


async def test_review_screen_shows_and_judges_a_cloze(tmp_path: Path, checker: Checker) -> None:
    from textual.widgets import Input

    from quizcards.core.queue import Queue
    from quizcards.ui.app import create_app
    from quizcards.ui.review import ReviewScreen

    from .conftest import settle

    lib = Library.open([write(tmp_path)], db_path=tmp_path / "db.sqlite3")
    app = create_app(lib, checker)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.push_screen(ReviewScreen(Queue([], [], [("cz", "twice::c1"), ("cz", "prose::c1")])))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and isinstance(screen.answer_widget, Input)
        assert "||" in str(screen.query_one("#hint").render())
        await pilot.press(*"2 || 1+2", "enter")
        await settle(pilot)
        assert "✓ right" in str(screen.query_one("#feedback").render())
        await pilot.press("enter")
        await pilot.pause()
        assert screen.shown is not None and screen.shown.key == ("cz", "prose::c1")
        await pilot.press(*"squeeze", "enter")
        await settle(pilot)
        assert "✗ wrong" in str(screen.query_one("#feedback").render())
        await pilot.press("enter")
        await pilot.pause()
    rows = lib.store.conn.execute("SELECT card_id, grade FROM reviews ORDER BY id").fetchall()
    assert rows == [("twice::c1", 5), ("prose::c1", 1)]
    lib.close()


"""Pins for card text and the exam report (core/markdown.py, core/exam.py), and the parts of
a session's order (core/session.py) the other tests leave open: examples for each rule of
the star runs, the plain rendering, the report's lines.

Each test here was seen to fail with a one-token change of the code it pins (issue 17)."""

from __future__ import annotations

import pytest

from quizcards.core.exam import ExamCard, Outcome, Selection, build_report, select, to_markdown
from quizcards.core.markdown import escape_text, fenced, protect, to_plain
from quizcards.core.queue import Queue
from quizcards.core.session import Session


# -- star runs: emphasis or literal ----------------------------------------------------------
@pytest.mark.parametrize("text,protected", [
    ("*a* b", "*a* b"),  # an opener at the very start
    ("x *a*", "x *a*"),  # a closer at the very end
    ("a*", "a\\*"),  # a closer with nothing open
    ("*a *", "\\*a \\*"),  # space before: cannot close
    ("*a*b", "\\*a\\*b"),  # a word after: cannot close
    ("*a*_x", "\\*a\\*\\_x"),  # an underscore after: cannot close
    ("a * b*", "a \\* b\\*"),  # space after: cannot open
    ("a*b*", "a\\*b\\*"),  # a word before: cannot open
    ("x_*b*", "x\\_\\*b\\*"),  # an underscore before: cannot open
    ("**a* b**", "**a\\* b**"),  # a closer pairs with an opener of its own length
    ("*a **b* c", "*a \\*\\*b* c"),  # ... the nearest one, past others
    ("p\n\nq *a b*", "p\n\nq *a b*"),  # an earlier paragraph does not matter
    ("*a\n\nb*", "\\*a\n\nb\\*"),  # but emphasis does not cross paragraphs
    ("**bold** and *it*", "**bold** and *it*"),
    ("2 * 3 * 4", "2 \\* 3 \\* 4"),
])
def test_star_runs(text: str, protected: str) -> None:
    assert protect(text) == protected


def test_code_is_never_escaped_even_around_fences() -> None:
    text = "a_b\n```\nx_y `q`\n```\nc_d `e_f` g_h"
    assert protect(text) == "a\\_b\n```\nx_y `q`\n```\nc\\_d `e_f` g\\_h"
    # a span whose backticks enclose a fence holds it: one piece of code
    text = "x `a\n```\ncode_1\n```\nb` y_z `w_v`"
    assert protect(text) == "x `a\n```\ncode_1\n```\nb` y\\_z `w_v`"
    assert protect("``a`b`` c_d") == "``a`b`` c\\_d"
    # a backtick inside a fence never pairs with one after it
    assert protect("~~~\na`b\n~~~\nx `c_d` y") == "~~~\na`b\n~~~\nx `c_d` y"


# -- the plain rendering -----------------------------------------------------------------------
def test_plain_rendering_rules() -> None:
    assert to_plain("a\\_b \\* \\[x\\]") == "a_b * [x]"
    assert to_plain("**bold** *it* and *a*b") == "bold it and *a*b"
    assert to_plain("see [the docs](https://x.org/a)") == "see the docs (https://x.org/a)"
    assert to_plain("x ` a ` y") == "x a y"
    assert to_plain("a`  `b") == "a  b"
    assert to_plain("  indented text") == "  indented text"
    assert to_plain("X marks the spot X") == "X marks the spot X"
    assert to_plain("a\n\n\n\nb") == "a\n\nb"


def test_plain_rendering_of_fences() -> None:
    assert to_plain("```py thon\n    x = 1\n\ny = 2\n```\nafter") == (
        "        x = 1\n\n    y = 2\n\nafter")
    assert to_plain("before\n```\nunclosed\nlast") == "before\n    unclosed\n    last"
    assert to_plain("~~~\nt\n~~~") == "    t"


def test_fenced_and_escaped() -> None:
    assert fenced("x") == "```\nx\n```"
    assert fenced("a ```` b\n\n", "python") == "`````python\na ```` b\n`````"
    assert escape_text("a_b *c*  [d]\n<e> | ~f~ #g `h` \\") == (
        "a\\_b \\*c\\* \\[d\\] \\<e\\> \\| \\~f\\~ \\#g \\`h\\` \\\\")


# -- the exam ------------------------------------------------------------------------------------
CARDS = [ExamCard("a", "a1", "shape", frozenset({"t"})), ExamCard("b", "b1", "value"),
         ExamCard("a", "a2", "recall", frozenset({"t"})), ExamCard("b", "b2", "code",
                                                                  frozenset({"t", "u"}))]


def test_selection_by_deck_and_tag() -> None:
    assert {c.card_id for c in select(CARDS, Selection(decks=("a",)), 1)} == {"a1"}
    assert {c.card_id for c in select(CARDS, Selection(decks=("b",)), 1)} == {"b1", "b2"}
    assert {c.card_id for c in select(CARDS, Selection(tags=("u", "z")), 1)} == {"b2"}
    assert len(select(CARDS, Selection(count=2), 1)) == 2
    assert Selection(("b", "a"), ("t",), 5).key == Selection(("a", "b"), ("t",), 5, 30.0).key
    assert Selection(("a",), (), 5).key != Selection(("a",), (), 6).key


def outcome(card_id: str, correct: bool, answer: str | None = "x", expected: str | None = "y",
            tags: list[str] | None = None, deck: str = "d") -> Outcome:
    return Outcome(deck, card_id, f"Prompt {card_id}?", answer, correct, expected, tags=tags or [])


def test_the_report() -> None:
    outcomes = [outcome("c1", True, tags=["t"]), outcome("c2", False, tags=["t"]),
                outcome("c3", False, answer=None, deck="e")]
    report = build_report(Selection(), 7, outcomes, 65.0)
    assert (report.score, report.total, report.seed, report.ended_early) == (1, 3, 7, False)
    assert report.by_topic == {"#t": (1, 2), "d": (1, 2), "e": (0, 1)}
    assert list(report.by_topic) == ["#t", "d", "e"]
    assert report.percent == pytest.approx(100 / 3)
    assert build_report(Selection(), 7, [], 1.0).percent == 0.0
    data = report.to_json()
    assert data["by_topic"] == {"#t": [1, 2], "d": [1, 2], "e": [0, 1]}
    assert data["outcomes"][1]["card_id"] == "c2" and data["selection"]["count"] == 20
    text = to_markdown(report)
    assert "- Selection: all decks (20 questions, 15 min, seed 7)" in text
    assert "- Score: **1/3** (33%) in 1:05" in text
    assert "- Not answered (time ran out): 1" in text
    assert "Last time" not in text
    assert "| \\#t | 1 | 2 | 50% |" in text


def test_the_report_against_the_last_exam_and_missing_parts() -> None:
    outcomes = [outcome("c1", False, expected=None), outcome("c2", False, answer="  ")]
    previous = {"score": 1, "total": 2, "percent": 50.0}
    report = build_report(Selection(("d",), ("x",), 2, 7.5), 1, outcomes, 30.0, previous,
                          ended_early=True)
    text = to_markdown(report)
    assert "- Selection: d, \\#x (2 questions, 7.5 min, seed 1)" in text
    assert "- Last time on this selection: 1/2 (50%), -50 points" in text
    assert "- Not answered (ended early)" not in text  # an empty answer was still given
    assert "**Expected**\n\n*(none)*" in text
    assert "**Your answer**\n\n*(not answered)*" in text
    assert "## Misses (2)" in text


# -- a session's order ---------------------------------------------------------------------------
def test_repeats_from_the_queue_are_ready_at_once() -> None:
    s = Session.from_queue(Queue([], [("d", "r")], [("d", "n")]))
    assert s.peek() == ("d", "r")
    s.done(("d", "r"), repeat=False)
    assert s.peek() == ("d", "n")


def test_put_back_takes_back_one_answer() -> None:
    s = Session.from_queue(Queue([("d", "a"), ("d", "b"), ("d", "c")], [], []))
    s.done(("d", "a"), repeat=False)
    s.done(("d", "b"), repeat=False)
    s.put_back(("d", "b"))
    assert s.answered == 1 and s.peek() == ("d", "b")

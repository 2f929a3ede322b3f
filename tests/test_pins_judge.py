"""Pins for the judge (checker/judge.py, with reader.py, rules.py and checks.py behind it):
through the real Checker with its jobs run by run.py in the test's own process instead of
the sandboxed worker (tests/in_process.py), and function by function on hand-made runs.
Both run where a mutation test's mutants are active.

Each test here was seen to fail with a one-token change of the code it pins (issue 17)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from quizcards.core.models import Deck
from quizcards.core.verdict import Verdict

from .in_process import LocalChecker

SETUP = "import numpy as np\nimport math"  # numpy, not torch: see tests/in_process.py


@pytest.fixture(scope="module")
def here() -> Iterator[LocalChecker]:
    c = LocalChecker()
    yield c
    c.close()


def deck(*cards: dict[str, Any], setup: str | None = SETUP) -> Deck:
    return Deck.model_validate({"id": "t", "title": "T", "setup": setup, "cards": list(cards)})


def card(kind: str, **fields: Any) -> dict[str, Any]:
    return {"id": "c", "kind": kind, "prompt": "?", **fields}


def check(checker: LocalChecker, c: dict[str, Any], answer: str | None,
          **kw: Any) -> Verdict:
    d = deck(c)
    return checker.check(d, d.cards[0], answer, **kw)


# -- typed answers -------------------------------------------------------------------------
MAX = card("shape", code="x = np.random.randn(3, 6, 4)\nresult = x.max(axis=1)")


def test_shapes(here: LocalChecker) -> None:
    v = check(here, MAX, "3x4")
    assert (v.status, v.correct, v.expected, v.got, v.diagnosis) == ("ok", True, "(3, 4)",
                                                                      "(3, 4)", "")
    v = check(here, MAX, "(4, 3)")
    assert (v.correct, v.near_miss, v.diagnosis, v.got) == (False, True,
                                                             "right dims, wrong order", "(4, 3)")
    v = check(here, MAX, "three by four")
    assert v.malformed and v.status == "error"
    assert v.diagnosis.startswith("cannot read 'three by four' as a shape")
    v = check(here, card("shape", code="result = np.ones(3).sum()"), "()")
    assert v.correct and v.expected == "()"
    v = check(here, card("shape", code="result = 3"), "()")
    assert (v.status, v.diagnosis) == (
        "error", "the card's code must set `result` to a tensor or array (got int)")
    v = check(here, card("shape", code="x = 1"), "()")
    assert (v.status, v.diagnosis) == ("error", "the card's code must set `result`")


def test_an_unreadable_answer_needs_no_truth(here: LocalChecker) -> None:
    before = len(here.requests)
    c = card("shape", code="result = np.ones((2, 7))")
    assert check(here, c, "2 by 7").malformed
    c = card("value", code="result = 2.5")
    assert check(here, c, "2 +").malformed
    c = card("raises", code="result = 2.5")
    assert check(here, c, "not a name!").malformed
    assert len(here.requests) == before


@pytest.mark.parametrize("code,answer,correct", [
    ("result = 6", "6", True),
    ("result = 6", "6.0", True),
    ("result = True", "1", False),
    ("result = (1, 2)", "(1, 2)", True),
    ("result = np.array([6.])", "[6]", True),
    ("result = np.array([6.])", "6", False),
    ("result = np.array(6.)", "array(6)", True),
    ("result = np.array([True, False])", "[1, 0]", False),
    ("result = np.array([0.2689, 0.7311])", "array([0.27, 0.73])", True),
    ("result = np.array([0.2689, 0.7311])", "array([0.3, 0.7])", False),
    ("result = np.array(float('-inf'))", "float('-inf')", True),
    ("result = 'abc'", "'abc'", True),
    ("result = None", "None", True),
    ("result = np.dtype('float16')", "np.float16", True),
    ("result = np.ones((2, 3)).shape", "(2, 3)", True),
])
def test_values(here: LocalChecker, code: str, answer: str, correct: bool) -> None:
    v = check(here, card("value", code=code), answer)
    assert v.status == "ok", v.diagnosis
    assert v.correct is correct, (v.expected, v.got, v.diagnosis)


def test_value_verdicts_in_full(here: LocalChecker) -> None:
    v = check(here, card("value", code="result = np.array([1., 2.])"), "array([1., 3.])")
    assert (v.expected, v.got) == ("array([1., 2.])", "array([1., 3.])")
    assert v.diagnosis == ("values differ at [1]: expected 2, got 3 (off by 1, 50.00%); 1 of 2 "
                           "values differ")
    assert not v.near_miss and v.suggested_grade == 1
    v = check(here, card("value", code="import math\nresult = math.pi", rtol=0, atol=1e-9,
                         decimals=4), "3.14")
    assert (v.correct, v.near_miss) == (False, True)
    assert v.diagnosis == "right to 2 decimals, the card wants 4"
    v = check(here, card("value", code="result = np.array([1, 2])", check_dtype=True),
              "array([1., 2.])")
    assert v.diagnosis == "dtype differs: expected int64, got float64"
    v = check(here, card("value", code="result = np.array([1, 2])"), "array([1., 2.])")
    assert v.correct  # the dtype only when the card asks
    v = check(here, card("value", code="import math\nresult = math.pi", rtol=0.01), "3.14")
    assert v.correct  # the card's own tolerance


def test_a_value_answer_naming_an_exception(here: LocalChecker) -> None:
    c = card("value", code="result = np.ones(2) + np.ones(1)")
    for typed, name in (("RuntimeError", "RuntimeError"), ("builtins.ValueError()", "ValueError"),
                        ("numpy.exceptions.AxisError", "AxisError")):
        v = check(here, c, typed)
        assert not v.correct and v.got == name and v.expected == "array([2., 2.])"
        assert v.diagnosis == (f"no exception: you expected {name}, but the code runs and gives "
                               "array([2., 2.])")
    v = check(here, card("value", code="result = 1 / 0"), "ZeroDivisionError")
    assert v.status == "error" and v.diagnosis.startswith("the card's code raised "
                                                          "ZeroDivisionError")


def test_a_result_that_is_not_data(here: LocalChecker) -> None:
    v = check(here, card("value", code="result = print"), "print")
    assert v.malformed and v.diagnosis.startswith(
        "cannot read 'print' as a value: `print` is not a value (put text in quotes)")
    v = check(here, card("value", code="result = object()"), "1")
    assert (v.status, v.correct, v.diagnosis) == (
        "error", False, "the card's `result` is not a value a learner can type (an object of "
        "type object): set it to data")


def test_the_truth_alone(here: LocalChecker) -> None:
    d = deck(card("value", code="result = [0.5, 2]"), card("shape", id="s",
                                                           code="result = np.ones((2, 1))"))
    v = here.check(d, d.cards[0], None)
    assert (v.status, v.expected, v.correct, v.got) == ("ok", "[0.5, 2]", False, None)
    v = here.check(d, d.cards[1], None)
    assert v.expected == "(2, 1)"
    o = deck(card("output", code="print('a  ')\nprint()\nprint('b')\nprint()"))
    assert here.check(o, o.cards[0], None).expected == "a\n\nb"
    r = deck(card("raises", code="[][1]"), card("raises", id="n", code="x = 1"))
    v = here.check(r, r.cards[0], None)
    assert (v.expected, v.diagnosis) == ("IndexError", "IndexError: list index out of range")
    v = here.check(r, r.cards[1], None)
    assert (v.expected, v.diagnosis) == ("none", "it runs without raising")
    long = deck(card("value", code="result = 'x' * 1000"))
    v = here.check(long, long.cards[0], None)
    assert v.expected is not None and len(v.expected) == 400 and v.expected.endswith("...")


def test_output_cards(here: LocalChecker) -> None:
    c = card("output", code="for i in range(3):\n    print(i, end='  \\n')")
    v = check(here, c, "0\n1\n2\n\n")
    assert v.correct and v.expected == v.got == "0\n1\n2"
    v = check(here, c, "0\n1\n3")
    assert (v.correct, v.diagnosis) == (False, "line 3 differs: expected '2', got '3'")
    v = check(here, c, "0 1 2")
    assert (v.near_miss, v.diagnosis) == (True, "same words, different spacing or line breaks")


def test_raises_cards(here: LocalChecker) -> None:
    c = card("raises", code="x = np.ones(2)\ny = x + np.ones(3)")
    v = check(here, c, "ValueError")
    assert v.correct and v.expected == v.got == "ValueError"
    assert v.diagnosis == ("ValueError: operands could not be broadcast together with shapes "
                           "(2,) (3,)")
    v = check(here, c, "none")
    assert (v.correct, v.got, v.expected) == (False, "none", "ValueError")
    assert check(here, card("raises", code="x = 1"), "none").correct
    v = check(here, card("raises", code="{}['k']"), "LookupError")
    assert (v.correct, v.near_miss) == (False, True)
    assert v.diagnosis == "it raises KeyError: 'k' (LookupError is a base class of it)"
    assert check(here, card("raises", code="{}['k']", accept=["LookupError"]),
                 "LookupError").correct


def test_a_raises_card_whose_setup_or_memory_fails(here: LocalChecker) -> None:
    d = deck(card("raises", code="x = 1"), setup="import numpy\nraise ValueError('bad setup')")
    v = here.check(d, d.cards[0], "none")
    assert (v.status, v.diagnosis) == ("error", "the deck's setup raised ValueError: bad setup "
                                       "(line 2)")
    c = card("raises", code="raise MemoryError()")
    v = check(here, c, "MemoryError")
    assert (v.status, v.diagnosis) == ("memory", "the card's code ran out of memory "
                                       "(MemoryError)")
    v = check(here, card("raises", code="raise MemoryError()", accept=["MemoryError"]),
              "MemoryError")
    assert v.correct and v.status == "ok"


def test_the_card_code_raising(here: LocalChecker) -> None:
    v = check(here, card("value", code="x = 1\n[][0]"), "1")
    assert (v.status, v.diagnosis) == ("error", "the card's code raised IndexError: list index "
                                       "out of range (line 2)")
    v = check(here, card("value", code="raise MemoryError"), "1")
    assert (v.status, v.diagnosis) == ("memory", "the card's code ran out of memory "
                                       "(MemoryError)")
    v = check(here, card("value", code="result = ("), "1")
    assert v.status == "error" and v.diagnosis.startswith("the card's code raised SyntaxError")


def test_params_draw_and_recompute_the_truth(here: LocalChecker) -> None:
    c = card("shape", params={"d": [0, 1, 2]}, prompt="sum(dim={d})",
             code="result = np.ones((3, 6, 4)).sum(axis={d})")
    seen = {}
    for seed in range(12):
        v = check(here, c, "(6, 4)", seed=seed)
        seen[v.params["d"]] = (v.expected, v.correct)
    assert seen == {0: ("(6, 4)", True), 1: ("(3, 4)", False), 2: ("(3, 6)", False)}


def test_the_same_seed_gives_the_same_random_values(here: LocalChecker) -> None:
    c = card("value", code="result = np.random.randn(3)")
    first = check(here, c, "0").expected
    assert check(here, c, "0", seed=0).expected == first
    assert check(here, c, "0", seed=1).expected != first
    c = card("value", code="import random\nresult = random.random()")
    assert check(here, c, "0").expected == check(here, c, "0").expected


def test_stdout_is_captured_and_capped(here: LocalChecker) -> None:
    v = check(here, card("output", code="print('x' * (1 << 21))"), "x")
    assert (v.status, v.diagnosis) == ("crashed", "the card's code printed more than 1024 KiB")
    v = check(here, card("output", code="import sys\nprint('out')\nprint('err', file=sys.stderr)"),
              "out\nerr")
    assert v.correct


# -- code cards ----------------------------------------------------------------------------------
ADD = card("code", tests="assert add(1, 2) == 3\nassert add(-1, 1) == 0",
           reference="def add(a, b):\n    return a + b")


def test_code_with_tests(here: LocalChecker) -> None:
    v = check(here, ADD, "def add(a, b):\n    return b + a")
    assert v.correct and (v.expected, v.got) == ("matches the reference on 2 checks",
                                                 "matches on 2 checks")
    v = check(here, ADD, "def add(a, b):\n    return a - b")
    assert not v.correct and (v.expected, v.got) == ("3", "-1")
    assert v.diagnosis == "line 1: `add(1, 2)`: values differ: expected 3, got -1 (off by 4, " \
        "133.33%)"
    v = check(here, ADD, "def add(a, b) return")
    assert v.malformed and v.diagnosis == ("syntax error in your code, line 1: expected ':'")
    v = check(here, ADD, "def add(a, b):\n    return a + b + 0.0")
    assert v.diagnosis == "line 1: `add(1, 2)`: expected a number (3), got a number (3.0)"


def test_code_that_raises(here: LocalChecker) -> None:
    v = check(here, ADD, "def add(a, b):\n    return a / 0")
    assert v.diagnosis == ("line 1: `add(1, 2)` raised ZeroDivisionError: division by zero")
    assert v.got == "ZeroDivisionError: division by zero"
    v = check(here, ADD, "raise ValueError('no')")
    assert (v.got, v.diagnosis) == ("ValueError: no", "your code raised ValueError: no")
    v = check(here, ADD, "def add(a, b):\n    raise MemoryError")
    assert (v.status, v.diagnosis) == ("memory", "line 1: `add(1, 2)`: your code ran out of "
                                       "memory")
    v = check(here, ADD, "raise MemoryError")
    assert (v.status, v.diagnosis) == ("memory", "your code ran out of memory")
    v = check(here, ADD, "def ad(a, b):\n    return a + b")
    assert v.diagnosis == "line 1: `add(1, 2)` raised NameError: name 'add' is not defined"


def test_code_that_changes_how_the_checks_run(here: LocalChecker) -> None:
    tests = "x = f()\nassert x == 1\nassert x + 1 == 2"
    c = card("code", tests=tests, reference="def f():\n    return 1")
    assert check(here, c, "def f():\n    return 1").correct
    v = check(here, c, "def f():\n    return 2")
    assert v.diagnosis.startswith("line 2: `x`: values differ: expected 1, got 2")


def test_code_against_a_reference_on_inputs(here: LocalChecker) -> None:
    c = card("code", entry="norm", reference="def norm(x):\n    return x / x.sum()",
             inputs=["(np.array([1., 3.]),)", "(np.array([2., 2.]),)"])
    v = check(here, c, "def norm(x):\n    return x / x.sum()")
    assert v.correct and v.expected == "matches the reference on 2 checks"
    v = check(here, c, "def norm(x):\n    return x / x.max()")
    assert not v.correct and v.diagnosis.startswith("norm(array([1., 3.])): values differ")
    v = check(here, c, "def other(x):\n    return x")
    assert (v.got, v.diagnosis) == ("no such function", "define a function named `norm`")
    v = check(here, c, "def norm(x):\n    return x.nope")
    assert v.diagnosis.startswith("norm(array([1., 3.])) raised AttributeError")
    lists = card("code", entry="f", reference="def f(a, b):\n    return a + b",
                 inputs=[[1, 2], [[1], [2]]])
    assert check(here, lists, "def f(a, b):\n    return b + a").correct is False
    assert check(here, lists, "def f(a, b):\n    return a + b").correct


def test_a_reference_that_fails_is_the_cards_fault(here: LocalChecker) -> None:
    c = card("code", entry="f", reference="def f(x):\n    return x.sum()", inputs=[[[1, 2]]])
    v = check(here, c, "def f(x):\n    return 3")
    assert v.status == "error"
    assert v.diagnosis == ("the card's reference f([1, 2]) raised AttributeError: 'list' object "
                           "has no attribute 'sum'")
    c = card("code", tests="assert f(1) == g(2)", reference="def f(x):\n    return g(x)")
    v = check(here, c, "def f(x):\n    return 2")
    assert v.diagnosis == ("the card's checks fail on its reference: line 1: `f(1)` raised "
                           "NameError: name 'g' is not defined")
    c = card("code", tests="assert f(1) == 1", reference="def f(x) return x")
    v = check(here, c, "def f(x):\n    return x")  # a reference that defines nothing
    assert (v.status, v.diagnosis) == ("error", "the tests observe nothing that depends on the "
                                       "solution: the names the reference defines never appear "
                                       "in an assert")
    c = card("code", entry="f", reference="def f(x) return x", inputs=[[1]])
    v = check(here, c, "def f(x):\n    return x")
    assert (v.status, v.diagnosis) == ("error", "the card's reference does not compile: line 1: "
                                       "expected ':'")
    c = card("code", tests="assert f(1) == 1",
             reference="def f(x):\n    return x\nraise KeyError('k')")
    v = check(here, c, "def f(x):\n    return x")
    assert v.diagnosis == "the card's reference raised KeyError: 'k' (line 3)"


def test_the_truth_of_a_code_card_is_its_reference(here: LocalChecker) -> None:
    d = deck(ADD)
    v = here.check(d, d.cards[0], None)
    assert (v.status, v.expected, v.extra) == ("ok", "def add(a, b):\n    return a + b",
                                               {"isolation": {"landlock": True,
                                                              "seccomp": True}})


def test_choice_and_recall(here: LocalChecker) -> None:
    c = card("choice", options=["x", "y", "z"], correct=["a", "c"])
    v = check(here, c, "A C")
    assert v.correct and (v.expected, v.got) == ("a, c", "a, c")
    v = check(here, c, "a")
    assert (v.correct, v.near_miss, v.diagnosis) == (False, True, "missed c) z")
    v = check(here, c, "b")
    assert (v.near_miss, v.diagnosis) == (False, "missed a) x, c) z; not b) y")
    v = check(here, c, None)
    assert (v.expected, v.correct) == ("a, c", False)
    r = card("recall", answer="It is reduced away.")
    assert check(here, r, "it is reduced away").correct
    assert check(here, r, "").suggested_grade == 0
    v = check(here, r, "it goes away")
    assert v.self_graded and v.suggested_grade == 3 and v.extra == {"coverage": 0.5,
                                                                   "shared": ["away"]}
    assert v.diagnosis == "your words cover 50% of the model answer: compare and grade yourself"

"""The checker with real torch: every card kind graded through the warm worker."""

from __future__ import annotations

from typing import Any

import pytest

from quizcards.checker.client import Checker
from quizcards.core.models import Deck

SETUP = "import torch\nimport math"


def deck(*cards: dict[str, Any], setup: str = SETUP) -> Deck:
    return Deck.model_validate({"id": "t", "title": "T", "setup": setup, "cards": list(cards)})


def card(kind: str, **fields: Any) -> dict[str, Any]:
    return {"id": "c", "kind": kind, "prompt": "?", **fields}


def check(checker: Checker, c: dict[str, Any], answer: str | None, **kw: Any):
    d = deck(c)
    return checker.check(d, d.cards[0], answer, **kw)


MAX = card("shape", code="x = torch.randn(3, 6, 4)\nresult = x.max(dim=1).values")


@pytest.mark.parametrize("answer", ["(3, 4)", "[3,4]", "3x4", "3, 4", "torch.Size([3, 4])"])
def test_shape_spellings_are_right(checker: Checker, answer: str) -> None:
    v = check(checker, MAX, answer)
    assert v.status == "ok" and v.correct and v.expected == "(3, 4)"


def test_scalar_shape(checker: Checker) -> None:
    v = check(checker, card("shape", code="result = torch.ones(3).sum()"), "()")
    assert v.correct and v.expected == "()"


@pytest.mark.parametrize("answer,diagnosis,grade", [
    ("(4, 3)", "right dims, wrong order", 2),
    ("(3, 6, 4)", "rank differs: expected 2 dims; dim 1 (size 6) is reduced away", 1),
    ("(3, 1, 4)", "an extra size-1 dim at 1", 2),
    ("(3, 5)", "dim 1 is 4, not 5", 2),
])
def test_shape_diagnoses(checker: Checker, answer: str, diagnosis: str, grade: int) -> None:
    v = check(checker, MAX, answer)
    assert not v.correct and v.diagnosis.startswith(diagnosis)
    assert v.suggested_grade == grade  # 2 for a near miss


def test_malformed_answer_is_not_graded(checker: Checker) -> None:
    v = check(checker, MAX, "three by four")
    assert v.malformed and v.status == "error" and "write e.g." in v.diagnosis


VALUE_CASES = [
    ("result = 6", "6", True),
    ("result = 6", "6.0", True),
    ("result = 0.1 + 0.2", "0.3", True),
    ("result = True", "True", True),
    ("result = True", "1", False),
    ("result = [1, 2]", "[1, 2]", True),
    ("result = (1, 2)", "(1, 2)", True),
    ("result = torch.tensor([6.])", "tensor([6.])", True),
    ("result = torch.tensor([6.])", "[6]", True),
    ("result = torch.tensor([6.])", "6", False),
    ("result = torch.tensor(6.)", "6", True),
    ("result = torch.tensor(6.)", "tensor(6)", True),
    ("result = torch.tensor([[1, 2]])", "[[1, 2]]", True),
    ("result = torch.tensor([1, 2], dtype=torch.int8)", "tensor([1, 2])", True),
    ("result = torch.tensor([True, False])", "tensor([True, False])", True),
    ("result = torch.tensor([True, False])", "[1, 0]", False),
    ("result = torch.tensor([1.5, 2.5], dtype=torch.float16)", "tensor([1.5, 2.5])", True),
    ("result = torch.tensor(float('nan'))", "nan", True),
    ("result = torch.tensor(float('-inf'))", "float('-inf')", True),
    ("result = torch.tensor([1., float('inf')])", "tensor([1., inf])", True),
    ("result = torch.tensor([0.2689, 0.7311])", "tensor([0.27, 0.73])", True),
    ("result = torch.tensor([0.2689, 0.7311])", "tensor([0.3, 0.7])", False),
    ("result = torch.randn(2, 2).max(dim=1)", "(torch.tensor([1.5410, 0.5684]), tensor([0, 1]))",
     True),
    ("result = 'abc'", "'abc'", True),
    ("result = None", "None", True),
]


@pytest.mark.parametrize("code,answer,correct", VALUE_CASES)
def test_value_kinds(checker: Checker, code: str, answer: str, correct: bool) -> None:
    v = check(checker, card("value", code=code), answer)
    assert v.status == "ok", v.diagnosis
    assert v.correct is correct, (v.expected, v.got, v.diagnosis)


def test_value_dtype_only_when_asked(checker: Checker) -> None:
    c = card("value", code="result = torch.tensor([1, 2])", check_dtype=True)
    v = check(checker, c, "tensor([1., 2.])")
    assert not v.correct and v.diagnosis == "dtype differs: expected int64, got float32"


def test_value_tolerance_per_card(checker: Checker) -> None:
    c = card("value", code="result = math.pi", rtol=0.01)
    assert check(checker, c, "3.14").correct
    c = card("value", code="result = math.pi", rtol=0, atol=1e-9, decimals=4)
    v = check(checker, c, "3.14")
    assert not v.correct and v.near_miss
    assert v.diagnosis == "right to 2 decimals, the card wants 4"
    assert check(checker, c, "3.1416").correct
    v = check(checker, c, "3.1415")
    assert not v.correct and "off by" in v.diagnosis


def test_value_where_the_learner_expected_an_exception(checker: Checker) -> None:
    v = check(checker, card("value", code="result = torch.ones(2) + torch.ones(1)"),
              "RuntimeError")
    assert not v.correct and v.diagnosis.startswith("no exception: you expected RuntimeError")


def test_value_answer_cannot_see_the_cards_variables(checker: Checker) -> None:
    v = check(checker, card("value", code="secret = 42\nresult = secret"), "secret")
    assert v.malformed and "`secret` is not a value" in v.diagnosis


def test_value_broadcast_diagnosis(checker: Checker) -> None:
    c = card("value", code="result = torch.ones(2, 3) * torch.tensor([1., 2., 3.])")
    v = check(checker, c, "tensor([1., 2., 3.])")
    assert "shape differs: expected (2, 3), got (3,)" in v.diagnosis
    assert "broadcast" in v.diagnosis


def test_output(checker: Checker) -> None:
    c = card("output", code="for i in range(3):\n    print(i, end='  \\n')")
    assert check(checker, c, "0\n1\n2\n\n").correct
    v = check(checker, c, "0\n1\n3")
    assert not v.correct and v.diagnosis == "line 3 differs: expected '2', got '3'"


@pytest.mark.parametrize("answer,correct", [("RuntimeError", True), ("builtins.RuntimeError",
                                            True), ("none", False), ("ValueError", False)])
def test_raises(checker: Checker, answer: str, correct: bool) -> None:
    code = "x = torch.ones(2, requires_grad=True)\ny = (x * x).sum()\ny.backward()\ny.backward()"
    v = check(checker, card("raises", code=code), answer)
    assert v.correct is correct
    assert "Trying to backward through the graph a second time" in v.diagnosis


def test_raises_none_and_accept(checker: Checker) -> None:
    assert check(checker, card("raises", code="x = 1"), "none").correct
    v = check(checker, card("raises", code="x = 1"), "KeyError")
    assert v.diagnosis == "the code does not raise; you said KeyError"
    c = card("raises", code="{}['k']", accept=["LookupError"])
    assert check(checker, c, "LookupError").correct
    v = check(checker, card("raises", code="{}['k']"), "LookupError")
    assert not v.correct and v.near_miss and "base class" in v.diagnosis


def test_code_with_tests(checker: Checker) -> None:
    c = card("code", tests="assert add(1, 2) == 3\nassert add(-1, 1) == 0",
             reference="def add(a, b):\n    return a + b")
    assert check(checker, c, "def add(a, b):\n    return b + a").correct
    v = check(checker, c, "def add(a, b):\n    return a - b")
    assert not v.correct
    assert v.diagnosis.startswith("line 1: `add(1, 2)`: values differ: expected 3, got -1")
    v = check(checker, c, "def add(a, b) return")
    assert v.malformed and "syntax error" in v.diagnosis


def test_code_answer_is_compared_with_the_reference_not_with_asserts(checker: Checker) -> None:
    # an assert that only checks a property still compares the observed value: a solution
    # that satisfies `> 0` but differs from the reference is wrong
    c = card("code", tests="assert f(3) > 0", reference="def f(x):\n    return x * 2")
    assert check(checker, c, "def f(x):\n    return x + x").correct
    v = check(checker, c, "def f(x):\n    return 1")
    assert not v.correct and "`f(3)`" in v.diagnosis


def test_code_against_reference(checker: Checker) -> None:
    c = card("code", entry="norm", reference="def norm(x):\n    return x / x.sum()",
             inputs=[["torch.tensor([1., 3.])"], "(torch.tensor([2., 2.]),)"])
    # a YAML list holds literal args; a string is evaluated
    c["inputs"] = ["(torch.tensor([1., 3.]),)", "(torch.tensor([2., 2.]),)"]
    assert check(checker, c, "def norm(x):\n    return x / x.sum()").correct
    v = check(checker, c, "def norm(x):\n    return x / x.max()")
    assert not v.correct and v.diagnosis.startswith("norm(tensor([1., 3.])): values differ")
    v = check(checker, c, "def other(x):\n    return x")
    assert v.diagnosis == "define a function named `norm`"


def test_code_that_loops_times_out(checker: Checker) -> None:
    c = card("code", tests="assert f() == 1", reference="def f():\n    return 1", timeout=1)
    v = check(checker, c, "def f():\n    while True:\n        pass\n")
    assert v.status == "timeout" and not v.correct and v.suggested_grade == 1


def test_choice_and_recall_are_local(checker: Checker) -> None:
    c = card("choice", options=["x", "y", "z"], correct=["a", "c"])
    assert check(checker, c, "A C").correct
    v = check(checker, c, "a")
    assert not v.correct and v.near_miss and v.diagnosis == "missed c) z"
    r = card("recall", answer="It is reduced away.")
    assert check(checker, r, "it is reduced away").correct
    v = check(checker, r, "")
    assert v.suggested_grade == 0


def test_params_are_drawn_by_seed_and_truth_recomputed(checker: Checker) -> None:
    c = card("shape", params={"d": [0, 1, 2]}, prompt="sum(dim={d})",
             code="result = torch.ones(3, 6, 4).sum(dim={d})")
    seen = {}
    for seed in range(12):
        v = check(checker, c, "(6, 4)", seed=seed)
        seen[v.params["d"]] = (v.expected, v.correct)
    assert seen == {0: ("(6, 4)", True), 1: ("(3, 4)", False), 2: ("(3, 6)", False)}


def test_fixed_seed_makes_values_deterministic(checker: Checker) -> None:
    c = card("value", code="result = torch.randn(3)")
    first = check(checker, c, "0").expected
    assert all(check(checker, c, "0").expected == first for _ in range(3))


def test_suggested_grade_uses_time(checker: Checker) -> None:
    assert check(checker, MAX, "3x4", seconds=3).suggested_grade == 5
    assert check(checker, MAX, "3x4", seconds=20).suggested_grade == 4
    assert check(checker, MAX, "3x4", seconds=120).suggested_grade == 3
    assert check(checker, MAX, "(3, 5)", seconds=3).suggested_grade == 2
    assert check(checker, MAX, "(9, 9)", seconds=3).suggested_grade == 1


def test_requires_gate_skips_with_reason(checker: Checker) -> None:
    c = card("shape", code="result = torch.ones(1)", requires={"torch": "<1.0"})
    v = check(checker, c, "(1,)")
    assert v.status == "error" and v.diagnosis.startswith("skipped: needs torch <1.0, have")


def test_checks_leak_nothing_between_children(checker: Checker) -> None:
    check(checker, card("shape", code="import torch\ntorch.leak = 1\nresult = torch.ones(1)"),
          "(1,)")
    v = check(checker, card("value", code="result = hasattr(torch, 'leak')"), "False")
    assert v.correct


def test_card_code_does_not_inherit_the_checkers_future_imports(checker: Checker) -> None:
    c = card("value", code="def f(x: int) -> int:\n    return x\nresult = f.__annotations__['x']")
    assert check(checker, c, "int").correct  # a real type, not the string 'int'


def test_a_failing_reference_is_the_cards_fault(checker: Checker) -> None:
    c = card("code", entry="f", reference="def f(x):\n    return x.sum()", inputs=[[[1, 2]]])
    v = check(checker, c, "def f(x):\n    return 3")
    assert v.status == "error"
    assert v.diagnosis.startswith("the card's reference f([1, 2]) raised AttributeError")


def test_failing_checks_on_the_reference_are_the_cards_fault(checker: Checker) -> None:
    c = card("code", tests="x = 1\nassert g(x) == 2", reference="def f(x):\n    return x")
    v = check(checker, c, "def g(x):\n    return 2")
    assert v.status == "error"
    assert v.diagnosis.startswith("the tests observe nothing that depends on the solution")
    c = card("code", tests="assert f(1) == g(2)", reference="def f(x):\n    return g(x)")
    v = check(checker, c, "def f(x):\n    return 2")
    assert v.status == "error"
    assert v.diagnosis == ("the card's checks fail on its reference: line 1: `f(1)` raised "
                           "NameError: name 'g' is not defined")

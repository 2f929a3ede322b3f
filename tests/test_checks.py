"""A code card's tests as an observation program: what is observed, what runs beside the
learner's code (the slice), and what never reaches it (the expected answers)."""

from __future__ import annotations

import pytest

from quizcards.checker.checks import (
    ChecksError,
    calls_program,
    observation_program,
    verification_program,
)

SOLUTION = """def describe(*a, **k): ...
def f(x): ...
def g(x): ...
def h(): ...
def k(x): ...
def m(x): ...
class Vec: ...
class Model: ...
def train_step(*a): ...
def total(): ...
"""


def text_of(program: object, whole: bool = False) -> str:
    entries = program.whole if whole else program.statements  # type: ignore[attr-defined]
    return "\n".join(s["src"] for s in entries)


def test_expected_literals_never_reach_the_learner() -> None:
    tests = ('assert describe(1, 2, b=1) == "2 positional, 1 keyword: b"\n'
             "assert f(17) == 29907\n"
             "assert torch.allclose(g(x), torch.tensor([0.125, 0.875]))\n"
             "assert h() is None\n"
             "assert k(3) == 4 * 8 + 8 + 8 * 2 + 2\n"
             "assert m(x).shape == (5, 2)\n")
    program = observation_program(tests, SOLUTION)
    text = text_of(program)
    for secret in ("2 positional", "29907", "0.125", "0.875", "(5, 2)", "58", "4 * 8"):
        assert secret not in text
    sources = [u.source for u in program.units.values()]
    assert sources == ["describe(1, 2, b=1)", "f(17)", "g(x)", "h()", "k(3)", "m(x).shape"]


def test_expected_values_the_tests_compute_are_left_out() -> None:
    tests = ("expected = 31689\n"
             "assert f(4) == expected\n"
             "assert f(5) == sum([39608])\n")
    program = observation_program(tests, SOLUTION)
    text = text_of(program)
    assert "31689" not in text and "39608" not in text and "expected" not in text
    assert [u.source for u in program.units.values()] == ["f(4)", "f(5)"]


def test_the_expected_side_of_a_comparison_never_runs_beside_the_learner() -> None:
    # the shape of torch-zero-grad/write-accumulate as it once was: a big-batch step on m1
    # beside the learner's accumulated steps on m2
    tests = ("torch.manual_seed(0)\n"
             "m1, m2 = nn.Linear(3, 1), nn.Linear(3, 1)\n"
             "m2.load_state_dict(m1.state_dict())\n"
             "x, y = torch.randn(8, 3), torch.randn(8, 1)\n"
             "o1, o2 = SGD(m1.parameters(), lr=0.1), SGD(m2.parameters(), lr=0.1)\n"
             "o1.zero_grad(); nn.MSELoss()(m1(x), y).backward(); o1.step()\n"
             "batches = list(zip(x.chunk(2), y.chunk(2)))\n"
             "loss = train_step(m2, o2, nn.MSELoss(), batches, 2)\n"
             "assert torch.allclose(m1.weight, m2.weight, atol=1e-6)\n"
             "assert isinstance(loss, float)\n")
    program = observation_program(tests, SOLUTION)
    sliced, whole = text_of(program), text_of(program, whole=True)
    assert "o1.step()" in whole and "o1.step()" not in sliced
    assert "backward" not in sliced and "o1 =" not in sliced
    assert "m2.load_state_dict(m1.state_dict())" in sliced and "torch.manual_seed(0)" in sliced
    assert [u.source for u in program.units.values()] == ["m2.weight", "loss"]


@pytest.mark.parametrize("tests,line", [
    ("for a, b in [(4, 31689), (5, 39608)]:\n    assert f(a) == b\n", 1),
    ("cases = [(4, 31689)]\nfor a, b in cases:\n    assert f(a) == b\n", 2),
    ("for a in range(3):\n    want = a * 7919\n    assert f(a) == want\n", 1),
])
def test_a_kept_binding_no_check_needs_is_refused(tests: str, line: int) -> None:
    with pytest.raises(ChecksError, match=f"line {line}: `.*` is bound here but no check "
                                          "needs it"):
        observation_program(tests, SOLUTION)


@pytest.mark.parametrize("tests", [
    "def check(a, b):\n    return f(a) == b\nassert check(4, 31689)\n",
    "def check(a, b):\n    assert f(a) == b\ncheck(4, 31689)\nassert f(1) == 2\n",
    "assert all(f(a) == b for a, b in [(4, 31689)])\n",
    "assert list(map(lambda a: f(a) == 1, [4]))\n",
])
def test_comparisons_hidden_from_the_asserts_are_refused(tests: str) -> None:
    with pytest.raises(ChecksError, match="comparison"):
        observation_program(tests, SOLUTION)


def test_tests_that_observe_nothing_of_the_solution_are_refused() -> None:
    with pytest.raises(ChecksError, match="observe nothing"):
        observation_program("x = 1\nassert x == 1\n", SOLUTION)


def test_each_comparison_is_observed_with_its_result_when_nothing_is_stripped() -> None:
    program = observation_program("mm = Model()\nz = torch.zeros(1, 4)\n"
                                  "assert (mm.forward(z) == mm(z)).all()\n"
                                  "assert Vec(1, 2) + Vec(3, 4) == Vec(4, 6)\n", SOLUTION)
    keys = {k: (u.source, u.is_result) for k, u in program.units.items()}
    assert keys == {
        "L3.1.0": ("mm.forward(z)", False), "L3.1.1": ("mm(z)", False),
        "L3.1.=": ("mm.forward(z) == mm(z)", True),
        "L4.1.0": ("Vec(1, 2) + Vec(3, 4)", False), "L4.1.1": ("Vec(4, 6)", False),
        "L4.1.=": ("Vec(1, 2) + Vec(3, 4) == Vec(4, 6)", True),
    }


def test_asserts_without_a_comparison_observe_their_arguments() -> None:
    program = observation_program("t = total()\nmm = Model()\n"
                                  "assert isinstance(t, float)\n"
                                  "assert callable(mm) and [mm(i) for i in range(3)] == "
                                  "[0, 2, 4]\n", SOLUTION)
    assert [u.source for u in program.units.values()] == ["t", "[mm(i) for i in range(3)]"]


def test_statements_and_loops_stay_with_their_lines() -> None:
    tests = "mm = Model()\nfor i in range(3):\n    assert mm(i) == i\nprint('done')\n"
    program = observation_program(tests, SOLUTION)
    assert [s["line"] for s in program.statements] == [1, 2, 4]
    assert program.units["L3.1.0"].source == "mm(i)"


def test_the_verification_program_keeps_the_asserts() -> None:
    program = verification_program("x = 1\nassert f(x) == 2, 'f'\n")
    assert [s["src"] for s in program.statements] == ["x = 1", "assert f(x) == 2, 'f'"]


def test_inputs_become_calls() -> None:
    program = calls_program("norm", [["a", 1], "(torch.ones(2),)"])
    assert program.job_part() == {"mode": "calls", "entry": "norm",
                                  "inputs": ["('a', 1, )", "(torch.ones(2),)"]}


def test_tests_that_do_not_parse_are_the_cards_fault() -> None:
    with pytest.raises(ChecksError, match="line 1"):
        observation_program("assert f(1) ==\n", SOLUTION)


def test_a_bare_assert_of_the_solution_or_a_helper_observes_what_it_returns() -> None:
    """`assert shares_memory(x, x.view(-1))` once observed x and x.view(-1): equal for any
    answer, so `return True` passed. What the call returns is the answer."""
    tests = ("x = torch.arange(12.).view(3, 4)\n"
             "assert shares_memory(x, x.view(-1))\n"
             "def same(a, b):\n    return a.untyped_storage().data_ptr() == "
             "b.untyped_storage().data_ptr()\n"
             "assert same(flat(x), x)\n"
             "assert torch.allclose(flat(x), x.reshape(-1))\n")
    program = observation_program(tests, "def shares_memory(a, b): ...\ndef flat(x): ...\n")
    assert [u.source for u in program.units.values()] == [
        "shares_memory(x, x.view(-1))", "same(flat(x), x)",
        "flat(x)", "x.reshape(-1)"]  # x went through the solution: it may have changed


def test_a_solution_that_always_says_yes_fails_a_bare_assert(checker) -> None:  # type: ignore[no-untyped-def]
    from quizcards.core.models import Deck

    deck = Deck.model_validate({"id": "d", "title": "D", "setup": "import torch", "cards": [{
        "id": "c", "kind": "code", "prompt": "?",
        "tests": "x = torch.arange(6.)\nassert shares(x, x[2:])\nassert not shares(x, x.clone())\n",
        "reference": "def shares(a, b):\n    return a.untyped_storage().data_ptr() == "
                     "b.untyped_storage().data_ptr()\n"}]})
    card = deck.cards[0]
    assert checker.check(deck, card, card.reference).correct
    verdict = checker.check(deck, card, "def shares(a, b):\n    return True\n")
    assert not verdict.correct and "shares(x, x.clone())" in verdict.diagnosis

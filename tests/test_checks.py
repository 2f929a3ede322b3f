"""A code card's tests as an observation program: what is observed, and what never reaches
the learner's process (the expected answers)."""

from __future__ import annotations

import pytest

from quizcards.checker.checks import (
    ChecksError,
    calls_program,
    observation_program,
    verification_program,
)


def text_of(program: object) -> str:
    return "\n".join(s["src"] for s in program.statements)  # type: ignore[attr-defined]


def test_expected_literals_never_reach_the_learner() -> None:
    tests = ('assert describe(1, 2, b=1) == "2 positional, 1 keyword: b"\n'
             "assert f(17) == 29907\n"
             "assert torch.allclose(g(x), torch.tensor([0.125, 0.875]))\n"
             "assert h() is None\n"
             "assert k(3) == 4 * 8 + 8 + 8 * 2 + 2\n"
             "assert m(x).shape == (5, 2)\n")
    program = observation_program(tests)
    text = text_of(program)
    for secret in ("2 positional", "29907", "0.125", "0.875", "(5, 2)", "58", "4 * 8"):
        assert secret not in text
    sources = [u.source for u in program.units.values()]
    assert sources == ["describe(1, 2, b=1)", "f(17)", "g(x)", "h()", "k(3)", "m(x).shape"]


def test_each_comparison_is_observed_with_its_result_when_nothing_is_stripped() -> None:
    program = observation_program("assert (m.forward(z) == m(z)).all()\n"
                                  "assert Vec(1, 2) + Vec(3, 4) == Vec(4, 6)\n")
    keys = {k: (u.source, u.is_result) for k, u in program.units.items()}
    assert keys == {
        "L1.1.0": ("m.forward(z)", False), "L1.1.1": ("m(z)", False),
        "L1.1.=": ("m.forward(z) == m(z)", True),
        "L2.1.0": ("Vec(1, 2) + Vec(3, 4)", False), "L2.1.1": ("Vec(4, 6)", False),
        "L2.1.=": ("Vec(1, 2) + Vec(3, 4) == Vec(4, 6)", True),
    }


def test_asserts_without_a_comparison_observe_their_arguments() -> None:
    program = observation_program("assert isinstance(total, float)\n"
                                  "assert callable(m) and [m(i) for i in range(3)] == [0, 2, 4]\n"
                                  "assert ok\n")
    sources = [u.source for u in program.units.values()]
    assert sources == ["total", "[m(i) for i in range(3)]", "ok"]


def test_statements_and_loops_stay_with_their_lines() -> None:
    tests = "m = Model()\nfor i in range(3):\n    assert m(i) == i\nprint('done')\n"
    program = observation_program(tests)
    assert [s["line"] for s in program.statements] == [1, 2, 4]
    assert "m = Model()" in program.statements[0]["src"]
    assert program.units["L3.1.0"].source == "m(i)"


def test_comparisons_inside_lambdas_and_comprehensions_are_part_of_their_operand() -> None:
    program = observation_program("assert all(f(x) > 0 for x in xs)\n")
    assert [u.source for u in program.units.values()] == ["all(f(x) > 0 for x in xs)"]


def test_the_verification_program_keeps_the_asserts() -> None:
    program = verification_program("x = 1\nassert f(x) == 2, 'f'\n")
    assert [s["src"] for s in program.statements] == ["x = 1", "assert f(x) == 2, 'f'"]


def test_inputs_become_calls() -> None:
    program = calls_program("norm", [["a", 1], "(torch.ones(2),)"])
    assert program.job_part() == {"mode": "calls", "entry": "norm",
                                  "inputs": ["('a', 1, )", "(torch.ones(2),)"]}


def test_tests_that_do_not_parse_are_the_cards_fault() -> None:
    with pytest.raises(ChecksError, match="line 1"):
        observation_program("assert f(1) ==\n")

"""Pins for a code card's checks as an observation program (checker/checks.py): which values
are observed, with which keys, what the slice keeps beside the learner's code, and what is
refused. The program's text is what runs in the learner's process, so it is pinned exactly.

Each test here was seen to fail with a one-token change of the code it pins (issue 17)."""

from __future__ import annotations

import pytest

from quizcards.checker.checks import (
    ChecksError,
    Program,
    UnitInfo,
    calls_program,
    observation_program,
    verification_program,
)

SOLUTION = "import torch\nfrom math import pi\ndef f(x): ...\ndef g(x): ...\nclass Vec: ...\n"


def program(tests: str, solution: str = SOLUTION) -> Program:
    return observation_program(tests, solution)


def sliced(tests: str, solution: str = SOLUTION) -> list[str]:
    return [s["src"] for s in program(tests, solution).statements]


def units(tests: str, solution: str = SOLUTION) -> dict[str, tuple[int, str, bool]]:
    return {k: (u.line, u.source, u.is_result) for k, u in program(tests, solution).units.items()}


def refusal(tests: str, solution: str = SOLUTION) -> str:
    with pytest.raises(ChecksError) as info:
        observation_program(tests, solution)
    return str(info.value)


# -- comparisons -----------------------------------------------------------------------------------
def test_a_comparison_with_an_expected_literal() -> None:
    p = program("assert f(1) == 2")
    assert [s["src"] for s in p.statements] == ["__qc_cmp__('L1.1', (lambda: f(1), None), ('Eq',))"]
    assert p.units == {"L1.1.0": UnitInfo(1, "f(1)", "assert f(1) == 2")}
    assert p.statements[0]["line"] == 1 and p.entry is None and p.inputs == []


def test_every_operator_is_named() -> None:
    ops = {"==": "Eq", "!=": "NotEq", "<": "Lt", "<=": "LtE", ">": "Gt", ">=": "GtE",
           "is": "Is", "is not": "IsNot", "in": "In", "not in": "NotIn"}
    for op, name in ops.items():
        assert sliced(f"assert f(1) {op} g(2)") == [
            f"__qc_cmp__('L1.1', (lambda: f(1), lambda: g(2)), ('{name}',))"]


def test_both_sides_observed_with_the_result() -> None:
    assert units("x = 3\nassert f(x) < g(x) <= 9\n") == {
        "L2.1.0": (2, "f(x)", False), "L2.1.1": (2, "g(x)", False)}
    assert units("assert f(1) < g(2)") == {
        "L1.1.0": (1, "f(1)", False), "L1.1.1": (1, "g(2)", False),
        "L1.1.=": (1, "f(1) < g(2)", True)}
    assert sliced("assert 0 < f(1) < g(2)") == [
        "__qc_cmp__('L1.1', (None, lambda: f(1), lambda: g(2)), ('Lt', 'Lt'))"]


def test_several_comparisons_in_one_assert_in_order() -> None:
    assert units("assert f(1) == 2 and not g(2) != 3 or f(abs(g(1) - 1) < 1) == 0") == {
        "L1.1.0": (1, "f(1)", False), "L1.2.0": (1, "g(2)", False),
        "L1.3.0": (1, "f(abs(g(1) - 1) < 1)", False)}


def test_comparisons_inside_lambdas_and_comprehensions_are_not_units() -> None:
    assert units("assert sorted([3, 1], key=lambda v: v < 2) == f(1)") == {
        "L1.1.1": (1, "f(1)", False)}


def test_expected_sides_that_are_computed_from_literals_stay_out() -> None:
    p = program("w = 4 * 8 + 2\nassert f(1) == w\nassert torch.tensor([1.5]) == g(1)\n")
    text = "\n".join(s["src"] for s in p.statements)
    assert "34" not in text and "w =" not in text and "1.5" not in text
    assert list(p.units) == ["L2.1.0", "L3.1.1"]


def test_asserts_that_do_not_depend_on_the_solution_are_left_out() -> None:
    p = program("assert 1 + 1 == 2\nassert pi > 3\nx = 2\nassert x == 2\nassert f(1) == 1\n")
    assert list(p.units) == ["L5.1.0"]
    assert [s["src"] for s in p.statements] == [  # a pass only touches global state: kept
        "pass", "pass", "pass", "__qc_cmp__('L5.1', (lambda: f(1), None), ('Eq',))"]
    assert [s["src"] for s in p.whole] == [
        "pass", "pass", "x = 2", "pass", "__qc_cmp__('L5.1', (lambda: f(1), None), ('Eq',))"]


# -- asserts without a comparison ------------------------------------------------------------------
def test_a_call_of_the_solution_observes_what_it_returns() -> None:
    assert units("assert f(1)") == {"L1.1": (1, "f(1)", False)}
    assert sliced("assert f(1)") == ["__qc_obs__('L1.1', lambda: f(1))"]
    assert units("def h(a):\n    return a\nassert h(f(1))\n") == {"L3.1": (3, "h(f(1))", False)}


def test_a_library_predicate_observes_its_arguments() -> None:
    assert units("assert torch.allclose(f(1), g(2), atol=1e-3)") == {
        "L1.1": (1, "f(1)", False), "L1.2": (1, "g(2)", False)}
    assert units("assert isinstance(f(1), float)") == {"L1.1": (1, "f(1)", False)}
    assert units("assert callable(Vec)") == {"L1.1": (1, "Vec", False)}


def test_a_predicate_given_a_generator_or_a_function_is_observed_whole() -> None:
    assert units("assert all(v for v in f(1))") == {"L1.1": (1, "all(v for v in f(1))", False)}
    assert units("assert any(map(lambda v: v, f(1)))") == {
        "L1.1": (1, "map(lambda v: v, f(1))", False)}
    assert units("assert max(*f(1))") == {"L1.1": (1, "max(*f(1))", False)}
    assert units("assert bool(f)") == {"L1.1": (1, "f", False)}


def test_bool_ops_and_not_observe_each_part() -> None:
    assert units("assert f(1) and not g(2)") == {"L1.1": (1, "f(1)", False),
                                                 "L1.2": (1, "g(2)", False)}
    assert units("assert not (f(1) or Vec)") == {"L1.1": (1, "f(1)", False),
                                                 "L1.2": (1, "Vec", False)}
    assert units("assert f(1).real") == {"L1.1": (1, "f(1).real", False)}


def test_a_call_with_nothing_to_observe_is_observed_whole() -> None:
    assert units("assert abs(-1) and f(1)") == {"L1.2": (1, "f(1)", False)}  # counted, not kept
    assert units("assert f") == {"L1.1": (1, "f", False)}


# -- the slice -------------------------------------------------------------------------------------
def test_the_slice_keeps_what_the_observations_read() -> None:
    tests = ("torch.manual_seed(0)\n"
             "a = torch.ones(2)\n"
             "b = torch.zeros(2)\n"
             "c = a + 1\n"
             "d = 5\n"
             "assert f(c) == 3\n")
    p = program(tests)
    assert [(s["line"], s["src"]) for s in p.statements] == [
        (1, "torch.manual_seed(0)"), (2, "a = torch.ones(2)"), (4, "c = a + 1"),
        (6, "__qc_cmp__('L6.1', (lambda: f(c), None), ('Eq',))")]
    assert [s["line"] for s in p.whole] == [1, 2, 3, 4, 5, 6]
    assert p.whole[2]["src"] == "b = torch.zeros(2)"


def test_the_slice_keeps_what_changes_a_needed_object() -> None:
    tests = ("xs = [1]\n"
             "xs.append(2)\n"
             "ys = [3]\n"
             "ys.append(4)\n"
             "assert f(xs) == 1\n")
    assert sliced(tests) == ["xs = [1]", "xs.append(2)",
                             "__qc_cmp__('L5.1', (lambda: f(xs), None), ('Eq',))"]
    tests = ("m = {}\n"
             "m['k'] = 1\n"
             "m.k2 = 2\n"
             "n = {}\n"
             "n['k'] = 5\n"
             "del m['k']\n"
             "assert f(m) == 1\n")
    assert sliced(tests) == ["m = {}", "m['k'] = 1", "m.k2 = 2", "del m['k']",
                             "__qc_cmp__('L7.1', (lambda: f(m), None), ('Eq',))"]


def test_aliases_share_what_changes() -> None:
    tests = ("w = [0]\n"
             "view = w\n"
             "view.append(1)\n"
             "other = [0]\n"
             "other.append(1)\n"
             "assert f(w) == 2\n")
    assert sliced(tests) == ["w = [0]", "view = w", "view.append(1)",
                             "__qc_cmp__('L6.1', (lambda: f(w), None), ('Eq',))"]
    tests = ("w = [0]\n"
             "for item in w:\n"
             "    item2 = item\n"
             "assert f(w) == 2\n")
    assert "`item2` is bound here" in refusal(tests)  # kept through its alias of w


def test_what_the_solution_is_handed_may_change() -> None:
    tests = ("xs = [1]\n"
             "g(xs)\n"
             "ys = [2]\n"
             "len(ys)\n"
             "assert f(xs) == 1\n")
    assert sliced(tests) == ["xs = [1]", "g(xs)",
                             "__qc_cmp__('L5.1', (lambda: f(xs), None), ('Eq',))"]


def test_a_split_assignment_keeps_only_the_half_that_is_needed() -> None:
    assert sliced("a, b = f(1), 2\nassert g(a) == 1\n") == [
        "a = f(1)", "__qc_cmp__('L2.1', (lambda: g(a), None), ('Eq',))"]
    # not split: a star, other lengths, several targets
    assert sliced("a, *b = f(1), 2, 3\nassert g(a, b) == 1\n")[0] == "a, *b = (f(1), 2, 3)"
    assert sliced("(a, b) = c = (f(1), 2)\nassert g(a, b, c) == 1\n")[0] == (
        "a, b = c = (f(1), 2)")
    assert sliced("a, b = t = f(1), 2\nassert g(a, b, t) == 1\n")[0] == "a, b = t = (f(1), 2)"


def test_loops_and_blocks_stay_whole() -> None:
    tests = ("for i in range(2):\n"
             "    assert f(i) == i\n"
             "if True:\n"
             "    y = g(1)\n"
             "assert f(y) == 1\n")
    p = program(tests)
    assert [s["line"] for s in p.statements] == [1, 3, 5]
    assert p.statements[0]["src"] == (  # i is handed to the solution: it may change it
        "for i in range(2):\n    __qc_cmp__('L2.1', (lambda: f(i), lambda: i), ('Eq',))")


# -- taint: which names depend on the solution -----------------------------------------------------
def test_a_name_built_from_the_solution_is_observed() -> None:
    assert units("y = 5\ny = f(y)\nassert y == 1\n") == {"L3.1.0": (3, "y", False)}
    assert units("y = f(1)\nz = y\nassert z == 1\n") == {"L3.1.0": (3, "z", False)}


def test_taint_through_loops_withs_tries_and_defs() -> None:
    assert units("for v in f(1):\n    assert v == 1\n") == {"L2.1.0": (2, "v", False)}
    assert units("v = 1\nfor v in [1, 2]:\n    assert v == 1\nassert f(v) == 1\n") == {
        "L3.1.0": (3, "v", False), "L4.1.0": (4, "f(v)", False)}  # handed to the solution
    assert units("acc = 0\nfor i in [1]:\n    acc = acc + i\n    acc2 = f(acc)\n"
                 "assert acc2 == 1\n") == {"L5.1.0": (5, "acc2", False)}
    assert units("t = 0\nwhile t < 1:\n    t = f(t)\nassert t == 1\n") == {
        "L4.1.0": (4, "t", False)}
    assert units("with f(1) as h:\n    r = h\nassert r == 1\n") == {"L3.1.0": (3, "r", False)}
    assert units("try:\n    r = f(1)\nfinally:\n    pass\nassert r == 1\n") == {
        "L5.1.0": (5, "r", False)}
    assert units("try:\n    pass\nexcept Exception:\n    r = f(1)\nassert r == 1\n") == {
        "L5.1.0": (5, "r", False)}
    assert units("try:\n    pass\nexcept Exception:\n    pass\nelse:\n    r = f(1)\n"
                 "assert r == 1\n") == {"L7.1.0": (7, "r", False)}
    assert units("def helper():\n    return f(1)\nassert helper() == 1\n") == {
        "L3.1.0": (3, "helper()", False)}
    assert units("class W(Vec):\n    pass\nassert W() == 1\n") == {
        "L3.1.0": (3, "W()", False)}
    assert units("if True:\n    r = f(1)\nassert r == 1\n") == {"L3.1.0": (3, "r", False)}
    assert units("xs = []\nxs.append(f(1))\nassert xs == [1]\n") == {"L3.1.0": (3, "xs", False)}
    assert "`v` is bound here" in refusal("for k, v in {1: 2}.items():\n    pass\n"
                                          "assert f(k) == v\n")


def test_the_solutions_names() -> None:
    solution = ("import torch\n"
                "from torch import nn as neural\n"
                "SCALE = 2\n"
                "def fn(): ...\n"
                "class K: ...\n"
                "for loop_var in range(2):\n"
                "    pass\n")
    for name, observed in (("torch", False), ("neural", False), ("SCALE", True), ("fn", True),
                           ("K", True), ("loop_var", True)):
        tests = f"assert {name} == 1\nassert fn() == 2\n"
        assert ("L1.1.0" in units(tests, solution)) is observed, name
    assert refusal("assert f(1) == 1", "def f(:") == (
        "the tests observe nothing that depends on the solution: the names the reference "
        "defines never appear in an assert")


# -- what is refused -------------------------------------------------------------------------------
def test_tests_that_do_not_parse() -> None:
    assert refusal("x = 1\nassert f(1) ==\n") == (
        "the card's tests do not parse: line 2: invalid syntax")
    with pytest.raises(ChecksError, match="line 1"):
        verification_program("assert (")


def test_a_comparison_hidden_in_a_comprehension_or_lambda() -> None:
    message = ("line 2: a comparison inside a comprehension or a lambda would run in the "
               "learner's process with its expected values: give each case its own assert")
    assert refusal("x = 1\nassert all([f(v) == 1 for v in [1]])\n") == message
    assert refusal("x = 1\nassert f(lambda: 1 == 2) == 1\n") == message
    assert refusal("x = 1\nassert f(1) == [v < 2 for v in g(1)]\n") == message
    assert units("assert f({v: v for v in [1]}) == 1") == {
        "L1.1.0": (1, "f({v: v for v in [1]})", False)}  # a comprehension without a comparison


def test_a_helper_that_calls_the_solution_and_compares() -> None:
    message = ("line 1: a helper that calls the solution and compares would hold expected values "
               "where the learner's code runs: put each comparison in an assert of its own")
    assert refusal("def ok(a):\n    return f(a) == 1\nassert ok(1)\n") == message
    assert refusal("def ok(a):\n    assert f(a)\nok(1)\nassert f(1) == 1\n") == message
    assert refusal("x = 1\nif x:\n    check = lambda a: f(a) > 1\nassert f(1) == 1\n") == (
        message.replace("line 1", "line 3"))
    assert units("def twice(a):\n    return f(a) * 2\nassert twice(1) == 2\n") == {
        "L3.1.0": (3, "twice(1)", False)}
    assert units("def cmp(a, b):\n    return a == b\nassert f(1) == 1\n") == {
        "L3.1.0": (3, "f(1)", False)}  # compares, but never calls the solution


def test_a_binding_no_check_needs() -> None:
    assert refusal("cases = [(1, 2)]\nfor a, b in cases:\n    assert f(a) == b\n") == (
        "line 2: `b` is bound here but no check needs it: it would carry an expected value "
        "into the learner's process. Write each case as its own assert with a literal "
        "(assert f(4) == 31689), or leave it out")
    assert units("for _a, _b in [(1, 2)]:\n    assert f(_a) == 1\n") == {
        "L2.1.0": (2, "f(_a)", False)}
    assert units("for i in range(3):\n    assert f(1) == 1\n") == {
        "L2.1.0": (2, "f(1)", False)}
    assert "`i` is bound here" in refusal("for i in [0, 1]:\n    assert f(1) == 1\n")
    assert "`want` is bound" in refusal("for a in range(3):\n    want = a * 7\n"
                                        "    assert f(a) == want\n")


def test_tests_that_observe_nothing() -> None:
    assert refusal("x = 1\nassert x == 1\n").startswith("the tests observe nothing that depends "
                                                       "on the solution")
    assert refusal("assert True") == refusal("pass")


# -- the other programs ----------------------------------------------------------------------------
def test_the_verification_program_runs_the_tests_as_written() -> None:
    p = verification_program("x = 1\n\nassert f(x) == 2, 'f'\nfor i in []:\n    pass\n")
    assert [(s["line"], s["src"]) for s in p.statements] == [
        (1, "x = 1"), (3, "assert f(x) == 2, 'f'"), (4, "for i in []:\n    pass")]
    assert p.units == {} and p.job_part() == {"mode": "program", "program": p.statements}


def test_calls_of_an_entry() -> None:
    p = calls_program("norm", [["a", 1], "(torch.ones(2),)", []])
    assert p.inputs == ["('a', 1, )", "(torch.ones(2),)", "()"]
    assert p.units == {"I1": UnitInfo(0, "norm(...)", "norm(*('a', 1, ))"),
                       "I2": UnitInfo(0, "norm(...)", "norm(*(torch.ones(2),))"),
                       "I3": UnitInfo(0, "norm(...)", "norm(*())")}
    assert p.job_part() == {"mode": "calls", "entry": "norm", "inputs": p.inputs}
    assert p.job_part(whole=True) == p.job_part()


def test_the_job_part_of_a_program() -> None:
    p = program("b = 2\nassert f(1) == 1\n")
    assert p.job_part() == {"mode": "program", "program": p.statements}
    assert p.job_part(whole=True) == {"mode": "program", "program": p.whole}
    assert len(p.whole) == 2 and len(p.statements) == 1


# -- more of what the observer and the slice decide ---------------------------------------------
def test_an_assert_whose_first_comparison_observes_nothing_still_observes_the_rest() -> None:
    assert units("assert 1 < 2 and f(1) == 2") == {"L1.2.0": (1, "f(1)", False)}


def test_each_unit_keeps_the_whole_check_for_the_diagnosis() -> None:
    p = program("x = 1\nassert f(x) < g(x), 'both'\nassert f(x)\n")
    assert p.units["L2.1.="] == UnitInfo(2, "f(x) < g(x)", "assert f(x) < g(x), 'both'", True)
    assert p.units["L2.1.0"].check == "assert f(x) < g(x), 'both'"
    assert p.units["L3.1"] == UnitInfo(3, "f(x)", "assert f(x)")


def test_a_readable_literal_is_expected_even_with_a_name_the_solution_binds() -> None:
    solution = "def f(x): ...\ninf = 5\n"
    assert units("assert f(1) == inf * 2", solution) == {"L1.1.0": (1, "f(1)", False)}
    assert units("assert f(1) == inf", solution) == {"L1.1.0": (1, "f(1)", False)}


def test_imports_in_the_tests_bind_their_names() -> None:
    tests = ("import os.path\n"
             "import json as js\n"
             "from math import tau\n"
             "assert f(js.dumps(1), os.sep, tau) == 1\n")
    assert sliced(tests) == ["import os.path", "import json as js", "from math import tau",
                             "__qc_cmp__('L4.1', (lambda: f(js.dumps(1), os.sep, tau), None), "
                             "('Eq',))"]


def test_a_definition_nested_in_a_block_is_bound_by_the_block() -> None:
    assert sliced("if True:\n    def unused():\n        pass\nassert f(1) == 1\n") == [
        "__qc_cmp__('L4.1', (lambda: f(1), None), ('Eq',))"]
    # a helper of the tests defined in a block decides, as one at the top level does: its
    # call is observed, not only the arguments it is handed
    assert units("if True:\n    def check(x):\n        return x == 2\nassert check(f(1))\n") == {
        "L4.1": (4, "check(f(1))", False)}


def test_a_walrus_in_an_assert_binds_in_a_block_as_at_the_top_level() -> None:
    # the tests are transformed statement by statement on copies: a block's own statements
    # must still be read as written (the walrus, not its observation inside a lambda)
    for tests, line in (("assert (y := f(1)) == 1\n", 1),
                        ("for i in range(2):\n    assert (y := f(i)) == 1\n", 1),
                        ("x = 0\nif x == 0:\n    assert (y := f(x)) == 1\n", 2)):
        assert refusal(tests).startswith(f"line {line}: `y` is bound here but no check needs it")


def test_augmented_and_annotated_assignments() -> None:
    tests = ("m = g(0)\n"
             "m.count += 1\n"
             "m.label: str = 'x'\n"
             "n = g(0)\n"
             "n.count += 1\n"
             "assert f(m) == 1\n")
    assert sliced(tests) == ["m = g(0)", "m.count += 1", "m.label: str = 'x'",
                             "__qc_cmp__('L6.1', (lambda: f(m), None), ('Eq',))"]
    assert units("x: int = f(1)\nassert x == 1\n") == {"L2.1.0": (2, "x", False)}


def test_loop_else_blocks_are_followed() -> None:
    assert units("for _a in []:\n    pass\nelse:\n    r = f(1)\nassert r == 1\n") == {
        "L5.1.0": (5, "r", False)}
    assert units("while False:\n    pass\nelse:\n    r = f(1)\nassert r == 1\n") == {
        "L5.1.0": (5, "r", False)}


def test_what_a_with_or_a_definition_binds_depends_on_what_it_reads() -> None:
    tests = "import contextlib\nwith contextlib.nullcontext(5) as h:\n    r = h\nassert f(1) == r\n"
    assert units(tests) == {"L4.1.0": (4, "f(1)", False)}
    assert units("def helper():\n    return 1\nh = helper()\nassert f(1) == h\n") == {
        "L4.1.0": (4, "f(1)", False)}


def test_aliases_made_inside_a_block_count() -> None:
    tests = ("w = [0]\n"
             "if True:\n"
             "    v = w\n"
             "v.append(1)\n"
             "assert f(w) == 1\n")
    assert sliced(tests) == ["w = [0]", "if True:\n    v = w", "v.append(1)",
                             "__qc_cmp__('L5.1', (lambda: f(w), None), ('Eq',))"]


def test_a_change_after_the_last_observation_is_left_out() -> None:
    assert sliced("xs = [1]\nassert f(xs) == 1\nxs.append(2)\n") == [
        "xs = [1]", "__qc_cmp__('L2.1', (lambda: f(xs), None), ('Eq',))"]


def test_a_dead_binding_after_a_statement_left_out_is_still_refused() -> None:
    assert "`b` is bound here" in refusal("z = 5\nfor a, b in [(1, 2)]:\n    assert f(a) == b\n")


def test_nested_loops_over_ranges_keep_both_counters() -> None:
    tests = "for i in range(2):\n    for j in range(2):\n        assert f(1) == 1\n"
    assert units(tests) == {"L3.1.0": (3, "f(1)", False)}

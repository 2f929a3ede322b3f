"""Pins for the child side of the worker (checker/run.py), run in this process: what a job
reports (result, shape, printed text, exceptions with their phase and line, observations of
a program, calls of an entry) before it crosses to the judge.

In the app these run in a sandboxed child of the worker, out of reach of a mutation test;
here they run in the test's process, so every mutant of run.py is exercised.
Each test here was seen to fail with a one-token change of the code it pins (issue 17)."""

from __future__ import annotations

import random
import sys
import types
from typing import Any

import pytest

from quizcards.checker import run as run_module
from quizcards.checker.protocol import (
    MAX_STDOUT,
    MAX_UNITS,
    ExcInfo,
    Observation,
    TensorValue,
    decode_observation,
    dumps,
)

from .in_process import run_here


def observe(job: dict[str, Any]) -> tuple[dict[str, Any], Observation]:
    raw = run_here(job)
    return raw, decode_observation(dumps(raw).decode())


def card(code: str | None, want: list[str] | None = None, setup: str | None = None,
         seed: int = 0) -> dict[str, Any]:
    return {"mode": "card", "setup": setup, "code": code, "want": want or [], "seed": seed}


def program(code: str, statements: list[tuple[int, str]], setup: str | None = None,
            seed: int = 0) -> dict[str, Any]:
    return {"mode": "program", "setup": setup, "code": code, "seed": seed,
            "program": [{"line": line, "src": src} for line, src in statements]}


# -- card mode --------------------------------------------------------------------------------
def test_a_cards_result_as_value_and_shape() -> None:
    raw, obs = observe(card("import numpy\nresult = numpy.ones((2, 3))", ["shape", "value"]))
    assert raw["v"] == 1 and raw["has_result"] is True and raw["result_type"] == "ndarray"
    assert obs.shape == (2, 3)
    assert isinstance(obs.result, TensorValue) and obs.result.values == (1.0,) * 6
    raw, obs = observe(card("result = [1, 2]", ["value"]))
    assert obs.result == [1, 2] and obs.shape is None and "shape" not in raw
    raw, obs = observe(card("result = [1, 2]", ["shape"]))
    assert raw["shape"] is None and "result" not in raw and obs.has_result
    assert obs.result_type == "list"
    raw, _ = observe(card("result = 5", []))
    assert raw["has_result"] and "result" not in raw and "shape" not in raw


def test_no_result_and_nothing_wanted() -> None:
    raw, obs = observe(card("x = 1", ["shape", "value"]))
    assert not obs.has_result and "has_result" not in raw and "result_type" not in raw
    raw, obs = observe(card(None))
    assert obs == Observation(ms=obs.ms) and raw["stdout"] == "" and raw["stdout_cut"] is False
    assert isinstance(raw["ms"], float) and raw["ms"] >= 0 and "units" not in raw


def test_the_setup_runs_first_in_the_same_namespace() -> None:
    _, obs = observe(card("result = base + 1", ["value"], setup="base = 41"))
    assert obs.result == 42
    _, obs = observe(card("result = __name__", ["value"]))
    assert obs.result == "__main__"


def test_what_was_printed_is_captured() -> None:
    _, obs = observe(card("print('a')\nimport sys\nprint('b', file=sys.stderr)"))
    assert obs.stdout == "a\nb\n" and not obs.stdout_cut
    before = sys.stdout
    observe(card("print('x')"))
    assert sys.stdout is before  # restored


def test_printing_too_much_stops_the_run() -> None:
    code = f"print('x' * {MAX_STDOUT - 1})\nprint('y')\nresult = 1"
    raw, obs = observe(card(code, ["value"]))
    assert obs.stdout_cut and len(obs.stdout) == MAX_STDOUT and not obs.has_result
    assert raw["stdout"] == "x" * (MAX_STDOUT - 1) + "\n"
    _, obs = observe(card(f"print('x' * {MAX_STDOUT - 2})\nresult = 1", ["value"]))
    assert not obs.stdout_cut and obs.result == 1  # exactly the cap: fine
    assert len(obs.stdout) == MAX_STDOUT - 1


def test_printing_too_much_in_the_checks_or_a_call_stops_them_too() -> None:
    job = program("def f():\n    print('z' * (1 << 21))\n    return 1", [(1, "x = f()")])
    _, obs = observe(job)
    assert obs.stdout_cut and obs.stopped is None and obs.units == ()
    job = program("def f():\n    print('z' * (1 << 21))\n    return 1",
                  [(1, "__qc_obs__('L1.1', lambda: f())")])
    _, obs = observe(job)
    assert obs.stdout_cut and obs.units == ()
    calls = {"mode": "calls", "code": "def f(x):\n    print('z' * (1 << 21))", "entry": "f",
             "inputs": ["(1,)"]}
    _, obs = observe(calls)
    assert obs.stdout_cut and obs.units == ()


def test_exceptions_with_their_phase_and_line() -> None:
    _, obs = observe(card("x = 1\n\nraise KeyError('k')"))
    assert obs.raised == ExcInfo("KeyError", "builtins", ("KeyError", "LookupError", "Exception",
                                                          "BaseException", "object"), "'k'", 3,
                                 "code")
    _, obs = observe(card("result = 1", ["value"], setup="import math\nmath.nope"))
    assert obs.raised is not None and (obs.raised.type, obs.raised.line, obs.raised.phase) == (
        "AttributeError", 2, "setup")
    assert not obs.has_result  # the code never ran
    _, obs = observe(card("def f():\n    return 1 / 0\n\nf()"))
    assert obs.raised is not None and obs.raised.line == 2  # the innermost line of the card
    _, obs = observe(card("import json\n\njson.loads('{')"))
    assert obs.raised is not None and obs.raised.line == 3  # not a line of json's own files
    _, obs = observe(card("raise SystemExit(3)"))
    assert obs.raised is not None and obs.raised.type == "SystemExit"
    _, obs = observe(card("import math\nmath.sqrt(-1)"))
    assert obs.raised is not None and obs.raised.message == "math domain error"


def test_a_syntax_error_in_the_cards_code_is_raised_at_its_line() -> None:
    _, obs = observe(card("x = 1\ny = (", ["value"]))
    assert obs.raised is not None and (obs.raised.type, obs.raised.line, obs.raised.phase) == (
        "SyntaxError", 2, "code")
    assert obs.syntax is None
    _, obs = observe(card("x = 1", setup="import"))
    assert obs.raised is not None and (obs.raised.type, obs.raised.phase) == ("SyntaxError",
                                                                              "setup")


def test_code_is_compiled_without_this_modules_future_imports() -> None:
    code = "def f(x: int) -> int:\n    return x\nresult = f.__annotations__['x']"
    _, obs = observe(card(code, ["value"]))
    assert obs.result is not None and obs.result.name == "int"  # a class, not the string


def test_the_seed_fixes_random_numbers() -> None:
    code = "import random\nresult = random.random()"
    a = observe(card(code, ["value"], seed=7))[1].result
    assert a == random.Random(7).random()
    assert observe(card(code, ["value"], seed=8))[1].result != a
    np_code = "import numpy as np\nresult = float(np.random.rand())"
    import numpy as np

    observe(card("import numpy", []))
    b = observe(card(np_code, ["value"], seed=3))[1].result
    assert b == np.random.RandomState(3).rand()
    big = observe(card(np_code, ["value"], seed=2**32 + 3))[1].result
    assert big == b  # numpy takes the seed modulo 2**32
    assert observe(card(code, ["value"]))[1].result == random.Random(0).random()  # default 0


def test_the_seed_reaches_torch_and_numpy_when_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stand-ins for the two modules record the seeds (the worker has both loaded)."""
    calls: list[tuple[str, int]] = []
    torch = types.SimpleNamespace(manual_seed=lambda s: calls.append(("torch", s)))
    numpy = types.SimpleNamespace(random=types.SimpleNamespace(
        seed=lambda s: calls.append(("numpy", s))))
    monkeypatch.setitem(sys.modules, "torch", torch)
    monkeypatch.setitem(sys.modules, "numpy", numpy)
    run_module.seed_everything(2**32 + 100)
    assert calls == [("torch", 2**32 + 100), ("numpy", 100)]
    assert random.random() == random.Random(2**32 + 100).random()
    monkeypatch.delitem(sys.modules, "torch")
    monkeypatch.delitem(sys.modules, "numpy")
    run_module.seed_everything(3)  # neither loaded: only random
    assert calls == [("torch", 2**32 + 100), ("numpy", 100)]
    assert random.random() == random.Random(3).random()


# -- program mode (a code card's checks) ----------------------------------------------------
def test_a_program_observes_values_and_comparisons() -> None:
    job = program("def f(x):\n    return x * 2", [
        (1, "__qc_cmp__('L1.1', (lambda: f(2), None), ('Eq',))"),
        (2, "__qc_cmp__('L2.1', (lambda: f(1), lambda: f(3)), ('Lt',))"),
        (3, "__qc_obs__('L3.1', lambda: f(5))"),
    ])
    raw, obs = observe(job)
    assert [(u.key, u.value) for u in obs.units] == [
        ("L1.1.0", 4), ("L2.1.0", 2), ("L2.1.1", 6), ("L2.1.=", True), ("L3.1", 10)]
    assert raw["units"][0] == {"k": "L1.1.0", "v": 4}
    assert obs.stopped is None and obs.raised is None


@pytest.mark.parametrize("ops,values,result", [
    (("Eq",), (1, 1), True), (("Eq",), (1, 2), False), (("NotEq",), (1, 2), True),
    (("Lt",), (1, 1), False), (("LtE",), (1, 1), True), (("Gt",), (2, 1), True),
    (("GtE",), (1, 2), False), (("Is",), (None, None), True), (("IsNot",), (None, None), False),
    (("In",), (1, [1]), True), (("NotIn",), (1, [1]), False),
    (("Lt", "Lt"), (1, 2, 3), True), (("Lt", "Lt"), (1, 3, 2), False),
    (("Lt", "Gt"), (3, 2, 1), False), (("Lt", "Eq"), (1, 2, 2), True),
])
def test_comparison_chains(ops: tuple[str, ...], values: tuple[Any, ...], result: bool) -> None:
    thunks = ", ".join(f"lambda: {v!r}" for v in values)
    job = program("", [(1, f"__qc_cmp__('K', ({thunks},), {ops!r})")])
    _, obs = observe(job)
    assert obs.units[-1].key == "K.=" and obs.units[-1].value is result
    assert [u.value for u in obs.units[:-1]] == list(values)


def test_a_chain_stops_at_the_first_false_link() -> None:
    job = program("class A:\n    def __lt__(self, o):\n        return 0\n"
                  "    def __gt__(self, o):\n        raise ValueError('evaluated')",
                  [(1, "a = A()"), (2, "__qc_cmp__('K', (lambda: a, lambda: 1, lambda: 0), "
                                       "('Lt', 'Gt'))")])
    _, obs = observe(job)
    assert obs.units[-1].key == "K.=" and obs.units[-1].value == 0
    job = program("class A:\n    def __lt__(self, o):\n        return 0",
                  [(1, "a = A()"), (2, "__qc_cmp__('K', (lambda: a, lambda: 1), ('Lt',))")])
    assert observe(job)[1].units[-1].value == 0  # a single link: its own result


def test_an_operand_that_raises_ends_that_comparison_only() -> None:
    job = program("def f():\n    raise ValueError('v')", [
        (1, "__qc_cmp__('A', (lambda: f(), lambda: 2), ('Eq',))"),
        (2, "__qc_cmp__('B', (lambda: 1, None), ('Eq',))"),
    ])
    _, obs = observe(job)
    assert [u.key for u in obs.units] == ["A.0", "B.0"]
    assert obs.units[0].raised is not None and obs.units[0].raised.phase == "check"
    assert obs.units[0].raised.line is None and obs.units[0].raised.message == "v"


def test_a_statement_that_raises_stops_the_program_at_its_line() -> None:
    job = program("", [(1, "x = 1"), (4, "y = x / 0"), (5, "__qc_obs__('L5.1', lambda: x)")])
    _, obs = observe(job)
    assert obs.units == () and obs.stopped is not None
    assert (obs.stopped.type, obs.stopped.line, obs.stopped.phase) == (
        "ZeroDivisionError", 4, "check")
    job = program("", [])
    job["program"] = [{"src": "1/0"}]  # no line given: 0
    stopped = observe(job)[1].stopped
    assert stopped is not None and stopped.line == 0


def test_the_checks_see_the_same_random_numbers_for_any_solution() -> None:
    checks = [(1, "__qc_obs__('L1.1', lambda: random.random())")]
    a = observe(program("import random", checks, seed=4))[1].units[0].value
    b = observe(program("import random\nrandom.random()\nrandom.random()", checks,
                        seed=4))[1].units[0].value
    assert a == b == random.Random(4).random()


def test_the_learners_syntax_error_is_reported_apart() -> None:
    raw, obs = observe(program("def f(:\n    pass", [(1, "__qc_obs__('L1.1', lambda: 1)")]))
    assert obs.syntax is not None and obs.syntax.line == 1 and obs.syntax.col >= 1
    assert obs.syntax.message == "invalid syntax"
    assert obs.raised is None and obs.units == ()
    assert set(raw["syntax"]) == {"line", "col", "message"}
    _, obs = observe(program("x = 1\n  y = 2", []))
    assert obs.syntax is not None and obs.syntax.line == 2
    _, obs = observe(program("x = 1", [], setup="def ("))
    assert obs.syntax is None and obs.raised is not None and obs.raised.phase == "setup"


def test_the_learners_code_raising_stops_before_the_checks() -> None:
    _, obs = observe(program("x = 1\nraise ValueError('mine')",
                             [(1, "__qc_obs__('L1.1', lambda: 1)")]))
    assert obs.raised is not None and (obs.raised.type, obs.raised.line, obs.raised.phase) == (
        "ValueError", 2, "code")
    assert obs.units == ()


def test_units_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_module.MAX_UNITS == MAX_UNITS == 2_000
    monkeypatch.setattr(run_module, "MAX_UNITS", 3)
    job = program("", [(1, "for i in range(5):\n    __qc_obs__('L1.1', lambda: i)")])
    raw, obs = observe(job)
    assert [u.value for u in obs.units] == [0, 1, 2] and len(raw["units"]) == 3
    job = program("", [(1, "for i in range(3):\n    __qc_obs__('L1.1', lambda: i)")])
    assert len(observe(job)[0]["units"]) == 3


# -- calls mode (a code card's entry on its inputs) ------------------------------------------
def calls(code: str, inputs: list[str], entry: str = "f", seed: int = 0) -> Observation:
    return observe({"mode": "calls", "code": code, "entry": entry, "inputs": inputs,
                    "seed": seed})[1]


def test_each_input_is_one_call() -> None:
    obs = calls("def f(a, b=10):\n    return a + b", ["(1, 2)", "5", "([1], [2])"])
    assert [(u.key, u.value, u.args) for u in obs.units] == [
        ("I1", 3, (1, 2)), ("I2", 15, (5,)), ("I3", [1, 2], ([1], [2]))]


def test_a_call_that_raises_is_observed_and_the_next_still_runs() -> None:
    obs = calls("def f(x):\n    return 10 // x", ["(0,)", "(5,)"])
    assert obs.units[0].raised is not None and obs.units[0].raised.type == "ZeroDivisionError"
    assert obs.units[0].args == (0,) and obs.units[1].value == 2
    obs = calls("def g(x):\n    return x", ["(1,)"])
    assert obs.units[0].raised is not None and obs.units[0].raised.type == "KeyError"
    assert obs.units[0].raised.message == "'f'"


def test_an_input_that_cannot_be_evaluated_stops_the_calls() -> None:
    obs = calls("def f(x):\n    return x", ["(1,)", "(undefined,)", "(3,)"])
    assert [u.key for u in obs.units] == ["I1"]
    assert obs.stopped is not None and (obs.stopped.type, obs.stopped.phase) == ("NameError",
                                                                                 "check")
    assert obs.stopped.line is None


def test_each_call_and_its_arguments_see_the_seed() -> None:
    obs = calls("import random\ndef f(x):\n    return (x, random.random())",
                ["(random.random(),)", "(random.random(),)"], seed=9)
    first = random.Random(9).random()
    assert obs.units[0].value == (first, first) and obs.units[1].value == (first, first)


def test_an_argument_changed_by_the_call_is_shown_as_passed() -> None:
    obs = calls("def f(xs):\n    xs.append(9)\n    return len(xs)", ["([1],)"])
    assert obs.units[0].args == ([1],) and obs.units[0].value == 2


# -- the run as a whole ------------------------------------------------------------------------
def test_a_recursion_error_outside_the_code_is_reported() -> None:
    class Deep(run_module._Runner):
        def _run_mode(self) -> None:
            raise RecursionError("too deep")

    obs = Deep({"mode": "card"}).run()
    assert obs["raised"]["type"] == "RecursionError" and obs["raised"]["phase"] == "code"
    assert obs["raised"]["line"] is None and obs["stdout"] == ""


def test_memory_running_out_is_reported_as_memory_error(monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    def broke(self: run_module._Runner) -> dict[str, Any]:
        raise MemoryError

    monkeypatch.setattr(run_module._Runner, "run", broke)
    raw = run_module.run({"mode": "card"})
    obs = decode_observation(dumps(raw).decode())
    assert obs.raised == ExcInfo("MemoryError", "builtins", ("MemoryError", "Exception",
                                                             "BaseException"), "", None, "code")


def test_the_run_time_is_measured(monkeypatch: pytest.MonkeyPatch) -> None:
    ticks = iter([10.0, 10.25, 20.0, 20.0000123456])
    monkeypatch.setattr(run_module.time, "perf_counter", lambda: next(ticks))
    assert run_module.run({"mode": "card", "code": "x = 1"})["ms"] == 250.0
    assert run_module.run({"mode": "card", "code": "x = 1"})["ms"] == 0.012  # 3 decimals


# -- more of what a job reports ----------------------------------------------------------------
def test_the_position_of_the_learners_syntax_error() -> None:
    source = "x = 1\ndef f(:\n    pass"
    try:
        compile(source, "<answer>", "exec", dont_inherit=True)
    except SyntaxError as exc:
        want = (exc.lineno, exc.offset)
    _, obs = observe(program(source, []))
    assert obs.syntax is not None and (obs.syntax.line, obs.syntax.col) == want == (2, 7)
    raw, obs = observe(program("x\x00", []))  # no position at all: line 1, column 1
    assert raw["syntax"]["line"] == raw["syntax"]["col"] == 1
    assert obs.syntax is not None and obs.syntax.message == (
        "source code string cannot contain null bytes")


def test_a_long_type_name_is_cut_to_what_the_protocol_takes() -> None:
    raw, obs = observe(card("result = type('A' * 400, (), {})()", ["shape"]))
    assert raw["result_type"] == "A" * 300 and obs.result_type == "A" * 300


def test_the_checks_are_compiled_without_this_modules_future_imports() -> None:
    job = program("", [(1, "def h(x: int):\n    pass"),
                       (2, "__qc_obs__('K', lambda: h.__annotations__['x'])")])
    value = observe(job)[1].units[0].value
    assert value is not None and value.name == "int"  # a class, not the string 'int'


def test_a_call_that_raises_is_a_check_that_raised() -> None:
    obs = calls("def f(x):\n    raise KeyError(x)", ["(1,)"])
    assert obs.units[0].raised is not None and obs.units[0].raised.phase == "check"


def test_an_expected_operand_in_the_middle_of_a_chain() -> None:
    job = program("", [(1, "__qc_cmp__('K', (lambda: 1, None, lambda: 3), ('Lt', 'Lt'))")])
    _, obs = observe(job)
    assert [(u.key, u.value) for u in obs.units] == [("K.0", 1), ("K.2", 3)]


def test_an_input_that_does_not_compile_is_named_in_the_stop() -> None:
    obs = calls("def f(x):\n    return x", ["(1,)", "(2,"])
    assert [u.key for u in obs.units] == ["I1"]
    assert obs.stopped == ExcInfo("SyntaxError", "builtins",
                                  ("SyntaxError", "Exception", "BaseException", "object"),
                                  "'(' was never closed (<inputs>, line 1)", None, "check")


def test_code_that_catches_the_output_limit_sees_why() -> None:
    raw, obs = observe(card("try:\n    print('x' * (1 << 21))\nexcept Exception as e:\n"
                            "    result = str(e)", ["value"]))
    assert obs.result == "the code printed more than 1024 KiB" and obs.stdout_cut
    assert raw["stdout"] == ""


def test_a_single_comparison_of_arrays_keeps_its_elementwise_result() -> None:
    # one link is never asked for its truth (an array's is ambiguous): its value is observed
    job = program("import numpy as np", [
        (1, "__qc_cmp__('K', (lambda: np.array([1, 2]), lambda: np.array([1, 3])), ('Eq',))")])
    _, obs = observe(job)
    assert [u.key for u in obs.units] == ["K.0", "K.1", "K.="] and obs.units[2].raised is None
    assert obs.units[2].value == TensorValue("ndarray", "bool", (2,), (True, False))


def test_a_check_that_does_not_compile_stops_the_program_naming_tests() -> None:
    job = program("", [(1, "x = 1"), (3, "y = (")])
    assert observe(job)[1].stopped == ExcInfo(
        "SyntaxError", "builtins", ("SyntaxError", "Exception", "BaseException", "object"),
        "'(' was never closed (<tests>, line 1)", 3, "check")
    job = program("", [])
    job["program"] = [{"line": 2}, {"line": 3, "src": "__qc_obs__('K', lambda: 1)"}]
    _, obs = observe(job)  # a statement without source runs nothing
    assert obs.stopped is None and [(u.key, u.value) for u in obs.units] == [("K", 1)]


def test_syntax_errors_name_the_part_that_did_not_compile() -> None:
    _, obs = observe(card("result = (", ["value"], setup="x = 1"))
    assert obs.raised is not None and obs.raised.message == "'(' was never closed (<card>, line 1)"
    _, obs = observe(card("result = 1", ["value"], setup="x = ("))
    assert obs.raised is not None and obs.raised.message == (
        "'(' was never closed (<setup>, line 1)")


def test_the_learners_syntax_message_is_cut_at_500_characters() -> None:
    name = "a" * 600
    raw, obs = observe(program(f"def f({name}):\n    global {name}\n", []))
    assert obs.syntax is not None
    assert raw["syntax"]["message"] == f"name '{name}' is parameter and global"[:500]

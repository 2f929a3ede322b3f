"""Pins for the judge's verdicts on hand-made runs (checker/judge.py): what a worker's reply
becomes, runs that give no truth, a code card's units against the reference's, the slice
lint compares, choice and recall. No code runs here: the runs are built as the worker
would report them.

Each test here was seen to fail with a one-token change of the code it pins (issue 17)."""

from __future__ import annotations

import math
from typing import Any

from quizcards.checker.checks import Program, UnitInfo
from quizcards.checker.judge import (
    Run,
    content_words,
    has_fractions,
    is_memory,
    judge_choice,
    judge_code,
    judge_recall,
    judge_typed,
    reference_problem,
    slice_problem,
    truth_only,
    words,
)
from quizcards.checker.policy import opt_in_message
from quizcards.checker.protocol import (
    ExcInfo,
    NamedValue,
    Observation,
    OpaqueValue,
    SyntaxProblem,
    TensorValue,
    Unit,
    dumps,
)
from quizcards.core.models import ChoiceCard, CodeCard, RecallCard, ShapeCard, ValueCard

SHAPE = ShapeCard(id="s", kind="shape", prompt="?", code="result = x")
VALUE = ValueCard(id="v", kind="value", prompt="?", code="result = x")
CODE = CodeCard(id="c", kind="code", prompt="?", tests="assert f(1) == 2",
                reference="def f(x):\n    return 2 * x")
ISO = {"landlock": True, "seccomp": True}


def exc(type_: str = "ValueError", message: str = "bad", line: int | None = None,
        phase: str = "code", bases: tuple[str, ...] = ("Exception", "BaseException")
        ) -> ExcInfo:
    return ExcInfo(type_, "builtins", (type_, *bases), message, line, phase)


def ok(obs: Observation, elapsed: float | None = 3.0) -> Run:
    return Run("ok", obs, "", dict(ISO), elapsed)


# -- the worker's reply ------------------------------------------------------------------------
def test_a_reply_becomes_a_run() -> None:
    obs = {"v": 1, "has_result": True, "result": 2, "ms": 1.5}
    run = Run.from_reply({"status": "ok", "observation": dumps(obs).decode(), "isolation": ISO,
                          "elapsed_ms": 7.0, "diagnosis": None})
    assert (run.status, run.diagnosis, run.isolation, run.elapsed_ms) == ("ok", "", ISO, 7.0)
    assert run.observation == Observation(has_result=True, result=2, ms=1.5)


def test_replies_that_give_no_observation() -> None:
    run = Run.from_reply({"status": "ok", "observation": None, "isolation": ISO})
    assert (run.status, run.observation, run.diagnosis, run.isolation) == (
        "crashed", None, "the check sent no result", ISO)
    run = Run.from_reply({"status": "ok", "observation": "{", "elapsed_ms": 2.0})
    assert run.status == "crashed" and run.observation is None
    assert run.diagnosis == "the check's result was malformed (not JSON (JSONDecodeError))"
    assert run.elapsed_ms == 2.0
    run = Run.from_reply({})
    assert (run.status, run.diagnosis, run.isolation, run.elapsed_ms) == ("crashed", "", {},
                                                                          None)
    run = Run.from_reply({"status": "timeout", "observation": '{"v": 1}', "isolation": "x",
                          "diagnosis": "slow"})
    assert (run.status, run.observation, run.isolation, run.diagnosis) == ("timeout", None, {},
                                                                           "slow")


# -- runs that give no truth ---------------------------------------------------------------------
def test_runs_that_did_not_finish() -> None:
    v = truth_only(SHAPE, Run("timeout", elapsed_ms=2100.0))
    assert (v.status, v.diagnosis, v.elapsed_ms) == (
        "timeout", "the card's code ran past its time limit", 2100.0)
    v = truth_only(SHAPE, Run("crashed"))
    assert (v.status, v.diagnosis) == (
        "crashed", "the card's code ended without sending a result (the sandbox's child died)")
    v = truth_only(SHAPE, Run("crashed", diagnosis="killed by signal 9"))
    assert v.diagnosis == "killed by signal 9"
    v = truth_only(SHAPE, Run("error"))
    assert (v.status, v.diagnosis) == ("error", "not run")
    v = truth_only(SHAPE, Run("error", diagnosis="worker gone"))
    assert v.diagnosis == "worker gone"
    v = truth_only(SHAPE, Run("ok"))  # ok but no observation
    assert (v.status, v.diagnosis) == ("error", "not run")
    v = truth_only(SHAPE, Run("weird", Observation()))
    assert (v.status, v.diagnosis) == ("error", "not run")


def test_a_refused_run_says_how_to_opt_in() -> None:
    iso = {"landlock": True, "seccomp": False, "missing": {"seccomp": "no filter support"}}
    v = truth_only(SHAPE, Run("refused", isolation=iso))
    assert (v.status, v.diagnosis) == ("error", opt_in_message(iso))
    assert v.diagnosis.startswith("not run: this machine's sandbox lacks seccomp (no filter "
                                  "support)")
    assert v.extra == {"isolation": iso}


def test_output_over_the_cap_is_a_crash() -> None:
    v = truth_only(SHAPE, ok(Observation(stdout="x", stdout_cut=True)))
    assert (v.status, v.diagnosis) == ("crashed", "the card's code printed more than 1024 KiB")


def test_a_verdict_carries_the_runs_times_and_isolation() -> None:
    v = truth_only(SHAPE, ok(Observation(has_result=True, shape=(2, 3), ms=4.5), elapsed=9.0))
    assert (v.status, v.expected, v.elapsed_ms) == ("ok", "(2, 3)", 9.0)
    assert v.extra == {"isolation": ISO, "child_ms": 4.5}
    v = truth_only(SHAPE, Run("ok", Observation(has_result=True, shape=(1,))))
    assert v.extra == {"child_ms": 0.0} and v.elapsed_ms is None  # no isolation reported


def test_memory_errors() -> None:
    assert is_memory(exc("MemoryError", ""))
    assert is_memory(ExcInfo("OutOfMemoryError", "torch", ("OutOfMemoryError", "MemoryError"),
                             ""))
    for text in ("[enforce fail at alloc_cpu.cpp] DefaultCPUAllocator: not enough memory",
                 "can't allocate memory: you tried to allocate 8 GB", "not enough memory"):
        assert is_memory(exc("RuntimeError", text))
    assert not is_memory(exc("RuntimeError", "shape mismatch"))
    assert not is_memory(exc("ValueError", "can't allocate memory"))
    v = truth_only(VALUE, ok(Observation(raised=exc("MemoryError", "", 2))))
    assert (v.status, v.diagnosis) == ("memory", "the card's code ran out of memory "
                                       "(MemoryError)")


def test_what_the_card_raised() -> None:
    v = truth_only(VALUE, ok(Observation(raised=exc(line=3))))
    assert (v.status, v.diagnosis) == ("error", "the card's code raised ValueError: bad (line 3)")
    v = truth_only(VALUE, ok(Observation(raised=exc(line=None))))
    assert v.diagnosis == "the card's code raised ValueError: bad"
    v = truth_only(VALUE, ok(Observation(raised=exc(line=2, phase="setup"))))
    assert v.diagnosis == "the deck's setup raised ValueError: bad (line 2)"
    v = truth_only(VALUE, ok(Observation(raised=exc(line=0))))
    assert v.diagnosis == "the card's code raised ValueError: bad"


def test_a_truth_that_is_not_data_or_missing() -> None:
    v = truth_only(VALUE, ok(Observation(has_result=True, result=OpaqueValue("a.b.Gen", "<g>"))))
    assert (v.status, v.diagnosis) == ("error", "the card's `result` is not a value a learner "
                                       "can type (an object of type Gen): set it to data")
    v = truth_only(VALUE, ok(Observation()))
    assert (v.status, v.diagnosis) == ("error", "the card's code must set `result`")
    v = truth_only(SHAPE, ok(Observation(has_result=True, shape=None, result_type="int")))
    assert v.diagnosis == "the card's code must set `result` to a tensor or array (got int)"
    v = truth_only(VALUE, ok(Observation(has_result=True, result="y" * 500)))
    assert v.expected == "'" + "y" * 396 + "..." and len(v.expected) == 400
    v = truth_only(VALUE, ok(Observation(has_result=True, result="y" * 397)))
    assert v.expected == "'" + "y" * 397 + "'"  # exactly 399 + the quote: whole


def test_judging_needs_the_truth_only_for_a_readable_answer() -> None:
    asked: list[int] = []

    def truth() -> Run:
        asked.append(1)
        return ok(Observation(has_result=True, shape=(2,)))

    assert judge_typed(SHAPE, truth, "(2,)").correct and asked == [1]
    assert judge_typed(SHAPE, truth, "two").malformed and asked == [1]
    v = judge_typed(SHAPE, lambda: Run("timeout"), "(2,)")
    assert (v.status, v.correct) == ("timeout", False)


def test_a_value_answer_against_a_truth_that_failed() -> None:
    v = judge_typed(VALUE, lambda: Run("crashed"), "RuntimeError")
    assert v.status == "crashed"
    v = judge_typed(VALUE, lambda: Run("crashed"), "3")
    assert v.status == "crashed"
    v = judge_typed(VALUE, lambda: ok(Observation(has_result=True, result=2.5)), "2.5")
    assert (v.correct, v.expected, v.got) == (True, "2.5", "2.5")


# -- fractions: the precision hint -----------------------------------------------------------------
def test_has_fractions() -> None:
    for value in (1.5, -0.25, [1, [2.5]], (1, 0.5), {0.5}, frozenset({1.5}), {"a": 0.5},
                  NamedValue("T", ("a",), (0.5,)), TensorValue("tensor", "float32", (2,),
                                                               (1.0, 2.5))):
        assert has_fractions(value), value
    for value in (2.0, 3, True, math.inf, math.nan, "0.5", None, [1, 2.0], {"a": 1.0},
                  {0.5: 1}, TensorValue("tensor", "float32", (2,), (1.0, 2.0)),
                  TensorValue("tensor", "float32", (300,), None, "d"),
                  NamedValue("T", ("a",), (1,))):
        assert not has_fractions(value), value


# -- choice and recall ----------------------------------------------------------------------------
def choice(correct: list[str], options: int = 4) -> ChoiceCard:
    return ChoiceCard(id="q", kind="choice", prompt="?", options=[f"o{i}" for i in range(options)],
                      correct=correct)


def test_choice_verdicts() -> None:
    v = judge_choice(choice(["A", "c"]), "c, a")
    assert (v.correct, v.expected, v.got, v.diagnosis, v.near_miss) == (True, "a, c", "a, c", "",
                                                                       False)
    v = judge_choice(choice(["a", "c"]), "a")
    assert (v.correct, v.got, v.diagnosis, v.near_miss) == (False, "a", "missed c) o2", True)
    v = judge_choice(choice(["a", "c"]), "a, c, d")
    assert (v.diagnosis, v.near_miss) == ("not d) o3", True)
    v = judge_choice(choice(["a", "c"]), "b, d")
    assert (v.diagnosis, v.near_miss) == ("missed a) o0, c) o2; not b) o1, d) o3", False)
    v = judge_choice(choice(["a", "c"]), "a, b")
    assert (v.diagnosis, v.near_miss) == ("missed c) o2; not b) o1", False)
    v = judge_choice(choice(["b"]), "a")
    assert (v.diagnosis, v.near_miss) == ("missed b) o1; not a) o0", False)
    v = judge_choice(choice(["b"]), "a, b")  # one right answer: never near
    assert (v.diagnosis, v.near_miss) == ("not a) o0", False)
    v = judge_choice(choice(["b"]), "z")
    assert v.malformed and v.expected == "b" and v.status == "error"
    assert v.diagnosis == ("cannot read 'z' as option letters (choose from a, b, c, d; e.g. 'a' "
                           "or 'a, c')")


def recall(answer: str) -> RecallCard:
    return RecallCard(id="r", kind="recall", prompt="?", answer=answer)


def test_recall_verdicts() -> None:
    card = recall("The gradient is accumulated, not replaced.")
    v = judge_recall(card, "  ")
    assert (v.correct, v.got, v.diagnosis, v.self_graded, v.expected) == (
        False, "", "revealed", True, card.answer)
    v = judge_recall(card, "the GRADIENT is accumulated not replaced!")
    assert v.correct and v.diagnosis == "" and v.extra["coverage"] == 1.0
    v = judge_recall(card, "gradients get accumulated")
    assert not v.correct and v.self_graded
    assert v.extra == {"coverage": 0.333, "shared": ["accumulated"]}
    assert v.diagnosis == "your words cover 33% of the model answer: compare and grade yourself"
    v = judge_recall(recall("it is the one"), "it is")
    assert v.extra["coverage"] == 0.0 and not v.correct  # nothing but stop words in the model
    v = judge_recall(recall("it is"), "It is")
    assert v.correct and v.extra["coverage"] == 1.0
    assert words("Don't stop_me now") == ["don", "t", "stop_me", "now"]
    assert content_words("The grad is not None") == {"grad", "none"}


# -- a code card's units --------------------------------------------------------------------------
def program(entry: str | None = None, lines: dict[str, tuple[int, str]] | None = None,
            statements: list[tuple[int, str]] | None = None) -> Program:
    units = {k: UnitInfo(line, src, src) for k, (line, src) in (lines or {}).items()}
    return Program([{"line": n, "src": s} for n, s in statements or []], units, entry)


PROGRAM = program(lines={"L1.1.0": (1, "f(1)"), "L2.1.0": (2, "f(2)")},
                  statements=[(1, "__qc_cmp__('L1.1', (lambda: f(1), None), ('Eq',))"),
                              (2, "__qc_cmp__('L2.1', (lambda: f(2), None), ('Eq',))"),
                              (3, "total = f(1) + f(2)")])
REF = ok(Observation(units=(Unit("L1.1.0", 2), Unit("L2.1.0", 4))))


def mine(*units: Unit, **obs: Any) -> Run:
    return ok(Observation(units=units, **obs))


def test_a_code_answer_matching_the_reference() -> None:
    v = judge_code(CODE, PROGRAM, REF, mine(Unit("L1.1.0", 2), Unit("L2.1.0", 4)))
    assert (v.correct, v.expected, v.got, v.diagnosis) == (
        True, "matches the reference on 2 checks", "matches on 2 checks", "")
    v = judge_code(CODE, PROGRAM, REF, mine(Unit("L1.1.0", 2), Unit("L2.1.0", 4.00001)))
    assert not v.correct  # code cards: an int is not a float
    tol = CodeCard(id="c", kind="code", prompt="?", tests="assert f(1) == 2", reference="x",
                   rtol=0.1)
    ref = ok(Observation(units=(Unit("L1.1.0", 2.0), Unit("L2.1.0", 4.0))))
    assert judge_code(tol, PROGRAM, ref, mine(Unit("L1.1.0", 2.1), Unit("L2.1.0", 4.0))).correct
    assert not judge_code(CODE, PROGRAM, ref, mine(Unit("L1.1.0", 2.1), Unit("L2.1.0", 4.0))
                          ).correct  # the default: rtol 1e-4
    assert judge_code(CODE, PROGRAM, ref, mine(Unit("L1.1.0", 2.0001), Unit("L2.1.0", 4.0))
                      ).correct
    atol = CodeCard(id="c", kind="code", prompt="?", tests="t", reference="x", atol=0.5)
    ref0 = ok(Observation(units=(Unit("L1.1.0", 0.0), Unit("L2.1.0", 0.0))))
    assert judge_code(atol, PROGRAM, ref0, mine(Unit("L1.1.0", 0.4), Unit("L2.1.0", 0.0))
                      ).correct
    assert not judge_code(CODE, PROGRAM, ref0, mine(Unit("L1.1.0", 0.4), Unit("L2.1.0", 0.0))
                          ).correct


def test_a_code_answer_with_a_wrong_value() -> None:
    v = judge_code(CODE, PROGRAM, REF, mine(Unit("L1.1.0", 2), Unit("L2.1.0", 5)))
    assert (v.correct, v.expected, v.got, v.near_miss) == (False, "4", "5", False)
    assert v.diagnosis == "line 2: `f(2)`: values differ: expected 4, got 5 (off by 1, 25.00%)"
    v = judge_code(CODE, PROGRAM, REF, mine(Unit("L1.1.0", [2]), Unit("L2.1.0", 4)))
    assert v.diagnosis.startswith("line 1: `f(1)`: expected a number")
    near = ok(Observation(units=(Unit("L1.1.0", "ab"),)))
    v = judge_code(CODE, PROGRAM, near, mine(Unit("L1.1.0", " ab")))
    assert v.near_miss and v.diagnosis == "line 1: `f(1)`: differs only in surrounding whitespace"
    big = ok(Observation(units=(Unit("L1.1.0", "x" * 500),)))
    v = judge_code(CODE, PROGRAM, big, mine(Unit("L1.1.0", "y" * 500)))
    assert v.expected is not None and v.got is not None
    assert len(v.expected) == len(v.got) == 400


def test_a_code_answer_that_runs_other_checks() -> None:
    v = judge_code(CODE, PROGRAM, REF, mine(Unit("L1.1.0", 2)))
    assert (v.got, v.diagnosis) == ("fewer checks ran", "line 2: `f(2)`: never reached (your "
                                    "code stopped the checks early)")
    v = judge_code(CODE, PROGRAM, REF, mine(Unit("L1.1.0", 2), stopped=exc(line=3)))
    assert (v.got, v.diagnosis) == ("ValueError: bad", "line 3 `total = f(1) + f(2)` raised "
                                    "ValueError: bad")
    v = judge_code(CODE, PROGRAM, REF, mine(Unit("L1.1.0", 2),
                                            stopped=exc("MemoryError", "", line=3)))
    assert (v.status, v.diagnosis) == ("memory", "your code ran out of memory")
    v = judge_code(CODE, PROGRAM, REF, mine(Unit("L2.1.0", 4), Unit("L1.1.0", 2)))
    assert (v.got, v.diagnosis) == ("different checks ran", "line 1: `f(1)`: your code ran the "
                                    "checks in another order")
    v = judge_code(CODE, PROGRAM, REF, mine(Unit("L1.1.0", 2), Unit("L2.1.0", 4),
                                            Unit("L3.1.0", 1)))
    assert (v.correct, v.got, v.diagnosis) == (False, "more checks ran than the reference's",
                                               "your code changed how the checks ran")
    v = judge_code(CODE, PROGRAM, REF, mine(Unit("L1.1.0", 2), Unit("L2.1.0", 4),
                                            stopped=exc()))
    assert (v.correct, v.diagnosis) == (False, "your code changed how the checks ran")


def test_a_code_answer_that_raises() -> None:
    v = judge_code(CODE, PROGRAM, REF, mine(Unit("L1.1.0", raised=exc("KeyError", "'k'"))))
    assert (v.got, v.diagnosis) == ("KeyError: 'k'", "line 1: `f(1)` raised KeyError: 'k'")
    v = judge_code(CODE, PROGRAM, REF, mine(Unit("L1.1.0", raised=exc("MemoryError", ""))))
    assert (v.status, v.diagnosis) == ("memory", "line 1: `f(1)`: your code ran out of memory")
    v = judge_code(CODE, PROGRAM, REF, mine(raised=exc(line=1)))
    assert (v.status, v.got, v.diagnosis, v.expected) == (
        "ok", "ValueError: bad", "your code raised ValueError: bad",
        "matches the reference on 2 checks")
    v = judge_code(CODE, PROGRAM, REF, mine(raised=exc(phase="setup")))
    assert v.diagnosis == "the deck's setup raised ValueError: bad"
    v = judge_code(CODE, PROGRAM, REF, mine(raised=exc("MemoryError", "")))
    assert (v.status, v.diagnosis) == ("memory", "your code ran out of memory")
    v = judge_code(CODE, PROGRAM, REF, mine(syntax=SyntaxProblem(4, 2, "invalid syntax")))
    assert v.malformed and v.diagnosis == "syntax error in your code, line 4: invalid syntax"
    v = judge_code(CODE, PROGRAM, REF, Run("timeout"))
    assert (v.status, v.diagnosis) == ("timeout", "your code ran past its time limit")


def test_an_entry_that_is_not_defined() -> None:
    calls = program(entry="norm", lines={"I1": (0, "norm(...)")})
    ref = ok(Observation(units=(Unit("I1", 1.0, args=(1, "a")),)))
    missing = exc("KeyError", "'norm'")
    v = judge_code(CODE, calls, ref, mine(Unit("I1", raised=missing, args=(1, "a"))))
    assert (v.got, v.diagnosis) == ("no such function", "define a function named `norm`")
    v = judge_code(CODE, calls, ref, mine(Unit("I1", raised=exc("NameError", "name 'norm' is not "
                                                                "defined"))))
    assert v.diagnosis == "define a function named `norm`"
    v = judge_code(CODE, calls, ref, mine(Unit("I1", raised=exc("KeyError", "'other'"))))
    assert v.diagnosis == "norm(1, 'a') raised KeyError: 'other'"
    v = judge_code(CODE, calls, ref, mine(Unit("I1", raised=exc("TypeError", "norm() takes"))))
    assert v.diagnosis == "norm(1, 'a') raised TypeError: norm() takes"
    v = judge_code(CODE, PROGRAM, REF, mine(Unit("L1.1.0", raised=exc("KeyError", "'f'"))))
    assert v.diagnosis == "line 1: `f(1)` raised KeyError: 'f'"  # no entry: a plain error
    long_args = ok(Observation(units=(Unit("I1", 1.0, args=("x" * 60,)),)))
    v = judge_code(CODE, calls, long_args, mine(Unit("I1", 2.0)))
    assert v.diagnosis.startswith("norm('" + "x" * 36 + "...): values differ")


def test_a_reference_that_gives_no_truth() -> None:
    v = judge_code(CODE, PROGRAM, Run("timeout"), mine())
    assert (v.status, v.diagnosis) == ("timeout", "the card's reference: the card's reference "
                                       "ran past its time limit")
    bad = ok(Observation(syntax=SyntaxProblem(3, 1, "invalid syntax")))
    assert reference_problem(CODE, bad, PROGRAM).diagnosis == (  # type: ignore[union-attr]
        "the card's reference does not compile: line 3: invalid syntax")
    raised = ok(Observation(raised=exc(line=2)))
    assert reference_problem(CODE, raised, PROGRAM).diagnosis == (  # type: ignore[union-attr]
        "the card's reference raised ValueError: bad (line 2)")
    stopped = ok(Observation(stopped=exc(line=3)))
    assert reference_problem(CODE, stopped, PROGRAM).diagnosis == (  # type: ignore[union-attr]
        "the card's checks fail on its reference: line 3 `total = f(1) + f(2)` raised "
        "ValueError: bad")
    stopped = ok(Observation(stopped=exc(line=1)))  # the observation call is not shown
    assert reference_problem(CODE, stopped, PROGRAM).diagnosis == (  # type: ignore[union-attr]
        "the card's checks fail on its reference: line 1 raised ValueError: bad")
    stopped = ok(Observation(stopped=exc(line=None)))
    assert reference_problem(CODE, stopped, PROGRAM).diagnosis == (  # type: ignore[union-attr]
        "the card's checks fail on its reference: a check raised ValueError: bad")
    unit = ok(Observation(units=(Unit("L1.1.0", 2), Unit("L2.1.0", raised=exc()))))
    assert reference_problem(CODE, unit, PROGRAM).diagnosis == (  # type: ignore[union-attr]
        "the card's checks fail on its reference: line 2: `f(2)` raised ValueError: bad")
    calls = program(entry="f")
    unit = ok(Observation(units=(Unit("I1", raised=exc(), args=(3,)),)))
    v = reference_problem(CODE, unit, calls)
    assert v is not None and v.status == "error"
    assert v.diagnosis == "the card's reference f(3) raised ValueError: bad"
    assert reference_problem(CODE, REF, PROGRAM) is None
    v = judge_code(CODE, PROGRAM, unit, mine())
    assert v.diagnosis == "the card's checks fail on its reference: I1 raised ValueError: bad"


def test_long_statements_are_cut_in_the_diagnosis() -> None:
    long = program(statements=[(5, "x = " + "1 + " * 40 + "1\nmore")])
    stopped = ok(Observation(stopped=exc(line=5)))
    text = reference_problem(CODE, stopped, long).diagnosis  # type: ignore[union-attr]
    assert text == ("the card's checks fail on its reference: line 5 `" + ("x = " + "1 + " * 40)
                    [:100] + "` raised ValueError: bad")


# -- lint: the slice observes what the whole tests observe ---------------------------------------
def test_the_slice_must_observe_what_the_whole_tests_do() -> None:
    whole = ok(Observation(units=(Unit("L1.1.0", 2), Unit("L2.1.0", 4))))
    assert slice_problem(CODE, PROGRAM, whole, whole) is None
    sliced = ok(Observation(units=(Unit("L1.1.0", 2), Unit("L2.1.0", 5))))
    v = slice_problem(CODE, PROGRAM, sliced, whole)
    assert v is not None and v.status == "error"
    assert v.diagnosis == ("line 2: `f(2)` gives another value when the statements no check uses "
                           "are left out (they run only on the expected side): make the check "
                           "read what it depends on")
    other = ok(Observation(units=(Unit("L1.1.0", 2), Unit("L9.1.0", 4))))
    v = slice_problem(CODE, PROGRAM, other, whole)
    assert v is not None and v.diagnosis.startswith("line 2: `f(2)` gives another value")
    unknown = ok(Observation(units=(Unit("Z", 2),)))
    v = slice_problem(CODE, PROGRAM, unknown, ok(Observation(units=(Unit("Z", 3),))))
    assert v is not None and v.diagnosis.startswith("Z gives another value")
    fewer = ok(Observation(units=(Unit("L1.1.0", 2),)))
    v = slice_problem(CODE, PROGRAM, fewer, whole)
    assert v is not None and v.diagnosis == ("the checks observe other values when the "
                                             "statements no check uses are left out")
    v = slice_problem(CODE, PROGRAM, Run("crashed"), whole)
    assert v is not None and v.status == "crashed"
    v = slice_problem(CODE, PROGRAM, whole, Run("timeout"))
    assert v is not None and v.status == "timeout"
    close = ok(Observation(units=(Unit("L1.1.0", 2.0), Unit("L2.1.0", 4.0))))
    nearly = ok(Observation(units=(Unit("L1.1.0", 2.0), Unit("L2.1.0", 4.0001))))
    assert slice_problem(CODE, PROGRAM, nearly, close) is None  # within the code tolerance
    loose = CodeCard(id="c", kind="code", prompt="?", tests="t", reference="x", rtol=0.1,
                     atol=0.0)
    far = ok(Observation(units=(Unit("L1.1.0", 2.0), Unit("L2.1.0", 4.2))))
    assert slice_problem(loose, PROGRAM, far, close) is None
    assert slice_problem(CODE, PROGRAM, far, close) is not None

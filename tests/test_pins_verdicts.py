"""Pins for the judge's verdicts on hand-made runs (checker/judge.py): what a worker's reply
becomes, runs that give no truth, typed answers of each kind, a code card's units against the
reference's, the slice lint compares, choice and recall. No code runs here: the runs are
built as the worker would report them, and each verdict is compared whole (its kind, the
run's times and isolation too).

Each test here was seen to fail with a one-token change of the code it pins (issue 17)."""

from __future__ import annotations

import math
from collections.abc import Callable
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
    unreadable,
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
from quizcards.core.models import (
    ChoiceCard,
    CodeCard,
    OutputCard,
    RaisesCard,
    RecallCard,
    ShapeCard,
    ValueCard,
)
from quizcards.core.verdict import Verdict

SHAPE = ShapeCard(id="s", kind="shape", prompt="?", code="result = x")
VALUE = ValueCard(id="v", kind="value", prompt="?", code="result = x")
OUTPUT = OutputCard(id="o", kind="output", prompt="?", code="print(x)")
RAISES = RaisesCard(id="r", kind="raises", prompt="?", code="x", accept=["LookupError"])
CODE = CodeCard(id="c", kind="code", prompt="?", tests="assert f(1) == 2",
                reference="def f(x):\n    return 2 * x")
ISO = {"landlock": True, "seccomp": True}
EXTRA = {"isolation": ISO, "child_ms": 4.5}  # what a verdict of ok() carries


def exc(type_: str = "ValueError", message: str = "bad", line: int | None = None,
        phase: str = "code", bases: tuple[str, ...] = ("Exception", "BaseException")
        ) -> ExcInfo:
    return ExcInfo(type_, "builtins", (type_, *bases), message, line, phase)


def ok(**obs: Any) -> Run:
    """A finished run (3 ms, the child 4.5 ms) that saw `obs`."""
    return Run("ok", Observation(ms=4.5, **obs), "", dict(ISO), 3.0)


def v(kind: str, **fields: Any) -> Verdict:
    """The verdict expected from an ok() run."""
    return Verdict(kind, elapsed_ms=3.0, extra=dict(EXTRA), **fields)


def truth(run: Run) -> Callable[[], Run]:
    return lambda: run


# -- the worker's reply ------------------------------------------------------------------------
def test_a_reply_becomes_a_run() -> None:
    obs = {"v": 1, "has_result": True, "result": 2, "ms": 1.5}
    run = Run.from_reply({"status": "ok", "observation": dumps(obs).decode(), "isolation": ISO,
                          "elapsed_ms": 7.0, "diagnosis": None})
    assert (run.status, run.diagnosis, run.isolation, run.elapsed_ms) == ("ok", "", ISO, 7.0)
    assert run.observation == Observation(has_result=True, result=2, ms=1.5)


def test_replies_that_give_no_observation() -> None:
    run = Run.from_reply({"status": "ok", "observation": None, "isolation": ISO,
                          "elapsed_ms": 5.0})
    assert (run.status, run.observation, run.diagnosis, run.isolation, run.elapsed_ms) == (
        "crashed", None, "the check sent no result", ISO, None)
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


# -- runs that give no truth -----------------------------------------------------------------
def test_runs_that_did_not_finish() -> None:
    timeout = Run("timeout", None, "", dict(ISO), 2100.0)
    assert truth_only(SHAPE, timeout) == Verdict(
        "shape", status="timeout", diagnosis="the card's code ran past its time limit",
        elapsed_ms=2100.0, extra={"isolation": ISO})
    assert truth_only(VALUE, Run("crashed")) == Verdict(
        "value", status="crashed",
        diagnosis="the card's code ended without sending a result (the sandbox's child died)")
    assert truth_only(SHAPE, Run("crashed", diagnosis="killed by signal 9")) == Verdict(
        "shape", status="crashed", diagnosis="killed by signal 9")
    assert truth_only(SHAPE, Run("error", isolation=dict(ISO), elapsed_ms=1.0)) == Verdict(
        "shape", status="error", diagnosis="not run", elapsed_ms=1.0, extra={"isolation": ISO})
    assert truth_only(OUTPUT, Run("error", diagnosis="worker gone")) == Verdict(
        "output", status="error", diagnosis="worker gone")
    assert truth_only(SHAPE, Run("ok")) == Verdict("shape", status="error", diagnosis="not run")
    assert truth_only(SHAPE, Run("weird", Observation(ms=2.0))) == Verdict(
        "shape", status="error", diagnosis="not run", extra={"child_ms": 2.0})


def test_a_refused_run_says_how_to_opt_in() -> None:
    iso = {"landlock": True, "seccomp": False, "missing": {"seccomp": "no filter support"}}
    assert truth_only(VALUE, Run("refused", isolation=iso, elapsed_ms=0.5)) == Verdict(
        "value", status="error", diagnosis=opt_in_message(iso), elapsed_ms=0.5,
        extra={"isolation": iso})
    assert opt_in_message(iso).startswith("not run: this machine's sandbox lacks seccomp (no "
                                          "filter support)")


def test_output_over_the_cap_is_a_crash() -> None:
    assert truth_only(VALUE, ok(stdout="x", stdout_cut=True)) == v(
        "value", status="crashed", diagnosis="the card's code printed more than 1024 KiB")


def test_memory_errors() -> None:
    assert is_memory(ExcInfo("MemoryError", "builtins", ("Exception",), ""))
    assert is_memory(ExcInfo("OutOfMemoryError", "torch", ("OutOfMemoryError", "MemoryError"),
                             ""))
    for text in ("[enforce fail at alloc_cpu.cpp] DefaultCPUAllocator: failed",
                 "can't allocate memory: you tried to allocate 8 GB", "not enough memory"):
        assert is_memory(exc("RuntimeError", text))
    assert not is_memory(exc("RuntimeError", "shape mismatch"))
    assert not is_memory(exc("ValueError", "can't allocate memory"))
    assert truth_only(VALUE, ok(raised=exc("MemoryError", "", 2))) == v(
        "value", status="memory", diagnosis="the card's code ran out of memory (MemoryError)")


def test_what_the_card_raised() -> None:
    assert truth_only(VALUE, ok(raised=exc(line=3))) == v(
        "value", status="error", diagnosis="the card's code raised ValueError: bad (line 3)")
    assert truth_only(SHAPE, ok(raised=exc(line=None))) == v(
        "shape", status="error", diagnosis="the card's code raised ValueError: bad")
    assert truth_only(VALUE, ok(raised=exc(line=2, phase="setup"))) == v(
        "value", status="error", diagnosis="the deck's setup raised ValueError: bad (line 2)")
    assert truth_only(VALUE, ok(raised=exc(line=0))).diagnosis == (
        "the card's code raised ValueError: bad")
    assert truth_only(VALUE, ok(raised=exc(line=4, phase="check"))) == v(  # a child's report
        "value", status="error", diagnosis="the card's code raised ValueError: bad (line 4)")


def test_the_truth_of_each_kind() -> None:
    assert truth_only(SHAPE, ok(has_result=True, shape=(2, 3))) == v("shape", expected="(2, 3)")
    assert truth_only(SHAPE, ok(has_result=True, shape=())) == v("shape", expected="()")
    assert truth_only(VALUE, ok(has_result=True, result=[0.5, 2])) == v("value",
                                                                        expected="[0.5, 2]")
    assert truth_only(OUTPUT, ok(stdout="a  \nb\n\n")) == v("output", expected="a\nb")
    assert truth_only(RAISES, ok(raised=exc(message="m"))) == v(
        "raises", expected="ValueError", diagnosis="ValueError: m")
    assert truth_only(RAISES, ok()) == v("raises", expected="none",
                                         diagnosis="it runs without raising")


def test_a_truth_that_is_not_data_or_missing() -> None:
    assert truth_only(VALUE, ok(has_result=True, result=OpaqueValue("a.b.Gen", "<g>"))) == v(
        "value", status="error", diagnosis="the card's `result` is not a value a learner can "
        "type (an object of type Gen): set it to data")
    assert truth_only(VALUE, ok()) == v("value", status="error",
                                        diagnosis="the card's code must set `result`")
    assert truth_only(SHAPE, ok(has_result=True, shape=None, result_type="int")) == v(
        "shape", status="error", diagnosis="the card's code must set `result` to a tensor or "
        "array (got int)")
    long = truth_only(VALUE, ok(has_result=True, result="y" * 500))
    assert long.expected == "'" + "y" * 396 + "..." and len(long.expected) == 400
    edge = truth_only(VALUE, ok(has_result=True, result="y" * 398))
    assert edge.expected == "'" + "y" * 398 + "'"  # exactly 400 characters: whole
    long_out = truth_only(OUTPUT, ok(stdout="z" * 401))
    assert long_out.expected == "z" * 397 + "..."


# -- typed answers of each kind ----------------------------------------------------------------
def test_shape_answers() -> None:
    run = ok(has_result=True, shape=(3, 4))
    assert judge_typed(SHAPE, truth(run), "3x4") == v(
        "shape", correct=True, expected="(3, 4)", got="(3, 4)")
    assert judge_typed(SHAPE, truth(run), "(4, 3)") == v(
        "shape", expected="(3, 4)", got="(4, 3)", diagnosis="right dims, wrong order",
        near_miss=True)
    assert judge_typed(SHAPE, truth(run), "two") == Verdict(
        "shape", status="error", malformed=True, diagnosis="cannot read 'two' as a shape: 'two' "
        "is not a size (write e.g. (3, 4), 3x4 or torch.Size([3, 4]); () for a scalar)")
    assert judge_typed(SHAPE, truth(Run("timeout")), "(2,)") == Verdict(
        "shape", status="timeout", diagnosis="the card's code ran past its time limit")


def test_the_truth_is_asked_for_only_for_a_readable_answer() -> None:
    asked: list[int] = []

    def counted() -> Run:
        asked.append(1)
        return ok(has_result=True, shape=(2,))

    assert judge_typed(SHAPE, counted, "(2,)").correct and asked == [1]
    assert judge_typed(SHAPE, counted, "two").malformed and asked == [1]
    assert judge_typed(VALUE, counted, "2 +").malformed and asked == [1]
    assert judge_typed(RAISES, counted, "it broke").malformed and asked == [1]


def test_why_an_answer_is_unreadable_without_running_code() -> None:
    assert unreadable(SHAPE, "(2, 7)") is None
    assert unreadable(SHAPE, "2 by 7") == (
        "cannot read '2 by 7' as a shape: 'by' is not a size (write e.g. (3, 4), 3x4 or "
        "torch.Size([3, 4]); () for a scalar)")
    assert unreadable(VALUE, "KeyError") is None  # an exception guess is readable
    assert unreadable(RAISES, "it broke") == (
        "cannot read 'it broke' as an exception name (write e.g. RuntimeError, or none if "
        "nothing is raised)")
    assert unreadable(OUTPUT, "anything at all") is None


def test_value_answers() -> None:
    run = ok(has_result=True, result=2.5)
    assert judge_typed(VALUE, truth(run), "2.5") == v(
        "value", correct=True, expected="2.5", got="2.5")
    assert judge_typed(VALUE, truth(run), "[2.5]") == v(
        "value", expected="2.5", got="[2.5]", diagnosis="expected a number (2.5), got a list "
        "([2.5])")
    assert judge_typed(VALUE, truth(run), "2 +") == Verdict(
        "value", status="error", malformed=True, diagnosis="cannot read '2 +' as a value: "
        "invalid syntax (write e.g. tensor([1., 2.]), 3, True, [[1, 2]], float('nan') or "
        "'text' in quotes)")
    assert judge_typed(VALUE, truth(Run("crashed")), "3").status == "crashed"
    long = ok(has_result=True, result="q" * 500)
    assert judge_typed(VALUE, truth(long), "'" + "q" * 500 + "'").got == "'" + "q" * 396 + "..."


def test_a_value_answer_naming_an_exception() -> None:
    run = ok(has_result=True, result=2.5)
    for typed, name in (("RuntimeError", "RuntimeError"), ("a.b.CustomError()", "CustomError")):
        assert judge_typed(VALUE, truth(run), f"  {typed} ") == v(
            "value", expected="2.5", got=name, diagnosis=f"no exception: you expected {name}, "
            "but the code runs and gives 2.5")
    assert judge_typed(VALUE, truth(Run("crashed")), "KeyError") == Verdict(
        "value", status="crashed",
        diagnosis="the card's code ended without sending a result (the sandbox's child died)")


def test_a_value_cards_own_tolerances() -> None:
    run = ok(has_result=True, result=10.0)
    loose = ValueCard(id="v", kind="value", prompt="?", code="x", rtol=0.0, atol=0.5)
    assert judge_typed(loose, truth(run), "10.4").correct
    assert not judge_typed(VALUE, truth(run), "10.4").correct
    relative = ValueCard(id="v", kind="value", prompt="?", code="x", rtol=0.1, atol=0.0)
    assert judge_typed(relative, truth(run), "10.9").correct
    pi = ok(has_result=True, result=math.pi)
    two = ValueCard(id="v", kind="value", prompt="?", code="x", rtol=0.0, atol=1e-9)
    four = ValueCard(id="v", kind="value", prompt="?", code="x", rtol=0.0, atol=1e-9,
                     decimals=4)
    assert judge_typed(two, truth(pi), "3.14").correct  # rounded to the 2 decimals it wants
    assert judge_typed(four, truth(pi), "3.14").diagnosis == ("right to 2 decimals, the card "
                                                              "wants 4")
    tensor = ok(has_result=True, result=TensorValue("tensor", "int64", (1,), (1,)))
    dtype = ValueCard(id="v", kind="value", prompt="?", code="x", check_dtype=True)
    assert judge_typed(VALUE, truth(tensor), "tensor([1.])").correct
    assert judge_typed(dtype, truth(tensor), "tensor([1.])").diagnosis == (
        "dtype differs: expected int64, got float32")


def test_output_answers() -> None:
    run = ok(stdout="a\nb\n")
    assert judge_typed(OUTPUT, truth(run), "a  \nb\n\n") == v(
        "output", correct=True, expected="a\nb", got="a\nb")
    assert judge_typed(OUTPUT, truth(run), "a b") == v(
        "output", expected="a\nb", got="a b", diagnosis="same words, different spacing or line "
        "breaks", near_miss=True)
    wide = ok(stdout="w" * 500)
    assert judge_typed(OUTPUT, truth(wide), "v" * 500) == v(
        "output", expected="w" * 397 + "...", got="v" * 397 + "...",
        diagnosis=f"line 1 differs: expected {'w' * 120!r}, got {'v' * 120!r}")
    assert judge_typed(OUTPUT, truth(Run("timeout")), "a").status == "timeout"


def test_raises_answers() -> None:
    raised = ok(raised=exc("KeyError", "'k'", bases=("LookupError", "Exception")))
    assert judge_typed(RAISES, truth(raised), "keyerror") == v(
        "raises", correct=True, expected="KeyError", got="KeyError", diagnosis="KeyError: 'k'")
    assert judge_typed(RAISES, truth(raised), "lookuperror") == v(  # the card accepts it
        "raises", correct=True, expected="KeyError", got="LookupError", diagnosis="KeyError: 'k'")
    assert judge_typed(RAISES, truth(raised), "Exception") == v(
        "raises", expected="KeyError", got="Exception", diagnosis="it raises KeyError: 'k' "
        "(Exception is a base class of it)", near_miss=True)
    assert judge_typed(RAISES, truth(ok()), "none") == v(
        "raises", correct=True, expected="none", got="none", diagnosis="it runs without raising")
    assert judge_typed(RAISES, truth(ok()), "IndexError") == v(
        "raises", expected="none", got="IndexError",
        diagnosis="the code does not raise; you said IndexError")
    assert judge_typed(RAISES, truth(raised), "it broke") == Verdict(
        "raises", status="error", malformed=True, diagnosis="cannot read 'it broke' as an "
        "exception name (write e.g. RuntimeError, or none if nothing is raised)")
    assert judge_typed(RAISES, truth(Run("timeout")), "none") == Verdict(
        "raises", status="timeout", diagnosis="the card's code ran past its time limit")


def test_a_raises_card_whose_setup_or_memory_fails() -> None:
    setup = ok(raised=exc(line=1, phase="setup"))
    assert judge_typed(RAISES, truth(setup), "ValueError") == v(
        "raises", status="error", diagnosis="the deck's setup raised ValueError: bad (line 1)")
    memory = ok(raised=exc("MemoryError", ""))
    assert judge_typed(RAISES, truth(memory), "MemoryError") == v(
        "raises", status="memory", diagnosis="the card's code ran out of memory (MemoryError)")
    accepts = RaisesCard(id="r", kind="raises", prompt="?", code="x", accept=["MemoryError"])
    assert judge_typed(accepts, truth(memory), "MemoryError") == v(
        "raises", correct=True, expected="MemoryError", got="MemoryError",
        diagnosis="MemoryError")


# -- fractions: the precision hint ---------------------------------------------------------
def test_has_fractions() -> None:
    for value in (1.5, -0.25, [1, [2.5]], (1, 0.5), {0.5}, frozenset({1.5}), {"a": 0.5},
                  NamedValue("T", ("a",), (0.5,)), TensorValue("tensor", "float32", (2,),
                                                               (1.0, 2.5))):
        assert has_fractions(value), value
    for whole in (2.0, 3, True, math.inf, math.nan, "0.5", None, [1, 2.0], {"a": 1.0},
                  {0.5: 1}, TensorValue("tensor", "float32", (2,), (1.0, 2.0)),
                  TensorValue("tensor", "float32", (300,), None, "d"),
                  NamedValue("T", ("a",), (1,))):
        assert not has_fractions(whole), whole


# -- choice and recall ------------------------------------------------------------------------
def choice(correct: list[str], options: int = 4) -> ChoiceCard:
    return ChoiceCard(id="q", kind="choice", prompt="?", options=[f"o{i}" for i in range(options)],
                      correct=correct)


def test_choice_verdicts() -> None:
    assert judge_choice(choice(["A", "c"]), "c, a") == Verdict(
        "choice", correct=True, expected="a, c", got="a, c")
    assert judge_choice(choice(["a", "c"]), "a") == Verdict(
        "choice", expected="a, c", got="a", diagnosis="missed c) o2", near_miss=True)
    assert judge_choice(choice(["a", "c"]), "a, c, d") == Verdict(
        "choice", expected="a, c", got="a, c, d", diagnosis="not d) o3", near_miss=True)
    assert judge_choice(choice(["a", "c"]), "b, d").diagnosis == (
        "missed a) o0, c) o2; not b) o1, d) o3")
    assert not judge_choice(choice(["a", "c"]), "b, d").near_miss
    assert judge_choice(choice(["a", "c"]), "a, b").diagnosis == "missed c) o2; not b) o1"
    assert not judge_choice(choice(["a", "c"]), "a, b").near_miss
    assert judge_choice(choice(["b"]), "a") == Verdict(
        "choice", expected="b", got="a", diagnosis="missed b) o1; not a) o0")
    assert judge_choice(choice(["b"]), "a, b") == Verdict(  # one right answer: never near
        "choice", expected="b", got="a, b", diagnosis="not a) o0")
    assert judge_choice(choice(["b"]), "z") == Verdict(
        "choice", status="error", malformed=True, expected="b",
        diagnosis="cannot read 'z' as option letters (choose from a, b, c, d; e.g. 'a' or "
        "'a, c')")


def recall(answer: str) -> RecallCard:
    return RecallCard(id="r", kind="recall", prompt="?", answer=answer)


def test_recall_verdicts() -> None:
    card = recall("The gradient is accumulated, not replaced.")
    assert judge_recall(card, "  ") == Verdict("recall", expected=card.answer, got="",
                                               diagnosis="revealed", self_graded=True)
    typed = "the GRADIENT is accumulated not replaced!"
    assert judge_recall(card, typed) == Verdict(
        "recall", correct=True, expected=card.answer, got=typed, self_graded=True,
        extra={"coverage": 1.0, "shared": ["accumulated", "gradient", "replaced"]})
    assert judge_recall(card, " gradients get accumulated ") == Verdict(
        "recall", expected=card.answer, got="gradients get accumulated", self_graded=True,
        diagnosis="your words cover 33% of the model answer: compare and grade yourself",
        extra={"coverage": 0.333, "shared": ["accumulated"]})
    v2 = judge_recall(recall("it is the one"), "it is")
    assert v2.extra["coverage"] == 0.0 and not v2.correct
    v3 = judge_recall(recall("it is"), "It is")
    assert v3.correct and v3.extra["coverage"] == 1.0  # nothing but stop words: word for word
    assert words("Don't stop_me now") == ["don", "t", "stop_me", "now"]
    assert content_words("The grad is not None") == {"grad", "none"}


# -- a code card's units ----------------------------------------------------------------------
def program(entry: str | None = None, lines: dict[str, tuple[int, str]] | None = None,
            statements: list[tuple[int, str]] | None = None) -> Program:
    units = {k: UnitInfo(line, src, src) for k, (line, src) in (lines or {}).items()}
    return Program([{"line": n, "src": s} for n, s in statements or []], units, entry)


PROGRAM = program(lines={"L1.1.0": (1, "f(1)"), "L2.1.0": (2, "f(2)")},
                  statements=[(1, "__qc_cmp__('L1.1', (lambda: f(1), None), ('Eq',))"),
                              (2, "__qc_cmp__('L2.1', (lambda: f(2), None), ('Eq',))"),
                              (3, "total = f(1) + f(2)")])
EXPECTED = "matches the reference on 2 checks"
REF_EXTRA = {"isolation": ISO, "child_ms": 1.0}


def reference(*units: Unit, **obs: Any) -> Run:
    """The reference's run (9 ms, the child 1 ms)."""
    return Run("ok", Observation(units=units, ms=1.0, **obs), "", dict(ISO), 9.0)


def r(**fields: Any) -> Verdict:
    """The verdict expected from a reference() run."""
    return Verdict("code", elapsed_ms=9.0, extra=dict(REF_EXTRA), **fields)


REF = reference(Unit("L1.1.0", 2), Unit("L2.1.0", 4))


def mine(*units: Unit, **obs: Any) -> Run:
    return ok(units=units, **obs)


def test_a_code_answer_matching_the_reference() -> None:
    assert judge_code(CODE, PROGRAM, REF, mine(Unit("L1.1.0", 2), Unit("L2.1.0", 4))) == v(
        "code", correct=True, expected=EXPECTED, got="matches on 2 checks")
    assert not judge_code(CODE, PROGRAM, REF, mine(Unit("L1.1.0", 2), Unit("L2.1.0", 4.00001))
                          ).correct  # code cards: an int is not a float
    tol = CodeCard(id="c", kind="code", prompt="?", tests="t", reference="x", rtol=0.1)
    ref = reference(Unit("L1.1.0", 2.0), Unit("L2.1.0", 4.0))
    assert judge_code(tol, PROGRAM, ref, mine(Unit("L1.1.0", 2.1), Unit("L2.1.0", 4.0))).correct
    assert not judge_code(CODE, PROGRAM, ref, mine(Unit("L1.1.0", 2.1), Unit("L2.1.0", 4.0))
                          ).correct  # the default: rtol 1e-4
    assert judge_code(CODE, PROGRAM, ref, mine(Unit("L1.1.0", 2.0001), Unit("L2.1.0", 4.0))
                      ).correct
    atol = CodeCard(id="c", kind="code", prompt="?", tests="t", reference="x", atol=0.5)
    ref0 = reference(Unit("L1.1.0", 0.0), Unit("L2.1.0", 0.0))
    assert judge_code(atol, PROGRAM, ref0, mine(Unit("L1.1.0", 0.4), Unit("L2.1.0", 0.0))
                      ).correct
    assert not judge_code(CODE, PROGRAM, ref0, mine(Unit("L1.1.0", 0.4), Unit("L2.1.0", 0.0))
                          ).correct


def test_a_code_answer_with_a_wrong_value() -> None:
    assert judge_code(CODE, PROGRAM, REF, mine(Unit("L1.1.0", 2), Unit("L2.1.0", 5))) == v(
        "code", expected="4", got="5",
        diagnosis="line 2: `f(2)`: values differ: expected 4, got 5 (off by 1, 25.00%)")
    near = reference(Unit("L1.1.0", "ab"))
    assert judge_code(CODE, PROGRAM, near, mine(Unit("L1.1.0", " ab"))) == v(
        "code", expected="'ab'", got="' ab'", near_miss=True,
        diagnosis="line 1: `f(1)`: differs only in surrounding whitespace")
    big = reference(Unit("L1.1.0", "x" * 500))
    wrong = judge_code(CODE, PROGRAM, big, mine(Unit("L1.1.0", "y" * 500)))
    assert wrong.expected == "'" + "x" * 396 + "..." and wrong.got == "'" + "y" * 396 + "..."


def test_a_code_answer_that_runs_other_checks() -> None:
    assert judge_code(CODE, PROGRAM, REF, mine(Unit("L1.1.0", 2))) == v(
        "code", expected=EXPECTED, got="fewer checks ran",
        diagnosis="line 2: `f(2)`: never reached (your code stopped the checks early)")
    assert judge_code(CODE, PROGRAM, REF, mine(Unit("L1.1.0", 2), stopped=exc(line=3))) == v(
        "code", expected=EXPECTED, got="ValueError: bad",
        diagnosis="line 3 `total = f(1) + f(2)` raised ValueError: bad")
    assert judge_code(CODE, PROGRAM, REF, mine(Unit("L1.1.0", 2),
                                               stopped=exc("MemoryError", "", line=3))) == v(
        "code", status="memory", diagnosis="your code ran out of memory")
    assert judge_code(CODE, PROGRAM, REF, mine(Unit("L2.1.0", 4), Unit("L1.1.0", 2))) == v(
        "code", expected=EXPECTED, got="different checks ran",
        diagnosis="line 1: `f(1)`: your code ran the checks in another order")
    more = v("code", expected=EXPECTED, got="more checks ran than the reference's",
             diagnosis="your code changed how the checks ran")
    assert judge_code(CODE, PROGRAM, REF, mine(Unit("L1.1.0", 2), Unit("L2.1.0", 4),
                                               Unit("L3.1.0", 1))) == more
    assert judge_code(CODE, PROGRAM, REF, mine(Unit("L1.1.0", 2), Unit("L2.1.0", 4),
                                               stopped=exc())) == more
    long = judge_code(CODE, PROGRAM, REF, mine(Unit("L1.1.0", raised=exc(message="m" * 500))))
    assert long.got is not None and len(long.got) == 400 and long.got.endswith("...")


def test_a_code_answer_that_raises() -> None:
    assert judge_code(CODE, PROGRAM, REF, mine(Unit("L1.1.0", raised=exc("KeyError", "'k'")))
                      ) == v("code", expected=EXPECTED, got="KeyError: 'k'",
                             diagnosis="line 1: `f(1)` raised KeyError: 'k'")
    assert judge_code(CODE, PROGRAM, REF, mine(Unit("L1.1.0", raised=exc("MemoryError", "")))
                      ) == v("code", status="memory",
                             diagnosis="line 1: `f(1)`: your code ran out of memory")
    assert judge_code(CODE, PROGRAM, REF, mine(raised=exc(line=1))) == v(
        "code", expected=EXPECTED, got="ValueError: bad",
        diagnosis="your code raised ValueError: bad")
    assert judge_code(CODE, PROGRAM, REF, mine(raised=exc(phase="setup"))).diagnosis == (
        "the deck's setup raised ValueError: bad")
    assert judge_code(CODE, PROGRAM, REF, mine(raised=exc("MemoryError", ""))) == v(
        "code", status="memory", diagnosis="your code ran out of memory")
    assert judge_code(CODE, PROGRAM, REF, mine(syntax=SyntaxProblem(4, 2, "invalid syntax"))
                      ) == Verdict("code", status="error", malformed=True,
                                   diagnosis="syntax error in your code, line 4: invalid syntax")
    assert judge_code(CODE, PROGRAM, REF, Run("timeout", None, "", dict(ISO), 2000.0)) == Verdict(
        "code", status="timeout", diagnosis="your code ran past its time limit",
        elapsed_ms=2000.0, extra={"isolation": ISO})


def test_an_entry_that_is_not_defined() -> None:
    calls = program(entry="norm", lines={"I1": (0, "norm(...)")})
    ref = reference(Unit("I1", 1.0, args=(1, "a")))
    missing = v("code", expected="matches the reference on 1 checks", got="no such function",
                diagnosis="define a function named `norm`")
    assert judge_code(CODE, calls, ref, mine(Unit("I1", raised=exc("KeyError", "'norm'")))
                      ) == missing
    assert judge_code(CODE, calls, ref, mine(Unit("I1", raised=exc(
        "NameError", "name 'norm' is not defined")))) == missing
    assert judge_code(CODE, calls, ref, mine(Unit("I1", raised=exc("KeyError", "'other'")))
                      ).diagnosis == "norm(1, 'a') raised KeyError: 'other'"
    assert judge_code(CODE, calls, ref, mine(Unit("I1", raised=exc("TypeError", "norm() takes")))
                      ).diagnosis == "norm(1, 'a') raised TypeError: norm() takes"
    assert judge_code(CODE, PROGRAM, REF, mine(Unit("L1.1.0", raised=exc("KeyError", "'f'")))
                      ).diagnosis == "line 1: `f(1)` raised KeyError: 'f'"  # no entry
    long_args = reference(Unit("I1", 1.0, args=("x" * 60,)))
    assert judge_code(CODE, calls, long_args, mine(Unit("I1", 2.0))).diagnosis.startswith(
        "norm('" + "x" * 36 + "...): values differ")
    bare = program(entry="f")
    assert judge_code(CODE, bare, reference(Unit("I1", 1)), mine(Unit("I1", 2))).diagnosis == (
        "f(): values differ: expected 1, got 2 (off by 1, 100.00%)")


def test_a_reference_that_gives_no_truth() -> None:
    assert judge_code(CODE, PROGRAM, Run("timeout", None, "", dict(ISO), 5.0), mine()) == Verdict(
        "code", status="timeout", elapsed_ms=5.0, extra={"isolation": ISO},
        diagnosis="the card's reference: the card's reference ran past its time limit")
    assert reference_problem(reference(syntax=SyntaxProblem(3, 1, "bad")), PROGRAM) == r(
        status="error", diagnosis="the card's reference does not compile: line 3: bad")
    assert reference_problem(reference(raised=exc(line=2)), PROGRAM) == r(
        status="error", diagnosis="the card's reference raised ValueError: bad (line 2)")
    assert reference_problem(reference(stopped=exc(line=3)), PROGRAM) == r(
        status="error", diagnosis="the card's checks fail on its reference: line 3 `total = "
        "f(1) + f(2)` raised ValueError: bad")
    assert reference_problem(reference(stopped=exc(line=1)), PROGRAM) == r(
        status="error", diagnosis="the card's checks fail on its reference: line 1 raised "
        "ValueError: bad")  # the observation call itself is not shown
    assert reference_problem(reference(stopped=exc(line=None)), PROGRAM) == r(
        status="error", diagnosis="the card's checks fail on its reference: a check raised "
        "ValueError: bad")
    assert reference_problem(reference(Unit("L1.1.0", 2), Unit("L2.1.0", raised=exc())),
                             PROGRAM) == r(
        status="error", diagnosis="the card's checks fail on its reference: line 2: `f(2)` "
        "raised ValueError: bad")
    assert reference_problem(reference(Unit("I1", raised=exc(), args=(3,))),
                             program(entry="f")) == r(
        status="error", diagnosis="the card's reference f(3) raised ValueError: bad")
    assert reference_problem(REF, PROGRAM) is None
    assert judge_code(CODE, PROGRAM, reference(Unit("I1", raised=exc())), mine()).diagnosis == (
        "the card's checks fail on its reference: I1 raised ValueError: bad")


def test_long_statements_are_cut_in_the_diagnosis() -> None:
    long = program(statements=[(5, "x = " + "1 + " * 40 + "1\nmore")])
    text = reference_problem(reference(stopped=exc(line=5)), long)
    assert text is not None and text.diagnosis == (
        "the card's checks fail on its reference: line 5 `" + ("x = " + "1 + " * 40)[:100]
        + "` raised ValueError: bad")


# -- lint: the slice observes what the whole tests observe -----------------------------------
SLICE_ERROR = ("gives another value when the statements no check uses are left out (they run "
               "only on the expected side): make the check read what it depends on")


def test_the_slice_must_observe_what_the_whole_tests_do() -> None:
    whole = reference(Unit("L1.1.0", 2), Unit("L2.1.0", 4))
    assert slice_problem(CODE, PROGRAM, whole, whole) is None
    sliced = ok(units=(Unit("L1.1.0", 2), Unit("L2.1.0", 5)))
    assert slice_problem(CODE, PROGRAM, sliced, whole) == v(
        "code", status="error", diagnosis=f"line 2: `f(2)` {SLICE_ERROR}")
    other = ok(units=(Unit("L1.1.0", 2), Unit("L9.1.0", 4)))
    assert slice_problem(CODE, PROGRAM, other, whole) == v(
        "code", status="error", diagnosis=f"line 2: `f(2)` {SLICE_ERROR}")
    unknown = slice_problem(CODE, PROGRAM, ok(units=(Unit("Z", 2),)),
                            reference(Unit("Z", 3)))
    assert unknown is not None and unknown.diagnosis == f"Z {SLICE_ERROR}"
    assert slice_problem(CODE, PROGRAM, ok(units=(Unit("L1.1.0", 2),)), whole) == v(
        "code", status="error", diagnosis="the checks observe other values when the "
        "statements no check uses are left out")
    assert slice_problem(CODE, PROGRAM, ok(units=(Unit("L1.1.0", 2.0), Unit("L2.1.0", 4))),
                         whole) is not None  # strict types: 2.0 is not 2


def test_the_slice_is_checked_on_both_runs() -> None:
    whole = reference(Unit("L1.1.0", 2), Unit("L2.1.0", 4))
    crashed = slice_problem(CODE, PROGRAM, Run("crashed"), whole)
    assert crashed is not None and crashed.status == "crashed"
    timeout = slice_problem(CODE, PROGRAM, whole, Run("timeout"))
    assert timeout is not None and timeout.status == "timeout"
    stopped = slice_problem(CODE, PROGRAM, ok(stopped=exc(line=3)), whole)
    assert stopped is not None and stopped.diagnosis == (
        "the card's checks fail on its reference: line 3 `total = f(1) + f(2)` raised "
        "ValueError: bad")


def test_the_slice_compares_within_the_cards_tolerance() -> None:
    close = reference(Unit("L1.1.0", 2.0), Unit("L2.1.0", 4.0))
    nearly = ok(units=(Unit("L1.1.0", 2.0), Unit("L2.1.0", 4.0001)))
    assert slice_problem(CODE, PROGRAM, nearly, close) is None  # the code tolerance
    far = ok(units=(Unit("L1.1.0", 2.0), Unit("L2.1.0", 4.2)))
    loose = CodeCard(id="c", kind="code", prompt="?", tests="t", reference="x", rtol=0.1,
                     atol=0.0)
    assert slice_problem(loose, PROGRAM, far, close) is None
    assert slice_problem(CODE, PROGRAM, far, close) is not None
    zero = reference(Unit("L1.1.0", 0.0), Unit("L2.1.0", 0.0))
    off = ok(units=(Unit("L1.1.0", 0.4), Unit("L2.1.0", 0.0)))
    absolute = CodeCard(id="c", kind="code", prompt="?", tests="t", reference="x", atol=0.5)
    assert slice_problem(absolute, PROGRAM, off, zero) is None
    assert slice_problem(CODE, PROGRAM, off, zero) is not None

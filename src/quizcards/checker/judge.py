"""The judge: a truth (what the card's code gave, as data) and an answer -> a Verdict.

Runs only on the trusted side, in a process that never ran card or learner code. Typed
answers are read by reader.py; a code card's answer is the learner's Observation, compared
unit by unit with the reference's. The rules for "the same value" are in rules.py.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from quizcards.checker.checks import Program
from quizcards.checker.policy import opt_in_message
from quizcards.checker.protocol import (
    MAX_STDOUT,
    ExcInfo,
    NamedValue,
    Observation,
    OpaqueValue,
    ProtocolError,
    TensorValue,
    decode_observation,
)
from quizcards.checker.reader import (
    MalformedAnswer,
    format_shape,
    normalize_output,
    parse_exception_name,
    parse_letters,
    parse_shape,
    read_value,
)
from quizcards.checker.rules import (
    Outcome,
    Tolerance,
    compare,
    compare_exception,
    compare_output,
    compare_words,
    diagnose_shape,
    kind_of,
    render,
    show,
)
from quizcards.core.cloze import SEPARATOR, split_answer
from quizcards.core.kinds import OPTION_LETTERS
from quizcards.core.models import (
    CardBase,
    ChoiceCard,
    ClozeCard,
    ClozeItem,
    CodeCard,
    RaisesCard,
    RecallCard,
    ValueCard,
)
from quizcards.core.params import outside_code
from quizcards.core.verdict import Verdict

SHOW_CAP = 400  # characters of expected/got shown to the learner
CODE_TOLERANCE = Tolerance(rtol=1e-4, atol=1e-6)  # a code card's values against the reference
_EXCEPTION_NAME = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Warning|Exit|Interrupt)(\(\))?$")


@dataclass
class Run:
    """One run as the worker reported it: its status and, when it finished, what it saw."""

    status: str  # ok | timeout | crashed | error | refused
    observation: Observation | None = None
    diagnosis: str = ""
    isolation: dict[str, Any] = field(default_factory=dict)
    elapsed_ms: float | None = None

    @classmethod
    def from_reply(cls, reply: dict[str, Any]) -> Run:
        """Parse the worker's reply; a child's malformed Observation makes it `crashed`."""
        status = str(reply.get("status") or "crashed")
        isolation = reply.get("isolation")
        run = cls(status, None, str(reply.get("diagnosis") or ""),
                  isolation if isinstance(isolation, dict) else {}, reply.get("elapsed_ms"))
        text = reply.get("observation")
        if status == "ok":
            if not isinstance(text, str):
                return cls("crashed", None, "the check sent no result", run.isolation)
            try:
                run.observation = decode_observation(text)
            except ProtocolError as exc:
                run.status = "crashed"
                run.diagnosis = f"the check's result was malformed ({exc})"
        return run


def _short(text: str) -> str:
    return text if len(text) <= SHOW_CAP else text[: SHOW_CAP - 3] + "..."


def is_memory(exc: ExcInfo) -> bool:
    if exc.type == "MemoryError" or "MemoryError" in exc.bases:
        return True
    return exc.type == "RuntimeError" and any(
        s in exc.message for s in ("can't allocate memory", "not enough memory",
                                   "DefaultCPUAllocator"))


def _verdict(kind: str, run: Run | None = None, **fields: Any) -> Verdict:
    verdict = Verdict(kind, **fields)
    if run is not None:
        verdict.elapsed_ms = run.elapsed_ms
        if run.isolation:
            verdict.extra["isolation"] = run.isolation
        if run.observation is not None:
            verdict.extra["child_ms"] = run.observation.ms
    return verdict


def _malformed(kind: str, message: str) -> Verdict:
    return Verdict(kind, status="error", malformed=True, diagnosis=message)


def _run_failed(kind: str, run: Run, whose: str = "the card's code") -> Verdict | None:
    """A verdict when the run itself did not give a usable truth, else None."""
    if run.status in ("timeout", "crashed"):
        default = (f"{whose} ran past its time limit" if run.status == "timeout" else
                   f"{whose} ended without sending a result (the sandbox's child died)")
        return _verdict(kind, run, status=run.status, diagnosis=run.diagnosis or default)
    if run.status == "refused":  # a layer is missing and the deck is not a shipped one
        return _verdict(kind, run, status="error", diagnosis=opt_in_message(run.isolation))
    if run.status != "ok" or run.observation is None:
        return _verdict(kind, run, status="error", diagnosis=run.diagnosis or "not run")
    obs = run.observation
    if obs.stdout_cut:
        return _verdict(kind, run, status="crashed",
                        diagnosis=f"{whose} printed more than {MAX_STDOUT // 1024} KiB")
    return None


def _card_raised(kind: str, run: Run, exc: ExcInfo, whose: str = "the card's code") -> Verdict:
    where = {"setup": "the deck's setup", "code": whose, "check": whose}[exc.phase]
    if is_memory(exc):
        return _verdict(kind, run, status="memory",
                        diagnosis=f"{where} ran out of memory ({exc.line_text})")
    line = f" (line {exc.line})" if exc.line else ""
    return _verdict(kind, run, status="error", diagnosis=f"{where} raised {exc.line_text}{line}")


# -- typed answers ---------------------------------------------------------------------------
def truth_only(card: CardBase, run: Run) -> Verdict:
    """A verdict that only states the truth (no answer): for lint, export and exam reports."""
    kind: str = card.kind  # type: ignore[attr-defined]
    failed = _run_failed(kind, run)
    if failed is not None:
        return failed
    obs = run.observation
    assert obs is not None
    if kind == "raises":
        return _verdict(kind, run, expected=obs.raised.type if obs.raised else "none",
                        diagnosis=obs.raised.line_text if obs.raised else "it runs without "
                        "raising")
    if obs.raised is not None:
        return _card_raised(kind, run, obs.raised)
    if kind == "output":
        return _verdict(kind, run, expected=_short(normalize_output(obs.stdout)))
    problem = _needs_result(kind, run)
    if problem is not None:
        return problem
    if kind == "shape":
        return _verdict(kind, run, expected=format_shape(obs.shape or ()))
    if isinstance(obs.result, OpaqueValue):
        return _verdict(kind, run, status="error", diagnosis="the card's `result` is not a "
                        f"value a learner can type ({kind_of(obs.result)}): set it to data")
    return _verdict(kind, run, expected=_short(show(obs.result)))


def has_fractions(value: Any) -> bool:
    """Does the value hold a number that is not whole (so how precisely to type it matters)?"""
    if isinstance(value, float):
        return math.isfinite(value) and value != int(value)
    if isinstance(value, TensorValue):
        return any(has_fractions(v) for v in value.values or ())
    if isinstance(value, list | tuple | set | frozenset):
        return any(has_fractions(v) for v in value)
    if isinstance(value, dict):
        return any(has_fractions(v) for v in value.values())
    if isinstance(value, NamedValue):
        return any(has_fractions(v) for v in value.items)
    return False


def _needs_result(kind: str, run: Run) -> Verdict | None:
    obs = run.observation
    assert obs is not None
    if not obs.has_result:
        return _verdict(kind, run, status="error", diagnosis="the card's code must set `result`")
    if kind == "shape" and obs.shape is None:
        return _verdict(kind, run, status="error", diagnosis="the card's code must set `result` "
                        f"to a tensor or array (got {obs.result_type})")
    return None


def judge_typed(card: CardBase, truth: Callable[[], Run], answer: str) -> Verdict:
    """A typed answer (shape, value, output, raises) against the truth the card's code gave.
    The answer is read first: an unreadable one needs no truth at all."""
    kind: str = card.kind  # type: ignore[attr-defined]
    try:
        got = read_answer(card, answer)
    except MalformedAnswer as exc:
        return _malformed(kind, str(exc))
    judges: dict[str, Callable[..., Verdict]] = {
        "shape": _shape, "value": _value, "output": _output, "raises": _raises}
    return judges[kind](card, truth, got)


@dataclass(frozen=True)
class ExceptionGuess:
    """A value answer that names an exception: the learner thinks the code raises."""

    name: str


def read_answer(card: CardBase, answer: str) -> Any:
    """The typed answer read for the card's kind: a shape tuple, a value record, an exception
    name (None: nothing raised), a set of option letters; other kinds take the text as it
    is. The one place that decides an answer "could not be read": MalformedAnswer, whose
    message says how to write it."""
    kind: str = card.kind  # type: ignore[attr-defined]
    if isinstance(card, ClozeItem):
        return read_fills(card, answer)
    if kind == "shape":
        return parse_shape(answer)
    if kind == "raises":
        return parse_exception_name(answer)
    if kind == "choice":
        return parse_letters(answer, len(card.options))  # type: ignore[attr-defined]
    if kind == "value":
        text = answer.strip()
        if _EXCEPTION_NAME.match(text):
            return ExceptionGuess(text.removesuffix("()").rsplit(".", 1)[-1])
        return read_value(answer)
    return answer


def read_fills(card: ClozeItem, answer: str) -> list[str]:
    """A cloze answer: one text per blank of the item, in order (`||` between them, or one
    per line); a blank in code takes one line."""
    blanks = card.blanks()
    fills = split_answer(answer, len(blanks))
    if fills is None:
        raise MalformedAnswer(f"this card has {len(blanks)} blanks: type one answer per blank, "
                              f"in order, separated by {SEPARATOR}")
    for i, ((where, _), fill) in enumerate(zip(blanks, fills, strict=True), start=1):
        if not fill:
            raise MalformedAnswer("type the text the blank hides" if len(blanks) == 1 else
                                  f"blank {i} is empty: type one answer per blank, "
                                  f"separated by {SEPARATOR}")
        if where == "code" and "\n" in fill:
            raise MalformedAnswer("a blank in code is filled on one line")
    return fills


def unreadable(card: CardBase, answer: str) -> str | None:
    """Why the answer cannot be read for this card (None: it can), without running code."""
    try:
        read_answer(card, answer)
    except MalformedAnswer as exc:
        return str(exc)
    return None


def _with_truth(card: CardBase, truth_of: Callable[[], Run]) -> tuple[Run, Verdict]:
    """The run that gives the truth, and the truth as a verdict (its status says if usable)."""
    run = truth_of()
    return run, truth_only(card, run)


def _shape(card: CardBase, truth_of: Callable[[], Run], got: tuple[int, ...]) -> Verdict:
    run, truth = _with_truth(card, truth_of)
    if truth.status != "ok":
        return truth
    obs = run.observation
    assert obs is not None and obs.shape is not None
    outcome = diagnose_shape(obs.shape, got)
    return _finish("shape", run, truth.expected, format_shape(got), outcome)


def _value(card: CardBase, truth_of: Callable[[], Run], got: Any) -> Verdict:
    run, truth = _with_truth(card, truth_of)
    if truth.status != "ok":
        return truth
    if isinstance(got, ExceptionGuess):
        return _verdict("value", run, expected=truth.expected, got=got.name,
                        diagnosis=f"no exception: you expected {got.name}, but the code runs "
                        f"and gives {truth.expected}")
    obs = run.observation
    assert obs is not None
    assert isinstance(card, ValueCard)  # kind "value"
    tol = Tolerance(card.rtol, card.atol, card.check_dtype, card.decimals)
    outcome = compare(obs.result, got, tol)
    return _finish("value", run, truth.expected, _short(show(got)), outcome)


def _output(card: CardBase, truth_of: Callable[[], Run], answer: str) -> Verdict:
    run, truth = _with_truth(card, truth_of)
    if truth.status != "ok":
        return truth
    obs = run.observation
    assert obs is not None
    expected = normalize_output(obs.stdout)
    got = normalize_output(answer)
    if got == expected:
        return _finish("output", run, _short(expected), _short(got), Outcome(True))
    return _finish("output", run, _short(expected), _short(got), compare_output(expected, got))


def _raises(card: CardBase, truth_of: Callable[[], Run], named: str | None) -> Verdict:
    run = truth_of()
    failed = _run_failed("raises", run)
    if failed is not None:
        return failed
    obs = run.observation
    assert obs is not None
    error = obs.raised
    assert isinstance(card, RaisesCard)  # kind "raises"
    accept = list(card.accept)
    if error is not None and error.phase == "setup":
        return _card_raised("raises", run, error)
    if error is not None and is_memory(error) and "MemoryError" not in accept:
        return _card_raised("raises", run, error)
    expected = error.type if error is not None else "none"
    shown, outcome = compare_exception(error, named, accept)
    return _finish("raises", run, expected, shown, outcome)


def _finish(kind: str, run: Run, expected: str | None, got: str, outcome: Outcome) -> Verdict:
    return _verdict(kind, run, correct=outcome.correct, expected=expected, got=got,
                    diagnosis=outcome.diagnosis, near_miss=outcome.near_miss)


# -- choice and recall (no code at all) ------------------------------------------------------
def judge_choice(card: ChoiceCard, answer: str) -> Verdict:
    want = frozenset(c.lower() for c in card.correct)
    expected = ", ".join(sorted(want))
    try:
        got = read_answer(card, answer)
    except MalformedAnswer as exc:
        verdict = _malformed("choice", str(exc))
        verdict.expected = expected
        return verdict
    if got == want:
        return Verdict("choice", correct=True, expected=expected, got=", ".join(sorted(got)))
    missed, wrong = sorted(want - got), sorted(got - want)
    parts = []
    if missed:
        parts.append("missed " + ", ".join(f"{m}) {card.options[OPTION_LETTERS.index(m)]}"
                                           for m in missed))
    if wrong:
        parts.append("not " + ", ".join(f"{w}) {card.options[OPTION_LETTERS.index(w)]}"
                                        for w in wrong))
    near = len(want) > 1 and len(missed) + len(wrong) == 1
    return Verdict("choice", expected=expected, got=", ".join(sorted(got)),
                   diagnosis="; ".join(parts), near_miss=near)


_STOP_WORDS = frozenset({
    "a", "an", "the", "is", "are", "was", "be", "of", "to", "in", "on", "for", "and", "or",
    "it", "its", "this", "that", "as", "by", "with", "at", "not", "no", "so", "than", "then",
})


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def content_words(text: str) -> set[str]:
    """The words that carry meaning (for highlighting and the recall hint)."""
    return {w for w in words(text) if w not in _STOP_WORDS}


def judge_recall(card: RecallCard, answer: str) -> Verdict:
    """Self-graded: the model answer is shown, and a typed answer beside it. Word for word
    the same counts as right; anything else is never called wrong, only measured: how much
    of the model answer's meaning-carrying words it covers (a hint for the learner)."""
    typed = answer.strip()
    if not typed:
        return Verdict("recall", expected=card.answer, got="", diagnosis="revealed",
                       self_graded=True)
    same = words(typed) == words(card.answer)
    model = content_words(card.answer)
    shared = model & content_words(typed)
    coverage = len(shared) / len(model) if model else float(same)
    diagnosis = "" if same else (f"your words cover {coverage:.0%} of the model answer: "
                                 "compare and grade yourself")
    return Verdict("recall", correct=same, expected=card.answer, got=typed,
                   diagnosis=diagnosis, self_graded=True,
                   extra={"coverage": round(coverage, 3), "shared": sorted(shared)})


# -- cloze cards -----------------------------------------------------------------------------
def _cloze_expected(card: ClozeItem) -> str:
    return f" {SEPARATOR} ".join(d.answer.strip() for _, d in card.blanks())


def cloze_truth(card: ClozeItem, truth_of: Callable[[], Run],
                program: Program | None) -> Verdict:
    """The answers of an item (for lint, export and exam reports); for a blank in code, the
    original code must give a truth a fill can be compared with."""
    if card.executable:
        run = truth_of()
        problem = _cloze_truth_problem(card, run, program)
        if problem is not None:
            return problem
        return _verdict("cloze", run, expected=_cloze_expected(card))
    return Verdict("cloze", expected=_cloze_expected(card))


def _cloze_truth_problem(card: ClozeItem, run: Run, program: Program | None
                         ) -> Verdict | None:
    """Why the original code gives nothing to compare a fill with (the card's fault)."""
    if program is not None:
        problem = reference_problem(run, program)
        if problem is not None:
            problem.kind = "cloze"
            problem.diagnosis = problem.diagnosis.replace("the card's reference",
                                                          "the card's code")
        return problem
    failed = _run_failed("cloze", run)
    if failed is not None:
        return failed
    obs = run.observation
    assert obs is not None
    if obs.raised is not None:
        return _card_raised("cloze", run, obs.raised)
    if obs.has_result and isinstance(obs.result, OpaqueValue):
        return _verdict("cloze", run, status="error", diagnosis="the card's `result` is not "
                        f"data ({kind_of(obs.result)}): a fill is judged by the value it "
                        "gives; set `result` to data")
    if not obs.has_result and not normalize_output(obs.stdout):
        return _verdict("cloze", run, status="error", diagnosis="the card's code sets no "
                        "`result`, prints nothing and has no `tests`: any fill would be right")
    return None


def judge_cloze(card: ClozeItem, answer: str, truth_of: Callable[[], Run],
                mine_of: Callable[[str], Run], program: Program | None) -> Verdict:
    """Each blank of the item: a prose one compared as text (rules.compare_words); the code
    ones filled with the learner's text and run (mine_of, in a sandboxed child), then what
    the filled code gives compared with what the original gives."""
    try:
        fills = read_fills(card, answer)
    except MalformedAnswer as exc:
        return _malformed("cloze", str(exc))
    blanks = card.blanks()
    expected, got = _cloze_expected(card), f" {SEPARATOR} ".join(fills)
    outcomes: list[Outcome] = []
    text = card.text or ""
    prose = outside_code(text)  # code spans blanked: a blank there is a Python name
    for i, ((where, deletion), fill) in enumerate(zip(blanks, fills, strict=True), start=1):
        if where != "text":
            continue
        in_code = prose[deletion.start] != text[deletion.start]
        outcome = compare_words(deletion.answer, fill, in_code)
        if not outcome.correct and len(blanks) > 1:
            outcome = Outcome(False, f"blank {i}: {outcome.diagnosis}", outcome.near_miss)
        outcomes.append(outcome)
    run: Run | None = None
    code_fills = [fill for (where, _), fill in zip(blanks, fills, strict=True)
                  if where == "code"]
    if code_fills:
        truth = truth_of()
        problem = _cloze_truth_problem(card, truth, program)
        if problem is not None:
            return problem
        run = mine_of(card.filled_code(code_fills))
        result = _fill_outcome(card, program, truth, run)
        if isinstance(result, Verdict):  # a limit broke: the verdict says which
            result.expected, result.got = expected, got
            return result
        outcomes.append(result)
    wrong = [o for o in outcomes if not o.correct]
    near = bool(wrong) and all(o.near_miss for o in wrong)
    diagnosis = "; ".join(o.diagnosis for o in wrong)
    if run is not None:
        return _verdict("cloze", run, correct=not wrong, expected=expected, got=got,
                        diagnosis=diagnosis, near_miss=near)
    return Verdict("cloze", correct=not wrong, expected=expected, got=got,
                   diagnosis=diagnosis, near_miss=near)


_WITH_FILL = "the code with your fill"


def _fill_outcome(card: ClozeItem, program: Program | None, truth: Run,
                  mine: Run) -> Outcome | Verdict:
    """What the filled code gave against what the original gave."""
    if program is not None:
        verdict = judge_code(card, program, truth, mine)
        verdict.kind = "cloze"
        verdict.diagnosis = verdict.diagnosis.replace("your code", _WITH_FILL)
        if verdict.malformed:  # a fill that breaks the code is wrong, not unreadable
            return Outcome(False, "your fill breaks the code's " + verdict.diagnosis.replace(
                f"syntax error in {_WITH_FILL}", "syntax"))
        if verdict.status != "ok":
            return verdict
        return Outcome(verdict.correct, verdict.diagnosis, verdict.near_miss)
    failed = _run_failed("cloze", mine, _WITH_FILL)
    if failed is not None:
        return failed
    obs, want = mine.observation, truth.observation
    assert obs is not None and want is not None
    if obs.syntax is not None:
        return Outcome(False, f"your fill breaks the code's syntax: line {obs.syntax.line}: "
                       f"{obs.syntax.message}")
    if obs.raised is not None:
        if is_memory(obs.raised):
            return _verdict("cloze", mine, status="memory",
                            diagnosis=f"{_WITH_FILL} ran out of memory")
        return Outcome(False, f"with your fill the code raises {obs.raised.line_text}")
    if want.has_result:
        if not obs.has_result:
            return Outcome(False, "with your fill the code sets no `result`")
        tol = Tolerance(CODE_TOLERANCE.rtol if card.rtol is None else card.rtol,
                        CODE_TOLERANCE.atol if card.atol is None else card.atol,
                        decimals=None, strict=True)
        outcome = compare(want.result, obs.result, tol)
        if not outcome.correct:
            mine_text, want_text = show(obs.result), show(want.result)
            says = (f"is {mine_text}, not {want_text}"
                    if len(mine_text) + len(want_text) <= 80 else "differs")
            return Outcome(False, f"with your fill `result` {says}: {outcome.diagnosis}",
                           outcome.near_miss)
    expected, printed = normalize_output(want.stdout), normalize_output(obs.stdout)
    if printed != expected:
        outcome = compare_output(expected, printed)
        return Outcome(False, f"with your fill the code prints {_short(printed)[:80]!r}, not "
                       f"{_short(expected)[:80]!r}: {outcome.diagnosis}", outcome.near_miss)
    return Outcome(True)


# -- code cards ------------------------------------------------------------------------------
def reference_problem(ref: Run, program: Program) -> Verdict | None:
    """Why the reference run gives no truth to compare with (the card's fault), or None."""
    failed = _run_failed("code", ref, "the card's reference")
    if failed is not None:
        failed.diagnosis = f"the card's reference: {failed.diagnosis}"
        return failed
    obs = ref.observation
    assert obs is not None
    if obs.syntax is not None:
        return _verdict("code", ref, status="error", diagnosis=f"the card's reference does not "
                        f"compile: line {obs.syntax.line}: {obs.syntax.message}")
    if obs.raised is not None:
        return _card_raised("code", ref, obs.raised, "the card's reference")
    if obs.stopped is not None:
        return _verdict("code", ref, status="error", diagnosis="the card's checks fail on its "
                        f"reference: {_stopped_text(obs.stopped, program)}")
    for unit in obs.units:
        if unit.raised is not None:
            label = _unit_label(unit.key, program, unit.args)
            what = (f"the card's reference {label}" if program.entry is not None else
                    f"the card's checks fail on its reference: {label}")
            return _verdict("code", ref, status="error",
                            diagnosis=f"{what} raised {unit.raised.line_text}")
    return None


def slice_problem(card: CodeCard, program: Program, sliced: Run, whole: Run) -> Verdict | None:
    """For lint: the sliced checks must observe on the reference what the whole tests do,
    else leaving out the statements no check seems to need changed what the checks see."""
    for run in (sliced, whole):
        problem = reference_problem(run, program)
        if problem is not None:
            return problem
    a, b = sliced.observation, whole.observation
    assert a is not None and b is not None
    tol = Tolerance(CODE_TOLERANCE.rtol if card.rtol is None else card.rtol,
                    CODE_TOLERANCE.atol if card.atol is None else card.atol, decimals=None,
                    strict=True)
    for x, y in zip(a.units, b.units, strict=False):
        if x.key != y.key or not compare(y.value, x.value, tol).correct:
            info = program.units.get(y.key)
            where = f"line {info.line}: `{info.source}`" if info else y.key
            return _verdict("code", sliced, status="error", diagnosis=(
                f"{where} gives another value when the statements no check uses are left out "
                "(they run only on the expected side): make the check read what it depends on"))
    if len(a.units) != len(b.units):
        return _verdict("code", sliced, status="error", diagnosis="the checks observe other "
                        "values when the statements no check uses are left out")
    return None


def _stopped_text(exc: ExcInfo, program: Program) -> str:
    where = f"line {exc.line}" if exc.line else "a check"
    source = next((s["src"] for s in program.statements if s["line"] == exc.line), "")
    first = source.splitlines()[0] if source else ""
    shown = f" `{first[:100]}`" if first and not first.startswith("__qc_") else ""
    return f"{where}{shown} raised {exc.line_text}"


def _unit_label(key: str, program: Program, args: tuple[Any, ...] | None) -> str:
    info = program.units.get(key)
    if program.entry is not None:
        shown = ", ".join(render(a, 40) for a in args or ())
        return f"{program.entry}({shown})"
    if info is None:
        return key
    return f"line {info.line}: `{info.source}`"


def judge_code(card: CodeCard | ClozeCard, program: Program, ref: Run, mine: Run) -> Verdict:
    """The learner's observations against the reference's, one unit at a time."""
    problem = reference_problem(ref, program)
    if problem is not None:
        return problem
    failed = _run_failed("code", mine, "your code")
    if failed is not None:
        return failed
    obs, truth = mine.observation, ref.observation
    assert obs is not None and truth is not None
    n = len(truth.units)
    expected = f"matches the reference on {n} checks"
    if obs.syntax is not None:
        return _malformed("code", f"syntax error in your code, line {obs.syntax.line}: "
                          f"{obs.syntax.message}")
    if obs.raised is not None:
        if is_memory(obs.raised):
            return _verdict("code", mine, status="memory", diagnosis="your code ran out of memory")
        where = "the deck's setup" if obs.raised.phase == "setup" else "your code"
        return _verdict("code", mine, expected=expected, got=obs.raised.line_text,
                        diagnosis=f"{where} raised {obs.raised.line_text}")
    tol = Tolerance(CODE_TOLERANCE.rtol if card.rtol is None else card.rtol,
                    CODE_TOLERANCE.atol if card.atol is None else card.atol, decimals=None,
                    strict=True)
    for i, want in enumerate(truth.units):
        label = _unit_label(want.key, program, want.args)
        if i >= len(obs.units):
            if obs.stopped is not None:
                return _code_wrong(mine, expected, obs.stopped.line_text,
                                   _stopped_text(obs.stopped, program), obs.stopped)
            return _code_wrong(mine, expected, "fewer checks ran",
                               f"{label}: never reached (your code stopped the checks early)")
        got = obs.units[i]
        if got.key != want.key:
            return _code_wrong(mine, expected, "different checks ran",
                               f"{label}: your code ran the checks in another order")
        if got.raised is not None:
            if is_memory(got.raised):
                return _verdict("code", mine, status="memory",
                                diagnosis=f"{label}: your code ran out of memory")
            if program.entry is not None and got.raised.type in ("KeyError", "NameError") and (
                program.entry in got.raised.message
            ):
                return _code_wrong(mine, expected, "no such function",
                                   f"define a function named `{program.entry}`")
            return _code_wrong(mine, expected, got.raised.line_text,
                               f"{label} raised {got.raised.line_text}")
        outcome = compare(want.value, got.value, tol)
        if not outcome.correct:
            return _verdict("code", mine, expected=_short(show(want.value)),
                            got=_short(show(got.value)), near_miss=outcome.near_miss,
                            diagnosis=f"{label}: {outcome.diagnosis}")
    if len(obs.units) > n or obs.stopped is not None:
        return _code_wrong(mine, expected, "more checks ran than the reference's",
                           "your code changed how the checks ran")
    return _verdict("code", mine, correct=True, expected=expected, got=f"matches on {n} checks")


def _code_wrong(run: Run, expected: str, got: str, diagnosis: str,
                exc: ExcInfo | None = None) -> Verdict:
    if exc is not None and is_memory(exc):
        return _verdict("code", run, status="memory", diagnosis="your code ran out of memory")
    return _verdict("code", run, expected=expected, got=_short(got), diagnosis=diagnosis)

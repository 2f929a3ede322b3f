"""What runs inside one sandboxed child: execute a card's code, grade an answer, say why.

The worker forks a fresh child per check and calls `run_job` there after the limits are in
place (see limits.py). torch is taken from sys.modules when the warm worker loaded it.
"""

from __future__ import annotations

import io
import random
import sys
import traceback
from typing import Any

from quizcards.checker.answers import (
    MalformedAnswer,
    format_shape,
    normalize_output,
    parse_exception_name,
    parse_shape,
)
from quizcards.checker.compare import compare_values, diagnose_shape

OUTPUT_CAP = 1 << 20  # 1 MiB of printed text per check
SHOW_CAP = 400  # characters of expected/got shown to the learner


class OutputLimit(Exception):
    """The code printed more than OUTPUT_CAP."""


class _CappedText(io.StringIO):
    def write(self, s: str) -> int:
        if self.tell() + len(s) > OUTPUT_CAP:
            raise OutputLimit(f"the code printed more than {OUTPUT_CAP // 1024} KiB")
        return super().write(s)


def _short(text: str) -> str:
    return text if len(text) <= SHOW_CAP else text[: SHOW_CAP - 3] + "..."


def _show(value: Any) -> str:
    try:
        return _short(repr(value))
    except Exception as exc:  # a hostile __repr__
        return f"<unprintable {type(value).__name__}: {exc}>"


def _is_memory_error(exc: BaseException) -> bool:
    if isinstance(exc, MemoryError):
        return True
    text = str(exc)
    return isinstance(exc, RuntimeError) and (
        "can't allocate memory" in text or "not enough memory" in text
        or "DefaultCPUAllocator" in text
    )


def _exc_line(exc: BaseException) -> str:
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if len(message) > 240:
        message = message[:237] + "..."
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _seed(seed: int) -> None:
    random.seed(seed)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)
    np = sys.modules.get("numpy")
    if np is not None:
        np.random.seed(seed % (2**32))


def _answer_namespace() -> dict[str, Any]:
    """Names a learner may use when typing a value: tensor, nan, inf, torch, math."""
    import math

    ns: dict[str, Any] = {"math": math, "nan": math.nan, "inf": math.inf}
    torch = sys.modules.get("torch")
    if torch is not None:
        ns.update(torch=torch, tensor=torch.tensor, Size=torch.Size)
        for name in ("float16", "float32", "float64", "int32", "int64", "bool", "long"):
            ns.setdefault(name, getattr(torch, name, None))
    np = sys.modules.get("numpy")
    if np is not None:
        ns.update(np=np, array=np.array)
    return ns


class _Run:
    """The result of executing setup + code: namespace, stdout, and what it raised."""

    def __init__(self, job: dict[str, Any], code: str | None = None) -> None:
        self.ns: dict[str, Any] = {"__name__": "__main__", "__builtins__": __builtins__}
        self.out = _CappedText()
        self.exc: BaseException | None = None
        self.tb = ""
        _seed(int(job.get("seed", 0)))
        saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = self.out
        try:
            for part in (job.get("setup"), job.get("code") if code is None else code):
                if part:
                    exec(compile(part, "<card>", "exec", dont_inherit=True), self.ns)
        except OutputLimit:
            raise
        except BaseException as exc:  # includes SystemExit and KeyboardInterrupt from the code
            self.exc = exc
            self.tb = traceback.format_exc(limit=-3)
        finally:
            sys.stdout, sys.stderr = saved

    @property
    def stdout(self) -> str:
        return self.out.getvalue()


def _verdict(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "status": "ok", "correct": False, "expected": None, "got": None, "diagnosis": "",
        "near_miss": False, "malformed": False,
    }
    base.update(fields)
    return base


def _failed_run(run: _Run, what: str = "the card's code") -> dict[str, Any]:
    assert run.exc is not None
    if isinstance(run.exc, BlockingIOError):
        return _verdict(status="crashed", diagnosis=f"{what} hit the process limit "
                        "(a fork bomb?)")
    if _is_memory_error(run.exc):
        return _verdict(status="memory", diagnosis=f"{what} ran out of memory "
                        f"({_exc_line(run.exc)})")
    return _verdict(status="error", diagnosis=f"{what} raised {_exc_line(run.exc)}",
                    traceback=_short(run.tb))


def _malformed(message: str, expected: str | None = None) -> dict[str, Any]:
    return _verdict(status="error", malformed=True, diagnosis=message, expected=expected)


def run_job(job: dict[str, Any]) -> dict[str, Any]:
    """Grade one answer (or, with answer None, only compute the truth).

    All code is compiled with dont_inherit=True: this module's own `from __future__` imports
    must not change the semantics of card code (annotations would turn into strings)."""
    kind = job["kind"]
    try:
        return _GRADERS[kind](job)
    except OutputLimit as exc:
        return _verdict(status="crashed", diagnosis=str(exc))
    except RecursionError:
        return _verdict(status="crashed", diagnosis="recursion too deep")
    except MemoryError:
        return _verdict(status="memory", diagnosis="ran out of memory")


def _result(run: _Run) -> tuple[bool, Any]:
    if "result" not in run.ns:
        return False, None
    return True, run.ns["result"]


def grade_shape(job: dict[str, Any]) -> dict[str, Any]:
    answer = job.get("answer")
    got: tuple[int, ...] | None = None
    if answer is not None:
        try:
            got = parse_shape(answer)
        except MalformedAnswer as exc:
            return _malformed(str(exc))
    run = _Run(job)
    if run.exc is not None:
        return _failed_run(run)
    has, result = _result(run)
    if not has or not hasattr(result, "shape"):
        return _verdict(status="error", diagnosis="the card's code must set `result` to a "
                        f"tensor or array (got {type(result).__name__})")
    truth = tuple(int(d) for d in result.shape)
    expected = format_shape(truth)
    if got is None:
        return _verdict(expected=expected, truth=list(truth))
    outcome = diagnose_shape(truth, got)
    return _verdict(correct=outcome.correct, expected=expected, got=format_shape(got),
                    diagnosis=outcome.diagnosis, near_miss=outcome.near_miss, truth=list(truth))


def grade_value(job: dict[str, Any]) -> dict[str, Any]:
    answer = job.get("answer")
    candidate: Any = None
    if answer is not None:
        # evaluated before the card's code runs, in its own namespace: it cannot peek at result
        if not str(answer).strip():
            return _malformed("the answer is empty (type a value, e.g. tensor([1., 2.]) or 3)")
        try:
            code = compile(str(answer), "<answer>", "eval", dont_inherit=True)
            candidate = eval(code, _answer_namespace())
        except SyntaxError as exc:
            return _malformed(f"cannot read {str(answer).strip()!r} as a Python value: "
                              f"{exc.msg}")
        except Exception as exc:
            hint = " (put text in quotes)" if isinstance(exc, NameError) else ""
            return _malformed(f"evaluating {str(answer).strip()!r} raised "
                              f"{_exc_line(exc)}{hint}")
    run = _Run(job)
    if run.exc is not None:
        return _failed_run(run)
    has, result = _result(run)
    if not has:
        return _verdict(status="error", diagnosis="the card's code must set `result`")
    expected = _show(result)
    if answer is None:
        return _verdict(expected=expected)
    if (isinstance(candidate, type) and issubclass(candidate, BaseException)) or isinstance(
        candidate, BaseException
    ):
        name = candidate.__name__ if isinstance(candidate, type) else type(candidate).__name__
        return _verdict(expected=expected, got=name, diagnosis=f"no exception: you expected "
                        f"{name}, but the code runs and gives {expected}")
    opts = job.get("options", {})
    outcome = compare_values(result, candidate, rtol=opts.get("rtol", 1e-3),
                             atol=opts.get("atol", 1e-5),
                             check_dtype=opts.get("check_dtype", False))
    return _verdict(correct=outcome.correct, expected=expected, got=_show(candidate),
                    diagnosis=outcome.diagnosis, near_miss=outcome.near_miss)


def grade_output(job: dict[str, Any]) -> dict[str, Any]:
    run = _Run(job)
    if run.exc is not None:
        return _failed_run(run)
    truth = normalize_output(run.stdout)
    expected = _short(truth)
    answer = job.get("answer")
    if answer is None:
        return _verdict(expected=expected)
    got = normalize_output(str(answer))
    if got == truth:
        return _verdict(correct=True, expected=expected, got=_short(got))
    diagnosis, near = _output_diff(truth, got)
    return _verdict(expected=expected, got=_short(got), diagnosis=diagnosis, near_miss=near)


def _output_diff(truth: str, got: str) -> tuple[str, bool]:
    t_lines, g_lines = truth.split("\n"), got.split("\n")
    if " ".join(truth.split()) == " ".join(got.split()):
        return "same words, different spacing or line breaks", True
    for i, (t, g) in enumerate(zip(t_lines, g_lines, strict=False), start=1):
        if t != g:
            near = len(t_lines) > 1 and len(t_lines) == len(g_lines)
            return f"line {i} differs: expected {t!r}, got {g!r}", near
    if len(t_lines) != len(g_lines):
        return f"expected {len(t_lines)} lines, got {len(g_lines)}", True
    return "output differs", False


def grade_raises(job: dict[str, Any]) -> dict[str, Any]:
    answer = job.get("answer")
    named: str | None = None
    if answer is not None:
        try:
            named = parse_exception_name(str(answer))
        except MalformedAnswer as exc:
            return _malformed(str(exc))
    run = _Run(job)
    error = run.exc
    accept = job.get("options", {}).get("accept", [])
    if error is not None and _is_memory_error(error) and "MemoryError" not in accept:
        return _failed_run(run)
    raised = type(error).__name__ if error is not None else None
    expected = raised or "none"
    detail = _exc_line(error) if error is not None else "it runs without raising"
    if answer is None:
        return _verdict(expected=expected, diagnosis=detail)
    accepted = {raised, *accept}
    correct = named in accepted if raised is not None else named is None
    if correct:
        return _verdict(correct=True, expected=expected, got=named or "none", diagnosis=detail)
    if raised is None:
        diagnosis = f"the code does not raise; you said {named}"
    elif named is None:
        diagnosis = f"it raises {detail}"
    else:
        mro = [c.__name__ for c in type(error).__mro__]
        near = named in mro
        extra = f" ({named} is a base class of it)" if near else ""
        return _verdict(expected=expected, got=named, near_miss=near,
                        diagnosis=f"it raises {detail}{extra}")
    return _verdict(expected=expected, got=named or "none", diagnosis=diagnosis)


def grade_code(job: dict[str, Any]) -> dict[str, Any]:
    opts = job.get("options", {})
    answer = job.get("answer")
    solution = answer if answer is not None else opts.get("reference") or ""
    if answer is not None and not str(answer).strip():
        return _malformed("the answer is empty: write the code")
    try:
        compile(str(solution), "<answer>", "exec", dont_inherit=True)
    except SyntaxError as exc:
        return _malformed(f"syntax error in your code, line {exc.lineno}: {exc.msg}")
    run = _Run(job, code=str(solution))
    if run.exc is not None:
        return _failed_run(run, "your code")
    if opts.get("tests"):
        return _run_tests(job, run, opts["tests"])
    return _against_reference(job, run, opts)


def _run_tests(job: dict[str, Any], run: _Run, tests: str) -> dict[str, Any]:
    saved = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = run.out
    try:
        exec(compile(tests, "<tests>", "exec", dont_inherit=True), run.ns)
    except AssertionError as exc:
        line = _failing_line(tests, exc)
        msg = f": {exc}" if str(exc) else ""
        return _verdict(diagnosis=f"test failed: {line}{msg}", expected="all tests pass",
                        got="a test fails", near_miss=False)
    except OutputLimit:
        raise
    except BaseException as exc:
        if _is_memory_error(exc):
            return _verdict(status="memory", diagnosis="your code ran out of memory")
        line = _failing_line(tests, exc)
        return _verdict(diagnosis=f"{line} raised {_exc_line(exc)}", expected="all tests pass",
                        got=_exc_line(exc))
    finally:
        sys.stdout, sys.stderr = saved
    return _verdict(correct=True, expected="all tests pass", got="all tests pass")


def _failing_line(source: str, exc: BaseException) -> str:
    tb = exc.__traceback__
    lineno = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<tests>":
            lineno = tb.tb_lineno
        tb = tb.tb_next
    if lineno is None:
        return "a test"
    return source.splitlines()[lineno - 1].strip()


def _against_reference(job: dict[str, Any], run: _Run, opts: dict[str, Any]) -> dict[str, Any]:
    entry = opts.get("entry") or ""
    fn = run.ns.get(entry)
    if not callable(fn):
        return _verdict(diagnosis=f"define a function named `{entry}`",
                        expected=f"a function {entry}", got="no such function")
    ref_run = _Run(job, code=opts.get("reference") or "")
    if ref_run.exc is not None:
        return _failed_run(ref_run, "the card's reference")
    ref = ref_run.ns.get(entry)
    if not callable(ref):
        return _verdict(status="error", diagnosis=f"the card's reference defines no `{entry}`")
    for raw in opts.get("inputs", []):
        try:
            args = _args(raw, ref_run.ns)
        except Exception as exc:
            return _verdict(status="error", diagnosis=f"the card's input {raw!r} raised "
                            f"{_exc_line(exc)}")
        shown = ", ".join(_show(a) for a in args)
        _seed(int(job.get("seed", 0)))
        try:
            want = ref(*args)
        except Exception as exc:
            return _verdict(status="error", diagnosis=f"the card's reference {entry}({shown}) "
                            f"raised {_exc_line(exc)}")
        _seed(int(job.get("seed", 0)))
        try:
            got = fn(*args)
        except BaseException as exc:
            if _is_memory_error(exc):
                return _verdict(status="memory", diagnosis="your code ran out of memory")
            return _verdict(expected=_show(want), got=_exc_line(exc),
                            diagnosis=f"{entry}({shown}) raised {_exc_line(exc)}")
        outcome = compare_values(want, got)
        if not outcome.correct:
            return _verdict(expected=_show(want), got=_show(got), near_miss=outcome.near_miss,
                            diagnosis=f"{entry}({shown}): {outcome.diagnosis}")
    n = len(opts.get("inputs", []))
    return _verdict(correct=True, expected=f"matches the reference on {n} inputs",
                    got=f"matches on {n} inputs")


def _args(raw: Any, ns: dict[str, Any]) -> tuple[Any, ...]:
    if isinstance(raw, str):
        value = eval(compile(raw, "<inputs>", "eval", dont_inherit=True), ns)
        return value if isinstance(value, tuple) else (value,)
    return tuple(raw)


_GRADERS = {
    "shape": grade_shape,
    "value": grade_value,
    "output": grade_output,
    "raises": grade_raises,
    "code": grade_code,
}

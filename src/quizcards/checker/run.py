"""Child side: run a card's code, or a solution and its checks, and report an Observation.

Runs inside a sandboxed child (see sandbox/) after the job has arrived. It never judges:
it returns data (protocol.py) and the trusted side decides. Whatever the code does here
(patch builtins, replace this module's functions, write to the result pipe) can only change
what this child reports, which is its own answer and nothing more.

Modes:
- card: the deck's setup then the card's code; report `result` (value or shape), what was
  printed, what was raised. With `learner` set (a cloze card's code with the learner's fill
  in it), a syntax error is reported as the answer's, like a code card's.
- program: setup, then a solution (the learner's code or the card's reference), then the
  checks program built by checks.py; report each observation.
- calls: setup, a solution, then `entry(*args)` for each input.

All code is compiled with dont_inherit=True: this module's own `from __future__` imports
must not change the meaning of card code (annotations would turn into strings).
"""

from __future__ import annotations

import io
import operator
import random
import sys
import time
from typing import Any

from quizcards.checker.protocol import (
    MAX_STDOUT,
    MAX_UNITS,
    VERSION,
    encode_exc,
    encode_or_opaque,
)

_OPS = {"Eq": operator.eq, "NotEq": operator.ne, "Lt": operator.lt, "LtE": operator.le,
        "Gt": operator.gt, "GtE": operator.ge, "Is": operator.is_, "IsNot": operator.is_not,
        "In": lambda a, b: a in b, "NotIn": lambda a, b: a not in b}


class OutputLimit(Exception):
    """The code printed more than MAX_STDOUT characters."""


class _CappedText(io.StringIO):
    cut = False

    def write(self, s: str) -> int:
        if self.tell() + len(s) > MAX_STDOUT:
            self.cut = True
            raise OutputLimit(f"the code printed more than {MAX_STDOUT // 1024} KiB")
        return super().write(s)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)
    np = sys.modules.get("numpy")
    if np is not None:
        np.random.seed(seed % (2**32))


def _line_in(exc: BaseException, filename: str) -> int | None:
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


class _Runner:
    def __init__(self, job: dict[str, Any]) -> None:
        self.job = job
        self.seed = int(job.get("seed") or 0)
        self.ns: dict[str, Any] = {"__name__": "__main__", "__builtins__": __builtins__}
        self.out = _CappedText()
        self.obs: dict[str, Any] = {"v": VERSION}
        self.units: list[dict[str, Any]] = []

    # -- executing ---------------------------------------------------------------------------
    def exec_part(self, source: str | None, filename: str, phase: str) -> bool:
        """Run one part; on an exception record it in `raised` and return False."""
        if not source:
            return True
        try:
            code = compile(source, filename, "exec", dont_inherit=True)
        except SyntaxError as exc:
            if phase == "code" and filename == "<answer>":
                self.obs["syntax"] = {"line": exc.lineno or 1, "col": exc.offset or 1,
                                      "message": str(exc.msg)[:500]}
            else:
                self.obs["raised"] = encode_exc(exc, exc.lineno, phase)
            return False
        try:
            exec(code, self.ns)
        except OutputLimit:
            raise
        except BaseException as exc:  # SystemExit and KeyboardInterrupt from code included
            self.obs["raised"] = encode_exc(exc, _line_in(exc, filename), phase)
            return False
        return True

    def run(self) -> dict[str, Any]:
        started = time.perf_counter()
        saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = self.out
        try:
            self._run_mode()
        except OutputLimit:
            pass
        except RecursionError as exc:
            self.obs.setdefault("raised", encode_exc(exc, None, "code"))
        finally:
            sys.stdout, sys.stderr = saved
        self.obs["stdout"] = self.out.getvalue()[:MAX_STDOUT]
        self.obs["stdout_cut"] = self.out.cut
        if self.units:
            self.obs["units"] = self.units[:MAX_UNITS]
        self.obs["ms"] = round((time.perf_counter() - started) * 1000, 3)
        return self.obs

    def _run_mode(self) -> None:
        mode = self.job.get("mode")
        seed_everything(self.seed)
        if not self.exec_part(self.job.get("setup"), "<setup>", "setup"):
            return
        if mode == "card":  # a cloze card's code with the learner's fill: theirs
            name = "<answer>" if self.job.get("learner") else "<card>"
            if self.exec_part(self.job.get("code"), name, "code"):
                self._report_result(self.job.get("want") or [])
            return
        if not self.exec_part(self.job.get("code"), "<answer>", "code"):
            return
        self.ns["__qc_obs__"] = self.observe
        self.ns["__qc_cmp__"] = self.compare
        if mode == "program":
            self._run_program(self.job.get("program") or [])
        elif mode == "calls":
            self._run_calls(str(self.job.get("entry")), self.job.get("inputs") or [])

    def _report_result(self, want: list[str]) -> None:
        if "result" not in self.ns:
            return
        result = self.ns["result"]
        self.obs["has_result"] = True
        self.obs["result_type"] = type(result).__name__[:300]
        if "shape" in want:
            try:
                self.obs["shape"] = [int(d) for d in result.shape]
            except Exception:
                self.obs["shape"] = None
        if "value" in want:
            self.obs["result"] = encode_or_opaque(result)

    # -- programs ----------------------------------------------------------------------------
    def _run_program(self, statements: list[dict[str, Any]]) -> None:
        seed_everything(self.seed)  # the checks see the same random numbers for any solution
        for stmt in statements:
            line = int(stmt.get("line") or 0)
            try:
                code = compile(str(stmt.get("src", "")), "<tests>", "exec", dont_inherit=True)
                exec(code, self.ns)
            except OutputLimit:
                raise
            except BaseException as exc:
                self.obs["stopped"] = encode_exc(exc, line, "check")
                return

    def _run_calls(self, entry: str, inputs: list[str]) -> None:
        for i, source in enumerate(inputs, start=1):
            key = f"I{i}"
            seed_everything(self.seed)
            try:
                args = eval(compile(str(source), "<inputs>", "eval", dont_inherit=True), self.ns)
                args = args if isinstance(args, tuple) else (args,)
            except BaseException as exc:
                self.obs["stopped"] = encode_exc(exc, None, "check")
                return
            shown = [encode_or_opaque(a) for a in args]
            seed_everything(self.seed)
            try:
                fn = self.ns[entry]
                value = fn(*args)
            except OutputLimit:
                raise
            except BaseException as exc:
                self.units.append({"k": key, "raised": encode_exc(exc, None, "check"),
                                   "args": shown})
                continue
            self.units.append({"k": key, "v": encode_or_opaque(value), "args": shown})

    def observe(self, key: str, thunk: Any) -> tuple[bool, Any]:
        """Evaluate one observed expression; record its value or what it raised."""
        try:
            value = thunk()
        except OutputLimit:
            raise
        except BaseException as exc:
            self.units.append({"k": key, "raised": encode_exc(exc, None, "check")})
            return False, None
        self.units.append({"k": key, "v": encode_or_opaque(value)})
        return True, value

    def compare(self, key: str, thunks: tuple[Any, ...], ops: tuple[str, ...]) -> None:
        """Observe each operand of a comparison and, when all are there, its result."""
        values: list[Any] = []
        for i, thunk in enumerate(thunks):
            if thunk is None:  # an expected value: the trusted side knows it
                values.append(None)
                continue
            ok, value = self.observe(f"{key}.{i}", thunk)
            if not ok:
                return
            values.append(value)
        if any(t is None for t in thunks):
            return

        def chain() -> Any:
            result: Any = True
            for op, a, b in zip(ops, values, values[1:], strict=False):
                result = _OPS[op](a, b)
                if len(ops) > 1 and not result:
                    return result
            return result

        self.observe(f"{key}.=", chain)


def run(job: dict[str, Any]) -> dict[str, Any]:
    """Run one job and return its Observation (JSON-able)."""
    try:
        return _Runner(job).run()
    except MemoryError:
        return {"v": VERSION, "raised": {"type": "MemoryError", "module": "builtins",
                                          "mro": ["MemoryError", "Exception", "BaseException"],
                                          "message": "", "line": None, "phase": "code"}}

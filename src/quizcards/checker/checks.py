"""A code card's checks as an observation program, built on the trusted side.

A code card is judged by comparison: the same program runs after the learner's code and
after the card's `reference`, in two sandboxed children, and every value it observes must be
the same (judge.py). The program is the card's `tests` with each `assert` replaced by
observations:

- every comparison in the assert (`==`, `<`, `is`, `in`, ...; not inside lambdas or
  comprehensions): each operand, and the comparison's own result when every operand is there;
- an assert without a comparison: the positional arguments of its call
  (`torch.allclose(a, b)` -> a, b; `isinstance(x, float)` -> x), else the asserted value.

Operands the safe reader can read (literals, `tensor([...])`, `(5, 2)`, `None`, `float`) are
the expected answers: they are left out, so the learner's process never holds them and
nothing the learner's code finds in memory tells it what to return. With `inputs` instead of
`tests`, each call `entry(*args)` is one observation.

The original asserts still matter: lint runs them, as written, on the reference.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from quizcards.checker.reader import MalformedAnswer, read_value

OBSERVE = "__qc_obs__"
COMPARE = "__qc_cmp__"
_SCOPES = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_OP_NAMES = {ast.Eq: "Eq", ast.NotEq: "NotEq", ast.Lt: "Lt", ast.LtE: "LtE", ast.Gt: "Gt",
             ast.GtE: "GtE", ast.Is: "Is", ast.IsNot: "IsNot", ast.In: "In",
             ast.NotIn: "NotIn"}


class ChecksError(ValueError):
    """The card's tests cannot be turned into a program (a syntax error in the card)."""


@dataclass(frozen=True)
class UnitInfo:
    """What one observation key stands for, for the diagnosis."""

    line: int  # line in `tests` (1-based); 0 for an `inputs` call
    source: str  # the observed expression, as written
    check: str  # the whole assert (or call), as written
    is_result: bool = False  # the result of a comparison rather than an operand


@dataclass
class Program:
    """Statements to run in order (each with its line in `tests`) and what each key means."""

    statements: list[dict[str, Any]] = field(default_factory=list)
    units: dict[str, UnitInfo] = field(default_factory=dict)
    entry: str | None = None
    inputs: list[str] = field(default_factory=list)

    def job_part(self) -> dict[str, Any]:
        if self.entry is not None:
            return {"mode": "calls", "entry": self.entry, "inputs": self.inputs}
        return {"mode": "program", "program": self.statements}


def _known(node: ast.AST) -> bool:
    """Readable as data on the trusted side: an expected answer, not something to observe."""
    try:
        read_value(ast.unparse(node), arithmetic=True)
    except (MalformedAnswer, ValueError, RecursionError):
        return False
    return True


def _compares(node: ast.AST) -> list[ast.Compare]:
    """Comparisons in evaluation order, outside lambdas and comprehensions."""
    if isinstance(node, ast.Compare):
        return [node]
    if isinstance(node, _SCOPES):
        return []
    found: list[ast.Compare] = []
    for child in ast.iter_child_nodes(node):
        found.extend(_compares(child))
    return found


def _thunk(expr: ast.expr) -> ast.Lambda:
    return ast.Lambda(args=ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[],
                                         defaults=[]), body=expr)


def _call(name: str, *args: ast.expr) -> ast.Expr:
    return ast.Expr(ast.Call(ast.Name(name, ast.Load()), list(args), []))


class _Observer(ast.NodeTransformer):
    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.units: dict[str, UnitInfo] = {}

    def _src(self, node: ast.AST) -> str:
        return ast.get_source_segment("\n".join(self.lines), node) or ast.unparse(node)

    def visit_Assert(self, node: ast.Assert) -> Any:
        line = node.lineno
        check = self._src(node)
        out: list[ast.stmt] = []
        for n, (kind, target) in enumerate(self._units_of(node.test), start=1):
            key = f"L{line}.{n}"
            if kind == "compare":
                assert isinstance(target, ast.Compare)
                operands = [target.left, *target.comparators]
                known = [_known(o) for o in operands]
                thunks: list[ast.expr] = []
                for i, (operand, is_known) in enumerate(zip(operands, known, strict=True)):
                    if is_known:
                        thunks.append(ast.Constant(None))
                    else:
                        thunks.append(_thunk(operand))
                        self.units[f"{key}.{i}"] = UnitInfo(line, self._src(operand), check)
                if not any(known):
                    self.units[f"{key}.="] = UnitInfo(line, self._src(target), check, True)
                ops = ast.Tuple([ast.Constant(_OP_NAMES[type(op)]) for op in target.ops],
                                ast.Load())
                out.append(_call(COMPARE, ast.Constant(key), ast.Tuple(thunks, ast.Load()), ops))
            else:
                self.units[key] = UnitInfo(line, self._src(target), check)
                out.append(_call(OBSERVE, ast.Constant(key), _thunk(target)))
        return out or ast.Pass()

    def _units_of(self, test: ast.expr) -> list[tuple[str, ast.expr]]:
        compares = _compares(test)
        if compares:
            return [("compare", c) for c in compares]
        if isinstance(test, ast.BoolOp):
            return [u for v in test.values for u in self._units_of(v)]
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            return self._units_of(test.operand)
        if isinstance(test, ast.Call) and not any(
            isinstance(a, ast.GeneratorExp | ast.Lambda | ast.Starred) for a in test.args
        ):  # a generator or a function as an argument is not data: observe the call instead
            args = [a for a in test.args if not _known(a)]
            if args:
                return [("value", a) for a in args]
        return [("value", test)]


def _parse(tests: str) -> ast.Module:
    try:
        return ast.parse(tests, "<tests>")
    except SyntaxError as exc:
        raise ChecksError(f"the card's tests do not parse: line {exc.lineno}: {exc.msg}"
                          ) from None


def observation_program(tests: str) -> Program:
    """The tests with each assert replaced by observations (for learner and reference)."""
    tree = _parse(tests)
    observer = _Observer(tests.splitlines())
    program = Program()
    for stmt in tree.body:
        line = stmt.lineno
        new = observer.visit(stmt)
        for part in new if isinstance(new, list) else [new]:
            ast.fix_missing_locations(part)
            program.statements.append({"line": line, "src": ast.unparse(part)})
    program.units = observer.units
    return program


def verification_program(tests: str) -> Program:
    """The tests as written, one top-level statement at a time (lint runs them on the
    reference: its own asserts must hold)."""
    tree = _parse(tests)
    return Program([{"line": stmt.lineno, "src": ast.unparse(stmt)} for stmt in tree.body])


def calls_program(entry: str, inputs: list[Any]) -> Program:
    """`entry(*args)` for each input (a YAML list of arguments or a Python expression)."""
    sources = []
    units = {}
    for i, raw in enumerate(inputs, start=1):
        src = raw if isinstance(raw, str) else "(" + "".join(f"{a!r}, " for a in raw) + ")"
        sources.append(src)
        units[f"I{i}"] = UnitInfo(0, f"{entry}(...)", f"{entry}(*{src})")
    return Program(units=units, entry=entry, inputs=sources)

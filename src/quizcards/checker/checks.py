"""A code card's checks as an observation program, built on the trusted side.

A code card is judged by comparison: the same program runs after the learner's code and
after the card's `reference`, in two sandboxed children, and every value it observes must be
the same (judge.py). The program is the card's `tests` with each `assert` replaced by
observations:

- every comparison in the assert (`==`, `<`, `is`, `in`, ...; not inside lambdas or
  comprehensions): each operand, and the comparison's own result when every operand is there;
- an assert without a comparison: for a library predicate, the positional arguments of its
  call (`torch.allclose(a, b)` -> a, b; `isinstance(x, float)` -> x); for a call of the
  solution or of a function the tests define (`assert shares_memory(a, b)`), what the call
  returns (its arguments alone would say nothing of the answer); else the asserted value.

Only operands that depend on the solution (they use a name the reference defines, or a name
the tests built from one) are observed. The others are the expected answers, and nothing of
them may reach the learner's process: literals are left out of the program, and the program
is *sliced*: both children run only the statements the observed operands need, so what the
tests compute on the expected side (a table's expected column, a model trained the right way
for comparison) never runs where the learner's code could read it. Tests that would still
carry an expected value into the learner's process are refused, with the line: a name the
slice binds but no check uses (the `b` of `for a, b in cases`), or a comparison hidden in a
helper function that calls the solution or in a comprehension. Lint also checks, on the
reference, that the slice observes what the whole tests observe.

With `inputs` instead of `tests`, each call `entry(*args)` is one observation. The original
asserts still matter: lint runs them, as written, on the reference.
"""

from __future__ import annotations

import ast
import copy
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
    whole: list[dict[str, Any]] = field(default_factory=list)  # unsliced (lint's fidelity)

    def job_part(self, whole: bool = False) -> dict[str, Any]:
        if self.entry is not None:
            return {"mode": "calls", "entry": self.entry, "inputs": self.inputs}
        return {"mode": "program", "program": self.whole if whole else self.statements}


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
    def __init__(self, lines: list[str], tainted: set[str], local: set[str]) -> None:
        self.lines = lines
        self.tainted = tainted
        self.local = local  # names the tests bind (their helper functions among them)
        self.units: dict[str, UnitInfo] = {}

    def _expected(self, node: ast.expr) -> bool:
        """An expected side: a literal, or anything that does not depend on the solution."""
        return _known(node) or not (_loaded(node) & self.tainted)

    def _no_hidden_comparison(self, node: ast.expr, line: int) -> None:
        for scope in ast.walk(node):
            if isinstance(scope, _SCOPES) and any(isinstance(n, ast.Compare)
                                                  for n in ast.walk(scope)):
                raise ChecksError(f"line {line}: a comparison inside a comprehension or a "
                                  "lambda would run in the learner's process with its expected "
                                  "values: give each case its own assert")

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
                known = [self._expected(o) for o in operands]
                if all(known):
                    continue  # nothing here depends on the solution: nothing to observe
                for operand, is_known in zip(operands, known, strict=True):
                    if not is_known:
                        self._no_hidden_comparison(operand, line)
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
                if self._expected(target):
                    continue
                self._no_hidden_comparison(target, line)
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
        if isinstance(test, ast.Call) and _root(test.func) in self.tainted | self.local:
            return [("value", test)]  # the solution (or a helper of the tests) decides
        if isinstance(test, ast.Call) and not any(
            isinstance(a, ast.GeneratorExp | ast.Lambda | ast.Starred) for a in test.args
        ):  # a generator or a function as an argument is not data: observe the call instead
            args = [a for a in test.args if not self._expected(a)]
            if args:
                return [("value", a) for a in args]
        return [("value", test)]


def _parse(tests: str) -> ast.Module:
    try:
        return ast.parse(tests, "<tests>")
    except SyntaxError as exc:
        raise ChecksError(f"the card's tests do not parse: line {exc.lineno}: {exc.msg}"
                          ) from None


# -- names: what a statement binds, changes and reads ---------------------------------------
def _loaded(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _walk_outside_scopes(node: ast.AST) -> list[ast.AST]:
    """The node's descendants, not entering function, class, lambda or comprehension bodies."""
    out: list[ast.AST] = []
    stack = list(ast.iter_child_nodes(node))
    while stack:
        child = stack.pop()
        out.append(child)
        if not isinstance(child, (*_SCOPES, ast.FunctionDef, ast.AsyncFunctionDef,
                                  ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(child))
    return out


def _bound(stmt: ast.stmt) -> set[str]:
    """Names a statement binds (assignments, loop and with targets, imports, defs)."""
    names: set[str] = set()
    if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        names.add(stmt.name)
    for node in [stmt, *_walk_outside_scopes(stmt)]:
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and (
            node is not stmt
        ):
            names.add(node.name)
    return names


def _root(node: ast.AST) -> str | None:
    """The name an attribute, subscript or call chain starts from (`a.b[0].c()` -> a)."""
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _changed(stmt: ast.stmt, tainted: set[str]) -> set[str]:
    """Names whose objects the statement may change: method receivers, called objects,
    targets of attribute and item assignments, and whatever the solution is handed."""
    names: set[str] = set()
    for node in [stmt, *_walk_outside_scopes(stmt)]:
        if isinstance(node, ast.Call):
            if (root := _root(node.func)) is not None:  # a method's receiver, or what is called
                names.add(root)
            if _root(node.func) in tainted:  # the solution may change what it is given
                for arg in [*node.args, *(k.value for k in node.keywords)]:
                    if (root := _root(arg)) is not None:
                        names.add(root)
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Delete):
            targets = node.targets if isinstance(node, ast.Assign | ast.Delete) else [
                node.target]
            for target in targets:
                if isinstance(target, ast.Attribute | ast.Subscript) and (
                    root := _root(target)
                ) is not None:
                    names.add(root)
    return names


def _split_assignments(body: list[ast.stmt]) -> list[ast.stmt]:
    """`a, b = x, y` as two statements (so an unused half can be left out)."""
    out: list[ast.stmt] = []
    for stmt in body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(
            stmt.targets[0], ast.Tuple
        ) and isinstance(stmt.value, ast.Tuple) and len(stmt.targets[0].elts) == len(
            stmt.value.elts
        ) and not any(isinstance(e, ast.Starred) for e in stmt.targets[0].elts):
            for target, value in zip(stmt.targets[0].elts, stmt.value.elts, strict=True):
                part = ast.Assign([target], value)
                ast.copy_location(part, stmt)
                out.append(part)
        else:
            out.append(stmt)
    return out


def _solution_names(solution: str) -> set[str]:
    """What the reference defines at its top level: the names the tests call on."""
    try:
        tree = ast.parse(solution)
    except SyntaxError:
        return set()
    names: set[str] = set()
    for stmt in tree.body:
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            continue
        names |= _bound(stmt)
    return names


def _taint(body: list[ast.stmt], solution: set[str], local: set[str]) -> set[str]:
    """Names that depend on the solution: its own, and the test names built from them or
    handed to it, statement by statement (a loop's target only when its iterable does)."""
    tainted = set(solution)
    _taint_block(body, tainted, local)
    return tainted


def _taint_block(body: list[ast.stmt], tainted: set[str], local: set[str]) -> None:
    for stmt in body:
        if isinstance(stmt, ast.For | ast.AsyncFor):
            targets = {n.id for n in ast.walk(stmt.target) if isinstance(n, ast.Name)}
            for _ in range(2):  # a second round: what one iteration taints, the next reads
                if _loaded(stmt.iter) & tainted:
                    tainted |= targets
                else:
                    tainted -= targets  # each round binds them afresh, from the iterable
                _taint_block(stmt.body, tainted, local)
            _taint_block(stmt.orelse, tainted, local)
        elif isinstance(stmt, ast.While):
            for _ in range(2):
                _taint_block(stmt.body, tainted, local)
            _taint_block(stmt.orelse, tainted, local)
        elif isinstance(stmt, ast.If):
            _taint_block(stmt.body + stmt.orelse, tainted, local)
        elif isinstance(stmt, ast.With | ast.AsyncWith):
            if any(_loaded(item.context_expr) & tainted for item in stmt.items):
                tainted |= {n.id for item in stmt.items if item.optional_vars
                            for n in ast.walk(item.optional_vars) if isinstance(n, ast.Name)}
            _taint_block(stmt.body, tainted, local)
        elif isinstance(stmt, ast.Try):
            _taint_block(stmt.body + stmt.orelse + stmt.finalbody +
                         [s for h in stmt.handlers for s in h.body], tainted, local)
        elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if _loaded(stmt) & tainted:
                tainted.add(stmt.name)
        elif isinstance(stmt, ast.Assign) and all(isinstance(t, ast.Name)
                                                  for t in stmt.targets):
            names = {t.id for t in stmt.targets}  # type: ignore[attr-defined]
            if _loaded(stmt.value) & tainted:
                tainted |= names | (_changed(stmt, tainted) & local)
            else:
                tainted -= names & local  # a fresh binding from nothing the solution made
        elif _loaded(stmt) & tainted:
            tainted |= (_bound(stmt) | _changed(stmt, tainted)) & local


class _Aliases:
    """Which test names may share objects (`opt = SGD(m.parameters())`: stepping opt changes
    m). Flow-insensitive and generous: a name bound from an expression shares with the names
    the expression reads."""

    def __init__(self, body: list[ast.stmt], local: set[str]) -> None:
        self.parent: dict[str, str] = {}
        for stmt in body:
            for node in [stmt, *_walk_outside_scopes(stmt)]:
                if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    value = node.value
                elif isinstance(node, ast.For):
                    targets, value = [node.target], node.iter
                else:
                    continue
                bound = {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
                for a in bound & local:
                    for b in _loaded(value) & local:
                        self.union(a, b)

    def find(self, name: str) -> str:
        while self.parent.get(name, name) != name:
            name = self.parent[name]
        return name

    def union(self, a: str, b: str) -> None:
        self.parent[self.find(a)] = self.find(b)

    def spread(self, names: set[str]) -> set[str]:
        roots = {self.find(n) for n in names}
        members = set(self.parent) | set(self.parent.values()) | names
        return {n for n in members if self.find(n) in roots}


def _hidden_comparisons(body: list[ast.stmt], tainted: set[str]) -> None:
    """A helper that calls the solution and compares holds expected values where the
    learner's code runs (it can read its frame): refused."""
    for stmt in body:
        for node in [stmt, *ast.walk(stmt)]:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) and (
                _loaded(node) & tainted
            ) and any(isinstance(n, ast.Compare | ast.Assert) for n in ast.walk(node)):
                raise ChecksError(f"line {node.lineno}: a helper that calls the solution and "
                                  "compares would hold expected values where the learner's "
                                  "code runs: put each comparison in an assert of its own")


def observation_program(tests: str, solution: str = "") -> Program:
    """The tests as observations, sliced to what the observed operands need (see above)."""
    tree = _parse(tests)
    lines = tests.splitlines()
    body = _split_assignments(tree.body)
    local = set().union(*(_bound(stmt) for stmt in body)) if body else set()
    tainted = _taint(body, _solution_names(solution), local)
    _hidden_comparisons(body, tainted)
    observer = _Observer(lines, tainted, local)
    transformed: list[list[ast.stmt]] = []
    for stmt in body:
        new = observer.visit(copy.deepcopy(stmt))
        parts = new if isinstance(new, list) else [new]
        for part in parts:
            ast.fix_missing_locations(part)
        transformed.append(parts)
    if not observer.units:
        raise ChecksError("the tests observe nothing that depends on the solution: the names "
                          "the reference defines never appear in an assert")
    aliases = _Aliases(body, local)
    kept = _slice(body, transformed, tainted, local, aliases)
    _no_dead_bindings(body, transformed, kept, local)
    program = Program(units=observer.units)
    for stmt, parts, keep in zip(body, transformed, kept, strict=True):
        for part in parts:
            entry = {"line": stmt.lineno, "src": ast.unparse(part)}
            program.whole.append(entry)
            if keep:
                program.statements.append(entry)
    return program


def _observes(parts: list[ast.stmt]) -> bool:
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in (
        OBSERVE, COMPARE) for part in parts for n in ast.walk(part))


def _slice(body: list[ast.stmt], transformed: list[list[ast.stmt]], tainted: set[str],
           local: set[str], aliases: _Aliases) -> list[bool]:
    """Walk back from the observations: keep a statement when it observes, when it binds or
    may change (through aliases too) a name a kept statement later reads, or when it only
    touches global state (torch.manual_seed(0))."""
    needed: set[str] = set()
    kept = [False] * len(body)
    for i in range(len(body) - 1, -1, -1):
        stmt, parts = body[i], transformed[i]
        uses = set().union(*(_loaded(p) for p in parts)) & local
        touches = aliases.spread((_bound(stmt) | _changed(stmt, tainted)) & local)
        global_only = not (_bound(stmt) & local) and not uses and not (
            _changed(stmt, tainted) & local)
        if _observes(parts) or touches & needed or global_only:
            kept[i] = True
            needed |= uses
    return kept


def _no_dead_bindings(body: list[ast.stmt], transformed: list[list[ast.stmt]],
                      kept: list[bool], local: set[str]) -> None:
    """Refuse a kept statement that binds a name nothing kept reads: it would carry a value
    only the expected side needs (the `b` of `for a, b in cases`) into the learner's
    process. Names starting with `_` and loop counters over range(...) are exempt."""
    read = set().union(*(_loaded(p) for parts, keep in zip(transformed, kept, strict=True)
                         if keep for p in parts))
    for stmt, keep in zip(body, kept, strict=True):
        if not keep:
            continue
        counters = set()
        for node in [stmt, *_walk_outside_scopes(stmt)]:
            if isinstance(node, ast.For) and isinstance(node.iter, ast.Call) and isinstance(
                node.iter.func, ast.Name
            ) and node.iter.func.id == "range":
                counters |= {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
        dead = sorted(n for n in _bound(stmt) & local - read - counters
                      if not n.startswith("_"))
        if dead:
            raise ChecksError(
                f"line {stmt.lineno}: `{dead[0]}` is bound here but no check needs it: it "
                "would carry an expected value into the learner's process. Write each case "
                "as its own assert with a literal (assert f(4) == 31689), or leave it out")


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

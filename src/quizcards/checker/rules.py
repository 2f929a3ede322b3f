"""The judging rules: when a value counts as the same as the truth, and what to say when not.

Both sides are data (protocol.py's records or plain Python values): a truth observed in a
sandboxed child and an answer read by reader.py, or the values a code card's checks gave for
the learner and for the reference. Nothing here runs code; docs/grading.md is the prose
version of this module.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from quizcards.checker.protocol import (
    DtypeValue,
    LongStr,
    NamedValue,
    OpaqueValue,
    SizeValue,
    TensorValue,
    TypeValue,
)
from quizcards.checker.reader import format_shape


@dataclass(frozen=True)
class Tolerance:
    rtol: float = 1e-3
    atol: float = 1e-5
    check_dtype: bool = False


@dataclass(frozen=True)
class Outcome:
    correct: bool
    diagnosis: str = ""
    near_miss: bool = False


RIGHT = Outcome(True)


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _is_seq(v: Any) -> bool:
    return isinstance(v, list | tuple | NamedValue | SizeValue)


def _items(v: Any) -> tuple[Any, ...]:
    if isinstance(v, NamedValue):
        return v.items
    if isinstance(v, SizeValue):
        return v.dims
    return tuple(v)


def _flatten(v: Any) -> tuple[tuple[int, ...], list[Any]] | None:
    """(shape, flat values) for numbers, bools, tensors and rectangular nested lists."""
    if isinstance(v, TensorValue):
        if v.values is None:
            return None
        return v.shape, list(v.values)
    if isinstance(v, bool) or _is_number(v) or isinstance(v, complex):
        return (), [v]
    if isinstance(v, list | tuple | NamedValue):
        items = _items(v)
        if not items:
            return (0,), []
        parts = [_flatten(x) for x in items]
        if any(p is None for p in parts):
            return None
        inner = parts[0][0]  # type: ignore[index]
        if any(p[0] != inner for p in parts):  # type: ignore[index]
            return None
        return (len(items), *inner), [x for p in parts for x in p[1]]  # type: ignore[index]
    return None


def _close(expected: Any, got: Any, tol: Tolerance) -> bool:
    if isinstance(expected, bool) or isinstance(got, bool):
        return isinstance(expected, bool) == isinstance(got, bool) and expected == got
    if isinstance(expected, complex) or isinstance(got, complex):
        return abs(complex(expected) - complex(got)) <= tol.atol + tol.rtol * abs(
            complex(expected))
    e, g = float(expected), float(got)
    if math.isnan(e) or math.isnan(g):
        return math.isnan(e) and math.isnan(g)
    if math.isinf(e) or math.isinf(g):
        return e == g
    return abs(e - g) <= tol.atol + tol.rtol * abs(e)


def _index(flat_i: int, shape: tuple[int, ...]) -> list[int]:
    idx = []
    for dim in reversed(shape):
        idx.append(flat_i % dim)
        flat_i //= dim
    return list(reversed(idx))


def render(v: Any, limit: int = 60) -> str:
    """A short, Python-like spelling of a value (for diagnoses)."""
    text = show(v)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _num(x: Any) -> str:
    """A number in a diagnosis (6 significant digits, as the old checker printed them)."""
    if isinstance(x, float):
        return f"{x:.6g}"
    return repr(x)


def _tensor_format(values: list[Any]) -> Any:
    """torch's print style: integral floats as `2.`, else 4 decimals, sci for extremes."""
    floats = [v for v in values if isinstance(v, float) and math.isfinite(v)]
    integral = all(v == int(v) for v in floats)
    big = [abs(v) for v in floats if v != 0]
    sci = bool(big) and (max(big) >= 1e8 or min(big) < 1e-4) and not integral

    def fmt(x: Any) -> str:
        if isinstance(x, float):
            if math.isnan(x):
                return "nan"
            if math.isinf(x):
                return "inf" if x > 0 else "-inf"
            if sci:
                return f"{x:.4e}"
            return f"{int(x)}." if integral else f"{x:.4f}"
        if isinstance(x, complex):
            return f"{fmt(x.real)}{'+' if x.imag >= 0 else '-'}{fmt(abs(x.imag))}j"
        return repr(x)

    return fmt


def _nested(shape: tuple[int, ...], flat: list[Any], fmt: Any) -> str:
    if not shape:
        return fmt(flat[0])
    step = math.prod(shape[1:])
    return "[" + ", ".join(_nested(shape[1:], flat[i * step:(i + 1) * step], fmt)
                           for i in range(shape[0])) + "]"


def show(v: Any) -> str:
    """Render data as the learner would type it: tensor([0.2689, 0.7311]), (3, 4), 'a'."""
    if isinstance(v, TensorValue):
        name = "tensor" if v.kind == "tensor" else "array"
        if v.values is None:
            return f"{name}(<{v.numel} values>, shape={format_shape(v.shape)}, dtype={v.dtype})"
        values = list(v.values)
        body = _nested(v.shape, values, _tensor_format(values)) if v.numel else "[]"
        default = {"tensor": ("float32", "int64", "bool"),
                   "ndarray": ("float64", "int64", "bool")}[v.kind]
        suffix = "" if v.dtype in default else (
            f", dtype=torch.{v.dtype}" if v.kind == "tensor" else f", dtype={v.dtype}")
        return f"{name}({body}{suffix})"
    if isinstance(v, SizeValue):
        return f"torch.Size([{', '.join(map(str, v.dims))}])"
    if isinstance(v, DtypeValue):
        return f"torch.{v.name}" if v.kind == "torch" else f"dtype('{v.name}')"
    if isinstance(v, TypeValue):
        return f"<class '{v.name}'>"
    if isinstance(v, NamedValue):
        inner = ", ".join(f"{f}={show(x)}" for f, x in zip(v.fields, v.items, strict=False))
        return f"{v.type.rsplit('.', 1)[-1]}({inner})"
    if isinstance(v, OpaqueValue):
        return v.text
    if isinstance(v, LongStr):
        return repr(v.head + "...") + f" ({v.length} characters)"
    if isinstance(v, list):
        return "[" + ", ".join(show(x) for x in v) + "]"
    if isinstance(v, tuple):
        return "(" + ", ".join(show(x) for x in v) + ("," if len(v) == 1 else "") + ")"
    if isinstance(v, set | frozenset):
        if not v:
            return "set()" if isinstance(v, set) else "frozenset()"
        inner = "{" + ", ".join(sorted(show(x) for x in v)) + "}"
        return inner if isinstance(v, set) else f"frozenset({inner})"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{show(k)}: {show(x)}" for k, x in v.items()) + "}"
    if isinstance(v, float):
        return repr(v)
    return repr(v)


def kind_of(v: Any) -> str:
    """What a value is, in words: 'a tensor', 'a list', 'None'."""
    if v is None:
        return "None"
    if isinstance(v, bool):
        return "a bool"
    if _is_number(v):
        return "a number"
    if isinstance(v, complex):
        return "a complex number"
    if isinstance(v, str | LongStr):
        return "a string"
    if isinstance(v, TensorValue):
        return "a tensor" if v.kind == "tensor" else "an array"
    if isinstance(v, SizeValue):
        return "a torch.Size"
    if isinstance(v, DtypeValue):
        return "a dtype"
    if isinstance(v, TypeValue):
        return "a class"
    if isinstance(v, NamedValue):
        return f"a {v.type.rsplit('.', 1)[-1]} tuple"
    if isinstance(v, OpaqueValue):
        return f"an object of type {v.type.rsplit('.', 1)[-1]}"
    if v is Ellipsis:
        return "Ellipsis"
    return f"a {type(v).__name__}"


def diagnose_shape(expected: tuple[int, ...], got: tuple[int, ...]) -> Outcome:
    """What is wrong with a shape; near misses are the ones a learner can act on."""
    if expected == got:
        return RIGHT
    e, g = list(expected), list(got)
    if sorted(e) == sorted(g):
        return Outcome(False, "right dims, wrong order", True)
    if len(g) == len(e) + 1:
        for i in range(len(g)):
            if g[:i] + g[i + 1:] == e:
                if g[i] == 1:
                    return Outcome(False, f"an extra size-1 dim at {i}: that is what "
                                   "keepdim=True gives; here the dim is reduced away", True)
                return Outcome(False, f"rank differs: expected {len(e)} dims; dim {i} "
                               f"(size {g[i]}) is reduced away", True)
    if len(e) == len(g) + 1:
        for i in range(len(e)):
            if e[:i] + e[i + 1:] == g:
                if e[i] == 1:
                    return Outcome(False, f"the result keeps a size-1 dim at {i} "
                                   "(keepdim=True or unsqueeze)", True)
                return Outcome(False, f"rank differs: expected {len(e)} dims; you dropped "
                               f"dim {i} (size {e[i]})", True)
    if len(e) != len(g):
        return Outcome(False, f"rank differs: expected {len(e)} dims, got {len(g)}")
    wrong = [i for i in range(len(e)) if e[i] != g[i]]
    if len(wrong) == 1:
        i = wrong[0]
        return Outcome(False, f"dim {i} is {e[i]}, not {g[i]}", True)
    return Outcome(False, "sizes differ at dims " + ", ".join(str(i) for i in wrong))


def _broadcasts(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    return all(x == y or 1 in (x, y) for x, y in zip(reversed(a), reversed(b), strict=False))


def compare(expected: Any, got: Any, tol: Tolerance = Tolerance(), path: str = "") -> Outcome:
    """Is `got` the same value as `expected` (the truth)? Same kind and shape, numbers within
    tolerance, dtype only when asked; say what differs otherwise."""
    where = f" at {path}" if path else ""
    e_tensor, g_tensor = isinstance(expected, TensorValue), isinstance(got, TensorValue)
    if _is_seq(expected) != _is_seq(got) and not (e_tensor or g_tensor):
        return Outcome(False, f"expected {kind_of(expected)}{where} ({render(expected)}), "
                       f"got {kind_of(got)} ({render(got)})")
    if e_tensor and g_tensor and (expected.values is None or got.values is None):
        same = (expected.shape, expected.digest) == (got.shape, got.digest) and (
            expected.digest is not None)
        return RIGHT if same else Outcome(False, f"the tensors differ{where} (too large to "
                                          "compare value by value; an exact match is needed)")
    sizes = isinstance(expected, SizeValue) or isinstance(got, SizeValue)
    if sizes and _is_seq(expected) and _is_seq(got) and not (
        isinstance(expected, NamedValue) or isinstance(got, NamedValue)
    ):
        e_dims, g_dims = _items(expected), _items(got)
        if e_dims == g_dims:
            return RIGHT
        if all(type(x) is int for x in (*e_dims, *g_dims)):
            outcome = diagnose_shape(tuple(e_dims), tuple(g_dims))
            return Outcome(False, f"sizes differ{where}: expected {format_shape(e_dims)}, "
                           f"got {format_shape(g_dims)} ({outcome.diagnosis})",
                           outcome.near_miss)
    ef, gf = _flatten(expected), _flatten(got)
    if ef is not None and gf is not None:
        return _compare_arrays(expected, got, ef, gf, tol, where)
    if isinstance(expected, dict) and isinstance(got, dict):
        if set(expected) != set(got):
            missing = sorted(render(k) for k in set(expected) - set(got))
            extra = sorted(render(k) for k in set(got) - set(expected))
            parts = ([f"missing keys {', '.join(missing)}"] if missing else []) + (
                [f"unexpected keys {', '.join(extra)}"] if extra else [])
            return Outcome(False, f"keys differ{where}: " + "; ".join(parts), True)
        for k in expected:
            out = compare(expected[k], got[k], tol, f"{path}[{render(k)}]")
            if not out.correct:
                return out
        return RIGHT
    if _is_seq(expected) and _is_seq(got):
        e_items, g_items = _items(expected), _items(got)
        if len(e_items) != len(g_items):
            return Outcome(False, f"length differs{where}: expected {len(e_items)} items, "
                           f"got {len(g_items)}", True)
        for i, (e, g) in enumerate(zip(e_items, g_items, strict=True)):
            out = compare(e, g, tol, f"{path}[{i}]")
            if not out.correct:
                return out
        return RIGHT
    if isinstance(expected, set | frozenset) and isinstance(got, set | frozenset):
        if expected == got:
            return RIGHT
        missing = sorted(render(x) for x in expected - got)
        extra = sorted(render(x) for x in got - expected)
        return Outcome(False, f"sets differ{where}: missing {missing}, unexpected {extra}", True)
    if isinstance(expected, OpaqueValue) and isinstance(got, OpaqueValue):
        if expected.type == got.type:
            return RIGHT
        return Outcome(False, f"expected {kind_of(expected)}{where}, got {kind_of(got)}")
    if isinstance(expected, LongStr) or isinstance(got, LongStr):
        e_digest = expected.digest if isinstance(expected, LongStr) else None
        g_digest = got.digest if isinstance(got, LongStr) else None
        if e_digest is not None and e_digest == g_digest:
            return RIGHT
        return Outcome(False, f"the strings differ{where}")
    if kind_of(expected) != kind_of(got):
        return Outcome(False, f"expected {kind_of(expected)}{where}, got {kind_of(got)}")
    if expected == got:
        return RIGHT
    if isinstance(expected, str) and isinstance(got, str) and expected.strip() == got.strip():
        return Outcome(False, f"differs only in surrounding whitespace{where}", True)
    return Outcome(False, f"values differ{where}: expected {render(expected)}, "
                   f"got {render(got)}")


def _dtype_of(v: Any) -> str:
    if isinstance(v, TensorValue):
        return v.dtype
    return type(v).__name__


def _compare_arrays(expected: Any, got: Any, ef: tuple[tuple[int, ...], list[Any]],
                    gf: tuple[tuple[int, ...], list[Any]], tol: Tolerance, where: str
                    ) -> Outcome:
    eshape, evals = ef
    gshape, gvals = gf
    if isinstance(expected, bool) != isinstance(got, bool) and not eshape and not gshape:
        return Outcome(False, f"expected {kind_of(expected)}{where} ({render(expected)}), "
                       f"got {kind_of(got)} ({render(got)})", True)
    if eshape != gshape:
        if sorted(eshape) == sorted(gshape) or len(evals) == len(gvals):
            hint = "right number of values, wrong shape"
        elif _broadcasts(eshape, gshape):
            hint = "the shapes broadcast together, but the result keeps its own shape"
        else:
            hint = diagnose_shape(eshape, gshape).diagnosis
        return Outcome(False, f"shape differs{where}: expected {format_shape(eshape)}, "
                       f"got {format_shape(gshape)} ({hint})", True)
    if tol.check_dtype and isinstance(expected, TensorValue) and _dtype_of(expected) != (
        _dtype_of(got)
    ):
        return Outcome(False, f"dtype differs{where}: expected {_dtype_of(expected)}, "
                       f"got {_dtype_of(got)}", True)
    if isinstance(expected, TensorValue) and expected.dtype == "bool" and evals and not all(
        isinstance(v, bool) for v in gvals
    ):
        return Outcome(False, f"the values{where} are bools (True/False)", True)
    bad = [i for i, (e, g) in enumerate(zip(evals, gvals, strict=True)) if not _close(e, g, tol)]
    if not bad:
        return RIGHT
    i = bad[0]
    pos = f" at {_index(i, eshape)}" if eshape else ""
    e, g = evals[i], gvals[i]
    msg = f"values differ{where}{pos}: expected {_num(e)}, got {_num(g)}"
    near = False
    if _is_number(e) and _is_number(g) and math.isfinite(e) and math.isfinite(g):
        diff = abs(e - g)
        rel = diff / abs(e) if e else math.inf
        msg += f" (off by {diff:.3g}"
        msg += f", {rel:.2%})" if math.isfinite(rel) else ")"
        near = rel < 0.05
    if len(evals) > 1:
        msg += f"; {len(bad)} of {len(evals)} values differ"
        near = near or len(bad) <= max(1, len(evals) // 4)
    return Outcome(False, msg, near)

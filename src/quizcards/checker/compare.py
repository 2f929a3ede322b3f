"""Comparing a learner's value with the truth, and saying what is off.

Duck-typed on purpose: tensors and arrays are recognised by their methods, so this module
never imports torch and can be tested without it. It runs inside the sandbox child.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from quizcards.checker.answers import format_shape


@dataclass(frozen=True)
class Outcome:
    correct: bool
    diagnosis: str = ""
    near_miss: bool = False


RIGHT = Outcome(True)


def _is_tensorlike(v: Any) -> bool:
    return hasattr(v, "shape") and hasattr(v, "tolist") and hasattr(v, "dtype")


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _dtype_name(v: Any) -> str:
    return str(getattr(v, "dtype", type(v).__name__)).removeprefix("torch.")


def _flatten(v: Any) -> tuple[tuple[int, ...], list[Any]] | None:
    """(shape, flat values) for numbers, bools, tensors and rectangular nested lists; else None."""
    if _is_tensorlike(v):
        if hasattr(v, "detach"):
            v = v.detach()
        data = v.tolist()
        shape = tuple(int(d) for d in v.shape)
        return shape, _flat_list(data) if shape else [data]
    if isinstance(v, bool) or _is_number(v):
        return (), [v]
    if hasattr(v, "item") and hasattr(v, "dtype"):  # numpy scalar
        return (), [v.item()]
    if isinstance(v, list | tuple) and not hasattr(v, "_fields") and not _is_size(v):
        if not v:
            return (0,), []
        parts = [_flatten(x) for x in v]
        if any(p is None for p in parts):
            return None
        inner = parts[0][0]  # type: ignore[index]
        if any(p[0] != inner for p in parts):  # type: ignore[index]
            return None
        flat = [x for p in parts for x in p[1]]  # type: ignore[index]
        return (len(v), *inner), flat
    return None


def _is_size(v: Any) -> bool:
    return type(v).__name__ == "Size"


def _flat_list(data: Any) -> list[Any]:
    if isinstance(data, list):
        return [x for item in data for x in _flat_list(item)]
    return [data]


def _close(expected: Any, got: Any, rtol: float, atol: float) -> bool:
    if isinstance(expected, bool) or isinstance(got, bool):
        return bool(expected) == bool(got) and isinstance(expected, bool) == isinstance(got, bool)
    if isinstance(expected, complex) or isinstance(got, complex):
        return abs(complex(expected) - complex(got)) <= atol + rtol * abs(complex(expected))
    e, g = float(expected), float(got)
    if math.isnan(e) or math.isnan(g):
        return math.isnan(e) and math.isnan(g)
    if math.isinf(e) or math.isinf(g):
        return e == g
    return abs(e - g) <= atol + rtol * abs(e)


def _index(flat_i: int, shape: tuple[int, ...]) -> list[int]:
    idx = []
    for dim in reversed(shape):
        idx.append(flat_i % dim)
        flat_i //= dim
    return list(reversed(idx))


def _short(x: Any) -> str:
    text = repr(x)
    return text if len(text) <= 60 else text[:57] + "..."


def _fmt(x: Any) -> str:
    if isinstance(x, float):
        return f"{x:.6g}"
    return repr(x)


def diagnose_shape(expected: tuple[int, ...], got: tuple[int, ...]) -> Outcome:
    """What is wrong with a shape; near misses are the ones a learner can act on."""
    if expected == got:
        return RIGHT
    e, g = list(expected), list(got)
    if sorted(e) == sorted(g):
        return Outcome(False, "right dims, wrong order", True)
    if len(g) == len(e) + 1:
        for i in range(len(g)):
            if g[:i] + g[i + 1 :] == e:
                if g[i] == 1:
                    return Outcome(False, f"an extra size-1 dim at {i}: that is what "
                                   "keepdim=True gives; here the dim is reduced away", True)
                return Outcome(False, f"rank differs: expected {len(e)} dims; dim {i} "
                               f"(size {g[i]}) is reduced away", True)
    if len(e) == len(g) + 1:
        for i in range(len(e)):
            if e[:i] + e[i + 1 :] == g:
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
    for x, y in zip(reversed(a), reversed(b), strict=False):
        if x != y and 1 not in (x, y):
            return False
    return True


def _kind(v: Any) -> str:
    if v is None:
        return "None"
    if isinstance(v, bool):
        return "a bool"
    if _is_number(v):
        return "a number"
    if isinstance(v, str):
        return "a string"
    if _is_tensorlike(v):
        return "a tensor" if hasattr(v, "detach") else "an array"
    if isinstance(v, list | tuple):
        return f"a {type(v).__name__}"
    return f"a {type(v).__name__}"


def compare_values(
    expected: Any,
    got: Any,
    *,
    rtol: float = 1e-3,
    atol: float = 1e-5,
    check_dtype: bool = False,
    path: str = "",
) -> Outcome:
    """Same kind and shape, values within tolerances (dtype only when asked)."""
    where = f" at {path}" if path else ""
    seq = (list, tuple)
    if (isinstance(expected, seq) != isinstance(got, seq)) and not (
        _is_tensorlike(expected) or _is_tensorlike(got)
    ):  # a container against a plain value: say so, rather than compare "shapes"
        return Outcome(False, f"expected {_kind(expected)}{where} ({_short(expected)}), "
                       f"got {_kind(got)} ({_short(got)})")
    ef, gf = _flatten(expected), _flatten(got)
    if ef is not None and gf is not None:
        return _compare_arrays(expected, got, ef, gf, rtol, atol, check_dtype, where)
    if isinstance(expected, dict) and isinstance(got, dict):
        if set(expected) != set(got):
            missing = sorted(map(repr, set(expected) - set(got)))
            extra = sorted(map(repr, set(got) - set(expected)))
            parts = ([f"missing keys {', '.join(missing)}"] if missing else []) + (
                [f"unexpected keys {', '.join(extra)}"] if extra else []
            )
            return Outcome(False, f"keys differ{where}: " + "; ".join(parts), True)
        for k in expected:
            out = compare_values(expected[k], got[k], rtol=rtol, atol=atol,
                                 check_dtype=check_dtype, path=f"{path}[{k!r}]")
            if not out.correct:
                return out
        return RIGHT
    if isinstance(expected, seq) and isinstance(got, seq):
        if len(expected) != len(got):
            return Outcome(False, f"length differs{where}: expected {len(expected)} items, "
                           f"got {len(got)}", True)
        for i, (e, g) in enumerate(zip(expected, got, strict=True)):
            out = compare_values(e, g, rtol=rtol, atol=atol, check_dtype=check_dtype,
                                 path=f"{path}[{i}]")
            if not out.correct:
                return out
        return RIGHT
    if isinstance(expected, set | frozenset) and isinstance(got, set | frozenset):
        if expected == got:
            return RIGHT
        return Outcome(False, f"sets differ{where}: missing {sorted(map(repr, expected - got))}, "
                       f"unexpected {sorted(map(repr, got - expected))}", True)
    if _kind(expected) != _kind(got) and not (ef is not None and gf is not None):
        return Outcome(False, f"expected {_kind(expected)}{where}, got {_kind(got)}")
    try:
        same = bool(expected == got)
    except Exception:
        same = repr(expected) == repr(got)
    if same:
        return RIGHT
    if isinstance(expected, str) and isinstance(got, str) and expected.strip() == got.strip():
        return Outcome(False, f"differs only in surrounding whitespace{where}", True)
    return Outcome(False, f"values differ{where}: expected {expected!r}, got {got!r}")


def _compare_arrays(
    expected: Any,
    got: Any,
    ef: tuple[tuple[int, ...], list[Any]],
    gf: tuple[tuple[int, ...], list[Any]],
    rtol: float,
    atol: float,
    check_dtype: bool,
    where: str,
) -> Outcome:
    eshape, evals = ef
    gshape, gvals = gf
    if isinstance(expected, bool) != isinstance(got, bool) and not eshape and not gshape:
        return Outcome(False, f"expected {_kind(expected)}{where} ({expected!r}), "
                       f"got {_kind(got)} ({got!r})", True)
    if eshape != gshape:
        if sorted(eshape) == sorted(gshape) or len(evals) == len(gvals):
            hint = "right number of values, wrong shape"
        elif _broadcasts(eshape, gshape):
            hint = "the shapes broadcast together, but the result keeps its own shape"
        else:
            hint = diagnose_shape(eshape, gshape).diagnosis
        return Outcome(False, f"shape differs{where}: expected {format_shape(eshape)}, "
                       f"got {format_shape(gshape)} ({hint})", True)
    if check_dtype and _is_tensorlike(expected) and _dtype_name(expected) != _dtype_name(got):
        return Outcome(False, f"dtype differs{where}: expected {_dtype_name(expected)}, "
                       f"got {_dtype_name(got)}", True)
    if _dtype_name(expected) == "bool" and evals and not all(isinstance(v, bool) for v in gvals):
        return Outcome(False, f"the values{where} are bools (True/False)", True)
    bad = [i for i, (e, g) in enumerate(zip(evals, gvals, strict=True))
           if not _close(e, g, rtol, atol)]
    if not bad:
        return RIGHT
    i = bad[0]
    pos = f" at {_index(i, eshape)}" if eshape else ""
    e, g = evals[i], gvals[i]
    msg = f"values differ{where}{pos}: expected {_fmt(e)}, got {_fmt(g)}"
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

"""The judging rules: when a value counts as the same as the truth, and what to say when not.

Both sides are data (protocol.py's records or plain Python values): a truth observed in a
sandboxed child and an answer read by reader.py, or the values a code card's checks gave for
the learner and for the reference. Nothing here runs code; docs/grading.md is the prose
version of this module.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from quizcards.checker.protocol import (
    DtypeValue,
    ExcInfo,
    LongStr,
    NamedValue,
    OpaqueValue,
    SizeValue,
    TensorValue,
    TypeValue,
)
from quizcards.checker.reader import format_shape
from quizcards.core.cloze import normalize_words


@dataclass(frozen=True)
class Tolerance:
    rtol: float = 1e-3
    atol: float = 1e-5
    check_dtype: bool = False
    decimals: int | None = 2  # the fewest decimals a typed number needs (None: exact only)
    strict: bool = False  # code cards: int is not float, a list is not a tensor, ...


@dataclass(frozen=True)
class Outcome:
    correct: bool
    diagnosis: str = ""
    near_miss: bool = False


RIGHT = Outcome(True)


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _flatten(v: Any) -> tuple[tuple[int, ...], list[Any]] | None:
    """(shape, flat values) for numbers, bools, tensors and rectangular nested lists, the
    spellings a tensor may be typed in; None for anything else."""
    if isinstance(v, TensorValue):
        if v.values is None:
            return None
        return v.shape, list(v.values)
    if isinstance(v, bool) or _is_number(v) or isinstance(v, complex):
        return (), [v]
    if isinstance(v, list | tuple):
        items = tuple(v)
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


def _holds_tensor(v: list[Any] | tuple[Any, ...]) -> bool:
    return any(isinstance(x, TensorValue) or (isinstance(x, list | tuple) and _holds_tensor(x))
               for x in v)


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
    return _int_text(x) if type(x) is int else repr(x)


def _int_text(x: int) -> str:
    """An int as digits, or its size when it has too many to print."""
    if abs(x) < 10**100:
        return repr(x)
    return f"<an int of about {int(x.bit_length() * 0.30103) + 1} digits>"


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
    if type(v) is int:
        return _int_text(v)
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
                               f"(size {g[i]}) is reduced away")
    if len(e) == len(g) + 1:
        for i in range(len(e)):
            if e[:i] + e[i + 1:] == g:
                if e[i] == 1:
                    return Outcome(False, f"the result keeps a size-1 dim at {i} "
                                   "(keepdim=True or unsqueeze)", True)
                return Outcome(False, f"rank differs: expected {len(e)} dims; you dropped "
                               f"dim {i} (size {e[i]})")
    if len(e) != len(g):
        return Outcome(False, f"rank differs: expected {len(e)} dims, got {len(g)}")
    wrong = [i for i in range(len(e)) if e[i] != g[i]]
    if len(wrong) == 1:
        i = wrong[0]
        return Outcome(False, f"dim {i} is {e[i]}, not {g[i]}", True)
    return Outcome(False, "sizes differ at dims " + ", ".join(str(i) for i in wrong))


def _broadcasts(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    return all(x == y or 1 in (x, y) for x, y in zip(reversed(a), reversed(b), strict=False))


_CONTAINERS = (list, tuple, set, frozenset, dict)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def compare(expected: Any, got: Any, tol: Tolerance = Tolerance(), path: str = "") -> Outcome:
    """Is `got` the same value as `expected` (the truth)? docs/grading.md, section 2, rule by
    rule; the outcome says what differs and whether it is a near miss (section 3)."""
    where = f" at {path}" if path else ""
    if tol.strict and _type_key(expected) != _type_key(got):  # code cards: types are behaviour
        return _wrong_kind(expected, got, where)
    if isinstance(expected, TypeValue | DtypeValue) and isinstance(got, str):
        return _named(expected, got, where)
    if isinstance(expected, str) and isinstance(got, TypeValue | DtypeValue):
        if _named(got, expected, where).near_miss:
            return Outcome(False, f"the string {expected!r}{where}, not the "
                           f"{'class' if isinstance(got, TypeValue) else 'dtype'} "
                           f"{render(got)}", True)
        return _wrong_kind(expected, got, where)
    if isinstance(expected, TensorValue):
        return _against_tensor(expected, got, tol, where)
    if isinstance(got, TensorValue):
        return _wrong_kind(expected, got, where)
    if isinstance(expected, bool) or isinstance(got, bool):
        if type(expected) is type(got):
            return RIGHT if expected == got else Outcome(
                False, f"expected {expected}{where}, got {got}")
        return _wrong_kind(expected, got, where)
    if _is_number(expected) or isinstance(expected, complex):
        if not (_is_number(got) or isinstance(got, complex)):
            return _wrong_kind(expected, got, where)
        return _compare_arrays(expected, got, ((), [expected]), ((), [got]), tol, where)
    if isinstance(expected, SizeValue):
        return _against_size(expected, got, where)
    if isinstance(expected, NamedValue):
        if isinstance(got, NamedValue | tuple):
            return _items(expected.items, _items_of(got), tol, path, where)
        return _container_mismatch(expected, got, tol, path, where)
    if isinstance(expected, _CONTAINERS):
        if type(got) is type(expected):
            return _same_container(expected, got, tol, path, where)
        return _container_mismatch(expected, got, tol, path, where)
    if isinstance(expected, str | LongStr):
        return _strings(expected, got, where)
    if isinstance(expected, OpaqueValue) and isinstance(got, OpaqueValue):
        if expected.type != got.type:
            return Outcome(False, f"expected {kind_of(expected)}{where}, got {kind_of(got)}")
        if expected.attrs is None or got.attrs is None:
            return RIGHT if expected.attrs is got.attrs else Outcome(
                False, f"expected {kind_of(expected)}{where}, got one without its attributes")
        out = compare(expected.attrs, got.attrs, tol, f"{path}.__dict__")
        return out if out.correct else Outcome(False, f"the {kind_of(expected)}'s attributes "
                                               f"differ{where}: {out.diagnosis}")
    if kind_of(expected) != kind_of(got):
        return _wrong_kind(expected, got, where)
    if expected == got:
        return RIGHT
    return Outcome(False, f"expected {render(expected)}{where}, got {render(got)}")


def _type_key(v: Any) -> Any:
    """What a value is, exactly (code cards): int is not float, a list is not a tensor, a
    float32 tensor is not a float64 one, a named tuple is not a plain one."""
    if isinstance(v, TensorValue):
        return (v.kind, v.dtype)
    if isinstance(v, NamedValue):
        return ("named", v.type)
    if isinstance(v, OpaqueValue):
        return ("object", v.type)
    if isinstance(v, LongStr):
        return str
    return type(v)


def _items_of(v: Any) -> tuple[Any, ...]:
    if isinstance(v, NamedValue):
        return v.items
    if isinstance(v, SizeValue):
        return v.dims
    return tuple(v)


def _wrong_kind(expected: Any, got: Any, where: str) -> Outcome:
    """A different kind of value altogether: never a near miss."""
    return Outcome(False, f"expected {kind_of(expected)}{where} ({render(expected)}), "
                   f"got {kind_of(got)} ({render(got)})")


def _named(expected: TypeValue | DtypeValue, got: str, where: str) -> Outcome:
    """A class or dtype typed as its name in quotes ('map', 'torch.float32'): the right name,
    but a string is not a class (a near miss). `correct` on the result says the name fits."""
    name = expected.name
    short = name.rsplit(".", 1)[-1]
    names = {name, short, f"torch.{name}"} if isinstance(expected, DtypeValue) else {
        name, short}
    what = "class" if isinstance(expected, TypeValue) else "dtype"
    if got.strip() in names:
        return Outcome(False, f"the {what} {render(expected)}{where}, not the string "
                       f"{got!r}", True)
    return Outcome(False, f"expected the {what} {render(expected)}{where}, got the string "
                   f"{got!r}")


def _strings(expected: Any, got: Any, where: str) -> Outcome:
    if isinstance(expected, LongStr) or isinstance(got, LongStr):
        same = isinstance(expected, LongStr) and isinstance(got, LongStr) and (
            expected.digest == got.digest)
        return RIGHT if same else Outcome(False, f"the strings differ{where}")
    if not isinstance(got, str):
        return _wrong_kind(expected, got, where)
    if expected == got:
        return RIGHT
    if expected.strip() == got.strip():
        return Outcome(False, f"differs only in surrounding whitespace{where}", True)
    if expected.lower() == got.lower():
        return Outcome(False, f"differs only in upper and lower case{where}: expected "
                       f"{expected!r}", True)
    return Outcome(False, f"values differ{where}: expected {render(expected)}, "
                   f"got {render(got)}")


def _against_size(expected: SizeValue, got: Any, where: str) -> Outcome:
    """A torch.Size is a tuple of sizes: Size, tuple and list spellings are all right."""
    if not isinstance(got, SizeValue | list | tuple) or not all(
        type(d) is int for d in _items_of(got)
    ):
        return _wrong_kind(expected, got, where)
    dims = tuple(_items_of(got))
    if dims == expected.dims:
        return RIGHT
    outcome = diagnose_shape(expected.dims, dims)
    return Outcome(False, f"sizes differ{where}: expected {format_shape(expected.dims)}, "
                   f"got {format_shape(dims)} ({outcome.diagnosis})", outcome.near_miss)


def _against_tensor(expected: TensorValue, got: Any, tol: Tolerance, where: str) -> Outcome:
    """A tensor may be typed as tensor(...), as nested lists, or (0-d) as a number."""
    if expected.values is None or (isinstance(got, TensorValue) and got.values is None):
        same = isinstance(got, TensorValue) and (expected.shape, expected.digest) == (
            got.shape, got.digest) and expected.digest is not None
        return RIGHT if same else Outcome(False, f"the tensors differ{where} (too large to "
                                          "compare value by value; an exact match is needed)")
    if not (isinstance(got, TensorValue | list | tuple | bool | complex) or _is_number(got)):
        return _wrong_kind(expected, got, where)
    if isinstance(got, list | tuple) and _holds_tensor(got):
        # nested lists spell a tensor; a list or tuple *of tensors* is a container
        if len(got) == 1 and compare(expected, got[0], tol).correct:
            return Outcome(False, f"right tensor{where}, but inside {kind_of(got)} "
                           f"({render(got)})", near_miss=True)
        return _wrong_kind(expected, got, where)
    flat = _flatten(got)
    if flat is None:
        return Outcome(False, f"expected {kind_of(expected)}{where} ({render(expected)}), "
                       f"got {render(got)}, which is not a rectangle of numbers")
    return _compare_arrays(expected, got, (expected.shape, list(expected.values)), flat, tol,
                           where)


def _same_container(expected: Any, got: Any, tol: Tolerance, path: str, where: str
                    ) -> Outcome:
    if isinstance(expected, dict):
        want, have = _keyed(expected, tol), _keyed(got, tol)
        missing = [want[k] for k in want if k not in have]
        extra = [have[k] for k in have if k not in want]
        if missing or extra:
            parts = ([f"missing keys {', '.join(sorted(render(k) for k in missing))}"]
                     if missing else []) + (
                [f"unexpected keys {', '.join(sorted(render(k) for k in extra))}"]
                if extra else [])
            return Outcome(False, f"keys differ{where}: " + "; ".join(parts),
                           len(missing) + len(extra) == 1)
        return _worst(compare(expected[k], got[have[key]], tol, f"{path}[{render(k)}]")
                      for key, k in want.items())
    if isinstance(expected, set | frozenset):
        want, have = _keyed(expected, tol), _keyed(got, tol)
        if want.keys() == have.keys():
            return RIGHT
        missing = sorted(render(want[k]) for k in want.keys() - have.keys())
        extra = sorted(render(have[k]) for k in have.keys() - want.keys())
        parts = ([f"missing {', '.join(missing)}"] if missing else []) + (
            [f"unexpected {', '.join(extra)}"] if extra else [])
        return Outcome(False, f"sets differ{where}: " + "; ".join(parts),
                       len(missing) + len(extra) == 1)
    return _items(tuple(expected), tuple(got), tol, path, where)


def _items(expected: tuple[Any, ...], got: tuple[Any, ...], tol: Tolerance, path: str,
           where: str) -> Outcome:
    if len(expected) != len(got):
        return Outcome(False, f"length differs{where}: expected "
                       f"{_plural(len(expected), 'item')}, got {len(got)}",
                       abs(len(expected) - len(got)) == 1)
    return _worst(compare(e, g, tol, f"{path}[{i}]")
                  for i, (e, g) in enumerate(zip(expected, got, strict=True)))


def _worst(outcomes: Iterable[Outcome]) -> Outcome:
    """A container is as wrong as its worst item: the first plain miss, else the first near
    miss, else right."""
    near: Outcome | None = None
    for out in outcomes:
        if not out.correct and not out.near_miss:
            return out
        if not out.correct and near is None:
            near = out
    return near or RIGHT


def _container_mismatch(expected: Any, got: Any, tol: Tolerance, path: str, where: str
                        ) -> Outcome:
    """The right items in the wrong kind of container is a near miss; anything else in a
    container of another kind is wrong."""
    want = "a tuple" if isinstance(expected, NamedValue) else kind_of(expected)
    if not isinstance(got, _CONTAINERS) or isinstance(got, dict) != isinstance(expected, dict):
        return _wrong_kind(expected, got, where)
    if isinstance(expected, set | frozenset) or isinstance(got, set | frozenset):
        try:
            same = set(_items_of(expected)) == set(got)
        except TypeError:
            same = False
    else:
        same = compare(_loose(expected), _loose(got), tol, path).correct
    if same:
        return Outcome(False, f"right items{where}, but {kind_of(got)}, not {want}", True)
    return Outcome(False, f"expected {want}{where} ({render(expected)}), "
                   f"got {kind_of(got)} ({render(got)})")


def _key(v: Any, tol: Tolerance) -> Any:
    """A hashable key that keeps apart what Python's == merges: True is not 1 (and, with
    strict types, 1 is not 1.0)."""
    if isinstance(v, bool):
        return ("bool", v)
    if _is_number(v):
        return (type(v).__name__ if tol.strict else "number", v)
    if isinstance(v, tuple):
        return ("tuple", tuple(_key(x, tol) for x in v))
    if isinstance(v, frozenset):
        return ("frozenset", frozenset(_key(x, tol) for x in v))
    return (type(v).__name__, v)


def _keyed(items: Any, tol: Tolerance) -> dict[Any, Any]:
    """Set items or dict keys by their keys (see _key), mapped to the items themselves."""
    return {_key(x, tol): x for x in items}


def _loose(v: Any) -> Any:
    """The value with every tuple, named tuple and list made a list (to ask whether only
    the kind of container differs)."""
    if isinstance(v, NamedValue):
        return [_loose(x) for x in v.items]
    if isinstance(v, list | tuple):
        return [_loose(x) for x in v]
    if isinstance(v, dict):
        return {k: _loose(x) for k, x in v.items()}
    return v


def _precision(e: float, g: Any, tol: Tolerance) -> int | None:
    """The decimals typed when `g` is the truth `e` rounded to them (so only precision can be
    short), else None. Whole numbers typed count as 0 decimals. `_close` calls it with a
    finite float `e` and a number `g` that is not a bool."""
    if tol.decimals is None:
        return None
    decimals = getattr(g, "decimals", 0 if isinstance(g, int) else None)
    if decimals is None:
        return None
    half = 0.5 * 10.0 ** -decimals
    return decimals if abs(e - float(g)) <= half * (1 + 1e-9) else None


def _close(e: Any, g: Any, tol: Tolerance) -> bool | int:
    """True when the same number; an int (the decimals typed) when right only to fewer
    decimals than the card wants; False otherwise."""
    if isinstance(e, bool) or isinstance(g, bool):
        return isinstance(e, bool) and isinstance(g, bool) and e == g
    if isinstance(e, complex) or isinstance(g, complex):
        return abs(complex(e) - complex(g)) <= tol.atol + tol.rtol * abs(complex(e))
    if type(e) is int and type(g) is int:  # whole numbers (counts, sizes) are exact
        return e == g
    try:
        ef, gf = float(e), float(g)
    except OverflowError:  # an int too large for a float: only the exact int would do
        return False
    if math.isnan(ef) or math.isnan(gf):
        return math.isnan(ef) and math.isnan(gf)
    if math.isinf(ef) or math.isinf(gf):
        return ef == gf
    if abs(ef - gf) <= tol.atol + tol.rtol * abs(ef):
        return True
    decimals = _precision(ef, g, tol)
    if decimals is None:
        return False
    return True if decimals >= (tol.decimals or 0) else decimals


def _compare_arrays(expected: Any, got: Any, ef: tuple[tuple[int, ...], list[Any]],
                    gf: tuple[tuple[int, ...], list[Any]], tol: Tolerance, where: str
                    ) -> Outcome:
    eshape, evals = ef
    gshape, gvals = gf
    if eshape != gshape:
        if not eshape or not gshape:  # a number against a list or the other way round
            near = len(evals) == len(gvals) == 1 and _close(evals[0], gvals[0], tol) is True
            return Outcome(False, f"shape differs{where}: expected {format_shape(eshape)}, "
                           f"got {format_shape(gshape)}" + (" (the right number, but "
                           "brackets differ)" if near else ""), near)
        if sorted(eshape) == sorted(gshape) or len(evals) == len(gvals):
            hint = "right number of values, wrong shape"
        elif _broadcasts(eshape, gshape):
            hint = "the shapes broadcast together, but the result keeps its own shape"
        else:
            hint = diagnose_shape(eshape, gshape).diagnosis
        return Outcome(False, f"shape differs{where}: expected {format_shape(eshape)}, "
                       f"got {format_shape(gshape)} ({hint})", diagnose_shape(
                           eshape, gshape).near_miss)
    if tol.check_dtype and isinstance(expected, TensorValue) and isinstance(
        got, TensorValue
    ) and expected.dtype != got.dtype:
        return Outcome(False, f"dtype differs{where}: expected {expected.dtype}, "
                       f"got {got.dtype}", True)
    if isinstance(expected, TensorValue) and expected.dtype == "bool" and evals and not all(
        isinstance(v, bool) for v in gvals
    ):
        return Outcome(False, f"the values{where} are bools (True/False)", True)
    results = [_close(e, g, tol) for e, g in zip(evals, gvals, strict=True)]
    bad = [i for i, r in enumerate(results) if r is False]
    short = [r for r in results if r is not True and r is not False]
    if not bad and not short:
        return RIGHT
    if not bad:
        typed = min(short)
        return Outcome(False, f"right to {_plural(typed, 'decimal')}{where}, the card wants "
                       f"{tol.decimals}", True)
    i = bad[0]
    pos = f" at {_index(i, eshape)}" if eshape else ""
    e, g = evals[i], gvals[i]
    msg = f"values differ{where}{pos}: expected {_num(e)}, got {_num(g)}"
    rel = _relative(e, g)
    if rel is not None:
        msg += f" (off by {abs(float(e) - float(g)):.3g}"
        msg += f", {rel:.2%})" if math.isfinite(rel) else ")"
    if len(evals) > 1:
        msg += f"; {len(bad)} of {len(evals)} values differ"
    offs = [_relative(evals[j], gvals[j]) for j in bad]
    finite = all(r is not None for r in offs)
    near = finite and (all(r < 0.05 for r in offs)  # type: ignore[operator]
                       or (len(evals) >= 4 and len(bad) <= len(evals) // 4))
    return Outcome(False, msg, near)


def _relative(e: Any, g: Any) -> float | None:
    """How far off, relative to the truth (inf for a truth of 0); None for non-numbers."""
    if not (_is_number(e) and _is_number(g)):
        return None
    try:
        ef, gf = float(e), float(g)
    except OverflowError:
        return None
    if not (math.isfinite(ef) and math.isfinite(gf)):
        return None
    return abs(ef - gf) / abs(ef) if ef else math.inf


def compare_output(expected: str, got: str) -> Outcome:
    """Printed output (both normalised by the reader): only case and spacing are near."""
    if expected == got:
        return RIGHT
    t_lines, g_lines = expected.split("\n"), got.split("\n")
    if " ".join(expected.split()) == " ".join(got.split()):
        return Outcome(False, "same words, different spacing or line breaks", True)
    if " ".join(expected.lower().split()) == " ".join(got.lower().split()):
        return Outcome(False, "same words, different upper and lower case", True)
    if "".join(expected.split()) == "".join(got.split()):
        return Outcome(False, "same characters, different spacing", True)
    for i, (t, g) in enumerate(zip(t_lines, g_lines, strict=False), start=1):
        if t != g:
            return Outcome(False, f"line {i} differs: expected {t[:120]!r}, got {g[:120]!r}")
    return Outcome(False, f"expected {len(t_lines)} lines, got {len(g_lines)}")


def compare_words(expected: str, got: str, exact_case: bool) -> Outcome:
    """A prose blank of a cloze card. Surrounding whitespace, runs of whitespace and a pair
    of backticks around the answer do not count; neither does case, except in a blank inside
    a code span (a Python name), where differing only in case is a near miss. The same
    letters spaced otherwise is a near miss too."""
    e, g = normalize_words(expected), normalize_words(got)
    if e == g or (not exact_case and e.lower() == g.lower()):
        return RIGHT
    if e.lower() == g.lower():
        return Outcome(False, "right word, but it is code: upper and lower case count", True)
    if "".join(e.lower().split()) == "".join(g.lower().split()):
        return Outcome(False, "same letters, different spacing", True)
    return Outcome(False, f"expected {e[:120]!r}")


def compare_exception(raised: ExcInfo | None, named: str | None, accept: list[str]
                      ) -> tuple[str, Outcome]:
    """An exception name typed (None: "nothing is raised") against what the code raised.
    Names match in any case; a card's `accept` names count too; a base class of the one
    raised is a near miss. Returns the name to show as the answer and the outcome."""
    detail = raised.line_text if raised is not None else "it runs without raising"
    if raised is None:
        if named is None:
            return "none", Outcome(True, detail)
        return named, Outcome(False, f"the code does not raise; you said {named}")
    if named is None:
        return "none", Outcome(False, f"it raises {detail}")
    by_lower = {n.lower(): n for n in (raised.type, *accept)}
    if named.lower() in by_lower:
        return by_lower[named.lower()], Outcome(True, detail)
    bases = {b.lower(): b for b in raised.bases}
    near = named.lower() in bases
    shown = bases.get(named.lower(), named)
    extra = f" ({shown} is a base class of it)" if near else ""
    return shown, Outcome(False, f"it raises {detail}{extra}", near)

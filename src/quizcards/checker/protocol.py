"""What crosses the sandbox wall: an Observation of what running code produced, as plain data.

A sandboxed child never judges. It runs code and reports *data*: the value of `result` (or of
each observed check) with its exact type, what was printed, the exception raised. `encode_*`
runs in the child (it may be tampered with there: that only changes the child's own answer);
`decode_observation` runs on the trusted side and accepts nothing but this schema, within
these caps. Anything else is a ProtocolError, which the client reports as `crashed`.

Values on the trusted side are plain Python (None, bool, int, float, complex, str, bytes,
list, tuple, set, frozenset, dict, Ellipsis) or one of the frozen records below. Nothing here
imports torch: the child finds it in sys.modules.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import sys
from dataclasses import dataclass, field
from typing import Any

VERSION = 1
MAX_REPLY_BYTES = 4 << 20  # one Observation line, as read by the worker
MAX_DEPTH = 48  # nesting of containers
MAX_NODES = 300_000  # scalars and containers in one Observation
MAX_STR = 20_000  # characters of one string kept whole; longer ones travel as a digest
MAX_TENSOR_VALUES = 1 << 16  # elements of one tensor sent as values; larger: shape + digest
MAX_STDOUT = 1 << 20  # characters of printed text
MAX_UNITS = 2_000  # observed checks in one program run
MAX_TEXT = 2_000  # exception messages, display text of opaque objects
MAX_INT_DIGITS = 4_000  # below Python's int<->str limit (4300); larger ints travel as hex
MAX_HASHED = 2_000  # set items and dict keys in one Observation: hashing crafted colliding
# values costs the judge quadratic time, so their number is bounded

# Tensor dtypes the schema knows (torch's names without "torch.", NumPy's as they print).
DTYPES = frozenset({
    "float16", "bfloat16", "float32", "float64", "complex32", "complex64", "complex128",
    "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64", "bool",
    "float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz",
})


class ProtocolError(ValueError):
    """A reply that does not follow the schema (malformed, too large, too deep)."""


# -- the value records (trusted side) ------------------------------------------------------
@dataclass(frozen=True)
class TensorValue:
    """A torch tensor or NumPy array as data: dtype, shape and row-major values.

    `values` is None for tensors over MAX_TENSOR_VALUES elements; then `digest` (SHA-256 of
    the raw bytes) stands for them and only an exact match is possible."""

    kind: str  # "tensor" | "ndarray"
    dtype: str
    shape: tuple[int, ...]
    values: tuple[Any, ...] | None
    digest: str | None = None
    requires_grad: bool = False

    @property
    def numel(self) -> int:
        return math.prod(self.shape)


@dataclass(frozen=True)
class SizeValue:
    """A torch.Size (a tuple subclass that prints as torch.Size([...]))."""

    dims: tuple[int, ...]


@dataclass(frozen=True)
class DtypeValue:
    name: str  # "float32"
    kind: str = "torch"  # "torch" | "numpy"


@dataclass(frozen=True)
class TypeValue:
    """A class as a value (`int`, `map`, `torch.Tensor`); `name` is module-qualified except
    for builtins."""

    name: str


@dataclass(frozen=True)
class NamedValue:
    """A namedtuple or struct sequence (torch.return_types.max): a tuple with field names."""

    type: str
    fields: tuple[str, ...]
    items: tuple[Any, ...]


@dataclass(frozen=True)
class LongStr:
    """A string over MAX_STR characters: its length, a digest and its start (for display)."""

    length: int
    digest: str
    head: str


@dataclass(frozen=True, eq=False)
class OpaqueValue:
    """Anything that is not data (a function, a module, an instance of your own class).
    `text` is for display and never judged. An instance of a class the card or the learner
    defined carries its attributes (`vars(obj)`) as data, so two of them compare by type and
    attributes; anything else compares by type only."""

    type: str
    text: str
    attrs: dict[str, Any] | None = None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OpaqueValue) and (self.type, self.attrs) == (
            other.type, other.attrs)

    def __hash__(self) -> int:
        return hash(self.type)


@dataclass(frozen=True)
class ExcInfo:
    """An exception raised by the code: its class, the names of its bases, its message."""

    type: str  # "RuntimeError"
    module: str  # "builtins"
    bases: tuple[str, ...]  # its class and bases: ("RuntimeError", "Exception", ...)
    message: str
    line: int | None = None  # where in the program it was raised, when known
    phase: str = "code"  # "setup" | "code" | "check"

    @property
    def line_text(self) -> str:
        text = self.message.strip().splitlines()[0] if self.message.strip() else ""
        return f"{self.type}: {text}" if text else self.type


@dataclass(frozen=True)
class Unit:
    """One observed check of a code card's program: the value it gave or what it raised."""

    key: str
    value: Any = None
    raised: ExcInfo | None = None
    args: tuple[Any, ...] | None = None  # the arguments of an `inputs` call, for display


@dataclass(frozen=True)
class SyntaxProblem:
    line: int
    col: int
    message: str


@dataclass(frozen=True)
class Observation:
    """What one run produced. Sections not asked for stay at their defaults."""

    stdout: str = ""
    stdout_cut: bool = False  # more than MAX_STDOUT characters were printed
    raised: ExcInfo | None = None  # setup or code raised (not a check)
    has_result: bool = False
    result: Any = None
    shape: tuple[int, ...] | None = None  # result.shape, when asked and present
    result_type: str | None = None  # type name of result (for "result has no shape")
    units: tuple[Unit, ...] = ()
    stopped: ExcInfo | None = None  # a statement of the program raised
    syntax: SyntaxProblem | None = None  # the code did not compile
    ms: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


# -- encoding (child side) -----------------------------------------------------------------
class _Budget:
    def __init__(self) -> None:
        self.nodes = 0

    def take(self) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _TooBig


class _TooBig(Exception):
    pass


def type_name(cls: type) -> str:
    module = getattr(cls, "__module__", None) or "?"
    qual = getattr(cls, "__qualname__", None) or getattr(cls, "__name__", "?")
    return str(qual) if module == "builtins" else f"{module}.{qual}"


def _safe_repr(obj: Any) -> str:
    try:
        text = repr(obj)
    except BaseException as exc:  # a hostile __repr__ only spoils its own display
        text = f"<unprintable: {type(exc).__name__}>"
    if not isinstance(text, str):
        text = "<unprintable>"
    text = re.sub(r" at 0x[0-9a-fA-F]+", "", text)  # addresses differ from run to run
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 3] + "..."


def _encode_int(v: int) -> Any:
    if abs(v) < 10**MAX_INT_DIGITS:
        return v
    return {"t": "int", "hex": hex(v)}


def _encode_str(v: str) -> Any:
    if len(v) <= MAX_STR:
        return v
    data = v.encode("utf-8", "surrogatepass")
    return {"t": "longstr", "len": len(v), "sha256": hashlib.sha256(data).hexdigest(),
            "head": v[:200]}


def _tensor_digest(t: Any, torch: Any) -> str | None:
    try:
        data = t.detach().cpu().contiguous()
        raw = data.view(torch.uint8).numpy().tobytes() if data.dtype != torch.bool else bytes(
            data.to(torch.uint8).flatten().tolist())
    except Exception:
        try:
            raw = repr(t.detach().cpu().flatten().tolist()).encode()
        except Exception:
            return None
    return hashlib.sha256(raw).hexdigest()


def _flat_values(values: list[Any], is_complex: bool) -> list[Any]:
    if is_complex:
        return [[float(z.real), float(z.imag)] for z in values]
    return values


def _encode_tensor(t: Any, torch: Any, budget: _Budget) -> Any:
    if getattr(t, "layout", torch.strided) != torch.strided or t.device.type == "meta" or (
        getattr(t, "is_quantized", False)
    ):
        return {"t": "opaque", "type": "torch.Tensor", "text": _safe_repr(t)}
    dtype = str(t.dtype).removeprefix("torch.")
    shape = [int(d) for d in t.shape]
    n = math.prod(shape)
    out: dict[str, Any] = {"t": "tensor", "kind": "tensor", "dtype": dtype, "shape": shape,
                           "grad": bool(t.requires_grad)}
    if n > MAX_TENSOR_VALUES:
        out["values"] = None
        out["digest"] = _tensor_digest(t, torch)
        return out
    data = t.detach().cpu()
    if dtype in ("bfloat16", "float16") or dtype.startswith("float8"):
        data = data.float()
    flat = data.reshape(-1).tolist()
    for _ in range(len(flat)):
        budget.take()
    out["values"] = _flat_values(flat, t.is_complex())
    return out


def _encode_ndarray(a: Any, budget: _Budget) -> Any:
    dtype = str(a.dtype)
    if dtype not in DTYPES or a.dtype.hasobject:
        return {"t": "opaque", "type": "numpy.ndarray", "text": _safe_repr(a)}
    shape = [int(d) for d in a.shape]
    out: dict[str, Any] = {"t": "tensor", "kind": "ndarray", "dtype": dtype, "shape": shape,
                           "grad": False}
    if a.size > MAX_TENSOR_VALUES:
        out["values"] = None
        out["digest"] = hashlib.sha256(a.tobytes()).hexdigest()
        return out
    flat = a.reshape(-1).tolist()
    for _ in range(len(flat)):
        budget.take()
    out["values"] = _flat_values(flat, a.dtype.kind == "c")
    return out


def encode_value(obj: Any, _budget: _Budget | None = None, _depth: int = 0) -> Any:
    """A JSON-able tagged form of obj (scalars stay JSON scalars; containers are tagged)."""
    budget = _budget or _Budget()
    budget.take()
    if _depth > MAX_DEPTH:
        raise _TooBig
    cls = type(obj)
    if obj is None or cls is bool:
        return obj
    if cls is int:
        return _encode_int(obj)
    if cls is float:
        return obj
    if cls is str:
        return _encode_str(obj)
    if cls is complex:
        return {"t": "complex", "re": obj.real, "im": obj.imag}
    if cls is bytes:
        return {"t": "bytes", "hex": obj[:MAX_STR].hex()}
    if obj is Ellipsis:
        return {"t": "ellipsis"}
    torch = sys.modules.get("torch")
    np = sys.modules.get("numpy")
    if torch is not None:
        if issubclass(cls, torch.Tensor):
            return _encode_tensor(obj, torch, budget)
        if cls is torch.Size:
            return {"t": "size", "dims": [int(d) for d in obj]}
        if cls is torch.dtype:
            return {"t": "dtype", "name": str(obj).removeprefix("torch."), "kind": "torch"}
    if np is not None:
        if issubclass(cls, np.ndarray):
            return _encode_ndarray(obj, budget)
        if issubclass(cls, np.generic):  # a NumPy scalar: its Python value
            item = obj.item()
            if type(item) in (bool, int, float, complex):
                return encode_value(item, budget, _depth + 1)
        if cls is np.dtype or issubclass(cls, np.dtype):
            return {"t": "dtype", "name": str(obj), "kind": "numpy"}
    if issubclass(cls, tuple):
        fields = getattr(cls, "_fields", None) or getattr(cls, "__match_args__", None)
        if cls is not tuple and fields and all(isinstance(f, str) for f in fields):
            items = [encode_value(x, budget, _depth + 1) for x in tuple.__iter__(obj)]
            return {"t": "named", "type": type_name(cls), "fields": list(fields)[: len(items)],
                    "items": items}
    if cls in (list, tuple, set, frozenset):
        items_in = list(obj) if cls in (list, tuple) else _sorted_items(obj)
        return {"t": cls.__name__,
                "items": [encode_value(x, budget, _depth + 1) for x in items_in]}
    if cls is dict:
        return {"t": "dict", "items": [[encode_value(k, budget, _depth + 1),
                                        encode_value(v, budget, _depth + 1)]
                                       for k, v in obj.items()]}
    if cls is type or issubclass(cls, type):
        return {"t": "type", "name": type_name(obj)}
    out: dict[str, Any] = {"t": "opaque", "type": type_name(cls), "text": _safe_repr(obj)}
    if getattr(cls, "__module__", None) == "__main__":  # defined by the card or the learner
        attrs = getattr(obj, "__dict__", None)
        if type(attrs) is dict and all(type(k) is str for k in attrs):
            out["attrs"] = {"t": "dict", "items": [[k, encode_value(v, budget, _depth + 1)]
                                                   for k, v in list(attrs.items())[:200]]}
    return out


def _sorted_items(items: Any) -> list[Any]:
    """Set items in a stable order, so equal sets encode alike."""
    values = list(items)
    try:
        return sorted(values)
    except TypeError:
        return sorted(values, key=repr)


def encode_or_opaque(obj: Any) -> Any:
    """encode_value, degrading to an opaque record when obj is too large or misbehaves."""
    try:
        return encode_value(obj)
    except _TooBig:
        return {"t": "opaque", "type": type_name(type(obj)), "text": "(too large to compare)"}
    except Exception as exc:
        return {"t": "opaque", "type": type_name(type(obj)),
                "text": f"(could not be read as data: {type(exc).__name__})"}


def encode_exc(exc: BaseException, line: int | None = None, phase: str = "code") -> dict[str, Any]:
    try:
        message = str(exc)
    except BaseException:
        message = "(unprintable message)"
    cls = type(exc)
    return {
        "type": getattr(cls, "__name__", "?"),
        "module": getattr(cls, "__module__", "?") or "?",
        "mro": [getattr(c, "__name__", "?") for c in cls.__mro__][:20],
        "message": message[:MAX_TEXT],
        "line": line,
        "phase": phase,
    }


def dumps(observation: dict[str, Any]) -> bytes:
    """One line of JSON (NaN and infinities as JSON's common extension)."""
    return json.dumps(observation, ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8", "surrogatepass") + b"\n"


# -- decoding (trusted side) ---------------------------------------------------------------
class _Decoder:
    def __init__(self) -> None:
        self.nodes = 0
        self.hashed = 0

    def fail(self, message: str) -> ProtocolError:
        return ProtocolError(message)

    def take(self) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.fail("too many values")

    def text(self, v: Any, what: str, cap: int = MAX_TEXT) -> str:
        if not isinstance(v, str) or len(v) > cap:
            raise self.fail(f"{what}: expected text of at most {cap} characters")
        return v

    def integer(self, v: Any, what: str) -> int:
        if type(v) is not int:
            raise self.fail(f"{what}: expected an integer")
        return v

    def keys(self, d: dict[str, Any], required: set[str],
             optional: frozenset[str] | set[str] = frozenset()) -> None:
        have = set(d)
        if not required <= have or not have <= required | optional:
            raise self.fail(f"unexpected fields {sorted(have ^ (required | (have & optional)))}")

    def value(self, v: Any, depth: int = 0) -> Any:
        self.take()
        if depth > MAX_DEPTH:
            raise self.fail("values nested too deeply")
        if v is None or type(v) in (bool, float):
            return v
        if type(v) is int:
            if abs(v) >= 10**MAX_INT_DIGITS:
                raise self.fail("integer too large")
            return v
        if type(v) is str:
            return self.text(v, "string", MAX_STR)
        if type(v) is not dict:
            raise self.fail(f"a value must be a scalar or a tagged object, not {type(v).__name__}")
        tag = v.get("t")
        handler = _TAGS.get(tag) if isinstance(tag, str) else None
        if handler is None:
            raise self.fail(f"unknown value tag {tag!r}")
        return handler(self, v, depth)

    def items(self, v: dict[str, Any], depth: int) -> list[Any]:
        self.keys(v, {"t", "items"})
        if type(v["items"]) is not list:
            raise self.fail("items must be a list")
        return [self.value(x, depth + 1) for x in v["items"]]

    def number(self, v: Any) -> float | int | bool:
        self.take()
        if type(v) in (float, bool) or (type(v) is int and -(1 << 64) < v < 1 << 64):
            return v
        raise self.fail("tensor values must be numbers of a tensor's size")

    def tensor(self, v: dict[str, Any], depth: int) -> TensorValue:
        self.keys(v, {"t", "kind", "dtype", "shape", "grad", "values"}, {"digest"})
        kind = v["kind"]
        if kind not in ("tensor", "ndarray"):
            raise self.fail("unknown tensor kind")
        dtype = v["dtype"]
        if dtype not in DTYPES:
            raise self.fail(f"unknown dtype {dtype!r}")
        shape = v["shape"]
        if type(shape) is not list or len(shape) > 32 or not all(
            type(d) is int and 0 <= d < 1 << 40 for d in shape
        ):
            raise self.fail("a shape is a list of sizes")
        values = v["values"]
        digest = v.get("digest")
        n = math.prod(shape)
        if values is None:
            if n <= MAX_TENSOR_VALUES:
                raise self.fail("a small tensor must carry its values")
            if digest is not None and (type(digest) is not str or len(digest) != 64):
                raise self.fail("bad digest")
            decoded = None
        else:
            if type(values) is not list or len(values) != n or n > MAX_TENSOR_VALUES:
                raise self.fail("tensor values do not match its shape")
            if dtype.startswith("complex"):
                decoded = tuple(self.complex_pair(x) for x in values)
            else:
                decoded = tuple(self.number(x) for x in values)
                if dtype == "bool" and not all(type(x) is bool for x in decoded):
                    raise self.fail("a bool tensor holds bools")
        if type(v["grad"]) is not bool:
            raise self.fail("grad must be a bool")
        return TensorValue(kind, dtype, tuple(shape), decoded, digest, v["grad"])

    def complex_pair(self, x: Any) -> complex:
        if type(x) is not list or len(x) != 2:
            raise self.fail("complex values are [re, im] pairs")
        re_, im = (self.number(p) for p in x)
        return complex(re_, im)

    def exc(self, v: Any) -> ExcInfo:
        if type(v) is not dict:
            raise self.fail("an exception is an object")
        self.keys(v, {"type", "module", "mro", "message"}, {"line", "phase"})
        mro = v["mro"]
        if type(mro) is not list or len(mro) > 20:
            raise self.fail("mro must be a short list")
        line = v.get("line")
        if line is not None:
            self.integer(line, "line")
        phase = v.get("phase", "code")
        if phase not in ("setup", "code", "check"):
            raise self.fail("unknown phase")
        return ExcInfo(self.text(v["type"], "type", 200), self.text(v["module"], "module", 200),
                       tuple(self.text(m, "mro", 200) for m in mro),
                       self.text(v["message"], "message"), line, phase)


def _dec_list(d: _Decoder, v: dict[str, Any], depth: int) -> Any:
    return d.items(v, depth)


def _dec_tuple(d: _Decoder, v: dict[str, Any], depth: int) -> Any:
    return tuple(d.items(v, depth))


def _hashable(d: _Decoder, items: list[Any]) -> list[Any]:
    d.hashed += len(items)
    if d.hashed > MAX_HASHED:
        raise d.fail("too many set items or dict keys to compare")
    try:
        for x in items:
            hash(x)
    except TypeError:
        raise d.fail("set items and dict keys must be hashable") from None
    return items


def _dec_set(d: _Decoder, v: dict[str, Any], depth: int) -> Any:
    return set(_hashable(d, d.items(v, depth)))


def _dec_frozenset(d: _Decoder, v: dict[str, Any], depth: int) -> Any:
    return frozenset(_hashable(d, d.items(v, depth)))


def _dec_dict(d: _Decoder, v: dict[str, Any], depth: int) -> Any:
    d.keys(v, {"t", "items"})
    pairs = v["items"]
    if type(pairs) is not list:
        raise d.fail("dict items must be a list")
    out: dict[Any, Any] = {}
    for pair in pairs:
        if type(pair) is not list or len(pair) != 2:
            raise d.fail("dict items are [key, value] pairs")
        key = _hashable(d, [d.value(pair[0], depth + 1)])[0]
        out[key] = d.value(pair[1], depth + 1)
    return out


def _dec_int(d: _Decoder, v: dict[str, Any], depth: int) -> Any:
    d.keys(v, {"t", "hex"})
    text = d.text(v["hex"], "hex", MAX_STR)
    if not re.fullmatch(r"-?0x[0-9a-f]+", text):
        raise d.fail("bad hex integer")
    return int(text, 16)


def _dec_longstr(d: _Decoder, v: dict[str, Any], depth: int) -> Any:
    d.keys(v, {"t", "len", "sha256", "head"})
    digest = d.text(v["sha256"], "sha256", 64)
    return LongStr(d.integer(v["len"], "len"), digest, d.text(v["head"], "head", 200))


def _dec_complex(d: _Decoder, v: dict[str, Any], depth: int) -> Any:
    d.keys(v, {"t", "re", "im"})
    return complex(d.number(v["re"]), d.number(v["im"]))


def _dec_bytes(d: _Decoder, v: dict[str, Any], depth: int) -> Any:
    d.keys(v, {"t", "hex"})
    try:
        return bytes.fromhex(d.text(v["hex"], "hex", 2 * MAX_STR))
    except ValueError:
        raise d.fail("bad hex bytes") from None


def _dec_ellipsis(d: _Decoder, v: dict[str, Any], depth: int) -> Any:
    d.keys(v, {"t"})
    return Ellipsis


def _dec_tensor(d: _Decoder, v: dict[str, Any], depth: int) -> Any:
    return d.tensor(v, depth)


def _dec_size(d: _Decoder, v: dict[str, Any], depth: int) -> Any:
    d.keys(v, {"t", "dims"})
    dims = v["dims"]
    if type(dims) is not list or len(dims) > 64 or not all(type(x) is int and x >= 0
                                                           for x in dims):
        raise d.fail("a Size holds sizes")
    return SizeValue(tuple(dims))


def _dec_dtype(d: _Decoder, v: dict[str, Any], depth: int) -> Any:
    d.keys(v, {"t", "name", "kind"})
    if v["kind"] not in ("torch", "numpy"):
        raise d.fail("unknown dtype kind")
    return DtypeValue(d.text(v["name"], "dtype", 40), v["kind"])


def _dec_type(d: _Decoder, v: dict[str, Any], depth: int) -> Any:
    d.keys(v, {"t", "name"})
    return TypeValue(d.text(v["name"], "type name", 300))


def _dec_named(d: _Decoder, v: dict[str, Any], depth: int) -> Any:
    d.keys(v, {"t", "type", "fields", "items"})
    fields = v["fields"]
    items = v["items"]
    if type(fields) is not list or type(items) is not list or len(fields) > len(items):
        raise d.fail("a named tuple has fields and items")
    return NamedValue(d.text(v["type"], "type", 300),
                      tuple(d.text(f, "field", 100) for f in fields),
                      tuple(d.value(x, depth + 1) for x in items))


def _dec_opaque(d: _Decoder, v: dict[str, Any], depth: int) -> Any:
    d.keys(v, {"t", "type", "text"}, {"attrs"})
    attrs = None
    if "attrs" in v:
        attrs = d.value(v["attrs"], depth + 1)
        if not isinstance(attrs, dict) or not all(type(k) is str for k in attrs):
            raise d.fail("attrs are a dict of names")
    return OpaqueValue(d.text(v["type"], "type", 300), d.text(v["text"], "text"), attrs)


_TAGS = {
    "list": _dec_list, "tuple": _dec_tuple, "set": _dec_set, "frozenset": _dec_frozenset,
    "dict": _dec_dict, "int": _dec_int, "longstr": _dec_longstr, "complex": _dec_complex,
    "bytes": _dec_bytes, "ellipsis": _dec_ellipsis, "tensor": _dec_tensor, "size": _dec_size,
    "dtype": _dec_dtype, "type": _dec_type, "named": _dec_named, "opaque": _dec_opaque,
}

_OBSERVATION_KEYS = {"v", "ms", "stdout", "stdout_cut", "raised", "has_result", "result",
                     "shape", "result_type", "units", "stopped", "syntax"}


def decode_observation(text: str) -> Observation:
    """Parse one child reply against the schema; ProtocolError for anything else."""
    if len(text) > MAX_REPLY_BYTES:
        raise ProtocolError("reply too large")
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ProtocolError(f"not JSON ({type(exc).__name__})") from None
    if type(raw) is not dict:
        raise ProtocolError("a reply is an object")
    if not set(raw) <= _OBSERVATION_KEYS or raw.get("v") != VERSION:
        raise ProtocolError("not an observation of this version")
    d = _Decoder()
    try:
        return _observation(d, raw)
    except RecursionError:
        raise ProtocolError("values nested too deeply") from None
    except (OverflowError, ValueError, TypeError) as exc:  # numbers no real value has
        if isinstance(exc, ProtocolError):
            raise
        raise ProtocolError(f"a value out of range ({type(exc).__name__})") from None


def _observation(d: _Decoder, raw: dict[str, Any]) -> Observation:
    stdout = d.text(raw.get("stdout", ""), "stdout", MAX_STDOUT)
    stdout_cut = raw.get("stdout_cut", False)
    has_result = raw.get("has_result", False)
    if type(stdout_cut) is not bool or type(has_result) is not bool:
        raise d.fail("flags must be bools")
    ms = raw.get("ms", 0.0)
    if type(ms) not in (int, float):
        raise d.fail("ms must be a number")
    shape = raw.get("shape")
    if shape is not None and (type(shape) is not list or len(shape) > 64 or not all(
            type(x) is int and x >= 0 for x in shape)):
        raise d.fail("shape must be a list of sizes")
    result_type = raw.get("result_type")
    if result_type is not None:
        d.text(result_type, "result_type", 300)
    units_raw = raw.get("units", [])
    if type(units_raw) is not list or len(units_raw) > MAX_UNITS:
        raise d.fail("units must be a short list")
    units = tuple(_unit(d, u) for u in units_raw)
    syntax = raw.get("syntax")
    problem = None
    if syntax is not None:
        if type(syntax) is not dict:
            raise d.fail("syntax must be an object")
        d.keys(syntax, {"line", "col", "message"})
        problem = SyntaxProblem(d.integer(syntax["line"], "line"), d.integer(syntax["col"], "col"),
                                d.text(syntax["message"], "message"))
    return Observation(
        stdout=stdout, stdout_cut=stdout_cut,
        raised=d.exc(raw["raised"]) if raw.get("raised") is not None else None,
        has_result=has_result,
        result=d.value(raw["result"]) if has_result and "result" in raw else None,
        shape=tuple(shape) if shape is not None else None,
        result_type=result_type, units=units,
        stopped=d.exc(raw["stopped"]) if raw.get("stopped") is not None else None,
        syntax=problem, ms=float(ms),
    )


def _unit(d: _Decoder, u: Any) -> Unit:
    if type(u) is not dict:
        raise d.fail("a unit is an object")
    d.keys(u, {"k"}, {"v", "raised", "args"})
    key = d.text(u["k"], "unit key", 40)
    args = None
    if "args" in u:
        if type(u["args"]) is not list:
            raise d.fail("args must be a list")
        args = tuple(d.value(a, 1) for a in u["args"])
    if "raised" in u:
        return Unit(key, raised=d.exc(u["raised"]), args=args)
    if "v" not in u:
        raise d.fail("a unit has a value or an exception")
    return Unit(key, value=d.value(u["v"]), args=args)


def decode_value_json(raw: Any) -> Any:
    """One encoded value back to data (tests and tools)."""
    return _Decoder().value(raw)

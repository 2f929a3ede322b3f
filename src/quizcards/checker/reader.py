"""Reading what a learner typed, on the trusted side: text in, data out, nothing evaluated.

A value answer is parsed with `ast` and only a whitelist of node shapes is accepted: literals,
tuples, lists, dicts, sets, unary minus, `tensor(...)`/`torch.tensor(...)`, `array(...)`,
`Size(...)`, dtypes, `nan`, `inf`, `float('inf')`, builtin type names. Anything else is a
MalformedAnswer with a message that says how to write the answer. Shapes, option letters,
exception names and printed output have readers of their own.

Pure Python, no torch: the records it builds are the ones in protocol.py, so a typed answer
and an observed value are judged by the same rules.
"""

from __future__ import annotations

import ast
import math
import re
import warnings
from typing import Any

from quizcards.checker.protocol import (
    DTYPES,
    MAX_TENSOR_VALUES,
    DtypeValue,
    SizeValue,
    TensorValue,
    TypeValue,
)
from quizcards.core.kinds import OPTION_LETTERS

MAX_ANSWER = 20_000  # characters of a typed answer
MAX_NODES = 50_000


class MalformedAnswer(ValueError):
    """The answer cannot be read for this kind of card; the message says how to write it."""


VALUE_HOWTO = "write e.g. tensor([1., 2.]), 3, True, [[1, 2]], float('nan') or 'text' in quotes"

BUILTIN_TYPES = frozenset({
    "int", "float", "complex", "bool", "str", "bytes", "bytearray", "list", "tuple", "dict",
    "set", "frozenset", "type", "object", "range", "slice", "map", "filter", "zip",
    "enumerate", "reversed", "memoryview", "property", "staticmethod", "classmethod",
    "super", "NoneType", "function", "generator", "Exception", "BaseException",
})
_NAMED_CONSTANTS: dict[str, Any] = {"nan": math.nan, "inf": math.inf, "Ellipsis": Ellipsis}
# spellings people type for the Python constants, in any case
_WORDS: dict[str, Any] = {"true": True, "yes": True, "false": False, "no": False,
                          "none": None, "null": None}
_CLASS_REPR = re.compile(r"<class '([A-Za-z_][\w.]*)'>")
_MODULE_CONSTANTS: dict[tuple[str, str], Any] = {
    ("math", "pi"): math.pi, ("math", "e"): math.e, ("math", "inf"): math.inf,
    ("math", "nan"): math.nan, ("math", "tau"): math.tau, ("torch", "inf"): math.inf,
    ("torch", "nan"): math.nan, ("np", "inf"): math.inf, ("np", "nan"): math.nan,
    ("numpy", "inf"): math.inf, ("numpy", "nan"): math.nan, ("torch", "pi"): math.pi,
    ("np", "pi"): math.pi,
}
_DTYPE_ALIASES = {"float": "float32", "double": "float64", "half": "float16", "long": "int64",
                  "int": "int32", "short": "int16", "cfloat": "complex64",
                  "cdouble": "complex128", "bool": "bool", "uint8": "uint8"}
_TORCH_TYPES = {"Tensor": "torch.Tensor", "Size": "torch.Size", "dtype": "torch.dtype",
                "device": "torch.device"}
# repr noise a learner may paste from torch's output, not part of the value
_GRAD_FN = re.compile(r",\s*grad_fn=<[^<>]{0,200}>")


def _tensor_dtype_for(values: list[Any]) -> str:
    """The dtype torch.tensor infers from Python data (an empty tensor is float32)."""
    if not values:
        return "float32"
    if any(isinstance(v, complex) for v in values):
        return "complex64"
    if any(isinstance(v, float) for v in values):
        return "float32"
    if values and all(isinstance(v, bool) for v in values):
        return "bool"
    return "int64"


def _convert(values: list[Any], dtype: str) -> tuple[Any, ...]:
    if dtype == "bool":
        return tuple(bool(v) for v in values)
    if dtype.startswith("complex"):
        return tuple(complex(v) for v in values)
    if dtype.startswith(("float", "bfloat")):  # typed numbers keep their decimals
        return tuple(v if isinstance(v, Typed) else float(v) for v in values)
    out = []
    for v in values:
        if isinstance(v, float) and not math.isfinite(v):
            raise MalformedAnswer(f"an integer tensor cannot hold {v}")
        out.append(int(v))
    return tuple(out)


class Typed(float):
    """A number as typed, remembering how many decimals it was written with (0.27 -> 2)."""

    decimals: int

    def __new__(cls, value: float, decimals: int) -> Typed:
        obj = super().__new__(cls, value)
        obj.decimals = decimals
        return obj

    def __neg__(self) -> Typed:
        return Typed(-float(self), self.decimals)

    def __pos__(self) -> Typed:
        return self


def decimals_of(literal: str) -> int:
    """Decimals written in a number literal: '0.2689' -> 4, '1.' -> 0, '1.5e-3' -> 4."""
    text = literal.lower().replace("_", "")
    mantissa, _, exponent = text.partition("e")
    written = len(mantissa.split(".", 1)[1]) if "." in mantissa else 0
    try:
        shift = int(exponent) if exponent else 0
    except ValueError:
        shift = 0
    return max(0, written - shift)


class _Reader:
    def __init__(self, text: str, arithmetic: bool) -> None:
        self.text = text
        self.arithmetic = arithmetic
        self.nodes = 0

    def bad(self, why: str) -> MalformedAnswer:
        return MalformedAnswer(f"cannot read {self.text.strip()!r} as a value: {why} "
                               f"({VALUE_HOWTO})")

    def source(self, node: ast.AST) -> str:
        try:
            return ast.unparse(node)
        except Exception:
            return "?"

    def read(self, node: ast.AST) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.bad("it is too large")
        method = getattr(self, "n_" + type(node).__name__, None)
        if method is None:
            raise self.bad(f"`{self.source(node)}` is not something a value answer "
                           "may contain")
        return method(node)

    # -- literals ------------------------------------------------------------------------
    def n_Constant(self, node: ast.Constant) -> Any:
        value = node.value
        if type(value) is int and abs(value) >= 10**4000:  # 0xfff... gets past the parser
            raise self.bad("the number has too many digits")
        if type(value) is float and math.isfinite(value):
            segment = ast.get_source_segment(self.text, node)
            if segment:
                return Typed(value, decimals_of(segment))
        return value

    def n_Tuple(self, node: ast.Tuple) -> Any:
        return tuple(self.read(e) for e in node.elts)

    def n_List(self, node: ast.List) -> Any:
        return [self.read(e) for e in node.elts]

    def n_Set(self, node: ast.Set) -> Any:
        return self.hashable_set([self.read(e) for e in node.elts])

    def hashable_set(self, items: list[Any], frozen: bool = False) -> Any:
        try:
            return frozenset(items) if frozen else set(items)
        except TypeError:
            raise self.bad("set items must be hashable (no lists inside a set)") from None

    def n_Dict(self, node: ast.Dict) -> Any:
        out: dict[Any, Any] = {}
        for k, v in zip(node.keys, node.values, strict=True):
            if k is None:
                raise self.bad("`**` is not allowed in a value")
            key = self.read(k)
            try:
                hash(key)
            except TypeError:
                raise self.bad("dict keys must be hashable") from None
            out[key] = self.read(v)
        return out

    def n_UnaryOp(self, node: ast.UnaryOp) -> Any:
        value = self.read(node.operand)
        number = isinstance(value, int | float | complex) and not isinstance(value, bool)
        if isinstance(node.op, ast.USub | ast.UAdd) and number:
            return -value if isinstance(node.op, ast.USub) else value
        raise self.bad(f"`{self.source(node)}` is not a number")

    def n_BinOp(self, node: ast.BinOp) -> Any:
        a, b = self.read(node.left), self.read(node.right)
        if isinstance(node.op, ast.Add | ast.Sub) and type(a) in (int, float) and (
            type(b) is complex and b.real == 0
        ):  # a complex literal: 2+3j
            return a + b if isinstance(node.op, ast.Add) else a - b
        if not self.arithmetic:
            raise self.bad("type the value itself, not arithmetic")
        numbers = (int, float)
        if not (isinstance(a, numbers) and isinstance(b, numbers)) or isinstance(a, bool) or (
            isinstance(b, bool)
        ):
            raise self.bad("arithmetic only on numbers")
        op = type(node.op).__name__
        try:
            if op == "Add":
                return a + b
            if op == "Sub":
                return a - b
            if op == "Mult":
                return a * b
            if op == "Div":
                return a / b
            if op == "FloorDiv":
                return a // b
            if op == "Mod":
                return a % b
            if op == "Pow" and abs(b) <= 64 and abs(a) <= 1e6:
                return a**b
        except (ArithmeticError, ValueError):
            raise self.bad("the arithmetic fails") from None
        raise self.bad(f"`{self.source(node)}` is not allowed")

    # -- names -----------------------------------------------------------------------------
    def n_Name(self, node: ast.Name) -> Any:
        name = node.id
        if name in _NAMED_CONSTANTS:
            return _NAMED_CONSTANTS[name]
        if name.lower() in _WORDS:
            return _WORDS[name.lower()]
        if name in DTYPES:
            return DtypeValue(name)
        if name in BUILTIN_TYPES:
            return TypeValue(name)
        if name in _TORCH_TYPES:
            return TypeValue(_TORCH_TYPES[name])
        raise MalformedAnswer(f"cannot read {self.text.strip()!r} as a value: `{name}` is not a "
                              f"value (put text in quotes) ({VALUE_HOWTO})")

    def n_Subscript(self, node: ast.Subscript) -> Any:
        """A generic alias such as list[int] or dict[str, int], as a class."""
        base = self.read(node.value)
        if not isinstance(base, TypeValue):
            raise self.bad(f"`{self.source(node)}` is not a value you can type here")
        args = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        names = []
        for arg in args:
            value = self.read(arg)
            if not isinstance(value, TypeValue):
                raise self.bad(f"`{self.source(node)}` is not a class")
            names.append(value.name)
        return TypeValue(f"{base.name}[{', '.join(names)}]")

    def dotted(self, node: ast.AST) -> str | None:
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        parts.append(node.id)
        return ".".join(reversed(parts))

    def n_Attribute(self, node: ast.Attribute) -> Any:
        name = self.dotted(node)
        if name is not None:
            module, _, attr = name.rpartition(".")
            if (module, attr) in _MODULE_CONSTANTS:
                return _MODULE_CONSTANTS[(module, attr)]
            if module == "torch" and attr in DTYPES:
                return DtypeValue(attr)
            if module == "torch" and attr in _DTYPE_ALIASES:
                return DtypeValue(_DTYPE_ALIASES[attr])
            if module in ("np", "numpy") and attr in DTYPES:
                return DtypeValue(attr, "numpy")
            if module == "torch" and attr in _TORCH_TYPES:
                return TypeValue(_TORCH_TYPES[attr])
            if module == "builtins" and attr in BUILTIN_TYPES:
                return TypeValue(attr)
        raise self.bad(f"`{self.source(node)}` is not a value you can type here")

    # -- calls -----------------------------------------------------------------------------
    def n_Call(self, node: ast.Call) -> Any:
        name = self.dotted(node.func)
        if name in ("tensor", "torch.tensor", "torch.as_tensor"):
            return self.tensor(node, "tensor")
        if name == "torch.Tensor":  # the legacy constructor always makes float32
            value = self.tensor(node, "tensor")
            return TensorValue("tensor", "float32", value.shape, _convert(list(
                value.values or ()), "float32"))
        if name in ("array", "np.array", "numpy.array"):
            return self.tensor(node, "ndarray")
        if name in ("Size", "torch.Size"):
            return self.size(node)
        if name in ("float", "int", "complex") and len(node.args) == 1 and not node.keywords:
            return self.number_call(node, name)
        if name in ("set", "frozenset", "tuple", "list") and not node.keywords and len(
            node.args
        ) <= 1:
            items = list(self.iterable(node.args[0])) if node.args else []
            if name == "tuple":
                return tuple(items)
            if name == "list":
                return items
            return self.hashable_set(items, frozen=name == "frozenset")
        raise self.bad(f"`{self.source(node.func)}(...)` is not something a value answer "
                       "may call")

    def iterable(self, node: ast.AST) -> Any:
        value = self.read(node)
        if isinstance(value, list | tuple | set | frozenset | str):
            return value
        raise self.bad("expected a list, tuple or set")

    def number_call(self, node: ast.Call, name: str) -> Any:
        arg = self.read(node.args[0])
        try:
            if isinstance(arg, str):
                if len(arg) > 100:
                    raise ValueError
                return {"float": float, "int": int, "complex": complex}[name](arg.strip())
            if isinstance(arg, int | float) and not isinstance(arg, bool):
                return {"float": float, "int": int, "complex": complex}[name](arg)
        except (ValueError, OverflowError):
            pass
        raise self.bad(f"`{self.source(node)}` is not a number")

    def size(self, node: ast.Call) -> SizeValue:
        if node.keywords or len(node.args) > 1:
            raise self.bad("Size takes one list of sizes")
        dims = self.read(node.args[0]) if node.args else []
        if not isinstance(dims, list | tuple) or not all(
            type(d) is int and d >= 0 for d in dims
        ):
            raise self.bad("Size takes a list of whole numbers")
        return SizeValue(tuple(dims))

    def tensor(self, node: ast.Call, kind: str) -> TensorValue:
        if len(node.args) != 1:
            raise self.bad(f"{kind}(...) takes the data as its one argument")
        data = self.read(node.args[0])
        dtype: str | None = None
        requires_grad = False
        for kw in node.keywords:
            if kw.arg == "dtype":
                value = self.read(kw.value)
                if isinstance(value, DtypeValue):
                    dtype = value.name
                elif isinstance(value, TypeValue) and value.name in ("float", "int", "bool",
                                                                    "complex"):
                    dtype = {"float": "float64" if kind == "ndarray" else "float32",
                             "int": "int64", "bool": "bool", "complex": "complex128"
                             }[value.name]
                elif isinstance(value, str) and value in DTYPES:
                    dtype = value
                else:
                    raise self.bad("dtype must be a dtype such as torch.float32")
            elif kw.arg == "requires_grad":
                flag = self.read(kw.value)
                if not isinstance(flag, bool):
                    raise self.bad("requires_grad is True or False")
                requires_grad = flag
            elif kw.arg == "device":
                device = self.read(kw.value)
                if device not in ("cpu", "cpu:0"):
                    raise self.bad("only cpu tensors can be typed")
            else:
                raise self.bad(f"{kind}(...) does not take `{kw.arg}=` here")
        shape, flat = self.rectangular(data)
        if len(flat) > MAX_TENSOR_VALUES:
            raise self.bad("the tensor is too large to type")
        for v in flat:
            if not isinstance(v, int | float | complex):  # bool is an int
                raise self.bad(f"a {kind} holds numbers, not {type(v).__name__}")
        if dtype is None:
            dtype = _tensor_dtype_for(flat)
            if kind == "ndarray" and dtype in ("float32", "complex64"):
                dtype = {"float32": "float64", "complex64": "complex128"}[dtype]
        return TensorValue(kind, dtype, shape, _convert(flat, dtype), None, requires_grad)

    def rectangular(self, data: Any) -> tuple[tuple[int, ...], list[Any]]:
        if isinstance(data, list | tuple):
            if not data:
                return (0,), []
            parts = [self.rectangular(x) for x in data]
            inner = parts[0][0]
            if any(p[0] != inner for p in parts):
                raise self.bad("the rows have different lengths")
            return (len(data), *inner), [v for p in parts for v in p[1]]
        if data is Ellipsis:
            raise self.bad("a summarized tensor (with ...) cannot be compared; type "
                           "every value")
        return (), [data]


def read_value(text: str, *, arithmetic: bool = False) -> Any:
    """A typed value as data. `arithmetic` also folds +-*/ on numbers (for card constants)."""
    s = text.strip()
    if not s:
        raise MalformedAnswer(f"the answer is empty ({VALUE_HOWTO})")
    if len(s) > MAX_ANSWER:
        raise MalformedAnswer(f"the answer is too long to read (over {MAX_ANSWER:,} "
                              "characters)")
    s = _GRAD_FN.sub("", s)
    s = _CLASS_REPR.sub(r"\1", s)  # <class 'map'>, as Python prints a class
    try:
        with warnings.catch_warnings():  # "invalid decimal literal" and friends: not for the UI
            warnings.simplefilter("ignore")
            tree = ast.parse(s, mode="eval")
    except SyntaxError as exc:
        why = exc.msg
        if "Exceeds the limit" in why:
            why = "the number has too many digits"
        raise MalformedAnswer(f"cannot read {s!r} as a value: {why} ({VALUE_HOWTO})") from None
    except (ValueError, RecursionError, MemoryError, OverflowError):
        raise MalformedAnswer(f"cannot read the answer as a value ({VALUE_HOWTO})") from None
    try:
        return _Reader(s, arithmetic).read(tree.body)
    except RecursionError:
        raise MalformedAnswer("the answer is nested too deeply to read") from None


# -- shapes, option letters, exception names, printed output --------------------------------
_SHAPE_WRAPPERS = re.compile(r"^(?:torch\.)?size\s*\(\s*(.*)\s*\)$", re.IGNORECASE | re.DOTALL)
_SCALAR_WORDS = {"scalar", "()", "[]", "", "torch.size([])", "size([])"}


def parse_shape(text: str) -> tuple[int, ...]:
    """`(3, 4)`, `[3,4]`, `3x4`, `3 × 4`, `3, 4`, `3 4`, `torch.Size([3, 4])`, `()` -> (3, 4)."""
    s = text.strip()
    if len(s) > 1000:
        raise MalformedAnswer("the answer is too long to be a shape")
    if s.lower() in _SCALAR_WORDS:
        return ()
    m = _SHAPE_WRAPPERS.match(s)
    if m:
        s = m.group(1).strip()
    for _ in range(2):  # Size([3, 4]) leaves [3, 4] after the first peel
        if len(s) >= 2 and s[0] + s[-1] in ("()", "[]"):
            s = s[1:-1].strip()
    if s == "":
        return ()
    parts = [p for p in re.split(r"\s*(?:,|x|×|\*|\s)\s*", s, flags=re.IGNORECASE) if p]
    if not parts:  # only separators: `x`, `*`, `,` are no spelling of ()
        raise MalformedAnswer(f"cannot read {text.strip()!r} as a shape: it has no sizes "
                              "(write e.g. (3, 4) or 3x4; () for a scalar)")
    dims: list[int] = []
    for part in parts:
        if not re.fullmatch(r"\d{1,12}", part):
            raise MalformedAnswer(
                f"cannot read {text.strip()!r} as a shape: {part!r} is not a size "
                "(write e.g. (3, 4), 3x4 or torch.Size([3, 4]); () for a scalar)"
            )
        dims.append(int(part))
    return tuple(dims)


def format_shape(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def parse_letters(text: str, n_options: int) -> frozenset[str]:
    """`a,c`, `A C`, `ac`, `[a, c]`, `a and c` -> {'a', 'c'}; letters must name options."""
    valid = OPTION_LETTERS[:n_options]
    s = re.sub(r"[\[\]\(\)\"']", " ", text.strip().lower())
    tokens = [t for t in re.split(r"[\s,;/+&]+|\band\b", s) if t]
    letters: set[str] = set()
    for token in tokens:
        token = token.rstrip(").:")
        if token and all(ch in valid for ch in token):
            letters.update(token)
        else:
            raise MalformedAnswer(
                f"cannot read {text.strip()[:80]!r} as option letters (choose from "
                f"{', '.join(valid)}; e.g. 'a' or 'a, c')"
            )
    if not letters:
        raise MalformedAnswer(f"no option chosen (choose from {', '.join(valid)})")
    return frozenset(letters)


_NO_EXCEPTION = {"none", "no", "nothing", "no exception", "no error", "-", "ok"}


def parse_exception_name(text: str) -> str | None:
    """`RuntimeError`, `builtins.RuntimeError`, `RuntimeError()`, `Runtime Error`,
    `IndexError: Dimension out of range` -> the name as typed ('RuntimeError'); the judge
    matches it in any case. `none` (and similar words) -> None: nothing is raised."""
    s = text.strip().rstrip(".:").strip()
    if s.lower() in _NO_EXCEPTION:
        return None
    if ":" in s and not s.startswith("<"):  # "IndexError: Dimension out of range"
        s = s.split(":", 1)[0].strip()
    s = re.sub(r"\(.*\)$", "", s).strip()
    s = s.strip("<>").removeprefix("class ").strip("'\"")
    joined = s.replace(" ", "")
    if " " in s and re.fullmatch(r"[A-Za-z_][\w.]*", joined) and re.search(
        r"(error|exception|warning|exit|interrupt|iteration)$", joined, re.IGNORECASE
    ):  # "Runtime Error"
        s = joined
    name = s.rsplit(".", 1)[-1]
    if not name.isidentifier() or len(name) > 100:
        raise MalformedAnswer(
            f"cannot read {text.strip()[:80]!r} as an exception name (write e.g. RuntimeError, "
            "or none if nothing is raised)"
        )
    return name


def normalize_output(text: str) -> str:
    """Trailing whitespace trimmed on every line, trailing blank lines dropped."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)

"""Reading answers on the trusted side (pure, no torch): every spelling the SPEC lists, the
malformed ones, and typed values read as data by an ast whitelist, never evaluated."""

from __future__ import annotations

import ast
import builtins
import math
import sys
import unicodedata  # noqa: F401  (the parser imports it for non-ASCII names)

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizcards.checker.protocol import DtypeValue, SizeValue, TensorValue, TypeValue
from quizcards.checker.reader import (
    MalformedAnswer,
    normalize_output,
    parse_exception_name,
    parse_letters,
    parse_shape,
    read_value,
)


@pytest.mark.parametrize("text", ["(3, 4)", "[3,4]", "3x4", "3 x 4", "3X4", "3×4", "3, 4",
                                  "3 4", "torch.Size([3, 4])", "Size([3, 4])", " (3,4) ",
                                  "3*4"])
def test_shape_spellings(text: str) -> None:
    assert parse_shape(text) == (3, 4)


@pytest.mark.parametrize("text", ["()", "[]", "torch.Size([])", "scalar", ""])
def test_scalar_shape_spellings(text: str) -> None:
    assert parse_shape(text) == ()


@pytest.mark.parametrize("text,shape", [("(5,)", (5,)), ("5", (5,)), ("[2, 3, 4]", (2, 3, 4)),
                                        ("torch.Size([1])", (1,))])
def test_other_shapes(text: str, shape: tuple[int, ...]) -> None:
    assert parse_shape(text) == shape


@pytest.mark.parametrize("text", ["(3, four)", "3.5x2", "(-1, 2)", "shape",
                                  "x", "X", "*", ",", "(x)", "[,]", "x x", "×"])
def test_malformed_shape_says_how_to_write_one(text: str) -> None:
    with pytest.raises(MalformedAnswer, match=r"write e\.g\."):
        parse_shape(text)


@pytest.mark.parametrize("text", ["a,c", "A C", "ac", "[a, c]", "a and c", "c, a", "A;C"])
def test_letter_spellings(text: str) -> None:
    assert parse_letters(text, 4) == {"a", "c"}


@pytest.mark.parametrize("text", ["e", "a, z", "1", "", "maybe"])
def test_bad_letters(text: str) -> None:
    with pytest.raises(MalformedAnswer):
        parse_letters(text, 4)


@pytest.mark.parametrize("text,name", [
    ("RuntimeError", "RuntimeError"), ("builtins.RuntimeError", "RuntimeError"),
    ("RuntimeError()", "RuntimeError"), ("<class 'KeyError'>", "KeyError"),
    ("torch.OutOfMemoryError", "OutOfMemoryError"), (" ValueError. ", "ValueError"),
    ("none", None), ("None", None), ("no exception", None), ("nothing", None),
])
def test_exception_names(text: str, name: str | None) -> None:
    assert parse_exception_name(text) == name


def test_bad_exception_name() -> None:
    with pytest.raises(MalformedAnswer):
        parse_exception_name("it breaks")


def test_output_normalisation() -> None:
    assert normalize_output("a  \nb\t\n\n\n") == "a\nb"
    assert normalize_output("a\r\nb") == "a\nb"
    assert normalize_output("  lead") == "  lead"  # leading space is meaningful


@pytest.mark.parametrize("text,value", [
    ("6", 6), ("-6.5", -6.5), ("True", True), ("None", None), ("'abc'", "abc"),
    ("[[1, 2]]", [[1, 2]]), ("(1, [2, 3])", (1, [2, 3])), ("{'a': 1}", {"a": 1}),
    ("{1, 2}", {1, 2}), ("set()", set()), ("frozenset({1})", frozenset({1})),
    ("float('-inf')", -math.inf), ("-inf", -math.inf), ("1e-3", 0.001), ("2+3j", 2 + 3j),
    ("...", Ellipsis), ("b'x'", b"x"), ("true", True), ("false", False), ("none", None),
    ("math.pi", math.pi), ("torch.float32", DtypeValue("float32")),
    ("torch.long", DtypeValue("int64")), ("float32", DtypeValue("float32")),
    ("int", TypeValue("int")), ("map", TypeValue("map")), ("torch.Tensor", TypeValue(
        "torch.Tensor")),
    ("torch.Size([3, 4])", SizeValue((3, 4))), ("Size([])", SizeValue(())),
])
def test_values_are_read_as_data(text: str, value: object) -> None:
    assert read_value(text) == value


def test_nan_reads_as_nan() -> None:
    assert math.isnan(read_value("nan")) and math.isnan(read_value("float('nan')"))


@pytest.mark.parametrize("text,dtype,shape,values", [
    ("tensor([6.])", "float32", (1,), (6.0,)),
    ("torch.tensor([[1, 2], [3, 4]])", "int64", (2, 2), (1, 2, 3, 4)),
    ("tensor([True, False])", "bool", (2,), (True, False)),
    ("tensor(3.)", "float32", (), (3.0,)),
    ("tensor([1, 2], dtype=torch.float64)", "float64", (2,), (1.0, 2.0)),
    ("tensor(3., grad_fn=<SumBackward0>)", "float32", (), (3.0,)),
    ("tensor([1., 2.], requires_grad=True)", "float32", (2,), (1.0, 2.0)),
    ("tensor([])", "float32", (0,), ()),
    ("array([1.5, 2])", "float64", (2,), (1.5, 2.0)),
])
def test_tensors_are_read_as_data(text: str, dtype: str, shape: tuple[int, ...],
                                  values: tuple[object, ...]) -> None:
    v = read_value(text)
    assert isinstance(v, TensorValue)
    assert (v.dtype, v.shape, v.values) == (dtype, shape, values)


@pytest.mark.parametrize("text", [
    "(setattr(math, 'isnan', lambda x: True), tensor([0., 0.]))[1]",
    "__import__('os').system('id')", "open('/etc/passwd').read()", "x", "secret",
    "[].__class__.__base__.__subclasses__()", "(lambda: 1)()", "[i for i in range(3)]",
    "1 if True else 2", "tensor([1, 2])[0]", "torch.ones(2)", "eval('1')", "globals()",
    "f'{1}'", "{**{}}", "print(1)", "exec('x=1')", "tensor([[1, 2], [3]])",
    "tensor([0, 1, 2, ..., 9])", "tensor([1], device='cuda')", "1 + 1", "-'a'",
    "1" * 5000, "[" * 500 + "]" * 500, "",
])
def test_anything_else_is_refused_without_running(text: str) -> None:
    with pytest.raises(MalformedAnswer):
        read_value(text)


_printable = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200)
_pythonish = st.lists(st.sampled_from([
    "tensor(", "torch.", "(", ")", "[", "]", "{", "}", ",", ":", "1", "2.5", "-", "nan",
    "inf", "'a'", "True", "None", "__import__", "os", ".system", "lambda", "x", " ", "=",
    "dtype", "float(", "Size(", "...", "**", "*", "@", "__class__", "exec", "open",
]), max_size=30).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.one_of(_printable, _pythonish))
def test_the_reader_never_runs_anything(text: str) -> None:
    """Arbitrary text: a value or a clean MalformedAnswer; nothing executed or imported."""
    before = set(sys.modules)
    calls: list[str] = []
    real = {name: getattr(builtins, name) for name in ("eval", "exec", "__import__",
                                                         "compile", "open")}

    def spy(name: str):  # type: ignore[no-untyped-def]
        def wrapped(*args, **kwargs):  # type: ignore[no-untyped-def]
            flags = args[3] if len(args) > 3 else kwargs.get("flags", 0)
            parse_only = name == "compile" and flags & ast.PyCF_ONLY_AST  # makes no code
            # an import statement of a module already loaded (the parser's unicodedata for
            # non-ASCII names, the warnings module's re) loads nothing
            loaded = name == "__import__" and args and args[0] in sys.modules
            if not (parse_only or loaded):
                calls.append(name)
            return real[name](*args, **kwargs)
        return wrapped

    for name in real:
        setattr(builtins, name, spy(name))
    try:
        try:
            read_value(text)
        except MalformedAnswer:
            pass
    finally:
        for name, fn in real.items():
            setattr(builtins, name, fn)
    assert calls == []
    assert set(sys.modules) == before

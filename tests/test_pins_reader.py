"""Pins for reading what a learner typed (checker/reader.py): every node shape a value may
have and the exact message for each one it may not, shapes, option letters, exception names.

Each test here was seen to fail with a one-token change of the code it pins (issue 17)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from quizcards.checker import reader
from quizcards.checker.protocol import DtypeValue, SizeValue, TensorValue, TypeValue
from quizcards.checker.reader import (
    VALUE_HOWTO,
    MalformedAnswer,
    Typed,
    decimals_of,
    format_shape,
    normalize_output,
    parse_exception_name,
    parse_letters,
    parse_shape,
    read_value,
)


def refused(text: str, *, arithmetic: bool = False) -> str:
    with pytest.raises(MalformedAnswer) as info:
        read_value(text, arithmetic=arithmetic)
    return str(info.value)


def why(text: str, *, arithmetic: bool = False) -> str:
    """The reason in `cannot read ... as a value: <reason> (how to write one)`."""
    message = refused(text, arithmetic=arithmetic)
    head = f"cannot read {text.strip()!r} as a value: "
    tail = f" ({VALUE_HOWTO})"
    assert message.startswith(head) and message.endswith(tail), message
    return message[len(head):-len(tail)]


def kinds(values: tuple[Any, ...]) -> list[str]:
    """The kind of each number (a typed float keeps its decimals: still a float)."""
    return ["float" if isinstance(x, float) else type(x).__name__ for x in values]


def tensor(text: str) -> TensorValue:
    value = read_value(text)
    assert isinstance(value, TensorValue)
    return value


# -- the whole answer -----------------------------------------------------------------------------
def test_empty_and_too_long_answers() -> None:
    assert refused("  ") == f"the answer is empty ({VALUE_HOWTO})"
    text = "'" + "a" * (reader.MAX_ANSWER - 2) + "'"
    assert read_value(text) == "a" * (reader.MAX_ANSWER - 2)  # exactly the limit: read
    assert read_value(" " + text + " ") == "a" * (reader.MAX_ANSWER - 2)  # stripped first
    assert refused("'" + "a" * (reader.MAX_ANSWER - 1) + "'") == (
        "the answer is too long to read (over 20,000 characters)")


def test_syntax_errors_say_why() -> None:
    assert why("1 +") == "invalid syntax"
    assert why("1" * 5000) == "the number has too many digits"
    assert why("1\x00") == "source code string cannot contain null bytes"
    too_deep_to_parse = "-" * 19_000 + "1"  # the parser's own stack overflows: MemoryError
    assert refused(too_deep_to_parse) == f"cannot read the answer as a value ({VALUE_HOWTO})"
    assert refused("-" * 900 + "1") == "the answer is nested too deeply to read"


def test_torch_repr_noise_is_dropped() -> None:
    assert tensor("tensor([1., 2.], grad_fn=<AddBackward0>)").values == (1.0, 2.0)
    assert tensor("tensor(2.,  grad_fn=<MulBackward0>)").shape == ()
    assert read_value("<class 'map'>") == TypeValue("map")
    assert read_value("[<class 'int'>, <class 'torch.Tensor'>]") == [
        TypeValue("int"), TypeValue("torch.Tensor")]


def test_a_node_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "MAX_NODES", 4)
    assert read_value("[1, 2, 3]") == [1, 2, 3]  # four nodes
    assert why("[1, 2, 3, 4]") == "it is too large"


# -- literals --------------------------------------------------------------------------------------
def test_numbers_remember_their_decimals() -> None:
    v = read_value("0.270")
    assert isinstance(v, Typed) and v == 0.27 and v.decimals == 3
    assert read_value("1e-3").decimals == 3
    neg = read_value("-2.50")
    assert isinstance(neg, Typed) and neg == -2.5 and neg.decimals == 2
    pos = read_value("+2.50")
    assert isinstance(pos, Typed) and pos == 2.5 and pos.decimals == 2
    assert type(read_value("1e999")) is float and read_value("1e999") == math.inf
    assert type(read_value("7")) is int


@pytest.mark.parametrize("literal,decimals", [
    ("0.2689", 4), ("1.", 0), ("1.5e-3", 4), ("1.5E+2", 0), ("12", 0), ("1_000.5", 1),
    ("2.50e1", 1), ("1.5ex", 1), ("3.25e", 2), ("0.5e-0", 1), ("1.000_5", 4),
])
def test_decimals_of(literal: str, decimals: int) -> None:
    assert decimals_of(literal) == decimals


def test_huge_integers() -> None:
    assert read_value("9" * 4000) == int("9" * 4000)
    assert why("1" + "0" * 4000) == "the number has too many digits"
    assert why("0x" + "f" * 3400) == "the number has too many digits"
    assert why("-0x" + "f" * 3400) == "the number has too many digits"


def test_containers() -> None:
    assert read_value("(1, [2, {3}], {'k': (4,)})") == (1, [2, {3}], {"k": (4,)})
    assert type(read_value("{3}")) is set
    assert why("{[1]}") == "set items must be hashable (no lists inside a set)"
    assert why("frozenset([[1]])") == "set items must be hashable (no lists inside a set)"
    assert why("{**{}}") == "`**` is not allowed in a value"
    assert why("{[1]: 2}") == "dict keys must be hashable"
    assert read_value("{1: 'a', 1.5: [2]}") == {1: "a", 1.5: [2]}
    assert read_value("()") == () and read_value("[]") == [] and read_value("{}") == {}


def test_unary_operators() -> None:
    assert read_value("-5") == -5 and read_value("+5") == 5 and read_value("-(1+2j)") == -1 - 2j
    assert read_value("--5") == 5
    assert why("-True") == "`-True` is not a number"
    assert why("-'a'") == "`-'a'` is not a number"
    assert why("not 1") == "`not 1` is not a number"
    assert why("~1") == "`~1` is not a number"


def test_complex_literals_and_arithmetic() -> None:
    assert read_value("2+3j") == 2 + 3j and read_value("2-3j") == 2 - 3j
    assert read_value("-2-3j") == -2 - 3j
    assert why("1+1") == "type the value itself, not arithmetic"
    assert why("3j+2") == "type the value itself, not arithmetic"
    assert why("2+(3+1j)") == "type the value itself, not arithmetic"
    assert why("True+1j") == "type the value itself, not arithmetic"


@pytest.mark.parametrize("text,value", [
    ("7+2", 9), ("7-2", 5), ("7*2", 14), ("7/2", 3.5), ("7//2", 3), ("7%3", 1), ("2**10", 1024),
    ("2**64", 2**64), ("-2**3", -8), ("1000000**2", 10**12), ("1.5*2", 3.0), ("2**-1", 0.5),
    ("(-1000000)**2", 10**12),
])
def test_arithmetic_for_card_constants(text: str, value: Any) -> None:
    assert read_value(text, arithmetic=True) == value


@pytest.mark.parametrize("text,reason", [
    ("2**65", "`2 ** 65` is not allowed"), ("1000001**2", "`1000001 ** 2` is not allowed"),
    ("2**-65", "`2 ** (-65)` is not allowed"),
    ("(-1000001)**2", "`(-1000001) ** 2` is not allowed"),
    ("1/0", "the arithmetic fails"), ("1//0", "the arithmetic fails"),
    ("1%0", "the arithmetic fails"),
    ("True+1", "arithmetic only on numbers"), ("1+False", "arithmetic only on numbers"),
    ("'a'+'b'", "arithmetic only on numbers"), ("1@2", "`1 @ 2` is not allowed"),
    ("1<<2", "`1 << 2` is not allowed"), ("1+'a'", "arithmetic only on numbers"),
])
def test_arithmetic_refused(text: str, reason: str) -> None:
    assert why(text, arithmetic=True) == reason


# -- names -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("text,value", [
    ("inf", math.inf), ("Ellipsis", Ellipsis), ("TRUE", True), ("Yes", True), ("no", False),
    ("False", False), ("NULL", None), ("none", None), ("float32", DtypeValue("float32")),
    ("str", TypeValue("str")), ("NoneType", TypeValue("NoneType")),
    ("bool", DtypeValue("bool")),  # the dtype's name comes first
    ("Tensor", TypeValue("torch.Tensor")), ("device", TypeValue("torch.device")),
    ("list[int]", TypeValue("list[int]")), ("dict[str, int]", TypeValue("dict[str, int]")),
    ("dict[str, list[int]]", TypeValue("dict[str, list[int]]")),
])
def test_names(text: str, value: Any) -> None:
    assert read_value(text) == value


def test_unknown_names() -> None:
    assert refused("secret") == ("cannot read 'secret' as a value: `secret` is not a value (put "
                                 f"text in quotes) ({VALUE_HOWTO})")
    assert why("x[0]") == "`x` is not a value (put text in quotes)"
    assert why("(1)[0]") == "`1[0]` is not a value you can type here"
    assert why("list[3]") == "`list[3]` is not a class"
    assert why("tuple[int, ...]") == "`tuple[int, ...]` is not a class"


@pytest.mark.parametrize("text,value", [
    ("math.pi", math.pi), ("math.e", math.e), ("math.tau", math.tau), ("np.pi", math.pi),
    ("torch.pi", math.pi), ("torch.inf", math.inf), ("numpy.inf", math.inf),
    ("torch.float64", DtypeValue("float64")), ("torch.long", DtypeValue("int64")),
    ("torch.half", DtypeValue("float16")), ("torch.cfloat", DtypeValue("complex64")),
    ("np.float64", DtypeValue("float64", "numpy")), ("numpy.int8", DtypeValue("int8", "numpy")),
    ("torch.Tensor", TypeValue("torch.Tensor")), ("torch.Size", TypeValue("torch.Size")),
    ("builtins.int", TypeValue("int")), ("torch.dtype", TypeValue("torch.dtype")),
])
def test_dotted_names(text: str, value: Any) -> None:
    assert read_value(text) == value


def test_dotted_names_refused() -> None:
    for text in ("torch.foo", "np.Tensor", "builtins.Size", "math.float32", "os.sep",
                 "torch.nn.ReLU"):
        assert why(text) == f"`{text}` is not a value you can type here"
    assert why("(1).real") == "`1 .real` is not a value you can type here"
    assert math.isnan(read_value("torch.nan")) and math.isnan(read_value("np.nan"))
    assert math.isnan(read_value("math.nan")) and math.isnan(read_value("numpy.nan"))


# -- calls -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("text,value", [
    ("float('inf')", math.inf), ("float(' -2.5 ')", -2.5), ("int('7')", 7), ("int(2.7)", 2),
    ("float(3)", 3.0), ("complex('1+2j')", 1 + 2j), ("complex(2)", 2 + 0j),
    ("set([1, 2])", {1, 2}), ("frozenset((1,))", frozenset({1})), ("tuple([1])", (1,)),
    ("list((1, 2))", [1, 2]), ("list()", []), ("tuple()", ()), ("set()", set()),
    ("set('ab')", {"a", "b"}), ("frozenset()", frozenset()), ("list({3})", [3]),
])
def test_calls(text: str, value: Any) -> None:
    got = read_value(text)
    assert got == value and type(got) is type(value)


@pytest.mark.parametrize("text,reason", [
    ("float(True)", "`float(True)` is not a number"), ("int('x')", "`int('x')` is not a number"),
    ("float('1' * 101)", "type the value itself, not arithmetic"),
    ("int(float('inf'))", "`int(float('inf'))` is not a number"),
    ("float([1])", "`float([1])` is not a number"),
    ("float(1, 2)", "`float(...)` is not something a value answer may call"),
    ("int(x=1)", "`int(...)` is not something a value answer may call"),
    ("list(1)", "expected a list, tuple or set"),
    ("list([1], [2])", "`list(...)` is not something a value answer may call"),
    ("tuple(x=[1])", "`tuple(...)` is not something a value answer may call"),
    ("foo(1)", "`foo(...)` is not something a value answer may call"),
    ("torch.ones(2)", "`torch.ones(...)` is not something a value answer may call"),
])
def test_calls_refused(text: str, reason: str) -> None:
    assert why(text) == reason


def test_a_number_string_of_100_characters_is_read() -> None:
    assert read_value("float('" + "1" * 100 + "')") == float("1" * 100)
    assert why("float('" + "1" * 101 + "')") == ("`float('" + "1" * 101 + "')` is not a number")


def test_sizes() -> None:
    assert read_value("torch.Size([2, 3])") == SizeValue((2, 3))
    assert read_value("Size((0,))") == SizeValue((0,))
    assert read_value("Size()") == SizeValue(())
    assert why("Size([2], [3])") == "Size takes one list of sizes"
    assert why("Size(dims=[2])") == "Size takes one list of sizes"
    for text in ("Size([-1])", "Size([1.0])", "Size([True])", "Size(3)", "Size('ab')"):
        assert why(text) == "Size takes a list of whole numbers"


# -- tensors and arrays ----------------------------------------------------------------------------
@pytest.mark.parametrize("text,dtype,values", [
    ("tensor([1, 2])", "int64", (1, 2)), ("tensor([1., 2])", "float32", (1.0, 2.0)),
    ("tensor([True, 2])", "int64", (1, 2)), ("tensor([True, False])", "bool", (True, False)),
    ("tensor([1+2j, 1])", "complex64", (1 + 2j, 1 + 0j)), ("tensor([])", "float32", ()),
    ("array([])", "float64", ()), ("array([1.5])", "float64", (1.5,)),
    ("array([1j])", "complex128", (1j,)), ("array([1, 2])", "int64", (1, 2)),
    ("array([True])", "bool", (True,)),
    ("tensor([1, 0], dtype=torch.bool)", "bool", (True, False)),
    ("tensor([1, 2], dtype=torch.complex64)", "complex64", (1 + 0j, 2 + 0j)),
    ("tensor([1.7, -1.7], dtype=torch.int32)", "int32", (1, -1)),
    ("tensor([1], dtype=torch.bfloat16)", "bfloat16", (1.0,)),
    ("tensor([1], dtype=float)", "float32", (1.0,)), ("array([1], dtype=float)", "float64", (1.0,)),
    ("tensor([1.5], dtype=int)", "int64", (1,)), ("tensor([1], dtype=bool)", "bool", (True,)),
    ("tensor([1], dtype=complex)", "complex128", (1 + 0j,)),
    ("tensor([1], dtype='float16')", "float16", (1.0,)),
    ("torch.Tensor([1, 2])", "float32", (1.0, 2.0)), ("torch.as_tensor([3])", "int64", (3,)),
    ("np.array([1, 2], dtype=np.int8)", "int8", (1, 2)),
    ("tensor([1, 0], dtype=builtins.bool)", "bool", (True, False)),
    ("torch.Tensor([[1, 2]])", "float32", (1.0, 2.0)),
    ("numpy.array([2.5])", "float64", (2.5,)),
])
def test_tensor_dtypes(text: str, dtype: str, values: tuple[Any, ...]) -> None:
    t = tensor(text)
    assert (t.dtype, t.values) == (dtype, values)
    assert t.values is not None and kinds(t.values) == kinds(values)  # 1.0, not 1 or True
    assert t.kind == ("ndarray" if "array" in text else "tensor")


def test_tensor_shapes_and_flags() -> None:
    t = tensor("tensor([[1, 2], [3, 4], [5, 6]])")
    assert (t.shape, t.values) == ((3, 2), (1, 2, 3, 4, 5, 6))
    assert tensor("tensor([[], []])").shape == (2, 0)
    assert tensor("tensor(5)").shape == ()
    assert tensor("tensor([1.], requires_grad=True)").requires_grad is True
    assert tensor("tensor([1.], requires_grad=False)").requires_grad is False
    assert tensor("tensor([1.])").requires_grad is False
    assert tensor("torch.Tensor([[1, 2]])").shape == (1, 2)
    assert tensor("tensor([1], device='cpu')").values == (1,)
    assert tensor("tensor([1], device='cpu:0')").values == (1,)
    typed = tensor("tensor([0.50, 2])").values
    assert typed is not None and isinstance(typed[0], Typed) and typed[0].decimals == 2
    assert tensor("tensor(((1, 2), [3, 4]))").shape == (2, 2)


@pytest.mark.parametrize("text,reason", [
    ("tensor()", "tensor(...) takes the data as its one argument"),
    ("tensor([1], [2])", "tensor(...) takes the data as its one argument"),
    ("torch.Tensor()", "tensor(...) takes the data as its one argument"),
    ("array()", "ndarray(...) takes the data as its one argument"),
    ("tensor([1], dtype=3)", "dtype must be a dtype such as torch.float32"),
    ("tensor([1], dtype='float99')", "dtype must be a dtype such as torch.float32"),
    ("tensor([1], dtype=str)", "dtype must be a dtype such as torch.float32"),
    ("tensor([1], requires_grad=1)", "requires_grad is True or False"),
    ("tensor([1], device='cuda')", "only cpu tensors can be typed"),
    ("tensor([1], pin_memory=True)", "tensor(...) does not take `pin_memory=` here"),
    ("array([1], copy=True)", "ndarray(...) does not take `copy=` here"),
    ("tensor([[1], [1, 2]])", "the rows have different lengths"),
    ("tensor([1, [2]])", "the rows have different lengths"),
    ("tensor([1, ..., 5])", "a summarized tensor (with ...) cannot be compared; type every value"),
    ("tensor(['a'])", "a tensor holds numbers, not str"),
    ("array([None])", "a ndarray holds numbers, not NoneType"),
])
def test_tensors_refused(text: str, reason: str) -> None:
    assert why(text) == reason


def test_the_integer_tensor_message_is_the_readers_own() -> None:
    assert refused("tensor([float('nan')], dtype=torch.int64)") == (
        "an integer tensor cannot hold nan")
    assert refused("tensor([float('inf')], dtype=torch.int64)") == (
        "an integer tensor cannot hold inf")


def test_a_tensor_too_large_to_type(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "MAX_TENSOR_VALUES", 3)
    assert tensor("tensor([1, 2, 3])").values == (1, 2, 3)
    assert why("tensor([1, 2, 3, 4])") == "the tensor is too large to type"


# -- shapes ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("text,shape", [
    ("Scalar", ()), (" () ", ()), ("TORCH.SIZE([])", ()), ("size([])", ()), ("[ ]", ()),
    ("( )", ()), ("size(3, 4)", (3, 4)), ("torch.Size( [3, 4] )", (3, 4)), ("[[3, 4]]", (3, 4)),
    ("((3,4))", (3, 4)), ("3x4x5", (3, 4, 5)), ("3 * 4", (3, 4)), ("3,", (3,)), ("3X4", (3, 4)),
    ("1" * 12, (int("1" * 12),)), ("0", (0,)), ("3 ,  4", (3, 4)), ("size(\n3,\n4\n)", (3, 4)),
    ("[[]]", ()), ("Size(())", ()),
])
def test_shape_spellings(text: str, shape: tuple[int, ...]) -> None:
    assert parse_shape(text) == shape


def test_shapes_refused() -> None:
    with pytest.raises(MalformedAnswer) as info:
        parse_shape(" (3, four) ")
    assert str(info.value) == ("cannot read '(3, four)' as a shape: 'four' is not a size (write "
                               "e.g. (3, 4), 3x4 or torch.Size([3, 4]); () for a scalar)")
    for text in ("(((3)))", "1" * 13, "3.0", "-3", "3x4y", "[3, 4)"):
        with pytest.raises(MalformedAnswer, match="is not a size"):
            parse_shape(text)
    with pytest.raises(MalformedAnswer, match=r"^the answer is too long to be a shape$"):
        parse_shape("1," * 500 + "1")
    assert parse_shape("1," * 500) == (1,) * 500  # exactly 1000 characters


def test_format_shape() -> None:
    assert [format_shape(s) for s in ((), (3,), (3, 4))] == ["()", "(3,)", "(3, 4)"]


# -- option letters --------------------------------------------------------------------------------
@pytest.mark.parametrize("text,letters", [
    ("a) c)", {"a", "c"}), ("(a)", {"a"}), ("a.", {"a"}), ("b:", {"b"}),
    ("'a', \"d\"", {"a", "d"}),
    ("a/b", {"a", "b"}), ("a+b", {"a", "b"}), ("a&b", {"a", "b"}), ("A AND D", {"a", "d"}),
    ("dcba", {"a", "b", "c", "d"}), ("aa", {"a"}),
])
def test_letters(text: str, letters: set[str]) -> None:
    assert parse_letters(text, 4) == letters


def test_letters_refused() -> None:
    with pytest.raises(MalformedAnswer) as info:
        parse_letters(" e ", 4)
    assert str(info.value) == ("cannot read 'e' as option letters (choose from a, b, c, d; e.g. "
                               "'a' or 'a, c')")
    with pytest.raises(MalformedAnswer) as info:
        parse_letters("c", 2)
    assert "choose from a, b;" in str(info.value)
    with pytest.raises(MalformedAnswer) as info:
        parse_letters(" ,; ", 3)
    assert str(info.value) == "no option chosen (choose from a, b, c)"
    with pytest.raises(MalformedAnswer) as info:
        parse_letters("z" * 100, 3)
    assert repr("z" * 80) in str(info.value)


# -- exception names -------------------------------------------------------------------------------
@pytest.mark.parametrize("text,name", [
    ("no", None), ("No Error", None), ("-", None), ("ok", None), ("None.", None),
    (" nothing: ", None),
    ("IndexError: Dimension out of range", "IndexError"), ("RuntimeError('a b')", "RuntimeError"),
    ("<class 'torch.OutOfMemoryError'>", "OutOfMemoryError"), ("'KeyError'", "KeyError"),
    ("Runtime Error", "RuntimeError"), ("Stop Iteration", "StopIteration"),
    ("key board interrupt", "keyboardinterrupt"), ("user warning", "userwarning"),
    ("System Exit", "SystemExit"), ("base exception", "baseexception"),
    ("E" * 100, "E" * 100), ("a.b.CustomError", "CustomError"),
    ("IndexError: index 5: out of range", "IndexError"), ("XError", "XError"),
    ("ErrorX", "ErrorX"),
])
def test_exception_names(text: str, name: str | None) -> None:
    assert parse_exception_name(text) == name


def test_exception_names_refused() -> None:
    for text in ("it breaks", "E" * 101, "Runtime Err or x", "1Error", "x y Error z"):
        with pytest.raises(MalformedAnswer) as info:
            parse_exception_name(text)
        assert str(info.value) == (f"cannot read {text.strip()[:80]!r} as an exception name "
                                   "(write e.g. RuntimeError, or none if nothing is raised)")


def test_output_normalisation() -> None:
    assert normalize_output("a \r\nb\t\r\n\r\n") == "a\nb"
    assert normalize_output("") == "" and normalize_output("\n\n") == ""
    assert normalize_output("\n\na") == "\n\na"


def test_an_expression_of_a_kind_the_reader_does_not_know() -> None:
    assert why("lambda: 1") == "`lambda: 1` is not something a value answer may contain"
    assert why("x if y else z") == "`x if y else z` is not something a value answer may contain"

"""The judging rules and their diagnoses, on data (tensors as protocol records; real torch
is in test_checker.py)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizcards.checker.protocol import (
    DtypeValue,
    NamedValue,
    OpaqueValue,
    SizeValue,
    TensorValue,
    TypeValue,
    decode_value_json,
)
from quizcards.checker.protocol import encode_value as _encode
from quizcards.checker.reader import read_value
from quizcards.checker.rules import Outcome, Tolerance, compare, diagnose_shape, show


@pytest.mark.parametrize("expected,got,diagnosis", [
    ((3, 4), (4, 3), "right dims, wrong order"),
    ((3, 4), (3, 1, 4), "an extra size-1 dim at 1: that is what keepdim=True gives; here the "
                        "dim is reduced away"),
    ((3, 1, 4), (3, 4), "the result keeps a size-1 dim at 1 (keepdim=True or unsqueeze)"),
    ((3, 4), (3, 6, 4), "rank differs: expected 2 dims; dim 1 (size 6) is reduced away"),
    ((3, 6, 4), (3, 4), "rank differs: expected 3 dims; you dropped dim 1 (size 6)"),
    ((3, 4), (3, 5), "dim 1 is 4, not 5"),
    ((3, 4), (5, 6), "sizes differ at dims 0, 1"),
    ((3, 4), (1, 2, 3, 4, 5), "rank differs: expected 2 dims, got 5"),
])
def test_shape_diagnoses(expected: tuple[int, ...], got: tuple[int, ...], diagnosis: str) -> None:
    out = diagnose_shape(expected, got)
    assert not out.correct and out.diagnosis == diagnosis


def test_shape_right() -> None:
    assert diagnose_shape((3, 4), (3, 4)).correct


def test_numbers_within_tolerance() -> None:
    assert compare(0.268941, 0.2689, Tolerance(rtol=1e-3)).correct
    out = compare(0.268941, 0.27, Tolerance(rtol=1e-3, atol=0))
    assert not out.correct and out.near_miss
    assert out.diagnosis.startswith("values differ: expected 0.268941, got 0.27 (off by 0.00106")


def test_nan_and_inf() -> None:
    assert compare(math.nan, math.nan).correct
    assert compare(math.inf, math.inf).correct
    assert not compare(math.inf, -math.inf).correct
    assert not compare(1.0, math.nan).correct


def test_bool_is_not_a_number() -> None:
    out = compare(True, 1)
    assert not out.correct and "expected a bool" in out.diagnosis


def test_nested_lists_report_the_index() -> None:
    out = compare([[1, 2], [3, 4]], [[1, 2], [3, 5]])
    assert not out.correct
    assert out.diagnosis.startswith("values differ at [1][1]: expected 4, got 5")
    out = compare(TensorValue("tensor", "int64", (2, 2), (1, 2, 3, 4)), [[1, 2], [3, 5]])
    assert out.diagnosis.startswith("values differ at [1, 1]: expected 4, got 5")
    assert "1 of 4 values differ" in out.diagnosis


def test_shape_mismatch_and_broadcast() -> None:
    out = compare(TensorValue("tensor", "int64", (2, 3), (1, 2, 3, 4, 5, 6)), [1, 2, 3])
    assert "shape differs: expected (2, 3), got (3,)" in out.diagnosis
    assert "broadcast" in out.diagnosis


def test_strings_dicts_none() -> None:
    assert compare("abc", "abc").correct
    assert not compare("abc", "abd").correct
    assert compare({"a": 1}, {"a": 1.0}).correct
    assert "keys differ" in compare({"a": 1}, {"b": 1}).diagnosis
    assert compare(None, None).correct
    assert "expected None" in compare(None, 0).diagnosis


def test_length_of_tuples() -> None:
    out = compare((1, 2, "x"), (1, 2))
    assert out.diagnosis == "length differs: expected 3 items, got 2"


def test_container_against_a_plain_value() -> None:
    out = compare(((), {}), (1, 2))
    assert out.diagnosis == "expected a tuple at [0] (()), got a number (1)"


def t(values: list[float], shape: tuple[int, ...], dtype: str = "float32") -> TensorValue:
    return TensorValue("tensor", dtype, shape, tuple(values))


def test_tensors() -> None:
    assert compare(t([0.2689414, 0.7310586], (2,)), t([0.2689, 0.7311], (2,))).correct
    out = compare(t([0.2689414, 0.7310586], (2,)), t([0.27, 0.73], (2,)))
    assert not out.correct and out.near_miss
    assert compare(t([6.0], ()), 6).correct  # a number stands for a 0-d tensor
    assert not compare(t([6.0], (1,)), 6).correct
    out = compare(t([1.0, 2.0], (2,)), t([1.0, 2.0], (2,), "float64"), Tolerance(
        check_dtype=True))
    assert out.diagnosis == "dtype differs: expected float32, got float64"
    assert "bools" in compare(t([True, False], (2,), "bool"), [1, 0]).diagnosis


def test_sizes_named_tuples_and_opaque_values() -> None:
    assert compare(SizeValue((3, 4)), (3, 4)).correct
    assert compare(SizeValue((3, 4)), [3, 4]).correct
    out = compare(SizeValue((3, 4)), (4, 3))
    assert not out.correct and "right dims, wrong order" in out.diagnosis
    pair = NamedValue("torch.return_types.max", ("values", "indices"),
                      (t([1.5], (1,)), t([0], (1,), "int64")))
    assert compare(pair, (t([1.5], (1,)), t([0], (1,), "int64"))).correct
    assert compare(OpaqueValue("__main__.Vec", "Vec(1, 2)"),
                   OpaqueValue("__main__.Vec", "<Vec>")).correct
    assert not compare(OpaqueValue("__main__.Vec", "x"), OpaqueValue("__main__.A", "x")).correct
    assert not compare(9, OpaqueValue("__main__.A", "9")).correct


def test_show_spells_values_as_typed() -> None:
    assert show(t([0.2689414, 0.7310586], (2,))) == "tensor([0.2689, 0.7311])"
    assert show(t([1.0, 2.0], (2,))) == "tensor([1., 2.])"
    assert show(t([1, 2, 3, 4], (2, 2), "int64")) == "tensor([[1, 2], [3, 4]])"
    assert show(t([1, 2], (2,), "int8")) == "tensor([1, 2], dtype=torch.int8)"
    assert show(SizeValue((3, 4))) == "torch.Size([3, 4])"
    assert show((1,)) == "(1,)"
    assert show({"a", "b"}) == "{'a', 'b'}"


# -- the rules of docs/grading.md, one at a time ----------------------------------------------
def judge(truth: object, typed: str, **tol: object) -> Outcome:
    return compare(truth, read_value(typed), Tolerance(**tol))  # type: ignore[arg-type]


@pytest.mark.parametrize("truth,typed,correct,near", [
    (((), {}), "([], {})", False, True),  # right items, wrong container
    ((9, [2, 3]), "(9, (2, 3))", False, True),
    (("a", 1), "['a', 1]", False, True),
    ([1, 2], "(1, 2)", False, True),
    ({1, 2}, "[1, 2]", False, True),
    (("a", 1), "('a', 1)", True, False),
    ((1, 2), "(1, 3)", False, False),
    ([1, 2, 3], "[1, 2]", False, True),  # one item short
    ([1, 2, 3, 4], "[1]", False, False),
    (3, "tensor(3)", False, False),  # a tensor is not a Python int
    (3, "[1, 2, 3]", False, False),  # a list is not a number: never a near miss
    (t([3.0], ()), "[1, 2, 3]", False, False),
    (True, "1", False, False), (1, "True", False, False),
    (True, "yes", True, False), (None, "none", True, False), (False, "FALSE", True, False),
    ("map", "'Map'", False, True), ("map", "' map'", False, True),
    (TypeValue("map"), "map", True, False), (TypeValue("map"), "<class 'map'>", True, False),
    (TypeValue("map"), "'map'", False, True), (TypeValue("map"), "filter", False, False),
    ("int", "int", False, True),  # the class where the truth is its name as a string
    (DtypeValue("bfloat16"), "torch.bfloat16", True, False),
    (DtypeValue("bfloat16"), "'torch.bfloat16'", False, True),
    (6.0, "6", True, False), (6, "6.0", True, False),
    (t([6.0], (1,)), "6", False, True),  # the right number, brackets missing
    ({1, 2}, "{True, 2}", False, False),  # True is not 1, in a set too
    ({1: "x", 0: "y"}, "{True: 'x', False: 'y'}", False, False),
    ({1: "x"}, "{1.0: 'x'}", True, False),  # but 1.0 is the number 1
    (10000, "10009", False, True),  # whole numbers are exact (0.09% off: a near miss)
    (10000, "10000.0", True, False),
])
def test_container_and_kind_rules(truth: object, typed: str, correct: bool, near: bool) -> None:
    out = judge(truth, typed)
    assert (out.correct, out.near_miss) == (correct, near), out.diagnosis


def test_numbers_too_long_to_print_stay_printable() -> None:
    huge = int("f" * 3700, 16)
    out = compare(1, huge)
    assert not out.correct and "digits>" in out.diagnosis


def test_a_pair_is_a_tuple_and_a_tensor_is_not_a_pair() -> None:
    pair = NamedValue("torch.return_types.max", ("values", "indices"),
                      (t([3.0, 9.0], (2,)), t([1, 0], (2,), "int64")))
    assert judge(pair, "(tensor([3., 9.]), tensor([1, 0]))").correct
    out = judge(pair, "tensor([1., 0.])")
    assert not out.correct and not out.near_miss


def test_a_tensor_inside_a_container_is_not_the_tensor() -> None:
    """Nested lists spell a tensor; a tuple or list *of tensors* is a container. A lone
    tensor wrapped in one is a near miss that says so (not "shape differs (2,) vs (1, 2)")."""
    truth = t([3.0, 12.0], (2,))
    for typed, kind in (("(tensor([3., 12.]),)", "tuple"), ("[tensor([3., 12.])]", "list")):
        out = judge(truth, typed)
        assert not out.correct and out.near_miss
        assert out.diagnosis.startswith(f"right tensor, but inside a {kind}")
    out = judge(truth, "[tensor(3.), tensor(12.)]")  # a list of 0-d tensors
    assert not out.correct and not out.near_miss
    assert out.diagnosis.startswith("expected a tensor")
    out = judge(truth, "(tensor([3., 13.]),)")  # wrapped and wrong: wrong
    assert not out.correct and not out.near_miss
    assert judge(truth, "[3., 12.]").correct  # nested lists still spell it
    assert judge(t([1.0, 2.0, 3.0, 4.0], (2, 2)), "[[1, 2], [3, 4]]").correct


def test_the_container_diagnosis() -> None:
    assert judge(((), {}), "([], {})").diagnosis == (
        "right items at [0], but a list, not a tuple")
    assert judge(("a", 1), "['a', 1]").diagnosis == "right items, but a list, not a tuple"


@pytest.mark.parametrize("truth,typed,decimals,correct,near,diagnosis", [
    (0.2689414, "0.27", 2, True, False, ""),
    (0.2689414, "0.269", 2, True, False, ""),
    (0.2689414, "0.3", 2, False, True, "right to 1 decimal, the card wants 2"),
    (0.2689414, "0.27", 3, False, True, "right to 2 decimals, the card wants 3"),
    (0.2689414, "0.28", 2, False, True, "values differ: expected 0.268941, got 0.28 (off by "
                                        "0.0111, 4.11%)"),
    (0.2689414, "0.5", 2, False, False, "values differ: expected 0.268941, got 0.5 (off by "
                                        "0.231, 85.91%)"),
    (0.1192029, "0.119", 2, True, False, ""),
    (0.4076, "0", 2, False, True, "right to 0 decimals, the card wants 2"),
    (1234.5678, "1234.6", 2, True, False, ""),  # within the relative tolerance
    (0.000123, "1.2e-4", 2, True, False, ""),
])
def test_precision_from_what_was_typed(truth: float, typed: str, decimals: int, correct: bool,
                                       near: bool, diagnosis: str) -> None:
    out = judge(truth, typed, decimals=decimals)
    assert (out.correct, out.near_miss) == (correct, near), out.diagnosis
    assert out.diagnosis.startswith(diagnosis)


def test_precision_in_tensors() -> None:
    soft = t([0.1192029, 0.5, 0.8807971, 0.5], (2, 2))
    assert judge(soft, "[[0.119, 0.5], [0.881, 0.5]]").correct
    assert judge(soft, "tensor([[0.12, 0.5], [0.88, 0.5]])").correct
    out = judge(soft, "[[0.1, 0.5], [0.9, 0.5]]")
    assert (out.correct, out.near_miss) == (False, True)
    assert out.diagnosis == "right to 1 decimal, the card wants 2"


_floats = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, width=32)
_scalars = st.one_of(st.integers(-10**6, 10**6), _floats, st.booleans(), st.none(),
                     st.text(alphabet="abcxyz _", max_size=6))
_values = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.lists(inner, max_size=4).map(tuple),
    st.dictionaries(st.text(alphabet="abk", max_size=3), inner, max_size=3)), max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(_values)
def test_a_truths_own_repr_typed_back_is_right(value: object) -> None:
    truth = decode_value_json(_encode(value))
    out = compare(truth, read_value(repr(value)))
    assert out.correct, (value, out.diagnosis)


@settings(max_examples=200, deadline=None)
@given(st.lists(_floats, min_size=1, max_size=6), st.integers(0, 2))
def test_a_tensors_own_repr_typed_back_is_right(values: list[float], rows: int) -> None:
    import torch

    tensor = torch.tensor(values).reshape(-1, 1) if rows else torch.tensor(values)
    truth = decode_value_json(_encode(tensor))
    for text in (repr(tensor), str(tensor), repr(tensor.tolist())):
        out = compare(truth, read_value(text))
        assert out.correct, (text, out.diagnosis)


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=-1000, max_value=1000, allow_nan=False), st.integers(0, 4),
       st.integers(0, 6))
def test_the_truth_rounded_to_enough_decimals_is_right(x: float, wanted: int,
                                                        extra: int) -> None:
    typed = f"{x:.{wanted + extra}f}"
    assert compare(x, read_value(typed), Tolerance(rtol=0, atol=0, decimals=wanted)).correct


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(min_value=-100, max_value=100, allow_nan=False), min_size=1,
                max_size=8), st.data())
def test_one_value_changed_beyond_tolerance_is_wrong(values: list[float],
                                                     data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(values) - 1))
    tol = Tolerance()
    bump = 0.01 + 2 * (tol.atol + tol.rtol * abs(values[i]))  # past tolerance and rounding
    changed = list(values)
    changed[i] = values[i] + data.draw(st.sampled_from([bump, -bump]))
    truth = t(values, (len(values),))
    typed = "tensor([" + ", ".join(repr(v) for v in changed) + "])"
    assert not compare(truth, read_value(typed), tol).correct

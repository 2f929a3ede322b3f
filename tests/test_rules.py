"""The judging rules and their diagnoses, on data (tensors as protocol records; real torch
is in test_checker.py)."""

from __future__ import annotations

import math

import pytest

from quizcards.checker.protocol import NamedValue, OpaqueValue, SizeValue, TensorValue
from quizcards.checker.rules import Tolerance, compare, diagnose_shape, show


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
    assert out.diagnosis.startswith("values differ at [1, 1]: expected 4, got 5")
    assert "1 of 4 values differ" in out.diagnosis


def test_shape_mismatch_and_broadcast() -> None:
    out = compare([[1, 2, 3], [4, 5, 6]], [1, 2, 3])
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

"""Comparison and diagnosis, on plain Python values (tensors are covered with real torch in
test_checker.py)."""

from __future__ import annotations

import math

import pytest

from quizcards.checker.compare import compare_values, diagnose_shape


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
    assert compare_values(0.268941, 0.2689, rtol=1e-3).correct
    out = compare_values(0.268941, 0.27, rtol=1e-3, atol=0)
    assert not out.correct and out.near_miss
    assert out.diagnosis.startswith("values differ: expected 0.268941, got 0.27 (off by 0.00106")


def test_nan_and_inf() -> None:
    assert compare_values(math.nan, math.nan).correct
    assert compare_values(math.inf, math.inf).correct
    assert not compare_values(math.inf, -math.inf).correct
    assert not compare_values(1.0, math.nan).correct


def test_bool_is_not_a_number() -> None:
    out = compare_values(True, 1)
    assert not out.correct and "expected a bool" in out.diagnosis


def test_nested_lists_report_the_index() -> None:
    out = compare_values([[1, 2], [3, 4]], [[1, 2], [3, 5]])
    assert not out.correct
    assert out.diagnosis.startswith("values differ at [1, 1]: expected 4, got 5")
    assert "1 of 4 values differ" in out.diagnosis


def test_shape_mismatch_and_broadcast() -> None:
    out = compare_values([[1, 2, 3], [4, 5, 6]], [1, 2, 3])
    assert "shape differs: expected (2, 3), got (3,)" in out.diagnosis
    assert "broadcast" in out.diagnosis


def test_strings_dicts_none() -> None:
    assert compare_values("abc", "abc").correct
    assert not compare_values("abc", "abd").correct
    assert compare_values({"a": 1}, {"a": 1.0}).correct
    assert "keys differ" in compare_values({"a": 1}, {"b": 1}).diagnosis
    assert compare_values(None, None).correct
    assert "expected None" in compare_values(None, 0).diagnosis


def test_length_of_tuples() -> None:
    out = compare_values((1, 2, "x"), (1, 2))
    assert out.diagnosis == "length differs: expected 3 items, got 2"


def test_container_against_a_plain_value() -> None:
    out = compare_values(((), {}), (1, 2))
    assert out.diagnosis == "expected a tuple at [0] (()), got a number (1)"

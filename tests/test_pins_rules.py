"""Pins for the judging rules (checker/rules.py): the near-miss rules and the exact
diagnoses, on data (tensors as protocol records). docs/grading.md is the prose version.

Each test here was seen to fail with a one-token change of the code it pins (issue 17)."""

from __future__ import annotations

import math
from typing import Any

import pytest

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
from quizcards.checker.reader import read_value
from quizcards.checker.rules import (
    Outcome,
    Tolerance,
    compare,
    compare_exception,
    compare_output,
    diagnose_shape,
    kind_of,
    render,
    show,
)


def T(values: list[Any], shape: tuple[int, ...] | None = None, dtype: str = "float32",
      kind: str = "tensor") -> TensorValue:
    return TensorValue(kind, dtype, (len(values),) if shape is None else shape, tuple(values))


DEFAULT = Tolerance()


def judged(expected: Any, typed: str, tol: Tolerance = DEFAULT) -> Outcome:
    return compare(expected, read_value(typed), tol)


# -- numbers: how far off is near ------------------------------------------------------------
def test_a_far_off_number_is_not_a_near_miss() -> None:
    assert compare(100.0, 105.0) == Outcome(
        False, "values differ: expected 100, got 105 (off by 5, 5.00%)", False)
    assert compare(100.0, 104.0) == Outcome(
        False, "values differ: expected 100, got 104 (off by 4, 4.00%)", True)
    assert compare(100.0, 95.5) == Outcome(
        False, "values differ: expected 100, got 95.5 (off by 4.5, 4.50%)", True)
    assert compare(0.0, 0.5) == Outcome(False, "values differ: expected 0, got 0.5 (off by 0.5)",
                                        False)  # off by everything of a truth of 0


def test_whole_numbers_are_exact_and_far_ones_are_not_near() -> None:
    assert compare(3, 3) == Outcome(True)
    assert compare(1000, 1001) == Outcome(
        False, "values differ: expected 1000, got 1001 (off by 1, 0.10%)", True)
    assert compare(3, 4) == Outcome(False, "values differ: expected 3, got 4 (off by 1, 33.33%)",
                                    False)
    assert compare(3, 3.0) == Outcome(True)  # a typed 3.0 is the number 3 (not code cards)


def test_tolerance_is_absolute_plus_relative() -> None:
    tol = Tolerance(rtol=0.1, atol=0.5, decimals=None)
    assert compare(10.0, 11.5, tol).correct  # 1.5 <= 0.5 + 0.1 x 10
    assert not compare(10.0, 11.6, tol).correct
    assert compare(10.0, 8.5, tol).correct
    assert compare(-10.0, -11.5, tol).correct  # relative to |truth|
    assert not compare(1.0, 1.002).correct and compare(1.0, 1.0009).correct  # the defaults
    assert compare(0.0, 0.00001).correct and not compare(0.0, 0.0000101, Tolerance(
        decimals=None)).correct


def test_nan_and_infinities() -> None:
    assert compare(math.nan, math.nan).correct
    assert not compare(math.nan, 1.0).correct and not compare(1.0, math.nan).correct
    assert compare(math.inf, math.inf).correct
    assert not compare(math.inf, -math.inf).correct
    assert not compare(math.inf, 1e308).correct and not compare(1e308, math.inf).correct
    assert compare(math.inf, 5.0) == Outcome(False, "values differ: expected inf, got 5", False)


def test_the_truth_rounded_to_the_decimals_typed() -> None:
    assert judged(0.2689, "0.27") == Outcome(True)
    assert judged(0.2689, "0.269") == Outcome(True)
    assert judged(0.2689, "0.3") == Outcome(False, "right to 1 decimal, the card wants 2", True)
    assert judged(0.2689, "0.2") == Outcome(
        False, "values differ: expected 0.2689, got 0.2 (off by 0.0689, 25.62%)", False)
    assert judged(0.2689, "0.28").diagnosis.startswith("values differ")  # not the rounding
    assert judged(2.6, "3") == Outcome(False, "right to 0 decimals, the card wants 2", True)
    assert judged(2.6, "3", Tolerance(decimals=0)) == Outcome(True)
    assert judged(0.2689, "0.3", Tolerance(decimals=1)) == Outcome(True)
    assert not judged(0.2689, "0.27", Tolerance(decimals=None)).correct  # exact only
    assert judged(-0.2689, "-0.27") == Outcome(True)


def test_rounding_precision_edges() -> None:
    # 0.25 typed as 0.3 is within half a unit of the first decimal (0.05): right to 1
    assert judged(0.25, "0.3").diagnosis == "right to 1 decimal, the card wants 2"
    assert not judged(0.2449, "0.3").near_miss
    assert judged(1.5, "2", Tolerance(decimals=0)) == Outcome(True)
    assert judged(1234.5678, "1234.57") == Outcome(True)
    assert judged(math.inf, "inf") == Outcome(True)
    assert compare(2.5, True) == Outcome(False, "expected a number (2.5), got a bool (True)")


# -- tensors: how many values differ ---------------------------------------------------------
def test_at_most_a_quarter_of_the_values_differ_is_a_near_miss() -> None:
    e4 = T([1.0, 2.0, 3.0, 4.0])
    assert compare(e4, [1.0, 2.0, 3.0, 40.0]) == Outcome(
        False, "values differ at [3]: expected 4, got 40 (off by 36, 900.00%); 1 of 4 values "
        "differ", True)
    assert compare(e4, [1.0, 2.0, 30.0, 40.0]) == Outcome(
        False, "values differ at [2]: expected 3, got 30 (off by 27, 900.00%); 2 of 4 values "
        "differ", False)
    e3 = T([1.0, 2.0, 3.0])
    assert not compare(e3, [1.0, 2.0, 30.0]).near_miss  # fewer than four values
    assert compare(e3, [1.0, 2.0, 3.1]).near_miss  # every value within 5%
    e8 = T([float(i) for i in range(1, 9)])
    assert compare(e8, [1.0, 20.0, 3.0, 4.0, 5.0, 6.0, 7.0, 80.0]).near_miss
    assert not compare(e8, [1.0, 20.0, 3.0, 40.0, 5.0, 6.0, 7.0, 80.0]).near_miss


def test_values_in_a_matrix_are_placed_by_index() -> None:
    e = T([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], (2, 3))
    out = compare(e, [[1.0, 2.0, 3.0], [4.0, 9.0, 6.0]])
    assert out.diagnosis.startswith("values differ at [1, 1]: expected 5, got 9")
    assert out.diagnosis.endswith("; 1 of 6 values differ") and out.near_miss
    out = compare(T([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], (3, 2)), [[1.0, 2.0], [3.0, 4.0], [7.0, 6.0]])
    assert out.diagnosis.startswith("values differ at [2, 0]: expected 5, got 7")


def test_a_scalar_tensor_typed_as_a_number() -> None:
    s = T([2.5], ())
    assert compare(s, 2.5) == Outcome(True)
    assert compare(s, 3.0) == Outcome(False, "values differ: expected 2.5, got 3 (off by 0.5, "
                                      "20.00%)", False)
    assert compare(s, [2.5]) == Outcome(
        False, "shape differs: expected (), got (1,) (the right number, but brackets differ)",
        True)
    assert compare(T([2.5]), 2.5) == Outcome(
        False, "shape differs: expected (1,), got () (the right number, but brackets differ)",
        True)
    assert compare(T([2.5]), 3.5) == Outcome(False, "shape differs: expected (1,), got ()",
                                             False)
    assert compare(T([1.0, 2.0]), 1.0) == Outcome(False, "shape differs: expected (2,), got ()",
                                                  False)


def test_broadcasting_with_size_1_dims() -> None:
    e = T([1.0] * 6, (2, 3))
    assert compare(e, [[1.0, 1.0, 1.0]]) == Outcome(
        False, "shape differs: expected (2, 3), got (1, 3) (the shapes broadcast together, but "
        "the result keeps its own shape)", True)
    assert compare(T([1.0] * 3, (1, 3)), [[1.0] * 3, [1.0] * 3]) == Outcome(
        False, "shape differs: expected (1, 3), got (2, 3) (the shapes broadcast together, but "
        "the result keeps its own shape)", True)
    assert compare(e, [1.0, 1.0, 1.0]) == Outcome(
        False, "shape differs: expected (2, 3), got (3,) (the shapes broadcast together, but "
        "the result keeps its own shape)", False)
    assert compare(e, [[1.0, 1.0], [1.0, 1.0]]) == Outcome(
        False, "shape differs: expected (2, 3), got (2, 2) (dim 1 is 3, not 2)", True)
    assert compare(e, [[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]]) == Outcome(
        False, "shape differs: expected (2, 3), got (3, 2) (right number of values, wrong "
        "shape)", True)
    assert compare(e, [1.0] * 6) == Outcome(
        False, "shape differs: expected (2, 3), got (6,) (right number of values, wrong shape)",
        False)


def test_dtype_and_bool_tensors() -> None:
    e = T([1.0, 2.0], dtype="float64")
    typed = T([1.0, 2.0], dtype="float32")
    assert compare(e, typed) == Outcome(True)  # dtype ignored by default
    assert compare(e, typed, Tolerance(check_dtype=True)) == Outcome(
        False, "dtype differs: expected float64, got float32", True)
    assert compare(e, [1.0, 2.0], Tolerance(check_dtype=True)) == Outcome(True)
    b = T([True, False], dtype="bool")
    assert compare(b, [True, False]) == Outcome(True)
    assert compare(b, [1, 0]) == Outcome(False, "the values are bools (True/False)", True)
    assert compare(b, [True, True]) == Outcome(
        False, "values differ at [1]: expected False, got True; 1 of 2 values differ", False)
    assert compare(T([], (0,), dtype="bool"), []) == Outcome(True)


def test_a_tensor_too_large_to_send_compares_by_digest() -> None:
    big = TensorValue("tensor", "float32", (300, 300), None, "abc")
    same = TensorValue("tensor", "float32", (300, 300), None, "abc")
    assert compare(big, same) == Outcome(True)
    other = TensorValue("tensor", "float32", (300, 300), None, "abd")
    msg = "the tensors differ (too large to compare value by value; an exact match is needed)"
    assert compare(big, other) == Outcome(False, msg)
    assert compare(big, [1.0]) == Outcome(False, msg)
    nodigest = TensorValue("tensor", "float32", (300, 300), None, None)
    assert not compare(nodigest, nodigest).correct
    small = T([1.0])
    assert not compare(small, TensorValue("tensor", "float32", (1,), None, "x")).correct


def test_a_tensor_inside_a_list_is_a_near_miss_only_alone() -> None:
    e = T([1.0, 2.0])
    assert compare(e, [T([1.0, 2.0])]) == Outcome(
        False, "right tensor, but inside a list ([tensor([1., 2.])])", True)
    assert not compare(e, [T([1.0, 3.0])]).near_miss
    assert not compare(e, [T([1.0, 2.0]), T([1.0, 2.0])]).near_miss
    assert compare(e, [[T([1.0])]]).diagnosis.startswith("expected a tensor")
    assert compare(e, "x") == Outcome(
        False, "expected a tensor (tensor([1., 2.])), got a string ('x')")
    assert compare(e, [1.0, "x"]) == Outcome(
        False, "expected a tensor (tensor([1., 2.])), got [1.0, 'x'], which is not a rectangle "
        "of numbers")
    assert compare(e, [[1.0], [2.0, 3.0]]).diagnosis.endswith("which is not a rectangle of "
                                                              "numbers")


# -- sets, strings, containers ---------------------------------------------------------------
def test_two_different_sets() -> None:
    assert compare({1, 2, 3}, {1, 2, 3}) == Outcome(True)
    assert compare({1, 2, 3}, {1, 2, 4}) == Outcome(False, "sets differ: missing 3; unexpected 4",
                                                    False)
    assert compare({1, 2, 3}, {1, 2}) == Outcome(False, "sets differ: missing 3", True)
    assert compare({1, 2}, {1, 2, 3}) == Outcome(False, "sets differ: unexpected 3", True)
    assert compare({1, 2}, {3, 4}) == Outcome(
        False, "sets differ: missing 1, 2; unexpected 3, 4", False)
    assert compare({1}, {True}) == Outcome(False, "sets differ: missing 1; unexpected True",
                                           False)  # True is not 1
    assert compare(frozenset({1}), {1}) == Outcome(
        False, "right items, but a set, not a frozenset", True)
    assert compare({1, 2}, [2, 1]) == Outcome(False, "right items, but a list, not a set", True)
    assert compare({1, 2}, [2, 3]) == Outcome(
        False, "expected a set ({1, 2}), got a list ([2, 3])")
    assert compare({1}, [[1]]) == Outcome(False, "expected a set ({1}), got a list ([[1]])")


def test_strings_that_differ_only_in_surrounding_whitespace_or_case() -> None:
    assert compare("abc", "abc") == Outcome(True)
    assert compare("abc", " abc ") == Outcome(False, "differs only in surrounding whitespace",
                                              True)
    assert compare(" abc", "abc") == Outcome(False, "differs only in surrounding whitespace",
                                             True)
    assert compare("abc", "ABC") == Outcome(
        False, "differs only in upper and lower case: expected 'abc'", True)
    assert compare("abc", "abd") == Outcome(False, "values differ: expected 'abc', got 'abd'",
                                            False)
    assert compare("a b", "ab") == Outcome(False, "values differ: expected 'a b', got 'ab'",
                                           False)  # inside spacing is not surrounding
    assert compare(["abc"], [" abc"]) == Outcome(
        False, "differs only in surrounding whitespace at [0]", True)
    assert compare("3", 3) == Outcome(False, "expected a string ('3'), got a number (3)")


def test_long_strings_compare_by_digest() -> None:
    a, b = LongStr(30_000, "d1", "aaa"), LongStr(30_000, "d1", "zzz")
    assert compare(a, b) == Outcome(True)
    assert compare(a, LongStr(30_000, "d2", "aaa")) == Outcome(False, "the strings differ")
    assert compare(a, "aaa") == Outcome(False, "the strings differ")
    assert compare("aaa", a) == Outcome(False, "the strings differ")
    assert show(a) == "'aaa...' (30000 characters)" and kind_of(a) == "a string"


def test_empty_containers() -> None:
    empties: list[Any] = [[], (), {}, set(), frozenset()]
    for empty in empties:
        assert compare(empty, type(empty)()) == Outcome(True)
    assert compare([], [1]) == Outcome(False, "length differs: expected 0 items, got 1", True)
    assert compare([1, 2], []) == Outcome(False, "length differs: expected 2 items, got 0", False)
    assert compare([1], []) == Outcome(False, "length differs: expected 1 item, got 0", True)
    assert compare((), []) == Outcome(False, "right items, but a list, not a tuple", True)
    assert compare({}, set()) == Outcome(False, "expected a dict ({}), got a set (set())")
    assert compare(set(), {}) == Outcome(False, "expected a set (set()), got a dict ({})")
    assert compare(T([], (0,)), []) == Outcome(True)
    assert compare(T([], (0,)), [1.0]) == Outcome(
        False, "shape differs: expected (0,), got (1,) (the shapes broadcast together, but the "
        "result keeps its own shape)", True)
    assert [show(e) for e in [*empties, T([], (0,))]] == [
        "[]", "()", "{}", "set()", "frozenset()", "tensor([])"]


def test_dicts() -> None:
    assert compare({"a": 1, "b": 2}, {"b": 2, "a": 1}) == Outcome(True)
    assert compare({"a": 1}, {"a": 2}) == Outcome(
        False, "values differ at ['a']: expected 1, got 2 (off by 1, 100.00%)", False)
    assert compare({"a": 1, "b": 2}, {"a": 1}) == Outcome(False, "keys differ: missing keys 'b'",
                                                          True)
    assert compare({"a": 1}, {"a": 1, "c": 3}) == Outcome(
        False, "keys differ: unexpected keys 'c'", True)
    assert compare({"a": 1, "b": 2}, {"a": 1, "c": 3}) == Outcome(
        False, "keys differ: missing keys 'b'; unexpected keys 'c'", False)
    assert compare({1: "x"}, {True: "x"}) == Outcome(
        False, "keys differ: missing keys 1; unexpected keys True", False)
    assert compare({"a": [1, 2]}, {"a": [1, 2]}) == Outcome(True)
    assert compare({"a": 1}, [("a", 1)]) == Outcome(
        False, "expected a dict ({'a': 1}), got a list ([('a', 1)])")


def test_the_worst_item_decides() -> None:
    # a plain miss anywhere beats an earlier near miss
    out = compare([1.0, 100.0, 7.0], [1.04, 100.0, 70.0])
    assert out == Outcome(False, "values differ at [2]: expected 7, got 70 (off by 63, 900.00%)",
                          False)
    out = compare([1.0, 2.0], [1.04, 2.0])
    assert out == Outcome(False, "values differ at [0]: expected 1, got 1.04 (off by 0.04, "
                          "4.00%)", True)
    assert compare([1.0, 2.0], [1.04, 2.06]).diagnosis.startswith("values differ at [0]")


def test_lengths_and_nesting() -> None:
    assert compare((1, 2), (1, 2, 3)) == Outcome(False, "length differs: expected 2 items, got 3",
                                                 True)
    assert compare((1, 2), (1, 2, 3, 4)) == Outcome(
        False, "length differs: expected 2 items, got 4", False)
    assert compare([[1, 2], [3]], [[1, 2], [4]]) == Outcome(
        False, "values differ at [1][0]: expected 3, got 4 (off by 1, 33.33%)", False)
    assert compare((1, [2]), [1, (2,)]) == Outcome(False, "right items, but a list, not a tuple",
                                                   True)
    assert compare((1, 2), [1, 3]) == Outcome(False, "expected a tuple ((1, 2)), got a list "
                                              "([1, 3])")


# -- torch.Size, named tuples, classes, dtypes, objects ---------------------------------------
def test_torch_size() -> None:
    size = SizeValue((3, 4))
    for right in ((3, 4), [3, 4], SizeValue((3, 4))):
        assert compare(size, right) == Outcome(True)
    assert compare(size, (4, 3)) == Outcome(
        False, "sizes differ: expected (3, 4), got (4, 3) (right dims, wrong order)", True)
    assert compare(size, [3, 5]) == Outcome(
        False, "sizes differ: expected (3, 4), got (3, 5) (dim 1 is 4, not 5)", True)
    assert compare(size, SizeValue((1, 2, 3))) == Outcome(
        False, "sizes differ: expected (3, 4), got (1, 2, 3) (rank differs: expected 2 dims, got "
        "3)", False)
    assert compare(size, "3, 4") == Outcome(
        False, "expected a torch.Size (torch.Size([3, 4])), got a string ('3, 4')")
    assert compare(size, (3.0, 4)) == Outcome(
        False, "expected a torch.Size (torch.Size([3, 4])), got a tuple ((3.0, 4))")
    assert not compare(size, (True, 4)).correct
    assert show(size) == "torch.Size([3, 4])" and kind_of(size) == "a torch.Size"
    assert show(SizeValue(())) == "torch.Size([])"


def test_named_tuples() -> None:
    nt = NamedValue("torch.return_types.max", ("values", "indices"), (5.0, 1))
    assert compare(nt, (5.0, 1)) == Outcome(True)
    assert compare(nt, NamedValue("torch.return_types.max", ("values", "indices"), (5.0, 1))
                   ) == Outcome(True)
    assert compare(nt, (5.0, 2)) == Outcome(
        False, "values differ at [1]: expected 1, got 2 (off by 1, 100.00%)", False)
    assert compare(nt, [5.0, 1]) == Outcome(False, "right items, but a list, not a tuple", True)
    assert compare(nt, 5.0) == Outcome(
        False, "expected a max tuple (max(values=5.0, indices=1)), got a number (5.0)")
    assert show(nt) == "max(values=5.0, indices=1)" and kind_of(nt) == "a max tuple"


def test_a_class_or_dtype_typed_in_quotes_is_a_near_miss() -> None:
    assert compare(TypeValue("map"), TypeValue("map")) == Outcome(True)
    assert compare(TypeValue("map"), "map") == Outcome(
        False, "the class <class 'map'>, not the string 'map'", True)
    assert compare(TypeValue("torch.Tensor"), " Tensor ") == Outcome(
        False, "the class <class 'torch.Tensor'>, not the string ' Tensor '", True)
    assert compare(TypeValue("map"), "filter") == Outcome(
        False, "expected the class <class 'map'>, got the string 'filter'")
    assert compare(DtypeValue("float32"), "torch.float32") == Outcome(
        False, "the dtype torch.float32, not the string 'torch.float32'", True)
    assert compare(DtypeValue("float32"), "float32").near_miss
    assert not compare(DtypeValue("float32"), "float64").near_miss
    assert compare("map", TypeValue("map")) == Outcome(
        False, "the string 'map', not the class <class 'map'>", True)
    assert compare("float32", DtypeValue("float32")) == Outcome(
        False, "the string 'float32', not the dtype torch.float32", True)
    assert compare("x", TypeValue("map")) == Outcome(
        False, "expected a string ('x'), got a class (<class 'map'>)")
    assert compare(DtypeValue("float32"), DtypeValue("float64")) == Outcome(
        False, "expected torch.float32, got torch.float64")
    assert compare(DtypeValue("int64", "numpy"), DtypeValue("int64", "numpy")) == Outcome(True)
    assert show(DtypeValue("int64", "numpy")) == "dtype('int64')"


def test_objects_compare_by_type_and_attributes() -> None:
    a = OpaqueValue("mod.Point", "<Point>", {"x": 1})
    assert compare(a, OpaqueValue("mod.Point", "<other text>", {"x": 1})) == Outcome(True)
    assert compare(a, OpaqueValue("mod.Point", "", {"x": 2})) == Outcome(
        False, "the an object of type Point's attributes differ: values differ at .__dict__['x']: "
        "expected 1, got 2 (off by 1, 100.00%)")
    assert compare(a, OpaqueValue("mod.Other", "", {"x": 1})) == Outcome(
        False, "expected an object of type Point, got an object of type Other")
    assert compare(a, OpaqueValue("mod.Point", "", None)) == Outcome(
        False, "expected an object of type Point, got one without its attributes")
    bare = OpaqueValue("builtins.function", "<function f>")
    assert compare(bare, OpaqueValue("builtins.function", "<function g>")) == Outcome(True)
    assert compare(bare, 3) == Outcome(
        False, "expected an object of type function (<function f>), got a number (3)")


def test_none_ellipsis_and_bools() -> None:
    assert compare(None, None) == Outcome(True)
    assert compare(None, 0) == Outcome(False, "expected None (None), got a number (0)")
    assert compare(True, True) == Outcome(True)
    assert compare(True, False) == Outcome(False, "expected True, got False")
    assert compare(True, 1) == Outcome(False, "expected a bool (True), got a number (1)")
    assert compare(1, True) == Outcome(False, "expected a number (1), got a bool (True)")
    assert compare(Ellipsis, Ellipsis) == Outcome(True)
    assert kind_of(Ellipsis) == "Ellipsis" and kind_of(None) == "None"
    assert compare(b"a", b"b") == Outcome(False, "expected b'a', got b'b'")


def test_strict_types_for_code_cards() -> None:
    strict = Tolerance(strict=True, decimals=None)
    assert compare(1, 1.0, strict) == Outcome(
        False, "expected a number (1), got a number (1.0)")
    assert compare([1], (1,), strict) == Outcome(False, "expected a list ([1]), got a tuple ((1,))")
    assert compare(T([1.0]), T([1.0], dtype="float64"), strict).diagnosis.startswith(
        "expected a tensor")
    assert compare(T([1.0]), T([1.0]), strict) == Outcome(True)
    assert compare(1.0, 1.0, strict) == Outcome(True)
    assert compare({1, 1.5}, {1.0, 1.5}, strict) == Outcome(
        False, "sets differ: missing 1; unexpected 1.0", False)
    assert compare({1, 1.5}, {1.0, 1.5}) == Outcome(True)


# -- complex numbers -------------------------------------------------------------------------
def test_complex_numbers() -> None:
    assert compare(1 + 2j, 1 + 2j) == Outcome(True)
    assert compare(1 + 2j, 1.000001 + 2j) == Outcome(True)  # within tolerance
    assert compare(1 + 2j, 1 + 3j) == Outcome(False, "values differ: expected (1+2j), got (1+3j)",
                                              False)  # no relative distance: never near
    assert compare(2.0, 2 + 0j) == Outcome(True)
    assert compare(2 + 0j, 2) == Outcome(True)
    assert compare(1 + 2j, "1+2j") == Outcome(
        False, "expected a complex number ((1+2j)), got a string ('1+2j')")
    assert kind_of(1j) == "a complex number"
    z = T([1 + 2j, 3 - 1j], dtype="complex64")
    assert show(z) == "tensor([1.+2.j, 3.-1.j], dtype=torch.complex64)"
    assert compare(z, [1 + 2j, 3 - 1j]) == Outcome(True)
    assert not compare(z, [1 + 2j, 3 + 1j]).near_miss


# -- shapes ----------------------------------------------------------------------------------
@pytest.mark.parametrize("expected,got,out", [
    ((3, 4), (3, 4), Outcome(True)),
    ((3, 4), (4, 3), Outcome(False, "right dims, wrong order", True)),
    ((4,), (4, 1), Outcome(False, "an extra size-1 dim at 1: that is what keepdim=True gives; "
                                  "here the dim is reduced away", True)),
    ((4,), (1, 4), Outcome(False, "an extra size-1 dim at 0: that is what keepdim=True gives; "
                                  "here the dim is reduced away", True)),
    ((4,), (5, 4), Outcome(False, "rank differs: expected 1 dims; dim 0 (size 5) is reduced "
                                  "away")),
    ((1, 4), (4,), Outcome(False, "the result keeps a size-1 dim at 0 (keepdim=True or "
                                  "unsqueeze)", True)),
    ((4, 1), (4,), Outcome(False, "the result keeps a size-1 dim at 1 (keepdim=True or "
                                  "unsqueeze)", True)),
    ((5, 4), (4,), Outcome(False, "rank differs: expected 2 dims; you dropped dim 0 (size 5)")),
    ((3, 4), (3, 4, 5, 6), Outcome(False, "rank differs: expected 2 dims, got 4")),
    ((), (1,), Outcome(False, "an extra size-1 dim at 0: that is what keepdim=True gives; here "
                              "the dim is reduced away", True)),
    ((2, 3, 4), (2, 5, 4), Outcome(False, "dim 1 is 3, not 5", True)),
    ((2, 3, 4), (9, 3, 5), Outcome(False, "sizes differ at dims 0, 2")),
])
def test_shape_diagnoses(expected: tuple[int, ...], got: tuple[int, ...], out: Outcome) -> None:
    assert diagnose_shape(expected, got) == out


# -- how values are shown ------------------------------------------------------------------------
def test_show_spells_values_as_typed() -> None:
    assert show(T([0.26894, 0.73106])) == "tensor([0.2689, 0.7311])"
    assert show(T([1.0, 2.0])) == "tensor([1., 2.])"
    assert show(T([1, 2], dtype="int64")) == "tensor([1, 2])"
    assert show(T([1, 2], dtype="int32")) == "tensor([1, 2], dtype=torch.int32)"
    assert show(T([1.0, 2.0], kind="ndarray", dtype="float64")) == "array([1., 2.])"
    assert show(T([1.0, 2.0], kind="ndarray", dtype="float32")) == (
        "array([1., 2.], dtype=float32)")
    assert show(T([1.0, 2.0, 3.0, 4.0], (2, 2))) == "tensor([[1., 2.], [3., 4.]])"
    assert show(T([1e9, 2.5])) == "tensor([1.0000e+09, 2.5000e+00])"
    assert show(T([1e-5, 2.5])) == "tensor([1.0000e-05, 2.5000e+00])"
    assert show(T([1e9, 2.0])) == "tensor([1000000000., 2.])"  # integral: never sci
    assert show(T([0.0, 0.5])) == "tensor([0.0000, 0.5000])"
    assert show(T([math.nan, math.inf, -math.inf, 1.5])) == (
        "tensor([nan, inf, -inf, 1.5000])")
    assert show(T([True, False], dtype="bool")) == "tensor([True, False])"
    assert show(TensorValue("tensor", "float32", (300, 300), None, "d")) == (
        "tensor(<90000 values>, shape=(300, 300), dtype=float32)")
    assert show(T([2.0], ())) == "tensor(2.)"


def test_show_python_values() -> None:
    assert show((1,)) == "(1,)" and show((1, 2)) == "(1, 2)"
    assert show([1, "a"]) == "[1, 'a']"
    assert show({"b", "a"}) == "{'a', 'b'}"
    assert show(frozenset({2, 1})) == "frozenset({1, 2})"
    assert show({"k": [1]}) == "{'k': [1]}"
    assert show(TypeValue("int")) == "<class 'int'>" and show(DtypeValue("int8")) == "torch.int8"
    assert show(OpaqueValue("m.C", "<C object>")) == "<C object>"
    assert show(10**100) == "<an int of about 101 digits>"
    assert show(10**99) == "1" + "0" * 99
    assert show(-(10**100)) == "<an int of about 101 digits>"
    assert show(True) == "True" and show(1.5) == "1.5" and show(None) == "None"
    assert render("x" * 100, 10) == "'xxxxxx..."
    assert render("abc", 5) == "'abc'"
    assert render("abcd", 6) == "'abcd'" and render("abcde", 6) == "'ab..."


def test_kind_of() -> None:
    assert [kind_of(v) for v in (True, 1, 1.5, "s", T([1.0]), T([1.0], kind="ndarray"),
                                 DtypeValue("int8"), TypeValue("int"), [1], (1,), {1: 2},
                                 OpaqueValue("a.b.C", "c"))] == [
        "a bool", "a number", "a number", "a string", "a tensor", "an array", "a dtype",
        "a class", "a list", "a tuple", "a dict", "an object of type C"]


def test_numbers_in_diagnoses_have_six_significant_digits() -> None:
    out = compare(1.23456789, 2.0)
    assert out.diagnosis.startswith("values differ: expected 1.23457, got 2 (off by 0.765, ")
    out = compare(10**400, 10**400 + 1)  # too large for a float: no distance
    assert out == Outcome(False, "values differ: expected <an int of about 401 digits>, got <an "
                          "int of about 401 digits>", False)
    assert compare(10**400, 10**400) == Outcome(True)
    assert not compare(10**400, 1.0).correct


# -- printed output and exceptions -------------------------------------------------------------
def test_printed_output() -> None:
    assert compare_output("a\nb", "a\nb") == Outcome(True)
    assert compare_output("a b\nc", "a  b c") == Outcome(
        False, "same words, different spacing or line breaks", True)
    assert compare_output("Loss 1", "loss 1") == Outcome(
        False, "same words, different upper and lower case", True)
    assert compare_output("a b", "ab") == Outcome(False, "same characters, different spacing",
                                                  True)
    assert compare_output("a\nb\nc", "a\nx\nc") == Outcome(
        False, "line 2 differs: expected 'b', got 'x'")
    assert compare_output("a\nb", "a\nb\nc") == Outcome(False, "expected 2 lines, got 3")
    assert compare_output("x" * 200, "y" * 200).diagnosis == (
        f"line 1 differs: expected {'x' * 120!r}, got {'y' * 120!r}")


def _exc(type_: str, *bases: str, message: str = "boom") -> ExcInfo:
    return ExcInfo(type_, "builtins", (type_, *bases), message)


def test_exception_names() -> None:
    err = _exc("IndexError", "LookupError", "Exception", "BaseException", message="out of range")
    assert compare_exception(err, "IndexError", []) == (
        "IndexError", Outcome(True, "IndexError: out of range"))
    assert compare_exception(err, "indexerror", []) == (
        "IndexError", Outcome(True, "IndexError: out of range"))
    assert compare_exception(err, "LookupError", []) == (
        "LookupError", Outcome(False, "it raises IndexError: out of range (LookupError is a base "
                               "class of it)", True))
    assert compare_exception(err, "lookuperror", [])[0] == "LookupError"
    assert compare_exception(err, "KeyError", []) == (
        "KeyError", Outcome(False, "it raises IndexError: out of range", False))
    assert compare_exception(err, "KeyError", ["KeyError"]) == (
        "KeyError", Outcome(True, "IndexError: out of range"))
    assert compare_exception(err, None, []) == (
        "none", Outcome(False, "it raises IndexError: out of range"))
    assert compare_exception(None, None, []) == (
        "none", Outcome(True, "it runs without raising"))
    assert compare_exception(None, "ValueError", []) == (
        "ValueError", Outcome(False, "the code does not raise; you said ValueError"))


# -- more exact rules: paths in messages, tolerances, display edges ------------------------------
def test_a_tensor_where_a_plain_value_was_expected() -> None:
    assert compare([1.0], [T([1.0])]) == Outcome(
        False, "expected a number at [0] (1.0), got a tensor (tensor([1.]))")
    assert compare([T([1.0, 2.0])], [[[T([1.0])]]]) == Outcome(
        False, "expected a tensor at [0] (tensor([1., 2.])), got a list ([[tensor([1.])]])")


def test_a_tensor_alone_in_a_list_is_judged_with_the_cards_tolerance() -> None:
    loose = Tolerance(rtol=0.1)
    assert compare(T([1.0]), [T([1.05])], loose) == Outcome(
        False, "right tensor, but inside a list ([tensor([1.0500])])", True)
    assert not compare(T([1.0]), [T([1.05])]).near_miss


def test_a_named_tuple_of_another_length_says_where() -> None:
    nt = NamedValue("torch.return_types.max", ("values", "indices"), (5.0, 1))
    assert compare([nt], [(5.0,)]) == Outcome(
        False, "length differs at [0]: expected 2 items, got 1", True)


def test_tuple_and_frozenset_keys_keep_true_apart_from_1() -> None:
    assert compare({(1, True)}, {(1, 1)}) == Outcome(
        False, "sets differ: missing (1, True); unexpected (1, 1)", False)
    assert not compare({frozenset({True})}, {frozenset({1})}).correct
    assert compare({(1, 2)}, {(1.0, 2)}) == Outcome(True)
    assert not compare({(1, 2)}, {(1.0, 2)}, Tolerance(strict=True)).correct
    assert compare({frozenset({1})}, {frozenset({1.0})}) == Outcome(True)


def test_container_kinds_with_different_items_inside() -> None:
    assert compare([{"a": 1}], ({"a": 2},)) == Outcome(
        False, "expected a list ([{'a': 1}]), got a tuple (({'a': 2},))")
    assert compare([{"a": 1}], ({"a": 1},)) == Outcome(
        False, "right items, but a tuple, not a list", True)


def test_more_than_one_key_missing_or_unexpected() -> None:
    assert compare({"a": 1, "b": 2, "c": 3}, {"a": 1}) == Outcome(
        False, "keys differ: missing keys 'b', 'c'", False)
    assert compare({"a": 1}, {"a": 1, "d": 4, "e": 5}) == Outcome(
        False, "keys differ: unexpected keys 'd', 'e'", False)


def test_class_names_typed_in_quotes() -> None:
    assert compare(TypeValue("torch.nn.Module"), "Module").near_miss
    assert compare(TypeValue("torch.nn.Module"), "torch.nn.Module").near_miss
    assert not compare(TypeValue("int"), "torch.int").near_miss  # only dtypes take torch.
    assert compare(DtypeValue("int8"), "torch.int8").near_miss


def test_a_boolean_typed_for_an_integer_tensor_is_wrong() -> None:
    assert compare(T([1, 0], dtype="int64"), [True, False]) == Outcome(
        False, "values differ at [0]: expected 1, got True; 2 of 2 values differ", False)


def test_complex_edges() -> None:
    at_the_edge = Tolerance(rtol=0.0, atol=0.5)
    assert compare(0j, 0.5 + 0j, at_the_edge) == Outcome(True)
    assert not compare(0j, 0.51 + 0j, at_the_edge).correct
    assert compare(2 + 0j, 2.15 + 0j, Tolerance(rtol=0.1, atol=0.0)) == Outcome(True)
    assert compare(1.0, 2j) == Outcome(False, "values differ: expected 1, got 2j", False)
    assert compare(complex(1e101, 0), 1j) == Outcome(
        False, "values differ: expected (1e+101+0j), got 1j", False)
    assert show(T([1 + 0j, 2 - 1j], dtype="complex64")) == (
        "tensor([1.+0.j, 2.-1.j], dtype=torch.complex64)")


def test_the_rounding_edge_is_half_a_unit_of_the_last_decimal_typed() -> None:
    edge = 0.5 * (1 + 1e-9)
    assert compare(edge, 0) == Outcome(False, "right to 0 decimals, the card wants 2", True)
    assert not compare(edge * 1.001, 0).near_miss


def test_display_edges() -> None:
    assert render("a" * 58) == "'" + "a" * 58 + "'"  # 60 characters: whole
    assert render("a" * 59) == "'" + "a" * 56 + "..."
    assert show(T([1e8, 0.5])) == "tensor([1.0000e+08, 5.0000e-01])"
    assert show(T([1e-4, 0.5])) == "tensor([0.0001, 0.5000])"
    assert show(T([], (2, 0))) == "tensor([])"
    assert show(T([1, 2], kind="ndarray", dtype="int64")) == "array([1, 2])"
    assert show(T([True], kind="ndarray", dtype="bool")) == "array([True])"
    assert show(NamedValue("t", ("a",), (1, 2))) == "t(a=1)"  # fewer names than items
    assert show(NamedValue("Point", ("x",), (1,))) == "Point(x=1)"
    assert kind_of(NamedValue("Point", ("x",), (1,))) == "a Point tuple"
    assert kind_of(OpaqueValue("Thing", "t")) == "an object of type Thing"
    assert show({"a": 1, "b": [2]}) == "{'a': 1, 'b': [2]}"


def test_printed_lines_keep_their_spaces() -> None:
    assert compare_output("a b\nc", "a b\nd") == Outcome(
        False, "line 2 differs: expected 'c', got 'd'")
    assert compare_output("a b\nc d", "a b\nc e") == Outcome(
        False, "line 2 differs: expected 'c d', got 'c e'")
    assert compare_output("ab c", "a bc") == Outcome(
        False, "same characters, different spacing", True)

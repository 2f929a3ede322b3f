"""Reading answers (pure, no torch): every spelling the SPEC lists, and the malformed ones."""

from __future__ import annotations

import pytest

from quizcards.checker.answers import (
    MalformedAnswer,
    normalize_output,
    parse_exception_name,
    parse_letters,
    parse_shape,
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


@pytest.mark.parametrize("text", ["(3, four)", "3.5x2", "(-1, 2)", "shape"])
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

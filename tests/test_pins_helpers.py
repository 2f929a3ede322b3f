"""Pins for core's small helpers: params (placeholders, draws), version gates, wording, the
verdict's JSON.

Each test here was seen to fail with a one-token change of the code it pins (issue 17)."""

from __future__ import annotations

import random
from types import SimpleNamespace
from typing import Any

import pytest

from quizcards.core.params import combinations, draw, fill, outside_code, placeholders, sample
from quizcards.core.verdict import Verdict
from quizcards.core.versions import gate_reason, parse_version, satisfies, spec_error, unmet
from quizcards.core.words import plural


# -- params ------------------------------------------------------------------------------------
def test_placeholders_with_their_offsets() -> None:
    assert placeholders("a {x} b {{y}} {z}") == [("x", 2), ("z", 14)]
    assert placeholders("{_a1}{1a}{ b}") == [("_a1", 0)]
    assert placeholders("no braces") == []


def test_fill() -> None:
    assert fill("a {x} {{lit}} {y}", {"x": 1}) == "a 1 {lit} {y}"
    assert fill("{x}{x}", {"x": [1, 2]}) == "[1, 2][1, 2]"
    assert fill("f'{x}' {{", {}) == "f'{x}' {{"  # no params: literal text
    assert fill("}}{{", {"x": 1}) == "}{"


def test_outside_code_blanks_code_keeping_offsets() -> None:
    text = "a `b{x}` c ```\n{y}\n``` d {z}"
    out = outside_code(text)
    assert len(out) == len(text)
    assert out == "a        c " + " " * 11 + " d {z}"
    assert placeholders(outside_code("`{a}` {b}")) == [("b", 6)]


def test_combinations_draw_and_sample() -> None:
    params: dict[str, list[Any]] = {"a": [1, 2, 3], "b": ["x", "y"]}
    combos = combinations(params)
    assert combos[:3] == [{"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 2, "b": "x"}]
    assert len(combos) == 6 and combinations({}) == [{}]
    for seed in (0, 1, 7):
        assert draw(params, seed) == random.Random(seed).choice(combos)
    assert draw(params, 3) == draw(params, 3)
    assert list(sample(params, 6)) == combos and list(sample(params, 10)) == combos
    assert list(sample(params, 4)) == [combos[0], combos[1], combos[3], combos[4]]  # step 1.5
    assert list(sample(params, 1)) == [combos[0]]
    ten = {"n": list(range(10))}
    assert [c["n"] for c in sample(ten, 3)] == [0, 3, 6]


# -- version gates -----------------------------------------------------------------------------
def test_parse_version() -> None:
    assert parse_version("2.13.0+cpu") == (2, 13, 0)
    assert parse_version("  3.11.7 ") == (3, 11, 7)
    assert parse_version("2") == (2,)
    with pytest.raises(ValueError, match="not a version: 'abc'"):
        parse_version("abc")


def test_spec_error() -> None:
    assert spec_error(">=1.6,<3") is None and spec_error(" == 2.1 ") is None
    assert spec_error(">=1.6,~3") == "bad version clause '~3' (use e.g. '>=1.6' or '>=1.6,<3')"
    assert spec_error("1.6") == "bad version clause '1.6' (use e.g. '>=1.6' or '>=1.6,<3')"


@pytest.mark.parametrize("version,spec,ok", [
    ("2.13.0", ">=1.6", True), ("1.6", ">=1.6", True), ("1.5.9", ">=1.6", False),
    ("1.6", "<=1.6.0", True), ("1.6.1", "<=1.6", False),
    ("2.0", "==2", True), ("2.0.1", "==2", False),
    ("2.1", "!=2.1.0", False), ("2.2", "!=2.1", True),
    ("2.0.1", ">2", True), ("2.0.0", ">2", False),
    ("1.9", "<2", True), ("2.0", "<2", False),
    ("2.5", ">=2,<3", True), ("3.0", ">=2,<3", False), ("1.0", ">=2,<3", False),
])
def test_satisfies(version: str, spec: str, ok: bool) -> None:
    assert satisfies(version, spec) is ok


def test_satisfies_refuses_a_bad_spec() -> None:
    with pytest.raises(ValueError, match="bad version clause 'x'"):
        satisfies("1.0", ">=1,x")


def test_unmet() -> None:
    installed = {"torch": "1.4.0", "numpy": None, "python": "3.11.7"}
    assert unmet(None, installed) is None and unmet({}, installed) is None
    assert unmet({"python": ">=3.10"}, installed) is None
    assert unmet({"torch": ">=1.6"}, installed) == "needs torch >=1.6, have 1.4.0"
    assert unmet({"numpy": ">=1"}, installed) == "needs numpy >=1, which is not installed"
    assert unmet({"jax": ">=1"}, installed) == "needs jax >=1, which is not installed"
    assert unmet({"python": ">=3", "torch": ">=2", "numpy": ">=1"}, installed) == (
        "needs torch >=2, have 1.4.0")


def test_gate_reason_asks_the_deck_first_then_the_card() -> None:
    installed = {"torch": "1.4.0", "numpy": None, "python": "3.11.7"}
    deck, card = SimpleNamespace(requires={"torch": ">=1.6"}), SimpleNamespace(
        requires={"numpy": ">=1"})
    met, open_ = SimpleNamespace(requires={"python": ">=3"}), SimpleNamespace(requires=None)
    assert gate_reason(deck, card, installed) == "needs torch >=1.6, have 1.4.0"
    assert gate_reason(deck, open_, installed) == "needs torch >=1.6, have 1.4.0"
    assert gate_reason(met, card, installed) == "needs numpy >=1, which is not installed"
    assert gate_reason(open_, card, installed) == "needs numpy >=1, which is not installed"
    assert gate_reason(met, met, installed) is None and gate_reason(open_, open_, installed) is None


# -- wording and the verdict's JSON ------------------------------------------------------------
def test_plural() -> None:
    assert [plural(n, "answer") for n in (0, 1, 2)] == ["0 answers", "1 answer", "2 answers"]
    assert plural(2, "box", "boxes") == "2 boxes" and plural(1, "box", "boxes") == "1 box"


def test_verdict_json_merges_extra_without_overriding_fields() -> None:
    v = Verdict("value", correct=True, expected="1", extra={"coverage": 0.5, "correct": False})
    data = v.to_json()
    assert data["coverage"] == 0.5 and data["correct"] is True
    assert "extra" not in data and data["kind"] == "value" and data["status"] == "ok"
    assert Verdict("shape").to_json()["suggested_grade"] == 0


# -- the deck models ---------------------------------------------------------------------------
def test_which_kinds_run_code() -> None:
    from quizcards.core.models import KIND_MODELS

    runs: dict[str, dict[str, Any]] = {
        "shape": {"code": "x"}, "value": {"code": "x"}, "output": {"code": "x"},
        "raises": {"code": "x"}, "code": {"reference": "x"},
        "choice": {"options": ["a", "b"], "correct": ["a"]}, "recall": {"answer": "x"}}
    executable = {kind: KIND_MODELS[kind].model_validate(
        {"id": "c", "kind": kind, "prompt": "?", **fields}).executable
        for kind, fields in runs.items()}
    assert executable == {"shape": True, "value": True, "output": True, "raises": True,
                          "code": True, "choice": False, "recall": False}


def test_the_deck_schema() -> None:
    from quizcards.core.models import schema_json

    schema = schema_json()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "quizcards deck"
    assert set(schema["required"]) == {"id", "title", "cards"}

"""The card kinds have one registry (core/kinds.py): the models, the checker, the exam, the
grading, `quizcards new` and the front ends read it, and no other module lists the kinds."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from quizcards.core.kinds import (
    CARD_KINDS,
    EXECUTABLE_KINDS,
    GRADABLE_KINDS,
    KINDS,
    OPTION_LETTERS,
    kind_of,
)
from quizcards.core.models import KIND_MODELS, ChoiceCard
from quizcards.decks.templates import new_deck_text

SRC = Path(__file__).resolve().parent.parent / "src" / "quizcards"

# Per-kind behaviour, not a fact about a kind: the judge's one judging function per typed kind.
BEHAVIOUR = {"checker/judge.py"}


def _kind_lists(tree: ast.AST) -> list[int]:
    """Lines of literals that list three or more kinds (dict keys or items)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            items = node.keys
        elif isinstance(node, ast.Tuple | ast.List | ast.Set):
            items = node.elts
        else:
            continue
        names = {i.value for i in items if isinstance(i, ast.Constant) and i.value in KINDS}
        if len(names) >= 3:
            found.append(node.lineno)
    return found


def _letters(tree: ast.AST) -> list[int]:
    """Lines of string literals spelling the alphabet out (a home of option letters)."""
    return [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Constant)
            and isinstance(n.value, str) and n.value.startswith(OPTION_LETTERS[:8])]


def _offenders(find) -> dict[str, list[int]]:  # type: ignore[no-untyped-def]
    out = {}
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel == "core/kinds.py":
            continue
        lines = find(ast.parse(path.read_text()))
        if lines:
            out[rel] = lines
    return out


def test_no_other_module_lists_the_kinds() -> None:
    offenders = _offenders(_kind_lists)
    assert set(offenders) <= BEHAVIOUR, offenders


def test_option_letters_have_one_home() -> None:
    assert _offenders(_letters) == {}


def test_the_models_and_the_registry_name_the_same_kinds_in_order() -> None:
    assert tuple(KIND_MODELS) == CARD_KINDS
    for name, model in KIND_MODELS.items():
        runs_code = "code" in model.model_fields or "reference" in model.model_fields
        assert KINDS[name].executes == runs_code, name
    assert {"shape", "value", "output", "raises", "code", "cloze"} == EXECUTABLE_KINDS
    assert GRADABLE_KINDS == ("shape", "value", "output", "raises", "code", "choice", "cloze")


def test_answer_inputs() -> None:
    """Which kinds take a block of lines (the line review reads it ended by an empty line;
    the full screen gives a text area) and which pick option letters."""
    assert {n for n, k in KINDS.items() if k.multiline} == {"output", "code"}
    assert {n for n, k in KINDS.items() if k.answer_input == "choice"} == {"choice"}
    assert KINDS["recall"].placeholder == "Enter to reveal"
    assert ChoiceCard.model_fields["options"].metadata[-1].max_length == len(OPTION_LETTERS)


@pytest.mark.parametrize("name", CARD_KINDS)
def test_each_template_loads_as_its_kind(name: str, tmp_path: Path) -> None:
    from quizcards.decks.loader import load_file

    path = tmp_path / "d.yaml"
    path.write_text(new_deck_text("d") + KINDS[name].template.format(id="c1"))
    loaded, problems = load_file(path)
    assert problems == [] and loaded is not None
    (card,) = loaded.deck.cards
    assert card.kind == name and kind_of(card) is KINDS[name]  # type: ignore[attr-defined]
    assert all(kind_of(item) is KINDS[name] for item in loaded.deck.items())


def test_only_card_code_kinds_ask_the_worker_to_observe_result() -> None:
    assert {n: k.observe for n, k in KINDS.items() if k.observe} == {
        "shape": ("shape",), "value": ("value",), "cloze": ("value",)}

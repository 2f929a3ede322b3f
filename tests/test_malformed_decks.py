"""The malformed-deck corpus: every file gives exactly these problems, positions included.

Each expected line was checked by hand against the file (line, column of the offending
node, 1-based). Duplicate deck ids need two files and live in a folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from quizcards.decks.loader import load_paths

HERE = Path(__file__).parent / "malformed"

EXPECTED: dict[str, list[str]] = {
    "bad-deck-id.yaml": [
        "1:5: bad-deck-id: id: must be a lower-case slug (letters, digits, '-' and '_') (got text 'Bad Deck')",
    ],
    "card-not-mapping.yaml": [
        "6:5: bad/#1: a card is a mapping; got text 'just a string'",
    ],
    "cards-empty.yaml": [
        "3:8: bad: cards: the deck has no cards",
    ],
    "cards-not-a-list.yaml": [
        "4:3: bad: cards: expected a list of cards, got a mapping",
    ],
    "choice-bad-letter.yaml": [
        "10:18: bad/c1: correct: 'e' is not an option letter (a-c)",
    ],
    "choice-one-option.yaml": [
        "9:14: bad/c1: options: list should have at least 2 items after validation, not 1 (got a list of 1)",
    ],
    "choice-yes-no.yaml": [
        "9:15: bad/c1: options.0: input should be a valid string (got a bool (True)); YAML reads yes/no/on/off as true/false: put it in quotes",
        "9:20: bad/c1: options.1: input should be a valid string (got a bool (False)); YAML reads yes/no/on/off as true/false: put it in quotes",
    ],
    "code-card-no-tests.yaml": [
        "6:5: bad/k1: a code card needs a `reference` solution (the learner's code must give "
        "what it gives under the checks)",
        "6:5: bad/k1: a code card needs checks: `tests` (asserts) or `entry` with `inputs`",
    ],
    "deck-id-number.yaml": [
        "1:5: deck-id-number: id: input should be a valid string (got a number (123))",
    ],
    "duplicate-card-id.yaml": [
        "11:9: bad/s1: duplicate card id 's1' (first at line 6)",
    ],
    "duplicate-deck-id/b.yaml": [
        "2:5: same: duplicate deck id 'same' (also in malformed/duplicate-deck-id/a.yaml)",
    ],
    "duplicate-yaml-key.yaml": [
        "11:5: bad/s1: duplicate key 'prompt' (first at line 8)",
    ],
    "empty.yaml": [
        "1:1: empty: file is empty: a deck needs id, title and cards",
    ],
    "field-of-other-kind.yaml": [
        "11:5: bad/s1: field 'options' does not belong to a shape card (it is for choice cards)",
    ],
    "missing-cards.yaml": [
        "1:1: bad: missing field 'cards'",
    ],
    "missing-kind.yaml": [
        "6:5: bad/s1: missing field 'kind' (one of: shape, value, output, raises, code, choice, recall, cloze)",
    ],
    "missing-prompt.yaml": [
        "6:5: bad/s1: missing field 'prompt'",
    ],
    "missing-title.yaml": [
        "1:1: bad: missing field 'title'",
    ],
    "negative-timeout.yaml": [
        "11:14: bad/s1: timeout: input should be greater than 0 (got a number (-1))",
    ],
    "not-utf8.yaml": [
        "2:11: not-utf8: file is not UTF-8: byte 0xe9 cannot be decoded (save the file as UTF-8)",
    ],
    "param-never-used.yaml": [
        "11:7: bad/s1: param 'n' is never used as {n} in prompt or code",
    ],
    "param-no-values.yaml": [
        "9:17: bad/s1: param 'd' has no values",
    ],
    "placeholder-in-code.yaml": [
        "12:26: bad/s1: placeholder {dim} has no matching param (params: d); write {{ and }} for literal braces",
    ],
    "placeholder-no-param.yaml": [
        "8:33: bad/s1: placeholder {d} has no matching param (the card has no params); write {{ and }} for literal braces",
    ],
    "recall-missing-answer.yaml": [
        "6:5: bad/r1: missing field 'answer'",
    ],
    "requires-bad-spec.yaml": [
        "3:19: bad: requires: bad version clause 'at least 1.6' (use e.g. '>=1.6' or '>=1.6,<3')",
    ],
    "requires-unknown-package.yaml": [
        "3:12: bad: requires: unknown package 'tensorflow' (known: python, torch, numpy)",
    ],
    "top-level-list.yaml": [
        "1:1: top-level-list: a deck is a mapping with id, title and cards; got a list of 2",
    ],
    "unknown-card-field.yaml": [
        "11:5: bad/s1: unknown field 'promt' (did you mean 'prompt'?)",
    ],
    "unknown-deck-field.yaml": [
        "2:1: bad: unknown field 'titel' (did you mean 'title'?)",
    ],
    "unknown-field-no-match.yaml": [
        "11:5: bad/s1: unknown field 'zzz'",
    ],
    "unknown-kind.yaml": [
        "7:11: bad/s1: unknown kind 'shap' (did you mean 'shape'?) (one of: shape, value, output, raises, code, choice, recall, cloze)",
    ],
    "wrong-type-rtol.yaml": [
        "10:11: bad/v1: rtol: input should be a valid number, unable to parse string as a number (got text 'small')",
    ],
    "wrong-type-shape-answer.yaml": [
        "11:17: bad/s1: answer.1: input should be a valid integer, unable to parse string as an integer (got text 'four')",
    ],
    "yaml-bad-indent.yaml": [
        "8:12: yaml-bad-indent: YAML syntax error: mapping values are not allowed in this context",
    ],
    "yaml-tab-indent.yaml": [
        "4:1: yaml-tab-indent: YAML syntax error: found character that cannot start any token (while scanning for the next token); YAML cannot indent with tabs, use spaces",
    ],
    "yaml-unclosed-bracket.yaml": [
        "11:1: yaml-unclosed-bracket: YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence at 10:13)",
    ],
}


@pytest.fixture(autouse=True)
def _in_tests_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    # messages name other files relative to the working folder, as a user would see them
    monkeypatch.chdir(HERE.parent)


def _problems(name: str) -> list[str]:
    target = HERE / name
    result = load_paths([target])
    folder = target if target.is_dir() else target.parent
    return [
        str(p).removeprefix(str(p.file) + ":")
        for p in result.problems
        if Path(p.file).resolve().parent == folder.resolve()
    ]


def test_corpus_is_large_enough() -> None:
    files = [p for p in HERE.rglob("*.yaml")]
    assert len(EXPECTED) >= 25
    assert len(files) >= 25


def test_every_corpus_file_has_an_expectation() -> None:
    names = {p.name for p in HERE.glob("*.yaml")} | {"duplicate-deck-id/b.yaml"}
    assert names == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_malformed_deck_reports_exact_position(name: str) -> None:
    target = "duplicate-deck-id" if name.startswith("duplicate-deck-id/") else name
    got = _problems(target)
    assert got == EXPECTED[name]


def test_broken_deck_does_not_stop_the_others(tmp_path: Path) -> None:
    good = (HERE / "duplicate-deck-id" / "a.yaml").read_text()
    (tmp_path / "good.yaml").write_text(good)
    (tmp_path / "broken.yaml").write_text((HERE / "yaml-unclosed-bracket.yaml").read_text())
    (tmp_path / "binary.yaml").write_bytes((HERE / "not-utf8.yaml").read_bytes())
    result = load_paths([tmp_path])
    assert [d.deck.id for d in result.decks] == ["same"]
    assert {Path(p.file).name for p in result.problems} == {"broken.yaml", "binary.yaml"}


def test_one_broken_card_leaves_the_rest_of_its_deck(tmp_path: Path) -> None:
    text = (
        (HERE / "unknown-card-field.yaml").read_text()
        + """  - id: s2
    kind: shape
    prompt: fine
    code: result = torch.ones(2)
"""
    )
    (tmp_path / "d.yaml").write_text(text)
    result = load_paths([tmp_path])
    assert [c.id for c in result.decks[0].deck.cards] == ["s2"]
    assert len(result.problems) == 1

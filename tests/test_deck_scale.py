"""Loading at scale (issue 15) without losing a guard: the alias walk is skipped only when no
anchor can exist, positions of absent fields are the card's, and the parse cache gives exactly
what a parse gives, for any deck (hypothesis over generated decks and edits)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizcards.decks.cache import DeckCache
from quizcards.decks.loader import _ANCHOR, load_file, load_paths

LOLS = ", ".join(["lol"] * 9)


def bomb(anchor: str) -> str:
    """A billion-laughs deck whose every anchor is written as `anchor` says ({a}: the
    anchor, {v}: the value it names)."""
    lines = [f"t0: {anchor.format(a='&a', v=f'[{LOLS}]')}"]
    for p, c in zip("abcdefgh", "bcdefghi", strict=True):
        nine = "[" + ", ".join(["*" + p] * 9) + "]"
        lines.append(f"t{c}: {anchor.format(a='&' + c, v=nine)}")
    return "id: bomb\ntitle: t\n" + "\n".join(lines) + "\ncards: []\n"


@pytest.mark.parametrize("anchor", [
    "{a} {v}",                 # the usual place
    "!!seq {a} {v}",           # after a tag
    "[{a} {v}]",               # inside a flow sequence
    "{{k: {a} {v}}}",          # as a flow mapping's value
    "[x,{a} {v}]",             # right after a comma
    "\n  - {a} {v}",           # a block sequence item
])
def test_an_anchor_anywhere_still_gets_the_alias_walk(tmp_path: Path, anchor: str) -> None:
    text = bomb(anchor)
    # first the pre-check itself: were it to miss, loading would expand the bomb for real
    assert _ANCHOR.search(text), "the anchor pre-check misses this anchor"
    path = tmp_path / "bomb.yaml"
    path.write_text(text)
    loaded, problems = load_file(path)
    assert loaded is None
    assert len(problems) == 1 and "a YAML bomb?" in problems[0].message, problems


def test_a_recursive_alias_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "loop.yaml"
    path.write_text("id: loop\ntitle: t\nx: &a [1, *a]\ncards: []\n")
    loaded, problems = load_file(path)
    assert loaded is None and "recursive" in problems[0].message


def test_an_ampersand_in_code_is_not_an_anchor(tmp_path: Path) -> None:
    path = tmp_path / "amp.yaml"
    path.write_text("id: amp\ntitle: t\ncards:\n  - id: c\n    kind: value\n"
                    "    prompt: 'x & y?'\n    code: result = 6 & 3\n")
    loaded, problems = load_file(path)
    assert loaded is not None and problems == []
    assert loaded.deck.cards[0].code == "result = 6 & 3"  # type: ignore[attr-defined]


def test_a_problem_on_a_field_the_card_lacks_is_placed_at_the_card(tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_text("id: d\ntitle: t\ncards:\n  - id: one\n    kind: recall\n"
                    "    prompt: p\n    answer: a\n  -   id: two\n      kind: value\n"
                    "      prompt: p\n      code: result = 1\n")
    loaded, _ = load_file(path)
    assert loaded is not None
    assert (loaded.problem("one", "code", "m").line, loaded.problem("one", "code", "m").col) \
        == (4, 5)
    assert (loaded.problem("two", "tests", "m").line,
            loaded.problem("two", "tests", "m").col) == (8, 7)
    assert (loaded.problem("two", "code", "m").line,
            loaded.problem("two", "code", "m").col) == (11, 13)


# -- the cache gives what a parse gives ------------------------------------------------------
card = st.one_of(
    st.builds(lambda i, a: f"  - id: r{i}\n    kind: recall\n    prompt: 'Q {i}'\n"
              f"    answer: {a}\n", st.integers(0, 99), st.sampled_from(["yes", "'no'", "1"])),
    st.builds(lambda i, n: f"  - id: v{i}\n    kind: value\n    prompt: 'V {i}'\n"
              f"    code: result = {n} + 1\n    tags: [t{n % 3}]\n",
              st.integers(0, 99), st.integers(0, 9)),
    st.builds(lambda i: f"  - id: c{i}\n    kind: choice\n    prompt: 'C'\n"
              "    options: [a, b]\n    correct: [b]\n", st.integers(0, 99)),
    st.just("  - id: Bad Id\n    kind: recall\n    prompt: p\n    answer: a\n"),  # a problem
    st.just("  - id: k\n    kind: nosuchkind\n    prompt: p\n"),              # a problem
)
deck = st.builds(lambda n, cards: f"id: deck{n}\ntitle: Deck {n}\ncards:\n" + "".join(cards),
                 st.integers(0, 3), st.lists(card, max_size=6))


def _load(folder: Path, cache: DeckCache | None) -> list[object]:
    result = load_paths([folder], cache)
    return [[(d.deck, d.sha256, d.card_lines, d.field_positions, d.id_position)
             for d in result.decks], [str(p) for p in result.problems]]


@settings(max_examples=40, deadline=None)
@given(st.lists(deck, min_size=1, max_size=4), st.lists(st.tuples(st.integers(0, 3), deck),
                                                        max_size=3))
def test_the_cache_loads_what_a_parse_loads(decks: list[str],
                                            edits: list[tuple[int, str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder, cache_file = Path(tmp) / "decks", Path(tmp) / "decks.cache"
        folder.mkdir()
        for i, text in enumerate(decks):
            (folder / f"f{i}.yaml").write_text(text)
        assert _load(folder, DeckCache(cache_file)) == _load(folder, None)  # cold
        assert _load(folder, DeckCache(cache_file)) == _load(folder, None)  # warm
        for i, text in edits:  # an edit, a new file
            (folder / f"f{i}.yaml").write_text(text + "# edited\n")
            assert _load(folder, DeckCache(cache_file)) == _load(folder, None)


# -- plain data built without PyYAML's constructor is what the constructor builds ----------
def _both(text: str) -> tuple[object, object]:
    import yaml

    from quizcards.decks.loader import _loader_class, _plain_data

    def run(fast: bool) -> object:
        loader = _loader_class()(text)
        try:
            node = loader.get_single_node()
            return _plain_data(node, loader) if fast else loader.construct_document(node)
        except yaml.YAMLError as exc:
            return type(exc)
        finally:
            loader.dispose()

    return run(True), run(False)


ODD = [
    "a: 1\nb: 1.5\nc: true\nd: null\ne: ~\nf: 2026-11-30\ng: '1'\nh: !!str 12\ni: 0x1f\n",
    "a: [1, 'x', [null, {b: yes}]]\n",
    "? [complex, key]\n: v\n",                     # a key that is not text
    "1: one\n",                                     # an int key
    "base: {a: 1}\nmerged:\n  <<: {b: 2}\n  c: 3\n",  # a merge key without an anchor
    "s: !!set {a, b}\n",
    "o: !!omap [a: 1, b: 2]\n",
    "x: !custom 3\n",                               # unknown tag: the constructor refuses
    "m: !!map {a: 1}\n",
    "d: {a: 1, a: 2}\n",                            # a duplicate key: the last one wins
    "bin: !!binary aGVsbG8=\n",
    "- 1\n- two\n- {three: 3}\n",
    "just text\n",
    "inf: .inf\nnan: .nan\nneg: -.inf\nbig: 123456789012345678901234567890\n",
    "code: |\n  x = {'a': 1}\n  y = x['a'] & 3\nprompt: >\n  folded\n  text\n",
]


@pytest.mark.parametrize("text", ODD)
def test_plain_data_is_what_the_constructor_builds(text: str) -> None:
    from quizcards.decks.loader import _NOT_PLAIN

    fast, slow = _both(text)
    assert fast is _NOT_PLAIN or repr(fast) == repr(slow), (fast, slow)


yaml_data = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                 max_size=4),
    max_leaves=12)


@settings(max_examples=200, deadline=None)
@given(yaml_data, st.booleans())
def test_any_dumped_data_reads_back_the_same_either_way(data: object, flow: bool) -> None:
    import yaml

    text = yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True)
    fast, slow = _both(text)
    from quizcards.decks.loader import _NOT_PLAIN

    assert fast is not _NOT_PLAIN  # text keys only: the fast way applies
    assert repr(fast) == repr(slow)  # key order and types included

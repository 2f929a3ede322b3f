"""Card Markdown: Python names outside backticks survive (`__call__`, `*args`, `x_1`), real
emphasis still works, code is never touched, and the plain rendering has no Markdown left."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from quizcards.core.markdown import escape_text, fenced, protect, to_plain

MD = MarkdownIt("commonmark")


def shown(markdown: str) -> tuple[str, set[str]]:
    """What a Markdown renderer shows (text, soft breaks as spaces) and the styles used."""
    text: list[str] = []
    styles: set[str] = set()
    for block in MD.parse(markdown):
        for token in block.children or []:
            if token.type in ("text", "code_inline"):
                text.append(token.content)
            elif token.type in ("softbreak", "hardbreak"):
                text.append(" ")
            elif token.type.endswith("_open"):
                styles.add(token.type[:-5])
    return "".join(text), styles


def test_the_reported_dunder_and_star_names_are_shown_as_written() -> None:
    text = ("The wrapper pattern (decorators, nn.Module.__call__) accepts anything with "
            "*args, **kwargs and passes it on unchanged; x_1 and __init__ too.")
    assert shown(text)[0] != text  # the bug: Markdown eats them
    assert shown(protect(text)) == (text, set())


def test_real_emphasis_and_code_are_kept() -> None:
    text = "A **bold** word, an *italic* one, `x.__len__()` and `**kw`."
    out, styles = shown(protect(text))
    assert out == "A bold word, an italic one, x.__len__() and **kw."
    assert styles == {"strong", "em"}
    fence = "Look:\n\n```python\ndef f(*a, **k):\n    return a__b__\n```\n"
    assert protect(fence) == fence.replace("Look:", "Look:")  # the block is untouched


NAME = st.from_regex(r"\A_{0,2}[a-z]{1,4}(_[a-z0-9]{1,3}){0,2}_{0,2}\Z")
WORDS = st.one_of(
    NAME,
    NAME.map(lambda n: "*" + n), NAME.map(lambda n: "**" + n),
    st.sampled_from(["2 * 3", "a*b", "x ** 2", "(", ")", ",", ".", "nn.Module.", "=", "->"]),
)


@given(st.lists(WORDS, min_size=1, max_size=12))
def test_prose_made_of_python_names_renders_exactly_as_written(words: list[str]) -> None:
    text = " ".join(words)
    assert shown(protect(text)) == (text, set())


@given(st.lists(WORDS, min_size=1, max_size=8))
def test_plain_rendering_shows_names_as_written(words: list[str]) -> None:
    text = " ".join(words)
    assert to_plain(text) == text


def test_plain_rendering_of_a_card() -> None:
    card = ("What does `f(1, 2)` print?\n\n```python\ndef f(*args, **kwargs):\n"
            "    print(args)\n```\n\nSee **the docs** and [PEP 3102](https://peps.python.org/pep-3102/).")
    assert to_plain(card) == (
        "What does f(1, 2) print?\n\n    def f(*args, **kwargs):\n        print(args)\n\n"
        "See the docs and PEP 3102 (https://peps.python.org/pep-3102/).")


@given(st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=60))
def test_fenced_blocks_hold_any_answer_exactly(answer: str) -> None:
    text = answer + "\n```\n" + answer  # an answer that tries to close the fence
    tokens = [t for t in MD.parse(fenced(text, "text")) if t.type == "fence"]
    assert len(tokens) == 1 and tokens[0].content == text.rstrip("\n") + "\n"


@given(st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp")),
               min_size=1, max_size=40))
def test_escaped_text_renders_literally(text: str) -> None:
    out, styles = shown(escape_text(text))
    assert out == text and not styles - {"paragraph"}

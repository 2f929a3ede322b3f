"""A card's text as the screens show it: the prompt and explanation as Markdown (params
filled, Python names kept as written) and a verdict as feedback. Text from a card or an
answer is never read as markup."""

from __future__ import annotations

import re

from rich.console import Group
from rich.markdown import Markdown as RichMarkdown
from rich.text import Text
from textual.content import Content

from quizcards.core.markdown import protect
from quizcards.core.models import CardBase
from quizcards.core.params import fill
from quizcards.core.verdict import Verdict
from quizcards.ui.widgets import GRADE_NAMES

CODE_THEME = "monokai"


def prompt_renderable(card: CardBase, values: dict[str, object]) -> RichMarkdown:
    return RichMarkdown(prompt_markdown(card, values), code_theme=CODE_THEME)


def prompt_markdown(card: CardBase, values: dict[str, object]) -> str:
    """The prompt with its params filled and Python names protected from Markdown (a choice
    card's options are in its answer list)."""
    return protect(fill(card.prompt, values).strip())


def explain_renderable(card: CardBase, values: dict[str, object]) -> Group:
    """The explanation (Markdown, params filled) and the source line under it."""
    parts: list[RichMarkdown | Text] = []
    if card.explain:
        parts.append(RichMarkdown(protect(fill(card.explain, values).strip()),
                                  code_theme=CODE_THEME))
    if card.source:  # plain text: Markdown would eat the ** of "**kwargs"
        parts.append(Text(f"\nsource: {fill(card.source, values)}", style="italic dim"))
    return Group(*parts)


def highlight(text: str, shared: set[str]) -> list[str | tuple[str, str]]:
    """Text as parts for Content.assemble, the words in `shared` highlighted."""
    return [(p, "bold $success") if p.lower() in shared else p
            for p in re.split(r"(\w+)", text) if p]


def self_graded_content(verdict: Verdict) -> Content:
    """A recall card: the model answer and the typed one side by side, shared words
    highlighted; never marked wrong."""
    shared = set(verdict.extra.get("shared") or ())
    typed = (verdict.got or "").strip()
    if not typed:
        return Content.assemble(("the model answer", "bold $accent"),
                                ("  how well did you know it? grade 0-5", "dim"), "\n",
                                verdict.expected or "")
    parts: list[str | tuple[str, str]] = [
        ("✓ word for word", "bold $success") if verdict.correct else ("compare", "bold $accent"),
        *([] if verdict.correct else [("  then grade yourself 0-5", "dim")]),
        "\n", ("model", "dim"), "  ", *highlight(verdict.expected or "", shared),
        "\n", ("yours", "dim"), "  ", *highlight(typed, shared)]
    if not verdict.correct:
        grade = verdict.suggested_grade
        parts += ["\n", (f"hint: {grade} {GRADE_NAMES[grade]}: {verdict.diagnosis}", "dim")]
    return Content.assemble(*parts)


def feedback_content(verdict: Verdict) -> Content:
    """The verdict as the feedback panel shows it. Card and answer text is never read as
    markup (a `[` or a trailing backslash in it would break or restyle the panel)."""
    if verdict.self_graded:
        return self_graded_content(verdict)
    parts: list[str | tuple[str, str]] = [
        ("✓ right", "bold $success") if verdict.correct else ("✗ wrong", "bold $error")]
    if verdict.status not in ("ok",):
        parts += ["  ", (verdict.status, "bold $warning")]
    if verdict.expected is not None:
        parts += ["\n", ("expected", "dim"), "  ", verdict.expected]
    if verdict.got:
        parts += ["\n", ("got     ", "dim"), "  ", verdict.got]
    if verdict.diagnosis:
        parts += ["\n", (first_sentence(verdict.diagnosis), "italic")]
    return Content.assemble(*parts)


def first_sentence(text: str, limit: int = 150) -> str:
    """Long exception messages (torch's run to 300 characters) would push the explanation
    off an 80x24 screen: keep the first sentence, within two lines."""
    cut = re.search(r"(?<=[a-z)])\. ", text)
    if cut and cut.end() < len(text):
        text = text[: cut.start() + 1] + " ..."
    return text if len(text) <= limit else text[: limit - 3] + "..."

"""Deck and card models: the YAML deck format as pydantic types.

Every field carries a description so that `quizcards schema` explains itself in an editor.
This module is pure: no I/O, no torch, no Textual.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from quizcards.core import cloze
from quizcards.core.kinds import EXECUTABLE_KINDS, OPTION_LETTERS
from quizcards.core.limits import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, MAX_TIMEOUT

Slug = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=80),
    Field(description="Lower-case slug: letters, digits, '-' and '_'."),
]
# a card's own limits, for the kinds that run code (unset: the config's, whose defaults are
# in limits.py)
Timeout = Annotated[float | None, Field(
    gt=0, le=MAX_TIMEOUT,
    description=f"Wall-clock limit in seconds (default {DEFAULT_TIMEOUT:g}).")]
MemoryMB = Annotated[int | None, Field(
    gt=0, le=16384, description=f"Memory cap in MiB (default {DEFAULT_MEMORY_MB}).")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class CardBase(_Strict):
    """Fields shared by every card kind."""

    id: Slug = Field(
        description="Card id, unique in its deck. Review history is keyed on (deck id, card id), "
        "so editing the prompt keeps the history; changing the id starts a new card."
    )
    prompt: str = Field(
        min_length=1,
        description="The question, in Markdown. `{name}` is replaced by a param; "
        "write `{{` and `}}` for literal braces.",
    )
    explain: str | None = Field(
        default=None, description="Why the answer is what it is; shown after answering."
    )
    source: str | None = Field(
        default=None, description="Where the card comes from, e.g. the section of the notes."
    )
    tags: list[str] = Field(default_factory=list, description="Tags, added to the deck's tags.")
    params: dict[str, list[Any]] = Field(
        default_factory=dict,
        description="Parametrised cards: name -> list of values. Each review draws one "
        "combination; `{name}` in prompt and code is replaced and the truth is recomputed.",
    )
    requires: dict[str, str] | None = Field(
        default=None,
        description='Version gate, e.g. {torch: ">=1.6"}. When unmet the card is skipped with '
        "the reason.",
    )

    @property
    def executable(self) -> bool:
        return self.kind in EXECUTABLE_KINDS  # type: ignore[attr-defined]


class _Runs(CardBase):
    """Fields of the kinds whose truth comes from running code."""

    code: str = Field(
        min_length=1, description="Python run after the deck's setup (under a fixed seed)."
    )
    timeout: Timeout = None
    memory_mb: MemoryMB = None


class ShapeCard(_Runs):
    """The learner types a shape; the truth is `result.shape` after running `code`."""

    kind: Literal["shape"] = Field(description="Card kind.")
    answer: list[int] | str | None = Field(
        default=None,
        description="The expected shape, e.g. [3, 4]. Optional: lint verifies it by running "
        "`code`. A string may use {param} placeholders.",
    )


class ValueCard(_Runs):
    """The learner types a literal or expression; compared with `result` within tolerances."""

    kind: Literal["value"] = Field(description="Card kind.")
    answer: Any = Field(
        default=None,
        description="The expected value: a YAML literal or a Python expression string, e.g. "
        "'tensor([6.])'. Optional: lint verifies it by running `code`.",
    )
    rtol: float = Field(default=1e-3, ge=0, description="Relative tolerance for numbers.")
    atol: float = Field(default=1e-5, ge=0, description="Absolute tolerance for numbers.")
    decimals: int = Field(
        default=2, ge=0, le=12,
        description="The fewest decimals a typed number needs when it is not within the "
        "tolerance: it is right when it is the truth rounded to the decimals typed (default "
        "2). The hint under the prompt says so.",
    )
    check_dtype: bool = Field(
        default=False, description="Also require the same tensor dtype (off by default)."
    )


class OutputCard(_Runs):
    """The learner types what `code` prints."""

    kind: Literal["output"] = Field(description="Card kind.")
    answer: str | None = Field(
        default=None,
        description="Expected stdout. Optional: lint verifies it. Compared after trimming "
        "trailing whitespace on each line.",
    )


class RaisesCard(_Runs):
    """The learner names the exception `code` raises, or `none`."""

    kind: Literal["raises"] = Field(description="Card kind.")
    answer: str | None = Field(
        default=None, description="Exception class name, or 'none'. Optional: lint verifies it."
    )
    accept: list[str] = Field(
        default_factory=list, description="Other exception names accepted as correct."
    )


class CodeCard(CardBase):
    """The learner writes Python; under the card's checks (`tests`, or `entry` called on
    `inputs`) it must give what the card's `reference` gives."""

    kind: Literal["code"] = Field(description="Card kind.")
    entry: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z_]\w*$",
        description="Name of the function the learner defines (needed with `reference`).",
    )
    starter: str | None = Field(
        default=None, description="Code shown in the editor when the card opens."
    )
    tests: str | None = Field(
        default=None,
        description="Checks: Python run after the solution. In each assert, the values "
        "compared (and the arguments of a call like torch.allclose) are observed, and the "
        "learner's must equal the reference's; lint runs the asserts as written on the "
        "reference.",
    )
    reference: str | None = Field(
        default=None,
        description="The card's own solution: the truth the learner's code is compared with "
        "under the checks (required; a model `answer` serves when there is none).",
    )
    inputs: list[list[Any] | str] = Field(
        default_factory=list,
        description="Argument lists for `entry` (a YAML list of positional args, or a Python "
        "expression string giving a tuple).",
    )
    answer: str | None = Field(
        default=None,
        description="A model solution shown after answering (when it differs from "
        "`reference`); lint checks that it gives what the reference gives.",
    )
    rtol: float | None = Field(
        default=None, ge=0, description="Relative tolerance when comparing with the reference "
        "(default 1e-4).")
    atol: float | None = Field(
        default=None, ge=0, description="Absolute tolerance when comparing with the reference "
        "(default 1e-6).")
    timeout: Timeout = None
    memory_mb: MemoryMB = None


class ChoiceCard(CardBase):
    """The learner picks option letters."""

    kind: Literal["choice"] = Field(description="Card kind.")
    options: list[str] = Field(
        min_length=2, max_length=len(OPTION_LETTERS),
        description="The options, shown as a, b, c, ..."
    )
    correct: list[str] = Field(
        min_length=1, description="Letters of the correct options, e.g. [a, c]."
    )


class RecallCard(CardBase):
    """A plain flashcard, self-graded; a typed answer is shown beside the model answer."""

    kind: Literal["recall"] = Field(description="Card kind.")
    answer: str = Field(min_length=1, description="The model answer.")


class ClozeCard(CardBase):
    """Anki-style deletions in prose and/or code: each deletion number is a card of its own
    (`<id>::c1`, `<id>::c2`, ... with their own history), asked with its blanks and the other
    deletions filled in. Prose blanks are judged as text; a blank in `code` by running the
    code with the learner's text filled in: right when it gives what the original gives."""

    kind: Literal["cloze"] = Field(description="Card kind.")
    prompt: str = Field(
        default="Fill in the blanks.", min_length=1,
        description="Optional words shown above the text and the code, in Markdown.",
    )
    text: str | None = Field(
        default=None,
        description="Markdown prose with deletions: {{c1::answer}} or {{c1::answer::hint}} "
        "(the hint shows in the blank). Deletions sharing a number are asked together.",
    )
    code: str | None = Field(
        default=None,
        description="Python with deletions, e.g. `x.max(dim={{c1::1}})`; it runs after the "
        "deck's setup (under a fixed seed). A learner's fill is right when the filled code "
        "gives what the original gives: its `result`, what it prints, or (with `tests`) what "
        "the tests observe.",
    )
    tests: str | None = Field(
        default=None,
        description="Checks run after the code (asserts, as for code cards): what they "
        "observe with the learner's fill must equal what they observe on the original code.",
    )
    rtol: float | None = Field(
        default=None, ge=0, description="Relative tolerance when comparing with the original "
        "(default 1e-4).")
    atol: float | None = Field(
        default=None, ge=0, description="Absolute tolerance when comparing with the original "
        "(default 1e-6).")
    timeout: Timeout = None
    memory_mb: MemoryMB = None

    @property
    def executable(self) -> bool:
        return bool(self.code)

    def deletions(self, fieldname: str) -> list[cloze.Deletion]:
        """The deletions of `text` or `code` (the loader has refused bad markup)."""
        value = getattr(self, fieldname)
        return cloze.parse(value)[0] if value else []

    def numbers(self) -> list[int]:
        return cloze.numbers(self.deletions("text") + self.deletions("code"))

    @property
    def original_code(self) -> str:
        """The code with every deletion's answer in place: what gives the truth."""
        return cloze.render(self.code or "", self.deletions("code"), None)

    def question(self, number: int) -> str:
        """The Markdown shown for item `number`: its blanks, the other answers filled in."""
        parts = [self.prompt.strip()] if "prompt" in self.model_fields_set else []
        if self.text:
            parts.append(cloze.render(self.text, self.deletions("text"), number).strip())
        if self.code:
            shown = cloze.render(self.code, self.deletions("code"), number).rstrip()
            parts.append(f"```python\n{shown}\n```")
        return "\n\n".join(parts)

    def items(self) -> list[ClozeItem]:
        """One item per deletion number, in order."""
        fields = {name: getattr(self, name) for name in ClozeCard.model_fields}
        return [ClozeItem.model_construct(**{**fields, "id": cloze.item_id(self.id, n),
                                              "prompt": self.question(n)}, number=n,
                                          note=self.id)
                for n in self.numbers()]


class ClozeItem(ClozeCard):
    """One deletion number of a cloze card: what is scheduled, shown, judged and logged.
    Made by `ClozeCard.items()`, never read from a deck; its prompt is the question."""

    id: str  # type: ignore[assignment]  # `<card id>::c<number>`
    number: int
    note: str  # the cloze card's own id

    @property
    def executable(self) -> bool:
        return any(d.number == self.number for d in self.deletions("code"))

    def blanks(self) -> list[tuple[str, cloze.Deletion]]:
        """This item's blanks in the order they are answered: the text's, then the code's."""
        return [(f, d) for f in ("text", "code") for d in self.deletions(f)
                if d.number == self.number]

    def filled_code(self, fills: list[str]) -> str:
        """The code with this item's code blanks filled by `fills` (in order)."""
        return cloze.render(self.code or "", self.deletions("code"), self.number, fills)


def schedulable(card: CardBase) -> list[CardBase]:
    """What a card of a deck gives the queue: itself, or a cloze card's items."""
    if isinstance(card, ClozeCard) and not isinstance(card, ClozeItem):
        return list(card.items())
    return [card]


Card = Annotated[
    ShapeCard | ValueCard | OutputCard | RaisesCard | CodeCard | ChoiceCard | RecallCard
    | ClozeCard,
    Field(discriminator="kind"),
]

# kind -> model, read off the union above (each model's `kind` Literal names its kind); the
# registry (kinds.py) names the same kinds, in the same order (tests/test_kinds.py)
KIND_MODELS: dict[str, type[CardBase]] = {
    get_args(model.model_fields["kind"].annotation)[0]: model
    for model in get_args(get_args(Card)[0])
}


class DeckHeader(_Strict):
    """The deck fields other than its cards."""

    id: Slug = Field(description="Deck id, unique across all decks.")
    title: str = Field(min_length=1, description="Human title shown on the home screen.")
    description: str | None = Field(default=None, description="A longer description.")
    tags: list[str] = Field(default_factory=list, description="Tags applied to every card.")
    requires: dict[str, str] | None = Field(
        default=None,
        description='Version gate for the whole deck, e.g. {torch: ">=1.6"}; unmet -> its '
        "cards are skipped with the reason.",
    )
    setup: str | None = Field(
        default=None, description="Python run before each card's code (e.g. `import torch`)."
    )


class Deck(DeckHeader):
    """One deck: a YAML file under decks/."""

    cards: list[Card] = Field(min_length=1, description="The cards.")

    def items(self) -> list[CardBase]:
        """The schedulable cards in deck order: a cloze card gives one per deletion number."""
        return [item for card in self.cards for item in schedulable(card)]


def schema_json() -> dict[str, Any]:
    """The deck JSON Schema, for editors (yaml-language-server)."""
    schema = Deck.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "quizcards deck"
    return schema

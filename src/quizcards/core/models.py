"""Deck and card models: the YAML deck format as pydantic types.

Every field carries a description so that `quizcards schema` explains itself in an editor.
This module is pure: no I/O, no torch, no Textual.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

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


Card = Annotated[
    ShapeCard | ValueCard | OutputCard | RaisesCard | CodeCard | ChoiceCard | RecallCard,
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


def schema_json() -> dict[str, Any]:
    """The deck JSON Schema, for editors (yaml-language-server)."""
    schema = Deck.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "quizcards deck"
    return schema

"""The card kinds: one registry of what each kind is, read by every layer.

The models (models.py) say what a card of a kind holds; this says how the rest of quizcards
treats it: whether its truth comes from running code, whether an exam can grade it, which
answer input the front ends give it and the hint under that input, the time within which a
right answer counts as quick, the template `quizcards new` appends, and what the checker's
worker reports about the card's `result`. A new kind is added here (and as a model); nothing
else keeps a list of kinds.

Pure: no I/O, no torch, no Textual.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

# How an answer is typed; each front end maps these to its own widgets or prompts:
# "line": one line; "lines": free text over several lines (what code prints); "code": Python
# in an editor, with the card's starter; "choice": option letters picked from a list.
AnswerInput = Literal["line", "lines", "code", "choice"]

# What the worker reports about a card's `result` besides stdout and the exception raised.
Observed = Literal["shape", "value"]

# Option letters of a choice card, in order: options are shown, typed and stored as these.
OPTION_LETTERS = "abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class Kind:
    """Everything about one card kind outside its fields."""

    name: str
    executes: bool  # its truth comes from running the card's code in the checker
    gradable: bool  # an exam can grade it objectively (recall cards are self-graded)
    answer_input: AnswerInput
    hint: str  # shown under the answer input: what to type
    quick_seconds: float  # a right answer within this counts as quick (suggested grade)
    template: str  # the card `quizcards new` appends; `{id}` is the new card's id
    observe: tuple[Observed, ...] = ()  # truth of a card-code kind: what is read off `result`
    placeholder: str = "your answer"  # in an empty single-line input

    @property
    def multiline(self) -> bool:
        """The answer spans lines (a line front end reads a block ended by an empty line)."""
        return self.answer_input in ("lines", "code")


_TEMPLATE_TAIL = """    explain: Say why the answer is what it is.
    source: "where this comes from"
"""

_KINDS = (
    Kind(
        "shape", executes=True, gradable=True, answer_input="line",
        hint="a shape: (3, 4), 3x4, torch.Size([3, 4]), () for a scalar",
        quick_seconds=12.0, observe=("shape",),
        template="""  - id: {id}
    kind: shape
    prompt: "`x = torch.zeros(2, 3)`. Shape of `x.T`?"
    code: |
      x = torch.zeros(2, 3)
      result = x.T
    answer: [3, 2]
""" + _TEMPLATE_TAIL,
    ),
    Kind(
        "value", executes=True, gradable=True, answer_input="line",
        hint="a value: tensor([1., 2.]), 3, True, [[1, 2]], float('nan')",
        quick_seconds=20.0, observe=("value",),
        template="""  - id: {id}
    kind: value
    prompt: "What is `torch.tensor([1., 2.]).sum()`?"
    code: |
      result = torch.tensor([1., 2.]).sum()
    answer: "tensor(3.)"
""" + _TEMPLATE_TAIL,
    ),
    Kind(
        "output", executes=True, gradable=True, answer_input="lines",
        hint="what it prints (Ctrl+S to submit)",
        quick_seconds=30.0,
        template="""  - id: {id}
    kind: output
    prompt: "What does `print(*range(3), sep='-')` print?"
    code: |
      print(*range(3), sep='-')
    answer: "0-1-2"
""" + _TEMPLATE_TAIL,
    ),
    Kind(
        "raises", executes=True, gradable=True, answer_input="line",
        hint="an exception name (RuntimeError), or none",
        quick_seconds=12.0,
        template="""  - id: {id}
    kind: raises
    prompt: "`torch.ones(2) + torch.ones(3)`: what is raised? (or `none`)"
    code: |
      torch.ones(2) + torch.ones(3)
    answer: RuntimeError
""" + _TEMPLATE_TAIL,
    ),
    Kind(
        "code", executes=True, gradable=True, answer_input="code",
        hint="your code (Ctrl+S to submit)",
        quick_seconds=120.0,
        template="""  - id: {id}
    kind: code
    prompt: Write `double(x)` returning twice its argument.
    starter: |
      def double(x):
          ...
    tests: |
      assert double(2) == 4
      assert double(-1) == -2
    answer: |
      def double(x):
          return 2 * x
    explain: Say what the tests check.
    source: "where this comes from"
""",
    ),
    Kind(
        "choice", executes=False, gradable=True, answer_input="choice",
        hint="letters or Space pick options, Enter submits",
        quick_seconds=12.0,
        template="""  - id: {id}
    kind: choice
    prompt: Which of these are true?
    options:
      - the first option
      - the second option
      - the third option
    correct: [a]
    explain: Say why.
    source: "where this comes from"
""",
    ),
    Kind(
        "recall", executes=False, gradable=False, answer_input="line",
        hint="your answer, or just Enter to reveal",
        quick_seconds=15.0, placeholder="Enter to reveal",
        template="""  - id: {id}
    kind: recall
    prompt: The question?
    answer: The model answer.
    explain: Optional background.
    source: "where this comes from"
""",
    ),
    Kind(
        "cloze", executes=True, gradable=True, answer_input="line",
        hint="the hidden text; several blanks: one answer each, in order, separated by ||",
        quick_seconds=15.0, placeholder="what the blank hides", observe=("value",),
        template="""  - id: {id}
    kind: cloze
    text: "A reduction with `{{{{c1::keepdim}}}}=True` keeps the reduced axis, with size 1."
    code: |
      x = torch.randn(3, 6, 4)
      result = x.max(dim={{{{c2::1::which dim?}}}}).values
    explain: Say why.
    source: "where this comes from"
""",
    ),
)

KINDS: Mapping[str, Kind] = MappingProxyType({k.name: k for k in _KINDS})
CARD_KINDS: tuple[str, ...] = tuple(KINDS)  # in the order help texts and messages list them
EXECUTABLE_KINDS = frozenset(k.name for k in _KINDS if k.executes)
GRADABLE_KINDS: tuple[str, ...] = tuple(k.name for k in _KINDS if k.gradable)


def kind_of(card: object) -> Kind:
    """The registry entry of a card (any model with a `kind` field)."""
    return KINDS[card.kind]  # type: ignore[attr-defined]

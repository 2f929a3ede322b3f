"""Card templates for `quizcards new`: one well-formed, runnable card per kind."""

from __future__ import annotations

TEMPLATES: dict[str, str] = {
    "shape": """  - id: {id}
    kind: shape
    prompt: "`x = torch.zeros(2, 3)`. Shape of `x.T`?"
    code: |
      x = torch.zeros(2, 3)
      result = x.T
    answer: [3, 2]
    explain: Say why the answer is what it is.
    source: "where this comes from"
""",
    "value": """  - id: {id}
    kind: value
    prompt: "What is `torch.tensor([1., 2.]).sum()`?"
    code: |
      result = torch.tensor([1., 2.]).sum()
    answer: "tensor(3.)"
    explain: Say why the answer is what it is.
    source: "where this comes from"
""",
    "output": """  - id: {id}
    kind: output
    prompt: "What does `print(*range(3), sep='-')` print?"
    code: |
      print(*range(3), sep='-')
    answer: "0-1-2"
    explain: Say why the answer is what it is.
    source: "where this comes from"
""",
    "raises": """  - id: {id}
    kind: raises
    prompt: "`torch.ones(2) + torch.ones(3)`: what is raised? (or `none`)"
    code: |
      torch.ones(2) + torch.ones(3)
    answer: RuntimeError
    explain: Say why the answer is what it is.
    source: "where this comes from"
""",
    "code": """  - id: {id}
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
    "choice": """  - id: {id}
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
    "recall": """  - id: {id}
    kind: recall
    prompt: The question?
    answer: The model answer.
    explain: Optional background.
    source: "where this comes from"
""",
}


def new_deck_text(deck_id: str) -> str:
    title = deck_id.replace("-", " ").replace("_", " ").capitalize()
    return (
        "# yaml-language-server: $schema=deck.schema.json\n"
        f"id: {deck_id}\n"
        f"title: {title}\n"
        "setup: |\n"
        "  import torch\n"
        "cards:\n"
    )

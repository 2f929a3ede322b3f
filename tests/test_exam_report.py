"""The exam report as GitHub Markdown: compared with a stored file, and parsed to check that
each missed prompt keeps its code block and every answer is a fenced block holding it exactly
(even an answer that contains a fence, markup or a dunder)."""

from __future__ import annotations

from pathlib import Path

from markdown_it import MarkdownIt

from quizcards.core.exam import Outcome, Selection, build_report, to_markdown

STORED = Path(__file__).parent / "data" / "exam_report.md"
GFM = MarkdownIt("commonmark").enable("table")

PROMPT = """```python
x = torch.randn(4, 3)
```
Shape of `x.sum(dim=0)`?"""

OUTCOMES = [
    Outcome("torch-dim", "reduce-dim-shape", PROMPT, "(4,)", False, "(3,)",
            "right dims, wrong order", "A reduction removes the axis dim names.", ["sum"],
            "shape"),
    Outcome("torch-dim", "max-dim1-shape", "Shape of `x.max(dim=1).values`?", "(3, 4)", True,
            "(3, 4)", "", None, ["max"], "shape"),
    Outcome("python-call", "forward-everything",
            "What does nn.Module.__call__ pass on to forward? (*args, **kwargs)",
            "[i]only args[/]", False, "every positional and keyword argument",
            "expected a bool [x] got *y*", "It forwards *args and **kwargs unchanged.",
            [], "choice"),
    Outcome("torch-training", "write-step", "Write one training step.",
            "loss.backward()\n```\noptimizer.step()", False,
            "loss.backward()\noptimizer.step()", "the weights did not change", None, ["loop"],
            "code"),
    Outcome("torch-dim", "keepdim-shape", "Shape with keepdim?", None, False, "(3, 1, 4)", "",
            None, [], "shape"),
]


def report_text() -> str:
    selection = Selection(("torch-dim", "python-call"), ("autograd",), 5, 10.0)
    previous = {"score": 0, "total": 5, "percent": 0.0}
    return to_markdown(build_report(selection, 42, OUTCOMES, 372.5, previous,
                                    ended_early=True))


def test_report_matches_the_stored_markdown() -> None:
    # to refresh after a deliberate change: write report_text() to the file and review it
    assert report_text() == STORED.read_text("utf-8")


def test_report_renders_as_github_markdown() -> None:
    tokens = GFM.parse(report_text())
    fences = [(t.info, t.content) for t in tokens if t.type == "fence"]
    # the missed prompt's own code block, kept whole
    assert ("python", "x = torch.randn(4, 3)\n") in fences
    # every miss: the answer given and the expected one, exactly
    for o in OUTCOMES:
        if o.correct:
            continue
        language = "python" if o.kind == "code" else "text"
        if o.answer is not None:
            assert (language, o.answer + "\n") in fences
        assert (language, (o.expected or "") + "\n") in fences
    inline = " ".join(t.content for t in tokens if t.type == "inline")
    # names and markup-looking text come out as written
    assert "nn.Module.\\_\\_call\\_\\_" in inline  # escaped in the source ...
    rendered = GFM.render(report_text())
    assert "nn.Module.__call__" in rendered and "(*args, **kwargs)" in rendered  # ... shown
    assert "expected a bool [x] got *y*" in rendered
    assert sum(t.type == "table_open" for t in tokens) == 1
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"
                and t.tag == "h3"]
    assert headings == ["1. torch-dim/reduce-dim-shape", "2. python-call/forward-everything",
                        "3. torch-training/write-step", "4. torch-dim/keepdim-shape"]
    assert "Not answered (ended early): 1" in rendered

"""Reading what a learner typed: shapes, option letters, exception names, printed output.

Pure Python, no torch: used by the client (to reject a malformed answer at once) and inside
the sandbox.
"""

from __future__ import annotations

import re


class MalformedAnswer(ValueError):
    """The answer cannot be read for this kind of card; the message says how to write it."""


_SHAPE_WRAPPERS = re.compile(r"^(?:torch\.)?size\s*\(\s*(.*)\s*\)$", re.IGNORECASE | re.DOTALL)
_SCALAR_WORDS = {"scalar", "()", "[]", "", "torch.size([])", "size([])"}


def parse_shape(text: str) -> tuple[int, ...]:
    """`(3, 4)`, `[3,4]`, `3x4`, `3 × 4`, `3, 4`, `3 4`, `torch.Size([3, 4])`, `()` -> (3, 4)."""
    s = text.strip()
    if s.lower() in _SCALAR_WORDS:
        return ()
    m = _SHAPE_WRAPPERS.match(s)
    if m:
        s = m.group(1).strip()
    # peel one layer of brackets; Size([3, 4]) leaves [3, 4] after the first peel
    for _ in range(2):
        if len(s) >= 2 and s[0] + s[-1] in ("()", "[]"):
            s = s[1:-1].strip()
    if s == "":
        return ()
    parts = [p for p in re.split(r"\s*(?:,|x|×|\*|\s)\s*", s, flags=re.IGNORECASE) if p]
    dims: list[int] = []
    for part in parts:
        if not re.fullmatch(r"\d+", part):
            raise MalformedAnswer(
                f"cannot read {text.strip()!r} as a shape: {part!r} is not a size "
                "(write e.g. (3, 4), 3x4 or torch.Size([3, 4]); () for a scalar)"
            )
        dims.append(int(part))
    return tuple(dims)


def format_shape(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def parse_letters(text: str, n_options: int) -> frozenset[str]:
    """`a,c`, `A C`, `ac`, `[a, c]`, `a and c` -> {'a', 'c'}; letters must name options."""
    valid = "abcdefghijklmnopqrstuvwxyz"[:n_options]
    s = re.sub(r"[\[\]\(\)\"']", " ", text.strip().lower())
    tokens = [t for t in re.split(r"[\s,;/+&]+|\band\b", s) if t]
    letters: set[str] = set()
    for token in tokens:
        token = token.rstrip(").:")
        if token and all(ch in valid for ch in token):
            letters.update(token)
        else:
            raise MalformedAnswer(
                f"cannot read {text.strip()!r} as option letters (choose from "
                f"{', '.join(valid)}; e.g. 'a' or 'a, c')"
            )
    if not letters:
        raise MalformedAnswer(f"no option chosen (choose from {', '.join(valid)})")
    return frozenset(letters)


_NO_EXCEPTION = {"none", "no", "nothing", "no exception", "no error", "-", "ok"}


def parse_exception_name(text: str) -> str | None:
    """`RuntimeError`, `builtins.RuntimeError`, `RuntimeError()` -> 'RuntimeError'.

    `none` (and similar words) -> None, meaning nothing is raised."""
    s = text.strip().rstrip(".:").strip()
    if s.lower() in _NO_EXCEPTION:
        return None
    s = re.sub(r"\(.*\)$", "", s).strip()
    s = s.strip("<>").removeprefix("class ").strip("'\"")
    name = s.rsplit(".", 1)[-1]
    if not name.isidentifier():
        raise MalformedAnswer(
            f"cannot read {text.strip()!r} as an exception name (write e.g. RuntimeError, "
            "or none if nothing is raised)"
        )
    return name


def normalize_output(text: str) -> str:
    """Trailing whitespace trimmed on every line, trailing blank lines dropped."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)

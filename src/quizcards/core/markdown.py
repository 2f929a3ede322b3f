"""Card text is Markdown written by people who think in Python: `nn.Module.__call__`,
`*args, **kwargs` and `x_1` outside backticks are names, not emphasis. `protect` escapes the
characters Markdown would eat there; `to_plain` renders card Markdown for a plain terminal.

Pure text functions: no Rich, no markdown-it (the line review and exports use them too).
"""

from __future__ import annotations

import re

# fences first (they may hold backticks), then inline code spans of any backtick length
_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})[^\n]*\n.*?(?:^ {0,3}(?P=fence)"
                    r"[ \t]*$|\Z)", re.DOTALL | re.MULTILINE)
_SPAN = re.compile(r"(?P<ticks>`+)(?!`).+?(?<!`)(?P=ticks)(?!`)", re.DOTALL)
_STARS = re.compile(r"\*+")


def _code_ranges(text: str) -> list[tuple[int, int]]:
    ranges = [m.span() for m in _FENCE.finditer(text)]
    blanked = _blank(text, ranges)
    ranges += [m.span() for m in _SPAN.finditer(blanked)]
    return sorted(ranges)


def _blank(text: str, ranges: list[tuple[int, int]]) -> str:
    out = list(text)
    for start, end in ranges:
        for i in range(start, end):
            out[i] = " "
    return "".join(out)


def _pieces(text: str) -> list[tuple[bool, str]]:
    """(is_code, piece) in order."""
    pieces: list[tuple[bool, str]] = []
    at = 0
    for start, end in _code_ranges(text):
        if start < at:
            continue
        pieces.append((False, text[at:start]))
        pieces.append((True, text[start:end]))
        at = end
    pieces.append((False, text[at:]))
    return [p for p in pieces if p[1]]


def _emphasis_pairs(prose: str) -> set[int]:
    """Start offsets of star runs that open or close real emphasis (`**bold**`, `*it*`).

    A run can open when it touches a word on its right and not on its left, close when it
    touches a word on its left and not on its right; a closer pairs with the nearest open
    run of the same length in its paragraph (the runs between stay literal). Every other
    star is literal: `*args`, `**kwargs`, `2 * 3`."""
    keep: set[int] = set()
    stack: list[tuple[int, int]] = []  # (offset, length) of runs that may open
    for m in _STARS.finditer(prose):
        if "\n\n" in prose[stack[-1][0]:m.start()] if stack else False:
            stack.clear()
        before = prose[m.start() - 1] if m.start() else " "
        after = prose[m.end()] if m.end() < len(prose) else " "
        word_left, word_right = not before.isspace(), not after.isspace()
        can_close = word_left and not (after.isalnum() or after == "_")
        can_open = word_right and not (before.isalnum() or before == "_")
        length = len(m.group())
        if can_close:
            match = next((k for k in range(len(stack) - 1, -1, -1) if stack[k][1] == length),
                         None)
            if match is not None:
                keep.update((stack[match][0], m.start()))
                del stack[match:]
                continue
        if can_open:
            stack.append((m.start(), length))
    return keep


def _run(text: str, at: int) -> int:
    """Length of the star run starting at `at`."""
    return len(text[at:]) - len(text[at:].lstrip("*"))


def _protect_prose(prose: str) -> str:
    keep = _emphasis_pairs(prose)
    out: list[str] = []
    at = 0
    for m in _STARS.finditer(prose):
        out.append(prose[at:m.start()])
        out.append(m.group() if m.start() in keep else "\\*" * len(m.group()))
        at = m.end()
    out.append(prose[at:])
    text = "".join(out)
    # underscores are never emphasis in card text: `__init__`, `x_1`, `_private`
    return re.sub(r"(?<!\\)_", r"\\_", text)


def protect(markdown: str) -> str:
    """Markdown with Python names outside code shown as written."""
    return "".join(piece if code else _protect_prose(piece)
                   for code, piece in _pieces(markdown))


_LINK = re.compile(r"\[([^\]\n]+)\]\(([^)\s]+)\)")


def to_plain(markdown: str) -> str:
    """Card Markdown as a plain terminal shows it: code blocks indented by four spaces
    without their fences, inline code without backticks, emphasis markers dropped, links as
    `text (url)`. Names (`__call__`, `**kwargs`) come out as written."""
    out: list[str] = []
    for code, piece in _pieces(markdown):
        if not code:
            drop = {i for k in _emphasis_pairs(piece) for i in range(k, k + _run(piece, k))}
            piece = "".join(c for i, c in enumerate(piece) if i not in drop)
            piece = _LINK.sub(lambda m: f"{m.group(1)} ({m.group(2)})", piece)
            out.append(re.sub(r"\\([\\`*_{}\[\]()#+\-.!|~<>])", r"\1", piece))
        elif _FENCE.fullmatch(piece):
            body = piece.split("\n", 1)[1]  # a fence's opening line always ends in \n
            lines = body.split("\n")
            if lines and re.fullmatch(r" {0,3}(`{3,}|~{3,})[ \t]*", lines[-1]):
                lines = lines[:-1]
            out.append("\n".join("    " + line if line.strip() else "" for line in lines)
                       + "\n\n")
        else:
            ticks = len(piece) - len(piece.lstrip("`"))
            inner = piece[ticks:-ticks]
            out.append(inner.strip() if inner.strip() else inner)
    return re.sub(r"\n{3,}", "\n\n", "".join(out)).strip("\n")


def fenced(text: str, language: str = "") -> str:
    """Text as a fenced code block that shows it exactly: the fence is longer than any
    backtick run inside, so an answer holding ``` cannot close it early."""
    longest = max((len(m.group()) for m in re.finditer(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    body = text.rstrip("\n")
    return f"{fence}{language}\n{body}\n{fence}"


_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#])")


def escape_text(text: str) -> str:
    """Plain text (a diagnosis, a topic) made literal in Markdown, on one line."""
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))

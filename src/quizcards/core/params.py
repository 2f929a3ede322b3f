"""Parametrised cards: `{name}` placeholders and drawing a combination of params."""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Iterator, Mapping
from typing import Any

# `{{` and `}}` are literal braces (as in str.format); `{name}` is a placeholder.
_TOKEN = re.compile(r"\{\{|\}\}|\{([A-Za-z_]\w*)\}")


def placeholders(text: str) -> list[tuple[str, int]]:
    """Names used as `{name}` in text, with their offsets."""
    return [(m.group(1), m.start()) for m in _TOKEN.finditer(text) if m.group(1)]


def fill(text: str, values: Mapping[str, Any]) -> str:
    """Replace `{name}` by str(values[name]) and `{{`/`}}` by single braces.

    A card without params is literal text: nothing is replaced (f-strings stay as written).
    """
    if not values:
        return text

    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name is None:
            return m.group(0)[0]
        return str(values[name]) if name in values else m.group(0)

    return _TOKEN.sub(sub, text)


_CODE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)


def outside_code(text: str) -> str:
    """Markdown text with code spans and fences blanked out (same length, same offsets)."""
    return _CODE.sub(lambda m: " " * len(m.group(0)), text)


def combinations(params: Mapping[str, list[Any]]) -> list[dict[str, Any]]:
    """Every combination of params, in a stable order ([{}] when there are none)."""
    names = list(params)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*params.values())]


def draw(params: Mapping[str, list[Any]], seed: int) -> dict[str, Any]:
    """One combination, chosen by seed (the same seed always gives the same draw)."""
    combos = combinations(params)
    return random.Random(seed).choice(combos)


def sample(params: Mapping[str, list[Any]], cap: int) -> Iterator[dict[str, Any]]:
    """Up to `cap` combinations spread evenly over all of them (for lint)."""
    combos = combinations(params)
    if len(combos) <= cap:
        yield from combos
        return
    step = len(combos) / cap
    for i in range(cap):
        yield combos[int(i * step)]

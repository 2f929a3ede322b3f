"""Version gates (`requires: {torch: ">=1.6"}`): parsing specs and checking them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Protocol

KNOWN_PACKAGES = ("python", "torch", "numpy")
_CLAUSE = re.compile(r"^\s*(>=|<=|==|!=|>|<)\s*(\d+(?:\.\d+)*)\s*$")


def parse_version(text: str) -> tuple[int, ...]:
    """'2.13.0+cpu' -> (2, 13, 0): the leading numeric release only."""
    m = re.match(r"\d+(?:\.\d+)*", text.strip())
    if not m:
        raise ValueError(f"not a version: {text!r}")
    return tuple(int(p) for p in m.group(0).split("."))


def spec_error(spec: str) -> str | None:
    """None when `spec` is a valid comma-separated list of clauses like '>=1.6,<3'."""
    for clause in spec.split(","):
        if not _CLAUSE.match(clause):
            return f"bad version clause {clause.strip()!r} (use e.g. '>=1.6' or '>=1.6,<3')"
    return None


def _pad(a: tuple[int, ...], n: int) -> tuple[int, ...]:
    return a + (0,) * (n - len(a))


def satisfies(version: str, spec: str) -> bool:
    have = parse_version(version)
    for clause in spec.split(","):
        m = _CLAUSE.match(clause)
        if m is None:
            raise ValueError(spec_error(spec))
        op, want_text = m.groups()
        want = parse_version(want_text)
        n = max(len(have), len(want))
        a, b = _pad(have, n), _pad(want, n)
        ok = {
            ">=": a >= b, "<=": a <= b, "==": a == b, "!=": a != b, ">": a > b, "<": a < b,
        }[op]
        if not ok:
            return False
    return True


def unmet(requires: Mapping[str, str] | None, installed: Mapping[str, str | None]) -> str | None:
    """The reason a gate is not met ('needs torch >=1.6, have 1.4.0'), or None when it is."""
    for package, spec in (requires or {}).items():
        have = installed.get(package)
        if have is None:
            return f"needs {package} {spec}, which is not installed"
        if not satisfies(have, spec):
            return f"needs {package} {spec}, have {have}"
    return None


class Gated(Protocol):
    """A deck or a card: anything with a `requires` gate."""

    @property
    def requires(self) -> Mapping[str, str] | None: ...


def gate_reason(deck: Gated, card: Gated, installed: Mapping[str, str | None]) -> str | None:
    """Why a card cannot run where `installed` holds: its deck's unmet gate, else its own;
    None when both are met."""
    return unmet(deck.requires, installed) or unmet(card.requires, installed)

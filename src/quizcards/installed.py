"""What is installed here, for version gates (`requires`): read from package metadata, never
by importing torch, so the app, lint and the library can ask without loading the checker.
The rule itself is pure and lives in core/versions.py."""

from __future__ import annotations

import functools
import sys
from importlib import metadata

from quizcards.core.models import CardBase, Deck
from quizcards.core.versions import KNOWN_PACKAGES, gate_reason


@functools.cache
def installed_versions() -> dict[str, str | None]:
    """The version of each package a gate may name; None for one that is not installed."""
    found: dict[str, str | None] = {"python": ".".join(map(str, sys.version_info[:3]))}
    for package in KNOWN_PACKAGES:
        if package == "python":
            continue
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = None
    return found


def gate(deck: Deck, card: CardBase) -> str | None:
    """Why this card cannot run here (an unmet `requires`), or None."""
    return gate_reason(deck, card, installed_versions())

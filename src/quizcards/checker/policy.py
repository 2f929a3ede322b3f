"""Which sandbox layers code from outside the shipped decks needs, and what to say without them.

Landlock and seccomp are the layers that hold for root and for an ordinary user alike; where
either is missing (old kernels, macOS, Windows, some containers), decks the user wrote or
trusted run only after an explicit opt-in. The shipped decks keep working everywhere.
"""

from __future__ import annotations

from typing import Any

REQUIRED_FOR_UNTRUSTED = ("landlock", "seccomp")
OPT_IN = "allow_weak_sandbox = true"


def holds_for_untrusted(isolation: dict[str, Any]) -> bool:
    return all(isolation.get(layer) for layer in REQUIRED_FOR_UNTRUSTED)


def missing_layers(isolation: dict[str, Any]) -> str:
    reasons = isolation.get("missing") or {}
    return "; ".join(f"{layer} ({reasons.get(layer, 'not available')})"
                     for layer in REQUIRED_FOR_UNTRUSTED if not isolation.get(layer))


def opt_in_message(isolation: dict[str, Any]) -> str:
    return (f"not run: this machine's sandbox lacks {missing_layers(isolation) or 'a layer'}, "
            "so code from decks outside the shipped folder would run with less confinement. "
            f"If you trust the deck, set `{OPT_IN}` under [checker] in config.toml (or pass "
            "--allow-weak-sandbox) to run it anyway.")

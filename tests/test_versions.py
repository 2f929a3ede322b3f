"""The version gate (`requires`) is a pure rule in core; what is installed is read apart from
the checker, so the library and lint reach the gate without loading the checker (an import
contract in pyproject.toml, checked by tests/test_boundaries.py)."""

from __future__ import annotations

from types import SimpleNamespace

from quizcards.core.versions import gate_reason


def test_the_deck_gate_speaks_first_then_the_card_gate() -> None:
    installed = {"python": "3.11.7", "torch": "2.3.0", "numpy": None}
    deck = SimpleNamespace(requires={"torch": ">=2.4"})
    card = SimpleNamespace(requires={"numpy": ">=1"})
    open_ = SimpleNamespace(requires=None)
    assert gate_reason(deck, card, installed) == "needs torch >=2.4, have 2.3.0"
    assert gate_reason(open_, card, installed) == "needs numpy >=1, which is not installed"
    assert gate_reason(open_, open_, installed) is None

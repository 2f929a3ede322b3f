"""Every write of a user's file goes through files.replacing: a link planted under the old
fixed temporary names (`.NAME.tmp`, `trusted.tmp`) never redirects a write, and a new
content that fails its check leaves the old file as it was."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from quizcards.files import atomic_write, replacing
from quizcards.interop import export, importer

from .conftest import DECKS


def _victim(tmp_path: Path) -> Path:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    return victim


def _cli(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QUIZCARDS_HOME": str(home), "EDITOR": "", "VISUAL": ""}
    return subprocess.run([sys.executable, "-m", "quizcards", *args], capture_output=True,
                          text=True, env=env, timeout=300, stdin=subprocess.DEVNULL)


def test_a_failed_check_leaves_the_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "deck.yaml"
    target.write_text("old")
    with pytest.raises(ValueError), replacing(target) as tmp:
        tmp.write_text("new")
        raise ValueError("the new content does not lint")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deck.yaml"]


def test_permissions_of_a_replaced_file_are_kept(tmp_path: Path) -> None:
    target = tmp_path / "private.csv"
    target.write_text("old")
    target.chmod(0o600)
    atomic_write(target, b"new")
    assert target.read_bytes() == b"new" and target.stat().st_mode & 0o777 == 0o600


def test_quizcards_new_never_follows_a_planted_temporary_link(tmp_path: Path) -> None:
    victim = _victim(tmp_path)
    deck = tmp_path / "mine.yaml"
    (tmp_path / ".mine.yaml.tmp").symlink_to(victim)
    proc = _cli("new", str(deck), "--kind", "shape", "--no-edit", home=tmp_path / "home")
    assert proc.returncode == 0, proc.stderr
    assert victim.read_text() == "precious"
    assert "new-shape-1" in deck.read_text()


def test_an_import_never_follows_a_planted_temporary_link(tmp_path: Path) -> None:
    victim = _victim(tmp_path)
    out = tmp_path / "imported.yaml"
    (tmp_path / ".imported.yaml.tmp").symlink_to(victim)
    notes = [importer.Note("What is 1+1?", "2", ("math",), "cards.csv:1")]
    importer.write_deck(importer.to_deck(notes, "imported", "Imported", "csv"), out,
                        force=False)
    assert victim.read_text() == "precious"
    assert "What is 1+1?" in out.read_text()


def test_an_apkg_export_never_follows_a_planted_temporary_link(tmp_path: Path) -> None:
    from quizcards.decks.loader import load_paths

    victim = _victim(tmp_path)
    out = tmp_path / "all.apkg"
    (tmp_path / ".all.apkg.tmp").symlink_to(victim)
    decks = load_paths([DECKS / "python-args-kwargs.yaml"])
    cards = export.export_cards(decks.decks, lambda deck, card: "42")
    assert export.write_apkg(cards, out) == len(cards) > 0
    assert victim.read_text() == "precious"
    assert out.read_bytes()[:2] == b"PK"  # a zip, written where it was asked


def test_trusting_a_deck_never_follows_a_planted_temporary_link(tmp_path: Path) -> None:
    home = tmp_path / "home"
    config = home / "config"
    config.mkdir(parents=True)
    victim = _victim(tmp_path)
    (config / "trusted.tmp").symlink_to(victim)
    deck = tmp_path / "elsewhere.yaml"
    deck.write_text((DECKS / "torch-dim.yaml").read_text())
    proc = _cli("trust", str(deck), home=home)
    assert proc.returncode == 0, proc.stderr
    assert victim.read_text() == "precious"
    assert str(deck.resolve()) in (config / "trusted.json").read_text()

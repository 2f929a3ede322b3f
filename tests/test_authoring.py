"""Authoring: `quizcards new` appends well-formed templates; `lint --watch` re-lints on save."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from quizcards.core.kinds import CARD_KINDS
from quizcards.decks.loader import load_file


def cli(*args: str, home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "quizcards", *args], capture_output=True,
                          text=True, env={**os.environ, "QUIZCARDS_HOME": str(home), **env},
                          timeout=120)


def test_new_creates_and_appends_every_kind_and_the_deck_lints(tmp_path: Path) -> None:
    deck = tmp_path / "data" / "decks" / "My Notes.yaml"
    for kind in CARD_KINDS:
        proc = cli("new", str(deck), "--kind", kind, "--no-edit", home=tmp_path)
        assert proc.returncode == 0, proc.stderr
        assert f"added new-{kind}-1 ({kind})" in proc.stdout
    proc = cli("new", str(deck), "--kind", "shape", "--no-edit", home=tmp_path)
    assert "new-shape-2" in proc.stdout
    loaded, problems = load_file(deck)
    assert problems == [] and loaded is not None
    assert loaded.deck.id == "my-notes"
    assert [c.kind for c in loaded.deck.cards] == [*CARD_KINDS, "shape"]
    lint = cli("lint", str(deck), home=tmp_path)  # the templates run and their answers hold
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_new_keeps_comments_and_opens_the_editor_at_the_card(tmp_path: Path) -> None:
    deck = tmp_path / "d.yaml"
    deck.write_text("# my comment\nid: d\ntitle: D\ncards:\n  - {id: a, kind: recall, "
                    "prompt: p, answer: x}\n")
    opened = tmp_path / "opened.txt"
    script = f"import sys; open('{opened}', 'w').write(' '.join(sys.argv[1:]))"
    editor = f'{sys.executable} -c "{script}"'
    proc = subprocess.run(
        [sys.executable, "-c", "import pty, sys; sys.exit(pty.spawn(sys.argv[1:]) >> 8)",
         sys.executable, "-m", "quizcards", "new", str(deck), "--kind", "value"],
        capture_output=True, text=True, env={**os.environ, "EDITOR": editor,
                                             "QUIZCARDS_HOME": str(tmp_path)}, timeout=60)
    assert proc.returncode == 0, proc.stdout
    assert deck.read_text().startswith("# my comment\n")
    assert opened.read_text() == f"+6 {deck}"  # the new card starts on line 6


def test_new_refuses_a_broken_deck_and_changes_nothing(tmp_path: Path) -> None:
    deck = tmp_path / "broken.yaml"
    deck.write_text("id: b\ntitle: B\ncards: [\n")
    proc = cli("new", str(deck), "--kind", "recall", "--no-edit", home=tmp_path)
    assert proc.returncode == 2 and "does not load" in proc.stderr
    assert deck.read_text() == "id: b\ntitle: B\ncards: [\n"


def test_lint_watch_relints_on_save(tmp_path: Path) -> None:
    deck = tmp_path / "data" / "decks" / "w.yaml"
    deck.parent.mkdir(parents=True)
    good = ("id: w\ntitle: W\nsetup: import torch\ncards:\n  - id: s\n    kind: shape\n"
            "    prompt: p\n    code: result = torch.ones(2, 3)\n    answer: [2, 3]\n")
    deck.write_text(good)
    proc = subprocess.Popen([sys.executable, "-m", "quizcards", "lint", "--watch", str(deck)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "QUIZCARDS_HOME": str(tmp_path)})
    assert proc.stdout is not None
    guard = threading.Timer(90, proc.kill)  # a hung watcher fails the test, never CI
    guard.start()
    try:
        lines = []
        while not any("ok" in line and "watching" in line for line in lines):
            line = proc.stdout.readline()
            assert line, "".join(lines)
            lines.append(line)
        started = time.monotonic()
        deck.write_text(good.replace("[2, 3]", "[3, 2]"))  # a wrong answer, saved
        while True:
            line = proc.stdout.readline()
            assert line, "".join(lines)
            lines.append(line)
            if "watching" in line and "1 problem" in line:
                break
        took = time.monotonic() - started
        text = "".join(lines)
        assert "w.yaml:9:13: w/s: stated answer '(3, 2)' disagrees with execution" in text
        assert took < 10
    finally:
        guard.cancel()
        proc.terminate()
        proc.wait(timeout=10)

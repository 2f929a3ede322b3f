"""Attacks through the deck file itself: YAML bombs and oversized files are refused before
anything else (trust included), and trust cannot be raced: it pins the bytes that were
parsed, never a second read of the file."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

from quizcards.checker import trust
from quizcards.decks.loader import MAX_DECK_BYTES, load_file

LOLS = ", ".join(['"lol"'] * 9)
BOMB = "id: bomb\ntitle: &a [" + LOLS + "]\n" + "".join(
    f"t{c}: &{c} [{', '.join(['*' + p] * 9)}]\n"
    for p, c in zip("abcdefgh", "bcdefghi", strict=True)) + "cards: []\n"


def _deck(tmp_path: Path, text: str, name: str = "deck.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


GOOD = ("id: fine\ntitle: Fine\nsetup: &s |\n  import torch\ncards:\n"
        "  - id: one\n    kind: value\n    prompt: '1 + 1?'\n    code: result = 1 + 1\n")


def test_the_bomb_is_refused_fast_and_small(tmp_path: Path) -> None:
    path = _deck(tmp_path, BOMB)
    assert len(BOMB) < 600  # the size of the one that took 10 GiB and 2 minutes
    tracemalloc.start()
    started = time.monotonic()
    loaded, problems = load_file(path)
    took = time.monotonic() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert loaded is None and took < 1.0 and peak < 100 << 20
    assert len(problems) == 1 and "a YAML bomb?" in problems[0].message
    assert (problems[0].line, problems[0].col) == (5, 5)  # the alias that tips it over


def test_lint_refuses_the_bomb_before_anything_else(tmp_path: Path) -> None:
    path = _deck(tmp_path, BOMB)
    started = time.monotonic()
    # the command in a fresh interpreter that reports its own peak memory as it exits
    # (VmHWM: ru_maxrss would carry the forking parent's peak across exec)
    runner = ("import runpy, sys\nsys.argv = ['quizcards', 'lint', '--no-exec', "
              f"{str(path)!r}]\ntry:\n    runpy.run_module('quizcards', run_name='__main__')\n"
              "finally:\n    hwm = open('/proc/self/status').read().split('VmHWM:')[1].split()[0]"
              "\n    print('peak', hwm, file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", runner], capture_output=True, text=True,
                         timeout=60)
    took = time.monotonic() - started
    peak_kib = int(out.stderr.split("peak")[-1])
    assert out.returncode == 1 and "a YAML bomb?" in out.stdout
    assert took < 10  # interpreter start included; the refusal itself is milliseconds
    assert peak_kib < 100 << 10  # 100 MiB, the whole process


@pytest.mark.parametrize("text,message", [
    ("id: x\ntitle: &t [1, *t]\ncards: []\n", "refers to its own anchor"),
    ("id: x\ntitle: " + "[" * 300 + "]" * 300 + "\ncards: []\n", "nested more than 200"),
    ("id: x\ntitle: &t x\nlist: [" + ", ".join(["*t"] * 150) + "]\ncards: []\n",
     "more than 100 YAML aliases"),
])
def test_other_yaml_shapes_that_blow_up_are_refused(tmp_path: Path, text: str,
                                                    message: str) -> None:
    loaded, problems = load_file(_deck(tmp_path, text))
    assert loaded is None and any(message in p.message for p in problems), problems


def test_ordinary_aliases_still_work(tmp_path: Path) -> None:
    loaded, problems = load_file(_deck(tmp_path, GOOD))
    assert loaded is not None and problems == []


def test_a_deck_over_5_mib_is_refused_unread(tmp_path: Path) -> None:
    at_limit = GOOD + "#" * (MAX_DECK_BYTES - len(GOOD) - 1) + "\n"
    assert load_file(_deck(tmp_path, at_limit, "ok.yaml"))[0] is not None
    loaded, problems = load_file(_deck(tmp_path, at_limit + "#", "big.yaml"))
    assert loaded is None and "larger than 5 MiB" in problems[0].message


def test_trust_refuses_a_bomb_before_it_is_asked(tmp_path: Path) -> None:
    path = _deck(tmp_path, BOMB)
    out = subprocess.run([sys.executable, "-m", "quizcards", "trust", str(path)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "a YAML bomb?" in out.stderr
    assert not (Path(os.environ["QUIZCARDS_HOME"]) / "config" / "trusted.json").exists()


EVIL = GOOD.replace("result = 1 + 1", "import os; result = os.getuid()")


def test_trust_pins_the_bytes_that_were_parsed_not_a_second_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file swapped between two reads must not borrow the trust of what the second read
    shows: the first read of the deck gives EVIL, every later one the trusted GOOD."""
    import builtins
    import io

    path = _deck(tmp_path, GOOD)
    trust.trust(path, GOOD.encode())  # the user read and trusted GOOD at this path
    reads = []
    real_fdopen, real_open = os.fdopen, builtins.open

    def swapped(data: bytes) -> io.BytesIO:
        reads.append(len(reads))
        return io.BytesIO(EVIL.encode() if len(reads) == 1 else data)

    def fake_fdopen(fd, *args, **kwargs):  # type: ignore[no-untyped-def]
        if os.readlink(f"/proc/self/fd/{fd}") == str(path):
            return swapped(GOOD.encode())
        return real_fdopen(fd, *args, **kwargs)

    def fake_open(file, *args, **kwargs):  # type: ignore[no-untyped-def]
        if str(file) == str(path):
            return swapped(GOOD.encode())
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(os, "fdopen", fake_fdopen)
    monkeypatch.setattr(builtins, "open", fake_open)
    monkeypatch.setattr(io, "open", fake_open)
    loaded, _ = load_file(path)
    assert loaded is not None and "os.getuid" in loaded.deck.cards[0].code  # type: ignore[attr-defined]
    assert not trust.is_trusted(path, loaded.sha256)  # EVIL was parsed: not trusted


def test_trust_follows_the_content(tmp_path: Path) -> None:
    path = _deck(tmp_path, GOOD)
    out = subprocess.run([sys.executable, "-m", "quizcards", "trust", str(path)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    loaded, _ = load_file(path)
    assert loaded is not None and trust.is_trusted(path, loaded.sha256)
    path.write_text(EVIL)
    loaded, _ = load_file(path)
    assert loaded is not None and not trust.is_trusted(path, loaded.sha256)


def test_a_symlink_in_a_trusted_folder_does_not_lend_its_trust(tmp_path: Path) -> None:
    folder = Path(os.environ["QUIZCARDS_HOME"]) / "data" / "decks"
    folder.mkdir(parents=True)
    outside = _deck(tmp_path, EVIL)
    (folder / "link.yaml").symlink_to(outside)
    loaded, _ = load_file(folder / "link.yaml")
    assert loaded is not None and not trust.is_trusted(folder / "link.yaml", loaded.sha256)
    own = _deck(folder, GOOD, "own.yaml")
    loaded, _ = load_file(own)
    assert loaded is not None and trust.is_trusted(own, loaded.sha256)


def _cli_lint(path: Path, timeout: float = 30) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    out = subprocess.run([sys.executable, "-m", "quizcards", "lint", "--no-exec", str(path)],
                         capture_output=True, text=True, timeout=timeout)
    return out, time.monotonic() - started


def test_a_bomb_with_a_large_anchor_is_refused(tmp_path: Path) -> None:
    items = ",".join(["1"] * 200_000)
    text = (f"id: y\ntitle: y\nlol:\n  a: &a [{items}]\n  b: [" + ",".join(["*a"] * 60)
            + "]\ncards: []\n")
    loaded, problems = load_file(_deck(tmp_path, text))
    assert loaded is None and any("a YAML bomb?" in p.message for p in problems), problems


def test_deep_nesting_is_refused_without_crashing(tmp_path: Path) -> None:
    path = _deck(tmp_path, "id: y\ntitle: y\ncards: " + "[" * 50_000 + "]" * 50_000 + "\n")
    out, took = _cli_lint(path)
    # refused with its line, whichever YAML build is installed (some refuse it themselves)
    assert out.returncode == 1 and re.search(r"nest(ed|ing)", out.stdout), out.stdout[-500:]
    assert took < 10
    block = "id: y\ntitle: y\ncards:\n" + "- " * 30_000 + "x\n"
    loaded, problems = load_file(_deck(tmp_path, block, "block.yaml"))
    assert loaded is None and "nested more than 200" in problems[0].message


@pytest.mark.parametrize("scalar", ["1" + ":59" * 60_000, "1" * 4_400, "0x" + "f" * 4_000],
                         ids=["sexagesimal", "4400-digits", "hex-4000"])
def test_numbers_too_large_are_a_problem_not_a_traceback(tmp_path: Path, scalar: str) -> None:
    text = ("id: y\ntitle: y\ncards:\n  - id: c\n    kind: value\n    prompt: '?'\n"
            f"    code: result = 1\n    timeout: {scalar}\n")
    started = time.monotonic()
    loaded, problems = load_file(_deck(tmp_path, text))
    assert time.monotonic() - started < 2
    assert loaded is None and problems and problems[0].line == 8


def test_a_fifo_is_refused_not_waited_for(tmp_path: Path) -> None:
    path = tmp_path / "fifo.yaml"
    os.mkfifo(path)
    out, took = _cli_lint(path, timeout=20)
    assert out.returncode == 1 and "not a regular file" in out.stdout and took < 10
    folder = tmp_path / "decks"
    folder.mkdir()
    os.mkfifo(folder / "fifo.yaml")
    (folder / "ok.yaml").write_text(GOOD)
    out, took = _cli_lint(folder, timeout=20)
    assert took < 10 and "fifo.yaml" in out.stdout

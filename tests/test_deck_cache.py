"""The deck cache: a start parses only what changed, and the cache is never trusted over a file."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from quizcards.decks import cache as cache_mod
from quizcards.decks import loader
from quizcards.library import Library

DECK = """id: {id}
title: Deck {id}
cards:
  - id: one
    kind: recall
    prompt: What is {id}?
    answer: {answer}
  - id: two
    kind: choice
    prompt: Pick a
    options: [a, b]
    correct: [a]
"""


def _write(folder: Path, deck_id: str, answer: str = "it") -> Path:
    path = folder / f"{deck_id}.yaml"
    path.write_text(DECK.format(id=deck_id, answer=answer))
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    decks = tmp_path / "decks"
    decks.mkdir()
    for name in ("alpha", "beta", "gamma"):
        _write(decks, name)
    return decks


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The deck files that were parsed (not served from the cache), in order."""
    seen: list[str] = []
    real = loader.load_file

    def counting(path: Path, display: str | None = None):  # type: ignore[no-untyped-def]
        seen.append(path.stem)
        return real(path, display)

    monkeypatch.setattr(loader, "load_file", counting)
    return seen


def _open(folder: Path, tmp_path: Path) -> Library:
    return Library.open([folder], db_path=tmp_path / "profile.sqlite3")


def _summary(lib: Library) -> list[tuple[str, list[str], str]]:
    return [(d.deck.id, [c.id for c in d.deck.cards], d.sha256) for d in lib.decks.decks]


def test_a_second_start_parses_nothing_and_loads_the_same(folder: Path, tmp_path: Path,
                                                          parsed: list[str]) -> None:
    first = _open(folder, tmp_path)
    first.close()
    assert parsed == ["alpha", "beta", "gamma"]
    assert (tmp_path / "profile-decks.cache").stat().st_mode & 0o777 == 0o600
    parsed.clear()
    second = _open(folder, tmp_path)
    second.close()
    assert parsed == []
    assert _summary(second) == _summary(first)
    assert second.decks.decks[0].card("one").answer == "it"  # type: ignore[union-attr]
    assert second.decks.decks[0].path == folder / "alpha.yaml"


def test_editing_one_deck_parses_only_that_deck(folder: Path, tmp_path: Path,
                                                parsed: list[str]) -> None:
    _open(folder, tmp_path).close()
    parsed.clear()
    _write(folder, "beta", answer="changed")
    lib = _open(folder, tmp_path)
    assert parsed == ["beta"]
    assert lib.deck("beta").cards[0].answer == "changed"  # type: ignore[union-attr]
    parsed.clear()
    lib.reload()  # the app's reload after an edit goes through the same cache
    assert parsed == []
    lib.close()


def test_same_size_and_mtime_but_other_bytes_is_parsed_again(folder: Path, tmp_path: Path,
                                                             parsed: list[str]) -> None:
    _open(folder, tmp_path).close()
    path = folder / "gamma.yaml"
    before = path.stat()
    path.write_text(path.read_text().replace("answer: it", "answer: IT"))  # same size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    parsed.clear()
    lib = _open(folder, tmp_path)
    lib.close()
    assert parsed == ["gamma"]
    assert lib.deck("gamma").cards[0].answer == "IT"  # type: ignore[union-attr]


def test_a_deck_with_problems_is_parsed_and_reported_every_time(folder: Path, tmp_path: Path,
                                                                parsed: list[str]) -> None:
    broken = folder / "broken.yaml"
    broken.write_text(DECK.format(id="broken", answer="x") + "  - id: three\n    kind: nope\n")
    _open(folder, tmp_path).close()
    for _ in range(2):
        parsed.clear()
        lib = _open(folder, tmp_path)
        lib.close()
        assert parsed == ["broken"]
        assert any("three" in str(p) for p in lib.decks.problems)
        assert [c.id for c in lib.deck("broken").cards] == ["one", "two"]  # type: ignore[union-attr]


def test_a_deleted_deck_leaves_the_cache(folder: Path, tmp_path: Path) -> None:
    _open(folder, tmp_path).close()
    (folder / "alpha.yaml").unlink()
    lib = _open(folder, tmp_path)
    lib.close()
    assert [d.deck.id for d in lib.decks.decks] == ["beta", "gamma"]
    data = pickle.loads((tmp_path / "profile-decks.cache").read_bytes())
    assert sorted(Path(k).stem for k in data["entries"]) == ["beta", "gamma"]


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "other-format",
                                    "other-code"])
def test_a_damaged_or_stale_cache_is_ignored_and_rebuilt(folder: Path, tmp_path: Path,
                                                         parsed: list[str], damage: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    _open(folder, tmp_path).close()
    path = tmp_path / "profile-decks.cache"
    blob = path.read_bytes()
    if damage == "garbage":
        path.write_bytes(b"\x80\x05not a pickle at all")
    elif damage == "truncated":
        path.write_bytes(blob[: len(blob) // 2])
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "other-format":
        path.write_bytes(pickle.dumps({"fingerprint": "x", "entries": {"a": 1}}))
    else:  # the loader or the models changed since the cache was written
        monkeypatch.setattr(cache_mod, "fingerprint", lambda: "code of another day")
    parsed.clear()
    lib = _open(folder, tmp_path)
    lib.close()
    assert parsed == ["alpha", "beta", "gamma"]
    assert not lib.decks.problems
    parsed.clear()
    _open(folder, tmp_path).close()
    assert parsed == []  # rebuilt


def test_a_cache_others_may_write_is_never_loaded(folder: Path, tmp_path: Path,
                                                  parsed: list[str]) -> None:
    """Loading a pickle runs code: a cache file that is group/world-writable, or a symlink,
    is not read (a planted one would be an attack)."""
    _open(folder, tmp_path).close()
    path = tmp_path / "profile-decks.cache"
    marker = tmp_path / "pwned"

    class Planted:
        def __reduce__(self):  # type: ignore[no-untyped-def]
            return (os.system, (f"touch {marker}",))

    path.write_bytes(pickle.dumps(Planted()))
    path.chmod(0o666)
    parsed.clear()
    _open(folder, tmp_path).close()
    assert not marker.exists()
    assert parsed == ["alpha", "beta", "gamma"]
    assert path.stat().st_mode & 0o777 == 0o600  # rewritten as ours
    # a symlink to a file of ours is not followed either
    planted = tmp_path / "planted.pickle"
    planted.write_bytes(pickle.dumps(Planted()))
    planted.chmod(0o600)
    path.unlink()
    path.symlink_to(planted)
    parsed.clear()
    _open(folder, tmp_path).close()
    assert not marker.exists()
    assert parsed == ["alpha", "beta", "gamma"]


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give the file to another user")
def test_a_cache_owned_by_someone_else_is_never_loaded(folder: Path, tmp_path: Path,
                                                       parsed: list[str]) -> None:
    _open(folder, tmp_path).close()
    path = tmp_path / "profile-decks.cache"
    os.chown(path, 4242, 4242)
    parsed.clear()
    _open(folder, tmp_path).close()
    assert parsed == ["alpha", "beta", "gamma"]


def test_a_start_from_the_cache_never_imports_yaml(folder: Path, tmp_path: Path) -> None:
    code = (
        "import sys\nfrom pathlib import Path\nfrom quizcards.library import Library\n"
        f"lib = Library.open([Path({str(folder)!r})], db_path=Path({str(tmp_path)!r}) / 'p.db')\n"
        "lib.close()\nprint(len(lib.decks.decks), 'yaml' in sys.modules)\n"
    )
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout.split() for _ in range(2)]
    assert runs == [["3", "True"], ["3", "False"]]


def test_a_damaged_deck_inside_a_sound_cache_is_parsed_again_alone(
        folder: Path, tmp_path: Path, parsed: list[str]) -> None:
    """Each deck is pickled on its own: one bad entry costs one parse, not the cache."""
    import dataclasses

    _open(folder, tmp_path).close()
    path = tmp_path / "profile-decks.cache"
    data = pickle.loads(path.read_bytes())
    key = next(k for k in data["entries"] if k.endswith("beta.yaml"))
    data["entries"][key] = dataclasses.replace(data["entries"][key], deck=b"\x80\x05garbage")
    path.write_bytes(pickle.dumps(data))
    parsed.clear()
    lib = _open(folder, tmp_path)
    lib.close()
    assert parsed == ["beta"]
    assert [d.deck.id for d in lib.decks.decks] == ["alpha", "beta", "gamma"]
    parsed.clear()
    _open(folder, tmp_path).close()
    assert parsed == []  # the entry was written again


def test_a_save_reuses_the_bytes_of_decks_not_parsed_again(folder: Path, tmp_path: Path) -> None:
    _open(folder, tmp_path).close()
    path = tmp_path / "profile-decks.cache"
    before = pickle.loads(path.read_bytes())["entries"]
    _write(folder, "alpha", answer="changed")
    _open(folder, tmp_path).close()
    after = pickle.loads(path.read_bytes())["entries"]
    for key, entry in after.items():
        changed = key.endswith("alpha.yaml")
        assert (entry.deck == before[key].deck) is not changed, key

"""Decks that loaded cleanly, kept beside the database so a start does not parse them again.

Parsing YAML with positions is most of a start's deck work (about 0.1 s for 450 cards, 8 s
for 50,000). An entry is used only when the file's resolved path, size, mtime and the SHA-256
of the bytes read now all match; the cache is never trusted over the file. Only decks with no
problem at all are stored, so a deck with errors is parsed (and reported) every time.

The cache is a pickle, and loading a pickle can run code: it is written with mode 0600 and
read only when it belongs to this user and nobody else may write it (card code cannot reach
it: the sandbox denies writes to the user's files). Anything wrong with it (missing, corrupt,
from another version of quizcards, pydantic or the deck models) reads as empty and is
rewritten after the decks have been parsed.

Each deck is pickled on its own inside the file: a start reads the file's index and unpickles
only the decks whose files are unchanged (after a `git pull` that touched every deck it
unpickles none), and a save re-uses the bytes of the decks it did not parse again (editing one
deck of 50 re-pickles one).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import stat
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quizcards.files import atomic_write

if TYPE_CHECKING:
    from quizcards.decks.loader import LoadedDeck

FORMAT = 2  # 2: each deck pickled on its own inside the file
MAX_CACHE_BYTES = 512 << 20  # larger is not ours: ignored


@dataclass(frozen=True)
class _Entry:
    size: int
    mtime_ns: int
    sha256: str
    deck: bytes  # the LoadedDeck, pickled on its own: unpickled only when the file is unchanged


def fingerprint() -> str:
    """What a cached deck depends on besides its file: the code that parsed and validated
    it (hashed from source, so an edited checkout counts) and the versions that pickled it."""
    import pydantic

    from quizcards import __version__

    here = Path(__file__).resolve().parent
    digest = hashlib.sha256(f"{FORMAT}|{__version__}|{sys.version}|{pydantic.VERSION}".encode())
    for source in (here / "loader.py", here.parent / "core" / "models.py",
                   here.parent / "core" / "params.py", here.parent / "core" / "versions.py",
                   here.parent / "core" / "cloze.py"):
        try:
            digest.update(source.read_bytes())
        except OSError:  # a zipped install: versions alone decide
            digest.update(source.name.encode())
    return digest.hexdigest()


class DeckCache:
    """Lookups by path; `save` writes the entries used or added during this load."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fingerprint = fingerprint()
        self._old = self._read()
        self._new: dict[str, _Entry] = {}
        self.hits = 0
        self.misses = 0

    def _read(self) -> dict[str, _Entry]:
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOFOLLOW)
        except OSError:
            return {}
        try:
            info = os.fstat(fd)
            if (not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid()
                    or info.st_mode & 0o022 or info.st_size > MAX_CACHE_BYTES):
                return {}
            with os.fdopen(fd, "rb", closefd=False) as f:
                blob = f.read()
            data: Any = pickle.loads(blob)
        except Exception:  # corrupt, truncated, or from code that no longer exists
            return {}
        finally:
            os.close(fd)
        if not isinstance(data, dict) or data.get("fingerprint") != self._fingerprint:
            return {}
        entries = data.get("entries")
        if not isinstance(entries, dict):
            return {}
        return {k: v for k, v in entries.items() if isinstance(k, str) and isinstance(v, _Entry)}

    def get(self, path: Path) -> LoadedDeck | None:
        """The cached deck for path when the file is unchanged, else None."""
        key = str(path.resolve())
        entry = self._old.get(key)
        if entry is None:
            self.misses += 1
            return None
        raw = _read_if_unchanged(path, entry)
        if raw is None or hashlib.sha256(raw).hexdigest() != entry.sha256:
            self.misses += 1
            return None
        from quizcards.decks.loader import LoadedDeck

        try:
            deck = pickle.loads(entry.deck)
        except Exception:  # a damaged entry in a sound file: parse the deck again
            self.misses += 1
            return None
        if not isinstance(deck, LoadedDeck):
            self.misses += 1
            return None
        self.hits += 1
        self._new[key] = entry
        return replace(deck, path=path)

    def put(self, path: Path, deck: LoadedDeck) -> None:
        """Remember a deck that loaded with no problem (its sha256 is of the bytes parsed)."""
        try:
            info = path.stat()
        except OSError:
            return
        self._new[str(path.resolve())] = _Entry(
            info.st_size, info.st_mtime_ns, deck.sha256,
            pickle.dumps(deck, protocol=pickle.HIGHEST_PROTOCOL))

    def save(self) -> None:
        """Write the entries of this load (dropping files no longer loaded) when they changed.
        A failure to write only costs the next start a parse."""
        if self._new.keys() == self._old.keys() and all(
            self._new[k] is self._old[k] for k in self._new
        ):
            return
        blob = pickle.dumps({"fingerprint": self._fingerprint, "entries": self._new},
                            protocol=pickle.HIGHEST_PROTOCOL)
        try:
            atomic_write(self.path, blob, mode=0o600)  # only this user may read a pickle
        except OSError:
            pass


def _read_if_unchanged(path: Path, entry: _Entry) -> bytes | None:
    """The file's bytes if it is still a regular file of the cached size and mtime."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if (not stat.S_ISREG(info.st_mode) or info.st_size != entry.size
                or info.st_mtime_ns != entry.mtime_ns):
            return None
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read(entry.size + 1)
    except OSError:
        return None
    finally:
        os.close(fd)

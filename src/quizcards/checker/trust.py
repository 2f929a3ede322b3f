"""Trust for decks from outside the shipped and the user's own folders (direnv-style `allow`).

Such a deck runs code only after `quizcards trust PATH`, which pins the SHA-256 of the bytes
it read: an edited file is untrusted again until trusted anew. A check compares the pin with
the hash of exactly the bytes that were parsed (LoadedDeck.sha256), never with a second read
of the file, so a file swapped between parsing and checking cannot borrow the trust.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from quizcards import paths
from quizcards.errors import ConfigError, TrustError
from quizcards.files import atomic_write


def _store() -> Path:
    return paths.config_dir() / "trusted.json"


def _load() -> dict[str, str]:
    try:
        data = json.loads(_store().read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _save(table: dict[str, str]) -> None:
    store = _store()
    try:  # atomic: a crash never leaves half a file
        atomic_write(store, json.dumps(table, indent=2, sort_keys=True).encode("utf-8"))
    except OSError as exc:  # the config folder is a file, or read-only
        raise ConfigError(f"{store}: cannot save the trusted decks: {exc.strerror or exc}"
                          ) from None


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def trusted_folders() -> list[Path]:
    return [paths.shipped_decks_dir().resolve(), paths.user_decks_dir().resolve()]


def is_trusted(path: Path, sha256: str) -> bool:
    """May this deck's code run? `sha256` is the hash of the bytes that were parsed."""
    real = path.resolve()
    if any(real.is_relative_to(folder) for folder in trusted_folders()):
        return True
    pinned = _load().get(str(real))
    return pinned is not None and pinned == sha256


def require_trust(path: Path, sha256: str) -> None:
    if not is_trusted(path, sha256):
        pinned = str(path.resolve()) in _load()
        why = "it changed since you trusted it" if pinned else "it is not from your deck folders"
        raise TrustError(
            f"{path}: this deck's code will not run: {why}. Read it, then run "
            f"`quizcards trust {path}` to allow it."
        )


def trust(path: Path, data: bytes) -> str:
    """Pin `data` (the bytes the user was shown, read once) as the trusted version of path."""
    table = _load()
    digest = file_hash(data)
    table[str(path.resolve())] = digest
    _save(table)
    return digest


def revoke(path: Path) -> bool:
    table = _load()
    found = table.pop(str(path.resolve()), None) is not None
    _save(table)
    return found

"""Trust for decks from outside the trusted folders (direnv-style `allow`).

The shipped decks, the user's deck folder and the folders listed in `deck_folders` are
trusted as a whole: a deck whose real path (links followed) is inside one of them runs code,
edited or not. A link in such a folder that points out of them lends no trust.

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
from quizcards.config import load_config, trusted_deck_folders
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
    """The folders whose decks run code without asking, resolved (raises ConfigError when
    config.toml is invalid)."""
    return [folder.resolve() for folder in trusted_deck_folders(load_config())]


def is_trusted(path: Path, sha256: str, folders: list[Path] | None = None) -> bool:
    """May this deck's code run? `sha256` is the hash of the bytes that were parsed;
    `folders`: trusted_folders(), when the caller asks about many decks."""
    if paths.within(path, trusted_folders() if folders is None else folders):
        return True
    pinned = _load().get(str(path.resolve()))
    return pinned is not None and pinned == sha256


def why_untrusted(path: Path) -> str:
    """Why a deck that is_trusted refused may not run, for a message ("it ...")."""
    real = path.resolve()
    for folder in trusted_folders():
        if real.is_relative_to(folder):
            why = paths.open_to_others(real, folder)
            if why is not None:
                return f"is in one of your deck folders, but {why}"
    if str(real) in _load():
        return "changed since you trusted it"
    if path.is_symlink():
        return f"is a link to {real}, outside your deck folders"
    return "is outside your deck folders"


def require_trust(path: Path, sha256: str, real: Path | None = None) -> None:
    """`real`: where the parsed bytes were really read from (LoadedDeck.real); asking about
    `path` again could find a link that was swapped since the read."""
    if not is_trusted(real or path, sha256):
        raise TrustError(
            f"{path}: this deck's code will not run: it {why_untrusted(path)}. Read it, then "
            f"run `quizcards trust {path}` to allow it (or `quizcards folders add DIR` to "
            "trust the folder it really is in)."
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

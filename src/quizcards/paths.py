"""Where things live: shipped decks, the user's data, config and own decks.

`QUIZCARDS_HOME` moves everything (tests, other profiles); otherwise platformdirs decides.
"""

from __future__ import annotations

import os
from pathlib import Path


def shipped_decks_dir() -> Path:
    """The decks that come with quizcards, wherever the command runs from."""
    here = Path(__file__).resolve().parent
    packaged = here / "_shipped_decks"  # a wheel install (force-included by hatch)
    if packaged.is_dir():
        return packaged
    return here.parent.parent / "decks"  # an editable install or a source checkout


def home() -> Path | None:
    value = os.environ.get("QUIZCARDS_HOME")
    return Path(value).expanduser() if value else None


def data_dir() -> Path:
    root = home()
    if root is not None:
        return root / "data"
    import platformdirs

    return Path(platformdirs.user_data_dir("quizcards", appauthor=False))


def config_dir() -> Path:
    root = home()
    if root is not None:
        return root / "config"
    import platformdirs

    return Path(platformdirs.user_config_dir("quizcards", appauthor=False))


def user_decks_dir() -> Path:
    """The user's own decks: loaded with the shipped ones and trusted to run code."""
    return data_dir() / "decks"


def database_path() -> Path:
    return data_dir() / "quizcards.sqlite3"


def within(path: Path, folders: list[Path]) -> bool:
    """Is the file `path` really (links followed) in one of `folders` (already resolved)?
    A link in a folder that points out of every folder is not in it."""
    real = path.resolve()
    return any(real == folder or real.is_relative_to(folder) for folder in folders)

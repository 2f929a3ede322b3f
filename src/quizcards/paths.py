"""Where things live: shipped decks, the user's data, config and own decks.

`QUIZCARDS_HOME` moves everything (tests, other profiles); otherwise platformdirs decides.
"""

from __future__ import annotations

import os
import stat
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
    """Is the file `path` really (links followed) in one of `folders` (already resolved),
    with nothing on the way down to it that other users may change (open_to_others)?
    A link in a folder that points out of every folder is not in it."""
    real = path.resolve()
    return any((real == folder or real.is_relative_to(folder))
               and open_to_others(real, folder) is None for folder in folders)


def open_to_others(real: Path, folder: Path) -> str | None:
    """Why a file `real` in the trusted `folder` (both resolved) could hold another user's
    code, or None: the folder, a folder between, or the file is writable by other users
    (`chmod 777`, a /tmp-like 1777), or owned by a user who is neither you nor root. Trust in
    a folder is trust in the person who writes it. The shipped decks are exempt: they live
    with quizcards' own code, whoever installed it."""
    if folder == shipped_decks_dir().resolve():
        return None
    me = os.geteuid() if hasattr(os, "geteuid") else None
    parts = real.relative_to(folder).parts
    for depth in range(len(parts) + 1):
        here = folder.joinpath(*parts[:depth])
        try:
            info = os.lstat(here)
        except OSError:
            continue  # gone: reading it fails later, with its own message
        if info.st_mode & stat.S_IWOTH and not stat.S_ISLNK(info.st_mode):
            return f"{here} is writable by other users"
        if me is not None and info.st_uid not in (me, 0):
            return f"{here} belongs to another user"
    return None

"""Replacing a file's content all at once, the one way quizcards writes the user's files.

The new content goes to a fresh temporary file beside the target (mkstemp: O_EXCL, so a
link planted under a predictable name cannot redirect the write), then replaces the target
in one rename: a reader sees the old file or the new one, never half of it. A target that is
a symlink is replaced by the new file, unless the caller writes through links (a config kept
in a dotfiles repository is written where it points and stays a link).
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path


def _umask() -> int:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    current = os.umask(0o022)  # no /proc: read it the only other way there is
    os.umask(current)
    return current


@contextlib.contextmanager
def replacing(path: Path, mode: int | None = None,
              through_links: bool = False) -> Iterator[Path]:
    """A fresh temporary path beside `path` to write the new content to; when the block ends
    without an exception it replaces `path` in one rename (an exception, e.g. the new
    content failed a check, leaves `path` as it was and removes the temporary file).
    `mode`: the file's permissions; None keeps those of the file replaced, or gives a new
    file the usual ones (0666 less the umask)."""
    target = path.resolve() if through_links and path.is_symlink() else path
    target.parent.mkdir(parents=True, exist_ok=True)
    if mode is None:
        try:
            info = os.lstat(target)
        except FileNotFoundError:
            info = None
        keep = info is not None and not stat.S_ISLNK(info.st_mode)  # a link's bits mean nothing
        mode = info.st_mode & 0o777 if keep and info else 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write(path: Path, data: bytes, mode: int | None = None,
                 through_links: bool = False) -> None:
    """Write `data` as the whole of `path` (see `replacing`)."""
    with replacing(path, mode, through_links) as tmp:
        tmp.write_bytes(data)

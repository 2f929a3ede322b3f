"""Run a command as an ordinary (non-root) uid, for tests that must see what users see.

    python tests/as_user.py UID -- COMMAND...

Needs root. Python and its packages may live in a folder other users cannot enter (here
/root/.pyenv under a 0700 /root): in a private mount namespace, such folders are covered by an
empty tmpfs with the Python installation bound back, read-only, at the same paths. Nothing
changes on the host. Then the process drops to UID (no groups, no capabilities) and execs
COMMAND, which therefore runs exactly as an ordinary user would run it.
"""

from __future__ import annotations

import ctypes
import os
import site
import sys
import sysconfig

CLONE_NEWNS = 0x00020000
MS_BIND, MS_REC, MS_PRIVATE, MS_REMOUNT, MS_RDONLY = 4096, 16384, 1 << 18, 32, 1
libc = ctypes.CDLL(None, use_errno=True)


def _mount(source: str | None, target: str, fstype: str | None, flags: int,
           data: str | None = None) -> None:
    enc = (lambda s: s.encode() if s is not None else None)  # noqa: E731
    if libc.mount(enc(source), enc(target), enc(fstype), flags, enc(data)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {target}: {os.strerror(err)}")


def _python_dirs() -> list[str]:
    dirs = {sys.prefix, sys.base_prefix, sysconfig.get_paths()["purelib"],
            sysconfig.get_paths()["platlib"], *site.getsitepackages()}
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    dirs.add(os.path.join(here, "src"))
    return sorted(os.path.realpath(d) for d in dirs if os.path.isdir(d))


def _closed_ancestor(path: str) -> str | None:
    """The highest folder on the way to path that others cannot enter."""
    parts = path.strip("/").split("/")
    for i in range(1, len(parts)):
        folder = "/" + "/".join(parts[:i])
        if not os.stat(folder).st_mode & 0o001:
            return folder
    return None


def main() -> None:
    uid = int(sys.argv[1])
    command = sys.argv[sys.argv.index("--") + 1:]
    if libc.unshare(CLONE_NEWNS) != 0:
        raise SystemExit("as_user: cannot make a mount namespace")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    keep = _python_dirs()
    closed = sorted({c for d in keep if (c := _closed_ancestor(d))}, key=len)
    for folder in closed:
        inside = [d for d in keep if d.startswith(folder + "/")]
        fds = {d: os.open(d, os.O_PATH | os.O_DIRECTORY) for d in inside}
        _mount("tmpfs", folder, "tmpfs", 0, "mode=755,size=1m")
        for d, fd in fds.items():
            os.makedirs(d, exist_ok=True)
            _mount(f"/proc/self/fd/{fd}", d, None, MS_BIND | MS_REC)
            _mount(None, d, None, MS_REMOUNT | MS_BIND | MS_RDONLY)
            os.close(fd)
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    os.execvp(command[0], command)


if __name__ == "__main__":
    main()

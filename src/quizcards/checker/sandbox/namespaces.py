"""Namespaces and mounts: what a check sees of the machine, where the kernel allows it.

An ordinary user first enters a new user namespace (mapped to itself), which gives it the
right to make the others; root needs none. Then, each on its own so one refusal does not
cost the rest: mount (made private at once, so nothing propagates back to the host), network
(no interface up: no network at all), IPC, and pid (the next child is pid 1; when it ends,
every process of the check ends with it).

In the new mount namespace: a size-capped tmpfs on /tmp (holding the check's folder) and on
/dev/shm; the homes and the quizcards data and config folders hidden under empty tmpfs, with
the Python installation bound back read-only where it lived inside them; a fresh /proc that
shows only the check's own processes (mounted by pid 1 itself).
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Iterable

CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID = 0x00020000, 0x10000000, 0x20000000
CLONE_NEWNET, CLONE_NEWIPC = 0x40000000, 0x08000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MS_NOATIME, MS_NODIRATIME, MS_RELATIME = 1024, 2048, 1 << 21
TMPFS_SIZE = "64m"

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong,
                        ctypes.c_char_p]


def _err(what: str) -> OSError:
    code = ctypes.get_errno()
    return OSError(code, f"{what}: {os.strerror(code)}")


def unshare(flags: int) -> None:
    if _libc.unshare(flags) != 0:
        raise _err("unshare")


def mount(source: str | None, target: str, fstype: str | None, flags: int,
          data: str | None = None) -> None:
    enc = (lambda s: s.encode() if s is not None else None)  # noqa: E731
    if _libc.mount(enc(source), enc(target), enc(fstype), flags, enc(data)) != 0:
        raise _err(f"mount {target}")


def enter_user_namespace() -> None:
    """A user namespace mapped to our own uid and gid (an ordinary user's way in)."""
    uid, gid = os.geteuid(), os.getegid()
    unshare(CLONE_NEWUSER)
    with open("/proc/self/setgroups", "w") as f:
        f.write("deny")
    with open("/proc/self/uid_map", "w") as f:
        f.write(f"{uid} {uid} 1")
    with open("/proc/self/gid_map", "w") as f:
        f.write(f"{gid} {gid} 1")


def enter(user_ns: bool, disabled: Iterable[str] = ()) -> dict[str, bool | str]:
    """Enter what namespaces we can; returns each layer's state (True, or why not)."""
    off = set(disabled)
    state: dict[str, bool | str] = {}
    if user_ns:
        if "user_ns" in off:
            state["user_ns"] = "disabled"
        else:
            try:
                enter_user_namespace()
                state["user_ns"] = True
            except OSError as exc:
                state["user_ns"] = f"refused ({exc.strerror or exc})"
        if state["user_ns"] is not True:  # without it an ordinary user can make no other
            for name in ("mount_ns", "net_ns", "pid_ns"):
                state[name] = "needs a user namespace"
            return state
    for name, flag in (("mount_ns", CLONE_NEWNS), ("net_ns", CLONE_NEWNET),
                       ("ipc_ns", CLONE_NEWIPC), ("pid_ns", CLONE_NEWPID)):
        if name in off:
            state[name] = "disabled"
            continue
        try:
            unshare(flag)
            if flag == CLONE_NEWNS:
                mount(None, "/", None, MS_REC | MS_PRIVATE)  # never propagate to the host
            state[name] = True
        except OSError as exc:
            state[name] = f"refused ({exc.strerror or exc})"
    return state


def _locked_flags(path: str) -> int:
    """The mount flags a remount must keep (a user namespace may not clear them)."""
    st = os.statvfs(path).f_flag
    flags = 0
    for st_bit, ms_bit in ((os.ST_NOSUID, MS_NOSUID), (os.ST_NODEV, MS_NODEV),
                           (os.ST_NOEXEC, MS_NOEXEC), (os.ST_NOATIME, MS_NOATIME),
                           (os.ST_NODIRATIME, MS_NODIRATIME), (os.ST_RELATIME, MS_RELATIME)):
        if st & st_bit:
            flags |= ms_bit
    return flags


def bind_read_only(source_fd: int, target: str) -> None:
    mount(f"/proc/self/fd/{source_fd}", target, None, MS_BIND | MS_REC)
    mount(None, target, None, MS_REMOUNT | MS_BIND | MS_RDONLY | _locked_flags(target))


def _under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _cover(folder: str, keep: list[str], options: str) -> None:
    """An empty tmpfs over folder, with the folders of `keep` inside it bound back read-only."""
    inside = [k for k in keep if _under(k, folder) and k != folder]
    fds = {k: os.open(k, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC) for k in inside}
    try:
        mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, options)
        for k, fd in fds.items():
            os.makedirs(k, exist_ok=True)
            bind_read_only(fd, k)
    finally:
        for fd in fds.values():
            os.close(fd)


def hide(masks: Iterable[str], keep: Iterable[str]) -> list[str]:
    """Cover each folder in `masks` with an empty tmpfs, binding back (read-only) the folders
    of `keep` that lived inside it. Returns the folders actually hidden."""
    kept = sorted(set(keep))
    hidden: list[str] = []
    for folder in sorted({m for m in masks if os.path.isdir(m)}, key=len):
        if any(_under(folder, k) for k in kept):  # the installation itself lives here
            continue
        if any(_under(folder, h) for h in hidden):
            continue
        _cover(folder, kept, "size=1m,mode=755")
        hidden.append(folder)
    return hidden


def private_shm() -> None:
    if os.path.isdir("/dev/shm"):
        mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
              f"size={TMPFS_SIZE},mode=1777")


def private_tmp(owner: int, keep: Iterable[str]) -> str:
    """A fresh tmpfs on /tmp; returns the check's folder in it (0700, the owner's)."""
    _cover("/tmp", sorted(set(keep)), f"size={TMPFS_SIZE},mode=755")
    workdir = "/tmp/check"
    os.mkdir(workdir, 0o700)
    if os.geteuid() == 0 and owner != 0:
        os.chown(workdir, owner, owner)
    return workdir


def fresh_proc() -> None:
    """A /proc that lists only this pid namespace (call as its pid 1)."""
    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)

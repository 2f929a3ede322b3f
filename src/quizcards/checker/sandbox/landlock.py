"""Landlock: the child may read the Python installation and write only its own folder.

Landlock needs no privileges (only no_new_privs), so it holds the same for root and for an
ordinary user. What is handled depends on the kernel's ABI: files from ABI 1, `refer` from 2,
`truncate` from 3, TCP bind/connect from 4, device ioctls from 5, abstract unix sockets and
signals scoped to the sandbox from 6. Everything the ABI handles and no rule allows is denied.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Iterable

SYS_CREATE_RULESET, SYS_ADD_RULE, SYS_RESTRICT_SELF = 444, 445, 446  # same on every arch
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1

EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
REMOVE_DIR, REMOVE_FILE, MAKE_CHAR, MAKE_DIR = 1 << 4, 1 << 5, 1 << 6, 1 << 7
MAKE_REG, MAKE_SOCK, MAKE_FIFO, MAKE_BLOCK, MAKE_SYM = 1 << 8, 1 << 9, 1 << 10, 1 << 11, 1 << 12
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1

FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV
READ = EXECUTE | READ_FILE | READ_DIR
WRITE_TREE = (READ | WRITE_FILE | REMOVE_DIR | REMOVE_FILE | MAKE_DIR | MAKE_REG | MAKE_SYM
              | REFER | TRUNCATE)


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def abi_version() -> int:
    """The kernel's Landlock ABI (0 when Landlock is missing or disabled)."""
    version = _libc.syscall(SYS_CREATE_RULESET, None, 0, CREATE_RULESET_VERSION)
    return max(0, int(version))


def _handled_fs(abi: int) -> int:
    rights = (1 << 13) - 1  # ABI 1: EXECUTE .. MAKE_SYM
    if abi >= 2:
        rights |= REFER
    if abi >= 3:
        rights |= TRUNCATE
    if abi >= 5:
        rights |= IOCTL_DEV
    return rights


class Rules:
    """The paths a check may use, opened (O_PATH) while the process can still reach them:
    a fresh uid may not be able to walk to its own folder or to a Python that lives under a
    private home, but a rule on an already open descriptor holds all the same."""

    def __init__(self, read: Iterable[str], write: Iterable[str], files: dict[str, int]
                 ) -> None:
        self.rules: list[tuple[int, int, bool]] = []  # (fd, rights, is a folder)
        for paths, rights in ((read, READ), (write, WRITE_TREE)):
            for path in paths:
                self._open(path, rights)
        for path, rights in files.items():
            self._open(path, rights)

    def _open(self, path: str, rights: int) -> None:
        try:
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
        except OSError:
            return  # a path that is not there needs no rule
        self.rules.append((fd, rights, os.path.isdir(f"/proc/self/fd/{fd}")))

    def close(self) -> None:
        for fd, _, _ in self.rules:
            os.close(fd)
        self.rules = []


def restrict(rules: Rules) -> int:
    """Confine this process to `rules`: read (and run) beneath the read folders, everything
    but device nodes, FIFOs and sockets beneath the write folders, the listed single files
    with their rights. Returns the ABI in force; OSError when Landlock is there but refuses."""
    abi = abi_version()
    if abi < 1:
        raise OSError("Landlock is not available in this kernel")
    handled = _handled_fs(abi)
    attr = _RulesetAttr(handled, NET_BIND_TCP | NET_CONNECT_TCP if abi >= 4 else 0,
                        SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if abi >= 6 else 0)
    ruleset = _libc.syscall(SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.sizeof(attr), 0)
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    try:
        for fd, rights, is_dir in rules.rules:
            allowed = (rights if is_dir else rights & FILE_RIGHTS) & handled
            rule = _PathBeneath(allowed, fd)
            if _libc.syscall(SYS_ADD_RULE, ruleset, RULE_PATH_BENEATH, ctypes.byref(rule),
                             0) != 0:
                raise OSError(ctypes.get_errno(), "landlock_add_rule failed")
        if _libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS: required first
            raise OSError(ctypes.get_errno(), "no_new_privs failed")
        if _libc.syscall(SYS_RESTRICT_SELF, ruleset, 0) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    finally:
        os.close(ruleset)
        rules.close()
    return abi

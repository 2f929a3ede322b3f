"""Limits applied inside each sandbox child, before any card code runs.

What holds where:
- as root (this project's CI and most containers): a new network namespace (no network at
  all), then the child drops to a dedicated unprivileged uid, so RLIMIT_NPROC binds (fork
  bombs stop), it cannot signal the worker or write into anyone's home;
- as an ordinary user: a new user+network namespace when the kernel allows unprivileged user
  namespaces; otherwise the network stays reachable (reported by `network_isolated`).
Everywhere: its own temporary folder as cwd and HOME, a scrubbed environment, RLIMIT_AS
(memory), RLIMIT_CPU, RLIMIT_FSIZE (output files), RLIMIT_NOFILE, no core dumps.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
from dataclasses import dataclass

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
SANDBOX_UID_BASE = 200_000  # far above any real user; one uid per live worker
NPROC_LIMIT = 24
FILE_SIZE_LIMIT = 64 << 20
OPEN_FILES_LIMIT = 256


@dataclass(frozen=True)
class Limits:
    timeout: float = 2.0
    memory_mb: int = 1024


def sandbox_uid() -> int | None:
    """The worker's own sandbox uid when it runs as root (None otherwise)."""
    if os.geteuid() != 0:
        return None
    return SANDBOX_UID_BASE + os.getpid()


def _unshare(flags: int) -> bool:
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.unshare(flags) == 0


def _vm_size() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _set(limit: int, soft: int, hard: int | None = None) -> None:
    try:
        resource.setrlimit(limit, (soft, soft if hard is None else hard))
    except (ValueError, OSError):
        pass


def enter_sandbox(workdir: str, uid: int | None, keep: tuple[int, ...]) -> bool:
    """Confine the current (child) process before it learns its job; returns whether the
    network is cut. `keep` are the pipe ends to the worker; every other fd is closed."""
    os.setsid()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGPIPE, signal.SIGCHLD):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the cap fail with EFBIG
    flags = CLONE_NEWNET if uid is not None else CLONE_NEWUSER | CLONE_NEWNET
    isolated = _unshare(flags)
    # the worker's stdin/stdout are the protocol pipe: the code must never touch them
    devnull = os.open(os.devnull, os.O_RDONLY)
    out = os.open(os.path.join(workdir, ".stdout"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    if uid is not None:
        os.fchown(out, uid, uid)
    os.dup2(devnull, 0)
    os.dup2(out, 1)
    os.dup2(out, 2)
    for fd in {devnull, out} - {0, 1, 2, *keep}:
        os.close(fd)
    low = 3
    for fd in sorted(keep):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, 65536)

    _set(resource.RLIMIT_FSIZE, FILE_SIZE_LIMIT)
    _set(resource.RLIMIT_NOFILE, OPEN_FILES_LIMIT)
    _set(resource.RLIMIT_CORE, 0)
    _set(resource.RLIMIT_NPROC, NPROC_LIMIT)
    os.environ.clear()
    os.environ.update({
        "HOME": workdir, "TMPDIR": workdir, "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
    })
    os.chdir(workdir)
    if uid is not None:
        _drop_to(uid)
    os.umask(0o077)
    return isolated


def apply_limits(limits: Limits) -> None:
    """The limits that depend on the job (set once it has arrived; lowering needs no rights)."""
    cpu = int(limits.timeout) + 1
    _set(resource.RLIMIT_CPU, cpu, cpu + 1)
    _set(resource.RLIMIT_AS, _vm_size() + limits.memory_mb * (1 << 20))


PR_SET_KEEPCAPS = 8
PR_SET_NO_NEW_PRIVS = 38
CAP_DAC_READ_SEARCH = 2
_CAP_VERSION_3 = 0x20080522


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def _drop_to(uid: int) -> None:
    """Become the unprivileged sandbox uid, keeping only CAP_DAC_READ_SEARCH.

    Python and its packages often live under a private home (/root here), which the sandbox
    uid could not read: without that one capability `import json` would fail. It lets the
    code read files, never write them, signal other users, or lift its limits.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0)
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    if os.getresuid() != (uid, uid, uid):
        raise OSError("could not drop to the sandbox uid")
    header = _CapHeader(_CAP_VERSION_3, 0)
    data = (_CapData * 2)()
    data[0].effective = data[0].permitted = 1 << CAP_DAC_READ_SEARCH
    libc.capset(ctypes.byref(header), data)  # best effort: without it only imports suffer
    libc.prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0)
    libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)


def sweep(uid: int) -> None:
    """Kill every process left under the sandbox uid (escaped fork-bomb children).

    kill(-1) from a process running as that uid reaches exactly the processes of that uid,
    so nothing else on the machine can be hit. Only ever called with a dedicated sandbox uid.
    """
    assert uid >= SANDBOX_UID_BASE
    pid = os.fork()
    if pid == 0:
        try:
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            if os.getresuid() != (uid, uid, uid):  # never kill(-1) with any other identity
                os._exit(1)
            for _ in range(3):
                try:
                    os.kill(-1, signal.SIGKILL)
                except ProcessLookupError:
                    break
        finally:
            os._exit(0)
    os.waitpid(pid, 0)

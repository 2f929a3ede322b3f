"""Resource limits, file descriptors, environment, and who the check runs as.

- As root, each check runs as a fresh unprivileged uid (never used before by this worker)
  with no capabilities at all; as an ordinary user, as the user inside its user namespace,
  with every capability of that namespace dropped.
- Everywhere: RLIMIT_AS (memory), RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_NOFILE, RLIMIT_NPROC,
  no core dumps; only the job and result pipes stay open; an allow-listed environment.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import tempfile

FRESH_UID_BASE = 2_000_000_000  # far above any real user; each check takes a new one
NPROC_LIMIT = 64  # threads count too; forks are refused by seccomp anyway
FILE_SIZE_LIMIT = 64 << 20
OPEN_FILES_LIMIT = 256
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_KEEPCAPS = 1, 4, 8
PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT = 24, 38, 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
_CAP_VERSION_3 = 0x20080522
_LAST_CAP = 63

_libc = ctypes.CDLL(None, use_errno=True)


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def fresh_uid(worker_pid: int, counter: int) -> int:
    """A uid for one check: distinct per worker and per check (1000 checks before reuse,
    by which time the check that had it is long gone)."""
    return FRESH_UID_BASE + (worker_pid % 100_000) * 1000 + counter % 1000


def die_with_parent() -> None:
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def only_fds(keep: set[int]) -> None:
    """/dev/null on 0, 1, 2; close every other descriptor but `keep`."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        if fd not in keep:
            os.dup2(null, fd)
    if null not in keep | {0, 1, 2}:
        os.close(null)
    low = 3
    for fd in sorted(k for k in keep if k >= 3):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, 1 << 16)


def _set(limit: int, soft: int, hard: int | None = None) -> None:
    try:
        resource.setrlimit(limit, (soft, soft if hard is None else hard))
    except (ValueError, OSError):
        pass


def static_limits() -> None:
    _set(resource.RLIMIT_FSIZE, FILE_SIZE_LIMIT)
    _set(resource.RLIMIT_NOFILE, OPEN_FILES_LIMIT)
    _set(resource.RLIMIT_CORE, 0)
    _set(resource.RLIMIT_NPROC, NPROC_LIMIT)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the cap fail with EFBIG
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGPIPE, signal.SIGCHLD):
        signal.signal(sig, signal.SIG_DFL)


def vm_size() -> int:
    """Address space in use now: the memory limit is counted on top of it (the warm torch)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * resource.getpagesize()
    except OSError:
        return 0


def job_limits(timeout: float, memory_mb: int, vm_base: int) -> None:
    """The limits that depend on the job (lowering a limit needs no rights)."""
    cpu = int(timeout) + 1
    _set(resource.RLIMIT_CPU, cpu, cpu + 1)
    _set(resource.RLIMIT_AS, vm_base + memory_mb * (1 << 20))


def scrub_environment(workdir: str) -> None:
    os.environ.clear()
    os.environ.update({
        "HOME": workdir, "TMPDIR": workdir, "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
    })
    os.chdir(workdir)
    # tempfile caches its folder on first use, and the worker used it before forking this
    # check: point it at the check's own folder (the only one the check may write)
    tempfile.tempdir = workdir


def _drop_bounding_set() -> None:
    for cap in range(_LAST_CAP + 1):
        _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)  # fails past the last cap: fine
    _libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)


def _clear_caps() -> None:
    header = _CapHeader(_CAP_VERSION_3, 0)
    data = (_CapData * 2)()
    if _libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset failed")


def has_no_caps() -> bool:
    header = _CapHeader(_CAP_VERSION_3, 0)
    data = (_CapData * 2)()
    if _libc.capget(ctypes.byref(header), data) != 0:
        return False
    return all(d.effective == d.permitted == d.inheritable == 0 for d in data)


def become(uid: int) -> None:
    """Root -> a fresh unprivileged uid with no capabilities left anywhere."""
    _drop_bounding_set()
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    if os.getresuid() != (uid, uid, uid) or os.getresgid() != (uid, uid, uid):
        raise OSError("could not become the sandbox uid")
    _clear_caps()
    _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)


def drop_caps() -> None:
    """An ordinary user inside its user namespace: give up that namespace's capabilities."""
    _drop_bounding_set()
    _clear_caps()
    _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)


def sweep(uid: int) -> None:
    """Kill every process left under a fresh sandbox uid (where no pid namespace ended them).

    kill(-1) from a process running as that uid reaches exactly the processes of that uid,
    so nothing else on the machine can be hit. Only ever called with a fresh sandbox uid."""
    if uid < FRESH_UID_BASE:
        raise ValueError("sweep is only for sandbox uids")
    pid = os.fork()
    if pid == 0:
        try:
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            if os.getresuid() == (uid, uid, uid):  # never kill(-1) with any other identity
                for _ in range(3):
                    try:
                        os.kill(-1, signal.SIGKILL)
                    except ProcessLookupError:
                        break
        finally:
            os._exit(0)
    os.waitpid(pid, 0)

"""Confinement of a check: the layers, in the order a check's two processes apply them.

The worker forks a supervisor (`setup`): it enters the namespaces the kernel allows and lays
out the mounts, then forks the check process (`confine`), which becomes pid 1 of the pid
namespace, mounts a fresh /proc, keeps only its two pipes, sets its limits, drops to a fresh
uid (root) or drops its capabilities (user), then restricts itself with Landlock and seccomp.
Only then does it read its job. What held is reported as `isolation` in every verdict.

Each layer is tried on its own and a refusal is reported, never fatal: where Landlock or
seccomp is missing, the client runs only the shipped decks unless the user opts in.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quizcards.checker.sandbox import landlock, limits, namespaces, seccomp

LAYERS = ("landlock", "seccomp", "user_ns", "mount_ns", "pid_ns", "net_ns", "ipc_ns", "proc",
          "fresh_uid", "no_caps", "rlimits")
SYSTEM_READS = ("/usr/lib", "/usr/lib64", "/lib", "/lib64", "/usr/share/zoneinfo",
                "/sys/devices/system/cpu")
SYSTEM_FILES = {"/dev/null": landlock.READ_FILE | landlock.WRITE_FILE,
                "/dev/zero": landlock.READ_FILE, "/dev/urandom": landlock.READ_FILE,
                "/dev/random": landlock.READ_FILE, "/etc/ld.so.cache": landlock.READ_FILE,
                "/etc/localtime": landlock.READ_FILE}


@dataclass(frozen=True)
class Plan:
    """Decided once by the worker at start: who it is, what the checks may read."""

    root: bool
    python_roots: tuple[str, ...]  # read-only: the interpreter, stdlib, site-packages in use
    masks: tuple[str, ...]  # hidden under empty tmpfs: homes, quizcards' data and config
    scratch: str  # the worker's private folder (a check's folder when there is no tmpfs)
    disabled: frozenset[str] = field(default_factory=frozenset)  # layers turned off (tests)


def _real_dirs(paths: list[str]) -> list[str]:
    out = []
    for p in paths:
        if p and os.path.isabs(p):
            real = os.path.realpath(p)
            if os.path.isdir(real):
                out.append(real)
    return out


def _loaded_library_dirs() -> list[str]:
    """Folders of shared libraries already mapped (torch's libs, numpy.libs, ...)."""
    found = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split(maxsplit=5)[-1].strip()
                if path.startswith("/") and ".so" in path:
                    found.add(os.path.dirname(path))
    except OSError:
        pass
    return sorted(found)


def _collapse(paths: list[str]) -> list[str]:
    out: list[str] = []
    for p in sorted(set(paths), key=len):
        if not any(p == q or p.startswith(q.rstrip("/") + "/") for q in out):
            out.append(p)
    return sorted(out)


def _ancestor_or_same(path: str, of: str) -> bool:
    return of == path or of.startswith(path.rstrip("/") + "/")


def make_plan(scratch: str, private: list[str], disabled: frozenset[str] = frozenset()
              ) -> Plan:
    """What the checks may read (never a folder holding `private` ones) and what is hidden."""
    candidates = _real_dirs([*sys.path, sys.prefix, sys.base_prefix, sys.exec_prefix,
                             sys.base_exec_prefix, *_loaded_library_dirs()])
    system = tuple(d for d in SYSTEM_READS)
    guarded = [os.path.realpath(p) for p in private if p] + ["/"]
    roots = [c for c in candidates
             if not any(_ancestor_or_same(c, g) for g in guarded)
             and not any(c == s or c.startswith(s + "/") for s in system)]
    home = os.path.realpath(os.path.expanduser("~"))
    masks = ["/root", "/home", "/run/user", "/mnt", "/media", "/srv", home,
             *[os.path.realpath(p) for p in private if p]]
    return Plan(os.geteuid() == 0, tuple(_collapse(roots)), tuple(sorted(set(masks))),
                scratch, disabled)


def setup(plan: Plan, uid: int | None) -> tuple[str, dict[str, Any]]:
    """In the supervisor: namespaces and mounts. Returns the check's folder and the state."""
    state: dict[str, Any] = dict(namespaces.enter(user_ns=not plan.root, disabled=plan.disabled))
    if not plan.root:
        state.setdefault("user_ns", False)
    owner = uid if uid is not None else os.geteuid()
    if state.get("mount_ns") is True:
        try:  # the check's own folder first: once /tmp is covered there is no going back
            workdir = namespaces.private_tmp(owner, plan.python_roots)
        except OSError as exc:
            state["mount_ns"] = f"mounts refused ({exc.strerror or exc})"
        else:
            for step, name in ((namespaces.private_shm, "/dev/shm"),
                               (lambda: namespaces.hide(plan.masks, plan.python_roots),
                                "hiding the homes")):
                try:
                    step()
                except OSError as exc:  # the rest still holds: say what did not
                    state["mount_ns"] = f"partly: {name} refused ({exc.strerror or exc})"
            return workdir, state
    workdir = os.path.join(plan.scratch, f"check-{os.getpid()}")
    os.mkdir(workdir, 0o700)
    if uid is not None:
        os.chown(workdir, uid, uid)
    return workdir, state


def confine(plan: Plan, uid: int | None, workdir: str, state: dict[str, Any],
            keep: set[int]) -> dict[str, Any]:
    """In the check process, before it reads its job: every remaining layer, in order."""
    report: dict[str, Any] = {name: False for name in LAYERS}
    for name in ("user_ns", "mount_ns", "pid_ns", "net_ns", "ipc_ns"):
        report[name] = state.get(name) is True
    if plan.root:
        report["user_ns"] = None  # root needs none: it drops to a fresh uid instead
    missing: dict[str, str] = {k: str(v) for k, v in state.items()
                               if k in LAYERS and v is not True}
    limits.die_with_parent()
    os.setsid()
    if report["pid_ns"] and report["mount_ns"] and "proc" not in plan.disabled:
        try:
            namespaces.fresh_proc()
            report["proc"] = True
        except OSError as exc:
            missing["proc"] = f"refused ({exc.strerror})"
    limits.only_fds(keep)
    limits.static_limits()
    report["rlimits"] = True
    limits.scrub_environment(workdir)
    rules = None
    if "landlock" not in plan.disabled:  # opened while every path can still be reached
        rules = landlock.Rules([*plan.python_roots, *SYSTEM_READS], [workdir], SYSTEM_FILES)
    if uid is not None:
        limits.become(uid)
        report["fresh_uid"] = True
    else:
        report["fresh_uid"] = None  # an ordinary user has no other uid to give
        if report["user_ns"]:
            limits.drop_caps()
    report["no_caps"] = limits.has_no_caps()
    if rules is None:
        missing["landlock"] = "disabled"
    else:
        try:
            report["landlock"] = landlock.restrict(rules)
        except OSError as exc:
            missing["landlock"] = str(exc)
    if "seccomp" in plan.disabled:
        missing["seccomp"] = "disabled"
    else:
        try:
            seccomp.install()
            report["seccomp"] = True
        except (OSError, ValueError) as exc:
            missing["seccomp"] = str(exc)
    report["missing"] = missing
    return report


def scratch_folder() -> str:
    """The worker's private folder: 0700, in the system temporary folder."""
    import tempfile

    path = tempfile.mkdtemp(prefix="quizcards-worker-")
    os.chmod(path, 0o700)
    return str(Path(path).resolve())

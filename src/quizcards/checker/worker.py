"""The checker worker: imports torch once, stays warm, forks a sandboxed child per check.

The only module of quizcards that imports torch. Protocol: one JSON object per line on
stdin (a job), one JSON object per line on stdout (the verdict). The first line it writes is
`{"ready": true, ...}` once torch is loaded. It never runs threads of its own, so forking is
safe; torch's own pools are set to one thread before the first fork.
"""

from __future__ import annotations

import gc
import json
import os
import select
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Any

RESULT_CAP = 4 << 20  # bytes of verdict JSON read back from a child
GRACE = 0.25  # seconds past the card's timeout before the child is killed


def _warm() -> dict[str, Any]:
    versions: dict[str, Any] = {"python": ".".join(map(str, sys.version_info[:3]))}
    try:
        import torch

        torch.set_num_threads(1)
        torch.set_num_interop_threads(1)
        import torch.nn
        import torch.nn.functional

        torch.manual_seed(0)
        torch.randn(3, 4).softmax(dim=1).max(dim=0)  # touch the kernels once
        x = torch.ones(2, requires_grad=True)
        (x * 2).sum().backward()
        # an optimizer's first step/zero_grad imports torch._dynamo (about 1 s): pay it here,
        # once, not in every child that uses an optimizer
        model = torch.nn.Linear(2, 1)
        for opt in (torch.optim.SGD(model.parameters(), lr=0.1),
                    torch.optim.Adam(model.parameters())):
            torch.nn.functional.cross_entropy(model(torch.ones(3, 2)).expand(3, 2),
                                              torch.tensor([0, 1, 0])).backward()
            opt.step()
            opt.zero_grad()
        versions["torch"] = torch.__version__
    except ImportError:
        versions["torch"] = None
    try:
        import numpy
        import numpy.random

        versions["numpy"] = numpy.__version__
    except ImportError:
        versions["numpy"] = None
    # modules deck code commonly imports: loaded once here, free in every child
    import collections  # noqa: F401
    import dataclasses  # noqa: F401
    import functools  # noqa: F401
    import inspect  # noqa: F401
    import itertools  # noqa: F401
    import math  # noqa: F401
    import typing  # noqa: F401

    import quizcards.checker.sandbox  # noqa: F401

    return versions


@dataclass
class _Child:
    """A sandboxed child forked ahead of time, waiting for its job."""

    pid: int
    job_w: int
    result_r: int
    workdir: str


class Worker:
    """Runs each job in a fresh child. The next child is forked (and confined) right after
    an answer is sent, so the fork is off the path of the next check."""

    def __init__(self) -> None:
        from quizcards.checker.limits import sandbox_uid

        self.uid = sandbox_uid()
        self.spare: _Child | None = None
        self.pending: list[tuple[int, str]] = []  # (pid, workdir) of children not yet reaped

    def prepare(self) -> None:
        if self.spare is None:
            self.spare = self._fork()

    def _fork(self) -> _Child:
        workdir = tempfile.mkdtemp(prefix="quizcards-check-")
        if self.uid is not None:
            os.chown(workdir, self.uid, self.uid)
        job_r, job_w = os.pipe()
        result_r, result_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(job_w)
            os.close(result_r)
            self._child(job_r, result_w, workdir)  # never returns
        os.close(job_r)
        os.close(result_w)
        return _Child(pid, job_w, result_r, workdir)

    def _child(self, job_r: int, result_w: int, workdir: str) -> None:
        from quizcards.checker.limits import Limits, apply_limits, enter_sandbox

        me = os.getpid()
        code = 0
        try:
            try:
                isolated = enter_sandbox(workdir, self.uid, (job_r, result_w))
            except BaseException as exc:  # report it instead of running unconfined
                code = 71
                _send(result_w, _limit_verdict("error", f"sandbox setup failed: {exc!r}"))
                return
            job = _read_job(job_r)
            if job is None:  # the worker is gone or shutting down
                return
            started = time.perf_counter()
            apply_limits(Limits(float(job.get("timeout") or 2.0),
                                int(job.get("memory_mb") or 1024)))
            from quizcards.checker.sandbox import run_job

            verdict = run_job(job)
            if os.getpid() != me:  # a process the code forked got here: only we report
                os._exit(0)
            verdict["network_isolated"] = isolated
            verdict["child_ms"] = round((time.perf_counter() - started) * 1000, 2)
            self._end_descendants()
            _send(result_w, verdict)
        except BaseException as exc:
            if os.getpid() != me:
                os._exit(0)
            code = 70
            try:
                self._end_descendants()
                _send(result_w, _limit_verdict("error", f"the checker failed in the sandbox: "
                                               f"{exc!r}"))
            except BaseException:
                pass
        finally:
            os._exit(code)

    def _end_descendants(self) -> None:
        """Kill whatever the code left running, before the verdict is sent: until then no
        other process of this uid may exist (the next spare is forked only after the
        verdict), so kill(-1) reaches exactly our descendants. It is only ever sent once this
        process is verifiably the dedicated sandbox uid, never as root."""
        if self.uid is not None and os.getuid() == self.uid and os.geteuid() == self.uid:
            try:
                os.kill(-1, signal.SIGKILL)
            except OSError:
                pass

    def run(self, job: dict[str, Any]) -> dict[str, Any]:
        from quizcards.checker.limits import Limits

        limits = Limits(float(job.get("timeout") or 2.0), int(job.get("memory_mb") or 1024))
        child = self.spare or self._fork()
        self.spare = None
        started = time.perf_counter()
        try:
            data = memoryview(json.dumps(job).encode() + b"\n")
            while data:
                data = data[os.write(child.job_w, data) :]
        except OSError:
            pass  # the child died before its job: _collect reports how
        finally:
            os.close(child.job_w)
        verdict = self._collect(child.pid, child.result_r, limits, started)
        os.close(child.result_r)
        self.pending.append((child.pid, child.workdir))
        verdict["elapsed_ms"] = round((time.perf_counter() - started) * 1000, 2)
        return verdict

    def _collect(self, pid: int, r: int, limits: Any, started: float) -> dict[str, Any]:
        deadline = started + limits.timeout + GRACE
        chunks: list[bytes] = []
        size = 0
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                self._kill(pid)
                return _limit_verdict("timeout", f"the code ran past the {limits.timeout:g} s "
                                      "time limit (an endless loop?)")
            ready, _, _ = select.select([r], [], [], left)
            if not ready:
                continue
            chunk = os.read(r, 65536)
            if not chunk:
                break
            size += len(chunk)
            if size > RESULT_CAP:
                self._kill(pid)
                return _limit_verdict("crashed", "the result was too large to report")
            chunks.append(chunk)
            # one line: stop at the newline, not at EOF, so the child's exit (tearing down a
            # torch-sized address space) stays off the answer path
            if chunk.endswith(b"\n"):
                break
        if chunks:
            try:
                return json.loads(b"".join(chunks))
            except ValueError:
                pass
        # the child died without a verdict: find out how
        _, status = os.waitpid(pid, 0)
        self._kill(pid)
        return _death_verdict(status, limits)

    def _kill(self, pid: int) -> None:
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
        if self.uid is not None:
            from quizcards.checker.limits import sweep

            sweep(self.uid)

    def reap(self, block: bool = False) -> None:
        """Collect finished children and remove their folders (off the answer path)."""
        still: list[tuple[int, str]] = []
        for pid, workdir in self.pending:
            try:
                done = os.waitpid(pid, 0 if block else os.WNOHANG)[0] != 0
            except ChildProcessError:
                done = True
            if done:
                shutil.rmtree(workdir, ignore_errors=True)
            else:
                still.append((pid, workdir))
        self.pending = still

    def close(self) -> None:
        if self.spare is not None:
            os.close(self.spare.job_w)  # EOF: the spare exits without running anything
            os.close(self.spare.result_r)
            self.pending.append((self.spare.pid, self.spare.workdir))
            self.spare = None
        self.reap(block=True)


def _send(fd: int, verdict: dict[str, Any]) -> None:
    data = memoryview(json.dumps(verdict, default=repr).encode() + b"\n")
    while data:
        data = data[os.write(fd, data[:65536]) :]


def _read_job(fd: int) -> dict[str, Any] | None:
    chunks: list[bytes] = []
    while True:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
        if chunk.endswith(b"\n"):
            break
    if not chunks:
        return None
    return json.loads(b"".join(chunks))


def _limit_verdict(status: str, diagnosis: str) -> dict[str, Any]:
    return {"status": status, "correct": False, "expected": None, "got": None,
            "diagnosis": diagnosis, "near_miss": False, "malformed": False}


def _death_verdict(status: int, limits: Any) -> dict[str, Any]:
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig == signal.SIGXCPU:
            return _limit_verdict("timeout", "the code used more than its CPU time")
        if sig == signal.SIGKILL:
            return _limit_verdict("crashed", "the code was killed (SIGKILL: out of memory, "
                                  "or a process it started killed it)")
        name = signal.Signals(sig).name
        return _limit_verdict("crashed", f"the code crashed the interpreter ({name})")
    code = os.WEXITSTATUS(status)
    return _limit_verdict("crashed", f"the code ended the process (exit status {code}) "
                          "before a result was reported")


def _write(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj, default=repr) + "\n")
    sys.stdout.flush()


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the UI's Ctrl-C is not for us
    versions = _warm()
    gc.collect()
    gc.freeze()  # keep the warm heap out of the children's copy-on-write faults
    worker = Worker()
    worker.prepare()
    _write({"ready": True, "versions": versions, "pid": os.getpid(),
            "sandbox_uid": worker.uid})
    for line in sys.stdin:
        worker.reap()
        if not line.strip():
            continue
        try:
            job = json.loads(line)
        except ValueError:
            _write(_limit_verdict("error", "the worker got a malformed job"))
            continue
        if job.get("op") == "ping":
            _write({"pong": True})
            continue
        try:
            verdict = worker.run(job)
        except Exception as exc:  # the worker itself must keep serving
            verdict = _limit_verdict("error", f"the checker failed: {exc}")
        _write(verdict)
        worker.reap()
        worker.prepare()
    worker.close()


if __name__ == "__main__":
    main()

"""The checker worker: imports torch once, stays warm, runs each job in a confined child.

The only module of quizcards that imports torch. It never runs card or learner code itself
and never judges: it forks, confines (sandbox/), hands the child its job, and forwards the
child's one-line Observation as text, or says why there is none (`timeout`, `crashed`).

Protocol with the client: one JSON object per line each way. The first line the worker
writes is `{"ready": true, "versions": ..., "isolation": ...}` once torch is loaded. A job is
`{"op": "run", "job": {...}, "timeout": s, "memory_mb": n, "require": [layers]}`; the reply
is `{"status": ..., "observation": text|null, "isolation": {...}, "diagnosis": ...}`.

Each check is two processes: a supervisor that sets up namespaces and mounts and waits, and
the check itself (pid 1 of its pid namespace). They are forked from a zygote, not from the
worker: the zygote is forked right after the warm-up, before any job, and never receives job
data, so a check's memory never holds an earlier job (a reference solution, the values it
gave). The zygote hands the worker each new check's pipes and a pidfd over a unix socket.
The next pair is made right after a reply, off the path of the next check. Neither the
worker nor the zygote runs threads of its own, so forking is safe.
"""

from __future__ import annotations

import gc
import json
import os
import select
import shutil
import signal
import socket
import sys
import time
from dataclasses import dataclass
from typing import Any

from quizcards.checker.protocol import MAX_REPLY_BYTES
from quizcards.core.limits import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT

GRACE = 0.25  # seconds past the card's timeout before the check is killed
SETUP_TIMEOUT = 20.0  # seconds for a spare to report its confinement
READY_CAP = 64 << 10


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
    # modules card code commonly imports: loaded once here, free (and readable) in every child
    import collections  # noqa: F401
    import dataclasses  # noqa: F401
    import decimal  # noqa: F401
    import fractions  # noqa: F401
    import functools  # noqa: F401
    import inspect  # noqa: F401
    import itertools  # noqa: F401
    import math  # noqa: F401
    import operator  # noqa: F401
    import typing  # noqa: F401

    import quizcards.checker.run  # noqa: F401

    return versions


@dataclass
class _Spare:
    """A confined check waiting for its job (its supervisor's pid is `pid`)."""

    pid: int
    job_w: int
    result_r: int
    status_r: int  # the supervisor writes the check's fate here when it ends
    pidfd: int | None
    uid: int | None
    ready: dict[str, Any] | None = None
    status: int | None = None


class ZygoteGone(Exception):
    """The zygote died: the worker cannot make checks any more and must be restarted."""


class Worker:
    def __init__(self, plan: Any) -> None:
        self.plan = plan
        self.spare: _Spare | None = None
        self.pending: list[_Spare] = []  # checks whose supervisor has not reported yet
        self.counter = 0
        self.control, self.zygote = _start_zygote(plan)

    # -- making checks -------------------------------------------------------------------
    def prepare(self) -> None:
        if self.spare is None:
            self.spare = self._fork()

    def _fork(self) -> _Spare:
        from quizcards.checker.sandbox import limits

        self.counter += 1
        uid = limits.fresh_uid(os.getpid(), self.counter) if self.plan.root else None
        try:
            self.control.sendall(f"{uid if uid is not None else '-'}\n".encode())
            message, fds, _, _ = socket.recv_fds(self.control, 64, 4)
        except OSError as exc:
            raise ZygoteGone(str(exc)) from None
        if not message:
            raise ZygoteGone("the zygote ended")
        job_w, result_r, status_r, *rest = fds
        return _Spare(int(message), job_w, result_r, status_r, rest[0] if rest else None, uid)

    # -- running -----------------------------------------------------------------------------
    def run(self, request: dict[str, Any]) -> dict[str, Any]:
        timeout = float(request.get("timeout") or DEFAULT_TIMEOUT)
        spare = self.spare or self._fork()
        self.spare = None
        self.pending.append(spare)
        started = time.perf_counter()
        try:
            ready = self._read_ready(spare)
        except _NoReply as exc:
            self._kill(spare)
            os.close(spare.job_w)
            return _reply("crashed", f"the sandbox could not be set up: {exc}")
        isolation = ready.get("isolation") or {}
        missing = [layer for layer in request.get("require") or [] if not isolation.get(layer)]
        if missing:
            self._kill(spare)
            os.close(spare.job_w)
            reply = _reply("refused", "not run: " + ", ".join(missing) + " missing")
            reply["isolation"] = isolation
            return reply
        try:
            data = memoryview(json.dumps(request["job"]).encode() + b"\n")
            while data:
                data = data[os.write(spare.job_w, data):]
        except OSError:
            pass  # the check died before its job: collecting tells how
        finally:
            os.close(spare.job_w)
        reply = self._collect(spare, timeout, started)
        reply["isolation"] = isolation
        reply["elapsed_ms"] = round((time.perf_counter() - started) * 1000, 2)
        return reply

    def _read_line(self, fd: int, deadline: float, cap: int) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise _Late
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                return b"".join(chunks) if chunks else None
            newline = chunk.find(b"\n")
            if newline >= 0:  # one line: stop at the newline, not at EOF, so the child's
                chunks.append(chunk[:newline])  # exit (a torch-sized teardown) stays off path
                return b"".join(chunks) + b"\n"
            size += len(chunk)
            if size > cap:
                raise _TooLarge
            chunks.append(chunk)

    def _read_ready(self, spare: _Spare) -> dict[str, Any]:
        if spare.ready is not None:
            return spare.ready
        try:
            line = self._read_line(spare.result_r, time.perf_counter() + SETUP_TIMEOUT,
                                   READY_CAP)
        except (_Late, _TooLarge):
            raise _NoReply("no report from the sandbox") from None
        if not line or not line.endswith(b"\n"):
            raise _NoReply(self._death(spare, 2.0) or "the sandbox process ended")
        try:
            ready = json.loads(line)
        except ValueError:
            raise _NoReply("a malformed report from the sandbox") from None
        if not ready.get("ready"):
            raise _NoReply(str(ready.get("error", "confinement failed"))[:500])
        spare.ready = ready
        return ready

    def _collect(self, spare: _Spare, timeout: float, started: float) -> dict[str, Any]:
        deadline = started + timeout + GRACE
        try:
            line = self._read_line(spare.result_r, deadline, MAX_REPLY_BYTES)
        except _Late:
            self._kill(spare)
            return _reply("timeout", f"the code ran past the {timeout:g} s time limit "
                          "(an endless loop?)")
        except _TooLarge:
            self._kill(spare)
            return _reply("crashed", "the result was too large to report")
        if line and line.endswith(b"\n"):
            try:
                return {"status": "ok", "observation": line[:-1].decode("utf-8"),
                        "diagnosis": ""}
            except UnicodeDecodeError:
                self._kill(spare)
                return _reply("crashed", "the result was not UTF-8 text")
        why = self._death(spare, 2.0)
        self._kill(spare)
        return _reply("crashed", why or "the code ended before a result was reported")

    def _status(self, spare: _Spare, wait: float) -> int | None:
        """The check's fate as its supervisor reported it (exit code, or 128 + the signal);
        None while it has not ended. Waits up to `wait` seconds."""
        if spare.status is not None:
            return spare.status
        ready, _, _ = select.select([spare.status_r], [], [], max(0.0, wait))
        if not ready:
            return None
        data = os.read(spare.status_r, 64)
        try:
            spare.status = int(data.strip() or b"-1")
        except ValueError:
            spare.status = -1
        return spare.status

    def _death(self, spare: _Spare, wait: float) -> str | None:
        """How the check ended, from its supervisor's report (waits up to `wait` s)."""
        status = self._status(spare, wait)
        return None if status is None else _death_text(status)

    def _kill(self, spare: _Spare) -> None:
        try:  # the check dies with its supervisor (PDEATHSIG); a pidfd never hits a reused pid
            if spare.pidfd is not None:
                signal.pidfd_send_signal(spare.pidfd, signal.SIGKILL)
        except OSError:
            pass
        if spare.uid is not None:
            from quizcards.checker.sandbox import limits

            limits.sweep(spare.uid)  # where no pid namespace took the stragglers down

    def _cleanup(self, spare: _Spare) -> None:
        for fd in (spare.result_r, spare.status_r, spare.pidfd):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        folder = os.path.join(self.plan.scratch, f"check-{spare.pid}")
        if os.path.isdir(folder):
            shutil.rmtree(folder, ignore_errors=True)

    def reap(self, block: bool = False) -> None:
        """Forget finished checks (off the answer path); the zygote reaps the processes."""
        still: list[_Spare] = []
        for spare in self.pending:
            if self._status(spare, 5.0 if block else 0.0) is not None:
                self._cleanup(spare)
            else:
                still.append(spare)
        self.pending = still

    def close(self) -> None:
        if self.spare is not None:
            os.close(self.spare.job_w)  # EOF: the spare exits without running anything
            self.pending.append(self.spare)
            self.spare = None
        for spare in self.pending:
            self._kill(spare)
        self.reap(block=True)
        self.control.close()  # the zygote sees EOF and ends
        try:
            os.waitpid(self.zygote, 0)
        except ChildProcessError:
            pass
        shutil.rmtree(self.plan.scratch, ignore_errors=True)


class _Late(Exception):
    pass


class _TooLarge(Exception):
    pass


class _NoReply(Exception):
    pass


def _reply(status: str, diagnosis: str) -> dict[str, Any]:
    return {"status": status, "observation": None, "diagnosis": diagnosis}


def _death_text(code: int) -> str:
    """Words for the fate a supervisor reports: the check's exit code, or 128 + a signal."""
    if code < 0:
        return "the check was killed"
    if code >= 128:  # the supervisor reports the check's signal as 128 + signal
        sig = code - 128
        if sig == signal.SIGXCPU:
            return "the code used more than its CPU time"
        if sig == signal.SIGKILL:
            return "the code was killed (SIGKILL: out of memory, or it killed itself)"
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = f"signal {sig}"
        return f"the code crashed the interpreter ({name})"
    if code == 71:
        return "the sandbox could not be set up"
    return f"the code ended the process (exit status {code}) before a result was reported"


# -- the zygote and the two processes of a check --------------------------------------------
def _start_zygote(plan: Any) -> tuple[socket.socket, int]:
    """Fork the zygote now, while the worker has held no job; returns its socket and pid."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    worker = os.getpid()
    pid = os.fork()
    if pid == 0:
        ours.close()
        _zygote(plan, theirs, worker)  # never returns
    theirs.close()
    return ours, pid


def _zygote(plan: Any, control: socket.socket, worker: int) -> None:
    """Make one check per request ("<uid>" or "-"), forked from this clean process, and
    send back its supervisor's pid with the job, result and status pipes and a pidfd."""
    from quizcards.checker.sandbox import limits

    code = 0
    try:
        limits.die_with_parent()
        if os.getppid() != worker:
            os._exit(1)
        limits.only_fds({control.fileno()})
        me = os.getpid()
        reader = control.makefile("rb")
        for line in reader:
            while True:  # collect the supervisors that have ended
                try:
                    if os.waitpid(-1, os.WNOHANG)[0] == 0:
                        break
                except ChildProcessError:
                    break
            text = line.decode().strip()
            uid = None if text == "-" else int(text)
            job_r, job_w = os.pipe()
            result_r, result_w = os.pipe()
            status_r, status_w = os.pipe()
            pid = os.fork()
            if pid == 0:
                reader.close()
                control.close()
                for fd in (job_w, result_r, status_r):
                    os.close(fd)
                _supervise(plan, uid, job_r, result_w, status_w, me)  # never returns
            for fd in (job_r, result_w, status_w):
                os.close(fd)
            fds = [job_w, result_r, status_r]
            try:
                pidfd = os.pidfd_open(pid)  # before this process could reap it
                fds.append(pidfd)
            except (OSError, AttributeError):
                pidfd = None
            socket.send_fds(control, [f"{pid}\n".encode()], fds)
            for fd in fds:
                os.close(fd)
    except BaseException:
        code = 1
    finally:
        os._exit(code)


def _supervise(plan: Any, uid: int | None, job_r: int, result_w: int, status_w: int,
               parent: int) -> None:
    """The supervisor: namespaces and mounts, then the check as its child; reports the
    check's fate (its exit code, or 128 + the signal that killed it) and exits."""
    code = 71
    try:
        from quizcards.checker import sandbox
        from quizcards.checker.sandbox import limits

        limits.die_with_parent()
        if os.getppid() != parent:
            os._exit(code)
        os.setsid()
        limits.only_fds({job_r, result_w, status_w})
        try:
            workdir, state = sandbox.setup(plan, uid)
        except BaseException as exc:
            _send(result_w, {"ready": False, "error": f"sandbox setup failed: {exc!r}"})
            os._exit(code)
        pid = os.fork()
        if pid == 0:
            os.close(status_w)
            _check(plan, uid, job_r, result_w, workdir, state)  # never returns
        os.close(job_r)
        os.close(result_w)
        while True:
            try:
                _, status = os.waitpid(pid, 0)
                break
            except InterruptedError:
                continue
        code = os.waitstatus_to_exitcode(status)
        code = 128 - code if code < 0 else min(code, 127)
    except BaseException:
        pass
    finally:
        try:
            os.write(status_w, f"{code}\n".encode())
        except OSError:
            pass
        os._exit(code)


def _check(plan: Any, uid: int | None, job_r: int, result_w: int, workdir: str,
           state: dict[str, Any]) -> None:
    """The check itself: confine, report the layers, then read the job, run it, report."""
    code = 0
    try:
        from quizcards.checker import sandbox
        from quizcards.checker.sandbox import limits

        vm_base = limits.vm_size()
        try:
            isolation = sandbox.confine(plan, uid, workdir, state, {job_r, result_w})
        except BaseException as exc:  # never run unconfined: report and stop
            _send(result_w, {"ready": False, "error": f"confinement failed: {exc!r}"})
            os._exit(72)
        _send(result_w, {"ready": True, "isolation": isolation})
        job = _read_job(job_r)
        if job is None:  # the worker is gone or shutting down
            os._exit(0)
        limits.job_limits(float(job.get("timeout") or DEFAULT_TIMEOUT),
                          int(job.get("memory_mb") or DEFAULT_MEMORY_MB), vm_base)
        from quizcards.checker.protocol import dumps
        from quizcards.checker.run import run

        observation = run(job)
        data = memoryview(dumps(observation))
        while data:
            data = data[os.write(result_w, data[:65536]):]
    except BaseException:
        code = 70
    finally:
        os._exit(code)


def _send(fd: int, obj: dict[str, Any]) -> None:
    data = memoryview(json.dumps(obj, default=repr).encode() + b"\n")
    while data:
        data = data[os.write(fd, data[:65536]):]


def _warm_unless_orphaned(parent: int | None) -> dict[str, Any]:
    """Warm up (seconds of torch imports) while watching the app: stdin is not read until
    then, so an app killed meanwhile would leave this worker burning a core for seconds.
    `parent` is the app's pid as the app saw it (so an app killed before this line ran is
    noticed too); None when a launcher stands between. The watcher ends before anything
    forks (the zygote must not inherit a thread)."""
    import threading

    if not isinstance(parent, int):
        parent = os.getppid()
    if os.getppid() != parent:
        os._exit(0)
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.2):
            if os.getppid() != parent:  # reparented: the app is gone
                os._exit(0)

    watcher = threading.Thread(target=watch, name="quizcards-orphan-watch", daemon=True)
    watcher.start()
    try:
        return _warm()
    finally:
        done.set()
        watcher.join()


def _read_job(fd: int) -> dict[str, Any] | None:
    chunks: list[bytes] = []
    while True:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
    if not chunks:
        return None
    return json.loads(b"".join(chunks))


def _write(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj, default=repr) + "\n")
    sys.stdout.flush()


def main() -> None:
    from quizcards.checker import sandbox

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the UI's Ctrl-C is not for us
    options = json.loads(os.environ.get("QUIZCARDS_WORKER", "{}") or "{}")
    versions = _warm_unless_orphaned(options.get("parent"))
    gc.collect()
    gc.freeze()  # keep the warm heap out of the children's copy-on-write faults
    plan = sandbox.make_plan(sandbox.scratch_folder(), list(options.get("private") or []),
                             frozenset(options.get("disable") or []))
    worker = Worker(plan)
    worker.prepare()
    try:
        isolation = worker._read_ready(worker.spare).get("isolation")  # type: ignore[arg-type]
    except _NoReply as exc:
        isolation = {"error": str(exc)}
        worker.spare = None
    _write({"ready": True, "versions": versions, "pid": os.getpid(), "isolation": isolation,
            "python_roots": list(plan.python_roots)})
    for line in sys.stdin:
        worker.reap()
        if not line.strip():
            continue
        try:
            request = json.loads(line)
        except ValueError:
            _write(_reply("error", "the worker got a malformed job"))
            continue
        if request.get("op") == "ping":
            _write({"pong": True})
            continue
        try:
            reply = worker.run(request)
        except ZygoteGone:
            raise  # nothing more can run here: the client restarts the worker
        except Exception as exc:  # the worker itself must keep serving
            reply = _reply("error", f"the checker failed: {exc}")
        _write(reply)
        worker.reap()
        worker.prepare()
    worker.close()


if __name__ == "__main__":
    main()

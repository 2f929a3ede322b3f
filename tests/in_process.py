"""The checker with the worker's child side run by the test itself, not by the worker.

`run_here(job)` runs a job through `checker/run.py` in the test's own process, as the
sandboxed child does; `LocalChecker` is the real `Checker` (truth cache, programs, judging,
suggested grade) whose jobs run that way, their Observation crossing `protocol.dumps` and
`Run.from_reply` as a worker's reply would. A mutation test's mutants are active in this
process, and mutmut sees which tests call run.py's functions; a test that starts the real
worker runs run.py in a process that never sees them.

Nothing is confined: only for the tests' own snippets. A job runs in a fresh temporary
folder, and the builtins (and torch's default dtype, when torch is loaded) are restored after
it. The snippets use numpy, not torch: mutmut forks a process per mutant from the one that
ran the tests, and a process holding torch takes several times longer to fork and run; when
torch is loaded anyway it is kept to one thread, as in the worker, because a fork after
OpenMP started its threads can hang the child.
"""

from __future__ import annotations

import builtins
import json
import os
import sys
import tempfile
from typing import Any

from quizcards.checker.client import Checker
from quizcards.checker.protocol import dumps
from quizcards.checker.run import run

ISOLATION = {"landlock": True, "seccomp": True}

if "torch" in sys.modules:
    sys.modules["torch"].set_num_threads(1)


def run_here(job: dict[str, Any]) -> dict[str, Any]:
    """One job run in this process, as the sandboxed child runs it (the job crosses JSON, as
    from the worker). It runs in a fresh temporary folder, and the builtins and torch's
    default dtype are restored after it."""
    saved = dict(builtins.__dict__)
    torch = sys.modules.get("torch")
    dtype = torch.get_default_dtype() if torch is not None else None
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="qc-in-process-") as folder:
        os.chdir(folder)
        try:
            return run(json.loads(json.dumps(job)))
        finally:
            os.chdir(cwd)
            for name in set(builtins.__dict__) - set(saved):
                del builtins.__dict__[name]
            builtins.__dict__.update(saved)
            if torch is not None:
                torch.set_default_dtype(dtype)


def reply_for(job: dict[str, Any]) -> dict[str, Any]:
    """The worker's reply to a job that ran to its end: its Observation as the child sends it
    (protocol.dumps), here from run_here."""
    text = dumps(run_here(job)).decode("utf-8", "surrogatepass")
    return {"status": "ok", "observation": text, "isolation": dict(ISOLATION),
            "elapsed_ms": 1.5}


class LocalChecker(Checker):
    """A Checker whose jobs run in the test's process (see the module's docstring)."""

    def __init__(self) -> None:
        super().__init__(workers=1)
        self.requests: list[dict[str, Any]] = []

    def run_request(self, request: dict[str, Any]) -> dict[str, Any]:
        self.requests.append(request)
        return reply_for(request["job"])

    def start(self) -> None:  # no worker to start
        return None


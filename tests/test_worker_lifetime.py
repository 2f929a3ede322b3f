"""A worker never outlives its app by more than a moment, even while torch is loading."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

APP = """
import sys, time
from quizcards.checker.client import Checker
c = Checker()
c.start()
print(c._clients[0]._proc.pid, flush=True)
time.sleep(60)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_killing_the_app_while_torch_loads_ends_the_worker() -> None:
    app = subprocess.Popen([sys.executable, "-c", APP], stdout=subprocess.PIPE, text=True)
    assert app.stdout is not None
    worker = int(app.stdout.readline())
    time.sleep(0.05)  # the worker may not even have started its Python yet
    assert _alive(worker)
    os.kill(app.pid, signal.SIGKILL)  # a closed terminal, an OOM kill, a kill -9
    app.wait()
    deadline = time.monotonic() + 3.0
    while _alive(worker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(worker), "the worker went on warming up after its app was killed"


def test_closing_while_torch_loads_returns_at_once() -> None:
    """Quitting in the first seconds (the worker still importing torch, not reading its
    stdin) used to wait 2 s for an EOF it could not see."""
    from quizcards.checker.client import Checker

    checker = Checker()
    checker.start()
    time.sleep(0.2)
    started = time.monotonic()
    checker.close()
    assert time.monotonic() - started < 1.0

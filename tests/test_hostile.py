"""Hostile snippets: each gives a verdict within its limit (+0.5 s), writes nothing outside
its temporary folder, and leaves the worker serving.

The fork bomb is safe to run here: the child drops to a dedicated uid whose process count
is capped (or, when not root, RLIMIT_NPROC binds the user itself), and every leftover process
of that uid is killed after the check.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from quizcards.checker.client import Checker
from quizcards.core.models import Deck

LIMIT = 2.0
MARKER = "quizcards-hostile-marker"

HOSTILE = {
    "endless loop": ("while True:\n    pass", {"timeout"}),
    "10**11 floats (torch)": ("x = torch.empty(10**11)", {"memory"}),
    "10**11 floats (list)": ("x = [0.0] * 10**11", {"memory"}),
    "fork bomb": ("import os\nwhile True:\n    os.fork()", {"crashed", "timeout"}),
    "write into HOME": (
        f"import os, pwd\nfor home in (os.path.expanduser('~'), pwd.getpwuid(0).pw_dir,\n"
        f"             '{Path.home()}'):\n"
        f"    try:\n        open(os.path.join(home, '{MARKER}'), 'w').write('x')\n"
        f"    except OSError:\n        pass\n"
        "result = torch.ones(1)",
        {"ok"},
    ),
    "connect a socket": (
        "import socket\ns = socket.create_connection(('127.0.0.1', 22), timeout=1)\n"
        "result = torch.ones(1)",
        {"error"},
    ),
    "kill the parent": ("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n"
                        "result = torch.ones(1)", {"error"}),
    "sys.exit": ("import sys\nsys.exit(3)", {"error"}),
    "os._exit": ("import os\nos._exit(3)", {"crashed"}),
    "segfault": ("import ctypes\nctypes.string_at(0)", {"crashed"}),
    "print 100 MB": ("print('x' * 10**8)", {"crashed"}),
    "print forever": ("while True:\n    print('spam' * 1000)", {"crashed"}),
    "deep recursion": ("def f(n):\n    return f(n + 1)\nf(0)", {"error"}),
    "deep recursion, limit lifted": (
        "import sys\nsys.setrecursionlimit(10**8)\ndef f(n):\n    return f(n + 1)\nf(0)",
        {"crashed", "timeout"},
    ),
}


def _deck(code: str) -> Deck:
    return Deck.model_validate({
        "id": "hostile", "title": "Hostile", "setup": "import torch",
        "cards": [{"id": "h", "kind": "shape", "prompt": "?", "code": code, "timeout": LIMIT}],
    })


@pytest.fixture(scope="module")
def hostile_checker():
    with Checker() as c:
        c._clients[0].wait_ready()
        yield c


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_snippet(hostile_checker: Checker, name: str) -> None:
    code, statuses = HOSTILE[name]
    client = hostile_checker._clients[0]
    pid_before = client.info["pid"]
    deck = _deck(code)
    started = time.monotonic()
    verdict = hostile_checker.check(deck, deck.cards[0], "(1,)")
    took = time.monotonic() - started
    assert verdict.status in statuses, (verdict.status, verdict.diagnosis)
    assert took <= LIMIT + 0.5, took
    # nothing written outside the child's own folder
    for home in {Path.home(), Path(os.path.expanduser("~")), Path("/root")}:
        assert not (home / MARKER).exists()
    # the same warm worker still serves, and answers right
    ok = _deck("result = torch.ones(2, 3)")
    after = hostile_checker.check(ok, ok.cards[0], "2x3")
    assert after.correct and after.status == "ok"
    assert client.info["pid"] == pid_before and client.restarts == 0


def test_network_is_cut_where_the_os_allows(hostile_checker: Checker) -> None:
    deck = _deck("result = torch.ones(1)")
    raw = hostile_checker.run_job({"kind": "shape", "setup": "import torch",
                                   "code": "result = torch.ones(1)", "answer": "(1,)",
                                   "options": {}, "seed": 0, "timeout": 2})
    if os.geteuid() == 0:
        assert raw["network_isolated"] is True
    assert deck.cards


def test_environment_is_scrubbed(hostile_checker: Checker, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = hostile_checker.run_job({
        "kind": "value", "setup": "import os", "options": {}, "seed": 0, "timeout": 2,
        "code": "result = sorted(k for k in os.environ)", "answer": None})
    names = eval(raw["expected"])
    assert "QUIZCARDS_HOME" not in names and "HOME" in names
    assert set(names) <= {"HOME", "TMPDIR", "PATH", "LANG", "LC_ALL", "OMP_NUM_THREADS",
                          "MKL_NUM_THREADS"}


def test_a_dead_worker_restarts_by_itself() -> None:
    with Checker() as checker:
        client = checker._clients[0]
        client.wait_ready()
        os.kill(client.info["pid"], 9)
        deck = _deck("result = torch.ones(4)")
        verdict = checker.check(deck, deck.cards[0], "(4,)")
        assert verdict.correct
        assert client.restarts == 1


def test_no_temporary_folders_are_left_behind(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the worker makes its folders here
    deck = _deck("open('scratch.txt', 'w').write('x')\nresult = torch.ones(1)")
    with Checker() as checker:
        for _ in range(3):
            assert checker.check(deck, deck.cards[0], "(1,)").correct
        time.sleep(0.2)
        checker.run_job({"op": "ping"})  # the worker reaps finished children between jobs
        # at most the pre-forked spare's folder is left while the worker runs
        assert len(list(tmp_path.glob("quizcards-check-*"))) <= 1
    assert list(tmp_path.glob("quizcards-check-*")) == []  # and none once it has stopped

"""The sandbox's layers one at a time, what happens where one is missing, and how the worker
starts. The hostile corpus (tests/redteam) attacks them all together."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from quizcards.checker.client import Checker, WorkerOptions, make_checker
from quizcards.config import CheckerConfig, Config
from quizcards.core.models import Deck

REPO = Path(__file__).resolve().parent.parent
NAMESPACES = ("user_ns", "mount_ns", "pid_ns", "net_ns", "ipc_ns")


def deck(code: str, kind: str = "value", **fields: object) -> Deck:
    return Deck.model_validate({"id": "s", "title": "S", "setup": "import torch",
                                "cards": [{"id": "c", "kind": kind, "prompt": "?", "code": code,
                                           **fields}]})


def truth(checker: Checker, code: str, shipped: bool = True) -> str | None:
    d = deck(code)
    verdict = checker.check(d, d.cards[0], None, shipped=shipped)
    assert verdict.status == "ok", verdict.diagnosis
    return verdict.expected


@pytest.fixture(scope="module")
def outside() -> Iterator[Path]:
    """A folder outside /tmp and the homes (so no tmpfs hides it) with a readable secret."""
    base = Path("/var/tmp") if os.path.isdir("/var/tmp") else Path.home()
    folder = base / f"quizcards-sandbox-{secrets.token_hex(4)}"
    folder.mkdir()
    (folder / "secret.txt").write_text("SANDBOXSECRET")
    (folder / "secret.txt").chmod(0o644)
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def checker_without(*layers: str) -> Checker:
    return Checker(options=WorkerOptions(disable=layers))


READ = ("try:\n    result = open('{p}').read()\nexcept OSError as e:\n"
        "    result = type(e).__name__")
WRITE = ("try:\n    open('{p}', 'w').write('x')\n    result = 'written'\n"
         "except OSError as e:\n    result = type(e).__name__")


def test_landlock_alone_keeps_reads_and_writes_in(outside: Path) -> None:
    with checker_without("seccomp", *NAMESPACES) as checker:
        iso = checker.isolation
        assert iso["landlock"] and not iso["seccomp"] and not iso["mount_ns"]
        assert truth(checker, READ.format(p=outside / "secret.txt")) == "'PermissionError'"
        assert truth(checker, WRITE.format(p=outside / "new.txt")) == "'PermissionError'"
        assert truth(checker, WRITE.format(p="scratch.txt")) == "'written'"  # its own folder
    assert not (outside / "new.txt").exists()


def test_seccomp_alone_refuses_sockets_processes_and_metadata(outside: Path) -> None:
    code = ("import os, socket\nout = []\n"
            "for fn in (lambda: socket.socket(), os.fork, lambda: os.chmod('.', 0o777),\n"
            "           lambda: os.execv('/bin/true', ['true'])):\n"
            "    try:\n        fn()\n        out.append('done')\n"
            "    except OSError as e:\n        out.append(type(e).__name__)\nresult = out")
    with checker_without("landlock", *NAMESPACES) as checker:
        iso = checker.isolation
        assert iso["seccomp"] and not iso["landlock"]
        assert truth(checker, code) == "['PermissionError', 'PermissionError', " \
                                       "'PermissionError', 'PermissionError']"


def test_namespaces_alone_cut_the_network_and_hide_the_host(outside: Path) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    marker = Path(tempfile.gettempdir()) / f"quizcards-host-{secrets.token_hex(4)}"
    marker.write_text("host")
    code = ("import os, socket\nout = []\ntry:\n"
            f"    socket.create_connection(('127.0.0.1', {port}), timeout=0.5)\n"
            "    out.append('connected')\nexcept OSError as e:\n    out.append(type(e).__name__)\n"
            f"out.append(os.path.exists({str(marker)!r}))\n"
            "out.append(len([p for p in os.listdir('/proc') if p.isdigit()]))\nresult = out")
    try:
        with checker_without("landlock", "seccomp") as checker:
            iso = checker.isolation
            if not iso["net_ns"] or not iso["mount_ns"] or not iso["pid_ns"]:
                pytest.skip(f"this kernel refuses namespaces here: {iso['missing']}")
            out = truth(checker, code)
        assert out == "['OSError', False, 1]"  # no network, a private /tmp, only itself
        assert marker.read_text() == "host"  # the host's /tmp is untouched
    finally:
        listener.close()
        marker.unlink()


def test_mounts_never_reach_the_host() -> None:
    before = Path("/proc/self/mountinfo").read_text()
    with make_checker() as checker:
        if not checker.isolation["mount_ns"]:
            pytest.skip(f"no mount namespace here: {checker.isolation['missing']}")
        folder = truth(checker, "import os\nopen('inside', 'w').write('x')\n"
                                "result = os.getcwd()")
    assert folder == "'/tmp/check'"  # its folder is in a tmpfs of its own
    assert Path("/proc/self/mountinfo").read_text() == before
    assert not Path("/tmp/check/inside").exists()


def test_a_missing_layer_needs_an_opt_in_outside_the_shipped_decks() -> None:
    d = deck("result = 2 + 2")
    with checker_without("landlock") as checker:
        iso = checker.isolation
        assert iso["landlock"] is False and iso["missing"]["landlock"] == "disabled"
        refused = checker.check(d, d.cards[0], "4", shipped=False)
        assert refused.status == "error" and not refused.correct
        assert "lacks landlock (disabled)" in refused.diagnosis
        assert "allow_weak_sandbox = true" in refused.diagnosis
        assert checker.check(d, d.cards[0], "4", shipped=True).correct  # shipped decks run
    with Checker(allow_weak=True, options=WorkerOptions(disable=("seccomp",))) as checker:
        assert checker.check(d, d.cards[0], "4", shipped=False).correct  # opted in


def _user_deck(home: Path) -> Path:
    folder = home / "data" / "decks"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "mine.yaml"
    path.write_text("id: mine\ntitle: Mine\ncards:\n  - id: four\n    kind: value\n"
                    "    prompt: '2 + 2?'\n    code: result = 2 + 2\n")
    return path


def _cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
         prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*prefix, sys.executable, "-m", "quizcards", *args], text=True,
                          capture_output=True, env=env, cwd=cwd, timeout=240)


def test_the_cli_says_what_is_missing_and_how_to_opt_in(tmp_path: Path) -> None:
    path = _user_deck(tmp_path)
    env = {**os.environ, "QUIZCARDS_HOME": str(tmp_path), "QUIZCARDS_SANDBOX_DISABLE": "seccomp"}
    out = _cli("check", str(path), "four", "--answer", "4", "--json", env=env)
    data = json.loads(out.stdout)
    assert out.returncode == 0 and data["status"] == "error" and not data["correct"]
    assert "lacks seccomp" in data["diagnosis"] and "--allow-weak-sandbox" in data["diagnosis"]
    out = _cli("check", str(path), "four", "--answer", "4", "--json", "--allow-weak-sandbox",
               env=env)
    assert json.loads(out.stdout)["correct"] is True
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.toml").write_text("[checker]\nallow_weak_sandbox = true\n")
    out = _cli("check", str(path), "four", "--answer", "4", "--json", env=env)
    assert json.loads(out.stdout)["correct"] is True
    shipped = REPO / "decks" / "torch-dim.yaml"
    out = _cli("check", str(shipped), "max-dim1-shape", "--answer", "(3, 4)", "--json",
               env={**env, "QUIZCARDS_HOME": str(tmp_path / "other")})
    data = json.loads(out.stdout)
    assert data["correct"] is True and data["isolation"]["seccomp"] is False


def _planted(folder: Path, marker: Path) -> None:
    for name in ("torch", "numpy", "json", "quizcards"):
        (folder / f"{name}.py").write_text(f"open({str(marker)!r}, 'a').write('{name} ')\n")
    folder.chmod(0o1777)


@pytest.mark.parametrize("identity", ["self", "user"])
def test_a_module_planted_in_the_current_folder_never_runs(tmp_path: Path,
                                                           identity: str) -> None:
    prefix: tuple[str, ...] = ()
    if identity == "user":
        if os.geteuid() != 0:
            pytest.skip("already an ordinary user: the 'self' case covers it")
        index = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
        prefix = (sys.executable, str(REPO / "tests" / "as_user.py"), str(4343 + index), "--")
    base = Path("/var/tmp") if os.path.isdir("/var/tmp") else tmp_path
    folder = Path(tempfile.mkdtemp(prefix="quizcards-planted-", dir=base))
    marker = folder / "MARKER"
    try:
        _planted(folder, marker)
        script = shutil.which("quizcards") or str(Path(sys.executable).parent / "quizcards")
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
               "QUIZCARDS_HOME": str(folder / "home")}
        out = subprocess.run(
            [*prefix, script, "check", str(REPO / "decks" / "torch-dim.yaml"),
             "max-dim1-shape", "--answer", "(3, 4)", "--json"],
            cwd=folder, env=env, text=True, capture_output=True, timeout=240)
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)["correct"] is True
        assert not marker.exists(), marker.read_text()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_the_worker_starts_isolated() -> None:
    os.environ["QUIZCARDS_TEST_LEAK"] = "leak"
    try:
        with make_checker() as checker:
            info = checker._clients[0].wait_ready()
            pid = info["pid"]
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
            names = {e.split(b"=", 1)[0].decode() for e in environ if e}
            assert "QUIZCARDS_TEST_LEAK" not in names and "QUIZCARDS_HOME" not in names
            cwd = os.readlink(f"/proc/{pid}/cwd")
            assert Path(cwd).name.startswith("quizcards-home-") and cwd != os.getcwd()
            assert (os.stat(cwd).st_mode & 0o777) == 0o700
            code = ("import os\nresult = (sorted(os.environ), os.getcwd())")
            names_in_check = truth(checker, code)
    finally:
        del os.environ["QUIZCARDS_TEST_LEAK"]
    assert "QUIZCARDS" not in str(names_in_check)


def test_config_limits_are_the_defaults() -> None:
    config = Config(checker=CheckerConfig(timeout=0.5, memory_mb=256))
    d = deck("while True:\n    pass")
    with make_checker(config=config) as checker:
        checker._clients[0].wait_ready()
        started = time.monotonic()
        verdict = checker.check(d, d.cards[0], None)
        assert verdict.status == "timeout" and "0.5 s" in verdict.diagnosis
        assert time.monotonic() - started < 2.0
        big = deck("x = bytearray(600 << 20)\nresult = 1")
        assert checker.check(big, big.cards[0], None).status == "memory"


def test_a_dead_worker_restarts_by_itself() -> None:
    with make_checker() as checker:
        client = checker._clients[0]
        client.wait_ready()
        os.kill(client.info["pid"], 9)
        d = deck("result = torch.ones(4)", kind="shape")
        assert checker.check(d, d.cards[0], "(4,)").correct
        assert client.restarts == 1


def test_nothing_is_left_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the worker's private folder is made here
    d = deck("open('scratch.txt', 'w').write('x')\nresult = 1")
    with make_checker() as checker:
        for _ in range(3):
            assert checker.check(d, d.cards[0], "1").correct
        assert [p.name[:15] for p in tmp_path.iterdir()] == ["quizcards-home-"]
    assert list(tmp_path.iterdir()) == []


def test_card_code_has_a_writable_temporary_folder(checker: Checker) -> None:
    """tempfile (torch.compile, NamedTemporaryFile) writes into the check's own folder, not
    the worker's (which the check may not write): it once raised PermissionError."""
    code = ("import os, tempfile\n"
            "with tempfile.NamedTemporaryFile() as f:\n"
            "    f.write(b'x'); f.flush()\n"
            "    inside = os.path.dirname(f.name) == os.getcwd()\n"
            "result = (inside, tempfile.gettempdir() == os.environ['TMPDIR'])")
    assert truth(checker, code) == "(True, True)"

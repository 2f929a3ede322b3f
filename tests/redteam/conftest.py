"""The red-team arena: a warm checker running as root or as an ordinary uid, and things worth
attacking around it (a secret, files the identity owns, listening sockets, a database).

Each identity gets its own session-wide arena. As root the suite also runs the checker as an
unprivileged throwaway uid (through tests/as_user.py); run as an ordinary user, the suite is
that user, and the root arena is skipped with the reason printed.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from quizcards.checker.client import Checker, WorkerOptions
from quizcards.core.models import Deck

HERE = Path(__file__).resolve().parent
AS_USER = HERE.parent / "as_user.py"
USER_UID = 4242  # a throwaway uid: no account, no files of its own but the arena's
FRESH_UID_BASE = 2_000_000_000


def _free_uid(preferred: int) -> int:
    uid = preferred
    while True:
        try:
            pwd.getpwuid(uid)
        except KeyError:
            return uid
        uid += 1


@dataclass
class Arena:
    identity: str  # "root" | "user"
    uid: int
    checker: Checker
    root: Path  # targets, owned by the identity, outside /tmp (so no tmpfs hides them)
    secret: str
    tcp: socket.socket
    udp: socket.socket
    unix: socket.socket
    abstract: socket.socket
    abstract_name: str
    host_tmp_marker: Path
    shm_marker: Path
    snapshot: dict[str, tuple[int, int, int, bytes]] = field(default_factory=dict)

    # -- the decks the attacks and the honest checks use ------------------------------------
    def deck(self, *cards: dict[str, object]) -> Deck:
        return Deck.model_validate({"id": "arena", "title": "Arena", "setup": "import torch",
                                    "cards": list(cards)})

    @property
    def fields(self) -> dict[str, object]:
        return {
            "T": str(self.root), "SECRET": self.secret,
            "WORKER": self.checker._clients[0].info["pid"], "CLIENT": os.getpid(),
            "TCP": self.tcp.getsockname()[1], "UDP": self.udp.getsockname()[1],
            "UNIX": str(self.root / "sock"), "ABSTRACT": self.abstract_name,
            "HOST_TMP": str(self.host_tmp_marker), "SHM": str(self.shm_marker),
            "DB": str(self.root / "qhome" / "data" / "quizcards.sqlite3"),
            "SITE": next(p for p in sys.path if p.endswith("site-packages")),
        }

    # -- what an attack must not have changed ---------------------------------------------
    def take_snapshot(self) -> None:
        self.snapshot = _snapshot(self.root)

    def changed_files(self) -> list[str]:
        now = _snapshot(self.root)
        return sorted(k for k in set(now) | set(self.snapshot)
                      if now.get(k) != self.snapshot.get(k))

    def network_touched(self) -> list[str]:
        touched = []
        for name, sock in (("tcp", self.tcp), ("unix", self.unix), ("abstract", self.abstract)):
            try:
                conn, _ = sock.accept()
                conn.close()
                touched.append(name)
            except BlockingIOError:
                pass
        try:
            self.udp.recvfrom(100)
            touched.append("udp")
        except BlockingIOError:
            pass
        return touched

    def stray_processes(self, settle: float = 3.0) -> list[tuple[int, int]]:
        """Live processes of the check identities other than the worker, its zygote and its
        one spare (a supervisor and its check). Waits up to `settle` s for finished checks to
        end."""
        worker = self.checker._clients[0].info["pid"]
        if self.identity == "root":
            low = FRESH_UID_BASE + (worker % 100_000) * 1000

            def ours(uid: int) -> bool:
                return low <= uid < low + 1000
        else:
            def ours(uid: int) -> bool:
                return uid == self.uid

        deadline = time.monotonic() + settle
        while True:
            procs = _processes()
            tree = _descendants(procs, worker)
            # run as an ordinary user, the suite is that identity: its own processes (pytest,
            # xdist, other checkers) are not strays; a process escaping the worker's tree is
            # reparented out of the suite's, so it still counts
            suite = _suite_tree(procs) if self.uid == os.geteuid() != 0 else set()
            strays = [(pid, uid) for pid, (_, uid) in procs.items()
                      if ours(uid) and pid != worker and pid not in tree and pid not in suite]
            if len(tree) > 3:
                strays += [(pid, procs[pid][1]) for pid in sorted(tree)]
            if not strays or time.monotonic() > deadline:
                return strays
            time.sleep(0.05)


def _processes() -> dict[int, tuple[int, int]]:
    """Live (not zombie) processes: pid -> (parent pid, real uid)."""
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as f:
                status = f.read()
        except OSError:
            continue
        if "\nState:\tZ" in status:
            continue
        ppid = int(status.split("PPid:")[1].split()[0])
        uid = int(status.split("Uid:")[1].split()[0])
        out[int(entry)] = (ppid, uid)
    return out


def _descendants(procs: dict[int, tuple[int, int]], root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in procs.items():
        children.setdefault(ppid, []).append(pid)
    out: set[int] = set()
    stack = [root]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in out:
                out.add(child)
                stack.append(child)
    return out


def _suite_tree(procs: dict[int, tuple[int, int]]) -> set[int]:
    """This test run's processes: from its highest ancestor of the same uid, down."""
    top, uid = os.getpid(), os.geteuid()
    while (parent := procs.get(top, (0, 0))[0]) in procs and procs[parent][1] == uid:
        top = parent
    return {top} | _descendants(procs, top)


def _snapshot(root: Path) -> dict[str, tuple[int, int, int, bytes]]:
    out = {}
    for path in sorted(root.rglob("*")):
        try:
            st = path.lstat()
        except OSError:
            continue
        content = path.read_bytes() if path.is_file() and not path.is_symlink() else b""
        out[str(path.relative_to(root))] = (st.st_mode, st.st_uid, st.st_size, content)
    return out


def _make_targets(root: Path, owner: int, secret: str) -> None:
    files = {
        "secret.txt": (secret, 0o644), "writable.txt": ("untouched", 0o666),
        "victim.txt": ("victim", 0o644),
        "home/.ssh/id_rsa": (f"-----BEGIN KEY----- {secret}", 0o600),
        "home/notes.txt": (secret, 0o644),
        "qhome/data/quizcards.sqlite3": (f"SQLite format 3 {secret}", 0o644),
        "qhome/config/trusted.json": ('{"' + secret + '": "x"}', 0o644),
        "decks/deck.yaml": (f"id: d\ntitle: {secret}\ncards: []\n", 0o644),
    }
    for name, (text, mode) in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        path.chmod(mode)
    for path in [root, *root.rglob("*")]:
        os.chown(path, owner, owner)
    (root / "home").chmod(0o755)


def _listeners(root: Path, owner: int) -> tuple[socket.socket, ...]:
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.bind(("127.0.0.1", 0))
    tcp.listen(8)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    unix.bind(str(root / "sock"))
    os.chmod(root / "sock", 0o666)
    os.chown(root / "sock", owner, owner)
    unix.listen(8)
    abstract = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    abstract.bind("\0quizcards-redteam-" + secrets.token_hex(4))
    abstract.listen(8)
    for sock in (tcp, udp, unix, abstract):
        sock.setblocking(False)
    return tcp, udp, unix, abstract


def _identity_or_skip(identity: str) -> tuple[int, WorkerOptions]:
    if identity == "root":
        if os.geteuid() != 0:
            pytest.skip("the root half of the corpus needs root (this run is an ordinary user)")
        return 0, WorkerOptions()
    if os.geteuid() != 0:  # the suite itself is the ordinary user
        return os.geteuid(), WorkerOptions()
    # one uid per xdist worker, so two arenas never count each other's processes
    index = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    uid = _free_uid(USER_UID + 10 * index)
    return uid, WorkerOptions(launcher=(sys.executable, str(AS_USER), str(uid), "--"))


@pytest.fixture(scope="session", params=["root", "user"])
def arena(request: pytest.FixtureRequest) -> Iterator[Arena]:
    identity = request.param
    uid, options = _identity_or_skip(identity)
    base = Path("/var/tmp") if os.path.isdir("/var/tmp") else Path.home()
    root = base / f"quizcards-redteam-{identity}-{secrets.token_hex(4)}"
    root.mkdir(mode=0o755)
    secret = "QZSECRET" + secrets.token_hex(8)
    saved = {k: os.environ.get(k) for k in ("QUIZCARDS_HOME", "QUIZCARDS_REDTEAM_SECRET")}
    try:
        _make_targets(root, uid, secret)
        listeners = _listeners(root, uid)
        os.environ["QUIZCARDS_HOME"] = str(root / "qhome")  # what the worker must keep hidden
        os.environ["QUIZCARDS_REDTEAM_SECRET"] = secret  # in the app's environment only
        checker = Checker(options=options)
        checker.start()
        try:
            checker._clients[0].wait_ready(timeout=120)
        except Exception as exc:
            pytest.skip(f"the checker cannot start as the {identity} identity here: {exc}")
        tag = secrets.token_hex(4)
        arena = Arena(identity, uid, checker, root, secret, *listeners,
                      abstract_name=listeners[3].getsockname()[1:].decode(),
                      host_tmp_marker=Path(f"/tmp/quizcards-redteam-marker-{tag}"),
                      shm_marker=Path(f"/dev/shm/quizcards-redteam-marker-{tag}"))
        yield arena
        checker.close()
        for sock in listeners:
            sock.close()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        shutil.rmtree(root, ignore_errors=True)



"""Who may change a profile's cards: one running quizcards at a time.

SQLite already serialises two writers, but two apps on one profile would each apply answers
to a card state the other has moved (an interval went 1 -> 6 days on day one). So an app
claims the profile: its owner row (pid, host, a random token) sits in the `meta` table, and
every write that changes a card checks, inside its own transaction, that the row is still
its own. A second app is told at start and goes on read-only or takes over; the first then
finds the row changed at its next write and stops recording. A row left by a crashed app
(same host, pid gone, or the pid now another process's: the row keeps the process's start
time) is taken silently.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import sqlite3
from dataclasses import asdict, dataclass

KEY = "owner"


@dataclass(frozen=True)
class Owner:
    pid: int
    host: str
    token: str
    since_ms: int
    started: str | None = None  # boot id + start time of the pid (Linux); None elsewhere

    @classmethod
    def mine(cls, now_ms: int) -> Owner:
        return cls(os.getpid(), socket.gethostname(), secrets.token_hex(8), now_ms,
                   process_start(os.getpid()))

    def describe(self) -> str:
        where = "" if self.host == socket.gethostname() else f" on {self.host}"
        return f"pid {self.pid}{where}"


def read(conn: sqlite3.Connection) -> Owner | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (KEY,)).fetchone()
    if row is None:
        return None
    try:
        return Owner(**json.loads(row[0]))
    except (TypeError, ValueError):
        return None  # unreadable: as good as no owner


def write(conn: sqlite3.Connection, owner: Owner) -> None:
    conn.execute("INSERT INTO meta VALUES (?, ?) ON CONFLICT DO UPDATE SET value = excluded.value",
                 (KEY, json.dumps(asdict(owner))))


def clear(conn: sqlite3.Connection, token: str) -> None:
    """Remove the owner row if it is still ours (a taken-over app leaves the new one's)."""
    owner = read(conn)
    if owner is not None and owner.token == token:
        conn.execute("DELETE FROM meta WHERE key = ?", (KEY,))


def process_start(pid: int) -> str | None:
    """What tells this process apart from a later one given the same pid: the boot and the
    start time in clock ticks (/proc). None where /proc is not there."""
    try:
        with open("/proc/sys/kernel/random/boot_id") as f:
            boot = f.read().strip()
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return f"{boot}:{fields[19]}"  # field 22 of stat: starttime
    except (OSError, IndexError):
        return None


def alive(owner: Owner) -> bool:
    """Is the owning process still running? Another host's owner is assumed to be. A pid
    that now belongs to another process (pids are reused) is not the owner."""
    if owner.host != socket.gethostname():
        return True
    try:
        os.kill(owner.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, belongs to someone else: compare start times below
    if owner.started is not None:
        now = process_start(owner.pid)
        if now is not None and now != owner.started:
            return False
    return True

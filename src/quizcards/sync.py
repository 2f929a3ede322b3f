"""Sync through a folder that a tool you already use keeps in step (git, Syncthing, Dropbox,
a network drive): no server of our own.

The folder holds one subfolder per device, named by its device id, with that device's
append-only files:

    FOLDER/<device id>/<n>-<random>.jsonl

A device writes only into its own subfolder and only new files: one per sync that has
something to send, written under a temporary dot-name and then linked (or renamed) to its
name, never over a file that exists. No file in the folder is ever changed or deleted,
this device's own included.

A file is JSON Lines: a header, then one entry per line, every line ending in a newline.

    {"quizcards_sync": 1, "device": "3f2a...", "entries": 2, "written_ms": 1772445600000}
    {"type": "review", "uid": "...", "device": "3f2a...", "time_ms": ..., "day": ...,
     "deck_id": "torch-dim", "card_id": "max-dim1-shape", "grade": 4,
     "suggested_grade": 5, "answer": "(3, 4)", "verdict": {...}, "duration_ms": 2300,
     "scheduler": "sm2", "scheduler_version": "sm2 1", "mode": "review"}
    {"type": "event", "uid": "...", "device": "3f2a...", "time_ms": ..., "kind": "suspend",
     "deck_id": "...", "card_id": "...", "target": null, "day": null, "value": null}

Event kinds: `undo` (target: the review's uid), `suspend`, `unsuspend`, `bury` (day: the
study day), `leech` (target: the answer that made the card a leech), `set` (value: the
card's flags when its profile moved to schema 4).

A sync reads every file it has not read whole before (its own subfolder's too: a profile
copied to a second machine keeps its device id), validates each entry as untrusted input,
merges by uid and replays (store/synclog.py), then sends this device's entries not yet in
this folder. A file cut short (a sync tool still copying it) is read as far as it is
complete, reported, and read again at the next sync; entries already here are skipped, so
nothing comes in twice. A file that is not ours is reported and left alone; dot-files and
dot-folders (.git, .stfolder, temporary files) are passed over silently.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quizcards.clock import now_utc
from quizcards.core.words import plural
from quizcards.errors import SyncError
from quizcards.store import synclog
from quizcards.store.db import Store
from quizcards.store.synclog import Entry, EventEntry, IncomingFile, ReviewEntry

FORMAT = 1  # the header's "quizcards_sync": a newer one is skipped with a message
SCHEDULERS = ("sm2", "fsrs")
MODES = ("review", "exam")
EVENT_KINDS = ("undo", "suspend", "unsuspend", "bury", "leech", "set")
MAX_ID = 200  # characters in a uid, device, deck or card id
MAX_TEXT = 1 << 20  # characters in an answer
MAX_LINE = 1 << 24  # bytes in a line of a file (16 MiB)
MAX_HEADER = 1 << 16  # bytes in its header line
# a time in Unix ms before the year 3000, a study day (date ordinal) before it too: later
# ones are no real answer's, and far enough from the year 9999 that no replay, interval or
# "one millisecond after the latest" leaves the calendar (datetime and date end there)
MAX_MS = 32_503_680_000_000  # 3000-01-01 UTC
MAX_DAY = 1_095_000  # 2998-01-30
MAX_DEPTH = 64  # nesting of a verdict's objects and lists


@dataclass
class SyncReport:
    """What one sync did (`to_json`: the `quizcards sync --json` keys)."""

    folder: Path
    device: str
    sent: int = 0
    received: int = 0
    devices: int = 0  # devices that sent entries new here
    duplicates: int = 0  # entries read that were here already
    cards: int = 0  # cards whose state or flags were recomputed
    written: Path | None = None  # the file this sync wrote
    skipped_files: list[tuple[str, str]] = field(default_factory=list)  # (path, why)
    skipped_entries: list[str] = field(default_factory=list)  # "path: line n: why"

    def summary(self) -> str:
        line = f"sent {self.sent}, received {self.received}"
        if self.received:
            line += f" from {plural(self.devices, 'device')}"
        if self.skipped_entries:
            line += f", skipped {plural(len(self.skipped_entries), 'entry', 'entries')}"
        if self.skipped_files:
            line += (f", skipped {plural(len(self.skipped_files), 'file')}: "
                     + "; ".join(f"{name} ({why})" for name, why in self.skipped_files))
        return line

    def to_json(self) -> dict[str, Any]:
        return {
            "folder": str(self.folder), "device": self.device, "sent": self.sent,
            "received": self.received, "devices": self.devices,
            "duplicates": self.duplicates, "cards": self.cards,
            "written": None if self.written is None else str(self.written),
            "skipped_files": [{"file": name, "reason": why}
                              for name, why in self.skipped_files],
            "skipped_entries": self.skipped_entries,
        }


# -- reading untrusted entries -------------------------------------------------------------
class Invalid(ValueError):
    """An entry that is not what the format says: skipped with this message."""


def _text(obj: dict[str, Any], name: str, limit: int, optional: bool = False) -> str | None:
    value = obj.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise Invalid(f"{name} must be a text of at most {limit} characters")
    return value


def _id(obj: dict[str, Any], name: str) -> str:
    value = obj.get(name)
    if not isinstance(value, str) or not value or len(value) > MAX_ID \
            or not value.isprintable():
        raise Invalid(f"{name} must be a printable text of 1 to {MAX_ID} characters")
    return value


def _int(obj: dict[str, Any], name: str, low: int, high: int,
         optional: bool = False) -> int | None:
    value = obj.get(name)
    if value is None and optional:
        return None
    if type(value) is not int or not low <= value <= high:
        raise Invalid(f"{name} must be a whole number from {low} to {high}")
    return value


def _whole(obj: dict[str, Any], name: str, low: int, high: int) -> int:
    value = _int(obj, name, low, high)
    assert value is not None
    return value


def _choice(obj: dict[str, Any], name: str, known: tuple[str, ...]) -> str:
    value = obj.get(name)
    if value not in known:
        raise Invalid(f"{name} must be one of {', '.join(known)}")
    return str(value)


def _object(obj: dict[str, Any], name: str) -> dict[str, Any] | None:
    value = obj.get(name)
    if value is not None and not isinstance(value, dict):
        raise Invalid(f"{name} must be an object or null")
    if value is not None and _depth(value) > MAX_DEPTH:
        raise Invalid(f"{name} is nested more than {MAX_DEPTH} levels deep")
    return value


def _depth(value: Any) -> int:
    """How deeply objects and lists nest in `value` (walked without recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if depth <= MAX_DEPTH:
                stack.extend((x, depth + 1) for x in (item.values() if isinstance(item, dict)
                                                       else item))
    return deepest


def parse_entry(obj: Any) -> Entry:
    """One entry from another device, checked field by field. Raises Invalid."""
    if not isinstance(obj, dict):
        raise Invalid("not an object")
    kind = obj.get("type")
    common = (_id(obj, "uid"), _id(obj, "device"), _whole(obj, "time_ms", 0, MAX_MS))
    # study days are date ordinals: 1 is 0001-01-01
    if kind == "review":
        return ReviewEntry(
            *common, _whole(obj, "day", 1, MAX_DAY), _id(obj, "deck_id"), _id(obj, "card_id"),
            _whole(obj, "grade", 0, 5), _int(obj, "suggested_grade", 0, 5, optional=True),
            _text(obj, "answer", MAX_TEXT, optional=True), _object(obj, "verdict"),
            _int(obj, "duration_ms", 0, MAX_MS, optional=True),
            _choice(obj, "scheduler", SCHEDULERS),
            _text(obj, "scheduler_version", 100, optional=True), _choice(obj, "mode", MODES))
    if kind == "event":
        event = _choice(obj, "kind", EVENT_KINDS)
        target = _id(obj, "target") if event in ("undo", "leech") else None
        day = _whole(obj, "day", 1, MAX_DAY) if event == "bury" else None
        value = _flags(obj.get("value")) if event == "set" else None
        return EventEntry(*common, event, _id(obj, "deck_id"), _id(obj, "card_id"), target,
                          day, value)
    raise Invalid(f"unknown type {kind!r}" if isinstance(kind, str) else "no type")


def _flags(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Invalid("value must be an object of flags")
    suspended, leech = value.get("suspended"), value.get("leech")
    if not isinstance(suspended, bool) or not isinstance(leech, bool):
        raise Invalid("value: suspended and leech must be true or false")
    buried = _int(value, "buried_day", 1, MAX_DAY, optional=True)
    return {"suspended": suspended, "buried_day": buried, "leech": leech}


def entry_json(entry: Entry) -> dict[str, Any]:
    if isinstance(entry, ReviewEntry):
        return {"type": "review", "uid": entry.uid, "device": entry.device,
                "time_ms": entry.time_ms, "day": entry.day, "deck_id": entry.deck_id,
                "card_id": entry.card_id, "grade": entry.grade,
                "suggested_grade": entry.suggested_grade, "answer": entry.answer,
                "verdict": entry.verdict, "duration_ms": entry.duration_ms,
                "scheduler": entry.scheduler, "scheduler_version": entry.scheduler_version,
                "mode": entry.mode}
    return {"type": "event", "uid": entry.uid, "device": entry.device,
            "time_ms": entry.time_ms, "kind": entry.kind, "deck_id": entry.deck_id,
            "card_id": entry.card_id, "target": entry.target, "day": entry.day,
            "value": entry.value}


@dataclass
class FileRead:
    incoming: IncomingFile | None  # None: nothing in it can be read
    skipped: str | None = None  # why the file is reported (incomplete, not ours)
    bad_entries: list[str] = field(default_factory=list)


NOT_OURS = "not a quizcards sync file"


NOT_REGULAR = "not a regular file (a pipe, a device or a folder): not read"


def _open_regular(path: Path) -> int:
    """A descriptor of `path` when it is a regular file. Opened without blocking, so that a
    named pipe (or a link to a terminal) cannot hold the sync up; raises OSError otherwise."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, NOT_REGULAR)
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _header(first: bytes) -> tuple[dict[str, Any] | None, str | None]:
    """The header of a file that looks like ours, from its first line (read alone first: a
    big file that is not ours is not read whole), or why not."""
    if not first.endswith(b"\n"):
        if len(first) >= MAX_HEADER:
            return None, NOT_OURS
        return None, "incomplete (no header yet; read again at the next sync)"
    try:
        header = json.loads(first.decode("utf-8"))
    except (ValueError, RecursionError):
        return None, NOT_OURS
    if not isinstance(header, dict) or "quizcards_sync" not in header:
        return None, NOT_OURS
    version, count = header.get("quizcards_sync"), header.get("entries")
    if type(version) is not int or type(count) is not int or count < 0:
        return None, NOT_OURS
    if version > FORMAT:
        return None, f"written by a newer quizcards (format {version}); upgrade to read it"
    return header, None


def read_file(path: Path, name: str) -> FileRead:
    """The entries of one file, as far as it is complete. `name`: its key in the store."""
    try:
        with os.fdopen(_open_regular(path), "rb") as f:
            first = f.readline(MAX_HEADER)
            header, why = _header(first)
            data = b"" if header is None else first + f.read()
    except OSError as exc:
        if exc.strerror == NOT_REGULAR:
            return FileRead(None, NOT_REGULAR)
        return FileRead(None, f"cannot read: {exc.strerror or exc}")
    if header is None:
        return FileRead(None, why)
    count = header["entries"]
    lines = data.split(b"\n")
    tail = lines.pop()  # b"" when the file ends with a newline, as every file of ours does
    result = FileRead(IncomingFile(name, len(data), False))
    assert result.incoming is not None
    broken: list[int] = []
    for number, raw in enumerate(lines[1:], start=2):
        if len(raw) > MAX_LINE:
            result.bad_entries.append(f"{path}: line {number}: longer than {MAX_LINE} bytes")
            continue
        try:
            obj = json.loads(raw.decode("utf-8"))
        except ValueError:  # bad UTF-8 is a ValueError too
            broken.append(number)
            continue
        except RecursionError:  # whole, but nested beyond what a parser may follow
            result.bad_entries.append(f"{path}: line {number}: nested too deeply")
            continue
        try:
            result.incoming.entries.append(parse_entry(obj))
        except Invalid as exc:
            result.bad_entries.append(f"{path}: line {number}: {exc}")
    complete = not tail and not broken and len(lines) - 1 >= count
    result.incoming.done = complete
    if not complete:
        whole = len(lines) - 1 - len(broken)
        why = f"incomplete ({whole} of {count} entries"
        if broken:
            why += f"; line {broken[0]} is not JSON"
        result.skipped = why + "; the rest is read when the file is complete)"
    return result


# -- the folder ----------------------------------------------------------------------------
def _listing(folder: Path, report: SyncReport) -> list[Path]:
    """The candidate files (FOLDER/*/*.jsonl); anything else not hidden is reported."""
    if not folder.exists():
        raise SyncError(f"{folder}: no such folder (make it, or point sync_dir at the folder "
                        "your sync tool keeps in step)")
    if not folder.is_dir():
        raise SyncError(f"{folder}: not a folder")
    found = []
    try:
        top = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        raise SyncError(f"{folder}: cannot read the folder: {exc.strerror or exc}") from None
    for entry in top:
        if entry.name.startswith("."):
            continue
        path = folder / entry.name
        if not entry.is_dir():
            report.skipped_files.append((str(path), NOT_OURS))
            continue
        try:
            inner = sorted(os.scandir(path), key=lambda e: e.name)
        except OSError as exc:
            report.skipped_files.append((str(path), f"cannot read: {exc.strerror or exc}"))
            continue
        for item in inner:
            if item.name.startswith(".") or item.is_dir():
                continue
            if item.name.endswith(".jsonl"):
                found.append(path / item.name)
            else:
                report.skipped_files.append((str(path / item.name), NOT_OURS))
    return found


def _write_new(folder: Path, data: bytes) -> Path:
    """Write `data` as a new file in `folder`, never over one that exists: a temporary
    dot-file first, then a hard link to a free name (or, where links are not supported, a
    rename to a name that is free). Everything goes through a descriptor of `folder` opened
    without following a link: a link put in its place (anyone who can write the shared
    folder can) never sends the files elsewhere. Raises OSError (ELOOP for a link)."""
    dir_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        taken = sum(1 for name in os.listdir(dir_fd) if name.endswith(".jsonl"))
        tmp = f".{secrets.token_hex(8)}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                     0o600, dir_fd=dir_fd)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            for n in range(taken + 1, taken + 100):
                target = f"{n:06d}-{secrets.token_hex(4)}.jsonl"
                try:
                    os.link(tmp, target, src_dir_fd=dir_fd, dst_dir_fd=dir_fd,
                            follow_symlinks=False)
                except FileExistsError:
                    continue
                except OSError:  # no hard links here (some network and FAT drives)
                    try:
                        os.stat(target, dir_fd=dir_fd, follow_symlinks=False)
                        continue
                    except FileNotFoundError:
                        pass
                    os.rename(tmp, target, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
                break
            else:
                raise OSError("no free file name")
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp, dir_fd=dir_fd)
        with contextlib.suppress(OSError):  # the new name is on disk too
            os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return folder / target


def sync_folder(store: Store, folder: Path) -> SyncReport:
    """Read the other devices' new entries from `folder`, merge them, then send this
    device's new ones. Raises SyncError when the folder cannot be used."""
    folder = folder.expanduser()
    report = SyncReport(folder, store.device)
    key = str(folder.resolve())
    done = synclog.files_done(store)
    incoming: list[IncomingFile] = []
    for path in _listing(folder, report):
        name = f"{key}/{path.parent.name}/{path.name}"
        try:
            size = path.stat().st_size
        except OSError as exc:
            report.skipped_files.append((str(path), f"cannot read: {exc.strerror or exc}"))
            continue
        if done.get(name) == size:
            continue  # read whole before (or written here)
        read = read_file(path, name)
        report.skipped_entries += read.bad_entries
        if read.skipped is not None:
            report.skipped_files.append((str(path), read.skipped))
        if read.incoming is not None:
            incoming.append(read.incoming)
    if incoming:
        merged = synclog.merge(store, incoming)
        report.received, report.duplicates = merged.received, merged.duplicates
        report.devices, report.cards = len(merged.devices), merged.cards
    outgoing = synclog.unsent(store, key)
    if outgoing.entries:
        header = {"quizcards_sync": FORMAT, "device": store.device,
                  "entries": len(outgoing.entries),
                  "written_ms": int(now_utc().timestamp() * 1000)}
        data = "".join(json.dumps(x, ensure_ascii=False, separators=(",", ":")) + "\n"
                       for x in [header, *map(entry_json, outgoing.entries)]).encode("utf-8")
        mine = folder / store.device
        try:
            if mine.is_symlink():
                raise OSError(errno.ELOOP, "")
            mine.mkdir(exist_ok=True)
            written = _write_new(mine, data)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise SyncError(f"{mine}: is a link, not this device's own folder: not "
                                "written through it (remove the link; the next sync makes "
                                "the folder)") from None
            raise SyncError(f"{mine}: cannot write: {exc.strerror or exc}") from None
        synclog.mark_sent(store, key, outgoing, f"{key}/{store.device}/{written.name}",
                          len(data))
        report.sent, report.written = len(outgoing.entries), written
    return report

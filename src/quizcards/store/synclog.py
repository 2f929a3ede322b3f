"""The store's side of sync (the folder and its file format are `quizcards.sync`'s): the
entries made here and not yet sent to a folder, and merging entries from other devices.

Merging is a union by uid: an entry whose uid is already here is skipped, so reading a file
twice, or two files holding the same entries, adds nothing. Entries from other devices are
kept apart from the ones made here (`synced_in` names the file they came from): only the
entries made here are sent, and only they can be undone here. After a merge, each card that
received answers is replayed in (time, uid) order, a leech the merged answers make gets its
leech event, and each card that received anything has its flags folded again: every device
that holds the same entries holds the same states.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from quizcards.core.queue import Key
from quizcards.store.db import Store


@dataclass(frozen=True, slots=True)
class ReviewEntry:
    uid: str
    device: str
    time_ms: int
    day: int
    deck_id: str
    card_id: str
    grade: int
    suggested_grade: int | None
    answer: str | None
    verdict: dict[str, Any] | None
    duration_ms: int | None
    scheduler: str
    scheduler_version: str | None
    mode: str

    @property
    def key(self) -> Key:
        return (self.deck_id, self.card_id)


@dataclass(frozen=True, slots=True)
class EventEntry:
    uid: str
    device: str
    time_ms: int
    kind: str  # undo, suspend, unsuspend, bury, leech, set (see store/db.py)
    deck_id: str
    card_id: str
    target: str | None  # undo, leech: the review's uid
    day: int | None  # bury
    value: dict[str, Any] | None  # set

    @property
    def key(self) -> Key:
        return (self.deck_id, self.card_id)


Entry = ReviewEntry | EventEntry


@dataclass
class IncomingFile:
    """The entries read from one file of the folder."""

    name: str  # its absolute path: the key it is remembered by
    size: int
    done: bool  # read whole: not read again while its size stays the same
    entries: list[Entry] = field(default_factory=list)


@dataclass
class MergeResult:
    received: int = 0
    duplicates: int = 0
    devices: set[str] = field(default_factory=set)
    cards: int = 0


def files_done(store: Store) -> dict[str, int]:
    """Files read whole (or written here), with their size then."""
    return dict(store.conn.execute("SELECT name, size FROM sync_files WHERE done = 1"))


def merge(store: Store, files: list[IncomingFile]) -> MergeResult:
    """Insert the entries not here yet, in one transaction, then replay and fold what they
    touched. The files are remembered (done or not) in the same transaction."""
    result = MergeResult()
    with store.transaction() as conn:
        store._guard()
        answered: set[Key] = set()
        flagged: set[Key] = set()
        for incoming in files:
            conn.execute("INSERT INTO sync_files (name, size, done) VALUES (?, ?, ?)"
                         " ON CONFLICT (name) DO UPDATE SET size = excluded.size,"
                         " done = excluded.done", (incoming.name, incoming.size, incoming.done))
            (file_id,) = conn.execute("SELECT id FROM sync_files WHERE name = ?",
                                      (incoming.name,)).fetchone()
            for entry in incoming.entries:
                if isinstance(entry, ReviewEntry):
                    cur = conn.execute(
                        "INSERT INTO reviews (uid, device, time_ms, day, deck_id, card_id,"
                        " grade, suggested_grade, answer, verdict, duration_ms, scheduler,"
                        " scheduler_version, mode, state_after, synced_in)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}', ?)"
                        " ON CONFLICT (uid) DO NOTHING",
                        (entry.uid, entry.device, entry.time_ms, entry.day, *entry.key,
                         entry.grade, entry.suggested_grade, entry.answer,
                         None if entry.verdict is None else json.dumps(entry.verdict),
                         entry.duration_ms, entry.scheduler, entry.scheduler_version,
                         entry.mode, file_id))
                    touched = answered
                else:
                    cur = conn.execute(
                        "INSERT INTO events (uid, device, time_ms, kind, deck_id, card_id,"
                        " target, day, value, synced_in) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                        " ON CONFLICT (uid) DO NOTHING",
                        (entry.uid, entry.device, entry.time_ms, entry.kind, *entry.key,
                         entry.target, entry.day,
                         None if entry.value is None else json.dumps(entry.value), file_id))
                    touched = flagged
                if cur.rowcount:
                    result.received += 1
                    result.devices.add(entry.device)
                    touched.add(entry.key)
                else:
                    result.duplicates += 1
        # undo events whose answer is here (it may have come in a later file, or now)
        for review_id, time_ms, deck_id, card_id in conn.execute(
                "SELECT r.id, e.time_ms, r.deck_id, r.card_id FROM events e"
                " JOIN reviews r ON r.uid = e.target WHERE e.kind = 'undo'"
                " AND r.id NOT IN (SELECT review_id FROM undos)").fetchall():
            conn.execute("INSERT OR IGNORE INTO undos VALUES (?, ?)", (review_id, time_ms))
            answered.add((deck_id, card_id))
        for key in sorted(answered):
            store._replay_card(key, fill=True)
            store._settle_leech(key)
        for key in sorted(answered | flagged):
            store._fold_flags(key)
        result.cards = len(answered | flagged)
    return result


@dataclass
class Outgoing:
    """The entries made here not yet sent to one folder, reviews first."""

    entries: list[Entry]
    last_review: int  # the local ids up to which they go
    last_event: int


def _marks(store: Store, folder: str) -> tuple[int, int]:
    raw = store._meta(f"sync_sent:{folder}", "{}")
    try:
        marks = json.loads(raw)
        return int(marks.get("reviews", 0)), int(marks.get("events", 0))
    except (TypeError, ValueError, AttributeError):
        return 0, 0  # unreadable: send everything again (the receivers skip what they have)


def _object(text: str | None) -> dict[str, Any] | None:
    try:
        value = json.loads(text) if text else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def unsent(store: Store, folder: str) -> Outgoing:
    """This device's entries not yet sent to `folder` (a folder's absolute path: another
    folder gets everything)."""
    reviews_from, events_from = _marks(store, folder)
    entries: list[Entry] = []
    last_review, last_event = reviews_from, events_from
    for row in store.conn.execute(
            "SELECT id, uid, device, time_ms, day, deck_id, card_id, grade, suggested_grade,"
            " answer, verdict, duration_ms, scheduler, scheduler_version, mode FROM reviews"
            " WHERE synced_in IS NULL AND id > ? ORDER BY id", (reviews_from,)):
        (last_review, uid, device, time_ms, day, deck_id, card_id, grade, suggested, answer,
         verdict, duration_ms, scheduler, version, mode) = row
        entries.append(ReviewEntry(uid, device, time_ms, day, deck_id, card_id, grade,
                                   suggested, answer, _object(verdict), duration_ms,
                                   scheduler, version, mode))
    for row in store.conn.execute(
            "SELECT id, uid, device, time_ms, kind, deck_id, card_id, target, day, value"
            " FROM events WHERE synced_in IS NULL AND id > ? ORDER BY id", (events_from,)):
        last_event, uid, device, time_ms, kind, deck_id, card_id, target, day, value = row
        entries.append(EventEntry(uid, device, time_ms, kind, deck_id, card_id, target, day,
                                  _object(value)))
    return Outgoing(entries, last_review, last_event)


def mark_sent(store: Store, folder: str, outgoing: Outgoing, name: str, size: int) -> None:
    """`outgoing` is in the file `name`: not sent again, and the file not read back."""
    with store.transaction() as conn:
        conn.execute("INSERT INTO meta VALUES (?, ?) ON CONFLICT DO UPDATE SET"
                     " value = excluded.value", (f"sync_sent:{folder}", json.dumps(
                         {"reviews": outgoing.last_review, "events": outgoing.last_event})))
        conn.execute("INSERT INTO sync_files (name, size, done) VALUES (?, ?, 1)"
                     " ON CONFLICT (name) DO UPDATE SET size = excluded.size, done = 1",
                     (name, size))

"""SQLite storage: the append-only review log and the card state derived from it.

- WAL mode, `synchronous=FULL`, a busy timeout: every answer is committed (and durable)
  before the next card shows, and two running instances serialise their writes.
- The log is append-only. Undo appends a row to `undos`; the card's state is then replayed
  from its remaining answers. Nothing is ever deleted, so a deck that loses a card, or a
  file that fails to parse, never costs history.
- `card_state` is derived: switching schedulers rebuilds it by replaying the log.
- One app at a time changes cards (see `lease`): a second one is told at start, and an
  answer to a card that changed since it was shown is refused, never applied on top.
- The schema is versioned with `PRAGMA user_version`; a newer or corrupt database is
  reported and left untouched.
- Each answer is logged with the study day it counts for (its session's, see core/day.py),
  its time truncated to the millisecond (what the log keeps, so a replay gives the very
  state computed live), and the scheduler's version ("sm2 1", "fsrs 6.3.2"). Replays use the
  logged day, not the day the clock gives now.
- Every entry of the log has a globally unique id (`uid`) and the device that made it, so
  logs can be merged by id across devices (see store/synclog.py and sync.py). Undo,
  suspend, unsuspend, bury and leeches are entries too: the append-only `events` table.
  `undos` and `card_flags` are derived from them: `card_flags` is the fold of a card's
  events in (time, uid) order, a leech event counting while the answer that made the card
  a leech is live. So undoing that answer puts the flags back as the other events make them.
  (`leech_flags_before`, written by schema 3, is read once: by the migration to 4.) Undo
  takes back the latest answer made here, never one that came from another device.
- Card states are the replay of the live answers in (time, uid) order. A device's own
  entries for a card never sort before the card's latest one: an answer or a flag change
  made while the clock reads earlier (set back, or behind another device's) is logged one
  millisecond after the card's latest entry, so it counts as the later one it is.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from quizcards.clock import now_utc
from quizcards.core import schedule
from quizcards.core.day import DayRule
from quizcards.core.fsrs_adapter import DEFAULT_SETTINGS, FSRSSettings
from quizcards.core.queue import DoneToday, Flags, Key, QueueInputs, Summary
from quizcards.core.schedule import SchedulerName, State
from quizcards.errors import ReadOnlyProfile, StaleAnswer, StoreError
from quizcards.store import lease

SCHEMA_VERSION = 4

MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE reviews (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        deck_id TEXT NOT NULL,
        card_id TEXT NOT NULL,
        time_ms INTEGER NOT NULL,          -- when it was answered, Unix ms (UTC)
        day INTEGER NOT NULL,              -- study-day ordinal at the time
        grade INTEGER NOT NULL CHECK (grade BETWEEN 0 AND 5),
        suggested_grade INTEGER,
        answer TEXT,
        verdict TEXT,                      -- JSON of the checker verdict
        duration_ms INTEGER,
        scheduler TEXT NOT NULL,
        state_after TEXT NOT NULL,         -- JSON of the scheduler state after this answer
        mode TEXT NOT NULL DEFAULT 'review'  -- 'review', or 'exam' (recorded exams)
    );
    CREATE INDEX reviews_card ON reviews (deck_id, card_id, id);
    CREATE INDEX reviews_day ON reviews (day);
    CREATE TABLE undos (review_id INTEGER PRIMARY KEY REFERENCES reviews (id),
                        time_ms INTEGER NOT NULL);
    CREATE TABLE card_state (
        deck_id TEXT NOT NULL,
        card_id TEXT NOT NULL,
        due_day INTEGER,
        last_day INTEGER,
        first_day INTEGER,
        repeat_pending INTEGER NOT NULL DEFAULT 0,
        lapses INTEGER NOT NULL DEFAULT 0,
        reviews INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL,
        PRIMARY KEY (deck_id, card_id)
    ) WITHOUT ROWID;
    CREATE INDEX card_state_due ON card_state (due_day, repeat_pending, last_day);
    CREATE INDEX card_state_last ON card_state (last_day);
    CREATE TABLE card_flags (
        deck_id TEXT NOT NULL,
        card_id TEXT NOT NULL,
        suspended INTEGER NOT NULL DEFAULT 0,
        buried_day INTEGER,
        leech INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (deck_id, card_id)
    ) WITHOUT ROWID;
    """,
    2: """
    CREATE TABLE exams (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        time_ms INTEGER NOT NULL,
        selection TEXT NOT NULL,           -- the Selection key: exams on it are compared
        score INTEGER NOT NULL,
        total INTEGER NOT NULL,
        report TEXT NOT NULL               -- JSON of the whole report
    );
    CREATE INDEX exams_selection ON exams (selection, id);
    """,
    3: """
    -- the scheduler and its version that computed state_after ("sm2 1", "fsrs 6.3.2");
    -- rows logged before version 3 keep NULL
    ALTER TABLE reviews ADD COLUMN scheduler_version TEXT;
    -- a card's flags just before the answer that made it a leech, put back when that
    -- answer is undone (had_row 0: the card had no flags row)
    CREATE TABLE leech_flags_before (
        review_id INTEGER PRIMARY KEY REFERENCES reviews (id),
        had_row INTEGER NOT NULL,
        suspended INTEGER NOT NULL,
        leech INTEGER NOT NULL
    );
    """,
    4: """
    -- every entry gets a globally unique id and its device (sync); rows logged before
    -- version 4 get fresh ids and this device
    ALTER TABLE reviews ADD COLUMN uid TEXT;
    ALTER TABLE reviews ADD COLUMN device TEXT;
    -- NULL: made here; else the sync_files row it came from
    ALTER TABLE reviews ADD COLUMN synced_in INTEGER;
    INSERT OR IGNORE INTO meta VALUES ('device', lower(hex(randomblob(8))));
    UPDATE reviews SET device = (SELECT value FROM meta WHERE key = 'device'),
        uid = (SELECT value FROM meta WHERE key = 'device') || '-r' || printf('%010d', id)
              || '-' || lower(hex(randomblob(4)));
    CREATE UNIQUE INDEX reviews_uid ON reviews (uid);
    -- an entry made here gets its id on insert: <device>-r<local id>-<random>, so this
    -- device's entries of one millisecond sort in the order they were made
    CREATE TRIGGER reviews_uid AFTER INSERT ON reviews WHEN NEW.uid IS NULL BEGIN
        UPDATE reviews SET
            device = coalesce(NEW.device, (SELECT value FROM meta WHERE key = 'device')),
            uid = (SELECT value FROM meta WHERE key = 'device') || '-r'
                  || printf('%010d', NEW.id) || '-' || lower(hex(randomblob(4)))
        WHERE id = NEW.id;
    END;
    -- undo, suspend, unsuspend, bury, leech, and `set` (the flags a card had at the
    -- upgrade to version 4); append-only like the reviews
    CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        uid TEXT UNIQUE,
        device TEXT,
        time_ms INTEGER NOT NULL,
        kind TEXT NOT NULL,
        deck_id TEXT NOT NULL,
        card_id TEXT NOT NULL,
        target TEXT,                       -- undo, leech: the review's uid
        day INTEGER,                       -- bury: the study day
        value TEXT,                        -- set: JSON of the flags
        synced_in INTEGER
    );
    CREATE INDEX events_card ON events (deck_id, card_id, time_ms);
    CREATE INDEX events_target ON events (target);
    CREATE TRIGGER events_uid AFTER INSERT ON events WHEN NEW.uid IS NULL BEGIN
        UPDATE events SET
            device = coalesce(NEW.device, (SELECT value FROM meta WHERE key = 'device')),
            uid = (SELECT value FROM meta WHERE key = 'device') || '-e'
                  || printf('%010d', NEW.id) || '-' || lower(hex(randomblob(4)))
        WHERE id = NEW.id;
    END;
    INSERT INTO events (time_ms, kind, deck_id, card_id, target)
        SELECT u.time_ms, 'undo', r.deck_id, r.card_id, r.uid FROM undos u
        JOIN reviews r ON r.id = u.review_id ORDER BY u.review_id;
    -- the files of a sync folder read (or written) here, by absolute path
    CREATE TABLE sync_files (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE,
        size INTEGER NOT NULL,
        done INTEGER NOT NULL              -- read whole (or written here): not read again
    );
    """,
}


def _flags_as_events(conn: sqlite3.Connection) -> None:
    """Version 4: each card's flags become events whose fold gives them back. A leech whose
    answer is known becomes a leech event on that answer over the flags before it (saved
    since version 3; before that, none), so undoing that answer still puts them back."""
    from quizcards.core.schedule import LEECH_LAPSES

    live = "mode = 'review' AND {0}id NOT IN (SELECT review_id FROM undos)"
    rows = conn.execute("SELECT deck_id, card_id, suspended, buried_day, leech FROM card_flags"
                        " ORDER BY deck_id, card_id").fetchall()
    for deck_id, card_id, suspended, buried_day, leech in rows:
        key = (deck_id, card_id)
        made = None
        if leech:
            made = conn.execute(
                "SELECT r.uid, r.time_ms, f.suspended, f.leech FROM leech_flags_before f"
                " JOIN reviews r ON r.id = f.review_id WHERE r.deck_id = ? AND r.card_id = ?"
                f" AND r.{live.format('r.')} ORDER BY r.id DESC LIMIT 1",
                key).fetchone() or conn.execute(
                "SELECT uid, time_ms, 0, 0 FROM reviews WHERE deck_id = ? AND card_id = ?"
                f" AND {live.format('')} AND CASE WHEN json_valid(state_after)"
                " THEN json_extract(state_after, '$.lapses') END >= ? ORDER BY id LIMIT 1",
                (*key, LEECH_LAPSES)).fetchone()
        before = (suspended, leech) if made is None else (made[2], made[3])
        conn.execute("INSERT INTO events (time_ms, kind, deck_id, card_id, value)"
                     " VALUES (0, 'set', ?, ?, ?)",
                     (*key, json.dumps({"suspended": bool(before[0]), "buried_day": buried_day,
                                        "leech": bool(before[1])})))
        if made is not None:
            conn.execute("INSERT INTO events (time_ms, kind, deck_id, card_id, target)"
                         " VALUES (?, 'leech', ?, ?, ?)", (made[1], *key, made[0]))
            if not suspended:  # unsuspended by hand since
                conn.execute("INSERT INTO events (time_ms, kind, deck_id, card_id)"
                             " VALUES (?, 'unsuspend', ?, ?)", (made[1] + 1, *key))


# Python steps run after a version's SQL, in the same transaction
MIGRATION_STEPS: dict[int, Callable[[sqlite3.Connection], None]] = {4: _flags_as_events}


def _statements(script: str) -> Iterator[str]:
    """The statements of a migration script (a trigger's body has semicolons of its own)."""
    pending = ""
    for part in script.split(";"):
        pending += part + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                yield pending
            pending = ""


# The answers that count: review-mode answers not undone. One predicate for every reader of
# the log (replay, undo, stats, exports), kept per connection (a TEMP view changes no schema,
# so an older quizcards can still open the file).
LIVE_REVIEWS_VIEW = """
CREATE TEMP VIEW IF NOT EXISTS live_reviews AS
SELECT * FROM reviews WHERE mode = 'review' AND id NOT IN (SELECT review_id FROM undos)
"""

# an event's target is a live answer (by the uid index: no scan of the log)
LIVE_TARGET = ("EXISTS (SELECT 1 FROM reviews r WHERE r.uid = e.target AND r.mode = 'review'"
               " AND NOT EXISTS (SELECT 1 FROM undos u WHERE u.review_id = r.id))")

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MILLISECOND = timedelta(milliseconds=1)


def _ms(moment: datetime) -> int:
    """Unix milliseconds, exactly (truncated; no float rounding)."""
    return (moment.astimezone(UTC) - EPOCH) // MILLISECOND


def _from_ms(ms: int) -> datetime:
    return EPOCH + ms * MILLISECOND


def truncate_ms(moment: datetime) -> datetime:
    """`moment` without its sub-millisecond digits: the log keeps milliseconds, so a state
    computed from the full time would differ from the one a replay computes."""
    return _from_ms(_ms(moment))


@dataclass(frozen=True)
class Answer:
    """One answer as the UI hands it over."""

    deck_id: str
    card_id: str
    grade: int
    suggested_grade: int | None = None
    answer: str | None = None
    verdict: dict[str, Any] | None = None
    duration_ms: int | None = None
    mode: str = "review"
    # card_version() when the card was shown: the answer is refused if it changed since
    shown_version: str | None = None
    # the study day the answer counts for: the session's (Session.day), which stays the day
    # the session started in after the rollover hour; None: the study day of the time
    day: int | None = None


@dataclass(frozen=True)
class Recorded:
    review_id: int
    state: State
    became_leech: bool


@dataclass(frozen=True)
class Undone:
    """The answer `undo_last` took back."""

    review_id: int
    key: Key
    grade: int
    answer: str | None


@dataclass(frozen=True)
class HistoryEntry:
    """One logged answer to a card, undone ones included (marked)."""

    review_id: int
    time_ms: int
    grade: int
    suggested_grade: int | None
    answer: str | None
    verdict: dict[str, Any] | None
    duration_ms: int | None
    scheduler: str
    scheduler_version: str | None
    undone: bool

    @property
    def params(self) -> dict[str, Any] | None:
        """The values the card drew when this answer was given (None: not recorded)."""
        drawn = (self.verdict or {}).get("params")
        return drawn if isinstance(drawn, dict) else None


@dataclass(frozen=True)
class LoggedReview:
    """A live answer as exports read it."""

    key: Key
    time_ms: int
    day: int
    grade: int
    duration_ms: int | None


class Store:
    def __init__(self, conn: sqlite3.Connection, path: Path, scheduler: SchedulerName,
                 rule: DayRule, fsrs: FSRSSettings = DEFAULT_SETTINGS) -> None:
        self.conn = conn
        self.path = path
        self.scheduler: SchedulerName = scheduler
        self.rule = rule
        self.fsrs = fsrs
        self.owner: lease.Owner | None = None  # our claim on the profile (apps only)
        self.read_only = False
        self.device = ""  # this profile's device id (made once, kept in meta)

    # -- opening -------------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path, scheduler: SchedulerName = "sm2",
             rule: DayRule | None = None, fsrs: FSRSSettings = DEFAULT_SETTINGS) -> Store:
        """Open (creating or migrating) the database. A corrupt or newer file raises
        StoreError and is left exactly as it was."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, timeout=30, isolation_level=None,
                                   check_same_thread=False)
        except OSError as exc:  # its folder is a file, or cannot be made
            raise StoreError(f"{path}: cannot open the database: "
                             f"{exc.strerror or exc}") from None
        except sqlite3.Error as exc:
            raise StoreError(f"{path}: cannot open the database: {exc}") from None
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{path}: made by a newer quizcards (schema {version}; this one knows up "
                    f"to {SCHEMA_VERSION}). Upgrade quizcards; the file was not changed.")
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            store = cls(conn, path, scheduler, rule or DayRule(), fsrs)
            store._migrate(version)
            store.device = store._meta("device", "")
            conn.execute(LIVE_REVIEWS_VIEW)
            store._sync_scheduler()
            return store
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise StoreError(
                f"{path}: not a usable quizcards database ({exc}). It was left untouched; "
                "move it aside (or set QUIZCARDS_HOME) to start a new one.") from None
        except StoreError:
            conn.close()
            raise

    def _migrate(self, version: int) -> None:
        for target in range(version + 1, SCHEMA_VERSION + 1):
            with self.transaction():
                # re-check inside the lock: another process may have migrated meanwhile
                current = self.conn.execute("PRAGMA user_version").fetchone()[0]
                if current >= target:
                    continue
                for statement in _statements(MIGRATIONS[target]):
                    self.conn.execute(statement)
                if target in MIGRATION_STEPS:
                    MIGRATION_STEPS[target](self.conn)
                self.conn.execute(f"PRAGMA user_version = {target}")

    def _sync_scheduler(self) -> None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'scheduler'").fetchone()
        if row is None:
            with self.transaction():
                self.conn.execute("INSERT OR IGNORE INTO meta VALUES ('scheduler', ?)",
                                  (self.scheduler,))
                self.conn.execute("INSERT OR IGNORE INTO meta VALUES ('fsrs_settings', ?)",
                                  (self.fsrs.fingerprint(),))
        elif row[0] != self.scheduler or (self.scheduler == "fsrs" and self._meta(
                "fsrs_settings", DEFAULT_SETTINGS.fingerprint()) != self.fsrs.fingerprint()):
            self.rebuild()  # another scheduler, or FSRS settings changed: replay the log

    def _meta(self, key: str, default: str) -> str:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return default if row is None else str(row[0])

    def close(self) -> None:
        self.release()
        self.conn.close()

    # -- one app at a time ---------------------------------------------------------------
    def claim(self, take_over: bool = False, when: datetime | None = None) -> lease.Owner | None:
        """Make this app the one that changes cards. Returns the running app that owns the
        profile instead (nothing claimed), unless `take_over`."""
        mine = lease.Owner.mine(_ms(when or now_utc()))
        with self.transaction():
            current = lease.read(self.conn)
            if (current is not None and not take_over and current.token != mine.token
                    and lease.alive(current)):
                return current
            lease.write(self.conn, mine)
        self.owner, self.read_only = mine, False
        return None

    def release(self) -> None:
        if self.owner is None:
            return
        try:
            with self.transaction():
                lease.clear(self.conn, self.owner.token)
        except sqlite3.Error:
            pass  # closing anyway: a left row is taken silently once this pid is gone
        self.owner = None

    def _guard(self) -> None:
        """Inside a write transaction: may this app change cards?"""
        if self.read_only:
            raise ReadOnlyProfile("read-only: another quizcards is using this profile, so "
                                  "nothing is recorded here")
        if self.owner is None:
            return  # a one-shot command (import, check): SQLite serialises it
        current = lease.read(self.conn)
        if current is None:  # the other app released it: ours again
            lease.write(self.conn, self.owner)
        elif current.token != self.owner.token:
            self.read_only = True
            raise ReadOnlyProfile(f"another quizcards ({current.describe()}) took over this "
                                  "profile; this one is read-only now and recorded nothing")

    def card_version(self, key: Key) -> str:
        """Changes whenever the card's state can have: an answer or an undo of one."""
        row = self.conn.execute(
            "SELECT coalesce(max(r.id), 0), count(u.review_id) FROM reviews r"
            " LEFT JOIN undos u ON u.review_id = r.id WHERE r.deck_id = ? AND r.card_id = ?",
            key).fetchone()
        return f"{row[0]}.{row[1]}"

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE: take the write lock first, so read-modify-write is atomic."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # -- answering -----------------------------------------------------------------------
    def _state(self, key: Key) -> State:
        row = self.conn.execute(
            "SELECT state FROM card_state WHERE deck_id = ? AND card_id = ?", key).fetchone()
        return schedule.load(self.scheduler, row[0]) if row else schedule.initial(self.scheduler)

    def record(self, answer: Answer, when: datetime | None = None) -> Recorded:
        """Log one answer and update the card's state; committed when this returns."""
        when = truncate_ms(when or now_utc())
        key = (answer.deck_id, answer.card_id)
        clock_day = self.rule.day_of(when)
        # a session's day is never later than the clock's (a clock set back: the clock's)
        day = clock_day if answer.day is None else min(answer.day, clock_day)
        with self.transaction():
            self._guard()
            if answer.shown_version is not None and \
                    self.card_version(key) != answer.shown_version:
                raise StaleAnswer(f"{key[0]}/{key[1]} was answered in another quizcards "
                                  "since it was shown here; this answer was not recorded")
            # never before the card's latest answer (a clock set back, or behind another
            # device's): the replay order is the order the answers were given in here
            latest = self.conn.execute(
                "SELECT max(time_ms) FROM live_reviews WHERE deck_id = ? AND card_id = ?",
                key).fetchone()[0]
            if latest is not None and _ms(when) <= latest:
                when = _from_ms(latest + 1)
            before = self._state(key)
            after = schedule.review(self.scheduler, before, answer.grade, when, self.rule,
                                    day, self.fsrs)
            cur = self.conn.execute(
                "INSERT INTO reviews (deck_id, card_id, time_ms, day, grade, suggested_grade,"
                " answer, verdict, duration_ms, scheduler, state_after, mode,"
                " scheduler_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*key, _ms(when), day, answer.grade, answer.suggested_grade,
                 answer.answer, json.dumps(answer.verdict) if answer.verdict else None,
                 answer.duration_ms, self.scheduler, after.to_json(), answer.mode,
                 schedule.version(self.scheduler)))
            review_id = int(cur.lastrowid or 0)
            self._put_state(key, after, first_day=day)
            became_leech = schedule.is_leech(after) and not schedule.is_leech(before)
            if became_leech:
                (uid,) = self.conn.execute("SELECT uid FROM reviews WHERE id = ?",
                                           (review_id,)).fetchone()
                self._log_event("leech", key, self._event_time(key, _ms(when)), target=uid)
                self._fold_flags(key)
        return Recorded(review_id, after, became_leech)

    def _put_state(self, key: Key, state: State, first_day: int | None) -> None:
        self.conn.execute(
            "INSERT INTO card_state (deck_id, card_id, due_day, last_day, first_day,"
            " repeat_pending, lapses, reviews, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT DO UPDATE SET due_day = excluded.due_day,"
            " last_day = excluded.last_day, repeat_pending = excluded.repeat_pending,"
            " lapses = excluded.lapses, reviews = excluded.reviews, state = excluded.state",
            (*key, state.due_day, state.last_day, first_day, int(state.repeat_pending),
             state.lapses, state.reviews, state.to_json()))

    def undo_last(self) -> Undone | None:
        """Take back the most recent answer given here (one that came from another device
        by sync is not this one's to take back). An undo row and an undo event are
        appended; nothing is deleted. Returns the undone answer, or None when there is
        nothing to undo."""
        with self.transaction():
            self._guard()
            row = self.conn.execute(
                "SELECT id, deck_id, card_id, grade, answer, uid FROM live_reviews"
                " WHERE synced_in IS NULL ORDER BY id DESC LIMIT 1").fetchone()
            if row is None:
                return None
            review_id, deck_id, card_id, grade, answer, uid = row
            key = (deck_id, card_id)
            now = _ms(now_utc())
            self.conn.execute("INSERT INTO undos VALUES (?, ?)", (review_id, now))
            self._log_event("undo", key, now, target=uid)
            self._replay_card(key)
            self._fold_flags(key)  # a leech event on the undone answer counts no more
        return Undone(review_id, key, grade, answer)

    # -- events: the log of everything that is not an answer ----------------------------
    def _log_event(self, kind: str, key: Key, time_ms: int, target: str | None = None,
                   day: int | None = None, value: dict[str, Any] | None = None) -> None:
        """Append an event made here (its uid and device are given on insert)."""
        self.conn.execute(
            "INSERT INTO events (time_ms, kind, deck_id, card_id, target, day, value)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (time_ms, kind, *key, target, day, None if value is None else json.dumps(value)))

    def _event_time(self, key: Key, time_ms: int) -> int:
        """`time_ms`, or just after the card's latest flag event when the clock reads
        earlier: a change made here always counts as the last one made to the card."""
        latest = self.conn.execute(
            "SELECT max(time_ms) FROM events WHERE deck_id = ? AND card_id = ?"
            " AND kind != 'undo'", key).fetchone()[0]
        return time_ms if latest is None or time_ms > latest else latest + 1

    def _fold_flags(self, key: Key) -> None:
        """The card's flags from its events, in (time, uid) order. A leech event counts while
        the answer that made the card a leech is live (logged and not undone)."""
        suspended, buried_day, leech, seen = False, None, False, False
        for kind, day, value, live in self.conn.execute(
                f"SELECT kind, day, value, {LIVE_TARGET} FROM events e"
                " WHERE deck_id = ? AND card_id = ? AND kind != 'undo'"
                " ORDER BY time_ms, uid", key):
            seen = True  # a card with events keeps its row (all clear, maybe)
            if kind == "leech" and not live:
                continue
            if kind == "set":
                flags = json.loads(value)
                suspended, buried_day, leech = (bool(flags["suspended"]), flags["buried_day"],
                                                bool(flags["leech"]))
            elif kind in ("suspend", "unsuspend"):
                suspended = kind == "suspend"
            elif kind == "bury":
                buried_day = day
            elif kind == "leech":
                suspended = leech = True
        if not seen:
            self.conn.execute("DELETE FROM card_flags WHERE deck_id = ? AND card_id = ?", key)
            return
        self.conn.execute(
            "INSERT INTO card_flags (deck_id, card_id, suspended, buried_day, leech)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET suspended = excluded.suspended,"
            " buried_day = excluded.buried_day, leech = excluded.leech",
            (*key, suspended, buried_day, leech))

    def _settle_leech(self, key: Key) -> bool:
        """A card whose replayed state is a leech with no live leech event gets one, on the
        answer that made it a leech (answers merged from two devices can make a leech that
        neither made alone). True when one was logged."""
        state = self.state(key)
        if state is None or not schedule.is_leech(state):
            return False
        if self.conn.execute(
                "SELECT 1 FROM events e WHERE deck_id = ? AND card_id = ? AND kind = 'leech'"
                f" AND {LIVE_TARGET}", key).fetchone():
            return False
        current = schedule.initial(self.scheduler)
        for uid, time_ms, grade, day in self.conn.execute(
                "SELECT uid, time_ms, grade, day FROM live_reviews WHERE deck_id = ?"
                " AND card_id = ? ORDER BY time_ms, uid", key).fetchall():
            current = schedule.review(self.scheduler, current, grade, _from_ms(time_ms),
                                      self.rule, day, self.fsrs)
            if schedule.is_leech(current):
                self._log_event("leech", key, time_ms, target=uid)
                self._fold_flags(key)
                return True
        return False

    def _answers(self, key: Key | None = None) -> Iterator[schedule.LoggedAnswer]:
        sql = "SELECT deck_id, card_id, time_ms, grade, day FROM live_reviews WHERE 1"
        args: tuple[str, ...] = ()
        if key is not None:
            sql += " AND deck_id = ? AND card_id = ?"
            args = key
        for deck_id, card_id, time_ms, grade, day in self.conn.execute(
                sql + " ORDER BY time_ms, uid", args):
            yield schedule.LoggedAnswer(deck_id, card_id, _from_ms(time_ms), grade, day)

    def _replay_card(self, key: Key, fill: bool = False) -> None:
        """The card's state from its live answers. `fill`: answers that came by sync get the
        state after them in this replay as their `state_after` (they came without one)."""
        answers = list(self._answers(key))
        if not fill:
            states = schedule.replay(self.scheduler, answers, self.rule, self.fsrs)
        else:
            state = schedule.initial(self.scheduler)
            rows = self.conn.execute(
                "SELECT id, synced_in IS NOT NULL AND state_after = '{}' FROM live_reviews"
                " WHERE deck_id = ? AND card_id = ? ORDER BY time_ms, uid", key).fetchall()
            for (review_id, empty), a in zip(rows, answers, strict=True):
                state = schedule.review(self.scheduler, state, a.grade, a.time, self.rule,
                                        a.day, self.fsrs)
                if empty:
                    self.conn.execute("UPDATE reviews SET state_after = ? WHERE id = ?",
                                      (state.to_json(), review_id))
            states = {key: state} if answers else {}
        if key in states:
            first_day = self._day_of(answers[0])
            self._put_state(key, states[key], first_day)
            # _put_state keeps an existing row's first_day; an undo may have changed it
            self.conn.execute(
                "UPDATE card_state SET first_day = ? WHERE deck_id = ? AND card_id = ?",
                (first_day, *key))
        else:
            self.conn.execute("DELETE FROM card_state WHERE deck_id = ? AND card_id = ?", key)

    def _day_of(self, answer: schedule.LoggedAnswer) -> int:
        return self.rule.day_of(answer.time) if answer.day is None else answer.day

    def rebuild(self) -> int:
        """Recompute every card's state by replaying the log with the current scheduler."""
        with self.transaction():
            answers = list(self._answers())
            states = schedule.replay(self.scheduler, answers, self.rule, self.fsrs)
            first: dict[Key, int] = {}
            for a in answers:
                first.setdefault((a.deck_id, a.card_id), self._day_of(a))
            self.conn.execute("DELETE FROM card_state")
            for key, state in states.items():
                self._put_state(key, state, first_day=first[key])
            self.conn.execute("INSERT INTO meta VALUES ('scheduler', ?) ON CONFLICT DO UPDATE"
                              " SET value = excluded.value", (self.scheduler,))
            self.conn.execute("INSERT INTO meta VALUES ('fsrs_settings', ?) ON CONFLICT DO"
                              " UPDATE SET value = excluded.value", (self.fsrs.fingerprint(),))
        return len(states)

    # -- reading for the queue -----------------------------------------------------------
    def queue_inputs(self, day: int) -> QueueInputs:
        """What today's queue needs, read with narrow (indexed) queries."""
        # every card_state row has been answered at least once (rows come from answers);
        # the narrow covering index makes this scan cheap
        seen = set(self.conn.execute(
            "SELECT deck_id, card_id FROM card_state INDEXED BY card_state_due"))
        repeats = [tuple(r) for r in self.conn.execute(
            "SELECT deck_id, card_id FROM card_state WHERE repeat_pending = 1 AND last_day = ?",
            (day,))]
        # a lazy cursor in due order: the queue stops reading once its limits are met
        due = ((d, (a, b)) for d, a, b in self.conn.execute(
            "SELECT due_day, deck_id, card_id FROM card_state WHERE due_day <= ?"
            " AND NOT (repeat_pending = 1 AND last_day = ?) ORDER BY due_day", (day, day)))
        return QueueInputs(seen, due, repeats)  # type: ignore[arg-type]

    def card_keys(self) -> list[Key]:
        """Every card with a state (answered at least once)."""
        return [tuple(row) for row in self.conn.execute(  # type: ignore[misc]
            "SELECT deck_id, card_id FROM card_state INDEXED BY card_state_due")]

    def summaries(self) -> dict[Key, Summary]:
        return {
            (d, c): Summary(due, last, bool(pending), reviews, lapses)
            for d, c, due, last, pending, reviews, lapses in self.conn.execute(
                "SELECT deck_id, card_id, due_day, last_day, repeat_pending, reviews, lapses"
                " FROM card_state")
        }

    def flags(self) -> dict[Key, Flags]:
        return {
            (d, c): Flags(bool(s), b, bool(leech))
            for d, c, s, b, leech in self.conn.execute(
                "SELECT deck_id, card_id, suspended, buried_day, leech FROM card_flags")
        }

    def done_today(self, day: int) -> DoneToday:
        new: dict[str, int] = {}
        reviews: dict[str, int] = {}
        for deck_id, first_day, n in self.conn.execute(
            "SELECT deck_id, first_day = ?, count(*) FROM card_state WHERE last_day = ?"
            " GROUP BY deck_id, first_day = ?", (day, day, day)):
            (new if first_day else reviews)[deck_id] = (new if first_day else reviews).get(
                deck_id, 0) + n
        return DoneToday(new, reviews)

    def state(self, key: Key) -> State | None:
        row = self.conn.execute(
            "SELECT state FROM card_state WHERE deck_id = ? AND card_id = ?", key).fetchone()
        return schedule.load(self.scheduler, row[0]) if row else None

    def logged_reviews(self) -> Iterator[LoggedReview]:
        """Every live answer in replay order (for exports and the optimizer's schema)."""
        for deck_id, card_id, time_ms, day, grade, duration in self.conn.execute(
                "SELECT deck_id, card_id, time_ms, day, grade, duration_ms FROM live_reviews"
                " ORDER BY time_ms, uid"):
            yield LoggedReview((deck_id, card_id), time_ms, day, grade, duration)

    def history(self, key: Key) -> list[HistoryEntry]:
        rows = self.conn.execute(
            "SELECT r.id, r.time_ms, r.grade, r.suggested_grade, r.answer, r.verdict,"
            " r.duration_ms, r.scheduler, r.scheduler_version, u.review_id IS NOT NULL"
            " FROM reviews r"
            " LEFT JOIN undos u ON u.review_id = r.id WHERE deck_id = ? AND card_id = ?"
            " ORDER BY r.time_ms, r.uid", key)
        return [HistoryEntry(i, t, g, s, a, json.loads(v) if v else None, d, sch, ver, bool(u))
                for i, t, g, s, a, v, d, sch, ver, u in rows]

    # -- flags ---------------------------------------------------------------------------
    def set_suspended(self, key: Key, suspended: bool, when: datetime | None = None) -> None:
        with self.transaction():
            self._guard()
            self._log_event("suspend" if suspended else "unsuspend", key,
                            self._event_time(key, _ms(when or now_utc())))
            self._fold_flags(key)

    def bury(self, key: Key, day: int, when: datetime | None = None) -> None:
        with self.transaction():
            self._guard()
            self._log_event("bury", key, self._event_time(key, _ms(when or now_utc())),
                            day=day)
            self._fold_flags(key)

    # -- exams ---------------------------------------------------------------------------
    def save_exam(self, selection: str, score: int, total: int, report: dict[str, Any],
                  when: datetime | None = None) -> int:
        with self.transaction():
            cur = self.conn.execute(
                "INSERT INTO exams (time_ms, selection, score, total, report)"
                " VALUES (?, ?, ?, ?, ?)",
                (_ms(when or now_utc()), selection, score, total, json.dumps(report)))
        return int(cur.lastrowid or 0)

    def last_exam(self, selection: str) -> dict[str, Any] | None:
        row = self.conn.execute(
            "SELECT id, time_ms, score, total FROM exams WHERE selection = ?"
            " ORDER BY id DESC LIMIT 1", (selection,)).fetchone()
        if row is None:
            return None
        exam_id, time_ms, score, total = row
        return {"id": exam_id, "time_ms": time_ms, "score": score, "total": total,
                "percent": 100.0 * score / total if total else 0.0}

    def leeches(self) -> list[Key]:
        return [(d, c) for d, c in self.conn.execute(
            "SELECT deck_id, card_id FROM card_flags WHERE leech = 1 ORDER BY deck_id, card_id")]

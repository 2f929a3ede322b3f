"""Reading the review log for fitting, and appending reviews imported from another tool.

Imported answers go into the same append-only log as answers given here (no suggested grade,
answer or verdict), with the state after each one computed by the current scheduler, in one
transaction: an import is whole or not at all. An imported answer must be newer than the
card's history here (its state is computed on top of it): older ones are skipped and
reported. An
answer already in the log (same card, same millisecond) is a duplicate and skipped, so
importing the same file twice adds nothing the second time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from quizcards.core import schedule
from quizcards.core.queue import Key
from quizcards.store.db import Store


@dataclass(frozen=True, slots=True)
class ImportedAnswer:
    key: Key
    time_ms: int
    grade: int
    duration_ms: int | None
    line: int = 0  # where it came from, for reports


@dataclass
class ImportResult:
    imported: int = 0
    cards: int = 0
    duplicates: int = 0
    older: list[ImportedAnswer] = field(default_factory=list)  # before the card's history
    leeches: list[Key] = field(default_factory=list)


def import_answers(store: Store, answers: Iterable[ImportedAnswer]) -> ImportResult:
    result = ImportResult()
    pending = sorted(answers, key=lambda a: (a.time_ms, a.line))
    # the scheduler's version column and label, where this store's schema has them
    label = getattr(schedule, "version", None)
    with store.transaction() as conn:
        store._guard()
        columns = {row[1] for row in conn.execute("PRAGMA table_info(reviews)")}
        versioned = "scheduler_version" in columns and label is not None
        keys = {a.key for a in pending}
        known: dict[Key, tuple[set[int], int]] = {}
        for key in keys:
            times = {t for (t,) in conn.execute(
                "SELECT time_ms FROM live_reviews WHERE deck_id = ? AND card_id = ?", key)}
            known[key] = (times, max(times, default=-1))
        states: dict[Key, schedule.State] = {}
        touched: set[Key] = set()
        for a in pending:
            times, latest = known[a.key]
            if a.time_ms in times:
                result.duplicates += 1
                continue
            if a.time_ms < latest:
                result.older.append(a)
                continue
            times.add(a.time_ms)
            before = states.get(a.key) or store.state(a.key) or schedule.initial(
                store.scheduler)
            when = datetime.fromtimestamp(a.time_ms / 1000, UTC)
            after = schedule.review(store.scheduler, before, a.grade, when, store.rule,
                                    fsrs=store.fsrs)
            states[a.key] = after
            values = (*a.key, a.time_ms, store.rule.day_of(when), a.grade, a.duration_ms,
                      store.scheduler, after.to_json())
            if versioned:
                assert label is not None
                conn.execute(
                    "INSERT INTO reviews (deck_id, card_id, time_ms, day, grade, duration_ms,"
                    " scheduler, state_after, mode, scheduler_version)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'review', ?)",
                    (*values, label(store.scheduler)))
            else:
                conn.execute(
                    "INSERT INTO reviews (deck_id, card_id, time_ms, day, grade, duration_ms,"
                    " scheduler, state_after, mode) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'review')",
                    values)
            touched.add(a.key)
            result.imported += 1
        for key in sorted(touched):
            store._replay_card(key)
            if store._settle_leech(key):  # a leech event: suspended and flagged
                result.leeches.append(key)
        result.cards = len(touched)
    return result

"""Numbers for `quizcards stats` and the Stats screen, read from the log."""

from __future__ import annotations

from quizcards.store.db import Store


def reviewed_on(store: Store, day: int) -> int:
    row = store.conn.execute(
        "SELECT count(*) FROM live_reviews WHERE day = ?", (day,)).fetchone()
    return int(row[0])


# The recalls after a delay in a window of days: each recent answer with the day of the same
# card's previous answer, found through the (deck, card, id) index. A window function over the
# whole log read every answer ever given (16 s at 1,000,000 answers); this reads the window's.
_RECENT_RECALLS = """
    SELECT deck_id, card_id, grade FROM (
        SELECT r.deck_id, r.card_id, r.grade, r.day,
               (SELECT p.day FROM live_reviews p WHERE p.deck_id = r.deck_id
                AND p.card_id = r.card_id AND p.id < r.id ORDER BY p.id DESC LIMIT 1) AS prev
        FROM live_reviews r WHERE r.day > ?
    ) WHERE prev IS NOT NULL AND prev < day
"""


def retention(store: Store, today: int, days: int = 30) -> float | None:
    """Share of answers graded >= 3 among recalls after a delay (the card's previous answer
    was on an earlier day), over the last `days` days. None when there were none."""
    row = store.conn.execute(
        f"SELECT count(*), sum(grade >= 3) FROM ({_RECENT_RECALLS})", (today - days,)
    ).fetchone()
    total, passed = int(row[0]), int(row[1] or 0)
    return round(passed / total, 4) if total else None


def streak(store: Store, today: int) -> int:
    """Consecutive study days with at least one answer, ending today (or yesterday when
    today has none yet: the streak is not lost before the day is over)."""
    def answered(day: int) -> bool:  # one indexed probe per day of the streak
        return store.conn.execute(
            "SELECT 1 FROM live_reviews WHERE day = ? LIMIT 1", (day,)).fetchone() is not None

    day = today if answered(today) else today - 1
    count = 0
    while answered(day):
        count += 1
        day -= 1
    return count


def reviews_per_day(store: Store, first_day: int) -> dict[int, int]:
    return {d: n for d, n in store.conn.execute(
        "SELECT day, count(*) FROM live_reviews WHERE day >= ? GROUP BY day", (first_day,))}


def forecast(store: Store, today: int, days: int = 30) -> dict[int, int]:
    """Cards falling due on each of the next `days` days (overdue counted today)."""
    out = {today + i: 0 for i in range(days)}
    for due, n in store.conn.execute(
        "SELECT max(due_day, ?), count(*) FROM card_state s WHERE due_day < ? AND NOT EXISTS"
        " (SELECT 1 FROM card_flags f WHERE f.deck_id = s.deck_id AND f.card_id = s.card_id"
        " AND f.suspended = 1) GROUP BY max(due_day, ?)", (today, today + days, today)):
        out[due] = n
    return out


def hardest(store: Store, limit: int = 10) -> list[tuple[str, str, int, int]]:
    """(deck, card, lapses, answers) of the cards with the most lapses."""
    return list(store.conn.execute(
        "SELECT deck_id, card_id, lapses, reviews FROM card_state WHERE lapses > 0"
        " ORDER BY lapses DESC, reviews DESC LIMIT ?", (limit,)))


def recalls(store: Store, today: int, days: int = 30) -> list[tuple[str, str, int]]:
    """(deck, card, grade) of every recall after a delay in the last `days` days."""
    return list(store.conn.execute(_RECENT_RECALLS, (today - days,)))

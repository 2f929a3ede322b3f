"""Scale: 50,000 cards and 1,000,000 logged reviews (SPEC: start <= 1 s, queue <= 100 ms).

Builds the database once (SM-2 states computed by replaying the generated log), then
measures, as medians of several runs:
- start: a fresh process that imports quizcards, opens the store and builds today's queue
  (baseline: a fresh `python -c "import sqlite3"`);
- open: Store.open in-process;
- queue: reading states, flags and today's counts and building the queue
  (baseline: one bare `SELECT` over card_state with sqlite3).

    python bench/scale.py [--cards 50000] [--reviews 1000000] [--db PATH]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from quizcards.core.day import DayRule
from quizcards.core.queue import CardRef, DailyLimits, build_queue
from quizcards.core.schedule import LoggedAnswer, replay
from quizcards.store.db import Store

RULE = DayRule(4, UTC)
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def build(path: Path, n_cards: int, n_reviews: int) -> None:
    rng = random.Random(7)
    store = Store.open(path, "sm2", RULE)
    per_card = n_reviews // n_cards
    answers: list[LoggedAnswer] = []
    start = NOW - timedelta(days=400)
    for c in range(n_cards):
        t = start + timedelta(minutes=rng.randrange(60 * 24 * 30))
        for _ in range(per_card):
            answers.append(LoggedAnswer(f"deck{c % 50}", f"card{c}", t,
                                        rng.choice([1, 3, 4, 4, 5, 5])))
            t += timedelta(days=rng.randrange(1, 20) / per_card * 10)
    answers.sort(key=lambda a: a.time)
    states = replay("sm2", answers, RULE)
    states_after: dict[tuple[str, str], str] = {}
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO reviews (deck_id, card_id, time_ms, day, grade, scheduler,"
            " state_after) VALUES (?, ?, ?, ?, ?, 'sm2', ?)",
            ((a.deck_id, a.card_id, int(a.time.timestamp() * 1000), RULE.day_of(a.time),
              a.grade, states_after.get((a.deck_id, a.card_id), "{}")) for a in answers))
        for key, state in states.items():
            store._put_state(key, state, first_day=RULE.day_of(start))
    store.close()


def refs(n_cards: int) -> list[CardRef]:
    return [CardRef(f"deck{c % 50}", f"card{c}", frozenset({"t"})) for c in range(n_cards)]


def queue_once(store: Store, cards: list[CardRef], index: dict) -> int:  # type: ignore[type-arg]
    # as the Library does: the key index is built once when the decks load, not per queue
    day = RULE.day_of(NOW)
    q = build_queue(cards, store.queue_inputs(day), store.flags(), day, DailyLimits(20, 200),
                    store.done_today(day), index=index)
    return len(q)


START = """
import sys, time
from datetime import UTC, datetime
from pathlib import Path
from quizcards.core.day import DayRule
from quizcards.core.queue import CardRef, DailyLimits, build_queue
from quizcards.store.db import Store
rule = DayRule(4, UTC)
store = Store.open(Path(sys.argv[1]), "sm2", rule)
day = rule.day_of(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
cards = [CardRef(f"deck{c % 50}", f"card{c}") for c in range(int(sys.argv[2]))]
q = build_queue(cards, store.queue_inputs(day), store.flags(), day, DailyLimits(20, 200),
                store.done_today(day))
"""


def timed(fn, runs: int = 7) -> float:  # type: ignore[no-untyped-def]
    values = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        values.append(time.perf_counter() - t)
    return statistics.median(values)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cards", type=int, default=50_000)
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=None)
    args = parser.parse_args()
    path = args.db or Path(tempfile.mkdtemp()) / "scale.sqlite3"
    if not path.exists():
        t = time.perf_counter()
        build(path, args.cards, args.reviews)
        print(f"built {args.cards:,} cards / {args.reviews:,} reviews in "
              f"{time.perf_counter() - t:.1f} s ({path.stat().st_size / 1e6:.0f} MB)")
    cards = refs(args.cards)

    start = timed(lambda: subprocess.run([sys.executable, "-c", START, str(path),
                                          str(args.cards)], check=True), runs=5)
    bare = timed(lambda: subprocess.run([sys.executable, "-c", "import sqlite3"], check=True),
                 runs=5)
    open_s = timed(lambda: Store.open(path, "sm2", RULE).close())
    store = Store.open(path, "sm2", RULE)
    index = {ref.key: (i, ref) for i, ref in enumerate(cards)}
    size = queue_once(store, cards, index)
    queue_s = timed(lambda: queue_once(store, cards, index))

    def scan() -> None:
        with sqlite3.connect(path) as conn:
            conn.execute("SELECT deck_id, card_id, due_day FROM card_state").fetchall()

    scan_s = timed(scan)
    store.close()
    print(f"{'':34}{'median':>10}{'baseline':>12}{'budget':>9}")
    print(f"{'start (fresh process, to queue)':34}{start * 1000:>8.0f}ms{bare * 1000:>10.0f}ms"
          f"{'1000ms':>9}  {'met' if start <= 1 else 'MISSED'}")
    print(f"{'open the store':34}{open_s * 1000:>8.1f}ms{'':>12}")
    print(f"{'today queue (' + str(size) + ' cards)':34}{queue_s * 1000:>8.1f}ms"
          f"{scan_s * 1000:>10.1f}ms{'100ms':>9}  {'met' if queue_s <= 0.1 else 'MISSED'}")
    print("baselines: start = a fresh `python -c 'import sqlite3'`; queue = one bare SELECT of "
          "card_state")


if __name__ == "__main__":
    main()

"""Scale: 50,000 cards in 50 YAML files and 1,000,000 logged reviews.

SPEC budgets: `stats` <= 1 s with a warm parse cache, <= 3 s cold (the first start after
every deck changed); the home screen painted <= 1 s; today's queue <= 100 ms; editing one
deck parses only that deck again.

Builds a profile once (QUIZCARDS_HOME: the decks as YAML files in the user's deck folder, and
a database whose SM-2 states come from replaying the generated log), then measures, as
medians of several runs:
- stats cold / warm: `quizcards stats --json` in a fresh process, after every deck file was
  changed (cold) or with nothing changed (warm); baseline: the same command on a fresh
  profile with the shipped decks alone;
- home painted: `quizcards` in a pty (80x24) until the home screen's today line is written;
  baseline: a minimal Textual app painting one line;
- one deck edited: how many deck files a load parses again, and the load's time;
- start: a fresh process that imports quizcards, opens the store and builds today's queue
  (baseline: a fresh `python -c "import sqlite3"`);
- queue: reading states, flags and today's counts and building the queue
  (baseline: one bare `SELECT` over card_state with sqlite3).

    python bench/scale.py [--cards 50000] [--reviews 1000000] [--home DIR] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
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
from quizcards.decks.cache import DeckCache
from quizcards.decks.loader import load_paths
from quizcards.paths import shipped_decks_dir
from quizcards.store.db import Store

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tui_latency import MINIMAL_APP, Terminal, quizcards

RULE = DayRule(4, UTC)
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
DECKS = 50


def deck_yaml(k: int, n_cards: int, stamp: str = "") -> str:
    """Deck k holds cards card{c} for c = k mod 50: shape, value, recall and choice cards."""
    out = [f"# {stamp}", f"id: deck{k}", f"title: Scale deck {k}", "setup: import torch",
           "tags: [scale]", "cards:"]
    for c in range(k, n_cards, DECKS):
        kind = c % 4
        out.append(f"  - id: card{c}")
        if kind == 0:
            out += ["    kind: shape", f"    prompt: 'Shape of `torch.zeros({c % 7 + 1}, 3)`?'",
                    f"    code: result = torch.zeros({c % 7 + 1}, 3)"]
        elif kind == 1:
            out += ["    kind: value", f"    prompt: 'What is `{c} + 1`?'",
                    f"    code: result = {c} + 1", "    explain: Integer addition."]
        elif kind == 2:
            out += ["    kind: recall", f"    prompt: 'Recall fact {c}.'",
                    f"    answer: Fact {c} is about `torch.Tensor.view`."]
        else:
            out += ["    kind: choice", f"    prompt: 'Which is true of card {c}?'",
                    "    options: ['views share storage', 'views copy data']",
                    "    correct: [a]"]
    return "\n".join(out) + "\n"


def write_decks(folder: Path, n_cards: int, stamp: str = "") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for k in range(DECKS):
        (folder / f"deck{k}.yaml").write_text(deck_yaml(k, n_cards, stamp))


def build(path: Path, n_cards: int, n_reviews: int) -> None:
    rng = random.Random(7)
    store = Store.open(path, "sm2", RULE)
    per_card = n_reviews // n_cards
    answers: list[LoggedAnswer] = []
    start = NOW - timedelta(days=400)
    for c in range(n_cards):
        t = start + timedelta(minutes=rng.randrange(60 * 24 * 30))
        for _ in range(per_card):
            answers.append(LoggedAnswer(f"deck{c % DECKS}", f"card{c}", t,
                                        rng.choice([1, 3, 4, 4, 5, 5])))
            t += timedelta(days=rng.randrange(1, 20) / per_card * 10)
    answers.sort(key=lambda a: a.time)
    states = replay("sm2", answers, RULE)
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO reviews (deck_id, card_id, time_ms, day, grade, scheduler,"
            " state_after) VALUES (?, ?, ?, ?, ?, 'sm2', '{}')",
            ((a.deck_id, a.card_id, int(a.time.timestamp() * 1000), RULE.day_of(a.time),
              a.grade) for a in answers))
        for key, state in states.items():
            store._put_state(key, state, first_day=RULE.day_of(start))
    store.close()


def refs(n_cards: int) -> list[CardRef]:
    return [CardRef(f"deck{c % DECKS}", f"card{c}", frozenset({"t"})) for c in range(n_cards)]


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


def profile_env(home: Path) -> dict[str, str]:
    return {**os.environ, "QUIZCARDS_HOME": str(home), "TERM": "xterm-256color",
            "COLUMNS": "80", "LINES": "24"}


def stats_json(env: dict[str, str]) -> dict:  # type: ignore[type-arg]
    done = subprocess.run([*quizcards(), "stats", "--json"], env=env, check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout)


def painted(argv: list[str], env: dict[str, str], marker: bytes) -> float:
    term = Terminal(argv, env)
    try:
        return term.expect(marker, 60) - term.started
    finally:
        term.close()


def line(label: str, value: float, baseline: float, budget: float) -> str:
    return (f"{label:38}{value * 1000:>8.0f}ms{baseline * 1000:>10.0f}ms{budget * 1000:>8.0f}ms"
            f"  {'met' if value <= budget else 'MISSED'}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cards", type=int, default=50_000)
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--home", type=Path, default=None, help="reuse a profile built before")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="qc-scale-"))
    decks = home / "data" / "decks"  # the layout of paths.py
    path = home / "data" / "quizcards.sqlite3"
    (home / "config").mkdir(parents=True, exist_ok=True)
    if not path.exists():
        t = time.perf_counter()
        write_decks(decks, args.cards)
        build(path, args.cards, args.reviews)
        print(f"built {DECKS} YAML decks of {args.cards // DECKS:,} cards and "
              f"{args.reviews:,} reviews in {time.perf_counter() - t:.1f} s "
              f"({path.stat().st_size / 1e6:.0f} MB) under {home}")
    env = profile_env(home)
    fresh = profile_env(Path(tempfile.mkdtemp(prefix="qc-scale-empty-")))

    # stats: cold = every deck changed since the cache was written; warm = nothing changed
    colds = []
    for run in range(args.runs):
        write_decks(decks, args.cards, stamp=f"edit {run} {time.time()}")
        t = time.perf_counter()
        report = stats_json(env)
        colds.append(time.perf_counter() - t)
    assert sum(d["cards"] for d in report["decks"].values()) >= args.cards, "decks not loaded"
    warm = timed(lambda: stats_json(env), runs=args.runs + 2)
    stats_json(fresh)  # the shipped decks' cache, written once
    shipped = timed(lambda: stats_json(fresh), runs=args.runs + 2)

    home_painted = statistics.median(painted([*quizcards()], env, rb"streak")
                                     for _ in range(args.runs))
    minimal = statistics.median(painted([sys.executable, "-c", MINIMAL_APP], env,
                                        b"hello-painted") for _ in range(args.runs))

    # one deck edited: only its file is parsed again
    folders = [shipped_decks_dir(), decks]
    cache_file = path.with_name(path.stem + "-decks.cache")
    load_paths(folders, DeckCache(cache_file))  # the cache as it is after a start
    edited = decks / "deck7.yaml"
    edited.write_text(edited.read_text() + "# one more line\n")
    t = time.perf_counter()
    cache = DeckCache(cache_file)
    load_paths(folders, cache)
    reload_s = time.perf_counter() - t
    t = time.perf_counter()
    load_paths(folders, DeckCache(cache_file))
    unchanged_s = time.perf_counter() - t

    start = timed(lambda: subprocess.run([sys.executable, "-c", START, str(path),
                                          str(args.cards)], check=True), runs=args.runs)
    bare = timed(lambda: subprocess.run([sys.executable, "-c", "import sqlite3"], check=True),
                 runs=args.runs)
    open_s = timed(lambda: Store.open(path, "sm2", RULE).close())
    store = Store.open(path, "sm2", RULE)
    cards = refs(args.cards)
    index = {ref.key: (i, ref) for i, ref in enumerate(cards)}
    size = queue_once(store, cards, index)
    queue_s = timed(lambda: queue_once(store, cards, index))

    def scan() -> None:
        with sqlite3.connect(path) as conn:
            conn.execute("SELECT deck_id, card_id, due_day FROM card_state").fetchall()

    scan_s = timed(scan)
    store.close()
    print(f"{args.cards:,} cards in {DECKS} YAML files, {args.reviews:,} reviews; medians")
    print(f"{'':38}{'median':>10}{'baseline':>10}{'budget':>10}")
    print(line("stats --json, cold parse cache", statistics.median(colds), shipped, 3.0))
    print(line("stats --json, warm parse cache", warm, shipped, 1.0))
    print(line("home screen painted (pty 80x24)", home_painted, minimal, 1.0))
    print(line(f"today's queue ({size} cards)", queue_s, scan_s, 0.1))
    print(f"{'start (fresh process, to queue)':38}{start * 1000:>8.0f}ms{bare * 1000:>8.0f}ms")
    print(f"{'open the store':38}{open_s * 1000:>8.1f}ms")
    print(f"one deck edited: parsed {cache.misses} of {cache.misses + cache.hits} deck files "
          f"again in {reload_s * 1000:.0f} ms (nothing changed: {unchanged_s * 1000:.0f} ms)")
    print("baselines: stats = the same command on a fresh profile with the shipped decks "
          "alone; home = a minimal Textual app painting one line; queue = one bare SELECT of "
          "card_state; start = a fresh `python -c 'import sqlite3'`")


if __name__ == "__main__":
    main()

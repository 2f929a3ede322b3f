"""TUI latency (SPEC: launch to first card <= 0.6 s; answer to next card <= 50 ms).

- launch: a fresh process runs the review headless (Textual's test driver, 80x24) on the
  shipped decks and a fresh profile; the figure is the time from spawning the process to
  the first card painted (interpreter start included). Baseline: the wall time of a fresh
  process that only imports textual.
- answer to next: in one app, the time from choosing a grade to the next card painted
  (the answer is committed to SQLite in between), over many cards.

    python bench/tui_latency.py [--runs 7] [--cards 40]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LAUNCH = """
import asyncio, sys, time
from quizcards.ui.app import create_app
from quizcards.ui.review import ReviewScreen

async def main():
    app = create_app(start_review=True)
    async with app.run_test(size=(80, 24)) as pilot:
        while not (isinstance(app.screen, ReviewScreen) and app.screen.shown):
            await pilot.pause(0)
        await pilot.pause(0)  # one more refresh: the card is painted
        print(time.time() - float(sys.argv[1]))  # from spawn to painted, process start included
        app.exit()

asyncio.run(main())
"""


def wall(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, check=True, env=env, capture_output=True)
    return time.perf_counter() - started


def first_paint(env: dict[str, str]) -> float:
    """Seconds from spawning the process to the first card painted (what the user waits);
    shutting down afterwards is not counted."""
    out = subprocess.run([sys.executable, "-c", LAUNCH, repr(time.time())], check=True,
                         env=env, capture_output=True, text=True).stdout
    return float(out.strip().splitlines()[-1])


async def answer_to_next(n_cards: int) -> list[float]:
    from quizcards.checker.client import Checker
    from quizcards.library import Library
    from quizcards.ui.app import create_app
    from quizcards.ui.review import GradeBar, ReviewScreen

    home = Path(tempfile.mkdtemp())
    decks = home / "decks"
    decks.mkdir()
    cards = "\n".join(
        f"  - {{id: c{i}, kind: recall, prompt: 'Card {i}?', answer: 'a{i}'}}"
        for i in range(n_cards))
    (decks / "bench.yaml").write_text(f"id: bench\ntitle: Bench\ncards:\n{cards}\n")
    lib = Library.open([decks], db_path=home / "db.sqlite3")
    lib.config = lib.config.model_copy(update={"new_per_day": n_cards})
    times: list[float] = []
    with Checker() as checker:
        app = create_app(lib, checker, start_review=True)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, ReviewScreen)
            for _ in range(n_cards - 1):
                await pilot.press("enter")  # reveal (recall): feedback and grade bar
                while screen.phase != "feedback":
                    await pilot.pause(0)
                key = screen.shown.key  # type: ignore[union-attr]
                started = time.perf_counter()
                screen.query_one(GradeBar).action_choose(5)  # the "5" key's action
                while screen.shown.key == key:  # type: ignore[union-attr]
                    await pilot.pause(0)
                await pilot.pause(0)  # the next card laid out and painted
                times.append(time.perf_counter() - started)
    lib.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--cards", type=int, default=40)
    args = parser.parse_args()
    env = {**os.environ, "QUIZCARDS_HOME": tempfile.mkdtemp()}
    launch = statistics.median(first_paint(env) for _ in range(args.runs))
    base = statistics.median(wall([sys.executable, "-c", "import textual.app"], env)
                             for _ in range(args.runs))
    nexts = asyncio.run(answer_to_next(args.cards))
    med = statistics.median(nexts) * 1000
    p95 = sorted(nexts)[int(0.95 * len(nexts))] * 1000
    print(f"{'':36}{'median':>9}{'baseline':>10}{'budget':>8}")
    print(f"{'launch to first card (process)':36}{launch * 1000:>7.0f}ms{base * 1000:>8.0f}ms"
          f"{'600ms':>8}  {'met' if launch <= 0.6 else 'MISSED'}")
    print(f"{'answer to next card':36}{med:>7.1f}ms{'':>10}{'50ms':>8}  "
          f"{'met' if med <= 50 else 'MISSED'}   (p95 {p95:.1f} ms, n={len(nexts)})")
    print("baseline: a fresh process that only imports textual.app")


if __name__ == "__main__":
    main()

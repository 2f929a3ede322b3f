"""`lint` of 1,000 executable cards (SPEC: <= 60 s on 2 cores, with a progress bar).

Writes a deck of N generated shape/value/output/raises cards (each with a stated answer
that lint must verify), runs `quizcards lint` on it in a fresh process, and prints the wall
time beside the baseline: the same cards run as a fresh `python -c` each, measured on a
sample and scaled up.

    python bench/lint_scale.py [--cards 1000] [--sample 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

TEMPLATES = [
    ("shape", "x = torch.randn({a}, {b}, 4)\nresult = x.sum(dim=1)", "[{a}, 4]"),
    ("value", "result = torch.arange({a}).sum()", "{s}"),
    ("output", "print(list(range({a})))", "{lst}"),
    ("raises", "torch.ones({a}) + torch.ones({b})", "RuntimeError"),
]


def make_deck(n: int) -> dict:  # type: ignore[type-arg]
    cards = []
    for i in range(n):
        kind, code, answer = TEMPLATES[i % len(TEMPLATES)]
        a, b = 2 + i % 7, 9 + i % 5
        fmt = {"a": a, "b": b, "s": sum(range(a)), "lst": str(list(range(a)))}
        stated = answer.format(**fmt)
        card = {"id": f"c{i:04d}", "kind": kind, "prompt": "?", "code": code.format(**fmt),
                "answer": yaml.safe_load(stated) if kind == "shape" else stated}
        cards.append(card)
    return {"id": "lint-bench", "title": "Lint bench", "setup": "import torch", "cards": cards}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cards", type=int, default=1000)
    parser.add_argument("--sample", type=int, default=20)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp())
    own = home / "data" / "decks"  # the user's own deck folder: trusted to run
    own.mkdir(parents=True)
    deck = own / "lint-bench.yaml"
    deck.write_text(yaml.safe_dump(make_deck(args.cards), sort_keys=False))
    env = {**os.environ, "QUIZCARDS_HOME": str(home)}

    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "quizcards", "lint", str(deck)], env=env,
                          capture_output=True, text=True)
    took = time.perf_counter() - started
    if proc.returncode != 0:
        print(proc.stdout[-2000:], proc.stderr[-2000:])
        raise SystemExit("lint found problems in the generated deck")

    fresh = []
    for card in make_deck(args.sample)["cards"]:
        script = "import torch\n" + card["code"]
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", script], capture_output=True)
        fresh.append(time.perf_counter() - t)
    baseline = statistics.median(fresh) * args.cards
    print(proc.stderr.strip().splitlines()[-1])
    print(f"{'':30}{'seconds':>10}{'per card':>12}")
    print(f"{'quizcards lint (cores: ' + str(os.cpu_count()) + ')':30}{took:>10.1f}"
          f"{took / args.cards * 1000:>10.1f}ms")
    print(f"{'fresh python -c each (est.)':30}{baseline:>10.1f}"
          f"{baseline / args.cards * 1000:>10.1f}ms   (median of {args.sample}, x{args.cards})")
    print(f"budget: <= 60 s: {'met' if took <= 60 else 'MISSED'}; {baseline / took:.0f}x faster "
          "than the baseline")


if __name__ == "__main__":
    main()

"""Warm-check latency against a fresh `python -c` per check (SPEC: median <= 20 ms, >= 50x).

Runs N checks of shape and value cards through the warm worker, then the same checks as a
fresh interpreter each (import torch, run the card's code, compare), and prints median and
p95 of both and the ratio. Not a timed test: it only reports.

    python bench/check_latency.py [--checks 200] [--fresh 200]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from quizcards.checker.client import Checker
from quizcards.core.models import Deck

CARDS = [
    ("shape", "x = torch.randn(3, 6, 4)\nresult = x.max(dim=1).values", "(3, 4)"),
    ("shape", "x = torch.randn(2, 5)\nresult = x.softmax(dim=-1).sum(dim=0, keepdim=True)",
     "(1, 5)"),
    ("value", "result = torch.tensor([[1, 7, 3], [9, 2, 5]]).argmax(dim=1)", "tensor([1, 0])"),
    ("value", "result = torch.log_softmax(torch.tensor([1., 2.]), dim=0)",
     "tensor([-1.3133, -0.3133])"),
]
BUDGET_MS, RATIO_BUDGET = 20.0, 50.0


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def fresh_check(kind: str, code: str, answer: str) -> float:
    script = (
        "import torch\ntorch.manual_seed(0)\n" + code + "\n"
        + ("import ast\nassert tuple(result.shape) == tuple(ast.literal_eval('" + answer + "'))"
           if kind == "shape" else
           "from torch import tensor\nassert torch.allclose(result.float(), (" + answer
           + ").float(), rtol=1e-3, atol=1e-4)")
    )
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", script], check=True, capture_output=True)
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--checks", type=int, default=200)
    parser.add_argument("--fresh", type=int, default=200, help="fresh-subprocess checks")
    args = parser.parse_args()

    deck = Deck.model_validate({"id": "bench", "title": "Bench", "setup": "import torch",
                                "cards": [{"id": f"c{i}", "kind": k, "prompt": "?", "code": c}
                                          for i, (k, c, _) in enumerate(CARDS)]})
    with Checker() as checker:
        started = time.perf_counter()
        checker._clients[0].wait_ready()
        warmup = time.perf_counter() - started
        warm: list[float] = []
        for i in range(args.checks):
            card = deck.cards[i % len(CARDS)]
            t = time.perf_counter()
            verdict = checker.check(deck, card, CARDS[i % len(CARDS)][2])
            warm.append((time.perf_counter() - t) * 1000)
            assert verdict.correct, verdict
    fresh = [fresh_check(*CARDS[i % len(CARDS)]) for i in range(args.fresh)]

    wm, wp = statistics.median(warm), pct(warm, 0.95)
    fm, fp = statistics.median(fresh), pct(fresh, 0.95)
    print(f"worker warm-up (import torch, off the UI path): {warmup:.2f} s")
    print(f"{'':28}{'median':>10}{'p95':>10}{'n':>6}")
    print(f"{'warm check (quizcards)':28}{wm:>8.1f}ms{wp:>8.1f}ms{len(warm):>6}")
    print(f"{'fresh python -c (baseline)':28}{fm:>8.1f}ms{fp:>8.1f}ms{len(fresh):>6}")
    ratio = fm / wm
    print(f"ratio (baseline / warm, medians): {ratio:.0f}x")
    print(f"budget: median <= {BUDGET_MS:.0f} ms: {'met' if wm <= BUDGET_MS else 'MISSED'}; "
          f">= {RATIO_BUDGET:.0f}x: {'met' if ratio >= RATIO_BUDGET else 'MISSED'}")


if __name__ == "__main__":
    main()

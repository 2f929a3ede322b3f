"""Checker latency, each figure beside a fresh `python -c` per check in the same run.

SPEC budgets (medians): a typed answer whose truth is cached <= 1 ms; whose truth must be
computed <= 15 ms; a code card <= 25 ms; the sandbox layers cost at most 2 ms over none.
Between timed checks the bench idles a little, as a learner reading the next card does: the
next sandboxed child is prepared then, off the answer path (its preparation time is printed
too, and so is the latency of checks fired back to back with no idle time at all).
Not a timed test: it only reports.

    python bench/check_latency.py [--checks 100] [--fresh 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

from quizcards.checker.client import Checker, WorkerOptions
from quizcards.core.models import Deck

ALL_LAYERS = ("landlock", "seccomp", "user_ns", "mount_ns", "pid_ns", "net_ns", "ipc_ns",
              "proc")
IDLE = 0.15  # seconds between checks, as while reading a card
BUDGETS = {"cached": 1.0, "uncached": 15.0, "code": 25.0, "layers": 2.0}
CODE_TESTS = ("assert f(17) == 29907\n"
              "assert [f(i) for i in range(5)] == [13, 7932, 15851, 23770, 31689]")
CODE_REFERENCE = "def f(x):\n    return (x * 7919 + 13) % 104729"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def deck_of(i: int) -> Deck:
    """A shape card and a value card whose code differs by i (a new truth each time)."""
    return Deck.model_validate({"id": "bench", "title": "Bench", "setup": "import torch",
                                "cards": [
        {"id": "s", "kind": "shape", "prompt": "?",
         "code": f"x = torch.randn(3, 6, {4 + i % 5})\nresult = x.max(dim=1).values  # {i}"},
        {"id": "v", "kind": "value", "prompt": "?",
         "code": f"result = torch.tensor([1., 2.]).softmax(dim=0)  # {i}"},
        {"id": "c", "kind": "code", "prompt": "?", "tests": CODE_TESTS,
         "reference": CODE_REFERENCE},
    ]})


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def uncached(checker: Checker, n: int, idle: float, first: int = 0) -> list[float]:
    times = []
    for i in range(first, first + n):
        deck = deck_of(i)
        card, answer = (deck.cards[0], "(3, 4)") if i % 2 else (deck.cards[1],
                                                                "tensor([0.2689, 0.7311])")
        if idle:
            time.sleep(idle)
        times.append(timed(lambda: checker.check(deck, card, answer)))  # noqa: B023
    return times


def measure(checks: int, disable: tuple[str, ...] = ()) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    with Checker(options=WorkerOptions(disable=disable)) as checker:
        checker._clients[0].wait_ready()
        uncached(checker, 5, IDLE, 10_000)  # first forks, caches of the allocator
        out["uncached"] = uncached(checker, checks, IDLE)
        out["back to back"] = uncached(checker, checks // 2, 0.0, 20_000)
        deck = deck_of(0)
        checker.check(deck, deck.cards[1], "tensor([0.2689, 0.7311])")
        out["cached"] = [timed(lambda: checker.check(deck, deck.cards[1],
                                                     "tensor([0.2689, 0.7311])"))
                         for _ in range(checks * 10)]
        checker.truth(deck, deck.cards[2])  # the reference's values, as prefetch would
        answer = "def f(x):\n    return (7919 * x + 13) % 104729"
        out["code"] = []
        for _ in range(checks):
            time.sleep(IDLE)
            out["code"].append(timed(lambda: checker.check(deck, deck.cards[2], answer)))
        out["isolation"] = [float(bool(v)) for k, v in checker.isolation.items()
                            if k != "missing" and v is not None]  # None: not applicable
    return out


def fresh_check(code: str) -> float:
    script = ("import torch\ntorch.manual_seed(0)\n" + code + "\n"
              "assert tuple(result.shape) == (3, 4)")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", script], check=True, capture_output=True)
    return (time.perf_counter() - started) * 1000


def spare_preparation(n: int = 10) -> list[float]:
    """How long the worker takes to fork and confine the next child (off the answer path)."""
    from quizcards.checker import sandbox
    from quizcards.checker import worker as w

    w._warm()
    plan = sandbox.make_plan(sandbox.scratch_folder(), [])
    worker = w.Worker(plan)
    times = []
    try:
        for _ in range(n):
            started = time.perf_counter()
            spare = worker._fork()
            worker._read_ready(spare)
            times.append((time.perf_counter() - started) * 1000)
            os.close(spare.job_w)  # EOF: the spare exits without running anything
            worker.pending.append(spare)
            worker.reap(block=True)
    finally:
        worker.close()  # once: it ends the zygote the forks come from
    return times


def row(name: str, values: list[float], budget: float | None = None) -> None:
    med = statistics.median(values)
    verdict = "" if budget is None else ("  met" if med <= budget else "  MISSED")
    limit = "" if budget is None else f"  (budget <= {budget:g} ms)"
    print(f"  {name:<36}{med:>9.2f}{pct(values, 0.95):>9.2f}{len(values):>6}{limit}{verdict}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--checks", type=int, default=100)
    parser.add_argument("--fresh", type=int, default=20, help="fresh-subprocess checks")
    args = parser.parse_args()

    full = measure(args.checks)
    bare = measure(args.checks, ALL_LAYERS)
    fresh = [fresh_check(deck_of(0).cards[0].code) for _ in range(args.fresh)]  # type: ignore[attr-defined]
    spare = spare_preparation()

    print(f"{'milliseconds':<38}{'median':>9}{'p95':>9}{'n':>6}")
    row("typed answer, truth cached", full["cached"], BUDGETS["cached"])
    row("typed answer, truth computed", full["uncached"], BUDGETS["uncached"])
    row("code card (reference cached)", full["code"], BUDGETS["code"])
    row("typed, computed, back to back", full["back to back"])
    row("  the same, every layer off", bare["uncached"])
    row("next child prepared (off path)", spare)
    row("fresh python -c (baseline)", fresh)
    cost = statistics.median(full["uncached"]) - statistics.median(bare["uncached"])
    met = "met" if cost <= BUDGETS["layers"] else "MISSED"
    print(f"layers' cost (medians, all layers - none): {cost:+.2f} ms "
          f"(budget <= {BUDGETS['layers']:g} ms: {met})")
    for name in ("cached", "uncached", "code"):
        ratio = statistics.median(fresh) / statistics.median(full[name])
        print(f"baseline / {name}: {ratio:,.0f}x")
    held = int(sum(full["isolation"]))
    print(f"layers in force: {held} of {len(full['isolation'])}")


if __name__ == "__main__":
    main()

"""TUI latency as a user feels it, in a real terminal (a pty, 80x24), with the real checker.

SPEC budgets: submitting an answer to the feedback painted median <= 30 ms and p95 <= 60 ms
on executable cards, the first check included (the worker warms while the first card is
read); launch to the first card painted <= 0.4 s; answer to the next card <= 50 ms.

- launch: `quizcards review` spawned in a pty on a fresh profile; the figure is the time
  until the first card's prompt has been written to the terminal. Baselines in the same
  run: a fresh process that only imports textual.app, and a minimal Textual app painting
  one line in the same pty (the floor for any Textual app).
- submit to feedback: shape and value cards (code run by the checker); the clock starts
  when Enter is written to the terminal and stops when the verdict has been written back.
  The bench "reads" each card first (6 s for the first, while torch loads; 0.6 s after).
- answer to next: from the grade key written to the next card's prompt painted.

Not a timed test: it only reports.

    python bench/tui_latency.py [--runs 5] [--cards 24]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import re
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

MINIMAL_APP = """
from textual.app import App
from textual.widgets import Static
class Hello(App):
    def compose(self):
        yield Static("hello-painted")
Hello().run()
"""


class Terminal:
    """A process in an 80x24 pty; `expect` reads its output until a pattern shows."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.started = time.perf_counter()
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: exec in the pty
            os.execvpe(argv[0], argv, env)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.buffer = b""

    def send(self, keys: str) -> float:
        os.write(self.fd, keys.encode())
        return time.perf_counter()

    def expect(self, pattern: bytes, timeout: float = 60.0) -> float:
        """Read until `pattern` (a regex) appears in new output; returns the time it did.
        The buffer is consumed up to the match."""
        regex = re.compile(pattern)
        deadline = time.perf_counter() + timeout
        while True:
            match = regex.search(self.buffer)
            if match:
                self.buffer = self.buffer[match.end():]
                return time.perf_counter()
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"no {pattern!r} in {timeout} s; last output "
                                   f"{self.buffer[-300:]!r}")
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    self.buffer += os.read(self.fd, 65536)
                except OSError:
                    raise TimeoutError(f"the process ended before {pattern!r}") from None

    def drain(self, seconds: float) -> None:
        """Keep reading (the app keeps painting) for a while, as a reader's pause."""
        end = time.perf_counter() + seconds
        while (left := end - time.perf_counter()) > 0:
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    self.buffer += os.read(self.fd, 65536)
                except OSError:
                    return
        self.buffer = self.buffer[-4096:]

    def close(self) -> None:
        try:
            os.kill(self.pid, signal.SIGTERM)
            end = time.time() + 10
            while time.time() < end and os.waitpid(self.pid, os.WNOHANG) == (0, 0):
                time.sleep(0.05)
            else:
                os.kill(self.pid, signal.SIGKILL)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(self.fd)


def bench_deck(n: int) -> str:
    """Shape and value cards whose code the checker runs; each prompt carries a marker."""
    cards = []
    for i in range(n):
        if i % 2 == 0:
            cards.append(f"  - id: s{i}\n    kind: shape\n    prompt: 'Card-{i}: shape?'\n"
                         f"    code: result = torch.zeros({i % 5 + 1}, 3)")
        else:
            cards.append(f"  - id: v{i}\n    kind: value\n    prompt: 'Card-{i}: value?'\n"
                         f"    code: result = torch.tensor([{i}, 2]) * 2")
    return "id: bench\ntitle: Bench\nsetup: import torch\ncards:\n" + "\n".join(cards) + "\n"


def profile(cards: int) -> dict[str, str]:
    """A fresh QUIZCARDS_HOME holding the bench deck (a user deck: trusted) and a config
    that lets every card be new today."""
    home = Path(tempfile.mkdtemp(prefix="qc-bench-"))
    decks, config = home / "data" / "decks", home / "config"  # the layout of paths.py
    decks.mkdir(parents=True)
    config.mkdir()
    (decks / "bench.yaml").write_text(bench_deck(cards))
    (config / "config.toml").write_text(f"new_per_day = {cards}\n")
    return {**os.environ, "QUIZCARDS_HOME": str(home), "TERM": "xterm-256color",
            "COLUMNS": "80", "LINES": "24"}


def quizcards() -> list[str]:
    exe = shutil.which("quizcards")
    return [exe] if exe else [sys.executable, "-m", "quizcards"]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far (its threads, not its children): a
    figure that other load on the machine barely changes, unlike the wall clock."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def painted(argv: list[str], env: dict[str, str], marker: bytes) -> tuple[float, float]:
    """Wall seconds until `marker` is painted, and the CPU seconds the process spent so far."""
    term = Terminal(argv, env)
    try:
        wall = term.expect(marker, 30) - term.started
        return wall, cpu_seconds(term.pid)
    finally:
        term.close()


def launch(env: dict[str, str]) -> tuple[float, float]:
    return painted([*quizcards(), "review", "--deck", "bench"], env, rb"Card-\d+")


def minimal_app(env: dict[str, str]) -> tuple[float, float]:
    return painted([sys.executable, "-c", MINIMAL_APP], env, b"hello-painted")


def review(env: dict[str, str], cards: int) -> tuple[list[float], list[float], float]:
    """Seconds from Enter to the verdict painted, per card; grade to next card painted."""
    feedback: list[float] = []
    nexts: list[float] = []
    term = Terminal([*quizcards(), "review", "--deck", "bench"], env)
    try:
        term.expect(rb"Card-(\d+)", 30)
        term.drain(6.0)  # reading the first card while torch loads in the worker
        for i in range(cards):
            term.send("(1, 3)")  # readable as a shape and as a value: right or wrong
            term.drain(0.6)  # typing and reading
            sent = term.send("\r")
            feedback.append(term.expect("(✓ right|✗ wrong)".encode(), 30) - sent)
            term.drain(0.3)
            if i == cards - 1:
                break
            sent = term.send("4")  # a grade: on to the next card
            nexts.append(term.expect(rb"Card-\d+", 30) - sent)
        first = feedback[0]
    finally:
        term.close()
    return feedback, nexts, first


def ms(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return (statistics.median(ordered) * 1000,
            ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cards", type=int, default=24)
    parser.add_argument("--launch-only", action="store_true",
                        help="measure launch against its baselines, skip the review")
    args = parser.parse_args()
    env = profile(args.cards)
    launches = [launch(env) for _ in range(args.runs)]
    floors = [minimal_app(env) for _ in range(args.runs)]
    imports = []
    for _ in range(args.runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import textual.app"], check=True, env=env)
        imports.append(time.perf_counter() - started)
    feedback, nexts, first = [], [], 0.0
    if not args.launch_only:  # a fresh profile: every card new, the worker cold at launch
        feedback, nexts, first = review(profile(args.cards), args.cards)
    l_med = statistics.median(w for w, _ in launches) * 1000
    l_cpu = statistics.median(c for _, c in launches) * 1000
    b_med = statistics.median(w for w, _ in floors) * 1000
    b_cpu = statistics.median(c for _, c in floors) * 1000
    print(f"{'':34}{'median':>9}{'p95':>9}{'baseline':>10}{'budget':>16}")
    print(f"{'launch to first card (pty)':34}{l_med:>7.0f}ms{'':>9}"
          f"{b_med:>8.0f}ms{'<= 400 ms':>16}  "
          f"{'met' if l_med <= 400 else 'MISSED'}   (x{l_med / b_med:.2f} the baseline)")
    print(f"{'  its CPU time (load-independent)':34}{l_cpu:>7.0f}ms{'':>9}{b_cpu:>8.0f}ms"
          f"{'':>16}   (x{l_cpu / b_cpu:.2f} the baseline)")
    print(f"baselines: a minimal Textual app painting one line in the same pty (launch); "
          f"importing textual.app alone: {statistics.median(imports) * 1000:.0f} ms")
    if args.launch_only:
        return
    f_med, f_p95 = ms(feedback)
    n_med, n_p95 = ms(nexts)
    print(f"{'submit to feedback painted':34}{f_med:>7.1f}ms{f_p95:>7.1f}ms{'':>10}"
          f"{'<= 30 / 60 ms':>16}  {'met' if f_med <= 30 and f_p95 <= 60 else 'MISSED'}"
          f"   (n={len(feedback)}, first check {first * 1000:.1f} ms)")
    print(f"{'answer to next card painted':34}{n_med:>7.1f}ms{n_p95:>7.1f}ms{'':>10}"
          f"{'<= 50 ms':>16}  {'met' if n_med <= 50 else 'MISSED'}   (n={len(nexts)})")


if __name__ == "__main__":
    main()

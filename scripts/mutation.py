#!/usr/bin/env python3
"""Mutation testing of core/ and the judge: run mutmut, then report the score per module and
per group, with every mutant the tests did not notice.

    python scripts/mutation.py                # a fresh run (about 15-25 min on one core)
    python scripts/mutation.py --jobs 2       # mutants in parallel
    python scripts/mutation.py --resume       # keep earlier results: only changed code again
    python scripts/mutation.py --report-only  # the report of the last run
    python scripts/mutation.py --show         # ... with the diff of every surviving mutant

What is mutated and which tests run is configured under [tool.mutmut] in pyproject.toml.
Each mutant runs only the selected tests that call the mutated function (mutmut records
which in a first, unmutated run). A run writes its results under mutants/ (git-ignored).
Exit status: 0 when every group scores at least --min-score, 1 when one does not, 2 when
mutmut itself failed.

The score counts a mutant as caught when a test failed (killed) or ran past its time limit
(timeout: the mutant made the code loop); survived and `no tests` mutants count against it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MUTANTS = REPO / "mutants"

# mutmut's exit codes, by what they mean (mutmut/stats.py)
_STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests",
           34: "skipped", 36: "timeout", -24: "timeout", 24: "timeout", 152: "timeout",
           255: "timeout", 37: "type check", -11: "segfault", -9: "segfault",
           2: "interrupted"}
CAUGHT = ("killed", "timeout")


@dataclass
class Tally:
    counts: Counter[str] = field(default_factory=Counter)
    missed: list[str] = field(default_factory=list)  # survived and no-tests mutants

    def add(self, other: Tally) -> None:
        self.counts.update(other.counts)
        self.missed.extend(other.missed)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def caught(self) -> int:
        return sum(self.counts[s] for s in CAUGHT)

    @property
    def score(self) -> float:
        return 100.0 * self.caught / self.total if self.total else 100.0


def status_of(code: int | None) -> str:
    return "not checked" if code is None else _STATUS.get(code, "suspicious")


def mutated_patterns() -> list[str]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))
    return list(config["tool"]["mutmut"]["only_mutate"])


def group_of(path: str) -> str:
    return "core/" if "/core/" in path else "judge"


def tally(patterns: list[str]) -> dict[str, Tally]:
    """Per source file (relative to the repository), from mutants/**/*.py.meta."""
    out: dict[str, Tally] = {}
    for meta in sorted(MUTANTS.glob("src/**/*.py.meta")):
        source = str(meta.relative_to(MUTANTS))[: -len(".meta")]
        if not any(fnmatch(source, p) for p in patterns):
            continue
        codes: dict[str, int | None] = json.loads(meta.read_text("utf-8"))["exit_code_by_key"]
        t = Tally()
        for name, code in sorted(codes.items()):
            status = status_of(code)
            t.counts[status] += 1
            if status not in CAUGHT:
                t.missed.append(f"{name}: {status}")
        out[source] = t
    return out


def _row(name: str, t: Tally) -> str:
    c = t.counts
    return (f"{name:<40} {t.total:>7} {c['killed']:>7} {c['survived']:>8} {c['timeout']:>8} "
            f"{c['no tests']:>8} {t.score:>6.1f}%")


def report(min_score: float, show: bool) -> int:
    per_file = tally(mutated_patterns())
    if not per_file:
        print("no results under mutants/: run without --report-only first", file=sys.stderr)
        return 2
    groups: dict[str, Tally] = {}
    header = (f"{'module':<40} {'mutants':>7} {'killed':>7} {'survived':>8} {'timeout':>8} "
              f"{'no tests':>8} {'score':>7}")
    print(header)
    for source, t in per_file.items():
        groups.setdefault(group_of(source), Tally()).add(t)
        print(_row(source.removeprefix("src/quizcards/"), t))
    print()
    for name, t in groups.items():
        print(_row(f"group {name}", t))
    unchecked = sum(t.counts["not checked"] for t in per_file.values())
    if unchecked:
        print(f"\n{unchecked} mutants were not checked (an interrupted run?)")
    missed = [m for t in per_file.values() for m in t.missed]
    print(f"\n{len(missed)} mutants not caught:")
    for line in missed:
        print("   ", line)
    if show and missed:
        for line in missed:
            name = line.split(":", 1)[0]
            subprocess.run([sys.executable, "-m", "mutmut", "show", name], cwd=REPO, check=False)
    below = [name for name, t in groups.items() if t.score < min_score]
    if below:
        print(f"\nbelow {min_score:g}%: {', '.join(below)}")
        return 1
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=1, help="mutants run at once (default 1)")
    parser.add_argument("--resume", action="store_true",
                        help="keep mutants/ from the last run (mutmut re-checks changed code)")
    parser.add_argument("--report-only", action="store_true", help="only print the report")
    parser.add_argument("--show", action="store_true", help="print each missed mutant's diff")
    parser.add_argument("--min-score", type=float, default=90.0,
                        help="the least score of each group (default 90)")
    parser.add_argument("mutants", nargs="*", help="only these mutants (names or globs)")
    args = parser.parse_args()
    if not args.report_only:
        try:
            import mutmut  # noqa: F401
        except ImportError:
            print("mutmut is not installed: pip install -e '.[mutation]'", file=sys.stderr)
            return 2
        if not args.resume and not args.mutants and MUTANTS.exists():
            shutil.rmtree(MUTANTS)
        # the tests must import the mutated copy under mutants/src: mutmut puts it first on
        # sys.path and drops ./src, but a PYTHONPATH entry would still come before it
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "mutmut", "run", "--max-children",
                               str(args.jobs), *args.mutants], cwd=REPO, env=env, check=False)
        minutes, seconds = divmod(round(time.monotonic() - started), 60)
        print(f"\nmutmut run: {minutes} min {seconds} s")
        if done.returncode != 0:
            print(f"mutmut failed (exit {done.returncode})", file=sys.stderr)
            return 2
    return report(args.min_score, args.show)


if __name__ == "__main__":
    sys.exit(main())

"""`quizcards lint`: deck structure first, then every card run and every stated answer checked.

Execution is spread over `jobs` warm workers; each parametrised card runs up to `max_combos`
of its param combinations. A deck from outside the trusted folders is reported, not run.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quizcards.core.models import CardBase, CodeCard, ShapeCard
from quizcards.core.params import fill, sample
from quizcards.decks.loader import LoadedDeck, LoadResult, Problem, load_paths

if TYPE_CHECKING:
    from quizcards.checker.client import Checker


@dataclass
class LintReport:
    problems: list[Problem] = field(default_factory=list)
    decks: int = 0
    cards: int = 0
    runs: int = 0
    skipped: list[str] = field(default_factory=list)
    seconds: float = 0.0
    executed: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        what = f"{self.decks} decks, {self.cards} cards"
        if self.executed:
            what += f", {self.runs} runs"
        if self.skipped:
            what += f", {len(self.skipped)} skipped"
        verdict = "ok" if self.ok else f"{len(self.problems)} problems"
        return f"lint: {what}: {verdict} ({self.seconds:.1f} s)"

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "decks": self.decks,
            "cards": self.cards,
            "runs": self.runs,
            "executed": self.executed,
            "skipped": self.skipped,
            "seconds": round(self.seconds, 3),
            "problems": [p.to_json() for p in self.problems],
        }


def stated_answer(card: CardBase, values: dict[str, Any]) -> str | None:
    """The card's own `answer` as a learner would type it (None when the card states none)."""
    answer = getattr(card, "answer", None)
    if answer is None:
        return None
    if isinstance(card, ShapeCard) and isinstance(answer, list):
        return "(" + ", ".join(str(d) for d in answer) + ("," if len(answer) == 1 else "") + ")"
    if isinstance(answer, str):
        return fill(answer, values) if values else answer
    return repr(answer)  # a YAML literal for a value card: Python reads its repr back


@dataclass
class _Run:
    loaded: LoadedDeck
    card: CardBase
    values: dict[str, Any]
    answer: str | None


def _plan(result: LoadResult, max_combos: int, report: LintReport) -> list[_Run]:
    from quizcards.checker.client import gate
    from quizcards.checker.trust import is_trusted

    runs: list[_Run] = []
    for loaded in result.decks:
        if not is_trusted(loaded.path, loaded.sha256):
            report.problems.append(Problem(
                _rel(loaded.path), 1, 1, loaded.deck.id, None,
                f"not run: this deck is outside your deck folders; run "
                f"`quizcards trust {loaded.path}` after reading it"))
            continue
        for card in loaded.deck.cards:
            if not card.executable:
                continue
            reason = gate(loaded.deck, card)
            if reason:
                report.skipped.append(f"{loaded.deck.id}/{card.id}: {reason}")
                continue
            for values in sample(card.params, max_combos):
                runs.append(_Run(loaded, card, values, stated_answer(card, values)))
    return runs


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _judge(run: _Run, raw: dict[str, Any]) -> Problem | None:
    card, loaded = run.card, run.loaded
    where = " with " + ", ".join(f"{k}={v!r}" for k, v in run.values.items()) if run.values else ""
    status = raw.get("status")
    diagnosis = raw.get("diagnosis") or ""
    if raw.get("malformed"):
        return loaded.problem(card.id, "answer", f"the stated answer cannot be read{where}: "
                              f"{diagnosis}")
    if status != "ok":
        fieldname = "answer" if isinstance(card, CodeCard) and run.answer else "code"
        if isinstance(card, CodeCard) and not run.answer:
            fieldname = "reference"
        return loaded.problem(card.id, fieldname, f"{status}{where}: {diagnosis}")
    if run.answer is not None and not raw.get("correct"):
        return loaded.problem(
            card.id, "answer",
            f"stated answer {run.answer!r} disagrees with execution{where}: expected "
            f"{raw.get('expected')} ({diagnosis})")
    return None


class _Progress:
    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.done, self.enabled = total, 0, enabled and total > 0
        self.start = time.monotonic()

    def step(self) -> None:
        self.done += 1
        if not self.enabled:
            return
        width = 30
        filled = width * self.done // self.total
        rate = self.done / max(time.monotonic() - self.start, 1e-6)
        sys.stderr.write(f"\r  running cards [{'#' * filled}{'.' * (width - filled)}] "
                         f"{self.done}/{self.total} ({rate:.0f}/s) ")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r" + " " * 70 + "\r")
            sys.stderr.flush()


def lint(
    paths: list[Path],
    *,
    execute: bool = True,
    jobs: int | None = None,
    max_combos: int = 8,
    progress: bool = False,
    checker: Checker | None = None,
) -> LintReport:
    """Lint `paths`; pass a started `checker` to reuse warm workers across runs (watch)."""
    started = time.monotonic()
    result = load_paths(paths)
    report = LintReport(problems=list(result.problems), decks=len(result.decks),
                        cards=sum(len(d.deck.cards) for d in result.decks))
    if execute:
        report.executed = True
        runs = _plan(result, max_combos, report)
        if runs:
            from quizcards.checker.client import Checker, build_job

            own = checker is None
            if checker is None:
                workers = max(1, min(jobs or os.cpu_count() or 1, len(runs)))
                checker = Checker(workers)
                checker.start()
            bar = _Progress(len(runs), progress)
            try:
                jobs_ = [build_job(r.loaded.deck, r.card, r.answer, 0, r.values) for r in runs]
                for i, raw in checker.map(jobs_):
                    bar.step()
                    problem = _judge(runs[i], raw)
                    if problem is not None:
                        report.problems.append(problem)
            finally:
                if own:
                    checker.close()
            bar.close()
            report.runs = len(runs)
    report.problems.sort()
    report.seconds = time.monotonic() - started
    return report

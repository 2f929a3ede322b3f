"""`quizcards lint`: deck structure first, then every card run and every stated answer checked.

Execution is spread over `jobs` warm workers; each parametrised card runs up to `max_combos`
of its param combinations. A deck from outside the trusted folders is reported, not run.
"""

from __future__ import annotations

import functools
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quizcards.core.cloze import SEPARATOR
from quizcards.core.limits import MAX_COMBOS
from quizcards.core.models import CardBase, ClozeItem, CodeCard, ShapeCard
from quizcards.core.params import fill, sample
from quizcards.core.verdict import Verdict
from quizcards.core.words import plural
from quizcards.decks.loader import LoadedDeck, LoadResult, Problem, display_path, load_paths

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
        what = f"{plural(self.decks, 'deck')}, {plural(self.cards, 'card')}"
        if self.executed:
            what += f", {plural(self.runs, 'run')}"
        if self.skipped:
            what += f", {len(self.skipped)} skipped"
        verdict = "ok" if self.ok else plural(len(self.problems), "problem")
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
    """The card's own `answer` as a learner would type it (None when the card states none);
    a cloze item's: the answers of its deletions."""
    if isinstance(card, ClozeItem):
        return f" {SEPARATOR} ".join(d.answer.strip() for _, d in card.blanks())
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
    from quizcards.checker.trust import is_trusted, trusted_folders, why_untrusted
    from quizcards.installed import gate

    runs: list[_Run] = []
    folders = trusted_folders()
    for loaded in result.decks:
        if not is_trusted(loaded.real or loaded.path, loaded.sha256, folders):
            report.problems.append(Problem(
                display_path(loaded.path), 1, 1, loaded.deck.id, None,
                f"not run: this deck {why_untrusted(loaded.path)}; run `quizcards trust "
                f"{loaded.path}` after reading it, or add its folder to your deck folders "
                "(`quizcards folders add DIR`)"))
            continue
        for card in loaded.deck.items():  # a cloze card: each deletion number whose blanks
            if not card.executable:  # are in code runs with its own answers filled in
                continue
            reason = gate(loaded.deck, card)
            if reason:
                report.skipped.append(f"{loaded.deck.id}/{card.id}: {reason}")
                continue
            for values in sample(card.params, max_combos):
                runs.append(_Run(loaded, card, values, stated_answer(card, values)))
    return runs


def _where(values: dict[str, Any]) -> str:
    return " with " + ", ".join(f"{k}={v!r}" for k, v in values.items()) if values else ""


def _problem(run: _Run, verdict: Verdict, fieldname: str) -> Problem | None:
    """A positioned problem from a verdict on the card's own material, or None."""
    loaded, card, where = run.loaded, run.card, _where(run.values)
    if isinstance(card, ClozeItem):
        if verdict.status != "ok" or verdict.malformed:
            return loaded.problem(card.id, "code", f"{verdict.status}: {verdict.diagnosis}")
        if not verdict.correct:
            return loaded.problem(card.id, "code", f"c{card.number}: the code with its own "
                                  f"answer {run.answer!r} does not give what the original "
                                  f"gives ({verdict.diagnosis})")
        return None
    if verdict.malformed:
        return loaded.problem(card.id, "answer", f"the stated answer cannot be read{where}: "
                              f"{verdict.diagnosis}")
    if verdict.status != "ok":
        return loaded.problem(card.id, fieldname, f"{verdict.status}{where}: "
                              f"{verdict.diagnosis}")
    if run.answer is not None and not verdict.correct:
        return loaded.problem(
            card.id, "answer",
            f"stated answer {run.answer!r} disagrees with execution{where}: expected "
            f"{verdict.expected} ({verdict.diagnosis})")
    return None


def _lint_run(checker: Checker, run: _Run) -> list[Problem]:
    """Run one card with one param combination; the problems it shows."""
    deck, card, values, shipped = run.loaded.deck, run.card, run.values, run.loaded.shipped
    if not isinstance(card, CodeCard):
        verdict = checker.check(deck, card, run.answer, values=values, shipped=shipped)
        problem = _problem(run, verdict, "code")
        return [problem] if problem else []
    checks = "tests" if card.tests else "inputs"
    source = "reference" if card.reference else "answer"
    # 1. the reference passes its own checks, as written
    verdict = checker.verify(deck, card, values=values, shipped=shipped)
    if verdict.status != "ok":
        return [run.loaded.problem(card.id, source, f"{verdict.status}{_where(values)}: "
                                   f"{verdict.diagnosis}")]
    # 2. the checks observe something on it (the truth a learner is compared with)
    truth = checker.check(deck, card, None, values=values, shipped=shipped)
    if truth.status != "ok":
        return [run.loaded.problem(card.id, checks, f"{truth.status}{_where(values)}: "
                                   f"{truth.diagnosis}")]
    # 3. a model answer that differs from the reference gives what the reference gives
    if card.answer and card.reference and card.answer.strip() != card.reference.strip():
        verdict = checker.check(deck, card, fill(card.answer, values) if values else
                                card.answer, values=values, shipped=shipped)
        if not verdict.correct:
            return [run.loaded.problem(card.id, "answer", "the model answer does not match "
                                       f"the reference{_where(values)}: {verdict.diagnosis}")]
    return []


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
    max_combos: int = MAX_COMBOS,
    progress: bool = False,
    checker: Checker | None = None,
    allow_weak: bool = False,
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
            from quizcards.checker.client import make_checker

            own = checker is None
            if checker is None:
                workers = max(1, min(jobs or os.cpu_count() or 1, len(runs)))
                checker = make_checker(workers=workers, allow_weak=allow_weak)
            bar = _Progress(len(runs), progress)
            try:
                if own:
                    checker.start()  # in the try: a worker that cannot start closes the rest
                tasks = [functools.partial(_lint_run, checker, r) for r in runs]
                for _, problems in checker.map(tasks):
                    bar.step()
                    report.problems.extend(problems)
            finally:
                if own:
                    checker.close()
            bar.close()
            report.runs = len(runs)
    report.problems = sorted(set(report.problems))  # a cloze card's items share their code
    report.seconds = time.monotonic() - started
    return report

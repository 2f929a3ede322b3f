"""Exam mode (interview prep): a seeded, mixed selection of gradable cards, and the report.

Pure: the caller passes the cards, the answers with their verdicts and the clock readings.
Recall cards are left out: an exam needs objective grading, and they are self-graded.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from quizcards.core.kinds import KINDS
from quizcards.core.markdown import escape_text, fenced, protect


@dataclass(frozen=True)
class ExamCard:
    deck_id: str
    card_id: str
    kind: str
    tags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Selection:
    """What an exam draws from; exams on the same selection are compared."""

    decks: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    count: int = 20
    minutes: float = 15.0

    @property
    def key(self) -> str:
        return json.dumps({"decks": sorted(self.decks), "tags": sorted(self.tags),
                           "count": self.count}, sort_keys=True)


def select(cards: Iterable[ExamCard], selection: Selection, seed: int) -> list[ExamCard]:
    """A mixed set: cards matching the decks and tags, shuffled by seed, `count` of them."""
    pool = [
        c for c in cards
        if KINDS[c.kind].gradable
        and (not selection.decks or c.deck_id in selection.decks)
        and (not selection.tags or set(selection.tags) & c.tags)
    ]
    rng = random.Random(seed)
    rng.shuffle(pool)
    return pool[: selection.count]


@dataclass
class Outcome:
    """One exam question after the exam: answered or not, right or not, and why."""

    deck_id: str
    card_id: str
    prompt: str
    answer: str | None  # None: not answered before time ran out
    correct: bool
    expected: str | None
    diagnosis: str = ""
    explain: str | None = None
    tags: list[str] = field(default_factory=list)
    kind: str = ""  # the card kind: code answers are fenced as Python


@dataclass
class Report:
    selection: dict[str, Any]
    seed: int
    score: int
    total: int
    seconds: float
    by_topic: dict[str, tuple[int, int]]  # topic -> (right, asked)
    outcomes: list[Outcome]
    previous: dict[str, Any] | None = None  # the last exam on the same selection
    ended_early: bool = False  # ended by the learner before the last question or the time

    @property
    def percent(self) -> float:
        return 100.0 * self.score / self.total if self.total else 0.0

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["by_topic"] = {k: list(v) for k, v in self.by_topic.items()}
        return data


def build_report(selection: Selection, seed: int, outcomes: Sequence[Outcome], seconds: float,
                 previous: dict[str, Any] | None = None, ended_early: bool = False) -> Report:
    by_topic: dict[str, tuple[int, int]] = {}
    for o in outcomes:
        for topic in [o.deck_id, *(f"#{t}" for t in o.tags)]:
            right, asked = by_topic.get(topic, (0, 0))
            by_topic[topic] = (right + int(o.correct), asked + 1)
    score = sum(o.correct for o in outcomes)
    sel = {"decks": list(selection.decks), "tags": list(selection.tags),
           "count": selection.count, "minutes": selection.minutes}
    return Report(sel, seed, score, len(outcomes), seconds, dict(sorted(by_topic.items())),
                  list(outcomes), previous, ended_early)


def to_markdown(report: Report) -> str:
    """The report as GitHub Markdown: each missed prompt whole (its code blocks kept), the
    answer given and the expected one as fenced blocks, the explanation as written."""
    sel = report.selection
    what = ", ".join([*sel["decks"], *(f"#{t}" for t in sel["tags"])]) or "all decks"
    minutes, secs = divmod(int(report.seconds), 60)
    lines = [
        "# quizcards exam report",
        "",
        f"- Selection: {escape_text(what)} ({sel['count']} questions, {sel['minutes']:g} min, "
        f"seed {report.seed})",
        f"- Score: **{report.score}/{report.total}** ({report.percent:.0f}%) in "
        f"{minutes}:{secs:02d}",
    ]
    if report.previous:
        prev = report.previous
        delta = report.percent - prev["percent"]
        lines.append(f"- Last time on this selection: {prev['score']}/{prev['total']} "
                     f"({prev['percent']:.0f}%), {delta:+.0f} points")
    unanswered = sum(o.answer is None for o in report.outcomes)
    if unanswered:
        why = "ended early" if report.ended_early else "time ran out"
        lines.append(f"- Not answered ({why}): {unanswered}")
    lines += ["", "## By topic", "", "| topic | right | asked | score |", "|---|---|---|---|"]
    for topic, (right, asked) in report.by_topic.items():
        lines.append(f"| {escape_text(topic)} | {right} | {asked} | "
                     f"{100 * right / asked:.0f}% |")
    misses = [o for o in report.outcomes if not o.correct]
    lines += ["", f"## Misses ({len(misses)})"]
    for number, o in enumerate(misses, 1):
        language = "python" if o.kind == "code" else "text"
        lines += ["", f"### {number}. {o.deck_id}/{o.card_id}", "", protect(o.prompt.strip()),
                  "", "**Your answer**", ""]
        lines += [fenced(o.answer, language) if o.answer is not None and o.answer.strip()
                  else "*(not answered)*", "", "**Expected**", ""]
        lines.append(fenced(o.expected, language) if o.expected is not None else "*(none)*")
        if o.diagnosis:
            lines += ["", f"**Why it was marked wrong:** {escape_text(o.diagnosis)}"]
        if o.explain:
            lines += ["", "**Explanation**", "", protect(o.explain.strip())]
    return "\n".join(lines) + "\n"

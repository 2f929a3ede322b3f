"""A plain-terminal review loop (input()/print), used by `quizcards review --plain` and when
no full-screen terminal is available. Same queue, checker, grading and log as the TUI."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from quizcards.checker.client import Checker, make_checker
from quizcards.core.kinds import OPTION_LETTERS, kind_of
from quizcards.core.markdown import to_plain
from quizcards.core.models import CardBase, ChoiceCard, CodeCard
from quizcards.core.params import fill
from quizcards.core.schedule import LEECH_LAPSES
from quizcards.core.session import Session
from quizcards.core.verdict import Verdict
from quizcards.core.words import plural
from quizcards.errors import StoreError
from quizcards.library import Library
from quizcards.review_service import ReviewService, ShownCard

HELP = "Enter an answer; empty reveals (recall) | :u undo  :s suspend  :b bury  :q quit"


def _read(prompt: str, ask: Callable[[str], str]) -> str | None:
    try:
        return ask(prompt)
    except EOFError:
        return None


def _read_block(ask: Callable[[str], str]) -> str | None:
    """Several lines, ended by an empty line (for output and code cards)."""
    lines: list[str] = []
    while True:
        line = _read("... " if lines else "> ", ask)
        if line is None:
            return None if not lines else "\n".join(lines)
        if line.startswith(":") and not lines:
            return line
        if line == "" and lines:
            return "\n".join(lines)
        lines.append(line)


def show_card(card: CardBase, values: dict[str, object], out: Callable[[str], None]) -> None:
    out(to_plain(fill(card.prompt, values)))
    if isinstance(card, ChoiceCard):
        for letter, option in zip(OPTION_LETTERS, card.options, strict=False):
            out(f"  {letter}) {to_plain(fill(option, values))}")
    if isinstance(card, CodeCard) and card.starter:
        out("starter:\n" + card.starter.rstrip())


def show_verdict(card: CardBase, verdict: Verdict, out: Callable[[str], None],
                 values: dict[str, object] | None = None) -> None:
    if verdict.self_graded:  # recall: side by side, never marked wrong
        out("model answer:" if not verdict.got else "compare, then grade yourself:")
        out(f"  model: {verdict.expected}")
        if verdict.got:
            out(f"  yours: {verdict.got}")
            if not verdict.correct:
                out(f"  {verdict.diagnosis}")
    else:
        mark = "✓ right" if verdict.correct else "✗ wrong"
        if verdict.status != "ok":
            mark += f" [{verdict.status}]"
        out(mark)
        if verdict.expected is not None:
            out(f"  expected: {verdict.expected}")
        if verdict.got:
            out(f"  got:      {verdict.got}")
        if verdict.diagnosis:
            out(f"  {verdict.diagnosis}")
    if card.explain:
        why = to_plain(fill(card.explain, values or {}))
        out("  why: " + why.replace("\n", "\n       "))
    if card.source:
        out(f"  source: {fill(card.source, values or {})}")


def run(library: Library, session: Session, checker: Checker,
        ask: Callable[[str], str] = input, out: Callable[[str], None] = print) -> int:
    """Review until the session is empty or the user quits; returns answers recorded."""
    reviews = ReviewService(library, session, lambda: checker)
    started = time.monotonic()
    out(f"{len(session)} cards today ({len(session.reviews)} due, {len(session.repeats)} "
        f"learning, {len(session.new)} new). {HELP}")
    while (shown := reviews.next_card()) is not None:
        out("")
        out(f"[{reviews.answered + 1}/{reviews.answered + reviews.left}] "
            f"{shown.key[0]}/{shown.key[1]} ({shown.kind})  "
            f"{int(time.monotonic() - started) // 60} min")
        show_card(shown.card, shown.values, out)
        reviews.prefetch(shown)
        if not answer(reviews, shown, ask, out):
            return reviews.answered
    minutes = int(time.monotonic() - started) // 60
    out(f"\nDone: {plural(reviews.answered, 'answer')} in {plural(minutes, 'minute')}.")
    return reviews.answered


def answer(reviews: ReviewService, shown: ShownCard, ask: Callable[[str], str],
           out: Callable[[str], None]) -> bool:
    """Read commands and answers for the card shown until one moves the session on.
    False: the user quit (or the input ended)."""
    while True:
        multi = kind_of(shown.card).multiline
        text = _read_block(ask) if multi else _read("> ", ask)
        if text is None or text.strip() == ":q":
            return False
        command = text.strip()
        try:
            if command == ":u":
                undone = reviews.undo()
                out("nothing to undo" if undone is None else
                    f"undid your answer to {undone.key[0]}/{undone.key[1]}")
                if undone is None:
                    continue
                return True
            if command in (":s", ":b"):
                (reviews.suspend if command == ":s" else reviews.bury)(shown)
                out("suspended" if command == ":s" else "buried until tomorrow")
                return True
        except StoreError as exc:
            out(f"  not {'undone' if command == ':u' else 'changed'}: {exc}")
            continue
        attempt = reviews.attempt(shown, text)
        if not reviews.checker.warm and shown.card.executable:
            out("(warming up the checker...)")
        verdict = reviews.check(attempt)
        if verdict.malformed:
            out(f"  {verdict.diagnosis} - try again")
            continue
        show_verdict(shown.card, verdict, out, shown.values)
        hint = verdict.suggested_grade
        grade = _ask_grade(None if verdict.self_graded else hint, ask, out,
                           hint if verdict.self_graded and verdict.got else None)
        if grade is None:
            return False
        try:
            graded = reviews.record(attempt, verdict, grade)
        except StoreError as exc:  # read-only, taken over, or answered elsewhere
            out(f"  not recorded: {exc}")
            return True
        if graded.became_leech:
            out(f"  this card is now a leech ({LEECH_LAPSES} lapses): suspended; rewrite or "
                "study it")
        return True


def _ask_grade(suggested: int | None, ask: Callable[[str], str],
               out: Callable[[str], None], hint: int | None = None) -> int | None:
    """A grade 0-5; Enter takes the suggestion, where there is one (self-graded cards have
    none: only a hint)."""
    if suggested is not None:
        question = f"grade 0-5 [Enter = {suggested}]: "
    else:
        question = f"grade yourself 0-5{f' (hint: {hint})' if hint is not None else ''}: "
    while True:
        text = _read(question, ask)
        if text is None:
            return None
        text = text.strip()
        if text == "" and suggested is not None:
            return suggested
        if text in {"0", "1", "2", "3", "4", "5"}:
            return int(text)
        out("  a grade is a digit 0-5")


def claim_profile(library: Library, ask: Callable[[str], str],
                  out: Callable[[str], None]) -> bool:
    """Become the app that records on this profile, asking when another one is running.
    False: the user chose to quit."""
    other = library.claim()
    if other is None:
        return True
    out(f"quizcards is already running on this profile ({other.describe()}).")
    while True:
        choice = (_read("[r]ead-only (nothing recorded), [t]ake over, or [q]uit? ", ask)
                  or "q").strip().lower()
        if choice in ("r", "read-only"):
            library.read_only = True
            return True
        if choice in ("t", "take over"):
            library.claim(take_over=True)
            return True
        if choice in ("q", "quit"):
            return False


def run_session(library: Library, decks: list[str], tags: list[str]) -> int:
    """Today's review of `library`, line by line (the caller closes the library)."""
    for problem in library.decks.problems:
        print(problem, file=sys.stderr)
    if not claim_profile(library, input, print):
        return 0
    session = Session.from_queue(library.queue(decks=decks or None, tags=tags or None))
    if not len(session):
        print("Nothing to review today. Come back tomorrow, or add decks.")
        return 0
    with make_checker(config=library.config) as checker:  # torch warms in the background
        run(library, session, checker)
    return 0

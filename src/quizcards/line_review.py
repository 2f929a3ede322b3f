"""A plain-terminal review loop (input()/print), used by `quizcards review --plain` and when
no full-screen terminal is available. Same queue, checker, grading and log as the TUI."""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable

from quizcards.checker.client import Checker, make_checker
from quizcards.core.markdown import to_plain
from quizcards.core.models import CardBase, ChoiceCard, CodeCard, OutputCard, RecallCard
from quizcards.core.params import draw, fill
from quizcards.core.session import Session
from quizcards.core.verdict import Verdict
from quizcards.core.words import plural
from quizcards.errors import StoreError
from quizcards.library import Library
from quizcards.store.db import Answer

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
        for letter, option in zip("abcdefghijklmnopqrstuvwxyz", card.options, strict=False):
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
    total = len(session)
    started = time.monotonic()
    out(f"{total} cards today ({len(session.reviews)} due, {len(session.repeats)} learning, "
        f"{len(session.new)} new). {HELP}")
    while (key := session.peek()) is not None:
        found = library.lookup(key)
        if found is None:
            session.skip(key)
            continue
        loaded, card = found
        seed = random.randrange(1 << 30)
        values = draw(card.params, seed) if card.params else {}
        out("")
        out(f"[{session.answered + 1}/{session.answered + len(session)}] {key[0]}/{key[1]} "
            f"({card.kind})  {int(time.monotonic() - started) // 60} min")  # type: ignore[attr-defined]
        show_card(card, values, out)
        version = library.store.card_version(key)
        checker.prefetch(loaded.deck, card, seed=seed, values=values, shipped=loaded.shipped)
        shown = time.monotonic()
        while True:
            multi = isinstance(card, OutputCard | CodeCard)
            text = _read_block(ask) if multi else _read("> ", ask)
            if text is None or text.strip() == ":q":
                return session.answered
            command = text.strip()
            if command == ":u":
                try:
                    undone = library.store.undo_last()
                except StoreError as exc:
                    out(f"  not undone: {exc}")
                    continue
                if undone is None:
                    out("nothing to undo")
                    continue
                out(f"undid your answer to {undone['deck_id']}/{undone['card_id']}")
                session.put_back((undone["deck_id"], undone["card_id"]))
                break
            if command in (":s", ":b"):
                try:
                    if command == ":s":
                        library.store.set_suspended(key, True)
                    else:
                        library.store.bury(key, library.today())
                except StoreError as exc:
                    out(f"  not changed: {exc}")
                    continue
                session.skip(key)
                out("suspended" if command == ":s" else "buried until tomorrow")
                break
            seconds = time.monotonic() - shown
            if not checker.warm and card.executable:
                out("(warming up the checker...)")
            verdict = checker.check(loaded.deck, card, text, seed=seed, values=values,
                                    seconds=seconds, shipped=loaded.shipped,
                                    revealed=isinstance(card, RecallCard) and not text.strip())
            if verdict.malformed:
                out(f"  {verdict.diagnosis} - try again")
                continue
            show_verdict(card, verdict, out, values)
            hint = verdict.suggested_grade
            grade = _ask_grade(None if verdict.self_graded else hint, ask, out,
                               hint if verdict.self_graded and verdict.got else None)
            if grade is None:
                return session.answered
            try:
                recorded = library.store.record(Answer(
                    key[0], key[1], grade, verdict.suggested_grade, text,
                    {**verdict.to_json(), "seed": seed}, int(seconds * 1000),
                    shown_version=version, day=session.day))
            except StoreError as exc:  # read-only, taken over, or answered elsewhere
                out(f"  not recorded: {exc}")
                session.skip(key)
                break
            if recorded.became_leech:
                out("  this card is now a leech (8 lapses): suspended; rewrite or study it")
            session.done(key, session.wants_repeat(recorded.state))
            break
    minutes = int(time.monotonic() - started) // 60
    out(f"\nDone: {plural(session.answered, 'answer')} in {plural(minutes, 'minute')}.")
    return session.answered


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
    other = library.store.claim()
    if other is None:
        return True
    out(f"quizcards is already running on this profile ({other.describe()}).")
    while True:
        choice = (_read("[r]ead-only (nothing recorded), [t]ake over, or [q]uit? ", ask)
                  or "q").strip().lower()
        if choice in ("r", "read-only"):
            library.store.read_only = True
            return True
        if choice in ("t", "take over"):
            library.store.claim(take_over=True)
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

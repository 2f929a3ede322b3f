"""The `quizcards` command: thin subcommands that wire the layers together.

Imports are deferred into each command so that `quizcards --help` and `lint` start fast and
nothing here pulls in torch (only the checker worker process imports it).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from quizcards import __version__
from quizcards.core.kinds import CARD_KINDS, KINDS
from quizcards.core.limits import MAX_COMBOS
from quizcards.core.words import plural
from quizcards.errors import QuizcardsError, TrustError, UsageError

if TYPE_CHECKING:
    from quizcards.decks.loader import LoadedDeck
    from quizcards.library import Library

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="quizcards",
        description="Spaced-repetition quizzes for PyTorch and Python that run the code.",
    )
    parser.add_argument("--version", action="version", version=f"quizcards {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    review = sub.add_parser("review", help="review due cards (the default command)")
    review.add_argument("--deck", action="append", default=[], help="only this deck (repeatable)")
    review.add_argument("--tag", action="append", default=[], help="only cards with this tag")
    review.add_argument("--plain", action="store_true",
                        help="a line-by-line review instead of the full-screen one")

    exam = sub.add_parser("exam", help="a timed, mixed test with a report (interview prep)")
    exam.add_argument("--deck", action="append", default=[], help="only this deck (repeatable)")
    exam.add_argument("--tags", "--tag", action="append", default=[], dest="tags",
                      help="only cards with these tags (comma-separated or repeated)")
    exam.add_argument("--count", type=int, default=20, help="questions (default 20)")
    exam.add_argument("--minutes", type=float, default=15, help="time limit (default 15)")
    exam.add_argument("--seed", type=int, default=None, help="the same seed, the same exam")
    exam.add_argument("--record", action="store_true",
                      help="also log the answers as reviews (moves the schedule)")
    exam.add_argument("--markdown", type=Path, default=None, metavar="FILE",
                      help="write the report as Markdown")

    lint = sub.add_parser("lint", help="check deck files: structure, then every stated answer")
    lint.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    lint.add_argument("--json", action="store_true", help="print one JSON object")
    lint.add_argument("--no-exec", action="store_true", help="check structure only, run nothing")
    lint.add_argument("--jobs", type=int, default=0, help="parallel checks (default: cores)")
    lint.add_argument("--watch", action="store_true",
                      help="lint again every time a deck file changes (Ctrl+C stops)")
    lint.add_argument("--max-combos", type=int, default=MAX_COMBOS,
                      help="param combinations run per card (default 8)")
    lint.add_argument("--allow-weak-sandbox", action="store_true",
                      help="run decks from outside the shipped folder even where the sandbox "
                      "lacks Landlock or seccomp")

    sub.add_parser("schema", help="print the deck JSON Schema (for editor completion)")

    check = sub.add_parser("check", help="grade one answer to one card")
    check.add_argument("deckfile", type=Path)
    check.add_argument("card_id")
    check.add_argument("--answer", required=True)
    check.add_argument("--json", action="store_true")
    check.add_argument("--seed", type=int, default=0, help="which param combination to draw")
    check.add_argument("--seconds", type=float, default=None,
                       help="time the answer took (for the suggested grade)")
    check.add_argument("--allow-weak-sandbox", action="store_true",
                       help="run a deck from outside the shipped folder even where the sandbox "
                       "lacks Landlock or seccomp")

    trust = sub.add_parser("trust", help="allow a deck from outside your folders to run code")
    trust.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    trust.add_argument("--revoke", action="store_true")

    new = sub.add_parser("new", help="append a card template to a deck and open $EDITOR")
    new.add_argument("deckfile", type=Path, metavar="DECKFILE")
    new.add_argument("--kind", required=True, choices=CARD_KINDS)
    new.add_argument("--no-edit", action="store_true", help="do not open $EDITOR")

    export = sub.add_parser("export", help="write an Anki package, a CSV of cards, or the log")
    export.add_argument("file", type=Path, metavar="FILE",
                        help="FILE.apkg (Anki) or FILE.csv (cards, or the log with --log)")
    export.add_argument("--deck", action="append", default=[], help="only this deck")
    export.add_argument("--log", action="store_true",
                        help="the review log in the FSRS optimizer's CSV schema")

    imp = sub.add_parser("import", help="make a deck of recall cards from CSV/TSV or .apkg "
                         "(Anki Cloze notes become cloze cards), "
                         "or (--log) bring review history")
    imp.add_argument("file", type=Path, metavar="FILE", help="a .csv, .tsv or .apkg file")
    imp.add_argument("--log", action="store_true",
                     help="FILE is review history in the FSRS optimizer's CSV schema (what "
                     "`export --log` writes): add it to the log of cards you have")
    imp.add_argument("--deck-id", default=None, help="the new deck's id (a slug)")
    imp.add_argument("--title", default=None)
    imp.add_argument("--out", type=Path, default=None,
                     help="where to write the deck (default: your deck folder)")
    imp.add_argument("--force", action="store_true", help="replace an existing file")

    folders = sub.add_parser("folders", help="your own deck folders (`deck_folders` in "
                             "config.toml): loaded with your decks and trusted to run code")
    verbs = folders.add_subparsers(dest="verb", metavar="add|remove|list", required=True)
    add = verbs.add_parser("add", help="add a folder: its decks load and run without trust")
    add.add_argument("folder", type=Path, metavar="DIR")
    remove = verbs.add_parser("remove", help="take a folder out of your deck folders")
    remove.add_argument("folder", type=Path, metavar="DIR")
    listing = verbs.add_parser("list", help="each folder: there or not, how many deck files")
    listing.add_argument("--json", action="store_true", help="print one JSON object")

    sync = sub.add_parser("sync", help="merge your history with your other devices through a "
                          "folder that git, Syncthing, Dropbox or a network drive keeps in step")
    sync.add_argument("folder", nargs="?", type=Path, default=None, metavar="DIR",
                      help="the shared folder (default: sync_dir in config.toml)")
    sync.add_argument("--json", action="store_true", help="print one JSON object")

    stats = sub.add_parser("stats", help="today's numbers")
    stats.add_argument("--json", action="store_true")

    optimize = sub.add_parser("optimize", help="fit personal FSRS parameters on your review log")
    optimize.add_argument("--log", type=Path, default=None, metavar="FILE",
                          help="fit on this CSV (FSRS optimizer schema) instead of your log")
    optimize.add_argument("--retention", action="store_true",
                          help="also find the desired retention that minimises your workload")
    optimize.add_argument("--yes", action="store_true",
                          help="save to config.toml without asking")

    evaluate = sub.add_parser("evaluate", help="compare SM-2 and FSRS on your review log")
    evaluate.add_argument("--log", type=Path, default=None, metavar="FILE",
                          help="evaluate on this CSV (FSRS optimizer schema) instead of your log")
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    command = args.command or "review"
    if command in _APP_COMMANDS:
        # Start-up allocates many long-lived objects and no garbage: collecting before the
        # first paint only costs time (~7% of it). The app turns this back on after it.
        gc.disable()
    try:
        handler = _COMMANDS[command]
        return handler(args)
    except (UsageError, TrustError) as exc:
        print(f"quizcards: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except QuizcardsError as exc:
        print(f"quizcards: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `quizcards stats --json | head`: the reader left, that is fine
        sys.stderr.close()
        return EXIT_OK
    finally:
        gc.enable()


@contextlib.contextmanager
def _writing(path: Path) -> Iterator[None]:
    """Writing a file the user named: one that cannot be written (its folder is a file or
    read-only) is a message, not a traceback."""
    try:
        yield
    except OSError as exc:
        raise UsageError(f"{path}: cannot write: {exc.strerror or exc}") from None


def cmd_schema(args: argparse.Namespace) -> int:
    from quizcards.core.models import schema_json

    print(json.dumps(schema_json(), indent=2, ensure_ascii=False))
    return EXIT_OK


def cmd_lint(args: argparse.Namespace) -> int:
    from quizcards.decks.lint import lint

    for path in args.paths:
        if not path.exists():
            raise UsageError(f"no such file or folder: {path}")
    if args.watch:
        from quizcards.decks.watch import watch

        return watch(args.paths, execute=not args.no_exec, max_combos=args.max_combos,
                     allow_weak=args.allow_weak_sandbox)
    report = lint(
        args.paths,
        execute=not args.no_exec,
        jobs=args.jobs or None,
        max_combos=args.max_combos,
        progress=not args.json and sys.stderr.isatty(),
        allow_weak=args.allow_weak_sandbox,
    )
    if args.json:
        print(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        for problem in report.problems:
            print(problem)
        sys.stdout.flush()  # problems first, then the summary, even when both are piped
        print(report.summary(), file=sys.stderr)
    return EXIT_OK if report.ok else EXIT_PROBLEMS


def _load_one(path: Path) -> LoadedDeck:
    from quizcards.decks.loader import load_file

    if not path.is_file():
        raise UsageError(f"no such deck file: {path}")
    loaded, problems = load_file(path)
    for problem in problems:
        print(problem, file=sys.stderr)
    if loaded is None:
        raise UsageError(f"{path}: the deck does not load (see above)")
    return loaded


def cmd_check(args: argparse.Namespace) -> int:
    from quizcards.checker.client import make_checker
    from quizcards.checker.trust import require_trust

    loaded = _load_one(args.deckfile)
    card = loaded.card(args.card_id)
    if card is None:
        known = ", ".join(c.id for c in loaded.deck.items())
        raise UsageError(f"no card {args.card_id!r} in deck {loaded.deck.id!r} (cards: {known})")
    if card.executable:
        require_trust(loaded.path, loaded.sha256, loaded.real)
    with make_checker(allow_weak=args.allow_weak_sandbox) as checker:
        verdict = checker.check(loaded.deck, card, args.answer, seed=args.seed,
                                seconds=args.seconds, shipped=loaded.shipped)
    data = {"deck": loaded.deck.id, "card": card.id, **verdict.to_json()}
    if args.json:
        print(json.dumps(data, ensure_ascii=False, default=repr))
        return EXIT_OK
    mark = "right" if verdict.correct else ("could not read the answer" if verdict.malformed
                                            else "wrong")
    status = "" if verdict.status == "ok" else f" [{verdict.status}]"
    print(f"{mark}{status}")
    if verdict.expected is not None and not verdict.malformed:
        print(f"  expected: {verdict.expected}")
    if verdict.got is not None:
        print(f"  got:      {verdict.got}")
    if verdict.diagnosis:
        print(f"  {verdict.diagnosis}")
    if card.explain:
        from quizcards.core.markdown import to_plain
        from quizcards.core.params import fill

        why = to_plain(fill(card.explain, verdict.params))
        print("  why: " + why.replace("\n", "\n       "))
    print(f"  suggested grade: {verdict.suggested_grade}")
    return EXIT_OK


def cmd_trust(args: argparse.Namespace) -> int:
    from quizcards.checker import trust
    from quizcards.decks.loader import read_deck_bytes

    for path in args.paths:
        if not path.is_file():
            raise UsageError(f"no such deck file: {path}")
        if args.revoke:
            found = trust.revoke(path)
            print(f"{path}: {'no longer trusted' if found else 'was not trusted'}")
            continue
        # the bytes are read once: what is parsed and checked here is what gets pinned
        data, problems = read_deck_bytes(path)
        if data is None:
            for problem in problems:
                print(problem, file=sys.stderr)
            raise UsageError(f"{path}: not trusted (see above)")
        digest = trust.trust(path, data)
        print(f"{path}: trusted (sha256 {digest[:12]}); editing it revokes this")
    return EXIT_OK


def _require_known(what: str, given: Sequence[str], known: set[str]) -> None:
    """A usage error naming the closest known name for each unknown one."""
    import difflib

    for name in given:
        if name in known:
            continue
        close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}? " if close else ""
        listing = ", ".join(sorted(known)) or "none"
        raise UsageError(f"no {what} {name!r}: {hint}({what}s: {listing})")


def cmd_review(args: argparse.Namespace) -> int:
    from quizcards.library import Library

    decks, tags = getattr(args, "deck", []), getattr(args, "tag", [])
    library = Library.open()
    synced = False
    try:
        _require_known("deck", decks, {d.deck.id for d in library.decks.decks})
        _require_known("tag", tags, {t for ref in library.refs() for t in ref.tags})
        synced = _sync_quietly(library, "at start")
        if getattr(args, "plain", False) or not sys.stdout.isatty() or not sys.stdin.isatty():
            from quizcards import line_review

            gc.enable()
            return line_review.run_session(library, decks, tags)
        from quizcards.ui.app import create_app

        create_app(library, decks=decks, tags=tags, start_review=args.command == "review").run()
    finally:
        if synced:
            _sync_quietly(library, "at quit")
        library.close()
    return EXIT_OK


def _sync_quietly(library: Library, when: str) -> bool:
    """With `sync_dir` set: sync, and say what it did on stderr. A failure is a message,
    never the end of the session. False when there is no sync_dir."""
    if library.config.sync_path is None:
        return False
    if library.read_only:  # another app records here: it syncs when it quits
        return True
    try:
        report = library.sync()
    except Exception as exc:  # a sync that fails must not take the review with it
        print(f"quizcards: not synced {when}: {exc}", file=sys.stderr)
        return True
    print(f"quizcards: synced {when} ({library.config.sync_path}): {report.summary()}",
          file=sys.stderr)
    for line in report.skipped_entries:
        print(f"  skipped {line}", file=sys.stderr)
    return True


def cmd_sync(args: argparse.Namespace) -> int:
    from quizcards import paths
    from quizcards.config import load_config
    from quizcards.store.db import Store
    from quizcards.sync import sync_folder

    config = load_config()
    folder = args.folder or config.sync_path
    if folder is None:
        raise UsageError("which folder? `quizcards sync DIR`, or set sync_dir in config.toml")
    store = Store.open(paths.database_path(), config.scheduler, config.day_rule,
                       config.fsrs_settings)
    try:
        report = sync_folder(store, folder)
    finally:
        store.close()
    if args.json:
        print(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
        return EXIT_OK
    print(f"{report.folder}: {report.summary()}")
    for line in report.skipped_entries:
        print(f"  skipped {line}", file=sys.stderr)
    return EXIT_OK


def cmd_exam(args: argparse.Namespace) -> int:
    import random

    from quizcards.core.exam import Selection, select
    from quizcards.library import Library
    from quizcards.ui.app import create_app
    from quizcards.ui.exam import ExamPlan

    tags = tuple(t.strip() for arg in args.tags for t in arg.split(",") if t.strip())
    if args.count < 1 or args.minutes <= 0:
        raise UsageError("--count and --minutes must be positive")
    library = Library.open()
    try:
        cards = library.exam_plan_cards()
        # the selection is checked first: a typo is worth hearing about wherever you are
        _require_known("deck", args.deck, {c.deck_id for c in cards})
        _require_known("tag", tags, {t for c in cards for t in c.tags})
        if not (sys.stdout.isatty() and sys.stdin.isatty()):
            raise UsageError("an exam needs an interactive terminal")
        selection = Selection(tuple(args.deck), tags, args.count, args.minutes)
        seed = args.seed if args.seed is not None else random.randrange(1 << 30)
        chosen = select(cards, selection, seed)
        if not chosen:
            raise UsageError("no gradable cards match that selection")
        plan = ExamPlan(selection, seed, chosen, args.record, args.markdown)
        create_app(library, exam=plan).run()
        if plan.report is not None:
            r = plan.report
            print(f"exam: {r.score}/{r.total} ({r.percent:.0f}%), seed {seed}"
                  + (f"; report written to {args.markdown}" if args.markdown else ""))
    finally:
        library.close()
    return EXIT_OK


def cmd_new(args: argparse.Namespace) -> int:
    import os
    import re
    import shlex
    import subprocess

    from quizcards.decks.loader import load_file
    from quizcards.decks.templates import new_deck_text
    from quizcards.files import replacing

    path: Path = args.deckfile
    if path.suffix not in (".yaml", ".yml"):
        raise UsageError(f"{path}: a deck file ends in .yaml")
    if path.exists():
        loaded, problems = load_file(path)  # first: it reports a file it cannot read as text
        if loaded is None:
            for problem in problems:
                print(problem, file=sys.stderr)
            raise UsageError(f"{path} does not load; fix it before adding cards")
        text = path.read_text("utf-8")
        cards_key = re.search(r"^cards:", text, re.MULTILINE)
        if cards_key is None or re.search(r"^[A-Za-z_]", text[cards_key.end():], re.MULTILINE):
            raise UsageError(f"{path}: `cards:` must be the last top-level key to append a card")
        ids = {c.id for c in loaded.deck.cards}
    else:
        stem = re.sub(r"[^a-z0-9_-]+", "-", path.stem.lower()).strip("-") or "my-deck"
        text, ids = new_deck_text(stem), set()
    n = 1
    while f"new-{args.kind}-{n}" in ids:
        n += 1
    card_id = f"new-{args.kind}-{n}"
    if text and not text.endswith("\n"):
        text += "\n"
    line = text.count("\n") + 1
    text += KINDS[args.kind].template.format(id=card_id)
    with _writing(path), replacing(path) as tmp:
        tmp.write_text(text, "utf-8")
        loaded, problems = load_file(tmp, str(path))
        if loaded is None or problems:  # never leave the deck broken
            raise UsageError("the template did not fit this deck:\n" +
                             "\n".join(str(p) for p in problems))
    print(f"{path}:{line}: added {card_id} ({args.kind})")
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not args.no_edit and editor and sys.stdin.isatty():
        subprocess.run([*shlex.split(editor), f"+{line}", str(path)], check=False)
        _, problems = load_file(path)
        for problem in problems:
            print(problem)
        if problems:
            return EXIT_PROBLEMS
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from quizcards.interop import export
    from quizcards.library import Library

    suffix = args.file.suffix.lower()
    if suffix not in (".apkg", ".csv") or (args.log and suffix != ".csv"):
        raise UsageError("export to FILE.apkg, FILE.csv, or (with --log) FILE.csv")
    library = Library.open()
    try:
        if args.log:
            with _writing(args.file):
                n = export.write_review_log(library.store, args.file)
            print(f"{args.file}: {plural(n, 'review')} (FSRS optimizer schema)")
            return EXIT_OK
        _require_known("deck", args.deck, {d.deck.id for d in library.decks.decks})
        decks = [d for d in library.decks.decks if not args.deck or d.deck.id in args.deck]
        from quizcards.checker.client import make_checker

        shipped = {d.deck.id: d.shipped for d in decks}
        with make_checker() as checker:
            def truth(deck, card):  # type: ignore[no-untyped-def]
                return checker.check(deck, card, None, shipped=shipped[deck.id]).expected

            cards = export.export_cards(decks, truth)
        with _writing(args.file):
            if suffix == ".apkg":
                n = export.write_apkg(cards, args.file)
            else:
                n = export.write_cards_csv(cards, args.file)
        print(f"{args.file}: {plural(n, 'card')} from {plural(len(decks), 'deck')}")
    finally:
        library.close()
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    import os

    from quizcards import paths
    from quizcards.interop import importer

    if not args.file.is_file():
        raise UsageError(f"no such file: {args.file}")
    if args.log:
        return _import_log(args.file)
    if not args.deck_id:
        raise UsageError("import needs --deck-id (the new deck's id), or --log for history")
    if args.file.suffix.lower() == ".apkg":
        notes = importer.read_apkg(args.file)
    elif args.file.suffix.lower() in (".csv", ".tsv", ".txt"):
        notes = importer.read_csv(args.file)
    else:
        raise UsageError(f"{args.file}: import reads .csv, .tsv or .apkg files")
    out = args.out or paths.user_decks_dir() / f"{args.deck_id}.yaml"
    deck = importer.to_deck(notes, args.deck_id, args.title or args.deck_id,
                            f"imported from {args.file.name}")
    with_code = [c for c in deck["cards"] if "code" in c or "tests" in c]  # type: ignore[attr-defined]
    if with_code:
        from quizcards.checker.trust import trusted_folders

        # a package's code is outside code: it must not land where decks run unasked
        place = Path(os.path.normpath(Path.cwd() / out.expanduser()))
        real = place.parent.resolve() / place.name
        if any(real == f or real.is_relative_to(f) for f in trusted_folders()):
            raise UsageError(
                f"{args.file}: {plural(len(with_code), 'cloze card')} with code; code from a "
                f"package is not written into your deck folders ({out}), where it would run "
                "unasked. Import it elsewhere with --out FILE, read it, then `quizcards trust "
                "FILE` (or move it into a deck folder yourself)")
    with _writing(out):
        importer.write_deck(deck, out, args.force)
    print(f"{out}: {plural(len(notes), 'card')} in deck {args.deck_id!r}")
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    from quizcards.library import Library

    library = Library.open()
    try:
        data = library.stats()
    finally:
        library.close()
    if args.json:
        print(json.dumps(data.to_json(), indent=2, ensure_ascii=False))
        return EXIT_OK
    retention = data.retention_30d
    print(f"{data.day}: {data.due_today} due, {data.learning_today} learning, "
          f"{data.new_left_today} new left; {data.reviewed_today} answered today")
    print(f"streak {plural(data.streak, 'day')}; retention (30 days) "
          f"{'-' if retention is None else f'{retention:.0%}'}; scheduler {data.scheduler}")
    for deck_id, counts in data.decks.items():
        print(f"  {deck_id:<28} new {counts.new:>3}  learning {counts.learning:>3}  "
              f"due {counts.due:>3}  ({plural(counts.cards, 'card')})")
    for leech in data.leeches:
        print(f"  leech (suspended): {leech}")
    for orphan in data.orphaned:
        print(f"  history kept for a card no longer in its deck: {orphan}")
    for problem in data.deck_problems:
        print(f"  {problem}")
    for folder in data.folder_problems:
        print(f"  deck folder {folder.path}: {folder.problem} (its decks are not loaded; "
              "see `quizcards folders list`)")
    return EXIT_OK


def _folder_arg(folder: Path) -> Path:
    """A folder as typed: `~` expanded, relative to where the command runs, normalised
    (links kept: a folder reached through a link is listed as you named it)."""
    import os

    return Path(os.path.normpath(Path.cwd() / folder.expanduser()))


def _folder_entry(folder: Path) -> str:
    """How config.toml spells a folder: ~/... under your home (the file then travels
    between machines), else the whole path."""
    try:
        inside = folder.relative_to(Path.home())
    except (ValueError, RuntimeError):  # not under it, or no home known
        return str(folder)
    return "~" if inside == Path() else f"~/{inside.as_posix()}"


def _same_folder(a: Path, b: Path) -> bool:
    if a == b:
        return True
    try:
        return a.samefile(b)
    except OSError:  # one of them is missing
        return False


def cmd_folders(args: argparse.Namespace) -> int:
    import tomllib

    from quizcards.config import check_deck_folders, config_path, load_config, save_settings
    from quizcards.library import folder_statuses

    config = load_config()  # a broken config is reported (and never rewritten) first
    if args.verb == "list":
        statuses = folder_statuses(config)
        if args.json:
            from dataclasses import asdict

            print(json.dumps({"config": str(config_path()),
                              "folders": [asdict(s) for s in statuses]},
                             indent=2, ensure_ascii=False))
            return EXIT_OK
        if not statuses:
            print("no deck folders of your own yet: `quizcards folders add DIR` adds one")
        for status in statuses:
            state = status.problem or f"ok, {plural(status.deck_files, 'deck file')}"
            print(f"{status.path}: {state}")
        from quizcards import paths

        print(f"(also loaded and trusted: your deck folder {paths.user_decks_dir()} and the "
              "shipped decks)")
        return EXIT_OK
    folder = _folder_arg(args.folder)
    path = config_path()
    try:
        raw = tomllib.loads(path.read_text("utf-8")).get("deck_folders", [])
    except FileNotFoundError:
        raw = []
    entries = [str(e) for e in raw]  # as the file spells them (load_config checked them)
    expanded = check_deck_folders(entries)
    if args.verb == "add":
        try:
            if not folder.is_dir():
                raise UsageError(f"{args.folder}: not a folder" if folder.exists() else
                                 f"{args.folder}: no such folder (create it first)")
        except PermissionError:
            raise UsageError(f"{args.folder}: cannot be read (permission denied)") from None
        real = folder.resolve()
        from quizcards import paths

        if real == Path(real.anchor) or real == Path.home().resolve() \
                or paths.config_dir().resolve().is_relative_to(real):
            raise UsageError(f"{args.folder}: too wide to trust as a whole (it holds your "
                             "home or your quizcards settings); add the folder your decks are "
                             "in")
        opened = paths.open_to_others(real, real)
        if opened is not None:
            raise UsageError(f"{args.folder}: not trusted as a deck folder: {opened}, so "
                             "other users could put code in it that would run as you; add a "
                             "folder only you can write")
        if any(_same_folder(folder, known) for known in expanded):
            print(f"{folder}: already one of your deck folders; nothing changed")
            return EXIT_OK
        save_settings({"deck_folders": [*entries, _folder_entry(folder)]})
        from quizcards.decks.loader import deck_files

        count = sum(1 for _ in deck_files([folder]))
        print(f"{folder}: added to your deck folders ({plural(count, 'deck file')}); its decks "
              f"load with yours and run without `quizcards trust` (config: {path})")
        return EXIT_OK
    kept = [e for e, known in zip(entries, expanded, strict=True)
            if not _same_folder(folder, known)]
    if len(kept) == len(entries):
        listed = ", ".join(str(e) for e in expanded) or "none"
        print(f"{folder}: not one of your deck folders; nothing changed (they are: {listed})")
        return EXIT_OK
    save_settings({"deck_folders": kept})
    print(f"{folder}: removed from your deck folders; its decks no longer load, and run "
          "code only after `quizcards trust FILE`")
    return EXIT_OK


def _import_log(path: Path) -> int:
    from quizcards.interop import fsrs_log
    from quizcards.library import Library
    from quizcards.scheduling.history import GRADE_FOR_RATING
    from quizcards.store.log_import import ImportedAnswer, import_answers

    parsed = fsrs_log.read(path)
    if parsed.problems:
        for problem in parsed.problems:
            print(problem, file=sys.stderr)
        print(f"{path}: nothing imported ({plural(len(parsed.problems), 'problem')})",
              file=sys.stderr)
        return EXIT_PROBLEMS
    library = Library.open()
    try:
        index = fsrs_log.card_index(ref.key for ref in library.refs())
        unknown: dict[str, int] = {}
        answers = []
        for row in parsed.rows:
            key = index.get(row.card_id)
            if key is None:
                unknown[row.card_id] = unknown.get(row.card_id, 0) + 1
                continue
            answers.append(ImportedAnswer(key, row.time_ms, GRADE_FOR_RATING[row.rating],
                                          row.duration_ms, row.line))
        result = import_answers(library.store, answers)
    finally:
        library.close()
    print(f"{path}: imported {plural(result.imported, 'answer')} to "
          f"{plural(result.cards, 'card')}")
    if result.duplicates:
        print(f"  {plural(result.duplicates, 'answer')} already in the log: skipped")
    if unknown:
        shown = ", ".join(list(unknown)[:10]) + (", ..." if len(unknown) > 10 else "")
        print(f"  {plural(sum(unknown.values()), 'answer')} to "
              f"{plural(len(unknown), 'unknown card')} skipped: {shown}")
    if result.older:
        lines = ", ".join(str(a.line) for a in result.older[:10])
        print(f"  {plural(len(result.older), 'answer')} older than the card's history here "
              f"skipped (the log replays in order): line {lines}"
              + (", ..." if len(result.older) > 10 else ""))
    for deck_id, card_id in result.leeches:
        print(f"  {deck_id}/{card_id} became a leech (suspended)")
    return EXIT_OK


def _history(log: Path | None) -> tuple[list, str]:  # type: ignore[type-arg]
    """The history to fit or evaluate on: a CSV file, or the log of this profile."""
    from quizcards.interop import fsrs_log
    from quizcards.scheduling.history import from_grade, in_time_order

    if log is not None:
        if not log.is_file():
            raise UsageError(f"no such file: {log}")
        parsed = fsrs_log.read(log)
        if parsed.problems:
            for problem in parsed.problems:
                print(problem, file=sys.stderr)
            raise UsageError(f"{log}: not read ({plural(len(parsed.problems), 'problem')})")
        return fsrs_log.as_history(parsed.rows), str(log)
    from quizcards import paths
    from quizcards.config import load_config
    from quizcards.store.db import Store

    config = load_config()
    store = Store.open(paths.database_path(), config.scheduler, config.day_rule,
                       config.fsrs_settings)
    try:
        rows = list(store.logged_reviews())
    finally:
        store.close()
    history = in_time_order(from_grade("/".join(r.key), r.time_ms, r.grade, r.duration_ms)
                            for r in rows)
    return history, "your review log"


def _score_line(name: str, data: dict | None, note: str = "") -> str:  # type: ignore[type-arg]
    if data is None:
        return f"  {name:<22} {'-':>9} {'-':>12}  {note}".rstrip()
    return (f"  {name:<22} {data['log_loss']:>9.4f} {data['rmse_bins']:>12.4f}  "
            f"{note}").rstrip()


def cmd_optimize(args: argparse.Namespace) -> int:
    import time

    from quizcards.config import config_path, load_config, save_settings
    from quizcards.scheduling import evaluate, fit

    config = load_config()
    history, source = _history(args.log)
    usable = fit.usable(history)
    print(f"{source}: {plural(len(history), 'answer')} to "
          f"{plural(len({r.card for r in history}), 'card')}; {usable.reviews} a day or more "
          "after the card's previous answer")
    if not usable.enough:
        print(f"not enough history to fit: the optimizer needs {fit.MIN_REVIEWS} answers a day "
              f"or more after the card's previous one; {usable.missing} more needed")
        return EXIT_PROBLEMS
    print(f"fitting FSRS parameters ({fit.PASSES} passes over the history; about half a "
          "minute for 10,000 answers)...", flush=True)
    start = time.monotonic()
    fitted = fit.fit_parameters(history, progress=fit.progress_stream())
    seconds = time.monotonic() - start
    assert fitted is not None
    print(f"fitted in {seconds:.0f} s")
    print(f"  {'parameters':<22} {'log loss':>9} {'RMSE (bins)':>12}  "
          "(on the answers fitted on)")
    rows = [("FSRS default", None), ("FSRS fitted", fitted)]
    if config.fsrs_parameters is not None:
        rows.insert(1, ("FSRS saved (current)", config.fsrs_parameters))
    for name, params in rows:
        predictions = evaluate.predict_fsrs(history, params)
        s = evaluate.score([p for _, p, _ in predictions], [y for _, _, y in predictions])
        print(_score_line(name, None if s is None else s.to_json()))
    print("  (`quizcards evaluate` scores a fit on answers it has not seen)")
    values: dict[str, float | list[float]] = {"fsrs_parameters": fitted}
    if args.retention:
        print("simulating a year of reviews at each retention...", flush=True)
        retention = fit.optimal_retention(history, fitted)
        print(f"desired retention with the least work per card remembered: {retention:.2f} "
              f"(now {config.desired_retention:.2f})")
        values["desired_retention"] = retention
    path = config_path()
    keys = " and ".join(values)
    if not args.yes:
        if not sys.stdin.isatty():
            print(f"not saved: no terminal to ask on (run with --yes to save {keys} to {path})")
            return EXIT_OK
        reply = input(f"save {keys} to {path}? [y/N] ").strip().lower()
        if reply not in ("y", "yes"):
            print("not saved")
            return EXIT_OK
    save_settings(values, path)
    print(f"{path}: saved {keys}"
          + ("" if config.scheduler == "fsrs" else " (used once `scheduler = \"fsrs\"`)"))
    return EXIT_OK


def cmd_evaluate(args: argparse.Namespace) -> int:
    import time

    from quizcards.config import load_config
    from quizcards.scheduling import evaluate, fit

    config = load_config()
    history, source = _history(args.log)
    seconds = 0.0
    train_usable = 0

    def fit_train(train: Sequence[object]) -> list[float] | None:
        nonlocal seconds, train_usable
        train_usable = fit.usable(train).reviews  # type: ignore[arg-type]
        if train_usable < fit.MIN_REVIEWS:
            return None
        if not args.json:
            print(f"fitting FSRS on the first {evaluate.TRAIN_FRACTION:.0%} of "
                  f"{plural(len(history), 'answer')}...", file=sys.stderr, flush=True)
        start = time.monotonic()
        params = fit.fit_parameters(train, progress=not args.json and fit.progress_stream())  # type: ignore[arg-type]
        seconds = time.monotonic() - start
        return params

    result = evaluate.evaluate(history, config.day_rule, fit_train, config.fsrs_parameters)
    result["source"] = source
    result["optimizer_seconds"] = round(seconds, 1)
    if args.json:
        print(json.dumps(result, indent=2))
        return EXIT_OK if result["scored"] else EXIT_PROBLEMS
    print(f"{source}: {plural(result['reviews'], 'answer')} to {plural(result['cards'], 'card')}")
    if not result["scored"]:
        print("nothing to score yet: the last 20% of your answers has none a day or more after "
              "the card's previous answer")
        return EXIT_PROBLEMS
    print(f"fitted on the first {result['train_fraction']:.0%} ({result['train_reviews']}), "
          f"scored on the last {1 - result['train_fraction']:.0%} (from "
          f"{result['split_time'][:16].replace('T', ' ')} UTC): {result['scored']} answers a day "
          "or more after the card's previous one")
    models = result["models"]
    print(f"  {'model':<22} {'log loss':>9} {'RMSE (bins)':>12}")
    print(_score_line("SM-2", models["sm2"]))
    print(_score_line("FSRS default", models["fsrs_default"]))
    print(_score_line("FSRS fitted", models["fsrs_fitted"], "" if models["fsrs_fitted"] else
                      f"(needs {fit.MIN_REVIEWS} usable answers in the first part, has "
                      f"{train_usable})"))
    if "fsrs_saved" in models:
        print(_score_line("FSRS saved (config)", models["fsrs_saved"],
                          "(may have been fitted on these answers)"))
    if models.get("pass_rate"):
        print(_score_line(f"always {models['pass_rate']['p']:.3f}", models["pass_rate"],
                          "(the pass rate: the floor to beat)"))
    print("lower is better; log loss: how surprised the model is by your answers; RMSE: how "
          "far its predictions are from your pass rates")
    if seconds:
        print(f"(the optimizer took {seconds:.0f} s)")
    return EXIT_OK


_COMMANDS = {
    "review": cmd_review,
    "exam": cmd_exam,
    "new": cmd_new,
    "export": cmd_export,
    "import": cmd_import,
    "stats": cmd_stats,
    "sync": cmd_sync,
    "schema": cmd_schema,
    "lint": cmd_lint,
    "check": cmd_check,
    "trust": cmd_trust,
    "folders": cmd_folders,
    "optimize": cmd_optimize,
    "evaluate": cmd_evaluate,
}
_APP_COMMANDS = ("review", "exam")  # they open the app: garbage collection waits for its paint

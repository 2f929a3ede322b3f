"""`quizcards lint --watch`: lint again as soon as a deck file changes.

Polls the files' modification times (no extra dependency, works on every platform) and
keeps one warm checker across runs, so a re-lint after a save takes well under a second.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from quizcards.core.limits import MAX_COMBOS
from quizcards.decks.lint import lint
from quizcards.decks.loader import deck_files

POLL = 0.3  # seconds between looks at the files


def _stamp(paths: list[Path]) -> dict[Path, tuple[float, int]]:
    out = {}
    for f in deck_files(paths):
        try:
            st = f.stat()
        except OSError:
            continue
        out[f] = (st.st_mtime, st.st_size)
    return out


def watch(paths: list[Path], *, execute: bool = True, max_combos: int = MAX_COMBOS,
          out: Callable[[str], None] = print, rounds: int | None = None,
          allow_weak: bool = False) -> int:
    """Lint now and after every change; Ctrl+C stops. `rounds` bounds the runs (tests)."""
    from quizcards.checker.client import make_checker

    checker = make_checker(allow_weak=allow_weak) if execute else None
    seen: dict[Path, tuple[float, int]] | None = None
    runs = 0
    try:
        if checker is not None:
            checker.start()  # in the try: a worker that cannot start closes the rest
        while rounds is None or runs < rounds:
            now = _stamp(paths)
            if now != seen:
                seen = now
                runs += 1
                if sys.stdout.isatty():
                    out("\x1b[2J\x1b[H")  # clear the screen: only the current state matters
                report = lint(paths, execute=execute, max_combos=max_combos, checker=checker)
                for problem in report.problems:
                    out(str(problem))
                out(f"[{datetime.now():%H:%M:%S}] {report.summary()}; watching "
                    f"{len(now)} files (Ctrl+C stops)")
                sys.stdout.flush()
            time.sleep(POLL)
    except KeyboardInterrupt:
        pass
    finally:
        if checker is not None:
            checker.close()
    return 0

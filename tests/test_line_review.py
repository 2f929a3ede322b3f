"""The plain-terminal review loop, driven with scripted input against frozen fixture decks
(tests/frozen_decks, copies of the first shipped decks)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from quizcards.checker.client import Checker
from quizcards.core.session import Session
from quizcards.library import Library
from quizcards.line_review import run

from .conftest import UI_DECKS


def scripted(lines: list[str]) -> tuple[Iterator[str], list[str]]:
    it = iter(lines)
    shown: list[str] = []

    def ask(prompt: str) -> str:
        shown.append(prompt)
        try:
            return next(it)
        except StopIteration:
            raise EOFError from None

    return ask, shown  # type: ignore[return-value]


def test_review_loop_logs_answers_undo_and_quit(tmp_path: Path, checker: Checker) -> None:
    lib = Library.open(UI_DECKS, db_path=tmp_path / "db.sqlite3")
    session = Session.from_queue(lib.queue(decks=["torch-dim"]))
    first = session.peek()
    assert first == ("torch-dim", "max-dim1-shape")
    ask, _ = scripted([
        "three by four",  # malformed: asked again, nothing logged
        "(4, 3)", "",     # wrong, near miss: suggested 2 accepted
        "(3, 6)", "5",    # card 2 (param drawn): maybe right or wrong; grade overridden 5
        ":u",             # undo the last answer: card 2 comes back
        ":q",
    ])
    out: list[str] = []
    run(lib, session, checker, ask=ask, out=out.append)
    rows = lib.store.conn.execute(
        "SELECT r.card_id, r.grade, r.suggested_grade, r.answer, u.review_id IS NOT NULL"
        " FROM reviews r LEFT JOIN undos u ON u.review_id = r.id ORDER BY r.id").fetchall()
    assert rows[0] == ("max-dim1-shape", 2, 2, "(4, 3)", 0)
    assert rows[1][0] == "reduce-dim-shape" and rows[1][1] == 5 and rows[1][4] == 1
    assert any("right dims, wrong order" in line for line in out)
    assert any("cannot read 'three by four' as a shape" in line for line in out)
    assert any("undid your answer to torch-dim/reduce-dim-shape" in line for line in out)
    # the failed first card is due again this session
    assert lib.store.summaries()[("torch-dim", "max-dim1-shape")].repeat_pending
    lib.close()

"""Review 15: attacks on deck folders, sync through a folder and cloze cards. Each test is one
finding: it failed on main before its fix (or is marked xfail, strict, where the fix is
left for later)."""

from __future__ import annotations

import json
import os
import stat
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from quizcards.core.day import DayRule, day_to_iso
from quizcards.store.db import Answer, Store
from quizcards.sync import sync_folder

RULE = DayRule(4, UTC)
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)

GOOD: dict[str, Any] = {
    "type": "review", "uid": "u-good", "device": "dev1", "time_ms": 1772445600000,
    "day": 20514 + 719163, "deck_id": "d", "card_id": "x", "grade": 4,
    "suggested_grade": None, "answer": None, "verdict": None, "duration_ms": 900,
    "scheduler": "sm2", "scheduler_version": "sm2 1", "mode": "review"}


def _open(path: Path) -> Store:
    return Store.open(path, "sm2", RULE)


def _raw_file(folder: Path, device: str, lines: list[str]) -> Path:
    """A sync file of `device` whose entry lines are given as raw text."""
    path = folder / device / "000001-test.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    header = json.dumps({"quizcards_sync": 1, "device": device, "entries": len(lines)})
    path.write_text("".join(line + "\n" for line in [header, *lines]))
    return path


# -- sync: hostile or broken files -------------------------------------------------------------
def test_sync_survives_a_deeply_nested_json_line(tmp_path: Path) -> None:
    """A line of 100,000 nested brackets (a hostile device, or garbage) made json.loads raise
    RecursionError, which read_file did not catch: the whole sync failed, and failed again
    at every later sync, so one bad line stopped sync for good. It must be a skipped entry
    and the good entries beside it must be merged."""
    shared = tmp_path / "shared"
    store = _open(tmp_path / "b.sqlite3")
    deep = "[" * 100_000 + "]" * 100_000
    deep_verdict = json.dumps({**GOOD, "uid": "u-deep"})[:-1] + ', "verdict": ' + deep + "}"
    _raw_file(shared, "dev1", [json.dumps(GOOD), deep, deep_verdict])
    report = sync_folder(store, shared)
    assert report.received == 1
    assert store.state(("d", "x")) is not None
    assert len(report.skipped_entries) == 2


@pytest.mark.parametrize("time_ms", [1 << 53, 253402300799999])
def test_sync_refuses_a_time_that_breaks_the_calendar(tmp_path: Path, time_ms: int) -> None:
    """An entry timed past the year 9999 passed validation (MAX_MS is year 285,000) and made
    the replay raise OverflowError inside the merge: the sync failed, every later sync too.
    One at 9999-12-31 merged, but then the next answer to that card (logged one millisecond
    after it) raised OverflowError in Store.record: the card could never be answered again.
    Such an entry must be skipped, and answering the card must work."""
    shared = tmp_path / "shared"
    store = _open(tmp_path / "b.sqlite3")
    _raw_file(shared, "dev1", [json.dumps({**GOOD, "uid": "u-far", "time_ms": time_ms})])
    report = sync_folder(store, shared)
    assert report.received == 0 and len(report.skipped_entries) == 1
    store.record(Answer("d", "x", grade=4), T0)


def test_sync_refuses_a_study_day_off_the_calendar(tmp_path: Path) -> None:
    """The `day` of an entry was only checked to be in 0..10,000,000; a day of 9,999,999
    (year 27,380) merged, and the card's due day then could not be shown: day_to_iso raised
    ValueError (the browser lists every card's due day, so it crashed on opening). Day 0 is
    no date either (ordinals start at 1). Such entries must be skipped."""
    shared = tmp_path / "shared"
    store = _open(tmp_path / "b.sqlite3")
    _raw_file(shared, "dev1", [json.dumps({**GOOD, "uid": "u-day", "day": 9_999_999}),
                               json.dumps({**GOOD, "uid": "u-zero", "card_id": "z",
                                           "day": 0})])
    report = sync_folder(store, shared)
    assert report.received == 0 and len(report.skipped_entries) == 2
    for (due_day,) in store.conn.execute("SELECT due_day FROM card_state"):
        day_to_iso(due_day)


def test_sync_never_writes_through_a_link_in_place_of_its_own_folder(tmp_path: Path) -> None:
    """Anyone who can write the shared folder can put a link named like our device (its name
    is in the folder for all to see) pointing anywhere; the sync then wrote its new file,
    and its temporary file, into the link's target: outside the sync folder. A device must
    write only into a real subfolder of DIR, and refuse otherwise."""
    from quizcards.errors import SyncError

    shared, elsewhere = tmp_path / "shared", tmp_path / "elsewhere"
    shared.mkdir()
    elsewhere.mkdir()
    store = _open(tmp_path / "a.sqlite3")
    store.record(Answer("d", "x", grade=4), T0)
    (shared / store.device).symlink_to(elsewhere)
    with pytest.raises(SyncError, match="link"):
        sync_folder(store, shared)
    assert list(elsewhere.iterdir()) == []


def test_sync_does_not_hang_on_a_fifo_in_the_folder(tmp_path: Path) -> None:
    """A named pipe (or a link to /dev/tty, /dev/stdin) called `x.jsonl` in another device's
    folder made the sync block for ever in open(): `quizcards review` with sync_dir set never
    started. Only regular files may be read; others are reported and skipped."""
    shared = tmp_path / "shared"
    (shared / "dev1").mkdir(parents=True)
    fifo = shared / "dev1" / "000001-evil.jsonl"
    os.mkfifo(fifo)
    store = _open(tmp_path / "b.sqlite3")
    outcome: list[Any] = []
    thread = threading.Thread(target=lambda: outcome.append(sync_folder(store, shared)),
                              daemon=True)
    thread.start()
    thread.join(10)
    hung = thread.is_alive()
    if hung:  # let the stuck open() return, so the thread ends
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        os.close(fd)
        thread.join(10)
    assert not hung, "the sync blocked on a named pipe"
    assert outcome and any(str(fifo) == name for name, _ in outcome[0].skipped_files)


# -- deck folders ----------------------------------------------------------------------------
def test_folders_add_refuses_a_folder_other_users_can_write(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`quizcards folders add /tmp/decks` (mode 1777 or 0777) was accepted: every user of the
    machine could then drop a deck there whose code runs as you, with no `quizcards trust`.
    Trusting a folder as a whole only makes sense for a folder only you can write."""
    from quizcards.cli import main

    shared = tmp_path / "drop"
    shared.mkdir()
    shared.chmod(0o1777)
    assert main(["folders", "add", str(shared)]) == 2
    assert "other users" in capsys.readouterr().err
    config = Path(os.environ["QUIZCARDS_HOME"]) / "config" / "config.toml"
    assert not config.exists() or "deck_folders" not in config.read_text()


def test_a_deck_in_a_world_writable_subfolder_of_a_trusted_folder_is_not_trusted(
        tmp_path: Path) -> None:
    """A trusted folder with a subfolder anyone may write (`chmod 777 notes/shared`, or a
    folder that became so after `folders add`): any user's deck there ran code as you. A deck
    is trusted by its folder only when no folder from the trusted one down to the file, and
    not the file, is writable by other users."""
    from quizcards.checker import trust

    folder = tmp_path / "notes"
    (folder / "open").mkdir(parents=True)
    (folder / "open").chmod(0o777)
    deck = folder / "open" / "theirs.yaml"
    deck.write_text("id: x\n")
    home = Path(os.environ["QUIZCARDS_HOME"]) / "config"
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(f'deck_folders = ["{folder}"]\n')
    assert not trust.is_trusted(deck, "0" * 64)
    # the same deck in a folder only the owner writes is trusted
    (folder / "open").chmod(0o755)
    assert trust.is_trusted(deck, "0" * 64)
    deck.chmod(deck.stat().st_mode | stat.S_IWOTH)
    assert not trust.is_trusted(deck, "0" * 64)


def test_check_asks_trust_about_the_file_it_read_not_what_a_link_points_at_later(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`quizcards check LINK` read the deck through a link (to a file outside your folders,
    say in /tmp, where another user controls the link), then asked trust about the link's
    target again: swapped in between to a deck in a trusted folder, the outside bytes ran
    with the folder's trust. The trust docstring promises a swapped file cannot borrow trust;
    that held for `quizcards trust` pins only. Trust must be asked about where the parsed
    bytes were really read from."""
    import quizcards.checker.client as client
    import quizcards.decks.loader as loader
    from quizcards.cli import main

    mine = ("id: mine\ntitle: Mine\ncards:\n  - id: sum\n    kind: value\n"
            "    prompt: \"What is `1 + 1`?\"\n    code: result = 1 + 1\n    answer: 2\n")
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "mine.yaml").write_text(mine)
    evil = tmp_path / "drop" / "evil.yaml"
    evil.parent.mkdir()
    evil.write_text(mine.replace("result = 1 + 1", "import os; result = os.getuid()"))
    config = Path(os.environ["QUIZCARDS_HOME"]) / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text(f'deck_folders = ["{folder}"]\n')
    link = tmp_path / "link.yaml"
    link.symlink_to(evil)
    real_load = loader.load_file

    def load_then_swap(path: Path, display: str | None = None) -> Any:
        result = real_load(path, display)
        link.unlink()  # the other user's move, between the read and the trust check
        link.symlink_to(folder / "mine.yaml")
        return result

    def no_checker(**_: Any) -> Any:
        raise AssertionError("the outside deck's code was about to run")

    monkeypatch.setattr(loader, "load_file", load_then_swap)
    monkeypatch.setattr(client, "make_checker", no_checker)
    assert main(["check", str(link), "sum", "--answer", "2", "--json"]) == 2


# -- cloze: Anki import ------------------------------------------------------------------------
def test_an_imported_apkg_s_cloze_code_does_not_run_without_trust(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`quizcards import shared.apkg --deck-id x` turned a Cloze note whose Text holds
    `<pre><code class="quizcards-code">...</code></pre>` (any .apkg from the web can) into a
    cloze card with that `code` (and `tests` from Back Extra), written by default into your
    own deck folder, which is trusted: the package's code then ran at the next review with
    no `quizcards trust`. Code that comes from a package must not land in a trusted folder;
    written elsewhere (--out), it needs trust like any outside deck."""
    import genanki

    from quizcards import paths
    from quizcards.checker import trust
    from quizcards.cli import main
    from quizcards.decks.loader import load_file

    deck = genanki.Deck(1, "shared")
    deck.add_note(genanki.Note(model=genanki.CLOZE_MODEL, fields=[
        'Fill in<pre><code class="quizcards-code">import os\nx = os.getuid()\n'
        "result = {{c1::1}} + 1</code></pre>", ""]))
    apkg = tmp_path / "shared.apkg"
    genanki.Package(deck).write_to_file(str(apkg))

    main(["import", str(apkg), "--deck-id", "shared"])
    capsys.readouterr()
    for path in paths.user_decks_dir().glob("*.yaml"):
        loaded, _ = load_file(path)
        assert loaded is None or not any(c.executable for c in loaded.deck.items()), \
            f"{path}: the package's code is in your trusted deck folder"

    out = tmp_path / "elsewhere" / "shared.yaml"
    out.parent.mkdir()
    assert main(["import", str(apkg), "--deck-id", "shared", "--out", str(out)]) == 0
    loaded, _ = load_file(out)
    assert loaded is not None and any(c.executable for c in loaded.deck.items())
    assert not trust.is_trusted(out, loaded.sha256)

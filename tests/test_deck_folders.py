"""Deck folders of your own (`deck_folders` in config.toml, `quizcards folders`): decks there
load beside the shipped ones and the user's deck folder, and run code without `quizcards
trust` (the folder is trusted as a whole, so editing a deck needs no re-trust). A link inside
such a folder lends no trust to what it points at; a folder that is missing or unreadable is
reported (stats, home), never fatal."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from quizcards.checker import trust
from quizcards.cli import main
from quizcards.config import load_config
from quizcards.decks.loader import load_file
from quizcards.errors import ConfigError
from quizcards.library import Library

from .conftest import REPO

MINE = """\
id: mine
title: Mine
cards:
  - id: sum
    kind: value
    prompt: "What is `1 + 1`?"
    code: result = 1 + 1
    answer: 2
"""
EVIL = MINE.replace("id: mine", "id: evil").replace("result = 1 + 1",
                                                     "import os; result = os.getuid()")


def _home() -> Path:
    return Path(os.environ["QUIZCARDS_HOME"])


def _config_file() -> Path:
    return _home() / "config" / "config.toml"


def _write_config(text: str) -> Path:
    path = _config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _folder(tmp_path: Path, name: str = "notes", deck: str = MINE,
            file: str = "mine.yaml") -> Path:
    folder = tmp_path / name
    (folder / "sub").mkdir(parents=True, exist_ok=True)
    (folder / "sub" / file).write_text(deck)  # found recursively, like the user's folder
    return folder


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


# -- the config key ----------------------------------------------------------------------

def test_config_reads_deck_folders_expanding_home(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "me"))
    _write_config('deck_folders = ["~/notes/decks", "/srv/decks/", "/a/b/../c"]\n')
    config = load_config()
    assert config.deck_folders == [tmp_path / "me" / "notes" / "decks", Path("/srv/decks"),
                                   Path("/a/c")]
    assert load_config(tmp_path / "none.toml").deck_folders == []  # the default: none


@pytest.mark.parametrize("value,message", [
    ('"~/notes/decks"', "a list of folder paths"),
    ("[1]", "entry 1 is 1"),
    ('["/ok", ["/nested"]]', "entry 2 is ['/nested']"),
    ('["decks/mine"]', "'decks/mine' is a relative path"),
    ('[""]', "entry 1 is empty"),
])
def test_config_refuses_bad_deck_folders(value: str, message: str) -> None:
    path = _write_config(f"scheduler = \"sm2\"\ndeck_folders = {value}\n")
    with pytest.raises(ConfigError) as err:
        load_config()
    text = str(err.value)
    assert f"{path}: deck_folders" in text and message in text, text


# -- quizcards folders add / remove / list -----------------------------------------------

def test_folders_add_list_remove_keep_the_rest_of_the_config(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    original = ('# my settings\nscheduler = "fsrs"   # tried it\nnew_per_day = 7\n\n'
                '[checker]\ntimeout = 3.0\n')
    path = _write_config(original)
    folder = _folder(tmp_path)
    (folder / "notes.md").write_text("not a deck")
    code, out, _ = _cli(capsys, "folders", "add", str(folder))
    assert code == 0 and str(folder) in out
    text = path.read_text()
    assert text.startswith('# my settings\nscheduler = "fsrs"   # tried it\nnew_per_day = 7\n')
    assert text.endswith("[checker]\ntimeout = 3.0\n")
    config = load_config()
    assert config.deck_folders == [folder] and config.scheduler == "fsrs"
    assert config.new_per_day == 7 and config.checker.timeout == 3.0

    code, out, _ = _cli(capsys, "folders", "add", str(folder) + "/")  # the same folder
    assert code == 0 and "already" in out
    assert path.read_text() == text

    second = _folder(tmp_path, "more")
    assert _cli(capsys, "folders", "add", str(second))[0] == 0
    assert load_config().deck_folders == [folder, second]

    code, out, _ = _cli(capsys, "folders", "list")
    assert code == 0
    lines = out.splitlines()
    assert any(str(folder) in line and "1 deck file" in line for line in lines), out
    code, out, _ = _cli(capsys, "folders", "list", "--json")
    listed = json.loads(out)
    assert [f["path"] for f in listed["folders"]] == [str(folder), str(second)]
    assert listed["folders"][0] == {"path": str(folder), "exists": True,
                                    "readable": True, "deck_files": 1, "problem": None}

    code, out, _ = _cli(capsys, "folders", "remove", str(folder))
    assert code == 0 and str(folder) in out
    assert load_config().deck_folders == [second]
    assert _config_file().read_text().startswith('# my settings\nscheduler = "fsrs"')
    code, out, _ = _cli(capsys, "folders", "remove", str(folder))
    assert code == 0 and "not one of your deck folders" in out


def test_folders_add_stores_home_relative_and_absolute_paths(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    folder = _folder(tmp_path)
    monkeypatch.chdir(folder)
    assert _cli(capsys, "folders", "add", "sub")[0] == 0  # relative to where you are
    assert tomllib.loads(_config_file().read_text())["deck_folders"] == ["~/notes/sub"]
    assert load_config().deck_folders == [folder / "sub"]
    code, out, _ = _cli(capsys, "folders", "remove", "~/notes/sub")  # as the file spells it
    assert code == 0 and "removed" in out and load_config().deck_folders == []


def test_folders_refuses_what_is_not_a_folder(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = _cli(capsys, "folders", "add", str(tmp_path / "missing"))
    assert code == 2 and "no such folder" in err
    (tmp_path / "file.yaml").write_text(MINE)
    code, _, err = _cli(capsys, "folders", "add", str(tmp_path / "file.yaml"))
    assert code == 2 and "not a folder" in err
    for wide in ("/", str(_home()), str(tmp_path / "me")):  # root, your settings, your home
        monkeypatch.setenv("HOME", str(tmp_path / "me"))
        (tmp_path / "me").mkdir(exist_ok=True)
        code, _, err = _cli(capsys, "folders", "add", wide)
        assert code == 2 and "too wide to trust" in err, wide
    assert not _config_file().exists()  # nothing written
    assert _cli(capsys, "folders")[0] == 2  # no subcommand: a usage error
    assert _cli(capsys, "folders", "add")[0] == 2


def test_folders_add_refuses_a_broken_config_and_leaves_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write_config("scheduler = [\n")
    code, _, err = _cli(capsys, "folders", "add", str(_folder(tmp_path)))
    assert code == 1 and str(path) in err
    assert path.read_text() == "scheduler = [\n"


# -- trusted as a whole: lint, check, watch ------------------------------------------------

def _check(path: Path, answer: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "quizcards", "check", str(path), "sum",
                           "--answer", answer, "--json"], capture_output=True, text=True,
                          env=dict(os.environ), timeout=300)


def test_a_configured_folder_runs_without_trust_and_edits_need_no_retrust(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _folder(tmp_path)
    deck = folder / "sub" / "mine.yaml"
    # outside your folders: not run, and check refuses
    code, out, _ = _cli(capsys, "lint", str(folder))
    assert code == 1 and "not run" in out
    assert _check(deck, "2").returncode == 2

    assert _cli(capsys, "folders", "add", str(folder))[0] == 0
    code, out, _ = _cli(capsys, "lint", str(folder))
    assert code == 0, out
    done = _check(deck, "2")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["correct"] is True

    # an edit: no `quizcards trust` again, and the new code is what runs
    deck.write_text(MINE.replace("result = 1 + 1", "result = 40 + 2").replace("answer: 2",
                                                                              "answer: 42"))
    code, out, _ = _cli(capsys, "lint", str(deck))
    assert code == 0, out
    done = _check(deck, "42")
    assert done.returncode == 0 and json.loads(done.stdout)["correct"] is True
    assert not (_home() / "config" / "trusted.json").exists()

    # removed from the config: back to needing trust
    assert _cli(capsys, "folders", "remove", str(folder))[0] == 0
    code, out, _ = _cli(capsys, "lint", str(folder))
    assert code == 1 and "not run" in out


def test_lint_watch_on_a_configured_folder_runs_every_save(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from quizcards.decks import watch

    folder = _folder(tmp_path)
    _write_config(f'deck_folders = ["{folder}"]\n')
    deck = folder / "sub" / "mine.yaml"
    saves = iter([MINE.replace("answer: 2", "answer: 3")])

    def save_once(_: float) -> None:  # the user saves between two looks at the files
        text = next(saves, None)
        if text is not None:
            deck.write_text(text)

    monkeypatch.setattr(watch.time, "sleep", save_once)
    lines: list[str] = []
    assert watch.watch([folder], out=lines.append, rounds=2) == 0
    text = "\n".join(lines)
    assert "not run" not in text, text
    first, second = [i for i, line in enumerate(lines) if line.startswith("[")]
    assert lines[first].endswith("watching 1 files (Ctrl+C stops)") and ": ok (" in lines[first]
    assert any("disagrees with execution" in line for line in lines[first:second + 1]), text


# -- links out of a configured folder ------------------------------------------------------

def test_a_link_out_of_a_configured_folder_lends_no_trust(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _folder(tmp_path)
    outside = tmp_path / "elsewhere" / "evil.yaml"
    outside.parent.mkdir()
    outside.write_text(EVIL)
    link = folder / "evil.yaml"
    link.symlink_to(outside)
    (folder / "linked-dir").symlink_to(outside.parent, target_is_directory=True)
    _write_config(f'deck_folders = ["{folder}"]\n')

    loaded, _ = load_file(link)
    assert loaded is not None and not trust.is_trusted(link, loaded.sha256)
    code, out, _ = _cli(capsys, "lint", str(link))
    assert code == 1 and "not run" in out and str(outside) in out
    code, out, _ = _cli(capsys, "lint", str(folder))
    assert code == 1 and "evil" in out and "not run" in out
    refused = subprocess.run([sys.executable, "-m", "quizcards", "check", str(link), "sum",
                              "--answer", "0", "--json"], capture_output=True, text=True,
                             env=dict(os.environ), timeout=300)
    assert refused.returncode == 2 and "will not run" in refused.stderr

    # review, home, exam: the linked deck is not loaded (its code would run unasked)
    lib = Library.open(db_path=tmp_path / "db.sqlite3")
    try:
        assert lib.deck("mine") is not None and lib.deck("evil") is None
        problems = lib.stats().deck_problems
        assert any("evil.yaml" in p and "outside your deck folders" in p for p in problems)
    finally:
        lib.close()


def test_a_link_out_of_your_own_deck_folder_is_not_loaded_for_review(tmp_path: Path) -> None:
    """The same hole without any config: review ran every deck found in your deck folder,
    a link to a file anywhere included, without asking for trust."""
    own = _home() / "data" / "decks"
    own.mkdir(parents=True)
    outside = tmp_path / "evil.yaml"
    outside.write_text(EVIL)
    (own / "evil.yaml").symlink_to(outside)
    lib = Library.open(db_path=tmp_path / "db.sqlite3")
    try:
        assert lib.deck("evil") is None
        assert any("outside your deck folders" in p for p in lib.stats().deck_problems)
    finally:
        lib.close()
    trust.trust(outside, EVIL.encode())  # pinned for `check` and `lint`: review still
    lib = Library.open(db_path=tmp_path / "db.sqlite3")  # loads only decks of its folders
    try:
        assert lib.deck("evil") is None
    finally:
        lib.close()


def test_a_configured_folder_that_is_itself_a_link_is_trusted(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    real = _folder(tmp_path)
    alias = tmp_path / "alias"
    alias.symlink_to(real, target_is_directory=True)
    _write_config(f'deck_folders = ["{alias}"]\n')
    deck = alias / "sub" / "mine.yaml"
    loaded, _ = load_file(deck)
    assert loaded is not None and trust.is_trusted(deck, loaded.sha256)
    assert trust.is_trusted(real / "sub" / "mine.yaml", loaded.sha256)
    lib = Library.open(db_path=tmp_path / "db.sqlite3")
    try:
        assert lib.deck("mine") is not None and lib.decks.problems == []
    finally:
        lib.close()


# -- loading beside the other decks --------------------------------------------------------

def test_configured_decks_load_for_review_stats_and_exams(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    _write_config(f'deck_folders = ["{folder}"]\n')
    lib = Library.open(db_path=tmp_path / "db.sqlite3")
    try:
        assert lib.deck("mine") is not None and lib.deck("torch-dim") is not None  # shipped
        assert ("mine", "sum") in [ref.key for ref in lib.refs()]
        assert lib.queue(decks=["mine"]).new == [("mine", "sum")]
        stats = lib.stats()
        assert stats.decks["mine"].cards == 1 and stats.folder_problems == []
        assert any(c.deck_id == "mine" for c in lib.exam_plan_cards())
    finally:
        lib.close()


def test_a_deck_repository_s_hidden_yaml_is_not_a_deck(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    folder = _folder(tmp_path, "repo")
    (folder / ".github" / "workflows").mkdir(parents=True)
    (folder / ".github" / "workflows" / "ci.yml").write_text("on: push\njobs: {}\n")
    (folder / ".pre-commit-config.yaml").write_text("repos: []\n")
    _write_config(f'deck_folders = ["{folder}"]\n')
    lib = Library.open(db_path=tmp_path / "db.sqlite3")
    try:
        assert lib.deck("mine") is not None and lib.decks.problems == []
    finally:
        lib.close()
    code, out, _ = _cli(capsys, "lint", "--no-exec", str(folder))
    assert code == 0, out
    code, out, _ = _cli(capsys, "folders", "list")
    assert f"{folder}: ok, 1 deck file" in out


def test_the_same_deck_id_in_two_folders_is_reported_with_its_position(
        tmp_path: Path) -> None:
    first, second = _folder(tmp_path, "a"), _folder(tmp_path, "b")
    shipped_id = MINE.replace("id: mine", "id: torch-dim")
    (second / "clash.yaml").write_text(shipped_id)
    _write_config(f'deck_folders = ["{first}", "{second}"]\n')
    lib = Library.open(db_path=tmp_path / "db.sqlite3")
    try:
        problems = lib.stats().deck_problems
        assert lib.deck("mine") is not None
        assert lib.decks.deck("mine").path == first / "sub" / "mine.yaml"  # type: ignore[union-attr]
        dup = [p for p in problems if "duplicate deck id 'mine'" in p]
        assert len(dup) == 1 and dup[0].startswith(f"{second / 'sub' / 'mine.yaml'}:1:5: mine: ")
        assert str(first / "sub" / "mine.yaml") in dup[0]
        # a deck of yours with a shipped deck's id: reported, the shipped one stays
        clash = [p for p in problems if "duplicate deck id 'torch-dim'" in p]
        assert len(clash) == 1 and clash[0].startswith(f"{second / 'clash.yaml'}:1:5:")
    finally:
        lib.close()


def test_a_folder_listed_twice_or_inside_another_loads_each_deck_once(tmp_path: Path) -> None:
    own = _home() / "data" / "decks"
    own.mkdir(parents=True)
    (own / "own.yaml").write_text(MINE.replace("id: mine", "id: own"))
    folder = _folder(tmp_path)
    _write_config(f'deck_folders = ["{folder}", "{folder}/", "{folder / "sub"}", "{own}"]\n')
    lib = Library.open(db_path=tmp_path / "db.sqlite3")
    try:
        assert lib.decks.problems == []
        ids = [d.deck.id for d in lib.decks.decks]
        assert ids.count("mine") == 1 and ids.count("own") == 1
    finally:
        lib.close()


# -- folders that cannot be read ------------------------------------------------------------

def test_a_missing_folder_is_reported_by_stats_never_fatal(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _folder(tmp_path)
    missing = tmp_path / "unplugged-disk" / "decks"
    a_file = tmp_path / "file"
    a_file.write_text("")
    _write_config(f'deck_folders = ["{missing}", "{folder}", "{a_file}"]\n')
    code, out, _ = _cli(capsys, "stats", "--json")
    assert code == 0
    data = json.loads(out)
    assert {"day", "scheduler", "due_today", "learning_today", "reviewed_today",
            "new_left_today", "retention_30d", "streak", "decks", "leeches", "orphaned",
            "deck_problems"} <= set(data)
    assert data["folder_problems"] == [
        {"path": str(missing), "problem": "no such folder"},
        {"path": str(a_file), "problem": "not a folder"},
    ]
    assert "mine" in data["decks"]  # the folder that is there still loads
    code, out, _ = _cli(capsys, "stats")
    assert code == 0 and f"deck folder {missing}: no such folder" in out
    code, out, _ = _cli(capsys, "folders", "list")
    assert code == 0 and "no such folder" in out and "1 deck file" in out


@pytest.fixture
def user_place() -> Iterator[Path]:
    """A folder an unprivileged uid can reach (pytest's own is root's alone)."""
    base = Path("/var/tmp") if os.path.isdir("/var/tmp") else Path(tempfile.gettempdir())
    place = Path(tempfile.mkdtemp(prefix="quizcards-folders-", dir=base))
    place.chmod(0o755)
    try:
        yield place
    finally:
        for p in [place, *place.rglob("*")]:
            if not p.is_symlink():
                p.chmod(0o700)
        shutil.rmtree(place)


USER_UID = 4242


def test_an_unreadable_folder_is_reported_by_stats(user_place: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to run the command as a throwaway uid (chmod 000 does not "
                    "stop root)")
    home = user_place / "home"
    locked = _folder(user_place, "locked")
    (home / "config").mkdir(parents=True)
    (home / "config" / "config.toml").write_text(f'deck_folders = ["{locked}"]\n')
    for p in [home, *home.rglob("*"), locked, *locked.rglob("*")]:
        os.chown(p, USER_UID, USER_UID)
    locked.chmod(0o000)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "QUIZCARDS_HOME": str(home),
           "PYTHONPATH": str(REPO / "src")}
    out = subprocess.run(
        [sys.executable, str(REPO / "tests" / "as_user.py"), str(USER_UID), "--",
         sys.executable, "-m", "quizcards", "stats", "--json"],
        env=env, capture_output=True, text=True, timeout=240)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["folder_problems"] == [
        {"path": str(locked), "problem": "cannot be read (permission denied)"}]
    assert "torch-dim" in data["decks"]  # everything else still loads


# -- the home screen ---------------------------------------------------------------------

async def test_home_shows_a_missing_folder_in_one_line(tmp_path: Path, checker: object) -> None:
    from quizcards.ui.app import create_app

    missing = tmp_path / "unplugged" / "decks"
    _write_config(f'deck_folders = ["{missing}"]\n')
    lib = Library.open(db_path=tmp_path / "db.sqlite3")
    app = create_app(lib, checker)  # type: ignore[arg-type]
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        notice = app.screen.query_one("#folder-notice")
        text = str(notice.render())
        assert notice.display and "deck folder" in text.lower() and "no such folder" in text
        assert str(missing)[:30] in text
        assert notice.size.height == 1  # one line, whatever the path's length
        assert app.screen.query_one("#decks").row_count > 0  # the shipped decks still load
    lib.close()

"""Deck folders of your own (`deck_folders` in config.toml, `quizcards folders`): decks there
load beside the shipped ones and the user's deck folder, and run code without `quizcards
trust` (the folder is trusted as a whole, so editing a deck needs no re-trust). A link inside
such a folder lends no trust to what it points at; a folder that is missing or unreadable is
reported (stats, home), never fatal."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from quizcards.cli import main
from quizcards.config import load_config
from quizcards.errors import ConfigError

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

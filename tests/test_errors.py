"""Errors go through the one hierarchy (errors.py): every class there is used, none lives
elsewhere, and expected failures reach the user as a message and an exit code, never a
traceback."""

from __future__ import annotations

import ast
import io
import sys
from pathlib import Path

import pytest

from quizcards import paths
from quizcards.cli import main
from quizcards.errors import CheckerError, ImportFailed, UsageError

SRC = Path(__file__).resolve().parent.parent / "src" / "quizcards"
CARD = """id: one
title: One
cards:
  - id: s
    kind: shape
    prompt: "Shape?"
    code: "result = torch.zeros(2, 3)"
"""


def _error_classes() -> set[str]:
    tree = ast.parse((SRC / "errors.py").read_text())
    return {n.name for n in tree.body if isinstance(n, ast.ClassDef)}


def test_every_error_class_is_used_and_none_lives_elsewhere() -> None:
    classes = _error_classes()
    used: set[str] = set()
    elsewhere = []
    for path in SRC.rglob("*.py"):
        if path.name == "errors.py":
            continue
        tree = ast.parse(path.read_text())
        used |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        used |= {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
                 for a in n.names}
        elsewhere += [f"{path.name}:{n.name}" for n in ast.walk(tree)
                      if isinstance(n, ast.ClassDef)
                      and any(isinstance(b, ast.Name) and b.id in classes for b in n.bases)]
    assert classes <= used, classes - used
    assert elsewhere == []


def test_an_import_that_fails_is_a_usage_error(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    from quizcards.interop.importer import read_csv

    bad = tmp_path / "cards.csv"
    bad.write_bytes(b"front,back\n\xff,x\n")
    with pytest.raises(ImportFailed, match="not UTF-8"):
        read_csv(bad)
    assert issubclass(ImportFailed, UsageError)
    assert main(["import", str(bad), "--deck-id", "mine"]) == 2
    assert "not UTF-8" in capsys.readouterr().err


@pytest.fixture
def no_worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The checker cannot start its worker: TMPDIR names a folder that does not exist (the
    worker's private folder is made there). Returns a trusted deck that needs the worker."""
    monkeypatch.setenv("TMPDIR", str(tmp_path / "missing"))
    deck = paths.user_decks_dir() / "one.yaml"
    deck.parent.mkdir(parents=True)
    deck.write_text(CARD)
    return deck


def _says_the_checker_failed(capsys: pytest.CaptureFixture[str]) -> None:
    err = capsys.readouterr().err
    assert "quizcards: the checker worker cannot start" in err and "missing" in err, err


def test_check_without_a_worker_is_a_message(no_worker: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(no_worker), "s", "--answer", "(2, 3)"]) == 1
    _says_the_checker_failed(capsys)


def test_lint_without_a_worker_is_a_message(no_worker: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "--jobs", "1", str(no_worker)]) == 1
    _says_the_checker_failed(capsys)


def test_export_without_a_worker_is_a_message(no_worker: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", str(tmp_path / "out.csv"), "--deck", "one"]) == 1
    _says_the_checker_failed(capsys)
    assert not (tmp_path / "out.csv").exists()


def test_the_line_review_without_a_worker_is_a_message(
        no_worker: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("(2, 3)\n"))  # what input() reads
    assert main(["review", "--plain", "--deck", "one"]) == 1
    _says_the_checker_failed(capsys)


def test_a_checker_that_cannot_start_leaves_no_folder(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from quizcards.checker.client import Checker, WorkerOptions

    monkeypatch.setenv("TMPDIR", str(tmp_path))
    checker = Checker(options=WorkerOptions(launcher=(str(tmp_path / "no-such-launcher"),)))
    with pytest.raises(CheckerError, match="cannot start"), checker:
        pass
    assert list(tmp_path.iterdir()) == []


def test_trust_where_the_config_folder_is_a_file(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    paths.config_dir().parent.mkdir(parents=True, exist_ok=True)
    paths.config_dir().write_text("not a folder")
    deck = tmp_path / "one.yaml"
    deck.write_text(CARD)
    assert main(["trust", str(deck)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("quizcards: ") and "cannot save the trusted decks" in err, err


def test_saving_settings_where_the_config_folder_is_a_file() -> None:
    from quizcards.config import save_settings
    from quizcards.errors import ConfigError

    paths.config_dir().parent.mkdir(parents=True, exist_ok=True)
    paths.config_dir().write_text("not a folder")
    with pytest.raises(ConfigError, match=r"not saved .*add these lines yourself: "
                                          r"desired_retention = 0\.85"):
        save_settings({"desired_retention": 0.85})


@pytest.mark.parametrize("content", [b"id: x\ntitle: \xff\ncards: []\n", None])
def test_new_on_a_deck_it_cannot_read(tmp_path: Path, content: bytes | None,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    deck = tmp_path / "d.yaml"
    if content is None:
        deck.mkdir()  # a folder named like a deck
    else:
        deck.write_bytes(content)
    assert main(["new", str(deck), "--kind", "shape", "--no-edit"]) == 2
    assert "does not load" in capsys.readouterr().err


def test_new_where_the_deck_folder_is_a_file(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "decks").write_text("a file")
    assert main(["new", str(tmp_path / "decks" / "d.yaml"), "--kind", "shape",
                 "--no-edit"]) == 2
    assert "cannot write" in capsys.readouterr().err



@pytest.mark.parametrize("command", [
    ["export", "{afile}/log.csv", "--log"],
    ["import", "{cards}", "--deck-id", "mine", "--out", "{afile}/mine.yaml"],
])
def test_writing_under_a_file_is_a_message(command: list[str], tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    afile, cards = tmp_path / "afile", tmp_path / "cards.csv"
    afile.write_text("a file, not a folder")
    cards.write_text("front,back\nq,a\n")
    argv = [a.format(afile=afile, cards=cards) for a in command]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"quizcards: {afile}/") and "cannot write" in err, err


def test_stats_where_the_data_folder_is_a_file(capsys: pytest.CaptureFixture[str]) -> None:
    """The database's folder could not be made: a traceback (mkdir ran outside the guard)."""
    paths.database_path().parent.parent.mkdir(parents=True, exist_ok=True)
    paths.database_path().parent.write_text("not a folder")
    assert main(["stats"]) != 0
    err = capsys.readouterr().err
    assert err.startswith("quizcards: ") and "cannot open the database" in err, err

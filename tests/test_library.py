"""Decks + store + config wired together: history survives deck edits, stats, config errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from quizcards.config import load_config
from quizcards.errors import ConfigError
from quizcards.library import Library
from quizcards.store.db import Answer

DECK = """id: mine
title: Mine
cards:
  - id: one
    kind: recall
    prompt: First prompt
    answer: one
  - id: two
    kind: recall
    prompt: Second
    answer: two
"""
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def open_lib(tmp_path: Path) -> Library:
    return Library.open([tmp_path / "decks"], db_path=tmp_path / "db.sqlite3")


@pytest.fixture
def decks(tmp_path: Path) -> Path:
    (tmp_path / "decks").mkdir()
    path = tmp_path / "decks" / "mine.yaml"
    path.write_text(DECK)
    return path


def test_edited_prompt_keeps_history_and_removed_card_is_reported(tmp_path: Path,
                                                                   decks: Path) -> None:
    lib = open_lib(tmp_path)
    lib.store.record(Answer("mine", "one", grade=5), T0)
    lib.store.record(Answer("mine", "two", grade=5), T0)
    lib.close()
    decks.write_text(DECK.replace("First prompt", "A better first prompt")
                     .replace("  - id: two\n    kind: recall\n    prompt: Second\n"
                              "    answer: two\n", ""))
    lib = open_lib(tmp_path)
    assert lib.store.state(("mine", "one")) is not None  # same id, same history
    assert lib.orphans() == [("mine", "two")]
    assert lib.store.history(("mine", "two"))  # kept, not deleted
    lib.close()


def test_a_deck_that_fails_to_parse_drops_no_history(tmp_path: Path, decks: Path) -> None:
    lib = open_lib(tmp_path)
    lib.store.record(Answer("mine", "one", grade=5), T0)
    lib.close()
    decks.write_text(DECK + "  - [broken\n")
    lib = open_lib(tmp_path)
    assert lib.decks.problems and not lib.decks.decks
    assert lib.store.conn.execute("SELECT count(*) FROM reviews").fetchone()[0] == 1
    lib.close()


def test_stats_numbers(tmp_path: Path, decks: Path) -> None:
    lib = open_lib(tmp_path)
    now = datetime.now(UTC)
    lib.store.record(Answer("mine", "one", grade=5), now - timedelta(days=1))
    lib.store.record(Answer("mine", "one", grade=5), now)
    lib.store.record(Answer("mine", "two", grade=2), now)
    stats = lib.stats(now).to_json()
    assert stats["reviewed_today"] == 2
    assert stats["streak"] == 2
    assert stats["retention_30d"] == 1.0
    assert stats["new_left_today"] == 0
    assert stats["learning_today"] == 1
    assert stats["decks"]["mine"] == {"new": 0, "learning": 1, "due": 0, "cards": 2}
    lib.close()


def test_stats_json_cli(tmp_path: Path) -> None:
    env = {**os.environ, "QUIZCARDS_HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "quizcards", "stats", "--json"],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    for key in ("due_today", "reviewed_today", "new_left_today", "retention_30d", "streak",
                "decks"):
        assert key in data
    assert data["new_left_today"] == 20  # the default new-card limit, over all decks
    assert data["decks"]["torch-dim"]["new"] == 19  # that deck alone (a cloze: one a number)


def test_config_defaults_and_errors(tmp_path: Path) -> None:
    assert load_config(tmp_path / "none.toml").new_per_day == 20
    path = tmp_path / "config.toml"
    path.write_text('scheduler = "fsrs"\nrollover_hour = 6\n[decks.torch-dim]\nnew_per_day = 3\n')
    config = load_config(path)
    assert config.scheduler == "fsrs" and config.limits.for_deck("torch-dim") == (3, None)
    path.write_text('scheduler = "sm3"\nnew_per_dya = 5\nrollover_hour = 25\n')
    with pytest.raises(ConfigError) as err:
        load_config(path)
    text = str(err.value)
    assert f"{path}: scheduler: Input should be 'sm2' or 'fsrs'" in text
    assert f"{path}: new_per_dya: unknown setting" in text
    assert f"{path}: rollover_hour: Input should be less than or equal to 23" in text
    path.write_text("scheduler = \n")
    with pytest.raises(ConfigError, match="Invalid value"):
        load_config(path)


def test_config_error_in_cli_is_clean(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.toml").write_text("new_per_day = -1\n")
    proc = subprocess.run([sys.executable, "-m", "quizcards", "stats"], capture_output=True,
                          text=True, env={**os.environ, "QUIZCARDS_HOME": str(tmp_path)})
    assert proc.returncode == 1 and "new_per_day" in proc.stderr
    assert "Traceback" not in proc.stderr

"""The user's FSRS settings (desired_retention, fitted parameters) reach the scheduler, and
changing them replays the log so every card's state follows the new settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from quizcards.config import load_config
from quizcards.core.fsrs_adapter import DEFAULT_SETTINGS, FSRSSettings
from quizcards.library import Library
from quizcards.store.db import Answer, Store

START = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
FITTED = (0.3, 1.0, 3.0, 12.0, 6.5, 0.6, 2.0, 0.01, 1.6, 0.15, 1.0, 1.9, 0.1, 0.3, 2.3,
          0.23, 2.9, 0.5, 0.6, 0.2, 0.2)  # within the package's bounds, far from defaults


def _answer(store: Store, grades: list[int]) -> int:
    """Answer one card on successive due days; the last due day."""
    when = START
    state = None
    for grade in grades:
        recorded = store.record(Answer("d", "c", grade), when)
        state = recorded.state
        when = START + timedelta(days=(state.due_day or 0) - store.rule.day_of(START))
    assert state is not None and state.due_day is not None
    return state.due_day


def test_retention_and_parameters_change_the_intervals(tmp_path: Path) -> None:
    dues = {}
    for name, settings in {"default": DEFAULT_SETTINGS, "low": FSRSSettings(0.75),
                           "high": FSRSSettings(0.97), "fitted": FSRSSettings(0.9, FITTED)
                           }.items():
        store = Store.open(tmp_path / f"{name}.db", "fsrs", fsrs=settings)
        dues[name] = _answer(store, [4, 4, 4, 4])
        store.close()
    assert dues["low"] > dues["default"] > dues["high"]
    assert dues["fitted"] != dues["default"]


def test_changing_the_settings_replays_the_log(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    store = Store.open(db, "fsrs")
    due = _answer(store, [4, 4, 4])
    store.close()
    store = Store.open(db, "fsrs", fsrs=FSRSSettings(0.75))  # e.g. after `optimize --retention`
    replayed = store.state(("d", "c"))
    store.close()
    assert replayed is not None and replayed.due_day > due
    again = Store.open(db, "fsrs", fsrs=FSRSSettings(0.75))  # unchanged: no replay needed
    assert again.state(("d", "c")) == replayed
    again.close()


def test_the_library_passes_the_config_on(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / "home"
    (home / "config").mkdir(parents=True)
    (home / "config" / "config.toml").write_text(
        'scheduler = "fsrs"\ndesired_retention = 0.85\n'
        f"fsrs_parameters = {list(FITTED)}\n")
    monkeypatch.setenv("QUIZCARDS_HOME", str(home))
    config = load_config()
    lib = Library.open([], config=config, db_path=tmp_path / "db.sqlite3")
    assert lib.store.fsrs == FSRSSettings(0.85, FITTED)
    lib.close()

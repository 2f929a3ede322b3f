"""`quizcards import --log`: review history in the FSRS optimizer's CSV schema into the log of
cards that exist; malformed rows name their line and import nothing; unknown cards are
skipped; importing twice adds nothing; export --log -> import --log -> export --log is exact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from quizcards import paths
from quizcards.cli import main
from quizcards.interop import export
from quizcards.library import Library
from quizcards.store.db import Answer, Store

T0 = datetime(2026, 1, 5, 10, tzinfo=UTC)


@pytest.fixture
def keys() -> list[tuple[str, str]]:
    library = Library.open()
    try:
        return [ref.key for ref in library.refs()[:3]]
    finally:
        library.close()


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _log(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "log.csv"
    path.write_text("card_id,review_time,review_rating,review_state,review_duration\n"
                    + "".join(r + "\n" for r in rows))
    return path


def _rows() -> list[tuple[str, str, int, int, int | None]]:
    store = Store.open(paths.database_path())
    try:
        return [(*r.key, r.time_ms, r.grade, r.duration_ms) for r in store.logged_reviews()]
    finally:
        store.close()


def test_import_adds_answers_and_skips_unknown_cards(
        tmp_path: Path, keys: list[tuple[str, str]], capsys: pytest.CaptureFixture[str]) -> None:
    (d, c), (d2, c2) = keys[0], keys[1]
    n = export.card_number(d, c)
    path = _log(tmp_path, [
        f"{n},{_ms(T0)},3,0,1200",
        f"{n},{_ms(T0 + timedelta(days=1))},1,2,900",
        f"{d2}/{c2},{(T0 + timedelta(days=2)).isoformat()},4,0,",
        f"12345,{_ms(T0)},3,0,100",  # a card this profile does not have
    ])
    assert main(["import", "--log", str(path)]) == 0
    out = capsys.readouterr().out
    assert "imported 3 answers to 2 cards" in out
    assert "1 answer to 1 unknown card skipped: 12345" in out
    rows = _rows()
    assert [(r[0], r[1], r[3], r[4]) for r in rows] == [
        (d, c, 4, 1200), (d, c, 1, 900), (d2, c2, 5, None)]
    assert rows[0][2] == _ms(T0)
    store = Store.open(paths.database_path())
    try:
        state = store.state((d, c))
        assert state is not None and state.reviews == 2
    finally:
        store.close()


def test_importing_the_same_file_twice_adds_nothing(
        tmp_path: Path, keys: list[tuple[str, str]], capsys: pytest.CaptureFixture[str]) -> None:
    d, c = keys[0]
    path = _log(tmp_path, [f"{d}/{c},{_ms(T0 + timedelta(days=i))},3,0,500" for i in range(4)])
    assert main(["import", "--log", str(path)]) == 0
    assert main(["import", "--log", str(path)]) == 0
    out = capsys.readouterr().out
    assert "imported 0 answers to 0 cards" in out and "4 answers already in the log" in out
    assert len(_rows()) == 4


def test_malformed_rows_name_their_lines_and_nothing_is_imported(
        tmp_path: Path, keys: list[tuple[str, str]], capsys: pytest.CaptureFixture[str]) -> None:
    d, c = keys[0]
    path = _log(tmp_path, [
        f"{d}/{c},{_ms(T0)},3,0,500",
        f"{d}/{c},yesterday,3,0,500",
        f"{d}/{c},{_ms(T0)},5,0,500",
        f"{d}/{c},{_ms(T0)},3",
        f"{d}/{c},2026-01-05T10:00:00,3,0,1",
    ])
    assert main(["import", "--log", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}:3: review_time 'yesterday'" in err
    assert f"{path}:4: review_rating '5' is not 1-4" in err
    assert f"{path}:5: 3 fields, the header has 5" in err
    assert f"{path}:6: review_time '2026-01-05T10:00:00' has no UTC offset" in err
    assert "nothing imported (4 problems)" in err
    assert _rows() == []


def test_a_file_without_the_schema_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "cards.csv"
    path.write_text("front,back\nq,a\n")
    assert main(["import", "--log", str(path)]) == 1
    assert "no column card_id, review_time, review_rating" in capsys.readouterr().err


def test_answers_older_than_the_cards_history_are_skipped(
        tmp_path: Path, keys: list[tuple[str, str]], capsys: pytest.CaptureFixture[str]) -> None:
    d, c = keys[0]
    store = Store.open(paths.database_path())
    store.record(Answer(d, c, 4), T0 + timedelta(days=10))
    store.close()
    path = _log(tmp_path, [f"{d}/{c},{_ms(T0)},3,0,500",
                           f"{d}/{c},{_ms(T0 + timedelta(days=20))},3,2,500"])
    assert main(["import", "--log", str(path)]) == 0
    out = capsys.readouterr().out
    assert "imported 1 answer to 1 card" in out
    assert "1 answer older than the card's history here skipped" in out and "line 2" in out
    assert [r[2] for r in _rows()] == [_ms(T0 + timedelta(days=10)),
                                       _ms(T0 + timedelta(days=20))]


def test_round_trip_with_export_log(
        tmp_path: Path, keys: list[tuple[str, str]], monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store.open(paths.database_path())
    (d, c), (d2, c2) = keys[0], keys[1]
    for minutes, grade in ((0, 1), (10, 4), (60 * 24, 5), (60 * 24 * 8, 2),
                           (60 * 24 * 8 + 5, 4)):
        store.record(Answer(d, c, grade, duration_ms=1500), T0 + timedelta(minutes=minutes))
    store.record(Answer(d2, c2, 5, duration_ms=900), T0)
    store.record(Answer(d2, c2, 3, duration_ms=700), T0 + timedelta(days=3))
    store.close()
    first = tmp_path / "first.csv"
    assert main(["export", "--log", str(first)]) == 0
    monkeypatch.setenv("QUIZCARDS_HOME", str(tmp_path / "other-home"))
    assert main(["import", "--log", str(first)]) == 0
    second = tmp_path / "second.csv"
    assert main(["export", "--log", str(second)]) == 0
    # the same rows (the import appends in time order; the first log was in answer order)
    assert sorted(second.read_text().splitlines()) == sorted(first.read_text().splitlines())
    assert len(first.read_text().splitlines()) == 8


def test_hostile_logs_get_line_numbers_not_tracebacks(
        tmp_path: Path, keys: list[tuple[str, str]], capsys: pytest.CaptureFixture[str]) -> None:
    """The round-3 attacker's rows: far-future times (an FSRS profile then crashed on every
    start with OverflowError), offsets past year 9999, infinite or huge durations, times
    before 1970. Each is a positioned problem; nothing is imported."""
    d, c = keys[0]
    path = _log(tmp_path, [
        f"{d}/{c},9999-12-31T00:00:00+00:00,3,1,1000",
        f"{d}/{c},9999-12-31T23:59:59-05:00,3,1,1000",
        f"{d}/{c},99999999999999,3,1,1000",
        f"{d}/{c},1969-06-01T00:00:00+00:00,3,1,1000",
        f"{d}/{c},{_ms(T0)},3,1,inf",
        f"{d}/{c},{_ms(T0)},3,1,1e300",
        f"{d}/{c},{_ms(T0)},3,1,99999999999999999999999",
        f"{d}/{c},{_ms(T0)},3,1,-0.5",
    ])
    assert main(["import", "--log", str(path)]) == 1
    err = capsys.readouterr().err
    for line in (2, 3, 4):
        assert f"{path}:{line}: review_time" in err and "in the future" in err
    assert f"{path}:5: review_time 1969-06-01T00:00:00+00:00 is before 1970" in err
    for line in (6, 7, 8, 9):
        assert f"{path}:{line}: review_duration" in err
    assert "Traceback" not in err
    assert _rows() == []
    assert main(["evaluate", "--log", str(path)]) != 0  # the same rows, the same messages
    assert "in the future" in capsys.readouterr().err


def test_a_field_too_large_for_csv_is_a_positioned_problem(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "huge.csv"
    path.write_text("card_id,review_time,review_rating\n\"" + "x" * 200_000
                    + "\",1700000000000,3\n")
    assert main(["import", "--log", str(path)]) == 1
    assert f"{path}:2: unreadable CSV" in capsys.readouterr().err

"""Export and import: Anki packages, CSV of cards, the review log for the FSRS optimizer;
round trips, and bad input that writes nothing."""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import subprocess
import sys
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from quizcards.decks.loader import load_file, load_paths
from quizcards.interop import export, importer
from quizcards.store.db import Answer, Store

from .conftest import DECKS


def cli(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QUIZCARDS_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "quizcards", *args], capture_output=True,
                          text=True, env=env, timeout=300)


@pytest.fixture(scope="module")
def apkg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("home")
    out = home / "all.apkg"
    proc = cli("export", str(out), home=home)
    assert proc.returncode == 0, proc.stderr
    return out


def test_apkg_is_a_zip_with_an_anki_collection(apkg: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(apkg) as z:
        assert "collection.anki2" in z.namelist()
        z.extract("collection.anki2", tmp_path)
    conn = sqlite3.connect(tmp_path / "collection.anki2")
    n_notes = conn.execute("SELECT count(*) FROM notes").fetchone()[0]
    n_cards = conn.execute("SELECT count(*) FROM cards").fetchone()[0]
    shipped = load_paths([DECKS]).decks
    assert n_notes == sum(len(d.deck.cards) for d in shipped)
    assert n_cards == sum(len(d.deck.items()) for d in shipped)  # a cloze note: one a number
    models = json.loads(conn.execute("SELECT models FROM col").fetchone()[0])
    typed = next(m for m in models.values() if m["name"] == "quizcards typed answer")
    assert "{{type:Back}}" in typed["tmpls"][0]["qfmt"]
    # an executable card carries its computed truth; code is shown as code; tags are kept
    flds, tags = conn.execute(
        "SELECT flds, tags FROM notes WHERE flds LIKE '%torch-dim/max-dim1-shape%'").fetchone()
    front, back = flds.split("\x1f")[:2]
    assert back == "(3, 4)"
    assert "<code>x = torch.randn(3, 6, 4)</code>" in front
    assert "quizcards::torch-dim" in tags.split() and "dim" in tags.split()
    decks = json.loads(conn.execute("SELECT decks FROM col").fetchone()[0])
    assert any(d["name"].startswith("quizcards::The dim argument") for d in decks.values())


def test_apkg_round_trip_to_a_deck_that_lints(apkg: Path, tmp_path: Path) -> None:
    out = tmp_path / "again.yaml"
    notes = importer.read_apkg(apkg)
    importer.write_deck(importer.to_deck(notes, "again", "Again", "apkg"), out, force=False)
    loaded, problems = load_file(out)
    assert problems == [] and loaded is not None
    cards = {c.prompt.strip(): c for c in loaded.deck.cards}
    max_card = next(c for p, c in cards.items() if "x.max(dim=1).values" in p)
    assert max_card.answer == "(3, 4)"  # type: ignore[attr-defined]
    assert len(loaded.deck.cards) == len(notes)


def test_csv_export_then_import_round_trip(tmp_path: Path) -> None:
    home = tmp_path / "home"
    out = tmp_path / "dim.csv"
    proc = cli("export", str(out), "--deck", "torch-dim", home=home)
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 18 and rows[0]["answer"] == "(3, 4)"
    simple = tmp_path / "simple.csv"
    with simple.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["front", "back", "tags"])
        for r in rows:
            w.writerow([r["prompt"], r["answer"] or "-", r["tags"]])
    proc = cli("import", str(simple), "--deck-id", "dim-copy", home=home)
    assert proc.returncode == 0, proc.stderr
    deck_file = home / "data" / "decks" / "dim-copy.yaml"
    loaded, problems = load_file(deck_file)
    assert not problems and loaded is not None and len(loaded.deck.cards) == 18
    assert cli("lint", str(deck_file), home=home).returncode == 0


def test_tsv_import(tmp_path: Path) -> None:
    src = tmp_path / "cards.tsv"
    src.write_text("What is 2+2?\t4\tmath\nCapital of France?\tParis\tgeo trivia\n")
    notes = importer.read_csv(src)
    deck = importer.to_deck(notes, "t", "T", "tsv")
    assert [c["tags"] for c in deck["cards"]] == [["math"], ["geo", "trivia"]]  # type: ignore[index]


def test_review_log_csv_has_the_optimizer_columns_and_types(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "db.sqlite3")
    t = datetime(2026, 1, 5, 10, tzinfo=UTC)
    for minutes, grade in ((0, 1), (10, 4), (60 * 24, 5), (60 * 24 * 8, 2), (60 * 24 * 8 + 5, 4)):
        store.record(Answer("d", "a", grade, duration_ms=1500), t + timedelta(minutes=minutes))
    store.record(Answer("d", "b", 5, duration_ms=900), t)
    store.record(Answer("d", "b", 0), t + timedelta(days=1))
    store.undo_last()  # undone answers are not exported
    out = tmp_path / "log.csv"
    assert export.write_review_log(store, out) == 6
    rows = list(csv.DictReader(out.open()))
    assert list(rows[0]) == ["card_id", "review_time", "review_rating", "review_state",
                             "review_duration"]
    for row in rows:
        int(row["card_id"]), int(row["review_time"]), int(row["review_duration"])
        assert 1 <= int(row["review_rating"]) <= 4 and 0 <= int(row["review_state"]) <= 3
    a = [r for r in rows if int(r["card_id"]) == export.card_number("d", "a")]
    assert [int(r["review_rating"]) for r in a] == [1, 3, 4, 1, 3]
    assert [int(r["review_state"]) for r in a] == [0, 1, 2, 2, 3]
    assert int(a[0]["review_time"]) == int(t.timestamp() * 1000)
    store.close()


def test_bad_inputs_name_the_place_and_write_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    bad = tmp_path / "bad.csv"
    bad.write_text("front,back\nq1,a1\nonly one column\nq3,a3\n")
    proc = cli("import", str(bad), "--deck-id", "bad", home=home)
    assert proc.returncode == 2
    assert f"{bad}:3: expected 2 or 3 columns" in proc.stderr
    fake = tmp_path / "fake.apkg"
    fake.write_bytes(b"not a zip")
    proc = cli("import", str(fake), "--deck-id", "fake", home=home)
    assert proc.returncode == 2 and "not an Anki package" in proc.stderr
    wrong_zip = tmp_path / "wrong.apkg"
    with zipfile.ZipFile(wrong_zip, "w") as z:
        z.writestr("hello.txt", "hi")
    proc = cli("import", str(wrong_zip), "--deck-id", "wrong", home=home)
    assert proc.returncode == 2 and "no collection.anki2 inside" in proc.stderr
    proc = cli("export", str(tmp_path / "x.apkg"), "--deck", "no-such-deck", home=home)
    assert proc.returncode == 2 and "no deck 'no-such-deck'" in proc.stderr
    assert not (tmp_path / "x.apkg").exists()
    assert not (home / "data" / "decks").exists() or not any((home / "data" / "decks").iterdir())


def test_import_refuses_to_overwrite(tmp_path: Path) -> None:
    src = tmp_path / "c.csv"
    src.write_text("q,a\n")
    out = tmp_path / "deck.yaml"
    out.write_text("precious")
    deck = importer.to_deck(importer.read_csv(src), "d", "D", "x")
    with pytest.raises(Exception, match="exists"):
        importer.write_deck(deck, out, force=False)
    assert out.read_text() == "precious"

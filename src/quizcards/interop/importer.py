"""Import: CSV/TSV (front, back, tags) and the basic notes of an Anki .apkg into a new YAML
deck of recall cards that passes lint. Nothing is written unless the whole input reads
cleanly; errors name the file and the row."""

from __future__ import annotations

import csv
import html
import io
import re
import sqlite3
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from quizcards.errors import ImportFailed, UsageError
from quizcards.files import replacing


@dataclass(frozen=True)
class Note:
    front: str
    back: str
    tags: tuple[str, ...]
    where: str  # "file:row" for messages


def read_csv(path: Path) -> list[Note]:
    """Rows of front, back[, tags]; a header row naming 'front' is skipped; TSV by suffix
    or by sniffing a tab in the first line."""
    try:
        text = path.read_text("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed(f"{path}: not UTF-8 text (byte {exc.start})") from None
    first = text.split("\n", 1)[0]
    delimiter = "\t" if path.suffix.lower() == ".tsv" or "\t" in first else ","
    notes: list[Note] = []
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        for row in reader:
            line = reader.line_num
            if not row or all(not c.strip() for c in row):
                continue
            if line == 1 and row[0].strip().lower() in ("front", "question"):
                continue
            if len(row) < 2 or len(row) > 3:
                raise ImportFailed(f"{path}:{line}: expected 2 or 3 columns (front, back, tags),"
                                   f" found {len(row)}")
            front, back = _protect_braces(row[0].strip()), row[1].strip()
            if not front or not back:
                raise ImportFailed(f"{path}:{line}: the {'front' if not front else 'back'} is "
                                   "empty")
            tags = tuple(t for t in re.split(r"[\s,]+", row[2]) if t) if len(row) == 3 else ()
            notes.append(Note(front, back, tags, f"{path}:{line}"))
    except csv.Error as exc:
        raise ImportFailed(f"{path}:{reader.line_num}: {exc}") from None
    if not notes:
        raise ImportFailed(f"{path}: no rows to import")
    return notes


def _html_to_text(value: str) -> str:
    """Anki HTML to the Markdown of a prompt: code blocks and inline code survive."""
    value = re.sub(r"<pre><code>(.*?)</code></pre>",
                   lambda m: "\n```\n" + m.group(1) + "\n```\n", value, flags=re.DOTALL)
    value = re.sub(r"<code>(.*?)</code>", r"`\1`", value, flags=re.DOTALL)
    value = re.sub(r"<br\s*/?>|</div>|</p>", "\n", value, flags=re.IGNORECASE)
    value = re.sub(r"<[^>]+>", "", value)
    value = re.sub(r"\[sound:[^\]]*\]", "", value)
    value = re.sub(r"\n{3,}", "\n\n", html.unescape(value)).strip()
    return _protect_braces(value)


def _protect_braces(text: str) -> str:
    """A {name} outside code reads as a forgotten param to lint: show it as code instead."""
    from quizcards.core.params import outside_code

    plain = outside_code(text)
    spans = [m.span() for m in re.finditer(r"\{[A-Za-z_]\w*\}", plain)]
    for start, end in reversed(spans):
        text = text[:start] + "`" + text[start:end] + "`" + text[end:]
    return text


def read_apkg(path: Path) -> list[Note]:
    """The notes with two or more fields (front = first field, back = second)."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ImportFailed(f"{path}: not an Anki package (not a zip file: {exc})") from None
    with archive:
        names = set(archive.namelist())
        name = next((n for n in ("collection.anki21", "collection.anki2") if n in names), None)
        if name is None:
            raise ImportFailed(f"{path}: not an Anki package (no collection.anki2 inside; "
                               "files: " + ", ".join(sorted(names)[:5]) + ")")
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(archive.extract(name, tmp))
            try:
                conn = sqlite3.connect(db)
                rows = conn.execute("SELECT id, flds, tags FROM notes ORDER BY id").fetchall()
                conn.close()
            except sqlite3.DatabaseError as exc:
                raise ImportFailed(f"{path}: {name} is not a readable collection ({exc})") from None
    notes = []
    for note_id, flds, tags in rows:
        fields = flds.split("\x1f")
        if len(fields) < 2:
            continue
        front, back = _html_to_text(fields[0]), _html_to_text(fields[1])
        if front and back:
            notes.append(Note(front, back, tuple(tags.split()), f"{path}: note {note_id}"))
    if not notes:
        raise ImportFailed(f"{path}: no notes with a front and a back")
    return notes


def _slug(text: str) -> str:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return "-".join(words[:6])[:40].strip("-") or "card"


def to_deck(notes: list[Note], deck_id: str, title: str, source: str) -> dict[str, object]:
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", deck_id):
        raise UsageError(f"deck id {deck_id!r} must be a lower-case slug (letters, digits, - _)")
    seen: set[str] = set()
    cards = []
    for note in notes:
        base = _slug(note.front)
        card_id, n = base, 2
        while card_id in seen:
            card_id, n = f"{base}-{n}", n + 1
        seen.add(card_id)
        card: dict[str, object] = {"id": card_id, "kind": "recall", "prompt": note.front,
                                   "answer": note.back, "source": source}
        tags = [re.sub(r"[^\w:-]", "_", t) for t in note.tags]
        if tags:
            card["tags"] = tags
        cards.append(card)
    return {"id": deck_id, "title": title, "cards": cards}


class _BlockDumper(yaml.SafeDumper):
    """Multi-line text as `|` blocks, as a person would write the deck."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    if "\n" in value and not any(line != line.rstrip() for line in value.split("\n")):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_BlockDumper.add_representer(str, _str)


def write_deck(deck: dict[str, object], out: Path, force: bool) -> None:
    """Validate with the real loader, then write atomically (never half a file)."""
    from quizcards.decks.loader import load_file

    if out.exists() and not force:
        raise UsageError(f"{out} exists; pass --force to replace it")
    text = ("# yaml-language-server: $schema=deck.schema.json\n"
            + yaml.dump(deck, Dumper=_BlockDumper, allow_unicode=True, sort_keys=False,
                        width=100))
    with replacing(out) as tmp:
        tmp.write_text(text, "utf-8")
        loaded, problems = load_file(tmp, str(out))
        if loaded is None or problems:
            raise ImportFailed("the imported deck does not pass lint:\n" +
                               "\n".join(str(p) for p in problems))

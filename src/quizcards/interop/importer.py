"""Import: CSV/TSV (front, back, tags) and the notes of an Anki .apkg into a new YAML deck
that passes lint: basic notes become recall cards, Cloze notes (model type cloze, field Text)
cloze cards. Nothing is written unless the whole input reads cleanly; errors name the file
and the row."""

from __future__ import annotations

import csv
import html
import io
import json
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
    cloze: dict[str, str] | None = None  # a Cloze note: text, code, prompt, tests, ...


ANKI_CLOZE = 1  # a note type's `type` in an Anki collection: 0 standard, 1 cloze
# what quizcards' export marks in a Cloze note (interop/export.py keeps the same names)
_MARKED = {
    "prompt": re.compile(r'<div class="quizcards-prompt">(.*?)</div>', re.DOTALL),
    "code": re.compile(r'<pre><code class="quizcards-code">(.*?)</code></pre>', re.DOTALL),
    "tests": re.compile(r'<pre class="quizcards-tests">(.*?)</pre>', re.DOTALL),
    "source": re.compile(r'<div class="quizcards-source"><i>(.*?)</i></div>', re.DOTALL),
}


def cloze_note(text_html: str, extra_html: str) -> dict[str, str] | None:
    """The fields of a cloze card from an Anki Cloze note's Text and Back Extra; None when
    Text holds no deletion."""
    card: dict[str, str] = {}
    for name, pattern in _MARKED.items():
        source = text_html if name in ("prompt", "code") else extra_html
        match = pattern.search(source)
        if match is None:
            continue
        value = match.group(1)
        if name == "code" or name == "tests":
            card[name] = html.unescape(value).rstrip() + "\n"
        elif name == "source":
            card[name] = html.unescape(value)
        else:
            card[name] = _html_to_text(value)
        if name in ("prompt", "code"):
            text_html = source[:match.start()] + source[match.end():]
        else:
            extra_html = source[:match.start()] + source[match.end():]
    text = _html_to_text(text_html, protect=False)
    if text:
        card["text"] = text
    explain = _html_to_text(extra_html)
    if explain:
        card["explain"] = explain
    from quizcards.core.cloze import has_markup

    if not has_markup(card.get("text", "") + card.get("code", "")):
        return None
    return card


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


def _html_to_text(value: str, protect: bool = True) -> str:
    """Anki HTML to the Markdown of a prompt: code blocks and inline code survive."""
    value = re.sub(r"<pre><code>(.*?)</code></pre>",
                   lambda m: "\n```\n" + m.group(1) + "\n```\n", value, flags=re.DOTALL)
    value = re.sub(r"<code>(.*?)</code>", r"`\1`", value, flags=re.DOTALL)
    value = re.sub(r"<br\s*/?>|</div>|</p>", "\n", value, flags=re.IGNORECASE)
    value = re.sub(r"<[^>]+>", "", value)
    value = re.sub(r"\[sound:[^\]]*\]", "", value)
    value = re.sub(r"\n{3,}", "\n\n", html.unescape(value)).strip()
    return _protect_braces(value) if protect else value


def _protect_braces(text: str) -> str:
    """A {name} outside code reads as a forgotten param to lint: show it as code instead."""
    from quizcards.core.params import outside_code

    plain = outside_code(text)
    spans = [m.span() for m in re.finditer(r"\{[A-Za-z_]\w*\}", plain)]
    for start, end in reversed(spans):
        text = text[:start] + "`" + text[start:end] + "`" + text[end:]
    return text


def read_apkg(path: Path) -> list[Note]:
    """The notes with two or more fields (front = first field, back = second), and Cloze
    notes (their Text and Back Extra fields)."""
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
                rows = conn.execute("SELECT id, mid, flds, tags FROM notes ORDER BY id"
                                    ).fetchall()
                models = _note_types(conn)
                conn.close()
            except sqlite3.DatabaseError as exc:
                raise ImportFailed(f"{path}: {name} is not a readable collection ({exc})") from None
    notes = []
    for note_id, mid, flds, tags in rows:
        fields = flds.split("\x1f")
        kind, field_names = models.get(str(mid), (0, []))
        if kind == ANKI_CLOZE:
            named = dict(zip(field_names, fields, strict=False))
            text = named.get("Text", fields[0])
            extra = named.get("Back Extra", fields[1] if len(fields) > 1 else "")
            card = cloze_note(text, extra)
            if card is not None:
                front = card.get("text") or card.get("code") or ""
                notes.append(Note(front, "", tuple(tags.split()), f"{path}: note {note_id}",
                                  card))
            continue
        if len(fields) < 2:
            continue
        front, back = _html_to_text(fields[0]), _html_to_text(fields[1])
        if front and back:
            notes.append(Note(front, back, tuple(tags.split()), f"{path}: note {note_id}"))
    if not notes:
        raise ImportFailed(f"{path}: no notes with a front and a back")
    return notes


def _note_types(conn: sqlite3.Connection) -> dict[str, tuple[int, list[str]]]:
    """Note type id -> (its type: 0 standard, 1 cloze; its field names), from `col`."""
    try:
        row = conn.execute("SELECT models FROM col").fetchone()
        models = json.loads(row[0]) if row and row[0] else {}
    except (sqlite3.DatabaseError, ValueError):
        return {}
    if not isinstance(models, dict):
        return {}
    out = {}
    for mid, model in models.items():
        if isinstance(model, dict):
            names = [f.get("name", "") for f in model.get("flds", []) if isinstance(f, dict)]
            out[str(mid)] = (int(model.get("type", 0) or 0), names)
    return out


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
        card: dict[str, object]
        if note.cloze is not None:
            order = ("prompt", "text", "code", "tests", "explain", "source")
            card = {"id": card_id, "kind": "cloze",
                    **{k: note.cloze[k] for k in order if k in note.cloze}}
            card.setdefault("source", source)
        else:
            card = {"id": card_id, "kind": "recall", "prompt": note.front,
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

"""YAML -> Deck models, with a `file:line:col: deck/card: message` for every problem.

Positions come from the YAML nodes (PyYAML's compose step), never from guessing. A deck whose
header is broken is skipped; a broken card is reported and left out while the rest of its deck
still loads, so one typo never hides a whole deck (and no history is touched either way).
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from quizcards.core import cloze
from quizcards.core.kinds import CARD_KINDS, OPTION_LETTERS
from quizcards.core.models import (
    KIND_MODELS,
    CardBase,
    ChoiceCard,
    ClozeCard,
    CodeCard,
    Deck,
    DeckHeader,
)
from quizcards.core.params import outside_code, placeholders
from quizcards.core.versions import KNOWN_PACKAGES, spec_error

if TYPE_CHECKING:
    import yaml

    from quizcards.decks.cache import DeckCache

_INT = re.compile(r"""^(?:[-+]?0b[0-1_]{1,400}|[-+]?0[0-7_]{1,140}|[-+]?(?:0|[1-9][0-9_]{0,99})
                   |[-+]?0x[0-9a-fA-F_]{1,100})$""", re.X)
_FLOAT = re.compile(r"""^(?:[-+]?(?:[0-9][0-9_]{0,99})\.[0-9_]{0,100}(?:[eE][-+][0-9]{1,4})?
                     |\.[0-9][0-9_]{0,100}(?:[eE][-+][0-9]{1,4})?|[-+]?\.(?:inf|Inf|INF)
                     |\.(?:nan|NaN|NAN))$""", re.X)


@functools.cache
def _loader_class() -> type:
    """YAML without 1.1's base-60 numbers (1:59:59 is text here: reading a long one as a number
    takes quadratic time) and with numbers of at most about 100 digits (longer is text).
    Built on first parse: a start whose decks all come from the cache never imports PyYAML."""
    import yaml

    # the C parser is ~10x faster and keeps the same marks
    base: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    resolvers = {
        first: [(tag, _INT if tag.endswith(":int") else _FLOAT if tag.endswith(":float") else rx)
                for tag, rx in entries]
        for first, entries in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return type("_Loader", (base,), {"yaml_implicit_resolvers": resolvers})


Path_ = tuple[str | int, ...]
MAX_DECK_BYTES = 5 << 20  # a deck file larger than this is refused before it is parsed
MAX_ALIASES = 100  # YAML alias references in one file
MAX_EXTRA_NODES = 50_000  # nodes that aliases may add once expanded (a "billion laughs" bomb)
_ANCHOR = re.compile(r"&[^\s,\[\]{}]")  # what any anchor starts with (and more)
MAX_DEPTH = 200  # nesting of YAML collections (the C composer recurses: deeper crashes it)
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_YAML_BOOL_WORDS = ("yes", "no", "on", "off", "y", "n")


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in a deck file, positioned at 1-based line and column."""

    file: str
    line: int
    col: int
    deck: str
    card: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.deck}/{self.card}" if self.card else self.deck
        return f"{self.file}:{self.line}:{self.col}: {where}: {self.message}"

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "col": self.col,
            "deck": self.deck,
            "card": self.card,
            "message": self.message,
        }


@dataclass
class LoadedDeck:
    """A deck that loaded (perhaps with some cards left out), and where it came from."""

    deck: Deck
    path: Path
    sha256: str  # of exactly the bytes that were parsed: trust pins this
    card_lines: dict[str, int] = field(default_factory=dict)
    field_positions: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    id_position: tuple[int, int] = (1, 1)  # where the deck's `id:` value stands
    real: Path | None = None  # the real path the bytes were read from: what trust asks about

    def card(self, card_id: str) -> CardBase | None:
        """A card by id; a cloze card's items by their own ids (`<id>::c1`), never the cloze
        card itself (it is not answered as a whole)."""
        found = next((c for c in self.deck.cards if c.id == card_id), None)
        if isinstance(found, ClozeCard):
            return None
        if found is None and (parts := cloze.split_item_id(card_id)) is not None:
            note = next((c for c in self.deck.cards if c.id == parts[0]), None)
            if isinstance(note, ClozeCard):
                return next((i for i in note.items() if i.number == parts[1]), None)
        return found

    @property
    def shipped(self) -> bool:
        """One of the decks that come with quizcards (they run wherever quizcards runs)."""
        from quizcards import paths

        return self.path.resolve().is_relative_to(paths.shipped_decks_dir().resolve())

    def problem(self, card_id: str, fieldname: str, message: str) -> Problem:
        """A problem positioned at one field of one card (for lint's execution step); an
        item of a cloze card is placed at its card."""
        parts = cloze.split_item_id(card_id) if card_id not in self.card_lines else None
        if parts is not None and parts[0] in self.card_lines:
            card_id = parts[0]
        line, col = self.field_positions.get(
            (card_id, fieldname),
            self.field_positions.get((card_id, ""), (self.card_lines.get(card_id, 1), 1)))
        return Problem(display_path(self.path), line, col, self.deck.id, card_id, message)


@dataclass
class LoadResult:
    decks: list[LoadedDeck] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def deck(self, deck_id: str) -> LoadedDeck | None:
        return next((d for d in self.decks if d.deck.id == deck_id), None)


class _Positions:
    """Maps a data path to its YAML value node and key node."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.values: dict[Path_, yaml.Node] = {}
        self.keys: dict[Path_, yaml.Node] = {}

    def at(self, path: Path_, key: bool = False) -> tuple[int, int]:
        """Line and column of the node at path, falling back to the nearest parent."""
        table = self.keys if key else self.values
        while path:
            node = table.get(path) or self.values.get(path)
            if node is not None:
                return node.start_mark.line + 1, node.start_mark.column + 1
            path = path[:-1]
        node = self.values.get(())
        if node is not None:
            return node.start_mark.line + 1, node.start_mark.column + 1
        return 1, 1

    def offset_in(self, path: Path_, value: str, offset: int) -> tuple[int, int]:
        """Position of value[offset] in the file, where value is the scalar at path: the same
        text found in the scalar's source (a block scalar's lines stand as written), else
        the scalar's start."""
        node = self.values.get(path)
        if node is None:
            return self.at(path)
        end = value.find("\n", offset)
        needle = value[offset:end if end >= 0 else len(value)][:60]
        if not needle:
            return self.at(path)
        nth = 0
        at = value.find(needle)
        while 0 <= at < offset:
            nth += 1
            at = value.find(needle, at + 1)
        start, stop = node.start_mark.index, node.end_mark.index
        found = self.text.find(needle, start, stop)
        for _ in range(nth):
            if found < 0:
                break
            found = self.text.find(needle, found + 1, stop)
        if found < 0:
            return self.at(path)
        line = self.text.count("\n", 0, found) + 1
        col = found - (self.text.rfind("\n", 0, found) + 1) + 1
        return line, col

    def find_in(self, path: Path_, needle: str) -> tuple[int, int]:
        """Position of `needle` inside the scalar at path (its raw source text)."""
        node = self.values.get(path)
        if node is None:
            return self.at(path)
        start, end = node.start_mark.index, node.end_mark.index
        offset = self.text.find(needle, start, end)
        if offset < 0:
            return self.at(path)
        line = self.text.count("\n", 0, offset) + 1
        col = offset - (self.text.rfind("\n", 0, offset) + 1) + 1
        return line, col


class _FileLoader:
    def __init__(self, path: Path, display: str) -> None:
        self.path = path
        self.display = display
        self.problems: list[Problem] = []
        self.deck_name = path.stem
        self.pos = _Positions("")
        self.raw = b""  # the bytes parsed (hashed for trust)
        self.real: Path | None = None  # where they were read from (links followed)

    # -- reporting -------------------------------------------------------------------------
    def report(self, where: tuple[int, int], message: str, card: str | None = None) -> None:
        line, col = where
        self.problems.append(Problem(self.display, line, col, self.deck_name, card, message))

    # -- reading ---------------------------------------------------------------------------
    def read_text(self) -> str | None:
        # the file's real path is found first and that path is opened, refusing a link in
        # its last part: what is read is what stands at `self.real`, so a link swapped after
        # the read cannot make trust (which asks where the deck really is) look elsewhere
        self.real = Path(os.path.realpath(self.path))
        try:  # O_NONBLOCK: a FIFO (or a device) must be refused, not waited on
            fd = os.open(self.real, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC
                         | getattr(os, "O_NOFOLLOW", 0))
        except OSError as exc:
            self.report((1, 1), f"cannot read file: {exc.strerror or exc}")
            return None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                self.report((1, 1), "not a regular file (a deck is a plain YAML file)")
                return None
            with os.fdopen(fd, "rb", closefd=False) as f:
                raw = f.read(MAX_DECK_BYTES + 1)
        except OSError as exc:
            self.report((1, 1), f"cannot read file: {exc.strerror or exc}")
            return None
        finally:
            os.close(fd)
        if len(raw) > MAX_DECK_BYTES:
            self.report((1, 1), f"file is larger than {MAX_DECK_BYTES >> 20} MiB: refused "
                        "(split it into several decks)")
            return None
        self.raw = raw
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
            self.report(
                (line, col),
                f"file is not UTF-8: byte 0x{raw[exc.start]:02x} cannot be decoded "
                "(save the file as UTF-8)",
            )
            return None
        return text.removeprefix("\ufeff")

    def compose(self, text: str) -> tuple[yaml.Node | None, Any]:
        import yaml

        deep = _too_deep(text)
        if deep is not None:
            self.report(*deep)
            return None, None
        loader = _loader_class()(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None, None
            # an alias needs an anchor (`&name`): without one no node can be reached twice,
            # and the walk (a sixth of a large deck's parse) has nothing to find
            anchors = _ANCHOR.search(text) is not None
            bomb = _alias_problem(node) if anchors else None
            if bomb is not None:
                self.report(*bomb)
                return None, None
            data = _plain_data(node, loader) if not anchors else _NOT_PLAIN
            if data is _NOT_PLAIN:
                data = loader.construct_document(node)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            where = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            problem = exc.problem or "invalid YAML"
            context = f" ({exc.context}"
            cmark = exc.context_mark
            if cmark is not None and mark is not None and cmark.index != mark.index:
                context += f" at {cmark.line + 1}:{cmark.column + 1}"
            context = context + ")" if exc.context else ""
            hint = ""
            if mark is not None and mark.index < len(text) and text[mark.index] == "\t":
                hint = "; YAML cannot indent with tabs, use spaces"
            self.report(where, f"YAML syntax error: {problem}{context}{hint}")
            return None, None
        except yaml.YAMLError as exc:  # e.g. a reader error on control characters
            mark = getattr(exc, "problem_mark", None)
            where = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            self.report(where, f"YAML error: {exc}")
            return None, None
        except (ValueError, OverflowError) as exc:  # e.g. `!!int` with 5,000 digits
            self.report((1, 1), f"YAML error: a value cannot be built ({str(exc)[:120]})")
            return None, None
        finally:
            loader.dispose()
        return node, data

    def index(self, node: yaml.Node, path: Path_) -> None:
        import yaml

        """Record positions of every node; report duplicate and non-string keys."""
        self.pos.values[path] = node
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, yaml.Node] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != (
                    "tag:yaml.org,2002:str"
                ):
                    where = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                    self.report(where, f"keys must be text, got {key_node.value!r}")
                    continue
                key: str = key_node.value
                if key in seen:
                    first = seen[key].start_mark.line + 1
                    where = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                    self.report(where, f"duplicate key '{key}' (first at line {first})",
                                self._card_at(path))
                    continue
                seen[key] = key_node
                self.pos.keys[(*path, key)] = key_node
                self.index(value_node, (*path, key))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self.index(item, (*path, i))

    def _card_at(self, path: Path_) -> str | None:
        if len(path) >= 2 and path[0] == "cards" and isinstance(path[1], int):
            return self._card_names.get(path[1], f"#{path[1] + 1}")
        return None

    # -- validating ------------------------------------------------------------------------
    def load(self) -> Deck | None:
        self._card_names: dict[int, str] = {}
        text = self.read_text()
        if text is None:
            return None
        self.pos = _Positions(text)
        node, data = self.compose(text)
        if self.problems:
            return None
        if node is None:
            self.report((1, 1), "file is empty: a deck needs id, title and cards")
            return None
        if isinstance(data, dict) and isinstance(data.get("id"), str) and _SLUG.match(data["id"]):
            self.deck_name = data["id"]
        if isinstance(data, dict) and isinstance(data.get("cards"), list):
            for i, card in enumerate(data["cards"]):
                if isinstance(card, dict) and isinstance(card.get("id"), str) and _SLUG.match(
                    card["id"]
                ):
                    self._card_names[i] = card["id"]
        self.index(node, ())
        if not isinstance(data, dict):
            self.report(self.pos.at(()), "a deck is a mapping with id, title and cards; "
                        f"got {_describe(data)}")
            return None
        header_ok = self.check_header(data)
        cards = self.check_cards(data.get("cards"))
        if not header_ok or not cards:
            return None
        header = DeckHeader.model_validate({k: v for k, v in data.items() if k != "cards"})
        return Deck.model_construct(**dict(header), cards=cards)

    def check_header(self, data: dict[str, Any]) -> bool:
        before = len(self.problems)
        allowed = list(Deck.model_fields)
        for key in data:
            if isinstance(key, str) and key not in allowed:
                self.report(self.pos.at((key,), key=True),
                            f"unknown field '{key}'{_did_you_mean(key, allowed)}")
        header = {k: v for k, v in data.items() if k in allowed and k != "cards"}
        try:
            DeckHeader.model_validate(header)
        except ValidationError as exc:
            self.report_validation(exc, data, ())
        if "cards" not in data:
            self.report(self.pos.at(()), "missing field 'cards'")
        elif not isinstance(data["cards"], list):
            self.report(self.pos.at(("cards",)),
                        f"cards: expected a list of cards, got {_describe(data['cards'])}")
        elif not data["cards"]:
            self.report(self.pos.at(("cards",)), "cards: the deck has no cards")
        self.check_requires(data.get("requires"), ("requires",), None)
        return len(self.problems) == before

    def check_requires(self, requires: Any, path: Path_, card: str | None) -> None:
        if not isinstance(requires, dict):
            return
        for package, spec in requires.items():
            if package not in KNOWN_PACKAGES:
                self.report(self.pos.at((*path, package), key=True),
                            f"requires: unknown package '{package}' "
                            f"(known: {', '.join(KNOWN_PACKAGES)})", card)
            elif isinstance(spec, str) and (err := spec_error(spec)):
                self.report(self.pos.at((*path, package)), f"requires: {err}", card)

    def check_cards(self, cards: Any) -> list[Any]:
        if not isinstance(cards, list):
            return []
        good: list[Any] = []
        seen: dict[str, int] = {}
        for i, raw in enumerate(cards):
            path: Path_ = ("cards", i)
            name = self._card_names.get(i, f"#{i + 1}")
            card = self.check_card(raw, path, name)
            if card is None:
                continue
            if card.id in seen:
                self.report(self.pos.at((*path, "id")),
                            f"duplicate card id '{card.id}' (first at line {seen[card.id]})",
                            name)
                continue
            seen[card.id] = self.pos.at(path)[0]
            good.append(card)
        return good

    def check_card(self, raw: Any, path: Path_, name: str) -> CardBase | None:
        before = len(self.problems)
        if not isinstance(raw, dict):
            self.report(self.pos.at(path), f"a card is a mapping; got {_describe(raw)}", name)
            return None
        kind = raw.get("kind")
        if kind is None:
            self.report(self.pos.at(path),
                        f"missing field 'kind' (one of: {', '.join(CARD_KINDS)})", name)
            return None
        if not isinstance(kind, str) or kind not in KIND_MODELS:
            self.report(self.pos.at((*path, "kind")),
                        f"unknown kind {kind!r}{_did_you_mean(str(kind), list(CARD_KINDS))} "
                        f"(one of: {', '.join(CARD_KINDS)})", name)
            return None
        model = KIND_MODELS[kind]
        allowed = list(model.model_fields)
        for key in raw:
            if not isinstance(key, str) or key in allowed:
                continue
            owners = [k for k, m in KIND_MODELS.items() if key in m.model_fields]
            if owners:
                msg = (f"field '{key}' does not belong to a {kind} card "
                       f"(it is for {', '.join(owners)} cards)")
            else:
                msg = f"unknown field '{key}'{_did_you_mean(key, allowed)}"
                if msg.endswith(f"'{key}'"):  # no close match here: maybe another kind's field
                    everywhere = sorted({f for m in KIND_MODELS.values() for f in m.model_fields})
                    hint = _did_you_mean(key, everywhere)
                    if hint:
                        other = hint.split("'")[1]
                        kinds = [k for k, m in KIND_MODELS.items() if other in m.model_fields]
                        msg += f"{hint[:-1]} a field of {', '.join(kinds)} cards)"
            self.report(self.pos.at((*path, key), key=True), msg, name)
        try:
            card = model.model_validate({k: v for k, v in raw.items() if k in allowed})
        except ValidationError as exc:
            self.report_validation(exc, raw, path, name)
            return None
        self.check_semantics(card, path, name)
        return card if len(self.problems) == before else None

    def check_semantics(self, card: CardBase, path: Path_, name: str) -> None:
        params = card.params
        for pname, values in params.items():
            if not values:
                self.report(self.pos.at((*path, "params", pname)),
                            f"param '{pname}' has no values", name)
        used: set[str] = set()
        for fname in ("prompt", "code", "answer"):
            text = getattr(card, fname, None)
            if not isinstance(text, str) or (fname != "prompt" and not params):
                continue
            if not params:  # literal text: only a {name} outside code looks like a slip
                text = outside_code(text)
            for ph, _ in placeholders(text):
                used.add(ph)
                if ph not in params:
                    known = (f" (params: {', '.join(params)})" if params
                             else " (the card has no params)")
                    self.report(self.pos.find_in((*path, fname), "{" + ph + "}"),
                                f"placeholder {{{ph}}} has no matching param{known}; "
                                "write {{ and }} for literal braces", name)
        for pname in params:
            if pname not in used:
                self.report(self.pos.at((*path, "params", pname), key=True),
                            f"param '{pname}' is never used as {{{pname}}} in prompt or code",
                            name)
        self.check_requires(card.requires, (*path, "requires"), name)
        if isinstance(card, ChoiceCard):
            letters = OPTION_LETTERS[: len(card.options)]
            for i, letter in enumerate(card.correct):
                if letter.lower() not in letters or len(letter) != 1:
                    self.report(self.pos.at((*path, "correct", i)),
                                f"correct: {letter!r} is not an option letter "
                                f"(a-{letters[-1]})", name)
        if isinstance(card, ClozeCard):
            self.check_cloze(card, path, name)
        if isinstance(card, CodeCard):
            if not card.tests and not (card.entry and card.inputs):
                self.report(self.pos.at(path), "a code card needs checks: `tests` (asserts) or "
                            "`entry` with `inputs`", name)
            if not card.reference and not card.answer:
                self.report(self.pos.at(path), "a code card needs a `reference` solution (the "
                            "learner's code must give what it gives under the checks)", name)
            if card.inputs and not card.entry:
                self.report(self.pos.at((*path, "inputs")),
                            "`inputs` needs `entry` (the function to call)", name)

    def check_cloze(self, card: ClozeCard, path: Path_, name: str) -> None:
        """Deletion markup in text and code, positioned; the code, answers in place, parses."""
        import ast

        if card.params:
            self.report(self.pos.at((*path, "params"), key=True), "a cloze card cannot have "
                        "params: its {{...}} are deletions", name)
        if cloze.has_markup(card.prompt):
            self.report(self.pos.find_in((*path, "prompt"), "{{"), "deletions go in `text` or "
                        "`code`, not in the prompt", name)
        if not card.text and not card.code:
            self.report(self.pos.at(path), "a cloze card needs `text` or `code` with "
                        "deletions such as {{c1::answer}}", name)
            return
        total = 0
        for fname in ("text", "code"):
            value = getattr(card, fname)
            if not value:
                continue
            found, problems = cloze.parse(value)
            total += len(found)
            for problem in problems:
                self.report(self.pos.offset_in((*path, fname), value, problem.offset),
                            f"{fname}: {problem.message}", name)
            if problems or not found or fname != "code":
                continue
            try:
                ast.parse(cloze.render(value, found, None))
            except SyntaxError as exc:
                line = (exc.lineno or 1) - 1
                lines = value.split("\n")
                offset = sum(len(x) + 1 for x in lines[:line]) + len(lines[line]) - len(
                    lines[line].lstrip()) if line < len(lines) else 0
                self.report(self.pos.offset_in((*path, fname), value, offset),
                            f"code: with the deletions' answers in place, the code does not "
                            f"parse: line {exc.lineno}: {exc.msg}", name)
        if total == 0 and not any(p.card == name and "deletion" in p.message
                                  for p in self.problems):
            fname = "text" if card.text else "code"
            self.report(self.pos.at((*path, fname)), f"no deletion in {fname}: mark what to "
                        "hide as {{c1::answer}} (or {{c1::answer::hint}})", name)
        if card.tests and not card.code:
            self.report(self.pos.at((*path, "tests"), key=True), "`tests` need `code`: they "
                        "check the code with the learner's fill", name)

    def report_validation(
        self, exc: ValidationError, data: Any, base: Path_, card: str | None = None
    ) -> None:
        grouped: dict[Path_, list[Any]] = {}
        for err in exc.errors():
            if err["type"] == "extra_forbidden":
                continue  # reported with a did-you-mean by the caller
            grouped.setdefault(_data_path(data, err["loc"]), []).append(err)
        # a union reports each member; the error deepest into the data is the useful one
        deeper = {p[:i] for p in grouped for i in range(len(p))}
        unknown = [k for k in data if isinstance(k, str)] if isinstance(data, dict) else []
        for rel, errs in grouped.items():
            if rel in deeper:
                continue
            if errs[0]["type"] == "missing" and len(rel) == 1 and any(
                _close(k, [str(rel[0])], n=1, cutoff=0.6) for k in unknown
            ):
                continue  # `titel:` was already reported as "did you mean 'title'?"
            dotted = ".".join(str(p) for p in rel) or "card"
            first = errs[0]
            if first["type"] == "missing":
                self.report(self.pos.at((*base, *rel[:-1])),
                            f"missing field '{rel[-1]}'", card)
                continue
            value = _get(data, rel)
            msgs = "; or ".join(dict.fromkeys(_friendly(e) for e in errs))
            message = f"{dotted}: {msgs} (got {_describe(value)})"
            if isinstance(value, bool) and any(e["type"] == "string_type" for e in errs):
                message += "; YAML reads yes/no/on/off as true/false: put it in quotes"
            self.report(self.pos.at((*base, *rel)), message, card)


_NOT_PLAIN = object()
_STR, _MAP, _SEQ = (f"tag:yaml.org,2002:{t}" for t in ("str", "map", "seq"))


def _plain_data(node: yaml.Node, loader: Any) -> Any:
    """The document's data as PyYAML's constructor would build it, for the usual deck: plain
    mappings with text keys, sequences, and scalars. Text is taken straight from the node;
    any other scalar (int, float, bool, null, a date) goes to the constructor. Anything else
    (a merge key `<<`, a key that is not text, a tag such as !!set) returns _NOT_PLAIN and
    the constructor builds the whole document. Called only when the file has no anchor, so
    no node is reached twice. Building text ourselves halves the constructor's share of a
    large deck's parse."""
    import yaml

    scalar, mapping, sequence = yaml.ScalarNode, yaml.MappingNode, yaml.SequenceNode
    construct = loader.construct_object

    def build(node: yaml.Node) -> Any:
        if type(node) is scalar:
            return node.value if node.tag == _STR else construct(node, deep=True)
        if type(node) is mapping and node.tag == _MAP:
            out = {}
            for key, value in node.value:
                if type(key) is not scalar or key.tag != _STR:
                    raise _Unusual
                out[key.value] = build(value)
            return out
        if type(node) is sequence and node.tag == _SEQ:
            return [build(item) for item in node.value]
        raise _Unusual

    try:
        return build(node)
    except _Unusual:
        return _NOT_PLAIN


class _Unusual(Exception):
    """A node _plain_data leaves to PyYAML's constructor."""


def _children(node: yaml.Node) -> list[yaml.Node]:
    import yaml

    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _too_deep(text: str) -> tuple[tuple[int, int], str] | None:
    """Refuse nesting past MAX_DEPTH before composing (the C composer recurses and would
    crash). A cheap bound first (brackets plus indentation and `- ` chains); only a file that
    could be too deep pays for an exact walk of the parser's events."""
    import yaml

    brackets = depth = 0
    for match in re.finditer(r"[\[\]{}]", text):
        depth += 1 if match.group() in "[{" else -1
        brackets = max(brackets, depth)
    block = max((len(line) - len(line.lstrip(" -?:")) for line in text.splitlines()),
                default=0)
    if brackets + block <= MAX_DEPTH:
        return None
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_loader_class()):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    return ((mark.line + 1, mark.column + 1),
                            f"YAML nested more than {MAX_DEPTH} levels deep: refused")
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return None  # composing reports the syntax error with its position
    return None


def _alias_problem(root: yaml.Node) -> tuple[tuple[int, int], str] | None:
    """A positioned refusal when aliases would blow the document up (or loop), or nesting is
    too deep; checked on the composed graph (a depth-first walk that visits each node once),
    before anything is built from it. Each alias counts the size of what it expands."""
    def at(node: yaml.Node) -> tuple[int, int]:
        return node.start_mark.line + 1, node.start_mark.column + 1

    on_path: set[int] = set()
    size: dict[int, int] = {}  # expanded size of each finished node (capped)
    cap = 4 * MAX_EXTRA_NODES
    aliases = extra = 0
    stack: list[tuple[yaml.Node, Iterator[yaml.Node]]] = [(root, iter(_children(root)))]
    on_path.add(id(root))
    while stack:
        node, children = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            on_path.discard(id(node))
            size[id(node)] = min(cap, 1 + sum(size[id(c)] for c in _children(node)))
            continue
        if id(child) in on_path:
            return at(child), "a YAML alias refers to its own anchor (a recursive document)"
        if id(child) in size:  # reached a second time: an alias
            aliases += 1
            extra += size[id(child)]
            if aliases > MAX_ALIASES:
                return at(child), (f"more than {MAX_ALIASES} YAML aliases: refused before "
                                   "anything else (a YAML bomb?)")
            if extra > MAX_EXTRA_NODES:
                return at(child), (f"YAML aliases expand this file by more than "
                                   f"{MAX_EXTRA_NODES:,} values: refused before anything else "
                                   "(a YAML bomb?)")
            continue
        if len(stack) > MAX_DEPTH:
            return at(child), f"YAML nested more than {MAX_DEPTH} levels deep: refused"
        on_path.add(id(child))
        stack.append((child, iter(_children(child))))
    return None


def _data_path(data: Any, loc: Iterable[Any]) -> Path_:
    """Keep the parts of a pydantic loc that walk the data (drops union member names)."""
    path: list[str | int] = []
    current = data
    for part in loc:
        walks_dict = isinstance(current, dict) and part in current
        walks_list = isinstance(current, list) and isinstance(part, int)
        if walks_dict or (walks_list and 0 <= part < len(current)):
            current = current[part]
            path.append(part)
        elif isinstance(current, dict) and isinstance(part, str) and part.isidentifier():
            # a missing field: keep it so the message can name it
            if part in ("str", "int", "float", "bool", "list", "dict", "none"):
                continue
            path.append(part)
            break
    return tuple(path)


def _get(data: Any, path: Path_) -> Any:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _friendly(err: Any) -> str:
    if err["type"] == "string_pattern_mismatch":
        return "must be a lower-case slug (letters, digits, '-' and '_')"
    msg = str(err["msg"])
    return msg[:1].lower() + msg[1:]


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"a bool ({value})"
    if isinstance(value, str):
        short = value if len(value) <= 30 else value[:27] + "..."
        return f"text {short!r}"
    if isinstance(value, int) and abs(value) >= 10**100:
        return f"a number of {len(str(abs(value)))} digits"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _close(word: str, choices: list[str], n: int, cutoff: float) -> list[str]:
    import difflib  # only a deck with a misspelt name pays for it

    return difflib.get_close_matches(word, choices, n=n, cutoff=cutoff)


def _did_you_mean(word: str, choices: list[str]) -> str:
    match = _close(word, choices, n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


def load_file(path: Path, display: str | None = None) -> tuple[LoadedDeck | None, list[Problem]]:
    """Load one deck file; returns the deck (None when skipped) and its problems."""
    loader = _FileLoader(path, display or str(path))
    deck = loader.load()
    loaded = None
    if deck is not None:
        names = loader._card_names
        lines = {name: loader.pos.at(("cards", i))[0] for i, name in names.items()}
        # the card's own position (key "") and its fields that are there: a field the card
        # lacks would only repeat the card's position (a cached deck keeps this table)
        fields = {
            (name, f): loader.pos.at(("cards", i, f))
            for i, name in names.items()
            for f in ("", "code", "answer", "tests", "reference", "inputs", "params", "text")
            if not f or ("cards", i, f) in loader.pos.values
        }
        loaded = LoadedDeck(deck, path, hashlib.sha256(loader.raw).hexdigest(), lines, fields,
                            loader.pos.at(("id",)), loader.real)
    return loaded, sorted(loader.problems)


def read_deck_bytes(path: Path) -> tuple[bytes | None, list[Problem]]:
    """The bytes of a deck that loads (read once, size and alias limits applied), or None
    with the problems: what `quizcards trust` pins."""
    loader = _FileLoader(path, display_path(path))
    deck = loader.load()
    return (loader.raw if deck is not None else None), sorted(loader.problems)


def deck_files(paths: Iterable[Path]) -> Iterator[Path]:
    """YAML files named directly or found (recursively, sorted) under folders; under a
    folder, hidden files and folders are left out (a deck repository's `.github/*.yml`)."""
    for path in paths:
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*") if p.suffix in (".yaml", ".yml")
                and not any(part.startswith(".") for part in p.relative_to(path).parts))
        else:
            yield path


def load_paths(paths: Iterable[Path], cache: DeckCache | None = None) -> LoadResult:
    """Load every deck under paths; duplicate deck ids across files are reported and skipped.
    With a cache, an unchanged file that loaded cleanly before is not parsed again."""
    result = LoadResult()
    owners: dict[str, Path] = {}
    for path in deck_files(paths):
        loaded = cache.get(path) if cache is not None else None
        if loaded is None:
            loaded, problems = load_file(path, display_path(path))
            result.problems.extend(problems)
            if loaded is None:
                continue
            if cache is not None and not problems:
                cache.put(path, loaded)
        deck_id = loaded.deck.id
        if deck_id in owners:  # positioned from the first load: no second parse
            line, col = loaded.id_position
            result.problems.append(Problem(
                display_path(path), line, col, deck_id, None,
                f"duplicate deck id '{deck_id}' (also in {display_path(owners[deck_id])})"))
            continue
        owners[deck_id] = path
        result.decks.append(loaded)
    if cache is not None:
        cache.save()
    return result


def display_path(path: Path) -> str:
    """A path as the user would type it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)

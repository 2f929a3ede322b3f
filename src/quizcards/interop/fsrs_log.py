"""Reading a review log in the FSRS optimizer's CSV schema (what `export --log` writes):

    card_id,review_time,review_rating,review_state,review_duration

Columns are found by name, in any order. `card_id` is an integer (quizcards writes a stable
number per card, see `export.card_number`) or `deck_id/card_id`; `review_time` is Unix
milliseconds or an ISO 8601 time with a UTC offset; `review_rating` is 1-4 (Again, Hard,
Good, Easy); `review_duration` (ms) and `review_state` are optional (the state is not needed:
it follows from the history). Every problem is reported with its line number, and a file with
any problem is not imported at all.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from quizcards.errors import UsageError
from quizcards.interop.export import card_number
from quizcards.scheduling.history import Review, from_rating, in_time_order

REQUIRED = ("card_id", "review_time", "review_rating")


@dataclass(frozen=True, slots=True)
class LogRow:
    line: int
    card_id: str
    time_ms: int
    rating: int
    duration_ms: int | None


@dataclass
class LogFile:
    rows: list[LogRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # "FILE:LINE: message"


MAX_DURATION_MS = 86_400_000  # a day: longer is not the time one answer took
FUTURE_SLACK_MS = 86_400_000  # clocks and time zones differ; a later answer is a typo


def _time_ms(text: str, latest_ms: int) -> int:
    """Unix ms of a review time (ms or ISO 8601 with an offset), between 1970 and now (plus
    a day): a far-future answer would hide its card and overflow the schedulers' dates."""
    text = text.strip()
    if text.isascii() and text.lstrip("-").isdigit():
        value = int(text) if len(text) < 20 else -1
    else:
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"review_time {text!r} is neither Unix milliseconds nor an ISO "
                             "8601 time") from None
        if moment.tzinfo is None:
            raise ValueError(f"review_time {text!r} has no UTC offset")
        try:
            value = int(moment.timestamp() * 1000)
        except (OverflowError, ValueError):
            value = -1
    if value < 0:
        raise ValueError(f"review_time {text} is before 1970 or not a time")
    if value > latest_ms:
        raise ValueError(f"review_time {text} is in the future")
    return value


def _duration_ms(text: str) -> int | None:
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"review_duration {text!r} is not a number of milliseconds") from None
    if not 0 <= value <= MAX_DURATION_MS:  # also NaN and inf
        raise ValueError(f"review_duration {text} is not between 0 and {MAX_DURATION_MS} ms "
                         "(a day)")
    return int(value)


def parse(text: str, name: str) -> LogFile:
    out = LogFile()
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        out.problems.append(f"{name}:1: empty file (the header is {','.join(REQUIRED)},...)")
        return out
    columns = {h.strip().lower(): i for i, h in enumerate(header)}
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        out.problems.append(f"{name}:1: no column {', '.join(missing)} (the FSRS optimizer's "
                            "schema: card_id,review_time,review_rating,review_state,"
                            "review_duration)")
        return out
    latest = int(time.time() * 1000) + FUTURE_SLACK_MS
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # a field over the csv module's limit, a stray NUL...
            out.problems.append(f"{name}:{reader.line_num}: unreadable CSV ({exc})")
            break
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            out.problems.append(f"{name}:{line}: {len(cells)} fields, the header has "
                                f"{len(header)}")
            continue
        try:
            card = cells[columns["card_id"]].strip()
            if not card:
                raise ValueError("empty card_id")
            rating_text = cells[columns["review_rating"]].strip()
            if rating_text not in ("1", "2", "3", "4"):
                raise ValueError(f"review_rating {rating_text!r} is not 1-4")
            duration = (_duration_ms(cells[columns["review_duration"]].strip())
                        if "review_duration" in columns else None)
            out.rows.append(LogRow(line, card, _time_ms(cells[columns["review_time"]], latest),
                                   int(rating_text), duration))
        except ValueError as exc:
            out.problems.append(f"{name}:{line}: {exc}")
    return out


def read(path: Path) -> LogFile:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return LogFile(problems=[f"{path}: not UTF-8 text"])
    return parse(text, str(path))


def as_history(rows: Iterable[LogRow]) -> list[Review]:
    """The rows as a history for fitting and evaluation (cards keyed by the file's ids)."""
    return in_time_order(
        from_rating(r.card_id, datetime.fromtimestamp(r.time_ms / 1000, UTC), r.rating,
                    r.duration_ms) for r in rows)


def card_index(keys: Iterable[tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """The ids a log may use for each known card: its number and `deck_id/card_id`."""
    index: dict[str, tuple[str, str]] = {}
    for deck_id, card_id in keys:
        index[str(card_number(deck_id, card_id))] = (deck_id, card_id)
        index[f"{deck_id}/{card_id}"] = (deck_id, card_id)
    return index

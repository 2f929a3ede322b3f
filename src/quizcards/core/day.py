"""Study days: the day rolls over at a set hour (default 4 am local), not at midnight, so a
late-night session still counts for the day it started in.

A session's study day is fixed when it starts: answers given after the rollover hour in a
running session still belong to the day it started in (the store logs that day with each
answer and replays with it). Intervals in days are study-day arithmetic in the user's time
zone (`days_after`), never 24-hour multiples added to an instant, so a daylight-saving change
neither makes a one-day interval due the same study day nor two study days later."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo


@dataclass(frozen=True)
class DayRule:
    rollover_hour: int = 4
    tz: tzinfo | None = None  # None: the machine's local time zone

    def day_of(self, moment: datetime) -> int:
        """The study-day ordinal of an aware datetime."""
        local = moment.astimezone(self.tz)
        return (local - timedelta(hours=self.rollover_hour)).date().toordinal()

    def days_after(self, moment: datetime, delta: timedelta) -> int:
        """How many study days after `moment`'s one a wall-clock time `delta` later falls:
        exactly `delta.days` for whole days, whatever daylight-saving change lies between;
        a part of a day counts when it crosses the rollover hour."""
        local = moment.astimezone(self.tz).replace(tzinfo=None)  # the wall clock
        shifted = local - timedelta(hours=self.rollover_hour)
        return ((shifted + delta).date() - shifted.date()).days


def day_to_iso(day: int) -> str:
    return date.fromordinal(day).isoformat()

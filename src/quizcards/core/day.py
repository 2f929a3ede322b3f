"""Study days: the day rolls over at a set hour (default 4 am local), not at midnight, so a
late-night session still counts for the day it started in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo


@dataclass(frozen=True)
class DayRule:
    rollover_hour: int = 4
    tz: tzinfo | None = None  # None: the machine's local time zone

    def day_of(self, moment: datetime) -> int:
        """The study-day ordinal of an aware datetime."""
        local = moment.astimezone(self.tz)
        return (local - timedelta(hours=self.rollover_hour)).date().toordinal()

    def start_of(self, day: int) -> datetime:
        """When study day `day` begins (aware)."""
        naive = datetime.combine(date.fromordinal(day), time(self.rollover_hour))
        return naive.astimezone(self.tz) if self.tz is None else naive.replace(tzinfo=self.tz)


def day_to_iso(day: int) -> str:
    return date.fromordinal(day).isoformat()

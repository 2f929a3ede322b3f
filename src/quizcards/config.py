"""The config file: `config.toml` in the config folder, validated with pydantic.

    scheduler = "sm2"          # or "fsrs"; switching replays the whole review log
    rollover_hour = 4          # the study day starts at 4 am local time
    new_per_day = 20
    reviews_per_day = 200
    [checker]
    timeout = 2.0              # seconds, default for cards that set none
    memory_mb = 1024
    allow_weak_sandbox = false # run your own decks where Landlock or seccomp is missing
    [decks.torch-dim]          # per-deck limits
    new_per_day = 5
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from quizcards import paths
from quizcards.core.day import DayRule
from quizcards.core.queue import DailyLimits
from quizcards.errors import ConfigError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CheckerConfig(_Strict):
    timeout: float = Field(default=2.0, gt=0, le=60, description="Default wall limit (s).")
    memory_mb: int = Field(default=1024, ge=64, le=65536, description="Default memory cap.")
    allow_weak_sandbox: bool = Field(
        default=False, description="Run code from decks outside the shipped folder even where "
        "the sandbox lacks Landlock or seccomp (an old kernel, macOS).")


class DeckLimits(_Strict):
    new_per_day: int | None = Field(default=None, ge=0, description="New cards a day.")
    reviews_per_day: int | None = Field(default=None, ge=0, description="Reviews a day.")


class Config(_Strict):
    scheduler: Literal["sm2", "fsrs"] = Field(default="sm2", description="Scheduler.")
    rollover_hour: int = Field(default=4, ge=0, le=23, description="Hour the day starts.")
    new_per_day: int = Field(default=20, ge=0, description="New cards a day, all decks.")
    reviews_per_day: int = Field(default=200, ge=0, description="Reviews a day, all decks.")
    checker: CheckerConfig = Field(default_factory=CheckerConfig)
    decks: dict[str, DeckLimits] = Field(default_factory=dict, description="Per-deck limits.")

    @property
    def day_rule(self) -> DayRule:
        return DayRule(self.rollover_hour)

    @property
    def limits(self) -> DailyLimits:
        return DailyLimits(
            self.new_per_day,
            self.reviews_per_day,
            {k: (v.new_per_day, v.reviews_per_day) for k, v in self.decks.items()},
        )


def config_path() -> Path:
    return paths.config_dir() / "config.toml"


def load_config(path: Path | None = None) -> Config:
    """The config, or the defaults when there is no file. Errors name the file and key."""
    path = path or config_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Config()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "(top level)"
            msg = "unknown setting" if err["type"] == "extra_forbidden" else err["msg"]
            lines.append(f"{path}: {where}: {msg}")
        raise ConfigError("\n".join(lines)) from None

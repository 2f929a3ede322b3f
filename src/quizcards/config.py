"""The config file: `config.toml` in the config folder, validated with pydantic.

    scheduler = "sm2"          # or "fsrs"; switching replays the whole review log
    desired_retention = 0.9    # FSRS: the chance of recall a review is scheduled at
    fsrs_parameters = [...]    # FSRS: your fitted parameters (`quizcards optimize` writes them)
    rollover_hour = 4          # the study day starts at 4 am local time
    new_per_day = 20
    reviews_per_day = 200
    deck_folders = ["~/notes/decks"]  # folders of your own decks: loaded and trusted as a whole
    sync_dir = "~/Sync/quizcards"  # a folder your sync tool keeps in step: synced at start, quit
    [checker]                  # limits for cards that set none (unset: core/limits.py)
    timeout = 5.0              # seconds of wall time
    memory_mb = 2048           # MiB
    allow_weak_sandbox = false # run your own decks where Landlock or seccomp is missing
    [decks.torch-dim]          # per-deck limits
    new_per_day = 5
"""

from __future__ import annotations

import json
import math
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from quizcards import paths
from quizcards.core.day import DayRule
from quizcards.core.fsrs_adapter import FSRSSettings
from quizcards.core.limits import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, MAX_TIMEOUT
from quizcards.core.queue import DailyLimits
from quizcards.errors import ConfigError
from quizcards.files import atomic_write


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CheckerConfig(_Strict):
    timeout: float = Field(default=DEFAULT_TIMEOUT, gt=0, le=MAX_TIMEOUT,
                           description="Wall limit (s) for cards that set none.")
    memory_mb: int = Field(default=DEFAULT_MEMORY_MB, ge=64, le=65536,
                           description="Memory cap (MiB) for cards that set none.")
    allow_weak_sandbox: bool = Field(
        default=False, description="Run code from decks outside the shipped folder even where "
        "the sandbox lacks Landlock or seccomp (an old kernel, macOS).")


class DeckLimits(_Strict):
    new_per_day: int | None = Field(default=None, ge=0, description="New cards a day.")
    reviews_per_day: int | None = Field(default=None, ge=0, description="Reviews a day.")


RETENTION_MIN, RETENTION_MAX = 0.7, 0.99


def check_fsrs_parameters(values: list[float]) -> list[float]:
    """The fitted parameters as the installed `fsrs` wants them: the right count, each
    finite and inside the package's bounds. Raises ValueError with a message for a person."""
    from fsrs.scheduler import LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS

    want = len(LOWER_BOUNDS_PARAMETERS)
    if len(values) != want:
        raise ValueError(f"needs {want} numbers (the installed fsrs's parameters), got "
                         f"{len(values)}; run `quizcards optimize` to fit them again")
    for i, (x, lo, hi) in enumerate(
            zip(values, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS, strict=True)):
        if not math.isfinite(x) or not lo <= x <= hi:
            raise ValueError(f"number {i + 1} is {x}, outside the range FSRS allows "
                             f"({lo} to {hi})")
    return [float(x) for x in values]


def check_deck_folders(value: Any) -> list[Path]:
    """`deck_folders` as written in config.toml: a list of absolute folder paths (`~` and
    `~user` expanded, `..` and trailing slashes normalised). Raises ValueError for a person."""
    if not isinstance(value, list):
        raise ValueError(f"must be a list of folder paths, e.g. [\"~/notes/decks\"], got "
                         f"{value!r}")
    folders = []
    for i, entry in enumerate(value, 1):
        if not isinstance(entry, str):
            raise ValueError(f"entry {i} is {entry!r}: each entry must be a folder path in "
                             "quotes")
        if not entry.strip():
            raise ValueError(f"entry {i} is empty: write a folder path")
        try:
            expanded = os.path.expanduser(entry)
        except (KeyError, RuntimeError):  # "~nobody/decks": no such user
            raise ValueError(f"entry {i}: {entry!r} names no user this machine knows") from None
        if not os.path.isabs(expanded):
            raise ValueError(f"entry {i}: {entry!r} is a relative path: write the whole path "
                             "(or start it with ~/), or use `quizcards folders add DIR`")
        folders.append(Path(os.path.normpath(expanded)))
    return folders


class Config(_Strict):
    scheduler: Literal["sm2", "fsrs"] = Field(default="sm2", description="Scheduler.")
    desired_retention: float = Field(
        default=0.9, description="FSRS: the chance of recall each review is scheduled at "
        f"({RETENTION_MIN} to {RETENTION_MAX}; higher means more reviews).")
    fsrs_parameters: list[float] | None = Field(
        default=None, description="FSRS: personal parameters fitted by `quizcards optimize` "
        "(none: the package's defaults).")
    rollover_hour: int = Field(default=4, ge=0, le=23, description="Hour the day starts.")
    new_per_day: int = Field(default=20, ge=0, description="New cards a day, all decks.")
    reviews_per_day: int = Field(default=200, ge=0, description="Reviews a day, all decks.")
    deck_folders: list[Path] = Field(
        default_factory=list, description="Folders of your own decks (searched recursively "
        "for *.yaml and *.yml): they load beside the shipped decks and your deck folder, and "
        "their code runs without `quizcards trust`. Absolute paths or ~/...; "
        "`quizcards folders add|remove|list` edits and checks them.")
    sync_dir: str | None = Field(
        default=None, description="A folder git, Syncthing, Dropbox or a network drive keeps "
        "in step: the app syncs through it at start and at quit (`quizcards sync`).")
    checker: CheckerConfig = Field(default_factory=CheckerConfig)
    decks: dict[str, DeckLimits] = Field(default_factory=dict, description="Per-deck limits.")

    @field_validator("desired_retention")
    @classmethod
    def _retention(cls, value: float) -> float:
        if not (math.isfinite(value) and RETENTION_MIN <= value <= RETENTION_MAX):
            raise ValueError(f"must be between {RETENTION_MIN} and {RETENTION_MAX} "
                             f"(the chance of recall at a review), got {value}")
        return value

    @field_validator("deck_folders", mode="before")
    @classmethod
    def _folders(cls, value: Any) -> list[Path]:
        return check_deck_folders(value)

    @field_validator("fsrs_parameters")
    @classmethod
    def _parameters(cls, value: list[float] | None) -> list[float] | None:
        return None if value is None else check_fsrs_parameters(value)

    @field_validator("sync_dir")
    @classmethod
    def _sync_dir(cls, value: str | None) -> str | None:
        if value is not None and (not value.strip() or "\0" in value):
            raise ValueError("must be the path of a folder")
        return value

    @property
    def sync_path(self) -> Path | None:
        """`sync_dir` with `~` expanded (None: not set)."""
        return None if self.sync_dir is None else Path(self.sync_dir).expanduser()

    @property
    def day_rule(self) -> DayRule:
        return DayRule(self.rollover_hour)

    @property
    def fsrs_settings(self) -> FSRSSettings:
        parameters = None if self.fsrs_parameters is None else tuple(self.fsrs_parameters)
        return FSRSSettings(self.desired_retention, parameters)

    @property
    def limits(self) -> DailyLimits:
        return DailyLimits(
            self.new_per_day,
            self.reviews_per_day,
            {k: (v.new_per_day, v.reviews_per_day) for k, v in self.decks.items()},
        )


def config_path() -> Path:
    return paths.config_dir() / "config.toml"


def trusted_deck_folders(config: Config) -> list[Path]:
    """Where decks load from and run code without `quizcards trust`, in load order: the
    shipped decks, the user's deck folder, then `deck_folders` (as configured: not resolved,
    perhaps missing)."""
    return [paths.shipped_decks_dir(), paths.user_decks_dir(), *config.deck_folders]


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


Setting = float | list[float] | list[str]


def _toml_scalar(value: float | str) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a TOML basic string
    return repr(float(value))


def _toml_value(value: Setting) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_toml_scalar(x) for x in value) + "]"
    return _toml_scalar(value)


_TABLE = re.compile(r"^\s*\[", re.MULTILINE)


def save_settings(values: Mapping[str, Setting], path: Path | None = None) -> Path:
    """Set top-level keys (`desired_retention`, `fsrs_parameters`, `deck_folders`) in
    config.toml, keeping everything else in the file (comments, tables) as it was. The new
    text is validated before it replaces the file, so a failure leaves the old file
    untouched."""
    path = path or config_path()

    def not_saved(why: str) -> ConfigError:
        return ConfigError(f"{path}: not saved ({why}); add these lines yourself: "
                           + "; ".join(f"{k} = {_toml_value(v)}" for k, v in values.items()))

    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        text = ""
    except (OSError, UnicodeDecodeError) as exc:  # not a file, not readable, not UTF-8
        raise not_saved(f"cannot read it: {getattr(exc, 'strerror', None) or exc}") from None
    for key, value in values.items():
        line = f"{key} = {_toml_value(value)}"
        # an existing top-level assignment, a one-line or a multi-line array
        table = _TABLE.search(text)
        top_end = table.start() if table else len(text)
        found = re.search(rf"^{re.escape(key)}\s*=\s*(\[[^\]]*\]|[^\n#]*)[^\n]*$",
                          text[:top_end], re.MULTILINE)
        if found:
            text = text[:found.start()] + line + text[found.end():]
        else:
            head = text[:top_end]
            if head and not head.endswith("\n"):
                head += "\n"
            text = head + line + "\n" + ("\n" if table else "") + text[top_end:]
    try:
        raw = tomllib.loads(text)
        Config.model_validate(raw)
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise not_saved(f"this file's layout defeats the rewrite: {exc}") from None
    if any(raw.get(key) != value for key, value in values.items()):
        raise not_saved("another assignment of the same key would win")
    try:
        atomic_write(path, text.encode("utf-8"), through_links=True)  # a dotfiles link stays one
    except OSError as exc:  # the config folder is a file, or read-only
        raise not_saved(exc.strerror or str(exc)) from None
    return path

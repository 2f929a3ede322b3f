"""The limits on running a card: one set of defaults (core/limits.py) read by the config, the
models' descriptions, the checker and the docs; and `[checker] timeout` / `memory_mb` in
config.toml take effect on every path that runs code (check, lint, the line review)."""

from __future__ import annotations

import io
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from quizcards import paths
from quizcards.checker.client import Checker
from quizcards.cli import main
from quizcards.config import CheckerConfig
from quizcards.core.limits import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT
from quizcards.core.models import CodeCard, ValueCard

from .conftest import REPO

SLEEPER = "import time\ntime.sleep(1.0)\nresult = 1"  # right under the default 2 s limit
HOG = "x = bytearray(300 << 20)\nresult = 1"  # 300 MiB: fits the default 1024 MiB cap
DECK = f"""id: limits
title: Limits
cards:
  - id: sleeper
    kind: value
    prompt: "What is `result`?"
    code: {json.dumps(SLEEPER)}
  - id: hog
    kind: value
    prompt: "What is `result`?"
    code: {json.dumps(HOG)}
"""


@pytest.fixture
def strict_home() -> Iterator[Path]:
    """A profile whose config.toml sets tight limits, with a deck in its own (trusted)
    deck folder that keeps within the defaults but not within these limits."""
    config = paths.config_dir() / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("[checker]\ntimeout = 0.5\nmemory_mb = 128\n")
    deck = paths.user_decks_dir() / "limits.yaml"
    deck.parent.mkdir(parents=True)
    deck.write_text(DECK)
    yield deck


def test_the_defaults_have_one_home() -> None:
    assert CheckerConfig().timeout == DEFAULT_TIMEOUT
    assert CheckerConfig().memory_mb == DEFAULT_MEMORY_MB
    checker = Checker()  # not started: no worker
    assert (checker.timeout, checker.memory_mb) == (DEFAULT_TIMEOUT, DEFAULT_MEMORY_MB)
    for model in (ValueCard, CodeCard):
        fields = model.model_fields
        assert f"(default {DEFAULT_TIMEOUT:g})" in (fields["timeout"].description or "")
        assert f"(default {DEFAULT_MEMORY_MB})" in (fields["memory_mb"].description or "")


def test_the_docs_state_the_defaults() -> None:
    """The docs cannot import the constants: this keeps what they say in step with them."""
    readme = (REPO / "README.md").read_text()
    block = readme.split("[checker]", 1)[1]
    assert float(re.search(r"^timeout = ([\d.]+)", block, re.M)[1]) == DEFAULT_TIMEOUT  # type: ignore[index]
    assert int(re.search(r"^memory_mb = (\d+)", block, re.M)[1]) == DEFAULT_MEMORY_MB  # type: ignore[index]
    assert f"wall time ({DEFAULT_TIMEOUT:g} s, per card `timeout`)" in readme
    assert f"memory ({DEFAULT_MEMORY_MB // 1024} GiB, per card `memory_mb`)" in readme
    authoring = (REPO / "docs" / "authoring.md").read_text()
    assert (f"`timeout` (seconds, default {DEFAULT_TIMEOUT:g}) and `memory_mb` (default "
            f"{DEFAULT_MEMORY_MB})") in authoring


def test_check_honours_the_config_limits(strict_home: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(strict_home), "sleeper", "--answer", "1", "--json"]) == 0
    verdict = json.loads(capsys.readouterr().out)
    assert verdict["status"] == "timeout" and "0.5 s" in verdict["diagnosis"], verdict


def test_lint_honours_the_config_limits(strict_home: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "--json", "--jobs", "1", str(strict_home)]) == 1
    problems = {p["card"]: p["message"] for p in json.loads(capsys.readouterr().out)["problems"]}
    assert "0.5 s" in problems["sleeper"], problems
    assert "memory" in problems["hog"].lower(), problems


def test_the_line_review_honours_the_config_limits(
        strict_home: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    # the sleeper's answer; then EOF ends the review at the grade (input() reads sys.stdin)
    monkeypatch.setattr(sys, "stdin", io.StringIO("1\n"))
    assert main(["review", "--plain", "--deck", "limits"]) == 0
    out = capsys.readouterr().out
    assert "[timeout]" in out and "0.5 s" in out, out


def test_the_leech_threshold_is_stated_once() -> None:
    """Texts about leeches format LEECH_LAPSES (core/schedule.py) instead of restating it."""
    src = REPO / "src" / "quizcards"
    stated = [f"{p.relative_to(src)}:{n}" for p in src.rglob("*.py")
              for n, line in enumerate(p.read_text().splitlines(), 1)
              if re.search(r"\b8 (lapses|times|failures)\b", line)]
    assert stated == []

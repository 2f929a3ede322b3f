from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import settings

# mutation testing (scripts/mutation) runs each mutant against the same examples, so a
# mutant's fate does not depend on the draw (and the run's figures can be reproduced)
settings.register_profile("mutation", derandomize=True, deadline=None, database=None)

if TYPE_CHECKING:
    from textual.pilot import Pilot

REPO = Path(__file__).resolve().parent.parent
DECKS = REPO / "decks"


def _shared() -> Path:
    """The workplace's shared folder (study notes, the real review log): beside the
    repository, or where QUIZCARDS_SHARED says (a clone elsewhere, as CI makes)."""
    candidates = [Path(os.environ["QUIZCARDS_SHARED"])] if "QUIZCARDS_SHARED" in os.environ \
        else []
    candidates += [REPO.parent / "shared", Path("/work/shared")]
    return next((c for c in candidates if c.is_dir()), candidates[0])


SHARED = _shared()  # read from there, never copied into the project
FROZEN = REPO / "tests" / "frozen_decks"  # see its README: decks that do not follow content
UI_DECKS = [FROZEN / f"{d}.yaml" for d in ("python-call", "torch-dim", "torch-graph",
                                             "torch-zero-grad")]


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every test gets its own QUIZCARDS_HOME: no test touches the real profile."""
    monkeypatch.setenv("QUIZCARDS_HOME", str(tmp_path_factory.mktemp("home")))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that use the shared `checker` start the sandboxed worker: marked `worker`, so a
    selection can leave them out (mutation testing does, see scripts/mutation)."""
    for item in items:
        if "checker" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.worker)


@pytest.fixture(scope="session")
def checker() -> Iterator[object]:
    """One warm worker shared by the checker tests (torch is imported once)."""
    from quizcards.checker.client import Checker

    with Checker() as c:
        yield c


async def settle(pilot: Pilot[Any], timeout: float = 120.0) -> None:
    """Wait until the app has nothing left to do: every running worker awaited (a check, a
    truth prefetch, the palette's search), then the messages it posted handled, until two
    idle pauses in a row start no new worker. Awaited, never polled: no sleep, no deadline
    loop; `timeout` only turns a hang into a failure."""

    async def until_idle() -> None:
        idle = 0
        while idle < 2:
            await pilot.pause()
            running = [w for w in pilot.app.workers if not w.is_finished]
            if running:
                idle = 0
                # a worker's own failure is the app's to show: the test asserts what it shows
                await asyncio.gather(*(w.wait() for w in running), return_exceptions=True)
            else:
                idle += 1

    try:
        await asyncio.wait_for(until_idle(), timeout)
    except TimeoutError:
        raise AssertionError(f"the app was still busy after {timeout} s: "
                             f"{list(pilot.app.workers)}") from None

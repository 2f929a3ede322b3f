"""The checker client used by the CLI and the UI. It never imports torch.

`WorkerClient` owns one warm worker process: starting it returns at once (torch loads in the
background), the first check waits for the warm-up, and a dead or stuck worker is replaced.
`Checker` turns (deck, card, answer) into a job, grades choice and recall cards itself, and
returns a `Verdict` with the suggested grade.
"""

from __future__ import annotations

import functools
import json
import os
import select
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from importlib import metadata
from typing import Any

from quizcards.checker.answers import MalformedAnswer, parse_letters
from quizcards.core.grading import GradeInput, suggest_grade
from quizcards.core.models import CardBase, ChoiceCard, CodeCard, Deck, RecallCard
from quizcards.core.params import draw, fill
from quizcards.core.verdict import Verdict
from quizcards.core.versions import unmet

WARMUP_TIMEOUT = 180.0  # seconds for the worker to import torch (a cold disk can be slow)
SLACK = 5.0  # seconds past a job's own limit before the worker counts as stuck
DEFAULT_TIMEOUT = 2.0
DEFAULT_MEMORY_MB = 1024


class WorkerClient:
    """One warm worker process; thread-safe (one job at a time)."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = None
        self._buf = b""
        self._eof = False
        self._lock = threading.Lock()
        self.info: dict[str, Any] = {}
        self.restarts = 0

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> None:
        """Spawn the worker if it is not running. Returns at once: torch loads over there."""
        if self._proc is not None and self._proc.poll() is None:
            return
        env = dict(os.environ)
        env["PYTHONHASHSEED"] = "0"  # set and dict orders print the same on every run
        env.setdefault("OMP_NUM_THREADS", "1")
        self._buf = b""
        self.info = {}
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "quizcards.checker.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # the terminal's Ctrl-C is not for the worker
            env=env,
        )

    @property
    def warm(self) -> bool:
        return bool(self.info.get("ready"))

    def wait_ready(self, timeout: float = WARMUP_TIMEOUT) -> dict[str, Any]:
        with self._lock:
            return self._ensure_ready(timeout)

    def _ensure_ready(self, timeout: float = WARMUP_TIMEOUT) -> dict[str, Any]:
        self.start()
        if not self.warm:
            line = self._readline(time.monotonic() + timeout)
            if line is None:
                self._stop()
                raise RuntimeError("the checker worker did not start (is torch installed?)")
            self.info = json.loads(line)
        return self.info

    def close(self) -> None:
        with self._lock:
            self._stop()

    def _stop(self) -> None:
        proc, self._proc = self._proc, None
        self.info = {}
        if proc is None:
            return
        try:
            if proc.stdin:
                proc.stdin.close()  # EOF: an idle worker reaps its children and exits
            proc.wait(timeout=0.5)
        except (OSError, subprocess.TimeoutExpired):
            # still warming up (or stuck): it holds no state worth waiting for; its spare
            # child sees EOF on its job pipe and exits by itself
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()

    # -- talking -------------------------------------------------------------------------
    def _readline(self, deadline: float) -> bytes | None:
        """One line from the worker; None on timeout or death (then `_eof` is set)."""
        assert self._proc is not None and self._proc.stdout is not None
        self._eof = False
        fd = self._proc.stdout.fileno()
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                self._eof = True  # the worker died
                return None
            self._buf += chunk
        line, _, self._buf = self._buf.partition(b"\n")
        return line

    def run(self, job: dict[str, Any]) -> dict[str, Any]:
        """Send one job; returns the worker's verdict dict. Restarts a dead worker once."""
        with self._lock:
            for attempt in range(2):
                self._ensure_ready()
                assert self._proc is not None and self._proc.stdin is not None
                try:
                    self._proc.stdin.write(json.dumps(job).encode() + b"\n")
                    self._proc.stdin.flush()
                except (BrokenPipeError, OSError):
                    self._restart()
                    continue
                limit = float(job.get("timeout") or DEFAULT_TIMEOUT)
                line = self._readline(time.monotonic() + limit + SLACK)
                if line is not None:
                    return json.loads(line)
                stuck = not self._eof
                self._restart()
                if stuck or attempt == 1:
                    return {"status": "crashed", "correct": False,
                            "diagnosis": "the checker stopped responding and was restarted"}
            return {"status": "crashed", "correct": False,
                    "diagnosis": "the checker could not be restarted"}

    def _restart(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
        self._proc = None
        self.restarts += 1
        self.start()


@functools.cache
def installed_versions() -> dict[str, str | None]:
    """Versions for `requires` gates, read from metadata: no torch import here."""
    found: dict[str, str | None] = {"python": ".".join(map(str, sys.version_info[:3]))}
    for package in ("torch", "numpy"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = None
    return found


def gate(deck: Deck, card: CardBase) -> str | None:
    """Why this card cannot run here (an unmet `requires`), or None."""
    versions = installed_versions()
    return unmet(deck.requires, versions) or unmet(card.requires, versions)


def build_job(
    deck: Deck,
    card: CardBase,
    answer: str | None,
    seed: int,
    values: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON job for the worker: params filled in, limits and grading options attached.

    The param combination is drawn by `seed` unless `values` names one (lint runs several).
    """
    if values is None:
        values = draw(card.params, seed) if card.params else {}
    code = getattr(card, "code", None)
    options: dict[str, Any] = {}
    for name in ("rtol", "atol", "check_dtype", "accept"):
        if hasattr(card, name):
            options[name] = getattr(card, name)
    if isinstance(card, CodeCard):
        options.update(tests=card.tests, reference=card.reference, entry=card.entry,
                       inputs=card.inputs)
    if values:
        code = fill(code, values) if code else code
        for name in ("tests", "reference"):
            if options.get(name):
                options[name] = fill(options[name], values)
    return {
        "op": "check",
        "kind": card.kind,  # type: ignore[attr-defined]
        "setup": deck.setup,
        "code": code,
        "answer": answer,
        "options": options,
        "seed": seed,
        "timeout": getattr(card, "timeout", None) or DEFAULT_TIMEOUT,
        "memory_mb": getattr(card, "memory_mb", None) or DEFAULT_MEMORY_MB,
        "params": values,
    }


def grade_choice(card: ChoiceCard, answer: str) -> Verdict:
    letters = "abcdefghijklmnopqrstuvwxyz"
    want = frozenset(c.lower() for c in card.correct)
    expected = ", ".join(sorted(want))
    try:
        got = parse_letters(answer, len(card.options))
    except MalformedAnswer as exc:
        return Verdict("choice", status="error", malformed=True, diagnosis=str(exc),
                       expected=expected)
    if got == want:
        return Verdict("choice", correct=True, expected=expected, got=", ".join(sorted(got)))
    missed, wrong = sorted(want - got), sorted(got - want)
    parts = []
    if missed:
        parts.append("missed " + ", ".join(f"{m}) {card.options[letters.index(m)]}"
                                           for m in missed))
    if wrong:
        parts.append("not " + ", ".join(f"{w}) {card.options[letters.index(w)]}"
                                        for w in wrong))
    near = len(want) > 1 and len(missed) + len(wrong) == 1
    return Verdict("choice", expected=expected, got=", ".join(sorted(got)),
                   diagnosis="; ".join(parts), near_miss=near)


def _words(text: str) -> list[str]:
    import re

    return re.findall(r"\w+", text.lower())


def grade_recall(card: RecallCard, answer: str) -> Verdict:
    """Self-graded. An exact (word-for-word) match counts as right; anything else is shown
    beside the model answer for the learner to judge."""
    typed = answer.strip()
    if not typed:
        return Verdict("recall", expected=card.answer, got="", diagnosis="revealed")
    same = _words(typed) == _words(card.answer)
    return Verdict("recall", correct=same, expected=card.answer, got=typed,
                   diagnosis="" if same else "self-graded: compare with the model answer")


class Checker:
    """Grades answers. Holds one warm worker (more for parallel lint)."""

    def __init__(self, workers: int = 1) -> None:
        self._clients = [WorkerClient() for _ in range(max(1, workers))]
        self._free: list[WorkerClient] = list(self._clients)
        self._cv = threading.Condition()

    def start(self) -> None:
        """Begin warming every worker in the background; returns at once."""
        for client in self._clients:
            client.start()

    @property
    def warm(self) -> bool:
        return all(c.warm for c in self._clients)

    def close(self) -> None:
        for client in self._clients:
            client.close()

    def __enter__(self) -> Checker:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def run_job(self, job: dict[str, Any]) -> dict[str, Any]:
        with self._cv:
            while not self._free:
                self._cv.wait()
            client = self._free.pop()
        try:
            return client.run(job)
        finally:
            with self._cv:
                self._free.append(client)
                self._cv.notify()

    def check(
        self,
        deck: Deck,
        card: CardBase,
        answer: str | None,
        *,
        seed: int = 0,
        seconds: float | None = None,
        revealed: bool = False,
    ) -> Verdict:
        """Grade `answer` (None: only compute the truth) and suggest a grade."""
        kind: str = card.kind  # type: ignore[attr-defined]
        if isinstance(card, ChoiceCard):
            verdict = grade_choice(card, answer or "") if answer is not None else Verdict(
                kind, expected=", ".join(sorted(c.lower() for c in card.correct)))
        elif isinstance(card, RecallCard):
            verdict = grade_recall(card, answer or "")
            revealed = revealed or not (answer or "").strip()
        else:
            reason = gate(deck, card)
            if reason is not None:
                return Verdict(kind, status="error", diagnosis=f"skipped: {reason}")
            job = build_job(deck, card, answer, seed)
            raw = self.run_job(job)
            verdict = _from_raw(kind, raw, job["params"])
        verdict.suggested_grade = suggest_grade(GradeInput(
            kind=kind, correct=verdict.correct, near_miss=verdict.near_miss, seconds=seconds,
            revealed=revealed))
        return verdict

    def map(self, jobs: Iterable[dict[str, Any]]) -> Iterator[tuple[int, dict[str, Any]]]:
        """Run many jobs over all workers; yields (job index, result) as they complete."""
        from concurrent.futures import ThreadPoolExecutor, as_completed

        with ThreadPoolExecutor(max_workers=len(self._clients)) as pool:
            futures = {pool.submit(self.run_job, job): i for i, job in enumerate(jobs)}
            for future in as_completed(futures):
                yield futures[future], future.result()


def _from_raw(kind: str, raw: dict[str, Any], params: dict[str, Any]) -> Verdict:
    known = {"status", "correct", "expected", "got", "diagnosis", "near_miss", "malformed",
             "elapsed_ms"}
    return Verdict(
        kind,
        status=raw.get("status", "error"),
        correct=bool(raw.get("correct")),
        expected=raw.get("expected"),
        got=raw.get("got"),
        diagnosis=raw.get("diagnosis") or "",
        near_miss=bool(raw.get("near_miss")),
        malformed=bool(raw.get("malformed")),
        params=params,
        elapsed_ms=raw.get("elapsed_ms"),
        extra={k: v for k, v in raw.items() if k not in known},
    )

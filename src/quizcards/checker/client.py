"""The checker client: the app's handle on the checker. It never imports torch.

`Checker.check(deck, card, answer)` gets the truth (the card's code run once in a sandboxed
child, then cached), reads a typed answer as data or runs a code answer in a child of its
own, and lets the judge decide, here, in a process that never runs card or learner code.
`prefetch` computes a card's truth in the background as soon as the card is shown, so
judging a typed answer then needs no fork at all.

`WorkerClient` owns one warm worker process: starting it returns at once (torch loads in the
background), the first check waits for the warm-up, and a dead or stuck worker is replaced.
The worker starts without the user's environment or working folder: an allow-listed
environment, a private folder as cwd, no current folder or user site on its path.
"""

from __future__ import annotations

import hashlib
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from quizcards import paths
from quizcards.checker.checks import ChecksError, Program, calls_program, observation_program
from quizcards.checker.checks import verification_program as _verification_program
from quizcards.checker.judge import (
    Run,
    cloze_truth,
    judge_choice,
    judge_cloze,
    judge_code,
    judge_recall,
    judge_typed,
    reference_problem,
    slice_problem,
    truth_only,
)
from quizcards.checker.policy import REQUIRED_FOR_UNTRUSTED
from quizcards.core.grading import GradeInput, reveals, suggest_grade
from quizcards.core.kinds import kind_of
from quizcards.core.limits import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT
from quizcards.core.models import (
    CardBase,
    ChoiceCard,
    ClozeCard,
    ClozeItem,
    CodeCard,
    Deck,
    RecallCard,
)
from quizcards.core.params import draw, fill
from quizcards.core.verdict import Verdict
from quizcards.errors import CheckerError
from quizcards.installed import gate, installed_versions

WARMUP_TIMEOUT = 180.0  # seconds for the worker to import torch (a cold disk can be slow)
SLACK = 5.0  # seconds past a job's own limit before the worker counts as stuck
TRUTH_CACHE_SIZE = 1024
_ENV_PASSED = ("LANG", "LC_ALL")
_BOOT = ("import sys, json; sys.path[:0] = json.loads(sys.argv[1]); "
         "from quizcards.checker.worker import main; main()")


@dataclass(frozen=True)
class WorkerOptions:
    """How workers are started."""

    launcher: tuple[str, ...] = ()  # a command the worker runs under (tests: another uid)
    disable: tuple[str, ...] = ()  # sandbox layers turned off (tests; reported as missing)


def _extra_paths() -> list[str]:
    """What the worker needs on its path beyond a plain `python -s -P`: the folder quizcards
    itself was imported from (a source checkout) and the user site when packages live there.
    Never the current folder."""
    here = str(Path(__file__).resolve().parents[2])
    extra = [here]
    import site

    user_site = site.getusersitepackages() if site.ENABLE_USER_SITE else None
    if user_site and user_site in sys.path and os.path.isdir(user_site):
        extra.append(user_site)
    cwd = os.path.realpath(os.getcwd())
    return [p for p in extra if os.path.realpath(p) != cwd]


def _private_folders() -> list[str]:
    """Folders a check must never read: the user's quizcards data and config."""
    return [str(paths.data_dir()), str(paths.config_dir())]


class WorkerClient:
    """One warm worker process; thread-safe (one job at a time)."""

    def __init__(self, options: WorkerOptions | None = None) -> None:
        self.options = options or WorkerOptions()
        self._proc: subprocess.Popen[bytes] | None = None
        self._buf = b""
        self._eof = False
        self._lock = threading.Lock()
        self._home: str | None = None
        self.info: dict[str, Any] = {}
        self.restarts = 0

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> None:
        """Spawn the worker if it is not running. Returns at once: torch loads over there."""
        if self._proc is not None and self._proc.poll() is None:
            return
        self._buf = b""
        self.info = {}
        if self._home is None or not os.path.isdir(self._home):
            where = os.environ.get("TMPDIR") or None
            try:
                self._home = tempfile.mkdtemp(prefix="quizcards-home-", dir=where)
                os.chmod(self._home, 0o755 if self.options.launcher else 0o700)
            except OSError as exc:  # e.g. TMPDIR names a missing or read-only folder
                raise CheckerError(f"the checker worker cannot start: no folder for it in "
                                   f"{where or tempfile.gettempdir()} ({exc.strerror or exc})"
                                   ) from None
        env = {k: os.environ[k] for k in _ENV_PASSED if k in os.environ}
        env.update({
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": self._home,
            "TMPDIR": self._home,  # torch's caches and the checks' scratch stay in here
            "PYTHONHASHSEED": "0",  # set and dict orders print the same on every run
            "PYTHONDONTWRITEBYTECODE": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "QUIZCARDS_WORKER": json.dumps({"private": _private_folders(),
                                            # its parent, unless a launcher stands between
                                            "parent": None if self.options.launcher
                                            else os.getpid(),
                                            "disable": list(self.options.disable)}),
        })
        # not -I: it would ignore PYTHONHASHSEED; the environment is allow-listed instead,
        # and -s -P keep the user site and the current folder off the path
        command = [sys.executable, "-s", "-P", "-c", _BOOT, json.dumps(_extra_paths())]
        try:
            self._proc = subprocess.Popen(
                [*self.options.launcher, *command],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # the terminal's Ctrl-C is not for the worker
                cwd=self._home,
                env=env,
            )
        except OSError as exc:  # no such launcher, no processes left, ...
            raise CheckerError(f"the checker worker cannot start: {exc.strerror or exc}"
                               f"{f' ({exc.filename})' if exc.filename else ''}") from None

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
                raise CheckerError("the checker worker did not start (is torch installed?)")
            try:
                self.info = json.loads(line)
            except ValueError:
                self._stop()
                raise CheckerError("the checker worker started badly") from None
        return self.info

    def close(self) -> None:
        if not self._lock.acquire(timeout=0.05):
            # A check or the warm-up holds the lock (torch can take seconds to load): end
            # the worker under it so that thread meets EOF at once; quitting never waits.
            proc = self._proc
            if proc is not None:
                try:
                    proc.kill()
                except OSError:
                    pass
            self._lock.acquire()
        try:
            self._stop()
            if self._home is not None:
                shutil.rmtree(self._home, ignore_errors=True)
                self._home = None
        finally:
            self._lock.release()

    def _stop(self) -> None:
        proc, self._proc = self._proc, None
        warm, self.info = bool(self.info.get("ready")), {}
        if proc is None:
            return
        try:
            if proc.stdin:
                proc.stdin.close()  # EOF: an idle worker reaps its children and exits
            # a worker still loading torch reads no stdin yet: hardly wait for it
            proc.wait(timeout=2.0 if warm else 0.3)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()  # still warming up, or stuck: its checks die with it (PDEATHSIG)
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

    def run(self, request: dict[str, Any]) -> dict[str, Any]:
        """Send one request; returns the worker's reply. Restarts a dead worker once."""
        with self._lock:
            for attempt in range(2):
                self._ensure_ready()
                assert self._proc is not None and self._proc.stdin is not None
                try:
                    self._proc.stdin.write(json.dumps(request).encode() + b"\n")
                    self._proc.stdin.flush()
                except (BrokenPipeError, OSError):
                    self._restart()
                    continue
                limit = float(request.get("timeout") or DEFAULT_TIMEOUT)
                line = self._readline(time.monotonic() + limit + SLACK)
                if line is not None:
                    try:
                        return json.loads(line)
                    except ValueError:
                        pass
                stuck = not self._eof
                self._restart()
                if stuck or attempt == 1:
                    return {"status": "crashed", "observation": None,
                            "diagnosis": "the checker stopped responding and was restarted"}
            return {"status": "crashed", "observation": None,
                    "diagnosis": "the checker could not be restarted"}

    def _restart(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
        self._proc = None
        self.restarts += 1
        self.start()


def make_checker(workers: int = 1, *, allow_weak: bool = False, config: Any = None,
                 options: WorkerOptions | None = None) -> Checker:
    """A Checker with the user's settings: `[checker]` limits and the weak-sandbox opt-in.
    QUIZCARDS_SANDBOX_DISABLE (comma-separated layers) turns layers off, for tests; a layer
    turned off counts as missing, so decks from outside the shipped folder then need the
    opt-in."""
    from quizcards.config import load_config

    config = config or load_config()
    if options is None:
        disabled = os.environ.get("QUIZCARDS_SANDBOX_DISABLE", "")
        options = WorkerOptions(disable=tuple(x for x in disabled.split(",") if x.strip()))
    return Checker(workers, timeout=config.checker.timeout, memory_mb=config.checker.memory_mb,
                   allow_weak=allow_weak or config.checker.allow_weak_sandbox, options=options)


class Checker:
    """Grades answers. Holds one warm worker (more for parallel lint) and the truth cache."""

    def __init__(self, workers: int = 1, *, timeout: float = DEFAULT_TIMEOUT,
                 memory_mb: int = DEFAULT_MEMORY_MB, allow_weak: bool = False,
                 options: WorkerOptions | None = None) -> None:
        self._clients = [WorkerClient(options) for _ in range(max(1, workers))]
        self._free: list[WorkerClient] = list(self._clients)
        self._cv = threading.Condition()
        self.timeout, self.memory_mb, self.allow_weak = timeout, memory_mb, allow_weak
        self._truths: OrderedDict[str, Run] = OrderedDict()
        self._inflight: dict[str, Future[Run]] = {}
        self._truth_lock = threading.Lock()
        self._background: ThreadPoolExecutor | None = None
        self._programs: dict[tuple[Any, ...], Program] = {}

    def start(self) -> None:
        """Begin warming every worker in the background; returns at once."""
        for client in self._clients:
            client.start()

    @property
    def warm(self) -> bool:
        return all(c.warm for c in self._clients)

    @property
    def isolation(self) -> dict[str, Any]:
        """What the sandbox holds on this machine (waits for the first worker)."""
        return dict(self._clients[0].wait_ready().get("isolation") or {})

    def close(self) -> None:
        if self._background is not None:
            self._background.shutdown(wait=False, cancel_futures=True)
            self._background = None
        for client in self._clients:
            client.close()

    def __enter__(self) -> Checker:
        try:
            self.start()
        except BaseException:
            self.close()  # `with` calls no __exit__ when __enter__ fails: remove what started
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- running ---------------------------------------------------------------------------
    def run_request(self, request: dict[str, Any]) -> dict[str, Any]:
        with self._cv:
            while not self._free:
                self._cv.wait()
            client = self._free.pop()
        try:
            return client.run(request)
        finally:
            with self._cv:
                self._free.append(client)
                self._cv.notify()

    def _request(self, card: CardBase, job: dict[str, Any], shipped: bool) -> dict[str, Any]:
        timeout = getattr(card, "timeout", None) or self.timeout
        memory_mb = getattr(card, "memory_mb", None) or self.memory_mb
        job = {**job, "timeout": timeout, "memory_mb": memory_mb}
        require = [] if shipped or self.allow_weak else list(REQUIRED_FOR_UNTRUSTED)
        return {"op": "run", "job": job, "timeout": timeout, "memory_mb": memory_mb,
                "require": require}

    def _run(self, request: dict[str, Any]) -> Run:
        return Run.from_reply(self.run_request(request))

    def _cached(self, request: dict[str, Any]) -> Run:
        """The truth for this request: computed once, shared by concurrent callers."""
        key = self._truth_key(request)
        with self._truth_lock:
            if key in self._truths:
                self._truths.move_to_end(key)
                return self._truths[key]
            future = self._inflight.get(key)
            owner = future is None
            if owner:
                future = self._inflight[key] = Future()
        assert future is not None
        if not owner:
            return future.result()
        try:
            run = self._run(request)
        except BaseException as exc:
            future.set_exception(exc)
            with self._truth_lock:
                self._inflight.pop(key, None)
            raise
        with self._truth_lock:
            if run.status == "ok":  # a crash or a restart is not the truth
                self._truths[key] = run
                while len(self._truths) > TRUTH_CACHE_SIZE:
                    self._truths.popitem(last=False)
            self._inflight.pop(key, None)
        future.set_result(run)
        return run

    @staticmethod
    def _truth_key(request: dict[str, Any]) -> str:
        return hashlib.sha256(json.dumps([request["job"], installed_versions()],
                                         sort_keys=True, default=repr).encode()).hexdigest()

    # -- jobs --------------------------------------------------------------------------------
    def program(self, card: CodeCard, values: dict[str, Any]) -> Program:
        """The card's checks as an observation program (ChecksError when they do not parse)."""
        key = (card.tests, card.entry, card.reference, card.answer,
               json.dumps([card.inputs, values], sort_keys=True, default=repr))
        program = self._programs.get(key)
        if program is None:
            if card.tests:
                program = observation_program(fill(card.tests, values),
                                              self.reference_of(card, values))
            else:
                program = calls_program(card.entry or "", list(card.inputs))
            self._programs[key] = program
        return program

    def cloze_program(self, card: ClozeCard) -> Program | None:
        """A cloze card's `tests` as an observation program (None: it has none); the
        original code is the solution they observe."""
        if not card.tests:
            return None
        key = ("cloze", card.tests, card.original_code)
        program = self._programs.get(key)
        if program is None:
            program = self._programs[key] = observation_program(card.tests, card.original_code)
        return program

    @staticmethod
    def reference_of(card: CodeCard, values: dict[str, Any]) -> str:
        source = card.reference or card.answer or ""
        return fill(source, values)

    def _truth_request(self, deck: Deck, card: CardBase, seed: int, values: dict[str, Any],
                       shipped: bool) -> dict[str, Any]:
        if isinstance(card, CodeCard):
            job = {"setup": deck.setup, "code": self.reference_of(card, values), "seed": seed,
                   **self.program(card, values).job_part()}
        elif isinstance(card, ClozeCard):  # the code with every answer in place
            program = self.cloze_program(card)
            job = {"setup": deck.setup, "code": card.original_code, "seed": seed,
                   **(program.job_part() if program is not None else
                      {"mode": "card", "want": list(kind_of(card).observe)})}
        else:
            code = getattr(card, "code", None)
            job = {"mode": "card", "setup": deck.setup, "seed": seed,
                   "code": fill(code, values) if code else code,
                   "want": list(kind_of(card).observe)}
        return self._request(card, job, shipped)

    def truth(self, deck: Deck, card: CardBase, *, seed: int = 0,
              values: dict[str, Any] | None = None, shipped: bool = True) -> Run:
        """What the card's code (or a code card's reference under its checks) gives."""
        values = self._values(card, seed, values)
        return self._cached(self._truth_request(deck, card, seed, values, shipped))

    def prefetch(self, deck: Deck, card: CardBase, *, seed: int = 0,
                 values: dict[str, Any] | None = None, shipped: bool = True) -> None:
        """Compute the truth in the background (returns at once; errors surface later)."""
        if not card.executable or gate(deck, card):
            return
        try:
            self._truth_request(deck, card, seed, self._values(card, seed, values), shipped)
        except ChecksError:
            return
        if self._background is None:
            self._background = ThreadPoolExecutor(1, thread_name_prefix="quizcards-truth")
        self._background.submit(self.truth, deck, card, seed=seed, values=values,
                                shipped=shipped)

    @staticmethod
    def _values(card: CardBase, seed: int, values: dict[str, Any] | None) -> dict[str, Any]:
        if values is not None:
            return values
        return draw(card.params, seed) if card.params else {}

    # -- judging -----------------------------------------------------------------------------
    def check(self, deck: Deck, card: CardBase, answer: str | None, *, seed: int = 0,
              values: dict[str, Any] | None = None, seconds: float | None = None,
              shipped: bool = True) -> Verdict:
        """Grade `answer` (None: only state the truth) and suggest a grade."""
        kind: str = card.kind  # type: ignore[attr-defined]
        values = self._values(card, seed, values)
        if isinstance(card, ChoiceCard):
            verdict = judge_choice(card, answer) if answer is not None else Verdict(
                kind, expected=", ".join(sorted(c.lower() for c in card.correct)))
        elif isinstance(card, RecallCard):
            verdict = judge_recall(card, answer or "")
        else:
            reason = gate(deck, card)
            if reason is not None:
                return Verdict(kind, status="error", diagnosis=f"skipped: {reason}")
            try:
                verdict = self._judge(deck, card, answer, seed, values, shipped)
            except ChecksError as exc:
                verdict = Verdict(kind, status="error", diagnosis=str(exc))
        verdict.params = values
        coverage = verdict.extra.get("coverage") if verdict.self_graded else None
        verdict.suggested_grade = suggest_grade(GradeInput(
            kind=kind, correct=verdict.correct, near_miss=verdict.near_miss, seconds=seconds,
            revealed=reveals(kind, answer), coverage=coverage))
        return verdict

    def check_or_explain(self, deck: Deck, card: CardBase, answer: str | None,
                         **options: Any) -> Verdict:
        """`check` for a UI thread: a checker that cannot work (its worker will not start,
        a restart failed) becomes an error verdict that says so, never an exception that
        ends the app or leaves an exam grading forever."""
        try:
            return self.check(deck, card, answer, **options)
        except CheckerError as exc:
            kind: str = card.kind  # type: ignore[attr-defined]
            return Verdict(kind, status="error",
                           diagnosis=f"the checker failed, so this was not judged: {exc}")

    def check_now(self, deck: Deck, card: CardBase, answer: str, *, seed: int = 0,
                  values: dict[str, Any] | None = None, seconds: float | None = None,
                  shipped: bool = True) -> Verdict | None:
        """The verdict when no code has to run for it: choice and recall cards, and typed
        answers whose truth is known already (prefetched while the card was read). None when
        it needs the worker. Judging a typed answer takes well under a millisecond, so the
        app does it on its own thread and skips two thread hops (~40 ms on a busy machine)."""
        if isinstance(card, CodeCard) or (isinstance(card, ClozeItem) and card.executable):
            return None  # the learner's code (or fill) runs in a child of its own
        if card.executable and gate(deck, card) is None:
            key = self._truth_key(self._truth_request(deck, card, seed,
                                                      self._values(card, seed, values), shipped))
            with self._truth_lock:
                if key not in self._truths:
                    return None
        return self.check_or_explain(deck, card, answer, seed=seed, values=values,
                                     seconds=seconds, shipped=shipped)

    def _judge(self, deck: Deck, card: CardBase, answer: str | None, seed: int,
               values: dict[str, Any], shipped: bool) -> Verdict:
        if isinstance(card, ClozeItem):
            return self._judge_cloze(deck, card, answer, seed, shipped)
        if isinstance(card, CodeCard):
            program = self.program(card, values)
            ref = self.truth(deck, card, seed=seed, values=values, shipped=shipped)
            if answer is None:
                problem = reference_problem(ref, program)
                return problem or Verdict("code", expected=card.answer or card.reference,
                                          extra={"isolation": ref.isolation})
            job = {"setup": deck.setup, "code": answer, "seed": seed, **program.job_part()}
            mine = self._run(self._request(card, job, shipped))
            return judge_code(card, program, ref, mine)
        if answer is None:
            return truth_only(card, self.truth(deck, card, seed=seed, values=values,
                                               shipped=shipped))
        return judge_typed(card, lambda: self.truth(deck, card, seed=seed, values=values,
                                                    shipped=shipped), answer)

    def _judge_cloze(self, deck: Deck, card: ClozeItem, answer: str | None, seed: int,
                     shipped: bool) -> Verdict:
        """Prose blanks are compared here; the code, with the learner's fills in its blanks,
        runs in a sandboxed child of its own (as a code card's answer does), under the seed
        of the truth it is compared with."""
        program = self.cloze_program(card) if card.executable else None

        def truth_of() -> Run:
            return self.truth(deck, card, seed=seed, values={}, shipped=shipped)

        def mine_of(code: str) -> Run:
            mode = (program.job_part() if program is not None else
                    {"mode": "card", "want": list(kind_of(card).observe)})
            job = {"setup": deck.setup, "code": code, "seed": seed, "learner": True, **mode}
            return self._run(self._request(card, job, shipped))

        if answer is None:
            return cloze_truth(card, truth_of, program)
        return judge_cloze(card, answer, truth_of, mine_of, program)

    def verify(self, deck: Deck, card: CodeCard, *, values: dict[str, Any] | None = None,
               shipped: bool = True) -> Verdict:
        """For lint: a code card's reference passes its own tests as written, and the sliced
        checks (what runs beside the learner's code) observe on it what the whole tests do."""
        values = self._values(card, 0, values)
        if not card.tests:
            return self.check(deck, card, None, values=values, shipped=shipped)
        reference = self.reference_of(card, values)
        program = _verification_program(fill(card.tests, values))
        job = {"setup": deck.setup, "code": reference, "seed": 0, **program.job_part()}
        run = self._run(self._request(card, job, shipped))
        problem = reference_problem(run, program)
        if problem is not None:
            return problem
        try:
            sliced = self.program(card, values)
        except ChecksError as exc:
            return Verdict("code", status="error", diagnosis=str(exc))
        runs = [self._run(self._request(card, {"setup": deck.setup, "code": reference,
                                               "seed": 0, **sliced.job_part(whole)}, shipped))
                for whole in (False, True)]
        return slice_problem(card, sliced, *runs) or Verdict("code")

    def map(self, tasks: Iterable[Callable[[], Any]]) -> Iterator[tuple[int, Any]]:
        """Run many checks over all workers; yields (task index, result) as they complete."""
        from concurrent.futures import as_completed

        with ThreadPoolExecutor(max_workers=len(self._clients)) as pool:
            futures = {pool.submit(task): i for i, task in enumerate(tasks)}
            for future in as_completed(futures):
                yield futures[future], future.result()

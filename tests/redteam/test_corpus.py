"""The red-team corpus, run as root and as an ordinary uid: each attack fails, and an honest
right and an honest wrong answer checked right after it are graded correctly.

"Failed" is measured from outside the sandbox: the secret appears nowhere in the verdict, the
files the identity owns are unchanged, no marker appeared on the host, no listener was
reached, the same worker still serves, no process of the check is left, and the verdict came
within its time limit.
"""

from __future__ import annotations

import json
import time

import pytest

from quizcards.checker.client import Checker

from .attacks import ATTACKS, F_REFERENCE, F_TESTS, F_WRONG, Attack, fill
from .conftest import Arena

SHAPE = {"id": "honest-shape", "kind": "shape", "prompt": "?",
         "code": "x = torch.randn(3, 6, 4)\nresult = x.max(dim=1).values"}
CODE = {"id": "f", "kind": "code", "prompt": "Write f", "tests": F_TESTS,
        "reference": F_REFERENCE}
TYPED_TARGETS = {
    "value": {"id": "v", "kind": "value", "prompt": "?",
              "code": "result = torch.tensor([1., 2.]).softmax(dim=0)"},
    "shape": {"id": "s", "kind": "shape", "prompt": "?", "code": "result = torch.ones(2)"},
    "raises": {"id": "r", "kind": "raises", "prompt": "?", "code": "[][1]"},
}


def _honest(arena: Arena, code_too: bool) -> None:
    deck = arena.deck(SHAPE, CODE)
    right = arena.checker.check(deck, deck.cards[0], "(3, 4)")
    wrong = arena.checker.check(deck, deck.cards[0], "(4, 3)")
    assert right.status == "ok" and right.correct, right
    assert wrong.status == "ok" and not wrong.correct and wrong.near_miss, wrong
    if code_too:
        right = arena.checker.check(deck, deck.cards[1], F_REFERENCE.replace("x * 7919",
                                                                             "7919 * x"))
        wrong = arena.checker.check(deck, deck.cards[1], F_WRONG)
        assert right.status == "ok" and right.correct, right
        assert wrong.status == "ok" and not wrong.correct, wrong


def _run(arena: Arena, attack: Attack) -> object:
    code = fill(attack.code, arena.fields)
    if attack.via == "typed":
        card = TYPED_TARGETS[attack.card_kind]
        deck = arena.deck(card)
        return arena.checker.check(deck, deck.cards[0], code)
    if attack.via == "answer":
        deck = arena.deck({**(attack.target or CODE), "timeout": attack.timeout})
        return arena.checker.check(deck, deck.cards[0], code)
    deck = arena.deck({"id": "hostile", "kind": "value", "prompt": "?", "code": code,
                       "timeout": attack.timeout})
    return arena.checker.check(deck, deck.cards[0], None)


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.name for a in ATTACKS])
def test_attack_fails(arena: Arena, attack: Attack) -> None:
    client = arena.checker._clients[0]
    worker, restarts = client.info["pid"], client.restarts
    arena.network_touched()  # drain what an earlier test may have left
    arena.take_snapshot()
    started, cpu = time.monotonic(), time.process_time()
    verdict = _run(arena, attack)
    took, judged = time.monotonic() - started, time.process_time() - cpu
    time.sleep(attack.settle)

    assert verdict.status in attack.statuses, (verdict.status, verdict.diagnosis)
    if attack.shows is not None:
        assert verdict.expected == attack.shows
    if attack.via in ("typed", "answer"):
        assert not verdict.correct, verdict
    # the judging (in this process) stays cheap whatever the answer holds; wall time only
    # has to show nothing hung (a loaded CI machine runs everything several times slower)
    assert judged <= attack.timeout + 1.5, judged
    assert took <= 5 * attack.timeout + 30, took
    shown = json.dumps(verdict.to_json(), default=repr)
    assert arena.secret not in shown, shown
    assert arena.changed_files() == []
    assert not arena.host_tmp_marker.exists() and not arena.shm_marker.exists()
    assert arena.network_touched() == []
    assert client.info["pid"] == worker and client.restarts == restarts
    assert arena.stray_processes() == []
    _honest(arena, code_too=attack.via == "answer")


def test_the_corpus_covers_every_route() -> None:
    routes = {a.route for a in ATTACKS}
    assert routes == {"forge", "read", "write", "network", "process", "resource", "namespace"}
    assert len(ATTACKS) >= 40


def test_every_layer_holds_for_this_identity(arena: Arena) -> None:
    isolation = arena.checker.isolation
    print(f"\n{arena.identity}: {isolation}")
    for layer in ("landlock", "seccomp", "no_caps", "rlimits"):
        assert isolation[layer], (layer, isolation)
    assert isolation["fresh_uid"] is (True if arena.identity == "root" else None)


def test_honest_answers_with_a_fresh_checker(arena: Arena) -> None:
    """A new checker for the identity grades right and wrong answers as before the corpus."""
    with Checker(options=arena.checker._clients[0].options) as checker:
        deck = arena.deck(SHAPE, CODE)
        assert checker.check(deck, deck.cards[0], "(3, 4)").correct
        assert not checker.check(deck, deck.cards[1], F_WRONG).correct

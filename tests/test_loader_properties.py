"""Property tests: whatever text or mapping a deck file holds, the loader never crashes; it
returns decks and clean, positioned problems."""

from __future__ import annotations

import re
import string
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizcards.decks.loader import load_paths

LINE = re.compile(r"^[^:]+:(\d+):(\d+): \S+: .+", re.DOTALL)

FIELDS = ["id", "title", "cards", "kind", "prompt", "code", "answer", "params", "options",
          "correct", "tags", "setup", "requires", "rtol", "tests", "reference", "inputs",
          "entry", "explain", "source", "accept", "check_dtype", "timeout"]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 10**6), st.floats(allow_nan=True),
    st.text(max_size=20), st.sampled_from(["shape", "value", "choice", "recall", "code", "a"]),
)
keys = st.one_of(st.sampled_from(FIELDS), st.text(string.ascii_letters + "_{}", max_size=8))
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(keys, inner, max_size=5)),
    max_leaves=25,
)
decks = st.fixed_dictionaries(
    {}, optional={"id": values, "title": values, "setup": values, "requires": values,
                  "cards": st.lists(st.dictionaries(keys, values, max_size=8), max_size=4)},
).flatmap(lambda d: st.dictionaries(keys, values, max_size=3).map(lambda extra: {**extra, **d}))


def _check(tmp: Path, raw: bytes) -> None:
    target = tmp / "deck.yaml"
    target.write_bytes(raw)
    result = load_paths([target])
    assert len(result.decks) + len(result.problems) >= 1
    for problem in result.problems:
        assert LINE.match(str(problem)), str(problem)
        assert problem.line >= 1 and problem.col >= 1
        assert "Traceback" not in problem.message


settings_ = settings(max_examples=150, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])


@settings_
@given(text=st.text(max_size=300))
def test_arbitrary_text_never_crashes(tmp_path: Path, text: str) -> None:
    _check(tmp_path, text.encode("utf-8", "surrogatepass"))


@settings_
@given(raw=st.binary(max_size=200))
def test_arbitrary_bytes_never_crash(tmp_path: Path, raw: bytes) -> None:
    _check(tmp_path, raw)


@settings_
@given(data=decks)
def test_arbitrary_mappings_never_crash(tmp_path: Path, data: dict) -> None:
    _check(tmp_path, yaml.safe_dump(data, allow_unicode=True).encode())


@settings_
@given(data=st.lists(st.sampled_from([
    "id: d\n", "title: T\n", "cards:\n", "  - id: c\n", "    kind: shape\n", "    prompt: p\n",
    "    code: result = 1\n", "    params: {n: [1]}\n", "  -\n", "    answer: [1, {n}]\n",
    "- x\n", "  x: [\n", "\t", ":", "&a b\n", "*a\n", "<<: *a\n", "!!python/object:os.system\n",
]), max_size=14))
def test_deck_like_fragments_never_crash(tmp_path: Path, data: list[str]) -> None:
    _check(tmp_path, "".join(data).encode())

"""A checker verdict: what the learner sees after answering, and what the log records."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Status = Literal["ok", "timeout", "memory", "crashed", "error"]


@dataclass
class Verdict:
    kind: str
    status: Status = "ok"
    correct: bool = False
    expected: str | None = None
    got: str | None = None
    diagnosis: str = ""
    near_miss: bool = False
    malformed: bool = False  # the answer could not be read: ask again, grade nothing
    self_graded: bool = False  # recall: the learner judges; the suggestion is only a hint
    suggested_grade: int = 0
    params: dict[str, Any] = field(default_factory=dict)
    elapsed_ms: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        extra = data.pop("extra")
        data.update({k: v for k, v in extra.items() if k not in data})
        return data

"""SM-2 as Wozniak published it (SuperMemo 2, 1987), as a pure function.

    EF' = EF + (0.1 - (5 - q) * (0.08 + (5 - q) * 0.02)),  EF >= 1.3, EF starts at 2.5
    I(1) = 1, I(2) = 6, I(n) = I(n-1) * EF
    q < 3: repetitions start again from I(1)
    items graded < 4 are repeated in the same session until they score >= 4

Choices where the text leaves room (each tested in tests/test_sm2.py):
1. EF on a failed item (q < 3): unchanged. Step 6 of the text says to restart "without
   changing the E-Factor"; lowering it as well would punish one failure twice and drives
   hard cards to the 1.3 floor ("ease hell").
2. Which EF multiplies I(n-1): the EF before this answer's update. The text computes the
   interval (step 4) before modifying the E-Factor (step 5).
3. Rounding: intervals are whole days, I(n) = round_half_up(I(n-1) * EF), where I(n-1) is
   the rounded interval the learner actually waited. Whole days match the daily queue.
   EF is kept exact, as a whole number of hundredths (every EF the formula can give is one:
   the steps are +0.10, 0.00, -0.14 and the floor is 1.30), so the product is computed in
   integers and a half day rounds up exactly (125 * 1.94 = 242.5 -> 243; with floats EF
   drifts to 1.9399999... and gives 242). The state stores `ef_hundredths`; a state stored
   with a float `ef` by an older version reads back rounded to the nearest hundredth.
4. Same-session repeats change nothing but the "repeat pending" flag: they are drills, not
   repetitions. A repeat graded >= 4 clears the flag. A pending repeat left undone when the
   day rolls over is dropped: the card is due again by its interval anyway.
5. The EF update uses q as graded for the scheduled review (q >= 3 only, see 1); grade 3
   passes (interval grows) but also asks for a same-session repeat.
6. A lapse is a failure (q < 3) of a card that had been reviewed before; LEECH_LAPSES of
   them (schedule.py) make a leech (flagged and suspended by the store).
7. The study day of an answer is the day its session started in (see day.py): a repeat
   answered after the rollover hour in the same session is still a same-session repeat.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from typing import Any

VERSION = 1  # recorded in the log as "sm2 1"; bump when a replay could give other states
EF_START = 250  # EF in hundredths: 2.50
EF_FLOOR = 130  # 1.30
PASS = 3  # q >= 3 keeps the repetition count going
REPEAT_BELOW = 4  # q < 4 brings the card back in the same session


@dataclass(frozen=True, slots=True)
class SM2State:
    """A card's SM-2 state. `due_day` and `last_day` are study-day ordinals (see day.py)."""

    repetitions: int = 0
    interval: int = 0
    ef_hundredths: int = EF_START  # EF * 100, exact
    due_day: int | None = None  # None: a new card
    last_day: int | None = None
    lapses: int = 0
    reviews: int = 0
    repeat_pending: bool = False

    @property
    def is_new(self) -> bool:
        return self.reviews == 0

    @property
    def ef(self) -> float:
        """The E-Factor as a number, for display (the state keeps it in hundredths)."""
        return self.ef_hundredths / 100

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> SM2State:
        data: dict[str, Any] = json.loads(text)
        if "ef" in data:  # stored by a version that kept EF as a float
            data["ef_hundredths"] = round(float(data.pop("ef")) * 100)
        return cls(**data)


def update_ef(ef_hundredths: int, q: int) -> int:
    """The E-Factor (in hundredths) after an answer of quality q (3..5), floored at 1.30:
    EF' = EF + (0.1 - (5-q) * (0.08 + (5-q) * 0.02)), times 100 in integers."""
    d = 5 - q
    return max(EF_FLOOR, ef_hundredths + 10 - d * (8 + d * 2))


def next_interval(repetitions: int, previous: int, ef_hundredths: int) -> int:
    """I(1) = 1, I(2) = 6, I(n) = round_half_up(I(n-1) * EF), exact; `repetitions` counts
    the new one."""
    if repetitions == 1:
        return 1
    if repetitions == 2:
        return 6
    return max(1, (previous * ef_hundredths + 50) // 100)


def review(state: SM2State, q: int, day: int) -> SM2State:
    """The state after answering with quality q (0..5) on study day `day`."""
    if not 0 <= q <= 5:
        raise ValueError(f"SM-2 grades are 0-5, got {q}")
    if state.repeat_pending and state.last_day == day:
        # a same-session repeat: a drill until the card scores >= 4 (choice 4)
        return replace(state, repeat_pending=q < REPEAT_BELOW, reviews=state.reviews + 1)
    lapses = state.lapses + (1 if q < PASS and not state.is_new else 0)
    if q < PASS:
        return replace(state, repetitions=0, interval=1, due_day=day + 1, last_day=day,
                       lapses=lapses, reviews=state.reviews + 1, repeat_pending=True)
    repetitions = state.repetitions + 1
    interval = next_interval(repetitions, state.interval, state.ef_hundredths)
    return SM2State(
        repetitions=repetitions,
        interval=interval,
        ef_hundredths=update_ef(state.ef_hundredths, q),
        due_day=day + interval,
        last_day=day,
        lapses=lapses,
        reviews=state.reviews + 1,
        repeat_pending=q < REPEAT_BELOW,
    )

"""A reference SM-2, written from P. A. Wozniak's published description of the algorithm
(SuperMemo 2, 1987; "Application of a computer to improve the results obtained in working
with the SuperMemo method"), with exact arithmetic (fractions.Fraction), for the differential
test in test_sm2.py. It shares no code with quizcards.core.sm2.

The published steps:

  2. With all items associate an E-Factor equal to 2.5.
  3. Repeat items using the following intervals:
       I(1) := 1
       I(2) := 6
       for n > 2: I(n) := I(n-1) * EF
     where I(n) is the inter-repetition interval after the n-th repetition (in days) and EF
     the E-Factor of the item. If the interval is a fraction, round it [...] to the nearest
     integer.
  4. After each repetition assess the quality of the response in the 0-5 grade scale.
  5. After each repetition modify the E-Factor of the recently repeated item:
       EF' := EF + (0.1 - (5 - q) * (0.08 + (5 - q) * 0.02))
     If EF is less than 1.3 then let EF be 1.3.
  6. If the quality response was lower than 3 then start repetitions for the item from the
     beginning without changing the E-Factor (i.e. use intervals I(1), I(2) etc. as if the
     item was memorized anew).
  7. After each repetition session of a given day repeat again all items that scored below
     four in the quality assessment. Continue the repetitions until all of these items score
     at least four.

Where the text leaves room, this follows the readings documented in quizcards/core/sm2.py:
the EF of step 3 is the one before step 5 modifies it; a half day rounds up (x.5 -> x+1) and
I(n-1) is the whole number of days actually waited; a failed item keeps its EF (step 6 over
step 5), is memorized anew that day and so comes back I(1) = 1 day later, and its next
successful repetition is repetition 1 again; the step-7 repeats of a day change nothing but
whether the item is asked again that day (they are drills, not repetitions), and an item
still below four when the day ends simply waits for its next repetition.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

EF_START = Fraction(5, 2)
EF_MIN = Fraction(13, 10)


def new_ef(ef: Fraction, q: int) -> Fraction:
    """Step 5, exactly."""
    ef = ef + (Fraction(1, 10) - (5 - q) * (Fraction(8, 100) + (5 - q) * Fraction(2, 100)))
    return max(ef, EF_MIN)


def whole_days(x: Fraction) -> int:
    """Step 3's rounding: to the nearest integer, a half rounded up."""
    return math.floor(x + Fraction(1, 2))


@dataclass
class Item:
    n: int = 0  # repetitions since the item was (last) memorized
    interval: int = 0  # days until the next repetition
    ef: Fraction = EF_START
    due: int | None = None
    last: int | None = None
    again_today: bool = False  # step 7: to be repeated in the session of day `last`

    def answer(self, q: int, day: int) -> None:
        if self.again_today and self.last == day:  # step 7: a repeat in the day's session
            self.again_today = q < 4
            return
        if q < 3:  # step 6: memorized anew today, EF unchanged
            self.n = 0
            self.interval = 1
        else:
            self.n += 1
            if self.n == 1:
                self.interval = 1
            elif self.n == 2:
                self.interval = 6
            else:
                self.interval = whole_days(self.interval * self.ef)
            self.ef = new_ef(self.ef, q)
        self.due = day + self.interval
        self.last = day
        self.again_today = q < 4

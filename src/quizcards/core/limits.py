"""Limits on running a card's code or a learner's: the defaults for cards that set none.

Read by the config (its `[checker]` defaults), the card models (their bounds and the
descriptions `quizcards schema` shows), the checker client and the worker.
"""

from __future__ import annotations

DEFAULT_TIMEOUT = 2.0  # seconds of wall time
DEFAULT_MEMORY_MB = 1024  # MiB the check may allocate beyond the warm worker's own
MAX_TIMEOUT = 60  # seconds: the most a card or the config may allow (an int: the schema says 60)
MAX_COMBOS = 8  # parameter combinations lint runs per parametrised card (a sample beyond)

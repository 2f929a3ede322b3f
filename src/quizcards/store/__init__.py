"""SQLite storage: the append-only review log, derived card state, migrations."""

from quizcards.store.db import Answer, Recorded, Store

__all__ = ["Answer", "Recorded", "Store"]

"""Measuring and fitting the schedulers on a review history: `quizcards evaluate` and
`quizcards optimize`. Reads history (from the store or an FSRS-schema CSV), never writes it."""

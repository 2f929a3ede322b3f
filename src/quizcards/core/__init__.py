"""Pure domain logic: models, scheduling, grading. No I/O, no torch, no Textual, no sqlite."""

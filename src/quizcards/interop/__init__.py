"""Import and export: Anki packages, CSV of cards, the review log for the FSRS optimizer."""

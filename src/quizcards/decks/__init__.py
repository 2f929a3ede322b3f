"""Deck files: YAML <-> models, with positions for every error."""

from quizcards.decks.loader import LoadedDeck, LoadResult, Problem, load_file, load_paths

__all__ = ["LoadResult", "LoadedDeck", "Problem", "load_file", "load_paths"]

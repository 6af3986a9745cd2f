"""Curating: the draft format, review decisions, and merging a draft into data/."""

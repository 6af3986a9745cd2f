"""Reasoning: the project's OWL 2 RL engine and the owlrl reference."""

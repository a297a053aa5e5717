"""Evaluation scripts; a package only so tests can import the scoring functions by name."""

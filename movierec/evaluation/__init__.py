"""Honest offline evaluation: pure metrics, the three seeded protocols and the metrics report."""

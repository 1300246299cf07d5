"""Stratify: cohort splits of per-patient outcomes (exclusive or not, always stated)."""

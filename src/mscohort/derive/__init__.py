"""Derive: clinical scores and per-assessment derived columns, as pure functions over columns."""

"""Analyse: descriptive and inferential results over a typed study."""

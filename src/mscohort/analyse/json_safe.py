"""JSON of results: infinite and undefined numbers written as strings (JSON has none)."""

from __future__ import annotations

import math


def json_safe(value: object) -> object:
    """Infinite and undefined numbers as the strings "inf", "-inf", "nan" (JSON has none)."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value

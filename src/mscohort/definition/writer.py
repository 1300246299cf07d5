"""A small TOML writer for study definitions: the parsed document back to TOML text that
:func:`tomllib.loads` reads to the same document (strings, booleans, integers, floats with
``inf``/``nan``, dates, arrays, tables and arrays of tables; TOML 1.0, https://toml.io)."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import TypeGuard

from mscohort.errors import bad_argument

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f",
            "\r": "\\r"}


def _string(text: str) -> str:
    out = []
    for c in text:
        if c in _ESCAPES:
            out.append(_ESCAPES[c])
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append(f"\\u{ord(c):04X}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def _key(name: object) -> str:
    name = str(name)
    return name if _BARE.match(name) else _string(name)


def _value(value: object) -> str:
    """One value, inline (tables inside values as inline tables)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }" \
            if value else "{}"
    raise bad_argument("value", "a TOML value (text, number, boolean, date, list or table)",
                       value)


def _is_table_array(value: object) -> TypeGuard[list[dict[str, object]]]:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def dumps(document: dict[str, object]) -> str:
    """TOML text of ``document``: top-level values first, then a ``[section]`` per table and
    a ``[[name]]`` block per item of an array of tables; deeper tables are inline."""
    if not isinstance(document, dict):
        raise bad_argument("document", "a dict", document)
    lines = [f"{_key(k)} = {_value(v)}" for k, v in document.items()
             if not isinstance(v, dict) and not _is_table_array(v)]
    for k, v in document.items():
        if isinstance(v, dict):
            lines += ["", f"[{_key(k)}]"]
            lines += [f"{_key(kk)} = {_value(vv)}" for kk, vv in v.items()]
    for k, v in document.items():
        if _is_table_array(v):
            for item in v:
                lines += ["", f"[[{_key(k)}]]"]
                lines += [f"{_key(kk)} = {_value(vv)}" for kk, vv in item.items()]
    return "\n".join(lines).lstrip("\n") + "\n"

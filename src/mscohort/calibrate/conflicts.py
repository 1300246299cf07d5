"""Proved conflicts among published numbers as data (``datasets/seed/conflicts.toml``).

A conflict is a set of published numbers that no cohort prints together, with the test that
proves it. The fit reads them to order its goals (:func:`target_weights`: every number
outside the conflicts first, the members after), and the residual table names, for each
missed number, the conflicts it is a member of (:func:`verdict`).

A number is named by its table, group, measure and statistic, as in ``published.toml``, with
the value as printed there, so a conflict that no longer reads the published numbers is
refused (:func:`load_conflicts`).

Notes
-----
Every cohort misses at least one member of each conflict; which member is the fit's
choice. A missed number outside every conflict is not proved unreachable.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mscohort.calibrate.published import PublishedCell
from mscohort.errors import UsageError, bad_usage, read_toml

#: what a conflict's proof may rest on: the seed's wording alone, or the design's groups
RESTS_ON = {"seed": "the seed's groups", "design": "the design's groups"}

#: a published number: (table, group, measure, stat)
Key = tuple[str, str, str, str]


@dataclass(frozen=True)
class Conflict:
    """A set of published numbers no cohort prints together, and its proof."""

    name: str
    what: str
    rests_on: str  #: a key of :data:`RESTS_ON`
    proof: str  #: the test that proves it ("path::test")
    numbers: tuple[Key, ...]


def load_conflicts(path: str | Path, cells: list[PublishedCell]) -> tuple[Conflict, ...]:
    """The conflicts of ``path``, each number checked against the published ``cells``.

    Raises
    ------
    UsageError
        When a conflict lacks a key, rests on something other than :data:`RESTS_ON`, or
        names a number that ``cells`` do not print (or print otherwise).
    """
    path = Path(path)
    raw = read_toml(path, "published conflicts")
    printed = {(c.table, c.group, c.measure, stat): n.text
               for c in cells for stat, n in c.stats.items()}
    out = []
    for k, c in enumerate(raw.get("conflict", []), 1):
        where = f"{path.name}, conflict {k}"
        for key in ("name", "what", "rests_on", "proof", "numbers"):
            if key not in c:
                raise UsageError(f"{where}: `{key}` is missing.")
        if c["rests_on"] not in RESTS_ON:
            raise bad_usage("rests_on", f"one of {', '.join(RESTS_ON)}", c["rests_on"],
                            where=where)
        numbers = []
        for j, n in enumerate(c["numbers"], 1):
            try:
                key4: Key = (n["table"], n["group"], n["measure"], n["stat"])
                text = n["published"]
            except (KeyError, TypeError):
                raise UsageError(f"{where}, number {j}: table, group, measure, stat and "
                                 f"published are needed; got {n!r}.") from None
            if printed.get(key4) != text:
                raise bad_usage(f"number {j}", "a published number as printed "
                                "(table / group / measure / stat and its text)",
                                f"{' / '.join(key4)} = {text}", where=where)
            numbers.append(key4)
        out.append(Conflict(c["name"], c["what"], c["rests_on"], c["proof"], tuple(numbers)))
    return tuple(out)


def member_numbers(conflicts: tuple[Conflict, ...]) -> set[Key]:
    """Every published number that is a member of at least one conflict."""
    return {k for c in conflicts for k in c.numbers}


def verdict(key: Key, conflicts: tuple[Conflict, ...]) -> str:
    """Why a missed number is missed: the conflicts it belongs to with their proofs, or
    "undecided" when it belongs to none."""
    found = [c for c in conflicts if key in c.numbers]
    if not found:
        return "undecided: a member of no proved conflict"
    return "; ".join(f"{c.name} ({len(c.numbers)} numbers, under {RESTS_ON[c.rests_on]}): "
                     f"{c.proof}" for c in found)

"""Parts of the study definition: the outcome columns, time points, subgroup conditions, and
the checks that collect every error of a definition file (:class:`Errors`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from mscohort.errors import UsageError, bad_argument
from mscohort.vocabulary import normalise_drug

T = TypeVar("T")

#: Columns of the per-patient outcomes table (``mscohort.derive.outcomes``).
OUTCOME_COLUMNS = (
    "patient_id", "sex", "phenotype", "cohort", "regular_corticosteroids", "index_date",
    "n_infusions", "n_courses", "age_at_index", "duration_at_index_years",
    "baseline_date", "baseline_edss", "baseline_msss", "followup_date", "followup_edss",
    "followup_msss", "edss_change", "msss_change", "change_category", "followup_days",
    "followup", "relapses_before", "arr_before", "relapses_during", "arr_during",
    "arr_change", "in_relapse_analysis", "relapse_followup_end", "years_before",
    "years_during", "relapses_after_end", "prior_drug", "prior_group", "prior_gap_days",
    "prior_window_drugs", "prior_window_groups", "sequence", "cdw_observed",
    "time_to_cdw_days", "excluded_reason",
)

@dataclass(frozen=True)
class TimePoint:
    """An outcome time point: the assessment closest to ``days`` after the index date within
    +/- ``window_days`` or, with ``after_days``, the last assessment more than that many days
    after it (the seed's "more than 12 months after the first cycle")."""

    name: str
    days: float | None = None
    window_days: float = 0
    after_days: float | None = None

    @property
    def slug(self) -> str:
        return "".join(c if c.isalnum() else "_" for c in self.name.lower()).strip("_")


class Errors:
    """Every error of a definition file, collected so that one run reports them all."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.messages: list[str] = []

    def bad(self, key: str, expected: str, got: object) -> None:
        self.messages.append(str(bad(self.where, key, expected, got)))

    def check(self, fn: Callable[..., T], *args: object, default: T) -> T:
        """``fn(*args)``, or ``default`` with its UsageError collected."""
        try:
            return fn(*args)
        except UsageError as exc:
            self.messages.extend(str(exc).splitlines())
            return default

    def raise_any(self) -> None:
        if len(self.messages) == 1:
            raise UsageError(self.messages[0])
        if self.messages:
            raise UsageError(f"{self.where}: {len(self.messages)} errors:\n" + "\n".join(
                "  " + m.removeprefix(f"{self.where}: ") for m in self.messages))


def bad(where: str, key: str, expected: str, got: object) -> UsageError:
    """The argument template for a key of the definition file ``where``."""
    return bad_argument(key, expected, got, where=where, error=UsageError)


def days(where: str, key: str, value: object) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or not value >= 0:
        raise bad(where, key, "a number of days >= 0", value)
    return value


def drug(where: str, key: str, name: object) -> str:
    canonical = normalise_drug(name) if isinstance(name, str) else None
    if canonical is None:
        raise bad(where, key, "a drug of the vocabulary (mscohort schema --drugs)", name)
    return canonical


def timepoints(where: str, raw: object) -> tuple[TimePoint, ...]:
    if not isinstance(raw, list):
        raise bad(where, "timepoints", "a list of [[timepoints]] tables", raw)
    out = []
    for i, tp in enumerate(raw):
        key = f"timepoints[{i}]"
        if not isinstance(tp, dict) or "name" not in tp:
            raise bad(where, key, "a table with a name", tp)
        unknown = set(tp) - {"name", "days", "window_days", "after_days"}
        if unknown:
            raise bad(where, key, "keys name, days, window_days, after_days",
                       sorted(unknown))
        if ("days" in tp) == ("after_days" in tp):
            raise bad(where, key, "given either days (with window_days) or after_days", tp)
        out.append(TimePoint(
            str(tp["name"]),
            days(where, f"{key}.days", tp["days"]) if "days" in tp else None,
            days(where, f"{key}.window_days", tp.get("window_days", 0)),
            days(where, f"{key}.after_days", tp["after_days"]) if "after_days" in tp
            else None))
    if len({t.slug for t in out}) != len(out):
        raise bad(where, "timepoints", "distinct names", [t.name for t in out])
    return tuple(out)


SUBGROUP_OPS = (">=", "<=", "!=", "==", ">", "<")


def parse_condition(text: str) -> tuple[str, str, float]:
    """``"arr_before > 2"`` -> ("arr_before", ">", 2.0); ValueError when malformed."""
    for op in SUBGROUP_OPS:
        column, found, value = text.partition(op)
        if found:
            return column.strip(), op, float(value)
    raise ValueError(text)


def subgroups(where: str, raw: dict[str, object]) -> dict[str, str]:
    out = {}
    for name, cond in raw.items():
        try:
            column, _, _ = parse_condition(str(cond))
        except ValueError:
            raise bad(where, f"subgroups.{name}", "'column op number', e.g. 'arr_before > 2'",
                       cond) from None
        if column not in OUTCOME_COLUMNS:
            raise bad(where, f"subgroups.{name}", "a condition on an outcome column", cond)
        out[str(name)] = str(cond)
    return out

"""Settings of disability-event detection: one frozen object, msprog's vocabulary, presets.

Every option has msprog's name in snake case (Montobbio et al. 2024); durations are in
days. :class:`EventSettings` validates itself with the project's argument template, and
:meth:`EventSettings.methods` writes the methods paragraph of a paper from it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal

import numpy as np

from mscohort.definition.events import (
    BASELINES,
    DELTAS,
    EVENTS,
    PREC_TYPES,
    PROCEED,
    SKIP,
    SUB_THRESHOLD,
)
from mscohort.derive.events.draws import seed_text
from mscohort.errors import bad_argument
from mscohort.units import DAYS_PER_YEAR

Outcome = Literal["edss", "nhpt", "t25fw", "sdmt", "custom"]
# the allowed values are declared once, with the study definition's [events] section
__all__ = ["BASELINES", "DELTAS", "EVENTS", "PREC_TYPES", "PROCEED", "SKIP", "SUB_THRESHOLD",
           "EventSettings", "RelapseIndependence", "delta_values"]

Window = tuple[float | None, float | None]


#: A clinically meaningful change: a named rule (:data:`DELTAS`) or a function of the
#: reference value.
DeltaRule = str | Callable[[np.ndarray], np.ndarray]


def delta_values(rule: DeltaRule, reference: np.ndarray
                 ) -> np.ndarray:
    """The minimum clinically meaningful change from each reference value.

    * ``"edss"``: 1.5 from EDSS 0, 1.0 from 0.5 to 5.0, 0.5 above 5.0 (Kappos 2020; msprog).
    * ``"edss_5.5"``: 1.5 from 0, 1.0 up to 5.5, 0.5 above 5.5 (e.g. Müller 2023).
    * ``"relative_20"``: 20 % of the reference (T25FW, 9-HPT; Kalincik 2015, msprog).
    * ``"sdmt"``: ``min(reference / 5, 4)`` points, as msprog computes it.
    * a function of the reference values (numpy array in, array out).
    """
    ref = np.asarray(reference, dtype=np.float64)
    if callable(rule):
        return np.asarray(rule(ref), dtype=np.float64)
    if rule in ("edss", "edss_5.5"):
        cut = 5.0 if rule == "edss" else 5.5
        return np.where(ref == 0, 1.5, np.where(ref <= cut, 1.0, 0.5))
    if rule == "relative_20":
        return ref / 5.0
    if rule == "sdmt":
        return np.minimum(ref / 5.0, 4.0)
    raise bad_argument("delta", f"one of {', '.join(DELTAS)} or a function", rule)


@dataclass(frozen=True)
class RelapseIndependence:
    """Relapse-free windows of PIRA around the preceding visit, the event and the
    confirmation (days before, days after); ``(0, 0)`` ignores a checkpoint, and ``None``
    on the right of one and the left of the next merges them (msprog's ``relapse_indep``)."""

    prec: Window = (0, 0)
    event: Window = (90, 30)
    conf: Window = (90, 30)
    prec_type: Literal["baseline", "last", "last_delta"] = "baseline"

    def array(self) -> np.ndarray:
        return np.array([[np.nan if v is None else float(v) for v in w]
                         for w in (self.prec, self.event, self.conf)])


def _pair(value: float | tuple[float, ...], name: str, right: float = 0.0) -> tuple[float, float]:
    if isinstance(value, int | float):
        return (float(value), right)
    if len(value) == 1:
        return (float(value[0]), right)
    if len(value) == 2:
        return (float(value[0]), float(value[1]))
    raise bad_argument(name, "a number or a pair (before, after)", value)


def _text(value: object) -> str:
    """An option value as written on the command line (``30,0``; ``prec=0,0;...``)."""
    if isinstance(value, dict):
        return ";".join(f"{k}={_text(v)}" for k, v in value.items())
    if isinstance(value, tuple):
        return ",".join(_text(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return "none" if value is None else str(value)


@dataclass(frozen=True)
class EventSettings:
    """How confirmed disability worsening (CDW) and improvement (CDI) are detected.

    Defaults are msprog's. See ``docs/events/`` for each option with its source.
    """

    outcome: Outcome = "edss"
    event: Literal["firstCDW", "firstCDI", "first", "firstPIRA", "firstRAW",
                   "multiple"] = "firstCDW"
    raw_pira: bool = False
    baseline: Literal["fixed", "roving_impr", "roving_wors", "roving"] = "fixed"
    proceed_from: Literal["firstconf", "event"] = "firstconf"
    sub_threshold_rebl: Literal["none", "event", "improvement", "worsening"] = "none"
    bl_geq: bool = False
    relapse_rebl: bool = False
    skip_local_extrema: Literal["none", "strict", "all"] = "none"
    conf_days: tuple[float, ...] = (84,)
    conf_tol_days: tuple[float, float] = (7, 2 * DAYS_PER_YEAR)
    require_sust_days: float = 0
    check_intermediate: bool = True
    relapse_to_bl: tuple[float, float] = (30, 0)
    relapse_to_event: tuple[float, float] = (0, 0)
    relapse_to_conf: tuple[float, float] = (30, 0)
    relapse_assoc: tuple[float, float] = (90, 0)
    relapse_indep: RelapseIndependence = field(default_factory=RelapseIndependence)
    relapse_end_dates: bool = False
    impute_last_visit: float = 0
    delta: str | Callable[[np.ndarray], np.ndarray] | None = None
    worsening: Literal["increase", "decrease"] | None = None
    msprog_compat: bool = False
    seed: int = 0
    name: str = "custom"

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        for attr, allowed in (("event", EVENTS), ("baseline", BASELINES),
                              ("proceed_from", PROCEED), ("sub_threshold_rebl", SUB_THRESHOLD),
                              ("skip_local_extrema", SKIP)):
            if getattr(self, attr) not in allowed:
                raise bad_argument(attr, f"one of {', '.join(allowed)}", getattr(self, attr))
        if self.outcome not in ("edss", "nhpt", "t25fw", "sdmt", "custom"):
            raise bad_argument("outcome", "one of edss, nhpt, t25fw, sdmt, custom", self.outcome)
        if self.relapse_indep.prec_type not in PREC_TYPES:
            raise bad_argument("relapse_indep.prec_type", f"one of {', '.join(PREC_TYPES)}",
                               self.relapse_indep.prec_type)
        days = (self.conf_days,) if isinstance(self.conf_days, int | float) else self.conf_days
        if not days or any(not isinstance(d, int | float) or d <= 0 for d in days):
            raise bad_argument("conf_days", "one or more positive numbers of days",
                               self.conf_days)
        set_(self, "conf_days", tuple(days))
        tol = _pair(self.conf_tol_days, "conf_tol_days", right=float("nan"))
        set_(self, "conf_tol_days", (tol[0], tol[0] if math.isnan(tol[1]) else tol[1]))
        for attr in ("relapse_to_bl", "relapse_to_event", "relapse_to_conf", "relapse_assoc"):
            set_(self, attr, _pair(getattr(self, attr), attr))
        if not isinstance(self.relapse_end_dates, bool):
            raise bad_argument("relapse_end_dates", "True or False", self.relapse_end_dates)
        if self.require_sust_days < 0:
            raise bad_argument("require_sust_days", "at least 0 (inf: to the last visit)",
                               self.require_sust_days)
        if self.impute_last_visit < 0:
            raise bad_argument("impute_last_visit", "a probability in [0, 1] or a number of "
                               "days > 1", self.impute_last_visit)
        seed_text(self.seed)  # an integer: the key of each patient's draw (draws.py)
        if self.outcome == "custom" and (self.delta is None or self.worsening is None):
            raise bad_argument("delta and worsening", "given for outcome='custom'",
                               (self.delta, self.worsening))
        if self.delta is None:
            set_(self, "delta", {"edss": "edss", "nhpt": "relative_20", "t25fw": "relative_20",
                                 "sdmt": "sdmt"}[self.outcome])
        if isinstance(self.delta, str) and self.delta not in DELTAS:
            raise bad_argument("delta", f"one of {', '.join(DELTAS)} or a function", self.delta)
        if self.worsening is None:
            set_(self, "worsening", "decrease" if self.outcome == "sdmt" else "increase")
        elif self.worsening not in ("increase", "decrease"):
            raise bad_argument("worsening", "'increase' or 'decrease'", self.worsening)

    # -- derived --------------------------------------------------------------------
    @property
    def classifies_raw_pira(self) -> bool:
        """Whether CDW events are classified as RAW or PIRA (msprog: always for firstPIRA and
        firstRAW, never for firstCDI, else ``raw_pira``)."""
        if self.event in ("firstPIRA", "firstRAW"):
            return True
        return self.event != "firstCDI" and self.raw_pira

    @property
    def uses_bl_geq(self) -> bool:
        """msprog applies ``bl_geq`` only with post-relapse re-baselining."""
        return self.bl_geq and self.relapse_rebl

    def with_(self, **changes: Any) -> EventSettings:
        """A copy with some settings changed (the object itself never changes)."""
        return replace(self, **changes)

    def changes_from(self, base: EventSettings) -> dict[str, object]:
        """The options (all but ``name``) whose value differs from ``base``, in field order."""
        mine, theirs = self.as_dict(), base.as_dict()
        return {k: v for k, v in mine.items() if k != "name" and v != theirs[k]}

    def label(self, base: EventSettings) -> str:
        """``base``'s name and every option changed from it, e.g. ``"msprog defaults with
        event=multiple, baseline=roving"`` (the name alone when nothing changed)."""
        changed = self.changes_from(base)
        if not changed:
            return base.name
        return f"{base.name} with " + ", ".join(f"{k}={_text(v)}" for k, v in changed.items())

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, RelapseIndependence):
                v = {"prec": v.prec, "event": v.event, "conf": v.conf, "prec_type": v.prec_type}
            elif callable(v):
                v = getattr(v, "__name__", "function")
            out[f.name] = v
        return out

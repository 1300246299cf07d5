"""The methods paragraph of a disability-event analysis, written from its settings."""

from __future__ import annotations

import math

from mscohort._version import __version__
from mscohort.derive.events.settings import EventSettings

_OUTCOMES = {"edss": "the Expanded Disability Status Scale (EDSS)",
             "nhpt": "the 9-hole peg test (9-HPT)", "t25fw": "the timed 25-foot walk (T25FW)",
             "sdmt": "the Symbol Digit Modalities Test (SDMT)", "custom": "the outcome"}
_DELTAS = {
    "edss": "1.5 points from a reference of 0, 1.0 point from 0.5 to 5.0, and 0.5 point "
            "above 5.0",
    "edss_5.5": "1.5 points from a reference of 0, 1.0 point from 0.5 to 5.5, and 0.5 point "
                "above 5.5",
    "relative_20": "20% of the reference value",
    "sdmt": "the smaller of 20% of the reference value and 4 points",
}
_EVENTS = {
    "firstCDW": "the first confirmed disability worsening (CDW) of each patient",
    "firstCDI": "the first confirmed disability improvement (CDI) of each patient",
    "first": "the first confirmed event (worsening or improvement) of each patient",
    "firstPIRA": "the first progression independent of relapse activity (PIRA)",
    "firstRAW": "the first relapse-associated worsening (RAW)",
    "multiple": "every confirmed worsening and improvement event, in order",
}


def _days(x: float) -> str:
    if math.isinf(x):
        return "no limit"
    return f"{x:g} days"


def _relapse_free(s: EventSettings) -> list[str]:
    """The PIRA relapse-free windows in words, merging windows joined by ``None`` ends."""
    ri = s.relapse_indep
    prec_name = "the reference" if ri.prec_type == "baseline" else (
        "the preceding assessment" if ri.prec_type == "last" else
        "the last assessment a full threshold below the event")
    points = [(prec_name, ri.prec), ("the event onset", ri.event), ("the confirmation", ri.conf)]
    out: list[str] = []
    start: tuple[str, float] | None = None
    for name, (before, after) in points:
        if before is not None:
            start = (name, before)
        if after is None or start is None:
            continue
        first, b = start
        start = None
        if b == 0 and after == 0 and first == name:
            continue  # an ignored checkpoint
        if b == 0 and after == 0:
            out.append(f"between {first} and {name}")
        else:
            out.append(f"from {b:g} days before {first} to {after:g} days after {name}")
    return out


def methods_text(s: EventSettings, value: str = "edss") -> str:
    """One paragraph stating every criterion applied."""
    out: list[str] = []
    outcome = _OUTCOMES.get(s.outcome, value)
    direction = "an increase" if s.worsening == "increase" else "a decrease"
    delta = _DELTAS.get(s.delta, "a user-defined function of the reference value") \
        if isinstance(s.delta, str) else "a user-defined function of the reference value"
    out.append(
        f"Disability events were derived from {outcome}. Worsening was defined as {direction} "
        f"from the reference value of at least {delta}; improvement as a change of the same "
        "size in the opposite direction.")
    conf = ", ".join(f"{c:g} days" for c in s.conf_days)
    tol = (f"{s.conf_tol_days[0]:g} days before to "
           f"{'any time' if math.isinf(s.conf_tol_days[1]) else f'{s.conf_tol_days[1]:g} days'}"
           " after")
    inter = ("and at every assessment in between" if s.check_intermediate
             else "(assessments in between were not required to confirm)")
    out.append(f"A change had to be confirmed at an assessment {conf} after its onset (from "
               f"{tol} that time) {inter}.")
    if s.require_sust_days:
        sus = ("until the last assessment" if math.isinf(s.require_sust_days)
               else f"for at least {s.require_sust_days:g} days (or until the last assessment)")
        out.append(f"Confirmed changes were retained only if sustained {sus}.")
    bl = {
        "fixed": "The reference was the first eligible assessment (fixed baseline)",
        "roving": "The reference was re-set after each confirmed event (roving baseline)",
        "roving_impr": "The reference was re-set after each confirmed improvement",
        "roving_wors": "The reference was re-set after each confirmed worsening",
    }[s.baseline]
    if s.baseline != "fixed":
        bl += (" to the first confirmation visit" if s.proceed_from == "firstconf"
               else " to the event visit")
        if s.sub_threshold_rebl != "none":
            bl += f", including confirmed changes below the threshold ({s.sub_threshold_rebl})"
    if s.relapse_rebl:
        bl += ", and re-set to the first assessment after each relapse"
        if s.uses_bl_geq:
            bl += " (never below the previous reference)"
    out.append(bl + ".")
    if s.skip_local_extrema != "none":
        out.append("A local minimum or maximum of the trajectory"
                   f"{' (of any size)' if s.skip_local_extrema == 'all' else ''} was not used "
                   "as reference.")
    rel = []
    if s.relapse_to_bl[0] or s.relapse_to_bl[1]:
        rel.append(f"as reference within {s.relapse_to_bl[0]:g} days after"
                   + (f" or {s.relapse_to_bl[1]:g} days before" if s.relapse_to_bl[1] else "")
                   + " a relapse")
    if s.relapse_to_event[0] or s.relapse_to_event[1]:
        rel.append(f"as event onset within {s.relapse_to_event[0]:g} days after"
                   + (f" or {s.relapse_to_event[1]:g} days before"
                      if s.relapse_to_event[1] else "") + " a relapse")
    if s.relapse_to_conf[0] or s.relapse_to_conf[1]:
        rel.append(f"as confirmation within {s.relapse_to_conf[0]:g} days after"
                   + (f" or {s.relapse_to_conf[1]:g} days before" if s.relapse_to_conf[1]
                      else "") + " a relapse")
    if rel:
        out.append("Assessments were not used: " + "; ".join(rel) + ".")
        if s.relapse_end_dates:
            out.append("For a relapse with a recorded end date, the period from its onset to "
                       "its end replaced the number of days after its onset in these rules.")
    if s.impute_last_visit:
        p = s.impute_last_visit
        out.append("An unconfirmed worsening at the last assessment was counted as confirmed"
                   + (f" with probability {p:g} (one draw per patient, from seed {s.seed} "
                      "and the patient identifier)" if p < 1 else "")
                   + (f" when it occurred within {p:g} days of follow-up" if p > 1 else "")
                   + ".")
    out.append(f"The analysis counted {_EVENTS[s.event]}.")
    if s.classifies_raw_pira:
        ra = s.relapse_assoc
        raw = f"within {ra[0]:g} days after" + (f" or {ra[1]:g} days before" if ra[1] else "")
        windows = _relapse_free(s)
        pira = ("no relapse occurred " + ", and ".join(windows)) if windows else \
            "it was not relapse-associated"
        out.append(f"A worsening with onset {raw} a relapse onset was classified as "
                   f"relapse-associated worsening (RAW); otherwise as progression independent "
                   f"of relapse activity (PIRA) if {pira}, and as undefined if not.")
    if not s.msprog_compat:
        out.append("All recorded relapses were considered, including those before the first "
                   "assessment.")
    out.append(f"Events were detected with mscohort {__version__}, which implements the "
               "definitions of msprog (Montobbio et al., Mult Scler 2024)"
               + (f"; settings: {s.name}." if s.name != "custom" else "."))
    return " ".join(out)

"""The ``[comparison.outcomes]`` sub-table of a study definition: which outcomes of a
comparison cohort are estimated (``mscohort.analyse.comparative``), and with what.

::

    [comparison.outcomes]
    outcomes = ["relapse_rate", "first_relapse", "cdw", "cdi", "discontinuation"]
    pairwise_censoring = true     # matched sets followed for their shortest follow-up
    cdw_conf_days = 168           # 6-month confirmed worsening and improvement
    edss_baseline_days = 182.625  # the episode's baseline EDSS: at most this long before
    sensitivity_calipers = [0.2]  # matching again with these calipers (SD of the logit)
    sensitivity_designs = ["match", "iptw", "overlap"]

Follow-up censoring at a treatment stop or switch is ``[comparison] censor_at_stop``
(the design stage writes it into each episode's ``end_date``). Definitions and sources:
``docs/comparative.md``, "Outcomes".
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from mscohort.definition.comparison_windows import OUTCOME_BASELINE_EDSS_DAYS
from mscohort.errors import UsageError, bad_usage

OUTCOME_NAMES = ("relapse_rate", "first_relapse", "cdw", "cdi", "discontinuation")
SENSITIVITY_DESIGNS = ("match", "iptw", "overlap")

#: (name, type, default, meaning) of every key, for the key table of docs/analysis.md.
OUTCOME_KEY_ROWS: tuple[tuple[str, str, str, str], ...] = (
    ("outcomes", "list among " + ", ".join(OUTCOME_NAMES), "all five",
     "the outcomes of the comparison cohort (docs/comparative.md, Outcomes)"),
    ("pairwise_censoring", "true or false", "true",
     "matched designs: each matched set followed for the shortest follow-up in the set "
     "(Kalincik et al. 2017)"),
    ("cdw_conf_days", "days > 0", "168",
     "confirmation of disability worsening and improvement after the episode start"),
    ("edss_baseline_days", "days >= 0", "182.625",
     "an episode's baseline EDSS for worsening and improvement: the last one at most this "
     "long before the start"),
    ("sensitivity_calipers", "list of numbers > 0", "[0.2]",
     "matched designs: the outcomes again with each of these calipers (SD of the logit)"),
    ("sensitivity_designs", "list among " + ", ".join(SENSITIVITY_DESIGNS),
     ", ".join(SENSITIVITY_DESIGNS),
     "the outcomes again with each of these designs (matching, IPT weights, overlap "
     "weights)"),
)


@dataclass(frozen=True)
class OutcomeSettings:
    """What ``[comparison.outcomes]`` asks for (module docstring)."""

    outcomes: tuple[str, ...] = OUTCOME_NAMES
    pairwise_censoring: bool = True
    cdw_conf_days: float = 168.0
    edss_baseline_days: float = OUTCOME_BASELINE_EDSS_DAYS
    sensitivity_calipers: tuple[float, ...] = (0.2,)
    sensitivity_designs: tuple[str, ...] = SENSITIVITY_DESIGNS

    def with_(self, **changes: Any) -> OutcomeSettings:
        return replace(self, **changes)


def parse_comparison_outcomes(raw: dict[str, object], where: str) -> OutcomeSettings:
    """The settings of ``[comparison.outcomes]``; every unknown key and wrong value is
    reported in one :class:`~mscohort.errors.UsageError` naming the key."""
    base = OutcomeSettings()
    errors: list[str] = []
    if not isinstance(raw, dict):
        raise bad_usage("[comparison.outcomes]", "a table of settings", raw, where=where)
    raw = {k: list(v) if isinstance(v, tuple) else v for k, v in raw.items()}
    allowed = {row[0] for row in OUTCOME_KEY_ROWS}
    unknown = sorted(set(raw) - allowed)
    if unknown:
        errors.append(f"{where}: [comparison.outcomes] has unknown key(s) "
                      f"{', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}.")

    def key(name: str) -> str:
        return f"comparison.outcomes.{name}"

    def subset(name: str, choices: tuple[str, ...], default: tuple[str, ...]
               ) -> tuple[str, ...]:
        value = raw.get(name, list(default))
        if (not isinstance(value, list) or not all(v in choices for v in value)
                or len(set(value)) != len(value)):
            errors.append(str(bad_usage(key(name), "a list of distinct values among "
                                        + ", ".join(choices), value, where=where)))
            return default
        return tuple(str(v) for v in value)

    def days(name: str, default: float, positive: bool) -> float:
        value = raw.get(name, default)
        ok = (isinstance(value, int | float) and not isinstance(value, bool)
              and (value > 0 if positive else value >= 0))
        if not ok:
            errors.append(str(bad_usage(key(name), "a number of days " + (
                "> 0" if positive else ">= 0"), value, where=where)))
            return default
        return float(value)  # type: ignore[arg-type]

    pairwise = raw.get("pairwise_censoring", base.pairwise_censoring)
    if not isinstance(pairwise, bool):
        errors.append(str(bad_usage(key("pairwise_censoring"), "true or false", pairwise,
                                    where=where)))
        pairwise = base.pairwise_censoring
    calipers = raw.get("sensitivity_calipers", list(base.sensitivity_calipers))
    if not isinstance(calipers, list) or not all(
            isinstance(c, int | float) and not isinstance(c, bool) and c > 0
            for c in calipers):
        errors.append(str(bad_usage(key("sensitivity_calipers"), "a list of numbers > 0",
                                    calipers, where=where)))
        calipers = list(base.sensitivity_calipers)
    settings = OutcomeSettings(
        outcomes=subset("outcomes", OUTCOME_NAMES, base.outcomes),
        pairwise_censoring=pairwise,
        cdw_conf_days=days("cdw_conf_days", base.cdw_conf_days, positive=True),
        edss_baseline_days=days("edss_baseline_days", base.edss_baseline_days,
                                positive=False),
        sensitivity_calipers=tuple(float(c) for c in calipers),
        sensitivity_designs=subset("sensitivity_designs", SENSITIVITY_DESIGNS,
                                   base.sensitivity_designs),
    )
    if errors:
        raise UsageError("\n".join(errors))
    return settings


def outcome_settings_of(comparison: object) -> OutcomeSettings:
    """The ``[comparison.outcomes]`` settings carried by a parsed ``[comparison]``
    (its ``outcomes`` field), or the defaults when it carries none."""
    settings = getattr(comparison, "outcomes", None)
    return settings if isinstance(settings, OutcomeSettings) else OutcomeSettings()

"""The ``[models]`` section of a study definition: which models of every visit and of
relapse counts are fitted (``mscohort.analyse.models``), and with what.

::

    [models]
    fit = ["trajectory", "counts", "between_groups", "time_to_relapse"]
    outcome = "edss"              # or "msss", "msfc_z", "rnfl": the score at every assessment
    covariates = []               # of the trajectory: age, sex, duration, baseline
    group = "cohort"              # an outcome column; "" for none (group x time, group ARR)
    relapse_free_days = 30        # no assessment less than 30 days after a relapse onset
    before_days = 1826.25         # visits up to 5 years before the index date
    reml = true                   # REML (lme4's default) or maximum likelihood
    group_adjust = ["arr_before", "age_at_index", "duration_at_index_years", "baseline_edss"]

Definitions and sources: ``docs/models.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mscohort.errors import UsageError, bad_usage

MODEL_NAMES = ("trajectory", "counts", "between_groups", "time_to_relapse")
TRAJECTORY_OUTCOMES = ("edss", "msss", "msfc_z", "rnfl")
#: Outcomes whose baseline is a per-patient column of the outcomes (``baseline`` covariate).
BASELINE_OUTCOMES = ("edss", "msss")
TRAJECTORY_COVARIATES = ("age", "sex", "duration", "baseline")
GROUP_COLUMNS = ("cohort", "prior_group", "phenotype", "")
ADJUST_COLUMNS = ("arr_before", "age_at_index", "duration_at_index_years", "baseline_edss",
                  "baseline_msss")


@dataclass(frozen=True)
class ModelSettings:
    """What ``[models]`` asks for (module docstring); the defaults are the issue's."""

    fit: tuple[str, ...] = MODEL_NAMES
    outcome: str = "edss"
    covariates: tuple[str, ...] = ()
    group: str = "cohort"
    relapse_free_days: float = 30.0
    before_days: float = 1826.25
    reml: bool = True
    group_adjust: tuple[str, ...] = ADJUST_COLUMNS[:4]

    def with_(self, **changes: Any) -> ModelSettings:
        from dataclasses import replace

        return replace(self, **changes)


def _subset(where: str, key: str, value: object, allowed: tuple[str, ...],
            errors: list[str], default: tuple[str, ...]) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(v in allowed for v in value) or len(
            set(value)) != len(value):
        errors.append(str(bad_usage(f"models.{key}", "a list of distinct values among "
                                    + ", ".join(allowed), value, where=where)))
        return default
    return tuple(str(v) for v in value)


def parse_models(raw: dict[str, object], where: str) -> ModelSettings:
    """The settings of ``[models]`` (unknown keys are rejected by the caller; the keys:
    :mod:`mscohort.definition.keys`). Every wrong value is reported in one UsageError."""
    base = ModelSettings()
    errors: list[str] = []

    def choice(key: str, allowed: tuple[str, ...], default: str) -> str:
        value = raw.get(key, default)
        if value not in allowed:
            errors.append(str(bad_usage(f"models.{key}", "one of "
                                        + ", ".join(repr(a) for a in allowed), value,
                                        where=where)))
            return default
        return str(value)

    def days(key: str, default: float) -> float:
        value = raw.get(key, default)
        if not isinstance(value, int | float) or isinstance(value, bool) or not value >= 0:
            errors.append(str(bad_usage(f"models.{key}", "a number of days >= 0", value,
                                        where=where)))
            return default
        return float(value)

    reml = raw.get("reml", base.reml)
    if not isinstance(reml, bool):
        errors.append(str(bad_usage("models.reml", "true or false", reml, where=where)))
        reml = base.reml
    settings = ModelSettings(
        fit=_subset(where, "fit", raw.get("fit", list(base.fit)), MODEL_NAMES, errors,
                    base.fit),
        outcome=choice("outcome", TRAJECTORY_OUTCOMES, base.outcome),
        covariates=_subset(where, "covariates", raw.get("covariates", []),
                           TRAJECTORY_COVARIATES, errors, base.covariates),
        group=choice("group", GROUP_COLUMNS, base.group),
        relapse_free_days=days("relapse_free_days", base.relapse_free_days),
        before_days=days("before_days", base.before_days),
        reml=reml,
        group_adjust=_subset(where, "group_adjust", raw.get("group_adjust",
                                                            list(base.group_adjust)),
                             ADJUST_COLUMNS, errors, base.group_adjust),
    )
    if "baseline" in settings.covariates and settings.outcome not in BASELINE_OUTCOMES:
        errors.append(str(bad_usage(
            "models.covariates", "without \"baseline\" when models.outcome is "
            f"{settings.outcome!r} (a baseline covariate exists for "
            + " and ".join(BASELINE_OUTCOMES) + ")", list(settings.covariates), where=where)))
    if errors:
        raise UsageError("\n".join(errors))
    return settings

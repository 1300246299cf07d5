"""Settings of the secondary outcomes (MSFC, OCT, NEDA-3, EDSS milestones) in a study
definition. Definitions and sources: ``docs/secondary-outcomes.md``.

::

    [msfc]
    worsening_percent = 20          # T25FW / 9-HPT time >= 20% longer than at baseline

    [oct]
    optic_neuritis_eyes = "exclude" # or "separate" (analysed apart) or "include"

    [neda]
    window_days = 730.5             # NEDA-3 over the first 2 years from the index date
    mri_rebaseline_days = 0         # MRI activity counted on scans after this day
    visit_tolerance_days = 90       # follow-up may end this much before the window does

    [milestones]
    edss = [4.0, 6.0]               # time to confirmed EDSS >= 4.0 and >= 6.0
"""

from __future__ import annotations

from dataclasses import dataclass

from mscohort.errors import UsageError, bad_usage
from mscohort.units import DAYS_PER_YEAR

OPTIC_NEURITIS_EYES = ("exclude", "separate", "include")


@dataclass(frozen=True)
class SecondarySettings:
    """How the secondary outcomes are derived (module docstring)."""

    worsening_percent: float = 20.0
    optic_neuritis_eyes: str = "exclude"
    neda_window_days: float = 2 * DAYS_PER_YEAR
    mri_rebaseline_days: float = 0.0
    visit_tolerance_days: float = 90.0
    milestones: tuple[float, ...] = (4.0, 6.0)


def _number(where: str, key: str, value: object, low: float, errors: list[str],
            default: float) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or not value >= low:
        errors.append(str(bad_usage(key, f"a number >= {low:g}", value, where=where)))
        return default
    return float(value)


def parse_secondary(raw: dict[str, dict[str, object]], where: str) -> SecondarySettings:
    """The settings of the ``[msfc]``, ``[oct]``, ``[neda]`` and ``[milestones]`` sections
    (unknown keys are rejected by the caller; their keys: :mod:`mscohort.definition.keys`).
    Every wrong value is reported in one UsageError, one line each."""
    base = SecondarySettings()
    errors: list[str] = []
    msfc, oct_, neda = raw.get("msfc", {}), raw.get("oct", {}), raw.get("neda", {})
    eyes = oct_.get("optic_neuritis_eyes", base.optic_neuritis_eyes)
    if eyes not in OPTIC_NEURITIS_EYES:
        errors.append(str(bad_usage("oct.optic_neuritis_eyes",
                                    f"one of {', '.join(OPTIC_NEURITIS_EYES)}", eyes,
                                    where=where)))
        eyes = base.optic_neuritis_eyes
    from mscohort.schema import EDSS_STEPS  # here: schema imports polars (CLI start-up)

    steps = raw.get("milestones", {}).get("edss", list(base.milestones))
    if not isinstance(steps, list) or not all(
            isinstance(s, int | float) and not isinstance(s, bool) and float(s) in EDSS_STEPS
            and s > 0 for s in steps):
        errors.append(str(bad_usage("milestones.edss", "a list of EDSS steps above 0, e.g. "
                                    "[4.0, 6.0]", steps, where=where)))
        steps = list(base.milestones)
    settings = SecondarySettings(
        worsening_percent=_number(where, "msfc.worsening_percent", msfc.get(
            "worsening_percent", base.worsening_percent), 0.01, errors,
            base.worsening_percent),
        optic_neuritis_eyes=str(eyes),
        neda_window_days=_number(where, "neda.window_days", neda.get(
            "window_days", base.neda_window_days), 1, errors, base.neda_window_days),
        mri_rebaseline_days=_number(where, "neda.mri_rebaseline_days", neda.get(
            "mri_rebaseline_days", base.mri_rebaseline_days), 0, errors,
            base.mri_rebaseline_days),
        visit_tolerance_days=_number(where, "neda.visit_tolerance_days", neda.get(
            "visit_tolerance_days", base.visit_tolerance_days), 0, errors,
            base.visit_tolerance_days),
        milestones=tuple(sorted({float(s) for s in steps})),
    )
    if errors:
        raise UsageError("\n".join(errors))
    return settings

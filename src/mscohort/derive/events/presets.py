"""Named, cited settings of disability-event detection.

Each preset is an :class:`EventSettings`; change any option with ``preset.with_(...)``.
Sources are given per preset; ``docs/events/presets.md`` states each one in words.
"""

from __future__ import annotations

from dataclasses import replace

from mscohort.definition.events import EventOptions
from mscohort.derive.events.settings import EventSettings, RelapseIndependence

#: msprog's defaults (Montobbio et al. 2024): first CDW from a fixed baseline, confirmed at
#: 12 weeks (84 days, -7 to +730.5 days), assessments within 30 days after a relapse not
#: used as baseline or confirmation.
MSPROG_DEFAULTS = EventSettings(name="msprog defaults")

#: Randomised clinical trial: time to first 12-week confirmed disability worsening from the
#: fixed study baseline (msprog documentation: roving baselines are not recommended for
#: randomised data), every CDW classified as RAW or PIRA.
CLINICAL_TRIAL = EventSettings(event="firstCDW", baseline="fixed", raw_pira=True,
                               name="clinical trial")

#: Observational cohort: every confirmed event (worsening and improvement), roving
#: reference reset after each confirmed event, RAW/PIRA classification (Kappos et al. Mult
#: Scler 2018: roving references detect more true worsening in cohorts).
OBSERVATIONAL = EventSettings(event="multiple", baseline="roving", raw_pira=True,
                              name="observational cohort")

#: PIRA as in Kappos et al. JAMA Neurol 2020;77:1132-1140 (pooled OPERA I/II): reference
#: reset after each relapse and never lowered (``relapse_rebl``, ``bl_geq``); a CDW with onset
#: within 90 days after a relapse onset is RAW; a CDW is PIRA when no relapse falls between
#: the reference and 30 days after the event onset, nor within 30 days before or after the
#: confirmation.
#:
#: Source of the PIRA windows. The paper's abstract says only that CDA events were
#: "classified per temporal association with confirmed clinical relapses (PIRA or RAW)";
#: the full methods text could not be read where this preset was written. The windows follow
#: the account of the paper in the msprog PIRA vignette (Montobbio, msprog 1.0.0,
#: ``vignette_PIRA``): "in [Kappos 2020], an absence of relapses was required between the
#: reference visit and 30 days after the event, and during the 30 days before and 30 days
#: after confirmation for a CDW event to be considered as PIRA" -- msprog's
#: ``relapse_indep_from_bounds(p0=0, p1=NULL, e0=NULL, e1=30, c0=30, c1=30)``. The reading
#: of no relapse from the reference to the confirmation is :data:`KAPPOS_2020_STRICT`.
KAPPOS_2020 = EventSettings(
    event="multiple", baseline="fixed", raw_pira=True, relapse_rebl=True, bl_geq=True,
    relapse_assoc=(90, 0),
    relapse_indep=RelapseIndependence(prec=(0, None), event=(None, 30), conf=(30, 30)),
    name="Kappos 2020 PIRA",
)

#: :data:`KAPPOS_2020` with the other reading of its PIRA windows, the one mscohort used
#: before issue #20: no relapse from the reference to the confirmation visit (also the
#: high-specificity option of Müller et al. JAMA Neurol 2023). On a 2,000-patient synthetic
#: cohort the two readings gave different CDW types for 277 of 4,922 events (issue #20).
KAPPOS_2020_STRICT = KAPPOS_2020.with_(
    relapse_indep=RelapseIndependence(prec=(0, None), event=(None, None), conf=(None, 0)),
    name="Kappos 2020 PIRA, relapse-free reference to confirmation",
)

#: Harmonised PIRA of Müller et al. JAMA Neurol 2023: roving reference re-set after
#: relapses, thresholds +1.5 from EDSS 0, +1.0 up to 5.5, +0.5 above 5.5, confirmation at
#: 24 weeks, no relapse from 90 days before to 30 days after the event onset and the
#: confirmation.
MULLER_2023 = EventSettings(
    event="multiple", baseline="roving", raw_pira=True, relapse_rebl=True,
    delta="edss_5.5", conf_days=(168,),
    relapse_indep=RelapseIndependence(prec=(0, 0), event=(90, 30), conf=(90, 30)),
    name="Müller 2023 harmonised PIRA",
)

PRESETS: dict[str, EventSettings] = {
    "msprog": MSPROG_DEFAULTS, "clinical_trial": CLINICAL_TRIAL, "observational": OBSERVATIONAL,
    "kappos2020": KAPPOS_2020, "kappos2020_strict": KAPPOS_2020_STRICT,
    "muller2023": MULLER_2023,
}


def study_event_settings(options: EventOptions) -> EventSettings:
    """The event settings of a study definition's ``[events]`` section: the named preset
    with the options the definition changes (already checked by
    :func:`mscohort.definition.events.parse_events`)."""
    preset = PRESETS[options.preset]
    if not options.options:
        return preset
    changes = dict(options.options)
    indep = changes.get("relapse_indep")
    if isinstance(indep, dict):
        changes["relapse_indep"] = replace(preset.relapse_indep, **indep)
    changed = ", ".join(f"{k} = {_text(v)}" for k, v in options.options.items())
    return preset.with_(**changes, name=f"{preset.name}, with {changed}")


def _text(v: object) -> str:
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} = {_text(w)}" for k, w in v.items()) + "}"
    if isinstance(v, tuple):
        return "[" + ", ".join(_text(w) for w in v) + "]"
    return f"{v:g}" if isinstance(v, float) else str(v)

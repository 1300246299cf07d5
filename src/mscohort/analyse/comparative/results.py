"""The named result of a comparative analysis: the outcome table, the curves, the
sensitivity rows and the methods paragraph that names every choice.

:func:`comparative_outcomes` runs every outcome of ``[comparison.outcomes]`` on one
comparison cohort; :func:`sensitivity_table` runs the relapse-rate and first-relapse
outcomes again on the cohorts of other designs (another caliper, IPT weights, overlap
weights), each labelled; the command (``mscohort compare``) builds those cohorts with the
design stage and hands them here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import polars as pl

from mscohort.analyse.comparative.clustering import clusters_of
from mscohort.analyse.comparative.cohort import ComparisonCohort
from mscohort.analyse.comparative.episode_events import (
    disability_times,
    discontinuation_times,
    episode_visits,
)
from mscohort.analyse.comparative.followup import FollowUp, first_relapse, follow_up
from mscohort.analyse.comparative.outcomes import (
    AT_RISK_SCHEMA,
    CURVE_SCHEMA,
    OUTCOME_SCHEMA,
    RARE_BELOW,
    relapse_rate_rows,
    time_to_event_rows,
)
from mscohort.definition.comparison_outcomes import OutcomeSettings
from mscohort.derive.events.methods import methods_text
from mscohort.derive.events.settings import EventSettings

#: Readable names of the outcomes.
OUTCOME_LABELS = {"relapse_rate": "annualised relapse rate",
                  "first_relapse": "time to first relapse",
                  "cdw": "6-month confirmed disability worsening",
                  "cdi": "6-month confirmed disability improvement",
                  "discontinuation": "time to treatment discontinuation"}
SENSITIVITY_SCHEMA: dict[str, pl.DataType] = {"analysis": pl.String(), "design": pl.String(),
                                              "n_episodes": pl.Int64(), **OUTCOME_SCHEMA}
#: The label of the main analysis's rows in the sensitivity table starts with this.
MAIN_PREFIX = "main: "
_DESIGN_TEXT = {"match": "propensity-score matching", "iptw": "inverse probability of "
                "treatment weighting", "overlap": "overlap weighting", "none": "no adjustment"}


@dataclass(frozen=True)
class ComparativeResult:
    """Outcomes of one comparison cohort with the settings that made them."""

    name: str
    design: str
    treated: str
    control: str
    table: pl.DataFrame  #: :data:`~mscohort.analyse.comparative.outcomes.OUTCOME_SCHEMA`
    curves: pl.DataFrame  #: :data:`~mscohort.analyse.comparative.outcomes.CURVE_SCHEMA`
    followup: FollowUp
    settings: OutcomeSettings
    event_settings: EventSettings
    at_risk: pl.DataFrame  #: :data:`~mscohort.analyse.comparative.outcomes.AT_RISK_SCHEMA`
    sensitivity: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema=SENSITIVITY_SCHEMA))
    #: the clusters of the robust errors (:mod:`~mscohort.analyse.comparative.clustering`)
    clustered_by: str = ""

    def with_sensitivity(self, table: pl.DataFrame) -> ComparativeResult:
        """A copy carrying the sensitivity rows of :func:`sensitivity_table`."""
        from dataclasses import replace

        return replace(self, sensitivity=table)

    def methods(self) -> str:
        """The methods paragraph of the outcome stage, naming every choice."""
        s = self.settings
        by = self.clustered_by or ("matched set" if self.design == "match" else "patient")
        names = ", ".join(OUTCOME_LABELS[o] for o in s.outcomes)
        parts = [
            f"{self.treated.capitalize()} was compared with {self.control} after "
            f"{_DESIGN_TEXT[self.design]}. Outcomes: {names}.",
            self.followup.methods(),
        ]
        if "relapse_rate" in s.outcomes:
            parts.append(
                "Annualised relapse rates are weighted relapses per weighted patient-year "
                "(365.25 days); the rate ratio was estimated by Poisson and negative "
                "binomial (NB2, alpha by maximum likelihood) regression of the relapse "
                "count with the log of follow-up as offset, weighted by the design's "
                f"weights, with cluster-robust (CR1) errors by {by} and t intervals with "
                "clusters - 1 degrees of freedom (Cameron and Miller 2015).")
        if "two-way" in by:
            parts.append(
                "Because patients appeared more than once in the matched cohort (several "
                "episodes, or a control reused across matched sets), errors were clustered "
                "by matched set and by patient (Cameron, Gelbach and Miller 2011; for the "
                "Cox models the estimator of Austin and Cafri 2020), as MatchIt's guide "
                "recommends after matching with replacement.")
        if set(s.outcomes) & {"first_relapse", "cdw", "cdi", "discontinuation"}:
            parts.append(
                "Times to event were compared by weighted Cox proportional hazards models "
                f"(Efron's method for ties) with robust errors clustered by {by} (Lin and "
                "Wei 1989), and shown as weighted Kaplan-Meier cumulative incidence "
                "curves with the numbers at risk.")
        if set(s.outcomes) & {"cdw", "cdi"}:
            parts.append(
                f"Disability worsening and improvement were confirmed at "
                f"{s.cdw_conf_days:g} days from each episode's baseline EDSS (the last "
                f"at most {s.edss_baseline_days:g} days before the start); an event "
                "counted when its onset and its confirmation fell within follow-up. "
                + methods_text(self.event_settings.with_(
                    event="firstCDW", conf_days=(s.cdw_conf_days,))))
        if "discontinuation" in s.outcomes:
            parts.append("Treatment discontinuation was the stop or switch of the drug.")
        parts.append(
            "E-values for unmeasured confounding (VanderWeele and Ding 2017) were computed "
            "for each ratio and its confidence limit closer to 1; rate ratios were used "
            "as risk ratios, hazard ratios as risk ratios when fewer than "
            f"{RARE_BELOW:.0%} of episodes had the event, else converted by "
            "(1 - 0.5^sqrt(HR)) / (1 - 0.5^sqrt(1/HR)).")
        labels = [a for a in dict.fromkeys(self.sensitivity["analysis"].to_list())
                  if not a.startswith(MAIN_PREFIX)]  # the main analysis is not one of them
        if labels:
            parts.append(f"Sensitivity analyses: {', '.join(labels)}.")
        return " ".join(parts)


def comparative_outcomes(cohort: ComparisonCohort, relapses: pl.DataFrame,
                         edss: pl.DataFrame, event_settings: EventSettings,
                         settings: OutcomeSettings | None = None,
                         name: str = "comparison", censor_at_stop: bool = False
                         ) -> ComparativeResult:
    """Every outcome of ``settings.outcomes`` on ``cohort`` (the module docstrings of
    :mod:`~mscohort.analyse.comparative.followup`, ``.outcomes`` and ``.episode_events``
    give the definitions). ``censor_at_stop``: follow-up ends at a stop or switch (the
    design's ``end_date`` usually has it already; stated in the methods)."""
    settings = settings or OutcomeSettings()
    pairwise = settings.pairwise_censoring and cohort.design == "match"
    fu = follow_up(cohort, relapses, pairwise=pairwise, censor_at_stop=censor_at_stop)
    tables, curves, risks = [], [], []
    visits = (episode_visits(fu, edss, relapses, settings.edss_baseline_days)
              if {"cdw", "cdi"} & set(settings.outcomes) else None)
    for outcome in settings.outcomes:
        if outcome == "relapse_rate":
            tables.append(relapse_rate_rows(cohort, fu))
            continue
        note = None
        if outcome == "first_relapse":
            times = first_relapse(fu, relapses)
        elif outcome == "discontinuation":
            times = discontinuation_times(fu)
        else:
            times, without = disability_times(
                fu, edss, relapses, event_settings,
                "worsening" if outcome == "cdw" else "improvement",
                settings.cdw_conf_days, settings.edss_baseline_days, visits)
            note = f"{without} episode(s) without a baseline EDSS left out" if without \
                else None
        rows = time_to_event_rows(cohort, fu, times, outcome, note)
        tables.append(rows.table)
        curves.append(rows.curves)
        risks.append(rows.at_risk)
    return ComparativeResult(
        name, cohort.design, cohort.treated, cohort.control,
        pl.concat(tables) if tables else pl.DataFrame(schema=OUTCOME_SCHEMA),
        pl.concat(curves) if curves else pl.DataFrame(schema=CURVE_SCHEMA),
        fu, settings, event_settings,
        pl.concat(risks) if risks else pl.DataFrame(schema=AT_RISK_SCHEMA),
        clustered_by=clusters_of(cohort, fu.table).label)


def sensitivity_table(cohorts: Mapping[str, ComparisonCohort], relapses: pl.DataFrame,
                      settings: OutcomeSettings | None = None) -> pl.DataFrame:
    """The relapse-rate ratios and the hazard ratio of the first relapse of each labelled
    cohort (e.g. ``{"caliper 0.2 SD": ..., "IPT weights": ...}``)."""
    settings = settings or OutcomeSettings()
    rows = []
    for label, cohort in cohorts.items():
        fu = follow_up(cohort, relapses,
                       pairwise=settings.pairwise_censoring and cohort.design == "match")
        parts = [relapse_rate_rows(cohort, fu),
                 time_to_event_rows(cohort, fu, first_relapse(fu, relapses),
                                    "first_relapse").table]
        rows.append(pl.concat(parts).with_columns(
            pl.lit(label).alias("analysis"), pl.lit(cohort.design).alias("design"),
            pl.lit(cohort.episodes["episode_id"].n_unique(), pl.Int64)
            .alias("n_episodes")))
    if not rows:
        return pl.DataFrame(schema=SENSITIVITY_SCHEMA)
    return pl.concat(rows).select(*SENSITIVITY_SCHEMA)

"""One call from a study and its definition to every result of the analysis.

>>> result = analyse_study(study, load_definition("study.toml"))   # doctest: +SKIP
>>> result.tables["by follow-up cohort"], result.relapses, print(result.methods())
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import cast

import polars as pl

from mscohort._version import __version__
from mscohort.analyse.cohort import cohort_description
from mscohort.analyse.comparative.analysis import ComparativeAnalysis, compare_study
from mscohort.analyse.contrasts import contrast_table
from mscohort.analyse.estimates import study_estimates
from mscohort.analyse.flow import population_flow
from mscohort.analyse.json_safe import json_safe
from mscohort.analyse.models.results import ModelResults, study_models
from mscohort.analyse.primary import (
    adjust_contrasts,
    adjust_frames,
    label_tests,
    multiplicity_methods,
)
from mscohort.analyse.rates import RATE_RATIO_METHOD
from mscohort.analyse.record_subset import DATA_CUT_DATES
from mscohort.analyse.result_files import write_csv_rows, write_json_rows
from mscohort.analyse.secondary import SecondaryResults, secondary_outcomes
from mscohort.analyse.sensitivity import sensitivity_table
from mscohort.analyse.survival import LogRank
from mscohort.analyse.tables import (
    cdw_survival,
    change_categories,
    change_summary,
    paired_tests,
    relapse_table,
    split_groups,
    study_splits,
    study_tables,
)
from mscohort.analyse.timelines import Timelines, study_timelines
from mscohort.analyse.timepoints import timepoint_table
from mscohort.definition import StudyDefinition
from mscohort.derive.events.methods import methods_text as methods_of_events
from mscohort.derive.events.presets import study_event_settings
from mscohort.derive.events.settings import EventSettings
from mscohort.derive.outcomes import patient_outcomes, scored_edss
from mscohort.derive.safety import AESI_PERIODS
from mscohort.errors import bad_argument
from mscohort.stratify.splits import Split
from mscohort.study import Study
from mscohort.units import UNIT_LABELS, unit_words


def unit_text(d: StudyDefinition) -> str:
    """The follow-up unit in words, naming which lunar month is used."""
    return unit_words(d.unit, d.lunar_month)


@dataclass(frozen=True)
class StudyAnalysis:
    """Per-patient outcomes, group tables, tests, relapse rates and survival, with settings."""

    definition: StudyDefinition
    outcomes: pl.DataFrame
    cohort: pl.DataFrame  #: Table 1, overall and by follow-up cohort
    tables: dict[str, pl.DataFrame]
    categories: pl.DataFrame
    tests: pl.DataFrame
    relapses: pl.DataFrame
    km_cdw: pl.DataFrame
    logrank_cdw: LogRank | None
    courses: pl.DataFrame = field(default_factory=pl.DataFrame)  #: one row per course
    deviations: pl.DataFrame = field(default_factory=pl.DataFrame)  #: from the regimens
    as_of: dt.date | None = None  #: the day safety and retreatment are judged on
    safety: pl.DataFrame = field(default_factory=pl.DataFrame)  #: monitoring schedule
    aesi: pl.DataFrame = field(default_factory=pl.DataFrame)  #: events of special interest
    retreatment: pl.DataFrame = field(default_factory=pl.DataFrame)
    screening: pl.DataFrame = field(default_factory=pl.DataFrame)  #: when [eligibility]
    secondary: SecondaryResults | None = None  #: MSFC, OCT, NEDA-3, EDSS milestones
    warnings: tuple[str, ...] = ()  #: what the reader must know (analysis_warnings)
    estimates: pl.DataFrame = field(default_factory=pl.DataFrame)  #: with 95% intervals
    contrasts: pl.DataFrame = field(default_factory=pl.DataFrame)  #: between groups
    timepoints: pl.DataFrame = field(default_factory=pl.DataFrame)  #: 12-48 months, attrition
    flow: pl.DataFrame = field(default_factory=pl.DataFrame)  #: screened -> analysed
    sensitivity: pl.DataFrame = field(default_factory=pl.DataFrame)  #: one rule changed a row
    #: patient_id -> follow-up cohort (long-term / short-term) of the analysed patients: the
    #: groups of the one follow-up split every table, test and figure uses
    followup_groups: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(
        schema={"patient_id": pl.String, "group": pl.String}))
    #: EDSS and MSSS change from baseline to follow-up of the analysed patients: measure,
    #: n, mean, sd, median, min, max (the summary table)
    changes: pl.DataFrame = field(default_factory=pl.DataFrame)
    timelines: Timelines | None = None  #: every patient's timeline records and events

    def timeline_records(self) -> Timelines:
        """Every patient's timeline records (:attr:`timelines`); an error when this result
        was built without them."""
        if self.timelines is None:
            raise bad_argument("analysis", "a result of analyse_study (with patient timelines)",
                               "a StudyAnalysis without timelines")
        return self.timelines

    @property
    def event_settings(self) -> EventSettings:
        """The disability-event settings of the study definition's ``[events]`` section."""
        return study_event_settings(self.definition.events)

    @property
    def aesi_periods(self) -> tuple[str, ...]:
        """The periods of :attr:`aesi` in time order (``period`` column)."""
        return AESI_PERIODS
    models: ModelResults | None = None  #: [models]: mixed and count models
    comparison: ComparativeAnalysis | None = None  #: [comparison]: design and outcomes

    def methods(self) -> str:
        extra = [x.methods() for x in (self.models, self.comparison) if x is not None]
        return " ".join([methods_text(self.definition), *filter(None, extra)])

    def write(self, folder: Path) -> list[Path]:
        """CSV, JSON and Parquet files of every result (Parquet keeps the types and the
        per-patient drug lists as lists), the settings and the methods text."""
        folder.mkdir(parents=True, exist_ok=True)
        flat = self.outcomes.with_columns(
            pl.col(c).list.join("; ") for c in ("prior_window_drugs", "prior_window_groups"))
        frames = {"outcomes": flat, "cohort": self.cohort,
                  "tables": pl.concat(list(self.tables.values())),
                  "categories": self.categories, "tests": self.tests,
                  "relapses": self.relapses, "km_cdw": self.km_cdw,
                  "courses": self.courses, "deviations": self.deviations,
                  "safety": self.safety, "aesi": self.aesi, "retreatment": self.retreatment,
                  "screening": self.screening, "estimates": self.estimates,
                  "contrasts": self.contrasts, "timepoints": self.timepoints,
                  "flow": self.flow, "sensitivity": self.sensitivity,
                  "changes": self.changes}
        if self.secondary is not None:
            sec = self.secondary
            frames |= {"secondary": sec.patients, "oct_eyes": sec.oct_eyes,
                       "milestones": sec.milestones,
                       "secondary_tables": (pl.concat(list(sec.tables.values()))
                                            if sec.tables else pl.DataFrame()),
                       "secondary_tests": sec.tests, "km_milestones": sec.km_milestones,
                       "milestone_summary": sec.milestone_summary,
                       "msfc_means": sec.msfc_means}
        if self.models is not None:
            frames |= self.models.frames()
        if self.comparison is not None:
            frames |= self.comparison.frames()
        written = []
        for name, frame in frames.items():
            write_csv_rows(frame, folder / f"{name}.csv")  # opened in spreadsheets
            write_json_rows(frame, folder / f"{name}.json")  # bounded memory
            (self.outcomes if name == "outcomes" else frame).write_parquet(
                folder / f"{name}.parquet")
            written += [folder / f"{name}.{ext}" for ext in ("csv", "json", "parquet")]
        settings = self.definition.as_dict() | {
            "event_settings": study_event_settings(self.definition.events).as_dict(),
            "warnings": list(self.warnings), "mscohort_version": __version__}
        (folder / "settings.json").write_text(json.dumps(json_safe(settings), indent=2,
                                                         default=str, allow_nan=False))
        (folder / "methods.txt").write_text(self.methods() + "\n")
        return [*written, folder / "settings.json", folder / "methods.txt"]


def latest_record(study: Study) -> dt.date | None:
    """The latest date of any EDSS, infusion, lab or relapse record: the data cut."""
    days = [study.table(t)[c].max() for t, c in DATA_CUT_DATES]
    known = cast("list[dt.date]", [d for d in days if d is not None])  # Date columns
    return max(known) if known else None


def analyse_study(study: Study, definition: StudyDefinition,
                  as_of: dt.date | None = None, sensitivity: bool = True,
                  timelines: bool = True, data_cut: dt.date | None = None) -> StudyAnalysis:
    """Every result of the analysis; infusion courses are checked against the default
    regimens (``datasets/protocol/regimens.toml``), safety monitoring and retreatment are
    judged on ``as_of`` (default: the latest record, :func:`latest_record`);
    ``sensitivity``: re-run the analysis for the sensitivity table; ``timelines``: keep every
    patient's timeline records (for the report and the web app; no table is made of them);
    ``data_cut``: the latest record of the store when ``study`` holds part of its records
    (:mod:`mscohort.analyse.record_subset`; default :func:`latest_record`)."""
    from mscohort.analyse.protocol import (
        retreatment_check,
        safety_check,
        study_courses,
    )
    from mscohort.analyse.protocol import screening as screen

    courses = study_courses(study, definition)
    cut = data_cut or latest_record(study)  # the data cut, read once
    as_of = as_of or cut
    safety = (safety_check(study, as_of, definition, courses=courses)
              if as_of is not None else None)
    retreat = (retreatment_check(study, as_of, definition, courses=courses)
               if as_of is not None else None)
    screening = (screen(study, definition).decisions if definition.eligibility
                 else pl.DataFrame())
    scored = scored_edss(study, definition)
    outcomes = patient_outcomes(study, definition, scored)
    splits = study_splits(outcomes, definition)  # the follow-up split: computed here, once
    followup_split = splits["by follow-up cohort"]
    survival = cdw_survival(outcomes, followup_split)
    logrank = survival.logrank
    if logrank is not None:
        logrank = replace(logrank, caveat=FOLLOWUP_SPLIT_CAVEAT)
    cohort = cohort_description(outcomes, followup_split, UNIT_LABELS[definition.unit])
    tables = study_tables(outcomes, definition, splits)
    tables = dict(zip(tables, adjust_frames(list(tables.values())), strict=True))
    secondary = secondary_outcomes(study, outcomes, definition, splits)
    if secondary.tests.height or secondary.tables:
        adjusted = adjust_frames([secondary.tests, *secondary.tables.values()])
        secondary = replace(secondary, tests=adjusted[0],
                            tables=dict(zip(secondary.tables, adjusted[1:], strict=True)))
    return StudyAnalysis(
        definition, outcomes, cohort, tables, change_categories(outcomes),
        label_tests(paired_tests(outcomes, definition), definition),
        relapse_table(outcomes, definition), survival.curves, logrank,
        courses=courses.courses, deviations=courses.deviations, as_of=as_of,
        safety=pl.DataFrame() if safety is None else safety.schedule,
        aesi=pl.DataFrame() if safety is None else safety.aesi,
        retreatment=pl.DataFrame() if retreat is None else retreat.table,
        screening=screening, secondary=secondary,
        estimates=study_estimates(outcomes),
        contrasts=adjust_contrasts(contrast_table(outcomes, list(splits.values()),
                                                  CONTRAST_MEASURES)),
        timepoints=timepoint_table(outcomes, study.edss, cut),
        flow=population_flow(outcomes, screening, definition.index_drug, secondary.patients),
        sensitivity=(sensitivity_table(study, definition, outcomes, screening,
                                       scored=scored)
                     if sensitivity else pl.DataFrame()),
        warnings=analysis_warnings(outcomes, definition, followup_split),
        followup_groups=split_groups(outcomes, followup_split),
        changes=change_summary(outcomes),
        timelines=study_timelines(study, outcomes, scored, definition) if timelines else None,
        models=study_models(study, outcomes, definition) if definition.models.fit else None,
        comparison=compare_study(study, definition) if definition.comparison else None)


#: Said next to the log-rank test of the follow-up cohorts (issue #17, error 6).
FOLLOWUP_SPLIT_CAVEAT = (
    "groups defined by their own follow-up length: longer follow-up gives more time to "
    "observe worsening, so this test is biased by design; descriptive only, not evidence "
    "that follow-up length matters (see the between-group contrasts)")
CONTRAST_MEASURES = [("edss_change", "baseline_edss", "change EDSS"),
                     ("msss_change", "baseline_msss", "change MSSS")]


def analysis_warnings(outcomes: pl.DataFrame, d: StudyDefinition,
                      split: Split) -> tuple[str, ...]:
    """Facts that change how the results read: a split with no groups, relapses not counted
    after the relapse follow-up, per-patient rates not computed from a short follow-up."""
    out = []
    if not split.groups:
        out.append(f"follow-up cohorts: {split.rule}.")
    rel = outcomes.filter(pl.col("in_relapse_analysis").fill_null(False))
    after = rel.filter(pl.col("relapses_after_end") > 0)
    if after.height:
        out.append(
            f"{int(after['relapses_after_end'].sum())} relapse(s) of {after.height} patient(s) "
            f"after the end of the relapse follow-up (relapses.follow_up_end = "
            f"'{d.relapse_end}') are not counted in the rates (column relapses_after_end).")
    short = rel.filter((pl.col("years_during") > 0) & pl.col("arr_during").is_null())
    if short.height:
        out.append(
            f"{short.height} patient(s) with less than {d.relapse_min_followup_days:g} days of "
            "relapse follow-up have no per-patient ARR (relapses.min_followup_days); they "
            "count in the pooled rates.")
    return tuple(out)


def methods_text(d: StudyDefinition) -> str:
    """The methods paragraph of the analysis, from its definition: every rule and its
    setting, including the defaults."""
    baseline = (f"the EDSS assessment closest to the index date from {d.baseline_window_days:g} "
                "days before it" + (f" to {d.baseline_after_index_days:g} days after it"
                                    if d.baseline_after_index_days else " up to that date")
                + (f", not less than {d.baseline_relapse_free_days:g} days after a relapse onset"
                   if d.baseline_relapse_free_days else ""))
    end = ("the last EDSS assessment after the index date (the last observation)"
           if d.follow_up_end == "last_edss"
           else f"the last EDSS assessment up to {d.cutoff_date} (the last observation)")
    if d.follow_up_min_days:
        end += (f"; patients followed for less than {d.follow_up_min_days:g} days were not "
                "analysed")
    events = study_event_settings(d.events)
    change = ("any change of at least one EDSS step (0.5)" if d.change_rule == "any_step" else
              f"a change of at least {_DELTA_TEXT[str(events.delta)]} (from baseline to the "
              "last EDSS, not confirmed)")
    groups = "; ".join(f"{g}: {', '.join(drugs)}" for g, drugs in d.prior_groups.items())
    text = [
        f"The index date was the first infusion of {d.index_drug}; infusions at most "
        f"{d.course_gap_days:g} days apart were counted as one course.",
        f"Baseline was {baseline}; follow-up ended at {end} and is given in "
        f"{unit_text(d)}.",
        f"EDSS change was follow-up minus baseline; patients were classed as improved or "
        f"worsened by {change}, and as stable otherwise. {_msss_methods(d)}",
        _relapse_methods(d),
        _prior_methods(d, groups),
        "Follow-up cohorts were split at the median follow-up (long-term: above the median).",
        "Paired comparisons used Student's paired t-test and the Wilcoxon signed-rank test "
        "(two-sided); Mean ± SD uses the sample SD. Time to first confirmed EDSS worsening was "
        "estimated by Kaplan-Meier and compared by the log-rank test.",
        "Confirmed disability worsening (for the time to first worsening, NEDA-3, the "
        "milestones and the patient timelines) was defined as follows. "
        + methods_of_events(events),
        _secondary_methods(d),
        REVIEWER_METHODS,
        multiplicity_methods(d),
        f"Analyses were run with mscohort {__version__}.",
    ]
    return " ".join(text)


_DELTA_TEXT = {"edss": "1.5 points from a baseline of 0, 1.0 up to 5.0 and 0.5 above 5.0",
               "edss_5.5": "1.5 points from a baseline of 0, 1.0 up to 5.5 and 0.5 above 5.5"}


def _msss_methods(d: StudyDefinition) -> str:
    table = {"roxburgh2005": "the global MSSS of Roxburgh et al. (2005)",
             "manouchehrinia2017": "the updated global MSSS of Manouchehrinia et al. (2017)"}
    rows = ("disease duration in completed years, durations of 30 years or more scored on the "
            "last row of the table, and no score in the first year of disease"
            if d.msss_convention == "standard" else
            "the rows read as the R package ms.sev 1.0.4 does (the first year of disease "
            "scored)")
    return f"The MSSS was {table[d.msss_table]} at each assessment, with {rows}."


def _relapse_methods(d: StudyDefinition) -> str:
    onset = (", starting no earlier than disease onset (the denominator being the disease "
             "time within the window)" if d.truncate_at_onset else "")
    index_day = {"before": "counted before the index date",
                 "during": "counted in the follow-up",
                 "neither": "counted in neither period"}[d.index_day_relapse]
    end = {"last_edss": "the end of EDSS follow-up (relapses after it were counted apart and "
                        "reported)",
           "last_contact": "the patient's last record of any kind"
                           + (f" up to {d.cutoff_date}" if d.cutoff_date else ""),
           "cutoff": f"the data cut-off ({d.cutoff_date})"}[d.relapse_end]
    window = (f"from {d.pre_index_days:g} to {d.pre_index_end_days:g} days before the index "
              "date" if d.pre_index_end_days else
              f"over the {d.pre_index_days:g} days before the index date")
    return (
        f"Annualised relapse rates were computed {window}{onset} and over the follow-up to {end}"
        + (", excluding patients on regular corticosteroids"
           if d.exclude_regular_corticosteroids else "")
        + f"; a relapse with onset on the index date was {index_day}. Per-patient rates during "
        f"follow-up were computed for patients with at least {d.relapse_min_followup_days:g} days "
        "of relapse follow-up; rates are given as the mean of per-patient rates and as pooled "
        "rates (all patients' person-time) with exact Poisson 95% intervals, and compared by "
        + RATE_RATIO_METHOD + ".")


def _prior_methods(d: StudyDefinition, groups: str) -> str:
    gap = d.immediate_gap
    limit = "at any time" if math.isinf(gap) else f"within {gap:g} days"
    rule = {"stopped_last": "the one stopped last (ongoing at the index date first)",
            "longest": "the one with the longest exposure",
            "started_last": "the one started last"}[d.immediate_rule]
    return (
        f"The drug immediately before the index date was, among the drugs taken {limit} "
        f"before it, {rule}; patients with no such drug formed the group \"none in window\". "
        f"Drugs within the prior window were every drug taken within {d.prior_window_days:g} "
        f"days before the index date. Drugs were grouped as {groups} (other drugs: other).")


REVIEWER_METHODS = (
    "Every estimate is given with a 95% confidence interval: t intervals for means, Wilson "
    "intervals for proportions, exact Poisson intervals for rates, order-statistic intervals "
    "for medians and Greenwood log-log intervals for Kaplan-Meier estimates. Paired effect "
    "sizes are d_z (mean change / SD of the changes) with noncentral-t intervals. Groups "
    "were compared by the difference in mean change (Welch t-test) and by ANCOVA adjusted "
    "for the baseline value, and for the baseline value and follow-up length (Vickers and "
    "Altman 2001). Because the last observation mixes follow-up lengths, EDSS change is also "
    "given at 12, 24, 36 and 48 months with the patients lost by each time point. The log-rank "
    "test between follow-up cohorts compares groups defined by their own follow-up length "
    "and is descriptive only. Differences were compared at 1e-9 before testing. Sensitivity "
    "analyses re-ran the analysis with one rule changed at a time.")


def _secondary_methods(d: StudyDefinition) -> str:
    s = d.secondary
    eyes = {"exclude": "excluded", "separate": "analysed apart", "include": "included"}
    return (
        "MSFC z-scores used the NMSS Task Force reference population (Fischer et al. 1999); a "
        f"T25FW or 9-HPT time at least {s.worsening_percent:g}% longer than at baseline was a "
        "meaningful worsening. OCT RNFL (and GCIPL) change and annualised change were "
        "averaged over each patient's eyes; eyes with a history of optic neuritis were "
        f"{eyes[s.optic_neuritis_eyes]}. NEDA-3 over {s.neda_window_days:g} days from the "
        "index date was no relapse, no confirmed EDSS worsening and, when MRI was recorded, "
        "no new or enlarging T2 or gadolinium-enhancing lesion. Time to confirmed EDSS "
        f"{', '.join(f'{m:g}' for m in s.milestones)} (confirmed as above) was estimated "
        "by Kaplan-Meier in the patients below each milestone at baseline.")

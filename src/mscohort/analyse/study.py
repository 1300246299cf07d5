"""One call from a study and its definition to every result of the analysis.

>>> result = analyse_study(study, load_definition("study.toml"))   # doctest: +SKIP
>>> result.tables["by follow-up cohort"], result.relapses, print(result.methods())
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from mscohort._version import __version__
from mscohort.analyse.cohort import cohort_description
from mscohort.analyse.secondary import SecondaryResults, secondary_outcomes
from mscohort.analyse.survival import LogRank
from mscohort.analyse.tables import (
    cdw_survival,
    change_categories,
    paired_tests,
    relapse_table,
    study_tables,
)
from mscohort.definition import StudyDefinition
from mscohort.derive.outcomes import patient_outcomes
from mscohort.ingest.formulas import write_safe_csv
from mscohort.stratify.splits import by_median_followup
from mscohort.study import Study

_UNITS = {"lunar_month": "lunar months of 28 days", "month": "months of 30.4375 days",
          "year": "years of 365.25 days", "day": "days"}


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

    def methods(self) -> str:
        return methods_text(self.definition)

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
                  "screening": self.screening}
        if self.secondary is not None:
            sec = self.secondary
            frames |= {"secondary": sec.patients, "oct_eyes": sec.oct_eyes,
                       "milestones": sec.milestones,
                       "secondary_tables": (pl.concat(list(sec.tables.values()))
                                            if sec.tables else pl.DataFrame()),
                       "secondary_tests": sec.tests, "km_milestones": sec.km_milestones,
                       "milestone_summary": sec.milestone_summary}
        written = []
        for name, frame in frames.items():
            write_safe_csv(frame, folder / f"{name}.csv")  # opened in spreadsheets
            frame.write_json(folder / f"{name}.json")
            (self.outcomes if name == "outcomes" else frame).write_parquet(
                folder / f"{name}.parquet")
            written += [folder / f"{name}.{ext}" for ext in ("csv", "json", "parquet")]
        settings = self.definition.as_dict() | {"mscohort_version": __version__}
        (folder / "settings.json").write_text(json.dumps(settings, indent=2, default=str))
        (folder / "methods.txt").write_text(self.methods() + "\n")
        return [*written, folder / "settings.json", folder / "methods.txt"]


def latest_record(study: Study) -> dt.date | None:
    """The latest date of any EDSS, infusion, lab or relapse record: the data cut."""
    days = [study.table(t)[c].max() for t, c in (("edss", "date"), ("infusions", "date"),
                                                  ("labs", "date"), ("relapses", "onset_date"))]
    days = [d for d in days if d is not None]
    return max(days) if days else None  # type: ignore[return-value,type-var]


def analyse_study(study: Study, definition: StudyDefinition,
                  as_of: dt.date | None = None) -> StudyAnalysis:
    """Every result of the analysis; infusion courses are checked against the default
    regimens (``datasets/protocol/regimens.toml``), safety monitoring and retreatment are
    judged on ``as_of`` (default: the latest record, :func:`latest_record`)."""
    from mscohort.derive.courses import course_table, load_regimens
    from mscohort.derive.retreatment import retreatment
    from mscohort.derive.safety import aesi_table, load_monitoring, safety_schedule

    courses, deviations = course_table(study.table("infusions"), load_regimens(),
                                       definition.course_gap_days)
    as_of = as_of or latest_record(study)
    rules = load_monitoring()
    protocol = ((as_of, safety_schedule(study.table("infusions"), study.table("labs"), rules,
                                        as_of),
                 aesi_table(study.table("adverse_events"), courses, rules),
                 retreatment(courses, study.table("relapses"), as_of))
                if as_of is not None else (None, pl.DataFrame(), pl.DataFrame(),
                                           pl.DataFrame()))
    screening = pl.DataFrame()
    if definition.eligibility:
        from mscohort.derive.screening import parse_eligibility, screen

        screening = screen(study, parse_eligibility(definition.eligibility,
                                                    definition.source),
                           course_gap_days=definition.course_gap_days)[0]
    outcomes = patient_outcomes(study, definition)
    curves, logrank = cdw_survival(outcomes, by_median_followup(outcomes))
    unit = _UNITS[definition.unit].split(" of ")[0]
    cohort = cohort_description(outcomes, by_median_followup(outcomes, unit), unit)
    return StudyAnalysis(definition, outcomes, cohort, study_tables(outcomes, definition),
                         change_categories(outcomes), paired_tests(outcomes, definition),
                         relapse_table(outcomes, definition), curves, logrank, courses,
                         deviations, *protocol, screening,
                         secondary_outcomes(study, outcomes, definition))


def methods_text(d: StudyDefinition) -> str:
    """The methods paragraph of the analysis, from its definition."""
    baseline = (f"the EDSS assessment closest to the index date from {d.baseline_window_days:g} "
                "days before it" + (f" to {d.baseline_after_index_days:g} days after it"
                                    if d.baseline_after_index_days else " up to that date"))
    end = ("the last EDSS assessment after the index date" if d.follow_up_end == "last_edss"
           else f"the last EDSS assessment up to {d.cutoff_date}")
    change = ("any change of at least one EDSS step (0.5)" if d.change_rule == "any_step" else
              "a change of at least 1.5 points from a baseline of 0, 1.0 up to 5.0 and 0.5 "
              "above 5.0")
    groups = "; ".join(f"{g}: {', '.join(drugs)}" for g, drugs in d.prior_groups.items())
    text = [
        f"The index date was the first infusion of {d.index_drug}; infusions at most "
        f"{d.course_gap_days:g} days apart were counted as one course.",
        f"Baseline was {baseline}; follow-up ended at {end} and is given in "
        f"{_UNITS[d.unit]}.",
        f"EDSS change was follow-up minus baseline; patients were classed as improved or "
        f"worsened by {change}, and as stable otherwise. The MSSS was the global MSSS of "
        "Roxburgh et al. (2005) at each assessment, with disease duration in completed years.",
        f"Annualised relapse rates were computed over the {d.pre_index_days:g} days before the "
        "index date and over the follow-up" + (", excluding patients on regular "
        "corticosteroids" if d.exclude_regular_corticosteroids else "") + "; rates are given "
        "as the mean of per-patient rates and as pooled rates with exact Poisson 95% "
        "intervals, and compared by a Poisson model with a person-time offset and "
        "patient-clustered robust errors.",
        f"Prior treatment was the drug started last before the index date, and every drug "
        f"taken within {d.prior_window_days:g} days before it, grouped as {groups} (other "
        "drugs: other).",
        "Follow-up cohorts were split at the median follow-up (long-term: above the median).",
        "Paired comparisons used Student's paired t-test and the Wilcoxon signed-rank test "
        "(two-sided); Mean ± SD uses the sample SD. Time to first confirmed EDSS worsening "
        "(12-week confirmation, msprog definitions) was estimated by Kaplan-Meier and compared "
        "by the log-rank test.",
        _secondary_methods(d),
        f"Analyses were run with mscohort {__version__}.",
    ]
    return " ".join(text)


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
        f"{', '.join(f'{m:g}' for m in s.milestones)} (12-week confirmation) was estimated "
        "by Kaplan-Meier in the patients below each milestone at baseline.")

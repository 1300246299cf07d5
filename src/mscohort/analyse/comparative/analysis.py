"""A comparative analysis end to end: the design of ``[comparison]``
(:func:`~mscohort.analyse.comparative.design.comparison_design`), the outcomes of
``[comparison.outcomes]`` (:func:`~mscohort.analyse.comparative.results.comparative_outcomes`)
and the sensitivity analyses (the design again with another caliper, IPT weights, overlap
weights), with the files ``mscohort compare`` writes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from mscohort._version import __version__
from mscohort.analyse.comparative.cohort import ComparisonCohort
from mscohort.analyse.comparative.design import ComparisonDesign, comparison_design
from mscohort.analyse.comparative.results import (
    MAIN_PREFIX,
    ComparativeResult,
    comparative_outcomes,
    sensitivity_table,
)
from mscohort.definition.comparison_outcomes import OutcomeSettings, outcome_settings_of
from mscohort.derive.events.presets import study_event_settings
from mscohort.errors import InvalidArgumentError
from mscohort.ingest.formulas import write_safe_csv

if TYPE_CHECKING:
    from mscohort.definition import StudyDefinition
    from mscohort.study import Study

_DESIGN_LABELS = {"iptw": "IPT weights", "overlap": "overlap weights"}


@dataclass(frozen=True)
class ComparativeAnalysis:
    """The design and the outcomes of one comparison, with their sensitivity analyses."""

    design: ComparisonDesign
    result: ComparativeResult
    skipped: tuple[str, ...] = ()  #: sensitivity analyses that could not be run, and why

    def methods(self) -> str:
        """The methods paragraph: the design's, then the outcomes'."""
        text = f"{self.design.methods()} {self.result.methods()}"
        if self.skipped:
            text += " Not run: " + "; ".join(self.skipped) + "."
        return text

    def frames(self) -> dict[str, pl.DataFrame]:
        """Every table of the analysis by file name."""
        flow = pl.DataFrame({"step": list(self.design.flow),
                             "episodes": list(self.design.flow.values())},
                            schema={"step": pl.String, "episodes": pl.Int64})
        return {"comparison_outcomes": self.result.table,
                "comparison_curves": self.result.curves,
                "comparison_at_risk": self.result.at_risk,
                "comparison_sensitivity": self.result.sensitivity,
                "comparison_balance": self.design.balance,
                "comparison_flow": flow,
                "comparison_episodes": self.result.followup.table,
                "comparison_dropped": self.design.dropped}

    def write(self, folder: Path) -> list[Path]:
        """CSV, JSON and Parquet of every table, ``comparison_settings.json`` and
        ``comparison_methods.txt``."""
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for name, frame in self.frames().items():
            write_safe_csv(frame, folder / f"{name}.csv")
            frame.write_json(folder / f"{name}.json")
            frame.write_parquet(folder / f"{name}.parquet")
            written += [folder / f"{name}.{ext}" for ext in ("csv", "json", "parquet")]
        from dataclasses import asdict

        settings = {"design": asdict(self.design.settings),
                    "outcomes": asdict(self.result.settings),
                    "event_settings": self.result.event_settings.as_dict(),
                    "skipped": list(self.skipped), "mscohort_version": __version__}
        (folder / "comparison_settings.json").write_text(
            json.dumps(settings, indent=2, default=str))
        (folder / "comparison_methods.txt").write_text(self.methods() + "\n")
        return [*written, folder / "comparison_settings.json",
                folder / "comparison_methods.txt"]


def _label(design: str, caliper: float, estimand: str = "ATE") -> str:
    if design == "iptw":
        return f"{_DESIGN_LABELS[design]} ({estimand})"
    return _DESIGN_LABELS.get(design, f"matching, caliper {caliper:g} SD")


def compare_study(study: Study, definition: StudyDefinition,
                  settings: OutcomeSettings | None = None,
                  progress: Callable[[str], None] | None = None) -> ComparativeAnalysis:
    """The design, outcomes and sensitivity analyses of the definition's ``[comparison]``
    (module docstring); ``progress`` is told each step as it starts."""
    settings = settings or outcome_settings_of(definition.comparison)
    say = progress or (lambda _: None)
    say("design: episodes, covariates, propensity score, matching or weighting")
    design = comparison_design(study, definition)
    say("outcomes of the comparison cohort")
    main = comparative_outcomes(design.cohort, study.table("relapses"), study.edss,
                                study_event_settings(definition.events), settings,
                                name=definition.name,
                                censor_at_stop=design.settings.censor_at_stop)
    s = design.settings
    variants = [(d, s.caliper_sd) for d in settings.sensitivity_designs if d != "match"]
    if "match" in settings.sensitivity_designs:
        variants = [("match", c) for c in settings.sensitivity_calipers] + variants
        if s.design != "match":
            variants.insert(0, ("match", s.caliper_sd))
    main_label = _label(s.design, s.caliper_sd, s.estimand)
    cohorts: dict[str, ComparisonCohort] = {f"{MAIN_PREFIX}{main_label}": design.cohort}
    skipped = []
    for d, caliper in variants:
        label = _label(d, caliper, s.estimand)
        if d == s.design and (d != "match" or caliper == s.caliper_sd):
            skipped.append(f"{label} (the main analysis's design: not repeated)")
            continue
        if label in cohorts:  # a caliper listed twice
            continue
        say(f"sensitivity: {label}")
        changed = replace(definition, comparison=s.with_(design=d, caliper_sd=caliper))
        try:
            cohorts[label] = comparison_design(study, changed, reuse=design).cohort
        except InvalidArgumentError as exc:
            skipped.append(f"{label} ({exc})")
    sens = sensitivity_table(cohorts, study.table("relapses"), settings)
    return ComparativeAnalysis(design, main.with_sensitivity(sens), tuple(skipped))

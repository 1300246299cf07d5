"""Write a federated result as ``mscohort analyse`` writes its results: one CSV (formula-safe)
and one JSON file per frame, ``settings.json`` (marked federated, with the centres' names,
the cell size and each node's policy), ``methods.txt`` and the report as Markdown, as
one self-contained HTML file (:mod:`mscohort_federated.report_html`) and as a Word document
(:mod:`mscohort_federated.report_docx`)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from mscohort.analyse.study import methods_text
from mscohort.definition import StudyDefinition
from mscohort.derive.safety import AESI_PERIODS
from mscohort.ingest.formulas import write_safe_csv
from mscohort.report.tables import STATUSES
from mscohort_federated.safety import RETREATMENT

FRAMES = ("tables", "tests", "categories", "relapses", "km_cdw", "neda", "per_centre",
          "heterogeneity", "models_rate_ratios", "models_dispersion", "multiplicity",
          "contrasts", "estimates", "flow", "timepoints", "secondary_tables",
          "secondary_tests", "msfc_means", "milestone_summary",
          "models_conditional_poisson", "models_between_groups",
          "models_between_groups_dispersion", "models_between_groups_terms",
          "screening_counts", "aesi_counts", "course_counts", "safety", "retreatment",
          "oct_eyes", "km_milestones", "km_milestones_figure", "km_milestones_censored")


def federated_methods(result: dict[str, object]) -> str:
    centres = ", ".join(result["centres"])  # type: ignore[arg-type]
    return (
        f"The analysis was federated over {len(result['centres'])} centres ({centres}) with "  # type: ignore[arg-type]
        "vantage6: each centre validated and analysed its own records and returned "
        "aggregates only (counts, sums, centred sums of squares, person-time, event counts "
        "per time); means, SDs, t-tests, pooled rates, Kaplan-Meier estimates and the "
        "log-rank test were combined exactly, medians found exactly by bisection over "
        "counts, the Poisson rate ratio fitted by federated Newton iterations and the "
        "negative binomial rate ratio by federated Fisher scoring with a Newton search of "
        "the profile likelihood of alpha, both with patient-clustered robust errors, and "
        "the between-group ANCOVA from each group's summed cross-products. Holm's "
        "adjustment covers the tests done; suppressed tests are out of their family. "
        "Cells with fewer than "
        f"{result['min_cell_size']} patients at a centre were suppressed (and so were the "
        "pooled cells built on them); ranges were not released; Wilcoxon tests, which "
        "need the pooled ranks, were not computed. Heterogeneity between centres is given as "
        "I² with a DerSimonian-Laird random-effects estimate.")


def write_result(result: dict[str, object], definition: StudyDefinition, folder: Path
                 ) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in FRAMES:
        frame = pl.DataFrame(result[name], infer_schema_length=None)  # type: ignore[arg-type]
        write_safe_csv(frame, folder / f"{name}.csv")
        (folder / f"{name}.json").write_text(json.dumps(result[name], indent=1, default=str))
        written += [folder / f"{name}.csv", folder / f"{name}.json"]
    settings = definition.as_dict() | {
        "federated": True, "centres": result["centres"],
        "min_cell_size": result["min_cell_size"], "node_policies": result["policies"],
        "median_followup": result["median_followup"], "logrank_cdw": result["logrank_cdw"],
        "rounds": result["rounds"], "timepoint_data_cut": result.get("data_cut"),
        "timepoint_cuts": result.get("timepoint_cuts")}
    (folder / "settings.json").write_text(json.dumps(settings, indent=2, default=str))
    (folder / "methods.txt").write_text(methods_text(definition) + " "
                                        + federated_methods(result) + "\n")
    (folder / "report.md").write_text(markdown_report(result, definition))
    from mscohort_federated.report_html import html_report

    (folder / "report.html").write_text(html_report(result, definition), encoding="utf-8")
    from mscohort_federated.report_docx import write_docx

    write_docx(result, definition, folder / "report.docx")
    return [*written, folder / "settings.json", folder / "methods.txt", folder / "report.md",
            folder / "report.html", folder / "report.docx"]


def cell_text(v: object) -> str:
    """A value as the report prints it (3 decimals, small values in 3 significant digits)."""
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.3g}" if abs(v) < 1e-3 and v else f"{v:.3f}".rstrip("0").rstrip(".")
    return str(v)


def _cell(v: object) -> str:
    return cell_text(v).replace("|", "/")


def _table(rows: list[dict[str, object]], columns: list[str]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(r.get(c)) for c in columns) + " |" for r in rows]
    return "\n".join(lines)


#: The report's sections: title, result frame and its columns (Markdown and HTML alike).
SECTIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Population flow", "flow", ("stage", "box", "n", "kind", "note", "status")),
    ("Estimates", "estimates", ("measure", "estimate", "ci_low", "ci_high", "n", "method",
                                "note")),
    ("Outcome tables", "tables", ("table", "group", "measure", "n", "mean", "sd", "median",
                                  "ci_low", "ci_high", "p_t", "p_holm", "status")),
    ("Paired tests", "tests", ("measure", "n", "mean_before", "mean_after",
                               "mean_difference", "ci_low", "ci_high", "p_t", "role",
                               "p_holm", "note", "status")),
    ("Between-group contrasts", "contrasts", ("split", "measure", "group", "reference",
                                              "adjustment", "n_group", "n_reference",
                                              "estimate", "ci_low", "ci_high", "p", "p_holm",
                                              "note", "status")),
    ("EDSS at fixed time points and attrition", "timepoints",
     ("months", "with_baseline", "due", "assessed", "missed", "lost", "lost_in_interval",
      "not_yet_due", "mean_change", "ci_low", "ci_high", "status")),
    ("Secondary outcomes: MSFC and OCT", "secondary_tables",
     ("table", "split", "group", "measure", "n", "mean", "sd", "ci_low", "ci_high", "p_t",
      "count", "status")),
    ("Secondary paired tests", "secondary_tests",
     ("measure", "n", "mean_before", "mean_after", "mean_difference", "ci_low", "ci_high",
      "p_t", "note", "status")),
    ("MSFC mean change", "msfc_means", ("measure", "n", "mean", "ci_low", "ci_high",
                                        "status")),
    ("EDSS milestones", "milestone_summary",
     ("milestone", "group", "at_risk", "reached", "reached_by_1_year", "reached_by_2_years",
      "median_days", "p_logrank", "status")),
    ("Eligibility screening by arm", "screening_counts",
     ("arm", "eligible", "protocol deviation", "not eligible", "cannot tell", "status")),
    ("Adverse events of special interest by time since the last course", "aesi_counts",
     ("aesi", *AESI_PERIODS, "events", "patients", "status")),
    ("Infusion courses by regimen", "course_counts",
     ("regimen", "course", "expected", "n", "off", "status")),
    ("Safety monitoring by panel", "safety",
     ("panel", "patients", *STATUSES, "median_days_overdue", "baseline_done", "status")),
    ("Retreatment rule", "retreatment", ("rule", "treated", *RETREATMENT, "status")),
    ("OCT per eye", "oct_eyes", ("group", "n_group", "measure", "n", "mean", "sd", "ci_low",
                                 "ci_high", "status")),
    ("Multiplicity (Holm)", "multiplicity", ("family", "tests", "suppressed", "note")),
    ("Improved, stable, worsened", "categories", ("category", "n", "of", "percent",
                                                  "status")),
    ("Relapse rates", "relapses", ("group", "n", "pooled_before", "pooled_during",
                                   "rate_ratio", "rate_ratio_ci_low", "rate_ratio_ci_high",
                                   "p_rate_ratio", "status")),
    ("Negative binomial rate ratio (after / before)", "models_rate_ratios",
     ("model", "n_patients", "events", "ratio", "ci_low", "ci_high", "p", "status")),
    ("Conditional Poisson rate ratio (after / before)", "models_conditional_poisson",
     ("model", "n_patients", "events", "ratio", "ci_low", "ci_high", "p", "note", "status")),
    ("Negative binomial rate ratio between groups (adjusted)", "models_between_groups",
     ("model", "comparison", "n_patients", "events", "ratio", "ci_low", "ci_high", "p",
      "note", "status")),
    ("Between-group model: every term", "models_between_groups_terms",
     ("term", "estimate", "se", "ci_low", "ci_high", "p")),
    ("Between-group model: over-dispersion", "models_between_groups_dispersion",
     ("model", "alpha", "alpha_ci_low", "alpha_ci_high", "lr_chi2", "lr_p",
      "pearson_dispersion")),
    ("Over-dispersion", "models_dispersion", ("model", "alpha", "alpha_ci_low",
                                              "alpha_ci_high", "lr_chi2", "lr_p",
                                              "pearson_dispersion")),
    ("NEDA-3", "neda", ("split", "group", "measure", "n", "k", "share", "status")),
    ("Centres side by side", "per_centre", ("centre", "n_analysed", "edss_change_mean",
                                            "edss_change_sd", "pooled_before",
                                            "pooled_during", "rate_ratio")),
    ("Heterogeneity", "heterogeneity", ("outcome", "k", "i2", "tau2", "random",
                                        "random_ci_low", "random_ci_high", "note")),
)


def intro(result: dict[str, object]) -> str:
    return (f"Centres: {', '.join(result['centres'])}. Minimum cell size "  # type: ignore[arg-type]
            f"{result['min_cell_size']}; \"suppressed\": a centre had fewer patients in the "
            "cell.")


def markdown_report(result: dict[str, object], definition: StudyDefinition) -> str:
    """The federated result's main tables as one Markdown document."""
    parts = [f"# {definition.name} (federated)", intro(result)]
    for title, key, columns in SECTIONS:
        parts += [f"## {title}", _table(result.get(key, []), list(columns))]  # type: ignore[arg-type]
    parts += ["## Methods", methods_text(definition) + " " + federated_methods(result)]
    return "\n\n".join(parts) + "\n"

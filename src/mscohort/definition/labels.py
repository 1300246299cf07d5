"""The label of every derived column: one dictionary that the report, the web app and the
terminal read, so that no page shows an internal name (``arr_before``) and every column
prints at its measure's precision (``docs/report.md``, "Labels and precision").

Notes
-----
Precision follows the seed's tables: EDSS to 1 decimal, MSSS and annualised relapse rates to
2, ages and durations in years to 1, counts and days whole. Units are typeset: "µm" (U+00B5),
"years", "relapses/year". A column that is not in :data:`LABELS` (a secondary outcome named
by its layer, say ``rnfl_um_change``) is labelled from its name by :func:`column_label`:
the abbreviations EDSS, MSSS, ARR, RNFL, GCIPL, MSFC, OCT and NEDA upper-cased, a unit suffix
(``_um``, ``_years``, ``_days``) put in brackets.
"""

from __future__ import annotations

from dataclasses import dataclass

MICROMETRE = "µm"


@dataclass(frozen=True)
class ColumnLabel:
    """How a column is named and printed: ``label``, its ``unit`` ("" when none), and the
    ``decimals`` of a number (None: not a number), ``signed`` for a change."""

    label: str
    unit: str = ""
    decimals: int | None = None
    signed: bool = False

    @property
    def heading(self) -> str:
        """"Age at index (years)": the label with its unit, as a column heading."""
        return f"{self.label} ({self.unit})" if self.unit else self.label


def _n(label: str, unit: str = "") -> ColumnLabel:
    return ColumnLabel(label, unit, 0)


#: Every column of the per-patient outcomes (``OUTCOME_COLUMNS``) and the derived columns
#: the web app shows, with its label, unit and printed precision.
LABELS: dict[str, ColumnLabel] = {
    "patient_id": ColumnLabel("Patient"),
    "sex": ColumnLabel("Sex"),
    "phenotype": ColumnLabel("Clinical course"),
    "cohort": ColumnLabel("Cohort"),
    "regular_corticosteroids": ColumnLabel("Regular corticosteroids"),
    "index_date": ColumnLabel("Index date"),
    "n_infusions": _n("Infusions"),
    "n_courses": _n("Courses"),
    "age_at_index": ColumnLabel("Age at index", "years", 1),
    "duration_at_index_years": ColumnLabel("Disease duration at index", "years", 1),
    "baseline_date": ColumnLabel("Baseline date"),
    "baseline_edss": ColumnLabel("Baseline EDSS", "", 1),
    "baseline_msss": ColumnLabel("Baseline MSSS", "", 2),
    "followup_date": ColumnLabel("Follow-up date"),
    "followup_edss": ColumnLabel("Follow-up EDSS", "", 1),
    "followup_msss": ColumnLabel("Follow-up MSSS", "", 2),
    "edss_change": ColumnLabel("EDSS change", "", 1, True),
    "msss_change": ColumnLabel("MSSS change", "", 2, True),
    "change_category": ColumnLabel("EDSS improved / stable / worsened"),
    "followup_days": _n("Follow-up", "days"),
    "followup": ColumnLabel("Follow-up in the study's unit", "", 1),
    "relapses_before": _n("Relapses before index"),
    "arr_before": ColumnLabel("ARR before index", "relapses/year", 2),
    "relapses_during": _n("Relapses during follow-up"),
    "arr_during": ColumnLabel("ARR during follow-up", "relapses/year", 2),
    "arr_change": ColumnLabel("ARR change", "relapses/year", 2, True),
    "in_relapse_analysis": ColumnLabel("In the relapse analysis"),
    "relapse_followup_end": ColumnLabel("End of relapse follow-up"),
    "years_before": ColumnLabel("Time before index", "years", 2),
    "years_during": ColumnLabel("Time during follow-up", "years", 2),
    "relapses_after_end": _n("Relapses after the end of follow-up"),
    "prior_drug": ColumnLabel("Drug immediately before"),
    "prior_group": ColumnLabel("Drug group immediately before"),
    "prior_gap_days": _n("Gap after the prior drug", "days"),
    "prior_window_drugs": ColumnLabel("Drugs within the prior window"),
    "prior_window_groups": ColumnLabel("Drug groups within the prior window"),
    "sequence": ColumnLabel("Treatment sequence"),
    "cdw_observed": ColumnLabel("Confirmed EDSS worsening observed"),
    "time_to_cdw_days": _n("Time to confirmed EDSS worsening", "days"),
    "excluded_reason": ColumnLabel("Excluded because"),
    "msss": ColumnLabel("MSSS", "", 2),
    "edss": ColumnLabel("EDSS", "", 1),
    "date": ColumnLabel("Date"),
    "event": ColumnLabel("Event"),
    "drug": ColumnLabel("Drug"),
    "neda3": ColumnLabel("NEDA-3"),
    "optic_neuritis": ColumnLabel("Optic neuritis"),
}

_ABBREVIATIONS = ("edss", "msss", "arr", "rnfl", "gcipl", "msfc", "oct", "neda", "nhpt",
                  "t25fw", "pasat", "cdw", "dmd")
_UNITS = {"um": MICROMETRE, "years": "years", "days": "days"}


def column_label(name: str) -> ColumnLabel:
    """The label of column ``name``: :data:`LABELS`, else made from the name (module
    docstring): ``rnfl_um_change`` -> "RNFL change (µm)"."""
    if name in LABELS:
        return LABELS[name]
    words, unit = [], ""
    for w in name.split("_"):
        if w in _UNITS and not unit:
            unit = _UNITS[w]
        else:
            words.append(w.upper() if w in _ABBREVIATIONS else w)
    text = " ".join(words)
    return ColumnLabel(text[:1].upper() + text[1:], unit)


def heading(name: str) -> str:
    """The column heading of ``name`` ("ARR before index (relapses/year)")."""
    return column_label(name).heading


"""Secondary outcomes of a study: MSFC, OCT, NEDA-3 and time to EDSS milestones, per patient,
by every split of the study's tables, with paired tests and Kaplan-Meier estimates.

Definitions: :mod:`mscohort.derive.msfc_outcomes`, :mod:`mscohort.derive.oct_outcomes`,
:mod:`mscohort.derive.neda`, :mod:`mscohort.derive.milestone_outcomes`;
``docs/secondary-outcomes.md``. Tables have the columns of
:data:`mscohort.analyse.tables.TABLE_SCHEMA`; shares are printed "n/N (%)" with ``mean``
the proportion and ``n`` the patients whose status is known.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from mscohort.analyse.estimates import km_at, mean_ci, wilson
from mscohort.analyse.survival import kaplan_meier, log_rank
from mscohort.analyse.tables import (
    TABLE_SCHEMA,
    TEST_SCHEMA,
    Measure,
    group_table,
    paired_row,
    study_splits,
    with_text,
)
from mscohort.definition import StudyDefinition
from mscohort.definition.labels import MICROMETRE
from mscohort.derive.events.presets import study_event_settings
from mscohort.derive.milestone_outcomes import milestone_outcomes
from mscohort.derive.msfc_outcomes import msfc_outcomes
from mscohort.derive.neda import neda
from mscohort.derive.oct_outcomes import oct_eyes, oct_outcomes
from mscohort.stratify.splits import Split, analysed
from mscohort.study import Study
from mscohort.units import DAYS_PER_YEAR

SHARE = "n/N (%)"

MSFC_MEASURES = [
    Measure("msfc_z_baseline", "baseline MSFC z", 2),
    Measure("msfc_z_change", "change MSFC z", 2, signed=True),
    Measure("z_t25fw_change", "change T25FW z", 2, signed=True),
    Measure("z_9hpt_change", "change 9-HPT z", 2, signed=True),
    Measure("z_pasat_change", "change PASAT-3 z", 2, signed=True),
    Measure("t25fw_percent_change", "change T25FW time (%)", 0, signed=True),
    Measure("nhpt_percent_change", "change 9-HPT time (%)", 0, signed=True),
]


def oct_measures(layers: tuple[str, ...]) -> list[Measure]:
    out = []
    for layer in layers:
        name = layer.removesuffix("_um").upper()
        out += [Measure(f"{layer}_baseline", f"baseline {name} ({MICROMETRE})", 1),
                Measure(f"{layer}_change", f"change {name} ({MICROMETRE})", 1, signed=True),
                Measure(f"{layer}_change_per_year",
                        f"annualised change {name} ({MICROMETRE}/year)", 2,
                        signed=True)]
    return out


@dataclass(frozen=True)
class SecondaryResults:
    """Per-patient secondary outcomes and their tables (empty frames when no data)."""

    patients: pl.DataFrame  #: one row per patient of the outcomes, every secondary column
    oct_eyes: pl.DataFrame  #: one row per analysed eye
    milestones: pl.DataFrame  #: one row per patient at risk and milestone
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    tests: pl.DataFrame = field(default_factory=pl.DataFrame)
    km_milestones: pl.DataFrame = field(default_factory=pl.DataFrame)
    milestone_summary: pl.DataFrame = field(default_factory=pl.DataFrame)
    #: mean change of the MSFC and each component z-score over every patient with a change,
    #: with its 95% t interval: measure, column, n, mean, ci_low, ci_high
    msfc_means: pl.DataFrame = field(default_factory=pl.DataFrame)


def all_splits(outcomes: pl.DataFrame, d: StudyDefinition,
               splits: dict[str, Split] | None = None) -> list[Split]:
    """Every split of the study's tables, after one group of all analysed patients."""
    return [Split("all", {"all analysed": analysed(outcomes)}, True, "every analysed patient"),
            *(splits or study_splits(outcomes, d)).values()]


def share_table(wide: pl.DataFrame, split: Split, column: str, label: str, title: str,
                positive: bool = True) -> pl.DataFrame:
    """Per group: patients with ``column`` == ``positive`` of those whose value is known."""
    rows = []
    for group, mask in split.groups.items():
        values = wide.filter(mask)[column].drop_nulls()
        k, n = int((values == positive).sum()), values.len()
        rows.append({"table": title, "split": split.name, "exclusive": split.exclusive,
                     "rule": split.rule, "group": group, "n_group": int(mask.sum()),
                     "measure": f"{label}, {SHARE}", "n": n,
                     "mean": k / n if n else None, "sd": None, "median": None, "min": None,
                     "max": None, "p_t": None,
                     "ci_low": wilson(k, n).ci_low, "ci_high": wilson(k, n).ci_high,
                     "decimals": None, "signed": False, "by_median": False, "count": k})
    return with_text(pl.DataFrame(rows, schema=TABLE_SCHEMA))


def _by_splits(wide: pl.DataFrame, splits: list[Split], measures: list[Measure],
               shares: list[tuple[str, str, bool]], title: str) -> pl.DataFrame:
    frames = []
    for split in splits:
        frames.append(group_table(wide, split, measures, title))
        frames += [share_table(wide, split, c, label, title, pos) for c, label, pos in shares]
    out = pl.concat(frames).with_row_index("_i")
    # rows by split, then group, then measure, each in the order first met
    first = out.group_by("split", "group").agg(pl.col("_i").min().alias("_g"))
    return out.join(first, on=("split", "group")).sort("_g", "_i").drop("_i", "_g")


def _tests(wide: pl.DataFrame, pairs: list[tuple[str, str]]) -> pl.DataFrame:
    rows = []
    ok = wide.filter(pl.col("excluded_reason").is_null())
    for name, stem in pairs:
        rows.append(paired_row(name, ok[f"{stem}_baseline"], ok[f"{stem}_followup"]))
    return pl.DataFrame(rows, schema=TEST_SCHEMA)


def _km(milestones: pl.DataFrame, outcomes: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Curves (``milestone``, ``group`` + the Kaplan-Meier columns) and a summary per
    milestone and group: at risk, reached, probability reached by 1 and 2 years, median."""
    m = milestones.join(outcomes.select("patient_id", "cohort"), on="patient_id", how="left")
    curves, summary = [], []
    for (ms,), part in m.group_by("milestone", maintain_order=True):
        cohorts = part["cohort"].drop_nulls().unique().sort().to_list()
        groups = {"all": part} | ({str(c): part.filter(pl.col("cohort") == c) for c in cohorts}
                                  if len(cohorts) > 1 else {})
        test = (log_rank(part["time_from_index_days"].to_numpy(), part["observed"].to_numpy(),
                         part["cohort"].fill_null("unknown").to_numpy())
                if len(cohorts) > 1 else None)
        for g, sub in groups.items():
            t = sub["time_from_index_days"].cast(pl.Float64).to_numpy()
            e = sub["observed"].to_numpy()
            km = kaplan_meier(t, e)
            curves.append(km.with_columns(pl.lit(ms).alias("milestone"), pl.lit(g).alias("group")))
            s = km["survival"].to_numpy()
            times = km["time"].to_numpy()

            def reached_by(days: float, s: np.ndarray = s, times: np.ndarray = times) -> float:
                before = s[times <= days]
                return float(1 - before[-1]) if before.size else 0.0

            below = times[s <= 0.5]
            # 95% interval of the share reached: 1 - the Greenwood log-log bounds of S(t)
            ci = {f"reached_by_{k}_ci_{side}": (None if bound is None else 1 - bound)
                  for k, days in (("1_year", DAYS_PER_YEAR), ("2_years", 2 * DAYS_PER_YEAR))
                  for side, bound in zip(("low", "high"),
                                         (km_at(t, e, days).ci_high, km_at(t, e, days).ci_low),
                                         strict=True)}
            summary.append({"milestone": ms, "group": g, "at_risk": sub.height,
                            "reached": int(e.sum()), "reached_by_1_year": reached_by(DAYS_PER_YEAR),
                            "reached_by_2_years": reached_by(2 * DAYS_PER_YEAR), **ci,
                            "median_days": float(below[0]) if below.size else None,
                            "p_logrank": test.p if test is not None and g == "all" else None})
    if not curves:
        return pl.DataFrame(), pl.DataFrame()
    return pl.concat(curves), pl.DataFrame(summary, infer_schema_length=None)


def secondary_outcomes(study: Study, outcomes: pl.DataFrame, d: StudyDefinition,
                       table_splits: dict[str, Split] | None = None) -> SecondaryResults:
    """Every secondary outcome the study's records allow (module docstring), by the splits
    of the study's tables (``table_splits``, when the caller has them)."""
    index = outcomes.select("patient_id", "index_date")
    wide = outcomes.select("patient_id", "excluded_reason")
    tables: dict[str, pl.DataFrame] = {}
    pairs: list[tuple[str, str]] = []
    splits = all_splits(outcomes, d, table_splits)
    msfc = study.table("msfc")
    if msfc.height:
        wide = wide.join(msfc_outcomes(msfc, index, d), on="patient_id", how="left")
        pct = f"{d.secondary.worsening_percent:g}%"
        tables["MSFC"] = _by_splits(wide, splits, MSFC_MEASURES, [
            ("t25fw_worsened", f"T25FW >= {pct} slower", True),
            ("nhpt_worsened", f"9-HPT >= {pct} slower", True),
            ("msfc_worsened", f"T25FW or 9-HPT >= {pct} slower", True)],
            "MSFC: composite and components, baseline to follow-up")
        pairs += [("MSFC z", "msfc_z"), ("T25FW z", "z_t25fw"), ("9-HPT z", "z_9hpt"),
                  ("PASAT-3 z", "z_pasat"), ("T25FW time (s)", "t25fw_s"),
                  ("9-HPT time (s)", "nhpt_s"), ("PASAT-3 correct", "pasat3")]
    oct_ = study.table("oct")
    eyes = pl.DataFrame()
    if oct_.height:
        eyes = oct_eyes(oct_, index, d)
        wide = wide.join(oct_outcomes(oct_, index, d), on="patient_id", how="left")
        layers = ("rnfl_um", "gcipl_um") if oct_["gcipl_um"].drop_nulls().len() else (
            "rnfl_um",)
        tables["OCT"] = _by_splits(wide, splits, oct_measures(layers), [],
                                   "OCT: mean of the analysed eyes per patient")
        per_eye = eyes.filter(pl.col("oct_years") > 0)
        groups = per_eye["eye_group"].unique(maintain_order=True).sort().to_list()
        eye_split = Split("eye", {g: per_eye["eye_group"] == g for g in groups}, True,
                          f"optic-neuritis eyes: {d.secondary.optic_neuritis_eyes}")
        tables["OCT per eye"] = group_table(per_eye, eye_split, oct_measures(layers),
                                            "OCT per eye").with_columns(
            pl.lit(None, pl.Float64).alias(c) for c in ("p_t", "d_z", "d_z_ci_low",
                                                         "d_z_ci_high"))
        pairs += [(f"{layer.removesuffix('_um').upper()} ({MICROMETRE}, mean of eyes)", layer)
                  for layer in layers]
    neda_rows = neda(outcomes, study.table("relapses"), study.table("mri"), d)
    wide = wide.join(neda_rows, on="patient_id", how="left")
    shares = [("neda3", "NEDA-3" if study.table("mri").height else "NEDA (no MRI data)", True),
              ("neda_relapse", "no relapse", False), ("neda_cdw", "no confirmed worsening",
                                                      False)]
    if study.table("mri").height:
        shares.append(("neda_mri", "no MRI activity", False))
    years = d.secondary.neda_window_days / DAYS_PER_YEAR
    tables["NEDA-3"] = _by_splits(wide, splits, [], shares,
                                  f"No evidence of disease activity over {years:g} years")
    milestones = milestone_outcomes(study, outcomes, d.secondary.milestones,
                                    study_event_settings(d.events))
    km, summary = _km(milestones, outcomes)
    patients = wide.drop("excluded_reason")
    return SecondaryResults(patients, eyes, milestones, tables,
                            _tests(wide, pairs) if pairs else pl.DataFrame(), km, summary,
                            msfc_means(patients))


#: The MSFC change columns of the MSFC figure, with their labels.
MSFC_CHANGES = {"msfc_z_change": "MSFC", "z_t25fw_change": "T25FW", "z_9hpt_change": "9-HPT",
                "z_pasat_change": "PASAT-3"}


def msfc_means(patients: pl.DataFrame) -> pl.DataFrame:
    """Mean change with its 95% t interval (:func:`mscohort.analyse.estimates.mean_ci`) of
    each column of :data:`MSFC_CHANGES` with at least 2 patients; empty without MSFC data."""
    schema = {"measure": pl.String, "column": pl.String, "n": pl.Int64, "mean": pl.Float64,
              "ci_low": pl.Float64, "ci_high": pl.Float64}
    rows = []
    for column, label in MSFC_CHANGES.items():
        if column not in patients.columns:
            continue
        e = mean_ci(patients[column].drop_nulls())
        if e.n >= 2:
            rows.append({"measure": label, "column": column, "n": e.n, "mean": e.estimate,
                         "ci_low": e.ci_low, "ci_high": e.ci_high})
    return pl.DataFrame(rows, schema=schema)

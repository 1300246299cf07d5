"""The per-eye OCT table of the pooled analysis ("OCT per eye" of
:func:`mscohort.analyse.secondary.secondary_outcomes`), federated: per eye group (all eyes,
or optic-neuritis eyes and eyes without optic neuritis, as the definition's
``optic_neuritis_eyes`` says) the baseline, change and annualised change of each OCT layer
over the analysed eyes with a follow-up scan after the baseline (``oct_years`` > 0; one row
per eye, :func:`mscohort.derive.oct_outcomes.oct_eyes`).

At extraction the centre adds per patient and eye (OD, OS: at most two, the schema's
``eye``) its eye group (``eyeg|<eye>``) and each measure of the table
(``eye|<eye>|<column>``); a patient without that eye analysed has them empty. No id, no date.

What leaves a centre, per eye group: its eyes, its patients and the moments (n, sum, centred
sum of squares) of each measure over the eyes, which combine exactly
(:mod:`mscohort_federated.combine`): n, mean, SD and the t interval of the mean as the
pooled :func:`~mscohort.analyse.tables.group_table` computes them (the pooled table has no
test and no d_z; medians and ranges are not federated here).

Disclosure: the unit is the patient, and an eye group of 1 to ``min_cell_size`` - 1 eyes
or patients at a centre is suppressed with everything computed from it, a measure with 1 to
``min_cell_size`` - 1 eyes likewise; the pooled cell built on it is suppressed.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from mscohort.analyse.secondary import oct_measures
from mscohort.analyse.stats import at_precision
from mscohort_federated.combine import SUPPRESSED_TEXT, add_moments, cell_stats
from mscohort_federated.disclosure import SUPPRESSED, is_suppressed, small
from mscohort_federated.partials import moments

TITLE = "OCT per eye"
SPLIT = "eye"
EYES = ("OD", "OS")
#: the measures of every layer (the pooled table keeps GCIPL when any scan has it)
COLUMNS = tuple(m.column for m in oct_measures(("rnfl_um", "gcipl_um")))


def oct_eye_columns(outcomes: pl.DataFrame, eyes: pl.DataFrame) -> dict[str, pl.Series]:
    """The per-patient columns of the module notes, in the order of ``outcomes``
    (``eyes``: the pooled analysis' ``oct_eyes`` of the centre's patients)."""
    if not eyes.height:
        return {}
    analysed = eyes.filter(pl.col("oct_years") > 0)
    ids = outcomes.select("patient_id")
    cols: dict[str, pl.Series] = {}
    for eye in EYES:
        got = ids.join(analysed.filter(pl.col("eye") == eye), on="patient_id", how="left",
                       maintain_order="left")
        cols[f"eyeg|{eye}"] = got["eye_group"].cast(pl.String)
        for c in COLUMNS:
            cols[f"eye|{eye}|{c}"] = got[c].cast(pl.Float64)
    return {name: s.alias(name) for name, s in cols.items()}


def _values(frame: pl.DataFrame, group: str, column: str) -> np.ndarray:
    """Every value of ``column`` over the eyes of ``group``, both eyes of a patient."""
    parts = [frame.filter(pl.col(f"eyeg|{eye}") == group)[f"eye|{eye}|{column}"]
             for eye in EYES if f"eyeg|{eye}" in frame.columns]
    return pl.concat(parts).drop_nulls().drop_nans().to_numpy() if parts else np.array([])


def oct_eye_sums(frame: pl.DataFrame, k: int) -> dict[str, object]:
    """The centre's aggregates of the module notes: ``{group: cells or suppressed}``."""
    present = [f"eyeg|{eye}" for eye in EYES if f"eyeg|{eye}" in frame.columns]
    groups = sorted({g for c in present for g in frame[c].drop_nulls().to_list()})
    out: dict[str, object] = {}
    for g in groups:
        in_group = np.array([(frame[c] == g).fill_null(False).to_numpy() for c in present])
        eyes, patients = int(in_group.sum()), int(in_group.any(axis=0).sum())
        if small(eyes, k) or small(patients, k):
            out[g] = dict(SUPPRESSED)
            continue
        out[g] = {"n_group": eyes, "patients": patients,
                  "measures": {c: moments(at_precision(_values(frame, g, c)), k, False)
                               for c in COLUMNS}}
    return out


def oct_eye_rows(parts: list[dict[str, object]], gcipl: bool) -> list[dict[str, object]]:
    """The pooled "OCT per eye" table (the columns of the pooled ``secondary_tables``
    frame, with ``status``; ``gcipl``: whether any centre has GCIPL scans, as the pooled
    table's layers)."""
    measures = oct_measures(("rnfl_um", "gcipl_um") if gcipl else ("rnfl_um",))
    rows: list[dict[str, object]] = []
    for g in sorted({g for p in parts for g in p}):
        cells = [p.get(g, {"n_group": 0, "patients": 0, "measures": {}}) for p in parts]
        head = {"table": TITLE, "split": SPLIT, "group": g}
        if any(is_suppressed(c) for c in cells):
            rows += [head | {"measure": m.label, "status": SUPPRESSED_TEXT} for m in measures]
            continue
        n_group = sum(int(c["n_group"]) for c in cells)  # type: ignore[index]
        for m in measures:
            mom = add_moments([c["measures"].get(m.column, {"n": 0}) for c in cells])  # type: ignore[index]
            rows.append(head | {"n_group": n_group, "measure": m.label}
                        | cell_stats(mom, signed=False))
    return rows

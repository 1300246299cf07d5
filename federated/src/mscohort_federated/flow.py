"""The population flow (:func:`mscohort.analyse.flow.population_flow`), federated.

At extraction the centre adds to its analysis frame what the flow's boxes read, per
patient and without ids or dates: ``flow|treated`` (an index date), ``excluded_reason``
(the category label of why a treated patient is not analysed), the screening outcome
(``flow|screened``, ``flow|eligible``, ``flow|deviation``, ``flow|never``: as the flow
reads the screening decisions) and whether each secondary outcome has a value
(``flow|msfc``, ``flow|oct``, ``flow|neda``). The partial function rebuilds the flow's
inputs from these and runs the pooled analysis' own ``population_flow`` on them, so every
box is the one the pooled analysis defines; the boxes are counts, summed by the central
function.

Disclosure: the boxes of a stage complement each other (e.g. treated + not treated =
screened), so a centre with any box of 1 to ``min_cell_size`` - 1 patients in a stage
suppresses **every** box of that stage; a pooled box built on a suppressed one is
suppressed.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from mscohort.analyse.flow import population_flow
from mscohort_federated.combine import SUPPRESSED_TEXT
from mscohort_federated.disclosure import small

SECONDARY = {"flow|msfc": "msfc_z_change", "flow|oct": "rnfl_um_change",
             "flow|neda": "neda3"}
SCREENING = {"flow|eligible": "eligible", "flow|deviation": "protocol deviation",
             "flow|never": "not eligible"}


def flow_columns(outcomes: pl.DataFrame, screening: pl.DataFrame,
                 secondary: pl.DataFrame) -> dict[str, pl.Series]:
    """The per-patient columns of the module notes, in the order of ``outcomes``."""
    ids = outcomes.select("patient_id")
    cols = {"flow|treated": outcomes["index_date"].is_not_null(),
            "excluded_reason": outcomes["excluded_reason"].cast(pl.String)}
    if screening.height:
        per = screening.group_by("patient_id").agg(
            (pl.col("decision") == "eligible").any().alias("flow|eligible"),
            ((pl.col("decision") == "protocol deviation").any()
             & (pl.col("decision") != "eligible").all()).alias("flow|deviation"),
            (pl.col("decision") == "not eligible").all().alias("flow|never"),
            pl.lit(True).alias("flow|screened"))
        joined = ids.join(per, on="patient_id", how="left")
        for c in ("flow|screened", *SCREENING):
            cols[c] = joined[c].fill_null(False)
    for flag, column in SECONDARY.items():
        if secondary.height and column in secondary.columns:
            values = ids.join(secondary.select("patient_id", column), on="patient_id",
                              how="left")[column]
            cols[flag] = values.is_not_null()
    return cols


def flow_counts(frame: pl.DataFrame, index_drug: str, k: int) -> list[dict[str, object]]:
    """The centre's flow boxes (``population_flow`` on its patients), stages with a small
    box suppressed whole."""
    n = frame.height
    treated = frame["flow|treated"] if "flow|treated" in frame.columns else pl.Series(
        [False] * n)
    outcomes = pl.DataFrame({
        "patient_id": [str(i) for i in range(n)],
        "index_date": pl.Series([dt.date(2000, 1, 1) if t else None for t in treated],
                                dtype=pl.Date),
        "excluded_reason": frame["excluded_reason"].cast(pl.String)
        if "excluded_reason" in frame.columns else pl.Series([None] * n, dtype=pl.String),
        "in_relapse_analysis": frame["in_relapse_analysis"],
        "arr_during": frame["arr_during"], "time_to_cdw_days": frame["time_to_cdw_days"]})
    screening = pl.DataFrame()
    if "flow|screened" in frame.columns:
        screened = frame.with_row_index("_i").filter(pl.col("flow|screened"))
        decision = [next((d for c, d in SCREENING.items() if r[c]), "cannot tell")
                    for r in screened.iter_rows(named=True)]
        screening = pl.DataFrame({"patient_id": [str(i) for i in screened["_i"]],
                                  "decision": pl.Series(decision, dtype=pl.String)})
    secondary = pl.DataFrame({"patient_id": outcomes["patient_id"]} | {
        column: pl.Series([1.0 if v else None for v in frame[flag]], dtype=pl.Float64)
        for flag, column in SECONDARY.items() if flag in frame.columns})
    rows = population_flow(outcomes, screening, index_drug,
                           secondary if secondary.width > 1 else None).to_dicts()
    small_stages = {r["stage"] for r in rows if small(int(r["n"]), k)}
    return [r | {"n": {"suppressed": True}} if r["stage"] in small_stages else r
            for r in rows]


def flow_rows(parts: list[list[dict[str, object]]]) -> list[dict[str, object]]:
    """The pooled flow: each box's count summed over the centres (suppressed when any
    centre suppressed it), in the first centre's order of boxes."""
    boxes: dict[tuple[object, ...], dict[str, object]] = {}
    for part in parts:
        for r in part:
            key = (r["stage"], r["box"], r["kind"], r["note"])
            row = boxes.setdefault(key, {"stage": r["stage"], "box": r["box"], "n": 0,
                                         "kind": r["kind"], "note": r["note"],
                                         "status": "exact"})
            if isinstance(r["n"], dict) or row["status"] == SUPPRESSED_TEXT:
                row |= {"n": None, "status": SUPPRESSED_TEXT}
            else:
                row["n"] = int(row["n"]) + int(r["n"])  # type: ignore[call-overload]
    return list(boxes.values())

"""The population flow (CONSORT-style; Schulz et al. 2010, adapted to a cohort as STROBE
item 13 asks, von Elm et al. 2007): screened -> eligible -> treated -> analysed per outcome,
with every exclusion and its count.

Rows (:data:`FLOW_SCHEMA`): ``stage`` (screened, eligible, treated, analysed), ``box`` (what
the count is), ``n``, ``kind`` (``included`` or ``excluded``) and ``note``. Definitions:

* **Screened**: every patient of the records.
* **Eligible**: eligible in at least one arm of the definition's ``[eligibility]``; the
  others are "not eligible" (in every arm) or "cannot tell" (missing data). The main
  analysis keeps them (they were treated); the sensitivity table has a row restricted to the
  eligible. Without ``[eligibility]`` the stage says that no criteria were given.
* **Treated**: patients with an index date (the first infusion of the index drug).
* **Analysed**, per outcome: EDSS change (baseline and follow-up EDSS), relapse rates (the
  relapse-analysis set with follow-up), time to confirmed worsening, and each secondary
  outcome with a value.
"""

from __future__ import annotations

import polars as pl

FLOW_SCHEMA = {"stage": pl.String, "box": pl.String, "n": pl.Int64, "kind": pl.String,
               "note": pl.String}


def population_flow(outcomes: pl.DataFrame, screening: pl.DataFrame, index_drug: str,
                    secondary: pl.DataFrame | None = None) -> pl.DataFrame:
    """The flow's rows (module notes)."""
    rows: list[dict[str, object]] = []

    def add(stage: str, box: str, n: int, kind: str = "included", note: str = "") -> None:
        rows.append({"stage": stage, "box": box, "n": n, "kind": kind, "note": note or None})

    add("screened", "patients in the records", outcomes.height)
    if screening.height:
        per = screening.group_by("patient_id").agg(
            (pl.col("decision") == "eligible").any().alias("eligible"),
            ((pl.col("decision") == "protocol deviation").any()
             & (pl.col("decision") != "eligible").all()).alias("deviation"),
            (pl.col("decision") == "not eligible").all().alias("never"))
        eligible = int(per["eligible"].sum())
        deviation = int(per["deviation"].sum())
        never = int(per["never"].sum())
        add("eligible", "eligible in at least one arm", eligible)
        if deviation:
            add("eligible", "declared protocol deviation", deviation, "excluded",
                "kept in the main analysis; left out in the sensitivity row 'eligible only'")
        add("eligible", "not eligible in any arm", never, "excluded",
            "kept in the main analysis; left out in the sensitivity row 'eligible only'")
        add("eligible", "cannot tell (missing data)",
            per.height - eligible - deviation - never, "excluded",
            "kept in the main analysis")
    else:
        add("eligible", "no eligibility criteria in the definition", outcomes.height)
    treated = outcomes.filter(pl.col("index_date").is_not_null())
    add("treated", f"treated with {index_drug}", treated.height)
    add("treated", "no index treatment", outcomes.height - treated.height, "excluded")
    reasons = treated["excluded_reason"].value_counts(sort=True)
    n_edss = int(treated["excluded_reason"].is_null().sum())
    add("analysed", "EDSS change", n_edss)
    for reason, n in reasons.filter(pl.col("excluded_reason").is_not_null()).iter_rows():
        add("analysed", reason, int(n), "excluded", "EDSS change")
    in_rel = treated.filter(pl.col("in_relapse_analysis").fill_null(False))
    add("analysed", "relapse rates", int(in_rel["arr_during"].is_not_null().sum()))
    add("analysed", "regular corticosteroids", treated.height - in_rel.height, "excluded",
        "relapse rates")
    add("analysed", "no follow-up time", int(in_rel["arr_during"].is_null().sum()),
        "excluded", "relapse rates")
    add("analysed", "time to confirmed worsening",
        int(treated["time_to_cdw_days"].is_not_null().sum()))
    if secondary is not None and secondary.height:
        for column, label in (("msfc_z_change", "MSFC change"), ("rnfl_um_change",
                                                                  "OCT RNFL change"),
                              ("neda3", "NEDA-3")):
            if column in secondary.columns:
                n = int(secondary[column].is_not_null().sum())
                add("analysed", label, n)
                add("analysed", f"no {label}", treated.height - n, "excluded", label)
    return pl.DataFrame([r for r in rows if r["kind"] == "included" or r["n"]],
                        schema=FLOW_SCHEMA)

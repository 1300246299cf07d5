"""Eligibility criteria evaluated for every patient at once (issue #23): each criterion of
:mod:`mscohort.derive.screening` as polars joins and group-bys over whole tables, one row per
patient, with the same status and the same evidence text as its definition there
(``docs/protocol.md``, "Eligibility screening").

Every function takes ``days``: one row per patient (``_i`` its position in the patients
table, ``patient_id``, ``day`` its screening day) and returns ``_i``, ``status`` and
``evidence`` for every patient, sorted by ``_i``. Records keep the order of their table (the
table's key order), as the evidence lists them.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import polars as pl

from mscohort.derive.ae_status import ae_status
from mscohort.vocabulary import BY_NAME

if TYPE_CHECKING:
    from mscohort.derive.screening import Criterion

RESULT_SCHEMA = {"_i": pl.UInt32, "status": pl.String, "evidence": pl.String}


def _lower_offset_days(within: float) -> int:
    """Days from the screening day back to the window's first day, as ``day -
    timedelta(days=within)`` counts them (a fractional day reaches back a whole day)."""
    return (-dt.timedelta(days=float(within))).days


def _in_window(frame: pl.DataFrame, col: str, within: float | None) -> pl.DataFrame:
    """Rows of ``frame`` (joined to ``days``) dated before the screening day, and not more
    than ``within`` days before it when given."""
    out = frame.filter(pl.col(col) < pl.col("day"))
    if within is not None:
        first = pl.col("day").dt.offset_by(f"{_lower_offset_days(within)}d")
        out = out.filter(pl.col(col) >= first)
    return out


def _per_patient(days: pl.DataFrame, agg: pl.DataFrame) -> pl.DataFrame:
    """``agg`` (``_i``, ``n``, ``items``: the records found, joined) for every patient."""
    return (days.select("_i").join(agg, on="_i", how="left")
            .with_columns(pl.col("n").fill_null(0), pl.col("items").fill_null(""))
            .sort("_i"))


def _collect(rows: pl.DataFrame, item: pl.Expr, order: str) -> pl.DataFrame:
    """Per patient: how many ``rows`` and their ``item`` text joined by ", " in ``order``."""
    return (rows.sort(order).group_by("_i", maintain_order=True)
            .agg(pl.len().alias("n"), item.alias("items"))
            .with_columns(pl.col("items").list.join(", ")))


def _met(ok: pl.Expr) -> pl.Expr:
    return pl.when(ok).then(pl.lit("met")).otherwise(pl.lit("not met"))


def _out(frame: pl.DataFrame, status: pl.Expr, evidence: pl.Expr) -> pl.DataFrame:
    return frame.select(pl.col("_i").cast(pl.UInt32), status.alias("status"),
                        evidence.alias("evidence"))


def relapses(c: Criterion, days: pl.DataFrame, tables: dict[str, pl.DataFrame]
             ) -> pl.DataFrame:
    """``relapses`` and ``relapse_on_therapy``: the relapses in the window (on a drug taken
    that day: the first treatment of the table covering the onset)."""
    rel = _in_window(tables["relapses"].select("patient_id", "onset_date")
                     .with_row_index("_r").join(days, on="patient_id"),
                     "onset_date", c.params.get("within_days"))
    item = pl.col("onset_date").cast(pl.String)
    if c.kind == "relapse_on_therapy":
        tr = tables["treatments"].select("patient_id", "drug", "start_date", "stop_date")
        on = (rel.join(tr.with_row_index("_t"), on="patient_id")
              .filter((pl.col("start_date") <= pl.col("onset_date"))
                      & (pl.col("stop_date").is_null()
                         | (pl.col("onset_date") <= pl.col("stop_date"))))
              .sort("_t").group_by("_r", maintain_order=True).agg(pl.col("drug").first()))
        rel = rel.join(on, on="_r", how="inner")
        item = pl.concat_str(item, pl.lit(" on "), pl.col("drug"))
    per = _per_patient(days, _collect(rel, item, "_r"))
    need = int(c.params.get("min_count", 1))
    evidence = pl.concat_str(pl.col("n").cast(pl.String), pl.lit(" relapse(s)"),
                             pl.when(pl.col("n") > 0).then(pl.lit(": ") + pl.col("items"))
                             .otherwise(pl.lit("")))
    return _out(per, _met(pl.col("n") >= need), evidence)


def prior_dmd(c: Criterion, days: pl.DataFrame, tables: dict[str, pl.DataFrame]
              ) -> pl.DataFrame:
    """``prior_dmd``: the distinct drugs begun before the screening day, sorted."""
    tr = (tables["treatments"].select("patient_id", "drug", "start_date")
          .join(days, on="patient_id").filter(pl.col("start_date") < pl.col("day")))
    if c.params.get("approved_only"):
        approved = [name for name, d in BY_NAME.items() if d.approved_for_ms]
        tr = tr.filter(pl.col("drug").is_in(approved))
    agg = (tr.select("_i", "drug").unique().sort("_i", "drug")
           .group_by("_i", maintain_order=True)
           .agg(pl.len().alias("n"), pl.col("drug").alias("items"))
           .with_columns(pl.col("items").list.join(", ")))
    per = _per_patient(days, agg)
    need = int(c.params.get("min_count", 1))
    evidence = (pl.when(pl.col("n") > 0).then(pl.col("items"))
                .otherwise(pl.lit("no prior drug on record")))
    return _out(per, _met(pl.col("n") >= need), evidence)


def courses_of(c: Criterion, days: pl.DataFrame, tables: dict[str, pl.DataFrame]
               ) -> pl.DataFrame:
    """``courses_of``: the courses of the drug begun before the screening day."""
    drug = str(c.params["drug"])
    starts = (tables["courses"].filter(pl.col("drug") == drug).select("patient_id", "date")
              .join(days, on="patient_id").filter(pl.col("date") < pl.col("day")))
    per = _per_patient(days, _collect(starts, pl.col("date").cast(pl.String), "date"))
    lo, hi = c.params.get("min", 0), c.params.get("max")
    ok = pl.col("n") >= lo
    if hi is not None:
        ok = ok & (pl.col("n") <= hi)
    evidence = pl.concat_str(pl.col("n").cast(pl.String), pl.lit(f" course(s) of {drug}"),
                             pl.when(pl.col("n") > 0).then(pl.lit(" begun ") + pl.col("items"))
                             .otherwise(pl.lit("")))
    return _out(per, _met(ok), evidence)


def edss_between(c: Criterion, days: pl.DataFrame, tables: dict[str, pl.DataFrame]
                 ) -> pl.DataFrame:
    """``edss_between``: the latest EDSS in the window; unknown without one."""
    e = _in_window(tables["edss"].select("patient_id", "date", "edss").with_row_index("_e")
                   .join(days, on="patient_id"), "date", c.params.get("within_days"))
    last = (e.sort("_i", "date", "_e").group_by("_i", maintain_order=True)
            .agg(pl.col("date").last(), pl.col("edss").last()))
    text = {v: f"{v:g}" for v in last["edss"].unique().to_list() if v is not None}
    per = days.select("_i").join(last, on="_i", how="left").sort("_i")
    lo, hi = float(c.params.get("min", 0)), float(c.params.get("max", 10))
    score = pl.col("edss")
    ok = ~score.is_nan() & (score >= lo) & (score <= hi)
    status = (pl.when(pl.col("date").is_null()).then(pl.lit("unknown"))
              .otherwise(_met(ok)))
    evidence = (pl.when(pl.col("date").is_null())
                .then(pl.lit("no EDSS in the window before the screening day"))
                .otherwise(pl.concat_str(
                    pl.lit("EDSS "), score.replace_strict(text, default=None,
                                                          return_dtype=pl.String),
                    pl.lit(" on "), pl.col("date").cast(pl.String))))
    return _out(per, status, evidence)


def cohort_is(c: Criterion, days: pl.DataFrame, tables: dict[str, pl.DataFrame]
              ) -> pl.DataFrame:
    """``cohort_is``: the patient's recorded cohort; unknown when not recorded."""
    cohort = pl.col("cohort")
    status = (pl.when(cohort.is_null()).then(pl.lit("unknown"))
              .otherwise(_met(cohort == str(c.params["value"]))))
    evidence = (pl.when(cohort.is_null()).then(pl.lit("cohort not recorded"))
                .otherwise(pl.lit("cohort ") + cohort))
    return _out(days, status, evidence)


def adverse_event(c: Criterion, days: pl.DataFrame, tables: dict[str, pl.DataFrame]
                  ) -> pl.DataFrame:
    """``adverse_event``: the events in the window whose category or term holds a keyword
    and whose outcome is not excluded, read under the criterion's ``status``."""
    ae_all = tables["adverse_events"]
    if ae_all.height == 0:
        return _out(days, pl.lit("unknown"), pl.lit("the study has no adverse-event records"))
    p = c.params
    words = [str(w).lower() for w in p.get("keywords", [])]
    skip = [str(o).lower() for o in p.get("outcome_not", [])]
    cols = {name: (pl.col(name) if name in ae_all.columns else pl.lit(None, pl.String))
            for name in ("category", "outcome")}
    text = pl.concat_str(cols["category"].cast(pl.String).fill_null(""), pl.lit(" "),
                         pl.col("term").cast(pl.String).fill_null("None")).str.to_lowercase()
    outcome = cols["outcome"].cast(pl.String)
    kept = pl.col("outcome").fill_null("").str.to_lowercase().is_in(skip).not_()
    ae = (_in_window(ae_all.select("patient_id", "onset_date", "term",
                                   outcome.alias("outcome"), text.alias("_text"))
                     .with_row_index("_r").join(days, on="patient_id"),
                     "onset_date", p.get("within_days"))
          .filter(_keywords(words) & kept)
          .sort("_r"))
    found: dict[int, list[dict[str, Any]]] = {}
    for r in ae.iter_rows(named=True):
        found.setdefault(r["_i"], []).append(r)
    reading = str(p.get("status", "any"))
    judged = [(i, *_status_decision(events, reading)) for i, events in found.items()]
    seen = pl.DataFrame(judged, schema={"_i": pl.UInt32, "s": pl.String, "e": pl.String},
                        orient="row")
    per = days.select("_i").join(seen, on="_i", how="left").sort("_i")
    return _out(per, pl.col("s").fill_null("not met"), pl.col("e").fill_null("none on record"))


def _keywords(words: list[str]) -> pl.Expr:
    hit = pl.lit(False)
    for w in words:
        hit = hit | pl.col("_text").str.contains(w, literal=True)
    return hit


#: per ``status`` reading: the statuses that count, and those that leave it open
_COUNTS = {"ongoing": ({"ongoing", "controlled", "uncontrolled"}, {"unknown"}),
           "uncontrolled": ({"uncontrolled"}, {"ongoing", "unknown"})}


def _status_decision(events: list[dict[str, Any]], reading: str) -> tuple[str, str]:
    """Met when an event counts under ``reading``; unknown when none does but the status of
    one does not say; else not met (the events seen, with their status, as evidence)."""
    if reading == "any":
        hits = [f"{r['term']} on {r['onset_date']}" for r in events]
        return ("met" if hits else "not met"), ("; ".join(hits) if hits else "none on record")
    counts, open_ = _COUNTS[reading]
    seen = [(ae_status(r.get("outcome")), f"{r['term']} on {r['onset_date']}")
            for r in events]
    if any(s in counts for s, _ in seen):
        return "met", "; ".join(f"{w} ({s})" for s, w in seen if s in counts)
    if any(s in open_ for s, _ in seen):
        return "unknown", "; ".join(f"{w} ({s}): whether {reading} is not recorded"
                                    for s, w in seen if s in open_)
    return "not met", "; ".join(f"{w} ({s})" for s, w in seen) if seen else "none on record"


#: the function that evaluates each kind of criterion
EVALUATE = {"relapses": relapses, "relapse_on_therapy": relapses, "prior_dmd": prior_dmd,
            "courses_of": courses_of, "edss_between": edss_between, "cohort_is": cohort_is,
            "adverse_event": adverse_event}

"""Rules that look across tables: patients, birth dates, today, relapses around EDSS."""

from __future__ import annotations

import datetime as dt

import polars as pl

from mscohort.issues import SOURCE_COLUMN, Rule, row_issues
from mscohort.schema import PRECISION_SUFFIX, TABLES

#: Minimum days between relapse onsets for them to count as separate relapses
#: (Schumacher 1965; McDonald criteria, Thompson 2018: at least 30 days apart).
RELAPSE_SEPARATION_DAYS = 30
#: Days after a relapse onset during which an EDSS may reflect the relapse, not stable
#: disability (the usual 30-day rule, e.g. Kappos 2020, Lublin 2014).
EDSS_AFTER_RELAPSE_DAYS = 30


def date_bounds(frame: pl.DataFrame, column: str) -> tuple[pl.Expr, pl.Expr]:
    """Earliest and latest day a (possibly month-precision) date column can mean."""
    col = pl.col(column)
    if column + PRECISION_SUFFIX not in frame.columns:
        return col, col
    is_month = pl.col(column + PRECISION_SUFFIX) == "month"
    earliest = pl.when(is_month).then(col.dt.month_start()).otherwise(col)
    latest = pl.when(is_month).then(col.dt.month_end()).otherwise(col)
    return earliest, latest


def unknown_patients(
    typed: pl.DataFrame, name: str, file: str, known: pl.Series
) -> list[pl.DataFrame]:
    if name == "patients":
        return []
    ids = pl.col("patient_id")
    rows = typed.filter(ids.is_not_null() & ~ids.is_in(known.implode()))
    return [row_issues(
        rows, Rule.UNKNOWN_PATIENT, file=file, column="patient_id", value=pl.col("patient_id"),
        message=pl.format("patient {} is not in patients", pl.col("patient_id")),
    )]


def dates_in_life(
    typed: pl.DataFrame, name: str, file: str, births: pl.DataFrame, as_of: dt.date
) -> list[pl.DataFrame]:
    """``before_birth`` and ``future_date`` for every date column of a table."""
    issues: list[pl.DataFrame] = []
    spec = TABLES[name]
    with_birth = typed.join(births, on="patient_id", how="left")
    for column in spec.date_columns:
        earliest, latest = date_bounds(typed, column)
        future = typed.filter(earliest > pl.lit(as_of))
        issues.append(row_issues(
            future, Rule.FUTURE_DATE, file=file, column=column, value=pl.col(column),
            message=pl.format("{} {} is after {}", pl.lit(column), pl.col(column),
                              pl.lit(as_of.isoformat())),
        ))
        if column == "birth_date":
            continue
        before = with_birth.filter(latest < pl.col("_birth_earliest"))
        issues.append(row_issues(
            before, Rule.BEFORE_BIRTH, file=file, column=column, value=pl.col(column),
            message=pl.format("{} {} is before birth ({})", pl.lit(column), pl.col(column),
                              pl.col("_birth_earliest")),
        ))
    return issues


def _days(n: pl.Expr) -> pl.Expr:
    """"1 day", "0 days", "12 days"."""
    return pl.format("{} {}", n, pl.when(n == 1).then(pl.lit("day")).otherwise(pl.lit("days")))


def relapse_spacing(relapses: pl.DataFrame, file: str) -> list[pl.DataFrame]:
    """``relapses_too_close``: onsets less than 30 days after the previous onset."""
    ordered = relapses.filter(pl.col("onset_date").is_not_null()).sort(["patient_id",
                                                                         "onset_date"])
    ordered = ordered.with_columns(
        pl.col("onset_date").shift(1).over("patient_id").alias("_prev"),
        pl.col("_row").shift(1).over("patient_id").alias("_prev_row"),
    ).with_columns((pl.col("onset_date") - pl.col("_prev")).dt.total_days().alias("_gap"))
    rows = ordered.filter((pl.col("_gap") > 0) & (pl.col("_gap") < RELAPSE_SEPARATION_DAYS))
    return [row_issues(
        rows, Rule.RELAPSES_TOO_CLOSE, file=file, column="onset_date", value=pl.col("onset_date"),
        message=pl.format("relapse onset {} is {} after the onset at row {} ({})",
                          pl.col("onset_date"), _days(pl.col("_gap")), pl.col("_prev_row"),
                          pl.col("_prev")),
    )]


def edss_after_relapse(edss: pl.DataFrame, relapses: pl.DataFrame, file: str) -> list[
        pl.DataFrame]:
    """``edss_during_relapse``: an EDSS within 30 days after a relapse onset."""
    # only the columns the issue needs (the frames are sorted by day and patient below)
    used = [c for c in ("patient_id", "date", "_row", SOURCE_COLUMN + "date")
            if c in edss.columns]
    left = edss.select(used).filter(pl.col("date").is_not_null()
                                    & pl.col("patient_id").is_not_null())
    right = (
        relapses.filter(pl.col("onset_date").is_not_null() & pl.col("patient_id").is_not_null())
        .select("patient_id", pl.col("onset_date").alias("_relapse"))
    )
    if left.height == 0 or right.height == 0:
        return []
    # One as-of join over (patient, day) packed in one number (patient number * 2^23 + day,
    # days offset so that any year 0001-9999 fits in 23 bits) instead of a join by patient:
    # the latest onset on or before an EDSS date of the same patient, as ``by=patient_id``
    # finds it, and many times faster. A match of another patient is no match.
    codes = (pl.concat([left["patient_id"], right["patient_id"]]).unique().to_frame()
             .with_row_index("_pid"))

    def packed(day: str) -> pl.Expr:
        return (pl.col("_pid").cast(pl.Int64) * 2**23
                + pl.col(day).cast(pl.Int32).cast(pl.Int64) + 2**22).alias("_at")

    left = left.join(codes, on="patient_id").with_columns(packed("date")).sort("_at")
    right = (right.join(codes, on="patient_id").with_columns(packed("_relapse"))
             .select("_at", pl.col("_pid").alias("_relapse_pid"), "_relapse").sort("_at"))
    joined = left.join_asof(right, on="_at", strategy="backward", check_sortedness=False)
    joined = joined.with_columns(
        pl.when(pl.col("_relapse_pid") == pl.col("_pid")).then(pl.col("_relapse"))
        .alias("_relapse")).drop("_pid", "_relapse_pid", "_at").with_columns(
        (pl.col("date") - pl.col("_relapse")).dt.total_days().alias("_days"))
    rows = joined.filter(pl.col("_days") < EDSS_AFTER_RELAPSE_DAYS).sort("_row")
    return [row_issues(
        rows, Rule.EDSS_DURING_RELAPSE, file=file, column="date", value=pl.col("date"),
        message=pl.format("EDSS on {} is {} after the relapse onset of {}", pl.col("date"),
                          _days(pl.col("_days")), pl.col("_relapse")),
    )]


def onset_after_first_edss(
    patients: pl.DataFrame, edss: pl.DataFrame, file: str
) -> list[pl.DataFrame]:
    """``onset_after_first_edss``: disease onset later than the first EDSS assessment."""
    first = edss.group_by("patient_id").agg(pl.col("date").min().alias("_first_edss"))
    earliest, _ = date_bounds(patients, "onset_date")
    rows = patients.join(first, on="patient_id", how="inner").filter(
        earliest > pl.col("_first_edss")
    )
    return [row_issues(
        rows, Rule.ONSET_AFTER_FIRST_EDSS, file=file, column="onset_date",
        value=pl.col("onset_date"),
        message=pl.format("onset {} is after the first EDSS assessment ({})",
                          pl.col("onset_date"), pl.col("_first_edss")),
    )]

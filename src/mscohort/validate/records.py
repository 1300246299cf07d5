"""Rules on records within one table: repeated keys and date order."""

from __future__ import annotations

import polars as pl

from mscohort.issues import Rule, row_issues
from mscohort.schema import Table

#: End date columns that must not precede their start, per table.
DATE_ORDER: dict[str, tuple[str, str]] = {
    "treatments": ("start_date", "stop_date"),
    "relapses": ("onset_date", "end_date"),
}


def _key_text(key: tuple[str, ...]) -> pl.Expr:
    return pl.concat_str([pl.col(k).cast(pl.String) for k in key], separator=" / ")


def repeated_keys(
    typed: pl.DataFrame, spec: Table, file: str
) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """Issues for rows that repeat a key; returns the frame without exact repeats.

    * ``patients``: any repeated patient_id is ``duplicate_patient``.
    * Other tables: a row equal to an earlier one in every column is ``duplicate_row``
      (a warning; the record is stored once); a row sharing the key but differing
      elsewhere is ``conflicting_record`` (e.g. two EDSS values on one day).
    """
    key = list(spec.key)
    cols = list(spec.stored_columns)
    # rows are told apart by position, not by ``_row``: one row of a wide sheet gives
    # several records, which all carry that row's number
    typed = typed.with_row_index("_ord")
    # a key with an empty part repeats nothing; a complete key never equals one with an
    # empty part, so its repeats are found over every row (no copy of the complete rows)
    complete = pl.all_horizontal(pl.col(k).is_not_null() for k in key)
    dup_key = typed.filter(complete & pl.struct(key).is_duplicated())
    if dup_key.height == 0:
        return typed.drop("_ord"), []
    first = dup_key.group_by(key, maintain_order=True).agg(
        pl.col("_ord").min().alias("_first_ord"),
        pl.col("_row").sort_by("_ord").first().alias("_first"))
    dup_key = dup_key.join(first, on=key, how="left", nulls_equal=True)
    later = dup_key.filter(pl.col("_ord") != pl.col("_first_ord"))
    where = pl.format("{}", _key_text(tuple(key)))
    if spec.name == "patients":
        issue = row_issues(
            later, Rule.DUPLICATE_PATIENT, file=file, column="patient_id",
            value=pl.col("patient_id"),
            message=pl.format("patient_id {} already appears at row {}",
                              pl.col("patient_id"), pl.col("_first")),
        )
        return typed.drop("_ord"), [issue]
    first_value = dup_key.filter(pl.col("_ord") == pl.col("_first_ord")).select(
        *key, pl.struct(cols).alias("_first_value")
    )
    later = later.join(first_value, on=key, how="left", nulls_equal=True).with_columns(
        pl.struct(cols).eq_missing(pl.col("_first_value")).alias("_same")
    )
    value_cols = [c for c in cols if c not in key]
    differs = pl.concat_str(
        [
            pl.when(~pl.col(c).eq_missing(pl.col("_first_value").struct.field(c)))
            .then(pl.lit(c))
            for c in value_cols
        ],
        separator=", ",
        ignore_nulls=True,
    )
    differing_values = pl.concat_str(
        [
            pl.when(~pl.col(c).eq_missing(pl.col("_first_value").struct.field(c)))
            .then(pl.col(c).cast(pl.String).fill_null("empty"))
            for c in value_cols
        ],
        separator=", ",
        ignore_nulls=True,
    )
    conflict = later.filter(~pl.col("_same")).with_columns(
        differs.alias("_differs"), differing_values.alias("_values")
    )
    repeat = later.filter(pl.col("_same"))
    issues = [
        row_issues(
            conflict, Rule.CONFLICTING_RECORD, file=file, column=pl.col("_differs"),
            value=pl.col("_values"),
            message=pl.format("row has the same {} ({}) as row {} but a different {}",
                              pl.lit(" and ".join(key)), where, pl.col("_first"),
                              pl.col("_differs")),
        ),
        row_issues(
            repeat, Rule.DUPLICATE_ROW, file=file, column=None, value=where,
            message=pl.format("row repeats row {} exactly; stored once", pl.col("_first")),
        ),
    ]
    keep = typed.join(repeat.select("_ord"), on="_ord", how="anti").drop("_ord")
    return keep, issues


def date_order(typed: pl.DataFrame, spec: Table, file: str) -> list[pl.DataFrame]:
    """``stop_before_start``: an end or stop date before its start date."""
    if spec.name not in DATE_ORDER:
        return []
    start, stop = DATE_ORDER[spec.name]
    rows = typed.filter(pl.col(stop) < pl.col(start))
    return [row_issues(
        rows, Rule.STOP_BEFORE_START, file=file, column=stop,
        value=pl.col(stop),
        message=pl.format("{} {} is before {} {}", pl.lit(stop), pl.col(stop), pl.lit(start),
                          pl.col(start)),
    )]

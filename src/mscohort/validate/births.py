"""Stored records against a corrected birth date.

A correction of a patient's birth date (a re-import accepted with a reason, or the edit of
one record in the web app) is validated like any imported row, and so are the other rows
the import brings. The records already stored are not in the import, yet the new birth
date applies to them too: :func:`corrected_birth_issues` checks them. Every stored date
that the new birth date would put before birth is a ``before_birth`` error (the rule of
:func:`mscohort.validate.relations.dates_in_life`: the latest day a date can mean is before
the earliest day the birth date can mean); two or more of one patient collapse into one
error on the corrected birth date (:mod:`mscohort.validate.causes`). A correction that would
make stored records invalid is thus refused with the usual issues, and nothing is stored.
"""

from __future__ import annotations

import polars as pl

from mscohort.issues import Rule, row_issues
from mscohort.schema import PRECISION_SUFFIX, TABLES
from mscohort.study import Study
from mscohort.validate.causes import root_causes
from mscohort.validate.relations import date_bounds

BIRTH_COLUMNS = ("birth_date", "birth_date" + PRECISION_SUFFIX)


def changed_births(stored_patients: pl.DataFrame, new_patients: pl.DataFrame) -> list[str]:
    """The patients whose birth date (or its precision) ``new_patients`` changes."""
    cols = ["patient_id", *BIRTH_COLUMNS]
    joined = new_patients.select(cols).join(stored_patients.select(cols), on="patient_id",
                                            suffix="_stored")
    differ = pl.any_horizontal([pl.col(c).ne_missing(pl.col(c + "_stored"))
                                for c in BIRTH_COLUMNS])
    return sorted(joined.filter(differ)["patient_id"].unique().to_list())


def corrected_birth_issues(stored: Study, study: Study) -> list[pl.DataFrame]:
    """``before_birth`` errors of stored records under the birth dates ``study`` corrects.

    Parameters
    ----------
    stored
        The current stored records (every table) of at least the patients whose birth date
        ``study`` changes.
    study
        The import, as validated (with its ``_file`` and ``_row`` lineage). Its own rows
        replace the stored records with the same key and are checked by
        :func:`mscohort.validate.check_study`, so they are left out here.

    Returns
    -------
    Issue tables: one error per stored date before the new birth date, or one per patient
    on the patients row of the import when two or more of its dates are (module notes).
    """
    new_patients = study.lineage("patients")
    ids = changed_births(stored.table("patients"), new_patients)
    if not ids:
        return []
    people = new_patients.filter(pl.col("patient_id").is_in(ids))
    earliest, _ = date_bounds(people, "birth_date")
    births = people.group_by("patient_id").agg(earliest.min().alias("_birth_earliest"))
    issues: list[pl.DataFrame] = []
    for name, spec in TABLES.items():
        if name == "patients":
            continue
        rows = (stored.table(name).filter(pl.col("patient_id").is_in(ids))
                .join(study.table(name).select(spec.key), on=list(spec.key), how="anti"))
        if rows.height == 0:
            continue
        record = pl.concat_str([pl.col(k).cast(pl.String) for k in spec.key], separator=" / ",
                               ignore_nulls=True)
        rows = rows.join(births, on="patient_id").with_columns(
            pl.lit(None, pl.Int64).alias("_row"), record.alias("_record"))
        for column in spec.date_columns:
            _, latest = date_bounds(rows, column)
            before = rows.filter(latest < pl.col("_birth_earliest"))
            issues.append(row_issues(
                before, Rule.BEFORE_BIRTH, file=f"{name} (stored)", column=column,
                value=pl.col(column),
                message=pl.format("the stored {} record {}: {} {} is before the corrected "
                                  "birth date ({})", pl.lit(name), pl.col("_record"),
                                  pl.lit(column), pl.col(column), pl.col("_birth_earliest"))))
    issues = [f for f in issues if f.height]
    if not issues:
        return []
    return [root_causes(issues, patients_unreadable=None, patients=people)]

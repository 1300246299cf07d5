"""Follow-on issues collapsed under their root cause, so a report points at what to fix.

One mistake can break many rows; listing every broken row hides the mistake. Three causes
are recognised, each reported once with the count and the rows it explains:

* **No readable patients table** (unreadable, missing, or without ``patient_id``): every
  record of the other tables would be ``unknown_patient``. Those issues are left out and
  the root error says how many rows wait for it.
* **A wrong birth date**: when two or more dates of one patient fall before the birth
  date, the birth date is the likely mistake: one ``before_birth`` error on the patient's
  row of the patients table, "31 dates of this patient fall before it", naming the files
  and rows. A single date before birth stays a row issue (that date may be the mistake).
* **An unknown patient id**: the rows of one unknown ``patient_id`` are one
  ``unknown_patient`` error naming them (an id missing from patients, or mistyped).
"""

from __future__ import annotations

import polars as pl

from mscohort.issues import ISSUE_SCHEMA, Rule, Severity
from mscohort.schema import PRECISION_SUFFIX

#: Rows named in a collapsed issue's message, per file; more are counted.
ROWS_SHOWN = 8
FILE_RULES = (Rule.UNREADABLE_FILE, Rule.MISSING_FILE, Rule.AMBIGUOUS_FILE,
              Rule.MISSING_COLUMN)
COLUMNS = (*ISSUE_SCHEMA, "fix")


def _normalise(frames: list[pl.DataFrame]) -> pl.DataFrame:
    frames = [f if "fix" in f.columns else f.with_columns(pl.lit(None, pl.String).alias("fix"))
              for f in frames]
    if not frames:
        return pl.DataFrame(schema=ISSUE_SCHEMA | {"fix": pl.String()})
    return pl.concat([f.select(COLUMNS) for f in frames], how="vertical")


def rows_text(part: pl.DataFrame) -> str:
    """``edss.csv rows 2, 3, 4 and 28 more; relapses.csv row 7`` for issues ``part``."""
    texts = []
    for (file,), rows in part.sort("file", "row").group_by("file", maintain_order=True):
        numbers = [str(r) for r in rows["row"].drop_nulls().to_list()]
        if not numbers:  # stored records (validate/births.py): no file row to name
            texts.append(f"{file}: {rows.height} record{'s' * (rows.height != 1)}")
            continue
        shown = ", ".join(numbers[:ROWS_SHOWN])
        more = f" and {len(numbers) - ROWS_SHOWN} more" if len(numbers) > ROWS_SHOWN else ""
        texts.append(f"{file} row{'s' * (len(numbers) != 1)} {shown}{more}")
    return "; ".join(texts)


def root_causes(frames: list[pl.DataFrame], *, patients_unreadable: str | None,
                patients: pl.DataFrame | None) -> pl.DataFrame:
    """The issues of ``frames`` with follow-on issues collapsed (see the module notes).

    Parameters
    ----------
    frames
        Every issue found (issue tables, with or without a ``fix`` column).
    patients_unreadable
        The file label of the patients table when it could not be read or lacks
        ``patient_id`` ("" when its file is missing); None when patients were read.
    patients
        The typed patients table of this import (``patient_id``, ``birth_date``, ``_file``,
        ``_row``), to place a birth-date error on its row.
    """
    issues = _normalise(frames)
    issues = _unknown_patients(issues, patients_unreadable)
    return _before_birth(issues, patients)


def _unknown_patients(issues: pl.DataFrame, patients_unreadable: str | None) -> pl.DataFrame:
    rule = pl.col("rule") == str(Rule.UNKNOWN_PATIENT)
    follow = issues.filter(rule)
    if follow.height == 0:
        return issues
    rest = issues.filter(~rule)
    if patients_unreadable is not None:
        roots = rest.filter(pl.col("rule").is_in([str(r) for r in FILE_RULES])
                            & (pl.col("severity") == str(Severity.ERROR)))
        on_patients = roots.filter((pl.col("file") == patients_unreadable)
                                   | pl.col("file").str.starts_with("patients"))
        target = on_patients if on_patients.height else roots
        if target.height:
            note = (f"; until it is read, {follow.height} rows of "
                    f"{', '.join(sorted(set(follow['file'])))} cannot be matched to a patient "
                    "(not listed as unknown_patient)")
            first = target.row(0, named=True)
            hit = ((pl.col("file") == first["file"]) & (pl.col("rule") == first["rule"])
                   & pl.col("column").eq_missing(first["column"]))
            return rest.with_columns(
                pl.when(hit).then(pl.col("message") + pl.lit(note)).otherwise("message")
                .alias("message"))
    collapsed = []
    for (pid,), part in follow.group_by("patient_id", maintain_order=True):
        if part.height == 1:
            collapsed.append(part)
            continue
        first = part.sort("file", "row").row(0, named=True)
        collapsed.append(pl.DataFrame([first | {
            "message": f"patient {pid} is not in patients: {part.height} rows name it "
                       f"({rows_text(part)})"}], schema=issues.schema))
    return pl.concat([rest, *collapsed])


def _before_birth(issues: pl.DataFrame, patients: pl.DataFrame | None) -> pl.DataFrame:
    rule = pl.col("rule") == str(Rule.BEFORE_BIRTH)
    follow = issues.filter(rule)
    if follow.height < 2:
        return issues
    out = [issues.filter(~rule)]
    for (pid,), part in follow.group_by("patient_id", maintain_order=True):
        if part.height == 1:
            out.append(part)
            continue
        row = None
        if patients is not None and pid is not None:
            match = patients.filter(pl.col("patient_id") == pid)
            if match.height:
                row = match.row(0, named=True)
        birth = (row["birth_date"] if row is not None else None)
        birth_text = (str(birth)[:7] if row is not None and row.get(
            "birth_date" + PRECISION_SUFFIX) == "month" else str(birth)) if birth else None
        out.append(pl.DataFrame([{
            "file": row["_file"] if row is not None else "patients (stored)",
            "row": row["_row"] if row is not None else None,
            "patient_id": pid, "column": "birth_date", "rule": str(Rule.BEFORE_BIRTH),
            "value": birth_text, "severity": str(Severity.ERROR),
            "message": f"{part.height} dates of this patient fall before the birth date"
                       + (f" {birth_text}" if birth_text else "") + f" ({rows_text(part)})",
            "fix": "check the birth date first: one wrong birth date explains all these "
                   "dates (if it is right, correct each date)",
        }], schema=issues.schema))
    return pl.concat(out)

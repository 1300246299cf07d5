"""The protocol tables of the pooled report as counts, federated: eligibility screening by
arm and decision (:func:`mscohort.report.tables.screening_table`'s counts), adverse events
of special interest by period since the course they followed, with their patients
(``aesi_report_table``), and infusion courses by regimen and course number with the
courses off the regimen (``course_table``).

At extraction the centre adds per-patient counts to its analysis frame (no id, no date):
``cat|screening|<arm>|<decision>`` (1 when the patient's decision in the arm is that one),
``cat|aesi|<event group>|<period>`` (the patient's events of the group in the period),
``cat|courses|<regimen>#<course>|n`` and ``...|off`` (the patient's courses of that
regimen and number, and those with a deviation) and ``cx|<regimen>#<course>`` (the
regimen's expected course, text of the regimen file).

Disclosure: an arm's decisions complement each other (they sum to the patients screened
in the arm), so a centre with any of them at 1 to ``min_cell_size`` - 1 suppresses the
arm's row; an event group with 1 to 4 patients at a centre is suppressed (events of a rare
adverse event identify patients); a course row with 1 to 4 courses or courses off the
regimen is suppressed. A pooled row built on a suppressed one is suppressed.
"""

from __future__ import annotations

import polars as pl

from mscohort.derive.safety import AESI_PERIODS
from mscohort_federated.combine import SUPPRESSED_TEXT
from mscohort_federated.disclosure import SUPPRESSED, is_suppressed, small

DECISIONS = ("eligible", "protocol deviation", "not eligible", "cannot tell")


def protocol_columns(outcomes: pl.DataFrame, screening: pl.DataFrame, aesi: pl.DataFrame,
                     courses: pl.DataFrame) -> dict[str, pl.Series]:
    """The per-patient columns of the module notes, in the order of ``outcomes``."""
    ids = outcomes.select("patient_id")
    cols: dict[str, pl.Series] = {}

    def per_patient(frame: pl.DataFrame, name: str) -> pl.Series:
        got = ids.join(frame.group_by("patient_id").agg(pl.len().alias("_n")),
                       on="patient_id", how="left")["_n"]
        return got.fill_null(0).cast(pl.Float64).alias(name)

    if screening.height:
        for arm in screening["arm"].unique(maintain_order=True).to_list():
            for d in DECISIONS:
                part = screening.filter((pl.col("arm") == arm) & (pl.col("decision") == d))
                cols[f"cat|screening|{arm}|{d}"] = per_patient(part, "")
    if aesi.height:
        for group in aesi["aesi"].unique(maintain_order=True).to_list():
            for period in AESI_PERIODS:
                part = aesi.filter((pl.col("aesi") == group) & (pl.col("period") == period))
                cols[f"cat|aesi|{group}|{period}"] = per_patient(part, "")
    if courses.height:
        for (regimen, course), part in courses.group_by("regimen", "course",
                                                         maintain_order=True):
            key = f"{regimen}#{course}"
            cols[f"cat|courses|{key}|n"] = per_patient(part, "")
            cols[f"cat|courses|{key}|off"] = per_patient(
                part.filter(pl.col("n_deviations") > 0), "")
            cols[f"cx|{key}"] = pl.Series([str(part["expected"][0])] * outcomes.height,
                                          dtype=pl.String)
    return {name: s.alias(name) for name, s in cols.items()}


def protocol_counts(frame: pl.DataFrame, k: int) -> dict[str, dict[str, object]]:
    """The centre's rows per table (module notes): ``{table: {key: cells or suppressed}}``."""
    cells: dict[str, dict[str, dict[str, float]]] = {}
    patients: dict[tuple[str, str], pl.Series] = {}
    for c in frame.columns:
        if not c.startswith("cat|"):
            continue
        _, table, key, sub = c.split("|", 3)
        cells.setdefault(table, {}).setdefault(key, {})[sub] = float(frame[c].sum())
        seen = frame[c] > 0
        patients[(table, key)] = patients.get((table, key), seen) | seen
    out: dict[str, dict[str, object]] = {}
    for table, rows in cells.items():
        out[table] = {}
        for key, row in rows.items():
            n_patients = int(patients[(table, key)].sum())
            counts = [int(v) for v in row.values()]
            hidden = (any(small(v, k) for v in counts) if table in ("screening", "courses")
                      else small(n_patients, k))
            row_out: dict[str, object] = {s: int(v) for s, v in row.items()}
            if table == "aesi":
                row_out["patients"] = n_patients
            if table == "courses" and f"cx|{key}" in frame.columns and frame.height:
                row_out["expected"] = str(frame[f"cx|{key}"][0])
            out[table][key] = dict(SUPPRESSED) if hidden else row_out
    return out


def protocol_rows(parts: list[dict[str, dict[str, object]]]) -> dict[str, list[dict[str, object]]]:
    """The pooled ``screening_counts``, ``aesi_counts`` and ``course_counts`` (the columns
    of the pooled report's tables, and ``status``)."""
    out: dict[str, list[dict[str, object]]] = {}
    names = {"screening": "screening_counts", "aesi": "aesi_counts", "courses": "course_counts"}
    for table, name in names.items():
        keys = list(dict.fromkeys(key for p in parts for key in p.get(table, {})))
        if table == "courses":
            keys.sort(key=lambda s: (s.rsplit("#", 1)[0], int(s.rsplit("#", 1)[1])))
        rows = []
        for key in keys:
            got = [p.get(table, {}).get(key) for p in parts]
            head = _head(table, key)
            present = [g for g in got if g is not None]
            if any(is_suppressed(g) for g in present):
                rows.append(head | {"status": SUPPRESSED_TEXT})
                continue
            subs = list(dict.fromkeys(s for g in present for s in g if s != "expected"))  # type: ignore[union-attr]
            row = head | {s: sum(int(g.get(s, 0)) for g in present) for s in subs}  # type: ignore[union-attr]
            if table == "courses":
                row["expected"] = next(str(g["expected"]) for g in present)  # type: ignore[index]
            if table == "aesi":
                row["events"] = sum(int(row.get(p, 0)) for p in AESI_PERIODS)  # type: ignore[call-overload]
            rows.append(row | {"status": "exact"})
        out[name] = rows
    return out


def _head(table: str, key: str) -> dict[str, object]:
    if table == "screening":
        return {"arm": key}
    if table == "aesi":
        return {"aesi": key}
    regimen, course = key.rsplit("#", 1)
    return {"regimen": regimen, "course": int(course)}

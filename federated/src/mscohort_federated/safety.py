"""The safety monitoring table and the retreatment rule of the pooled report, federated:
patients per panel and monitoring status, the median days overdue and the baseline tests
done (:func:`mscohort.report.tables.safety_table`, from the schedule of
:func:`mscohort.derive.safety.safety_schedule`), and the treated patients who meet the
as-needed retreatment rule (:func:`mscohort.derive.retreatment.retreatment`), both judged
on the data cut (:mod:`mscohort_federated.timepoints`: the task's, else each centre's own
latest record, as the adverse events of the protocol tables).

At extraction the centre adds per patient (no id, no date): per monitoring panel
``sfs|<panel>`` (the status: up to date, due, overdue or completed; empty when not
treated), ``sf|<panel>|overdue`` (days overdue when overdue) and ``sf|<panel>|baseline``
(1 when a baseline test was done, else 0); and ``rt|status``, the retreatment rule's
outcome in three words (:data:`RETREATMENT`) from the pooled analysis' own rows
(``meets_rule`` and ``relapses_since``), not its reason text, which holds dates.

What leaves a centre, per panel: the treated patients, the patients per status and those
with a baseline test; the retreatment rule's treated patients per outcome. The median days
overdue is found exactly by bisection over count queries of ``sf|<panel>|overdue``
(:mod:`mscohort_federated.bisection`), asked only for a panel whose statuses no centre
suppressed.

Disclosure: a panel's statuses add up to its patients, and so do the retreatment rule's
outcomes, so a centre with any of them at 1 to ``min_cell_size`` - 1 suppresses them all
(the panel's or the rule's row); the baseline tests done and not done likewise. A panel
with 1 to ``min_cell_size`` - 1 treated patients at a centre is suppressed whole. A pooled
cell built on a suppressed one is suppressed.
"""

from __future__ import annotations

import polars as pl

from mscohort.derive.retreatment import RetreatmentRule
from mscohort.report.tables import STATUSES
from mscohort_federated.combine import SUPPRESSED_TEXT
from mscohort_federated.disclosure import SUPPRESSED, is_suppressed, small

#: The retreatment rule's outcomes: the rule is met; a relapse since the last infusion but
#: too few days since it; no relapse on record since it (MRI not assessed).
RETREATMENT = ("meets the rule", "relapse, too early", "no relapse on record")
RETREATMENT_COLUMN = "rt|status"
#: The rule ``mscohort analyse`` judges (:func:`mscohort.analyse.protocol.retreatment_check`'s
#: default: at least 365 days since the last infusion).
RULE = RetreatmentRule()


def safety_columns(outcomes: pl.DataFrame, schedule: pl.DataFrame, retreatment: pl.DataFrame
                   ) -> dict[str, pl.Series]:
    """The per-patient columns of the module notes, in the order of ``outcomes``
    (``schedule``: one row per treated patient and panel; ``retreatment``: one row per
    treated patient)."""
    ids = outcomes.select("patient_id")
    cols: dict[str, pl.Series] = {}
    for (panel,), part in schedule.group_by("panel", maintain_order=True):
        got = ids.join(part.select(
            "patient_id", "status", pl.col("days_overdue").cast(pl.Float64),
            pl.col("baseline_test").is_not_null().cast(pl.Float64).alias("baseline")),
            on="patient_id", how="left", maintain_order="left")  # untreated: empty
        cols[f"sfs|{panel}"] = got["status"].cast(pl.String)
        cols[f"sf|{panel}|overdue"] = got["days_overdue"]
        cols[f"sf|{panel}|baseline"] = got["baseline"]
    if retreatment.height:
        outcome = (pl.when(pl.col("meets_rule")).then(pl.lit(RETREATMENT[0]))
                   .when(pl.col("relapses_since") > 0).then(pl.lit(RETREATMENT[1]))
                   .otherwise(pl.lit(RETREATMENT[2])))
        got = ids.join(retreatment.select("patient_id", outcome.alias("outcome")),
                       on="patient_id", how="left", maintain_order="left")
        cols[RETREATMENT_COLUMN] = got["outcome"].cast(pl.String)
    return {name: s.alias(name) for name, s in cols.items()}


def _panels(frame: pl.DataFrame) -> list[str]:
    return [c.removeprefix("sfs|") for c in frame.columns if c.startswith("sfs|")]


def _block(counts: dict[str, int], k: int) -> object:
    """Counts that add up to each other: all of them, or suppressed when any is small."""
    return dict(SUPPRESSED) if any(small(v, k) for v in counts.values()) else counts


def safety_counts(frame: pl.DataFrame, k: int) -> dict[str, object]:
    """The centre's aggregates of the module notes."""
    panels: dict[str, object] = {}
    for panel in _panels(frame):
        status = frame[f"sfs|{panel}"].drop_nulls()
        n = status.len()
        if small(n, k):
            panels[panel] = dict(SUPPRESSED)
            continue
        base = int(frame[f"sf|{panel}|baseline"].drop_nulls().sum())
        panels[panel] = {"n": n,
                         "statuses": _block({s: int((status == s).sum()) for s in STATUSES}, k),
                         "baseline": _block({"done": base, "not done": n - base}, k)}
    out: dict[str, object] = {"panels": panels}
    if RETREATMENT_COLUMN in frame.columns:
        rule = frame[RETREATMENT_COLUMN].drop_nulls()
        out["retreatment"] = _block({r: int((rule == r).sum()) for r in RETREATMENT}, k)
    return out


def overdue_targets(parts: list[dict[str, object]]) -> list[dict[str, object]]:
    """The count-query targets of the median days overdue: each panel whose statuses every
    centre released, with patients overdue."""
    out = []
    for panel in _panel_names(parts):
        cells = [p["panels"].get(panel) for p in parts]  # type: ignore[attr-defined]
        present = [c for c in cells if c is not None]
        if any(is_suppressed(c) or is_suppressed(c.get("statuses")) for c in present):  # type: ignore[union-attr]
            continue
        if sum(int(c["statuses"]["overdue"]) for c in present if c["n"]):  # type: ignore[index]
            out.append({"split": "every patient", "group": panel,
                        "column": f"sf|{panel}|overdue"})
    return out


def _panel_names(parts: list[dict[str, object]]) -> list[str]:
    return list(dict.fromkeys(panel for p in parts for panel in p["panels"]))  # type: ignore[attr-defined]


def safety_rows(parts: list[dict[str, object]], medians: dict[str, dict[str, object]]
                ) -> list[dict[str, object]]:
    """The pooled ``safety``: per panel its treated patients, the patients per status, the
    median days overdue (``medians``: by panel, from the bisection) and the baseline tests
    done, with ``status``."""
    rows: list[dict[str, object]] = []
    for panel in _panel_names(parts):
        present = [c for c in (p["panels"].get(panel) for p in parts) if c is not None]  # type: ignore[attr-defined]
        if any(is_suppressed(c) for c in present):
            rows.append({"panel": panel, "status": SUPPRESSED_TEXT})
            continue
        live = [c for c in present if c["n"]]  # type: ignore[index]
        row: dict[str, object] = {"panel": panel, "patients": sum(int(c["n"]) for c in live)}  # type: ignore[index]
        hidden = []
        if any(is_suppressed(c["statuses"]) for c in live):  # type: ignore[index]
            hidden.append("statuses")
        else:
            row |= {s: sum(int(c["statuses"][s]) for c in live) for s in STATUSES}  # type: ignore[index]
            row["median_days_overdue"] = (medians.get(panel, {}).get("median")
                                          if row["overdue"] else None)
        if any(is_suppressed(c["baseline"]) for c in live):  # type: ignore[index]
            hidden.append("baseline tests")
        else:
            row["baseline_done"] = sum(int(c["baseline"]["done"]) for c in live)  # type: ignore[index]
        rows.append(row | {"status": "exact" if not hidden else
                           f"exact ({' and '.join(hidden)} suppressed)"})
    return rows


def retreatment_rows(parts: list[dict[str, object]],
                     rule: RetreatmentRule = RULE) -> list[dict[str, object]]:
    """The pooled ``retreatment``: the treated patients and how many meet the rule, had a
    relapse too early, or none on record (one row; none without treated patients)."""
    cells = [p["retreatment"] for p in parts if "retreatment" in p]
    if not cells:
        return []
    head = {"rule": rule.describe()}
    if any(is_suppressed(c) for c in cells):
        return [head | {"status": SUPPRESSED_TEXT}]
    counts = {r: sum(int(c[r]) for c in cells) for r in RETREATMENT}  # type: ignore[index]
    return [head | {"treated": sum(counts.values())} | counts | {"status": "exact"}]

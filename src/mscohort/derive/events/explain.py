"""Explain one patient's events: visits, relapses, every baseline move and confirmation."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import polars as pl

from mscohort.derive.events import primitives as K
from mscohort.derive.events.detect import prepare, relapse_cut, run_scan
from mscohort.errors import bad_argument

if TYPE_CHECKING:
    from mscohort.derive.events.result import EventResult

_TYPES = {K.CDI: "CDI", K.CDW: "CDW (undefined)", K.RAW: "CDW (RAW)", K.PIRA: "CDW (PIRA)"}


def explain_patient(result: EventResult, patient_id: str) -> str:
    """Readable account of how the scan went for ``patient_id``."""
    visits = result.visits.filter(pl.col("patient_id").cast(pl.String) == str(patient_id))
    if visits.height == 0:
        raise bad_argument("patient_id", "a patient of the analysed visits", patient_id)
    rel = None
    if result.relapses is not None:
        rel = result.relapses.filter(pl.col("patient_id").cast(pl.String) == str(patient_id))
    s = result.settings
    prep = prepare(visits, rel, result.value, relapse_cut(s, s.relapse_to_bl),
                   end_dates=s.relapse_end_dates)
    raw = run_scan(prep, result.settings, trace_rows=10_000)
    trace = raw[6]
    t, x = prep.days, prep.values

    def day(i: int) -> str:
        return (dt.date(1970, 1, 1) + dt.timedelta(days=int(t[i]))).isoformat()

    def visit(i: int) -> str:
        return f"{day(i)} ({result.value.upper()} {x[i]:g})"

    rdays = [(dt.date(1970, 1, 1) + dt.timedelta(days=int(d))).isoformat() for d in prep.rdays]
    lines = [
        f"Patient {patient_id}: {t.size} assessments, {len(rdays)} relapses; settings: "
        f"{result.settings.name}",
        "  assessments: " + ", ".join(f"{day(i)} {x[i]:g}" for i in range(t.size)),
        "  relapses: " + (", ".join(rdays) if rdays else "none"),
    ]
    last_bl = -1
    for code, a, b in trace:
        if code == K.TR_BASELINE:
            if a != last_bl:
                lines.append(f"  reference: {visit(a)}")
                last_bl = a
        elif code == K.TR_BL_RELAPSE:
            lines.append(f"  {visit(a)} is too close to a relapse to be the reference: "
                         "move to the next assessment")
        elif code == K.TR_BL_EXTREMUM:
            lines.append(f"  {visit(a)} is a local extremum: not used as reference")
        elif code == K.TR_CHANGE:
            lines.append(f"  change at {visit(a)} from the reference {visit(b)}")
        elif code == K.TR_CROSSED_RELAPSE:
            lines.append(f"  change at {visit(a)} comes after a relapse: re-baseline after it")
        elif code in (K.TR_CDI, K.TR_CDW):
            lines.append(f"  -> {_TYPES[int(b)]} at {visit(a)}, confirmed")
        elif code == K.TR_NOT_SUSTAINED:
            lines.append(f"  change at {visit(a)} confirmed but not sustained long enough: "
                         "not an event")
        elif code == K.TR_SKIPPED:
            lines.append(f"  {_TYPES[int(b)]} at {visit(a)} is not the event type searched: "
                         "skipped")
        elif code in (K.TR_SUB_IMPR, K.TR_SUB_WORS):
            lines.append(f"  confirmed change below the threshold at {visit(a)}: new reference")
        elif code == K.TR_UNCONFIRMED:
            lines.append(f"  change at {visit(a)} not confirmed")
        elif code == K.TR_REL_REBASELINE:
            lines.append(f"  after a relapse, the reference moves to {visit(a)}")
        elif code == K.TR_STOP:
            lines.append("  no further change from the reference: end")
    events = result.events.filter(pl.col("patient_id") == str(patient_id))
    if events.height == 0:
        lines.append("Events: none")
    else:
        conf_cols = [c for c in events.columns if c.startswith("conf") and c.endswith("_date")]
        lines.append("Events:")
        for r in events.iter_rows(named=True):
            kind = r["event_type"] + (f" ({r['cdw_type']})" if r.get("cdw_type") else "")
            confs = ", ".join(f"{c.removesuffix('_date')} {r[c]}" for c in conf_cols
                              if r[c] is not None)
            lines.append(f"  {r['nevent']}. {kind} on {r['date']}: {r['value']:g} from "
                         f"{r['bl_value']:g} ({r['bl_date']}); confirmed: {confs or 'imputed'}; "
                         f"sustained {r['sust_days']:g} days"
                         + (" (to the last assessment)" if r["sust_last"] else ""))
    return "\n".join(lines)

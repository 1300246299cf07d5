"""One patient's timeline: EDSS and its global MSSS over time, relapses, disease-modifying
drugs, index-drug courses and confirmed disability events, on one time axis (years from the
index date, or from the first EDSS without one). Data as tidy frames, then drawn.

Events are the patient's confirmed EDSS events over all their assessments, with the event
settings of the study definition's ``[events]`` section (msprog definitions:
:func:`mscohort.derive.events.detect_events`), explained step by step by
:func:`mscohort.derive.events.explain.explain_patient`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

import polars as pl
from matplotlib.patches import Patch

from mscohort.analyse.study import StudyAnalysis
from mscohort.derive.assessments import derive_edss
from mscohort.derive.events import detect_events
from mscohort.derive.events.explain import explain_patient
from mscohort.derive.events.presets import study_event_settings
from mscohort.derive.outcomes import numbered_infusions
from mscohort.report.figures import FigureData
from mscohort.report.plots import HATCHES, OKABE_ITO, Drawn, _figure
from mscohort.schema import TABLES
from mscohort.study import Study
from mscohort.units import DAYS_PER_YEAR
from mscohort.vocabulary import BY_NAME


@dataclass(frozen=True)
class PatientTimeline:
    figure: FigureData
    events: pl.DataFrame  #: confirmed events (type, date, EDSS, baseline, confirmation)
    explanation: str  #: the event scan, step by step


def one_patient(study: Study, patient_id: str) -> Study:
    return Study({name: study.table(name).filter(pl.col("patient_id") == patient_id)
                  for name in TABLES})


def patient_timeline(study: Study, a: StudyAnalysis, patient_id: str) -> PatientTimeline:
    s = one_patient(study, patient_id)
    row = a.outcomes.filter(pl.col("patient_id") == patient_id)
    index = row["index_date"][0] if row.height else None
    edss = derive_edss(s).select("date", "edss", "msss")
    origin = cast("dt.date | None", index or (edss["date"].min() if edss.height else None))

    def years(col: str) -> pl.Expr:
        return ((pl.col(col) - pl.lit(origin)).dt.total_days() / DAYS_PER_YEAR).alias("time")

    relapses = s.table("relapses").select(years("onset_date"), "onset_date")
    drugs = (s.table("treatments").with_columns(
        years("start_date").alias("start"),
        pl.coalesce(years("stop_date"), pl.lit(None, pl.Float64)).alias("stop"),
        pl.col("drug").replace_strict({k: v.abbreviation for k, v in BY_NAME.items()},
                                      default=pl.col("drug")).alias("label"))
        .select("drug", "label", "start", "stop", "start_date", "stop_date"))
    courses = (numbered_infusions(s.table("infusions"), a.definition)
               .group_by("course").agg(pl.col("date").min(), pl.len().alias("infusions"))
               .sort("course").with_columns(years("date")))
    settings = study_event_settings(a.definition.events)
    result = detect_events(s.edss.select("patient_id", "date", "edss"), s.table("relapses"),
                           settings)
    conf = [c for c in result.events.columns if c.startswith("conf") and c.endswith("_date")]
    events = result.events.select("event_type", "date", "value", "bl_date", "bl_value",
                                  *conf).with_columns(years("date"))
    explanation = (explain_patient(result, patient_id) if s.edss.height
                   else f"Patient {patient_id}: no EDSS assessments.")
    label = "years from the index date" if index else "years from the first EDSS"
    data = FigureData(
        "timeline", f"Patient {patient_id}",
        "EDSS (steps) and global MSSS (dashed); crosses: relapses; triangles: first infusion "
        "of each index-drug course; stars: confirmed EDSS events (event settings of the study: "
        f"{settings.name}); bars: drug exposures.",
        {"edss": edss.with_columns(years("date")), "relapses": relapses, "drugs": drugs,
         "courses": courses, "events": events}, label, "EDSS")
    return PatientTimeline(data, events, explanation)


def draw_timeline(d: FigureData) -> Drawn:
    edss, drugs = d.frames["edss"], d.frames["drugs"]
    fig = _figure(8.0, 4.8)
    drawn = Drawn(d, fig)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(3, 1))
    if edss.height:
        (line,) = top.step(edss["time"], edss["edss"], where="post", color=OKABE_ITO[0],
                           linewidth=2, marker="o", markersize=4, label="EDSS")
        drawn._tag(line, "EDSS: " + ", ".join(f"{x:%Y-%m-%d} {e:g}" for x, e in
                                               zip(edss["date"], edss["edss"], strict=True)))
        msss = edss.drop_nulls("msss")
        if msss.height:
            (m,) = top.plot(msss["time"], msss["msss"], color=OKABE_ITO[2], linestyle="--",
                            marker="s", markersize=3, label="MSSS")
            drawn._tag(m, "MSSS: " + ", ".join(f"{x:%Y-%m-%d} {v:.2f}" for x, v in
                                                zip(msss["date"], msss["msss"], strict=True)))
    for name, frame, marker, colour in (("relapse", d.frames["relapses"], "x", OKABE_ITO[1]),
                                        ("course", d.frames["courses"], "v", "black"),
                                        ("event", d.frames["events"], "*", OKABE_ITO[3])):
        if frame.height:
            y = [9.6] * frame.height if name != "event" else frame["value"].to_list()
            dots = top.scatter(frame["time"], y, marker=marker, color=colour, s=60,
                               label=name, zorder=3)
            date_col = {"relapse": "onset_date", "course": "date", "event": "date"}[name]
            drawn._tag(dots, [f"{name} {r[date_col]}" + (f" ({r['event_type']})"
                                                         if name == "event" else "")
                              for r in frame.iter_rows(named=True)])
    top.set_ylim(0, 10)
    top.set_ylabel("EDSS / MSSS")
    top.axvline(0, color="black", linewidth=0.6, linestyle=":")
    top.legend(frameon=False, fontsize=7, loc="upper left", ncols=5)
    labels = drugs["label"].unique(maintain_order=True).to_list()
    end = max([*edss["time"].to_list(), *drugs["start"].to_list(), 0.0]) + 0.25
    handles = []
    for k, lab in enumerate(labels):
        sub = drugs.filter(pl.col("label") == lab)
        colour, hatch = OKABE_ITO[k % len(OKABE_ITO)], HATCHES[k % len(HATCHES)]
        for r in sub.iter_rows(named=True):
            stop = r["stop"] if r["stop"] is not None else end
            bar = bottom.barh(k, stop - r["start"], left=r["start"], color=colour,
                              hatch=hatch, edgecolor="black", linewidth=0.3)
            drawn._tag(bar.patches[0], f"{r['drug']}: {r['start_date']} to "
                                       f"{r['stop_date'] or 'ongoing'}")
        handles.append(Patch(facecolor=colour, hatch=hatch, edgecolor="black", label=lab))
    bottom.set_yticks(range(len(labels)), labels, fontsize=7)
    bottom.set_xlabel(d.x_label)
    bottom.axvline(0, color="black", linewidth=0.6, linestyle=":")
    return drawn

"""One patient's timeline drawn: EDSS and its global MSSS over time, relapses,
disease-modifying drugs, index-drug courses and confirmed disability events, on one time axis
(years from the index date, or from the first EDSS without one).

The records, the events and their explanation are the analysis's
(:class:`mscohort.analyse.timelines.Timelines`, computed once with the study's event
settings); this module only lays them out as a :class:`FigureData` and draws it.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from matplotlib.backends.backend_svg import FigureCanvasSVG

from mscohort.analyse.study import StudyAnalysis
from mscohort.report.drawing import OKABE_ITO, new_figure
from mscohort.report.figures import FigureData
from mscohort.report.plots import HATCHES, Drawn


@dataclass(frozen=True)
class PatientTimeline:
    figure: FigureData
    events: pl.DataFrame  #: confirmed events (type, date, EDSS, baseline, confirmation)
    explanation: str  #: the event scan, step by step


def patient_timeline(a: StudyAnalysis, patient_id: str) -> PatientTimeline:
    """The figure data of ``patient_id``'s timeline, from the analysis's records."""
    t = a.timeline_records().patient(patient_id)
    label = "years from the index date" if t.from_index else "years from the first EDSS"
    data = FigureData(
        "timeline", f"Patient {patient_id}",
        "EDSS (steps) and global MSSS (dashed); crosses: relapses; triangles: first infusion "
        "of each index-drug course; stars: confirmed EDSS events (event settings of the study: "
        f"{t.settings_name}); bars: drug exposures.",
        {"edss": t.edss, "relapses": t.relapses, "drugs": t.drugs, "courses": t.courses,
         "events": t.events}, label, "EDSS")
    return PatientTimeline(data, t.events, t.explanation)


def draw_timeline(d: FigureData) -> Drawn:
    edss, drugs = d.frames["edss"], d.frames["drugs"]
    fig = new_figure(8.0, 4.8)
    drawn = Drawn(d, fig)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(3, 1))
    if edss.height:
        (line,) = top.step(edss["time"], edss["edss"], where="post", color=OKABE_ITO[0],
                           linewidth=2, marker="o", markersize=4, label="EDSS")
        drawn.tag(line, "EDSS: " + ", ".join(f"{x:%Y-%m-%d} {e:g}" for x, e in
                                               zip(edss["date"], edss["edss"], strict=True)))
        msss = edss.drop_nulls("msss")
        if msss.height:
            (m,) = top.plot(msss["time"], msss["msss"], color=OKABE_ITO[2], linestyle="--",
                            marker="s", markersize=3, label="MSSS")
            drawn.tag(m, "MSSS: " + ", ".join(f"{x:%Y-%m-%d} {v:.2f}" for x, v in
                                                zip(msss["date"], msss["msss"], strict=True)))
    for name, frame, marker, colour in (("relapse", d.frames["relapses"], "x", OKABE_ITO[1]),
                                        ("course", d.frames["courses"], "v", "black"),
                                        ("event", d.frames["events"], "*", OKABE_ITO[3])):
        if frame.height:
            y = [9.6] * frame.height if name != "event" else frame["value"].to_list()
            dots = top.scatter(frame["time"], y, marker=marker, color=colour, s=60,
                               label=name, zorder=3)
            date_col = {"relapse": "onset_date", "course": "date", "event": "date"}[name]
            drawn.tag(dots, [f"{name} {r[date_col]}" + (f" ({r['event_type']})"
                                                         if name == "event" else "")
                              for r in frame.iter_rows(named=True)])
    top.set_ylim(0, 10)
    top.set_ylabel("EDSS / MSSS")
    top.axvline(0, color="black", linewidth=0.6, linestyle=":")
    # the legend above the plotting area (constrained layout makes room for it), so it never
    # covers the relapse and course markers drawn along the top of the EDSS axis
    marks, names = top.get_legend_handles_labels()
    if marks:
        legend = fig.legend(marks, names, frameon=False, fontsize=7, loc="outside upper left",
                            ncols=len(marks))
        legend.set_gid("timeline-legend")
    # one row per drug label, named by its tick label: a legend of the drugs would repeat
    # the tick labels (the colour and hatch only tell neighbouring rows apart)
    labels = drugs["label"].unique(maintain_order=True).to_list()
    end = max([*edss["time"].to_list(), *drugs["start"].to_list(), 0.0]) + 0.25
    for k, lab in enumerate(labels):
        sub = drugs.filter(pl.col("label") == lab)
        colour, hatch = OKABE_ITO[k % len(OKABE_ITO)], HATCHES[k % len(HATCHES)]
        for r in sub.iter_rows(named=True):
            stop = r["stop"] if r["stop"] is not None else end
            bar = bottom.barh(k, stop - r["start"], left=r["start"], color=colour,
                              hatch=hatch, edgecolor="black", linewidth=0.3)
            drawn.tag(bar.patches[0], f"{r['drug']}: {r['start_date']} to "
                                       f"{r['stop_date'] or 'ongoing'}")
    bottom.set_yticks(range(len(labels)), labels, fontsize=7)
    bottom.set_xlabel(d.x_label)
    bottom.axvline(0, color="black", linewidth=0.6, linestyle=":")
    return drawn


def timeline_svg(drawn: Drawn) -> str:
    """The SVG of a drawn timeline (the web app's patient page), the same bytes as
    ``drawn.svg()`` at about three quarters of the CPU.

    Notes
    -----
    The figure is laid out by matplotlib's constrained layout (room for the legend above
    the plot and for the drug labels). Saved with its layout engine, matplotlib draws the
    figure twice: once to run the layout (drawing nothing), then once to write the SVG.
    Here the layout runs once by itself, with the SVG canvas the figure is written with (so
    the text is measured as in ``savefig``: the same positions), and the figure is then
    written without a layout engine: one draw. ``tests/report/test_timeline.py`` compares
    the two SVGs for every patient of the toy study; ``benchmarks/bench_patient_page.py``
    measures the page (300,000 patients: a first view's median CPU 0.30 to 0.32 s before,
    0.22 to 0.24 s after).
    """
    fig = drawn.figure
    engine = fig.get_layout_engine()
    if engine is not None:
        FigureCanvasSVG(fig)
        engine.execute(fig)
        fig.set_layout_engine(None)
    return drawn.svg()

"""One patient's timeline (the web app's patient page): the drawn EDSS steps, relapses and
drug bars against the patient's records, by hand."""

from __future__ import annotations

import polars as pl
import pytest

from mscohort.report.timeline import draw_timeline, patient_timeline, timeline_svg


def test_timeline_draws_the_patients_records_in_years_from_the_index_date(toy) -> None:
    study, a = toy
    pid = "P02"
    t = patient_timeline(a, pid)
    index = a.outcomes.filter(pl.col("patient_id") == pid)["index_date"][0]
    edss = study.edss.filter(pl.col("patient_id") == pid).sort("date")
    years = [(d - index).days / 365.25 for d in edss["date"]]
    drawn = draw_timeline(t.figure)
    top, bottom = drawn.figure.axes
    line = next(ln for ln in top.lines if ln.get_label() == "EDSS")
    assert list(line.get_xdata()) == pytest.approx(years)
    assert list(line.get_ydata()) == edss["edss"].to_list()
    relapses = study.table("relapses").filter(pl.col("patient_id") == pid)
    marks = [c for c in top.collections if drawn.tooltips.get(c.get_gid(), [""])[0]
             .startswith("relapse")]
    assert relapses.height == 3  # toy P02: three relapses, three drugs, four EDSS
    got = sorted(x for x, _ in marks[0].get_offsets())
    assert got == pytest.approx(sorted((d - index).days / 365.25
                                       for d in relapses["onset_date"]))
    drugs = study.table("treatments").filter(pl.col("patient_id") == pid)
    assert len(bottom.patches) == drugs.height
    for patch, start in zip(sorted(bottom.patches, key=lambda p: p.get_x()),
                            sorted(drugs["start_date"]), strict=True):
        assert patch.get_x() == pytest.approx((start - index).days / 365.25)
    assert t.explanation.startswith(f"Patient {pid}:")


def test_a_patient_without_edss_gets_a_timeline_and_says_so(toy) -> None:
    study, a = toy
    from mscohort.study import Study

    no_edss = Study({name: (frame.filter(pl.col("patient_id") != "P02") if name == "edss"
                            else frame) for name, frame in study.tables.items()})
    from mscohort.analyse.study import analyse_study

    t = patient_timeline(analyse_study(no_edss, a.definition, sensitivity=False), "P02")
    assert "no EDSS assessments" in t.explanation
    draw_timeline(t.figure)


def test_drug_rows_are_named_by_their_tick_labels_and_only_the_marks_have_a_legend(
        toy) -> None:
    # #25 follow-up 7: the drug bars are named on the axis (one row per drug label); the
    # one legend, above the plot, names the marks (EDSS, MSSS, relapse, course, event) and
    # repeats no drug
    _, a = toy
    t = patient_timeline(a, "P02")
    drawn = draw_timeline(t.figure)
    _, bottom = drawn.figure.axes
    labels = t.figure.frames["drugs"]["label"].unique(maintain_order=True).to_list()
    assert [x.get_text() for x in bottom.get_yticklabels()] == labels
    (legend,) = drawn.figure.legends
    names = [x.get_text() for x in legend.get_texts()]
    assert set(names) <= {"EDSS", "MSSS", "relapse", "course", "event"}
    assert not set(names) & set(labels)
    assert bottom.get_legend() is None


def test_the_timeline_laid_out_once_is_the_same_svg_byte_for_byte(toy) -> None:
    # issue #23: the patient page lays the figure out once, then draws it once; a reader
    # sees exactly what savefig with the constrained layout engine drew (every toy
    # patient, each an edge case of the study, with its own drugs and marks)
    _, a = toy
    for pid in a.outcomes["patient_id"]:
        t = patient_timeline(a, pid)
        usual = draw_timeline(t.figure)
        once = draw_timeline(t.figure)
        assert timeline_svg(once) == usual.svg()
        assert once.figure.get_layout_engine() is None  # it was laid out once, then fixed
        assert usual.figure.get_layout_engine() is not None
        assert once.tooltips == usual.tooltips

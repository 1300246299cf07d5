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


def test_the_timeline_events_are_those_of_the_outcome_scan_from_the_baseline(
        toy_dir) -> None:
    # P02 of the toy rewritten as the reviewer's MS005: EDSS 6.5 long before the baseline,
    # 2.0 at the baseline (2012-04-02), 3.0 on 2012-10-15 confirmed by 3.0 on 2013-05-20
    # (>= 12 weeks, +1.0 from a baseline <= 5.5: msprog's worsening). From the baseline, as
    # the outcome scans, that is a confirmed worsening on 2012-10-15; from the 6.5 it is not.
    # The patient page must show the outcome's event, not a scan of its own.
    import datetime as dt

    from mscohort.analyse.study import analyse_study
    from mscohort.definition import load_definition
    from mscohort.ingest import read_study
    from mscohort.validate import check_study
    from tests.conftest import AS_OF

    folder = toy_dir  # a copy
    edss = (folder / "edss.csv").read_text().splitlines()
    rows = {"2011-01-12": "6.5", "2012-04-02": "2.0", "2012-10-15": "3.0", "2013-05-20": "3.0"}
    new = []
    for line in edss:
        cells = line.split(",")
        if cells[0] == "P02":
            cells[2] = rows[cells[1]]
        new.append(",".join(cells))
    (folder / "edss.csv").write_text("\n".join(new) + "\n")
    study, _ = check_study(read_study(folder), as_of=AS_OF)
    a = analyse_study(study, load_definition(folder / "study.toml"))
    row = a.outcomes.filter(pl.col("patient_id") == "P02").row(0, named=True)
    assert row["baseline_date"] == dt.date(2012, 4, 2) and row["cdw_observed"] is True
    assert row["time_to_cdw_days"] == (dt.date(2012, 10, 15) - row["index_date"]).days
    t = patient_timeline(a, "P02")
    cdw = t.events.filter(pl.col("event_type") == "CDW")
    assert cdw["date"].to_list() == [dt.date(2012, 10, 15)]
    assert "Scanned: the assessments from the baseline (2012-04-02) to the follow-up " \
           "(2013-05-20)" in t.explanation
    # the others, with no worsening in their span, have no event on their page either
    for pid in ("P01", "P04", "P05"):
        assert patient_timeline(a, pid).events.height == 0


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

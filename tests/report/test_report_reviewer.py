"""The report shows what a statistical reviewer asks for: CIs, effect sizes, contrasts raw
and adjusted, a Holm column, time points, the sensitivity table and the flow figure; every
cell is the analysis's number, formatted."""

from __future__ import annotations

import polars as pl
import pytest

from mscohort.analyse.formatting import estimate_ci, format_p
from mscohort.report.tables import group_table


def _table(report, key):
    return next(t for t in report.tables if t.key == key)


def test_summary_shows_the_interval_effect_size_and_role_of_each_change(toy, toy_report
                                                                          ) -> None:
    _, a = toy
    edss = a.tests.filter(pl.col("measure") == "EDSS").row(0, named=True)
    cell = dict(_table(toy_report, "summary").rows)["EDSS change, baseline to follow-up"]
    assert "(primary)" in cell
    assert f"mean 95% CI ({edss['ci_low']:+.2f} to {edss['ci_high']:+.2f})" in cell
    assert estimate_ci(edss["d_z"], edss["d_z_ci_low"], edss["d_z_ci_high"], 2, True) in cell
    assert any("Primary endpoint (study definition): the change in EDSS" in n
               for n in _table(toy_report, "summary").footnotes)


def test_paired_table_has_d_z_role_and_holm_columns(toy, toy_report) -> None:
    _, a = toy
    t = _table(toy_report, "paired")
    assert t.columns[8:11] == ("d_z (95% CI)", "Role", "p, Holm")
    rows = {r[0]: r for r in t.rows}
    assert rows["EDSS"][9] == "primary" and rows["EDSS"][10] == ""
    msss = a.tests.filter(pl.col("measure") == "MSSS").row(0, named=True)
    assert rows["MSSS"][9] == "exploratory" and rows["MSSS"][10] == format_p(msss["p_holm"])
    # the means printed are those of the pairs tested: after - before = the difference
    assert msss["mean_after"] - msss["mean_before"] == pytest.approx(msss["mean_difference"],
                                                                      abs=1e-9)


def test_group_tables_can_show_the_interval_of_every_cell(toy) -> None:
    _, a = toy
    frame = a.tables["by follow-up cohort"]
    plain = group_table("x", frame)
    with_ci = group_table("x", frame, ci=True)
    assert "95% CI" not in " ".join(c for r in plain.rows for c in r)
    r = frame.filter(pl.col("measure") == "change EDSS").row(0, named=True)
    assert f"95% CI ({r['ci_low']:+.1f} to {r['ci_high']:+.1f})" in " ".join(
        with_ci.rows[0])


def test_contrasts_table_has_raw_and_adjusted_differences_with_holm(toy, toy_report) -> None:
    _, a = toy
    t = _table(toy_report, "contrasts")
    assert len(t.rows) == a.contrasts.height // 3
    first = a.contrasts.row(0, named=True)
    row = t.rows[0]
    assert row[0] == first["split"] and row[1] == first["measure"]
    if first["estimate"] is not None:
        assert row[3] == estimate_ci(first["estimate"], first["ci_low"], first["ci_high"], 1,
                                     True)
        assert row[4] == format_p(first["p"]) and row[5] == format_p(first["p_holm"])


def test_within_group_table_adjusts_every_change_test_by_holm(toy, toy_report) -> None:
    _, a = toy
    t = _table(toy_report, "within_groups")
    tested = pl.concat([f.filter(pl.col("measure").str.starts_with("change")
                                 & pl.col("p_t").is_not_null()) for f in a.tables.values()])
    assert len(t.rows) == tested.height and t.columns[-1] == "p, Holm"
    assert [r[-1] for r in t.rows] == [format_p(p) for p in tested["p_holm"]]


def test_secondary_within_group_tests_are_one_holm_family_with_the_secondary_tests() -> None:
    from importlib.resources import files
    from pathlib import Path

    from mscohort.analyse.study import analyse_study
    from mscohort.definition import load_definition
    from mscohort.ingest import read_study
    from mscohort.report.sections import report_tables
    from mscohort.validate import check_study

    seed = Path(str(files("mscohort") / "datasets" / "seed"))
    study, _ = check_study(read_study(seed))
    a = analyse_study(study, load_definition(seed / "study.toml"), sensitivity=False)
    sec = a.secondary
    frames = [sec.tests, *(f for k, f in sec.tables.items() if k != "OCT per eye")]
    from mscohort.analyse.multiplicity import holm

    p = [v for f in [sec.tests, *sec.tables.values()] for v in f["p_t"].to_list()]
    adjusted = [v for f in [sec.tests, *sec.tables.values()] for v in f["p_holm"].to_list()]
    assert adjusted == pytest.approx(holm(p), abs=1e-12)
    t = next(x for x in report_tables(a) if x.key == "secondary_within")
    tested = pl.concat([f.filter(pl.col("measure").str.starts_with("change")
                                 & pl.col("p_t").is_not_null()) for f in frames[1:]])
    assert len(t.rows) == tested.height > 0
    assert [r[-1] for r in t.rows] == [format_p(v) for v in tested["p_holm"]]


def test_sensitivity_and_time_point_tables_have_a_row_each(toy, toy_report) -> None:
    _, a = toy
    assert len(_table(toy_report, "sensitivity").rows) == a.sensitivity.height
    assert _table(toy_report, "sensitivity").rows[0][0] == "main analysis"
    assert [r[0] for r in _table(toy_report, "timepoints").rows] == [
        "12 months", "24 months", "36 months", "48 months"]


def test_the_flow_figure_draws_the_flow_rows_and_km_caption_flags_the_log_rank(
        toy, toy_report) -> None:
    _, a = toy
    flow = next(d for d in toy_report.figures if d.data.key == "flow")
    assert flow.data.frames["flow"].equals(a.flow)
    tips = " | ".join(str(v) for v in flow.tooltips.values())
    for r in a.flow.filter(pl.col("stage") != "eligible").iter_rows(named=True):
        assert f"{r['box']}: {r['n']}" in tips or f"{r['box']} n={r['n']}" in tips
    km = next(d for d in toy_report.figures if d.data.key == "km_cdw")
    assert "biased by design" in km.data.caption

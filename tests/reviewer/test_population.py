"""Primary endpoint, time points and attrition, the population flow and the sensitivity
table, on hand-made cases and the toy study."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from mscohort.analyse.flow import population_flow
from mscohort.analyse.primary import adjust_frames, label_tests, primary_measure
from mscohort.analyse.sensitivity import VARIANTS, Variant, sensitivity_table
from mscohort.analyse.tables import paired_tests
from mscohort.analyse.timepoints import timepoint_table
from mscohort.definition import StudyDefinition, load_definition, parse_definition
from mscohort.derive.outcomes import patient_outcomes
from mscohort.errors import UsageError
from mscohort.ingest import read_study
from mscohort.validate import check_study
from tests.conftest import AS_OF

D = dt.date


@pytest.fixture
def toy(toy_dir: Path):
    study, _ = check_study(read_study(toy_dir), as_of=AS_OF)
    d = load_definition(toy_dir / "study.toml")
    return study, d, patient_outcomes(study, d)


def test_the_definition_names_the_primary_endpoint() -> None:
    assert StudyDefinition().primary == "edss_change"
    d = parse_definition({"analysis": {"primary": "msss_change"}})
    assert primary_measure(d) == "MSSS"
    tp = parse_definition({"analysis": {"primary": "edss_change_12_months"},
                           "timepoints": [{"name": "12 months", "days": 365,
                                           "window_days": 90}]})
    assert primary_measure(tp) == "EDSS at 12 months"


def test_a_wrong_primary_endpoint_names_the_key_and_the_allowed_values() -> None:
    with pytest.raises(UsageError, match=r"analysis.primary` must be one of edss_change, "
                                         r"msss_change, arr_change; got 'edss'"):
        parse_definition({"analysis": {"primary": "edss"}})
    with pytest.raises(UsageError, match=r"\[analysis\] has unknown key"):
        parse_definition({"analysis": {"primary_outcome": "edss_change"}})


def test_only_the_primary_test_is_confirmatory_and_the_rest_are_holm_adjusted(toy) -> None:
    _study, d, out = toy
    tests = label_tests(paired_tests(out, d), d)
    roles = dict(zip(tests["measure"], tests["role"], strict=True))
    assert roles["EDSS"] == "primary"
    assert {r for m, r in roles.items() if m != "EDSS"} == {"exploratory"}
    primary = tests.filter(pl.col("role") == "primary")
    assert primary["p_holm"][0] is None
    # Holm by hand over the exploratory p-values: sorted p(i) * (m - i + 1), running max
    ex = tests.filter(pl.col("role") == "exploratory").drop_nulls("p_t")
    p = sorted(ex["p_t"].to_list())
    m = len(p)
    expected, running = [], 0.0
    for i, v in enumerate(p):
        running = max(running, min(1.0, (m - i) * v))
        expected.append(running)
    assert sorted(ex["p_holm"].to_list()) == pytest.approx(expected, abs=1e-12)


def test_holm_over_several_frames_is_one_family() -> None:
    a = pl.DataFrame({"p_t": [0.01, None]})
    b = pl.DataFrame({"p_t": [0.04]})
    x, y = adjust_frames([a, b])
    assert x["p_holm"].to_list() == pytest.approx([0.02, None]) and y["p_holm"][0] == 0.04


def _attrition_case() -> tuple[pl.DataFrame, pl.DataFrame]:
    def day(start: dt.date, n: int) -> dt.date:
        return start + dt.timedelta(days=n)

    i1, i3 = D(2010, 1, 1), D(2015, 6, 1)
    outcomes = pl.DataFrame({
        "patient_id": ["P1", "P2", "P3", "P4"], "index_date": [i1, i1, i3, None],
        "baseline_edss": [3.0, 5.0, 2.0, None],
        "followup_date": [day(i1, 1100), day(i1, 200), day(i3, 400), None]})
    edss = pl.DataFrame({
        "patient_id": ["P1"] * 4 + ["P2"] * 2 + ["P3"] * 2,
        "date": [day(i1, n) for n in (0, 365, 730, 1100)] + [i1, day(i1, 200), i3,
                                                           day(i3, 400)],
        "edss": [3.0, 4.0, 3.5, 3.0, 5.0, 5.5, 2.0, 2.5]})
    return outcomes, edss


def test_time_points_count_assessed_lost_and_not_yet_due_patients() -> None:
    outcomes, edss = _attrition_case()
    t = timepoint_table(outcomes, edss, data_cut=D(2016, 12, 31))
    # P1: seen at 365, 730, 1100 days, last at 1100, so lost at 48 months (window opens
    # 1461 - 91 = 1370 days); P2: last EDSS at 200 days, lost at 12 months (window opens at
    # 274); P3: seen at 400 days, the data cut (579 days) is before the 24-month window
    # (639.5): not yet due from 24 months on; P4 has no baseline.
    assert t["with_baseline"].to_list() == [3, 3, 3, 3]
    assert t["assessed"].to_list() == [2, 1, 1, 0]
    assert t["lost"].to_list() == [1, 1, 1, 2]
    assert t["lost_in_interval"].to_list() == [1, 0, 0, 1]
    assert t["not_yet_due"].to_list() == [0, 1, 1, 1]
    assert t["missed"].to_list() == [0, 0, 0, 0]
    # change at 12 months: P1 +1.0, P3 +0.5
    assert t["mean_change"].to_list()[:3] == pytest.approx([0.75, 0.5, 0.0])


def test_the_flow_counts_every_exclusion(toy) -> None:
    _study, d, out = toy
    flow = population_flow(out, pl.DataFrame(), d.index_drug)
    n = dict(zip(flow["box"], flow["n"], strict=True))
    assert n["patients in the records"] == out.height
    assert n["no eligibility criteria in the definition"] == out.height
    treated = out.filter(pl.col("index_date").is_not_null()).height
    assert n["treated with alemtuzumab"] == treated
    assert n.get("no index treatment", 0) == out.height - treated
    # every treated patient is analysed for EDSS change or excluded with its reason
    edss = flow.filter(pl.col("note") == "EDSS change")["n"].sum()
    assert n["EDSS change"] + edss == treated
    assert n["EDSS change"] == out["excluded_reason"].is_null().sum()


def test_the_flow_with_screening_splits_eligible_from_the_rest() -> None:
    out = pl.DataFrame({"patient_id": ["A", "B", "C"], "index_date": [D(2010, 1, 1)] * 3,
                        "excluded_reason": [None, None, "no baseline EDSS"],
                        "in_relapse_analysis": [True, True, True],
                        "arr_during": [0.5, 1.0, None], "time_to_cdw_days": [100, None, None]})
    screening = pl.DataFrame({"patient_id": ["A", "A", "B", "B", "C", "C"],
                              "decision": ["eligible", "not eligible", "not eligible",
                                           "not eligible", "cannot tell", "not eligible"]})
    flow = population_flow(out, screening, "alemtuzumab")
    n = dict(zip(flow["box"], flow["n"], strict=True))
    assert (n["eligible in at least one arm"], n["not eligible in any arm"],
            n["cannot tell (missing data)"]) == (1, 1, 1)
    assert (n["EDSS change"], n["no baseline EDSS"], n["relapse rates"],
            n["time to confirmed worsening"]) == (2, 1, 2, 1)


def test_sensitivity_rows_change_one_rule_each(toy) -> None:
    study, d, out = toy
    table = sensitivity_table(study, d, out, pl.DataFrame())
    rows = {r["variant"]: r for r in table.iter_rows(named=True)}
    main = rows["main analysis"]
    edss = paired_tests(out, d).filter(pl.col("measure") == "EDSS").row(0, named=True)
    assert (main["n"], main["estimate"], main["p"]) == (edss["n"], edss["mean_difference"],
                                                        edss["p_t"])
    assert "eligible patients only" not in rows  # no [eligibility] in the toy definition
    analysed = out.filter(pl.col("excluded_reason").is_null())
    six = rows["minimum follow-up 6 months"]
    assert six["n"] == (analysed["followup_days"] >= 182.625).sum()
    # the threshold rule leaves the EDSS change alone and may move the share improved
    threshold = patient_outcomes(study, dataclasses.replace(d, change_rule="threshold"))
    ok = threshold.filter(pl.col("excluded_reason").is_null())
    assert rows["improved/stable/worsened by the threshold rule"]["improved"] == pytest.approx(
        (ok["change_category"] == "improved").mean())
    assert rows["improved/stable/worsened by the threshold rule"]["shift"] == 0.0
    assert len(rows) == len(VARIANTS)  # main + every row but the eligible-only one


def test_adding_a_sensitivity_row_is_one_line_of_data(toy) -> None:
    study, d, out = toy
    extra = (Variant("pre-index window one year", "relapses.pre_index_days = 365.25",
                     "pre_index_days", 365.25),)
    table = sensitivity_table(study, d, out, pl.DataFrame(), variants=extra)
    row = table.row(1, named=True)
    shorter = patient_outcomes(study, dataclasses.replace(d, pre_index_days=365.25))
    assert row["variant"] == "pre-index window one year"
    # the relapse table's population: in the relapse analysis, time at risk before and during
    assert row["n_relapse"] == shorter.filter(pl.col("in_relapse_analysis")
                                              & (pl.col("years_during") > 0)
                                              & (pl.col("years_before") > 0)).height


def test_pre_index_relapses_in_months_minus_24_to_minus_12(toy) -> None:
    study, d, _ = toy
    row = next(v for v in VARIANTS if v.label == "pre-index relapses in months -24 to -12")
    recounted = patient_outcomes(study, d.with_(**{row.field: row.value}))
    p01 = recounted.filter(pl.col("patient_id") == "P01").row(0, named=True)
    # P01 (index 2005-06-20): relapses 2004-01-20 (in [2003-06-20, 2004-06-20)) and
    # 2005-06-02 (the qualifying one, left out): 1 relapse in 1 year
    assert (p01["relapses_before"], p01["arr_before"]) == (1, pytest.approx(1.0))


def test_baseline_clear_of_a_relapse_leaves_out_a_relapse_inflated_baseline(write_study
                                                                            ) -> None:
    from mscohort.analyse.sensitivity import Context, _baseline_clear

    folder = write_study(
        patients="patient_id,sex,birth_date,onset_date\nP1,F,1970-01-01,1995-01-01\n"
                 "P2,M,1980-06-15,2001-03-01\n",
        edss="patient_id,date,edss\nP1,2010-01-01,3.0\nP1,2011-01-01,3.5\n"
             "P2,2010-01-01,2.0\nP2,2011-01-01,2.0\n",
        relapses="patient_id,onset_date\nP1,2009-12-20\nP2,2009-10-01\n")
    study, _ = check_study(read_study(folder), as_of=AS_OF)
    out = pl.DataFrame({"patient_id": ["P1", "P2"],
                        "baseline_date": [D(2010, 1, 1), D(2010, 1, 1)]})
    keep = _baseline_clear(out, Context(study, StudyDefinition(), pl.DataFrame()))
    assert keep.to_list() == [False, True]  # P1's relapse began 12 days before baseline


def test_the_terminal_prints_roles_intervals_contrasts_flow_and_sensitivity(toy_dir: Path
                                                                           ) -> None:
    from typer.testing import CliRunner

    from mscohort.cli.main import app

    result = CliRunner().invoke(app, ["analyse", "--study", str(toy_dir / "study.toml"),
                                      "--data", str(toy_dir), "--methods"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "EDSS (primary): n=7" in text and "MSSS (exploratory)" in text
    assert "caution: groups defined by their own follow-up length" in text
    for heading in ("Estimates (95% CI)", "Between-group contrasts", "Population flow",
                    "EDSS at fixed time points", "Sensitivity analyses"):
        assert heading in text
    assert "Holm" in text and "(Holm 1979)" in text  # the methods sentence

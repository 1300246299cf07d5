"""The calibration machinery: published cells, the compiled date and score arithmetic against
Python's calendar and the analysis, and the cost against hand calculations."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from mscohort.calibrate.fit import _MSSS, STEPS, Model, Patients, Target, completed_years
from mscohort.calibrate.kernels import _civil, _row
from mscohort.calibrate.published import Number, compare, parse_cell
from mscohort.derive.severity import msss
from mscohort.derive.timing import completed_years as analysis_completed_years
from mscohort.errors import UsageError


def test_printed_cells_parse_with_the_precision_of_each_number() -> None:
    stats = parse_cell("-1.0 ± 1.4 (-4.0 to +2.0)", "change EDSS", "t")
    assert {k: (n.value, n.decimals) for k, n in stats.items()} == {
        "mean": (-1.0, 1), "sd": (1.4, 1), "min": (-4.0, 1), "max": (2.0, 1)}
    assert set(parse_cell("82 (27-104)", "follow-up (lunar months)", "t")) == {
        "median", "min", "max"}
    assert set(parse_cell("12", "follow-up (lunar months)", "t")) == {"median"}
    # "-3" in the seed is printed without decimals: -3.04 matches it, -3.6 does not
    three = Number.parse("-3")
    assert three.matches(-3.04) and not three.matches(-3.6)
    assert Number.parse("+0.89").matches(0.8949) and not Number.parse("+0.89").matches(0.896)
    with pytest.raises(UsageError, match="must be printed as"):
        parse_cell("-1.0 +/- 1.4", "change EDSS", "published.toml, cell 1")


def test_compare_reports_each_number_and_the_group_size() -> None:
    from mscohort.analyse.tables import TABLE_SCHEMA
    from mscohort.calibrate.published import PublishedCell

    frame = pl.DataFrame([{"table": "T", "split": "s", "exclusive": True, "rule": "r",
                           "group": "g", "n_group": 3, "measure": "change EDSS", "n": 3,
                           "mean": -0.96, "sd": 1.44, "median": -1.0, "min": -4.0, "max": 2.0,
                           "p_t": None, "text": ""}], schema=TABLE_SCHEMA)
    cell = PublishedCell("by x", "g", 3, "change EDSS", "-1.0 ± 1.4 (-4.0 to +2.0)",
                         parse_cell("-1.0 ± 1.4 (-4.0 to +2.0)", "change EDSS", "t"))
    out = compare({"by x": frame}, [cell])
    assert out.select("stat", "ours", "match").rows() == [
        ("n", "3", True), ("mean", "-1.0", True), ("sd", "1.4", True), ("min", "-4.0", True),
        ("max", "2.0", True)]


def test_compiled_calendar_agrees_with_python() -> None:
    epoch = dt.date(1970, 1, 1)
    for z in [-30000, -1, 0, 59, 60, 365, 10957, 11016, 16436, 20000, 47481]:
        day = epoch + dt.timedelta(days=z)
        assert _civil(z) == (day.year, day.month, day.day)


def test_compiled_row_agrees_with_the_python_model_and_the_analysis() -> None:
    model = Model([], np.zeros((1, 3), dtype=bool), dt.date(2014, 6, 30), 30, 28.0)
    p = Patients(age=np.array([48, 33, 60]), followup_days=np.array([2296, 168, 700]),
                 base_step=np.array([9, 3, 12]), last_step=np.array([7, 3, 0]),
                 duration=np.array([12, 1, 29]), end_offset_days=np.array([10, 0, 90]))
    expected = model.values(p)
    state = np.stack([p.age, p.followup_days, p.base_step, p.last_step, p.duration,
                      p.end_offset_days, p.onset()]).astype(np.int64)
    out = np.empty((6, 3))
    for i in range(3):
        _row(state, i, (model.interim - dt.date(1970, 1, 1)).days, 30, 28.0, STEPS, _MSSS, out)
    np.testing.assert_allclose(out, expected)
    # and the MSSS is what the analysis computes from the same dates
    for i in range(3):
        end, _, base, onset = model.dates(p, i)
        years = analysis_completed_years([onset, onset], [base, end])
        assert years[0] == p.duration[i] == completed_years(onset, base)
        scores = msss(np.array([STEPS[p.base_step[i]], STEPS[p.last_step[i]]]), years)
        assert expected[4, i] == pytest.approx(scores[0])
        assert expected[5, i] == pytest.approx(scores[1] - scores[0])


def test_cost_is_zero_when_every_target_prints_alike() -> None:
    # values of one measure for 4 patients in one group: mean 1.25, SD 0.9574, median 1.25
    members = np.ones((1, 4), dtype=bool)
    v = np.zeros((6, 4))
    v[2] = [0.0, 1.0, 1.5, 2.5]
    targets = [Target(0, 2, "mean", 1.3, 1), Target(0, 2, "sd", 1.0, 1),
               Target(0, 2, "min", 0.0, 1), Target(0, 2, "max", 2.5, 1),
               Target(0, 2, "median", 1.2, 1)]
    model = Model(targets, members, dt.date(2014, 6, 30), 30, 28.0)
    # 1.25 prints as 1.2 (banker's) or 1.3; within 0.45 of a printed unit of 1.3 is 0.045:
    # |1.25 - 1.3| = 0.05 -> 0.5 units; SD 0.957 vs 1.0 -> 0.43 units -> 0
    np.testing.assert_allclose(model.errors(v), [0.5, 0.0, 0.0, 0.0, 0.5])


def test_the_annealing_keeps_each_baseline_step_inside_its_bounds() -> None:
    from mscohort.calibrate.fit import Bounds, anneal

    # a mean baseline EDSS of 1.5 pulls every patient down; patient 0 may not go below
    # EDSS 3.0 (a protocol's screening range), the others may
    assert STEPS[5] == 3.0
    n = 4
    members = np.ones((1, n), dtype=bool)
    model = Model([Target(0, 2, "mean", 1.5, 1)], members, dt.date(2014, 6, 30), 30, 28.0)
    p = Patients(age=np.full(n, 50), followup_days=np.full(n, 400),
                 base_step=np.full(n, 8), last_step=np.full(n, 8), duration=np.full(n, 10),
                 end_offset_days=np.zeros(n, dtype=np.int64))
    low = np.array([5, 0, 0, 0])
    bounds = Bounds((np.full(n, 300), np.full(n, 500)),
                    base_step=(low, np.full(n, STEPS.size - 1)))
    anneal(model, p, bounds, np.random.default_rng(0), steps=20_000, t_start=2.0,
           t_end=0.01, moves=("baseline EDSS", "both EDSS", "EDSS keeping MSSS", "swap"))
    assert p.base_step[0] >= 5 and (p.base_step >= low).all()
    assert p.base_step[1:].min() < 5  # the others went below 3.0
    assert model.errors(model.values(p)).sum() == 0  # (3.0 + 3 x 1.0) / 4 = 1.5


def test_a_cohorts_screening_edss_bounds_its_patients_but_the_declared_deviations(
        tmp_path) -> None:
    from mscohort.calibrate.design import load_design
    from mscohort.calibrate.seed import SEED, _screening_steps

    # the seed's own design sets it (README, "The cohort against its own protocol")
    text = (SEED / "design.toml").read_text()
    assert "\nscreening_edss = [3.0, 7.0]\nscreening_edss_deviations = [42]\n" in text
    design = load_design(SEED / "design.toml")
    assert design.cohorts["short-term"].screening_edss == (3.0, 7.0)
    low, high = _screening_steps(design)
    naive = [i for i, p in enumerate(design.patients()) if p.cohort == "short-term"]
    assert STEPS[low[naive[0]]] == 3.0 and STEPS[high[naive[0]]] == 7.0
    # TRMS42 (the 42nd patient) and the other cohort may have any step
    assert (low[41], high[41]) == (0, STEPS.size - 1)
    assert {(int(a), int(b)) for a, b in zip(low[:30], high[:30], strict=True)} == {
        (0, STEPS.size - 1)}
    assert sum(STEPS[low[i]] == 3.0 for i in naive) == 29
    (tmp_path / "bad.toml").write_text(text.replace("[3.0, 7.0]", "[7.0, 3.0]"))
    with pytest.raises(UsageError, match=r"screening_edss` must be \[lowest, highest\] EDSS"):
        load_design(tmp_path / "bad.toml")

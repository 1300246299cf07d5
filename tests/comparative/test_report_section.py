"""The report's Comparison section: shown only with [comparison]; flow, balance, outcomes,
sensitivity tables, the love plot and the cumulative-incidence curves with numbers at risk."""

from __future__ import annotations

from pathlib import Path

import pytest

from mscohort.analyse.study import analyse_study
from mscohort.definition import parse_definition
from mscohort.report.document import build_report
from mscohort.synthetic import make_synthetic_cohort

DEFINITION = {"comparison": {"treated": "alemtuzumab",
                             "comparators": ["natalizumab", "fingolimod"],
                             "covariates": ["age", "sex", "edss", "relapses_12m"]}}


@pytest.fixture(scope="module")
def study():
    return make_synthetic_cohort(1500, seed=5)


def test_report_has_the_comparison_section_with_every_part(study, tmp_path: Path) -> None:
    analysis = analyse_study(study, parse_definition(DEFINITION))
    report = build_report(study, analysis)
    keys = [t.key for t in report.tables if t.key.startswith("comparison")]
    assert keys == ["comparison_flow", "comparison_balance", "comparison_outcomes",
                         "comparison_sensitivity"]
    figures = [f.data.key for f in report.figures]
    assert {"comparison_love", "comparison_ci_first_relapse", "comparison_ci_cdw",
            "comparison_ci_cdi", "comparison_ci_discontinuation"} <= set(figures)
    outcome = next(t for t in report.tables if t.key == "comparison_outcomes")
    first = outcome.rows[0]
    assert first[0] == "annualised relapse rate" and first[1].startswith("Poisson")
    c = analysis.comparison
    assert c is not None
    # numbers at risk at year 0: every episode of the group
    risk = c.result.at_risk.filter(outcome="first_relapse", year=0)
    n_treated = c.result.followup.table.filter(treatment=1).height
    assert risk.filter(group="alemtuzumab")["at_risk"].item() == n_treated
    assert "pairwise censored" in analysis.methods()
    written = report.write(tmp_path / "report.html")
    html = written[0].read_text()
    assert "Comparison: outcomes, alemtuzumab vs natalizumab or fingolimod" in html
    assert "numbers at risk" in html


def test_report_without_comparison_has_no_comparison_section(study) -> None:
    analysis = analyse_study(study, parse_definition({}))
    assert analysis.comparison is None
    report = build_report(study, analysis)
    assert not [t for t in report.tables if t.key.startswith("comparison")]
    assert not [f for f in report.figures if f.data.key.startswith("comparison")]


def test_score_overlap_figure_draws_each_groups_shares_before_and_after(study) -> None:
    from mscohort.report.sections import DRAW

    analysis = analyse_study(study, parse_definition(DEFINITION))
    report = build_report(study, analysis)
    (fig,) = [f for f in report.figures if f.data.key == "comparison_overlap"]
    c = analysis.comparison
    assert c is not None
    d = c.design
    t = d.covariates.table["treatment"].to_list()
    ps = d.model.ps.tolist()
    # by hand: the share of the treated episodes whose score falls in each bin of 0.05
    n_treated = sum(1 for x in t if x == 1)
    hand = [0.0] * 20
    for x, p in zip(t, ps, strict=True):
        if x == 1:
            hand[min(int(p / 0.05), 19)] += 1 / n_treated
    drawn = DRAW["comparison_overlap"](fig.data)
    before_ax, after_ax = drawn.figure.axes[:2]
    treated_bars, control_bars = before_ax.containers
    assert [b.get_height() for b in treated_bars] == pytest.approx(hand, abs=1e-12)
    assert all(b.get_height() <= 0 for b in control_bars)  # the comparator mirrored below
    assert sum(-b.get_height() for b in control_bars) == pytest.approx(1.0)
    # after matching: the matched episodes, each with its weight
    m = d.cohort.episodes.filter(treatment=1)
    assert m.height == d.flow["matched_treated"] < n_treated  # some left without a match
    after = [0.0] * 20
    for p in m["ps"].to_list():  # 1:1 without replacement: every weight is 1
        after[min(int(p / 0.05), 19)] += 1 / m.height
    assert [b.get_height() for b in after_ax.containers[0]] == pytest.approx(after, abs=1e-12)
    assert "overlap of the propensity scores" in fig.data.title

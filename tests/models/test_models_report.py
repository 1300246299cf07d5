"""The report's Models section and the result files of the models, on the seed."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import polars as pl
import pytest

from mscohort.analyse.study import analyse_study
from mscohort.definition import load_definition
from mscohort.ingest import read_study
from mscohort.report import build_report
from mscohort.report.html import sections
from mscohort.validate.check import check_study

SEED = Path(str(files("mscohort") / "datasets" / "seed"))


@pytest.fixture(scope="module")
def seed_analysis():  # type: ignore[no-untyped-def]
    study, _ = check_study(read_study(SEED))
    return study, analyse_study(study, load_definition(SEED / "study.toml"), sensitivity=False)


def test_the_report_has_a_models_section_with_its_tables_and_figure(seed_analysis) -> None:
    study, a = seed_analysis
    report = build_report(study, a)
    models = next(s for s in sections(report) if s["id"] == "models")
    keys = [t["key"] for t in models["entries"]]  # type: ignore[attr-defined]
    assert keys == ["models_trajectory", "models_rate_ratios", "models_relapse_time"]
    slopes = next(t for t in report.tables if t.key == "models_trajectory")
    fit = a.models.trajectory
    assert fit.converged
    assert [r[0] for r in slopes.rows][:3] == [
        "ALE-experienced: slope before", "ALE-experienced: slope after",
        "ALE-experienced: change of slope"]
    first = fit.slopes.row(0, named=True)
    assert slopes.rows[0][1].startswith(f"{first['estimate']:+.3f} ({first['ci_low']:+.3f}")
    figure = next(d for d in report.figures if d.data.key == "models_trajectory")
    curve = figure.data.frames["curve"]
    assert curve.equals(fit.curve)
    # the drawn mean line is the fitted curve of each group
    lines = [ln for ax in figure.figure.axes for ln in ax.get_lines()
             if ln.get_label() == "fitted mean"]
    for line, (_, c) in zip(lines, curve.group_by("group", maintain_order=True),
                            strict=True):
        assert list(line.get_ydata()) == c["fit"].to_list()
    assert "<svg" in figure.svg()


def test_the_seed_tables_are_unchanged_by_the_models(seed_analysis) -> None:
    study, a = seed_analysis
    from dataclasses import replace

    without = build_report(study, replace(a, models=None))
    with_models = build_report(study, a)
    assert [t for t in with_models.tables if not t.key.startswith("models_")] == \
        without.tables
    assert "piecewise linear mixed model" in a.methods()
    assert "piecewise" not in replace(a, models=None).methods()


def test_model_results_are_written_as_files(seed_analysis, tmp_path: Path) -> None:
    _, a = seed_analysis
    written = a.write(tmp_path)
    names = {p.name for p in written}
    for stem in ("models_trajectory_slopes", "models_rate_ratios", "models_dispersion",
                 "models_relapse_hazard_ratios", "models_trajectory_dropped"):
        assert {f"{stem}.csv", f"{stem}.json", f"{stem}.parquet"} <= names
    slopes = pl.read_parquet(tmp_path / "models_trajectory_slopes.parquet")
    assert slopes.equals(a.models.trajectory.slopes)


def test_mscohort_analyse_prints_the_models_and_a_bad_models_key_exits_2(
        toy_dir: Path) -> None:
    from typer.testing import CliRunner

    from mscohort.cli.main import app

    runner = CliRunner()
    result = runner.invoke(app, ["analyse", "--study", str(toy_dir / "study.toml"),
                                 "--data", str(toy_dir)])
    assert result.exit_code == 0, result.output
    assert "Models (95% CI)" in result.output
    assert "slope after" in result.output and "conditional Poisson" in result.output
    bad = toy_dir / "bad.toml"
    bad.write_text((toy_dir / "study.toml").read_text() + '\n[models]\noutcome = "t25fw"\n')
    result = runner.invoke(app, ["analyse", "--study", str(bad), "--data", str(toy_dir)])
    assert result.exit_code == 2
    assert ("`models.outcome` must be one of 'edss', 'msss', 'msfc_z', 'rnfl'; got 't25fw'"
            in result.output)
    assert "Traceback" not in result.output

"""``mscohort compare``: files written, exit codes 0/1/2, the methods (#25 part 2)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from mscohort.cli.main import app
from mscohort.synthetic import make_synthetic_cohort, write_study_folder

DEFINITION = ('[comparison]\ntreated = "alemtuzumab"\n'
              'comparators = ["natalizumab", "fingolimod"]\n'
              'covariates = ["age", "sex", "edss", "relapses_12m"]\n')


@pytest.fixture(scope="module")
def study_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("compare") / "study"
    write_study_folder(make_synthetic_cohort(1500, seed=5), folder)
    return folder


def _run(tmp_path: Path, study_dir: Path, text: str) -> tuple[int, str, Path]:
    (tmp_path / "study.toml").write_text(text)
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["compare", "--study", str(tmp_path / "study.toml"),
                                 "--data", str(study_dir), "--out", str(out), "--methods"])
    return r.exit_code, r.output, out


def test_compare_writes_outcomes_curves_sensitivity_and_methods(tmp_path: Path,
                                                               study_dir: Path) -> None:
    code, output, out = _run(tmp_path, study_dir, DEFINITION)
    assert code == 0, output
    table = pl.read_parquet(out / "comparison_outcomes.parquet")
    assert table["outcome"].to_list() == ["relapse_rate", "relapse_rate", "first_relapse",
                                          "cdw", "cdi", "discontinuation"]
    # alemtuzumab episodes have no stop date: no discontinuation in that group, no estimate
    disc = table.filter(outcome="discontinuation").row(0, named=True)
    assert disc["events_treated"] == 0 and disc["estimate"] is None
    assert disc["note"] == "no event in a group: no estimate"
    sens = pl.read_csv(out / "comparison_sensitivity.csv")
    assert list(dict.fromkeys(sens["analysis"])) == [
        "main: matching, caliper 0.1 SD", "matching, caliper 0.2 SD", "IPT weights",
        "overlap weights"]
    curves = pl.read_parquet(out / "comparison_curves.parquet")
    assert set(curves["outcome"]) == {"first_relapse", "cdw", "cdi", "discontinuation"}
    methods = (out / "comparison_methods.txt").read_text()
    for phrase in ("pairwise censored", "CR1", "Lin and", "Efron", "168 days",
                   "VanderWeele and Ding 2017", "caliper of 0.1 SD"):
        assert phrase in methods
    assert "wrote 26 files" in output


def test_compare_without_a_comparison_section_exits_2(tmp_path: Path, study_dir: Path
                                                      ) -> None:
    code, output, _ = _run(tmp_path, study_dir, '[study]\nname = "x"\n')
    assert code == 2
    assert "`--study` must be a study definition with a [comparison] section" in output


def test_compare_names_a_bad_outcomes_key_and_exits_2(tmp_path: Path, study_dir: Path
                                                     ) -> None:
    code, output, _ = _run(tmp_path, study_dir, DEFINITION + "[comparison.outcomes]\n"
                           "cdw_conf_days = -1\n")
    assert code == 2
    assert "`comparison.outcomes.cdw_conf_days` must be a number of days > 0; got -1" in output


def test_compare_with_no_eligible_comparator_exits_2_naming_the_drug(
        tmp_path: Path, study_dir: Path) -> None:
    # the definition asks for what the data do not hold: a usage error of the definition
    code, output, _ = _run(tmp_path, study_dir, DEFINITION.replace(
        '["natalizumab", "fingolimod"]', '["cladribine"]'))
    assert code == 2, output
    assert "eligible episodes of cladribine" in output


def test_compare_on_data_that_break_the_rules_exits_1(tmp_path: Path, broken_dir: Path
                                                      ) -> None:
    code, output, out = _run(tmp_path, broken_dir, DEFINITION)
    assert code == 1, output
    assert not out.exists()


def test_compare_help_has_an_example() -> None:
    r = CliRunner().invoke(app, ["compare", "--help"])
    assert r.exit_code == 0
    assert "Example: mscohort compare --study study.toml --db study.duckdb" in r.output


def test_compare_reads_a_study_store(tmp_path: Path, study_dir: Path) -> None:
    db = tmp_path / "s.duckdb"
    r = CliRunner().invoke(app, ["import", str(study_dir), "--db", str(db)])
    assert r.exit_code == 0, r.output
    (tmp_path / "study.toml").write_text(DEFINITION + "[comparison.outcomes]\n"
                                         'outcomes = ["relapse_rate"]\n'
                                         "sensitivity_designs = []\n")
    r = CliRunner().invoke(app, ["compare", "--study", str(tmp_path / "study.toml"),
                                 "--db", str(db), "--out", str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    table = pl.read_csv(tmp_path / "out" / "comparison_outcomes.csv")
    assert table["outcome"].to_list() == ["relapse_rate", "relapse_rate"]
    sens = pl.read_csv(tmp_path / "out" / "comparison_sensitivity.csv")
    assert set(sens["analysis"]) == {"main: matching, caliper 0.1 SD"}

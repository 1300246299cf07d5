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
        "main: matching, caliper 0.1 SD", "matching, caliper 0.2 SD", "IPT weights (ATT)",
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


def test_compare_prints_bracketed_text_and_the_methods_name_the_caliper_sd(
        tmp_path: Path, study_dir: Path) -> None:
    # review of #25, findings 7, 10, 11: rich markup ate "[negative binomial, ...]"; the
    # methods did not say which SD; "main" was listed among the sensitivity analyses; a
    # sensitivity caliper equal to the main one was skipped silently
    code, output, out = _run(tmp_path, study_dir, DEFINITION + (
        "[comparison.outcomes]\noutcomes = [\"relapse_rate\"]\n"
        "sensitivity_designs = [\"match\", \"iptw\"]\nsensitivity_calipers = [0.1, 0.2]\n"))
    assert code == 0, output
    assert "[negative binomial, CR1 errors by matched set]" in output
    assert "[Poisson, CR1 errors by matched set]" in output
    methods = " ".join((out / "comparison_methods.txt").read_text().split())
    assert ("the SD over all episodes, treated and comparator together, as MatchIt's "
            "std.caliper") in methods
    assert ("Sensitivity analyses: matching, caliper 0.2 SD, IPT weights (ATT).") in methods
    assert "main:" not in methods
    assert ("Not run: matching, caliper 0.1 SD (the main analysis's design: not "
            "repeated).") in methods
    sens = pl.read_csv(out / "comparison_sensitivity.csv")
    assert list(dict.fromkeys(sens["analysis"])) == [
        "main: matching, caliper 0.1 SD", "matching, caliper 0.2 SD", "IPT weights (ATT)"]
    r = CliRunner().invoke(app, ["compare", "--help"])
    assert "[comparison]" in " ".join(r.output.split())


def test_compare_with_ps_bounds_that_keep_no_arm_exits_2_naming_the_key(
        tmp_path: Path, study_dir: Path) -> None:
    code, output, out = _run(tmp_path, study_dir, DEFINITION + (
        'design = "iptw"\nps_bounds = [0.999, 1]\n'))
    assert code == 2, output
    assert "`comparison.ps_bounds` must be bounds that keep episodes of both arms" in \
        " ".join(output.split())
    assert not out.exists()


def test_compare_with_a_covariate_missing_everywhere_says_so_with_the_count(
        tmp_path: Path, study_dir: Path) -> None:
    # the synthetic registry cohort records no site: every episode is excluded for it
    code, output, _ = _run(tmp_path, study_dir, DEFINITION.replace(
        '"relapses_12m"]', '"relapses_12m", "site"]'))
    assert code == 2, output
    text = " ".join(output.split())
    assert "`comparison.covariates` must be covariates recorded for episodes of" in text
    assert "episode(s) excluded for a missing covariate (missing `site` in" in text
    assert "check the drugs" not in text.lower()


def test_an_internal_error_of_compare_is_not_reported_as_a_data_problem(
        tmp_path: Path, study_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a fault inside the analysis (simulated: the real compare_study replaced by one that
    # fails as a bug would) is named as mscohort's, not as "no comparison" of the data
    import mscohort.analyse.comparative.analysis as analysis
    from mscohort.errors import bad_argument

    def broken(*args: object, **kwargs: object) -> None:
        raise bad_argument("pairwise", "False when an episode has no pair_id", True)

    monkeypatch.setattr(analysis, "compare_study", broken)
    code, output, _ = _run(tmp_path, study_dir, DEFINITION)
    assert code == 1
    text = " ".join(output.split())
    assert "internal error of mscohort compare (not a problem of the data" in text
    assert "no comparison" not in text

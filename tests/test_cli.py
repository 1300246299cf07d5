"""The mscohort command line: exit codes, output, and the all-or-nothing import."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from mscohort.cli.main import app
from tests.test_store import snapshot

runner = CliRunner()


def run(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


def test_validate_clean_folder_exits_0(toy_dir: Path) -> None:
    code, output = run("validate", toy_dir, "--as-of", "2026-01-01")
    assert code == 0
    assert "0 errors, 4 warnings" in output


def test_validate_lists_every_mistake_with_file_row_patient_and_rule(broken_dir: Path) -> None:
    code, output = run("validate", broken_dir, "--as-of", "2026-01-01")
    assert code == 1
    for text in ("patients.csv", "edss.csv", "treatments.csv", "relapses.csv", "infusions.csv",
                 "row 4", "patient B01", "[invalid_edss]", "[unknown_drug]",
                 "[stop_before_start]", "[duplicate_patient]", "closest: natalizumab"):
        assert text in output, text


def test_validate_json_is_machine_readable(broken_dir: Path) -> None:
    code, output = run("validate", broken_dir, "--json", "--as-of", "2026-01-01")
    data = json.loads(output)
    assert code == 1 and data["n_errors"] == len([i for i in data["issues"]
                                                  if i["severity"] == "error"])


def test_import_of_broken_folder_leaves_database_unchanged(
    toy_dir: Path, broken_dir: Path, tmp_path: Path
) -> None:
    db = tmp_path / "s.duckdb"
    assert run("import", toy_dir, "--db", db, "--as-of", "2026-01-01")[0] == 0
    before = snapshot(db)
    code, output = run("import", broken_dir, "--db", db, "--as-of", "2026-01-01")
    assert code == 1 and "Nothing was imported" in output
    assert snapshot(db) == before


def test_import_twice_yields_the_same_database(toy_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    code, output = run("import", toy_dir, "--db", db)
    assert code == 0 and "import 1: patients +8" in output
    before = snapshot(db)
    code, output = run("import", toy_dir, "--db", db)
    assert code == 0 and "store is unchanged" in output
    assert snapshot(db) == before


def test_summary_describes_the_store(toy_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    run("import", toy_dir, "--db", db)
    code, output = run("summary", "--db", db)
    assert code == 0 and "F 5, M 3" in output and "alemtuzumab 47" in output
    code, output = run("summary", "--db", db, "--json")
    assert code == 0 and json.loads(output)["n_patients"] == 8


@pytest.mark.parametrize("args", [
    ("validate", "/no/such/folder"),
    ("summary", "--db", "/no/such.duckdb"),
    ("validate", ".", "--as-of", "yesterday"),
    ("validate", ".", "--mapping", "/no/such/mapping.toml"),
    ("validate",),
    ("frobnicate",),
])
def test_usage_errors_exit_2(args: tuple[str, ...]) -> None:
    assert run(*args)[0] == 2


def test_example_runs_the_main_job(tmp_path: Path) -> None:
    code, output = run("example", "--workdir", tmp_path / "demo")
    assert code == 0
    assert "import 1: patients +60" in output and "Study summary" in output
    assert "4/5 Analysis" in output and (tmp_path / "demo" / "results" / "tables.csv").is_file()
    assert "5/5 Report" in output and (tmp_path / "demo" / "report.html").is_file()
    assert (tmp_path / "demo" / "study.duckdb").is_file()
    code, _ = run("example", "--workdir", tmp_path / "demo")  # rerun rebuilds its own database
    assert code == 0


def test_calibrate_writes_a_cohort_and_its_residuals(tmp_path: Path) -> None:
    # a quick draft: the CP-SAT repair of the many numbers a short fit misses takes
    # minutes; the full run is tests/calibrate/test_seed_cohort.py's
    code, output = run("calibrate", "--out", tmp_path / "seed", "--steps", "2000",
                       "--repair-rounds", "0")
    assert code == 0, output
    assert "published numbers reproduced at printed precision" in output
    # a draft runs no CP-SAT at all, the protocol's repair neither (README: minutes)
    assert "no repair: a draft" in output and "repair round" not in output
    names = {p.name for p in (tmp_path / "seed").iterdir()}
    assert {"patients.csv", "edss.csv", "infusions.csv", "residuals.csv"} <= names


def test_courses_lists_regimens_and_deviations(tmp_path: Path, toy_dir: Path) -> None:
    code, output = run("courses", "--data", toy_dir, "--out", tmp_path / "c.csv")
    assert code == 0, output
    assert "8 patients, 11 courses, 0 deviations" in output
    assert (tmp_path / "c.csv").is_file() and (tmp_path / "c_deviations.csv").is_file()


def test_courses_on_broken_data_or_a_bad_regimen_file(broken_dir: Path, toy_dir: Path,
                                                      tmp_path: Path) -> None:
    assert run("courses", "--data", broken_dir)[0] == 1
    bad = tmp_path / "r.toml"
    bad.write_text('[[regimen]]\nname = "x"\n')
    code, output = run("courses", "--data", toy_dir, "--regimens", bad)
    assert code == 2 and "name, drug and courses are required" in output


def test_safety_lists_overdue_tests_and_special_adverse_events(toy_dir: Path,
                                                               tmp_path: Path) -> None:
    code, output = run("safety", "--data", toy_dir, "--as-of", "2013-06-01", "--out",
                       tmp_path / "s.csv")
    assert code == 0, output
    assert "Safety monitoring as of 2013-06-01" in output and "overdue by" in output
    assert "thyroid disorder" in output and "immune thrombocytopenia" in output
    schedule = pl.read_csv(tmp_path / "s.csv")
    assert schedule.height == 8 * 4  # every treated toy patient, four panels
    assert run("safety", "--data", toy_dir, "--as-of", "June")[0] == 2


def test_retreatment_names_who_meets_the_rule(toy_dir: Path) -> None:
    code, output = run("retreatment", "--data", toy_dir, "--as-of", "2013-06-01")
    assert code == 0, output
    # toy P01 and P07 relapsed long after their last course; P05 (course 2012-09-24..28,
    # relapse 2012-10-20) has waited under 12 months on 2013-06-01, 429 days on 2013-12-01
    assert "2 of 8 treated patients meet it" in output and "P05" not in output
    code, output = run("retreatment", "--data", toy_dir, "--as-of", "2013-12-01")
    assert "P05: relapse on 2012-10-20" in output


def test_screen_the_seed_study_with_its_criteria(tmp_path: Path) -> None:
    from mscohort.calibrate.seed import SEED

    code, output = run("screen", "--study", SEED / "study.toml", "--data", SEED, "--out",
                       tmp_path / "s.csv")
    assert code == 0, output
    assert "Eligibility screening" in output
    decisions = pl.read_csv(tmp_path / "s.csv")
    assert decisions.height == 60 * 2
    assert (tmp_path / "s_criteria.csv").is_file()
    code, output = run("screen", "--study", toy_dir_definition(), "--data", SEED)
    assert code == 2 and "has no [eligibility] table" in output


def test_usage_errors_keep_their_brackets(tmp_path: Path, toy_dir: Path) -> None:
    bad = tmp_path / "s.toml"
    bad.write_text("[foo]\nx = 1\n")
    code, output = run("analyse", "--study", bad, "--data", toy_dir)
    assert code == 2 and "`[section]` must be one of" in output and "'[foo]'" in output


def toy_dir_definition() -> Path:
    from importlib.resources import files

    return Path(str(files("mscohort") / "datasets" / "toy" / "study.toml"))


def test_schema_lists_tables_drugs_and_rules() -> None:
    assert "fs_ambulation" in run("schema")[1]
    assert "Lemtrada".lower() in run("schema", "--drugs")[1].lower()
    assert "conflicts_with_store" in run("schema", "--rules")[1]


COMMANDS = [c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands]


def test_the_command_list_holds_the_documented_commands() -> None:
    assert {"validate", "import", "summary", "scores", "events", "analyse", "synth", "export",
            "schema", "example", "report", "calibrate", "courses", "safety", "retreatment",
            "screen", "compare", "federate", "serve", "history"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command: str) -> None:
    code, output = run(command, "--help")
    assert code == 0 and "Example: mscohort" in output


def test_console_script_runs_as_a_module(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", "from mscohort.cli.main import main; main()", "--version"],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0 and proc.stdout.startswith("mscohort ")


def test_scores_prints_counts_and_writes_every_assessment(toy_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    run("import", toy_dir, "--db", db)
    code, output = run("scores", "--db", db, "--out", tmp_path / "scores.csv")
    assert code == 0 and "Scores of 29 EDSS assessments" in output
    assert "EDSS vs functional systems:" in output
    import polars as pl

    assert pl.read_csv(tmp_path / "scores.csv").height == 29
    assert run("scores", "--db", db, "--out", tmp_path / "scores.txt")[0] == 2


def test_events_from_files_writes_events_summary_and_explains(tmp_path: Path) -> None:
    (tmp_path / "edss.csv").write_text(
        "patient_id,date,edss\nP1,2020-01-01,2.0\nP1,2020-03-31,3.0\nP1,2020-06-29,3.0\n"
        "P2,2020-01-01,4.0\nP2,2020-06-01,4.0\n")
    (tmp_path / "relapses.csv").write_text("patient_id,onset_date\nP1,2020-03-01\n")
    code, output = run("events", "--edss", tmp_path / "edss.csv", "--relapses",
                       tmp_path / "relapses.csv", "--preset", "observational", "--out",
                       tmp_path / "events.csv", "--explain", "P1", "--methods",
                       "--milestone", "3.0")
    assert code == 0, output
    assert "2 patients: 1 with CDW (1 events; PIRA 0, RAW 1)" in output
    assert "CDW (RAW) at 2020-03-31" in output and "roving baseline" in output
    import polars as pl

    assert pl.read_csv(tmp_path / "events.csv")["cdw_type"].to_list() == ["RAW"]
    assert pl.read_csv(tmp_path / "events_summary.csv").height == 2
    assert "milestone EDSS >= 3: reached (confirmed) by 2 of 2 patients" in output
    assert pl.read_csv(tmp_path / "events_milestones.csv").height == 2


def test_events_options_override_the_preset(tmp_path: Path) -> None:
    (tmp_path / "edss.csv").write_text(
        "patient_id,date,edss\nP1,2020-01-01,2.0\nP1,2020-03-31,3.0\nP1,2020-06-29,3.0\n")
    code, output = run("events", "--edss", tmp_path / "edss.csv", "--conf-days", "168",
                       "--methods")
    assert code == 0 and "0 with CDW" in output and "168 days" in output


@pytest.mark.parametrize("args", [
    ("events",), ("events", "--edss", "/no/such.csv"), ("events", "--preset", "nope"),
    ("events", "--edss", "x.csv", "--relapse-to-bl", "a,b"),
])
def test_events_usage_errors_exit_2(args: tuple[str, ...], tmp_path: Path) -> None:
    assert run(*args)[0] == 2


def test_events_with_bad_data_exit_1_with_the_rows(tmp_path: Path) -> None:
    (tmp_path / "edss.csv").write_text("patient_id,date,edss\nP1,2020-01-01,0.5\n")
    code, output = run("events", "--edss", tmp_path / "edss.csv")
    assert code == 1 and "invalid_edss" in output


def test_events_from_a_store(toy_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    run("import", toy_dir, "--db", db)
    code, output = run("events", "--db", db, "--preset", "observational")
    assert code == 0 and "8 patients" in output


def test_analyse_prints_the_tables_and_writes_the_outcomes(toy_dir: Path, tmp_path: Path) -> None:
    code, output = run("analyse", "--study", toy_dir / "study.toml", "--data", toy_dir,
                       "--out", tmp_path / "res")
    assert code == 0, output
    assert "8 patients, 7 analysed" in output and "(groups are not exclusive)" in output
    import polars as pl

    assert pl.read_csv(tmp_path / "res" / "outcomes.csv").height == 8
    assert (tmp_path / "res" / "settings.json").is_file()
    assert run("analyse", "--study", toy_dir / "study.toml")[0] == 2


def test_synth_writes_a_cohort_that_imports(tmp_path: Path) -> None:
    code, output = run("synth", "--patients", "40", "--seed", "1", "--out", tmp_path / "s")
    assert code == 0 and "patients 40" in output
    assert run("import", tmp_path / "s", "--db", tmp_path / "s.duckdb")[0] == 0
    assert run("synth", "--patients", "0", "--out", tmp_path / "x")[0] == 2


def test_synth_comparative_writes_the_known_truth_cohort_that_validates(
        tmp_path: Path) -> None:
    code, output = run("synth", "--comparative", "--patients", "300", "--seed", "2",
                       "--out", tmp_path / "c")
    assert code == 0 and "patients 300" in output and "infusions" in output
    # every EDSS on a step (0.5 is not one): the folder validates
    code, output = run("validate", tmp_path / "c")
    assert code == 0, output
    assert run("synth", "--comparative", "--patients", "1", "--out", tmp_path / "x")[0] == 2


def test_export_command(toy_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    run("import", toy_dir, "--db", db)
    code, output = run("export", "--db", db, "--out", tmp_path / "out", "--format", "csv")
    assert code == 0 and "wrote 12 tables" in output  # 10 canonical + 2 derived
    assert run("export", "--db", db, "--out", tmp_path / "o2", "--format", "xml")[0] == 2


def test_upgrade_brings_an_older_store_up_to_date(toy_dir: Path, tmp_path: Path) -> None:
    from tests.test_store import _downgrade_to_version_2

    db = tmp_path / "s.duckdb"
    assert CliRunner().invoke(app, ["import", str(toy_dir), "--db", str(db)]).exit_code == 0
    _downgrade_to_version_2(db)
    refused = CliRunner().invoke(app, ["summary", "--db", str(db)])
    assert refused.exit_code == 2 and "mscohort upgrade --db" in refused.output
    done = CliRunner().invoke(app, ["upgrade", "--db", str(db)])
    assert done.exit_code == 0 and "store schema version 5" in done.output
    assert CliRunner().invoke(app, ["summary", "--db", str(db)]).exit_code == 0
    missing = CliRunner().invoke(app, ["upgrade", "--db", str(tmp_path / "none.duckdb")])
    assert missing.exit_code == 2 and "does not exist" in missing.output
    assert not (tmp_path / "none.duckdb").exists()

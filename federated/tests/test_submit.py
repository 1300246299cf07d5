"""The researcher's side: hub settings, the task through vantage6's MockUserClient, the
files written, and the command line's usage errors (never a secret in a message).

Untested here (no vantage6 hub): ``submit.connect`` (login, encryption, session) and
polling a real hub."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner
from vantage6.algorithm.mock.network import MockNetwork

from mscohort.cli.main import app
from mscohort.definition import load_definition
from mscohort.errors import UsageError
from mscohort_federated.output import write_result
from mscohort_federated.submit import HubSettings, load_settings, run_task

from .conftest import SEED, split_seed

SECRET = "s3cr3t-never-shown"
runner = CliRunner()


def test_settings_from_a_file_with_the_environment_winning(tmp_path: Path) -> None:
    config = tmp_path / "federate.toml"
    config.write_text('[server]\nurl = "https://hq.example.org"\n'
                      'auth_url = "https://auth.example.org"\n'
                      '[study]\ncollaboration = 3\nimage = "reg/mscohort:1"\n'
                      'organizations = [4, 5]\n')
    s = load_settings(config, {"MSCOHORT_V6_COLLABORATION": "7",
                               "MSCOHORT_V6_CLIENT_SECRET": SECRET})
    assert (s.url, s.collaboration, s.organizations, s.image) == (
        "https://hq.example.org", 7, (4, 5), "reg/mscohort:1")
    assert s.client_secret == SECRET and SECRET not in repr(s)


def test_missing_settings_are_named_all_at_once(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"server\.url \(or the environment variable "
                       r"MSCOHORT_V6_URL\) is missing; server\.auth_url .*study\.image"):
        load_settings(None, {"MSCOHORT_V6_CLIENT_SECRET": SECRET})
    with pytest.raises(UsageError, match="`--config` must be a TOML file"):
        load_settings(tmp_path / "absent.toml", {})


def test_run_task_through_the_mock_user_client_writes_the_federated_results(
        tmp_path: Path) -> None:
    folders, _ = split_seed(tmp_path / "data")
    network = MockNetwork(module_name="mscohort_federated", datasets=[
        {"default": {"database": str(f), "db_type": "other"}} for f in folders])
    settings = HubSettings("https://hq", "https://auth", 1, "mock-image")
    seen: list[str] = []
    result = run_task(network.user_client, settings, None, (SEED / "study.toml").read_text(),
                      5, progress=seen.append)
    assert seen[0] == "extracting and deriving the study at 3 centre(s)" and seen[-1] == "done"
    assert result["federated"] is True and result["centres"] == ["mock-1", "mock-2", "mock-3"]
    written = write_result(result, load_definition(SEED / "study.toml"), tmp_path / "out")
    settings_json = json.loads((tmp_path / "out" / "settings.json").read_text())
    assert settings_json["federated"] is True
    assert settings_json["centres"] == ["mock-1", "mock-2", "mock-3"]
    assert "federated over 3 centres (mock-1, mock-2, mock-3)" in (
        tmp_path / "out" / "methods.txt").read_text()
    report = (tmp_path / "out" / "report.md").read_text()
    assert report.startswith("# Alemtuzumab in treatment-refractory MS (Phase I interim) "
                             "(federated)")
    # 32 frames as CSV and JSON; settings, methods and the report as Markdown, HTML, Word
    assert len(written) == 32 * 2 + 5
    for name in ("safety", "retreatment", "oct_eyes", "km_milestones",
                 "km_milestones_figure", "km_milestones_censored"):
        assert tmp_path / "out" / f"{name}.csv" in written
    assert (tmp_path / "out" / "report.html").read_text().startswith("<!DOCTYPE html>")


def test_the_command_refuses_missing_settings_without_showing_the_secret(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("MSCOHORT_V6_URL", "MSCOHORT_V6_AUTH_URL", "MSCOHORT_V6_IMAGE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("MSCOHORT_V6_CLIENT_SECRET", SECRET)
    monkeypatch.setenv("MSCOHORT_V6_COLLABORATION", "2")
    result = runner.invoke(app, ["federate", "--study", str(SEED / "study.toml")])
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "server.url (or the environment variable MSCOHORT_V6_URL) is missing" in text
    assert SECRET not in result.output and "Traceback" not in result.output


def test_the_command_reports_an_unreachable_hub_as_a_usage_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MSCOHORT_V6_URL", "http://127.0.0.1:9/hq")  # discard port: refused
    monkeypatch.setenv("MSCOHORT_V6_AUTH_URL", "http://127.0.0.1:9/auth")
    monkeypatch.setenv("MSCOHORT_V6_IMAGE", "mock")
    monkeypatch.setenv("MSCOHORT_V6_COLLABORATION", "2")
    monkeypatch.setenv("MSCOHORT_V6_USERNAME", "ms-study")
    monkeypatch.setenv("MSCOHORT_V6_CLIENT_SECRET", SECRET)
    result = runner.invoke(app, ["federate", "--study", str(SEED / "study.toml")])
    assert result.exit_code == 2, result.output
    assert "the federated analysis did not run" in " ".join(result.output.split())
    assert SECRET not in result.output


def test_the_core_command_line_does_not_import_vantage6_where_it_is_installed() -> None:
    import subprocess
    import sys

    code = ("import sys, mscohort.cli.main; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('vantage6', 'mscohort_federated')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"

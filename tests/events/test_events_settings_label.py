"""The settings label: the preset and every option changed from it (issue #20 item 4)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from mscohort.cli.main import app
from mscohort.derive.events import RelapseIndependence
from mscohort.derive.events.presets import KAPPOS_2020, MSPROG_DEFAULTS, PRESETS

runner = CliRunner()


def run(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


def test_label_is_the_preset_name_when_nothing_changed() -> None:
    assert MSPROG_DEFAULTS.with_(msprog_compat=False).label(MSPROG_DEFAULTS) == "msprog defaults"
    for preset in PRESETS.values():
        assert preset.label(preset) == preset.name


def test_label_lists_every_changed_option_in_field_order() -> None:
    s = MSPROG_DEFAULTS.with_(baseline="roving", event="multiple", conf_days=(168,),
                              relapse_to_bl=(60, 0))
    assert s.label(MSPROG_DEFAULTS) == ("msprog defaults with event=multiple, "
                                        "baseline=roving, conf_days=168, relapse_to_bl=60,0")
    assert s.changes_from(MSPROG_DEFAULTS) == {
        "event": "multiple", "baseline": "roving", "conf_days": (168,),
        "relapse_to_bl": (60.0, 0.0)}


def test_label_writes_pira_windows_as_the_cli_takes_them() -> None:
    s = KAPPOS_2020.with_(relapse_indep=RelapseIndependence(prec=(0, 0), event=(90, 30),
                                                            conf=(90, 30)))
    assert s.label(KAPPOS_2020) == (
        f"{KAPPOS_2020.name} with relapse_indep=prec=0,0;event=90,30;conf=90,30;"
        "prec_type=baseline")


def test_cli_summary_names_the_preset_and_the_changed_options(tmp_path: Path) -> None:
    (tmp_path / "edss.csv").write_text(
        "patient_id,date,edss\nP1,2020-01-01,2.0\nP1,2020-03-31,3.0\nP1,2020-06-29,3.0\n")
    code, output = run("events", "--edss", tmp_path / "edss.csv", "--event", "multiple",
                       "--baseline", "roving", "--methods")
    assert code == 0
    assert "settings: msprog defaults with event=multiple, baseline=roving" in output
    code, output = run("events", "--edss", tmp_path / "edss.csv", "--preset", "observational")
    assert code == 0 and output.rstrip().endswith("settings: observational cohort")

"""The analysis rules of the study definition (issue #17): each edge case built from its
minimal case, with the expected numbers computed by hand in the test."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mscohort.analyse.study import analyse_study
from mscohort.analyse.tables import relapse_table
from mscohort.cli.main import app
from mscohort.definition import StudyDefinition, parse_definition
from mscohort.derive.outcomes import patient_outcomes
from mscohort.ingest import read_study
from mscohort.stratify.splits import by_prior_drug, by_prior_window
from mscohort.validate import check_study
from tests.conftest import AS_OF

D = dt.date
PATIENTS = ("patient_id,sex,birth_date,onset_date\nP1,F,1970-01-01,1995-01-01\n"
            "P2,M,1975-01-01,2000-01-01\nP3,F,1980-01-01,2005-01-01\n")


def outcomes_of(folder: Path, d: StudyDefinition) -> dict[str, dict]:
    study, _ = check_study(read_study(folder), as_of=AS_OF)
    out = patient_outcomes(study, d)
    return {r["patient_id"]: r for r in out.iter_rows(named=True)}


# -- error 1: no patient with both a baseline and a follow-up EDSS -------------------------
@pytest.fixture
def index_day_only(write_study) -> Path:
    """Three patients whose only EDSS is on the index day (the issue's minimal case)."""
    return write_study(
        patients=PATIENTS,
        edss="patient_id,date,edss\nP1,2010-01-01,3.0\nP2,2011-01-01,4.0\nP3,2012-01-01,5.0\n",
        infusions="patient_id,drug,date,dose_mg\nP1,alemtuzumab,2010-01-01,12\n"
                  "P2,alemtuzumab,2011-01-01,12\nP3,alemtuzumab,2012-01-01,12\n")


def test_analysis_runs_when_no_patient_has_baseline_and_follow_up_edss(index_day_only
                                                                       ) -> None:
    study, _ = check_study(read_study(index_day_only), as_of=AS_OF)
    result = analyse_study(study, StudyDefinition())
    assert result.outcomes["excluded_reason"].to_list() == ["no follow-up EDSS"] * 3
    assert result.tables["by follow-up cohort"].height == 0
    assert any("no patient has both a baseline and a follow-up EDSS" in w
               for w in result.warnings)
    assert result.logrank_cdw is None


def test_analyse_command_warns_and_exits_0_when_no_patient_is_analysed(
        index_day_only, tmp_path: Path) -> None:
    toml = tmp_path / "study.toml"
    toml.write_text('[study]\nname = "minimal"\n')
    result = CliRunner().invoke(app, ["analyse", "--study", str(toml), "--data",
                                      str(index_day_only), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output and result.exception is None
    assert "warning: follow-up cohorts: no groups" in result.output
    settings = json.loads((tmp_path / "out" / "settings.json").read_text())
    assert any("no groups" in w for w in settings["warnings"])


def test_the_report_is_written_when_no_patient_is_analysed(index_day_only,
                                                           tmp_path: Path) -> None:
    from mscohort.report import build_report

    study, _ = check_study(read_study(index_day_only), as_of=AS_OF)
    report = build_report(study, analyse_study(study, StudyDefinition()))
    written = report.write(tmp_path / "report.html")
    assert written and (tmp_path / "report.html").stat().st_size > 0


# -- error 3: the drug immediately before ---------------------------------------------------
def _prior_study(write_study, treatments: str) -> Path:
    return write_study(
        patients=PATIENTS,
        edss="patient_id,date,edss\nP1,2009-12-01,3.0\nP1,2011-01-01,3.0\n",
        infusions="patient_id,drug,date,dose_mg\nP1,alemtuzumab,2010-01-01,12\n",
        treatments="patient_id,drug,start_date,stop_date\n" + treatments)


def test_a_drug_stopped_799_days_before_the_index_is_not_the_drug_immediately_before(
        write_study) -> None:
    # index 2010-01-01; Avonex stopped 2007-10-25, 799 days before
    assert (D(2010, 1, 1) - D(2007, 10, 25)).days == 799
    folder = _prior_study(write_study, "P1,Avonex,2004-01-01,2007-10-25\n")
    p1 = outcomes_of(folder, StudyDefinition())["P1"]
    assert (p1["prior_drug"], p1["prior_group"], p1["prior_gap_days"]) == (
        None, "none in window", 799)
    assert p1["prior_window_groups"] is None  # and in no within-two-years group either
    study, _ = check_study(read_study(folder), as_of=AS_OF)
    out = patient_outcomes(study, StudyDefinition())
    assert int(by_prior_drug(out, StudyDefinition()).groups["none in window"].sum()) == 1
    assert not any(int(m.sum()) for m in by_prior_window(out, StudyDefinition()).groups.values())
    # with no gap limit (the seed's published grouping) it is the drug immediately before
    unlimited = outcomes_of(folder, parse_definition(
        {"prior_treatment": {"immediate_gap_days": math.inf}}))["P1"]
    assert (unlimited["prior_drug"], unlimited["prior_group"]) == ("interferon beta", "IFN-GA")
    # the limit is inclusive: 799 days is within a limit of 799
    at = outcomes_of(folder, parse_definition({"prior_treatment": {"immediate_gap_days": 799}}))
    assert at["P1"]["prior_group"] == "IFN-GA"


def test_overlapping_drugs_a_one_day_exposure_started_last_does_not_win(write_study) -> None:
    # natalizumab 2008-01-01 to 2009-12-20 (719 days before the index, gap 12 days);
    # a one-day fingolimod exposure on 2009-11-01 (started last, gap 61 days)
    folder = _prior_study(write_study, "P1,natalizumab,2008-01-01,2009-12-20\n"
                                       "P1,fingolimod,2009-11-01,2009-11-01\n")
    by_rule = {rule: outcomes_of(folder, parse_definition(
        {"prior_treatment": {"immediate_rule": rule}}))["P1"]
        for rule in ("stopped_last", "longest", "started_last")}
    assert by_rule["stopped_last"]["prior_drug"] == "natalizumab"  # the default
    assert by_rule["stopped_last"]["prior_gap_days"] == 12
    assert by_rule["longest"]["prior_drug"] == "natalizumab"
    assert by_rule["started_last"]["prior_drug"] == "fingolimod"  # the old rule, on request
    assert by_rule["started_last"]["prior_gap_days"] == 61
    assert StudyDefinition().immediate_rule == "stopped_last"
    assert by_rule["stopped_last"]["prior_window_drugs"] == ["natalizumab", "fingolimod"]


def test_an_exposure_ongoing_at_the_index_date_is_stopped_last(write_study) -> None:
    # interferon ongoing (no stop date) beats natalizumab stopped 10 days before the index
    folder = _prior_study(write_study, "P1,natalizumab,2008-01-01,2009-12-22\n"
                                       "P1,Rebif,2009-06-01,\n")
    p1 = outcomes_of(folder, StudyDefinition())["P1"]
    assert (p1["prior_drug"], p1["prior_gap_days"]) == ("interferon beta", 0)


# -- error 4: relapse windows -------------------------------------------------------------
def _relapse_study(write_study, relapses: str, onset: str = "1995-01-01",
                   extra: dict[str, str] | None = None) -> Path:
    # index 2010-01-01, baseline 2009-12-01, last EDSS 2011-01-01 (365 days)
    return write_study(
        patients=f"patient_id,sex,birth_date,onset_date\nP1,F,1970-01-01,{onset}\n",
        edss="patient_id,date,edss\nP1,2009-12-01,3.0\nP1,2011-01-01,3.0\n",
        infusions="patient_id,drug,date,dose_mg\nP1,alemtuzumab,2010-01-01,12\n",
        relapses="patient_id,onset_date\n" + relapses, **(extra or {}))


@pytest.mark.parametrize(("rule", "before", "during"), [
    ("before", 2, 1), ("during", 1, 2), ("neither", 1, 1)])
def test_the_index_day_relapse_goes_where_the_definition_says(write_study, rule: str,
                                                              before: int, during: int
                                                              ) -> None:
    folder = _relapse_study(write_study, "P1,2009-05-01\nP1,2010-01-01\nP1,2010-06-01\n")
    p1 = outcomes_of(folder, parse_definition({"relapses": {"index_day": rule}}))["P1"]
    assert (p1["relapses_before"], p1["relapses_during"]) == (before, during)
    # by hand: before over 730.5 days = 2 years; during over 365 days
    assert p1["arr_before"] == pytest.approx(before / 2.0, abs=1e-6)
    assert p1["arr_during"] == pytest.approx(during / (365 / 365.25), abs=1e-6)


def test_the_pre_index_denominator_starts_at_disease_onset(write_study) -> None:
    # onset 2008-07-01: 549 days of disease before the index date; 3 relapses
    folder = _relapse_study(write_study, "P1,2008-07-01\nP1,2009-01-01\nP1,2009-09-01\n",
                            onset="2008-07-01")
    p1 = outcomes_of(folder, StudyDefinition())["P1"]
    assert (D(2010, 1, 1) - D(2008, 7, 1)).days == 549
    assert p1["years_before"] == pytest.approx(549 / 365.25, abs=1e-9)
    assert p1["arr_before"] == pytest.approx(3 * 365.25 / 549, abs=1e-6)  # 1.995902
    whole = outcomes_of(folder, parse_definition({"relapses": {"truncate_at_onset": False}}))
    assert whole["P1"]["arr_before"] == pytest.approx(1.5, abs=1e-6)  # 3 / 2 years


def test_relapses_after_the_last_edss_are_counted_or_reported(write_study) -> None:
    # last EDSS 2011-01-01; a relapse 2011-03-01 and a lab on 2011-07-01 (last contact)
    folder = _relapse_study(
        write_study, "P1,2010-06-01\nP1,2011-03-01\n",
        extra={"labs": "patient_id,date,test,value,unit\nP1,2011-07-01,lymphocytes,1.2,"
                       "10^9/L\n"})
    study, _ = check_study(read_study(folder), as_of=AS_OF)
    result = analyse_study(study, StudyDefinition())
    p1 = result.outcomes.row(0, named=True)
    assert (p1["relapses_during"], p1["relapses_after_end"]) == (1, 1)
    assert any("1 relapse(s) of 1 patient(s) after the end of the relapse follow-up" in w
               for w in result.warnings)
    contact = analyse_study(study, parse_definition({"relapses": {
        "follow_up_end": "last_contact"}})).outcomes.row(0, named=True)
    days = (D(2011, 7, 1) - D(2010, 1, 1)).days  # 546
    assert (contact["relapse_followup_end"], contact["relapses_during"],
            contact["relapses_after_end"]) == (D(2011, 7, 1), 2, 0)
    assert contact["arr_during"] == pytest.approx(2 / (days / 365.25), abs=1e-6)
    cut = analyse_study(study, parse_definition({
        "follow_up": {"cutoff_date": "2011-02-01"},
        "relapses": {"follow_up_end": "cutoff"}})).outcomes.row(0, named=True)
    assert (cut["relapse_followup_end"], cut["relapses_during"],
            cut["relapses_after_end"]) == (D(2011, 2, 1), 1, 1)


def test_a_three_day_follow_up_gives_no_per_patient_rate_by_default(write_study) -> None:
    # follow-up 3 days (index 2010-01-01, last EDSS 2010-01-04), one relapse on 2010-01-03
    folder = write_study(
        patients=PATIENTS,
        edss="patient_id,date,edss\nP1,2009-12-01,3.0\nP1,2010-01-04,3.0\n"
             "P2,2010-12-01,4.0\nP2,2012-01-01,4.0\n",
        infusions="patient_id,drug,date,dose_mg\nP1,alemtuzumab,2010-01-01,12\n"
                  "P2,alemtuzumab,2011-01-01,12\n",
        relapses="patient_id,onset_date\nP1,2010-01-03\nP2,2011-06-01\n")
    study, _ = check_study(read_study(folder), as_of=AS_OF)
    result = analyse_study(study, StudyDefinition())
    p1 = result.outcomes.row(0, named=True)
    assert p1["relapses_during"] == 1 and p1["arr_during"] is None
    assert any("1 patient(s) with less than 90 days" in w for w in result.warnings)
    # the pooled rate still counts P1's 3 days: (1 + 1) / ((3 + 365) / 365.25)
    table = result.relapses.row(0, named=True)
    assert table["n"] == 2
    assert table["pooled_during"] == pytest.approx(2 / (368 / 365.25), abs=1e-6)
    # asked for explicitly, the per-patient rate is 1 / (3 / 365.25) = 121.75
    raw = analyse_study(study, parse_definition({"relapses": {"min_followup_days": 0}}))
    assert raw.outcomes.row(0, named=True)["arr_during"] == pytest.approx(121.75, abs=1e-6)
    assert not raw.warnings


def test_the_relapse_table_uses_each_patients_time_at_risk(write_study) -> None:
    folder = _relapse_study(write_study, "P1,2008-07-01\nP1,2009-01-01\nP1,2009-09-01\n",
                            onset="2008-07-01")
    study, _ = check_study(read_study(folder), as_of=AS_OF)
    out = patient_outcomes(study, StudyDefinition())
    row = relapse_table(out, StudyDefinition()).row(0, named=True)
    assert row["pooled_before"] == pytest.approx(3 / (549 / 365.25), abs=1e-6)


# -- error 7: the lunar month and the change thresholds -------------------------------------
def test_the_lunar_month_is_28_days_or_the_synodic_month(write_study) -> None:
    folder = _relapse_study(write_study, "")
    four_weeks = outcomes_of(folder, StudyDefinition())["P1"]
    assert four_weeks["followup"] == pytest.approx(365 / 28, abs=1e-9)
    d = parse_definition({"follow_up": {"lunar_month": "synodic"}})
    synodic = outcomes_of(folder, d)["P1"]
    assert synodic["followup"] == pytest.approx(365 / 29.530589, abs=1e-9)
    from mscohort.analyse.study import methods_text

    assert "synodic lunar months of 29.530589 days" in methods_text(d)
    assert "lunar months of 28 days (4 weeks" in methods_text(StudyDefinition())


def test_the_threshold_rule_uses_the_event_delta_and_is_not_called_confirmed(
        write_study) -> None:
    # baseline 5.5, last EDSS 6.0: +0.5 is a worsening by the msprog thresholds (0.5 above
    # 5.0) but not by those of Müller 2023 (1.0 up to 5.5)
    folder = write_study(
        patients=PATIENTS, edss="patient_id,date,edss\nP1,2009-12-01,5.5\nP1,2011-01-01,6.0\n",
        infusions="patient_id,drug,date,dose_mg\nP1,alemtuzumab,2010-01-01,12\n")
    msprog = parse_definition({"change": {"rule": "threshold"}})
    muller = parse_definition({"change": {"rule": "threshold"}, "events": {"delta": "edss_5.5"}})
    assert outcomes_of(folder, msprog)["P1"]["change_category"] == "worsened"
    assert outcomes_of(folder, muller)["P1"]["change_category"] == "stable"
    from mscohort.analyse.study import methods_text

    assert "not confirmed" in methods_text(muller) and "up to 5.5" in methods_text(muller)


# -- the [events] section ---------------------------------------------------------------------
def test_the_event_settings_of_the_definition_decide_the_confirmed_worsening(
        write_study, tmp_path: Path) -> None:
    # +1.0 on 2010-06-01 confirmed on 2010-10-01 (122 days): a CDW at 12 weeks (84 days),
    # none at 24 weeks (168 days, at least 161 days after the onset)
    folder = write_study(
        edss="patient_id,date,edss\nP1,2010-01-01,3.0\nP1,2010-06-01,4.0\nP1,2010-10-01,4.0\n",
        infusions="patient_id,drug,date,dose_mg\nP1,alemtuzumab,2010-01-10,12\n")
    study, _ = check_study(read_study(folder), as_of=AS_OF)
    default = analyse_study(study, StudyDefinition())
    assert default.outcomes.row(0, named=True)["cdw_observed"] is True
    d = parse_definition({"events": {"preset": "msprog", "conf_days": 168}})
    longer = analyse_study(study, d)
    assert longer.outcomes.row(0, named=True)["cdw_observed"] is False
    assert "confirmed at an assessment 168 days after its onset" in longer.methods()
    assert "12-week" not in longer.methods()
    longer.write(tmp_path / "out")
    settings = json.loads((tmp_path / "out" / "settings.json").read_text())
    assert settings["events"] == {"preset": "msprog", "conf_days": [168.0]}
    assert settings["event_settings"]["conf_days"] == [168.0]
    from mscohort.report.timeline import patient_timeline

    assert patient_timeline(default, "P1").events.height == 1
    assert patient_timeline(longer, "P1").events.height == 0


def test_event_presets_and_options_are_read_from_the_definition() -> None:
    from mscohort.derive.events.presets import MULLER_2023, study_event_settings

    d = parse_definition({"events": {"preset": "muller2023", "relapse_to_conf": [60, 0],
                                     "relapse_indep": {"event": [90, "none"]},
                                     "conf_tol_days": [7, math.inf]}})
    s = study_event_settings(d.events)
    assert s.conf_days == MULLER_2023.conf_days == (168.0,)
    assert s.relapse_to_conf == (60.0, 0.0) and s.conf_tol_days == (7.0, math.inf)
    assert s.relapse_indep.event == (90.0, None)
    assert s.relapse_indep.conf == MULLER_2023.relapse_indep.conf
    assert s.name.startswith("Müller 2023 harmonised PIRA, with relapse_to_conf")


def test_relapse_end_dates_and_the_strict_kappos_reading_are_definition_options() -> None:
    from mscohort.derive.events.presets import KAPPOS_2020_STRICT, study_event_settings

    d = parse_definition({"events": {"preset": "kappos2020_strict",
                                     "relapse_end_dates": True}})
    s = study_event_settings(d.events)
    assert s.relapse_end_dates is True and KAPPOS_2020_STRICT.relapse_end_dates is False
    assert s.relapse_indep == KAPPOS_2020_STRICT.relapse_indep
    assert d.as_dict()["events"] == {"preset": "kappos2020_strict", "relapse_end_dates": True}


def test_event_options_cover_every_event_setting_and_preset() -> None:
    from dataclasses import fields

    from mscohort.definition.events import EVENT_OPTIONS, PRESET_NAMES
    from mscohort.derive.events.presets import PRESETS
    from mscohort.derive.events.settings import EventSettings

    study_fixed = {"outcome", "worsening", "seed", "name"}  # EDSS, increase: the study's
    assert set(EVENT_OPTIONS) == {f.name for f in fields(EventSettings)} - study_fixed
    assert set(PRESET_NAMES) == set(PRESETS)


def test_the_msss_table_of_the_definition_is_used(write_study) -> None:
    from mscohort.derive.severity import msss

    folder = _relapse_study(write_study, "")
    d = parse_definition({"msss": {"table": "manouchehrinia2017"}})
    p1 = outcomes_of(folder, d)["P1"]
    years = 14  # onset 1995-01-01, baseline 2009-12-01: 14 completed years
    assert p1["baseline_msss"] == pytest.approx(
        float(msss([3.0], [years], table="manouchehrinia2017")[0]), abs=1e-9)
    assert "Manouchehrinia et al. (2017)" in __import__(
        "mscohort.analyse.study", fromlist=["methods_text"]).methods_text(d)


# -- the definition file: every error at once, naming the key and the allowed values ---------
def test_every_error_of_a_definition_file_is_reported_in_one_pass() -> None:
    from mscohort.errors import UsageError

    raw = {"studdy": {}, "follow_up": {"unit": "weeks", "lunar_month": "moon"},
           "relapses": {"index_day": "after", "min_followup_days": -1},
           "prior_treatment": {"immediate_rule": "first"},
           "events": {"preset": "trial", "conf_dayz": 84, "baseline": "rovin"},
           "neda": {"window_days": 0}}
    with pytest.raises(UsageError) as info:
        parse_definition(raw, "study definition s.toml")
    text = str(info.value)
    for part in (
            "10 errors",
            "`[section]` must be one of study, index",
            "got '[studdy]'",
            "`follow_up.unit` must be one of lunar_month, month, year, day; got 'weeks'",
            "`follow_up.lunar_month` must be one of 28_days, synodic; got 'moon'",
            "`relapses.index_day` must be one of before, during, neither; got 'after'",
            "`relapses.min_followup_days` must be a number of days >= 0; got -1",
            "`prior_treatment.immediate_rule` must be one of stopped_last, longest, "
            "started_last",
            "`events.preset` must be one of msprog, clinical_trial, observational, kappos2020, "
            "kappos2020_strict, muller2023; got 'trial'",
            "[events] has unknown key conf_dayz; allowed: preset, baseline",
            "`events.baseline` must be one of fixed, roving_impr, roving_wors, roving; got "
            "'rovin'",
            "`neda.window_days` must be a number >= 1; got 0"):
        assert part in text, part
    assert text.startswith("study definition s.toml: 10 errors:\n")


def test_the_docs_list_every_key_of_the_definition() -> None:
    from mscohort.definition.keys import KEYS, markdown_table

    docs = (Path(__file__).parents[1] / "docs" / "analysis.md").read_text()
    assert markdown_table() in docs
    assert len({k.path for k in KEYS}) == len(KEYS)


# -- options for the sensitivity analyses ------------------------------------------------------
def test_the_pre_index_window_can_leave_out_the_year_before_the_index(write_study) -> None:
    # relapses at months -20, -6 and on the index day; window months -24 to -12 (730.5 to 365
    # days before): only the first counts, over 365.5 days
    folder = _relapse_study(write_study, "P1,2008-05-01\nP1,2009-07-01\nP1,2010-01-01\n")
    d = parse_definition({"relapses": {"pre_index_end_days": 365}})
    p1 = outcomes_of(folder, d)["P1"]
    assert p1["relapses_before"] == 1
    assert p1["years_before"] == pytest.approx(365.5 / 365.25, abs=1e-9)
    assert p1["arr_before"] == pytest.approx(365.25 / 365.5, abs=1e-6)
    from mscohort.analyse.study import methods_text

    assert "from 730.5 to 365 days before the index date" in methods_text(d)
    from mscohort.errors import UsageError

    with pytest.raises(UsageError, match=r"pre_index_end_days` must be below pre_index_days"):
        parse_definition({"relapses": {"pre_index_days": 365, "pre_index_end_days": 400}})


def test_a_baseline_may_be_required_away_from_a_relapse(write_study) -> None:
    # EDSS 2009-11-01 (3.0) and 2009-12-20 (4.5, 9 days after a relapse on 2009-12-11)
    folder = write_study(
        patients=PATIENTS,
        edss="patient_id,date,edss\nP1,2009-11-01,3.0\nP1,2009-12-20,4.5\nP1,2011-01-01,3.0\n",
        infusions="patient_id,drug,date,dose_mg\nP1,alemtuzumab,2010-01-01,12\n",
        relapses="patient_id,onset_date\nP1,2009-12-11\n")
    closest = outcomes_of(folder, StudyDefinition())["P1"]
    assert (closest["baseline_date"], closest["baseline_edss"]) == (D(2009, 12, 20), 4.5)
    away = outcomes_of(folder, parse_definition({"baseline": {"relapse_free_days": 30}}))["P1"]
    assert (away["baseline_date"], away["baseline_edss"], away["edss_change"]) == (
        D(2009, 11, 1), 3.0, 0.0)


def test_patients_below_a_minimum_follow_up_are_not_analysed(write_study) -> None:
    folder = _relapse_study(write_study, "")  # follow-up 365 days
    assert outcomes_of(folder, parse_definition({"follow_up": {"min_days": 365}}))["P1"][
        "excluded_reason"] is None
    short = outcomes_of(folder, parse_definition({"follow_up": {"min_days": 366}}))["P1"]
    assert short["excluded_reason"] == "follow-up shorter than 366 days"


def test_each_rule_is_a_checked_option_for_a_sensitivity_analysis() -> None:
    from mscohort.errors import InvalidArgumentError

    d = StudyDefinition()
    changed = d.with_(lunar_month="synodic", immediate_gap_days=math.inf,
                      index_day_relapse="neither", relapse_min_followup_days=0)
    assert changed.unit_days == pytest.approx(29.530589) and d.unit_days == 28
    assert changed.immediate_gap == math.inf and d.immediate_gap == d.prior_window_days == 730.5
    with pytest.raises(InvalidArgumentError, match=r"`lunar_month` must be one of 28_days, "
                                                   r"synodic; got 'moon'"):
        d.with_(lunar_month="moon")
    with pytest.raises(InvalidArgumentError, match=r"`relapse_min_followup_days` must be a number "
                                                   r"of days >= 0; got -1"):
        d.with_(relapse_min_followup_days=-1)
    with pytest.raises(InvalidArgumentError, match=r"`name` must be a field of StudyDefinition"):
        d.with_(gap=1)
    with pytest.raises(InvalidArgumentError, match=r"`cutoff_date` must be given when"):
        d.with_(relapse_end="cutoff")
    assert d.with_(relapse_end="cutoff", cutoff_date=D(2015, 6, 30)).relapse_end == "cutoff"


def test_settings_json_records_an_unlimited_gap_as_valid_json(write_study, tmp_path) -> None:
    folder = _prior_study(write_study, "P1,Avonex,2004-01-01,2007-10-25\n")
    study, _ = check_study(read_study(folder), as_of=AS_OF)
    d = parse_definition({"prior_treatment": {"immediate_gap_days": math.inf}})
    analyse_study(study, d).write(tmp_path / "out")
    text = (tmp_path / "out" / "settings.json").read_text()
    settings = json.loads(text, parse_constant=lambda c: pytest.fail(f"not JSON: {c}"))
    assert settings["immediate_gap_days"] == "inf"
    assert settings["immediate_rule"] == "stopped_last" and settings["lunar_month"] == "28_days"
    assert settings["msss_convention"] == "standard"

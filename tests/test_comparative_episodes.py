"""Treatment episodes, their eligibility and baseline covariates (#25), on a toy study where
each patient is one edge case; every expected value is worked out by hand in the comments."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from mscohort.definition.comparison import ComparisonSettings
from mscohort.derive.episode_covariates import episode_covariates
from mscohort.derive.episodes import treatment_episodes
from mscohort.schema import TABLES
from mscohort.study import Study

D = dt.date.fromisoformat


def _frame(name: str, rows: list[dict[str, object]]) -> pl.DataFrame:
    schema = TABLES[name].stored_schema()
    data = [{c: (D(v) if isinstance(v, str) and schema[c] == pl.Date() else v)
             for c, v in r.items()} for r in rows]
    frame = pl.DataFrame(data, schema={c: schema[c] for c in rows[0]}) if rows else None
    assert frame is not None
    missing = [pl.lit(None, dtype=t).alias(c) for c, t in schema.items()
               if c not in frame.columns]
    return frame.with_columns(missing).select(list(schema))


def toy_study() -> Study:
    """A: interferon, then alemtuzumab in two courses (one episode). B: natalizumab switched
    to fingolimod before its recorded stop; last EDSS 184 days before the start. C: 15 years
    old, relapse on the start day (a baseline relapse). D: natalizumab, then alemtuzumab
    (two eligible episodes). E: alemtuzumab in both tables, 30 days of follow-up."""
    patients = _frame("patients", [
        {"patient_id": "A", "sex": "F", "birth_date": "1980-01-01", "onset_date": "2000-01-01",
         "phenotype": "RRMS", "site": "X"},
        {"patient_id": "B", "sex": "M", "birth_date": "1975-01-01", "onset_date": "2001-01-01",
         "phenotype": "RRMS", "site": "Y"},
        {"patient_id": "C", "sex": "F", "birth_date": "2000-01-01", "onset_date": "2013-01-01",
         "phenotype": "RRMS", "site": "X"},
        {"patient_id": "D", "sex": "M", "birth_date": "1985-01-01", "onset_date": "2005-01-01",
         "phenotype": None, "site": "Y"},
        {"patient_id": "E", "sex": "F", "birth_date": "1990-01-01", "onset_date": "2010-01-01",
         "phenotype": "SPMS", "site": "X"},
    ])
    treatments = _frame("treatments", [
        {"patient_id": "A", "drug": "interferon beta", "start_date": "2005-01-01",
         "stop_date": "2009-12-31"},
        {"patient_id": "B", "drug": "natalizumab", "start_date": "2012-01-01",
         "stop_date": "2014-01-01"},
        {"patient_id": "B", "drug": "fingolimod", "start_date": "2013-10-01",
         "stop_date": None},
        {"patient_id": "C", "drug": "natalizumab", "start_date": "2015-01-01",
         "stop_date": None},
        {"patient_id": "D", "drug": "natalizumab", "start_date": "2010-01-01",
         "stop_date": "2011-01-01"},
        {"patient_id": "E", "drug": "alemtuzumab", "start_date": "2016-05-02",
         "stop_date": None},
    ])
    infusions = _frame("infusions", [
        *({"patient_id": "A", "drug": "alemtuzumab", "date": f"2010-03-0{d}", "dose_mg": 12.0}
          for d in range(1, 6)),
        *({"patient_id": "A", "drug": "alemtuzumab", "date": f"2011-03-0{d}", "dose_mg": 12.0}
          for d in range(1, 4)),
        *({"patient_id": "D", "drug": "alemtuzumab", "date": f"2012-01-0{d}", "dose_mg": 12.0}
          for d in range(1, 6)),
        *({"patient_id": "E", "drug": "alemtuzumab", "date": f"2016-05-0{d}", "dose_mg": 12.0}
          for d in range(2, 7)),
    ])
    relapses = _frame("relapses", [
        {"patient_id": "A", "onset_date": "2008-01-01"},
        {"patient_id": "A", "onset_date": "2009-06-01"},
        {"patient_id": "B", "onset_date": "2011-12-31"},
        {"patient_id": "C", "onset_date": "2015-01-01"},
        {"patient_id": "D", "onset_date": "2009-06-01"},
        {"patient_id": "D", "onset_date": "2011-06-01"},
        {"patient_id": "E", "onset_date": "2016-01-01"},
    ])
    edss = _frame("edss", [
        {"patient_id": "A", "date": "2010-01-15", "edss": 3.0},
        {"patient_id": "A", "date": "2012-01-01", "edss": 2.5},
        {"patient_id": "B", "date": "2011-07-01", "edss": 2.0},
        {"patient_id": "B", "date": "2015-01-01", "edss": 2.0},
        {"patient_id": "C", "date": "2015-01-01", "edss": 1.0},
        {"patient_id": "C", "date": "2016-01-01", "edss": 1.0},
        {"patient_id": "D", "date": "2009-12-01", "edss": 4.0},
        {"patient_id": "D", "date": "2011-12-01", "edss": 4.5},
        {"patient_id": "D", "date": "2014-01-01", "edss": 4.5},
        {"patient_id": "E", "date": "2016-04-01", "edss": 6.0},
        {"patient_id": "E", "date": "2016-06-01", "edss": 6.0},
    ])
    return Study({"patients": patients, "treatments": treatments, "infusions": infusions,
                  "relapses": relapses, "edss": edss})


SETTINGS = ComparisonSettings(
    treated="alemtuzumab", comparators=("natalizumab",), min_prior_relapses=1,
    prior_relapse_days=365.25, age_min=18, age_max=65, edss_window_days=182.625,
    min_follow_up_days=90)


def test_episodes_start_at_each_compared_drug_and_merge_courses_and_tables() -> None:
    ep = treatment_episodes(toy_study(), SETTINGS).episodes
    # A: the second alemtuzumab course continues the episode; E: alemtuzumab recorded in
    # treatments and infusions on the same day is one episode; B's fingolimod is no episode
    assert ep["episode_id"].to_list() == [
        "A:alemtuzumab:2010-03-01", "B:natalizumab:2012-01-01", "C:natalizumab:2015-01-01",
        "D:natalizumab:2010-01-01", "D:alemtuzumab:2012-01-01", "E:alemtuzumab:2016-05-02"]
    assert ep["treatment"].to_list() == [1, 0, 0, 0, 1, 1]


def test_stop_is_the_earlier_of_recorded_stop_and_switch_and_ends_follow_up() -> None:
    ep = treatment_episodes(toy_study(), SETTINGS).episodes
    row = {r["episode_id"]: r for r in ep.iter_rows(named=True)}
    # B switched to fingolimod on 2013-10-01, before the recorded stop 2014-01-01
    assert row["B:natalizumab:2012-01-01"]["stop_date"] == D("2013-10-01")
    assert row["B:natalizumab:2012-01-01"]["end_date"] == D("2013-10-01")
    # D's natalizumab stopped 2011-01-01 (alemtuzumab came later)
    assert row["D:natalizumab:2010-01-01"]["stop_date"] == D("2011-01-01")
    # A: infused, no stop; the end of data is the last record, the EDSS of 2012-01-01
    assert row["A:alemtuzumab:2010-03-01"]["stop_date"] is None
    assert row["A:alemtuzumab:2010-03-01"]["end_date"] == D("2012-01-01")
    uncensored = treatment_episodes(toy_study(), SETTINGS.with_(censor_at_stop=False))
    b = uncensored.episodes.filter(pl.col("patient_id") == "B")
    assert b["end_date"].to_list() == [D("2015-01-01")]  # B's last record


def test_each_failed_criterion_is_named_per_episode() -> None:
    result = treatment_episodes(toy_study(), SETTINGS)
    failed = {(r["episode_id"], r["criterion"]) for r in result.exclusions.iter_rows(named=True)}
    assert failed == {
        # the last EDSS 184 days before the start: outside 182.625 days
        ("B:natalizumab:2012-01-01", "baseline_edss"),
        # 15.0 years old; the relapse on the start day is a prior relapse (the start day
        # belongs to the baseline: #25 follow-up, tests/comparative/test_baseline_windows.py)
        ("C:natalizumab:2015-01-01", "age"),
        # D's second eligible episode
        ("D:alemtuzumab:2012-01-01", "not_first_eligible"),
        # 2016-05-02 to 2016-06-01: 30 days < 90
        ("E:alemtuzumab:2016-05-02", "follow_up"),
    }
    detail = result.exclusions.filter(pl.col("criterion") == "follow_up")["detail"][0]
    assert detail == "30 days of follow-up; at least 90 required"
    assert result.eligible["episode_id"].to_list() == ["A:alemtuzumab:2010-03-01",
                                                        "D:natalizumab:2010-01-01"]
    assert result.flow() == {
        "candidate_episodes": 6, "excluded_prior_relapses": 0, "excluded_age": 1,
        "excluded_baseline_edss": 1, "excluded_follow_up": 1, "excluded_not_first_eligible": 1,
        "eligible_treated": 1, "eligible_control": 1}


def test_all_episodes_keeps_every_eligible_episode_of_a_patient() -> None:
    result = treatment_episodes(toy_study(), SETTINGS.with_(episodes="all"))
    assert result.eligible["episode_id"].to_list() == [
        "A:alemtuzumab:2010-03-01", "D:natalizumab:2010-01-01", "D:alemtuzumab:2012-01-01"]
    assert "not_first_eligible" not in result.exclusions["criterion"].to_list()


def test_the_cutoff_date_ends_the_data() -> None:
    result = treatment_episodes(toy_study(), SETTINGS, cutoff=D("2011-06-30"))
    a = result.episodes.filter(pl.col("patient_id") == "A")
    assert a["end_date"].to_list() == [D("2011-03-03")]  # A's last infusion before it
    assert "E" not in result.episodes["patient_id"].to_list()  # started after it
    # D's natalizumab stopped 2011-01-01, before it; B's switch of 2013-10-01 is after it
    late = treatment_episodes(toy_study(), SETTINGS, cutoff=D("2012-06-30")).episodes
    stops = dict(zip(late["episode_id"].to_list(), late["stop_date"].to_list(), strict=True))
    assert stops["D:natalizumab:2010-01-01"] == D("2011-01-01")
    assert stops["B:natalizumab:2012-01-01"] is None


def test_baseline_covariates_at_the_episode_start_by_hand() -> None:
    eps = treatment_episodes(toy_study(), SETTINGS.with_(episodes="all")).eligible
    cov = episode_covariates(toy_study(), eps, SETTINGS.with_(
        covariates=["age", "sex", "disease_duration", "edss", "relapses_12m", "relapses_24m",
                    "prior_drugs", "last_prior_drug", "site", "year"]))
    row = {r["episode_id"]: r for r in cov.table.iter_rows(named=True)}
    a = row["A:alemtuzumab:2010-03-01"]
    assert a["age"] == pytest.approx(11017 / 365.25, abs=1e-12)  # 1980-01-01 to 2010-03-01
    assert a["disease_duration"] == pytest.approx(3712 / 365.25, abs=1e-12)
    assert a["edss"] == 3.0  # 2010-01-15, 45 days before
    # relapses 2009-06-01 (273 days before) and 2008-01-01 (790 days: outside 730.5)
    assert (a["relapses_12m"], a["relapses_24m"]) == (1, 1)
    assert (a["prior_drugs"], a["last_prior_drug"]) == (1, "interferon beta")
    assert (a["sex"], a["site"], a["year"]) == ("F", "X", 2010)
    d2 = row["D:alemtuzumab:2012-01-01"]
    # relapses 2011-06-01 (214 days) and 2009-06-01 (944 days); natalizumab before
    assert (d2["relapses_12m"], d2["relapses_24m"], d2["edss"]) == (1, 1, 4.5)
    assert (d2["prior_drugs"], d2["last_prior_drug"]) == (1, "natalizumab")
    d1 = row["D:natalizumab:2010-01-01"]
    assert (d1["prior_drugs"], d1["last_prior_drug"]) == (0, "none")


def test_a_missing_covariate_excludes_the_episode_or_gets_an_indicator() -> None:
    eps = treatment_episodes(toy_study(), SETTINGS.with_(episodes="all")).eligible
    settings = SETTINGS.with_(covariates=["age", "phenotype"])
    excluded = episode_covariates(toy_study(), eps, settings)
    # D has no phenotype: both of D's episodes are excluded, each naming the covariate
    assert excluded.table["patient_id"].to_list() == ["A"]
    assert excluded.exclusions["detail"].to_list() == ["phenotype missing"] * 2
    assert excluded.missing.row(1) == ("phenotype", 2, 1, 1)
    kept = episode_covariates(toy_study(), eps, settings.with_(missing="indicator"))
    assert kept.table["phenotype"].to_list() == ["RRMS", "missing", "missing"]
    assert kept.terms == ("age", "phenotype")  # the level "missing" is the indicator


def test_a_missing_numeric_covariate_gets_the_observed_mean_and_an_indicator() -> None:
    settings = SETTINGS.with_(episodes="all", require_edss=False, edss_window_days=50,
                              covariates=["age", "edss"], missing="indicator")
    eps = treatment_episodes(toy_study(), settings).eligible
    cov = episode_covariates(toy_study(), eps, settings)
    # within 50 days before the start: A 3.0 (45 days), D 4.0 and 4.5 (31 days each); B's
    # last EDSS is 184 days before: missing, set to (3.0 + 4.0 + 4.5) / 3
    assert cov.table["patient_id"].to_list() == ["A", "B", "D", "D"]
    assert cov.table["edss_missing"].to_list() == [0, 1, 0, 0]
    assert cov.table["edss"].to_list() == pytest.approx([3.0, 11.5 / 3, 4.0, 4.5], abs=1e-12)
    assert cov.terms == ("age", "edss", "edss_missing")
    assert cov.missing.row(1) == ("edss", 1, 0, 1)


def test_course_starts_follow_the_course_rule_of_number_courses() -> None:
    # drug_starts numbers courses itself (no window functions); the rule is number_courses'
    from mscohort.derive.courses import number_courses
    from mscohort.derive.episodes import drug_starts

    study = toy_study()
    for gap in (0, 30, 400):
        courses = number_courses(study.table("infusions"), gap).group_by(
            "patient_id", "drug", "course").agg(pl.col("date").min().alias("start_date"))
        mine = drug_starts(study, gap).filter(pl.col("stop_date").is_null()
                                              & pl.col("drug").eq("alemtuzumab"))
        expected = set(courses.select("patient_id", "start_date").rows())
        # E's alemtuzumab is also in treatments (ongoing): the same start twice
        assert set(mine.select("patient_id", "start_date").rows()) == expected, gap
        assert mine.height == len(expected) + 1

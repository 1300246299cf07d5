"""Safety monitoring schedule on hand-built patients."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from mscohort.derive.safety import load_monitoring, safety_schedule
from mscohort.errors import UsageError

RULES = load_monitoring()
D = dt.date


def infusions(*days: str) -> pl.DataFrame:
    return pl.DataFrame({"patient_id": ["A"] * len(days), "drug": ["alemtuzumab"] * len(days),
                         "date": [D.fromisoformat(d) for d in days],
                         "dose_mg": [12.0] * len(days)})


def labs(*rows: tuple[str, str]) -> pl.DataFrame:
    return pl.DataFrame({"patient_id": ["A"] * len(rows),
                         "date": [D.fromisoformat(d) for d, _ in rows],
                         "test": [t for _, t in rows], "value": [1.0] * len(rows),
                         "unit": ["x"] * len(rows)},
                        schema_overrides={"date": pl.Date, "test": pl.String})


def panel(frame: pl.DataFrame, name: str) -> dict:
    return frame.filter(pl.col("panel") == name).row(0, named=True)


def test_monthly_blood_counts_overdue_by_days_since_the_last() -> None:
    inf = infusions("2013-01-07", "2013-01-08", "2013-01-09", "2013-01-10", "2013-01-11")
    lab = labs(("2013-01-02", "Platelets"), ("2013-02-08", "platelets"),
               ("2013-03-10", "WBC"), ("2013-03-10", "TSH"))
    out = safety_schedule(inf, lab, RULES, as_of=D(2013, 5, 1))
    cbc = panel(out, "blood count with differential")
    assert cbc["baseline_test"] == D(2013, 1, 2)
    assert cbc["last_test"] == D(2013, 3, 10) and cbc["tests_done"] == 2
    # next due 2013-03-10 + 30 = 2013-04-09; on 2013-05-01 that is 22 days ago (> 7 of grace)
    assert cbc["next_due"] == D(2013, 4, 9) and cbc["days_overdue"] == 22
    assert cbc["status"] == "overdue"
    # 2013-01-07 to 2013-05-01 is 114 days: 3 monthly tests expected
    assert cbc["tests_expected"] == 3
    # 48 months of 30.4375 days after the last infusion (1461 days)
    assert cbc["monitoring_end"] == D(2013, 1, 11) + dt.timedelta(days=1461)
    tsh = panel(out, "thyroid function")
    assert tsh["baseline_test"] is None  # no thyroid test before treatment
    assert tsh["next_due"] == D(2013, 6, 9) and tsh["status"] == "up to date"


def test_never_tested_counts_from_the_first_infusion_and_grace_gives_due() -> None:
    inf = infusions("2013-01-07")
    # lab results are recorded (of another patient), none of this one's
    others = labs(("2013-01-20", "creatinine")).with_columns(pl.lit("B").alias("patient_id"))
    out = safety_schedule(inf, others, RULES, as_of=D(2013, 2, 10))
    creat = panel(out, "serum creatinine")
    assert creat["next_due"] == D(2013, 2, 6) and creat["status"] == "due"  # 4 days, grace 7
    assert creat["days_overdue"] is None and creat["last_test"] is None


def test_no_lab_result_in_the_records_is_no_lab_data_not_overdue() -> None:
    # no labs at all: the tests may have been done elsewhere, so nothing is "overdue"; a
    # period that ended is still "completed"
    inf = pl.concat([infusions("2013-01-07"),
                     infusions("2005-01-10").with_columns(pl.lit("B").alias("patient_id"))])
    out = safety_schedule(inf, labs(), RULES, as_of=D(2013, 6, 1))
    a = out.filter(pl.col("patient_id") == "A")
    assert a["status"].to_list() == ["no lab data"] * len(RULES.panels)
    assert a["days_overdue"].null_count() == a.height and a["next_due"].null_count() == a.height
    assert a["tests_done"].to_list() == [0] * a.height
    # 2013-01-07 to 2013-06-01 is 145 days: 4 monthly blood counts expected, as with labs
    assert panel(a, "blood count with differential")["tests_expected"] == 4
    b = out.filter(pl.col("patient_id") == "B")
    assert b["status"].to_list() == ["completed"] * len(RULES.panels)
    # one lab result of anyone and the usual statuses apply: 145 days after the first
    # infusion, the blood count due at day 30 is overdue by 115 days
    one = labs(("2013-01-02", "TSH"))
    cbc = panel(safety_schedule(inf, one, RULES, as_of=D(2013, 6, 1)),
                "blood count with differential")
    assert cbc["status"] == "overdue" and cbc["days_overdue"] == 115


def test_monitoring_ends_48_months_after_the_last_course() -> None:
    inf = infusions("2008-01-07", "2009-01-12")
    out = safety_schedule(inf, labs(("2012-12-01", "creatinine")), RULES, as_of=D(2014, 1, 1))
    creat = panel(out, "serum creatinine")
    assert creat["status"] == "completed" and creat["days_remaining"] == 0
    assert creat["next_due"] is None
    # a course after as_of does not count yet
    out = safety_schedule(infusions("2013-01-07", "2014-06-01"), labs(), RULES,
                          as_of=D(2014, 1, 1))
    assert panel(out, "urinalysis")["last_infusion"] == D(2013, 1, 7)


def test_other_drugs_are_not_monitored() -> None:
    inf = infusions("2013-01-07").with_columns(pl.lit("natalizumab").alias("drug"))
    assert safety_schedule(inf, labs(), RULES, D(2013, 5, 1)).height == 0


def test_bad_rules_are_usage_errors(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text('drug = "alemtuzumab"\n[[panel]]\nname = "x"\n')
    with pytest.raises(UsageError, match="`\\[\\[panel\\]\\]` must be a table with name, tests"):
        load_monitoring(path)
    path.write_text('drug = "aspirin"\n[[panel]]\nname = "x"\ntests = ["a"]\n'
                    'interval_days = 30\n')
    with pytest.raises(UsageError, match="a known drug"):
        load_monitoring(path)


def test_adverse_events_of_special_interest_by_course_and_time_since() -> None:
    from mscohort.derive.courses import course_table, load_regimens
    from mscohort.derive.safety import aesi_table

    inf = pl.concat([infusions(*(f"2012-05-0{k}" for k in range(1, 6))),
                     infusions("2013-05-06", "2013-05-07", "2013-05-08")])
    courses, _ = course_table(inf, load_regimens())
    aes = pl.DataFrame({
        "patient_id": ["A"] * 5,
        "onset_date": [D(2012, 5, 2), D(2012, 11, 1), D(2014, 8, 1), D(2011, 1, 1),
                       D(2013, 6, 1)],
        "term": ["infusion-associated rash", "Graves disease", "immune thrombocytopenia",
                 "herpes zoster", "headache"],
        "category": ["infusion reaction", "thyroid", None, "infection", None]})
    out = aesi_table(aes, courses, RULES)
    assert out.select("aesi", "course", "days_since_course", "period").rows() == [
        ("infusion reaction", 1, 1, "within 30 days of a course"),
        ("thyroid disorder", 1, 184, "1-12 months"),
        ("immune thrombocytopenia", 2, 452, "12-24 months"),
        ("infection", None, None, "before treatment"),
    ]  # the headache is not of special interest

"""The E-value (VanderWeele and Ding, Ann Intern Med 2017;167:268-274)."""

from __future__ import annotations

import math

import pytest

from mscohort.analyse.comparative.evalue import as_risk_ratio, e_value, e_value_rr
from mscohort.errors import InvalidArgumentError


def test_paper_breastfeeding_example_risk_ratio_3_9() -> None:
    # The paper's worked example: RR 3.9 (95% CI 1.8 to 8.7) for breastfeeding and
    # infection; E-value "7.2" for the estimate and "3.0" for the lower limit.
    # By hand: 3.9 + sqrt(3.9 * 2.9) = 7.2630; 1.8 + sqrt(1.8 * 0.8) = 1.8 + 1.2 = 3.0
    ev = e_value(3.9, 1.8, 8.7)
    assert ev.estimate == pytest.approx(3.9 + math.sqrt(3.9 * 2.9), abs=1e-9)
    assert math.floor(ev.estimate * 10) / 10 == 7.2  # the paper truncates to 7.2
    assert ev.ci == pytest.approx(3.0, abs=1e-9)


def test_protective_estimate_uses_the_inverse_and_the_upper_limit() -> None:
    # RR 0.6 (0.45 to 0.8): 1/0.6 = 1.6667 -> 1.6667 + sqrt(1.6667 * 0.6667) = 2.7208;
    # upper limit 0.8: 1.25 + sqrt(1.25 * 0.25) = 1.8090
    ev = e_value(0.6, 0.45, 0.8, "rate_ratio")
    assert ev.estimate == pytest.approx(5 / 3 + math.sqrt(5 / 3 * 2 / 3), abs=1e-9)
    assert ev.ci == pytest.approx(1.25 + math.sqrt(1.25 * 0.25), abs=1e-9)
    assert e_value_rr(0.6) == e_value_rr(1 / 0.6)


def test_interval_containing_one_has_e_value_one() -> None:
    assert e_value(0.9, 0.7, 1.1).ci == 1.0
    assert e_value(1.0, 0.7, 1.1).estimate == 1.0


def test_common_outcome_hazard_ratio_is_converted_as_in_table_2() -> None:
    # HR 0.7 common: RR = (1 - 0.5^sqrt(0.7)) / (1 - 0.5^sqrt(1/0.7))
    #   = (1 - 0.5^0.836660) / (1 - 0.5^1.195229) = (1 - 0.559930) / (1 - 0.436738)
    #   = 0.440070 / 0.563262 = 0.781245
    rr = as_risk_ratio(0.7, "hazard_ratio", rare=False)
    assert rr == pytest.approx((1 - 0.5 ** math.sqrt(0.7)) / (1 - 0.5 ** math.sqrt(1 / 0.7)),
                               abs=1e-12)
    assert rr == pytest.approx(0.781245, abs=5e-6)
    assert as_risk_ratio(0.7, "hazard_ratio", rare=True) == 0.7
    assert as_risk_ratio(4.0, "odds_ratio", rare=False) == 2.0
    ev = e_value(0.7, 0.55, 0.9, "hazard_ratio", rare=False)
    assert ev.estimate == pytest.approx(e_value_rr(rr), abs=1e-12)
    assert "common outcome" in ev.methods()


def test_bad_kind_and_limits_are_refused() -> None:
    with pytest.raises(InvalidArgumentError, match="`kind` must be one of risk_ratio"):
        e_value(0.7, 0.5, 0.9, "difference")
    with pytest.raises(InvalidArgumentError, match="`ci_low, ci_high` must be limits"):
        e_value(0.7, 0.8, 0.9)
    with pytest.raises(InvalidArgumentError, match="`ratio` must be a finite number > 0"):
        as_risk_ratio(-1.0, "risk_ratio")

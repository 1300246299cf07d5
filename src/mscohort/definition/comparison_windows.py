"""The baseline windows of the comparative design (issue #25), each a named duration in days
defined once (``docs/comparative.md``, "Baseline windows").

Notes
-----
Every window is measured back from the episode start (day 0) in whole days, and a record
``lag`` days before the start (``lag`` = start - date) is inside a window of ``W`` days when
0 <= lag <= W: **the start day belongs to the baseline**. Follow-up starts the day after:
outcome relapses are those in (start, end]. A relapse on the start day is therefore counted
once, before the drug (it cannot be an effect of a drug started that day).

* :data:`PRIOR_RELAPSE_DAYS` (``comparison.prior_relapse_days``): the relapses that make an
  episode eligible, 12 months;
* :data:`RELAPSES_12M_DAYS`, :data:`RELAPSES_24M_DAYS`: the covariates ``relapses_12m`` and
  ``relapses_24m``, 12 and 24 months;
* :data:`BASELINE_EDSS_DAYS` (``comparison.edss_window_days``): the baseline EDSS of the
  eligibility and of the covariate ``edss``, the last EDSS in 6 months;
* :data:`OUTCOME_BASELINE_EDSS_DAYS` (``comparison.outcomes.edss_baseline_days``): an
  episode's baseline EDSS for confirmed worsening and improvement, 6 months.

Months are twelfths of the Julian year (:mod:`mscohort.units`): 12 months = 365.25 days,
6 months = 182.625 days (a record 182 days before the start is inside, 183 days outside).

References
----------
Kalincik T, Brown JWL, Robertson N, et al. Treatment effectiveness of alemtuzumab compared
with natalizumab, fingolimod, and interferon beta in relapsing-remitting multiple sclerosis:
a cohort study. Lancet Neurol 2017;16:271-281 (the baseline at the treatment start, relapses
in the year before it). The 12- and 24-month relapse counts and the 6-month EDSS window are
those of issue #25's specification; where the start day falls is not stated in the paper:
the rule above is this package's, so that every relapse is counted in one period only.
"""

from __future__ import annotations

from typing import Final

from mscohort.units import DAYS_PER_HALF_YEAR, DAYS_PER_YEAR

#: Eligibility: relapses within this many days before the start (12 months).
PRIOR_RELAPSE_DAYS: Final = DAYS_PER_YEAR
#: The covariate ``relapses_12m``: relapses within this many days before the start.
RELAPSES_12M_DAYS: Final = DAYS_PER_YEAR
#: The covariate ``relapses_24m``: relapses within this many days before the start.
RELAPSES_24M_DAYS: Final = 2 * DAYS_PER_YEAR
#: The baseline EDSS of eligibility and of the covariate ``edss`` (6 months).
BASELINE_EDSS_DAYS: Final = DAYS_PER_HALF_YEAR
#: An episode's baseline EDSS for confirmed disability worsening and improvement (6 months).
OUTCOME_BASELINE_EDSS_DAYS: Final = DAYS_PER_HALF_YEAR

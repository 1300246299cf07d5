"""A synthetic comparative cohort with confounded treatment and a known effect (issue #25).

:func:`make_comparative_cohort` draws, per patient (seeded, vectorised), an episode start
(the index date, 2010-2018) of alemtuzumab (12 mg x 5 days, ``infusions``) or natalizumab
(``treatments``, ongoing), and follows every patient for exactly ``follow_up_days`` (EDSS
visits at the start - 14 to 90 days, then yearly, the last on the final day):

* covariates at the start: age 20-55 years, disease duration 1-15 years, sex (70 % F),
  phenotype (SPMS 15 %, else RRMS), site (5), 0-2 earlier drugs (interferon beta, glatiramer
  acetate), baseline EDSS ~ N(3 + 0.5 SPMS, 1.3) on the EDSS steps 0-6.5 (rounded to half
  points; 0.5, which is not an EDSS step, becomes 1.0: :func:`edss_steps`), relapses within
  365 days before the start ~ Poisson(0.6) and 366-730 days ~ Poisson(0.4) (same-day draws
  are merged, and the recorded counts are used below);
* confounded assignment: logit P(alemtuzumab) = -0.3 + 0.6 (EDSS - 3) + 0.7 (relapses_12m
  - 0.6) - 0.03 (age - 37): sicker patients more often get the stronger drug;
* relapse rate without the drug effect lambda = max(base_rate exp(0.25 (EDSS - 3) + 0.3
  (relapses_12m - 0.6) - 0.015 (age - 37)), 0.5 / follow-up years) per year, so that the
  same covariates drive the outcome;
* the first relapse after the start: exponential with hazard lambda ``hazard_ratio`` ^ T
  (T = 1 on alemtuzumab): the conditional hazard ratio is ``hazard_ratio``;
* later relapses: a Poisson process from the first relapse to the end of follow-up at the
  rate r that makes the expected count over the follow-up F equal lambda ``rate_ratio`` ^ T F:
  r = (lambda rr^T F - P) / (F - P / h), with h = lambda hr^T and P = 1 - exp(-h F) (for T = 0,
  r = lambda: a Poisson process). With the same F for everyone, the rate ratio
  ``rate_ratio`` holds conditionally and marginally in any population balanced on the
  covariates (the ratio of means is collapsible);
* relapse days are the ceiling of the drawn time in days (same-day draws merged).

Notes
-----
One relapse process cannot have an exact rate ratio and a different exact first-relapse
hazard ratio for every length of follow-up (at short follow-up both are the ratio of the
initial hazards), hence the fixed follow-up and the state-dependent rate after the first
relapse. The hazard ratio is conditional on the covariates; the marginal hazard ratio of a
matched comparison is slightly nearer 1 (non-collapsibility; Gail, Wieand & Piantadosi,
Biometrika 1984;71:431-444) unless the Cox model adjusts for the covariates.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from mscohort.errors import bad_argument
from mscohort.schema import TABLES
from mscohort.study import Study
from mscohort.units import DAYS_PER_YEAR

_PRIOR = np.array(["interferon beta", "glatiramer acetate"])
_SITES = np.array(["site A", "site B", "site C", "site D", "site E"])
#: The treated and comparator drugs of the cohort.
TREATED, COMPARATOR = "alemtuzumab", "natalizumab"


def _table(name: str, frame: pl.DataFrame) -> pl.DataFrame:
    schema = TABLES[name].stored_schema()
    missing = [pl.lit(None, dtype=t).alias(c) for c, t in schema.items()
               if c not in frame.columns]
    return frame.with_columns(missing).select(list(schema)).cast(pl.Schema(schema))


def edss_steps(x: np.ndarray, high: float) -> np.ndarray:
    """``x`` rounded to half points within 0-``high`` on the EDSS steps
    (:data:`mscohort.schema.EDSS_STEPS`: 0, 1.0, 1.5, ..., 10): 0.5 is not a step and
    becomes 1.0 (Kurtzke 1983)."""
    half = np.clip(np.round(x * 2) / 2, 0, high)
    return np.where(half == 0.5, 1.0, half)


def later_relapse_rate(lam: np.ndarray, treat: np.ndarray, follow_years: float,
                       rate_ratio: float, hazard_ratio: float) -> np.ndarray:
    """The rate after the first relapse that makes the expected count lam rr^T F (module
    docstring); negative where the rate ratio cannot be reached with this follow-up."""
    h = lam * hazard_ratio ** treat
    p = 1 - np.exp(-h * follow_years)
    target = lam * rate_ratio ** treat * follow_years
    return (target - p) / (follow_years - p / h)


def make_comparative_cohort(n_patients: int, seed: int = 0, *, rate_ratio: float = 0.6,
                            hazard_ratio: float = 0.7, follow_up_days: int = 1461,
                            base_rate: float = 0.5) -> Study:
    """A confounded comparison of alemtuzumab and natalizumab with a known effect on the
    relapse rate (``rate_ratio``) and on time to first relapse (``hazard_ratio``)."""
    if not isinstance(n_patients, int) or isinstance(n_patients, bool) or n_patients < 2:
        raise bad_argument("n_patients", "a whole number >= 2", n_patients)
    if not isinstance(follow_up_days, int) or follow_up_days < 365:
        raise bad_argument("follow_up_days", "a whole number of days >= 365", follow_up_days)
    for name, value in (("rate_ratio", rate_ratio), ("hazard_ratio", hazard_ratio),
                        ("base_rate", base_rate)):
        if not isinstance(value, int | float) or not value > 0:
            raise bad_argument(name, "a number > 0", value)
    rng = np.random.default_rng(seed)
    n, day = n_patients, np.timedelta64(1, "D")
    fy = follow_up_days / DAYS_PER_YEAR
    ids = np.char.add("C", np.char.zfill(np.arange(n).astype(str), 7))
    start = np.datetime64("2010-01-01") + rng.integers(0, 9 * 365, n) * day
    age = rng.uniform(20, 55, n)
    duration = rng.uniform(1, 15, n)
    birth = start - np.round(age * DAYS_PER_YEAR).astype(np.int64) * day
    onset = start - np.round(duration * DAYS_PER_YEAR).astype(np.int64) * day
    sex = rng.choice(np.array(["F", "M"]), n, p=[0.7, 0.3])
    spms = rng.random(n) < 0.15
    site = _SITES[rng.integers(0, _SITES.size, n)]
    edss0 = edss_steps(rng.normal(3 + 0.5 * spms, 1.3), 6.5)
    # relapses before the start, same-day draws merged; the recorded counts are used
    n12, n24 = rng.poisson(0.6, n), rng.poisson(0.4, n)
    pre_p = np.r_[np.repeat(np.arange(n), n12), np.repeat(np.arange(n), n24)]
    pre_day = np.r_[-rng.integers(1, 366, n12.sum()), -rng.integers(366, 731, n24.sum())]
    pre = pl.DataFrame({"p": pre_p, "d": pre_day}).unique()
    rel12 = np.bincount(pre.filter(pl.col("d") >= -365)["p"].to_numpy(), minlength=n)
    # confounded assignment and the outcome model
    eta = -0.3 + 0.6 * (edss0 - 3) + 0.7 * (rel12 - 0.6) - 0.03 * (age - 37)
    treat = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(np.int64)
    lam = np.maximum(base_rate * np.exp(0.25 * (edss0 - 3) + 0.3 * (rel12 - 0.6)
                                        - 0.015 * (age - 37)), 0.5 / fy)
    r = later_relapse_rate(lam, treat, fy, rate_ratio, hazard_ratio)
    if np.any(r < 0):
        raise bad_argument("rate_ratio", "reachable with this hazard_ratio and follow-up "
                           f"(at least {fy:.2f} years of relapse rate 0.5 / follow-up years)",
                           rate_ratio)
    t1 = rng.exponential(1 / (lam * hazard_ratio ** treat))
    has1 = t1 < fy
    n_later = np.where(has1, rng.poisson(r * np.clip(fy - t1, 0, None)), 0)
    lp = np.repeat(np.arange(n), n_later)
    later_t = t1[lp] + rng.random(lp.size) * (fy - t1[lp])
    post_p = np.r_[np.flatnonzero(has1), lp]
    post_t = np.r_[t1[has1], later_t]
    post_day = np.clip(np.ceil(post_t * DAYS_PER_YEAR).astype(np.int64), 1,
                       follow_up_days)
    rel = pl.concat([pre, pl.DataFrame({"p": post_p, "d": post_day})]).unique()
    rp, rd = rel["p"].to_numpy(), rel["d"].to_numpy()
    # EDSS: baseline, yearly visits, the last on the final day of follow-up
    years = int(follow_up_days // 365)
    offsets = [-rng.integers(14, 91, n)] + [np.full(n, 365 * k) for k in range(1, years)]
    offsets.append(np.full(n, follow_up_days))
    vp = np.tile(np.arange(n), len(offsets))
    vday = np.concatenate(offsets)
    drift = np.where(np.arange(vp.size) < n, 0, rng.normal(0.1, 0.5, vp.size))
    vedss = edss_steps(edss0[vp] + drift, 9.5)
    # drugs: earlier ones in sequence up to 30 days before the start
    n_prior = rng.choice(np.arange(3), n, p=[0.3, 0.5, 0.2])
    dp = np.repeat(np.arange(n), n_prior)
    k = np.arange(dp.size) - np.repeat(np.cumsum(n_prior) - n_prior, n_prior)
    back = n_prior[dp] - k  # 1 for the last earlier drug
    d_stop = start[dp] - (30 + (back - 1) * 800) * day
    d_start = d_stop - 700 * day
    nat = np.flatnonzero(treat == 0)
    ale = np.flatnonzero(treat == 1)
    treatments = pl.DataFrame({
        "patient_id": np.r_[ids[dp], ids[nat]],
        "drug": np.r_[_PRIOR[k % 2], np.full(nat.size, COMPARATOR)],
        "start_date": np.r_[d_start, start[nat]],
        "stop_date": np.r_[d_stop, np.full(nat.size, np.datetime64("NaT"), "datetime64[D]")],
    })
    inf_p = np.repeat(ale, 5)
    infusions = pl.DataFrame({"patient_id": ids[inf_p], "drug": TREATED,
                              "date": start[inf_p] + np.tile(np.arange(5), ale.size) * day,
                              "dose_mg": 12.0})
    patients = pl.DataFrame({
        "patient_id": ids, "sex": sex, "birth_date": birth, "birth_date_precision": "day",
        "onset_date": onset, "onset_date_precision": "day",
        "phenotype": np.where(spms, "SPMS", "RRMS"), "site": site,
        "regular_corticosteroids": False})
    return Study({
        "patients": _table("patients", patients),
        "edss": _table("edss", pl.DataFrame({"patient_id": ids[vp],
                                             "date": start[vp] + vday * day, "edss": vedss})),
        "relapses": _table("relapses", pl.DataFrame({"patient_id": ids[rp],
                                                     "onset_date": start[rp] + rd * day})),
        "treatments": _table("treatments", treatments),
        "infusions": _table("infusions", infusions)})


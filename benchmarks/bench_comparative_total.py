"""Benchmark: the whole comparison of issue #25 for 100,000 patients with about 200,000
candidate episodes, stage by stage: episodes, covariates, propensity score, 1:1 matching,
IPT weights, balance of both, and every outcome (pairwise-censored follow-up, Poisson and
negative binomial rate ratios, first relapse, 6-month CDW and CDI, discontinuation) of the
matched and of the IPT-weighted cohort.

Each stage's wall-clock time and CPU time (``time.process_time``, all threads of the
process) are printed with their totals and the load average before and after, since the
wall-clock figure depends on what else runs on the machine. The synthetic cohort
(:func:`mscohort.synthetic.make_synthetic_cohort`, the settings of
``benchmarks/bench_comparative.py``) is built in memory and not timed.

    nice -n 5 .venv/bin/python benchmarks/bench_comparative_total.py [--patients 100000]
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import polars as pl
from bench_comparative import SETTINGS  # type: ignore[import-not-found]

from mscohort.analyse.comparative.balance import covariate_balance
from mscohort.analyse.comparative.cohort import ComparisonCohort
from mscohort.analyse.comparative.design import comparison_design
from mscohort.analyse.comparative.episode_events import (
    EpisodeVisits,
    disability_times,
    discontinuation_times,
    episode_visits,
)
from mscohort.analyse.comparative.followup import FollowUp, first_relapse, follow_up
from mscohort.analyse.comparative.matching import nearest_match
from mscohort.analyse.comparative.outcomes import (
    OutcomeRows,
    relapse_rate_rows,
    time_to_event_rows,
)
from mscohort.analyse.comparative.propensity import propensity_score
from mscohort.analyse.comparative.weights import weigh
from mscohort.definition import StudyDefinition
from mscohort.definition.comparison_windows import OUTCOME_BASELINE_EDSS_DAYS
from mscohort.derive.episode_covariates import episode_covariates
from mscohort.derive.episodes import treatment_episodes
from mscohort.derive.events import EventSettings
from mscohort.synthetic import make_synthetic_cohort


def outcome_rows(cohort: ComparisonCohort, fu: FollowUp, outcome: str, relapses: pl.DataFrame,
                 edss: pl.DataFrame, settings: EventSettings, visits: EpisodeVisits
                 ) -> OutcomeRows:
    """The times to event of one outcome, then its Cox model and curves."""
    if outcome == "first_relapse":
        times = first_relapse(fu, relapses)
    elif outcome == "discontinuation":
        times = discontinuation_times(fu)
    else:
        times, _ = disability_times(fu, edss, relapses, settings,
                                    "worsening" if outcome == "cdw" else "improvement",
                                    168.0, OUTCOME_BASELINE_EDSS_DAYS, visits)
    return time_to_event_rows(cohort, fu, times, outcome)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=100_000)
    args = parser.parse_args()
    study = make_synthetic_cohort(args.patients, seed=25)
    relapses, edss = study.table("relapses"), study.edss
    for name in ("treatments", "infusions", "patients", "edss", "relapses"):
        study.lineage(name)  # loaded before timing
    steps: list[tuple[str, float, float]] = []

    def timed(name: str, fn: Callable[..., Any], *a: Any, **kw: Any) -> Any:
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn(*a, **kw)
        steps.append((name, time.perf_counter() - w0, time.process_time() - c0))
        return out

    load0 = os.getloadavg()
    settings = EventSettings()
    previous = None
    for design in ("match", "iptw"):
        definition = StudyDefinition(comparison=replace(SETTINGS, design=design))
        # the weighted design reuses the episodes, covariates and scores of the matched one
        d = previous = timed(f"{design}: design", comparison_design, study, definition,
                             reuse=previous)
        cohort = d.cohort
        fu = timed(f"{design}: follow-up", follow_up, cohort, relapses,
                   pairwise=design == "match")
        timed(f"{design}: rate ratios", relapse_rate_rows, cohort, fu)
        visits = timed(f"{design}: visits of CDW and CDI", episode_visits, fu, edss, relapses,
                       OUTCOME_BASELINE_EDSS_DAYS)
        for outcome in ("first_relapse", "cdw", "cdi", "discontinuation"):
            timed(f"{design}: {outcome}", outcome_rows, cohort, fu, outcome, relapses, edss,
                  settings, visits)
        print(f"{design}: {cohort.episodes.height:,} analysed episodes")
    # the matched design's own steps, timed apart afterwards (not in the total)
    parts: list[tuple[str, float, float]] = []

    def part(name: str, fn: Callable[..., Any], *a: Any, **kw: Any) -> Any:
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn(*a, **kw)
        parts.append((name, time.perf_counter() - w0, time.process_time() - c0))
        return out

    eps = part("episodes with eligibility", treatment_episodes, study, SETTINGS)
    cov = part("baseline covariates", episode_covariates, study, eps.eligible, SETTINGS,
               derived=eps)
    t = cov.table["treatment"].to_numpy()
    model = part("propensity score", propensity_score, cov.table, cov.terms, cov.categorical)
    match = part("matching 1:1, caliper 0.1", nearest_match, model.logit, t, caliper_sd=0.1)
    part("IPT weights", weigh, model.ps, t, method="iptw", estimand="ATT")
    part("balance table (matched)", covariate_balance, cov.table, cov.terms, cov.categorical,
         t, match.weights)
    load1 = os.getloadavg()
    print(f"{args.patients:,} patients; load average (1, 5, 15 min) before "
          f"{load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}, after "
          f"{load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}; {os.cpu_count()} cores")
    print(f"  {'stage':<32} {'wall s':>7} {'CPU s':>7}")
    for name, wall, cpu in steps:
        print(f"  {name:<32} {wall:7.2f} {cpu:7.2f}")
    print(f"  {'total':<32} {sum(s[1] for s in steps):7.2f} {sum(s[2] for s in steps):7.2f}")
    print("  the matched design's steps, timed apart:")
    for name, wall, cpu in parts:
        print(f"    {name:<30} {wall:7.2f} {cpu:7.2f}")


if __name__ == "__main__":
    main()

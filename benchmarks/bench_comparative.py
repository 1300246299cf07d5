"""Benchmark: the comparative design (episodes, covariates, propensity score, matching,
weights, balance) for 100,000 patients with about 200,000 candidate episodes.

The registry-scale synthetic cohort (:func:`mscohort.synthetic.make_synthetic_cohort`: one to
three drugs per patient and alemtuzumab for 40 %) compares alemtuzumab with every other
drug, every episode (``episodes = "all"``); the cohort is built in memory and not timed.

    nice -n 10 .venv/bin/python benchmarks/bench_comparative.py [--patients 100000]
"""

from __future__ import annotations

import argparse
import time

from mscohort.analyse.comparative.balance import covariate_balance
from mscohort.analyse.comparative.design import comparison_design
from mscohort.analyse.comparative.matching import nearest_match
from mscohort.analyse.comparative.propensity import propensity_score
from mscohort.analyse.comparative.weights import weigh
from mscohort.definition import StudyDefinition
from mscohort.definition.comparison import ComparisonSettings
from mscohort.derive.episode_covariates import episode_covariates
from mscohort.derive.episodes import treatment_episodes
from mscohort.synthetic import make_synthetic_cohort

SETTINGS = ComparisonSettings(
    treated="alemtuzumab",
    comparators=("natalizumab", "fingolimod", "interferon beta", "glatiramer acetate",
                 "teriflunomide", "dimethyl fumarate"),
    episodes="all", require_edss=False, missing="indicator",
    covariates=("age", "sex", "disease_duration", "edss", "relapses_12m", "relapses_24m",
                "prior_drugs", "phenotype", "year"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=100_000)
    args = parser.parse_args()
    study = make_synthetic_cohort(args.patients, seed=25)
    steps: dict[str, float] = {}

    def timed(name: str, fn, *a, **kw):  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        out = fn(*a, **kw)
        steps[name] = time.perf_counter() - t0
        return out

    eps = timed("episodes", treatment_episodes, study, SETTINGS)
    cov = timed("covariates", episode_covariates, study, eps.eligible, SETTINGS)
    t = cov.table["treatment"].to_numpy()
    model = timed("propensity score", propensity_score, cov.table, cov.terms, cov.categorical)
    match = timed("matching 1:1", nearest_match, model.logit, t, caliper_sd=0.1)
    timed("matching 1:3 with replacement", nearest_match, model.logit, t, ratio=3,
          replace=True, caliper_sd=0.1)
    w = timed("IPT weights", weigh, model.ps, t, method="iptw", estimand="ATE",
              trim_percentiles=(1, 99))
    timed("overlap weights", weigh, model.ps, t, method="overlap")
    timed("balance (matched)", covariate_balance, cov.table, cov.terms, cov.categorical, t,
          match.weights)
    timed("balance (IPTW)", covariate_balance, cov.table, cov.terms, cov.categorical, t,
          w.weights)
    total = sum(steps.values())
    print(f"{args.patients:,} patients, {eps.episodes.height:,} candidate episodes, "
          f"{cov.table.height:,} analysed ({int(t.sum()):,} treated), "
          f"{int(match.matched[t == 1].sum()):,} matched pairs")
    for name, sec in steps.items():
        print(f"  {name:<32} {sec:6.2f} s")
    print(f"  {'total':<32} {total:6.2f} s")
    t0 = time.perf_counter()
    comparison_design(study, StudyDefinition(comparison=SETTINGS))
    print(f"  {'comparison_design (match, all)':<32} {time.perf_counter() - t0:6.2f} s")


if __name__ == "__main__":
    main()

"""Two small paired cohorts for the relapse rate ratio's R check (rate_ratio.R): each
patient's relapses before and during follow-up with their person-years, over-dispersed by
a gamma frailty; 12 and 8 patients, where the CR1 factor and t(G-1) matter most.
Run from the repository root: python tests/data/r_rate_ratio/make_data.py"""

from pathlib import Path

import numpy as np
import polars as pl

rows = []
for cohort, n, seed in (("twelve", 12, 4), ("eight", 8, 9)):
    rng = np.random.default_rng(seed)
    years_before = np.round(rng.uniform(1.0, 2.0, n), 4)
    years_during = np.round(rng.uniform(0.5, 8.0, n), 4)
    frailty = rng.gamma(2, 0.5, n)
    before = rng.poisson(1.4 * years_before * frailty)
    during = rng.poisson(0.6 * years_during * frailty)
    rows += [{"cohort": cohort, "patient_id": f"{cohort}-{i}", "relapses_before": int(b),
              "years_before": float(tb), "relapses_during": int(d),
              "years_during": float(td)}
             for i, (b, tb, d, td) in enumerate(zip(before, years_before, during,
                                                    years_during, strict=True))]
pl.DataFrame(rows).write_csv(Path(__file__).parent / "rate_ratio_data.csv")

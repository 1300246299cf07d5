"""Write the fixed data set of the R MatchIt check (run once; the CSV is committed).

    .venv/bin/python tests/data/r_matchit/make_data.py && Rscript tests/data/r_matchit/matchit.R

200 episodes (seed 25) with a continuous age and disease duration, an EDSS step, relapse
counts, a binary sex and a three-level phenotype; the treatment is drawn from a logistic
model in them, so that the groups differ and some treated episodes have no control within
a narrow caliper.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

HERE = Path(__file__).parent


def main() -> None:
    rng = np.random.default_rng(25)
    n = 200
    age = np.round(rng.normal(38, 9, n), 2)
    duration = np.round(rng.gamma(2.0, 4.0, n), 2)
    edss = np.clip(np.round(rng.normal(3.0, 1.4, n) * 2) / 2, 0, 7.5)
    relapses_12m = rng.poisson(1.0, n)
    sex = rng.choice(np.array(["F", "M"]), n, p=[0.7, 0.3])
    phenotype = rng.choice(np.array(["RRMS", "SPMS", "CIS"]), n, p=[0.75, 0.15, 0.10])
    eta = (-1.2 + 0.45 * (edss - 3) + 0.5 * relapses_12m - 0.03 * (age - 38)
           + 0.4 * (sex == "M") - 0.6 * (phenotype == "SPMS"))
    treatment = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int)
    pl.DataFrame({
        "episode_id": [f"E{i:03d}" for i in range(1, n + 1)], "treatment": treatment,
        "age": age, "disease_duration": duration, "edss": edss,
        "relapses_12m": relapses_12m, "sex": sex, "phenotype": phenotype,
    }).write_csv(HERE / "episodes.csv")


if __name__ == "__main__":
    main()

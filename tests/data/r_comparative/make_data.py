"""Writes cox_data.csv (run from the repository root; seeded): survival times of 300
episodes in 150 matched pairs, tied on a 1/20 grid, with weights and a covariate."""

import numpy as np
import polars as pl

rng = np.random.default_rng(20251130)
n = 300
treat = np.tile([1.0, 0.0], n // 2)
age = rng.normal(0, 1, n)
t = rng.exponential(1 / np.exp(-0.4 * treat + 0.3 * age))
c = rng.exponential(1.5, n)
pl.DataFrame({"T": np.ceil(np.minimum(t, c) * 20) / 20, "E": (t <= c).astype(int),
              "treat": treat, "age": age.round(6), "w": rng.uniform(0.2, 3.0, n).round(6),
              "pair": np.repeat(np.arange(n // 2), 2)}
             ).write_csv("tests/data/r_comparative/cox_data.csv")

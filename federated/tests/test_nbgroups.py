"""The federated adjusted between-group negative binomial rate ratios equal the pooled fit
(:func:`mscohort.analyse.models.counts.between_groups` in ``mscohort analyse``) to 1e-6 (the
pooled fit's own tolerance on alpha: a bounded Brent search to 1e-7 on log alpha); a small
group at a centre suppresses the model."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from mscohort.analyse.models.counts import between_groups
from mscohort_federated.nbgroups import nbgroups_rounds, nbgroups_terms

from .conftest import SEED, Network, run_network

TOL = {"abs": 1e-6, "rel": 1e-6}
ADJUST = ["arr_before", "age_at_index", "duration_at_index_years", "baseline_edss"]
ROW_KEYS = ("comparison", "n_patients", "events", "ratio", "ci_low", "ci_high", "p", "note")


def _cohort(seed: int, n: int) -> pl.DataFrame:
    """Seeded over-dispersed on-treatment counts whose rate depends on the group and age;
    7 patients without a baseline EDSS among the first 200 (left out, as the pooled model
    leaves them; all at the first centre, so their number is released)."""
    rng = np.random.default_rng(seed)
    group = rng.choice(["ALE-naive", "experienced", "switched"], n)
    age = rng.uniform(20, 60, n)
    years = rng.uniform(0.5, 4, n)
    mu = years * np.exp(-1.2 + 0.4 * (group == "experienced") - 0.3 * (group == "switched")
                        + 0.01 * (age - 40))
    edss = rng.choice([1.0, 2.0, 3.5, 6.0], n).astype(object)
    edss[rng.choice(min(n, 200), 7, replace=False)] = None
    return pl.DataFrame({
        "relapse_population": [True] * n, "cohort": group,
        "relapses_during": rng.negative_binomial(2, 2 / (2 + mu)).astype(float),
        "years_during": years, "arr_before": rng.uniform(0, 3, n), "age_at_index": age,
        "duration_at_index_years": rng.uniform(1, 20, n),
        "baseline_edss": pl.Series(list(edss), dtype=pl.Float64)})


def _centre(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.rename({"cohort": "bg|group"} | {a: f"bg|{a}" for a in ADJUST})


def _federated(parts: list[pl.DataFrame], k: int = 5) -> dict:
    return nbgroups_rounds(lambda a: [nbgroups_terms(_centre(p), ADJUST, a["levels"], a["b"],
                                                     a["log_alpha"], k) for p in parts],
                           "cohort", ADJUST)


def _assert_rows(got: list[dict], want: list[dict]) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        for key in ROW_KEYS:
            v = w[key]
            assert g[key] == (pytest.approx(v, **TOL) if isinstance(v, float) else v), key


def test_three_centres_give_the_pooled_adjusted_rate_ratios() -> None:
    """Seeded cohort of 400 cut 200 / 120 / 80 against ``between_groups`` on all of it:
    the rate ratio rows, every term and the over-dispersion row."""
    frame = _cohort(26, 400)
    got = _federated([frame[:200], frame[200:320], frame[320:]])
    rows, disp, terms = between_groups(frame, "cohort", tuple(ADJUST), [])
    _assert_rows(got["models_between_groups"], rows)
    assert rows[0]["note"] == "7 patient(s) without arr_before, age_at_index, " \
        "duration_at_index_years, baseline_edss left out"
    assert disp[0]["alpha"] > 0.05  # over-dispersed: alpha inside its bounds
    (d,) = got["models_between_groups_dispersion"]
    for key in ("alpha", "alpha_ci_low", "alpha_ci_high", "lr_chi2", "lr_p",
                "pearson_dispersion"):
        assert d[key] == pytest.approx(disp[0][key], **TOL), key
    for g, w in zip(got["models_between_groups_terms"], terms.to_dicts(), strict=True):
        assert g["term"] == w["term"]
        for key in ("estimate", "se", "ci_low", "ci_high", "p"):
            assert g[key] == pytest.approx(w[key], **TOL), (g["term"], key)


def test_a_centre_with_a_small_group_suppresses_the_model() -> None:
    frame = _cohort(3, 200)
    small = frame[:40].with_columns(pl.when(pl.int_range(40) < 3).then(pl.lit("rare"))
                                    .otherwise(pl.lit("ALE-naive")).alias("cohort"))
    assert nbgroups_terms(_centre(small), ADJUST, None, None, None, 5) == {"suppressed": True}
    got = _federated([frame[40:], small])
    assert got["models_between_groups"] == [{"model": "negative binomial (adjusted)",
                                            "comparison": "groups of cohort",
                                            "status": "suppressed"}]
    assert got["models_between_groups_terms"] == [] and got["rounds"] == 1


def test_fewer_than_two_groups_gives_the_pooled_note() -> None:
    frame = _cohort(4, 60).with_columns(pl.lit("ALE-naive").alias("cohort"))
    got = _federated([frame[:30], frame[30:]])
    rows, _, _ = between_groups(frame, "cohort", tuple(ADJUST), [])
    _assert_rows(got["models_between_groups"], rows)


@pytest.fixture(scope="module")
def exact_seed(seed_network: Network, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The seed's three centres through vantage6's mock network at cell size 1 (the node
    policy and the task both allow it), so that nothing is suppressed."""
    mp = pytest.MonkeyPatch()
    mp.setenv("MSCOHORT_MIN_CELL_SIZE", "1")
    try:
        databases = [seed_network.folders[0], seed_network.folders[1],
                     seed_network.folders[2].with_suffix(".duckdb")]
        _, result, _ = run_network(databases, (SEED / "study.toml").read_text(), 1,
                                   seed_network.data_cut)
    finally:
        mp.undo()
    return result


def test_the_seed_network_gives_the_pooled_between_group_rows(seed_network: Network,
                                                              exact_seed: dict) -> None:
    counts = seed_network.pooled.models.counts  # type: ignore[union-attr]
    want = counts.ratios.filter(pl.col("model") == "negative binomial (adjusted)").to_dicts()
    assert want and want[0]["ratio"] is not None
    _assert_rows(exact_seed["models_between_groups"], want)
    (d,) = exact_seed["models_between_groups_dispersion"]
    (w,) = counts.dispersion.filter(pl.col("model") == "negative binomial (between groups)"
                                    ).to_dicts()
    for key in ("alpha", "lr_chi2", "lr_p", "pearson_dispersion"):
        assert d[key] == pytest.approx(w[key], **TOL), key
    # at the default cell size the seed's small centre (7 patients) suppresses it
    (row,) = seed_network.result["models_between_groups"]
    assert row["status"] == "suppressed"


def test_a_small_number_left_out_at_a_centre_is_not_released() -> None:
    frame = _cohort(26, 400)  # the 7 without a baseline EDSS spread over two centres
    got = _federated([frame[:100], frame[100:]])
    rows, _, _ = between_groups(frame, "cohort", tuple(ADJUST), [])
    assert got["models_between_groups"][0]["note"].endswith("left out (number suppressed)")
    assert got["models_between_groups"][0]["ratio"] == pytest.approx(rows[0]["ratio"], **TOL)

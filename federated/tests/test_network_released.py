"""Through vantage6's mock network with every node at cell size 1 (nothing suppressed), the
safety monitoring table (its medians of days overdue found by ``partial_counts`` subtasks),
the retreatment rule, the per-eye OCT table and the milestones' curves of the seed's three
centres equal the pooled ``mscohort analyse`` (the network fixtures at cell size 5 hide
most of them: the small centres' cells)."""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
import pytest

from mscohort_federated.safety import RETREATMENT

from .conftest import SEED, Network, run_network, split_seed
from .test_safety import _pooled_safety

TOL = {"abs": 1e-9, "rel": 1e-9}


def close(got: object, want: object) -> bool:
    if want is None or (isinstance(want, float) and math.isnan(want)):
        return got is None
    return got == pytest.approx(want, **TOL)


@pytest.fixture(scope="module")
def released(seed_network: Network, tmp_path_factory: pytest.TempPathFactory) -> dict:
    folders, _ = split_seed(tmp_path_factory.mktemp("released"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MSCOHORT_MIN_CELL_SIZE", "1")  # the nodes allow it, the task asks it
        _, result, _ = run_network(folders, (SEED / "study.toml").read_text(),
                                   min_cell_size=1, data_cut=seed_network.data_cut)
    return result


def test_safety_table_through_the_network(seed_network: Network, released: dict) -> None:
    want = _pooled_safety(seed_network)
    assert [r["status"] for r in released["safety"]] == ["exact"] * len(want)
    assert [{c: r[c] for c in w} for r, w in zip(released["safety"], want, strict=True)
            ] == want
    assert any(w["median_days_overdue"] is not None for w in want)


def test_retreatment_rule_through_the_network(seed_network: Network, released: dict
                                              ) -> None:
    r = seed_network.pooled.retreatment
    (row,) = released["retreatment"]
    assert row["status"] == "exact" and row["treated"] == r.height
    assert row[RETREATMENT[0]] == int(r["meets_rule"].sum())
    assert row[RETREATMENT[2]] == r.filter(pl.col("relapses_since") == 0).height


def test_oct_per_eye_through_the_network(seed_network: Network, released: dict) -> None:
    pooled = seed_network.pooled.secondary.tables["OCT per eye"]  # type: ignore[union-attr]
    got = {(r["group"], r["measure"]): r for r in released["oct_eyes"]}
    assert pooled.height and len(got) == pooled.height
    for w in pooled.iter_rows(named=True):
        g = got[(w["group"], w["measure"])]
        assert (g["n_group"], g["n"]) == (w["n_group"], w["n"])
        assert all(close(g[c], w[c]) for c in ("mean", "sd", "ci_low", "ci_high")), (g, w)


def test_milestone_curves_through_the_network(seed_network: Network, released: dict
                                              ) -> None:
    pooled = seed_network.pooled.secondary.km_milestones.to_dicts()  # type: ignore[union-attr]
    got = released["km_milestones"]
    assert len(got) == len(pooled) and {r["status"] for r in got} == {"exact"}
    for g, w in zip(got, pooled, strict=True):
        assert (g["milestone"], g["group"]) == (w["milestone"], w["group"])
        assert all(close(g[c], w[c]) for c in ("time", "at_risk", "events", "censored",
                                                "survival", "ci_low", "ci_high")), (g, w)
    assert released["km_milestones_figure"] and released["km_milestones_censored"]


def test_written_results_hold_the_new_frames(released: dict, tmp_path: Path) -> None:
    from mscohort.definition import load_definition
    from mscohort_federated.output import write_result

    write_result(released, load_definition(SEED / "study.toml"), tmp_path)
    safety = pl.read_csv(tmp_path / "safety.csv")
    assert safety.height == len(released["safety"]) and "median_days_overdue" in safety.columns
    assert pl.read_csv(tmp_path / "km_milestones_figure.csv").height == len(
        released["km_milestones_figure"])
    assert "Safety monitoring by panel" in (tmp_path / "report.md").read_text()

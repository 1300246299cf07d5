"""Nothing patient-level leaves a centre; small cells are suppressed; the node's policy
wins over a task's request for less protection."""

from __future__ import annotations

import datetime as dt
import re

import polars as pl
import pytest

from mscohort_federated.disclosure import node_policy

from .conftest import SEED, Network, run_network

DATE = re.compile(r"\d{4}-\d{2}(-\d{2})?")
#: The one documented exception: the event-time table of Kaplan-Meier (counts per time).
KM_KEYS = {"time", "events", "censored"}
PATIENT_COLUMNS = {"patient_id", "birth_date", "onset_date", "date", "index_date",
                   "baseline_date", "followup_date", "site", "enrolment_date"}


def walk(value: object, path: str = ""):
    """Every (path, key or value) of nested JSON data."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield path, k
            yield from walk(v, f"{path}/{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from walk(v, f"{path}[{i}]")
    else:
        yield path, value


def test_no_partial_result_holds_an_id_a_date_or_a_per_patient_row(
        seed_network: Network) -> None:
    from .test_pooled_equality import centre_outcomes

    ids = set().union(*seed_network.patients)
    assert len(seed_network.partials) >= 10  # summary, count rounds, follow-up, Newton
    # every kind of partial result is walked, the negative binomial's sums too
    assert any("hessian" in r for r in seed_network.partials)
    assert any("timepoints" in r for r in seed_network.partials)
    assert any("secondary" in r for r in seed_network.partials)
    assert any("safety" in r for r in seed_network.partials)  # with the retreatment rule
    assert any("oct_eyes" in r for r in seed_network.partials)
    columns = [c for c, t in seed_network.pooled.outcomes.schema.items() if t.is_numeric()]
    per_patient = [sorted(out[c].drop_nulls().cast(pl.Float64).to_list())
                   for out in centre_outcomes(seed_network) for c in columns]
    for result in seed_network.partials:
        for path, item in walk(result):
            assert not isinstance(item, dt.date), path
            if isinstance(item, str):
                assert item not in ids, (path, item)
                assert not DATE.fullmatch(item), (path, item)
                assert item not in PATIENT_COLUMNS, (path, item)
        for path, lst in _lists(result):
            if path.rsplit("/", 1)[-1] in KM_KEYS and "/km" in path:
                continue  # counts per distinct time of the event-time table
            if len(lst) >= 2 and all(isinstance(x, int | float) for x in lst):
                assert sorted(float(x) for x in lst) not in per_patient, path


def _lists(value: object, path: str = ""):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _lists(v, f"{path}/{k}")
    elif isinstance(value, list):
        yield path, value
        for i, v in enumerate(value):
            yield from _lists(v, f"{path}[{i}]")


def test_the_event_time_table_holds_counts_only(seed_network: Network) -> None:
    for result in seed_network.partials:
        for _path, km in _kms(result):
            assert set(km) == KM_KEYS
            assert all(isinstance(x, int) and x >= 0 for x in km["events"] + km["censored"])
            assert km["time"] == sorted(set(km["time"]))  # one row per distinct time


def _kms(value: object, path: str = ""):
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "km":
                yield path, v
            else:
                yield from _kms(v, f"{path}/{k}")


def test_the_small_centre_returns_its_small_groups_suppressed(seed_network: Network) -> None:
    small = [r for r in seed_network.partials
             if r.get("organization_id") == 3 and "groups" in r]
    assert len(small) == 1
    (summary,) = small
    assert summary["n_patients"] == 7 and summary["policy"]["min_cell_size"] == 5
    phenotypes = summary["groups"]["by phenotype"]
    assert any(v == {"suppressed": True} for v in phenotypes.values())
    for cell in phenotypes.values():
        assert cell == {"suppressed": True} or cell["n_group"] >= 5
    # and the pooled cells built on them say so
    pooled = [r for r in seed_network.result["tables"] if r["split"] == "by phenotype"]
    assert any(r["status"] == "suppressed" for r in pooled)


def test_ranges_are_suppressed_by_default(seed_network: Network) -> None:
    rows = [r for r in seed_network.result["tables"] if r["status"] != "suppressed"]
    assert rows and all(r.get("min") is None and r.get("max") is None for r in rows)
    assert all(r["status"].startswith("exact (range suppressed)") for r in rows
               if r.get("n"))
    for result in seed_network.partials:
        assert not any(k in ("min", "max") for _, k in walk(result))


def test_a_node_allowing_ranges_and_a_larger_cell_size(
        tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    from .conftest import split_seed

    folders, _ = split_seed(tmp_path)
    monkeypatch.setenv("MSCOHORT_ALLOW_RANGES", "1")
    monkeypatch.setenv("MSCOHORT_MIN_CELL_SIZE", "10")
    _, result, _ = run_network(folders[:2], (SEED / "study.toml").read_text(),
                               min_cell_size=3)
    assert result["min_cell_size"] == 3  # asked for
    assert all(p["min_cell_size"] == 10 for p in result["policies"].values())  # applied
    cohort = [r for r in result["tables"] if r["split"] == "by follow-up cohort"]
    assert all(r["min"] is not None and r["max"] >= r["min"] for r in cohort
               if r["status"] == "exact")
    assert any(r["status"] == "exact" for r in cohort)


def test_node_policy_refuses_a_bad_cell_size(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="`min_cell_size` must be an integer >= 1; got 0"):
        node_policy(0)
    monkeypatch.setenv("MSCOHORT_MIN_CELL_SIZE", "five")
    with pytest.raises(ValueError, match="`MSCOHORT_MIN_CELL_SIZE` must be an integer"):
        node_policy(5)


def test_a_node_refusing_count_queries_suppresses_the_medians(
        tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    from .conftest import split_seed

    folders, _ = split_seed(tmp_path)
    monkeypatch.setenv("MSCOHORT_MEDIAN_QUERIES", "0")
    _, result, _ = run_network(folders[:2], (SEED / "study.toml").read_text())
    assert result["median_followup"] is None
    assert not [r for r in result["tables"] if r["split"] == "by follow-up cohort"]
    fu = [r for r in result["tables"] if r["measure"].startswith("follow-up")
          and r.get("n")]
    assert fu and all(r["median"] is None and r["status"] == "median suppressed" for r in fu)
    assert pl.DataFrame(result["tests"]).height == 5

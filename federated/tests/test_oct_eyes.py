"""The federated per-eye OCT table equals the pooled analysis' "OCT per eye" table
(:func:`mscohort.analyse.secondary.secondary_outcomes` in ``mscohort analyse``) to 1e-9: on
the seed's three centres and on three unequal centres of a seeded synthetic cohort with
OCT scans of both eyes, optic-neuritis eyes apart; an eye group with 1 to 4 eyes or
patients at a centre is suppressed, and the pooled cells with it."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import stats

from mscohort.analyse.study import analyse_study, latest_record
from mscohort.definition import StudyDefinition, load_definition
from mscohort.derive.outcomes import patient_outcomes
from mscohort.ingest import read_study
from mscohort.study import Study
from mscohort.validate.check import check_study
from mscohort_federated.algorithm import _frame
from mscohort_federated.extract import analysis_frame
from mscohort_federated.oct_eyes import oct_eye_rows, oct_eye_sums

from .conftest import SEED, Network, run_network, split_seed

TOL = {"abs": 1e-9, "rel": 1e-9}
SIZES = (180, 130, 90)  #: the third: a small optic-neuritis group


def close(got: object, want: object) -> bool:
    if want is None or (isinstance(want, float) and math.isnan(want)):
        return got is None
    return got == pytest.approx(want, **TOL)


def _federated(studies: list[Study], d: StudyDefinition, cut: dt.date | None, k: int
               ) -> tuple[list[dict], list[dict]]:
    frames = [_frame(analysis_frame(s, d, cut).to_pandas()) for s in studies]
    parts = [oct_eye_sums(f, k) for f in frames]
    gcipl = any(f["s|has_gcipl"][0] == 1.0 for f in frames if f.height)
    return oct_eye_rows(parts, gcipl), parts


def _assert_equal_to_pooled(rows: list[dict], pooled: pl.DataFrame) -> None:
    got = {(r["group"], r["measure"]): r for r in rows}
    assert pooled.height and len(got) == pooled.height
    for want in pooled.iter_rows(named=True):
        g = got[(want["group"], want["measure"])]
        assert (g["table"], g["split"]) == (want["table"], want["split"])
        assert g["status"] == "exact (range suppressed)", g
        assert (g["n_group"], g["n"]) == (want["n_group"], want["n"]), (g, want)
        for c in ("mean", "sd", "ci_low", "ci_high"):
            assert close(g[c], want[c]), (c, g, want)
        assert want["p_t"] is None and g.get("p_t") is None  # no test in the pooled table


def test_oct_per_eye_equals_the_pooled_table_on_the_seed(seed_network: Network) -> None:
    d = load_definition(seed_network.definition)
    rows, _ = _federated(seed_network.studies, d, seed_network.data_cut, 1)
    _assert_equal_to_pooled(rows, seed_network.pooled.secondary.tables["OCT per eye"])  # type: ignore[union-attr]


def test_an_eye_group_mean_against_scipy(seed_network: Network) -> None:
    """One cell by hand: the eyes' RNFL change, its mean and scipy's t interval."""
    d = load_definition(seed_network.definition)
    rows, _ = _federated(seed_network.studies, d, seed_network.data_cut, 1)
    eyes = seed_network.pooled.secondary.oct_eyes.filter(pl.col("oct_years") > 0)  # type: ignore[union-attr]
    (group,) = eyes["eye_group"].unique().to_list()  # the seed: ON eyes excluded
    x = np.round(eyes.filter(pl.col("eye_group") == group)["rnfl_um_change"]
                 .drop_nulls().to_numpy(), 9)
    low, high = stats.t.interval(0.95, x.size - 1, loc=x.mean(), scale=stats.sem(x))
    (row,) = [r for r in rows if r["measure"].startswith("change RNFL")]
    assert row["n"] == x.size and row["mean"] == pytest.approx(x.mean(), **TOL)
    assert (row["ci_low"], row["ci_high"]) == (pytest.approx(low, **TOL),
                                               pytest.approx(high, **TOL))


def _with_oct(tmp: Path, n: int = sum(SIZES), seed: int = 2603) -> tuple[Path, Path]:
    """A seeded synthetic cohort with OCT scans: about half the patients with an index date
    scanned, each eye (85 %) at baseline (0 to 60 days before the index date) and once
    after (200 to 900 days), 20 % of eyes with optic neuritis, GCIPL on 80 % of eyes;
    and the seed's definition with optic-neuritis eyes kept apart."""
    from mscohort.synthetic import make_synthetic_cohort, write_study_folder

    folder = tmp / "all"
    study = make_synthetic_cohort(n, seed=seed)
    write_study_folder(study, folder)
    definition = tmp / "study.toml"
    definition.write_text((SEED / "study.toml").read_text()
                          + '\n[oct]\noptic_neuritis_eyes = "separate"\n')
    index = patient_outcomes(study, load_definition(definition)).select(
        "patient_id", "index_date").drop_nulls().sort("patient_id")
    rng = np.random.default_rng(seed)
    end = latest_record(study)
    assert end is not None
    rows = []
    for pid, day in index.iter_rows():
        if rng.random() < 0.5:
            continue
        for eye in ("OD", "OS"):
            if rng.random() < 0.15:
                continue
            on, gcipl = bool(rng.random() < 0.2), bool(rng.random() < 0.8)
            rnfl, gc = rng.normal(92, 9), rng.normal(76, 6)
            for offset, loss in ((-int(rng.integers(0, 61)), 0.0),
                                 (int(rng.integers(200, 901)), rng.normal(1.5, 2.0))):
                date = day + dt.timedelta(days=offset)
                if date > end:
                    continue
                rows.append({"patient_id": pid, "date": date.isoformat(), "eye": eye,
                             "rnfl_um": round(rnfl - loss, 1),
                             "gcipl_um": round(gc - loss / 2, 1) if gcipl else None,
                             "optic_neuritis": "true" if on else "false"})
    pl.DataFrame(rows).write_csv(folder / "oct.csv")
    return folder, definition


def test_oct_per_eye_equals_the_pooled_table_on_three_synthetic_centres(
        tmp_path: Path) -> None:
    source, path = _with_oct(tmp_path)
    d = load_definition(path)
    study, report = check_study(read_study(source))
    assert report.ok
    pooled = analyse_study(study, d, sensitivity=False)
    table = pooled.secondary.tables["OCT per eye"]  # type: ignore[union-attr]
    assert set(table["group"]) == {"eyes without optic neuritis", "optic-neuritis eyes"}
    assert table["measure"].str.contains("GCIPL").any()
    folders, _ = split_seed(tmp_path, source, SIZES)
    studies = [check_study(read_study(f))[0] for f in folders]
    cut = latest_record(study)
    rows, _ = _federated(studies, d, cut, 1)
    _assert_equal_to_pooled(rows, table)
    # at cell size 5 the small centre (90 patients) holds its optic-neuritis eyes back
    rows, parts = _federated(studies, d, cut, 5)
    hidden = {g for p in parts for g, c in p.items() if c == {"suppressed": True}}
    assert hidden
    for r in rows:
        assert (r["status"] == "suppressed") == (r["group"] in hidden), r
    for p in parts:
        for c in p.values():
            assert c == {"suppressed": True} or (c["n_group"] >= 5 and c["patients"] >= 5)
    # and through vantage6's mock network (extraction, central function, subtasks)
    _, result, partials = run_network(folders, path.read_text(), data_cut=cut)
    assert [p["oct_eyes"] for p in partials if "oct_eyes" in p] == parts
    assert result["oct_eyes"] == rows
    assert {r["group"] for r in rows if r["status"] != "suppressed"} == {
        "eyes without optic neuritis"}


def test_network_oct_per_eye_cells_are_pooled_or_suppressed(seed_network: Network) -> None:
    parts = [p["oct_eyes"] for p in seed_network.partials if "oct_eyes" in p]
    assert len(parts) == 3
    d = load_definition(seed_network.definition)
    exact = {(r["group"], r["measure"]): r
             for r in _federated(seed_network.studies, d, seed_network.data_cut, 1)[0]}
    rows = seed_network.result["oct_eyes"]
    assert rows and len(rows) == len(exact)
    for r in rows:
        small = any(p.get(r["group"]) == {"suppressed": True} for p in parts)
        if small:
            assert r["status"] == "suppressed"
            continue
        assert r == exact[(r["group"], r["measure"])]


def test_a_small_eye_group_is_suppressed_at_the_centre() -> None:
    frame = pl.DataFrame({
        "eyeg|OD": ["eyes without optic neuritis"] * 6 + ["optic-neuritis eyes"] * 2,
        "eyeg|OS": ["eyes without optic neuritis"] * 4 + [None] * 4,
        **{f"eye|{e}|{c}": [90.0 + i for i in range(8)] for e in ("OD", "OS")
           for c in ("rnfl_um_baseline", "rnfl_um_change", "rnfl_um_change_per_year",
                     "gcipl_um_baseline", "gcipl_um_change", "gcipl_um_change_per_year")}})
    got = oct_eye_sums(frame, 5)
    assert got["optic-neuritis eyes"] == {"suppressed": True}  # 2 eyes of 2 patients
    cell = got["eyes without optic neuritis"]
    assert (cell["n_group"], cell["patients"]) == (10, 6)
    # both eyes of the first 4 patients and one of the next 2: 90..93 twice, 94, 95
    x = np.array([90, 91, 92, 93, 94, 95, 90, 91, 92, 93], dtype=float)
    m = cell["measures"]["rnfl_um_change"]
    assert (m["n"], m["sum"]) == (10, x.sum())
    assert m["m2"] == pytest.approx(((x - x.mean()) ** 2).sum(), abs=1e-12)

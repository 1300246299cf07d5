"""Issue #23: ``mscohort events --db`` reads, detects and writes a batch of patients at a time
and its files are byte for byte those of one run over every patient.

The reference is the unbatched path as it was before batching: the whole store read by
:func:`mscohort.loading.load_visits`, :func:`run_events` on every patient at once, and each
table written by :func:`write_safe_csv`.
"""

from __future__ import annotations

import datetime as dt
from importlib.resources import files
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from mscohort.analyse.disability import event_settings, run_events
from mscohort.analyse.event_stream import stream_events
from mscohort.cli.main import app
from mscohort.ingest.formulas import write_safe_csv
from mscohort.loading import load_visits
from mscohort.report.event_files import EventFiles
from mscohort.store import StudyStore
from mscohort.store.importing import import_folder
from mscohort.store.visit_batches import VisitBatches
from mscohort.synthetic import write_synthetic_folder

SEED = Path(str(files("mscohort") / "datasets" / "seed"))
#: options that give events of every kind (CDW as RAW and PIRA, CDI) and two milestones
OPTIONS = ("--event", "multiple", "--baseline", "roving", "--milestone", "4", "--milestone",
           "6")


def _run(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The seed study (~40 patients) and a synthetic cohort of 3,000 patients, imported."""
    root = tmp_path_factory.mktemp("stores")
    write_synthetic_folder(3000, root / "synth", seed=23)
    dbs = {"seed": root / "seed.duckdb", "synthetic": root / "synthetic.duckdb"}
    for name, folder in (("seed", SEED), ("synthetic", root / "synth")):
        import_folder(folder, dbs[name], as_of=dt.date(2026, 1, 1), by="test")
    return dbs


def _reference(db: Path, out: Path, outcome: str = "edss", **changes: object) -> None:
    """The files of one unbatched run (the code path of ``mscohort events --db`` before
    batching)."""
    settings = event_settings("msprog", {"event": "multiple", "baseline": "roving",
                                         "msprog_compat": False, **changes}, outcome)
    loaded = load_visits(db=db, value=outcome)
    run = run_events(loaded.visits, loaded.relapses, settings, outcome, (4.0, 6.0))
    assert run.milestones is not None
    for suffix, frame in (("", run.result.events), ("_summary", run.result.summary),
                          ("_milestones", run.milestones)):
        write_safe_csv(frame, out.with_name(out.stem + suffix + ".csv"))


def _files(out: Path) -> list[bytes]:
    return [out.with_name(out.stem + s + ".csv").read_bytes()
            for s in ("", "_summary", "_milestones")]


@pytest.mark.parametrize(("store", "batch"), [("seed", 7), ("synthetic", 700),
                                              ("synthetic", 97)])
def test_batched_files_are_byte_identical_to_one_unbatched_run(
        stores: dict[str, Path], store: str, batch: int, tmp_path: Path) -> None:
    db = stores[store]
    _reference(db, tmp_path / "ref.csv")
    with StudyStore(db, read_only=True) as s:
        n_batches = len(VisitBatches(s, batch_patients=batch))
    assert n_batches >= 4  # several batches, so that the joins are tested
    code, batched = _run("events", "--db", db, "--out", tmp_path / "b.csv", *OPTIONS,
                         "--batch-patients", batch)
    assert code == 0, batched
    code, single = _run("events", "--db", db, "--out", tmp_path / "s.csv", *OPTIONS,
                        "--batch-patients", 10**9)
    assert code == 0, single
    reference = _files(tmp_path / "ref.csv")
    assert _files(tmp_path / "b.csv") == reference
    assert _files(tmp_path / "s.csv") == reference
    assert reference[0].count(b"\n") > 10  # events to compare
    assert batched.replace("b.csv", "s.csv").replace("b_summary", "s_summary") == single


def test_batches_hold_whole_patients_in_identifier_order(stores: dict[str, Path]) -> None:
    with StudyStore(stores["synthetic"], read_only=True) as store:
        every = store.read("edss")["patient_id"].unique().sort()
        relapses = store.read("relapses").height
        batches = VisitBatches(store, batch_patients=700)
        parts = list(batches)
    assert [v["patient_id"].n_unique() for v, _ in parts] == batches.sizes
    assert batches.sizes == [700, 700, 700, 700, 200]
    ids = [v["patient_id"].unique().sort() for v, _ in parts]
    assert pl.concat(ids).equals(every)  # every patient once, batches in identifier order
    for (_, rel), own in zip(parts, ids, strict=True):
        assert rel["patient_id"].is_in(own.implode()).all()
    assert sum(rel.height for _, rel in parts) == relapses


def test_batched_parquet_holds_the_rows_and_types_of_one_run(
        stores: dict[str, Path], tmp_path: Path) -> None:
    db = stores["synthetic"]
    code, output = _run("events", "--db", db, "--out", tmp_path / "b.parquet", *OPTIONS,
                        "--batch-patients", 500)
    assert code == 0, output
    settings = event_settings("msprog", {"event": "multiple", "baseline": "roving",
                                         "msprog_compat": False})
    loaded = load_visits(db=db)
    run = run_events(loaded.visits, loaded.relapses, settings, "edss", (4.0, 6.0))
    assert pl.read_parquet(tmp_path / "b.parquet").equals(run.result.events)
    assert pl.read_parquet(tmp_path / "b_summary.parquet").equals(run.result.summary)
    assert pl.read_parquet(tmp_path / "b_milestones.parquet").equals(run.milestones)


def test_msfc_outcome_from_a_store_is_batched_like_edss(stores: dict[str, Path],
                                                        tmp_path: Path) -> None:
    db = stores["seed"]
    _reference(db, tmp_path / "ref.csv", "t25fw")
    code, output = _run("events", "--db", db, "--outcome", "t25fw", "--out",
                        tmp_path / "b.csv", *OPTIONS, "--batch-patients", 3)
    assert code == 0, output
    assert _files(tmp_path / "b.csv") == _files(tmp_path / "ref.csv")


@pytest.mark.parametrize("batch", [10**9, 600, 97])  # 1, 5 and 31 batches
def test_a_scan_that_draws_random_numbers_gives_the_same_files_in_any_batches(
        stores: dict[str, Path], batch: int, tmp_path: Path) -> None:
    db = stores["synthetic"]
    with StudyStore(db, read_only=True) as s:
        n_batches = len(VisitBatches(s, batch_patients=batch))
    assert n_batches == {10**9: 1, 600: 5, 97: 31}[batch]
    _reference(db, tmp_path / "ref.csv", impute_last_visit=0.5)
    code, output = _run("events", "--db", db, "--out", tmp_path / "b.csv", *OPTIONS,
                        "--impute-last-visit", "0.5", "--batch-patients", batch)
    assert code == 0, output
    assert _files(tmp_path / "b.csv") == _files(tmp_path / "ref.csv")
    events = pl.read_csv(tmp_path / "b.csv")
    assert events.filter(pl.col("conf84_date").is_null()).height > 10  # imputed events


def test_stream_events_with_random_draws_sums_the_counts_of_one_run(
        stores: dict[str, Path]) -> None:
    settings = event_settings("msprog", {"impute_last_visit": 0.5})
    loaded = load_visits(db=stores["synthetic"])
    assert loaded.relapses is not None
    ids = loaded.visits["patient_id"].unique().sort()
    half = pl.col("patient_id").is_in(ids[: ids.len() // 2].implode())
    parts = [(loaded.visits.filter(half), loaded.relapses.filter(half)),
             (loaded.visits.filter(~half), loaded.relapses.filter(~half))]
    totals = stream_events(parts, settings)
    whole = stream_events([(loaded.visits, loaded.relapses)], settings)
    assert totals.batches == 2 and whole.batches == 1
    assert (totals.patients, totals.with_cdw, totals.cdw, totals.events) == (
        whole.patients, whole.with_cdw, whole.cdw, whole.events)


def test_explain_from_a_store_reads_one_patient_and_tells_the_same(
        stores: dict[str, Path]) -> None:
    db = stores["seed"]
    loaded = load_visits(db=db)
    settings = event_settings("msprog", {"msprog_compat": False})
    patient = loaded.visits["patient_id"][0]
    expected = run_events(loaded.visits, loaded.relapses, settings).result.explain(patient)
    code, output = _run("events", "--db", db, "--explain", patient, "--batch-patients", 5)
    assert code == 0, output
    assert expected.splitlines()[0] in output and expected.splitlines()[-1] in output
    code, output = _run("events", "--db", db, "--explain", "NOBODY")
    assert code == 2 and "a patient of the analysed visits" in output


def test_a_failed_run_leaves_the_files_as_they_were(stores: dict[str, Path],
                                                    tmp_path: Path) -> None:
    out = tmp_path / "events.csv"
    out.write_text("kept\n")
    loaded = load_visits(db=stores["seed"])
    run = run_events(loaded.visits, loaded.relapses, event_settings())
    with pytest.raises(RuntimeError, match="stopped"), EventFiles(out, (4.0,)) as written:
        written.append(run)
        raise RuntimeError("stopped")
    assert out.read_text() == "kept\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.csv"]


def test_an_out_file_of_another_kind_is_a_usage_error(stores: dict[str, Path],
                                                      tmp_path: Path) -> None:
    code, output = _run("events", "--db", stores["seed"], "--out", tmp_path / "e.xlsx")
    assert code == 2 and "`--out` must be a file ending in .csv or .parquet" in output
    assert list(tmp_path.iterdir()) == []

"""A registry-scale synthetic cohort written a batch of patients at a time (issue #23):
``mscohort synth --patients 3000000`` holds one batch in memory, not the cohort.

Batch ``k`` (patients ``k * batch_patients`` onwards) is
:func:`mscohort.synthetic.make_synthetic_cohort` with its own seed: batch 0 uses ``seed``
itself, so a cohort of at most one batch is exactly the cohort of
:func:`~mscohort.synthetic.make_synthetic_cohort` (and of
:func:`~mscohort.synthetic.write_study_folder`); batch ``k > 0`` uses the first word of
``numpy.random.SeedSequence((seed, k))``. Each batch's rows are appended to the table's CSV
file: the files hold the patients in id order, each patient's records together.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from mscohort.errors import bad_argument
from mscohort.schema import TABLES
from mscohort.synthetic import make_synthetic_cohort

#: Patients generated and written at a time (about 0.4 GB of memory).
BATCH_PATIENTS = 100_000


def batch_seed(seed: int, k: int) -> int:
    """The seed of batch ``k``: ``seed`` for the first, then from ``SeedSequence``."""
    if k == 0:
        return seed
    return int(np.random.SeedSequence((seed, k)).generate_state(1)[0])


def write_synthetic_folder(n_patients: int, folder: str | Path, seed: int = 0, *,
                           batch_patients: int = BATCH_PATIENTS,
                           progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Write a synthetic cohort of ``n_patients`` as ``<table>.csv`` files in ``folder``,
    ``batch_patients`` at a time; returns the rows written per table. ``progress`` is told
    the patients written so far after each batch."""
    if not isinstance(n_patients, int) or n_patients < 1:
        raise bad_argument("n_patients", "a whole number >= 1", n_patients)
    if not isinstance(batch_patients, int) or batch_patients < 1:
        raise bad_argument("batch_patients", "a whole number >= 1", batch_patients)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    columns: dict[str, list[str]] = {}
    rows = dict.fromkeys(TABLES, 0)
    for k, first in enumerate(range(0, n_patients, batch_patients)):
        size = min(batch_patients, n_patients - first)
        study = make_synthetic_cohort(size, seed=batch_seed(seed, k), first_id=first)
        for name in TABLES:
            frame = study.table(name)
            if frame.height == 0:
                continue
            if name not in columns:  # as write_study_folder chooses them, from the first rows
                columns[name] = [c for c in frame.columns if not c.endswith("_precision")
                                 and frame[c].null_count() < frame.height]
            left_out = [c for c in frame.columns if c not in columns[name]
                        and not c.endswith("_precision") and frame[c].null_count() < frame.height]
            if left_out:  # pragma: no cover - a generator change
                raise RuntimeError(f"batch {k} of {name} has values in {left_out}, which the "
                                   "first rows left out of the file")
            with (folder / f"{name}.csv").open("ab" if rows[name] else "wb") as out:
                frame.select(columns[name]).write_csv(out, include_header=rows[name] == 0)
            rows[name] += frame.height
        if progress is not None:
            progress(first + size)
    return {name: n for name, n in rows.items() if n}


__all__ = ["BATCH_PATIENTS", "batch_seed", "write_synthetic_folder"]

"""Patient numbers and the visit order of the event scan, without sorting strings twice
(issue #23: the preparation around the compiled scan costs less than the scan).

The scan reads each patient's visits as one slice of arrays sorted by patient and day
(:mod:`.kernel`). Patients are numbered in the order of their identifiers (the byte order of
the UTF-8 text, as a polars sort), the visits' and the relapses' alike, through hashes of
the identifiers so that only the distinct identifiers are sorted as text; the rows are then
put in order by one integer key, patient number then day, with numpy. The result
is the one a polars sort by ``patient_id`` and ``date`` gives (``tests/events/
test_events_ordering.py`` checks it against that sort).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

#: Bits of the sort key that hold the day (days since 1970 shifted to start at 0).
_DAY_BITS = 32


@dataclass(frozen=True)
class PatientNumbers:
    """Each row's patient number (0, 1, ... in the order of the identifiers)."""

    #: per visit row, its patient's number
    visits: np.ndarray
    #: per relapse row, its patient's number; -1 for a patient without visits
    relapses: np.ndarray
    #: number of patients with visits
    n: int


def patient_numbers(visit_ids: pl.Series, relapse_ids: pl.Series | None = None
                    ) -> PatientNumbers:
    """Number the patients of ``visit_ids`` in the order of their identifiers, and give
    each relapse row the number of its patient (-1 when the patient has no visit).

    Both series are strings without nulls. Identifiers are matched by their 64-bit hash
    (:func:`numbers_by_hash`), every match then checked string for string; should two
    identifiers ever share a hash, the exact ranking (:func:`numbers_by_rank`) is used.
    """
    relapse_ids = pl.Series(dtype=pl.String) if relapse_ids is None else relapse_ids
    by_hash = numbers_by_hash(visit_ids, relapse_ids)
    return by_hash if by_hash is not None else numbers_by_rank(visit_ids, relapse_ids)


def numbers_by_rank(visit_ids: pl.Series, relapse_ids: pl.Series) -> PatientNumbers:
    """:func:`patient_numbers` by one dense rank of both series together (sorts every row's
    identifier: exact, and slower than hashing)."""
    nv, nr = visit_ids.len(), relapse_ids.len()
    if nv == 0:
        return PatientNumbers(np.zeros(0, np.int64), np.full(nr, -1, np.int64), 0)
    both = pl.concat([visit_ids, relapse_ids])
    rank = both.rank("dense").to_numpy().astype(np.int64) - 1
    present = np.zeros(int(rank.max()) + 1, dtype=np.bool_)
    present[rank[:nv]] = True
    number = np.cumsum(present) - 1
    number[~present] = -1
    return PatientNumbers(number[rank[:nv]], number[rank[nv:]], int(present.sum()))


def _runs(ids: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """Start and length of each run of equal identifiers (a patient's rows usually come
    together, so later steps work on one identifier per run, not per row)."""
    run = ids.rle_id().to_numpy()
    starts = np.flatnonzero(np.r_[True, run[1:] != run[:-1]])
    return starts, np.diff(np.r_[starts, ids.len()])


def numbers_by_hash(visit_ids: pl.Series, relapse_ids: pl.Series) -> PatientNumbers | None:
    """:func:`patient_numbers` through 64-bit hashes of the identifiers: only the distinct
    identifiers are sorted as text. None when two distinct identifiers share a hash (each
    identifier is compared as text with the one its hash stands for, so a shared hash is
    never missed)."""
    nv, nr = visit_ids.len(), relapse_ids.len()
    if nv == 0:
        return PatientNumbers(np.zeros(0, np.int64), np.full(nr, -1, np.int64), 0)
    starts, lengths = _runs(visit_ids)
    heads = visit_ids.gather(starts)
    uniq_hash, first, inverse = np.unique(heads.hash().to_numpy(), return_index=True,
                                          return_inverse=True)
    inverse = inverse.ravel()
    names = heads.gather(first)  # one identifier per distinct hash
    if not (heads == names.gather(inverse)).all():
        return None  # two identifiers share a hash
    # the text order of the names, sorted in order of appearance (often sorted already)
    appear = np.argsort(first)
    rank = np.empty(first.size, dtype=np.int64)
    rank[appear[names.gather(appear).arg_sort().to_numpy()]] = np.arange(first.size)
    visits = np.repeat(rank[inverse], lengths)
    if nr == 0:
        return PatientNumbers(visits, np.zeros(0, np.int64), first.size)
    rstarts, rlengths = _runs(relapse_ids)
    rheads = relapse_ids.gather(rstarts)
    hr = rheads.hash().to_numpy()
    by_hash = np.argsort(hr)  # a search in sorted order reads memory in order
    pos = np.empty(hr.size, dtype=np.int64)
    pos[by_hash] = np.minimum(np.searchsorted(uniq_hash, hr[by_hash]), uniq_hash.size - 1)
    found = uniq_hash[pos] == hr
    if found.any() and not (rheads.filter(pl.Series(found))
                            == names.gather(pos[found])).all():
        return None
    relapses = np.repeat(np.where(found, rank[pos], -1), rlengths)
    return PatientNumbers(visits, relapses, first.size)


def order_by_patient_day(patient: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Row order by patient number, then day (stable: rows on one day keep their order);
    no sort at all when the rows are in that order already (a store's tables are)."""
    if patient.size == 0:
        return np.zeros(0, dtype=np.int64)
    d = day.astype(np.int64)
    key = (patient.astype(np.int64) << _DAY_BITS) | (d - d.min())
    if bool(np.all(key[1:] >= key[:-1])):
        return np.arange(key.size, dtype=np.int64)
    return np.argsort(key, kind="stable")


def offsets_of(patient_sorted: np.ndarray, n: int) -> np.ndarray:
    """Start of each patient's slice in rows sorted by patient (``n + 1`` offsets)."""
    counts = np.bincount(patient_sorted, minlength=n)
    return np.r_[0, np.cumsum(counts)].astype(np.int64)


def shared_days(patient_sorted: np.ndarray, day_sorted: np.ndarray) -> np.ndarray:
    """Mask of the sorted rows that share their patient and day with another row."""
    same = (patient_sorted[1:] == patient_sorted[:-1]) & (day_sorted[1:] == day_sorted[:-1])
    mask = np.zeros(patient_sorted.size, dtype=np.bool_)
    mask[1:] |= same
    mask[:-1] |= same
    return mask


__all__ = ["PatientNumbers", "numbers_by_hash", "numbers_by_rank", "offsets_of",
           "order_by_patient_day", "patient_numbers", "shared_days"]

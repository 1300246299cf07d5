"""Each patient's own random draw for probabilistic last-visit imputation (issue #23).

``impute_last_visit = p`` with ``0 < p < 1`` counts an unconfirmed worsening at a patient's
last assessment as confirmed with probability ``p`` (msprog's ``impute_last_visit``,
Montobbio et al. 2024). The draw belongs to the patient: a number ``u`` in [0, 1) computed
from the seed and the patient identifier alone, and the worsening counts when ``u < p``.
It therefore does not depend on the other patients, on their order, or on how the cohort
is cut into batches (``mscohort events --db``) or threads, and one patient's ``--explain``
tells what the whole cohort's run found for that patient.

Notes
-----
With ``H`` the BLAKE2b hash with an 8-byte digest (RFC 7693; :func:`hashlib.blake2b` with
``digest_size=8``) of the UTF-8 text ``"{seed}:{patient_id}"`` (the seed in decimal, the
identifier as written in the output tables), read as a big-endian unsigned 64-bit integer,

    u = floor(H / 2**11) / 2**53,

the top 53 bits of ``H`` as a double in [0, 1) with every value equally likely (the
construction of numpy's ``random()`` from 64 random bits). A patient has at most one draw:
the scan reaches the last assessment as a candidate onset once, and the milestone scan
likewise; both use the same ``u``, so a patient's unconfirmed last-visit worsening is counted
for every milestone it reaches or for none.

References
----------
Saarinen M-J, Aumasson J-P. The BLAKE2 cryptographic hash and message authentication code
(MAC). RFC 7693, 2015.
"""

from __future__ import annotations

import hashlib
import operator
from collections.abc import Sequence

import numpy as np

from mscohort.errors import bad_argument

#: 2**-53: the spacing of the doubles of [0.5, 1), the unit of the 53-bit uniforms
_UNIT = 2.0 ** -53


def patient_uniforms(patient_ids: Sequence[str], seed: int) -> np.ndarray:
    """Each patient's uniform number in [0, 1) for ``seed`` (the rule in the module's Notes).

    Parameters
    ----------
    patient_ids
        Identifiers as text, in any order; equal identifiers get equal numbers.
    seed
        Any integer; different seeds give independent draws.

    Returns
    -------
    numpy.ndarray
        float64, one number per identifier, in the order given.
    """
    key = seed_text(seed)
    digests = b"".join(hashlib.blake2b(f"{key}:{pid}".encode(), digest_size=8).digest()
                       for pid in patient_ids)
    words = np.frombuffer(digests, dtype=">u8").astype(np.uint64)
    return (words >> np.uint64(11)).astype(np.float64) * _UNIT


def seed_text(seed: object) -> str:
    """The seed in decimal; an integer (not a bool), so that 1 and 1.0 cannot differ."""
    if isinstance(seed, bool):
        raise bad_argument("seed", "an integer", seed)
    try:
        return str(operator.index(seed))  # type: ignore[arg-type]
    except TypeError:
        raise bad_argument("seed", "an integer", seed) from None


def draws_needed(impute_probability: float) -> bool:
    """Whether a scan draws at all: only for a probability strictly between 0 and 1 (0
    never imputes, 1 and a number of days always do, within that follow-up)."""
    return 0 < impute_probability < 1


__all__ = ["draws_needed", "patient_uniforms", "seed_text"]

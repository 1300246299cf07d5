"""The clinical status of an adverse event, read from its recorded ``outcome``.

The ``adverse_events.outcome`` column is free text as recorded. Screening for *uncontrolled*
autoimmunity (the seed study's exclusion) must tell an event that resolved or is controlled on
treatment from one that is not, and must not guess when the record does not say.

Statuses (:data:`STATUSES`):

* ``resolved``: resolved, recovered (also with sequelae): CDISC AEOUT "RECOVERED/RESOLVED",
  "RECOVERED/RESOLVED WITH SEQUELAE".
* ``controlled``: ongoing but controlled by treatment ("controlled", "ongoing, controlled").
* ``uncontrolled``: ongoing and not controlled ("uncontrolled", "not controlled").
* ``ongoing``: not resolved, without saying whether it is controlled: "ongoing",
  CDISC "NOT RECOVERED/NOT RESOLVED", "RECOVERING/RESOLVING".
* ``fatal``: CDISC "FATAL".
* ``unknown``: no outcome recorded, "unknown", or words not listed here.

An event counts as *uncontrolled* only when its status is ``uncontrolled``; ``ongoing`` and
``unknown`` leave the question open ("cannot tell"), never "not eligible".

References
----------
CDISC SDTM Implementation Guide 3.3, AE domain, AEOUT codelist (C66768: OUT).
"""

from __future__ import annotations

import re

STATUSES = ("resolved", "controlled", "uncontrolled", "ongoing", "fatal", "unknown")

#: words of a recorded outcome, checked in this order (the first that matches wins)
_PATTERNS: tuple[tuple[str, str], ...] = (
    ("uncontrolled", r"\buncontrolled\b|\bnot controlled\b|\bnot under control\b"),
    ("controlled", r"\bcontrolled\b|\bunder control\b"),
    ("fatal", r"\bfatal\b|\bdeath\b|\bdied\b"),
    ("ongoing", r"\bnot (?:yet )?(?:recovered|resolved)\b|\bongoing\b|\bresolving\b"
                r"|\brecovering\b|\bcontinuing\b|\bpersist"),
    ("resolved", r"\bresolved\b|\brecovered\b"),
)


def ae_status(outcome: str | None) -> str:
    """The status (one of :data:`STATUSES`) of a recorded adverse-event outcome.

    >>> ae_status("Ongoing, controlled on carbimazole"), ae_status("NOT RECOVERED/NOT RESOLVED")
    ('controlled', 'ongoing')
    """
    text = (outcome or "").strip().lower()
    for status, pattern in _PATTERNS:
        if re.search(pattern, text):
            return status
    return "unknown"

"""mscohort: multiple sclerosis treatment-outcome studies, from patient-level records to tables.

Pipeline stages (each a subpackage, imports flowing one way)::

    ingest -> validate -> derive -> stratify -> analyse -> report

with ``store`` (an embedded DuckDB study store) and ``cli`` as adapters on top.
"""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    """``mscohort.__version__``, read from the installed metadata on first use (PEP 562), so
    that importing a part of mscohort (e.g. ``mscohort --help``) does not pay for
    :mod:`importlib.metadata`."""
    if name == "__version__":
        from mscohort._version import __version__

        return __version__
    raise AttributeError(f"module 'mscohort' has no attribute {name!r}")

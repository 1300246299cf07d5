"""mscohort: multiple sclerosis treatment-outcome studies, from patient-level records to tables.

Pipeline stages (each a subpackage, imports flowing one way)::

    ingest -> validate -> derive -> stratify -> analyse -> report

with ``store`` (an embedded DuckDB study store) and ``cli`` as adapters on top.
"""

from mscohort._version import __version__

__all__ = ["__version__"]

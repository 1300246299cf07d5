"""Reports: publication tables and figures of a study analysis as HTML, Word, Excel or
Markdown (``docs/report.md``).

The names below are imported from :mod:`mscohort.report.document` on first use (PEP 562),
so that a submodule such as :mod:`mscohort.report.event_files` (``mscohort events``) does
not load the whole report stack (issue #23: start-up time)."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mscohort.report.document import (
        FORMATS,
        InputCheck,
        Provenance,
        Report,
        build_report,
        write_figures,
    )

__all__ = ["FORMATS", "InputCheck", "Provenance", "Report", "build_report", "write_figures"]


def __getattr__(name: str) -> Any:
    """A name of ``__all__``, from :mod:`mscohort.report.document` on first use."""
    if name in __all__:
        value = getattr(import_module("mscohort.report.document"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

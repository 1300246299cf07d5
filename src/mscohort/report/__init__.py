"""Reports: publication tables and figures of a study analysis as HTML, Word, Excel or
Markdown (``docs/report.md``)."""

from mscohort.report.document import (
    FORMATS,
    InputCheck,
    Provenance,
    Report,
    build_report,
    write_figures,
)

__all__ = ["FORMATS", "InputCheck", "Provenance", "Report", "build_report", "write_figures"]

"""Reports: publication tables and figures of a study analysis as HTML, Word, Excel or
Markdown (``docs/report.md``)."""

from mscohort.report.document import FORMATS, InputCheck, Provenance, Report, build_report

__all__ = ["FORMATS", "InputCheck", "Provenance", "Report", "build_report"]

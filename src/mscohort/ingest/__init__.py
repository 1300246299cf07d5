"""Ingest: read a study folder or workbook into raw text tables with canonical column names."""

from mscohort.ingest.folder import RawStudy, RawTable, read_study, read_tables
from mscohort.ingest.mapping import Mapping, load_mapping

__all__ = ["Mapping", "RawStudy", "RawTable", "load_mapping", "read_study", "read_tables"]

"""Store: the study in an embedded DuckDB file, with the provenance of every import."""

from mscohort.store.duckdb_store import ImportResult, StudyStore
from mscohort.store.importing import import_folder, import_raw, validate_folder

__all__ = ["ImportResult", "StudyStore", "import_folder", "import_raw", "validate_folder"]

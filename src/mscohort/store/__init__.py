"""Store: the study in an embedded DuckDB file, with the provenance of every import."""

from mscohort.store.changes import Acceptance, ChangesNeedAcceptance, StoreDiff
from mscohort.store.duckdb_store import ImportResult, StudyStore
from mscohort.store.importing import import_folder, import_raw, validate_folder, validate_raw

__all__ = ["Acceptance", "ChangesNeedAcceptance", "ImportResult", "StoreDiff", "StudyStore",
           "import_folder", "import_raw", "validate_folder", "validate_raw"]

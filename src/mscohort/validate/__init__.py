"""Validate: parse raw text tables into typed tables and report every rule broken."""

from mscohort.validate.check import check_study, load_study
from mscohort.validate.report import ValidationReport

__all__ = ["ValidationReport", "check_study", "load_study"]

"""Validate: parse raw text tables into typed tables and report every rule broken."""

from mscohort.validate.check import check_study, load_study
from mscohort.validate.input_check import InputCheck
from mscohort.validate.report import ValidationReport

__all__ = ["InputCheck", "ValidationReport", "check_study", "load_study"]

"""The pages of a clinic that works alone (issue #19), registered together: a patient's
record history with corrections (:mod:`views_history`) the issues of an upload with
counts, filters, pages and downloads (:mod:`views_issues`), and the mapping of an upload's
own sheets and columns (:mod:`views_mapping`), and the study definition as a form
(:mod:`views_definition`), and REDCap projects (:mod:`views_redcap`), and the changes a
re-import makes, accepted with who and why (:mod:`views_changes`)."""

from __future__ import annotations

from flask import Flask

from mscohort.web import (
    views_changes,
    views_definition,
    views_history,
    views_issues,
    views_mapping,
    views_redcap,
)


def register(app: Flask) -> None:
    views_history.register(app)
    views_issues.register(app)
    views_mapping.register(app)
    views_definition.register(app)
    views_redcap.register(app)
    views_changes.register(app)

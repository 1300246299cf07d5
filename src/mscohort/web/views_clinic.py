"""The pages of a clinic that works alone (issue #19), registered together: a patient's
record history with corrections (:mod:`views_history`) the issues of an upload with
counts, filters, pages and downloads (:mod:`views_issues`), and the mapping of an upload's
own sheets and columns (:mod:`views_mapping`)."""

from __future__ import annotations

from flask import Flask

from mscohort.web import views_history, views_issues, views_mapping


def register(app: Flask) -> None:
    views_history.register(app)
    views_issues.register(app)
    views_mapping.register(app)

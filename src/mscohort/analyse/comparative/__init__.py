"""Comparative effectiveness of treatments from registry data (issue #25): treatment episodes,
a propensity-score design (matching or weighting) with its balance, and the outcomes of the
matched or weighted cohort, as registry studies emulate a trial (Kalincik et al., Lancet Neurol
2017;16:271-281). The design and the outcome stages meet in :class:`cohort.ComparisonCohort`.

Definitions and sources: ``docs/comparative.md``.
"""

"""A centre's own data, validated and derived at the centre: the analysis frame.

The frame holds one row per patient and only the derived numbers, flags and category labels
the partial functions aggregate (no patient id, no date, no free text). It stays in the
node's session (vantage6 keeps a session's dataframes at the node); nothing of it is ever
returned to the researcher.

Columns
-------
``analysed``
    the patient has an index date, a baseline and a follow-up EDSS
    (:func:`mscohort.stratify.splits.analysed`).
the measures of :data:`MEASURES`
    as :func:`mscohort.derive.outcomes.patient_outcomes` defines them (docs/analysis.md).
``g|<split>|<group>``
    membership of each group of the study's splits that a centre can decide alone (all but
    the follow-up cohorts, which need the pooled median).
``x|<split>``
    the split's name (as the pooled contrasts table names it) when its groups are
    exclusive, else empty (the between-group contrasts compare exclusive splits only).
``sub|<name>``
    the study definition's relapse subgroups.
``flow|...``, ``excluded_reason``
    what the population flow's boxes read (:mod:`mscohort_federated.flow`).
``neda3``, ``neda_relapse``, ``neda_cdw``, ``neda_mri``
    NEDA-3 and its components (:func:`mscohort.derive.neda.neda`).
``sn|<split>``
    the split's name (as the pooled secondary tables name it).
``s|...``, ``ms|...``
    the secondary outcomes and the EDSS milestones (:mod:`mscohort_federated.secondary`).
``cat|...``, ``cx|...``
    per-patient counts of the protocol tables (screening, adverse events of special
    interest, infusion courses; :mod:`mscohort_federated.protocol_counts`).
``sfs|<panel>``, ``sf|<panel>|...``, ``rt|status``
    each safety monitoring panel's status, days overdue and baseline test, and the
    retreatment rule's outcome (:mod:`mscohort_federated.safety`).
``eyeg|<eye>``, ``eye|<eye>|<column>``
    each analysed eye's group and per-eye OCT measures (:mod:`mscohort_federated.oct_eyes`).
``bg|group``, ``bg|<column>``
    the between-group count model's group and adjustment columns
    (:mod:`mscohort_federated.nbgroups`).
``tps|<months>``, ``tpc|<months>``, ``tps|cut``
    each fixed time point's status and EDSS change, and which data cut classified them
    (:mod:`mscohort_federated.timepoints`).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import polars as pl

from mscohort.analyse.rates import relapse_population
from mscohort.analyse.tables import study_splits
from mscohort.definition import StudyDefinition, parse_definition
from mscohort.derive.neda import neda
from mscohort.derive.outcomes import patient_outcomes
from mscohort.errors import UsageError
from mscohort.stratify.splits import analysed, by_conditions
from mscohort.study import Study
from mscohort_federated.flow import flow_columns

#: The per-patient numbers the partial functions aggregate.
MEASURES = ("age_at_index", "followup", "baseline_edss", "followup_edss", "edss_change",
            "baseline_msss", "followup_msss", "msss_change", "relapses_before",
            "years_before", "relapses_during", "years_during", "arr_before", "arr_during",
            "time_to_cdw_days", "followup_days")
#: The split of the pooled tables that needs the pooled median follow-up.
FOLLOWUP_SPLIT = "by follow-up cohort"
NEDA = ("neda3", "neda_relapse", "neda_cdw", "neda_mri")
#: The frame's true/false columns (besides the ``g|`` and ``sub|`` groups).
FLAGS = ("analysed", "cdw_observed", "in_relapse_analysis", "relapse_population", "has_mri",
         *NEDA)


class CentreDataError(ValueError):
    """The centre's data do not pass validation; the message holds counts only."""


def definition_from_text(text: str) -> StudyDefinition:
    """The study definition sent with the task (TOML text), checked by mscohort's parser."""
    if not isinstance(text, str):
        raise UsageError(f"`definition` must be the study definition's TOML text; "
                         f"got {type(text).__name__}.")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"`definition` must be valid TOML; got an error: {exc}.") from None
    return parse_definition(raw, "study definition (task input)")


def load_centre_study(uri: str) -> Study:
    """The centre's records: a DuckDB study store (``*.duckdb``) or a folder of files,
    validated by mscohort. A folder that fails validation raises :class:`CentreDataError`
    with the number of errors per rule only (the node's log may be read by the researcher,
    so no value, patient or row is named)."""
    path = Path(uri)
    if path.suffix == ".duckdb":
        from mscohort.store.records import load_store

        if not path.is_file():
            raise CentreDataError(f"the node's database {uri} is not a file.")
        return load_store(path).records
    from mscohort.ingest import read_study
    from mscohort.validate.check import check_study

    if not path.is_dir():
        raise CentreDataError(f"the node's database {uri} is neither a .duckdb store nor a "
                              "folder.")
    study, report = check_study(read_study(path))
    if not report.ok:
        errors = report.errors
        counts = errors.group_by("rule").len().sort("rule")
        summary = ", ".join(f"{c}: {n}" for c, n in counts.iter_rows())
        raise CentreDataError(
            f"the centre's data have {errors.height} validation error(s) ({summary}); run "
            "`mscohort validate` on them at the centre.")
    return study


def analysis_frame(study: Study, definition: StudyDefinition,
                   data_cut: dt.date | None = None) -> pl.DataFrame:
    """The per-patient analysis frame of the module notes; ``data_cut``: the task's data
    cut for the time points (None: the centre's own latest record)."""
    d = definition
    outcomes = patient_outcomes(study, d)
    ok = analysed(outcomes)
    neda_rows = neda(outcomes, study.table("relapses"), study.table("mri"), d)
    has_mri = study.table("mri").height > 0
    cols: dict[str, pl.Series] = {"analysed": ok}
    for m in MEASURES:
        cols[m] = outcomes[m].cast(pl.Float64)
    for tp in d.timepoints:
        cols[f"edss_{tp.slug}"] = outcomes[f"edss_{tp.slug}"].cast(pl.Float64)
    cols["change_category"] = outcomes["change_category"].cast(pl.String)
    cols["cdw_observed"] = outcomes["cdw_observed"].cast(pl.Boolean)
    cols["in_relapse_analysis"] = outcomes["in_relapse_analysis"].fill_null(False)
    cols["relapse_population"] = outcomes.select(relapse_population()).to_series()
    for key, split in study_splits(outcomes, d).items():
        cols[f"sn|{key}"] = pl.Series([split.name] * outcomes.height, dtype=pl.String)
        if key == FOLLOWUP_SPLIT:
            continue
        for group, mask in split.groups.items():
            cols[f"g|{key}|{group}"] = mask
        cols[f"x|{key}"] = pl.Series([split.name if split.exclusive else ""]
                                     * outcomes.height, dtype=pl.String)
    for name, mask in by_conditions(outcomes, d.subgroups).groups.items():
        cols[f"sub|{name}"] = mask
    from mscohort.analyse.secondary import secondary_outcomes
    from mscohort_federated.secondary import secondary_columns  # both use partials

    sec = secondary_outcomes(study, outcomes, d)
    decisions = _screening(study, d)
    cols |= flow_columns(outcomes, decisions, sec.patients)
    cols |= _protocol(study, outcomes, d, decisions, data_cut)
    cols |= secondary_columns(study, outcomes, sec)
    from mscohort_federated.oct_eyes import oct_eye_columns

    cols |= oct_eye_columns(outcomes, sec.oct_eyes)
    from mscohort_federated.timepoints import timepoint_columns  # it uses partials' moments

    cols |= timepoint_columns(study, outcomes, data_cut)
    if "between_groups" in d.models.fit:
        from mscohort_federated.nbgroups import nbgroups_columns

        cols |= nbgroups_columns(outcomes, d.models.group)
    frame = pl.DataFrame(cols)
    joined = outcomes.select("patient_id").join(neda_rows, on="patient_id", how="left")
    for c in NEDA:
        values = joined[c] if c in joined.columns else pl.Series(c, [None] * frame.height)
        frame = frame.with_columns(values.cast(pl.Boolean).alias(c))
    return frame.with_columns(pl.lit(has_mri).alias("has_mri"))


def _screening(study: Study, d: StudyDefinition) -> pl.DataFrame:
    """The screening decisions (one row per patient and arm), as ``mscohort analyse``."""
    if not d.eligibility:
        return pl.DataFrame()
    from mscohort.analyse.protocol import screening

    return screening(study, d).decisions


def _protocol(study: Study, outcomes: pl.DataFrame, d: StudyDefinition,
              decisions: pl.DataFrame, data_cut: dt.date | None) -> dict[str, pl.Series]:
    """The protocol tables' per-patient counts (:mod:`mscohort_federated.protocol_counts`)
    and the safety monitoring and retreatment columns (:mod:`mscohort_federated.safety`);
    adverse events, monitoring and the retreatment rule judged as of the task's data cut,
    else the centre's own latest record (as ``mscohort analyse`` judges them as of the
    latest record)."""
    from mscohort.analyse.protocol import retreatment_check, safety_check, study_courses
    from mscohort.analyse.study import latest_record
    from mscohort_federated.protocol_counts import protocol_columns
    from mscohort_federated.safety import safety_columns

    courses = study_courses(study, d)
    cut = data_cut if data_cut is not None else latest_record(study)
    if cut is None:
        return protocol_columns(outcomes, decisions, pl.DataFrame(), courses.courses)
    safety = safety_check(study, cut, d, courses=courses)
    retreat = retreatment_check(study, cut, d, courses=courses)
    return (protocol_columns(outcomes, decisions, safety.aesi, courses.courses)
            | safety_columns(outcomes, safety.schedule, retreat.table))


def split_groups(frame: pl.DataFrame) -> dict[str, list[str]]:
    """The centre's local splits and their groups, from the frame's ``g|`` columns, in order."""
    out: dict[str, list[str]] = {}
    for c in frame.columns:
        if c.startswith("g|"):
            _, key, group = c.split("|", 2)
            out.setdefault(key, []).append(group)
    return out

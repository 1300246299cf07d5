"""The study-definition form's fields, as data, and the two ways between the form and a
definition document: :func:`form_values` (a parsed TOML document -> the fields' text) and
:func:`document_from_form` (the fields over a base document -> a document for
:func:`mscohort.definition.parse_definition`, which checks every key as it checks a file).

Keys the form does not show (eligibility, subgroups, MSSS, event options, ...) are kept
from the base definition the form was opened with; a whole section of those (e.g. the seed's
``[eligibility]``, which a clinic's own study rarely shares) is left out when its "leave out"
box is ticked (:func:`kept_sections`, field ``drop__<section>``). A blank number means the
key's default.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass

from mscohort.definition.events import PRESET_NAMES
from mscohort.definition.keys import (
    FOLLOW_UP_ENDS,
    INDEX_DATES,
    INDEX_DAY_RELAPSE,
    PRIMARY_OUTCOMES,
    RELAPSE_ENDS,
)
from mscohort.definition.parts import TimePoint
from mscohort.errors import bad_usage
from mscohort.units import LUNAR_MONTHS, UNITS


@dataclass(frozen=True)
class Field:
    """One field: its key (``section.name``), label, kind and, for a choice, its values."""

    path: str
    label: str
    kind: str  #: text, choice, days, date, flag, groups, timepoints, primary
    choices: tuple[str, ...] = ()

    @property
    def section(self) -> str:
        return self.path.split(".")[0]

    @property
    def name(self) -> str:
        return self.path.split(".", 1)[1] if "." in self.path else ""


FIELDS: tuple[Field, ...] = (
    Field("study.name", "Study name", "text"),
    Field("index.drug", "Index drug", "text"),
    Field("index.date", "Index date", "choice", INDEX_DATES),
    Field("baseline.window_days", "Baseline window before the index date (days)", "days"),
    Field("baseline.after_index_days", "Baseline allowed after the index date (days)", "days"),
    Field("follow_up.end", "End of follow-up", "choice", FOLLOW_UP_ENDS),
    Field("follow_up.cutoff_date", "Data cut-off date (YYYY-MM-DD)", "date"),
    Field("follow_up.unit", "Unit of follow-up", "choice", UNITS),
    Field("follow_up.lunar_month", "Lunar month", "choice", tuple(LUNAR_MONTHS)),
    Field("prior_treatment.window_days", "Prior-treatment window (days)", "days"),
    Field("prior_treatment.groups", "Prior drug groups (one a line: GROUP = drug, drug)",
          "groups"),
    Field("timepoints", "Time points (one a line: name | days | window_days, or "
          "name | after | after_days)", "timepoints"),
    Field("relapses.pre_index_days", "Relapse window before the index date (days)", "days"),
    Field("relapses.index_day", "A relapse on the index day counts", "choice",
          INDEX_DAY_RELAPSE),
    Field("relapses.follow_up_end", "End of relapse follow-up", "choice", RELAPSE_ENDS),
    Field("relapses.min_followup_days", "Shortest relapse follow-up for a per-patient ARR "
          "(days)", "days"),
    Field("relapses.exclude_regular_corticosteroids", "Leave out patients on regular "
          "corticosteroids", "flag"),
    Field("relapses.truncate_at_onset", "Pre-index window starts no earlier than onset",
          "flag"),
    Field("events.preset", "Confirmed-worsening preset", "choice", PRESET_NAMES),
    Field("analysis.primary", "Primary endpoint", "primary"),
)
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def form_name(field: Field) -> str:
    """The HTML name of a field (``section.name`` -> ``section__name``)."""
    return field.path.replace(".", "__")


def _number(text: str) -> object:
    """``"365"`` -> 365, ``"730.5"`` -> 730.5, ``"inf"`` -> inf; anything else stays text
    (the parser then names the key and what it must be)."""
    t = text.strip()
    if _NUMBER.match(t):
        return int(t) if re.match(r"^[+-]?\d+$", t) else float(t)
    if t.lower() in ("inf", "+inf"):
        return float("inf")
    return t


def _fmt(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def primary_choices(document: Mapping[str, object]) -> tuple[str, ...]:
    points = document.get("timepoints", [])
    slugs = [TimePoint(str(t["name"])).slug for t in points
             if isinstance(t, dict) and "name" in t] if isinstance(points, list) else []
    return (*PRIMARY_OUTCOMES, *(f"edss_change_{s}" for s in slugs))


def form_values(document: Mapping[str, object]) -> dict[str, str]:
    """The text of each field (by :func:`form_name`) for a definition document; a key the
    document does not give shows its default (:class:`StudyDefinition`)."""
    from mscohort.definition import StudyDefinition

    base = StudyDefinition()
    defaults = {
        "study.name": base.name, "index.drug": base.index_drug, "index.date": base.index_date,
        "baseline.window_days": base.baseline_window_days,
        "baseline.after_index_days": base.baseline_after_index_days,
        "follow_up.end": base.follow_up_end, "follow_up.cutoff_date": "",
        "follow_up.unit": base.unit, "follow_up.lunar_month": base.lunar_month,
        "prior_treatment.window_days": base.prior_window_days,
        "prior_treatment.groups": {g: list(d) for g, d in base.prior_groups.items()},
        "relapses.pre_index_days": base.pre_index_days,
        "relapses.index_day": base.index_day_relapse,
        "relapses.follow_up_end": base.relapse_end,
        "relapses.min_followup_days": base.relapse_min_followup_days,
        "relapses.exclude_regular_corticosteroids": base.exclude_regular_corticosteroids,
        "relapses.truncate_at_onset": base.truncate_at_onset,
        "events.preset": "msprog", "analysis.primary": base.primary}
    out: dict[str, str] = {}
    for f in FIELDS:
        if f.kind == "timepoints":
            points = document.get("timepoints", [])
            out[form_name(f)] = "\n".join(_timepoint_line(t) for t in points
                                          if isinstance(t, dict)) \
                if isinstance(points, list) else ""
            continue
        section = document.get(f.section, {})
        value = section.get(f.name, defaults[f.path]) if isinstance(section, dict) \
            else defaults[f.path]
        if f.kind == "groups" and isinstance(value, dict):
            out[form_name(f)] = "\n".join(
                f"{g} = {', '.join(map(str, d if isinstance(d, list) else [d]))}"
                for g, d in value.items())
        elif f.kind == "flag":
            out[form_name(f)] = "on" if value is True else ""
        else:
            out[form_name(f)] = _fmt(value)
    return out


def _timepoint_line(t: dict[str, object]) -> str:
    if "after_days" in t:
        return f"{t.get('name', '')} | after | {_fmt(t['after_days'])}"
    parts = [str(t.get("name", "")), _fmt(t.get("days"))]
    if "window_days" in t:
        parts.append(_fmt(t["window_days"]))
    return " | ".join(parts)


def _groups(text: str, errors: dict[str, list[str]], path: str) -> dict[str, object]:
    out: dict[str, object] = {}
    for i, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        group, found, drugs = line.partition("=")
        if not found or not group.strip() or not drugs.strip():
            errors.setdefault(path, []).append(str(bad_usage(
                f"{path} line {i}", "'GROUP = drug, drug'", line.strip())))
            continue
        out[group.strip()] = [d.strip() for d in drugs.split(",") if d.strip()]
    return out


def _timepoints(text: str, errors: dict[str, list[str]]) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for i, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) == 3 and parts[1].lower() == "after":
            out.append({"name": parts[0], "after_days": _number(parts[2])})
        elif len(parts) in (2, 3) and parts[0]:
            point: dict[str, object] = {"name": parts[0], "days": _number(parts[1])}
            if len(parts) == 3:
                point["window_days"] = _number(parts[2])
            out.append(point)
        else:
            errors.setdefault("timepoints", []).append(str(bad_usage(
                f"timepoints line {i}", "'name | days | window_days' or "
                "'name | after | after_days'", line.strip())))
    return out


def kept_sections(base: Mapping[str, object]) -> tuple[tuple[str, str], ...]:
    """The sections of ``base`` no field of the form shows, each with what it holds
    ("eligibility", "2 arms, 3 deviations, exclusions"): kept unless left out."""
    shown = {f.section for f in FIELDS}
    return tuple((name, _holds(value)) for name, value in base.items() if name not in shown)


def _holds(value: object) -> str:
    if isinstance(value, list):
        return f"{len(value)} entries"
    if not isinstance(value, dict):
        return "1 value"
    parts = [f"{len(v)} {k}" if isinstance(v, list) else k for k, v in value.items()]
    return ", ".join(parts)


def drop_name(section: str) -> str:
    """The HTML name of the "leave out" box of a kept section."""
    return f"drop__{section}"


def document_from_form(form: Mapping[str, str], base: Mapping[str, object]
                       ) -> tuple[dict[str, object], dict[str, list[str]]]:
    """The base document with the form's fields put in, the kept sections whose "leave out"
    box is ticked removed, and the errors of lines the form itself could not read (by key
    path); the values are checked by ``parse_definition``."""
    doc: dict[str, object] = copy.deepcopy(dict(base))
    for name, _ in kept_sections(base):
        if form.get(drop_name(name)) == "on":
            del doc[name]
    errors: dict[str, list[str]] = {}
    for f in FIELDS:
        text = form.get(form_name(f), "")
        if f.kind == "timepoints":
            points = _timepoints(text, errors)
            if points:
                doc["timepoints"] = points
            else:
                doc.pop("timepoints", None)
            continue
        section = doc.setdefault(f.section, {})
        if not isinstance(section, dict):
            section = doc[f.section] = {}
        if f.kind == "flag":
            section[f.name] = text == "on"
        elif f.kind == "groups":
            section[f.name] = _groups(text, errors, f.path)
        elif not text.strip():
            section.pop(f.name, None)  # blank: the default
        elif f.kind == "days":
            section[f.name] = _number(text)
        else:
            section[f.name] = text.strip()
    return doc, errors


def errors_by_field(messages: list[str]) -> dict[str, list[str]]:
    """The parser's messages by the form field they are about: the first key a message
    names (``""``: none of the form's)."""
    out: dict[str, list[str]] = {}
    for m in messages:
        text = m.strip()
        found = [(hit.start(), f.path) for f in FIELDS if (hit := re.search(
            rf"(^|[\s:\[`]){re.escape(f.path)}([\s.\[\]`]|$)", text))]
        out.setdefault(min(found)[1] if found else "", []).append(text)
    return out

"""A REDCap project's data dictionary, and what it says about an export's names and labels.

The dictionary (CSV, as downloaded from the Project Setup page or as the API's metadata
export) lists every field in the order the flat export writes them: its instrument
(``form_name``), type, label and choices (``"1, Female | 2, Male"``). From it this module
also resolves the three kinds of *label* an export with labels carries instead of names:

* **label headers** (the web page's "CSV (labels)" export): the record id field's label,
  ``Event Name``, ``Repeat Instrument``, ``Repeat Instance``, then each field's label, a
  checkbox choice as ``Label (choice=Choice label)`` and each instrument's status as
  ``Complete?``, all in dictionary order; :func:`label_header_names` walks that order, so
  repeated labels (every ``Complete?``) resolve to the right field;
* **instrument labels** in ``redcap_repeat_instrument`` ("Edss Visit" for ``edss_visit``);
* **event labels** in ``redcap_event_name`` ("Baseline (Arm 1: Arm 1)" for
  ``baseline_arm_1``).

References
----------
REDCap API documentation, "Export Records" (``rawOrLabel``, ``rawOrLabelHeaders``) and the
Data Dictionary column reference (Vanderbilt University, REDCap Consortium).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from mscohort.errors import UnreadableFileError, UsageError, bad_usage
from mscohort.ingest import readers

#: the data dictionary's column names as downloaded from the web page -> as the API gives them
DICTIONARY_HEADERS = {
    "Variable / Field Name": "field_name", "Form Name": "form_name",
    "Field Type": "field_type", "Field Label": "field_label",
    "Choices, Calculations, OR Slider Labels": "select_choices_or_calculations",
    "Field Annotation": "field_annotation",
}
CHOICE_TYPES = {"radio", "dropdown", "checkbox", "yesno", "truefalse"}
FIXED_CHOICES = {"yesno": {"1": "Yes", "0": "No"}, "truefalse": {"1": "True", "0": "False"}}
#: form status (``<form>_complete``): code -> label
STATUS = {"0": "Incomplete", "1": "Unverified", "2": "Complete"}
#: fields that are shown on a form but never exported
NOT_EXPORTED = {"descriptive"}
REPEAT = "redcap_repeat_instrument"
EVENT = "redcap_event_name"
INSTANCE = "redcap_repeat_instance"
#: the label headers of the export's own columns
SPECIAL_HEADERS = {"Event Name": EVENT, "Repeat Instrument": REPEAT,
                   "Repeat Instance": INSTANCE, "Data Access Group": "redcap_data_access_group",
                   "Survey Identifier": "redcap_survey_identifier"}
_NONE_OF_THE_ABOVE = re.compile(r"@NONEOFTHEABOVE\s*=\s*['\"]?([^'\"\s]+)['\"]?")
_EVENT_LABEL = re.compile(r"^(.*\S)\s*\(Arm\s+(\d+)\s*:.*\)$")
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Field:
    name: str
    form: str
    kind: str
    choices: dict[str, str]  #: code -> label (choice fields)
    label: str = ""
    #: checkbox codes that exclude every other choice (``@NONEOFTHEABOVE`` action tag)
    none_of_the_above: tuple[str, ...] = ()


def parse_choices(text: str | None) -> dict[str, str]:
    """``"1, Female | 2, Male"`` -> {"1": "Female", "2": "Male"}."""
    out = {}
    for part in (text or "").split("|"):
        code, sep, label = part.strip().partition(",")
        if sep:
            out[code.strip()] = label.strip()
    return out


def read_dictionary(path: Path) -> dict[str, Field]:
    """The project's fields in export order, from its data dictionary."""
    try:
        frame = readers.read_csv(path)
    except UnreadableFileError as exc:
        raise UsageError(f"REDCap data dictionary: {exc}") from None
    frame = frame.rename({k: v for k, v in DICTIONARY_HEADERS.items() if k in frame.columns})
    need = {"field_name", "form_name", "field_type"}
    if not need <= set(frame.columns):
        raise bad_usage("REDCap data dictionary", f"a CSV file with the columns "
                        f"{', '.join(sorted(need))} (or the web download's headers)", path.name,
                        shown=f"{path.name} without "
                              f"{', '.join(sorted(need - set(frame.columns)))}")

    def column(name: str) -> pl.Series:
        return frame[name] if name in frame.columns else pl.Series([None] * frame.height,
                                                                   dtype=pl.String)

    out = {}
    for name, form, kind, text, label, note in zip(
            frame["field_name"], frame["form_name"], frame["field_type"],
            column("select_choices_or_calculations"), column("field_label"),
            column("field_annotation"), strict=True):
        kind = (kind or "").strip()
        found = FIXED_CHOICES.get(kind) or (parse_choices(text) if kind in CHOICE_TYPES
                                            else {})
        tagged = _NONE_OF_THE_ABOVE.search(note or "")
        none = tuple(c.strip() for c in tagged.group(1).split(",")) if tagged else ()
        out[name] = Field(name, form, kind, found, label or "", none)
    return out


def forms(fields: dict[str, Field]) -> list[str]:
    """The instruments in dictionary order."""
    return list(dict.fromkeys(f.form for f in fields.values()))


def _plain(text: str) -> str:
    """A label as REDCap writes it in a header: tags removed, white space collapsed."""
    return " ".join(_TAG.sub("", text).split())


def export_columns(fields: dict[str, Field]) -> list[tuple[str, str]]:
    """(raw header, label header) of every column a full flat export can have, in order."""
    names = list(fields)
    record = fields[names[0]]
    out = [(record.name, _plain(record.label) or record.name)]
    out += [(raw, label) for label, raw in SPECIAL_HEADERS.items()]
    for form in forms(fields):
        out.append((f"{form}_timestamp", "Survey Timestamp"))  # survey instruments only
        for f in fields.values():
            if f.form != form or f.name == record.name or f.kind in NOT_EXPORTED:
                continue
            if f.kind == "checkbox":
                out += [(f"{f.name}___{code}", f"{_plain(f.label)} (choice={_plain(text)})")
                        for code, text in f.choices.items()]
            else:
                out.append((f.name, _plain(f.label)))
        out.append((f"{form}_complete", "Complete?"))
    return out


def label_header_names(headers: list[str], fields: dict[str, Field], export: str
                       ) -> list[str]:
    """The field name of each label header, for an export with label headers.

    The columns of a flat export follow the dictionary's order, so each header is matched
    to the next column of that order with the same label; a header that matches none is a
    usage error naming it.
    """
    expected = export_columns(fields)
    names, at = [], 0
    for i, header in enumerate(headers):
        text = _plain(header)
        hit = next((k for k in range(at, len(expected)) if expected[k][1] == text), None)
        if hit is None:
            after = f" (after {headers[i - 1]!r})" if i else ""
            raise UsageError(
                f"REDCap export {export} has label headers, and the header {header!r}"
                f"{after} is not the label of a field of the data dictionary in export "
                "order: export with raw headers (variable names), or give the data "
                "dictionary of the same project version.")
        names.append(expected[hit][0])
        at = hit + 1
    return names


def _key(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


def instrument_of(value: str, names: list[str], declared: dict[str, str]) -> str | None:
    """The instrument a ``redcap_repeat_instrument`` value names: its unique name, a label
    the mapping declares (``[redcap.instruments]``), or its label as REDCap derives it from
    the name ("Edss Visit" for ``edss_visit``: compared ignoring case, spaces and
    punctuation)."""
    if value in names:
        return value
    if value in declared:
        return declared[value]
    hits = [n for n in names if _key(n) == _key(value)]
    return hits[0] if len(hits) == 1 else None


def event_of(value: str, declared: dict[str, str]) -> str:
    """The unique event name of a ``redcap_event_name`` value: as given when it is one, as
    the mapping declares (``[redcap.events]``), or derived from a label "Baseline (Arm 1:
    Arm 1)" as REDCap derives unique names: lower case, spaces as ``_``, other characters
    dropped ("Follow-up" -> ``followup``), then ``_arm_<n>``. REDCap shortens long names
    and makes clashing ones unique; declare those in the mapping."""
    if value in declared:
        return declared[value]
    label = _EVENT_LABEL.match(value)
    if not label:
        return value
    stem = re.sub(r"[^0-9a-z_]", "", re.sub(r"\s+", "_", label.group(1).lower()))
    return f"{stem}_arm_{label.group(2)}"

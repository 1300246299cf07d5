"""A proposed column mapping for a clinic's own workbook or folder: which sheet or file
holds each canonical table and which column each canonical column, judged by name
(synonyms in seven languages, :mod:`mscohort.ingest.synonyms`) and by content (dates, EDSS
half steps, drug names, categories), with a confidence and the alternatives.

Scores, each in 0-1:

* **name**: 1 for a synonym written exactly (after :func:`~mscohort.ingest.synonyms.normalise`),
  0.95 the same without spaces, 0.8 when every word of a synonym is in the header
  ("Visit date (dd.mm.yyyy)"), else 0.6 x the closest spelling's similarity when that is at
  least 0.8 and both have as many words (difflib ratio: typos such as "Geburtsdatun";
  "Hospital" is not "Hospital no" misspelt, nor "Record" "Record id");
* **content**: the share of the column's first 200 values that read as the column's kind
  (a date, an EDSS step, a drug of the vocabulary, an allowed category, yes/no, a number);
  none for ids, free text and empty columns, which any value fits;
* a column's **confidence** is 0.7 x name + 0.3 x content when the name matches (the name
  score alone when the content cannot tell); by content alone (for dates, EDSS, drugs and
  categories only) it is at most 0.5 x content;
* a table's confidence is 0.4 x the name score of the sheet or file + 0.6 x the share of
  its required columns found (confidence >= 0.5).

Each sheet holds at most one table and each column feeds at most one canonical column:
pairs are taken best first. Proposals below 0.45 are left out (listed as alternatives).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from mscohort.errors import UnreadableFileError, UsageError, bad_usage
from mscohort.ingest import readers
from mscohort.ingest.synonyms import column_synonyms, normalise, table_synonyms
from mscohort.schema import EDSS_STEPS, TABLES, Column, Kind
from mscohort.vocabulary import normalise_drug

SAMPLE_ROWS = 200
PROPOSE_AT = 0.45
ALTERNATIVE_AT = 0.3
_DATE_RE = re.compile(r"^(\d{4}-\d{2}(-\d{2})?([T ].*)?|\d{1,2}[./-]\d{1,2}[./-]\d{2,4})$")
_SEX = {"f", "m", "female", "male", "w", "weiblich", "mannlich", "femme", "homme", "mujer",
        "hombre", "donna", "uomo", "v", "vrouw", "man", "kvinna"}
_BOOL = {"true", "false", "yes", "no", "y", "n", "t", "f", "1", "0", "ja", "nein", "oui",
         "non", "si", "nee", "nej"}


@dataclass(frozen=True)
class Source:
    """One sheet of a workbook or one file: its label, file, sheet and text columns."""

    file: str
    sheet: str | None
    frame: pl.DataFrame

    @property
    def label(self) -> str:
        return f"{self.file}[{self.sheet}]" if self.sheet else self.file

    @property
    def name(self) -> str:
        return self.sheet if self.sheet is not None else Path(self.file).stem


@dataclass(frozen=True)
class Choice:
    """A proposed source for a canonical table or column, with its confidence and why."""

    source: str
    confidence: float
    reason: str


@dataclass(frozen=True)
class TableProposal:
    table: str
    source: Source
    choice: Choice
    alternatives: tuple[Choice, ...]
    columns: dict[str, tuple[Choice | None, tuple[Choice, ...]]]  #: canonical -> best, others


def read_sources(path: Path) -> tuple[Path, list[Source]]:
    """The sheets and files of a workbook, a folder or one CSV file (the first
    :data:`SAMPLE_ROWS` rows of each), with the study root they are relative to."""
    if not path.exists():
        raise bad_usage("FILE", "a workbook, a folder or a CSV file", path,
                        shown=f"{path}, which does not exist")
    files = [path] if path.is_file() else sorted(
        p for p in path.iterdir() if p.is_file() and readers.file_kind(p))
    root = path.parent if path.is_file() else path
    sources: list[Source] = []
    for file in files:
        kind = readers.file_kind(file)
        try:
            if kind == "xlsx":
                for sheet in readers.xlsx_sheets(file):
                    sources.append(Source(file.name, sheet,
                                          readers.read_xlsx(file, sheet).head(SAMPLE_ROWS)))
            elif kind == "csv":
                sources.append(Source(file.name, None, readers.read_csv(file).head(SAMPLE_ROWS)))
            elif kind == "parquet":
                sources.append(Source(file.name, None,
                                      readers.read_parquet(file).head(SAMPLE_ROWS)))
            else:
                raise bad_usage("FILE", ".xlsx, .csv, .tsv or .parquet", file.name,
                                shown=file.name)
        except UnreadableFileError as exc:
            raise UsageError(f"{file.name} cannot be read: {exc}") from None
    return root, sources


def name_score(header: str, synonyms: tuple[str, ...]) -> tuple[float, str]:
    """How well ``header`` names something whose names are ``synonyms`` (see the module)."""
    name = normalise(header)
    if not name:
        return 0.0, ""
    words = set(name.split())
    best, why = 0.0, ""
    for synonym in synonyms:
        if name == synonym:
            return 1.0, f"name {header!r} = {synonym!r}"
        if name.replace(" ", "") == synonym.replace(" ", ""):
            score, reason = 0.95, f"name {header!r} ~ {synonym!r}"
        elif set(synonym.split()) <= words and len(synonym) >= 3:
            score, reason = 0.8, f"name {header!r} contains {synonym!r}"
        elif synonym.count(" ") == name.count(" "):  # a typo, not a word left out
            ratio = difflib.SequenceMatcher(None, name, synonym).ratio()
            score = 0.6 * ratio if ratio >= 0.8 else 0.0
            reason = f"name {header!r} spelled like {synonym!r}"
        else:
            continue
        if score > best:
            best, why = score, reason
    return best, why


def content_score(values: pl.Series, column: Column) -> float | None:
    """The share of non-empty ``values`` that read as ``column``'s kind; None when the
    content cannot tell (an empty column; ids and free text, which any value fits)."""
    texts = [str(v).strip() for v in values.drop_nulls().to_list() if str(v).strip()]
    kind = column.kind
    if not texts or kind in (Kind.ID, Kind.TEXT):
        return None
    if kind is Kind.DATE:
        ok = sum(bool(_DATE_RE.match(t)) for t in texts)
    elif kind is Kind.EDSS:
        ok = sum(_number(t) in EDSS_STEPS for t in texts)
    elif kind is Kind.DRUG:
        ok = sum(normalise_drug(t) is not None for t in texts)
    elif kind is Kind.CATEGORY:
        allowed = {a.lower() for a in column.allowed} | (_SEX if column.name == "sex" else set())
        allowed |= {"od", "os", "right", "left"} if column.name == "eye" else set()
        ok = sum(normalise(t) in allowed for t in texts)
    elif kind is Kind.BOOL:
        ok = sum(normalise(t) in _BOOL for t in texts)
    else:  # numbers
        ok = sum(_number(t) is not None for t in texts)
    return ok / len(texts)


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return None


def _column_choices(source: Source, table: str) -> dict[str, list[Choice]]:
    """Every (canonical column, source column) pair worth considering, best first."""
    out: dict[str, list[Choice]] = {}
    headers = [c for c in source.frame.columns if c != readers.ROW]
    for column in TABLES[table].columns:
        synonyms = column_synonyms(table, column.name)
        choices = []
        for header in headers:
            named, why = name_score(header, synonyms)
            content = content_score(source.frame[header], column)
            if named > 0 and content is None:
                score = named  # the content cannot tell: the name decides
            elif named > 0 and content is not None:
                score = 0.7 * named + 0.3 * content
                why = f"{why}; {content:.0%} of values fit"
            elif content is not None and column.kind in (Kind.DATE, Kind.EDSS, Kind.DRUG,
                                                         Kind.CATEGORY):
                score, why = 0.5 * content, f"by content: {content:.0%} of values fit"
            else:
                continue
            if score >= ALTERNATIVE_AT:
                choices.append(Choice(header, round(score, 2), why))
        out[column.name] = sorted(choices, key=lambda c: -c.confidence)
    return out


def _assign_columns(choices: dict[str, list[Choice]]
                    ) -> dict[str, tuple[Choice | None, tuple[Choice, ...]]]:
    """Best pairs first; each source column feeds one canonical column."""
    pairs = sorted(((c.confidence, canonical, c) for canonical, cs in choices.items()
                    for c in cs), key=lambda p: -p[0])
    taken: dict[str, Choice] = {}
    used: set[str] = set()
    for score, canonical, choice in pairs:
        if score < PROPOSE_AT or canonical in taken or choice.source in used:
            continue
        taken[canonical] = choice
        used.add(choice.source)
    return {canonical: (taken.get(canonical), tuple(
        c for c in cs if taken.get(canonical) is None or c.source != taken[canonical].source)[:3])
        for canonical, cs in choices.items()}


def propose(path: str | Path) -> tuple[Path, list[TableProposal]]:
    """The proposed mapping of the workbook, folder or file at ``path``."""
    root, sources = read_sources(Path(path))
    scored = []
    columns: dict[tuple[int, str], dict[str, tuple[Choice | None, tuple[Choice, ...]]]] = {}
    for i, source in enumerate(sources):
        for table, spec in TABLES.items():
            named, why = name_score(source.name, table_synonyms(table))
            assigned = _assign_columns(_column_choices(source, table))
            columns[(i, table)] = assigned
            required = spec.required_columns
            found = sum(assigned[c][0] is not None for c in required) / len(required)
            score = 0.4 * named + 0.6 * found
            reason = (f"{why}; " if named else "") + \
                f"{found:.0%} of the required columns found"
            scored.append((score, i, table, Choice(source.label, round(score, 2), reason)))
    scored.sort(key=lambda s: -s[0])
    chosen: dict[str, tuple[int, Choice]] = {}
    used: set[int] = set()
    for score, i, table, choice in scored:
        if score < PROPOSE_AT or table in chosen or i in used:
            continue
        chosen[table] = (i, choice)
        used.add(i)
    proposals = []
    for table in TABLES:
        if table not in chosen:
            continue
        i, choice = chosen[table]
        others = tuple(c for s, j, t, c in scored if t == table and j != i
                       and s >= ALTERNATIVE_AT)[:3]
        proposals.append(TableProposal(table, sources[i], choice, others, columns[(i, table)]))
    return root, proposals

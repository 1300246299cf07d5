"""Read XLSX workbooks that may be hostile: bounded in size, refusing XML entities, every row.

An XLSX file is a zip archive of XML parts. Before openpyxl parses anything, the archive's
directory is checked against :class:`XlsxLimits`: the total decompressed size and the
compression ratio of every large part (a "zip bomb" declares gigabytes in kilobytes). Zip
members cannot decompress beyond their declared size (Python's :mod:`zipfile` stops there
and fails the CRC check), so these checks bound what parsing can expand. XML parts are
parsed by openpyxl through :mod:`defusedxml`, which refuses entity declarations ("billion
laughs") and external entities (reading local files or URLs). Every cell is bounded by
Excel's own limit of 32,767 characters.

openpyxl's read-only mode trusts the sheet's ``<dimension ref>``, which many tools write
stale; the dimension is reset so that every row and column is read.

References
----------
OWASP XML External Entity Prevention Cheat Sheet; Excel specifications and limits
(Microsoft: "Total number of characters that a cell can contain: 32,767").
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mscohort.errors import UnreadableFileError, bad_argument

#: Excel's limit on the characters of one cell.
EXCEL_CELL_CHARS = 32_767


@dataclass(frozen=True)
class XlsxLimits:
    """Bounds applied to a workbook before and while it is parsed.

    ``max_total_bytes`` bounds the decompressed size of all parts together;
    ``max_ratio`` bounds decompressed/compressed size of any part larger than
    ``ratio_floor_bytes`` (real sheets compress 5 to 30 times; zip bombs a thousand times
    and more); ``max_cell_chars`` bounds one cell's text.
    """

    max_total_bytes: int = 1 << 30
    max_ratio: float = 200.0
    ratio_floor_bytes: int = 1 << 20
    max_cell_chars: int = EXCEL_CELL_CHARS

    def __post_init__(self) -> None:
        for name in ("max_total_bytes", "max_ratio", "ratio_floor_bytes", "max_cell_chars"):
            value = getattr(self, name)
            if not value > 0:
                raise bad_argument(name, "a positive number", value)


DEFAULT_LIMITS = XlsxLimits()


def _mib(n: float) -> str:
    return f"{n / (1 << 20):,.1f} MiB"


#: How much of each XML part is searched for a DTD (which must precede the root element);
#: one hidden deeper is still refused by defusedxml while parsing.
PROLOG_BYTES = 64 * 1024
_DTD_MARKS = tuple(m.encode(enc) for m in ("<!DOCTYPE", "<!ENTITY")
                   for enc in ("utf-8", "utf-16-le", "utf-16-be"))
_ENTITY_REFUSAL = ("contains XML entity or DTD declarations, which workbooks saved by "
                   "spreadsheet programs never do; it is refused (a 'billion laughs' or "
                   "external-entity attack). Save the sheets again or as CSV.")


def check_archive(path: Path, limits: XlsxLimits = DEFAULT_LIMITS) -> None:
    """:class:`UnreadableFileError` unless ``path`` is a zip archive within ``limits`` whose
    XML parts declare no DTD or entities."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            _check_sizes(path, members, limits)
            for m in members:
                if m.filename.lower().endswith((".xml", ".rels", ".vml")):
                    with archive.open(m) as fh:
                        head = fh.read(PROLOG_BYTES)
                    if any(mark in head for mark in _DTD_MARKS):
                        raise UnreadableFileError(
                            f"{path.name}: part {m.filename} {_ENTITY_REFUSAL}")
    except UnreadableFileError:
        raise
    except Exception as exc:  # zipfile, zlib: broken, encrypted or unsupported archives
        raise UnreadableFileError(f"{path.name} cannot be read as XLSX (not a zip archive: "
                                  f"{type(exc).__name__}: {exc}).") from None


def _check_sizes(path: Path, members: list[zipfile.ZipInfo], limits: XlsxLimits) -> None:
    total = sum(m.file_size for m in members)
    if total > limits.max_total_bytes:
        raise UnreadableFileError(
            f"{path.name} would decompress to {_mib(total)}, more than the "
            f"{_mib(limits.max_total_bytes)} mscohort reads from one workbook; split the "
            "workbook or save the sheets as CSV.")
    for m in members:
        if m.file_size > limits.ratio_floor_bytes and (
                m.file_size > limits.max_ratio * max(m.compress_size, 1)):
            raise UnreadableFileError(
                f"{path.name}: part {m.filename} would decompress from "
                f"{_mib(m.compress_size)} to {_mib(m.file_size)} (more than "
                f"{limits.max_ratio:g} times), which real workbooks never do; it is refused "
                "as a possible zip bomb. Save the sheets as CSV.")


def _refusal(path: Path, exc: Exception) -> UnreadableFileError:
    """A clear error for anything openpyxl or the XML parser raised."""
    from defusedxml import DefusedXmlException

    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, DefusedXmlException):
        cause = cause.__cause__ or cause.__context__  # openpyxl wraps the parser's error
    if cause is not None:
        return UnreadableFileError(f"{path.name} {_ENTITY_REFUSAL} ({type(cause).__name__})")
    return UnreadableFileError(f"{path.name} cannot be read as XLSX: {exc}")


def _open(path: Path, limits: XlsxLimits) -> Any:
    import defusedxml  # noqa: F401  (openpyxl parses through defusedxml when it is installed)
    from openpyxl import load_workbook

    check_archive(path, limits)
    try:
        return load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl, zipfile and the XML parser raise many types
        raise _refusal(path, exc) from None


def sheet_names(path: Path, limits: XlsxLimits = DEFAULT_LIMITS) -> list[str]:
    book = _open(path, limits)
    try:
        return list(book.sheetnames)
    finally:
        book.close()


def _column_letter(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i + 1)


def sheet_rows(path: Path, sheet: str, limits: XlsxLimits = DEFAULT_LIMITS
               ) -> Iterator[tuple[Any, ...]]:
    """Every row of ``sheet`` as a tuple of cell values (header first), whatever the sheet's
    recorded dimension says; :class:`UnreadableFileError` for hostile or broken content."""
    book = _open(path, limits)
    try:
        if sheet not in book.sheetnames:
            raise UnreadableFileError(
                f"{path.name} has no sheet {sheet!r}; it has {', '.join(book.sheetnames)}."
            )
        ws = book[sheet]
        ws.reset_dimensions()  # a stale <dimension ref> would silently drop rows
        try:
            for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
                for i, v in enumerate(values):
                    if isinstance(v, str) and len(v) > limits.max_cell_chars:
                        raise UnreadableFileError(
                            f"{path.name}[{sheet}] cell {_column_letter(i)}{number} holds "
                            f"{len(v):,} characters, more than a cell can hold "
                            f"({limits.max_cell_chars:,}); correct the cell.")
                yield values
        except UnreadableFileError:
            raise
        except Exception as exc:
            raise _refusal(path, exc) from None
    finally:
        book.close()

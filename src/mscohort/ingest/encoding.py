"""The text encoding of a CSV file: UTF-8 (with or without byte-order mark), UTF-16, or the
Windows-1252 / Latin-1 that Excel on Windows writes.

Decided in this order, so that the same bytes always give the same answer:

1. a byte-order mark: UTF-8 (``utf-8-sig``), UTF-16 LE/BE;
2. strict UTF-8 (plain ASCII is UTF-8) without NUL bytes: read without comment (ASCII
   text in UTF-16 without a mark is valid UTF-8 with every other byte NUL, and no CSV
   holds NUL, so such bytes go on to step 3);
3. UTF-16 without a mark, recognised by charset-normalizer (the maintained successor of
   chardet) among UTF-16 LE/BE only, and only when the text decodes strictly;
4. otherwise a one-byte Western encoding: Windows-1252 when every byte is defined in it,
   else Latin-1 (ISO 8859-1), which decodes any byte. Latin-1 reads bytes 0x80-0x9F as
   control characters, which never belong in a CSV, so Windows-1252 (where they are
   letters and signs such as ``€``, ``’``, ``Š``) is preferred.

Anything but plain UTF-8 is reported as the warning ``assumed_encoding`` naming the
encoding, so the user can check that names such as "Müller" read right.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import polars as pl

from mscohort.errors import UnreadableFileError
from mscohort.ingest.kinds import file_kind
from mscohort.issues import Rule, file_issue

#: Display names of the encodings that can be assumed.
NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with byte-order mark", "utf-16": "UTF-16",
         "utf-16-le": "UTF-16 (little-endian, no byte-order mark)",
         "utf-16-be": "UTF-16 (big-endian, no byte-order mark)",
         "cp1252": "Windows-1252", "latin-1": "Latin-1 (ISO 8859-1)"}

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))


@dataclass(frozen=True)
class DecodedText:
    """A file's text and the encoding it was read with."""

    text: str
    encoding: str  #: a key of :data:`NAMES`

    @property
    def assumed(self) -> bool:
        """True when the encoding is worth a warning: anything but UTF-8 (with or without
        a byte-order mark, which is unambiguous)."""
        return self.encoding not in ("utf-8", "utf-8-sig")

    @property
    def name(self) -> str:
        return NAMES[self.encoding]


def decode_bytes(raw: bytes, file: str) -> DecodedText:
    """The text of ``raw`` (the contents of ``file``) in the first encoding that fits (see
    the module notes). Raises :class:`UnreadableFileError` for binary data."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return _strict(raw, encoding, file)
    if b"\x00" not in raw:  # NUL is valid UTF-8, but no CSV holds it: ASCII text in
        try:  # UTF-16 without a mark is valid UTF-8 with every other byte NUL
            return DecodedText(raw.decode("utf-8"), "utf-8")
        except UnicodeDecodeError:
            pass
    utf16 = _utf16_without_bom(raw)
    if utf16 is not None:
        return utf16
    if b"\x00" in raw:
        raise UnreadableFileError(
            f"{file} is not text in UTF-8, UTF-16, Windows-1252 or Latin-1 (it holds NUL "
            "bytes); save it as UTF-8 CSV.")
    try:
        return DecodedText(raw.decode("cp1252"), "cp1252")
    except UnicodeDecodeError:
        return DecodedText(raw.decode("latin-1"), "latin-1")


def _strict(raw: bytes, encoding: str, file: str) -> DecodedText:
    try:
        return DecodedText(raw.decode(encoding), encoding)
    except UnicodeDecodeError as exc:
        raise UnreadableFileError(
            f"{file} starts with a {NAMES[encoding]} byte-order mark but is not valid "
            f"{NAMES[encoding]} (byte {exc.start}); save it as UTF-8 CSV.") from None


def _utf16_without_bom(raw: bytes) -> DecodedText | None:
    """UTF-16 text without a byte-order mark, as charset-normalizer judges it."""
    if len(raw) < 2 or len(raw) % 2 or b"\x00" not in raw:
        return None
    from charset_normalizer import from_bytes

    best = from_bytes(raw, cp_isolation=["utf_16_le", "utf_16_be"]).best()
    if best is None:
        return None
    encoding = "utf-16-le" if best.encoding == "utf_16_le" else "utf-16-be"
    try:
        return DecodedText(raw.decode(encoding), encoding)
    except UnicodeDecodeError:
        return None


def _decode_file(path: str) -> DecodedText:
    return decode_bytes(Path(path).read_bytes(), Path(path).name)


#: Bytes read at a time when a file is checked for strict UTF-8 (:func:`file_encoding`).
_CHUNK_BYTES = 32 * 2**20


def file_encoding(path: Path) -> str:
    """The encoding :func:`decode_file` reads ``path`` with (a key of :data:`NAMES`),
    decided without keeping the file's text: a registry export of gigabytes is checked
    for strict UTF-8 without NUL bytes a chunk at a time (cached by path, modification
    time and size, so that the reader and the warning decide once)."""
    stat = path.stat()
    return _file_encoding(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=256)
def _file_encoding(path: str, mtime_ns: int, size: int) -> str:
    with open(path, "rb") as f:
        head = f.read(4)
        if not any(head.startswith(bom) for bom, _ in _BOMS):
            decoder = codecs.getincrementaldecoder("utf-8")("strict")
            f.seek(0)
            try:
                while chunk := f.read(_CHUNK_BYTES):
                    if b"\x00" in chunk:  # as decode_bytes: UTF-16 text is no UTF-8 CSV
                        raise UnicodeDecodeError("utf-8", chunk, 0, 1, "NUL byte")
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
                return "utf-8"
            except UnicodeDecodeError:
                pass
    return _decode_file(path).encoding


def decode_file(path: Path) -> DecodedText:
    """The text of the file at ``path`` (not kept: a large file's text would stay in memory
    for as long as the process runs; :func:`file_encoding` is cached instead)."""
    return _decode_file(str(path))


def encoding_issues(path: Path, label: str) -> list[pl.DataFrame]:
    """The ``assumed_encoding`` warning of a CSV file read in an encoding other than UTF-8
    (empty for UTF-8, XLSX and Parquet)."""
    if file_kind(path) != "csv":
        return []
    encoding = file_encoding(path)
    if encoding in ("utf-8", "utf-8-sig"):
        return []
    return [file_issue(Rule.ASSUMED_ENCODING, label,
                       f"{label} is not UTF-8; it was read as {NAMES[encoding]}",
                       value=NAMES[encoding])]

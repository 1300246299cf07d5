"""Every exception mscohort raises.

One template for bad arguments (``x`` must be ...; got ...) and one for bad data (a
validation report naming file, row, patient, column, rule and value). Each exception
subclasses both :class:`MscohortError` and the built-in it specialises, so callers can
catch either.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mscohort.validate.report import ValidationReport


class MscohortError(Exception):
    """Base class of every error raised by mscohort."""


class InvalidArgumentError(MscohortError, ValueError):
    """A function or command was called with a value it does not accept."""


class UsageError(InvalidArgumentError):
    """A command-line call or a configuration file (such as a column mapping) is wrong.

    The CLI turns it into exit code 2.
    """


class DataValidationError(MscohortError, ValueError):
    """Study data broke one or more validation rules; nothing was imported.

    ``report`` holds every issue (file, row, patient_id, column, rule, value, message).
    """

    def __init__(self, report: ValidationReport, action: str = "import") -> None:
        self.report = report
        n = report.n_errors
        super().__init__(
            f"{n} error{'s' if n != 1 else ''} in the study data; nothing was {action}ed. "
            "Fix the rows listed by `mscohort validate` and run again.\n"
            + report.format_text(limit=20)
        )


def bad_argument(name: str, expected: str, got: Any) -> InvalidArgumentError:
    """Build the one wording used for every bad argument: "`name` must be ...; got ..."."""
    return InvalidArgumentError(f"`{name}` must be {expected}; got {got!r}.")


class UnreadableFileError(MscohortError, OSError):
    """A study file cannot be read as CSV, XLSX or Parquet."""


class StoreWriteError(MscohortError, OSError):
    """The study store could not be written (the disk is full, the file is read-only); the
    import was rolled back, so the store is unchanged. The CLI turns it into exit code 3."""


def read_toml(path: Path, what: str) -> dict[str, object]:
    """A TOML settings file (a mapping, a study definition), or :class:`UsageError` saying
    which file is missing or malformed."""
    import tomllib

    where = f"{what} {path}"
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{where} does not exist.") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{where} is not valid TOML: {exc}.") from None

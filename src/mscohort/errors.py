"""Every exception mscohort raises.

One template for bad arguments (``x`` must be ...; got ...) and one for bad data (a
validation report naming file, row, patient, column, rule and value). Each exception
subclasses both :class:`MscohortError` and the built-in it specialises, so callers can
catch either.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, overload

if TYPE_CHECKING:
    from mscohort.validate.report import ValidationReport


class MscohortError(Exception):
    """Base class of every error raised by mscohort."""


class InvalidArgumentError(MscohortError, ValueError):
    """A function or command was called with a value it does not accept.

    ``argument``: the argument, option or setting at fault when :func:`bad_argument` built
    the error (a form shows the error next to that field), else None.
    """

    argument: str | None = None


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


_E = TypeVar("_E", bound="InvalidArgumentError")


@overload
def bad_argument(name: str, expected: str, got: Any, *, where: str | None = None,
                 shown: str | None = None, hint: str | None = None) -> InvalidArgumentError: ...
@overload
def bad_argument(name: str, expected: str, got: Any, *, where: str | None = None,
                 error: type[_E], shown: str | None = None, hint: str | None = None) -> _E: ...
def bad_argument(name: str, expected: str, got: Any, *, where: str | None = None,
                 error: type[InvalidArgumentError] = InvalidArgumentError,
                 shown: str | None = None, hint: str | None = None) -> InvalidArgumentError:
    """Build the one wording used for every bad argument: "`name` must be ...; got ...".

    Parameters
    ----------
    name
        The argument, option (``--as-of``) or setting (``[redcap] exclusive``) at fault.
    expected
        What it must be, e.g. "a date YYYY-MM-DD", "one of csv, json".
    got
        The value given; shown with ``repr`` unless ``shown`` describes it instead
        (e.g. "no --reason", a file name).
    where
        The file or section the setting was read from, prefixed as "where: ".
    error
        The exception class: :class:`UsageError` for a command line or a settings file
        (the CLI exits with code 2), :class:`InvalidArgumentError` for a Python call.
    hint
        What to do, a sentence added after the template.
    """
    prefix = f"{where}: " if where else ""
    value = shown if shown is not None else repr(got)
    after = f" {hint}" if hint else ""
    exc = error(f"{prefix}`{name}` must be {expected}; got {value}.{after}")
    exc.argument = name
    return exc


def bad_usage(name: str, expected: str, got: Any, *, where: str | None = None,
              shown: str | None = None, hint: str | None = None) -> UsageError:
    """:func:`bad_argument` as a :class:`UsageError`: a bad command-line option, a bad
    setting in a file the user wrote, a bad form field (the CLI exits with code 2)."""
    return bad_argument(name, expected, got, where=where, error=UsageError, shown=shown,
                        hint=hint)


class UnreadableFileError(MscohortError, OSError):
    """A study file cannot be read as CSV, XLSX or Parquet."""


class StoreWriteError(MscohortError, OSError):
    """The study store could not be written (the disk is full, the file is read-only); the
    import was rolled back, so the store is unchanged. The CLI turns it into exit code 3."""


def read_toml(path: Path, what: str) -> dict[str, Any]:
    """A TOML settings file (a mapping, a study definition), or :class:`UsageError` saying
    which file is missing or malformed. Its values are as TOML typed them (``Any``): the
    caller checks each one and says which key is wrong."""
    import tomllib

    where = f"{what} {path}"
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{where} does not exist.") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{where} is not valid TOML: {exc}.") from None

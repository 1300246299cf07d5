"""Commands for other formats: CDISC SDTM out and in, wide registry sheets in."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mscohort.cli.common import err, formula_notice, out, store_write_exit, usage_exit
from mscohort.errors import DataValidationError, StoreWriteError, UsageError

if TYPE_CHECKING:
    from mscohort.ingest import RawStudy

TermsOpt = Annotated[Path | None, typer.Option(
    help="SDTM terms (TOML) instead of the bundled datasets/interop/sdtm.toml.")]


def _import(read: Callable[[], RawStudy], db: Path, what: str) -> None:
    """Read with ``read`` (a RawStudy), validate and import, reporting like `mscohort import`."""
    from mscohort.cli.render import print_report
    from mscohort.store import import_raw

    try:
        with err.status(f"Reading {what} and importing..."):
            result = import_raw(read(), db)
    except UsageError as exc:
        raise usage_exit(exc) from None
    except StoreWriteError as exc:
        raise store_write_exit(exc) from None
    except DataValidationError as exc:
        print_report(out, exc.report, None)
        out.print(f"[bold red]Nothing was imported[/]; {db} is unchanged.")
        raise typer.Exit(1) from None
    if result.report.n_warnings:
        print_report(out, result.report, 20)
    out.print(f"{db}: {result.summary()}")


def sdtm_export(
    db: Annotated[Path, typer.Option(help="Study store (DuckDB file).")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the SDTM datasets.")],
    terms: TermsOpt = None,
    fmt: Annotated[str, typer.Option(
        "--format", help="csv, or json for CDISC Dataset-JSON 1.1.")] = "csv",
) -> None:
    """Write the study as CDISC SDTM datasets (DM, MH, RS, CE, CM, EX, FT, LB, AE, OE, SUPP--).

    One file per domain; `mscohort sdtm-import` reads them back into the same study.
    Example: mscohort sdtm-export --db study.duckdb --out sdtm/ --format json
    """
    from mscohort.interop.sdtm_export import write_sdtm
    from mscohort.interop.sdtm_terms import load_terms
    from mscohort.store import StudyStore

    try:
        with StudyStore(db, read_only=True) as store:
            study = store.study()
        written = write_sdtm(study, out_dir, load_terms(terms), fmt)
    except UsageError as exc:
        raise usage_exit(exc) from None
    out.print(f"wrote {len(written)} SDTM datasets to {out_dir}: "
              + ", ".join(p.name for p in written))
    formula_notice(written)


def sdtm_import(
    folder: Annotated[Path, typer.Argument(
        help="Folder of SDTM datasets (dm.csv, rs.csv, ... or Dataset-JSON dm.json, ...).")],
    db: Annotated[Path, typer.Option(help="Study store (DuckDB file); created if absent.")],
    terms: TermsOpt = None,
) -> None:
    """Validate CDISC SDTM datasets and add them to a study store: all of it, or nothing.

    Findings (RS, FT, OE) must use the test codes of the SDTM terms; any other is an error.
    Example: mscohort sdtm-import sdtm/ --db study.duckdb
    """
    from mscohort.interop.sdtm_import import read_sdtm
    from mscohort.interop.sdtm_terms import load_terms

    _import(lambda: read_sdtm(folder, load_terms(terms)), db, "SDTM datasets")


def wide_import(
    mapping: Annotated[Path, typer.Argument(
        help="Mapping (TOML) of the wide sheet: its file, id column, patient columns and "
             "repeated groups.")],
    db: Annotated[Path, typer.Option(help="Study store (DuckDB file); created if absent.")],
) -> None:
    """Validate a wide registry sheet (one row per patient: EDSS_1, DATE_1, EDSS_2, ...) and
    add it to a study store: all of it, or nothing.

    Example: mscohort wide-import registry-mapping.toml --db study.duckdb
    """
    from mscohort.interop.wide import read_wide

    _import(lambda: read_wide(mapping), db, "the wide sheet")


def redcap_import(
    mapping: Annotated[Path, typer.Option(
        help="Mapping (TOML) of the project's forms and fields onto mscohort's tables; a "
             "ready one: datasets/interop/redcap_ms.toml.")],
    db: Annotated[Path, typer.Option(help="Study store (DuckDB file); created if absent.")],
    export: Annotated[Path | None, typer.Option(
        help="The project's flat CSV export (raw or label values).")] = None,
    dictionary: Annotated[Path | None, typer.Option(
        help="The project's data dictionary (CSV), with --export.")] = None,
    url: Annotated[str | None, typer.Option(
        help="Or fetch both with the REDCap API at this address (ends in /api/); the token "
             "is read from MSCOHORT_REDCAP_TOKEN; the files are kept beside the store, "
             "readable by you only.")]
    = None,
    allow_http: Annotated[bool, typer.Option(
        "--allow-http", help="Accept a plain http:// --url (the token then travels "
                             "unencrypted): only for a REDCap on this machine.")] = False,
) -> None:
    """Validate a REDCap project's records and add them to a study store: all or nothing.

    Example: mscohort redcap-import --export export.csv --dictionary dictionary.csv \\
    --mapping redcap_ms.toml --db study.duckdb
    (or --url https://redcap.example.org/api/ with MSCOHORT_REDCAP_TOKEN set)
    """
    import datetime as dt
    import os
    import warnings

    from mscohort.interop.redcap import TOKEN_ENV, fetch_redcap, read_redcap

    def read() -> RawStudy:
        if url is not None and export is None and dictionary is None:
            # kept beside the store: the import log names them with hashes
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
            folder = db.resolve().parent / f"{db.stem}-redcap" / stamp
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                files = fetch_redcap(url, os.environ.get(TOKEN_ENV), folder,
                                     allow_http=allow_http)
            for w in caught:
                err.print(f"[yellow]warning:[/] {w.message}")
            return read_redcap(*files, mapping)
        if url is None and export is not None and dictionary is not None:
            return read_redcap(export, dictionary, mapping)
        raise UsageError("give --export and --dictionary, or --url.")

    _import(read, db, "the REDCap records")

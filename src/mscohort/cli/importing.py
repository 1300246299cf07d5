"""``mscohort import``: validate a study folder and add it to a store as a new version."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from mscohort.cli.common import (
    AsOfOpt,
    JsonOpt,
    MappingOpt,
    as_of_day,
    err,
    out,
    store_write_exit,
    usage_exit,
)
from mscohort.errors import DataValidationError, StoreWriteError, UsageError, bad_usage


def import_(
    path: Annotated[Path, typer.Argument(help="Study folder (or one .xlsx workbook).")],
    db: Annotated[Path, typer.Option(help="Study store (DuckDB file); created if absent.")],
    mapping: MappingOpt = None,
    as_of: AsOfOpt = None,
    as_json: JsonOpt = False,
    accept_changes: Annotated[bool, typer.Option(
        "--accept-changes", help="Apply changed values as corrections (needs --reason and "
        "--by); the stored values stay in the history.")] = False,
    reason: Annotated[str | None, typer.Option(
        help="Why the files are imported or the data change (audit trail).")] = None,
    by: Annotated[str | None, typer.Option(help="Who imports (audit trail).")] = None,
    retract_missing: Annotated[bool, typer.Option(
        "--retract-missing", help="With --accept-changes: retract stored records absent from "
        "the tables this import brings.")] = False,
    issues_out: Annotated[Path | None, typer.Option(
        "--issues-out", help="Also write every issue to this .csv or .xlsx file (the "
        "report shows the first of each rule).")] = None,
    corrections: Annotated[str, typer.Option(
        "--corrections", metavar="keep|overwrite",
        help="Values corrected in mscohort since their record's last import that the files "
        "would change (the source still holds the old value, or was changed since), and "
        "records retracted in mscohort (mscohort retract) that the files hold again: keep "
        "them (default; listed) or overwrite them with the files' values (needs "
        "--accept-changes). Example: --accept-changes --corrections overwrite --reason "
        "\"clinic system is the source\" --by NAME")] = "keep",
) -> None:
    """Validate a study folder and add it to a study store: all of it, or nothing.

    New records are added. Changed values are shown as a diff (old -> new) and applied only
    with --accept-changes --reason ... --by NAME, as a new store version; the previous
    values stay in the history (mscohort history). Importing the same data twice changes
    nothing. A value corrected in mscohort (the web app) since its record's last import is
    kept, and listed, unless --corrections overwrite; so is a record retracted with
    mscohort retract that the files still hold (it stays retracted).

    Example: mscohort import clinic_export/ --db study.duckdb --by "A. Nurse"
    """
    from mscohort.cli.progress import stage_bar
    from mscohort.cli.render import print_report
    from mscohort.ingest import load_mapping
    from mscohort.store import Acceptance, ChangesNeedAcceptance, import_folder
    from mscohort.store.reimport import CORRECTION_CHOICES
    from mscohort.store.writing import IMPORT_STAGES

    try:
        accept = None
        if corrections not in CORRECTION_CHOICES:
            raise bad_usage("--corrections", " or ".join(CORRECTION_CHOICES), corrections)
        if accept_changes:
            if not reason or not by:
                raise bad_usage("--accept-changes", 'given with `--reason "..."` and '
                                "`--by NAME`", None,
                                shown="no --reason" if not reason else "no --by")
            accept = Acceptance(by, reason, retract_missing, corrections)
        elif retract_missing:
            raise bad_usage("--retract-missing", "given with `--accept-changes`", None,
                            shown="it alone")
        elif corrections == "overwrite":
            raise bad_usage("--corrections overwrite", "given with `--accept-changes` (it "
                            "changes stored values: who and why)", None, shown="it alone")
        with stage_bar(err, "Importing", IMPORT_STAGES) as progress:
            result = import_folder(path, db, mapping=load_mapping(mapping), as_of=as_of_day(as_of),
                                   accept=accept, by=by, reason=reason, progress=progress,
                                   issues_out=issues_out)
    except UsageError as exc:
        raise usage_exit(exc) from None
    except StoreWriteError as exc:
        raise store_write_exit(exc) from None
    except ChangesNeedAcceptance as exc:
        if as_json:
            out.print_json(json.dumps({"changed": exc.diff.changed.to_dicts(),
                                       "missing": exc.diff.missing.to_dicts(),
                                       "added": exc.diff.added,
                                       "corrections": exc.diff.corrections.to_dicts()},
                                      default=str))
        else:
            out.print(escape(exc.diff.format_text()))
            out.print(f"[bold red]Nothing was imported[/]; {db} is unchanged. The import "
                      "changes stored values: check the diff above, then apply it with "
                      "--accept-changes --reason \"...\" --by NAME.")
            n_values = exc.diff.corrections.height - exc.diff.n_retractions
            if n_values and corrections == "keep":
                out.print(f"{n_values} of the changed values were "
                          "corrected in mscohort since their record's last import: they are "
                          "kept (add --corrections overwrite to take the files' values).")
            if exc.diff.n_retractions and corrections == "keep":
                out.print(f"{exc.diff.n_retractions} of the records in the files were "
                          "retracted in mscohort: they stay retracted (add --corrections "
                          "overwrite to take the files' records).")
        raise typer.Exit(1) from None
    except DataValidationError as exc:
        if as_json:
            out.print_json(exc.report.to_json())
        else:
            print_report(out, exc.report, None)
            out.print(f"[bold red]Nothing was imported[/]; {db} is unchanged.")
        raise typer.Exit(1) from None
    if as_json:
        out.print_json(json.dumps({
            "import_id": result.import_id, "rows_read": result.rows_read,
            "rows_added": result.rows_added,
            "rows_already_stored": result.rows_already_stored,
            "n_warnings": result.report.n_warnings,
            "rows_changed": result.rows_changed, "rows_retracted": result.rows_retracted,
            "corrections": result.corrections.to_dicts(),
        }, default=str))
    else:
        if result.report.n_warnings:
            print_report(out, result.report, 20)
        out.print(escape(f"{db}: {result.summary()}"))
        if result.corrections.height:
            out.print(escape("\n".join(result.corrections_text())))
            if result.n_kept or result.n_kept_retractions:
                out.print("To take the files' values (and records) instead: --accept-changes "
                          "--corrections overwrite --reason \"...\" --by NAME.")

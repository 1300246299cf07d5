"""``mscohort map`` and ``mscohort template``: bring a clinic's own spreadsheet without
writing TOML by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mscohort.cli.common import command_errors, out


def map_(
    path: Annotated[Path, typer.Argument(help="Workbook (.xlsx), study folder or CSV file.")],
    out_file: Annotated[Path, typer.Option(
        "--out", help="Mapping file to write (TOML), e.g. mapping.toml.")],
) -> None:
    """Propose a column mapping: for each table and column, the best sheet and column by
    name (synonyms in seven languages) and content, with confidence and alternatives.

    Example: mscohort map clinic.xlsx --out mapping.toml
    """
    from mscohort.ingest.mapping_toml import mapping_toml
    from mscohort.ingest.propose import propose

    with command_errors():
        _, proposals = propose(path)
        out_file.write_text(mapping_toml(path, proposals), encoding="utf-8")
    for p in proposals:
        found = sum(best is not None for best, _ in p.columns.values())
        out.print(f"{p.table}: {p.source.label} (confidence {p.choice.confidence:.2f}), "
                  f"{found} columns")
    out.print(f"wrote {out_file}: check it, then `mscohort validate {path} --mapping "
              f"{out_file}`")


def template(
    out_file: Annotated[Path, typer.Option(
        "--out", help="template.xlsx (an empty workbook, a sheet per table) or "
                      "dictionary.csv (the data dictionary).")],
) -> None:
    """Write an empty workbook with every table and column, or the data dictionary (CSV).

    Example: mscohort template --out template.xlsx
    """
    from mscohort.ingest.template import write_template

    with command_errors():
        write_template(out_file)
    out.print(f"wrote {out_file}")

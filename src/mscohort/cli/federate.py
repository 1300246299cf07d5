"""``mscohort federate``: the study analysis across centres through vantage6 (docs/federated.md).

The vantage6 side lives in the separate package ``mscohort_federated`` (``federated/`` in
the repository: vantage6 5.x needs Python 3.13 and pins old packages, so it is never a
dependency of mscohort). It is imported only when the command runs; without it the command
says how to install it and exits 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mscohort.errors import UsageError, bad_usage

INSTALL = ("`mscohort federate` needs the federated algorithm package and the vantage6 client "
           "(Python 3.13): pip install \"./federated[client]\" from the mscohort repository "
           "(docs/federated.md, \"Setting up\")")


def federate(
    study: Annotated[Path, typer.Option(help="Study definition (TOML), as for `analyse`.")],
    config: Annotated[Path | None, typer.Option(
        help="Hub settings (TOML): server, collaboration, image, credentials; environment "
        "variables MSCOHORT_V6_* override it (docs/federated.md).")] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the results.")] = Path(
        "federated-results"),
    min_cell_size: Annotated[int, typer.Option(
        help="Cells with fewer patients at a centre are suppressed (a node may set more).")
    ] = 5,
) -> None:
    """Run the study analysis at every centre of a vantage6 collaboration; only aggregates
    leave a centre. Writes the results as `analyse` does, marked as federated.

    Example: mscohort federate --study study.toml --config federate.toml --out results/
    """
    from mscohort.cli.common import err, out, usage_exit
    from mscohort.definition import load_definition

    try:
        definition = load_definition(study)
        if min_cell_size < 1:
            raise bad_usage("--min-cell-size", "an integer >= 1", min_cell_size)
        try:
            from mscohort_federated.output import write_result
            from mscohort_federated.submit import connect, load_settings, run_task
        except ImportError as exc:
            raise UsageError(f"{INSTALL}; missing: {exc.name}.") from None
        settings = load_settings(config)
    except UsageError as exc:
        raise usage_exit(exc) from None
    try:
        with err.status("connecting to the vantage6 hub ...") as status:
            client, session = connect(settings)
            result = run_task(client, settings, session, study.read_text(), min_cell_size,
                              progress=lambda text: status.update(text))
    except (OSError, RuntimeError) as exc:  # the hub unreachable, a login or task refused
        raise usage_exit(UsageError(f"the federated analysis did not run: {exc}")) from None
    written = write_result(result, definition, out_dir)
    out.print(f"federated analysis over {', '.join(result['centres'])}: wrote {len(written)} "
              f"files to {out_dir}")

"""``mscohort courses``, ``safety``, ``retreatment`` and ``screen``: the protocol checks of
:mod:`mscohort.analyse.protocol` in the terminal (the report shows the same tables)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from mscohort.cli.common import command_errors, err, out
from mscohort.units import parse_day

#: The stages each command shows on its progress bar (``cli/progress.py``): reading the
#: study (a store or a folder, validated) and the command's own work.
STAGES = {"courses": ("reading the study", "grouping courses"),
          "safety": ("reading the study", "checking the monitoring"),
          "retreatment": ("reading the study", "checking the rule"),
          "screen": ("reading the study", "screening")}

if TYPE_CHECKING:
    import polars as pl

    from mscohort.definition import StudyDefinition

DB = Annotated[Path | None, typer.Option(help="Study store (DuckDB file).")]
DATA = Annotated[Path | None, typer.Option(help="Or a study folder, validated first.")]
STUDY = Annotated[Path | None, typer.Option(
    "--study", help="Study definition (TOML): its [index] course_gap_days groups infusions "
                    "into courses, as in the report (default: 30 days).")]


def _counts(title: str, frame: pl.DataFrame, by: tuple[str, ...], name: str) -> Table:
    """A terminal table of how many rows ``frame`` has per ``by``."""
    view = Table(title=title, title_justify="left")
    for col in (*by, name):
        view.add_column(col)
    for row in frame.group_by(*by).len().sort(*by).iter_rows():
        view.add_row(*map(str, row))
    return view


def _write(path: Path | None, main: pl.DataFrame, beside: pl.DataFrame, suffix: str) -> None:
    """``main`` as CSV at ``path`` and ``beside`` next to it (``<stem>_<suffix>.csv``)."""
    if path is None:
        return
    from mscohort.ingest.formulas import write_safe_csv

    write_safe_csv(main, path)
    other = path.with_name(f"{path.stem}_{suffix}.csv")
    write_safe_csv(beside, other)
    out.print(f"wrote {path} and {other}")


def _definition(study: Path | None, course_gap_days: float | None = None) -> StudyDefinition:
    """The study definition of ``--study`` (default: the defaults), with
    ``--course-gap-days`` when given."""
    from mscohort.definition import StudyDefinition, load_definition

    definition = load_definition(study) if study is not None else StudyDefinition()
    if course_gap_days is not None:
        definition = definition.with_(course_gap_days=course_gap_days)
    return definition


def courses(
    db: DB = None,
    data: DATA = None,
    regimens: Annotated[Path | None, typer.Option(
        help="Regimens (TOML); default: the approved and the seed's older regimen.")] = None,
    course_gap_days: Annotated[float | None, typer.Option(
        help="Infusions at most this many days apart are one course (default: the study "
             "definition's, else 30).")] = None,
    study: STUDY = None,
    out_path: Annotated[Path | None, typer.Option(
        "--out", help="Write the course table (CSV); deviations go beside it.")] = None,
) -> None:
    """Group infusions into courses, name each patient's regimen, and list every deviation.

    Example: mscohort courses --db study.duckdb --out courses.csv
    """
    from mscohort.analyse.protocol import study_courses
    from mscohort.cli.progress import stage_bar
    from mscohort.loading import load_input

    with command_errors():
        definition = _definition(study, course_gap_days)
        with stage_bar(err, "Courses", STAGES["courses"]) as progress:
            progress(STAGES["courses"][0])
            loaded = load_input(db, data)
            progress(STAGES["courses"][1])
            table, devs = study_courses(loaded.records, definition, regimens)
    out.print(_counts("Courses by regimen", table, ("regimen", "course"), "courses"))
    out.print(f"{table['patient_id'].n_unique()} patients, {table.height} courses, "
              f"{devs.height} deviations")
    for r in devs.iter_rows(named=True):
        out.print(f"  {r['patient_id']} course {r['course']}: {r['code']}: {r['message']} "
                  f"({r['dates']})")
    _write(out_path, table, devs, "deviations")


def safety(
    as_of: Annotated[str, typer.Option(
        "--as-of", help="The day the schedule is judged on (YYYY-MM-DD).")],
    db: DB = None,
    data: DATA = None,
    rules: Annotated[Path | None, typer.Option(
        help="Monitoring rules (TOML); default: the alemtuzumab label's.")] = None,
    out_path: Annotated[Path | None, typer.Option(
        "--out", help="Write the schedule (CSV); adverse events of special interest go "
                      "beside it.")] = None,
    all_rows: Annotated[bool, typer.Option(
        "--all", help="Print every patient and panel, not only the overdue and due.")] = False,
    study: STUDY = None,
) -> None:
    """Safety monitoring after alemtuzumab: tests done, overdue (with days) and the period
    remaining per patient, and adverse events of special interest by course.

    Example: mscohort safety --db study.duckdb --as-of 2014-06-30 --out safety.csv
    """
    import polars as pl

    from mscohort.analyse.protocol import NO_LAB_DATA, safety_check
    from mscohort.cli.progress import stage_bar
    from mscohort.loading import load_input

    with command_errors():
        day = parse_day(as_of)
        definition = _definition(study)
        with stage_bar(err, "Safety", STAGES["safety"]) as progress:
            progress(STAGES["safety"][0])
            loaded = load_input(db, data)
            progress(STAGES["safety"][1])
            check = safety_check(loaded.records, day, definition, rules)
    schedule, aesi = check.schedule, check.aesi
    out.print(_counts(f"Safety monitoring as of {day}", schedule, ("panel", "status"),
                      "patients"))
    if schedule.height and (schedule["status"] == NO_LAB_DATA).any():
        out.print("No laboratory result is in the records: no schedule is called overdue or "
                  "due (status \"no lab data\"; docs/protocol.md).")
    shown = schedule if all_rows else schedule.filter(pl.col("status").is_in(["overdue",
                                                                               "due"]))
    for r in shown.sort("days_overdue", descending=True, nulls_last=True).iter_rows(
            named=True):
        late = f"overdue by {r['days_overdue']} days" if r["days_overdue"] else r["status"]
        out.print(f"  {r['patient_id']} {r['panel']}: {late} (last {r['last_test'] or 'never'}"
                  f", next due {r['next_due'] or '-'}; {r['days_remaining']} days of "
                  "monitoring left)")
    if aesi.height:
        table = aesi.group_by("aesi", "period").len().sort("aesi", "period")
        out.print("Adverse events of special interest: " + "; ".join(
            f"{a} ({p}): {n}" for a, p, n in table.iter_rows()))
    _write(out_path, schedule, aesi, "aesi")


def retreatment(
    as_of: Annotated[str, typer.Option(
        "--as-of", help="The day the rule is judged on (YYYY-MM-DD).")],
    db: DB = None,
    data: DATA = None,
    min_days: Annotated[int, typer.Option(
        help="Shortest time since the last infusion, in days.", min=0)] = 365,
    out_path: Annotated[Path | None, typer.Option("--out", help="Write the table (CSV).")]
    = None,
    study: STUDY = None,
) -> None:
    """Patients who meet the as-needed retreatment rule: a relapse after the last course and
    at least 12 months (by default) since its last infusion.

    Example: mscohort retreatment --db study.duckdb --as-of 2014-06-30
    """
    import polars as pl

    from mscohort.analyse.protocol import retreatment_check
    from mscohort.cli.progress import stage_bar
    from mscohort.ingest.formulas import write_safe_csv
    from mscohort.loading import load_input

    with command_errors():
        day = parse_day(as_of)
        definition = _definition(study)
        with stage_bar(err, "Retreatment", STAGES["retreatment"]) as progress:
            progress(STAGES["retreatment"][0])
            loaded = load_input(db, data)
            progress(STAGES["retreatment"][1])
            check = retreatment_check(loaded.records, day, definition, min_days)
    table = check.table
    meets = table.filter(pl.col("meets_rule"))
    out.print(f"Retreatment rule ({check.describe()}) as of {day}: {meets.height} of "
              f"{table.height} treated patients meet it")
    for r in meets.iter_rows(named=True):
        out.print(f"  {r['patient_id']}: {r['reason']}")
    if out_path is not None:
        write_safe_csv(table, out_path)
        out.print(f"wrote {out_path}")


def screen(
    study: Annotated[Path, typer.Option(help="Study definition (TOML) with [eligibility].")],
    db: DB = None,
    data: DATA = None,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Screen everyone on this day (YYYY-MM-DD); default: each patient's "
                        "enrolment date, else their first infusion.")] = None,
    out_path: Annotated[Path | None, typer.Option(
        "--out", help="Write the decisions (CSV); every criterion's result goes beside it.")]
    = None,
) -> None:
    """Eligibility per patient and arm: eligible, protocol deviation (declared), not eligible
    or cannot tell, with the criterion and record behind each decision and the data that is
    missing.

    Example: mscohort screen --study study.toml --db study.duckdb --out screening.csv
    """
    import polars as pl

    from mscohort.analyse.protocol import protocol_readings, screening
    from mscohort.cli.progress import stage_bar
    from mscohort.definition import load_definition
    from mscohort.loading import load_input

    with command_errors():
        definition = load_definition(study)
        day = parse_day(as_of) if as_of else None
        with stage_bar(err, "Screening", STAGES["screen"]) as progress:
            progress(STAGES["screen"][0])
            loaded = load_input(db, data)
            progress(STAGES["screen"][1])
            decisions, details = screening(loaded.records, definition, day)
    out.print(_counts("Eligibility screening", decisions, ("arm", "decision"), "patients"))
    for r in decisions.filter(pl.col("decision") == "eligible").iter_rows(named=True):
        out.print(f"  eligible for {r['arm']}: {r['patient_id']} (screened {r['screened_on']})")
    for r in decisions.filter(pl.col("decision") == "protocol deviation").iter_rows(named=True):
        out.print(f"  protocol deviation in {r['arm']}: {r['patient_id']}: {r['deviations']}")
    for reading in protocol_readings(definition):
        out.print(f"  reading of the protocol: {reading}")
    _write(out_path, decisions, details, "criteria")

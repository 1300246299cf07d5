"""``mscohort events``: confirmed disability worsening/improvement, PIRA and RAW."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import polars as pl
import typer

from mscohort.derive.events import EventSettings, RelapseIndependence, detect_events
from mscohort.derive.events.presets import PRESETS
from mscohort.errors import DataValidationError, InvalidArgumentError, UsageError
from mscohort.ingest.formulas import write_safe_csv

Opt = typer.Option


#: The stages of ``mscohort events`` on its progress bar.
EVENT_STAGES = ("reading the assessments", "detecting events")


def _pair(text: str | None, name: str) -> tuple[float, float] | None:
    if text is None:
        return None
    try:
        parts = [float(p) for p in text.split(",")]
    except ValueError:
        raise UsageError(f"{name} must be 'before,after' in days, e.g. 30,0; got {text!r}.") \
            from None
    if len(parts) == 1:
        return (parts[0], 0.0)
    if len(parts) != 2:
        raise UsageError(f"{name} must be one or two numbers of days; got {text!r}.")
    return (parts[0], parts[1])


def _indep(text: str | None) -> RelapseIndependence | None:
    """``prec=0,0;event=90,30;conf=90,30;prec_type=baseline`` (``none`` for an open end)."""
    if text is None:
        return None
    values: dict[str, object] = {}
    for part in text.split(";"):
        key, _, val = part.partition("=")
        key = key.strip()
        if key == "prec_type":
            values[key] = val.strip()
        elif key in ("prec", "event", "conf"):
            ends = [v.strip() for v in val.split(",")]
            if len(ends) != 2:
                raise UsageError(f"--relapse-indep {key} needs two ends; got {val!r}.")
            values[key] = tuple(None if e.lower() == "none" else float(e) for e in ends)
        else:
            raise UsageError(f"--relapse-indep: unknown key {key!r}; use prec, event, conf, "
                             "prec_type.")
    return RelapseIndependence(**values)  # type: ignore[arg-type]


def _load(edss: Path | None, relapses: Path | None, db: Path | None, value: str
          ) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    if db is not None:
        from mscohort.store import StudyStore

        with StudyStore(db, read_only=True) as store:
            if value == "edss":
                visits = store.read("edss")
            else:
                visits = store.derived("msfc").rename({_MSFC[value]: value})
            return visits, store.read("relapses")
    if edss is None:
        raise UsageError("give --edss FILE (and --relapses FILE), or --db study.duckdb.")
    from mscohort.ingest import read_tables
    from mscohort.validate import check_study

    files = {"edss": edss} | ({"relapses": relapses} if relapses is not None else {})
    raw = read_tables(files)
    ids = raw.tables["edss"].frame["patient_id"] if "edss" in raw.tables and \
        "patient_id" in raw.tables["edss"].frame.columns else pl.Series([], dtype=pl.String)
    known = pl.DataFrame({"patient_id": ids.drop_nulls().unique(), "birth_date": None,
                          "birth_date_precision": None},
                         schema={"patient_id": pl.String, "birth_date": pl.Date,
                                 "birth_date_precision": pl.String})
    study, report = check_study(raw, known_patients=known)
    if not report.ok:
        raise DataValidationError(report, action="analys")
    return study.table("edss"), (study.table("relapses") if relapses is not None else None)


_MSFC = {"t25fw": "t25fw_s", "nhpt": "nhpt_dom_s"}


def events(
    edss: Annotated[Path | None, Opt(help="EDSS table (patient_id, date, edss).")] = None,
    relapses: Annotated[Path | None, Opt(help="Relapses table (patient_id, onset_date).")]
    = None,
    db: Annotated[Path | None, Opt(help="Read from a study store instead of files.")] = None,
    out_file: Annotated[Path | None, Opt("--out", help="Write the events to .csv or .parquet "
                                         "(the summary goes beside it).")] = None,
    preset: Annotated[str, Opt(help=f"Start from: {', '.join(PRESETS)}.")] = "msprog",
    event: Annotated[str | None, Opt(help="firstCDW, firstCDI, first, firstPIRA, firstRAW, "
                                     "multiple.")] = None,
    baseline: Annotated[str | None, Opt(help="fixed, roving_impr, roving_wors, roving.")]
    = None,
    proceed_from: Annotated[str | None, Opt(help="firstconf or event.")] = None,
    sub_threshold_rebl: Annotated[str | None, Opt(help="none, event, improvement, "
                                                  "worsening.")] = None,
    relapse_rebl: Annotated[bool | None, Opt(help="Re-baseline after every relapse.")] = None,
    bl_geq: Annotated[bool | None, Opt(help="New reference never below the previous one.")]
    = None,
    skip_local_extrema: Annotated[str | None, Opt(help="none, strict, all.")] = None,
    conf_days: Annotated[list[float] | None, Opt(help="Confirmation period, days (repeat "
                                                 "for several).")] = None,
    conf_tol_days: Annotated[str | None, Opt(help="Tolerance 'left,right' days; inf for "
                                             "no right limit.")] = None,
    require_sust_days: Annotated[float | None, Opt(help="Days a change must be sustained "
                                                   "(inf: to the last visit).")] = None,
    check_intermediate: Annotated[bool | None, Opt(help="Confirm at every visit in "
                                                   "between.")] = None,
    relapse_to_bl: Annotated[str | None, Opt(help="'after,before' days around relapses.")]
    = None,
    relapse_to_event: Annotated[str | None, Opt(help="'after,before' days.")] = None,
    relapse_to_conf: Annotated[str | None, Opt(help="'after,before' days.")] = None,
    relapse_assoc: Annotated[str | None, Opt(help="RAW window 'after,before' days.")] = None,
    relapse_indep: Annotated[str | None, Opt(help="PIRA windows, e.g. "
                                             "'prec=0,0;event=90,30;conf=90,30'.")] = None,
    raw_pira: Annotated[bool | None, Opt(help="Classify CDW as RAW or PIRA.")] = None,
    impute_last_visit: Annotated[float | None, Opt(help="Probability, or days of follow-up, "
                                                   "to count a last-visit worsening.")] = None,
    delta: Annotated[str | None, Opt(help="edss, edss_5.5, relative_20, sdmt.")] = None,
    outcome: Annotated[str, Opt(help="edss, t25fw or nhpt (from --db: MSFC derived).")]
    = "edss",
    msprog_compat: Annotated[bool, Opt(help="Drop relapses before the first visit, as "
                                       "msprog does.")] = False,
    relapse_end_dates: Annotated[bool | None, Opt(help="A relapse's onset-to-end span "
                                                  "replaces the days after its onset in "
                                                  "--relapse-to-bl/event/conf (needs "
                                                  "end_date).")] = None,
    milestone: Annotated[list[float] | None, Opt(help="Also time to this confirmed value, "
                                                 "e.g. 4.0 (repeat for several).")] = None,
    explain: Annotated[str | None, Opt(help="Explain the events of this patient.")] = None,
    methods: Annotated[bool, Opt(help="Print the methods paragraph.")] = False,
) -> None:
    """Confirmed disability worsening (CDW) and improvement (CDI), PIRA and RAW.

    Options have msprog's names. Example: mscohort events --edss edss.csv --relapses
    relapses.csv --preset observational --out events.csv
    """
    from mscohort.cli.main import _usage, err, out
    from mscohort.cli.progress import stage_bar
    from mscohort.cli.render import print_report

    try:
        if preset not in PRESETS:
            raise UsageError(f"--preset must be one of {', '.join(PRESETS)}; got {preset!r}.")
        changes = {k: v for k, v in {
            "event": event, "baseline": baseline, "proceed_from": proceed_from,
            "sub_threshold_rebl": sub_threshold_rebl, "relapse_rebl": relapse_rebl,
            "bl_geq": bl_geq, "skip_local_extrema": skip_local_extrema,
            "conf_days": tuple(conf_days) if conf_days else None,
            "conf_tol_days": _pair(conf_tol_days, "--conf-tol-days"),
            "require_sust_days": require_sust_days, "check_intermediate": check_intermediate,
            "relapse_to_bl": _pair(relapse_to_bl, "--relapse-to-bl"),
            "relapse_to_event": _pair(relapse_to_event, "--relapse-to-event"),
            "relapse_to_conf": _pair(relapse_to_conf, "--relapse-to-conf"),
            "relapse_assoc": _pair(relapse_assoc, "--relapse-assoc"),
            "relapse_indep": _indep(relapse_indep), "raw_pira": raw_pira,
            "impute_last_visit": impute_last_visit, "delta": delta,
            "relapse_end_dates": relapse_end_dates,
        }.items() if v is not None}
        if outcome != "edss":
            changes |= {"outcome": outcome, "delta": delta or "relative_20"}
        changes["msprog_compat"] = msprog_compat
        settings: EventSettings = PRESETS[preset].with_(**changes)
        # name the preset and every option changed from it (summary, methods, explain)
        settings = settings.with_(name=settings.label(PRESETS[preset]))
        with stage_bar(err, "Events", EVENT_STAGES) as progress:
            progress(EVENT_STAGES[0])
            visits, rel = _load(edss, relapses, db, outcome)
            progress(EVENT_STAGES[1])
            result = detect_events(visits, rel, settings, value=outcome)
    except (UsageError, InvalidArgumentError) as exc:
        raise _usage(UsageError(str(exc))) from None
    except DataValidationError as exc:
        print_report(out, exc.report, None)
        raise typer.Exit(1) from None
    s = result.summary
    out.print(f"{s.height} patients: {int((s['cdw'] > 0).sum())} with CDW "
              f"({int(s['cdw'].sum())} events; PIRA {int(s['pira'].sum())}, RAW "
              f"{int(s['raw'].sum())}), {int((s['cdi'] > 0).sum())} with CDI "
              f"({int(s['cdi'].sum())} events); settings: {settings.name}")
    if result.n_dropped:
        out.print(f"{result.n_dropped} assessments without a value were left out")
    mil = None
    if milestone:
        from mscohort.derive.events import milestone_times

        mil = pl.concat([milestone_times(visits, rel, m, settings, value=outcome)
                         for m in milestone])
        for m, part in mil.group_by("milestone", maintain_order=True):
            out.print(f"milestone {outcome.upper()} >= {m[0]:g}: reached (confirmed) by "
                      f"{int(part['observed'].sum())} of {part.height} patients")
    if methods:
        out.print(result.methods())
    if explain is not None:
        try:
            out.print(result.explain(explain))
        except InvalidArgumentError as exc:
            raise _usage(UsageError(str(exc))) from None
    if out_file is not None:
        summary_file = out_file.with_name(out_file.stem + "_summary" + out_file.suffix)
        tables = {out_file: result.events, summary_file: result.summary}
        if mil is not None:
            tables[out_file.with_name(out_file.stem + "_milestones" + out_file.suffix)] = mil
        if out_file.suffix.lower() == ".parquet":
            for path, frame in tables.items():
                frame.write_parquet(path)
        elif out_file.suffix.lower() == ".csv":
            for path, frame in tables.items():
                write_safe_csv(frame, path)
        else:
            raise _usage(UsageError(f"--out must end in .csv or .parquet; got {out_file}."))
        out.print(f"wrote {result.events.height} events to {out_file} and the per-patient "
                  f"summary to {summary_file}")

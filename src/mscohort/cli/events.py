"""``mscohort events``: confirmed disability worsening/improvement, PIRA and RAW."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from mscohort.cli.common import out, usage_exit
from mscohort.definition.events import PRESET_NAMES
from mscohort.errors import DataValidationError, InvalidArgumentError, UsageError, bad_usage

Opt = typer.Option


def _pair(text: str | None, name: str) -> tuple[float, float] | None:
    if text is None:
        return None
    try:
        parts = [float(p) for p in text.split(",")]
    except ValueError:
        raise bad_usage(name, "'before,after' in days, e.g. 30,0", text) from None
    if len(parts) == 1:
        return (parts[0], 0.0)
    if len(parts) != 2:
        raise bad_usage(name, "one or two numbers of days", text)
    return (parts[0], parts[1])


def _indep(text: str | None) -> dict[str, Any] | None:
    """``prec=0,0;event=90,30;conf=90,30;prec_type=baseline`` (``none`` for an open end)."""
    if text is None:
        return None
    values: dict[str, Any] = {}
    for part in text.split(";"):
        key, _, val = part.partition("=")
        key = key.strip()
        if key == "prec_type":
            values[key] = val.strip()
        elif key in ("prec", "event", "conf"):
            ends = [v.strip() for v in val.split(",")]
            if len(ends) != 2:
                raise bad_usage(f"--relapse-indep {key}", "two ends 'low,high'", val)
            values[key] = tuple(None if e.lower() == "none" else float(e) for e in ends)
        else:
            raise bad_usage("--relapse-indep", "KEY=VALUE with KEY one of prec, event, conf, "
                            "prec_type", key, shown=f"key {key!r}")
    return values


def events(
    edss: Annotated[Path | None, Opt(help="EDSS table (patient_id, date, edss).")] = None,
    relapses: Annotated[Path | None, Opt(help="Relapses table (patient_id, onset_date).")]
    = None,
    db: Annotated[Path | None, Opt(help="Read from a study store instead of files.")] = None,
    out_file: Annotated[Path | None, Opt("--out", help="Write the events to .csv or .parquet "
                                         "(the summary goes beside it).")] = None,
    preset: Annotated[str, Opt(help=f"Start from: {', '.join(PRESET_NAMES)}.")] = "msprog",
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
    batch_patients: Annotated[int | None, Opt(help="With --db: patients read and detected "
                                              "at a time (default 200,000; memory grows "
                                              "with it).", min=1)] = None,
) -> None:
    """Confirmed disability worsening (CDW) and improvement (CDI), PIRA and RAW.

    Options have msprog's names. Example: mscohort events --edss edss.csv --relapses
    relapses.csv --preset observational --out events.csv
    """
    from mscohort.analyse.disability import event_settings
    from mscohort.cli.common import err
    from mscohort.cli.events_source import batches_of, explanation, print_totals
    from mscohort.cli.progress import stage_bar
    from mscohort.cli.render import print_report
    from mscohort.report.event_files import FORMATS, event_paths, write_events

    try:
        if preset not in PRESET_NAMES:
            raise bad_usage("--preset", f"one of {', '.join(PRESET_NAMES)}", preset)
        if out_file is not None and out_file.suffix.lower() not in FORMATS:
            raise bad_usage("--out", "a file ending in .csv or .parquet", out_file,
                            shown=str(out_file))
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
            "raw_pira": raw_pira,
            "impute_last_visit": impute_last_visit, "delta": delta,
            "relapse_end_dates": relapse_end_dates,
        }.items() if v is not None}
        changes["msprog_compat"] = msprog_compat
        # named after the preset and every option changed from it (summary, methods, explain)
        settings = event_settings(preset, changes, outcome, _indep(relapse_indep))
        # a store is read a batch of patients at a time (store/visit_batches.py)
        with batches_of(edss, relapses, db, outcome, batch_patients) as source:
            explained = (explanation(source, settings, outcome, explain)
                         if explain is not None else None)
            with stage_bar(err, "Events", source.stages) as progress:
                totals = write_events(source.batches, settings, out_file, outcome,
                                      milestone or (),
                                      lambda i: progress(source.stages[i - 1]))
    except (UsageError, InvalidArgumentError) as exc:
        raise usage_exit(UsageError(str(exc))) from None
    except DataValidationError as exc:
        print_report(out, exc.report, None)
        raise typer.Exit(1) from None
    print_totals(totals, outcome)
    if methods:
        out.print(totals.methods())
    if explained is not None:
        out.print(explained)
    if out_file is not None:
        out.print(f"wrote {totals.events} events to {out_file} and the per-patient "
                  f"summary to {event_paths(out_file)['summary']}")

"""Page: map an upload's own sheets and columns onto the canonical tables without writing
TOML. The proposal of :func:`mscohort.ingest.propose.propose` (by name and content, with
confidences) is shown as a form; the user confirms or changes each table's sheet and each
column, sees a preview of the parsed rows and the issues by rule, then uses the mapping for
the check and import of the upload, or downloads it as TOML for the next time (and
uploads it with the files then). An upload with a mapping starts from that mapping (applied
to a file of another name when it is the only one meant: the page says so), not from a new
proposal. Each date column has a date format to choose (docs/data-model.md), proposed when
the column's values fit exactly one."""

from __future__ import annotations

from typing import Any

from flask import (
    Flask,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from mscohort.errors import UsageError
from mscohort.ingest import read_study
from mscohort.ingest.date_formats import column_choices, propose_formats, undecided
from mscohort.ingest.mapping import parse_mapping
from mscohort.ingest.mapping_reuse import retarget_folder
from mscohort.ingest.mapping_toml import chosen_mapping, mapping_choices, plain_toml
from mscohort.ingest.propose import Source, TableProposal, propose, read_sources
from mscohort.schema import TABLES
from mscohort.validate import check_study
from mscohort.web.workspace import Staged, Workspace

PREVIEW_ROWS = 5


def _staged(upload_id: str) -> Staged:
    ws: Workspace = current_app.extensions["mscohort"]["workspace"]
    try:
        staged = ws.staged(upload_id)
    except UsageError as exc:
        abort(404, str(exc))
    if staged.redcap:
        abort(404, "A REDCap project is mapped by its REDCap mapping (TOML; default: the "
                   "ready MS mapping redcap_ms.toml), not on this page.")
    return staged


def _proposed(proposals: list[TableProposal]) -> dict[str, dict[str, object]]:
    return {p.table: {"file": p.source.file, "sheet": p.source.sheet, "columns": {
        c: best.source for c, (best, _) in p.columns.items() if best is not None}}
        for p in proposals}


def _from_form(sources: dict[str, Source]) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for table, spec in TABLES.items():
        label = request.form.get(f"t.{table}", "")
        if label not in sources:
            continue
        source = sources[label]
        out[table] = {"file": source.file, "sheet": source.sheet, "columns": {
            c.name: request.form.get(f"c.{table}.{c.name}", "") for c in spec.columns
            if request.form.get(f"c.{table}.{c.name}", "") in source.frame.columns},
            "date_formats": {c: request.form.get(f"d.{table}.{c}", "") for c, allowed in
                             column_choices(table).items()
                             if request.form.get(f"d.{table}.{c}", "") in allowed}}
    return out


def _newly_mapped(chosen: dict[str, dict[str, object]]) -> set[tuple[str, str]]:
    """The date columns of a posted form mapped onto another column than the one their
    format was shown for (hidden ``h.<table>.<column>``): their format is proposed anew."""
    return {(t, c) for t, spec in chosen.items() for c in column_choices(t)
            if dict(spec["columns"]).get(c, "")  # type: ignore[call-overload]
            != request.form.get(f"h.{t}.{c}", "")}


Undecided = dict[str, dict[str, tuple[str, ...]]]


def _with_proposed_formats(staged: Staged, chosen: dict[str, dict[str, object]],
                           only: set[tuple[str, str]] | None = None
                           ) -> tuple[dict[str, dict[str, object]], Undecided]:
    """``chosen`` with a format proposed for each date column (of ``only``, when given)
    that has none and whose values fit exactly one
    (:func:`mscohort.ingest.date_formats.propose_date_format`), and the columns whose
    values fit more than one (for the page to ask the user to choose)."""
    plain = {t: {k: v for k, v in spec.items() if k != "date_formats"}
             for t, spec in chosen.items()}
    try:
        raw = read_study(staged.data, parse_mapping(chosen_mapping(plain), "the mapping"))
    except UsageError:
        return chosen, {}
    frames = {t: r.frame for t, r in raw.tables.items()}
    proposed = {t: {c: f for c, f in formats.items() if only is None or (t, c) in only}
                for t, formats in propose_formats(frames).items()}
    return {t: spec | {"date_formats": proposed.get(t, {}) | dict(
        spec.get("date_formats", {}))} for t, spec in chosen.items()  # type: ignore[call-overload]
            }, undecided(frames)


def _start(staged: Staged, proposals: list[TableProposal], sources: dict[str, Source]
           ) -> tuple[tuple[dict[str, dict[str, object]], Undecided], list[str]]:
    """Where the form starts: the uploaded mapping (retargeted to a renamed file, which
    the notes say) or else the proposal; date formats proposed where none is declared."""
    if staged.mapping is None:
        return _with_proposed_formats(staged, _proposed(proposals)), []
    try:
        mapping, notes = retarget_folder(staged.load_mapping() or parse_mapping({}),
                                         staged.data)
    except UsageError as exc:
        return (_with_proposed_formats(staged, _proposed(proposals)),
                [f"The uploaded mapping cannot be used ({exc}); the page starts from a "
                 "proposal."])
    headers = {label: s.frame.columns for label, s in sources.items()}
    said = ["The page starts from the mapping of this upload, not from a new proposal."] + [
        n[0].upper() + n[1:] + "." for n in notes]
    return _with_proposed_formats(staged, mapping_choices(mapping, headers)), said


def _preview(staged: Staged, mapping: dict[str, dict[str, object]]
             ) -> tuple[dict[str, tuple[list[str], list[list[str]]]], list[tuple[str, int]],
                        str | None]:
    """The first parsed rows of each table and the issues by rule, under ``mapping``."""
    try:
        parsed = parse_mapping(chosen_mapping(mapping), "the chosen mapping")
    except UsageError as exc:
        return {}, [], str(exc)
    study, report = check_study(read_study(staged.data, parsed))
    tables = {}
    for name in study.tables:
        frame = study.table(name).head(PREVIEW_ROWS)
        tables[name] = (frame.columns, [["" if v is None else str(v) for v in r]
                                        for r in frame.iter_rows()])
    counts = [(str(r["rule"]), int(r["n"])) for r in report.counts_by_rule().iter_rows(
        named=True)]
    return tables, counts, None


def register(app: Flask) -> None:
    @app.route("/load/<upload_id>/mapping", methods=["GET", "POST"])
    def mapping(upload_id: str) -> Any:
        staged = _staged(upload_id)
        try:
            _, sources_list = read_sources(staged.data)
            _, proposals = propose(staged.data)
        except UsageError as exc:
            flash(str(exc), "error")
            return redirect(url_for("validation", upload_id=upload_id))
        sources = {s.label: s for s in sources_list}
        notes: list[str] = []
        open_formats: Undecided = {}
        if request.method == "POST":
            chosen = _from_form(sources)
            if request.form.get("action") != "use":  # a proposal is seen before it is used
                chosen, open_formats = _with_proposed_formats(staged, chosen,
                                                              _newly_mapped(chosen))
        else:
            (chosen, open_formats), notes = _start(staged, proposals, sources)
        if request.method == "POST" and request.form.get("action") == "use":
            text = plain_toml(chosen_mapping(chosen))
            try:
                parse_mapping(chosen_mapping(chosen), "the chosen mapping")
            except UsageError as exc:
                flash(f"{exc} The mapping was not used.", "error")
            else:
                (staged.folder / "mapping.toml").write_text(text, encoding="utf-8")
                flash("The mapping is used for this upload.", "info")
                return redirect(url_for("validation", upload_id=upload_id))
        tables, counts, problem = _preview(staged, chosen)
        confidence = {(p.table, c): best.confidence for p in proposals
                      for c, (best, _) in p.columns.items() if best is not None}
        return render_template(
            "mapping.html", upload_id=upload_id, tables=TABLES, sources=sources,
            chosen=chosen, confidence=confidence, preview=tables, counts=counts,
            problem=problem, table_confidence={p.table: p.choice.confidence
                                               for p in proposals},
            notes=notes, date_choices={t: column_choices(t) for t in TABLES},
            open_formats=open_formats,
            from_upload=staged.mapping is not None and request.method == "GET")

    @app.post("/load/<upload_id>/mapping.toml")
    def mapping_download(upload_id: str) -> Any:
        staged = _staged(upload_id)
        _, sources_list = read_sources(staged.data)
        text = plain_toml(chosen_mapping(_from_form({s.label: s for s in sources_list})))
        return Response(text, mimetype="application/toml", headers={
            "Content-Disposition": "attachment; filename=mapping.toml"})


__all__ = ["register"]

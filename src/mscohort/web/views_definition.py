"""Page: the study definition without TOML. A form for the definition's common keys,
prefilled from a definition of the workspace (the seed's by default), each field checked by
the same parser as a TOML file (:func:`mscohort.definition.parse_definition`: every error at
once, shown next to its field); then "use for the analysis" (kept in the workspace's
definitions/ like an uploaded one, selectable on the cohort page) or "download as TOML"
(a file that :func:`mscohort.definition.load_definition` reads back to the same definition).
"""

from __future__ import annotations

import io
import os
import secrets
from typing import Any

from flask import (
    Flask,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)

from mscohort.definition import parse_definition
from mscohort.definition.writer import dumps
from mscohort.errors import UsageError, bad_usage, read_toml
from mscohort.web.definition_form import (
    FIELDS,
    document_from_form,
    drop_name,
    errors_by_field,
    form_name,
    form_values,
    kept_sections,
    primary_choices,
)
from mscohort.web.workspace import DEFINITION_NAME, Workspace

WHERE = "study definition form"


def _ws() -> Workspace:
    return current_app.extensions["mscohort"]["workspace"]


def _base(ws: Workspace, name: str) -> dict[str, object]:
    _, path = ws.definition(name)  # UsageError naming the definitions there are
    return read_toml(path, "study definition")


def _messages(exc: UsageError) -> list[str]:
    """One message per wrong key, without the "where" prefix and count line."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    if len(lines) > 1 and lines[0].endswith("errors:"):
        lines = lines[1:]
    return [ln.removeprefix(f"{WHERE}: ") for ln in lines]


def _page(ws: Workspace, base: str, values: dict[str, str], doc: dict[str, object],
          errors: dict[str, list[str]], save_as: str, status: int = 200) -> Any:
    choices = primary_choices(doc)
    kept = [(name, holds, drop_name(name)) for name, holds in kept_sections(_base(ws, base))]
    return render_template(
        "definition.html", fields=FIELDS, form_name=form_name, values=values, kept=kept,
        errors=errors, base=base, definitions=ws.definitions(), save_as=save_as,
        primary_choices=choices if values.get("analysis__primary") in choices
        else (*choices, values.get("analysis__primary", ""))), status


def register(app: Flask) -> None:
    @app.get("/definition")
    def definition_form() -> Any:
        ws = _ws()
        base = request.args.get("from") or "seed"
        doc = _base(ws, base)
        return _page(ws, base, form_values(doc), doc, {}, save_as="")

    @app.post("/definition")
    def definition_submit() -> Any:
        ws = _ws()
        base = request.form.get("base") or "seed"
        values = {form_name(f): request.form.get(form_name(f), "") for f in FIELDS}
        values |= {drop_name(name): request.form.get(drop_name(name), "")
                   for name, _ in kept_sections(_base(ws, base))}
        doc, errors = document_from_form(values, _base(ws, base))
        action = request.form.get("action", "")
        save_as = request.form.get("save_as", "").strip()
        try:
            parse_definition(doc, WHERE)
        except UsageError as exc:
            for key, msgs in errors_by_field(_messages(exc)).items():
                errors.setdefault(key, []).extend(msgs)
        if action == "save":
            if not DEFINITION_NAME.match(save_as):
                errors.setdefault("save_as", []).append(str(bad_usage(
                    "name", "1 to 64 letters, digits, '-' or '_'", save_as)))
            elif save_as in ws.definitions():
                errors.setdefault("save_as", []).append(
                    f"a definition called {save_as!r} exists already: choose another name "
                    "(definitions are never overwritten).")
        elif action != "download":
            errors.setdefault("", []).append(str(bad_usage(
                "action", "save or download", action)))
        if errors:
            flash(f"The definition has {sum(map(len, errors.values()))} error(s), shown next "
                  "to the fields; nothing was saved.", "error")
            return _page(ws, base, values, doc, errors, save_as, status=400)
        text = dumps(doc)
        if action == "download":
            name = save_as if DEFINITION_NAME.match(save_as) else "study"
            return send_file(io.BytesIO(text.encode()), mimetype="application/toml",
                             as_attachment=True, download_name=f"{name}.toml")
        path = ws.definitions_dir / f"{save_as}.toml"
        tmp = ws.definitions_dir / f".{save_as}.{secrets.token_hex(4)}.part"
        tmp.write_text(text, encoding="utf-8")
        try:  # whole or not at all, and never over one saved meanwhile
            os.link(tmp, path)
        except FileExistsError:
            flash(f"a definition called {save_as!r} was saved meanwhile: choose another "
                  "name; nothing was saved.", "error")
            return _page(ws, base, values, doc, {}, save_as, status=409)
        finally:
            tmp.unlink()
        flash(f"The study definition {save_as!r} is saved and used for the analysis.", "info")
        return redirect(url_for("cohort", definition=save_as))

"""The federated result as one self-contained HTML report (``report.html``).

The core report (:mod:`mscohort.report.html`) renders a pooled ``StudyAnalysis`` with its
figures; a federated run has plain result tables instead, so this is a small template of
its own over the same sections as ``report.md`` (:data:`mscohort_federated.output.SECTIONS`)
and styled by the core report's stylesheet. Every value is escaped by Jinja2's
autoescaping; cells print as in ``report.md`` (:func:`~mscohort_federated.output.cell_text`);
a "suppressed" cell is marked with the class ``suppressed``.
"""

from __future__ import annotations

from importlib.resources import files

from jinja2 import Environment, select_autoescape

from mscohort.analyse.study import methods_text
from mscohort.definition import StudyDefinition
from mscohort_federated.output import SECTIONS, cell_text, federated_methods, intro

TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{ title }}</title>
<style>{{ css }}</style>
</head>
<body>
<header><h1>{{ title }}</h1>
<p class="federated">{{ intro }}</p></header>
<main>
{% for s in sections %}
<section id="{{ s.id }}">
<h2>{{ s.title }}</h2>
{% if s.rows %}
<table>
<caption>{{ s.title }}</caption>
<thead><tr>{% for c in s.columns %}<th scope="col">{{ c }}</th>{% endfor %}</tr></thead>
<tbody>
{% for row in s.rows %}<tr>{% for v in row %}
<td{% if v == "suppressed" %} class="suppressed"{% endif %}>{{ v }}</td>
{% endfor %}</tr>
{% endfor %}
</tbody>
</table>
{% else %}
<p class="empty">Nothing to show.</p>
{% endif %}
</section>
{% endfor %}
<section id="methods"><h2>Methods</h2><p>{{ methods }}</p></section>
</main>
</body>
</html>
"""


def _css() -> str:
    return (files("mscohort") / "report" / "templates" / "report.css").read_text(
        encoding="utf-8")


def html_report(result: dict[str, object], definition: StudyDefinition) -> str:
    """The report's sections as HTML tables (module notes)."""
    env = Environment(autoescape=select_autoescape(default_for_string=True))
    sections = []
    for title, key, columns in SECTIONS:
        rows = result.get(key, [])
        sections.append({
            "id": key.replace("_", "-"), "title": title, "columns": columns,
            "rows": [[cell_text(r.get(c)) for c in columns] for r in rows]})  # type: ignore[attr-defined]
    return env.from_string(TEMPLATE).render(
        title=f"{definition.name} (federated)", intro=intro(result), css=_css(),
        sections=sections,
        methods=methods_text(definition) + " " + federated_methods(result))

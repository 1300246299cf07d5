"""The report as Markdown: pipe tables, the methods, and the figures as SVG files in a folder
beside the document (``report_figures/``), linked from it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mscohort.report.sections import numbered_tables
from mscohort.report.tables import ReportTable

if TYPE_CHECKING:
    from mscohort.report.model import ReportData as Report


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(t: ReportTable, number: int) -> str:
    lines = [f"**Table {number}.** {t.title}", "",
             "| " + " | ".join(_escape(c) for c in t.columns) + " |",
             "|" + "|".join("---" for _ in t.columns) + "|"]
    lines += ["| " + " | ".join(_escape(c) for c in row) + " |" for row in t.rows]
    lines += [""] + [f"*{_escape(n)}*  " for n in t.footnotes]
    return "\n".join(lines)


def write_markdown(report: Report, path: Path) -> list[Path]:
    folder = path.with_name(f"{path.stem}_figures")
    folder.mkdir(parents=True, exist_ok=True)
    parts = [f"# {report.title}", ""]
    parts += ["## Tables", ""]
    for nt in numbered_tables(report):
        parts += [markdown_table(nt.table, nt.number), ""]
    parts += ["## Figures", ""]
    written = []
    for i, d in enumerate(report.figures, 1):
        svg = folder / f"{d.data.key}.svg"
        svg.write_text(d.svg(), encoding="utf-8")
        written.append(svg)
        parts += [f"![Figure {i}. {d.data.title}]({folder.name}/{svg.name})", "",
                  f"**Figure {i}.** {d.data.title}. {d.data.caption}", ""]
    parts += ["## Methods", "", report.methods(), ""]
    prov = report.provenance
    if prov is not None:
        parts += ["## Provenance", "", f"mscohort {prov.mscohort_version}, generated "
                  f"{prov.generated_at}; study definition {prov.definition_file} (SHA-256 "
                  f"`{prov.definition_sha256}`).", ""]
        parts += ["| table | file | SHA-256 | rows |", "|---|---|---|---|"]
        parts += [f"| {r['table']} | {_escape(r['file'])} | `{r['sha256']}` | {r['rows']} |"
                  for r in prov.files.iter_rows(named=True)]
    path.write_text("\n".join(parts) + "\n", encoding="utf-8")
    return [path, *written]

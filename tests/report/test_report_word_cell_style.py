"""The core Word table writer's per-cell style hook (``word_table(cell_style=...)``), used
by the federated report to set suppressed cells in italics: read back from the .docx."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docx import Document

from mscohort.report.tables import ReportTable
from mscohort.report.word import word_table
from mscohort.report.word_layout import page_setup

TABLE = ReportTable("t", "A table", ("Group", "Mean", "Note"),
                    (("a", "1.0", "-"), ("b", "hidden", "x"), ("hidden", "2.5", "hidden")),
                    ("A footnote.",))


def _written(tmp_path: Path, **kwargs: Any) -> Any:
    doc = Document()
    page_setup(doc)
    word_table(doc, TABLE, 3, **kwargs)
    path = tmp_path / "t.docx"
    doc.save(str(path))
    return Document(str(path))


def test_cell_style_hook_sees_every_body_cell_with_its_text_once(tmp_path: Path) -> None:
    seen: list[str] = []

    def hook(cell: Any, text: str) -> None:
        assert cell.text == text  # the text is written before the hook runs
        seen.append(text)
        if text == "hidden":
            for run in cell.paragraphs[0].runs:
                run.italic = True

    doc = _written(tmp_path, cell_style=hook)
    assert seen == [c for row in TABLE.rows for c in row]  # body only, in order
    (table,) = doc.tables
    italic = [[all(r.italic for r in c.paragraphs[0].runs) for c in row.cells]
              for row in table.rows]
    assert italic == [[False, False, False], [False, False, False], [False, True, False],
                      [True, False, True]]
    assert [c.text for c in table.rows[0].cells] == list(TABLE.columns)
    assert all(r.bold for c in table.rows[0].cells for r in c.paragraphs[0].runs)


def test_caption_defaults_to_the_title_and_can_be_given(tmp_path: Path) -> None:
    texts = [p.text for p in _written(tmp_path).paragraphs]
    assert "Table 3. A table" in texts and "A footnote." in texts
    texts = [p.text for p in _written(tmp_path, caption="A table (federated)").paragraphs]
    assert "Table 3. A table (federated)" in texts


def test_without_a_hook_no_cell_is_italic(tmp_path: Path) -> None:
    (table,) = _written(tmp_path).tables
    assert not any(r.italic for row in table.rows for c in row.cells
                   for r in c.paragraphs[0].runs)

"""The federated Word report, read back with python-docx: every section with rows is one
table whose header and cells are the result's as printed (``cell_text``), suppressed cells
read "suppressed" in italics, the methods say how it was federated; LibreOffice opens it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document

from mscohort.definition import load_definition
from mscohort_federated.output import SECTIONS, cell_text, write_result
from mscohort_federated.report_docx import write_docx

from .conftest import SEED, Network


@pytest.fixture(scope="module")
def docx_path(seed_network: Network, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("docx")
    return write_docx(seed_network.result, load_definition(SEED / "study.toml"),
                      folder / "report.docx")


def test_every_section_with_rows_is_a_table_of_the_printed_cells(
        seed_network: Network, docx_path: Path) -> None:
    doc = Document(str(docx_path))
    expected = [(title, columns, seed_network.result[key]) for title, key, columns in SECTIONS
                if seed_network.result.get(key)]
    assert len(doc.tables) == len(expected) >= 15
    for table, (title, columns, rows) in zip(doc.tables, expected, strict=True):
        cells = [[c.text for c in r.cells] for r in table.rows]
        assert cells[0] == list(columns), title
        assert cells[1:] == [[cell_text(r.get(c)) for c in columns] for r in rows], title
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings[:len(expected)] == [t for t, _, _ in expected]
    assert headings[-1] == "Methods"


def test_suppressed_cells_read_suppressed_in_italics(seed_network: Network,
                                                     docx_path: Path) -> None:
    doc = Document(str(docx_path))
    marked = [c for t in doc.tables for r in t.rows[1:] for c in r.cells
              if c.text == "suppressed"]
    printed = sum(1 for _, key, columns in SECTIONS for r in seed_network.result.get(key) or []
                  for c in columns if cell_text(r.get(c)) == "suppressed")
    assert marked and len(marked) == printed
    assert all(run.italic for c in marked for run in c.paragraphs[0].runs)


def test_title_centres_and_methods_of_the_federated_run(seed_network: Network,
                                                        docx_path: Path) -> None:
    doc = Document(str(docx_path))
    text = "\n".join(p.text for p in doc.paragraphs)
    name = load_definition(SEED / "study.toml").name
    assert doc.paragraphs[0].text == f"{name} (federated)"
    assert doc.core_properties.title == f"{name} (federated)"
    for centre in seed_network.result["centres"]:
        assert centre in text
    assert "federated over 3 centres" in text and "Minimum cell size 5" in text


def test_write_result_writes_the_word_report(seed_network: Network, tmp_path: Path) -> None:
    written = write_result(seed_network.result, load_definition(SEED / "study.toml"),
                           tmp_path / "out")
    assert tmp_path / "out" / "report.docx" in written
    assert len(Document(str(tmp_path / "out" / "report.docx")).tables) >= 15


def test_libreoffice_opens_the_word_report(docx_path: Path, tmp_path: Path) -> None:
    """Converted to text by LibreOffice headless (as the core report tests render Word)."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice not installed (apt-get install libreoffice-writer-nogui)")
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'lo'}", "--headless",
                    "--convert-to", "txt:Text", "--outdir", str(tmp_path), str(docx_path)],
                   check=True, capture_output=True, timeout=600)
    text = (tmp_path / "report.txt").read_text(encoding="utf-8-sig")
    assert "(federated)" in text and "suppressed" in text and "Methods" in text

"""Read a PDF's pages back as positioned lines of text and drawn images (pdfminer.six), for
the layout tests of the Word report rendered by LibreOffice."""

from __future__ import annotations

import os
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pytest

Box = tuple[float, float, float, float]  #: x0, y0, x1, y1 in points from the lower left


@dataclass
class Page:
    number: int
    width: float
    height: float
    #: every line of text: its box and its text (non-breaking hyphens and spaces as typed)
    lines: list[tuple[Box, str]] = field(default_factory=list)
    #: the box of every image drawn on the page, in drawing order
    images: list[Box] = field(default_factory=list)

    @property
    def landscape(self) -> bool:
        return self.width > self.height

    def words(self) -> set[str]:
        return {w for _, t in self.lines for w in t.split()}


def normalise(text: str) -> str:
    """PDF text as typed: ligatures ("ﬁ") as letters (NFKC), the non-breaking hyphen and
    space as "-" and " "."""
    return unicodedata.normalize("NFKC", text).replace("\u2011", "-").strip()


def read_pages(pdf: Path) -> list[Page]:
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTFigure, LTImage, LTTextLine

    # a small char_margin keeps table cells side by side on one height apart
    params = LAParams(char_margin=0.5, line_margin=0.1)
    pages = []
    for number, layout in enumerate(extract_pages(pdf, laparams=params), 1):
        page = Page(number, layout.width, layout.height)

        def walk(obj: object, page: Page = page) -> None:
            for child in obj:  # type: ignore[attr-defined]
                if isinstance(child, LTTextLine):
                    if child.get_text().strip():
                        page.lines.append((child.bbox, normalise(child.get_text())))
                elif isinstance(child, LTFigure | LTImage):
                    page.images.append(child.bbox)
                elif hasattr(child, "__iter__"):
                    walk(child)

        walk(layout)
        pages.append(page)
    return pages


def render_pdf(docx: Path) -> Path:
    """``docx`` converted to PDF by LibreOffice headless (Debian libreoffice-writer-nogui)."""
    soffice = shutil.which("soffice")
    if soffice is None:
        if os.environ.get("MSCOHORT_REQUIRE_OFFICE") == "1":
            pytest.fail("LibreOffice is required (MSCOHORT_REQUIRE_OFFICE=1) but not "
                        "installed: apt-get install libreoffice-writer-nogui")
        pytest.skip("LibreOffice not installed (apt-get install libreoffice-writer-nogui); "
                    ".ci/run installs it")
    profile = docx.parent / "lo-profile"
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(docx.parent), str(docx)],
                   check=True, capture_output=True, timeout=600)
    return docx.with_suffix(".pdf")

"""The federated HTML report: every section's table holds the result's rows as printed,
suppressed cells are marked, and text is escaped (parsed with the standard library's
``html.parser``)."""

from __future__ import annotations

from html.parser import HTMLParser

from mscohort.definition import load_definition
from mscohort_federated.output import SECTIONS, cell_text
from mscohort_federated.report_html import html_report

from .conftest import SEED, Network


class Tables(HTMLParser):
    """Each <section id>'s table as header cells and body rows; <td> classes; the title."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: dict[str, dict[str, list]] = {}
        self.current: str | None = None
        self.cell: list[str] | None = None
        self.row: list[str] | None = None
        self.classes: list[tuple[str, str | None]] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "section":
            self.current = a["id"]
            self.sections[self.current] = {"head": [], "rows": []}
        elif tag == "tr":
            self.row = []
        elif tag in ("td", "th"):
            self.cell = []
            if tag == "td":
                self.classes.append((self.current, a.get("class")))
        elif tag == "title":
            self._in_title = True

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)
        if self._in_title:
            self.title += data

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row.append("".join(self.cell))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            part = self.sections[self.current]  # type: ignore[index]
            if not part["head"]:
                part["head"] = self.row
            else:
                part["rows"].append(self.row)
            self.row = None
        elif tag == "title":
            self._in_title = False


def test_every_section_table_holds_the_result_rows(seed_network: Network) -> None:
    d = load_definition(SEED / "study.toml")
    parser = Tables()
    parser.feed(html_report(seed_network.result, d))
    assert parser.title == f"{d.name} (federated)"
    shown = 0
    for _title, key, columns in SECTIONS:
        rows = seed_network.result[key]
        section = parser.sections[key.replace("_", "-")]
        if not rows:
            assert section["rows"] == []
            continue
        assert section["head"] == list(columns)
        assert section["rows"] == [[cell_text(r.get(c)) for c in columns] for r in rows]
        shown += len(rows)
    assert shown > 50 and "methods" in parser.sections
    marked = [c for _s, c in parser.classes if c == "suppressed"]
    suppressed = sum(1 for _t, key, columns in SECTIONS for r in seed_network.result[key]
                     for c in columns if r.get(c) == "suppressed")
    assert marked and len(marked) == suppressed


def test_text_in_the_result_is_escaped(seed_network: Network) -> None:
    d = load_definition(SEED / "study.toml")
    result = seed_network.result | {"centres": ["<script>alert(1)</script>", "B & C"]}
    page = html_report(result, d)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "B &amp; C" in page

"""The study definition without TOML: the form is prefilled from a definition, checked by
the same parser as a file (every error at once, next to its field), downloaded as a TOML
that load_definition reads back to the same definition, and saved for the cohort page."""

from __future__ import annotations

import dataclasses
import html
import re
import tomllib
from pathlib import Path

from mscohort.definition import load_definition, parse_definition
from mscohort.definition.keys import KEYS
from mscohort.web.definition_form import FIELDS
from mscohort.web.workspace import SEED
from tests.web.conftest import csrf
from tests.web.test_web_pages import load_seed


def _fields(page: str) -> dict[str, str]:
    """Every field of the definition form as the browser would send it."""
    out: dict[str, str] = {}
    for name, value in re.findall(r'<input type="(?:text|hidden)" id="[^"]+" name="([^"]+)" '
                                  r'value="([^"]*)"', page):
        out[name] = html.unescape(value)
    for name, body in re.findall(r'<select id="[^"]+" name="([^"]+)">(.*?)</select>', page,
                                 re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        out[name] = html.unescape(chosen.group(1)) if chosen else ""
    for name, text in re.findall(r'<textarea id="[^"]+" name="([^"]+)"[^>]*>(.*?)</textarea>',
                                 page, re.S):
        out[name] = html.unescape(text)
    for name, checked in re.findall(r'<input type="checkbox" id="[^"]+" name="([^"]+)" '
                                    r'value="on"( checked)?>', page):
        if checked:
            out[name] = "on"
    out["base"] = re.search(r'name="base" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    return out


def test_every_field_of_the_form_is_a_key_of_the_definition() -> None:
    assert {f.path for f in FIELDS} <= {k.path for k in KEYS} | {"timepoints"}
    assert len({f.path for f in FIELDS}) == len(FIELDS)


def test_the_form_is_prefilled_from_the_seed_definition(client) -> None:
    page = client.get("/definition").get_data(as_text=True)
    f = _fields(page)
    assert f["study__name"] == "Alemtuzumab in treatment-refractory MS (Phase I interim)"
    assert f["index__drug"] == "alemtuzumab" and f["index__date"] == "first_infusion"
    assert f["baseline__window_days"] == "365" and f["prior_treatment__window_days"] == "730.5"
    assert f["follow_up__unit"] == "lunar_month" and f["follow_up__lunar_month"] == "28_days"
    assert f["prior_treatment__groups"].splitlines() == [
        "IFN-GA = interferon beta, glatiramer acetate", "FTY = fingolimod", "NAT = natalizumab"]
    assert f["timepoints"].splitlines() == ["12 months | 365 | 90",
                                            "more than 12 months | after | 365"]
    assert f["relapses__exclude_regular_corticosteroids"] == "on"
    assert f["events__preset"] == "msprog" and f["analysis__primary"] == "edss_change"
    assert f["base"] == "seed"


def test_every_wrong_field_is_shown_next_to_it_and_nothing_is_saved(client, app) -> None:
    ws = app.extensions["mscohort"]["workspace"]
    before = ws.definitions()
    form = _fields(client.get("/definition").get_data(as_text=True)) | {
        "index__drug": "aspirin", "baseline__window_days": "-3", "follow_up__unit": "weeks",
        "follow_up__end": "cutoff", "timepoints": "12 months | 365 | 90\nnonsense",
        "events__preset": "kappos", "analysis__primary": "edss_change_24_months",
        "save_as": "mine", "action": "save", "csrf_token": csrf(client, "/definition")}
    r = client.post("/definition", data=form)
    assert r.status_code == 400
    page = html.unescape(r.get_data(as_text=True))

    def errors(name: str) -> str:
        m = re.search(rf'<ul class="field-errors" id="errors-{name}">(.*?)</ul>', page, re.S)
        assert m, f"no errors shown next to {name}"
        return m.group(1)

    assert "index.drug` must be a drug of the vocabulary" in errors("index__drug")
    assert "baseline.window_days` must be a number of days >= 0; got -3" in errors(
        "baseline__window_days")
    assert "follow_up.unit` must be one of lunar_month, month, year, day; got 'weeks'" in \
        errors("follow_up__unit")
    assert "follow_up.cutoff_date` must be given when follow_up.end" in errors(
        "follow_up__cutoff_date")
    assert "timepoints line 2` must be 'name | days | window_days'" in errors("timepoints")
    assert "events.preset` must be one of" in errors("events__preset")
    assert "analysis.primary` must be one of edss_change, msss_change, arr_change, " \
        "edss_change_12_months; got 'edss_change_24_months'" in errors("analysis__primary")
    assert "7 error(s)" in page and "nothing was saved" in page
    assert 'value="aspirin"' in page  # what the user typed stays in the form
    assert ws.definitions() == before


def test_the_downloaded_toml_reads_back_to_the_same_definition(client, tmp_path: Path
                                                               ) -> None:
    form = _fields(client.get("/definition").get_data(as_text=True)) | {
        "baseline__window_days": "180", "follow_up__unit": "month",
        "prior_treatment__groups": "IFN-GA = interferon beta, glatiramer acetate\n"
                                   "S1P = fingolimod",
        "timepoints": "12 months | 365 | 90\n2 years | 730 | 60",
        "analysis__primary": "edss_change_2_years", "relapses__truncate_at_onset": "",
        "save_as": "", "action": "download", "csrf_token": csrf(client, "/definition")}
    r = client.post("/definition", data=form)
    assert r.status_code == 200
    assert r.headers["Content-Disposition"] == "attachment; filename=study.toml"
    (tmp_path / "d.toml").write_bytes(r.data)
    got = load_definition(tmp_path / "d.toml")

    seed = tomllib.loads((SEED / "study.toml").read_text("utf-8"))  # the expected document
    seed["baseline"]["window_days"] = 180
    seed["follow_up"]["unit"] = "month"
    seed["prior_treatment"]["groups"] = {"IFN-GA": ["interferon beta", "glatiramer acetate"],
                                         "S1P": ["fingolimod"]}
    seed["timepoints"] = [{"name": "12 months", "days": 365, "window_days": 90},
                          {"name": "2 years", "days": 730, "window_days": 60}]
    seed["analysis"] = {"primary": "edss_change_2_years"}
    seed["relapses"]["truncate_at_onset"] = False
    expected = parse_definition(seed, "expected")
    assert dataclasses.replace(got, source="expected") == expected
    assert got.unit_days == 30.4375 and got.eligibility == load_definition(
        SEED / "study.toml").eligibility  # keys the form does not show are kept


def test_a_saved_definition_is_used_on_the_cohort_page(client, app) -> None:
    load_seed(client)
    ws = app.extensions["mscohort"]["workspace"]
    token = csrf(client, "/definition")
    form = _fields(client.get("/definition").get_data(as_text=True)) | {
        "follow_up__unit": "year", "save_as": "in-years", "action": "save",
        "csrf_token": token}
    r = client.post("/definition", data=form)
    assert r.status_code == 302 and r.location.endswith("/cohort?definition=in-years")
    assert ws.definition("in-years")[0].unit == "year"
    page = client.get(r.location).get_data(as_text=True)
    assert '<option value="in-years" selected>' in page
    assert "saved and used for the analysis" in page

    again = client.post("/definition", data=form | {"follow_up__unit": "day"})
    assert again.status_code == 400
    assert "exists already" in html.unescape(again.get_data(as_text=True))
    assert ws.definition("in-years")[0].unit == "year"  # never overwritten
    assert [p.name for p in ws.definitions_dir.iterdir() if p.suffix != ".toml"] == []
    bad = client.post("/definition", data=form | {"save_as": "../seed"})
    assert bad.status_code == 400 and "letters, digits" in bad.get_data(as_text=True)
    opened = _fields(client.get("/definition?from=in-years").get_data(as_text=True))
    assert opened["follow_up__unit"] == "year" and opened["base"] == "in-years"


def test_the_form_needs_its_csrf_token(client, app) -> None:
    form = _fields(client.get("/definition").get_data(as_text=True)) | {
        "save_as": "x", "action": "save"}
    r = client.post("/definition", data=form)
    assert r.status_code == 400 and "security token" in r.get_data(as_text=True)
    assert "x" not in app.extensions["mscohort"]["workspace"].definitions()


def test_a_section_the_form_does_not_show_can_be_left_out(client, app) -> None:
    # the seed's [eligibility] kept into a clinic's own definition screened every clinic
    # patient against the seed's arms (coordinator review): the form lists each kept section
    # with a "leave out" box, unticked by default
    load_seed(client)
    ws = app.extensions["mscohort"]["workspace"]
    page = client.get("/definition").get_data(as_text=True)
    seed = tomllib.loads((SEED / "study.toml").read_text("utf-8"))
    shown = {f.section for f in FIELDS}
    kept = [k for k in seed if k not in shown]
    assert "eligibility" in kept and "subgroups" in kept
    for section in kept:
        assert f'name="drop__{section}" value="on">' in page  # unticked
    form = _fields(page) | {"drop__eligibility": "on", "save_as": "clinic", "action": "save",
                            "csrf_token": csrf(client, "/definition")}
    r = client.post("/definition", data=form)
    assert r.status_code == 302, r.get_data(as_text=True)
    saved = tomllib.loads((ws.definitions_dir / "clinic.toml").read_text("utf-8"))
    assert "eligibility" not in saved
    assert saved["subgroups"] == seed["subgroups"] and saved["msss"] == seed["msss"]
    assert ws.definition("clinic")[0].eligibility is None or not ws.definition(
        "clinic")[0].eligibility
    # not ticked: kept, as before
    form = _fields(client.get("/definition").get_data(as_text=True)) | {
        "save_as": "kept", "action": "save", "csrf_token": csrf(client, "/definition")}
    assert client.post("/definition", data=form).status_code == 302
    assert ws.definition("kept")[0].eligibility == load_definition(
        SEED / "study.toml").eligibility

"""The cohort page's size stays bounded at registry scale (issue #23: "never a multi-MB
page"): figures of a large cohort draw a stated, seeded sample of per-patient marks
(report/large_cohort.py), while a small cohort keeps a tooltip for every patient."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from mscohort.analyse.study import analyse_study
from mscohort.definition import load_definition
from mscohort.ingest import read_study
from mscohort.report.drawing import MAX_LINES, SAMPLE_SEED
from mscohort.report.figures import arr_pairs, msss_change
from mscohort.validate import load_study
from mscohort.web import WebConfig, create_app
from mscohort.web.workspace import SEED
from tests.web.conftest import JobFollowingClient, shutdown_jobs
from tests.web.test_web_pages import load_seed

#: The bound of the page at any cohort size (issue #23; docs/web.md "Page sizes").
MAX_PAGE_BYTES = 1_500_000
N_PATIENTS = 20_000


def tooltips(page: str) -> dict[str, object]:
    text = re.search(r'id="mscohort-tooltips">(.*?)</script>', page, re.S)
    assert text is not None
    return json.loads(text.group(1))


@pytest.fixture(scope="module")
def large_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlaskClient]:
    """The app on a store of 20,000 synthetic patients made by the command line, once."""
    work = tmp_path_factory.mktemp("cohort20k")
    exe = str(Path(sys.executable).with_name("mscohort"))
    ws = work / "ws"
    ws.mkdir()
    for args in (["synth", "--patients", str(N_PATIENTS), "--out", str(work / "synth"),
                  "--seed", "1"],
                 ["import", str(work / "synth"), "--db", str(ws / "study.duckdb"), "--by",
                  "test", "--as-of", "2026-01-01"]):
        subprocess.run([exe, *args], check=True, stdout=subprocess.DEVNULL,
                       env=os.environ | {"COLUMNS": "120"})
    app = create_app(WebConfig(ws))
    app.test_client_class = JobFollowingClient
    yield app.test_client()
    shutdown_jobs(app)


@pytest.mark.slow
def test_cohort_page_of_20000_patients_is_under_the_bound_with_sampling_stated(
        large_client: FlaskClient) -> None:
    r = large_client.get("/cohort")
    assert r.status_code == 200
    assert len(r.data) < MAX_PAGE_BYTES, f"the cohort page is {len(r.data):,} bytes"
    page = r.get_data(as_text=True)
    # the sampled figures state their sample on the panel
    assert page.count(f"at random (seed {SAMPLE_SEED})") >= 3
    # no figure carries a tooltip per patient of the cohort
    for gid, text in tooltips(page).items():
        assert not isinstance(text, list) or len(text) <= MAX_LINES, gid


def test_cohort_page_of_a_small_cohort_keeps_a_tooltip_per_patient(
        client: FlaskClient) -> None:
    load_seed(client)
    page = client.get("/cohort").get_data(as_text=True)
    tips = tooltips(page)
    a = analyse_study(load_study(read_study(SEED)), load_definition(SEED / "study.toml"))
    for figure in (msss_change(a), arr_pairs(a)):
        patients = next(iter(figure.frames.values()))["patient_id"].to_list()
        shown = [text.split(":", 1)[0] for gid, texts in tips.items()
                 if gid.startswith(f"{figure.key}-") and isinstance(texts, list)
                 for text in texts]
        assert sorted(shown) == sorted(patients) and patients, figure.key
    assert f"at random (seed {SAMPLE_SEED})" not in page

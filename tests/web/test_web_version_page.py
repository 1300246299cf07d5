"""The store version page at registry scale (issue #23): the patients a version wrote are
counted in DuckDB and shown a page at a time, sorted on the server."""

from __future__ import annotations

import re

from mscohort.store import import_folder
from mscohort.synthetic import make_synthetic_cohort, write_study_folder
from mscohort.web.paging import PAGE_SIZE
from tests.conftest import AS_OF


def test_a_first_import_of_many_patients_is_listed_a_page_at_a_time(
        client, app, tmp_path) -> None:
    n = PAGE_SIZE + 50
    cohort = make_synthetic_cohort(n, seed=11)
    write_study_folder(cohort, tmp_path / "s")
    import_folder(tmp_path / "s", app.extensions["mscohort"]["workspace"].db, as_of=AS_OF)
    first = client.get("/versions/1").get_data(as_text=True)
    assert f"Rows 1 to {PAGE_SIZE} of {n}" in first and "Page 1 of 2" in first
    records = sum(cohort.n_rows().values())
    assert f"{records} added, 0 changed, 0 retracted" in first
    # every patient was added, none changed: ties in patient order, the first page first
    shown = re.findall(r'href="/patient/history\?id=(S\d+)"', first)
    assert shown == [f"S{i:07d}" for i in range(PAGE_SIZE)]
    # the row of S0000000 counts its records of every table (hand count from the cohort)
    s0 = sum(t.filter(t["patient_id"] == "S0000000").height
             for t in (cohort.table(name) for name in cohort.tables))
    assert (f'<td><a href="/patient/history?id=S0000000">S0000000</a></td><td>{s0}</td>'
            "<td>0</td><td>0</td>") in first
    second = client.get("/versions/1?patients_page=2").get_data(as_text=True)
    assert f"Rows {PAGE_SIZE + 1} to {n} of {n}" in second and "Page 2 of 2" in second
    assert 'href="/versions/1?' in second  # the pager's links keep the version
    by_count = client.get("/versions/1?patients_sort=added&patients_desc=1").get_data(
        as_text=True)
    most = max(cohort.edss.group_by("patient_id").len()["len"])  # at least the EDSS rows
    counts = [int(c) for c in re.findall(
        r'</a></td><td>(\d+)</td><td>0</td><td>0</td>', by_count)]
    assert counts == sorted(counts, reverse=True) and counts[0] >= most
    assert client.get("/versions/1?patients_q=S0000007").get_data(as_text=True).count(
        'href="/patient/history?id=') == 1

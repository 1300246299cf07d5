"""The estimates table of the federated run equals the pooled analysis' ``estimates``
(:func:`mscohort.analyse.estimates.study_estimates`) to 1e-9 (medians exactly), or says
"suppressed" exactly where some centre has 1 to 4 patients in the row's population."""

from __future__ import annotations

import polars as pl

from mscohort.analyse.rates import relapse_population
from mscohort.stratify.splits import analysed

from .conftest import Network
from .test_pooled_equality import close


def _population(measure: str, out: pl.DataFrame) -> pl.DataFrame:
    if measure.startswith("ARR"):
        return out.filter(relapse_population())
    if measure.startswith("free of"):
        return out.filter(pl.col("time_to_cdw_days").is_not_null())
    return out.filter(analysed(out))


def _expected_suppressed(net: Network, measure: str) -> bool:
    for out in net.centres:
        pop = _population(measure, out)
        if 0 < pop.height < 5:
            return True
        if "proportion" in measure:
            counts = pop["change_category"].value_counts()["count"].to_list()
            if any(0 < n < 5 for n in counts):
                return True
        for column in ("edss_change", "msss_change"):
            if measure.startswith(("EDSS change", "MSSS change")) and column.startswith(
                    measure[:4].lower()):
                n = pop[column].drop_nulls().drop_nans().len()
                if 0 < n < 5:
                    return True
    return False


def test_estimates_equal_the_pooled_analysis_or_are_suppressed(net: Network) -> None:
    fed = net.result["estimates"]
    pooled = net.pooled.estimates.to_dicts()
    assert [r["measure"] for r in fed] == [r["measure"] for r in pooled]
    compared = 0
    for got, want in zip(fed, pooled, strict=True):
        if got["status"] == "suppressed":
            assert _expected_suppressed(net, want["measure"]), want["measure"]
            assert got["estimate"] is None and got["note"] == "suppressed"
            continue
        assert not _expected_suppressed(net, want["measure"]), want["measure"]
        assert got["method"] == want["method"] and got["note"] == want["note"], (got, want)
        assert got["n"] == want["n"], (got, want)
        for key in ("estimate", "ci_low", "ci_high"):
            assert close(got[key], want[key]), (want["measure"], key, got[key], want[key])
        compared += 1
    assert compared >= 4

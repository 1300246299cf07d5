"""``Study.table`` sorts a table once (issue #23: the analysis reads the 4-million-row EDSS
table dozens of times) and never serves a stale view when a table is replaced."""

from __future__ import annotations

import polars as pl
from polars.testing import assert_frame_equal

from mscohort.schema import TABLES
from mscohort.study import Study
from mscohort.synthetic import make_synthetic_cohort


def test_table_is_the_sorted_stored_columns_and_is_made_once() -> None:
    study = make_synthetic_cohort(200, seed=5)
    shuffled = Study({name: frame.sample(fraction=1.0, shuffle=True, seed=5)
                      for name, frame in study.tables.items()})
    for name in shuffled.tables:
        spec = TABLES[name]
        want = shuffled.tables[name].select(spec.stored_columns).sort(spec.key, nulls_last=True)
        first = shuffled.table(name)
        assert_frame_equal(first, want)
        assert shuffled.table(name) is first  # the same view, not a second sort


def test_a_replaced_table_is_sorted_again() -> None:
    study = make_synthetic_cohort(50, seed=6)
    before = study.table("edss")
    study.tables["edss"] = study.tables["edss"].filter(pl.col("edss") > 3)
    after = study.table("edss")
    assert after.height < before.height
    assert_frame_equal(after, study.tables["edss"].select(TABLES["edss"].stored_columns)
                       .sort(TABLES["edss"].key, nulls_last=True))

"""Contrasts that are the same test: two splits that put the same patients in the same groups.

Two exclusive splits *coincide* for a change measure when they partition the patients
entering that measure's contrasts (the analysed patients in a group with the change, the
baseline value and the follow-up length, as :func:`mscohort.analyse.contrasts.split_contrasts`
takes them) identically: the same members in the same groups, whatever the groups are
called (in the bundled example, the follow-up cohorts and the ALE-naive / ALE-experienced
cohorts are the same 30/30 partition). A contrast of a coinciding split is then computed on
the same data as the one of the first split, with the same model: it is the same test of
the same hypothesis, and a family of tests counts it once (Holm 1979 controls the
family-wise error over the distinct hypotheses; a duplicate would only inflate m).

:func:`mark_same_tests` adds two columns to the contrast table:

* ``test_id``: one number per distinct test (measure, adjustment, the two groups' members
  and the partition the model is fitted on); the rows of the same test share it;
* ``same_test_as``: on a row that repeats a test, the split of the row it repeats (its
  groups are the ones with the same members); null on the first row of a test.

Whether two splits coincide is read from the cross-classification of the patients' groups:
the partitions are equal when the same patients are grouped by both and every pair of
labels that occurs is one-to-one (as many distinct label pairs as labels in each split).
"""

from __future__ import annotations

import polars as pl

from mscohort.stratify.splits import Split


def measure_patients(change: str, baseline: str) -> pl.Expr:
    """The patients entering a measure's contrasts (:func:`split_contrasts`' filter)."""
    return (pl.col(change).is_not_null() & pl.col(baseline).is_not_null()
            & pl.col("followup_days").is_not_null())


def _labels(outcomes: pl.DataFrame, split: Split, entering: pl.Series) -> pl.Series:
    """Each row's group in an exclusive split, null outside the split or the measure."""
    expr: pl.Expr = pl.lit(None, pl.String)
    for g, mask in reversed(split.groups.items()):
        expr = pl.when(pl.lit(mask & entering)).then(pl.lit(g)).otherwise(expr)
    return outcomes.select(expr.alias("g")).to_series()


def label_map(a: pl.Series, b: pl.Series) -> dict[str, str] | None:
    """The one-to-one map from ``b``'s groups to ``a``'s when both group the same rows
    into the same groups; None when they do not."""
    if not a.is_null().equals(b.is_null()):
        return None
    pairs = pl.DataFrame({"a": a, "b": b}).drop_nulls().unique()
    if pairs.height == 0:
        return None
    if pairs["a"].n_unique() != pairs.height or pairs["b"].n_unique() != pairs.height:
        return None
    return dict(zip(pairs["b"].to_list(), pairs["a"].to_list(), strict=True))


def coinciding(outcomes: pl.DataFrame, splits: list[Split], change: str, baseline: str
               ) -> dict[str, tuple[str, dict[str, str]]]:
    """For each exclusive split that coincides with an earlier one for this measure: the
    earliest such split and the map of its group labels to that split's."""
    entering = outcomes.select(measure_patients(change, baseline)).to_series()
    exclusive = [s for s in splits if s.exclusive and s.groups]
    labels = {s.name: _labels(outcomes, s, entering) for s in exclusive}
    out: dict[str, tuple[str, dict[str, str]]] = {}
    for i, later in enumerate(exclusive):
        for first in exclusive[:i]:
            if first.name in out:  # compare with the first of its kind only
                continue
            mapping = label_map(labels[first.name], labels[later.name])
            if mapping is not None:
                out[later.name] = (first.name, mapping)
                break
    return out


def mark_same_tests(table: pl.DataFrame, outcomes: pl.DataFrame, splits: list[Split],
                    measures: list[tuple[str, str, str]]) -> pl.DataFrame:
    """``table`` (the contrast table) with ``test_id`` and ``same_test_as`` (module notes)."""
    maps = {label: coinciding(outcomes, splits, change, baseline)
            for change, baseline, label in measures}
    ids: dict[tuple[str, str, str, frozenset[str]], int] = {}
    test_id, same = [], []
    for r in table.iter_rows(named=True):
        split, pair = r["split"], frozenset((r["group"], r["reference"]))
        first = maps.get(r["measure"], {}).get(split)
        if first is not None:
            split, mapping = first[0], first[1]
            pair = frozenset(mapping[g] for g in pair)
        key = (split, r["measure"], r["adjustment"], pair)
        test_id.append(ids.setdefault(key, len(ids)))
        same.append(split if split != r["split"] else None)
    return table.with_columns(pl.Series("test_id", test_id, pl.Int64),
                              pl.Series("same_test_as", same, pl.String))


def coinciding_note(table: pl.DataFrame) -> str | None:
    """The report's sentence naming the splits whose contrasts repeat another split's."""
    if "same_test_as" not in table.columns:
        return None
    pairs = (table.filter(pl.col("same_test_as").is_not_null())
             .select("split", "same_test_as").unique(maintain_order=True))
    if pairs.height == 0:
        return None
    named = "; ".join(f"{r['split']} and {r['same_test_as']}"
                      for r in pairs.iter_rows(named=True))
    return (f"Coinciding splits ({named}): they put the same patients in the same groups, so "
            "their contrasts are the same tests; each is counted once in its Holm family and "
            "the second row has the first's adjusted p.")

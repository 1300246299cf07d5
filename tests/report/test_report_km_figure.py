"""The Kaplan-Meier figure read back from its matplotlib artists: the numbers at risk under the
axis and the 95% band against lifelines (``KaplanMeierFitter``), on a seeded cohort."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from mscohort.analyse.survival import kaplan_meier
from mscohort.report.figures import FigureData, at_risk
from mscohort.report.sections import draw


def _cohort() -> pl.DataFrame:
    rng = np.random.default_rng(22)
    parts = []
    for group, n, scale in (("long-term", 40, 30.0), ("short-term", 25, 18.0)):
        event_time = rng.exponential(scale, n).round(1)
        censor = rng.uniform(5.0, 60.0, n).round(1)
        parts.append(pl.DataFrame({"group": [group] * n,
                                   "time": np.minimum(event_time, censor),
                                   "event": event_time <= censor}))
    return pl.concat(parts)


def _figure(cohort: pl.DataFrame) -> FigureData:
    curves = pl.concat([kaplan_meier(p["time"].to_numpy(), p["event"].to_numpy())
                        .with_columns(pl.lit(g).alias("group"))
                        for (g,), p in cohort.group_by("group", maintain_order=True)])
    censored = cohort.filter(~pl.col("event")).select("group", "time")
    return FigureData("km_cdw", "KM", "", {"curves": curves, "censored": censored,
                                           "at_risk": at_risk(cohort.select("group", "time"))},
                      "months", "free of worsening")


def test_km_numbers_at_risk_drawn_equal_the_lifelines_risk_sets() -> None:
    from lifelines import KaplanMeierFitter

    cohort = _cohort()
    drawn = draw(_figure(cohort))
    table = drawn.figure.axes[1]
    drawn_counts: dict[tuple[int, float], int] = {}
    for text in table.texts:
        row = int(text.get_gid().rsplit("-", 1)[1])
        x, y = text.get_position()
        assert y == row
        drawn_counts[(row, x)] = int(text.get_text())
    ticks = sorted({x for _, x in drawn_counts})
    assert ticks[0] == 0.0 and len(ticks) >= 4
    assert list(drawn.figure.axes[0].get_xticks()) == ticks  # the counts sit under the ticks
    for row, (group, part) in enumerate(cohort.group_by("group", maintain_order=True)):
        kmf = KaplanMeierFitter().fit(part["time"].to_numpy(), part["event"].to_numpy())
        table_ = kmf.event_table  # at_risk: at risk just before each time; removed: leaving
        for t in ticks:
            upto = table_.loc[:t]
            # the risk set at t: at risk at t when t is a time of the table, else those still
            # at risk after the last time before t (lifelines' add_at_risk_counts)
            expected = int(upto["at_risk"].iloc[-1]
                           - (0 if upto.index[-1] == t else upto["removed"].iloc[-1]))
            assert drawn_counts[(row, t)] == expected, (group, t)
        assert [t.get_text() for t in table.get_yticklabels()][row] == group[0]


def test_km_band_drawn_is_the_lifelines_log_log_interval() -> None:
    from lifelines import KaplanMeierFitter

    cohort = _cohort()
    drawn = draw(_figure(cohort))
    ax = drawn.figure.axes[0]
    for i, (_, part) in enumerate(cohort.group_by("group", maintain_order=True)):
        (band,) = [c for c in ax.collections if c.get_gid() == f"km_cdw-band-{i}"]
        vertices = band.get_paths()[0].vertices
        kmf = KaplanMeierFitter().fit(part["time"].to_numpy(), part["event"].to_numpy())
        ci = kmf.confidence_interval_survival_function_  # exponential Greenwood (log-log)
        events = sorted(set(part.filter(pl.col("event"))["time"].to_list()))
        for t in events:
            low, high = ci.loc[t].to_numpy()
            if kmf.survival_function_.loc[t].iloc[0] == 0.0:
                continue  # S = 0: no interval
            ys = vertices[np.isclose(vertices[:, 0], t, atol=0), 1]
            assert np.any(np.isclose(ys, low, atol=1e-6)), t
            assert np.any(np.isclose(ys, high, atol=1e-6)), t


def test_km_without_numbers_at_risk_draws_one_panel() -> None:
    cohort = _cohort()
    data = _figure(cohort)
    frames = {k: v for k, v in data.frames.items() if k != "at_risk"}
    drawn = draw(FigureData("km_cdw", "KM", "", frames))
    assert len(drawn.figure.axes) == 1
    assert pytest.approx(drawn.figure.axes[0].get_lines()[0].get_ydata()[0]) == 1.0


def test_forest_values_printed_beside_the_rows_equal_the_within_group_table(toy) -> None:
    from mscohort.report.figures import forest
    from mscohort.report.reviewer_tables import within_group_table

    _, analysis = toy
    data = forest(analysis)
    drawn = draw(data)
    texts = {t.get_gid(): t.get_text() for ax in drawn.figure.axes for t in ax.texts
             if (t.get_gid() or "").startswith("forest-value-")}
    rows = data.frames["rows"]
    assert len(texts) == rows.height
    table = within_group_table(analysis)
    cells = {(r[0], r[1], r[2]): r[4] for r in table.rows}
    matched = 0
    for r in rows.iter_rows(named=True):
        key = (r["table"].removeprefix("Outcome by "), r["group"], r["measure"])
        text = texts[f"forest-value-{r['measure']}-{r['table']}-{r['group']}"]
        if key in cells:
            assert text == cells[key], key
            matched += 1
    assert matched >= rows.height // 2


def test_forest_rows_are_told_apart_by_their_table_heading_not_by_colour(toy) -> None:
    from mscohort.report.figures import forest

    _, analysis = toy
    drawn = draw(forest(analysis))
    labels = [(t.get_text(), t.get_fontweight()) for t in drawn.figure.axes[0].get_yticklabels()]
    paths, heading = [], None
    for text, weight in labels:
        if weight == "bold":
            heading = text
        else:
            paths.append((heading, text.strip()))
    assert heading is not None and len(paths) == len(set(paths))
    assert not drawn.figure.legends  # no colour legend to decode

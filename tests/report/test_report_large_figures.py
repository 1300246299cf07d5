"""Figures of a 20,000-patient cohort read back from their artists: the trajectories as a
density of every assessment with a stated, seeded sample of lines; the waterfall keeps its
hatching (report/drawing.py, report/plots.py; docs/report.md "Large cohorts")."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from matplotlib.collections import LineCollection, PolyCollection

from mscohort.report.drawing import MAX_LINES, SAMPLE_SEED
from mscohort.report.figures import FigureData
from mscohort.report.plots import CATEGORY_STYLE
from mscohort.report.sections import draw

N = 20_000
VISITS = 4


@pytest.fixture(scope="module")
def cohort() -> pl.DataFrame:
    """20,000 synthetic patients (seeded), 4 assessments each, in two groups."""
    rng = np.random.default_rng(2026)
    ids = np.repeat([f"P{i:05d}" for i in range(N)], VISITS)
    time = np.tile(np.arange(VISITS, dtype=float), N) + rng.uniform(0, 0.2, N * VISITS)
    edss = np.clip(np.round(rng.normal(3.5, 1.5, N * VISITS) * 2) / 2, 0, 9.5)
    group = np.repeat(np.where(np.arange(N) < N // 2, "long-term", "short-term"), VISITS)
    return pl.DataFrame({"group": group, "patient_id": ids, "time": time, "edss": edss})


def test_trajectories_of_20000_patients_are_a_density_and_a_stated_sample(cohort) -> None:
    means = (cohort.group_by("group", maintain_order=True)
             .agg(pl.lit(0).alias("bin"), pl.col("edss").mean().alias("mean_edss"),
                  pl.len().alias("n_patients"), pl.lit(0.0).alias("time")))
    drawn = draw(FigureData("trajectories", "EDSS", "", {"points": cohort, "means": means},
                            "time", "EDSS"))
    panels = [ax for ax in drawn.figure.axes if ax.collections]
    assert len(panels) == 2
    for ax, (_, part) in zip(panels, cohort.group_by("group", maintain_order=True),
                             strict=True):
        density = [c for c in ax.collections if c.get_gid() == "density"]
        (hexes,) = density
        assert isinstance(hexes, PolyCollection)
        # every assessment of the panel is counted once in the density
        assert float(np.sum(hexes.get_array())) == part.height == N // 2 * VISITS
        (lines,) = [c for c in ax.collections if isinstance(c, LineCollection)]
        segments = lines.get_segments()
        assert len(segments) == MAX_LINES
        assert lines.get_alpha() == pytest.approx(0.25)
        # the sample is the seeded draw, each line the patient's own assessments
        parts = part.partition_by("patient_id", maintain_order=True)
        keep = sorted(np.random.default_rng(SAMPLE_SEED).choice(len(parts), MAX_LINES,
                                                                replace=False))
        first = parts[keep[0]]
        assert np.allclose(segments[0], first.select("time", "edss").to_numpy())
        (note,) = [t for t in ax.texts if t.get_gid() == "sample-note"]
        assert note.get_text() == (f"lines: {MAX_LINES} of {N // 2} patients at random "
                                   f"(seed {SAMPLE_SEED}); shading: density of all "
                                   f"{N // 2 * VISITS} assessments")


def test_waterfall_of_20000_patients_keeps_its_hatching(cohort) -> None:
    rng = np.random.default_rng(7)
    change = np.round(rng.normal(0, 1, N) * 2) / 2
    category = np.where(change <= -1, "improved", np.where(change >= 1, "worsened", "stable"))
    bars = (pl.DataFrame({"patient_id": [f"P{i:05d}" for i in range(N)],
                          "edss_change": change, "change_category": category})
            .sort(["edss_change", "patient_id"], descending=[True, False]))
    drawn = draw(FigureData("waterfall", "EDSS change", "", {"bars": bars}, "patients",
                            "EDSS change"))
    ax = drawn.figure.axes[0]
    areas = {c.get_label(): c for c in ax.collections if c.get_gid()}
    assert set(areas) == set(CATEGORY_STYLE)
    for name, area in areas.items():
        assert area.get_hatch() == CATEGORY_STYLE[name][1]  # hatching kept at 20,000
        sub = bars.with_row_index("x").filter(pl.col("change_category") == name)
        (path,) = area.get_paths()
        ys = path.vertices[:, 1]
        # the area reaches each category's largest bar and spans its patients' positions
        extreme = sub["edss_change"].abs().max()
        assert np.abs(ys).max() == pytest.approx(extreme, abs=1e-9)
        xs = path.vertices[:, 0]
        assert xs.min() == pytest.approx(sub["x"].min() - 0.5, abs=1e-9)
        assert xs.max() == pytest.approx(sub["x"].max() + 0.5, abs=1e-9)

"""The proved conflicts as data (datasets/seed/conflicts.toml): every number they list is a
published number as printed, each names a test that exists, and the residual verdicts read
them."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from mscohort.calibrate.conflicts import load_conflicts, member_numbers, verdict
from mscohort.calibrate.fit import LIGHT, targets_for
from mscohort.calibrate.published import load_published
from mscohort.calibrate.seed import SEED, residual_table, residuals
from mscohort.errors import UsageError

ROOT = Path(__file__).resolve().parents[2]
FTY_MEAN = ("by immediate prior DMD", "FTY", "change MSSS", "mean")


@pytest.fixture(scope="module")
def cells():
    return load_published(SEED / "published.toml")


def test_every_number_of_every_conflict_is_a_published_number_as_printed(cells) -> None:
    conflicts = load_conflicts(SEED / "conflicts.toml", cells)
    printed = {(c.table, c.group, c.measure, s): n.text for c in cells
               for s, n in c.stats.items()}
    assert [c.name for c in conflicts] == [
        "FTY conflict", "natalizumab conflict", "third conflict", "fourth conflict",
        "fifth conflict", "sixth conflict", "seventh conflict"]
    assert [len(c.numbers) for c in conflicts] == [5, 5, 13, 5, 6, 11, 11]
    for c in conflicts:
        assert all(k in printed for k in c.numbers), c.name
        assert len(set(c.numbers)) == len(c.numbers), c.name
    # the FTY conflict's five, by hand from the README
    assert {printed[k] for k in conflicts[0].numbers} == {"-0.53", "1.06", "-2.82", "1.07",
                                                          "-2.17"}
    # 20 distinct members, all of them MSSS change numbers
    assert len(member_numbers(conflicts)) == 20
    assert {k[2] for k in member_numbers(conflicts)} == {"change MSSS"}


def test_every_conflict_names_a_test_that_exists(cells) -> None:
    for c in load_conflicts(SEED / "conflicts.toml", cells):
        path, name = c.proof.split("::")
        assert f"def {name}(" in (ROOT / path).read_text(), c.proof


def test_a_conflict_naming_a_number_not_printed_is_refused(cells, tmp_path) -> None:
    bad = tmp_path / "conflicts.toml"
    bad.write_text('[[conflict]]\nname = "x"\nwhat = "y"\nrests_on = "seed"\nproof = "t"\n'
                   'numbers = [{ table = "by immediate prior DMD", group = "FTY", measure = '
                   '"change MSSS", stat = "mean", published = "-0.54" }]\n')
    with pytest.raises(UsageError, match=r"conflicts.toml, conflict 1: `number 1` must be a "
                                         r"published number as printed.*-0.54"):
        load_conflicts(bad, cells)
    bad.write_text('[[conflict]]\nname = "x"\nwhat = "y"\nrests_on = "guess"\nproof = "t"\n'
                   'numbers = []\n')
    with pytest.raises(UsageError, match="`rests_on` must be one of seed, design; got"):
        load_conflicts(bad, cells)
    bad.write_text('[[conflict]]\nname = "x"\n')
    with pytest.raises(UsageError, match="conflict 1: `what` is missing"):
        load_conflicts(bad, cells)


def test_members_weigh_light_in_the_fit_and_the_others_one(cells) -> None:
    conflicts = load_conflicts(SEED / "conflicts.toml", cells)
    groups = ["by immediate prior DMD/FTY"]
    targets = targets_for(cells, groups, member_numbers(conflicts))
    # FTY immediately before: follow-up (3), EDSS change (4), MSSS change (4) numbers;
    # its MSSS change mean, SD and min are members, its max +1.16 is not
    assert len(targets) == 11
    assert sorted(t.weight for t in targets) == [LIGHT] * 3 + [1.0] * 8
    assert all(t.weight == 1.0 for t in targets_for(cells, groups))


def test_a_residual_names_its_conflicts_or_says_undecided(cells) -> None:
    conflicts = load_conflicts(SEED / "conflicts.toml", cells)
    fty_mean = verdict(FTY_MEAN, conflicts)
    assert fty_mean.startswith("FTY conflict (5 numbers, under the seed's groups): "
                               "tests/calibrate/test_published_conflicts.py::")
    assert "; third conflict (13 numbers" in fty_mean
    assert verdict(("by follow-up cohort", "long-term", "change MSSS", "min"),
                   conflicts).startswith("undecided")
    comparison = pl.DataFrame(
        {"table": [FTY_MEAN[0], "by follow-up cohort"], "group": ["FTY", "long-term"],
         "measure": ["change MSSS", "change MSSS"], "stat": ["mean", "min"],
         "published": ["-0.53", "-6.84"], "ours": ["-0.55", "-6.84"], "match": [False, True]})
    assert residuals(comparison, conflicts)["verdict"].to_list() == [fty_mean]
    table = residual_table(comparison, conflicts)
    assert f"| -0.53 | -0.55 | 2 | {fty_mean} |" in table and "-6.84" not in table

"""The propensity score (#25): own IRLS against statsmodels Logit and R glm, separation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from mscohort.analyse.comparative.propensity import (
    SeparationError,
    design_matrix,
    fit_logistic,
    propensity_score,
)
from mscohort.errors import InvalidArgumentError
from tests.oracles import oracle

FIXTURE = Path(__file__).parent / "data" / "r_matchit"
TERMS = ("age", "disease_duration", "edss", "relapses_12m", "sex", "phenotype")


def fixture() -> pl.DataFrame:
    return pl.read_csv(FIXTURE / "episodes.csv")


def test_propensity_model_equals_statsmodels_logit() -> None:
    sm = oracle("statsmodels.api")
    data = fixture()
    design = design_matrix(data, TERMS, ("sex", "phenotype"))
    y = data["treatment"].to_numpy().astype(float)
    model = fit_logistic(design, y)
    ref = sm.Logit(y, design.matrix).fit(disp=0, method="newton", tol=1e-12)
    assert model.coef == pytest.approx(ref.params, abs=1e-6)
    assert model.se == pytest.approx(ref.bse, abs=1e-6)
    assert model.ps == pytest.approx(ref.predict(), abs=1e-6)


def test_propensity_model_equals_R_glm_against_R() -> None:
    # glm(treatment ~ age + disease_duration + edss + relapses_12m + sex + phenotype,
    #     family = binomial()) in tests/data/r_matchit/matchit.R
    model = propensity_score(fixture(), TERMS, ("sex", "phenotype"))
    ref = pl.read_csv(FIXTURE / "ps.csv")
    assert [c.replace("=", "") for c in model.columns] == ref["term"].to_list()
    assert model.coef == pytest.approx(ref["coef"].to_numpy(), abs=1e-6)
    assert model.se == pytest.approx(ref["se"].to_numpy(), abs=1e-6)
    fitted = pl.read_csv(FIXTURE / "ps_fitted.csv")["ps"].to_numpy()
    assert model.ps == pytest.approx(fitted, abs=1e-6)
    assert model.logit == pytest.approx(np.log(fitted / (1 - fitted)), abs=1e-6)


def test_categorical_terms_are_dummies_of_every_level_but_the_first() -> None:
    design = design_matrix(fixture(), ("phenotype",), ("phenotype",))
    assert design.columns == ("(Intercept)", "phenotype=RRMS", "phenotype=SPMS")


def test_a_level_in_one_arm_only_is_reported_as_separation() -> None:
    data = pl.DataFrame({"treatment": [1, 1, 0, 0, 1, 0], "x": [1.0, 2, 3, 4, 5, 6],
                         "site": ["A", "B", "B", "C", "C", "B"]})
    with pytest.raises(SeparationError, match=r"separated by: site=A \(all in arm 1\)"):
        propensity_score(data, ("x", "site"), ("site",))


def test_complete_separation_by_a_numeric_term_is_reported() -> None:
    data = pl.DataFrame({"treatment": [0, 0, 0, 0, 1, 1, 1, 1],
                         "edss": [1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5]})
    with pytest.raises(SeparationError, match="separation of the arms"):
        propensity_score(data, ("edss",))


def test_a_constant_term_and_missing_values_are_named() -> None:
    data = pl.DataFrame({"treatment": [0, 1, 0, 1], "x": [1.0, 1.0, 1.0, 1.0],
                         "y": [1.0, None, 2.0, 3.0], "z": [1.0, 2.0, 3.0, 4.0]})
    with pytest.raises(InvalidArgumentError, match="`x` must be a covariate with at least two"):
        propensity_score(data, ("x",))
    with pytest.raises(InvalidArgumentError, match="`y` must be a covariate without missing"):
        propensity_score(data, ("y",))
    with pytest.raises(InvalidArgumentError, match=r"`y` must be .*both arms present"):
        propensity_score(data.with_columns(treatment=pl.lit(1)), ("z",))

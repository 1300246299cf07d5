"""Write the fixed data sets of the R check (run once; the CSVs are committed).

    .venv/bin/python tests/data/r_models/make_data.py && Rscript tests/data/r_models/models.R

A seeded cohort of :func:`mscohort.synthetic.make_model_cohort` (150 patients, seed 24)
through mscohort's own preparation: the visits of the trajectory model (covariates age and
sex, group ``cohort``), the relapse counts and the time to first relapse.
"""

from __future__ import annotations

from pathlib import Path

from mscohort.analyse.models.data import count_data, trajectory_data
from mscohort.analyse.models.relapse_time import first_relapse_data
from mscohort.definition import StudyDefinition
from mscohort.definition.models import ModelSettings
from mscohort.derive.outcomes import patient_outcomes
from mscohort.synthetic import make_model_cohort

HERE = Path(__file__).parent
COUNT_COLUMNS = ["patient_id", "relapses_before", "years_before", "relapses_during",
                 "years_during", "cohort", "arr_before", "age_at_index",
                 "duration_at_index_years", "baseline_edss"]


def main() -> None:
    study = make_model_cohort(150, seed=24, rate_ratio=0.5, dispersion=0.8)
    outcomes = patient_outcomes(study, StudyDefinition())
    data = trajectory_data(study, outcomes, ModelSettings(covariates=("age", "sex"),
                                                          group="cohort"))
    data.visits.drop("date").write_csv(HERE / "trajectory.csv", float_precision=10)
    count_data(outcomes).select(COUNT_COLUMNS).write_csv(HERE / "counts.csv",
                                                         float_precision=10)
    first_relapse_data(study, outcomes, "cohort").write_csv(HERE / "relapse_time.csv",
                                                            float_precision=10)


if __name__ == "__main__":
    main()

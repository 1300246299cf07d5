"""Every model of ``[models]`` for one study: fitted from the records and the per-patient
outcomes, with the settings, the tidy result tables and the methods paragraph."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from mscohort.analyse.formatting import estimate_ci, p_text
from mscohort.analyse.models.counts import CountModels, count_models
from mscohort.analyse.models.data import count_data, trajectory_data
from mscohort.analyse.models.relapse_time import RelapseTime, first_relapse_data, relapse_time
from mscohort.analyse.models.trajectory import TrajectoryFit, fit_trajectory
from mscohort.definition import StudyDefinition
from mscohort.definition.models import ModelSettings
from mscohort.study import Study


@dataclass(frozen=True)
class ModelResults:
    """The fitted models (None: not asked for in ``[models] fit``) and their settings."""

    settings: ModelSettings
    trajectory: TrajectoryFit | None = None
    counts: CountModels | None = None
    relapse_time: RelapseTime | None = None
    visits: pl.DataFrame = field(default_factory=pl.DataFrame)  #: of the trajectory model

    def frames(self) -> dict[str, pl.DataFrame]:
        """The result tables, named as their files (``models_*``)."""
        out: dict[str, pl.DataFrame] = {}
        t = self.trajectory
        if t is not None:
            out |= {"models_trajectory_slopes": t.slopes,
                    "models_trajectory_coefficients": t.coefficients,
                    "models_trajectory_fit": self.trajectory_fit_table(),
                    "models_trajectory_dropped": t.dropped,
                    "models_trajectory_curve": t.curve}
        if self.counts is not None:
            out |= {"models_rate_ratios": self.counts.ratios,
                    "models_dispersion": self.counts.dispersion}
            if self.counts.adjusted.height:
                out["models_between_groups_terms"] = self.counts.adjusted
        if self.relapse_time is not None:
            out |= {"models_relapse_km": self.relapse_time.km,
                    "models_relapse_hazard_ratios": self.relapse_time.hazard_ratios}
        return out

    def trajectory_fit_table(self) -> pl.DataFrame:
        """What the trajectory fit used and said: one row of quantity, value."""
        t = self.trajectory
        if t is None:
            return pl.DataFrame(schema={"quantity": pl.String, "value": pl.String})
        rows = [("outcome", t.outcome), ("estimation", "REML" if t.reml else "ML"),
                ("converged", str(t.converged)), ("patients", str(t.n_patients)),
                ("visits", str(t.n_visits)), ("visits before the index date",
                                              str(t.n_visits_before)),
                ("visits after the index date", str(t.n_visits_after)),
                *((f"variance: {k}", f"{v:.6g}") for k, v in t.variances.items()),
                ("log-likelihood", "" if t.log_likelihood is None
                 else f"{t.log_likelihood:.6f}"),
                *(("warning", w) for w in t.warnings),
                *([("not fitted", t.note)] if t.note else [])]
        return pl.DataFrame(rows, schema={"quantity": pl.String, "value": pl.String},
                            orient="row")

    def summary(self) -> list[str]:
        """Lines for the terminal: the slopes, the rate ratios and the hazard ratios."""
        lines = []
        t = self.trajectory
        if t is not None:
            head = (f"{t.label} trajectory ({t.n_patients} patients, {t.n_visits} "
                    "visits, random intercept and slope)")
            if not t.converged:
                lines.append(f"{head}: not fitted - {t.note}")
            else:
                lines.append(head + ":")
                for r in t.slopes.iter_rows(named=True):
                    ci = estimate_ci(r["estimate"], r["ci_low"], r["ci_high"], 3, signed=True)
                    lines.append(f"  {r['term']}: {ci} per year, {p_text(r['p'])}")
        if self.counts is not None:
            for r in self.counts.ratios.iter_rows(named=True):
                value = (estimate_ci(r["ratio"], r["ci_low"], r["ci_high"], 2)
                         + f", {p_text(r['p'])}" if r["ratio"] is not None else r["note"])
                lines.append(f"Rate ratio, {r['comparison']} ({r['model']}, "
                             f"n={r['n_patients']}): {value}")
        rt = self.relapse_time
        if rt is not None:
            for r in rt.hazard_ratios.iter_rows(named=True):
                lines.append(f"Time to first relapse, hazard ratio {r['term']}: "
                             f"{estimate_ci(r['estimate'], r['ci_low'], r['ci_high'], 2)}, "
                             f"{p_text(r['p'])}")
            if rt.note:
                lines.append(f"Time to first relapse: {rt.note}")
        return lines

    def methods(self) -> str:
        s, text = self.settings, []
        if self.trajectory is not None:
            text.append(
                self.trajectory.methods() + (
                    f" Assessments less than {s.relapse_free_days:g} days after a relapse "
                    f"onset and more than {s.before_days:g} days before the index date were "
                    "left out" + (f"; covariates: {', '.join(s.covariates)}"
                                  if s.covariates else "")
                    + (f"; a {s.group} x time interaction gave each group's slopes"
                       if s.group else "") + "."))
        if self.counts is not None:
            text.append(
                "Relapse counts before and after the index date were modelled with their "
                "person-time as offset by a negative binomial model (NB2, maximum likelihood) "
                "with patient-clustered robust errors (CR1, t intervals with G-1 degrees of "
                "freedom) and by a conditional (patient fixed-effect) Poisson model; "
                "over-dispersion is given as the negative binomial alpha with a "
                "likelihood-ratio test against the Poisson model."
                + (f" On-treatment relapse counts were compared between {s.group} groups by "
                   "a negative binomial model adjusted for "
                   f"{', '.join(s.group_adjust)}." if s.group and "between_groups" in s.fit
                   else ""))
        if self.relapse_time is not None:
            text.append("Time to first relapse after the index date was estimated by "
                        "Kaplan-Meier and compared by a Cox model (Efron ties)"
                        + (f" by {s.group}" if s.group else "") + ".")
        return " ".join(text)


def study_models(study: Study, outcomes: pl.DataFrame, d: StudyDefinition) -> ModelResults:
    """The models ``d.models`` asks for (``[models] fit``)."""
    s = d.models
    data = trajectory_data(study, outcomes, s, d) if "trajectory" in s.fit else None
    traj = fit_trajectory(data, reml=s.reml) if data is not None else None
    visits = data.visits.select(
        "patient_id", "time", "value",
        (pl.col(s.group).cast(pl.String) if s.group else pl.lit("")).alias("group")
    ) if data is not None else pl.DataFrame()
    counts = (count_models(count_data(outcomes), s.group, s.group_adjust, s.fit)
              if {"counts", "between_groups"} & set(s.fit) else None)
    rt = (relapse_time(first_relapse_data(study, outcomes, s.group, d.index_day_relapse))
          if "time_to_relapse" in s.fit else None)
    return ModelResults(s, traj, counts, rt, visits)

"""The comparative design in one call: episodes, baseline covariates, propensity score,
matching or weighting, and balance (issue #25; ``docs/comparative.md``).

Notes
-----
:func:`comparison_design` runs, with the ``[comparison]`` settings of the definition:

1. :func:`mscohort.derive.episodes.treatment_episodes` (eligibility, the first eligible
   episode or all);
2. :func:`mscohort.derive.episode_covariates.episode_covariates` (missing values excluded
   or given indicators);
3. :func:`mscohort.analyse.comparative.propensity.propensity_score` on the covariates;
4. ``design = "match"``: :func:`~mscohort.analyse.comparative.matching.nearest_match` on the
   logit; ``"iptw"`` / ``"overlap"``: :func:`~mscohort.analyse.comparative.weights.weigh`;
5. :func:`~mscohort.analyse.comparative.balance.covariate_balance` before and after, with
   the pooled SD of the unadjusted groups (Austin 2009) and each covariate's declared kind
   (numeric covariates continuous, indicators binary).

The cohort (:class:`~mscohort.analyse.comparative.cohort.ComparisonCohort`) has one row per
analysed episode; matched with replacement, a control matched into several sets has one
row per set (``pair_id``), its MatchIt weight split over them in proportion to its share of
each set (the rows of an episode sum to its matching weight).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, NoReturn

import numpy as np
import polars as pl

from mscohort.analyse.comparative.balance import BALANCED_SMD, covariate_balance
from mscohort.analyse.comparative.cohort import COHORT_SCHEMA, ComparisonCohort
from mscohort.analyse.comparative.matching import Match, nearest_match
from mscohort.analyse.comparative.propensity import PropensityModel, propensity_score
from mscohort.analyse.comparative.weights import Weights, weigh
from mscohort.definition.comparison import ComparisonSettings
from mscohort.derive.episode_covariates import Covariates, episode_covariates
from mscohort.derive.episodes import Episodes, treatment_episodes
from mscohort.errors import InvalidArgumentError, UsageError, bad_argument, bad_usage

if TYPE_CHECKING:
    from mscohort.definition import StudyDefinition
    from mscohort.study import Study


@dataclass(frozen=True)
class ComparisonDesign:
    """The design's results, each with the settings that made it (module Notes)."""

    cohort: ComparisonCohort
    balance: pl.DataFrame  #: :data:`~mscohort.analyse.comparative.balance.BALANCE_SCHEMA`
    flow: dict[str, int]  #: counts from candidate episodes to the analysed cohort
    episodes: Episodes
    covariates: Covariates
    model: PropensityModel
    match: Match | None
    weights: Weights | None
    dropped: pl.DataFrame  #: episodes left out for lack of overlap (episode_id, reason)
    settings: ComparisonSettings

    @property
    def balanced(self) -> bool:
        """Every |SMD| after adjustment below 0.1 (Austin 2009)."""
        return bool((self.balance["smd_after"].abs() < BALANCED_SMD).all())

    def attrition_sentence(self) -> str:
        """The episodes dropped at each step, in the order applied (:func:`attrition`)."""
        f, s = self.flow, self.settings
        steps = [f"{f.get('ineligible_episodes', 0)} failed an eligibility criterion"]
        if s.episodes == "first":
            steps.append(f"{f['excluded_not_first_eligible']} were not the patient's first "
                         "eligible episode (chosen on the eligibility criteria, before "
                         "missing covariates were considered)")
        if s.missing == "exclude":
            steps.append(f"{f['excluded_missing_covariate']} of the chosen episodes were "
                         "excluded for a missing covariate")
        listed = ", ".join(steps[:-1]) + (" and " if len(steps) > 1 else "") + steps[-1]
        return (f"Of {f['candidate_episodes']} candidate episodes, {listed}; "
                f"{f['analysed_treated']} treated and {f['analysed_control']} comparator "
                "episodes were analysed. ")

    def methods(self) -> str:
        """A methods paragraph with every choice of the design."""
        s = self.settings
        which = ("the first eligible episode of each patient" if s.episodes == "first"
                 else "every eligible episode")
        text = (f"Episodes of {s.treated} were compared with episodes of {s.control_label} "
                f"({which}). ") + self.attrition_sentence()
        induction = [d for d in (s.treated, *s.comparators) if d in s.induction_drugs]
        if induction:
            lapse = (f", or {s.induction_max_gap_days} days after the first day of the last "
                     "course when no further course had started"
                     if s.induction_max_gap_days > 0 else "")
            text += (f"{', '.join(induction).capitalize()}, given as courses, was considered "
                     f"discontinued at the start of another drug{lapse}; a recorded stop "
                     "ended a course, not the treatment. ")
        if s.restart_max_gap_days > 0:
            text += (f"A restart of the same drug more than {s.restart_max_gap_days} days "
                     "after its recorded stop began a new episode, the stop ending the "
                     "earlier one (a discontinuation). ")
        text += (f"The propensity score was estimated by logistic regression on "
                 f"{', '.join(self.covariates.terms)} (missing values: {s.missing}). ")
        if self.match is not None:
            cal = (f"within a caliper of {s.caliper_sd:g} SD of the logit of the propensity "
                   f"score ({self.match.caliper:.4f}; the SD over all episodes, treated and "
                   "comparator together, as MatchIt's std.caliper)"
                   if s.caliper_sd > 0 else "without a caliper")
            text += (f"Episodes were matched 1:{s.ratio} {'with' if s.replacement else 'without'}"
                     f" replacement by nearest neighbour on the logit of the propensity score "
                     f"{cal}, treated episodes in {s.order} order (MatchIt 4.5 conventions). ")
        elif self.weights is not None:
            text += self.weights.methods() + " "
        return text + ("Balance was assessed by standardised mean differences with the pooled "
                       "SD of the unadjusted groups (Austin 2009).")


def _no_episodes(name: str, exclusions: pl.DataFrame, source: str | None) -> NoReturn:
    """The usage error of an arm without episodes: when its eligible episodes were all
    excluded for a missing covariate (``exclusions``: the arm's), how many and for which
    covariates."""
    n = exclusions["episode_id"].n_unique()
    if n:
        by = (exclusions.group_by("detail").agg(pl.col("episode_id").n_unique().alias("n"))
              .sort("n", "detail", descending=[True, False]))
        which = ", ".join(f"`{d.removesuffix(' missing')}` in {k}" for d, k in by.iter_rows())
        raise bad_usage("comparison.covariates", f"covariates recorded for episodes of {name}",
                        0, where=source, shown=(
                            f"all episodes of {name} excluded: {n} episode(s) excluded for a "
                            f"missing covariate (missing {which})"),
                        hint="Record the covariate, leave it out of comparison.covariates, or "
                        'set comparison.missing = "indicator".')
    raise bad_usage("comparison", f"a definition with eligible episodes of {name}",
                    0, where=source, shown="none after eligibility",
                    hint="Check the drugs and the eligibility criteria (the "
                    "exclusions of treatment_episodes name them).")


def attrition(episodes: Episodes, covariates: Covariates) -> dict[str, int]:
    """The flow from candidate to analysed episodes in the order the steps are applied:
    the candidates; each eligibility criterion (an episode may fail several); then the
    distinct episodes dropped at each step: ``ineligible_episodes`` (failing any
    criterion), ``excluded_not_first_eligible`` (``episodes = "first"``: the patient's
    first eligible episode is chosen on the eligibility criteria alone, before missing
    covariates are looked at), the eligible episodes per arm, and
    ``excluded_missing_covariate`` (``missing = "exclude"``: chosen episodes missing a
    covariate of the design). docs/comparative.md, "Episode choice"."""
    counts = episodes.flow()
    criteria = episodes.exclusions.filter(pl.col("criterion") != "not_first_eligible")
    flow: dict[str, int] = {}
    for key, n in counts.items():
        if key == "excluded_not_first_eligible" or key.startswith("eligible_"):
            flow.setdefault("ineligible_episodes", criteria["episode_id"].n_unique())
        flow[key] = n
    return flow | {"excluded_missing_covariate":
                   covariates.exclusions["episode_id"].n_unique()}


def _cohort_frame(table: pl.DataFrame, terms: tuple[str, ...], ps: np.ndarray,
                  pair_id: pl.Series, weight: pl.Series) -> pl.DataFrame:
    base = table.with_columns(ps=pl.Series(ps), pair_id=pair_id, weight=weight)
    return base.select([pl.col(c).cast(t) for c, t in COHORT_SCHEMA.items()] + list(terms))


#: Settings that only change how the scored episodes are matched or weighted: a design that
#: differs from another in these alone reuses its episodes, covariates and scores.
ADJUSTMENT_SETTINGS = ("design", "caliper_sd", "ratio", "replacement", "order", "estimand",
                       "stabilised", "trim_percentiles", "ps_bounds")


def _reusable(previous: ComparisonDesign | None, s: ComparisonSettings) -> bool:
    if previous is None:
        return False
    keep = {k: v for k, v in previous.settings.as_raw().items() if k not in
            ADJUSTMENT_SETTINGS}
    return keep == {k: v for k, v in s.as_raw().items() if k not in ADJUSTMENT_SETTINGS}


def comparison_design(study: Study, definition: StudyDefinition,
                      reuse: ComparisonDesign | None = None) -> ComparisonDesign:
    """Episodes, covariates, propensity score, matching or weighting and balance of the
    definition's ``[comparison]`` (module Notes). ``reuse``: a design of the same study
    and definition whose settings differ at most in :data:`ADJUSTMENT_SETTINGS`; its
    episodes, covariates and propensity score are taken as they are (they do not depend
    on those settings), else they are derived again."""
    s = definition.comparison
    if s is None:
        raise bad_argument("definition", "a study definition with a [comparison] section",
                           definition.source, shown=f"{definition.source} without [comparison]")
    if reuse is not None and _reusable(reuse, s):
        eps, cov = reuse.episodes, reuse.covariates
    else:
        reuse = None
        eps = treatment_episodes(study, s, course_gap_days=definition.course_gap_days,
                                 cutoff=definition.cutoff_date)
        cov = episode_covariates(study, eps.eligible, s, definition.course_gap_days,
                                 derived=eps)
    table = cov.table
    flow = attrition(eps, cov)
    t = table["treatment"].to_numpy().astype(int)
    for arm, name, drugs in ((1, s.treated, (s.treated,)), (0, s.control_label,
                                                           tuple(s.comparators))):
        if not (t == arm).any():
            _no_episodes(name, cov.exclusions.filter(pl.col("drug").is_in(drugs)),
                         definition.source)
    flow |= {"analysed_treated": int((t == 1).sum()), "analysed_control": int((t == 0).sum())}
    try:
        model = (reuse.model if reuse is not None
                 else propensity_score(table, cov.terms, cov.categorical))
    except UsageError:
        raise
    except InvalidArgumentError as exc:  # a covariate without two values, or missing
        raise bad_usage("comparison.covariates", "covariates the propensity score can use",
                        list(cov.terms), where=definition.source, hint=str(exc)) from exc
    match: Match | None = None
    weights: Weights | None = None
    if s.design == "match":
        match = nearest_match(model.logit, t, ratio=s.ratio, replace=s.replacement,
                              caliper_sd=s.caliper_sd, order=s.order)
        unit_w = match.weights
        pairs = match.pairs
        share = pairs.group_by("set_id").agg(pl.len().alias("k")).with_columns(
            (1.0 / pl.col("k")).alias("share"))
        ctrl = pairs.join(share, on="set_id").select(
            pl.col("control").alias("row"), "set_id", "share")
        total = ctrl.group_by("row").agg(pl.col("share").sum().alias("tot"))
        ctrl = ctrl.join(total, on="row").with_columns(
            (pl.col("share") / pl.col("tot")).alias("part"))
        treated = pairs.select(pl.col("treated").alias("row"), "set_id").unique()
        rows = pl.concat([treated.with_columns(part=pl.lit(1.0)),
                          ctrl.select("row", "set_id", "part")]).sort("set_id", "row")
        idx = rows["row"].to_numpy()
        frame = _cohort_frame(table[idx], cov.terms, model.ps[idx],
                              rows["set_id"].alias("pair_id"),
                              pl.Series("weight", unit_w[idx] * rows["part"].to_numpy()))
        drop_rows = match.dropped_treated(t)
        reason = "no comparator episode within the caliper"
        flow |= {"matched_treated": int((match.matched & (t == 1)).sum()),
                 "matched_control": int((match.matched & (t == 0)).sum()),
                 "dropped_treated_no_overlap": int(drop_rows.size),
                 "matched_sets": int(pairs["set_id"].n_unique())}
    else:
        ps = model.ps
        if not ((t[(ps >= s.ps_bounds[0]) & (ps <= s.ps_bounds[1])] == 1).any()
                and (t[(ps >= s.ps_bounds[0]) & (ps <= s.ps_bounds[1])] == 0).any()):
            raise bad_usage("comparison.ps_bounds", "bounds that keep episodes of both arms",
                            list(s.ps_bounds), where=definition.source, hint=(
                                f"The propensity scores run from {ps.min():.4g} to "
                                f"{ps.max():.4g}; widen the bounds."))
        weights = weigh(ps, t, method="overlap" if s.design == "overlap" else "iptw",
                        estimand=s.estimand, stabilised=s.stabilised,
                        trim_percentiles=s.trim_percentiles, ps_bounds=s.ps_bounds)
        unit_w = weights.weights
        kept = np.flatnonzero(weights.kept)
        frame = _cohort_frame(table[kept], cov.terms, model.ps[kept],
                              pl.Series("pair_id", [None] * kept.size, pl.Int64),
                              pl.Series("weight", unit_w[kept]))
        drop_rows = np.flatnonzero(~weights.kept)
        reason = f"propensity score outside {s.ps_bounds[0]:g}-{s.ps_bounds[1]:g}"
        flow |= {"dropped_outside_ps_bounds": int(drop_rows.size)}
    dropped = table[drop_rows].select("episode_id", "patient_id", "drug").with_columns(
        reason=pl.lit(reason))
    cohort = ComparisonCohort(frame, s.design, s.treated, s.control_label, cov.terms)
    balance = covariate_balance(table, cov.terms, cov.categorical, t, unit_w)
    return ComparisonDesign(cohort, balance, flow, eps, cov, model, match, weights, dropped, s)

"""The ``[comparison]`` section of a study definition: the comparative design of issue #25
(treatment episodes, baseline covariates, propensity score, matching or weighting).

::

    [comparison]
    treated = "alemtuzumab"          # the drug of interest (treatment = 1)
    comparators = ["natalizumab"]    # the comparator drug(s) (treatment = 0)
    episodes = "first"               # the first eligible episode of a patient, or "all"
    min_prior_relapses = 1           # relapses within prior_relapse_days before the start
    prior_relapse_days = 365.25
    age_min = 18                     # years at the episode start (inclusive)
    age_max = 65
    edss_window_days = 182.625       # an EDSS at most this long before the start (inclusive)
    require_edss = true
    min_follow_up_days = 0
    censor_at_stop = true            # follow-up ends at the stop or switch
    induction_drugs = ["alemtuzumab", "cladribine"]  # given as courses: no stop date
    induction_max_gap_days = 0       # > 0: discontinued this long after the last course
    restart_max_gap_days = 0         # > 0: a restart later than this after a stop is new
    covariates = ["age", "sex", "disease_duration", "edss", "relapses_12m", ...]
    missing = "exclude"              # or "indicator"
    design = "match"                 # or "iptw", "overlap"
    caliper_sd = 0.1                 # SD of the logit of the PS over all episodes; 0: none
    ratio = 1                        # 1:k matching
    replacement = false
    order = "largest"                # MatchIt's m.order: largest, smallest, data
    estimand = "ATT"                 # of the IPT weights: ATT or ATE
    stabilised = true
    trim_percentiles = [0, 100]      # IPT weights truncated at these percentiles
    ps_bounds = [0, 1]               # episodes with a PS outside are left out (weighting)

Outcome settings live in ``[comparison.outcomes]`` (``definition/comparison_outcomes.py``);
this parser leaves that sub-table alone. Definitions and sources: ``docs/comparative.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from mscohort.definition.comparison_outcomes import OutcomeSettings, parse_comparison_outcomes
from mscohort.definition.comparison_windows import BASELINE_EDSS_DAYS, PRIOR_RELAPSE_DAYS
from mscohort.errors import UsageError, bad_usage
from mscohort.vocabulary import normalise_drug

EPISODE_CHOICES = ("first", "all")
DESIGN_CHOICES = ("match", "iptw", "overlap")
MISSING_CHOICES = ("exclude", "indicator")
ORDER_CHOICES = ("largest", "smallest", "data")
ESTIMANDS = ("ATT", "ATE")
#: Baseline covariates at the episode start (``derive/episode_covariates.py``).
NUMERIC_COVARIATES = ("age", "disease_duration", "edss", "relapses_12m", "relapses_24m",
                      "prior_drugs", "year")
CATEGORICAL_COVARIATES = ("sex", "last_prior_drug", "phenotype", "site")
COVARIATES = NUMERIC_COVARIATES + CATEGORICAL_COVARIATES
DEFAULT_COVARIATES = ("age", "sex", "disease_duration", "edss", "relapses_12m",
                      "relapses_24m", "prior_drugs", "phenotype")
#: Drugs given as courses, whose recorded stop ends a course, not the treatment: alemtuzumab
#: (two courses 12 months apart, more at least 12 months after the last; Lemtrada SmPC) and
#: cladribine tablets (two yearly courses; Mavenclad SmPC).
INDUCTION_DRUGS = ("alemtuzumab", "cladribine")
#: The sub-table owned by the outcome stage.
OUTCOMES_TABLE = "outcomes"

#: (name, type, default, meaning) of every key, for :data:`mscohort.definition.keys.KEYS`.
COMPARISON_KEY_ROWS: tuple[tuple[str, str, str, str], ...] = (
    ("treated", "drug of the vocabulary", '"alemtuzumab"',
     "the drug of interest (treatment = 1) of the comparative design (docs/comparative.md)"),
    ("comparators", "list of drugs", '["natalizumab"]', "the comparator drug(s)"),
    ("episodes", "one of " + ", ".join(EPISODE_CHOICES), '"first"',
     "the first eligible episode of each patient, or every eligible episode"),
    ("min_prior_relapses", "whole number >= 0", "0",
     "eligibility: at least this many relapses within prior_relapse_days before the start"),
    ("prior_relapse_days", "days >= 0", "365.25", "the window of min_prior_relapses"),
    ("age_min", "years >= 0", "0", "eligibility: age at the episode start at least this"),
    ("age_max", "years >= 0", "120", "eligibility: age at the episode start at most this"),
    ("edss_window_days", "days >= 0", "182.625",
     "baseline EDSS: the last one at most this long before the start (inclusive)"),
    ("require_edss", "true or false", "true",
     "eligibility: a baseline EDSS within edss_window_days"),
    ("min_follow_up_days", "days >= 0", "0",
     "eligibility: follow-up (start to end_date) at least this long"),
    ("censor_at_stop", "true or false", "true",
     "follow-up of an episode ends at its stop or switch (else at the end of data)"),
    ("induction_drugs", "list of drugs", '["alemtuzumab", "cladribine"]',
     "drugs given as courses: a recorded stop ends a course, not the treatment"),
    ("induction_max_gap_days", "whole number of days >= 0", "0",
     "an episode of an induction drug is discontinued this long after its last course "
     "(0: only at the start of another drug)"),
    ("restart_max_gap_days", "whole number of days >= 0", "0",
     "a restart of the same (not induction) drug more than this long after its recorded "
     "stop begins a new episode and the stop is a discontinuation (0: every restart "
     "continues the episode)"),
    ("covariates", "list among " + ", ".join(COVARIATES), ", ".join(DEFAULT_COVARIATES),
     "the terms of the propensity score and of the balance table"),
    ("missing", "one of " + ", ".join(MISSING_CHOICES), '"exclude"',
     "episodes with a missing covariate are excluded, or given a missing indicator"),
    ("design", "one of " + ", ".join(DESIGN_CHOICES), '"match"',
     "nearest-neighbour matching on the logit of the PS, IPT weights or overlap weights"),
    ("caliper_sd", "number >= 0", "0.1",
     "caliper in SDs of the logit of the PS over all episodes (MatchIt std.caliper); 0: none"),
    ("ratio", "whole number >= 1", "1", "controls per treated episode (1:k matching)"),
    ("replacement", "true or false", "false", "match with replacement"),
    ("order", "one of " + ", ".join(ORDER_CHOICES), '"largest"',
     "order in which treated episodes are matched (MatchIt m.order)"),
    ("estimand", "one of " + ", ".join(ESTIMANDS), '"ATT"', "estimand of the IPT weights"),
    ("stabilised", "true or false", "true", "stabilised IPT weights"),
    ("trim_percentiles", "[low, high] within 0-100", "[0, 100]",
     "IPT weights truncated at these percentiles"),
    ("ps_bounds", "[low, high] within 0-1", "[0, 1]",
     "weighting: episodes with a PS outside these bounds are left out (Crump 2009)"),
    (OUTCOMES_TABLE, "table", "none", "[comparison.outcomes]: the outcome settings"),
)


@dataclass(frozen=True)
class ComparisonSettings:
    """What ``[comparison]`` asks for (module docstring); durations in days, ages in years."""

    treated: str = "alemtuzumab"
    comparators: tuple[str, ...] = ("natalizumab",)
    episodes: str = "first"
    min_prior_relapses: int = 0
    prior_relapse_days: float = PRIOR_RELAPSE_DAYS
    age_min: float = 0.0
    age_max: float = 120.0
    edss_window_days: float = BASELINE_EDSS_DAYS
    require_edss: bool = True
    min_follow_up_days: float = 0.0
    censor_at_stop: bool = True
    #: drugs given as courses (immune reconstitution therapies): docs/comparative.md
    induction_drugs: tuple[str, ...] = INDUCTION_DRUGS
    induction_max_gap_days: int = 0
    restart_max_gap_days: int = 0
    covariates: tuple[str, ...] = DEFAULT_COVARIATES
    missing: str = "exclude"
    design: str = "match"
    caliper_sd: float = 0.1
    ratio: int = 1
    replacement: bool = False
    order: str = "largest"
    estimand: str = "ATT"
    stabilised: bool = True
    trim_percentiles: tuple[float, float] = (0.0, 100.0)
    ps_bounds: tuple[float, float] = (0.0, 1.0)
    #: [comparison.outcomes] (definition/comparison_outcomes.py)
    outcomes: OutcomeSettings = field(default_factory=OutcomeSettings)

    @property
    def control_label(self) -> str:
        return " or ".join(self.comparators)

    def with_(self, **changes: Any) -> ComparisonSettings:
        """A copy with some settings changed, checked as the file's values are."""
        raw = {**self.as_raw(), **{k: (list(v) if isinstance(v, tuple) else v)
                                   for k, v in changes.items()}}
        return parse_comparison(raw, "ComparisonSettings.with_")

    def as_raw(self) -> dict[str, object]:
        from dataclasses import asdict

        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()}


def parse_comparison(raw: dict[str, object], where: str) -> ComparisonSettings:
    """The settings of ``[comparison]``; every wrong key or value is reported in one
    :class:`UsageError`, each naming ``comparison.<key>``."""
    base = ComparisonSettings()
    errors: list[str] = []
    names = {r[0] for r in COMPARISON_KEY_ROWS}
    unknown = sorted(set(raw) - names)
    if unknown:
        errors.append(f"{where}: [comparison] has unknown key(s) {', '.join(unknown)}; "
                      f"allowed: {', '.join(sorted(names))}.")

    def bad(key: str, expected: str, value: object) -> None:
        errors.append(str(bad_usage(f"comparison.{key}", expected, value, where=where)))

    def get(key: str) -> object:
        return raw.get(key, getattr(base, key))

    def choice(key: str, allowed: tuple[str, ...]) -> str:
        value = get(key)
        if value not in allowed:
            bad(key, "one of " + ", ".join(allowed), value)
            return str(getattr(base, key))
        return str(value)

    def number(key: str, expected: str, low: float = 0.0, whole: bool = False) -> Any:
        value = get(key)
        if (not isinstance(value, int | float) or isinstance(value, bool) or value < low
                or (whole and not float(value).is_integer())):
            bad(key, expected, value)
            return getattr(base, key)
        return int(value) if whole else float(value)

    def flag(key: str) -> bool:
        value = get(key)
        if not isinstance(value, bool):
            bad(key, "true or false", value)
            return bool(getattr(base, key))
        return value

    def drug(key: str, value: object) -> str | None:
        canonical = normalise_drug(value) if isinstance(value, str) else None
        if canonical is None:
            bad(key, "a drug of the vocabulary (mscohort schema --drugs)", value)
        return canonical

    def bounds(key: str, high: float) -> tuple[float, float]:
        value = get(key)
        value = list(value) if isinstance(value, tuple) else value
        if (not isinstance(value, list) or len(value) != 2 or not all(
                isinstance(v, int | float) and not isinstance(v, bool) for v in value)
                or not 0 <= value[0] < value[1] <= high):
            bad(key, f"[low, high] with 0 <= low < high <= {high:g}", value)
            default: tuple[float, float] = getattr(base, key)
            return default
        return float(value[0]), float(value[1])

    treated = drug("treated", get("treated")) or base.treated
    comp_raw = get("comparators")
    comp_raw = list(comp_raw) if isinstance(comp_raw, tuple) else comp_raw
    comparators = base.comparators
    if not isinstance(comp_raw, list) or not comp_raw:
        bad("comparators", "a non-empty list of drugs", comp_raw)
    else:
        found = [drug("comparators", c) for c in comp_raw]
        comparators = tuple(c for c in found if c is not None) or base.comparators
        if treated in comparators:
            bad("comparators", f"drugs other than the treated drug {treated!r}", comp_raw)
    cov_raw = get("covariates")
    cov_raw = list(cov_raw) if isinstance(cov_raw, tuple) else cov_raw
    covariates = base.covariates
    if (not isinstance(cov_raw, list) or not cov_raw or not all(c in COVARIATES for c in cov_raw)
            or len(set(cov_raw)) != len(cov_raw)):
        bad("covariates", "a non-empty list of distinct values among " + ", ".join(COVARIATES),
            cov_raw)
    else:
        covariates = tuple(str(c) for c in cov_raw)
    ind_raw = get("induction_drugs")
    ind_raw = list(ind_raw) if isinstance(ind_raw, tuple) else ind_raw
    induction = base.induction_drugs
    if not isinstance(ind_raw, list):
        bad("induction_drugs", "a list of drugs (may be empty)", ind_raw)
    else:
        found_ind = [drug("induction_drugs", c) for c in ind_raw]
        induction = tuple(dict.fromkeys(c for c in found_ind if c is not None))
    age_min = number("age_min", "a number of years >= 0")
    age_max = number("age_max", "a number of years >= 0")
    if age_max < age_min:
        bad("age_max", f"at least age_min ({age_min:g})", age_max)
    try:
        outcomes = parse_comparison_outcomes(raw.get(OUTCOMES_TABLE, {}), where)  # type: ignore[arg-type]
    except UsageError as exc:
        errors.extend(str(exc).splitlines())
        outcomes = base.outcomes
    settings = ComparisonSettings(
        treated=treated, comparators=comparators,
        episodes=choice("episodes", EPISODE_CHOICES),
        min_prior_relapses=number("min_prior_relapses", "a whole number >= 0", whole=True),
        prior_relapse_days=number("prior_relapse_days", "a number of days >= 0"),
        age_min=age_min, age_max=age_max,
        edss_window_days=number("edss_window_days", "a number of days >= 0"),
        require_edss=flag("require_edss"),
        min_follow_up_days=number("min_follow_up_days", "a number of days >= 0"),
        censor_at_stop=flag("censor_at_stop"), induction_drugs=induction,
        induction_max_gap_days=number("induction_max_gap_days",
                                      "a whole number of days >= 0", whole=True),
        restart_max_gap_days=number("restart_max_gap_days", "a whole number of days >= 0",
                                    whole=True),
        covariates=covariates, missing=choice("missing", MISSING_CHOICES),
        design=choice("design", DESIGN_CHOICES),
        caliper_sd=number("caliper_sd", "a number >= 0"),
        ratio=number("ratio", "a whole number >= 1", low=1, whole=True),
        replacement=flag("replacement"), order=choice("order", ORDER_CHOICES),
        estimand=choice("estimand", ESTIMANDS), stabilised=flag("stabilised"),
        trim_percentiles=bounds("trim_percentiles", 100.0),
        ps_bounds=bounds("ps_bounds", 1.0), outcomes=outcomes,
    )
    if errors:
        raise UsageError("\n".join(errors))
    return replace(settings)

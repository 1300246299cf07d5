"""Every key of a study definition, as data: section, name, type, default and meaning.

The parser takes the allowed keys of each section from :data:`KEYS`, and
``docs/analysis.md`` prints the same table (a test keeps the two in step).
"""

from __future__ import annotations

from dataclasses import dataclass

from mscohort.definition.comparison import COMPARISON_KEY_ROWS
from mscohort.definition.comparison_outcomes import OUTCOME_KEY_ROWS
from mscohort.definition.events import EVENT_OPTIONS, KIND_TEXT, PRESET_NAMES
from mscohort.definition.models import (
    ADJUST_COLUMNS,
    GROUP_COLUMNS,
    MODEL_NAMES,
    TRAJECTORY_COVARIATES,
    TRAJECTORY_OUTCOMES,
)
from mscohort.units import LUNAR_MONTHS, UNITS


@dataclass(frozen=True)
class Key:
    section: str
    name: str
    type: str
    default: str
    meaning: str

    @property
    def path(self) -> str:
        return f"{self.section}.{self.name}"


INDEX_DATES = ("first_infusion", "enrolment_date")
FOLLOW_UP_ENDS = ("last_edss", "cutoff")
RELAPSE_ENDS = ("last_edss", "last_contact", "cutoff")
INDEX_DAY_RELAPSE = ("before", "during", "neither")
IMMEDIATE_RULES = ("stopped_last", "longest", "started_last")
CHANGE_RULES = ("any_step", "threshold")
MSSS_TABLES = ("roxburgh2005", "manouchehrinia2017")
MSSS_CONVENTIONS = ("standard", "ms.sev")
#: Outcome columns that may be the primary endpoint, besides ``edss_change_<time point>``.
PRIMARY_OUTCOMES = ("edss_change", "msss_change", "arr_change")


def _one_of(values: tuple[str, ...] | dict[str, float]) -> str:
    return "one of " + ", ".join(values)


KEYS: tuple[Key, ...] = (
    Key("study", "name", "text", '"study"', "the study's name, printed on every output"),
    Key("index", "drug", "drug of the vocabulary", '"alemtuzumab"', "the index treatment"),
    Key("index", "date", _one_of(INDEX_DATES), '"first_infusion"',
        "the index date: first infusion of the index drug, or the patients' enrolment_date"),
    Key("index", "course_gap_days", "days >= 0", "30",
        "infusions of the index drug at most this far apart form one course"),
    Key("baseline", "window_days", "days >= 0", "365",
        "baseline EDSS: the assessment closest to the index date, at most this long before it"),
    Key("baseline", "after_index_days", "days >= 0", "0",
        "... or at most this long after it (ties: the earlier)"),
    Key("baseline", "relapse_free_days", "days >= 0", "0",
        "an assessment less than this long after a relapse onset (or on its day) is not a "
        "baseline (0: any assessment)"),
    Key("follow_up", "end", _one_of(FOLLOW_UP_ENDS), '"last_edss"',
        "end of follow-up: the last EDSS after the index date, or the last one up to "
        "cutoff_date"),
    Key("follow_up", "cutoff_date", "date YYYY-MM-DD", "none",
        "the data cut-off (required with end = \"cutoff\" or relapses.follow_up_end = "
        "\"cutoff\")"),
    Key("follow_up", "min_days", "days >= 0", "0",
        "patients with a shorter follow-up are not analysed (excluded_reason \"follow-up "
        "shorter than N days\")"),
    Key("follow_up", "unit", _one_of(UNITS), '"lunar_month"',
        "unit of follow-up in the tables (month = 30.4375 days, year = 365.25 days)"),
    Key("follow_up", "lunar_month", _one_of(LUNAR_MONTHS), '"28_days"',
        "a lunar month is 28 days (4 weeks) or the mean synodic month of 29.530589 days "
        "(Meeus 1998); the seed does not say which (28 days reproduces its tables)"),
    Key("relapses", "pre_index_days", "days >= 0", "730.5",
        "the window before the index date for relapses and ARR before (2 x 365.25 days)"),
    Key("relapses", "pre_index_end_days", "days >= 0, below pre_index_days", "0",
        "the pre-index window ends this long before the index date (e.g. 365: months -24 "
        "to -12, leaving out the qualifying relapses)"),
    Key("relapses", "exclude_regular_corticosteroids", "true or false", "true",
        "leave patients on regular corticosteroids out of the relapse analysis (the seed)"),
    Key("relapses", "index_day", _one_of(INDEX_DAY_RELAPSE), '"before"',
        "the period a relapse with onset on the index date counts in"),
    Key("relapses", "truncate_at_onset", "true or false", "true",
        "the pre-index window starts no earlier than disease onset (the ARR denominator is "
        "the disease time within the window)"),
    Key("relapses", "follow_up_end", _one_of(RELAPSE_ENDS), '"last_edss"',
        "end of the relapse follow-up: the EDSS follow-up end, the patient's last record of "
        "any kind (up to cutoff_date), or cutoff_date; relapses after it are counted in "
        "relapses_after_end and reported"),
    Key("relapses", "min_followup_days", "days >= 0", "90",
        "no per-patient ARR during follow-up from a shorter relapse follow-up (the patient "
        "still counts in the pooled rates); reported"),
    Key("change", "rule", _one_of(CHANGE_RULES), '"any_step"',
        "improved / worsened: by any 0.5 EDSS step, or by the EDSS change thresholds of "
        "[events] delta (baseline to last EDSS; not confirmed)"),
    Key("prior_treatment", "window_days", "days >= 0", "730.5",
        "the prior window: drugs with an exposure within this long before the index date"),
    Key("prior_treatment", "groups", "table group = [drugs]",
        '{IFN-GA = [interferon beta, glatiramer acetate], FTY = [fingolimod], '
        'NAT = [natalizumab]}', "prior drug groups (other drugs: \"other\")"),
    Key("prior_treatment", "transitions", "list of drug lists",
        "[[natalizumab, fingolimod]]", "sequences ending at the index drug, e.g. NAT -> FTY"),
    Key("prior_treatment", "immediate_gap_days", "days >= 0 (inf: no limit)",
        "window_days", "the drug immediately before must have been taken within this long "
        "before the index date, else the patient is in \"none in window\""),
    Key("prior_treatment", "immediate_rule", _one_of(IMMEDIATE_RULES), '"stopped_last"',
        "among drugs taken within the gap limit, the one immediately before: stopped last "
        "(ongoing at the index date first), the longest exposure, or started last (ties: "
        "the longer exposure, then the later start)"),
    Key("msss", "table", _one_of(MSSS_TABLES), '"roxburgh2005"',
        "the global MSSS table (Roxburgh 2005; updated: Manouchehrinia 2017)"),
    Key("msss", "convention", _one_of(MSSS_CONVENTIONS), '"standard"',
        "standard: completed years of disease, durations of 30 years or more on the last row, "
        "no score in the first year; ms.sev: the R package's row reading "
        "(docs/scores/msss.md)"),
    Key("events", "preset", _one_of(PRESET_NAMES), '"msprog"',
        "the confirmed-worsening definition (docs/events/presets.md) of time to CDW, NEDA-3, "
        "the milestones and the patient timeline"),
    *(Key("events", name, KIND_TEXT[kind] if isinstance(kind, str) else _one_of(kind),
          "the preset's",
          "an option of `mscohort events` (docs/events/options.md)")
      for name, kind in EVENT_OPTIONS.items()),
    Key("analysis", "primary", _one_of(PRIMARY_OUTCOMES) + " or edss_change_<time point>",
        '"edss_change"', "the outcome of the one confirmatory test (the seed's EDSS change "
        "from baseline to last follow-up); every other test is exploratory, with Holm-adjusted "
        "p-values per family"),
    Key("subgroups", "<name>", '"column op number"', "none",
        "a subgroup of the relapse table, e.g. \"arr_before > 2\""),
    Key("timepoints", "name, days, window_days, after_days", "list of tables", "none",
        "EDSS at a time point: closest to days within window_days, or the last after "
        "after_days"),
    Key("eligibility", "arm, exclude, deviation", "tables", "none",
        "screening criteria (docs/protocol.md)"),
    Key("msfc", "worsening_percent", "number > 0", "20",
        "T25FW / 9-HPT meaningful worsening (docs/secondary-outcomes.md)"),
    Key("oct", "optic_neuritis_eyes", "one of exclude, separate, include", '"exclude"',
        "eyes with optic neuritis (docs/secondary-outcomes.md)"),
    Key("neda", "window_days", "number >= 1", "730.5", "NEDA-3 window from the index date"),
    Key("neda", "mri_rebaseline_days", "days >= 0", "0", "MRI activity on scans after this"),
    Key("neda", "visit_tolerance_days", "days >= 0", "90",
        "follow-up may end this much before the NEDA-3 window does"),
    Key("milestones", "edss", "list of EDSS steps > 0", "[4.0, 6.0]",
        "time to confirmed EDSS milestones"),
    Key("models", "fit", "list among " + ", ".join(MODEL_NAMES), "all four",
        "the models of every visit and of relapse counts (docs/models.md); [] for none"),
    Key("models", "outcome", _one_of(TRAJECTORY_OUTCOMES), '"edss"',
        "the score of the trajectory model, at every assessment"),
    Key("models", "covariates", "list among " + ", ".join(TRAJECTORY_COVARIATES), "[]",
        "adjustments of the trajectory model (age and disease duration at index, sex, "
        "baseline value)"),
    Key("models", "group", _one_of(GROUP_COLUMNS[:-1]) + ' or ""', '"cohort"',
        "the groups of the group x time terms, the between-group ARR and the Cox model "
        "(\"\": none)"),
    Key("models", "relapse_free_days", "days >= 0", "30",
        "assessments less than this long after a relapse onset (or on its day) are left out "
        "of the trajectory"),
    Key("models", "before_days", "days >= 0", "1826.25",
        "assessments more than this long before the index date are left out"),
    Key("models", "reml", "true or false", "true",
        "REML (lme4's default) or maximum likelihood for the trajectory"),
    Key("models", "group_adjust", "list among " + ", ".join(ADJUST_COLUMNS),
        "[arr_before, age_at_index, duration_at_index_years, baseline_edss]",
        "adjustments of the between-group negative binomial model"),
    *(Key("comparison", *row) for row in COMPARISON_KEY_ROWS),
    *(Key("comparison.outcomes", *row) for row in OUTCOME_KEY_ROWS),
)

#: Sections whose keys are free (any name) or checked elsewhere.
FREE_SECTIONS = ("subgroups", "timepoints", "eligibility")


def section_keys() -> dict[str, set[str] | None]:
    """Allowed keys of each section (``None``: any key)."""
    out: dict[str, set[str] | None] = {}
    for k in KEYS:
        if "." in k.section:  # a sub-table, checked by its section's parser
            continue
        if k.section in FREE_SECTIONS:
            out[k.section] = None
        else:
            names = out.setdefault(k.section, set())
            if names is not None:
                names.add(k.name)
    return out


def markdown_table() -> str:
    """The key table of ``docs/analysis.md``."""
    rows = ["| key | type | default | meaning |", "|---|---|---|---|"]
    rows += [f"| `{k.path}` | {k.type} | {k.default} | {k.meaning} |" for k in KEYS]
    return "\n".join(rows)

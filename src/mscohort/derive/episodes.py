"""Treatment episodes of the compared drugs and their eligibility (issue #25).

Notes
-----
Definitions (``docs/comparative.md``):

* Every start of a disease-modifying drug is read from ``treatments`` (``start_date``) and,
  for infused drugs, from ``infusions``: the first infusion of a course (infusions at most
  ``course_gap_days`` apart, :func:`mscohort.derive.courses.number_courses`) is a start.
* Per patient the starts are put in date order; a start of the same drug as the start just
  before it continues that episode (a later alemtuzumab course, a drug recorded in both
  tables, a restart with no other drug between). Every other start of the treated or a
  comparator drug begins an episode (``treatment`` 1 or 0). With ``restart_max_gap_days``
  = G > 0, a restart of the same drug (not an induction drug) more than G days after the
  recorded stop of the row before it begins a new episode, and that stop ends the earlier
  one (a discontinuation); G = 0 (the default): every restart continues the episode.
* ``stop_date``: the earlier of the recorded stop of the episode's last row (none for an
  infused drug or an ongoing one) and the start of the next different drug (a switch).
* **Induction drugs** (``induction_drugs``: alemtuzumab and cladribine tablets by default),
  given as courses (alemtuzumab: two courses 12 months apart and up to two more, each at
  least 12 months after the previous one; Lemtrada SmPC): a recorded stop ends a course,
  not the treatment, and is not a stop. The episode is discontinued at the start of another
  drug (a switch) or, with ``induction_max_gap_days`` = G > 0, on the day G days after the
  first day of its last course when no further course started by then, if that day is
  known (at most the end of data); else it is ongoing. A course is a run of rows of the
  drug each at most ``course_gap_days`` after the previous row's stop (its start when it has
  none): the first infusion of an infused course, or the first of the two treatment weeks
  of a cladribine course recorded as two rows (Mavenclad SmPC, section 4.2).
* End of data: the patient's last record of any kind (EDSS, relapse onset, treatment start
  or stop, infusion), at most the study's ``cutoff_date`` (a stop after it is unknown at
  it: the episode is ongoing). ``end_date`` is the end of data,
  or the stop/switch when ``censor_at_stop`` and the episode stopped before it.
* Eligibility, each failed criterion one row of :attr:`Episodes.exclusions`:
  ``prior_relapses`` (fewer than ``min_prior_relapses`` relapse onsets within
  ``prior_relapse_days`` before the start, the start day included), ``age`` (age at the
  start, days / 365.25, outside ``age_min``-``age_max``), ``baseline_edss`` (no EDSS within
  ``edss_window_days`` before the start, the start day included), ``follow_up`` (end_date -
  start_date below ``min_follow_up_days``), and with ``episodes = "first"``
  ``not_first_eligible`` (a later eligible episode of a patient already analysed).

References
----------
Kalincik T, et al. Treatment effectiveness of alemtuzumab compared with natalizumab,
fingolimod, and interferon beta in relapsing-remitting multiple sclerosis: a cohort study.
Lancet Neurol 2017;16:271-281.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from mscohort.definition.comparison import ComparisonSettings
from mscohort.study import Study
from mscohort.units import DAYS_PER_YEAR

#: Eligibility criteria in the order of the flow figure, with their wording.
CRITERIA: dict[str, str] = {
    "prior_relapses": "fewer prior relapses than required",
    "age": "age at the start outside the range",
    "baseline_edss": "no EDSS within the window before the start",
    "follow_up": "follow-up shorter than required",
    "not_first_eligible": "not the patient's first eligible episode",
}
EXCLUSION_SCHEMA = pl.Schema({
    "episode_id": pl.String(), "patient_id": pl.String(), "drug": pl.String(),
    "criterion": pl.String(), "detail": pl.String()})


@dataclass(frozen=True)
class Episodes:
    """Every candidate episode with its eligibility, and one row per failed criterion."""

    episodes: pl.DataFrame  #: candidates: the cohort's date columns and ``eligible``
    exclusions: pl.DataFrame  #: episode_id, patient_id, drug, criterion, detail
    settings: ComparisonSettings
    #: every drug start (:func:`drug_starts`) and each episode's baseline EDSS (episode_id,
    #: edss; the eligibility's window), reused by the baseline covariates
    starts: pl.DataFrame | None = None
    baseline_edss: pl.DataFrame | None = None

    @property
    def eligible(self) -> pl.DataFrame:
        return self.episodes.filter(pl.col("eligible")).drop("eligible")

    def flow(self) -> dict[str, int]:
        """Counts for the flow figure: candidates, each criterion (an episode may fail
        several), eligible by arm."""
        counts = {"candidate_episodes": self.episodes.height}
        by = self.exclusions["criterion"].value_counts()
        seen = dict(zip(by["criterion"].to_list(), by["count"].to_list(), strict=True))
        counts.update({f"excluded_{c}": int(seen.get(c, 0)) for c in CRITERIA})
        elig = self.eligible
        counts["eligible_treated"] = int((elig["treatment"] == 1).sum())
        counts["eligible_control"] = int((elig["treatment"] == 0).sum())
        return counts


def _frame(study: Study, name: str, *columns: str) -> pl.DataFrame:
    """Columns of a table as stored, unsorted (sorting by the key is left to the caller)."""
    return study.lineage(name).select(columns)


def drug_starts(study: Study, course_gap_days: float = 30) -> pl.DataFrame:
    """Every start of a drug (module Notes): patient_id, drug, start_date, stop_date.

    Courses follow :func:`mscohort.derive.courses.number_courses`' rule (an infusion more
    than ``course_gap_days`` after the previous one of the same drug starts a course),
    computed here without window functions for registry-scale speed."""
    tr = _frame(study, "treatments", "patient_id", "drug", "start_date", "stop_date")
    inf = _frame(study, "infusions", "patient_id", "drug", "date").sort(
        "patient_id", "drug", "date")
    pid, drug_, date = pl.col("patient_id"), pl.col("drug"), pl.col("date")
    first = ((pid != pid.shift(1)) | (drug_ != drug_.shift(1))
             | ((date - date.shift(1)).dt.total_days() > course_gap_days)).fill_null(True)
    courses = inf.filter(first).select(
        "patient_id", "drug", date.alias("start_date"),
        pl.lit(None, pl.Date).alias("stop_date"))
    return pl.concat([tr, courses]).sort("patient_id", "start_date", "drug")


def end_of_data(study: Study, cutoff: dt.date | None = None) -> pl.DataFrame:
    """The patient's last record of any kind, at most ``cutoff``: patient_id, end_of_data."""
    parts = [(name, col) for name, cols in (
        ("edss", ("date",)), ("relapses", ("onset_date",)),
        ("treatments", ("start_date", "stop_date")), ("infusions", ("date",)))
        for col in cols]
    frame = pl.concat([study.lineage(name).lazy().select("patient_id", pl.col(col).alias("d"))
                       for name, col in parts]).drop_nulls("d")
    if cutoff is not None:
        frame = frame.filter(pl.col("d") <= cutoff)
    return frame.group_by("patient_id").agg(pl.col("d").max().alias("end_of_data")).collect()


def candidate_episodes(study: Study, settings: ComparisonSettings, *,
                       course_gap_days: float = 30, cutoff: dt.date | None = None,
                       starts: pl.DataFrame | None = None) -> pl.DataFrame:
    """Episodes of the compared drugs before eligibility (module Notes); ``starts``: those
    of :func:`drug_starts` with this ``course_gap_days``, if already derived."""
    starts = drug_starts(study, course_gap_days) if starts is None else starts
    if cutoff is not None:
        starts = starts.filter(pl.col("start_date") <= cutoff)
    # starts are sorted by patient and date: a run of one drug begins where the patient or
    # the drug changes (no window functions: this is the hot path at registry scale)
    pid, drug_ = pl.col("patient_id"), pl.col("drug")
    new_run = ((pid != pid.shift(1)) | (drug_ != drug_.shift(1))).fill_null(True)
    if settings.restart_max_gap_days > 0:  # a late restart begins a new episode
        gap = (pl.col("start_date") - pl.col("stop_date").shift(1)).dt.total_days()
        new_run = new_run | ((gap > settings.restart_max_gap_days)
                             & ~drug_.is_in(list(settings.induction_drugs))).fill_null(False)
    # a course of an induction drug: rows of the run at most course_gap_days after the
    # previous row's stop (its start when it has none), e.g. the two treatment weeks of a
    # cladribine course recorded as two rows a month apart
    prev_end = pl.coalesce(pl.col("stop_date").shift(1), pl.col("start_date").shift(1))
    new_course = (new_run | ((pl.col("start_date") - prev_end).dt.total_days()
                             > course_gap_days)).fill_null(True)
    starts = starts.with_columns(run=new_run.cast(pl.Int64).cum_sum(), _course=new_course)
    runs = starts.group_by("run", maintain_order=True).agg(
        pl.col("patient_id").first(), pl.col("drug").first(), pl.col("start_date").first(),
        pl.col("stop_date").last().alias("recorded_stop"),
        pl.col("start_date").filter(pl.col("_course")).last().alias("last_course"))
    runs = runs.with_columns(
        pl.when(pid.shift(-1) == pid).then(pl.col("start_date").shift(-1))
        .alias("switch_date"))
    compared = (settings.treated, *settings.comparators)
    induction = pl.col("drug").is_in(list(settings.induction_drugs))
    ep = runs.filter(pl.col("drug").is_in(compared)).with_columns(
        pl.min_horizontal(pl.when(~induction).then(pl.col("recorded_stop")),
                          "switch_date").alias("stop_date"),
        (pl.col("drug") == settings.treated).cast(pl.Int8).alias("treatment"),
        pl.concat_str([pl.col("patient_id"), pl.col("drug"),
                       pl.col("start_date").dt.strftime("%Y-%m-%d")], separator=":")
        .alias("episode_id"))
    if cutoff is not None:  # a stop after the cut-off is not known at it: ongoing
        ep = ep.with_columns(pl.when(pl.col("stop_date") <= cutoff).then(pl.col("stop_date"))
                             .alias("stop_date"))
    ep = ep.join(end_of_data(study, cutoff), on="patient_id", how="left")
    end = pl.col("end_of_data")
    if settings.induction_max_gap_days > 0:  # no further course within the gap, if known
        lapsed = pl.col("last_course") + pl.duration(days=settings.induction_max_gap_days)
        ep = ep.with_columns(pl.min_horizontal(
            "stop_date", pl.when(induction & (lapsed <= end)).then(lapsed)).alias("stop_date"))
    if settings.censor_at_stop:
        end = pl.when(pl.col("stop_date").is_not_null() & (pl.col("stop_date") < end)).then(
            pl.col("stop_date")).otherwise(end)
    return ep.with_columns(end.alias("end_date")).select(
        "episode_id", "patient_id", "treatment", "drug", "start_date", "stop_date",
        "end_date", "end_of_data").sort("patient_id", "start_date")


def count_before(episodes: pl.DataFrame, events: pl.DataFrame, date_col: str,
                 days: float, name: str) -> pl.DataFrame:
    """``episodes`` with ``name``: events of the patient with ``date_col`` within ``days``
    before the episode start, the start day included (0 <= start - date <= ``days``: the
    start day belongs to the baseline, :mod:`mscohort.definition.comparison_windows`)."""
    joined = episodes.select("episode_id", "patient_id", "start_date").join(
        events.select("patient_id", pl.col(date_col).alias("_d")), on="patient_id")
    lag = (pl.col("start_date") - pl.col("_d")).dt.total_days()
    counts = joined.filter((lag >= 0) & (lag <= days)).group_by("episode_id").agg(
        pl.len().cast(pl.Int64).alias(name))
    return episodes.join(counts, on="episode_id", how="left").with_columns(
        pl.col(name).fill_null(0))


def _keys(patient: pl.Expr, date: pl.Expr, codes: pl.Enum) -> pl.Expr:
    """One sortable integer per (patient, day): the patient's code, then the day."""
    return (patient.cast(codes).to_physical().cast(pl.Int64) * (1 << 20)
            + date.cast(pl.Int64) + (1 << 19))


def last_before(episodes: pl.DataFrame, table: pl.DataFrame, date_col: str, value: str,
                days: float, name: str) -> pl.DataFrame:
    """``episodes`` with ``name``: ``value`` of the patient's last row of ``table`` dated at
    most ``days`` before the episode start (the start day included), else null.

    An as-of join on one integer key per (patient, day) (a join ``by`` patient is several
    times slower at registry scale); a match of another patient is discarded."""
    codes = pl.Enum(pl.concat([episodes["patient_id"], table["patient_id"]]).unique().sort())
    right = table.select(pl.col("patient_id").alias("_p"), pl.col(date_col).alias("_d"),
                         pl.col(value).alias(name)).drop_nulls().with_columns(
        _k=_keys(pl.col("_p"), pl.col("_d"), codes)).sort("_k")
    left = episodes.with_columns(_k=_keys(pl.col("patient_id"), pl.col("start_date"), codes)
                                 ).sort("_k")
    out = left.join_asof(right, on="_k", strategy="backward")
    far = (pl.col("_p") != pl.col("patient_id")) | (
        (pl.col("start_date") - pl.col("_d")).dt.total_days() > days)
    return out.with_columns(pl.when(far).then(None).otherwise(pl.col(name)).alias(name)) \
        .drop("_d", "_p", "_k")


def treatment_episodes(study: Study, settings: ComparisonSettings, *,
                       course_gap_days: float = 30, cutoff: dt.date | None = None
                       ) -> Episodes:
    """Episodes of the treated and comparator drugs with their eligibility (module Notes).

    Parameters
    ----------
    study
        The validated canonical tables.
    settings
        ``[comparison]`` of the study definition.
    course_gap_days, cutoff
        The definition's ``index.course_gap_days`` and ``follow_up.cutoff_date``.
    """
    s = settings
    starts = drug_starts(study, course_gap_days)
    ep = candidate_episodes(study, s, course_gap_days=course_gap_days, cutoff=cutoff,
                            starts=starts)
    ep = count_before(ep, _frame(study, "relapses", "patient_id", "onset_date"), "onset_date",
                      s.prior_relapse_days, "_prior_relapses")
    ep = last_before(ep, _frame(study, "edss", "patient_id", "date", "edss"), "date", "edss",
                     s.edss_window_days, "_edss")
    ep = ep.join(_frame(study, "patients", "patient_id", "birth_date"), on="patient_id",
                 how="left").with_columns(
        ((pl.col("start_date") - pl.col("birth_date")).dt.total_days() / DAYS_PER_YEAR)
        .alias("_age"),
        (pl.col("end_date") - pl.col("start_date")).dt.total_days().alias("_fu"))
    checks: list[tuple[str, pl.Expr, pl.Expr]] = [
        ("prior_relapses", pl.col("_prior_relapses") < s.min_prior_relapses,
         pl.format("{} relapse(s) in the {} days before; at least {} required",
                   "_prior_relapses", pl.lit(f"{s.prior_relapse_days:g}"),
                   pl.lit(s.min_prior_relapses))),
        ("age", pl.col("_age").is_null() | (pl.col("_age") < s.age_min)
         | (pl.col("_age") > s.age_max),
         pl.format("age {} years; allowed {}", pl.col("_age").round(1),
                   pl.lit(f"{s.age_min:g}-{s.age_max:g}"))),
        ("baseline_edss", pl.lit(s.require_edss) & pl.col("_edss").is_null(),
         pl.lit(f"no EDSS in the {s.edss_window_days:g} days before the start")),
        ("follow_up", pl.col("_fu").is_null() | (pl.col("_fu") < s.min_follow_up_days),
         pl.format("{} days of follow-up; at least {} required", "_fu",
                   pl.lit(f"{s.min_follow_up_days:g}"))),
    ]
    failed = [ep.filter(cond.fill_null(True)).select(
        "episode_id", "patient_id", "drug", pl.lit(name).alias("criterion"),
        detail.fill_null("unknown").alias("detail")) for name, cond, detail in checks]
    exclusions = pl.concat(failed).cast(EXCLUSION_SCHEMA) if failed else pl.DataFrame(
        schema=EXCLUSION_SCHEMA)
    bad_ids = exclusions["episode_id"].unique()
    ep = ep.with_columns(eligible=~pl.col("episode_id").is_in(bad_ids.implode())) \
        .sort("patient_id", "start_date")
    if s.episodes == "first":
        rank = pl.col("start_date").rank("ordinal").over("patient_id", "eligible")
        later = pl.col("eligible") & (rank > 1)
        extra = ep.filter(later).select(
            "episode_id", "patient_id", "drug", pl.lit("not_first_eligible").alias(
                "criterion"), pl.lit("the patient's first eligible episode is analysed")
            .alias("detail")).cast(EXCLUSION_SCHEMA)
        exclusions = pl.concat([exclusions, extra])
        ep = ep.with_columns(eligible=pl.col("eligible") & ~later)
    keep = ["episode_id", "patient_id", "treatment", "drug", "start_date", "stop_date",
            "end_date", "eligible"]
    return Episodes(ep.select(keep), exclusions.sort("episode_id", "criterion"), s, starts,
                    ep.select("episode_id", pl.col("_edss").alias("edss")))

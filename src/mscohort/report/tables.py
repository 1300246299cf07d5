"""Publication tables, format-neutral: a title, column headers, rows of printed cells, footnotes.

Every table is built from the tidy results of :mod:`mscohort.analyse` and prints numbers as
the seed does: EDSS to 1 decimal, MSSS and ARR to 2, ages and follow-up to whole units, signed
changes with a sign and "to" in their range ("-1.0 ± 1.4 (-4.0 to +2.0)"), p-values to 2
significant digits ("< 0.0001" below that). The HTML, Word, Excel and Markdown writers only
lay these tables out; they never compute or round.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import polars as pl

from mscohort.analyse import formatting as F
from mscohort.analyse.formatting import estimate_ci, format_p, interval, p_clause, p_text
from mscohort.analyse.primary import primary_measure
from mscohort.analyse.protocol import NO_LAB_DATA
from mscohort.analyse.rates import RATE_RATIO_METHOD
from mscohort.analyse.study import StudyAnalysis

T_TEST = "Student's paired t-test (two-sided)"


@dataclass(frozen=True)
class ReportTable:
    """One table as printed: ``rows`` hold the cells of ``columns``, in order."""

    key: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    footnotes: tuple[str, ...] = ()
    #: the heading it is printed under (``report.sections.HEADINGS``; set by the registry)
    section: str = ""

    def to_frame(self) -> pl.DataFrame:
        names = _unique(self.columns)
        return pl.DataFrame([list(r) for r in self.rows], schema=names, orient="row")


def _unique(names: tuple[str, ...]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n} ({seen[n]})")
    return out


def _cell(r: dict, n_group: int) -> str:
    """The seed prints n once per row; a measure known for fewer patients says so."""
    value = F.summary(r)
    return value if r["n"] == n_group or value == "no data" else f"{value}; n={r['n']}"


def measure_header(measure: str) -> str:
    """A measure's column header: "Change EDSS, mean ± SD (range)", follow-up as median."""
    if measure.startswith("follow-up"):
        return f"{measure[:1].upper()}{measure[1:]}, median (range)"
    return f"{measure[:1].upper()}{measure[1:]}, mean ± SD (range)"


def _with_ci(cell: str, r: dict, decimals: int) -> str:
    """A cell followed by the 95% interval of its mean (or median)."""
    if r["ci_low"] is None or cell == "no data":
        return cell
    signed = r["measure"].startswith("change")
    return f"{cell}; 95% CI {interval(r['ci_low'], r['ci_high'], decimals, signed)}"


def group_table(key: str, frame: pl.DataFrame, ci: bool = False) -> ReportTable:
    """A table of :func:`mscohort.analyse.tables.study_tables` in the seed's layout: one row
    per group ("Long-term, n=30"), one column per measure; ``ci``: each cell followed by the
    95% interval of its mean (median for follow-up)."""
    measures = frame["measure"].unique(maintain_order=True).to_list()
    rows, tests = [], []
    for (group,), part in frame.group_by("group", maintain_order=True):
        n_group = part["n_group"][0]
        cells = [_cell(r, n_group) for r in part.iter_rows(named=True)]
        if ci:
            cells = [_with_ci(c, r, 2 if "MSSS" in r["measure"] else 1)
                     for c, r in zip(cells, part.iter_rows(named=True), strict=True)]
        rows.append((f"{group}, n={n_group}", *cells))
        tests += [f"{group} {r['measure']}: {p_clause(format_p(r['p_t']))}"
                  for r in part.iter_rows(named=True) if r["p_t"] is not None]
    exclusive = frame["exclusive"][0]
    notes = [f"N.B. These groups are {'exclusive' if exclusive else 'not exclusive'} "
             f"({frame['rule'][0]}).",
             "Change is follow-up minus baseline."]
    if tests:
        notes.append("Within-group change from baseline, " + T_TEST + ": " + "; ".join(tests)
                     + " (not tested: fewer than 2 patients or no variation).")
    return ReportTable(key, frame["table"][0], ("Group", *(measure_header(m) for m in measures)),
                       tuple(rows), tuple(notes))


def cohort_table(analysis: StudyAnalysis) -> ReportTable:
    """Table 1: the analysed cohort, overall and by follow-up cohort."""
    frame = analysis.cohort
    groups = frame["group"].unique(maintain_order=True).to_list()
    n = {g: frame.filter(pl.col("group") == g)["n_group"][0] for g in groups}
    rows = []
    for (characteristic,), part in frame.group_by("characteristic", maintain_order=True):
        if characteristic == "patients":
            continue
        cells = dict(zip(part["group"], part["text"], strict=True))
        rows.append((characteristic, *(cells.get(g, "") for g in groups)))
    return ReportTable(
        "cohort", "Description of the analysed cohort",
        ("Characteristic", *(f"{g[:1].upper()}{g[1:]}, n={n[g]}" for g in groups)),
        tuple(rows),
        ("Counts as n (% of patients with a recorded value); ARR: annualised relapse rate "
         "before the index date, in the patients of the relapse analysis.",))


def summary_table(analysis: StudyAnalysis) -> ReportTable:
    """The retrospective analyses' summary: EDSS change with the paired t-test, improved /
    stable / worsened, MSSS change, and ARR before vs during follow-up."""
    tests = {r["measure"]: r for r in analysis.tests.iter_rows(named=True)}
    changes = {r["measure"]: r for r in analysis.changes.iter_rows(named=True)}
    rows = []
    for measure, decimals in (("EDSS", 1), ("MSSS", 2)):
        d = changes[measure]
        t = tests[measure]
        ci = interval(t["ci_low"], t["ci_high"], 2, True)
        dz = estimate_ci(t["d_z"], t["d_z_ci_low"], t["d_z_ci_high"], 2, True)
        rows.append((f"{measure} change, baseline to follow-up", _change_text(d, decimals)
                     + f"; {p_text(t['p_t'])} ({t['role']})"
                     + (f"; mean 95% CI {ci}; d_z {dz}" if ci else "")))
    for r in analysis.categories.iter_rows(named=True):
        if r["of"] == 0:
            continue
        text = f"{r['n']}/{r['of']} ({r['percent']:.0f}%)"
        if r["n"]:
            text += (f", mean change {_signed(r['mean_change'], 1)}, median "
                     f"{_signed(r['median_change'], 1)}, range {_signed(r['min_change'], 1)} "
                     f"to {_signed(r['max_change'], 1)}")
        rows.append((f"EDSS {r['category']}", text))
    rel = analysis.relapses.filter(pl.col("group") == "all")
    if rel.height:
        r = rel.row(0, named=True)
        rows.append((f"ARR before index, n={r['n']}", _arr(r, "before")))
        change = ("" if r["percent_change_of_means"] is None
                  else f"; change of means {r['percent_change_of_means']:+.0f}%")
        rows.append(("ARR during follow-up", _arr(r, "during") + change
                     + f"; {p_text(r['p_paired_t_value'])}"))
    return ReportTable(
        "summary", "Summary of outcomes from baseline to last follow-up", ("Outcome", "Result"),
        tuple(rows),
        ("Mean ± SD (median), range; p: " + T_TEST + "; 95% CI of the mean change (t); d_z: "
         "mean change / SD of the changes with its noncentral-t 95% CI.",
         "Improved / stable / worsened as defined in the methods.",
         f"Primary endpoint (study definition): the change in "
         f"{primary_measure(analysis.definition)}; every other test is exploratory "
         "(Holm-adjusted p in the tables of tests)."))


def _signed(x: float | None, decimals: int) -> str:
    if x is None:
        return "-"
    text = f"{x:+.{decimals}f}"
    return text[1:] if float(text) == 0 else text


def _change_text(d: dict, decimals: int) -> str:
    """A change row of ``StudyAnalysis.changes``: "-0.5 ± 1.2 (median -0.5), range -3.0 to
    +2.0; n=50"."""
    if d["n"] == 0:
        return "no data"
    sd = "" if d["sd"] is None else f" ± {F.number(d['sd'], decimals)}"
    return (f"{_signed(d['mean'], decimals)}{sd} (median {_signed(d['median'], decimals)}), "
            f"range {_signed(d['min'], decimals)} to {_signed(d['max'], decimals)}; "
            f"n={d['n']}")


def _arr(r: dict, when: str) -> str:
    """ARR before or during: Mean ± SD (range); median, from the relapse table's numbers."""
    value = F.mean_sd_range(r[f"mean_{when}"], r[f"sd_{when}"], r[f"min_{when}"],
                            r[f"max_{when}"], 2)
    median = r[f"median_{when}"]
    return value if median is None else f"{value}; median {F.number(median, 2)}"


PAIRED_COLUMNS = ("Measure", "n", "Mean before", "Mean after", "Mean difference (95% CI)",
                  "t (df)", "p, paired t", "p, Wilcoxon", "d_z (95% CI)", "Role", "p, Holm",
                  "Note")


def paired_rows(tests: pl.DataFrame, decimals: dict[str, int],
                default: int = 1) -> tuple[tuple[str, ...], ...]:
    """Rows of a paired-test frame (``analyse.tables.paired_tests`` columns), each measure
    printed to its number of ``decimals``."""
    rows = []
    for r in tests.iter_rows(named=True):
        d = decimals.get(r["measure"], default)

        def f(x: float | None, d: int = d) -> str:
            return "-" if x is None else f"{x:.{d}f}"

        ci = ("-" if r["ci_low"] is None else
              f"{_signed(r['mean_difference'], d)} ({_signed(r['ci_low'], d)} to "
              f"{_signed(r['ci_high'], d)})")
        t = "-" if r["t"] is None else f"{r['t']:.2f} ({r['df']})"
        rows.append((r["measure"], str(r["n"]), f(r["mean_before"]), f(r["mean_after"]), ci, t,
                     format_p(r["p_t"]), format_p(r["p_wilcoxon"]) if r["p_wilcoxon"] is not None
                     else "not tested",
                     estimate_ci(r["d_z"], r["d_z_ci_low"], r["d_z_ci_high"], 2, True),
                     r["role"] or "", "" if r["role"] == "primary" else format_p(r["p_holm"]),
                     r["note"] or ""))
    return tuple(rows)


def paired_table(analysis: StudyAnalysis) -> ReportTable:
    return ReportTable(
        "paired", "Baseline against follow-up, paired tests", PAIRED_COLUMNS,
        paired_rows(analysis.tests, {"MSSS": 2, "ARR": 2}),
        (T_TEST + "; Wilcoxon signed-rank test (two-sided, zero differences dropped). "
         "Means before and after are over the pairs tested.",
         "d_z: mean difference / SD of the differences, noncentral-t 95% CI. Role: the "
         "primary endpoint of the study definition, or exploratory; p, Holm: the paired t "
         "p-value adjusted by Holm's method over the exploratory rows (Holm 1979)."))


def relapse_table(analysis: StudyAnalysis) -> ReportTable:
    rows = []
    for r in analysis.relapses.iter_rows(named=True):
        rr = ("not computed" if r["rate_ratio"] is None
              else f"{F.number(r['rate_ratio'], 2)} "
                   f"({F.bounds(r['rate_ratio_ci_low'], r['rate_ratio_ci_high'])}); "
                   f"{p_text(r['p_rate_ratio_value'])}")
        arr = [F.mean_sd_range(r[f"mean_{w}"], r[f"sd_{w}"], r[f"min_{w}"], r[f"max_{w}"], 2)
               for w in ("before", "during")]
        rows.append((f"{r['group']}, n={r['n']}", *arr, format_p(r["p_paired_t_value"]),
                     _pooled(r, "before"), _pooled(r, "during"), rr))
    return ReportTable(
        "relapses", "Annualised relapse rate before the index date and during follow-up",
        ("Group", "ARR before, mean ± SD (range)", "ARR during, mean ± SD (range)",
         "p, paired t", "Pooled ARR before (95% CI)", "Pooled ARR during (95% CI)",
         "Rate ratio during/before (95% CI)"), tuple(rows),
        ("Mean of per-patient rates with " + T_TEST + "; pooled rates: relapses / "
         "person-years with exact Poisson 95% intervals; rate ratio from " + RATE_RATIO_METHOD
         + ".",))


def course_table(analysis: StudyAnalysis) -> ReportTable:
    """Infusion courses by regimen and course number, with the courses off the regimen."""
    c = analysis.courses
    rows = []
    if c.height:
        summary = (c.group_by("regimen", "course").agg(
            pl.len().alias("n"), (pl.col("n_deviations") > 0).sum().alias("off"),
            pl.col("expected").first(), pl.col("doses_mg").mode().first().alias("doses"))
            .sort("regimen", "course"))
        rows = [(r["regimen"], str(r["course"]), r["expected"], str(r["n"]), str(r["off"]))
                for r in summary.iter_rows(named=True)]
    return ReportTable(
        "courses", "Infusion courses by regimen",
        ("Regimen", "Course", "Expected", "Courses", "With deviations"), tuple(rows),
        (f"{c['patient_id'].n_unique() if c.height else 0} patients; a patient follows the "
         "regimen their first course matches best; deviations (missing or extra days, wrong "
         "dose, interrupted course, interval under the minimum) are listed per course in the "
         "Excel workbook and by `mscohort courses`.",))


STATUSES = ("up to date", "due", "overdue", "completed")
DECISIONS = ("eligible", "protocol deviation", "not eligible", "cannot tell")


def _readings(eligibility: dict[str, object]) -> list[str]:
    """"label: reading" of the definition's criteria that name their reading."""
    crits = [c for arm in eligibility.get("arm", []) for c in arm.get("include", [])]  # type: ignore[attr-defined]
    crits += list(eligibility.get("exclude", []))  # type: ignore[call-overload]
    return list(dict.fromkeys(f"{c['label']}: {c['reading']}" for c in crits
                              if isinstance(c, dict) and "reading" in c and "label" in c))


def screening_table(analysis: StudyAnalysis) -> ReportTable:
    """Eligibility by arm of the study definition's criteria; declared protocol deviations
    apart from ineligibility, each named in a note."""
    s = analysis.screening
    rows = []
    for (arm,), part in s.group_by("arm", maintain_order=True):
        rows.append((arm, *(str(part.filter(pl.col("decision") == d).height)
                            for d in DECISIONS)))
    notes = ["Each patient against each arm's criteria of the study definition, on their "
             "enrolment date (else their first infusion); `mscohort screen` lists the "
             "criterion and record behind every decision and the missing data."]
    if "deviations" in s.columns:
        notes += [f"Protocol deviation, {r['arm']}, {r['patient_id']}: {r['deviations']}."
                  for r in s.filter(pl.col("decision") == "protocol deviation")
                  .iter_rows(named=True)]
    notes += [f"Reading of the protocol: {r}." for r in
              _readings(analysis.definition.eligibility or {})]
    return ReportTable(
        "screening", "Eligibility screening by arm", ("Arm", "Eligible", "Protocol deviation",
                                                      "Not eligible", "Cannot tell"),
        tuple(rows), tuple(notes))


def safety_table(analysis: StudyAnalysis) -> ReportTable:
    """Safety monitoring by panel as of the data cut, and the retreatment rule."""
    sched, rows = analysis.safety, []
    no_labs = sched.height > 0 and bool((sched["status"] == NO_LAB_DATA).any())
    statuses = (*STATUSES, NO_LAB_DATA) if no_labs else STATUSES
    for (panel,), part in sched.group_by("panel", maintain_order=True):
        counts = [str(part.filter(pl.col("status") == st).height) for st in statuses]
        late = part["days_overdue"].drop_nulls()
        baseline = part["baseline_test"].is_not_null().sum()
        median = cast("float | None", late.median())
        rows.append((panel, *counts, "-" if median is None else f"{median:.0f}",
                     f"{baseline}/{part.height}"))
    r = analysis.retreatment
    meets = int(r["meets_rule"].sum()) if r.height else 0
    return ReportTable(
        "safety", f"Safety monitoring as of {analysis.as_of}",
        ("Panel", *(s[:1].upper() + s[1:] for s in statuses), "Median days overdue",
         "Baseline test done"), tuple(rows),
        ("Patients per status, from the alemtuzumab label's schedule (blood count, creatinine "
         "and urinalysis monthly, thyroid function every 3 months, until 48 months after the "
         "last infusion); `mscohort safety --as-of` lists each patient.",
         *(("No laboratory result is in the records (no labs table, or an empty one): a test "
            "missed cannot be told from one not recorded, so no schedule is called overdue "
            "or due (\"no lab data\").",) if no_labs else ()),
         f"Retreatment rule (a relapse after the last course and at least 12 months since "
         f"it): {meets} of {r.height} treated patients meet it as of {analysis.as_of}."))


def aesi_report_table(analysis: StudyAnalysis) -> ReportTable:
    """Adverse events of special interest by time since the course they followed."""
    periods = list(analysis.aesi_periods)
    a = analysis.aesi
    rows = []
    for (group,), part in a.group_by("aesi", maintain_order=True):
        rows.append((group, *(str(part.filter(pl.col("period") == p).height) for p in periods),
                     str(part.height), str(part["patient_id"].n_unique())))
    return ReportTable(
        "aesi", "Adverse events of special interest by time since the last course",
        ("Event", *(p[:1].upper() + p[1:] for p in periods), "Events", "Patients"),
        tuple(rows),
        ("Time from the first infusion of the course the event followed (the last course "
         "begun on or before its onset).",))


def _pooled(r: dict, when: str) -> str:
    rate = r[f"pooled_{when}"]
    ci = F.bounds(r[f"pooled_{when}_ci_low"], r[f"pooled_{when}_ci_high"])
    return "-" if rate is None else f"{F.number(rate, 2)} ({ci})"

"""The validation report: every issue of every file, in one table."""

from __future__ import annotations

import json
from dataclasses import dataclass

import polars as pl

from mscohort.errors import bad_argument
from mscohort.issues import ISSUE_SCHEMA, RULES, Severity

#: Columns of :attr:`ValidationReport.issues`, in order.
REPORT_COLUMNS = (*ISSUE_SCHEMA, "fix")


@dataclass(frozen=True)
class ValidationReport:
    """All issues found in a study, errors first, then by file and row.

    ``issues`` has the columns file, row, patient_id, column, rule, value, severity,
    message and fix (what to do).
    """

    issues: pl.DataFrame
    source: str = ""
    #: severity, rule and number of every issue found, when ``issues`` keeps only the
    #: first rows of each rule (:meth:`bounded`); None when ``issues`` holds them all
    counts: pl.DataFrame | None = None

    @classmethod
    def from_issues(cls, frames: list[pl.DataFrame], source: str = "") -> ValidationReport:
        frames = [f if "fix" in f.columns else f.with_columns(pl.lit(None, pl.String)
                                                               .alias("fix")) for f in frames]
        issues = (  # an issue's own fix (more specific) before its rule's fix
            pl.concat(frames, how="vertical") if frames
            else pl.DataFrame(schema=ISSUE_SCHEMA | {"fix": pl.String()})
        )
        fixes = pl.DataFrame(
            {"rule": [str(r) for r in RULES], "_rule_fix": [i.fix for i in RULES.values()]}
        )
        issues = (
            issues.join(fixes, on="rule", how="left")
            .with_columns(pl.coalesce("fix", "_rule_fix").alias("fix"))
            .with_columns((pl.col("severity") != str(Severity.ERROR)).alias("_order"))
            .sort(["_order", "file", "row", "column"], nulls_last=False, maintain_order=True)
            .drop("_order")
            .select(REPORT_COLUMNS)
        )
        return cls(issues, source)

    def bounded(self, rows_per_rule: int) -> ValidationReport:
        """This report keeping only the first ``rows_per_rule`` issues of each rule (in
        report order) and the count of every rule: a registry's report stays small in
        memory. ``mscohort validate --out issues.csv`` writes every issue."""
        if isinstance(rows_per_rule, bool) or not isinstance(rows_per_rule, int) \
                or rows_per_rule < 0:
            raise bad_argument("rows_per_rule", "a whole number >= 0", rows_per_rule)
        counts = self.counts_by_rule()
        kept = self.issues.filter(pl.int_range(pl.len()).over("rule") < rows_per_rule)
        return ValidationReport(kept, self.source, counts)

    @property
    def truncated(self) -> bool:
        """True when some issues are counted but not kept (see :meth:`bounded`)."""
        return self.counts is not None and int(self.counts["n"].sum()) > self.issues.height

    def _count(self, severity: Severity) -> int:
        if self.counts is None:
            return self.issues.filter(pl.col("severity") == str(severity)).height
        return int(self.counts.filter(pl.col("severity") == str(severity))["n"].sum())

    @property
    def errors(self) -> pl.DataFrame:
        return self.issues.filter(pl.col("severity") == str(Severity.ERROR))

    @property
    def warnings(self) -> pl.DataFrame:
        return self.issues.filter(pl.col("severity") == str(Severity.WARNING))

    @property
    def n_errors(self) -> int:
        return self._count(Severity.ERROR)

    @property
    def n_warnings(self) -> int:
        return self._count(Severity.WARNING)

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings do not block an import)."""
        return self.n_errors == 0

    def counts_by_rule(self) -> pl.DataFrame:
        if self.counts is not None:
            return self.counts
        return (
            self.issues.group_by(["severity", "rule"]).len("n")
            .sort(["severity", "n"], descending=[False, True])
        )

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "source": self.source,
            "ok": self.ok,
            "n_errors": self.n_errors,
            "n_warnings": self.n_warnings,
            "issues": self.issues.to_dicts(),
        }
        if self.truncated:
            out["counts_by_rule"] = self.counts_by_rule().to_dicts()
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def headline(self) -> str:
        e, w = self.n_errors, self.n_warnings
        return f"{e} error{'s' * (e != 1)}, {w} warning{'s' * (w != 1)}" + (
            f" in {self.source}" if self.source else ""
        )

    def format_text(self, limit: int | None = None) -> str:
        """A readable listing: one line per issue, grouped by severity, file and row."""
        lines = [self.headline()]
        shown = self.issues if limit is None else self.issues.head(limit)
        for issue in shown.iter_rows(named=True):
            where = issue["file"] or ""
            if issue["row"] is not None:
                where += f" row {issue['row']}"
            who = f" patient {issue['patient_id']}" if issue["patient_id"] is not None else ""
            col = f" [{issue['column']}]" if issue["column"] else ""
            lines.append(
                f"{issue['severity'].upper():7} {where}{who}{col} {issue['rule']}: "
                f"{issue['message']} -> {issue['fix']}"
            )
        if limit is not None and self.issues.height > limit:
            lines.append(f"... and {self.issues.height - limit} more (see --json)")
        if self.truncated:
            total = int(self.counts_by_rule()["n"].sum())
            lines.append(f"({self.issues.height} of the {total} issues are kept, the first of "
                         "each rule; `mscohort validate --out issues.csv` lists every one)")
        return "\n".join(lines)

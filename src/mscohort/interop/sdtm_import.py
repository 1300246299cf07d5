"""CDISC SDTM datasets (CSV or Dataset-JSON 1.1, one file per domain, as
:mod:`mscohort.interop.sdtm_export` writes them) read back into mscohort's canonical tables,
for validation and import like any study folder. Every canonical row keeps the file and row
of the SDTM record it came from (for a findings table, its first test), so validation
messages point into the SDTM files.

A findings record whose (domain, category, test code, trial) the terms do not list is an
``unknown_test_code`` error naming the file, row and value; validation then refuses the
whole import, as for any error.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from mscohort.errors import UnreadableFileError, UsageError
from mscohort.ingest import readers
from mscohort.ingest.folder import RawStudy, RawTable
from mscohort.interop.dataset_json import read_dataset_json
from mscohort.interop.sdtm_terms import Terms, load_terms
from mscohort.issues import Rule, empty_issues, file_issue, row_issues

BOOL = {"Y": "true", "N": "false"}
EYES = {"RIGHT": "OD", "LEFT": "OS"}
FINDINGS = {"edss": "RS", "msfc": "FT", "oct": "OE", "mri": "XM"}


#: Columns the reader needs, by domain (a findings domain also needs --CAT, --TESTCD, --ORRES
#: and --DTC; OE its laterality); a file without one is a ``missing_column`` error.
REQUIRED = {"DM": ("USUBJID", "SUBJID", "SEX", "BRTHDTC"), "MH": ("USUBJID", "MHCAT", "MHSTDTC"),
            "CE": ("USUBJID", "CECAT"), "SUPP": ("USUBJID", "IDVARVAL", "QNAM", "QVAL")}


def _required(domain: str) -> tuple[str, ...]:
    if domain.startswith("SUPP"):
        return REQUIRED["SUPP"]
    if domain in REQUIRED:
        return REQUIRED[domain]
    cols = ["USUBJID"]
    if domain in FINDINGS.values():
        cols += [f"{domain}{c}" for c in ("CAT", "TESTCD", "ORRES", "DTC")]
        cols += ["OELAT"] if domain == "OE" else []
    return tuple(cols)


class _Reader:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.issues: list[pl.DataFrame] = []
        self.frames: dict[str, pl.DataFrame] = {}
        self.sources: dict[str, Path] = {}
        for path in sorted(folder.iterdir()):
            suffix = path.suffix.lower()
            if suffix not in (".csv", ".json"):
                continue
            domain = path.stem.upper()
            if domain in self.sources:
                raise UsageError(f"{folder} has {self.sources[domain].name} and {path.name}: "
                                 "keep one file per domain.")
            self.sources[domain] = path
            try:
                frame = (readers.read_csv(path) if suffix == ".csv"
                         else read_dataset_json(path))
            except UnreadableFileError as exc:
                self.issues.append(file_issue(Rule.UNREADABLE_FILE, path.name, str(exc)))
                continue
            absent = [c for c in _required(domain) if c not in frame.columns]
            for column in absent:
                self.issues.append(file_issue(
                    Rule.MISSING_COLUMN, path.name,
                    f"{path.name} has no column {column}, which SDTM domain {domain} needs "
                    f"here (columns found: {', '.join(frame.columns[1:]) or 'none'})",
                    column=column))
            if not absent:
                self.frames[domain] = frame
        for supp in [d for d in self.frames if d.startswith("SUPP") and d != "SUPPDM"]:
            parent, seq = supp[4:], f"{supp[4:]}SEQ"  # SUPP-- records point at --SEQ
            if parent in self.frames and seq not in self.frames[parent].columns:
                name = self.sources[parent].name
                self.issues.append(file_issue(
                    Rule.MISSING_COLUMN, name,
                    f"{name} has no column {seq}, which the records of "
                    f"{self.sources[supp].name} refer to", column=seq))

    def column(self, frame: pl.DataFrame, name: str) -> pl.Expr:
        """An optional column, or nulls when the file has none."""
        return pl.col(name) if name in frame.columns else pl.lit(None, pl.String).alias(name)

    def get(self, domain: str) -> pl.DataFrame | None:
        return self.frames.get(domain)

    def supp(self, domain: str, qnam: str, key: str = "IDVARVAL") -> pl.DataFrame:
        s = self.frames.get(f"SUPP{domain}")
        cols = {"USUBJID": pl.String, key: pl.String, qnam: pl.String}
        if s is None:
            return pl.DataFrame(schema=cols)
        rows = s.filter(pl.col("QNAM") == qnam)
        return rows.select("USUBJID", pl.col("IDVARVAL").alias(key),
                           pl.col("QVAL").alias(qnam))


def read_sdtm(folder: str | Path, terms: Terms | None = None) -> RawStudy:
    """The canonical tables of the SDTM datasets in ``folder`` (module docstring)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UsageError(f"SDTM folder {folder} does not exist.")
    terms = terms or load_terms()
    r = _Reader(folder)
    dm = r.get("DM")
    if dm is None and "DM" in r.sources:  # unreadable or incomplete: already reported
        return RawStudy(folder, {}, pl.concat(r.issues), frozenset({"patients"}))
    if dm is None:
        raise UsageError(f"{folder} has no dm.csv: SDTM data need the DM domain.")
    ids = dict(zip(dm["USUBJID"], dm["SUBJID"], strict=True))
    pid = pl.col("USUBJID").replace_strict(ids, default=pl.col("USUBJID")).alias("patient_id")
    tables: dict[str, tuple[str, pl.DataFrame]] = {}  #: table -> (its SDTM domain, rows)

    def keep(name: str, domain: str, frame: pl.DataFrame) -> None:
        tables[name] = (domain, frame)

    supp_dm = [r.supp("DM", q).drop("IDVARVAL") for q in ("MSTYPE", "REGCORT")]
    mh = r.get("MH")
    onset = diagnosis = pl.DataFrame(schema={"USUBJID": pl.String, "d": pl.String})
    if mh is not None:
        onset = mh.filter(pl.col("MHCAT") == "MS ONSET").select("USUBJID",
                                                                 pl.col("MHSTDTC").alias("d"))
        diagnosis = mh.filter(pl.col("MHCAT") == "MS DIAGNOSIS").select(
            "USUBJID", pl.col("MHSTDTC").alias("d"))
    keep("patients", "DM", dm.join(supp_dm[0], on="USUBJID", how="left")
         .join(supp_dm[1], on="USUBJID", how="left").join(onset, on="USUBJID", how="left")
         .join(diagnosis.rename({"d": "d2"}), on="USUBJID", how="left").select(
        "_row", pid, pl.col("SEX").alias("sex"), pl.col("BRTHDTC").alias("birth_date"),
        pl.col("d").alias("onset_date"), pl.col("d2").alias("diagnosis_date"),
        pl.col("MSTYPE").alias("phenotype"),
        pl.col("REGCORT").replace_strict(BOOL, default=None).alias("regular_corticosteroids"),
        r.column(dm, "SITEID").alias("site"), r.column(dm, "ARM").alias("cohort"),
        r.column(dm, "RFSTDTC").alias("enrolment_date")))
    events = {
        "relapses": ("CE", {"onset_date": "CESTDTC", "end_date": "CEENDTC",
                            "severity": "CESEV"}, ("STEROID", "steroid_treated")),
        "treatments": ("CM", {"drug": "CMTRT", "start_date": "CMSTDTC", "stop_date": "CMENDTC",
                              "dose": "CMDOSE", "dose_unit": "CMDOSU"},
                       ("STOPRSN", "stop_reason")),
        "infusions": ("EX", {"drug": "EXTRT", "date": "EXSTDTC", "dose_mg": "EXDOSE"}, None),
        "labs": ("LB", {"date": "LBDTC", "test": "LBTEST", "value": "LBORRES",
                        "unit": "LBORRESU"}, None),
        "adverse_events": ("AE", {"onset_date": "AESTDTC", "term": "AETERM",
                                  "category": "AECAT", "outcome": "AEOUT"}, None),
    }
    for name, (domain, cols, extra) in events.items():
        frame = r.get(domain)
        if frame is None:
            continue
        if domain == "CE":
            frame = frame.filter(pl.col("CECAT") == "RELAPSE")
        if domain == "AE":
            frame = frame.with_columns(r.column(frame, "AESER").replace_strict(
                BOOL, default=None).alias("_serious"))
        select = ["_row", pid, *(pl.col(v).alias(c) for c, v in cols.items()
                                 if v in frame.columns)]
        if domain == "AE":
            select.append(pl.col("_serious").alias("serious"))
        if extra is not None:
            qnam, column = extra
            seq = f"{domain}SEQ"
            frame = frame.with_columns(r.column(frame, seq).cast(pl.String).alias(seq)).join(
                r.supp(domain, qnam), how="left", left_on=["USUBJID", seq],
                right_on=["USUBJID", "IDVARVAL"])
            value = pl.col(qnam)
            if column == "steroid_treated":
                value = value.replace_strict(BOOL, default=None)
            select.append(value.alias(column))
        keep(name, domain, frame.select(select))
    for name, domain in FINDINGS.items():
        frame = r.get(domain)
        if frame is None:
            continue
        table, problems = _pivot(frame, name, domain, terms, r)
        keep(name, domain, table.with_columns(pid).drop("USUBJID"))
        r.issues += problems
    raw = {name: RawTable(name, r.sources[domain].name, r.sources[domain],
                          readers.sha256(r.sources[domain]),
                          frame.with_columns(pl.exclude("_row").cast(pl.String)))
           for name, (domain, frame) in tables.items()}
    return RawStudy(folder, raw, pl.concat(r.issues) if r.issues else empty_issues())


def _pivot(frame: pl.DataFrame, table: str, domain: str, terms: Terms,
           r: _Reader) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """One canonical row per subject, date (and eye) from one SDTM row per test."""
    d = domain
    known = {f"{t.domain}|{t.category}|{t.testcd}|{t.repnum}": t.column
             for t in terms.for_table(table)}  # repnum None -> "None", as below
    rep = pl.col(f"{d}REPNUM") if f"{d}REPNUM" in frame.columns else pl.lit(None, pl.String)
    frame = frame.with_columns(pl.concat_str([pl.lit(d), pl.col(f"{d}CAT"),
                                              pl.col(f"{d}TESTCD"), rep.fill_null("None")],
                                             separator="|")
                               .replace_strict(known, default=None).alias("_column"))
    bad = frame.filter(pl.col("_column").is_null())
    problems = []
    if bad.height:
        problems.append(row_issues(
            bad.with_columns(pl.col("USUBJID").alias("patient_id")), Rule.UNKNOWN_TEST_CODE,
            file=r.sources[d].name, column=f"{d}TESTCD", value=pl.col(f"{d}TESTCD"),
            message=pl.format("{} test {} (category {}, trial {}) is not in the SDTM terms",
                              pl.lit(d), pl.col(f"{d}TESTCD"), pl.col(f"{d}CAT"),
                              rep.fill_null("-"))))
    frame = frame.filter(pl.col("_column").is_not_null())
    index = ["USUBJID", f"{d}DTC"]
    if domain == "OE":
        frame = frame.with_columns(pl.col("OELAT").replace_strict(EYES, default=None)
                                   .alias("eye"))
        index.append("eye")
    # A test repeated for one subject and date (and eye) is not dropped: its second record
    # makes a second canonical row, equal to the first in every other column, so that the
    # shared rule on repeated keys (validate.records.repeated_keys) applies as to any file:
    # the same value is a duplicate_row warning, another value a conflicting_record error.
    frame = frame.sort("_row").with_columns(
        pl.int_range(pl.len()).over([*index, "_column"]).alias("_occurrence"))
    first = frame.group_by([*index, "_occurrence"]).agg(pl.col("_row").min())
    wide = frame.pivot(on="_column", index=[*index, "_occurrence"], values=f"{d}ORRES",
                       aggregate_function="first").join(first, on=[*index, "_occurrence"])
    tests = [c for c in wide.columns if c not in (*index, "_occurrence", "_row")]
    wide = wide.sort([*index, "_occurrence"]).with_columns(
        pl.when(pl.col("_occurrence") > 0).then(pl.col(c).fill_null(pl.col(c).first().over(
            index))).otherwise(pl.col(c)).alias(c) for c in tests).drop("_occurrence")
    if domain == "OE":
        on = r.supp("OE", "ONHX").rename({"IDVARVAL": "OESEQ"})
        flags = frame.with_columns(r.column(frame, "OESEQ").cast(pl.String).alias("OESEQ")).join(
            on, on=["USUBJID", "OESEQ"], how="inner").group_by(index).agg(
            pl.col("ONHX").first().replace_strict(BOOL, default=None).alias("optic_neuritis"))
        wide = wide.join(flags, on=index, how="left")
    return wide.rename({f"{d}DTC": "date"}).sort("_row"), problems

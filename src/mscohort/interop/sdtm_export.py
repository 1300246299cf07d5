"""A study as CDISC SDTM datasets (CSV, one file per domain, SDTM variable names).

* patients: DM (USUBJID = STUDYID-patient_id, SUBJID, SEX, BRTHDTC, SITEID, ARM = cohort,
  RFSTDTC = enrolment_date), SUPPDM (MSTYPE = phenotype, REGCORT = regular
  corticosteroids), MH (MHCAT MS ONSET and MS DIAGNOSIS).
* edss: RS (EDSS and the Kurtzke functional systems, test codes from the terms).
* relapses: CE (CECAT RELAPSE), SUPPCE (STEROID). treatments: CM (CMCAT DISEASE MODIFYING
  THERAPY), SUPPCM (STOPRSN). infusions: EX.
* msfc: FT (T25FW, 9-HPT by hand, PASAT-3; trials as FTREPNUM). oct: OE (OELAT RIGHT/LEFT),
  SUPPOE (ONHX = optic neuritis). mri: XM, a custom findings domain (SDTM has no standard
  domain for these counts). labs: LB (LBTEST as recorded). adverse_events: AE.

Dates are ISO 8601; a date known to the month is written YYYY-MM. Every value round-trips:
:func:`mscohort.interop.sdtm_import.read_sdtm` of these files gives the same study.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from mscohort.interop.sdtm_terms import Terms, load_terms
from mscohort.schema import PRECISION_SUFFIX, TABLES
from mscohort.study import Study

YN = {True: "Y", False: "N"}
EYES = {"OD": "RIGHT", "OS": "LEFT"}


def dtc(frame: pl.DataFrame, column: str) -> pl.Expr:
    """ISO 8601 text of a date column, YYYY-MM when its precision says month."""
    text = pl.col(column).dt.strftime("%Y-%m-%d")
    precision = column + PRECISION_SUFFIX
    if precision in frame.columns:
        text = pl.when(pl.col(precision) == "month").then(
            pl.col(column).dt.strftime("%Y-%m")).otherwise(text)
    return text


def text(column: str, dtype: pl.DataType) -> pl.Expr:
    c = pl.col(column)
    if dtype == pl.Boolean:
        return c.replace_strict(YN, default=None, return_dtype=pl.String)
    return c.cast(pl.String)


def _usubjid(study_id: str) -> pl.Expr:
    return pl.concat_str([pl.lit(study_id + "-"), pl.col("patient_id")]).alias("USUBJID")


def _base(domain: str, study_id: str) -> list[pl.Expr]:
    return [pl.lit(study_id).alias("STUDYID"), pl.lit(domain).alias("DOMAIN"),
            _usubjid(study_id)]


def _seq(domain: str) -> pl.Expr:
    return pl.int_range(1, pl.len() + 1).over("USUBJID").alias(f"{domain}SEQ")


def _supp(frame: pl.DataFrame, domain: str, qvals: dict[str, pl.Expr],
          study_id: str, labels: dict[str, str], idvar: bool = True) -> pl.DataFrame:
    parts = []
    for qnam, value in qvals.items():
        parts.append(frame.select(
            pl.lit(study_id).alias("STUDYID"), pl.lit(domain).alias("RDOMAIN"), "USUBJID",
            pl.lit(f"{domain}SEQ" if idvar else None, pl.String).alias("IDVAR"),
            (pl.col(f"{domain}SEQ").cast(pl.String) if idvar else pl.lit(None, pl.String))
            .alias("IDVARVAL"),
            pl.lit(qnam).alias("QNAM"), pl.lit(labels[qnam]).alias("QLABEL"),
            value.alias("QVAL")).drop_nulls("QVAL"))
    return pl.concat(parts) if parts else pl.DataFrame()


def _findings(study: Study, table: str, terms: Terms) -> dict[str, pl.DataFrame]:
    frame = study.table(table)
    spec = TABLES[table]
    out: dict[str, list[pl.DataFrame]] = {}
    for t in terms.for_table(table):
        d = t.domain
        rows = frame.filter(pl.col(t.column).is_not_null())
        if rows.height == 0:
            continue
        value = text(t.column, spec.column_by_name[t.column].dtype)
        cols = [*_base(d, terms.study_id), pl.lit(t.testcd).alias(f"{d}TESTCD"),
                pl.lit(t.test).alias(f"{d}TEST"), pl.lit(t.category).alias(f"{d}CAT"),
                value.alias(f"{d}ORRES"), pl.lit(t.unit, pl.String).alias(f"{d}ORRESU"),
                value.alias(f"{d}STRESC"), pl.col(t.column).cast(pl.Float64).alias(f"{d}STRESN"),
                pl.lit(t.unit, pl.String).alias(f"{d}STRESU"),
                pl.lit(t.repnum, pl.Int64).alias(f"{d}REPNUM")]
        if table == "oct":
            cols += [pl.lit("EYE").alias("OELOC"),
                     pl.col("eye").replace_strict(EYES).alias("OELAT"),
                     pl.col("optic_neuritis").alias("_on") if t.column == "rnfl_um"
                     else pl.lit(None, pl.Boolean).alias("_on")]
        cols.append(dtc(rows, "date").alias(f"{d}DTC"))
        out.setdefault(d, []).append(rows.select(cols))
    result = {}
    for d, parts in out.items():
        f = pl.concat(parts, how="diagonal").sort("USUBJID", f"{d}DTC", f"{d}TESTCD",
                                                   f"{d}REPNUM", nulls_last=True)
        f = f.with_columns(_seq(d))
        if "_on" in f.columns:
            result["SUPPOE"] = _supp(f.filter(pl.col("_on").is_not_null()), "OE",
                                     {"ONHX": text("_on", pl.Boolean())}, terms.study_id,
                                     {"ONHX": "History of Optic Neuritis in This Eye"})
            f = f.drop("_on")
        result[d] = f
    return result


def sdtm_datasets(study: Study, terms: Terms | None = None) -> dict[str, pl.DataFrame]:
    """Every SDTM dataset of the study, by domain name (module docstring)."""
    terms = terms or load_terms()
    sid = terms.study_id
    p = study.table("patients")
    out: dict[str, pl.DataFrame] = {}
    dm = p.select(*_base("DM", sid), pl.col("patient_id").alias("SUBJID"),
                  dtc(p, "enrolment_date").alias("RFSTDTC"), pl.col("site").alias("SITEID"),
                  dtc(p, "birth_date").alias("BRTHDTC"), pl.col("sex").alias("SEX"),
                  pl.col("cohort").alias("ARM"), pl.col("phenotype").alias("_type"),
                  text("regular_corticosteroids", pl.Boolean()).alias("_cort"))
    out["DM"] = dm.drop("_type", "_cort")
    out["SUPPDM"] = _supp(dm, "DM", {"MSTYPE": pl.col("_type"), "REGCORT": pl.col("_cort")},
                          sid, {"MSTYPE": "Multiple Sclerosis Clinical Course",
                                "REGCORT": "Regular Corticosteroids at Baseline"},
                          idvar=False)
    mh = pl.concat([
        p.select(*_base("MH", sid), pl.lit("MULTIPLE SCLEROSIS").alias("MHTERM"),
                 pl.lit(cat).alias("MHCAT"), dtc(p, col).alias("MHSTDTC")).drop_nulls("MHSTDTC")
        for cat, col in (("MS ONSET", "onset_date"), ("MS DIAGNOSIS", "diagnosis_date"))])
    out["MH"] = mh.sort("USUBJID", "MHCAT").with_columns(_seq("MH"))
    r = study.table("relapses")
    ce = r.select(*_base("CE", sid), pl.lit("MULTIPLE SCLEROSIS RELAPSE").alias("CETERM"),
                  pl.lit("RELAPSE").alias("CECAT"), pl.col("severity").alias("CESEV"),
                  dtc(r, "onset_date").alias("CESTDTC"), dtc(r, "end_date").alias("CEENDTC"),
                  text("steroid_treated", pl.Boolean()).alias("_steroid")
                  ).with_columns(_seq("CE"))
    out["CE"] = ce.drop("_steroid")
    out["SUPPCE"] = _supp(ce, "CE", {"STEROID": pl.col("_steroid")}, sid,
                          {"STEROID": "Treated with Corticosteroids"})
    t = study.table("treatments")
    cm = t.select(*_base("CM", sid), pl.col("drug").alias("CMTRT"),
                  pl.lit("DISEASE MODIFYING THERAPY").alias("CMCAT"),
                  pl.col("dose").alias("CMDOSE"), pl.col("dose_unit").alias("CMDOSU"),
                  dtc(t, "start_date").alias("CMSTDTC"), dtc(t, "stop_date").alias("CMENDTC"),
                  pl.col("stop_reason").alias("_reason")).with_columns(_seq("CM"))
    out["CM"] = cm.drop("_reason")
    out["SUPPCM"] = _supp(cm, "CM", {"STOPRSN": pl.col("_reason")}, sid,
                          {"STOPRSN": "Reason Treatment Stopped"})
    i = study.table("infusions")
    out["EX"] = i.select(*_base("EX", sid), pl.col("drug").alias("EXTRT"),
                         pl.col("dose_mg").alias("EXDOSE"), pl.lit("mg").alias("EXDOSU"),
                         dtc(i, "date").alias("EXSTDTC"), dtc(i, "date").alias("EXENDTC")
                         ).with_columns(_seq("EX"))
    lab = study.table("labs")
    out["LB"] = lab.select(
        *_base("LB", sid),
        pl.col("test").str.to_uppercase().str.replace_all(r"[^A-Z0-9]", "").str.slice(0, 8)
        .alias("LBTESTCD"), pl.col("test").alias("LBTEST"),
        pl.col("value").cast(pl.String).alias("LBORRES"), pl.col("unit").alias("LBORRESU"),
        pl.col("value").alias("LBSTRESN"), pl.col("unit").alias("LBSTRESU"),
        dtc(lab, "date").alias("LBDTC")).with_columns(_seq("LB"))
    ae = study.table("adverse_events")
    out["AE"] = ae.select(*_base("AE", sid), pl.col("term").alias("AETERM"),
                          pl.col("category").alias("AECAT"),
                          text("serious", pl.Boolean()).alias("AESER"),
                          pl.col("outcome").alias("AEOUT"),
                          dtc(ae, "onset_date").alias("AESTDTC")).with_columns(_seq("AE"))
    for table in ("edss", "msfc", "oct", "mri"):
        out |= _findings(study, table, terms)
    return {k: v for k, v in out.items() if v.height}


FORMATS = ("csv", "json")


def write_sdtm(study: Study, folder: str | Path, terms: Terms | None = None,
               fmt: str = "csv") -> list[Path]:
    """The datasets as ``<domain>.csv`` or, with ``fmt="json"``, CDISC Dataset-JSON 1.1
    ``<domain>.json`` (lower-case names) in ``folder``."""
    from mscohort.errors import bad_argument
    from mscohort.interop.dataset_json import write_dataset_json

    if fmt not in FORMATS:
        raise bad_argument("format", "csv or json", fmt)
    terms = terms or load_terms()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in sdtm_datasets(study, terms).items():
        path = folder / f"{name.lower()}.{fmt}"
        if fmt == "csv":
            frame.write_csv(path)
        else:
            write_dataset_json(frame, name, terms.study_id, path)
        written.append(path)
    return written

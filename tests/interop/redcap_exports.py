"""Realistic REDCap exports written by the tests, with the truth they hold.

A seeded cohort (30 patients by default) is written the way REDCap writes a project built
from ``redcap_ms_dictionary.csv``: columns in dictionary order (record id, event, repeat
instrument and instance, each form's fields, checkboxes as ``field___code``, then
``<form>_complete``); one row per record and event plus one per repeating-instrument
instance; a longitudinal project (events "Baseline (Arm 1: Arm 1)" = ``baseline_arm_1`` and
"Follow-up (Arm 1: Arm 1)" = ``followup_arm_1``, with the blank follow-up event row REDCap
writes when only checkboxes of a non-repeating form have a value) or a classic one.

Three renderings: raw (codes, raw headers), label values with raw headers (the API's
``rawOrLabel=label``: choice labels, Checked/Unchecked, instrument labels such as "Edss
Visit", event labels) and the web page's "CSV (labels)" (label values and label headers:
field labels, ``Label (choice=Choice)``, ``Complete?``). The truth is written as canonical
CSV files, so a test compares the import with :func:`mscohort.ingest.read_study` of them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from dataclasses import dataclass, field
from pathlib import Path

DICTIONARY = (Path(__file__).parents[2] / "src" / "mscohort" / "datasets" / "interop"
              / "redcap_ms_dictionary.csv")
EVENT_LABELS = {"baseline_arm_1": "Baseline (Arm 1: Arm 1)",
                "followup_arm_1": "Follow-up (Arm 1: Arm 1)"}
INSTRUMENT_LABELS = {"demographics": "Demographics", "edss_visit": "Edss Visit",
                     "relapse": "Relapse", "dmt": "Dmt", "infusion": "Infusion"}
STATUS_LABELS = {"0": "Incomplete", "1": "Unverified", "2": "Complete"}
SEX = {"F": "1", "M": "2"}
COURSE = {"RRMS": "1", "SPMS": "2", "PPMS": "3"}
SEVERITY = {"mild": "1", "moderate": "2", "severe": "3"}
DMT = {"interferon beta": "1", "glatiramer acetate": "2", "natalizumab": "3",
       "fingolimod": "4", "dimethyl fumarate": "5"}
INFUSED = {"alemtuzumab": "1", "natalizumab": "2", "ocrelizumab": "3"}
FS = ("fs_pyramidal", "fs_cerebellar", "fs_brainstem", "fs_sensory", "fs_bowel_bladder",
      "fs_visual", "fs_cerebral", "fs_ambulation")


@dataclass
class Project:
    """Raw rows (field -> raw value) in export order, and the canonical truth."""

    dictionary: list[dict[str, str]]
    rows: list[dict[str, str]] = field(default_factory=list)
    truth: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    longitudinal: bool = True
    coded: int = 0  #: cells holding a missing-data code
    unfinished: int = 0  #: forms marked Incomplete or Unverified

    @property
    def fields(self) -> dict[str, dict[str, str]]:
        return {f["Variable / Field Name"]: f for f in self.dictionary}

    def columns(self) -> list[str]:
        """Raw headers in the order REDCap writes them."""
        fields = self.dictionary
        out = [fields[0]["Variable / Field Name"]]
        out += ["redcap_event_name"] if self.longitudinal else []
        out += ["redcap_repeat_instrument", "redcap_repeat_instance"]
        for form in dict.fromkeys(f["Form Name"] for f in fields):
            for f in fields[1:]:
                if f["Form Name"] != form:
                    continue
                if f["Field Type"] == "checkbox":
                    out += [f"{f['Variable / Field Name']}___{c}" for c in _codes(f)]
                else:
                    out.append(f["Variable / Field Name"])
            out.append(f"{form}_complete")
        return out

    def write(self, path: Path, values: str = "raw", headers: str = "raw") -> Path:
        cols = self.columns()
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([self._header(c) for c in cols] if headers == "label" else cols)
        for row in self.rows:
            writer.writerow([self._value(c, row.get(c, "")) if values == "label" else
                             row.get(c, "") for c in cols])
        path.write_text(out.getvalue(), encoding="utf-8")
        return path

    def write_truth(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        for table, records in self.truth.items():
            with (folder / f"{table}.csv").open("w", newline="", encoding="utf-8") as fh:
                writer = csv.DictWriter(fh, fieldnames=list(records[0]), lineterminator="\n")
                writer.writeheader()
                writer.writerows(records)
        return folder

    def _header(self, col: str) -> str:
        special = {"redcap_event_name": "Event Name", "redcap_repeat_instrument":
                   "Repeat Instrument", "redcap_repeat_instance": "Repeat Instance"}
        if col in special:
            return special[col]
        if col.endswith("_complete"):
            return "Complete?"
        base, _, code = col.partition("___")
        f = self.fields[base]
        if code:
            return f"{f['Field Label']} (choice={_codes(f)[code]})"
        return f["Field Label"]

    def _value(self, col: str, value: str) -> str:
        if not value:
            return value
        if col == "redcap_event_name":
            return EVENT_LABELS[value]
        if col == "redcap_repeat_instrument":
            return INSTRUMENT_LABELS[value]
        if col.endswith("_complete"):
            return STATUS_LABELS[value]
        base, _, code = col.partition("___")
        f = self.fields.get(base)
        if f is None:
            return value
        if code:
            return {"1": "Checked", "0": "Unchecked"}.get(value, value)
        if f["Field Type"] == "yesno":
            return {"1": "Yes", "0": "No"}.get(value, value)
        return _codes(f).get(value, value) if f["Field Type"] in ("radio", "dropdown") else value


def _codes(f: dict[str, str]) -> dict[str, str]:
    out = {}
    for part in f["Choices, Calculations, OR Slider Labels"].split("|"):
        code, _, label = part.strip().partition(",")
        out[code.strip()] = label.strip()
    return out


def _day(d: dt.date) -> str:
    return d.isoformat()


#: the missing-data codes :func:`build` writes with ``coded=True`` (REDCap's notation)
MISSING_CODES = "UNK, Unknown | NASK, Not asked | NA, Not applicable | -99, Missing"


def build(n: int = 30, seed: int = 27, longitudinal: bool = True, coded: bool = False
          ) -> Project:
    """A seeded project of ``n`` patients (see the module docstring). With ``coded``, some
    cells hold missing-data codes (:data:`MISSING_CODES`; the truth has them empty) and some
    forms are Unverified or Incomplete (their values still the truth); ``Project.coded`` and
    ``Project.unfinished`` count them."""
    rng = random.Random(seed)
    with DICTIONARY.open(encoding="utf-8") as fh:
        dictionary = list(csv.DictReader(fh))
    p = Project(dictionary, longitudinal=longitudinal)
    truth: dict[str, list[dict[str, str]]] = {t: [] for t in (
        "patients", "edss", "relapses", "treatments", "infusions")}
    base = "baseline_arm_1" if longitudinal else ""
    for i in range(1, n + 1):
        pid = f"MS{i:03d}"
        born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 35))
        dob = born.isoformat()[:7] if i % 7 == 0 else _day(born)  # month precision
        # onset from age 18 until 2010, so that every later date is in the past
        onset = born + dt.timedelta(days=rng.randrange(18 * 365, (dt.date(2010, 1, 1)
                                                                   - born).days))
        diagnosis = onset + dt.timedelta(days=rng.randrange(30, 900))
        enrol = dt.date(2012, 1, 1) + dt.timedelta(days=rng.randrange(0, 700))
        sex, course = rng.choice(list(SEX)), rng.choice(list(COURSE))
        steroids = rng.choice(["1", "0"])
        site = rng.choice(["Basel", "Bern", "Zurich"])
        site_cell = site
        if coded and i % 5 == 0:
            site_cell, site, p.coded = "UNK", "", p.coded + 1
        demo = {"record_id": pid, "redcap_event_name": base, "sex": SEX[sex], "dob": dob,
                "ms_onset": _day(onset), "ms_diagnosis": _day(diagnosis),
                "ms_course": COURSE[course], "steroids_regular": steroids, "site": site_cell,
                "cohort": "ALE", "enrolment_date": _day(enrol), "demographics_complete": "2",
                "relapse_treatment___1": "0", "relapse_treatment___2": "0",
                "relapse_treatment___3": "0"}
        p.rows.append(demo)
        truth["patients"].append({
            "patient_id": pid, "sex": sex, "birth_date": dob, "onset_date": _day(onset),
            "diagnosis_date": _day(diagnosis), "phenotype": course,
            "regular_corticosteroids": "true" if steroids == "1" else "false", "site": site,
            "cohort": "ALE", "enrolment_date": _day(enrol)})
        if longitudinal:  # the follow-up event row REDCap writes for the unticked boxes
            p.rows.append({"record_id": pid, "redcap_event_name": "followup_arm_1",
                           "relapse_treatment___1": "0", "relapse_treatment___2": "0",
                           "relapse_treatment___3": "0"})
        day = enrol - dt.timedelta(days=rng.randrange(0, 20))
        for k in range(1, rng.randrange(2, 7) + 1):
            edss = rng.choice(["1.0", "2.0", "2.5", "3.0", "3.5", "4.0", "6.0", "6.5"])
            fs = {f: str(rng.randrange(0, 4)) for f in FS[:rng.randrange(0, 3)]}
            event = base if k == 1 else ("followup_arm_1" if longitudinal else "")
            status = "2"
            if coded and k == 2 and i % 3 == 0:
                status, p.unfinished = ("1" if i % 2 else "0"), p.unfinished + 1
            p.rows.append({"record_id": pid, "redcap_event_name": event,
                           "redcap_repeat_instrument": "edss_visit",
                           "redcap_repeat_instance": str(k), "visit_date": _day(day),
                           "edss": edss, **fs, "edss_visit_complete": status})
            truth["edss"].append({"patient_id": pid, "date": _day(day), "edss": edss,
                                  **{f: fs.get(f, "") for f in FS}})
            day += dt.timedelta(days=rng.randrange(150, 260))
        rday = onset + dt.timedelta(days=400)
        for k in range(1, rng.randrange(0, 4) + 1):
            rday += dt.timedelta(days=rng.randrange(200, 700))
            severity = rng.choice(list(SEVERITY))
            ticks = rng.choice([("1",), ("2",), ("3",), (), ("1", "2")])
            end = _day(rday + dt.timedelta(days=40)) if k % 2 else ""
            severity_cell = SEVERITY[severity]
            if coded and i % 4 == 1 and k == 1:
                severity_cell, severity, p.coded = "NASK", "", p.coded + 1
            p.rows.append({"record_id": pid, "redcap_event_name": base,
                           "redcap_repeat_instrument": "relapse",
                           "redcap_repeat_instance": str(k), "relapse_onset": _day(rday),
                           "relapse_end": end, "relapse_severity": severity_cell,
                           **{f"relapse_treatment___{c}": "1" if c in ticks else "0"
                              for c in "123"}, "relapse_complete": "2"})
            truth["relapses"].append({
                "patient_id": pid, "onset_date": _day(rday), "end_date": end,
                "severity": severity,
                "steroid_treated": "true" if "1" in ticks else ("false" if ticks else "")})
        tday = diagnosis + dt.timedelta(days=60)
        n_dmt = rng.randrange(1, 4)
        for k in range(1, n_dmt + 1):
            drug = rng.choice(list(DMT))
            stop = tday + dt.timedelta(days=rng.randrange(200, 1500))
            stop_text = "" if k == n_dmt and k % 2 else _day(stop)
            dose, unit = rng.choice([("44", "ug"), ("300", "mg"), ("20", "mg")])
            cells = (dose, unit)
            if coded and k == 1 and i % 4 == 0:
                cells, dose, unit, p.coded = ("-99", "NA"), "", "", p.coded + 2
            p.rows.append({"record_id": pid, "redcap_event_name": base,
                           "redcap_repeat_instrument": "dmt", "redcap_repeat_instance": str(k),
                           "dmt_drug": DMT[drug], "dmt_start": _day(tday),
                           "dmt_stop": stop_text, "dmt_dose": cells[0],
                           "dmt_dose_unit": cells[1], "dmt_complete": "2"})
            truth["treatments"].append({
                "patient_id": pid, "drug": drug, "start_date": _day(tday),
                "stop_date": stop_text, "dose": dose, "dose_unit": unit, "stop_reason": ""})
            tday = stop + dt.timedelta(days=30)
        iday = enrol + dt.timedelta(days=5)
        for k in range(1, rng.randrange(0, 9) + 1):
            drug = rng.choice(list(INFUSED))
            p.rows.append({"record_id": pid, "redcap_event_name": base,
                           "redcap_repeat_instrument": "infusion",
                           "redcap_repeat_instance": str(k), "inf_drug": INFUSED[drug],
                           "inf_date": _day(iday), "inf_dose_mg": "12",
                           "infusion_complete": "2"})
            truth["infusions"].append({"patient_id": pid, "drug": drug, "date": _day(iday),
                                       "dose_mg": "12"})
            iday += dt.timedelta(days=rng.randrange(1, 90))
    p.truth = truth
    return p

"""Names of the canonical tables and columns as MS registries and clinics write them, in
English, German, French, Spanish, Italian, Dutch and Swedish: the vocabulary behind the
proposed mapping (:mod:`mscohort.ingest.propose`).

Written normalised (:func:`normalise`: lower case, accents dropped, any other character a
space), so "Geburtsdatum", "Date de naissance" and "födelsedatum" match as written in a
header. A canonical name always matches itself, with or without underscores.
"""

from __future__ import annotations

import re
import unicodedata


def normalise(name: str) -> str:
    """``"  Datum (EDSS)"`` -> ``"datum edss"``: accents dropped, lower case, words only."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = text.replace("ß", "ss")
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


TABLE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "patients": ("patient", "patients", "demographics", "baseline", "subjects", "stammdaten",
                 "patienten", "demographie", "demografie", "donnees demographiques",
                 "pacientes", "datos demograficos", "pazienti", "anagrafica",
                 "dati demografici", "patienter", "demografi", "basdata"),
    "edss": ("edss", "edss visits", "visits", "visites", "besuche", "visiten", "visitas",
             "visite", "bezoeken", "besok", "kurtzke", "disability", "behinderung"),
    "relapses": ("relapse", "relapses", "attacks", "schube", "schub", "poussees", "poussee",
                 "recaidas", "brotes", "ricadute", "recidive", "relapsen", "skov"),
    "treatments": ("treatment", "treatments", "therapies", "dmt", "medications",
                   "medication", "therapie", "therapien", "behandlung", "traitements",
                   "traitement", "tratamientos", "tratamiento", "terapie", "trattamenti",
                   "behandelingen", "medicatie", "behandlingar", "behandling"),
    "infusions": ("infusion", "infusions", "infusionen", "perfusions", "infusiones",
                  "infusioni", "infusies", "infusioner"),
    "msfc": ("msfc", "ms functional composite"),
    "oct": ("oct", "optical coherence tomography"),
    "mri": ("mri", "mrt", "irm", "rm", "resonancia", "risonanza", "magnetresonanz", "mr"),
    "labs": ("lab", "labs", "laboratory", "lab results", "labor", "laborwerte",
             "laboratoire", "biologie", "laboratorio", "analisis", "esami", "laboratorium"),
    "adverse_events": ("adverse events", "ae", "aes", "side effects", "nebenwirkungen",
                       "unerwunschte ereignisse", "effets indesirables",
                       "evenements indesirables", "eventos adversos", "eventi avversi",
                       "bijwerkingen", "biverkningar"),
}

_DATE = ("date", "visit date", "exam date", "assessment date", "scan date", "datum",
         "besuchsdatum", "untersuchungsdatum", "date de visite", "date d examen", "fecha",
         "fecha de visita", "data", "data visita", "bezoekdatum", "datum bezoek",
         "besoksdatum", "undersokningsdatum")
_FS = {"pyramidal": ("pyramidal", "pyramidale", "pyramidal functions"),
       "cerebellar": ("cerebellar", "zerebellar", "cerebelleux", "cerebeloso", "cerebellare"),
       "brainstem": ("brainstem", "brain stem", "hirnstamm", "tronc cerebral",
                     "tronco encefalico", "tronco encefalico", "hersenstam", "hjarnstam"),
       "sensory": ("sensory", "sensorisch", "sensitif", "sensitivo", "sensoriale",
                   "sensibel"),
       "bowel_bladder": ("bowel bladder", "bowel and bladder", "blase mastdarm",
                         "vesico sphincterien", "esfinteres", "sfinterico", "blaas darm"),
       "visual": ("visual", "visuell", "visuel", "visual fs", "visivo", "visueel", "syn"),
       "cerebral": ("cerebral", "mental", "cerebrale", "zerebral", "cerebraal"),
       "ambulation": ("ambulation", "ambulation score", "gehfahigkeit", "deambulation",
                      "deambulacion", "deambulazione", "loopafstand")}

#: Column synonyms by canonical column name (shared by the tables that have the column),
#: with table-specific entries as ``"table.column"``.
COLUMN_SYNONYMS: dict[str, tuple[str, ...]] = {
    "patient_id": ("patient", "patient id", "patientid", "pid", "id", "subject",
                   "subject id", "mrn", "record id", "study id", "patienten id",
                   "patientennummer", "pat nr", "pat id", "identifiant", "id patient",
                   "numero patient", "id paciente", "codigo paciente", "paciente",
                   "id paziente", "codice paziente", "paziente", "patientnummer", "patientnr",
                   "patient nummer", "studie id", "personnummer",
                   # a clinic's own record number (UK and US clinics)
                   "hosp no", "hosp nr", "hosp number", "hospital no", "hospital nr",
                   "hospital number", "hospital id", "medical record number",
                   "medical record no", "record number", "record no", "nhs no",
                   "nhs number"),
    "sex": ("sex", "gender", "geschlecht", "sexe", "genre", "sexo", "genero", "sesso",
            "genere", "geslacht", "kon"),
    "birth_date": ("birth date", "date of birth", "dob", "birthdate", "birthday", "born",
                   "geburtsdatum", "geb datum", "geburtstag", "date de naissance",
                   "naissance", "ddn", "fecha de nacimiento", "fecha nacimiento", "nacimiento",
                   "data di nascita", "data nascita", "geboortedatum", "fodelsedatum"),
    "patients.onset_date": (
        "onset", "onset date", "disease onset", "ms onset", "first symptom",
        "first symptoms", "first symptom date", "date of first symptom",
        "date of first symptoms", "symptom onset", "onset of symptoms",
        "date of symptom onset", "date of onset", "erstmanifestation", "krankheitsbeginn",
        "erkrankungsbeginn",
        "symptombeginn", "erstsymptom", "date de debut", "debut", "debut de la maladie",
        "premiers symptomes", "fecha de inicio", "inicio", "inicio enfermedad",
        "data di esordio", "esordio", "begindatum", "debuut", "eerste symptomen",
        "debutdatum", "insjuknande"),
    "diagnosis_date": ("diagnosis date", "date of diagnosis", "diagnosis", "diagnosedatum",
                       "diagnose", "erstdiagnose", "date de diagnostic", "diagnostic",
                       "fecha de diagnostico", "diagnostico", "data di diagnosi", "diagnosi",
                       "diagnosdatum"),
    "phenotype": ("phenotype", "course", "disease course", "ms type", "ms course",
                  "verlaufsform", "verlauf", "forme", "forme clinique", "fenotipo", "forma",
                  "forma clinica", "decorso", "vorm", "beloop", "forlopp"),
    "regular_corticosteroids": ("corticosteroids", "regular corticosteroids",
                                "regular steroids", "kortikosteroide", "corticoides",
                                "corticosteroidi", "corticosteroiden"),
    "site": ("site", "center", "centre", "clinic", "hospital", "zentrum", "klinik",
             "standort", "centro", "sede", "ziekenhuis", "centrum", "sjukhus"),
    "cohort": ("cohort", "arm", "group", "kohorte", "gruppe", "cohorte", "groupe", "grupo",
               "coorte", "gruppo", "groep", "kohort", "grupp"),
    "enrolment_date": ("enrolment date", "enrollment date", "enrolment", "enrollment",
                       "inclusion date", "einschluss", "einschlussdatum", "date d inclusion",
                       "inclusion", "fecha de inclusion", "data di arruolamento",
                       "arruolamento", "inclusiedatum", "inklusionsdatum"),
    "date": _DATE,
    "edss": ("edss", "edss score", "edss total", "edss wert", "score edss", "punteggio edss",
             "edss totaal", "kurtzke"),
    **{f"fs_{name}": (*(f"fs {w}" for w in words), *(f"{w} fs" for w in words), *words)
       for name, words in _FS.items()},
    "relapses.onset_date": ("onset", "onset date", "relapse date", "date of relapse",
                            "relapse onset", "schubdatum", "schubbeginn", "datum schub",
                            "date de poussee", "debut poussee", "fecha del brote",
                            "fecha de recaida", "data ricaduta", "data della ricaduta",
                            "datum relaps", "skovdatum", *_DATE),
    "adverse_events.onset_date": ("onset", "onset date", "start date", "event date",
                                  "beginn", "date de debut", "fecha de inicio",
                                  "data di inizio", "begindatum", *_DATE),
    "end_date": ("end date", "end", "resolution date", "ende", "enddatum", "date de fin",
                 "fin", "fecha de fin", "fecha fin", "data fine", "fine", "einddatum",
                 "slutdatum"),
    "severity": ("severity", "schweregrad", "severite", "gravite", "gravedad", "severidad",
                 "gravita", "ernst", "svarighetsgrad"),
    "steroid_treated": ("steroids", "steroid treated", "steroid", "cortisone", "kortison",
                        "cortison", "corticoides", "cortisonici", "steroiden", "steroider",
                        "ivmp", "methylprednisolone"),
    "drug": ("drug", "medication", "treatment", "therapy", "dmt", "medikament", "praparat",
             "therapie", "wirkstoff", "medicament", "traitement", "molecule", "farmaco",
             "medicamento", "tratamiento", "geneesmiddel", "medicijn", "lakemedel",
             "behandling"),
    "start_date": ("start date", "start", "beginn", "startdatum", "therapiebeginn",
                   "date de debut", "debut", "fecha de inicio", "inicio", "data inizio",
                   "inizio", "begindatum"),
    "stop_date": ("stop date", "stop", "end date", "end", "ende", "stoppdatum",
                  "therapieende", "date d arret", "arret", "date de fin", "fecha de fin",
                  "fin", "data fine", "data sospensione", "stopdatum", "einddatum",
                  "slutdatum"),
    "dose": ("dose", "dosis", "dosage", "dosierung", "dosi", "dos"),
    "dose_unit": ("dose unit", "unit", "einheit", "unite", "unidad", "unita", "eenheid",
                  "enhet"),
    "stop_reason": ("stop reason", "reason", "reason for stopping", "absetzgrund", "grund",
                    "motif d arret", "motif", "motivo", "motivo de suspension",
                    "motivo sospensione", "reden", "orsak"),
    "dose_mg": ("dose mg", "dose", "mg", "dosis mg", "dosis", "dosi"),
    "test": ("test", "parameter", "analyte", "laborparameter", "analyse", "prueba", "esame",
             "bepaling", "analys"),
    "value": ("value", "result", "wert", "ergebnis", "valeur", "resultat", "valor",
              "resultado", "valore", "risultato", "waarde", "uitslag", "varde"),
    "unit": ("unit", "einheit", "unite", "unidad", "unita", "eenheid", "enhet"),
    "term": ("term", "event", "ae term", "ereignis", "nebenwirkung", "evenement", "terme",
             "evento", "termine", "bijwerking", "handelse"),
    "category": ("category", "kategorie", "categorie", "categoria", "kategori"),
    "serious": ("serious", "sae", "schwerwiegend", "grave", "serio", "ernstig", "allvarlig"),
    "outcome": ("outcome", "ausgang", "evolution", "desenlace", "esito", "uitkomst",
                "utfall"),
    "eye": ("eye", "side", "auge", "seite", "oeil", "ojo", "occhio", "oog", "oga"),
    "rnfl_um": ("rnfl", "rnfl um", "rnfl thickness", "prnfl"),
    "gcipl_um": ("gcipl", "gcipl um", "gcl ipl", "gcipl thickness"),
    "optic_neuritis": ("optic neuritis", "optikusneuritis", "neuritis nervi optici",
                       "nevrite optique", "neuritis optica", "neurite ottica",
                       "optikusneurit"),
    "new_enlarging_t2": ("new t2", "new enlarging t2", "new or enlarging t2", "t2 new",
                         "neue t2 lasionen", "nouvelles lesions t2", "lesiones t2 nuevas",
                         "nuove lesioni t2"),
    "gd_enhancing": ("gd", "gd enhancing", "gd lesions", "gadolinium", "gd lasionen",
                     "prise de contraste", "realce", "captanti"),
    "t25fw_1_s": ("t25fw 1", "t25fw trial 1", "timed 25 foot walk 1"),
    "t25fw_2_s": ("t25fw 2", "t25fw trial 2", "timed 25 foot walk 2"),
    "nhpt_dom_1_s": ("9hpt dominant 1", "nhpt dominant 1", "9hpt dom 1"),
    "nhpt_dom_2_s": ("9hpt dominant 2", "nhpt dominant 2", "9hpt dom 2"),
    "nhpt_nondom_1_s": ("9hpt non dominant 1", "nhpt non dominant 1", "9hpt nondom 1"),
    "nhpt_nondom_2_s": ("9hpt non dominant 2", "nhpt non dominant 2", "9hpt nondom 2"),
    "pasat3": ("pasat", "pasat 3", "pasat3"),
}


def column_synonyms(table: str, column: str) -> tuple[str, ...]:
    """Every normalised name of ``column`` of ``table``: its own name, then synonyms."""
    own = (normalise(column), column.replace("_", ""))
    words = COLUMN_SYNONYMS.get(f"{table}.{column}", COLUMN_SYNONYMS.get(column, ()))
    return tuple(dict.fromkeys((*own, *(normalise(w) for w in words))))


def table_synonyms(table: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys((normalise(table), *(normalise(w) for w in
                                                     TABLE_SYNONYMS.get(table, ())))))

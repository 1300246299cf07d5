"""Controlled vocabulary of multiple sclerosis drugs, with synonyms and brand names.

Drug names in ``treatments`` and ``infusions`` are normalised to :attr:`Drug.name` at
validation. Matching ignores case, surrounding space, "®"/"™", and treats hyphens,
underscores and repeated spaces as one space. An unknown name is a validation error that
suggests the closest known name.

Sources: the disease-modifying therapies approved for MS by the FDA and EMA (brand and
generic names as on their labels), plus off-label immunotherapies common in MS cohorts
(rituximab, cyclophosphamide, azathioprine, methotrexate, mycophenolate, IVIG).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from mscohort.errors import bad_argument


@dataclass(frozen=True)
class Drug:
    """One drug of the vocabulary: canonical name, short code, route, and synonyms."""

    name: str
    abbreviation: str
    route: str  # injectable, oral, infusion
    approved_for_ms: bool
    synonyms: tuple[str, ...]


DRUGS: tuple[Drug, ...] = (
    Drug("interferon beta", "IFN", "injectable", True, (
        "ifn", "ifnb", "ifn beta", "ifn-b", "interferon", "interferon beta-1a",
        "interferon beta-1b", "interferon beta 1a", "interferon beta 1b", "ifnb-1a", "ifnb-1b",
        "peginterferon beta-1a", "avonex", "rebif", "betaseron", "betaferon", "extavia",
        "plegridy",
    )),
    Drug("glatiramer acetate", "GA", "injectable", True, (
        "ga", "glatiramer", "copaxone", "glatopa", "copolymer 1", "cop-1",
    )),
    Drug("natalizumab", "NAT", "infusion", True, ("nat", "ntz", "tysabri", "tyruko")),
    Drug("fingolimod", "FTY", "oral", True, ("fty", "fty720", "gilenya", "tascenso")),
    Drug("alemtuzumab", "ALE", "infusion", True, (
        "ale", "alem", "lemtrada", "campath", "campath-1h", "mabcampath",
    )),
    Drug("ocrelizumab", "OCR", "infusion", True, ("ocr", "ocrevus")),
    Drug("ofatumumab", "OFA", "injectable", True, ("ofa", "kesimpta", "arzerra")),
    Drug("ublituximab", "UBL", "infusion", True, ("ubl", "briumvi")),
    Drug("rituximab", "RTX", "infusion", False, ("rtx", "rituxan", "mabthera", "truxima")),
    Drug("cladribine", "CLAD", "oral", True, ("clad", "mavenclad")),
    Drug("dimethyl fumarate", "DMF", "oral", True, ("dmf", "tecfidera", "bg-12", "bg12")),
    Drug("diroximel fumarate", "DRF", "oral", True, ("drf", "vumerity")),
    Drug("monomethyl fumarate", "MMF", "oral", True, ("bafiertam",)),
    Drug("teriflunomide", "TERI", "oral", True, ("teri", "aubagio")),
    Drug("siponimod", "SIP", "oral", True, ("sip", "mayzent")),
    Drug("ozanimod", "OZA", "oral", True, ("oza", "zeposia")),
    Drug("ponesimod", "PON", "oral", True, ("pon", "ponvory")),
    Drug("mitoxantrone", "MITO", "infusion", True, ("mito", "mx", "novantrone")),
    Drug("daclizumab", "DAC", "injectable", True, ("dac", "zinbryta")),
    Drug("cyclophosphamide", "CYC", "infusion", False, ("cyc", "cytoxan", "endoxan")),
    Drug("azathioprine", "AZA", "oral", False, ("aza", "imuran")),
    Drug("methotrexate", "MTX", "oral", False, ("mtx",)),
    Drug("mycophenolate mofetil", "MMF-CC", "oral", False, ("mycophenolate", "cellcept")),
    Drug("intravenous immunoglobulin", "IVIG", "infusion", False, ("ivig", "ivig therapy")),
)

_SPACES = re.compile(r"[\s_\-]+")


def _norm(text: str) -> str:
    return _SPACES.sub(" ", text.replace("®", "").replace("™", "")).strip().lower()


def _lookup_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for drug in DRUGS:
        for alias in (drug.name, drug.abbreviation, *drug.synonyms):
            key = _norm(alias)
            if table.get(key, drug.name) != drug.name:  # pragma: no cover - vocabulary bug
                raise RuntimeError(f"drug alias {alias!r} is ambiguous")
            table[key] = drug.name
    return table


SYNONYMS: dict[str, str] = _lookup_table()
BY_NAME: dict[str, Drug] = {d.name: d for d in DRUGS}


def normalise_drug(name: str) -> str | None:
    """The canonical name of ``name``, or ``None`` when it is not in the vocabulary."""
    return SYNONYMS.get(_norm(name))


def suggest_drug(name: str) -> str | None:
    """The canonical name closest to an unknown ``name`` (difflib ratio >= 0.6), if any."""
    hits = difflib.get_close_matches(_norm(name), SYNONYMS.keys(), n=1, cutoff=0.6)
    return SYNONYMS[hits[0]] if hits else None


def drug(name: str) -> Drug:
    """The vocabulary entry for ``name`` (any synonym)."""
    canonical = normalise_drug(name)
    if canonical is None:
        hint = suggest_drug(name)
        raise bad_argument(
            "drug", "a known drug name" + (f" (did you mean {hint!r}?)" if hint else ""), name
        )
    return BY_NAME[canonical]

"""The drug vocabulary: the synonyms the foundation issue names, and suggestions."""

from __future__ import annotations

import pytest

from mscohort.errors import InvalidArgumentError
from mscohort.vocabulary import DRUGS, drug, normalise_drug, suggest_drug


@pytest.mark.parametrize(("name", "canonical"), [
    ("Lemtrada", "alemtuzumab"), ("Campath", "alemtuzumab"), ("ALE", "alemtuzumab"),
    ("Tysabri", "natalizumab"), ("NAT", "natalizumab"),
    ("Gilenya", "fingolimod"), ("FTY", "fingolimod"), ("FTY720", "fingolimod"),
    ("Avonex", "interferon beta"), ("Rebif", "interferon beta"),
    ("Betaseron", "interferon beta"), ("IFN", "interferon beta"),
    ("interferon beta-1a", "interferon beta"), ("Interferon  Beta 1b", "interferon beta"),
    ("Copaxone", "glatiramer acetate"), ("GA", "glatiramer acetate"),
    ("Ocrevus", "ocrelizumab"), ("Tecfidera", "dimethyl fumarate"), ("Aubagio", "teriflunomide"),
    ("Mavenclad", "cladribine"), ("Kesimpta", "ofatumumab"), (" gilenya® ", "fingolimod"),
])
def test_synonyms_and_brand_names_normalise(name: str, canonical: str) -> None:
    assert normalise_drug(name) == canonical


def test_unknown_names_are_not_guessed_silently() -> None:
    assert normalise_drug("Tysabry") is None
    assert suggest_drug("Tysabry") == "natalizumab"
    assert suggest_drug("zzzz") is None


def test_drug_lookup_error_uses_the_argument_template() -> None:
    with pytest.raises(InvalidArgumentError, match=r"`drug` must be a known drug name .*got"):
        drug("Gilenia")


def test_abbreviations_are_unique() -> None:
    codes = [d.abbreviation for d in DRUGS]
    assert len(codes) == len(set(codes))

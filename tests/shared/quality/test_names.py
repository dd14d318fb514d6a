"""Name folding: Turkish dotted/dotless i, accents, punctuation, word order."""

from __future__ import annotations

import pytest

from shared.quality.names import fold_name, person_key


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("İSMAİL", "ismail"),
        ("ISMAIL", "ısmaıl"),
        ("Çağrı", "CAGRI"),
        ("ŞÜKRÜ", "şükrü"),
        ("José  García", "jose garcia"),
        ("Smith-Jones", "smith jones"),
        ("O'Brien", "OBRIEN"),
        ("Ó Briain", "o briain"),
        ("Łukasz", "lukasz"),
        ("Straße", "STRASSE"),
    ],
)
def test_same_person_folds_to_same_text(left: str, right: str) -> None:
    assert fold_name(left) == fold_name(right)


@pytest.mark.parametrize(("left", "right"), [("Ayşe", "Ayla"), ("Ελένη", "Elena"), ("Li", "Lu")])
def test_different_names_stay_different(left: str, right: str) -> None:
    assert fold_name(left) != fold_name(right)


def test_non_latin_names_are_not_erased() -> None:
    assert fold_name("ЁЛКА") == "елка"
    assert fold_name("Ελένη") == "ελενη"


def test_person_key_ignores_which_field_holds_which_word() -> None:
    assert person_key("İSMAİL", "ÖZTÜRK") == person_key("öztürk", "ismail")
    assert person_key("Mary Ann", "Smith") == person_key("Mary", "Ann-Smith")
    assert person_key("", "  ") == ()

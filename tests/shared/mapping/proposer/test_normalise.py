"""Header normalisation: Turkish folding, word splitting, abbreviations, run-together headers."""

from __future__ import annotations

import pytest

from shared.mapping.proposer.normalise import fold, normalise_header, segment, split_words
from shared.mapping.proposer.vocabulary import abbreviations, lexicon


def test_turkish_capitals_fold_without_combining_dots() -> None:
    assert fold("İSTANBUL") == "istanbul"
    assert fold("DOĞUM TARİHİ") == "dogum tarihi"
    assert fold("Çerçeve Rengi") == "cerceve rengi"


@pytest.mark.parametrize(
    ("header", "words"),
    [
        ("PatFirstName", ["pat", "first", "name"]),
        ("NHSNo", ["nhs", "no"]),
        ("first_name", ["first", "name"]),
        ("D.O.B.", ["dob"]),
        ("T.C. Kimlik No", ["tc", "kimlik", "no"]),
        ("Address1", ["address", "1"]),
        ("Invoice #", ["invoice", "no"]),
    ],
)
def test_headers_split_into_folded_words(header: str, words: list[str]) -> None:
    assert split_words(header) == words


@pytest.mark.parametrize(
    ("header", "normalised"),
    [
        ("DOB", "date birth"),
        ("Pt. Surname", "surname"),
        ("Cep Tel", "cep telephone"),
        ("PATNO", "number"),
        ("NHSNO", "nhs number"),
        ("FName", "first name"),
        ("Patient", "patient"),
    ],
)
def test_patient_headers_normalise_with_abbreviations_and_context(
    header: str, normalised: str
) -> None:
    context = frozenset({"patient", "hasta"})
    assert normalise_header(header, abbreviations(), context, lexicon()) == normalised


def test_run_together_words_split_into_fewest_known_pieces() -> None:
    known = frozenset({"pat", "no", "patno", "date", "birth", "of"})
    assert segment("patno", known) == ["patno"]
    assert segment("dateofbirth", known) == ["date", "of", "birth"]
    assert segment("zzzz", known) == ["zzzz"]


def test_a_lone_letter_after_a_word_stays_a_word() -> None:
    # 'TEL_M' is telephone + m(obile), not a run of initials like 'D.O.B.'.
    assert split_words("TEL_M") == ["tel", "m"]
    assert split_words("M/F") == ["mf"]


def test_turkish_is_work_is_not_dropped_as_an_english_stop_word() -> None:
    assert normalise_header("İş Tel", abbreviations()) == "is telephone"
